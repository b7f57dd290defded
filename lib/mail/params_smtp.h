/*
 * params_smtp.h - parameters of the SMTP client (the smtp delivery agent,
 * `gannet domain-info`) and of next-hop routing (transport_maps and the
 * relay hosts, used by the queue manager through route.h).
 */
#ifndef MAIL_PARAMS_SMTP_H
#define MAIL_PARAMS_SMTP_H
#include "mail/cfg.h"

extern const struct cfg_param params_smtp[];

extern char *var_smtp_helo_name;
extern long var_smtp_connect_timeout;
extern long var_smtp_helo_timeout;
extern long var_smtp_starttls_timeout;
extern long var_smtp_mail_timeout;
extern long var_smtp_rcpt_timeout;
extern long var_smtp_data_init_timeout;
extern long var_smtp_data_xfer_timeout;
extern long var_smtp_data_done_timeout;
extern long var_smtp_rset_timeout;
extern long var_smtp_quit_timeout;
extern long var_smtp_message_timeout;
extern long var_smtp_conn_cache_time;  /* smtp_connection_cache_time_limit */
extern long var_smtp_conn_reuse_limit; /* smtp_connection_reuse_count_limit */
extern long var_smtp_mx_address_limit;
extern long var_smtp_mx_session_limit;
extern char *var_smtp_address_preference;
extern char *var_smtp_bind_address;
extern char *var_smtp_bind_address6;
extern long var_smtp_reply_length_limit;
extern long var_smtp_reply_count_limit; /* smtp_reply_line_count_limit */
extern char *var_smtp_tls_level;        /* smtp_tls_security_level */
extern char *var_smtp_tls_policy_maps;
extern char *var_smtp_tls_cafile; /* smtp_tls_CAfile */
extern char *var_smtp_tls_capath; /* smtp_tls_CApath */
extern bool var_smtp_sasl_enable; /* smtp_sasl_auth_enable */
extern char *var_smtp_sasl_passwd_maps;
extern char *var_smtp_sasl_opts;     /* smtp_sasl_security_options */
extern char *var_smtp_sasl_tls_opts; /* smtp_sasl_tls_security_options */
extern char *var_smtp_fallback_relay;
extern char *var_transport_maps;
extern char *var_relayhost_maps;

#endif /* MAIL_PARAMS_SMTP_H */

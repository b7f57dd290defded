/*
 * params_smtp.c - parameters of the SMTP client and of next-hop routing
 * (see params_smtp.h). Names and defaults follow Postfix where the meaning
 * is the same; smtp_message_timeout is ArGoSoft's "timeout for single
 * message relay" (20 minutes).
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_smtp.h"

char *var_smtp_helo_name;
long var_smtp_connect_timeout;
long var_smtp_helo_timeout;
long var_smtp_starttls_timeout;
long var_smtp_mail_timeout;
long var_smtp_rcpt_timeout;
long var_smtp_data_init_timeout;
long var_smtp_data_xfer_timeout;
long var_smtp_data_done_timeout;
long var_smtp_rset_timeout;
long var_smtp_quit_timeout;
long var_smtp_message_timeout;
long var_smtp_conn_cache_time;
long var_smtp_conn_reuse_limit;
long var_smtp_mx_address_limit;
long var_smtp_mx_session_limit;
char *var_smtp_address_preference;
char *var_smtp_bind_address;
char *var_smtp_bind_address6;
long var_smtp_reply_length_limit;
long var_smtp_reply_count_limit;
char *var_smtp_tls_level;
char *var_smtp_tls_policy_maps;
char *var_smtp_tls_cafile;
char *var_smtp_tls_capath;
bool var_smtp_sasl_enable;
char *var_smtp_sasl_passwd_maps;
char *var_smtp_sasl_opts;
char *var_smtp_sasl_tls_opts;
char *var_smtp_fallback_relay;
char *var_transport_maps;
char *var_relayhost_maps;

const struct cfg_param params_smtp[] = {
    CFG_STR("smtp_helo_name", "$myhostname", &var_smtp_helo_name),
    CFG_TIME("smtp_connect_timeout", "30s", &var_smtp_connect_timeout, 1, 3600),
    CFG_TIME("smtp_helo_timeout", "300s", &var_smtp_helo_timeout, 1, 3600),
    CFG_TIME(
        "smtp_starttls_timeout", "300s", &var_smtp_starttls_timeout, 1, 3600),
    CFG_TIME("smtp_mail_timeout", "300s", &var_smtp_mail_timeout, 1, 3600),
    CFG_TIME("smtp_rcpt_timeout", "300s", &var_smtp_rcpt_timeout, 1, 3600),
    CFG_TIME(
        "smtp_data_init_timeout", "120s", &var_smtp_data_init_timeout, 1, 3600),
    CFG_TIME(
        "smtp_data_xfer_timeout", "180s", &var_smtp_data_xfer_timeout, 1, 3600),
    CFG_TIME(
        "smtp_data_done_timeout", "600s", &var_smtp_data_done_timeout, 1, 3600),
    CFG_TIME("smtp_rset_timeout", "20s", &var_smtp_rset_timeout, 1, 3600),
    CFG_TIME("smtp_quit_timeout", "300s", &var_smtp_quit_timeout, 1, 3600),
    CFG_TIME(
        "smtp_message_timeout", "20m", &var_smtp_message_timeout, 10, 86400),
    CFG_TIME("smtp_connection_cache_time_limit", "2s",
        &var_smtp_conn_cache_time, 0, 300),
    CFG_INT("smtp_connection_reuse_count_limit", "100",
        &var_smtp_conn_reuse_limit, 1, 100000),
    CFG_INT("smtp_mx_address_limit", "5", &var_smtp_mx_address_limit, 0, 1000),
    CFG_INT("smtp_mx_session_limit", "2", &var_smtp_mx_session_limit, 0, 1000),
    CFG_STR("smtp_address_preference", "any", &var_smtp_address_preference),
    CFG_STR("smtp_bind_address", "", &var_smtp_bind_address),
    CFG_STR("smtp_bind_address6", "", &var_smtp_bind_address6),
    CFG_INT("smtp_reply_length_limit", "2048", &var_smtp_reply_length_limit,
        512, 65536),
    CFG_INT("smtp_reply_line_count_limit", "100", &var_smtp_reply_count_limit,
        10, 10000),
    CFG_STR("smtp_tls_security_level", "may", &var_smtp_tls_level),
    CFG_STR("smtp_tls_policy_maps", "", &var_smtp_tls_policy_maps),
    CFG_STR("smtp_tls_CAfile", "", &var_smtp_tls_cafile),
    CFG_STR("smtp_tls_CApath", "", &var_smtp_tls_capath),
    CFG_BOOL("smtp_sasl_auth_enable", "no", &var_smtp_sasl_enable),
    CFG_STR("smtp_sasl_password_maps", "", &var_smtp_sasl_passwd_maps),
    CFG_STR("smtp_sasl_security_options", "noplaintext, noanonymous",
        &var_smtp_sasl_opts),
    CFG_STR("smtp_sasl_tls_security_options", "noanonymous",
        &var_smtp_sasl_tls_opts),
    CFG_STR("smtp_fallback_relay", "", &var_smtp_fallback_relay),
    CFG_STR("transport_maps", "", &var_transport_maps),
    CFG_STR("relayhost_maps", "", &var_relayhost_maps),
    CFG_END,
};

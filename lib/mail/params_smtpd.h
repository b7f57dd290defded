/*
 * params_smtpd.h - the parameters of the SMTP server (smtpd(8)), with
 * Postfix's names where the meaning is the same. Documented in
 * gannet.conf(5) under "SMTP server".
 */
#ifndef MAIL_PARAMS_SMTPD_H
#define MAIL_PARAMS_SMTPD_H
#include "mail/cfg.h"

extern const struct cfg_param params_smtpd[];

extern char *var_smtpd_banner;
extern long var_smtpd_timeout;
extern long var_smtpd_session_time_limit;
extern long var_smtpd_command_line_limit;
extern long var_line_length_limit;
extern long var_smtpd_recipient_limit;
extern long var_smtpd_hard_error_limit;
extern long var_smtpd_junk_command_limit;
extern long var_smtpd_client_connection_count_limit;
extern long var_smtpd_connection_count_limit;
extern long var_queue_max_messages;
extern long var_queue_minfree;
extern long var_hopcount_limit;
extern long var_header_size_limit;
extern bool var_disable_vrfy_command;
extern bool var_smtpd_helo_required;
extern bool var_smtpd_reject_invalid_helo_hostname;
extern bool var_strict_rfc821_envelopes;
extern char *var_smtpd_forbidden_commands;
extern bool var_smtpd_peername_lookup;
extern bool var_smtputf8_enable;
extern bool var_always_add_missing_headers;
extern char *var_smtpd_tls_security_level;
extern bool var_smtpd_tls_wrappermode;
extern char *var_smtpd_tls_cert_file;
extern char *var_smtpd_tls_key_file;
extern char *var_smtpd_tls_protocols;
extern char *var_smtpd_tls_cipher_list;
extern bool var_smtpd_tls_auth_only;
extern bool var_smtpd_sasl_auth_enable;
extern bool var_smtpd_auth_required;
extern char *var_smtpd_tls_auth_only_exceptions;
extern char *var_relay_recipient_maps;
extern bool var_smtpd_reject_unauth_local_sender;
extern bool var_smtpd_reject_sender_login_mismatch;
extern char *var_smtpd_sender_login_maps;
extern char *var_smtpd_client_access;
extern char *var_smtpd_helo_access;
extern char *var_smtpd_sender_access;
extern char *var_smtpd_recipient_access;
extern char *var_smtpd_recipient_sender_access;
extern char *var_header_checks;
extern char *var_body_checks;
extern bool var_body_checks_enable;
extern char *var_attachment_name_filters;
extern char *var_smtpd_filter_reply;
extern long var_mime_nesting_limit;
extern long var_mime_boundary_limit;

#endif /* MAIL_PARAMS_SMTPD_H */

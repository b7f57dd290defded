/*
 * params_smtpd.c - the SMTP server's parameters (see params_smtpd.h).
 * Every peer-controlled quantity has a *_limit here.
 */
#include "util/sys_defs.h"

#include <limits.h>

#include "mail/cfg.h"
#include "mail/params_smtpd.h"

char *var_smtpd_banner;
long var_smtpd_timeout;
long var_smtpd_session_time_limit;
long var_smtpd_command_line_limit;
long var_line_length_limit;
long var_smtpd_recipient_limit;
long var_smtpd_hard_error_limit;
long var_smtpd_junk_command_limit;
long var_smtpd_client_connection_count_limit;
long var_smtpd_connection_count_limit;
long var_queue_max_messages;
long var_queue_minfree;
long var_hopcount_limit;
long var_header_size_limit;
bool var_disable_vrfy_command;
bool var_smtpd_helo_required;
bool var_smtpd_reject_invalid_helo_hostname;
bool var_strict_rfc821_envelopes;
char *var_smtpd_forbidden_commands;
bool var_smtpd_peername_lookup;
bool var_smtputf8_enable;
bool var_always_add_missing_headers;
char *var_smtpd_tls_security_level;
bool var_smtpd_tls_wrappermode;
char *var_smtpd_tls_cert_file;
char *var_smtpd_tls_key_file;
char *var_smtpd_tls_protocols;
char *var_smtpd_tls_cipher_list;
bool var_smtpd_tls_auth_only;
bool var_smtpd_sasl_auth_enable;
bool var_smtpd_auth_required;
char *var_smtpd_tls_auth_only_exceptions;
char *var_relay_recipient_maps;
bool var_smtpd_reject_unauth_local_sender;
bool var_smtpd_reject_sender_login_mismatch;
char *var_smtpd_sender_login_maps;
char *var_smtpd_client_access;
char *var_smtpd_helo_access;
char *var_smtpd_sender_access;
char *var_smtpd_recipient_access;
char *var_smtpd_recipient_sender_access;
char *var_header_checks;
char *var_body_checks;
bool var_body_checks_enable;
char *var_attachment_name_filters;
char *var_smtpd_filter_reply;
long var_mime_nesting_limit;
long var_mime_boundary_limit;

const struct cfg_param params_smtpd[] = {
    CFG_STR("smtpd_banner", "$myhostname ESMTP Gannet", &var_smtpd_banner),
    CFG_TIME("smtpd_timeout", "300s", &var_smtpd_timeout, 1, 3600),
    CFG_TIME("smtpd_session_time_limit", "3600s", &var_smtpd_session_time_limit,
        10, 86400),
    CFG_INT("smtpd_command_line_limit", "1000", &var_smtpd_command_line_limit,
        512, 65536),
    CFG_INT(
        "line_length_limit", "2048", &var_line_length_limit, 1000, 1024 * 1024),
    CFG_INT(
        "smtpd_recipient_limit", "1000", &var_smtpd_recipient_limit, 1, 100000),
    CFG_INT(
        "smtpd_hard_error_limit", "20", &var_smtpd_hard_error_limit, 1, 10000),
    CFG_INT("smtpd_junk_command_limit", "100", &var_smtpd_junk_command_limit, 1,
        100000),
    CFG_INT("smtpd_client_connection_count_limit", "50",
        &var_smtpd_client_connection_count_limit, 0, 100000),
    CFG_INT("smtpd_connection_count_limit", "0",
        &var_smtpd_connection_count_limit, 0, 100000),
    CFG_INT(
        "queue_max_messages", "0", &var_queue_max_messages, 0, LONG_MAX / 4),
    CFG_SIZE("queue_minfree", "0", &var_queue_minfree, 0, LONG_MAX / 4),
    CFG_INT("hopcount_limit", "50", &var_hopcount_limit, 1, 1000),
    CFG_INT("header_size_limit", "102400", &var_header_size_limit, 1024,
        16 * 1024 * 1024),
    CFG_BOOL("disable_vrfy_command", "yes", &var_disable_vrfy_command),
    CFG_BOOL("smtpd_helo_required", "yes", &var_smtpd_helo_required),
    CFG_BOOL("smtpd_reject_invalid_helo_hostname", "yes",
        &var_smtpd_reject_invalid_helo_hostname),
    CFG_BOOL("strict_rfc821_envelopes", "no", &var_strict_rfc821_envelopes),
    CFG_STR("smtpd_forbidden_commands", "CONNECT GET POST",
        &var_smtpd_forbidden_commands),
    CFG_BOOL("smtpd_peername_lookup", "yes", &var_smtpd_peername_lookup),
    CFG_BOOL("smtputf8_enable", "yes", &var_smtputf8_enable),
    CFG_BOOL(
        "always_add_missing_headers", "no", &var_always_add_missing_headers),
    CFG_STR("smtpd_tls_security_level", "may", &var_smtpd_tls_security_level),
    CFG_BOOL("smtpd_tls_wrappermode", "no", &var_smtpd_tls_wrappermode),
    CFG_STR("smtpd_tls_cert_file", "$tls_cert_file", &var_smtpd_tls_cert_file),
    CFG_STR("smtpd_tls_key_file", "$tls_key_file", &var_smtpd_tls_key_file),
    CFG_STR("smtpd_tls_protocols", ">=TLSv1.2", &var_smtpd_tls_protocols),
    CFG_STR("smtpd_tls_cipher_list", "", &var_smtpd_tls_cipher_list),
    CFG_BOOL("smtpd_tls_auth_only", "yes", &var_smtpd_tls_auth_only),
    CFG_BOOL("smtpd_sasl_auth_enable", "yes", &var_smtpd_sasl_auth_enable),
    CFG_BOOL("smtpd_auth_required", "no", &var_smtpd_auth_required),
    CFG_STR("smtpd_tls_auth_only_exceptions", "127.0.0.0/8 [::1]/128",
        &var_smtpd_tls_auth_only_exceptions),
    CFG_STR("relay_recipient_maps", "", &var_relay_recipient_maps),
    CFG_BOOL("smtpd_reject_unauth_local_sender", "yes",
        &var_smtpd_reject_unauth_local_sender),
    CFG_BOOL("smtpd_reject_sender_login_mismatch", "yes",
        &var_smtpd_reject_sender_login_mismatch),
    CFG_STR("smtpd_sender_login_maps", "", &var_smtpd_sender_login_maps),
    CFG_STR("smtpd_client_access", "", &var_smtpd_client_access),
    CFG_STR("smtpd_helo_access", "", &var_smtpd_helo_access),
    CFG_STR("smtpd_sender_access", "", &var_smtpd_sender_access),
    CFG_STR("smtpd_recipient_access", "", &var_smtpd_recipient_access),
    CFG_STR("smtpd_recipient_sender_access", "",
        &var_smtpd_recipient_sender_access),
    CFG_STR("header_checks", "", &var_header_checks),
    CFG_STR("body_checks", "", &var_body_checks),
    CFG_BOOL("body_checks_enable", "yes", &var_body_checks_enable),
    CFG_STR("attachment_name_filters", "", &var_attachment_name_filters),
    CFG_STR("smtpd_filter_reply",
        "550 5.7.1 Message could not be sent due to filtering restrictions",
        &var_smtpd_filter_reply),
    CFG_INT("mime_nesting_limit", "100", &var_mime_nesting_limit, 1, 1000),
    CFG_INT("mime_boundary_length_limit", "2048", &var_mime_boundary_limit, 70,
        65536),
    CFG_END,
};

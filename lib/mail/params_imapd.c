/*
 * params_imapd.c - the IMAP server's parameters. Every limit a client
 * can run into is here, with Dovecot's or the RFC's value as default
 * where there is one (the 30 minute idle timeout is RFC 3501 5.4's).
 */
#include "util/sys_defs.h"

#include <limits.h>

#include "mail/cfg.h"
#include "mail/params_imapd.h"

char *var_imapd_banner;
long var_imapd_login_timeout;
long var_imapd_idle_timeout;
long var_imapd_command_line_limit;
long var_imapd_command_size_limit;
long var_imapd_literal_size_limit;
long var_imapd_command_item_limit;
long var_imapd_command_depth_limit;
long var_imapd_bad_command_limit;
long var_imapd_auth_failure_limit;
long var_imapd_client_connection_limit;
long var_imapd_user_connection_limit;
long var_imapd_mime_depth_limit;
long var_imapd_mime_part_limit;
long var_imapd_search_size_limit;
char *var_imapd_autocreate_folders;
bool var_imapd_tls_wrappermode;
bool var_imapd_tls_auth_only;
char *var_imapd_tls_cert_file;
char *var_imapd_tls_key_file;
char *var_imapd_tls_protocols;
char *var_imapd_tls_cipher_list;
bool var_imapd_sandbox;
char *var_imapd_public_folder_base;

const struct cfg_param params_imapd[] = {
    CFG_STR("imapd_banner", "$myhostname IMAP server ready", &var_imapd_banner),
    CFG_TIME("imapd_login_timeout", "60s", &var_imapd_login_timeout, 1, 3600),
    CFG_TIME("imapd_idle_timeout", "30m", &var_imapd_idle_timeout, 60, 86400),
    CFG_INT("imapd_command_line_limit", "65536", &var_imapd_command_line_limit,
        1024, 10485760),
    CFG_SIZE("imapd_command_size_limit", "1m", &var_imapd_command_size_limit,
        4096, 1073741824),
    CFG_SIZE("imapd_literal_size_limit", "$message_size_limit",
        &var_imapd_literal_size_limit, 1024, LONG_MAX / 4),
    CFG_INT("imapd_command_item_limit", "10000", &var_imapd_command_item_limit,
        10, 1000000),
    CFG_INT("imapd_command_depth_limit", "100", &var_imapd_command_depth_limit,
        2, 10000),
    CFG_INT("imapd_bad_command_limit", "20", &var_imapd_bad_command_limit, 1,
        100000),
    CFG_INT("imapd_auth_failure_limit", "3", &var_imapd_auth_failure_limit, 1,
        1000),
    CFG_INT("imapd_client_connection_limit", "20",
        &var_imapd_client_connection_limit, 0, 100000),
    CFG_INT("imapd_user_connection_limit", "20",
        &var_imapd_user_connection_limit, 0, 100000),
    CFG_INT(
        "imapd_mime_depth_limit", "100", &var_imapd_mime_depth_limit, 1, 10000),
    CFG_INT("imapd_mime_part_limit", "10000", &var_imapd_mime_part_limit, 1,
        1000000),
    CFG_SIZE("imapd_search_size_limit", "100m", &var_imapd_search_size_limit, 0,
        LONG_MAX / 4),
    CFG_STR("imapd_autocreate_folders", "Sent, Drafts, Trash, Junk, Archive",
        &var_imapd_autocreate_folders),
    CFG_BOOL("imapd_tls_wrappermode", "no", &var_imapd_tls_wrappermode),
    CFG_BOOL("imapd_tls_auth_only", "yes", &var_imapd_tls_auth_only),
    CFG_STR("imapd_tls_cert_file", "$tls_cert_file", &var_imapd_tls_cert_file),
    CFG_STR("imapd_tls_key_file", "$tls_key_file", &var_imapd_tls_key_file),
    CFG_STR("imapd_tls_protocols", ">=TLSv1.2", &var_imapd_tls_protocols),
    CFG_STR("imapd_tls_cipher_list", "", &var_imapd_tls_cipher_list),
    CFG_BOOL("imapd_sandbox", "yes", &var_imapd_sandbox),
    CFG_STR("imapd_public_folder_base", "$virtual_mailbox_base/public",
        &var_imapd_public_folder_base),
    CFG_END,
};

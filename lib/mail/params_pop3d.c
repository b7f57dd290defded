/*
 * params_pop3d.c - the POP3 server's parameters (see params_pop3d.h).
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_pop3d.h"

char *var_pop3d_banner;
long var_pop3d_timeout;
long var_pop3d_command_line_limit;
long var_pop3d_bad_command_limit;
long var_pop3d_auth_failure_limit;
long var_pop3d_client_connection_count_limit;
bool var_pop3d_disable_plaintext_auth;
char *var_pop3d_plaintext_auth_networks;
char *var_pop3d_tls_security_level;
bool var_pop3d_tls_wrappermode;
char *var_pop3d_tls_cert_file;
char *var_pop3d_tls_key_file;
char *var_pop3d_tls_protocols;
char *var_pop3d_tls_cipher_list;
bool var_pop3d_sandbox;

const struct cfg_param params_pop3d[] = {
    CFG_STR("pop3d_banner", "$myhostname POP3 server ready", &var_pop3d_banner),
    /* RFC 1939 section 3: an autologout timer of at least 10 minutes;
     * lower values are allowed for tests and hostile networks. */
    CFG_TIME("pop3d_timeout", "10m", &var_pop3d_timeout, 1, 86400),
    CFG_INT("pop3d_command_line_limit", "2048", &var_pop3d_command_line_limit,
        256, 65536),
    CFG_INT("pop3d_bad_command_limit", "20", &var_pop3d_bad_command_limit, 1,
        10000),
    CFG_INT(
        "pop3d_auth_failure_limit", "3", &var_pop3d_auth_failure_limit, 1, 100),
    CFG_INT("pop3d_client_connection_count_limit", "20",
        &var_pop3d_client_connection_count_limit, 0, 100000),
    CFG_BOOL("pop3d_disable_plaintext_auth", "yes",
        &var_pop3d_disable_plaintext_auth),
    CFG_STR("pop3d_plaintext_auth_networks", "127.0.0.0/8 [::1]/128",
        &var_pop3d_plaintext_auth_networks),
    CFG_STR("pop3d_tls_security_level", "may", &var_pop3d_tls_security_level),
    CFG_BOOL("pop3d_tls_wrappermode", "no", &var_pop3d_tls_wrappermode),
    CFG_STR("pop3d_tls_cert_file", "$tls_cert_file", &var_pop3d_tls_cert_file),
    CFG_STR("pop3d_tls_key_file", "$tls_key_file", &var_pop3d_tls_key_file),
    CFG_STR("pop3d_tls_protocols", ">=TLSv1.2", &var_pop3d_tls_protocols),
    CFG_STR("pop3d_tls_cipher_list", "", &var_pop3d_tls_cipher_list),
    CFG_BOOL("pop3d_sandbox", "yes", &var_pop3d_sandbox),
    CFG_END,
};

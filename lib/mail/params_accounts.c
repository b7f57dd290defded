/*
 * params_accounts.c - the parameters of hosted domains, accounts and the
 * auth service. Postfix's names where the meaning is the same
 * (virtual_mailbox_domains, virtual_mailbox_maps, virtual_alias_maps,
 * virtual_alias_recursion_limit, virtual_alias_expansion_limit), and
 * Dovecot's auth_default_realm for the domain of bare login names.
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_accounts.h"

char *var_virtual_mailbox_domains;
char *var_virtual_mailbox_maps;
char *var_virtual_alias_maps;
char *var_distribution_list_maps;
char *var_auth_password_maps;
long var_virtual_alias_recursion_limit;
long var_virtual_alias_expansion_limit;

char *var_auth_owner;
char *var_auth_default_realm;
char *var_auth_password_scheme;
long var_auth_password_cost;
long var_auth_password_limit;
char *var_auth_service_path;
long var_auth_client_timeout;
long var_auth_failure_limit;
long var_auth_failure_window;
long var_auth_ban_time;
char *var_auth_ban_exempt;
char *var_auth_ban_database;
long var_auth_failure_table_limit;
long var_auth_connection_limit;

const struct cfg_param params_accounts[] = {
    CFG_STR("virtual_mailbox_domains", "hash:$config_directory/maps/domains",
        &var_virtual_mailbox_domains),
    CFG_STR("virtual_mailbox_maps", "hash:$config_directory/maps/users",
        &var_virtual_mailbox_maps),
    CFG_STR("virtual_alias_maps", "hash:$config_directory/maps/aliases",
        &var_virtual_alias_maps),
    CFG_STR("distribution_list_maps", "hash:$config_directory/maps/lists",
        &var_distribution_list_maps),
    CFG_STR("auth_password_maps", "hash:$config_directory/maps/auth/passwd",
        &var_auth_password_maps),
    CFG_INT("virtual_alias_recursion_limit", "20",
        &var_virtual_alias_recursion_limit, 1, 1000),
    CFG_INT("virtual_alias_expansion_limit", "1000",
        &var_virtual_alias_expansion_limit, 1, 100000),

    CFG_STR("auth_owner", "gannet-auth", &var_auth_owner),
    CFG_STR("auth_default_realm", "$mydomain", &var_auth_default_realm),
    CFG_STR("auth_password_scheme", "yescrypt", &var_auth_password_scheme),
    CFG_INT("auth_password_cost", "0", &var_auth_password_cost, 0, 999999999),
    CFG_INT("auth_password_limit", "512", &var_auth_password_limit, 1, 512),
    CFG_STR("auth_service_path", "public/auth", &var_auth_service_path),
    CFG_TIME("auth_client_timeout", "20s", &var_auth_client_timeout, 1, 3600),
    CFG_INT("auth_failure_limit", "5", &var_auth_failure_limit, 0, 1000000),
    CFG_TIME(
        "auth_failure_window", "10m", &var_auth_failure_window, 1, 7 * 86400),
    CFG_TIME("auth_ban_time", "60m", &var_auth_ban_time, 1, 365 * 86400),
    CFG_STR("auth_ban_exempt", "$mynetworks", &var_auth_ban_exempt),
    CFG_STR("auth_ban_database", "$data_directory/auth/bans.db",
        &var_auth_ban_database),
    CFG_INT("auth_failure_table_limit", "100000", &var_auth_failure_table_limit,
        100, 10000000),
    CFG_INT(
        "auth_connection_limit", "1000", &var_auth_connection_limit, 1, 100000),
    CFG_END,
};

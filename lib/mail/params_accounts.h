/*
 * params_accounts.h - parameters of hosted domains, accounts, aliases,
 * distribution lists and the auth service (see gannet-accounts(5),
 * auth(8)).
 */
#ifndef MAIL_PARAMS_ACCOUNTS_H
#define MAIL_PARAMS_ACCOUNTS_H
#include "mail/cfg.h"

extern const struct cfg_param params_accounts[];

/* The maps. */
extern char *var_virtual_mailbox_domains; /* domains and domain aliases */
extern char *var_virtual_mailbox_maps;    /* accounts */
extern char *var_virtual_alias_maps;      /* aliases, catch-alls */
extern char *var_distribution_list_maps;  /* distribution lists */
extern char *var_auth_password_maps;      /* password hashes */
extern long var_virtual_alias_recursion_limit;
extern long var_virtual_alias_expansion_limit;

/* The auth service and its clients. */
extern char *var_auth_owner;
extern char *var_auth_default_realm;
extern char *var_auth_password_scheme;
extern long var_auth_password_cost;
extern long var_auth_password_limit;
extern char *var_auth_service_path;
extern long var_auth_client_timeout;
extern long var_auth_failure_limit;
extern long var_auth_failure_window;
extern long var_auth_ban_time;
extern char *var_auth_ban_exempt;
extern char *var_auth_ban_database;
extern long var_auth_failure_table_limit;
extern long var_auth_connection_limit;

#endif /* MAIL_PARAMS_ACCOUNTS_H */

/*
 * params.h - the registry of every configuration parameter, and the
 * parameters that every program shares (paths, names, users, limits).
 *
 * Each area of the suite declares its parameters in its own table,
 * lib/mail/params_<area>.c, with the var_<name> globals they fill, and is
 * listed once in params_tables[] (params.c). Every program applies every
 * table, so any program can read any parameter, and `gannet conf` can
 * print them all. Every name is documented in man/gannet.conf.5 (make lint
 * checks it).
 */
#ifndef MAIL_PARAMS_H
#define MAIL_PARAMS_H
#include "mail/cfg.h"

/* NULL-terminated list of every table */
extern const struct cfg_param *const params_tables[];

/* The shared parameters (params_global.c). */
extern const struct cfg_param params_global[];
extern char *var_config_dir;  /* config_directory */
extern char *var_daemon_dir;  /* daemon_directory */
extern char *var_command_dir; /* command_directory */
extern char *var_queue_dir;   /* queue_directory */
extern char *var_data_dir;    /* data_directory */
extern char *var_mail_base;   /* virtual_mailbox_base */
extern char *var_mail_owner;  /* mail_owner */
extern char *var_vmail_owner; /* vmail_owner */
extern char *var_myhostname;
extern char *var_mydomain;
extern char *var_myorigin;
extern char *var_mydestination;
extern char *var_mynetworks;
extern char *var_relay_domains;
extern char *var_relayhost;
extern long var_message_size_limit;
extern char *var_maillog_file;
extern char *var_syslog_name;
extern long var_default_process_limit;
extern long var_max_use;
extern long var_max_idle;
extern long var_ipc_timeout;
extern char *var_default_database_type;
extern char *var_tls_cert_file;
extern char *var_tls_key_file;
extern char *var_mail_version;

/* params_load - the usual start of every program: load gannet.conf from
 * config_dir (NULL: $GANNET_CONFIG_DIR or /etc/gannet), then apply every
 * table. Problems are logged; returns the number of errors (a missing or
 * unparsable file counts). */
int params_load(const char *config_dir, bool quiet_unknown);
/* params_config_file - path of gannet.conf in dir, into out */
void params_config_file(const char *config_dir, struct buf *out);

#endif /* MAIL_PARAMS_H */

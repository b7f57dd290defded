/*
 * config_check.h - the offline check of an instance, behind `gannet
 * check` and `master -n`: gannet.conf, services.conf, the programs they
 * name, users, ownership and permissions of the queue, data and mail
 * directories, and the TLS files.
 *
 * Every problem is logged, one line each, as "file:line: what is wrong"
 * or "path: what is wrong": log_error for what would stop the system or
 * weaken its security, log_warn for what merely looks wrong. Nothing is
 * changed on disk.
 *
 * Other areas add their own checks (maps they reference, ...) to the
 * table config_check_hooks[] at the end of config_check.c; a hook runs
 * with the configuration loaded and logs its problems the same way.
 */
#ifndef MAIL_CONFIG_CHECK_H
#define MAIL_CONFIG_CHECK_H
#include "util/sys_defs.h"

/* config_check_run - load config_dir and check it; returns the number of
 * errors (0 when the instance can start), warnings into *warnings_out
 * when not NULL */
int config_check_run(const char *config_dir, int *warnings_out);

#endif /* MAIL_CONFIG_CHECK_H */

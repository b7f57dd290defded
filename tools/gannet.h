/*
 * gannet.h - the gannet command: one program, many subcommands, each in
 * its own tools/gannet_<name>.c with an entry in the table in gannet.c.
 */
#ifndef TOOLS_GANNET_H
#define TOOLS_GANNET_H
#include "util/sys_defs.h"

/* The instance directory (-c DIR, default /etc/gannet). */
extern const char *gannet_config_dir;

/* gannet_load_config - load and apply gannet.conf of the instance; on
 * errors print them and exit 1 */
void gannet_load_config(void);
/* gannet_load_config_lenient - as gannet_load_config, but only warn
 * about problems (stop, status and reload must work whatever the file
 * now says); exits only when queue_directory is unusable */
void gannet_load_config_lenient(void);
/* gannet_usage_error - print "gannet: usage: ..." and exit 2 */
ATTR_NORETURN void gannet_usage_error(const char *usage);
/* gannet_run - run argv (argv[0] looked up in PATH), wait; returns the
 * exit status, or -1 when it could not be started */
int gannet_run(char *const argv[]);

int gannet_cmd_init(int argc, char **argv);
int gannet_cmd_conf(int argc, char **argv);
int gannet_cmd_domain_info(int argc, char **argv);
int gannet_cmd_route(int argc, char **argv);
int gannet_cmd_start(int argc, char **argv);
int gannet_cmd_stop(int argc, char **argv);
int gannet_cmd_reload(int argc, char **argv);
int gannet_cmd_status(int argc, char **argv);
int gannet_cmd_check(int argc, char **argv);
int gannet_cmd_map(int argc, char **argv);
int gannet_cmd_domain(int argc, char **argv);
int gannet_cmd_user(int argc, char **argv);
int gannet_cmd_alias(int argc, char **argv);
int gannet_cmd_list(int argc, char **argv);
int gannet_cmd_ban(int argc, char **argv);
int gannet_cmd_queue(int argc, char **argv);
int gannet_cmd_public(int argc, char **argv);

#endif /* TOOLS_GANNET_H */

/*
 * gannet.c - the administration command: `gannet [-c DIR] COMMAND ...`.
 * Dispatches to one function per subcommand; shared option handling and
 * configuration loading live here so that every subcommand behaves alike.
 */
#include "util/sys_defs.h"

#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#include "mail/params.h"

#include "gannet.h"

extern char **environ;

const char *gannet_config_dir = GANNET_SYSCONFDIR;

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} gannet_cmds[] = {
    {"init", gannet_cmd_init, "create an instance"},
    {"conf", gannet_cmd_conf, "show or change gannet.conf parameters"},
    {"domain-info", gannet_cmd_domain_info,
        "show a domain's MX hosts and what their SMTP servers offer"},
    {"route", gannet_cmd_route, "show where mail for addresses would go"},
    {"start", gannet_cmd_start, "start the mail system"},
    {"stop", gannet_cmd_stop, "stop the mail system"},
    {"reload", gannet_cmd_reload, "re-read the configuration"},
    {"status", gannet_cmd_status, "show whether and how it runs"},
    {"check", gannet_cmd_check, "check the configuration and files"},
    {"map", gannet_cmd_map, "build, query, dump and check maps"},
    {"domain", gannet_cmd_domain, "hosted domains and domain aliases"},
    {"user", gannet_cmd_user, "accounts, passwords, quotas, forwarding"},
    {"alias", gannet_cmd_alias, "aliases and catch-all addresses"},
    {"list", gannet_cmd_list, "distribution lists"},
    {"ban", gannet_cmd_ban, "client addresses banned after failed logins"},
    {"queue", gannet_cmd_queue,
        "list, show, hold, release, delete, flush mail in the queue"},
    {"public", gannet_cmd_public, "public IMAP folders and their ACLs"},
};

/* gannet_usage - the command list */
static void
gannet_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: gannet [-c DIR] [-v] COMMAND [ARGS...]\n\n"
	    "commands:\n");
	for (size_t i = 0; i < NELEM(gannet_cmds); i++)
		fprintf(fp, "  %-12s %s\n", gannet_cmds[i].name,
		    gannet_cmds[i].help);
	fprintf(fp, "\n-c DIR selects the instance (default %s).\n",
	    GANNET_SYSCONFDIR);
}

/* gannet_usage_error - bad arguments to a subcommand */
void
gannet_usage_error(const char *usage)
{
	fprintf(stderr, "gannet: usage: gannet %s\n", usage);
	exit(2);
}

/* gannet_load_config - load the instance configuration or exit */
void
gannet_load_config(void)
{
	if (params_load(gannet_config_dir, false) > 0)
		log_fatal("%s/gannet.conf: configuration errors, see above",
		    gannet_config_dir);
}

/* gannet_quiet_hook - swallow and count errors and warnings */
static bool
gannet_quiet_hook(enum log_level lvl, const char *msg, void *ctx)
{
	if (lvl >= LOG_LVL_WARN && lvl <= LOG_LVL_ERROR)
		(*(int *)ctx)++;
	return lvl >= LOG_LVL_WARN && lvl <= LOG_LVL_ERROR;
}

/* gannet_load_config_lenient - load what can be loaded */
void
gannet_load_config_lenient(void)
{
	int problems = 0;

	log_set_hook(gannet_quiet_hook, &problems);
	(void)params_load(gannet_config_dir, false);
	log_set_hook(NULL, NULL);
	if (var_queue_dir == NULL || *var_queue_dir == 0)
		log_fatal("%s/gannet.conf: no usable queue_directory (gannet "
		          "check shows why)",
		    gannet_config_dir);
	if (problems > 0)
		log_warn("%s/gannet.conf has problems (gannet check shows "
		         "them)",
		    gannet_config_dir);
}

/* gannet_run - run a command and wait for it */
int
gannet_run(char *const argv[])
{
	pid_t pid;
	int status;

	fflush(NULL);
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0)
		return -1;
	while (waitpid(pid, &status, 0) < 0)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int
main(int argc, char **argv)
{
	const char *env = getenv("GANNET_CONFIG_DIR");
	int i;

	log_init("gannet", LOG_TO_STDERR);
	if (env && *env)
		gannet_config_dir = env;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			gannet_config_dir = argv[++i];
		else if (strcmp(argv[i], "-v") == 0)
			log_set_verbose(log_verbose() + 1);
		else if (strcmp(argv[i], "-h") == 0
		    || strcmp(argv[i], "--help") == 0) {
			gannet_usage(stdout);
			return 0;
		} else {
			gannet_usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		gannet_usage(stderr);
		return 2;
	}
	/* "gannet COMMAND -c DIR ..." is accepted too. */
	if (i + 2 < argc && strcmp(argv[i + 1], "-c") == 0) {
		gannet_config_dir = argv[i + 2];
		memmove(&argv[i + 1], &argv[i + 3],
		    (size_t)(argc - i - 2) * sizeof(char *));
		argc -= 2;
	}
	/* Absolute, so that config_directory never depends on the cwd. */
	if (gannet_config_dir[0] != '/') {
		char *cwd = getcwd(NULL, 0);
		struct buf *b = buf_new(256);

		if (cwd == NULL)
			log_fatal("getcwd: %m");
		buf_printf(b, "%s/%s", cwd, gannet_config_dir);
		gannet_config_dir = buf_steal(b);
		buf_free(&b);
		free(cwd);
	}
	for (size_t k = 0; k < NELEM(gannet_cmds); k++)
		if (strcmp(argv[i], gannet_cmds[k].name) == 0)
			return gannet_cmds[k].fn(argc - i, argv + i);
	fprintf(stderr, "gannet: unknown command: %s\n", argv[i]);
	gannet_usage(stderr);
	return 2;
}

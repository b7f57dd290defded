/*
 * gannet_start.c - `gannet start [--foreground]`: start the master of the
 * instance.
 *
 * In the background the master detaches by itself and its parent (the
 * process we wait for) exits only once every socket is bound, or with
 * the reason it could not start; so "started" here means running. With
 * --foreground the command becomes the master (exec), which is what
 * systemd (Type=simple), containers and `make run` want: logs also go to
 * stderr, and Ctrl-C or SIGTERM stop it cleanly.
 */
#include "util/sys_defs.h"

#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#include "mail/master_ctl.h"
#include "mail/params.h"

#include "gannet.h"

/* gannet_cmd_start - the start subcommand */
int
gannet_cmd_start(int argc, char **argv)
{
	struct buf *prog = buf_new(256), *why = buf_new(128);
	bool is_foreground = false;
	char *args[8];
	int n = 0, rc = 1;
	pid_t pid;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--foreground") == 0
		    || strcmp(argv[i], "-f") == 0)
			is_foreground = true;
		else
			gannet_usage_error("start [--foreground]");
	}
	gannet_load_config();
	if ((pid = master_ctl_pid(NULL, why)) > 0) {
		fprintf(stderr,
		    "gannet: the mail system is already running (master pid "
		    "%ld)\n",
		    (long)pid);
		goto out;
	}
	buf_printf(prog, "%s/master", var_daemon_dir);
	if (access(buf_cstr(prog), X_OK) < 0)
		log_fatal("start: %s: %m (daemon_directory)", buf_cstr(prog));
	args[n++] = (char *)buf_cstr(prog);
	args[n++] = "-c";
	args[n++] = (char *)gannet_config_dir;
	if (is_foreground)
		args[n++] = "-f";
	if (log_verbose() > 0)
		args[n++] = "-v";
	args[n] = NULL;
	if (is_foreground) {
		fflush(NULL);
		execv(args[0], args);
		log_fatal("start: exec %s: %m", args[0]);
	}
	rc = gannet_run(args);
	if (rc != 0) {
		fprintf(stderr, "gannet: the mail system did not start%s\n",
		    rc < 0 ? " (cannot run the master)" : "");
		rc = 1;
		goto out;
	}
	buf_reset(why);
	pid = master_ctl_pid(NULL, why);
	printf("gannet: started the mail system (master pid %ld)\n", (long)pid);
out:
	buf_free(&prog);
	buf_free(&why);
	return rc;
}

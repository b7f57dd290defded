/*
 * gannet_stop.c - `gannet stop`: stop the master, and wait until it and
 * every child have gone.
 *
 * The master stops accepting at once, lets sessions in progress finish
 * for master_stop_timeout, ends the rest, and exits after its last child;
 * it holds the pid file's lock until then, so the lock going away is the
 * signal that nothing of the instance runs any more.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"

#include "mail/master_ctl.h"
#include "mail/params.h"
#include "mail/params_master.h"

#include "gannet.h"

/* How long past master_stop_timeout to wait for the master's own
 * SIGTERM and SIGKILL rounds. */
#define GANNET_STOP_SLACK_MS (15 * 1000)

/* gannet_cmd_stop - the stop subcommand */
int
gannet_cmd_stop(int argc, char **argv)
{
	struct buf *why = buf_new(128);
	int64_t end;
	pid_t pid, now;
	int rc = 1;

	if (argc != 1)
		gannet_usage_error("stop");
	gannet_load_config_lenient();
	if ((pid = master_ctl_pid(NULL, why)) < 0)
		log_fatal("stop: %s", buf_cstr(why));
	if (pid == 0) {
		fprintf(stderr, "gannet: the mail system is not running\n");
		goto out;
	}
	if (kill(pid, SIGTERM) < 0)
		log_fatal("stop: signal master pid %ld: %m", (long)pid);
	printf(
	    "gannet: stopping the mail system (master pid %ld)\n", (long)pid);
	fflush(stdout);
	end =
	    clock_ms() + var_master_stop_timeout * 1000 + GANNET_STOP_SLACK_MS;
	while ((now = master_ctl_pid(NULL, why)) == pid && clock_ms() < end)
		usleep(50 * 1000);
	if (now == pid) {
		fprintf(stderr,
		    "gannet: the master (pid %ld) is still running after "
		    "%lds\n",
		    (long)pid,
		    var_master_stop_timeout + GANNET_STOP_SLACK_MS / 1000);
		goto out;
	}
	printf("gannet: stopped\n");
	rc = 0;
out:
	buf_free(&why);
	return rc;
}

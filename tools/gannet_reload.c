/*
 * gannet_reload.c - `gannet reload`: make the master re-read gannet.conf
 * and services.conf (SIGHUP), and report how that went.
 *
 * The command waits until the master's reload counter (read from its
 * status socket) moves, so that when it returns new clients get the new
 * configuration, and it fails when the master refused the new files (it
 * then keeps running with the old ones).
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strutil.h"

#include "mail/master_ctl.h"
#include "mail/params.h"

#include "gannet.h"

#define GANNET_RELOAD_WAIT_MS (30 * 1000)

/* gannet_reload_count - the master's reload counter, or -1 */
static long
gannet_reload_count(struct buf *status, struct buf *why)
{
	struct buf *v = buf_new(32);
	long n = -1;

	if (master_ctl_status(status, 2000, why) == 0
	    && master_ctl_value(buf_cstr(status), "reloads", v) != NULL
	    && str_parse_long(buf_cstr(v), 0, LONG_MAX, &n) < 0)
		n = -1;
	buf_free(&v);
	return n;
}

/* gannet_cmd_reload - the reload subcommand */
int
gannet_cmd_reload(int argc, char **argv)
{
	struct buf *why = buf_new(128), *status = buf_new(1024);
	struct buf *v = buf_new(128);
	long before, after = -1;
	int64_t end;
	pid_t pid;
	int rc = 0;

	if (argc != 1)
		gannet_usage_error("reload");
	gannet_load_config_lenient();
	if ((pid = master_ctl_pid(NULL, why)) < 0)
		log_fatal("reload: %s", buf_cstr(why));
	if (pid == 0) {
		fprintf(stderr, "gannet: the mail system is not running\n");
		rc = 1;
		goto out;
	}
	before = gannet_reload_count(status, why);
	if (kill(pid, SIGHUP) < 0)
		log_fatal("reload: signal master pid %ld: %m", (long)pid);
	if (before < 0) {
		/* No status socket (not root?): the signal is all we can do. */
		printf("gannet: asked the master (pid %ld) to reload\n",
		    (long)pid);
		goto out;
	}
	end = clock_ms() + GANNET_RELOAD_WAIT_MS;
	while (clock_ms() < end) {
		buf_reset(why);
		after = gannet_reload_count(status, why);
		if (after > before)
			break;
		usleep(20 * 1000);
	}
	if (after <= before) {
		fprintf(stderr,
		    "gannet: the master (pid %ld) did not confirm the "
		    "reload\n",
		    (long)pid);
		rc = 1;
	} else if (master_ctl_value(buf_cstr(status), "reload", v) != NULL
	    && strcmp(buf_cstr(v), "ok") != 0) {
		fprintf(stderr,
		    "gannet: reload %s; the running configuration stays in "
		    "effect\n",
		    buf_cstr(v));
		rc = 1;
	} else {
		printf("gannet: reloaded the configuration\n");
	}
out:
	buf_free(&why);
	buf_free(&status);
	buf_free(&v);
	return rc;
}

/*
 * echod.c - a tiny daemon on the service skeleton, for the master's
 * integration tests (tests/integration/test_master.py). It is built into
 * build/testbin/ and never installed; a test's services.conf names it by
 * its absolute path.
 *
 * Per session it greets with "220 $myhostname echod pid=PID service=NAME"
 * (so a test can tell which process and which configuration served it),
 * then answers line commands:
 *   PING        250 PONG
 *   ECHO text   250 text
 *   STAT path   250 exists, or 550 and the error (what a jail hides)
 *   EXIT n      exit(n) at once (a child that dies while serving)
 *   QUIT        221 bye
 * A connection that sends just "W" is the master's wake-up: logged.
 * With the argument "crash" (after the command in services.conf) it
 * fails at start, after dropping privileges, every time.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/strutil.h"

#include "mail/params.h"
#include "mail/service.h"

#define ECHOD_LINE_LIMIT 1000

/* echod_post_jail - the crash mode */
static void
echod_post_jail(void)
{
	if (service_argc > 0 && strcmp(service_argv[0], "crash") == 0)
		log_fatal("crashing at start, as configured");
}

/* echod_command - one command; false ends the session */
static bool
echod_command(struct stream *s, const char *line)
{
	struct stat st;
	long n;

	if (strcmp(line, "PING") == 0) {
		stream_puts(s, "250 PONG\r\n");
	} else if (str_has_prefix(line, "ECHO ")) {
		stream_printf(s, "250 %s\r\n", line + 5);
	} else if (str_has_prefix(line, "STAT ")) {
		if (stat(line + 5, &st) == 0)
			stream_puts(s, "250 exists\r\n");
		else
			stream_printf(s, "550 %s\r\n", strerror(errno));
	} else if (str_has_prefix(line, "EXIT ")
	    && str_parse_long(line + 5, 0, 255, &n) == 0) {
		exit((int)n);
	} else if (strcmp(line, "QUIT") == 0) {
		stream_puts(s, "221 bye\r\n");
		return false;
	} else {
		stream_puts(s, "500 unknown command\r\n");
	}
	return true;
}

/* echod_serve - one session */
static void
echod_serve(const struct service_client *c)
{
	struct stream *s = stream_open(c->fd);
	struct buf *line = buf_new_capped(128, ECHOD_LINE_LIMIT + 2);
	bool is_first = true;
	ssize_t n;

	stream_set_timeout(s, 300);
	/* The master's wake-up writes "W" and closes at once: on a service
	 * with a wake-up time, look before greeting (a greeting written to
	 * a closed socket would end the session before "W" is read). */
	if (service_wakeup == 0 || !stream_readable(s, 200))
		stream_printf(s, "220 %s echod pid=%ld service=%s\r\n",
		    var_myhostname, (long)getpid(), service_name);
	while (stream_flush(s) == 0
	    && (n = stream_getline(s, line, ECHOD_LINE_LIMIT)) > 0) {
		char *t = buf_data(line);

		if (is_first && strcmp(t, SERVICE_WAKEUP_MSG) == 0) {
			log_info("wake-up from the master");
			break;
		}
		is_first = false;
		t[strcspn(t, "\r\n")] = 0;
		if (!echod_command(s, t))
			break;
	}
	(void)stream_flush(s);
	(void)stream_release(&s);
	buf_free(&line);
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .post_jail = echod_post_jail,
	    .serve = echod_serve,
	};

	return service_main(argc, argv, "echod", &hooks);
}

/*
 * gannet_status.c - `gannet status`: whether the instance runs, and what
 * each service is doing, from the master's status socket (format in
 * mail/master_ctl.h). Exit status 0 when the mail system runs, 1 when it
 * does not.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/master_ctl.h"
#include "mail/params.h"

#include "gannet.h"

/* gannet_status_uptime - "3d 4h", "5m 2s" */
static void
gannet_status_uptime(long secs, struct buf *out)
{
	buf_reset(out);
	if (secs < 0)
		secs = 0;
	if (secs >= 86400)
		buf_printf(out, "%ldd %ldh", secs / 86400, secs % 86400 / 3600);
	else if (secs >= 3600)
		buf_printf(out, "%ldh %ldm", secs / 3600, secs % 3600 / 60);
	else if (secs >= 60)
		buf_printf(out, "%ldm %lds", secs / 60, secs % 60);
	else
		buf_printf(out, "%lds", secs);
}

/* gannet_status_services - one table row per "service" line */
static void
gannet_status_services(const char *text)
{
	static const char *const keys[] = {
	    "procs", "busy", "sessions", "restarts"};
	struct buf *v = buf_new(32);
	bool is_first = true;

	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		char *line = nl ? xstrndup(p, (size_t)(nl - p)) : xstrdup(p);
		struct strv w;

		p = nl ? nl + 1 : NULL;
		strv_init(&w);
		strv_split(&w, line, " ");
		if (w.n >= 4 && strcmp(w.v[0], "service") == 0) {
			long throttled = 0, draining = 0;

			if (is_first)
				printf("%-24s %-4s %-10s %5s %5s %8s %8s  %s\n",
				    "service", "type", "command", "procs",
				    "busy", "sessions", "restarts", "state");
			is_first = false;
			printf("%-24s %-4s %-10s", w.v[1], w.v[2], w.v[3]);
			for (size_t k = 0; k < NELEM(keys); k++)
				printf(" %*s", k < 2 ? 5 : 8,
				    master_ctl_key(line, keys[k], v)
				        ? buf_cstr(v)
				        : "-");
			if (master_ctl_key(line, "throttled", v))
				(void)str_parse_long(
				    buf_cstr(v), 0, LONG_MAX, &throttled);
			if (master_ctl_key(line, "draining", v))
				(void)str_parse_long(
				    buf_cstr(v), 0, LONG_MAX, &draining);
			printf("  %s", throttled > 0 ? "throttled" : "ok");
			if (throttled > 0)
				printf(" (%lds)", throttled);
			if (draining > 0)
				printf(", %ld finishing", draining);
			printf("\n");
		}
		strv_free(&w);
		free(line);
	}
	buf_free(&v);
}

/* gannet_cmd_status - the status subcommand */
int
gannet_cmd_status(int argc, char **argv)
{
	struct buf *why = buf_new(128), *text = buf_new(1024);
	struct buf *v = buf_new(64), *up = buf_new(32);
	long started = 0, reloads = 0;
	pid_t pid, stale;
	int rc = 0;

	if (argc != 1)
		gannet_usage_error("status");
	gannet_load_config_lenient();
	if ((pid = master_ctl_pid(&stale, why)) < 0)
		log_fatal("status: %s", buf_cstr(why));
	if (pid == 0) {
		if (stale > 0)
			printf("gannet: the mail system is not running "
			       "(stale pid file of pid %ld)\n",
			    (long)stale);
		else
			printf("gannet: the mail system is not running\n");
		rc = 1;
		goto out;
	}
	buf_reset(why);
	if (master_ctl_status(text, 5000, why) < 0) {
		printf("gannet: the mail system is running (master pid %ld)\n",
		    (long)pid);
		fprintf(stderr, "gannet: no details: %s\n", buf_cstr(why));
		goto out;
	}
	if (master_ctl_value(buf_cstr(text), "started", v))
		(void)str_parse_long(buf_cstr(v), 0, LONG_MAX, &started);
	if (master_ctl_value(buf_cstr(text), "reloads", v))
		(void)str_parse_long(buf_cstr(v), 0, LONG_MAX, &reloads);
	gannet_status_uptime((long)(time(NULL) - started), up);
	printf("gannet: the mail system is %s (master pid %ld, up %s, %ld "
	       "reload%s)\n",
	    master_ctl_value(buf_cstr(text), "state", v) ? buf_cstr(v)
	                                                 : "running",
	    (long)pid, buf_cstr(up), reloads, reloads == 1 ? "" : "s");
	if (master_ctl_value(buf_cstr(text), "reload", v)
	    && strcmp(buf_cstr(v), "ok") != 0)
		printf("gannet: last reload %s\n", buf_cstr(v));
	gannet_status_services(buf_cstr(text));
out:
	buf_free(&why);
	buf_free(&text);
	buf_free(&v);
	buf_free(&up);
	return rc;
}

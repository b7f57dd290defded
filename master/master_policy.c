/*
 * master_policy.c - the master's pure decisions, kept apart from the
 * process handling so that unit tests can reach them: the argv of a
 * child, the back-off of a failing service, the words for an exit status.
 */
#include "util/sys_defs.h"

#include <sys/wait.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "master.h"

/* master_spawn_argv - COMMAND -c DIR -n NAME -t TYPE [-u] [-j] [-w] ... */
void
master_spawn_argv(
    const struct master_service *s, const char *config_dir, struct strv *out)
{
	char num[32];

	strv_init(out);
	strv_push(out, s->command);
	strv_push(out, "-c");
	strv_push(out, config_dir);
	strv_push(out, "-n");
	strv_push(out, s->name);
	strv_push(out, "-t");
	strv_push(out, s->type);
	if (s->user) {
		strv_push(out, "-u");
		strv_push(out, s->user);
	}
	if (s->jail) {
		strv_push(out, "-j");
		strv_push(out, s->jail);
	}
	if (s->wakeup > 0) {
		snprintf(num, sizeof(num), "%ld", s->wakeup);
		strv_push(out, "-w");
		strv_push(out, num);
	}
	for (size_t i = 0; i < s->args.n; i++)
		strv_push(out, s->args.v[i]);
}

/* master_throttle_delay - exponential back-off, capped */
int64_t
master_throttle_delay(int level, long base, long max)
{
	int64_t d = base;

	if (level < 0)
		level = 0;
	for (int i = 0; i < level && d < max; i++)
		d *= 2;
	if (d > max)
		d = max;
	return d * 1000;
}

/* master_exit_text - describe a wait status */
void
master_exit_text(int status, struct buf *out)
{
	buf_reset(out);
	if (WIFEXITED(status))
		buf_printf(out, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		buf_printf(out, "killed by signal %d (%s)%s", WTERMSIG(status),
		    sigabbrev_np(WTERMSIG(status))
		        ? sigabbrev_np(WTERMSIG(status))
		        : "?",
		    WCOREDUMP(status) ? ", core dumped" : "");
	else
		buf_printf(out, "ended with wait status 0x%x", status);
}

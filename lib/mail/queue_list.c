/*
 * queue_list.c - what is in the queue (queue_list.h).
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/queue_file.h"
#include "mail/queue_list.h"

/* The directories where a message lives, in the order mail flows. */
static const char *const queue_list_dirs[] = {
    "incoming", "active", "deferred", "hold"};

/* queue_list_read_reasons - defer/<ID>: "<index>\t<dsn>\t<reason>" lines */
static void
queue_list_read_reasons(const char *queue_dir, struct queue_list_item *it)
{
	struct buf *path = buf_new(128), *data = buf_new(1024);
	struct buf *why = buf_new(64);
	char *s, *line, *nl;

	buf_printf(path, "%s/defer/%s", queue_dir, it->id);
	if (file_read(buf_cstr(path), 1024 * 1024, data, why) < 0)
		goto out; /* none (yet), or gone */
	s = buf_data(data);
	for (line = s; line && *line; line = nl) {
		char *t1, *t2;
		long idx;

		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		if ((t1 = strchr(line, '\t')) == NULL
		    || (t2 = strchr(t1 + 1, '\t')) == NULL)
			continue;
		*t1++ = 0;
		*t2++ = 0;
		if (str_parse_long(line, 0, QUEUE_RCPT_MAX, &idx) < 0)
			continue;
		it->reasons = xreallocarray(
		    it->reasons, it->nreasons + 1, sizeof(*it->reasons));
		it->reasons[it->nreasons].index = (size_t)idx;
		it->reasons[it->nreasons].dsn = xstrdup(t1);
		it->reasons[it->nreasons].text = xstrdup(t2);
		it->nreasons++;
	}
out:
	buf_free(&path);
	buf_free(&data);
	buf_free(&why);
}

/* queue_list_reason_of - the last reason for recipient i, or NULL */
const struct queue_list_reason *
queue_list_reason_of(const struct queue_list_item *it, size_t i)
{
	for (size_t k = it->nreasons; k-- > 0;)
		if (it->reasons[k].index == i)
			return &it->reasons[k];
	return NULL;
}

/* queue_list_copy_env - what list and mailq show of an envelope */
static void
queue_list_copy_env(struct queue_env *to, const struct queue_env *from)
{
	to->arrival_us = from->arrival_us;
	to->body_size = from->body_size;
	to->sender = xstrdup(from->sender);
	for (size_t i = 0; i < from->nrcpt; i++)
		queue_env_add_rcpt(
		    to, from->rcpt[i].addr, from->rcpt[i].orig, NULL, 0)
		    ->state = from->rcpt[i].state;
}

/* queue_list_cmp - by ID, which sorts by arrival */
static int
queue_list_cmp(const void *a, const void *b)
{
	return strcmp(((const struct queue_list_item *)a)->id,
	    ((const struct queue_list_item *)b)->id);
}

/* queue_list_collect - every message, each once */
struct queue_list_item *
queue_list_collect(
    const char *queue_dir, size_t *n_out, struct buf *errors, bool *denied_out)
{
	*denied_out = false;
	struct queue_list_item *v = NULL;
	size_t n = 0;
	struct buf *path = buf_new(128), *why = buf_new(128);

	for (size_t d = 0; d < NELEM(queue_list_dirs); d++) {
		DIR *dir;
		struct dirent *de;

		buf_reset(path);
		buf_printf(path, "%s/%s", queue_dir, queue_list_dirs[d]);
		if ((dir = opendir(buf_cstr(path))) == NULL) {
			buf_printf(errors, "open %s: %m\n", buf_cstr(path));
			if (errno == EACCES)
				*denied_out = true;
			continue;
		}
		while ((de = readdir(dir)) != NULL) {
			struct queue_file *qf;
			bool dup = false;

			if (!queue_id_ok(de->d_name))
				continue;
			/* Seen already in an earlier directory: it moved
			 * while we looked. */
			for (size_t k = 0; k < n && !dup; k++)
				dup = strcmp(v[k].id, de->d_name) == 0;
			if (dup)
				continue;
			queue_file_path(
			    queue_dir, queue_list_dirs[d], de->d_name, path);
			buf_reset(why);
			if ((qf = queue_file_open(buf_cstr(path), false, why))
			    == NULL) {
				/* Gone (delivered, or moved on: then it is
				 * seen in the next directory) is no error. */
				if (errno != ENOENT)
					buf_printf(
					    errors, "%s\n", buf_cstr(why));
				continue;
			}
			v = xreallocarray(v, n + 1, sizeof(*v));
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].id, sizeof(v[n].id), "%.*s", QUEUE_ID_MAX,
			    de->d_name);
			v[n].dir = queue_list_dirs[d];
			queue_list_copy_env(&v[n].env, queue_file_env(qf));
			queue_file_close(&qf);
			queue_list_read_reasons(queue_dir, &v[n]);
			n++;
		}
		closedir(dir);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), queue_list_cmp);
	buf_free(&path);
	buf_free(&why);
	*n_out = n;
	return v;
}

/* queue_list_free - everything queue_list_collect made */
void
queue_list_free(struct queue_list_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		queue_env_clear(&v[i].env);
		for (size_t k = 0; k < v[i].nreasons; k++) {
			free(v[i].reasons[k].dsn);
			free(v[i].reasons[k].text);
		}
		free(v[i].reasons);
	}
	free(v);
}

/* queue_status - active, deferred or hold (incoming counts as active:
 * the queue manager takes it next) */
const char *
queue_list_status(const struct queue_list_item *it)
{
	if (strcmp(it->dir, "incoming") == 0)
		return "active";
	return it->dir;
}

/* queue_list_rcpt_state - what a recipient's state byte means */
const char *
queue_list_rcpt_state(const struct queue_list_item *it, size_t i)
{
	switch (it->env.rcpt[i].state) {
	case QUEUE_RCPT_DELIVERED:
		return "delivered";
	case QUEUE_RCPT_FAILED:
		return "bounced";
	case QUEUE_RCPT_EXPIRED:
		return "expired";
	default:
		return queue_list_reason_of(it, i) ? "deferred" : "pending";
	}
}

/* queue_list_arrival - local time, "%a %b %e %H:%M:%S" (mailq) or ISO 8601 */
void
queue_list_arrival(
    const struct queue_list_item *it, bool iso, char *out, size_t len)
{
	time_t t = (time_t)(it->env.arrival_us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(out, len,
	        iso ? "%Y-%m-%dT%H:%M:%S%z" : "%a %b %e %H:%M:%S", &tm)
	    == 0)
		out[0] = 0;
}

/* queue_list_mailq - Postfix's mailq (showq) layout */
void
queue_list_mailq(const struct queue_list_item *v, size_t n, struct buf *out)
{
	size_t width = 11;
	unsigned long long kbytes = 0;
	char when[64];

	if (n == 0) {
		buf_cats(out, "Mail queue is empty\n");
		return;
	}
	/* Postfix widens the first column for long queue IDs too. */
	for (size_t i = 0; i < n; i++)
		width = MAX(width, strlen(v[i].id) + 1);
	buf_printf(out, "%-*s %8s %-20s %s\n", (int)width, "-Queue ID-",
	    "--Size--", "----Arrival Time----", "-Sender/Recipient-------");
	for (size_t i = 0; i < n; i++) {
		const struct queue_list_item *it = &v[i];
		char idm[QUEUE_ID_MAX + 2];
		const char *last = NULL;

		snprintf(idm, sizeof(idm), "%s%s", it->id,
		    strcmp(it->dir, "active") == 0     ? "*"
		        : strcmp(it->dir, "hold") == 0 ? "!"
		                                       : "");
		queue_list_arrival(it, false, when, sizeof(when));
		buf_printf(out, "%-*s %8lld %-20.20s %s\n", (int)width, idm,
		    (long long)it->env.body_size, when,
		    *it->env.sender ? it->env.sender : "MAILER-DAEMON");
		for (size_t r = 0; r < it->env.nrcpt; r++) {
			const struct queue_list_reason *why =
			    queue_list_reason_of(it, r);

			if (it->env.rcpt[r].state != QUEUE_RCPT_PENDING)
				continue;
			/* A reason is printed once above the recipients
			 * it applies to, in parentheses, as Postfix does. */
			if (why && (last == NULL || strcmp(last, why->text)))
				buf_printf(out, "(%s)\n", why->text);
			if (why)
				last = why->text;
			buf_printf(out, "%*s%s\n", (int)width + 30, "",
			    it->env.rcpt[r].addr);
		}
		buf_printf(out, "\n");
		kbytes += ((unsigned long long)it->env.body_size + 1023) / 1024;
	}
	buf_printf(out, "-- %llu Kbytes in %zu Request%s.\n", kbytes, n,
	    n == 1 ? "" : "s");
}

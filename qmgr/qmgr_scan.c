/*
 * qmgr_scan.c - the queue directories: which files enter the active set,
 * and when (see qmgr(8)).
 *
 * The active set is bounded (qmgr_message_active_limit). New mail
 * (incoming/) and due deferred mail (deferred/, a file whose mtime, its
 * next retry time, has passed) take turns for free places, so neither a
 * flood of new mail nor a large deferred queue starves the other. Every
 * move is a rename() within the queue file system; a file that another
 * process (`gannet queue delete|hold`) took away in the meantime is
 * simply skipped.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/event.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"

#include "mail/params.h"
#include "mail/params_qmgr.h"
#include "mail/queue_file.h"

#include "qmgr.h"

static int64_t qmgr_deferred_scanned_ms; /* last scan of deferred/ */

/* qmgr_suspended - deliveries are suspended (`gannet queue suspend`) */
bool
qmgr_suspended(void)
{
	return file_exists("suspended");
}

/* qmgr_move - rename from/id to to/id; a vanished file is no error */
void
qmgr_move(const char *id, const char *from, const char *to)
{
	char a[64], b[64];

	snprintf(a, sizeof(a), "%s/%s", from, id);
	snprintf(b, sizeof(b), "%s/%s", to, id);
	if (rename(a, b) < 0 && errno != ENOENT)
		log_warn("%s: move %s to %s: %m", id, from, to);
}

/* qmgr_list - queue IDs in dir; with due_only, those whose mtime passed */
static void
qmgr_list(const char *dir, bool due_only, struct strv *out)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	time_t now = time(NULL);

	if (d == NULL) {
		log_warn("open %s: %m", dir);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		char path[300];
		struct stat st;

		if (!queue_id_ok(de->d_name))
			continue;
		if (due_only) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (stat(path, &st) < 0 || st.st_mtime > now)
				continue;
		}
		strv_push(out, de->d_name);
	}
	closedir(d);
}

/* qmgr_id_cmp - oldest first */
static int
qmgr_id_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* qmgr_recover - files left in active/ by a crash go back to incoming/ */
void
qmgr_recover(void)
{
	struct strv ids;
	size_t n = 0;

	strv_init(&ids);
	qmgr_list("active", false, &ids);
	for (size_t i = 0; i < ids.n; i++, n++)
		qmgr_move(ids.v[i], "active", "incoming");
	if (n)
		log_info("%zu message(s) left in the active queue moved back "
		         "to incoming",
		    n);
	strv_free(&ids);
}

/* qmgr_scan_event - the timer of qmgr_scan_soon */
static void
qmgr_scan_event(struct event_loop *l, void *ctx)
{
	qmgr.scan_tm = NULL;
	qmgr_scan();
}

/* qmgr_scan_soon - scan once the current events are done (many wake-ups
 * in a row give one scan) */
void
qmgr_scan_soon(void)
{
	if (qmgr.scan_tm == NULL && !qmgr.exiting)
		qmgr.scan_tm =
		    event_add_timer(qmgr.loop, 0, qmgr_scan_event, NULL);
}

/* qmgr_scan - fill the active set from incoming/ and due deferred/ */
void
qmgr_scan(void)
{
	struct strv in, def;
	size_t i = 0, j = 0;
	bool take_new = true;
	int64_t now = clock_ms();

	strv_init(&in);
	strv_init(&def);
	if (qmgr.nmsgs < var_qmgr_active_limit)
		qmgr_list("incoming", false, &in);
	if (qmgr.nmsgs < var_qmgr_active_limit
	    && (qmgr.flush_all
	        || now - qmgr_deferred_scanned_ms
	            >= var_queue_run_delay * 1000)) {
		qmgr_deferred_scanned_ms = now;
		qmgr_list("deferred", true, &def);
		qmgr.flush_all = false;
	}
	if (in.n > 1)
		qsort(in.v, in.n, sizeof(*in.v), qmgr_id_cmp);
	while (qmgr.nmsgs < var_qmgr_active_limit && (i < in.n || j < def.n)) {
		if ((take_new && i < in.n) || j >= def.n)
			qmgr_message_start(in.v[i++], "incoming");
		else
			qmgr_message_start(def.v[j++], "deferred");
		take_new = !take_new;
	}
	/* Files left for lack of room are found by a later scan: every
	 * message leaving the active set asks for one, and due deferred
	 * mail left over is looked at again then, not a queue run later. */
	if (j < def.n)
		qmgr.flush_all = true;
	strv_free(&in);
	strv_free(&def);
}

/* qmgr_has_domain - a pending recipient of the file id in deferred/ is in
 * domain */
static bool
qmgr_has_domain(const char *id, const char *domain)
{
	struct buf *path = buf_new(64), *why = buf_new(64);
	struct queue_file *qf;
	bool found = false;

	buf_printf(path, "deferred/%s", id);
	if ((qf = queue_file_open(buf_cstr(path), false, why)) != NULL) {
		const struct queue_env *e = queue_file_env(qf);

		for (size_t i = 0; i < e->nrcpt && !found; i++) {
			const char *at = strrchr(e->rcpt[i].addr, '@');

			found = e->rcpt[i].state == QUEUE_RCPT_PENDING && at
			    && str_eq_ci(at + 1, domain);
		}
		queue_file_close(&qf);
	}
	buf_free(&path);
	buf_free(&why);
	return found;
}

/* qmgr_flush - make deferred mail due now: all of it, or the messages
 * with a pending recipient in domain */
void
qmgr_flush(const char *domain)
{
	struct strv ids;
	size_t n = 0;

	strv_init(&ids);
	qmgr_list("deferred", false, &ids);
	for (size_t i = 0; i < ids.n; i++) {
		char path[64];

		if (domain && !qmgr_has_domain(ids.v[i], domain))
			continue;
		snprintf(path, sizeof(path), "deferred/%s", ids.v[i]);
		if (utimes(path, NULL) == 0)
			n++;
	}
	log_info("flush%s%s: %zu deferred message(s) due now",
	    domain ? " " : "", domain ? domain : "", n);
	strv_free(&ids);
	qmgr.flush_all = true;
	qmgr_scan_soon();
}

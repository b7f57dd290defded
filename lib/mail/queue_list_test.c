/*
 * queue_list_test.c - the queue listing: files in several directories,
 * reasons from defer/<ID>, a file that is not a queue file, and the
 * mailq layout.
 */
#include "util/sys_defs.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "mail/queue_file.h"
#include "mail/queue_list.h"

#include "tests/t.h"

/* put - one queue file with n recipients, committed to subdir */
static void
put(const char *qdir, const char *subdir, const char *sender, int n,
    char id_out[QUEUE_ID_MAX + 1])
{
	struct buf *why = buf_new(64);
	struct queue_env env = {0};
	struct queue_writer *qw = queue_writer_create(qdir, why);
	const char *msg = "Subject: t\r\n\r\nbody\r\n";

	T_ASSERT(qw != NULL);
	env.sender = xstrdup(sender);
	for (int i = 0; i < n; i++) {
		char a[32];

		snprintf(a, sizeof(a), "r%d@example.org", i);
		queue_env_add_rcpt(&env, a, NULL, NULL, 0);
	}
	T_ASSERT(queue_writer_envelope(qw, &env, why) == 0);
	queue_writer_body(qw, msg, strlen(msg));
	T_ASSERT(queue_writer_commit(qw, subdir, why) == 0);
	snprintf(id_out, QUEUE_ID_MAX + 1, "%s", queue_writer_id(qw));
	queue_writer_free(&qw);
	queue_env_clear(&env);
	buf_free(&why);
}

int
main(void)
{
	static const char *const dirs[] = {
	    "tmp", "incoming", "active", "deferred", "hold", "defer"};
	const char *qdir = t_tmpdir();
	struct buf *path = buf_new(128), *errors = buf_new(128);
	struct buf *out = buf_new(1024);
	char a[QUEUE_ID_MAX + 1], b[QUEUE_ID_MAX + 1], c[QUEUE_ID_MAX + 1];
	struct queue_list_item *v;
	size_t n;
	bool denied;
	FILE *fp;

	for (size_t i = 0; i < NELEM(dirs); i++) {
		buf_reset(path);
		buf_printf(path, "%s/%s", qdir, dirs[i]);
		mkdir(buf_cstr(path), 0700);
	}

	t_begin("empty queue");
	v = queue_list_collect(qdir, &n, errors, &denied);
	T_ASSERT(n == 0 && buf_len(errors) == 0 && !denied);
	queue_list_mailq(v, n, out);
	T_STREQ(buf_cstr(out), "Mail queue is empty\n");
	queue_list_free(v, n);

	t_begin("three messages, a reason, a stray file");
	put(qdir, "incoming", "s@example.org", 1, a);
	put(qdir, "hold", "", 2, b);
	put(qdir, "incoming", "t@example.org", 2, c);
	buf_reset(path);
	buf_printf(path, "%s/incoming/%s", qdir, c);
	buf_reset(out);
	buf_printf(out, "%s/deferred/%s", qdir, c);
	T_ASSERT(rename(buf_cstr(path), buf_cstr(out)) == 0);
	buf_reset(path);
	buf_printf(path, "%s/defer/%s", qdir, c);
	fp = fopen(buf_cstr(path), "w");
	T_ASSERT(fp != NULL);
	fprintf(fp, "1\t4.4.1\tconnect refused\nbad line\n");
	fclose(fp);
	buf_reset(path);
	buf_printf(path, "%s/incoming/README", qdir); /* not an ID: ignored */
	fp = fopen(buf_cstr(path), "w");
	fclose(fp);

	buf_reset(errors);
	v = queue_list_collect(qdir, &n, errors, &denied);
	T_ASSERT(n == 3);
	T_STREQ(buf_cstr(errors), "");
	if (n == 3) {
		T_STREQ(v[0].id, a);
		T_STREQ(v[1].id, b);
		T_STREQ(v[2].id, c);
		T_STREQ(queue_list_status(&v[0]), "active");
		T_STREQ(queue_list_status(&v[1]), "hold");
		T_STREQ(queue_list_status(&v[2]), "deferred");
		T_STREQ(queue_list_rcpt_state(&v[2], 0), "pending");
		T_STREQ(queue_list_rcpt_state(&v[2], 1), "deferred");
		T_ASSERT(queue_list_reason_of(&v[2], 0) == NULL);
		T_STREQ(queue_list_reason_of(&v[2], 1)->dsn, "4.4.1");
		T_ASSERT(v[2].nreasons == 1);
		buf_reset(out);
		queue_list_mailq(v, n, out);
		T_ASSERT(strncmp(buf_cstr(out), "-Queue ID-", 10) == 0);
		T_ASSERT(strstr(buf_cstr(out), "!") != NULL);
		T_ASSERT(strstr(buf_cstr(out), "  MAILER-DAEMON\n") != NULL);
		T_ASSERT(
		    strstr(buf_cstr(out), "\n(connect refused)\n") != NULL);
		T_ASSERT(strstr(buf_cstr(out), "-- 3 Kbytes in 3 Requests.\n")
		    != NULL);
	}
	queue_list_free(v, n);

	t_begin("a directory that cannot be read");
	buf_reset(path);
	buf_printf(path, "%s/active", qdir);
	T_ASSERT(rmdir(buf_cstr(path)) == 0);
	buf_reset(errors);
	v = queue_list_collect(qdir, &n, errors, &denied);
	T_ASSERT(n == 3 && !denied);
	T_ASSERT(strstr(buf_cstr(errors), "/active") != NULL);
	queue_list_free(v, n);

	buf_free(&path);
	buf_free(&errors);
	buf_free(&out);
	return t_end();
}

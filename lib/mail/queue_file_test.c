/*
 * queue_file_test.c - queue files: write, read back, update a recipient
 * in place, and refuse every damaged file; a failed write leaves
 * nothing in incoming/ or tmp/.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "mail/queue_file.h"

#include "tests/t.h"

/* count_dir - entries in dir */
static int
count_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* make_env - a typical envelope */
static void
make_env(struct queue_env *env)
{
	memset(env, 0, sizeof(*env));
	env->sender = strdup("sender@example.org");
	env->envid = strdup("env 100%");
	env->ret = SMTP_RET_HDRS;
	env->body = SMTP_BODY_8BITMIME;
	env->service = strdup("smtp");
	env->protocol = strdup("ESMTPS");
	env->client_addr = strdup("192.0.2.1");
	env->client_port = 54321;
	env->client_name = strdup("mail.example.org");
	env->client_helo = strdup("mail.example.org");
	env->auth_user = strdup("");
	env->tls_version = strdup("TLSv1.3");
	env->tls_cipher = strdup("TLS_AES_256_GCM_SHA384");
	queue_env_add_rcpt(env, "a@example.com", "A@Example.com",
	    "rfc822;A@Example.com", SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE);
	queue_env_add_rcpt(env, "b@example.com", NULL, NULL, 0);
	queue_env_add_rcpt(
	    env, "\"c d\"@example.com", NULL, NULL, SMTP_NOTIFY_NEVER);
}

/* write_one - a complete message; returns its path in out */
static int
write_one(const char *qdir, const char *body, struct buf *out)
{
	struct queue_writer *qw;
	struct queue_env env;
	struct buf *why = buf_new(64);
	int ret = -1;

	make_env(&env);
	if ((qw = queue_writer_create(qdir, why)) == NULL)
		goto out;
	if (queue_writer_envelope(qw, &env, why) < 0)
		goto out;
	queue_writer_body(qw, body, strlen(body));
	if (queue_writer_commit(qw, QUEUE_INCOMING, why) < 0)
		goto out;
	queue_file_path(qdir, QUEUE_INCOMING, queue_writer_id(qw), out);
	ret = 0;
out:
	if (ret < 0)
		t_fail(__FILE__, __LINE__, "write: %s", buf_cstr(why));
	queue_writer_free(&qw);
	queue_env_clear(&env);
	buf_free(&why);
	return ret;
}

int
main(void)
{
	struct buf *why = buf_new(64), *path = buf_new(64), *p2 = buf_new(64);
	struct buf *data = buf_new(1024), *dir = buf_new(64);
	const char *body = "Subject: test\r\n\r\nmessage=\nend=X\r\n.\r\n";
	const char *qdir;
	struct queue_file *qf;
	const struct queue_env *e;
	char id[QUEUE_ID_MAX + 1], id2[QUEUE_ID_MAX + 1];

	qdir = t_tmpdir();
	buf_printf(dir, "%s/tmp", qdir);
	mkdir(buf_cstr(dir), 0700);
	buf_reset(dir);
	buf_printf(dir, "%s/incoming", qdir);
	mkdir(buf_cstr(dir), 0700);

	t_begin("queue ids sort by time and are valid");
	queue_id_make(1700000000000000LL, 12345, id);
	queue_id_make(1700000000000001LL, 1, id2);
	T_ASSERT(queue_id_ok(id) && queue_id_ok(id2));
	T_ASSERT(strcmp(id, id2) < 0);
	T_INTEQ(strlen(id2), 12);
	T_ASSERT(!queue_id_ok("short"));
	T_ASSERT(!queue_id_ok("0123456789AW"));
	T_ASSERT(!queue_id_ok("../../etc/pw"));
	queue_id_make(INT64_MAX / 4, (ino_t)UINT64_MAX, id);
	T_ASSERT(queue_id_ok(id));

	t_begin("write and read back");
	T_ASSERT(write_one(qdir, body, path) == 0);
	qf = queue_file_open(buf_cstr(path), true, why);
	T_ASSERT(qf != NULL);
	if (qf) {
		char tmp[128];

		e = queue_file_env(qf);
		T_STREQ(e->sender, "sender@example.org");
		T_STREQ(e->envid, "env 100%");
		T_INTEQ(e->ret, SMTP_RET_HDRS);
		T_INTEQ(e->body, SMTP_BODY_8BITMIME);
		T_STREQ(e->client_addr, "192.0.2.1");
		T_INTEQ(e->client_port, 54321);
		T_STREQ(e->tls_cipher, "TLS_AES_256_GCM_SHA384");
		T_INTEQ(e->nrcpt, 3);
		T_STREQ(e->rcpt[0].orig, "A@Example.com");
		T_STREQ(e->rcpt[0].orcpt, "rfc822;A@Example.com");
		T_INTEQ(e->rcpt[0].notify,
		    SMTP_NOTIFY_SUCCESS | SMTP_NOTIFY_FAILURE);
		T_STREQ(e->rcpt[1].orig, "b@example.com");
		T_INTEQ(e->rcpt[2].notify, SMTP_NOTIFY_NEVER);
		T_STREQ(e->rcpt[2].addr, "\"c d\"@example.com");
		T_INTEQ(e->body_size, strlen(body));
		T_INTEQ(queue_file_read_body(qf, 0, tmp, sizeof(tmp)),
		    strlen(body));
		T_MEMEQ(tmp, strlen(body), body, strlen(body));
		T_INTEQ(queue_file_read_body(qf, 9, tmp, 4), 4);
		T_MEMEQ(tmp, 4, "test", 4);
		T_INTEQ(queue_file_pending(qf), 3);
		T_ASSERT(queue_file_set_state(qf, 1, QUEUE_RCPT_DELIVERED, why)
		    == 0);
		T_ASSERT(queue_file_set_state(qf, 3, QUEUE_RCPT_DELIVERED, why)
		    == -1);
		T_ASSERT(queue_file_set_state(qf, 0, 'Z', why) == -1);
		queue_file_close(&qf);
	}
	qf = queue_file_open(buf_cstr(path), false, why);
	T_ASSERT(qf != NULL);
	if (qf) {
		e = queue_file_env(qf);
		T_INTEQ(e->rcpt[1].state, QUEUE_RCPT_DELIVERED);
		T_INTEQ(e->rcpt[0].state, QUEUE_RCPT_PENDING);
		T_INTEQ(queue_file_pending(qf), 2);
		T_ASSERT(queue_file_set_state(qf, 0, QUEUE_RCPT_DELIVERED, why)
		    == -1); /* read-only */
		queue_file_close(&qf);
	}

	t_begin("a rewrite keeps the ID and replaces the file");
	qf = queue_file_open(buf_cstr(path), true, why);
	T_ASSERT(qf != NULL);
	if (qf) {
		struct queue_writer *qw;
		struct queue_env env;
		char tmp[128];
		ssize_t n;

		e = queue_file_env(qf);
		T_ASSERT(!e->expanded && !e->warned);
		make_env(&env);
		env.expanded = true;
		env.rcpt[0].state = QUEUE_RCPT_DELIVERED;
		qw =
		    queue_writer_rewrite(qdir, e->queue_id, e->arrival_us, why);
		T_ASSERT(qw != NULL);
		T_ASSERT(queue_writer_envelope(qw, &env, why) == 0);
		T_STREQ(env.queue_id, e->queue_id);
		n = queue_file_read_body(qf, 0, tmp, sizeof(tmp));
		T_ASSERT(n > 0);
		queue_writer_body(qw, tmp, (size_t)n);
		T_ASSERT(queue_writer_commit(qw, QUEUE_INCOMING, why) == 0);
		queue_writer_free(&qw);
		queue_env_clear(&env);
		queue_file_close(&qf);
		buf_reset(dir);
		buf_printf(dir, "%s/tmp", qdir);
		T_INTEQ(count_dir(buf_cstr(dir)), 0);
		qf = queue_file_open(buf_cstr(path), true, why);
		T_ASSERT(qf != NULL);
	}
	if (qf) {
		e = queue_file_env(qf);
		T_ASSERT(e->expanded && !e->warned);
		T_INTEQ(e->rcpt[0].state, QUEUE_RCPT_DELIVERED);
		T_INTEQ(e->rcpt[1].state, QUEUE_RCPT_PENDING);
		T_ASSERT(queue_file_set_warned(qf, why) == 0);
		queue_file_close(&qf);
		qf = queue_file_open(buf_cstr(path), false, why);
		T_ASSERT(qf != NULL && queue_file_env(qf)->warned);
		queue_file_close(&qf);
	}

	t_begin("every truncation is refused");
	T_ASSERT(file_read(buf_cstr(path), 1 << 20, data, why) == 0);
	for (size_t n = 0; n < buf_len(data); n++) {
		struct queue_env env;

		if (queue_file_parse(buf_cstr(data), n, NULL, &env, why) == 0) {
			t_fail(
			    __FILE__, __LINE__, "truncated at %zu accepted", n);
			queue_env_clear(&env);
			break;
		}
	}
	{
		struct queue_env env;

		T_ASSERT(queue_file_parse(
		             buf_cstr(data), buf_len(data), NULL, &env, why)
		    == 0);
		queue_env_clear(&env);
	}

	t_begin("a truncated file on disk is refused");
	buf_sets(p2, buf_cstr(path));
	T_ASSERT(truncate(buf_cstr(p2), (off_t)buf_len(data) - 1) == 0);
	qf = queue_file_open(buf_cstr(p2), false, why);
	T_ASSERT(qf == NULL);
	T_ASSERT(strstr(buf_cstr(why), "truncated") != NULL);

	t_begin("damaged files are refused");
	{
		static const struct {
			const char *from, *to;
		} edits[] = {
		    {"gannet_queue=2", "gannet_queue=3"},
		    {"gannet_queue=2", "gannet_queue=1"}, /* v1: no expanded */
		    {"\nexpanded=", "\nexpanded=x"},
		    {"\nwarned=", "\nwarned=x"},
		    {"rcpt_count=3", "rcpt_count=4"},
		    {"rcpt_count=3", "rcpt_count=2"},
		    {"sender=sender@", "sender=sender "},
		    {"rcpt_state=P", "rcpt_state=X"},
		    {"rcpt_notify=NEVER", "rcpt_notify=NEVER,DELAY"},
		    {"ret=HDRS", "ret=SOME"},
		    {"envid=env 100%25", "envid=env 100%2"},
		    {"envid=env 100%25", "envid=env 100%0A"},
		    {"client_port=54321", "client_port=99999"},
		    {"smtputf8=0", "smtputf8=2"},
		    {"body=8BITMIME", "bodx=8BITMIME"},
		};
		struct queue_env env;

		for (size_t i = 0; i < NELEM(edits); i++) {
			struct buf *d = buf_new(1024);
			const char *hit = strstr(buf_cstr(data), edits[i].from);

			T_ASSERT(hit != NULL);
			if (hit == NULL)
				continue;
			buf_cat(
			    d, buf_cstr(data), (size_t)(hit - buf_cstr(data)));
			buf_cats(d, edits[i].to);
			buf_cats(d, hit + strlen(edits[i].from));
			if (queue_file_parse(
			        buf_cstr(d), buf_len(d), NULL, &env, why)
			    == 0) {
				t_fail(
				    __FILE__, __LINE__, "edit %zu accepted", i);
				queue_env_clear(&env);
			}
			buf_free(&d);
		}
		/* The file name must be its ID. */
		T_ASSERT(queue_file_parse(buf_cstr(data), buf_len(data),
		             "0000000000000", &env, why)
		    == -1);
		/* Trailing garbage after the end record. */
		buf_cats(data, "x");
		T_ASSERT(queue_file_parse(
		             buf_cstr(data), buf_len(data), NULL, &env, why)
		    == -1);
	}

	t_begin("abort leaves nothing");
	{
		struct queue_writer *qw = queue_writer_create(qdir, why);
		struct queue_env env;

		make_env(&env);
		T_ASSERT(qw != NULL);
		T_ASSERT(queue_writer_envelope(qw, &env, why) == 0);
		queue_writer_body(qw, "x", 1);
		queue_writer_free(&qw);
		queue_env_clear(&env);
		buf_reset(dir);
		buf_printf(dir, "%s/tmp", qdir);
		T_INTEQ(count_dir(buf_cstr(dir)), 0);
	}

	t_begin("a write error leaves nothing");
	{
		struct rlimit old, rl;
		struct queue_writer *qw = queue_writer_create(qdir, why);
		struct queue_env env;
		char chunk[4096];
		int before;

		buf_reset(dir);
		buf_printf(dir, "%s/incoming", qdir);
		before = count_dir(buf_cstr(dir));
		make_env(&env);
		memset(chunk, 'x', sizeof(chunk));
		signal(SIGXFSZ, SIG_IGN);
		getrlimit(RLIMIT_FSIZE, &old);
		rl = old;
		rl.rlim_cur = 100000;
		setrlimit(RLIMIT_FSIZE, &rl);
		T_ASSERT(queue_writer_envelope(qw, &env, why) == 0);
		for (int i = 0; i < 100; i++)
			queue_writer_body(qw, chunk, sizeof(chunk));
		T_ASSERT(queue_writer_commit(qw, QUEUE_INCOMING, why) == -1);
		T_ASSERT(strstr(buf_cstr(why), "write") != NULL);
		setrlimit(RLIMIT_FSIZE, &old);
		queue_writer_free(&qw);
		queue_env_clear(&env);
		T_INTEQ(count_dir(buf_cstr(dir)), before);
		buf_reset(dir);
		buf_printf(dir, "%s/tmp", qdir);
		T_INTEQ(count_dir(buf_cstr(dir)), 0);
	}

	t_begin("commit into a missing directory fails cleanly");
	{
		struct queue_writer *qw = queue_writer_create(qdir, why);
		struct queue_env env;

		make_env(&env);
		T_ASSERT(queue_writer_envelope(qw, &env, why) == 0);
		T_ASSERT(queue_writer_commit(qw, "nonexistent", why) == -1);
		queue_writer_free(&qw);
		queue_env_clear(&env);
		T_INTEQ(count_dir(buf_cstr(dir)), 0);
	}

	t_begin("envelope with a control character is refused");
	{
		struct queue_writer *qw = queue_writer_create(qdir, why);
		struct queue_env env;

		make_env(&env);
		free(env.client_helo);
		env.client_helo = strdup("bad\rhelo");
		T_ASSERT(queue_writer_envelope(qw, &env, why) == -1);
		queue_writer_free(&qw);
		queue_env_clear(&env);
	}

	t_begin("the fuzz seed is a valid file");
	if (file_read("tests/fuzz/queue_file/sample", 1 << 20, data, why)
	    == 0) {
		struct queue_env env;

		T_ASSERT(queue_file_parse(
		             buf_cstr(data), buf_len(data), NULL, &env, why)
		    == 0);
		T_INTEQ(env.rcpt[1].state, QUEUE_RCPT_DELIVERED);
		queue_env_clear(&env);
	}

	t_begin("queue count");
	T_ASSERT(write_one(qdir, body, path) == 0);
	T_INTEQ(queue_count(qdir, 0), 2);
	T_INTEQ(queue_count(qdir, 1), 2);
	queue_wake(qdir); /* no socket: nothing happens */

	buf_free(&why);
	buf_free(&path);
	buf_free(&p2);
	buf_free(&data);
	buf_free(&dir);
	return t_end();
}

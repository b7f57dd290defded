/*
 * autoreply_test.c - the auto-reply rules, the reply's text, the
 * once-per-sender memory, and the whole step into a scratch queue.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/xalloc.h"

#include "mail/accounts.h"
#include "mail/autoreply.h"
#include "mail/params.h"
#include "mail/params_deliver.h"
#include "mail/queue_file.h"

#include "tests/t.h"

#define NOW 1800000000L

static struct accounts_user
user(void)
{
	struct accounts_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.address, sizeof(u.address), "joe@example.org");
	u.autoreply = true;
	u.ar_subject = (char *)"";
	u.ar_text = (char *)"I am away.\nJoe";
	return u;
}

static void
test_decide(void)
{
	static const struct {
		const char *sender;
		const char *header;
		enum autoreply_verdict want;
	} cases[] = {
	    {"ann@example.com", "Subject: hi\r\n\r\nbody", AUTOREPLY_SEND},
	    {"", "Subject: hi\r\n\r\n", AUTOREPLY_NULL_SENDER},
	    {"MAILER-DAEMON@example.com", "Subject: x\n\n", AUTOREPLY_DAEMON},
	    {"owner-list@example.com", "Subject: x\n\n", AUTOREPLY_DAEMON},
	    {"list-request@example.com", "Subject: x\n\n", AUTOREPLY_DAEMON},
	    {"news-bounces@example.com", "Subject: x\n\n", AUTOREPLY_DAEMON},
	    {"Joe@Example.org", "Subject: x\n\n", AUTOREPLY_SELF},
	    {"ann@example.com", "Auto-Submitted: auto-replied\n\n",
	        AUTOREPLY_AUTO},
	    {"ann@example.com", "Auto-Submitted: auto-generated; x=y\n\n",
	        AUTOREPLY_AUTO},
	    {"ann@example.com", "Auto-Submitted:  No  \n\n", AUTOREPLY_SEND},
	    {"ann@example.com", "X-Auto-Response-Suppress: OOF, AutoReply\n\n",
	        AUTOREPLY_AUTO},
	    {"ann@example.com", "List-Id: <a.example.com>\n\n", AUTOREPLY_LIST},
	    {"ann@example.com", "list-unsubscribe: <mailto:x@y>\n\n",
	        AUTOREPLY_LIST},
	    {"ann@example.com", "Precedence: bulk\n\n", AUTOREPLY_BULK},
	    {"ann@example.com", "Precedence: JUNK\n\n", AUTOREPLY_BULK},
	    {"ann@example.com", "Precedence: list\n\n", AUTOREPLY_BULK},
	    {"ann@example.com", "Precedence: first-class\n\n", AUTOREPLY_SEND},
	    /* only the header counts: a List-Id in the body is text */
	    {"ann@example.com", "Subject: x\n\nList-Id: <b>\n", AUTOREPLY_SEND},
	    /* folded field */
	    {"ann@example.com", "Precedence:\n bulk\n\n", AUTOREPLY_BULK},
	};
	struct accounts_user u = user();

	t_begin("decide: the rules");
	for (size_t i = 0; i < NELEM(cases); i++) {
		enum autoreply_verdict v = autoreply_decide(&u, cases[i].sender,
		    cases[i].header, strlen(cases[i].header), NOW);
		if (v != cases[i].want)
			t_fail(__FILE__, __LINE__, "case %zu (%s): got %s", i,
			    cases[i].header, autoreply_verdict_text(v));
	}

	t_begin("decide: off, and ar_until");
	u.autoreply = false;
	T_INTEQ(
	    autoreply_decide(&u, "ann@example.com", "", 0, NOW), AUTOREPLY_OFF);
	u.autoreply = true;
	u.ar_until = NOW - 1;
	T_INTEQ(
	    autoreply_decide(&u, "ann@example.com", "", 0, NOW), AUTOREPLY_OFF);
	u.ar_until = NOW;
	T_INTEQ(autoreply_decide(&u, "ann@example.com", "", 0, NOW),
	    AUTOREPLY_SEND);
}

static void
test_build(void)
{
	struct accounts_user u = user();
	struct buf *out = buf_new(512);
	const char *h = "Subject: Lunch\r\n on Friday\r\n"
	                "Message-ID: <m2@example.com>\r\n"
	                "References: <m0@example.com> <m1@example.com>\r\n"
	                "\r\nbody\r\n";

	t_begin("build: Re: subject, threading, Auto-Submitted");
	autoreply_build(&u, "ann@example.com", h, strlen(h), NOW,
	    "Q1.autoreply@mx.example.org", out);
	T_ASSERT(strstr(buf_cstr(out), "From: <joe@example.org>\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "To: <ann@example.com>\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "Subject: Re: Lunch on Friday\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "In-Reply-To: <m2@example.com>\r\n"));
	T_ASSERT(strstr(buf_cstr(out),
	    "References: <m0@example.com>\r\n"
	    " <m1@example.com>\r\n"
	    " <m2@example.com>\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "Auto-Submitted: auto-replied\r\n"));
	T_ASSERT(strstr(
	    buf_cstr(out), "Message-ID: <Q1.autoreply@mx.example.org>\r\n"));
	T_ASSERT(
	    strstr(buf_cstr(out), "Date: Fri, 15 Jan 2027 08:00:00 +0000"));
	T_ASSERT(strstr(buf_cstr(out), "\r\n\r\nI am away.\r\nJoe\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "Content-Transfer-Encoding: 7bit"));

	t_begin("build: no Re: Re:, no subject, own subject");
	h = "Subject: RE: Lunch\n\n";
	autoreply_build(&u, "ann@example.com", h, strlen(h), NOW, "x@y", out);
	T_ASSERT(strstr(buf_cstr(out), "Subject: RE: Lunch\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "In-Reply-To") == NULL);
	h = "From: ann@example.com\n\n";
	autoreply_build(&u, "ann@example.com", h, strlen(h), NOW, "x@y", out);
	T_ASSERT(strstr(buf_cstr(out), "Subject: Re: (no subject)\r\n"));
	u.ar_subject = (char *)"Away\r\nBcc: evil@example.net";
	autoreply_build(&u, "ann@example.com", h, strlen(h), NOW, "x@y", out);
	T_ASSERT(
	    strstr(buf_cstr(out), "Subject: Away  Bcc: evil@example.net\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "\nBcc:") == NULL);

	t_begin("build: UTF-8 subject and text");
	u.ar_subject = (char *)"Abwesend bis März";
	u.ar_text = (char *)"Grüße";
	autoreply_build(&u, "ann@example.com", h, strlen(h), NOW, "x@y", out);
	T_ASSERT(strstr(buf_cstr(out),
	    "Subject: =?UTF-8?B?QWJ3ZXNlbmQgYmlzIE3DpHJ6?=\r\n"));
	T_ASSERT(strstr(buf_cstr(out), "Content-Transfer-Encoding: 8bit"));
	buf_free(&out);
}

static void
test_remember(void)
{
	struct buf *why = buf_new(64);
	char db[512];

	snprintf(db, sizeof(db), "%s/autoreply.db", t_tmpdir());
	t_begin("remember: once per sender per period");
	T_INTEQ(autoreply_remember(
	            db, "joe@example.org", "ann@example.com", NOW, 86400, why),
	    0);
	T_INTEQ(autoreply_remember(db, "joe@example.org", "Ann@Example.com",
	            NOW + 3600, 86400, why),
	    1);
	/* another sender, another account: their own memory */
	T_INTEQ(autoreply_remember(db, "joe@example.org", "bob@example.com",
	            NOW + 3600, 86400, why),
	    0);
	T_INTEQ(autoreply_remember(db, "amy@example.org", "ann@example.com",
	            NOW + 3600, 86400, why),
	    0);
	/* a day later: again */
	T_INTEQ(autoreply_remember(db, "joe@example.org", "ann@example.com",
	            NOW + 86400, 86400, why),
	    0);
	T_INTEQ(autoreply_remember(db, "joe@example.org", "ann@example.com",
	            NOW + 86401, 86400, why),
	    1);
	buf_free(&why);
}

/* count_files - regular files in dir */
static int
count_files(const char *dir, char *name_out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(name_out, size, "%s", e->d_name);
		n++;
	}
	closedir(d);
	return n;
}

/* queue_message - a message into queue/active; its path into path */
static void
queue_message(const char *sender, const char *msg, struct buf *path)
{
	struct buf *why = buf_new(64);
	struct queue_writer *qw = queue_writer_create(var_queue_dir, why);
	struct queue_env env;

	memset(&env, 0, sizeof(env));
	T_ASSERT(qw != NULL);
	env.sender = (char *)sender;
	(void)queue_env_add_rcpt(&env, "joe@example.org", NULL, NULL, 0);
	T_INTEQ(queue_writer_envelope(qw, &env, why), 0);
	queue_writer_body(qw, msg, strlen(msg));
	T_INTEQ(queue_writer_commit(qw, "active", why), 0);
	queue_file_path(var_queue_dir, "active", queue_writer_id(qw), path);
	queue_writer_free(&qw);
	env.sender = NULL;
	queue_env_clear(&env);
	buf_free(&why);
}

static void
test_handle(void)
{
	struct accounts_user u = user();
	struct buf *why = buf_new(64), *qid = buf_new(32), *path = buf_new(128);
	struct buf *dir = buf_new(128);
	struct queue_file *qf;
	char name[256];
	const char *subdirs[] = {"tmp", "incoming", "active", "data"};

	t_begin("handle: a reply into incoming/, once");
	buf_printf(dir, "%s/q", t_tmpdir());
	var_queue_dir = xstrdup(buf_cstr(dir));
	for (size_t i = 0; i < NELEM(subdirs); i++) {
		buf_reset(dir);
		buf_printf(dir, "%s/%s", var_queue_dir, subdirs[i]);
		T_INTEQ(file_mkdirs(buf_cstr(dir), 0700, why), 0);
	}
	var_data_dir = xstrdup(buf_cstr(dir));
	var_myhostname = (char *)"mx.example.org";
	var_autoreply_period = 86400;
	queue_message("ann@example.com",
	    "Subject: hi\r\nMessage-ID: <a@b>\r\n\r\nhello\r\n", path);
	qf = queue_file_open(buf_cstr(path), false, why);
	T_ASSERT(qf != NULL);
	T_INTEQ(autoreply_handle(&u, qf, "ann@example.com", qid, why), 1);
	buf_reset(dir);
	buf_printf(dir, "%s/incoming", var_queue_dir);
	T_INTEQ(count_files(buf_cstr(dir), name, sizeof(name)), 1);
	T_STREQ(name, buf_cstr(qid));
	/* the second message of the same sender gets no reply */
	buf_reset(why);
	T_INTEQ(autoreply_handle(&u, qf, "ann@example.com", qid, why), 0);
	T_ASSERT(strstr(buf_cstr(why), "already replied"));
	queue_file_close(&qf);

	t_begin("handle: the reply's envelope and text");
	queue_file_path(var_queue_dir, "incoming", name, path);
	qf = queue_file_open(buf_cstr(path), false, why);
	T_ASSERT(qf != NULL);
	if (qf) {
		const struct queue_env *env = queue_file_env(qf);
		char body[4096];
		ssize_t n = queue_file_read_body(qf, 0, body, sizeof(body) - 1);

		T_STREQ(env->sender, "");
		T_INTEQ(env->nrcpt, 1);
		T_STREQ(env->rcpt[0].addr, "ann@example.com");
		T_ASSERT(n > 0);
		body[n > 0 ? n : 0] = 0;
		T_ASSERT(strstr(body, "Subject: Re: hi\r\n"));
		T_ASSERT(strstr(body, "In-Reply-To: <a@b>\r\n"));
		/* the reply itself would not be answered */
		T_INTEQ(autoreply_decide(&u, env->sender, body, (size_t)n, NOW),
		    AUTOREPLY_NULL_SENDER);
		queue_file_close(&qf);
	}

	t_begin("handle: a list message gets no reply, no memory used");
	queue_message(
	    "bob@example.com", "List-Id: <l.example.com>\r\n\r\nx\r\n", path);
	qf = queue_file_open(buf_cstr(path), false, why);
	buf_reset(why);
	T_INTEQ(autoreply_handle(&u, qf, "bob@example.com", qid, why), 0);
	T_ASSERT(strstr(buf_cstr(why), "mailing list"));
	queue_file_close(&qf);
	buf_free(&why);
	buf_free(&qid);
	buf_free(&path);
	buf_free(&dir);
}

int
main(void)
{
	test_decide();
	test_build();
	test_remember();
	test_handle();
	return t_end();
}

/*
 * test_session.c - scripted POP3 sessions (see test_session.h).
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/stream.h"

#include "mail/auth_client.h"
#include "mail/cfg.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_pop3d.h"

#include "pop3d.h"
#include "test_session.h"

/* The three messages: a dot-stuffed line, 8-bit bytes, and a long body. */
static const char *const test_msgs[] = {
    "From: a@example.org\nSubject: one\n\nfirst body\n.dot line\n..two\n",
    "From: b@example.org\nSubject: two\n\n8-bit \xe4\xf6\xfc body\n",
    "From: c@example.org\nSubject: three\n\nl1\nl2\nl3\nl4\n",
};

struct test_client {
	const char *in;
	size_t len, pos, step;
	struct buf *out;
};

/* test_read - the next piece of the script, then EOF */
static ssize_t
test_read(void *ctx, void *p, size_t n, short *events_out)
{
	struct test_client *c = ctx;
	size_t take = c->len - c->pos;

	if (take == 0)
		return 0;
	if (c->step && take > c->step)
		take = c->step;
	if (take > n)
		take = n;
	memcpy(p, c->in + c->pos, take);
	c->pos += take;
	return (ssize_t)take;
}

/* test_write - collect the replies */
static ssize_t
test_write(void *ctx, const void *p, size_t n, short *events_out)
{
	struct test_client *c = ctx;

	buf_cat(c->out, p, n);
	return (ssize_t)n;
}

static const struct stream_io test_io = {
    .read = test_read,
    .write = test_write,
    .pending = NULL,
};

/* test_login - the auth service, as a table */
static enum auth_status
test_login(const struct auth_request *req, struct auth_result *res)
{
	buf_reset(res->user);
	buf_reset(res->maildir);
	buf_reset(res->reason);
	if (strcmp(req->login, "tempfail@example.com") == 0) {
		buf_sets(res->reason, "test: service down");
		return res->status = AUTH_TEMPFAIL;
	}
	if (strcmp(req->login, "banned@example.com") == 0)
		return res->status = AUTH_BANNED;
	if ((strcmp(req->login, TEST_USER) == 0
	        || strcmp(req->login, "joe%example.com") == 0)
	    && strcmp(req->password, TEST_PASS) == 0) {
		buf_sets(res->user, TEST_USER);
		buf_sets(res->maildir, TEST_MAILDIR);
		res->quota = 0;
		return res->status = AUTH_OK;
	}
	buf_sets(res->reason, "test: wrong password");
	return res->status = AUTH_FAIL;
}

/* test_banned - one banned address */
static int
test_banned(const char *client, time_t *until_out, struct buf *why)
{
	if (strcmp(client, "192.0.2.66") == 0) {
		if (until_out)
			*until_out = 2000000000;
		return 1;
	}
	return 0;
}

static const struct pop3d_hooks test_hooks = {
    .login = test_login,
    .banned = test_banned,
};

/* test_log - collect (or drop) log output; fatal errors and panics still go out
 */
static bool
test_log(enum log_level lvl, const char *msg, void *ctx)
{
	struct buf *out = ctx;

	if (out != NULL) {
		buf_cats(out, msg);
		buf_catc(out, '\n');
	}
	return lvl < LOG_LVL_FATAL;
}

/* test_session_setup - parameters and context */
void
test_session_setup(const char *base, struct buf *log_out)
{
	struct buf *why = buf_new(64);

	if (cfg_load_string("test.conf", "", why) < 0)
		log_panic("test configuration: %s", buf_cstr(why));
	cfg_override("virtual_mailbox_base", base);
	cfg_override("pop3d_banner", "test POP3 ready");
	if (cfg_apply(true) > 0)
		log_panic("test configuration: errors");
	log_set_hook(test_log, log_out);
	matchlist_close(&pop3d_plaintext_networks);
	pop3d_plaintext_networks =
	    matchlist_open("pop3d_plaintext_auth_networks",
	        var_pop3d_plaintext_auth_networks, MATCHLIST_ADDR, why);
	buf_free(&why);
}

/* test_rm_files - empty one directory of files */
static void
test_rm_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			(void)unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

/* test_store_reset - three fresh messages */
void
test_store_reset(const char *base)
{
	struct buf *dir = buf_new(256), *path = buf_new(256),
	           *why = buf_new(64);
	static const char *const subs[] = {"new", "cur", "tmp"};

	buf_printf(dir, "%s/%s", base, TEST_MAILDIR);
	for (size_t i = 0; i < NELEM(subs); i++) {
		buf_reset(path);
		buf_printf(path, "%s/%s", buf_cstr(dir), subs[i]);
		if (file_mkdirs(buf_cstr(path), 0700, why) < 0)
			log_panic("test store: %s", buf_cstr(why));
		test_rm_files(buf_cstr(path));
	}
	for (size_t i = 0; i < NELEM(test_msgs); i++) {
		size_t n = strlen(test_msgs[i]), lf = 0;
		int fd;

		for (size_t k = 0; k < n; k++)
			lf += test_msgs[i][k] == '\n';
		buf_reset(path);
		buf_printf(path, "%s/new/100%zu.M1P1Q%zu.test,S=%zu,W=%zu",
		    buf_cstr(dir), i, i + 1, n, n + lf);
		fd = open(buf_cstr(path), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || file_write_all(fd, test_msgs[i], n) < 0)
			log_panic("test store: %s: %m", buf_cstr(path));
		close(fd);
	}
	buf_free(&dir);
	buf_free(&path);
	buf_free(&why);
}

/* test_session_run - one scripted session */
void
test_session_run(
    const char *addr, const char *in, size_t len, size_t step, struct buf *out)
{
	struct test_client c = {.in = in, .len = len, .step = step, .out = out};
	struct pop3d_state st;
	struct stream *s;
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		log_panic("open /dev/null: %m");
	buf_reset(out);
	s = stream_open(fd);
	stream_set_io(s, &test_io, &c);
	pop3d_state_init(&st, s, addr, 1110, "127.0.0.1", &test_hooks);
	pop3d_session_run(&st);
	pop3d_state_free(&st);
	stream_close(&s);
}

/*
 * queue_file.c - queue files (see queue_file.h and gannet-queue(5)).
 *
 * The envelope is text: one "name=value" record a line, in a fixed
 * order, values escaped as in IPC messages (STYLE 15), so that the same
 * strict reading applies and a file can be inspected with less(1). The
 * message follows as raw bytes whose length is in the message_size
 * record, and an end record closes the file; a reader that does not find
 * the end record exactly where message_size says refuses the file.
 *
 * Durability (DESIGN "The queue"): the file is written under tmp/,
 * fsync'd, renamed into incoming/ without replacing anything
 * (RENAME_NOREPLACE), and incoming/ is fsync'd, before commit returns.
 * The recipient state is a single byte at a known offset, so marking a
 * recipient done is one pwrite that cannot tear.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/smtp_addr.h"
#include "proto/smtp_cmd.h"

#include "mail/queue_file.h"
#include "mail/queue_trigger.h"

#define QF_MAGIC      "gannet_queue"
#define QF_SIZE_WIDTH 20
#define QF_WBUF       65536

static const char qf_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

/* ---------------------------------------------------------------------
 * Queue IDs and paths
 */

/* queue_id_make - 11 digits of time, then the inode, base 32 */
void
queue_id_make(int64_t time_us, ino_t ino, char out[QUEUE_ID_MAX + 1])
{
	uint64_t t = (uint64_t)time_us, i = (uint64_t)ino;
	char tmp[16];
	size_t n = 0, k;

	for (k = 0; k < 11; k++) {
		out[10 - k] = qf_alphabet[t & 31];
		t >>= 5;
	}
	do {
		tmp[n++] = qf_alphabet[i & 31];
		i >>= 5;
	} while (i && n < sizeof(tmp));
	for (k = 0; k < n; k++)
		out[11 + k] = tmp[n - 1 - k];
	out[11 + n] = 0;
}

/* queue_id_ok - shape check */
bool
queue_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 12 || n > QUEUE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9')
		        || (s[i] >= 'A' && s[i] <= 'V')))
			return false;
	return true;
}

/* queue_file_path - queue_dir/subdir/id */
void
queue_file_path(
    const char *queue_dir, const char *subdir, const char *id, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s/%s", queue_dir, subdir, id);
}

/* ---------------------------------------------------------------------
 * Envelope helpers
 */

/* queue_env_clear - free everything */
void
queue_env_clear(struct queue_env *env)
{
	for (size_t i = 0; i < env->nrcpt; i++) {
		free(env->rcpt[i].addr);
		free(env->rcpt[i].orig);
		free(env->rcpt[i].orcpt);
	}
	free(env->rcpt);
	free(env->sender);
	free(env->envid);
	free(env->service);
	free(env->protocol);
	free(env->client_addr);
	free(env->client_name);
	free(env->client_helo);
	free(env->auth_user);
	free(env->tls_version);
	free(env->tls_cipher);
	memset(env, 0, sizeof(*env));
}

/* queue_env_add_rcpt - append one recipient */
struct queue_rcpt *
queue_env_add_rcpt(struct queue_env *env, const char *addr, const char *orig,
    const char *orcpt, int notify)
{
	struct queue_rcpt *r;

	/* Grow in powers of two: nrcpt is the only count kept. */
	if ((env->nrcpt & (env->nrcpt - 1)) == 0)
		env->rcpt = xreallocarray(env->rcpt,
		    env->nrcpt ? env->nrcpt * 2 : 1, sizeof(*env->rcpt));
	r = &env->rcpt[env->nrcpt++];
	memset(r, 0, sizeof(*r));
	r->addr = xstrdup(addr);
	r->orig = xstrdup(orig ? orig : addr);
	r->orcpt = xstrdup(orcpt ? orcpt : "");
	r->notify = notify;
	r->state = QUEUE_RCPT_PENDING;
	return r;
}

static const char *const qf_ret_names[] = {"", "FULL", "HDRS"};
static const char *const qf_body_names[] = {
    "", "7BIT", "8BITMIME", "BINARYMIME"};

/* qf_notify_text - NOTIFY bits as text */
static void
qf_notify_text(int bits, struct buf *out)
{
	buf_reset(out);
	if (bits & SMTP_NOTIFY_NEVER)
		buf_cats(out, "NEVER");
	if (bits & SMTP_NOTIFY_SUCCESS)
		buf_cats(out, "SUCCESS,");
	if (bits & SMTP_NOTIFY_FAILURE)
		buf_cats(out, "FAILURE,");
	if (bits & SMTP_NOTIFY_DELAY)
		buf_cats(out, "DELAY,");
	if (buf_len(out) && buf_cstr(out)[buf_len(out) - 1] == ',')
		buf_truncate(out, buf_len(out) - 1);
}

/* qf_notify_parse - text back to bits; -1 when malformed */
static int
qf_notify_parse(const char *s)
{
	static const struct {
		const char *name;
		int bit;
	} names[] = {{"NEVER", SMTP_NOTIFY_NEVER},
	    {"SUCCESS", SMTP_NOTIFY_SUCCESS}, {"FAILURE", SMTP_NOTIFY_FAILURE},
	    {"DELAY", SMTP_NOTIFY_DELAY}};
	int bits = 0;

	if (*s == 0)
		return 0;
	for (;;) {
		size_t n = strcspn(s, ",");
		int bit = 0;

		for (size_t k = 0; k < NELEM(names); k++)
			if (strlen(names[k].name) == n
			    && strncmp(s, names[k].name, n) == 0)
				bit = names[k].bit;
		if (bit == 0 || (bits & bit) || (bits && bit <= bits))
			return -1; /* unknown, repeated or out of order */
		bits |= bit;
		if (s[n] == 0)
			break;
		s += n + 1;
	}
	if ((bits & SMTP_NOTIFY_NEVER) && bits != SMTP_NOTIFY_NEVER)
		return -1;
	return bits;
}

/* ---------------------------------------------------------------------
 * Writer
 */

struct queue_writer {
	int fd;
	char *queue_dir;
	struct buf *tmp_path;
	char id[QUEUE_ID_MAX + 1];
	int64_t arrival_us;
	off_t size_offset; /* where the message_size digits are */
	off_t body_offset;
	off_t body_size;
	off_t file_off; /* bytes written to the file */
	char *wbuf;
	size_t wlen;
	int err; /* sticky errno */
	bool has_env, is_committed;
	bool is_rewrite; /* ID given: commit replaces the old file */
};

/* qw_flush - write out the buffer */
static int
qw_flush(struct queue_writer *qw)
{
	size_t off = 0;

	while (off < qw->wlen && qw->err == 0) {
		ssize_t n = write(qw->fd, qw->wbuf + off, qw->wlen - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			qw->err = n < 0 ? errno : EIO;
			break;
		}
		off += (size_t)n;
	}
	qw->file_off += (off_t)off;
	qw->wlen = 0;
	return qw->err ? -1 : 0;
}

/* qw_write - buffered append */
static int
qw_write(struct queue_writer *qw, const void *p, size_t n)
{
	const char *cp = p;

	if (qw->err)
		return -1;
	while (n > 0) {
		size_t room = QF_WBUF - qw->wlen, take = MIN(room, n);

		memcpy(qw->wbuf + qw->wlen, cp, take);
		qw->wlen += take;
		cp += take;
		n -= take;
		if (qw->wlen == QF_WBUF && qw_flush(qw) < 0)
			return -1;
	}
	return 0;
}

/* queue_writer_create - temporary file and ID */
struct queue_writer *
queue_writer_create(const char *queue_dir, struct buf *why)
{
	static unsigned long seq;
	struct queue_writer *qw;
	struct stat st;
	int64_t now;

	qw = xcalloc(1, sizeof(*qw));
	qw->fd = -1;
	qw->queue_dir = xstrdup(queue_dir);
	qw->tmp_path = buf_new(128);
	now = clock_wall_us();
	buf_printf(qw->tmp_path, "%s/tmp/%ld.%lu.%lld", queue_dir,
	    (long)getpid(), ++seq, (long long)now);
	/* 0640: the group is mail_owner's, which the local delivery agent
	 * keeps to read the message (deliver(8)); nobody else may. */
	qw->fd = open(buf_cstr(qw->tmp_path),
	    O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (qw->fd < 0) {
		buf_printf(why, "create %s: %m", buf_cstr(qw->tmp_path));
		buf_reset(qw->tmp_path);
		queue_writer_free(&qw);
		return NULL;
	}
	if (fstat(qw->fd, &st) < 0) {
		buf_printf(why, "fstat %s: %m", buf_cstr(qw->tmp_path));
		queue_writer_free(&qw);
		return NULL;
	}
	/* The time is taken while we hold the inode, so no other file can
	 * have both the same inode and the same microsecond (see
	 * queue_writer_free for the other half of the argument). */
	qw->arrival_us = clock_wall_us();
	queue_id_make(qw->arrival_us, st.st_ino, qw->id);
	qw->wbuf = xmalloc(QF_WBUF);
	return qw;
}

/* queue_writer_rewrite - temporary file for a new version of a file */
struct queue_writer *
queue_writer_rewrite(const char *queue_dir, const char *queue_id,
    int64_t arrival_us, struct buf *why)
{
	static unsigned long seq;
	struct queue_writer *qw;

	ASSERT(queue_id_ok(queue_id));
	qw = xcalloc(1, sizeof(*qw));
	qw->queue_dir = xstrdup(queue_dir);
	qw->tmp_path = buf_new(128);
	qw->is_rewrite = true;
	buf_printf(qw->tmp_path, "%s/tmp/%s.%ld.%lu", queue_dir, queue_id,
	    (long)getpid(), ++seq);
	qw->fd = open(buf_cstr(qw->tmp_path),
	    O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (qw->fd < 0) {
		buf_printf(why, "create %s: %m", buf_cstr(qw->tmp_path));
		buf_reset(qw->tmp_path);
		queue_writer_free(&qw);
		return NULL;
	}
	snprintf(qw->id, sizeof(qw->id), "%s", queue_id);
	qw->arrival_us = arrival_us;
	qw->wbuf = xmalloc(QF_WBUF);
	return qw;
}

/* queue_writer_id - the ID */
const char *
queue_writer_id(const struct queue_writer *qw)
{
	return qw->id;
}

/* qf_value_ok - a value the reader will accept: UTF-8, no control
 * bytes */
static bool
qf_value_ok(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 32 || *p == 127)
			return false;
	return smtp_utf8_ok(v, strlen(v));
}

/* qf_put - one record, value escaped as in IPC messages */
static void
qf_put(struct buf *b, const char *name, const char *value)
{
	buf_cats(b, name);
	buf_catc(b, '=');
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '%')
			buf_cats(b, "%25");
		else
			buf_catc(b, *p);
	}
	buf_catc(b, '\n');
}

/* qf_put_long - numeric record */
static void
qf_put_long(struct buf *b, const char *name, long long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", v);
	qf_put(b, name, num);
}

/* queue_writer_envelope - the envelope records */
int
queue_writer_envelope(
    struct queue_writer *qw, struct queue_env *env, struct buf *why)
{
	struct buf *b = buf_new(1024), *tmp = buf_new(64);
	const char *strs[] = {env->sender, env->envid, env->service,
	    env->protocol, env->client_addr, env->client_name, env->client_helo,
	    env->auth_user, env->tls_version, env->tls_cipher};
	int ret = -1;

	ASSERT(!qw->has_env);
	snprintf(env->queue_id, sizeof(env->queue_id), "%s", qw->id);
	env->arrival_us = qw->arrival_us;
	for (size_t i = 0; i < NELEM(strs); i++) {
		if (strs[i] && !qf_value_ok(strs[i])) {
			buf_sets(why, "control character in envelope");
			goto out;
		}
	}
	for (size_t i = 0; i < env->nrcpt; i++) {
		if (!qf_value_ok(env->rcpt[i].addr)
		    || !qf_value_ok(env->rcpt[i].orig)
		    || !qf_value_ok(env->rcpt[i].orcpt)) {
			buf_sets(why, "control character in recipient");
			goto out;
		}
	}
	if (env->nrcpt == 0 || env->nrcpt > QUEUE_RCPT_MAX) {
		buf_printf(why, "bad recipient count %zu", env->nrcpt);
		goto out;
	}
#define S(v) ((v) ? (v) : "")
	qf_put_long(b, QF_MAGIC, QUEUE_FILE_VERSION);
	qf_put(b, "queue_id", qw->id);
	qf_put_long(b, "arrival_time", (long long)qw->arrival_us);
	buf_cats(b, "message_size=");
	qw->size_offset = (off_t)buf_len(b);
	buf_cats(b, "00000000000000000000\n");
	qf_put(b, "sender", S(env->sender));
	qf_put(b, "envid", S(env->envid));
	qf_put(b, "ret", qf_ret_names[env->ret]);
	qf_put(b, "body", qf_body_names[env->body]);
	qf_put_long(b, "smtputf8", env->smtputf8);
	qf_put(b, "service", S(env->service));
	qf_put(b, "protocol", S(env->protocol));
	qf_put(b, "client_addr", S(env->client_addr));
	qf_put_long(b, "client_port", env->client_port);
	qf_put(b, "client_name", S(env->client_name));
	qf_put(b, "client_helo", S(env->client_helo));
	qf_put(b, "auth_user", S(env->auth_user));
	qf_put(b, "tls_version", S(env->tls_version));
	qf_put(b, "tls_cipher", S(env->tls_cipher));
	qf_put_long(b, "expanded", env->expanded);
	buf_cats(b, "warned=");
	env->warned_offset = qw->file_off + (off_t)qw->wlen + (off_t)buf_len(b);
	buf_catc(b, env->warned ? '1' : '0');
	buf_catc(b, '\n');
	qf_put_long(b, "rcpt_count", (long long)env->nrcpt);
	for (size_t i = 0; i < env->nrcpt; i++) {
		struct queue_rcpt *r = &env->rcpt[i];
		qf_put(b, "rcpt", r->addr);
		qf_put(b, "rcpt_orig", r->orig);
		qf_put(b, "rcpt_orcpt", S(r->orcpt));
		qf_notify_text(r->notify, tmp);
		qf_put(b, "rcpt_notify", buf_cstr(tmp));
		buf_cats(b, "rcpt_state=");
		r->state_offset =
		    qw->file_off + (off_t)qw->wlen + (off_t)buf_len(b);
		if (r->state == 0
		    || strchr(QUEUE_RCPT_STATES, r->state) == NULL)
			r->state = QUEUE_RCPT_PENDING;
		buf_catc(b, r->state);
		buf_catc(b, '\n');
		if (buf_len(b) >= QF_WBUF) {
			if (qw_write(qw, buf_cstr(b), buf_len(b)) < 0)
				break;
			buf_reset(b);
		}
	}
#undef S
	buf_cats(b, "message=\n");
	if (qw_write(qw, buf_cstr(b), buf_len(b)) < 0 || qw_flush(qw) < 0) {
		buf_printf(why, "write %s: %s", buf_cstr(qw->tmp_path),
		    strerror(qw->err));
		goto out;
	}
	qw->body_offset = qw->file_off;
	qw->has_env = true;
	ret = 0;
out:
	buf_free(&b);
	buf_free(&tmp);
	return ret;
}

/* queue_writer_body - message bytes */
int
queue_writer_body(struct queue_writer *qw, const void *p, size_t n)
{
	ASSERT(qw->has_env);
	if (qw_write(qw, p, n) < 0)
		return -1;
	qw->body_size += (off_t)n;
	return 0;
}

/* queue_writer_size - message bytes so far */
off_t
queue_writer_size(const struct queue_writer *qw)
{
	return qw->body_size;
}

/* queue_writer_commit - make it durable and visible */
int
queue_writer_commit(
    struct queue_writer *qw, const char *subdir, struct buf *why)
{
	struct buf *final = buf_new(128), *dir = buf_new(128);
	char digits[QF_SIZE_WIDTH + 1];
	int ret = -1, dfd = -1;

	ASSERT(qw->has_env && !qw->is_committed);
	buf_printf(final, "end=%s\n", qw->id);
	if (qw_write(qw, buf_cstr(final), buf_len(final)) < 0
	    || qw_flush(qw) < 0) {
		buf_printf(why, "write %s: %s", buf_cstr(qw->tmp_path),
		    strerror(qw->err));
		goto out;
	}
	snprintf(digits, sizeof(digits), "%0*lld", QF_SIZE_WIDTH,
	    (long long)qw->body_size);
	if (pwrite(qw->fd, digits, QF_SIZE_WIDTH, qw->size_offset)
	    != QF_SIZE_WIDTH) {
		buf_printf(why, "write %s: %m", buf_cstr(qw->tmp_path));
		goto out;
	}
	if (fsync(qw->fd) < 0) {
		buf_printf(why, "fsync %s: %m", buf_cstr(qw->tmp_path));
		goto out;
	}
	queue_file_path(qw->queue_dir, subdir, qw->id, final);
	/* Never replace a file that is there: an ID is used once. A
	 * rewrite replaces the old version of its own file, atomically. */
	if (renameat2(AT_FDCWD, buf_cstr(qw->tmp_path), AT_FDCWD,
	        buf_cstr(final), qw->is_rewrite ? 0 : RENAME_NOREPLACE)
	    < 0) {
		buf_printf(why, "rename %s to %s: %m", buf_cstr(qw->tmp_path),
		    buf_cstr(final));
		goto out;
	}
	qw->is_committed = true;
	buf_printf(dir, "%s/%s", qw->queue_dir, subdir);
	dfd = open(buf_cstr(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		/* The file is complete but its name may not survive a
		 * crash: take it back, so that the client retries. */
		buf_printf(why, "fsync %s: %m", buf_cstr(dir));
		if (qw->is_rewrite)
			goto out; /* the new version is complete: keep it */
		if (unlink(buf_cstr(final)) < 0)
			log_warn("%s: remove %s: %m", qw->id, buf_cstr(final));
		goto out;
	}
	ret = 0;
out:
	if (dfd >= 0)
		close(dfd);
	buf_free(&final);
	buf_free(&dir);
	if (ret < 0)
		qw->is_committed = false;
	else
		buf_reset(qw->tmp_path); /* nothing left to remove */
	return ret;
}

/* queue_writer_free - abort or release */
void
queue_writer_free(struct queue_writer **qwp)
{
	struct queue_writer *qw = *qwp;

	if (qw == NULL)
		return;
	if (qw->fd >= 0)
		close(qw->fd);
	if (!qw->is_committed && buf_len(qw->tmp_path) > 0) {
		/* Let the clock pass the microsecond of our ID before the
		 * inode can be reused, so that (time, inode) stays unique. */
		while (!qw->is_rewrite && clock_wall_us() <= qw->arrival_us)
			;
		if (unlink(buf_cstr(qw->tmp_path)) < 0 && errno != ENOENT)
			log_warn("remove %s: %m", buf_cstr(qw->tmp_path));
	}
	buf_free(&qw->tmp_path);
	free(qw->queue_dir);
	free(qw->wbuf);
	free(qw);
	*qwp = NULL;
}

/* ---------------------------------------------------------------------
 * Reader
 */

struct queue_file {
	int fd;
	bool writable;
	struct queue_env env;
};

/* qf_hex - upper-case hex digit value or -1 */
static int
qf_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

struct qf_parser {
	const char *p, *end, *start;
	struct buf *val;
	struct buf *why;
};

/* qf_get - the next record must be name; its decoded value into
 * ps->val; the offset of the value in *voff_out when not NULL */
static int
qf_get(struct qf_parser *ps, const char *name, off_t *voff_out)
{
	size_t nlen = strlen(name);
	const char *nl, *v;

	buf_reset(ps->val);
	nl = memchr(ps->p, '\n', (size_t)(ps->end - ps->p));
	if (nl == NULL) {
		buf_printf(ps->why, "truncated before record %s", name);
		return -1;
	}
	if (nl - ps->p > QUEUE_RECORD_MAX) {
		buf_printf(ps->why, "record %s too long", name);
		return -1;
	}
	if ((size_t)(nl - ps->p) < nlen + 1 || memcmp(ps->p, name, nlen) != 0
	    || ps->p[nlen] != '=') {
		buf_printf(ps->why, "expected record %s at offset %ld", name,
		    (long)(ps->p - ps->start));
		return -1;
	}
	v = ps->p + nlen + 1;
	if (voff_out)
		*voff_out = (off_t)(v - ps->start);
	for (; v < nl; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '%') {
			int hi, lo;

			if (nl - v < 3 || (hi = qf_hex(v[1])) < 0
			    || (lo = qf_hex(v[2])) < 0) {
				buf_printf(ps->why, "bad escape in %s", name);
				return -1;
			}
			c = (unsigned char)(hi * 16 + lo);
			v += 2;
		}
		if (c < 32 || c == 127) {
			buf_printf(ps->why, "control character in %s", name);
			return -1;
		}
		buf_catc(ps->val, c);
	}
	if (!smtp_utf8_ok(buf_cstr(ps->val), buf_len(ps->val))) {
		buf_printf(ps->why, "bad UTF-8 in %s", name);
		return -1;
	}
	ps->p = nl + 1;
	return 0;
}

/* qf_get_str - record into a new string */
static int
qf_get_str(struct qf_parser *ps, const char *name, char **out)
{
	if (qf_get(ps, name, NULL) < 0)
		return -1;
	*out = xstrdup(buf_cstr(ps->val));
	return 0;
}

/* qf_get_num - decimal record within [min, max] */
static int
qf_get_num(struct qf_parser *ps, const char *name, long long min, long long max,
    long long *out)
{
	const char *s;
	long long v = 0;

	if (qf_get(ps, name, NULL) < 0)
		return -1;
	s = buf_cstr(ps->val);
	if (*s == 0 || buf_len(ps->val) > 20)
		goto bad;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (LLONG_MAX - 9) / 10)
			goto bad;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	buf_printf(ps->why, "bad number in %s", name);
	return -1;
}

/* qf_get_addr - record holding a mailbox ("" allowed when null_ok) */
static int
qf_get_addr(struct qf_parser *ps, const char *name, bool null_ok, char **out)
{
	struct smtp_addr a;
	struct buf *err;
	int ret;

	if (qf_get(ps, name, NULL) < 0)
		return -1;
	if (buf_len(ps->val) == 0 && null_ok) {
		*out = xstrdup("");
		return 0;
	}
	err = buf_new(32);
	ret = smtp_addr_parse_mailbox(
	    buf_cstr(ps->val), buf_len(ps->val), SMTP_ADDR_UTF8, &a, err);
	if (ret == 0)
		smtp_addr_clear(&a);
	else
		buf_printf(
		    ps->why, "bad address in %s: %s", name, buf_cstr(err));
	buf_free(&err);
	if (ret < 0)
		return -1;
	*out = xstrdup(buf_cstr(ps->val));
	return 0;
}

/* qf_get_enum - record that is one of names[0..n) */
static int
qf_get_enum(struct qf_parser *ps, const char *name, const char *const *names,
    size_t n, int *out)
{
	if (qf_get(ps, name, NULL) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (buf_eq(ps->val, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	buf_printf(ps->why, "bad value in %s", name);
	return -1;
}

/* qf_parse_env - the envelope, through the "message=" record */
static int
qf_parse_env(const char *data, size_t len, const char *expect_id,
    struct queue_env *env, struct buf *why)
{
	struct qf_parser ps = {data, data + len, data, buf_new(256), why};
	long long n, count, version;
	char *id = NULL;
	int e, ret = -1;

	memset(env, 0, sizeof(*env));
	if (qf_get_num(&ps, QF_MAGIC, 1, QUEUE_FILE_VERSION, &version) < 0)
		goto out;
	if (qf_get_str(&ps, "queue_id", &id) < 0)
		goto out;
	if (!queue_id_ok(id) || (expect_id && strcmp(id, expect_id) != 0)) {
		buf_printf(why, "queue_id %s does not match", id);
		goto out;
	}
	snprintf(env->queue_id, sizeof(env->queue_id), "%s", id);
	if (qf_get_num(&ps, "arrival_time", 0, LLONG_MAX, &n) < 0)
		goto out;
	env->arrival_us = n;
	if (qf_get(&ps, "message_size", NULL) < 0)
		goto out;
	if (buf_len(ps.val) != QF_SIZE_WIDTH
	    || strspn(buf_cstr(ps.val), "0123456789") != QF_SIZE_WIDTH
	    || buf_cstr(ps.val)[0] != '0') {
		buf_sets(why, "bad message_size");
		goto out;
	}
	env->body_size = (off_t)strtoll(buf_cstr(ps.val), NULL, 10);
	if (qf_get_addr(&ps, "sender", true, &env->sender) < 0
	    || qf_get_str(&ps, "envid", &env->envid) < 0)
		goto out;
	if (buf_len(ps.val) > SMTP_ENVID_MAX) {
		buf_sets(why, "envid too long");
		goto out;
	}
	if (qf_get_enum(&ps, "ret", qf_ret_names, NELEM(qf_ret_names), &e) < 0)
		goto out;
	env->ret = (enum smtp_ret)e;
	if (qf_get_enum(&ps, "body", qf_body_names, NELEM(qf_body_names), &e)
	    < 0)
		goto out;
	env->body = (enum smtp_body)e;
	if (qf_get_num(&ps, "smtputf8", 0, 1, &n) < 0)
		goto out;
	env->smtputf8 = n == 1;
	if (qf_get_str(&ps, "service", &env->service) < 0
	    || qf_get_str(&ps, "protocol", &env->protocol) < 0
	    || qf_get_str(&ps, "client_addr", &env->client_addr) < 0
	    || qf_get_num(&ps, "client_port", 0, 65535, &n) < 0)
		goto out;
	env->client_port = (long)n;
	if (qf_get_str(&ps, "client_name", &env->client_name) < 0
	    || qf_get_str(&ps, "client_helo", &env->client_helo) < 0
	    || qf_get_str(&ps, "auth_user", &env->auth_user) < 0
	    || qf_get_str(&ps, "tls_version", &env->tls_version) < 0
	    || qf_get_str(&ps, "tls_cipher", &env->tls_cipher) < 0)
		goto out;
	if (version >= 2) {
		off_t woff;

		if (qf_get_num(&ps, "expanded", 0, 1, &n) < 0)
			goto out;
		env->expanded = n == 1;
		if (qf_get(&ps, "warned", &woff) < 0)
			goto out;
		if (!buf_eq(ps.val, "0") && !buf_eq(ps.val, "1")) {
			buf_sets(why, "bad warned record");
			goto out;
		}
		env->warned = buf_eq(ps.val, "1");
		env->warned_offset = woff;
	}
	if (qf_get_num(&ps, "rcpt_count", 1, QUEUE_RCPT_MAX, &count) < 0)
		goto out;
	for (long long i = 0; i < count; i++) {
		char *addr = NULL, *orig = NULL, *orcpt = NULL;
		struct queue_rcpt *r;
		int bits;
		off_t soff;

		if (qf_get_addr(&ps, "rcpt", false, &addr) < 0
		    || qf_get_str(&ps, "rcpt_orig", &orig) < 0
		    || qf_get_str(&ps, "rcpt_orcpt", &orcpt) < 0) {
			free(addr);
			free(orig);
			goto out;
		}
		r = queue_env_add_rcpt(env, addr, orig, orcpt, 0);
		free(addr);
		free(orig);
		free(orcpt);
		if (*r->orig == 0 || strlen(r->orcpt) > SMTP_ORCPT_MAX
		    || (*r->orcpt && strchr(r->orcpt, ';') == NULL)) {
			buf_printf(why, "bad recipient %lld", i);
			goto out;
		}
		if (qf_get(&ps, "rcpt_notify", NULL) < 0)
			goto out;
		if ((bits = qf_notify_parse(buf_cstr(ps.val))) < 0) {
			buf_printf(why, "bad rcpt_notify of recipient %lld", i);
			goto out;
		}
		r->notify = bits;
		if (qf_get(&ps, "rcpt_state", &soff) < 0)
			goto out;
		if (buf_len(ps.val) != 1
		    || strchr(QUEUE_RCPT_STATES, buf_cstr(ps.val)[0]) == NULL) {
			buf_printf(why, "bad rcpt_state of recipient %lld", i);
			goto out;
		}
		r->state = buf_cstr(ps.val)[0];
		r->state_offset = soff;
	}
	if (qf_get(&ps, "message", NULL) < 0)
		goto out;
	if (buf_len(ps.val) != 0) {
		buf_sets(why, "bad message record");
		goto out;
	}
	env->body_offset = (off_t)(ps.p - data);
	ret = 0;
out:
	free(id);
	buf_free(&ps.val);
	if (ret < 0)
		queue_env_clear(env);
	return ret;
}

/* qf_tail_len - length of the end record */
static size_t
qf_tail_len(const struct queue_env *env)
{
	return 4 + strlen(env->queue_id) + 1;
}

/* qf_tail_ok - the end record is exactly t[0..n) */
static bool
qf_tail_ok(const struct queue_env *env, const char *t, size_t n)
{
	return n == qf_tail_len(env) && memcmp(t, "end=", 4) == 0
	    && memcmp(t + 4, env->queue_id, n - 5) == 0 && t[n - 1] == '\n';
}

/* queue_file_parse - a whole image in memory */
int
queue_file_parse(const char *data, size_t len, const char *expect_id,
    struct queue_env *env, struct buf *why)
{
	if (qf_parse_env(data, len, expect_id, env, why) < 0)
		return -1;
	if ((uint64_t)env->body_size > len - (size_t)env->body_offset
	    || !qf_tail_ok(env, data + env->body_offset + env->body_size,
	        len - (size_t)env->body_offset - (size_t)env->body_size)) {
		buf_sets(why, "truncated or bad end record");
		queue_env_clear(env);
		return -1;
	}
	return 0;
}

/* qf_read_env - read the file until the "message=" record */
static int
qf_read_env(int fd, struct buf *data, struct buf *why)
{
	for (;;) {
		char *p = buf_reserve(data, 65536);
		ssize_t n;
		const char *hit;

		if (p == NULL)
			return -1;
		n = read(fd, p, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			buf_printf(why, "read: %m");
			return -1;
		}
		buf_commit(data, (size_t)n);
		/* Values are escaped, so the first line "message=" is the
		 * real one, whatever the message holds. */
		hit = memmem(buf_cstr(data), buf_len(data), "\nmessage=\n", 10);
		if (hit)
			return 0;
		if (n == 0) {
			buf_sets(why, "truncated envelope");
			return -1;
		}
		if (buf_len(data) > QUEUE_ENV_MAX) {
			buf_sets(why, "envelope too large");
			return -1;
		}
	}
}

/* queue_file_open - open and validate */
struct queue_file *
queue_file_open(const char *path, bool writable, struct buf *why)
{
	struct queue_file *qf = xcalloc(1, sizeof(*qf));
	struct buf *data = buf_new(65536);
	const char *base = strrchr(path, '/');
	char tail[QUEUE_ID_MAX + 8];
	struct stat st;
	size_t tlen;
	int saved_errno = EINVAL;

	base = base ? base + 1 : path;
	qf->writable = writable;
	qf->fd =
	    open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
	if (qf->fd < 0) {
		saved_errno = errno;
		buf_printf(why, "open %s: %m", path);
		goto bad;
	}
	if (fstat(qf->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		buf_printf(why, "%s: not a regular file", path);
		goto bad;
	}
	if (qf_read_env(qf->fd, data, why) < 0
	    || qf_parse_env(buf_cstr(data), buf_len(data), base, &qf->env, why)
	        < 0) {
		buf_printf(why, " (%s)", path);
		goto bad;
	}
	tlen = qf_tail_len(&qf->env);
	if (qf->env.body_size > st.st_size
	    || qf->env.body_offset + qf->env.body_size + (off_t)tlen
	        != st.st_size
	    || pread(
	           qf->fd, tail, tlen, qf->env.body_offset + qf->env.body_size)
	        != (ssize_t)tlen
	    || !qf_tail_ok(&qf->env, tail, tlen)) {
		buf_printf(why, "%s: truncated or bad end record", path);
		goto bad;
	}
	buf_free(&data);
	return qf;
bad:
	buf_free(&data);
	queue_file_close(&qf);
	errno = saved_errno;
	return NULL;
}

/* queue_file_env - the envelope */
const struct queue_env *
queue_file_env(const struct queue_file *qf)
{
	return &qf->env;
}

/* queue_file_fd - the descriptor */
int
queue_file_fd(const struct queue_file *qf)
{
	return qf->fd;
}

/* queue_file_read_body - message bytes */
ssize_t
queue_file_read_body(struct queue_file *qf, off_t off, void *p, size_t n)
{
	ssize_t r;

	if (off < 0 || off > qf->env.body_size)
		return -1;
	if ((off_t)n > qf->env.body_size - off)
		n = (size_t)(qf->env.body_size - off);
	if (n == 0)
		return 0;
	do
		r = pread(qf->fd, p, n, qf->env.body_offset + off);
	while (r < 0 && errno == EINTR);
	return r;
}

/* queue_file_set_state - one byte, in place */
int
queue_file_set_state(
    struct queue_file *qf, size_t i, char state, struct buf *why)
{
	if (!qf->writable || i >= qf->env.nrcpt || state == 0
	    || strchr(QUEUE_RCPT_STATES, state) == NULL) {
		buf_sets(why, "bad state change");
		return -1;
	}
	if (pwrite(qf->fd, &state, 1, qf->env.rcpt[i].state_offset) != 1
	    || fdatasync(qf->fd) < 0) {
		buf_printf(
		    why, "%s: update recipient %zu: %m", qf->env.queue_id, i);
		return -1;
	}
	qf->env.rcpt[i].state = state;
	return 0;
}

/* queue_file_set_warned - one byte, in place */
int
queue_file_set_warned(struct queue_file *qf, struct buf *why)
{
	char one = '1';

	if (!qf->writable || qf->env.warned_offset == 0) {
		buf_sets(why, "cannot record the delay warning");
		return -1;
	}
	if (pwrite(qf->fd, &one, 1, qf->env.warned_offset) != 1
	    || fdatasync(qf->fd) < 0) {
		buf_printf(why, "%s: update warned: %m", qf->env.queue_id);
		return -1;
	}
	qf->env.warned = true;
	return 0;
}

/* queue_file_pending - recipients not done */
size_t
queue_file_pending(const struct queue_file *qf)
{
	size_t n = 0;

	for (size_t i = 0; i < qf->env.nrcpt; i++)
		if (qf->env.rcpt[i].state == QUEUE_RCPT_PENDING)
			n++;
	return n;
}

/* queue_file_close - close and free */
void
queue_file_close(struct queue_file **qfp)
{
	struct queue_file *qf = *qfp;

	if (qf == NULL)
		return;
	if (qf->fd >= 0)
		close(qf->fd);
	queue_env_clear(&qf->env);
	free(qf);
	*qfp = NULL;
}

/* ---------------------------------------------------------------------
 * Queue-wide helpers
 */

/* queue_count - messages waiting */
long
queue_count(const char *queue_dir, long stop_after)
{
	static const char *const dirs[] = {
	    "incoming", "active", "deferred", "hold"};
	struct buf *path = buf_new(128);
	long n = 0;

	for (size_t i = 0; i < NELEM(dirs); i++) {
		DIR *d;
		struct dirent *de;

		buf_reset(path);
		buf_printf(path, "%s/%s", queue_dir, dirs[i]);
		if ((d = opendir(buf_cstr(path))) == NULL) {
			if (errno == ENOENT)
				continue;
			buf_free(&path);
			return -1;
		}
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (++n > stop_after && stop_after > 0)
				break;
		}
		closedir(d);
		if (n > stop_after && stop_after > 0)
			break;
	}
	buf_free(&path);
	return n;
}

/* queue_wake - tell the queue manager there is new mail (one "W" on its
 * trigger socket, queue_trigger.h); a queue manager that is not running
 * finds the mail when it starts, so failure is silent */
void
queue_wake(const char *queue_dir)
{
	struct buf *why = buf_new(64);

	(void)queue_trigger_qmgr(
	    queue_dir, QUEUE_TRIGGER_WAKE, strlen(QUEUE_TRIGGER_WAKE), why);
	buf_free(&why);
}

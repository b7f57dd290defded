/*
 * pickup.c - the local submission service: take the files that the
 * sendmail command leaves in $queue_directory/maildrop and turn each into
 * a queue file in incoming/, the way smtpd does for mail from the
 * network (pickup(8)).
 *
 * pickup runs as mail_owner, one process (maxproc 1), woken by the
 * master every few seconds and by sendmail through public/pickup; each
 * wake-up scans the whole directory. A maildrop file was written by an
 * untrusted local user: it is opened without following links, must be a
 * plain file with one link, is parsed strictly (maildrop.h) and checked
 * against the same limits as SMTP mail. The user is the file's owner,
 * never what the file says. A file that fails is logged and moved aside
 * to corrupt/maildrop-NAME; a failure of our own (the queue cannot be
 * written) leaves the file for the next scan.
 *
 * Order: the queue file is committed (fsync'd, renamed, directory
 * fsync'd) before the maildrop file is removed, so a crash in between
 * can only duplicate a message, never lose one.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "proto/smtp_addr.h"

#include "mail/maildrop.h"
#include "mail/params.h"
#include "mail/params_pickup.h"
#include "mail/params_smtpd.h"
#include "mail/queue_file.h"
#include "mail/service.h"

/* The envelope records of a maildrop file are small; this bounds them. */
#define PICKUP_ENVELOPE_MAX (MAILDROP_RCPT_MAX * 300L + 65536)

/* What one file turned into; the scratch buffers are reused. */
struct pickup_state {
	struct buf *data; /* the whole maildrop file */
	struct buf *why;
	struct buf *path;
	struct buf *line; /* one output line */
};

static struct pickup_state pk;

/* pickup_date - "Mon, 7 Dec 2026 10:00:00 +0000" */
static void
pickup_date(struct buf *out)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_cats(out, date);
}

/* pickup_addr - qualify ("user" -> "user@$myorigin") and check an
 * address; a new string, or NULL with why */
static char *
pickup_addr(const char *addr, bool *utf8_out, struct buf *why)
{
	struct smtp_addr a = {0};
	struct buf *b = buf_new(64);
	char *out = NULL;

	if (*addr == 0) {
		buf_free(&b);
		return xstrdup("");
	}
	buf_cats(b, addr);
	if (strchr(addr, '@') == NULL)
		buf_printf(b, "@%s", var_myorigin);
	if (smtp_addr_parse_mailbox(
	        buf_cstr(b), buf_len(b), SMTP_ADDR_UTF8, &a, why)
	    == 0) {
		out = xstrdup(a.addr);
		if (a.is_utf8)
			*utf8_out = true;
	}
	smtp_addr_clear(&a);
	buf_free(&b);
	return out;
}

/* pickup_field_name_is - the line starts header field name: */
static bool
pickup_field_name_is(const char *p, size_t len, const char *name)
{
	size_t n = strlen(name);

	return len > n && strncasecmp(p, name, n) == 0 && p[n] == ':';
}

/* pickup_is_field - the line starts a header field */
static bool
pickup_is_field(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':';
}

/* pickup_emit - one line of the message, without its line end, as one
 * or more CRLF lines of at most line_length_limit bytes (long lines are
 * split, as Postfix does); a bare CR becomes a space, so that no CR can
 * end a line for a later SMTP server */
static void
pickup_emit(struct queue_writer *qw, const char *p, size_t len)
{
	size_t max = (size_t)var_line_length_limit - 2;

	do {
		size_t n = MIN(len, max);

		buf_reset(pk.line);
		buf_cat(pk.line, p, n);
		for (size_t i = 0; i < n; i++)
			if (buf_data(pk.line)[i] == '\r')
				buf_data(pk.line)[i] = ' ';
		buf_cats(pk.line, "\r\n");
		queue_writer_body(qw, buf_cstr(pk.line), buf_len(pk.line));
		p += n;
		len -= n;
	} while (len > 0);
}

/* pickup_missing - the headers Postfix's cleanup adds to local mail
 * when they are missing */
static void
pickup_missing(struct queue_writer *qw, const struct maildrop *md,
    bool has_from, bool has_date, bool has_msgid)
{
	struct buf *b = buf_new(256);

	if (!has_msgid) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		buf_printf(b, "Message-ID: <%s.%s@%s>\r\n", stamp,
		    queue_writer_id(qw), var_myhostname);
	}
	if (!has_date) {
		buf_cats(b, "Date: ");
		pickup_date(b);
		buf_cats(b, "\r\n");
	}
	if (!has_from) {
		const char *s = *md->sender ? md->sender : "MAILER-DAEMON";

		if (md->fullname && *md->fullname) {
			/* A quoted string, so that any text is safe. */
			buf_cats(b, "From: \"");
			for (const char *p = md->fullname; *p; p++) {
				if (*p == '"' || *p == '\\')
					buf_catc(b, '\\');
				buf_catc(b, *p);
			}
			buf_printf(b, "\" <%s>\r\n", s);
		} else
			buf_printf(b, "From: %s\r\n", s);
	}
	queue_writer_body(qw, buf_cstr(b), buf_len(b));
	buf_free(&b);
}

/* pickup_message - the message, CRLF, with our Received: first and the
 * missing headers at the end of the header */
static void
pickup_message(struct queue_writer *qw, const struct maildrop *md,
    const char *msg, size_t len, uid_t uid)
{
	const char *p = msg, *end = msg + len;
	bool in_header = true, has_from = false, has_date = false;
	bool has_msgid = false, seen_field = false;
	struct buf *b = buf_new(256);

	buf_printf(b, "Received: by %s (Gannet, from userid %ld)\r\n\tid %s; ",
	    var_myhostname, (long)uid, queue_writer_id(qw));
	pickup_date(b);
	buf_cats(b, "\r\n");
	queue_writer_body(qw, buf_cstr(b), buf_len(b));
	buf_free(&b);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *next = nl ? nl + 1 : end;

		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (in_header) {
			if (n == 0) {
				pickup_missing(
				    qw, md, has_from, has_date, has_msgid);
				in_header = false;
			} else if ((p[0] == ' ' || p[0] == '\t')
			    && seen_field) {
				; /* a continuation line */
			} else if (pickup_is_field(p, n)) {
				seen_field = true;
				has_from |= pickup_field_name_is(p, n, "from");
				has_date |= pickup_field_name_is(p, n, "date");
				has_msgid |=
				    pickup_field_name_is(p, n, "message-id");
			} else {
				/* The body starts without an empty line:
				 * add one, so that ours stay headers. */
				pickup_missing(
				    qw, md, has_from, has_date, has_msgid);
				queue_writer_body(qw, "\r\n", 2);
				in_header = false;
			}
		}
		pickup_emit(qw, p, n);
		p = next;
	}
	if (in_header) {
		pickup_missing(qw, md, has_from, has_date, has_msgid);
		queue_writer_body(qw, "\r\n", 2);
	}
}

/* pickup_enqueue - a parsed maildrop file into incoming/; 0, or -1 with
 * why; *is_bad_out tells a bad file from a failure of ours */
static int
pickup_enqueue(const struct maildrop *md, const char *msg, uid_t uid,
    bool *is_bad_out, struct buf *qid_out)
{
	struct queue_env env = {0};
	struct queue_writer *qw = NULL;
	struct maildrop_limits lim = {var_message_size_limit,
	    var_header_size_limit, var_header_count_limit};
	char *a;
	int ret = -1;

	*is_bad_out = true;
	if (maildrop_check_message(msg, md->msg_len, &lim, pk.why) < 0)
		goto out;
	if ((env.sender = pickup_addr(md->sender, &env.smtputf8, pk.why))
	    == NULL) {
		buf_printf(pk.why, " (sender %.100s)", md->sender);
		goto out;
	}
	for (size_t i = 0; i < md->rcpt.n; i++) {
		if ((a = pickup_addr(md->rcpt.v[i], &env.smtputf8, pk.why))
		    == NULL) {
			buf_printf(
			    pk.why, " (recipient %.100s)", md->rcpt.v[i]);
			goto out;
		}
		queue_env_add_rcpt(&env, a, md->rcpt.v[i], NULL, md->notify);
		free(a);
	}
	env.envid = xstrdup(md->envid ? md->envid : "");
	env.ret = md->ret;
	env.body = md->body;
	env.service = xstrdup("pickup");
	env.protocol = xstrdup("local");
	env.client_addr = xstrdup("");
	env.client_name = xstrdup("localhost");
	env.client_helo = xstrdup("");
	env.auth_user = xstrdup("");
	env.tls_version = xstrdup("");
	env.tls_cipher = xstrdup("");

	*is_bad_out = false;
	buf_reset(pk.why);
	if ((qw = queue_writer_create(var_queue_dir, pk.why)) == NULL)
		goto out;
	if (queue_writer_envelope(qw, &env, pk.why) < 0) {
		*is_bad_out = true; /* a value the queue file refuses */
		goto out;
	}
	pickup_message(qw, md, msg, md->msg_len, uid);
	buf_sets(qid_out, queue_writer_id(qw));
	if (queue_writer_commit(qw, QUEUE_INCOMING, pk.why) < 0)
		goto out;
	log_info(
	    "%s: uid=%ld from=<%s>", buf_cstr(qid_out), (long)uid, env.sender);
	ret = 0;
out:
	queue_writer_free(&qw);
	queue_env_clear(&env);
	return ret;
}

/* pickup_set_aside - move a bad file to corrupt/maildrop-NAME */
static void
pickup_set_aside(int dfd, const char *name, const char *reason)
{
	struct buf *to = buf_new(256);

	buf_printf(to, "%s/corrupt/maildrop-%s", var_queue_dir, name);
	if (renameat(dfd, name, AT_FDCWD, buf_cstr(to)) < 0) {
		log_warn("maildrop/%s: %s; cannot move it to %s (%m), removed",
		    name, reason, buf_cstr(to));
		(void)unlinkat(dfd, name, 0);
	} else
		log_warn(
		    "maildrop/%s: %s; moved to %s", name, reason, buf_cstr(to));
	buf_free(&to);
}

/* pickup_file - one maildrop file; true when something was queued */
static bool
pickup_file(int dfd, const char *name)
{
	struct maildrop md;
	struct stat st;
	struct buf *qid = buf_new(32);
	long cap = PICKUP_ENVELOPE_MAX
	    + (var_message_size_limit > 0 ? var_message_size_limit
	                                  : 1024L * 1024 * 1024);
	bool is_bad = false, queued = false;
	int fd;

	maildrop_init(&md);
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			goto out; /* gone meanwhile */
		if (errno == ELOOP) {
			pickup_set_aside(dfd, name, "a symbolic link");
			goto out;
		}
		log_warn("maildrop/%s: open: %m", name);
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		log_warn("maildrop/%s: fstat: %m", name);
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		pickup_set_aside(dfd, name, "not a plain file with one link");
		goto out;
	}
	if (st.st_size > cap) {
		buf_reset(pk.why);
		buf_printf(pk.why, "file too large (%lld bytes)",
		    (long long)st.st_size);
		pickup_set_aside(dfd, name, buf_cstr(pk.why));
		goto out;
	}
	buf_reset(pk.data);
	{
		char *p = buf_reserve(pk.data, (size_t)st.st_size);
		size_t got = 0;

		while (got < (size_t)st.st_size) {
			ssize_t n = read(fd, p + got, (size_t)st.st_size - got);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		buf_commit(pk.data, got);
	}
	if (maildrop_parse(buf_cstr(pk.data), buf_len(pk.data), &md, pk.why)
	    < 0) {
		pickup_set_aside(dfd, name, buf_cstr(pk.why));
		goto out;
	}
	if (pickup_enqueue(
	        &md, buf_cstr(pk.data) + md.msg_offset, st.st_uid, &is_bad, qid)
	    < 0) {
		if (is_bad)
			pickup_set_aside(dfd, name, buf_cstr(pk.why));
		else
			log_warn("maildrop/%s: queue file: %s (will try "
			         "again)",
			    name, buf_cstr(pk.why));
		goto out;
	}
	queued = true;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
		log_error("%s: remove maildrop/%s: %m (the message may be "
		          "queued twice)",
		    buf_cstr(qid), name);
out:
	if (fd >= 0)
		close(fd);
	maildrop_clear(&md);
	buf_free(&qid);
	return queued;
}

/* pickup_stale - remove an unfinished ".name" file left long ago */
static void
pickup_stale(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (time(NULL) - st.st_mtime < var_maildrop_stale_time)
		return;
	if (unlinkat(dfd, name, 0) == 0)
		log_warn("maildrop/%s: removed an unfinished file of uid %ld",
		    name, (long)st.st_uid);
}

/* pickup_scan - every file in maildrop/ */
static void
pickup_scan(void)
{
	DIR *d;
	struct dirent *de;
	int dfd, n = 0;

	buf_reset(pk.path);
	buf_printf(pk.path, "%s/maildrop", var_queue_dir);
	if ((d = opendir(buf_cstr(pk.path))) == NULL) {
		log_warn("open %s: %m", buf_cstr(pk.path));
		return;
	}
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0
		    || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.') {
			pickup_stale(dfd, de->d_name);
			continue;
		}
		if (pickup_file(dfd, de->d_name))
			n++;
	}
	closedir(d);
	if (n > 0)
		queue_wake(var_queue_dir);
}

/* pickup_post_jail - buffers, and mail that waited while we were down */
static void
pickup_post_jail(void)
{
	pk.data = buf_new(65536);
	pk.why = buf_new(256);
	pk.path = buf_new(256);
	pk.line = buf_new(1024);
	pickup_scan();
}

/* pickup_serve - a wake-up (master's timer, or sendmail): scan */
static void
pickup_serve(const struct service_client *client)
{
	struct stream *s = stream_open(dup(client->fd));
	char tmp[64];

	/* The request is one byte or so; what it says does not matter. */
	stream_set_timeout_ms(s, 200);
	(void)stream_read(s, tmp, sizeof(tmp));
	stream_close(&s);
	pickup_scan();
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .post_jail = pickup_post_jail,
	    .serve = pickup_serve,
	};

	return service_main(argc, argv, "pickup", &hooks);
}

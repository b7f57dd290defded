/*
 * autoreply.c - automatic replies of an account (see autoreply.h).
 *
 * The decision and the reply text are pure functions, so that the rules
 * are unit-tested without a queue; autoreply_handle() adds the I/O: the
 * header from the queue file, the memory in a Berkeley DB owned by the
 * queue manager, and the reply committed into incoming/.
 *
 * The memory is consulted (and written) before the reply is queued: when
 * the reply cannot be written after that, one reply is lost, which is
 * better than the other order, where a failing memory would answer every
 * message of a chatty sender.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/base64.h"
#include "proto/rfc5322.h"

#include "mail/accounts.h"
#include "mail/autoreply.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_deliver.h"
#include "mail/queue_file.h"

#define AUTOREPLY_FIELDS_MAX  1000 /* header fields looked at */
#define AUTOREPLY_SUBJECT_MAX 800  /* bytes of the original subject kept */
#define AUTOREPLY_REFS_MAX    10   /* message IDs kept in References: */
#define AUTOREPLY_PRUNE_KEY   "\001pruned"

/* autoreply_verdict_text - for a log line */
const char *
autoreply_verdict_text(enum autoreply_verdict v)
{
	switch (v) {
	case AUTOREPLY_SEND:
		return "reply due";
	case AUTOREPLY_OFF:
		return "auto-reply is off";
	case AUTOREPLY_NULL_SENDER:
		return "null sender";
	case AUTOREPLY_DAEMON:
		return "sender is a mailer daemon or a list robot";
	case AUTOREPLY_SELF:
		return "sender is the account itself";
	case AUTOREPLY_AUTO:
		return "message is automatic (Auto-Submitted)";
	case AUTOREPLY_LIST:
		return "message comes from a mailing list (List-*)";
	case AUTOREPLY_BULK:
		return "message is bulk mail (Precedence)";
	case AUTOREPLY_RECENT:
		return "already replied to this sender within autoreply_period";
	}
	return "?";
}

/* autoreply_is_daemon - the sender's local part names a robot */
static bool
autoreply_is_daemon(const char *sender)
{
	static const char *const exact[] = {"mailer-daemon", "listserv",
	    "majordomo", "noreply", "no-reply", "do-not-reply", "donotreply"};
	static const char *const suffix[] = {
	    "-owner", "-request", "-bounces", "-bounce"};
	const char *at = strrchr(sender, '@');
	size_t n = at ? (size_t)(at - sender) : strlen(sender);
	char local[256];

	if (n >= sizeof(local))
		return false;
	memcpy(local, sender, n);
	local[n] = 0;
	str_lower(local);
	for (size_t i = 0; i < NELEM(exact); i++)
		if (strcmp(local, exact[i]) == 0)
			return true;
	if (str_has_prefix(local, "owner-"))
		return true;
	for (size_t i = 0; i < NELEM(suffix); i++)
		if (str_has_suffix(local, suffix[i]))
			return true;
	return false;
}

/* autoreply_value - the unfolded, trimmed value of a field into out */
static void
autoreply_value(const struct rfc5322_field *f, struct buf *out)
{
	buf_reset(out);
	rfc5322_unfold(f->value, f->value_len, true, out);
}

/* autoreply_first_word - the value up to ';', '(' or blank, lower case */
static void
autoreply_first_word(struct buf *v)
{
	char *p = buf_data(v);
	size_t n = strcspn(p, "; \t(");

	buf_truncate(v, n);
	str_lower(buf_data(v));
}

/* autoreply_header_verdict - the rules on header fields */
static enum autoreply_verdict
autoreply_header_verdict(const struct rfc5322_header *h)
{
	struct buf *v = buf_new(64);
	enum autoreply_verdict ret = AUTOREPLY_SEND;

	for (size_t i = 0; i < h->n && ret == AUTOREPLY_SEND; i++) {
		const struct rfc5322_field *f = &h->v[i];

		if (f->name_len > 5 && strncasecmp(f->name, "List-", 5) == 0) {
			ret = AUTOREPLY_LIST;
		} else if (rfc5322_field_is(f, "Auto-Submitted")) {
			autoreply_value(f, v);
			autoreply_first_word(v);
			if (strcmp(buf_cstr(v), "no") != 0)
				ret = AUTOREPLY_AUTO;
		} else if (rfc5322_field_is(f, "X-Auto-Response-Suppress")) {
			/* Exchange: "All" or "OOF" asks for no out-of-office
			 * reply */
			autoreply_value(f, v);
			str_lower(buf_data(v));
			if (strstr(buf_cstr(v), "all")
			    || strstr(buf_cstr(v), "oof"))
				ret = AUTOREPLY_AUTO;
		} else if (rfc5322_field_is(f, "Precedence")) {
			autoreply_value(f, v);
			autoreply_first_word(v);
			if (strcmp(buf_cstr(v), "bulk") == 0
			    || strcmp(buf_cstr(v), "list") == 0
			    || strcmp(buf_cstr(v), "junk") == 0)
				ret = AUTOREPLY_BULK;
		}
	}
	buf_free(&v);
	return ret;
}

/* autoreply_decide - every rule but the memory */
enum autoreply_verdict
autoreply_decide(const struct accounts_user *u, const char *sender,
    const char *header, size_t len, time_t now)
{
	struct rfc5322_header h;
	enum autoreply_verdict ret;

	if (!u->autoreply || (u->ar_until != 0 && now > u->ar_until))
		return AUTOREPLY_OFF;
	if (sender == NULL || *sender == 0)
		return AUTOREPLY_NULL_SENDER;
	if (autoreply_is_daemon(sender))
		return AUTOREPLY_DAEMON;
	if (str_eq_ci(sender, u->address))
		return AUTOREPLY_SELF;
	memset(&h, 0, sizeof(h));
	rfc5322_header_parse(
	    header, rfc5322_header_len(header, len), AUTOREPLY_FIELDS_MAX, &h);
	ret = autoreply_header_verdict(&h);
	rfc5322_header_free(&h);
	return ret;
}

/* autoreply_is_ascii - no byte above 127 */
static bool
autoreply_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s > 127)
			return false;
	return true;
}

/* autoreply_clean_line - s without control characters (a header line
 * must not be broken by CR or LF from the account's settings) */
static void
autoreply_clean_line(const char *s, struct buf *out)
{
	buf_reset(out);
	for (; *s; s++)
		buf_catc(out, (unsigned char)*s < ' ' || *s == 0x7f ? ' ' : *s);
}

/* autoreply_encode_words - RFC 2047 "=?UTF-8?B?...?=" words for a UTF-8
 * text, each at most 45 input bytes and never splitting a character */
static void
autoreply_encode_words(const char *s, struct buf *out)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t n = len - i < 45 ? len - i : 45;

		/* do not end inside a multi-byte character */
		while (i + n < len && n > 0
		    && ((unsigned char)s[i + n] & 0xC0) == 0x80)
			n--;
		if (n == 0)
			n = len - i < 45 ? len - i : 45;
		if (i > 0)
			buf_cats(out, "\r\n ");
		buf_cats(out, "=?UTF-8?B?");
		base64_encode(s + i, n, out);
		buf_cats(out, "?=");
		i += n;
	}
}

/* autoreply_subject - the Subject: value into out */
static void
autoreply_subject(const struct accounts_user *u, const struct rfc5322_header *h,
    struct buf *out)
{
	struct buf *v = buf_new(128), *clean = buf_new(128);
	const struct rfc5322_field *f;

	buf_reset(out);
	if (u->ar_subject && *u->ar_subject) {
		autoreply_clean_line(u->ar_subject, clean);
		if (autoreply_is_ascii(buf_cstr(clean)))
			buf_cats(out, buf_cstr(clean));
		else
			autoreply_encode_words(buf_cstr(clean), out);
		goto out;
	}
	if ((f = rfc5322_header_get(h, "Subject")) != NULL)
		autoreply_value(f, v);
	if (buf_len(v) > AUTOREPLY_SUBJECT_MAX)
		buf_truncate(v, AUTOREPLY_SUBJECT_MAX);
	autoreply_clean_line(buf_cstr(v), clean);
	/* The original's own bytes, encoded words included, are kept. */
	if (buf_len(clean) == 0)
		buf_cats(out, "Re: (no subject)");
	else if (str_has_prefix_ci(buf_cstr(clean), "Re:"))
		buf_cats(out, buf_cstr(clean));
	else
		buf_printf(out, "Re: %s", buf_cstr(clean));
out:
	buf_free(&v);
	buf_free(&clean);
}

/* autoreply_date - an RFC 5322 date of t (UTC) into out */
static void
autoreply_date(time_t t, struct buf *out)
{
	struct tm tm;
	char s[64];

	gmtime_r(&t, &tm);
	if (strftime(s, sizeof(s), "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		s[0] = 0;
	buf_cats(out, s);
}

/* autoreply_build - the reply message */
void
autoreply_build(const struct accounts_user *u, const char *sender,
    const char *header, size_t len, time_t now, const char *message_id,
    struct buf *out)
{
	struct rfc5322_header h;
	struct buf *v = buf_new(256);
	struct strv ids, refs;
	const struct rfc5322_field *f;
	const char *text = u->ar_text ? u->ar_text : "";

	memset(&h, 0, sizeof(h));
	strv_init(&ids);
	strv_init(&refs);
	rfc5322_header_parse(
	    header, rfc5322_header_len(header, len), AUTOREPLY_FIELDS_MAX, &h);
	buf_reset(out);
	buf_printf(out, "From: <%s>\r\nTo: <%s>\r\n", u->address, sender);
	autoreply_subject(u, &h, v);
	buf_printf(out, "Subject: %s\r\nDate: ", buf_cstr(v));
	autoreply_date(now, out);
	buf_printf(out, "\r\nMessage-ID: <%s>\r\n", message_id);
	if ((f = rfc5322_header_get(&h, "Message-ID")) != NULL)
		rfc5322_msgids(f->value, f->value_len, 1, &ids);
	if ((f = rfc5322_header_get(&h, "References")) != NULL)
		rfc5322_msgids(f->value, f->value_len, 1000, &refs);
	else if ((f = rfc5322_header_get(&h, "In-Reply-To")) != NULL)
		rfc5322_msgids(f->value, f->value_len, 1000, &refs);
	if (ids.n > 0 && strlen(ids.v[0]) < 900) {
		size_t first;

		buf_printf(out, "In-Reply-To: %s\r\nReferences:", ids.v[0]);
		/* RFC 5322 3.6.4: the parent's References and its
		 * Message-ID; only the last few, so the line stays short */
		first = refs.n > AUTOREPLY_REFS_MAX - 1
		    ? refs.n - (AUTOREPLY_REFS_MAX - 1)
		    : 0;
		for (size_t i = first; i < refs.n; i++)
			if (strlen(refs.v[i]) < 900)
				buf_printf(out, " %s\r\n", refs.v[i]);
		buf_printf(out, " %s\r\n", ids.v[0]);
	}
	buf_cats(out,
	    "Auto-Submitted: auto-replied\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=UTF-8\r\n");
	buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
	    autoreply_is_ascii(text) ? "7bit" : "8bit");
	/* The text with CRLF line ends, ending with one. */
	for (const char *p = text; *p; p++) {
		if (*p == '\r')
			continue;
		if (*p == '\n')
			buf_catc(out, '\r');
		buf_catc(out, *p);
	}
	if (*text && text[strlen(text) - 1] != '\n')
		buf_cats(out, "\r\n");
	rfc5322_header_free(&h);
	strv_free(&ids);
	strv_free(&refs);
	buf_free(&v);
}

/* Pruning context. */
struct autoreply_prune {
	struct bdb *db;
	time_t oldest;
	long removed;
};

/* autoreply_prune_one - remove a record older than the period */
static int
autoreply_prune_one(const char *key, const char *value, void *ctx)
{
	struct autoreply_prune *p = ctx;
	long t;

	if (*key == '\001')
		return 0;
	if (str_parse_long(value, 0, LONG_MAX, &t) < 0 || t < p->oldest) {
		if (bdb_del(p->db, key, NULL) > 0)
			p->removed++;
	}
	return 0;
}

/* autoreply_remember - the once-per-sender memory */
int
autoreply_remember(const char *db_path, const char *account, const char *sender,
    time_t now, long period, struct buf *why)
{
	struct bdb *db;
	struct buf *key = buf_new(128), *v = buf_new(32);
	char num[32];
	long t;
	int found, ret = -1;

	if ((db = bdb_open(db_path, why)) == NULL)
		goto out;
	buf_printf(key, "%s %s", account, sender);
	str_lower(buf_data(key));
	if ((found = bdb_get(db, buf_cstr(key), v, why)) < 0)
		goto out;
	if (found && str_parse_long(buf_cstr(v), 0, LONG_MAX, &t) == 0
	    && t <= (long)now && (long)now - t < period) {
		ret = 1;
		goto out;
	}
	snprintf(num, sizeof(num), "%lld", (long long)now);
	if (bdb_put(db, buf_cstr(key), num, why) < 0)
		goto out;
	/* Now and then (once a period), forget what is too old to matter. */
	buf_reset(v);
	if (bdb_get(db, AUTOREPLY_PRUNE_KEY, v, NULL) <= 0
	    || str_parse_long(buf_cstr(v), 0, LONG_MAX, &t) < 0
	    || (long)now - t >= MAX(period, 3600)) {
		struct autoreply_prune p = {db, now - period, 0};

		if (bdb_walk(db, autoreply_prune_one, &p, NULL) == 0
		    && p.removed > 0)
			log_info("autoreply: forgot %ld old record(s) in %s",
			    p.removed, db_path);
		(void)bdb_put(db, AUTOREPLY_PRUNE_KEY, num, NULL);
	}
	if (bdb_sync(db, why) < 0)
		goto out;
	ret = 0;
out:
	bdb_close(&db);
	buf_free(&key);
	buf_free(&v);
	return ret;
}

/* autoreply_read_header - the message's header from the queue file */
static int
autoreply_read_header(struct queue_file *qf, struct buf *out, struct buf *why)
{
	const struct queue_env *env = queue_file_env(qf);
	char chunk[8192];
	off_t off = 0;

	buf_reset(out);
	while (off < env->body_size && buf_len(out) < AUTOREPLY_HEADER_MAX) {
		size_t want = sizeof(chunk);
		ssize_t n;

		if ((off_t)want > env->body_size - off)
			want = (size_t)(env->body_size - off);
		if ((n = queue_file_read_body(qf, off, chunk, want)) < 0) {
			buf_printf(
			    why, "read queue file %s: %m", env->queue_id);
			return -1;
		}
		if (n == 0)
			break;
		buf_cat(out, chunk, (size_t)n);
		off += n;
		if (strstr(buf_cstr(out), "\n\r\n")
		    || strstr(buf_cstr(out), "\n\n"))
			break;
	}
	if (buf_len(out) > AUTOREPLY_HEADER_MAX)
		buf_truncate(out, AUTOREPLY_HEADER_MAX);
	return 0;
}

/* autoreply_queue - write the reply into incoming/ and wake qmgr */
static int
autoreply_queue(const struct accounts_user *u, const char *sender,
    const struct buf *header, struct buf *qid_out, struct buf *why)
{
	struct queue_writer *qw;
	struct queue_env env;
	struct buf *msg = buf_new(1024), *mid = buf_new(64);
	int ret = -1;

	memset(&env, 0, sizeof(env));
	if ((qw = queue_writer_create(var_queue_dir, why)) == NULL)
		goto out;
	env.sender = xstrdup("");
	env.envid = xstrdup("");
	env.service = xstrdup("autoreply");
	env.protocol = xstrdup("local");
	env.client_addr = xstrdup("");
	env.client_name = xstrdup("localhost");
	env.client_helo = xstrdup("");
	env.auth_user = xstrdup("");
	env.tls_version = xstrdup("");
	env.tls_cipher = xstrdup("");
	env.smtputf8 = !autoreply_is_ascii(sender);
	env.body = autoreply_is_ascii(u->ar_text ? u->ar_text : "")
	    ? SMTP_BODY_7BIT
	    : SMTP_BODY_8BITMIME;
	(void)queue_env_add_rcpt(&env, sender, sender, NULL, SMTP_NOTIFY_NEVER);
	buf_printf(mid, "%s.autoreply@%s", queue_writer_id(qw), var_myhostname);
	autoreply_build(u, sender, buf_cstr(header), buf_len(header),
	    time(NULL), buf_cstr(mid), msg);
	if (queue_writer_envelope(qw, &env, why) < 0)
		goto out;
	(void)queue_writer_body(qw, buf_cstr(msg), buf_len(msg));
	if (queue_writer_commit(qw, QUEUE_INCOMING, why) < 0)
		goto out;
	if (qid_out)
		buf_sets(qid_out, queue_writer_id(qw));
	queue_wake(var_queue_dir);
	ret = 0;
out:
	queue_env_clear(&env);
	queue_writer_free(&qw);
	buf_free(&msg);
	buf_free(&mid);
	return ret;
}

/* autoreply_handle - decide, remember, queue */
int
autoreply_handle(const struct accounts_user *u, struct queue_file *qf,
    const char *sender, struct buf *qid_out, struct buf *why)
{
	struct buf *hdr = buf_new(4096), *db = buf_new(128);
	enum autoreply_verdict v;
	time_t now = time(NULL);
	int ret = -1, seen;

	if (!u->autoreply) {
		buf_sets(why, autoreply_verdict_text(AUTOREPLY_OFF));
		ret = 0;
		goto out;
	}
	if (autoreply_read_header(qf, hdr, why) < 0)
		goto out;
	v = autoreply_decide(u, sender, buf_cstr(hdr), buf_len(hdr), now);
	if (v != AUTOREPLY_SEND) {
		buf_sets(why, autoreply_verdict_text(v));
		ret = 0;
		goto out;
	}
	if (var_autoreply_period > 0) {
		buf_printf(db, "%s/autoreply.db", var_data_dir);
		seen = autoreply_remember(buf_cstr(db), u->address, sender, now,
		    var_autoreply_period, why);
		if (seen < 0)
			goto out;
		if (seen > 0) {
			buf_sets(why, autoreply_verdict_text(AUTOREPLY_RECENT));
			ret = 0;
			goto out;
		}
	}
	if (autoreply_queue(u, sender, hdr, qid_out, why) < 0)
		goto out;
	ret = 1;
out:
	buf_free(&hdr);
	buf_free(&db);
	return ret;
}

/*
 * maildrop.c - the maildrop file format (maildrop.h).
 *
 * The parser is strict because its input comes from any local user:
 * every record is known, every number is bounded, and the message must
 * be exactly as long as the size record says.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/maildrop.h"

/* maildrop_init - an empty envelope */
void
maildrop_init(struct maildrop *md)
{
	/* An all-zero strv is an empty one (strv_push starts it). */
	memset(md, 0, sizeof(*md));
}

/* maildrop_clear - free everything */
void
maildrop_clear(struct maildrop *md)
{
	free(md->sender);
	free(md->fullname);
	free(md->envid);
	strv_free(&md->rcpt);
	memset(md, 0, sizeof(*md));
}

/* maildrop_value_ok - a value fits on one record line */
static bool
maildrop_value_ok(const char *s)
{
	if (strlen(s) > MAILDROP_RECORD_MAX)
		return false;
	for (; *s; s++)
		if (*s == '\n' || *s == '\r')
			return false;
	return true;
}

/* maildrop_format - the envelope records */
int
maildrop_format(
    const struct maildrop *md, size_t msg_len, struct buf *out, struct buf *why)
{
	const char *sender = md->sender ? md->sender : "";

	buf_reset(out);
	if (!maildrop_value_ok(sender)
	    || (md->fullname && !maildrop_value_ok(md->fullname))
	    || (md->envid && !maildrop_value_ok(md->envid))) {
		buf_sets(why,
		    "line break in, or too long: sender, full name "
		    "or envelope ID");
		return -1;
	}
	if (md->rcpt.n == 0) {
		buf_sets(why, "no recipients");
		return -1;
	}
	if (md->rcpt.n > MAILDROP_RCPT_MAX) {
		buf_reset(why);
		buf_printf(why, "too many recipients (more than %d)",
		    MAILDROP_RCPT_MAX);
		return -1;
	}
	buf_printf(out, "%s\nsender %s\n", MAILDROP_MAGIC, sender);
	if (md->fullname && *md->fullname)
		buf_printf(out, "fullname %s\n", md->fullname);
	for (size_t i = 0; i < md->rcpt.n; i++) {
		if (!maildrop_value_ok(md->rcpt.v[i]) || !*md->rcpt.v[i]) {
			buf_reset(why);
			buf_printf(why, "bad recipient address: %.100s",
			    md->rcpt.v[i]);
			return -1;
		}
		buf_printf(out, "rcpt %s\n", md->rcpt.v[i]);
	}
	if (md->notify)
		buf_printf(out, "notify %d\n", md->notify);
	if (md->ret != SMTP_RET_NONE)
		buf_printf(out, "ret %s\n",
		    md->ret == SMTP_RET_FULL ? "FULL" : "HDRS");
	if (md->envid && *md->envid)
		buf_printf(out, "envid %s\n", md->envid);
	if (md->body == SMTP_BODY_7BIT || md->body == SMTP_BODY_8BITMIME)
		buf_printf(out, "body %s\n",
		    md->body == SMTP_BODY_7BIT ? "7BIT" : "8BITMIME");
	buf_printf(out, "size %zu\n\n", msg_len);
	return 0;
}

/* maildrop_bad - set why, return -1 */
static int
maildrop_bad(struct buf *why, const char *what, const char *key, size_t klen)
{
	buf_reset(why);
	if (key)
		buf_printf(why, "%s: %.*s", what, (int)MIN(klen, 40), key);
	else
		buf_cats(why, what);
	return -1;
}

/* maildrop_parse - strict reader */
int
maildrop_parse(
    const char *data, size_t len, struct maildrop *md, struct buf *why)
{
	const char *p = data, *end = data + len;
	bool has_sender = false, has_size = false;
	unsigned long size = 0;
	size_t lineno = 0;

	maildrop_clear(md);
	for (;;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *sp, *val;
		size_t llen, klen;
		char *v;

		if (nl == NULL)
			return maildrop_bad(why, "truncated envelope", NULL, 0);
		llen = (size_t)(nl - p);
		/* key, space, value of at most MAILDROP_RECORD_MAX */
		if (llen > MAILDROP_RECORD_MAX + 16)
			return maildrop_bad(
			    why, "envelope record too long", NULL, 0);
		if (memchr(p, 0, llen) != NULL || memchr(p, '\r', llen))
			return maildrop_bad(why,
			    "control character in "
			    "envelope",
			    NULL, 0);
		if (lineno++ == 0) {
			if (llen != strlen(MAILDROP_MAGIC)
			    || memcmp(p, MAILDROP_MAGIC, llen) != 0)
				return maildrop_bad(why,
				    "not a maildrop file (bad first line)",
				    NULL, 0);
			p = nl + 1;
			continue;
		}
		if (llen == 0) {
			p = nl + 1;
			break;
		}
		if ((sp = memchr(p, ' ', llen)) == NULL)
			return maildrop_bad(why, "malformed record", p, llen);
		klen = (size_t)(sp - p);
		val = sp + 1;
		if ((size_t)(nl - val) > MAILDROP_RECORD_MAX)
			return maildrop_bad(
			    why, "envelope record too long", NULL, 0);
		v = xstrndup(val, (size_t)(nl - val));
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(p, k, klen) == 0)
		if (KEY("sender") && !has_sender) {
			md->sender = v, v = NULL;
			has_sender = true;
		} else if (KEY("fullname") && md->fullname == NULL) {
			md->fullname = v, v = NULL;
		} else if (KEY("rcpt") && *v) {
			if (md->rcpt.n >= MAILDROP_RCPT_MAX) {
				free(v);
				return maildrop_bad(
				    why, "too many recipients", NULL, 0);
			}
			strv_push(&md->rcpt, v);
		} else if (KEY("notify")) {
			long n;

			if (str_parse_long(v, 1, 15, &n) < 0) {
				free(v);
				return maildrop_bad(why, "bad notify", p, llen);
			}
			md->notify = (int)n;
		} else if (KEY("ret") && strcmp(v, "FULL") == 0) {
			md->ret = SMTP_RET_FULL;
		} else if (KEY("ret") && strcmp(v, "HDRS") == 0) {
			md->ret = SMTP_RET_HDRS;
		} else if (KEY("envid") && md->envid == NULL) {
			md->envid = v, v = NULL;
		} else if (KEY("body") && strcmp(v, "7BIT") == 0) {
			md->body = SMTP_BODY_7BIT;
		} else if (KEY("body") && strcmp(v, "8BITMIME") == 0) {
			md->body = SMTP_BODY_8BITMIME;
		} else if (KEY("size") && !has_size) {
			if (str_parse_ulong(v, (unsigned long)LONG_MAX, &size)
			    < 0) {
				free(v);
				return maildrop_bad(why, "bad size", p, llen);
			}
			has_size = true;
		} else {
			free(v);
			return maildrop_bad(
			    why, "unknown or repeated record", p, llen);
		}
#undef KEY
		free(v);
		p = nl + 1;
	}
	if (!has_sender)
		return maildrop_bad(why, "no sender record", NULL, 0);
	if (md->rcpt.n == 0)
		return maildrop_bad(why, "no recipients", NULL, 0);
	if (!has_size)
		return maildrop_bad(why, "no size record", NULL, 0);
	if ((size_t)(end - p) != size) {
		buf_reset(why);
		buf_printf(why, "message is %zu bytes, size record says %lu",
		    (size_t)(end - p), size);
		return -1;
	}
	md->msg_offset = (size_t)(p - data);
	md->msg_len = size;
	return 0;
}

/* maildrop_check_message - size, header size and header count */
int
maildrop_check_message(const char *msg, size_t len,
    const struct maildrop_limits *lim, struct buf *why)
{
	const char *p = msg, *end = msg + len;
	long count = 0;
	size_t field = 0;

	if (lim->size > 0 && len > (size_t)lim->size) {
		buf_reset(why);
		buf_printf(why,
		    "message too large: %zu bytes, message_size_limit is %ld",
		    len, lim->size);
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t llen = nl ? (size_t)(nl - p) : (size_t)(end - p);
		size_t i = 0;

		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break; /* end of the header */
		if ((p[0] == ' ' || p[0] == '\t') && count > 0) {
			field += llen;
		} else {
			while (
			    i < llen && p[i] > 32 && p[i] < 127 && p[i] != ':')
				i++;
			if (i == 0 || i >= llen || p[i] != ':')
				break; /* not a header: the body starts */
			if (++count > lim->header_count) {
				buf_reset(why);
				buf_printf(why,
				    "too many header fields: more than %ld "
				    "(header_count_limit)",
				    lim->header_count);
				return -1;
			}
			field = llen;
		}
		if (lim->header_size > 0 && field > (size_t)lim->header_size) {
			buf_reset(why);
			buf_printf(why,
			    "header field too long: over %ld bytes "
			    "(header_size_limit)",
			    lim->header_size);
			return -1;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

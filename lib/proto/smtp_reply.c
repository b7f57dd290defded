/*
 * smtp_reply.c - SMTP reply and EHLO capability parsing (see
 * smtp_reply.h). Nothing here trusts the server: every line is checked
 * before it is stored, and nothing is stored beyond the caller's limits.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "proto/smtp_reply.h"

/* smtp_reply_init - empty reply */
void
smtp_reply_init(struct smtp_reply *r)
{
	memset(r, 0, sizeof(*r));
	strv_init(&r->text);
	r->raw = buf_new(128);
}

/* smtp_reply_reset - ready for the next reply */
void
smtp_reply_reset(struct smtp_reply *r)
{
	r->code = 0;
	r->dsn[0] = 0;
	r->has_dsn = false;
	r->done = false;
	strv_free(&r->text);
	buf_reset(r->raw);
}

/* smtp_reply_free - release */
void
smtp_reply_free(struct smtp_reply *r)
{
	strv_free(&r->text);
	buf_free(&r->raw);
}

/* smtp_reply_dsn - "X.Y.Z" at p, with X the class digit; its length or 0 */
static size_t
smtp_reply_dsn(const char *p, size_t len, char class)
{
	size_t i = 0;

	if (len < 5 || p[0] != class || p[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t n = 0;

		while (i < len && isdigit((unsigned char)p[i]) && n < 4)
			i++, n++;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0) {
			if (i >= len || p[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < len && p[i] != ' ')
		return 0;
	return i;
}

/* smtp_reply_line - one line of a reply */
int
smtp_reply_line(struct smtp_reply *r, const char *line, size_t len,
    size_t max_lines, struct buf *why)
{
	char sep;
	int code;
	struct buf *clean;
	size_t dlen;

	if (r->done)
		smtp_reply_reset(r);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 3 || line[0] < '2' || line[0] > '5'
	    || !isdigit((unsigned char)line[1])
	    || !isdigit((unsigned char)line[2])
	    || (len > 3 && line[3] != ' ' && line[3] != '-')) {
		buf_printf(why, "malformed reply line");
		return -1;
	}
	if (r->text.n >= max_lines) {
		buf_printf(why, "reply has more than %zu lines", max_lines);
		return -1;
	}
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	sep = len > 3 ? line[3] : ' ';
	clean = buf_new(len + 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		buf_catc(clean, c < 0x20 || c == 0x7f ? '?' : c);
	}
	if (buf_len(r->raw))
		buf_catc(r->raw, '\n');
	buf_cat(r->raw, buf_cstr(clean), len);
	strv_push(&r->text, len > 4 ? buf_cstr(clean) + 4 : "");
	if (r->text.n == 1) {
		const char *t = len > 4 ? buf_cstr(clean) + 4 : "";

		dlen = smtp_reply_dsn(t, strlen(t), line[0]);
		if (dlen > 0 && dlen < sizeof(r->dsn)) {
			memcpy(r->dsn, t, dlen);
			r->dsn[dlen] = 0;
			r->has_dsn = true;
		}
	}
	buf_free(&clean);
	if (sep == '-')
		return 0;
	r->code = code;
	r->done = true;
	/* The enhanced code must agree with the final code's class. */
	if (r->has_dsn && r->dsn[0] != line[0])
		r->has_dsn = false;
	if (!r->has_dsn)
		snprintf(r->dsn, sizeof(r->dsn), "%c.0.0", line[0]);
	return 1;
}

/* smtp_reply_oneline - lines joined with a space */
void
smtp_reply_oneline(const struct smtp_reply *r, struct buf *out)
{
	const char *p = buf_cstr(r->raw);

	for (; *p; p++)
		buf_catc(out, *p == '\n' ? ' ' : *p);
}

/* smtp_reply_class - first digit */
int
smtp_reply_class(const struct smtp_reply *r)
{
	return r->done ? r->code / 100 : 0;
}

/* smtp_ehlo_init - no capabilities */
void
smtp_ehlo_init(struct smtp_ehlo *e)
{
	memset(e, 0, sizeof(*e));
	strv_init(&e->auth);
}

/* smtp_ehlo_free - release */
void
smtp_ehlo_free(struct smtp_ehlo *e)
{
	strv_free(&e->auth); /* leaves an empty vector, nothing allocated */
	e->ext = 0;
	e->size_limit = 0;
	e->server[0] = 0;
}

/* smtp_ehlo_auth - add mechanisms from "AUTH A B" or "AUTH=A B" */
static void
smtp_ehlo_auth(struct smtp_ehlo *e, const struct strv *words)
{
	for (size_t i = 1; i < words->n && e->auth.n < 32; i++) {
		char *m = str_lower(words->v[i]);

		for (char *p = m; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (strlen(m) <= 20 && !strv_contains(&e->auth, m))
			strv_push(&e->auth, m);
	}
	e->ext |= SMTP_EXT_AUTH;
}

/* smtp_ehlo_parse - capabilities, one per line after the first */
void
smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e)
{
	static const struct {
		const char *word;
		unsigned int flag;
	} words[] = {
	    {"PIPELINING", SMTP_EXT_PIPELINING},
	    {"8BITMIME", SMTP_EXT_8BITMIME},
	    {"SMTPUTF8", SMTP_EXT_SMTPUTF8},
	    {"DSN", SMTP_EXT_DSN},
	    {"STARTTLS", SMTP_EXT_STARTTLS},
	    {"ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDCODES},
	    {"CHUNKING", SMTP_EXT_CHUNKING},
	};

	smtp_ehlo_free(e);
	if (r->text.n > 0) {
		const char *t = r->text.v[0];
		size_t n = strcspn(t, " ");

		if (n >= sizeof(e->server))
			n = sizeof(e->server) - 1;
		memcpy(e->server, t, n);
		e->server[n] = 0;
	}
	for (size_t i = 1; i < r->text.n; i++) {
		struct strv w;

		strv_init(&w);
		strv_split(&w, r->text.v[i], " \t=");
		if (w.n == 0) {
			strv_free(&w);
			continue;
		}
		for (size_t k = 0; k < NELEM(words); k++)
			if (str_eq_ci(w.v[0], words[k].word))
				e->ext |= words[k].flag;
		if (str_eq_ci(w.v[0], "SIZE")) {
			unsigned long n = 0;

			e->ext |= SMTP_EXT_SIZE;
			if (w.n > 1
			    && str_parse_ulong(
			           w.v[1], (unsigned long)LONG_MAX, &n)
			        == 0)
				e->size_limit = (long)n;
		} else if (str_eq_ci(w.v[0], "AUTH")) {
			smtp_ehlo_auth(e, &w);
		}
		strv_free(&w);
	}
}

/*
 * rfc5322.c - header fields, addresses, dates, message identifiers and
 * base subjects (see rfc5322.h). The address parser is a small tokenizer
 * and a forgiving grammar: real headers are full of almost-addresses, and
 * an IMAP client would rather see a best guess than nothing.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/rfc5322.h"

/* line_end - the end of the line at p (after its LF), or end */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl + 1 : end;
}

/* is_blank_line - "\r\n" or "\n" (or "\r" at the very end) */
static bool
is_blank_line(const char *p, const char *e)
{
	return (e - p == 1 && p[0] == '\n')
	    || (e - p == 2 && p[0] == '\r' && p[1] == '\n');
}

/* rfc5322_header_len - through the first empty line */
size_t
rfc5322_header_len(const char *data, size_t len)
{
	const char *p = data, *end = data + len;

	while (p < end) {
		const char *e = line_end(p, end);

		if (is_blank_line(p, e))
			return (size_t)(e - data);
		p = e;
	}
	return len;
}

/* rfc5322_header_parse - split into fields */
void
rfc5322_header_parse(
    const char *data, size_t len, size_t max_fields, struct rfc5322_header *out)
{
	const char *p = data, *end;
	struct rfc5322_field *cur = NULL;

	out->n = 0;
	out->len = rfc5322_header_len(data, len);
	end = data + out->len;
	while (p < end) {
		const char *e = line_end(p, end), *colon, *ne;

		if (is_blank_line(p, e))
			break;
		if (*p == ' ' || *p == '\t') {
			/* a continuation line */
			if (cur) {
				cur->raw_len = (size_t)(e - cur->raw);
				cur->value_len = (size_t)(e - cur->value);
			}
			p = e;
			continue;
		}
		cur = NULL;
		colon = memchr(p, ':', (size_t)(e - p));
		ne = colon;
		while (ne && ne > p && (ne[-1] == ' ' || ne[-1] == '\t'))
			ne--;
		if (colon == NULL || ne == p || out->n >= max_fields) {
			p = e;
			continue;
		}
		for (const char *c = p; c < ne; c++)
			if ((unsigned char)*c <= 32
			    || (unsigned char)*c >= 127) {
				ne = NULL;
				break;
			}
		if (ne == NULL) {
			p = e;
			continue;
		}
		if (out->n == out->alloc) {
			out->alloc = out->alloc ? out->alloc * 2 : 32;
			out->v =
			    xreallocarray(out->v, out->alloc, sizeof(*out->v));
		}
		cur = &out->v[out->n++];
		cur->name = p;
		cur->name_len = (size_t)(ne - p);
		cur->value = colon + 1;
		cur->value_len = (size_t)(e - cur->value);
		cur->raw = p;
		cur->raw_len = (size_t)(e - p);
		p = e;
	}
	/* values end before their final line break */
	for (size_t i = 0; i < out->n; i++) {
		struct rfc5322_field *f = &out->v[i];

		if (f->value_len && f->value[f->value_len - 1] == '\n')
			f->value_len--;
		if (f->value_len && f->value[f->value_len - 1] == '\r')
			f->value_len--;
	}
}

void
rfc5322_header_free(struct rfc5322_header *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

/* rfc5322_field_is - name comparison */
bool
rfc5322_field_is(const struct rfc5322_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && strncasecmp(f->name, name, n) == 0;
}

/* rfc5322_header_get - first field by name */
const struct rfc5322_field *
rfc5322_header_get(const struct rfc5322_header *h, const char *name)
{
	for (size_t i = 0; i < h->n; i++)
		if (rfc5322_field_is(&h->v[i], name))
			return &h->v[i];
	return NULL;
}

/* rfc5322_unfold - drop CR and LF of folded lines */
void
rfc5322_unfold(const char *v, size_t len, bool trim, struct buf *out)
{
	size_t start = buf_len(out);

	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\r' || v[i] == '\n')
			continue;
		if (trim && buf_len(out) == start
		    && (v[i] == ' ' || v[i] == '\t'))
			continue;
		buf_catc(out, v[i]);
	}
	if (trim) {
		const char *d = buf_cstr(out);
		size_t n = buf_len(out);

		while (n > start && (d[n - 1] == ' ' || d[n - 1] == '\t'))
			n--;
		buf_truncate(out, n);
	}
}

/* ------------------------------------------------------------------ */
/* Addresses */

enum tok_type { T_END, T_ATOM, T_QSTRING, T_DLITERAL, T_SPECIAL };

struct addr_lexer {
	const char *p, *end;
	enum tok_type type;
	char special;
	struct buf *text;    /* the token's text */
	struct buf *comment; /* the last comment seen before the token */
};

/* is_atext - atom characters, '.' included (dot-atom and obs-phrase) */
static bool
is_atext(unsigned char c)
{
	if (c <= 32 || c == 127)
		return false;
	return strchr("()<>@,;:\\\"[]", c) == NULL;
}

/* lex_comment - skip a (nested) comment, keeping its text */
static void
lex_comment(struct addr_lexer *lx)
{
	int depth = 0;

	buf_reset(lx->comment);
	while (lx->p < lx->end) {
		char c = *lx->p++;

		if (c == '\\' && lx->p < lx->end) {
			buf_catc(lx->comment, *lx->p++);
			continue;
		}
		if (c == '(') {
			if (depth++ > 0)
				buf_catc(lx->comment, c);
			continue;
		}
		if (c == ')') {
			if (--depth == 0)
				return;
			buf_catc(lx->comment, c);
			continue;
		}
		if (c != '\r' && c != '\n')
			buf_catc(lx->comment, c);
	}
}

/* lex_next - the next token */
static void
lex_next(struct addr_lexer *lx)
{
	buf_reset(lx->text);
	for (;;) {
		while (lx->p < lx->end
		    && (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r'
		        || *lx->p == '\n'))
			lx->p++;
		if (lx->p < lx->end && *lx->p == '(') {
			lex_comment(lx);
			continue;
		}
		break;
	}
	if (lx->p >= lx->end) {
		lx->type = T_END;
		return;
	}
	if (*lx->p == '"') {
		lx->p++;
		while (lx->p < lx->end && *lx->p != '"') {
			if (*lx->p == '\\' && lx->p + 1 < lx->end)
				lx->p++;
			if (*lx->p != '\r' && *lx->p != '\n')
				buf_catc(lx->text, *lx->p);
			lx->p++;
		}
		if (lx->p < lx->end)
			lx->p++;
		lx->type = T_QSTRING;
		return;
	}
	if (*lx->p == '[') {
		while (lx->p < lx->end && *lx->p != ']') {
			if (*lx->p != '\r' && *lx->p != '\n')
				buf_catc(lx->text, *lx->p);
			lx->p++;
		}
		buf_catc(lx->text, ']');
		if (lx->p < lx->end)
			lx->p++;
		lx->type = T_DLITERAL;
		return;
	}
	if (is_atext((unsigned char)*lx->p)) {
		while (lx->p < lx->end && is_atext((unsigned char)*lx->p))
			buf_catc(lx->text, *lx->p++);
		lx->type = T_ATOM;
		return;
	}
	lx->type = T_SPECIAL;
	lx->special = *lx->p++;
}

/* addr_push - a new entry (strings copied, NULL kept) */
static void
addr_push(struct rfc5322_addr_list *out, size_t max, const char *name,
    const char *route, const char *mailbox, const char *host)
{
	struct rfc5322_addr *a;

	if (out->n >= max)
		return;
	if (out->n == out->alloc) {
		out->alloc = out->alloc ? out->alloc * 2 : 8;
		out->v = xreallocarray(out->v, out->alloc, sizeof(*out->v));
	}
	a = &out->v[out->n++];
	a->name = name ? xstrdup(name) : NULL;
	a->route = route ? xstrdup(route) : NULL;
	a->mailbox = mailbox ? xstrdup(mailbox) : NULL;
	a->host = host ? xstrdup(host) : NULL;
}

/* parse_domain - atoms and literals up to a special */
static void
parse_domain(struct addr_lexer *lx, struct buf *dom)
{
	buf_reset(dom);
	while (lx->type == T_ATOM || lx->type == T_DLITERAL
	    || (lx->type == T_SPECIAL && lx->special == '.')) {
		if (lx->type == T_SPECIAL)
			buf_catc(dom, '.');
		else
			buf_cat(dom, buf_cstr(lx->text), buf_len(lx->text));
		lex_next(lx);
	}
}

/* parse_angle - after '<': [route ':'] local '@' domain '>' */
static void
parse_angle(struct addr_lexer *lx, struct rfc5322_addr_list *out, size_t max,
    const char *name)
{
	struct buf *route = buf_new(32), *local = buf_new(64);
	struct buf *dom = buf_new(64);

	lex_next(lx);
	/* obsolete route: "@a,@b:" */
	while (lx->type == T_SPECIAL
	    && (lx->special == '@' || lx->special == ',')) {
		if (lx->special == '@') {
			lex_next(lx);
			parse_domain(lx, dom);
			if (buf_len(route))
				buf_catc(route, ',');
			buf_printf(route, "@%s", buf_cstr(dom));
		} else
			lex_next(lx);
	}
	if (buf_len(route) && lx->type == T_SPECIAL && lx->special == ':')
		lex_next(lx);
	while (lx->type == T_ATOM || lx->type == T_QSTRING
	    || (lx->type == T_SPECIAL && lx->special == '.')) {
		if (lx->type == T_SPECIAL)
			buf_catc(local, '.');
		else
			buf_cat(local, buf_cstr(lx->text), buf_len(lx->text));
		lex_next(lx);
	}
	buf_reset(dom);
	if (lx->type == T_SPECIAL && lx->special == '@') {
		lex_next(lx);
		parse_domain(lx, dom);
	}
	/* skip to the closing '>' */
	while (
	    lx->type != T_END && !(lx->type == T_SPECIAL && lx->special == '>'))
		lex_next(lx);
	if (lx->type != T_END)
		lex_next(lx);
	if (buf_len(local) || buf_len(dom))
		addr_push(out, max, name,
		    buf_len(route) ? buf_cstr(route) : NULL, buf_cstr(local),
		    buf_len(dom) ? buf_cstr(dom) : RFC5322_MISSING_HOST);
	buf_free(&route);
	buf_free(&local);
	buf_free(&dom);
}

/* parse_mailbox - one mailbox (or a group when allowed); returns false
 * at a ';' that ends a group, or the end */
static bool
parse_mailbox(struct addr_lexer *lx, struct rfc5322_addr_list *out, size_t max,
    bool in_group)
{
	struct buf *phrase = buf_new(64), *local = buf_new(64);
	struct buf *dom = buf_new(64), *comment = buf_new(32);
	bool more = true, joined_dot = false;

	/* words: a display name, or the local part of a bare address */
	while (lx->type == T_ATOM || lx->type == T_QSTRING
	    || (lx->type == T_SPECIAL && lx->special == '.')) {
		if (lx->type == T_SPECIAL) {
			buf_catc(phrase, '.');
			buf_catc(local, '.');
			joined_dot = true;
		} else {
			if (buf_len(phrase) && !joined_dot)
				buf_catc(phrase, ' ');
			buf_cat(phrase, buf_cstr(lx->text), buf_len(lx->text));
			buf_cat(local, buf_cstr(lx->text), buf_len(lx->text));
			joined_dot = false;
		}
		lex_next(lx);
	}
	if (lx->type == T_SPECIAL && lx->special == '<') {
		parse_angle(
		    lx, out, max, buf_len(phrase) ? buf_cstr(phrase) : NULL);
	} else if (lx->type == T_SPECIAL && lx->special == ':' && !in_group) {
		/* a group */
		addr_push(out, max, NULL, NULL, buf_cstr(phrase), NULL);
		lex_next(lx);
		for (;;) {
			if (lx->type == T_END)
				break;
			if (lx->type == T_SPECIAL && lx->special == ';') {
				lex_next(lx);
				break;
			}
			if (lx->type == T_SPECIAL && lx->special == ',') {
				lex_next(lx);
				continue;
			}
			if (!parse_mailbox(lx, out, max, true))
				break;
		}
		addr_push(out, max, NULL, NULL, NULL, NULL);
	} else if (lx->type == T_SPECIAL && lx->special == '@') {
		/* addr-spec; a comment after it is the name ("a@b (Name)") */
		buf_reset(lx->comment);
		lex_next(lx);
		parse_domain(lx, dom);
		buf_set(comment, buf_cstr(lx->comment), buf_len(lx->comment));
		addr_push(out, max, buf_len(comment) ? buf_cstr(comment) : NULL,
		    NULL, buf_cstr(local),
		    buf_len(dom) ? buf_cstr(dom) : RFC5322_MISSING_HOST);
	} else if (buf_len(local)) {
		/* a bare word: a local part without a domain */
		addr_push(out, max, NULL, NULL, buf_cstr(local),
		    RFC5322_MISSING_HOST);
	}
	if (lx->type == T_SPECIAL && lx->special == ';' && in_group)
		more = false;
	else if (lx->type == T_END)
		more = false;
	else if (!(lx->type == T_SPECIAL && lx->special == ',')) {
		/* junk: skip to the next comma (or group end) */
		while (lx->type != T_END
		    && !(lx->type == T_SPECIAL
		        && (lx->special == ','
		            || (in_group && lx->special == ';'))))
			lex_next(lx);
		if (lx->type == T_END || (in_group && lx->special == ';'))
			more = false;
	}
	buf_free(&phrase);
	buf_free(&local);
	buf_free(&dom);
	buf_free(&comment);
	return more;
}

/* rfc5322_addr_parse - an address list */
void
rfc5322_addr_parse(
    const char *s, size_t len, size_t max, struct rfc5322_addr_list *out)
{
	struct addr_lexer lx = {.p = s, .end = s + len};

	lx.text = buf_new(64);
	lx.comment = buf_new(32);
	lex_next(&lx);
	while (lx.type != T_END && out->n < max) {
		if (lx.type == T_SPECIAL
		    && (lx.special == ',' || lx.special == ';'
		        || lx.special == '>' || lx.special == ':')) {
			lex_next(&lx);
			continue;
		}
		(void)parse_mailbox(&lx, out, max, false);
		if (lx.type == T_SPECIAL && lx.special == ',')
			lex_next(&lx);
	}
	buf_free(&lx.text);
	buf_free(&lx.comment);
}

/* rfc5322_addr_list_free - free entries */
void
rfc5322_addr_list_free(struct rfc5322_addr_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].route);
		free(l->v[i].mailbox);
		free(l->v[i].host);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------ */
/* Dates */

/* date_skip - white space and comments */
static const char *
date_skip(const char *p, const char *end)
{
	int depth = 0;

	while (p < end) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r'
		    && *p != '\n')
			break;
		p++;
	}
	return p;
}

/* date_num - up to max digits */
static const char *
date_num(const char *p, const char *end, int max, int *out, int *ndigits)
{
	int v = 0, n = 0;

	while (p < end && n < max && isdigit((unsigned char)*p)) {
		v = v * 10 + (*p - '0');
		p++;
		n++;
	}
	*out = v;
	*ndigits = n;
	return p;
}

/* rfc5322_date_parse - a date-time */
int
rfc5322_date_parse(const char *s, size_t len, time_t *out, int *tz_out)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	static const struct {
		const char *name;
		int minutes;
	} zones[] = {
	    {"UT", 0},
	    {"UTC", 0},
	    {"GMT", 0},
	    {"Z", 0},
	    {"EST", -300},
	    {"EDT", -240},
	    {"CST", -360},
	    {"CDT", -300},
	    {"MST", -420},
	    {"MDT", -360},
	    {"PST", -480},
	    {"PDT", -420},
	};
	const char *p = s, *end = s + len;
	struct tm tm;
	int day, year, hh, mm, ss = 0, n, mon = -1, tz = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	p = date_skip(p, end);
	/* optional day of week */
	if (p < end && isalpha((unsigned char)*p)) {
		while (p < end && isalpha((unsigned char)*p))
			p++;
		p = date_skip(p, end);
		if (p < end && *p == ',')
			p++;
		p = date_skip(p, end);
	}
	p = date_num(p, end, 2, &day, &n);
	if (n == 0 || day < 1 || day > 31)
		return -1;
	p = date_skip(p, end);
	if (end - p < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(p, months + i * 3, 3) == 0)
			mon = i;
	if (mon < 0)
		return -1;
	p += 3;
	while (p < end && isalpha((unsigned char)*p))
		p++; /* "September" */
	p = date_skip(p, end);
	p = date_num(p, end, 4, &year, &n);
	if (n == 0)
		return -1;
	if (n <= 2)
		year += year < 50 ? 2000 : 1900;
	else if (n == 3)
		year += 1900;
	p = date_skip(p, end);
	p = date_num(p, end, 2, &hh, &n);
	if (n == 0 || p >= end || *p != ':')
		return -1;
	p = date_num(p + 1, end, 2, &mm, &n);
	if (n == 0)
		return -1;
	if (p < end && *p == ':') {
		p = date_num(p + 1, end, 2, &ss, &n);
		if (n == 0)
			return -1;
	}
	if (hh > 23 || mm > 59 || ss > 60)
		return -1;
	p = date_skip(p, end);
	if (p < end && (*p == '+' || *p == '-')) {
		int v;

		date_num(p + 1, end, 4, &v, &n);
		if (n == 4 && v % 100 < 60)
			tz = (v / 100 * 60 + v % 100) * (*p == '-' ? -1 : 1);
	} else if (p < end && isalpha((unsigned char)*p)) {
		const char *z = p;

		while (p < end && isalpha((unsigned char)*p))
			p++;
		for (size_t i = 0; i < NELEM(zones); i++)
			if ((size_t)(p - z) == strlen(zones[i].name)
			    && strncasecmp(z, zones[i].name, (size_t)(p - z))
			        == 0)
				tz = zones[i].minutes;
	}
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss == 60 ? 59 : ss;
	t = timegm(&tm);
	if (t == (time_t)-1 && year != 1969)
		return -1;
	*out = t - (time_t)tz * 60;
	if (tz_out)
		*tz_out = tz;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Message identifiers */

/* rfc5322_msgids - every "<...>" without white space inside */
void
rfc5322_msgids(const char *s, size_t len, size_t max, struct strv *out)
{
	const char *p = s, *end = s + len;
	size_t n = 0;

	while (p < end && n < max) {
		const char *lt = memchr(p, '<', (size_t)(end - p)), *q;

		if (lt == NULL)
			break;
		for (q = lt + 1; q < end && *q != '>' && *q != '<'; q++)
			if (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
				break;
		if (q < end && *q == '>' && q > lt + 1) {
			strv_pushn(out, lt, (size_t)(q - lt + 1));
			n++;
			p = q + 1;
		} else
			p = lt + 1;
	}
}

/* ------------------------------------------------------------------ */
/* Base subject (RFC 5256 2.1) */

/* skip_blob - "[" *BLOBCHAR "]" *WSP at s[i]; returns the end or i */
static size_t
skip_blob(const char *s, size_t i, size_t n)
{
	size_t j = i;

	if (j >= n || s[j] != '[')
		return i;
	for (j++; j < n && s[j] != '[' && s[j] != ']'; j++)
		;
	if (j >= n || s[j] != ']')
		return i;
	for (j++; j < n && s[j] == ' '; j++)
		;
	return j;
}

/* skip_refwd - ("re" / "fw" / "fwd") *WSP [subj-blob] ":" at s[i] */
static size_t
skip_refwd(const char *s, size_t i, size_t n)
{
	size_t j = i;

	if (n - j >= 2 && strncasecmp(s + j, "re", 2) == 0)
		j += 2;
	else if (n - j >= 3 && strncasecmp(s + j, "fwd", 3) == 0)
		j += 3;
	else if (n - j >= 2 && strncasecmp(s + j, "fw", 2) == 0)
		j += 2;
	else
		return i;
	while (j < n && s[j] == ' ')
		j++;
	j = skip_blob(s, j, n);
	if (j >= n || s[j] != ':')
		return i;
	return j + 1;
}

/* rfc5256_base_subject - the six steps */
bool
rfc5256_base_subject(const char *in, size_t len, struct buf *out)
{
	struct buf *b = buf_new(len + 1);
	const char *s;
	size_t start, n;
	bool is_reply = false, changed;

	/* (1) white space runs become one space */
	for (size_t i = 0; i < len; i++) {
		char c = in[i];

		if (c == '\t' || c == '\r' || c == '\n')
			c = ' ';
		if (c == ' ' && buf_len(b)
		    && buf_cstr(b)[buf_len(b) - 1] == ' ')
			continue;
		buf_catc(b, c);
	}
	s = buf_cstr(b);
	start = 0;
	n = buf_len(b);
	for (;;) {
		/* (2) trailers: "(fwd)" and white space */
		do {
			changed = false;
			while (n > start && s[n - 1] == ' ') {
				n--;
				changed = true;
			}
			if (n - start >= 5
			    && strncasecmp(s + n - 5, "(fwd)", 5) == 0) {
				n -= 5;
				changed = true;
				is_reply = true;
			}
		} while (changed);
		/* (3)-(5) leaders */
		do {
			size_t j, k;

			changed = false;
			while (start < n && s[start] == ' ') {
				start++;
				changed = true;
			}
			/* *subj-blob subj-refwd */
			j = start;
			while ((k = skip_blob(s, j, n)) != j)
				j = k;
			if ((k = skip_refwd(s, j, n)) != j) {
				start = k;
				changed = true;
				is_reply = true;
				continue;
			}
			/* (4) a leading blob, when something remains */
			if ((k = skip_blob(s, start, n)) != start && k < n) {
				start = k;
				changed = true;
			}
		} while (changed);
		/* (6) "[fwd: ... ]" */
		if (n - start >= 6 && strncasecmp(s + start, "[fwd:", 5) == 0
		    && s[n - 1] == ']') {
			start += 5;
			n--;
			is_reply = true;
			continue;
		}
		break;
	}
	buf_reset(out);
	for (size_t i = start; i < n; i++)
		buf_catc(out, toupper((unsigned char)s[i]));
	buf_free(&b);
	return is_reply;
}

/*
 * imap_fmt.c - response strings, ENVELOPE and BODYSTRUCTURE (see
 * imap_fmt.h). The structures follow RFC 3501's formal syntax field by
 * field; where a header is absent the value is NIL, and where the RFC
 * gives a default (7BIT, text/plain; charset=us-ascii) the default is
 * shown, as Dovecot and Cyrus show it.
 */
#include "util/sys_defs.h"

#include <strings.h>

#include "util/buf.h"

#include "proto/imap_fmt.h"
#include "proto/mime.h"
#include "proto/rfc5322.h"

#define IMAP_QUOTED_MAX 1024

/* imap_fmt_string - quoted or literal */
void
imap_fmt_string(struct buf *out, const char *s, size_t len, bool utf8)
{
	bool literal = len > IMAP_QUOTED_MAX;

	for (size_t i = 0; i < len && !literal; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0 || c == '\r' || c == '\n' || (c >= 0x80 && !utf8))
			literal = true;
	}
	if (literal) {
		buf_printf(out, "{%zu}\r\n", len);
		buf_cat(out, s, len);
		return;
	}
	buf_catc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			buf_catc(out, '\\');
		buf_catc(out, s[i]);
	}
	buf_catc(out, '"');
}

/* imap_fmt_nstring - NIL or string */
void
imap_fmt_nstring(struct buf *out, const char *s, bool utf8)
{
	if (s == NULL)
		buf_cats(out, "NIL");
	else
		imap_fmt_string(out, s, strlen(s), utf8);
}

/* imap_fmt_astring - atom when possible */
void
imap_fmt_astring(struct buf *out, const char *s, bool utf8)
{
	bool atom = *s != 0 && strcasecmp(s, "NIL") != 0;

	for (const char *p = s; *p && atom; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= 32 || c >= 127 || strchr("(){%*\"\\]", c))
			atom = false;
	}
	if (atom)
		buf_cats(out, s);
	else
		imap_fmt_string(out, s, strlen(s), utf8);
}

/* imap_fmt_datetime - "07-Feb-1994 21:52:25 -0800" */
void
imap_fmt_datetime(struct buf *out, time_t t, int tz_minutes)
{
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t local = t + (time_t)tz_minutes * 60;
	int tz = tz_minutes < 0 ? -tz_minutes : tz_minutes;
	struct tm tm;

	gmtime_r(&local, &tm);
	buf_printf(out, "\"%02d-%s-%04d %02d:%02d:%02d %c%02d%02d\"",
	    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, tz_minutes < 0 ? '-' : '+', tz / 60, tz % 60);
}

/* field_value - an unfolded header value, or NULL when absent or empty */
static const char *
field_value(const struct rfc5322_header *h, const char *name, struct buf *b)
{
	const struct rfc5322_field *f = rfc5322_header_get(h, name);

	if (f == NULL)
		return NULL;
	buf_reset(b);
	rfc5322_unfold(f->value, f->value_len, true, b);
	return buf_cstr(b);
}

/* fmt_addresses - "((name adl mailbox host) ...)" or NIL */
static bool
fmt_addresses(struct buf *out, const struct rfc5322_header *h, const char *name,
    bool utf8)
{
	const struct rfc5322_field *f = rfc5322_header_get(h, name);
	struct rfc5322_addr_list l = {0};

	if (f != NULL)
		rfc5322_addr_parse(f->value, f->value_len, 1000, &l);
	if (l.n == 0) {
		rfc5322_addr_list_free(&l);
		return false;
	}
	buf_catc(out, '(');
	for (size_t i = 0; i < l.n; i++) {
		buf_catc(out, '(');
		imap_fmt_nstring(out, l.v[i].name, utf8);
		buf_catc(out, ' ');
		imap_fmt_nstring(out, l.v[i].route, utf8);
		buf_catc(out, ' ');
		imap_fmt_nstring(out, l.v[i].mailbox, utf8);
		buf_catc(out, ' ');
		imap_fmt_nstring(out, l.v[i].host, utf8);
		buf_catc(out, ')');
	}
	buf_catc(out, ')');
	rfc5322_addr_list_free(&l);
	return true;
}

/* imap_fmt_envelope - RFC 3501 7.4.2 */
void
imap_fmt_envelope(struct buf *out, const char *hdr, size_t hdr_len, bool utf8)
{
	struct rfc5322_header h = {0};
	struct buf *b = buf_new(128);
	static const char *const addr_fields[] = {
	    "From", "Sender", "Reply-To", "To", "Cc", "Bcc"};

	rfc5322_header_parse(hdr, hdr_len, 1000, &h);
	buf_catc(out, '(');
	imap_fmt_nstring(out, field_value(&h, "Date", b), utf8);
	buf_catc(out, ' ');
	imap_fmt_nstring(out, field_value(&h, "Subject", b), utf8);
	for (size_t i = 0; i < NELEM(addr_fields); i++) {
		buf_catc(out, ' ');
		if (fmt_addresses(out, &h, addr_fields[i], utf8))
			continue;
		/* Sender and Reply-To default to From (RFC 3501 7.4.2) */
		if ((i == 1 || i == 2) && fmt_addresses(out, &h, "From", utf8))
			continue;
		buf_cats(out, "NIL");
	}
	buf_catc(out, ' ');
	imap_fmt_nstring(out, field_value(&h, "In-Reply-To", b), utf8);
	buf_catc(out, ' ');
	imap_fmt_nstring(out, field_value(&h, "Message-ID", b), utf8);
	buf_catc(out, ')');
	rfc5322_header_free(&h);
	buf_free(&b);
}

/* fmt_params - "(name value ...)" or NIL */
static void
fmt_params(struct buf *out, const struct mime_param *v, size_t n, bool utf8)
{
	if (n == 0) {
		buf_cats(out, "NIL");
		return;
	}
	buf_catc(out, '(');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_catc(out, ' ');
		imap_fmt_string(out, v[i].name, strlen(v[i].name), utf8);
		buf_catc(out, ' ');
		imap_fmt_string(out, v[i].value, strlen(v[i].value), utf8);
	}
	buf_catc(out, ')');
}

/* fmt_language - nstring, or a list when there are several */
static void
fmt_language(struct buf *out, const char *lang, bool utf8)
{
	const char *p = lang;
	size_t n = 0;
	bool first = true;

	if (lang == NULL || *lang == 0) {
		buf_cats(out, "NIL");
		return;
	}
	if (strchr(lang, ',') == NULL) {
		imap_fmt_string(out, lang, strlen(lang), utf8);
		return;
	}
	buf_catc(out, '(');
	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		for (n = 0; p[n] && p[n] != ',' && p[n] != ' ' && p[n] != '\t';
		     n++)
			;
		if (n) {
			if (!first)
				buf_catc(out, ' ');
			imap_fmt_string(out, p, n, utf8);
			first = false;
		}
		p += n;
	}
	buf_catc(out, ')');
}

/* fmt_disposition - "(type (params))" or NIL */
static void
fmt_disposition(struct buf *out, const struct mime_part *p, bool utf8)
{
	if (p->disposition == NULL) {
		buf_cats(out, "NIL");
		return;
	}
	buf_catc(out, '(');
	imap_fmt_string(out, p->disposition, strlen(p->disposition), utf8);
	buf_catc(out, ' ');
	fmt_params(out, p->disp_params, p->ndisp_params, utf8);
	buf_catc(out, ')');
}

/* imap_fmt_bodystructure - RFC 3501 7.4.2 BODYSTRUCTURE */
void
imap_fmt_bodystructure(struct buf *out, const char *data,
    const struct mime_part *p, bool extended, bool utf8)
{
	static const struct mime_param us_ascii = {"charset", "us-ascii"};

	buf_catc(out, '(');
	if (p->nchildren > 0) {
		for (size_t i = 0; i < p->nchildren; i++)
			imap_fmt_bodystructure(
			    out, data, &p->children[i], extended, utf8);
		buf_catc(out, ' ');
		imap_fmt_string(out, p->subtype, strlen(p->subtype), utf8);
		if (extended) {
			buf_catc(out, ' ');
			fmt_params(out, p->params, p->nparams, utf8);
			buf_catc(out, ' ');
			fmt_disposition(out, p, utf8);
			buf_catc(out, ' ');
			fmt_language(out, p->language, utf8);
			buf_catc(out, ' ');
			imap_fmt_nstring(out, p->location, utf8);
		}
		buf_catc(out, ')');
		return;
	}
	imap_fmt_string(out, p->type, strlen(p->type), utf8);
	buf_catc(out, ' ');
	imap_fmt_string(out, p->subtype, strlen(p->subtype), utf8);
	buf_catc(out, ' ');
	if (!p->has_content_type && mime_is(p, "text", "plain"))
		fmt_params(out, &us_ascii, 1, utf8);
	else
		fmt_params(out, p->params, p->nparams, utf8);
	buf_catc(out, ' ');
	imap_fmt_nstring(out, p->id, utf8);
	buf_catc(out, ' ');
	imap_fmt_nstring(out, p->description, utf8);
	buf_catc(out, ' ');
	imap_fmt_nstring(out, p->encoding ? p->encoding : "7bit", utf8);
	buf_printf(out, " %zu", p->body_len);
	if (p->message) {
		buf_catc(out, ' ');
		imap_fmt_envelope(
		    out, data + p->message->hdr_off, p->message->hdr_len, utf8);
		buf_catc(out, ' ');
		imap_fmt_bodystructure(out, data, p->message, extended, utf8);
		buf_printf(out, " %zu", p->body_lines);
	} else if (strcasecmp(p->type, "text") == 0)
		buf_printf(out, " %zu", p->body_lines);
	if (extended) {
		buf_catc(out, ' ');
		imap_fmt_nstring(out, p->md5, utf8);
		buf_catc(out, ' ');
		fmt_disposition(out, p, utf8);
		buf_catc(out, ' ');
		fmt_language(out, p->language, utf8);
		buf_catc(out, ' ');
		imap_fmt_nstring(out, p->location, utf8);
	}
	buf_catc(out, ')');
}

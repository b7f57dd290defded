/*
 * mime_param.c - MIME header parameters (see mime_param.h).
 *
 * The scan tolerates what real mail contains (unquoted values with
 * spaces, missing semicolons, stray quotes) because a filter that is
 * stricter than the mail reader can be walked around: whatever a reader
 * would call the attachment's name must reach the filter.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"

#include "proto/mime_decode.h"
#include "proto/mime_param.h"

/* mime_hexval - hex digit value or -1 */
static int
mime_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* mime_type_is - type prefix test */
bool
mime_type_is(const char *s, size_t len, const char *type)
{
	size_t n = strlen(type);

	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	return len >= n && strncasecmp(s, type, n) == 0;
}

/* mime_keep - append, keeping only the last MIME_PARAM_MAX bytes */
static void
mime_keep(struct buf *out, const char *p, size_t n)
{
	buf_cat(out, p, n);
	if (buf_len(out) > MIME_PARAM_MAX)
		buf_consume(out, buf_len(out) - MIME_PARAM_MAX);
}

/* mime_pct_decode - RFC 2231 %XX decoding */
static void
mime_pct_decode(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '%' && i + 2 < len
		    && (hi = mime_hexval(s[i + 1])) >= 0
		    && (lo = mime_hexval(s[i + 2])) >= 0) {
			char c = (char)(hi * 16 + lo);

			mime_keep(out, &c, 1);
			i += 2;
		} else
			mime_keep(out, s + i, 1);
	}
}

/* One parameter as found: name, optional section, extended flag. */
struct mime_part {
	long section; /* -1: none */
	bool is_ext;  /* name*= or name*N*= */
	struct buf *value;
};

/* mime_param_get - find, assemble and decode a parameter */
int
mime_param_get(const char *s, size_t len, const char *name, struct buf *out)
{
	size_t nlen = strlen(name), i = 0;
	struct mime_part parts[64];
	size_t nparts = 0;
	struct buf *plain = NULL;
	int found = 0;

	buf_reset(out);
	while (i < len) {
		size_t ks, ke, vs, ve;
		bool quoted = false;
		struct buf *val;

		/* Skip to the next parameter (after a ';'). */
		while (i < len && s[i] != ';') {
			if (s[i] == '"') {
				/* Not a parameter: skip the quoted string. */
				for (i++; i < len && s[i] != '"'; i++)
					if (s[i] == '\\')
						i++;
			}
			i++;
		}
		if (i >= len)
			break;
		i++;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		ks = i;
		while (i < len && s[i] != '=' && s[i] != ';')
			i++;
		ke = i;
		while (ke > ks && (s[ke - 1] == ' ' || s[ke - 1] == '\t'))
			ke--;
		if (i >= len || s[i] != '=')
			continue;
		i++;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		val = buf_new(64);
		if (i < len && s[i] == '"') {
			quoted = true;
			for (i++; i < len && s[i] != '"'; i++) {
				if (s[i] == '\\' && i + 1 < len)
					i++;
				mime_keep(val, s + i, 1);
			}
			if (i < len)
				i++;
		} else {
			vs = i;
			while (i < len && s[i] != ';')
				i++;
			ve = i;
			while (
			    ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
				ve--;
			mime_keep(val, s + vs, ve - vs);
		}
		(void)quoted;
		/* name, name*, name*N, name*N* */
		if (ke - ks >= nlen && strncasecmp(s + ks, name, nlen) == 0) {
			const char *rest = s + ks + nlen;
			size_t rlen = ke - ks - nlen;

			if (rlen == 0) {
				if (plain == NULL) {
					plain = val;
					val = NULL;
				}
			} else if (rest[0] == '*' && nparts < NELEM(parts)) {
				struct mime_part *p = &parts[nparts];
				size_t k = 1;

				p->section = -1;
				p->is_ext = false;
				if (k < rlen && rest[k] >= '0'
				    && rest[k] <= '9') {
					p->section = 0;
					while (k < rlen && rest[k] >= '0'
					    && rest[k] <= '9'
					    && p->section < 1000)
						p->section = p->section * 10
						    + (rest[k++] - '0');
					if (k < rlen && rest[k] == '*') {
						p->is_ext = true;
						k++;
					}
				} else {
					p->is_ext = true;
				}
				if (k == rlen) {
					p->value = val;
					val = NULL;
					nparts++;
				}
			}
		}
		buf_free(&val);
	}
	if (nparts > 0) {
		/* RFC 2231 wins over a plain parameter of the same name. */
		for (long want = -1; want < 1000; want++) {
			bool hit = false;

			for (size_t k = 0; k < nparts; k++) {
				struct mime_part *p = &parts[k];
				const char *v = buf_cstr(p->value);
				size_t vl = buf_len(p->value);

				if (p->section != want)
					continue;
				hit = true;
				if (p->is_ext && (want == -1 || want == 0)) {
					/* charset'language'value */
					const char *q1 = memchr(v, '\'', vl);
					const char *q2 = q1
					    ? memchr(q1 + 1, '\'',
					        vl - (size_t)(q1 + 1 - v))
					    : NULL;

					if (q2) {
						vl -= (size_t)(q2 + 1 - v);
						v = q2 + 1;
					}
				}
				if (p->is_ext)
					mime_pct_decode(v, vl, out);
				else
					mime_keep(out, v, vl);
				break;
			}
			if (!hit && want >= 0)
				break;
		}
		found = 1;
	} else if (plain) {
		struct buf *dec = buf_new(buf_len(plain) + 16);

		mime_words_decode(buf_cstr(plain), buf_len(plain), dec);
		mime_keep(out, buf_cstr(dec), buf_len(dec));
		buf_free(&dec);
		found = 1;
	}
	for (size_t k = 0; k < nparts; k++)
		buf_free(&parts[k].value);
	buf_free(&plain);
	return found;
}

/*
 * mime_decode.c - base64, quoted-printable, encoded words, charsets (see
 * mime_decode.h). iconv(3) from the C library does the charsets; an
 * iconv descriptor is opened per call, which is cheap next to reading a
 * message from disk.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <iconv.h>
#include <strings.h>

#include "util/buf.h"

#include "proto/imap_utf7.h"
#include "proto/mime_decode.h"

/* b64 - value of a base64 character, or -1 */
static int
b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* mime_base64_decode - skip what is not base64, stop at padding */
void
mime_base64_decode(const char *src, size_t len, struct buf *out)
{
	unsigned long bits = 0;
	int nbits = 0;

	for (size_t i = 0; i < len; i++) {
		int v = b64((unsigned char)src[i]);

		if (src[i] == '=') {
			/* padding ends a quantum; anything after it starts
			 * afresh (concatenated base64 happens) */
			bits = 0;
			nbits = 0;
			continue;
		}
		if (v < 0)
			continue;
		bits = ((bits << 6) | (unsigned long)v) & 0xffffff;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			buf_catc(out, (int)((bits >> nbits) & 0xff));
		}
	}
}

/* hexval - value of a hex digit, or -1 */
static int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* mime_qp_decode - "=XX", soft line breaks, '_' in headers */
void
mime_qp_decode(const char *src, size_t len, bool is_header, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)src[i];

		if (c == '_' && is_header) {
			buf_catc(out, ' ');
			i++;
		} else if (c != '=') {
			/* trailing white space before a line end is not
			 * part of the text (RFC 2045 6.7 rule 3) */
			if ((c == ' ' || c == '\t') && !is_header) {
				size_t j = i;

				while (j < len
				    && (src[j] == ' ' || src[j] == '\t'))
					j++;
				if (j == len || src[j] == '\r'
				    || src[j] == '\n') {
					i = j;
					continue;
				}
				buf_cat(out, src + i, j - i);
				i = j;
				continue;
			}
			buf_catc(out, c);
			i++;
		} else if (i + 2 < len && hexval((unsigned char)src[i + 1]) >= 0
		    && hexval((unsigned char)src[i + 2]) >= 0) {
			buf_catc(out,
			    hexval((unsigned char)src[i + 1]) * 16
			        + hexval((unsigned char)src[i + 2]));
			i += 3;
		} else {
			/* "=" then optional white space then a line end is a
			 * soft break */
			size_t j = i + 1;

			while (j < len && (src[j] == ' ' || src[j] == '\t'))
				j++;
			if (j < len && src[j] == '\r')
				j++;
			if (j < len && src[j] == '\n') {
				i = j + 1;
				continue;
			}
			if (j == len) {
				i = j;
				continue;
			}
			buf_catc(out, '=');
			i++;
		}
	}
}

/* charset_is - case-insensitive name comparison */
static bool
charset_is(const char *cs, const char *name)
{
	return strcasecmp(cs, name) == 0;
}

/* latin1_to_utf8 - the fallback for raw 8-bit text */
static void
latin1_to_utf8(const char *src, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c < 0x80)
			buf_catc(out, c);
		else {
			buf_catc(out, 0xc0 | (c >> 6));
			buf_catc(out, 0x80 | (c & 0x3f));
		}
	}
}

/* mime_charset_to_utf8 - iconv, with U+FFFD for what does not convert */
int
mime_charset_to_utf8(
    const char *charset, const char *src, size_t len, struct buf *out)
{
	char cs[64];
	const char *star;
	iconv_t cd;
	char *in = (char *)src;
	size_t inleft = len;

	/* RFC 2231: "charset*language" */
	if ((star = strchr(charset, '*')) != NULL) {
		snprintf(
		    cs, sizeof(cs), "%.*s", (int)(star - charset), charset);
		charset = cs;
	}
	if (charset_is(charset, "us-ascii") || charset_is(charset, "utf-8")
	    || charset_is(charset, "utf8") || *charset == 0) {
		if (imap_utf8_valid(src, len)) {
			buf_cat(out, src, len);
			return 0;
		}
		if (charset_is(charset, "us-ascii") || *charset == 0) {
			latin1_to_utf8(src, len, out);
			return 0;
		}
	}
	if (charset_is(charset, "iso-8859-1")
	    || charset_is(charset, "latin1")) {
		latin1_to_utf8(src, len, out);
		return 0;
	}
	cd = iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1) {
		buf_cat(out, src, len);
		return -1;
	}
	while (inleft > 0) {
		char tmp[1024], *op = tmp;
		size_t oleft = sizeof(tmp);
		size_t r = iconv(cd, &in, &inleft, &op, &oleft);

		buf_cat(out, tmp, (size_t)(op - tmp));
		if (r == (size_t)-1) {
			if (errno == E2BIG)
				continue;
			/* EILSEQ or EINVAL: one replacement character,
			 * then go on after the bad byte */
			buf_cats(out, "\xef\xbf\xbd");
			in++;
			inleft--;
		}
	}
	iconv_close(cd);
	return 0;
}

/* encoded_word - parse "=?cs?E?text?=" at p; returns its length, 0 if
 * there is none */
static size_t
encoded_word(const char *p, size_t len, struct buf *out)
{
	const char *end = p + len, *q1, *q2, *q3;
	char cs[64];
	char enc;
	struct buf *raw;

	if (len < 8 || p[0] != '=' || p[1] != '?')
		return 0;
	q1 = memchr(p + 2, '?', (size_t)(end - p - 2));
	if (q1 == NULL || q1 == p + 2 || q1 + 3 >= end || q1[2] != '?'
	    || (size_t)(q1 - p - 2) >= sizeof(cs))
		return 0;
	enc = q1[1];
	if (enc != 'Q' && enc != 'q' && enc != 'B' && enc != 'b')
		return 0;
	q2 = q1 + 2;
	q3 = q2 + 1;
	while (q3 + 1 < end && !(q3[0] == '?' && q3[1] == '='))
		q3++;
	if (q3 + 1 >= end)
		return 0;
	for (const char *c = q2 + 1; c < q3; c++)
		if (*c == ' ' || *c == '\t' || *c == '\r' || *c == '\n')
			return 0;
	memcpy(cs, p + 2, (size_t)(q1 - p - 2));
	cs[q1 - p - 2] = 0;
	raw = buf_new(64);
	if (enc == 'B' || enc == 'b')
		mime_base64_decode(q2 + 1, (size_t)(q3 - q2 - 1), raw);
	else
		mime_qp_decode(q2 + 1, (size_t)(q3 - q2 - 1), true, raw);
	if (mime_charset_to_utf8(cs, buf_cstr(raw), buf_len(raw), out) < 0) {
		/* unknown charset: keep the word as it was */
		buf_truncate(out, buf_len(out) - buf_len(raw));
		buf_cat(out, p, (size_t)(q3 + 2 - p));
	}
	buf_free(&raw);
	return (size_t)(q3 + 2 - p);
}

/* is_ws - white space in header text (folding included) */
static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* mime_words_decode - decode encoded words in header text */
void
mime_words_decode(const char *src, size_t len, struct buf *out)
{
	size_t i = 0;
	bool last_was_word = false;

	while (i < len) {
		size_t start = i, ws, n;

		while (i < len && is_ws(src[i]))
			i++;
		ws = i - start;
		if (i < len && src[i] == '=') {
			size_t mark = buf_len(out);

			/* white space between two encoded words goes */
			if (!last_was_word)
				buf_cat(out, src + start, ws);
			if ((n = encoded_word(src + i, len - i, out)) > 0) {
				i += n;
				last_was_word = true;
				continue;
			}
			buf_truncate(out, mark);
		}
		buf_cat(out, src + start, ws);
		last_was_word = false;
		start = i;
		while (i < len && !is_ws(src[i]))
			i++;
		if (i > start)
			(void)mime_charset_to_utf8(
			    "us-ascii", src + start, i - start, out);
	}
}

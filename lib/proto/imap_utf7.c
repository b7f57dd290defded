/*
 * imap_utf7.c - modified UTF-7 (see imap_utf7.h). Both directions are
 * strict, so that every mailbox name has exactly one spelling on disk:
 * the decoder refuses what the encoder would never produce.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/imap_utf7.h"

static const char imap_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* utf8_next - decode one code point at *pp (< end); -1 when invalid */
static long
utf8_next(const unsigned char **pp, const unsigned char *end)
{
	const unsigned char *p = *pp;
	unsigned long cp;
	int n;

	if (p[0] < 0x80) {
		*pp = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		n = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		n = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		n = 3;
	} else
		return -1;
	if (end - p <= n)
		return -1;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* shortest form only, no surrogates, nothing past U+10FFFF */
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800)
	    || (n == 3 && cp < 0x10000) || cp > 0x10ffff
	    || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*pp = p + n + 1;
	return (long)cp;
}

/* imap_utf8_valid - well-formed UTF-8 */
bool
imap_utf8_valid(const char *src, size_t len)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;

	while (p < end)
		if (utf8_next(&p, end) < 0)
			return false;
	return true;
}

/* utf8_put - one code point as UTF-8 */
static void
utf8_put(struct buf *out, unsigned long cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	buf_cat(out, b, n);
}

/* imap_utf7_encode - UTF-8 to modified UTF-7 */
int
imap_utf7_encode(const char *src, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;

	if (!imap_utf8_valid(src, len))
		return -1;
	while (p < end) {
		unsigned long bits = 0;
		int nbits = 0;

		if (*p >= 0x20 && *p < 0x7f) {
			if (*p == '&')
				buf_cats(out, "&-");
			else
				buf_catc(out, *p);
			p++;
			continue;
		}
		buf_catc(out, '&');
		while (p < end && (*p < 0x20 || *p >= 0x7f)) {
			long cp = utf8_next(&p, end);
			unsigned units[2];
			int nu = 1;

			if (cp >= 0x10000) {
				cp -= 0x10000;
				units[0] = 0xd800 | (unsigned)(cp >> 10);
				units[1] = 0xdc00 | (unsigned)(cp & 0x3ff);
				nu = 2;
			} else
				units[0] = (unsigned)cp;
			for (int i = 0; i < nu; i++) {
				bits = (bits << 16) | units[i];
				nbits += 16;
				while (nbits >= 6) {
					nbits -= 6;
					buf_catc(out,
					    imap_b64[(bits >> nbits) & 0x3f]);
				}
			}
		}
		if (nbits > 0)
			buf_catc(out, imap_b64[(bits << (6 - nbits)) & 0x3f]);
		buf_catc(out, '-');
	}
	return 0;
}

/* b64_val - value of a modified base64 character, or -1 */
static int
b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == ',')
		return 63;
	return -1;
}

/* imap_utf7_decode - modified UTF-7 to UTF-8 */
int
imap_utf7_decode(const char *src, size_t len, struct buf *out)
{
	const unsigned char *p = (const unsigned char *)src, *end = p + len;
	const unsigned char *shift_end = NULL;

	while (p < end) {
		unsigned long bits = 0, high = 0;
		int nbits = 0, v;
		size_t nunits = 0;

		if (*p < 0x20 || *p >= 0x7f)
			return -1;
		if (*p != '&') {
			buf_catc(out, *p++);
			continue;
		}
		p++;
		if (p < end && *p == '-') {
			buf_catc(out, '&');
			p++;
			continue;
		}
		/* two shifts in a row: the encoder writes one */
		if (shift_end == p - 1)
			return -1;
		while (p < end && (v = b64_val(*p)) >= 0) {
			unsigned long u;

			bits = ((bits << 6) | (unsigned long)v) & 0xffffff;
			nbits += 6;
			p++;
			if (nbits < 16)
				continue;
			nbits -= 16;
			u = (bits >> nbits) & 0xffff;
			nunits++;
			if (high) {
				if (u < 0xdc00 || u > 0xdfff)
					return -1;
				utf8_put(out,
				    0x10000 + ((high - 0xd800) << 10)
				        + (u - 0xdc00));
				high = 0;
			} else if (u >= 0xd800 && u <= 0xdbff) {
				high = u;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				return -1;
			} else if ((u >= 0x20 && u < 0x7f) || u == 0) {
				return -1; /* must be plain ASCII; no NUL */
			} else
				utf8_put(out, u);
		}
		/* '-' ends the shift; leftover bits must be zero padding */
		if (p >= end || *p != '-' || nunits == 0 || high || nbits >= 6
		    || (bits & ((1UL << nbits) - 1)) != 0)
			return -1;
		shift_end = ++p;
	}
	return 0;
}

/* imap_utf7_valid - decodes cleanly */
bool
imap_utf7_valid(const char *src, size_t len)
{
	struct buf *b = buf_new(len + 16);
	bool ok = imap_utf7_decode(src, len, b) == 0;

	buf_free(&b);
	return ok;
}

/*
 * xtext.c - RFC 3461 xtext (see xtext.h).
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/smtp_addr.h"
#include "proto/xtext.h"

/* xtext_hex - value of an upper-case hex digit, or -1 */
static int
xtext_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* xtext_decode - decode and append */
int
xtext_decode(const char *s, size_t len, bool allow_utf8, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned char c = u[i];

		if (c == '+') {
			int hi, lo, v;

			if (len - i < 3)
				return -1;
			hi = xtext_hex(u[i + 1]);
			lo = xtext_hex(u[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			v = hi * 16 + lo;
			if (v < 32 || v == 127)
				return -1;
			buf_catc(out, v);
			i += 3;
		} else if (c >= 33 && c <= 126 && c != '=') {
			buf_catc(out, c);
			i++;
		} else if (c >= 0x80 && allow_utf8) {
			size_t n = i;

			/* One UTF-8 sequence at a time. */
			while (n < len && u[n] >= 0x80
			    && (n == i || (u[n] & 0xC0) == 0x80))
				n++;
			if (!smtp_utf8_ok(s + i, n - i))
				return -1;
			buf_cat(out, s + i, n - i);
			i = n;
		} else
			return -1;
	}
	return 0;
}

/* xtext_encode - encode and append */
void
xtext_encode(const char *s, size_t len, struct buf *out)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 33 && c <= 126 && c != '+' && c != '=')
			buf_catc(out, c);
		else
			buf_printf(out, "+%02X", c);
	}
}

/*
 * base64.c - RFC 4648 base64 (see base64.h). The decoder is strict
 * (RFC 4648 section 3.5 "canonical encoding"): SASL responses that are
 * not exactly base64 are refused rather than guessed at.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/base64.h"

static const char base64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* base64_encode - encode and append */
void
base64_encode(const void *p, size_t n, struct buf *out)
{
	const unsigned char *u = p;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v =
		    (unsigned)u[i] << 16 | (unsigned)u[i + 1] << 8 | u[i + 2];
		char q[4] = {base64_chars[v >> 18],
		    base64_chars[(v >> 12) & 63], base64_chars[(v >> 6) & 63],
		    base64_chars[v & 63]};

		buf_cat(out, q, 4);
	}
	if (n - i == 1) {
		unsigned v = (unsigned)u[i] << 16;
		char q[4] = {base64_chars[v >> 18],
		    base64_chars[(v >> 12) & 63], '=', '='};

		buf_cat(out, q, 4);
	} else if (n - i == 2) {
		unsigned v = (unsigned)u[i] << 16 | (unsigned)u[i + 1] << 8;
		char q[4] = {base64_chars[v >> 18],
		    base64_chars[(v >> 12) & 63], base64_chars[(v >> 6) & 63],
		    '='};

		buf_cat(out, q, 4);
	}
}

/* base64_val - value of an alphabet character, or -1 */
static int
base64_val(unsigned char c)
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

/* base64_decode - strict decode and append */
int
base64_decode(const char *s, size_t len, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t old = buf_len(out);

	if (len % 4 != 0)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		int v[4], pad = 0;
		unsigned char b[3];

		for (int k = 0; k < 4; k++) {
			if (u[i + k] == '=' && i + 4 == len && k >= 2) {
				v[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (v[k] = base64_val(u[i + k])) < 0)
				goto bad;
		}
		/* "x=y=" is not padding */
		if (pad == 1 && u[i + 2] == '=')
			goto bad;
		b[0] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		b[1] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		b[2] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		/* Unused bits must be zero (canonical form). */
		if ((pad == 2 && (v[1] & 15) != 0)
		    || (pad == 1 && (v[2] & 3) != 0))
			goto bad;
		if (buf_cat(out, b, (size_t)(3 - pad)) < 0)
			goto bad;
	}
	return 0;
bad:
	buf_truncate(out, old);
	return -1;
}

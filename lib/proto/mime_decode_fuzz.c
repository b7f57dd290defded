/*
 * mime_decode_fuzz.c - libFuzzer target: the MIME decoders IMAP SEARCH,
 * SORT, THREAD and BINARY run over message text (base64 and
 * quoted-printable bodies, RFC 2047 encoded words, charset conversion).
 * The first byte picks the decoder; for a charset conversion the first
 * line of the rest names the charset.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/mime_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *out = buf_new(64), *cs = buf_new(32);
	const char *p = (const char *)data + 1;
	size_t n = size ? size - 1 : 0;
	const char *nl;

	if (size < 1)
		goto out;
	switch (data[0] % 5) {
	case 0:
		mime_base64_decode(p, n, out);
		break;
	case 1:
		mime_qp_decode(p, n, false, out);
		break;
	case 2:
		mime_qp_decode(p, n, true, out);
		break;
	case 3:
		mime_words_decode(p, n, out);
		break;
	default:
		nl = memchr(p, '\n', n);
		if (nl == NULL || nl - p > 40)
			break;
		buf_set(cs, p, (size_t)(nl - p));
		(void)mime_charset_to_utf8(
		    buf_cstr(cs), nl + 1, n - (size_t)(nl + 1 - p), out);
		break;
	}
out:
	buf_free(&out);
	buf_free(&cs);
	return 0;
}

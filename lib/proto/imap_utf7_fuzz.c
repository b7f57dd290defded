/*
 * imap_utf7_fuzz.c - libFuzzer target: modified UTF-7 decoding, and the
 * round trip of whatever decodes (it must encode back to the input).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/imap_utf7.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *a = buf_new(64), *b = buf_new(64);

	if (imap_utf7_decode((const char *)data, size, a) == 0) {
		if (imap_utf7_encode(buf_cstr(a), buf_len(a), b) < 0
		    || buf_len(b) != size || memcmp(buf_cstr(b), data, size))
			abort();
	}
	buf_reset(a);
	(void)imap_utf7_encode((const char *)data, size, a);
	buf_free(&a);
	buf_free(&b);
	return 0;
}

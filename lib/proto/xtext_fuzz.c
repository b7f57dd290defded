/*
 * xtext_fuzz.c - libFuzzer target: RFC 3461 xtext (the ENVID, ORCPT and
 * AUTH= parameters of MAIL and RCPT). What decodes must survive
 * encode + decode unchanged.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/xtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *dec = buf_new(64), *enc = buf_new(64);
	struct buf *again = buf_new(64);

	for (int utf8 = 0; utf8 < 2; utf8++) {
		buf_reset(dec);
		if (xtext_decode((const char *)data, size, utf8, dec) < 0)
			continue;
		buf_reset(enc);
		buf_reset(again);
		xtext_encode(buf_cstr(dec), buf_len(dec), enc);
		if (xtext_decode(buf_cstr(enc), buf_len(enc), false, again) < 0
		    || buf_len(again) != buf_len(dec)
		    || memcmp(buf_cstr(again), buf_cstr(dec), buf_len(dec)))
			abort();
	}
	buf_free(&dec);
	buf_free(&enc);
	buf_free(&again);
	return 0;
}

/*
 * base64_fuzz.c - libFuzzer target: strict base64 (SASL responses of
 * SMTP AUTH, POP3 AUTH and IMAP AUTHENTICATE come through it). Checks
 * the contract too: a text that decodes is the one canonical encoding of
 * what it decodes to, and every byte string survives encode + decode.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *dec = buf_new(64), *enc = buf_new(64);
	struct buf *capped = buf_new_capped(16, 48);

	if (base64_decode((const char *)data, size, dec) == 0) {
		base64_encode(buf_cstr(dec), buf_len(dec), enc);
		if (buf_len(enc) != size || memcmp(buf_cstr(enc), data, size))
			abort(); /* two texts for one decoding */
	}
	/* a capped output refuses, and keeps what it had */
	(void)buf_cat(capped, "kept", 4);
	if (base64_decode((const char *)data, size, capped) < 0
	    && (buf_len(capped) != 4 || memcmp(buf_cstr(capped), "kept", 4)))
		abort();
	buf_reset(enc);
	buf_reset(dec);
	base64_encode(data, size, enc);
	if (base64_decode(buf_cstr(enc), buf_len(enc), dec) < 0
	    || buf_len(dec) != size || memcmp(buf_cstr(dec), data, size))
		abort();
	buf_free(&dec);
	buf_free(&enc);
	buf_free(&capped);
	return 0;
}

/*
 * pop3_msg_fuzz.c - libFuzzer target: a message file turned into its wire
 * form. The first byte picks TOP's line count (or RETR) and a chunk size;
 * the output must not depend on the chunking, must never hold a bare LF,
 * and its length must be the counted size plus the stuffing and the
 * terminator (and the CRLF added after a last line without one).
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/pop3_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* encode - the whole input in chunks of step bytes */
static void
encode(const uint8_t *p, size_t n, size_t step, int top, struct buf *out,
    struct pop3_msg *m)
{
	buf_reset(out);
	pop3_msg_init(m, top >= 0, top >= 0 ? (unsigned long)top : 0);
	for (size_t i = 0; i < n && !pop3_msg_done(m); i += step)
		pop3_msg_encode(m, p + i, MIN(step, n - i), out);
	pop3_msg_finish(m, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *a = buf_new(256), *b = buf_new(256);
	struct pop3_msg ma, mb, mc;
	int top;
	size_t step;

	if (size < 1)
		goto out;
	top = (data[0] & 0x80) ? (int)(data[0] & 0x07) : -1;
	step = (size_t)((data[0] >> 3) & 0x0f) + 1;
	data++;
	size--;
	encode(data, size, size ? size : 1, top, a, &ma);
	encode(data, size, step, top, b, &mb);
	if (buf_len(a) != buf_len(b)
	    || memcmp(buf_cstr(a), buf_cstr(b), buf_len(a)) != 0)
		__builtin_trap();
	for (size_t i = 0; i < buf_len(a); i++)
		if (buf_cstr(a)[i] == '\n'
		    && (i == 0 || buf_cstr(a)[i - 1] != '\r'))
			__builtin_trap();
	if (top < 0) {
		size_t stuffed = 0, len = buf_len(a), tail = 0;
		const char *p = buf_cstr(a);

		/* every line but the terminator that begins with "." was
		 * stuffed with one */
		for (size_t i = 0; i + 3 < len; i++)
			if (p[i] == '.' && (i == 0 || p[i - 1] == '\n'))
				stuffed++;
		if (size > 0 && data[size - 1] != '\n')
			tail = data[size - 1] == '\r' ? 1 : 2;
		if (len != ma.wire + stuffed + 3 + tail)
			__builtin_trap();
		pop3_msg_init(&mc, false, 0);
		pop3_msg_wire(&mc, data, size);
		if (mc.wire != ma.wire)
			__builtin_trap();
	}
out:
	buf_free(&a);
	buf_free(&b);
	return 0;
}

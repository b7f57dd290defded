/*
 * smtp_reply_fuzz.c - libFuzzer target: SMTP reply lines (split at LF)
 * and the EHLO capability parser.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/smtp_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct smtp_reply r;
	struct smtp_ehlo e;
	struct buf *why = buf_new(64), *one = buf_new(64);

	smtp_reply_init(&r);
	smtp_ehlo_init(&e);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		int ret = smtp_reply_line(&r, p, len, 50, why);

		if (ret < 0)
			break;
		if (ret == 1) {
			smtp_ehlo_parse(&r, &e);
			buf_reset(one);
			smtp_reply_oneline(&r, one);
		}
		p += len;
	}
	smtp_ehlo_free(&e);
	smtp_reply_free(&r);
	buf_free(&why);
	buf_free(&one);
	return 0;
}

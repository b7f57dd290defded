/*
 * maildrop_fuzz.c - libFuzzer target: the maildrop file reader and the
 * message limit check (pickup's input from any local user).
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/maildrop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *why = buf_new(64), *out = buf_new(256);
	struct maildrop md;
	struct maildrop_limits lim = {1000, 100, 10};

	maildrop_init(&md);
	if (maildrop_parse((const char *)data, size, &md, why) == 0) {
		(void)maildrop_check_message(
		    (const char *)data + md.msg_offset, md.msg_len, &lim, why);
		/* What parses must format again. */
		if (maildrop_format(&md, md.msg_len, out, why) < 0)
			__builtin_trap();
	}
	maildrop_clear(&md);
	buf_free(&why);
	buf_free(&out);
	return 0;
}

/*
 * pop3_cmd_fuzz.c - libFuzzer target: one POP3 command line.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/pop3_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pop3_cmd cmd;
	struct buf *why = buf_new_capped(64, 512);

	if (pop3_cmd_parse(&cmd, (const char *)data, size, why) == 0) {
		/* What the parser accepts is what the session relies on. */
		if (cmd.arg != NULL && strlen(cmd.arg) != cmd.arg_len)
			__builtin_trap();
		if (cmd.has_msg && cmd.msg == 0)
			__builtin_trap();
	}
	pop3_cmd_clear(&cmd);
	buf_free(&why);
	return 0;
}

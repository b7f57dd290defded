/*
 * smtp_cmd_fuzz.c - libFuzzer target: one SMTP command line, parsed
 * strictly and leniently.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/smtp_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_cmd cmd;
	struct buf *why = buf_new_capped(64, 512);

	(void)smtp_cmd_parse(&cmd, (const char *)data, size, 0, why);
	smtp_cmd_clear(&cmd);
	(void)smtp_cmd_parse(
	    &cmd, (const char *)data, size, SMTP_CMD_LENIENT, why);
	smtp_cmd_clear(&cmd);
	buf_free(&why);
	return 0;
}

/*
 * mime_param_fuzz.c - libFuzzer target: MIME header parameters.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/mime_param.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *out = buf_new(64);

	(void)mime_param_get((const char *)data, size, "filename", out);
	(void)mime_param_get((const char *)data, size, "boundary", out);
	buf_free(&out);
	return 0;
}

/*
 * queue_file_fuzz.c - libFuzzer target: the queue file reader, on whole
 * file images.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/queue_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct queue_env env;
	struct buf *why = buf_new(64);

	if (queue_file_parse((const char *)data, size, NULL, &env, why) == 0)
		queue_env_clear(&env);
	buf_free(&why);
	return 0;
}

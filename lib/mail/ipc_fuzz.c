/*
 * ipc_fuzz.c - libFuzzer target: the IPC message decoder.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_msg *m = ipc_new();
	struct buf *why = buf_new(64), *v = buf_new(64), *out = buf_new(64);

	if (ipc_decode((const char *)data, size, m, why) == 0) {
		long n;

		(void)ipc_get_str(m, "a", v);
		(void)ipc_get_long(m, "n", -1000, 1000, &n);
		(void)ipc_end(m);
		ipc_encode(m, out);
	}
	ipc_free(&m);
	buf_free(&why);
	buf_free(&v);
	buf_free(&out);
	return 0;
}

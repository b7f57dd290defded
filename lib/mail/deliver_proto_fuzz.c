/*
 * deliver_proto_fuzz.c - libFuzzer target: the delivery request and reply
 * decoders, behind the IPC decoder.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/deliver_proto.h"
#include "mail/ipc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_msg *m = ipc_new();
	struct buf *why = buf_new(64), *out = buf_new(256);
	struct deliver_request r;
	struct deliver_reply p;

	deliver_request_init(&r);
	deliver_reply_init(&p);
	if (ipc_decode((const char *)data, size, m, why) == 0) {
		if (deliver_request_decode(m, &r, why) == 0) {
			/* What decodes must encode and decode again. */
			deliver_request_encode(&r, m);
			ipc_encode(m, out);
			if (ipc_decode(buf_cstr(out), buf_len(out), m, why) < 0
			    || deliver_request_decode(m, &r, why) < 0)
				__builtin_trap();
			deliver_reply_for(&p, &r);
		} else if (ipc_decode((const char *)data, size, m, why) == 0) {
			(void)deliver_reply_decode(m, NULL, &p, why);
		}
	}
	deliver_request_free(&r);
	deliver_reply_free(&p);
	ipc_free(&m);
	buf_free(&why);
	buf_free(&out);
	return 0;
}

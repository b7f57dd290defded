/*
 * svc_listen_fuzz.c - libFuzzer target: the listener names of inet
 * services ("[addr:]port", "[v6]:port", service names).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/svc_listen.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = xstrndup((const char *)data, size);
	struct buf *host = buf_new(64), *why = buf_new_capped(64, 4096);
	int port = -1;

	log_set_dest(0);
	if (svc_listen_parse(name, host, &port, why) == 0) {
		if (port < 1 || port > 65535 || buf_len(host) == 0)
			abort();
		(void)svc_listen_conflict(buf_cstr(host), port, "*", port);
	}
	buf_free(&host);
	buf_free(&why);
	free(name);
	return 0;
}

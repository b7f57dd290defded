/*
 * rfc5322_addr_fuzz.c - libFuzzer target: RFC 5322 address lists as the
 * ENVELOPE needs them. Groups must come in start/end pairs, and every
 * address that is not a group marker has a mailbox and a host.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "proto/rfc5322.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rfc5322_addr_list l = {0};
	int depth = 0;

	rfc5322_addr_parse((const char *)data, size, 10000, &l);
	for (size_t i = 0; i < l.n; i++) {
		const struct rfc5322_addr *a = &l.v[i];

		if (a->host == NULL && a->mailbox != NULL)
			depth++;
		else if (a->host == NULL && a->mailbox == NULL)
			depth--;
		else if (a->mailbox == NULL)
			abort();
		if (depth < 0 || depth > 1)
			abort();
	}
	if (depth != 0 && l.n < 10000)
		abort();
	rfc5322_addr_list_free(&l);
	return 0;
}

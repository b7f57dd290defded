/*
 * kvlist_fuzz.c - libFuzzer target: the account map value parser. What
 * parses must format and parse again to the same fields.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/kvlist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kvlist kv, again;
	struct buf *why = buf_new(64), *out = buf_new(64);
	char *s = malloc(size + 1);

	memcpy(s, data, size);
	s[size] = 0;
	kvlist_init(&kv);
	kvlist_init(&again);
	if (kvlist_parse(s, &kv, why) == 0) {
		kvlist_format(&kv, out);
		if (kvlist_parse(buf_cstr(out), &again, why) < 0
		    || again.names.n != kv.names.n)
			abort();
		for (size_t i = 0; i < kv.names.n; i++)
			if (strcmp(kv.names.v[i], again.names.v[i]) != 0
			    || strcmp(kv.values.v[i], again.values.v[i]) != 0)
				abort();
	}
	kvlist_free(&kv);
	kvlist_free(&again);
	free(s);
	buf_free(&why);
	buf_free(&out);
	return 0;
}

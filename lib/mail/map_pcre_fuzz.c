/*
 * map_pcre_fuzz.c - libFuzzer target: pcre: tables from memory (pattern
 * delimiters, flags, results with $n, if/endif nesting), then lookups of
 * a few fixed keys and of every line's own text.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/map_impl.h"
#include "mail/params_map.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* probe - look the rule's text up in the map itself */
static int
probe(const char *key, const char *value, void *ctx)
{
	struct buf *out = buf_new(64), *why = buf_new(64);

	(void)map_get(ctx, key, out, why);
	(void)map_get(ctx, value, out, why);
	buf_free(&out);
	buf_free(&why);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *keys[] = {"", "a", "user@example.com",
	    "Subject: hello", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"};
	struct buf *why = buf_new_capped(64, 1 << 20), *out = buf_new(64);
	struct map *m;

	log_set_dest(0);
	var_map_line_length_limit = 1000;
	m = map_open_mem("pcre", "fuzz", (const char *)data, size, 0, why);
	if (m) {
		for (size_t i = 0; i < NELEM(keys); i++)
			(void)map_get(m, keys[i], out, why);
		(void)map_walk(m, probe, m, why);
		map_close(&m);
	}
	buf_free(&why);
	buf_free(&out);
	return 0;
}

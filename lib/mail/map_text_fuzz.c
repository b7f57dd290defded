/*
 * map_text_fuzz.c - libFuzzer target: the text map format (logical lines,
 * comments, continuations, limits, "key value" splitting) through a
 * texthash: map opened from memory, with lookups and a walk; and the
 * same bytes as the body of an inline: map.
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

/* lookup_each - look every key up again */
static int
lookup_each(const char *key, const char *value, void *ctx)
{
	struct map *m = ctx;
	struct buf *out = buf_new(64), *why = buf_new(64);

	if (map_get(m, key, out, why) != 1 || strcmp(buf_cstr(out), value))
		log_panic("key \"%s\" from the walk is not found", key);
	(void)map_get_addr(m, key, true, out, NULL, why);
	buf_free(&out);
	buf_free(&why);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *why = buf_new_capped(64, 1 << 20), *out = buf_new(64);
	struct map *m;
	char *text;

	log_set_dest(0);
	/* A small limit reaches the too-long paths with small inputs. */
	var_map_line_length_limit = 300;
	m = map_open_mem(
	    "texthash", "fuzz", (const char *)data, size, MAP_NO_FOLD, why);
	if (m) {
		(void)map_walk(m, lookup_each, m, why);
		(void)map_get(m, "", out, why);
		map_close(&m);
	}
	buf_reset(why);
	m = map_open_mem("texthash", "fuzz", (const char *)data, size, 0, why);
	map_close(&m);

	/* inline:{...} takes no NUL; stop at the first one. */
	text = xstrndup((const char *)data, size);
	{
		struct buf *spec = buf_new(64);

		buf_printf(spec, "inline:%s", text);
		buf_reset(why);
		if ((m = map_open(buf_cstr(spec), 0, why)) != NULL) {
			(void)map_walk(m, lookup_each, m, why);
			map_close(&m);
		}
		buf_reset(why);
		/* Only lists that name no file: a fuzzed "texthash:/dev/zero"
		 * would read forever. */
		if (strchr(text, '/') == NULL) {
			struct maplist *l = maplist_open(text, 0, why);

			if (l) {
				(void)maplist_get_addr(
				    l, "user@example.com", true, out, why);
				maplist_close(&l);
			}
		}
		buf_free(&spec);
	}
	free(text);
	buf_free(&why);
	buf_free(&out);
	return 0;
}

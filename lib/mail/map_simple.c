/*
 * map_simple.c - the map types that live in memory: texthash: (a text
 * "key value" file read whole), inline:{ k=v, ... } (the map is its own
 * name) and static:value (every key finds value).
 *
 * texthash and inline share one structure: the entries in file order (so
 * that walks and dumps come out as written) and a hash index on the key.
 * As in postmap, the first of two equal keys wins and the second is a
 * warning.
 */
#include "util/sys_defs.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/htable.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/map_impl.h"

struct memmap {
	struct htable *index; /* key -> entry number + 1 */
	char **keys, **values;
	size_t n, alloc;
};

/* memmap_new - empty */
static struct memmap *
memmap_new(void)
{
	struct memmap *mm = xcalloc(1, sizeof(*mm));

	mm->index = htable_new(64);
	return mm;
}

/* memmap_free - free everything */
static void
memmap_free(struct memmap *mm)
{
	for (size_t i = 0; i < mm->n; i++) {
		free(mm->keys[i]);
		free(mm->values[i]);
	}
	free(mm->keys);
	free(mm->values);
	htable_free(&mm->index, NULL);
	free(mm);
}

/* memmap_add - add unless present; false when the key was there */
static bool
memmap_add(struct memmap *mm, const char *key, const char *value)
{
	if (htable_has(mm->index, key))
		return false;
	if (mm->n == mm->alloc) {
		mm->alloc = mm->alloc ? mm->alloc * 2 : 16;
		mm->keys = xreallocarray(mm->keys, mm->alloc, sizeof(char *));
		mm->values =
		    xreallocarray(mm->values, mm->alloc, sizeof(char *));
	}
	mm->keys[mm->n] = xstrdup(key);
	mm->values[mm->n] = xstrdup(value);
	mm->n++;
	htable_set(mm->index, key, (void *)(uintptr_t)mm->n);
	return true;
}

/* memmap_get - lookup */
static int
memmap_get(struct map *m, const char *key, struct buf *out, struct buf *why)
{
	struct memmap *mm = m->priv;
	uintptr_t i = (uintptr_t)htable_get(mm->index, key);

	if (i == 0)
		return 0;
	buf_sets(out, mm->values[i - 1]);
	return 1;
}

/* memmap_walk - in file order */
static int
memmap_walk(struct map *m, map_walk_fn fn, void *ctx, struct buf *why)
{
	struct memmap *mm = m->priv;

	for (size_t i = 0; i < mm->n; i++)
		if (fn(mm->keys[i], mm->values[i], ctx) != 0)
			break;
	return 0;
}

/* memmap_close - free the state */
static void
memmap_close(struct map *m)
{
	memmap_free(m->priv);
	m->priv = NULL;
}

/* texthash_add - one entry */
static int
texthash_add(const char *key, const char *value, long lineno, void *ctx)
{
	return memmap_add(ctx, key, value) ? 1 : 0;
}

/* texthash_open - read "key value" lines */
static int
texthash_open(struct map *m, struct map_diag *d)
{
	struct memmap *mm;
	struct map_text *t;

	if ((t = map_text_open_map(m, d)) == NULL)
		return -1;
	mm = memmap_new();
	(void)map_text_read_kv(t, m->fold, d, texthash_add, mm);
	map_text_watch(m, t);
	map_text_close(&t);
	m->priv = mm;
	return 0;
}

const struct map_type map_type_texthash = {
    .name = "texthash",
    .fold_default = true,
    .open = texthash_open,
    .get = memmap_get,
    .walk = memmap_walk,
    .close = memmap_close,
};

/* brace_strip - "{ text }" -> "text" in place (trimmed); NULL when the
 * braces do not pair */
static char *
brace_strip(char *s)
{
	size_t n;

	s = str_trim(s);
	n = strlen(s);
	if (n < 2 || s[0] != '{' || s[n - 1] != '}')
		return NULL;
	s[n - 1] = 0;
	return str_trim(s + 1);
}

/* inline_next_item - the next item inside the braces: separated by commas
 * and white space; an item in braces may hold both. NULL at the end;
 * *bad_out when braces do not pair. */
static char *
inline_next_item(char **sp, bool *bad_out)
{
	char *s = *sp, *start;
	int depth = 0;

	*bad_out = false;
	s += strspn(s, ", \t\r\n");
	if (*s == 0)
		return NULL;
	start = s;
	for (; *s; s++) {
		if (depth == 0 && strchr(", \t\r\n", *s))
			break;
		if (*s == '{')
			depth++;
		else if (*s == '}' && --depth < 0)
			*bad_out = true;
	}
	if (depth != 0)
		*bad_out = true;
	if (*s)
		*s++ = 0;
	*sp = s;
	return start;
}

/* inline_open - parse "{ k=v, { k = v w }, ... }" */
static int
inline_open(struct map *m, struct map_diag *d)
{
	char *copy = xstrdup(m->name), *body, *item, *s;
	struct buf *fk = buf_new(64);
	struct memmap *mm = memmap_new();
	bool bad;

	d->file = m->spec;
	if ((body = brace_strip(copy)) == NULL) {
		map_diag_error(d, 0, "expected \"inline:{ key=value, ... }\"");
		goto out;
	}
	s = body;
	while ((item = inline_next_item(&s, &bad)) != NULL) {
		char *key, *value, *eq;

		if (bad) {
			map_diag_error(
			    d, 0, "unbalanced braces in \"%s\"", item);
			break;
		}
		if (item[0] == '{' && (item = brace_strip(item)) == NULL) {
			map_diag_error(d, 0, "unbalanced braces");
			break;
		}
		if ((eq = strchr(item, '=')) == NULL) {
			map_diag_error(
			    d, 0, "\"%s\": expected key=value", item);
			continue;
		}
		*eq = 0;
		key = str_trim(item);
		value = str_trim(eq + 1);
		if (*key == 0) {
			map_diag_error(d, 0, "empty key in \"=%s\"", value);
			continue;
		}
		if (m->fold)
			key = (char *)map_fold(fk, key);
		if (!memmap_add(mm, key, value))
			map_diag_warn(d, 0,
			    "duplicate key \"%s\", the first one wins", key);
	}
out:
	free(copy);
	buf_free(&fk);
	m->priv = mm;
	return d->nerrors ? -1 : 0;
}

const struct map_type map_type_inline = {
    .name = "inline",
    .fold_default = true,
    .open = inline_open,
    .get = memmap_get,
    .walk = memmap_walk,
    .close = memmap_close,
};

/* static_open - the value is the name, or the text in braces */
static int
static_open(struct map *m, struct map_diag *d)
{
	char *copy = xstrdup(m->name), *v = copy;

	d->file = m->spec;
	if (copy[0] == '{' && (v = brace_strip(copy)) == NULL) {
		map_diag_error(d, 0, "expected \"static:{ text }\"");
		free(copy);
		return -1;
	}
	m->priv = xstrdup(v);
	free(copy);
	return 0;
}

/* static_get - always found */
static int
static_get(struct map *m, const char *key, struct buf *out, struct buf *why)
{
	buf_sets(out, m->priv);
	return 1;
}

/* static_close - free the value */
static void
static_close(struct map *m)
{
	free(m->priv);
	m->priv = NULL;
}

const struct map_type map_type_static = {
    .name = "static",
    .fold_default = false,
    .open = static_open,
    .get = static_get,
    .walk = NULL,
    .close = static_close,
};

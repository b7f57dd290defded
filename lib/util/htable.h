/*
 * htable.h - hash table with string keys (copied) and pointer values
 * (borrowed, or freed by the destructor given to htable_free). Open
 * hashing with chains; SipHash-like keyed mixing is not needed because no
 * table holds more than a process's own configuration or small sets.
 */
#ifndef UTIL_HTABLE_H
#define UTIL_HTABLE_H
#include "util/sys_defs.h"

struct htable;
struct htable_iter {
	const struct htable *t;
	size_t bucket;
	void *entry;
};

struct htable *htable_new(size_t hint);
/* htable_free - free the table, calling free_value on each value (may be
 * NULL); sets *tp = NULL */
void htable_free(struct htable **tp, void (*free_value)(void *));
/* htable_set - insert or replace; returns the old value or NULL */
void *htable_set(struct htable *t, const char *key, void *value);
void *htable_get(const struct htable *t, const char *key);
bool htable_has(const struct htable *t, const char *key);
/* htable_del - remove; returns the value or NULL */
void *htable_del(struct htable *t, const char *key);
size_t htable_count(const struct htable *t);
/* htable_iter_init/next - visit every entry in no particular order; the
 * table must not change during iteration */
void htable_iter_init(struct htable_iter *it, const struct htable *t);
bool htable_iter_next(
    struct htable_iter *it, const char **key_out, void **value_out);

#endif /* UTIL_HTABLE_H */

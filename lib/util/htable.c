/*
 * htable.c - chained hash table with string keys (see htable.h).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/htable.h"
#include "util/xalloc.h"

struct hentry {
	struct hentry *next;
	void *value;
	char key[];
};

struct htable {
	struct hentry **b;
	size_t nb, count;
};

/* htable_hash - FNV-1a */
static size_t
htable_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	/* The low bits of an FNV product see only the low bits of the
	 * input, and the table indexes with the low bits: fold the high
	 * half in (keys that differ in a few digits, such as Maildir file
	 * names, otherwise share buckets). */
	return (size_t)(h ^ (h >> 32));
}

/* htable_new - empty table */
struct htable *
htable_new(size_t hint)
{
	struct htable *t = xcalloc(1, sizeof(*t));

	t->nb = 16;
	while (t->nb < hint)
		t->nb *= 2;
	t->b = xcalloc(t->nb, sizeof(*t->b));
	return t;
}

/* htable_free - free everything */
void
htable_free(struct htable **tp, void (*free_value)(void *))
{
	struct htable *t = *tp;

	if (t == NULL)
		return;
	for (size_t i = 0; i < t->nb; i++) {
		struct hentry *e = t->b[i], *n;

		for (; e; e = n) {
			n = e->next;
			if (free_value)
				free_value(e->value);
			free(e);
		}
	}
	free(t->b);
	free(t);
	*tp = NULL;
}

/* htable_grow - double the bucket array */
static void
htable_grow(struct htable *t)
{
	size_t nb = t->nb * 2;
	struct hentry **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < t->nb; i++) {
		struct hentry *e = t->b[i], *n;

		for (; e; e = n) {
			size_t h = htable_hash(e->key) & (nb - 1);

			n = e->next;
			e->next = b[h];
			b[h] = e;
		}
	}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* htable_find - the slot that holds key, or where it would go */
static struct hentry **
htable_find(const struct htable *t, const char *key)
{
	struct hentry **ep = &t->b[htable_hash(key) & (t->nb - 1)];

	while (*ep && strcmp((*ep)->key, key) != 0)
		ep = &(*ep)->next;
	return ep;
}

/* htable_set - insert or replace */
void *
htable_set(struct htable *t, const char *key, void *value)
{
	struct hentry **ep = htable_find(t, key), *e;
	size_t n;

	if (*ep) {
		void *old = (*ep)->value;

		(*ep)->value = value;
		return old;
	}
	if (t->count >= t->nb) {
		htable_grow(t);
		ep = htable_find(t, key);
	}
	n = strlen(key);
	e = xmalloc(sizeof(*e) + n + 1);
	memcpy(e->key, key, n + 1);
	e->value = value;
	e->next = NULL;
	*ep = e;
	t->count++;
	return NULL;
}

/* htable_get - value or NULL */
void *
htable_get(const struct htable *t, const char *key)
{
	struct hentry *e = *htable_find(t, key);

	return e ? e->value : NULL;
}

/* htable_has - key present (even with a NULL value) */
bool
htable_has(const struct htable *t, const char *key)
{
	return *htable_find(t, key) != NULL;
}

/* htable_del - remove an entry */
void *
htable_del(struct htable *t, const char *key)
{
	struct hentry **ep = htable_find(t, key), *e = *ep;
	void *v;

	if (e == NULL)
		return NULL;
	*ep = e->next;
	v = e->value;
	free(e);
	t->count--;
	return v;
}

/* htable_count - number of entries */
size_t
htable_count(const struct htable *t)
{
	return t->count;
}

/* htable_iter_init - start an iteration */
void
htable_iter_init(struct htable_iter *it, const struct htable *t)
{
	it->t = t;
	it->bucket = 0;
	it->entry = NULL;
}

/* htable_iter_next - next entry */
bool
htable_iter_next(struct htable_iter *it, const char **key_out, void **value_out)
{
	struct hentry *e = it->entry;

	if (e)
		e = e->next;
	while (e == NULL && it->bucket < it->t->nb)
		e = it->t->b[it->bucket++];
	it->entry = e;
	if (e == NULL)
		return false;
	if (key_out)
		*key_out = e->key;
	if (value_out)
		*value_out = e->value;
	return true;
}

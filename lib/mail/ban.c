/*
 * ban.c - failure windows and bans (see ban.h).
 *
 * Counters live in a hash table for lookup and in a list ordered by the
 * start of their window, so that both expiry and eviction take the
 * oldest first in constant time: a window is only ever (re)started
 * "now", which puts it at the tail.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/htable.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/ban.h"

struct ban_ctr {
	char *key; /* "c:ADDRESS" or "l:LOGIN" */
	time_t start;
	long count;
	bool alerted;
	struct ban_ctr *prev, *next;
};

struct ban_ent {
	time_t until;
	long failures;
	char *login;
};

struct ban_table {
	long limit, window, ban_time, table_limit;
	struct htable *ctrs; /* key -> struct ban_ctr */
	struct ban_ctr *head, *tail;
	struct htable *bans; /* address -> struct ban_ent */
};

/* ban_ent_free - destructor for the bans table */
static void
ban_ent_free(void *p)
{
	struct ban_ent *b = p;

	free(b->login);
	free(b);
}

/* ban_table_new - an empty table */
struct ban_table *
ban_table_new(long limit, long window, long ban_time, long table_limit)
{
	struct ban_table *t = xcalloc(1, sizeof(*t));

	t->limit = limit;
	t->window = window;
	t->ban_time = ban_time;
	t->table_limit = table_limit;
	t->ctrs = htable_new(64);
	t->bans = htable_new(64);
	return t;
}

/* ban_ctr_unlink - take a counter out of the list */
static void
ban_ctr_unlink(struct ban_table *t, struct ban_ctr *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		t->tail = c->prev;
	c->prev = c->next = NULL;
}

/* ban_ctr_append - put a counter at the tail (newest) */
static void
ban_ctr_append(struct ban_table *t, struct ban_ctr *c)
{
	c->prev = t->tail;
	c->next = NULL;
	if (t->tail)
		t->tail->next = c;
	else
		t->head = c;
	t->tail = c;
}

/* ban_ctr_drop - forget a counter */
static void
ban_ctr_drop(struct ban_table *t, struct ban_ctr *c)
{
	ban_ctr_unlink(t, c);
	htable_del(t->ctrs, c->key);
	free(c->key);
	free(c);
}

/* ban_table_free - free everything */
void
ban_table_free(struct ban_table **tp)
{
	struct ban_table *t = *tp;

	if (t == NULL)
		return;
	while (t->head)
		ban_ctr_drop(t, t->head);
	htable_free(&t->ctrs, NULL);
	htable_free(&t->bans, ban_ent_free);
	free(t);
	*tp = NULL;
}

/* ban_count_one - count a failure under key; returns the new count */
static struct ban_ctr *
ban_count_one(
    struct ban_table *t, const char *prefix, const char *name, time_t now)
{
	struct buf *key = buf_new(64);
	struct ban_ctr *c;

	buf_printf(key, "%s%s", prefix, name);
	c = htable_get(t->ctrs, buf_cstr(key));
	if (c != NULL && now - c->start >= t->window) {
		/* The window has passed: start a new one. */
		ban_ctr_unlink(t, c);
		c->start = now;
		c->count = 0;
		c->alerted = false;
		ban_ctr_append(t, c);
	}
	if (c == NULL) {
		while ((long)htable_count(t->ctrs) >= t->table_limit && t->head)
			ban_ctr_drop(t, t->head);
		c = xcalloc(1, sizeof(*c));
		c->key = buf_steal(key);
		c->start = now;
		htable_set(t->ctrs, c->key, c);
		ban_ctr_append(t, c);
	}
	c->count++;
	buf_free(&key);
	return c;
}

/* ban_ctr_forget - drop the counter of key, if any */
static void
ban_ctr_forget(struct ban_table *t, const char *prefix, const char *name)
{
	struct buf *key = buf_new(64);
	struct ban_ctr *c;

	buf_printf(key, "%s%s", prefix, name);
	if ((c = htable_get(t->ctrs, buf_cstr(key))) != NULL)
		ban_ctr_drop(t, c);
	buf_free(&key);
}

/* ban_failure - one failed login */
int
ban_failure(struct ban_table *t, const char *client, const char *login,
    time_t now, time_t *until_out, long *count_out)
{
	struct ban_ctr *c, *l;
	int ret = 0;

	if (t->limit <= 0 || ban_check(t, client, now, NULL, NULL))
		return 0;
	c = ban_count_one(t, "c:", client, now);
	if (count_out)
		*count_out = c->count;
	if (login && *login) {
		l = ban_count_one(t, "l:", login, now);
		if (l->count >= t->limit && !l->alerted) {
			l->alerted = true;
			/* Not worth a word when one client did it all: that
			 * client is banned right now. */
			if (c->count < t->limit) {
				ret |= BAN_LOGIN_ALERT;
				if (count_out)
					*count_out = l->count;
			}
		}
	}
	if (c->count >= t->limit) {
		long n = c->count;

		if (ban_add(t, client, now + t->ban_time, n, login, now)) {
			ret |= BAN_STARTED;
			if (until_out)
				*until_out = now + t->ban_time;
			if (count_out)
				*count_out = n;
			ban_ctr_forget(t, "c:", client);
		} else {
			ret |= BAN_TABLE_FULL;
		}
	}
	return ret;
}

/* ban_success - the login's count starts over */
void
ban_success(struct ban_table *t, const char *login)
{
	if (login && *login)
		ban_ctr_forget(t, "l:", login);
}

/* ban_check - is client banned now */
bool
ban_check(struct ban_table *t, const char *client, time_t now,
    time_t *until_out, bool *expired_out)
{
	struct ban_ent *b = htable_get(t->bans, client);

	if (expired_out)
		*expired_out = false;
	if (b == NULL)
		return false;
	if (b->until <= now) {
		ban_ent_free(htable_del(t->bans, client));
		if (expired_out)
			*expired_out = true;
		return false;
	}
	if (until_out)
		*until_out = b->until;
	return true;
}

/* ban_add - enter a ban */
bool
ban_add(struct ban_table *t, const char *client, time_t until, long failures,
    const char *login, time_t now)
{
	struct ban_ent *b;

	if (until <= now)
		return true;
	if ((b = htable_get(t->bans, client)) == NULL) {
		if ((long)htable_count(t->bans) >= t->table_limit)
			ban_expire(t, now, NULL, NULL);
		if ((long)htable_count(t->bans) >= t->table_limit)
			return false;
		b = xcalloc(1, sizeof(*b));
		htable_set(t->bans, client, b);
	}
	free(b->login);
	b->until = until;
	b->failures = failures;
	b->login = xstrdup(login && *login ? login : "-");
	return true;
}

/* ban_del - lift a ban */
bool
ban_del(struct ban_table *t, const char *client)
{
	struct ban_ent *b = htable_del(t->bans, client);

	if (b == NULL)
		return false;
	ban_ent_free(b);
	ban_ctr_forget(t, "c:", client);
	return true;
}

/* ban_expire - drop what has ended */
void
ban_expire(struct ban_table *t, time_t now,
    void (*fn)(const char *client, void *ctx), void *ctx)
{
	struct htable_iter it;
	const char *key;
	void *val;
	struct strv gone;

	while (t->head && now - t->head->start >= t->window)
		ban_ctr_drop(t, t->head);
	strv_init(&gone);
	htable_iter_init(&it, t->bans);
	while (htable_iter_next(&it, &key, &val))
		if (((struct ban_ent *)val)->until <= now)
			strv_push(&gone, key);
	for (size_t i = 0; i < gone.n; i++) {
		if (fn)
			fn(gone.v[i], ctx);
		ban_ent_free(htable_del(t->bans, gone.v[i]));
	}
	strv_free(&gone);
}

/* ban_walk - every ban */
void
ban_walk(struct ban_table *t,
    int (*fn)(const char *client, time_t until, long failures,
        const char *login, void *ctx),
    void *ctx)
{
	struct htable_iter it;
	const char *key;
	void *val;

	htable_iter_init(&it, t->bans);
	while (htable_iter_next(&it, &key, &val)) {
		struct ban_ent *b = val;

		if (fn(key, b->until, b->failures, b->login, ctx) != 0)
			break;
	}
}

size_t
ban_count(const struct ban_table *t)
{
	return htable_count(t->bans);
}

size_t
ban_counters(const struct ban_table *t)
{
	return htable_count(t->ctrs);
}

/* ban_record_format - "UNTIL FAILURES LOGIN" */
void
ban_record_format(
    time_t until, long failures, const char *login, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%lld %ld ", (long long)until, failures);
	/* A login is client data: keep the record one safe word. */
	if (login == NULL || *login == 0)
		login = "-";
	for (const char *p = login; *p && p - login < 320; p++)
		buf_catc(out, *p > ' ' && *p < 0x7f ? *p : '?');
}

/* ban_record_parse - the reverse */
int
ban_record_parse(const char *rec, time_t *until_out, long *failures_out,
    struct buf *login_out)
{
	struct strv w;
	long f;
	unsigned long u;
	int ret = -1;

	strv_init(&w);
	strv_split(&w, rec, " ");
	if (w.n == 3
	    && str_parse_ulong(w.v[0], (unsigned long)INT64_MAX, &u) == 0
	    && str_parse_long(w.v[1], 0, LONG_MAX, &f) == 0) {
		*until_out = (time_t)u;
		*failures_out = f;
		if (login_out)
			buf_sets(login_out, w.v[2]);
		ret = 0;
	}
	strv_free(&w);
	return ret;
}

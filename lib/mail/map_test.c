/*
 * map_test.c - the map API over the in-memory types: specs, case
 * folding, inline: and static:, texthash:, Postfix's address order,
 * noticing an edited file, map lists, map_check_text.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/params.h"

#include "tests/t.h"

static const struct {
	const char *spec;
	int flags;
	const char *key;
	int ret;
	const char *value;
} lookups[] = {
    {"inline:{ a=1, b=2 }", 0, "a", 1, "1"},
    {"inline:{ a=1, b=2 }", 0, "b", 1, "2"},
    {"inline:{ a=1, b=2 }", 0, "c", 0, NULL},
    {"inline:{a=1,b=2}", 0, "b", 1, "2"},
    {"inline:{ a=1, b=2 }", 0, "A", 1, "1"},       /* folded */
    {"inline:{ A=1 }", 0, "a", 1, "1"},            /* folded */
    {"inline:{ a=1 }", MAP_NO_FOLD, "A", 0, NULL}, /* not folded */
    {"inline:{ A=Mixed }", MAP_NO_FOLD, "A", 1, "Mixed"},
    {"inline:{ { k = text with, comma }, x=y }", 0, "k", 1, "text with, comma"},
    {"inline:{ { k = text with, comma }, x=y }", 0, "x", 1, "y"},
    {"inline:{ a=1, a=2 }", 0, "a", 1, "1"}, /* first wins */
    {"inline:{ a= }", 0, "a", 1, ""},
    {"inline:{ url=http://x/?a=b }", 0, "url", 1, "http://x/?a=b"},
    {"static:OK", 0, "anything", 1, "OK"},
    {"static:{ text with space }", 0, "x", 1, "text with space"},
    {"static:Mixed", 0, "K", 1, "Mixed"},
};

static const struct {
	const char *spec;
	const char *why;
} bad_specs[] = {
    {"nosuch:/x", "nosuch:/x: unsupported map type \"nosuch\""},
    {"hash:", "hash:: map name missing after \"hash:\""},
    {"inline:a=b", "inline:a=b: expected \"inline:{ key=value, ... }\""},
    {"inline:{ a }", "inline:{ a }: \"a\": expected key=value"},
    {"inline:{ =b }", "inline:{ =b }: empty key in \"=b\""},
    {"inline:{ {a=b }", "inline:{ {a=b }: unbalanced braces in \"{a=b\""},
    {"static:{ x", "static:{ x: expected \"static:{ text }\""},
    {"texthash:/nonexistent/x",
        "open /nonexistent/x: No such file or directory"},
};

/* simple_lookups - the table above */
static void
simple_lookups(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);

	for (size_t i = 0; i < NELEM(lookups); i++) {
		struct map *m;

		t_begin(lookups[i].spec);
		buf_reset(why);
		if (strstr(lookups[i].spec, "a=1, a=2"))
			t_expect_log("duplicate key \"a\", the first one wins");
		m = map_open(lookups[i].spec, lookups[i].flags, why);
		T_ASSERT(m != NULL);
		if (m == NULL) {
			fprintf(stderr, "%s\n", buf_cstr(why));
			continue;
		}
		T_INTEQ(map_get(m, lookups[i].key, out, why), lookups[i].ret);
		if (lookups[i].ret == 1)
			T_STREQ(buf_cstr(out), lookups[i].value);
		map_close(&m);
		T_ASSERT(m == NULL);
	}
	for (size_t i = 0; i < NELEM(bad_specs); i++) {
		struct map *m;

		t_begin(bad_specs[i].spec);
		buf_reset(why);
		m = map_open(bad_specs[i].spec, 0, why);
		T_ASSERT(m == NULL);
		T_STREQ(buf_cstr(why), bad_specs[i].why);
		map_close(&m);
	}
	buf_free(&out);
	buf_free(&why);
}

/* default_type - a spec without a type uses default_database_type */
static void
default_type(void)
{
	struct buf *why = buf_new(64);
	struct map *m;
	char *save = var_default_database_type;

	t_begin("default type");
	var_default_database_type = "texthash";
	t_write_file("dflt", "k v\n");
	m = map_open(t_write_file("dflt", "k v\n"), 0, why);
	T_ASSERT(m != NULL);
	if (m) {
		T_ASSERT(strncmp(map_spec(m), "texthash:/", 10) == 0);
		map_close(&m);
	}
	var_default_database_type = NULL;
	T_ASSERT(map_open("/nonexistent/x", 0, why) == NULL);
	T_ASSERT(strstr(buf_cstr(why), "/nonexistent/x.db") != NULL);
	var_default_database_type = save;
	T_ASSERT(map_type_known("hash"));
	T_ASSERT(map_type_known("texthash"));
	T_ASSERT(!map_type_known("nis"));
	buf_free(&why);
}

static const struct {
	const char *addr;
	bool is_local;
	int ret;
	const char *value;
	int matched;
} addrs[] = {
    {"alice@example.com", true, 1, "full", 0},
    {"alice@EXAMPLE.com", false, 1, "full", 0}, /* domain folded */
    {"ALICE@example.com", false, 1, "full", 0}, /* map folds */
    {"bob@example.com", true, 1, "local-bob", 1},
    {"bob@example.com", false, 1, "domain", 2},  /* user only if local */
    {"carol@example.com", true, 1, "domain", 2}, /* @domain */
    {"carol@other.org", true, 0, NULL, 0},
    {"bob", true, 1, "local-bob", 0},          /* no domain: as given */
    {"x@y@example.com", true, 1, "domain", 2}, /* last '@' */
    {"@example.com", true, 1, "domain", 0},
};

/* address_order - user@domain, user (local), @domain */
static void
address_order(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);
	struct map *m =
	    map_open("inline:{ alice@example.com=full, bob=local-bob,"
	             " @example.com=domain }",
	        0, why);
	struct map *cs =
	    map_open("inline:{ Alice@example.com=cs }", MAP_NO_FOLD, why);

	T_ASSERT(m != NULL && cs != NULL);
	for (size_t i = 0; m && i < NELEM(addrs); i++) {
		int matched = -1;

		t_begin(addrs[i].addr);
		T_INTEQ(map_get_addr(m, addrs[i].addr, addrs[i].is_local, out,
		            &matched, why),
		    addrs[i].ret);
		if (addrs[i].ret == 1) {
			T_STREQ(buf_cstr(out), addrs[i].value);
			T_INTEQ(matched, addrs[i].matched);
		}
	}
	t_begin("domain part folded even without MAP_FOLD_CASE");
	T_INTEQ(
	    map_get_addr(cs, "Alice@EXAMPLE.COM", false, out, NULL, why), 1);
	T_INTEQ(
	    map_get_addr(cs, "alice@example.com", false, out, NULL, why), 0);
	map_close(&m);
	map_close(&cs);
	buf_free(&out);
	buf_free(&why);
}

static int
walk_collect(const char *key, const char *value, void *ctx)
{
	buf_printf(ctx, "%s=%s;", key, value);
	return 0;
}

static int
walk_stop(const char *key, const char *value, void *ctx)
{
	buf_printf(ctx, "%s;", key);
	return 1;
}

/* texthash - read, fold, duplicates, walk in file order, errors */
static void
texthash(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64), *w = buf_new(64),
	           *spec = buf_new(64);
	struct map *m;

	t_begin("texthash");
	buf_printf(spec, "texthash:%s",
	    t_write_file("th",
	        "# aliases\nZed   last\nalpha first value\n"
	        "  continued\nzed again\n"));
	t_expect_log(":5: duplicate key \"zed\", the first one wins");
	m = map_open(buf_cstr(spec), 0, why);
	T_ASSERT(m != NULL);
	if (m) {
		T_INTEQ(map_get(m, "zed", out, why), 1);
		T_STREQ(buf_cstr(out), "last");
		T_INTEQ(map_get(m, "ALPHA", out, why), 1);
		T_STREQ(buf_cstr(out), "first value  continued");
		T_INTEQ(map_get(m, "beta", out, why), 0);
		T_INTEQ(map_walk(m, walk_collect, w, why), 0);
		T_STREQ(buf_cstr(w), "zed=last;alpha=first value  continued;");
		buf_reset(w);
		T_INTEQ(map_walk(m, walk_stop, w, why), 0);
		T_STREQ(buf_cstr(w), "zed;");
		map_close(&m);
	}

	t_begin("texthash errors");
	buf_reset(spec);
	buf_reset(why);
	buf_printf(spec, "texthash:%s",
	    t_write_file("thbad", "ok 1\nlonely\n  \nok2 2\n"));
	T_ASSERT(map_open(buf_cstr(spec), 0, why) == NULL);
	T_ASSERT(strstr(buf_cstr(why),
	             "/thbad:2: expected \"key value\", found only \"lonely\"")
	    != NULL);
	buf_reset(why);
	T_INTEQ(map_check_text(buf_cstr(spec), why), -1);
	T_ASSERT(strstr(buf_cstr(why), "/thbad:2: expected") != NULL);

	t_begin("check reports warnings, returns 0");
	buf_reset(spec);
	buf_reset(why);
	buf_printf(spec, "texthash:%s", t_write_file("thdup", "a 1\nA 2\n"));
	T_INTEQ(map_check_text(buf_cstr(spec), why), 0);
	T_ASSERT(strstr(buf_cstr(why),
	             "/thdup:2: warning: duplicate key \"a\", the first one "
	             "wins")
	    != NULL);

	t_begin("building a text type is refused");
	buf_reset(why);
	T_INTEQ(map_build(buf_cstr(spec), why), -1);
	T_ASSERT(strstr(buf_cstr(why), "nothing to build") != NULL);
	buf_free(&out);
	buf_free(&why);
	buf_free(&w);
	buf_free(&spec);
}

/* rewrite - replace a file by rename, as an editor or a build does */
static void
rewrite(const char *path, const char *text)
{
	struct buf *tmp = buf_new(64);
	FILE *fp;

	buf_printf(tmp, "%s.new", path);
	fp = fopen(buf_cstr(tmp), "w");
	fputs(text, fp);
	fclose(fp);
	rename(buf_cstr(tmp), path);
	buf_free(&tmp);
}

/* reopen - an edited file is noticed on the next lookup after the check
 * interval; a broken new version keeps the old one */
static void
reopen(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64), *spec = buf_new(64);
	char *path = xstrdup(t_write_file("re", "k old\n"));
	struct map *m;

	t_begin("rebuilt file is noticed");
	buf_printf(spec, "texthash:%s", path);
	map_set_check_interval(0);
	m = map_open(buf_cstr(spec), 0, why);
	T_ASSERT(m != NULL);
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "old");
	rewrite(path, "k new\n");
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "new");

	t_begin("broken new version keeps the old one");
	rewrite(path, "k\n");
	t_expect_log("changed, but the new version cannot be used");
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "new");
	/* Not retried until the file changes again. */
	T_INTEQ(map_get(m, "k", out, why), 1);
	rewrite(path, "k fixed\n");
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "fixed");

	t_begin("removed file keeps the map");
	unlink(path);
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "fixed");

	t_begin("check interval");
	map_set_check_interval(60000);
	T_INTEQ(map_get(m, "k", out, why), 1); /* the last check for 60s */
	rewrite(path, "k later\n");
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "fixed");
	map_set_check_interval(1000);
	map_close(&m);
	free(path);
	buf_free(&out);
	buf_free(&why);
	buf_free(&spec);
}

static const struct {
	const char *list;
	const char *key;
	int ret;
	const char *value;
} lists[] = {
    {"inline:{a=1}, inline:{a=2, b=2}", "a", 1, "1"},
    {"inline:{a=1}, inline:{a=2, b=2}", "b", 1, "2"},
    {"inline:{a=1} inline:{a=2, b=2}", "c", 0, NULL},
    {"inline:{ { a = 1 } },static:S", "z", 1, "S"},
    {"inline:{ { a = 1 } },static:S", "a", 1, "1"},
    {"192.0.2.1, Example.COM", "example.com", 1, "example.com"},
    {"192.0.2.1, Example.COM", "192.0.2.1", 1, "192.0.2.1"},
    {"  ,, lit  ,", "LIT", 1, "lit"},
    {"", "x", 0, NULL},
    {"[::1]/128, ::1", "::1", 1, "::1"},
};

/* maplists - lists of maps and literals */
static void
maplists(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);
	struct maplist *l;

	for (size_t i = 0; i < NELEM(lists); i++) {
		t_begin(lists[i].list);
		buf_reset(why);
		l = maplist_open(lists[i].list, 0, why);
		T_ASSERT(l != NULL);
		if (l == NULL) {
			fprintf(stderr, "%s\n", buf_cstr(why));
			continue;
		}
		T_INTEQ(maplist_get(l, lists[i].key, out, why), lists[i].ret);
		if (lists[i].ret == 1)
			T_STREQ(buf_cstr(out), lists[i].value);
		maplist_close(&l);
	}

	t_begin("maplist literal without folding");
	l = maplist_open("Lit", MAP_NO_FOLD, why);
	T_INTEQ(maplist_get(l, "lit", out, why), 0);
	T_INTEQ(maplist_get(l, "Lit", out, why), 1);
	maplist_close(&l);

	t_begin("maplist errors");
	buf_reset(why);
	T_ASSERT(maplist_open("inline:{a=1}, nosuch:/x", 0, why) == NULL);
	T_STREQ(buf_cstr(why), "nosuch:/x: unsupported map type \"nosuch\"");
	buf_reset(why);
	T_ASSERT(maplist_open("texthash:/nonexistent", 0, why) == NULL);
	T_ASSERT(strstr(buf_cstr(why), "No such file") != NULL);

	t_begin("maplist address order across maps");
	/* The full address in any map beats @domain in an earlier one. */
	l = maplist_open("inline:{ @example.com=catchall, bob=local },"
	                 " inline:{ alice@example.com=alice }",
	    0, why);
	T_ASSERT(l != NULL);
	T_INTEQ(maplist_get_addr(l, "alice@Example.com", true, out, why), 1);
	T_STREQ(buf_cstr(out), "alice");
	T_INTEQ(maplist_get_addr(l, "bob@example.com", true, out, why), 1);
	T_STREQ(buf_cstr(out), "local");
	T_INTEQ(maplist_get_addr(l, "bob@example.com", false, out, why), 1);
	T_STREQ(buf_cstr(out), "catchall");
	T_INTEQ(maplist_get_addr(l, "bob@other.org", true, out, why), 1);
	T_STREQ(buf_cstr(out), "local");
	T_INTEQ(maplist_get_addr(l, "x@other.org", true, out, why), 0);
	T_INTEQ(maplist_count(l), 2);
	maplist_close(&l);
	buf_free(&out);
	buf_free(&why);
}

int
main(void)
{
	simple_lookups();
	default_type();
	address_order();
	texthash();
	reopen();
	maplists();
	return t_end();
}

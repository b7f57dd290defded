/*
 * map_pcre_test.c - pcre: maps: first match, flags, negation, $n
 * substitution, if/endif, other delimiters, file:line errors.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/map.h"
#include "mail/map_impl.h"

#include "tests/t.h"

static const char *table = "# header and address rules\n"
                           "/^(.*)@old\\.example$/          $1@new.example\n"
                           "/^postmaster@/                 root\n"
                           "/^Subject:.*viagra/            REJECT spam\n"
                           "/^CaseSensitive$/i             exact\n"
                           "/^(one)(two)?$/                [$1][$2]\n"
                           "!/@/                           no domain: $$ kept\n"
                           "if /\\.test$/\n"
                           "/^a@/                          in-if $0\n"
                           "if !/^b/\n"
                           "/^c(.)@/                       nested ${1}x\n"
                           "endif\n"
                           "endif\n"
                           "/^a@/                          after-if\n"
                           "|(^x@)|                        bar-delimited $1\n"
                           "/a\\/b/                         slash\n";

static const struct {
	const char *key;
	int ret;
	const char *value;
} cases[] = {
    {"alice@old.example", 1, "alice@new.example"},
    {"Alice@OLD.example", 1, "Alice@new.example"}, /* case-insensitive */
    {"postmaster@example.com", 1, "root"},
    {"Subject: cheap VIAGRA now", 1, "REJECT spam"},
    {"CaseSensitive", 1, "exact"},
    {"casesensitive", 1, "no domain: $ kept"}, /* i toggled: no match */
    {"plain", 1, "no domain: $ kept"},
    {"a@x.test", 0, NULL}, /* "$0" is rejected below; see bad */
    {"cz@y.test", 1, "nested zx"},
    {"a@x.org", 1, "after-if"},
    {"x@y", 1, "bar-delimited x@"},
    {"a/b@z", 1, "slash"},
    {"one", 1, "[one][]"},
    {"onetwo", 1, "[one][two]"},
    {"nobody@example.com", 0, NULL},
};

/* lookups - the table above (without its one bad line) */
static void
lookups(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64), *text = buf_new(64);
	struct map *m;
	const char *bad = "/^a@/                          in-if $0\n";
	const char *p = strstr(table, bad);

	/* Line 8 refers to $0; the table is checked with it replaced. */
	buf_cat(text, table, (size_t)(p - table));
	buf_cats(text, "/^a@/                          in-if\n");
	buf_cats(text, p + strlen(bad));
	m = map_open_mem(
	    "pcre", "t.pcre", buf_cstr(text), buf_len(text), 0, why);
	T_ASSERT(m != NULL);
	if (m == NULL)
		fprintf(stderr, "%s\n", buf_cstr(why));
	for (size_t i = 0; m && i < NELEM(cases); i++) {
		t_begin(cases[i].key);
		if (strcmp(cases[i].key, "a@x.test") == 0) {
			T_INTEQ(map_get(m, cases[i].key, out, why), 1);
			T_STREQ(buf_cstr(out), "in-if");
			continue;
		}
		T_INTEQ(map_get(m, cases[i].key, out, why), cases[i].ret);
		if (cases[i].ret == 1)
			T_STREQ(buf_cstr(out), cases[i].value);
	}
	map_close(&m);
	buf_free(&out);
	buf_free(&why);
	buf_free(&text);
}

static const struct {
	const char *name;
	const char *text;
	const char *why;
} bad[] = {
    {"$0", "/a/ x$0\n", "b:1: bad '$' in the result (use $1..$9, ${n} or $$)"},
    {"group out of range", "/(a)/ $2\n",
        "b:1: $2 in the result, but the pattern has 1 group"},
    {"group in negation", "!/(a)/ $1\n",
        "b:1: $1 in the result of a !/pattern/: there is no match to take "
        "it from"},
    {"bad pattern", "\n/a(b/ x\n",
        "b:2: bad pattern /a(b/: missing closing parenthesis at offset 3"},
    {"no closing delimiter", "/abc x\n",
        "b:1: missing closing '/' of the pattern"},
    {"no result", "/abc/\n", "b:1: missing result after the pattern"},
    {"bad flag", "/abc/q x\n", "b:1: unknown flag 'q' after the pattern"},
    {"not a pattern", "abc x\n",
        "b:1: expected \"/pattern/flags result\", found \"abc x\""},
    {"endif without if", "endif\n", "b:1: endif without if"},
    {"if without endif", "/a/ x\nif /b/\n/c/ d\n", "b:2: if without endif"},
    {"if with a result", "if /b/ x\nendif\n",
        "b:1: text after the pattern of an if: \"x\""},
    {"two errors", "/a(/ x\n/ok/ y\n/b/q z\n",
        "b:1: bad pattern /a(/: missing closing parenthesis at offset 2\n"
        "b:3: unknown flag 'q' after the pattern"},
};

static int
collect(const char *key, const char *value, void *ctx)
{
	buf_printf(ctx, "%s=%s;", key, value);
	return 0;
}

/* errors - file:line for each bad line */
static void
errors(void)
{
	struct buf *why = buf_new(64), *w = buf_new(64);
	struct map *m;
	const char *text = "/a b/x  spaced\nif /c/\n/d/ e\nendif\n";

	for (size_t i = 0; i < NELEM(bad); i++) {
		t_begin(bad[i].name);
		buf_reset(why);
		m = map_open_mem(
		    "pcre", "b", bad[i].text, strlen(bad[i].text), 0, why);
		T_ASSERT(m == NULL);
		T_STREQ(buf_cstr(why), bad[i].why);
		map_close(&m);
	}
	t_begin("walk");
	m = map_open_mem("pcre", "w", text, strlen(text), 0, why);
	T_ASSERT(m != NULL);
	if (m) {
		T_INTEQ(map_walk(m, collect, w, why), 0);
		T_STREQ(buf_cstr(w), "/a b/x=spaced;if /c/=;/d/=e;endif=;");
		map_close(&m);
	}
	t_begin("match limit is a lookup error");
	{
		const char *slow = "/^(a+)+$/ x\n";
		char key[64];

		m = map_open_mem("pcre", "s", slow, strlen(slow), 0, why);
		memset(key, 'a', sizeof(key) - 2);
		key[sizeof(key) - 2] = 'b';
		key[sizeof(key) - 1] = 0;
		buf_reset(why);
		T_INTEQ(map_get(m, key, w, why), -1);
		T_ASSERT(strstr(buf_cstr(why), "pcre:s") != NULL);
		map_close(&m);
	}
	buf_free(&why);
	buf_free(&w);
}

int
main(void)
{
	lookups();
	errors();
	return t_end();
}

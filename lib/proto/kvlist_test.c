/*
 * kvlist_test.c - the name=value field lists of the account maps.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/kvlist.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	const char *out; /* formatted again; NULL when refused */
	const char *why;
} cases[] = {
    {"", 0, "", NULL},
    {"   ", 0, "", NULL},
    {"a=1", 0, "a=1", NULL},
    {"  a=1\tb=two  ", 0, "a=1 b=two", NULL},
    {"a= b=", 0, "a= b=", NULL},
    {"text=Hello%20World%0A%25", 0, "text=Hello%20World%0A%25", NULL},
    {"text=%c3%a9t%C3%A9", 0, "text=\xc3\xa9t\xc3\xa9", NULL},
    {"forward=a@b.c,d@e.f", 0, "forward=a@b.c,d@e.f", NULL},
    {"x=a=b", 0, "x=a=b", NULL},
    {"a", -1, NULL, "field 1: expected name=value"},
    {"a=1 b", -1, NULL, "field 2: expected name=value"},
    {"=1", -1, NULL, "bad field name"},
    {"A=1", -1, NULL, "bad field name"},
    {"a-b=1", -1, NULL, "bad field name"},
    {"a=1 a=2", -1, NULL, "given twice"},
    {"a=%", -1, NULL, "bad % escape"},
    {"a=%4", -1, NULL, "bad % escape"},
    {"a=%zz", -1, NULL, "bad % escape"},
    {"a=%00", -1, NULL, "bad % escape"},
};

int
main(void)
{
	struct kvlist kv;
	struct buf *out = buf_new(64), *why = buf_new(64);

	kvlist_init(&kv);
	for (size_t i = 0; i < NELEM(cases); i++) {
		char name[96];

		snprintf(name, sizeof(name), "parse \"%s\"", cases[i].in);
		t_begin(name);
		buf_reset(why);
		buf_reset(out);
		T_INTEQ(kvlist_parse(cases[i].in, &kv, why), cases[i].ret);
		if (cases[i].ret == 0) {
			kvlist_format(&kv, out);
			T_STREQ(buf_cstr(out), cases[i].out);
		} else {
			T_INTEQ(kv.names.n, 0);
			if (strstr(buf_cstr(why), cases[i].why) == NULL)
				t_fail(__FILE__, __LINE__,
				    "reason \"%s\" lacks \"%s\"", buf_cstr(why),
				    cases[i].why);
		}
	}

	t_begin("get, set, del keep order");
	T_INTEQ(kvlist_parse("a=1 b=2 c=3", &kv, why), 0);
	T_STREQ(kvlist_get(&kv, "b"), "2");
	T_ASSERT(kvlist_get(&kv, "z") == NULL);
	kvlist_set(&kv, "b", "two words");
	kvlist_set(&kv, "d", "4");
	T_ASSERT(kvlist_del(&kv, "a"));
	T_ASSERT(!kvlist_del(&kv, "a"));
	buf_reset(out);
	kvlist_format(&kv, out);
	T_STREQ(buf_cstr(out), "b=two%20words c=3 d=4");
	T_INTEQ(kvlist_parse(buf_cstr(out), &kv, why), 0);
	T_STREQ(kvlist_get(&kv, "b"), "two words");
	T_ASSERT(kvlist_del(&kv, "d"));
	T_ASSERT(kv.names.v[kv.names.n] == NULL);

	t_begin("every byte survives a round trip");
	{
		char all[256];

		for (int c = 1; c < 256; c++)
			all[c - 1] = (char)c;
		all[255] = 0;
		kvlist_free(&kv);
		kvlist_set(&kv, "v", all);
		buf_reset(out);
		kvlist_format(&kv, out);
		T_ASSERT(strchr(buf_cstr(out), ' ') == NULL);
		T_ASSERT(strchr(buf_cstr(out), '\n') == NULL);
		T_INTEQ(kvlist_parse(buf_cstr(out), &kv, why), 0);
		T_STREQ(kvlist_get(&kv, "v"), all);
	}

	kvlist_free(&kv);
	buf_free(&out);
	buf_free(&why);
	return t_end();
}

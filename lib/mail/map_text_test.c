/*
 * map_text_test.c - the text map reader: comments, continuation lines,
 * line numbers, over-long lines, NUL bytes, "key value" splitting, and
 * the form of problem reports.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "mail/map_impl.h"
#include "mail/params_map.h"

#include "tests/t.h"

/* Each logical line is shown as "lineno:text", joined with '|'. */
static const struct {
	const char *name;
	const char *text;
	const char *lines;
	const char *why;
} cases[] = {
    {"empty", "", "", ""},
    {"one", "a b\n", "1:a b", ""},
    {"no final newline", "a b", "1:a b", ""},
    {"comments and blanks", "# c\n\n   \n  # indented\na 1\n#x\nb 2\n",
        "5:a 1|7:b 2", ""},
    {"hash inside value", "a b#c\n", "1:a b#c", ""},
    {"continuation", "a b\n  c\n\td\ne f\n", "1:a b  c\td|4:e f", ""},
    {"comment inside continuation", "a b\n# x\n  c\n", "1:a b  c", ""},
    {"trailing white space and CR", "a b \t\r\nc d\r\n", "1:a b|2:c d", ""},
    {"leading continuation", "  x\na b\n", "2:a b",
        "t:1: continuation line (it begins with white space) without a "
        "line to continue"},
    {"nul byte", "a b\nc \0d\ne f\n", "1:a b|3:e f", "t:2: NUL byte in line"},
    {"nul in continuation", "a b\n \0\ne f\n", "3:e f",
        "t:2: NUL byte in line"},
};

/* collect - read every logical line of text */
static void
collect(const char *text, size_t len, struct buf *lines, struct buf *why)
{
	struct map_text *t = map_text_open_mem("t", text, len);
	struct map_diag d;
	char *line;
	long no;

	map_diag_init(&d, "t", why, false);
	buf_reset(lines);
	while ((line = map_text_next(t, &no, &d)) != NULL)
		buf_printf(
		    lines, "%s%ld:%s", buf_len(lines) ? "|" : "", no, line);
	map_diag_finish(&d);
	map_text_close(&t);
}

/* table_cases - the table above */
static void
table_cases(void)
{
	struct buf *lines = buf_new(64), *why = buf_new(64);

	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t len = strlen(cases[i].text);

		/* The NUL cases hold a NUL: measure to the real end. */
		if (strstr(cases[i].name, "nul"))
			len = strlen(cases[i].text)
			    + strlen(cases[i].text + len + 1) + 1;
		t_begin(cases[i].name);
		buf_reset(why);
		collect(cases[i].text, len, lines, why);
		T_STREQ(buf_cstr(lines), cases[i].lines);
		T_STREQ(buf_cstr(why), cases[i].why);
	}
	buf_free(&lines);
	buf_free(&why);
}

/* too_long - a line over map_line_length_limit is reported and skipped,
 * also when it gets too long by its continuation lines */
static void
too_long(void)
{
	struct buf *text = buf_new(1024), *lines = buf_new(64),
	           *why = buf_new(64);

	t_begin("line too long");
	var_map_line_length_limit = 256;
	buf_cats(text, "a 1\nb ");
	for (int i = 0; i < 300; i++)
		buf_catc(text, 'x');
	buf_cats(text, "\n  more\nc 3\n");
	collect(buf_cstr(text), buf_len(text), lines, why);
	T_STREQ(buf_cstr(lines), "1:a 1|4:c 3");
	T_STREQ(buf_cstr(why), "t:2: line longer than 256 bytes");

	t_begin("too long with continuation lines");
	buf_reset(text);
	buf_reset(why);
	buf_cats(text, "b ");
	for (int i = 0; i < 200; i++)
		buf_catc(text, 'x');
	buf_cats(text, "\n ");
	for (int i = 0; i < 200; i++)
		buf_catc(text, 'y');
	buf_cats(text, "\nc 3\n");
	collect(buf_cstr(text), buf_len(text), lines, why);
	T_STREQ(buf_cstr(lines), "3:c 3");
	T_STREQ(buf_cstr(why),
	    "t:1: line longer than 256 bytes (with its "
	    "continuation lines)");

	t_begin("long comment is fine");
	buf_reset(text);
	buf_reset(why);
	buf_cats(text, "#");
	for (int i = 0; i < 300; i++)
		buf_catc(text, 'x');
	buf_cats(text, "\nc 3\n");
	collect(buf_cstr(text), buf_len(text), lines, why);
	T_STREQ(buf_cstr(lines), "2:c 3");
	T_STREQ(buf_cstr(why), "");
	var_map_line_length_limit = 0;
	buf_free(&text);
	buf_free(&lines);
	buf_free(&why);
}

static const struct {
	const char *line;
	int ret;
	const char *key, *value;
} kv[] = {
    {"a b", 0, "a", "b"},
    {"a   b c  d", 0, "a", "b c  d"},
    {"a\tb", 0, "a", "b"},
    {"a", -1, "a", NULL},
    {"user@example.com  OK", 0, "user@example.com", "OK"},
};

/* split - "key value" */
static void
split(void)
{
	for (size_t i = 0; i < NELEM(kv); i++) {
		char *copy = strdup(kv[i].line), *k = NULL, *v = NULL;

		t_begin(kv[i].line);
		T_INTEQ(map_text_split_kv(copy, &k, &v), kv[i].ret);
		T_STREQ(k, kv[i].key);
		if (kv[i].ret == 0)
			T_STREQ(v, kv[i].value);
		free(copy);
	}
}

/* diag_cap - at most MAP_DIAG_SHOWN problems are shown, the rest counted */
static void
diag_cap(void)
{
	struct buf *why = buf_new(64);
	struct map_diag d;

	t_begin("problem report is capped");
	map_diag_init(&d, "f", why, false);
	for (int i = 1; i <= MAP_DIAG_SHOWN + 5; i++)
		map_diag_error(&d, i, "bad");
	map_diag_warn(&d, 1, "dup");
	map_diag_finish(&d);
	T_ASSERT(strstr(buf_cstr(why), "f:1: bad\nf:2: bad\n") != NULL);
	T_ASSERT(strstr(buf_cstr(why), "f: 6 more problems not shown") != NULL);
	T_INTEQ(d.nerrors, MAP_DIAG_SHOWN + 5);
	T_INTEQ(d.nwarnings, 1);

	t_begin("warnings to the log");
	buf_reset(why);
	map_diag_init(&d, "f", why, true);
	t_expect_log("f:3: dup");
	map_diag_warn(&d, 3, "dup");
	map_diag_finish(&d);
	T_STREQ(buf_cstr(why), "");
	buf_free(&why);
}

int
main(void)
{
	table_cases();
	too_long();
	split();
	diag_cap();
	return t_end();
}

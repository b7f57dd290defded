/*
 * regex_test.c - the PCRE2 wrapper: flags, groups, offsets, compile
 * errors, the match limit.
 */
#include "util/sys_defs.h"

#include "util/buf.h"
#include "util/regex.h"

#include "tests/t.h"

static const struct {
	const char *pattern;
	int flags;
	const char *subject;
	int ret;
	const char *group1; /* NULL: unset */
} cases[] = {
    {"abc", 0, "xxabcxx", 1, NULL}, {"ABC", 0, "abc", 0, NULL},
    {"ABC", REGEX_ICASE, "abc", 1, NULL},
    {"^(\\w+)@example\\.com$", 0, "alice@example.com", 1, "alice"},
    {"^b$", 0, "a\nb\nc", 0, NULL},
    {"^b$", REGEX_MULTILINE, "a\nb\nc", 1, NULL}, {"a.b", 0, "a\nb", 0, NULL},
    {"a.b", REGEX_DOTALL, "a\nb", 1, NULL},
    {"a b # comment", REGEX_EXTENDED, "ab", 1, NULL},
    {"b", REGEX_ANCHORED, "ab", 0, NULL}, {"a$", 0, "a\n", 1, NULL},
    {"a$", REGEX_DOLLAR_ENDONLY, "a\n", 0, NULL},
    {"(a+)", REGEX_UNGREEDY, "aaa", 1, "a"}, {"(a+)", 0, "aaa", 1, "aaa"},
    {"(x)?y", 0, "y", 1, NULL},
    {"\\xff", 0, "\xff", 1, NULL}, /* bytes, not UTF-8 */
};

int
main(void)
{
	struct buf *why = buf_new(64);
	struct regex *re;
	size_t ov[4];

	for (size_t i = 0; i < NELEM(cases); i++) {
		t_begin(cases[i].pattern);
		re = regex_compile(cases[i].pattern, cases[i].flags, why);
		T_ASSERT(re != NULL);
		if (re == NULL)
			continue;
		T_INTEQ(regex_match(re, cases[i].subject,
		            strlen(cases[i].subject), ov, 2, why),
		    cases[i].ret);
		if (cases[i].ret == 1 && cases[i].group1) {
			T_ASSERT(ov[2] != REGEX_UNSET);
			T_MEMEQ(cases[i].subject + ov[2], ov[3] - ov[2],
			    cases[i].group1, strlen(cases[i].group1));
		} else if (cases[i].ret == 1) {
			T_ASSERT(ov[2] == REGEX_UNSET);
		}
		regex_free(&re);
		T_ASSERT(re == NULL);
	}

	t_begin("groups");
	re = regex_compile("(a)(b)?(?:c)", 0, why);
	T_INTEQ(regex_groups(re), 2);
	regex_free(&re);

	t_begin("compile error");
	buf_reset(why);
	T_ASSERT(regex_compile("a(b", 0, why) == NULL);
	T_STREQ(buf_cstr(why), "missing closing parenthesis at offset 3");

	t_begin("match limit is an error, not a match");
	{
		char subject[64];

		memset(subject, 'a', sizeof(subject) - 2);
		subject[sizeof(subject) - 2] = 'b';
		subject[sizeof(subject) - 1] = 0;
		re = regex_compile("^(a+)+$", 0, why);
		buf_reset(why);
		T_INTEQ(regex_match(re, subject, strlen(subject), NULL, 0, why),
		    -1);
		T_ASSERT(strstr(buf_cstr(why), "limit") != NULL);
		regex_free(&re);
	}
	buf_free(&why);
	return t_end();
}

/*
 * buf_test.c - growable buffer: appends, caps, formatting, NUL bytes.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "tests/t.h"

int
main(void)
{
	struct buf *b;
	char *s;

	t_begin("append and format");
	b = buf_new(1);
	T_ASSERT(buf_cats(b, "hello") == 0);
	T_ASSERT(buf_catc(b, ' ') == 0);
	T_ASSERT(buf_printf(b, "%s %d", "world", 42) == 0);
	T_STREQ(buf_cstr(b), "hello world 42");
	T_INTEQ(buf_len(b), 14);
	buf_free(&b);
	T_ASSERT(b == NULL);

	t_begin("growth past many doublings");
	b = buf_new(0);
	for (int i = 0; i < 10000; i++)
		T_ASSERT(buf_printf(b, "%04d", i % 10000) == 0);
	T_INTEQ(buf_len(b), 40000);
	T_ASSERT(memcmp(buf_cstr(b) + 39996, "9999", 4) == 0);
	buf_free(&b);

	t_begin("cap refuses and leaves buffer unchanged");
	b = buf_new_capped(4, 8);
	T_ASSERT(buf_cats(b, "12345678") == 0);
	T_ASSERT(buf_catc(b, '9') == -1);
	T_STREQ(buf_cstr(b), "12345678");
	T_ASSERT(buf_printf(b, "%s", "x") == -1);
	T_STREQ(buf_cstr(b), "12345678");
	buf_reset(b);
	T_ASSERT(buf_printf(b, "%s", "123456789") == -1);
	T_STREQ(buf_cstr(b), "");
	buf_free(&b);

	t_begin("embedded NUL, consume, truncate, steal");
	b = buf_new(8);
	T_ASSERT(buf_cat(b, "a\0b", 3) == 0);
	T_INTEQ(buf_len(b), 3);
	buf_consume(b, 2);
	T_STREQ(buf_cstr(b), "b");
	buf_sets(b, "abcdef");
	buf_truncate(b, 3);
	T_STREQ(buf_cstr(b), "abc");
	T_ASSERT(buf_eq(b, "abc"));
	T_ASSERT(!buf_eq(b, "abcd"));
	s = buf_steal(b);
	T_STREQ(s, "abc");
	T_STREQ(buf_cstr(b), "");
	free(s);
	buf_free(&b);

	t_begin("reserve and commit");
	b = buf_new_capped(4, 10);
	{
		char *p = buf_reserve(b, 5);

		T_ASSERT(p != NULL);
		memcpy(p, "abcde", 5);
		buf_commit(b, 5);
		T_STREQ(buf_cstr(b), "abcde");
		T_ASSERT(buf_reserve(b, 6) == NULL);
	}
	buf_free(&b);
	return t_end();
}

/*
 * ban_test.c - failure windows and bans, with time passed in.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/ban.h"

#include "tests/t.h"

static int
count_bans(const char *client, time_t until, long failures, const char *login,
    void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

static void
note_expired(const char *client, void *ctx)
{
	buf_printf(ctx, "%s;", client);
}

int
main(void)
{
	/* 5 failures in 600 s ban for 3600 s, as the defaults. */
	struct ban_table *t = ban_table_new(5, 600, 3600, 1000);
	const time_t t0 = 1700000000;
	time_t until = 0;
	long n = 0;
	bool expired;
	int bits;

	t_begin("four failures do not ban");
	for (int i = 0; i < 4; i++)
		T_INTEQ(ban_failure(t, "192.0.2.1", "joe@example.com",
		            t0 + i * 10, &until, &n),
		    0);
	T_INTEQ(n, 4);
	T_ASSERT(!ban_check(t, "192.0.2.1", t0 + 40, NULL, NULL));

	t_begin("the fifth within the window bans for ban_time");
	bits =
	    ban_failure(t, "192.0.2.1", "joe@example.com", t0 + 50, &until, &n);
	T_ASSERT(bits & BAN_STARTED);
	T_INTEQ(until, t0 + 50 + 3600);
	T_INTEQ(n, 5);
	T_ASSERT(ban_check(t, "192.0.2.1", t0 + 51, &until, NULL));
	T_ASSERT(ban_check(t, "192.0.2.1", t0 + 50 + 3599, NULL, NULL));
	T_INTEQ(ban_count(t), 1);

	t_begin("other addresses are not affected");
	T_ASSERT(!ban_check(t, "192.0.2.2", t0 + 60, NULL, NULL));

	t_begin("a banned address is not counted again");
	T_INTEQ(ban_failure(t, "192.0.2.1", "x", t0 + 70, NULL, NULL), 0);

	t_begin("the ban ends after ban_time");
	T_ASSERT(!ban_check(t, "192.0.2.1", t0 + 50 + 3600, NULL, &expired));
	T_ASSERT(expired);
	T_INTEQ(ban_count(t), 0);

	t_begin("failures spread over more than the window never ban");
	for (int i = 0; i < 20; i++)
		T_INTEQ(
		    ban_failure(t, "192.0.2.3", NULL, t0 + i * 200, NULL, NULL)
		        & BAN_STARTED,
		    0);

	t_begin("a window that passed starts from one");
	for (int i = 0; i < 4; i++)
		ban_failure(t, "192.0.2.4", NULL, t0 + i, NULL, NULL);
	ban_failure(t, "192.0.2.4", NULL, t0 + 700, NULL, &n);
	T_INTEQ(n, 1);

	t_begin("one login guessed from many addresses is reported once");
	{
		int alerts = 0;

		for (int i = 0; i < 8; i++) {
			char addr[32];

			snprintf(addr, sizeof(addr), "198.51.100.%d", i);
			bits = ban_failure(
			    t, addr, "alice@example.test", t0 + i, NULL, NULL);
			T_INTEQ(bits & BAN_STARTED, 0);
			if (bits & BAN_LOGIN_ALERT)
				alerts++;
		}
		T_INTEQ(alerts, 1);
	}

	t_begin("a good login resets the login count, not the client's");
	{
		struct ban_table *u = ban_table_new(3, 600, 60, 100);

		ban_failure(u, "203.0.113.1", "a@x.test", t0, NULL, NULL);
		ban_failure(u, "203.0.113.1", "a@x.test", t0 + 1, NULL, NULL);
		ban_success(u, "a@x.test");
		bits = ban_failure(
		    u, "203.0.113.1", "b@x.test", t0 + 2, NULL, NULL);
		T_ASSERT(bits & BAN_STARTED);
		ban_table_free(&u);
	}

	t_begin("limit 0 never bans");
	{
		struct ban_table *u = ban_table_new(0, 600, 60, 100);

		for (int i = 0; i < 50; i++)
			T_INTEQ(
			    ban_failure(u, "203.0.113.9", "a", t0, NULL, NULL),
			    0);
		T_INTEQ(ban_counters(u), 0);
		ban_table_free(&u);
	}

	t_begin("the counter table is bounded, oldest first");
	{
		struct ban_table *u = ban_table_new(2, 600, 60, 100);

		ban_failure(u, "10.9.9.9", NULL, t0, NULL, NULL);
		for (int i = 0; i < 500; i++) {
			char addr[32];

			snprintf(
			    addr, sizeof(addr), "10.0.%d.%d", i / 250, i % 250);
			ban_failure(
			    u, addr, NULL, t0 + 1 + i / 100, NULL, NULL);
		}
		T_ASSERT(ban_counters(u) <= 100);
		/* The first address was forgotten: one more is not a ban. */
		T_INTEQ(ban_failure(u, "10.9.9.9", NULL, t0 + 10, NULL, NULL)
		        & BAN_STARTED,
		    0);
		ban_table_free(&u);
	}

	t_begin("the ban table is bounded");
	{
		struct ban_table *u = ban_table_new(1, 600, 60, 100);
		int full = 0;

		for (int i = 0; i < 150; i++) {
			char addr[32];

			snprintf(addr, sizeof(addr), "10.1.0.%d", i);
			if (ban_failure(u, addr, NULL, t0, NULL, NULL)
			    & BAN_TABLE_FULL)
				full++;
		}
		T_INTEQ(ban_count(u), 100);
		T_INTEQ(full, 50);
		/* Once they expire there is room again. */
		T_ASSERT(ban_failure(u, "10.2.0.1", NULL, t0 + 61, NULL, NULL)
		    & BAN_STARTED);
		ban_table_free(&u);
	}

	t_begin("add, walk, del, expire");
	{
		struct buf *gone = buf_new(64);
		int nb = 0;

		T_ASSERT(ban_add(t, "2001:db8::1", t0 + 100, 7, "bob", t0));
		T_ASSERT(ban_add(t, "192.0.2.9", t0 + 200, 5, NULL, t0));
		T_ASSERT(ban_add(t, "192.0.2.10", t0 - 1, 5, NULL, t0));
		ban_walk(t, count_bans, &nb);
		T_INTEQ(nb, 2);
		T_ASSERT(ban_del(t, "192.0.2.9"));
		T_ASSERT(!ban_del(t, "192.0.2.9"));
		ban_expire(t, t0 + 100, note_expired, gone);
		T_STREQ(buf_cstr(gone), "2001:db8::1;");
		T_INTEQ(ban_count(t), 0);
		buf_free(&gone);
	}

	t_begin("records");
	{
		struct buf *rec = buf_new(64), *login = buf_new(64);
		time_t u;
		long f;

		ban_record_format(t0, 5, "joe@example.com", rec);
		T_STREQ(buf_cstr(rec), "1700000000 5 joe@example.com");
		T_INTEQ(ban_record_parse(buf_cstr(rec), &u, &f, login), 0);
		T_INTEQ(u, t0);
		T_INTEQ(f, 5);
		T_STREQ(buf_cstr(login), "joe@example.com");
		ban_record_format(t0, 1, "a b\nc", rec);
		T_STREQ(buf_cstr(rec), "1700000000 1 a?b?c");
		ban_record_format(t0, 1, NULL, rec);
		T_STREQ(buf_cstr(rec), "1700000000 1 -");
		T_INTEQ(ban_record_parse("x 1 a", &u, &f, NULL), -1);
		T_INTEQ(ban_record_parse("1 -1 a", &u, &f, NULL), -1);
		T_INTEQ(ban_record_parse("1 1", &u, &f, NULL), -1);
		buf_free(&rec);
		buf_free(&login);
	}

	ban_table_free(&t);
	return t_end();
}

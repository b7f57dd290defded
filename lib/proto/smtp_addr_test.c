/*
 * smtp_addr_test.c - RFC 5321 paths: the grammar, normalisation, the
 * tolerances, and the flags relay control relies on.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/smtp_addr.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int flags;
	int ret;
	const char *addr;  /* normalised, when ret == 0 */
	const char *local; /* unquoted local part */
	size_t used;       /* bytes consumed */
} path_cases[] = {
    {"<a@example.org>", 0, 0, "a@example.org", "a", 15},
    {"<>", SMTP_ADDR_NULL_OK, 0, "", "", 2},
    {"<>", 0, -1, NULL, NULL, 0},
    {"<a@example.org", 0, -1, NULL, NULL, 0},
    {"a@example.org", 0, -1, NULL, NULL, 0},
    {"a@example.org", SMTP_ADDR_LENIENT, 0, "a@example.org", "a", 13},
    {"a@example.org SIZE=1", SMTP_ADDR_LENIENT, 0, "a@example.org", "a", 13},
    {"<a@example.org> SIZE=10", 0, 0, "a@example.org", "a", 15},
    {"<a@example.org>x", 0, -1, NULL, NULL, 0},
    {"<first.last+tag@sub.example.org>", 0, 0, "first.last+tag@sub.example.org",
        "first.last+tag", 32},
    {"<\"first.last\"@example.org>", 0, 0, "first.last@example.org",
        "first.last", 26},
    {"<\"a b\"@example.org>", 0, 0, "\"a b\"@example.org", "a b", 19},
    {"<\"a\\\"b\"@example.org>", 0, 0, "\"a\\\"b\"@example.org", "a\"b", 20},
    {"<\"a\\\\b\"@x.org>", 0, 0, "\"a\\\\b\"@x.org", "a\\b", 14},
    {"<\"a.\"@example.org>", 0, 0, "\"a.\"@example.org", "a.", 18},
    {"<a.@example.org>", 0, -1, NULL, NULL, 0},
    {"<.a@example.org>", 0, -1, NULL, NULL, 0},
    {"<a..b@example.org>", 0, -1, NULL, NULL, 0},
    {"<a b@example.org>", 0, -1, NULL, NULL, 0},
    {"<@a.org,@b.org:u@c.org>", 0, 0, "u@c.org", "u", 23},
    {"<@a.org:u@c.org>", 0, 0, "u@c.org", "u", 16},
    {"<@a.org;u@c.org>", 0, -1, NULL, NULL, 0},
    {"<@:u@c.org>", 0, -1, NULL, NULL, 0},
    {"<u@[192.0.2.1]>", 0, 0, "u@[192.0.2.1]", "u", 15},
    {"<u@[192.0.2.256]>", 0, -1, NULL, NULL, 0},
    {"<u@[192.0.02.1]>", 0, -1, NULL, NULL, 0},
    {"<u@[IPv6:2001:db8::1]>", 0, 0, "u@[IPv6:2001:db8::1]", "u", 22},
    {"<u@[IPv6:2001:db8::g]>", 0, -1, NULL, NULL, 0},
    {"<u@[x-tag:content]>", 0, 0, "u@[x-tag:content]", "u", 19},
    {"<u@[tag:]>", 0, -1, NULL, NULL, 0},
    {"<u@[192.0.2.1>", 0, -1, NULL, NULL, 0},
    {"<u@-a.org>", 0, -1, NULL, NULL, 0},
    {"<u@a-.org>", 0, -1, NULL, NULL, 0},
    {"<u@a..org>", 0, -1, NULL, NULL, 0},
    {"<u@a.org.>", 0, -1, NULL, NULL, 0},
    {"<u@a_b.org>", 0, -1, NULL, NULL, 0},
    {"<u@>", 0, -1, NULL, NULL, 0},
    {"<@example.org>", 0, -1, NULL, NULL, 0},
    {"<u>", 0, -1, NULL, NULL, 0},
    {"<Postmaster>", SMTP_ADDR_POSTMASTER, 0, "Postmaster", "Postmaster", 12},
    {"<postmaster>", SMTP_ADDR_POSTMASTER, 0, "postmaster", "postmaster", 12},
    {"<postmistress>", SMTP_ADDR_POSTMASTER, -1, NULL, NULL, 0},
    {"<user%other.org@example.org>", 0, 0, "user%other.org@example.org",
        "user%other.org", 28},
    {"<\xc3\xa9l\xc3\xa8ve@\xc3\xa9"
     "cole.fr>",
        SMTP_ADDR_UTF8, 0,
        "\xc3\xa9l\xc3\xa8ve@\xc3\xa9"
        "cole.fr",
        "\xc3\xa9l\xc3\xa8ve", 19},
    {"<\xc3\xa9l\xc3\xa8ve@ecole.fr>", 0, -1, NULL, NULL, 0},
    {"<\xc3\x28@ecole.fr>", SMTP_ADDR_UTF8, -1, NULL, NULL, 0},
    {"<\xc0\xaf@ecole.fr>", SMTP_ADDR_UTF8, -1, NULL, NULL, 0},
    {"<\xed\xa0\x80@ecole.fr>", SMTP_ADDR_UTF8, -1, NULL, NULL, 0},
    {"<a\x01@example.org>", 0, -1, NULL, NULL, 0},
    {"<\"a\x01\"@example.org>", 0, -1, NULL, NULL, 0},
    {"<\"abc@example.org>", 0, -1, NULL, NULL, 0},
    {"", 0, -1, NULL, NULL, 0},
    {"<", 0, -1, NULL, NULL, 0},
};

int
main(void)
{
	struct buf *why = buf_new(64), *b = buf_new(64);
	struct smtp_addr a;
	char name[64];

	for (size_t i = 0; i < NELEM(path_cases); i++) {
		size_t used = 0;
		int ret;

		snprintf(name, sizeof(name), "path %zu", i);
		t_begin(name);
		ret = smtp_addr_parse_path(path_cases[i].in,
		    strlen(path_cases[i].in), path_cases[i].flags, &a, &used,
		    why);
		T_INTEQ(ret, path_cases[i].ret);
		if (ret == 0 && path_cases[i].ret == 0) {
			T_STREQ(a.addr, path_cases[i].addr);
			T_STREQ(a.local, path_cases[i].local);
			T_INTEQ(used, path_cases[i].used);
		}
		smtp_addr_clear(&a);
	}

	t_begin("flags");
	T_ASSERT(smtp_addr_parse_path(
	             "<@r.org:u%v.org@x.org>", 22, 0, &a, &(size_t){0}, why)
	    == 0);
	T_ASSERT(a.has_route && a.has_route_char && a.has_brackets);
	T_ASSERT(!a.is_literal && !a.is_quoted && !a.is_utf8);
	T_STREQ(a.domain, "x.org");
	smtp_addr_clear(&a);
	T_ASSERT(smtp_addr_parse_path(
	             "<\"a b\"@[10.0.0.1]>", 18, 0, &a, &(size_t){0}, why)
	    == 0);
	T_ASSERT(a.is_quoted && a.is_literal);
	T_STREQ(a.domain, "[10.0.0.1]");
	smtp_addr_clear(&a);
	T_ASSERT(smtp_addr_parse_path("<\xc3\xa9@x.org>", 10, SMTP_ADDR_UTF8,
	             &a, &(size_t){0}, why)
	    == 0);
	T_ASSERT(a.is_utf8);
	smtp_addr_clear(&a);

	t_begin("embedded NUL");
	T_ASSERT(
	    smtp_addr_parse_path("<a\0b@x.org>", 11, 0, &a, &(size_t){0}, why)
	    == -1);
	T_ASSERT(
	    smtp_addr_parse_path("<ab@x\0.org>", 11, 0, &a, &(size_t){0}, why)
	    == -1);

	t_begin("lengths");
	buf_reset(b);
	buf_catc(b, '<');
	for (int i = 0; i < SMTP_LOCAL_MAX; i++)
		buf_catc(b, 'a');
	buf_cats(b, "@x.org>");
	T_ASSERT(smtp_addr_parse_path(
	             buf_cstr(b), buf_len(b), 0, &a, &(size_t){0}, why)
	    == 0);
	smtp_addr_clear(&a);
	buf_reset(b);
	buf_catc(b, '<');
	for (int i = 0; i <= SMTP_LOCAL_MAX; i++)
		buf_catc(b, 'a');
	buf_cats(b, "@x.org>");
	T_ASSERT(smtp_addr_parse_path(
	             buf_cstr(b), buf_len(b), 0, &a, &(size_t){0}, why)
	    == -1);
	buf_sets(b, "<u@");
	for (int i = 0; i < 64; i++)
		buf_catc(b, 'a');
	buf_cats(b, ".org>");
	T_ASSERT(smtp_addr_parse_path(
	             buf_cstr(b), buf_len(b), 0, &a, &(size_t){0}, why)
	    == -1);

	t_begin("mailbox");
	T_ASSERT(smtp_addr_parse_mailbox("a@b.org", 7, 0, &a, why) == 0);
	T_STREQ(a.addr, "a@b.org");
	smtp_addr_clear(&a);
	T_ASSERT(smtp_addr_parse_mailbox("<a@b.org>", 9, 0, &a, why) == -1);
	T_ASSERT(smtp_addr_parse_mailbox("a@b.org x", 9, 0, &a, why) == -1);
	T_ASSERT(smtp_addr_parse_mailbox("postmaster", 10, 0, &a, why) == -1);

	t_begin("helo names");
	T_ASSERT(smtp_helo_ok("mail.example.org", 16));
	T_ASSERT(smtp_helo_ok("mail.example.org.", 17));
	T_ASSERT(smtp_helo_ok("my_pc.local", 11));
	T_ASSERT(smtp_helo_ok("localhost", 9));
	T_ASSERT(smtp_helo_ok("[192.0.2.7]", 11));
	T_ASSERT(smtp_helo_ok("[IPv6:::1]", 10));
	T_ASSERT(!smtp_helo_ok("192.0.2.7]", 10));
	T_ASSERT(!smtp_helo_ok("a..b", 4));
	T_ASSERT(!smtp_helo_ok("<a>", 3));
	T_ASSERT(!smtp_helo_ok("a b", 3));
	T_ASSERT(!smtp_helo_ok("", 0));
	T_ASSERT(!smtp_helo_ok(".", 1));

	t_begin("utf-8");
	T_ASSERT(smtp_utf8_ok("abc", 3));
	T_ASSERT(smtp_utf8_ok("\xe2\x82\xac", 3));
	T_ASSERT(smtp_utf8_ok("\xf0\x9f\x98\x80", 4));
	T_ASSERT(!smtp_utf8_ok("\xe2\x82", 2));
	T_ASSERT(!smtp_utf8_ok("\xf4\x90\x80\x80", 4));
	T_ASSERT(!smtp_utf8_ok("\xe0\x80\x80", 3));
	T_ASSERT(!smtp_utf8_ok("\xff", 1));

	t_begin("quote");
	buf_reset(b);
	smtp_local_quote("a b", 3, b);
	T_STREQ(buf_cstr(b), "\"a b\"");
	buf_reset(b);
	smtp_local_quote("a.b", 3, b);
	T_STREQ(buf_cstr(b), "a.b");
	buf_reset(b);
	smtp_local_quote("", 0, b);
	T_STREQ(buf_cstr(b), "\"\"");

	buf_free(&why);
	buf_free(&b);
	return t_end();
}

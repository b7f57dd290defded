/*
 * rfc5322_test.c - header fields and folding, address lists as ENVELOPE
 * shows them, dates, message identifiers and RFC 5256 base subjects.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "proto/rfc5322.h"

#include "tests/t.h"

/* Each address as "name|route|mailbox|host" with "-" for NULL, joined by
 * " ; " (so a group shows as "-|-|grp|- ; ... ; -|-|-|-"). */
static const struct {
	const char *in, *want;
} addrs[] = {
    {"joe@example.com", "-|-|joe|example.com"},
    {"Joe Q. Public <john.q.public@example.com>",
        "Joe Q. Public|-|john.q.public|example.com"},
    {"\"Doe, Jane\" <jane@example.com>, bob@example.org",
        "Doe, Jane|-|jane|example.com ; -|-|bob|example.org"},
    {"joe@example.com (Joe Bloggs)", "Joe Bloggs|-|joe|example.com"},
    {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
        "-|-|A Group|- ; Ed Jones|-|c|a.test ; -|-|joe|where.test ; "
        "John|-|jdoe|one.test ; -|-|-|-"},
    {"undisclosed-recipients:;", "-|-|undisclosed-recipients|- ; -|-|-|-"},
    {"<@route.one,@route.two:user@dom>", "-|@route.one,@route.two|user|dom"},
    {"=?utf-8?q?J=C3=B6rg?= <j@x.de>", "=?utf-8?q?J=C3=B6rg?=|-|j|x.de"},
    {"postmaster", "-|-|postmaster|.MISSING-HOST-NAME."},
    {"<>", ""},
    {"user@[192.0.2.1]", "-|-|user|[192.0.2.1]"},
    {"a@b, , ,c@d", "-|-|a|b ; -|-|c|d"},
    {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
        "Pete|-|pete|silly.test"},
    {"broken <a@b", "broken|-|a|b"},
    {"\"quoted\\\"name\" <q@x>", "quoted\"name|-|q|x"},
};

static const struct {
	const char *in;
	long long t;
	int tz;
} dates[] = {
    {"Fri, 21 Nov 1997 09:55:06 -0600", 880127706LL, -360},
    {"21 Nov 97 09:55:06 GMT", 880106106LL, 0},
    {"Tue, 1 Jul 2003 10:52:37 +0200", 1057049557LL, 120},
    {"Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)", -27723480LL, -210},
    {"1 Jan 2024 00:00:00 EST", 1704085200LL, -300},
    {"Mon, 15 September 2008 12:00:00 +0000", 1221480000LL, 0},
};

static const char *const bad_dates[] = {
    "",
    "yesterday",
    "32 Jan 2020 10:00",
    "1 Foo 2020 10:00",
    "1 Jan 2020",
};

static const struct {
	const char *in, *want;
	bool reply;
} subjects[] = {
    {"Hello", "HELLO", false},
    {"Re: Hello", "HELLO", true},
    {"RE: re: Fwd: Hello", "HELLO", true},
    {"[list] Re: Hello", "HELLO", true},
    {"Re[2]: Hello", "HELLO", true},
    {"Hello (fwd)", "HELLO", true},
    {"[Fwd: Hello]", "HELLO", true},
    {"  Hello \t  world  ", "HELLO WORLD", false},
    {"[list]", "[LIST]", false},
    {"Re: [list] Re: x", "X", true},
    {"Fw: Fwd: [a] [b] Re: y (fwd) (fwd)", "Y", true},
    {"", "", false},
};

/* addr_str - the list in the test's notation */
static void
addr_str(const struct rfc5322_addr_list *l, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < l->n; i++) {
		const struct rfc5322_addr *a = &l->v[i];

		buf_printf(out, "%s%s|%s|%s|%s", i ? " ; " : "",
		    a->name ? a->name : "-", a->route ? a->route : "-",
		    a->mailbox ? a->mailbox : "-", a->host ? a->host : "-");
	}
}

int
main(void)
{
	struct rfc5322_header h = {0};
	struct buf *b = buf_new(64);
	static const char msg[] = "Subject: one\r\n"
	                          " two\r\n"
	                          "\tthree\r\n"
	                          "From : a@b\r\n"
	                          "no colon here\r\n"
	                          " orphan continuation\r\n"
	                          "X-Empty:\r\n"
	                          "\r\n"
	                          "Body: not a header\r\n";
	const struct rfc5322_field *f;

	t_begin("header fields and folding");
	rfc5322_header_parse(msg, sizeof(msg) - 1, 100, &h);
	T_INTEQ(h.len, sizeof(msg) - 1 - strlen("Body: not a header\r\n"));
	T_INTEQ(h.n, 3);
	f = rfc5322_header_get(&h, "SUBJECT");
	T_ASSERT(f != NULL);
	T_MEMEQ(f->value, f->value_len, " one\r\n two\r\n\tthree", 18);
	T_MEMEQ(f->raw, f->raw_len, "Subject: one\r\n two\r\n\tthree\r\n", 28);
	rfc5322_unfold(f->value, f->value_len, true, b);
	T_STREQ(buf_cstr(b), "one two\tthree");
	f = rfc5322_header_get(&h, "from");
	T_ASSERT(f != NULL && f->name_len == 4);
	f = rfc5322_header_get(&h, "x-empty");
	T_ASSERT(f != NULL && f->value_len == 0);
	T_ASSERT(rfc5322_header_get(&h, "Body") == NULL);
	T_ASSERT(rfc5322_header_get(&h, "no colon here") == NULL);
	rfc5322_header_parse("A: b\n\nbody", 10, 100, &h);
	T_INTEQ(h.len, 6);
	T_INTEQ(h.n, 1);
	rfc5322_header_parse("\r\nbody", 6, 100, &h);
	T_INTEQ(h.len, 2);
	T_INTEQ(h.n, 0);
	rfc5322_header_parse("A: 1\nB: 2\nC: 3\n", 15, 2, &h);
	T_INTEQ(h.n, 2);
	T_INTEQ(h.len, 15); /* no body */
	rfc5322_header_free(&h);

	t_begin("address lists");
	for (size_t i = 0; i < NELEM(addrs); i++) {
		struct rfc5322_addr_list l = {0};

		rfc5322_addr_parse(addrs[i].in, strlen(addrs[i].in), 100, &l);
		addr_str(&l, b);
		T_STREQ(buf_cstr(b), addrs[i].want);
		rfc5322_addr_list_free(&l);
	}
	{
		struct rfc5322_addr_list l = {0};

		rfc5322_addr_parse("a@b,c@d,e@f", 11, 2, &l);
		T_INTEQ(l.n, 2);
		rfc5322_addr_list_free(&l);
	}

	t_begin("dates");
	for (size_t i = 0; i < NELEM(dates); i++) {
		time_t t = 0;
		int tz = 99;

		T_INTEQ(rfc5322_date_parse(
		            dates[i].in, strlen(dates[i].in), &t, &tz),
		    0);
		T_INTEQ(t, dates[i].t);
		T_INTEQ(tz, dates[i].tz);
	}
	for (size_t i = 0; i < NELEM(bad_dates); i++) {
		time_t t;

		T_INTEQ(rfc5322_date_parse(
		            bad_dates[i], strlen(bad_dates[i]), &t, NULL),
		    -1);
	}

	t_begin("message identifiers");
	{
		struct strv sv;
		char *s;
		const char *refs =
		    "<a@x> <b@y>\r\n\t<c@z> junk <no space@x> <>";

		strv_init(&sv);
		rfc5322_msgids(refs, strlen(refs), 10, &sv);
		s = strv_join(&sv, ",");
		T_STREQ(s, "<a@x>,<b@y>,<c@z>");
		free(s);
		strv_free(&sv);
	}

	t_begin("base subjects");
	for (size_t i = 0; i < NELEM(subjects); i++) {
		bool r = rfc5256_base_subject(
		    subjects[i].in, strlen(subjects[i].in), b);

		T_STREQ(buf_cstr(b), subjects[i].want);
		T_INTEQ(r, subjects[i].reply);
	}

	buf_free(&b);
	return t_end();
}

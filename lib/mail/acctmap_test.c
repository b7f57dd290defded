/*
 * acctmap_test.c - the records of the account maps: parse, write back,
 * and refuse what is wrong.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/acctmap.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	long long n;
	const char *out;
} sizes[] = {
    {"0", 0, 0, "0"},
    {"1000", 0, 1000, "1000"},
    {"1024", 0, 1024, "1k"},
    {"100m", 0, 100LL << 20, "100m"},
    {"1536k", 0, 1536LL << 10, "1536k"},
    {"2G", 0, 2LL << 30, "2g"},
    {"1t", 0, 1LL << 40, "1t"},
    {"", -1, 0, NULL},
    {"-1", -1, 0, NULL},
    {"10x", -1, 0, NULL},
    {"10mb", -1, 0, NULL},
    {"99999999999999999999", -1, 0, NULL},
    {"9999999999t", -1, 0, NULL},
};

static const struct {
	const char *rel;
	int ret;
} maildirs[] = {
    {"example.com/joe/", 0},
    {"a/b/c", 0},
    {"", -1},
    {"/etc/", -1},
    {"../x/", -1},
    {"a/../b", -1},
    {"a/./b", -1},
    {"a//b", -1},
    {"a b/", -1},
};

int
main(void)
{
	struct buf *why = buf_new(64), *out = buf_new(64);
	struct acctmap_domain d;
	struct acctmap_user u;
	struct acctmap_list l;
	time_t t;

	for (size_t i = 0; i < NELEM(sizes); i++) {
		long long n = -7;
		char name[64];

		snprintf(name, sizeof(name), "size \"%s\"", sizes[i].in);
		t_begin(name);
		T_INTEQ(acctmap_parse_size(sizes[i].in, &n, why), sizes[i].ret);
		if (sizes[i].ret == 0) {
			T_INTEQ(n, sizes[i].n);
			buf_reset(out);
			acctmap_format_size(n, out);
			T_STREQ(buf_cstr(out), sizes[i].out);
		}
	}
	for (size_t i = 0; i < NELEM(maildirs); i++) {
		char name[64];

		snprintf(name, sizeof(name), "maildir \"%s\"", maildirs[i].rel);
		t_begin(name);
		T_INTEQ(
		    acctmap_maildir_ok(maildirs[i].rel, why), maildirs[i].ret);
	}

	t_begin("dates");
	T_INTEQ(acctmap_parse_date("2026-12-31", &t, why), 0);
	T_ASSERT(t > 0);
	T_INTEQ(acctmap_parse_date("2026-02-30", &t, why), -1);
	T_INTEQ(acctmap_parse_date("2026-13-01", &t, why), -1);
	T_INTEQ(acctmap_parse_date("31.12.2026", &t, why), -1);
	T_INTEQ(acctmap_parse_date("2026-1-1", &t, why), -1);

	t_begin("default maildir");
	acctmap_default_maildir("joe@example.com", out);
	T_STREQ(buf_cstr(out), "example.com/joe/");

	t_begin("domain records");
	acctmap_domain_init(&d);
	T_INTEQ(acctmap_domain_parse("active=no max_accounts=5 max_size=1g "
	                             "default_quota=100m",
	            &d, why),
	    0);
	T_ASSERT(!d.active && d.max_accounts == 5);
	T_INTEQ(d.max_size, 1LL << 30);
	buf_reset(out);
	acctmap_domain_format(&d, out);
	T_STREQ(buf_cstr(out),
	    "active=no max_accounts=5 max_size=1073741824 "
	    "default_quota=104857600");
	T_INTEQ(acctmap_domain_parse("alias=Example.COM", &d, why), 0);
	T_STREQ(d.alias, "example.com");
	buf_reset(out);
	acctmap_domain_format(&d, out);
	T_STREQ(buf_cstr(out), "alias=example.com");
	buf_reset(why);
	T_INTEQ(acctmap_domain_parse("active=maybe", &d, why), -1);
	T_ASSERT(strstr(buf_cstr(why), "use yes or no") != NULL);
	buf_reset(why);
	T_INTEQ(acctmap_domain_parse("activ=yes", &d, why), -1);
	T_STREQ(buf_cstr(why), "unknown field \"activ\"");
	T_INTEQ(acctmap_domain_parse("alias=nodot", &d, why), -1);
	acctmap_domain_free(&d);

	t_begin("user records");
	acctmap_user_init(&u);
	T_INTEQ(
	    acctmap_user_parse(
	        "maildir=example.com/joe/ quota=1m forward=A@B.test,c@d.test "
	        "keep_copy=no autoreply=yes autoreply_subject=Hi%20there "
	        "autoreply_text=Line%0A autoreply_until=2099-01-01",
	        &u, why),
	    0);
	T_ASSERT(u.active && !u.keep_copy && u.autoreply);
	T_STREQ(u.maildir, "example.com/joe/");
	T_INTEQ(u.forward.n, 2);
	T_STREQ(u.forward.v[0], "a@b.test");
	T_STREQ(u.ar_subject, "Hi there");
	T_STREQ(u.ar_text, "Line\n");
	T_ASSERT(u.ar_until_t > 0);
	buf_reset(out);
	acctmap_user_format(&u, out);
	T_STREQ(buf_cstr(out),
	    "active=yes maildir=example.com/joe/ quota=1048576 "
	    "forward=a@b.test,c@d.test keep_copy=no autoreply=yes "
	    "autoreply_subject=Hi%20there autoreply_text=Line%0A "
	    "autoreply_until=2099-01-01");
	T_INTEQ(acctmap_user_parse("maildir=../../etc/", &u, why), -1);
	T_INTEQ(acctmap_user_parse("forward=not-an-address", &u, why), -1);
	T_INTEQ(acctmap_user_parse("autoreply_until=soon", &u, why), -1);
	acctmap_user_free(&u);

	t_begin("list records");
	acctmap_list_init(&l);
	T_INTEQ(acctmap_list_parse("policy=senders senders=boss@x.test "
	                           "members=a@x.test require_auth=yes",
	            &l, why),
	    0);
	T_INTEQ(l.policy, ACCTMAP_POLICY_SENDERS);
	T_ASSERT(l.require_auth);
	buf_reset(out);
	acctmap_list_format(&l, out);
	T_STREQ(buf_cstr(out),
	    "active=yes policy=senders require_auth=yes "
	    "members=a@x.test senders=boss@x.test");
	T_INTEQ(acctmap_list_parse("policy=everyone", &l, why), -1);
	acctmap_list_free(&l);

	t_begin("alias targets");
	{
		struct strv v;

		strv_init(&v);
		T_INTEQ(acctmap_alias_parse(
		            " A@x.test, b@y.test\tc@z.test,a@x.test", &v, why),
		    0);
		T_INTEQ(v.n, 3);
		T_STREQ(v.v[0], "a@x.test");
		T_INTEQ(acctmap_alias_parse(" , ", &v, why), -1);
		strv_free(&v);
	}

	buf_free(&why);
	buf_free(&out);
	return t_end();
}

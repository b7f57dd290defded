/*
 * matchlist_test.c - address and domain match lists: literals, maps,
 * pattern files, negation, parent domains, errors.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "mail/matchlist.h"

#include "tests/t.h"

static const struct {
	const char *list;
	int flags;
	const char *item;
	int ret;
} cases[] = {
    /* mynetworks */
    {"127.0.0.0/8 [::1]/128", MATCHLIST_ADDR, "127.0.0.1", 1},
    {"127.0.0.0/8 [::1]/128", MATCHLIST_ADDR, "::1", 1},
    {"127.0.0.0/8 [::1]/128", MATCHLIST_ADDR, "::ffff:127.0.0.9", 1},
    {"127.0.0.0/8 [::1]/128", MATCHLIST_ADDR, "128.0.0.1", 0},
    {"127.0.0.0/8 [::1]/128", MATCHLIST_ADDR, "::2", 0},
    {"127.0.0.0/8 [::1]/128", MATCHLIST_ADDR, "not-an-address", 0},
    {"192.0.2.7, 2001:db8::/32", MATCHLIST_ADDR, "192.0.2.7", 1},
    {"192.0.2.7, 2001:db8::/32", MATCHLIST_ADDR, "192.0.2.8", 0},
    {"192.0.2.7, 2001:db8::/32", MATCHLIST_ADDR, "2001:db8:ff::1", 1},
    {"10.0.0.1-10.0.0.9", MATCHLIST_ADDR, "10.0.0.5", 1},
    {"!192.0.2.5 192.0.2.0/24", MATCHLIST_ADDR, "192.0.2.5", 0},
    {"!192.0.2.5 192.0.2.0/24", MATCHLIST_ADDR, "192.0.2.6", 1},
    {"inline:{ 192.0.2.1=x }", MATCHLIST_ADDR, "192.0.2.1", 1},
    {"inline:{ 192.0.2.1=x }", MATCHLIST_ADDR, "::ffff:192.0.2.1", 1},
    {"inline:{ 192.0.2.1=x }", MATCHLIST_ADDR, "192.0.2.2", 0},
    {"", MATCHLIST_ADDR, "127.0.0.1", 0},
    /* mydestination */
    {"mx.example.com, localhost", MATCHLIST_DOMAIN, "MX.Example.COM", 1},
    {"mx.example.com, localhost", MATCHLIST_DOMAIN, "sub.mx.example.com", 0},
    {"mx.example.com, localhost", MATCHLIST_DOMAIN, "example.com", 0},
    {".example.com", MATCHLIST_DOMAIN, "a.example.com", 1},
    {".example.com", MATCHLIST_DOMAIN, "a.b.example.com", 1},
    {".example.com", MATCHLIST_DOMAIN, "example.com", 0},
    {".example.com", MATCHLIST_DOMAIN, "xexample.com", 0},
    /* relay_domains, parent_domain_matches_subdomains style */
    {"example.com", MATCHLIST_DOMAIN | MATCHLIST_PARENT, "example.com", 1},
    {"example.com", MATCHLIST_DOMAIN | MATCHLIST_PARENT, "a.example.com", 1},
    {"example.com", MATCHLIST_DOMAIN | MATCHLIST_PARENT, "xexample.com", 0},
    {"!bad.example.com example.com", MATCHLIST_DOMAIN | MATCHLIST_PARENT,
        "bad.example.com", 0},
    {"!bad.example.com example.com", MATCHLIST_DOMAIN | MATCHLIST_PARENT,
        "ok.example.com", 1},
    /* domain maps: the domain, then parents */
    {"inline:{ example.com=x }", MATCHLIST_DOMAIN, "example.com", 1},
    {"inline:{ example.com=x }", MATCHLIST_DOMAIN, "a.example.com", 0},
    {"inline:{ example.com=x }", MATCHLIST_DOMAIN | MATCHLIST_PARENT,
        "a.b.example.com", 1},
    {"inline:{ .example.com=x }", MATCHLIST_DOMAIN, "a.b.example.com", 1},
    {"inline:{ .example.com=x }", MATCHLIST_DOMAIN, "example.com", 0},
    {"!inline:{ example.org=x }, static:yes", MATCHLIST_DOMAIN, "example.org",
        0},
    {"!inline:{ example.org=x }, static:yes", MATCHLIST_DOMAIN, "example.net",
        1},
};

static const struct {
	const char *list;
	int flags;
	const char *why;
} bad[] = {
    {"192.0.2.1/24", MATCHLIST_ADDR,
        "p: non-null host address bits in \"192.0.2.1/24\", perhaps you "
        "should use \"192.0.2.0/24\" instead"},
    {"example.com", MATCHLIST_ADDR,
        "p: bad address or network \"example.com\""},
    {"192.0.2.0/24 !", MATCHLIST_ADDR, "p: \"!\" without an item"},
    {"hash:/nonexistent/x", MATCHLIST_DOMAIN,
        "p: open /nonexistent/x.db: No such file or directory"},
    {"/nonexistent/x", MATCHLIST_DOMAIN,
        "p: open /nonexistent/x: No such file or directory"},
};

int
main(void)
{
	struct buf *why = buf_new(64);
	struct matchlist *l;

	for (size_t i = 0; i < NELEM(cases); i++) {
		t_begin(cases[i].list);
		buf_reset(why);
		l = matchlist_open("p", cases[i].list, cases[i].flags, why);
		T_ASSERT(l != NULL);
		if (l == NULL) {
			fprintf(stderr, "%s\n", buf_cstr(why));
			continue;
		}
		T_INTEQ(matchlist_match(l, cases[i].item, why), cases[i].ret);
		matchlist_close(&l);
		T_ASSERT(l == NULL);
	}
	for (size_t i = 0; i < NELEM(bad); i++) {
		t_begin(bad[i].list);
		buf_reset(why);
		l = matchlist_open("p", bad[i].list, bad[i].flags, why);
		T_ASSERT(l == NULL);
		T_ASSERT(strncmp(buf_cstr(why), bad[i].why, strlen(bad[i].why))
		    == 0);
		if (strncmp(buf_cstr(why), bad[i].why, strlen(bad[i].why)))
			fprintf(stderr, "got: %s\n", buf_cstr(why));
	}

	t_begin("pattern file");
	{
		char *path = xstrdup(t_write_file("nets",
		    "# trusted\n192.0.2.0/24, 198.51.100.1\n\n  [::1]/128\n"));
		struct buf *list = buf_new(64);

		buf_printf(list, "10.0.0.0/8 %s", path);
		l = matchlist_open("p", buf_cstr(list), MATCHLIST_ADDR, why);
		T_ASSERT(l != NULL);
		if (l) {
			T_INTEQ(matchlist_match(l, "192.0.2.9", why), 1);
			T_INTEQ(matchlist_match(l, "198.51.100.1", why), 1);
			T_INTEQ(matchlist_match(l, "::1", why), 1);
			T_INTEQ(matchlist_match(l, "10.1.1.1", why), 1);
			T_INTEQ(matchlist_match(l, "198.51.100.2", why), 0);
			matchlist_close(&l);
		}
		t_begin("pattern file names another file");
		t_write_file("nested", "/etc/hosts\n");
		buf_reset(list);
		buf_printf(list, "%s/nested", t_tmpdir());
		buf_reset(why);
		T_ASSERT(
		    matchlist_open("p", buf_cstr(list), MATCHLIST_DOMAIN, why)
		    == NULL);
		T_ASSERT(strstr(buf_cstr(why), "may not name another file"));
		buf_free(&list);
		free(path);
	}
	buf_free(&why);
	return t_end();
}

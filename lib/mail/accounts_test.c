/*
 * accounts_test.c - domain aliases, accounts, aliases, lists, forwards,
 * catch-alls and loops, resolved through texthash: maps written by the
 * test.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "mail/accounts.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

#include "tests/t.h"

static const char domains[] = "example.com   active=yes max_accounts=10\n"
                              "example.net   alias=example.com\n"
                              "example.org   active=yes\n"
                              "off.test      active=no\n"
                              "offalias.test alias=example.com active=no\n"
                              "broken.test   nonsense=1\n"
                              "dangling.test alias=nowhere.test\n"
                              "loopy.test    active=yes\n";

static const char users[] =
    "joe@example.com     maildir=example.com/joe/ quota=1000\n"
    "joe@example.org     quota=0\n"
    "ann@example.com     active=yes\n"
    "gone@example.com    active=no\n"
    "fwd@example.com     forward=ann@example.com,x@remote.test "
    "keep_copy=no\n"
    "fwdkeep@example.com forward=ann@example.com keep_copy=yes\n"
    "fwdself@example.com forward=fwdself@example.com,ann@example.com "
    "keep_copy=no\n"
    "sue@off.test        active=yes\n"
    "bad@example.com     quota=lots\n"
    "ping@example.com    forward=pong@example.com keep_copy=no\n"
    "pong@example.com    forward=ping@example.com keep_copy=no\n"
    "auto@example.com    autoreply=yes autoreply_subject=Away "
    "autoreply_text=Back%20soon%0A\n"
    "old@example.com     autoreply=yes autoreply_until=2001-01-01\n";

static const char aliases[] =
    "info@example.com    joe@example.com, ann@example.com\n"
    "chain1@example.com  chain2@example.com\n"
    "chain2@example.com  chain3@example.net\n"
    "chain3@example.com  joe@example.com\n"
    "loop1@example.com   loop2@example.com\n"
    "loop2@example.com   loop3@example.com\n"
    "loop3@example.com   loop1@example.com\n"
    "self@example.com    self@example.com, ann@example.com\n"
    "ann@example.com     ann@example.com, archive@remote.test\n"
    "mixed@example.com   gone@example.com, nobody@example.com, "
    "joe@example.com\n"
    "@example.org        joe@example.org\n"
    "@example.net        never@example.com\n"
    "@loopy.test         nobody@loopy.test\n"
    "bare@example.com    joe\n"
    "onlygone@example.com gone@example.com\n"
    "deep0@example.com   deep1@example.com\n"
    "deep1@example.com   deep2@example.com\n"
    "deep2@example.com   deep3@example.com\n"
    "deep3@example.com   deep4@example.com\n"
    "deep4@example.com   joe@example.com\n";

static const char lists[] =
    "staff@example.com   members=joe@example.com,ann@example.com,"
    "x@remote.test policy=members\n"
    "open@example.com    members=joe@example.com policy=anyone\n"
    "news@example.com    members=joe@example.com policy=senders "
    "senders=boss@example.com\n"
    "authonly@example.com members=joe@example.com require_auth=yes\n"
    "dead@example.com    members=joe@example.com active=no\n"
    "nested@example.com  members=staff@example.com,info@example.com\n";

static const char passwd[] = "joe@example.com $y$j9T$abc$def\n";

static char *
spec(const char *name, const char *text)
{
	struct buf *b = buf_new(64);
	const char *path = t_write_file(name, text);

	char *s;

	buf_printf(b, "texthash:%s", path);
	s = buf_steal(b);
	buf_free(&b);
	return s;
}

/* targets_str - "m:addr:maildir r:addr f:addr/status" sorted as found */
static void
targets_str(const struct accounts_targets *t, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < t->n; i++) {
		const struct accounts_target *x = &t->v[i];

		if (i)
			buf_catc(out, ' ');
		switch (x->kind) {
		case ACCOUNTS_TARGET_MAILBOX:
			buf_printf(out, "m:%s:%s", x->address, x->maildir);
			break;
		case ACCOUNTS_TARGET_REMOTE:
			buf_printf(out, "r:%s", x->address);
			break;
		default:
			buf_printf(out, "f:%s/%s", x->address,
			    accounts_status_name(x->status));
		}
	}
}

static const struct {
	const char *addr;
	enum accounts_status st;
	const char *targets;
} resolves[] = {
    {"joe@example.com", ACCOUNTS_OK, "m:joe@example.com:example.com/joe/"},
    {"JOE@Example.COM", ACCOUNTS_OK, "m:joe@example.com:example.com/joe/"},
    /* A domain alias is the same mailbox. */
    {"joe@example.net", ACCOUNTS_OK, "m:joe@example.com:example.com/joe/"},
    /* The same local part in another domain is another account. */
    {"joe@example.org", ACCOUNTS_OK, "m:joe@example.org:example.org/joe/"},
    {"info@example.com", ACCOUNTS_OK,
        "m:joe@example.com:example.com/joe/ "
        "m:ann@example.com:example.com/ann/ r:archive@remote.test"},
    {"chain1@example.com", ACCOUNTS_OK, "m:joe@example.com:example.com/joe/"},
    {"loop1@example.com", ACCOUNTS_LOOP, ""},
    {"loop2@example.net", ACCOUNTS_LOOP, ""},
    {"self@example.com", ACCOUNTS_OK,
        "f:self@example.com/unknown m:ann@example.com:example.com/ann/ "
        "r:archive@remote.test"},
    {"ann@example.com", ACCOUNTS_OK,
        "m:ann@example.com:example.com/ann/ r:archive@remote.test"},
    {"mixed@example.com", ACCOUNTS_OK,
        "f:gone@example.com/disabled f:nobody@example.com/unknown "
        "m:joe@example.com:example.com/joe/"},
    {"gone@example.com", ACCOUNTS_DISABLED, ""},
    {"nobody@example.com", ACCOUNTS_UNKNOWN, ""},
    {"sue@off.test", ACCOUNTS_DOMAIN_DISABLED, ""},
    {"joe@offalias.test", ACCOUNTS_DOMAIN_DISABLED, ""},
    {"who@remote.test", ACCOUNTS_NOT_HOSTED, "r:who@remote.test"},
    /* Catch-all takes unknown users only. */
    {"anyone@example.org", ACCOUNTS_OK, "m:joe@example.org:example.org/joe/"},
    /* A catch-all pointing at an unknown user of its own domain loops. */
    {"anyone@loopy.test", ACCOUNTS_LOOP, ""},
    /* The catch-all of a domain alias is its domain's. */
    {"anyone@example.net", ACCOUNTS_UNKNOWN, ""},
    {"fwd@example.com", ACCOUNTS_OK,
        "m:ann@example.com:example.com/ann/ r:archive@remote.test "
        "r:x@remote.test"},
    {"fwdkeep@example.com", ACCOUNTS_OK,
        "m:ann@example.com:example.com/ann/ r:archive@remote.test "
        "m:fwdkeep@example.com:example.com/fwdkeep/"},
    {"fwdself@example.com", ACCOUNTS_OK,
        "m:ann@example.com:example.com/ann/ r:archive@remote.test "
        "m:fwdself@example.com:example.com/fwdself/"},
    {"ping@example.com", ACCOUNTS_LOOP, ""},
    {"staff@example.com", ACCOUNTS_OK,
        "m:joe@example.com:example.com/joe/ "
        "m:ann@example.com:example.com/ann/ r:archive@remote.test "
        "r:x@remote.test"},
    {"dead@example.com", ACCOUNTS_LIST_DISABLED, ""},
    {"nested@example.com", ACCOUNTS_OK,
        "m:joe@example.com:example.com/joe/ "
        "m:ann@example.com:example.com/ann/ r:archive@remote.test "
        "r:x@remote.test"},
    {"bad@example.com", ACCOUNTS_TEMPFAIL, ""},
    {"x@broken.test", ACCOUNTS_TEMPFAIL, ""},
    {"x@dangling.test", ACCOUNTS_TEMPFAIL, ""},
    {"deep0@example.com", ACCOUNTS_OK, "m:joe@example.com:example.com/joe/"},
    /* A bare alias target is qualified with $myorigin, as Postfix does. */
    {"bare@example.com", ACCOUNTS_OK, "m:joe@example.com:example.com/joe/"},
    {"", ACCOUNTS_UNKNOWN, ""},
    {"nodomain", ACCOUNTS_UNKNOWN, ""},
};

static const struct {
	const char *rcpt, *sender, *sasl;
	enum accounts_status st;
	enum accounts_kind kind;
} rcpts[] = {
    {"joe@example.com", "a@b.test", NULL, ACCOUNTS_OK, ACCOUNTS_KIND_USER},
    {"joe@example.net", "a@b.test", NULL, ACCOUNTS_OK, ACCOUNTS_KIND_USER},
    {"info@example.com", "", NULL, ACCOUNTS_OK, ACCOUNTS_KIND_ALIAS},
    {"nobody@example.com", "", NULL, ACCOUNTS_UNKNOWN, ACCOUNTS_KIND_NONE},
    {"gone@example.com", "", NULL, ACCOUNTS_DISABLED, ACCOUNTS_KIND_USER},
    {"sue@off.test", "", NULL, ACCOUNTS_DOMAIN_DISABLED, ACCOUNTS_KIND_NONE},
    {"who@remote.test", "", NULL, ACCOUNTS_NOT_HOSTED, ACCOUNTS_KIND_NONE},
    {"anyone@example.org", "", NULL, ACCOUNTS_OK, ACCOUNTS_KIND_CATCHALL},
    {"loop1@example.com", "", NULL, ACCOUNTS_LOOP, ACCOUNTS_KIND_ALIAS},
    {"ping@example.com", "", NULL, ACCOUNTS_LOOP, ACCOUNTS_KIND_USER},
    {"staff@example.com", "ann@example.com", NULL, ACCOUNTS_OK,
        ACCOUNTS_KIND_LIST},
    /* A member writing from a domain alias is a member. */
    {"staff@example.com", "ann@example.net", NULL, ACCOUNTS_OK,
        ACCOUNTS_KIND_LIST},
    {"staff@example.com", "X@Remote.Test", NULL, ACCOUNTS_OK,
        ACCOUNTS_KIND_LIST},
    {"staff@example.com", "stranger@remote.test", NULL, ACCOUNTS_SENDER_DENIED,
        ACCOUNTS_KIND_LIST},
    {"staff@example.com", "", NULL, ACCOUNTS_SENDER_DENIED, ACCOUNTS_KIND_LIST},
    {"staff@example.com", "stranger@remote.test", "joe@example.com",
        ACCOUNTS_OK, ACCOUNTS_KIND_LIST},
    {"open@example.com", "", NULL, ACCOUNTS_OK, ACCOUNTS_KIND_LIST},
    {"news@example.com", "boss@example.com", NULL, ACCOUNTS_OK,
        ACCOUNTS_KIND_LIST},
    {"news@example.com", "joe@example.com", NULL, ACCOUNTS_SENDER_DENIED,
        ACCOUNTS_KIND_LIST},
    {"authonly@example.com", "joe@example.com", NULL, ACCOUNTS_AUTH_REQUIRED,
        ACCOUNTS_KIND_LIST},
    {"authonly@example.com", "joe@example.com", "joe@example.com", ACCOUNTS_OK,
        ACCOUNTS_KIND_LIST},
    {"dead@example.com", "", NULL, ACCOUNTS_LIST_DISABLED, ACCOUNTS_KIND_LIST},
    {"bad@example.com", "", NULL, ACCOUNTS_TEMPFAIL, ACCOUNTS_KIND_USER},
    /* An alias whose every target fails is refused now, not bounced. */
    {"onlygone@example.com", "", NULL, ACCOUNTS_DISABLED, ACCOUNTS_KIND_ALIAS},
    {"anyone@loopy.test", "", NULL, ACCOUNTS_LOOP, ACCOUNTS_KIND_CATCHALL},
};

int
main(void)
{
	struct accounts *a;
	struct accounts_targets t;
	struct accounts_domain d;
	struct accounts_user u;
	struct accounts_rcpt r;
	struct buf *why = buf_new(64), *s = buf_new(64);

	map_set_check_interval(0);
	var_virtual_mailbox_domains = spec("domains", domains);
	var_virtual_mailbox_maps = spec("users", users);
	var_virtual_alias_maps = spec("aliases", aliases);
	var_distribution_list_maps = spec("lists", lists);
	var_auth_password_maps = spec("passwd", passwd);
	var_virtual_alias_recursion_limit = 20;
	var_virtual_alias_expansion_limit = 1000;
	var_myorigin = "example.com";
	var_mail_base = (char *)t_tmpdir();
	a = accounts_open();
	accounts_targets_init(&t);

	for (size_t i = 0; i < NELEM(resolves); i++) {
		char name[128];
		enum accounts_status st;

		snprintf(name, sizeof(name), "resolve %s", resolves[i].addr);
		t_begin(name);
		t_quiet_log();
		buf_reset(why);
		st = accounts_resolve(a, resolves[i].addr, &t, why);
		if (st != resolves[i].st)
			t_fail(__FILE__, __LINE__, "status %s, want %s (%s)",
			    accounts_status_name(st),
			    accounts_status_name(resolves[i].st),
			    buf_cstr(why));
		targets_str(&t, s);
		T_STREQ(buf_cstr(s), resolves[i].targets);
	}

	t_begin("loops and limits say why");
	buf_reset(why);
	T_INTEQ(
	    accounts_resolve(a, "loop1@example.com", &t, why), ACCOUNTS_LOOP);
	T_ASSERT(strstr(buf_cstr(why), "alias loop") != NULL);
	var_virtual_alias_recursion_limit = 3;
	buf_reset(why);
	T_INTEQ(
	    accounts_resolve(a, "deep0@example.com", &t, why), ACCOUNTS_LOOP);
	T_ASSERT(strstr(buf_cstr(why), "deeper than 3") != NULL);
	var_virtual_alias_recursion_limit = 20;
	var_virtual_alias_expansion_limit = 2;
	buf_reset(why);
	T_INTEQ(
	    accounts_resolve(a, "info@example.com", &t, why), ACCOUNTS_LOOP);
	T_ASSERT(strstr(buf_cstr(why), "more than 2 addresses") != NULL);
	var_virtual_alias_expansion_limit = 1000;

	t_begin("malformed records name the map and key");
	buf_reset(why);
	T_INTEQ(
	    accounts_resolve(a, "bad@example.com", &t, why), ACCOUNTS_TEMPFAIL);
	T_ASSERT(strstr(buf_cstr(why), "users map texthash:") != NULL);
	T_ASSERT(strstr(buf_cstr(why), "bad@example.com: bad size") != NULL);

	for (size_t i = 0; i < NELEM(rcpts); i++) {
		char name[160];
		enum accounts_status st;

		snprintf(name, sizeof(name), "rcpt %s from <%s>%s",
		    rcpts[i].rcpt, rcpts[i].sender,
		    rcpts[i].sasl ? " authenticated" : "");
		t_begin(name);
		buf_reset(why);
		st = accounts_check_rcpt(
		    a, rcpts[i].rcpt, rcpts[i].sender, rcpts[i].sasl, &r, why);
		if (st != rcpts[i].st)
			t_fail(__FILE__, __LINE__, "status %s, want %s (%s)",
			    accounts_status_name(st),
			    accounts_status_name(rcpts[i].st), buf_cstr(why));
		T_INTEQ(r.status, st);
		T_INTEQ(r.kind, rcpts[i].kind);
	}

	t_begin("domains");
	T_INTEQ(accounts_domain(a, "Example.NET", &d, why), 1);
	T_STREQ(d.name, "example.com");
	T_ASSERT(d.is_alias && d.active);
	T_INTEQ(d.max_accounts, 10);
	T_INTEQ(accounts_domain(a, "example.com", &d, why), 1);
	T_ASSERT(!d.is_alias);
	T_INTEQ(accounts_domain(a, "off.test", &d, why), 1);
	T_ASSERT(!d.active);
	T_INTEQ(accounts_domain(a, "remote.test", &d, why), 0);
	T_INTEQ(accounts_domain(a, "broken.test", &d, why), -1);

	t_begin("accounts");
	T_INTEQ(accounts_user(a, "joe@example.net", &u, why), 1);
	T_STREQ(u.address, "joe@example.com");
	T_STREQ(u.maildir, "example.com/joe/");
	T_INTEQ(u.quota, 1000);
	T_ASSERT(u.active);
	accounts_user_free(&u);
	T_INTEQ(accounts_user(a, "joe@example.org", &u, why), 1);
	T_STREQ(u.maildir, "example.org/joe/");
	accounts_user_free(&u);
	T_INTEQ(accounts_user(a, "sue@off.test", &u, why), 1);
	T_ASSERT(!u.active && u.user_active);
	accounts_user_free(&u);
	T_INTEQ(accounts_user(a, "info@example.com", &u, why), 0);
	T_INTEQ(accounts_user(a, "joe", &u, why), 0);
	T_INTEQ(accounts_user(a, "fwd@example.com", &u, why), 1);
	T_INTEQ(u.forward.n, 2);
	T_ASSERT(!u.keep_copy);
	accounts_user_free(&u);
	T_INTEQ(accounts_user(a, "auto@example.com", &u, why), 1);
	T_ASSERT(u.autoreply);
	T_STREQ(u.ar_subject, "Away");
	T_STREQ(u.ar_text, "Back soon\n");
	accounts_user_free(&u);
	T_INTEQ(accounts_user(a, "old@example.com", &u, why), 1);
	T_ASSERT(!u.autoreply);
	T_ASSERT(u.ar_until > 0);
	accounts_user_free(&u);

	t_begin("passwords");
	T_INTEQ(accounts_password(a, "JOE@example.com", s, why), 1);
	T_STREQ(buf_cstr(s), "$y$j9T$abc$def");
	T_INTEQ(accounts_password(a, "ann@example.com", s, why), 0);

	t_begin("maildir paths stay below the store");
	T_INTEQ(accounts_maildir_path("example.com/joe/", s, why), 0);
	T_ASSERT(str_has_suffix(buf_cstr(s), "/example.com/joe/"));
	T_INTEQ(accounts_maildir_path("../etc/", s, why), -1);
	T_INTEQ(accounts_maildir_path("/etc/", s, why), -1);
	T_INTEQ(accounts_maildir_path("a//b", s, why), -1);
	T_INTEQ(accounts_maildir_path("a/./b", s, why), -1);

	t_begin("usage and quota at RCPT");
	{
		struct buf *p = buf_new(64);
		long long bytes;
		long msgs;

		static const char *const dirs[] = {
		    "new", "cur", "tmp", ".Sent/new", ".Sent/cur", ".Sent/tmp"};

		for (size_t i = 0; i < NELEM(dirs); i++) {
			buf_reset(p);
			buf_printf(
			    p, "%s/example.com/joe/%s", t_tmpdir(), dirs[i]);
			T_INTEQ(file_mkdirs(buf_cstr(p), 0700, why), 0);
		}
		t_write_file("example.com/joe/new/1.M1P1.host,S=600", "x");
		t_write_file(
		    "example.com/joe/.Sent/cur/2.M2P2.host:2,S", "0123");
		buf_reset(p);
		buf_printf(p, "%s/example.com/joe", t_tmpdir());
		T_INTEQ(accounts_usage(buf_cstr(p), 0, &bytes, &msgs, why), 0);
		T_INTEQ(bytes, 604);
		T_INTEQ(msgs, 2);
		T_INTEQ(accounts_check_rcpt(
		            a, "joe@example.com", "", NULL, &r, why),
		    ACCOUNTS_OK);
		/* A delivery adds the message and a maildirsize line. */
		t_write_file("example.com/joe/new/3.M3P3.host,S=500", "x");
		t_write_file(
		    "example.com/joe/maildirsize", "1000S\n604 2\n500 1\n");
		T_INTEQ(accounts_check_rcpt(
		            a, "joe@example.com", "", NULL, &r, why),
		    ACCOUNTS_OVER_QUOTA);
		/* Maildir++ maildirsize wins when present. */
		t_write_file(
		    "example.com/joe/maildirsize", "1000S\n100 1\n-50 0\n");
		T_INTEQ(
		    accounts_usage(buf_cstr(p), 1000, &bytes, &msgs, why), 0);
		T_INTEQ(bytes, 50);
		T_INTEQ(msgs, 1);
		T_INTEQ(accounts_check_rcpt(
		            a, "joe@example.com", "", NULL, &r, why),
		    ACCOUNTS_OK);
		buf_free(&p);
	}

	t_begin("status replies");
	T_ASSERT(str_has_prefix(
	    accounts_status_reply(ACCOUNTS_UNKNOWN), "550 5.1.1 "));
	T_ASSERT(
	    str_has_prefix(accounts_status_reply(ACCOUNTS_LOOP), "554 5.4.6 "));
	T_ASSERT(str_has_prefix(
	    accounts_status_reply(ACCOUNTS_TEMPFAIL), "451 4.3.0 "));

	accounts_targets_free(&t);
	accounts_close(&a);
	free(var_virtual_mailbox_domains);
	free(var_virtual_mailbox_maps);
	free(var_virtual_alias_maps);
	free(var_distribution_list_maps);
	free(var_auth_password_maps);
	buf_free(&why);
	buf_free(&s);
	return t_end();
}

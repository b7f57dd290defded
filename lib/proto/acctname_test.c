/*
 * acctname_test.c - login names as clients send them, and the checks of
 * domains, local parts and addresses.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/acctname.h"

#include "tests/t.h"

static const struct {
	const char *login;
	const char *defdom;
	const char *want; /* NULL: refused */
	const char *why;  /* part of the reason when refused */
} logins[] = {
    {"joe@example.com", "default.test", "joe@example.com", NULL},
    {"Joe@Example.COM", "default.test", "joe@example.com", NULL},
    {"joe%example.com", "default.test", "joe@example.com", NULL},
    {"joe#example.com", "default.test", "joe@example.com", NULL},
    {"joe", "default.test", "joe@default.test", NULL},
    {"JOE", "Default.Test", "joe@default.test", NULL},
    {"joe", "", NULL, "no domain"},
    {"joe", NULL, NULL, "no domain"},
    {"first.last@example.com", NULL, "first.last@example.com", NULL},
    {"o'brien+tag@example.com", NULL, "o'brien+tag@example.com", NULL},
    /* '@' wins over '%', '%' over '#'. */
    {"joe%example.com@mail.example.com", NULL, NULL, "'%'"},
    {"a#b%example.com", NULL, NULL, "'#'"},
    {"", "d.test", NULL, "empty login"},
    {"@example.com", "d.test", NULL, "empty local part"},
    {"joe@", "d.test", NULL, "empty domain"},
    {"joe%", "d.test", NULL, "empty domain"},
    {"joe@example", "d.test", NULL, "must contain a dot"},
    {"joe@example.com.", NULL, NULL, "ends with a dot"},
    {"joe@-example.com", NULL, NULL, "begins with '-'"},
    {"joe@exa_mple.com", NULL, NULL, "'_'"},
    {".joe@example.com", NULL, NULL, "begins or ends with a dot"},
    {"jo..e@example.com", NULL, NULL, "two dots"},
    {"../etc@example.com", NULL, NULL, "dot"},
    {"a/b@example.com", NULL, NULL, "'/'"},
    {"joe @example.com", NULL, NULL, "bad character 0x20"},
    {"joe\t@example.com", NULL, NULL, "bad character 0x09"},
    {"j\xc3\xb6@example.com", NULL, NULL, "bad character 0xc3"},
    {"joe\"@example.com", NULL, NULL, "'\"'"},
};

static const struct {
	const char *in;
	int domain, local, address, catchall, target;
} checks[] = {
    /* in                       dom loc addr c-all target */
    {"example.com", 0, 0, -1, -1, -1},
    {"example", -1, 0, -1, -1, -1},
    {"a-b.example.co.uk", 0, 0, -1, -1, -1},
    {"xn--bcher-kva.example", 0, 0, -1, -1, -1},
    {"joe@example.com", -1, -1, 0, 0, 0},
    {"@example.com", -1, -1, -1, 0, -1},
    {"root@localhost", -1, -1, -1, -1, 0},
    {"a%b@example.com", -1, -1, -1, -1, 0},
    {"a#b@example.com", -1, -1, -1, -1, 0},
    {"joe@[192.0.2.1]", -1, -1, -1, -1, -1},
    {"joe@ex..com", -1, -1, -1, -1, -1},
    {"", -1, -1, -1, -1, -1},
    {".", -1, -1, -1, -1, -1},
    {"..", -1, -1, -1, -1, -1},
    {"a.", -1, -1, -1, -1, -1},
};

int
main(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);

	for (size_t i = 0; i < NELEM(logins); i++) {
		char name[128];
		int ret;

		snprintf(name, sizeof(name), "login \"%s\"", logins[i].login);
		t_begin(name);
		buf_reset(why);
		ret = acctname_login(logins[i].login, strlen(logins[i].login),
		    logins[i].defdom, out, why);
		if (logins[i].want) {
			T_INTEQ(ret, 0);
			T_STREQ(buf_cstr(out), logins[i].want);
		} else {
			T_INTEQ(ret, -1);
			T_STREQ(buf_cstr(out), "");
			if (strstr(buf_cstr(why), logins[i].why) == NULL)
				t_fail(__FILE__, __LINE__,
				    "reason \"%s\" lacks \"%s\"", buf_cstr(why),
				    logins[i].why);
		}
	}

	t_begin("login with a NUL byte");
	T_INTEQ(acctname_login("joe\0x@example.com", 17, NULL, out, why), -1);

	t_begin("login too long");
	{
		char big[ACCTNAME_ADDR_MAX + 10];

		memset(big, 'a', sizeof(big));
		T_INTEQ(
		    acctname_login(big, sizeof(big), "d.test", out, why), -1);
		/* A 64-character local part in a 253-character domain. */
		memset(big, 'a', 64);
		big[64] = '@';
		for (size_t i = 65; i < ACCTNAME_ADDR_MAX; i++)
			big[i] = (i - 65) % 62 == 61 ? '.' : 'b';
		T_INTEQ(
		    acctname_login(big, ACCTNAME_ADDR_MAX, NULL, out, why), 0);
		T_INTEQ(buf_len(out), ACCTNAME_ADDR_MAX);
		big[0] = 'a';
		memset(big, 'a', 65);
		T_INTEQ(
		    acctname_login(big, ACCTNAME_ADDR_MAX, NULL, out, why), -1);
	}

	for (size_t i = 0; i < NELEM(checks); i++) {
		char name[128];

		snprintf(name, sizeof(name), "checks \"%s\"", checks[i].in);
		t_begin(name);
		T_INTEQ(
		    acctname_check_domain(checks[i].in, why), checks[i].domain);
		T_INTEQ(
		    acctname_check_local(checks[i].in, why), checks[i].local);
		T_INTEQ(acctname_check_address(checks[i].in, false, why),
		    checks[i].address);
		T_INTEQ(acctname_check_address(checks[i].in, true, why),
		    checks[i].catchall);
		T_INTEQ(
		    acctname_check_target(checks[i].in, why), checks[i].target);
	}

	t_begin("label and domain lengths");
	{
		char d[300];

		memset(d, 'a', 63);
		memcpy(d + 63, ".com", 5);
		T_INTEQ(acctname_check_domain(d, why), 0);
		memset(d, 'a', 64);
		memcpy(d + 64, ".com", 5);
		buf_reset(why);
		T_INTEQ(acctname_check_domain(d, why), -1);
		T_ASSERT(strstr(buf_cstr(why), "longer than 63") != NULL);
		for (size_t i = 0; i < 260; i++)
			d[i] = i % 10 == 9 ? '.' : 'a';
		d[260] = 0;
		buf_reset(why);
		T_INTEQ(acctname_check_domain(d, why), -1);
		T_ASSERT(strstr(buf_cstr(why), "longer than 253") != NULL);
	}

	t_begin("split and lower");
	{
		struct buf *l = buf_new(16), *dom = buf_new(16);

		T_INTEQ(acctname_split("a@b@c.d", l, dom), 0);
		T_STREQ(buf_cstr(l), "a@b");
		T_STREQ(buf_cstr(dom), "c.d");
		T_INTEQ(acctname_split("@c.d", l, NULL), 0);
		T_STREQ(buf_cstr(l), "");
		T_INTEQ(acctname_split("nodomain", l, dom), -1);
		acctname_lower("MiXeD@Case.ORG", l);
		T_STREQ(buf_cstr(l), "mixed@case.org");
		buf_free(&l);
		buf_free(&dom);
	}

	buf_free(&out);
	buf_free(&why);
	return t_end();
}

/*
 * cfg_test.c - gannet.conf syntax, expansion, typed values, bounds,
 * file:line errors, editing, and the service table.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/params.h"

#include "tests/t.h"

static char *t_str;
static long t_int, t_time, t_size;
static bool t_bool;

static const struct cfg_param table[] = {
    CFG_STR("t_str", "default-$t_int", &t_str),
    CFG_INT("t_int", "7", &t_int, 1, 100),
    CFG_TIME("t_time", "5m", &t_time, 0, 86400),
    CFG_SIZE("t_size", "10k", &t_size, 0, 1L << 40),
    CFG_BOOL("t_bool", "no", &t_bool),
    CFG_END,
};

static const struct {
	const char *text;
	int ret;
	const char *err;
} syntax[] = {
    {"a = b\n", 0, NULL},
    {"# comment\n\n  # indented comment\na=b", 0, NULL},
    {"a = b\n  c\n", 0, NULL},
    {"  c\n", -1, "x.conf:1: continuation line without a parameter"},
    {"novalue\n", -1, "x.conf:1: missing '=' after parameter name"},
    {"a b = c\n", -1, "x.conf:1: bad parameter name"},
    {"ok = 1\n\nbad line\n", -1, "x.conf:3: missing '='"},
};

static const struct {
	const char *text;
	const char *name;
	const char *want;
} expand[] = {
    {"a = x\nb = $a-y", "b", "x-y"}, {"a = x\nb = ${a}y", "b", "xy"},
    {"a = x\nb = $(a)y", "b", "xy"}, {"a = x\nb = ${a?set}", "b", "set"},
    {"a =\nb = ${a?set}", "b", ""}, {"a =\nb = ${a:empty}", "b", "empty"},
    {"b = $$literal", "b", "$literal"},
    {"a = 1\na = 2\nb = $a", "b", "2"},                      /* last wins */
    {"b = $undefined.", "b", "."}, {"b = $t_int", "b", "7"}, /* default */
    {"a = x\n  y\nb = $a", "b", "x y"},                      /* continuation */
};

static void
load_bad_fatal(void *arg)
{
	struct buf *why = buf_new(64);

	(void)cfg_load_string("x.conf", "t_int = 1000\n", why);
	buf_free(&why);
	if (cfg_apply_table(table) > 0)
		exit(1);
}

int
main(void)
{
	struct buf *why = buf_new(256), *out = buf_new(256);
	struct svc_table svc;

	cfg_register_table(table);

	for (size_t i = 0; i < NELEM(syntax); i++) {
		t_begin(syntax[i].text);
		buf_reset(why);
		T_INTEQ(cfg_load_string("x.conf", syntax[i].text, why),
		    syntax[i].ret);
		if (syntax[i].err)
			T_ASSERT(strstr(buf_cstr(why), syntax[i].err) != NULL);
	}

	for (size_t i = 0; i < NELEM(expand); i++) {
		t_begin(expand[i].text);
		buf_reset(why);
		T_INTEQ(cfg_load_string("x.conf", expand[i].text, why), 0);
		T_INTEQ(cfg_value(expand[i].name, out, why), 0);
		T_STREQ(buf_cstr(out), expand[i].want);
	}

	t_begin("recursive expansion is an error");
	buf_reset(why);
	cfg_load_string("x.conf", "a = $b\nb = $a\n", why);
	T_INTEQ(cfg_value("a", out, why), -1);
	T_ASSERT(strstr(buf_cstr(why), "recursive") != NULL);

	t_begin("exponential expansion is cut off (found by fuzzing)");
	buf_reset(why);
	cfg_load_string("x.conf",
	    "a = $b$b$b$b$b$b$b$b$b$b\nb = $c$c$c$c$c$c$c$c$c$c\n"
	    "c = $d$d$d$d$d$d$d$d$d$d\nd = $e$e$e$e$e$e$e$e$e$e\n"
	    "e = $f$f$f$f$f$f$f$f$f$f\nf = xxxxxxxxxx\n",
	    why);
	T_INTEQ(cfg_value("a", out, why), -1);
	T_ASSERT(strstr(buf_cstr(why), "too large") != NULL);

	t_begin("computed default that refers back to itself");
	buf_reset(why);
	cfg_load_string("x.conf", "myhostname = $mydomain.x\n", why);
	T_INTEQ(cfg_value("myhostname", out, why), 0);
	T_STREQ(buf_cstr(out),
	    "x.x"); /* mydomain falls back to its plain default inside */

	t_begin("typed values and defaults");
	buf_reset(why);
	cfg_load_string(
	    "x.conf", "t_time = 2h\nt_size = 3m\nt_bool = yes\n", why);
	T_INTEQ(cfg_apply_table(table), 0);
	T_STREQ(t_str, "default-7");
	T_INTEQ(t_int, 7);
	T_INTEQ(t_time, 7200);
	T_INTEQ(t_size, 3 * 1024 * 1024);
	T_ASSERT(t_bool);

	t_begin("out of range names file:line");
	cfg_load_string("x.conf", "\nt_int = 1000\n", why);
	t_expect_log("x.conf:2: value of t_int out of range: 1000");
	T_INTEQ(cfg_apply_table(table), 1);

	t_begin("bad time unit");
	cfg_load_string("x.conf", "t_time = 5y\n", why);
	t_expect_log("x.conf:1: bad time value for t_time: \"5y\"");
	T_INTEQ(cfg_apply_table(table), 1);

	t_begin("bad boolean");
	cfg_load_string("x.conf", "t_bool = maybe\n", why);
	t_expect_log("x.conf:1: bad boolean value for t_bool");
	T_INTEQ(cfg_apply_table(table), 1);

	t_begin("override beats the file");
	cfg_load_string("x.conf", "t_int = 5\n", why);
	cfg_override("t_int", "9");
	T_INTEQ(cfg_apply_table(table), 0);
	T_INTEQ(t_int, 9);

	t_begin("a failing config exits non-zero with file:line");
	t_expect_exit(load_bad_fatal, NULL, "x.conf:1: value of t_int");

	t_begin("unknown parameter is a warning with file:line");
	cfg_load_string(
	    "x.conf", "myhostname = a.example\nbogus_thing = 1\n", why);
	t_expect_log("x.conf:2: unknown parameter: bogus_thing");
	T_INTEQ(cfg_apply(false), 0);
	T_STREQ(var_myhostname, "a.example");
	T_STREQ(var_mydomain, "example");
	T_STREQ(var_myorigin, "a.example");

	t_begin("edit keeps comments and replaces the last definition");
	{
		const char *path = t_write_file("edit.conf",
		    "# top comment\na = 1\n# middle\nb = 2\n  continued\n"
		    "a = 3\n");
		struct strv sets;
		char *p = xstrdup(path);

		strv_init(&sets);
		strv_push(&sets, "b=new");
		strv_push(&sets, "a=last");
		strv_push(&sets, "c=added");
		T_INTEQ(cfg_edit(p, &sets, why), 0);
		T_INTEQ(file_read(p, 4096, out, why), 0);
		T_STREQ(buf_cstr(out),
		    "# top comment\n# middle\nb = new\n"
		    "a = last\nc = added\n");
		strv_free(&sets);
		free(p);
	}

	t_begin("service table");
	buf_reset(why);
	T_INTEQ(cfg_services_parse("s.conf",
	            "# comment\n"
	            "127.0.0.1:10025 inet n - n - 50 smtpd\n"
	            "  -o smtpd_banner=x\n"
	            "qmgr unix n - n 300 1 qmgr\n"
	            "pop3 inet n vmail n - - pop3d\n",
	            &svc, why),
	    0);
	T_INTEQ(svc.n, 3);
	T_STREQ(svc.v[0].name, "127.0.0.1:10025");
	T_INTEQ(svc.v[0].maxproc, 50);
	T_INTEQ(svc.v[0].argv.n, 3);
	T_STREQ(svc.v[0].argv.v[2], "smtpd_banner=x");
	T_INTEQ(svc.v[1].wakeup, 300);
	T_ASSERT(!svc.v[1].is_private);
	T_STREQ(svc.v[2].user, "vmail");
	T_INTEQ(svc.v[2].maxproc, -1);
	T_STREQ(svc.v[2].where, "s.conf:5");
	cfg_services_free(&svc);

	t_begin("service table errors name file:line");
	buf_reset(why);
	T_INTEQ(cfg_services_parse("s.conf",
	            "smtp inet n - n - 100 smtpd\n"
	            "smtp tcp n - n - 100 smtpd\n"
	            "x unix n - n - 1\n"
	            "smtp inet n - n - 100 smtpd\n"
	            "99999 inet n - n - 1 smtpd\n",
	            &svc, why),
	    -1);
	T_ASSERT(strstr(buf_cstr(why), "s.conf:2: bad service type") != NULL);
	T_ASSERT(strstr(buf_cstr(why), "s.conf:3: expected 8 or more") != NULL);
	T_ASSERT(strstr(buf_cstr(why), "s.conf:4: duplicate service") != NULL);
	T_ASSERT(strstr(buf_cstr(why), "s.conf:5: bad inet service") != NULL);
	cfg_services_free(&svc);

	cfg_free();
	buf_free(&why);
	buf_free(&out);
	return t_end();
}

/*
 * smtp_reply_test.c - reply lines, multi-line replies, enhanced codes,
 * EHLO capabilities.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/smtp_reply.h"

#include "tests/t.h"

static const struct {
	const char *name;
	const char *lines; /* "\n"-separated reply lines */
	int ret;           /* of the last line fed */
	int code;
	const char *dsn;
	bool has_dsn;
	const char *oneline;
} cases[] = {
    {"simple", "250 Ok", 1, 250, "2.0.0", false, "250 Ok"},
    {"bare code", "354", 1, 354, "3.0.0", false, "354"},
    {"enhanced code", "550 5.1.1 <u@example.org>: user unknown", 1, 550,
        "5.1.1", true, "550 5.1.1 <u@example.org>: user unknown"},
    {"multi-line", "550-5.7.1 first\n550-5.7.1 second\n550 5.7.1 third", 1, 550,
        "5.7.1", true, "550-5.7.1 first 550-5.7.1 second 550 5.7.1 third"},
    {"incomplete", "250-mx.example.org", 0, 0, "", false, "250-mx.example.org"},
    {"enhanced code of another class is ignored", "450 5.1.1 huh", 1, 450,
        "4.0.0", false, "450 5.1.1 huh"},
    {"enhanced code must be followed by space", "250 2.1.0Ok", 1, 250, "2.0.0",
        false, "250 2.1.0Ok"},
    {"long detail", "451 4.7.1234 x", 1, 451, "4.0.0", false, "451 4.7.1234 x"},
    {"continuation with another code", "250-a\n251 b", 1, 251, "2.0.0", false,
        "250-a 251 b"},
    {"control characters replaced", "550 bad\x01\x1b[0m text", 1, 550, "5.0.0",
        false, "550 bad??[0m text"},
    {"CRLF stripped", "220 mx ESMTP\r\n", 1, 220, "2.0.0", false,
        "220 mx ESMTP"},
    {"not a reply", "hello", -1, 0, "", false, NULL},
    {"code 1xx", "150 what", -1, 0, "", false, NULL},
    {"code 6xx", "650 what", -1, 0, "", false, NULL},
    {"bad separator", "250_x", -1, 0, "", false, NULL},
    {"short", "25", -1, 0, "", false, NULL},
    {"too many lines", "250-a\n250-b\n250-c\n250-d\n250 e", -1, 0, "", false,
        NULL},
};

static void
feed(const char *lines, struct smtp_reply *r, int *ret, struct buf *why)
{
	const char *p = lines;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (nl && nl[-1] == '\r' && nl[1] == 0)
			len = strlen(p);
		*ret = smtp_reply_line(r, p, len, 4, why);
		if (*ret != 0 || nl == NULL || p[len] == 0)
			return;
		p = nl + 1;
	}
}

int
main(void)
{
	struct smtp_reply r;
	struct smtp_ehlo e;
	struct buf *why = buf_new(64), *one = buf_new(64);
	int ret;

	smtp_reply_init(&r);
	for (size_t i = 0; i < NELEM(cases); i++) {
		t_begin(cases[i].name);
		smtp_reply_reset(&r);
		feed(cases[i].lines, &r, &ret, why);
		T_INTEQ(ret, cases[i].ret);
		if (ret < 0)
			continue;
		T_INTEQ(r.code, cases[i].code);
		T_STREQ(r.dsn, cases[i].dsn);
		T_INTEQ(r.has_dsn, cases[i].has_dsn);
		buf_reset(one);
		smtp_reply_oneline(&r, one);
		T_STREQ(buf_cstr(one), cases[i].oneline);
	}

	t_begin("a complete reply restarts on the next line");
	smtp_reply_reset(&r);
	T_INTEQ(smtp_reply_line(&r, "250 a", 5, 10, why), 1);
	T_INTEQ(smtp_reply_line(&r, "354 b", 5, 10, why), 1);
	T_INTEQ(r.code, 354);
	T_INTEQ(r.text.n, 1);
	T_INTEQ(smtp_reply_class(&r), 3);

	t_begin("EHLO capabilities");
	smtp_ehlo_init(&e);
	smtp_reply_reset(&r);
	feed("250-mx.example.org Hello there\n250-PIPELINING\n"
	     "250-SIZE 10240000\n250-8BITMIME\n250-smtputf8\n250-DSN\n"
	     "250-STARTTLS\n250-AUTH PLAIN login\n250-AUTH=CRAM-MD5\n"
	     "250-ENHANCEDSTATUSCODES\n250 CHUNKING",
	    &r, &ret, why);
	T_INTEQ(ret, -1); /* more than 4 lines with the test limit */
	smtp_reply_reset(&r);
	{
		const char *l[] = {"250-mx.example.org Hello there",
		    "250-PIPELINING", "250-SIZE 10240000", "250-8BITMIME",
		    "250-smtputf8", "250-DSN", "250-STARTTLS",
		    "250-AUTH PLAIN login", "250-AUTH=CRAM-MD5",
		    "250-ENHANCEDSTATUSCODES", "250 CHUNKING"};

		for (size_t i = 0; i < NELEM(l); i++)
			ret = smtp_reply_line(&r, l[i], strlen(l[i]), 100, why);
	}
	T_INTEQ(ret, 1);
	smtp_ehlo_parse(&r, &e);
	T_STREQ(e.server, "mx.example.org");
	T_INTEQ(e.ext,
	    SMTP_EXT_PIPELINING | SMTP_EXT_SIZE | SMTP_EXT_8BITMIME
	        | SMTP_EXT_SMTPUTF8 | SMTP_EXT_DSN | SMTP_EXT_STARTTLS
	        | SMTP_EXT_AUTH | SMTP_EXT_ENHANCEDCODES | SMTP_EXT_CHUNKING);
	T_INTEQ(e.size_limit, 10240000);
	T_INTEQ(e.auth.n, 3);
	T_ASSERT(strv_contains(&e.auth, "LOGIN"));
	T_ASSERT(strv_contains(&e.auth, "CRAM-MD5"));

	t_begin("EHLO with nothing but a name; SIZE without a number");
	smtp_reply_reset(&r);
	T_INTEQ(smtp_reply_line(&r, "250-x", 5, 10, why), 0);
	T_INTEQ(smtp_reply_line(&r, "250 SIZE", 8, 10, why), 1);
	smtp_ehlo_parse(&r, &e);
	T_INTEQ(e.ext, SMTP_EXT_SIZE);
	T_INTEQ(e.size_limit, 0);
	T_STREQ(e.server, "x");

	smtp_ehlo_free(&e);
	smtp_reply_free(&r);
	buf_free(&why);
	buf_free(&one);
	return t_end();
}

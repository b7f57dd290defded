/*
 * pop3_cmd_test.c - the POP3 command parser: every verb, its arguments,
 * and the refusals.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/pop3_cmd.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	enum pop3_verb verb;
	const char *arg;     /* expected arg, or NULL */
	const char *initial; /* expected initial response, or NULL */
	long msg;            /* -1: no message number */
	unsigned long lines;
	const char *why; /* reply prefix on error */
} cases[] = {
    {"USER joe@example.com", 0, POP3_VERB_USER, "joe@example.com", NULL, -1, 0,
        NULL},
    {"user joe%example.com", 0, POP3_VERB_USER, "joe%example.com", NULL, -1, 0,
        NULL},
    {"USER  joe  ", 0, POP3_VERB_USER, "joe", NULL, -1, 0, NULL},
    {"USER", -1, POP3_VERB_USER, NULL, NULL, -1, 0, "-ERR Syntax: USER"},
    {"USER a b", -1, POP3_VERB_USER, NULL, NULL, -1, 0, "-ERR Syntax"},
    {"PASS secret", 0, POP3_VERB_PASS, "secret", NULL, -1, 0, NULL},
    {"PASS with spaces ", 0, POP3_VERB_PASS, "with spaces ", NULL, -1, 0, NULL},
    {"PASS  lead", 0, POP3_VERB_PASS, " lead", NULL, -1, 0, NULL},
    {"PASS", -1, POP3_VERB_PASS, NULL, NULL, -1, 0, "-ERR Syntax: PASS"},
    {"PASS ", -1, POP3_VERB_PASS, NULL, NULL, -1, 0, "-ERR Syntax: PASS"},
    {"PASS p\xc3\xa4ss", 0, POP3_VERB_PASS, "p\xc3\xa4ss", NULL, -1, 0, NULL},
    {"AUTH", 0, POP3_VERB_AUTH, NULL, NULL, -1, 0, NULL},
    {"AUTH plain", 0, POP3_VERB_AUTH, "PLAIN", NULL, -1, 0, NULL},
    {"AUTH PLAIN AGpvZQBzZWNyZXQ=", 0, POP3_VERB_AUTH, "PLAIN",
        "AGpvZQBzZWNyZXQ=", -1, 0, NULL},
    {"AUTH PLAIN =", 0, POP3_VERB_AUTH, "PLAIN", "=", -1, 0, NULL},
    {"AUTH PLAIN a b", -1, POP3_VERB_AUTH, NULL, NULL, -1, 0, "-ERR Syntax"},
    {"AUTH PL@IN", -1, POP3_VERB_AUTH, NULL, NULL, -1, 0,
        "-ERR Invalid mechanism"},
    {"AUTH PLAIN !!!", -1, POP3_VERB_AUTH, NULL, NULL, -1, 0,
        "-ERR Invalid base64"},
    {"AUTH ABCDEFGHIJKLMNOPQRSTU", -1, POP3_VERB_AUTH, NULL, NULL, -1, 0,
        "-ERR Invalid mechanism"},
    {"STLS", 0, POP3_VERB_STLS, NULL, NULL, -1, 0, NULL},
    {"stls x", -1, POP3_VERB_STLS, NULL, NULL, -1, 0, "-ERR Syntax: STLS"},
    {"CAPA", 0, POP3_VERB_CAPA, NULL, NULL, -1, 0, NULL},
    {"QUIT", 0, POP3_VERB_QUIT, NULL, NULL, -1, 0, NULL},
    {"quit ", 0, POP3_VERB_QUIT, NULL, NULL, -1, 0, NULL},
    {"STAT", 0, POP3_VERB_STAT, NULL, NULL, -1, 0, NULL},
    {"NOOP", 0, POP3_VERB_NOOP, NULL, NULL, -1, 0, NULL},
    {"RSET", 0, POP3_VERB_RSET, NULL, NULL, -1, 0, NULL},
    {"LIST", 0, POP3_VERB_LIST, NULL, NULL, -1, 0, NULL},
    {"LIST 1", 0, POP3_VERB_LIST, NULL, NULL, 1, 0, NULL},
    {"list 007", 0, POP3_VERB_LIST, NULL, NULL, 7, 0, NULL},
    {"LIST 0", -1, POP3_VERB_LIST, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"LIST -1", -1, POP3_VERB_LIST, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"LIST +1", -1, POP3_VERB_LIST, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"LIST 1 2", -1, POP3_VERB_LIST, NULL, NULL, -1, 0, "-ERR Syntax: LIST"},
    {"LIST 12345678901", -1, POP3_VERB_LIST, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"UIDL", 0, POP3_VERB_UIDL, NULL, NULL, -1, 0, NULL},
    {"UIDL 3", 0, POP3_VERB_UIDL, NULL, NULL, 3, 0, NULL},
    {"uidl all", 0, POP3_VERB_UIDL, NULL, NULL, -1, 0, NULL},
    {"LIST ALL", 0, POP3_VERB_LIST, NULL, NULL, -1, 0, NULL},
    {"UIDL allx", -1, POP3_VERB_UIDL, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"RETR 2", 0, POP3_VERB_RETR, NULL, NULL, 2, 0, NULL},
    {"RETR", -1, POP3_VERB_RETR, NULL, NULL, -1, 0, "-ERR Syntax: RETR"},
    {"RETR x", -1, POP3_VERB_RETR, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"DELE 1", 0, POP3_VERB_DELE, NULL, NULL, 1, 0, NULL},
    {"DELE 4294967295", 0, POP3_VERB_DELE, NULL, NULL, 4294967295L, 0, NULL},
    {"TOP 1 0", 0, POP3_VERB_TOP, NULL, NULL, 1, 0, NULL},
    {"top 2 25", 0, POP3_VERB_TOP, NULL, NULL, 2, 25, NULL},
    {"TOP 2 9999999999", 0, POP3_VERB_TOP, NULL, NULL, 2, 9999999999UL, NULL},
    {"TOP 1", -1, POP3_VERB_TOP, NULL, NULL, -1, 0, "-ERR Syntax: TOP"},
    {"TOP 1 x", -1, POP3_VERB_TOP, NULL, NULL, 1, 0,
        "-ERR Invalid number of lines"},
    {"TOP 0 1", -1, POP3_VERB_TOP, NULL, NULL, -1, 0,
        "-ERR Invalid message number"},
    {"APOP joe c4c9334bac560ecc979e58001b3e22fb", 0, POP3_VERB_APOP, NULL, NULL,
        -1, 0, NULL},
    {"", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0, "-ERR Empty command"},
    {" STAT", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0, "-ERR Empty command"},
    {"XY", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0, "-ERR Unknown command"},
    {"HELLO", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0, "-ERR Unknown command"},
    {"XTND", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0, "-ERR Unknown command"},
    {"GET / HTTP/1.0", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0,
        "-ERR Unknown command"},
    {"STAT\r", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0,
        "-ERR Invalid characters"},
    {"US\x7fR x", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0,
        "-ERR Invalid characters"},
    {"PASS a\tb", -1, POP3_VERB_UNKNOWN, NULL, NULL, -1, 0,
        "-ERR Invalid characters"},
};

int
main(void)
{
	struct buf *why = buf_new(64);
	struct pop3_cmd cmd;
	char longuser[POP3_USER_MAX + 16];

	for (size_t i = 0; i < NELEM(cases); i++) {
		int r;

		t_begin(cases[i].in);
		r = pop3_cmd_parse(&cmd, cases[i].in, strlen(cases[i].in), why);
		T_INTEQ(r, cases[i].ret);
		if (r == 0 || cases[i].verb != POP3_VERB_UNKNOWN)
			T_INTEQ(cmd.verb, cases[i].verb);
		if (r == 0) {
			T_STREQ(cmd.arg, cases[i].arg);
			T_STREQ(cmd.initial, cases[i].initial);
			T_INTEQ(cmd.has_msg, cases[i].msg >= 0);
			if (cases[i].msg >= 0)
				T_INTEQ(cmd.msg, cases[i].msg);
			T_INTEQ(cmd.lines, cases[i].lines);
		} else {
			T_ASSERT(strncmp(buf_cstr(why), cases[i].why,
			             strlen(cases[i].why))
			    == 0);
		}
		pop3_cmd_clear(&cmd);
	}

	t_begin("NUL inside the line");
	T_INTEQ(pop3_cmd_parse(&cmd, "USER a\0b", 8, why), -1);
	T_STREQ(buf_cstr(why), "-ERR Invalid characters in command");
	pop3_cmd_clear(&cmd);

	t_begin("the keyword is kept for logs, upper-cased and short");
	T_INTEQ(pop3_cmd_parse(&cmd, "retr 1", 6, why), 0);
	T_STREQ(cmd.name, "RETR");
	pop3_cmd_clear(&cmd);
	T_INTEQ(pop3_cmd_parse(&cmd, "verylongword", 12, why), -1);
	T_STREQ(cmd.name, "VERYLON");
	pop3_cmd_clear(&cmd);

	t_begin("USER name length limit");
	memset(longuser, 'a', sizeof(longuser));
	memcpy(longuser, "USER ", 5);
	T_INTEQ(pop3_cmd_parse(&cmd, longuser, 5 + POP3_USER_MAX, why), 0);
	pop3_cmd_clear(&cmd);
	T_INTEQ(pop3_cmd_parse(&cmd, longuser, 6 + POP3_USER_MAX, why), -1);
	T_STREQ(buf_cstr(why), "-ERR User name too long");
	pop3_cmd_clear(&cmd);

	t_begin("the parser does not read past len");
	T_INTEQ(pop3_cmd_parse(&cmd, "RETR 12", 6, why), 0);
	T_INTEQ(cmd.msg, 1);
	pop3_cmd_clear(&cmd);

	t_begin("a line that is not NUL-terminated (found by fuzzing)");
	{
		char *exact = xmalloc(4);

		memcpy(exact, "LIST", 4);
		T_INTEQ(pop3_cmd_parse(&cmd, exact, 4, why), 0);
		T_INTEQ(cmd.verb, POP3_VERB_LIST);
		pop3_cmd_clear(&cmd);
		free(exact);
	}

	t_begin("verb names");
	T_STREQ(pop3_verb_name(POP3_VERB_UIDL), "UIDL");
	T_STREQ(pop3_verb_name(POP3_VERB_UNKNOWN), "UNKNOWN");

	buf_free(&why);
	return t_end();
}

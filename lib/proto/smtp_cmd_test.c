/*
 * smtp_cmd_test.c - SMTP command lines: verbs, arguments, MAIL/RCPT
 * parameters, and the exact reply for each kind of mistake.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/smtp_cmd.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	enum smtp_verb verb;
	const char *text; /* addr / arg when ret == 0, reply when -1 */
} cases[] = {
    {"HELO mail.example.org", 0, SMTP_VERB_HELO, "mail.example.org"},
    {"ehlo [192.0.2.1]", 0, SMTP_VERB_EHLO, "[192.0.2.1]"},
    {"EHLO", -1, SMTP_VERB_EHLO, "501 5.5.4 Syntax: EHLO hostname"},
    {"HELO ", -1, SMTP_VERB_HELO, "501 5.5.4 Syntax: HELO hostname"},
    {"MAIL FROM:<a@example.org>", 0, SMTP_VERB_MAIL, "a@example.org"},
    {"mail from:<a@example.org>", 0, SMTP_VERB_MAIL, "a@example.org"},
    {"MAIL FROM: <a@example.org>", 0, SMTP_VERB_MAIL, "a@example.org"},
    {"MAIL FROM:<a@example.org>  ", 0, SMTP_VERB_MAIL, "a@example.org"},
    {"MAIL FROM:<>", 0, SMTP_VERB_MAIL, ""},
    {"MAIL FROM:a@example.org", -1, SMTP_VERB_MAIL,
        "501 5.1.7 Bad sender address syntax"},
    {"MAIL FROM <a@example.org>", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Syntax: MAIL FROM:<address>"},
    {"MAIL TO:<a@example.org>", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Syntax: MAIL FROM:<address>"},
    {"MAIL FROM:", -1, SMTP_VERB_MAIL, "501 5.5.4 Syntax: MAIL FROM:<address>"},
    {"MAIL FROM:<a@b.org> FOO=bar", -1, SMTP_VERB_MAIL,
        "555 5.5.4 Unsupported option: FOO"},
    {"MAIL FROM:<a@b.org> SIZE=abc", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad message size syntax"},
    {"MAIL FROM:<a@b.org> SIZE=1 SIZE=2", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Duplicate SIZE parameter"},
    {"MAIL FROM:<a@b.org> BODY=9BIT", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad BODY keyword syntax"},
    {"MAIL FROM:<a@b.org> RET=ALL", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad RET parameter syntax"},
    {"MAIL FROM:<a@b.org> ENVID=a+2", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad ENVID parameter syntax"},
    {"MAIL FROM:<a@b.org> SMTPUTF8=yes", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad SMTPUTF8 parameter syntax"},
    {"MAIL FROM:<a@b.org> AUTH=nobody", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad AUTH parameter syntax"},
    /* found by the fuzzer: a duplicate AUTH= leaked */
    {"MAIL FROM:<d@example.org> AUTH=d@exa\363\277\263\275 AUTH=;Z R R>", -1,
        SMTP_VERB_MAIL, "501 5.5.4 Duplicate AUTH parameter"},
    {"MAIL FROM:<a@b.org> =x", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad parameter syntax"},
    {"MAIL FROM:<a@b.org> SIZE=", -1, SMTP_VERB_MAIL,
        "501 5.5.4 Bad parameter syntax"},
    {"MAIL FROM:<a@b.org> NOTIFY=NEVER", -1, SMTP_VERB_MAIL,
        "555 5.5.4 Unsupported option: NOTIFY"},
    {"RCPT TO:<b@example.org>", 0, SMTP_VERB_RCPT, "b@example.org"},
    {"RCPT TO:<Postmaster>", 0, SMTP_VERB_RCPT, "Postmaster"},
    {"RCPT TO:<>", -1, SMTP_VERB_RCPT,
        "501 5.1.3 Bad recipient address syntax"},
    {"RCPT FROM:<b@example.org>", -1, SMTP_VERB_RCPT,
        "501 5.5.4 Syntax: RCPT TO:<address>"},
    {"RCPT TO:<b@x.org> NOTIFY=NEVER,SUCCESS", -1, SMTP_VERB_RCPT,
        "501 5.5.4 Bad NOTIFY parameter syntax"},
    {"RCPT TO:<b@x.org> NOTIFY=SUCCESS,SUCCESS", -1, SMTP_VERB_RCPT,
        "501 5.5.4 Bad NOTIFY parameter syntax"},
    {"RCPT TO:<b@x.org> NOTIFY=", -1, SMTP_VERB_RCPT,
        "501 5.5.4 Bad parameter syntax"},
    {"RCPT TO:<b@x.org> ORCPT=b@x.org", -1, SMTP_VERB_RCPT,
        "501 5.5.4 Bad ORCPT parameter syntax"},
    {"RCPT TO:<b@x.org> SIZE=10", -1, SMTP_VERB_RCPT,
        "555 5.5.4 Unsupported option: SIZE"},
    {"DATA", 0, SMTP_VERB_DATA, NULL},
    {"data", 0, SMTP_VERB_DATA, NULL},
    {"DATA now", -1, SMTP_VERB_DATA, "501 5.5.4 Syntax: DATA"},
    {"RSET", 0, SMTP_VERB_RSET, NULL},
    {"QUIT", 0, SMTP_VERB_QUIT, NULL},
    {"STARTTLS x", -1, SMTP_VERB_STARTTLS, "501 5.5.4 Syntax: STARTTLS"},
    {"NOOP", 0, SMTP_VERB_NOOP, NULL},
    {"NOOP anything at all", 0, SMTP_VERB_NOOP, "anything at all"},
    {"HELP MAIL", 0, SMTP_VERB_HELP, "MAIL"},
    {"VRFY", -1, SMTP_VERB_VRFY, "501 5.5.4 Syntax: VRFY address"},
    {"VRFY postmaster", 0, SMTP_VERB_VRFY, "postmaster"},
    {"ETRN example.org", 0, SMTP_VERB_ETRN, "example.org"},
    {"ETRN", -1, SMTP_VERB_ETRN, "501 5.5.4 Syntax: ETRN domain"},
    {"AUTH plain", 0, SMTP_VERB_AUTH, "PLAIN"},
    {"AUTH PLAIN AGEAYg==", 0, SMTP_VERB_AUTH, "PLAIN"},
    {"AUTH", -1, SMTP_VERB_AUTH,
        "501 5.5.4 Syntax: AUTH mechanism [initial-response]"},
    {"AUTH PLAIN a b", -1, SMTP_VERB_AUTH,
        "501 5.5.4 Syntax: AUTH mechanism [initial-response]"},
    {"AUTH PL/AIN", -1, SMTP_VERB_AUTH,
        "501 5.5.4 Syntax: AUTH mechanism [initial-response]"},
    {"BDAT 100", 0, SMTP_VERB_BDAT, NULL},
    {"BDAT 0 LAST", 0, SMTP_VERB_BDAT, NULL},
    {"BDAT", -1, SMTP_VERB_BDAT, "501 5.5.4 Syntax: BDAT chunk-size [LAST]"},
    {"BDAT -1", -1, SMTP_VERB_BDAT, "501 5.5.4 Syntax: BDAT chunk-size [LAST]"},
    {"BDAT 10 FIRST", -1, SMTP_VERB_BDAT,
        "501 5.5.4 Syntax: BDAT chunk-size [LAST]"},
    {"GET / HTTP/1.1", -1, SMTP_VERB_UNKNOWN,
        "502 5.5.2 Error: command not recognized"},
    {"", -1, SMTP_VERB_UNKNOWN, "502 5.5.2 Error: command not recognized"},
    {"MAILFROM:<a@b.org>", -1, SMTP_VERB_UNKNOWN,
        "502 5.5.2 Error: command not recognized"},
    {"NOOP\r", -1, SMTP_VERB_UNKNOWN,
        "500 5.5.2 Error: bad character in command"},
    {"HELO a\nMAIL", -1, SMTP_VERB_UNKNOWN,
        "500 5.5.2 Error: bad character in command"},
    {"HELO \xff", -1, SMTP_VERB_UNKNOWN, "500 5.5.2 Error: bad UTF-8 syntax"},
    {"MAIL\tFROM:<a@b.org>", 0, SMTP_VERB_MAIL, "a@b.org"},
};

int
main(void)
{
	struct buf *why = buf_new(64);
	struct smtp_cmd cmd;
	char name[64];

	for (size_t i = 0; i < NELEM(cases); i++) {
		int ret;

		snprintf(name, sizeof(name), "case %zu: %.40s", i, cases[i].in);
		t_begin(name);
		ret = smtp_cmd_parse(
		    &cmd, cases[i].in, strlen(cases[i].in), 0, why);
		T_INTEQ(ret, cases[i].ret);
		T_INTEQ(cmd.verb, cases[i].verb);
		if (ret < 0)
			T_STREQ(buf_cstr(why), cases[i].text);
		else if (cmd.verb == SMTP_VERB_MAIL
		    || cmd.verb == SMTP_VERB_RCPT)
			T_STREQ(cmd.path.addr, cases[i].text);
		else if (cases[i].text)
			T_STREQ(cmd.arg, cases[i].text);
		smtp_cmd_clear(&cmd);
	}

	t_begin("MAIL parameters");
	{
		const char *l = "MAIL FROM:<a@b.org> size=12345  BODY=8bitmime "
		                "RET=HDRS ENVID=QQ+2B314 SMTPUTF8 "
		                "AUTH=u+2Bx@b.org";

		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_ASSERT(cmd.has_size && cmd.size == 12345);
		T_INTEQ(cmd.body, SMTP_BODY_8BITMIME);
		T_INTEQ(cmd.ret, SMTP_RET_HDRS);
		T_STREQ(cmd.envid, "QQ+314");
		T_ASSERT(cmd.smtputf8);
		T_STREQ(cmd.auth, "u+x@b.org");
		smtp_cmd_clear(&cmd);
	}
	t_begin("SIZE overflow");
	{
		const char *l =
		    "MAIL FROM:<a@b.org> SIZE=99999999999999999999999";

		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_ASSERT(cmd.size == UINT64_MAX);
		smtp_cmd_clear(&cmd);
		l = "MAIL FROM:<a@b.org> SIZE=18446744073709551616";
		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_ASSERT(cmd.size == UINT64_MAX);
		smtp_cmd_clear(&cmd);
	}
	t_begin("AUTH=<>");
	{
		const char *l = "MAIL FROM:<a@b.org> AUTH=<>";

		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_STREQ(cmd.auth, "");
		smtp_cmd_clear(&cmd);
	}
	t_begin("RCPT parameters");
	{
		const char *l = "RCPT TO:<b@x.org> NOTIFY=failure,DELAY "
		                "ORCPT=rfc822;B+2Bx@X.org";

		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_INTEQ(cmd.notify, SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY);
		T_STREQ(cmd.orcpt_type, "rfc822");
		T_STREQ(cmd.orcpt_addr, "B+x@X.org");
		smtp_cmd_clear(&cmd);
		l = "RCPT TO:<b@x.org> NOTIFY=NEVER ORCPT=UTF-8;b@x.org";
		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_INTEQ(cmd.notify, SMTP_NOTIFY_NEVER);
		T_STREQ(cmd.orcpt_type, "utf-8");
		smtp_cmd_clear(&cmd);
	}
	t_begin("BDAT");
	{
		T_INTEQ(smtp_cmd_parse(&cmd, "BDAT 4096 last", 14, 0, why), 0);
		T_ASSERT(cmd.chunk_size == 4096 && cmd.is_last);
		smtp_cmd_clear(&cmd);
	}
	t_begin("AUTH initial response");
	T_INTEQ(smtp_cmd_parse(&cmd, "AUTH LOGIN dXNlcg==", 19, 0, why), 0);
	T_STREQ(cmd.auth_initial, "dXNlcg==");
	smtp_cmd_clear(&cmd);
	t_begin("lenient envelopes");
	T_INTEQ(smtp_cmd_parse(&cmd, "MAIL FROM:a@b.org SIZE=5", 24,
	            SMTP_CMD_LENIENT, why),
	    0);
	T_STREQ(cmd.path.addr, "a@b.org");
	T_ASSERT(cmd.size == 5);
	smtp_cmd_clear(&cmd);
	t_begin("utf-8 address is parsed and flagged");
	{
		const char *l = "RCPT TO:<\xc3\xa9@x.org>";

		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), 0);
		T_ASSERT(cmd.path.is_utf8);
		smtp_cmd_clear(&cmd);
	}
	t_begin("echoed keyword is sanitised");
	{
		const char *l = "MAIL FROM:<a@b.org> X\xc3\xa9=1";

		T_INTEQ(smtp_cmd_parse(&cmd, l, strlen(l), 0, why), -1);
		T_STREQ(buf_cstr(why), "501 5.5.4 Bad parameter syntax");
		smtp_cmd_clear(&cmd);
	}
	t_begin("embedded NUL");
	T_INTEQ(smtp_cmd_parse(&cmd, "NOOP\0x", 6, 0, why), -1);
	smtp_cmd_clear(&cmd);
	t_begin("verb names");
	T_STREQ(smtp_verb_name(SMTP_VERB_STARTTLS), "STARTTLS");
	T_STREQ(smtp_verb_name(SMTP_VERB_UNKNOWN), "UNKNOWN");
	buf_free(&why);
	return t_end();
}

/*
 * pop3d_session_test.c - whole POP3 sessions, scripted: what a client
 * sees for every command in every state, the refusals, and the mailbox
 * after QUIT.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "proto/base64.h"

#include "mail/params_pop3d.h"

#include "pop3d.h"
#include "test_session.h"
#include "tests/t.h"

static struct buf *out, *logs;
static const char *base;

/* run - one session with the script, from addr */
static void
run(const char *addr, const char *script)
{
	buf_reset(logs);
	test_session_run(addr, script, strlen(script), 0, out);
}

/* has - the output holds s */
static bool
has(const struct buf *b, const char *s)
{
	return strstr(buf_cstr(b), s) != NULL;
}

/* count - how often s is in b */
static int
count(const struct buf *b, const char *s)
{
	int n = 0;

	for (const char *p = buf_cstr(b); (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

/* path_exists - base/TEST_MAILDIR/rel */
static bool
path_exists(const char *rel)
{
	struct buf *p = buf_new(256);
	bool r;

	buf_printf(p, "%s/%s%s", base, TEST_MAILDIR, rel);
	r = file_exists(buf_cstr(p));
	buf_free(&p);
	return r;
}

#define LOGIN    "USER " TEST_USER "\r\nPASS " TEST_PASS "\r\n"
#define GREETING "+OK test POP3 ready\r\n"

/* The transaction of the RFC's example, plus TOP and UIDL. */
static const char transaction[] = LOGIN "STAT\r\n"
                                        "LIST\r\n"
                                        "UIDL\r\n"
                                        "LIST 2\r\n"
                                        "UIDL 3\r\n"
                                        "RETR 1\r\n"
                                        "TOP 3 0\r\n"
                                        "TOP 3 2\r\n"
                                        "DELE 1\r\n"
                                        "STAT\r\n"
                                        "LIST 1\r\n"
                                        "RETR 1\r\n"
                                        "RSET\r\n"
                                        "STAT\r\n"
                                        "DELE 2\r\n"
                                        "NOOP\r\n"
                                        "QUIT\r\n";

static const char transaction_out[] =
    GREETING "+OK Send your password\r\n"
             "+OK Logged in\r\n"
             "+OK 3 175\r\n"
             "+OK 3 messages (175 octets)\r\n"
             "1 67\r\n"
             "2 53\r\n"
             "3 55\r\n"
             ".\r\n"
             "+OK Unique-ID list follows\r\n"
             "1 1000.M1P1Q1.test\r\n"
             "2 1001.M1P1Q2.test\r\n"
             "3 1002.M1P1Q3.test\r\n"
             ".\r\n"
             "+OK 2 53\r\n"
             "+OK 3 1002.M1P1Q3.test\r\n"
             "+OK 67 octets\r\n"
             "From: a@example.org\r\n"
             "Subject: one\r\n"
             "\r\n"
             "first body\r\n"
             "..dot line\r\n"
             "...two\r\n"
             ".\r\n"
             "+OK Top of message follows\r\n"
             "From: c@example.org\r\n"
             "Subject: three\r\n"
             "\r\n"
             ".\r\n"
             "+OK Top of message follows\r\n"
             "From: c@example.org\r\n"
             "Subject: three\r\n"
             "\r\n"
             "l1\r\n"
             "l2\r\n"
             ".\r\n"
             "+OK Message 1 deleted\r\n"
             "+OK 2 108\r\n"
             "-ERR Message 1 is deleted\r\n"
             "-ERR Message 1 is deleted\r\n"
             "+OK Maildrop has 3 messages (175 octets)\r\n"
             "+OK 3 175\r\n"
             "+OK Message 2 deleted\r\n"
             "+OK\r\n"
             "+OK Logging out\r\n";

/* test_transaction - every command, pipelined or not */
static void
test_transaction(void)
{
	static const size_t steps[] = {0, 1, 7, 64};

	for (size_t i = 0; i < NELEM(steps); i++) {
		t_begin(i == 0 ? "transaction, all input at once"
		               : "transaction, input in small pieces");
		test_store_reset(base);
		buf_reset(logs);
		test_session_run("127.0.0.1", transaction, strlen(transaction),
		    steps[i], out);
		T_STREQ(buf_cstr(out), transaction_out);
		/* DELE 2 happened at QUIT; 1 was retrieved, so it is \Seen
		 * and in cur/; 3 was only looked at with TOP. */
		T_ASSERT(!path_exists("new/1001.M1P1Q2.test,S=49,W=53"));
		T_ASSERT(!path_exists("cur/1001.M1P1Q2.test,S=49,W=53"));
		T_ASSERT(path_exists("cur/1000.M1P1Q1.test,S=61,W=67:2,S"));
		T_ASSERT(path_exists("new/1002.M1P1Q3.test,S=48,W=55"));
		T_ASSERT(has(logs,
		    "login: user=<joe@example.com>, method=USER, "
		    "rip=127.0.0.1, "
		    "lip=127.0.0.1, messages=3, size=175"));
		T_ASSERT(has(logs,
		    "logout: user=<joe@example.com>, rip=127.0.0.1, "
		    "top=2/92, retr=1/72, del=1/3, size=175"));
	}
}

/* test_capa - what CAPA lists where */
static void
test_capa(void)
{
	t_begin("CAPA from loopback, no TLS configured");
	run("127.0.0.1", "CAPA\r\nQUIT\r\n");
	T_STREQ(buf_cstr(out),
	    GREETING "+OK Capability list follows\r\n"
	             "TOP\r\nUIDL\r\nRESP-CODES\r\n"
	             "AUTH-RESP-CODE\r\nPIPELINING\r\n"
	             "USER\r\nSASL PLAIN\r\n"
	             "IMPLEMENTATION Gannet\r\n.\r\n"
	             "+OK Logging out\r\n");
	T_ASSERT(has(logs, "disconnect from [127.0.0.1]:1110: quit"));

	t_begin("CAPA after login lists no login methods");
	test_store_reset(base);
	run("127.0.0.1", LOGIN "CAPA\r\nQUIT\r\n");
	T_ASSERT(has(out, "PIPELINING\r\nIMPLEMENTATION Gannet\r\n.\r\n"));
	T_ASSERT(!has(out, "USER\r\n"));

	t_begin("STLS without a certificate");
	run("127.0.0.1", "STLS\r\nQUIT\r\n");
	T_ASSERT(has(out, "-ERR STLS is not available\r\n"));
}

/* test_plaintext - no password in the clear from a remote address */
static void
test_plaintext(void)
{
	char *level;

	t_begin("remote client without TLS: no USER, no SASL PLAIN");
	run("192.0.2.1",
	    "CAPA\r\nAUTH\r\nUSER joe\r\nPASS x\r\nAUTH PLAIN "
	    "=\r\nQUIT\r\n");
	T_ASSERT(!has(out, "USER\r\n"));
	T_ASSERT(!has(out, "SASL"));
	T_ASSERT(has(out, "+OK Mechanisms follow\r\n.\r\n"));
	T_INTEQ(count(out,
	            "-ERR [AUTH] Plaintext authentication disallowed "
	            "on non-secure (SSL/TLS) connections\r\n"),
	    2);
	T_ASSERT(has(out, "-ERR No user name given"));

	t_begin("pop3d_disable_plaintext_auth = no lets it in");
	var_pop3d_disable_plaintext_auth = false;
	test_store_reset(base);
	run("192.0.2.1", LOGIN "QUIT\r\n");
	T_ASSERT(has(out, "+OK Logged in\r\n"));
	var_pop3d_disable_plaintext_auth = true;

	t_begin("pop3d_tls_security_level = encrypt refuses loopback too");
	level = var_pop3d_tls_security_level;
	var_pop3d_tls_security_level = "encrypt";
	run("127.0.0.1", LOGIN "QUIT\r\n");
	T_ASSERT(has(out, "-ERR [AUTH] Plaintext authentication disallowed"));
	T_ASSERT(!has(out, "+OK Logged in"));
	var_pop3d_tls_security_level = level;
}

/* plain - "AUTH PLAIN <base64 of authzid NUL authcid NUL pass>" */
static void
plain(struct buf *b, const char *authzid, const char *authcid, const char *pass)
{
	struct buf *raw = buf_new(64);

	buf_cats(raw, authzid);
	buf_catc(raw, 0);
	buf_cats(raw, authcid);
	buf_catc(raw, 0);
	buf_cats(raw, pass);
	base64_encode(buf_cstr(raw), buf_len(raw), b);
	buf_free(&raw);
}

/* test_auth - AUTH PLAIN and USER/PASS outcomes */
static void
test_auth(void)
{
	struct buf *s = buf_new(256);

	t_begin("AUTH PLAIN with an initial response");
	test_store_reset(base);
	buf_sets(s, "AUTH PLAIN ");
	plain(s, "", TEST_USER, TEST_PASS);
	buf_cats(s, "\r\nSTAT\r\nQUIT\r\n");
	run("127.0.0.1", buf_cstr(s));
	T_STREQ(buf_cstr(out),
	    GREETING "+OK Logged in\r\n+OK 3 175\r\n"
	             "+OK Logging out\r\n");
	T_ASSERT(has(logs, "method=PLAIN"));

	t_begin("AUTH PLAIN with a continuation and authzid = authcid");
	buf_sets(s, "AUTH PLAIN\r\n");
	plain(s, TEST_USER, TEST_USER, TEST_PASS);
	buf_cats(s, "\r\nQUIT\r\n");
	run("127.0.0.1", buf_cstr(s));
	T_STREQ(buf_cstr(out),
	    GREETING "+ \r\n+OK Logged in\r\n+OK Logging out\r\n");

	t_begin("AUTH PLAIN cancelled, malformed, or for another user");
	buf_sets(s, "AUTH PLAIN\r\n*\r\nAUTH PLAIN !!!!\r\nAUTH PLAIN\r\n");
	buf_cats(s, "Zm9v\r\n"); /* "foo": no NULs */
	buf_cats(s, "QUIT\r\n");
	run("127.0.0.1", buf_cstr(s));
	T_STREQ(buf_cstr(out),
	    GREETING "+ \r\n-ERR Authentication cancelled\r\n"
	             "-ERR Invalid base64 data\r\n"
	             "+ \r\n"
	             "-ERR [AUTH] Malformed PLAIN response\r\n"
	             "+OK Logging out\r\n");
	buf_sets(s, "AUTH PLAIN ");
	plain(s, "boss@example.com", TEST_USER, TEST_PASS);
	buf_cats(s, "\r\nQUIT\r\n");
	run("127.0.0.1", buf_cstr(s));
	T_ASSERT(has(out, "-ERR [AUTH] Authentication failed\r\n"));
	T_ASSERT(has(logs, "authorization identity not permitted"));

	t_begin("AUTH with another mechanism");
	run("127.0.0.1", "AUTH CRAM-MD5\r\nQUIT\r\n");
	T_ASSERT(has(out, "-ERR Unsupported authentication mechanism\r\n"));

	t_begin("a wrong password three times closes the session");
	run("127.0.0.1",
	    "USER joe@example.com\r\nPASS a\r\nUSER "
	    "joe@example.com\r\nPASS b\r\nUSER joe@example.com\r\n"
	    "PASS c\r\nUSER joe@example.com\r\nPASS secret\r\n");
	T_INTEQ(count(out, "-ERR [AUTH] Authentication failed\r\n"), 3);
	T_ASSERT(!has(out, "Logged in"));
	T_ASSERT(has(logs,
	    "login failed: user=<joe@example.com>, "
	    "method=USER, rip=127.0.0.1: test: wrong password"));
	T_ASSERT(has(logs, "too many authentication failures"));
	T_ASSERT(!has(logs, "secret"));

	t_begin("PASS needs USER again after a failure");
	run("127.0.0.1",
	    "USER joe@example.com\r\nPASS a\r\nPASS secret\r\n"
	    "QUIT\r\n");
	T_ASSERT(has(out, "-ERR No user name given"));

	t_begin("another login form");
	test_store_reset(base);
	run("127.0.0.1", "USER joe%example.com\r\nPASS secret\r\nQUIT\r\n");
	T_ASSERT(has(out, "+OK Logged in\r\n"));

	t_begin("the auth service is down");
	run("127.0.0.1", "USER tempfail@example.com\r\nPASS x\r\nQUIT\r\n");
	T_ASSERT(has(out, "-ERR [SYS/TEMP] Temporary authentication failure"));
	T_ASSERT(has(out, "+OK Logging out"));

	t_begin("banned during login");
	run("127.0.0.1", "USER banned@example.com\r\nPASS x\r\nQUIT\r\n");
	T_ASSERT(has(out, "-ERR [SYS/PERM] Too many failed logins"));
	T_ASSERT(!has(out, "Logging out"));

	t_begin("banned at connect");
	run("192.0.2.66", "CAPA\r\n");
	T_STREQ(buf_cstr(out),
	    "-ERR [SYS/PERM] Too many failed logins from "
	    "your address, try again later\r\n");
	T_ASSERT(has(logs, "refused connection from [192.0.2.66]"));

	t_begin("a log line never carries control characters of the client");
	run("127.0.0.1", "USER a\x1b[2Jb\r\nPASS x\r\nQUIT\r\n");
	T_ASSERT(has(out, "-ERR Invalid characters"));
	run("127.0.0.1", "USER <evil>\xff\r\nPASS x\r\nQUIT\r\n");
	T_ASSERT(has(logs, "user=<?evil?\?>"));
	buf_free(&s);
}

/* test_in_use - one POP3 session per mailbox */
static void
test_in_use(void)
{
	struct pop3d_mbox held;
	struct buf *dir = buf_new(256), *why = buf_new(64);

	t_begin("a second session gets [IN-USE]");
	test_store_reset(base);
	buf_printf(dir, "%s/%s", base, TEST_MAILDIR);
	T_INTEQ(pop3d_mbox_open(&held, buf_cstr(dir), 0, why), 0);
	run("127.0.0.1", LOGIN "STAT\r\nQUIT\r\n");
	T_STREQ(buf_cstr(out),
	    GREETING
	    "+OK Send your password\r\n"
	    "-ERR [IN-USE] Mailbox is locked by another POP3 session\r\n"
	    "-ERR Not logged in\r\n"
	    "+OK Logging out\r\n");
	T_ASSERT(has(logs, "mailbox in use by another POP3 session"));
	pop3d_mbox_close(&held);
	run("127.0.0.1", LOGIN "STAT\r\nQUIT\r\n");
	T_ASSERT(has(out, "+OK 3 175\r\n"));
	buf_free(&dir);
	buf_free(&why);
}

/* test_limits - bad commands, long lines, wrong states */
static void
test_limits(void)
{
	struct buf *s = buf_new(4096);

	t_begin("commands in the wrong state");
	test_store_reset(base);
	run("127.0.0.1",
	    "STAT\r\nRETR 1\r\nNOOP\r\nAPOP joe x\r\n" LOGIN
	    "USER x\r\nPASS y\r\nSTLS\r\nRETR 4\r\nTOP 9 1\r\n"
	    "QUIT\r\n");
	T_INTEQ(count(out, "-ERR Not logged in\r\n"), 3);
	T_ASSERT(has(out, "-ERR APOP is not supported\r\n"));
	T_INTEQ(count(out, "-ERR Already logged in\r\n"), 3);
	T_INTEQ(count(out, "-ERR No such message\r\n"), 2);

	t_begin("LF alone ends a line too");
	run("127.0.0.1", "USER joe@example.com\nPASS secret\nSTAT\nQUIT\n");
	T_ASSERT(has(out, "+OK 3 175\r\n+OK Logging out\r\n"));

	t_begin("the bad command limit");
	buf_reset(s);
	for (long i = 0; i < var_pop3d_bad_command_limit + 5; i++)
		buf_cats(s, "XYZZY\r\n");
	run("127.0.0.1", buf_cstr(s));
	T_INTEQ(count(out, "-ERR Unknown command\r\n"),
	    var_pop3d_bad_command_limit - 1);
	T_INTEQ(count(out, "-ERR Too many bad commands"), 1);
	T_ASSERT(has(logs, "too many bad commands from [127.0.0.1]"));

	t_begin("a line over pop3d_command_line_limit");
	buf_sets(s, "USER ");
	for (long i = 0; i < var_pop3d_command_line_limit; i++)
		buf_catc(s, 'a');
	buf_cats(s, "\r\nQUIT\r\n");
	run("127.0.0.1", buf_cstr(s));
	T_STREQ(buf_cstr(out),
	    GREETING "-ERR Line too long, closing connection\r\n");

	t_begin("a partial line at the end");
	run("127.0.0.1", "CAPA");
	T_STREQ(buf_cstr(out), GREETING);

	t_begin("disconnect without QUIT deletes nothing");
	test_store_reset(base);
	run("127.0.0.1", LOGIN "DELE 1\r\nDELE 2\r\n");
	T_ASSERT(path_exists("new/1000.M1P1Q1.test,S=61,W=67"));
	T_ASSERT(has(logs,
	    "disconnected: user=<joe@example.com>, "
	    "rip=127.0.0.1, reason=disconnected, top=0/0, "
	    "retr=0/0, del=0/3, size=175"));
	buf_free(&s);
}

/* test_confine - the Landlock narrowing after login, in a child */
static void
test_confine(void)
{
	struct buf *own = buf_new(256), *other = buf_new(256);
	struct buf *why = buf_new(64);
	int status = 0, fd;
	pid_t pid;

	t_begin("after login a session reaches its own Maildir only");
	if (syscall(SYS_landlock_create_ruleset, NULL, 0,
	        LANDLOCK_CREATE_RULESET_VERSION)
	    < 1) {
		fprintf(stderr, "SKIP %s: no Landlock in this kernel\n",
		    "after login a session reaches its own Maildir only");
		goto out;
	}
	test_store_reset(base);
	buf_printf(own, "%s/%s", base, TEST_MAILDIR);
	buf_printf(other, "%s/example.com/ann", base);
	T_INTEQ(pop3d_mbox_prepare(buf_cstr(other), why), 0);
	if ((pid = fork()) == 0) {
		T_INTEQ(pop3d_default_hooks.confine(buf_cstr(own), why), 0);
		buf_cats(own, "/tmp/new-file");
		buf_cats(other, "/tmp/new-file");
		if ((fd = open(buf_cstr(own), O_WRONLY | O_CREAT, 0600)) < 0)
			_exit(2);
		close(fd);
		if (open(buf_cstr(other), O_WRONLY | O_CREAT, 0600) >= 0)
			_exit(3);
		if (open("/etc/passwd", O_RDONLY) >= 0)
			_exit(4);
		if (opendir(base) != NULL)
			_exit(5);
		_exit(0);
	}
	T_ASSERT(pid > 0);
	T_ASSERT(waitpid(pid, &status, 0) == pid);
	T_ASSERT(WIFEXITED(status));
	T_INTEQ(WEXITSTATUS(status), 0);
out:
	buf_free(&own);
	buf_free(&other);
	buf_free(&why);
}

int
main(void)
{
	out = buf_new(4096);
	logs = buf_new(4096);
	t_begin("setup");
	base = t_tmpdir();
	test_session_setup(base, logs);

	test_transaction();
	test_capa();
	test_plaintext();
	test_auth();
	test_in_use();
	test_limits();
	test_confine();

	buf_free(&out);
	buf_free(&logs);
	return t_end();
}

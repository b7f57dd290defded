/*
 * dsn_test.c - the DSN composer: the parts and fields of RFC 3464, the
 * remote server's reply in Diagnostic-Code, RET=HDRS and the size limit,
 * and peer text that tries to start a header or a part of its own.
 */
#include "util/sys_defs.h"

#include <string.h>

#include "util/buf.h"

#include "proto/dsn.h"

#include "tests/t.h"

static const char orig_msg[] =
    "Received: from x\r\nSubject: hello\r\nFrom: a@example.org\r\n\r\n"
    "body line\r\n";

/* has - out contains s */
static bool
has(const struct buf *out, const char *s)
{
	return strstr(buf_cstr(out), s) != NULL;
}

/* count - occurrences of s in out */
static int
count(const struct buf *out, const char *s)
{
	int n = 0;

	for (const char *p = buf_cstr(out); (p = strstr(p, s)) != NULL; p++)
		n++;
	return n;
}

/* base_msg - a failure report for a@example.org */
static void
base_msg(struct dsn_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->kind = DSN_FAILURE;
	m->hostname = "mx.example.com";
	m->queue_id = "1HDP1K3R0000B6";
	m->sender = "a@example.org";
	m->envid = "";
	m->arrival = 1763790000;
	m->now = 1763790100;
	m->size_limit = 50000;
	m->boundary = "1HDP1K3R0000B6.1763790100/mx.example.com";
}

int
main(void)
{
	struct buf *out = buf_new(1024);
	struct dsn_msg m;
	struct dsn_rcpt r[2] = {
	    {"joe@example.net", "rfc822;Joe@Example.NET", "joe@example.net",
	        "failed", "5.1.1", "mx.example.net[192.0.2.1]:25",
	        "550 5.1.1 <joe@example.net>: user unknown", "host said"},
	    {"ann@example.com", "", "sales@example.com", "failed", "5.2.2",
	        "none", "", "mailbox full"},
	};

	t_begin("header end");
	T_INTEQ(dsn_header_end(orig_msg, strlen(orig_msg)),
	    strstr(orig_msg, "body") - orig_msg);
	T_INTEQ(dsn_header_end("a: b\n\nc", 7), 6);
	T_INTEQ(dsn_header_end("a: b\r\n", 6), 6);

	t_begin("a failure report has the three parts and the fields");
	base_msg(&m);
	dsn_compose(&m, r, 2, orig_msg, strlen(orig_msg), out);
	T_ASSERT(has(out, "From: MAILER-DAEMON@mx.example.com"));
	T_ASSERT(has(out, "To: <a@example.org>\r\n"));
	T_ASSERT(has(out, "Subject: Undelivered Mail Returned to Sender\r\n"));
	T_ASSERT(has(out, "Auto-Submitted: auto-replied\r\n"));
	T_ASSERT(has(out,
	    "Content-Type: multipart/report; "
	    "report-type=delivery-status;"));
	T_INTEQ(
	    count(out, "--1HDP1K3R0000B6.1763790100/mx.example.com\r\n"), 3);
	T_INTEQ(count(out, "--1HDP1K3R0000B6.1763790100/mx.example.com--"), 1);
	T_ASSERT(has(out, "Content-Type: message/delivery-status\r\n"));
	T_ASSERT(has(out, "Reporting-MTA: dns; mx.example.com\r\n"));
	T_ASSERT(has(out, "Final-Recipient: rfc822; joe@example.net\r\n"));
	T_ASSERT(has(out, "Original-Recipient: rfc822;Joe@Example.NET\r\n"));
	T_ASSERT(has(out, "Final-Recipient: rfc822; ann@example.com\r\n"));
	T_ASSERT(has(out, "Original-Recipient: rfc822; sales@example.com\r\n"));
	T_INTEQ(count(out, "Action: failed\r\n"), 2);
	T_ASSERT(has(out, "Status: 5.1.1\r\n"));
	T_ASSERT(has(out, "Remote-MTA: dns; mx.example.net\r\n"));
	T_ASSERT(has(out,
	    "Diagnostic-Code: smtp; 550 5.1.1 <joe@example.net>: "
	    "user unknown\r\n"));
	T_ASSERT(has(out, "Diagnostic-Code: X-Gannet; mailbox full\r\n"));
	T_INTEQ(count(out, "Remote-MTA:"), 1); /* "none" gives none */
	T_ASSERT(has(out, "Content-Type: message/rfc822\r\n"));
	T_ASSERT(has(out, "\r\n\r\nReceived: from x\r\nSubject: hello\r\n"));
	T_ASSERT(has(out, "body line\r\n"));
	T_ASSERT(!has(out, "Original-Envelope-Id"));

	t_begin("RET=HDRS and the size limit give only the headers");
	buf_reset(out);
	m.headers_only = true;
	dsn_compose(&m, r, 1, orig_msg, strlen(orig_msg), out);
	T_ASSERT(has(out, "Content-Type: text/rfc822-headers\r\n"));
	T_ASSERT(has(out, "Subject: hello\r\n"));
	T_ASSERT(!has(out, "body line"));
	buf_reset(out);
	m.headers_only = false;
	m.size_limit = 10;
	dsn_compose(&m, r, 1, orig_msg, strlen(orig_msg), out);
	T_ASSERT(has(out, "Content-Type: text/rfc822-headers\r\n"));
	T_ASSERT(!has(out, "body line"));

	t_begin("a multi-line reply stays in one field");
	buf_reset(out);
	base_msg(&m);
	r[0].diag = "550-5.1.1 first\n550 5.1.1 second\r\nX-Evil: yes";
	dsn_compose(&m, r, 1, orig_msg, strlen(orig_msg), out);
	T_ASSERT(has(out,
	    "Diagnostic-Code: smtp; 550-5.1.1 first 550 5.1.1 "
	    "second  X-Evil: yes\r\n"));
	T_ASSERT(!has(out, "\r\nX-Evil"));

	t_begin("delay warning and success report");
	buf_reset(out);
	m.kind = DSN_DELAY;
	m.retry_until = 1764000000;
	m.envid = "env-1";
	r[1].action = "delayed";
	r[1].status = "4.2.2";
	dsn_compose(&m, &r[1], 1, orig_msg, strlen(orig_msg), out);
	T_ASSERT(has(out, "Subject: Delayed Mail (still being retried)\r\n"));
	T_ASSERT(has(out, "Action: delayed\r\nStatus: 4.2.2\r\n"));
	T_ASSERT(has(out, "Will-Retry-Until: "));
	T_ASSERT(has(out, "Original-Envelope-Id: env-1\r\n"));
	buf_reset(out);
	m.kind = DSN_SUCCESS;
	r[1].action = "delivered";
	r[1].status = "2.0.0";
	dsn_compose(&m, &r[1], 1, orig_msg, strlen(orig_msg), out);
	T_ASSERT(has(out, "Subject: Successful Mail Delivery Report\r\n"));
	T_ASSERT(has(out, "Action: delivered\r\n"));
	T_ASSERT(!has(out, "Will-Retry-Until"));

	t_begin("an 8-bit original is marked 8bit");
	buf_reset(out);
	m.kind = DSN_FAILURE;
	dsn_compose(&m, r, 1, "Subject: caf\xc3\xa9\r\n\r\nx\r\n", 20, out);
	T_ASSERT(has(out, "message/rfc822\r\nContent-Transfer-Encoding: 8bit"));

	buf_free(&out);
	return t_end();
}

/*
 * deliver_proto_test.c - the delivery request/reply contract: round trips,
 * the exact wire form, and refusal of everything out of place.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "mail/deliver_proto.h"
#include "mail/ipc.h"

#include "tests/t.h"

/* A well-formed request on the wire; cases below alter one line of it. */
static const char good_req[] = "deliver\n"
                               "queue_id=4FxyZ01\n"
                               "queue_name=active\n"
                               "nexthop=example.org\n"
                               "sender=a@example.com\n"
                               "arrival_time=1700000000000000\n"
                               "active_time=1700000001000000\n"
                               "body_type=8BITMIME\n"
                               "smtputf8=0\n"
                               "dsn_envid=QQ314159\n"
                               "dsn_ret=HDRS\n"
                               "rcpt_count=2\n"
                               "rcpt_id=10\n"
                               "rcpt=u1@example.org\n"
                               "orig_rcpt=\n"
                               "dsn_orcpt=rfc822;u1@example.org\n"
                               "dsn_notify=SUCCESS,DELAY\n"
                               "rcpt_id=11\n"
                               "rcpt=u2@example.org\n"
                               "orig_rcpt=alias@example.org\n"
                               "dsn_orcpt=\n"
                               "dsn_notify=\n"
                               "\n";

static const struct {
	const char *from, *to, *err;
} bad_req[] = {
    {"deliver\n", "delivery\n", "not a delivery request"},
    {"queue_id=4FxyZ01\n", "queue_id=../x\n", "queue_id"},
    {"queue_id=4FxyZ01\n", "", "queue_id"},
    {"queue_name=active\n", "queue_name=../../etc\n", "queue_name"},
    {"nexthop=example.org\n", "nexthop=exa mple.org\n", "nexthop"},
    {"sender=a@example.com\n", "sender=a@b%0D%0ADATA\n", "sender"},
    {"sender=a@example.com\n", "sender=a%00b\n", "sender"},
    {"arrival_time=1700000000000000\n", "arrival_time=-1\n", "arrival_time"},
    {"body_type=8BITMIME\n", "body_type=BINARYMIME\n", "body_type"},
    {"smtputf8=0\n", "smtputf8=2\n", "smtputf8"},
    {"dsn_envid=QQ314159\n", "dsn_envid=a%0Db\n", "dsn_envid"},
    {"dsn_ret=HDRS\n", "dsn_ret=hdrs\n", "dsn_ret"},
    {"rcpt_count=2\n", "rcpt_count=0\n", "rcpt_count"},
    {"rcpt_count=2\n", "rcpt_count=3\n", "rcpt_id"},
    {"rcpt_count=2\n", "rcpt_count=1\n", "unexpected attribute"},
    {"rcpt_count=2\n", "rcpt_count=100000\n", "rcpt_count"},
    {"rcpt=u1@example.org\n", "rcpt=\n", "empty recipient"},
    {"rcpt=u1@example.org\n", "rcpt=u1@x%0A\n", "attribute rcpt"},
    {"dsn_notify=SUCCESS,DELAY\n", "dsn_notify=DELAY,SUCCESS\n", "dsn_notify"},
    {"dsn_notify=SUCCESS,DELAY\n", "dsn_notify=NEVER,DELAY\n", "dsn_notify"},
    {"dsn_orcpt=rfc822;u1@example.org\n", "dsn_orcpt=u1@example.org\n",
        "dsn_orcpt"},
    {"dsn_orcpt=rfc822;u1@example.org\n", "dsn_orcpt=rfc 822;u1\n",
        "dsn_orcpt"},
    {"dsn_orcpt=rfc822;u1@example.org\n", "dsn_orcpt=rfc822;\n", "dsn_orcpt"},
    {"rcpt_id=11\n", "rcpt_id=x\n", "rcpt_id"},
};

/* replace - good_req with one substring replaced, into out */
static void
replace(const char *from, const char *to, struct buf *out)
{
	const char *p = strstr(good_req, from);

	buf_reset(out);
	T_ASSERT(p != NULL);
	if (p == NULL)
		return;
	buf_cat(out, good_req, (size_t)(p - good_req));
	buf_cats(out, to);
	buf_cats(out, p + strlen(from));
}

/* decode_req - wire text into r; returns the decoder's result */
static int
decode_req(
    const char *wire, size_t len, struct deliver_request *r, struct buf *why)
{
	struct ipc_msg *m = ipc_new();
	int ret;

	buf_reset(why);
	if (ipc_decode(wire, len, m, why) < 0)
		ret = -2;
	else
		ret = deliver_request_decode(m, r, why);
	ipc_free(&m);
	return ret;
}

static void
test_request(void)
{
	struct deliver_request r;
	struct ipc_msg *m = ipc_new();
	struct buf *why = buf_new(64), *wire = buf_new(256);

	deliver_request_init(&r);
	t_begin("request decodes");
	T_INTEQ(decode_req(good_req, strlen(good_req), &r, why), 0);
	T_STREQ(r.queue_id, "4FxyZ01");
	T_STREQ(r.nexthop, "example.org");
	T_INTEQ(r.arrival_us, 1700000000000000L);
	T_STREQ(r.body_type, "8BITMIME");
	T_ASSERT(!r.smtputf8);
	T_INTEQ(r.nrcpt, 2);
	T_INTEQ(r.rcpt[1].id, 11);
	T_STREQ(r.rcpt[1].orig_addr, "alias@example.org");
	T_STREQ(r.rcpt[0].dsn_notify, "SUCCESS,DELAY");
	T_ASSERT(deliver_notify_has(r.rcpt[0].dsn_notify, "DELAY"));
	T_ASSERT(!deliver_notify_has(r.rcpt[0].dsn_notify, "FAILURE"));

	t_begin("request encodes to the same wire form");
	deliver_request_encode(&r, m);
	ipc_encode(m, wire);
	T_STREQ(buf_cstr(wire), good_req);

	for (size_t i = 0; i < NELEM(bad_req); i++) {
		t_begin(bad_req[i].to);
		replace(bad_req[i].from, bad_req[i].to, wire);
		T_ASSERT(
		    decode_req(buf_cstr(wire), buf_len(wire), &r, why) < 0);
		if (strstr(buf_cstr(why), bad_req[i].err) == NULL)
			t_fail(__FILE__, __LINE__, "why \"%s\", want \"%s\"",
			    buf_cstr(why), bad_req[i].err);
		T_ASSERT(r.queue_id == NULL && r.nrcpt == 0);
	}
	deliver_request_free(&r);
	ipc_free(&m);
	buf_free(&why);
	buf_free(&wire);
}

static void
test_reply(void)
{
	struct deliver_request r;
	struct deliver_reply p, q;
	struct ipc_msg *m = ipc_new(), *m2 = ipc_new();
	struct buf *why = buf_new(64), *wire = buf_new(256);

	deliver_request_init(&r);
	deliver_reply_init(&p);
	deliver_reply_init(&q);
	T_INTEQ(decode_req(good_req, strlen(good_req), &r, why), 0);

	t_begin("reply placeholders defer every recipient");
	deliver_reply_for(&p, &r);
	T_INTEQ(p.nres, 2);
	T_INTEQ(p.res[1].id, 11);
	T_ASSERT(p.res[0].status == DELIVER_DEFERRED);

	t_begin("reply round trip");
	deliver_result_set(&p.res[0], DELIVER_SENT, "2.0.0",
	    "250 2.0.0 Ok: queued as X1", "250 2.0.0 Ok: queued as X1",
	    "mx.example.org[192.0.2.1]:25", "relayed");
	deliver_result_set(&p.res[1], DELIVER_BOUNCED, "5.1.1",
	    "host mx.example.org[192.0.2.1] said: 550 5.1.1 no such user "
	    "(in reply to RCPT TO command)",
	    "550-5.1.1 no such user\n550 5.1.1 really", "mx[192.0.2.1]:25",
	    "relayed");
	T_STREQ(p.res[1].success_dsn, "none");
	deliver_reply_encode(&p, m);
	ipc_encode(m, wire);
	T_INTEQ(ipc_decode(buf_cstr(wire), buf_len(wire), m2, why), 0);
	T_INTEQ(deliver_reply_decode(m2, &r, &q, why), 0);
	T_INTEQ(q.nres, 2);
	T_ASSERT(q.res[0].status == DELIVER_SENT);
	T_STREQ(q.res[0].success_dsn, "relayed");
	T_STREQ(q.res[1].dsn, "5.1.1");
	T_STREQ(q.res[1].diag, "550-5.1.1 no such user\n550 5.1.1 really");
	T_STREQ(q.res[1].relay, "mx[192.0.2.1]:25");

	t_begin("reply must answer the request");
	free(r.rcpt[1].addr);
	r.rcpt[1].id = 12;
	r.rcpt[1].addr = NULL;
	T_INTEQ(ipc_decode(buf_cstr(wire), buf_len(wire), m2, why), 0);
	T_INTEQ(deliver_reply_decode(m2, &r, &q, why), -1);
	T_ASSERT(strstr(buf_cstr(why), "does not answer") != NULL);

	t_begin("reply with a dsn that disagrees with its status");
	{
		const char *w = "status\nqueue_id=A\nrcpt_count=1\nrcpt_id=1\n"
		                "status=sent\ndsn=5.0.0\nreason=x\ndiag=\n"
		                "relay=none\nsuccess_dsn=none\n\n";

		T_INTEQ(ipc_decode(w, strlen(w), m2, why), 0);
		buf_reset(why);
		T_INTEQ(deliver_reply_decode(m2, NULL, &q, why), -1);
		T_ASSERT(strstr(buf_cstr(why), "dsn") != NULL);
	}
	deliver_request_free(&r);
	deliver_reply_free(&p);
	deliver_reply_free(&q);
	ipc_free(&m);
	ipc_free(&m2);
	buf_free(&why);
	buf_free(&wire);
}

static const struct {
	const char *in, *out;
} notify[] = {
    {"", ""},
    {"never", "NEVER"},
    {"delay,success", "SUCCESS,DELAY"},
    {"Failure", "FAILURE"},
    {"SUCCESS,SUCCESS", NULL},
    {"SUCCESS,", NULL},
    {"NEVER,SUCCESS", NULL},
    {"sometimes", NULL},
};

static const struct {
	const char *dsn;
	bool ok;
} dsns[] = {
    {"2.0.0", true},
    {"5.1.1", true},
    {"4.7.123", true},
    {"3.0.0", false},
    {"5.1", false},
    {"5.1.1.", false},
    {"5.1234.1", false},
    {"5..1", false},
    {"", false},
};

int
main(void)
{
	struct buf *out = buf_new(32);

	test_request();
	test_reply();
	for (size_t i = 0; i < NELEM(notify); i++) {
		t_begin(notify[i].in);
		if (notify[i].out == NULL) {
			T_INTEQ(
			    deliver_notify_normalize(notify[i].in, out), -1);
		} else {
			T_INTEQ(deliver_notify_normalize(notify[i].in, out), 0);
			T_STREQ(buf_cstr(out), notify[i].out);
		}
	}
	for (size_t i = 0; i < NELEM(dsns); i++) {
		t_begin(dsns[i].dsn);
		T_INTEQ(deliver_dsn_ok(dsns[i].dsn), dsns[i].ok);
	}
	buf_free(&out);
	return t_end();
}

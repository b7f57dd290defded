/*
 * deliver_proto.h - the delivery request and its reply, between the queue
 * manager (qmgr) and the delivery agents: deliver (local, Maildir) and smtp
 * (remote). Both agents and the queue manager use these functions, so the
 * contract is written and checked in one place.
 *
 * Transport: the agent's UNIX socket ($queue_directory/private/<service>),
 * one ipc.h message each way. One connection may carry several requests
 * in turn (request, reply, request, reply, ...); the smtp agent keeps its
 * SMTP session to the next hop open between two requests of one connection
 * for the same next hop (connection reuse), for at most
 * smtp_connection_cache_time_limit. The queue manager closes the
 * connection when it has nothing more for that agent.
 *
 * The agent reads the message itself from the queue file
 * $queue_directory/<queue_name>/<queue_id> (queue_file.h reader); the
 * request carries the envelope as the queue manager wants it delivered
 * (recipients already rewritten and expanded, grouped by next hop).
 *
 * Request, type "deliver", attributes in this order:
 *   queue_id      the queue ID ([A-Za-z0-9], 1..64 characters)
 *   queue_name    the queue subdirectory holding the file ([a-z], 1..16:
 *                 "active" in normal operation)
 *   nexthop       where to deliver. smtp: "domain" (MX lookup, with the
 *                 implicit MX), "host:port" (MX lookup on host),
 *                 "[host]" or "[host]:port" (no MX lookup; host may be an
 *                 address, "[192.0.2.1]", "[ipv6:2001:db8::1]"). deliver:
 *                 the recipient domain, or "".
 *   sender        envelope sender, "" for the null sender <>
 *   arrival_time  when the message arrived, microseconds since the epoch
 *   active_time   when the queue manager last moved it into the active
 *                 queue (same unit); with arrival_time, it gives the "a"
 *                 and "b" parts of delays=a/b/c/d in the agent's log
 *   body_type     "", "7BIT" or "8BITMIME" (MAIL FROM BODY=)
 *   smtputf8      0 or 1: the message needs SMTPUTF8 (RFC 6531)
 *   dsn_envid     RFC 3461 ENVID, decoded (as the queue file holds it;
 *                 the smtp agent xtext-encodes it again), "" when none
 *   dsn_ret       "", "FULL" or "HDRS"
 *   rcpt_count    number of recipients, 1..DELIVER_RCPT_MAX; then, for each
 *                 recipient, in this order:
 *     rcpt_id     the queue manager's handle for the recipient (>= 0); the
 *                 agent returns it unchanged
 *     rcpt        the address to deliver to
 *     orig_rcpt   the address before rewriting or alias expansion (for
 *                 logs: orig_to=), "" when the same
 *     dsn_orcpt   RFC 3461 ORCPT, decoded, as "type;address"
 *                 ("rfc822;user@example.org"), "" when none
 *     dsn_notify  "" (not given), "NEVER", or a comma-separated subset of
 *                 SUCCESS,FAILURE,DELAY (upper case)
 *
 * Reply, type "status", attributes in this order:
 *   queue_id      the request's queue ID
 *   rcpt_count    the request's rcpt_count; then one group per recipient,
 *                 in the order of the request:
 *     rcpt_id     as in the request
 *     status      "sent", "deferred" or "bounced"
 *     dsn         RFC 3463 status code: 2.x.y, 4.x.y or 5.x.y, agreeing
 *                 with status
 *     reason      the text logged after status= and shown in a DSN or
 *                 `mailq`: "host mx.example.org[192.0.2.1] said: 550 5.1.1
 *                 <u@example.org>: user unknown (in reply to RCPT TO
 *                 command)", "connect to ...: Connection refused", or for
 *                 sent "250 2.0.0 Ok: queued as 4FxyZ"
 *     diag          the remote server's own reply, verbatim (lines of a
 *                 multi-line reply joined by "\n"), for the DSN field
 *                 Diagnostic-Code: smtp; ...; "" when the result is not
 *                 a server's reply (no connection, local problem)
 *     relay         "host[address]:port" of the server that gave the
 *                 result, or "none"
 *     success_dsn   for status sent: the action of the success DSN the
 *                 queue manager must send if dsn_notify asks for SUCCESS
 *                 ("delivered" for final delivery, "relayed" when the next
 *                 hop does not do DSN), or "none" (not asked for, or the
 *                 next hop accepted the NOTIFY and is now responsible);
 *                 "none" for other statuses
 *
 * Between two requests an agent waits at most ipc_timeout before it
 * closes the connection.
 *
 * A request that does not decode is logged and the connection is closed
 * without a reply; the queue manager then defers the recipients ("delivery
 * agent failed"). Anything the agent cannot do (queue file unreadable, a
 * timeout) is a per-recipient "deferred" in a normal reply.
 */
#ifndef MAIL_DELIVER_PROTO_H
#define MAIL_DELIVER_PROTO_H
#include "util/sys_defs.h"

struct buf;
struct ipc_msg;

#define DELIVER_REQUEST     "deliver"
#define DELIVER_REPLY       "status"
#define DELIVER_RCPT_MAX    1000 /* recipients in one request */
#define DELIVER_ADDR_MAX    1024 /* bytes of one address */
#define DELIVER_TEXT_MAX    4096 /* bytes of reason or diag */
#define DELIVER_QID_MAX     64
#define DELIVER_ENVID_MAX   100  /* RFC 3461 s4.4 */
#define DELIVER_ORCPT_MAX   1100 /* "type;" plus an xtext address */
#define DELIVER_NEXTHOP_MAX 300
#define DELIVER_RELAY_MAX   400 /* "host[address]:port" */

struct deliver_rcpt {
	long id;
	char *addr;
	char *orig_addr;  /* "" when the same as addr */
	char *dsn_orcpt;  /* "type;address" decoded, "" when none */
	char *dsn_notify; /* "", "NEVER", "SUCCESS,FAILURE,DELAY" subset */
};

struct deliver_request {
	char *queue_id;
	char *queue_name;
	char *nexthop;
	char *sender; /* "" for <> */
	long arrival_us;
	long active_us;
	char *body_type; /* "", "7BIT", "8BITMIME" */
	bool smtputf8;
	char *dsn_envid; /* decoded, "" when none */
	char *dsn_ret;   /* "", "FULL", "HDRS" */
	struct deliver_rcpt *rcpt;
	size_t nrcpt;
};

enum deliver_status {
	DELIVER_SENT,
	DELIVER_DEFERRED,
	DELIVER_BOUNCED,
};

struct deliver_result {
	long id;
	enum deliver_status status;
	char dsn[16];            /* "5.1.1" */
	char *reason;            /* never NULL after decode/set */
	char *diag;              /* "" when not a server's reply */
	char *relay;             /* "host[addr]:port" or "none" */
	const char *success_dsn; /* "none", "delivered", "relayed" */
};

struct deliver_reply {
	char *queue_id;
	struct deliver_result *res;
	size_t nres;
};

/* deliver_request_init/free - an empty request; free releases every
 * string and resets the struct */
void deliver_request_init(struct deliver_request *r);
void deliver_request_free(struct deliver_request *r);
/* deliver_request_add_rcpt - append a recipient (strings copied; NULL is
 * taken as ""); returns it */
struct deliver_rcpt *deliver_request_add_rcpt(struct deliver_request *r,
    long id, const char *addr, const char *orig_addr, const char *orcpt,
    const char *notify);
/* deliver_request_encode - the request as a "deliver" message in m */
void deliver_request_encode(const struct deliver_request *r, struct ipc_msg *m);
/* deliver_request_decode - strict: every attribute present, in order,
 * with a valid value (see the top of this file); fills r (which is freed
 * first). Returns 0, or -1 with why. */
int deliver_request_decode(
    struct ipc_msg *m, struct deliver_request *r, struct buf *why);

/* deliver_reply_init/free - an empty reply */
void deliver_reply_init(struct deliver_reply *p);
void deliver_reply_free(struct deliver_reply *p);
/* deliver_reply_for - a reply with one result per recipient of req, each
 * "deferred 4.3.0 delivery not attempted" until the agent sets it */
void deliver_reply_for(
    struct deliver_reply *p, const struct deliver_request *req);
/* deliver_result_set - set a result; dsn must agree with status (checked:
 * a mismatch is a bug). reason and diag are copied (NULL diag: ""); relay
 * NULL means "none"; success_dsn NULL means "none". */
void deliver_result_set(struct deliver_result *res, enum deliver_status status,
    const char *dsn, const char *reason, const char *diag, const char *relay,
    const char *success_dsn);
void deliver_reply_encode(const struct deliver_reply *p, struct ipc_msg *m);
/* deliver_reply_decode - strict, as the request; also checks that the
 * reply answers req (same queue ID, same recipients in the same order)
 * when req is not NULL. Returns 0, or -1 with why. */
int deliver_reply_decode(struct ipc_msg *m, const struct deliver_request *req,
    struct deliver_reply *p, struct buf *why);

/* deliver_status_name - "sent", "deferred", "bounced" */
const char *deliver_status_name(enum deliver_status s);
/* deliver_dsn_ok - "X.Y.Z" with X in 2,4,5, Y 0..999, Z 0..999 */
bool deliver_dsn_ok(const char *dsn);
/* deliver_notify_normalize - "" or "NEVER" or a subset of SUCCESS,
 * FAILURE, DELAY in any case and order, into the canonical form in out;
 * 0, or -1 when not valid */
int deliver_notify_normalize(const char *in, struct buf *out);
/* deliver_notify_has - the canonical notify value asks for word */
bool deliver_notify_has(const char *notify, const char *word);

#endif /* MAIL_DELIVER_PROTO_H */

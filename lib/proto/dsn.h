/*
 * dsn.h - delivery status notifications (RFC 3464): the bounce, delay
 * warning and success report the queue manager sends to a sender. Pure
 * formatting, no I/O: the caller gives the envelope facts, the recipients'
 * outcomes and the original message, and gets the whole report message
 * (CRLF line ends) to write into the queue.
 *
 * The report is multipart/report; report-type=delivery-status (RFC 6522)
 * with three parts: a text/plain explanation, message/delivery-status
 * (one per-message group, then one group per recipient: Final-Recipient,
 * Original-Recipient, Action, Status, Remote-MTA, Diagnostic-Code, with
 * the remote server's own reply), and the original message
 * (message/rfc822, RET=FULL or no RET, up to a size limit) or only its
 * headers (text/rfc822-headers, RET=HDRS or a message too large).
 */
#ifndef PROTO_DSN_H
#define PROTO_DSN_H
#include <time.h>

#include "util/sys_defs.h"

struct buf;

enum dsn_kind {
	DSN_FAILURE, /* "Undelivered Mail Returned to Sender" */
	DSN_DELAY,   /* a delay warning: still trying */
	DSN_SUCCESS, /* delivered (NOTIFY=SUCCESS) */
};

struct dsn_rcpt {
	const char *addr;   /* the final recipient (after expansion) */
	const char *orcpt;  /* ORCPT "type;address", "" when none */
	const char *orig;   /* the address given at RCPT TO, or "" */
	const char *action; /* "failed", "delayed", "delivered", "relayed" */
	const char *status; /* RFC 3463 "5.1.1" */
	const char *relay;  /* "host[addr]:port", "none" or "" */
	const char *diag;   /* the server's reply ("\n" between lines), "" */
	const char *reason; /* our own text, when diag is "" */
};

struct dsn_msg {
	enum dsn_kind kind;
	const char *hostname; /* myhostname: Reporting-MTA, From:, Message-ID */
	const char *queue_id; /* of the original message */
	const char *sender;   /* the original envelope sender (To:) */
	const char *envid;    /* ENVID, "" when none */
	time_t arrival;       /* when the original arrived */
	time_t now;           /* Date: */
	time_t retry_until;   /* DSN_DELAY: Will-Retry-Until, 0: none */
	bool headers_only;    /* RET=HDRS (or too large) */
	size_t size_limit;    /* at most this many bytes of the original */
	const char *boundary; /* unique; must not occur in the original */
};

/* dsn_header_end - length of the header block of msg (through the empty
 * line, or all of it when there is none) */
size_t dsn_header_end(const char *msg, size_t len);
/* dsn_compose - the report into out (appended): m and the n recipients,
 * with the original message orig[0..len) (CRLF or LF line ends). */
void dsn_compose(const struct dsn_msg *m, const struct dsn_rcpt *rcpt, size_t n,
    const char *orig, size_t len, struct buf *out);
/* dsn_date - an RFC 5322 date for t (local time zone) into out */
void dsn_date(time_t t, struct buf *out);

#endif /* PROTO_DSN_H */

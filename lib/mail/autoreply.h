/*
 * autoreply.h - vacation-style automatic replies of an account
 * (accounts.h: autoreply, ar_subject, ar_text, ar_until).
 *
 * Who calls it: the queue manager, once a message was delivered to an
 * account's mailbox (the local agent answered "sent" for a recipient
 * whose account has autoreply set). The queue manager owns the queue
 * (it may write into incoming/) and data_directory, so the reply and the
 * memory are written by it, never by the delivery agent (which runs as
 * the mail store's user).
 *
 * The rules (RFC 3834 section 2, and what vacation(1) and Sieve's
 * vacation extension do), in this order; the first that matches says no:
 *   - the account's autoreply is off, or ar_until has passed
 *   - the envelope sender is <> (a bounce or another auto-reply)
 *   - the sender is a daemon or a list robot: local part MAILER-DAEMON,
 *     LISTSERV, majordomo, owner-*, *-owner, *-request, *-bounces (any
 *     case)
 *   - the sender is the account itself
 *   - the header has Auto-Submitted with any value but "no"
 *   - the header has List-Id or any other List-* field
 *   - the header has Precedence: bulk, list or junk
 *   - the header has X-Auto-Response-Suppress: All or OOF (Exchange)
 *   - the account already replied to this sender within autoreply_period
 *     (default 1d), remembered in $data_directory/autoreply.db (a
 *     Berkeley DB owned by the queue manager; key "account sender",
 *     value the time of the last reply)
 *
 * The reply: envelope sender <>, recipient the envelope sender of the
 * message; From: the account, To: the sender, Subject: ar_subject, or
 * "Re: <original subject>" when ar_subject is empty (no "Re: Re:"), the
 * body ar_text (UTF-8, text/plain); Auto-Submitted: auto-replied,
 * In-Reply-To: and References: from the original Message-ID (and its
 * References), a new Message-ID and Date. Written with queue_writer into
 * $queue_directory/incoming (committed, fsync'd) and announced with
 * queue_wake().
 */
#ifndef MAIL_AUTOREPLY_H
#define MAIL_AUTOREPLY_H
#include <time.h>

#include "util/sys_defs.h"

struct accounts_user;
struct buf;
struct queue_file;

/* Most header bytes of the original message that are read. */
#define AUTOREPLY_HEADER_MAX (64 * 1024)

/* Why a reply is or is not sent. */
enum autoreply_verdict {
	AUTOREPLY_SEND = 0,    /* reply (after the memory check) */
	AUTOREPLY_OFF,         /* autoreply off or ar_until passed */
	AUTOREPLY_NULL_SENDER, /* envelope sender <> */
	AUTOREPLY_DAEMON,      /* MAILER-DAEMON, owner-*, *-request, ... */
	AUTOREPLY_SELF,        /* the sender is the account itself */
	AUTOREPLY_AUTO,        /* Auto-Submitted other than "no", or
	                        * X-Auto-Response-Suppress */
	AUTOREPLY_LIST,        /* List-Id or another List-* field */
	AUTOREPLY_BULK,        /* Precedence: bulk, list or junk */
	AUTOREPLY_RECENT,      /* already replied within autoreply_period */
};

/* autoreply_decide - the rules above except the memory: pure (no I/O).
 * header/len: the message's header (CRLF or LF line ends; the body may
 * follow, only the header is looked at); sender: the envelope sender,
 * "" for <>; now: the current time (for ar_until). */
enum autoreply_verdict autoreply_decide(const struct accounts_user *u,
    const char *sender, const char *header, size_t len, time_t now);

/* autoreply_verdict_text - for a log line: "sender is a mailing list" */
const char *autoreply_verdict_text(enum autoreply_verdict v);

/* autoreply_build - the reply message (header and body, CRLF line ends)
 * into out (reset first); message_id is the new Message-ID without the
 * angle brackets. Pure. */
void autoreply_build(const struct accounts_user *u, const char *sender,
    const char *header, size_t len, time_t now, const char *message_id,
    struct buf *out);

/* autoreply_remember - the once-per-sender memory in the Berkeley DB at
 * db_path: 1 when account replied to sender less than period seconds
 * before now (nothing changes); else 0 after recording now as the time
 * of the reply. -1 with why when the database cannot be used. Entries
 * older than period are removed now and then. */
int autoreply_remember(const char *db_path, const char *account,
    const char *sender, time_t now, long period, struct buf *why);

/* autoreply_handle - the whole step, for the queue manager, after the
 * message in qf (an open queue file) was delivered to account u: read
 * the header from qf, decide, check and update the memory
 * ($data_directory/autoreply.db, autoreply_period), write the reply into
 * $queue_directory/incoming and wake the queue manager (queue_wake).
 * sender: the message's envelope sender ("" for <>).
 * Returns 1 when a reply was queued (its queue ID into qid_out when not
 * NULL), 0 when no reply is due (why says which rule, for a log line),
 * -1 on an error (why; the delivery stands, log it and go on). */
int autoreply_handle(const struct accounts_user *u, struct queue_file *qf,
    const char *sender, struct buf *qid_out, struct buf *why);

#endif /* MAIL_AUTOREPLY_H */

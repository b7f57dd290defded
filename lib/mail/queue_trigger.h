/*
 * queue_trigger.h - the client side of the trigger sockets: the queue
 * manager's $queue_directory/private/qmgr (public/qmgr as a fallback)
 * and pickup's public/pickup.
 *
 * The protocol (the server side is qmgr's): a client connects, writes
 * one request and closes. No reply is read, so a trigger never waits on
 * a busy server longer than the connect and write timeouts.
 *     "W"            new mail in incoming/: scan it (queue_wake)
 *     "F"            flush: retry all deferred mail now
 *     "F<domain>\n"  flush the deferred mail with pending recipients in
 *                    that domain (ETRN, `gannet queue flush DOMAIN`)
 * Unknown bytes are ignored by the server with a log line.
 */
#ifndef MAIL_QUEUE_TRIGGER_H
#define MAIL_QUEUE_TRIGGER_H
#include "util/sys_defs.h"

struct buf;

#define QUEUE_TRIGGER_WAKE    "W"
#define QUEUE_TRIGGER_FLUSH   "F"
#define QUEUE_TRIGGER_TIMEOUT 1000 /* ms, for connect and write */

/* queue_trigger_send - connect to queue_dir/sock (e.g. "private/qmgr"),
 * write the len bytes of req, close. 0, or -1 with why (the socket is
 * missing, nobody listens, or the write failed). */
int queue_trigger_send(const char *queue_dir, const char *sock, const char *req,
    size_t len, struct buf *why);

/* queue_trigger_qmgr - send req to the queue manager, trying
 * private/qmgr and then public/qmgr; 0, or -1 with why */
int queue_trigger_qmgr(
    const char *queue_dir, const char *req, size_t len, struct buf *why);

/* queue_trigger_flush - ask the queue manager to retry deferred mail
 * now: all of it (domain NULL or "") or that of one domain. The domain
 * must be a plain domain name (no control characters, at most 255
 * bytes); 0, or -1 with why. */
int queue_trigger_flush(
    const char *queue_dir, const char *domain, struct buf *why);

#endif /* MAIL_QUEUE_TRIGGER_H */

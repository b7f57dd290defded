/*
 * queue_list.h - what is in the queue, for `gannet queue list`, mailq
 * and the showq service: each message's envelope summary, its queue
 * directory and the reasons of its last delivery attempt (defer/<ID>).
 *
 * The queue manager works while we look, so a file that vanishes is
 * skipped and one that moved to a later directory is seen there, once.
 */
#ifndef MAIL_QUEUE_LIST_H
#define MAIL_QUEUE_LIST_H
#include "util/sys_defs.h"

#include "mail/queue_file.h"

struct buf;

/* A reason from defer/<ID>, per recipient index. */
struct queue_list_reason {
	size_t index;
	char *dsn;
	char *text;
};

/* One message. env holds arrival_us, body_size, sender and the
 * recipients (addr, orig, state) only. */
struct queue_list_item {
	char id[QUEUE_ID_MAX + 1];
	const char *dir; /* "incoming", "active", "deferred" or "hold" */
	struct queue_env env;
	struct queue_list_reason *reasons;
	size_t nreasons;
};

/* queue_list_collect - every message in incoming/, active/, deferred/
 * and hold/, sorted by ID (arrival); the caller frees with
 * queue_list_free. Problems (a directory or file that cannot be read)
 * are appended to errors, one line each; *denied_out tells that a
 * directory was not readable for lack of rights (not root or
 * mail_owner). */
struct queue_list_item *queue_list_collect(
    const char *queue_dir, size_t *n_out, struct buf *errors, bool *denied_out);
void queue_list_free(struct queue_list_item *v, size_t n);

/* queue_list_reason_of - the last reason for recipient i, or NULL */
const struct queue_list_reason *queue_list_reason_of(
    const struct queue_list_item *it, size_t i);
/* queue_list_status - "active" (incoming/ or active/), "deferred",
 * "hold" */
const char *queue_list_status(const struct queue_list_item *it);
/* queue_list_rcpt_state - "pending", "deferred" (pending with a
 * reason), "delivered", "bounced" or "expired" */
const char *queue_list_rcpt_state(const struct queue_list_item *it, size_t i);
/* queue_list_arrival - local time: ISO 8601, or mailq's
 * "%a %b %e %H:%M:%S" */
void queue_list_arrival(
    const struct queue_list_item *it, bool iso, char *out, size_t len);
/* queue_list_mailq - the messages in Postfix's mailq layout, appended
 * to out */
void queue_list_mailq(
    const struct queue_list_item *v, size_t n, struct buf *out);

#endif /* MAIL_QUEUE_LIST_H */

/*
 * qmgr.h - the queue manager's state, shared by its files (nothing
 * outside qmgr/ includes it).
 *
 *   qmgr.c          main, the trigger socket, timers
 *   qmgr_scan.c     moving files: incoming|deferred -> active, start-up
 *                   recovery, flush, corrupt files
 *   qmgr_message.c  one message in the active set: open, expand, route,
 *                   record outcomes, finish (remove, defer, expire)
 *   qmgr_agent.c    delivery requests to the agents, per-destination
 *                   concurrency
 *   qmgr_bounce.c   DSNs (bounce, delay warning, success) into incoming/
 */
#ifndef QMGR_QMGR_H
#define QMGR_QMGR_H
#include <stdint.h>

#include "util/sys_defs.h"

#include "mail/deliver_proto.h"
#include "mail/queue_file.h"

struct event_loop;
struct event_timer;
struct htable;
struct accounts;
struct router;
struct stream;
struct buf;

/* What became of a recipient in this run (in memory; the queue file holds
 * only the final states). */
enum qmgr_outcome {
	QMGR_NONE = 0, /* not tried yet */
	QMGR_QUEUED,   /* in a delivery request */
	QMGR_SENT,
	QMGR_DEFERRED,
	QMGR_BOUNCED,
};

struct qmgr_rcpt {
	enum qmgr_outcome outcome;
	char dsn[16];
	char *reason;
	char *diag;
	char *relay;
	char success_dsn[16]; /* "delivered", "relayed" or "" */
	bool is_local;        /* routed to the local delivery agent */
};

struct qmgr_msg {
	char id[QUEUE_ID_MAX + 1];
	struct queue_file *qf;
	struct qmgr_rcpt *r; /* one per recipient of the queue file */
	size_t nr;
	int64_t active_us; /* when it entered the active set */
	long jobs;         /* delivery requests not answered yet */
	bool parked;       /* deliveries suspended: waiting */
	struct qmgr_msg *prev, *next;
};

struct qmgr_job {
	struct qmgr_msg *msg;
	struct qmgr_dest *dest;
	size_t *idx; /* recipient indexes in msg */
	size_t n;
	struct qmgr_job *next;
};

/* A destination: one agent and one next hop, with its own concurrency
 * limit and queue of requests. */
struct qmgr_dest {
	char *agent;
	char *nexthop;
	long limit;
	long busy;   /* requests in flight */
	bool kicked; /* a run is scheduled */
	struct qmgr_job *head, *tail;
};

struct qmgr_state {
	struct event_loop *loop;
	struct accounts *acc;
	struct router *router;
	struct htable *dests;  /* "agent\tnexthop" -> struct qmgr_dest */
	struct qmgr_msg *msgs; /* the active set */
	long nmsgs;
	bool scan_pending; /* a scan timer is set */
	bool flush_all;    /* treat every deferred file as due */
	bool was_suspended;
	bool exiting; /* the loop is gone: draining, no new work */
	struct event_timer *scan_tm;
};

extern struct qmgr_state qmgr;

/* qmgr_scan.c */
void qmgr_recover(void);
void qmgr_scan_soon(void);
void qmgr_scan(void);
void qmgr_flush(const char *domain);
bool qmgr_suspended(void);
void qmgr_move(const char *id, const char *from, const char *to);

/* qmgr_message.c */
void qmgr_message_start(const char *id, const char *from);
void qmgr_message_dispatch(struct qmgr_msg *m);
void qmgr_message_result(struct qmgr_msg *m, size_t i, enum deliver_status st,
    const char *dsn, const char *reason, const char *diag, const char *relay,
    const char *success_dsn);
void qmgr_message_job_done(struct qmgr_msg *m);
void qmgr_resume(void);
void qmgr_autoreply(struct qmgr_msg *m, size_t i);

/* qmgr_agent.c */
void qmgr_agent_queue(struct qmgr_msg *m, const char *agent,
    const char *nexthop, size_t *idx, size_t n);
void qmgr_agent_free_all(void);
void qmgr_agent_drain(void);

/* qmgr_bounce.c */
enum qmgr_dsn_kind {
	QMGR_DSN_FAILURE,
	QMGR_DSN_DELAY,
	QMGR_DSN_SUCCESS,
};
/* qmgr_bounce - a DSN of kind to the sender of m about the recipients
 * idx[0..n) (their outcome in m->r); 0 when written (or none was due: a
 * null sender), -1 with why */
int qmgr_bounce(struct qmgr_msg *m, enum qmgr_dsn_kind kind, const size_t *idx,
    size_t n, struct buf *why);

/* qmgr_log_status - the Postfix-shaped per-recipient line, for outcomes
 * the queue manager decides itself */
void qmgr_log_status(struct qmgr_msg *m, size_t i, const char *status,
    const char *dsn, const char *reason);

#endif /* QMGR_QMGR_H */

/*
 * qmgr_agent.c - delivery requests to the agents (deliver_proto.h), with
 * a concurrency limit per destination (agent and next hop):
 * local_destination_concurrency_limit for the local agent,
 * default_destination_concurrency_limit for the others, as in Postfix.
 *
 * One connection per request: connect to private/<agent> (the master
 * starts agent processes as connections wait), send the request, wait
 * for the reply on the event loop. A request that cannot be sent, a reply
 * that does not decode, or none within qmgr_delivery_timeout, defers its
 * recipients ("delivery agent failed"), as deliver_proto.h says.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/event.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/ipc.h"
#include "mail/params.h"
#include "mail/params_qmgr.h"
#include "mail/queue_file.h"

#include "qmgr.h"

#define QMGR_CONNECT_MS 5000
/* At exit, how long to wait for replies in flight: well below the
 * master's master_stop_timeout (30s), after which it kills us. */
#define QMGR_DRAIN_MS 15000

struct qmgr_conn {
	struct qmgr_conn *prev, *next; /* requests in flight */
	bool is_linked;
	struct qmgr_job *job;
	struct deliver_request req;
	struct stream *s;
	int fd;
	struct event_timer *tm;
};

static void qmgr_dest_kick(struct qmgr_dest *d);
static struct qmgr_conn *qmgr_live; /* requests in flight */

/* Requests in flight per agent, over all its destinations: at most the
 * agent's process limit (default_process_limit), so that connections
 * never pile up in the agent's listen queue while qmgr waits. */
static struct htable *qmgr_agent_busy;

/* qmgr_agent_count - the in-flight counter of agent */
static long *
qmgr_agent_count(const char *agent)
{
	long *n;

	if (qmgr_agent_busy == NULL)
		qmgr_agent_busy = htable_new(4);
	if ((n = htable_get(qmgr_agent_busy, agent)) == NULL) {
		n = xcalloc(1, sizeof(*n));
		htable_set(qmgr_agent_busy, agent, n);
	}
	return n;
}

/* qmgr_dest_ready - a request may start now */
static bool
qmgr_dest_ready(struct qmgr_dest *d)
{
	return d->head && d->busy < d->limit
	    && *qmgr_agent_count(d->agent) < var_default_process_limit;
}

/* qmgr_agent_kick_all - an agent slot is free: the destinations of that
 * agent that wait may go on */
static void
qmgr_agent_kick_all(const char *agent)
{
	struct htable_iter it;
	const char *k;
	void *v;

	htable_iter_init(&it, qmgr.dests);
	while (htable_iter_next(&it, &k, &v)) {
		struct qmgr_dest *d = v;

		if (strcmp(d->agent, agent) == 0)
			qmgr_dest_kick(d);
	}
}

/* qmgr_dest_get - the destination of agent and nexthop */
static struct qmgr_dest *
qmgr_dest_get(const char *agent, const char *nexthop)
{
	struct buf *key = buf_new(64);
	struct qmgr_dest *d;

	buf_printf(key, "%s\t%s", agent, nexthop);
	if ((d = htable_get(qmgr.dests, buf_cstr(key))) == NULL) {
		d = xcalloc(1, sizeof(*d));
		d->agent = xstrdup(agent);
		d->nexthop = xstrdup(nexthop);
		d->limit = strcmp(agent, var_local_transport) == 0
		    ? var_local_concurrency
		    : var_dest_concurrency;
		htable_set(qmgr.dests, buf_cstr(key), d);
	}
	buf_free(&key);
	return d;
}

/* qmgr_job_end - the request is over; the message may finish */
static void
qmgr_job_end(struct qmgr_job *job)
{
	struct qmgr_msg *m = job->msg;

	free(job->idx);
	free(job);
	qmgr_message_job_done(m);
}

/* qmgr_job_fail - defer every recipient of the job */
static void
qmgr_job_fail(struct qmgr_job *job, const char *fmt, const char *arg)
{
	struct buf *reason = buf_new(128);

	buf_printf(reason, fmt, job->dest->agent, arg);
	for (size_t k = 0; k < job->n; k++) {
		qmgr_message_result(job->msg, job->idx[k], DELIVER_DEFERRED,
		    "4.3.0", buf_cstr(reason), NULL, NULL, NULL);
		qmgr_log_status(job->msg, job->idx[k], "deferred", "4.3.0",
		    buf_cstr(reason));
	}
	buf_free(&reason);
}

/* qmgr_conn_close - the end of a request, answered or not */
static void
qmgr_conn_close(struct qmgr_conn *c)
{
	struct qmgr_dest *d = c->job->dest;

	if (c->is_linked) {
		if (c->prev)
			c->prev->next = c->next;
		else
			qmgr_live = c->next;
		if (c->next)
			c->next->prev = c->prev;
	}
	if (!qmgr.exiting) {
		event_del_fd(qmgr.loop, c->fd);
		event_cancel_timer(qmgr.loop, &c->tm);
	}
	stream_close(&c->s);
	deliver_request_free(&c->req);
	d->busy--;
	(*qmgr_agent_count(d->agent))--;
	qmgr_job_end(c->job);
	free(c);
	qmgr_dest_kick(d);
	if (*qmgr_agent_count(d->agent) == var_default_process_limit - 1)
		qmgr_agent_kick_all(d->agent);
}

/* qmgr_conn_timeout - no reply in time */
static void
qmgr_conn_timeout(struct event_loop *l, void *ctx)
{
	struct qmgr_conn *c = ctx;

	c->tm = NULL;
	qmgr_job_fail(c->job, "delivery agent %s failed: %s", "no reply");
	qmgr_conn_close(c);
}

/* qmgr_conn_read - the reply has begun to arrive */
static void
qmgr_conn_read(struct event_loop *l, int fd, int events, void *ctx)
{
	struct qmgr_conn *c = ctx;
	struct ipc_msg *msg = ipc_new();
	struct buf *why = buf_new(64);
	struct deliver_reply reply;

	deliver_reply_init(&reply);
	/* XXX the rest of the reply is read with the stream's timeout
	 * (ipc_timeout) while the loop waits: an agent writes its reply at
	 * once, and it is one local process. */
	if (ipc_recv(c->s, msg, why) < 0
	    || deliver_reply_decode(msg, &c->req, &reply, why) < 0) {
		log_warn("%s: delivery agent %s: %s", c->req.queue_id,
		    c->job->dest->agent, buf_cstr(why));
		qmgr_job_fail(
		    c->job, "delivery agent %s failed: %s", buf_cstr(why));
	} else {
		for (size_t k = 0; k < reply.nres; k++) {
			const struct deliver_result *r = &reply.res[k];

			qmgr_message_result(c->job->msg, (size_t)r->id,
			    r->status, r->dsn, r->reason, r->diag, r->relay,
			    r->success_dsn);
		}
	}
	deliver_reply_free(&reply);
	ipc_free(&msg);
	buf_free(&why);
	qmgr_conn_close(c);
}

/* qmgr_notify_text - NOTIFY bits in deliver_proto.h's canonical form */
static const char *
qmgr_notify_text(int bits)
{
	static const char *const v[] = {"", "SUCCESS", "FAILURE",
	    "SUCCESS,FAILURE", "DELAY", "SUCCESS,DELAY", "FAILURE,DELAY",
	    "SUCCESS,FAILURE,DELAY"};

	if (bits & SMTP_NOTIFY_NEVER)
		return "NEVER";
	return v[((bits & SMTP_NOTIFY_SUCCESS) ? 1 : 0)
	    | ((bits & SMTP_NOTIFY_FAILURE) ? 2 : 0)
	    | ((bits & SMTP_NOTIFY_DELAY) ? 4 : 0)];
}

/* qmgr_ascii - s is printable ASCII (an ORCPT of type rfc822) */
static bool
qmgr_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= 32 || (unsigned char)*s >= 127)
			return false;
	return true;
}

/* qmgr_job_start - connect and send the request */
static void
qmgr_job_start(struct qmgr_job *job)
{
	static const char *const rets[] = {"", "FULL", "HDRS"};
	const struct queue_env *e = queue_file_env(job->msg->qf);
	struct qmgr_conn *c;
	struct ipc_msg *msg;
	struct buf *path = buf_new(64), *why = buf_new(64);
	int fd;

	buf_printf(path, "private/%s", job->dest->agent);
	if ((fd = net_connect_unix(buf_cstr(path), QMGR_CONNECT_MS, why)) < 0) {
		qmgr_job_fail(
		    job, "delivery agent %s unavailable: %s", buf_cstr(why));
		qmgr_job_end(job);
		buf_free(&path);
		buf_free(&why);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->job = job;
	c->fd = fd;
	c->s = stream_open(fd);
	stream_set_timeout(c->s, (int)var_ipc_timeout);
	deliver_request_init(&c->req);
	c->req.queue_id = xstrdup(job->msg->id);
	c->req.queue_name = xstrdup("active");
	c->req.nexthop = xstrdup(job->dest->nexthop);
	c->req.sender = xstrdup(e->sender);
	c->req.arrival_us = (long)e->arrival_us;
	c->req.active_us = (long)job->msg->active_us;
	c->req.body_type = xstrdup(e->body == SMTP_BODY_7BIT ? "7BIT"
	        : e->body == SMTP_BODY_8BITMIME              ? "8BITMIME"
	                                                     : "");
	c->req.smtputf8 = e->smtputf8;
	c->req.dsn_envid = xstrdup(e->envid);
	c->req.dsn_ret = xstrdup(rets[e->ret]);
	for (size_t k = 0; k < job->n; k++) {
		const struct queue_rcpt *r = &e->rcpt[job->idx[k]];
		bool is_orig = strcmp(r->orig, r->addr) == 0;

		/* An expanded recipient without the client's ORCPT carries
		 * the address it was expanded from as its ORCPT (RFC 3461
		 * s4.2), so the final DSN names what the sender wrote. */
		buf_reset(why);
		if (*r->orcpt)
			buf_cats(why, r->orcpt);
		else if (e->expanded && !is_orig && qmgr_ascii(r->orig))
			buf_printf(why, "rfc822;%s", r->orig);
		deliver_request_add_rcpt(&c->req, (long)job->idx[k], r->addr,
		    is_orig ? "" : r->orig, buf_cstr(why),
		    qmgr_notify_text(r->notify));
	}
	msg = ipc_new();
	deliver_request_encode(&c->req, msg);
	job->dest->busy++;
	(*qmgr_agent_count(job->dest->agent))++;
	if (ipc_send(c->s, msg) < 0) {
		qmgr_job_fail(
		    job, "delivery agent %s failed: %s", stream_strerror(c->s));
		ipc_free(&msg);
		qmgr_conn_close(c);
	} else {
		ipc_free(&msg);
		if (event_add_fd(qmgr.loop, fd, EVENT_READ, qmgr_conn_read, c)
		    < 0) {
			qmgr_job_fail(job, "delivery agent %s failed: %s",
			    "event_add_fd");
			qmgr_conn_close(c);
		} else {
			c->tm = event_add_timer(qmgr.loop,
			    var_qmgr_delivery_timeout * 1000, qmgr_conn_timeout,
			    c);
			c->next = qmgr_live;
			if (qmgr_live)
				qmgr_live->prev = c;
			qmgr_live = c;
			c->is_linked = true;
		}
	}
	buf_free(&path);
	buf_free(&why);
}

/* qmgr_dest_run - start what the limit allows */
static void
qmgr_dest_run(struct event_loop *l, void *ctx)
{
	struct qmgr_dest *d = ctx;

	d->kicked = false;
	while (qmgr_dest_ready(d)) {
		struct qmgr_job *job = d->head;

		d->head = job->next;
		if (d->head == NULL)
			d->tail = NULL;
		job->next = NULL;
		qmgr_job_start(job);
	}
}

/* qmgr_dest_kick - run the destination after the current event (never
 * from inside a caller that still uses the message) */
static void
qmgr_dest_kick(struct qmgr_dest *d)
{
	if (!d->kicked && !qmgr.exiting && qmgr_dest_ready(d)) {
		d->kicked = true;
		event_add_timer(qmgr.loop, 0, qmgr_dest_run, d);
	}
}

/* qmgr_agent_queue - a request for recipients idx[0..n) of m */
void
qmgr_agent_queue(struct qmgr_msg *m, const char *agent, const char *nexthop,
    size_t *idx, size_t n)
{
	struct qmgr_dest *d = qmgr_dest_get(agent, nexthop);
	struct qmgr_job *job = xcalloc(1, sizeof(*job));

	job->msg = m;
	job->dest = d;
	job->idx = xcalloc(n, sizeof(*job->idx));
	memcpy(job->idx, idx, n * sizeof(*idx));
	job->n = n;
	for (size_t k = 0; k < n; k++)
		m->r[idx[k]].outcome = QMGR_QUEUED;
	m->jobs++;
	if (d->tail)
		d->tail->next = job;
	else
		d->head = job;
	d->tail = job;
	qmgr_dest_kick(d);
}

/* qmgr_agent_drain - at exit, the event loop gone: read the replies of
 * the requests in flight for a while and record them; whatever is still
 * out after that is left to the next start (the crash window) */
void
qmgr_agent_drain(void)
{
	int64_t end = clock_ms() + QMGR_DRAIN_MS;
	long n = 0;

	qmgr.exiting = true;
	for (struct qmgr_conn *c = qmgr_live; c; c = c->next)
		n++;
	if (n > 0)
		log_info("waiting for %ld delivery request(s) in flight", n);
	while (qmgr_live && clock_ms() < end) {
		struct pollfd *pfd;
		struct qmgr_conn **cs;
		size_t k = 0;
		int ready;

		n = 0;
		for (struct qmgr_conn *c = qmgr_live; c; c = c->next)
			n++;
		pfd = xcalloc((size_t)n, sizeof(*pfd));
		cs = xcalloc((size_t)n, sizeof(*cs));
		for (struct qmgr_conn *c = qmgr_live; c; c = c->next, k++) {
			pfd[k].fd = c->fd;
			pfd[k].events = POLLIN;
			cs[k] = c;
		}
		ready = poll(pfd, (nfds_t)n, (int)MAX(0, end - clock_ms()));
		for (k = 0; ready > 0 && k < (size_t)n; k++)
			if (pfd[k].revents)
				qmgr_conn_read(NULL, cs[k]->fd, 0, cs[k]);
		free(pfd);
		free(cs);
		if (ready < 0 && errno != EINTR)
			break;
	}
	n = 0;
	while (qmgr_live) {
		struct qmgr_conn *c = qmgr_live;

		qmgr_live = c->next;
		stream_close(&c->s);
		deliver_request_free(&c->req);
		free(c);
		n++;
	}
	if (n > 0)
		log_warn("%ld delivery request(s) unanswered at exit: their "
		         "recipients may be delivered again",
		    n);
}

/* qmgr_dest_free - one destination (at exit) */
static void
qmgr_dest_free(void *p)
{
	struct qmgr_dest *d = p;
	struct qmgr_job *job, *next;

	/* requests still waiting (suspended, or the agent was busy): their
	 * files stay in active/ and are taken up again at the next start */
	for (job = d->head; job; job = next) {
		next = job->next;
		free(job->idx);
		free(job);
	}
	free(d->agent);
	free(d->nexthop);
	free(d);
}

/* qmgr_agent_free_all - at exit: the files stay in active/ and go back
 * to incoming/ at the next start */
void
qmgr_agent_free_all(void)
{
	htable_free(&qmgr.dests, qmgr_dest_free);
	htable_free(&qmgr_agent_busy, free);
}

/*
 * deliver_agent.h - the serve loop every delivery agent shares (smtp,
 * deliver): read a request from the queue manager, decode it strictly,
 * hand it to the agent, send the reply, and again, on one connection,
 * until the queue manager closes it, ipc_timeout passes, or a request
 * does not decode (logged; the connection is closed without a reply, as
 * deliver_proto.h says). The agents differ only in what they do with a
 * request, and in how they wait for the next one.
 */
#ifndef MAIL_DELIVER_AGENT_H
#define MAIL_DELIVER_AGENT_H
#include <stdint.h>

#include "util/sys_defs.h"

struct deliver_reply;
struct deliver_request;
struct service_client;
struct stream;

struct deliver_agent {
	/* deliver one request: every result of reply (made with
	 * deliver_reply_for) is set, and logged */
	void (*deliver)(
	    const struct deliver_request *req, struct deliver_reply *reply);
	/* true when the next request has begun to arrive on s; NULL: wait
	 * at most ipc_timeout */
	bool (*wait)(struct stream *s);
	/* true when the agent must stop taking requests (checked before
	 * each one); NULL: never */
	bool (*must_stop)(void);
};

/* deliver_agent_serve - one queue manager connection, one or more
 * requests in turn; returns when it is over (the skeleton closes the
 * descriptor) */
void deliver_agent_serve(
    const struct service_client *client, const struct deliver_agent *a);

/* deliver_agent_log - one Postfix-shaped line per recipient of req:
 *   QUEUEID: to=<rcpt>, orig_to=<orig>, relay=R, [conn_use=N, ]delay=T,
 *       delays=a/b/c/d, dsn=X.Y.Z, status=S (reason)
 * a: arrival to the last entry into the active queue; b: from there to
 * start_ms (clock_ms() when the agent took the request); c: setup_ms
 * (connection set-up); d: xfer_ms (the transfer). relay: printed instead
 * of each result's relay when not NULL ("local"); conn_use is printed
 * for sent results when above 1. */
void deliver_agent_log(const struct deliver_request *req,
    const struct deliver_reply *reply, int64_t start_ms, int64_t setup_ms,
    int64_t xfer_ms, int conn_use, const char *relay);

#endif /* MAIL_DELIVER_AGENT_H */

/*
 * deliver_agent.c - the serve loop of the delivery agents (see
 * deliver_agent.h). Written once so that the request handling, the
 * strictness and the log lines are the same for every agent.
 */
#include "util/sys_defs.h"

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/stream.h"

#include "mail/deliver_agent.h"
#include "mail/deliver_proto.h"
#include "mail/ipc.h"
#include "mail/params.h"
#include "mail/queue_file.h"
#include "mail/service.h"

/* deliver_agent_wait - the default wait: ipc_timeout */
static bool
deliver_agent_wait(struct stream *s)
{
	return stream_readable(s, (int)var_ipc_timeout * 1000);
}

/* deliver_agent_serve - one queue manager connection */
void
deliver_agent_serve(
    const struct service_client *client, const struct deliver_agent *a)
{
	struct stream *s = stream_open(client->fd);
	struct ipc_msg *m = ipc_new();
	struct buf *why = buf_new(128);
	struct deliver_request req;
	struct deliver_reply reply;
	bool (*wait)(struct stream *) = a->wait ? a->wait : deliver_agent_wait;

	deliver_request_init(&req);
	deliver_reply_init(&reply);
	stream_set_timeout(s, (int)var_ipc_timeout);
	while (!(a->must_stop && a->must_stop()) && wait(s)) {
		buf_reset(why);
		if (ipc_recv(s, m, why) < 0) {
			if (stream_status(s) != STREAM_EOF)
				log_warn("delivery request from %s: %s",
				    client->addr, buf_cstr(why));
			break;
		}
		if (deliver_request_decode(m, &req, why) == 0
		    && !queue_id_ok(req.queue_id))
			buf_printf(why, "bad queue ID %s", req.queue_id);
		if (buf_len(why) > 0) {
			log_warn("malformed delivery request from %s: %s",
			    client->addr, buf_cstr(why));
			break;
		}
		deliver_reply_for(&reply, &req);
		a->deliver(&req, &reply);
		deliver_reply_encode(&reply, m);
		if (ipc_send(s, m) < 0) {
			log_warn("%s: send delivery status: %s", req.queue_id,
			    stream_strerror(s));
			break;
		}
	}
	deliver_request_free(&req);
	deliver_reply_free(&reply);
	ipc_free(&m);
	buf_free(&why);
	(void)stream_release(&s); /* the skeleton closes the descriptor */
}

/* deliver_fmt_delay - seconds as Postfix prints them */
static void
deliver_fmt_delay(int64_t ms, struct buf *out)
{
	double s = ms > 0 ? (double)ms / 1000.0 : 0.0;

	if (s < 10)
		buf_printf(out, "%.2g", s);
	else
		buf_printf(out, "%.0f", s);
}

/* deliver_agent_log - one line per recipient */
void
deliver_agent_log(const struct deliver_request *req,
    const struct deliver_reply *reply, int64_t start_ms, int64_t setup_ms,
    int64_t xfer_ms, int conn_use, const char *relay)
{
	int64_t now_ms = clock_ms(), wall_ms = clock_wall_us() / 1000;
	int64_t arrival_ms = req->arrival_us / 1000;
	int64_t active_ms = req->active_us / 1000;
	int64_t start_wall = wall_ms - (now_ms - start_ms);
	struct buf *d = buf_new(64), *line = buf_new(256);

	deliver_fmt_delay(wall_ms - arrival_ms, d);
	buf_cats(d, ", delays=");
	deliver_fmt_delay(active_ms - arrival_ms, d);
	buf_catc(d, '/');
	deliver_fmt_delay(start_wall - active_ms, d);
	buf_catc(d, '/');
	deliver_fmt_delay(setup_ms, d);
	buf_catc(d, '/');
	deliver_fmt_delay(xfer_ms, d);
	for (size_t i = 0; i < req->nrcpt; i++) {
		const struct deliver_result *res = &reply->res[i];

		buf_reset(line);
		buf_printf(
		    line, "%s: to=<%s>", req->queue_id, req->rcpt[i].addr);
		if (*req->rcpt[i].orig_addr)
			buf_printf(
			    line, ", orig_to=<%s>", req->rcpt[i].orig_addr);
		buf_printf(line, ", relay=%s, ", relay ? relay : res->relay);
		if (res->status == DELIVER_SENT && conn_use > 1)
			buf_printf(line, "conn_use=%d, ", conn_use);
		buf_printf(line, "delay=%s, dsn=%s, status=%s (%s)",
		    buf_cstr(d), res->dsn, deliver_status_name(res->status),
		    res->reason);
		log_info("%s", buf_cstr(line));
	}
	buf_free(&d);
	buf_free(&line);
}

/*
 * qmgr_bounce.c - delivery status notifications (RFC 3464) into the
 * queue: the bounce, the delay warning and the success report, composed
 * by proto/dsn.h and written with the queue writer into incoming/ as a
 * new message from the null sender <>, so they are delivered like any
 * other mail.
 *
 * Loops: nothing is ever sent to <>. When a message from <> (itself a
 * notification) cannot be delivered, a failure report goes once to
 * 2bounce_notice_recipient (postmaster), marked as such by its service
 * name "2bounce"; when that one fails too it is logged and dropped, never
 * reported again.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/dsn.h"

#include "mail/params.h"
#include "mail/params_qmgr.h"
#include "mail/queue_file.h"

#include "qmgr.h"

#define QMGR_SVC_BOUNCE  "bounce"
#define QMGR_SVC_2BOUNCE "2bounce"

/* qmgr_bounce_rcpt - the address that gets the report, "" for none */
static void
qmgr_bounce_rcpt(const struct queue_env *e, enum qmgr_dsn_kind kind,
    struct buf *to, const char **service_out)
{
	buf_reset(to);
	*service_out = QMGR_SVC_BOUNCE;
	if (*e->sender) {
		buf_cats(to, e->sender);
		return;
	}
	if (kind != QMGR_DSN_FAILURE
	    || strcmp(e->service, QMGR_SVC_2BOUNCE) == 0)
		return;
	buf_cats(to, var_double_bounce_rcpt);
	if (strchr(var_double_bounce_rcpt, '@') == NULL)
		buf_printf(to, "@%s", var_myorigin);
	*service_out = QMGR_SVC_2BOUNCE;
}

/* qmgr_bounce - see qmgr.h */
int
qmgr_bounce(struct qmgr_msg *m, enum qmgr_dsn_kind kind, const size_t *idx,
    size_t n, struct buf *why)
{
	static const enum dsn_kind kinds[] = {
	    [QMGR_DSN_FAILURE] = DSN_FAILURE,
	    [QMGR_DSN_DELAY] = DSN_DELAY,
	    [QMGR_DSN_SUCCESS] = DSN_SUCCESS,
	};
	static const char *const what[] = {
	    [QMGR_DSN_FAILURE] = "non-delivery notification",
	    [QMGR_DSN_DELAY] = "delay notification",
	    [QMGR_DSN_SUCCESS] = "delivery status notification",
	};
	const struct queue_env *e = queue_file_env(m->qf);
	struct buf *to = buf_new(64), *out = buf_new(4096);
	struct buf *boundary = buf_new(64);
	struct dsn_rcpt *dr = xcalloc(n, sizeof(*dr));
	struct queue_writer *qw = NULL;
	struct queue_env ne;
	struct dsn_msg dm;
	const char *service;
	size_t want = (size_t)var_bounce_size_limit + 1;
	char *orig = NULL;
	ssize_t olen;
	int ret = -1;

	memset(&ne, 0, sizeof(ne));
	qmgr_bounce_rcpt(e, kind, to, &service);
	if (buf_len(to) == 0) {
		if (kind == QMGR_DSN_FAILURE)
			log_info("%s: undeliverable %s from <> discarded "
			         "(no report to the null sender, %s)",
			    m->id,
			    strcmp(e->service, QMGR_SVC_2BOUNCE) == 0
			        ? "postmaster notification"
			        : "message",
			    "never a loop");
		ret = 0;
		goto out;
	}
	/* The original: all of it when it fits, for RET=FULL or no RET */
	if ((off_t)want > e->body_size)
		want = (size_t)e->body_size;
	orig = xmalloc(want + 1);
	olen = want ? queue_file_read_body(m->qf, 0, orig, want) : 0;
	if (olen < 0) {
		buf_printf(why, "read %s: %s", m->id, strerror(errno));
		goto out;
	}
	for (size_t k = 0; k < n; k++) {
		const struct queue_rcpt *r = &e->rcpt[idx[k]];
		const struct qmgr_rcpt *q = &m->r[idx[k]];

		dr[k].addr = r->addr;
		dr[k].orcpt = r->orcpt;
		dr[k].orig = r->orig;
		dr[k].status = *q->dsn ? q->dsn : "5.0.0";
		dr[k].relay = q->relay ? q->relay : "";
		dr[k].diag = q->diag ? q->diag : "";
		dr[k].reason = q->reason ? q->reason : "";
		switch (kind) {
		case QMGR_DSN_FAILURE:
			dr[k].action = "failed";
			break;
		case QMGR_DSN_DELAY:
			dr[k].action = "delayed";
			break;
		case QMGR_DSN_SUCCESS:
			dr[k].action = strcmp(q->success_dsn, "relayed") == 0
			    ? "relayed"
			    : "delivered";
			break;
		}
	}
	memset(&dm, 0, sizeof(dm));
	dm.kind = kinds[kind];
	dm.hostname = var_myhostname;
	dm.queue_id = m->id;
	dm.sender = *e->sender ? e->sender : "<>";
	dm.envid = e->envid;
	dm.arrival = (time_t)(e->arrival_us / 1000000);
	dm.now = time(NULL);
	if (kind == QMGR_DSN_DELAY)
		dm.retry_until = dm.arrival + var_max_queue_lifetime;
	dm.headers_only =
	    e->ret == SMTP_RET_HDRS || e->body_size > var_bounce_size_limit;
	dm.size_limit = (size_t)var_bounce_size_limit;
	buf_printf(
	    boundary, "%s.%lld/%s", m->id, (long long)dm.now, var_myhostname);
	dm.boundary = buf_cstr(boundary);
	dsn_compose(&dm, dr, n, orig, (size_t)olen, out);

	if ((qw = queue_writer_create(var_queue_dir, why)) == NULL)
		goto out;
	ne.sender = xstrdup("");
	ne.envid = xstrdup("");
	ne.service = xstrdup(service);
	ne.protocol = xstrdup("local");
	ne.client_addr = xstrdup("");
	ne.client_name = xstrdup("localhost");
	ne.client_helo = xstrdup("");
	ne.auth_user = xstrdup("");
	ne.tls_version = xstrdup("");
	ne.tls_cipher = xstrdup("");
	ne.body = SMTP_BODY_NONE;
	for (size_t k = 0; k < buf_len(out); k++)
		if ((unsigned char)buf_cstr(out)[k] >= 128)
			ne.body = SMTP_BODY_8BITMIME;
	queue_env_add_rcpt(&ne, buf_cstr(to), NULL, NULL, 0);
	if (queue_writer_envelope(qw, &ne, why) < 0)
		goto out;
	queue_writer_body(qw, buf_cstr(out), buf_len(out));
	if (queue_writer_commit(qw, QUEUE_INCOMING, why) < 0)
		goto out;
	log_info("%s: %s %s: %s", m->id,
	    strcmp(service, QMGR_SVC_2BOUNCE) == 0 ? "postmaster" : "sender",
	    what[kind], queue_writer_id(qw));
	qmgr_scan_soon();
	ret = 0;
out:
	queue_writer_free(&qw);
	queue_env_clear(&ne);
	free(orig);
	free(dr);
	buf_free(&to);
	buf_free(&out);
	buf_free(&boundary);
	return ret;
}

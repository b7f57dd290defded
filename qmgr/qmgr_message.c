/*
 * qmgr_message.c - one message in the active set (see qmgr(8)).
 *
 * Life of a message:
 *   start      rename into active/, open with strict validation (a file
 *              that fails goes to corrupt/), log "from=..., (queue
 *              active)", check the hop count
 *   expand     once per message: accounts_resolve() on every pending
 *              recipient; when that changes anything, the expanded
 *              envelope is written as a new version of the file under the
 *              same queue ID (queue_writer_rewrite: tmp/, fsync, rename
 *              over active/ID) with expanded=1, so a requeue never
 *              expands it again
 *   dispatch   route each pending recipient, group by agent and next hop,
 *              hand the groups to qmgr_agent.c
 *   results    a delivered recipient is marked in the file at once; a
 *              bounced one only after its DSN is safely in the queue
 *   finish     bounce, success DSN, delay warning, then remove the file
 *              or move it to deferred/ with its next retry time as mtime
 * A crash at any point leaves the file in active/ (back to incoming/ on
 * start) with every recipient whose outcome was recorded done: at most a
 * recipient whose delivery was not yet recorded is tried again.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fileutil.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/accounts.h"
#include "mail/archive.h"
#include "mail/autoreply.h"
#include "mail/params.h"
#include "mail/params_qmgr.h"
#include "mail/params_smtpd.h"
#include "mail/queue_file.h"
#include "mail/route.h"

#include "qmgr.h"

#define QMGR_HEADER_READ (256 * 1024) /* header bytes read for hops */

static void qmgr_message_finish(struct qmgr_msg *m);

/* qmgr_fmt_delay - seconds as Postfix prints them */
static void
qmgr_fmt_delay(int64_t ms, struct buf *out)
{
	double s = ms > 0 ? (double)ms / 1000.0 : 0.0;

	if (s < 10)
		buf_printf(out, "%.2g", s);
	else
		buf_printf(out, "%.0f", s);
}

/* qmgr_log_status - one Postfix-shaped line for an outcome decided here */
void
qmgr_log_status(struct qmgr_msg *m, size_t i, const char *status,
    const char *dsn, const char *reason)
{
	const struct queue_env *e = queue_file_env(m->qf);
	const struct queue_rcpt *r = &e->rcpt[i];
	int64_t now_ms = clock_wall_us() / 1000;
	struct buf *line = buf_new(256);

	buf_printf(line, "%s: to=<%s>", m->id, r->addr);
	if (strcmp(r->orig, r->addr) != 0)
		buf_printf(line, ", orig_to=<%s>", r->orig);
	buf_cats(line, ", relay=none, delay=");
	qmgr_fmt_delay(now_ms - e->arrival_us / 1000, line);
	buf_cats(line, ", delays=");
	qmgr_fmt_delay(m->active_us / 1000 - e->arrival_us / 1000, line);
	buf_catc(line, '/');
	qmgr_fmt_delay(now_ms - m->active_us / 1000, line);
	buf_printf(line, "/0/0, dsn=%s, status=%s (%s)", dsn, status, reason);
	log_info("%s", buf_cstr(line));
	buf_free(&line);
}

/* qmgr_rcpt_set - record an outcome in memory */
static void
qmgr_rcpt_set(struct qmgr_rcpt *r, enum qmgr_outcome o, const char *dsn,
    const char *reason, const char *diag, const char *relay)
{
	r->outcome = o;
	snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
	free(r->reason);
	free(r->diag);
	free(r->relay);
	r->reason = xstrdup(reason ? reason : "");
	r->diag = xstrdup(diag ? diag : "");
	r->relay = xstrdup(relay ? relay : "none");
}

/* qmgr_decide - an outcome decided by the queue manager: record, log */
static void
qmgr_decide(struct qmgr_msg *m, size_t i, enum qmgr_outcome o, const char *dsn,
    const char *reason)
{
	qmgr_rcpt_set(&m->r[i], o, dsn, reason, NULL, NULL);
	qmgr_log_status(
	    m, i, o == QMGR_BOUNCED ? "bounced" : "deferred", dsn, reason);
}

/* qmgr_rcpts_free - the in-memory outcomes */
static void
qmgr_rcpts_free(struct qmgr_msg *m)
{
	for (size_t i = 0; i < m->nr; i++) {
		free(m->r[i].reason);
		free(m->r[i].diag);
		free(m->r[i].relay);
	}
	free(m->r);
	m->r = NULL;
	m->nr = 0;
}

/* qmgr_rcpts_init - one empty outcome per recipient of the file */
static void
qmgr_rcpts_init(struct qmgr_msg *m)
{
	qmgr_rcpts_free(m);
	m->nr = queue_file_env(m->qf)->nrcpt;
	m->r = xcalloc(m->nr, sizeof(*m->r));
}

/* qmgr_hops - Received: headers of the message; -1 on a read error */
static long
qmgr_hops(struct queue_file *qf)
{
	char *hdr = xmalloc(QMGR_HEADER_READ + 1);
	ssize_t n = queue_file_read_body(qf, 0, hdr, QMGR_HEADER_READ);
	long hops = 0;
	bool bol = true;

	if (n < 0) {
		free(hdr);
		return -1;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (bol) {
			if (hdr[i] == '\r' || hdr[i] == '\n')
				break; /* the empty line: end of the header */
			if (n - i >= 9
			    && strncasecmp(hdr + i, "Received:", 9) == 0)
				hops++;
		}
		bol = hdr[i] == '\n';
	}
	free(hdr);
	return hops;
}

/* qmgr_status_dsn - the "5.1.1" of a reply text "550 5.1.1 text" */
static void
qmgr_status_dsn(const char *reply, char dsn[16], const char **text_out)
{
	const char *p = strchr(reply, ' ');
	size_t n;

	snprintf(dsn, 16, "%s", reply[0] == '4' ? "4.3.0" : "5.0.0");
	*text_out = reply;
	if (p == NULL)
		return;
	n = strcspn(p + 1, " ");
	if (n > 0 && n < 16) {
		memcpy(dsn, p + 1, n);
		dsn[n] = 0;
		*text_out = p + 1 + n + (p[1 + n] == ' ');
	}
}

/* qmgr_env_copy - a deep copy of the envelope, without recipients */
static void
qmgr_env_copy(const struct queue_env *e, struct queue_env *out)
{
	memset(out, 0, sizeof(*out));
	out->arrival_us = e->arrival_us;
	out->sender = xstrdup(e->sender);
	out->envid = xstrdup(e->envid);
	out->ret = e->ret;
	out->body = e->body;
	out->smtputf8 = e->smtputf8;
	out->service = xstrdup(e->service);
	out->protocol = xstrdup(e->protocol);
	out->client_addr = xstrdup(e->client_addr);
	out->client_port = e->client_port;
	out->client_name = xstrdup(e->client_name);
	out->client_helo = xstrdup(e->client_helo);
	out->auth_user = xstrdup(e->auth_user);
	out->tls_version = xstrdup(e->tls_version);
	out->tls_cipher = xstrdup(e->tls_cipher);
	out->warned = e->warned;
}

/* qmgr_rewrite - the expanded envelope ne as the new version of m's file
 * (body copied); m->qf is reopened on it. 0, or -1 with why. */
static int
qmgr_rewrite(struct qmgr_msg *m, struct queue_env *ne, struct buf *why)
{
	const struct queue_env *e = queue_file_env(m->qf);
	struct queue_writer *qw;
	char *chunk = NULL;
	off_t off = 0;
	struct queue_file *nqf;
	char path[64];
	int ret = -1;

	qw = queue_writer_rewrite(var_queue_dir, m->id, e->arrival_us, why);
	if (qw == NULL)
		return -1;
	if (queue_writer_envelope(qw, ne, why) < 0)
		goto out;
	chunk = xmalloc(65536);
	while (off < e->body_size) {
		ssize_t n = queue_file_read_body(m->qf, off, chunk, 65536);

		if (n <= 0) {
			buf_printf(why, "read %s: %s", m->id,
			    n < 0 ? strerror(errno) : "short file");
			goto out;
		}
		queue_writer_body(qw, chunk, (size_t)n);
		off += n;
	}
	/* XXX `gannet queue delete` between our open and this rename would
	 * see its deletion undone; the window is one message's copy. */
	if (queue_writer_commit(qw, "active", why) < 0)
		goto out;
	snprintf(path, sizeof(path), "active/%s", m->id);
	if ((nqf = queue_file_open(path, true, why)) == NULL)
		goto out;
	queue_file_close(&m->qf);
	m->qf = nqf;
	ret = 0;
out:
	free(chunk);
	queue_writer_free(&qw);
	return ret;
}

struct qmgr_failure {
	size_t index;
	enum accounts_status status;
};

/* qmgr_add_once - append a recipient unless its address is in seen;
 * true when added */
static bool
qmgr_add_once(struct queue_env *ne, struct htable *seen, const char *addr,
    const struct queue_rcpt *from, const char *orig)
{
	struct buf *key = buf_new(64);
	bool added = false;

	buf_cats(key, addr);
	str_lower(buf_data(key));
	if (!htable_has(seen, buf_cstr(key))) {
		htable_set(seen, buf_cstr(key), NULL);
		queue_env_add_rcpt(ne, addr, orig, from ? from->orcpt : NULL,
		    from ? from->notify : SMTP_NOTIFY_NEVER);
		added = true;
	}
	buf_free(&key);
	return added;
}

/* qmgr_archive - the archive mailbox of account (archive.h) as one more
 * recipient; -1 when a map could not be read */
static int
qmgr_archive(struct queue_env *ne, struct htable *seen, const char *account,
    bool *changed, struct buf *why)
{
	struct buf *arch = buf_new(64);
	int found = archive_for(qmgr.acc, account, arch, why);

	/* NOTIFY=NEVER: the sender asked about the recipients, not about
	 * our copies */
	if (found > 0 && qmgr_add_once(ne, seen, buf_cstr(arch), NULL, account))
		*changed = true;
	buf_free(&arch);
	return found < 0 ? -1 : 0;
}

/* qmgr_expand - aliases, lists, forwarding, catch-all (once). 0 done,
 * -1 try later (why) */
static int
qmgr_expand(struct qmgr_msg *m, struct buf *why)
{
	const struct queue_env *e = queue_file_env(m->qf);
	struct queue_env ne;
	struct accounts_targets t;
	struct htable *seen;
	struct qmgr_failure *fail = NULL;
	size_t nfail = 0;
	bool changed = false;
	int ret = -1;

	if (e->expanded)
		return 0;
	qmgr_env_copy(e, &ne);
	accounts_targets_init(&t);
	seen = htable_new(16);
	fail = xcalloc(e->nrcpt, sizeof(*fail));
	for (size_t i = 0; i < e->nrcpt; i++) {
		const struct queue_rcpt *r = &e->rcpt[i];
		enum accounts_status st;
		struct queue_rcpt *nr;

		if (r->state != QUEUE_RCPT_PENDING) {
			nr = queue_env_add_rcpt(
			    &ne, r->addr, r->orig, r->orcpt, r->notify);
			nr->state = r->state;
			continue;
		}
		st = accounts_resolve(qmgr.acc, r->addr, &t, why);
		if (st == ACCOUNTS_TEMPFAIL)
			goto out;
		if (st != ACCOUNTS_OK && st != ACCOUNTS_NOT_HOSTED) {
			/* The address itself fails: bounce it as it is. */
			nr = queue_env_add_rcpt(
			    &ne, r->addr, r->orig, r->orcpt, r->notify);
			fail = xreallocarray(fail, ne.nrcpt, sizeof(*fail));
			fail[nfail++] = (struct qmgr_failure){ne.nrcpt - 1, st};
			continue;
		}
		if (t.n != 1 || strcmp(t.v[0].address, r->addr) != 0)
			changed = true;
		for (size_t k = 0; k < t.n; k++) {
			if (!qmgr_add_once(
			        &ne, seen, t.v[k].address, r, r->orig)) {
				/* Two recipients reach one mailbox: once. */
				changed = true;
				continue;
			}
			if (t.v[k].kind == ACCOUNTS_TARGET_FAILED) {
				fail = xreallocarray(
				    fail, ne.nrcpt, sizeof(*fail));
				fail[nfail++] = (struct qmgr_failure){
				    ne.nrcpt - 1, t.v[k].status};
			}
			if (t.v[k].kind == ACCOUNTS_TARGET_MAILBOX
			    && qmgr_archive(
			           &ne, seen, t.v[k].address, &changed, why)
			        < 0)
				goto out;
		}
	}
	/* Mail sent by an account is archived too. */
	if (*e->sender && qmgr_archive(&ne, seen, e->sender, &changed, why) < 0)
		goto out;
	if (changed) {
		ne.expanded = true;
		if (qmgr_rewrite(m, &ne, why) < 0)
			goto out;
		qmgr_rcpts_init(m);
		log_info("%s: recipients expanded: nrcpt=%zu", m->id,
		    queue_file_env(m->qf)->nrcpt);
	}
	/* Without a change the file stays as it is: expanding it again
	 * after a requeue gives the same recipients. */
	ASSERT(queue_file_env(m->qf)->nrcpt == ne.nrcpt);
	for (size_t k = 0; k < nfail; k++) {
		char dsn[16];
		const char *text;

		qmgr_status_dsn(
		    accounts_status_reply(fail[k].status), dsn, &text);
		qmgr_decide(m, fail[k].index,
		    dsn[0] == '4' ? QMGR_DEFERRED : QMGR_BOUNCED, dsn, text);
	}
	ret = 0;
out:
	free(fail);
	htable_free(&seen, NULL);
	accounts_targets_free(&t);
	queue_env_clear(&ne);
	return ret;
}

/* qmgr_msg_free - out of the active set */
static void
qmgr_msg_free(struct qmgr_msg *m)
{
	if (m->prev)
		m->prev->next = m->next;
	else
		qmgr.msgs = m->next;
	if (m->next)
		m->next->prev = m->prev;
	qmgr.nmsgs--;
	queue_file_close(&m->qf);
	qmgr_rcpts_free(m);
	free(m);
	qmgr_scan_soon(); /* room for another */
}

/* qmgr_message_start - take id from the directory from into the active
 * set */
void
qmgr_message_start(const char *id, const char *from)
{
	struct buf *why = buf_new(128);
	struct qmgr_msg *m;
	const struct queue_env *e;
	char path[64];
	long hops;

	if (strcmp(from, "active") != 0) {
		char src[64];

		snprintf(src, sizeof(src), "%s/%s", from, id);
		snprintf(path, sizeof(path), "active/%s", id);
		if (rename(src, path) < 0) {
			if (errno != ENOENT)
				log_warn("%s: move %s to active: %m", id, from);
			buf_free(&why);
			return;
		}
	}
	snprintf(path, sizeof(path), "active/%s", id);
	m = xcalloc(1, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	if ((m->qf = queue_file_open(path, true, why)) == NULL) {
		int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
		int err = errno;

		/* A file that cannot be opened for lack of resources waits
		 * in incoming/; a vanished one is gone; any other (one that
		 * does not validate, or that we may not read) is corrupt. */
		if (fd >= 0)
			close(fd);
		if (fd < 0
		    && (err == EMFILE || err == ENFILE || err == ENOMEM
		        || err == EIO)) {
			log_warn("%s: %s: will try again", id, buf_cstr(why));
			qmgr_move(id, "active", "incoming");
		} else if (fd >= 0 || err != ENOENT) {
			log_warn(
			    "%s: corrupt queue file, moved to corrupt/: %s", id,
			    buf_cstr(why));
			qmgr_move(id, "active", "corrupt");
		}
		free(m);
		buf_free(&why);
		return;
	}
	m->active_us = clock_wall_us();
	m->next = qmgr.msgs;
	if (qmgr.msgs)
		qmgr.msgs->prev = m;
	qmgr.msgs = m;
	qmgr.nmsgs++;
	qmgr_rcpts_init(m);
	e = queue_file_env(m->qf);
	log_info("%s: from=<%s>, size=%lld, nrcpt=%zu (queue active)", id,
	    e->sender, (long long)e->body_size, e->nrcpt);

	if ((hops = qmgr_hops(m->qf)) > var_hopcount_limit) {
		buf_reset(why);
		buf_printf(why,
		    "message has %ld Received: headers, more than "
		    "hopcount_limit %ld: mail forwarding loop",
		    hops, var_hopcount_limit);
		for (size_t i = 0; i < m->nr; i++)
			if (e->rcpt[i].state == QUEUE_RCPT_PENDING)
				qmgr_decide(
				    m, i, QMGR_BOUNCED, "5.4.6", buf_cstr(why));
	} else if (qmgr_expand(m, why) < 0) {
		log_warn(
		    "%s: recipient expansion failed: %s", id, buf_cstr(why));
		e = queue_file_env(m->qf);
		for (size_t i = 0; i < m->nr; i++)
			if (e->rcpt[i].state == QUEUE_RCPT_PENDING)
				qmgr_rcpt_set(&m->r[i], QMGR_DEFERRED, "4.3.0",
				    "temporary lookup failure", NULL, NULL);
		qmgr_message_finish(m);
		buf_free(&why);
		return;
	}
	buf_free(&why);
	if (qmgr_suspended()) {
		m->parked = true;
		if (!qmgr.was_suspended)
			log_info("deliveries suspended ($queue_directory/"
			         "suspended exists): mail waits");
		qmgr.was_suspended = true;
		return;
	}
	qmgr_message_dispatch(m);
}

/* qmgr_resume - dispatch parked messages when deliveries may go on */
void
qmgr_resume(void)
{
	struct qmgr_msg *m, *next;

	if (!qmgr.was_suspended || qmgr_suspended())
		return;
	qmgr.was_suspended = false;
	log_info("deliveries resumed");
	for (m = qmgr.msgs; m; m = next) {
		next = m->next;
		if (m->parked)
			qmgr_message_dispatch(m);
	}
}

struct qmgr_group {
	char *agent, *nexthop;
	size_t *idx;
	size_t n;
};

/* qmgr_route - agent and next hop of recipient i, or an outcome decided
 * here (false) */
static bool
qmgr_route(struct qmgr_msg *m, size_t i, struct buf *agent, struct buf *nexthop,
    struct buf *why)
{
	const char *addr = queue_file_env(m->qf)->rcpt[i].addr;
	const char *at = strrchr(addr, '@');
	const char *domain = at ? at + 1 : "";
	struct accounts_domain d;
	struct route rt;
	int hosted;

	buf_reset(why);
	hosted = *domain ? accounts_domain(qmgr.acc, domain, &d, why) : 0;
	if (hosted < 0
	    || route_resolve(qmgr.router, addr, hosted == 1, &rt, why) < 0) {
		qmgr_decide(m, i, QMGR_DEFERRED, "4.3.0", buf_cstr(why));
		return false;
	}
	switch (rt.kind) {
	case ROUTE_LOCAL:
		m->r[i].is_local = true;
		buf_sets(agent, var_local_transport);
		buf_sets(nexthop, domain);
		return true;
	case ROUTE_SMTP:
		buf_sets(agent, var_default_transport);
		buf_sets(nexthop, rt.nexthop);
		return true;
	case ROUTE_ERROR:
		qmgr_decide(m, i,
		    rt.dsn[0] == '4' ? QMGR_DEFERRED : QMGR_BOUNCED, rt.dsn,
		    rt.text);
		return false;
	}
	return false;
}

/* qmgr_message_dispatch - route the pending recipients and hand them to
 * the agents */
void
qmgr_message_dispatch(struct qmgr_msg *m)
{
	const struct queue_env *e = queue_file_env(m->qf);
	struct buf *agent = buf_new(32), *nexthop = buf_new(64);
	struct buf *why = buf_new(64), *key = buf_new(64);
	struct htable *groups = htable_new(8);
	struct htable_iter it;
	struct qmgr_group *g;
	const char *k;
	void *v;

	m->parked = false;
	m->jobs++; /* held while we queue, so that nothing finishes m */
	for (size_t i = 0; i < m->nr; i++) {
		if (e->rcpt[i].state != QUEUE_RCPT_PENDING
		    || m->r[i].outcome != QMGR_NONE)
			continue;
		if (!qmgr_route(m, i, agent, nexthop, why))
			continue;
		buf_reset(key);
		buf_printf(key, "%s\t%s", buf_cstr(agent), buf_cstr(nexthop));
		if ((g = htable_get(groups, buf_cstr(key))) == NULL) {
			g = xcalloc(1, sizeof(*g));
			g->agent = xstrdup(buf_cstr(agent));
			g->nexthop = xstrdup(buf_cstr(nexthop));
			g->idx = xcalloc(m->nr, sizeof(*g->idx));
			htable_set(groups, buf_cstr(key), g);
		}
		g->idx[g->n++] = i;
	}
	htable_iter_init(&it, groups);
	while (htable_iter_next(&it, &k, &v)) {
		g = v;
		for (size_t off = 0; off < g->n; off += DELIVER_RCPT_MAX)
			qmgr_agent_queue(m, g->agent, g->nexthop, g->idx + off,
			    MIN(g->n - off, (size_t)DELIVER_RCPT_MAX));
		free(g->agent);
		free(g->nexthop);
		free(g->idx);
		free(g);
	}
	htable_free(&groups, NULL);
	buf_free(&agent);
	buf_free(&nexthop);
	buf_free(&why);
	buf_free(&key);
	qmgr_message_job_done(m);
}

/* qmgr_message_result - an agent's answer for recipient i */
void
qmgr_message_result(struct qmgr_msg *m, size_t i, enum deliver_status st,
    const char *dsn, const char *reason, const char *diag, const char *relay,
    const char *success_dsn)
{
	struct buf *why;
	static const enum qmgr_outcome map[] = {
	    [DELIVER_SENT] = QMGR_SENT,
	    [DELIVER_DEFERRED] = QMGR_DEFERRED,
	    [DELIVER_BOUNCED] = QMGR_BOUNCED,
	};

	if (i >= m->nr)
		return;
	qmgr_rcpt_set(&m->r[i], map[st], dsn, reason, diag, relay);
	snprintf(m->r[i].success_dsn, sizeof(m->r[i].success_dsn), "%s",
	    success_dsn && strcmp(success_dsn, "none") != 0 ? success_dsn : "");
	if (st != DELIVER_SENT)
		return;
	/* Recorded at once: a recipient delivered is never delivered again,
	 * whatever happens to this process next. */
	why = buf_new(64);
	if (queue_file_set_state(m->qf, i, QUEUE_RCPT_DELIVERED, why) < 0)
		log_warn("%s: %s", m->id, buf_cstr(why));
	buf_free(&why);
	qmgr_autoreply(m, i);
}

/* qmgr_autoreply - after a local delivery: the account's auto-reply
 * (autoreply.h decides, remembers, and queues the reply) */
void
qmgr_autoreply(struct qmgr_msg *m, size_t i)
{
	const struct queue_env *e = queue_file_env(m->qf);
	struct accounts_user u;
	struct buf *why, *qid;

	if (!m->r[i].is_local || *e->sender == 0)
		return;
	why = buf_new(64);
	qid = buf_new(32);
	memset(&u, 0, sizeof(u));
	if (accounts_user(qmgr.acc, e->rcpt[i].addr, &u, why) == 1) {
		if (u.autoreply) {
			buf_reset(why);
			switch (
			    autoreply_handle(&u, m->qf, e->sender, qid, why)) {
			case 1:
				log_info("%s: auto-reply from <%s> to <%s>: %s",
				    m->id, u.address, e->sender, buf_cstr(qid));
				break;
			case 0:
				log_info("%s: no auto-reply from <%s> to <%s>: "
				         "%s",
				    m->id, u.address, e->sender, buf_cstr(why));
				break;
			default:
				log_warn("%s: auto-reply from <%s>: %s", m->id,
				    u.address, buf_cstr(why));
				break;
			}
		}
		accounts_user_free(&u);
	}
	buf_free(&why);
	buf_free(&qid);
}

/* qmgr_message_job_done - one request answered (or failed) */
void
qmgr_message_job_done(struct qmgr_msg *m)
{
	ASSERT(m->jobs > 0);
	if (--m->jobs == 0)
		qmgr_message_finish(m);
}

/* qmgr_notify_wants - the recipient's NOTIFY asks for this kind of DSN
 * (RFC 3461 s4.1; no NOTIFY means FAILURE, and DELAY at our choice) */
static bool
qmgr_notify_wants(const struct queue_rcpt *r, int bit)
{
	if (r->notify & SMTP_NOTIFY_NEVER)
		return false;
	if (r->notify == 0)
		return bit != SMTP_NOTIFY_SUCCESS;
	return (r->notify & bit) != 0;
}

/* qmgr_write_defer - defer/<ID>: the pending recipients and why */
static void
qmgr_write_defer(struct qmgr_msg *m)
{
	const struct queue_env *e = queue_file_env(m->qf);
	struct buf *data = buf_new(256), *why = buf_new(64);
	char path[64];

	for (size_t i = 0; i < m->nr; i++) {
		const struct qmgr_rcpt *r = &m->r[i];

		if (e->rcpt[i].state != QUEUE_RCPT_PENDING)
			continue;
		buf_printf(data, "%zu\t%s\t", i, *r->dsn ? r->dsn : "4.0.0");
		for (const char *p = r->reason ? r->reason : ""; *p; p++)
			buf_catc(data, (*p == '\n' || *p == '\t') ? ' ' : *p);
		buf_catc(data, '\n');
	}
	snprintf(path, sizeof(path), "defer/%s", m->id);
	if (file_write_atomic(path, buf_cstr(data), buf_len(data), 0600, why)
	    < 0)
		log_warn("%s: %s", m->id, buf_cstr(why));
	buf_free(&data);
	buf_free(&why);
}

/* qmgr_final - mark the recipients idx[0..n) final in the file */
static void
qmgr_final(struct qmgr_msg *m, const size_t *idx, size_t n, char state)
{
	struct buf *why = buf_new(64);

	for (size_t k = 0; k < n; k++) {
		buf_reset(why);
		if (queue_file_set_state(m->qf, idx[k], state, why) < 0)
			log_warn("%s: %s", m->id, buf_cstr(why));
	}
	buf_free(&why);
}

/* qmgr_to_permanent - "4.x.y" as "5.x.y" for a recipient that expired */
static void
qmgr_to_permanent(char dsn[16])
{
	if (dsn[0] == '4' || dsn[0] == 0) {
		if (dsn[0] == 0)
			snprintf(dsn, 16, "%s", "5.4.7");
		dsn[0] = '5';
	}
}

/* qmgr_message_finish - every request of this run is answered */
static void
qmgr_message_finish(struct qmgr_msg *m)
{
	const struct queue_env *e = queue_file_env(m->qf);
	size_t *bounce = xcalloc(m->nr + 1, sizeof(size_t));
	size_t *notify = xcalloc(m->nr + 1, sizeof(size_t));
	size_t *expire = xcalloc(m->nr + 1, sizeof(size_t));
	size_t nb = 0, nn = 0, nx = 0, pending = 0;
	int64_t now_us = clock_wall_us();
	long age = (long)((now_us - e->arrival_us) / 1000000);
	long lifetime =
	    *e->sender ? var_max_queue_lifetime : var_bounce_lifetime;
	struct buf *why = buf_new(128);
	char path[64];

	/* Who bounces now, who expired, who is still pending */
	for (size_t i = 0; i < m->nr; i++) {
		struct qmgr_rcpt *r = &m->r[i];

		if (e->rcpt[i].state != QUEUE_RCPT_PENDING)
			continue;
		if (r->outcome == QMGR_BOUNCED) {
			bounce[nb++] = i;
		} else if (r->outcome != QMGR_SENT && age >= lifetime) {
			struct buf *reason = buf_new(128);

			if (r->outcome == QMGR_NONE || !*r->dsn)
				qmgr_rcpt_set(r, QMGR_DEFERRED, "4.4.7",
				    "delivery not attempted", NULL, NULL);
			buf_printf(reason, "message expired after %lds: %s",
			    age, r->reason);
			qmgr_to_permanent(r->dsn);
			free(r->reason);
			r->reason = buf_steal(reason);
			buf_free(&reason);
			r->outcome = QMGR_BOUNCED;
			expire[nx++] = i;
		}
	}
	if (nx > 0)
		log_info("%s: from=<%s>, status=expired, returned to sender",
		    m->id, e->sender);
	for (size_t k = 0; k < nb; k++)
		if (qmgr_notify_wants(&e->rcpt[bounce[k]], SMTP_NOTIFY_FAILURE))
			notify[nn++] = bounce[k];
	for (size_t k = 0; k < nx; k++)
		if (qmgr_notify_wants(&e->rcpt[expire[k]], SMTP_NOTIFY_FAILURE))
			notify[nn++] = expire[k];
	if (nn > 0 && qmgr_bounce(m, QMGR_DSN_FAILURE, notify, nn, why) < 0) {
		/* No bounce, no final state: try again later. */
		log_warn("%s: cannot write the bounce, will retry: %s", m->id,
		    buf_cstr(why));
		nb = nx = 0;
		for (size_t k = 0; k < nn; k++)
			m->r[notify[k]].outcome = QMGR_DEFERRED;
	}
	qmgr_final(m, bounce, nb, QUEUE_RCPT_FAILED);
	qmgr_final(m, expire, nx, QUEUE_RCPT_EXPIRED);

	/* Success reports (NOTIFY=SUCCESS) */
	nn = 0;
	for (size_t i = 0; i < m->nr; i++)
		if (m->r[i].outcome == QMGR_SENT && *m->r[i].success_dsn
		    && (e->rcpt[i].notify & SMTP_NOTIFY_SUCCESS))
			notify[nn++] = i;
	buf_reset(why);
	if (nn > 0 && qmgr_bounce(m, QMGR_DSN_SUCCESS, notify, nn, why) < 0)
		log_warn("%s: cannot write the success report: %s", m->id,
		    buf_cstr(why));

	pending = queue_file_pending(m->qf);
	snprintf(path, sizeof(path), "active/%s", m->id);
	if (pending == 0) {
		queue_file_close(&m->qf);
		if (unlink(path) < 0 && errno != ENOENT)
			log_warn("%s: remove %s: %m", m->id, path);
		snprintf(path, sizeof(path), "defer/%s", m->id);
		(void)unlink(path);
		log_info("%s: removed", m->id);
	} else {
		long backoff = MAX(var_min_backoff, MIN(age, var_max_backoff));
		struct timeval tv[2];

		/* A delay warning, once */
		nn = 0;
		if (var_delay_warning_time > 0 && !e->warned
		    && age >= var_delay_warning_time) {
			for (size_t i = 0; i < m->nr; i++)
				if (e->rcpt[i].state == QUEUE_RCPT_PENDING
				    && qmgr_notify_wants(
				        &e->rcpt[i], SMTP_NOTIFY_DELAY))
					notify[nn++] = i;
			buf_reset(why);
			if (nn > 0
			    && qmgr_bounce(m, QMGR_DSN_DELAY, notify, nn, why)
			        < 0)
				log_warn("%s: cannot write the delay warning: "
				         "%s",
				    m->id, buf_cstr(why));
			else if (queue_file_set_warned(m->qf, why) < 0)
				log_warn("%s: %s", m->id, buf_cstr(why));
		}
		qmgr_write_defer(m);
		if (backoff > lifetime - age && lifetime > age)
			backoff = lifetime - age; /* expire on time */
		gettimeofday(&tv[0], NULL);
		tv[1] = tv[0];
		tv[1].tv_sec += backoff;
		tv[1].tv_usec = 0;
		if (utimes(path, tv) < 0 && errno != ENOENT)
			log_warn("%s: set retry time: %m", m->id);
		queue_file_close(&m->qf);
		qmgr_move(m->id, "active", "deferred");
	}
	free(bounce);
	free(notify);
	free(expire);
	buf_free(&why);
	qmgr_msg_free(m);
}

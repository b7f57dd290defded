/*
 * smtp_deliver.c - one delivery request: the servers of the next hop in
 * order (MX preference, addresses), then the fallback relays, until every
 * recipient has a definite answer or no server is left; then the results
 * and Postfix-shaped log lines:
 *
 *   QUEUEID: to=<rcpt>, relay=host[addr]:port, delay=1.2,
 *       delays=0.01/0.02/0.5/0.7, dsn=2.0.0, status=sent (250 2.0.0 Ok)
 *
 * delays=a/b/c/d: a, from arrival to the last entry into the active queue;
 * b, from there until this agent took the request; c, connection set-up
 * (DNS, connect, greeting, EHLO, TLS, AUTH); d, the transfer.
 *
 * Which failures move on to the next server: a connection that fails, a
 * 4xx or 5xx greeting, a failed EHLO, TLS or AUTH step, a 4xx reply to
 * MAIL FROM, a server that lacks an extension the message needs. A reply
 * to RCPT TO is that recipient's answer; a reply after DATA is the answer
 * of every recipient accepted in that transaction (trying elsewhere could
 * deliver twice).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/deliver_agent.h"
#include "mail/deliver_proto.h"
#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_smtp.h"
#include "mail/queue_file.h"
#include "mail/smtp_client.h"
#include "mail/smtp_nexthop.h"
#include "mail/tls.h"
#include "mail/tls_policy.h"

#include "smtp.h"

/* One delivery request in progress. */
struct smtp_attempt {
	const struct deliver_request *req;
	struct deliver_reply *reply;
	bool *done;
	struct smtp_content *content;
	struct smtp_fail fail; /* the last failure, for the recipients left */
	int64_t start_ms;      /* the request came */
	int64_t setup_ms;      /* c: connection set-up */
	int64_t xfer_ms;       /* d: transfer */
	int sessions;          /* servers that greeted us */
	int conn_use;          /* messages over the session that delivered */
};

/* smtp_left - recipients without a definite answer */
static size_t
smtp_left(const struct smtp_attempt *a)
{
	size_t n = 0;

	for (size_t i = 0; i < a->req->nrcpt; i++)
		if (!a->done[i])
			n++;
	return n;
}

/* smtp_cache_close - QUIT the cached session */
void
smtp_cache_close(void)
{
	smtp_session_close(&smtp_agent.cached, true);
}

/* smtp_cache_keep - keep ss for the next request, or close it */
static void
smtp_cache_keep(struct smtp_session **ssp)
{
	struct smtp_session *ss = *ssp;

	if (ss->broken || var_smtp_conn_cache_time == 0
	    || ss->messages >= var_smtp_conn_reuse_limit
	    || smtp_session_rset(ss) < 0) {
		smtp_session_close(ssp, true);
		return;
	}
	smtp_cache_close();
	smtp_agent.cached = ss;
	*ssp = NULL;
}

/* smtp_policy_for - the TLS policy of a next hop: smtp_tls_policy_maps
 * by the next hop as written, then ".parent" domains; else the default */
static int
smtp_policy_for(const struct smtp_nexthop *nh, struct tls_policy *pol,
    struct smtp_fail *fail)
{
	struct buf *v = buf_new(64), *why = buf_new(64), *key = buf_new(64);
	int found = 0;

	tls_policy_free(pol);
	pol->level = smtp_agent.default_policy.level;
	for (size_t i = 0; i < smtp_agent.default_policy.match.n; i++)
		strv_push(&pol->match, smtp_agent.default_policy.match.v[i]);
	if (smtp_agent.tls_policy) {
		found = maplist_get(smtp_agent.tls_policy, nh->spec, v, why);
		for (const char *p = nh->host;
		     found == 0 && nh->use_mx && (p = strchr(p, '.')) != NULL;
		     p++) {
			buf_sets(key, p);
			found = maplist_get(
			    smtp_agent.tls_policy, buf_cstr(key), v, why);
		}
	}
	if (found < 0) {
		smtp_fail_set(fail, "4.3.0", false, NULL, NULL,
		    "TLS policy lookup for %s: %s", nh->spec, buf_cstr(why));
	} else if (found > 0 && tls_policy_parse(buf_cstr(v), pol, why) < 0) {
		log_warn(
		    "smtp_tls_policy_maps: %s: %s", nh->spec, buf_cstr(why));
		smtp_fail_set(fail, "4.3.5", false, NULL, NULL,
		    "mail system configuration error (smtp_tls_policy_maps)");
		found = -1;
	}
	buf_free(&v);
	buf_free(&why);
	buf_free(&key);
	return found < 0 ? -1 : 0;
}

/* smtp_creds_for - SASL credentials: by the next hop as written, the
 * server's name, the next-hop domain. 1 found (user and pass set), 0 none,
 * -1 the map cannot be read (fail set). When the map cannot be read, or
 * was rebuilt since it was opened as root, the process exits after this
 * request, so that the master starts one that opens it afresh. */
static int
smtp_creds_for(const struct smtp_nexthop *nh, const char *server,
    struct buf *user, struct buf *pass, struct smtp_fail *fail)
{
	const char *keys[] = {nh->spec, server, nh->host};
	struct buf *v, *why;
	const char *colon;
	int found = 0;

	if (smtp_agent.sasl == NULL)
		return 0;
	v = buf_new(64);
	why = buf_new(64);
	for (size_t i = 0; i < NELEM(keys) && found == 0; i++)
		found = maplist_get(smtp_agent.sasl, keys[i], v, why);
	/* Rebuilt, but this process can no longer read it (it was opened as
	 * root): finish with what it read before, then make way for a new
	 * process, which will. */
	if (maplist_stale(smtp_agent.sasl))
		smtp_agent.must_exit = true;
	if (found < 0) {
		log_warn("smtp_sasl_password_maps: %s", buf_cstr(why));
		smtp_fail_set(fail, "4.3.0", false, NULL, NULL,
		    "cannot read the SASL password map");
		smtp_agent.must_exit = true;
	} else if (found > 0) {
		colon = strchr(buf_cstr(v), ':');
		if (colon == NULL || colon == buf_cstr(v)) {
			log_warn("smtp_sasl_password_maps: value for %s is "
			         "not user:password",
			    nh->spec);
			smtp_fail_set(fail, "4.3.5", false, NULL, NULL,
			    "mail system configuration error "
			    "(smtp_sasl_password_maps)");
			found = -1;
		} else {
			buf_set(
			    user, buf_cstr(v), (size_t)(colon - buf_cstr(v)));
			buf_sets(pass, colon + 1);
		}
	}
	buf_free_secret(&v);
	buf_free(&why);
	return found;
}

/* smtp_send_over - one message over an open session; true when the
 * session remains usable */
static bool
smtp_send_over(struct smtp_attempt *a, struct smtp_session *ss)
{
	int64_t t0 = clock_ms();
	int r = smtp_session_send(
	    ss, a->req, a->content, a->reply->res, a->done, &a->fail);

	a->xfer_ms += clock_ms() - t0;
	a->conn_use = ss->messages;
	if (smtp_left(a) > 0 && !a->fail.is_set)
		smtp_fail_set(&a->fail, "4.3.0", false, NULL, ss->relay,
		    "delivery to %s did not finish", ss->relay);
	return r == 0;
}

/* smtp_open_session - connect and set up; NULL with a->fail set */
static struct smtp_session *
smtp_open_session(struct smtp_attempt *a, const struct smtp_target *t,
    const struct smtp_nexthop *nh, const struct tls_policy *pol)
{
	struct buf *user = buf_new(32), *pass = buf_new(32);
	struct smtp_session *ss = NULL;
	struct tls_policy plain;
	int64_t t0 = clock_ms();
	int creds, r;

	tls_policy_init(&plain);
	plain.level = TLS_LEV_NONE;
	creds = smtp_creds_for(nh, t->host, user, pass, &a->fail);
	if (creds < 0)
		goto out;
	for (int round = 0; round < 2; round++) {
		if ((ss = smtp_session_connect(t, &a->fail)) == NULL)
			goto out;
		a->sessions++;
		r = smtp_session_setup(ss, nh->host, round ? &plain : pol,
		    smtp_agent.tls, creds ? buf_cstr(user) : NULL,
		    creds ? buf_cstr(pass) : NULL, &a->fail);
		if (r == 0) {
			snprintf(ss->cache_key, sizeof(ss->cache_key), "%s",
			    nh->spec);
			break;
		}
		smtp_session_close(&ss, true);
		if (r != SMTP_RETRY_PLAIN)
			break;
		a->sessions--; /* the plaintext retry is the same server */
	}
out:
	a->setup_ms += clock_ms() - t0;
	tls_policy_free(&plain);
	buf_free_secret(&user);
	buf_free_secret(&pass);
	return ss;
}

/* smtp_try_nexthop - the servers of one next hop, in order; true when
 * every recipient has its answer or a failure that another next hop
 * cannot change. *found_self reports a backup MX. */
static bool
smtp_try_nexthop(
    struct smtp_attempt *a, const struct smtp_nexthop *nh, bool *found_self)
{
	struct smtp_targets targets;
	struct tls_policy pol;
	int64_t t0 = clock_ms();
	bool finished = false;

	smtp_targets_init(&targets);
	tls_policy_init(&pol);
	if (smtp_policy_for(nh, &pol, &a->fail) < 0)
		goto out;
	if (smtp_targets_resolve(smtp_agent.dns, nh, &targets, &a->fail) < 0) {
		a->setup_ms += clock_ms() - t0;
		goto out;
	}
	a->setup_ms += clock_ms() - t0;
	*found_self = *found_self || targets.found_self;
	for (size_t i = 0; i < targets.n && smtp_left(a) > 0; i++) {
		struct smtp_session *ss;

		if (var_smtp_mx_session_limit > 0
		    && a->sessions >= var_smtp_mx_session_limit)
			break;
		ss = smtp_open_session(a, &targets.v[i], nh, &pol);
		if (ss == NULL) {
			if (!a->fail.try_next)
				break;
			/* Postfix logs each server it gives up on. */
			log_info("%s: %s", a->req->queue_id,
			    buf_cstr(a->fail.reason));
			continue;
		}
		if (smtp_send_over(a, ss) && smtp_left(a) == 0) {
			smtp_cache_keep(&ss);
			break;
		}
		smtp_session_close(&ss, true);
		if (smtp_left(a) > 0 && !a->fail.try_next)
			break;
		if (smtp_left(a) > 0)
			log_info("%s: %s", a->req->queue_id,
			    buf_cstr(a->fail.reason));
	}
out:
	finished = smtp_left(a) == 0 || (a->fail.is_set && !a->fail.try_next);
	smtp_targets_free(&targets);
	tls_policy_free(&pol);
	return finished;
}

/* smtp_try_cached - the cached session, when it serves this next hop */
static void
smtp_try_cached(struct smtp_attempt *a)
{
	struct smtp_session *ss = smtp_agent.cached;

	if (ss == NULL)
		return;
	smtp_agent.cached = NULL;
	if (strcmp(ss->cache_key, a->req->nexthop) != 0) {
		smtp_session_close(&ss, true);
		return;
	}
	if (smtp_send_over(a, ss) && smtp_left(a) == 0) {
		smtp_cache_keep(&ss);
		return;
	}
	smtp_session_close(&ss, true);
	/* What failed here is tried again on a fresh connection. */
	smtp_fail_clear(&a->fail);
}

/* smtp_is_backup - a recipient domain is one of relay_domains: this host
 * is its backup MX, and its mail waits for the primary rather than go to
 * a fallback relay */
static bool
smtp_is_backup(const struct smtp_attempt *a)
{
	struct buf *why = buf_new(64);
	bool yes = false;

	for (size_t i = 0; i < a->req->nrcpt && !yes; i++) {
		const char *at = strrchr(a->req->rcpt[i].addr, '@');

		/* A lookup error counts as yes: keeping mail is the safe
		 * side. */
		if (at && !a->done[i]
		    && matchlist_match(smtp_agent.relay_domains, at + 1, why)
		        != 0)
			yes = true;
	}
	buf_free(&why);
	return yes;
}

/* smtp_log_results - one line per recipient */
static void
smtp_log_results(const struct smtp_attempt *a)
{
	deliver_agent_log(a->req, a->reply, a->start_ms, a->setup_ms,
	    a->xfer_ms, a->conn_use, NULL);
}

/* smtp_deliver - one request */
void
smtp_deliver(const struct deliver_request *req, struct deliver_reply *reply)
{
	struct smtp_attempt a;
	struct smtp_nexthop nh;
	struct queue_file *qf = NULL;
	struct buf *path = buf_new(128), *why = buf_new(128);
	bool found_self = false;

	memset(&a, 0, sizeof(a));
	a.req = req;
	a.reply = reply;
	a.start_ms = clock_ms();
	a.done = xcalloc(req->nrcpt, sizeof(bool));
	smtp_fail_init(&a.fail);

	queue_file_path(var_queue_dir, req->queue_name, req->queue_id, path);
	if ((qf = queue_file_open(buf_cstr(path), false, why)) == NULL) {
		log_warn("%s: %s", req->queue_id, buf_cstr(why));
		smtp_fail_set(&a.fail, "4.3.0", false, NULL, NULL,
		    "cannot read the queue file: %s", buf_cstr(why));
		goto finish;
	}
	a.content = smtp_content_fd(queue_file_fd(qf),
	    (long)queue_file_env(qf)->body_offset,
	    (long)queue_file_env(qf)->body_size);
	buf_reset(why);
	if (smtp_nexthop_parse(req->nexthop, &nh, why) < 0) {
		log_warn("%s: %s", req->queue_id, buf_cstr(why));
		smtp_fail_set(&a.fail, "4.3.5", false, NULL, NULL,
		    "mail system configuration error (%s)", buf_cstr(why));
		goto finish;
	}
	smtp_try_cached(&a);
	if (smtp_left(&a) > 0 && !smtp_try_nexthop(&a, &nh, &found_self)) {
		/* ISMail's fallback smart host, Postfix's smtp_fallback_relay:
		 * not for a backup MX (by the MX list, or a relay_domains
		 * recipient), whose mail waits for the primary. */
		struct strv relays;

		strv_init(&relays);
		strv_split(&relays, var_smtp_fallback_relay, ", \t");
		if (!found_self && relays.n > 0 && smtp_is_backup(&a))
			found_self = true;
		for (size_t i = 0; i < relays.n && !found_self; i++) {
			struct smtp_nexthop fb;

			buf_reset(why);
			if (strcmp(relays.v[i], req->nexthop) == 0)
				continue;
			if (smtp_nexthop_parse(relays.v[i], &fb, why) < 0) {
				log_warn(
				    "smtp_fallback_relay: %s", buf_cstr(why));
				continue;
			}
			a.sessions = 0;
			if (smtp_try_nexthop(&a, &fb, &found_self))
				break;
		}
		strv_free(&relays);
	}
finish:
	for (size_t i = 0; i < req->nrcpt; i++) {
		if (a.done[i])
			continue;
		if (!a.fail.is_set)
			smtp_fail_set(&a.fail, "4.3.0", false, NULL, NULL,
			    "no server to try");
		deliver_result_set(&reply->res[i],
		    a.fail.is_perm ? DELIVER_BOUNCED : DELIVER_DEFERRED,
		    a.fail.dsn, buf_cstr(a.fail.reason), buf_cstr(a.fail.diag),
		    a.fail.relay, NULL);
	}
	smtp_log_results(&a);
	smtp_content_fd_free(&a.content);
	queue_file_close(&qf);
	smtp_fail_free(&a.fail);
	free(a.done);
	buf_free(&path);
	buf_free(&why);
}

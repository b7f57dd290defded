/*
 * smtp.c - the smtp delivery agent: takes delivery requests from the
 * queue manager over its UNIX socket (deliver_proto.h), delivers each
 * message to its next hop over SMTP, and answers with one result per
 * recipient. See smtp(8).
 *
 * One queue manager connection is served at a time, and may carry several
 * requests in turn. After a message, the SMTP session stays open for
 * smtp_connection_cache_time_limit: when the next request is for the same
 * next hop, it goes over the same connection after RSET.
 *
 * What needs root is done before the privileges go (pre_jail): the SASL
 * password map, which should be readable by root only, is opened then;
 * and so are the resolver configuration and the CA files.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/stream.h"

#include "mail/deliver_proto.h"
#include "mail/dns.h"
#include "mail/ipc.h"
#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_smtp.h"
#include "mail/queue_file.h"
#include "mail/service.h"
#include "mail/tls.h"
#include "mail/tls_client.h"
#include "mail/tls_policy.h"

#include "smtp.h"

struct smtp_agent smtp_agent;

/* smtp_pre_jail - as root: resolver, CAs, policy and password maps */
static void
smtp_pre_jail(void)
{
	struct buf *why = buf_new(128), *v = buf_new(64);

	smtp_agent.dns = dns_resolver_default();
	tls_policy_init(&smtp_agent.default_policy);
	if (tls_policy_parse(
	        var_smtp_tls_level, &smtp_agent.default_policy, why)
	    < 0)
		log_fatal("smtp_tls_security_level: %s", buf_cstr(why));
	buf_reset(why);
	smtp_agent.tls =
	    tls_client_ctx_trust(var_smtp_tls_cafile, var_smtp_tls_capath, why);
	if (smtp_agent.tls == NULL)
		log_fatal("smtp_tls_CAfile/smtp_tls_CApath: %s", buf_cstr(why));
	if (*var_smtp_tls_policy_maps
	    && (smtp_agent.tls_policy =
	               maplist_open(var_smtp_tls_policy_maps, 0, why))
	        == NULL)
		log_fatal("smtp_tls_policy_maps: %s", buf_cstr(why));
	if ((smtp_agent.relay_domains = matchlist_open("relay_domains",
	         var_relay_domains, MATCHLIST_DOMAIN | MATCHLIST_PARENT, why))
	    == NULL)
		log_fatal("%s", buf_cstr(why));
	if (var_smtp_sasl_enable && *var_smtp_sasl_passwd_maps) {
		smtp_agent.sasl =
		    maplist_open(var_smtp_sasl_passwd_maps, 0, why);
		if (smtp_agent.sasl == NULL)
			log_fatal("smtp_sasl_password_maps: %s", buf_cstr(why));
		/* One lookup now, while the file can still be read. */
		if (maplist_get(smtp_agent.sasl, "\001", v, why) < 0)
			log_fatal("smtp_sasl_password_maps: %s", buf_cstr(why));
	}
	buf_free(&why);
	buf_free_secret(&v);
}

/* smtp_wait_request - true when the next request has begun to arrive;
 * the cached SMTP session is closed when its time is up */
static bool
smtp_wait_request(struct stream *s)
{
	int64_t deadline = clock_ms() + var_ipc_timeout * 1000;

	if (smtp_agent.cached && var_smtp_conn_cache_time > 0
	    && stream_readable(s, (int)var_smtp_conn_cache_time * 1000))
		return true;
	smtp_cache_close();
	return stream_readable(s, (int)MAX(0, deadline - clock_ms()));
}

/* smtp_serve - one queue manager connection, one or more requests */
static void
smtp_serve(const struct service_client *client)
{
	struct stream *s = stream_open(client->fd);
	struct ipc_msg *m = ipc_new();
	struct buf *why = buf_new(128);
	struct deliver_request req;
	struct deliver_reply reply;

	deliver_request_init(&req);
	deliver_reply_init(&reply);
	stream_set_timeout(s, (int)var_ipc_timeout);
	while (!smtp_agent.must_exit && smtp_wait_request(s)) {
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
		smtp_deliver(&req, &reply);
		deliver_reply_encode(&reply, m);
		if (ipc_send(s, m) < 0) {
			log_warn("%s: send delivery status: %s", req.queue_id,
			    stream_strerror(s));
			break;
		}
	}
	smtp_cache_close();
	deliver_request_free(&req);
	deliver_reply_free(&reply);
	ipc_free(&m);
	buf_free(&why);
	(void)stream_release(&s); /* the skeleton closes the descriptor */
	if (smtp_agent.must_exit) {
		log_info("smtp_sasl_password_maps changed or cannot be read: "
		         "exiting, to be started again with the new map");
		exit(0);
	}
}

/* smtp_pre_exit - QUIT the cached session */
static void
smtp_pre_exit(void)
{
	smtp_cache_close();
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .pre_jail = smtp_pre_jail,
	    .serve = smtp_serve,
	    .pre_exit = smtp_pre_exit,
	};

	return service_main(argc, argv, "smtp", &hooks);
}

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

#include "mail/deliver_agent.h"
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

/* smtp_must_stop - a secret map changed: stop taking requests */
static bool
smtp_must_stop(void)
{
	return smtp_agent.must_exit;
}

/* smtp_serve - one queue manager connection, one or more requests */
static void
smtp_serve(const struct service_client *client)
{
	static const struct deliver_agent agent = {
	    .deliver = smtp_deliver,
	    .wait = smtp_wait_request,
	    .must_stop = smtp_must_stop,
	};

	deliver_agent_serve(client, &agent);
	smtp_cache_close();
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

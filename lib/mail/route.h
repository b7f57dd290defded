/*
 * route.h - where a recipient's mail goes next: the transport (smtp,
 * local, error) and the next hop. The queue manager calls this for each
 * recipient to group them by next hop and pick the delivery agent;
 * `gannet route` shows the answer to an administrator.
 *
 * The order (the first that applies wins):
 *   1. transport_maps (hMailServer's routes), looked up with the address,
 *      then the domain, then ".parent" for each parent domain, then "*":
 *        smtp:[host]:port   that host, no MX lookup
 *        smtp:host[:port]   MX lookup on host
 *        smtp: (or smtp)    the recipient domain, as usual
 *        relay:...          the same as smtp:...
 *        local              deliver on this host
 *        error:text         refuse: bounce with text (which may begin
 *                           with a 5.x.y code; a 4.x.y code defers)
 *      As in Postfix, a route wins over everything, also for a domain
 *      hosted here.
 *   2. a domain delivered here (the caller says so: is_local): local
 *   3. relay_domains (this host is their backup MX): the domain's own MX
 *      hosts, never a relay host
 *   4. relayhost_maps (smart host for some domains): domain or ".parent"
 *   5. relayhost (smart host for all mail)
 *   6. the recipient domain (MX lookup)
 * A domain literal ("user@[192.0.2.1]") goes to that address, after
 * steps 1 and 2.
 */
#ifndef MAIL_ROUTE_H
#define MAIL_ROUTE_H
#include "util/sys_defs.h"

struct buf;
struct router;

enum route_kind {
	ROUTE_SMTP,
	ROUTE_LOCAL,
	ROUTE_ERROR,
};

struct route {
	enum route_kind kind;
	char nexthop[300];  /* SMTP: the next hop of the delivery request */
	char dsn[16];       /* ERROR: 5.x.y (bounce) or 4.x.y (defer) */
	char text[512];     /* ERROR: the reason */
	const char *source; /* what decided: "transport_maps", "local",
	                     * "relay_domains", "relayhost_maps", "relayhost",
	                     * "domain" */
};

/* route_open - open transport_maps, relay_domains and relayhost_maps as
 * configured; NULL with why on a configuration error */
struct router *route_open(struct buf *why);
void route_close(struct router **rp);
/* route_resolve - the route of rcpt. Returns 0 with out filled; -1 with
 * why when a map could not be read (a temporary error: defer). A route
 * with a syntax error in a map is not a failure of the call: it comes
 * back as ROUTE_ERROR 4.3.5 ("mail system configuration error"), so that
 * the mail waits for the administrator instead of bouncing. */
int route_resolve(struct router *r, const char *rcpt, bool is_local,
    struct route *out, struct buf *why);
/* route_kind_name - "smtp", "local", "error" */
const char *route_kind_name(enum route_kind k);

#endif /* MAIL_ROUTE_H */

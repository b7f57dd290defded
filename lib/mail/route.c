/*
 * route.c - next-hop routing (see route.h).
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_smtp.h"
#include "mail/route.h"
#include "mail/smtp_nexthop.h"

struct router {
	struct maplist *transport;  /* NULL when empty */
	struct maplist *relayhosts; /* NULL when empty */
	struct matchlist *relay_domains;
};

/* route_open - open the maps */
struct router *
route_open(struct buf *why)
{
	struct router *r = xcalloc(1, sizeof(*r));

	if (*var_transport_maps
	    && (r->transport = maplist_open(var_transport_maps, 0, why))
	        == NULL) {
		buf_printf(why, " (transport_maps)");
		goto bad;
	}
	if (*var_relayhost_maps
	    && (r->relayhosts = maplist_open(var_relayhost_maps, 0, why))
	        == NULL) {
		buf_printf(why, " (relayhost_maps)");
		goto bad;
	}
	if ((r->relay_domains = matchlist_open("relay_domains",
	         var_relay_domains, MATCHLIST_DOMAIN | MATCHLIST_PARENT, why))
	    == NULL)
		goto bad;
	return r;
bad:
	route_close(&r);
	return NULL;
}

/* route_close - close the maps */
void
route_close(struct router **rp)
{
	struct router *r = *rp;

	if (r == NULL)
		return;
	maplist_close(&r->transport);
	maplist_close(&r->relayhosts);
	matchlist_close(&r->relay_domains);
	free(r);
	*rp = NULL;
}

/* route_kind_name - word for a kind */
const char *
route_kind_name(enum route_kind k)
{
	switch (k) {
	case ROUTE_SMTP:
		return "smtp";
	case ROUTE_LOCAL:
		return "local";
	case ROUTE_ERROR:
		return "error";
	}
	return "?";
}

/* route_error - an error route */
static void
route_error(struct route *out, const char *dsn, const char *text)
{
	out->kind = ROUTE_ERROR;
	snprintf(out->dsn, sizeof(out->dsn), "%s", dsn);
	snprintf(out->text, sizeof(out->text), "%s", text);
}

/* route_config_error - a bad map value: defer until it is fixed */
static void
route_config_error(
    struct route *out, const char *key, const char *value, const char *what)
{
	struct buf *b = buf_new(128);

	log_warn("%s: %s: %s: \"%s\"", out->source, key, what, value);
	buf_printf(b, "mail system configuration error (%s)", out->source);
	route_error(out, "4.3.5", buf_cstr(b));
	buf_free(&b);
}

/* route_smtp - an smtp route to nexthop (checked) */
static void
route_smtp(struct route *out, const char *key, const char *nexthop)
{
	struct smtp_nexthop nh;
	struct buf *why = buf_new(64);

	if (smtp_nexthop_parse(nexthop, &nh, why) < 0) {
		route_config_error(out, key, nexthop, buf_cstr(why));
	} else {
		out->kind = ROUTE_SMTP;
		snprintf(out->nexthop, sizeof(out->nexthop), "%s", nexthop);
	}
	buf_free(&why);
}

/* route_dsn_prefix - "5.1.1 text": the length of the code and its space,
 * or 0 */
static size_t
route_dsn_prefix(const char *t)
{
	size_t i = 0;

	if ((t[0] != '4' && t[0] != '5') || t[1] != '.')
		return 0;
	i = 2;
	for (int part = 0; part < 2; part++) {
		size_t n = 0;

		while (isdigit((unsigned char)t[i]) && n < 4)
			i++, n++;
		if (n == 0 || n > 3)
			return 0;
		if (part == 0 && t[i++] != '.')
			return 0;
	}
	if (t[i] != ' ' && t[i] != 0)
		return 0;
	return t[i] ? i + 1 : i;
}

/* route_transport - a transport_maps value */
static void
route_transport(
    struct route *out, const char *key, const char *value, const char *domain)
{
	const char *colon = strchr(value, ':');
	size_t tlen = colon ? (size_t)(colon - value) : strlen(value);
	const char *arg = colon ? colon + 1 : "";

	if ((tlen == 4 && strncasecmp(value, "smtp", 4) == 0)
	    || (tlen == 5 && strncasecmp(value, "relay", 5) == 0)) {
		route_smtp(out, key, *arg ? arg : domain);
	} else if (tlen == 5 && strncasecmp(value, "local", 5) == 0) {
		out->kind = ROUTE_LOCAL;
	} else if (tlen == 5 && strncasecmp(value, "error", 5) == 0) {
		size_t n = route_dsn_prefix(arg);
		char dsn[16] = "5.0.0";

		if (n > 0)
			snprintf(dsn, sizeof(dsn), "%.*s",
			    (int)(arg[n - 1] == ' ' ? n - 1 : n), arg);
		route_error(out, dsn,
		    *(arg + n) ? arg + n
		               : "mail for this "
		                 "address is refused");
	} else {
		route_config_error(out, key, value, "unknown transport");
	}
}

/* route_lookup_domain - look up domain, then ".parent"s (and "*" when
 * star); 1 found (value, key), 0 not, -1 error */
static int
route_lookup_domain(struct maplist *l, const char *domain, bool star,
    struct buf *key, struct buf *value, struct buf *why)
{
	const char *p = domain;
	int r;

	buf_sets(key, domain);
	if ((r = maplist_get(l, buf_cstr(key), value, why)) != 0)
		return r;
	while ((p = strchr(p, '.')) != NULL) {
		buf_sets(key, p);
		if ((r = maplist_get(l, buf_cstr(key), value, why)) != 0)
			return r;
		p++;
	}
	if (!star)
		return 0;
	buf_sets(key, "*");
	return maplist_get(l, "*", value, why);
}

/* route_resolve - the route of one recipient */
int
route_resolve(struct router *r, const char *rcpt, bool is_local,
    struct route *out, struct buf *why)
{
	struct buf *key = buf_new(128), *value = buf_new(128);
	struct buf *domain = buf_new(64), *addr = buf_new(128);
	const char *at = strrchr(rcpt, '@');
	int ret = -1, found;

	memset(out, 0, sizeof(*out));
	buf_sets(domain, at ? at + 1 : "");
	str_lower(buf_data(domain));
	buf_sets(addr, rcpt);
	str_lower(buf_data(addr));
	if (r->transport) {
		out->source = "transport_maps";
		found = maplist_get(r->transport, buf_cstr(addr), value, why);
		if (found == 0 && buf_len(domain))
			found = route_lookup_domain(r->transport,
			    buf_cstr(domain), true, key, value, why);
		else if (found == 0)
			found = maplist_get(r->transport, "*", value, why);
		else
			buf_sets(key, buf_cstr(addr));
		if (found < 0)
			goto out;
		if (found > 0) {
			route_transport(out, buf_cstr(key), buf_cstr(value),
			    buf_cstr(domain));
			ret = 0;
			goto out;
		}
	}
	if (is_local || buf_len(domain) == 0) {
		out->source = "local";
		out->kind = ROUTE_LOCAL;
		ret = 0;
		goto out;
	}
	if (buf_cstr(domain)[0] == '[') {
		out->source = "domain";
		route_smtp(out, buf_cstr(domain), buf_cstr(domain));
		ret = 0;
		goto out;
	}
	out->source = "relay_domains";
	found = matchlist_match(r->relay_domains, buf_cstr(domain), why);
	if (found < 0)
		goto out;
	if (found > 0) {
		route_smtp(out, buf_cstr(domain), buf_cstr(domain));
		ret = 0;
		goto out;
	}
	if (r->relayhosts) {
		out->source = "relayhost_maps";
		found = route_lookup_domain(
		    r->relayhosts, buf_cstr(domain), false, key, value, why);
		if (found < 0)
			goto out;
		if (found > 0) {
			route_smtp(out, buf_cstr(key), buf_cstr(value));
			ret = 0;
			goto out;
		}
	}
	if (*var_relayhost) {
		out->source = "relayhost";
		route_smtp(out, "relayhost", var_relayhost);
		ret = 0;
		goto out;
	}
	out->source = "domain";
	route_smtp(out, buf_cstr(domain), buf_cstr(domain));
	ret = 0;
out:
	buf_free(&key);
	buf_free(&value);
	buf_free(&domain);
	buf_free(&addr);
	return ret;
}

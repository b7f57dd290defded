/*
 * smtp_nexthop.c - next hop to server addresses (see smtp_nexthop.h).
 *
 * The texts of DNS failures follow Postfix's ("Host or domain name not
 * found. Name service error for name=x type=MX: Host not found"), so that
 * administrators and log analysers recognise them; the status codes are
 * 4.4.3 for a temporary DNS failure, 5.4.4 for a name that does not exist
 * (unable to route), 5.1.10 for a Null MX (RFC 7505 s4.2) and 5.4.6 for a
 * routing loop (RFC 3463).
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/dns.h"
#include "mail/params.h"
#include "mail/params_smtp.h"
#include "mail/smtp_nexthop.h"

/* smtp_fail_init - no failure */
void
smtp_fail_init(struct smtp_fail *f)
{
	memset(f, 0, sizeof(*f));
	f->reason = buf_new(128);
	f->diag = buf_new(64);
	snprintf(f->relay, sizeof(f->relay), "none");
}

/* smtp_fail_free - release */
void
smtp_fail_free(struct smtp_fail *f)
{
	buf_free(&f->reason);
	buf_free(&f->diag);
}

/* smtp_fail_clear - back to no failure */
void
smtp_fail_clear(struct smtp_fail *f)
{
	f->is_set = f->is_perm = f->try_next = false;
	f->dsn[0] = 0;
	buf_reset(f->reason);
	buf_reset(f->diag);
	snprintf(f->relay, sizeof(f->relay), "none");
}

/* smtp_fail_set - record a failure */
void
smtp_fail_set(struct smtp_fail *f, const char *dsn, bool try_next,
    const char *diag, const char *relay, const char *fmt, ...)
{
	va_list ap;

	ASSERT(dsn[0] == '4' || dsn[0] == '5');
	f->is_set = true;
	f->is_perm = dsn[0] == '5';
	f->try_next = try_next;
	snprintf(f->dsn, sizeof(f->dsn), "%s", dsn);
	buf_reset(f->reason);
	va_start(ap, fmt);
	buf_vprintf(f->reason, fmt, ap);
	va_end(ap);
	buf_sets(f->diag, diag ? diag : "");
	snprintf(
	    f->relay, sizeof(f->relay), "%s", relay && *relay ? relay : "none");
}

/* smtp_fail_copy - duplicate a failure record */
void
smtp_fail_copy(struct smtp_fail *to, const struct smtp_fail *from)
{
	to->is_set = from->is_set;
	to->is_perm = from->is_perm;
	to->try_next = from->try_next;
	memcpy(to->dsn, from->dsn, sizeof(to->dsn));
	buf_sets(to->reason, buf_cstr(from->reason));
	buf_sets(to->diag, buf_cstr(from->diag));
	memcpy(to->relay, from->relay, sizeof(to->relay));
}

/* smtp_nexthop_parse - "domain[:port]" or "[host][:port]" */
int
smtp_nexthop_parse(const char *spec, struct smtp_nexthop *nh, struct buf *why)
{
	const char *host = spec, *end, *port = NULL;
	size_t hlen;
	unsigned char a[16];

	memset(nh, 0, sizeof(*nh));
	nh->port = SMTP_PORT;
	if (strlen(spec) >= sizeof(nh->spec) || *spec == 0)
		goto bad;
	snprintf(nh->spec, sizeof(nh->spec), "%s", spec);
	if (*spec == '[') {
		host = spec + 1;
		if ((end = strchr(host, ']')) == NULL)
			goto bad;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != 0)
			goto bad;
		if (str_has_prefix_ci(host, "ipv6:"))
			host += 5;
	} else {
		nh->use_mx = true;
		end = strchr(spec, ':');
		if (end) {
			port = end + 1;
			if (strchr(port, ':'))
				goto bad;
		} else {
			end = spec + strlen(spec);
		}
	}
	hlen = (size_t)(end - host);
	if (hlen == 0 || hlen >= sizeof(nh->host))
		goto bad;
	memcpy(nh->host, host, hlen);
	nh->host[hlen] = 0;
	if (hlen > 1 && nh->host[hlen - 1] == '.')
		nh->host[hlen - 1] = 0; /* absolute name */
	if (port) {
		long n;

		if (str_parse_long(port, 1, 65535, &n) < 0)
			goto bad;
		nh->port = (int)n;
	}
	if (nh->use_mx) {
		if (!dns_name_ok(nh->host))
			goto bad;
	} else if (!dns_name_ok(nh->host)
	    && inet_pton(AF_INET, nh->host, a) != 1
	    && inet_pton(AF_INET6, nh->host, a) != 1) {
		goto bad;
	}
	return 0;
bad:
	buf_printf(why,
	    "bad next hop \"%s\": use domain, domain:port, [host] or "
	    "[host]:port",
	    spec);
	return -1;
}

/* smtp_targets_init - empty list */
void
smtp_targets_init(struct smtp_targets *t)
{
	memset(t, 0, sizeof(*t));
}

/* smtp_targets_free - release, reinit */
void
smtp_targets_free(struct smtp_targets *t)
{
	free(t->v);
	smtp_targets_init(t);
}

/*
 * This host's addresses, for the loop check. Read once: a delivery agent
 * lives for max_use deliveries, and interfaces rarely change under it.
 */
static struct strv smtp_own_addrs;
static bool smtp_own_loaded;

/* smtp_is_own_addr - one of our interface addresses */
bool
smtp_is_own_addr(const char *addr)
{
	if (!smtp_own_loaded) {
		struct ifaddrs *ifa, *i;
		char text[NET_ADDR_MAX];

		smtp_own_loaded = true;
		strv_init(&smtp_own_addrs);
		if (getifaddrs(&ifa) == 0) {
			for (i = ifa; i; i = i->ifa_next) {
				if (i->ifa_addr == NULL
				    || (i->ifa_addr->sa_family != AF_INET
				        && i->ifa_addr->sa_family != AF_INET6))
					continue;
				net_addr_str(i->ifa_addr, text, sizeof(text));
				strv_push(&smtp_own_addrs, text);
			}
			freeifaddrs(ifa);
		} else {
			log_warn("getifaddrs: %m (loop check by name only)");
		}
	}
	return strv_contains(&smtp_own_addrs, addr);
}

/* smtp_family_rank - order of an address family by preference */
static int
smtp_family_rank(int family)
{
	if (str_eq_ci(var_smtp_address_preference, "ipv6"))
		return family == AF_INET6 ? 0 : 1;
	if (str_eq_ci(var_smtp_address_preference, "ipv4"))
		return family == AF_INET ? 0 : 1;
	return 0;
}

/* smtp_order_addrs - one host's addresses in preference order: shuffled,
 * then (stable) by family rank */
static void
smtp_order_addrs(struct dns_rrlist *l)
{
	for (size_t i = l->n; i > 1; i--) {
		size_t j = arc4random_uniform((uint32_t)i);
		struct dns_rr t = l->v[i - 1];

		l->v[i - 1] = l->v[j];
		l->v[j] = t;
	}
	for (size_t i = 1; i < l->n; i++) {
		struct dns_rr t = l->v[i];
		size_t j = i;

		while (j > 0
		    && smtp_family_rank(l->v[j - 1].family)
		        > smtp_family_rank(t.family)) {
			l->v[j] = l->v[j - 1];
			j--;
		}
		l->v[j] = t;
	}
}

/* smtp_target_add - append one address of host */
static void
smtp_target_add(struct smtp_targets *t, const char *host, int pref, int port,
    const struct dns_rr *a)
{
	struct smtp_target *x;

	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	x = &t->v[t->n++];
	memset(x, 0, sizeof(*x));
	snprintf(x->host, sizeof(x->host), "%s", host);
	x->pref = pref;
	x->port = port;
	x->family = a->family;
	memcpy(x->addr, a->addr, sizeof(x->addr));
	snprintf(x->addr_str, sizeof(x->addr_str), "%s", a->addr_str);
}

/* smtp_is_myname - name is myhostname (the RFC 5321 s5.1 check) */
static bool
smtp_is_myname(const char *name)
{
	size_t n = strlen(var_myhostname);

	if (n > 0 && var_myhostname[n - 1] == '.')
		n--;
	return strncasecmp(name, var_myhostname, n) == 0
	    && (name[n] == 0 || (name[n] == '.' && name[n + 1] == 0));
}

/* smtp_resolve_host - a route host without MX lookup */
static int
smtp_resolve_host(struct dns_resolver *r, const struct smtp_nexthop *nh,
    struct smtp_targets *out, struct smtp_fail *fail)
{
	struct dns_rrlist l;
	struct buf *why = buf_new(64);
	enum dns_status st;
	int ret = -1;

	dns_rrlist_init(&l);
	st = dns_addrs(r, nh->host, AF_UNSPEC, &l, why);
	if (st == DNS_OK) {
		smtp_order_addrs(&l);
		for (size_t i = 0; i < l.n; i++)
			smtp_target_add(out, nh->host, 0, nh->port, &l.v[i]);
		ret = 0;
	} else {
		smtp_fail_set(fail,
		    st == DNS_NXDOMAIN || st == DNS_NODATA ? "5.4.4" : "4.4.3",
		    true, NULL, NULL,
		    "Host or domain name not found. Name service error for "
		    "name=%s type=A: %s",
		    nh->host, buf_cstr(why));
	}
	dns_rrlist_free(&l);
	buf_free(&why);
	return ret;
}

/* smtp_targets_resolve - MX or host route to addresses */
int
smtp_targets_resolve(struct dns_resolver *r, const struct smtp_nexthop *nh,
    struct smtp_targets *out, struct smtp_fail *fail)
{
	struct dns_rrlist mx, addrs;
	struct buf *why = buf_new(64), *last = buf_new(64);
	enum dns_status st;
	bool null_mx, tempfail = false;
	int self = INT_MAX, ret = -1;
	size_t limit = (size_t)var_smtp_mx_address_limit, k = 0;

	smtp_targets_free(out);
	if (!nh->use_mx) {
		ret = smtp_resolve_host(r, nh, out, fail);
		goto trim;
	}
	dns_rrlist_init(&mx);
	dns_rrlist_init(&addrs);
	st = dns_mx(r, nh->host, &mx, &null_mx, why);
	if (st == DNS_OK && null_mx) {
		smtp_fail_set(fail, "5.1.10", false, NULL, NULL,
		    "Domain %s does not accept mail (nullMX)", nh->host);
		goto out;
	}
	if (st == DNS_NODATA) {
		/* No MX: the domain itself is the implicit MX (RFC 5321
		 * s5.1), at preference 0. */
		struct dns_rr *implicit = xcalloc(1, sizeof(*implicit));

		implicit->type = DNS_T_MX;
		implicit->name = xstrdup(nh->host);
		mx.v = implicit;
		mx.n = 1;
	} else if (st != DNS_OK) {
		smtp_fail_set(fail, st == DNS_NXDOMAIN ? "5.4.4" : "4.4.3",
		    true, NULL, NULL,
		    "Host or domain name not found. Name service error for "
		    "name=%s type=MX: %s",
		    nh->host, buf_cstr(why));
		goto out;
	}
	for (size_t i = 0; i < mx.n; i++)
		if (smtp_is_myname(mx.v[i].name) && mx.v[i].pref < self)
			self = mx.v[i].pref;
	for (size_t i = 0; i < mx.n && mx.v[i].pref < self; i++) {
		dns_rrlist_free(&addrs);
		buf_reset(why);
		st = dns_addrs(r, mx.v[i].name, AF_UNSPEC, &addrs, why);
		if (st != DNS_OK) {
			if (st == DNS_TEMPFAIL || st == DNS_FAIL)
				tempfail = true;
			buf_reset(last);
			buf_printf(last, "name=%s type=A: %s", mx.v[i].name,
			    buf_cstr(why));
			continue;
		}
		smtp_order_addrs(&addrs);
		for (size_t a = 0; a < addrs.n; a++) {
			if (smtp_is_own_addr(addrs.v[a].addr_str)) {
				if (mx.v[i].pref < self)
					self = mx.v[i].pref;
				continue;
			}
			smtp_target_add(out, mx.v[i].name, mx.v[i].pref,
			    nh->port, &addrs.v[a]);
		}
	}
	/* Keep only servers better than this host (RFC 5321 s5.1). */
	for (size_t i = 0; i < out->n; i++)
		if (out->v[i].pref < self)
			out->v[k++] = out->v[i];
	out->n = k;
	out->found_self = self != INT_MAX;
	if (out->n > 0) {
		ret = 0;
	} else if (out->found_self) {
		smtp_fail_set(fail, "5.4.6", false, NULL, NULL,
		    "mail for %s loops back to myself", nh->host);
	} else {
		smtp_fail_set(fail, tempfail ? "4.4.3" : "5.4.4", true, NULL,
		    NULL,
		    "Host or domain name not found. Name service error for %s",
		    buf_cstr(last));
	}
out:
	dns_rrlist_free(&mx);
	dns_rrlist_free(&addrs);
trim:
	if (ret == 0 && limit > 0 && out->n > limit)
		out->n = limit;
	buf_free(&why);
	buf_free(&last);
	return ret;
}

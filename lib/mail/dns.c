/*
 * dns.c - DNS lookups through libresolv (see dns.h).
 *
 * A query is made with res_nmkquery() and sent with res_nsend() on a
 * private res_state, so that the rcode of the answer is ours to read
 * (res_nquery folds SERVFAIL and a timeout into one h_errno, and REFUSED
 * into "no recovery"). res_nsend retries over TCP by itself when an
 * answer is truncated. The servers of dns_servers are written into the
 * res_state after res_ninit(): IPv4 ones into nsaddr_list, IPv6 ones into
 * the extension array glibc reads when an nsaddr_list slot has family 0
 * (res_send.c get_nsaddr); res_nclose() frees those.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/net.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/dns.h"
#include "mail/params_dns.h"

#define DNS_ANSWER_MAX 65536 /* the largest DNS message (TCP) */
#define DNS_RR_MAX     100   /* records kept from one answer */

struct dns_resolver {
	struct __res_state res;
};

static struct dns_resolver *dns_default;

/* dns_rrlist_init - empty list */
void
dns_rrlist_init(struct dns_rrlist *l)
{
	l->v = NULL;
	l->n = 0;
}

/* dns_rrlist_free - free records, reinit */
void
dns_rrlist_free(struct dns_rrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].text);
	}
	free(l->v);
	dns_rrlist_init(l);
}

/* dns_rr_add - a new zeroed record at the end */
static struct dns_rr *
dns_rr_add(struct dns_rrlist *l, int type, unsigned int ttl)
{
	struct dns_rr *rr;

	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	rr = &l->v[l->n++];
	memset(rr, 0, sizeof(*rr));
	rr->type = type;
	rr->ttl = ttl;
	return rr;
}

/* dns_type_name - text of a type */
const char *
dns_type_name(int type)
{
	switch (type) {
	case DNS_T_A:
		return "A";
	case DNS_T_AAAA:
		return "AAAA";
	case DNS_T_MX:
		return "MX";
	case DNS_T_TXT:
		return "TXT";
	case DNS_T_PTR:
		return "PTR";
	}
	return "?";
}

/* dns_status_name - text of a status */
const char *
dns_status_name(enum dns_status s)
{
	switch (s) {
	case DNS_OK:
		return "ok";
	case DNS_NXDOMAIN:
		return "host not found";
	case DNS_NODATA:
		return "no data";
	case DNS_TEMPFAIL:
		return "temporary failure";
	case DNS_FAIL:
		return "failure";
	}
	return "?";
}

/* dns_name_ok - host name syntax (lenient: underscores allowed) */
bool
dns_name_ok(const char *name)
{
	size_t len = strlen(name), label = 0;

	if (len == 0 || len > 253 || name[0] == '.')
		return false;
	for (const char *p = name; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return true;
}

/* dns_server_add - one "addr[:port]" or "[v6]:port" into the res_state */
static int
dns_server_add(struct __res_state *res, const char *spec, struct buf *why)
{
	struct buf *host = buf_new(64);
	int port = NS_DEFAULTPORT, n = res->nscount;
	struct in_addr a4;
	struct in6_addr a6;
	int ret = -1;

	if (n >= MAXNS) {
		buf_printf(why, "dns_servers: at most %d servers", MAXNS);
		goto out;
	}
	if (net_parse_hostport(spec, host, &port) < 0 || port <= 0
	    || port > 65535) {
		buf_printf(
		    why, "dns_servers: %s: use address or address:port", spec);
		goto out;
	}
	if (inet_pton(AF_INET, buf_cstr(host), &a4) == 1) {
		memset(&res->nsaddr_list[n], 0, sizeof(res->nsaddr_list[n]));
		res->nsaddr_list[n].sin_family = AF_INET;
		res->nsaddr_list[n].sin_addr = a4;
		res->nsaddr_list[n].sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, buf_cstr(host), &a6) == 1) {
		/* calloc()ed (xcalloc): res_nclose() frees it with free() */
		struct sockaddr_in6 *sa6 = xcalloc(1, sizeof(*sa6));

		sa6->sin6_family = AF_INET6;
		sa6->sin6_addr = a6;
		sa6->sin6_port = htons((uint16_t)port);
		memset(&res->nsaddr_list[n], 0, sizeof(res->nsaddr_list[n]));
		free(res->_u._ext.nsaddrs[n]);
		res->_u._ext.nsaddrs[n] = sa6;
	} else {
		buf_printf(why, "dns_servers: %s: not a numeric address", spec);
		goto out;
	}
	res->nscount = n + 1;
	ret = 0;
out:
	buf_free(&host);
	return ret;
}

/* dns_resolver_new - a private resolver */
struct dns_resolver *
dns_resolver_new(
    const char *servers, int timeout_s, int retries, struct buf *why)
{
	struct dns_resolver *r = xcalloc(1, sizeof(*r));
	struct strv sv;

	if (res_ninit(&r->res) < 0) {
		buf_printf(why, "res_ninit failed");
		free(r);
		return NULL;
	}
	/* Exact names only: a mail domain is never a search-list suffix. */
	r->res.options &= ~(unsigned long)(RES_DEFNAMES | RES_DNSRCH);
	if (timeout_s > 0)
		r->res.retrans = timeout_s;
	if (retries > 0)
		r->res.retry = retries;
	if (servers && *servers) {
		strv_init(&sv);
		strv_split(&sv, servers, ", \t");
		/* Forget the servers of resolv.conf, then add ours. */
		for (int i = 0; i < r->res.nscount; i++) {
			free(r->res._u._ext.nsaddrs[i]);
			r->res._u._ext.nsaddrs[i] = NULL;
		}
		r->res.nscount = 0;
		for (size_t i = 0; i < sv.n; i++) {
			if (dns_server_add(&r->res, sv.v[i], why) < 0) {
				strv_free(&sv);
				dns_resolver_free(&r);
				return NULL;
			}
		}
		strv_free(&sv);
	}
	return r;
}

/* dns_resolver_default - the configured resolver */
struct dns_resolver *
dns_resolver_default(void)
{
	struct buf *why;

	if (dns_default)
		return dns_default;
	why = buf_new(64);
	dns_default = dns_resolver_new(
	    var_dns_servers, (int)var_dns_timeout, (int)var_dns_retries, why);
	if (dns_default == NULL)
		log_fatal("%s", buf_cstr(why));
	buf_free(&why);
	return dns_default;
}

/* dns_resolver_free - close and free */
void
dns_resolver_free(struct dns_resolver **rp)
{
	struct dns_resolver *r = *rp;

	if (r == NULL)
		return;
	res_nclose(&r->res);
	if (r == dns_default)
		dns_default = NULL;
	free(r);
	*rp = NULL;
}

/* dns_rdata_name - a compressed name that fills the rest of the rdata */
static int
dns_rdata_name(ns_msg *h, const unsigned char *p, const unsigned char *end,
    char *out, size_t outlen)
{
	int n =
	    ns_name_uncompress(ns_msg_base(*h), ns_msg_end(*h), p, out, outlen);

	if (n < 0 || p + n != end)
		return -1;
	if (strcmp(out, ".") == 0)
		out[0] = 0;
	return 0;
}

/* dns_rdata_txt - the character-strings of a TXT record, joined, with
 * control characters replaced (TXT text ends up in logs and replies) */
static int
dns_rdata_txt(const unsigned char *p, size_t len, struct buf *out)
{
	size_t i = 0;

	buf_reset(out);
	if (len == 0)
		return -1;
	while (i < len) {
		size_t n = p[i++];

		if (n > len - i)
			return -1;
		for (size_t k = 0; k < n; k++) {
			unsigned char c = p[i + k];

			buf_catc(out, c < 0x20 || c == 0x7f ? '?' : c);
		}
		i += n;
	}
	return 0;
}

/* dns_parse_rr - one answer record of the wanted type into out */
static int
dns_parse_rr(
    ns_msg *h, ns_rr *rr, int type, struct dns_rrlist *out, struct buf *tmp)
{
	const unsigned char *p = ns_rr_rdata(*rr);
	size_t len = ns_rr_rdlen(*rr);
	char name[DNS_NAME_MAX];
	struct dns_rr *d;

	switch (type) {
	case DNS_T_A:
	case DNS_T_AAAA:
		if (len != (type == DNS_T_A ? 4u : 16u))
			return -1;
		d = dns_rr_add(out, type, ns_rr_ttl(*rr));
		d->family = type == DNS_T_A ? AF_INET : AF_INET6;
		memcpy(d->addr, p, len);
		if (inet_ntop(
		        d->family, d->addr, d->addr_str, sizeof(d->addr_str))
		    == NULL)
			return -1;
		return 0;
	case DNS_T_MX:
		if (len < 3)
			return -1;
		if (dns_rdata_name(h, p + 2, p + len, name, sizeof(name)) < 0)
			return -1;
		d = dns_rr_add(out, type, ns_rr_ttl(*rr));
		d->pref = ns_get16(p);
		d->name = xstrdup(name);
		return 0;
	case DNS_T_PTR:
		if (dns_rdata_name(h, p, p + len, name, sizeof(name)) < 0)
			return -1;
		d = dns_rr_add(out, type, ns_rr_ttl(*rr));
		d->name = xstrdup(name);
		return 0;
	case DNS_T_TXT:
		if (dns_rdata_txt(p, len, tmp) < 0)
			return -1;
		d = dns_rr_add(out, type, ns_rr_ttl(*rr));
		d->text = xstrdup(buf_cstr(tmp));
		return 0;
	}
	return -1;
}

/* dns_parse - a response into records (see dns.h) */
enum dns_status
dns_parse(const unsigned char *msg, size_t len, int type,
    struct dns_rrlist *out, struct buf *why)
{
	ns_msg h;
	ns_rr rr;
	int count, rcode;
	size_t before = out->n;
	struct buf *tmp;
	enum dns_status st = DNS_OK;

	if (len > DNS_ANSWER_MAX || ns_initparse(msg, (int)len, &h) < 0) {
		buf_printf(why, "malformed DNS answer");
		return DNS_FAIL;
	}
	rcode = ns_msg_getflag(h, ns_f_rcode);
	switch (rcode) {
	case ns_r_noerror:
		break;
	case ns_r_nxdomain:
		buf_printf(why, "Host not found");
		return DNS_NXDOMAIN;
	case ns_r_servfail:
		buf_printf(why, "Host not found, try again (SERVFAIL)");
		return DNS_TEMPFAIL;
	case ns_r_refused:
		buf_printf(why, "Host not found, try again (REFUSED)");
		return DNS_TEMPFAIL;
	default:
		buf_printf(why, "Name service error (rcode %d)", rcode);
		return DNS_FAIL;
	}
	tmp = buf_new(256);
	count = ns_msg_count(h, ns_s_an);
	for (int i = 0; i < count; i++) {
		if (ns_parserr(&h, ns_s_an, i, &rr) < 0) {
			buf_printf(why, "malformed DNS answer");
			st = DNS_FAIL;
			break;
		}
		if (ns_rr_class(rr) != ns_c_in || (int)ns_rr_type(rr) != type)
			continue; /* CNAMEs of the chain, DNSSEC records */
		if (out->n - before >= DNS_RR_MAX)
			break;
		if (dns_parse_rr(&h, &rr, type, out, tmp) < 0) {
			buf_printf(why, "malformed %s record in DNS answer",
			    dns_type_name(type));
			st = DNS_FAIL;
			break;
		}
	}
	buf_free(&tmp);
	if (st != DNS_OK) {
		while (out->n > before) {
			out->n--;
			free(out->v[out->n].name);
			free(out->v[out->n].text);
		}
		return st;
	}
	if (out->n == before) {
		buf_printf(why, "No %s record", dns_type_name(type));
		return DNS_NODATA;
	}
	return DNS_OK;
}

/* dns_lookup - one query */
enum dns_status
dns_lookup(struct dns_resolver *r, const char *name, int type,
    struct dns_rrlist *out, struct buf *why)
{
	unsigned char query[NS_PACKETSZ];
	unsigned char *answer;
	int qlen, alen;
	enum dns_status st;

	if (!dns_name_ok(name)) {
		buf_printf(why, "malformed domain name");
		return DNS_FAIL;
	}
	qlen = res_nmkquery(&r->res, ns_o_query, name, ns_c_in, type, NULL, 0,
	    NULL, query, sizeof(query));
	if (qlen < 0) {
		buf_printf(why, "cannot make a query for %s", name);
		return DNS_FAIL;
	}
	answer = xmalloc(DNS_ANSWER_MAX);
	errno = 0;
	alen = res_nsend(&r->res, query, qlen, answer, DNS_ANSWER_MAX);
	if (alen < 0) {
		buf_printf(why, "Host not found, try again (%s)",
		    errno == ETIMEDOUT || errno == 0 ? "timeout"
		                                     : strerror(errno));
		free(answer);
		return DNS_TEMPFAIL;
	}
	st = dns_parse(answer, (size_t)alen, type, out, why);
	free(answer);
	return st;
}

/* dns_sort_mx - preference order, random among equals (RFC 5321 s5.1) */
void
dns_sort_mx(struct dns_rrlist *l)
{
	/* Shuffle first (Fisher-Yates), then a stable sort by preference:
	 * equal preferences keep their random order. */
	for (size_t i = l->n; i > 1; i--) {
		size_t j = arc4random_uniform((uint32_t)i);
		struct dns_rr t = l->v[i - 1];

		l->v[i - 1] = l->v[j];
		l->v[j] = t;
	}
	for (size_t i = 1; i < l->n; i++) {
		struct dns_rr t = l->v[i];
		size_t j = i;

		while (j > 0 && l->v[j - 1].pref > t.pref) {
			l->v[j] = l->v[j - 1];
			j--;
		}
		l->v[j] = t;
	}
}

/* dns_mx - MX records, sorted; Null MX detection */
enum dns_status
dns_mx(struct dns_resolver *r, const char *domain, struct dns_rrlist *out,
    bool *null_mx_out, struct buf *why)
{
	enum dns_status st = dns_lookup(r, domain, DNS_T_MX, out, why);

	*null_mx_out = false;
	if (st != DNS_OK)
		return st;
	if (out->n == 1 && out->v[0].name[0] == 0) {
		/* RFC 7505: "0 ." alone says the domain takes no mail. */
		*null_mx_out = true;
		dns_rrlist_free(out);
		return DNS_OK;
	}
	/* A root name among other MXs is a mistake: ignore that one. */
	for (size_t i = 0; i < out->n;) {
		if (out->v[i].name[0] == 0) {
			free(out->v[i].name);
			free(out->v[i].text);
			memmove(&out->v[i], &out->v[i + 1],
			    (out->n - i - 1) * sizeof(out->v[0]));
			out->n--;
		} else {
			i++;
		}
	}
	dns_sort_mx(out);
	return DNS_OK;
}

/* dns_numeric - host is a numeric address: one record, no query */
static bool
dns_numeric(const char *host, int families, struct dns_rrlist *out)
{
	unsigned char a[16];
	struct dns_rr *d;

	if (inet_pton(AF_INET, host, a) == 1) {
		if (families == AF_INET6)
			return true;
		d = dns_rr_add(out, DNS_T_A, 0);
		d->family = AF_INET;
		memcpy(d->addr, a, 4);
	} else if (inet_pton(AF_INET6, host, a) == 1) {
		if (families == AF_INET)
			return true;
		d = dns_rr_add(out, DNS_T_AAAA, 0);
		d->family = AF_INET6;
		memcpy(d->addr, a, 16);
	} else {
		return false;
	}
	inet_ntop(d->family, d->addr, d->addr_str, sizeof(d->addr_str));
	return true;
}

/* dns_addrs - A and AAAA */
enum dns_status
dns_addrs(struct dns_resolver *r, const char *host, int families,
    struct dns_rrlist *out, struct buf *why)
{
	enum dns_status s4 = DNS_NODATA, s6 = DNS_NODATA;
	struct buf *w4 = buf_new(64), *w6 = buf_new(64);
	enum dns_status st;

	if (dns_numeric(host, families, out)) {
		st = out->n ? DNS_OK : DNS_NODATA;
		if (st != DNS_OK)
			buf_printf(why, "address family not enabled");
		goto out;
	}
	if (families != AF_INET6)
		s4 = dns_lookup(r, host, DNS_T_A, out, w4);
	/* No point asking for AAAA when the name does not exist. */
	if (families != AF_INET && s4 != DNS_NXDOMAIN)
		s6 = dns_lookup(r, host, DNS_T_AAAA, out, w6);
	if (s4 == DNS_OK || s6 == DNS_OK) {
		st = DNS_OK;
	} else if (s4 == DNS_TEMPFAIL || s6 == DNS_TEMPFAIL) {
		st = DNS_TEMPFAIL;
		buf_cats(why, buf_cstr(s4 == DNS_TEMPFAIL ? w4 : w6));
	} else if (s4 == DNS_FAIL || s6 == DNS_FAIL) {
		st = DNS_FAIL;
		buf_cats(why, buf_cstr(s4 == DNS_FAIL ? w4 : w6));
	} else if (s4 == DNS_NXDOMAIN || s6 == DNS_NXDOMAIN) {
		st = DNS_NXDOMAIN;
		buf_cats(why, "Host not found");
	} else {
		st = DNS_NODATA;
		buf_cats(why, "No address associated with hostname");
	}
out:
	buf_free(&w4);
	buf_free(&w6);
	return st;
}

/* dns_ptr - reverse lookup of a numeric address */
enum dns_status
dns_ptr(struct dns_resolver *r, const char *addr, struct dns_rrlist *out,
    struct buf *why)
{
	unsigned char a[16];
	struct buf *name = buf_new(80);
	enum dns_status st;

	if (inet_pton(AF_INET, addr, a) == 1) {
		buf_printf(
		    name, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2], a[1], a[0]);
	} else if (inet_pton(AF_INET6, addr, a) == 1) {
		for (int i = 15; i >= 0; i--)
			buf_printf(name, "%x.%x.", a[i] & 0xf, a[i] >> 4);
		buf_cats(name, "ip6.arpa");
	} else {
		buf_printf(why, "not a numeric address: %s", addr);
		buf_free(&name);
		return DNS_FAIL;
	}
	st = dns_lookup(r, buf_cstr(name), DNS_T_PTR, out, why);
	buf_free(&name);
	return st;
}

/* dns_txt - TXT records */
enum dns_status
dns_txt(struct dns_resolver *r, const char *name, struct dns_rrlist *out,
    struct buf *why)
{
	return dns_lookup(r, name, DNS_T_TXT, out, why);
}

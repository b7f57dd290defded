/*
 * smtp_nexthop.h - from a next hop to the list of servers to try (RFC 5321
 * s5): MX lookup with the implicit MX, Null MX (RFC 7505), host routes
 * without MX lookup, and the loop check: an MX list that names this host
 * (myhostname, or one of this host's addresses) is cut before this host's
 * preference, and when nothing is left, mail for the domain "loops back to
 * myself" (5.4.6), a configuration error.
 *
 * Next-hop syntax (Postfix's):
 *   example.org            MX lookup, port 25
 *   example.org:2525       MX lookup, another port
 *   [mail.example.org]     the host itself, no MX lookup
 *   [mail.example.org]:587
 *   [192.0.2.1]:25, [2001:db8::1], [ipv6:2001:db8::1]
 *
 * Also the failure record shared with the SMTP session code: what went
 * wrong with a whole delivery attempt, and whether another server might
 * do better.
 */
#ifndef MAIL_SMTP_NEXTHOP_H
#define MAIL_SMTP_NEXTHOP_H
#include "util/sys_defs.h"

#include "util/net.h"

#include "mail/dns.h"

struct buf;

#define SMTP_PORT     25
#define SMTP_HOST_MAX 256

struct smtp_nexthop {
	char spec[300];           /* as given: lookup key for policy maps */
	char host[SMTP_HOST_MAX]; /* domain, host name or address */
	int port;
	bool use_mx;
};

/* One server address to try. */
struct smtp_target {
	char host[SMTP_HOST_MAX]; /* MX name or route host */
	int pref;                 /* MX preference (0 for a route) */
	int port;
	int family;
	unsigned char addr[16];
	char addr_str[NET_ADDR_MAX];
};

struct smtp_targets {
	struct smtp_target *v;
	size_t n;
	bool found_self; /* this host is an MX of the domain (backup MX) */
};

/* What went wrong with a delivery attempt as a whole. */
struct smtp_fail {
	bool is_set;
	bool is_perm;  /* bounce rather than defer */
	bool try_next; /* another server (next MX, fallback relay) may do
	                * better */
	char dsn[16];
	struct buf *reason; /* for logs and DSNs */
	struct buf *diag;   /* the server's reply verbatim, or "" */
	char relay[SMTP_HOST_MAX + NET_ADDR_MAX + 16]; /* host[addr]:port or
	                                                * "none" */
};

/* smtp_nexthop_parse - the syntax above; 0, or -1 with why */
int smtp_nexthop_parse(
    const char *spec, struct smtp_nexthop *nh, struct buf *why);

void smtp_targets_init(struct smtp_targets *t);
void smtp_targets_free(struct smtp_targets *t);
/* smtp_targets_resolve - the servers for nh, best first, at most
 * smtp_mx_address_limit addresses (0: all); families AF_UNSPEC, AF_INET or
 * AF_INET6. Returns 0, or -1 with fail set (DNS failure, Null MX, loop,
 * no address). */
int smtp_targets_resolve(struct dns_resolver *r, const struct smtp_nexthop *nh,
    struct smtp_targets *out, struct smtp_fail *fail);

/* smtp_is_own_addr - addr (numeric) is one of this host's interface
 * addresses (read once with getifaddrs) */
bool smtp_is_own_addr(const char *addr);

void smtp_fail_init(struct smtp_fail *f);
void smtp_fail_free(struct smtp_fail *f);
void smtp_fail_clear(struct smtp_fail *f);
/* smtp_fail_set - record a failure; dsn decides defer (4.x.y) or bounce
 * (5.x.y); reason is a printf format; diag and relay may be NULL */
void smtp_fail_set(struct smtp_fail *f, const char *dsn, bool try_next,
    const char *diag, const char *relay, const char *fmt, ...)
    ATTR_PRINTF(6, 7);
/* smtp_fail_copy - *to = *from */
void smtp_fail_copy(struct smtp_fail *to, const struct smtp_fail *from);

#endif /* MAIL_SMTP_NEXTHOP_H */

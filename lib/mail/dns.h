/*
 * dns.h - DNS lookups for the suite (MX, A, AAAA, TXT, PTR) through the
 * system's libresolv, with our own timeouts, retries and, optionally, our
 * own servers (dns_servers), so that tests can point a process at a
 * dnsmasq on loopback.
 *
 * Answers are parsed with libresolv (ns_initparse, ns_parserr,
 * ns_name_uncompress); only the record data that libresolv leaves to the
 * caller (MX preference, the strings of a TXT record, address lengths) is
 * read here, by dns_parse(), which is fuzzed.
 *
 * Every lookup returns one of enum dns_status, so that callers can tell a
 * name that does not exist (a permanent failure) from a server that did
 * not answer (a temporary one), as mail delivery must (RFC 5321 s5).
 */
#ifndef MAIL_DNS_H
#define MAIL_DNS_H
#include <netinet/in.h>

#include "util/sys_defs.h"

#include "util/net.h"

struct buf;
struct dns_resolver;

enum dns_status {
	DNS_OK = 0,   /* at least one record of the type */
	DNS_NXDOMAIN, /* the name does not exist (permanent) */
	DNS_NODATA,   /* the name exists, no record of the type */
	DNS_TEMPFAIL, /* timeout, SERVFAIL, REFUSED, network error */
	DNS_FAIL,     /* malformed answer, FORMERR, NOTIMP, bad name */
};

/* Record types we look up (the DNS numbers). */
#define DNS_T_A    1
#define DNS_T_PTR  12
#define DNS_T_MX   15
#define DNS_T_TXT  16
#define DNS_T_AAAA 28

#define DNS_NAME_MAX 1025 /* NS_MAXDNAME */

struct dns_rr {
	int type;
	unsigned int ttl;
	int pref;   /* MX preference */
	char *name; /* MX exchange or PTR target, without the final dot ("" is
	             * the root: a Null MX) */
	char *text; /* TXT: the character-strings of the record, joined */
	int family; /* A, AAAA: AF_INET or AF_INET6 */
	unsigned char addr[16];
	char addr_str[NET_ADDR_MAX]; /* A, AAAA: numeric text */
};

struct dns_rrlist {
	struct dns_rr *v;
	size_t n;
};

/* dns_resolver_new - a resolver using servers ("addr[:port], [v6]:port"
 * separated by commas or spaces, at most 3; NULL or "" means
 * /etc/resolv.conf), waiting timeout_s per try and trying retries times.
 * NULL with why on a bad server list. */
struct dns_resolver *dns_resolver_new(
    const char *servers, int timeout_s, int retries, struct buf *why);
/* dns_resolver_default - one shared resolver configured from dns_servers,
 * dns_timeout and dns_retries (created on first use; fatal on a bad
 * dns_servers value, which is a configuration error) */
struct dns_resolver *dns_resolver_default(void);
void dns_resolver_free(struct dns_resolver **rp);

void dns_rrlist_init(struct dns_rrlist *l);
void dns_rrlist_free(struct dns_rrlist *l);

/* dns_lookup - records of type for name (CNAMEs followed by the server).
 * Returns a dns_status; out holds the records when DNS_OK; why says what
 * went wrong otherwise ("Host not found", "SERVFAIL", "timeout"). */
enum dns_status dns_lookup(struct dns_resolver *r, const char *name, int type,
    struct dns_rrlist *out, struct buf *why);

/* dns_mx - the MX records of domain, sorted by preference, random order
 * among equal preferences (RFC 5321 s5.1). *null_mx_out is set when the
 * domain publishes a Null MX (RFC 7505: a single "0 ." record; then out is
 * empty). DNS_NODATA means no MX: the caller uses the implicit MX. */
enum dns_status dns_mx(struct dns_resolver *r, const char *domain,
    struct dns_rrlist *out, bool *null_mx_out, struct buf *why);
/* dns_addrs - A and AAAA records of host (families: AF_UNSPEC for both,
 * AF_INET, AF_INET6). DNS_OK when either type gave an address; otherwise
 * TEMPFAIL when either lookup failed temporarily, else NXDOMAIN/NODATA. A
 * numeric address is returned as is without a query. */
enum dns_status dns_addrs(struct dns_resolver *r, const char *host,
    int families, struct dns_rrlist *out, struct buf *why);
/* dns_ptr - PTR names of a numeric address */
enum dns_status dns_ptr(struct dns_resolver *r, const char *addr,
    struct dns_rrlist *out, struct buf *why);
/* dns_txt - TXT records of name (each record's strings joined) */
enum dns_status dns_txt(struct dns_resolver *r, const char *name,
    struct dns_rrlist *out, struct buf *why);

/* dns_parse - parse a DNS response (the bytes a server sent) and collect
 * the answer records of type into out (appended). The rcode maps to the
 * status as dns_lookup's does. Pure: no I/O (tests and fuzzing). */
enum dns_status dns_parse(const unsigned char *msg, size_t len, int type,
    struct dns_rrlist *out, struct buf *why);

/* dns_sort_mx - sort by preference, shuffle equal preferences */
void dns_sort_mx(struct dns_rrlist *l);
/* dns_type_name - "MX", "A", ... */
const char *dns_type_name(int type);
/* dns_status_name - "ok", "not found", ... for logs */
const char *dns_status_name(enum dns_status s);
/* dns_name_ok - a syntactically valid host or domain name (letters,
 * digits, hyphen, underscore, dots; labels 1..63; at most 253) */
bool dns_name_ok(const char *name);

#endif /* MAIL_DNS_H */

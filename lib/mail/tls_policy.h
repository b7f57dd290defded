/*
 * tls_policy.h - the TLS security level of an SMTP client connection, as
 * Postfix writes it: in smtp_tls_security_level, or per destination in
 * smtp_tls_policy_maps ("example.org encrypt", "[smtp.isp.example]:587
 * verify match=smtp.isp.example"). Parsing only; no OpenSSL here.
 *
 *   none     no TLS, even when the server offers STARTTLS
 *   may      STARTTLS when offered; a failed handshake falls back to a
 *            plaintext connection (opportunistic TLS, the default)
 *   encrypt  TLS is required; the certificate is not checked
 *   verify   TLS is required, and the server certificate must chain to a
 *            trusted CA (smtp_tls_CAfile, smtp_tls_CApath) and match one
 *            of the match= names (default: the server's host name)
 *   secure   verify, matching the next-hop domain or a subdomain of it by
 *            default (match=nexthop:dot-nexthop)
 *
 * match= takes names separated by ':'; the words "hostname" (the server's
 * name from MX or the route), "nexthop" (the next-hop domain) and
 * "dot-nexthop" (any subdomain of it) stand for names known only at
 * delivery time; any other word is a literal name (".example.org" matches
 * every subdomain of example.org).
 */
#ifndef MAIL_TLS_POLICY_H
#define MAIL_TLS_POLICY_H
#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;

enum tls_level {
	TLS_LEV_NONE,
	TLS_LEV_MAY,
	TLS_LEV_ENCRYPT,
	TLS_LEV_VERIFY,
	TLS_LEV_SECURE,
};

struct tls_policy {
	enum tls_level level;
	struct strv match; /* match= words; empty: the level's default */
};

void tls_policy_init(struct tls_policy *p);
void tls_policy_free(struct tls_policy *p);
/* tls_policy_parse - "level [match=a:b]" into p (replacing what was
 * there); 0, or -1 with why */
int tls_policy_parse(const char *text, struct tls_policy *p, struct buf *why);
/* tls_level_name - "none", "may", ... */
const char *tls_level_name(enum tls_level l);
/* tls_policy_names - the names a certificate must match, with hostname,
 * nexthop and dot-nexthop expanded, into out (reset first) */
void tls_policy_names(const struct tls_policy *p, const char *hostname,
    const char *nexthop_domain, struct strv *out);
/* tls_policy_requires_tls - encrypt or stronger */
bool tls_policy_requires_tls(const struct tls_policy *p);
/* tls_policy_verifies - verify or secure */
bool tls_policy_verifies(const struct tls_policy *p);

#endif /* MAIL_TLS_POLICY_H */

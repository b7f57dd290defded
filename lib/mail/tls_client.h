/*
 * tls_client.h - the SMTP client's side of TLS (STARTTLS in the smtp
 * delivery agent, `gannet domain-info`), on top of tls.h: the same
 * context and connection types and the same stream hook, plus what a mail
 * client needs that a server does not: its own trust store (CA file and
 * directory), certificate checks decided per connection by the TLS policy
 * (several acceptable names; verification required or only reported), and
 * a description of the peer for the log. OpenSSL stays inside
 * lib/mail/tls*.c (STYLE 17).
 *
 * The certificate chain is always checked, so that the log can say how far
 * the peer could be trusted (Postfix's words: Untrusted, Trusted, Verified),
 * but the handshake only fails on it when the caller requires verification.
 * Close a connection with tls_conn_stop() (tls.h).
 */
#ifndef MAIL_TLS_CLIENT_H
#define MAIL_TLS_CLIENT_H
#include "util/sys_defs.h"

#include "mail/tls.h"

struct buf;
struct stream;
struct strv;

enum tls_trust {
	TLS_UNTRUSTED, /* chain not verified */
	TLS_TRUSTED,   /* chain verified, name not matched (or not asked) */
	TLS_VERIFIED,  /* chain verified and a name matched */
};

/* What the peer showed; all strings NUL-terminated, "" when absent. */
struct tls_info {
	char protocol[32]; /* "TLSv1.3" */
	char cipher[80];   /* "TLS_AES_256_GCM_SHA384" */
	int bits, alg_bits;
	enum tls_trust trust;
	char verify_error[160]; /* why not trusted or verified, or "" */
	char subject[256];      /* one-line subject, "" without certificate */
	char issuer[256];
	char subject_cn[128];
	char not_after[48];    /* "Nov 22 10:00:00 2027 GMT" */
	char names[512];       /* subjectAltName DNS names, ", " joined */
	char fingerprint[100]; /* SHA-256, colon-separated hex */
};

/* tls_client_ctx_trust - a client context trusting cafile and/or capath
 * (either may be NULL or ""; with neither, the system's default CA
 * locations), with OpenSSL's default protocols and ciphers (opportunistic
 * TLS with any server is better than none). Free with tls_ctx_free().
 * NULL with why. */
struct tls_ctx *tls_client_ctx_trust(
    const char *cafile, const char *capath, struct buf *why);

/* tls_client_start_checked - handshake on s (a connected plaintext stream with
 * nothing buffered: call after the server's 220 to STARTTLS, or at once
 * for SMTPS). sni is sent as server name when it is a host name (not an
 * address; may be NULL). match lists the names the certificate must match
 * (may be NULL or empty: no name check). With require_verified, a chain or
 * name that does not verify fails the handshake. On success the stream's
 * I/O goes through TLS and info (may be NULL) describes the session;
 * NULL with why otherwise (the stream is then unusable for TLS; close it). */
struct tls_conn *tls_client_start_checked(struct tls_ctx *ctx, struct stream *s,
    const char *sni, const struct strv *match, bool require_verified,
    struct tls_info *info, struct buf *why);

/* tls_trust_name - "Untrusted", "Trusted", "Verified" */
const char *tls_trust_name(enum tls_trust t);
/* tls_info_summary - Postfix's one-line form:
 * "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" */
void tls_info_summary(const struct tls_info *info, struct buf *out);

#endif /* MAIL_TLS_CLIENT_H */

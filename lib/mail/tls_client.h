/*
 * tls_client.h - the client side of TLS (STARTTLS in the smtp delivery
 * agent, `gannet domain-info`). OpenSSL stays inside lib/mail/tls*.c
 * (STYLE 17): callers see a context, a connection and a plain description
 * of the peer.
 *
 * TLS sits below the stream as its I/O hook (stream_set_io), so the
 * stream's timeouts and deadlines cover the handshake and every record.
 * The certificate chain is always checked, so that the log can say how far
 * the peer could be trusted (Postfix's words: Untrusted, Trusted, Verified),
 * but the handshake only fails on it when the caller requires verification.
 */
#ifndef MAIL_TLS_CLIENT_H
#define MAIL_TLS_CLIENT_H
#include "util/sys_defs.h"

struct buf;
struct stream;
struct strv;
struct tls_client_ctx;
struct tls_conn;

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

/* tls_client_ctx_new - a context trusting cafile and/or capath (either
 * may be NULL or ""; with neither, the system's default CA locations).
 * NULL with why. */
struct tls_client_ctx *tls_client_ctx_new(
    const char *cafile, const char *capath, struct buf *why);
void tls_client_ctx_free(struct tls_client_ctx **cp);

/* tls_client_start - handshake on s (a connected plaintext stream with
 * nothing buffered: call after the server's 220 to STARTTLS, or at once
 * for SMTPS). sni is sent as server name when it is a host name (not an
 * address; may be NULL). match lists the names the certificate must match
 * (may be NULL or empty: no name check). With require_verified, a chain or
 * name that does not verify fails the handshake. On success the stream's
 * I/O goes through TLS and info (may be NULL) describes the session;
 * NULL with why otherwise (the stream is then unusable for TLS; close it). */
struct tls_conn *tls_client_start(struct tls_client_ctx *ctx, struct stream *s,
    const char *sni, const struct strv *match, bool require_verified,
    struct tls_info *info, struct buf *why);
/* tls_conn_close - send close_notify (best effort, without waiting for
 * the peer's), remove the hook from s, free; *cp = NULL. s may be NULL when
 * the stream is already gone. */
void tls_conn_close(struct tls_conn **cp, struct stream *s);

/* tls_trust_name - "Untrusted", "Trusted", "Verified" */
const char *tls_trust_name(enum tls_trust t);
/* tls_info_summary - Postfix's one-line form:
 * "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" */
void tls_info_summary(const struct tls_info *info, struct buf *out);

#endif /* MAIL_TLS_CLIENT_H */

/*
 * tls.h - TLS for every protocol of the suite: STARTTLS and implicit TLS
 * in smtpd, pop3d and imapd, and (later) the SMTP client. With
 * tls_cert.c, this is the only code that uses OpenSSL (STYLE 17).
 *
 * TLS sits below a struct stream as its I/O hook (stream_set_io), so the
 * stream's per-call timeout and whole-operation deadline bound the
 * handshake and every record exactly as they bound plain I/O; callers
 * keep using stream_getline/stream_write and never see OpenSSL.
 *
 * A server context is made once per process from the certificate and key
 * files (PEM; the certificate file may hold the chain after the leaf),
 * normally in the pre_jail hook, as root, because the key is readable
 * only by root. The master restarts its children on reload, so a renewed
 * certificate is picked up by `gannet reload` without dropping sessions.
 *
 * Defaults: TLS 1.2 and newer, forward-secret AEAD ciphers only for
 * TLS 1.2 (OpenSSL's TLS 1.3 suites are all good), server cipher
 * preference, no renegotiation, no compression, no session tickets (each
 * process would have its own ticket key, so they would never resume).
 */
#ifndef MAIL_TLS_H
#define MAIL_TLS_H
#include "util/sys_defs.h"

struct buf;
struct stream;
struct tls_ctx;
struct tls_conn;

/* The default cipher list for TLS 1.2 (OpenSSL syntax). */
#define TLS_DEFAULT_CIPHERS                                                    \
	"ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!SHA1"

/* tls_protocols_parse - a Postfix-style protocol list: ">=TLSv1.2" or
 * "!SSLv2, !SSLv3, !TLSv1, !TLSv1.1"; the lowest version allowed goes to
 * *min_out as "TLSv1.2" etc. (borrowed). 0, or -1 with why. */
int tls_protocols_parse(
    const char *spec, const char **min_out, struct buf *why);

/* tls_server_ctx_new - a server context from cert_file and key_file,
 * allowing protocols (tls_protocols_parse syntax) and, for TLS 1.2,
 * ciphers (OpenSSL syntax; NULL or "" for TLS_DEFAULT_CIPHERS). Checks
 * that the key matches the certificate. NULL with why. */
struct tls_ctx *tls_server_ctx_new(const char *cert_file, const char *key_file,
    const char *protocols, const char *ciphers, struct buf *why);
/* tls_client_ctx_new - a client context; ca_file NULL means the system's
 * trust store. Verification results are reported, not enforced: the
 * caller decides (tls_conn_verified). NULL with why. */
struct tls_ctx *tls_client_ctx_new(const char *ca_file, const char *protocols,
    const char *ciphers, struct buf *why);
/* tls_ctx_free - free, set *cp = NULL */
void tls_ctx_free(struct tls_ctx **cp);

/* tls_server_start - the server handshake on s, within its timeout and
 * deadline. Input the stream had buffered is discarded first (it was
 * sent before the handshake: RFC 3207 section 4.2 and the STARTTLS
 * command injection attacks). On success the stream carries TLS from now
 * on; returns the connection, or NULL with why (the stream is then not
 * usable: the caller closes the session). */
struct tls_conn *tls_server_start(
    struct tls_ctx *ctx, struct stream *s, struct buf *why);
/* tls_client_start - the client handshake; servername (may be NULL) is
 * sent as SNI and checked against the certificate */
struct tls_conn *tls_client_start(struct tls_ctx *ctx, struct stream *s,
    const char *servername, struct buf *why);
/* tls_conn_stop - send close_notify (best effort, within the stream's
 * timeout), unhook the stream, free; *cp = NULL */
void tls_conn_stop(struct tls_conn **cp, struct stream *s);

/* Session facts, for logs and Received: headers (borrowed strings) */
const char *tls_conn_version(const struct tls_conn *c); /* "TLSv1.3" */
const char *tls_conn_cipher(const struct tls_conn *c);
int tls_conn_bits(const struct tls_conn *c);
/* tls_conn_verified - the peer's certificate chain verified (and
 * matched servername on a client) */
bool tls_conn_verified(const struct tls_conn *c);
/* tls_conn_describe - Postfix's form, for Received: headers:
 * "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)" */
void tls_conn_describe(const struct tls_conn *c, struct buf *out);

#endif /* MAIL_TLS_H */

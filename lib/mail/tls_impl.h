/*
 * tls_impl.h - what the TLS modules share among themselves (tls.c, the
 * stream hook and the handshake loop; tls_client.c, the SMTP client's
 * certificate checks). Only lib/mail/tls*.c may include it: it exposes
 * OpenSSL types, which the rest of the suite never sees (STYLE 17).
 */
#ifndef MAIL_TLS_IMPL_H
#define MAIL_TLS_IMPL_H
#include <openssl/ssl.h>

#include "util/sys_defs.h"

#include "mail/tls.h"

struct buf;
struct stream;

/* tls_ctx_adopt - a struct tls_ctx owning ssl_ctx (freed by
 * tls_ctx_free) */
struct tls_ctx *tls_ctx_adopt(SSL_CTX *ssl_ctx, bool is_server);
/* tls_ctx_ssl - the context's SSL_CTX (borrowed) */
SSL_CTX *tls_ctx_ssl(const struct tls_ctx *t);
/* tls_conn_handshake - run the handshake of ssl (set up by the caller on
 * the stream's descriptor: SNI, names, verify mode) within the stream's
 * timeout and deadline, then hook the stream. The connection owns ssl
 * from now on, also when NULL (failure, with why) is returned. */
struct tls_conn *tls_conn_handshake(
    SSL *ssl, bool is_server, struct stream *s, struct buf *why);
/* tls_conn_ssl - the connection's SSL (borrowed) */
SSL *tls_conn_ssl(const struct tls_conn *c);

#endif /* MAIL_TLS_IMPL_H */

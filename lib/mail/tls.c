/*
 * tls.c - OpenSSL below struct stream (see tls.h).
 *
 * The descriptor is non-blocking (stream_open made it so). The hook
 * functions do one SSL_read or SSL_write and translate OpenSSL's
 * WANT_READ/WANT_WRITE into the poll event the stream should wait for;
 * the handshake loop waits with stream_wait(), which honours the
 * stream's timeout and deadline. Nothing here blocks on its own.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/tls.h"
#include "mail/tls_impl.h"

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	bool is_server;
};

struct tls_conn {
	SSL *ssl;
	char version[32];
	char cipher[96];
	int bits, alg_bits;
	bool verified;
};

static const struct {
	const char *name;
	int version;
} tls_versions[] = {
    {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION},
    {"TLSv1.2", TLS1_2_VERSION},
    {"TLSv1.3", TLS1_3_VERSION},
};

/* tls_err - append OpenSSL's first queued error (or fallback) to why */
static void
tls_err(struct buf *why, const char *what, const char *fallback)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e) {
		ERR_error_string_n(e, text, sizeof(text));
		buf_printf(why, "%s: %s", what, text);
	} else
		buf_printf(why, "%s: %s", what, fallback);
	ERR_clear_error();
}

/* tls_version_index - position of a version name, or -1 */
static int
tls_version_index(const char *name, size_t len)
{
	for (size_t i = 0; i < NELEM(tls_versions); i++)
		if (strlen(tls_versions[i].name) == len
		    && strncasecmp(tls_versions[i].name, name, len) == 0)
			return (int)i;
	return -1;
}

/* tls_protocols_parse - the lowest version allowed */
int
tls_protocols_parse(const char *spec, const char **min_out, struct buf *why)
{
	bool excluded[NELEM(tls_versions)] = {false};
	const char *p = spec;
	int idx;

	while (*p == ' ' || *p == '\t')
		p++;
	if (strncmp(p, ">=", 2) == 0) {
		size_t n;

		p += 2;
		n = strcspn(p, " \t,:");
		if ((idx = tls_version_index(p, n)) < 0
		    || p[n + strspn(p + n, " \t")] != 0) {
			buf_printf(why, "bad TLS protocol list: %s", spec);
			return -1;
		}
		*min_out = tls_versions[idx].name;
		return 0;
	}
	while (*p) {
		size_t n;

		p += strspn(p, " \t,:");
		if (*p == 0)
			break;
		n = strcspn(p, " \t,:");
		if (*p != '!') {
			buf_printf(why,
			    "bad TLS protocol list (use \">=TLSv1.2\" or "
			    "\"!SSLv3, !TLSv1\"): %s",
			    spec);
			return -1;
		}
		if ((n == 6 && strncasecmp(p, "!SSLv2", 6) == 0)
		    || (n == 6 && strncasecmp(p, "!SSLv3", 6) == 0)) {
			p += n;
			continue;
		}
		if ((idx = tls_version_index(p + 1, n - 1)) < 0) {
			buf_printf(why, "unknown TLS protocol in: %s", spec);
			return -1;
		}
		excluded[idx] = true;
		p += n;
	}
	for (size_t i = 0; i < NELEM(tls_versions); i++) {
		if (excluded[i])
			continue;
		for (size_t k = i + 1; k < NELEM(tls_versions); k++) {
			if (excluded[k]) {
				buf_printf(why,
				    "TLS protocol list leaves a gap: %s", spec);
				return -1;
			}
		}
		*min_out = tls_versions[i].name;
		return 0;
	}
	buf_printf(why, "TLS protocol list excludes everything: %s", spec);
	return -1;
}

/* tls_ctx_common - settings shared by server and client contexts */
static int
tls_ctx_common(
    SSL_CTX *ctx, const char *protocols, const char *ciphers, struct buf *why)
{
	const char *min;
	int idx;

	if (tls_protocols_parse(protocols ? protocols : ">=TLSv1.2", &min, why)
	    < 0)
		return -1;
	idx = tls_version_index(min, strlen(min));
	if (!SSL_CTX_set_min_proto_version(ctx, tls_versions[idx].version)) {
		tls_err(why, "set minimum TLS version", min);
		return -1;
	}
	if (!SSL_CTX_set_cipher_list(
	        ctx, ciphers && *ciphers ? ciphers : TLS_DEFAULT_CIPHERS)) {
		tls_err(why, "cipher list", "no usable cipher");
		return -1;
	}
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET
	        | SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE
	        | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return 0;
}

/* tls_server_ctx_new - server context */
struct tls_ctx *
tls_server_ctx_new(const char *cert_file, const char *key_file,
    const char *protocols, const char *ciphers, struct buf *why)
{
	struct tls_ctx *t;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL) {
		tls_err(why, "SSL_CTX_new", "out of memory");
		return NULL;
	}
	if (tls_ctx_common(ctx, protocols, ciphers, why) < 0)
		goto bad;
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_dh_auto(ctx, 1);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
		tls_err(why, cert_file, "cannot load certificate");
		goto bad;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
		tls_err(why, key_file, "cannot load private key");
		goto bad;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		tls_err(why, key_file, "key does not match the certificate");
		goto bad;
	}
	t = xcalloc(1, sizeof(*t));
	t->ssl_ctx = ctx;
	t->is_server = true;
	return t;
bad:
	SSL_CTX_free(ctx);
	return NULL;
}

/* tls_client_ctx_new - client context */
struct tls_ctx *
tls_client_ctx_new(const char *ca_file, const char *protocols,
    const char *ciphers, struct buf *why)
{
	struct tls_ctx *t;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_err(why, "SSL_CTX_new", "out of memory");
		return NULL;
	}
	if (tls_ctx_common(ctx, protocols, ciphers, why) < 0)
		goto bad;
	if ((ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL)
	             : SSL_CTX_set_default_verify_paths(ctx))
	    != 1) {
		tls_err(why, ca_file ? ca_file : "system trust store",
		    "cannot load CA certificates");
		goto bad;
	}
	/* Verify, record the result, let the caller decide. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	t = xcalloc(1, sizeof(*t));
	t->ssl_ctx = ctx;
	return t;
bad:
	SSL_CTX_free(ctx);
	return NULL;
}

/* tls_ctx_free - free the context */
void
tls_ctx_free(struct tls_ctx **cp)
{
	if (*cp == NULL)
		return;
	SSL_CTX_free((*cp)->ssl_ctx);
	free(*cp);
	*cp = NULL;
}

/* tls_io_result - translate an SSL_read/SSL_write result for the stream */
static ssize_t
tls_io_result(SSL *ssl, int r, short *events_out)
{
	if (r > 0)
		return r;
	switch (SSL_get_error(ssl, r)) {
	case SSL_ERROR_WANT_READ:
		*events_out = POLLIN;
		return STREAM_IO_WANT;
	case SSL_ERROR_WANT_WRITE:
		*events_out = POLLOUT;
		return STREAM_IO_WANT;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		if (ERR_peek_error() == 0
		    && (r == 0 || errno == ECONNRESET || errno == EPIPE)) {
			ERR_clear_error();
			return 0;
		}
		/* FALLTHROUGH */
	default:
		if (log_verbose()) {
			char text[256];

			ERR_error_string_n(
			    ERR_peek_error(), text, sizeof(text));
			log_debug("TLS I/O error: %s", text);
		}
		ERR_clear_error();
		return STREAM_IO_ERROR;
	}
}

/* tls_io_read - stream hook: one SSL_read */
static ssize_t
tls_io_read(void *ctx, void *buf, size_t n, short *events_out)
{
	struct tls_conn *c = ctx;

	ERR_clear_error();
	return tls_io_result(c->ssl,
	    SSL_read(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n),
	    events_out);
}

/* tls_io_write - stream hook: one SSL_write */
static ssize_t
tls_io_write(void *ctx, const void *buf, size_t n, short *events_out)
{
	struct tls_conn *c = ctx;
	ssize_t r;

	ERR_clear_error();
	r = tls_io_result(c->ssl,
	    SSL_write(c->ssl, buf, n > INT32_MAX ? INT32_MAX : (int)n),
	    events_out);
	/* A write that "reads EOF" is a lost connection: an error. */
	return r == 0 ? STREAM_IO_ERROR : r;
}

/* tls_io_pending - decoded bytes OpenSSL holds */
static size_t
tls_io_pending(void *ctx)
{
	struct tls_conn *c = ctx;
	int n = SSL_pending(c->ssl);

	return n > 0 ? (size_t)n : 0;
}

static const struct stream_io tls_stream_io = {
    .read = tls_io_read,
    .write = tls_io_write,
    .pending = tls_io_pending,
};

/* tls_conn_free - free a connection that is not hooked */
static void
tls_conn_free(struct tls_conn **cp)
{
	if (*cp == NULL)
		return;
	SSL_free((*cp)->ssl);
	free(*cp);
	*cp = NULL;
}

/* tls_conn_handshake - handshake of a prepared SSL (either side), then
 * hook the stream (see tls_impl.h) */
struct tls_conn *
tls_conn_handshake(SSL *ssl, bool is_server, struct stream *s, struct buf *why)
{
	struct tls_conn *c = xcalloc(1, sizeof(*c));
	const SSL_CIPHER *cipher;

	c->ssl = ssl;
	for (;;) {
		int r, e;

		ERR_clear_error();
		r = is_server ? SSL_accept(c->ssl) : SSL_connect(c->ssl);
		if (r == 1)
			break;
		e = SSL_get_error(c->ssl, r);
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
			if (stream_wait(
			        s, e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT)
			    < 0) {
				buf_printf(why, "TLS handshake: %s",
				    stream_strerror(s));
				goto bad;
			}
			continue;
		}
		tls_err(why, "TLS handshake",
		    e == SSL_ERROR_SYSCALL ? "lost connection"
		                           : "protocol error");
		goto bad;
	}
	snprintf(c->version, sizeof(c->version), "%s", SSL_get_version(c->ssl));
	cipher = SSL_get_current_cipher(c->ssl);
	snprintf(c->cipher, sizeof(c->cipher), "%s",
	    cipher ? SSL_CIPHER_get_name(cipher) : "unknown");
	c->bits = cipher ? SSL_CIPHER_get_bits(cipher, &c->alg_bits) : 0;
	if (!is_server) {
		X509 *peer = SSL_get1_peer_certificate(c->ssl);

		c->verified =
		    peer != NULL && SSL_get_verify_result(c->ssl) == X509_V_OK;
		X509_free(peer);
	}
	stream_set_io(s, &tls_stream_io, c);
	return c;
bad:
	tls_conn_free(&c);
	return NULL;
}

/* tls_start - a new SSL for the stream, handshake, hook */
static struct tls_conn *
tls_start(struct tls_ctx *t, struct stream *s, const char *servername,
    struct buf *why)
{
	SSL *ssl;

	if (stream_pending(s) > 0)
		stream_discard_input(s);
	if ((ssl = SSL_new(t->ssl_ctx)) == NULL
	    || SSL_set_fd(ssl, stream_fd(s)) != 1) {
		tls_err(why, "SSL_new", "out of memory");
		SSL_free(ssl);
		return NULL;
	}
	if (!t->is_server && servername && *servername) {
		SSL_set_tlsext_host_name(ssl, servername);
		SSL_set1_host(ssl, servername);
	}
	return tls_conn_handshake(ssl, t->is_server, s, why);
}

/* tls_ctx_adopt - wrap an SSL_CTX made elsewhere in tls*.c */
struct tls_ctx *
tls_ctx_adopt(SSL_CTX *ssl_ctx, bool is_server)
{
	struct tls_ctx *t = xcalloc(1, sizeof(*t));

	t->ssl_ctx = ssl_ctx;
	t->is_server = is_server;
	return t;
}

/* tls_ctx_ssl - the SSL_CTX of a context */
SSL_CTX *
tls_ctx_ssl(const struct tls_ctx *t)
{
	return t->ssl_ctx;
}

/* tls_conn_ssl - the SSL of a connection */
SSL *
tls_conn_ssl(const struct tls_conn *c)
{
	return c->ssl;
}

/* tls_server_start - server handshake */
struct tls_conn *
tls_server_start(struct tls_ctx *t, struct stream *s, struct buf *why)
{
	ASSERT(t->is_server);
	return tls_start(t, s, NULL, why);
}

/* tls_client_start - client handshake */
struct tls_conn *
tls_client_start(struct tls_ctx *t, struct stream *s, const char *servername,
    struct buf *why)
{
	ASSERT(!t->is_server);
	return tls_start(t, s, servername, why);
}

/* tls_conn_stop - close_notify, unhook, free */
void
tls_conn_stop(struct tls_conn **cp, struct stream *s)
{
	struct tls_conn *c = *cp;

	if (c == NULL)
		return;
	if (stream_status(s) == STREAM_OK) {
		/* One try, plus one wait if the socket buffer is full; the
		 * peer's close_notify is not awaited. */
		for (int i = 0; i < 2; i++) {
			int r;

			ERR_clear_error();
			r = SSL_shutdown(c->ssl);
			if (r >= 0
			    || SSL_get_error(c->ssl, r) != SSL_ERROR_WANT_WRITE
			    || stream_wait(s, POLLOUT) < 0)
				break;
		}
		ERR_clear_error();
	}
	stream_set_io(s, NULL, NULL);
	tls_conn_free(cp);
}

/* tls_conn_version - "TLSv1.3" */
const char *
tls_conn_version(const struct tls_conn *c)
{
	return c->version;
}

/* tls_conn_cipher - cipher name */
const char *
tls_conn_cipher(const struct tls_conn *c)
{
	return c->cipher;
}

/* tls_conn_bits - secret bits */
int
tls_conn_bits(const struct tls_conn *c)
{
	return c->bits;
}

/* tls_conn_verified - peer chain verified */
bool
tls_conn_verified(const struct tls_conn *c)
{
	return c->verified;
}

/* tls_conn_describe - Postfix's Received: form */
void
tls_conn_describe(const struct tls_conn *c, struct buf *out)
{
	buf_printf(out, "%s with cipher %s (%d/%d bits)", c->version, c->cipher,
	    c->bits, c->alg_bits);
}

/*
 * tls_client.c - TLS client connections with OpenSSL (see tls_client.h).
 *
 * The socket stays non-blocking; OpenSSL reads and writes it through its
 * own socket BIO, and every WANT_READ/WANT_WRITE goes back to the stream,
 * which polls within its timeout and deadline. The handshake loop does the
 * same through stream_wait().
 *
 * Certificate checks: a verify callback records the first chain error and
 * whether a name failed to match, and lets the handshake go on unless the
 * caller requires verification. (OpenSSL's final verify result alone would
 * report only the last error, which for a self-signed certificate with a
 * wrong name is the name, making the chain look trusted.)
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/tls_client.h"

struct tls_client_ctx {
	SSL_CTX *ctx;
};

struct tls_conn {
	SSL *ssl;
	bool require_verified;
	bool has_names;
	int chain_err; /* first chain error, X509_V_OK when none */
	int chain_depth;
	bool name_mismatch; /* no match= name matched */
};

/* tls_client_err - OpenSSL's error queue (or what) into why */
static void
tls_client_err(struct buf *why, const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256];

	if (e) {
		ERR_error_string_n(e, text, sizeof(text));
		buf_printf(why, "%s: %s", what, text);
	} else {
		buf_printf(why, "%s", what);
	}
	ERR_clear_error();
}

/* tls_client_ctx_new - SSL_CTX with the trusted CAs */
struct tls_client_ctx *
tls_client_ctx_new(const char *cafile, const char *capath, struct buf *why)
{
	struct tls_client_ctx *c;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL) {
		tls_client_err(why, "cannot create a TLS context");
		return NULL;
	}
	/* A server that closes without close_notify after QUIT is normal in
	 * SMTP; that is EOF, not an error. */
	SSL_CTX_set_options(ctx,
	    SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF
	        | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx,
	    SSL_MODE_ENABLE_PARTIAL_WRITE
	        | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (cafile && !*cafile)
		cafile = NULL;
	if (capath && !*capath)
		capath = NULL;
	if (cafile || capath) {
		if (!SSL_CTX_load_verify_locations(ctx, cafile, capath)) {
			struct buf *what = buf_new(128);

			buf_printf(what,
			    "cannot load CA certificates from %s%s%s",
			    cafile ? cafile : "",
			    cafile && capath ? " and " : "",
			    capath ? capath : "");
			tls_client_err(why, buf_cstr(what));
			buf_free(&what);
			SSL_CTX_free(ctx);
			return NULL;
		}
	} else if (!SSL_CTX_set_default_verify_paths(ctx)) {
		ERR_clear_error(); /* no system CAs: nothing verifies */
	}
	c = xcalloc(1, sizeof(*c));
	c->ctx = ctx;
	return c;
}

/* tls_client_ctx_free - free the context */
void
tls_client_ctx_free(struct tls_client_ctx **cp)
{
	if (*cp == NULL)
		return;
	SSL_CTX_free((*cp)->ctx);
	free(*cp);
	*cp = NULL;
}

/* tls_io_want - map an SSL error to the stream's hook results */
static ssize_t
tls_io_want(SSL *ssl, int r, short *events_out)
{
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
		if (errno == EAGAIN || errno == EINTR) {
			*events_out = POLLIN | POLLOUT;
			return STREAM_IO_WANT;
		}
		ERR_clear_error();
		return STREAM_IO_ERROR;
	default:
		ERR_clear_error();
		return STREAM_IO_ERROR;
	}
}

/* tls_io_read - the stream's read hook */
static ssize_t
tls_io_read(void *ctx, void *p, size_t n, short *events_out)
{
	struct tls_conn *c = ctx;
	size_t got = 0;
	int r;

	ERR_clear_error();
	r = SSL_read_ex(c->ssl, p, n, &got);
	if (r == 1)
		return (ssize_t)got;
	return tls_io_want(c->ssl, r, events_out);
}

/* tls_io_write - the stream's write hook */
static ssize_t
tls_io_write(void *ctx, const void *p, size_t n, short *events_out)
{
	struct tls_conn *c = ctx;
	size_t done = 0;
	int r;

	ERR_clear_error();
	r = SSL_write_ex(c->ssl, p, n, &done);
	if (r == 1)
		return (ssize_t)done;
	r = (int)tls_io_want(c->ssl, r, events_out);
	return r == 0 ? STREAM_IO_ERROR : r;
}

/* tls_io_pending - decrypted bytes held by OpenSSL */
static size_t
tls_io_pending(void *ctx)
{
	struct tls_conn *c = ctx;
	int n = SSL_pending(c->ssl);

	return n > 0 ? (size_t)n : 0;
}

static const struct stream_io tls_client_io = {
    .read = tls_io_read,
    .write = tls_io_write,
    .pending = tls_io_pending,
};

/* tls_verify_cb - record chain errors and name mismatches */
static int
tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl =
	    X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_conn *c = ssl ? SSL_get_app_data(ssl) : NULL;

	if (c == NULL)
		return ok;
	if (!ok) {
		int err = X509_STORE_CTX_get_error(x);

		if (err == X509_V_ERR_HOSTNAME_MISMATCH) {
			c->name_mismatch = true;
		} else if (c->chain_err == X509_V_OK) {
			c->chain_err = err;
			c->chain_depth = X509_STORE_CTX_get_error_depth(x);
		}
	}
	return c->require_verified ? ok : 1;
}

/* tls_clean - copy peer-controlled text, printable ASCII only */
static void
tls_clean(char *out, size_t outlen, const char *in, size_t inlen)
{
	size_t k = 0;

	for (size_t i = 0; i < inlen && k + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)in[i];

		out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[k] = 0;
}

/* tls_name_text - an X509 name as "CN=a,O=b" */
static void
tls_name_text(X509_NAME *name, char *out, size_t outlen)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	long n;

	out[0] = 0;
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &data);
		if (n > 0)
			tls_clean(out, outlen, data, (size_t)n);
	}
	BIO_free(bio);
}

/* tls_cert_info - subject, issuer, names, expiry, fingerprint */
static void
tls_cert_info(X509 *cert, struct tls_info *info)
{
	GENERAL_NAMES *gens;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char cn[256];
	int n;
	BIO *bio;

	tls_name_text(
	    X509_get_subject_name(cert), info->subject, sizeof(info->subject));
	tls_name_text(
	    X509_get_issuer_name(cert), info->issuer, sizeof(info->issuer));
	n = X509_NAME_get_text_by_NID(
	    X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
	if (n > 0)
		tls_clean(
		    info->subject_cn, sizeof(info->subject_cn), cn, (size_t)n);
	if ((bio = BIO_new(BIO_s_mem())) != NULL) {
		char *data;
		long len;

		if (ASN1_TIME_print(bio, X509_get0_notAfter(cert))) {
			len = BIO_get_mem_data(bio, &data);
			if (len > 0)
				tls_clean(info->not_after,
				    sizeof(info->not_after), data, (size_t)len);
		}
		BIO_free(bio);
	}
	gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	if (gens) {
		size_t k = 0;

		for (int i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
			char one[256];
			size_t len;

			if (g->type != GEN_DNS)
				continue;
			tls_clean(one, sizeof(one),
			    (const char *)ASN1_STRING_get0_data(g->d.dNSName),
			    (size_t)ASN1_STRING_length(g->d.dNSName));
			len = strlen(one);
			if (k + len + 3 >= sizeof(info->names))
				break;
			if (k) {
				memcpy(info->names + k, ", ", 2);
				k += 2;
			}
			memcpy(info->names + k, one, len + 1);
			k += len;
		}
		GENERAL_NAMES_free(gens);
	}
	if (X509_digest(cert, EVP_sha256(), md, &mdlen)) {
		size_t k = 0;

		for (unsigned int i = 0;
		     i < mdlen && k + 4 < sizeof(info->fingerprint); i++)
			k += (size_t)snprintf(info->fingerprint + k,
			    sizeof(info->fingerprint) - k, "%s%02X",
			    i ? ":" : "", md[i]);
	}
}

/* tls_fill_info - describe the established session */
static void
tls_fill_info(struct tls_conn *c, struct tls_info *info)
{
	X509 *cert = SSL_get0_peer_certificate(c->ssl);
	const char *ciph = SSL_get_cipher_name(c->ssl);

	memset(info, 0, sizeof(*info));
	snprintf(info->protocol, sizeof(info->protocol), "%s",
	    SSL_get_version(c->ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s", ciph ? ciph : "");
	info->bits = SSL_get_cipher_bits(c->ssl, &info->alg_bits);
	if (cert == NULL) {
		info->trust = TLS_UNTRUSTED;
		snprintf(info->verify_error, sizeof(info->verify_error),
		    "no server certificate");
		return;
	}
	tls_cert_info(cert, info);
	if (c->chain_err != X509_V_OK) {
		info->trust = TLS_UNTRUSTED;
		snprintf(info->verify_error, sizeof(info->verify_error),
		    "%s (depth %d)",
		    X509_verify_cert_error_string(c->chain_err),
		    c->chain_depth);
	} else if (!c->has_names) {
		info->trust = TLS_TRUSTED;
	} else if (c->name_mismatch) {
		info->trust = TLS_TRUSTED;
		snprintf(info->verify_error, sizeof(info->verify_error),
		    "certificate name does not match");
	} else {
		info->trust = TLS_VERIFIED;
	}
}

/* tls_client_start - handshake */
struct tls_conn *
tls_client_start(struct tls_client_ctx *ctx, struct stream *s, const char *sni,
    const struct strv *match, bool require_verified, struct tls_info *info,
    struct buf *why)
{
	struct tls_conn *c = xcalloc(1, sizeof(*c));
	struct tls_info local;
	X509_VERIFY_PARAM *param;
	unsigned char a[16];

	if (info == NULL)
		info = &local;
	c->require_verified = require_verified;
	c->chain_err = X509_V_OK;
	ERR_clear_error();
	if ((c->ssl = SSL_new(ctx->ctx)) == NULL
	    || !SSL_set_fd(c->ssl, stream_fd(s))) {
		tls_client_err(why, "cannot start TLS");
		goto fail;
	}
	SSL_set_app_data(c->ssl, c);
	SSL_set_connect_state(c->ssl);
	SSL_set_verify(c->ssl,
	    require_verified ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    tls_verify_cb);
	/* SNI only for names: RFC 6066 s3 forbids literal addresses. */
	if (sni && *sni && inet_pton(AF_INET, sni, a) != 1
	    && inet_pton(AF_INET6, sni, a) != 1)
		SSL_set_tlsext_host_name(c->ssl, sni);
	param = SSL_get0_param(c->ssl);
	X509_VERIFY_PARAM_set_hostflags(
	    param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (size_t i = 0; match && i < match->n; i++) {
		if (!X509_VERIFY_PARAM_add1_host(param, match->v[i], 0)) {
			buf_printf(
			    why, "bad certificate match name: %s", match->v[i]);
			goto fail;
		}
		c->has_names = true;
	}
	/* Nothing the server sent in plaintext may be read as TLS data
	 * (RFC 3207 s5). */
	stream_discard_input(s);
	for (;;) {
		int r = SSL_connect(c->ssl);
		short want;

		if (r == 1)
			break;
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
			want = POLLIN;
			break;
		case SSL_ERROR_WANT_WRITE:
			want = POLLOUT;
			break;
		default:
			if (require_verified && c->chain_err != X509_V_OK) {
				buf_printf(why,
				    "Server certificate not trusted: %s",
				    X509_verify_cert_error_string(
				        c->chain_err));
				ERR_clear_error();
			} else if (require_verified && c->name_mismatch) {
				buf_printf(why,
				    "Server certificate not "
				    "verified: name does not match");
				ERR_clear_error();
			} else {
				tls_client_err(why, "TLS handshake failed");
			}
			goto fail;
		}
		if (stream_wait(s, want) < 0) {
			buf_printf(
			    why, "TLS handshake: %s", stream_strerror(s));
			goto fail;
		}
	}
	tls_fill_info(c, info);
	stream_set_io(s, &tls_client_io, c);
	return c;
fail:
	SSL_free(c->ssl);
	free(c);
	return NULL;
}

/* tls_conn_close - close_notify, unhook, free */
void
tls_conn_close(struct tls_conn **cp, struct stream *s)
{
	struct tls_conn *c = *cp;

	if (c == NULL)
		return;
	if (s) {
		/* One try: a peer that is gone or slow does not get to
		 * hold us here. */
		(void)SSL_shutdown(c->ssl);
		stream_set_io(s, NULL, NULL);
	}
	ERR_clear_error();
	SSL_free(c->ssl);
	free(c);
	*cp = NULL;
}

/* tls_trust_name - Postfix's words */
const char *
tls_trust_name(enum tls_trust t)
{
	switch (t) {
	case TLS_VERIFIED:
		return "Verified";
	case TLS_TRUSTED:
		return "Trusted";
	case TLS_UNTRUSTED:
		break;
	}
	return "Untrusted";
}

/* tls_info_summary - "TLSv1.3 with cipher X (256/256 bits)" */
void
tls_info_summary(const struct tls_info *info, struct buf *out)
{
	buf_printf(out, "%s with cipher %s (%d/%d bits)", info->protocol,
	    info->cipher, info->bits, info->alg_bits);
}

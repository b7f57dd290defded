/*
 * tls_client.c - the SMTP client's TLS (see tls_client.h). The handshake
 * loop and the stream hook are tls.c's (tls_impl.h); this file prepares
 * the SSL (SNI, names, verify mode) and describes the peer afterwards.
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

#include "mail/tls.h"
#include "mail/tls_client.h"
#include "mail/tls_impl.h"

/* Per-connection check state, the SSL's app data during the handshake. */
struct tls_check {
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

/* tls_client_ctx_trust - SSL_CTX with the trusted CAs */
struct tls_ctx *
tls_client_ctx_trust(const char *cafile, const char *capath, struct buf *why)
{
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
	return tls_ctx_adopt(ctx, false);
}

/* tls_verify_cb - record chain errors and name mismatches */
static int
tls_verify_cb(int ok, X509_STORE_CTX *x)
{
	SSL *ssl =
	    X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	struct tls_check *c = ssl ? SSL_get_app_data(ssl) : NULL;

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
tls_fill_info(SSL *ssl, const struct tls_check *c, struct tls_info *info)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	const char *ciph = SSL_get_cipher_name(ssl);

	memset(info, 0, sizeof(*info));
	snprintf(
	    info->protocol, sizeof(info->protocol), "%s", SSL_get_version(ssl));
	snprintf(info->cipher, sizeof(info->cipher), "%s", ciph ? ciph : "");
	info->bits = SSL_get_cipher_bits(ssl, &info->alg_bits);
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

/* tls_client_start_checked - handshake with the policy's checks */
struct tls_conn *
tls_client_start_checked(struct tls_ctx *ctx, struct stream *s, const char *sni,
    const struct strv *match, bool require_verified, struct tls_info *info,
    struct buf *why)
{
	struct tls_check check;
	struct tls_info local;
	struct tls_conn *conn;
	struct buf *hs_why;
	X509_VERIFY_PARAM *param;
	unsigned char a[16];
	SSL *ssl;

	if (info == NULL)
		info = &local;
	memset(&check, 0, sizeof(check));
	check.require_verified = require_verified;
	check.chain_err = X509_V_OK;
	ERR_clear_error();
	if ((ssl = SSL_new(tls_ctx_ssl(ctx))) == NULL
	    || !SSL_set_fd(ssl, stream_fd(s))) {
		tls_client_err(why, "cannot start TLS");
		SSL_free(ssl);
		return NULL;
	}
	SSL_set_app_data(ssl, &check);
	SSL_set_verify(ssl,
	    require_verified ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
	    tls_verify_cb);
	/* SNI only for names: RFC 6066 s3 forbids literal addresses. */
	if (sni && *sni && inet_pton(AF_INET, sni, a) != 1
	    && inet_pton(AF_INET6, sni, a) != 1)
		SSL_set_tlsext_host_name(ssl, sni);
	param = SSL_get0_param(ssl);
	X509_VERIFY_PARAM_set_hostflags(
	    param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
	for (size_t i = 0; match && i < match->n; i++) {
		if (!X509_VERIFY_PARAM_add1_host(param, match->v[i], 0)) {
			buf_printf(
			    why, "bad certificate match name: %s", match->v[i]);
			SSL_free(ssl);
			return NULL;
		}
		check.has_names = true;
	}
	/* Nothing the server sent in plaintext may be read as TLS data
	 * (RFC 3207 s5). */
	stream_discard_input(s);
	hs_why = buf_new(128);
	conn = tls_conn_handshake(ssl, false, s, hs_why);
	if (conn == NULL) {
		/* Say why in the words of the check that failed, if one did. */
		if (require_verified && check.chain_err != X509_V_OK)
			buf_printf(why, "Server certificate not trusted: %s",
			    X509_verify_cert_error_string(check.chain_err));
		else if (require_verified && check.name_mismatch)
			buf_printf(why,
			    "Server certificate not verified: "
			    "name does not match");
		else
			buf_cats(why, buf_cstr(hs_why));
		buf_free(&hs_why);
		return NULL;
	}
	buf_free(&hs_why);
	SSL_set_app_data(ssl, NULL); /* check is about to go out of scope */
	tls_fill_info(tls_conn_ssl(conn), &check, info);
	return conn;
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

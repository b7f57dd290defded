/*
 * tls_cert.c - self-signed certificates for new instances (see
 * tls_cert.h). RSA 2048 rather than an EC key, because a few old mail
 * clients still cannot do ECDSA; the certificate carries the host name as
 * both CN and subjectAltName, as current clients only look at the latter.
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/buf.h"

#include "mail/tls_cert.h"

/* tls_cert_err - append OpenSSL's error queue to why */
static void
tls_cert_err(struct buf *why, const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256];

	ERR_error_string_n(e, text, sizeof(text));
	buf_printf(why, "%s: %s", what, e ? text : "unknown OpenSSL error");
	ERR_clear_error();
}

/* tls_cert_add_ext - add one X509v3 extension */
static int
tls_cert_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* tls_cert_write - write a PEM object to a new file with mode */
static int
tls_cert_write(
    const char *path, mode_t mode, EVP_PKEY *key, X509 *x, struct buf *why)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FILE *fp;
	int ok;

	if (fd < 0 || fchmod(fd, mode) < 0) {
		buf_printf(why, "create %s: %m", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if ((fp = fdopen(fd, "w")) == NULL) {
		buf_printf(why, "fdopen %s: %m", path);
		close(fd);
		return -1;
	}
	ok = key ? PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL)
	         : PEM_write_X509(fp, x);
	if (fflush(fp) != 0 || fsync(fileno(fp)) < 0)
		ok = 0;
	if (fclose(fp) != 0)
		ok = 0;
	if (!ok) {
		tls_cert_err(why, path);
		return -1;
	}
	return 0;
}

/* tls_cert_make_selfsigned - key and certificate for hostname */
int
tls_cert_make_selfsigned(const char *cert_path, const char *key_path,
    const char *hostname, int days, struct buf *why)
{
	EVP_PKEY *key = EVP_RSA_gen(2048);
	X509 *x = NULL;
	X509_NAME *name;
	struct buf *san = buf_new(128);
	int ret = -1;

	if (key == NULL) {
		tls_cert_err(why, "generate RSA key");
		goto out;
	}
	if ((x = X509_new()) == NULL) {
		tls_cert_err(why, "X509_new");
		goto out;
	}
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL));
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Gannet", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)hostname, -1, -1, 0);
	X509_set_issuer_name(x, name);
	buf_printf(san, "DNS:%s", hostname);
	if (tls_cert_add_ext(x, NID_subject_alt_name, buf_cstr(san)) < 0
	    || tls_cert_add_ext(x, NID_basic_constraints, "critical,CA:FALSE")
	        < 0
	    || tls_cert_add_ext(x, NID_ext_key_usage, "serverAuth") < 0) {
		tls_cert_err(why, "certificate extensions");
		goto out;
	}
	if (!X509_sign(x, key, EVP_sha256())) {
		tls_cert_err(why, "sign certificate");
		goto out;
	}
	if (tls_cert_write(key_path, 0600, key, NULL, why) < 0
	    || tls_cert_write(cert_path, 0644, NULL, x, why) < 0)
		goto out;
	ret = 0;
out:
	buf_free(&san);
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

/* tls_cert_describe - subject and expiry, one line */
int
tls_cert_describe(const char *cert_path, struct buf *out, struct buf *why)
{
	FILE *fp = fopen(cert_path, "re");
	X509 *x;
	BIO *bio;
	char subj[256];
	char *data;
	long n;

	if (fp == NULL) {
		buf_printf(why, "open %s: %m", cert_path);
		return -1;
	}
	x = PEM_read_X509(fp, NULL, NULL, NULL);
	fclose(fp);
	if (x == NULL) {
		tls_cert_err(why, cert_path);
		return -1;
	}
	X509_NAME_oneline(X509_get_subject_name(x), subj, sizeof(subj));
	bio = BIO_new(BIO_s_mem());
	ASN1_TIME_print(bio, X509_get0_notAfter(x));
	n = BIO_get_mem_data(bio, &data);
	buf_printf(out, "subject %s, expires %.*s", subj, (int)n, data);
	BIO_free(bio);
	X509_free(x);
	return 0;
}

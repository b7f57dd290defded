/*
 * tls_cert.h - certificates for instances: a self-signed certificate and
 * key for myhostname, made with OpenSSL by `gannet init`. (OpenSSL lives
 * only in lib/mail/tls*.c: STYLE 17.)
 */
#ifndef MAIL_TLS_CERT_H
#define MAIL_TLS_CERT_H
#include "util/sys_defs.h"

struct buf;

/* tls_cert_make_selfsigned - write a PEM key (mode 0600) and certificate
 * (0644) for hostname, valid for days; 0, or -1 with why */
int tls_cert_make_selfsigned(const char *cert_path, const char *key_path,
    const char *hostname, int days, struct buf *why);
/* tls_cert_describe - subject and expiry of a PEM certificate file, for
 * `gannet check`; 0 or -1 with why */
int tls_cert_describe(const char *cert_path, struct buf *out, struct buf *why);

#endif /* MAIL_TLS_CERT_H */

/*
 * xtext.h - the "xtext" encoding of RFC 3461 section 4 (DSN ENVID and
 * ORCPT, the AUTH= parameter of RFC 4954): printable ASCII except '+' and
 * '=' stands for itself, any other byte is "+HH" with two upper-case hex
 * digits.
 */
#ifndef PROTO_XTEXT_H
#define PROTO_XTEXT_H
#include "util/sys_defs.h"

struct buf;

/* xtext_decode - decode s[0..len) and append to out. Returns 0, or -1
 * when s is not xtext (a raw '+', '=', space, control or 8-bit byte, or a
 * bad hex pair). With allow_utf8, valid UTF-8 passes through unchanged
 * (RFC 6533 utf-8-addr-xtext as sent under SMTPUTF8). A decoded NUL or
 * control character is refused too: nobody has a use for it in an
 * envelope and it would only reach logs and headers. */
int xtext_decode(const char *s, size_t len, bool allow_utf8, struct buf *out);
/* xtext_encode - append the xtext form of s[0..len) to out */
void xtext_encode(const char *s, size_t len, struct buf *out);

#endif /* PROTO_XTEXT_H */

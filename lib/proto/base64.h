/*
 * base64.h - RFC 4648 base64 (SASL exchanges of RFC 4954, MIME).
 */
#ifndef PROTO_BASE64_H
#define PROTO_BASE64_H
#include "util/sys_defs.h"

struct buf;

/* base64_encode - append the base64 form of p[0..n) to out (no line
 * breaks) */
void base64_encode(const void *p, size_t n, struct buf *out);
/* base64_decode - strict decode of s[0..len) appended to out: only the
 * alphabet, length a multiple of 4, padding only at the end, and unused
 * bits zero (so one text has one decoding). Returns 0, or -1 (out is then
 * restored to its old length). With a capped out, -1 also when the cap
 * would be exceeded. */
int base64_decode(const char *s, size_t len, struct buf *out);

#endif /* PROTO_BASE64_H */

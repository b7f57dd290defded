/*
 * imap_utf7.h - IMAP's modified UTF-7 for mailbox names (RFC 3501 5.1.3):
 * printable ASCII stands for itself ('&' is written "&-"), everything
 * else is UTF-16 in a base64 variant between '&' and '-'. IMAP4rev1
 * clients send and expect mailbox names in this form, and the Maildir++
 * store keeps folder names in it on disk; IMAP4rev2 and UTF8=ACCEPT
 * clients use UTF-8, converted at the edge with these functions.
 */
#ifndef PROTO_IMAP_UTF7_H
#define PROTO_IMAP_UTF7_H
#include "util/sys_defs.h"

struct buf;

/* imap_utf7_encode - UTF-8 into modified UTF-7 (appended to out);
 * 0, or -1 when src is not valid UTF-8 */
int imap_utf7_encode(const char *src, size_t len, struct buf *out);
/* imap_utf7_decode - modified UTF-7 into UTF-8 (appended to out);
 * 0, or -1 when src is not valid modified UTF-7: 8-bit bytes, an
 * unterminated or empty shift, printable ASCII encoded in base64, bad
 * padding, or a lone surrogate */
int imap_utf7_decode(const char *src, size_t len, struct buf *out);
/* imap_utf7_valid - src is valid modified UTF-7 */
bool imap_utf7_valid(const char *src, size_t len);
/* imap_utf8_valid - src is valid UTF-8 (shortest form, no surrogates) */
bool imap_utf8_valid(const char *src, size_t len);

#endif /* PROTO_IMAP_UTF7_H */

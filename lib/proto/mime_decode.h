/*
 * mime_decode.h - turning MIME-encoded text into UTF-8: base64 and
 * quoted-printable bodies (RFC 2045), encoded words in headers
 * (RFC 2047, with RFC 2231 language tags), and charsets through iconv.
 * IMAP needs these for SEARCH (which matches decoded text), SORT and
 * THREAD (which compare decoded subjects and names).
 *
 * Decoding is lenient, as a reader must be: bad base64 characters are
 * skipped, a broken quoted-printable escape is kept as it is, an encoded
 * word in an unknown charset stays encoded. Nothing here fails.
 */
#ifndef PROTO_MIME_DECODE_H
#define PROTO_MIME_DECODE_H
#include "util/sys_defs.h"

struct buf;

/* mime_base64_decode - append the decoded bytes of src to out */
void mime_base64_decode(const char *src, size_t len, struct buf *out);
/* mime_qp_decode - quoted-printable; is_header: '_' is a space (the "Q"
 * encoding of RFC 2047) */
void mime_qp_decode(
    const char *src, size_t len, bool is_header, struct buf *out);
/* mime_charset_to_utf8 - convert src from charset into UTF-8 (appended).
 * Returns 0, or -1 when the charset is unknown (src is then appended as
 * it is). Invalid sequences become U+FFFD. */
int mime_charset_to_utf8(
    const char *charset, const char *src, size_t len, struct buf *out);
/* mime_words_decode - header text with RFC 2047 encoded words decoded
 * into UTF-8 (appended); white space between two adjacent encoded words
 * is dropped, as RFC 2047 6.2 says; raw 8-bit text is taken as UTF-8
 * when it is valid, else as ISO-8859-1 */
void mime_words_decode(const char *src, size_t len, struct buf *out);

#endif /* PROTO_MIME_DECODE_H */

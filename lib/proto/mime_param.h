/*
 * mime_param.h - parameters of MIME header fields (RFC 2045 5.1), as the
 * content filters need them: the boundary of a multipart type and the
 * file name of an attachment (Content-Type name=, Content-Disposition
 * filename=), including RFC 2231 continuations and charset-encoded
 * values (filename*0*=utf-8''%E2%82%AC...) and RFC 2047 encoded words
 * that mail programs put into quoted file names anyway (decoded by
 * mime_decode.h, into UTF-8). The whole-message parser of IMAP is
 * mime.h; this one works on one header at a time, for filters that see
 * a message as it streams in.
 *
 * Pure: no I/O. The value is decoded to bytes; charsets are not
 * converted (a name is checked for its extension, which is ASCII).
 */
#ifndef PROTO_MIME_PARAM_H
#define PROTO_MIME_PARAM_H
#include "util/sys_defs.h"

struct buf;

/* Longest decoded value returned (longer ones are cut here: a filter
 * only needs the end of a file name, and keeps it) */
#define MIME_PARAM_MAX 4096

/* mime_param_get - the parameter name (case-insensitive) of the header
 * field value s[0..len) (after the "Field:"), decoded into out (reset
 * first). Returns 1 found, 0 not found. Malformed parts are skipped, as
 * mail readers do, so that a filter sees what a reader would show. When
 * a value is longer than MIME_PARAM_MAX, its last MIME_PARAM_MAX bytes
 * are kept. */
int mime_param_get(
    const char *s, size_t len, const char *name, struct buf *out);
/* mime_type_is - the value starts with type (e.g. "multipart/"),
 * ignoring case and leading white space */
bool mime_type_is(const char *s, size_t len, const char *type);

#endif /* PROTO_MIME_PARAM_H */

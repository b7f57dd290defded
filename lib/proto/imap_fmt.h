/*
 * imap_fmt.h - IMAP response syntax (RFC 3501 9): strings as atoms,
 * quoted strings or literals, and the two structures a server builds from
 * a message, ENVELOPE and BODYSTRUCTURE.
 */
#ifndef PROTO_IMAP_FMT_H
#define PROTO_IMAP_FMT_H
#include <time.h>

#include "util/sys_defs.h"

struct buf;
struct mime_part;

/* imap_fmt_string - s as a quoted string, or as a literal when it holds
 * CR, LF, NUL, 8-bit bytes (unless utf8: UTF8=ACCEPT / IMAP4rev2 allow
 * UTF-8 in quoted strings) or is long */
void imap_fmt_string(struct buf *out, const char *s, size_t len, bool utf8);
/* imap_fmt_nstring - NIL for NULL, else imap_fmt_string */
void imap_fmt_nstring(struct buf *out, const char *s, bool utf8);
/* imap_fmt_astring - an atom when s is a plain atom, else a string */
void imap_fmt_astring(struct buf *out, const char *s, bool utf8);

/* imap_fmt_datetime - t as IMAP's quoted date-time "dd-Mon-yyyy hh:mm:ss
 * +zzzz", shown in the zone tz_minutes east of UTC */
void imap_fmt_datetime(struct buf *out, time_t t, int tz_minutes);

/* imap_fmt_envelope - the ENVELOPE of the header at hdr */
void imap_fmt_envelope(
    struct buf *out, const char *hdr, size_t hdr_len, bool utf8);
/* imap_fmt_bodystructure - BODYSTRUCTURE (extended) or BODY (not) of the
 * part tree p over the message data */
void imap_fmt_bodystructure(struct buf *out, const char *data,
    const struct mime_part *p, bool extended, bool utf8);

#endif /* PROTO_IMAP_FMT_H */

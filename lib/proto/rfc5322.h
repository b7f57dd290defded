/*
 * rfc5322.h - the parts of an Internet message header that IMAP needs:
 * fields (with folding), address lists (ENVELOPE, SORT by FROM/TO/CC),
 * dates (SEARCH SENT*, SORT DATE), message identifiers (THREAD) and the
 * base subject of RFC 5256 (SORT and THREAD by subject).
 *
 * Everything works on borrowed bytes (a message in memory, line ends CRLF
 * or bare LF) and never fails on bad input: a reader takes what it can,
 * the way Dovecot and UW imapd do. Every list has a caller-given limit.
 */
#ifndef PROTO_RFC5322_H
#define PROTO_RFC5322_H
#include <time.h>

#include "util/sys_defs.h"

struct buf;
struct strv;

/* One header field; pointers borrow the message. */
struct rfc5322_field {
	const char *name; /* up to the colon, trailing blanks removed */
	size_t name_len;
	const char *value; /* after the colon, folding kept, no final EOL */
	size_t value_len;
	const char *raw; /* the whole field, every line with its EOL */
	size_t raw_len;
};

struct rfc5322_header {
	struct rfc5322_field *v;
	size_t n, alloc;
	size_t len; /* header bytes, the blank line included */
};

/* rfc5322_header_len - bytes of the header at data: through the first
 * empty line, or all of data when there is none */
size_t rfc5322_header_len(const char *data, size_t len);
/* rfc5322_header_parse - the fields of the header at data (at most
 * max_fields; the rest are ignored); out is reset first. Lines that are
 * neither a field nor a continuation are skipped. */
void rfc5322_header_parse(const char *data, size_t len, size_t max_fields,
    struct rfc5322_header *out);
void rfc5322_header_free(struct rfc5322_header *h);
/* rfc5322_header_get - the first field called name (case-insensitive) */
const struct rfc5322_field *rfc5322_header_get(
    const struct rfc5322_header *h, const char *name);
/* rfc5322_field_is - the field's name equals name (case-insensitive) */
bool rfc5322_field_is(const struct rfc5322_field *f, const char *name);
/* rfc5322_unfold - value without folding line breaks (appended to out);
 * with trim, leading and trailing white space go too */
void rfc5322_unfold(const char *v, size_t len, bool trim, struct buf *out);

/* Addresses, as IMAP's ENVELOPE wants them (RFC 3501 7.4.2): a group is
 * a start entry (mailbox = the group's name, host NULL) and an end entry
 * (everything NULL). Strings are raw header text: quoted strings lose
 * their quotes and escapes, encoded words are kept. */
struct rfc5322_addr {
	char *name;    /* display name or NULL */
	char *route;   /* obsolete source route "@a,@b" or NULL */
	char *mailbox; /* local part, or the group name */
	char *host;    /* domain; NULL for group start and end */
};
struct rfc5322_addr_list {
	struct rfc5322_addr *v;
	size_t n, alloc;
};

/* The host IMAP servers give an address that has none (UW imapd, Dovecot). */
#define RFC5322_MISSING_HOST ".MISSING-HOST-NAME."

/* rfc5322_addr_parse - parse an address list (appended to out, at most
 * max entries) */
void rfc5322_addr_parse(
    const char *s, size_t len, size_t max, struct rfc5322_addr_list *out);
void rfc5322_addr_list_free(struct rfc5322_addr_list *l);

/* rfc5322_date_parse - "[Day,] DD Mon YYYY HH:MM[:SS] zone" (obsolete
 * forms accepted); the UTC time and the zone's offset in minutes east.
 * 0, or -1 when it is not a date. */
int rfc5322_date_parse(
    const char *s, size_t len, time_t *out, int *tz_minutes_out);

/* rfc5322_msgids - the "<...>" message identifiers in s, in order
 * (appended to out, at most max) */
void rfc5322_msgids(const char *s, size_t len, size_t max, struct strv *out);

/* rfc5256_base_subject - the base subject of RFC 5256 section 2.1 (the
 * input already decoded into UTF-8): reply and forward markers, blobs
 * and trailers removed, white space collapsed, upper-cased (ASCII) for
 * the i;ascii-casemap comparison; into out (reset first). Returns true
 * when a reply or forward marker was removed. */
bool rfc5256_base_subject(const char *s, size_t len, struct buf *out);

#endif /* PROTO_RFC5322_H */

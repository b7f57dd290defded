/*
 * maildrop.h - the maildrop file: what the sendmail command leaves in
 * $queue_directory/maildrop for the pickup service (sendmail(1),
 * pickup(8)).
 *
 * A maildrop file is written by an untrusted local user, so pickup reads
 * it with the strict parser below and re-checks every limit; sendmail
 * runs the same checks first so that its user gets a clear error instead
 * of a silently refused file. The layout, all records "key value\n":
 *
 *     gannet_maildrop 1
 *     sender ADDRESS        (empty value: the null sender)
 *     fullname TEXT         (optional, for a From: header pickup adds)
 *     rcpt ADDRESS          (one per recipient, at least one)
 *     notify N              (optional: SMTP_NOTIFY_* bits)
 *     ret FULL|HDRS         (optional)
 *     envid TEXT            (optional, decoded)
 *     body 7BIT|8BITMIME    (optional)
 *     size N                (the message bytes that follow)
 *     (empty line)
 *     the message, N bytes, lines ending in LF or CRLF
 *
 * The file is written under a name starting with "." and renamed to its
 * final name only when complete and fsync'd, so pickup never sees a file
 * still being written; the size record catches a truncated one anyway.
 */
#ifndef MAIL_MAILDROP_H
#define MAIL_MAILDROP_H
#include <stddef.h>

#include "util/sys_defs.h"

#include "util/strutil.h"

#include "proto/smtp_cmd.h"

struct buf;

#define MAILDROP_MAGIC      "gannet_maildrop 1"
#define MAILDROP_RECORD_MAX 4096  /* one envelope value */
#define MAILDROP_RCPT_MAX   10000 /* recipients of one message */

struct maildrop {
	char *sender; /* "" for the null sender */
	char *fullname;
	struct strv rcpt;
	int notify;
	enum smtp_ret ret;
	char *envid;
	enum smtp_body body;
	/* reader: where the message is in the parsed data */
	size_t msg_offset;
	size_t msg_len;
};

/* maildrop_init - an empty envelope */
void maildrop_init(struct maildrop *md);
/* maildrop_clear - free the strings; the struct is empty again */
void maildrop_clear(struct maildrop *md);

/* maildrop_format - the envelope records for a message of msg_len
 * bytes (through the empty line), into out (reset first). 0, or -1 with
 * why when a value cannot be written (a line break in it, too long). */
int maildrop_format(const struct maildrop *md, size_t msg_len, struct buf *out,
    struct buf *why);

/* maildrop_parse - a whole maildrop file image; fills md (cleared
 * first), with msg_offset/msg_len locating the message. 0, or -1 with
 * why: bad magic, unknown or malformed record, no recipients, size not
 * matching the bytes that follow. */
int maildrop_parse(
    const char *data, size_t len, struct maildrop *md, struct buf *why);

/* Limits of the message itself. */
struct maildrop_limits {
	long size;         /* message_size_limit, 0 = none */
	long header_size;  /* header_size_limit: one header, unfolded */
	long header_count; /* header_count_limit */
};

/* maildrop_check_message - the message keeps the limits; 0, or -1 with
 * why in words a user understands */
int maildrop_check_message(const char *msg, size_t len,
    const struct maildrop_limits *lim, struct buf *why);

#endif /* MAIL_MAILDROP_H */

/*
 * archive.h - archive mailboxes (ISMail's "archive-" accounts): with
 * account_archive = yes, every message to or from an account is also
 * delivered to that account's archive mailbox, the account of the same
 * domain whose local part is account_archive_prefix followed by the
 * account's ("archive-joe@example.com" for "joe@example.com"), when such
 * an account exists. Off by default.
 *
 * Who applies it: the queue manager, when it expands a message's
 * recipients (the expansion is recorded once, so a requeued message is
 * not archived twice). For the sender (when the envelope sender is an
 * account, mail sent by it) and for each final MAILBOX target of
 * accounts_resolve() (mail to it), it calls archive_for() and adds each
 * archive address found as one more recipient, once per message (dedup
 * against the recipients already there), with orig_rcpt the account it
 * archives. The local agent then delivers it like any account.
 */
#ifndef MAIL_ARCHIVE_H
#define MAIL_ARCHIVE_H
#include "util/sys_defs.h"

struct accounts;
struct buf;

/* archive_for - the archive account of address (a canonical account
 * address, or any address: one that is not an account has no archive).
 * 1 with the archive's address in out (reset first), 0 none (archiving
 * off, no such archive account, or address is an archive itself), -1 a
 * map could not be read (why; try later). */
int archive_for(
    struct accounts *a, const char *address, struct buf *out, struct buf *why);

#endif /* MAIL_ARCHIVE_H */

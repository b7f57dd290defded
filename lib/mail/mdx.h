/*
 * mdx.h - the index of one Maildir folder: IMAP UIDs, UIDVALIDITY,
 * per-message modification sequences (CONDSTORE/QRESYNC), who has had
 * \Recent, and a cache of what a session needs for every message (file
 * name, flags, internal date, sizes) so that opening a folder never reads
 * every message file.
 *
 * The index lives in the folder directory ("gannet-index", beside cur/
 * new/ tmp/), so it moves with the folder on RENAME and UIDs stay the
 * same. It is a text log in the spirit of Dovecot's dovecot-uidlist: a
 * snapshot of every message, then appended lines for each change
 * (message added, flags changed, message expunged, \Recent handed out,
 * directory state). Writers hold an fcntl lock on "gannet-index.lock",
 * catch up with what others appended, append their own lines with one
 * write, and unlock. When the log has grown well past the snapshot it is
 * rewritten (temporary file, fsync, rename). Lines that assign UIDs are
 * fdatasync'd before the lock is released: a UID is never given twice.
 *
 * The Maildir stays the truth for which messages exist and their flags
 * (they are in the file names, so other Maildir tools agree): mdx_sync()
 * reads new/ and cur/ when their modification times say something
 * changed, gives UIDs to new files in delivery order, notices flags that
 * other tools changed and files they removed. A folder without an index
 * gets one, with a new UIDVALIDITY; so does one whose index is damaged.
 *
 * Every change gets the next modification sequence number of the folder;
 * HIGHESTMODSEQ never goes back. Expunges are remembered with their
 * sequence numbers (up to a limit) for QRESYNC's VANISHED.
 */
#ifndef MAIL_MDX_H
#define MAIL_MDX_H
#include <stdint.h>

#include "util/sys_defs.h"

struct buf;

struct mdx_rec {
	uint32_t uid;
	uint32_t flags;    /* MAILDIR_FLAG letters */
	uint32_t keywords; /* MAILDIR_KEYWORD letters */
	uint64_t modseq;
	int64_t internaldate; /* seconds since the epoch (file mtime) */
	uint64_t size;        /* bytes in the file */
	uint64_t vsize;       /* with CRLF line ends: RFC822.SIZE */
	char *name;           /* file name in new/ or cur/ */
	bool in_new;
};

struct mdx;

/* mdx_open - the index of the Maildir folder at dir (created when
 * missing); no scan of the directory yet. NULL with why on failure. */
struct mdx *mdx_open(const char *dir, struct buf *why);
void mdx_close(struct mdx **xp);
const char *mdx_dir(const struct mdx *x);

/* mdx_sync - bring the index up to date with other sessions and with the
 * folder: catch up on the log; read new/ and cur/ if they changed (or
 * always with force); with move_new, move messages from new/ to cur/
 * (a session with write access does this, as Dovecot does). 0 or -1. */
int mdx_sync(struct mdx *x, bool move_new, bool force, struct buf *why);

/* The current state, as of the last sync or change. Records are in UID
 * order; pointers stay valid until the next call that syncs or changes
 * the index. */
size_t mdx_count(const struct mdx *x);
const struct mdx_rec *mdx_rec(const struct mdx *x, size_t i);
/* mdx_lookup - the record of uid, its position into *i_out (may be NULL);
 * NULL when there is none */
const struct mdx_rec *mdx_lookup(
    const struct mdx *x, uint32_t uid, size_t *i_out);
uint32_t mdx_uidvalidity(const struct mdx *x);
uint32_t mdx_uidnext(const struct mdx *x);
uint64_t mdx_highestmodseq(const struct mdx *x);
/* mdx_recent_uid - the first UID no session has had as \Recent yet */
uint32_t mdx_recent_uid(const struct mdx *x);
/* mdx_change_count - increases with every change applied (a cheap "did
 * anything happen" for sessions) */
uint64_t mdx_change_count(const struct mdx *x);

/* Changes. Each takes the lock, catches up, changes, appends and unlocks;
 * between mdx_begin() and mdx_commit() they share one lock and one write
 * (use that for many messages at once). */
int mdx_begin(struct mdx *x, struct buf *why);
int mdx_commit(struct mdx *x, struct buf *why);

/* mdx_claim_recent - this session takes \Recent for every message from
 * mdx_recent_uid() on: it has UIDs [*first_out, *end_out), which no other
 * session will get (call it again after each sync to claim new arrivals) */
int mdx_claim_recent(
    struct mdx *x, uint32_t *first_out, uint32_t *end_out, struct buf *why);
/* mdx_store - give uid these flags and keywords (renaming its file);
 * its new modseq into *modseq_out. Returns 0, 1 when the message is gone
 * (expunged meanwhile), or -1. */
int mdx_store(struct mdx *x, uint32_t uid, uint32_t flags, uint32_t keywords,
    uint64_t *modseq_out, struct buf *why);
/* mdx_expunge - remove the message files of uids and record it; the
 * bytes and count actually removed are added to *bytes_out, *count_out
 * (for the quota). Messages already gone are skipped. */
int mdx_expunge(struct mdx *x, const uint32_t *uids, size_t n,
    uint64_t *bytes_out, uint64_t *count_out, struct buf *why);
/* mdx_add - register a file this process just put into the folder (APPEND,
 * COPY), so that it gets its UID now; the UID into *uid_out (the one it
 * already has when another session saw it first) */
int mdx_add(struct mdx *x, const char *name, bool in_new, uint32_t *uid_out,
    struct buf *why);

/* mdx_vanished - UIDs expunged with a modseq above since, in UID order,
 * into *uids_out (malloc'd, caller frees) and *n_out. Returns true when
 * the list is complete; false when the index no longer remembers that far
 * back (the caller then reports every UID it cannot find, which QRESYNC
 * allows). */
bool mdx_vanished(
    const struct mdx *x, uint64_t since, uint32_t **uids_out, size_t *n_out);

/* mdx_index_files - the names of the files the index keeps in a folder
 * directory (for tools that copy or clean folders); NULL-terminated */
extern const char *const mdx_index_files[];

#endif /* MAIL_MDX_H */

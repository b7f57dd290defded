/*
 * maildir.h - the mail store: Maildir++ as Courier and Dovecot write it, so
 * that other Maildir tools can read and change what Gannet stores, and the
 * other way round. Used by local delivery, pop3d and imapd.
 *
 * Layout of one account (its "root", under virtual_mailbox_base):
 *   root/{cur,new,tmp}          INBOX
 *   root/.Sent/{cur,new,tmp}    folder "Sent" (plus an empty file
 *                               "maildirfolder", the Maildir++ marker)
 *   root/.Work.Project/...      folder "Work.Project": a child of "Work";
 *                               Maildir++ keeps folders flat, '.' is the
 *                               hierarchy delimiter
 *   root/maildirsize            Maildir++ quota file (only with a quota)
 *   <folder>/dovecot-keywords   keyword letters a..z -> names (Dovecot's
 *                               file and format, so keywords survive a
 *                               move to or from Dovecot)
 * Folder names are given here as they are on disk: IMAP's modified UTF-7
 * (RFC 3501 5.1.3), '.' between levels. "" and "INBOX" (any case) name the
 * root. A name may not contain '/', control characters, empty levels, or
 * begin or end with '.'.
 *
 * A message file is named "<base>[:2,<flags>]". Gannet writes bases as
 * "<sec>.M<usec>P<pid>Q<n>.<host>,S=<size>,W=<wire size>": S= is the file
 * size (lines end in LF), W= the size with CRLF line ends (IMAP
 * RFC822.SIZE); both spare a stat() per message. The base never changes
 * while the message lives; flags are the letters after ":2,", in ASCII
 * order: upper case are system flags (D draft, F flagged, P passed,
 * R replied, S seen, T trashed), lower case are keywords a..z.
 *
 * Delivery follows the Maildir rules: write tmp/<base>, fsync the file,
 * link it into new/ (or cur/ with flags), fsync the directory, unlink the
 * tmp name. Once maildir_tmp_commit() returned 0 the message is on disk;
 * a crash before that leaves at most a file in tmp/ (maildir_tmp_clean).
 * Message files store LF line ends: the writer turns CRLF into LF.
 *
 * Errors: functions return 0, or -1 with a reason appended to why ("what:
 * object: reason"); MAILDIR_OVERQUOTA (-2) where a quota can refuse.
 */
#ifndef MAIL_MAILDIR_H
#define MAIL_MAILDIR_H
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include "util/sys_defs.h"

struct buf;
struct strv;

#define MAILDIR_OVERQUOTA (-2)

/* Longest folder name (on disk, one level or all levels together). */
#define MAILDIR_FOLDER_MAX 255
/* Longest message file name we create or accept. */
#define MAILDIR_NAME_MAX 255

/* Flag letters: bit (c - 'A') of flags, bit (c - 'a') of keywords. */
#define MAILDIR_FLAG(c)    (UINT32_C(1) << ((c) - 'A'))
#define MAILDIR_F_DRAFT    MAILDIR_FLAG('D')    /* \Draft */
#define MAILDIR_F_FLAGGED  MAILDIR_FLAG('F')    /* \Flagged */
#define MAILDIR_F_PASSED   MAILDIR_FLAG('P')    /* $Forwarded */
#define MAILDIR_F_REPLIED  MAILDIR_FLAG('R')    /* \Answered */
#define MAILDIR_F_SEEN     MAILDIR_FLAG('S')    /* \Seen */
#define MAILDIR_F_TRASHED  MAILDIR_FLAG('T')    /* \Deleted */
#define MAILDIR_KEYWORD(i) (UINT32_C(1) << (i)) /* letter 'a' + i */
#define MAILDIR_KEYWORDS   26

/* ------------------------------------------------------------------ */
/* Layout */

/* maildir_folder_valid - true when folder is an acceptable on-disk folder
 * name (see above); otherwise false with the reason in why (may be NULL) */
bool maildir_folder_valid(const char *folder, struct buf *why);
/* maildir_is_inbox - "" or "INBOX" in any case */
bool maildir_is_inbox(const char *folder);
/* maildir_folder_dir - the directory of folder under root into out
 * (reset first): root itself for INBOX, root/.<folder> otherwise.
 * Returns 0, or -1 when the name is not valid. */
int maildir_folder_dir(
    const char *root, const char *folder, struct buf *out, struct buf *why);
/* maildir_make - create dir with cur/ new/ tmp/ (mode 0700); existing
 * parts are fine. is_folder adds the Maildir++ "maildirfolder" file. */
int maildir_make(const char *dir, bool is_folder, struct buf *why);
/* maildir_exists - dir has cur/ new/ tmp/ */
bool maildir_exists(const char *dir);
/* maildir_folder_create - create folder under root (which must exist);
 * -1 with errno EEXIST when it exists already */
int maildir_folder_create(
    const char *root, const char *folder, struct buf *why);
/* maildir_folder_list - the names of every folder under root (not INBOX),
 * sorted, into out (appended) */
int maildir_folder_list(const char *root, struct strv *out, struct buf *why);
/* maildir_folder_rename - rename folder and all its children (folder.*)
 * to newname; everything kept in the folders (files, index, keywords)
 * moves with them. -1 with errno EEXIST when a target exists, ENOENT when
 * folder does not. Not INBOX (the caller moves INBOX's messages). */
int maildir_folder_rename(
    const char *root, const char *folder, const char *newname, struct buf *why);
/* maildir_folder_delete - remove one folder (not its children) with all
 * its messages; not INBOX. The directory is first renamed out of sight so
 * that a crash never leaves a half-deleted folder visible. */
int maildir_folder_delete(
    const char *root, const char *folder, struct buf *why);

/* ------------------------------------------------------------------ */
/* Message file names */

struct maildir_name {
	size_t base_len; /* the base: name[0..base_len) (before ':') */
	uint64_t size;   /* S=, when has_size */
	uint64_t vsize;  /* W=, when has_vsize */
	bool has_size, has_vsize;
	bool has_info;     /* ":2," present */
	uint32_t flags;    /* MAILDIR_FLAG('A'..'Z') */
	uint32_t keywords; /* MAILDIR_KEYWORD(0..25) */
};

/* maildir_name_parse - take a file name apart; false for names that are
 * not messages (dot files, empty, too long, '/' inside) */
bool maildir_name_parse(const char *name, struct maildir_name *out);
/* maildir_name_build - base + ":2," + flag letters in order into out
 * (reset first) */
void maildir_name_build(const char *base, size_t base_len, uint32_t flags,
    uint32_t keywords, struct buf *out);
/* maildir_flags_str - the letters of flags and keywords into out (reset) */
void maildir_flags_str(uint32_t flags, uint32_t keywords, struct buf *out);
/* maildir_unique - a new unique base (without S=/W=) into out (reset) */
void maildir_unique(struct buf *out);

/* ------------------------------------------------------------------ */
/* Quota (Maildir++ maildirsize, the file Courier and Dovecot keep) */

struct maildir_quota {
	uint64_t bytes;    /* storage limit, 0 = none */
	uint64_t messages; /* message count limit, 0 = none */
};
struct maildir_usage {
	int64_t bytes;
	int64_t messages;
};

/* maildir_quota_usage - current usage of the account at root. Reads
 * root/maildirsize, and recomputes it (scanning every folder) when it is
 * missing, holds another quota definition, or has grown past 5120 bytes,
 * as the Maildir++ specification says. With no limit at all the usage is
 * computed by scanning and no file is written. */
int maildir_quota_usage(const char *root, const struct maildir_quota *q,
    struct maildir_usage *out, struct buf *why);
/* maildir_quota_allows - usage plus what is added stays within q */
bool maildir_quota_allows(const struct maildir_quota *q,
    const struct maildir_usage *u, uint64_t add_bytes, uint64_t add_messages);
/* maildir_quota_update - record a change (negative after a removal) in
 * root/maildirsize with one appended line; a no-op without a limit or
 * without the file (the next maildir_quota_usage recomputes it) */
int maildir_quota_update(const char *root, const struct maildir_quota *q,
    int64_t bytes, int64_t messages, struct buf *why);
/* maildir_quota_recalc - recompute root/maildirsize now */
int maildir_quota_recalc(const char *root, const struct maildir_quota *q,
    struct maildir_usage *out, struct buf *why);

/* ------------------------------------------------------------------ */
/* Delivery */

/* What to do with the message when it is committed. Zero is the default
 * for every field: into new/ with no flags, dated now, no quota. */
struct maildir_commit {
	bool into_cur;     /* cur/ with ":2,<flags>" (IMAP APPEND) */
	uint32_t flags;    /* with into_cur */
	uint32_t keywords; /* with into_cur */
	time_t mtime;      /* the internal date, 0 = now */
	/* quota: checked against maildirsize of quota_root and updated after
	 * the delivery, when quota_root is not NULL */
	const char *quota_root;
	struct maildir_quota quota;
	/* an extra check by the caller, after the built-in one: return 0 to
	 * go on, or MAILDIR_OVERQUOTA / -1 with why to refuse */
	int (*quota_check)(void *ctx, uint64_t size, struct buf *why);
	void *quota_ctx;
};

struct maildir_tmp;

/* maildir_tmp_create - a new file in dir/tmp/ to write a message into */
struct maildir_tmp *maildir_tmp_create(const char *dir, struct buf *why);
/* maildir_tmp_write - append message bytes (CRLF becomes LF); 0 or -1
 * (the error is kept and reported again by commit) */
int maildir_tmp_write(struct maildir_tmp *t, const void *p, size_t n);
/* maildir_tmp_size - bytes in the file so far, and with CRLF line ends */
uint64_t maildir_tmp_size(const struct maildir_tmp *t);
uint64_t maildir_tmp_vsize(const struct maildir_tmp *t);
/* maildir_tmp_commit - check the quota, fsync, link into new/ or cur/,
 * fsync the directory, update maildirsize, and free *tp (also on error,
 * removing the tmp file). The new file name (no directory) goes into
 * name_out when not NULL. Returns 0, -1, or MAILDIR_OVERQUOTA (the quota,
 * the hook, or EDQUOT from the file system refused it). */
int maildir_tmp_commit(struct maildir_tmp **tp, const struct maildir_commit *c,
    struct buf *name_out, struct buf *why);
/* maildir_tmp_abort - remove the tmp file and free *tp */
void maildir_tmp_abort(struct maildir_tmp **tp);
/* maildir_deliver - the three steps above for a message in memory */
int maildir_deliver(const char *dir, const void *msg, size_t len,
    const struct maildir_commit *c, struct buf *name_out, struct buf *why);
/* maildir_tmp_clean - remove files in dir/tmp/ older than max_age
 * seconds (Maildir says 36 hours); returns how many */
int maildir_tmp_clean(const char *dir, time_t max_age);

/* ------------------------------------------------------------------ */
/* Listing and changing messages */

struct maildir_file {
	char *name; /* file name in cur/ or new/ (owned) */
	bool in_new;
};
struct maildir_listing {
	struct maildir_file *v;
	size_t n, alloc;
};

/* maildir_list - every message file of dir's new/ and cur/ (in directory
 * order) into out (appended) */
int maildir_list(const char *dir, struct maildir_listing *out, struct buf *why);
void maildir_listing_free(struct maildir_listing *l);

/* maildir_move_to_cur - new/name becomes cur/name:2,<flags>; the new name
 * into newname_out. -1 with errno ENOENT when the file is gone (another
 * process moved or removed it). */
int maildir_move_to_cur(const char *dir, const char *name, uint32_t flags,
    uint32_t keywords, struct buf *newname_out, struct buf *why);
/* maildir_set_flags - rename cur/name to carry flags and keywords; the new
 * name into newname_out (the same name when nothing changed). ENOENT as
 * for maildir_move_to_cur. */
int maildir_set_flags(const char *dir, const char *name, uint32_t flags,
    uint32_t keywords, struct buf *newname_out, struct buf *why);
/* maildir_file_path - dir/cur/name or dir/new/name into out (reset) */
void maildir_file_path(
    const char *dir, const char *name, bool in_new, struct buf *out);
/* maildir_file_sizes - size on disk and with CRLF line ends (IMAP's
 * RFC822.SIZE, POP3's octet counts) of the message file at path, whose
 * name is name: from S= and W= when the name has them, else by reading
 * the file. 0, or -1 with errno. */
int maildir_file_sizes(
    const char *path, const char *name, uint64_t *size, uint64_t *vsize);
/* maildir_remove - unlink a message file; ENOENT counts as success (it
 * is gone either way) */
int maildir_remove(
    const char *dir, const char *name, bool in_new, struct buf *why);
/* maildir_copy - hard-link (or copy when links are refused) a message
 * file into another folder as a new message with a new base, into cur/
 * with flags; quota as for commit. New name into name_out. */
int maildir_copy(const char *src_path, const char *dst_dir,
    const struct maildir_commit *c, struct buf *name_out, struct buf *why);

/* ------------------------------------------------------------------ */
/* Keywords: letters a..z of a folder, kept in <folder>/dovecot-keywords
 * as lines "<index> <name>" */

struct maildir_keywords {
	char *name[MAILDIR_KEYWORDS]; /* NULL when the letter is unused */
};

/* maildir_keywords_load - read dir's keywords (none when the file does
 * not exist); kw is reset first */
int maildir_keywords_load(
    const char *dir, struct maildir_keywords *kw, struct buf *why);
/* maildir_keywords_find - the index of name (case-insensitive), or -1 */
int maildir_keywords_find(const struct maildir_keywords *kw, const char *name);
/* maildir_keywords_add - the index of name, giving it a free letter and
 * rewriting the file (re-read under a lock first, so that two processes
 * agree) when it is new; -1 when all 26 letters are taken or on error */
int maildir_keywords_add(const char *dir, struct maildir_keywords *kw,
    const char *name, struct buf *why);
void maildir_keywords_free(struct maildir_keywords *kw);

#endif /* MAIL_MAILDIR_H */

/*
 * imapd.h - the IMAP server's program header: the session state shared by
 * the files of imapd/, and nothing else includes it.
 *
 * Processes (see imapd.c): the service process forks a login process for
 * each client. The login process talks to the client until a login
 * succeeds, holding no right to any file (a Landlock sandbox); it does
 * TLS. The service process checks the credentials with the auth service,
 * narrows itself to the account's Maildir, and runs the session
 * (imapd_session.c) over a socket pair, through which the login process
 * then relays the client's bytes.
 */
#ifndef IMAPD_IMAPD_H
#define IMAPD_IMAPD_H
#include <stdint.h>
#include <time.h>

#include "util/sys_defs.h"

#include "proto/imap_cmd.h"

#include "mail/maildir.h"
#include "mail/mbox_acl.h"

struct buf;
struct stream;
struct mdx;
struct mime_part;
struct tls_ctx;
struct imapd_seen;

#define IMAPD_DELIM  '.' /* the hierarchy delimiter (Maildir++'s) */
#define IMAPD_PUBLIC MBOX_PUBLIC_NAME /* the public namespace: "Public." */

/* ------------------------------------------------------------------ */
/* Reading commands (imapd_read.c) */

enum imapd_rd {
	IMAPD_RD_OK,      /* a whole command is in cmd */
	IMAPD_RD_EOF,     /* the client went away (or timed out: why) */
	IMAPD_RD_REFUSED, /* a literal was refused: send "<tag> <why>" */
	IMAPD_RD_FATAL,   /* send "* BYE <why>" and close */
};

struct imapd_reader {
	struct stream *in, *out;
	struct buf *line;
	long line_limit;    /* one line */
	long size_limit;    /* a whole command, literals included */
	long literal_limit; /* one APPEND message literal */
};

/* imapd_read_command - read one command, its lines and literals, into
 * cmd; sends "+ OK" for synchronising literals. The tag of a refused
 * command goes into tag. */
enum imapd_rd imapd_read_command(
    struct imapd_reader *r, struct buf *cmd, struct buf *tag, struct buf *why);
/* imapd_read_line - one plain line (AUTHENTICATE answers, IDLE's DONE),
 * without its line end; 0, or -1 at EOF, timeout or a line too long */
int imapd_read_line(struct imapd_reader *r, struct buf *out);

/* ------------------------------------------------------------------ */
/* The login process (imapd_login.c) */

/* imapd_login_run - greet the client on client_fd, take commands until a
 * login succeeds (asking the mail process on parent_fd), then relay bytes
 * between the two until either ends. ctx NULL: no TLS. local: the client
 * is on loopback (plaintext passwords allowed). */
void imapd_login_run(int client_fd, int parent_fd, struct tls_ctx *ctx,
    const char *addr, bool local);

/* ------------------------------------------------------------------ */
/* The session after login (imapd_session.c and friends) */

/* One message of the selected mailbox as this session sees it. */
struct imapd_msg {
	uint32_t uid;
	uint32_t flags;    /* MAILDIR_FLAG letters */
	uint32_t keywords; /* the folder's keyword letters */
	uint64_t modseq;
	bool recent;  /* this session has \Recent for it */
	bool gone;    /* expunged elsewhere; EXPUNGE not sent yet */
	bool changed; /* flags changed elsewhere; FETCH not sent yet */
};

struct imapd_mbox {
	char *name; /* as on disk (modified UTF-7) */
	char *dir;
	bool readonly;
	bool is_public;  /* in the public namespace: no quota, ACL rights */
	unsigned rights; /* IMAP_ACL_* of this user, read at SELECT */
	struct imapd_seen *pseen; /* public: this user's \Seen, else NULL */
	struct mdx *x;
	struct maildir_keywords kw;
	struct imapd_msg *v;
	size_t n, alloc;
	uint32_t uidvalidity;
	uint32_t uidnext_seen;   /* messages below it are in v */
	size_t nrecent_reported; /* the last RECENT count sent */
	size_t exists_reported;  /* the last EXISTS count sent */
	uint64_t hms_reported;
	size_t nkw_reported; /* keywords in the last FLAGS sent */
	int notify_fd;       /* inotify, for IDLE; -1 when not set up */
	/* the message last read from disk, CRLF form */
	uint32_t cache_uid;
	bool cache_full; /* body read too, not only the header */
	struct buf *cache;
	struct mime_part *cache_mime;
};

struct imapd {
	struct imapd_reader rd;
	struct stream *in, *out;
	char *client;  /* client address, for logs */
	char *user;    /* the account */
	char *root;    /* its Maildir */
	char *pubroot; /* the public folders' Maildir++ root, or NULL */
	struct maildir_quota quota;
	bool condstore; /* CONDSTORE enabled (ENABLE, or a use of it) */
	bool qresync;
	bool utf8; /* UTF8=ACCEPT (or IMAP4rev2) enabled */
	bool rev2; /* IMAP4rev2 enabled */
	struct imapd_mbox *sel;
	struct imap_cmd cmd;
	struct imap_parse_limits lim;
	struct buf *cmdbuf, *tag, *why, *r; /* r: a response being built */
	long bad_commands;
	bool logout;
	uint32_t *saved; /* SEARCHRES: UIDs of the saved result ("$") */
	size_t nsaved;
	time_t start;
	unsigned long long n_fetched, n_stored, n_expunged, n_appended;
};

/* imapd_new - a session for user over in/out (which may be one stream);
 * root is the account's Maildir (created if need be) */
struct imapd *imapd_new(struct stream *in, struct stream *out,
    const char *client, const char *user, const char *root,
    const struct maildir_quota *quota);
void imapd_free(struct imapd **sp);
/* imapd_prepare_account - make the Maildir, and for a new account the
 * special folders (imapd_autocreate_folders), subscribed; 0 or -1 */
int imapd_prepare_account(const char *root, struct buf *why);
/* imapd_run - the command loop until LOGOUT, EOF or a fatal error; the
 * greeting (or the login's tagged OK) has been sent already */
void imapd_run(struct imapd *s);
/* imapd_capability - the capability list after login */
void imapd_capability(struct imapd *s, struct buf *out);

/* Output (imapd_session.c) */
void imapd_printf(struct imapd *s, const char *fmt, ...) ATTR_PRINTF(2, 3);
void imapd_write(struct imapd *s, const void *p, size_t n);
void imapd_tagged(struct imapd *s, const char *status, const char *fmt, ...)
    ATTR_PRINTF(3, 4);
void imapd_flush(struct imapd *s);
/* imapd_name_out - a mailbox name (on-disk form) as the client wants it
 * (astring, UTF-8 when enabled) appended to out */
void imapd_name_out(struct imapd *s, const char *name, struct buf *out);
/* imapd_name_in - a client's mailbox name into the on-disk form (out,
 * reset first); -1 with why when it is not a valid name */
int imapd_name_in(
    struct imapd *s, const char *name, struct buf *out, struct buf *why);

/* The public namespace and rights (imapd_acl.c) */

/* imapd_set_public - the public folders' root for this session (it must
 * exist); NULL or "" turns the public namespace off */
void imapd_set_public(struct imapd *s, const char *base);
/* imapd_is_public - name (on-disk form) is in the public namespace */
bool imapd_is_public(const char *name);
/* imapd_folder_dir - the Maildir directory of a mailbox name, private or
 * public; -1 with why (may be NULL) for a name that is no mailbox */
int imapd_folder_dir(
    struct imapd *s, const char *name, struct buf *out, struct buf *why);
/* imapd_rights - the user's IMAP_ACL_* rights on a mailbox: all on its
 * own, the ACL's on a public one */
unsigned imapd_rights(struct imapd *s, const char *name);
/* imapd_rights_parent - the rights on the mailbox that holds name */
unsigned imapd_rights_parent(struct imapd *s, const char *name);
/* imapd_no_access - tagged NO for a missing right: [NONEXISTENT] when
 * the user may not even see the mailbox, else [NOPERM] with what */
void imapd_no_access(struct imapd *s, unsigned rights, const char *what);
void imapd_cmd_acl(struct imapd *s);

/* \Seen per user in public folders (imapd_seen.c) */
struct imapd_seen;

/* imapd_seen_open - the user's \Seen set of the public folder name (the
 * IMAP name, "Public.x"), for the folder's uidvalidity */
struct imapd_seen *imapd_seen_open(
    struct imapd *s, const char *name, uint32_t uidvalidity);
void imapd_seen_free(struct imapd_seen **psp);
bool imapd_seen_has(const struct imapd_seen *ps, uint32_t uid);
/* imapd_seen_apply - flags from the index with the user's \Seen */
uint32_t imapd_seen_apply(
    const struct imapd_seen *ps, uint32_t uid, uint32_t flags);
/* imapd_seen_set - set or clear uid; true when that changed the set */
bool imapd_seen_set(struct imapd_seen *ps, uint32_t uid, bool on);
/* imapd_seen_save - write the set; 0 or -1 with why */
int imapd_seen_save(struct imapd_seen *ps, struct buf *why);
/* imapd_seen_reload - re-read when changed on disk; true if it was */
bool imapd_seen_reload(struct imapd_seen *ps);
/* imapd_seen_mark - \Seen on new messages of a public folder */
void imapd_seen_mark(struct imapd *s, const char *name, uint32_t uidvalidity,
    const uint32_t *uids, size_t n);

/* The selected mailbox (imapd_mbox.c) */
int imapd_mbox_open(struct imapd *s, const char *name, bool readonly,
    struct imapd_mbox **out, struct buf *why);
void imapd_mbox_close(struct imapd *s);
/* imapd_mbox_claim - right after open: take \Recent (read-write only)
 * and count what SELECT reports */
void imapd_mbox_claim(struct imapd *s);
/* imapd_mbox_sync - catch up with the folder and tell the client what
 * changed: EXPUNGE (only when allow_expunge), EXISTS, RECENT, FETCH FLAGS */
void imapd_mbox_sync(struct imapd *s, bool allow_expunge);
/* imapd_mbox_flags_out - "\Seen \Answered $Junk..." of a message */
void imapd_mbox_flags_out(
    struct imapd *s, const struct imapd_msg *m, struct buf *out);
/* imapd_mbox_store_mask - the system flags this user may change in mb;
 * *keywords_out (may be NULL): keywords too */
uint32_t imapd_mbox_store_mask(const struct imapd_mbox *mb, bool *keywords_out);
/* imapd_mbox_flags_list - the FLAGS and PERMANENTFLAGS responses */
void imapd_mbox_flags_list(struct imapd *s, bool permanent, struct buf *out);
/* imapd_mbox_flag_parse - a flag name into letters; keywords are added to
 * the folder when create; -1 when unknown (or no letter is left) */
int imapd_mbox_flag_parse(struct imapd *s, const char *flag, bool create,
    uint32_t *flags, uint32_t *keywords);
/* imapd_mbox_resolve - a sequence set (MSN or UID) into positions of v;
 * appended to out, sorted, each once. -1 (BAD) for an MSN set out of
 * range. */
int imapd_mbox_resolve(struct imapd *s, const struct imap_seqset *set, bool uid,
    size_t **out, size_t *n_out);
/* imapd_mbox_load - the message at position i into the cache (header
 * only unless full); 0, or -1 when it is gone */
int imapd_mbox_load(struct imapd *s, size_t i, bool full);
/* imapd_mbox_mime - the MIME structure of the cached message */
const struct mime_part *imapd_mbox_mime(struct imapd *s);
/* imapd_mbox_path - the file of message i into out */
void imapd_mbox_path(struct imapd *s, size_t i, struct buf *out);
/* imapd_mbox_notify - set up inotify on the folder for IDLE; fd or -1 */
int imapd_mbox_notify(struct imapd *s);

/* Commands (imapd_fetch.c, imapd_search.c, imapd_folders.c,
 * imapd_msgs.c); each sends its untagged responses and tagged reply */
void imapd_cmd_fetch(struct imapd *s);
void imapd_cmd_store(struct imapd *s);
void imapd_cmd_search(struct imapd *s);
void imapd_cmd_sort(struct imapd *s);
void imapd_cmd_thread(struct imapd *s);
void imapd_cmd_copy(struct imapd *s, bool move);
void imapd_cmd_expunge(struct imapd *s);
void imapd_cmd_append(struct imapd *s);
void imapd_cmd_list(struct imapd *s);
void imapd_cmd_status(struct imapd *s);
void imapd_cmd_create(struct imapd *s);
void imapd_cmd_delete(struct imapd *s);
void imapd_cmd_rename(struct imapd *s);
void imapd_cmd_subscribe(struct imapd *s, bool on);
void imapd_cmd_quota(struct imapd *s);

/* imapd_expunge_uids - remove messages (positions of v, ascending) from
 * the selected mailbox, update the quota, send EXPUNGE/VANISHED; 0/-1 */
int imapd_expunge_positions(
    struct imapd *s, const size_t *pos, size_t n, struct buf *why);
/* imapd_search_eval - positions of v matching the command's search keys
 * (appended, ascending); -1 with a tagged reply already sent */
int imapd_search_run(
    struct imapd *s, size_t **out, size_t *n_out, uint64_t *max_modseq);
/* imapd_set_out - "1:3,5" from sorted numbers */
void imapd_set_out(struct buf *out, const uint32_t *v, size_t n);
/* imapd_special_use - "\Sent" etc. for a folder name, or NULL */
const char *imapd_special_use(const char *name);
/* imapd_folder_exists - INBOX or an existing folder */
bool imapd_folder_exists(struct imapd *s, const char *name);
/* imapd_quota_usage - the account's usage; false without a quota */
bool imapd_quota_usage(struct imapd *s, struct maildir_usage *u);
/* imapd_status_items - the STATUS data of a folder (no parentheses) */
int imapd_status_items(struct imapd *s, const char *name, unsigned items,
    struct buf *out, struct buf *why);

#endif /* IMAPD_IMAPD_H */

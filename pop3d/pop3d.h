/*
 * pop3d.h - the POP3 server's state and the interfaces between its files
 * (pop3d.c: the daemon; pop3d_session.c: one client; pop3d_mbox.c: the
 * mailbox a session sees). Nothing outside pop3d/ includes this.
 */
#ifndef POP3D_POP3D_H
#define POP3D_POP3D_H
#include <stdint.h>
#include <time.h>

#include "util/sys_defs.h"

#include "util/net.h"

#include "mail/auth_client.h"
#include "mail/maildir.h"

struct buf;
struct matchlist;
struct stream;
struct tls_conn;
struct tls_ctx;

/* ------------------------------------------------------------------ */
/* The mailbox of a session (pop3d_mbox.c) */

/* The name of the lock file in the Maildir (one POP3 session at a time). */
#define POP3D_LOCK_NAME "gannet-pop3.lock"
/* RFC 1939 section 7: a unique-id is 1 to 70 characters 0x21..0x7E. */
#define POP3D_UIDL_MAX 70

#define POP3D_MBOX_INUSE (-2) /* pop3d_mbox_open: another session has it */
#define POP3D_MBOX_GONE  (-2) /* pop3d_mbox_msg_open: the file vanished */

/* One message of the snapshot taken at login. */
struct pop3d_msg {
	char *name;      /* the file name now, in cur/ or new/ */
	bool in_new;     /* in new/ */
	size_t base_len; /* name[0..base_len) is the base, which never
	                  * changes while the message lives */
	uint64_t size;   /* octets as sent (CRLF), for LIST and STAT */
	uint64_t fsize;  /* octets in the file, for the quota */
	char *uidl;      /* the unique-id */
	bool deleted;    /* DELE, until RSET */
	bool retrieved;  /* RETR: gets \Seen at QUIT */
};

struct pop3d_mbox {
	char *dir;   /* the Maildir (absolute) */
	int lock_fd; /* holds the session lock; -1 when closed */
	struct pop3d_msg *v;
	size_t n;
	uint64_t total; /* the sizes of all messages (deleted or not) */
	struct maildir_quota quota;
};

/* pop3d_mbox_prepare - create the Maildir dir (and its parents) when it
 * does not exist yet: a new account has none until its first message, and
 * shows as an empty mailbox, as with Dovecot. 0, or -1 with why. */
int pop3d_mbox_prepare(const char *dir, struct buf *why);
/* pop3d_mbox_open - take the session lock on the Maildir dir and the
 * snapshot: every message of new/ and cur/ in delivery order, with its
 * size and unique-id. quota is the account's limit in bytes (0: none),
 * for the maildirsize update after deletions. Returns 0,
 * POP3D_MBOX_INUSE, or -1 with why. */
int pop3d_mbox_open(
    struct pop3d_mbox *mb, const char *dir, long long quota, struct buf *why);
/* pop3d_mbox_close - drop the lock and forget the snapshot */
void pop3d_mbox_close(struct pop3d_mbox *mb);
/* pop3d_mbox_msg_open - open message i (0-based) for reading; when its
 * file was renamed by another process (IMAP changes flags by renaming),
 * it is found again by its base. Returns a descriptor, POP3D_MBOX_GONE
 * when the message no longer exists, or -1 with why. */
int pop3d_mbox_msg_open(struct pop3d_mbox *mb, size_t i, struct buf *why);
/* pop3d_mbox_update - the UPDATE state: remove the messages marked
 * deleted, give the retrieved ones the \Seen flag, and record the
 * removal in maildirsize. *removed_out counts what was removed by us.
 * Returns 0, or -1 with why when a marked message could not be removed
 * (the others are still removed). */
int pop3d_mbox_update(
    struct pop3d_mbox *mb, unsigned long *removed_out, struct buf *why);
/* pop3d_mbox_uidl - the unique-id of a message with base
 * name[0..base_len) into out (reset): the base up to its first ',' (the
 * ",S=..." size fields are not part of the identity) when that is a
 * valid unique-id, otherwise a digest of the whole base */
void pop3d_mbox_uidl(const char *name, size_t base_len, struct buf *out);

/* ------------------------------------------------------------------ */
/* A session (pop3d_session.c) */

/* What a session asks the rest of the suite; the tests and the fuzz
 * target replace these. */
struct pop3d_hooks {
	enum auth_status (*login)(
	    const struct auth_request *req, struct auth_result *res);
	int (*banned)(const char *client, time_t *until_out, struct buf *why);
	/* narrow the process to the Maildir dir after login, for good;
	 * 0, or -1 with why (NULL: no narrowing) */
	int (*confine)(const char *dir, struct buf *why);
};
extern const struct pop3d_hooks pop3d_default_hooks;

struct pop3d_counter {
	unsigned long n;
	uint64_t bytes;
};

struct pop3d_state {
	/* the client */
	struct stream *s;
	struct tls_conn *tls;
	char addr[NET_ADDR_MAX];
	int port;
	char local_addr[NET_ADDR_MAX];
	const struct pop3d_hooks *hooks;
	/* the session */
	bool logged_in;
	bool must_close;
	const char *end_reason; /* why the session ended, for the log */
	long bad_commands;
	long auth_failures;
	struct buf *user_arg; /* USER's argument, until PASS */
	struct buf *user;     /* the canonical account after login */
	const char *method;   /* "USER" or "PLAIN" */
	struct pop3d_mbox mbox;
	unsigned long start_count; /* messages at login */
	uint64_t start_size;       /* their size */
	struct pop3d_counter top, retr, del;
	/* scratch */
	struct buf *line, *why, *tmp, *out;
};

/* The daemon's context (pop3d.c), set before any session. */
extern struct tls_ctx *pop3d_tls_ctx;              /* NULL: no TLS */
extern struct matchlist *pop3d_plaintext_networks; /* may be NULL */

/* pop3d_state_init - a session on stream s (owned by the caller) with
 * the client at addr:port; hooks NULL for pop3d_default_hooks */
void pop3d_state_init(struct pop3d_state *st, struct stream *s,
    const char *addr, int port, const char *local_addr,
    const struct pop3d_hooks *hooks);
void pop3d_state_free(struct pop3d_state *st);
/* pop3d_session_run - greet, serve commands until QUIT, EOF, a timeout
 * or a fatal client error; logs the session */
void pop3d_session_run(struct pop3d_state *st);
/* pop3d_reply - one response line; flushed before the next read */
void pop3d_reply(struct pop3d_state *st, const char *fmt, ...)
    ATTR_PRINTF(2, 3);

#endif /* POP3D_POP3D_H */

/*
 * queue_file.h - the queue file: one message with its envelope, written
 * once by smtpd (or pickup), read and updated by the queue manager. The
 * format is described in gannet-queue(5); this header is its API.
 *
 * Writing (smtpd, pickup):
 *     qw = queue_writer_create(var_queue_dir, why);      tmp/ file, ID
 *     queue_writer_envelope(qw, &env, why);               sender, rcpts...
 *     queue_writer_body(qw, data, n);  ...                the message
 *     queue_writer_commit(qw, QUEUE_INCOMING, why);       end record,
 *                                   fsync, rename into incoming/, fsync dir
 *     queue_writer_free(&qw);          unlinks the temporary file unless
 *                                      commit succeeded
 * Only after commit returned 0 may the client be told 250. A crash at
 * any point leaves either nothing in incoming/ or a complete file.
 *
 * Reading (qmgr, delivery agents):
 *     qf = queue_file_open(path, true, why);     strict validation
 *     env = queue_file_env(qf);                  envelope, recipients
 *     pread(queue_file_fd(qf), ..., env->body_offset + k)
 *     queue_file_set_state(qf, i, QUEUE_RCPT_DELIVERED, why);
 *     queue_file_close(&qf);
 * A file that fails validation is refused with the reason in why; the
 * queue manager moves it to corrupt/.
 */
#ifndef MAIL_QUEUE_FILE_H
#define MAIL_QUEUE_FILE_H
#include <sys/types.h>

#include "util/sys_defs.h"

#include "proto/smtp_cmd.h"

struct buf;

/* Version 2 added the records "expanded" and "warned"; version 1 files
 * are still read (as not expanded, not warned). */
#define QUEUE_FILE_VERSION 2

/* Queue subdirectories a file may be committed to */
#define QUEUE_INCOMING "incoming"
#define QUEUE_HOLD     "hold"

/* A queue ID: 11 base-32 digits of the arrival time in microseconds
 * (fixed width, so IDs sort by time) and the inode number of the file
 * in base 32; alphabet 0-9 A-V (RFC 4648 base32hex, in ASCII order). */
#define QUEUE_ID_MAX 24

/* Recipient states: the one byte the queue manager rewrites in place.
 * Every state but PENDING is final: the recipient is never delivered
 * again. */
#define QUEUE_RCPT_PENDING   'P'
#define QUEUE_RCPT_DELIVERED 'D' /* delivered or relayed with success */
#define QUEUE_RCPT_FAILED    'F' /* permanent failure, bounce made */
#define QUEUE_RCPT_EXPIRED   'E' /* gave up after maximal_queue_lifetime */
#define QUEUE_RCPT_STATES    "PDFE"

/* Limits the reader enforces */
#define QUEUE_RCPT_MAX   1000000
#define QUEUE_RECORD_MAX 8192
#define QUEUE_ENV_MAX    (256L * 1024 * 1024)

struct queue_rcpt {
	char *addr;         /* envelope recipient */
	char *orig;         /* as the client gave it (before any rewriting) */
	char *orcpt;        /* DSN ORCPT "type;address" (decoded), "" if none */
	int notify;         /* SMTP_NOTIFY_* bits, 0 when not given */
	char state;         /* QUEUE_RCPT_* */
	off_t state_offset; /* reader: file offset of the state byte */
};

struct queue_env {
	char queue_id[QUEUE_ID_MAX + 1];
	int64_t arrival_us; /* wall clock, microseconds since the epoch */
	char *sender;       /* "" for the null sender */
	char *envid;        /* DSN ENVID (decoded), "" if none */
	enum smtp_ret ret;  /* DSN RET, SMTP_RET_NONE if none */
	enum smtp_body body;
	bool smtputf8;
	char *service;     /* "smtp", "submission", "pickup" ... */
	char *protocol;    /* "SMTP", "ESMTP", "ESMTPSA", "UTF8SMTPS" ... */
	char *client_addr; /* "" when local (pickup) */
	long client_port;
	char *client_name; /* reverse name or "unknown" */
	char *client_helo;
	char *auth_user;   /* SASL login name, "" if none */
	char *tls_version; /* "TLSv1.3", "" without TLS */
	char *tls_cipher;
	/* qmgr: the recipients are the result of alias, list and forward
	 * expansion (rcpt_orig holds the address before it), so the file is
	 * never expanded again, also after a requeue */
	bool expanded;
	bool warned;         /* qmgr: the delay warning was sent */
	off_t warned_offset; /* reader: file offset of the warned byte */
	struct queue_rcpt *rcpt;
	size_t nrcpt;
	/* reader: where the message is */
	off_t body_offset;
	off_t body_size;
};

/* queue_env_clear - free the strings and recipients, zero the struct */
void queue_env_clear(struct queue_env *env);
/* queue_env_add_rcpt - append a recipient (strings copied; orig and
 * orcpt may be NULL); returns it */
struct queue_rcpt *queue_env_add_rcpt(struct queue_env *env, const char *addr,
    const char *orig, const char *orcpt, int notify);

/* queue_id_ok - s has the shape of a queue ID */
bool queue_id_ok(const char *s);
/* queue_id_make - the ID for a file made at time_us with inode ino */
void queue_id_make(int64_t time_us, ino_t ino, char out[QUEUE_ID_MAX + 1]);
/* queue_file_path - "queue_dir/subdir/id" into out */
void queue_file_path(
    const char *queue_dir, const char *subdir, const char *id, struct buf *out);

/* Writer */
struct queue_writer;

/* queue_writer_create - open a new temporary file in queue_dir/tmp and
 * choose its ID; NULL with why */
struct queue_writer *queue_writer_create(
    const char *queue_dir, struct buf *why);
/* queue_writer_rewrite - a writer for a new version of the file of an
 * existing message (the queue manager's expansion): same queue ID and
 * arrival time, written under tmp/, and committed with a rename that
 * replaces queue_dir/subdir/ID; NULL with why */
struct queue_writer *queue_writer_rewrite(const char *queue_dir,
    const char *queue_id, int64_t arrival_us, struct buf *why);
const char *queue_writer_id(const struct queue_writer *qw);
/* queue_writer_envelope - write the envelope records (env->queue_id and
 * arrival_us are filled in from the writer); once, before the body */
int queue_writer_envelope(
    struct queue_writer *qw, struct queue_env *env, struct buf *why);
/* queue_writer_body - append message bytes. Errors are sticky and
 * reported by commit (so a caller may go on reading the client's data) */
int queue_writer_body(struct queue_writer *qw, const void *p, size_t n);
/* queue_writer_size - message bytes written so far */
off_t queue_writer_size(const struct queue_writer *qw);
/* queue_writer_commit - finish: end record, size, fsync, rename to
 * queue_dir/subdir/ID, fsync the directory. 0, or -1 with why (the
 * temporary file is then removed). */
int queue_writer_commit(
    struct queue_writer *qw, const char *subdir, struct buf *why);
/* queue_writer_free - remove the temporary file if not committed; free;
 * *qwp = NULL */
void queue_writer_free(struct queue_writer **qwp);

/* Reader */
struct queue_file;

/* queue_file_open - open and validate a queue file (read-write when
 * writable, to update recipient states). The file name must be its
 * queue ID. NULL with why on any error, including a truncated or
 * malformed file; errno is then that of open() when the file could not
 * be opened (ENOENT: it moved or was removed meanwhile), else EINVAL. */
struct queue_file *queue_file_open(
    const char *path, bool writable, struct buf *why);
const struct queue_env *queue_file_env(const struct queue_file *qf);
int queue_file_fd(const struct queue_file *qf);
/* queue_file_read_body - up to n message bytes from offset off of the
 * message (not of the file); bytes read, 0 at the end, -1 on error */
ssize_t queue_file_read_body(
    struct queue_file *qf, off_t off, void *p, size_t n);
/* queue_file_set_state - rewrite recipient i's state byte in place with
 * one pwrite, then fdatasync; 0 or -1 with why */
int queue_file_set_state(
    struct queue_file *qf, size_t i, char state, struct buf *why);
/* queue_file_set_warned - record that the delay warning was sent (one
 * byte in place, fdatasync); 0 or -1 with why */
int queue_file_set_warned(struct queue_file *qf, struct buf *why);
/* queue_file_pending - recipients still in state PENDING */
size_t queue_file_pending(const struct queue_file *qf);
void queue_file_close(struct queue_file **qfp);

/* queue_file_parse - validate a whole queue file image in memory (the
 * reader's parser; tests and fuzzing). expect_id may be NULL. 0 or -1. */
int queue_file_parse(const char *data, size_t len, const char *expect_id,
    struct queue_env *env, struct buf *why);

/* queue_count - messages in incoming/, active/, deferred/ and hold/,
 * counting stops past stop_after (0 = count all); -1 on error */
long queue_count(const char *queue_dir, long stop_after);
/* queue_wake - nudge the queue manager through queue_dir/private/qmgr
 * or public/qmgr; silently nothing when neither socket answers */
void queue_wake(const char *queue_dir);

#endif /* MAIL_QUEUE_FILE_H */

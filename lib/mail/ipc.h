/*
 * ipc.h - typed, named attributes between Gannet processes (STYLE 15).
 *
 * A message is a type and an ordered list of name=value attributes. On
 * the wire (a UNIX stream socket) it is text, so that a message can be
 * read in a trace:
 *     TYPE\n
 *     name=value\n          (%, CR, LF and NUL in a value as %25 %0D %0A %00)
 *     \n                    (an empty line ends the message)
 * The receiver decodes strictly and in order: each ipc_get_* must name the
 * next attribute, and ipc_end() fails when any is left over, so a missing,
 * extra, duplicate or misplaced attribute is an error. Every peer process
 * is treated as possibly compromised. A message is at most IPC_MSG_MAX
 * bytes and IPC_ATTR_MAX attributes.
 */
#ifndef MAIL_IPC_H
#define MAIL_IPC_H
#include "util/sys_defs.h"

struct buf;
struct stream;
struct ipc_msg;

#define IPC_MSG_MAX  (1024 * 1024)
#define IPC_ATTR_MAX 10000

struct ipc_msg *ipc_new(void);
void ipc_free(struct ipc_msg **mp);
/* ipc_begin - start a new message of type (resets m) */
void ipc_begin(struct ipc_msg *m, const char *type);
void ipc_put_str(struct ipc_msg *m, const char *name, const char *value);
void ipc_put_data(struct ipc_msg *m, const char *name, const void *p, size_t n);
void ipc_put_long(struct ipc_msg *m, const char *name, long v);
void ipc_put_bool(struct ipc_msg *m, const char *name, bool v);
/* ipc_send - write the message and flush; 0 or -1 (stream status) */
int ipc_send(struct stream *s, const struct ipc_msg *m);
/* ipc_recv - read one message into m; 0, or -1 with why ("lost
 * connection", "timeout", "malformed ...") */
int ipc_recv(struct stream *s, struct ipc_msg *m, struct buf *why);
/* ipc_decode - parse one message from memory (tests, fuzzing); as
 * ipc_recv */
int ipc_decode(
    const char *data, size_t len, struct ipc_msg *m, struct buf *why);
/* ipc_encode - the wire form of m, appended to out */
void ipc_encode(const struct ipc_msg *m, struct buf *out);

const char *ipc_type(const struct ipc_msg *m);
/* ipc_get_* - the next attribute must be name; 0, or -1 */
int ipc_get_str(struct ipc_msg *m, const char *name, struct buf *out);
int ipc_get_long(
    struct ipc_msg *m, const char *name, long min, long max, long *out);
int ipc_get_bool(struct ipc_msg *m, const char *name, bool *out);
/* ipc_next_is - the next attribute is called name (optional and
 * repeated attributes) */
bool ipc_next_is(const struct ipc_msg *m, const char *name);
/* ipc_end - 0 when every attribute was consumed */
int ipc_end(const struct ipc_msg *m);

/* ipc_call - connect to the UNIX socket path, send req, read the reply
 * into reply, close; all within timeout_s seconds. 0, or -1 with why. */
int ipc_call(const char *path, const struct ipc_msg *req, struct ipc_msg *reply,
    int timeout_s, struct buf *why);

#endif /* MAIL_IPC_H */

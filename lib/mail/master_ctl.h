/*
 * master_ctl.h - how the gannet command (and the master itself) finds
 * the running master of an instance and asks it for its status.
 *
 * The master holds an exclusive fcntl() lock on queue_directory/
 * MASTER_PID_FILE for as long as it runs; the file holds its pid. A file
 * that nobody has locked is stale (a crash left it) and is ignored: the
 * holder of the lock is the truth, not the contents of the file.
 *
 * The master also listens on queue_directory/MASTER_CTL_SOCKET (mode
 * 0600, owned by the master's user, in a directory only that user can
 * write). Connecting is the whole request: the master writes its status
 * as text and closes; it reads nothing from the socket. The text is lines
 * of "keyword value...":
 *   pid PID
 *   started UNIX-SECONDS
 *   state running|stopping
 *   reloads N               (SIGHUPs handled so far)
 *   reload ok|failed: TEXT  (the outcome of the last one)
 *   service NAME TYPE COMMAND key=value...
 * with the keys of a service: procs (current processes), busy (with a
 * client), draining (old processes finishing after a reload), limit
 * (0 = none), sessions (clients served), started (processes started),
 * restarts (processes that exited abnormally and were replaced), and
 * throttled (seconds until the service is tried again, 0 when it is not
 * throttled). Unknown keywords and keys are to be ignored by readers.
 */
#ifndef MAIL_MASTER_CTL_H
#define MAIL_MASTER_CTL_H
#include <sys/types.h>

#include "util/sys_defs.h"

struct buf;

#define MASTER_PID_FILE   "pid/master.pid"
#define MASTER_CTL_SOCKET "pid/master.ctl"

/* master_ctl_path - queue_directory/name of the loaded configuration */
void master_ctl_path(const char *name, struct buf *out);
/* master_ctl_pid - the pid of the running master: > 0; 0 when no master
 * runs (then *stale_out, when not NULL, is the pid a stale file names, or
 * 0 when there is no file); -1 with why when it cannot be told */
pid_t master_ctl_pid(pid_t *stale_out, struct buf *why);
/* master_ctl_status - read the status text of the running master into
 * out (reset first); 0, or -1 with why */
int master_ctl_status(struct buf *out, int timeout_ms, struct buf *why);

/* master_ctl_value - in status text, the rest of the first line that
 * begins with "keyword ", into out; returns buf_cstr(out), or NULL */
const char *master_ctl_value(
    const char *text, const char *keyword, struct buf *out);
/* master_ctl_key - in one "service" line, the value of key=value, into
 * out; returns buf_cstr(out), or NULL */
const char *master_ctl_key(const char *line, const char *key, struct buf *out);

#endif /* MAIL_MASTER_CTL_H */

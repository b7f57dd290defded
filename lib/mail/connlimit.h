/*
 * connlimit.h - count concurrent sessions across the processes of a
 * service, in total and per client address, without a counting daemon.
 *
 * Each session holds a write lock on one byte of a shared file: a slot.
 * The total slots are bytes [0, total_limit); the slots of a client are
 * per_key_limit bytes in a region chosen by a hash of its address. A
 * process that cannot lock any byte of a range is over that limit. The
 * kernel drops the locks when the process exits or crashes, so a count
 * can never leak. Two addresses whose hashes collide share slots, which
 * can only make a limit stricter, and rarely (65536 regions).
 *
 * The locks are open file description locks (F_OFD_SETLK), so a process
 * may hold several and they do not vanish when another descriptor of
 * the same file is closed.
 */
#ifndef MAIL_CONNLIMIT_H
#define MAIL_CONNLIMIT_H
#include "util/sys_defs.h"

struct buf;
struct connlimit;

#define CONNLIMIT_MAX 100000

/* connlimit_open - open (creating) the slot file at path; NULL with why */
struct connlimit *connlimit_open(const char *path, struct buf *why);
/* connlimit_take - take a total slot (total_limit 0: none needed) and a
 * slot of key (key_limit 0: none needed). Returns 1 when taken, 0 when
 * over a limit (*which_out is "total" or "client"; nothing is held),
 * -1 on error (why). */
int connlimit_take(struct connlimit *cl, const char *key, long key_limit,
    long total_limit, const char **which_out, struct buf *why);
/* connlimit_release - give back what take got */
void connlimit_release(struct connlimit *cl);
void connlimit_close(struct connlimit **clp);

#endif /* MAIL_CONNLIMIT_H */

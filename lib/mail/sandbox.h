/*
 * sandbox.h - narrowing what a process may reach in the file system,
 * with Linux Landlock. The mailbox daemons use it per session: the part
 * that talks to a client before login reaches no file at all, and the
 * part that serves a logged-in user reaches only that user's mail. All
 * of them run as the one virtual mail user, so this is what keeps one
 * account's session away from the others' mail.
 *
 * A sandbox can only get narrower, never wider, and it is inherited by
 * children. Descriptors opened before it stay usable.
 */
#ifndef MAIL_SANDBOX_H
#define MAIL_SANDBOX_H
#include "util/sys_defs.h"

struct buf;

/* sandbox_fs - from now on, allow only: everything (read, write, create,
 * remove, rename) beneath each directory of rw, and reading beneath each
 * path of ro (either list may be NULL; both NULL: no file at all).
 * Missing ro paths are skipped. Returns 0, 1 when the kernel does not
 * offer Landlock (nothing was restricted), or -1 with why. */
int sandbox_fs(const char *const *rw, const char *const *ro, struct buf *why);

#endif /* MAIL_SANDBOX_H */

/*
 * connlimit.c - session slots as byte locks (see connlimit.h).
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "mail/connlimit.h"

#define CONNLIMIT_BUCKETS 65536
#define CONNLIMIT_BASE    ((off_t)CONNLIMIT_MAX + 1)

struct connlimit {
	int fd;
	off_t held[2]; /* offsets of held slots, -1 none */
};

/* connlimit_open - the slot file */
struct connlimit *
connlimit_open(const char *path, struct buf *why)
{
	struct connlimit *cl;
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		buf_printf(why, "open %s: %m", path);
		return NULL;
	}
	cl = xcalloc(1, sizeof(*cl));
	cl->fd = fd;
	cl->held[0] = cl->held[1] = -1;
	return cl;
}

/* connlimit_lock - try to lock one byte; 1 locked, 0 busy, -1 error */
static int
connlimit_lock(struct connlimit *cl, off_t off, short type)
{
	struct flock fl = {.l_type = type,
	    .l_whence = SEEK_SET,
	    .l_start = off,
	    .l_len = 1,
	    .l_pid = 0};

	if (fcntl(cl->fd, F_OFD_SETLK, &fl) == 0)
		return 1;
	return errno == EAGAIN || errno == EACCES ? 0 : -1;
}

/* connlimit_range - take a free byte in [base, base + n) into *held */
static int
connlimit_range(
    struct connlimit *cl, off_t base, long n, off_t *held, struct buf *why)
{
	for (long i = 0; i < n; i++) {
		int r = connlimit_lock(cl, base + i, F_WRLCK);

		if (r < 0) {
			buf_printf(why, "lock: %m");
			return -1;
		}
		if (r == 1) {
			*held = base + i;
			return 1;
		}
	}
	return 0;
}

/* connlimit_hash - FNV-1a of the key */
static uint32_t
connlimit_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

/* connlimit_take - total slot, then client slot */
int
connlimit_take(struct connlimit *cl, const char *key, long key_limit,
    long total_limit, const char **which_out, struct buf *why)
{
	int r;

	connlimit_release(cl);
	if (total_limit > 0) {
		r = connlimit_range(
		    cl, 0, MIN(total_limit, CONNLIMIT_MAX), &cl->held[0], why);
		if (r <= 0) {
			*which_out = "total";
			return r;
		}
	}
	if (key_limit > 0) {
		off_t base = CONNLIMIT_BASE
		    + (off_t)(connlimit_hash(key) % CONNLIMIT_BUCKETS)
		        * CONNLIMIT_BASE;

		r = connlimit_range(
		    cl, base, MIN(key_limit, CONNLIMIT_MAX), &cl->held[1], why);
		if (r <= 0) {
			connlimit_release(cl);
			*which_out = "client";
			return r;
		}
	}
	return 1;
}

/* connlimit_release - unlock what is held */
void
connlimit_release(struct connlimit *cl)
{
	for (int i = 0; i < 2; i++) {
		if (cl->held[i] >= 0)
			(void)connlimit_lock(cl, cl->held[i], F_UNLCK);
		cl->held[i] = -1;
	}
}

/* connlimit_close - release, close, free */
void
connlimit_close(struct connlimit **clp)
{
	if (*clp == NULL)
		return;
	connlimit_release(*clp);
	close((*clp)->fd);
	free(*clp);
	*clp = NULL;
}

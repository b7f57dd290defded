/*
 * pop3d_mbox.c - the mailbox a POP3 session sees: a snapshot of the
 * Maildir taken at login, under a lock that keeps a second POP3 session
 * out (see pop3d.h).
 *
 * Why a snapshot: RFC 1939 numbers messages for the whole session, so
 * mail that arrives meanwhile must wait for the next session, and a
 * message removed by someone else (an IMAP session of the same account)
 * keeps its number. The snapshot holds names, not open files: a renamed
 * file (IMAP sets flags by renaming) is found again by its base, which
 * never changes; a file that is gone makes RETR fail for that message
 * only, never return another message's bytes.
 *
 * Why the lock is an open file description lock on a file in the
 * Maildir: the kernel drops it when the process ends or crashes, so a
 * lock can never go stale and need an administrator to "unlock" it
 * (SEED MBX-03), and two sessions in one process (tests, the fuzzer)
 * exclude each other too. Only POP3 takes it: IMAP sessions and delivery
 * go on as usual.
 *
 * Unique-ids: the message's base name, which every Maildir writer makes
 * unique and which survives flag changes, restarts and moves between
 * new/ and cur/, as Dovecot's "%f" format does. The ",S=,W=" size
 * fields are left out (they describe the message, they do not name it);
 * a base that is not a valid unique-id (RFC 1939: 1 to 70 characters
 * 0x21..0x7E) gets a digest of itself instead. Within a snapshot, a
 * duplicate (which only a foreign writer could make) gets the digest, so
 * that unique-ids are unique per mailbox.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/pop3_msg.h"

#include "mail/maildir.h"

#include "pop3d.h"

#define POP3D_READ_CHUNK 65536

/* pop3d_mbox_digest - two FNV-1a 64 hashes of s[0..n) as 32 hex digits,
 * prefixed with "H". Not a cryptographic digest: it only has to tell
 * Maildir base names apart, and nobody chooses those but the writers. */
static void
pop3d_mbox_digest(const char *s, size_t n, struct buf *out)
{
	uint64_t a = UINT64_C(14695981039346656037);
	uint64_t b = UINT64_C(0x84222325cbf29ce4);

	for (size_t i = 0; i < n; i++) {
		a = (a ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
		b = (b ^ (unsigned char)s[n - 1 - i]) * UINT64_C(1099511628211);
	}
	buf_reset(out);
	buf_printf(out, "H%016llx%016llx", (unsigned long long)a,
	    (unsigned long long)b);
}

/* pop3d_mbox_uidl - the unique-id of a base */
void
pop3d_mbox_uidl(const char *name, size_t base_len, struct buf *out)
{
	size_t n = 0;

	while (n < base_len && name[n] != ',')
		n++;
	if (n == 0 || n > POP3D_UIDL_MAX)
		goto digest;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x21
		    || (unsigned char)name[i] > 0x7e)
			goto digest;
	/* A digest starts with 'H' and 32 hex digits; a base of that shape
	 * is digested too, so that it cannot collide with one. */
	if (n == 33 && name[0] == 'H') {
		size_t k = 1;

		while (k < n && strchr("0123456789abcdef", name[k]) != NULL)
			k++;
		if (k == n)
			goto digest;
	}
	buf_set(out, name, n);
	return;
digest:
	pop3d_mbox_digest(name, base_len, out);
}

/* pop3d_mbox_order - the delivery time in a base "<sec>.M<usec>...",
 * for sorting (0 when the base has another shape) */
static void
pop3d_mbox_order(const char *name, uint64_t *sec, uint64_t *usec)
{
	const char *p = name;

	*sec = *usec = 0;
	while (*p >= '0' && *p <= '9' && *sec < UINT64_MAX / 10)
		*sec = *sec * 10 + (uint64_t)(*p++ - '0');
	if (p[0] == '.' && p[1] == 'M') {
		for (p += 2; *p >= '0' && *p <= '9' && *usec < UINT64_MAX / 10;)
			*usec = *usec * 10 + (uint64_t)(*p++ - '0');
	}
}

/* pop3d_mbox_cmp - delivery order, then the base */
static int
pop3d_mbox_cmp(const void *pa, const void *pb)
{
	const struct pop3d_msg *a = pa, *b = pb;
	uint64_t as, au, bs, bu;
	size_t n = MIN(a->base_len, b->base_len);
	int c;

	pop3d_mbox_order(a->name, &as, &au);
	pop3d_mbox_order(b->name, &bs, &bu);
	if (as != bs)
		return as < bs ? -1 : 1;
	if (au != bu)
		return au < bu ? -1 : 1;
	if ((c = memcmp(a->name, b->name, n)) != 0)
		return c;
	if (a->base_len != b->base_len)
		return a->base_len < b->base_len ? -1 : 1;
	/* The same base twice: a move from new/ to cur/ seen half-way. Put
	 * the cur/ one first; it is the one kept. */
	return (int)a->in_new - (int)b->in_new;
}

/* pop3d_mbox_sizes - the sizes of a file without recorded ones: read it
 * through the wire converter. 0, 1 when the file is gone, -1 with why */
static int
pop3d_mbox_sizes(const char *path, struct pop3d_msg *m, struct buf *why)
{
	struct pop3_msg w;
	char *chunk;
	struct stat sb;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		buf_printf(why, "open %s: %m", path);
		return -1;
	}
	if (fstat(fd, &sb) < 0) {
		buf_printf(why, "stat %s: %m", path);
		close(fd);
		return -1;
	}
	chunk = xmalloc(POP3D_READ_CHUNK);
	pop3_msg_init(&w, false, 0);
	while ((r = read(fd, chunk, POP3D_READ_CHUNK)) > 0)
		pop3_msg_wire(&w, chunk, (size_t)r);
	if (r < 0)
		buf_printf(why, "read %s: %m", path);
	free(chunk);
	close(fd);
	m->size = w.wire;
	m->fsize = (uint64_t)sb.st_size;
	return r < 0 ? -1 : 0;
}

/* pop3d_mbox_lock - the session lock; 0, POP3D_MBOX_INUSE, -1 */
static int
pop3d_mbox_lock(struct pop3d_mbox *mb, struct buf *why)
{
	struct buf *path = buf_new(256);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd, ret = 0;

	buf_printf(path, "%s/%s", mb->dir, POP3D_LOCK_NAME);
	fd = open(
	    buf_cstr(path), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		buf_printf(why, "open %s: %m", buf_cstr(path));
		ret = -1;
	} else if (fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		if (errno == EAGAIN || errno == EACCES) {
			ret = POP3D_MBOX_INUSE;
		} else {
			buf_printf(why, "lock %s: %m", buf_cstr(path));
			ret = -1;
		}
		close(fd);
	} else {
		mb->lock_fd = fd;
	}
	buf_free(&path);
	return ret;
}

/* pop3d_mbox_unique - give duplicate unique-ids the digest of the base */
static void
pop3d_mbox_unique(struct pop3d_mbox *mb, struct buf *tmp)
{
	struct htable *seen = htable_new(mb->n + 1);

	for (size_t i = 0; i < mb->n; i++) {
		struct pop3d_msg *m = &mb->v[i];

		if (htable_has(seen, m->uidl)) {
			pop3d_mbox_digest(m->name, m->base_len, tmp);
			free(m->uidl);
			m->uidl = xstrdup(buf_cstr(tmp));
		}
		htable_set(seen, m->uidl, m);
	}
	htable_free(&seen, NULL);
}

/* pop3d_mbox_prepare - a Maildir for a new account */
int
pop3d_mbox_prepare(const char *dir, struct buf *why)
{
	if (maildir_exists(dir))
		return 0;
	if (file_mkdirs(dir, 0700, why) < 0
	    || maildir_make(dir, false, why) < 0)
		return -1;
	return 0;
}

/* pop3d_mbox_open - lock and snapshot */
int
pop3d_mbox_open(
    struct pop3d_mbox *mb, const char *dir, long long quota, struct buf *why)
{
	struct maildir_listing l = {0};
	struct buf *path = buf_new(256);
	size_t k;
	int r;

	memset(mb, 0, sizeof(*mb));
	mb->lock_fd = -1;
	mb->dir = xstrdup(dir);
	mb->quota.bytes = quota > 0 ? (uint64_t)quota : 0;
	if ((r = pop3d_mbox_lock(mb, why)) != 0)
		goto out;
	if ((r = maildir_list(dir, &l, why)) < 0)
		goto out;
	mb->v = xcalloc(l.n ? l.n : 1, sizeof(*mb->v));
	for (size_t i = 0; i < l.n; i++) {
		struct maildir_name mn;
		struct pop3d_msg *m = &mb->v[mb->n];

		if (!maildir_name_parse(l.v[i].name, &mn))
			continue;
		m->name = l.v[i].name;
		l.v[i].name = NULL;
		m->in_new = l.v[i].in_new;
		m->base_len = mn.base_len;
		if (mn.has_vsize && mn.has_size) {
			m->size = mn.vsize;
			m->fsize = mn.size;
		} else {
			maildir_file_path(dir, m->name, m->in_new, path);
			r = pop3d_mbox_sizes(buf_cstr(path), m, why);
			if (r < 0)
				goto out;
			if (r == 1) { /* gone meanwhile: not in the snapshot */
				free(m->name);
				m->name = NULL;
				continue;
			}
		}
		mb->n++;
	}
	r = 0;
	qsort(mb->v, mb->n, sizeof(*mb->v), pop3d_mbox_cmp);
	/* Drop the second sighting of a base (see pop3d_mbox_cmp). */
	for (size_t i = k = 0; i < mb->n; i++) {
		if (k > 0 && mb->v[k - 1].base_len == mb->v[i].base_len
		    && memcmp(
		           mb->v[k - 1].name, mb->v[i].name, mb->v[i].base_len)
		        == 0) {
			free(mb->v[i].name);
			continue;
		}
		mb->v[k++] = mb->v[i];
	}
	mb->n = k;
	for (size_t i = 0; i < mb->n; i++) {
		pop3d_mbox_uidl(mb->v[i].name, mb->v[i].base_len, path);
		mb->v[i].uidl = xstrdup(buf_cstr(path));
		mb->total += mb->v[i].size;
	}
	pop3d_mbox_unique(mb, path);
out:
	maildir_listing_free(&l);
	buf_free(&path);
	if (r != 0)
		pop3d_mbox_close(mb);
	return r;
}

/* pop3d_mbox_close - unlock, free */
void
pop3d_mbox_close(struct pop3d_mbox *mb)
{
	if (mb->lock_fd >= 0)
		close(mb->lock_fd); /* the lock goes with the descriptor */
	for (size_t i = 0; i < mb->n; i++) {
		free(mb->v[i].name);
		free(mb->v[i].uidl);
	}
	free(mb->v);
	free(mb->dir);
	memset(mb, 0, sizeof(*mb));
	mb->lock_fd = -1;
}

/* pop3d_mbox_relocate - find message i again by its base after its file
 * was renamed; 1 found (name updated), 0 gone, -1 with why */
static int
pop3d_mbox_relocate(struct pop3d_mbox *mb, size_t i, struct buf *why)
{
	struct maildir_listing l = {0};
	struct pop3d_msg *m = &mb->v[i];
	int ret = 0;

	if (maildir_list(mb->dir, &l, why) < 0)
		return -1;
	for (size_t k = 0; k < l.n; k++) {
		struct maildir_name mn;

		if (!maildir_name_parse(l.v[k].name, &mn)
		    || mn.base_len != m->base_len
		    || memcmp(l.v[k].name, m->name, m->base_len) != 0)
			continue;
		free(m->name);
		m->name = l.v[k].name;
		m->in_new = l.v[k].in_new;
		l.v[k].name = NULL;
		ret = 1;
		break;
	}
	maildir_listing_free(&l);
	return ret;
}

/* pop3d_mbox_msg_open - open message i, following a rename */
int
pop3d_mbox_msg_open(struct pop3d_mbox *mb, size_t i, struct buf *why)
{
	struct buf *path = buf_new(256);
	int fd = -1;

	ASSERT(i < mb->n);
	for (int attempt = 0; attempt < 3; attempt++) {
		int r;

		maildir_file_path(
		    mb->dir, mb->v[i].name, mb->v[i].in_new, path);
		fd = open(buf_cstr(path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd >= 0 || errno != ENOENT)
			break;
		/* Renamed (flags, or new/ to cur/) or removed. Renames can
		 * race with the search, hence a few attempts. */
		if ((r = pop3d_mbox_relocate(mb, i, why)) <= 0) {
			fd = r == 0 ? POP3D_MBOX_GONE : -1;
			goto out;
		}
	}
	if (fd == -1) {
		if (errno == ENOENT)
			fd = POP3D_MBOX_GONE;
		else
			buf_printf(why, "open %s: %m", buf_cstr(path));
	}
out:
	buf_free(&path);
	return fd;
}

/* pop3d_mbox_remove - unlink message i, following a rename; 1 removed, 0
 * it was gone already, -1 with why */
static int
pop3d_mbox_remove(struct pop3d_mbox *mb, size_t i, struct buf *why)
{
	struct buf *path = buf_new(256);
	int ret = -1;

	for (int attempt = 0; attempt < 3; attempt++) {
		int r;

		maildir_file_path(
		    mb->dir, mb->v[i].name, mb->v[i].in_new, path);
		if (unlink(buf_cstr(path)) == 0) {
			ret = 1;
			goto out;
		}
		if (errno != ENOENT) {
			buf_printf(why, "unlink %s: %m", buf_cstr(path));
			goto out;
		}
		if ((r = pop3d_mbox_relocate(mb, i, why)) <= 0) {
			ret = r;
			goto out;
		}
	}
	buf_printf(why, "unlink %s: renamed again and again", buf_cstr(path));
out:
	buf_free(&path);
	return ret;
}

/* pop3d_mbox_seen - message i gets \Seen (and leaves new/); failures are
 * only logged: the mail is not at risk */
static void
pop3d_mbox_seen(struct pop3d_mbox *mb, size_t i, struct buf *why)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		struct pop3d_msg *m = &mb->v[i];
		struct maildir_name mn;
		int r;

		if (!maildir_name_parse(m->name, &mn))
			return;
		if (!m->in_new && (mn.flags & MAILDIR_F_SEEN))
			return;
		buf_reset(why);
		r = m->in_new
		    ? maildir_move_to_cur(mb->dir, m->name,
		        mn.flags | MAILDIR_F_SEEN, mn.keywords, NULL, why)
		    : maildir_set_flags(mb->dir, m->name,
		        mn.flags | MAILDIR_F_SEEN, mn.keywords, NULL, why);
		if (r == 0)
			return;
		if (errno != ENOENT || pop3d_mbox_relocate(mb, i, why) <= 0)
			break;
	}
	if (buf_len(why))
		log_warn("set \\Seen: %s", buf_cstr(why));
}

/* pop3d_mbox_update - deletions and \Seen at QUIT */
int
pop3d_mbox_update(
    struct pop3d_mbox *mb, unsigned long *removed_out, struct buf *why)
{
	struct buf *tmp = buf_new(128);
	uint64_t bytes = 0;
	unsigned long removed = 0;
	int ret = 0;

	for (size_t i = 0; i < mb->n; i++) {
		struct pop3d_msg *m = &mb->v[i];

		if (m->deleted) {
			int r;

			buf_reset(tmp);
			r = pop3d_mbox_remove(mb, i, tmp);
			if (r < 0) {
				if (ret == 0)
					buf_cat(
					    why, buf_cstr(tmp), buf_len(tmp));
				ret = -1;
			} else if (r == 1) {
				removed++;
				bytes += m->fsize;
			}
		} else if (m->retrieved) {
			buf_reset(tmp);
			pop3d_mbox_seen(mb, i, tmp);
		}
	}
	if (removed > 0) {
		/* The removals are durable before +OK, so that a crash cannot
		 * bring the messages back for a client that has been told they
		 * are gone (it would fetch them twice). */
		buf_reset(tmp);
		buf_printf(tmp, "%s/cur", mb->dir);
		(void)file_fsync_dir(buf_cstr(tmp));
		buf_reset(tmp);
		buf_printf(tmp, "%s/new", mb->dir);
		(void)file_fsync_dir(buf_cstr(tmp));
		buf_reset(tmp);
		if (maildir_quota_update(mb->dir, &mb->quota, -(int64_t)bytes,
		        -(int64_t)removed, tmp)
		    < 0)
			log_warn("quota update: %s", buf_cstr(tmp));
	}
	*removed_out = removed;
	buf_free(&tmp);
	return ret;
}

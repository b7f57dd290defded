/*
 * mdx.c - the Maildir folder index (see mdx.h).
 *
 * File format, one record a line, fields separated by one space:
 *   GANNET-INDEX 1 <uidvalidity> <uidnext> <highestmodseq> <recent> <floor>
 *   V <uid> <modseq>                       an expunge remembered (snapshot)
 *   + <uid> <modseq> <date> <size> <vsize> <n|c> <name>   a message
 *   F <uid> <modseq> <n|c> <name>          new file name (flags) or place
 *   X <uid> <modseq>                       expunged
 *   R <uid>                                \Recent handed out below uid
 *   M <cur s> <cur ns> <new s> <new ns> <dirty>   directories as scanned
 * Names are %XX-escaped where they hold blanks, controls or '%'. The first
 * line is the snapshot header; everything after it is applied in order.
 * A line without its LF at the end of the file is a write that a crash
 * cut short: it is ignored, and cut off by the next writer.
 *
 * Every change is made by formatting its line and applying that line to
 * the in-memory state with the same code that reads the file, so what a
 * process believes and what it wrote cannot differ.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/maildir.h"
#include "mail/mdx.h"

#define MDX_FILE       "gannet-index"
#define MDX_LOCK       "gannet-index.lock"
#define MDX_TMP        "gannet-index.tmp"
#define MDX_MAGIC      "GANNET-INDEX 1"
#define MDX_VANISH_MAX 10000        /* expunges remembered for QRESYNC */
#define MDX_LOCK_TRIES 3000         /* 10 ms each: 30 s */
#define MDX_DIRTY_NS   1000000000LL /* mtimes this fresh are not trusted */

const char *const mdx_index_files[] = {MDX_FILE, MDX_LOCK, NULL};

struct mdx_van {
	uint32_t uid;
	uint64_t modseq;
};

struct mdx {
	char *dir;
	char *path, *lock_path;
	int fd, lockfd;
	dev_t dev;
	ino_t ino;
	off_t off;    /* bytes of the file applied */
	bool torn;    /* a partial line follows off */
	int depth;    /* mdx_begin nesting */
	bool corrupt; /* a bad line: rebuild under the lock */
	uint32_t uidvalidity, uidnext, recent_uid;
	uint64_t hms, floor;
	struct mdx_rec *v;
	size_t n, alloc;
	bool need_compact; /* records with uid 0 are gone */
	struct htable *by_base;
	struct mdx_van *van;
	size_t nvan, vanalloc;
	bool mt_known, mt_dirty;
	struct timespec mt_cur, mt_new;
	struct buf *out; /* lines to append at commit */
	bool out_sync;   /* they assign UIDs: fdatasync */
	size_t log_lines;
	uint64_t changes;
};

/* ------------------------------------------------------------------ */
/* Small helpers */

/* esc_name - %XX for blanks, controls, '%' */
static void
esc_name(struct buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= ' ' || *p == '%' || *p == 0x7f)
			buf_printf(out, "%%%02X", *p);
		else
			buf_catc(out, *p);
	}
}

/* unesc_name - the reverse; NULL when malformed */
static char *
unesc_name(const char *s)
{
	struct buf *b;
	char *r;

	if (strchr(s, '%') == NULL)
		return xstrdup(s);
	b = buf_new(strlen(s) + 1);
	for (const char *p = s; *p; p++) {
		if (*p == '%') {
			unsigned v;

			if (sscanf(p + 1, "%2x", &v) != 1 || v == 0 || !p[1]
			    || !p[2]) {
				buf_free(&b);
				return NULL;
			}
			buf_catc(b, (int)v);
			p += 2;
		} else
			buf_catc(b, *p);
	}
	r = buf_steal(b);
	buf_free(&b);
	return r;
}

/* base_of - the base of a file name as a new string */
static char *
base_of(const char *name)
{
	const char *c = strchr(name, ':');

	return c ? xstrndup(name, (size_t)(c - name)) : xstrdup(name);
}

/* ts_eq - equal timestamps */
static bool
ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

/* ------------------------------------------------------------------ */
/* In-memory state */

/* state_reset - forget every record */
static void
state_reset(struct mdx *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].name);
	x->n = 0;
	htable_free(&x->by_base, NULL);
	x->by_base = htable_new(1024);
	x->nvan = 0;
	x->uidvalidity = 0;
	x->uidnext = 1;
	x->recent_uid = 1;
	x->hms = 1;
	x->floor = 0;
	x->mt_known = false;
	x->need_compact = false;
	x->log_lines = 0;
	x->changes++;
}

/* find - position of uid among records (also gone ones), or -1 */
static ssize_t
find(const struct mdx *x, uint32_t uid)
{
	size_t lo = 0, hi = x->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (x->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->n && x->v[lo].uid == uid)
		return (ssize_t)lo;
	return -1;
}

/* compact - drop records marked gone (uid 0 cannot be searched, so they
 * keep their uid and an empty name until here) */
static void
compact(struct mdx *x)
{
	size_t o = 0;

	if (!x->need_compact)
		return;
	for (size_t i = 0; i < x->n; i++) {
		if (x->v[i].name == NULL)
			continue;
		x->v[o++] = x->v[i];
	}
	x->n = o;
	x->need_compact = false;
}

/* set_name - a record's file name, place and flags from the name */
static void
set_name(struct mdx_rec *r, char *name, bool in_new)
{
	struct maildir_name mn;

	free(r->name);
	r->name = name;
	r->in_new = in_new;
	r->flags = r->keywords = 0;
	if (maildir_name_parse(name, &mn)) {
		r->flags = mn.flags;
		r->keywords = mn.keywords;
	}
}

/* add_vanished - remember an expunge, dropping the oldest past the max */
static void
add_vanished(struct mdx *x, uint32_t uid, uint64_t modseq)
{
	if (x->nvan == MDX_VANISH_MAX) {
		if (x->van[0].modseq > x->floor)
			x->floor = x->van[0].modseq;
		memmove(x->van, x->van + 1, (x->nvan - 1) * sizeof(*x->van));
		x->nvan--;
	}
	if (x->nvan == x->vanalloc) {
		x->vanalloc = x->vanalloc ? x->vanalloc * 2 : 64;
		x->van = xreallocarray(x->van, x->vanalloc, sizeof(*x->van));
	}
	x->van[x->nvan].uid = uid;
	x->van[x->nvan].modseq = modseq;
	x->nvan++;
}

/* field_u64 - " <digits>" at *q */
static bool
field_u64(const char **q, unsigned long long *out)
{
	const char *p = *q;
	unsigned long long v = 0;

	if (*p++ != ' ' || *p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		if (v > (ULLONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (unsigned long long)(*p++ - '0');
	}
	*out = v;
	*q = p;
	return true;
}

/* field_i64 - " [-]<digits>" */
static bool
field_i64(const char **q, long long *out)
{
	const char *p = *q;
	unsigned long long v = 0;
	bool neg = false;

	if (*p++ != ' ')
		return false;
	if (*p == '-') {
		neg = true;
		p++;
	}
	if (*p < '0' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9') {
		if (v > (unsigned long long)LLONG_MAX / 10)
			return false;
		v = v * 10 + (unsigned long long)(*p++ - '0');
	}
	*out = neg ? -(long long)v : (long long)v;
	*q = p;
	return true;
}

/* apply - one line (without its LF); false when it is malformed */
static bool
apply(struct mdx *x, char *line)
{
	unsigned long long a, b, c, d, e;
	long long sd;
	char where, name[1024];
	char *dec;
	ssize_t i;

	switch (line[0]) {
	case '+': {
		struct mdx_rec *r;
		const char *q = line + 1;

		/* the common line: parsed by hand, sscanf is slow for
		 * 100 000 of them */
		if (!field_u64(&q, &a) || !field_u64(&q, &b)
		    || !field_i64(&q, &sd) || !field_u64(&q, &c)
		    || !field_u64(&q, &d) || q[0] != ' '
		    || (q[1] != 'n' && q[1] != 'c') || q[2] != ' ' || !q[3]
		    || strlen(q + 3) >= sizeof(name))
			return false;
		where = q[1];
		memcpy(name, q + 3, strlen(q + 3) + 1);
		if (a == 0 || a > UINT32_MAX
		    || (x->n && x->v[x->n - 1].uid >= a))
			return false;
		if ((dec = unesc_name(name)) == NULL)
			return false;
		if (x->n == x->alloc) {
			x->alloc = x->alloc ? x->alloc * 2 : 256;
			x->v = xreallocarray(x->v, x->alloc, sizeof(*x->v));
		}
		r = &x->v[x->n++];
		memset(r, 0, sizeof(*r));
		r->uid = (uint32_t)a;
		r->modseq = b;
		r->internaldate = sd;
		r->size = c;
		r->vsize = d;
		set_name(r, dec, where == 'n');
		{
			char *colon = strchr(dec, ':');

			if (colon)
				*colon = 0; /* the base, briefly */
			htable_set(x->by_base, dec, (void *)(uintptr_t)r->uid);
			if (colon)
				*colon = ':';
		}
		if (a >= x->uidnext)
			x->uidnext = (uint32_t)a + 1;
		if (b > x->hms)
			x->hms = b;
		break;
	}
	case 'F':
		if (sscanf(line, "F %llu %llu %c %1023s", &a, &b, &where, name)
		        != 4
		    || (where != 'n' && where != 'c'))
			return false;
		if ((dec = unesc_name(name)) == NULL)
			return false;
		if ((i = find(x, (uint32_t)a)) < 0 || x->v[i].name == NULL) {
			free(dec);
		} else {
			x->v[i].modseq = b;
			set_name(&x->v[i], dec, where == 'n');
		}
		if (b > x->hms)
			x->hms = b;
		break;
	case 'X':
	case 'V':
		if (sscanf(line + 1, " %llu %llu", &a, &b) != 2)
			return false;
		if (line[0] == 'X' && (i = find(x, (uint32_t)a)) >= 0
		    && x->v[i].name != NULL) {
			char *base = base_of(x->v[i].name);

			htable_del(x->by_base, base);
			free(base);
			xfree(x->v[i].name);
			x->need_compact = true;
		}
		add_vanished(x, (uint32_t)a, b);
		if (b > x->hms)
			x->hms = b;
		break;
	case 'R':
		if (sscanf(line, "R %llu", &a) != 1 || a > UINT32_MAX)
			return false;
		if (a > x->recent_uid)
			x->recent_uid = (uint32_t)a;
		break;
	case 'M':
		if (sscanf(
		        line, "M %llu %llu %llu %llu %llu", &a, &b, &c, &d, &e)
		    != 5)
			return false;
		x->mt_cur.tv_sec = (time_t)a;
		x->mt_cur.tv_nsec = (long)b;
		x->mt_new.tv_sec = (time_t)c;
		x->mt_new.tv_nsec = (long)d;
		x->mt_dirty = e != 0;
		x->mt_known = true;
		break;
	default:
		return false;
	}
	x->changes++;
	return true;
}

/* parse_header - the snapshot's first line */
static bool
parse_header(struct mdx *x, const char *line)
{
	unsigned long long v, n, h, r, f;

	if (sscanf(
	        line, MDX_MAGIC " %llu %llu %llu %llu %llu", &v, &n, &h, &r, &f)
	        != 5
	    || v == 0 || v > UINT32_MAX || n == 0 || n > UINT32_MAX
	    || r > UINT32_MAX)
		return false;
	x->uidvalidity = (uint32_t)v;
	x->uidnext = (uint32_t)n;
	x->hms = h;
	x->recent_uid = (uint32_t)r;
	x->floor = f;
	return true;
}

/* ------------------------------------------------------------------ */
/* The file */

/* read_log - apply what was appended since off; at off 0 the header
 * first. Sets x->corrupt on a bad line. */
static int
read_log(struct mdx *x, struct buf *why)
{
	struct buf *b = buf_new(65536);
	size_t start = 0;

	x->torn = false;
	for (;;) {
		char *p = buf_reserve(b, 65536);
		ssize_t r = pread(x->fd, p, 65536, x->off + (off_t)buf_len(b));

		if (r < 0) {
			if (errno == EINTR)
				continue;
			buf_printf(
			    why, "read %s: %s", x->path, strerror(errno));
			buf_free(&b);
			return -1;
		}
		if (r == 0)
			break;
		buf_commit(b, (size_t)r);
	}
	for (;;) {
		char *d = buf_data(b), *nl;

		if (start >= buf_len(b))
			break;
		nl = memchr(d + start, '\n', buf_len(b) - start);
		if (nl == NULL) {
			x->torn = true;
			break;
		}
		*nl = 0;
		if (x->off == 0 && start == 0) {
			if (!parse_header(x, d)) {
				x->corrupt = true;
				break;
			}
		} else if (!apply(x, d + start)) {
			x->corrupt = true;
			break;
		} else
			x->log_lines++;
		start = (size_t)(nl - d) + 1;
	}
	x->off += (off_t)start;
	buf_free(&b);
	compact(x);
	return 0;
}

/* open_file - (re)open the index file and read it all */
static int
open_file(struct mdx *x, struct buf *why)
{
	struct stat st;

	if (x->fd >= 0)
		close(x->fd);
	x->fd = open(x->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (x->fd < 0) {
		if (errno == ENOENT)
			return 1;
		buf_printf(why, "open %s: %s", x->path, strerror(errno));
		return -1;
	}
	if (fstat(x->fd, &st) < 0) {
		buf_printf(why, "stat %s: %s", x->path, strerror(errno));
		return -1;
	}
	x->dev = st.st_dev;
	x->ino = st.st_ino;
	x->off = 0;
	x->corrupt = false;
	state_reset(x);
	return read_log(x, why);
}

/* snapshot_text - the whole state as a new file */
static void
snapshot_text(struct mdx *x, struct buf *t)
{
	buf_printf(t, MDX_MAGIC " %u %u %llu %u %llu\n", x->uidvalidity,
	    x->uidnext, (unsigned long long)x->hms, x->recent_uid,
	    (unsigned long long)x->floor);
	for (size_t i = 0; i < x->nvan; i++)
		buf_printf(t, "V %u %llu\n", x->van[i].uid,
		    (unsigned long long)x->van[i].modseq);
	for (size_t i = 0; i < x->n; i++) {
		const struct mdx_rec *r = &x->v[i];

		if (r->name == NULL)
			continue;
		buf_printf(t, "+ %u %llu %lld %llu %llu %c ", r->uid,
		    (unsigned long long)r->modseq, (long long)r->internaldate,
		    (unsigned long long)r->size, (unsigned long long)r->vsize,
		    r->in_new ? 'n' : 'c');
		esc_name(t, r->name);
		buf_catc(t, '\n');
	}
	if (x->mt_known)
		buf_printf(t, "M %lld %ld %lld %ld %d\n",
		    (long long)x->mt_cur.tv_sec, x->mt_cur.tv_nsec,
		    (long long)x->mt_new.tv_sec, x->mt_new.tv_nsec,
		    x->mt_dirty ? 1 : 0);
}

/* write_snapshot - replace the file with the state (under the lock) */
static int
write_snapshot(struct mdx *x, struct buf *why)
{
	struct buf *t = buf_new(65536), *tmp = buf_new(256);
	int fd, ret = -1;

	snapshot_text(x, t);
	buf_printf(tmp, "%s/" MDX_TMP, x->dir);
	fd =
	    open(buf_cstr(tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || file_write_all(fd, buf_cstr(t), buf_len(t)) < 0
	    || fsync(fd) < 0) {
		buf_printf(why, "write %s: %s", buf_cstr(tmp), strerror(errno));
		if (fd >= 0)
			close(fd);
		(void)unlink(buf_cstr(tmp));
		goto out;
	}
	close(fd);
	if (rename(buf_cstr(tmp), x->path) < 0) {
		buf_printf(
		    why, "rename %s: %s", buf_cstr(tmp), strerror(errno));
		(void)unlink(buf_cstr(tmp));
		goto out;
	}
	(void)file_fsync_dir(x->dir);
	if (x->fd >= 0)
		close(x->fd);
	x->fd = open(x->path, O_RDWR | O_APPEND | O_CLOEXEC);
	if (x->fd < 0) {
		buf_printf(why, "open %s: %s", x->path, strerror(errno));
		goto out;
	}
	{
		struct stat st;

		if (fstat(x->fd, &st) == 0) {
			x->dev = st.st_dev;
			x->ino = st.st_ino;
		}
	}
	x->off = (off_t)buf_len(t);
	x->torn = false;
	x->log_lines = 0;
	ret = 0;
out:
	buf_free(&t);
	buf_free(&tmp);
	return ret;
}

/* rebuild - a fresh index with a new UIDVALIDITY (under the lock) */
static int
rebuild(struct mdx *x, struct buf *why)
{
	uint32_t old = x->uidvalidity;
	uint32_t now = (uint32_t)time(NULL);

	if (old)
		log_warn("%s: index damaged, rebuilt with a new UIDVALIDITY",
		    x->path);
	state_reset(x);
	x->uidvalidity = now > old ? now : old + 1;
	x->corrupt = false;
	return write_snapshot(x, why);
}

/* lock - the index lock, waiting at most 30 s */
static int
lock(struct mdx *x, struct buf *why)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	for (int i = 0; i < MDX_LOCK_TRIES; i++) {
		if (fcntl(x->lockfd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR) {
			buf_printf(
			    why, "lock %s: %s", x->lock_path, strerror(errno));
			return -1;
		}
		usleep(10000);
	}
	buf_printf(why, "lock %s: timed out", x->lock_path);
	return -1;
}

static void
unlock(struct mdx *x)
{
	struct flock fl = {.l_type = F_UNLCK, .l_whence = SEEK_SET};

	(void)fcntl(x->lockfd, F_SETLK, &fl);
}

/* catch_up - apply what others appended; reopen after a rewrite; rebuild
 * a missing or damaged index (under the lock) */
static int
catch_up(struct mdx *x, struct buf *why)
{
	struct stat st;
	int r;

	if (stat(x->path, &st) < 0) {
		if (errno != ENOENT) {
			buf_printf(
			    why, "stat %s: %s", x->path, strerror(errno));
			return -1;
		}
		return rebuild(x, why);
	}
	if (x->fd < 0 || st.st_ino != x->ino || st.st_dev != x->dev) {
		if ((r = open_file(x, why)) < 0)
			return -1;
		if (r > 0)
			return rebuild(x, why);
	} else if (read_log(x, why) < 0)
		return -1;
	if (x->corrupt)
		return rebuild(x, why);
	if (x->torn) {
		/* a writer died mid-line: cut it off before appending */
		if (ftruncate(x->fd, x->off) < 0) {
			buf_printf(
			    why, "truncate %s: %s", x->path, strerror(errno));
			return -1;
		}
		x->torn = false;
	}
	return 0;
}

/* emit - format a line, apply it, queue it for the file */
static void ATTR_PRINTF(2, 3) emit(struct mdx *x, const char *fmt, ...)
{
	struct buf *line = buf_new(256);
	va_list ap;
	bool ok;

	ASSERT(x->depth > 0);
	va_start(ap, fmt);
	buf_vprintf(line, fmt, ap);
	va_end(ap);
	ok = apply(x, buf_data(line));
	ASSERT(ok);
	buf_cat(x->out, buf_cstr(line), buf_len(line));
	buf_catc(x->out, '\n');
	x->log_lines++;
	buf_free(&line);
}

/* emit_named - a line that ends in an escaped file name */
static void
emit_named(struct mdx *x, const char *head, const char *name)
{
	struct buf *l = buf_new(256);

	buf_cats(l, head);
	esc_name(l, name);
	emit(x, "%s", buf_cstr(l));
	buf_free(&l);
}

/* ------------------------------------------------------------------ */
/* Transactions */

/* mdx_begin - lock and catch up */
int
mdx_begin(struct mdx *x, struct buf *why)
{
	if (x->depth++ > 0)
		return 0;
	if (lock(x, why) < 0 || catch_up(x, why) < 0) {
		unlock(x);
		x->depth = 0;
		return -1;
	}
	buf_reset(x->out);
	x->out_sync = false;
	return 0;
}

/* mdx_commit - write the queued lines, compact the log when it is long,
 * unlock */
int
mdx_commit(struct mdx *x, struct buf *why)
{
	int ret = 0;

	ASSERT(x->depth > 0);
	if (--x->depth > 0)
		return 0;
	compact(x);
	if (buf_len(x->out) > 0) {
		if (file_write_all(x->fd, buf_cstr(x->out), buf_len(x->out))
		    < 0) {
			buf_printf(
			    why, "write %s: %s", x->path, strerror(errno));
			/* what we applied may not be on disk: reload */
			x->ino = 0;
			ret = -1;
		} else {
			x->off += (off_t)buf_len(x->out);
			if (x->out_sync && fdatasync(x->fd) < 0) {
				buf_printf(why, "fsync %s: %s", x->path,
				    strerror(errno));
				x->ino = 0;
				ret = -1;
			}
		}
		buf_reset(x->out);
	}
	if (ret == 0 && x->log_lines > 1000 && x->log_lines > x->n + 1000)
		ret = write_snapshot(x, why);
	unlock(x);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Opening */

/* mdx_open - read the index (create it when missing) */
struct mdx *
mdx_open(const char *dir, struct buf *why)
{
	struct mdx *x = xcalloc(1, sizeof(*x));
	struct buf *p = buf_new(256);

	x->dir = xstrdup(dir);
	buf_printf(p, "%s/" MDX_FILE, dir);
	x->path = buf_steal(p);
	buf_printf(p, "%s/" MDX_LOCK, dir);
	x->lock_path = buf_steal(p);
	buf_free(&p);
	x->fd = -1;
	x->out = buf_new(4096);
	x->by_base = htable_new(1024);
	state_reset(x);
	x->lockfd = open(x->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (x->lockfd < 0) {
		buf_printf(why, "open %s: %s", x->lock_path, strerror(errno));
		mdx_close(&x);
		return NULL;
	}
	/* read without the lock; catch_up under it fixes what is missing */
	if (open_file(x, why) < 0 || x->fd < 0 || x->corrupt) {
		if (mdx_begin(x, why) < 0 || mdx_commit(x, why) < 0) {
			mdx_close(&x);
			return NULL;
		}
	}
	return x;
}

/* mdx_close - free everything */
void
mdx_close(struct mdx **xp)
{
	struct mdx *x = *xp;

	if (x == NULL)
		return;
	if (x->fd >= 0)
		close(x->fd);
	if (x->lockfd >= 0)
		close(x->lockfd);
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].name);
	free(x->v);
	free(x->van);
	htable_free(&x->by_base, NULL);
	buf_free(&x->out);
	free(x->dir);
	free(x->path);
	free(x->lock_path);
	free(x);
	*xp = NULL;
}

/* ------------------------------------------------------------------ */
/* Scanning the folder */

struct newfile {
	char *name;
	bool in_new;
	long long sec, usec;
};

/* newfile_cmp - delivery order: the time in the name, then the name */
static int
newfile_cmp(const void *a, const void *b)
{
	const struct newfile *x = a, *y = b;

	if (x->sec != y->sec)
		return x->sec < y->sec ? -1 : 1;
	if (x->usec != y->usec)
		return x->usec < y->usec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* name_time - "<sec>.M<usec>..." (other forms sort by name) */
static void
name_time(const char *name, long long *sec, long long *usec)
{
	char *e;

	*sec = strtoll(name, &e, 10);
	*usec = 0;
	if (e != name && e[0] == '.' && e[1] == 'M')
		*usec = strtoll(e + 2, NULL, 10);
}

/* note_file - a listed file: a known message (maybe renamed), or new */
static void
note_file(struct mdx *x, const struct maildir_file *f, bool *seen,
    struct newfile **nf, size_t *nnf, size_t *nfalloc)
{
	char *base = base_of(f->name);
	void *v = htable_get(x->by_base, base);
	struct maildir_name mn;

	free(base);
	if (!maildir_name_parse(f->name, &mn))
		return;
	if (v != NULL) {
		ssize_t i = find(x, (uint32_t)(uintptr_t)v);
		struct mdx_rec *r;

		if (i < 0 || seen[i])
			return; /* a duplicate base: the first one counts */
		seen[i] = true;
		r = &x->v[i];
		if (r->in_new == f->in_new && strcmp(r->name, f->name) == 0)
			return;
		{
			struct buf *h = buf_new(64);
			uint64_t ms = r->modseq;

			if (mn.flags != r->flags || mn.keywords != r->keywords)
				ms = x->hms + 1;
			buf_printf(h, "F %u %llu %c ", r->uid,
			    (unsigned long long)ms, f->in_new ? 'n' : 'c');
			emit_named(x, buf_cstr(h), f->name);
			buf_free(&h);
		}
		return;
	}
	if (*nnf == *nfalloc) {
		*nfalloc = *nfalloc ? *nfalloc * 2 : 16;
		*nf = xreallocarray(*nf, *nfalloc, sizeof(**nf));
	}
	(*nf)[*nnf].name = xstrdup(f->name);
	(*nf)[*nnf].in_new = f->in_new;
	name_time(f->name, &(*nf)[*nnf].sec, &(*nf)[*nnf].usec);
	(*nnf)++;
}

/* add_file - a new message file: stat it, give it the next UID */
static int
add_file(struct mdx *x, const char *name, bool in_new)
{
	struct buf *p = buf_new(256), *h = buf_new(128);
	struct stat st;
	uint64_t size, vsize;
	int ret = -1;

	maildir_file_path(x->dir, name, in_new, p);
	if (stat(buf_cstr(p), &st) < 0
	    || maildir_file_sizes(buf_cstr(p), name, &size, &vsize) < 0)
		goto out; /* gone meanwhile */
	buf_printf(h, "+ %u %llu %lld %llu %llu %c ", x->uidnext,
	    (unsigned long long)(x->hms + 1), (long long)st.st_mtime,
	    (unsigned long long)size, (unsigned long long)vsize,
	    in_new ? 'n' : 'c');
	emit_named(x, buf_cstr(h), name);
	x->out_sync = true;
	ret = 0;
out:
	buf_free(&p);
	buf_free(&h);
	return ret;
}

/* dir_mtimes - of cur/ and new/ */
static int
dir_mtimes(
    struct mdx *x, struct timespec *cur, struct timespec *new, struct buf *why)
{
	struct buf *p = buf_new(256);
	struct stat st;
	int ret = 0;

	buf_printf(p, "%s/cur", x->dir);
	if (stat(buf_cstr(p), &st) < 0)
		ret = -1;
	else
		*cur = st.st_mtim;
	buf_reset(p);
	buf_printf(p, "%s/new", x->dir);
	if (ret == 0 && stat(buf_cstr(p), &st) < 0)
		ret = -1;
	else if (ret == 0)
		*new = st.st_mtim;
	if (ret < 0)
		buf_printf(why, "stat %s: %s", buf_cstr(p), strerror(errno));
	buf_free(&p);
	return ret;
}

/* record_mtimes - the directories as they are now; "dirty" when a change
 * in the same clock tick could go unseen */
static void
record_mtimes(
    struct mdx *x, const struct timespec *cur, const struct timespec *new)
{
	struct timespec now;
	long long nc, nn, n;
	bool dirty;

	clock_gettime(CLOCK_REALTIME, &now);
	n = (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
	nc = (long long)cur->tv_sec * 1000000000LL + cur->tv_nsec;
	nn = (long long)new->tv_sec * 1000000000LL + new->tv_nsec;
	dirty = n - nc < MDX_DIRTY_NS || n - nn < MDX_DIRTY_NS;
	if (x->mt_known && ts_eq(cur, &x->mt_cur) && ts_eq(new, &x->mt_new)
	    && dirty == x->mt_dirty)
		return;
	emit(x, "M %lld %ld %lld %ld %d", (long long)cur->tv_sec, cur->tv_nsec,
	    (long long)new->tv_sec, new->tv_nsec, dirty ? 1 : 0);
}

/* scan - reconcile the index with new/ and cur/ (under the lock) */
static int
scan(struct mdx *x, bool move_new, struct buf *why)
{
	struct maildir_listing l = {0};
	struct newfile *nf = NULL;
	size_t nnf = 0, nfalloc = 0, nrec = x->n, missing = 0;
	struct timespec cur, new;
	bool *seen;
	int ret = -1;

	if (dir_mtimes(x, &cur, &new, why) < 0)
		return -1;
	if (maildir_list(x->dir, &l, why) < 0)
		return -1;
	seen = xcalloc(nrec + 1, sizeof(*seen));
	for (size_t i = 0; i < l.n; i++)
		note_file(x, &l.v[i], seen, &nf, &nnf, &nfalloc);
	for (size_t i = 0; i < nrec; i++)
		missing += !seen[i];
	if (missing) {
		/* A file renamed while we read the directory can be missed
		 * by readdir: look once more before calling it expunged. */
		maildir_listing_free(&l);
		if (maildir_list(x->dir, &l, why) < 0)
			goto out;
		for (size_t i = 0; i < l.n; i++) {
			char *base = base_of(l.v[i].name);
			void *v = htable_get(x->by_base, base);
			ssize_t k;

			free(base);
			if (v && (k = find(x, (uint32_t)(uintptr_t)v)) >= 0
			    && !seen[k])
				note_file(
				    x, &l.v[i], seen, &nf, &nnf, &nfalloc);
		}
		for (size_t i = 0; i < nrec; i++)
			if (!seen[i] && x->v[i].name != NULL)
				emit(x, "X %u %llu", x->v[i].uid,
				    (unsigned long long)(x->hms + 1));
	}
	if (nnf > 1)
		qsort(nf, nnf, sizeof(*nf), newfile_cmp);
	for (size_t i = 0; i < nnf; i++) {
		/* the second listing may have offered one twice */
		char *base = base_of(nf[i].name);
		bool known = htable_has(x->by_base, base);

		free(base);
		if (!known)
			(void)add_file(x, nf[i].name, nf[i].in_new);
	}
	compact(x);
	if (move_new) {
		struct buf *nn = buf_new(128), *h = buf_new(64);

		for (size_t i = 0; i < x->n; i++) {
			struct mdx_rec *r = &x->v[i];

			if (!r->in_new)
				continue;
			if (maildir_move_to_cur(x->dir, r->name, r->flags,
			        r->keywords, nn, NULL)
			    < 0)
				continue; /* gone: the next scan sees it */
			buf_reset(h);
			buf_printf(h, "F %u %llu c ", r->uid,
			    (unsigned long long)r->modseq);
			emit_named(x, buf_cstr(h), buf_cstr(nn));
		}
		buf_free(&nn);
		buf_free(&h);
	}
	/* The times from before the listing: anything that changed while
	 * we read (our own moves included) makes the next sync look again. */
	record_mtimes(x, &cur, &new);
	ret = 0;
out:
	for (size_t i = 0; i < nnf; i++)
		free(nf[i].name);
	free(nf);
	free(seen);
	maildir_listing_free(&l);
	return ret;
}

/* needs_scan - did new/ or cur/ change since the last scan? */
static bool
needs_scan(struct mdx *x, bool move_new)
{
	struct timespec cur, new;
	struct buf *why = buf_new(64);
	bool r;

	r = !x->mt_known || x->mt_dirty || dir_mtimes(x, &cur, &new, why) < 0
	    || !ts_eq(&cur, &x->mt_cur) || !ts_eq(&new, &x->mt_new);
	if (!r && move_new) {
		for (size_t i = 0; i < x->n && !r; i++)
			r = x->v[i].in_new;
	}
	buf_free(&why);
	return r;
}

/* mdx_sync - catch up, and scan when the directories changed */
int
mdx_sync(struct mdx *x, bool move_new, bool force, struct buf *why)
{
	if (mdx_begin(x, why) < 0)
		return -1;
	if ((force || needs_scan(x, move_new)) && scan(x, move_new, why) < 0) {
		(void)mdx_commit(x, why);
		return -1;
	}
	return mdx_commit(x, why);
}

/* ------------------------------------------------------------------ */
/* Changes */

/* mdx_claim_recent - \Recent for [recent_uid, uidnext) */
int
mdx_claim_recent(
    struct mdx *x, uint32_t *first_out, uint32_t *end_out, struct buf *why)
{
	if (mdx_begin(x, why) < 0)
		return -1;
	*first_out = x->recent_uid;
	*end_out = x->uidnext;
	if (x->recent_uid < x->uidnext)
		emit(x, "R %u", x->uidnext);
	return mdx_commit(x, why);
}

/* store_one - rename and record; 1 when the file is gone */
static int
store_one(struct mdx *x, uint32_t uid, uint32_t flags, uint32_t keywords,
    uint64_t *modseq_out, struct buf *why)
{
	ssize_t i = find(x, uid);
	struct mdx_rec *r;
	struct buf *nn, *h;
	int rc;

	if (i < 0 || x->v[i].name == NULL)
		return 1;
	r = &x->v[i];
	if (!r->in_new && r->flags == flags && r->keywords == keywords) {
		*modseq_out = r->modseq;
		return 0;
	}
	nn = buf_new(128);
	if (r->in_new)
		rc = maildir_move_to_cur(
		    x->dir, r->name, flags, keywords, nn, why);
	else
		rc = maildir_set_flags(
		    x->dir, r->name, flags, keywords, nn, why);
	if (rc < 0) {
		bool gone = errno == ENOENT;

		buf_free(&nn);
		return gone ? 2 : -1;
	}
	h = buf_new(64);
	buf_printf(h, "F %u %llu c ", uid,
	    (unsigned long long)(r->flags == flags && r->keywords == keywords
	            ? r->modseq
	            : x->hms + 1));
	emit_named(x, buf_cstr(h), buf_cstr(nn));
	*modseq_out = x->v[find(x, uid)].modseq;
	buf_free(&nn);
	buf_free(&h);
	return 0;
}

/* mdx_store - new flags for one message */
int
mdx_store(struct mdx *x, uint32_t uid, uint32_t flags, uint32_t keywords,
    uint64_t *modseq_out, struct buf *why)
{
	int rc;

	if (mdx_begin(x, why) < 0)
		return -1;
	rc = store_one(x, uid, flags, keywords, modseq_out, why);
	if (rc == 2) {
		/* another tool renamed or removed it: look, then retry */
		buf_reset(why);
		if (scan(x, false, why) < 0)
			rc = -1;
		else
			rc =
			    store_one(x, uid, flags, keywords, modseq_out, why);
		if (rc == 2)
			rc = 1;
	}
	if (mdx_commit(x, why) < 0)
		rc = -1;
	return rc;
}

/* mdx_expunge - unlink and record */
int
mdx_expunge(struct mdx *x, const uint32_t *uids, size_t n, uint64_t *bytes_out,
    uint64_t *count_out, struct buf *why)
{
	int ret = 0;

	if (mdx_begin(x, why) < 0)
		return -1;
	for (size_t k = 0; k < n; k++) {
		ssize_t i = find(x, uids[k]);
		uint64_t size;

		if (i < 0 || x->v[i].name == NULL)
			continue;
		size = x->v[i].size;
		if (maildir_remove(x->dir, x->v[i].name, x->v[i].in_new, why)
		    < 0) {
			ret = -1;
			break;
		}
		emit(x, "X %u %llu", uids[k], (unsigned long long)(x->hms + 1));
		*bytes_out += size;
		(*count_out)++;
	}
	if (mdx_commit(x, why) < 0)
		ret = -1;
	return ret;
}

/* mdx_add - give a file we just made its UID */
int
mdx_add(struct mdx *x, const char *name, bool in_new, uint32_t *uid_out,
    struct buf *why)
{
	char *base = base_of(name);
	void *v;
	int ret = 0;

	if (mdx_begin(x, why) < 0) {
		free(base);
		return -1;
	}
	v = htable_get(x->by_base, base);
	if (v != NULL)
		*uid_out = (uint32_t)(uintptr_t)v;
	else if (add_file(x, name, in_new) < 0) {
		buf_printf(
		    why, "%s: new message file %s is gone", x->dir, name);
		ret = -1;
	} else
		*uid_out = x->v[x->n - 1].uid;
	free(base);
	if (mdx_commit(x, why) < 0)
		ret = -1;
	return ret;
}

/* ------------------------------------------------------------------ */
/* Reading */

size_t
mdx_count(const struct mdx *x)
{
	return x->n;
}

const struct mdx_rec *
mdx_rec(const struct mdx *x, size_t i)
{
	ASSERT(i < x->n);
	return &x->v[i];
}

const struct mdx_rec *
mdx_lookup(const struct mdx *x, uint32_t uid, size_t *i_out)
{
	ssize_t i = find(x, uid);

	if (i < 0 || x->v[i].name == NULL)
		return NULL;
	if (i_out)
		*i_out = (size_t)i;
	return &x->v[i];
}

const char *
mdx_dir(const struct mdx *x)
{
	return x->dir;
}

uint32_t
mdx_uidvalidity(const struct mdx *x)
{
	return x->uidvalidity;
}

uint32_t
mdx_uidnext(const struct mdx *x)
{
	return x->uidnext;
}

uint64_t
mdx_highestmodseq(const struct mdx *x)
{
	return x->hms;
}

uint32_t
mdx_recent_uid(const struct mdx *x)
{
	return x->recent_uid;
}

uint64_t
mdx_change_count(const struct mdx *x)
{
	return x->changes;
}

/* uid_cmp - qsort */
static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* mdx_vanished - expunges after since */
bool
mdx_vanished(
    const struct mdx *x, uint64_t since, uint32_t **uids_out, size_t *n_out)
{
	uint32_t *v = xcalloc(x->nvan + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < x->nvan; i++)
		if (x->van[i].modseq > since)
			v[n++] = x->van[i].uid;
	if (n > 1)
		qsort(v, n, sizeof(*v), uid_cmp);
	*uids_out = v;
	*n_out = n;
	return since >= x->floor;
}

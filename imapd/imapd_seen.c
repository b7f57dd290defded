/*
 * imapd_seen.c - \Seen per user in the public folders.
 *
 * In a public folder every user has a \Seen of their own: what one reads
 * stays unread for the others. The other flags are shared, in the Maildir
 * file names, as for private folders; the \Seen letter of the file names
 * is ignored there. A user's \Seen of a public folder is the set of UIDs
 * in "<account Maildir>/gannet-pubseen/<folder>" (the folder's on-disk
 * name inside the public tree): "V <uidvalidity>" and a UID set, written
 * atomically. So it goes with the account, reading never writes into the
 * shared folder, and a new UIDVALIDITY forgets it. Other sessions of the
 * same user notice the file change at their next sync.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/maildir.h"

#include "imapd.h"

#define SEEN_DIR      "gannet-pubseen"
#define SEEN_FILE_MAX (8 << 20) /* bytes */
#define SEEN_UIDS_MAX 5000000   /* UIDs a file may name */

struct imapd_seen {
	char *dir, *path;
	uint32_t uidvalidity;
	uint32_t *v; /* sorted, each once */
	size_t n, alloc;
	struct stat st; /* of the file when read or written */
	bool have_st;
};

/* seen_find - position of uid, or where it would go */
static size_t
seen_find(const struct imapd_seen *ps, uint32_t uid)
{
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ps->v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* seen_push - append a UID larger than all before it */
static void
seen_push(struct imapd_seen *ps, uint32_t uid)
{
	if (ps->n && ps->v[ps->n - 1] >= uid)
		return;
	if (ps->n == ps->alloc) {
		ps->alloc = ps->alloc ? ps->alloc * 2 : 64;
		ps->v = xreallocarray(ps->v, ps->alloc, sizeof(*ps->v));
	}
	ps->v[ps->n++] = uid;
}

/* seen_parse - "V n\n" then "a:b,c..." (ascending); false when bad */
static bool
seen_parse(struct imapd_seen *ps, const char *t)
{
	char *end;
	unsigned long v;

	if (strncmp(t, "V ", 2) != 0)
		return false;
	v = strtoul(t + 2, &end, 10);
	if (end == t + 2 || *end != '\n' || v == 0 || v > UINT32_MAX)
		return false;
	if (v != ps->uidvalidity)
		return true; /* another folder's UIDs: nothing seen */
	t = end + 1;
	while (*t && *t != '\n') {
		unsigned long lo = strtoul(t, &end, 10), hi = lo;

		if (end == t || lo == 0 || lo > UINT32_MAX)
			return false;
		if (*end == ':') {
			t = end + 1;
			hi = strtoul(t, &end, 10);
			if (end == t || hi < lo || hi > UINT32_MAX)
				return false;
		}
		if (ps->n + (hi - lo) >= SEEN_UIDS_MAX)
			return false;
		for (unsigned long u = lo; u <= hi; u++)
			seen_push(ps, (uint32_t)u);
		t = end;
		if (*t == ',')
			t++;
	}
	return true;
}

/* seen_load - (re)read the file; a missing or bad one: nothing seen */
static void
seen_load(struct imapd_seen *ps)
{
	struct buf *t = buf_new(256), *why = buf_new(64);

	ps->n = 0;
	ps->have_st = stat(ps->path, &ps->st) == 0;
	if (ps->have_st && file_read(ps->path, SEEN_FILE_MAX, t, why) == 0
	    && !seen_parse(ps, buf_cstr(t))) {
		log_warn("%s: malformed, ignored", ps->path);
		ps->n = 0;
	}
	buf_free(&t);
	buf_free(&why);
}

/* imapd_seen_open - the user's \Seen of a public folder */
struct imapd_seen *
imapd_seen_open(struct imapd *s, const char *name, uint32_t uidvalidity)
{
	struct imapd_seen *ps = xcalloc(1, sizeof(*ps));
	struct buf *p = buf_new(256);
	size_t n = sizeof(IMAPD_PUBLIC);

	ASSERT(imapd_is_public(name) && strlen(name) > n);
	buf_printf(p, "%s/" SEEN_DIR, s->root);
	ps->dir = xstrdup(buf_cstr(p));
	buf_printf(p, "/%s", name + n);
	ps->path = buf_steal(p);
	ps->uidvalidity = uidvalidity;
	seen_load(ps);
	buf_free(&p);
	return ps;
}

void
imapd_seen_free(struct imapd_seen **psp)
{
	struct imapd_seen *ps = *psp;

	if (ps == NULL)
		return;
	free(ps->dir);
	free(ps->path);
	free(ps->v);
	free(ps);
	*psp = NULL;
}

/* imapd_seen_has - does the user have \Seen on uid? */
bool
imapd_seen_has(const struct imapd_seen *ps, uint32_t uid)
{
	size_t i = seen_find(ps, uid);

	return i < ps->n && ps->v[i] == uid;
}

/* imapd_seen_apply - the shared flags with this user's \Seen */
uint32_t
imapd_seen_apply(const struct imapd_seen *ps, uint32_t uid, uint32_t flags)
{
	flags &= ~MAILDIR_F_SEEN;
	return imapd_seen_has(ps, uid) ? flags | MAILDIR_F_SEEN : flags;
}

/* imapd_seen_set - set or clear; true when it changed */
bool
imapd_seen_set(struct imapd_seen *ps, uint32_t uid, bool on)
{
	size_t i = seen_find(ps, uid);
	bool has = i < ps->n && ps->v[i] == uid;

	if (has == on)
		return false;
	if (on) {
		if (ps->n == ps->alloc) {
			ps->alloc = ps->alloc ? ps->alloc * 2 : 64;
			ps->v = xreallocarray(ps->v, ps->alloc, sizeof(*ps->v));
		}
		memmove(&ps->v[i + 1], &ps->v[i], (ps->n - i) * sizeof(*ps->v));
		ps->v[i] = uid;
		ps->n++;
	} else {
		memmove(
		    &ps->v[i], &ps->v[i + 1], (ps->n - i - 1) * sizeof(*ps->v));
		ps->n--;
	}
	return true;
}

/* imapd_seen_save - write the file (atomically); 0 or -1 with why */
int
imapd_seen_save(struct imapd_seen *ps, struct buf *why)
{
	struct buf *t = buf_new(256);
	int r;

	if (mkdir(ps->dir, 0700) < 0 && errno != EEXIST) {
		buf_reset(why);
		buf_printf(why, "mkdir %s: %s", ps->dir, strerror(errno));
		buf_free(&t);
		return -1;
	}
	buf_printf(t, "V %u\n", ps->uidvalidity);
	imapd_set_out(t, ps->v, ps->n);
	buf_catc(t, '\n');
	r = file_write_atomic(ps->path, buf_cstr(t), buf_len(t), 0600, why);
	if (r == 0)
		ps->have_st = stat(ps->path, &ps->st) == 0;
	buf_free(&t);
	return r;
}

/* imapd_seen_reload - re-read the file when another session of this
 * user changed it; true when it did */
bool
imapd_seen_reload(struct imapd_seen *ps)
{
	struct stat st;
	bool now = stat(ps->path, &st) == 0;

	if (now == ps->have_st
	    && (!now
	        || (st.st_ino == ps->st.st_ino && st.st_size == ps->st.st_size
	            && st.st_mtim.tv_sec == ps->st.st_mtim.tv_sec
	            && st.st_mtim.tv_nsec == ps->st.st_mtim.tv_nsec)))
		return false;
	seen_load(ps);
	return true;
}

/* imapd_seen_mark - \Seen for new messages of a public folder (APPEND and
 * COPY with \Seen): in the selected mailbox's set when it is the target,
 * else in the folder's file */
void
imapd_seen_mark(struct imapd *s, const char *name, uint32_t uidvalidity,
    const uint32_t *uids, size_t n)
{
	struct imapd_seen *ps = NULL, *use;

	if (n == 0)
		return;
	if (s->sel && s->sel->pseen && strcmp(s->sel->name, name) == 0
	    && s->sel->uidvalidity == uidvalidity)
		use = s->sel->pseen;
	else
		use = ps = imapd_seen_open(s, name, uidvalidity);
	for (size_t i = 0; i < n; i++)
		(void)imapd_seen_set(use, uids[i], true);
	if (imapd_seen_save(use, s->why) < 0)
		log_warn("%s: %s", s->user, buf_cstr(s->why));
	imapd_seen_free(&ps);
}

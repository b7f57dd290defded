/*
 * imapd_mbox.c - the selected mailbox: this session's view of it, kept
 * in step with the folder index (lib/mail/mdx), and the untagged
 * responses that tell the client what others changed.
 *
 * The view is the list of messages the client knows, in sequence number
 * order. A message expunged by another session stays in the view (marked
 * gone) until the client may be told: RFC 3501 7.4.1 forbids EXPUNGE
 * while a FETCH, STORE or SEARCH is answered, because it would shift the
 * sequence numbers the client is using.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/mime.h"

#include "mail/maildir.h"
#include "mail/mdx.h"
#include "mail/params_imapd.h"

#include "imapd.h"

/* The system flags and their Maildir letters. */
static const struct {
	const char *name;
	uint32_t bit;
} imapd_sysflags[] = {
    {"\\Seen", MAILDIR_F_SEEN},
    {"\\Answered", MAILDIR_F_REPLIED},
    {"\\Flagged", MAILDIR_F_FLAGGED},
    {"\\Deleted", MAILDIR_F_TRASHED},
    {"\\Draft", MAILDIR_F_DRAFT},
    {"$Forwarded", MAILDIR_F_PASSED},
};

/* view_push - one more message at the end of the view */
static struct imapd_msg *
view_push(struct imapd_mbox *mb)
{
	if (mb->n == mb->alloc) {
		mb->alloc = mb->alloc ? mb->alloc * 2 : 256;
		mb->v = xreallocarray(mb->v, mb->alloc, sizeof(*mb->v));
	}
	memset(&mb->v[mb->n], 0, sizeof(*mb->v));
	return &mb->v[mb->n++];
}

/* claim_recent - \Recent for what nobody had yet (read-write only) */
static void
claim_recent(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;
	uint32_t first, end;

	if (mb->readonly)
		return;
	if (mdx_claim_recent(mb->x, &first, &end, s->why) < 0) {
		log_warn("%s: %s", s->user, buf_cstr(s->why));
		return;
	}
	for (size_t i = mb->n; i > 0 && mb->v[i - 1].uid >= first; i--)
		if (mb->v[i - 1].uid < end)
			mb->v[i - 1].recent = true;
}

/* count_recent - messages of the view with \Recent */
static size_t
count_recent(const struct imapd_mbox *mb)
{
	size_t n = 0;

	for (size_t i = 0; i < mb->n; i++)
		n += mb->v[i].recent;
	return n;
}

/* imapd_mbox_open - select a folder */
int
imapd_mbox_open(struct imapd *s, const char *name, bool readonly,
    struct imapd_mbox **out, struct buf *why)
{
	struct imapd_mbox *mb = xcalloc(1, sizeof(*mb));
	struct buf *dir = buf_new(256);

	mb->notify_fd = -1;
	mb->readonly = readonly;
	mb->name = xstrdup(name);
	mb->cache = buf_new(4096);
	mb->is_public = imapd_is_public(name);
	mb->rights = imapd_rights(s, name);
	if (imapd_folder_dir(s, name, dir, why) < 0
	    || !maildir_exists(buf_cstr(dir))) {
		buf_reset(why);
		buf_cats(why, "[NONEXISTENT] Mailbox does not exist");
		goto fail;
	}
	mb->dir = buf_steal(dir);
	if ((mb->x = mdx_open(mb->dir, why)) == NULL
	    || mdx_sync(mb->x, !readonly, false, why) < 0) {
		log_warn("%s: open %s: %s", s->user, mb->dir, buf_cstr(why));
		buf_reset(why);
		buf_cats(why, "[SERVERBUG] Cannot open the mailbox");
		goto fail;
	}
	(void)maildir_keywords_load(mb->dir, &mb->kw, why);
	for (size_t i = 0; i < mdx_count(mb->x); i++) {
		const struct mdx_rec *r = mdx_rec(mb->x, i);
		struct imapd_msg *m = view_push(mb);

		m->uid = r->uid;
		m->flags = r->flags;
		m->keywords = r->keywords;
		m->modseq = r->modseq;
	}
	mb->uidvalidity = mdx_uidvalidity(mb->x);
	mb->uidnext_seen = mdx_uidnext(mb->x);
	mb->hms_reported = mdx_highestmodseq(mb->x);
	if (mb->is_public) {
		/* \Seen is the user's own there (imapd_seen.c) */
		mb->pseen = imapd_seen_open(s, name, mb->uidvalidity);
		for (size_t i = 0; i < mb->n; i++)
			mb->v[i].flags = imapd_seen_apply(
			    mb->pseen, mb->v[i].uid, mb->v[i].flags);
	}
	*out = mb;
	buf_free(&dir);
	return 0;
fail:
	mdx_close(&mb->x);
	buf_free(&mb->cache);
	free(mb->name);
	free(mb->dir);
	free(mb);
	buf_free(&dir);
	return -1;
}

/* imapd_mbox_close - unselect */
void
imapd_mbox_close(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;

	if (mb == NULL)
		return;
	xfree(s->saved);
	s->nsaved = 0;
	if (mb->notify_fd >= 0)
		close(mb->notify_fd);
	mdx_close(&mb->x);
	imapd_seen_free(&mb->pseen);
	maildir_keywords_free(&mb->kw);
	mime_free(&mb->cache_mime);
	buf_free(&mb->cache);
	free(mb->v);
	free(mb->name);
	free(mb->dir);
	free(mb);
	s->sel = NULL;
}

/* imapd_mbox_claim - for SELECT: take \Recent, note what was reported */
void
imapd_mbox_claim(struct imapd *s)
{
	claim_recent(s);
	s->sel->nrecent_reported = count_recent(s->sel);
	s->sel->exists_reported = s->sel->n;
}

/* flags_changed_out - an untagged FETCH with the new flags */
static void
flags_changed_out(struct imapd *s, size_t i)
{
	struct imapd_msg *m = &s->sel->v[i];

	buf_reset(s->r);
	buf_printf(s->r, "* %zu FETCH (", i + 1);
	if (s->qresync)
		buf_printf(s->r, "UID %u ", m->uid);
	buf_cats(s->r, "FLAGS (");
	imapd_mbox_flags_out(s, m, s->r);
	buf_catc(s->r, ')');
	if (s->condstore)
		buf_printf(
		    s->r, " MODSEQ (%llu)", (unsigned long long)m->modseq);
	buf_cats(s->r, ")\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
}

/* send_expunges - tell the client about gone messages; drop them */
static void
send_expunges(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;
	uint32_t *uids = NULL;
	size_t nuids = 0, o = 0;

	for (size_t i = 0; i < mb->n; i++)
		if (mb->v[i].gone)
			nuids++;
	if (nuids == 0)
		return;
	uids = xcalloc(nuids, sizeof(*uids));
	nuids = 0;
	for (size_t i = 0; i < mb->n; i++) {
		if (!mb->v[i].gone) {
			mb->v[o++] = mb->v[i];
			continue;
		}
		uids[nuids++] = mb->v[i].uid;
		if (!s->qresync)
			imapd_printf(s, "* %zu EXPUNGE\r\n", o + 1);
	}
	mb->n = o;
	if (s->qresync) {
		buf_reset(s->r);
		buf_cats(s->r, "* VANISHED ");
		imapd_set_out(s->r, uids, nuids);
		buf_cats(s->r, "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	mb->exists_reported = mb->n;
	mb->nrecent_reported = count_recent(mb);
	free(uids);
}

/* imapd_mbox_sync - the untagged updates */
void
imapd_mbox_sync(struct imapd *s, bool allow_expunge)
{
	struct imapd_mbox *mb = s->sel;
	size_t i = 0, j = 0, nidx, nold;
	bool new_keywords = false;
	size_t nrecent;

	if (mb == NULL)
		return;
	if (mdx_sync(mb->x, !mb->readonly, false, s->why) < 0) {
		if (!maildir_exists(mb->dir)) {
			/* deleted or renamed by another session */
			imapd_printf(s,
			    "* BYE The selected mailbox was deleted "
			    "or renamed\r\n");
			s->logout = true;
			return;
		}
		log_warn("%s: sync %s: %s", s->user, mb->dir, buf_cstr(s->why));
		return;
	}
	if (mdx_uidvalidity(mb->x) != mb->uidvalidity) {
		/* the index was lost and made again: our UIDs mean nothing
		 * now, and only a new session can tell the client so */
		imapd_printf(s,
		    "* BYE The mailbox's UIDVALIDITY changed; "
		    "please reconnect\r\n");
		s->logout = true;
		return;
	}
	nidx = mdx_count(mb->x);
	nold = mb->n;
	if (mb->pseen)
		(void)imapd_seen_reload(mb->pseen);
	/* both lists are in UID order */
	while (i < nold) {
		struct imapd_msg *m = &mb->v[i];
		const struct mdx_rec *r = j < nidx ? mdx_rec(mb->x, j) : NULL;
		uint32_t rf;

		if (r == NULL || m->uid < r->uid) {
			m->gone = true;
			i++;
			continue;
		}
		if (r->uid < m->uid) {
			j++; /* expunged before we saw it: nothing to say */
			continue;
		}
		rf = mb->pseen ? imapd_seen_apply(mb->pseen, r->uid, r->flags)
		               : r->flags;
		if (!m->gone
		    && (m->flags != rf || m->keywords != r->keywords
		        || m->modseq != r->modseq)) {
			if ((r->keywords & ~m->keywords) != 0)
				new_keywords = true;
			/* a FETCH is sent below, once sequence numbers are
			 * settled */
			m->changed = m->flags != rf
			    || m->keywords != r->keywords || s->condstore;
			m->flags = rf;
			m->keywords = r->keywords;
			m->modseq = r->modseq;
		}
		i++;
		j++;
	}
	for (; j < nidx; j++) {
		const struct mdx_rec *r = mdx_rec(mb->x, j);
		struct imapd_msg *m;

		if (mb->n && r->uid <= mb->v[mb->n - 1].uid)
			continue;
		m = view_push(mb);
		m->uid = r->uid;
		m->flags = mb->pseen
		    ? imapd_seen_apply(mb->pseen, r->uid, r->flags)
		    : r->flags;
		m->keywords = r->keywords;
		m->modseq = r->modseq;
		if (r->keywords)
			new_keywords = true;
	}
	mb->uidnext_seen = mdx_uidnext(mb->x);
	claim_recent(s);
	if (new_keywords) {
		size_t before = 0, after = 0;

		for (int k = 0; k < MAILDIR_KEYWORDS; k++)
			before += mb->kw.name[k] != NULL;
		(void)maildir_keywords_load(mb->dir, &mb->kw, s->why);
		for (int k = 0; k < MAILDIR_KEYWORDS; k++)
			after += mb->kw.name[k] != NULL;
		if (after != before) {
			buf_reset(s->r);
			imapd_mbox_flags_list(s, false, s->r);
			imapd_write(s, buf_cstr(s->r), buf_len(s->r));
		}
	}
	if (allow_expunge)
		send_expunges(s);
	for (size_t k = 0; k < mb->n; k++) {
		if (mb->v[k].changed) {
			mb->v[k].changed = false;
			if (!mb->v[k].gone)
				flags_changed_out(s, k);
		}
	}
	if (mb->n != mb->exists_reported) {
		imapd_printf(s, "* %zu EXISTS\r\n", mb->n);
		mb->exists_reported = mb->n;
	}
	nrecent = count_recent(mb);
	if (nrecent != mb->nrecent_reported && !s->rev2) {
		imapd_printf(s, "* %zu RECENT\r\n", nrecent);
		mb->nrecent_reported = nrecent;
	}
	mb->hms_reported = mdx_highestmodseq(mb->x);
}

/* imapd_mbox_flags_out - the flags of one message */
void
imapd_mbox_flags_out(
    struct imapd *s, const struct imapd_msg *m, struct buf *out)
{
	size_t start = buf_len(out);

	for (size_t i = 0; i < NELEM(imapd_sysflags); i++)
		if (m->flags & imapd_sysflags[i].bit)
			buf_printf(out, "%s%s", buf_len(out) > start ? " " : "",
			    imapd_sysflags[i].name);
	for (int k = 0; k < MAILDIR_KEYWORDS; k++)
		if ((m->keywords & MAILDIR_KEYWORD(k)) && s->sel->kw.name[k])
			buf_printf(out, "%s%s", buf_len(out) > start ? " " : "",
			    s->sel->kw.name[k]);
	if (m->recent && !s->rev2) /* IMAP4rev2 dropped it */
		buf_printf(out, "%s\\Recent", buf_len(out) > start ? " " : "");
}

/* imapd_mbox_store_mask - the flags this user may change here (RFC 4314
 * 4: "s" for \Seen, "t" for \Deleted, "w" for the others and keywords) */
uint32_t
imapd_mbox_store_mask(const struct imapd_mbox *mb, bool *keywords_out)
{
	uint32_t m = 0;

	if (mb->rights & IMAP_ACL_SEEN)
		m |= MAILDIR_F_SEEN;
	if (mb->rights & IMAP_ACL_DELMSG)
		m |= MAILDIR_F_TRASHED;
	if (mb->rights & IMAP_ACL_WRITE)
		m |= MAILDIR_F_REPLIED | MAILDIR_F_FLAGGED | MAILDIR_F_DRAFT
		    | MAILDIR_F_PASSED;
	if (keywords_out)
		*keywords_out = (mb->rights & IMAP_ACL_WRITE) != 0;
	return m;
}

/* imapd_mbox_flags_list - FLAGS or PERMANENTFLAGS (only what this user
 * may change, on a mailbox opened read-write) */
void
imapd_mbox_flags_list(struct imapd *s, bool permanent, struct buf *out)
{
	bool room = false, kws = true;
	uint32_t mask = MAILDIR_F_REPLIED | MAILDIR_F_FLAGGED
	    | MAILDIR_F_TRASHED | MAILDIR_F_SEEN | MAILDIR_F_DRAFT
	    | MAILDIR_F_PASSED;
	static const struct {
		const char *name;
		uint32_t bit;
	} order[] = {
	    {"\\Answered", MAILDIR_F_REPLIED},
	    {"\\Flagged", MAILDIR_F_FLAGGED},
	    {"\\Deleted", MAILDIR_F_TRASHED},
	    {"\\Seen", MAILDIR_F_SEEN},
	    {"\\Draft", MAILDIR_F_DRAFT},
	    {"$Forwarded", MAILDIR_F_PASSED},
	};
	size_t start;

	if (permanent && !s->sel->readonly)
		mask = imapd_mbox_store_mask(s->sel, &kws);
	buf_cats(out, permanent ? "* OK [PERMANENTFLAGS (" : "* FLAGS (");
	start = buf_len(out);
	for (size_t i = 0; i < NELEM(order); i++)
		if (mask & order[i].bit)
			buf_printf(out, "%s%s", buf_len(out) > start ? " " : "",
			    order[i].name);
	for (int k = 0; k < MAILDIR_KEYWORDS && kws; k++) {
		if (s->sel->kw.name[k])
			buf_printf(out, "%s%s", buf_len(out) > start ? " " : "",
			    s->sel->kw.name[k]);
		else
			room = true;
	}
	if (permanent)
		buf_printf(out, "%s)] %s\r\n",
		    room ? (buf_len(out) > start ? " \\*" : "\\*") : "",
		    s->sel->readonly ? "No permanent flags permitted"
		                     : "Flags permitted");
	else
		buf_cats(out, ")\r\n");
}

/* imapd_mbox_flag_parse - flag name to letters */
int
imapd_mbox_flag_parse(struct imapd *s, const char *flag, bool create,
    uint32_t *flags, uint32_t *keywords)
{
	int k;

	for (size_t i = 0; i < NELEM(imapd_sysflags); i++)
		if (strcasecmp(flag, imapd_sysflags[i].name) == 0) {
			*flags |= imapd_sysflags[i].bit;
			return 0;
		}
	if (strcasecmp(flag, "\\Recent") == 0)
		return 0; /* the server's to set, not the client's */
	if (flag[0] == '\\')
		return -1;
	if ((k = maildir_keywords_find(&s->sel->kw, flag)) < 0) {
		if (!create)
			return -1;
		if ((k = maildir_keywords_add(
		         s->sel->dir, &s->sel->kw, flag, s->why))
		    < 0)
			return -1;
		/* tell the client about the new keyword */
		buf_reset(s->r);
		imapd_mbox_flags_list(s, false, s->r);
		imapd_mbox_flags_list(s, true, s->r);
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	*keywords |= MAILDIR_KEYWORD(k);
	return 0;
}

/* size_cmp - qsort of positions */
static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* lower_bound - first position with uid >= want */
static size_t
lower_bound(const struct imapd_mbox *mb, uint32_t want)
{
	size_t lo = 0, hi = mb->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (mb->v[mid].uid < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* imapd_mbox_resolve - a set into view positions */
int
imapd_mbox_resolve(struct imapd *s, const struct imap_seqset *set, bool uid,
    size_t **out, size_t *n_out)
{
	struct imapd_mbox *mb = s->sel;
	size_t *v = NULL, n = 0, alloc = 0, o;
	uint32_t maxuid = mb->n ? mb->v[mb->n - 1].uid : 0;

	if (set->saved) {
		/* "$": the saved result's messages that are still here */
		for (size_t k = 0; k < s->nsaved; k++) {
			size_t i = lower_bound(mb, s->saved[k]);

			if (i < mb->n && mb->v[i].uid == s->saved[k]) {
				if (n == alloc) {
					alloc = alloc ? alloc * 2 : 64;
					v = xreallocarray(v, alloc, sizeof(*v));
				}
				v[n++] = i;
			}
		}
	}
	for (size_t k = 0; k < set->n; k++) {
		uint32_t lo = set->v[k].lo, hi = set->v[k].hi;
		size_t a, b;

		if (uid) {
			if (lo == IMAP_SEQ_STAR)
				lo = maxuid;
			if (hi == IMAP_SEQ_STAR)
				hi = maxuid;
			if (lo > hi) {
				uint32_t t = lo;

				lo = hi;
				hi = t;
			}
			a = lower_bound(mb, lo);
			b = hi == UINT32_MAX ? mb->n : lower_bound(mb, hi + 1);
		} else {
			if (lo == IMAP_SEQ_STAR)
				lo = (uint32_t)mb->n;
			if (hi == IMAP_SEQ_STAR)
				hi = (uint32_t)mb->n;
			if (lo > hi) {
				uint32_t t = lo;

				lo = hi;
				hi = t;
			}
			if (lo == 0 || hi > mb->n) {
				free(v);
				return -1;
			}
			a = lo - 1;
			b = hi;
		}
		for (size_t i = a; i < b; i++) {
			if (n == alloc) {
				alloc = alloc ? alloc * 2 : 64;
				v = xreallocarray(v, alloc, sizeof(*v));
			}
			v[n++] = i;
		}
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), size_cmp);
	for (size_t i = o = 0; i < n; i++)
		if (o == 0 || v[o - 1] != v[i])
			v[o++] = v[i];
	*out = v;
	*n_out = n ? o : 0;
	return 0;
}

/* imapd_mbox_path - the message file */
void
imapd_mbox_path(struct imapd *s, size_t i, struct buf *out)
{
	const struct mdx_rec *r = mdx_lookup(s->sel->x, s->sel->v[i].uid, NULL);

	buf_reset(out);
	if (r)
		maildir_file_path(s->sel->dir, r->name, r->in_new, out);
}

/* to_crlf - append LF-ended text as CRLF (existing CRLF kept) */
static void
to_crlf(struct buf *out, const char *p, size_t n, char *prev)
{
	const char *end = p + n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL) {
			buf_cat(out, p, (size_t)(end - p));
			*prev = end[-1];
			return;
		}
		buf_cat(out, p, (size_t)(nl - p));
		if ((nl > p ? nl[-1] : *prev) != '\r')
			buf_catc(out, '\r');
		buf_catc(out, '\n');
		*prev = '\n';
		p = nl + 1;
	}
}

/* has_header_end - the CRLF text holds the empty line */
static bool
has_header_end(const struct buf *b)
{
	const char *d = buf_cstr(b);

	return buf_len(b) >= 2
	    && (strncmp(d, "\r\n", 2) == 0
	        || memmem(d, buf_len(b), "\r\n\r\n", 4) != NULL);
}

/* imapd_mbox_load - read the message into the cache, CRLF form */
int
imapd_mbox_load(struct imapd *s, size_t i, bool full)
{
	struct imapd_mbox *mb = s->sel;
	struct buf *path = buf_new(256);
	char chunk[16384], prev = 0;
	int fd, ret = -1;
	ssize_t n;

	if (mb->cache_uid == mb->v[i].uid && (mb->cache_full || !full)) {
		buf_free(&path);
		return 0;
	}
	mb->cache_uid = 0;
	mime_free(&mb->cache_mime);
	buf_reset(mb->cache);
	imapd_mbox_path(s, i, path);
	fd = buf_len(path) ? open(buf_cstr(path), O_RDONLY | O_CLOEXEC) : -1;
	if (fd < 0 && (buf_len(path) == 0 || errno == ENOENT)) {
		/* renamed by another session or tool since our last look (a
		 * flag change): look again, then try the new name */
		if (mdx_sync(mb->x, false, true, s->why) == 0) {
			imapd_mbox_path(s, i, path);
			if (buf_len(path))
				fd = open(buf_cstr(path), O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0) {
		buf_free(&path);
		return -1;
	}
	mb->cache_full = true;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		to_crlf(mb->cache, chunk, (size_t)n, &prev);
		if (!full && has_header_end(mb->cache)) {
			mb->cache_full = false;
			break;
		}
	}
	close(fd);
	if (n >= 0) {
		mb->cache_uid = mb->v[i].uid;
		ret = 0;
	}
	buf_free(&path);
	return ret;
}

/* imapd_mbox_mime - parse the cached message once */
const struct mime_part *
imapd_mbox_mime(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;
	struct mime_limits lim = {.depth = (unsigned)var_imapd_mime_depth_limit,
	    .parts = (size_t)var_imapd_mime_part_limit};

	if (mb->cache_mime == NULL)
		mb->cache_mime =
		    mime_parse(buf_cstr(mb->cache), buf_len(mb->cache), &lim);
	return mb->cache_mime;
}

/* imapd_mbox_notify - inotify on the folder, new/ and cur/ */
int
imapd_mbox_notify(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;
	static const char *const subs[] = {"", "/new", "/cur"};
	struct buf *p;

	if (mb == NULL)
		return -1;
	if (mb->notify_fd >= 0)
		return mb->notify_fd;
	if ((mb->notify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		static bool warned;

		if (!warned)
			log_warn("%s: inotify: %m (raise "
			         "fs.inotify.max_user_instances); IDLE polls "
			         "the folder instead",
			    s->user);
		warned = true;
		return -1;
	}
	p = buf_new(256);
	for (size_t i = 0; i < NELEM(subs); i++) {
		buf_reset(p);
		buf_printf(p, "%s%s", mb->dir, subs[i]);
		if (inotify_add_watch(mb->notify_fd, buf_cstr(p),
		        IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO
		            | IN_MODIFY | IN_CLOSE_WRITE)
		    < 0)
			log_warn("%s: inotify %s: %m", s->user, buf_cstr(p));
	}
	buf_free(&p);
	return mb->notify_fd;
}

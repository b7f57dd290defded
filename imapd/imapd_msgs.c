/*
 * imapd_msgs.c - commands that add or remove messages: APPEND, COPY,
 * MOVE (RFC 6851), EXPUNGE and UID EXPUNGE (UIDPLUS, RFC 4315), and the
 * QUOTA commands (RFC 9208).
 *
 * Quota: the account's limit comes from the auth service at login; usage
 * is the Maildir++ maildirsize file, which local delivery keeps too, so a
 * message counts the same way whichever way it arrived. APPEND and COPY
 * are refused with [OVERQUOTA] when they would pass the limit.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_cmd.h"

#include "mail/maildir.h"
#include "mail/mdx.h"

#include "imapd.h"

/* imapd_quota_usage - usage, when there is a quota */
bool
imapd_quota_usage(struct imapd *s, struct maildir_usage *u)
{
	if (s->quota.bytes == 0 && s->quota.messages == 0)
		return false;
	if (maildir_quota_usage(s->root, &s->quota, u, s->why) < 0) {
		log_warn("%s: quota: %s", s->user, buf_cstr(s->why));
		u->bytes = u->messages = 0;
	}
	return true;
}

/* commit_opts - a commit into cur/ under the account's quota (none for
 * the public folders: they are nobody's account) */
static void
commit_opts(struct imapd *s, struct maildir_commit *c, bool is_public)
{
	memset(c, 0, sizeof(*c));
	c->into_cur = true;
	if ((s->quota.bytes || s->quota.messages) && !is_public) {
		c->quota_root = s->root;
		c->quota = s->quota;
	}
}

/* flag_mask - the flags APPEND or COPY may set with these rights on the
 * target (RFC 4314 4: s, t and w; the others are dropped) */
static uint32_t
flag_mask(unsigned rights)
{
	uint32_t m = 0;

	if (rights & IMAP_ACL_SEEN)
		m |= MAILDIR_F_SEEN;
	if (rights & IMAP_ACL_DELMSG)
		m |= MAILDIR_F_TRASHED;
	if (rights & IMAP_ACL_WRITE)
		m |= MAILDIR_F_REPLIED | MAILDIR_F_FLAGGED | MAILDIR_F_DRAFT
		    | MAILDIR_F_PASSED;
	return m;
}

/* imapd_cmd_append - APPEND */
void
imapd_cmd_append(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;
	struct buf *name = buf_new(64), *dir = buf_new(256), *fn = buf_new(128);
	struct maildir_commit cm;
	struct maildir_keywords kw = {0};
	struct mdx *x = NULL;
	uint32_t uid, mask;
	unsigned rights;
	bool want_seen;
	int r;

	if (imapd_name_in(s, c->mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	commit_opts(s, &cm, imapd_is_public(buf_cstr(name)));
	rights = imapd_rights(s, buf_cstr(name));
	if (imapd_folder_dir(s, buf_cstr(name), dir, s->why) < 0
	    || !maildir_exists(buf_cstr(dir))
	    || !(
	        rights & (IMAP_ACL_LOOKUP | IMAP_ACL_READ | IMAP_ACL_INSERT))) {
		imapd_tagged(s, "NO", "[TRYCREATE] Mailbox does not exist");
		goto out;
	}
	if (!(rights & IMAP_ACL_INSERT)) {
		imapd_no_access(s, rights, "you lack the insert right");
		goto out;
	}
	mask = flag_mask(rights);
	(void)maildir_keywords_load(buf_cstr(dir), &kw, s->why);
	for (size_t i = 0; i < c->nflags; i++) {
		const char *f = c->flags[i];
		static const struct {
			const char *name;
			uint32_t bit;
		} sys[] = {
		    {"\\Seen", MAILDIR_F_SEEN},
		    {"\\Answered", MAILDIR_F_REPLIED},
		    {"\\Flagged", MAILDIR_F_FLAGGED},
		    {"\\Deleted", MAILDIR_F_TRASHED},
		    {"\\Draft", MAILDIR_F_DRAFT},
		    {"$Forwarded", MAILDIR_F_PASSED},
		};
		size_t k;
		int idx;

		for (k = 0; k < NELEM(sys); k++)
			if (strcasecmp(f, sys[k].name) == 0) {
				cm.flags |= sys[k].bit;
				break;
			}
		if (k < NELEM(sys) || strcasecmp(f, "\\Recent") == 0)
			continue;
		if (f[0] == '\\') {
			imapd_tagged(s, "BAD", "Invalid system flag %s", f);
			goto out;
		}
		if (!(rights & IMAP_ACL_WRITE))
			continue; /* RFC 4314 4: dropped without "w" */
		if ((idx = maildir_keywords_add(buf_cstr(dir), &kw, f, s->why))
		    < 0) {
			imapd_tagged(
			    s, "NO", "[LIMIT] No room for more keywords");
			goto out;
		}
		cm.keywords |= MAILDIR_KEYWORD(idx);
	}
	cm.flags &= mask;
	/* a public folder: \Seen is the user's own (imapd_seen.c) */
	want_seen =
	    imapd_is_public(buf_cstr(name)) && (cm.flags & MAILDIR_F_SEEN);
	if (want_seen)
		cm.flags &= ~MAILDIR_F_SEEN;
	cm.mtime = c->has_date ? c->date : time(NULL);
	r = maildir_deliver(
	    buf_cstr(dir), c->message.s, c->message.len, &cm, fn, s->why);
	if (r == MAILDIR_OVERQUOTA) {
		imapd_tagged(s, "NO", "[OVERQUOTA] Quota exceeded");
		goto out;
	}
	if (r < 0) {
		log_warn("%s: append to %s: %s", s->user, buf_cstr(dir),
		    buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot store the message");
		goto out;
	}
	s->n_appended++;
	/* the UID now, for APPENDUID; the selected mailbox's own index when
	 * it is the target, so that the sync reports it */
	if (s->sel && strcmp(s->sel->dir, buf_cstr(dir)) == 0)
		r = mdx_add(s->sel->x, buf_cstr(fn), false, &uid, s->why);
	else if ((x = mdx_open(buf_cstr(dir), s->why)) == NULL)
		r = -1;
	else
		r = mdx_add(x, buf_cstr(fn), false, &uid, s->why);
	if (r < 0) {
		log_warn("%s: append to %s: %s", s->user, buf_cstr(dir),
		    buf_cstr(s->why));
		imapd_tagged(s, "OK", "Append completed");
		goto out;
	}
	if (want_seen)
		imapd_seen_mark(s, buf_cstr(name),
		    x ? mdx_uidvalidity(x) : s->sel->uidvalidity, &uid, 1);
	imapd_tagged(s, "OK", "[APPENDUID %u %u] Append completed",
	    x ? mdx_uidvalidity(x) : s->sel->uidvalidity, uid);
out:
	mdx_close(&x);
	maildir_keywords_free(&kw);
	buf_free(&name);
	buf_free(&dir);
	buf_free(&fn);
}

/* map_keywords - keyword letters of the selected folder as letters of
 * another folder's keyword file (adding names there) */
static uint32_t
map_keywords(struct imapd *s, uint32_t kws, const char *dir,
    struct maildir_keywords *dkw)
{
	uint32_t out = 0;

	for (int k = 0; k < MAILDIR_KEYWORDS; k++) {
		int d;

		if (!(kws & MAILDIR_KEYWORD(k)) || s->sel->kw.name[k] == NULL)
			continue;
		if ((d = maildir_keywords_add(
		         dir, dkw, s->sel->kw.name[k], s->why))
		    >= 0)
			out |= MAILDIR_KEYWORD(d);
	}
	return out;
}

/* imapd_expunge_positions - remove and report */
int
imapd_expunge_positions(
    struct imapd *s, const size_t *pos, size_t n, struct buf *why)
{
	struct imapd_mbox *mb = s->sel;
	uint32_t *uids = xcalloc(n + 1, sizeof(*uids));
	uint64_t bytes = 0, count = 0;
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		uids[i] = mb->v[pos[i]].uid;
	if (n && mdx_expunge(mb->x, uids, n, &bytes, &count, why) < 0) {
		log_warn("%s: expunge %s: %s", s->user, mb->dir, buf_cstr(why));
		ret = -1;
	}
	if (count && !mb->is_public)
		(void)maildir_quota_update(
		    s->root, &s->quota, -(int64_t)bytes, -(int64_t)count, why);
	s->n_expunged += count;
	/* What is gone now: the view marks it, and the sync reports it in
	 * order (EXPUNGE with sequence numbers, or VANISHED). */
	for (size_t i = 0; i < n; i++)
		if (mdx_lookup(mb->x, uids[i], NULL) == NULL)
			mb->v[pos[i]].gone = true;
	free(uids);
	return ret;
}

/* imapd_cmd_expunge - EXPUNGE and UID EXPUNGE */
void
imapd_cmd_expunge(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;
	size_t *pos = NULL, npos = 0, *del, ndel = 0;

	if (mb->readonly) {
		imapd_tagged(s, "NO", "Mailbox is read-only");
		return;
	}
	if (!(mb->rights & IMAP_ACL_EXPUNGE)) {
		imapd_no_access(s, mb->rights, "you lack the expunge right");
		return;
	}
	if (s->cmd.uid) {
		if (imapd_mbox_resolve(s, &s->cmd.seq, true, &pos, &npos) < 0) {
			imapd_tagged(s, "BAD", "Invalid UID set");
			return;
		}
	} else {
		pos = xcalloc(mb->n + 1, sizeof(*pos));
		for (size_t i = 0; i < mb->n; i++)
			pos[npos++] = i;
	}
	del = xcalloc(npos + 1, sizeof(*del));
	for (size_t k = 0; k < npos; k++)
		if ((mb->v[pos[k]].flags & MAILDIR_F_TRASHED)
		    && !mb->v[pos[k]].gone)
			del[ndel++] = pos[k];
	if (imapd_expunge_positions(s, del, ndel, s->why) < 0)
		imapd_tagged(s, "NO", "[SERVERBUG] Expunge failed");
	else
		imapd_tagged(s, "OK", "Expunge completed");
	free(pos);
	free(del);
}

/* imapd_cmd_copy - COPY, MOVE and their UID forms */
void
imapd_cmd_copy(struct imapd *s, bool move)
{
	struct imap_cmd *c = &s->cmd;
	struct imapd_mbox *mb = s->sel;
	struct buf *name = buf_new(64), *dir = buf_new(256),
	           *src = buf_new(256);
	struct buf *fn = buf_new(128), *set = buf_new(64), *dset = buf_new(64);
	struct maildir_keywords dkw = {0};
	struct maildir_commit cm;
	struct mdx *x = NULL;
	size_t *pos = NULL, npos = 0, *done = NULL, ndone = 0;
	uint32_t *suids = NULL, *duids = NULL, *seenv = NULL, mask;
	size_t nseen = 0;
	unsigned rights;
	bool same, dpublic, want_seen;

	if (imapd_mbox_resolve(s, &c->seq, c->uid, &pos, &npos) < 0) {
		imapd_tagged(s, "BAD", "Invalid message sequence number");
		goto out;
	}
	if (move && mb->readonly) {
		imapd_tagged(s, "NO", "Mailbox is read-only");
		goto out;
	}
	if (move
	    && (mb->rights & (IMAP_ACL_DELMSG | IMAP_ACL_EXPUNGE))
	        != (IMAP_ACL_DELMSG | IMAP_ACL_EXPUNGE)) {
		imapd_no_access(
		    s, mb->rights, "MOVE needs the t and e rights here");
		goto out;
	}
	if (imapd_name_in(s, c->mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	dpublic = imapd_is_public(buf_cstr(name));
	commit_opts(s, &cm, dpublic);
	rights = imapd_rights(s, buf_cstr(name));
	if (imapd_folder_dir(s, buf_cstr(name), dir, s->why) < 0
	    || !maildir_exists(buf_cstr(dir))
	    || !(
	        rights & (IMAP_ACL_LOOKUP | IMAP_ACL_READ | IMAP_ACL_INSERT))) {
		imapd_tagged(s, "NO", "[TRYCREATE] Mailbox does not exist");
		goto out;
	}
	if (!(rights & IMAP_ACL_INSERT)) {
		imapd_no_access(s, rights, "you lack the insert right");
		goto out;
	}
	mask = flag_mask(rights);
	same = strcmp(buf_cstr(dir), mb->dir) == 0;
	/* the quota, for all of them at once */
	{
		struct maildir_usage u;
		uint64_t bytes = 0, count = 0;

		for (size_t k = 0; k < npos; k++) {
			const struct mdx_rec *r =
			    mdx_lookup(mb->x, mb->v[pos[k]].uid, NULL);

			if (r && !mb->v[pos[k]].gone) {
				bytes += r->size;
				count++;
			}
		}
		if (!dpublic && imapd_quota_usage(s, &u)
		    && (!move || mb->is_public)
		    && !maildir_quota_allows(&s->quota, &u, bytes, count)) {
			imapd_tagged(s, "NO", "[OVERQUOTA] Quota exceeded");
			goto out;
		}
	}
	/* MOVE within the account does not change the total: check nothing
	 * per message */
	if (move && !mb->is_public)
		cm.quota_root = NULL;
	if ((x = same ? NULL : mdx_open(buf_cstr(dir), s->why)) == NULL
	    && !same) {
		log_warn("%s: copy to %s: %s", s->user, buf_cstr(dir),
		    buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot open the mailbox");
		goto out;
	}
	(void)maildir_keywords_load(buf_cstr(dir), &dkw, s->why);
	suids = xcalloc(npos + 1, sizeof(*suids));
	duids = xcalloc(npos + 1, sizeof(*duids));
	seenv = xcalloc(npos + 1, sizeof(*seenv));
	done = xcalloc(npos + 1, sizeof(*done));
	for (size_t k = 0; k < npos; k++) {
		struct imapd_msg *m = &mb->v[pos[k]];
		int r;

		if (m->gone)
			continue;
		imapd_mbox_path(s, pos[k], src);
		if (buf_len(src) == 0)
			continue;
		cm.flags = m->flags & mask;
		want_seen = dpublic && (cm.flags & MAILDIR_F_SEEN);
		if (want_seen)
			cm.flags &= ~MAILDIR_F_SEEN;
		cm.keywords = !(rights & IMAP_ACL_WRITE) ? 0
		    : same                               ? m->keywords
		           : map_keywords(s, m->keywords, buf_cstr(dir), &dkw);
		r = maildir_copy(buf_cstr(src), buf_cstr(dir), &cm, fn, s->why);
		if (r < 0 && errno == ENOENT
		    && mdx_sync(mb->x, false, true, s->why) == 0) {
			/* renamed meanwhile (a flag change elsewhere) */
			imapd_mbox_path(s, pos[k], src);
			if (buf_len(src))
				r = maildir_copy(buf_cstr(src), buf_cstr(dir),
				    &cm, fn, s->why);
		}
		if (r == MAILDIR_OVERQUOTA) {
			imapd_tagged(s, "NO", "[OVERQUOTA] Quota exceeded");
			goto out;
		}
		if (r < 0) {
			if (errno == ENOENT)
				continue; /* expunged meanwhile */
			log_warn("%s: copy to %s: %s", s->user, buf_cstr(dir),
			    buf_cstr(s->why));
			continue;
		}
		if (mdx_add(same ? mb->x : x, buf_cstr(fn), false,
		        &duids[ndone], s->why)
		    < 0)
			continue;
		if (want_seen)
			seenv[nseen++] = duids[ndone];
		suids[ndone] = m->uid;
		done[ndone++] = pos[k];
	}
	if (nseen)
		imapd_seen_mark(s, buf_cstr(name),
		    same ? mb->uidvalidity : mdx_uidvalidity(x), seenv, nseen);
	if (ndone) {
		/* UIDPLUS: both lists in the same order; the source UIDs are
		 * ascending, the new ones too */
		imapd_set_out(set, suids, ndone);
		imapd_set_out(dset, duids, ndone);
	}
	if (move) {
		if (ndone)
			imapd_printf(s, "* OK [COPYUID %u %s %s] Moved\r\n",
			    same ? mb->uidvalidity : mdx_uidvalidity(x),
			    buf_cstr(set), buf_cstr(dset));
		(void)imapd_expunge_positions(s, done, ndone, s->why);
		imapd_tagged(s, "OK", "Move completed");
	} else if (ndone)
		imapd_tagged(s, "OK", "[COPYUID %u %s %s] Copy completed",
		    same ? mb->uidvalidity : mdx_uidvalidity(x), buf_cstr(set),
		    buf_cstr(dset));
	else
		imapd_tagged(s, "OK", "Copy completed");
out:
	mdx_close(&x);
	maildir_keywords_free(&dkw);
	free(pos);
	free(done);
	free(suids);
	free(duids);
	free(seenv);
	buf_free(&name);
	buf_free(&dir);
	buf_free(&src);
	buf_free(&fn);
	buf_free(&set);
	buf_free(&dset);
}

/* imapd_cmd_quota - GETQUOTA, GETQUOTAROOT, SETQUOTA */
void
imapd_cmd_quota(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;
	struct maildir_usage u;
	bool has = imapd_quota_usage(s, &u);

	if (c->id == IMAP_CMD_SETQUOTA) {
		imapd_tagged(s, "NO",
		    "[NOPERM] Quotas are set by the "
		    "administrator");
		return;
	}
	if (c->id == IMAP_CMD_GETQUOTAROOT) {
		struct buf *n = buf_new(64);

		if (imapd_name_in(s, c->mailbox, n, s->why) < 0
		    || !imapd_folder_exists(s, buf_cstr(n))) {
			imapd_tagged(s, "NO",
			    "[NONEXISTENT] Mailbox does not "
			    "exist");
			buf_free(&n);
			return;
		}
		buf_reset(s->r);
		buf_cats(s->r, "* QUOTAROOT ");
		imapd_name_out(s, buf_cstr(n), s->r);
		/* the public folders count against no account */
		if (imapd_is_public(buf_cstr(n)))
			has = false;
		buf_cats(s->r, has ? " \"\"\r\n" : "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
		buf_free(&n);
	} else if (!has || strcmp(c->quota_root, "") != 0) {
		imapd_tagged(s, "NO", "[NONEXISTENT] No such quota root");
		return;
	}
	if (has) {
		buf_reset(s->r);
		buf_cats(s->r, "* QUOTA \"\" (");
		if (s->quota.bytes)
			buf_printf(s->r, "STORAGE %llu %llu",
			    (unsigned long long)((u.bytes < 0 ? 0 : u.bytes)
			        + 1023)
			        / 1024,
			    (unsigned long long)s->quota.bytes / 1024);
		if (s->quota.messages)
			buf_printf(s->r, "%sMESSAGE %lld %llu",
			    s->quota.bytes ? " " : "",
			    (long long)(u.messages < 0 ? 0 : u.messages),
			    (unsigned long long)s->quota.messages);
		buf_cats(s->r, ")\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	imapd_tagged(s, "OK", "Getquota completed");
}

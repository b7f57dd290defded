/*
 * imapd_folders.c - the mailbox commands: LIST and LSUB (with
 * LIST-EXTENDED, LIST-STATUS, CHILDREN and SPECIAL-USE), STATUS, CREATE,
 * DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE.
 *
 * Maildir++ keeps folders flat (".Work.Project" can exist without
 * ".Work"), so LIST adds the missing parents of every folder as \Noselect
 * names, which is how RFC 3501 6.3.8 wants a hierarchy shown. The
 * subscriptions are the file "subscriptions" in the account's Maildir,
 * one name a line, as Dovecot keeps it.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_cmd.h"

#include "mail/maildir.h"
#include "mail/mdx.h"

#include "imapd.h"

#define SUBS_FILE "subscriptions"

/* imapd_special_use - RFC 6154 attribute of a folder name */
const char *
imapd_special_use(const char *name)
{
	static const struct {
		const char *name, *attr;
	} uses[] = {
	    {"Sent", "\\Sent"},
	    {"Drafts", "\\Drafts"},
	    {"Trash", "\\Trash"},
	    {"Junk", "\\Junk"},
	    {"Archive", "\\Archive"},
	};

	for (size_t i = 0; i < NELEM(uses); i++)
		if (strcmp(name, uses[i].name) == 0)
			return uses[i].attr;
	return NULL;
}

/* imapd_folder_exists - INBOX, or a folder directory */
bool
imapd_folder_exists(struct imapd *s, const char *name)
{
	struct buf *d = buf_new(256);
	bool ok = imapd_folder_dir(s, name, d, NULL) == 0
	    && maildir_exists(buf_cstr(d));

	buf_free(&d);
	return ok;
}

/* ------------------------------------------------------------------ */
/* Subscriptions */

/* subs_read - the subscribed names */
static void
subs_read(struct imapd *s, struct strv *out)
{
	struct buf *p = buf_new(256), *t = buf_new(1024), *w = buf_new(64);

	buf_printf(p, "%s/" SUBS_FILE, s->root);
	if (file_read(buf_cstr(p), 1 << 20, t, w) == 0)
		strv_split(out, buf_cstr(t), "\n");
	buf_free(&p);
	buf_free(&t);
	buf_free(&w);
}

/* subs_write - replace the file */
static int
subs_write(struct imapd *s, const struct strv *names)
{
	struct buf *p = buf_new(256), *t = buf_new(1024);
	int r;

	for (size_t i = 0; i < names->n; i++)
		buf_printf(t, "%s\n", names->v[i]);
	buf_printf(p, "%s/" SUBS_FILE, s->root);
	r = file_write_atomic(
	    buf_cstr(p), buf_cstr(t), buf_len(t), 0600, s->why);
	buf_free(&p);
	buf_free(&t);
	return r;
}

/* imapd_cmd_subscribe - SUBSCRIBE and UNSUBSCRIBE */
void
imapd_cmd_subscribe(struct imapd *s, bool on)
{
	struct buf *name = buf_new(64);
	struct strv subs, out;
	bool had = false;

	strv_init(&subs);
	strv_init(&out);
	if (imapd_name_in(s, s->cmd.mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto done;
	}
	if (on
	    && (!imapd_folder_exists(s, buf_cstr(name))
	        || !(imapd_rights(s, buf_cstr(name)) & IMAP_ACL_LOOKUP))) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		goto done;
	}
	subs_read(s, &subs);
	for (size_t i = 0; i < subs.n; i++) {
		if (strcmp(subs.v[i], buf_cstr(name)) == 0) {
			had = true;
			if (!on)
				continue;
		}
		strv_push(&out, subs.v[i]);
	}
	if (on && !had)
		strv_push(&out, buf_cstr(name));
	if ((on != had) && subs_write(s, &out) < 0) {
		log_warn("%s: %s", s->user, buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot save subscriptions");
		goto done;
	}
	imapd_tagged(s, "OK", "%s completed", on ? "Subscribe" : "Unsubscribe");
done:
	strv_free(&subs);
	strv_free(&out);
	buf_free(&name);
}

/* ------------------------------------------------------------------ */
/* LIST */

struct node {
	char *name;
	bool exists; /* a selectable folder (or INBOX) */
	bool subscribed;
	bool children;  /* some name below it exists */
	bool sub_child; /* some name below it is subscribed */
};

struct tree {
	struct node *v;
	size_t n, alloc;
};

/* tree_get - the node of name, added when absent */
static struct node *
tree_get(struct tree *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	if (t->n == t->alloc) {
		t->alloc = t->alloc ? t->alloc * 2 : 32;
		t->v = xreallocarray(t->v, t->alloc, sizeof(*t->v));
	}
	memset(&t->v[t->n], 0, sizeof(*t->v));
	t->v[t->n].name = xstrdup(name);
	return &t->v[t->n++];
}

/* tree_add - name and its parents; existing or subscribed */
static void
tree_add(struct tree *t, const char *name, bool exists, bool subscribed)
{
	struct node *n = tree_get(t, name);
	char *copy = xstrdup(name), *dot;

	n->exists |= exists;
	n->subscribed |= subscribed;
	while ((dot = strrchr(copy, IMAPD_DELIM)) != NULL) {
		*dot = 0;
		n = tree_get(t, copy);
		n->children |= exists;
		n->sub_child |= subscribed;
	}
	free(copy);
}

/* node_cmp - INBOX first, then by name */
static int
node_cmp(const void *a, const void *b)
{
	const struct node *x = a, *y = b;
	bool xi = strcmp(x->name, "INBOX") == 0,
	     yi = strcmp(y->name, "INBOX") == 0;

	if (xi != yi)
		return xi ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* match - IMAP pattern: "*" anything, "%" anything but the delimiter */
static bool
match(const char *p, const char *n)
{
	for (; *p; p++, n++) {
		if (*p == '*' || *p == '%') {
			for (const char *k = n;; k++) {
				if (match(p + 1, k))
					return true;
				if (*k == 0 || (*p == '%' && *k == IMAPD_DELIM))
					return false;
			}
		}
		if (*n != *p)
			return false;
	}
	return *n == 0;
}

/* match_name - with INBOX matched in any case */
static bool
match_name(const char *pattern, const char *name)
{
	if (strncasecmp(pattern, "INBOX", 5) == 0
	    && (pattern[5] == 0 || pattern[5] == IMAPD_DELIM)
	    && strncmp(name, "INBOX", 5) == 0) {
		char *p = xstrdup(pattern);
		bool r;

		memcpy(p, "INBOX", 5);
		r = match(p, name);
		free(p);
		return r;
	}
	return match(pattern, name);
}

/* tree_build - folders, INBOX, subscriptions */
static void
tree_build(struct imapd *s, struct tree *t)
{
	struct strv names, subs;

	strv_init(&names);
	strv_init(&subs);
	if (maildir_folder_list(s->root, &names, s->why) < 0)
		log_warn("%s: %s", s->user, buf_cstr(s->why));
	subs_read(s, &subs);
	tree_add(t, "INBOX", true, false);
	for (size_t i = 0; i < names.n; i++)
		if (!imapd_is_public(names.v[i])) /* hidden by the namespace */
			tree_add(t, names.v[i], true, false);
	if (s->pubroot) {
		/* the public folders this user may see ("l") */
		struct buf *full = buf_new(64);

		strv_free(&names);
		if (maildir_folder_list(s->pubroot, &names, s->why) < 0)
			log_warn("%s: %s", s->user, buf_cstr(s->why));
		for (size_t i = 0; i < names.n; i++) {
			buf_reset(full);
			buf_printf(
			    full, IMAPD_PUBLIC "%c%s", IMAPD_DELIM, names.v[i]);
			if (imapd_rights(s, buf_cstr(full)) & IMAP_ACL_LOOKUP)
				tree_add(t, buf_cstr(full), true, false);
		}
		buf_free(&full);
	}
	for (size_t i = 0; i < subs.n; i++)
		if (!imapd_is_public(subs.v[i])
		    || (imapd_rights(s, subs.v[i]) & IMAP_ACL_LOOKUP))
			tree_add(t, subs.v[i], false, true);
	if (t->n > 1)
		qsort(t->v, t->n, sizeof(*t->v), node_cmp);
	strv_free(&names);
	strv_free(&subs);
}

static void
tree_free(struct tree *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
}

/* list_one - "* LIST (attrs) "." name" [and STATUS] */
static void
list_one(struct imapd *s, const struct node *n, bool lsub)
{
	const struct imap_list *l = &s->cmd.list;
	const char *use = imapd_special_use(n->name);
	struct buf *a = buf_new(64);
	bool ext = l->extended;

	if (!n->exists) {
		buf_cats(a, lsub || !ext ? "\\Noselect" : "\\NonExistent");
	}
	if (!lsub) {
		if (n->children)
			buf_printf(a, "%s\\HasChildren", buf_len(a) ? " " : "");
		else
			buf_printf(
			    a, "%s\\HasNoChildren", buf_len(a) ? " " : "");
		if (use && n->exists)
			buf_printf(a, " %s", use);
		if (n->subscribed
		    && ((l->ret & IMAP_LIST_RET_SUBSCRIBED)
		        || (l->sel & IMAP_LIST_SEL_SUBSCRIBED)))
			buf_cats(a, " \\Subscribed");
	}
	buf_reset(s->r);
	buf_printf(
	    s->r, "* %s (%s) \".\" ", lsub ? "LSUB" : "LIST", buf_cstr(a));
	imapd_name_out(s, n->name, s->r);
	if ((l->sel & IMAP_LIST_SEL_RECURSIVEMATCH)
	    && (l->sel & IMAP_LIST_SEL_SUBSCRIBED) && n->sub_child)
		buf_cats(s->r, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	buf_cats(s->r, "\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	if ((l->ret & IMAP_LIST_RET_STATUS) && n->exists) {
		buf_reset(a);
		if (imapd_status_items(s, n->name, l->status_items, a, s->why)
		    == 0) {
			buf_reset(s->r);
			buf_cats(s->r, "* STATUS ");
			imapd_name_out(s, n->name, s->r);
			buf_printf(s->r, " (%s)\r\n", buf_cstr(a));
			imapd_write(s, buf_cstr(s->r), buf_len(s->r));
		}
	}
	buf_free(&a);
}

/* imapd_cmd_list - LIST and LSUB */
void
imapd_cmd_list(struct imapd *s)
{
	const struct imap_list *l = &s->cmd.list;
	bool lsub = s->cmd.id == IMAP_CMD_LSUB;
	struct tree t = {0};
	struct buf *pat = buf_new(64), *tmp = buf_new(64);

	if (l->npatterns == 1 && *l->patterns[0] == 0 && !l->extended) {
		/* LIST "" "": the delimiter and the root */
		if (!lsub)
			imapd_printf(s, "* LIST (\\Noselect) \".\" \"\"\r\n");
		imapd_tagged(s, "OK", "%s completed", s->cmd.name);
		goto out;
	}
	if (l->ret & IMAP_LIST_RET_STATUS)
		for (unsigned b = 1; b; b <<= 1)
			if ((l->status_items & b) == IMAP_STATUS_HIGHESTMODSEQ)
				s->condstore = true;
	tree_build(s, &t);
	for (size_t i = 0; i < t.n; i++) {
		struct node *n = &t.v[i];
		bool hit = false;

		if (lsub && !n->subscribed && !n->sub_child)
			continue;
		if ((l->sel & IMAP_LIST_SEL_SUBSCRIBED) && !n->subscribed
		    && !((l->sel & IMAP_LIST_SEL_RECURSIVEMATCH)
		        && n->sub_child))
			continue;
		if ((l->sel & IMAP_LIST_SEL_SPECIAL_USE)
		    && (!n->exists || imapd_special_use(n->name) == NULL))
			continue;
		if (!lsub && !n->exists && !n->children
		    && !(l->sel & IMAP_LIST_SEL_SUBSCRIBED))
			continue; /* only subscribed: not in a plain LIST */
		for (size_t k = 0; k < l->npatterns && !hit; k++) {
			buf_reset(pat);
			buf_cats(pat, l->ref);
			buf_cats(pat, l->patterns[k]);
			if (s->utf8) {
				buf_reset(tmp);
				if (imapd_name_in(s, buf_cstr(pat), tmp, s->why)
				    == 0)
					buf_set(
					    pat, buf_cstr(tmp), buf_len(tmp));
			}
			hit = match_name(buf_cstr(pat), n->name);
		}
		if (!hit)
			continue;
		if (lsub && !n->subscribed) {
			/* a subscribed child under an unsubscribed parent:
			 * shown only for a "%" that stops at this level */
			struct node shown = *n;

			shown.exists = false;
			list_one(s, &shown, true);
			continue;
		}
		list_one(s, n, lsub);
	}
	imapd_tagged(s, "OK", "%s completed", s->cmd.name);
out:
	tree_free(&t);
	buf_free(&pat);
	buf_free(&tmp);
}

/* ------------------------------------------------------------------ */
/* STATUS */

/* imapd_status_items - the numbers */
int
imapd_status_items(struct imapd *s, const char *name, unsigned items,
    struct buf *out, struct buf *why)
{
	struct buf *dir = buf_new(256);
	struct mdx *x = NULL, *use;
	struct imapd_seen *ps = NULL;
	uint64_t msgs = 0, recent = 0, unseen = 0, size = 0, deleted = 0;
	int ret = -1;

	if (imapd_folder_dir(s, name, dir, why) < 0
	    || !maildir_exists(buf_cstr(dir))
	    || !(imapd_rights(s, name) & IMAP_ACL_READ))
		goto out;
	if (s->sel && strcmp(s->sel->dir, buf_cstr(dir)) == 0)
		use = s->sel->x;
	else if ((use = x = mdx_open(buf_cstr(dir), why)) == NULL)
		goto out;
	if (mdx_sync(use, false, false, why) < 0)
		goto out;
	if (imapd_is_public(name) && (items & IMAP_STATUS_UNSEEN))
		ps = imapd_seen_open(s, name, mdx_uidvalidity(use));
	for (size_t i = 0; i < mdx_count(use); i++) {
		const struct mdx_rec *r = mdx_rec(use, i);

		msgs++;
		recent += r->uid >= mdx_recent_uid(use);
		unseen += ps ? !imapd_seen_has(ps, r->uid)
		             : !(r->flags & MAILDIR_F_SEEN);
		deleted += (r->flags & MAILDIR_F_TRASHED) != 0;
		size += r->vsize;
	}
	buf_reset(out);
#define ITEM(bit, fmt, ...)                                                    \
	if (items & (bit))                                                     \
	buf_printf(out, "%s" fmt, buf_len(out) ? " " : "", __VA_ARGS__)
	ITEM(IMAP_STATUS_MESSAGES, "MESSAGES %llu", (unsigned long long)msgs);
	ITEM(IMAP_STATUS_RECENT, "RECENT %llu", (unsigned long long)recent);
	ITEM(IMAP_STATUS_UIDNEXT, "UIDNEXT %u", mdx_uidnext(use));
	ITEM(IMAP_STATUS_UIDVALIDITY, "UIDVALIDITY %u", mdx_uidvalidity(use));
	ITEM(IMAP_STATUS_UNSEEN, "UNSEEN %llu", (unsigned long long)unseen);
	ITEM(IMAP_STATUS_HIGHESTMODSEQ, "HIGHESTMODSEQ %llu",
	    (unsigned long long)mdx_highestmodseq(use));
	ITEM(IMAP_STATUS_SIZE, "SIZE %llu", (unsigned long long)size);
	ITEM(IMAP_STATUS_DELETED, "DELETED %llu", (unsigned long long)deleted);
#undef ITEM
	ret = 0;
out:
	imapd_seen_free(&ps);
	mdx_close(&x);
	buf_free(&dir);
	return ret;
}

/* imapd_cmd_status - STATUS */
void
imapd_cmd_status(struct imapd *s)
{
	struct buf *name = buf_new(64), *items = buf_new(128);

	if (s->cmd.status_items & IMAP_STATUS_HIGHESTMODSEQ)
		s->condstore = true;
	if (imapd_name_in(s, s->cmd.mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	if (imapd_status_items(
	        s, buf_cstr(name), s->cmd.status_items, items, s->why)
	    < 0) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		goto out;
	}
	buf_reset(s->r);
	buf_cats(s->r, "* STATUS ");
	imapd_name_out(s, buf_cstr(name), s->r);
	buf_printf(s->r, " (%s)\r\n", buf_cstr(items));
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	imapd_tagged(s, "OK", "Status completed");
out:
	buf_free(&name);
	buf_free(&items);
}

/* ------------------------------------------------------------------ */
/* CREATE, DELETE, RENAME */

/* new_name - a name for CREATE or a RENAME target */
static int
new_name(struct imapd *s, const char *in, struct buf *out)
{
	struct buf *n = buf_new(64);
	size_t len;
	int r;

	buf_cats(n, in);
	/* "Work." creates "Work" (RFC 3501 6.3.3) */
	len = buf_len(n);
	while (len > 0 && buf_cstr(n)[len - 1] == IMAPD_DELIM)
		len--;
	buf_truncate(n, len);
	if (strpbrk(buf_cstr(n), "%*") != NULL) {
		buf_reset(s->why);
		buf_cats(s->why, "Mailbox names may not hold % or *");
		buf_free(&n);
		return -1;
	}
	r = imapd_name_in(s, buf_cstr(n), out, s->why);
	buf_free(&n);
	return r;
}

/* folder_create - a new folder, private or public */
static int
folder_create(struct imapd *s, const char *name)
{
	if (imapd_is_public(name))
		return maildir_folder_create(
		    s->pubroot, name + sizeof(IMAPD_PUBLIC), s->why);
	return maildir_folder_create(s->root, name, s->why);
}

/* imapd_cmd_create - CREATE */
void
imapd_cmd_create(struct imapd *s)
{
	struct buf *name = buf_new(64);

	if (new_name(s, s->cmd.mailbox, name) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	if (maildir_is_inbox(buf_cstr(name))) {
		imapd_tagged(s, "NO", "[ALREADYEXISTS] INBOX always exists");
		goto out;
	}
	if (imapd_is_public(buf_cstr(name))) {
		unsigned pr = imapd_rights_parent(s, buf_cstr(name));

		if (s->pubroot == NULL
		    || strcmp(buf_cstr(name), IMAPD_PUBLIC) == 0) {
			imapd_tagged(s, "NO",
			    "[CANNOT] " IMAPD_PUBLIC " is the public "
			    "namespace");
			goto out;
		}
		if (!(pr & IMAP_ACL_CREATE)) {
			imapd_tagged(s, "NO",
			    "[NOPERM] Permission denied: you lack the "
			    "create right on the parent");
			goto out;
		}
	}
	if (folder_create(s, buf_cstr(name)) < 0) {
		if (errno == EEXIST)
			imapd_tagged(s, "NO", "[ALREADYEXISTS] Mailbox exists");
		else {
			log_warn("%s: create %s: %s", s->user, buf_cstr(name),
			    buf_cstr(s->why));
			imapd_tagged(s, "NO", "[SERVERBUG] Cannot create it");
		}
		goto out;
	}
	imapd_tagged(s, "OK", "Create completed");
out:
	buf_free(&name);
}

/* folder_usage - bytes and messages of a folder, for the quota */
static void
folder_usage(struct imapd *s, const char *dir, int64_t *bytes, int64_t *msgs)
{
	struct maildir_listing l = {0};
	struct buf *p = buf_new(256);

	*bytes = *msgs = 0;
	if (maildir_list(dir, &l, s->why) == 0)
		for (size_t i = 0; i < l.n; i++) {
			uint64_t sz, vs;

			maildir_file_path(dir, l.v[i].name, l.v[i].in_new, p);
			if (maildir_file_sizes(
			        buf_cstr(p), l.v[i].name, &sz, &vs)
			    == 0) {
				*bytes += (int64_t)sz;
				(*msgs)++;
			}
		}
	maildir_listing_free(&l);
	buf_free(&p);
}

/* imapd_cmd_delete - DELETE */
void
imapd_cmd_delete(struct imapd *s)
{
	struct buf *name = buf_new(64), *dir = buf_new(256);
	int64_t bytes, msgs;
	unsigned rights;
	bool pub;

	if (imapd_name_in(s, s->cmd.mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	if (maildir_is_inbox(buf_cstr(name))) {
		imapd_tagged(s, "NO", "INBOX cannot be deleted");
		goto out;
	}
	rights = imapd_rights(s, buf_cstr(name));
	if (!imapd_folder_exists(s, buf_cstr(name))
	    || !(rights & (IMAP_ACL_LOOKUP | IMAP_ACL_READ))) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		goto out;
	}
	if (!(rights & IMAP_ACL_DELMBOX)) {
		imapd_no_access(s, rights, "you lack the delete right");
		goto out;
	}
	pub = imapd_is_public(buf_cstr(name));
	imapd_folder_dir(s, buf_cstr(name), dir, NULL);
	if (s->sel && strcmp(s->sel->dir, buf_cstr(dir)) == 0) {
		imapd_mbox_close(s);
		if (s->qresync || s->rev2)
			imapd_printf(s, "* OK [CLOSED] Mailbox deleted\r\n");
	}
	folder_usage(s, buf_cstr(dir), &bytes, &msgs);
	if (maildir_folder_delete(pub ? s->pubroot : s->root,
	        pub ? buf_cstr(name) + sizeof(IMAPD_PUBLIC) : buf_cstr(name),
	        s->why)
	    < 0) {
		log_warn("%s: delete %s: %s", s->user, buf_cstr(name),
		    buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot delete it");
		goto out;
	}
	if (msgs && !pub)
		(void)maildir_quota_update(
		    s->root, &s->quota, -bytes, -msgs, s->why);
	imapd_tagged(s, "OK", "Delete completed");
out:
	buf_free(&name);
	buf_free(&dir);
}

/* rename_inbox - move INBOX's messages into a new folder (RFC 3501
 * 6.3.5: INBOX stays, empty; its children do not move) */
static int
rename_inbox(struct imapd *s, const char *to)
{
	struct maildir_listing l = {0};
	struct buf *dir = buf_new(256), *a = buf_new(256), *b = buf_new(256);
	int ret = -1;

	if (maildir_folder_create(s->root, to, s->why) < 0)
		goto out;
	maildir_folder_dir(s->root, to, dir, NULL);
	if (maildir_list(s->root, &l, s->why) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		maildir_file_path(s->root, l.v[i].name, l.v[i].in_new, a);
		maildir_file_path(buf_cstr(dir), l.v[i].name, l.v[i].in_new, b);
		if (rename(buf_cstr(a), buf_cstr(b)) < 0 && errno != ENOENT)
			log_warn("%s: rename %s: %m", s->user, buf_cstr(a));
	}
	(void)file_fsync_dir(buf_cstr(dir));
	ret = 0;
out:
	maildir_listing_free(&l);
	buf_free(&dir);
	buf_free(&a);
	buf_free(&b);
	return ret;
}

/* imapd_cmd_rename - RENAME */
void
imapd_cmd_rename(struct imapd *s)
{
	struct buf *from = buf_new(64), *to = buf_new(64), *d = buf_new(256);
	struct strv subs, out;
	size_t flen;
	unsigned rights;
	bool pub;
	int r;

	strv_init(&subs);
	strv_init(&out);
	if (imapd_name_in(s, s->cmd.mailbox, from, s->why) < 0
	    || new_name(s, s->cmd.mailbox2, to) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto done;
	}
	if (maildir_is_inbox(buf_cstr(to))) {
		imapd_tagged(s, "NO", "[ALREADYEXISTS] INBOX exists");
		goto done;
	}
	if (imapd_folder_exists(s, buf_cstr(to))) {
		imapd_tagged(s, "NO", "[ALREADYEXISTS] Target mailbox exists");
		goto done;
	}
	rights = imapd_rights(s, buf_cstr(from));
	if (!imapd_folder_exists(s, buf_cstr(from))
	    || !(rights & (IMAP_ACL_LOOKUP | IMAP_ACL_READ))) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		goto done;
	}
	pub = imapd_is_public(buf_cstr(from));
	if (pub != imapd_is_public(buf_cstr(to))) {
		imapd_tagged(s, "NO",
		    "[CANNOT] Cannot move a mailbox in or out of the "
		    "public namespace");
		goto done;
	}
	if (pub && strcmp(buf_cstr(to), IMAPD_PUBLIC) == 0) {
		imapd_tagged(s, "NO", "[ALREADYEXISTS] Target mailbox exists");
		goto done;
	}
	if (!(rights & IMAP_ACL_DELMBOX)) {
		imapd_no_access(s, rights, "you lack the delete right");
		goto done;
	}
	if (!(imapd_rights_parent(s, buf_cstr(to)) & IMAP_ACL_CREATE)) {
		imapd_tagged(s, "NO",
		    "[NOPERM] Permission denied: you lack the create right "
		    "on the new parent");
		goto done;
	}
	/* the selected mailbox (or one under it) moves: unselect it */
	imapd_folder_dir(s, buf_cstr(from), d, NULL);
	if (s->sel && !maildir_is_inbox(buf_cstr(from))
	    && strncmp(s->sel->dir, buf_cstr(d), buf_len(d)) == 0
	    && (s->sel->dir[buf_len(d)] == 0
	        || s->sel->dir[buf_len(d)] == IMAPD_DELIM)) {
		imapd_mbox_close(s);
		if (s->qresync || s->rev2)
			imapd_printf(s, "* OK [CLOSED] Mailbox renamed\r\n");
	}
	if (maildir_is_inbox(buf_cstr(from)))
		r = rename_inbox(s, buf_cstr(to));
	else if (pub)
		r = maildir_folder_rename(s->pubroot,
		    buf_cstr(from) + sizeof(IMAPD_PUBLIC),
		    buf_cstr(to) + sizeof(IMAPD_PUBLIC), s->why);
	else
		r = maildir_folder_rename(
		    s->root, buf_cstr(from), buf_cstr(to), s->why);
	if (r < 0) {
		if (errno == EEXIST)
			imapd_tagged(s, "NO", "[ALREADYEXISTS] Target exists");
		else if (errno == EINVAL)
			imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		else {
			log_warn("%s: rename %s: %s", s->user, buf_cstr(from),
			    buf_cstr(s->why));
			imapd_tagged(s, "NO", "[SERVERBUG] Cannot rename it");
		}
		goto done;
	}
	/* subscriptions follow the folders */
	if (!maildir_is_inbox(buf_cstr(from))) {
		bool changed = false;

		subs_read(s, &subs);
		flen = buf_len(from);
		for (size_t i = 0; i < subs.n; i++) {
			const char *n = subs.v[i];

			if (strncmp(n, buf_cstr(from), flen) == 0
			    && (n[flen] == 0 || n[flen] == IMAPD_DELIM)) {
				buf_reset(d);
				buf_printf(d, "%s%s", buf_cstr(to), n + flen);
				strv_push(&out, buf_cstr(d));
				changed = true;
			} else
				strv_push(&out, n);
		}
		if (changed && subs_write(s, &out) < 0)
			log_warn("%s: %s", s->user, buf_cstr(s->why));
	}
	imapd_tagged(s, "OK", "Rename completed");
done:
	strv_free(&subs);
	strv_free(&out);
	buf_free(&from);
	buf_free(&to);
	buf_free(&d);
}

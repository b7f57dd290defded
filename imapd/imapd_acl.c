/*
 * imapd_acl.c - the public namespace and access control (RFC 4314): where
 * a mailbox name lives on disk, what the logged-in user may do with it,
 * and the ACL commands SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS.
 *
 * Names that begin with "Public." (IMAPD_PUBLIC) are the public folders:
 * "Public.Team.Minutes" is the folder "Team.Minutes" of the Maildir++
 * tree at imapd_public_folder_base, which every account's session can
 * reach. Every other name is a folder of the account's own Maildir. Both
 * go through imapd_folder_dir(), so that SELECT, APPEND, COPY, STATUS and
 * the rest use the same index and UID code for either (one code path).
 *
 * Rights: on its own folders the owner has every right, and they cannot
 * be shared (there is no other-users namespace). A public folder's rights
 * come from its ACL file (lib/mail/mbox_acl.h), inherited from the parent
 * folders and the tree's root when it has none. In a public folder \Seen
 * is each user's own (imapd_seen.c); the other flags are shared, in the
 * Maildir file names.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_cmd.h"
#include "proto/imap_fmt.h"

#include "mail/maildir.h"
#include "mail/mbox_acl.h"

#include "imapd.h"

/* imapd_set_public - the public tree for this session (NULL: none) */
void
imapd_set_public(struct imapd *s, const char *base)
{
	xfree(s->pubroot);
	s->pubroot = base && *base ? xstrdup(base) : NULL;
}

/* imapd_is_public - "Public" or "Public.<something>" */
bool
imapd_is_public(const char *name)
{
	size_t n = sizeof(IMAPD_PUBLIC) - 1;

	return strncmp(name, IMAPD_PUBLIC, n) == 0
	    && (name[n] == 0 || name[n] == IMAPD_DELIM);
}

/* public_sub - the folder name inside the public tree ("" for its root) */
static const char *
public_sub(const char *name)
{
	size_t n = sizeof(IMAPD_PUBLIC) - 1;

	return name[n] ? name + n + 1 : "";
}

/* imapd_folder_dir - the directory of a mailbox name */
int
imapd_folder_dir(
    struct imapd *s, const char *name, struct buf *out, struct buf *why)
{
	if (!imapd_is_public(name))
		return maildir_folder_dir(s->root, name, out, why);
	buf_reset(out);
	if (s->pubroot == NULL || *public_sub(name) == 0) {
		/* the namespace's root is no mailbox */
		if (why) {
			buf_reset(why);
			buf_cats(why, "no such public folder");
		}
		return -1;
	}
	return maildir_folder_dir(s->pubroot, public_sub(name), out, why);
}

/* public_rights - the user's rights on a public folder ("" the root) */
static unsigned
public_rights(struct imapd *s, const char *sub)
{
	struct imap_acl acl = {0};
	unsigned r = 0;

	if (s->pubroot == NULL)
		return 0;
	if (mbox_acl_public(s->pubroot, sub, &acl, NULL, s->why) < 0)
		log_warn("%s: public folder %s: %s (no rights granted)",
		    s->user, *sub ? sub : "root", buf_cstr(s->why));
	else
		r = imap_acl_rights(&acl, s->user);
	imap_acl_free(&acl);
	return r;
}

/* imapd_rights - what this user may do with a mailbox */
unsigned
imapd_rights(struct imapd *s, const char *name)
{
	if (!imapd_is_public(name))
		return IMAP_ACL_ALL;
	return public_rights(s, public_sub(name));
}

/* imapd_rights_parent - the rights on the mailbox that would hold name
 * (for CREATE and a RENAME target: the "k" right) */
unsigned
imapd_rights_parent(struct imapd *s, const char *name)
{
	char *copy, *dot;
	unsigned r;

	if (!imapd_is_public(name))
		return IMAP_ACL_ALL;
	copy = xstrdup(public_sub(name));
	if ((dot = strrchr(copy, IMAPD_DELIM)) != NULL)
		*dot = 0;
	else
		*copy = 0;
	r = public_rights(s, copy);
	free(copy);
	return r;
}

/* imapd_no_access - the tagged NO for a missing right; without "l" (and
 * "r") the mailbox's existence is not revealed (RFC 4314 4) */
void
imapd_no_access(struct imapd *s, unsigned rights, const char *what)
{
	if (!(rights & (IMAP_ACL_LOOKUP | IMAP_ACL_READ)))
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
	else
		imapd_tagged(s, "NO", "[NOPERM] Permission denied: %s", what);
}

/* acl_out - "* ACL name id rights ..." */
static void
acl_out(struct imapd *s, const char *name, const struct imap_acl *acl)
{
	buf_reset(s->r);
	buf_cats(s->r, "* ACL ");
	imapd_name_out(s, name, s->r);
	for (size_t i = 0; i < acl->n; i++) {
		struct buf *r = buf_new(16);

		imap_rights_out(acl->v[i].rights, true, r);
		buf_catc(s->r, ' ');
		imap_fmt_astring(s->r, acl->v[i].id, s->utf8);
		buf_catc(s->r, ' ');
		imap_fmt_astring(s->r, buf_cstr(r), false);
		buf_free(&r);
	}
	buf_cats(s->r, "\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
}

/* acl_change - SETACL and DELETEACL on a public folder */
static void
acl_change(struct imapd *s, const char *name, const char *dir)
{
	struct imap_cmd *c = &s->cmd;
	struct imap_acl acl = {0};
	const struct imap_acl_entry *e;
	unsigned rights = 0;

	/* the folder's own list, or the inherited one it will replace */
	if (mbox_acl_public(s->pubroot, public_sub(name), &acl, NULL, s->why)
	    < 0) {
		log_warn("%s: %s", s->user, buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot read the ACL");
		goto out;
	}
	if (c->id == IMAP_CMD_SETACL) {
		e = imap_acl_find(&acl, c->acl_id);
		if (imap_rights_modify(
		        c->acl_rights, e ? e->rights : 0, &rights, s->why)
		    < 0) {
			imapd_tagged(s, "BAD", "%s", buf_cstr(s->why));
			goto out;
		}
	}
	if (imap_acl_set(&acl, c->acl_id, rights, s->why) < 0) {
		imapd_tagged(s, "NO", "[LIMIT] %s", buf_cstr(s->why));
		goto out;
	}
	if (mbox_acl_save(dir, &acl, s->why) < 0) {
		log_warn("%s: %s", s->user, buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot save the ACL");
		goto out;
	}
	log_info("%s: %s %s %s %s", s->user, c->name, name, c->acl_id,
	    c->acl_rights ? c->acl_rights : "");
	imapd_tagged(s, "OK", "%s completed", c->name);
out:
	imap_acl_free(&acl);
}

/* imapd_cmd_acl - SETACL, DELETEACL, GETACL, LISTRIGHTS, MYRIGHTS */
void
imapd_cmd_acl(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;
	struct buf *name = buf_new(64), *dir = buf_new(256), *r = buf_new(32);
	bool pub;
	unsigned rights;

	if (imapd_name_in(s, c->mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	pub = imapd_is_public(buf_cstr(name));
	rights = imapd_rights(s, buf_cstr(name));
	if (imapd_folder_dir(s, buf_cstr(name), dir, NULL) < 0
	    || !maildir_exists(buf_cstr(dir))
	    || !(rights
	        & (IMAP_ACL_LOOKUP | IMAP_ACL_READ | IMAP_ACL_INSERT
	            | IMAP_ACL_CREATE | IMAP_ACL_DELMBOX | IMAP_ACL_ADMIN))) {
		imapd_tagged(s, "NO", "[NONEXISTENT] Mailbox does not exist");
		goto out;
	}
	if (c->id == IMAP_CMD_MYRIGHTS) {
		imap_rights_out(rights, true, r);
		buf_reset(s->r);
		buf_cats(s->r, "* MYRIGHTS ");
		imapd_name_out(s, buf_cstr(name), s->r);
		buf_catc(s->r, ' ');
		imap_fmt_astring(s->r, buf_cstr(r), false);
		buf_cats(s->r, "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
		imapd_tagged(s, "OK", "Myrights completed");
		goto out;
	}
	if (!(rights & IMAP_ACL_ADMIN)) {
		imapd_no_access(s, rights, "you lack the administer right");
		goto out;
	}
	switch (c->id) {
	case IMAP_CMD_GETACL:
		if (pub) {
			struct imap_acl acl = {0};

			if (mbox_acl_public(s->pubroot,
			        public_sub(buf_cstr(name)), &acl, NULL, s->why)
			    < 0)
				log_warn("%s: %s", s->user, buf_cstr(s->why));
			acl_out(s, buf_cstr(name), &acl);
			imap_acl_free(&acl);
		} else {
			struct imap_acl acl = {0};

			(void)imap_acl_set(&acl, s->user, IMAP_ACL_ALL, NULL);
			acl_out(s, buf_cstr(name), &acl);
			imap_acl_free(&acl);
		}
		imapd_tagged(s, "OK", "Getacl completed");
		break;
	case IMAP_CMD_LISTRIGHTS:
		/* RFC 4314 3.5: the rights always granted, then each right
		 * that may be granted on its own (RIGHTS=texk: all of them) */
		buf_reset(s->r);
		buf_cats(s->r, "* LISTRIGHTS ");
		imapd_name_out(s, buf_cstr(name), s->r);
		buf_catc(s->r, ' ');
		imap_fmt_astring(s->r, c->acl_id, s->utf8);
		if (pub)
			buf_cats(s->r, " \"\" l r s w i p k x t e a c d");
		else if (strcasecmp(c->acl_id, s->user) == 0)
			buf_cats(s->r, " " IMAP_ACL_RIGHTS);
		else
			buf_cats(s->r, " \"\"");
		buf_cats(s->r, "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
		imapd_tagged(s, "OK", "Listrights completed");
		break;
	case IMAP_CMD_SETACL:
	case IMAP_CMD_DELETEACL:
		if (!pub) {
			imapd_tagged(s, "NO",
			    "[CANNOT] Personal mailboxes cannot be shared; use "
			    "the " IMAPD_PUBLIC " folders");
			break;
		}
		acl_change(s, buf_cstr(name), buf_cstr(dir));
		break;
	default:
		ASSERT(0);
	}
out:
	buf_free(&name);
	buf_free(&dir);
	buf_free(&r);
}

/*
 * gannet_public.c - `gannet public`: the public IMAP folders that several
 * accounts share (imapd(8), "Public." namespace) and their access control
 * lists (RFC 4314 rights).
 *
 *   public add FOLDER [IDENTIFIER RIGHTS]...   create a folder, with an ACL
 *   public del FOLDER                          delete it and its messages
 *   public acl FOLDER                          show the ACL in force
 *   public acl FOLDER IDENTIFIER RIGHTS        set (+RIGHTS adds, -RIGHTS
 *                                              takes away)
 *   public acl FOLDER --delete IDENTIFIER      remove an entry
 *   public list                                every folder and its rights
 *
 * FOLDER is "Team" or "Public.Team" (sub-folders "Team.Minutes"); the
 * FOLDER "Public" alone stands for the root: its ACL is the default of
 * every public folder that has none of its own. Files are written as
 * vmail_owner, as imapd writes them, through lib/mail/mbox_acl.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_utf7.h"

#include "mail/maildir.h"
#include "mail/mbox_acl.h"
#include "mail/params.h"
#include "mail/params_imapd.h"

#include "gannet.h"

static const char public_usage[] =
    "public add FOLDER [IDENTIFIER RIGHTS]...\n"
    "       gannet public del FOLDER\n"
    "       gannet public acl FOLDER [IDENTIFIER RIGHTS]\n"
    "       gannet public acl FOLDER --delete IDENTIFIER\n"
    "       gannet public list";

/* public_become_vmail - as root, become vmail_owner for good: the public
 * tree belongs to the mail store's user, and files we create must be
 * readable by imapd. (A tool, not a daemon: service_drop_privs() is for
 * the daemons' skeleton.) */
static void
public_become_vmail(void)
{
	struct passwd *pw;

	if (getuid() != 0)
		return;
	if ((pw = getpwnam(var_vmail_owner)) == NULL)
		log_fatal(
		    "public: vmail_owner %s does not exist", var_vmail_owner);
	if (setgroups(1, &pw->pw_gid) < 0
	    || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) < 0
	    || setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) < 0)
		log_fatal("public: become %s: %m", var_vmail_owner);
}

/* public_base - the root of the tree, made when missing */
static const char *
public_base(void)
{
	struct buf *why = buf_new(64);

	if (*var_imapd_public_folder_base == 0)
		log_fatal("public: imapd_public_folder_base is empty: public "
		          "folders are turned off");
	public_become_vmail();
	if (mbox_public_prepare(var_imapd_public_folder_base, why) < 0)
		log_fatal("public: %s: %s", var_imapd_public_folder_base,
		    buf_cstr(why));
	buf_free(&why);
	return var_imapd_public_folder_base;
}

/* public_name - FOLDER into the on-disk name inside the tree ("" for the
 * root when root_ok); fatal when it is no valid folder name */
static void
public_name(const char *cmd, const char *arg, bool root_ok, struct buf *out)
{
	struct buf *why = buf_new(64);
	size_t n = strlen(MBOX_PUBLIC_PREFIX);

	buf_reset(out);
	if (strcmp(arg, MBOX_PUBLIC_NAME) == 0) {
		if (!root_ok)
			log_fatal(
			    "%s: %s is the namespace, not a folder", cmd, arg);
		buf_free(&why);
		return;
	}
	if (strncmp(arg, MBOX_PUBLIC_PREFIX, n) == 0)
		arg += n;
	/* names are given in UTF-8 and kept in modified UTF-7 */
	if (imap_utf7_encode(arg, strlen(arg), out) < 0)
		log_fatal("%s: folder name is not valid UTF-8", cmd);
	if (!maildir_folder_valid(buf_cstr(out), why))
		log_fatal(
		    "%s: bad folder name \"%s\": %s", cmd, arg, buf_cstr(why));
	buf_free(&why);
}

/* public_dir - the directory of a folder ("" the root) */
static void
public_dir(const char *base, const char *name, struct buf *out)
{
	if (*name == 0)
		buf_sets(out, base);
	else
		maildir_folder_dir(base, name, out, NULL);
}

/* public_acl_print - "  identifier rights" lines */
static void
public_acl_print(const struct imap_acl *acl)
{
	struct buf *r = buf_new(16);

	if (acl->n == 0)
		printf("  (no rights for anyone)\n");
	for (size_t i = 0; i < acl->n; i++) {
		buf_reset(r);
		imap_rights_out(acl->v[i].rights, false, r);
		printf("  %-32s %s\n", acl->v[i].id, buf_cstr(r));
	}
	buf_free(&r);
}

/* public_show - the ACL in force for one folder and where it is from */
static void
public_show(const char *base, const char *name)
{
	struct imap_acl acl = {0};
	struct buf *why = buf_new(64);
	char *from = NULL;

	if (mbox_acl_public(base, name, &acl, &from, why) < 0)
		log_fatal("public acl: %s", buf_cstr(why));
	printf("%s%s%s", MBOX_PUBLIC_NAME, *name ? "." : "", name);
	if (from == NULL)
		printf(" (no ACL anywhere)\n");
	else if (strcmp(from, name) == 0)
		printf("\n");
	else
		printf(" (inherited from %s%s%s)\n", MBOX_PUBLIC_NAME,
		    *from ? "." : "", from);
	public_acl_print(&acl);
	free(from);
	imap_acl_free(&acl);
	buf_free(&why);
}

/* public_set - change one entry of a folder's own ACL (it starts as a
 * copy of the inherited one) */
static void
public_set(const char *base, const char *name, const char *id, const char *mod)
{
	struct imap_acl acl = {0};
	struct buf *why = buf_new(64), *dir = buf_new(256);
	const struct imap_acl_entry *e;
	unsigned r = 0;

	public_dir(base, name, dir);
	if (*name && !maildir_exists(buf_cstr(dir)))
		log_fatal("public acl: no public folder %s", name);
	if (mbox_acl_public(base, name, &acl, NULL, why) < 0)
		log_fatal("public acl: %s", buf_cstr(why));
	if (!imap_acl_id_valid(id, why))
		log_fatal(
		    "public acl: bad identifier \"%s\": %s", id, buf_cstr(why));
	e = imap_acl_find(&acl, id);
	if (mod && imap_rights_modify(mod, e ? e->rights : 0, &r, why) < 0)
		log_fatal("public acl: bad rights \"%s\": %s (rights are "
		          "letters of %s)",
		    mod, buf_cstr(why), IMAP_ACL_RIGHTS);
	if (imap_acl_set(&acl, id, r, why) < 0
	    || mbox_acl_save(buf_cstr(dir), &acl, why) < 0)
		log_fatal("public acl: %s", buf_cstr(why));
	imap_acl_free(&acl);
	buf_free(&why);
	buf_free(&dir);
}

/* public_add - a new folder and its first entries */
static void
public_add(const char *base, const char *name, int argc, char **argv)
{
	struct buf *why = buf_new(64);

	if (argc % 2 != 1)
		gannet_usage_error(public_usage);
	if (maildir_folder_create(base, name, why) < 0) {
		if (errno == EEXIST)
			log_fatal("public add: %s%s already exists",
			    MBOX_PUBLIC_PREFIX, name);
		log_fatal("public add: %s", buf_cstr(why));
	}
	for (int i = 3; i + 1 < argc; i += 2)
		public_set(base, name, argv[i], argv[i + 1]);
	printf("gannet: public folder %s%s added\n", MBOX_PUBLIC_PREFIX, name);
	public_show(base, name);
	buf_free(&why);
}

/* public_list - every folder and its rights */
static void
public_list(const char *base)
{
	struct strv names;
	struct buf *why = buf_new(64);

	strv_init(&names);
	if (maildir_folder_list(base, &names, why) < 0)
		log_fatal("public list: %s", buf_cstr(why));
	public_show(base, "");
	for (size_t i = 0; i < names.n; i++)
		public_show(base, names.v[i]);
	strv_free(&names);
	buf_free(&why);
}

/* gannet_cmd_public - `gannet public ...` */
int
gannet_cmd_public(int argc, char **argv)
{
	struct buf *name = buf_new(64), *why = buf_new(64);
	const char *sub = argc > 1 ? argv[1] : "", *base;

	gannet_load_config();
	if (strcmp(sub, "list") == 0 && argc == 2) {
		public_list(public_base());
	} else if (argc < 3) {
		gannet_usage_error(public_usage);
	} else if (strcmp(sub, "add") == 0) {
		public_name("public add", argv[2], false, name);
		public_add(public_base(), buf_cstr(name), argc, argv);
	} else if (strcmp(sub, "del") == 0 && argc == 3) {
		public_name("public del", argv[2], false, name);
		base = public_base();
		public_dir(base, buf_cstr(name), why);
		if (!maildir_exists(buf_cstr(why)))
			log_fatal("public del: no public folder %s%s",
			    MBOX_PUBLIC_PREFIX, buf_cstr(name));
		if (maildir_folder_delete(base, buf_cstr(name), why) < 0)
			log_fatal("public del: %s", buf_cstr(why));
		printf("gannet: public folder %s%s deleted\n",
		    MBOX_PUBLIC_PREFIX, buf_cstr(name));
	} else if (strcmp(sub, "acl") == 0 && (argc == 3 || argc == 5)) {
		public_name("public acl", argv[2], true, name);
		base = public_base();
		if (argc == 5 && strcmp(argv[3], "--delete") == 0)
			public_set(base, buf_cstr(name), argv[4], NULL);
		else if (argc == 5)
			public_set(base, buf_cstr(name), argv[3], argv[4]);
		public_show(base, buf_cstr(name));
	} else {
		gannet_usage_error(public_usage);
	}
	buf_free(&name);
	buf_free(&why);
	return 0;
}

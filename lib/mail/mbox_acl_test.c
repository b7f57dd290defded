/*
 * mbox_acl_test.c - ACL files on disk: save and load, a bad file grants
 * nothing, and a public folder inherits from its parents and the root.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "proto/imap_acl.h"

#include "mail/maildir.h"
#include "mail/mbox_acl.h"

#include "tests/t.h"

int
main(void)
{
	struct buf *base = buf_new(256), *dir = buf_new(256),
	           *why = buf_new(64), *t = buf_new(256);
	struct imap_acl acl = {0};
	char *from = NULL;

	t_quiet_log();
	buf_printf(base, "%s/public", t_tmpdir());

	t_begin("the root is made once");
	T_INTEQ(mbox_public_prepare(buf_cstr(base), why), 0);
	T_ASSERT(maildir_exists(buf_cstr(base)));
	T_INTEQ(mbox_public_prepare(buf_cstr(base), why), 0);
	T_INTEQ(maildir_folder_create(buf_cstr(base), "Team", why), 0);
	T_INTEQ(maildir_folder_create(buf_cstr(base), "Team.Sub", why), 0);

	t_begin("no file anywhere: nobody has a right");
	T_INTEQ(
	    mbox_acl_public(buf_cstr(base), "Team.Sub", &acl, &from, why), 0);
	T_INTEQ(acl.n, 0);
	T_ASSERT(from == NULL);

	t_begin("the root's ACL is the default");
	T_INTEQ(imap_acl_set(&acl, "anyone", IMAP_ACL_LOOKUP, why), 0);
	T_INTEQ(mbox_acl_save(buf_cstr(base), &acl, why), 0);
	T_INTEQ(
	    mbox_acl_public(buf_cstr(base), "Team.Sub", &acl, &from, why), 0);
	T_STREQ(from, "");
	free(from);
	T_INTEQ(imap_acl_rights(&acl, "bob"), IMAP_ACL_LOOKUP);

	t_begin("the nearest parent's ACL wins");
	maildir_folder_dir(buf_cstr(base), "Team", dir, why);
	T_INTEQ(imap_acl_set(&acl, "bob", IMAP_ACL_ALL, why), 0);
	T_INTEQ(mbox_acl_save(buf_cstr(dir), &acl, why), 0);
	T_INTEQ(
	    mbox_acl_public(buf_cstr(base), "Team.Sub", &acl, &from, why), 0);
	T_STREQ(from, "Team");
	free(from);
	T_INTEQ(imap_acl_rights(&acl, "bob"), IMAP_ACL_ALL);
	T_INTEQ(mbox_acl_load(buf_cstr(dir), &acl, why), 1);
	T_INTEQ(acl.n, 2);

	t_begin("a bad file grants nothing");
	buf_printf(dir, "/" MBOX_ACL_FILE);
	T_INTEQ(file_write_atomic(buf_cstr(dir), "bob lrz\n", 8, 0600, why), 0);
	T_INTEQ(
	    mbox_acl_public(buf_cstr(base), "Team.Sub", &acl, NULL, why), -1);
	T_INTEQ(acl.n, 0);
	T_ASSERT(strstr(buf_cstr(why), "line 1: Unknown right") != NULL);

	t_begin("remove: inherit again");
	maildir_folder_dir(buf_cstr(base), "Team", dir, why);
	T_INTEQ(mbox_acl_remove(buf_cstr(dir), why), 0);
	T_INTEQ(mbox_acl_remove(buf_cstr(dir), why), 0);
	T_INTEQ(mbox_acl_load(buf_cstr(dir), &acl, why), 0);
	T_INTEQ(mbox_acl_public(buf_cstr(base), "Team", &acl, NULL, why), 0);
	T_INTEQ(imap_acl_rights(&acl, "bob"), IMAP_ACL_LOOKUP);

	imap_acl_free(&acl);
	buf_free(&base);
	buf_free(&dir);
	buf_free(&why);
	buf_free(&t);
	return t_end();
}

/*
 * mbox_acl.c - mailbox ACL files and the public folder tree; see
 * mbox_acl.h. A file that cannot be parsed grants nothing: a mistake in
 * an ACL must close a folder, never open it.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"

#include "mail/maildir.h"
#include "mail/mbox_acl.h"

/* mbox_acl_load - one directory's file */
int
mbox_acl_load(const char *dir, struct imap_acl *acl, struct buf *why)
{
	struct buf *p = buf_new(256), *t = buf_new(256), *w = buf_new(64);
	int ret = -1;

	imap_acl_free(acl);
	buf_printf(p, "%s/" MBOX_ACL_FILE, dir);
	if (file_read(buf_cstr(p), MBOX_ACL_FILE_MAX, t, w) < 0) {
		if (errno == ENOENT) {
			ret = 0;
			goto out;
		}
		buf_reset(why);
		buf_printf(why, "%s: %s", buf_cstr(p), buf_cstr(w));
		goto out;
	}
	if (imap_acl_parse(buf_cstr(t), buf_len(t), acl, w) < 0) {
		imap_acl_free(acl);
		buf_reset(why);
		buf_printf(why, "%s: %s", buf_cstr(p), buf_cstr(w));
		goto out;
	}
	ret = 1;
out:
	buf_free(&p);
	buf_free(&t);
	buf_free(&w);
	return ret;
}

/* mbox_acl_save - atomically */
int
mbox_acl_save(const char *dir, const struct imap_acl *acl, struct buf *why)
{
	struct buf *p = buf_new(256), *t = buf_new(256);
	int r;

	buf_cats(t, "# RFC 4314 access control list: identifier rights\n");
	imap_acl_format(acl, t);
	buf_printf(p, "%s/" MBOX_ACL_FILE, dir);
	r = file_write_atomic(buf_cstr(p), buf_cstr(t), buf_len(t), 0600, why);
	buf_free(&p);
	buf_free(&t);
	return r;
}

/* mbox_acl_remove - back to inheriting */
int
mbox_acl_remove(const char *dir, struct buf *why)
{
	struct buf *p = buf_new(256);
	int r = 0;

	buf_printf(p, "%s/" MBOX_ACL_FILE, dir);
	if (unlink(buf_cstr(p)) < 0 && errno != ENOENT) {
		buf_reset(why);
		buf_printf(why, "remove %s: %s", buf_cstr(p), strerror(errno));
		r = -1;
	} else
		(void)file_fsync_dir(dir);
	buf_free(&p);
	return r;
}

/* mbox_acl_public - own, parent's, ..., root's */
int
mbox_acl_public(const char *base, const char *folder, struct imap_acl *acl,
    char **from_out, struct buf *why)
{
	char *name = xstrdup(folder);
	struct buf *dir = buf_new(256);
	int ret = 0;

	if (from_out)
		*from_out = NULL;
	for (;;) {
		char *dot;
		int r;

		if (*name == 0)
			buf_sets(dir, base);
		else if (maildir_folder_dir(base, name, dir, why) < 0) {
			ret = -1;
			break;
		}
		r = mbox_acl_load(buf_cstr(dir), acl, why);
		if (r != 0) {
			ret = r < 0 ? -1 : 0;
			if (r > 0 && from_out)
				*from_out = xstrdup(name);
			break;
		}
		if (*name == 0)
			break; /* no file anywhere */
		if ((dot = strrchr(name, '.')) != NULL)
			*dot = 0;
		else
			*name = 0;
	}
	free(name);
	buf_free(&dir);
	return ret;
}

/* mbox_public_prepare - the root of the public tree */
int
mbox_public_prepare(const char *base, struct buf *why)
{
	struct buf *p = buf_new(256);
	int r = 0;

	if (!maildir_exists(base)) {
		file_dirname(base, p);
		if (file_mkdirs(buf_cstr(p), 0700, why) < 0
		    || maildir_make(base, false, why) < 0)
			r = -1;
	}
	buf_free(&p);
	return r;
}

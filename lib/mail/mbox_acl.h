/*
 * mbox_acl.h - where mailbox ACLs (RFC 4314) live on disk, and the public
 * folders they guard. imapd(8) and `gannet public` both read and write
 * them through here, so that the two always agree on the format and on
 * inheritance.
 *
 * The ACL of a folder is the file "gannet-acl" in the folder's Maildir
 * directory (the text form of proto/imap_acl.h), replaced atomically
 * (temporary file, fsync, rename). The public folders are a Maildir++
 * tree of their own (imapd_public_folder_base); a public folder without
 * its own file takes the ACL of its nearest parent that has one, and in
 * the end that of the tree's root, "<base>/gannet-acl": the default for
 * every public folder. No file anywhere: nobody has any right.
 */
#ifndef MAIL_MBOX_ACL_H
#define MAIL_MBOX_ACL_H
#include "util/sys_defs.h"

#include "proto/imap_acl.h"

struct buf;

/* IMAP's name of the public tree: its folders are "Public.<folder>" */
#define MBOX_PUBLIC_NAME   "Public"
#define MBOX_PUBLIC_PREFIX "Public."

#define MBOX_ACL_FILE     "gannet-acl"
#define MBOX_ACL_FILE_MAX (1 << 20) /* bytes in one ACL file */

/* mbox_acl_load - dir's own ACL into acl (freed first): 1 when there is
 * a file, 0 when there is none (acl empty), -1 with why when it cannot be
 * read or is malformed (acl empty: no rights) */
int mbox_acl_load(const char *dir, struct imap_acl *acl, struct buf *why);
/* mbox_acl_save - replace dir's ACL file; 0 or -1 with why */
int mbox_acl_save(const char *dir, const struct imap_acl *acl, struct buf *why);
/* mbox_acl_remove - remove dir's own ACL file (it inherits again); 0 or
 * -1 with why; no file is fine */
int mbox_acl_remove(const char *dir, struct buf *why);
/* mbox_acl_public - the ACL in force for the public folder `folder`
 * (on-disk name; "" is the root) under base: its own, else the nearest
 * parent's, else the root's. *from_out (may be NULL) gets the folder
 * name whose file it came from ("" for the root, NULL for none). 0, or -1
 * with why after a bad file (acl empty). */
int mbox_acl_public(const char *base, const char *folder, struct imap_acl *acl,
    char **from_out, struct buf *why);
/* mbox_public_prepare - make base (and its parents) a Maildir, mode
 * 0700, when it does not exist; 0 or -1 with why */
int mbox_public_prepare(const char *base, struct buf *why);

#endif /* MAIL_MBOX_ACL_H */

/*
 * imap_acl.h - IMAP access control lists (RFC 4314): rights strings,
 * identifiers, and the ACL of one mailbox as a list of (identifier,
 * rights) entries, with the text form it is kept in on disk.
 *
 * Pure: no I/O, so that the parser of what clients send (SETACL's rights
 * and identifiers) and of what is on disk can be fuzzed and unit-tested.
 * Rights are a bit set of the eleven standard rights "lrswipkxtea"; the
 * obsolete RFC 2086 rights "c" and "d" are accepted on input (c = k x,
 * d = t e, RFC 4314 2.1.1) and added on output for old clients.
 *
 * An identifier is "anyone", "authenticated" (every logged-in user, so
 * the same as anyone here), or an account name; one that begins with "-"
 * holds negative rights (RFC 4314 2): they are taken away from whatever
 * the positive entries grant.
 *
 * The file form is one entry a line, "identifier rights", with blank
 * lines and "#" comments allowed: an administrator can read and edit it.
 */
#ifndef PROTO_IMAP_ACL_H
#define PROTO_IMAP_ACL_H
#include "util/sys_defs.h"

struct buf;

/* The standard rights, in RFC 4314's order. */
#define IMAP_ACL_RIGHTS  "lrswipkxtea"
#define IMAP_ACL_LOOKUP  0x001u /* l: LIST shows it, SUBSCRIBE */
#define IMAP_ACL_READ    0x002u /* r: SELECT, EXAMINE, STATUS, FETCH */
#define IMAP_ACL_SEEN    0x004u /* s: keep \Seen */
#define IMAP_ACL_WRITE   0x008u /* w: the other flags and keywords */
#define IMAP_ACL_INSERT  0x010u /* i: APPEND, COPY/MOVE into */
#define IMAP_ACL_POST    0x020u /* p: send mail to it (kept, unused) */
#define IMAP_ACL_CREATE  0x040u /* k: CREATE below it, RENAME into it */
#define IMAP_ACL_DELMBOX 0x080u /* x: DELETE it, RENAME it */
#define IMAP_ACL_DELMSG  0x100u /* t: set or clear \Deleted */
#define IMAP_ACL_EXPUNGE 0x200u /* e: EXPUNGE, expunge on CLOSE */
#define IMAP_ACL_ADMIN   0x400u /* a: SETACL, DELETEACL, GETACL... */
#define IMAP_ACL_ALL     0x7ffu

#define IMAP_ACL_ID_MAX      255  /* bytes in an identifier */
#define IMAP_ACL_ENTRIES_MAX 1000 /* entries in one ACL */

struct imap_acl_entry {
	char *id; /* as given, "-" first for negative rights */
	unsigned rights;
};

struct imap_acl {
	struct imap_acl_entry *v;
	size_t n;
};

/* imap_rights_parse - a rights string ("lrs", "" allowed) into *out;
 * c and d stand for their RFC 4314 members. 0, or -1 with why for a
 * letter that is not a right (RFC 4314 3.1: such a SETACL is BAD). */
int imap_rights_parse(const char *s, unsigned *out, struct buf *why);
/* imap_rights_modify - SETACL's mod-rights: "+rights" adds to old,
 * "-rights" takes away from old, plain rights replace it; 0 or -1 */
int imap_rights_modify(
    const char *mod, unsigned old, unsigned *out, struct buf *why);
/* imap_rights_out - the letters of rights appended to out, in the
 * standard order; with compat also "c" (for k or x) and "d" (for t or
 * e), which RFC 4314 2.1.1 asks of ACL and MYRIGHTS responses */
void imap_rights_out(unsigned rights, bool compat, struct buf *out);

/* imap_acl_id_valid - an identifier we accept: 1 to IMAP_ACL_ID_MAX
 * bytes, no space, control character or DEL, not "-" alone, not
 * beginning with "#" (the file's comments). false with why otherwise. */
bool imap_acl_id_valid(const char *id, struct buf *why);

/* imap_acl_parse - the file form into out (cleared first); 0, or -1
 * with "line N: what" in why. out is valid (and must be freed) in either
 * case. */
int imap_acl_parse(
    const char *text, size_t len, struct imap_acl *out, struct buf *why);
/* imap_acl_format - the file form of acl, appended to out */
void imap_acl_format(const struct imap_acl *acl, struct buf *out);
/* imap_acl_find - the entry of exactly id (case-insensitive), or NULL */
const struct imap_acl_entry *imap_acl_find(
    const struct imap_acl *acl, const char *id);
/* imap_acl_set - set id's rights (added at the end when new); rights 0
 * removes the entry. -1 (and nothing changed) when id is not valid or
 * the list is full. */
int imap_acl_set(
    struct imap_acl *acl, const char *id, unsigned rights, struct buf *why);
/* imap_acl_rights - what user (an account name) may do: the union of
 * the positive entries that name it, anyone or authenticated, less the
 * union of the negative ones */
unsigned imap_acl_rights(const struct imap_acl *acl, const char *user);
/* imap_acl_copy - dst (freed first) becomes a copy of src */
void imap_acl_copy(struct imap_acl *dst, const struct imap_acl *src);
/* imap_acl_free - free the entries; the acl is empty and reusable */
void imap_acl_free(struct imap_acl *acl);

#endif /* PROTO_IMAP_ACL_H */

/*
 * imap_acl.c - RFC 4314 rights and access control lists, in memory and
 * in their text form. See imap_acl.h. Everything here may see a client's
 * bytes (SETACL) or a hand-edited file, so every input is checked and
 * bounded; nothing here reads or writes files.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"

/* What RFC 2086's "c" (create) and "d" (delete) became in RFC 4314
 * (2.1.1): "c" the mailbox rights k and x, "d" the message rights t and
 * e. (Dovecot maps them the same way.) */
#define IMAP_ACL_C (IMAP_ACL_CREATE | IMAP_ACL_DELMBOX)
#define IMAP_ACL_D (IMAP_ACL_DELMSG | IMAP_ACL_EXPUNGE)

/* why_set - a reason, when the caller wants one */
static void
why_set(struct buf *why, const char *what)
{
	if (why != NULL)
		buf_sets(why, what);
}

/* right_bit - the bit of one right letter; 0 when it is none */
static unsigned
right_bit(int c)
{
	const char *p;

	if (c == 'c')
		return IMAP_ACL_C;
	if (c == 'd')
		return IMAP_ACL_D;
	if (c == 0 || (p = strchr(IMAP_ACL_RIGHTS, c)) == NULL)
		return 0;
	return 1u << (p - IMAP_ACL_RIGHTS);
}

/* imap_rights_parse - letters into bits */
int
imap_rights_parse(const char *s, unsigned *out, struct buf *why)
{
	unsigned r = 0;

	for (; *s; s++) {
		unsigned b = right_bit((unsigned char)*s);

		if (b == 0) {
			if (why != NULL) {
				buf_reset(why);
				if (*s > 0x20 && *s < 0x7f)
					buf_printf(
					    why, "Unknown right \"%c\"", *s);
				else
					buf_cats(why, "Unknown right");
			}
			return -1;
		}
		r |= b;
	}
	*out = r;
	return 0;
}

/* imap_rights_modify - "+x", "-x" or "x" */
int
imap_rights_modify(
    const char *mod, unsigned old, unsigned *out, struct buf *why)
{
	unsigned r;

	if (*mod == '+' || *mod == '-') {
		if (imap_rights_parse(mod + 1, &r, why) < 0)
			return -1;
		*out = *mod == '+' ? (old | r) : (old & ~r);
		return 0;
	}
	if (imap_rights_parse(mod, &r, why) < 0)
		return -1;
	*out = r;
	return 0;
}

/* imap_rights_out - bits into letters */
void
imap_rights_out(unsigned rights, bool compat, struct buf *out)
{
	for (size_t i = 0; IMAP_ACL_RIGHTS[i]; i++)
		if (rights & (1u << i))
			buf_catc(out, IMAP_ACL_RIGHTS[i]);
	if (compat && (rights & IMAP_ACL_C))
		buf_catc(out, 'c');
	if (compat && (rights & IMAP_ACL_D))
		buf_catc(out, 'd');
}

/* imap_acl_id_valid - a safe identifier */
bool
imap_acl_id_valid(const char *id, struct buf *why)
{
	size_t n = strlen(id);

	if (n == 0 || (n == 1 && id[0] == '-')) {
		why_set(why, "Empty identifier");
		return false;
	}
	if (n > IMAP_ACL_ID_MAX) {
		why_set(why, "Identifier too long");
		return false;
	}
	if (id[0] == '#') {
		why_set(why, "Identifier begins with #");
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (c <= 0x20 || c == 0x7f) {
			why_set(why,
			    "Identifier holds a space or control "
			    "character");
			return false;
		}
	}
	return true;
}

/* imap_acl_find - exact (case-insensitive) identifier */
const struct imap_acl_entry *
imap_acl_find(const struct imap_acl *acl, const char *id)
{
	for (size_t i = 0; i < acl->n; i++)
		if (strcasecmp(acl->v[i].id, id) == 0)
			return &acl->v[i];
	return NULL;
}

/* imap_acl_set - add, change or remove one entry */
int
imap_acl_set(
    struct imap_acl *acl, const char *id, unsigned rights, struct buf *why)
{
	struct imap_acl_entry *e =
	    (struct imap_acl_entry *)imap_acl_find(acl, id);

	if (!imap_acl_id_valid(id, why))
		return -1;
	if (e != NULL && rights == 0) {
		size_t i = (size_t)(e - acl->v);

		free(e->id);
		memmove(&acl->v[i], &acl->v[i + 1],
		    (acl->n - i - 1) * sizeof(*acl->v));
		acl->n--;
		return 0;
	}
	if (e != NULL) {
		e->rights = rights & IMAP_ACL_ALL;
		return 0;
	}
	if (rights == 0)
		return 0;
	if (acl->n >= IMAP_ACL_ENTRIES_MAX) {
		why_set(why, "Too many entries in the access control list");
		return -1;
	}
	acl->v = xreallocarray(acl->v, acl->n + 1, sizeof(*acl->v));
	acl->v[acl->n].id = xstrdup(id);
	acl->v[acl->n].rights = rights & IMAP_ACL_ALL;
	acl->n++;
	return 0;
}

/* id_names - does identifier name (without its "-") cover user? */
static bool
id_names(const char *name, const char *user)
{
	return strcasecmp(name, "anyone") == 0
	    || strcasecmp(name, "authenticated") == 0
	    || strcasecmp(name, user) == 0;
}

/* imap_acl_rights - positive less negative */
unsigned
imap_acl_rights(const struct imap_acl *acl, const char *user)
{
	unsigned pos = 0, neg = 0;

	for (size_t i = 0; i < acl->n; i++) {
		const char *id = acl->v[i].id;

		if (id[0] == '-') {
			if (id_names(id + 1, user))
				neg |= acl->v[i].rights;
		} else if (id_names(id, user))
			pos |= acl->v[i].rights;
	}
	return pos & ~neg & IMAP_ACL_ALL;
}

/* imap_acl_free - empty it */
void
imap_acl_free(struct imap_acl *acl)
{
	for (size_t i = 0; i < acl->n; i++)
		free(acl->v[i].id);
	free(acl->v);
	acl->v = NULL;
	acl->n = 0;
}

/* imap_acl_copy - a deep copy */
void
imap_acl_copy(struct imap_acl *dst, const struct imap_acl *src)
{
	imap_acl_free(dst);
	if (src->n == 0)
		return;
	dst->v = xcalloc(src->n, sizeof(*dst->v));
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].id = xstrdup(src->v[i].id);
		dst->v[i].rights = src->v[i].rights;
	}
	dst->n = src->n;
}

/* is_blank - space or tab */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* imap_acl_parse - "identifier rights" lines */
int
imap_acl_parse(
    const char *text, size_t len, struct imap_acl *out, struct buf *why)
{
	const char *p = text, *end = text + len;
	struct buf *id = buf_new(64), *rights = buf_new(16), *w = buf_new(64);
	unsigned lineno = 0;
	int ret = -1;

	imap_acl_free(out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *q = p, *s;
		unsigned r;

		lineno++;
		while (e > p && (e[-1] == '\r' || is_blank(e[-1])))
			e--;
		while (q < e && is_blank(*q))
			q++;
		p = nl ? nl + 1 : end;
		if (q == e || *q == '#')
			continue;
		if (memchr(q, 0, (size_t)(e - q)) != NULL) {
			buf_sets(w, "NUL byte");
			goto bad;
		}
		for (s = q; q < e && !is_blank(*q); q++)
			;
		buf_set(id, s, (size_t)(q - s));
		while (q < e && is_blank(*q))
			q++;
		buf_set(rights, q, (size_t)(e - q));
		if (!imap_acl_id_valid(buf_cstr(id), w))
			goto bad;
		if (imap_rights_parse(buf_cstr(rights), &r, w) < 0)
			goto bad;
		if (imap_acl_find(out, buf_cstr(id)) != NULL) {
			buf_reset(w);
			buf_printf(
			    w, "identifier %s listed twice", buf_cstr(id));
			goto bad;
		}
		if (imap_acl_set(out, buf_cstr(id), r, w) < 0)
			goto bad;
	}
	ret = 0;
	goto out;
bad:
	if (why != NULL) {
		buf_reset(why);
		buf_printf(why, "line %u: %s", lineno, buf_cstr(w));
	}
out:
	buf_free(&id);
	buf_free(&rights);
	buf_free(&w);
	return ret;
}

/* imap_acl_format - the file form */
void
imap_acl_format(const struct imap_acl *acl, struct buf *out)
{
	for (size_t i = 0; i < acl->n; i++) {
		buf_printf(out, "%s ", acl->v[i].id);
		imap_rights_out(acl->v[i].rights, false, out);
		buf_catc(out, '\n');
	}
}

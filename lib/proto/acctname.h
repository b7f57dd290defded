/*
 * acctname.h - the names of hosted domains, accounts, aliases and lists,
 * and the login names that mail clients send.
 *
 * Every name an administrator or a client gives is checked here before it
 * becomes a map key or a path: a local part becomes a directory of the
 * mail store ("<domain>/<local>/"), so '/' and a leading '.' can never be
 * part of one. Names are canonical in lower case (local parts and domains
 * are looked up case-insensitively; passwords stay case-sensitive).
 *
 * Login names, as clients send them (SEED MBX-11):
 *   user@domain   the standard form
 *   user%domain   for clients that treat '@' specially (old Netscape,
 *                 Eudora)
 *   user#domain   the same, for clients that dislike both
 *   user          the default domain (auth_default_realm, as Dovecot's
 *                 setting of that name)
 * The separator is the last '@'; without one, the last '%'; without
 * either, the last '#'. Account local parts may not hold any of the
 * three, so no account is unreachable.
 *
 * Pure functions: no I/O, no configuration.
 */
#ifndef PROTO_ACCTNAME_H
#define PROTO_ACCTNAME_H
#include "util/sys_defs.h"

struct buf;

#define ACCTNAME_LOCAL_MAX  64  /* RFC 5321 4.5.3.1.1 */
#define ACCTNAME_DOMAIN_MAX 253 /* RFC 1035, without the root dot */
#define ACCTNAME_ADDR_MAX   (ACCTNAME_LOCAL_MAX + 1 + ACCTNAME_DOMAIN_MAX)

/* acctname_check_domain - a domain that may be hosted: labels of letters,
 * digits and inner hyphens, 1 to 63 each, at least two labels (SEED
 * DOM-04), at most 253 characters, no trailing dot. 0, or -1 with why. */
int acctname_check_domain(const char *domain, struct buf *why);

/* acctname_check_local - the local part of an account, alias or list: a
 * dot-atom of RFC 5322 atext without '/', '%' and '#', 1 to 64
 * characters, no leading, trailing or double dot. 0, or -1 with why. */
int acctname_check_local(const char *local, struct buf *why);

/* acctname_check_address - "local@domain" with both parts as above; with
 * allow_catchall, "@domain" (a catch-all alias) too. 0, or -1 with why. */
int acctname_check_address(
    const char *addr, bool allow_catchall, struct buf *why);

/* acctname_check_target - an address mail may be sent to (alias and
 * forward targets, list members): a dot-atom local part of any atext and
 * a domain of one or more LDH labels (a remote or local destination).
 * 0, or -1 with why. */
int acctname_check_target(const char *addr, struct buf *why);

/* acctname_split - split at the last '@' into local (may be empty: a
 * catch-all) and domain; either output may be NULL. 0, or -1 when there
 * is no '@'. */
int acctname_split(const char *addr, struct buf *local, struct buf *domain);

/* acctname_lower - the lower-case (ASCII) copy of s into out (reset) */
void acctname_lower(const char *s, struct buf *out);

/* acctname_login - the canonical account address ("local@domain", lower
 * case) of a login name of len bytes as a client sent it (may hold any
 * byte). default_domain qualifies a bare name (NULL or "": a bare name is
 * refused). out is reset. 0, or -1 with why. */
int acctname_login(const char *login, size_t len, const char *default_domain,
    struct buf *out, struct buf *why);

#endif /* PROTO_ACCTNAME_H */

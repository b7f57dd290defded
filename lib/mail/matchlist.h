/*
 * matchlist.h - Postfix-style match lists, for parameters that say "is
 * this client or this domain one of ours": mynetworks (addresses),
 * mydestination and relay_domains (domains).
 *
 * A list is written as maps are in map.h: items separated by commas
 * and/or white space, braces grouping. Items are tried in order and the
 * first that matches decides:
 *   type:name     a map (map.h); it matches when the lookup finds the key
 *                 (the value is ignored, as in Postfix)
 *   /file/name    the patterns in that file, as if written here (white
 *                 space or commas between them, '#' comment lines); a
 *                 file may not name another file
 *   !item         negation: when item matches, the list does not
 *   anything else a literal (below)
 *
 * Address lists (MATCHLIST_ADDR). Literals are networks as ipnet.h reads
 * them: 192.0.2.0/24, [2001:db8::]/32, 2001:db8::/32, bare addresses,
 * [::1], ranges 10.0.0.1-10.0.0.9. "192.0.2.1/24" (host bits beyond the
 * prefix) is an error, as Postfix makes it for mynetworks. Maps are looked
 * up with the address in its usual text form (IPv4-mapped IPv6 shown as
 * IPv4); a cidr: map is the usual choice. Host names are not literals.
 *
 * Domain lists (MATCHLIST_DOMAIN). The domain is compared lower-cased.
 *   example.com    matches example.com; with MATCHLIST_PARENT also every
 *                  subdomain (sub.example.com), like Postfix's
 *                  parent_domain_matches_subdomains
 *   .example.com   matches every subdomain, never example.com itself
 * Maps are looked up with the domain, then with each parent domain: as
 * "example.com" with MATCHLIST_PARENT, as ".example.com" without (so a
 * table entry ".example.com" means "the subdomains").
 * Which lists use MATCHLIST_PARENT is the caller's choice; Postfix's
 * default applies it to relay_domains but not to mydestination.
 */
#ifndef MAIL_MATCHLIST_H
#define MAIL_MATCHLIST_H
#include "util/sys_defs.h"

struct buf;
struct matchlist;

#define MATCHLIST_ADDR   0x1 /* literals are networks */
#define MATCHLIST_DOMAIN 0x2 /* literals are domains */
#define MATCHLIST_PARENT 0x4 /* domain lists: example.com covers subdomains */

/* matchlist_open - parse value (the parameter param, named in messages)
 * and open its maps; NULL with why: "param: problem" */
struct matchlist *matchlist_open(
    const char *param, const char *value, int flags, struct buf *why);
void matchlist_close(struct matchlist **lp);
/* matchlist_match - 1 item matches, 0 it does not (or a negated item
 * matched), -1 a map lookup failed (why): treat as a temporary error */
int matchlist_match(struct matchlist *l, const char *item, struct buf *why);

#endif /* MAIL_MATCHLIST_H */

/*
 * regex.h - regular expressions: the suite's one wrapper around PCRE2
 * (STYLE 17; only this file's .c and lib/mail/map_pcre.c use PCRE2).
 *
 * Subjects are byte strings (no UTF-8 check: a header or an address from
 * a peer may hold any byte). Every match runs under a match limit, so
 * that a pattern with catastrophic backtracking and a hostile subject
 * cannot make a daemon spin: hitting it is an error (-1), never a match.
 */
#ifndef UTIL_REGEX_H
#define UTIL_REGEX_H
#include "util/sys_defs.h"

struct buf;
struct regex;

#define REGEX_ICASE          0x01 /* case-insensitive */
#define REGEX_MULTILINE      0x02 /* ^ and $ at line breaks too */
#define REGEX_DOTALL         0x04 /* . matches a line break */
#define REGEX_EXTENDED       0x08 /* white space and # comments ignored */
#define REGEX_ANCHORED       0x10 /* match only at the start */
#define REGEX_DOLLAR_ENDONLY 0x20 /* $ only at the very end */
#define REGEX_UNGREEDY       0x40 /* quantifiers lazy by default */

#define REGEX_UNSET       ((size_t)-1) /* a group that did not take part */
#define REGEX_MATCH_LIMIT 1000000      /* PCRE2 match limit per match */

/* regex_compile - compile pattern; NULL with why ("text at offset N") */
struct regex *regex_compile(const char *pattern, int flags, struct buf *why);
/* regex_free - free and set *rp = NULL; NULL is fine */
void regex_free(struct regex **rp);
/* regex_groups - the number of capture groups of the pattern */
int regex_groups(const struct regex *re);
/* regex_match - match s (len bytes). Returns 1 on a match, 0 when there
 * is none, -1 with why on an error (the match limit). On a match, ovec
 * (may be NULL) receives npairs start/end offsets: group 0 (the whole
 * match) first; groups that did not take part are REGEX_UNSET. */
int regex_match(struct regex *re, const char *s, size_t len, size_t *ovec,
    int npairs, struct buf *why);

#endif /* UTIL_REGEX_H */

/*
 * strutil.h - small string helpers: trimming, case, strict number parsing,
 * splitting, and a growable vector of strings.
 */
#ifndef UTIL_STRUTIL_H
#define UTIL_STRUTIL_H
#include "util/sys_defs.h"

/* str_trim - remove leading and trailing white space in place; returns s
 * advanced past leading white space */
char *str_trim(char *s);
/* str_lower - lower-case ASCII in place; returns s */
char *str_lower(char *s);
bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
bool str_has_prefix_ci(const char *s, const char *prefix);
/* str_parse_long - whole string as a decimal number within [min,max];
 * 0 or -1 */
int str_parse_long(const char *s, long min, long max, long *out);
/* str_parse_ulong - unsigned decimal without sign, 0 or -1 */
int str_parse_ulong(const char *s, unsigned long max, unsigned long *out);
/* str_is_blank - only white space (or empty) */
bool str_is_blank(const char *s);
/* str_eq_ci - ASCII case-insensitive equality */
bool str_eq_ci(const char *a, const char *b);
/* str_consttime_eq - compare without early exit on the first difference */
bool str_consttime_eq(const char *a, const char *b);

/* A vector of owned strings, always NULL-terminated (argv-like). */
struct strv {
	char **v;
	size_t n, alloc;
};
void strv_init(struct strv *sv);
void strv_push(struct strv *sv, const char *s);
void strv_pushn(struct strv *sv, const char *s, size_t n);
void strv_free(struct strv *sv); /* frees contents, reinit */
bool strv_contains(const struct strv *sv, const char *s);
bool strv_contains_ci(const struct strv *sv, const char *s);
/* strv_split - split s at any of seps, skipping empty fields */
void strv_split(struct strv *sv, const char *s, const char *seps);
/* strv_join - join with sep into a new malloc'd string */
char *strv_join(const struct strv *sv, const char *sep);

#endif /* UTIL_STRUTIL_H */

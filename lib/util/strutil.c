/*
 * strutil.c - small string helpers (see strutil.h).
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/xalloc.h"

/* str_trim - trim white space */
char *
str_trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

/* str_lower - ASCII lower case in place */
char *
str_lower(char *s)
{
	for (char *p = s; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return s;
}

/* str_has_prefix - s starts with prefix */
bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* str_has_prefix_ci - s starts with prefix, ignoring ASCII case */
bool
str_has_prefix_ci(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* str_has_suffix - s ends with suffix */
bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* str_parse_long - strict decimal */
int
str_parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (*s == 0 || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* str_parse_ulong - strict unsigned decimal */
int
str_parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* str_is_blank - white space only */
bool
str_is_blank(const char *s)
{
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* str_eq_ci - case-insensitive equality */
bool
str_eq_ci(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* str_consttime_eq - equality in time that depends only on the lengths */
bool
str_consttime_eq(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;

	for (size_t i = 0; i < na; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (nb ? nb : 1)];
	return d == 0;
}

/* strv_init - empty vector */
void
strv_init(struct strv *sv)
{
	sv->v = xcalloc(1, sizeof(char *));
	sv->n = 0;
	sv->alloc = 1;
}

/* strv_pushn - append n bytes of s as a new string */
void
strv_pushn(struct strv *sv, const char *s, size_t n)
{
	if (sv->v == NULL)
		strv_init(sv);
	if (sv->n + 1 >= sv->alloc) {
		sv->alloc *= 2;
		sv->v = xreallocarray(sv->v, sv->alloc, sizeof(char *));
	}
	sv->v[sv->n++] = xstrndup(s, n);
	sv->v[sv->n] = NULL;
}

/* strv_push - append a copy of s */
void
strv_push(struct strv *sv, const char *s)
{
	strv_pushn(sv, s, strlen(s));
}

/* strv_free - free the strings and the array */
void
strv_free(struct strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = sv->alloc = 0;
}

/* strv_contains - exact membership */
bool
strv_contains(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

/* strv_contains_ci - case-insensitive membership */
bool
strv_contains_ci(const struct strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcasecmp(sv->v[i], s) == 0)
			return true;
	return false;
}

/* strv_split - fields separated by any of seps */
void
strv_split(struct strv *sv, const char *s, const char *seps)
{
	if (sv->v == NULL)
		strv_init(sv);
	while (*s) {
		size_t n;

		s += strspn(s, seps);
		n = strcspn(s, seps);
		if (n > 0)
			strv_pushn(sv, s, n);
		s += n;
	}
}

/* strv_join - join with a separator */
char *
strv_join(const struct strv *sv, const char *sep)
{
	struct buf *b = buf_new(64);
	char *s;

	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			buf_cats(b, sep);
		buf_cats(b, sv->v[i]);
	}
	s = buf_steal(b);
	buf_free(&b);
	return s;
}

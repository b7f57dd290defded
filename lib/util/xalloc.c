/*
 * xalloc.c - allocation wrappers that exit on exhaustion (see xalloc.h).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/log.h"
#include "util/xalloc.h"

/* xmalloc - allocate or die */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		log_fatal("out of memory allocating %zu bytes", n);
	return p;
}

/* xcalloc - allocate zeroed memory or die, checking n*size */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		log_fatal("allocation overflow: %zu * %zu", n, size);
	p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		log_fatal("out of memory allocating %zu * %zu bytes", n, size);
	return p;
}

/* xrealloc - resize or die */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		log_fatal("out of memory reallocating %zu bytes", n);
	return q;
}

/* xreallocarray - resize an array or die, checking n*size */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		log_fatal("allocation overflow: %zu * %zu", n, size);
	return xrealloc(p, n * size);
}

/* xstrdup - copy a string or die */
char *
xstrdup(const char *s)
{
	return xmemdup(s, strlen(s) + 1);
}

/* xstrndup - copy at most n bytes of a string, always terminated */
char *
xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);

	memcpy(p, s, len);
	p[len] = 0;
	return p;
}

/* xmemdup - copy a byte run or die */
void *
xmemdup(const void *p, size_t n)
{
	void *q = xmalloc(n);

	memcpy(q, p, n);
	return q;
}

/* xfree_ptr - free the pointer that pp points at and clear it */
void
xfree_ptr(void *pp)
{
	void **vp = pp;

	free(*vp);
	*vp = NULL;
}

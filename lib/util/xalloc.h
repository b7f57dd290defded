/*
 * xalloc.h - allocation that never returns NULL. On exhaustion the process
 * logs and exits: daemons are short-lived and the master restarts them, so
 * a fatal exit is simpler and safer than half-handled failures.
 */
#ifndef UTIL_XALLOC_H
#define UTIL_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size); /* checks n*size overflow */
void *xrealloc(void *p, size_t n);
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
/* xfree - free *pp and set it to NULL */
void xfree_ptr(void *pp);
#define xfree(p) xfree_ptr(&(p))

#endif /* UTIL_XALLOC_H */

/*
 * buf.h - growable, always NUL-terminated byte buffer.
 *
 * Every string or byte run that is not a literal lives in a struct buf. A
 * capped buffer (buf_new_capped) refuses to grow past its cap and reports it
 * with -1, so that peer-supplied data cannot make a process grow without
 * bound; an uncapped buffer grows until memory runs out (xalloc: fatal).
 * Buffers may hold NUL bytes; buf_len() counts them, buf_cstr() is still
 * terminated after the last byte.
 */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H
#include <stdarg.h>
#include <stddef.h>

#include "util/sys_defs.h"

struct buf;

struct buf *buf_new(size_t hint);
struct buf *buf_new_capped(size_t hint, size_t max);
/* buf_free - free the buffer and set *bp to NULL; NULL is fine */
void buf_free(struct buf **bp);
/* buf_free_secret - as buf_free, zeroing the contents first */
void buf_free_secret(struct buf **bp);
void buf_reset(struct buf *b);
/* buf_truncate - shorten to len bytes (no-op when already shorter) */
void buf_truncate(struct buf *b, size_t len);
/* buf_cat/cats/catc/printf append; each returns 0, or -1 when the cap
 * would be exceeded (the buffer is then unchanged) */
int buf_cat(struct buf *b, const void *p, size_t n);
int buf_cats(struct buf *b, const char *s);
int buf_catc(struct buf *b, int c);
int buf_printf(struct buf *b, const char *fmt, ...) ATTR_PRINTF(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) ATTR_PRINTF(2, 0);
/* buf_set/sets - reset, then append */
int buf_set(struct buf *b, const void *p, size_t n);
int buf_sets(struct buf *b, const char *s);
const char *buf_cstr(const struct buf *b); /* always NUL-terminated */
char *buf_data(struct buf *b);             /* writable, buf_len bytes */
size_t buf_len(const struct buf *b);
size_t buf_cap(const struct buf *b); /* 0 when uncapped */
/* buf_reserve - make room for n more bytes; returns a pointer to the free
 * space (after the data), or NULL when the cap would be exceeded. Call
 * buf_commit() with the number of bytes actually written there. */
char *buf_reserve(struct buf *b, size_t n);
void buf_commit(struct buf *b, size_t n);
/* buf_consume - remove the first n bytes */
void buf_consume(struct buf *b, size_t n);
/* buf_steal - return the contents as a malloc'd string; b is reset */
char *buf_steal(struct buf *b);
/* buf_eq - true when the contents equal the string s */
bool buf_eq(const struct buf *b, const char *s);

#endif /* UTIL_BUF_H */

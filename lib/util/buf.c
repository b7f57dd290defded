/*
 * buf.c - growable byte buffer (see buf.h). The invariant, checked by every
 * function, is data[len] == 0 and len < size, so buf_cstr() never needs to
 * write.
 */
#include "util/sys_defs.h"

#include <stdarg.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

struct buf {
	char *data;
	size_t len;  /* bytes in use, not counting the NUL */
	size_t size; /* allocated, > len */
	size_t max;  /* cap on len, 0 = none */
};

/* buf_new - an uncapped buffer */
struct buf *
buf_new(size_t hint)
{
	return buf_new_capped(hint, 0);
}

/* buf_new_capped - a buffer whose length may not exceed max (0 = no cap) */
struct buf *
buf_new_capped(size_t hint, size_t max)
{
	struct buf *b = xmalloc(sizeof(*b));

	if (hint < 16)
		hint = 16;
	if (max && hint > max + 1)
		hint = max + 1;
	b->data = xmalloc(hint);
	b->data[0] = 0;
	b->len = 0;
	b->size = hint;
	b->max = max;
	return b;
}

/* buf_free - free and clear the caller's pointer */
void
buf_free(struct buf **bp)
{
	if (*bp == NULL)
		return;
	free((*bp)->data);
	free(*bp);
	*bp = NULL;
}

/* buf_free_secret - zero, free and clear */
void
buf_free_secret(struct buf **bp)
{
	if (*bp == NULL)
		return;
	explicit_bzero((*bp)->data, (*bp)->size);
	buf_free(bp);
}

/* buf_reset - empty the buffer, keeping its memory */
void
buf_reset(struct buf *b)
{
	b->len = 0;
	b->data[0] = 0;
}

/* buf_truncate - shorten to len bytes */
void
buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->data[len] = 0;
	}
}

/* buf_grow - make room for n more bytes plus the NUL; -1 past the cap */
static int
buf_grow(struct buf *b, size_t n)
{
	size_t need;

	if (n > SIZE_MAX - b->len - 1)
		return -1;
	if (b->max && b->len + n > b->max)
		return -1;
	need = b->len + n + 1;
	if (need <= b->size)
		return 0;
	while (b->size < need)
		b->size = b->size > SIZE_MAX / 2 ? need : b->size * 2;
	if (b->max && b->size > b->max + 1)
		b->size = b->max + 1;
	if (b->size < need)
		b->size = need;
	b->data = xrealloc(b->data, b->size);
	return 0;
}

/* buf_cat - append n bytes */
int
buf_cat(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = 0;
	return 0;
}

/* buf_cats - append a string */
int
buf_cats(struct buf *b, const char *s)
{
	return buf_cat(b, s, strlen(s));
}

/* buf_catc - append one byte */
int
buf_catc(struct buf *b, int c)
{
	char ch = (char)c;

	return buf_cat(b, &ch, 1);
}

/* buf_vprintf - append formatted text */
int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(b->data + b->len, b->size - b->len, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->data[b->len] = 0;
		return -1;
	}
	if ((size_t)n >= b->size - b->len) {
		if (buf_grow(b, (size_t)n) < 0) {
			b->data[b->len] = 0;
			return -1;
		}
		va_copy(aq, ap);
		n = vsnprintf(b->data + b->len, b->size - b->len, fmt, aq);
		va_end(aq);
		if (n < 0) {
			b->data[b->len] = 0;
			return -1;
		}
	}
	if (b->max && b->len + (size_t)n > b->max) {
		b->data[b->len] = 0;
		return -1;
	}
	b->len += (size_t)n;
	return 0;
}

/* buf_printf - append formatted text */
int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ret;
}

/* buf_set - replace the contents with n bytes */
int
buf_set(struct buf *b, const void *p, size_t n)
{
	buf_reset(b);
	return buf_cat(b, p, n);
}

/* buf_sets - replace the contents with a string */
int
buf_sets(struct buf *b, const char *s)
{
	return buf_set(b, s, strlen(s));
}

/* buf_cstr - the contents as a C string */
const char *
buf_cstr(const struct buf *b)
{
	return b->data;
}

/* buf_data - the contents, writable */
char *
buf_data(struct buf *b)
{
	return b->data;
}

/* buf_len - bytes in use */
size_t
buf_len(const struct buf *b)
{
	return b->len;
}

/* buf_cap - the cap, 0 when none */
size_t
buf_cap(const struct buf *b)
{
	return b->max;
}

/* buf_reserve - room for n bytes after the data, or NULL past the cap */
char *
buf_reserve(struct buf *b, size_t n)
{
	if (buf_grow(b, n) < 0)
		return NULL;
	return b->data + b->len;
}

/* buf_commit - account for n bytes written into reserved space */
void
buf_commit(struct buf *b, size_t n)
{
	ASSERT(b->len + n < b->size);
	b->len += n;
	b->data[b->len] = 0;
}

/* buf_consume - drop the first n bytes */
void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = 0;
}

/* buf_steal - hand the contents to the caller as a malloc'd string */
char *
buf_steal(struct buf *b)
{
	char *s = b->data;

	b->size = 16;
	b->data = xmalloc(b->size);
	b->len = 0;
	b->data[0] = 0;
	return s;
}

/* buf_eq - compare contents with a string */
bool
buf_eq(const struct buf *b, const char *s)
{
	size_t n = strlen(s);

	return n == b->len && memcmp(b->data, s, n) == 0;
}

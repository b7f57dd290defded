/*
 * map_text.c - reading text map files, and reporting their problems.
 *
 * Every text format of the map layer (the source of hash/btree maps,
 * texthash, cidr, pcre) has the same outer syntax, Postfix's: a logical
 * line starts with non-blank text, a line that starts with white space
 * continues it, blank lines and lines whose first non-blank character is
 * '#' are ignored wherever they are. This file turns a file into logical
 * lines with the number of their first physical line, so that each type
 * only parses "its" part and every problem can be reported as
 * "file:line: text".
 *
 * Lines are read byte by byte from stdio (a memory stream for tests and
 * fuzzing) rather than with getline(), so that a line longer than
 * map_line_length_limit is never held in memory: its remaining bytes are
 * counted and dropped.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/map_impl.h"
#include "mail/params_map.h"

#define MAP_LINE_LIMIT_DEFAULT (64 * 1024)

struct map_text {
	FILE *fp;
	char *name;
	long lineno;       /* physical lines read so far */
	struct buf *cur;   /* the logical line being assembled */
	struct buf *ahead; /* a physical line read ahead, or empty */
	long cur_line;     /* first physical line of cur */
	long ahead_line;   /* line number of ahead */
	bool have_ahead;   /* ahead holds a line */
	int ahead_bad;     /* ... that cannot be used (MAP_TEXT_*) */
	bool cur_bad;      /* cur is being skipped */
	size_t limit;
};

/* map_line_limit - the configured limit, or the default */
size_t
map_line_limit(void)
{
	if (var_map_line_length_limit > 0)
		return (size_t)var_map_line_length_limit;
	return MAP_LINE_LIMIT_DEFAULT;
}

/* map_diag_init - start collecting problems */
void
map_diag_init(
    struct map_diag *d, const char *file, struct buf *why, bool warn_to_log)
{
	memset(d, 0, sizeof(*d));
	d->why = why;
	d->file = file;
	d->warn_to_log = warn_to_log;
}

/* map_diag_add - one line "file:line: [warning: ]text" */
static void
map_diag_add(
    struct map_diag *d, bool is_warning, long line, const char *fmt, va_list ap)
{
	struct buf *b;

	if (is_warning && d->warn_to_log) {
		b = buf_new(128);
		if (line > 0)
			buf_printf(b, "%s:%ld: ", d->file, line);
		else if (line == 0)
			buf_printf(b, "%s: ", d->file);
		buf_vprintf(b, fmt, ap);
		log_warn("%s", buf_cstr(b));
		buf_free(&b);
		return;
	}
	if (d->why == NULL || d->nshown >= MAP_DIAG_SHOWN)
		return;
	d->nshown++;
	if (buf_len(d->why) > 0)
		buf_catc(d->why, '\n');
	if (line > 0)
		buf_printf(d->why, "%s:%ld: ", d->file, line);
	else if (line == 0)
		buf_printf(d->why, "%s: ", d->file);
	if (is_warning)
		buf_cats(d->why, "warning: ");
	buf_vprintf(d->why, fmt, ap);
}

/* map_diag_error - an error */
void
map_diag_error(struct map_diag *d, long line, const char *fmt, ...)
{
	va_list ap;

	d->nerrors++;
	va_start(ap, fmt);
	map_diag_add(d, false, line, fmt, ap);
	va_end(ap);
}

/* map_diag_warn - a warning */
void
map_diag_warn(struct map_diag *d, long line, const char *fmt, ...)
{
	va_list ap;

	d->nwarnings++;
	va_start(ap, fmt);
	map_diag_add(d, true, line, fmt, ap);
	va_end(ap);
}

/* map_diag_finish - say how many problems were not shown */
void
map_diag_finish(struct map_diag *d)
{
	int total = d->nerrors + (d->warn_to_log ? 0 : d->nwarnings);

	if (d->why && total > d->nshown)
		buf_printf(d->why, "%s%s: %d more problems not shown",
		    buf_len(d->why) ? "\n" : "", d->file, total - d->nshown);
}

/* map_text_new - common part of the constructors */
static struct map_text *
map_text_new(FILE *fp, const char *name)
{
	struct map_text *t = xcalloc(1, sizeof(*t));

	t->fp = fp;
	t->name = xstrdup(name);
	t->cur = buf_new(256);
	t->ahead = buf_new(256);
	t->limit = map_line_limit();
	return t;
}

/* map_text_open - read a file */
struct map_text *
map_text_open(const char *path, struct buf *why)
{
	FILE *fp = fopen(path, "re");
	struct stat st;

	if (fp == NULL) {
		buf_printf(why, "open %s: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		buf_printf(why, "open %s: %s", path, strerror(EISDIR));
		fclose(fp);
		return NULL;
	}
	return map_text_new(fp, path);
}

/* map_text_open_mem - read from memory (copied) */
struct map_text *
map_text_open_mem(const char *name, const char *text, size_t len)
{
	FILE *fp;

	/* fmemopen() refuses a zero size. */
	if (len == 0)
		fp = fmemopen((void *)"", 1, "r");
	else
		fp = fmemopen((void *)text, len, "r");
	if (fp == NULL)
		log_fatal("fmemopen: %m");
	if (len == 0)
		(void)getc(fp); /* the one byte: now at EOF */
	return map_text_new(fp, name);
}

/* map_text_fd - the descriptor */
int
map_text_fd(const struct map_text *t)
{
	return t->fp ? fileno(t->fp) : -1;
}

/* map_text_close - free and clear */
void
map_text_close(struct map_text **tp)
{
	struct map_text *t = *tp;

	if (t == NULL)
		return;
	if (t->fp)
		fclose(t->fp);
	buf_free(&t->cur);
	buf_free(&t->ahead);
	free(t->name);
	free(t);
	*tp = NULL;
}

/* Why a physical line cannot be used. */
enum { MAP_TEXT_OK, MAP_TEXT_TOO_LONG, MAP_TEXT_NUL };

/* map_text_physical - read one physical line into t->ahead without the
 * line break and trailing white space; false at the end of input (or on a
 * read error, reported to d). t->ahead_bad says whether it was too long
 * (only the first bytes are kept) or held a NUL byte. */
static bool
map_text_physical(struct map_text *t, struct map_diag *d)
{
	int c;
	bool any = false, too_long = false, nul = false;
	size_t len;
	char *p;

	buf_reset(t->ahead);
	while ((c = getc_unlocked(t->fp)) != EOF) {
		any = true;
		if (c == '\n')
			break;
		if (c == 0)
			nul = true;
		if (buf_len(t->ahead) >= t->limit) {
			too_long = true;
			continue;
		}
		buf_catc(t->ahead, c);
	}
	if (ferror(t->fp)) {
		map_diag_error(
		    d, t->lineno + 1, "read error: %s", strerror(errno));
		return false;
	}
	if (!any)
		return false;
	t->lineno++;
	p = buf_data(t->ahead);
	len = buf_len(t->ahead);
	while (len > 0
	    && (p[len - 1] == ' ' || p[len - 1] == '\t' || p[len - 1] == '\r'))
		len--;
	buf_truncate(t->ahead, len);
	t->ahead_line = t->lineno;
	t->ahead_bad = too_long ? MAP_TEXT_TOO_LONG
	    : nul               ? MAP_TEXT_NUL
	                        : MAP_TEXT_OK;
	t->have_ahead = true;
	return true;
}

/* map_text_is_blank_or_comment - nothing to read on this line */
static bool
map_text_is_blank_or_comment(const char *s, size_t n)
{
	size_t i = 0;

	/* By length: a NUL byte is not white space. */
	while (i < n && strchr(" \t\r\f\v", s[i]) != NULL && s[i] != 0)
		i++;
	return i == n || s[i] == '#';
}

/* map_text_report - say why the physical line ahead cannot be used */
static void
map_text_report(struct map_text *t, struct map_diag *d)
{
	if (t->ahead_bad == MAP_TEXT_TOO_LONG)
		map_diag_error(
		    d, t->ahead_line, "line longer than %zu bytes", t->limit);
	else
		map_diag_error(d, t->ahead_line, "NUL byte in line");
}

/* map_text_next - the next logical line */
char *
map_text_next(struct map_text *t, long *lineno_out, struct map_diag *d)
{
	bool have_cur = false;

	buf_reset(t->cur);
	t->cur_bad = false;
	for (;;) {
		if (!t->have_ahead && !map_text_physical(t, d))
			break;
		const char *s = buf_cstr(t->ahead);
		size_t n = buf_len(t->ahead);

		/* Comments and blank lines are ignored even when too long. */
		if (map_text_is_blank_or_comment(s, n)) {
			t->have_ahead = false;
			continue;
		}
		if (s[0] == ' ' || s[0] == '\t' || s[0] == '\f'
		    || s[0] == '\v') {
			/* A continuation line. */
			t->have_ahead = false;
			if (!have_cur) {
				map_diag_error(d, t->ahead_line,
				    "continuation line (it begins with white "
				    "space) without a line to continue");
				continue;
			}
			if (t->cur_bad)
				continue;
			if (t->ahead_bad) {
				map_text_report(t, d);
				t->cur_bad = true;
			} else if (buf_len(t->cur) + n > t->limit) {
				map_diag_error(d, t->cur_line,
				    "line longer than %zu bytes (with its "
				    "continuation lines)",
				    t->limit);
				t->cur_bad = true;
			} else {
				buf_cat(t->cur, s, n);
			}
			continue;
		}
		/* A line that starts a logical line. */
		if (have_cur && !t->cur_bad)
			break; /* ahead waits for the next call */
		buf_reset(t->cur);
		have_cur = true;
		t->cur_line = t->ahead_line;
		t->cur_bad = t->ahead_bad != MAP_TEXT_OK;
		if (t->cur_bad)
			map_text_report(t, d);
		else
			buf_set(t->cur, s, n);
		t->have_ahead = false;
	}
	if (!have_cur || t->cur_bad)
		return NULL;
	*lineno_out = t->cur_line;
	return buf_data(t->cur);
}

/* map_text_split_kv - "key value" */
int
map_text_split_kv(char *line, char **key_out, char **value_out)
{
	char *p = line + strcspn(line, " \t");

	*key_out = line;
	if (*p == 0)
		return -1;
	*p++ = 0;
	p += strspn(p, " \t");
	if (*p == 0)
		return -1;
	*value_out = p;
	return 0;
}

/* map_text_read_kv - every "key value" line */
long
map_text_read_kv(struct map_text *t, bool fold, struct map_diag *d,
    int (*add)(const char *key, const char *value, long lineno, void *ctx),
    void *ctx)
{
	struct buf *fk = buf_new(64);
	char *line, *key, *value;
	long lineno, n = 0;
	int rc;

	while ((line = map_text_next(t, &lineno, d)) != NULL) {
		if (map_text_split_kv(line, &key, &value) < 0) {
			map_diag_error(d, lineno,
			    "expected \"key value\", found only \"%s\"", key);
			continue;
		}
		if (fold)
			key = (char *)map_fold(fk, key);
		if ((rc = add(key, value, lineno, ctx)) < 0) {
			n = -1;
			break;
		}
		if (rc == 0)
			map_diag_warn(d, lineno,
			    "duplicate key \"%s\", the first one wins", key);
		else
			n++;
	}
	buf_free(&fk);
	return n;
}

/* map_text_open_map - memory or file */
struct map_text *
map_text_open_map(struct map *m, struct map_diag *d)
{
	struct buf *why;
	struct map_text *t;

	if (m->mem)
		return map_text_open_mem(m->name, m->mem, m->mem_len);
	why = buf_new(128);
	if ((t = map_text_open(m->name, why)) == NULL)
		map_diag_error(d, -1, "%s", buf_cstr(why));
	buf_free(&why);
	return t;
}

/* map_text_watch - watch the file read */
void
map_text_watch(struct map *m, struct map_text *t)
{
	if (m->mem == NULL && map_text_fd(t) >= 0)
		map_watch_fd(m, m->name, map_text_fd(t));
}

/* map_fold - lower-case copy */
const char *
map_fold(struct buf *out, const char *s)
{
	buf_sets(out, s);
	for (char *p = buf_data(out); *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return buf_cstr(out);
}

/*
 * map_impl.h - what the map types share with map.c: the type table entry,
 * the map handle, problem reporting ("file:line: text"), and the reader of
 * text map files. Only lib/mail/map*.c (and their tests and fuzz targets)
 * include this; everybody else uses map.h.
 */
#ifndef MAIL_MAP_IMPL_H
#define MAIL_MAP_IMPL_H
#include <sys/stat.h>

#include "util/sys_defs.h"

#include "mail/map.h"

struct buf;

/* Problems found while reading a map file. Errors and warnings are lines
 * "file:line: text" ("file:line: warning: text") in why; with
 * warn_to_log, warnings are logged instead (daemons opening a map). At
 * most MAP_DIAG_SHOWN lines are kept; the rest are counted. */
struct map_diag {
	struct buf *why;
	const char *file;
	bool warn_to_log;
	int nerrors, nwarnings, nshown;
};

#define MAP_DIAG_SHOWN 100

void map_diag_init(
    struct map_diag *d, const char *file, struct buf *why, bool warn_to_log);
/* map_diag_error/warn - one problem; line 0 means "file: text" (no
 * line), a negative line "text" alone (text that names the file itself,
 * such as "open FILE: reason") */
void map_diag_error(struct map_diag *d, long line, const char *fmt, ...)
    ATTR_PRINTF(3, 4);
void map_diag_warn(struct map_diag *d, long line, const char *fmt, ...)
    ATTR_PRINTF(3, 4);
/* map_diag_finish - add "file: N more problems" when some were dropped */
void map_diag_finish(struct map_diag *d);

/* The file a map was read from, to notice a rebuild. */
struct map_file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

struct map_type;

/* The handle. Types keep their state in priv. */
struct map {
	char *spec;                  /* "type:name" */
	const char *name;            /* after "type:" in spec */
	const struct map_type *type; /* */
	bool fold;                   /* lower-case keys */
	void *priv;                  /* the type's state */
	char *watch_path;            /* file to watch, or NULL */
	struct map_file_id id;       /* of watch_path when read */
	int64_t next_check_ms;       /* next look at watch_path */
	bool stale;                  /* changed, but could not be read again */
	struct buf *key, *akey;      /* scratch for folded keys */
	const char *mem;             /* map_open_mem: the text, during open */
	size_t mem_len;
};

struct map_type {
	const char *name;
	bool fold_default;
	/* open - read the map into m->priv; report problems to d; call
	 * map_watch_fd() for the file read. 0, or -1 (d has the errors). */
	int (*open)(struct map *m, struct map_diag *d);
	/* get - key already folded; as map_get */
	int (*get)(
	    struct map *m, const char *key, struct buf *out, struct buf *why);
	int (*walk)(struct map *m, map_walk_fn fn, void *ctx, struct buf *why);
	void (*close)(struct map *m);
	/* check - parse the source without opening (NULL: open and close) */
	int (*check)(const char *name, bool fold, struct map_diag *d);
	/* build - compile the source (NULL: not a compiled type) */
	long (*build)(const char *name, bool fold, struct map_diag *d);
};

extern const struct map_type map_type_hash, map_type_btree;
extern const struct map_type map_type_texthash, map_type_inline;
extern const struct map_type map_type_static;
extern const struct map_type map_type_cidr, map_type_pcre;

/* map_watch_fd - remember that m was read from path (open as fd) */
void map_watch_fd(struct map *m, const char *path, int fd);
/* map_file_id_get - identity of an open file or a path; 0 or -1 */
int map_file_id_fd(int fd, struct map_file_id *id);
int map_file_id_path(const char *path, struct map_file_id *id);
bool map_file_id_eq(const struct map_file_id *a, const struct map_file_id *b);
/* map_line_limit - map_line_length_limit, or its default before the
 * configuration is applied */
size_t map_line_limit(void);

/* Text map files: logical lines. */
struct map_text;
/* map_text_open - open a file; NULL with why ("open FILE: reason") */
struct map_text *map_text_open(const char *path, struct buf *why);
/* map_text_open_mem - read text from memory (tests, fuzzing, inline) */
struct map_text *map_text_open_mem(
    const char *name, const char *text, size_t len);
/* map_text_next - the next logical line: comments and blank lines
 * skipped, continuation lines joined (their leading white space kept, the
 * line break dropped), trailing white space removed. *lineno_out is the
 * number of its first physical line. Lines that are too long, hold a NUL
 * byte, or continue nothing are reported to d and skipped. Returns a
 * writable string valid until the next call, or NULL at the end (a read
 * error is reported to d). */
char *map_text_next(struct map_text *t, long *lineno_out, struct map_diag *d);
/* map_text_fd - descriptor of the file (-1 for memory) */
int map_text_fd(const struct map_text *t);
void map_text_close(struct map_text **tp);
/* map_text_split_kv - split "key value" in place at the first white
 * space; returns -1 when there is no value */
int map_text_split_kv(char *line, char **key_out, char **value_out);

/* map_text_read_kv - read "key value" lines (the source of hash/btree,
 * and texthash). For each entry, add(key, value, lineno, ctx) is called
 * with the key folded when fold; it returns 1 (added), 0 (the key was
 * there: a duplicate, warned here; the first one wins) or -1 (stop; add
 * reported why). Returns the number of entries added, or -1 when add
 * stopped. */
long map_text_read_kv(struct map_text *t, bool fold, struct map_diag *d,
    int (*add)(const char *key, const char *value, long lineno, void *ctx),
    void *ctx);
/* map_text_open_map - the text of a map being opened: its file m->name,
 * or the memory given to map_open_mem(); NULL with the error in d */
struct map_text *map_text_open_map(struct map *m, struct map_diag *d);
/* map_text_watch - after a successful read, watch the file it came from
 * (nothing for memory) */
void map_text_watch(struct map *m, struct map_text *t);

/* map_open_mem - open a text type (texthash, cidr, pcre) from text in
 * memory, named name in messages: for tests and fuzz targets. NULL with
 * why. */
struct map *map_open_mem(const char *type, const char *name, const char *text,
    size_t len, int flags, struct buf *why);

/* map_fold - lower-case ASCII of s into out (reset first); returns the
 * text */
const char *map_fold(struct buf *out, const char *s);

#endif /* MAIL_MAP_IMPL_H */

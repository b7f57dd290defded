/*
 * map.c - the map API (map.h): "type:name" specs, dispatch to the types,
 * case folding, Postfix's address lookup order, noticing rebuilt files,
 * and lists of maps (maplist).
 *
 * Each type (map_bdb.c, map_simple.c, map_cidr.c, map_pcre.c) fills in a
 * struct map_type (map_impl.h); this file holds what they have in common,
 * so that a type only knows how to read its file and answer one key.
 *
 * Rebuilds: a type that reads a file records its identity (device, inode,
 * size, mtime) with map_watch_fd() from the descriptor it actually read,
 * so a rebuild that lands between open() and stat() is not missed. At
 * most once per check interval, a lookup stat()s the path; when the
 * identity differs the type opens the new file into a fresh state, and
 * only when that succeeds is the old state dropped. A map whose new
 * version is broken keeps answering from the old one, with a warning:
 * a daemon should not lose its access table to a typo.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/map_impl.h"
#include "mail/params.h"

static const struct map_type *const map_types[] = {
    &map_type_hash,
    &map_type_btree,
    &map_type_texthash,
    &map_type_cidr,
    &map_type_pcre,
    &map_type_inline,
    &map_type_static,
};

static int map_check_ms = 1000;

/* map_set_check_interval - for tests */
void
map_set_check_interval(int ms)
{
	map_check_ms = ms < 0 ? 0 : ms;
}

/* map_find_type - type by name, or NULL */
static const struct map_type *
map_find_type(const char *name, size_t len)
{
	for (size_t i = 0; i < NELEM(map_types); i++)
		if (strlen(map_types[i]->name) == len
		    && strncmp(map_types[i]->name, name, len) == 0)
			return map_types[i];
	return NULL;
}

/* map_type_known - a type of this build */
bool
map_type_known(const char *type)
{
	return map_find_type(type, strlen(type)) != NULL;
}

/* map_default_type - default_database_type, hash before configuration */
static const char *
map_default_type(void)
{
	if (var_default_database_type && *var_default_database_type)
		return var_default_database_type;
	return "hash";
}

/* map_parse_spec - split spec into type and name; the full spec (with
 * the default type when it had none) into full. NULL with why. */
static const struct map_type *
map_parse_spec(
    const char *spec, struct buf *full, const char **name_out, struct buf *why)
{
	const char *colon = strchr(spec, ':');
	const struct map_type *type;
	size_t tlen;

	buf_reset(full);
	/* "type:" is letters and digits; "/a:b/c" is a file name. */
	if (colon != NULL && colon > spec
	    && strspn(spec, "abcdefghijklmnopqrstuvwxyz0123456789")
	        == (size_t)(colon - spec)) {
		buf_sets(full, spec);
		tlen = (size_t)(colon - spec);
	} else {
		buf_printf(full, "%s:%s", map_default_type(), spec);
		tlen = strlen(map_default_type());
	}
	type = map_find_type(buf_cstr(full), tlen);
	if (type == NULL) {
		buf_printf(why, "%s: unsupported map type \"%.*s\"", spec,
		    (int)tlen, buf_cstr(full));
		return NULL;
	}
	*name_out = buf_cstr(full) + tlen + 1;
	if (**name_out == 0) {
		buf_printf(why, "%s: map name missing after \"%s:\"", spec,
		    type->name);
		return NULL;
	}
	return type;
}

/* map_file_id_fd - identity of an open file */
int
map_file_id_fd(int fd, struct map_file_id *id)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	return 0;
}

/* map_file_id_path - identity of a path */
int
map_file_id_path(const char *path, struct map_file_id *id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -1;
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	id->size = st.st_size;
	id->mtime = st.st_mtim;
	return 0;
}

/* map_file_id_eq - same file, same contents as far as stat can tell */
bool
map_file_id_eq(const struct map_file_id *a, const struct map_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size
	    && a->mtime.tv_sec == b->mtime.tv_sec
	    && a->mtime.tv_nsec == b->mtime.tv_nsec;
}

/* map_watch_fd - remember the file a type read */
void
map_watch_fd(struct map *m, const char *path, int fd)
{
	free(m->watch_path);
	m->watch_path = xstrdup(path);
	if (map_file_id_fd(fd, &m->id) < 0)
		memset(&m->id, 0, sizeof(m->id));
	m->next_check_ms = clock_ms() + map_check_ms;
}

/* map_open_common - open from a file, or from memory (mem != NULL) */
static struct map *
map_open_common(
    const char *spec, int flags, const char *mem, size_t len, struct buf *why)
{
	struct buf *full = buf_new(64);
	const struct map_type *type;
	const char *name;
	struct map_diag d;
	struct map *m;

	if ((type = map_parse_spec(spec, full, &name, why)) == NULL) {
		buf_free(&full);
		return NULL;
	}
	m = xcalloc(1, sizeof(*m));
	m->spec = buf_steal(full);
	buf_free(&full);
	m->name = m->spec + strlen(type->name) + 1;
	m->type = type;
	m->fold = (flags & MAP_NO_FOLD) ? false
	    : (flags & MAP_FOLD_CASE)   ? true
	                                : type->fold_default;
	m->key = buf_new(64);
	m->akey = buf_new(64);
	m->mem = mem;
	m->mem_len = len;
	map_diag_init(&d, m->name, why, true);
	if (type->open(m, &d) < 0 || d.nerrors > 0) {
		map_diag_finish(&d);
		if (m->priv)
			type->close(m);
		m->priv = NULL;
		map_close(&m);
		return NULL;
	}
	m->mem = NULL;
	return m;
}

/* map_open - open "type:name" */
struct map *
map_open(const char *spec, int flags, struct buf *why)
{
	return map_open_common(spec, flags, NULL, 0, why);
}

/* map_open_mem - a text type from memory */
struct map *
map_open_mem(const char *type, const char *name, const char *text, size_t len,
    int flags, struct buf *why)
{
	struct buf *spec = buf_new(64);
	struct map *m;

	buf_printf(spec, "%s:%s", type, name);
	m = map_open_common(buf_cstr(spec), flags, text, len, why);
	buf_free(&spec);
	return m;
}

/* map_close - close and clear */
void
map_close(struct map **mp)
{
	struct map *m = *mp;

	if (m == NULL)
		return;
	if (m->priv)
		m->type->close(m);
	free(m->spec);
	free(m->watch_path);
	buf_free(&m->key);
	buf_free(&m->akey);
	free(m);
	*mp = NULL;
}

/* map_spec - the spec */
const char *
map_spec(const struct map *m)
{
	return m->spec;
}

/* map_reopen - the file changed: read it again, keep the old state when
 * the new one cannot be read */
static void
map_reopen(struct map *m, const struct map_file_id *now)
{
	struct map fresh = *m;
	struct buf *why = buf_new(256);
	struct map_diag d;

	fresh.priv = NULL;
	fresh.watch_path = NULL;
	map_diag_init(&d, m->name, why, true);
	if (m->type->open(&fresh, &d) < 0 || d.nerrors > 0) {
		map_diag_finish(&d);
		if (fresh.priv)
			m->type->close(&fresh);
		free(fresh.watch_path);
		/* Do not retry until the file changes again. */
		m->id = *now;
		m->stale = true;
		log_warn("map %s: changed, but the new version cannot be "
		         "used, keeping the old one: %s",
		    m->spec, buf_cstr(why));
		buf_free(&why);
		return;
	}
	m->type->close(m);
	m->stale = false;
	m->priv = fresh.priv;
	free(m->watch_path);
	m->watch_path = fresh.watch_path;
	m->id = fresh.id;
	log_debug("map %s: reopened after a change", m->spec);
	buf_free(&why);
}

/* map_check_rebuild - at most once per interval, look at the file */
static void
map_check_rebuild(struct map *m)
{
	struct map_file_id now;
	int64_t t;

	if (m->watch_path == NULL)
		return;
	t = clock_ms();
	if (t < m->next_check_ms)
		return;
	m->next_check_ms = t + map_check_ms;
	/* A missing file (being replaced by hand): keep what we have. */
	if (map_file_id_path(m->watch_path, &now) < 0)
		return;
	if (!map_file_id_eq(&now, &m->id))
		map_reopen(m, &now);
}

/* map_get - one key */
int
map_get(struct map *m, const char *key, struct buf *out, struct buf *why)
{
	map_check_rebuild(m);
	if (m->fold)
		key = map_fold(m->key, key);
	buf_reset(out);
	return m->type->get(m, key, out, why);
}

/* map_get_addr - Postfix's order: user@domain, user (local), @domain */
int
map_get_addr(struct map *m, const char *addr, bool is_local, struct buf *out,
    int *matched_out, struct buf *why)
{
	const char *at = strrchr(addr, '@');
	int rc;

	if (matched_out)
		*matched_out = 0;
	if (at == NULL)
		return map_get(m, addr, out, why);
	/* user@domain, the domain lower-cased */
	buf_set(m->akey, addr, (size_t)(at - addr) + 1);
	buf_cats(m->akey, map_fold(m->key, at + 1));
	if ((rc = map_get(m, buf_cstr(m->akey), out, why)) != 0)
		return rc;
	/* user, for local domains only */
	if (is_local && at > addr) {
		buf_set(m->akey, addr, (size_t)(at - addr));
		if ((rc = map_get(m, buf_cstr(m->akey), out, why)) != 0) {
			if (rc > 0 && matched_out)
				*matched_out = 1;
			return rc;
		}
	}
	/* @domain */
	buf_reset(m->akey);
	buf_catc(m->akey, '@');
	buf_cats(m->akey, map_fold(m->key, at + 1));
	if ((rc = map_get(m, buf_cstr(m->akey), out, why)) > 0 && matched_out)
		*matched_out = 2;
	return rc;
}

/* map_walk - every entry */
int
map_walk(struct map *m, map_walk_fn fn, void *ctx, struct buf *why)
{
	map_check_rebuild(m);
	if (m->type->walk == NULL)
		return 0;
	return m->type->walk(m, fn, ctx, why);
}

/* map_build - compile a hash: or btree: map */
long
map_build(const char *spec, struct buf *why)
{
	struct buf *full = buf_new(64);
	const struct map_type *type;
	const char *name;
	struct map_diag d;
	long n;

	if ((type = map_parse_spec(spec, full, &name, why)) == NULL) {
		buf_free(&full);
		return -1;
	}
	if (type->build == NULL) {
		buf_printf(why,
		    "%s: %s maps are read from their text directly; there "
		    "is nothing to build",
		    buf_cstr(full), type->name);
		buf_free(&full);
		return -1;
	}
	map_diag_init(&d, name, why, false);
	n = type->build(name, type->fold_default, &d);
	map_diag_finish(&d);
	buf_free(&full);
	return d.nerrors > 0 ? -1 : n;
}

/* map_check_text - parse without building */
int
map_check_text(const char *spec, struct buf *why)
{
	struct buf *full = buf_new(64);
	const struct map_type *type;
	const char *name;
	struct map_diag d;
	int rc;

	if ((type = map_parse_spec(spec, full, &name, why)) == NULL) {
		buf_free(&full);
		return -1;
	}
	map_diag_init(&d, name, why, false);
	if (type->check) {
		rc = type->check(name, type->fold_default, &d);
	} else {
		struct map m;

		memset(&m, 0, sizeof(m));
		m.spec = (char *)buf_cstr(full);
		m.name = name;
		m.type = type;
		m.fold = type->fold_default;
		rc = type->open(&m, &d);
		if (m.priv)
			type->close(&m);
		free(m.watch_path);
	}
	map_diag_finish(&d);
	buf_free(&full);
	return rc < 0 || d.nerrors > 0 ? -1 : 0;
}

/*
 * Lists of maps.
 */

struct maplist_item {
	struct map *map; /* or NULL for a literal */
	char *literal;
};

struct maplist {
	struct maplist_item *items;
	size_t n;
	bool fold;
	struct buf *key;
};

/* maplist_next - the next item of a list: separators are commas and
 * white space outside braces. Returns false at the end. */
bool
maplist_next(const char **sp, struct buf *item)
{
	const char *s = *sp;
	int depth = 0;

	s += strspn(s, ", \t\r\n");
	if (*s == 0)
		return false;
	buf_reset(item);
	for (; *s; s++) {
		if (depth == 0 && strchr(", \t\r\n", *s))
			break;
		if (*s == '{')
			depth++;
		else if (*s == '}' && depth > 0)
			depth--;
		buf_catc(item, *s);
	}
	*sp = s;
	return true;
}

/* maplist_is_map - "type:name" with a known type, or "/path" */
static int
maplist_classify(const char *item, struct buf *why)
{
	const char *colon = strchr(item, ':');
	size_t tlen;
	unsigned char v6[16];

	if (item[0] == '/')
		return 1;
	if (colon == NULL || colon == item)
		return 0;
	tlen = (size_t)(colon - item);
	if (map_find_type(item, tlen) != NULL)
		return 1;
	/* An IPv6 address is a literal; another "word:" is a typo. */
	if (inet_pton(AF_INET6, item, v6) == 1 || item[0] == '[')
		return 0;
	if (strspn(item, "abcdefghijklmnopqrstuvwxyz0123456789") == tlen) {
		buf_printf(why, "%s: unsupported map type \"%.*s\"", item,
		    (int)tlen, item);
		return -1;
	}
	return 0;
}

/* maplist_open - parse the list and open its maps */
struct maplist *
maplist_open(const char *value, int flags, struct buf *why)
{
	struct maplist *l = xcalloc(1, sizeof(*l));
	struct buf *item = buf_new(64);
	const char *s = value;
	size_t alloc = 0;

	l->fold = !(flags & MAP_NO_FOLD);
	l->key = buf_new(64);
	while (maplist_next(&s, item)) {
		struct maplist_item it = {NULL, NULL};
		int kind = maplist_classify(buf_cstr(item), why);

		if (kind < 0)
			goto bad;
		if (kind > 0) {
			if ((it.map = map_open(buf_cstr(item), flags, why))
			    == NULL)
				goto bad;
		} else {
			it.literal = xstrdup(buf_cstr(item));
			if (l->fold)
				str_lower(it.literal);
		}
		if (l->n == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			l->items =
			    xreallocarray(l->items, alloc, sizeof(*l->items));
		}
		l->items[l->n++] = it;
	}
	buf_free(&item);
	return l;
bad:
	buf_free(&item);
	maplist_close(&l);
	return NULL;
}

/* maplist_close - close every map */
void
maplist_close(struct maplist **lp)
{
	struct maplist *l = *lp;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		map_close(&l->items[i].map);
		free(l->items[i].literal);
	}
	free(l->items);
	buf_free(&l->key);
	free(l);
	*lp = NULL;
}

/* maplist_count - items */
size_t
maplist_count(const struct maplist *l)
{
	return l->n;
}

/* maplist_item_get - one item, one key */
static int
maplist_item_get(struct maplist *l, struct maplist_item *it, const char *key,
    struct buf *out, struct buf *why)
{
	if (it->map)
		return map_get(it->map, key, out, why);
	if (l->fold)
		key = map_fold(l->key, key);
	if (strcmp(key, it->literal) != 0)
		return 0;
	buf_sets(out, it->literal);
	return 1;
}

/* maplist_get - first map that finds key */
int
maplist_get(
    struct maplist *l, const char *key, struct buf *out, struct buf *why)
{
	for (size_t i = 0; i < l->n; i++) {
		int rc = maplist_item_get(l, &l->items[i], key, out, why);

		if (rc != 0)
			return rc;
	}
	return 0;
}

/* maplist_stale - a map of the list changed but could not be reopened */
bool
maplist_stale(const struct maplist *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].map && l->items[i].map->stale)
			return true;
	return false;
}

/* maplist_get_addr - each key form in every map, then the next form */
int
maplist_get_addr(struct maplist *l, const char *addr, bool is_local,
    struct buf *out, struct buf *why)
{
	const char *at = strrchr(addr, '@');
	struct buf *k = buf_new(64), *dom = buf_new(64);
	int rc = 0;

	if (at == NULL) {
		rc = maplist_get(l, addr, out, why);
		goto done;
	}
	map_fold(dom, at + 1);
	buf_set(k, addr, (size_t)(at - addr) + 1);
	buf_cats(k, buf_cstr(dom));
	if ((rc = maplist_get(l, buf_cstr(k), out, why)) != 0)
		goto done;
	if (is_local && at > addr) {
		buf_set(k, addr, (size_t)(at - addr));
		if ((rc = maplist_get(l, buf_cstr(k), out, why)) != 0)
			goto done;
	}
	buf_sets(k, "@");
	buf_cats(k, buf_cstr(dom));
	rc = maplist_get(l, buf_cstr(k), out, why);
done:
	buf_free(&k);
	buf_free(&dom);
	return rc;
}

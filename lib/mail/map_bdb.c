/*
 * map_bdb.c - Berkeley DB 5.3: the hash: and btree: map types, map_build
 * for them, and the read-write databases owned by one daemon (bdb_*). This
 * is the only file that includes <db.h> (STYLE 17).
 *
 * Record format. Key and value are stored with their terminating NUL, as
 * Postfix's postmap does on Linux, so `db5.3_dump -p` shows "key\00" and
 * a .db built by postmap reads here too. Lookups try the key with the NUL
 * first and then without, for files built by tools that leave it out.
 *
 * Compiled maps (hash:, btree:). A map is built into FILE.db.PID.tmp,
 * closed (which flushes it), fsync'd, given the text file's mode (and
 * owner when run as root), renamed over FILE.db, and the directory is
 * fsync'd. Readers open FILE.db read-only without an environment: a
 * reader that has the old file open keeps reading the old inode, whole,
 * and notices the new inode on its next rebuild check (map.c). No lock is
 * needed because a compiled map is never written in place. A syntax error
 * stops the build before the rename, so the old map stays in service.
 *
 * Owned databases (bdb_*: greylist triplets, bans, auto-reply memory).
 * One daemon writes, and the `gannet` command (or another reader) may read
 * at the same moment. Berkeley DB's own answer to "one writer, many
 * readers, several processes" is the Concurrent Data Store: an
 * environment opened with DB_INIT_CDB | DB_INIT_MPOOL, whose shared cache
 * and lock table live in region files. Every process uses the same cache,
 * so a reader sees each put at once without the writer syncing after
 * every change, and CDB's locks keep a reader from seeing a page half
 * written. The environment of path lives in the directory path.env, one
 * per database, so that two owners never share (or remove) each other's
 * regions. Trade-offs, and what we do about them:
 *  - CDB has no recovery. If the owner dies inside a put, the write lock
 *    stays in the region. The owner therefore removes the environment
 *    when it opens the database (it is the only writer, and a new owner
 *    means the old one is gone) and creates it afresh; a file left
 *    damaged by the crash is moved aside to path.corrupt and started
 *    anew, with a warning. These databases hold state that can be
 *    relearned (a greylist triplet, a ban), not mail.
 *  - An open read cursor blocks the writer in CDB. bdb_walk therefore
 *    reads BDB_WALK_BATCH records at a time into memory, closes the
 *    cursor, calls the callback, and continues from the last key
 *    (DB_SET_RANGE), so a long `gannet map dump` holds the writer back
 *    only for a batch at a time, and the callback may write.
 *  - A reader that finds no environment (the owner has never run) opens
 *    the file read-only without one: nobody is writing it.
 *  - XXX a reader that joined an environment just before a restarting
 *    owner removed it may read inconsistent pages for the rest of its
 *    (short) run; the owner never sees a problem.
 * map_open("btree:FILE") of an owned database joins its environment in
 * the same way, so `gannet map dump` and `gannet map query` are safe on
 * it.
 */
#include "util/sys_defs.h"

#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/map_impl.h"

#define BDB_BUILD_CACHE (32 * 1024 * 1024) /* cache while building */
#define BDB_ENV_CACHE   (4 * 1024 * 1024)  /* shared cache of owned DBs */
#define BDB_WALK_BATCH  256                /* records per cursor visit */

struct bdb {
	DB_ENV *env; /* NULL without environment */
	DB *db;
	DBTYPE type;
	char *path; /* absolute */
	bool is_writer;
};

/* The last message Berkeley DB reported, for why. Processes are single
 * threaded; this is only read right after the failing call. */
static char bdb_last_msg[256];

/* bdb_errcall - keep Berkeley DB's message instead of printing it */
static void
bdb_errcall(const DB_ENV *env, const char *prefix, const char *msg)
{
	snprintf(bdb_last_msg, sizeof(bdb_last_msg), "%s", msg);
	log_debug("berkeley db: %s", msg);
}

/* bdb_why - "what path: reason" */
static void
bdb_why(struct buf *why, const char *what, const char *path, int err)
{
	buf_printf(why, "%s %s: %s", what, path, db_strerror(err));
	if (bdb_last_msg[0] && err != DB_NOTFOUND && err != ENOENT)
		buf_printf(why, " (%s)", bdb_last_msg);
	bdb_last_msg[0] = 0;
}

/* bdb_abspath - path with an absolute directory (Berkeley DB resolves
 * relative names against the environment's home) */
static char *
bdb_abspath(const char *path)
{
	struct buf *b;
	char *cwd, *abs;

	if (path[0] == '/')
		return xstrdup(path);
	if ((cwd = getcwd(NULL, 0)) == NULL)
		return xstrdup(path);
	b = buf_new(256);

	buf_printf(b, "%s/%s", cwd, path);
	free(cwd);
	abs = buf_steal(b);
	buf_free(&b);
	return abs;
}

/* bdb_env_home - the environment directory of a database */
static void
bdb_env_home(const char *abspath, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s.env", abspath);
}

/* bdb_free - close handles and free */
static void
bdb_free(struct bdb *b)
{
	if (b->db)
		(void)b->db->close(b->db, 0);
	if (b->env)
		(void)b->env->close(b->env, 0);
	free(b->path);
	free(b);
}

/* bdb_env_join - join the owner's environment, if there is one; NULL
 * otherwise */
static DB_ENV *
bdb_env_join(const char *abspath)
{
	struct buf *home = buf_new(256);
	DB_ENV *env = NULL;
	int err;

	bdb_env_home(abspath, home);
	if (!file_is_dir(buf_cstr(home)))
		goto out;
	if ((err = db_env_create(&env, 0)) != 0) {
		env = NULL;
		goto out;
	}
	env->set_errcall(env, bdb_errcall);
	/* Without DB_CREATE: join what the owner made, or fail. */
	if ((err = env->open(env, buf_cstr(home),
	         DB_JOINENV | DB_INIT_CDB | DB_INIT_MPOOL, 0))
	    != 0) {
		log_debug("%s: no usable environment (%s), reading without",
		    buf_cstr(home), db_strerror(err));
		(void)env->close(env, 0);
		env = NULL;
		bdb_last_msg[0] = 0;
	}
out:
	buf_free(&home);
	return env;
}

/* bdb_open_reader - a read-only handle on file (absolute), joining its
 * environment when there is one; NULL with why */
static struct bdb *
bdb_open_reader(const char *file, DBTYPE type, struct buf *why)
{
	struct bdb *b = xcalloc(1, sizeof(*b));
	int err;

	b->path = bdb_abspath(file);
	b->type = type;
	b->env = bdb_env_join(b->path);
	if ((err = db_create(&b->db, b->env, 0)) != 0) {
		b->db = NULL;
		bdb_why(why, "create handle for", b->path, err);
		bdb_free(b);
		return NULL;
	}
	b->db->set_errcall(b->db, bdb_errcall);
	if ((err = b->db->open(b->db, NULL, b->path, NULL, type, DB_RDONLY, 0))
	    != 0) {
		bdb_why(why, "open", b->path, err);
		bdb_free(b);
		return NULL;
	}
	return b;
}

/* bdb_get_raw - look a key up with, then without, its NUL */
static int
bdb_get_raw(struct bdb *b, const char *key, struct buf *out, struct buf *why)
{
	DBT k, v;
	int err;

	for (int with_nul = 1; with_nul >= 0; with_nul--) {
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		k.data = (void *)key;
		k.size = (u_int32_t)(strlen(key) + (size_t)with_nul);
		err = b->db->get(b->db, NULL, &k, &v, 0);
		if (err == DB_NOTFOUND)
			continue;
		if (err != 0) {
			bdb_why(why, "read", b->path, err);
			return -1;
		}
		buf_reset(out);
		if (v.size > 0 && ((char *)v.data)[v.size - 1] == 0)
			v.size--;
		buf_cat(out, v.data, v.size);
		return 1;
	}
	return 0;
}

/* bdb_strip - a record's key or value as a string (its NUL dropped) */
static char *
bdb_strip(const DBT *d)
{
	size_t n = d->size;

	if (n > 0 && ((const char *)d->data)[n - 1] == 0)
		n--;
	return xstrndup(d->data, n);
}

/* bdb_walk_plain - one cursor pass (nobody writes the file) */
static int
bdb_walk_plain(struct bdb *b, map_walk_fn fn, void *ctx, struct buf *why)
{
	DBC *c;
	DBT k, v;
	int err, rc = 0;

	if ((err = b->db->cursor(b->db, NULL, &c, 0)) != 0) {
		bdb_why(why, "read", b->path, err);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	while ((err = c->get(c, &k, &v, DB_NEXT)) == 0) {
		char *ks = bdb_strip(&k), *vs = bdb_strip(&v);
		int stop = fn(ks, vs, ctx);

		free(ks);
		free(vs);
		if (stop)
			break;
	}
	if (err != 0 && err != DB_NOTFOUND) {
		bdb_why(why, "read", b->path, err);
		rc = -1;
	}
	(void)c->close(c);
	return rc;
}

/* bdb_walk_batched - BDB_WALK_BATCH records per cursor, callbacks with
 * the cursor closed (see the top of the file) */
static int
bdb_walk_batched(struct bdb *b, map_walk_fn fn, void *ctx, struct buf *why)
{
	char *keys[BDB_WALK_BATCH], *vals[BDB_WALK_BATCH];
	void *last = NULL;
	size_t last_len = 0;
	int rc = 0;
	bool more = true, stop = false;

	while (more && !stop) {
		DBC *c;
		DBT k, v;
		int err, n = 0;
		u_int32_t op = DB_FIRST;

		if ((err = b->db->cursor(b->db, NULL, &c, 0)) != 0) {
			bdb_why(why, "read", b->path, err);
			rc = -1;
			break;
		}
		memset(&k, 0, sizeof(k));
		memset(&v, 0, sizeof(v));
		if (last) {
			k.data = last;
			k.size = (u_int32_t)last_len;
			op = DB_SET_RANGE;
		}
		while (
		    n < BDB_WALK_BATCH && (err = c->get(c, &k, &v, op)) == 0) {
			void *seen;

			/* DB_SET_RANGE lands on the last key seen, if it is
			 * still there. */
			if (op == DB_SET_RANGE && k.size == last_len
			    && memcmp(k.data, last, last_len) == 0) {
				op = DB_NEXT;
				continue;
			}
			op = DB_NEXT;
			keys[n] = bdb_strip(&k);
			vals[n] = bdb_strip(&v);
			n++;
			seen = xmemdup(k.data, k.size);
			free(last);
			last = seen;
			last_len = k.size;
		}
		if (err != 0 && err != DB_NOTFOUND) {
			bdb_why(why, "read", b->path, err);
			rc = -1;
		}
		more = (err == 0);
		(void)c->close(c);
		for (int i = 0; i < n; i++) {
			if (!stop && rc == 0 && fn(keys[i], vals[i], ctx) != 0)
				stop = true;
			free(keys[i]);
			free(vals[i]);
		}
		if (rc < 0)
			break;
	}
	free(last);
	return rc;
}

/* bdb_walk_any - batched when others may be writing */
static int
bdb_walk_any(struct bdb *b, map_walk_fn fn, void *ctx, struct buf *why)
{
	if (b->env && b->type == DB_BTREE)
		return bdb_walk_batched(b, fn, ctx, why);
	return bdb_walk_plain(b, fn, ctx, why);
}

/*
 * The hash: and btree: map types.
 */

/* map_bdb_open - open FILE.db read-only */
static int
map_bdb_open(struct map *m, DBTYPE type, struct map_diag *d)
{
	struct buf *file = buf_new(256), *why = buf_new(256);
	struct bdb *b;
	int rc = 0;

	buf_printf(file, "%s.db", m->name);
	if ((b = bdb_open_reader(buf_cstr(file), type, why)) == NULL) {
		map_diag_error(d, -1, "%s", buf_cstr(why));
		rc = -1;
	} else {
		int fd = -1;

		m->priv = b;
		if (b->db->fd(b->db, &fd) == 0 && fd >= 0)
			map_watch_fd(m, buf_cstr(file), fd);
	}
	buf_free(&file);
	buf_free(&why);
	return rc;
}

static int
map_hash_open(struct map *m, struct map_diag *d)
{
	return map_bdb_open(m, DB_HASH, d);
}

static int
map_btree_open(struct map *m, struct map_diag *d)
{
	return map_bdb_open(m, DB_BTREE, d);
}

/* map_bdb_get - one key */
static int
map_bdb_get(struct map *m, const char *key, struct buf *out, struct buf *why)
{
	return bdb_get_raw(m->priv, key, out, why);
}

/* map_bdb_walk - every record */
static int
map_bdb_walk(struct map *m, map_walk_fn fn, void *ctx, struct buf *why)
{
	return bdb_walk_any(m->priv, fn, ctx, why);
}

/* map_bdb_close - close the handle */
static void
map_bdb_close(struct map *m)
{
	bdb_free(m->priv);
	m->priv = NULL;
}

/* The state of one build. */
struct bdb_build {
	DB *db;
	const char *path;
	struct map_diag *d;
	long lineno;
};

/* bdb_build_add - put one record unless its key is there */
static int
bdb_build_add(const char *key, const char *value, long lineno, void *ctx)
{
	struct bdb_build *bb = ctx;
	DBT k, v;
	int err;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)strlen(key) + 1;
	v.data = (void *)value;
	v.size = (u_int32_t)strlen(value) + 1;
	err = bb->db->put(bb->db, NULL, &k, &v, DB_NOOVERWRITE);
	if (err == 0)
		return 1;
	if (err == DB_KEYEXIST)
		return 0;
	map_diag_error(
	    bb->d, lineno, "write %s: %s", bb->path, db_strerror(err));
	return -1;
}

/* bdb_check_add - duplicate detection without a database */
static int
bdb_check_add(const char *key, const char *value, long lineno, void *ctx)
{
	if (htable_has(ctx, key))
		return 0;
	htable_set(ctx, key, (void *)1);
	return 1;
}

/* map_bdb_check - parse the text file */
static int
map_bdb_check(const char *name, bool fold, struct map_diag *d)
{
	struct buf *why = buf_new(128);
	struct map_text *t = map_text_open(name, why);
	struct htable *seen;
	long n;

	if (t == NULL) {
		map_diag_error(d, -1, "%s", buf_cstr(why));
		buf_free(&why);
		return -1;
	}
	seen = htable_new(1024);
	n = map_text_read_kv(t, fold, d, bdb_check_add, seen);
	htable_free(&seen, NULL);
	map_text_close(&t);
	buf_free(&why);
	return n < 0 ? -1 : 0;
}

/* bdb_build_finish - fsync, mode and owner of the source, rename */
static int
bdb_build_finish(
    int src_fd, const char *tmp, const char *dst, struct map_diag *d)
{
	struct stat st;
	int fd;

	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0) {
		map_diag_error(d, -1, "open %s: %s", tmp, strerror(errno));
		return -1;
	}
	if (fstat(src_fd, &st) == 0) {
		if (fchmod(fd, st.st_mode & 07777) < 0)
			log_warn("chmod %s: %m", tmp);
		if (geteuid() == 0 && fchown(fd, st.st_uid, st.st_gid) < 0)
			log_warn("chown %s: %m", tmp);
	}
	if (fsync(fd) < 0) {
		map_diag_error(d, -1, "fsync %s: %s", tmp, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	if (rename(tmp, dst) < 0) {
		map_diag_error(
		    d, -1, "rename %s to %s: %s", tmp, dst, strerror(errno));
		return -1;
	}
	if (file_fsync_dir(dst) < 0)
		log_warn("fsync the directory of %s: %m", dst);
	return 0;
}

/* map_bdb_build - compile name into name.db */
static long
map_bdb_build(const char *name, DBTYPE type, bool fold, struct map_diag *d)
{
	struct buf *dst = buf_new(256), *tmp = buf_new(256),
	           *why = buf_new(128);
	struct map_text *t = NULL;
	struct bdb_build bb;
	long n = -1;
	int err;

	buf_printf(dst, "%s.db", name);
	buf_printf(tmp, "%s.db.%ld.tmp", name, (long)getpid());
	memset(&bb, 0, sizeof(bb));
	bb.path = buf_cstr(tmp);
	bb.d = d;
	/* Open the source before creating anything. */
	if ((t = map_text_open(name, why)) == NULL) {
		map_diag_error(d, -1, "%s", buf_cstr(why));
		goto out;
	}
	(void)unlink(buf_cstr(tmp)); /* left by a crashed run of this pid */
	if ((err = db_create(&bb.db, NULL, 0)) != 0) {
		map_diag_error(
		    d, -1, "create %s: %s", bb.path, db_strerror(err));
		goto out;
	}
	bb.db->set_errcall(bb.db, bdb_errcall);
	(void)bb.db->set_cachesize(bb.db, 0, BDB_BUILD_CACHE, 1);
	if ((err = bb.db->open(
	         bb.db, NULL, bb.path, NULL, type, DB_CREATE | DB_EXCL, 0600))
	    != 0) {
		map_diag_error(
		    d, -1, "create %s: %s", bb.path, db_strerror(err));
		(void)bb.db->close(bb.db, 0);
		bb.db = NULL;
		goto out;
	}
	n = map_text_read_kv(t, fold, d, bdb_build_add, &bb);
	/* close() writes every page out; the fsync follows. */
	if ((err = bb.db->close(bb.db, 0)) != 0 && n >= 0) {
		map_diag_error(
		    d, -1, "write %s: %s", bb.path, db_strerror(err));
		n = -1;
	}
	bb.db = NULL;
	if (n < 0 || d->nerrors > 0) {
		n = -1;
		(void)unlink(bb.path);
		goto out;
	}
	if (bdb_build_finish(map_text_fd(t), bb.path, buf_cstr(dst), d) < 0) {
		(void)unlink(bb.path);
		n = -1;
	}
out:
	map_text_close(&t);
	buf_free(&dst);
	buf_free(&tmp);
	buf_free(&why);
	return n;
}

static long
map_hash_build(const char *name, bool fold, struct map_diag *d)
{
	return map_bdb_build(name, DB_HASH, fold, d);
}

static long
map_btree_build(const char *name, bool fold, struct map_diag *d)
{
	return map_bdb_build(name, DB_BTREE, fold, d);
}

const struct map_type map_type_hash = {
    .name = "hash",
    .fold_default = true,
    .open = map_hash_open,
    .get = map_bdb_get,
    .walk = map_bdb_walk,
    .close = map_bdb_close,
    .check = map_bdb_check,
    .build = map_hash_build,
};

const struct map_type map_type_btree = {
    .name = "btree",
    .fold_default = true,
    .open = map_btree_open,
    .get = map_bdb_get,
    .walk = map_bdb_walk,
    .close = map_bdb_close,
    .check = map_bdb_check,
    .build = map_btree_build,
};

/*
 * Owned databases.
 */

/* bdb_env_create - remove what a previous owner left, make a fresh
 * environment; NULL with why */
static DB_ENV *
bdb_env_create(const char *abspath, struct buf *why)
{
	struct buf *home = buf_new(256);
	DB_ENV *env = NULL;
	int err;

	bdb_env_home(abspath, home);
	if (mkdir(buf_cstr(home), 0700) < 0 && errno != EEXIST) {
		buf_printf(
		    why, "mkdir %s: %s", buf_cstr(home), strerror(errno));
		goto out;
	}
	/* The old owner is gone; so are its locks (see the top). */
	if (db_env_create(&env, 0) == 0)
		(void)env->remove(env, buf_cstr(home), DB_FORCE);
	env = NULL;
	if ((err = db_env_create(&env, 0)) != 0) {
		bdb_why(why, "create environment", buf_cstr(home), err);
		env = NULL;
		goto out;
	}
	env->set_errcall(env, bdb_errcall);
	(void)env->set_cachesize(env, 0, BDB_ENV_CACHE, 1);
	if ((err = env->open(env, buf_cstr(home),
	         DB_CREATE | DB_INIT_CDB | DB_INIT_MPOOL, 0600))
	    != 0) {
		bdb_why(why, "open environment", buf_cstr(home), err);
		(void)env->close(env, 0);
		env = NULL;
	}
out:
	buf_free(&home);
	return env;
}

/* bdb_db_open_rw - open or create the B-tree in b->env */
static int
bdb_db_open_rw(struct bdb *b)
{
	int err;

	if ((err = db_create(&b->db, b->env, 0)) != 0) {
		b->db = NULL;
		return err;
	}
	b->db->set_errcall(b->db, bdb_errcall);
	if ((err = b->db->open(
	         b->db, NULL, b->path, NULL, DB_BTREE, DB_CREATE, 0600))
	    != 0) {
		(void)b->db->close(b->db, 0);
		b->db = NULL;
	}
	return err;
}

/* bdb_open - the owner */
struct bdb *
bdb_open(const char *path, struct buf *why)
{
	struct bdb *b = xcalloc(1, sizeof(*b));
	int err;

	b->path = bdb_abspath(path);
	b->type = DB_BTREE;
	b->is_writer = true;
	if ((b->env = bdb_env_create(b->path, why)) == NULL) {
		bdb_free(b);
		return NULL;
	}
	err = bdb_db_open_rw(b);
	/* System errors are the environment's problem; others mean the
	 * file is not a usable B-tree. */
	if (err != 0 && err != ENOENT && err != EACCES && err != EPERM
	    && err != EROFS && err != ENOSPC && err != EMFILE
	    && err != ENFILE) {
		struct buf *aside = buf_new(256);

		buf_printf(aside, "%s.corrupt", b->path);
		log_warn("%s: cannot be read (%s), moving it to %s and "
		         "starting afresh",
		    b->path, db_strerror(err), buf_cstr(aside));
		if (rename(b->path, buf_cstr(aside)) == 0)
			err = bdb_db_open_rw(b);
		buf_free(&aside);
	}
	if (err != 0) {
		bdb_why(why, "open", b->path, err);
		bdb_free(b);
		return NULL;
	}
	return b;
}

/* bdb_open_readonly - a reader */
struct bdb *
bdb_open_readonly(const char *path, struct buf *why)
{
	return bdb_open_reader(path, DB_BTREE, why);
}

/* bdb_close - close and clear */
void
bdb_close(struct bdb **dbp)
{
	if (*dbp == NULL)
		return;
	bdb_free(*dbp);
	*dbp = NULL;
}

/* bdb_get - one key */
int
bdb_get(struct bdb *db, const char *key, struct buf *out, struct buf *why)
{
	return bdb_get_raw(db, key, out, why);
}

/* bdb_put - insert or replace */
int
bdb_put(struct bdb *db, const char *key, const char *value, struct buf *why)
{
	DBT k, v;
	int err;

	if (!db->is_writer) {
		buf_printf(why, "write %s: opened read-only", db->path);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)strlen(key) + 1;
	v.data = (void *)value;
	v.size = (u_int32_t)strlen(value) + 1;
	if ((err = db->db->put(db->db, NULL, &k, &v, 0)) != 0) {
		bdb_why(why, "write", db->path, err);
		return -1;
	}
	return 0;
}

/* bdb_del - remove a key */
int
bdb_del(struct bdb *db, const char *key, struct buf *why)
{
	DBT k;
	int err;

	if (!db->is_writer) {
		buf_printf(why, "write %s: opened read-only", db->path);
		return -1;
	}
	memset(&k, 0, sizeof(k));
	k.data = (void *)key;
	k.size = (u_int32_t)strlen(key) + 1;
	err = db->db->del(db->db, NULL, &k, 0);
	if (err == DB_NOTFOUND)
		return 0;
	if (err != 0) {
		bdb_why(why, "write", db->path, err);
		return -1;
	}
	return 1;
}

/* bdb_walk - every record */
int
bdb_walk(struct bdb *db, map_walk_fn fn, void *ctx, struct buf *why)
{
	return bdb_walk_any(db, fn, ctx, why);
}

/* bdb_sync - flush */
int
bdb_sync(struct bdb *db, struct buf *why)
{
	int err;

	if (!db->is_writer)
		return 0;
	if ((err = db->db->sync(db->db, 0)) != 0) {
		bdb_why(why, "sync", db->path, err);
		return -1;
	}
	return 0;
}

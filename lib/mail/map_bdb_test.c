/*
 * map_bdb_test.c - hash: and btree: maps (build, lookups, folding,
 * duplicates, errors, the record format, a rebuild noticed by an open
 * reader) and the owned read-write databases (bdb_*), with a reader in
 * another process while the owner writes.
 */
#include "util/sys_defs.h"

#include <db.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/xalloc.h"

#include "mail/map.h"

#include "tests/t.h"

static const char *types[] = {"hash", "btree"};

static const struct {
	const char *key;
	int ret;
	const char *value;
} lookups[] = {
    {"alice@example.com", 1, "alice"},
    {"ALICE@Example.COM", 1, "alice"},
    {"bob@example.com", 1, "Bob Value  continued"},
    {"carol@example.com", 0, NULL},
    {"dup", 1, "first"},
    {"", 0, NULL},
};

static const char *source = "# a comment\n"
                            "alice@example.com alice\n"
                            "Bob@Example.com   Bob Value\n"
                            "  continued\n"
                            "dup first\n"
                            "dup second\n";

/* spec_of - "type:path" */
static char *
spec_of(const char *type, const char *path)
{
	struct buf *b = buf_new(64);
	char *s;

	buf_printf(b, "%s:%s", type, path);
	s = buf_steal(b);
	buf_free(&b);
	return s;
}

/* build_and_lookup - for both types */
static void
build_and_lookup(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);

	for (size_t t = 0; t < NELEM(types); t++) {
		char *path = xstrdup(t_write_file(types[t], source));
		char *spec = spec_of(types[t], path);
		struct map *m;
		long n;

		t_begin(types[t]);
		chmod(path, 0640);
		buf_reset(why);
		n = map_build(spec, why);
		T_INTEQ(n, 3);
		T_ASSERT(strstr(buf_cstr(why),
		             ":6: warning: duplicate key \"dup\", the first "
		             "one wins")
		    != NULL);
		m = map_open(spec, 0, why);
		T_ASSERT(m != NULL);
		for (size_t i = 0; m && i < NELEM(lookups); i++) {
			T_INTEQ(map_get(m, lookups[i].key, out, why),
			    lookups[i].ret);
			if (lookups[i].ret == 1)
				T_STREQ(buf_cstr(out), lookups[i].value);
		}
		map_close(&m);

		t_begin("mode of the source");
		{
			struct stat st;
			struct buf *db = buf_new(64);

			buf_printf(db, "%s.db", path);
			T_INTEQ(stat(buf_cstr(db), &st), 0);
			T_INTEQ(st.st_mode & 0777, 0640);
			buf_free(&db);
		}

		t_begin("without folding, the builder keeps the case too");
		m = map_open(spec, MAP_NO_FOLD, why);
		T_ASSERT(m != NULL);
		if (m) {
			/* Keys were folded when built. */
			T_INTEQ(map_get(m, "bob@example.com", out, why), 1);
			T_INTEQ(map_get(m, "Bob@Example.com", out, why), 0);
			map_close(&m);
		}
		free(path);
		free(spec);
	}
	buf_free(&out);
	buf_free(&why);
}

/* record_format - keys and values end with a NUL, like postmap */
static void
record_format(void)
{
	struct buf *why = buf_new(64), *dbp = buf_new(64);
	char *path = xstrdup(t_write_file("fmt", "Key Value\n"));
	char *spec = spec_of("hash", path);
	DB *db;
	DBT k, v;

	t_begin("records are NUL-terminated");
	T_INTEQ(map_build(spec, why), 1);
	buf_printf(dbp, "%s.db", path);
	T_INTEQ(db_create(&db, NULL, 0), 0);
	T_INTEQ(
	    db->open(db, NULL, buf_cstr(dbp), NULL, DB_HASH, DB_RDONLY, 0), 0);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = "key";
	k.size = 4;
	T_INTEQ(db->get(db, NULL, &k, &v, 0), 0);
	T_MEMEQ(v.data, v.size, "Value", 6);
	db->close(db, 0);

	t_begin("a file without the NULs reads too");
	unlink(buf_cstr(dbp));
	T_INTEQ(db_create(&db, NULL, 0), 0);
	T_INTEQ(
	    db->open(db, NULL, buf_cstr(dbp), NULL, DB_HASH, DB_CREATE, 0644),
	    0);
	k.data = "plain";
	k.size = 5;
	v.data = "val";
	v.size = 3;
	T_INTEQ(db->put(db, NULL, &k, &v, 0), 0);
	db->close(db, 0);
	{
		struct map *m = map_open(spec, 0, why);
		struct buf *out = buf_new(16);

		T_ASSERT(m != NULL);
		if (m) {
			T_INTEQ(map_get(m, "plain", out, why), 1);
			T_STREQ(buf_cstr(out), "val");
			map_close(&m);
		}
		buf_free(&out);
	}
	free(path);
	free(spec);
	buf_free(&why);
	buf_free(&dbp);
}

/* build_errors - syntax errors fail the build and keep the old file */
static void
build_errors(void)
{
	struct buf *why = buf_new(64), *out = buf_new(64);
	char *path = xstrdup(t_write_file("err", "good value\n"));
	char *spec = spec_of("hash", path);
	struct map *m;

	t_begin("syntax error keeps the old map");
	T_INTEQ(map_build(spec, why), 1);
	t_write_file("err", "good changed\nbad\n  \n\nother 1\n");
	buf_reset(why);
	T_INTEQ(map_build(spec, why), -1);
	T_ASSERT(strstr(buf_cstr(why),
	             "/err:2: expected \"key value\", found "
	             "only \"bad\"")
	    != NULL);
	m = map_open(spec, 0, why);
	T_ASSERT(m != NULL);
	if (m) {
		T_INTEQ(map_get(m, "good", out, why), 1);
		T_STREQ(buf_cstr(out), "value");
		map_close(&m);
	}
	{
		struct buf *tmp = buf_new(64);

		buf_printf(tmp, "%s.db.%ld.tmp", path, (long)getpid());
		T_ASSERT(!file_exists(buf_cstr(tmp)));
		buf_free(&tmp);
	}

	t_begin("missing source");
	buf_reset(why);
	T_INTEQ(map_build("hash:/nonexistent/x", why), -1);
	T_STREQ(
	    buf_cstr(why), "open /nonexistent/x: No such file or directory");

	t_begin("missing database is an error, not 'not found'");
	buf_reset(why);
	T_ASSERT(map_open("btree:/nonexistent/x", 0, why) == NULL);
	T_ASSERT(strstr(buf_cstr(why), "open /nonexistent/x.db") != NULL);

	t_begin("check the source of a hash map");
	buf_reset(why);
	T_INTEQ(map_check_text(spec, why), -1);
	T_ASSERT(strstr(buf_cstr(why), "/err:2: expected") != NULL);
	free(path);
	free(spec);
	buf_free(&why);
	buf_free(&out);
}

/* rebuild_noticed - an open reader sees a rebuilt map */
static void
rebuild_noticed(void)
{
	struct buf *why = buf_new(64), *out = buf_new(64);
	char *path = xstrdup(t_write_file("rb", "k one\n"));
	char *spec = spec_of("hash", path);
	struct map *m;

	t_begin("rebuild noticed without reopening");
	map_set_check_interval(0);
	T_INTEQ(map_build(spec, why), 1);
	m = map_open(spec, 0, why);
	T_ASSERT(m != NULL);
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "one");
	t_write_file("rb", "k two\nnew entry\n");
	T_INTEQ(map_build(spec, why), 2);
	T_INTEQ(map_get(m, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "two");
	T_INTEQ(map_get(m, "new", out, why), 1);
	map_close(&m);
	map_set_check_interval(1000);
	free(path);
	free(spec);
	buf_free(&why);
	buf_free(&out);
}

static int
collect(const char *key, const char *value, void *ctx)
{
	buf_printf(ctx, "%s=%s;", key, value);
	return 0;
}

/* walk_btree - keys in order */
static void
walk_btree(void)
{
	struct buf *why = buf_new(64), *w = buf_new(64);
	char *path = xstrdup(t_write_file("wb", "c 3\na 1\nb 2\n"));
	char *spec = spec_of("btree", path);
	struct map *m;

	t_begin("walk a btree map");
	T_INTEQ(map_build(spec, why), 3);
	m = map_open(spec, 0, why);
	T_ASSERT(m != NULL);
	T_INTEQ(map_walk(m, collect, w, why), 0);
	T_STREQ(buf_cstr(w), "a=1;b=2;c=3;");
	map_close(&m);
	free(path);
	free(spec);
	buf_free(&why);
	buf_free(&w);
}

/* count_cb - count records, delete every other one from inside */
struct walk_ctx {
	struct bdb *db;
	int n;
};

static int
count_and_delete(const char *key, const char *value, void *ctx)
{
	struct walk_ctx *c = ctx;
	struct buf *why = buf_new(16);

	if (c->n++ % 2 == 0)
		(void)bdb_del(c->db, key, why);
	buf_free(&why);
	return 0;
}

/* owned - the read-write API */
static void
owned(void)
{
	struct buf *why = buf_new(64), *out = buf_new(64), *path = buf_new(64);
	struct bdb *db, *ro;
	struct walk_ctx c;

	buf_printf(path, "%s/owned.db", t_tmpdir());
	t_begin("bdb put/get/del");
	db = bdb_open(buf_cstr(path), why);
	T_ASSERT(db != NULL);
	if (db == NULL) {
		fprintf(stderr, "%s\n", buf_cstr(why));
		return;
	}
	T_INTEQ(bdb_put(db, "k", "v1", why), 0);
	T_INTEQ(bdb_get(db, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "v1");
	T_INTEQ(bdb_put(db, "k", "v2", why), 0);
	T_INTEQ(bdb_get(db, "k", out, why), 1);
	T_STREQ(buf_cstr(out), "v2");
	T_INTEQ(bdb_get(db, "K", out, why), 0);
	T_INTEQ(bdb_del(db, "k", why), 1);
	T_INTEQ(bdb_del(db, "k", why), 0);
	T_INTEQ(bdb_get(db, "k", out, why), 0);

	t_begin("bdb walk in batches, deleting from the callback");
	for (int i = 0; i < 1000; i++) {
		char k[16];

		snprintf(k, sizeof(k), "key%04d", i);
		bdb_put(db, k, "x", why);
	}
	c.db = db;
	c.n = 0;
	T_INTEQ(bdb_walk(db, count_and_delete, &c, why), 0);
	T_INTEQ(c.n, 1000);
	c.n = 0;
	T_INTEQ(bdb_walk(db, count_and_delete, &c, why), 0);
	T_INTEQ(c.n, 500);
	T_INTEQ(bdb_sync(db, why), 0);

	t_begin("a reader sees the owner's writes at once");
	ro = bdb_open_readonly(buf_cstr(path), why);
	T_ASSERT(ro != NULL);
	T_INTEQ(bdb_put(db, "fresh", "yes", why), 0);
	if (ro) {
		T_INTEQ(bdb_get(ro, "fresh", out, why), 1);
		T_STREQ(buf_cstr(out), "yes");
		T_INTEQ(bdb_put(ro, "x", "y", why), -1);
		T_ASSERT(strstr(buf_cstr(why), "opened read-only") != NULL);
		bdb_close(&ro);
	}

	t_begin("map_open of an owned database");
	{
		struct buf *spec = buf_new(64);
		struct map *m;

		buf_printf(spec, "btree:%s/owned", t_tmpdir());
		m = map_open(buf_cstr(spec), MAP_NO_FOLD, why);
		T_ASSERT(m != NULL);
		if (m) {
			T_INTEQ(map_get(m, "fresh", out, why), 1);
			map_close(&m);
		}
		buf_free(&spec);
	}

	t_begin("a reader in another process while the owner writes");
	{
		pid_t pid = fork();
		int status = 0;

		if (pid == 0) {
			/* Many short reads while the parent writes. */
			int bad = 0;

			for (int i = 0; i < 200; i++) {
				struct bdb *r =
				    bdb_open_readonly(buf_cstr(path), why);

				if (r == NULL) {
					bad++;
					continue;
				}
				if (bdb_get(r, "fresh", out, why) != 1)
					bad++;
				bdb_close(&r);
			}
			_exit(bad ? 1 : 0);
		}
		for (int i = 0; i < 2000; i++) {
			char k[16];

			snprintf(k, sizeof(k), "w%05d", i);
			bdb_put(db, k, "value", why);
		}
		waitpid(pid, &status, 0);
		T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	bdb_close(&db);
	T_ASSERT(db == NULL);

	t_begin("reopen by a new owner keeps the data");
	db = bdb_open(buf_cstr(path), why);
	T_ASSERT(db != NULL);
	if (db) {
		T_INTEQ(bdb_get(db, "fresh", out, why), 1);
		T_INTEQ(bdb_get(db, "w01999", out, why), 1);
		bdb_close(&db);
	}

	t_begin("a damaged file is moved aside");
	t_write_file("junk.db", "this is not a database\n");
	buf_reset(path);
	buf_printf(path, "%s/junk.db", t_tmpdir());
	t_expect_log("cannot be read");
	db = bdb_open(buf_cstr(path), why);
	T_ASSERT(db != NULL);
	if (db) {
		T_INTEQ(bdb_put(db, "a", "b", why), 0);
		bdb_close(&db);
	}
	buf_cats(path, ".corrupt");
	T_ASSERT(file_exists(buf_cstr(path)));

	t_begin("readonly open of a missing file");
	buf_reset(why);
	T_ASSERT(bdb_open_readonly("/nonexistent/x.db", why) == NULL);
	T_ASSERT(strstr(buf_cstr(why), "No such file") != NULL);
	buf_free(&why);
	buf_free(&out);
	buf_free(&path);
}

int
main(void)
{
	build_and_lookup();
	record_format();
	build_errors();
	rebuild_noticed();
	walk_btree();
	owned();
	return t_end();
}

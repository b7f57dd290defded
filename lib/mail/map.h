/*
 * map.h - one lookup API over every kind of map (DESIGN "Maps"; the user's
 * view is man/gannet-maps.5).
 *
 * A map is named "type:name", as in Postfix:
 *   hash:/path/file    Berkeley DB hash, compiled from the text file
 *                      /path/file into /path/file.db by `gannet map build`
 *   btree:/path/file   the same as a B-tree
 *   texthash:/path     the text file itself, read into memory
 *   cidr:/path         IPv4/IPv6 networks and ranges, first match wins
 *   pcre:/path         /regex/flags result lines, $1.. substitution
 *   inline:{ k=v, k2=v2, { k3 = text with spaces } }
 *   static:value       every key finds value (static:{ text } for spaces)
 * A name without a type uses default_database_type (hash when unset).
 *
 * Keys are looked up as given, except that maps opened with MAP_FOLD_CASE
 * (the default for hash, btree, texthash and inline) lower-case the key
 * first (ASCII only); the builder lower-cases keys of those types when it
 * compiles. Values are never changed.
 * Text files are "key value" lines (white space between), '#' comments
 * (lines whose first non-blank character is '#'), continuation lines that
 * begin with white space; a logical line may not be longer than
 * map_line_length_limit. BDB files store key and value NUL-terminated, as
 * Postfix does, so db5.3_dump -p shows them plainly; files without the NUL
 * (built by other tools) are read too.
 *
 * Maps are opened read-only by daemons. A map notices when its file was
 * rebuilt or edited (new inode, mtime or size, checked at most once a
 * second, on the next lookup) and reopens itself, so daemons see a rebuilt
 * map without a restart. When the new version cannot be read (a syntax
 * error in a cidr: file, say), the map logs a warning and keeps answering
 * from the version it has.
 *
 * Problems in map files are reported as "file:line: text". map_open()
 * fails on errors (all of them in why) and logs warnings (log_warn);
 * map_check_text() and map_build() put both in why, warnings as
 * "file:line: warning: text".
 */
#ifndef MAIL_MAP_H
#define MAIL_MAP_H
#include "util/sys_defs.h"

struct buf;
struct map;

#define MAP_FOLD_CASE 0x1 /* lower-case keys (see above) */
#define MAP_NO_FOLD   0x2 /* never lower-case, even for hash */

/* map_walk_fn - called for each key and value; non-zero stops the walk */
typedef int (*map_walk_fn)(const char *key, const char *value, void *ctx);

/* map_open - open "type:name" read-only; NULL with why */
struct map *map_open(const char *spec, int flags, struct buf *why);
/* map_close - close and set *mp = NULL; NULL is fine */
void map_close(struct map **mp);
/* map_spec - the "type:name" the map was opened with (with the default
 * type filled in when the spec had none) */
const char *map_spec(const struct map *m);
/* map_get - 1 found (value in out), 0 not found, -1 error with why (a
 * missing or unreadable file is an error, not "not found") */
int map_get(struct map *m, const char *key, struct buf *out, struct buf *why);
/* map_get_addr - look up an address in Postfix's order: "user@domain",
 * then "user" (only when domain is local: is_local true), then "@domain".
 * The domain part is lower-cased for every map type; the local part only
 * by maps that fold case. An address without '@' is looked up once, as
 * given. The '@' that separates the domain is the last one. Returns as
 * map_get; *matched_out (may be NULL) says which key matched: 0 full
 * address, 1 local part, 2 @domain. */
int map_get_addr(struct map *m, const char *addr, bool is_local,
    struct buf *out, int *matched_out, struct buf *why);
/* map_walk - call fn for every key/value, in file order for text types
 * (texthash, inline, cidr, pcre: key is the pattern as written), in
 * database order for hash/btree; static: has no keys. Stops when fn
 * returns non-zero; returns 0 or -1 with why */
int map_walk(struct map *m, map_walk_fn fn, void *ctx, struct buf *why);
/* map_type_known - type (without ':') is a map type of this build */
bool map_type_known(const char *type);
/* map_set_check_interval - how often (milliseconds) maps look at their
 * file for a rebuild; default 1000. Tests set 0. */
void map_set_check_interval(int ms);

/* A list of maps and literal values, as in Postfix parameters:
 * "hash:/etc/gannet/maps/x, cidr:/etc/gannet/maps/y, 192.0.2.1".
 * Items are separated by commas and/or white space; braces group
 * ("inline:{ a=b, c=d }" is one item). An item "type:name" is a map; an
 * item that begins with '/' is a map of default_database_type; any other
 * word is a literal, which matches itself (case-insensitively unless
 * MAP_NO_FOLD) with the literal as value. Maps are searched in list order.
 */
struct maplist;
struct maplist *maplist_open(const char *value, int flags, struct buf *why);
void maplist_close(struct maplist **lp);
/* maplist_get - first map that finds the key wins; returns as map_get */
int maplist_get(
    struct maplist *l, const char *key, struct buf *out, struct buf *why);
/* maplist_get_addr - as map_get_addr over the list, in Postfix's order:
 * the full address in every map first, then the local part in every map,
 * then @domain in every map. An error stops the search (-1). */
int maplist_get_addr(struct maplist *l, const char *addr, bool is_local,
    struct buf *out, struct buf *why);
/* maplist_stale - true when a map of the list was rebuilt but the new file
 * could not be read (it keeps answering from the old one): typically a
 * secret map opened as root by a process that is no longer root, which
 * should then exit so that a fresh one reads the new version */
bool maplist_stale(const struct maplist *l);
/* maplist_count - number of items */
size_t maplist_count(const struct maplist *l);
/* maplist_next - the next item of a list written as above, into item;
 * *sp advances; false at the end (for lists of other things, such as
 * matchlist.h) */
bool maplist_next(const char **sp, struct buf *item);

/* Building maps (gannet map build, gannet user/alias/domain editing). */

/* map_build - compile the text file of a hash: or btree: spec into
 * file.db: written under a temporary name, fsync'd and renamed into
 * place, so readers never see half a map. The new file gets the mode (and,
 * when run as root, the owner) of the text file. Problems are reported in
 * why as "file:line: text" lines: a syntax error fails the build and
 * leaves the old file.db in place; a duplicate key is a warning and the
 * first one wins (as postmap). Returns the number of entries, or -1. Other
 * types are read from their text directly: building them is an error. */
long map_build(const char *spec, struct buf *why);
/* map_check_text - parse a map of any type without building (the text
 * file for hash/btree), for `gannet map check` and `gannet check`: every
 * problem as a "file:line: text" line in why; 0, or -1 when there is an
 * error (warnings alone return 0) */
int map_check_text(const char *spec, struct buf *why);

/* Read-write Berkeley DB files owned by one daemon (greylist triplets,
 * bans, auto-reply memory). Keys and values are NUL-terminated strings,
 * as in maps, so `gannet map dump btree:FILE-without-.db` reads them too.
 * One process (the owner) writes with bdb_open(); any number of others
 * read at the same time with bdb_open_readonly() or map_open(), safely:
 * see map_bdb.c for how. path is the database file itself
 * ($data_directory/greylist.db); its lock environment lives beside it in
 * the directory path.env. */
struct bdb;
/* bdb_open - the owner: open or create a B-tree file for writing (a file
 * that cannot be read is moved aside to path.corrupt and started afresh,
 * with a warning); NULL with why */
struct bdb *bdb_open(const char *path, struct buf *why);
/* bdb_open_readonly - a reader; NULL with why (a missing file too) */
struct bdb *bdb_open_readonly(const char *path, struct buf *why);
void bdb_close(struct bdb **dbp);
/* bdb_get - 1 found, 0 not, -1 error */
int bdb_get(struct bdb *db, const char *key, struct buf *out, struct buf *why);
/* bdb_put - insert or replace; 0 or -1 */
int bdb_put(
    struct bdb *db, const char *key, const char *value, struct buf *why);
/* bdb_del - 1 deleted, 0 not there, -1 error */
int bdb_del(struct bdb *db, const char *key, struct buf *why);
/* bdb_walk - every record in key order; records are read in batches and
 * fn runs with no lock held, so fn may call bdb_put/bdb_del on the same
 * database (changes behind the walk position are not seen again); fn
 * returns non-zero to stop. 0 or -1 */
int bdb_walk(struct bdb *db, map_walk_fn fn, void *ctx, struct buf *why);
/* bdb_sync - flush to disk (fsync) */
int bdb_sync(struct bdb *db, struct buf *why);

#endif /* MAIL_MAP_H */

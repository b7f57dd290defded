/*
 * map.h - one lookup API over every kind of map (DESIGN "Maps").
 *
 * A map is named "type:name", as in Postfix:
 *   hash:/path/file    Berkeley DB hash, compiled from the text file
 *                      /path/file into /path/file.db by `gannet map build`
 *   btree:/path/file   the same as a B-tree
 *   texthash:/path     the text file itself, read into memory
 *   cidr:/path         IPv4/IPv6 networks and ranges, first match wins
 *   pcre:/path         /regex/flags result lines, $1.. substitution
 *   inline:{ k=v, k2=v2 }
 *   static:value       every key finds value
 * A name without a type uses default_database_type.
 *
 * Keys are looked up as given, except that maps opened with MAP_FOLD_CASE
 * (the default for hash, btree, texthash and inline) lower-case the key
 * first; the builder lower-cases keys of those types when it compiles.
 * Text files are "key value" lines (white space between), '#' comments,
 * continuation lines that begin with white space; BDB files store key and
 * value NUL-terminated, as Postfix does, so db5.3_dump shows them plainly.
 *
 * Maps are opened read-only by daemons. A map notices when its file was
 * rebuilt (new inode or mtime, checked at most once a second) and reopens
 * itself, so daemons see a rebuilt map without a restart.
 */
#ifndef MAIL_MAP_H
#define MAIL_MAP_H
#include "util/sys_defs.h"

struct buf;
struct strv;
struct map;

#define MAP_FOLD_CASE 0x1 /* lower-case keys (see above) */
#define MAP_NO_FOLD   0x2 /* never lower-case, even for hash */

/* map_open - open "type:name" read-only; NULL with why */
struct map *map_open(const char *spec, int flags, struct buf *why);
/* map_close - close and set *mp = NULL; NULL is fine */
void map_close(struct map **mp);
/* map_spec - the "type:name" the map was opened with */
const char *map_spec(const struct map *m);
/* map_get - 1 found (value in out), 0 not found, -1 error with why (a
 * missing or unreadable file is an error, not "not found") */
int map_get(struct map *m, const char *key, struct buf *out, struct buf *why);
/* map_get_addr - look up an address in Postfix's order: "user@domain",
 * then "user" (only when domain is local: is_local true), then "@domain".
 * Returns as map_get; *matched_out (may be NULL) says which key matched:
 * 0 full address, 1 local part, 2 @domain. */
int map_get_addr(struct map *m, const char *addr, bool is_local,
    struct buf *out, int *matched_out, struct buf *why);
/* map_walk - call fn for every key/value (not for cidr/pcre order:
 * those give their lines); stops when fn returns non-zero; 0 or -1 */
int map_walk(struct map *m,
    int (*fn)(const char *key, const char *value, void *ctx), void *ctx,
    struct buf *why);

/* A list of maps and literal values, as in Postfix parameters:
 * "hash:/etc/gannet/maps/x, cidr:/etc/gannet/maps/y, 192.0.2.1". Literal
 * words (no "type:") are matched as keys of an implicit inline map. */
struct maplist;
struct maplist *maplist_open(const char *value, int flags, struct buf *why);
void maplist_close(struct maplist **lp);
/* maplist_get - first map that finds the key wins; returns as map_get */
int maplist_get(
    struct maplist *l, const char *key, struct buf *out, struct buf *why);
int maplist_get_addr(struct maplist *l, const char *addr, bool is_local,
    struct buf *out, struct buf *why);

/* Building maps (gannet map build, gannet user/alias/domain editing). */

/* map_build - compile the text file of a hash: or btree: spec into
 * file.db: written under a temporary name, fsync'd and renamed into
 * place, so readers never see half a map. Syntax problems and duplicate
 * keys are reported in why as "file:line: text" lines; returns the number
 * of entries, or -1. */
long map_build(const char *spec, struct buf *why);
/* map_check_text - parse a text map of any type without building, for
 * `gannet check`: every problem as "file:line: text"; 0 or -1 */
int map_check_text(const char *spec, struct buf *why);

/* Read-write Berkeley DB files owned by one daemon (greylist triplets,
 * bans, auto-reply memory). Keys and values are NUL-terminated strings. */
struct bdb;
/* bdb_open - open or create a B-tree file for writing; NULL with why */
struct bdb *bdb_open(const char *path, struct buf *why);
void bdb_close(struct bdb **dbp);
/* bdb_get - 1 found, 0 not, -1 error */
int bdb_get(struct bdb *db, const char *key, struct buf *out, struct buf *why);
int bdb_put(
    struct bdb *db, const char *key, const char *value, struct buf *why);
/* bdb_del - 1 deleted, 0 not there, -1 error */
int bdb_del(struct bdb *db, const char *key, struct buf *why);
/* bdb_walk - every record; fn may not modify the database; fn returns
 * non-zero to stop */
int bdb_walk(struct bdb *db,
    int (*fn)(const char *key, const char *value, void *ctx), void *ctx,
    struct buf *why);
/* bdb_sync - flush to disk */
int bdb_sync(struct bdb *db, struct buf *why);

#endif /* MAIL_MAP_H */

/*
 * kvlist.h - the value format of the account maps: white-space separated
 * "name=value" fields, in order, as in
 *     maildir=example.com/joe/ quota=104857600 active=yes
 * so that a map stays readable and editable by hand, and a field can be
 * added later without breaking old readers' parsing.
 *
 * Names are [a-z0-9_]+ and appear at most once. A value is any byte
 * string; on output '%', white space, control characters and DEL are
 * written as %XX (hex), so that a value never contains white space and a
 * whole record stays on one line (an auto-reply text keeps its line
 * breaks as %0A). Input accepts %XX in either case and refuses a '%' that
 * is not followed by two hex digits.
 *
 * Pure functions: no I/O.
 */
#ifndef PROTO_KVLIST_H
#define PROTO_KVLIST_H
#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;

struct kvlist {
	struct strv names;
	struct strv values; /* decoded; values.v[i] belongs to names.v[i] */
};

#define KVLIST_NAME_MAX 64

void kvlist_init(struct kvlist *kv);
/* kvlist_free - free the contents, leave kv empty and reusable */
void kvlist_free(struct kvlist *kv);
/* kvlist_parse - parse text into kv (emptied first). 0, or -1 with why
 * ("field 3: ..."). A value that decodes to a NUL byte is refused. */
int kvlist_parse(const char *text, struct kvlist *kv, struct buf *why);
/* kvlist_get - the value of name, or NULL (borrowed until kv changes) */
const char *kvlist_get(const struct kvlist *kv, const char *name);
/* kvlist_set - replace the value of name, or append name=value */
void kvlist_set(struct kvlist *kv, const char *name, const char *value);
/* kvlist_del - remove name; true when it was there */
bool kvlist_del(struct kvlist *kv, const char *name);
/* kvlist_format - the text form of kv, appended to out */
void kvlist_format(const struct kvlist *kv, struct buf *out);
/* kvlist_escape - one value in its text form, appended to out */
void kvlist_escape(const char *value, struct buf *out);

#endif /* PROTO_KVLIST_H */

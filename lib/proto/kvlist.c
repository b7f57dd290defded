/*
 * kvlist.c - "name=value" field lists (see kvlist.h).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/kvlist.h"

/* kvlist_init - empty list */
void
kvlist_init(struct kvlist *kv)
{
	strv_init(&kv->names);
	strv_init(&kv->values);
}

/* kvlist_free - drop everything */
void
kvlist_free(struct kvlist *kv)
{
	strv_free(&kv->names);
	strv_free(&kv->values);
}

/* kvlist_hex - one hex digit, or -1 */
static int
kvlist_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* kvlist_is_space - the separators */
static bool
kvlist_is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* kvlist_parse - text to fields */
int
kvlist_parse(const char *text, struct kvlist *kv, struct buf *why)
{
	struct buf *val = buf_new(64);
	const char *p = text;
	int field = 0;

	kvlist_free(kv);
	for (;;) {
		const char *name, *eq;

		while (kvlist_is_space((unsigned char)*p))
			p++;
		if (*p == 0)
			break;
		field++;
		name = p;
		while (*p && *p != '=' && !kvlist_is_space((unsigned char)*p))
			p++;
		if (*p != '=') {
			buf_printf(why, "field %d: expected name=value", field);
			goto fail;
		}
		eq = p;
		if (eq == name || eq - name > KVLIST_NAME_MAX) {
			buf_printf(why, "field %d: bad field name", field);
			goto fail;
		}
		for (const char *q = name; q < eq; q++) {
			if (!((*q >= 'a' && *q <= 'z')
			        || (*q >= '0' && *q <= '9') || *q == '_')) {
				buf_printf(
				    why, "field %d: bad field name", field);
				goto fail;
			}
		}
		buf_reset(val);
		for (p = eq + 1; *p && !kvlist_is_space((unsigned char)*p);
		     p++) {
			int hi, lo;

			if (*p != '%') {
				buf_catc(val, *p);
				continue;
			}
			if ((hi = kvlist_hex((unsigned char)p[1])) < 0
			    || (lo = kvlist_hex((unsigned char)p[2])) < 0
			    || (hi == 0 && lo == 0)) {
				buf_printf(why,
				    "field %d (%.*s): bad %% escape", field,
				    (int)(eq - name), name);
				goto fail;
			}
			buf_catc(val, hi * 16 + lo);
			p += 2;
		}
		for (size_t i = 0; i < kv->names.n; i++) {
			if (strlen(kv->names.v[i]) == (size_t)(eq - name)
			    && memcmp(kv->names.v[i], name, (size_t)(eq - name))
			        == 0) {
				buf_printf(why, "field %d (%.*s): given twice",
				    field, (int)(eq - name), name);
				goto fail;
			}
		}
		strv_pushn(&kv->names, name, (size_t)(eq - name));
		strv_push(&kv->values, buf_cstr(val));
	}
	buf_free(&val);
	return 0;
fail:
	kvlist_free(kv);
	buf_free(&val);
	return -1;
}

/* kvlist_index - position of name, or -1 */
static long
kvlist_index(const struct kvlist *kv, const char *name)
{
	for (size_t i = 0; i < kv->names.n; i++)
		if (strcmp(kv->names.v[i], name) == 0)
			return (long)i;
	return -1;
}

/* kvlist_get - value of name */
const char *
kvlist_get(const struct kvlist *kv, const char *name)
{
	long i = kvlist_index(kv, name);

	return i < 0 ? NULL : kv->values.v[i];
}

/* kvlist_set - replace or append */
void
kvlist_set(struct kvlist *kv, const char *name, const char *value)
{
	long i = kvlist_index(kv, name);

	if (i < 0) {
		strv_push(&kv->names, name);
		strv_push(&kv->values, value);
		return;
	}
	free(kv->values.v[i]);
	kv->values.v[i] = xstrdup(value);
}

/* kvlist_del - remove a field, keeping the order of the others */
bool
kvlist_del(struct kvlist *kv, const char *name)
{
	long i = kvlist_index(kv, name);

	if (i < 0)
		return false;
	free(kv->names.v[i]);
	free(kv->values.v[i]);
	memmove(&kv->names.v[i], &kv->names.v[i + 1],
	    (kv->names.n - (size_t)i) * sizeof(char *));
	memmove(&kv->values.v[i], &kv->values.v[i + 1],
	    (kv->values.n - (size_t)i) * sizeof(char *));
	kv->names.n--;
	kv->values.n--;
	return true;
}

/* kvlist_escape - one value, encoded */
void
kvlist_escape(const char *value, struct buf *out)
{
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (*p == '%' || *p <= ' ' || *p == 0x7f)
			buf_printf(out, "%%%02X", *p);
		else
			buf_catc(out, *p);
	}
}

/* kvlist_format - fields to text */
void
kvlist_format(const struct kvlist *kv, struct buf *out)
{
	for (size_t i = 0; i < kv->names.n; i++) {
		if (i > 0)
			buf_catc(out, ' ');
		buf_cats(out, kv->names.v[i]);
		buf_catc(out, '=');
		kvlist_escape(kv->values.v[i], out);
	}
}

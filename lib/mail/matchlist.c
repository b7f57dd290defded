/*
 * matchlist.c - match lists (see matchlist.h). Small on purpose: a list
 * is a short array of parsed items tried in order. Networks are parsed
 * once at open, domains lower-cased once, files read once; the maps keep
 * themselves current (map.c).
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/ipnet.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/matchlist.h"

#define MATCHLIST_FILE_MAX (16 * 1024 * 1024)

enum match_kind { MATCH_MAP, MATCH_NET, MATCH_DOMAIN };

struct match_item {
	enum match_kind kind;
	bool negate;
	struct map *map;
	struct iprange net;
	char *domain;
};

struct matchlist {
	int flags;
	struct match_item *items;
	size_t n, alloc;
	struct buf *key, *out, *scratch;
};

/* matchlist_is_map - "type:name" with a known type */
static bool
matchlist_is_map(const char *s)
{
	const char *colon = strchr(s, ':');
	char type[32];
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0
	    || n >= sizeof(type))
		return false;
	memcpy(type, s, n);
	type[n] = 0;
	return map_type_known(type);
}

/* matchlist_add - parse one item; 0 or -1 with why */
static int matchlist_add(struct matchlist *l, const char *param,
    const char *word, bool in_file, struct buf *why);

/* matchlist_add_file - the items of a pattern file */
static int
matchlist_add_file(struct matchlist *l, const char *param, const char *path,
    bool negate, struct buf *why)
{
	struct buf *text = buf_new(1024), *item = buf_new(64),
	           *err = buf_new(64);
	char *s, *line, *nl;
	int rc = 0;

	if (negate) {
		buf_printf(
		    why, "%s: \"!%s\": a file cannot be negated", param, path);
		rc = -1;
		goto out;
	}
	if (file_read(path, MATCHLIST_FILE_MAX, text, err) < 0) {
		buf_printf(why, "%s: %s", param, buf_cstr(err));
		rc = -1;
		goto out;
	}
	s = buf_data(text);
	for (line = s; rc == 0 && line && *line; line = nl) {
		const char *p;

		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		p = line + strspn(line, " \t\r");
		if (*p == '#')
			continue;
		while (rc == 0 && maplist_next(&p, item))
			rc = matchlist_add(l, param, buf_cstr(item), true, why);
	}
out:
	buf_free(&text);
	buf_free(&item);
	buf_free(&err);
	return rc;
}

/* matchlist_add - one item */
static int
matchlist_add(struct matchlist *l, const char *param, const char *word,
    bool in_file, struct buf *why)
{
	struct match_item it;

	memset(&it, 0, sizeof(it));
	if (word[0] == '!') {
		it.negate = true;
		word++;
	}
	if (*word == 0) {
		buf_printf(why, "%s: \"!\" without an item", param);
		return -1;
	}
	if (word[0] == '/') {
		if (in_file) {
			buf_printf(why,
			    "%s: %s: a pattern file may not name "
			    "another file",
			    param, word);
			return -1;
		}
		return matchlist_add_file(l, param, word, it.negate, why);
	}
	if (matchlist_is_map(word)) {
		struct buf *err = buf_new(64);

		it.kind = MATCH_MAP;
		if ((it.map = map_open(word, 0, err)) == NULL) {
			buf_printf(why, "%s: %s", param, buf_cstr(err));
			buf_free(&err);
			return -1;
		}
		buf_free(&err);
	} else if (l->flags & MATCHLIST_ADDR) {
		struct buf *err = buf_new(64);
		bool host_bits;

		it.kind = MATCH_NET;
		if (iprange_parse(word, &it.net, &host_bits, err) < 0) {
			buf_printf(why, "%s: %s", param, buf_cstr(err));
			buf_free(&err);
			return -1;
		}
		if (host_bits) {
			buf_printf(why,
			    "%s: non-null host address bits in \"%s\", "
			    "perhaps you should use \"%s\" instead",
			    param, word, iprange_str(&it.net, err));
			buf_free(&err);
			return -1;
		}
		buf_free(&err);
	} else {
		it.kind = MATCH_DOMAIN;
		it.domain = str_lower(xstrdup(word));
	}
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 8;
		l->items = xreallocarray(l->items, l->alloc, sizeof(*l->items));
	}
	l->items[l->n++] = it;
	return 0;
}

/* matchlist_open - parse and open */
struct matchlist *
matchlist_open(const char *param, const char *value, int flags, struct buf *why)
{
	struct matchlist *l = xcalloc(1, sizeof(*l));
	struct buf *item = buf_new(64);
	const char *s = value ? value : "";

	ASSERT(!(flags & MATCHLIST_ADDR) != !(flags & MATCHLIST_DOMAIN));
	l->flags = flags;
	l->key = buf_new(64);
	l->out = buf_new(64);
	l->scratch = buf_new(64);
	while (maplist_next(&s, item))
		if (matchlist_add(l, param, buf_cstr(item), false, why) < 0) {
			matchlist_close(&l);
			break;
		}
	buf_free(&item);
	return l;
}

/* matchlist_close - free */
void
matchlist_close(struct matchlist **lp)
{
	struct matchlist *l = *lp;

	if (l == NULL)
		return;
	for (size_t i = 0; i < l->n; i++) {
		map_close(&l->items[i].map);
		free(l->items[i].domain);
	}
	free(l->items);
	buf_free(&l->key);
	buf_free(&l->out);
	buf_free(&l->scratch);
	free(l);
	*lp = NULL;
}

/* matchlist_domain_literal - example.com, .example.com */
static bool
matchlist_domain_literal(const char *pat, const char *dom, bool parent)
{
	size_t pl = strlen(pat), dl = strlen(dom);

	if (pat[0] == '.')
		return dl > pl && strcmp(dom + dl - pl, pat) == 0;
	if (strcmp(dom, pat) == 0)
		return true;
	return parent && dl > pl + 1 && dom[dl - pl - 1] == '.'
	    && strcmp(dom + dl - pl, pat) == 0;
}

/* matchlist_domain_map - the domain, then its parents */
static int
matchlist_domain_map(
    struct matchlist *l, struct map *m, const char *dom, struct buf *why)
{
	int rc;

	if ((rc = map_get(m, dom, l->out, why)) != 0)
		return rc;
	for (const char *p = strchr(dom, '.'); p && p[1];
	     p = strchr(p + 1, '.')) {
		/* ".parent" without MATCHLIST_PARENT, "parent" with it */
		const char *key = (l->flags & MATCHLIST_PARENT) ? p + 1 : p;

		if ((rc = map_get(m, key, l->out, why)) != 0)
			return rc;
	}
	return 0;
}

/* matchlist_match - the first item that matches decides */
int
matchlist_match(struct matchlist *l, const char *item, struct buf *why)
{
	struct ipaddr a;
	bool is_addr = false;
	const char *key = item;

	if (l->flags & MATCHLIST_ADDR) {
		char text[INET6_ADDRSTRLEN];

		/* Maps see the address as clients are shown. */
		if (ipaddr_parse(item, &a) == 0) {
			is_addr = true;
			if (inet_ntop(a.family, a.b, text, sizeof(text))) {
				buf_sets(l->key, text);
				key = buf_cstr(l->key);
			}
		}
	} else {
		buf_sets(l->key, item);
		key = str_lower(buf_data(l->key));
	}
	for (size_t i = 0; i < l->n; i++) {
		struct match_item *it = &l->items[i];
		int rc = 0;

		switch (it->kind) {
		case MATCH_NET:
			rc = is_addr && iprange_contains(&it->net, &a);
			break;
		case MATCH_DOMAIN:
			rc = matchlist_domain_literal(it->domain, key,
			    (l->flags & MATCHLIST_PARENT) != 0);
			break;
		case MATCH_MAP:
			if (l->flags & MATCHLIST_ADDR)
				rc = map_get(it->map, key, l->out, why);
			else
				rc = matchlist_domain_map(l, it->map, key, why);
			break;
		}
		if (rc < 0)
			return -1;
		if (rc > 0)
			return it->negate ? 0 : 1;
	}
	return 0;
}

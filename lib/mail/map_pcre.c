/*
 * map_pcre.c - pcre: maps, in the format of Postfix's pcre_table(5):
 *
 *   /pattern/flags result      the first pattern that matches gives result
 *   !/pattern/flags result     ... that does not match
 *   if /pattern/flags          the lines up to the matching endif apply
 *   endif                      only to keys that match (if !/.../: not)
 *
 * Any character other than a letter, digit, white space or backslash may
 * delimit the pattern; a backslash escapes the delimiter (the backslash is
 * passed on to PCRE2, where "\/" means "/"). Patterns are case-insensitive
 * unless the i flag toggles it, as in Postfix. $1..$9 and ${n} in a result
 * are replaced by the groups of the match, $$ by '$'; a group the pattern
 * does not have is an error when the file is read, not a surprise at
 * lookup time. The regular expressions themselves are lib/util/regex.c.
 *
 * The rules are kept in file order; an "if" records where its "endif" is,
 * so a key that does not match the condition skips the whole block.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/regex.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/map_impl.h"

#define PCRE_MAX_GROUP 99 /* ${n} beyond this is refused */

enum pcre_kind { PCRE_RULE, PCRE_IF, PCRE_ENDIF };

struct pcre_rule {
	enum pcre_kind kind;
	bool negate;
	struct regex *re;
	char *text;   /* as written, for walks */
	char *result; /* PCRE_RULE */
	size_t endif; /* PCRE_IF: index of its endif */
};

struct pcre_table {
	struct pcre_rule *rules;
	size_t n, alloc;
	size_t *ovec;
	int npairs;
};

/* pcre_table_free - everything */
static void
pcre_table_free(struct pcre_table *tab)
{
	for (size_t i = 0; i < tab->n; i++) {
		regex_free(&tab->rules[i].re);
		free(tab->rules[i].text);
		free(tab->rules[i].result);
	}
	free(tab->rules);
	free(tab->ovec);
	free(tab);
}

/* pcre_parse_pattern - "[!]/pattern/flags" at *sp: the pattern (without
 * delimiters) into pat, the compiled expression into *re_out; *sp moves
 * past the flags. 0, or -1 with the problem reported. */
static int
pcre_parse_pattern(char **sp, struct map_diag *d, long lineno, bool *negate,
    struct regex **re_out, struct buf *pat)
{
	char *s = *sp, delim;
	int flags = REGEX_ICASE;
	struct buf *why;

	*negate = false;
	if (*s == '!') {
		*negate = true;
		s++;
	}
	delim = *s;
	if (delim == 0 || isalnum((unsigned char)delim)
	    || isspace((unsigned char)delim) || delim == '\\') {
		map_diag_error(d, lineno,
		    "expected \"/pattern/flags result\", found \"%s\"", *sp);
		return -1;
	}
	buf_reset(pat);
	for (s++; *s && *s != delim; s++) {
		if (*s == '\\' && s[1]) {
			/* \<delim> is the delimiter itself; PCRE2 reads
			 * "\/" as "/" and any escaped punctuation likewise */
			buf_catc(pat, *s++);
		}
		buf_catc(pat, *s);
	}
	if (*s != delim) {
		map_diag_error(
		    d, lineno, "missing closing '%c' of the pattern", delim);
		return -1;
	}
	for (s++; *s && !isspace((unsigned char)*s); s++) {
		switch (*s) {
		case 'i':
			flags ^= REGEX_ICASE;
			break;
		case 'm':
			flags |= REGEX_MULTILINE;
			break;
		case 's':
			flags |= REGEX_DOTALL;
			break;
		case 'x':
			flags |= REGEX_EXTENDED;
			break;
		case 'A':
			flags |= REGEX_ANCHORED;
			break;
		case 'E':
			flags |= REGEX_DOLLAR_ENDONLY;
			break;
		case 'U':
			flags |= REGEX_UNGREEDY;
			break;
		case 'X':
			break; /* PCRE_EXTRA: no PCRE2 equivalent */
		default:
			map_diag_error(d, lineno,
			    "unknown flag '%c' after "
			    "the pattern",
			    *s);
			return -1;
		}
	}
	why = buf_new(128);
	if ((*re_out = regex_compile(buf_cstr(pat), flags, why)) == NULL) {
		map_diag_error(d, lineno, "bad pattern /%s/: %s", buf_cstr(pat),
		    buf_cstr(why));
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	*sp = s;
	return 0;
}

/* pcre_check_result - every $ in result is $$, $n or ${n} with n a group
 * of the pattern; 0 or -1 (reported) */
static int
pcre_check_result(const char *result, int groups, bool negate,
    struct map_diag *d, long lineno)
{
	for (const char *p = result; (p = strchr(p, '$')) != NULL;) {
		long n = -1;

		if (p[1] == '$') {
			p += 2;
			continue;
		}
		if (p[1] >= '1' && p[1] <= '9') {
			n = p[1] - '0';
			p += 2;
		} else if (p[1] == '{') {
			const char *q = p + 2;

			n = 0;
			while (*q >= '0' && *q <= '9' && n <= PCRE_MAX_GROUP)
				n = n * 10 + (*q++ - '0');
			if (*q != '}' || q == p + 2 || n > PCRE_MAX_GROUP)
				n = -1;
			p = q + 1;
		}
		if (n < 0) {
			map_diag_error(d, lineno,
			    "bad '$' in the result (use $1..$9, ${n} or $$)");
			return -1;
		}
		if (negate) {
			map_diag_error(d, lineno,
			    "$%ld in the result of a !/pattern/: there is no "
			    "match to take it from",
			    n);
			return -1;
		}
		if (n > groups) {
			map_diag_error(d, lineno,
			    "$%ld in the result, but the pattern has %d "
			    "group%s",
			    n, groups, groups == 1 ? "" : "s");
			return -1;
		}
	}
	return 0;
}

/* pcre_push - a new rule slot */
static struct pcre_rule *
pcre_push(struct pcre_table *tab)
{
	if (tab->n == tab->alloc) {
		tab->alloc = tab->alloc ? tab->alloc * 2 : 16;
		tab->rules =
		    xreallocarray(tab->rules, tab->alloc, sizeof(*tab->rules));
	}
	memset(&tab->rules[tab->n], 0, sizeof(tab->rules[0]));
	return &tab->rules[tab->n++];
}

/* The open "if" blocks while reading: their rules and lines. */
struct pcre_stack {
	size_t *rule;
	long *line;
	size_t depth, alloc;
};

#define PCRE_NO_RULE ((size_t)-1) /* an "if" that had an error */

/* pcre_stack_push - one more open block */
static void
pcre_stack_push(struct pcre_stack *st, size_t rule, long line)
{
	if (st->depth == st->alloc) {
		st->alloc = st->alloc ? st->alloc * 2 : 8;
		st->rule = xreallocarray(st->rule, st->alloc, sizeof(size_t));
		st->line = xreallocarray(st->line, st->alloc, sizeof(long));
	}
	st->rule[st->depth] = rule;
	st->line[st->depth++] = line;
}

/* pcre_open - read the file */
static int
pcre_open(struct map *m, struct map_diag *d)
{
	struct pcre_table *tab;
	struct map_text *t;
	struct buf *pat = buf_new(128);
	struct pcre_stack st = {NULL, NULL, 0, 0};
	char *line;
	long lineno;
	int maxgroups = 0;

	if ((t = map_text_open_map(m, d)) == NULL) {
		buf_free(&pat);
		return -1;
	}
	tab = xcalloc(1, sizeof(*tab));
	while ((line = map_text_next(t, &lineno, d)) != NULL) {
		struct pcre_rule *r;
		struct regex *re;
		bool negate, is_if = false;
		char *s = line;

		if (strcmp(line, "endif") == 0) {
			size_t open_if;

			if (st.depth == 0) {
				map_diag_error(d, lineno, "endif without if");
				continue;
			}
			open_if = st.rule[--st.depth];
			if (open_if != PCRE_NO_RULE)
				tab->rules[open_if].endif = tab->n;
			r = pcre_push(tab);
			r->kind = PCRE_ENDIF;
			r->text = xstrdup("endif");
			continue;
		}
		if (strncmp(line, "if", 2) == 0
		    && isspace((unsigned char)line[2])) {
			is_if = true;
			s = line + 3 + strspn(line + 3, " \t");
		}
		re = NULL;
		if (pcre_parse_pattern(&s, d, lineno, &negate, &re, pat) == 0) {
			s += strspn(s, " \t");
			if (is_if && *s) {
				map_diag_error(d, lineno,
				    "text after the pattern of an if: \"%s\"",
				    s);
				regex_free(&re);
			}
		}
		if (re == NULL) {
			/* A bad if still opens a block, so that its endif
			 * is not reported too. */
			if (is_if)
				pcre_stack_push(&st, PCRE_NO_RULE, lineno);
			continue;
		}
		if (!is_if
		    && (*s == 0
		        || pcre_check_result(
		               s, regex_groups(re), negate, d, lineno)
		            < 0)) {
			if (*s == 0)
				map_diag_error(d, lineno,
				    "missing result after the pattern");
			regex_free(&re);
			continue;
		}
		if (regex_groups(re) > maxgroups)
			maxgroups = regex_groups(re);
		if (is_if)
			pcre_stack_push(&st, tab->n, lineno);
		r = pcre_push(tab);
		r->kind = is_if ? PCRE_IF : PCRE_RULE;
		r->negate = negate;
		r->re = re;
		if (is_if) {
			r->text = xstrdup(line);
		} else {
			/* The pattern may hold white space: it ends at s. */
			size_t n = (size_t)(s - line);

			while (n > 0
			    && (line[n - 1] == ' ' || line[n - 1] == '\t'))
				n--;
			r->text = xstrndup(line, n);
			r->result = xstrdup(s);
		}
	}
	while (st.depth > 0)
		map_diag_error(d, st.line[--st.depth], "if without endif");
	free(st.rule);
	free(st.line);
	tab->npairs = maxgroups + 1;
	tab->ovec = xcalloc((size_t)tab->npairs * 2, sizeof(size_t));
	map_text_watch(m, t);
	map_text_close(&t);
	buf_free(&pat);
	m->priv = tab;
	return 0;
}

/* pcre_expand - the result with $n replaced */
static void
pcre_expand(const struct pcre_table *tab, const char *result, const char *key,
    struct buf *out)
{
	buf_reset(out);
	for (const char *p = result; *p; p++) {
		long n;

		if (*p != '$') {
			buf_catc(out, *p);
			continue;
		}
		if (p[1] == '$') {
			buf_catc(out, '$');
			p++;
			continue;
		}
		if (p[1] == '{') {
			n = strtol(p + 2, NULL, 10);
			p = strchr(p, '}');
		} else {
			n = p[1] - '0';
			p++;
		}
		/* Checked when read: n <= groups < npairs. */
		if (n < tab->npairs && tab->ovec[2 * n] != REGEX_UNSET)
			buf_cat(out, key + tab->ovec[2 * n],
			    tab->ovec[2 * n + 1] - tab->ovec[2 * n]);
	}
}

/* pcre_get - the first rule that applies */
static int
pcre_get(struct map *m, const char *key, struct buf *out, struct buf *why)
{
	struct pcre_table *tab = m->priv;
	size_t len = strlen(key);

	for (size_t i = 0; i < tab->n;) {
		struct pcre_rule *r = &tab->rules[i];
		int rc;

		if (r->kind == PCRE_ENDIF) {
			i++;
			continue;
		}
		rc = regex_match(r->re, key, len, tab->ovec, tab->npairs, why);
		if (rc < 0) {
			buf_printf(why, " (%s)", map_spec(m));
			return -1;
		}
		if (r->negate)
			rc = !rc;
		if (r->kind == PCRE_IF) {
			i = rc ? i + 1 : r->endif + 1;
			continue;
		}
		if (rc) {
			pcre_expand(tab, r->result, key, out);
			return 1;
		}
		i++;
	}
	return 0;
}

/* pcre_walk - the lines as written */
static int
pcre_walk(struct map *m, map_walk_fn fn, void *ctx, struct buf *why)
{
	struct pcre_table *tab = m->priv;

	for (size_t i = 0; i < tab->n; i++) {
		const char *v = tab->rules[i].result;

		if (fn(tab->rules[i].text, v ? v : "", ctx) != 0)
			break;
	}
	return 0;
}

/* pcre_close - free */
static void
pcre_close(struct map *m)
{
	pcre_table_free(m->priv);
	m->priv = NULL;
}

const struct map_type map_type_pcre = {
    .name = "pcre",
    .fold_default = false,
    .open = pcre_open,
    .get = pcre_get,
    .walk = pcre_walk,
    .close = pcre_close,
};

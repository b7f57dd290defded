/*
 * cfg.c - gannet.conf and services.conf (see cfg.h).
 *
 * The loaded file is kept as raw text per name, with the file:line of its
 * definition, so that every later complaint (bad value, unknown name) can
 * point at the line. Expansion happens when a value is applied, against
 * the raw values and the declared defaults, with a depth limit that turns
 * "a = $b, b = $a" into an error instead of a stack overflow.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <limits.h>
#include <errno.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/htable.h"
#include "util/net.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/params.h"

#define CFG_FILE_MAX   (4 * 1024 * 1024)
#define CFG_EXPAND_MAX 50

struct cfg_def {
	char *value;
	char *where; /* "file:line" */
	bool is_override;
};

static struct htable *cfg_defs;
static char *cfg_loaded_path;

/* cfg_def_free - htable destructor */
static void
cfg_def_free(void *p)
{
	struct cfg_def *d = p;

	free(d->value);
	free(d->where);
	free(d);
}

/* cfg_free - forget the loaded configuration */
void
cfg_free(void)
{
	htable_free(&cfg_defs, cfg_def_free);
	xfree(cfg_loaded_path);
}

/* cfg_name_ok - parameter names are [A-Za-z0-9_]+ */
static bool
cfg_name_ok(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_')
			return false;
	return true;
}

/* cfg_define - record name = value from where */
static void
cfg_define(
    const char *name, const char *value, const char *where, bool is_override)
{
	struct cfg_def *d = xcalloc(1, sizeof(*d)), *old;

	if (cfg_defs == NULL)
		cfg_defs = htable_new(256);
	old = htable_get(cfg_defs, name);
	if (old && old->is_override && !is_override) {
		cfg_def_free(d);
		return; /* -o beats the file */
	}
	d->value = xstrdup(value);
	d->where = xstrdup(where);
	d->is_override = is_override;
	if ((old = htable_set(cfg_defs, name, d)) != NULL)
		cfg_def_free(old);
}

/* cfg_logical_line - one logical line: name = value */
static int
cfg_logical_line(
    const char *file, int lineno, const char *text, struct buf *why)
{
	const char *eq = strchr(text, '=');
	char where[512];
	size_t nlen;
	char *name, *value;

	snprintf(where, sizeof(where), "%s:%d", file, lineno);
	if (eq == NULL) {
		buf_printf(
		    why, "%s: missing '=' after parameter name\n", where);
		return -1;
	}
	nlen = (size_t)(eq - text);
	while (nlen > 0 && isspace((unsigned char)text[nlen - 1]))
		nlen--;
	if (!cfg_name_ok(text, nlen)) {
		buf_printf(why, "%s: bad parameter name: \"%.*s\"\n", where,
		    (int)MIN(nlen, 64), text);
		return -1;
	}
	name = xstrndup(text, nlen);
	value = xstrdup(eq + 1);
	cfg_define(name, str_trim(value), where, false);
	free(name);
	free(value);
	return 0;
}

/* cfg_load_string - parse main.cf text */
int
cfg_load_string(const char *name, const char *text, struct buf *why)
{
	struct buf *logical = buf_new(256);
	int lineno = 0, start = 0, errors = 0;
	const char *p = text;

	htable_free(&cfg_defs, cfg_def_free);
	cfg_defs = htable_new(256);
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		char *t = str_trim(line);

		lineno++;
		p += n + (nl ? 1 : 0);
		if (memchr(line, 0, n) != NULL || strlen(line) != n) {
			buf_printf(
			    why, "%s:%d: NUL byte in line\n", name, lineno);
			errors++;
		} else if (*t == 0 || *t == '#') {
			/* comment or blank: ends nothing (Postfix) */
		} else if (isspace((unsigned char)line[0])) {
			if (buf_len(logical) == 0) {
				buf_printf(why,
				    "%s:%d: continuation line "
				    "without a parameter before it\n",
				    name, lineno);
				errors++;
			} else {
				buf_catc(logical, ' ');
				buf_cats(logical, t);
			}
		} else {
			if (buf_len(logical) > 0
			    && cfg_logical_line(
			           name, start, buf_cstr(logical), why)
			        < 0)
				errors++;
			buf_sets(logical, t);
			start = lineno;
		}
		free(line);
	}
	if (buf_len(logical) > 0
	    && cfg_logical_line(name, start, buf_cstr(logical), why) < 0)
		errors++;
	buf_free(&logical);
	if (buf_len(why) > 0 && buf_cstr(why)[buf_len(why) - 1] == '\n')
		buf_truncate(why, buf_len(why) - 1);
	return errors ? -1 : 0;
}

/* cfg_load - read gannet.conf */
int
cfg_load(const char *path, struct buf *why)
{
	struct buf *text = buf_new(4096);
	int ret;

	if (file_read(path, CFG_FILE_MAX, text, why) < 0) {
		buf_free(&text);
		return -1;
	}
	if (memchr(buf_cstr(text), 0, buf_len(text)) != NULL) {
		buf_printf(why, "%s: NUL byte in file", path);
		buf_free(&text);
		return -1;
	}
	ret = cfg_load_string(path, buf_cstr(text), why);
	buf_free(&text);
	free(cfg_loaded_path);
	cfg_loaded_path = xstrdup(path);
	return ret;
}

/* cfg_path - the loaded file */
const char *
cfg_path(void)
{
	return cfg_loaded_path;
}

/* cfg_override - -o name=value */
void
cfg_override(const char *name, const char *value)
{
	if (cfg_defs == NULL)
		cfg_defs = htable_new(256);
	cfg_define(name, value, "command line", true);
}

static const struct cfg_param *cfg_extra_tables[8];

/* cfg_register_table - add a table to the registry */
void
cfg_register_table(const struct cfg_param *table)
{
	for (size_t i = 0; i < NELEM(cfg_extra_tables); i++) {
		if (cfg_extra_tables[i] == table)
			return;
		if (cfg_extra_tables[i] == NULL) {
			cfg_extra_tables[i] = table;
			return;
		}
	}
	log_panic("cfg_register_table: too many tables");
}

/* cfg_lookup_in - a parameter in one table */
static const struct cfg_param *
cfg_lookup_in(const struct cfg_param *table, const char *name)
{
	for (const struct cfg_param *p = table; p->name; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* cfg_lookup - a declared parameter */
const struct cfg_param *
cfg_lookup(const char *name)
{
	const struct cfg_param *p;

	for (size_t t = 0; params_tables[t]; t++)
		if ((p = cfg_lookup_in(params_tables[t], name)) != NULL)
			return p;
	for (size_t t = 0; t < NELEM(cfg_extra_tables) && cfg_extra_tables[t];
	     t++)
		if ((p = cfg_lookup_in(cfg_extra_tables[t], name)) != NULL)
			return p;
	return NULL;
}

/* cfg_is_set - defined in the file or overridden */
bool
cfg_is_set(const char *name)
{
	return cfg_defs && htable_has(cfg_defs, name);
}

/* cfg_where - file:line of a definition */
const char *
cfg_where(const char *name)
{
	struct cfg_def *d = cfg_defs ? htable_get(cfg_defs, name) : NULL;

	return d ? d->where : NULL;
}

static int cfg_expand_depth(
    const char *text, struct buf *out, struct buf *why, int depth);

/* cfg_raw_text - the unexpanded text of name: set value, else default */
static const char *
cfg_raw_text(const char *name)
{
	struct cfg_def *d = cfg_defs ? htable_get(cfg_defs, name) : NULL;
	const struct cfg_param *p;

	if (d)
		return d->value;
	if ((p = cfg_lookup(name)) != NULL) {
		static bool in_dyn; /* a computed default may not recurse */
		const char *dyn = NULL;

		if (p->dyn_default && !in_dyn) {
			in_dyn = true;
			dyn = p->dyn_default();
			in_dyn = false;
		}
		return dyn ? dyn : p->defval;
	}
	return "";
}

/*
 * Expansion depth is counted across every path into the expander, not per
 * call chain: a computed default (mydomain from myhostname) may expand
 * another parameter, which may refer back to it.
 */
static int cfg_expand_level;
static long cfg_expand_budget;

#define CFG_EXPAND_WORK 10000         /* names expanded per value */
#define CFG_VALUE_MAX   (1024 * 1024) /* bytes in one expanded value */

/* cfg_expand_name - append the expansion of one parameter */
static int
cfg_expand_name(
    const char *name, size_t n, struct buf *out, struct buf *why, int depth)
{
	char *nm = xstrndup(name, n);
	const struct cfg_param *p = cfg_lookup(nm);
	int ret;

	if (cfg_expand_level == 0)
		cfg_expand_budget = CFG_EXPAND_WORK;
	if (++cfg_expand_level > CFG_EXPAND_MAX) {
		if (buf_len(why) == 0)
			buf_printf(why, "recursive expansion of $%s", nm);
		ret = -1;
	} else if (--cfg_expand_budget < 0 || buf_len(out) > CFG_VALUE_MAX) {
		if (buf_len(why) == 0)
			buf_printf(why, "expansion of $%s is too large", nm);
		ret = -1;
	} else if (p && p->type == CFG_T_RAW) {
		ret = buf_cats(out, cfg_raw_text(nm));
	} else {
		ret = cfg_expand_depth(cfg_raw_text(nm), out, why, depth + 1);
	}
	cfg_expand_level--;
	free(nm);
	return ret;
}

/* cfg_expand_depth - expand $name, ${name}, $(name), ${name?x}, ${name:x} */
static int
cfg_expand_depth(const char *text, struct buf *out, struct buf *why, int depth)
{
	if (depth > CFG_EXPAND_MAX)
		return -1;
	for (const char *p = text; *p;) {
		const char *start;
		size_t n;

		if (*p != '$') {
			size_t lit = strcspn(p, "$");

			buf_cat(out, p, lit);
			p += lit;
			continue;
		}
		p++;
		if (*p == '$') {
			buf_catc(out, '$');
			p++;
		} else if (*p == '{' || *p == '(') {
			char close = *p == '{' ? '}' : ')';
			const char *end, *op;
			int level = 1;

			start = ++p;
			for (end = p; *end && level > 0; end++) {
				if (*end == '{' || *end == '(')
					level++;
				else if (*end == '}' || *end == ')')
					level--;
			}
			if (level > 0 || end[-1] != close) {
				buf_printf(why, "unbalanced '%c' in \"%s\"",
				    close == '}' ? '{' : '(', text);
				return -1;
			}
			n = (size_t)(end - 1 - start);
			op = memchr(start, '?', n);
			if (op == NULL)
				op = memchr(start, ':', n);
			if (op) {
				struct buf *v = buf_new(64);
				char *cond = xstrndup(
				    op + 1, (size_t)(end - 1 - op - 1));
				int r = cfg_expand_name(
				    start, (size_t)(op - start), v, why, depth);
				bool nonempty = buf_len(v) > 0;

				buf_free(&v);
				if (r == 0 && ((*op == '?') == nonempty))
					r = cfg_expand_depth(
					    cond, out, why, depth + 1);
				free(cond);
				if (r < 0)
					return -1;
			} else if (!cfg_name_ok(start, n)) {
				buf_printf(
				    why, "bad parameter name in \"%s\"", text);
				return -1;
			} else if (cfg_expand_name(start, n, out, why, depth)
			    < 0) {
				return -1;
			}
			p = end;
		} else {
			start = p;
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			if (p == start) {
				buf_catc(out, '$');
				continue;
			}
			if (cfg_expand_name(
			        start, (size_t)(p - start), out, why, depth)
			    < 0)
				return -1;
		}
	}
	return 0;
}

/* cfg_expand - expand references in text */
int
cfg_expand(const char *text, struct buf *out, struct buf *why)
{
	return cfg_expand_depth(text, out, why, 0);
}

/* cfg_value - expanded value of a parameter */
int
cfg_value(const char *name, struct buf *out, struct buf *why)
{
	const struct cfg_param *p = cfg_lookup(name);

	buf_reset(out);
	if (p && p->type == CFG_T_RAW)
		return buf_cats(out, cfg_raw_text(name));
	return cfg_expand(cfg_raw_text(name), out, why);
}

/* cfg_default_value - expanded default */
int
cfg_default_value(const struct cfg_param *p, struct buf *out, struct buf *why)
{
	const char *dyn = p->dyn_default ? p->dyn_default() : NULL;

	buf_reset(out);
	if (p->type == CFG_T_RAW)
		return buf_cats(out, p->defval);
	return cfg_expand(dyn ? dyn : p->defval, out, why);
}

/* cfg_parse_number - number with an optional unit suffix */
static int
cfg_parse_number(const char *s, enum cfg_type type, long *out)
{
	char *end;
	long long v, mult = 1;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno)
		return -1;
	if (*end) {
		if (end[1] != 0 || type == CFG_T_INT)
			return -1;
		switch (tolower((unsigned char)*end)) {
		case 's':
			mult = type == CFG_T_TIME ? 1 : -1;
			break;
		case 'm':
			mult = type == CFG_T_TIME ? 60 : 1024 * 1024;
			break;
		case 'h':
			mult = type == CFG_T_TIME ? 3600 : -1;
			break;
		case 'd':
			mult = type == CFG_T_TIME ? 86400 : -1;
			break;
		case 'w':
			mult = type == CFG_T_TIME ? 7 * 86400 : -1;
			break;
		case 'k':
			mult = type == CFG_T_SIZE ? 1024 : -1;
			break;
		case 'g':
			mult = type == CFG_T_SIZE ? 1024L * 1024 * 1024 : -1;
			break;
		case 'b':
			mult = type == CFG_T_SIZE ? 1 : -1;
			break;
		default:
			return -1;
		}
		if (mult < 0)
			return -1;
	}
	if (v > LONG_MAX / mult)
		return -1;
	*out = (long)(v * mult);
	return 0;
}

/* cfg_parse_typed - text to a typed value, with bounds */
int
cfg_parse_typed(
    const struct cfg_param *p, const char *text, bool store, struct buf *why)
{
	static const char *const units[] = {
	    [CFG_T_TIME] = " (units: s m h d w)",
	    [CFG_T_SIZE] = " (units: k m g)",
	    [CFG_T_INT] = "",
	};
	long v;

	switch (p->type) {
	case CFG_T_STR:
	case CFG_T_RAW:
		if (store) {
			char **var = p->var;

			free(*var);
			*var = xstrdup(text);
		}
		return 0;
	case CFG_T_BOOL: {
		bool b;

		if (str_eq_ci(text, "yes") || str_eq_ci(text, "true")
		    || str_eq_ci(text, "on") || strcmp(text, "1") == 0)
			b = true;
		else if (str_eq_ci(text, "no") || str_eq_ci(text, "false")
		    || str_eq_ci(text, "off") || strcmp(text, "0") == 0)
			b = false;
		else {
			buf_printf(why,
			    "bad boolean value for %s: \"%s\" "
			    "(use yes or no)",
			    p->name, text);
			return -1;
		}
		if (store)
			*(bool *)p->var = b;
		return 0;
	}
	case CFG_T_INT:
	case CFG_T_TIME:
	case CFG_T_SIZE:
		if (cfg_parse_number(text, p->type, &v) < 0) {
			buf_printf(why, "bad %s value for %s: \"%s\"%s",
			    p->type == CFG_T_INT        ? "numerical"
			        : p->type == CFG_T_TIME ? "time"
			                                : "size",
			    p->name, text, units[p->type]);
			return -1;
		}
		if (v < p->min || v > p->max) {
			buf_printf(why,
			    "value of %s out of range: %s "
			    "(allowed %ld..%ld%s)",
			    p->name, text, p->min, p->max,
			    p->type == CFG_T_TIME       ? " seconds"
			        : p->type == CFG_T_SIZE ? " bytes"
			                                : "");
			return -1;
		}
		if (store)
			*(long *)p->var = v;
		return 0;
	case CFG_T_END:
		break;
	}
	log_panic("cfg_parse_typed: bad type %d for %s", p->type, p->name);
}

/* cfg_apply_one - set one parameter from the file or its default */
static int
cfg_apply_one(const struct cfg_param *p)
{
	struct buf *val = buf_new(128), *why = buf_new(128);
	const char *where = cfg_where(p->name);
	int ret = 0;

	if (cfg_value(p->name, val, why) < 0
	    || cfg_parse_typed(p, buf_cstr(val), true, why) < 0) {
		if (where)
			log_error("%s: %s", where, buf_cstr(why));
		else
			log_error("default of %s: %s", p->name, buf_cstr(why));
		ret = 1;
	}
	buf_free(&val);
	buf_free(&why);
	return ret;
}

/* cfg_apply_table - fill one table */
int
cfg_apply_table(const struct cfg_param *table)
{
	int errors = 0;

	for (const struct cfg_param *p = table; p->name; p++)
		errors += cfg_apply_one(p);
	return errors;
}

/* cfg_names_cmp - qsort helper */
static int
cfg_names_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* cfg_names_set - every name defined in the file */
void
cfg_names_set(struct strv *out)
{
	struct htable_iter it;
	const char *k;

	strv_init(out);
	if (cfg_defs == NULL)
		return;
	htable_iter_init(&it, cfg_defs);
	while (htable_iter_next(&it, &k, NULL))
		strv_push(out, k);
	qsort(out->v, out->n, sizeof(char *), cfg_names_cmp);
}

/* cfg_apply - fill every registered table */
int
cfg_apply(bool quiet_unknown)
{
	int errors = 0;

	for (size_t t = 0; params_tables[t]; t++)
		errors += cfg_apply_table(params_tables[t]);
	for (size_t t = 0; t < NELEM(cfg_extra_tables) && cfg_extra_tables[t];
	     t++)
		errors += cfg_apply_table(cfg_extra_tables[t]);
	if (!quiet_unknown) {
		struct strv names;

		cfg_names_set(&names);
		for (size_t i = 0; i < names.n; i++)
			if (cfg_lookup(names.v[i]) == NULL)
				log_warn("%s: unknown parameter: %s",
				    cfg_where(names.v[i]), names.v[i]);
		strv_free(&names);
	}
	return errors;
}

/* cfg_line_name - the parameter a physical line defines, or NULL */
static char *
cfg_line_name(const char *line)
{
	const char *eq;
	size_t n;

	if (*line == 0 || isspace((unsigned char)*line) || *line == '#')
		return NULL;
	if ((eq = strchr(line, '=')) == NULL)
		return NULL;
	n = (size_t)(eq - line);
	while (n > 0 && isspace((unsigned char)line[n - 1]))
		n--;
	return cfg_name_ok(line, n) ? xstrndup(line, n) : NULL;
}

/* cfg_edit - set parameters in the file, keeping everything else */
int
cfg_edit(const char *path, const struct strv *sets, struct buf *why)
{
	struct buf *text = buf_new(4096), *out = buf_new(4096);
	struct strv lines, names, values;
	bool *done;
	int ret;

	if (file_read(path, CFG_FILE_MAX, text, why) < 0) {
		if (errno != ENOENT) {
			buf_free(&text);
			buf_free(&out);
			return -1;
		}
		buf_reset(why);
		buf_reset(text);
	}
	strv_init(&lines);
	strv_init(&names);
	strv_init(&values);
	for (size_t i = 0; i < sets->n; i++) {
		const char *eq = strchr(sets->v[i], '=');

		ASSERT(eq != NULL);
		strv_pushn(&names, sets->v[i], (size_t)(eq - sets->v[i]));
		strv_push(&values, eq + 1);
	}
	/* Split keeping empty lines. */
	for (const char *p = buf_cstr(text); *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		strv_pushn(&lines, p, n);
		p += n + (nl ? 1 : 0);
	}
	/* Find the last definition of each name. */
	{
		long *last = xcalloc(names.n + 1, sizeof(long));

		for (size_t k = 0; k < names.n; k++)
			last[k] = -1;
		for (size_t i = 0; i < lines.n; i++) {
			char *nm = cfg_line_name(lines.v[i]);

			for (size_t k = 0; nm && k < names.n; k++)
				if (strcmp(nm, names.v[k]) == 0)
					last[k] = (long)i;
			free(nm);
		}
		done = xcalloc(names.n + 1, sizeof(bool));
		for (size_t i = 0; i < lines.n;) {
			char *nm = cfg_line_name(lines.v[i]);
			size_t k;
			size_t next = i + 1;

			for (k = 0; nm && k < names.n; k++)
				if (strcmp(nm, names.v[k]) == 0)
					break;
			free(nm);
			if (nm == NULL || k == names.n) {
				buf_cats(out, lines.v[i]);
				buf_catc(out, '\n');
				i = next;
				continue;
			}
			/* Skip its continuation lines. */
			while (next < lines.n && lines.v[next][0]
			    && isspace((unsigned char)lines.v[next][0])
			    && !str_is_blank(lines.v[next]))
				next++;
			if ((long)i == last[k]) {
				buf_printf(
				    out, "%s = %s\n", names.v[k], values.v[k]);
				done[k] = true;
			}
			i = next;
		}
		free(last);
	}
	for (size_t k = 0; k < names.n; k++)
		if (!done[k])
			buf_printf(out, "%s = %s\n", names.v[k], values.v[k]);
	ret = file_write_atomic(path, buf_cstr(out), buf_len(out), 0644, why);
	free(done);
	strv_free(&lines);
	strv_free(&names);
	strv_free(&values);
	buf_free(&text);
	buf_free(&out);
	return ret;
}

/* ------------------------------------------------------------------ */
/* services.conf */

/* cfg_yn - parse a y/n/- column */
static int
cfg_yn(const char *s, bool dflt, bool *out)
{
	if (strcmp(s, "-") == 0)
		*out = dflt;
	else if (strcmp(s, "y") == 0)
		*out = true;
	else if (strcmp(s, "n") == 0)
		*out = false;
	else
		return -1;
	return 0;
}

/* cfg_num_col - parse a number-or-dash column */
static int
cfg_num_col(const char *s, long dflt, long max, long *out)
{
	size_t n = strlen(s);
	char *t;
	int ret;

	if (strcmp(s, "-") == 0) {
		*out = dflt;
		return 0;
	}
	t = xstrdup(s);
	if (n > 0 && t[n - 1] == '?') /* Postfix's "wake only when used" */
		t[n - 1] = 0;
	ret = str_parse_long(t, 0, 1000000, out) < 0 || *out > max ? -1 : 0;
	free(t);
	return ret;
}

/* cfg_user_ok - a plausible user name */
static bool
cfg_user_ok(const char *s)
{
	if (!*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-'
		    && *s != '.')
			return false;
	return true;
}

/* cfg_inet_name_ok - "[host:]port" with a numeric port or service name */
static bool
cfg_inet_name_ok(const char *s)
{
	struct buf *host = buf_new(64);
	const char *port = s;
	long n;
	bool ok = true;

	if (*s == '[' || strchr(s, ':')) {
		int p = -1;

		ok = net_parse_hostport(s, host, &p) == 0 && p > 0;
		buf_free(&host);
		return ok;
	}
	buf_free(&host);
	if (str_parse_long(port, 1, 65535, &n) == 0)
		return true;
	return getservbyname(port, "tcp") != NULL;
}

/* cfg_services_line - one logical service line */
static int
cfg_services_line(
    const char *where, const char *text, struct svc_table *t, struct buf *why)
{
	struct strv f;
	struct svc_entry e;
	bool unpriv;
	int bad = 0;

	strv_init(&f);
	strv_split(&f, text, " \t");
	memset(&e, 0, sizeof(e));
	if (f.n < 8) {
		buf_printf(why,
		    "%s: expected 8 or more fields "
		    "(service type private unpriv chroot wakeup "
		    "maxproc command), got %zu\n",
		    where, f.n);
		strv_free(&f);
		return -1;
	}
	if (strcmp(f.v[1], "inet") != 0 && strcmp(f.v[1], "unix") != 0) {
		buf_printf(why,
		    "%s: bad service type \"%s\" (use inet or unix)\n", where,
		    f.v[1]);
		bad++;
	}
	if (cfg_yn(f.v[2], strcmp(f.v[1], "unix") == 0, &e.is_private) < 0) {
		buf_printf(why,
		    "%s: bad private field \"%s\" (use y, n or -)\n", where,
		    f.v[2]);
		bad++;
	}
	if (cfg_yn(f.v[3], true, &unpriv) == 0) {
		e.user = xstrdup(unpriv ? "" : "root");
	} else if (cfg_user_ok(f.v[3])) {
		e.user = xstrdup(f.v[3]);
	} else {
		buf_printf(why,
		    "%s: bad unpriv field \"%s\" "
		    "(use y, n, - or a user name)\n",
		    where, f.v[3]);
		bad++;
	}
	if (cfg_yn(f.v[4], false, &e.has_chroot) < 0) {
		buf_printf(why, "%s: bad chroot field \"%s\" (use y, n or -)\n",
		    where, f.v[4]);
		bad++;
	}
	if (cfg_num_col(f.v[5], 0, 86400, &e.wakeup) < 0) {
		buf_printf(why,
		    "%s: bad wakeup field \"%s\" "
		    "(seconds, or -)\n",
		    where, f.v[5]);
		bad++;
	}
	if (cfg_num_col(f.v[6], -1, 100000, &e.maxproc) < 0) {
		buf_printf(why,
		    "%s: bad maxproc field \"%s\" "
		    "(a number, or -)\n",
		    where, f.v[6]);
		bad++;
	}
	if (strcmp(f.v[1], "inet") == 0 && !cfg_inet_name_ok(f.v[0])) {
		buf_printf(why,
		    "%s: bad inet service \"%s\" "
		    "(use [address:]port)\n",
		    where, f.v[0]);
		bad++;
	}
	if (strcmp(f.v[1], "unix") == 0 && strchr(f.v[0], '/') != NULL) {
		buf_printf(
		    why, "%s: bad unix service name \"%s\"\n", where, f.v[0]);
		bad++;
	}
	for (size_t i = 8; i < f.n; i++) {
		if (strcmp(f.v[i], "-o") == 0) {
			if (i + 1 >= f.n || strchr(f.v[i + 1], '=') == NULL) {
				buf_printf(
				    why, "%s: -o needs name=value\n", where);
				bad++;
			}
			i++;
		}
	}
	for (size_t i = 0; !bad && i < t->n; i++) {
		if (strcmp(t->v[i].name, f.v[0]) == 0
		    && strcmp(t->v[i].type, f.v[1]) == 0) {
			buf_printf(why,
			    "%s: duplicate service %s/%s "
			    "(first at %s)\n",
			    where, f.v[0], f.v[1], t->v[i].where);
			bad++;
		}
	}
	if (bad) {
		free(e.user);
		strv_free(&f);
		return -1;
	}
	e.name = xstrdup(f.v[0]);
	e.type = xstrdup(f.v[1]);
	e.where = xstrdup(where);
	strv_init(&e.argv);
	for (size_t i = 7; i < f.n; i++)
		strv_push(&e.argv, f.v[i]);
	t->v = xreallocarray(t->v, t->n + 1, sizeof(*t->v));
	t->v[t->n++] = e;
	strv_free(&f);
	return 0;
}

/* cfg_services_parse - parse service table text */
int
cfg_services_parse(
    const char *name, const char *text, struct svc_table *out, struct buf *why)
{
	struct buf *logical = buf_new(256);
	char where[512] = "";
	int lineno = 0, errors = 0;

	memset(out, 0, sizeof(*out));
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, n);
		char *t = str_trim(line);

		lineno++;
		p += n + (nl ? 1 : 0);
		if (*t == 0 || *t == '#') {
			/* comment */
		} else if (isspace((unsigned char)line[0])) {
			if (buf_len(logical) == 0) {
				buf_printf(why,
				    "%s:%d: continuation line "
				    "without a service before it\n",
				    name, lineno);
				errors++;
			} else {
				buf_catc(logical, ' ');
				buf_cats(logical, t);
			}
		} else {
			if (buf_len(logical) > 0
			    && cfg_services_line(
			           where, buf_cstr(logical), out, why)
			        < 0)
				errors++;
			buf_sets(logical, t);
			snprintf(where, sizeof(where), "%s:%d", name, lineno);
		}
		free(line);
	}
	if (buf_len(logical) > 0
	    && cfg_services_line(where, buf_cstr(logical), out, why) < 0)
		errors++;
	buf_free(&logical);
	if (buf_len(why) > 0 && buf_cstr(why)[buf_len(why) - 1] == '\n')
		buf_truncate(why, buf_len(why) - 1);
	return errors ? -1 : 0;
}

/* cfg_services_load - read services.conf */
int
cfg_services_load(const char *path, struct svc_table *out, struct buf *why)
{
	struct buf *text = buf_new(4096);
	int ret;

	memset(out, 0, sizeof(*out));
	if (file_read(path, CFG_FILE_MAX, text, why) < 0) {
		buf_free(&text);
		return -1;
	}
	ret = cfg_services_parse(path, buf_cstr(text), out, why);
	buf_free(&text);
	return ret;
}

/* cfg_services_free - free a table */
void
cfg_services_free(struct svc_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].type);
		free(t->v[i].user);
		free(t->v[i].where);
		strv_free(&t->v[i].argv);
	}
	free(t->v);
	memset(t, 0, sizeof(*t));
}

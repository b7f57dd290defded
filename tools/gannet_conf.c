/*
 * gannet_conf.c - `gannet conf`: print parameters as postconf does, and
 * `gannet conf set name=value ...` to change them in place.
 *
 *   gannet conf [name ...]      effective values, $references expanded
 *   gannet conf -n [name ...]   only what gannet.conf sets, as written
 *   gannet conf -d [name ...]   defaults, as declared
 *   gannet conf set name=value  edit gannet.conf, keeping its comments
 *
 * A value given to `set` is checked against the parameter's type and bounds
 * before the file is touched, so a typo cannot make the instance
 * unstartable.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/params.h"

#include "gannet.h"

enum conf_mode { CONF_EFFECTIVE, CONF_NONDEFAULT, CONF_DEFAULT };

/* conf_print_one - print one parameter; 0, or 1 when unknown */
static int
conf_print_one(
    const char *name, enum conf_mode mode, struct buf *val, struct buf *why)
{
	const struct cfg_param *p = cfg_lookup(name);

	buf_reset(val);
	buf_reset(why);
	switch (mode) {
	case CONF_DEFAULT:
		if (p == NULL) {
			log_warn("%s: unknown parameter", name);
			return 1;
		}
		if (p->dyn_default && p->dyn_default())
			buf_cats(val, p->dyn_default());
		else
			buf_cats(val, p->defval);
		break;
	case CONF_NONDEFAULT:
		if (!cfg_is_set(name))
			return 0;
		/* FALLTHROUGH */
	case CONF_EFFECTIVE:
		if (p == NULL && !cfg_is_set(name)) {
			log_warn("%s: unknown parameter", name);
			return 1;
		}
		if (cfg_value(name, val, why) < 0) {
			log_warn("%s: %s", name, buf_cstr(why));
			return 1;
		}
		break;
	}
	printf("%s =%s%s\n", name, buf_len(val) ? " " : "", buf_cstr(val));
	return 0;
}

/* conf_cmp - qsort by name */
static int
conf_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* conf_all_names - every declared name plus every name the file sets */
static void
conf_all_names(struct strv *names)
{
	struct strv set;

	strv_init(names);
	for (size_t t = 0; params_tables[t]; t++)
		for (const struct cfg_param *p = params_tables[t]; p->name; p++)
			strv_push(names, p->name);
	cfg_names_set(&set);
	for (size_t i = 0; i < set.n; i++)
		if (!strv_contains(names, set.v[i]))
			strv_push(names, set.v[i]);
	strv_free(&set);
	qsort(names->v, names->n, sizeof(char *), conf_cmp);
}

/* conf_set - validate and write name=value pairs */
static int
conf_set(int argc, char **argv)
{
	struct buf *path = buf_new(256), *why = buf_new(256);
	struct buf *val = buf_new(256);
	struct strv sets;
	int bad = 0;

	if (argc < 2)
		gannet_usage_error("conf set name=value ...");
	strv_init(&sets);
	for (int i = 1; i < argc; i++) {
		const char *eq = strchr(argv[i], '=');
		const struct cfg_param *p;
		char *name, *raw, *value;

		if (eq == NULL || eq == argv[i]) {
			log_error("conf set: expected name=value, got \"%s\"",
			    argv[i]);
			bad++;
			continue;
		}
		name = xstrndup(argv[i], (size_t)(eq - argv[i]));
		raw = xstrdup(eq + 1);
		value = str_trim(raw);
		if ((p = cfg_lookup(name)) == NULL) {
			log_error("conf set: unknown parameter: %s", name);
			bad++;
		} else {
			/* Check the value as it will be read: expanded. */
			cfg_override(name, value);
			buf_reset(why);
			if (cfg_value(name, val, why) < 0
			    || cfg_parse_typed(p, buf_cstr(val), false, why)
			        < 0) {
				log_error("conf set: %s", buf_cstr(why));
				bad++;
			} else {
				struct buf *pair = buf_new(64);

				buf_printf(pair, "%s=%s", name, value);
				strv_push(&sets, buf_cstr(pair));
				buf_free(&pair);
			}
		}
		free(name);
		free(raw);
	}
	if (!bad) {
		params_config_file(gannet_config_dir, path);
		if (cfg_edit(buf_cstr(path), &sets, why) < 0) {
			log_error("conf set: %s", buf_cstr(why));
			bad++;
		}
	}
	strv_free(&sets);
	buf_free(&path);
	buf_free(&why);
	buf_free(&val);
	return bad ? 1 : 0;
}

/* gannet_cmd_conf - the conf subcommand */
int
gannet_cmd_conf(int argc, char **argv)
{
	struct buf *val = buf_new(256), *why = buf_new(256);
	enum conf_mode mode = CONF_EFFECTIVE;
	struct strv names;
	int i, bad = 0;

	gannet_load_config();
	if (argc >= 2 && strcmp(argv[1], "set") == 0) {
		buf_free(&val);
		buf_free(&why);
		return conf_set(argc - 1, argv + 1);
	}
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-n") == 0)
			mode = CONF_NONDEFAULT;
		else if (strcmp(argv[i], "-d") == 0)
			mode = CONF_DEFAULT;
		else
			gannet_usage_error("conf [-n|-d] [name ...] | "
			                   "conf set name=value ...");
	}
	if (i < argc) {
		for (; i < argc; i++)
			bad += conf_print_one(argv[i], mode, val, why);
	} else {
		conf_all_names(&names);
		for (size_t k = 0; k < names.n; k++)
			if (mode == CONF_EFFECTIVE || mode == CONF_NONDEFAULT
			    || cfg_lookup(names.v[k]))
				bad +=
				    conf_print_one(names.v[k], mode, val, why);
		strv_free(&names);
	}
	buf_free(&val);
	buf_free(&why);
	return bad ? 1 : 0;
}

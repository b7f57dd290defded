/*
 * cfg.h - the configuration: gannet.conf (Postfix main.cf syntax) and the
 * master's service table services.conf. This module is the only code that
 * opens either file (STYLE 16).
 *
 * gannet.conf: "name = value" lines; '#' comment lines; a line that begins
 * with white space continues the previous one; the last definition of a
 * name wins; values may refer to other parameters as $name, ${name},
 * $(name), ${name?text} (text when name is non-empty), ${name:text} (text
 * when name is empty), and $$ is a literal '$'.
 *
 * Every parameter is declared once, in a table of struct cfg_param (see
 * params.h), with its type, default and bounds; cfg_apply() fills the
 * var_* globals of every table. A value out of bounds is an error with
 * file:line; a name no table knows is a warning with file:line.
 */
#ifndef MAIL_CFG_H
#define MAIL_CFG_H
#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;

enum cfg_type {
	CFG_T_END = 0,
	CFG_T_STR,  /* char *; "$name" expanded */
	CFG_T_RAW,  /* char *; not expanded (templates) */
	CFG_T_INT,  /* long */
	CFG_T_BOOL, /* bool */
	CFG_T_TIME, /* long seconds; units s m h d w */
	CFG_T_SIZE, /* long bytes; units k m g (1024) */
};

struct cfg_param {
	const char *name;
	enum cfg_type type;
	const char *defval; /* default text (may hold $name) */
	void *var;          /* char **, long *, bool * */
	long min, max;      /* bounds for INT, TIME, SIZE */
	/* computed default (myhostname...): returns a string, or NULL to use
	 * defval */
	const char *(*dyn_default)(void);
};

#define CFG_STR(n, d, v)                                                       \
	{                                                                      \
		n, CFG_T_STR, d, v, 0, 0, NULL                                 \
	}
#define CFG_RAW(n, d, v)                                                       \
	{                                                                      \
		n, CFG_T_RAW, d, v, 0, 0, NULL                                 \
	}
#define CFG_DYN(n, d, v, fn)                                                   \
	{                                                                      \
		n, CFG_T_STR, d, v, 0, 0, fn                                   \
	}
#define CFG_INT(n, d, v, lo, hi)                                               \
	{                                                                      \
		n, CFG_T_INT, d, v, lo, hi, NULL                               \
	}
#define CFG_BOOL(n, d, v)                                                      \
	{                                                                      \
		n, CFG_T_BOOL, d, v, 0, 1, NULL                                \
	}
#define CFG_TIME(n, d, v, lo, hi)                                              \
	{                                                                      \
		n, CFG_T_TIME, d, v, lo, hi, NULL                              \
	}
#define CFG_SIZE(n, d, v, lo, hi)                                              \
	{                                                                      \
		n, CFG_T_SIZE, d, v, lo, hi, NULL                              \
	}
#define CFG_END                                                                \
	{                                                                      \
		NULL, CFG_T_END, NULL, NULL, 0, 0, NULL                        \
	}

/* cfg_load - read gannet.conf (replacing what was loaded before). Syntax
 * errors are reported as "file:line: text" in why; returns 0 or -1. A
 * missing file is an error. config_directory defaults to its directory. */
int cfg_load(const char *path, struct buf *why);
/* cfg_load_string - the same from memory (tests, fuzzing); name is used
 * in messages */
int cfg_load_string(const char *name, const char *text, struct buf *why);
/* cfg_override - set name=value after loading (command line -o, service
 * table -o); the last override wins */
void cfg_override(const char *name, const char *value);
/* cfg_apply - fill the var_* of every registered table. Every problem is
 * logged as an error ("file:line: ..."); returns the number of problems.
 * Unknown names are warnings (not counted) unless quiet_unknown. */
int cfg_apply(bool quiet_unknown);
/* cfg_register_table - make a table that is not in params_tables known to
 * cfg_lookup and cfg_apply (tests, and programs with private tables) */
void cfg_register_table(const struct cfg_param *table);
/* cfg_apply_table - fill one table (tests) */
int cfg_apply_table(const struct cfg_param *table);
/* cfg_lookup - the declaration of name, or NULL */
const struct cfg_param *cfg_lookup(const char *name);
/* cfg_value - expanded text value of any parameter (declared or not) into
 * out; returns 0, or -1 with why (expansion loop) */
int cfg_value(const char *name, struct buf *out, struct buf *why);
/* cfg_default_value - expanded default into out */
int cfg_default_value(
    const struct cfg_param *p, struct buf *out, struct buf *why);
/* cfg_is_set - the name is defined in the file or overridden */
bool cfg_is_set(const char *name);
/* cfg_where - "file:line" of the definition, or NULL */
const char *cfg_where(const char *name);
/* cfg_expand - expand $references in text */
int cfg_expand(const char *text, struct buf *out, struct buf *why);
/* cfg_path - the file that was loaded, or NULL */
const char *cfg_path(void);
/* cfg_names_set - every name defined in the file, sorted */
void cfg_names_set(struct strv *out);
/* cfg_parse_typed - parse text as the parameter's type, checking bounds;
 * on success stores through p->var when store is true */
int cfg_parse_typed(
    const struct cfg_param *p, const char *text, bool store, struct buf *why);
/* cfg_edit - rewrite the file at path so that each name=value of sets
 * (strings "name=value") is defined once, in place of its last definition,
 * keeping comments and other lines; new names are appended. Atomic. */
int cfg_edit(const char *path, const struct strv *sets, struct buf *why);
/* cfg_free - forget everything loaded (tests) */
void cfg_free(void);

/* The service table (services.conf): one service a line,
 *   service type private unpriv chroot wakeup maxproc command [args...]
 * as Postfix's master.cf. A line that begins with white space continues
 * the previous one. "-" takes the default of a column. */
struct svc_entry {
	char *name;      /* "smtp", "127.0.0.1:10025", "qmgr" */
	char *type;      /* "inet" or "unix" */
	bool is_private; /* unix: under private/ (y) or public/ (n) */
	char *user;      /* user to run as: mail_owner by default,
	                  * "root" for unpriv=n, or a user name */
	bool has_chroot;
	long wakeup;      /* seconds, 0 = none */
	long maxproc;     /* 0 = no limit */
	struct strv argv; /* command and arguments */
	char *where;      /* "file:line" */
};
struct svc_table {
	struct svc_entry *v;
	size_t n;
};

/* cfg_services_load - parse the service table; every problem is reported
 * in why as "file:line: text" (one per line); returns 0 or -1 */
int cfg_services_load(const char *path, struct svc_table *out, struct buf *why);
int cfg_services_parse(
    const char *name, const char *text, struct svc_table *out, struct buf *why);
void cfg_services_free(struct svc_table *t);

#endif /* MAIL_CFG_H */

/*
 * gannet_domain.c - `gannet domain`: hosted domains and domain aliases.
 *
 *   domain add DOMAIN [--max-accounts N] [--max-size SIZE]
 *                     [--default-quota SIZE]
 *   domain set DOMAIN [the same options]
 *   domain alias ALIAS DOMAIN     ALIAS is another name of DOMAIN
 *   domain del DOMAIN [--force]   (--force: with its accounts, aliases,
 *                                  lists and domain aliases)
 *   domain disable|enable DOMAIN
 *   domain list
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"

#include "mail/acctmap.h"
#include "mail/params.h"

#include "gannet.h"
#include "gannet_acct.h"

static const char domain_usage[] =
    "domain add|set DOMAIN [--max-accounts N] [--max-size SIZE] "
    "[--default-quota SIZE]\n"
    "       gannet domain alias ALIAS DOMAIN\n"
    "       gannet domain del DOMAIN [--force]\n"
    "       gannet domain disable|enable DOMAIN\n"
    "       gannet domain list";

/* domain_name - a checked, lower-case domain argument */
static void
domain_name(const char *cmd, const char *arg, struct buf *out)
{
	struct buf *why = buf_new(64);

	acctname_lower(arg, out);
	if (acctname_check_domain(buf_cstr(out), why) < 0)
		log_fatal("%s: bad domain \"%s\": %s", cmd, arg, buf_cstr(why));
	buf_free(&why);
}

/* domain_get - the parsed record of a domain; fatal when absent */
static void
domain_get(struct gacct_edit *e, const char *cmd, const char *name,
    struct acctmap_domain *d)
{
	const char *v = gacct_get(e, GACCT_DOMAINS, name);
	struct buf *why = buf_new(64);

	if (v == NULL)
		log_fatal("%s: domain %s is not hosted here", cmd, name);
	if (acctmap_domain_parse(v, d, why) < 0)
		log_fatal("%s: domain %s: %s", cmd, name, buf_cstr(why));
	buf_free(&why);
}

/* domain_limits - the limit options; fatal on unknown ones */
static void
domain_limits(
    const char *cmd, int argc, char **argv, int i, struct acctmap_domain *d)
{
	for (; i < argc; i++) {
		if (i + 1 >= argc)
			gannet_usage_error(domain_usage);
		if (strcmp(argv[i], "--max-accounts") == 0) {
			long n;

			if (str_parse_long(argv[++i], 0, LONG_MAX, &n) < 0)
				log_fatal("%s: --max-accounts: not a number: "
				          "%s",
				    cmd, argv[i]);
			d->max_accounts = n;
		} else if (strcmp(argv[i], "--max-size") == 0) {
			d->max_size =
			    gacct_parse_size(cmd, argv[i], argv[i + 1]);
			i++;
		} else if (strcmp(argv[i], "--default-quota") == 0) {
			d->default_quota =
			    gacct_parse_size(cmd, argv[i], argv[i + 1]);
			i++;
		} else {
			gannet_usage_error(domain_usage);
		}
	}
	if (d->max_size > 0 && d->default_quota > d->max_size)
		log_fatal("%s: --default-quota is larger than --max-size", cmd);
}

/* domain_add - a new hosted domain */
static void
domain_add(const char *name, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_domain d;
	struct buf *val = buf_new(128);

	acctmap_domain_init(&d);
	domain_limits("domain add", argc, argv, 3, &d);
	gacct_begin(&e);
	if (gacct_get(&e, GACCT_DOMAINS, name))
		log_fatal("domain add: %s already exists", name);
	acctmap_domain_format(&d, val);
	gacct_set(&e, GACCT_DOMAINS, name, buf_cstr(val));
	gacct_commit(&e);
	printf("gannet: domain %s added\n", name);
	acctmap_domain_free(&d);
	buf_free(&val);
}

/* domain_set - change the limits */
static void
domain_set(const char *name, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_domain d;
	struct buf *val = buf_new(128);

	gacct_begin(&e);
	acctmap_domain_init(&d);
	domain_get(&e, "domain set", name, &d);
	if (d.alias)
		log_fatal("domain set: %s is an alias of %s; set the limits of "
		          "%s",
		    name, d.alias, d.alias);
	domain_limits("domain set", argc, argv, 3, &d);
	acctmap_domain_format(&d, val);
	gacct_set(&e, GACCT_DOMAINS, name, buf_cstr(val));
	gacct_commit(&e);
	printf("gannet: domain %s: %s\n", name, buf_cstr(val));
	acctmap_domain_free(&d);
	buf_free(&val);
}

/* domain_alias - ALIAS is another name of DOMAIN */
static void
domain_alias(const char *alias, const char *target)
{
	struct gacct_edit e;
	struct acctmap_domain d, a;
	struct buf *val = buf_new(128);

	if (strcmp(alias, target) == 0)
		log_fatal(
		    "domain alias: a domain cannot be an alias of itself");
	gacct_begin(&e);
	acctmap_domain_init(&d);
	acctmap_domain_init(&a);
	if (gacct_get(&e, GACCT_DOMAINS, alias))
		log_fatal("domain alias: %s already exists", alias);
	domain_get(&e, "domain alias", target, &d);
	if (d.alias)
		log_fatal("domain alias: %s is itself an alias of %s; use %s",
		    target, d.alias, d.alias);
	a.alias = xstrdup(target);
	acctmap_domain_format(&a, val);
	gacct_set(&e, GACCT_DOMAINS, alias, buf_cstr(val));
	gacct_commit(&e);
	printf("gannet: domain %s is now an alias of %s\n", alias, target);
	acctmap_domain_free(&d);
	acctmap_domain_free(&a);
	buf_free(&val);
}

/* What belongs to a domain being deleted. */
struct domain_refs {
	const char *domain;
	struct strv users, aliases, lists, domain_aliases;
};

/* domain_in - the key is an address of the domain (or @domain) */
static bool
domain_in(const char *key, const char *domain)
{
	const char *at = strrchr(key, '@');

	return at != NULL && str_eq_ci(at + 1, domain);
}

static int
domain_ref_user(const char *key, const char *value, void *ctx)
{
	struct domain_refs *r = ctx;

	if (domain_in(key, r->domain))
		strv_push(&r->users, key);
	return 0;
}

static int
domain_ref_alias(const char *key, const char *value, void *ctx)
{
	struct domain_refs *r = ctx;

	if (domain_in(key, r->domain))
		strv_push(&r->aliases, key);
	return 0;
}

static int
domain_ref_list(const char *key, const char *value, void *ctx)
{
	struct domain_refs *r = ctx;

	if (domain_in(key, r->domain))
		strv_push(&r->lists, key);
	return 0;
}

static int
domain_ref_domain(const char *key, const char *value, void *ctx)
{
	struct domain_refs *r = ctx;
	struct acctmap_domain d;
	struct buf *why = buf_new(64);

	acctmap_domain_init(&d);
	if (acctmap_domain_parse(value, &d, why) == 0 && d.alias
	    && strcmp(d.alias, r->domain) == 0)
		strv_push(&r->domain_aliases, key);
	acctmap_domain_free(&d);
	buf_free(&why);
	return 0;
}

/* domain_del - remove a domain (or a domain alias) */
static void
domain_del(const char *name, bool force)
{
	struct gacct_edit e;
	struct acctmap_domain d;
	struct domain_refs r;
	size_t total;

	gacct_begin(&e);
	acctmap_domain_init(&d);
	domain_get(&e, "domain del", name, &d);
	if (d.alias) {
		gacct_del(&e, GACCT_DOMAINS, name);
		gacct_commit(&e);
		printf("gannet: domain alias %s deleted\n", name);
		acctmap_domain_free(&d);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.domain = name;
	strv_init(&r.users);
	strv_init(&r.aliases);
	strv_init(&r.lists);
	strv_init(&r.domain_aliases);
	gacct_walk(&e, GACCT_USERS, domain_ref_user, &r);
	gacct_walk(&e, GACCT_ALIASES, domain_ref_alias, &r);
	gacct_walk(&e, GACCT_LISTS, domain_ref_list, &r);
	gacct_walk(&e, GACCT_DOMAINS, domain_ref_domain, &r);
	total = r.users.n + r.aliases.n + r.lists.n + r.domain_aliases.n;
	if (total > 0 && !force)
		log_fatal("domain del: %s still has %zu account(s), %zu "
		          "alias(es), %zu list(s) and %zu domain alias(es); "
		          "delete them first, or use --force to delete them "
		          "with the domain",
		    name, r.users.n, r.aliases.n, r.lists.n,
		    r.domain_aliases.n);
	for (size_t i = 0; i < r.users.n; i++) {
		gacct_del(&e, GACCT_USERS, r.users.v[i]);
		gacct_del(&e, GACCT_PASSWD, r.users.v[i]);
	}
	for (size_t i = 0; i < r.aliases.n; i++)
		gacct_del(&e, GACCT_ALIASES, r.aliases.v[i]);
	for (size_t i = 0; i < r.lists.n; i++)
		gacct_del(&e, GACCT_LISTS, r.lists.v[i]);
	for (size_t i = 0; i < r.domain_aliases.n; i++)
		gacct_del(&e, GACCT_DOMAINS, r.domain_aliases.v[i]);
	gacct_del(&e, GACCT_DOMAINS, name);
	gacct_commit(&e);
	printf("gannet: domain %s deleted", name);
	if (total)
		printf(" with %zu account(s), %zu alias(es), %zu list(s) and "
		       "%zu domain alias(es)",
		    r.users.n, r.aliases.n, r.lists.n, r.domain_aliases.n);
	printf("\n");
	if (r.users.n)
		printf("gannet: the mailboxes are kept in %s/%s/\n",
		    var_mail_base, name);
	strv_free(&r.users);
	strv_free(&r.aliases);
	strv_free(&r.lists);
	strv_free(&r.domain_aliases);
	acctmap_domain_free(&d);
}

/* domain_active - enable or disable */
static void
domain_active(const char *name, bool active)
{
	struct gacct_edit e;
	struct acctmap_domain d;
	struct buf *val = buf_new(128);

	gacct_begin(&e);
	acctmap_domain_init(&d);
	domain_get(&e, active ? "domain enable" : "domain disable", name, &d);
	d.active = active;
	acctmap_domain_format(&d, val);
	gacct_set(&e, GACCT_DOMAINS, name, buf_cstr(val));
	gacct_commit(&e);
	printf("gannet: domain %s %s\n", name, active ? "enabled" : "disabled");
	acctmap_domain_free(&d);
	buf_free(&val);
}

/* The listing. */
struct domain_list_ctx {
	struct gacct_edit *e;
};

static int
domain_count_user(const char *key, const char *value, void *ctx)
{
	struct domain_refs *r = ctx;

	if (domain_in(key, r->domain))
		strv_push(&r->users, key);
	return 0;
}

static int
domain_list_one(const char *key, const char *value, void *ctx)
{
	struct gacct_edit *e = ctx;
	struct acctmap_domain d;
	struct buf *why = buf_new(64), *s = buf_new(64);

	acctmap_domain_init(&d);
	if (acctmap_domain_parse(value, &d, why) < 0) {
		printf("%s\tmalformed: %s\n", key, buf_cstr(why));
	} else if (d.alias) {
		printf("%s\talias of %s%s\n", key, d.alias,
		    d.active ? "" : " (disabled)");
	} else {
		struct domain_refs r;

		memset(&r, 0, sizeof(r));
		r.domain = key;
		strv_init(&r.users);
		gacct_walk(e, GACCT_USERS, domain_count_user, &r);
		printf("%s\t%s\taccounts=%zu", key,
		    d.active ? "active" : "disabled", r.users.n);
		printf(" max_accounts=%ld", d.max_accounts);
		buf_reset(s);
		acctmap_format_size(d.max_size, s);
		printf(" max_size=%s", buf_cstr(s));
		buf_reset(s);
		acctmap_format_size(d.default_quota, s);
		printf(" default_quota=%s\n", buf_cstr(s));
		strv_free(&r.users);
	}
	acctmap_domain_free(&d);
	buf_free(&why);
	buf_free(&s);
	return 0;
}

/* gannet_cmd_domain - the domain subcommand */
int
gannet_cmd_domain(int argc, char **argv)
{
	struct buf *name = buf_new(64), *other = buf_new(64);
	const char *sub = argc > 1 ? argv[1] : "";

	gannet_load_config();
	if (strcmp(sub, "list") == 0 && argc == 2) {
		struct gacct_edit e;

		gacct_begin(&e);
		gacct_walk(&e, GACCT_DOMAINS, domain_list_one, &e);
		gacct_end(&e);
	} else if (argc < 3) {
		gannet_usage_error(domain_usage);
	} else if (strcmp(sub, "add") == 0) {
		domain_name("domain add", argv[2], name);
		domain_add(buf_cstr(name), argc, argv);
	} else if (strcmp(sub, "set") == 0) {
		domain_name("domain set", argv[2], name);
		domain_set(buf_cstr(name), argc, argv);
	} else if (strcmp(sub, "alias") == 0 && argc == 4) {
		domain_name("domain alias", argv[2], name);
		domain_name("domain alias", argv[3], other);
		domain_alias(buf_cstr(name), buf_cstr(other));
	} else if (strcmp(sub, "del") == 0
	    && (argc == 3 || (argc == 4 && strcmp(argv[3], "--force") == 0))) {
		domain_name("domain del", argv[2], name);
		domain_del(buf_cstr(name), argc == 4);
	} else if ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
	    && argc == 3) {
		domain_name("domain", argv[2], name);
		domain_active(buf_cstr(name), strcmp(sub, "enable") == 0);
	} else {
		gannet_usage_error(domain_usage);
	}
	buf_free(&name);
	buf_free(&other);
	return 0;
}

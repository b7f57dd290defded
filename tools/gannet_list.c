/*
 * gannet_list.c - `gannet list`: distribution lists (an address whose
 * mail goes to every member; who may send to it is the list's policy).
 *
 *   list add ADDRESS [--policy anyone|members|senders] [--require-auth]
 *                    [--sender ADDRESS]... [MEMBER...]
 *   list del ADDRESS
 *   list set ADDRESS [--policy P] [--require-auth | --no-require-auth]
 *   list members ADDRESS [add|del MEMBER...]
 *   list senders ADDRESS [add|del SENDER...]
 *   list disable|enable ADDRESS
 *   list show ADDRESS
 *   list list [DOMAIN]
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"

#include "mail/acctmap.h"

#include "gannet.h"
#include "gannet_acct.h"

static const char list_usage[] =
    "list add ADDRESS [--policy anyone|members|senders] [--require-auth] "
    "[--sender ADDRESS]... [MEMBER...]\n"
    "       gannet list set ADDRESS [--policy P] [--require-auth | "
    "--no-require-auth]\n"
    "       gannet list members|senders ADDRESS [add|del ADDRESS...]\n"
    "       gannet list del|show|disable|enable ADDRESS\n"
    "       gannet list list [DOMAIN]";

/* list_get - the parsed record; fatal when absent */
static void
list_get(struct gacct_edit *e, const char *cmd, const char *addr,
    struct acctmap_list *l)
{
	const char *v = gacct_get(e, GACCT_LISTS, addr);
	struct buf *why = buf_new(64);

	if (v == NULL) {
		const char *other = gacct_taken(e, addr);

		if (other)
			log_fatal("%s: %s is %s, not a distribution list", cmd,
			    addr, other);
		log_fatal("%s: no distribution list %s", cmd, addr);
	}
	if (acctmap_list_parse(v, l, why) < 0)
		log_fatal("%s: %s: %s", cmd, addr, buf_cstr(why));
	buf_free(&why);
}

/* list_put - write it back, after checking it resolves */
static void
list_put(struct gacct_edit *e, const char *cmd, const char *addr,
    const struct acctmap_list *l)
{
	struct buf *val = buf_new(128);

	acctmap_list_format(l, val);
	gacct_set(e, GACCT_LISTS, addr, buf_cstr(val));
	gacct_check_resolves(e, cmd, addr);
	buf_free(&val);
}

/* list_policy - a policy name */
static enum acctmap_policy
list_policy(const char *cmd, const char *s)
{
	for (int p = ACCTMAP_POLICY_ANYONE; p <= ACCTMAP_POLICY_SENDERS; p++)
		if (strcmp(s, acctmap_policy_name((enum acctmap_policy)p)) == 0)
			return (enum acctmap_policy)p;
	log_fatal("%s: --policy %s: use anyone, members or senders", cmd, s);
}

/* list_print - one list */
static void
list_print(const char *addr, const char *value, bool verbose)
{
	struct acctmap_list l;
	struct buf *why = buf_new(64);

	acctmap_list_init(&l);
	if (acctmap_list_parse(value, &l, why) < 0) {
		printf("%s\tmalformed: %s\n", addr, buf_cstr(why));
	} else {
		printf("%s\t%s\tpolicy=%s require_auth=%s members=%zu\n", addr,
		    l.active ? "active" : "disabled",
		    acctmap_policy_name(l.policy),
		    l.require_auth ? "yes" : "no", l.members.n);
		if (verbose) {
			for (size_t i = 0; i < l.members.n; i++)
				printf("  member: %s\n", l.members.v[i]);
			for (size_t i = 0; i < l.senders.n; i++)
				printf("  sender: %s\n", l.senders.v[i]);
		}
	}
	acctmap_list_free(&l);
	buf_free(&why);
}

/* list_add - a new list */
static void
list_add(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_list l;
	struct buf *dom = buf_new(64);
	char **members = xcalloc((size_t)argc, sizeof(char *));
	char **senders = xcalloc((size_t)argc, sizeof(char *));
	int nm = 0, ns = 0;
	const char *other;

	acctmap_list_init(&l);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
			l.policy = list_policy("list add", argv[++i]);
		else if (strcmp(argv[i], "--require-auth") == 0)
			l.require_auth = true;
		else if (strcmp(argv[i], "--sender") == 0 && i + 1 < argc)
			senders[ns++] = argv[++i];
		else if (argv[i][0] == '-')
			gannet_usage_error(list_usage);
		else
			members[nm++] = argv[i];
	}
	gacct_targets("list add", members, nm, &l.members);
	gacct_targets("list add", senders, ns, &l.senders);
	if (l.policy == ACCTMAP_POLICY_SENDERS && l.senders.n == 0)
		log_fatal("list add: --policy senders needs at least one "
		          "--sender");
	gacct_begin(&e);
	gacct_hosted_domain(&e, "list add", addr, dom);
	if ((other = gacct_taken(&e, addr)) != NULL)
		log_fatal("list add: %s already exists (%s)", addr, other);
	list_put(&e, "list add", addr, &l);
	gacct_commit(&e);
	printf("gannet: distribution list %s added with %zu member(s)\n", addr,
	    l.members.n);
	acctmap_list_free(&l);
	free(members);
	free(senders);
	buf_free(&dom);
}

/* list_set - policy and the AUTH requirement */
static void
list_set(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_list l;

	gacct_begin(&e);
	acctmap_list_init(&l);
	list_get(&e, "list set", addr, &l);
	if (argc <= 3)
		gannet_usage_error(list_usage);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--policy") == 0 && i + 1 < argc)
			l.policy = list_policy("list set", argv[++i]);
		else if (strcmp(argv[i], "--require-auth") == 0)
			l.require_auth = true;
		else if (strcmp(argv[i], "--no-require-auth") == 0)
			l.require_auth = false;
		else
			gannet_usage_error(list_usage);
	}
	if (l.policy == ACCTMAP_POLICY_SENDERS && l.senders.n == 0)
		log_fatal("list set: --policy senders: add senders first "
		          "(gannet list senders %s add ADDRESS)",
		    addr);
	list_put(&e, "list set", addr, &l);
	gacct_commit(&e);
	printf("gannet: distribution list %s: policy=%s require_auth=%s\n",
	    addr, acctmap_policy_name(l.policy), l.require_auth ? "yes" : "no");
	acctmap_list_free(&l);
}

/* list_edit_members - members or senders: print, add, del */
static void
list_edit_members(const char *addr, bool senders, int argc, char **argv)
{
	const char *cmd = senders ? "list senders" : "list members";
	struct gacct_edit e;
	struct acctmap_list l;
	struct strv given;
	struct strv *set;
	bool add;

	gacct_begin(&e);
	acctmap_list_init(&l);
	list_get(&e, cmd, addr, &l);
	set = senders ? &l.senders : &l.members;
	if (argc == 3) {
		for (size_t i = 0; i < set->n; i++)
			printf("%s\n", set->v[i]);
		gacct_end(&e);
		acctmap_list_free(&l);
		return;
	}
	if (argc < 5
	    || (strcmp(argv[3], "add") != 0 && strcmp(argv[3], "del") != 0))
		gannet_usage_error(list_usage);
	add = strcmp(argv[3], "add") == 0;
	strv_init(&given);
	gacct_targets(cmd, argv + 4, argc - 4, &given);
	for (size_t i = 0; i < given.n; i++) {
		bool there = strv_contains(set, given.v[i]);

		if (add && there)
			log_fatal(
			    "%s: %s is already on %s", cmd, given.v[i], addr);
		if (!add && !there)
			log_fatal("%s: %s is not on %s", cmd, given.v[i], addr);
		if (add) {
			strv_push(set, given.v[i]);
		} else {
			struct strv rest;

			strv_init(&rest);
			for (size_t k = 0; k < set->n; k++)
				if (strcmp(set->v[k], given.v[i]) != 0)
					strv_push(&rest, set->v[k]);
			strv_free(set);
			*set = rest;
		}
	}
	if (senders && !add && l.senders.n == 0
	    && l.policy == ACCTMAP_POLICY_SENDERS)
		log_fatal("%s: the policy of %s is senders: it needs at least "
		          "one",
		    cmd, addr);
	list_put(&e, cmd, addr, &l);
	gacct_commit(&e);
	printf("gannet: %s: %zu %s\n", addr, set->n,
	    senders ? "sender(s)" : "member(s)");
	strv_free(&given);
	acctmap_list_free(&l);
}

/* list_active - enable or disable */
static void
list_active(const char *addr, bool active)
{
	struct gacct_edit e;
	struct acctmap_list l;

	gacct_begin(&e);
	acctmap_list_init(&l);
	list_get(&e, active ? "list enable" : "list disable", addr, &l);
	l.active = active;
	list_put(&e, "list", addr, &l);
	gacct_commit(&e);
	printf("gannet: distribution list %s %s\n", addr,
	    active ? "enabled" : "disabled");
	acctmap_list_free(&l);
}

static int
list_list_one(const char *key, const char *value, void *ctx)
{
	const char *domain = ctx;
	const char *at = strrchr(key, '@');

	if (domain == NULL || (at && str_eq_ci(at + 1, domain)))
		list_print(key, value, false);
	return 0;
}

/* gannet_cmd_list - the list subcommand */
int
gannet_cmd_list(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct buf *addr = buf_new(64), *cmd = buf_new(16);
	struct gacct_edit e;

	gannet_load_config();
	if (strcmp(sub, "list") == 0 && argc <= 3) {
		if (argc == 3)
			acctname_lower(argv[2], addr);
		gacct_begin(&e);
		gacct_walk(&e, GACCT_LISTS, list_list_one,
		    argc == 3 ? buf_data(addr) : NULL);
		gacct_end(&e);
		goto out;
	}
	if (argc < 3)
		gannet_usage_error(list_usage);
	buf_printf(cmd, "list %s", sub);
	gacct_address(buf_cstr(cmd), argv[2], false, addr);
	if (strcmp(sub, "add") == 0) {
		list_add(buf_cstr(addr), argc, argv);
	} else if (strcmp(sub, "del") == 0 && argc == 3) {
		gacct_begin(&e);
		if (!gacct_get(&e, GACCT_LISTS, buf_cstr(addr)))
			log_fatal("list del: no distribution list %s",
			    buf_cstr(addr));
		gacct_del(&e, GACCT_LISTS, buf_cstr(addr));
		gacct_commit(&e);
		printf(
		    "gannet: distribution list %s deleted\n", buf_cstr(addr));
	} else if (strcmp(sub, "set") == 0) {
		list_set(buf_cstr(addr), argc, argv);
	} else if (strcmp(sub, "members") == 0 || strcmp(sub, "senders") == 0) {
		list_edit_members(
		    buf_cstr(addr), strcmp(sub, "senders") == 0, argc, argv);
	} else if ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
	    && argc == 3) {
		list_active(buf_cstr(addr), strcmp(sub, "enable") == 0);
	} else if (strcmp(sub, "show") == 0 && argc == 3) {
		struct acctmap_list l;
		const char *v;

		gacct_begin(&e);
		acctmap_list_init(&l);
		list_get(&e, "list show", buf_cstr(addr), &l);
		v = gacct_get(&e, GACCT_LISTS, buf_cstr(addr));
		list_print(buf_cstr(addr), v, true);
		acctmap_list_free(&l);
		gacct_end(&e);
	} else {
		gannet_usage_error(list_usage);
	}
out:
	buf_free(&addr);
	buf_free(&cmd);
	return 0;
}

/*
 * gannet_alias.c - `gannet alias`: addresses that deliver elsewhere.
 *
 *   alias add ADDRESS TARGET...    ADDRESS may be @domain: the catch-all
 *                                  for unknown users of the domain
 *   alias del ADDRESS
 *   alias list [DOMAIN]
 *   alias resolve ADDRESS          where mail for ADDRESS goes, as the
 *                                  daemons see the maps now
 *
 * The aliases map is in Postfix's virtual(5) format. An alias chain that
 * loops, or goes deeper than virtual_alias_recursion_limit, is refused
 * before anything is written.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"

#include "mail/accounts.h"
#include "mail/acctmap.h"

#include "gannet.h"
#include "gannet_acct.h"

static const char alias_usage[] = "alias add ADDRESS TARGET...\n"
                                  "       gannet alias del ADDRESS\n"
                                  "       gannet alias list [DOMAIN]\n"
                                  "       gannet alias resolve ADDRESS";

/* alias_add - a new alias */
static void
alias_add(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct strv targets;
	struct buf *dom = buf_new(64);
	const char *other;
	char *joined;

	strv_init(&targets);
	gacct_targets("alias add", argv + 3, argc - 3, &targets);
	if (targets.n == 0)
		gannet_usage_error(alias_usage);
	gacct_begin(&e);
	gacct_hosted_domain(&e, "alias add", addr, dom);
	if ((other = gacct_taken(&e, addr)) != NULL)
		log_fatal("alias add: %s already exists (%s)", addr, other);
	joined = strv_join(&targets, ", ");
	gacct_set(&e, GACCT_ALIASES, addr, joined);
	gacct_check_resolves(&e, "alias add", addr);
	gacct_commit(&e);
	if (addr[0] == '@')
		printf("gannet: catch-all of %s: mail to unknown users goes "
		       "to %s\n",
		    addr + 1, joined);
	else
		printf("gannet: alias %s -> %s\n", addr, joined);
	free(joined);
	strv_free(&targets);
	buf_free(&dom);
}

/* alias_del - remove an alias */
static void
alias_del(const char *addr)
{
	struct gacct_edit e;

	gacct_begin(&e);
	if (!gacct_del(&e, GACCT_ALIASES, addr)) {
		const char *other = gacct_taken(&e, addr);

		if (other)
			log_fatal(
			    "alias del: %s is %s, not an alias", addr, other);
		log_fatal("alias del: no alias %s", addr);
	}
	gacct_commit(&e);
	printf("gannet: alias %s deleted\n", addr);
}

static int
alias_list_one(const char *key, const char *value, void *ctx)
{
	const char *domain = ctx;
	const char *at = strrchr(key, '@');

	if (domain == NULL || (at && str_eq_ci(at + 1, domain)))
		printf("%s\t%s\n", key, value);
	return 0;
}

/* alias_resolve - the destinations of an address, from the built maps;
 * returns the exit status */
static int
alias_resolve(const char *addr)
{
	struct accounts *a = accounts_open();
	struct accounts_targets t;
	struct buf *why = buf_new(64), *s = buf_new(16);
	enum accounts_status st;

	accounts_targets_init(&t);
	st = accounts_resolve(a, addr, &t, why);
	if (st != ACCOUNTS_OK && st != ACCOUNTS_NOT_HOSTED) {
		printf("%s: %s%s%s\n", addr, accounts_status_reply(st),
		    buf_len(why) ? ": " : "", buf_cstr(why));
		accounts_targets_free(&t);
		accounts_close(&a);
		buf_free(&why);
		buf_free(&s);
		return 1;
	}
	for (size_t i = 0; i < t.n; i++) {
		const struct accounts_target *x = &t.v[i];

		switch (x->kind) {
		case ACCOUNTS_TARGET_MAILBOX:
			buf_reset(s);
			acctmap_format_size(x->quota, s);
			printf("%s\tmailbox %s quota=%s\n", x->address,
			    x->maildir, x->quota ? buf_cstr(s) : "none");
			break;
		case ACCOUNTS_TARGET_REMOTE:
			printf("%s\tremote\n", x->address);
			break;
		default:
			printf("%s\tfails: %s\n", x->address,
			    accounts_status_reply(x->status));
		}
	}
	accounts_targets_free(&t);
	accounts_close(&a);
	buf_free(&why);
	buf_free(&s);
	return 0;
}

/* gannet_cmd_alias - the alias subcommand */
int
gannet_cmd_alias(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct buf *addr = buf_new(64);

	gannet_load_config();
	if (strcmp(sub, "list") == 0 && argc <= 3) {
		struct gacct_edit e;

		if (argc == 3)
			acctname_lower(argv[2], addr);
		gacct_begin(&e);
		gacct_walk(&e, GACCT_ALIASES, alias_list_one,
		    argc == 3 ? buf_data(addr) : NULL);
		gacct_end(&e);
	} else if (strcmp(sub, "add") == 0 && argc >= 4) {
		gacct_address("alias add", argv[2], true, addr);
		alias_add(buf_cstr(addr), argc, argv);
	} else if (strcmp(sub, "del") == 0 && argc == 3) {
		gacct_address("alias del", argv[2], true, addr);
		alias_del(buf_cstr(addr));
	} else if (strcmp(sub, "resolve") == 0 && argc == 3) {
		int rc;

		acctname_lower(argv[2], addr);
		rc = alias_resolve(buf_cstr(addr));
		buf_free(&addr);
		return rc;
	} else {
		gannet_usage_error(alias_usage);
	}
	buf_free(&addr);
	return 0;
}

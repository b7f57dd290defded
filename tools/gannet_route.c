/*
 * gannet_route.c - `gannet route ADDRESS...`: where the queue manager
 * would send mail for each address (route.h): the transport, the next hop
 * and what decided it, so that an administrator can check transport_maps,
 * relay_domains, relayhost_maps and relayhost without sending mail.
 */
#include "util/sys_defs.h"

#include "util/buf.h"
#include "util/log.h"

#include "mail/accounts.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/route.h"

#include "gannet.h"

/* route_is_local - mydestination or a hosted domain; 1, 0, -1 (why) */
static int
route_is_local(struct matchlist *mydest, struct accounts *acc,
    const char *domain, struct buf *why)
{
	struct accounts_domain d;
	int r;

	if (*domain == 0)
		return 1;
	if ((r = matchlist_match(mydest, domain, why)) != 0)
		return r;
	if ((r = accounts_domain(acc, domain, &d, why)) < 0) {
		/* A fresh instance has no domains map yet: say so, and go on
		 * as if the domain were not hosted. */
		fprintf(stderr, "gannet: warning: hosted domains unknown: %s\n",
		    buf_cstr(why));
		buf_reset(why);
		return 0;
	}
	return r;
}

/* gannet_cmd_route - the command */
int
gannet_cmd_route(int argc, char **argv)
{
	struct buf *why = buf_new(128);
	struct matchlist *mydest;
	struct accounts *acc;
	struct router *r;
	int status = 0;

	if (argc < 2)
		gannet_usage_error("route ADDRESS...");
	gannet_load_config();
	if ((r = route_open(why)) == NULL)
		log_fatal("%s", buf_cstr(why));
	if ((mydest = matchlist_open(
	         "mydestination", var_mydestination, MATCHLIST_DOMAIN, why))
	    == NULL)
		log_fatal("%s", buf_cstr(why));
	acc = accounts_open();
	for (int i = 1; i < argc; i++) {
		const char *at = strrchr(argv[i], '@');
		struct route rt;
		int local;

		buf_reset(why);
		local = route_is_local(mydest, acc, at ? at + 1 : "", why);
		if (local < 0
		    || route_resolve(r, argv[i], local > 0, &rt, why) < 0) {
			fprintf(
			    stderr, "gannet: %s: %s\n", argv[i], buf_cstr(why));
			status = 1;
			continue;
		}
		switch (rt.kind) {
		case ROUTE_SMTP:
			printf("%s: smtp:%s (%s)\n", argv[i], rt.nexthop,
			    rt.source);
			break;
		case ROUTE_LOCAL:
			printf("%s: local (%s)\n", argv[i], rt.source);
			break;
		case ROUTE_ERROR:
			printf("%s: error:%s %s (%s)\n", argv[i], rt.dsn,
			    rt.text, rt.source);
			break;
		}
	}
	accounts_close(&acc);
	matchlist_close(&mydest);
	route_close(&r);
	buf_free(&why);
	return status;
}

/*
 * local.c - the local delivery agent (service "deliver"): takes delivery
 * requests from the queue manager over its UNIX socket (deliver_proto.h)
 * and puts each message into the Maildir of every recipient account.
 * See deliver(8).
 *
 * It runs as the mail store's user (vmail_owner), the one user that may
 * write into the mailboxes, and reads the queue file of each request,
 * which belongs to mail_owner: when the privileges are dropped it keeps
 * mail_owner's group as its one supplementary group (the hooks below ask
 * service_main() for that), and queue files and the queue directories
 * the agent reads are readable by that group (gannet-queue(5)).
 * The agent holds no other privilege: it cannot change the queue.
 */
#include "util/sys_defs.h"

#include "mail/accounts.h"
#include "mail/deliver_agent.h"
#include "mail/deliver_proto.h"
#include "mail/params.h"
#include "mail/service.h"

#include "local.h"

struct local_agent local_agent;

/* local_post_jail - as the mail store's user: the account maps */
static void
local_post_jail(void)
{
	local_agent.acc = accounts_open();
}

/* local_serve - one queue manager connection, one or more requests */
static void
local_serve(const struct service_client *client)
{
	static const struct deliver_agent agent = {
	    .deliver = local_deliver,
	};

	deliver_agent_serve(client, &agent);
}

/* local_pre_exit - close the maps */
static void
local_pre_exit(void)
{
	accounts_close(&local_agent.acc);
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .post_jail = local_post_jail,
	    .serve = local_serve,
	    .pre_exit = local_pre_exit,
	    .default_user = &var_vmail_owner,
	    .extra_group_of = &var_mail_owner,
	};

	return service_main(argc, argv, "deliver", &hooks);
}

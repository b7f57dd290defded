/*
 * gannet_ban.c - `gannet ban list|del ADDRESS`: the client addresses the
 * auth service has banned after too many failed logins.
 *
 * The auth service owns the bans (in memory, and in auth_ban_database):
 * while it runs, both commands ask it over its socket, so that a lifted
 * ban takes effect at once. When it does not run, they read or change
 * the database directly; the service loads it when it starts.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"

#include "mail/auth_client.h"
#include "mail/ban.h"
#include "mail/ipc.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

#include "gannet.h"

static const char gban_usage[] = "ban list\n"
                                 "       gannet ban del ADDRESS";

/* gban_print - one ban, as both paths show it */
static void
gban_print(const char *client, time_t until, long failures, const char *login)
{
	char when[64];
	struct tm tm;

	if (localtime_r(&until, &tm) == NULL
	    || strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)until);
	printf("%s\tuntil %s\tfailures=%ld\tlast_login=%s\n", client, when,
	    failures, login);
}

/* gban_db_one - one record of the database */
static int
gban_db_one(const char *client, const char *value, void *ctx)
{
	struct buf *login = buf_new(64);
	time_t until;
	long failures;

	if (ban_record_parse(value, &until, &failures, login) == 0
	    && until > time(NULL))
		gban_print(client, until, failures, buf_cstr(login));
	buf_free(&login);
	return 0;
}

/* gban_list - every ban in force */
static void
gban_list(void)
{
	struct ipc_msg *q = ipc_new(), *a = ipc_new();
	struct buf *why = buf_new(128), *line = buf_new(128);

	ipc_begin(q, "ban-list");
	if (auth_client_call(q, a, why) == 0) {
		if (strcmp(ipc_type(a), "ban-list-reply") != 0)
			log_fatal("ban list: the auth service refused: %s",
			    ipc_next_is(a, "reason")
			            && ipc_get_str(a, "reason", line) == 0
			        ? buf_cstr(line)
			        : ipc_type(a));
		while (ipc_next_is(a, "ban")) {
			struct strv w;
			unsigned long until;
			long failures;

			ipc_get_str(a, "ban", line);
			strv_init(&w);
			strv_split(&w, buf_cstr(line), " ");
			if (w.n == 4
			    && str_parse_ulong(
			           w.v[1], (unsigned long)INT64_MAX, &until)
			        == 0
			    && str_parse_long(w.v[2], 0, LONG_MAX, &failures)
			        == 0)
				gban_print(
				    w.v[0], (time_t)until, failures, w.v[3]);
			strv_free(&w);
		}
		if (ipc_next_is(a, "more")) {
			long more;

			if (ipc_get_long(a, "more", 0, LONG_MAX, &more) == 0)
				printf("... and %ld more\n", more);
		}
	} else {
		struct bdb *db;

		log_debug("auth service not reachable (%s); reading %s",
		    buf_cstr(why), var_auth_ban_database);
		buf_reset(why);
		if (!file_exists(var_auth_ban_database))
			goto out;
		if ((db = bdb_open_readonly(var_auth_ban_database, why))
		    == NULL)
			log_fatal("ban list: %s", buf_cstr(why));
		if (bdb_walk(db, gban_db_one, NULL, why) < 0)
			log_fatal("ban list: %s", buf_cstr(why));
		bdb_close(&db);
	}
out:
	ipc_free(&q);
	ipc_free(&a);
	buf_free(&why);
	buf_free(&line);
}

/* gban_del - lift one ban */
static void
gban_del(const char *client)
{
	struct ipc_msg *q = ipc_new(), *a = ipc_new();
	struct buf *why = buf_new(128), *reason = buf_new(64);
	bool deleted = false;

	ipc_begin(q, "ban-del");
	ipc_put_str(q, "client", client);
	if (auth_client_call(q, a, why) == 0) {
		if (strcmp(ipc_type(a), "ban-del-reply") != 0
		    || ipc_get_bool(a, "deleted", &deleted) < 0)
			log_fatal("ban del: the auth service refused: %s",
			    ipc_next_is(a, "reason")
			            && ipc_get_str(a, "reason", reason) == 0
			        ? buf_cstr(reason)
			        : ipc_type(a));
	} else {
		struct bdb *db;
		int r;

		log_debug("auth service not reachable (%s); changing %s",
		    buf_cstr(why), var_auth_ban_database);
		buf_reset(why);
		if (file_exists(var_auth_ban_database)) {
			if ((db = bdb_open(var_auth_ban_database, why)) == NULL)
				log_fatal("ban del: %s", buf_cstr(why));
			if ((r = bdb_del(db, client, why)) < 0
			    || bdb_sync(db, why) < 0)
				log_fatal("ban del: %s", buf_cstr(why));
			deleted = r > 0;
			bdb_close(&db);
		}
	}
	if (!deleted)
		log_fatal("ban del: %s is not banned", client);
	printf("gannet: ban of %s lifted\n", client);
	ipc_free(&q);
	ipc_free(&a);
	buf_free(&why);
	buf_free(&reason);
}

/* gannet_cmd_ban - the ban subcommand */
int
gannet_cmd_ban(int argc, char **argv)
{
	gannet_load_config();
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		gban_list();
	else if (argc == 3 && strcmp(argv[1], "del") == 0)
		gban_del(argv[2]);
	else
		gannet_usage_error(gban_usage);
	return 0;
}

/*
 * auth_req.c - the requests of the auth service: login, banned, ban-list,
 * ban-del (protocol in lib/mail/auth_client.h), and the ban database.
 *
 * A login is checked in a fixed order so that its cost and its answer do
 * not tell a client which accounts exist: a banned client is refused
 * before anything else; every other attempt computes one password hash,
 * against the account's hash or, when there is no account (or no usable
 * hash), against a dummy hash of the configured scheme; only then are
 * the account's and the domain's state looked at. "Disabled" is only
 * ever said to a client that knew the password.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/pwhash.h"
#include "util/strutil.h"

#include "proto/acctname.h"

#include "mail/accounts.h"
#include "mail/ban.h"
#include "mail/ipc.h"
#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

#include "auth.h"

/* auth_printable - a peer-supplied string made safe for a log line */
static void
auth_printable(const char *s, size_t max, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; s[i] && i < max; i++)
		buf_catc(out, s[i] > ' ' && s[i] < 0x7f ? s[i] : '?');
	if (strlen(s) > max)
		buf_cats(out, "...");
}

/* auth_time_str - a ban's end for the log */
static void
auth_time_str(time_t t, char *out, size_t len)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL
	    || strftime(out, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(out, len, "%lld", (long long)t);
}

/* auth_db_put - save a ban */
static void
auth_db_put(const char *client, time_t until, long failures, const char *login)
{
	struct buf *rec = buf_new(64), *why = buf_new(64);

	if (auth_st.bandb == NULL) {
		buf_free(&rec);
		buf_free(&why);
		return;
	}
	ban_record_format(until, failures, login, rec);
	if (bdb_put(auth_st.bandb, client, buf_cstr(rec), why) < 0
	    || bdb_sync(auth_st.bandb, why) < 0)
		log_warn("%s: save ban of %s: %s", var_auth_ban_database,
		    client, buf_cstr(why));
	buf_free(&rec);
	buf_free(&why);
}

/* auth_db_del - forget a saved ban */
static void
auth_db_del(const char *client)
{
	struct buf *why = buf_new(64);

	if (auth_st.bandb
	    && (bdb_del(auth_st.bandb, client, why) < 0
	        || bdb_sync(auth_st.bandb, why) < 0))
		log_warn("%s: delete ban of %s: %s", var_auth_ban_database,
		    client, buf_cstr(why));
	buf_free(&why);
}

/* auth_load_one - one saved ban */
static int
auth_load_one(const char *client, const char *value, void *ctx)
{
	struct strv *stale = ctx;
	struct buf *login = buf_new(64);
	time_t until;
	long failures;

	if (ban_record_parse(value, &until, &failures, login) < 0) {
		log_warn("%s: %s: malformed record, dropped",
		    var_auth_ban_database, client);
		strv_push(stale, client);
	} else if (!ban_add(auth_st.bans, client, until, failures,
	               buf_cstr(login), time(NULL))
	    || until <= time(NULL)) {
		strv_push(stale, client);
	}
	buf_free(&login);
	return 0;
}

/* auth_bans_load - open the database, load what is in force */
void
auth_bans_load(void)
{
	struct buf *why = buf_new(128), *dir = buf_new(128);
	struct strv stale;

	file_dirname(var_auth_ban_database, dir);
	if (!file_is_dir(buf_cstr(dir))
	    && file_mkdirs(buf_cstr(dir), 0700, why) < 0) {
		log_warn("bans will not survive a restart: %s", buf_cstr(why));
		goto out;
	}
	if ((auth_st.bandb = bdb_open(var_auth_ban_database, why)) == NULL) {
		log_warn("bans will not survive a restart: %s", buf_cstr(why));
		goto out;
	}
	strv_init(&stale);
	if (bdb_walk(auth_st.bandb, auth_load_one, &stale, why) < 0)
		log_warn("%s: %s", var_auth_ban_database, buf_cstr(why));
	for (size_t i = 0; i < stale.n; i++)
		auth_db_del(stale.v[i]);
	strv_free(&stale);
out:
	buf_free(&why);
	buf_free(&dir);
}

/* auth_expired - one ban ended */
static void
auth_expired(const char *client, void *ctx)
{
	log_info("ban lifted: client %s: ban time over", client);
	auth_db_del(client);
}

/* auth_bans_expire - housekeeping */
void
auth_bans_expire(void)
{
	ban_expire(auth_st.bans, time(NULL), auth_expired, NULL);
}

/* auth_is_banned - check, logging a ban that just ended */
static bool
auth_is_banned(const char *client, time_t *until)
{
	bool expired;
	bool banned =
	    ban_check(auth_st.bans, client, time(NULL), until, &expired);

	if (expired)
		auth_expired(client, NULL);
	return banned;
}

/* auth_exempt - a client that is never banned (auth_ban_exempt) */
static bool
auth_exempt(const char *client)
{
	struct buf *why = buf_new(64);
	int r = matchlist_match(auth_st.exempt, client, why);

	/* A failed lookup bans nobody: better a guesser more than a
	 * trusted network locked out. */
	if (r < 0)
		log_warn("auth_ban_exempt: %s", buf_cstr(why));
	buf_free(&why);
	return r != 0;
}

/* auth_failed - count one failure; ban when it is the last straw */
static void
auth_failed(const char *client, const char *login, const char *service)
{
	time_t until;
	long count;
	int bits;

	if (auth_exempt(client))
		return;
	bits = ban_failure(
	    auth_st.bans, client, login, time(NULL), &until, &count);
	if (bits & BAN_STARTED) {
		char when[64];

		auth_time_str(until, when, sizeof(when));
		log_warn("ban: client %s: %ld authentication failures within "
		         "%lds (last login <%s>, service %s); banned on every "
		         "protocol until %s",
		    client, count, var_auth_failure_window, login, service,
		    when);
		auth_db_put(client, until, count, login);
	} else if (bits & BAN_TABLE_FULL) {
		log_warn("client %s: ban due, but %ld bans are in force "
		         "(auth_failure_table_limit)",
		    client, var_auth_failure_table_limit);
	}
	if (bits & BAN_LOGIN_ALERT)
		log_warn("login <%s>: %ld authentication failures within %lds, "
		         "from several client addresses",
		    login, var_auth_failure_limit, var_auth_failure_window);
}

/* auth_reply_fail - a login-reply that is not ok */
static void
auth_reply_fail(struct ipc_msg *reply, const char *status, const char *reason)
{
	ipc_begin(reply, "login-reply");
	ipc_put_str(reply, "status", status);
	ipc_put_str(reply, "reason", reason);
}

/* auth_name_ok - a short [a-z0-9-] word (service names) */
static bool
auth_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')
		        || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* auth_login - one login attempt */
static void
auth_login(struct ipc_msg *req, struct ipc_msg *reply)
{
	struct buf *login = buf_new(64), *pw = buf_new(64);
	struct buf *service = buf_new(16), *client = buf_new(64);
	struct buf *canon = buf_new(64), *hash = buf_new(128);
	struct buf *why = buf_new(128), *shown = buf_new(64);
	struct accounts_user u;
	bool tls, pw_ok, have_user = false;
	time_t until;
	int r;

	memset(&u, 0, sizeof(u));
	if (ipc_get_str(req, "login", login) < 0
	    || ipc_get_str(req, "password", pw) < 0
	    || ipc_get_str(req, "service", service) < 0
	    || ipc_get_str(req, "client", client) < 0
	    || ipc_get_bool(req, "tls", &tls) < 0 || ipc_end(req) < 0
	    || !auth_name_ok(buf_cstr(service)) || buf_len(client) == 0
	    || buf_len(client) >= 64
	    || strlen(buf_cstr(client)) != buf_len(client)) {
		log_warn("malformed login request");
		ipc_begin(reply, "error");
		ipc_put_str(reply, "reason", "malformed login request");
		goto out;
	}
	auth_printable(buf_cstr(client), 64, shown);
	buf_set(client, buf_cstr(shown), buf_len(shown));
	auth_printable(buf_cstr(login), ACCTNAME_ADDR_MAX, shown);

	/* 1. A banned client gets no further. */
	if (auth_is_banned(buf_cstr(client), &until)) {
		char when[64];

		auth_time_str(until, when, sizeof(when));
		log_info("login refused: user=<%s> service=%s client=%s: "
		         "client is banned until %s",
		    buf_cstr(shown), buf_cstr(service), buf_cstr(client), when);
		auth_reply_fail(reply, "banned", "client address is banned");
		ipc_put_long(reply, "until", (long)until);
		goto out;
	}

	/* 2. The account, if the login names one. */
	if (acctname_login(buf_cstr(login), buf_len(login),
	        var_auth_default_realm, canon, why)
	    == 0) {
		r = accounts_user(auth_st.acc, buf_cstr(canon), &u, why);
		/* The password map is asked for every login, so that a map
		 * that cannot be read fails everyone alike, known or not. */
		if (r >= 0
		    && accounts_password(auth_st.acc,
		           r > 0 ? u.address : buf_cstr(canon), hash, why)
		        < 0)
			r = -1;
		if (r == 0)
			buf_reset(hash);
		if (r < 0) {
			log_warn("login: user=<%s> service=%s client=%s: %s",
			    buf_cstr(shown), buf_cstr(service),
			    buf_cstr(client), buf_cstr(why));
			auth_reply_fail(
			    reply, "tempfail", "account lookup failed");
			goto out;
		}
		have_user = u.address[0] != 0;
		buf_set(canon, have_user ? u.address : buf_cstr(canon),
		    strlen(have_user ? u.address : buf_cstr(canon)));
	} else {
		buf_set(canon, buf_cstr(shown), buf_len(shown));
	}

	/* 3. One hash computation, whatever happened so far. */
	buf_reset(why);
	if (buf_len(pw) > (size_t)var_auth_password_limit
	    || strlen(buf_cstr(pw)) != buf_len(pw)) {
		(void)pwhash_verify("",
		    pwhash_dummy(
		        var_auth_password_scheme, var_auth_password_cost, why));
		pw_ok = false;
		buf_sets(why, "password too long or malformed");
	} else if (buf_len(hash) > 0 && pwhash_usable(buf_cstr(hash), why)) {
		pw_ok = pwhash_verify(buf_cstr(pw), buf_cstr(hash));
		buf_sets(why, pw_ok ? "" : "wrong password");
	} else {
		if (have_user && buf_len(hash) > 0)
			log_warn("user %s: unusable password hash: %s",
			    buf_cstr(canon), buf_cstr(why));
		(void)pwhash_verify(buf_cstr(pw),
		    pwhash_dummy(
		        var_auth_password_scheme, var_auth_password_cost, why));
		pw_ok = false;
		buf_sets(why,
		    !have_user               ? "unknown user"
		        : buf_len(hash) == 0 ? "account has no password"
		                             : "unusable password hash");
	}
	if (!pw_ok) {
		log_info("login failed: user=<%s> service=%s client=%s%s: %s",
		    buf_cstr(shown), buf_cstr(service), buf_cstr(client),
		    tls ? " tls" : "", buf_cstr(why));
		auth_reply_fail(reply, "fail", "authentication failed");
		auth_failed(
		    buf_cstr(client), buf_cstr(canon), buf_cstr(service));
		goto out;
	}

	/* 4. Only now: is the account usable? */
	if (!u.active) {
		log_info("login refused: user=<%s> service=%s client=%s: %s "
		         "disabled",
		    u.address, buf_cstr(service), buf_cstr(client),
		    u.user_active ? "domain" : "account");
		auth_reply_fail(reply, "disabled",
		    u.user_active ? "domain disabled" : "account disabled");
		goto out;
	}
	ban_success(auth_st.bans, u.address);
	log_info("login: user=<%s> service=%s client=%s%s", u.address,
	    buf_cstr(service), buf_cstr(client), tls ? " tls" : "");
	ipc_begin(reply, "login-reply");
	ipc_put_str(reply, "status", "ok");
	ipc_put_str(reply, "user", u.address);
	ipc_put_str(reply, "maildir", u.maildir);
	ipc_put_long(reply, "quota", (long)u.quota);
out:
	accounts_user_free(&u);
	buf_free_secret(&pw);
	buf_free_secret(&hash);
	buf_free(&login);
	buf_free(&service);
	buf_free(&client);
	buf_free(&canon);
	buf_free(&why);
	buf_free(&shown);
}

/* auth_banned - is a client banned */
static void
auth_banned(struct ipc_msg *req, struct ipc_msg *reply)
{
	struct buf *client = buf_new(64);
	time_t until = 0;
	bool banned;

	if (ipc_get_str(req, "client", client) < 0 || ipc_end(req) < 0) {
		ipc_begin(reply, "error");
		ipc_put_str(reply, "reason", "malformed banned request");
		buf_free(&client);
		return;
	}
	banned = auth_is_banned(buf_cstr(client), &until);
	ipc_begin(reply, "banned-reply");
	ipc_put_bool(reply, "banned", banned);
	ipc_put_long(reply, "until", banned ? (long)until : 0);
	buf_free(&client);
}

/* A ban list reply stays well within IPC_ATTR_MAX and IPC_MSG_MAX; the
 * rest is counted. */
#define AUTH_LIST_MAX 5000

struct auth_list {
	struct ipc_msg *reply;
	long n, more;
};

/* auth_list_one - one ban into the reply */
static int
auth_list_one(const char *client, time_t until, long failures,
    const char *login, void *ctx)
{
	struct auth_list *ls = ctx;
	struct buf *line;

	if (ls->n >= AUTH_LIST_MAX) {
		ls->more++;
		return 0;
	}
	line = buf_new(64);
	buf_printf(
	    line, "%s %lld %ld %s", client, (long long)until, failures, login);
	ipc_put_str(ls->reply, "ban", buf_cstr(line));
	ls->n++;
	buf_free(&line);
	return 0;
}

/* auth_admin_ok - ban-list and ban-del: root, or our own user */
static bool
auth_admin_ok(uid_t peer_uid, struct ipc_msg *reply)
{
	if (peer_uid == 0 || peer_uid == geteuid())
		return true;
	log_warn("ban request from uid %ld refused", (long)peer_uid);
	ipc_begin(reply, "error");
	ipc_put_str(reply, "reason", "permission denied");
	return false;
}

/* auth_request - dispatch one request */
void
auth_request(struct ipc_msg *req, struct ipc_msg *reply, uid_t peer_uid)
{
	const char *type = ipc_type(req);

	if (strcmp(type, "login") == 0) {
		auth_login(req, reply);
	} else if (strcmp(type, "banned") == 0) {
		auth_banned(req, reply);
	} else if (strcmp(type, "ban-list") == 0) {
		struct auth_list ls = {.reply = reply};

		if (!auth_admin_ok(peer_uid, reply))
			return;
		auth_bans_expire();
		ipc_begin(reply, "ban-list-reply");
		if (ipc_end(req) == 0)
			ban_walk(auth_st.bans, auth_list_one, &ls);
		if (ls.more > 0)
			ipc_put_long(reply, "more", ls.more);
	} else if (strcmp(type, "ban-del") == 0) {
		struct buf *client = buf_new(64);
		bool deleted;

		if (!auth_admin_ok(peer_uid, reply)) {
			buf_free(&client);
			return;
		}
		if (ipc_get_str(req, "client", client) < 0
		    || ipc_end(req) < 0) {
			ipc_begin(reply, "error");
			ipc_put_str(
			    reply, "reason", "malformed ban-del request");
		} else {
			deleted = ban_del(auth_st.bans, buf_cstr(client));
			if (deleted) {
				log_info("ban lifted: client %s: by the "
				         "administrator",
				    buf_cstr(client));
				auth_db_del(buf_cstr(client));
			}
			ipc_begin(reply, "ban-del-reply");
			ipc_put_bool(reply, "deleted", deleted);
		}
		buf_free(&client);
	} else {
		log_warn("unknown request type \"%.32s\"", type);
		ipc_begin(reply, "error");
		ipc_put_str(reply, "reason", "unknown request");
	}
}

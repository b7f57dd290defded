/*
 * auth_client.h - what smtpd (AUTH), pop3d and imapd ask the auth service
 * (auth(8)): may this login use this password, and is this client
 * address banned. The auth service is the only process that reads
 * password hashes; it counts failures and bans an address that keeps
 * guessing, on every protocol at once.
 *
 * The service listens on auth_service_path (default "private/auth",
 * relative to queue_directory). Every call connects, asks, and closes,
 * within auth_client_timeout; when the service cannot be reached in time
 * the answer is AUTH_TEMPFAIL, never a crash and never "ok".
 *
 * Suggested replies for each status (RFC 4954 for SMTP, RFC 3206 for
 * POP3, RFC 5530 for IMAP); the daemons choose, the service only
 * classifies:
 *   AUTH_OK        235 2.7.0            +OK               OK
 *   AUTH_FAIL      535 5.7.8            -ERR [AUTH]       NO
 * [AUTHENTICATIONFAILED] AUTH_DISABLED  535 5.7.8            -ERR [AUTH] NO
 * [CONTACTADMIN] AUTH_TEMPFAIL  454 4.7.0            -ERR [SYS/TEMP]   NO
 * [UNAVAILABLE] AUTH_BANNED    421 4.7.0 + close    -ERR [SYS/PERM]   NO
 * [CONTACTADMIN] + BYE AUTH_FAIL covers both an unknown login and a wrong
 * password (a client must not learn which accounts exist); AUTH_DISABLED is
 * only given when the password was right. At connect time, a daemon may ask
 * auth_client_banned() and refuse a banned address at once (SMTP
 * "421 4.7.0", POP3 "-ERR [SYS/PERM]", IMAP "* BYE").
 *
 * Wire protocol (lib/mail/ipc.h messages, one request per connection):
 *   login     login, password, service, client, tls (0/1)
 *     -> login-reply  status=ok, user, maildir, quota
 *                     status=fail|disabled|tempfail, reason
 *                     status=banned, reason, until (epoch seconds)
 *   banned    client
 *     -> banned-reply  banned (0/1), until
 *   ban-list  (no attributes; root or the service's own user only)
 *     -> ban-list-reply  ban="ADDRESS UNTIL FAILURES LOGIN", repeated (at
 *                        most 5000), then more=N when there are more
 *   ban-del   client   (root or the service's own user only)
 *     -> ban-del-reply  deleted (0/1)
 *   anything else -> error  reason
 */
#ifndef MAIL_AUTH_CLIENT_H
#define MAIL_AUTH_CLIENT_H
#include <time.h>

#include "util/sys_defs.h"

struct buf;

enum auth_status {
	AUTH_OK = 0,
	AUTH_FAIL,     /* unknown login or wrong password */
	AUTH_DISABLED, /* right password; account or domain disabled */
	AUTH_TEMPFAIL, /* service down, map unreadable, timeout */
	AUTH_BANNED,   /* the client address is banned */
};

/* One login attempt, as the protocol daemon saw it. */
struct auth_request {
	const char *login;    /* as the client sent it (any of the forms
	                       * user@domain, user%domain, user#domain, user) */
	const char *password; /* the password, as sent */
	const char *service;  /* "smtp", "submission", "pop3", "imap", ... */
	const char *client;   /* numeric client address */
	bool tls;             /* the session is encrypted */
};

/* The answer. */
struct auth_result {
	enum auth_status status;
	struct buf *user;    /* AUTH_OK: canonical account, local@domain */
	struct buf *maildir; /* AUTH_OK: relative to virtual_mailbox_base */
	long long quota;     /* AUTH_OK: bytes, 0: no limit */
	struct buf *reason;  /* otherwise: what happened, for the log only */
	time_t until;        /* AUTH_BANNED: when the ban ends */
};

void auth_result_init(struct auth_result *r);
void auth_result_free(struct auth_result *r);

/* auth_client_login - ask whether req may log in. Fills r (emptied
 * first) and returns r->status. The password is not kept. */
enum auth_status auth_client_login(
    const struct auth_request *req, struct auth_result *r);

/* auth_client_banned - is the client address banned? 1 (with *until_out
 * set when not NULL), 0 not banned, -1 the service could not be asked
 * (why says why; callers let the client in and log it, the login itself
 * will be refused while the service is down) */
int auth_client_banned(const char *client, time_t *until_out, struct buf *why);

/* auth_client_path - the socket path: auth_service_path, relative to
 * queue_directory unless absolute (or under "/" inside a chroot jail of
 * the queue directory) */
void auth_client_path(struct buf *out);

/* auth_client_call - one raw exchange with the service (gannet ban);
 * 0, or -1 with why */
struct ipc_msg;
int auth_client_call(
    const struct ipc_msg *req, struct ipc_msg *reply, struct buf *why);

/* auth_status_name - "ok", "fail", "disabled", "tempfail", "banned" */
const char *auth_status_name(enum auth_status st);

#endif /* MAIL_AUTH_CLIENT_H */

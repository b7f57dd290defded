/*
 * auth.c - the authentication service (auth(8)): one long-running,
 * unprivileged, event-driven process that answers smtpd, pop3d and imapd
 * over a UNIX socket (protocol in lib/mail/auth_client.h).
 *
 * It is the only process that reads password hashes, and the one place
 * where failed logins are counted, so that a ban covers every protocol.
 * One process (maxproc 1) keeps the counters in memory; bans are also
 * written to a Berkeley DB so that they survive a restart.
 *
 * This file holds the connection layer: accept, read a whole request
 * into a capped buffer without blocking, decode it strictly, answer,
 * keep the connection for the next request until the peer closes it or
 * stays idle for ipc_timeout. Requests are answered in auth_req.c. A
 * password check is CPU work of tens of milliseconds that blocks the
 * loop; at the default costs that is a few dozen logins a second, which
 * is the point of a slow hash.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/event.h"
#include "util/log.h"
#include "util/net.h"
#include "util/pwhash.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/accounts.h"
#include "mail/ban.h"
#include "mail/ipc.h"
#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_accounts.h"
#include "mail/service.h"

#include "auth.h"

struct auth_state auth_st;

/* One client connection. */
struct auth_conn {
	int fd;
	struct stream *s;
	struct buf *in; /* the request being read (capped) */
	struct event_timer *idle;
	uid_t peer_uid; /* (uid_t)-1 when unknown */
};

static void auth_conn_read(struct event_loop *, int, int, void *);

/* auth_conn_close - forget a connection */
static void
auth_conn_close(struct auth_conn *c)
{
	event_del_fd(auth_st.loop, c->fd);
	event_cancel_timer(auth_st.loop, &c->idle);
	stream_close(&c->s);
	buf_free_secret(&c->in);
	free(c);
	auth_st.nconn--;
}

/* auth_conn_idle - the peer said nothing for too long */
static void
auth_conn_idle(struct event_loop *l, void *ctx)
{
	struct auth_conn *c = ctx;

	c->idle = NULL;
	log_debug("connection idle for %lds, closed", var_ipc_timeout);
	auth_conn_close(c);
}

/* auth_conn_arm - (re)start the idle timer */
static void
auth_conn_arm(struct auth_conn *c)
{
	event_cancel_timer(auth_st.loop, &c->idle);
	c->idle = event_add_timer(
	    auth_st.loop, var_ipc_timeout * 1000, auth_conn_idle, c);
}

/* auth_housekeeping - the master's wake-up, and our own timer */
static void
auth_housekeeping(void)
{
	auth_bans_expire();
}

/* auth_conn_answer - decode the request at the start of c->in (len
 * bytes, through the empty line), answer it; -1 closes the connection */
static int
auth_conn_answer(struct auth_conn *c, size_t len)
{
	struct ipc_msg *req = ipc_new(), *reply = ipc_new();
	struct buf *why = buf_new(64);
	int ret = 0;

	if (ipc_decode(buf_cstr(c->in), len, req, why) < 0) {
		log_warn("malformed request: %s", buf_cstr(why));
		ipc_begin(reply, "error");
		ipc_put_str(reply, "reason", "malformed request");
		ret = -1;
	} else {
		auth_request(req, reply, c->peer_uid);
	}
	/* The request held a password; the scratch copy goes now. */
	explicit_bzero(buf_data(c->in), len);
	buf_consume(c->in, len);
	ipc_free(&req);
	/* A reply is small (a ban list is the largest); a peer that does
	 * not read it within the timeout loses its connection. XXX this
	 * write blocks the loop for at most that long. */
	stream_set_timeout(c->s, 10);
	if (ipc_send(c->s, reply) < 0) {
		log_debug("reply: %s", stream_strerror(c->s));
		ret = -1;
	}
	ipc_free(&reply);
	buf_free(&why);
	return ret;
}

/* auth_conn_read - the socket is readable */
static void
auth_conn_read(struct event_loop *l, int fd, int events, void *ctx)
{
	struct auth_conn *c = ctx;
	char tmp[4096];
	ssize_t n;
	const char *end;

	if (!stream_readable(c->s, 0)) {
		if (events & EVENT_ERROR)
			auth_conn_close(c);
		return;
	}
	n = stream_read(c->s, tmp, sizeof(tmp));
	if (n < 0) {
		/* The master's wake-up is "W" and a close. */
		if (buf_eq(c->in, SERVICE_WAKEUP_MSG))
			auth_housekeeping();
		else if (buf_len(c->in) > 0)
			log_warn("client closed the connection in the middle "
			         "of a request");
		auth_conn_close(c);
		return;
	}
	if (buf_cat(c->in, tmp, (size_t)n) < 0) {
		log_warn("request larger than %d bytes; connection closed",
		    AUTH_REQUEST_MAX);
		explicit_bzero(tmp, sizeof(tmp));
		auth_conn_close(c);
		return;
	}
	explicit_bzero(tmp, sizeof(tmp));
	auth_conn_arm(c);
	/* Values cannot hold a newline, so the first empty line ends the
	 * message; answer every complete request in the buffer. */
	while ((end = memmem(buf_cstr(c->in), buf_len(c->in), "\n\n", 2))
	    != NULL) {
		if (auth_conn_answer(c, (size_t)(end + 2 - buf_cstr(c->in)))
		    < 0) {
			auth_conn_close(c);
			return;
		}
	}
}

/* auth_peer_uid - the uid of the process at the other end */
static uid_t
auth_peer_uid(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return (uid_t)-1;
	return cr.uid;
}

/* The uids that may talk to the service: root, its own, and the users the
 * mail system's daemons run as (mail_owner: smtpd; vmail_owner: pop3d and
 * imapd). The socket is public, so that the mail store's user can reach
 * it, and this list is what keeps other local users out: they could
 * otherwise try passwords with a made-up client address and never be
 * banned. */
static uid_t auth_trusted[4];
static size_t auth_ntrusted;

/* auth_trust_init - fill the list (before any chroot would hide
 * /etc/passwd; the service runs without one) */
static void
auth_trust_init(void)
{
	const char *users[] = {var_mail_owner, var_vmail_owner};

	auth_trusted[auth_ntrusted++] = 0;
	auth_trusted[auth_ntrusted++] = geteuid();
	for (size_t i = 0; i < NELEM(users); i++) {
		struct passwd *pw = getpwnam(users[i]);

		if (pw != NULL)
			auth_trusted[auth_ntrusted++] = pw->pw_uid;
	}
}

/* auth_peer_trusted - a process of the mail system (or root) */
static bool
auth_peer_trusted(uid_t uid)
{
	for (size_t i = 0; i < auth_ntrusted; i++)
		if (auth_trusted[i] == uid)
			return true;
	return false;
}

/* auth_accept - new connections */
static void
auth_accept(struct event_loop *l, int lfd, int events, void *ctx)
{
	for (;;) {
		struct auth_conn *c;
		int fd = net_accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR
			    && errno != ECONNABORTED)
				log_warn("accept: %m");
			return;
		}
		if (auth_st.nconn >= var_auth_connection_limit) {
			if (!auth_st.full_logged)
				log_warn(
				    "%ld connections open "
				    "(auth_connection_limit); refusing more",
				    auth_st.nconn);
			auth_st.full_logged = true;
			close(fd);
			continue;
		}
		auth_st.full_logged = false;
		if (!auth_peer_trusted(auth_peer_uid(fd))) {
			log_warn(
			    "connection from uid %ld refused: not a process "
			    "of the mail system",
			    (long)auth_peer_uid(fd));
			close(fd);
			continue;
		}
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		c->peer_uid = auth_peer_uid(fd);
		c->s = stream_open(fd);
		c->in = buf_new_capped(512, AUTH_REQUEST_MAX);
		auth_st.nconn++;
		if (event_add_fd(l, fd, EVENT_READ, auth_conn_read, c) < 0) {
			log_warn("event_add_fd: %m");
			auth_conn_close(c);
			continue;
		}
		auth_conn_arm(c);
	}
}

/* auth_tick - housekeeping once a minute, with or without a master */
static void
auth_tick(struct event_loop *l, void *ctx)
{
	auth_housekeeping();
	event_add_timer(l, 60 * 1000, auth_tick, NULL);
}

/* auth_post_jail - unprivileged set-up: maps, bans, the dummy hash */
static void
auth_post_jail(void)
{
	struct buf *why = buf_new(128);

	auth_trust_init();
	auth_st.acc = accounts_open();
	auth_st.bans =
	    ban_table_new(var_auth_failure_limit, var_auth_failure_window,
	        var_auth_ban_time, var_auth_failure_table_limit);
	if ((auth_st.exempt = matchlist_open(
	         "auth_ban_exempt", var_auth_ban_exempt, MATCHLIST_ADDR, why))
	    == NULL)
		log_fatal("%s", buf_cstr(why));
	buf_reset(why);
	if (pwhash_dummy(var_auth_password_scheme, var_auth_password_cost, why)
	    == NULL)
		log_fatal("auth_password_scheme %s, auth_password_cost %ld: %s",
		    var_auth_password_scheme, var_auth_password_cost,
		    buf_cstr(why));
	auth_bans_load();
	buf_free(&why);
}

/* auth_event_init - serve on the loop */
static void
auth_event_init(struct event_loop *loop, int lfd)
{
	if (lfd < 0)
		log_fatal("no listening socket (run it from the master, or "
		          "with -L unix:/path)");
	auth_st.loop = loop;
	if (net_set_nonblock(lfd, true) < 0)
		log_fatal("listen socket: %m");
	if (event_add_fd(loop, lfd, EVENT_READ, auth_accept, NULL) < 0)
		log_fatal("event_add_fd: %m");
	event_add_timer(loop, 60 * 1000, auth_tick, NULL);
	log_info("ready: %zu ban(s) in force", ban_count(auth_st.bans));
}

/* auth_pre_exit - flush the bans */
static void
auth_pre_exit(void)
{
	struct buf *why = buf_new(64);

	if (auth_st.bandb && bdb_sync(auth_st.bandb, why) < 0)
		log_warn("%s: %s", var_auth_ban_database, buf_cstr(why));
	bdb_close(&auth_st.bandb);
	accounts_close(&auth_st.acc);
	ban_table_free(&auth_st.bans);
	matchlist_close(&auth_st.exempt);
	buf_free(&why);
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .post_jail = auth_post_jail,
	    .event_init = auth_event_init,
	    .pre_exit = auth_pre_exit,
	};

	return service_main(argc, argv, "auth", &hooks);
}

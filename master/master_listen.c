/*
 * master_listen.c - the listening sockets of the services.
 *
 * An inet service named "port" listens on every address, IPv4 and IPv6
 * (one dual-stack socket, or IPv4 alone on a host without IPv6); with an
 * address, on that address only. A unix service's socket is
 * queue_directory/private/NAME (mode 0600: only mail_owner, which the
 * suite's own processes run as, may connect) or queue_directory/public/
 * NAME (mode 0666: any local user). The master binds everything as root
 * before any child exists, so that services can use ports below 1024
 * without holding any privilege themselves.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/event.h"
#include "util/log.h"
#include "util/net.h"
#include "util/xalloc.h"

#include "mail/params.h"

#include "master.h"

/* The listen queue: at least this, and at least the service's process
 * limit, so that a burst of as many clients as may be served at once is
 * queued rather than dropped (a dropped SYN costs the client a second). */
#define MASTER_LISTEN_BACKLOG 128
/* How often a deferred listener is tried again after a reload. */
#define MASTER_LISTEN_RETRY_MS 250

/* master_listen_owner - who owns the unix sockets */
void
master_listen_owner(uid_t *uid_out, gid_t *gid_out)
{
	struct passwd *pw;

	*uid_out = geteuid();
	*gid_out = getegid();
	if (master.is_root && (pw = getpwnam(var_mail_owner)) != NULL) {
		*uid_out = pw->pw_uid;
		*gid_out = pw->pw_gid;
	}
}

/* master_listen_backlog - the listen queue length of s */
int
master_listen_backlog(const struct master_service *s)
{
	return s->limit > MASTER_LISTEN_BACKLOG && s->limit < 65536
	    ? (int)s->limit
	    : MASTER_LISTEN_BACKLOG;
}

/* master_listen_open - bind one service */
int
master_listen_open(struct master_service *s, struct buf *why)
{
	if (strcmp(s->type, "inet") == 0) {
		s->listen_fd = net_listen_tcp(
		    s->host, s->port, master_listen_backlog(s), why);
	} else {
		uid_t uid;
		gid_t gid;

		s->listen_fd = net_listen_unix(s->path,
		    s->is_private ? 0600 : 0666, master_listen_backlog(s), why);
		master_listen_owner(&uid, &gid);
		if (s->listen_fd >= 0 && master.is_root
		    && chown(s->path, uid, gid) < 0) {
			buf_printf(
			    why, "chown %s: %s", s->path, strerror(errno));
			close(s->listen_fd);
			s->listen_fd = -1;
		}
	}
	if (s->listen_fd < 0)
		return -1;
	/* Children share it; the loser of an accept race must not block. */
	if (net_set_nonblock(s->listen_fd, true) < 0) {
		buf_printf(why, "listen socket: %s", strerror(errno));
		close(s->listen_fd);
		s->listen_fd = -1;
		return -1;
	}
	return 0;
}

/* master_listen_retry_event - the retry timer */
static void
master_listen_retry_event(struct event_loop *l, void *ctx)
{
	struct master_service *s = ctx;

	s->bind_tm = NULL;
	master_listen_retry(s);
}

/* master_listen_retry - bind a deferred listener, or try again soon */
void
master_listen_retry(struct master_service *s)
{
	struct buf *why = buf_new(128);

	if (!s->is_deferred || s->is_draining)
		goto out;
	event_cancel_timer(master.loop, &s->bind_tm);
	if (master_listen_open(s, why) == 0) {
		s->is_deferred = false;
		log_info("service %s: listening", s->name);
		master_service_update(s);
	} else {
		if (!s->is_bind_logged) {
			/* Said once: the old sessions may take a while. */
			log_info("service %s: %s; trying again until the old "
			         "listener has closed",
			    s->name, buf_cstr(why));
			s->is_bind_logged = true;
		}
		s->bind_tm = event_add_timer(master.loop,
		    MASTER_LISTEN_RETRY_MS, master_listen_retry_event, s);
	}
out:
	buf_free(&why);
}

/* master_listen_close - close the listener, remove a unix socket */
void
master_listen_close(struct master_service *s)
{
	master_listen_watch(s, false);
	if (s->listen_fd < 0)
		return;
	close(s->listen_fd);
	s->listen_fd = -1;
	if (s->path)
		(void)unlink(s->path);
}

/* master_listen_ready - a client waits and no process is free */
static void
master_listen_ready(struct event_loop *l, int fd, int events, void *ctx)
{
	struct master_service *s = ctx;

	master_listen_watch(s, false);
	if (s->navail == 0 && (s->limit == 0 || s->nproc < s->limit))
		master_spawn_one(s);
	master_service_update(s);
}

/* master_listen_watch - poll the listener or stop */
void
master_listen_watch(struct master_service *s, bool on)
{
	if (on == s->is_watching || s->listen_fd < 0)
		return;
	if (on) {
		if (event_add_fd(master.loop, s->listen_fd, EVENT_READ,
		        master_listen_ready, s)
		    < 0)
			log_fatal("service %s: event_add_fd: %m", s->name);
	} else {
		event_del_fd(master.loop, s->listen_fd);
	}
	s->is_watching = on;
}

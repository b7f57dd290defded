/*
 * qmgr.c - the queue manager: the single owner of the queue (qmgr(8)).
 *
 * One resident process (maxproc 1 in services.conf) on an event loop. It
 * takes new mail from incoming/ and due mail from deferred/ into a
 * bounded active set, expands and routes each recipient, sends delivery
 * requests to the agents (deliver, smtp) with a concurrency limit per
 * destination, records each outcome in the queue file, and then removes
 * the message, defers it with back-off, or bounces.
 *
 * The trigger socket ($queue_directory/private/qmgr, given by the master)
 * takes one short request per connection:
 *   W              new mail in incoming/ (smtpd, pickup, the master's
 *                  wake-up timer)
 *   F              flush: every deferred message is due now
 *   F<domain>\n    flush the deferred messages with recipients there
 * Anything else is logged and ignored.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/event.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/accounts.h"
#include "mail/params.h"
#include "mail/params_qmgr.h"
#include "mail/route.h"
#include "mail/service.h"

#include "qmgr.h"

#define QMGR_TRIGGER_MAX 300 /* "F" and a domain name */

struct qmgr_state qmgr;

struct qmgr_trigger {
	int fd;
	struct stream *s;
	struct buf *in;
	struct event_timer *tm;
};

/* qmgr_trigger_close - forget a trigger connection */
static void
qmgr_trigger_close(struct qmgr_trigger *t)
{
	event_del_fd(qmgr.loop, t->fd);
	event_cancel_timer(qmgr.loop, &t->tm);
	stream_close(&t->s);
	buf_free(&t->in);
	free(t);
}

/* qmgr_trigger_do - act on one complete request */
static void
qmgr_trigger_do(const char *req, size_t len)
{
	struct buf *dom;

	if (len == 0)
		return;
	if (req[0] == 'W' && len == 1) {
		/* `gannet queue resume` wakes us: dispatch now, not at the
		 * next tick (up to 5 s later) */
		qmgr_resume();
		qmgr_scan_soon();
		return;
	}
	if (req[0] == 'F') {
		dom = buf_new(64);
		buf_cat(dom, req + 1, len - 1);
		if (buf_len(dom) && buf_cstr(dom)[buf_len(dom) - 1] == '\n')
			buf_truncate(dom, buf_len(dom) - 1);
		if (strchr(buf_cstr(dom), '\n') || strchr(buf_cstr(dom), '/')) {
			log_warn("trigger: malformed flush request ignored");
		} else {
			qmgr_flush(buf_len(dom) ? buf_cstr(dom) : NULL);
		}
		buf_free(&dom);
		return;
	}
	log_warn("trigger: unknown request (%zu bytes) ignored", len);
}

/* qmgr_trigger_idle - the client said nothing more */
static void
qmgr_trigger_idle(struct event_loop *l, void *ctx)
{
	struct qmgr_trigger *t = ctx;

	t->tm = NULL;
	qmgr_trigger_do(buf_cstr(t->in), buf_len(t->in));
	qmgr_trigger_close(t);
}

/* qmgr_trigger_read - bytes of a request; it ends when the client closes */
static void
qmgr_trigger_read(struct event_loop *l, int fd, int events, void *ctx)
{
	struct qmgr_trigger *t = ctx;
	char tmp[512];
	ssize_t n;

	/* Readable: this returns what is there at once (the short
	 * timeout only covers a spurious wake-up). */
	n = stream_read(t->s, tmp, sizeof(tmp));
	if (n < 0 && stream_status(t->s) == STREAM_TIMEOUT) {
		stream_clear(t->s);
		return;
	}
	if (n > 0) {
		if (buf_cat(t->in, tmp, (size_t)n) < 0) {
			log_warn("trigger: request too long, ignored");
			qmgr_trigger_close(t);
			return;
		}
		/* "W" needs no end: a wake-up may be answered at once, so
		 * that a client that keeps the connection open is served. */
		if (buf_eq(t->in, "W")
		    || (buf_cstr(t->in)[0] == 'F'
		        && buf_cstr(t->in)[buf_len(t->in) - 1] == '\n')) {
			qmgr_trigger_do(buf_cstr(t->in), buf_len(t->in));
			qmgr_trigger_close(t);
		}
		return;
	}
	qmgr_trigger_do(buf_cstr(t->in), buf_len(t->in));
	qmgr_trigger_close(t);
}

/* qmgr_accept - new trigger connections */
static void
qmgr_accept(struct event_loop *l, int lfd, int events, void *ctx)
{
	for (;;) {
		struct qmgr_trigger *t;
		int fd = net_accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR
			    && errno != ECONNABORTED)
				log_warn("accept: %m");
			return;
		}
		(void)net_set_nonblock(fd, true);
		t = xcalloc(1, sizeof(*t));
		t->fd = fd;
		t->s = stream_open(fd);
		stream_set_timeout_ms(t->s, 100);
		t->in = buf_new_capped(16, QMGR_TRIGGER_MAX);
		if (event_add_fd(l, fd, EVENT_READ, qmgr_trigger_read, t) < 0) {
			log_warn("event_add_fd: %m");
			stream_close(&t->s);
			buf_free(&t->in);
			free(t);
			continue;
		}
		t->tm = event_add_timer(l, 2000, qmgr_trigger_idle, t);
	}
}

/* qmgr_tick - the queue run: every queue_run_delay, and more often while
 * deliveries are suspended so a resume is noticed */
static void
qmgr_tick(struct event_loop *l, void *ctx)
{
	long delay = var_queue_run_delay;

	qmgr_resume();
	qmgr_scan();
	if (delay > 5)
		delay = 5; /* XXX a cheap stat of two directories */
	event_add_timer(l, delay * 1000, qmgr_tick, NULL);
}

/* qmgr_fd_limit - every message in the active set holds its queue file
 * open: raise the descriptor limit as far as allowed, and keep the active
 * set below it (with room for agent connections and maps) */
static void
qmgr_fd_limit(void)
{
	struct rlimit rl;
	long room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	room = (long)rl.rlim_cur - 2 * var_dest_concurrency - 256;
	if (room < 16)
		room = 16;
	if (var_qmgr_active_limit > room) {
		log_info("qmgr_message_active_limit %ld is more than the open "
		         "file limit allows: using %ld",
		    var_qmgr_active_limit, room);
		var_qmgr_active_limit = room;
	}
}

/* qmgr_post_jail - maps and routes */
static void
qmgr_post_jail(void)
{
	struct buf *why = buf_new(128);

	qmgr.acc = accounts_open();
	if ((qmgr.router = route_open(why)) == NULL)
		log_fatal("%s", buf_cstr(why));
	qmgr.dests = htable_new(64);
	qmgr_fd_limit();
	if (chdir(var_queue_dir) < 0)
		log_fatal("chdir %s: %m", var_queue_dir);
	buf_free(&why);
}

/* qmgr_lock - one queue manager per queue at a time. A master started
 * again after the old one died, or a reload, starts a new queue manager
 * while the previous one may still be collecting the replies to its
 * requests in flight; the new one waits here (before it moves anything)
 * until the old one has exited, so the queue never has two owners that
 * would both deliver the same messages. The lock is on the active/
 * directory and lasts as long as the process. */
static void
qmgr_lock(void)
{
	struct buf *path = buf_new(128);
	int fd;

	buf_printf(path, "%s/active", var_queue_dir);
	fd = open(buf_cstr(path), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		log_fatal("open %s: %m", buf_cstr(path));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			log_fatal("lock %s: %m", buf_cstr(path));
		log_info("waiting for the previous queue manager to exit");
		if (flock(fd, LOCK_EX) < 0)
			log_fatal("lock %s: %m", buf_cstr(path));
		log_info("the previous queue manager has exited");
	}
	buf_free(&path);
}

/* qmgr_event_init - serve on the loop */
static void
qmgr_event_init(struct event_loop *loop, int lfd)
{
	if (lfd < 0)
		log_fatal("no listening socket (run it from the master, or "
		          "with -L unix:/path)");
	qmgr.loop = loop;
	if (net_set_nonblock(lfd, true) < 0)
		log_fatal("listen socket: %m");
	if (event_add_fd(loop, lfd, EVENT_READ, qmgr_accept, NULL) < 0)
		log_fatal("event_add_fd: %m");
	qmgr_lock();
	qmgr_recover();
	qmgr_scan_soon();
	event_add_timer(loop, 1000, qmgr_tick, NULL);
}

/* qmgr_pre_exit - wait a little for the requests in flight, so their
 * outcomes are recorded (a reload or stop then duplicates nothing), and
 * let go of the agents */
static void
qmgr_pre_exit(void)
{
	qmgr_agent_drain();
	qmgr_agent_free_all();
	accounts_close(&qmgr.acc);
	route_close(&qmgr.router);
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .post_jail = qmgr_post_jail,
	    .event_init = qmgr_event_init,
	    .pre_exit = qmgr_pre_exit,
	};

	return service_main(argc, argv, "qmgr", &hooks);
}

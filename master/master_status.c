/*
 * master_status.c - the status socket that `gannet status` and `gannet
 * reload` read (format in mail/master_ctl.h).
 *
 * The socket is pid/master.ctl, mode 0600, in the master's own pid/
 * directory: only the master's user (root) can connect. Connecting is
 * the request; the master writes the text and closes, and never reads
 * from the socket, so there is no input for it to parse.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/event.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"

#include "mail/master_ctl.h"
#include "mail/params.h"

#include "master.h"

#define MASTER_STATUS_TIMEOUT_MS 1000

/* master_status_service - one "service" line */
static void
master_status_service(struct buf *out, const struct master_service *s)
{
	int draining = 0;
	int64_t throttled = 0;

	for (const struct master_service *d = master.draining; d; d = d->next)
		if (strcmp(d->key, s->key) == 0)
			draining += d->nproc;
	if (s->throttle != NULL)
		throttled = (s->throttle_until - clock_ms() + 999) / 1000;
	buf_printf(out,
	    "service %s %s %s procs=%d busy=%d draining=%d limit=%ld "
	    "sessions=%lu started=%lu restarts=%lu throttled=%lld\n",
	    s->name, s->type, s->progname, s->nproc, s->nproc - s->navail,
	    draining, s->limit, s->sessions, s->started, s->restarts,
	    (long long)(throttled > 0 ? throttled : 0));
}

/* master_status_text - the whole status */
void
master_status_text(struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "pid %ld\n", (long)getpid());
	buf_printf(out, "started %lld\n", (long long)master.started);
	buf_printf(
	    out, "state %s\n", master.is_stopping ? "stopping" : "running");
	buf_printf(out, "reloads %lu\n", master.reloads);
	if (master.reloads > 0)
		buf_printf(out, "reload %s\n", buf_cstr(master.reload_msg));
	for (const struct master_service *s = master.services; s; s = s->next)
		master_status_service(out, s);
	/* Lines that a reload removed, while their processes finish. */
	for (const struct master_service *d = master.draining; d; d = d->next) {
		bool is_current = false;

		for (const struct master_service *s = master.services; s;
		     s = s->next)
			if (strcmp(s->key, d->key) == 0)
				is_current = true;
		if (!is_current)
			buf_printf(out,
			    "service %s %s %s procs=0 busy=0 draining=%d "
			    "limit=0 sessions=%lu started=%lu restarts=%lu "
			    "throttled=0\n",
			    d->name, d->type, d->progname, d->nproc,
			    d->sessions, d->started, d->restarts);
	}
}

/* master_status_accept - answer one connection */
static void
master_status_accept(struct event_loop *l, int fd, int events, void *ctx)
{
	struct buf *text;
	struct stream *s;
	int cfd;

	if ((cfd = net_accept(fd, NULL, NULL)) < 0)
		return;
	text = buf_new(1024);
	master_status_text(text);
	s = stream_open(cfd);
	stream_set_timeout_ms(s, MASTER_STATUS_TIMEOUT_MS);
	if (stream_write(s, buf_cstr(text), buf_len(text)) < 0
	    || stream_flush(s) < 0)
		log_debug("status socket: %s", stream_strerror(s));
	stream_close(&s);
	buf_free(&text);
}

/* master_status_open - listen */
int
master_status_open(struct buf *why)
{
	struct buf *path = buf_new(256);

	master_ctl_path(MASTER_CTL_SOCKET, path);
	master.ctl_fd = net_listen_unix(buf_cstr(path), 0600, 16, why);
	buf_free(&path);
	if (master.ctl_fd < 0)
		return -1;
	if (net_set_nonblock(master.ctl_fd, true) < 0
	    || event_add_fd(master.loop, master.ctl_fd, EVENT_READ,
	           master_status_accept, NULL)
	        < 0) {
		buf_printf(why, "status socket: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* master_status_close - at exit */
void
master_status_close(void)
{
	struct buf *path = buf_new(256);

	if (master.ctl_fd >= 0) {
		event_del_fd(master.loop, master.ctl_fd);
		close(master.ctl_fd);
		master.ctl_fd = -1;
		master_ctl_path(MASTER_CTL_SOCKET, path);
		(void)unlink(buf_cstr(path));
	}
	buf_free(&path);
}

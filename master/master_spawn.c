/*
 * master_spawn.c - starting, counting, throttling and reaping children.
 *
 * Processes are started on demand, as Postfix's master does: while no
 * child of a service waits for a client (navail == 0) and the process
 * limit allows one more, the master polls the service's listener; when a
 * client arrives it starts one process and stops polling until the count
 * changes. A child reports through the status pipe when it waits
 * (SERVICE_AVAIL) and when it takes a client (SERVICE_BUSY); a new child
 * counts as waiting from the moment it is forked, so one client never
 * makes the master start two.
 *
 * A service whose processes exit abnormally before taking a client, soon
 * after they started, is broken (a bad configuration, a missing file):
 * restarting it at once would spin. The master then stops starting it
 * for service_throttle_time, doubling with every consecutive failure up
 * to service_throttle_max_time. A child that crashes while serving a
 * client does not throttle: a client that can crash a child must not be
 * able to take the whole service down by doing so.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/event.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/params.h"
#include "mail/params_master.h"
#include "mail/service.h"

#include "master.h"

/* How often "process limit reached" may be logged for one service. */
#define MASTER_LIMIT_WARN_MS (60 * 1000)
/* How long the master waits for a wake-up connection. */
#define MASTER_WAKEUP_TIMEOUT_MS 200

/* master_child_exec - in the new child: descriptors, environment, exec */
static ATTR_NORETURN void
master_child_exec(const struct master_service *s, struct strv *argv)
{
	int logfd = log_file_fd();
	int lfd, sfd, xfd = -1;
	sigset_t none;

	event_reset_signals_in_child(master.loop);
	/* Ignored signals survive exec: give the daemon the defaults. */
	signal(SIGPIPE, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Its own process group: a terminal's Ctrl-C is for the master. */
	(void)setpgid(0, 0);
	/* Nothing to read from the master's terminal; nothing to write
	 * there either unless the master runs in the foreground (a child
	 * must not hold the pipes of whoever started the master). */
	if ((xfd = open("/dev/null", O_RDWR | O_CLOEXEC)) >= 0) {
		(void)dup2(xfd, 0);
		if (!master.is_foreground) {
			(void)dup2(xfd, 1);
			(void)dup2(xfd, 2);
		}
		close(xfd);
		xfd = -1;
	}
	/* Park the descriptors above 10 first, so that moving them to
	 * 3, 4, 5 cannot overwrite one with another. */
	lfd = fcntl(s->listen_fd, F_DUPFD_CLOEXEC, 10);
	sfd = fcntl(s->status_wr, F_DUPFD_CLOEXEC, 10);
	if (logfd >= 0)
		xfd = fcntl(logfd, F_DUPFD_CLOEXEC, 10);
	if (lfd < 0 || sfd < 0 || (logfd >= 0 && xfd < 0)
	    || dup2(lfd, SERVICE_LISTEN_FD) < 0
	    || dup2(sfd, SERVICE_STATUS_FD) < 0
	    || (xfd >= 0 && dup2(xfd, SERVICE_LOG_FD) < 0)) {
		log_warn("service %s: child descriptors: %m", s->name);
		_exit(127);
	}
	execve(s->exec_path, argv->v, master.env.v);
	log_warn("service %s: exec %s: %m", s->name, s->exec_path);
	_exit(127);
}

/* master_throttle_end - the back-off is over: try again */
static void
master_throttle_end(struct event_loop *l, void *ctx)
{
	struct master_service *s = ctx;

	s->throttle = NULL;
	s->throttle_until = 0;
	master_service_update(s);
}

/* master_throttle - stop starting processes for ms */
static void
master_throttle(struct master_service *s, int64_t ms)
{
	master_listen_watch(s, false);
	event_cancel_timer(master.loop, &s->throttle);
	s->throttle_until = clock_ms() + ms;
	s->throttle = event_add_timer(master.loop, ms, master_throttle_end, s);
}

/* master_spawn_one - fork and exec one process */
void
master_spawn_one(struct master_service *s)
{
	struct master_child *c;
	struct strv argv;
	pid_t pid;

	ASSERT(!s->is_draining && !master.is_stopping);
	master_spawn_argv(s, master.config_dir, &argv);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		log_warn("service %s: fork: %m; trying again in %lds", s->name,
		    var_service_throttle_time);
		strv_free(&argv);
		master_throttle(s, var_service_throttle_time * 1000);
		return;
	}
	if (pid == 0)
		master_child_exec(s, &argv);
	strv_free(&argv);
	c = xcalloc(1, sizeof(*c));
	c->pid = pid;
	c->svc = s;
	c->started = clock_ms();
	c->is_avail = true;
	c->next = master.children;
	master.children = c;
	master.nchildren++;
	s->nproc++;
	s->navail++;
	s->started++;
	if (s->wakeup > 0)
		log_info("service %s: started process %ld (%s)", s->name,
		    (long)pid, s->progname);
	else
		log_debug(
		    "service %s: started process %ld", s->name, (long)pid);
}

/* master_find_child - a child of service s with this pid */
static struct master_child *
master_find_child(const struct master_service *s, pid_t pid)
{
	for (struct master_child *c = master.children; c; c = c->next)
		if (c->pid == pid && c->svc == s)
			return c;
	return NULL;
}

/* master_status_record - one status record from a child */
static void
master_status_record(struct master_service *s, const struct service_status *st)
{
	struct master_child *c = master_find_child(s, st->pid);

	/* A record from no child of ours (one that already exited, or a
	 * confused one) changes nothing. */
	if (c == NULL)
		return;
	if (st->state == SERVICE_AVAIL && !c->is_avail) {
		c->is_avail = true;
		s->navail++;
	} else if (st->state == SERVICE_BUSY) {
		if (c->is_avail) {
			c->is_avail = false;
			s->navail--;
		}
		c->has_served = true;
		s->sessions++;
		s->throttle_level = 0;
	}
}

/* master_status_event - read status records from the children */
static void
master_status_event(struct event_loop *l, int fd, int events, void *ctx)
{
	struct master_service *s = ctx;
	char chunk[64 * sizeof(struct service_status)];
	ssize_t n;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf_cat(s->status_in, chunk, (size_t)n);
		while (buf_len(s->status_in) >= sizeof(struct service_status)) {
			struct service_status st;

			memcpy(&st, buf_cstr(s->status_in), sizeof(st));
			buf_consume(s->status_in, sizeof(st));
			master_status_record(s, &st);
		}
	}
	master_service_update(s);
}

/* master_wakeup_send - connect to the service and write the wake-up */
static void
master_wakeup_send(struct master_service *s)
{
	struct buf *why = buf_new(64);
	struct stream *st;
	int fd;

	if (s->path) {
		fd = net_connect_unix(s->path, MASTER_WAKEUP_TIMEOUT_MS, why);
	} else {
		const char *host = s->host;

		if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
			host = "127.0.0.1";
		else if (strcmp(host, "::") == 0)
			host = "::1";
		fd = net_connect_tcp(
		    host, s->port, MASTER_WAKEUP_TIMEOUT_MS, why);
	}
	if (fd < 0) {
		log_warn("service %s: wake-up: %s", s->name, buf_cstr(why));
		buf_free(&why);
		return;
	}
	st = stream_open(fd);
	stream_set_timeout_ms(st, MASTER_WAKEUP_TIMEOUT_MS);
	if (stream_puts(st, SERVICE_WAKEUP_MSG) < 0 || stream_flush(st) < 0)
		log_warn(
		    "service %s: wake-up: %s", s->name, stream_strerror(st));
	stream_close(&st);
	buf_free(&why);
}

/* master_wakeup_event - time to wake the service */
static void
master_wakeup_event(struct event_loop *l, void *ctx)
{
	struct master_service *s = ctx;

	s->wakeup_tm = NULL;
	/* Only a running process is woken: requests must not pile up in
	 * the socket while the service is throttled. */
	if (s->nproc > 0 && s->throttle == NULL)
		master_wakeup_send(s);
	s->wakeup_tm = event_add_timer(
	    master.loop, s->wakeup * 1000, master_wakeup_event, s);
}

/* master_service_start - status pipe, wake-up timer, first process */
void
master_service_start(struct master_service *s)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		log_fatal("service %s: pipe: %m", s->name);
	s->status_rd = p[0];
	s->status_wr = p[1];
	s->status_in = buf_new(64);
	if (net_set_nonblock(s->status_rd, true) < 0
	    || event_add_fd(master.loop, s->status_rd, EVENT_READ,
	           master_status_event, s)
	        < 0)
		log_fatal("service %s: status pipe: %m", s->name);
	if (s->wakeup > 0)
		s->wakeup_tm = event_add_timer(
		    master.loop, s->wakeup * 1000, master_wakeup_event, s);
	master_service_update(s);
}

/* master_single_blocked - a one-process service waits for the old
 * generation's process to exit, so that two never run at once */
static bool
master_single_blocked(const struct master_service *s)
{
	if (s->limit != 1)
		return false;
	for (struct master_service *d = master.draining; d; d = d->next)
		if (d->nproc > 0 && strcmp(d->key, s->key) == 0)
			return true;
	return false;
}

/* master_service_update - start what is needed, poll when needed */
void
master_service_update(struct master_service *s)
{
	bool has_room;

	if (master.is_stopping || s->is_draining || s->throttle != NULL
	    || s->listen_fd < 0 || master_single_blocked(s)) {
		master_listen_watch(s, false);
		return;
	}
	/* A service with a wake-up time always has a process. */
	if (s->wakeup > 0 && s->nproc == 0) {
		master_spawn_one(s);
		if (s->throttle != NULL)
			return;
	}
	has_room = s->limit == 0 || s->nproc < s->limit;
	/* A one-process service with a wake-up time is busy by design. */
	if (s->navail == 0 && !has_room && s->wakeup == 0
	    && clock_ms() - s->limit_warned > MASTER_LIMIT_WARN_MS) {
		s->limit_warned = clock_ms();
		log_warn("service %s: all %ld processes are busy (process "
		         "limit); new clients wait. Raise maxproc in %s?",
		    s->name, s->limit, s->where);
	}
	master_listen_watch(s, s->navail == 0 && has_room);
}

/* master_service_drain - tell this generation's children to finish */
void
master_service_drain(struct master_service *s)
{
	master_listen_watch(s, false);
	master_listen_close(s);
	event_cancel_timer(master.loop, &s->throttle);
	event_cancel_timer(master.loop, &s->wakeup_tm);
	event_cancel_timer(master.loop, &s->bind_tm);
	/* With the read end gone, every child's fd 4 reports an error:
	 * idle children exit now, busy ones after their session. */
	if (s->status_rd >= 0) {
		event_del_fd(master.loop, s->status_rd);
		close(s->status_rd);
		s->status_rd = -1;
	}
	if (s->status_wr >= 0) {
		close(s->status_wr);
		s->status_wr = -1;
	}
	s->is_draining = true;
}

/* master_service_free - free a service that has no children left */
void
master_service_free(struct master_service *s)
{
	ASSERT(s->nproc == 0);
	if (!s->is_draining)
		master_service_drain(s);
	free(s->name);
	free(s->type);
	free(s->where);
	free(s->command);
	free(s->progname);
	free(s->exec_path);
	free(s->user);
	free(s->jail);
	strv_free(&s->args);
	free(s->key);
	free(s->host);
	free(s->path);
	buf_free(&s->status_in);
	free(s);
}

/* master_draining_done - the last child of a drained generation left */
static void
master_draining_done(struct master_service *d)
{
	struct master_service **pp;

	for (pp = &master.draining; *pp; pp = &(*pp)->next) {
		if (*pp == d) {
			*pp = d->next;
			break;
		}
	}
	/* A one-process service of the new generation may start now. */
	for (struct master_service *s = master.services; s; s = s->next)
		if (strcmp(s->key, d->key) == 0)
			master_service_update(s);
	master_service_free(d);
}

/* master_child_exited - account for one exited child */
static void
master_child_exited(struct master_child *c, int status)
{
	struct master_service *s = c->svc;
	int64_t lived = clock_ms() - c->started;
	bool is_normal = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	struct buf *text = buf_new(64);

	s->nproc--;
	master.nchildren--;
	if (c->is_avail)
		s->navail--;
	master_exit_text(status, text);
	if (c->is_killed || (master.is_stopping && is_normal)) {
		log_debug("service %s: process %ld %s", s->name, (long)c->pid,
		    buf_cstr(text));
	} else if (is_normal) {
		log_debug("service %s: process %ld %s", s->name, (long)c->pid,
		    buf_cstr(text));
		if (c->has_served
		    || lived >= var_service_throttle_uptime * 1000)
			s->throttle_level = 0;
	} else if (!c->has_served && lived < var_service_throttle_uptime * 1000
	    && !s->is_draining && !master.is_stopping) {
		int64_t delay = master_throttle_delay(s->throttle_level++,
		    var_service_throttle_time, var_service_throttle_max_time);

		s->restarts++;
		log_warn("service %s: process %ld (%s) %s after %.1fs: too "
		         "fast; throttling for %llds",
		    s->name, (long)c->pid, s->progname, buf_cstr(text),
		    (double)lived / 1000.0, (long long)(delay / 1000));
		master_throttle(s, delay);
	} else {
		s->restarts++;
		log_warn("service %s: process %ld (%s) %s", s->name,
		    (long)c->pid, s->progname, buf_cstr(text));
	}
	buf_free(&text);
	if (s->is_draining) {
		if (s->nproc == 0)
			master_draining_done(s);
	} else {
		master_service_update(s);
	}
}

/* master_reap - collect every exited child */
void
master_reap(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct master_child **pp, *c = NULL;

		for (pp = &master.children; *pp; pp = &(*pp)->next) {
			if ((*pp)->pid == pid) {
				c = *pp;
				*pp = c->next;
				break;
			}
		}
		if (c == NULL)
			continue;
		master_child_exited(c, status);
		free(c);
	}
	master_check_done();
}

/* master_signal_children - signal every child */
int
master_signal_children(int sig)
{
	int n = 0;

	for (struct master_child *c = master.children; c; c = c->next) {
		c->is_killed = true;
		if (kill(c->pid, sig) == 0)
			n++;
	}
	return n;
}

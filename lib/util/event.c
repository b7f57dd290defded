/*
 * event.c - epoll event loop with a timer heap and self-pipe signals (see
 * event.h). Callbacks may add and remove descriptors and timers, including
 * their own, while the loop runs: descriptor callbacks are looked up by
 * descriptor after epoll_wait, so a removed one is simply not called.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/event.h"
#include "util/log.h"
#include "util/xalloc.h"

struct event_fd {
	event_fd_fn fn;
	void *ctx;
	int events;
	bool used;
};

struct event_timer {
	int64_t when;
	uint64_t seq; /* FIFO among equal times */
	event_timer_fn fn;
	void *ctx;
	size_t slot; /* index in the heap */
};

struct event_sig {
	int signo;
	event_signal_fn fn;
	void *ctx;
};

struct event_loop {
	int epfd;
	struct event_fd *fds;
	size_t nfds;
	struct event_timer **heap;
	size_t nheap, aheap;
	uint64_t seq;
	struct event_sig sigs[16];
	size_t nsigs;
	bool stop;
};

static int event_sigpipe[2] = {-1, -1};

/* event_new - an empty loop */
struct event_loop *
event_new(void)
{
	struct event_loop *l = xcalloc(1, sizeof(*l));

	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		log_fatal("epoll_create1: %m");
	return l;
}

/* event_free - free the loop */
void
event_free(struct event_loop **lp)
{
	struct event_loop *l = *lp;

	if (l == NULL)
		return;
	close(l->epfd);
	for (size_t i = 0; i < l->nheap; i++)
		free(l->heap[i]);
	free(l->heap);
	free(l->fds);
	free(l);
	*lp = NULL;
}

/* event_mask - our bits to epoll bits */
static uint32_t
event_mask(int events)
{
	uint32_t m = 0;

	if (events & EVENT_READ)
		m |= EPOLLIN;
	if (events & EVENT_WRITE)
		m |= EPOLLOUT;
	return m;
}

/* event_add_fd - watch a descriptor */
int
event_add_fd(
    struct event_loop *l, int fd, int events, event_fd_fn fn, void *ctx)
{
	struct epoll_event ev = {.events = event_mask(events), .data.fd = fd};

	if (fd < 0)
		return -1;
	if ((size_t)fd >= l->nfds) {
		size_t n = (size_t)fd + 64;

		l->fds = xreallocarray(l->fds, n, sizeof(*l->fds));
		memset(l->fds + l->nfds, 0, (n - l->nfds) * sizeof(*l->fds));
		l->nfds = n;
	}
	if (epoll_ctl(l->epfd, l->fds[fd].used ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
	        fd, &ev)
	    < 0)
		return -1;
	l->fds[fd] = (struct event_fd){fn, ctx, events, true};
	return 0;
}

/* event_mod_fd - change the events of a watched descriptor */
int
event_mod_fd(struct event_loop *l, int fd, int events)
{
	struct epoll_event ev = {.events = event_mask(events), .data.fd = fd};

	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return -1;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	l->fds[fd].events = events;
	return 0;
}

/* event_del_fd - stop watching */
void
event_del_fd(struct event_loop *l, int fd)
{
	if (fd < 0 || (size_t)fd >= l->nfds || !l->fds[fd].used)
		return;
	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	l->fds[fd].used = false;
}

/* event_before - heap order */
static bool
event_before(const struct event_timer *a, const struct event_timer *b)
{
	return a->when < b->when || (a->when == b->when && a->seq < b->seq);
}

/* event_heap_swap - swap two heap slots */
static void
event_heap_swap(struct event_loop *l, size_t i, size_t j)
{
	struct event_timer *t = l->heap[i];

	l->heap[i] = l->heap[j];
	l->heap[j] = t;
	l->heap[i]->slot = i;
	l->heap[j]->slot = j;
}

/* event_heap_fix - restore the heap property around slot i */
static void
event_heap_fix(struct event_loop *l, size_t i)
{
	while (i > 0 && event_before(l->heap[i], l->heap[(i - 1) / 2])) {
		event_heap_swap(l, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		size_t c = 2 * i + 1, m = i;

		if (c < l->nheap && event_before(l->heap[c], l->heap[m]))
			m = c;
		if (c + 1 < l->nheap
		    && event_before(l->heap[c + 1], l->heap[m]))
			m = c + 1;
		if (m == i)
			return;
		event_heap_swap(l, i, m);
		i = m;
	}
}

/* event_add_timer - one-shot timer */
struct event_timer *
event_add_timer(struct event_loop *l, int64_t ms, event_timer_fn fn, void *ctx)
{
	struct event_timer *t = xcalloc(1, sizeof(*t));

	t->when = clock_ms() + (ms < 0 ? 0 : ms);
	t->seq = l->seq++;
	t->fn = fn;
	t->ctx = ctx;
	if (l->nheap == l->aheap) {
		l->aheap = l->aheap ? l->aheap * 2 : 16;
		l->heap = xreallocarray(l->heap, l->aheap, sizeof(*l->heap));
	}
	t->slot = l->nheap;
	l->heap[l->nheap++] = t;
	event_heap_fix(l, t->slot);
	return t;
}

/* event_heap_remove - take a timer out of the heap */
static void
event_heap_remove(struct event_loop *l, struct event_timer *t)
{
	size_t i = t->slot;

	ASSERT(i < l->nheap && l->heap[i] == t);
	l->nheap--;
	if (i != l->nheap) {
		l->heap[i] = l->heap[l->nheap];
		l->heap[i]->slot = i;
		event_heap_fix(l, i);
	}
}

/* event_cancel_timer - cancel a pending timer */
void
event_cancel_timer(struct event_loop *l, struct event_timer **tp)
{
	if (*tp == NULL)
		return;
	event_heap_remove(l, *tp);
	free(*tp);
	*tp = NULL;
}

/* event_sig_handler - async-signal-safe: write the number to the pipe */
static void
event_sig_handler(int signo)
{
	int saved = errno;
	unsigned char c = (unsigned char)signo;

	if (write(event_sigpipe[1], &c, 1) < 0) {
		/* pipe full: the signal is already pending there */
	}
	errno = saved;
}

/* event_sig_read - dispatch signals read from the self-pipe */
static void
event_sig_read(struct event_loop *l, int fd, int events, void *ctx)
{
	unsigned char c[64];
	ssize_t n;

	while ((n = read(fd, c, sizeof(c))) > 0)
		for (ssize_t i = 0; i < n; i++)
			for (size_t j = 0; j < l->nsigs; j++)
				if (l->sigs[j].signo == c[i])
					l->sigs[j].fn(l, c[i], l->sigs[j].ctx);
}

/* event_add_signal - turn a signal into an event */
int
event_add_signal(struct event_loop *l, int signo, event_signal_fn fn, void *ctx)
{
	struct sigaction sa;

	if (l->nsigs == NELEM(l->sigs))
		return -1;
	if (event_sigpipe[0] < 0) {
		if (pipe2(event_sigpipe, O_CLOEXEC | O_NONBLOCK) < 0)
			return -1;
	}
	if (l->nsigs == 0
	    && event_add_fd(
	           l, event_sigpipe[0], EVENT_READ, event_sig_read, NULL)
	        < 0)
		return -1;
	l->sigs[l->nsigs++] = (struct event_sig){signo, fn, ctx};
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = event_sig_handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	return sigaction(signo, &sa, NULL);
}

/* event_reset_signals_in_child - default handlers, no self-pipe */
void
event_reset_signals_in_child(struct event_loop *l)
{
	for (size_t j = 0; l && j < l->nsigs; j++)
		signal(l->sigs[j].signo, SIG_DFL);
	if (event_sigpipe[0] >= 0) {
		close(event_sigpipe[0]);
		close(event_sigpipe[1]);
		event_sigpipe[0] = event_sigpipe[1] = -1;
	}
}

/* event_run_timers - run every timer that is due */
static int
event_run_timers(struct event_loop *l)
{
	int64_t now = clock_ms();
	int ran = 0;

	while (l->nheap > 0 && l->heap[0]->when <= now) {
		struct event_timer *t = l->heap[0];
		event_timer_fn fn = t->fn;
		void *ctx = t->ctx;

		event_heap_remove(l, t);
		free(t);
		fn(l, ctx);
		ran++;
	}
	return ran;
}

/* event_run_once - one round of waiting and dispatching */
int
event_run_once(struct event_loop *l, int64_t max_ms)
{
	struct epoll_event evs[64];
	int64_t wait = max_ms;
	int n, ran;

	if (l->nheap > 0) {
		int64_t t = l->heap[0]->when - clock_ms();

		if (t < 0)
			t = 0;
		if (wait < 0 || t < wait)
			wait = t;
	}
	n = epoll_wait(
	    l->epfd, evs, NELEM(evs), wait > INT32_MAX ? INT32_MAX : (int)wait);
	if (n < 0 && errno != EINTR)
		log_fatal("epoll_wait: %m");
	ran = 0;
	for (int i = 0; i < n; i++) {
		int fd = evs[i].data.fd;
		int ev = 0;

		if (evs[i].events & EPOLLIN)
			ev |= EVENT_READ;
		if (evs[i].events & EPOLLOUT)
			ev |= EVENT_WRITE;
		if ((size_t)fd >= l->nfds || !l->fds[fd].used)
			continue;
		if (evs[i].events & (EPOLLERR | EPOLLHUP))
			ev |= EVENT_ERROR | (EVENT_READ & l->fds[fd].events);
		{
			l->fds[fd].fn(l, fd, ev, l->fds[fd].ctx);
			ran++;
		}
	}
	return ran + event_run_timers(l);
}

/* event_run - loop until stopped */
void
event_run(struct event_loop *l)
{
	l->stop = false;
	while (!l->stop)
		(void)event_run_once(l, -1);
}

/* event_stop - make event_run return */
void
event_stop(struct event_loop *l)
{
	l->stop = true;
}

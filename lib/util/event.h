/*
 * event.h - the event loop of the resident daemons (master, qmgr, and any
 * daemon that serves many clients at once): descriptor callbacks over
 * epoll, one-shot timers on the monotonic clock, and signals delivered as
 * events through a self-pipe, so that no work is done in signal handlers.
 */
#ifndef UTIL_EVENT_H
#define UTIL_EVENT_H
#include <stdint.h>

#include "util/sys_defs.h"

struct event_loop;
struct event_timer;

#define EVENT_READ  0x1
#define EVENT_WRITE 0x2
#define EVENT_ERROR 0x4 /* hangup or error (always reported) */

typedef void (*event_fd_fn)(struct event_loop *, int fd, int events, void *ctx);
typedef void (*event_timer_fn)(struct event_loop *, void *ctx);
typedef void (*event_signal_fn)(struct event_loop *, int signo, void *ctx);

struct event_loop *event_new(void);
/* event_free - free the loop (does not close registered descriptors) */
void event_free(struct event_loop **lp);
/* event_add_fd - watch fd for EVENT_READ/EVENT_WRITE; 0 or -1 */
int event_add_fd(
    struct event_loop *l, int fd, int events, event_fd_fn fn, void *ctx);
int event_mod_fd(struct event_loop *l, int fd, int events);
void event_del_fd(struct event_loop *l, int fd);
/* event_add_timer - call fn once after ms; the handle is valid until the
 * timer fires or is cancelled */
struct event_timer *event_add_timer(
    struct event_loop *l, int64_t ms, event_timer_fn fn, void *ctx);
/* event_cancel_timer - cancel and clear *tp; NULL is fine */
void event_cancel_timer(struct event_loop *l, struct event_timer **tp);
/* event_add_signal - deliver signo as an event (installs a handler) */
int event_add_signal(
    struct event_loop *l, int signo, event_signal_fn fn, void *ctx);
/* event_run_once - wait at most max_ms (-1: until something happens),
 * run what is ready; returns the number of callbacks run */
int event_run_once(struct event_loop *l, int64_t max_ms);
/* event_run - loop until event_stop() */
void event_run(struct event_loop *l);
void event_stop(struct event_loop *l);
/* event_reset_signals_in_child - after fork(): restore default handlers
 * and close the self-pipe, so a child starts clean */
void event_reset_signals_in_child(struct event_loop *l);

#endif /* UTIL_EVENT_H */

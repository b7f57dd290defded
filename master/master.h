/*
 * master.h - the master's state, shared by the files of master/ only.
 *
 * One struct master_service is one generation of one line of
 * services.conf: its listening socket, its status pipe, its children and
 * counters. A reload builds a new generation from the new table; the old
 * one "drains" (its status pipe is closed, which tells its children to
 * finish) and is freed when its last child has gone. A listening socket
 * whose line survives a reload is handed from the old generation to the
 * new one, so that clients never see it closed.
 */
#ifndef MASTER_MASTER_H
#define MASTER_MASTER_H
#include <sys/types.h>

#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;
struct event_loop;
struct event_timer;
struct svc_entry;

struct master_service {
	char *name;      /* first column: "smtp", "127.0.0.1:10025" */
	char *type;      /* "inet" or "unix" */
	char *where;     /* "file:line" in services.conf */
	char *command;   /* the command word as written */
	char *progname;  /* its last part, for logs and status */
	char *exec_path; /* daemon_directory/command, or an absolute path */
	char *user;      /* -u for the child; NULL when not root */
	char *jail;      /* -j for the child; NULL for none */
	bool is_private;
	long wakeup;      /* seconds, 0 = none */
	long limit;       /* most processes, 0 = no limit */
	struct strv args; /* the words after the command */

	/* The listener. */
	char *key;  /* "inet host port" or "unix /path": identity on reload */
	char *host; /* inet: "*" for every address, or a numeric address */
	int port;
	char *path; /* unix: the socket path */
	int listen_fd;
	bool is_watching; /* the master polls the listener */
	bool is_deferred; /* reload: bind after the old listeners close */
	struct event_timer *bind_tm; /* next try of a deferred bind */
	bool is_bind_logged;         /* its first failure was logged */

	/* The children of this generation. */
	int status_rd, status_wr; /* status pipe (fd 4 of the children) */
	struct buf *status_in;    /* a partial status record */
	int nproc;                /* processes alive */
	int navail;               /* of those, waiting for a client */
	bool is_draining;         /* told to finish; freed when nproc is 0 */

	/* Throttling of a failing service, and wake-ups. */
	int throttle_level;            /* consecutive fast failures */
	struct event_timer *throttle;  /* pending end of a throttle */
	int64_t throttle_until;        /* clock_ms() when it ends */
	struct event_timer *wakeup_tm; /* next wake-up */
	int64_t limit_warned;          /* last "process limit" warning */

	/* Counters, carried over a reload when the line stays. */
	unsigned long sessions; /* clients taken */
	unsigned long started;  /* processes started */
	unsigned long restarts; /* processes that exited abnormally */

	struct master_service *next;
};

struct master_child {
	pid_t pid;
	struct master_service *svc;
	int64_t started; /* clock_ms() */
	bool is_avail;   /* waiting for a client */
	bool has_served; /* took at least one client */
	bool is_killed;  /* signalled by the master: not a crash */
	struct master_child *next;
};

struct master {
	struct event_loop *loop;
	const char *config_dir;
	bool is_root;       /* started by root: children change user */
	bool is_foreground; /* --foreground: logs on stderr too */
	bool is_stopping;
	struct master_service *services; /* the current generation */
	struct master_service *draining; /* older ones with children left */
	struct master_child *children;
	int nchildren;
	struct strv env;        /* the children's environment */
	struct buf *conf_text;  /* the gannet.conf now applied */
	char *log_path;         /* maillog_file now open, or NULL */
	int pid_fd;             /* locked pid file */
	pid_t pid_owner;        /* the process that locked it */
	int ctl_fd;             /* status socket */
	time_t started;         /* wall clock */
	unsigned long reloads;  /* SIGHUPs handled */
	struct buf *reload_msg; /* "ok" or "failed: why" */
	struct event_timer *stop_timer;
	int stop_phase; /* 0 waiting, 1 SIGTERM sent, 2 SIGKILL sent */
};

extern struct master master;

/* master_conf.c - configuration */

/* master_conf_load - load gannet.conf and services.conf into a new list
 * of services (not yet listening) and the text of gannet.conf into text;
 * 0, or -1 with every problem logged. On failure the gannet.conf in
 * master.conf_text (the one in effect) is applied again. */
int master_conf_load(struct master_service **out, struct buf *text);
/* master_conf_service - one service from a table line; NULL with why */
struct master_service *master_conf_service(
    const struct svc_entry *e, bool is_root, struct buf *why);
/* master_reload - SIGHUP: the new configuration for new children */
void master_reload(void);
/* master_env_build - the children's environment from the parameters */
void master_env_build(struct strv *env, bool is_foreground);

/* master_listen.c - listening sockets */

/* master_listen_backlog - the listen queue length of s: its process
 * limit, at least 128 */
int master_listen_backlog(const struct master_service *s);
/* master_listen_open - bind the service's socket (unix: mode and owner
 * by private/public); 0, or -1 with why */
int master_listen_open(struct master_service *s, struct buf *why);
/* master_listen_close - close it (and remove a unix socket file) */
void master_listen_close(struct master_service *s);
/* master_listen_retry - bind a deferred listener (is_deferred) now, or
 * keep trying until the old socket it collides with has closed (the last
 * old child holding it has exited) */
void master_listen_retry(struct master_service *s);
/* master_listen_watch - start or stop polling the listener */
void master_listen_watch(struct master_service *s, bool on);
/* master_listen_owner - uid/gid for sockets (mail_owner when root) */
void master_listen_owner(uid_t *uid_out, gid_t *gid_out);

/* master_spawn.c - children */

/* master_service_start - open the status pipe and arm the wake-up
 * timer of a new generation, then start what it needs */
void master_service_start(struct master_service *s);
/* master_service_update - after any change: start a process (wake-up
 * services), and poll the listener only when a client would find no
 * process waiting and the limit allows one more */
void master_service_update(struct master_service *s);
/* master_spawn_one - start one process of the service (a failed fork
 * throttles the service) */
void master_spawn_one(struct master_service *s);
/* master_service_drain - tell the children to finish; the listener is
 * closed unless another generation took it over (listen_fd = -1) */
void master_service_drain(struct master_service *s);
/* master_service_free - free a service without children */
void master_service_free(struct master_service *s);
/* master_reap - SIGCHLD: collect exited children */
void master_reap(void);
/* master_signal_children - send sig to every child; 0 when none */
int master_signal_children(int sig);
/* master_spawn_argv - the child's argv */
void master_spawn_argv(
    const struct master_service *s, const char *config_dir, struct strv *out);
/* master_throttle_delay - back-off for the level-th consecutive failure
 * (0-based): base * 2^level seconds, at most max; in milliseconds */
int64_t master_throttle_delay(int level, long base, long max);
/* master_exit_text - "exited with status 1", "killed by signal 9" */
void master_exit_text(int status, struct buf *out);

/* master_status.c - the status socket */

/* master_status_open - listen on the status socket; 0 or -1 with why */
int master_status_open(struct buf *why);
void master_status_close(void);
/* master_status_text - the status as master_ctl.h describes it */
void master_status_text(struct buf *out);

/* master_pid.c - the pid file and the directories the master needs */

/* master_pid_lock - create and lock queue_directory/pid/master.pid;
 * 0, or -1 with why (another master holds it) */
int master_pid_lock(struct buf *why);
/* master_pid_remove - remove the pid file at exit */
void master_pid_remove(void);
/* master_dirs_prepare - private/ public/ pid/ exist with their owners */
int master_dirs_prepare(struct buf *why);

/* master.c */

/* master_stop - SIGTERM/SIGINT: stop accepting, let sessions finish for
 * master_stop_timeout, then end the rest */
void master_stop(int signo);
/* master_check_done - exit once stopping and no child is left */
void master_check_done(void);

#endif /* MASTER_MASTER_H */

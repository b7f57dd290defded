/*
 * service.h - the skeleton every daemon runs in (STYLE 13, 14).
 *
 * A daemon's main() declares its hooks and calls service_main(), which
 * parses the options, loads gannet.conf (with -o overrides), runs the
 * privileged pre-init, drops privileges in exactly one function, and then
 * serves: one client at a time (smtpd, pop3d, imapd, delivery agents), or
 * many through an event loop (qmgr, auth, policy).
 *
 * Contract with the master (master(8)):
 *   argv:  COMMAND -c CONFIG_DIR -n SERVICE -t inet|unix [-u USER]
 *          [-j JAIL] [-w WAKEUP] [-o name=value]... [args]
 *          USER is the service's user from services.conf (mail_owner by
 *          default, root for unpriv=n); the master passes -u and -j only
 *          when it runs as root. A master started by another user runs
 *          every child as that user, without a jail.
 *   fd 3:  the listening socket of the service (shared by all its
 *          children; non-blocking, so losing an accept race is harmless)
 *   fd 4:  status pipe to the master: the child writes one struct
 *          service_status when it becomes available (SERVICE_AVAIL) and
 *          when it takes a client (SERVICE_BUSY); the master counts
 *          sessions and starts more children from these. The master
 *          closes its end to tell children to finish (reload, stop): a
 *          child then exits once it is idle, and a long session may poll
 *          service_master_gone(). Event-driven daemons need not report.
 *   fd 0-2: /dev/null, or the master's terminal when it runs with
 *          --foreground
 *   environment: GANNET_MASTER=1; GANNET_LOG_FD=N, the log file opened by
 *          the master (absent when logging to syslog); GANNET_LOG_STDERR=1
 *          when the master runs in the foreground (log to stderr too);
 *          plus import_environment. Nothing else is inherited.
 *   cwd:   queue_directory ("/" inside a jail); each child is the leader
 *          of its own process group, so a terminal's Ctrl-C reaches only
 *          the master, which then stops everything in order.
 *   exit:  status 0 is a normal end (max_use, max_idle, told to finish).
 *          Anything else is logged as a crash; a child that exits
 *          abnormally before it took a client, soon after it started,
 *          makes the master throttle the service (back-off).
 * A service with a wake-up time is started with the master and kept
 * running (restarted when it exits), and gets SERVICE_WAKEUP_MSG written
 * on a new connection to its socket every WAKEUP seconds; a daemon
 * without use for it simply accepts and closes such connections. That is
 * how a long-running single-instance service (qmgr, auth, policy) is
 * declared: maxproc 1 and a wake-up time.
 *
 * The order of start-up is fixed: options, configuration (trusted files
 * only), pre_jail as root, service_drop_privs, post_jail, then the first
 * accept(). Nothing from the network is read before the drop.
 *
 * Without a master (development, tests), "-L [address:]port" or
 * "-L unix:/path" makes the daemon bind its own listener, and -d logs to
 * stderr.
 */
#ifndef MAIL_SERVICE_H
#define MAIL_SERVICE_H
#include <sys/socket.h>

#include "util/sys_defs.h"

#include "util/net.h"

struct event_loop;

#define SERVICE_LISTEN_FD  3
#define SERVICE_STATUS_FD  4
#define SERVICE_LOG_FD     5 /* where the master puts GANNET_LOG_FD */
#define SERVICE_WAKEUP_MSG "W"

/* What a child tells the master through fd 4. */
struct service_status {
	pid_t pid;
	char state; /* SERVICE_AVAIL or SERVICE_BUSY */
};
#define SERVICE_AVAIL 'A'
#define SERVICE_BUSY  'B'

/* The client of one session. */
struct service_client {
	int fd;
	char addr[NET_ADDR_MAX]; /* peer address, "local" for UNIX */
	int port;
	char local_addr[NET_ADDR_MAX];
	int local_port;
	const char *service; /* service name from services.conf */
};

struct service_hooks {
	/* as root (when started by root), before privileges are dropped:
	 * load keys, open files only root can open */
	void (*pre_jail)(void);
	/* unprivileged, before the first client */
	void (*post_jail)(void);
	/* one client: serve it, then return (the skeleton closes fd) */
	void (*serve)(const struct service_client *client);
	/* event-driven daemons instead of serve: set up on the loop; the
	 * listening descriptor is given (accept it yourself), -1 when none */
	void (*event_init)(struct event_loop *loop, int listen_fd);
	/* before exit (max_use reached, idle, master gone) */
	void (*pre_exit)(void);
	/* the user to become when started by root without -u; NULL:
	 * mail_owner (the deliver agent: &var_vmail_owner) */
	char **default_user;
	/* keep this user's primary group as the one supplementary group
	 * (the deliver agent: &var_mail_owner, to read queue files); NULL:
	 * none */
	char **extra_group_of;
};

/* The options of the running service, after service_main parsed them. */
extern const char *service_name;       /* -n, default the program name */
extern const char *service_type;       /* -t: "inet" or "unix" */
extern const char *service_config_dir; /* -c */
extern long service_wakeup;            /* -w seconds, 0 none */
extern bool service_debug;             /* -d */
extern int service_argc;               /* arguments after the options */
extern char **service_argv;

/* service_main - run the daemon; returns the exit status */
int service_main(int argc, char **argv, const char *progname,
    const struct service_hooks *hooks);

/* service_drop_privs - become user (and chroot into jail when not NULL)
 * for good: groups, gid, chroot, uid, no-new-privs, then verify that root
 * cannot be regained. Fatal on any failure. A no-op except no-new-privs
 * when not running as root. The one place privileges are dropped. */
void service_drop_privs(const char *user, const char *jail);
/* service_drop_privs_group - the same, keeping the primary group of the
 * user group_of (when not NULL) as a supplementary group: the one extra
 * right a process may keep (the deliver agent reads queue files) */
void service_drop_privs_group(
    const char *user, const char *group_of, const char *jail);

/* service_master_gone - true when the master asked children to finish
 * (closed the status pipe) or died; long sessions may poll it */
bool service_master_gone(void);

/* service_client_fill - peer and local addresses of a connected fd */
void service_client_fill(struct service_client *c, int fd);

#endif /* MAIL_SERVICE_H */

/*
 * service.c - the daemon skeleton (see service.h).
 *
 * The order of start-up is fixed and the same for every daemon: options,
 * configuration, privileged pre-init, privilege drop, unprivileged init,
 * serve. No input from the network is read before the privilege drop: the
 * first accept() happens after it.
 *
 * Many children of one service accept on the same listening socket, which
 * is non-blocking, so a child that loses the race gets EAGAIN and goes
 * back to waiting instead of blocking in accept().
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/event.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/net.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/params.h"
#include "mail/service.h"

const char *service_name;
const char *service_type = "unix";
const char *service_config_dir;
long service_wakeup;
bool service_debug;
int service_argc;
char **service_argv;

static int service_status_fd = -1;
static bool service_gone;
static pid_t service_master_pid; /* our parent, when it is the master */

/* service_drop_privs_group - the one place privileges are dropped
 * (STYLE 14) */
void
service_drop_privs_group(
    const char *user, const char *group_of, const char *jail)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid, groups[2];
	int ngroups = 1;

	if (geteuid() != 0) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			log_fatal("prctl NO_NEW_PRIVS: %m");
		return;
	}
	if (user == NULL || *user == 0)
		log_fatal("no user to run as: refusing to run as root");
	if (strcmp(user, "root") == 0) {
		log_warn("service %s runs as root (unpriv = n in "
		         "services.conf)",
		    service_name);
		if (jail != NULL && *jail
		    && (chroot(jail) < 0 || chdir("/") < 0))
			log_fatal("chroot %s: %m", jail);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			log_fatal("prctl NO_NEW_PRIVS: %m");
		return;
	}
	/* Looked up before chroot: the jail has no passwd file. */
	if ((pw = getpwnam(user)) == NULL)
		log_fatal(
		    "unknown user %s (create it, or set mail_owner)", user);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0)
		log_fatal("user %s has uid 0: refusing to run as root", user);
	groups[0] = gid;
	if (group_of != NULL && *group_of) {
		struct passwd *gpw = getpwnam(group_of);

		if (gpw == NULL)
			log_fatal("unknown user %s (whose group %s needs)",
			    group_of, service_name);
		if (gpw->pw_gid == 0)
			log_fatal("user %s has group 0: refusing to keep it",
			    group_of);
		if (gpw->pw_gid != gid)
			groups[ngroups++] = gpw->pw_gid;
	}
	if (setgroups((size_t)ngroups, groups) < 0
	    || setresgid(gid, gid, gid) < 0)
		log_fatal("set groups/gid %lu: %m", (unsigned long)gid);
	if (jail != NULL && *jail && (chroot(jail) < 0 || chdir("/") < 0))
		log_fatal("chroot %s: %m", jail);
	if (setresuid(uid, uid, uid) < 0)
		log_fatal("setuid %lu: %m", (unsigned long)uid);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		log_fatal("prctl NO_NEW_PRIVS: %m");
	if (setuid(0) != -1 || seteuid(0) != -1)
		log_panic("privilege drop is reversible");
	if (getuid() != uid || geteuid() != uid || getgid() != gid
	    || getegid() != gid)
		log_panic("privilege drop did not take");
	{
		gid_t now[3];
		int n = getgroups(3, now);
		bool ok = n >= 0 && n <= ngroups;

		for (int i = 0; ok && i < n; i++)
			ok = now[i] == groups[0]
			    || (ngroups > 1 && now[i] == groups[1]);
		if (!ok)
			log_panic("supplementary groups survived the drop");
	}
}

/* service_drop_privs - the same, with the user's own group alone */
void
service_drop_privs(const char *user, const char *jail)
{
	service_drop_privs_group(user, NULL, jail);
}

/* service_report - tell the master our state */
static void
service_report(char state)
{
	struct service_status st;

	if (service_status_fd < 0)
		return;
	memset(&st, 0, sizeof(st));
	st.pid = getpid();
	st.state = state;
	if (file_write_all(service_status_fd, &st, sizeof(st)) < 0)
		service_gone = true;
}

/* service_master_gone - the master closed the status pipe or died */
bool
service_master_gone(void)
{
	struct pollfd pfd = {.fd = service_status_fd, .events = 0};

	if (service_status_fd < 0)
		return false;
	/* Not "getppid() == 1": the master may itself be pid 1 (a
	 * container), and an orphan may go to a subreaper instead. */
	if (service_gone || getppid() != service_master_pid)
		return service_gone = true;
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLERR | POLLHUP)))
		service_gone = true;
	return service_gone;
}

/* service_client_fill - addresses of both ends */
void
service_client_fill(struct service_client *c, int fd)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	if (net_peer(fd, c->addr, sizeof(c->addr), &c->port) < 0)
		snprintf(c->addr, sizeof(c->addr), "unknown");
	if (net_local(fd, c->local_addr, sizeof(c->local_addr), &c->local_port)
	    < 0)
		snprintf(c->local_addr, sizeof(c->local_addr), "unknown");
	c->service = service_name;
}

/* service_listen_standalone - -L [address:]port or -L unix:/path */
static int
service_listen_standalone(const char *spec)
{
	struct buf *why = buf_new(128), *host = buf_new(64);
	int fd, port = -1;

	if (str_has_prefix(spec, "unix:")) {
		fd = net_listen_unix(spec + 5, 0666, 128, why);
		service_type = "unix";
	} else {
		if (strchr(spec, ':') || spec[0] == '[') {
			if (net_parse_hostport(spec, host, &port) < 0)
				log_fatal("-L %s: use [address:]port", spec);
		} else {
			long n;

			if (str_parse_long(spec, 1, 65535, &n) < 0)
				log_fatal("-L %s: use [address:]port", spec);
			port = (int)n;
			buf_sets(host, "*");
		}
		fd = net_listen_tcp(buf_cstr(host), port, 128, why);
		service_type = "inet";
	}
	if (fd < 0)
		log_fatal("-L %s: %s", spec, buf_cstr(why));
	buf_free(&why);
	buf_free(&host);
	return fd;
}

/* service_load_config - gannet.conf plus -o overrides */
static void
service_load_config(const struct strv *overrides)
{
	struct buf *path = buf_new(256), *why = buf_new(256);
	int errors = 0;

	params_config_file(service_config_dir, path);
	if (cfg_load(buf_cstr(path), why) < 0) {
		log_error("%s", buf_cstr(why));
		errors++;
	}
	for (size_t i = 0; i < overrides->n; i++) {
		char *eq = strchr(overrides->v[i], '=');

		*eq = 0;
		cfg_override(overrides->v[i], eq + 1);
		*eq = '=';
	}
	errors += cfg_apply(true);
	if (errors)
		log_fatal(
		    "%s: configuration errors, not starting", buf_cstr(path));
	buf_free(&path);
	buf_free(&why);
}

/* service_event_status - master closed the status pipe: finish */
static void
service_event_status(struct event_loop *l, int fd, int events, void *ctx)
{
	if (events & EVENT_ERROR) {
		log_debug("master is gone, exiting");
		event_del_fd(l, fd);
		service_gone = true;
		event_stop(l);
	}
}

/* service_serve_loop - one client at a time until max_use or idle */
static void
service_serve_loop(const struct service_hooks *hooks, int lfd)
{
	long uses = 0;

	if (net_set_nonblock(lfd, true) < 0)
		log_fatal("listen socket: %m");
	while (uses < var_max_use) {
		struct pollfd pfd[2];
		struct service_client client;
		int n, fd;

		service_report(SERVICE_AVAIL);
		pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
		pfd[1] = (struct pollfd){.fd = service_status_fd, .events = 0};
		n = poll(pfd, service_status_fd >= 0 ? 2 : 1,
		    service_wakeup > 0 ? -1 : (int)(var_max_idle * 1000));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			log_fatal("poll: %m");
		if (n == 0) {
			log_debug("idle for %lds, exiting", var_max_idle);
			break;
		}
		if (service_status_fd >= 0
		    && (pfd[1].revents & (POLLERR | POLLHUP))) {
			service_gone = true;
			break;
		}
		if (pfd[0].revents & (POLLERR | POLLNVAL))
			log_fatal("listen socket: poll error");
		if (!(pfd[0].revents & POLLIN))
			continue;
		/* A reload or stop may have come while we slept: an old
		 * child must leave new clients to the new ones. */
		if (service_master_gone())
			break;
		if ((fd = net_accept(lfd, NULL, NULL)) < 0) {
			if (errno != EAGAIN && errno != EINTR
			    && errno != ECONNABORTED)
				log_warn("accept: %m");
			continue;
		}
		service_report(SERVICE_BUSY);
		service_client_fill(&client, fd);
		hooks->serve(&client);
		close(fd);
		uses++;
		if (service_master_gone())
			break;
	}
}

/* service_main - the skeleton */
int
service_main(int argc, char **argv, const char *progname,
    const struct service_hooks *hooks)
{
	const char *user = NULL, *jail = NULL, *standalone = NULL;
	struct strv overrides;
	bool has_master = getenv("GANNET_MASTER") != NULL;
	int c, lfd = -1;

	log_init(progname, LOG_TO_SYSLOG);
	service_name = progname;
	service_config_dir = getenv("GANNET_CONFIG_DIR");
	if (service_config_dir == NULL || *service_config_dir == 0)
		service_config_dir = GANNET_SYSCONFDIR;
	strv_init(&overrides);
	while ((c = getopt(argc, argv, "+c:n:t:u:j:w:o:L:dv")) != -1) {
		switch (c) {
		case 'c':
			service_config_dir = optarg;
			break;
		case 'n':
			service_name = optarg;
			break;
		case 't':
			service_type = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'j':
			jail = optarg;
			break;
		case 'w':
			if (str_parse_long(optarg, 0, 86400, &service_wakeup)
			    < 0)
				log_fatal("-w %s: use seconds", optarg);
			break;
		case 'o':
			if (strchr(optarg, '=') == NULL)
				log_fatal("-o %s: use -o name=value", optarg);
			strv_push(&overrides, optarg);
			break;
		case 'L':
			standalone = optarg;
			break;
		case 'd':
			service_debug = true;
			log_set_dest(
			    (log_get_dest() & ~LOG_TO_SYSLOG) | LOG_TO_STDERR);
			break;
		case 'v':
			log_set_verbose(log_verbose() + 1);
			break;
		default:
			log_fatal("usage: %s [-dv] [-c config_dir] [-n name] "
			          "[-o name=value] [-L listen]",
			    progname);
		}
	}
	service_argc = argc - optind;
	service_argv = argv + optind;
	signal(SIGPIPE, SIG_IGN);
	if (has_master && getenv("GANNET_LOG_STDERR") != NULL)
		log_set_dest(log_get_dest() | LOG_TO_STDERR);

	service_load_config(&overrides);
	strv_free(&overrides);
	if (!service_debug && log_file_fd() < 0 && *var_maillog_file
	    && log_open_file(var_maillog_file) < 0)
		log_warn("open %s: %m (logging to syslog)", var_maillog_file);

	if (standalone)
		lfd = service_listen_standalone(standalone);
	else if (has_master && fcntl(SERVICE_LISTEN_FD, F_GETFD) >= 0)
		lfd = SERVICE_LISTEN_FD;
	if (has_master && fcntl(SERVICE_STATUS_FD, F_GETFD) >= 0) {
		service_status_fd = SERVICE_STATUS_FD;
		service_master_pid = getppid();
		(void)fcntl(service_status_fd, F_SETFD, FD_CLOEXEC);
	}
	if (lfd >= 0)
		(void)fcntl(lfd, F_SETFD, FD_CLOEXEC);

	if (hooks->pre_jail)
		hooks->pre_jail();
	if (user == NULL && geteuid() == 0)
		user =
		    hooks->default_user ? *hooks->default_user : var_mail_owner;
	service_drop_privs_group(
	    user, hooks->extra_group_of ? *hooks->extra_group_of : NULL, jail);
	if (hooks->post_jail)
		hooks->post_jail();

	if (hooks->event_init) {
		struct event_loop *loop = event_new();

		if (service_status_fd >= 0)
			event_add_fd(loop, service_status_fd, 0,
			    service_event_status, NULL);
		hooks->event_init(loop, lfd);
		event_run(loop);
		event_free(&loop);
	} else if (hooks->serve && lfd >= 0) {
		service_serve_loop(hooks, lfd);
	} else {
		log_fatal("no listening socket (run it from the master, or "
		          "with -L)");
	}
	if (hooks->pre_exit)
		hooks->pre_exit();
	return 0;
}

/*
 * master.c - the supervisor: the only long-lived root process.
 *
 * It reads services.conf, binds every listener, and starts each service's
 * programs on demand with their socket (master_spawn.c); the children
 * drop their privileges themselves, in the one function of the service
 * skeleton. SIGHUP reloads (master_conf.c), SIGTERM or SIGINT stops:
 * no new clients, sessions in progress get master_stop_timeout to
 * finish, then the rest are ended, and the master exits only when no
 * child is left. Everything happens in one event loop; signal handlers
 * only queue events.
 *
 * Started without -f, the master detaches (fork, setsid) and its parent
 * waits until the child has bound every socket, so that `gannet start`
 * returns success only for a master that runs, and prints the reason
 * otherwise.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/event.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/config_check.h"
#include "mail/params.h"
#include "mail/params_master.h"

#include "master.h"

/* After SIGTERM, and again after SIGKILL, how long to wait. */
#define MASTER_KILL_WAIT_MS 2000

struct master master = {.pid_fd = -1, .ctl_fd = -1};

/* master_exit - the last child is gone: clean up and leave */
static ATTR_NORETURN void
master_exit(void)
{
	event_cancel_timer(master.loop, &master.stop_timer);
	log_info("stopped");
	exit(0); /* master_atexit removes the socket and the pid file */
}

/* master_atexit - a master that could not start leaves no pid file */
static void
master_atexit(void)
{
	if (master.pid_fd >= 0 && getpid() == master.pid_owner) {
		master_status_close();
		master_pid_remove();
	}
}

/* master_check_done - exit when stopping and nothing is left */
void
master_check_done(void)
{
	if (master.is_stopping && master.nchildren == 0)
		master_exit();
}

/* master_stop_escalate - sessions took too long: end them */
static void
master_stop_escalate(struct event_loop *l, void *ctx)
{
	int n;

	master.stop_timer = NULL;
	if (master.stop_phase == 0) {
		n = master_signal_children(SIGTERM);
		log_warn("stop: ending %d process%s still busy after %lds", n,
		    n == 1 ? "" : "es", var_master_stop_timeout);
	} else {
		n = master_signal_children(SIGKILL);
		if (n > 0)
			log_warn("stop: killing %d process%s", n,
			    n == 1 ? "" : "es");
	}
	master.stop_phase++;
	if (master.stop_phase < 3)
		master.stop_timer = event_add_timer(master.loop,
		    MASTER_KILL_WAIT_MS, master_stop_escalate, NULL);
}

/* master_stop - stop accepting, drain, then end what is left */
void
master_stop(int signo)
{
	struct master_service *s;

	if (master.is_stopping) {
		/* A second signal: do not wait for the sessions. */
		if (master.stop_phase == 0) {
			event_cancel_timer(master.loop, &master.stop_timer);
			master_stop_escalate(master.loop, NULL);
		}
		return;
	}
	log_info("terminating on signal %d (SIG%s)", signo,
	    sigabbrev_np(signo) ? sigabbrev_np(signo) : "?");
	master.is_stopping = true;
	while ((s = master.services) != NULL) {
		master.services = s->next;
		master_service_drain(s);
		if (s->nproc == 0) {
			master_service_free(s);
		} else {
			s->next = master.draining;
			master.draining = s;
		}
	}
	if (master.nchildren > 0) {
		log_info("stop: waiting up to %lds for %d process%s to finish",
		    var_master_stop_timeout, master.nchildren,
		    master.nchildren == 1 ? "" : "es");
		master.stop_timer = event_add_timer(master.loop,
		    var_master_stop_timeout * 1000, master_stop_escalate, NULL);
	}
	master_check_done();
}

/* master_on_signal - the event loop's signal dispatch */
static void
master_on_signal(struct event_loop *l, int signo, void *ctx)
{
	switch (signo) {
	case SIGCHLD:
		master_reap();
		break;
	case SIGHUP:
		master_reload();
		break;
	default:
		master_stop(signo);
		break;
	}
}

/* master_fds_sane - 0, 1 and 2 open, so no socket ever lands there */
static void
master_fds_sane(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0) {
			int n = open("/dev/null", O_RDWR);

			if (n < 0)
				exit(1);
			if (n != fd) {
				(void)dup2(n, fd);
				close(n);
			}
		}
	}
}

/* master_daemonize - detach; the parent exits when the child is ready */
static int
master_daemonize(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		log_fatal("pipe: %m");
	if ((pid = fork()) < 0)
		log_fatal("fork: %m");
	if (pid > 0) {
		char c;
		ssize_t n;

		close(p[1]);
		while ((n = read(p[0], &c, 1)) < 0 && errno == EINTR)
			;
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	if (setsid() < 0)
		log_fatal("setsid: %m");
	return p[1];
}

/* master_ready - tell the waiting parent; let go of the terminal */
static void
master_ready(int ready_fd)
{
	int fd;

	if (ready_fd < 0)
		return;
	if (write(ready_fd, "R", 1) != 1)
		log_warn("start-up pipe: %m");
	close(ready_fd);
	if ((fd = open("/dev/null", O_RDWR)) >= 0) {
		(void)dup2(fd, 0);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	log_set_dest(log_get_dest() & ~LOG_TO_STDERR);
}

/* master_open_log - maillog_file, or syslog */
static void
master_open_log(void)
{
	if (*var_maillog_file && log_open_file(var_maillog_file) == 0) {
		master.log_path = xstrdup(var_maillog_file);
		return;
	}
	if (*var_maillog_file)
		log_warn("open %s: %m (logging to syslog)", var_maillog_file);
	log_set_dest(log_get_dest() | LOG_TO_SYSLOG);
}

/* master_start - take the instance: pid lock, sockets, services */
static void
master_start(struct master_service *list)
{
	struct buf *why = buf_new(256);
	static const int sigs[] = {SIGCHLD, SIGHUP, SIGTERM, SIGINT};

	if (chdir(var_queue_dir) < 0)
		log_fatal("chdir %s: %m", var_queue_dir);
	if (master_dirs_prepare(why) < 0 || master_pid_lock(why) < 0)
		log_fatal("%s", buf_cstr(why));
	master.pid_owner = getpid();
	atexit(master_atexit);
	master.loop = event_new();
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < NELEM(sigs); i++)
		if (event_add_signal(
		        master.loop, sigs[i], master_on_signal, NULL)
		    < 0)
			log_fatal("signal %d: %m", sigs[i]);
	for (struct master_service *s = list; s; s = s->next) {
		buf_reset(why);
		if (master_listen_open(s, why) < 0)
			log_fatal("%s: service %s: %s", s->where, s->name,
			    buf_cstr(why));
	}
	buf_reset(why);
	if (master_status_open(why) < 0)
		log_fatal("%s", buf_cstr(why));
	master.services = list;
	master.started = time(NULL);
	master.reload_msg = buf_new(64);
	master_env_build(&master.env, master.is_foreground);
	for (struct master_service *s = list; s; s = s->next)
		master_service_start(s);
	buf_free(&why);
}

/* master_usage - and exit */
static ATTR_NORETURN void
master_usage(void)
{
	log_fatal("usage: master [-fnv] [-c config_dir]");
}

int
main(int argc, char **argv)
{
	struct master_service *list;
	int c, ready_fd = -1;
	bool is_check = false;

	master_fds_sane();
	log_init("master", LOG_TO_STDERR);
	master.config_dir = getenv("GANNET_CONFIG_DIR");
	if (master.config_dir == NULL || *master.config_dir == 0)
		master.config_dir = GANNET_SYSCONFDIR;
	while ((c = getopt(argc, argv, "c:fnv")) != -1) {
		if (c == 'c')
			master.config_dir = optarg;
		else if (c == 'f')
			master.is_foreground = true;
		else if (c == 'n')
			is_check = true;
		else if (c == 'v')
			log_set_verbose(log_verbose() + 1);
		else
			master_usage();
	}
	if (optind != argc || master.config_dir[0] != '/')
		master_usage();
	if (is_check)
		return config_check_run(master.config_dir, NULL) > 0 ? 1 : 0;
	master.is_root = geteuid() == 0;
	master.conf_text = buf_new(4096);
	if (master_conf_load(&list, master.conf_text) < 0)
		log_fatal("%s: configuration errors; not starting",
		    master.config_dir);
	umask(022);
	master_open_log();
	if (!master.is_foreground)
		ready_fd = master_daemonize();
	master_start(list);
	log_info("daemon started -- version %s, configuration %s",
	    var_mail_version, master.config_dir);
	master_ready(ready_fd);
	event_run(master.loop);
	return 0;
}

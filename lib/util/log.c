/*
 * log.c - logging to syslog, stderr and a file (see log.h).
 *
 * A file line is written with one write() on an O_APPEND descriptor, so
 * lines from many processes never interleave. Messages are formatted into
 * a fixed stack buffer and truncated there: logging must work when memory
 * is exhausted (xmalloc's fatal message goes through here).
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "util/log.h"

/* A sanitizer build: a fatal exit leaves whatever the caller held (by
 * design, STYLE 8: daemons exit and master restarts them), so the leak
 * check at exit is turned off on that path only. */
#if defined(__SANITIZE_ADDRESS__)
#define LOG_HAS_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOG_HAS_LSAN 1
#endif
#endif
#ifdef LOG_HAS_LSAN
#include <sanitizer/lsan_interface.h>
#endif

#define LOG_LINE_MAX 4096

static char log_name[64] = "gannet";
static int log_dest = LOG_TO_STDERR;
static int log_fd = -1;
static int log_verbose_level;
static int log_error_count;
static bool log_syslog_open;
static log_hook_fn log_hook;
static void *log_hook_ctx;
static bool log_in_fatal;
/* What a file line names, looked up once per process instead of two
 * system calls per line: the short host name (on the first file line
 * after log_init) and the pid (forgotten in a forked child). */
static char log_host[64];
static long log_pid;

/* log_forget_pid - pthread_atfork child handler */
static void
log_forget_pid(void)
{
	log_pid = 0;
}

/* log_init - program name and destinations */
void
log_init(const char *progname, int dest)
{
	const char *env;
	const char *slash = strrchr(progname, '/');

	if (slash)
		progname = slash + 1;
	if (strncmp(progname, "gannet", 6) == 0 && progname[6] == 0)
		snprintf(log_name, sizeof(log_name), "gannet");
	else
		snprintf(log_name, sizeof(log_name), "gannet/%s", progname);
	if ((env = getenv("GANNET_LOG_FD")) != NULL && *env) {
		char *end;
		long fd = strtol(env, &end, 10);

		if (*end == 0 && fd > 2 && fd < 1024
		    && fcntl((int)fd, F_GETFD) >= 0) {
			log_fd = (int)fd;
			dest = (dest & ~LOG_TO_SYSLOG) | LOG_TO_FILE;
		}
	}
	{
		static bool registered;

		if (!registered)
			registered =
			    pthread_atfork(NULL, NULL, log_forget_pid) == 0;
	}
	log_host[0] = 0;
	log_pid = 0;
	log_set_dest(dest);
}

/* log_set_dest - choose destinations */
void
log_set_dest(int dest)
{
	log_dest = dest;
	if ((dest & LOG_TO_SYSLOG) && !log_syslog_open) {
		openlog(log_name, LOG_PID | LOG_NDELAY, LOG_MAIL);
		log_syslog_open = true;
	}
}

/* log_get_dest - current destinations */
int
log_get_dest(void)
{
	return log_dest;
}

/* log_open_file - append to a file */
int
log_open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0)
		return -1;
	log_use_fd(fd);
	return 0;
}

/* log_use_fd - append to an open descriptor */
void
log_use_fd(int fd)
{
	if (log_fd >= 0 && log_fd != fd)
		close(log_fd);
	log_fd = fd;
	log_dest = (log_dest & ~LOG_TO_SYSLOG) | LOG_TO_FILE;
}

/* log_file_fd - the log file descriptor, or -1 */
int
log_file_fd(void)
{
	return log_fd;
}

/* log_set_verbose - enable log_debug */
void
log_set_verbose(int level)
{
	log_verbose_level = level;
}

/* log_verbose - the verbosity level */
int
log_verbose(void)
{
	return log_verbose_level;
}

/* log_progname - "gannet/smtpd" */
const char *
log_progname(void)
{
	return log_name;
}

/* log_set_hook - install a message hook (NULL removes it) */
void
log_set_hook(log_hook_fn fn, void *ctx)
{
	log_hook = fn;
	log_hook_ctx = ctx;
}

static const char *const log_prefix[] = {
    [LOG_LVL_DEBUG] = "",
    [LOG_LVL_INFO] = "",
    [LOG_LVL_WARN] = "warning: ",
    [LOG_LVL_ERROR] = "error: ",
    [LOG_LVL_FATAL] = "fatal: ",
    [LOG_LVL_PANIC] = "panic: ",
};

static const int log_prio[] = {
    [LOG_LVL_DEBUG] = LOG_DEBUG,
    [LOG_LVL_INFO] = LOG_INFO,
    [LOG_LVL_WARN] = LOG_WARNING,
    [LOG_LVL_ERROR] = LOG_ERR,
    [LOG_LVL_FATAL] = LOG_CRIT,
    [LOG_LVL_PANIC] = LOG_CRIT,
};

/* log_write_all - write a whole line, retrying on EINTR */
static void
log_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* log_sanitize - replace control characters so one message is one line */
static void
log_sanitize(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

/* log_vmsg - format and emit one message */
void
log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX];
	char line[LOG_LINE_MAX + 256];
	int saved = errno;
	int n;

	if (lvl == LOG_LVL_DEBUG && log_verbose_level <= 0)
		return;
	errno = saved;
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		snprintf(msg, sizeof(msg), "(unformattable message)");
	log_sanitize(msg);
	if (log_hook && log_hook(lvl, msg, log_hook_ctx)) {
		errno = saved;
		return;
	}
	if (log_dest & LOG_TO_SYSLOG)
		syslog(log_prio[lvl], "%s%s", log_prefix[lvl], msg);
	if ((log_dest & LOG_TO_FILE) && log_fd >= 0) {
		struct timespec ts;
		struct tm tm;
		char stamp[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		if (strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm) == 0)
			stamp[0] = 0;
		if (log_host[0] == 0) {
			if (gethostname(log_host, sizeof(log_host)) < 0)
				snprintf(
				    log_host, sizeof(log_host), "localhost");
			log_host[sizeof(log_host) - 1] = 0;
			if (strchr(log_host, '.'))
				*strchr(log_host, '.') = 0;
		}
		if (log_pid == 0)
			log_pid = (long)getpid();
		n = snprintf(line, sizeof(line), "%s %s %s[%ld]: %s%s\n", stamp,
		    log_host, log_name, log_pid, log_prefix[lvl], msg);
		if (n > 0)
			log_write_all(
			    log_fd, line, MIN((size_t)n, sizeof(line) - 1));
	}
	if (log_dest & LOG_TO_STDERR) {
		n = snprintf(line, sizeof(line), "%s: %s%s\n", log_name,
		    log_prefix[lvl], msg);
		if (n > 0)
			log_write_all(
			    2, line, MIN((size_t)n, sizeof(line) - 1));
	}
	errno = saved;
}

#define LOG_FN(name, lvl)                                                      \
	void name(const char *fmt, ...)                                        \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		log_vmsg(lvl, fmt, ap);                                        \
		va_end(ap);                                                    \
	}

LOG_FN(log_debug, LOG_LVL_DEBUG)
LOG_FN(log_info, LOG_LVL_INFO)
LOG_FN(log_warn, LOG_LVL_WARN)

/* log_error - an error that the process survives; too many are fatal */
void
log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	if (++log_error_count > LOG_ERROR_LIMIT)
		log_fatal("too many errors - program terminated");
}

/* log_fatal - log and exit(1) */
void
log_fatal(const char *fmt, ...)
{
	va_list ap;

	if (!log_in_fatal) {
		log_in_fatal = true;
		va_start(ap, fmt);
		log_vmsg(LOG_LVL_FATAL, fmt, ap);
		va_end(ap);
	}
#ifdef LOG_HAS_LSAN
	__lsan_disable();
#endif
	exit(1);
}

/* log_panic - log and abort() */
void
log_panic(const char *fmt, ...)
{
	va_list ap;

	if (!log_in_fatal) {
		log_in_fatal = true;
		va_start(ap, fmt);
		log_vmsg(LOG_LVL_PANIC, fmt, ap);
		va_end(ap);
	}
	abort();
}

/*
 * log.h - the one logging API of the suite.
 *
 * Messages go to syslog (facility LOG_MAIL) by default, to stderr when a
 * program runs with -d or in the foreground, and to a log file when one is
 * configured (maillog_file) or inherited from the master (environment
 * variable GANNET_LOG_FD). File lines look like syslog's:
 *   "Nov 22 10:00:00 host gannet/smtpd[123]: warning: text"
 * so that log analysers written for Postfix can read them.
 *
 * Shape of a message: "<queue-id|NOQUEUE>: <what>: <object>: <reason>".
 * %m is the errno text; every function saves errno on entry.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H
#include <stdarg.h>

#include "util/sys_defs.h"

enum log_level {
	LOG_LVL_DEBUG,
	LOG_LVL_INFO,
	LOG_LVL_WARN,
	LOG_LVL_ERROR,
	LOG_LVL_FATAL,
	LOG_LVL_PANIC,
};

#define LOG_TO_SYSLOG 0x1
#define LOG_TO_STDERR 0x2
#define LOG_TO_FILE   0x4

/* log_init - set the program name ("smtpd" is logged as "gannet/smtpd")
 * and destinations; picks up GANNET_LOG_FD when present */
void log_init(const char *progname, int dest);
/* log_set_dest - change destinations (LOG_TO_* bits) */
void log_set_dest(int dest);
int log_get_dest(void);
/* log_open_file - append to path (created 0640); returns 0 or -1 (errno) */
int log_open_file(const char *path);
/* log_use_fd - append to an already open descriptor (owned by log) */
void log_use_fd(int fd);
int log_file_fd(void);
/* log_set_verbose - log_debug prints when level > 0 */
void log_set_verbose(int level);
int log_verbose(void);
const char *log_progname(void);

/* A hook sees every message before output; returning true suppresses the
 * normal output (tests use this to capture messages). */
typedef bool (*log_hook_fn)(enum log_level, const char *msg, void *ctx);
void log_set_hook(log_hook_fn fn, void *ctx);

void log_debug(const char *fmt, ...) ATTR_PRINTF(1, 2);
void log_info(const char *fmt, ...) ATTR_PRINTF(1, 2);
void log_warn(const char *fmt, ...) ATTR_PRINTF(1, 2);
/* log_error - counted; past LOG_ERROR_LIMIT in one process it is fatal */
void log_error(const char *fmt, ...) ATTR_PRINTF(1, 2);
/* log_fatal - environment or configuration problem: log, exit(1) */
ATTR_NORETURN void log_fatal(const char *fmt, ...) ATTR_PRINTF(1, 2);
/* log_panic - our bug: log, abort() for a core */
ATTR_NORETURN void log_panic(const char *fmt, ...) ATTR_PRINTF(1, 2);
void log_vmsg(enum log_level lvl, const char *fmt, va_list ap)
    ATTR_PRINTF(2, 0);

#define LOG_ERROR_LIMIT 100

#define ASSERT(e)                                                              \
	((e) ? (void)0                                                         \
	     : log_panic(                                                      \
	         "%s:%d: assertion failed: %s", __FILE__, __LINE__, #e))

#endif /* UTIL_LOG_H */

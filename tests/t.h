/*
 * t.h - the unit test harness shared by every *_test.c in the tree.
 *
 * A test program is a main() that calls t_begin("case") before each case,
 * checks with the T_* macros, and returns t_end(). Output is one line per
 * failure and one summary line, "T-RESULT <program> <passed> <failed>",
 * which tests/run-unit.sh adds up into the "N passed, N failed" line of
 * `make check`. Cases are tables where the module allows it (STYLE 19).
 */
#ifndef TESTS_T_H
#define TESTS_T_H
#include "util/sys_defs.h"

#include "util/log.h"

#define T_ASSERT(e)                                                            \
	do {                                                                   \
		if (!(e))                                                      \
			t_fail(__FILE__, __LINE__, "%s", #e);                  \
	} while (0)
#define T_STREQ(got, want)                                                     \
	do {                                                                   \
		const char *g_ = (got), *w_ = (want);                          \
		if (strcmp(g_ ? g_ : "(null)", w_ ? w_ : "(null)") != 0)       \
			t_fail(__FILE__, __LINE__, "got \"%s\", want \"%s\"",  \
			    g_ ? g_ : "(null)", w_ ? w_ : "(null)");           \
	} while (0)
#define T_INTEQ(got, want)                                                     \
	do {                                                                   \
		long long g_ = (long long)(got), w_ = (long long)(want);       \
		if (g_ != w_)                                                  \
			t_fail(__FILE__, __LINE__, "%s: got %lld, want %lld",  \
			    #got, g_, w_);                                     \
	} while (0)
#define T_MEMEQ(got, glen, want, wlen)                                         \
	do {                                                                   \
		if ((size_t)(glen) != (size_t)(wlen)                           \
		    || memcmp((got), (want), (wlen)) != 0)                     \
			t_fail(__FILE__, __LINE__, "%s differs from %s", #got, \
			    #want);                                            \
	} while (0)

/* t_begin - start a named case (ends the previous one) */
void t_begin(const char *name);
void t_fail(const char *file, int line, const char *fmt, ...) ATTR_PRINTF(3, 4);
/* t_expect_log - the next logged message must contain substring */
void t_expect_log(const char *substring);
/* t_quiet_log - swallow log output until the end of the case */
void t_quiet_log(void);
/* t_expect_exit - run fn(arg) in a child; it must exit non-zero (log_fatal
 * or log_panic) having logged a message that contains substring */
void t_expect_exit(void (*fn)(void *), void *arg, const char *substring);
/* t_tmpdir - a fresh directory removed by t_end(); borrowed string */
const char *t_tmpdir(void);
/* t_write_file - write a file under t_tmpdir(); returns its path (borrowed
 * until the next call) */
const char *t_write_file(const char *name, const char *content);
int t_end(void);

#endif /* TESTS_T_H */

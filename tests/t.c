/*
 * t.c - unit test harness (see t.h). Deliberately small: tests must be easy
 * to read, and a harness bug must be easy to find.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"

#include "t.h"

static const char *t_prog = "test";
static const char *t_case;
static int t_case_failed;
static int t_passed, t_failed;
static char *t_expect;
static bool t_quiet;
static char t_dir[256];
static char t_path[512];

/* t_log_hook - check expected messages, optionally swallow output */
static bool
t_log_hook(enum log_level lvl, const char *msg, void *ctx)
{
	if (t_expect) {
		if (strstr(msg, t_expect) == NULL)
			t_fail("log", 0,
			    "expected a log containing \"%s\", got \"%s\"",
			    t_expect, msg);
		free(t_expect);
		t_expect = NULL;
		return true;
	}
	return t_quiet;
}

/* t_finish_case - account for the case that is running */
static void
t_finish_case(void)
{
	if (t_case == NULL)
		return;
	if (t_expect) {
		t_fail(
		    "log", 0, "expected log \"%s\" was not written", t_expect);
		free(t_expect);
		t_expect = NULL;
	}
	if (t_case_failed)
		t_failed++;
	else
		t_passed++;
	t_case = NULL;
	t_quiet = false;
}

/* t_begin - start a case */
void
t_begin(const char *name)
{
	static bool initialised;

	if (!initialised) {
		const char *p = getenv("T_PROG");

		initialised = true;
		if (p)
			t_prog = p;
		log_init("test", LOG_TO_STDERR);
		log_set_hook(t_log_hook, NULL);
	}
	t_finish_case();
	t_case = name;
	t_case_failed = 0;
}

/* t_fail - record a failure of the running case */
void
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL %s: %s:%d: ", t_case ? t_case : "?", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	t_case_failed = 1;
}

/* t_expect_log - next message must contain substring */
void
t_expect_log(const char *substring)
{
	free(t_expect);
	t_expect = strdup(substring);
}

/* t_quiet_log - swallow log output for this case */
void
t_quiet_log(void)
{
	t_quiet = true;
}

/* t_expect_exit - fn must exit non-zero after logging substring */
void
t_expect_exit(void (*fn)(void *), void *arg, const char *substring)
{
	int pfd[2], status;
	char out[8192];
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(pfd) < 0) {
		t_fail(__FILE__, __LINE__, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	if ((pid = fork()) == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		log_set_hook(NULL, NULL);
		log_set_dest(LOG_TO_STDERR);
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	while (n < sizeof(out) - 1
	    && (r = read(pfd[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)r;
	out[n] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		t_fail(
		    __FILE__, __LINE__, "expected an exit, function returned");
	if (strstr(out, substring) == NULL)
		t_fail(__FILE__, __LINE__, "expected \"%s\" in \"%s\"",
		    substring, out);
}

/* t_rm - nftw callback */
static int
t_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* t_tmpdir - per-program scratch directory */
const char *
t_tmpdir(void)
{
	if (t_dir[0] == 0) {
		const char *base = getenv("TMPDIR");

		snprintf(t_dir, sizeof(t_dir), "%s/gannet-t.XXXXXX",
		    base ? base : "/tmp");
		if (mkdtemp(t_dir) == NULL) {
			fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
			exit(2);
		}
	}
	return t_dir;
}

/* t_write_file - create a file in the scratch directory */
const char *
t_write_file(const char *name, const char *content)
{
	FILE *fp;

	snprintf(t_path, sizeof(t_path), "%s/%s", t_tmpdir(), name);
	if ((fp = fopen(t_path, "w")) == NULL || fputs(content, fp) == EOF
	    || fclose(fp) == EOF) {
		fprintf(stderr, "write %s: %s\n", t_path, strerror(errno));
		exit(2);
	}
	return t_path;
}

/* t_end - summary line and exit status */
int
t_end(void)
{
	t_finish_case();
	if (t_dir[0])
		nftw(t_dir, t_rm, 16, FTW_DEPTH | FTW_PHYS);
	printf("T-RESULT %s %d %d\n", t_prog, t_passed, t_failed);
	return t_failed ? 1 : 0;
}

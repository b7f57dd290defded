/*
 * sandbox_test.c - a sandboxed child reaches what it was given and
 * nothing else (skipped where the kernel has no Landlock).
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "mail/sandbox.h"

#include "tests/t.h"

/* in_child - run fn in a child; its exit status */
static int
in_child(int (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* only_mine - allowed dir writable, the other unreadable */
static int
only_mine(const char *base)
{
	char mine[512], other[512];
	const char *rw[] = {mine, NULL};
	struct buf *why = buf_new(64);
	int fd;

	snprintf(mine, sizeof(mine), "%s/mine", base);
	snprintf(other, sizeof(other), "%s/other/secret", base);
	switch (sandbox_fs(rw, NULL, why)) {
	case 1:
		return 42; /* no Landlock here */
	case -1:
		return 2;
	}
	snprintf(mine, sizeof(mine), "%s/mine/new-file", base);
	if ((fd = open(mine, O_WRONLY | O_CREAT, 0600)) < 0)
		return 3;
	close(fd);
	if (open(other, O_RDONLY) >= 0)
		return 4;
	return 0;
}

/* nothing - no file at all */
static int
nothing(const char *base)
{
	struct buf *why = buf_new(64);

	if (sandbox_fs(NULL, NULL, why) == 1)
		return 42;
	if (open("/etc/passwd", O_RDONLY) >= 0)
		return 4;
	return 0;
}

int
main(void)
{
	char d[512];
	struct buf *why = buf_new(64);
	int r;

	t_begin("only the given tree");
	snprintf(d, sizeof(d), "%s/mine", t_tmpdir());
	T_INTEQ(file_mkdirs(d, 0700, why), 0);
	snprintf(d, sizeof(d), "%s/other", t_tmpdir());
	T_INTEQ(file_mkdirs(d, 0700, why), 0);
	snprintf(d, sizeof(d), "%s/other/secret", t_tmpdir());
	T_INTEQ(file_write_atomic(d, "x", 1, 0600, why), 0);
	r = in_child(only_mine, t_tmpdir());
	T_ASSERT(r == 0 || r == 42);
	t_begin("no file at all");
	r = in_child(nothing, t_tmpdir());
	T_ASSERT(r == 0 || r == 42);
	buf_free(&why);
	return t_end();
}

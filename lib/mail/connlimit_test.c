/*
 * connlimit_test.c - slots across descriptors (as across processes):
 * total and per-client limits, release, and a crash frees its slots.
 */
#include "util/sys_defs.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"

#include "mail/connlimit.h"

#include "tests/t.h"

int
main(void)
{
	struct buf *why = buf_new(64);
	char path[512];
	struct connlimit *a, *b, *c, *d;
	const char *which = NULL;
	pid_t pid;
	int p[2];
	char x;

	snprintf(path, sizeof(path), "%s/conn", t_tmpdir());
	a = connlimit_open(path, why);
	b = connlimit_open(path, why);
	c = connlimit_open(path, why);
	d = connlimit_open(path, why);
	T_ASSERT(a && b && c && d);

	t_begin("per-client limit");
	T_INTEQ(connlimit_take(a, "192.0.2.1", 2, 0, &which, why), 1);
	T_INTEQ(connlimit_take(b, "192.0.2.1", 2, 0, &which, why), 1);
	T_INTEQ(connlimit_take(c, "192.0.2.1", 2, 0, &which, why), 0);
	T_STREQ(which, "client");
	T_INTEQ(connlimit_take(c, "192.0.2.2", 2, 0, &which, why), 1);
	connlimit_release(b);
	T_INTEQ(connlimit_take(d, "192.0.2.1", 2, 0, &which, why), 1);
	connlimit_release(a);
	connlimit_release(c);
	connlimit_release(d);

	t_begin("total limit");
	T_INTEQ(connlimit_take(a, "192.0.2.1", 0, 2, &which, why), 1);
	T_INTEQ(connlimit_take(b, "192.0.2.2", 0, 2, &which, why), 1);
	T_INTEQ(connlimit_take(c, "192.0.2.3", 0, 2, &which, why), 0);
	T_STREQ(which, "total");
	connlimit_release(a);
	T_INTEQ(connlimit_take(c, "192.0.2.3", 0, 2, &which, why), 1);
	connlimit_release(b);
	connlimit_release(c);

	t_begin("over the client limit holds no total slot");
	T_INTEQ(connlimit_take(a, "192.0.2.9", 1, 2, &which, why), 1);
	T_INTEQ(connlimit_take(b, "192.0.2.9", 1, 2, &which, why), 0);
	T_INTEQ(connlimit_take(c, "192.0.2.8", 1, 2, &which, why), 1);
	connlimit_release(a);
	connlimit_release(c);

	t_begin("a dead process frees its slot");
	T_ASSERT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		struct connlimit *e = connlimit_open(path, why);

		connlimit_take(e, "192.0.2.5", 1, 0, &which, why);
		if (write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	T_ASSERT(read(p[0], &x, 1) == 1);
	T_INTEQ(connlimit_take(a, "192.0.2.5", 1, 0, &which, why), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	T_INTEQ(connlimit_take(a, "192.0.2.5", 1, 0, &which, why), 1);

	connlimit_close(&a);
	connlimit_close(&b);
	connlimit_close(&c);
	connlimit_close(&d);
	T_ASSERT(a == NULL);
	buf_free(&why);
	return t_end();
}

/*
 * net_test.c - connecting to a UNIX socket whose listen queue is full
 * fails after the timeout instead of returning a socket that is not
 * connected, and succeeds once the server has drained its queue.
 */
#include "util/sys_defs.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/net.h"

#include "tests/t.h"

int
main(void)
{
	struct buf *why = buf_new(64);
	char dir[] = "/tmp/net_test.XXXXXX", path[64];
	int lfd, fds[8], n = 0, fd;

	T_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sock", dir);
	lfd = net_listen_unix(path, 0600, 1, why);
	T_ASSERT(lfd >= 0);

	t_begin("full listen queue: timed out, not a dead socket");
	/* fill the queue: connections nobody accepts */
	while (
	    n < (int)NELEM(fds) && (fd = net_connect_unix(path, 50, why)) >= 0)
		fds[n++] = fd;
	T_ASSERT(n >= 1 && n < (int)NELEM(fds));
	T_STREQ(buf_cstr(why), "connection timed out (listen queue full)");

	t_begin("the queue drained: connects");
	fd = accept(lfd, NULL, NULL);
	T_ASSERT(fd >= 0);
	close(fd);
	buf_reset(why);
	fd = net_connect_unix(path, 1000, why);
	T_ASSERT(fd >= 0);
	T_INTEQ((int)write(fd, "x", 1), 1);
	close(fd);

	while (n > 0)
		close(fds[--n]);
	close(lfd);
	unlink(path);
	rmdir(dir);
	buf_free(&why);
	return t_end();
}

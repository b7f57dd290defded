/*
 * queue_trigger_test.c - the bytes each trigger puts on the socket, with a
 * listening socket standing in for the queue manager's; and the refusals.
 */
#include "util/sys_defs.h"

#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/net.h"

#include "mail/queue_file.h"
#include "mail/queue_trigger.h"

#include "tests/t.h"

/* take - accept one connection and read all it sent */
static void
take(int lfd, struct buf *out)
{
	char tmp[512];
	ssize_t n;
	int fd;

	buf_reset(out);
	if ((fd = net_accept(lfd, NULL, NULL)) < 0)
		return;
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_cat(out, tmp, (size_t)n);
	close(fd);
}

int
main(void)
{
	const char *qdir = t_tmpdir();
	struct buf *path = buf_new(128), *why = buf_new(128);
	struct buf *got = buf_new(128);
	int lfd;

	t_begin("no socket");
	T_ASSERT(queue_trigger_flush(qdir, NULL, why) < 0);
	T_ASSERT(strstr(buf_cstr(why), "no queue manager socket") != NULL);

	buf_printf(path, "%s/private", qdir);
	T_ASSERT(mkdir(buf_cstr(path), 0700) == 0);
	buf_cats(path, "/qmgr");
	lfd = net_listen_unix(buf_cstr(path), 0600, 16, why);
	T_ASSERT(lfd >= 0);

	t_begin("wake");
	queue_wake(qdir);
	take(lfd, got);
	T_STREQ(buf_cstr(got), "W");

	t_begin("flush all");
	T_ASSERT(queue_trigger_flush(qdir, NULL, why) == 0);
	take(lfd, got);
	T_STREQ(buf_cstr(got), "F");
	T_ASSERT(queue_trigger_flush(qdir, "", why) == 0);
	take(lfd, got);
	T_STREQ(buf_cstr(got), "F");

	t_begin("flush a domain");
	T_ASSERT(queue_trigger_flush(qdir, "example.org", why) == 0);
	take(lfd, got);
	T_STREQ(buf_cstr(got), "Fexample.org\n");

	t_begin("bad domains are not sent");
	T_ASSERT(queue_trigger_flush(qdir, "a\nW", why) < 0);
	T_ASSERT(queue_trigger_flush(qdir, "a b", why) < 0);
	buf_reset(got);
	for (int i = 0; i < 300; i++)
		buf_catc(got, 'a');
	T_ASSERT(queue_trigger_flush(qdir, buf_cstr(got), why) < 0);
	T_ASSERT(strstr(buf_cstr(why), "too long") != NULL);

	close(lfd);
	buf_free(&path);
	buf_free(&why);
	buf_free(&got);
	return t_end();
}

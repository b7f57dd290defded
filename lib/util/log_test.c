/*
 * log_test.c - the file line: host and pid, also from a forked child
 * (the pid is remembered per process, so a child must not log its
 * parent's).
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"

#include "tests/t.h"

/* file_text - the whole file at path, NUL-terminated (static) */
static const char *
file_text(const char *path)
{
	static char text[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);

	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = 0;
	return text;
}

int
main(void)
{
	const char *path;
	char want[128], host[64];
	int fd, status;
	pid_t child;

	t_begin("file line names host and pid");
	path = t_write_file("log", "");
	fd = open(path, O_WRONLY | O_APPEND);
	T_ASSERT(fd >= 0);
	log_init("logtest", LOG_TO_FILE);
	log_use_fd(fd);
	log_info("from the parent");
	gethostname(host, sizeof(host));
	host[sizeof(host) - 1] = 0;
	if (strchr(host, '.'))
		*strchr(host, '.') = 0;
	snprintf(want, sizeof(want),
	    " %s gannet/logtest[%ld]: from the parent\n", host, (long)getpid());
	T_ASSERT(strstr(file_text(path), want) != NULL);

	t_begin("a forked child logs its own pid");
	child = fork();
	if (child == 0) {
		log_info("from the child");
		_exit(0);
	}
	T_ASSERT(child > 0);
	T_ASSERT(waitpid(child, &status, 0) == child);
	snprintf(want, sizeof(want), "gannet/logtest[%ld]: from the child\n",
	    (long)child);
	T_ASSERT(strstr(file_text(path), want) != NULL);
	log_info("parent again");
	snprintf(want, sizeof(want), "gannet/logtest[%ld]: parent again\n",
	    (long)getpid());
	T_ASSERT(strstr(file_text(path), want) != NULL);
	close(fd);
	return t_end();
}

/*
 * master_ctl.c - find the running master and read its status (see
 * master_ctl.h).
 *
 * The pid comes from F_GETLK on the pid file, not from its contents: the
 * kernel knows who holds the lock, and a stale file left by a crash is
 * never mistaken for a running master, whatever pid it names.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fileutil.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/strutil.h"

#include "mail/master_ctl.h"
#include "mail/params.h"

#define MASTER_CTL_STATUS_MAX (1024 * 1024)

/* master_ctl_path - a path under queue_directory */
void
master_ctl_path(const char *name, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s", var_queue_dir, name);
}

/* master_ctl_file_pid - the pid written in the file, or 0 */
static pid_t
master_ctl_file_pid(int fd)
{
	char text[32];
	ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	text[n] = 0;
	if (str_parse_long(str_trim(text), 1, INT32_MAX, &pid) < 0)
		return 0;
	return (pid_t)pid;
}

/* master_ctl_pid - who holds the lock */
pid_t
master_ctl_pid(pid_t *stale_out, struct buf *why)
{
	struct buf *path = buf_new(256);
	struct flock fl;
	int fd;

	if (stale_out)
		*stale_out = 0;
	master_ctl_path(MASTER_PID_FILE, path);
	fd = open(buf_cstr(path), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT) {
			buf_free(&path);
			return 0;
		}
		buf_printf(why, "open %s: %s", buf_cstr(path), strerror(errno));
		buf_free(&path);
		return -1;
	}
	/* A read lock conflicts with the master's write lock. */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) < 0) {
		buf_printf(
		    why, "lock test %s: %s", buf_cstr(path), strerror(errno));
		close(fd);
		buf_free(&path);
		return -1;
	}
	buf_free(&path);
	if (fl.l_type == F_UNLCK) {
		if (stale_out)
			*stale_out = master_ctl_file_pid(fd);
		close(fd);
		return 0;
	}
	/* l_pid is 0 when the holder is in another pid namespace. */
	if (fl.l_pid <= 0)
		fl.l_pid = master_ctl_file_pid(fd);
	close(fd);
	if (fl.l_pid <= 0) {
		buf_printf(why, "a master runs, but its pid is unknown");
		return -1;
	}
	return fl.l_pid;
}

/* master_ctl_status - connect, read until the master closes */
int
master_ctl_status(struct buf *out, int timeout_ms, struct buf *why)
{
	struct buf *path = buf_new(256);
	struct stream *s;
	char chunk[4096];
	ssize_t n;
	int fd;

	buf_reset(out);
	master_ctl_path(MASTER_CTL_SOCKET, path);
	fd = net_connect_unix(buf_cstr(path), timeout_ms, why);
	buf_free(&path);
	if (fd < 0)
		return -1;
	s = stream_open(fd);
	stream_set_timeout_ms(s, timeout_ms);
	stream_deadline_start(s, (timeout_ms + 999) / 1000, 0);
	while ((n = stream_read(s, chunk, sizeof(chunk))) > 0) {
		if (buf_len(out) + (size_t)n > MASTER_CTL_STATUS_MAX) {
			buf_printf(why, "status from the master is too long");
			stream_close(&s);
			return -1;
		}
		buf_cat(out, chunk, (size_t)n);
	}
	if (stream_status(s) != STREAM_EOF) {
		buf_printf(why, "reading status from the master: %s",
		    stream_strerror(s));
		stream_close(&s);
		return -1;
	}
	stream_close(&s);
	return 0;
}

/* master_ctl_value - the value of a keyword line */
const char *
master_ctl_value(const char *text, const char *keyword, struct buf *out)
{
	size_t klen = strlen(keyword);

	buf_reset(out);
	for (const char *p = text; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > klen && strncmp(p, keyword, klen) == 0
		    && p[klen] == ' ') {
			buf_cat(out, p + klen + 1, n - klen - 1);
			return buf_cstr(out);
		}
		p = nl ? nl + 1 : NULL;
	}
	return NULL;
}

/* master_ctl_key - key=value in a line of words */
const char *
master_ctl_key(const char *line, const char *key, struct buf *out)
{
	size_t klen = strlen(key);

	buf_reset(out);
	for (const char *p = line; *p;) {
		size_t n = strcspn(p, " \n");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			buf_cat(out, p + klen + 1, n - klen - 1);
			return buf_cstr(out);
		}
		p += n;
		if (*p == '\n')
			break;
		p += strspn(p, " ");
	}
	return NULL;
}

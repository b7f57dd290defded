/*
 * fileutil.c - durable file operations (see fileutil.h).
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"

/* file_read - read a whole file */
int
file_read(const char *path, size_t max, struct buf *out, struct buf *why)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *p;
	ssize_t n;

	buf_reset(out);
	if (fd < 0) {
		int e = errno;

		buf_printf(why, "open %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	for (;;) {
		if ((p = buf_reserve(out, 65536)) == NULL) {
			buf_printf(why, "%s: file too large", path);
			close(fd);
			errno = EFBIG;
			return -1;
		}
		n = read(fd, p, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			buf_printf(why, "read %s: %s", path, strerror(e));
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		buf_commit(out, (size_t)n);
		if (buf_len(out) > max) {
			buf_printf(why, "%s: file too large (over %zu bytes)",
			    path, max);
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* file_write_all - write everything */
int
file_write_all(int fd, const void *p, size_t n)
{
	const char *cp = p;

	while (n > 0) {
		ssize_t w = write(fd, cp, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		cp += w;
		n -= (size_t)w;
	}
	return 0;
}

/* file_fsync_dir - fsync a directory */
int
file_fsync_dir(const char *path)
{
	struct buf *dir = buf_new(128);
	int fd, ret;

	if (file_is_dir(path))
		buf_sets(dir, path);
	else
		file_dirname(path, dir);
	fd = open(buf_cstr(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	buf_free(&dir);
	if (fd < 0)
		return -1;
	ret = fsync(fd);
	close(fd);
	return ret;
}

/* file_write_atomic - temp, fsync, rename, fsync dir */
int
file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
    struct buf *why)
{
	struct buf *tmp = buf_new(128);
	int fd, e;

	buf_printf(tmp, "%s.tmp.%ld", path, (long)getpid());
	fd =
	    open(buf_cstr(tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		e = errno;
		buf_printf(why, "create %s: %s", buf_cstr(tmp), strerror(e));
		goto fail;
	}
	if (fchmod(fd, mode) < 0 || file_write_all(fd, data, len) < 0
	    || fsync(fd) < 0) {
		e = errno;
		buf_printf(why, "write %s: %s", buf_cstr(tmp), strerror(e));
		close(fd);
		(void)unlink(buf_cstr(tmp));
		goto fail;
	}
	if (close(fd) < 0 || rename(buf_cstr(tmp), path) < 0) {
		e = errno;
		buf_printf(why, "rename %s: %s", path, strerror(e));
		(void)unlink(buf_cstr(tmp));
		goto fail;
	}
	buf_free(&tmp);
	if (file_fsync_dir(path) < 0) {
		e = errno;
		buf_printf(why, "fsync directory of %s: %s", path, strerror(e));
		errno = e;
		return -1;
	}
	return 0;
fail:
	buf_free(&tmp);
	errno = e;
	return -1;
}

/* file_mkdirs - create a directory and its parents */
int
file_mkdirs(const char *path, mode_t mode, struct buf *why)
{
	struct buf *p = buf_new(strlen(path) + 1);
	char *s;

	buf_sets(p, path);
	s = buf_data(p);
	for (char *q = s + 1;; q++) {
		if (*q == '/' || *q == 0) {
			char c = *q;

			*q = 0;
			if (mkdir(s, mode) < 0 && errno != EEXIST) {
				int e = errno;

				buf_printf(why, "mkdir %s: %s", s, strerror(e));
				buf_free(&p);
				errno = e;
				return -1;
			}
			*q = c;
			if (c == 0)
				break;
		}
	}
	buf_free(&p);
	if (!file_is_dir(path)) {
		buf_printf(why, "%s: not a directory", path);
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

/* file_exists - anything at path */
bool
file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* file_is_dir - a directory at path */
bool
file_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* file_lock - exclusive POSIX lock on the whole file */
int
file_lock(int fd, bool wait)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	while (fcntl(fd, wait ? F_SETLKW : F_SETLK, &fl) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return 0;
}

/* file_dirname - directory part */
void
file_dirname(const char *path, struct buf *out)
{
	const char *slash = strrchr(path, '/');

	buf_reset(out);
	if (slash == NULL)
		buf_cats(out, ".");
	else if (slash == path)
		buf_cats(out, "/");
	else
		buf_cat(out, path, (size_t)(slash - path));
}

/*
 * master_pid.c - the pid file that makes one master per instance, and
 * the directories under queue_directory that the master itself uses.
 *
 * The master keeps an exclusive fcntl() lock on pid/master.pid while it
 * runs. A second master fails to take it and says who holds it; a file
 * left by a crash has no lock and is simply taken over. pid/ belongs to
 * the master's own user and nobody else may write in it: a compromised
 * daemon (mail_owner owns the rest of the queue) must not be able to
 * plant a link there that the master, as root, would then write through.
 * The file is opened without following links and refused unless it is a
 * plain file of ours with one link.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"

#include "mail/master_ctl.h"
#include "mail/params.h"

#include "master.h"

/* master_dir_fix - a directory with owner and mode, made so if needed */
static int
master_dir_fix(
    const char *name, uid_t uid, gid_t gid, mode_t mode, struct buf *why)
{
	struct buf *path = buf_new(256);
	struct stat st;
	int fd;

	buf_printf(path, "%s/%s", var_queue_dir, name);
	if (mkdir(buf_cstr(path), mode) < 0 && errno != EEXIST) {
		buf_printf(
		    why, "mkdir %s: %s", buf_cstr(path), strerror(errno));
		buf_free(&path);
		return -1;
	}
	fd = open(
	    buf_cstr(path), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		buf_printf(why, "open %s: %s (it must be a directory)",
		    buf_cstr(path), strerror(errno));
		if (fd >= 0)
			close(fd);
		buf_free(&path);
		return -1;
	}
	if ((st.st_uid != uid || st.st_gid != gid) && geteuid() == 0) {
		log_warn("%s: owned by uid %lu, should be %lu: fixed",
		    buf_cstr(path), (unsigned long)st.st_uid,
		    (unsigned long)uid);
		if (fchown(fd, uid, gid) < 0) {
			buf_printf(why, "chown %s: %s", buf_cstr(path),
			    strerror(errno));
			goto fail;
		}
	}
	if ((st.st_mode & 07777) != mode) {
		if (fchmod(fd, mode) < 0) {
			buf_printf(why, "chmod %s: %s", buf_cstr(path),
			    strerror(errno));
			goto fail;
		}
	}
	close(fd);
	buf_free(&path);
	return 0;
fail:
	close(fd);
	buf_free(&path);
	return -1;
}

/* master_dirs_prepare - private/, public/, pid/ */
int
master_dirs_prepare(struct buf *why)
{
	uid_t uid;
	gid_t gid;

	if (!file_is_dir(var_queue_dir)) {
		buf_printf(why,
		    "queue_directory %s: not a directory (gannet init "
		    "creates it)",
		    var_queue_dir);
		return -1;
	}
	master_listen_owner(&uid, &gid);
	if (master_dir_fix("private", uid, gid, 0700, why) < 0
	    || master_dir_fix("public", uid, gid, 0755, why) < 0
	    || master_dir_fix("pid", geteuid(), getegid(), 0755, why) < 0)
		return -1;
	return 0;
}

/* master_pid_lock - create, check and lock the pid file */
int
master_pid_lock(struct buf *why)
{
	struct buf *path = buf_new(256);
	char text[32];
	struct stat st;
	int fd, n;

	master_ctl_path(MASTER_PID_FILE, path);
	fd = open(
	    buf_cstr(path), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		buf_printf(why, "open %s: %s", buf_cstr(path), strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1
	    || st.st_uid != geteuid()) {
		buf_printf(why,
		    "%s: not a plain file of uid %lu with one link; "
		    "remove it",
		    buf_cstr(path), (unsigned long)geteuid());
		goto fail;
	}
	if (file_lock(fd, false) < 0) {
		int err = errno;
		pid_t pid = master_ctl_pid(NULL, why);

		errno = err;
		if (err == EAGAIN || err == EACCES)
			buf_printf(why,
			    "the mail system is already running (master "
			    "pid %ld)",
			    (long)pid);
		else
			buf_printf(why, "lock %s: %s", buf_cstr(path),
			    strerror(errno));
		goto fail;
	}
	n = snprintf(text, sizeof(text), "%10ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, text, (size_t)n, 0) != n) {
		buf_printf(
		    why, "write %s: %s", buf_cstr(path), strerror(errno));
		goto fail;
	}
	master.pid_fd = fd;
	buf_free(&path);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	buf_free(&path);
	return -1;
}

/* master_pid_remove - at a clean exit; the lock goes with the process */
void
master_pid_remove(void)
{
	struct buf *path = buf_new(256);

	if (master.pid_fd >= 0) {
		master_ctl_path(MASTER_PID_FILE, path);
		(void)unlink(buf_cstr(path));
	}
	buf_free(&path);
}

/*
 * sandbox.c - Landlock file system rules (see sandbox.h). The rights a
 * kernel knows depend on its Landlock ABI version; we handle every right
 * the running kernel knows, so that nothing is left allowed by omission.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/buf.h"

#include "mail/sandbox.h"

/* The rights of ABI 1 to 3 (older headers may lack the later ones). */
#define SB_FS_ABI1      ((1ULL << 13) - 1) /* EXECUTE .. MAKE_SYM */
#define SB_FS_REFER     (1ULL << 13)       /* ABI 2 */
#define SB_FS_TRUNCATE  (1ULL << 14)       /* ABI 3 */
#define SB_FS_IOCTL_DEV (1ULL << 15)       /* ABI 5 */

#define SB_READ ((1ULL << 2) /* READ_FILE */ | (1ULL << 3) /* READ_DIR */)

/* sb_rule - allow rights beneath path */
static int
sb_rule(int rfd, const char *path, unsigned long long rights, bool must,
    struct buf *why)
{
	struct landlock_path_beneath_attr pb = {.allowed_access = rights};
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0) {
		if (!must && errno == ENOENT)
			return 0;
		buf_printf(why, "sandbox: open %s: %s", path, strerror(errno));
		return -1;
	}
	pb.parent_fd = fd;
	if (syscall(
	        SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0)
	    < 0) {
		/* a file (not a directory) cannot take directory rights */
		pb.allowed_access &= ~(unsigned long long)((1ULL << 3)
		    | (1ULL << 4) | (((1ULL << 13) - 1) & ~((1ULL << 6) - 1))
		    | SB_FS_REFER);
		if (syscall(SYS_landlock_add_rule, rfd,
		        LANDLOCK_RULE_PATH_BENEATH, &pb, 0)
		    < 0) {
			buf_printf(why, "sandbox: rule for %s: %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	}
	close(fd);
	return 0;
}

/* sandbox_fs - the ruleset */
int
sandbox_fs(const char *const *rw, const char *const *ro, struct buf *why)
{
	struct landlock_ruleset_attr attr = {0};
	unsigned long long all, rwrights;
	long abi;
	int rfd, ret = -1;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0,
	    LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1)
		return 1;
	all = SB_FS_ABI1;
	if (abi >= 2)
		all |= SB_FS_REFER;
	if (abi >= 3)
		all |= SB_FS_TRUNCATE;
	if (abi >= 5)
		all |= SB_FS_IOCTL_DEV;
	attr.handled_access_fs = all;
	/* everything but execute and device nodes */
	rwrights = all
	    & ~(1ULL /* EXECUTE */ | (1ULL << 6) /* MAKE_CHAR */
	        | (1ULL << 11) /* MAKE_BLOCK */ | SB_FS_IOCTL_DEV);
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (rfd < 0) {
		buf_printf(why, "sandbox: create ruleset: %s", strerror(errno));
		return -1;
	}
	for (size_t i = 0; rw && rw[i]; i++)
		if (sb_rule(rfd, rw[i], rwrights, true, why) < 0)
			goto out;
	for (size_t i = 0; ro && ro[i]; i++)
		if (sb_rule(rfd, ro[i], SB_READ, false, why) < 0)
			goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0
	    || syscall(SYS_landlock_restrict_self, rfd, 0) < 0) {
		buf_printf(why, "sandbox: restrict: %s", strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(rfd);
	return ret;
}

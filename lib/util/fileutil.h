/*
 * fileutil.h - durable file operations: read a whole file, write a file
 * atomically (temporary name, fsync, rename, fsync of the directory),
 * create directory trees, lock files.
 */
#ifndef UTIL_FILEUTIL_H
#define UTIL_FILEUTIL_H
#include <sys/types.h>

#include "util/sys_defs.h"

struct buf;

/* file_read - whole file into out (reset first), at most max bytes;
 * 0, or -1 with why (errno kept) */
int file_read(const char *path, size_t max, struct buf *out, struct buf *why);
/* file_write_atomic - replace path with data: write path.tmp.<pid>, fsync,
 * rename, fsync the directory. mode applies to the new file. */
int file_write_atomic(const char *path, const void *data, size_t len,
    mode_t mode, struct buf *why);
/* file_fsync_dir - fsync the directory that holds path (or path itself
 * when it is a directory) */
int file_fsync_dir(const char *path);
/* file_mkdirs - mkdir -p with mode for the directories it creates */
int file_mkdirs(const char *path, mode_t mode, struct buf *why);
/* file_exists - path exists (any type) */
bool file_exists(const char *path);
bool file_is_dir(const char *path);
/* file_lock - exclusive lock on fd (F_SETLK/F_SETLKW); 0 or -1 */
int file_lock(int fd, bool wait);
/* file_dirname - the directory part of path, into out */
void file_dirname(const char *path, struct buf *out);
/* file_write_all - write all of p to a descriptor (files and pipes) */
int file_write_all(int fd, const void *p, size_t n);

#endif /* UTIL_FILEUTIL_H */

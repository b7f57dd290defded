/*
 * maildir.c - the Maildir++ mail store (see maildir.h).
 *
 * Everything here is plain POSIX file handling; the rules it follows are
 * D. J. Bernstein's maildir(5) for delivery (tmp/, fsync, link into new/)
 * and Sam Varshavchik's Maildir++ for folders and the maildirsize quota
 * file, in the form Courier and Dovecot read and write them, so that a
 * store can be shared with or moved between those servers.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/maildir.h"

#define MAILDIR_SIZE_FILE     "maildirsize"
#define MAILDIR_SIZE_MAX      5120 /* Maildir++: recompute past this */
#define MAILDIR_KEYWORDS_FILE "dovecot-keywords"
#define MAILDIR_DIR_MODE      0700
#define MAILDIR_FILE_MODE     0600

/* maildir_errno - append "what path: strerror" to why, keep errno */
static int
maildir_errno(struct buf *why, const char *what, const char *path)
{
	int e = errno;

	if (why)
		buf_printf(why, "%s %s: %s", what, path, strerror(e));
	errno = e;
	return -1;
}

/* maildir_write_atomic - file_write_atomic, why may be NULL */
static int
maildir_write_atomic(
    const char *path, const void *data, size_t len, struct buf *why)
{
	struct buf *w = why ? why : buf_new(64);
	int ret = file_write_atomic(path, data, len, MAILDIR_FILE_MODE, w);

	if (w != why)
		buf_free(&w);
	return ret;
}

/* maildir_strcmp - qsort comparator for string vectors */
static int
maildir_strcmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ------------------------------------------------------------------ */
/* Layout */

/* maildir_is_inbox - "" or INBOX */
bool
maildir_is_inbox(const char *folder)
{
	return folder == NULL || *folder == 0 || str_eq_ci(folder, "INBOX");
}

/* maildir_folder_valid - a safe on-disk name */
bool
maildir_folder_valid(const char *folder, struct buf *why)
{
	size_t len = strlen(folder);
	const char *what = NULL;

	if (len == 0)
		what = "empty folder name";
	else if (len > MAILDIR_FOLDER_MAX)
		what = "folder name too long";
	else if (folder[0] == '.' || folder[len - 1] == '.')
		what = "folder name begins or ends with the delimiter";
	else if (strstr(folder, "..") != NULL)
		what = "empty level in folder name";
	else {
		for (const unsigned char *p = (const unsigned char *)folder; *p;
		     p++) {
			if (*p < 0x20 || *p == 0x7f || *p == '/') {
				what = "folder name holds a character that "
				       "is not allowed";
				break;
			}
		}
	}
	if (what == NULL)
		return true;
	if (why)
		buf_cats(why, what);
	return false;
}

/* maildir_folder_dir - root or root/.folder */
int
maildir_folder_dir(
    const char *root, const char *folder, struct buf *out, struct buf *why)
{
	buf_reset(out);
	if (maildir_is_inbox(folder)) {
		buf_cats(out, root);
		return 0;
	}
	if (!maildir_folder_valid(folder, why))
		return -1;
	buf_printf(out, "%s/.%s", root, folder);
	return 0;
}

/* maildir_rmtree_one - nftw callback: remove one entry */
static int
maildir_rmtree_one(
    const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	if (remove(path) < 0 && errno != ENOENT)
		log_warn("remove %s: %m", path);
	return 0;
}

/* maildir_rmtree - remove a directory and everything in it */
static int
maildir_rmtree(const char *path)
{
	return nftw(path, maildir_rmtree_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* maildir_mkdir - mkdir that accepts an existing directory */
static int
maildir_mkdir(const char *path, struct buf *why)
{
	if (mkdir(path, MAILDIR_DIR_MODE) == 0 || errno == EEXIST)
		return 0;
	return maildir_errno(why, "mkdir", path);
}

/* maildir_make - dir with cur/ new/ tmp/ */
int
maildir_make(const char *dir, bool is_folder, struct buf *why)
{
	struct buf *p = buf_new(256);
	static const char *const subs[] = {"tmp", "new", "cur"};
	int ret = 0;

	if (maildir_mkdir(dir, why) < 0)
		ret = -1;
	for (size_t i = 0; ret == 0 && i < NELEM(subs); i++) {
		buf_reset(p);
		buf_printf(p, "%s/%s", dir, subs[i]);
		ret = maildir_mkdir(buf_cstr(p), why);
	}
	if (ret == 0 && is_folder) {
		int fd;

		buf_reset(p);
		buf_printf(p, "%s/maildirfolder", dir);
		fd = open(buf_cstr(p), O_WRONLY | O_CREAT | O_CLOEXEC,
		    MAILDIR_FILE_MODE);
		if (fd < 0)
			ret = maildir_errno(why, "create", buf_cstr(p));
		else
			close(fd);
	}
	if (ret == 0 && file_fsync_dir(dir) < 0)
		ret = maildir_errno(why, "fsync", dir);
	buf_free(&p);
	return ret;
}

/* maildir_exists - cur/ new/ tmp/ are there */
bool
maildir_exists(const char *dir)
{
	struct buf *p = buf_new(256);
	bool ok = true;
	static const char *const subs[] = {"cur", "new", "tmp"};

	for (size_t i = 0; ok && i < NELEM(subs); i++) {
		buf_reset(p);
		buf_printf(p, "%s/%s", dir, subs[i]);
		ok = file_is_dir(buf_cstr(p));
	}
	buf_free(&p);
	return ok;
}

/* maildir_folder_create - a new folder */
int
maildir_folder_create(const char *root, const char *folder, struct buf *why)
{
	struct buf *dir = buf_new(256), *tmpdir = buf_new(256);
	int ret = -1;

	if (maildir_is_inbox(folder)) {
		errno = EEXIST;
		if (why)
			buf_cats(why, "INBOX always exists");
		goto out;
	}
	if (maildir_folder_dir(root, folder, dir, why) < 0) {
		errno = EINVAL;
		goto out;
	}
	/* Build it under tmp/ and rename it into place, so that no other
	 * process ever sees a folder without cur/ new/ tmp/. */
	buf_printf(tmpdir, "%s/tmp/", root);
	maildir_unique(tmpdir);
	buf_cats(tmpdir, ".folder");
	if (maildir_make(buf_cstr(tmpdir), true, why) < 0)
		goto out;
	if (rename(buf_cstr(tmpdir), buf_cstr(dir)) < 0) {
		int e = errno;

		(void)maildir_rmtree(buf_cstr(tmpdir));
		errno = (e == ENOTEMPTY) ? EEXIST : e;
		maildir_errno(why, "create folder", buf_cstr(dir));
		goto out;
	}
	if (file_fsync_dir(root) < 0) {
		maildir_errno(why, "fsync", root);
		goto out;
	}
	ret = 0;
out:
	buf_free(&dir);
	buf_free(&tmpdir);
	return ret;
}

/* maildir_folder_list - every .Folder under root */
int
maildir_folder_list(const char *root, struct strv *out, struct buf *why)
{
	DIR *d = opendir(root);
	struct dirent *de;
	struct buf *p = buf_new(256);
	struct strv names;

	if (d == NULL)
		return maildir_errno(why, "open directory", root);
	strv_init(&names);
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;

		if (n[0] != '.' || n[1] == 0 || (n[1] == '.' && n[2] == 0))
			continue;
		if (!maildir_folder_valid(n + 1, NULL))
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		buf_reset(p);
		buf_printf(p, "%s/%s", root, n);
		if (!maildir_exists(buf_cstr(p)))
			continue;
		strv_push(&names, n + 1);
	}
	closedir(d);
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(char *), maildir_strcmp);
	for (size_t i = 0; i < names.n; i++)
		strv_push(out, names.v[i]);
	strv_free(&names);
	buf_free(&p);
	return 0;
}

/* maildir_folder_rename - the folder and its children */
int
maildir_folder_rename(
    const char *root, const char *folder, const char *newname, struct buf *why)
{
	struct strv all, from, to;
	struct buf *a = buf_new(256), *b = buf_new(256);
	size_t flen = strlen(folder), nlen = strlen(newname);
	int ret = -1;

	strv_init(&all);
	strv_init(&from);
	strv_init(&to);
	if (maildir_is_inbox(folder) || maildir_is_inbox(newname)) {
		errno = EINVAL;
		if (why)
			buf_cats(why, "cannot rename INBOX as a folder");
		goto out;
	}
	if (!maildir_folder_valid(folder, why)
	    || !maildir_folder_valid(newname, why)) {
		errno = EINVAL;
		goto out;
	}
	if (strcmp(folder, newname) == 0
	    || (nlen > flen && strncmp(newname, folder, flen) == 0
	        && newname[flen] == '.')) {
		errno = EINVAL;
		if (why)
			buf_cats(why, "cannot rename a folder into itself");
		goto out;
	}
	if (maildir_folder_list(root, &all, why) < 0)
		goto out;
	for (size_t i = 0; i < all.n; i++) {
		const char *n = all.v[i];

		if (strcmp(n, folder) != 0
		    && !(strncmp(n, folder, flen) == 0 && n[flen] == '.'))
			continue;
		buf_reset(b);
		buf_printf(b, "%s%s", newname, n + flen);
		if (!maildir_folder_valid(buf_cstr(b), why)) {
			errno = EINVAL;
			goto out;
		}
		strv_push(&from, n);
		strv_push(&to, buf_cstr(b));
	}
	if (from.n == 0 || strcmp(from.v[0], folder) != 0) {
		errno = ENOENT;
		if (why)
			buf_printf(why, "folder %s does not exist", folder);
		goto out;
	}
	for (size_t i = 0; i < to.n; i++) {
		maildir_folder_dir(root, to.v[i], b, NULL);
		if (file_exists(buf_cstr(b))) {
			errno = EEXIST;
			if (why)
				buf_printf(why, "folder %s exists", to.v[i]);
			goto out;
		}
	}
	for (size_t i = 0; i < from.n; i++) {
		maildir_folder_dir(root, from.v[i], a, NULL);
		maildir_folder_dir(root, to.v[i], b, NULL);
		if (rename(buf_cstr(a), buf_cstr(b)) < 0) {
			maildir_errno(why, "rename", buf_cstr(a));
			goto out;
		}
	}
	if (file_fsync_dir(root) < 0) {
		maildir_errno(why, "fsync", root);
		goto out;
	}
	ret = 0;
out:
	strv_free(&all);
	strv_free(&from);
	strv_free(&to);
	buf_free(&a);
	buf_free(&b);
	return ret;
}

/* maildir_folder_delete - one folder with its messages */
int
maildir_folder_delete(const char *root, const char *folder, struct buf *why)
{
	struct buf *dir = buf_new(256), *gone = buf_new(256);
	int ret = -1;

	if (maildir_is_inbox(folder)) {
		errno = EINVAL;
		if (why)
			buf_cats(why, "cannot delete INBOX");
		goto out;
	}
	if (maildir_folder_dir(root, folder, dir, why) < 0) {
		errno = EINVAL;
		goto out;
	}
	buf_printf(gone, "%s/tmp/", root);
	maildir_unique(gone);
	buf_cats(gone, ".deleted");
	if (rename(buf_cstr(dir), buf_cstr(gone)) < 0) {
		maildir_errno(why, "delete folder", buf_cstr(dir));
		goto out;
	}
	(void)file_fsync_dir(root);
	if (maildir_rmtree(buf_cstr(gone)) < 0)
		log_warn("remove %s: %m", buf_cstr(gone));
	ret = 0;
out:
	buf_free(&dir);
	buf_free(&gone);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Message file names */

/* maildir_parse_num - digits at p into *out; returns the end or NULL */
static const char *
maildir_parse_num(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9') {
		if (v > (UINT64_MAX - 9) / 10)
			return NULL;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (p == s)
		return NULL;
	*out = v;
	return p;
}

/* maildir_name_parse - base, S=, W=, flags */
bool
maildir_name_parse(const char *name, struct maildir_name *out)
{
	size_t len = strlen(name);
	const char *colon, *end, *p;

	memset(out, 0, sizeof(*out));
	if (len == 0 || len > MAILDIR_NAME_MAX || name[0] == '.'
	    || strchr(name, '/') != NULL)
		return false;
	colon = strchr(name, ':');
	end = colon ? colon : name + len;
	out->base_len = (size_t)(end - name);
	if (out->base_len == 0)
		return false;
	/* ",S=123" and ",W=456" anywhere in the base (Courier, Dovecot) */
	for (p = name; p < end; p++) {
		uint64_t v;
		const char *q;

		if (*p != ',' || p + 3 > end || p[2] != '=')
			continue;
		if (p[1] != 'S' && p[1] != 'W')
			continue;
		q = maildir_parse_num(p + 3, end, &v);
		if (q == NULL || (q < end && *q != ','))
			continue;
		if (p[1] == 'S') {
			out->size = v;
			out->has_size = true;
		} else {
			out->vsize = v;
			out->has_vsize = true;
		}
	}
	if (colon && colon[1] == '2' && colon[2] == ',') {
		out->has_info = true;
		for (p = colon + 3; *p; p++) {
			if (*p >= 'A' && *p <= 'Z')
				out->flags |= MAILDIR_FLAG(*p);
			else if (*p >= 'a' && *p <= 'z')
				out->keywords |= MAILDIR_KEYWORD(*p - 'a');
		}
	}
	return true;
}

/* maildir_flags_str - flag letters in ASCII order */
void
maildir_flags_str(uint32_t flags, uint32_t keywords, struct buf *out)
{
	buf_reset(out);
	for (int i = 0; i < 26; i++)
		if (flags & (UINT32_C(1) << i))
			buf_catc(out, 'A' + i);
	for (int i = 0; i < 26; i++)
		if (keywords & (UINT32_C(1) << i))
			buf_catc(out, 'a' + i);
}

/* maildir_name_build - base:2,flags */
void
maildir_name_build(const char *base, size_t base_len, uint32_t flags,
    uint32_t keywords, struct buf *out)
{
	buf_reset(out);
	buf_cat(out, base, base_len);
	buf_cats(out, ":2,");
	for (int i = 0; i < 26; i++)
		if (flags & (UINT32_C(1) << i))
			buf_catc(out, 'A' + i);
	for (int i = 0; i < 26; i++)
		if (keywords & (UINT32_C(1) << i))
			buf_catc(out, 'a' + i);
}

/* maildir_hostname - this host's name with '/' and ':' escaped as octal,
 * as Courier and Dovecot do, so that it fits in a file name */
static const char *
maildir_hostname(void)
{
	static char host[128];
	char raw[64];
	size_t o = 0;

	if (host[0])
		return host;
	if (gethostname(raw, sizeof(raw)) < 0)
		snprintf(raw, sizeof(raw), "localhost");
	raw[sizeof(raw) - 1] = 0;
	for (const char *p = raw; *p && o + 5 < sizeof(host); p++) {
		if (*p == '/' || *p == ':' || *p == ',' || *p == ' ') {
			snprintf(host + o, sizeof(host) - o, "\\%03o",
			    (unsigned char)*p);
			o += 4;
		} else
			host[o++] = *p;
	}
	host[o] = 0;
	return host;
}

/* maildir_unique - "<sec>.M<usec>P<pid>Q<n>.<host>" appended to out */
void
maildir_unique(struct buf *out)
{
	static unsigned long counter;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	buf_printf(out, "%lld.M%ldP%ldQ%lu.%s", (long long)tv.tv_sec,
	    (long)tv.tv_usec, (long)getpid(), ++counter, maildir_hostname());
}

/* ------------------------------------------------------------------ */
/* Listing */

/* maildir_list_sub - one of new/ and cur/ */
static int
maildir_list_sub(
    const char *dir, bool in_new, struct maildir_listing *out, struct buf *why)
{
	struct buf *p = buf_new(256);
	struct dirent *de;
	DIR *d;

	buf_printf(p, "%s/%s", dir, in_new ? "new" : "cur");
	if ((d = opendir(buf_cstr(p))) == NULL) {
		maildir_errno(why, "open directory", buf_cstr(p));
		buf_free(&p);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (out->n == out->alloc) {
			out->alloc = out->alloc ? out->alloc * 2 : 64;
			out->v =
			    xreallocarray(out->v, out->alloc, sizeof(*out->v));
		}
		out->v[out->n].name = xstrdup(de->d_name);
		out->v[out->n].in_new = in_new;
		out->n++;
	}
	closedir(d);
	buf_free(&p);
	return 0;
}

/* maildir_list - new/ then cur/ */
int
maildir_list(const char *dir, struct maildir_listing *out, struct buf *why)
{
	if (maildir_list_sub(dir, true, out, why) < 0
	    || maildir_list_sub(dir, false, out, why) < 0)
		return -1;
	return 0;
}

/* maildir_listing_free - free names and the vector */
void
maildir_listing_free(struct maildir_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* maildir_file_path - dir/new|cur/name */
void
maildir_file_path(
    const char *dir, const char *name, bool in_new, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/%s/%s", dir, in_new ? "new" : "cur", name);
}

/* maildir_rename_flags - rename from (in new/ or cur/) to cur/<base:2,..> */
static int
maildir_rename_flags(const char *dir, const char *name, bool in_new,
    uint32_t flags, uint32_t keywords, struct buf *newname_out, struct buf *why)
{
	struct maildir_name mn;
	struct buf *from = buf_new(256), *to = buf_new(256);
	struct buf *nn = buf_new(128);
	int ret = 0;

	if (!maildir_name_parse(name, &mn)) {
		errno = EINVAL;
		if (why)
			buf_printf(why, "bad message file name %s", name);
		ret = -1;
		goto out;
	}
	maildir_name_build(name, mn.base_len, flags, keywords, nn);
	if (newname_out)
		buf_set(newname_out, buf_cstr(nn), buf_len(nn));
	if (!in_new && strcmp(buf_cstr(nn), name) == 0)
		goto out;
	maildir_file_path(dir, name, in_new, from);
	maildir_file_path(dir, buf_cstr(nn), false, to);
	if (rename(buf_cstr(from), buf_cstr(to)) < 0)
		ret = maildir_errno(why, "rename", buf_cstr(from));
out:
	buf_free(&from);
	buf_free(&to);
	buf_free(&nn);
	return ret;
}

/* maildir_move_to_cur - new/ to cur/ */
int
maildir_move_to_cur(const char *dir, const char *name, uint32_t flags,
    uint32_t keywords, struct buf *newname_out, struct buf *why)
{
	return maildir_rename_flags(
	    dir, name, true, flags, keywords, newname_out, why);
}

/* maildir_set_flags - rename within cur/ */
int
maildir_set_flags(const char *dir, const char *name, uint32_t flags,
    uint32_t keywords, struct buf *newname_out, struct buf *why)
{
	return maildir_rename_flags(
	    dir, name, false, flags, keywords, newname_out, why);
}

/* maildir_remove - unlink, gone is fine */
int
maildir_remove(const char *dir, const char *name, bool in_new, struct buf *why)
{
	struct buf *p = buf_new(256);
	int ret = 0;

	maildir_file_path(dir, name, in_new, p);
	if (unlink(buf_cstr(p)) < 0 && errno != ENOENT)
		ret = maildir_errno(why, "unlink", buf_cstr(p));
	buf_free(&p);
	return ret;
}

/* maildir_tmp_clean - stale files in tmp/ */
int
maildir_tmp_clean(const char *dir, time_t max_age)
{
	struct buf *p = buf_new(256);
	struct dirent *de;
	time_t now = time(NULL);
	int count = 0;
	DIR *d;

	buf_printf(p, "%s/tmp", dir);
	if ((d = opendir(buf_cstr(p))) == NULL) {
		buf_free(&p);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		buf_reset(p);
		buf_printf(p, "%s/tmp/%s", dir, de->d_name);
		if (lstat(buf_cstr(p), &st) < 0 || st.st_mtime > now - max_age)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (maildir_rmtree(buf_cstr(p)) == 0)
				count++;
		} else if (unlink(buf_cstr(p)) == 0)
			count++;
	}
	closedir(d);
	buf_free(&p);
	return count;
}

/* ------------------------------------------------------------------ */
/* Quota */

/* maildir_quota_def - the first line of maildirsize for q into out */
static void
maildir_quota_def(const struct maildir_quota *q, struct buf *out)
{
	buf_reset(out);
	if (q->bytes)
		buf_printf(out, "%lluS", (unsigned long long)q->bytes);
	if (q->messages)
		buf_printf(out, "%s%lluC", q->bytes ? "," : "",
		    (unsigned long long)q->messages);
}

/* maildir_quota_none - no limit at all */
static bool
maildir_quota_none(const struct maildir_quota *q)
{
	return q == NULL || (q->bytes == 0 && q->messages == 0);
}

/* maildir_scan_usage - add up one maildir's messages */
static int
maildir_scan_usage(const char *dir, struct maildir_usage *u, struct buf *why)
{
	struct maildir_listing l = {0};
	struct buf *p = buf_new(256);

	if (maildir_list(dir, &l, why) < 0) {
		buf_free(&p);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		struct maildir_name mn;
		struct stat st;

		if (!maildir_name_parse(l.v[i].name, &mn))
			continue;
		if (!mn.has_size) {
			maildir_file_path(dir, l.v[i].name, l.v[i].in_new, p);
			if (stat(buf_cstr(p), &st) < 0)
				continue; /* gone meanwhile */
			mn.size = (uint64_t)st.st_size;
		}
		u->bytes += (int64_t)mn.size;
		u->messages++;
	}
	maildir_listing_free(&l);
	buf_free(&p);
	return 0;
}

/* maildir_quota_recalc - scan INBOX and every folder, rewrite the file */
int
maildir_quota_recalc(const char *root, const struct maildir_quota *q,
    struct maildir_usage *out, struct buf *why)
{
	struct strv folders;
	struct buf *p = buf_new(256), *text = buf_new(128);
	struct maildir_usage u = {0, 0};
	int ret = -1;

	strv_init(&folders);
	if (maildir_scan_usage(root, &u, why) < 0
	    || maildir_folder_list(root, &folders, why) < 0)
		goto out;
	for (size_t i = 0; i < folders.n; i++) {
		maildir_folder_dir(root, folders.v[i], p, NULL);
		if (maildir_scan_usage(buf_cstr(p), &u, NULL) < 0)
			continue; /* deleted meanwhile */
	}
	if (!maildir_quota_none(q)) {
		maildir_quota_def(q, text);
		buf_printf(text, "\n%lld %lld\n", (long long)u.bytes,
		    (long long)u.messages);
		buf_reset(p);
		buf_printf(p, "%s/" MAILDIR_SIZE_FILE, root);
		if (maildir_write_atomic(
		        buf_cstr(p), buf_cstr(text), buf_len(text), why)
		    < 0)
			goto out;
	}
	*out = u;
	ret = 0;
out:
	strv_free(&folders);
	buf_free(&p);
	buf_free(&text);
	return ret;
}

/* maildir_quota_parse - the file's quota line and sum; false when it must
 * be recomputed */
static bool
maildir_quota_parse(const char *text, size_t len, const struct maildir_quota *q,
    struct maildir_usage *u)
{
	struct buf *def = buf_new(64);
	const char *p = text, *end = text + len, *nl;
	bool ok;

	maildir_quota_def(q, def);
	nl = memchr(p, '\n', len);
	ok = nl != NULL && (size_t)(nl - p) == buf_len(def)
	    && memcmp(p, buf_cstr(def), buf_len(def)) == 0;
	buf_free(&def);
	if (!ok)
		return false;
	u->bytes = u->messages = 0;
	for (p = nl + 1; p < end; p = nl + 1) {
		char line[64], *e;
		long long b, c;

		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return false; /* a torn last line */
		if ((size_t)(nl - p) >= sizeof(line))
			return false;
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = 0;
		errno = 0;
		b = strtoll(line, &e, 10);
		if (e == line || *e != ' ' || errno)
			return false;
		c = strtoll(e + 1, &e, 10);
		if (*e != 0 || errno)
			return false;
		u->bytes += b;
		u->messages += c;
	}
	return true;
}

/* maildir_quota_usage - read maildirsize, recompute when needed */
int
maildir_quota_usage(const char *root, const struct maildir_quota *q,
    struct maildir_usage *out, struct buf *why)
{
	struct buf *p = buf_new(256), *text = buf_new(1024);
	struct buf *scratch = buf_new(64);
	struct maildir_quota none = {0, 0};
	struct stat st;
	int ret;

	if (q == NULL)
		q = &none;
	buf_printf(p, "%s/" MAILDIR_SIZE_FILE, root);
	if (!maildir_quota_none(q) && stat(buf_cstr(p), &st) == 0
	    && st.st_size <= MAILDIR_SIZE_MAX
	    && file_read(buf_cstr(p), MAILDIR_SIZE_MAX, text, scratch) == 0
	    && maildir_quota_parse(buf_cstr(text), buf_len(text), q, out)) {
		/* Courier: an over-quota sum older than 15 minutes may be
		 * stale (a message removed by a tool that does not update
		 * the file); look again before refusing mail. */
		if (maildir_quota_allows(q, out, 0, 0)
		    || st.st_mtime > time(NULL) - 15 * 60) {
			ret = 0;
			goto out;
		}
	}
	ret = maildir_quota_recalc(root, q, out, why);
out:
	buf_free(&p);
	buf_free(&text);
	buf_free(&scratch);
	return ret;
}

/* maildir_quota_allows - within both limits after adding */
bool
maildir_quota_allows(const struct maildir_quota *q,
    const struct maildir_usage *u, uint64_t add_bytes, uint64_t add_messages)
{
	int64_t b = u->bytes < 0 ? 0 : u->bytes;
	int64_t m = u->messages < 0 ? 0 : u->messages;

	if (q->bytes && (uint64_t)b + add_bytes > q->bytes)
		return false;
	if (q->messages && (uint64_t)m + add_messages > q->messages)
		return false;
	return true;
}

/* maildir_quota_update - append "bytes messages" */
int
maildir_quota_update(const char *root, const struct maildir_quota *q,
    int64_t bytes, int64_t messages, struct buf *why)
{
	struct buf *p, *line;
	int fd, ret = 0;

	if (maildir_quota_none(q) || (bytes == 0 && messages == 0))
		return 0;
	p = buf_new(256);
	line = buf_new(64);
	buf_printf(p, "%s/" MAILDIR_SIZE_FILE, root);
	buf_printf(line, "%lld %lld\n", (long long)bytes, (long long)messages);
	fd = open(buf_cstr(p), O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0) {
		if (errno != ENOENT)
			ret = maildir_errno(why, "open", buf_cstr(p));
	} else {
		/* one write: O_APPEND keeps concurrent lines whole */
		if (write(fd, buf_cstr(line), buf_len(line))
		    != (ssize_t)buf_len(line))
			ret = maildir_errno(why, "write", buf_cstr(p));
		close(fd);
	}
	buf_free(&p);
	buf_free(&line);
	return ret;
}

/* maildir_quota_check - the built-in check and the caller's hook */
static int
maildir_quota_check(
    const struct maildir_commit *c, uint64_t size, struct buf *why)
{
	if (c == NULL)
		return 0;
	if (c->quota_root && !maildir_quota_none(&c->quota)) {
		struct maildir_usage u;

		if (maildir_quota_usage(c->quota_root, &c->quota, &u, why) < 0)
			return -1;
		if (!maildir_quota_allows(&c->quota, &u, size, 1)) {
			if (why)
				buf_cats(why, "quota exceeded");
			return MAILDIR_OVERQUOTA;
		}
	}
	if (c->quota_check)
		return c->quota_check(c->quota_ctx, size, why);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Delivery */

#define MAILDIR_WBUF 65536

struct maildir_tmp {
	int fd;
	char *dir;
	char *base;     /* unique base, without S=/W= */
	char *tmp_path; /* dir/tmp/base */
	uint64_t size, lines;
	bool pending_cr;
	int err; /* errno of the first failure */
	size_t wlen;
	char wbuf[MAILDIR_WBUF];
};

/* maildir_tmp_create - open dir/tmp/<unique> */
struct maildir_tmp *
maildir_tmp_create(const char *dir, struct buf *why)
{
	struct maildir_tmp *t = xcalloc(1, sizeof(*t));
	struct buf *b = buf_new(128), *p = buf_new(256);

	for (int tries = 0;; tries++) {
		buf_reset(b);
		maildir_unique(b);
		buf_reset(p);
		buf_printf(p, "%s/tmp/%s", dir, buf_cstr(b));
		t->fd = open(buf_cstr(p),
		    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, MAILDIR_FILE_MODE);
		if (t->fd >= 0)
			break;
		if (errno != EEXIST || tries > 10) {
			maildir_errno(why, "create", buf_cstr(p));
			buf_free(&b);
			buf_free(&p);
			free(t);
			return NULL;
		}
	}
	t->dir = xstrdup(dir);
	t->base = buf_steal(b);
	t->tmp_path = buf_steal(p);
	buf_free(&b);
	buf_free(&p);
	return t;
}

/* maildir_tmp_flush - write out the buffer */
static int
maildir_tmp_flush(struct maildir_tmp *t)
{
	if (t->err)
		return -1;
	if (t->wlen && file_write_all(t->fd, t->wbuf, t->wlen) < 0) {
		t->err = errno ? errno : EIO;
		return -1;
	}
	t->wlen = 0;
	return 0;
}

/* maildir_tmp_putc - one byte into the buffer */
static inline int
maildir_tmp_putc(struct maildir_tmp *t, char c)
{
	if (t->wlen == MAILDIR_WBUF && maildir_tmp_flush(t) < 0)
		return -1;
	t->wbuf[t->wlen++] = c;
	t->size++;
	if (c == '\n')
		t->lines++;
	return 0;
}

/* maildir_tmp_write - append, CRLF to LF (a CR at the end of one chunk
 * waits for the next) */
int
maildir_tmp_write(struct maildir_tmp *t, const void *data, size_t n)
{
	const char *p = data;

	if (t->err)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (t->pending_cr) {
			t->pending_cr = false;
			if (p[i] != '\n' && maildir_tmp_putc(t, '\r') < 0)
				return -1;
		}
		if (p[i] == '\r') {
			t->pending_cr = true;
			continue;
		}
		if (maildir_tmp_putc(t, p[i]) < 0)
			return -1;
	}
	return 0;
}

uint64_t
maildir_tmp_size(const struct maildir_tmp *t)
{
	return t->size + (t->pending_cr ? 1 : 0);
}

uint64_t
maildir_tmp_vsize(const struct maildir_tmp *t)
{
	return maildir_tmp_size(t) + t->lines;
}

/* maildir_tmp_free - close, optionally unlink, free */
static void
maildir_tmp_free(struct maildir_tmp **tp, bool unlink_it)
{
	struct maildir_tmp *t = *tp;

	if (t == NULL)
		return;
	if (t->fd >= 0)
		close(t->fd);
	if (unlink_it)
		(void)unlink(t->tmp_path);
	free(t->dir);
	free(t->base);
	free(t->tmp_path);
	free(t);
	*tp = NULL;
}

/* maildir_tmp_abort - give up */
void
maildir_tmp_abort(struct maildir_tmp **tp)
{
	maildir_tmp_free(tp, true);
}

/* maildir_link_into - link (or rename, where the file system refuses
 * links) from into to, then fsync to's directory */
static int
maildir_link_into(const char *from, const char *to, struct buf *why)
{
	if (link(from, to) < 0) {
		if (errno != EPERM && errno != EXDEV && errno != ENOSYS
		    && errno != EMLINK && errno != EOPNOTSUPP)
			return maildir_errno(why, "link", to);
		if (rename(from, to) < 0)
			return maildir_errno(why, "rename", to);
	}
	if (file_fsync_dir(to) < 0)
		return maildir_errno(why, "fsync directory of", to);
	return 0;
}

/* maildir_tmp_commit - the durable part of delivery */
int
maildir_tmp_commit(struct maildir_tmp **tp, const struct maildir_commit *c,
    struct buf *name_out, struct buf *why)
{
	struct maildir_tmp *t = *tp;
	struct buf *name = buf_new(256), *path = buf_new(256);
	struct maildir_commit none;
	int ret = -1, r;

	if (c == NULL) {
		memset(&none, 0, sizeof(none));
		c = &none;
	}
	if (t->pending_cr) {
		t->pending_cr = false;
		(void)maildir_tmp_putc(t, '\r');
	}
	if (maildir_tmp_flush(t) < 0) {
		errno = t->err;
		ret = errno == EDQUOT ? MAILDIR_OVERQUOTA : -1;
		maildir_errno(why, "write", t->tmp_path);
		goto out;
	}
	if ((r = maildir_quota_check(c, t->size, why)) != 0) {
		ret = r;
		goto out;
	}
	if (c->mtime) {
		struct timespec ts[2] = {{c->mtime, 0}, {c->mtime, 0}};

		if (futimens(t->fd, ts) < 0) {
			maildir_errno(why, "set time of", t->tmp_path);
			goto out;
		}
	}
	if (fsync(t->fd) < 0 || close(t->fd) < 0) {
		ret = errno == EDQUOT ? MAILDIR_OVERQUOTA : -1;
		maildir_errno(why, "fsync", t->tmp_path);
		t->fd = -1;
		goto out;
	}
	t->fd = -1;
	buf_printf(name, "%s,S=%llu,W=%llu", t->base,
	    (unsigned long long)t->size,
	    (unsigned long long)(t->size + t->lines));
	if (c->into_cur) {
		struct buf *full = buf_new(256);

		maildir_name_build(
		    buf_cstr(name), buf_len(name), c->flags, c->keywords, full);
		buf_set(name, buf_cstr(full), buf_len(full));
		buf_free(&full);
	}
	maildir_file_path(t->dir, buf_cstr(name), !c->into_cur, path);
	if (maildir_link_into(t->tmp_path, buf_cstr(path), why) < 0)
		goto out;
	if (c->quota_root
	    && maildir_quota_update(
	           c->quota_root, &c->quota, (int64_t)t->size, 1, why)
	        < 0)
		log_warn("%s: %s", c->quota_root, why ? buf_cstr(why) : "");
	if (name_out)
		buf_set(name_out, buf_cstr(name), buf_len(name));
	ret = 0;
out:
	maildir_tmp_free(tp, true);
	buf_free(&name);
	buf_free(&path);
	return ret;
}

/* maildir_deliver - a message held in memory */
int
maildir_deliver(const char *dir, const void *msg, size_t len,
    const struct maildir_commit *c, struct buf *name_out, struct buf *why)
{
	struct maildir_tmp *t = maildir_tmp_create(dir, why);

	if (t == NULL)
		return -1;
	(void)maildir_tmp_write(t, msg, len);
	return maildir_tmp_commit(&t, c, name_out, why);
}

/* maildir_count_lf - the size and the count of LFs without a CR before
 * them (each becomes CRLF on the wire: W= is size + that count) */
static int
maildir_count_lf(const char *path, uint64_t *size, uint64_t *lines)
{
	char b[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	char prev = 0;

	if (fd < 0)
		return -1;
	*size = *lines = 0;
	while ((n = read(fd, b, sizeof(b))) > 0) {
		*size += (uint64_t)n;
		for (const char *p = b;
		     (p = memchr(p, '\n', (size_t)(b + n - p))); p++)
			if ((p == b ? prev : p[-1]) != '\r')
				(*lines)++;
		prev = b[n - 1];
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* maildir_file_sizes - from the name, else by reading */
int
maildir_file_sizes(
    const char *path, const char *name, uint64_t *size, uint64_t *vsize)
{
	struct maildir_name mn;
	uint64_t lines;

	if (maildir_name_parse(name, &mn) && mn.has_size && mn.has_vsize) {
		*size = mn.size;
		*vsize = mn.vsize;
		return 0;
	}
	if (maildir_count_lf(path, size, &lines) < 0)
		return -1;
	*vsize = *size + lines;
	return 0;
}

/* maildir_copy - a new message in dst_dir with the same content */
int
maildir_copy(const char *src_path, const char *dst_dir,
    const struct maildir_commit *c, struct buf *name_out, struct buf *why)
{
	const char *slash = strrchr(src_path, '/');
	struct maildir_name mn;
	struct buf *name = buf_new(256), *path = buf_new(256);
	uint64_t size, lines;
	struct maildir_commit cc;
	int ret = -1, r;

	memset(&cc, 0, sizeof(cc));
	if (c)
		cc = *c;
	if (maildir_name_parse(slash ? slash + 1 : src_path, &mn) && mn.has_size
	    && mn.has_vsize) {
		size = mn.size;
		lines = mn.vsize - mn.size;
	} else if (maildir_count_lf(src_path, &size, &lines) < 0) {
		maildir_errno(why, "read", src_path);
		goto out;
	}
	if ((r = maildir_quota_check(&cc, size, why)) != 0) {
		ret = r;
		goto out;
	}
	maildir_unique(name);
	buf_printf(name, ",S=%llu,W=%llu", (unsigned long long)size,
	    (unsigned long long)(size + lines));
	if (cc.into_cur) {
		struct buf *full = buf_new(256);

		maildir_name_build(
		    buf_cstr(name), buf_len(name), cc.flags, cc.keywords, full);
		buf_set(name, buf_cstr(full), buf_len(full));
		buf_free(&full);
	}
	maildir_file_path(dst_dir, buf_cstr(name), !cc.into_cur, path);
	if (link(src_path, buf_cstr(path)) == 0) {
		if (file_fsync_dir(buf_cstr(path)) < 0) {
			maildir_errno(
			    why, "fsync directory of", buf_cstr(path));
			goto out;
		}
	} else if (errno == ENOENT) {
		maildir_errno(why, "link", src_path);
		goto out;
	} else {
		/* No hard links here (another file system, a link limit):
		 * copy through tmp/ like a delivery. */
		struct maildir_tmp *t;
		char b[65536];
		ssize_t n;
		int fd = open(src_path, O_RDONLY | O_CLOEXEC);
		struct stat st;

		if (fd < 0 || fstat(fd, &st) < 0) {
			maildir_errno(why, "open", src_path);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		if ((t = maildir_tmp_create(dst_dir, why)) == NULL) {
			close(fd);
			goto out;
		}
		while ((n = read(fd, b, sizeof(b))) > 0)
			(void)maildir_tmp_write(t, b, (size_t)n);
		close(fd);
		cc.quota_root = NULL; /* checked above, updated below */
		cc.quota_check = NULL;
		if (cc.mtime == 0)
			cc.mtime = st.st_mtime;
		if ((ret = maildir_tmp_commit(&t, &cc, name, why)) < 0)
			goto out;
		ret = -1;
	}
	if (c && c->quota_root
	    && maildir_quota_update(
	           c->quota_root, &c->quota, (int64_t)size, 1, NULL)
	        < 0)
		log_warn("%s: cannot update maildirsize", c->quota_root);
	if (name_out)
		buf_set(name_out, buf_cstr(name), buf_len(name));
	ret = 0;
out:
	buf_free(&name);
	buf_free(&path);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Keywords */

/* maildir_keywords_free - forget the names */
void
maildir_keywords_free(struct maildir_keywords *kw)
{
	for (int i = 0; i < MAILDIR_KEYWORDS; i++)
		xfree(kw->name[i]);
}

/* maildir_keywords_load - parse "<index> <name>" lines */
int
maildir_keywords_load(
    const char *dir, struct maildir_keywords *kw, struct buf *why)
{
	struct buf *p = buf_new(256), *text = buf_new(1024);
	struct buf *scratch = buf_new(64);
	int ret = 0;

	maildir_keywords_free(kw);
	buf_printf(p, "%s/" MAILDIR_KEYWORDS_FILE, dir);
	if (file_read(buf_cstr(p), 65536, text, scratch) < 0) {
		if (errno != ENOENT)
			ret = maildir_errno(why, "read", buf_cstr(p));
		goto out;
	}
	for (char *line = buf_data(text), *nl; line && *line; line = nl) {
		char *sp, *e;
		long idx;

		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		if ((sp = strchr(line, ' ')) == NULL)
			continue;
		*sp = 0;
		errno = 0;
		idx = strtol(line, &e, 10);
		if (*e || e == line || idx < 0 || idx >= MAILDIR_KEYWORDS
		    || sp[1] == 0 || kw->name[idx])
			continue;
		kw->name[idx] = xstrdup(sp + 1);
	}
out:
	buf_free(&p);
	buf_free(&text);
	buf_free(&scratch);
	return ret;
}

/* maildir_keywords_find - index of name */
int
maildir_keywords_find(const struct maildir_keywords *kw, const char *name)
{
	for (int i = 0; i < MAILDIR_KEYWORDS; i++)
		if (kw->name[i] && str_eq_ci(kw->name[i], name))
			return i;
	return -1;
}

/* maildir_keywords_add - find or assign a letter */
int
maildir_keywords_add(const char *dir, struct maildir_keywords *kw,
    const char *name, struct buf *why)
{
	struct buf *p = buf_new(256), *text = buf_new(1024);
	int idx, lockfd = -1;

	if ((idx = maildir_keywords_find(kw, name)) >= 0)
		goto out;
	buf_printf(p, "%s/" MAILDIR_KEYWORDS_FILE ".lock", dir);
	lockfd =
	    open(buf_cstr(p), O_RDWR | O_CREAT | O_CLOEXEC, MAILDIR_FILE_MODE);
	if (lockfd < 0 || file_lock(lockfd, true) < 0) {
		idx = maildir_errno(why, "lock", buf_cstr(p));
		goto out;
	}
	if (maildir_keywords_load(dir, kw, why) < 0) {
		idx = -1;
		goto out;
	}
	if ((idx = maildir_keywords_find(kw, name)) >= 0)
		goto out;
	for (idx = 0; idx < MAILDIR_KEYWORDS && kw->name[idx]; idx++)
		;
	if (idx == MAILDIR_KEYWORDS) {
		if (why)
			buf_printf(why, "%s: no keyword letter left", dir);
		idx = -1;
		goto out;
	}
	kw->name[idx] = xstrdup(name);
	for (int i = 0; i < MAILDIR_KEYWORDS; i++)
		if (kw->name[i])
			buf_printf(text, "%d %s\n", i, kw->name[i]);
	buf_reset(p);
	buf_printf(p, "%s/" MAILDIR_KEYWORDS_FILE, dir);
	if (maildir_write_atomic(
	        buf_cstr(p), buf_cstr(text), buf_len(text), why)
	    < 0) {
		xfree(kw->name[idx]);
		idx = -1;
	}
out:
	if (lockfd >= 0)
		close(lockfd);
	buf_free(&p);
	buf_free(&text);
	return idx;
}

/*
 * maildir_test.c - layout, names, delivery, flags, quota and keywords of
 * the Maildir++ store, on a scratch directory.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/maildir.h"

#include "tests/t.h"

static const struct {
	const char *name;
	bool ok;
} folder_names[] = {
    {"Sent", true},
    {"Work.Project", true},
    {"Entw&APw-rfe", true},
    {"a b", true},
    {"", false},
    {".Sent", false},
    {"Sent.", false},
    {"Work..Project", false},
    {"a/b", false},
    {"a\tb", false},
    {"a\177b", false},
};

static const struct {
	const char *name;
	bool ok;
	size_t base_len;
	long long size, vsize; /* -1 when absent */
	const char *flags;     /* as maildir_flags_str prints them */
} names[] = {
    {"1700000000.M1P2Q3.host,S=120,W=124:2,RS", true, 34, 120, 124, "RS"},
    {"1700000000.M1P2Q3.host:2,", true, 22, -1, -1, ""},
    {"1700000000.M1P2Q3.host", true, 22, -1, -1, ""},
    {"1.2.host,S=5:2,Sac", true, 12, 5, -1, "Sac"},
    {"1.2.host,S=x,W=9:2,T", true, 16, -1, 9, "T"},
    {"1.2.host:1,S", true, 8, -1, -1, ""},
    {"1.2.ho\\072st,S=7", true, 16, 7, -1, ""},
    {".hidden", false, 0, -1, -1, ""},
    {"", false, 0, -1, -1, ""},
    {":2,S", false, 0, -1, -1, ""},
};

/* read_file - whole file or "" */
static char *
read_file(const char *path)
{
	struct buf *b = buf_new(256), *why = buf_new(64);
	char *s;

	if (file_read(path, 1 << 20, b, why) < 0)
		buf_reset(b);
	s = buf_steal(b);
	buf_free(&b);
	buf_free(&why);
	return s;
}

/* count_files - files in dir/sub */
static size_t
count_files(const char *dir, bool in_new)
{
	struct maildir_listing l = {0};
	struct buf *why = buf_new(64);
	size_t n = 0;

	if (maildir_list(dir, &l, why) == 0)
		for (size_t i = 0; i < l.n; i++)
			n += l.v[i].in_new == in_new;
	maildir_listing_free(&l);
	buf_free(&why);
	return n;
}

int
main(void)
{
	struct buf *why = buf_new(128), *p = buf_new(256), *name = buf_new(128);
	struct buf *n2 = buf_new(128);
	struct strv sv;
	struct maildir_name mn;
	char root[512];
	char *s;

	t_begin("folder names");
	for (size_t i = 0; i < NELEM(folder_names); i++) {
		buf_reset(why);
		T_INTEQ(maildir_folder_valid(folder_names[i].name, why),
		    folder_names[i].ok);
	}
	T_ASSERT(maildir_is_inbox(""));
	T_ASSERT(maildir_is_inbox("inbox"));
	T_ASSERT(!maildir_is_inbox("INBOX.x"));
	T_INTEQ(maildir_folder_dir("/m/u", "INBOX", p, why), 0);
	T_STREQ(buf_cstr(p), "/m/u");
	T_INTEQ(maildir_folder_dir("/m/u", "Work.Project", p, why), 0);
	T_STREQ(buf_cstr(p), "/m/u/.Work.Project");
	T_INTEQ(maildir_folder_dir("/m/u", "../x", p, why), -1);

	t_begin("file names");
	for (size_t i = 0; i < NELEM(names); i++) {
		bool ok = maildir_name_parse(names[i].name, &mn);

		T_INTEQ(ok, names[i].ok);
		if (!ok)
			continue;
		T_INTEQ(mn.base_len, names[i].base_len);
		T_INTEQ(mn.has_size ? (long long)mn.size : -1, names[i].size);
		T_INTEQ(
		    mn.has_vsize ? (long long)mn.vsize : -1, names[i].vsize);
		maildir_flags_str(mn.flags, mn.keywords, p);
		T_STREQ(buf_cstr(p), names[i].flags);
	}
	maildir_name_build("base,S=1", 8,
	    MAILDIR_F_SEEN | MAILDIR_F_REPLIED | MAILDIR_F_DRAFT,
	    MAILDIR_KEYWORD(2) | MAILDIR_KEYWORD(0), p);
	T_STREQ(buf_cstr(p), "base,S=1:2,DRSac");
	buf_reset(p);
	maildir_unique(p);
	buf_reset(name);
	maildir_unique(name);
	T_ASSERT(strcmp(buf_cstr(p), buf_cstr(name)) != 0);
	T_ASSERT(strchr(buf_cstr(p), '/') == NULL);
	T_ASSERT(strchr(buf_cstr(p), ':') == NULL);

	t_begin("layout: make, create, list, rename, delete");
	snprintf(root, sizeof(root), "%s/acct", t_tmpdir());
	T_INTEQ(maildir_make(root, false, why), 0);
	T_ASSERT(maildir_exists(root));
	T_INTEQ(maildir_folder_create(root, "Sent", why), 0);
	T_INTEQ(maildir_folder_create(root, "Work", why), 0);
	T_INTEQ(maildir_folder_create(root, "Work.Project", why), 0);
	T_INTEQ(maildir_folder_create(root, "Work.Project.Deep", why), 0);
	T_INTEQ(maildir_folder_create(root, "Workshop", why), 0);
	T_INTEQ(maildir_folder_create(root, "Sent", why), -1);
	T_INTEQ(errno, EEXIST);
	T_INTEQ(maildir_folder_create(root, "INBOX", why), -1);
	buf_reset(p);
	buf_printf(p, "%s/.Sent/maildirfolder", root);
	T_ASSERT(file_exists(buf_cstr(p)));
	strv_init(&sv);
	T_INTEQ(maildir_folder_list(root, &sv, why), 0);
	s = strv_join(&sv, " ");
	T_STREQ(s, "Sent Work Work.Project Work.Project.Deep Workshop");
	free(s);
	strv_free(&sv);
	T_INTEQ(
	    maildir_deliver(root, "x\n", 2, NULL, name, why), 0); /* in INBOX */
	buf_reset(p);
	buf_printf(p, "%s/.Work.Project", root);
	T_INTEQ(maildir_deliver(buf_cstr(p), "y\n", 2, NULL, name, why), 0);
	T_INTEQ(maildir_folder_rename(root, "Work", "Job", why), 0);
	T_INTEQ(maildir_folder_list(root, &sv, why), 0);
	s = strv_join(&sv, " ");
	T_STREQ(s, "Job Job.Project Job.Project.Deep Sent Workshop");
	free(s);
	strv_free(&sv);
	buf_reset(p);
	buf_printf(p, "%s/.Job.Project", root);
	T_INTEQ(count_files(buf_cstr(p), true), 1);
	T_INTEQ(maildir_folder_rename(root, "Job", "Sent", why), -1);
	T_INTEQ(errno, EEXIST);
	T_INTEQ(maildir_folder_rename(root, "Nope", "Other", why), -1);
	T_INTEQ(errno, ENOENT);
	T_INTEQ(maildir_folder_rename(root, "Job", "Job.Sub", why), -1);
	T_INTEQ(maildir_folder_delete(root, "Job.Project", why), 0);
	T_INTEQ(maildir_folder_list(root, &sv, why), 0);
	s = strv_join(&sv, " ");
	T_STREQ(s, "Job Job.Project.Deep Sent Workshop");
	free(s);
	strv_free(&sv);
	T_INTEQ(maildir_folder_delete(root, "INBOX", why), -1);

	t_begin("delivery: CRLF to LF, S= and W=, fsync'd into new/");
	snprintf(root, sizeof(root), "%s/deliver", t_tmpdir());
	T_INTEQ(maildir_make(root, false, why), 0);
	{
		struct maildir_tmp *t = maildir_tmp_create(root, why);
		static const char *chunks[] = {
		    "Subject: hi\r", "\n\r\nbody\r", "\rx\r\n", "end\r"};

		T_ASSERT(t != NULL);
		for (size_t i = 0; i < NELEM(chunks); i++)
			T_INTEQ(
			    maildir_tmp_write(t, chunks[i], strlen(chunks[i])),
			    0);
		T_INTEQ(maildir_tmp_size(t), 25);
		T_INTEQ(maildir_tmp_commit(&t, NULL, name, why), 0);
		T_ASSERT(t == NULL);
	}
	T_ASSERT(maildir_name_parse(buf_cstr(name), &mn));
	T_INTEQ(mn.size, 25);
	T_INTEQ(mn.vsize, 28);
	T_ASSERT(!mn.has_info);
	maildir_file_path(root, buf_cstr(name), true, p);
	s = read_file(buf_cstr(p));
	T_STREQ(s, "Subject: hi\n\nbody\r\rx\nend\r");
	free(s);
	T_INTEQ(count_files(root, true), 1);
	buf_reset(p);
	buf_printf(p, "%s/tmp", root);
	T_INTEQ(maildir_tmp_clean(root, 0), 0); /* tmp/ is empty */

	t_begin("delivery into cur/ with flags and a date");
	{
		struct maildir_commit c = {.into_cur = true,
		    .flags = MAILDIR_F_SEEN,
		    .keywords = MAILDIR_KEYWORD(1),
		    .mtime = 1000000000};
		struct stat st;

		T_INTEQ(
		    maildir_deliver(root, "a\r\nb\r\n", 6, &c, name, why), 0);
		T_ASSERT(str_has_suffix(buf_cstr(name), ",S=4,W=6:2,Sb"));
		maildir_file_path(root, buf_cstr(name), false, p);
		T_INTEQ(stat(buf_cstr(p), &st), 0);
		T_INTEQ(st.st_mtime, 1000000000);
		T_INTEQ(st.st_mode & 0777, 0600);
	}

	t_begin("new to cur, flags, remove");
	{
		struct maildir_listing l = {0};
		char *first;

		T_INTEQ(maildir_list(root, &l, why), 0);
		T_INTEQ(l.n, 2);
		first = NULL;
		for (size_t i = 0; i < l.n; i++)
			if (l.v[i].in_new)
				first = xstrdup(l.v[i].name);
		maildir_listing_free(&l);
		T_ASSERT(first != NULL);
		T_INTEQ(maildir_move_to_cur(root, first, 0, 0, name, why), 0);
		T_ASSERT(str_has_suffix(buf_cstr(name), ":2,"));
		T_INTEQ(count_files(root, true), 0);
		T_INTEQ(maildir_move_to_cur(root, first, 0, 0, n2, why), -1);
		T_INTEQ(errno, ENOENT);
		T_INTEQ(maildir_set_flags(root, buf_cstr(name),
		            MAILDIR_F_SEEN | MAILDIR_F_FLAGGED, 0, n2, why),
		    0);
		T_ASSERT(str_has_suffix(buf_cstr(n2), ":2,FS"));
		T_INTEQ(maildir_set_flags(root, buf_cstr(n2),
		            MAILDIR_F_SEEN | MAILDIR_F_FLAGGED, 0, name, why),
		    0);
		T_STREQ(buf_cstr(name), buf_cstr(n2));
		T_INTEQ(maildir_remove(root, buf_cstr(name), false, why), 0);
		T_INTEQ(maildir_remove(root, buf_cstr(name), false, why), 0);
		T_INTEQ(count_files(root, false), 1);
		free(first);
	}

	t_begin("quota: maildirsize written, updated, enforced");
	snprintf(root, sizeof(root), "%s/quota", t_tmpdir());
	T_INTEQ(maildir_make(root, false, why), 0);
	T_INTEQ(maildir_folder_create(root, "Trash", why), 0);
	{
		struct maildir_commit c = {
		    .quota_root = root, .quota = {.bytes = 100, .messages = 3}};
		struct maildir_usage u;
		char msg[40];

		memset(msg, 'x', sizeof(msg));
		T_INTEQ(maildir_deliver(root, msg, 40, &c, name, why), 0);
		buf_reset(p);
		buf_printf(p, "%s/maildirsize", root);
		s = read_file(buf_cstr(p));
		/* computed before the delivery, then one line added */
		T_STREQ(s, "100S,3C\n0 0\n40 1\n");
		free(s);
		buf_reset(p);
		buf_printf(p, "%s/.Trash", root);
		T_INTEQ(
		    maildir_deliver(buf_cstr(p), msg, 40, &c, name, why), 0);
		T_INTEQ(maildir_quota_usage(root, &c.quota, &u, why), 0);
		T_INTEQ(u.bytes, 80);
		T_INTEQ(u.messages, 2);
		buf_reset(why);
		T_INTEQ(maildir_deliver(root, msg, 40, &c, name, why),
		    MAILDIR_OVERQUOTA);
		T_STREQ(buf_cstr(why), "quota exceeded");
		T_INTEQ(count_files(root, true), 1);
		buf_reset(p);
		buf_printf(p, "%s/tmp", root);
		T_INTEQ(maildir_tmp_clean(root, 0), 0); /* nothing left */
		/* removing records a negative line */
		T_INTEQ(maildir_quota_update(root, &c.quota, -40, -1, why), 0);
		T_INTEQ(maildir_quota_usage(root, &c.quota, &u, why), 0);
		T_INTEQ(u.bytes, 40);
		/* a new definition makes it count again (and finds the
		 * message still in new/) */
		c.quota.bytes = 1000;
		c.quota.messages = 0;
		T_INTEQ(maildir_quota_usage(root, &c.quota, &u, why), 0);
		T_INTEQ(u.bytes, 80);
		buf_reset(p);
		buf_printf(p, "%s/maildirsize", root);
		s = read_file(buf_cstr(p));
		T_STREQ(s, "1000S\n80 2\n");
		free(s);
		/* a message count limit alone */
		c.quota.bytes = 0;
		c.quota.messages = 2;
		T_INTEQ(maildir_deliver(root, msg, 1, &c, name, why),
		    MAILDIR_OVERQUOTA);
		T_ASSERT(!maildir_quota_allows(&c.quota, &u, 0, 1));
		c.quota.messages = 3;
		T_ASSERT(maildir_quota_allows(&c.quota, &u, 0, 1));
	}

	t_begin("quota: torn or oversized maildirsize is recomputed");
	{
		struct maildir_quota q = {.bytes = 1000};
		struct maildir_usage u;

		buf_reset(p);
		buf_printf(p, "%s/maildirsize", root);
		T_INTEQ(file_write_atomic(
		            buf_cstr(p), "1000S\n5 1\n7", 11, 0600, why),
		    0);
		T_INTEQ(maildir_quota_usage(root, &q, &u, why), 0);
		T_INTEQ(u.bytes, 80);
		s = read_file(buf_cstr(p));
		T_STREQ(s, "1000S\n80 2\n");
		free(s);
	}

	t_begin("copy: a new name, the same content, quota counted");
	{
		struct maildir_commit c = {.into_cur = true,
		    .flags = MAILDIR_F_SEEN,
		    .quota_root = root,
		    .quota = {.bytes = 1000}};
		struct maildir_listing l = {0};
		struct maildir_usage u;
		char *c1, *c2;

		T_INTEQ(maildir_list(root, &l, why), 0);
		T_ASSERT(l.n == 1);
		maildir_file_path(root, l.v[0].name, l.v[0].in_new, p);
		buf_reset(n2);
		buf_printf(n2, "%s/.Trash", root);
		T_INTEQ(
		    maildir_copy(buf_cstr(p), buf_cstr(n2), &c, name, why), 0);
		T_ASSERT(str_has_suffix(buf_cstr(name), ",S=40,W=40:2,S"));
		c1 = read_file(buf_cstr(p));
		maildir_file_path(buf_cstr(n2), buf_cstr(name), false, p);
		c2 = read_file(buf_cstr(p));
		T_STREQ(c1, c2);
		free(c1);
		free(c2);
		maildir_listing_free(&l);
		T_INTEQ(maildir_quota_usage(root, &c.quota, &u, why), 0);
		T_INTEQ(u.bytes, 120);
		T_INTEQ(u.messages, 3);
	}

	t_begin("keywords: letters shared through dovecot-keywords");
	{
		struct maildir_keywords kw = {0}, kw2 = {0};

		T_INTEQ(maildir_keywords_load(root, &kw, why), 0);
		T_INTEQ(maildir_keywords_find(&kw, "$Junk"), -1);
		T_INTEQ(maildir_keywords_add(root, &kw, "$Junk", why), 0);
		T_INTEQ(maildir_keywords_add(root, &kw, "NonJunk", why), 1);
		T_INTEQ(maildir_keywords_add(root, &kw, "$junk", why), 0);
		T_INTEQ(maildir_keywords_load(root, &kw2, why), 0);
		T_INTEQ(maildir_keywords_find(&kw2, "nonjunk"), 1);
		buf_reset(p);
		buf_printf(p, "%s/dovecot-keywords", root);
		s = read_file(buf_cstr(p));
		T_STREQ(s, "0 $Junk\n1 NonJunk\n");
		free(s);
		for (int i = 2; i < MAILDIR_KEYWORDS; i++) {
			char k[16];

			snprintf(k, sizeof(k), "k%d", i);
			T_INTEQ(maildir_keywords_add(root, &kw2, k, why), i);
		}
		T_INTEQ(
		    maildir_keywords_add(root, &kw2, "one-too-many", why), -1);
		maildir_keywords_free(&kw);
		maildir_keywords_free(&kw2);
	}

	t_begin("tmp clean removes stale files only");
	buf_reset(p);
	buf_printf(p, "%s/tmp/stale", root);
	T_INTEQ(file_write_atomic(buf_cstr(p), "x", 1, 0600, why), 0);
	T_INTEQ(maildir_tmp_clean(root, 3600), 0);
	T_INTEQ(maildir_tmp_clean(root, -10), 1);

	buf_free(&why);
	buf_free(&p);
	buf_free(&name);
	buf_free(&n2);
	return t_end();
}

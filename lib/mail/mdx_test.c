/*
 * mdx_test.c - the folder index: UIDs that persist and are never reused,
 * changes seen by a second "session", flags changed and files removed by
 * other Maildir tools, \Recent given once, modseqs, VANISHED, a damaged
 * or torn log, compaction, and UIDs kept across a folder rename.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/strutil.h"

#include "mail/maildir.h"
#include "mail/mdx.h"

#include "tests/t.h"

/* deliver - one message into dir/new/, its name into name (may be NULL) */
static void
deliver(const char *dir, const char *text, struct buf *name)
{
	struct buf *why = buf_new(64), *n = buf_new(64);

	if (maildir_deliver(dir, text, strlen(text), NULL, n, why) < 0)
		t_fail(__FILE__, __LINE__, "deliver: %s", buf_cstr(why));
	if (name)
		buf_set(name, buf_cstr(n), buf_len(n));
	buf_free(&why);
	buf_free(&n);
}

/* uids - "1 2 3" of the index */
static void
uids(const struct mdx *x, struct buf *out)
{
	buf_reset(out);
	for (size_t i = 0; i < mdx_count(x); i++)
		buf_printf(out, "%s%u", i ? " " : "", mdx_rec(x, i)->uid);
}

int
main(void)
{
	struct buf *why = buf_new(128), *b = buf_new(256), *name = buf_new(128);
	struct buf *p = buf_new(256);
	struct mdx *x, *y;
	const struct mdx_rec *r;
	char dir[600], root[512];
	uint32_t uv, uid, first, end;
	uint64_t ms, hms, bytes = 0, count = 0;

	snprintf(root, sizeof(root), "%s/acct", t_tmpdir());
	T_INTEQ(maildir_make(root, false, why), 0);
	T_INTEQ(maildir_folder_create(root, "Work", why), 0);
	snprintf(dir, sizeof(dir), "%s/.Work", root);

	t_begin("UIDs in delivery order, persistent across a reopen");
	deliver(dir, "Subject: 1\n\none\n", NULL);
	deliver(dir, "Subject: 2\n\ntwo\n", NULL);
	deliver(dir, "Subject: 3\n\nthree\n", NULL);
	x = mdx_open(dir, why);
	T_ASSERT(x != NULL);
	T_INTEQ(mdx_count(x), 0);
	T_INTEQ(mdx_sync(x, false, false, why), 0);
	uids(x, b);
	T_STREQ(buf_cstr(b), "1 2 3");
	uv = mdx_uidvalidity(x);
	T_ASSERT(uv > 0);
	T_INTEQ(mdx_uidnext(x), 4);
	r = mdx_rec(x, 0);
	T_INTEQ(r->size, 16);
	T_INTEQ(r->vsize, 19);
	T_ASSERT(r->in_new);
	T_ASSERT(r->internaldate > 0);
	mdx_close(&x);
	T_ASSERT(x == NULL);
	x = mdx_open(dir, why);
	T_INTEQ(mdx_sync(x, false, false, why), 0);
	uids(x, b);
	T_STREQ(buf_cstr(b), "1 2 3");
	T_INTEQ(mdx_uidvalidity(x), uv);

	t_begin("a second session sees moves, new mail and flags");
	y = mdx_open(dir, why);
	T_INTEQ(mdx_sync(y, false, false, why), 0);
	T_INTEQ(mdx_sync(x, true, false, why), 0); /* new/ -> cur/ */
	T_ASSERT(!mdx_rec(x, 0)->in_new);
	hms = mdx_highestmodseq(x);
	T_INTEQ(
	    mdx_store(x, 2, MAILDIR_F_SEEN, MAILDIR_KEYWORD(0), &ms, why), 0);
	T_ASSERT(ms > hms);
	T_INTEQ(mdx_highestmodseq(x), ms);
	deliver(dir, "Subject: 4\n\nfour\n", NULL);
	T_INTEQ(mdx_sync(y, false, false, why), 0);
	uids(y, b);
	T_STREQ(buf_cstr(b), "1 2 3 4");
	r = mdx_lookup(y, 2, NULL);
	T_ASSERT(r != NULL && r->flags == MAILDIR_F_SEEN
	    && r->keywords == MAILDIR_KEYWORD(0) && r->modseq == ms);
	T_ASSERT(str_has_suffix(r->name, ":2,Sa"));
	maildir_file_path(dir, r->name, false, p);
	T_ASSERT(file_exists(buf_cstr(p)));
	/* a store that changes nothing keeps the modseq */
	T_INTEQ(
	    mdx_store(y, 2, MAILDIR_F_SEEN, MAILDIR_KEYWORD(0), &ms, why), 0);
	T_INTEQ(ms, mdx_lookup(y, 2, NULL)->modseq);
	T_INTEQ(mdx_store(y, 99, 0, 0, &ms, why), 1);

	t_begin("\\Recent goes to exactly one session");
	T_INTEQ(mdx_claim_recent(x, &first, &end, why), 0);
	T_INTEQ(first, 1);
	T_INTEQ(end, 5);
	T_INTEQ(mdx_claim_recent(y, &first, &end, why), 0);
	T_INTEQ(first, 5);
	T_INTEQ(end, 5);
	deliver(dir, "Subject: 5\n\nfive\n", NULL);
	T_INTEQ(mdx_sync(y, true, false, why), 0);
	T_INTEQ(mdx_claim_recent(y, &first, &end, why), 0);
	T_INTEQ(first, 5);
	T_INTEQ(end, 6);
	T_INTEQ(mdx_sync(x, false, false, why), 0);
	T_INTEQ(mdx_claim_recent(x, &first, &end, why), 0);
	T_INTEQ(first, end);

	t_begin("flags changed and files removed by another tool");
	r = mdx_lookup(x, 3, NULL);
	maildir_file_path(dir, r->name, r->in_new, p);
	buf_reset(name);
	buf_printf(name, "%s/cur/%.*s:2,FT", dir,
	    (int)(strchr(r->name, ':') - r->name), r->name);
	T_INTEQ(rename(buf_cstr(p), buf_cstr(name)), 0);
	r = mdx_lookup(x, 1, NULL);
	maildir_file_path(dir, r->name, r->in_new, p);
	T_INTEQ(unlink(buf_cstr(p)), 0);
	hms = mdx_highestmodseq(x);
	T_INTEQ(mdx_sync(x, false, true, why), 0);
	uids(x, b);
	T_STREQ(buf_cstr(b), "2 3 4 5");
	r = mdx_lookup(x, 3, NULL);
	T_INTEQ(r->flags, MAILDIR_F_FLAGGED | MAILDIR_F_TRASHED);
	T_ASSERT(r->modseq > hms);
	T_INTEQ(mdx_sync(y, false, false, why), 0);
	uids(y, b);
	T_STREQ(buf_cstr(b), "2 3 4 5");
	{
		uint32_t *v;
		size_t n;

		T_ASSERT(mdx_vanished(y, hms, &v, &n));
		T_INTEQ(n, 1);
		T_INTEQ(v[0], 1);
		free(v);
		T_ASSERT(mdx_vanished(y, 0, &v, &n));
		T_INTEQ(n, 1);
		free(v);
		T_ASSERT(mdx_vanished(y, mdx_highestmodseq(y), &v, &n));
		T_INTEQ(n, 0);
		free(v);
	}

	t_begin("expunge removes files and counts their sizes");
	{
		uint32_t ex[] = {3, 4, 77};

		T_INTEQ(mdx_expunge(y, ex, 3, &bytes, &count, why), 0);
		T_INTEQ(count, 2);
		T_INTEQ(bytes, 18 + 17);
		uids(y, b);
		T_STREQ(buf_cstr(b), "2 5");
		T_INTEQ(mdx_sync(x, false, false, why), 0);
		uids(x, b);
		T_STREQ(buf_cstr(b), "2 5");
	}

	t_begin("mdx_add: the UID of a file we just made");
	{
		struct maildir_commit c = {
		    .into_cur = true, .flags = MAILDIR_F_SEEN};

		T_INTEQ(
		    maildir_deliver(dir, "Subject: 6\n\n", 12, &c, name, why),
		    0);
		T_INTEQ(mdx_add(x, buf_cstr(name), false, &uid, why), 0);
		T_INTEQ(uid, 6);
		T_INTEQ(mdx_add(y, buf_cstr(name), false, &uid, why), 0);
		T_INTEQ(uid, 6);
		T_INTEQ(mdx_sync(y, false, false, why), 0);
		uids(y, b);
		T_STREQ(buf_cstr(b), "2 5 6");
		T_INTEQ(mdx_lookup(y, 6, NULL)->flags, MAILDIR_F_SEEN);
	}

	t_begin("a torn last line is ignored and cut off");
	{
		int fd;
		struct stat st;

		buf_reset(p);
		buf_printf(p, "%s/gannet-index", dir);
		fd = open(buf_cstr(p), O_WRONLY | O_APPEND);
		T_ASSERT(fd >= 0);
		T_INTEQ(write(fd, "F 2 999 c bro", 13), 13);
		close(fd);
		mdx_close(&y);
		y = mdx_open(dir, why);
		T_ASSERT(y != NULL);
		uids(y, b);
		T_STREQ(buf_cstr(b), "2 5 6");
		T_INTEQ(mdx_uidvalidity(y), uv);
		T_ASSERT(mdx_highestmodseq(y) < 999);
		T_INTEQ(mdx_store(y, 5, MAILDIR_F_FLAGGED, 0, &ms, why), 0);
		T_INTEQ(stat(buf_cstr(p), &st), 0);
		mdx_close(&y);
		y = mdx_open(dir, why);
		T_INTEQ(mdx_lookup(y, 5, NULL)->flags, MAILDIR_F_FLAGGED);
	}

	t_begin("the log is compacted and others follow");
	for (int i = 0; i < 1100; i++) {
		T_INTEQ(
		    mdx_store(x, 5, (i & 1) ? MAILDIR_F_SEEN : 0, 0, &ms, why),
		    0);
	}
	buf_reset(p);
	buf_printf(p, "%s/gannet-index", dir);
	{
		struct stat st;

		T_INTEQ(stat(buf_cstr(p), &st), 0);
		T_ASSERT(st.st_size < 40000);
	}
	T_INTEQ(mdx_sync(y, false, false, why), 0);
	uids(y, b);
	T_STREQ(buf_cstr(b), "2 5 6");
	T_INTEQ(mdx_lookup(y, 5, NULL)->flags, MAILDIR_F_SEEN);
	T_INTEQ(mdx_highestmodseq(y), mdx_highestmodseq(x));
	T_INTEQ(mdx_uidnext(y), 7);

	t_begin("UIDs survive a folder rename");
	mdx_close(&x);
	mdx_close(&y);
	T_INTEQ(maildir_folder_rename(root, "Work", "Job", why), 0);
	snprintf(dir, sizeof(dir), "%s/.Job", root);
	x = mdx_open(dir, why);
	T_INTEQ(mdx_sync(x, false, false, why), 0);
	uids(x, b);
	T_STREQ(buf_cstr(b), "2 5 6");
	T_INTEQ(mdx_uidvalidity(x), uv);

	t_begin("a damaged index gets a new UIDVALIDITY");
	mdx_close(&x);
	buf_reset(p);
	buf_printf(p, "%s/gannet-index", dir);
	{
		FILE *f = fopen(buf_cstr(p), "a");

		fputs("garbage line\n", f);
		fclose(f);
	}
	t_expect_log("index damaged");
	x = mdx_open(dir, why);
	T_ASSERT(x != NULL);
	T_INTEQ(mdx_sync(x, false, false, why), 0);
	T_ASSERT(mdx_uidvalidity(x) > uv);
	T_INTEQ(mdx_count(x), 3);
	uids(x, b);
	T_STREQ(buf_cstr(b), "1 2 3");
	mdx_close(&x);

	t_begin("a missing index: the same UIDVALIDITY never comes back");
	buf_reset(p);
	buf_printf(p, "%s/gannet-index", root);
	deliver(root, "Subject: inbox\n\n", NULL);
	x = mdx_open(root, why);
	T_INTEQ(mdx_sync(x, false, false, why), 0);
	T_INTEQ(mdx_count(x), 1);
	mdx_close(&x);

	buf_free(&why);
	buf_free(&b);
	buf_free(&name);
	buf_free(&p);
	return t_end();
}

/*
 * pop3d_mbox_test.c - the snapshot of a Maildir: unique-ids, order,
 * sizes, the lock, messages renamed or removed by another process, and
 * the UPDATE state.
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "pop3d.h"
#include "tests/t.h"

static const struct {
	const char *name;
	const char *uidl; /* NULL: a digest */
} uidls[] = {
    {"1700000000.M12P3Q4.mx.example.com,S=12,W=14:2,S",
        "1700000000.M12P3Q4.mx.example.com"},
    {"1700000000.M12P3Q4.mx.example.com", "1700000000.M12P3Q4.mx.example.com"},
    {"1234.5678_9.host,S=100", "1234.5678_9.host"}, {"x", "x"},
    {",S=12", NULL}, /* nothing before the comma */
    {"a\x7f"
     "b",
        NULL},
    {"with space", NULL},
    {"1700000000.M123456P12345Q999.a-really-quite-unusually-long-host-name."
     "example.com,"
     "S=1",
        NULL}, /* over 70 characters before the comma */
    {"H0123456789abcdef0123456789abcdef", NULL}, /* looks like a digest */
};

/* put - a message file in dir/sub */
static void
put(const char *dir, const char *sub, const char *name, const char *text)
{
	struct buf *p = buf_new(256);
	int fd;

	buf_printf(p, "%s/%s/%s", dir, sub, name);
	fd = open(buf_cstr(p), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	T_ASSERT(fd >= 0);
	if (fd >= 0) {
		T_INTEQ(file_write_all(fd, text, strlen(text)), 0);
		close(fd);
	}
	buf_free(&p);
}

/* exists - dir/rel */
static bool
exists(const char *dir, const char *rel)
{
	struct buf *p = buf_new(256);
	bool r;

	buf_printf(p, "%s/%s", dir, rel);
	r = file_exists(buf_cstr(p));
	buf_free(&p);
	return r;
}

/* mv - rename dir/from to dir/to */
static void
mv(const char *dir, const char *from, const char *to)
{
	struct buf *a = buf_new(256), *b = buf_new(256);

	buf_printf(a, "%s/%s", dir, from);
	buf_printf(b, "%s/%s", dir, to);
	T_INTEQ(rename(buf_cstr(a), buf_cstr(b)), 0);
	buf_free(&a);
	buf_free(&b);
}

int
main(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64), *dir = buf_new(256);
	struct pop3d_mbox mb, other;
	unsigned long removed;
	char data[64];
	ssize_t n;
	int fd;

	for (size_t i = 0; i < NELEM(uidls); i++) {
		const char *name = uidls[i].name;
		size_t base = strcspn(name, ":");

		t_begin(name);
		pop3d_mbox_uidl(name, base, out);
		if (uidls[i].uidl) {
			T_STREQ(buf_cstr(out), uidls[i].uidl);
		} else {
			T_INTEQ(buf_len(out), 33);
			T_ASSERT(buf_cstr(out)[0] == 'H');
		}
		T_ASSERT(buf_len(out) >= 1 && buf_len(out) <= POP3D_UIDL_MAX);
	}

	t_begin("digests differ for different bases");
	{
		struct buf *other_out = buf_new(64);

		pop3d_mbox_uidl("a b", 3, out);
		pop3d_mbox_uidl("b a", 3, other_out);
		T_ASSERT(!buf_eq(out, buf_cstr(other_out)));
		buf_free(&other_out);
	}

	t_begin("a missing Maildir is created empty");
	buf_printf(dir, "%s/example.com/new-user", t_tmpdir());
	T_INTEQ(pop3d_mbox_prepare(buf_cstr(dir), why), 0);
	T_INTEQ(pop3d_mbox_prepare(buf_cstr(dir), why), 0);
	T_INTEQ(pop3d_mbox_open(&mb, buf_cstr(dir), 0, why), 0);
	T_INTEQ(mb.n, 0);
	T_ASSERT(exists(buf_cstr(dir), "cur") && exists(buf_cstr(dir), "new"));
	pop3d_mbox_close(&mb);

	t_begin("the snapshot: delivery order, sizes, duplicates");
	put(buf_cstr(dir), "new", "1700000001.M5P1Q1.h,S=5,W=6", "body\n");
	put(buf_cstr(dir), "cur", "1700000000.M900000P1Q1.h,S=3,W=4:2,S",
	    "ab\n");
	put(buf_cstr(dir), "cur", "1700000000.M10P1Q1.h:2,", "a\r\nb\n.c\n");
	/* the same base in new/ and cur/: a move seen half-way */
	put(buf_cstr(dir), "new", "1700000002.M1P1Q1.h,S=2,W=3", "x\n");
	put(buf_cstr(dir), "cur", "1700000002.M1P1Q1.h,S=2,W=3:2,S", "x\n");
	put(buf_cstr(dir), "cur", ".hidden", "not a message");
	T_INTEQ(pop3d_mbox_open(&mb, buf_cstr(dir), 0, why), 0);
	T_INTEQ(mb.n, 4);
	if (mb.n == 4) {
		/* M10 before M900000: numbers, not strings */
		T_STREQ(mb.v[0].uidl, "1700000000.M10P1Q1.h");
		T_INTEQ(mb.v[0].size, 10); /* measured: CRLF kept, LF doubled */
		T_INTEQ(mb.v[0].fsize, 8);
		T_STREQ(mb.v[1].uidl, "1700000000.M900000P1Q1.h");
		T_INTEQ(mb.v[1].size, 4);
		T_STREQ(mb.v[2].uidl, "1700000001.M5P1Q1.h");
		T_STREQ(mb.v[3].uidl, "1700000002.M1P1Q1.h");
		T_ASSERT(!mb.v[3].in_new);
		T_INTEQ(mb.total, 10 + 4 + 6 + 3);
	}

	t_begin("a second session is refused, the first keeps the lock");
	T_INTEQ(
	    pop3d_mbox_open(&other, buf_cstr(dir), 0, why), POP3D_MBOX_INUSE);

	t_begin("mail that arrives later is not in the snapshot");
	put(buf_cstr(dir), "new", "1700000009.M1P1Q1.h,S=2,W=3", "y\n");
	T_INTEQ(mb.n, 4);

	t_begin("a message renamed by IMAP is found again");
	mv(buf_cstr(dir), "new/1700000001.M5P1Q1.h,S=5,W=6",
	    "cur/1700000001.M5P1Q1.h,S=5,W=6:2,FS");
	fd = pop3d_mbox_msg_open(&mb, 2, why);
	T_ASSERT(fd >= 0);
	if (fd >= 0) {
		n = read(fd, data, sizeof(data));
		T_MEMEQ(data, n, "body\n", 5);
		close(fd);
	}
	T_STREQ(mb.v[2].name, "1700000001.M5P1Q1.h,S=5,W=6:2,FS");

	t_begin("a message removed by IMAP is gone, not another one");
	mv(buf_cstr(dir), "cur/1700000000.M900000P1Q1.h,S=3,W=4:2,S",
	    "tmp/elsewhere");
	T_INTEQ(pop3d_mbox_msg_open(&mb, 1, why), POP3D_MBOX_GONE);

	t_begin("UPDATE: deletions, \\Seen, and what was gone already");
	mb.v[0].deleted = true;
	mb.v[1].deleted = true; /* gone already: not counted */
	mb.v[2].retrieved = true;
	mb.v[3].retrieved = true;
	/* renamed once more after it was opened */
	mv(buf_cstr(dir), "cur/1700000000.M10P1Q1.h:2,",
	    "cur/1700000000.M10P1Q1.h:2,T");
	T_INTEQ(pop3d_mbox_update(&mb, &removed, why), 0);
	T_INTEQ(removed, 1);
	T_ASSERT(!exists(buf_cstr(dir), "cur/1700000000.M10P1Q1.h:2,T"));
	T_ASSERT(exists(buf_cstr(dir), "cur/1700000001.M5P1Q1.h,S=5,W=6:2,FS"));
	T_ASSERT(exists(buf_cstr(dir), "cur/1700000002.M1P1Q1.h,S=2,W=3:2,S"));
	T_ASSERT(exists(buf_cstr(dir), "new/1700000009.M1P1Q1.h,S=2,W=3"));
	pop3d_mbox_close(&mb);

	t_begin("the lock goes with the session");
	T_INTEQ(pop3d_mbox_open(&other, buf_cstr(dir), 0, why), 0);
	T_INTEQ(other.n, 3);
	pop3d_mbox_close(&other);

	t_begin("\\Seen moves a retrieved message out of new/");
	T_INTEQ(pop3d_mbox_open(&mb, buf_cstr(dir), 0, why), 0);
	for (size_t i = 0; i < mb.n; i++)
		mb.v[i].retrieved = true;
	T_INTEQ(pop3d_mbox_update(&mb, &removed, why), 0);
	T_INTEQ(removed, 0);
	T_ASSERT(exists(buf_cstr(dir), "cur/1700000009.M1P1Q1.h,S=2,W=3:2,S"));
	pop3d_mbox_close(&mb);

	buf_free(&out);
	buf_free(&why);
	buf_free(&dir);
	return t_end();
}

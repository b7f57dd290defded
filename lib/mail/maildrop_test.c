/*
 * maildrop_test.c - the maildrop file: write and read back, the strict
 * reader's refusals, and the message limits.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/maildrop.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	const char *why; /* substring */
} pcases[] = {
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\nsize 3\n\nhi\n", 0, NULL},
    {"gannet_maildrop 1\nsender \nrcpt c@d\nsize 0\n\n", 0, NULL},
    {"gannet_maildrop 2\nsender a@b\nrcpt c@d\nsize 0\n\n", -1,
        "not a maildrop"},
    {"gannet_maildrop 1\nsender a@b\nsize 0\n\n", -1, "no recipients"},
    {"gannet_maildrop 1\nrcpt c@d\nsize 0\n\n", -1, "no sender"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\n\n", -1, "no size"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\nsize 9\n\nhi\n", -1,
        "size record says 9"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\nsize 1\n\nhi\n", -1,
        "message is 3 bytes"},
    {"gannet_maildrop 1\nsender a@b\nsender x@y\nrcpt c@d\nsize 0\n\n", -1,
        "repeated"},
    {"gannet_maildrop 1\nsender a@b\nbogus 1\nrcpt c@d\nsize 0\n\n", -1,
        "unknown"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\nnotify 99\nsize 0\n\n", -1,
        "bad notify"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\nsize -1\n\n", -1, "bad size"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\r\nsize 0\n\n", -1, "control"},
    {"gannet_maildrop 1\nsender a@b\nrcpt c@d\nsize 0", -1, "truncated"},
    {"", -1, "truncated"},
};

/* test_roundtrip - format, then parse what was formatted */
static void
test_roundtrip(void)
{
	struct maildrop md, back;
	struct buf *out = buf_new(256), *why = buf_new(64);
	const char *msg = "Subject: x\n\nbody\n";

	t_begin("maildrop round trip");
	maildrop_init(&md);
	maildrop_init(&back);
	md.sender = xstrdup("a@example.org");
	md.fullname = xstrdup("A Person");
	strv_push(&md.rcpt, "b@example.org");
	strv_push(&md.rcpt, "c@example.org");
	md.notify = SMTP_NOTIFY_SUCCESS;
	md.ret = SMTP_RET_HDRS;
	md.envid = xstrdup("id-1");
	md.body = SMTP_BODY_8BITMIME;
	T_ASSERT(maildrop_format(&md, strlen(msg), out, why) == 0);
	buf_cats(out, msg);
	T_ASSERT(maildrop_parse(buf_cstr(out), buf_len(out), &back, why) == 0);
	T_STREQ(back.sender, "a@example.org");
	T_STREQ(back.fullname, "A Person");
	T_ASSERT(back.rcpt.n == 2);
	T_STREQ(back.rcpt.v[1], "c@example.org");
	T_ASSERT(back.notify == SMTP_NOTIFY_SUCCESS);
	T_ASSERT(back.ret == SMTP_RET_HDRS);
	T_STREQ(back.envid, "id-1");
	T_ASSERT(back.body == SMTP_BODY_8BITMIME);
	T_ASSERT(back.msg_len == strlen(msg));
	T_ASSERT(
	    memcmp(buf_cstr(out) + back.msg_offset, msg, back.msg_len) == 0);
	/* A line break in a value cannot make a second record. */
	free(md.fullname);
	md.fullname = xstrdup("x\nrcpt evil@example.org");
	T_ASSERT(maildrop_format(&md, 0, out, why) < 0);
	maildrop_clear(&md);
	maildrop_clear(&back);
	buf_free(&out);
	buf_free(&why);
}

/* test_limits - maildrop_check_message */
static void
test_limits(void)
{
	struct maildrop_limits lim = {100, 20, 2};
	struct buf *why = buf_new(64);

	t_begin("maildrop message limits");
	T_ASSERT(
	    maildrop_check_message("A: 1\nB: 2\n\nbody\n", 17, &lim, why) == 0);
	T_ASSERT(
	    maildrop_check_message("A: 1\nB: 2\nC: 3\n\n", 16, &lim, why) < 0);
	T_ASSERT(strstr(buf_cstr(why), "header_count_limit") != NULL);
	/* folded lines count towards the one field */
	T_ASSERT(maildrop_check_message(
	             "A: 1234567890\n 1234567890\n\n", 28, &lim, why)
	    < 0);
	T_ASSERT(strstr(buf_cstr(why), "header_size_limit") != NULL);
	/* the body is not headers, however it looks */
	T_ASSERT(
	    maildrop_check_message("A: 1\n\nB: 2\nC: 3\nD: 4\n", 21, &lim, why)
	    == 0);
	lim.size = 10;
	T_ASSERT(
	    maildrop_check_message("A: 1\n\n123456789\n", 16, &lim, why) < 0);
	T_ASSERT(strstr(buf_cstr(why), "message_size_limit") != NULL);
	buf_free(&why);
}

int
main(void)
{
	struct buf *why = buf_new(64);
	struct maildrop md;

	maildrop_init(&md);
	for (size_t i = 0; i < NELEM(pcases); i++) {
		t_begin(pcases[i].in);
		buf_reset(why);
		T_ASSERT(
		    maildrop_parse(pcases[i].in, strlen(pcases[i].in), &md, why)
		    == pcases[i].ret);
		if (pcases[i].why)
			T_ASSERT(strstr(buf_cstr(why), pcases[i].why) != NULL);
	}
	maildrop_clear(&md);
	buf_free(&why);
	test_roundtrip();
	test_limits();
	return t_end();
}

/*
 * pop3_msg_test.c - the wire form of messages: CRLF, byte-stuffing, TOP,
 * and the size count, fed whole and one byte at a time.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/pop3_msg.h"

#include "tests/t.h"

static const struct {
	const char *name;
	const char *file;
	int top; /* -1: RETR, else TOP with this many lines */
	const char *wire;
	long size; /* expected wire size of the whole file (RETR only) */
} cases[] = {
    {"plain", "Subject: x\n\nbody\n", -1, "Subject: x\r\n\r\nbody\r\n.\r\n",
        20},
    {"stuffing", "A: b\n\n.dot\n..two\n.\nend\n", -1,
        "A: b\r\n\r\n..dot\r\n...two\r\n..\r\nend\r\n.\r\n", 29},
    {"dot in the header too", ".A: b\n\nx\n", -1, "..A: b\r\n\r\nx\r\n.\r\n",
        12},
    {"already CRLF", "A: b\r\n\r\nx\r\n", -1, "A: b\r\n\r\nx\r\n.\r\n", 11},
    {"bare CR is data", "A: b\n\nx\ry\n", -1, "A: b\r\n\r\nx\ry\r\n.\r\n", 13},
    {"no final LF", "A: b\n\nlast", -1, "A: b\r\n\r\nlast\r\n.\r\n", 12},
    {"ends in CR", "A: b\n\nlast\r", -1, "A: b\r\n\r\nlast\r\n.\r\n", 13},
    {"empty message", "", -1, ".\r\n", 0},
    {"8-bit body", "A: b\n\n\xe4\xf6\xfc\xff\n", -1,
        "A: b\r\n\r\n\xe4\xf6\xfc\xff\r\n.\r\n", 14},
    {"NUL in the body", "A: b\n\nx\0y\n", -1, "A: b\r\n\r\nx\0y\r\n.\r\n", 13},
    {"TOP 0", "A: b\nC: d\n\nl1\nl2\n", 0, "A: b\r\nC: d\r\n\r\n.\r\n", -1},
    {"TOP 1", "A: b\n\nl1\nl2\n", 1, "A: b\r\n\r\nl1\r\n.\r\n", -1},
    {"TOP 2 of 2", "A: b\n\nl1\nl2\n", 2, "A: b\r\n\r\nl1\r\nl2\r\n.\r\n", -1},
    {"TOP more than there is", "A: b\n\nl1\n", 10, "A: b\r\n\r\nl1\r\n.\r\n",
        -1},
    {"TOP of a header without body", "A: b\nC: d\n", 0, "A: b\r\nC: d\r\n.\r\n",
        -1},
    {"TOP counts stuffed lines once", "A: b\n\n.x\n.y\nz\n", 2,
        "A: b\r\n\r\n..x\r\n..y\r\n.\r\n", -1},
    {"TOP with CRLF file", "A: b\r\n\r\nl1\r\nl2\r\n", 1,
        "A: b\r\n\r\nl1\r\n.\r\n", -1},
    {"a line of one CR is not the end of the header", "A: b\n\r\r\nC: d\n\nx\n",
        0, "A: b\r\n\r\r\nC: d\r\n\r\n.\r\n", -1},
    {"TOP 0 of a message with an empty header", "\nbody\n", 0, "\r\n.\r\n", -1},
};

/* run - encode file whole or in 1-byte pieces */
static void
run(size_t i, bool bytewise, struct buf *out)
{
	struct pop3_msg m;
	const char *f = cases[i].file;
	size_t n = strlen(f);

	/* the NUL case: the file holds a NUL, so take its true length */
	if (strcmp(cases[i].name, "NUL in the body") == 0)
		n = 10;
	buf_reset(out);
	pop3_msg_init(&m, cases[i].top >= 0,
	    cases[i].top >= 0 ? (unsigned long)cases[i].top : 0);
	if (bytewise) {
		for (size_t k = 0; k < n && !pop3_msg_done(&m); k++)
			pop3_msg_encode(&m, f + k, 1, out);
	} else {
		pop3_msg_encode(&m, f, n, out);
	}
	pop3_msg_finish(&m, out);
}

int
main(void)
{
	struct buf *out = buf_new(256);

	for (size_t i = 0; i < NELEM(cases); i++) {
		size_t wlen = strlen(cases[i].wire);

		if (strcmp(cases[i].name, "NUL in the body") == 0)
			wlen = 16;
		t_begin(cases[i].name);
		run(i, false, out);
		T_MEMEQ(buf_cstr(out), buf_len(out), cases[i].wire, wlen);
		run(i, true, out);
		T_MEMEQ(buf_cstr(out), buf_len(out), cases[i].wire, wlen);
		if (cases[i].size >= 0) {
			struct pop3_msg m;
			size_t n = strlen(cases[i].file);

			if (strcmp(cases[i].name, "NUL in the body") == 0)
				n = 10;
			pop3_msg_init(&m, false, 0);
			pop3_msg_wire(&m, cases[i].file, n);
			T_INTEQ(m.wire, cases[i].size);
		}
	}

	t_begin("the size counts CRLF but not stuffing or the terminator");
	{
		struct pop3_msg m;
		const char *f = "A: b\n\n.x\n";

		pop3_msg_init(&m, false, 0);
		pop3_msg_encode(&m, f, strlen(f), out);
		T_INTEQ(m.wire, strlen(f) + 3);
	}

	buf_free(&out);
	return t_end();
}

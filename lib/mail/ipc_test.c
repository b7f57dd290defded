/*
 * ipc_test.c - encoding round trips and the strict decoder.
 */
#include "util/sys_defs.h"

#include <sys/socket.h>

#include "util/buf.h"
#include "util/stream.h"

#include "mail/ipc.h"

#include "tests/t.h"

static const struct {
	const char *wire;
	const char *err;
} bad[] = {
    {"", "truncated"},
    {"Type\n\n", "malformed message type"},
    {"t\nname\n\n", "malformed attribute"},
    {"t\nNAME=x\n\n", "malformed attribute"},
    {"t\na=%4\n\n", "bad % escape"},
    {"t\na=%zz\n\n", "bad % escape"},
    {"t\na=x\r\n\n", "bad character"},
    {"t\na=x\n", "truncated"},
    {"t\na=x\n\nextra", "data after the end"},
};

int
main(void)
{
	struct ipc_msg *m = ipc_new(), *r = ipc_new();
	struct buf *wire = buf_new(64), *why = buf_new(64), *v = buf_new(64);
	long n;
	bool b;
	int sv[2];

	t_begin("round trip with awkward bytes");
	ipc_begin(m, "auth");
	ipc_put_str(m, "user", "joe@example.com");
	ipc_put_data(m, "pass", "a%b\nc\r\0d", 8);
	ipc_put_long(m, "count", -42);
	ipc_put_bool(m, "tls", true);
	ipc_encode(m, wire);
	T_STREQ(buf_cstr(wire),
	    "auth\nuser=joe@example.com\n"
	    "pass=a%25b%0Ac%0D%00d\ncount=-42\ntls=1\n\n");
	T_INTEQ(ipc_decode(buf_cstr(wire), buf_len(wire), r, why), 0);
	T_STREQ(ipc_type(r), "auth");
	T_INTEQ(ipc_get_str(r, "user", v), 0);
	T_STREQ(buf_cstr(v), "joe@example.com");
	T_INTEQ(ipc_get_str(r, "pass", v), 0);
	T_MEMEQ(buf_cstr(v), buf_len(v), "a%b\nc\r\0d", 8);
	T_INTEQ(ipc_get_long(r, "count", -100, 100, &n), 0);
	T_INTEQ(n, -42);
	T_ASSERT(ipc_next_is(r, "tls"));
	T_INTEQ(ipc_get_bool(r, "tls", &b), 0);
	T_ASSERT(b);
	T_INTEQ(ipc_end(r), 0);

	t_begin("strict order, extras and bounds");
	ipc_decode(buf_cstr(wire), buf_len(wire), r, why);
	T_INTEQ(ipc_get_str(r, "pass", v), -1); /* out of order */
	T_INTEQ(ipc_get_str(r, "user", v), 0);
	T_INTEQ(ipc_end(r), -1); /* left over */
	ipc_get_str(r, "pass", v);
	T_INTEQ(ipc_get_long(r, "count", 0, 100, &n), -1); /* bound */

	for (size_t i = 0; i < NELEM(bad); i++) {
		t_begin(bad[i].wire);
		buf_reset(why);
		T_INTEQ(
		    ipc_decode(bad[i].wire, strlen(bad[i].wire), r, why), -1);
		T_ASSERT(strstr(buf_cstr(why), bad[i].err) != NULL);
	}

	t_begin("over a socket");
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	{
		struct stream *a = stream_open(sv[0]), *c = stream_open(sv[1]);

		T_INTEQ(ipc_send(a, m), 0);
		T_INTEQ(ipc_send(a, m), 0);
		T_INTEQ(ipc_recv(c, r, why), 0);
		T_INTEQ(ipc_recv(c, r, why), 0);
		T_STREQ(ipc_type(r), "auth");
		stream_close(&a);
		buf_reset(why);
		T_INTEQ(ipc_recv(c, r, why), -1);
		T_STREQ(buf_cstr(why), "lost connection");
		stream_close(&c);
	}
	ipc_free(&m);
	ipc_free(&r);
	buf_free(&wire);
	buf_free(&why);
	buf_free(&v);
	return t_end();
}

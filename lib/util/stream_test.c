/*
 * stream_test.c - lines, limits, timeouts, deadlines and sticky errors,
 * over a socketpair.
 */
#include "util/sys_defs.h"

#include <sys/socket.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/stream.h"

#include "tests/t.h"

static void
pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		t_fail(__FILE__, __LINE__, "socketpair");
}

int
main(void)
{
	struct buf *line = buf_new(64);
	struct stream *a, *b;
	int sv[2];
	char c[8];

	t_begin("lines keep their terminators");
	pair(sv);
	a = stream_open(sv[0]);
	b = stream_open(sv[1]);
	T_ASSERT(stream_puts(a, "EHLO x\r\nbare\nlast") == 0);
	T_ASSERT(stream_flush(a) == 0);
	stream_close(&a);
	T_INTEQ(stream_getline(b, line, 100), 8);
	T_STREQ(buf_cstr(line), "EHLO x\r\n");
	T_INTEQ(stream_getline(b, line, 100), 5);
	T_STREQ(buf_cstr(line), "bare\n");
	T_INTEQ(stream_getline(b, line, 100), 4); /* partial at EOF */
	T_STREQ(buf_cstr(line), "last");
	T_INTEQ(stream_getline(b, line, 100), -1);
	T_INTEQ(stream_status(b), STREAM_EOF);
	T_INTEQ(stream_getline(b, line, 100), -1); /* sticky */
	stream_close(&b);

	t_begin("too long line is not sticky and can be skipped");
	pair(sv);
	a = stream_open(sv[0]);
	b = stream_open(sv[1]);
	stream_puts(a, "0123456789abcdef\r\nnext\r\n");
	stream_flush(a);
	T_INTEQ(stream_getline(b, line, 10), -1);
	T_INTEQ(stream_status(b), STREAM_TOOLONG);
	T_INTEQ(buf_len(line), 10);
	T_INTEQ(stream_skipline(b, 1000), 0);
	T_INTEQ(stream_getline(b, line, 10), 6);
	T_STREQ(buf_cstr(line), "next\r\n");
	stream_close(&a);
	stream_close(&b);

	t_begin("per-call timeout");
	pair(sv);
	a = stream_open(sv[0]);
	b = stream_open(sv[1]);
	stream_set_timeout_ms(b, 50);
	{
		int64_t t0 = clock_ms();

		T_INTEQ(stream_getline(b, line, 10), -1);
		T_INTEQ(stream_status(b), STREAM_TIMEOUT);
		T_ASSERT(clock_ms() - t0 >= 40);
		T_STREQ(stream_strerror(b), "timeout");
	}
	stream_clear(b);
	stream_puts(a, "x\n");
	stream_flush(a);
	T_INTEQ(stream_getline(b, line, 10), 2);

	t_begin("deadline cuts a slow trickle");
	stream_set_timeout_ms(b, 1000);
	stream_deadline_start(b, 0, 0);
	T_INTEQ(stream_read(b, c, 1), -1);
	T_INTEQ(stream_status(b), STREAM_TIMEOUT);
	stream_deadline_stop(b);
	stream_clear(b);

	t_begin("read_exact and pending");
	stream_write(a, "abcdef", 6);
	stream_flush(a);
	T_INTEQ(stream_read_exact(b, c, 3), 0);
	T_MEMEQ(c, 3, "abc", 3);
	T_ASSERT(stream_pending(b) == 3);
	stream_discard_input(b);
	T_ASSERT(stream_pending(b) == 0);
	T_ASSERT(stream_bytes_in(b) == 2 + 6);
	stream_close(&a);
	stream_close(&b);

	t_begin("write to closed peer is an error");
	pair(sv);
	a = stream_open(sv[0]);
	close(sv[1]);
	T_ASSERT(stream_puts(a, "x") == 0);
	T_INTEQ(stream_flush(a), -1);
	T_ASSERT(stream_status(a) == STREAM_EOF);
	stream_close(&a);
	buf_free(&line);
	return t_end();
}

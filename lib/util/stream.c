/*
 * stream.c - buffered I/O on a descriptor, with per-call timeouts and
 * per-operation deadlines (see stream.h). This is the only file in the
 * suite that calls read() and write() on sockets (lint checks it), so the
 * rules live in one place: poll(), never select(); CLOCK_MONOTONIC; EINTR
 * recomputes the remaining time; errors are sticky.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/xalloc.h"

#define STREAM_RBUF 16384
#define STREAM_WBUF 16384

struct stream {
	int fd;
	bool is_sock; /* send(MSG_NOSIGNAL) instead of write */
	enum stream_status status;
	int err; /* errno of an I/O error */
	int timeout_ms;
	int64_t deadline_ms; /* absolute, monotonic; 0 = none */
	int min_rate;        /* bytes per second that extend it */
	uint64_t rate_carry; /* bytes not yet credited */
	char rbuf[STREAM_RBUF];
	size_t rpos, rlen;
	char wbuf[STREAM_WBUF];
	size_t wlen;
	const struct stream_io *io;
	void *io_ctx;
	unsigned long long in, out;
};

/* stream_open - wrap a descriptor */
struct stream *
stream_open(int fd)
{
	struct stream *s = xcalloc(1, sizeof(*s));
	int fl = fcntl(fd, F_GETFL);
	int type;
	socklen_t tlen = sizeof(type);

	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	s->fd = fd;
	s->is_sock = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tlen) == 0;
	s->timeout_ms = 300 * 1000;
	return s;
}

/* stream_release - free the stream, return the descriptor */
int
stream_release(struct stream **sp)
{
	int fd;

	if (*sp == NULL)
		return -1;
	fd = (*sp)->fd;
	explicit_bzero(*sp, sizeof(**sp));
	free(*sp);
	*sp = NULL;
	return fd;
}

/* stream_close - close and free */
void
stream_close(struct stream **sp)
{
	int fd = stream_release(sp);

	if (fd >= 0)
		close(fd);
}

/* stream_fd - the descriptor */
int
stream_fd(const struct stream *s)
{
	return s->fd;
}

/* stream_set_timeout_ms - per-call timeout */
void
stream_set_timeout_ms(struct stream *s, int ms)
{
	s->timeout_ms = ms;
}

/* stream_set_timeout - per-call timeout in seconds */
void
stream_set_timeout(struct stream *s, int seconds)
{
	s->timeout_ms = seconds > INT32_MAX / 1000 ? INT32_MAX : seconds * 1000;
}

/* stream_deadline_start - bound a whole operation */
void
stream_deadline_start(struct stream *s, int seconds, int min_rate)
{
	s->deadline_ms = clock_ms() + (int64_t)seconds * 1000;
	s->min_rate = min_rate;
	s->rate_carry = 0;
}

/* stream_deadline_stop - no deadline */
void
stream_deadline_stop(struct stream *s)
{
	s->deadline_ms = 0;
}

/* stream_credit - data moved: extend the deadline at the minimum rate */
static void
stream_credit(struct stream *s, size_t n)
{
	if (s->deadline_ms == 0 || s->min_rate <= 0)
		return;
	s->rate_carry += n;
	if (s->rate_carry * 1000 >= (uint64_t)s->min_rate) {
		uint64_t ms = s->rate_carry * 1000 / (uint64_t)s->min_rate;

		s->deadline_ms += (int64_t)ms;
		s->rate_carry -= ms * (uint64_t)s->min_rate / 1000;
	}
}

/* stream_fail - set a sticky status */
static int
stream_fail(struct stream *s, enum stream_status st, int err)
{
	if (s->status == STREAM_OK || s->status == STREAM_TOOLONG) {
		s->status = st;
		s->err = err;
	}
	return -1;
}

/* stream_wait - wait for events within the timeout and deadline */
int
stream_wait(struct stream *s, short events)
{
	int64_t start = clock_ms();

	if (s->status != STREAM_OK && s->status != STREAM_TOOLONG)
		return -1;
	for (;;) {
		struct pollfd pfd = {.fd = s->fd, .events = events};
		int64_t now = clock_ms(), wait = -1;
		int r;

		if (s->timeout_ms > 0)
			wait = start + s->timeout_ms - now;
		if (s->deadline_ms > 0
		    && (wait < 0 || s->deadline_ms - now < wait))
			wait = s->deadline_ms - now;
		if (wait < 0 && (s->timeout_ms > 0 || s->deadline_ms > 0))
			wait = 0;
		r = poll(&pfd, 1, wait > INT32_MAX ? INT32_MAX : (int)wait);
		if (r > 0)
			return 0;
		if (r == 0)
			return stream_fail(s, STREAM_TIMEOUT, 0);
		if (errno != EINTR)
			return stream_fail(s, STREAM_ERROR, errno);
	}
}

/* stream_raw_read - one read through the hook or the descriptor */
static ssize_t
stream_raw_read(struct stream *s, void *p, size_t n)
{
	for (;;) {
		short want = POLLIN;
		ssize_t r;

		if (s->io) {
			r = s->io->read(s->io_ctx, p, n, &want);
			if (r == STREAM_IO_ERROR)
				return stream_fail(s, STREAM_ERROR, EIO);
		} else {
			r = read(s->fd, p, n);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				return stream_fail(s,
				    errno == ECONNRESET ? STREAM_EOF
				                        : STREAM_ERROR,
				    errno);
			if (r < 0)
				r = STREAM_IO_WANT;
		}
		if (r == 0)
			return stream_fail(s, STREAM_EOF, 0);
		if (r > 0) {
			s->in += (unsigned long long)r;
			stream_credit(s, (size_t)r);
			return r;
		}
		if (stream_wait(s, want) < 0)
			return -1;
	}
}

/* stream_fill - read more into the read buffer; -1 on error/EOF */
static int
stream_fill(struct stream *s)
{
	ssize_t r;

	if (s->rpos > 0 && s->rpos == s->rlen)
		s->rpos = s->rlen = 0;
	if (s->rpos > 0 && s->rlen == sizeof(s->rbuf)) {
		memmove(s->rbuf, s->rbuf + s->rpos, s->rlen - s->rpos);
		s->rlen -= s->rpos;
		s->rpos = 0;
	}
	r = stream_raw_read(s, s->rbuf + s->rlen, sizeof(s->rbuf) - s->rlen);
	if (r < 0)
		return -1;
	s->rlen += (size_t)r;
	return 0;
}

/* stream_getline - one line, terminator included */
ssize_t
stream_getline(struct stream *s, struct buf *line, size_t max)
{
	buf_reset(line);
	if (s->status == STREAM_TOOLONG)
		s->status = STREAM_OK;
	if (s->status != STREAM_OK)
		return -1;
	for (;;) {
		size_t avail = s->rlen - s->rpos;
		size_t room = max - buf_len(line);
		char *nl;
		size_t take;

		if (avail > 0) {
			nl = memchr(s->rbuf + s->rpos, '\n', MIN(avail, room));
			take = nl ? (size_t)(nl - (s->rbuf + s->rpos)) + 1
			          : MIN(avail, room);
			if (buf_cat(line, s->rbuf + s->rpos, take) < 0) {
				s->status = STREAM_TOOLONG;
				return -1;
			}
			s->rpos += take;
			if (nl)
				return (ssize_t)buf_len(line);
			if (buf_len(line) >= max) {
				s->status = STREAM_TOOLONG;
				return -1;
			}
		}
		if (stream_fill(s) < 0) {
			if (s->status == STREAM_EOF && buf_len(line) > 0)
				return (ssize_t)buf_len(line);
			return -1;
		}
	}
}

/* stream_skipline - discard the rest of a line */
int
stream_skipline(struct stream *s, size_t max)
{
	size_t skipped = 0;

	if (s->status == STREAM_TOOLONG)
		s->status = STREAM_OK;
	while (s->status == STREAM_OK) {
		size_t avail = s->rlen - s->rpos;
		char *nl = memchr(s->rbuf + s->rpos, '\n', avail);

		if (nl) {
			s->rpos = (size_t)(nl - s->rbuf) + 1;
			return 0;
		}
		s->rpos = s->rlen;
		skipped += avail;
		if (skipped > max) {
			s->status = STREAM_TOOLONG;
			return -1;
		}
		if (stream_fill(s) < 0)
			return -1;
	}
	return -1;
}

/* stream_read - some bytes */
ssize_t
stream_read(struct stream *s, void *p, size_t n)
{
	size_t avail;

	if (s->status == STREAM_TOOLONG)
		s->status = STREAM_OK;
	if (s->status != STREAM_OK || n == 0)
		return s->status == STREAM_OK ? 0 : -1;
	if (s->rpos == s->rlen) {
		/* Large reads bypass the buffer. */
		if (n >= sizeof(s->rbuf))
			return stream_raw_read(s, p, n);
		if (stream_fill(s) < 0)
			return -1;
	}
	avail = s->rlen - s->rpos;
	if (avail > n)
		avail = n;
	memcpy(p, s->rbuf + s->rpos, avail);
	s->rpos += avail;
	return (ssize_t)avail;
}

/* stream_read_exact - exactly n bytes */
int
stream_read_exact(struct stream *s, void *p, size_t n)
{
	char *cp = p;

	while (n > 0) {
		ssize_t r = stream_read(s, cp, n);

		if (r <= 0)
			return -1;
		cp += r;
		n -= (size_t)r;
	}
	return 0;
}

/* stream_raw_write - write all of p through the hook or descriptor */
static int
stream_raw_write(struct stream *s, const char *p, size_t n)
{
	while (n > 0) {
		short want = POLLOUT;
		ssize_t w;

		if (s->io) {
			w = s->io->write(s->io_ctx, p, n, &want);
			if (w == STREAM_IO_ERROR || w == 0)
				return stream_fail(s, STREAM_ERROR, EIO);
		} else {
			/* A peer that went away must be an error, not a
			 * SIGPIPE that kills the process. */
			w = s->is_sock ? send(s->fd, p, n, MSG_NOSIGNAL)
			               : write(s->fd, p, n);
			if (w < 0 && errno != EAGAIN && errno != EINTR)
				return stream_fail(s,
				    errno == EPIPE || errno == ECONNRESET
				        ? STREAM_EOF
				        : STREAM_ERROR,
				    errno);
			if (w < 0)
				w = STREAM_IO_WANT;
		}
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			s->out += (unsigned long long)w;
			stream_credit(s, (size_t)w);
			continue;
		}
		if (stream_wait(s, want) < 0)
			return -1;
	}
	return 0;
}

/* stream_flush - write out buffered output */
int
stream_flush(struct stream *s)
{
	size_t n = s->wlen;

	if (s->status != STREAM_OK && s->status != STREAM_TOOLONG)
		return -1;
	s->wlen = 0;
	return n ? stream_raw_write(s, s->wbuf, n) : 0;
}

/* stream_write - buffered write */
int
stream_write(struct stream *s, const void *p, size_t n)
{
	if (s->status != STREAM_OK && s->status != STREAM_TOOLONG)
		return -1;
	if (s->wlen + n > sizeof(s->wbuf)) {
		if (stream_flush(s) < 0)
			return -1;
		if (n >= sizeof(s->wbuf))
			return stream_raw_write(s, p, n);
	}
	memcpy(s->wbuf + s->wlen, p, n);
	s->wlen += n;
	return 0;
}

/* stream_puts - buffered write of a string */
int
stream_puts(struct stream *s, const char *str)
{
	return stream_write(s, str, strlen(str));
}

/* stream_printf - buffered formatted write */
int
stream_printf(struct stream *s, const char *fmt, ...)
{
	char small[1024];
	va_list ap;
	int n, ret;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return stream_write(s, small, (size_t)n);
	{
		struct buf *b = buf_new((size_t)n + 1);

		va_start(ap, fmt);
		ret = buf_vprintf(b, fmt, ap);
		va_end(ap);
		if (ret == 0)
			ret = stream_write(s, buf_cstr(b), buf_len(b));
		buf_free(&b);
	}
	return ret;
}

/* stream_status - current status */
enum stream_status
stream_status(const struct stream *s)
{
	return s->status;
}

/* stream_strerror - text for the status */
const char *
stream_strerror(const struct stream *s)
{
	switch (s->status) {
	case STREAM_OK:
		return "no error";
	case STREAM_EOF:
		return "lost connection";
	case STREAM_TIMEOUT:
		return "timeout";
	case STREAM_TOOLONG:
		return "line too long";
	case STREAM_ERROR:
		return s->err ? strerror(s->err) : "I/O error";
	}
	return "unknown error";
}

/* stream_clear - forget a sticky error */
void
stream_clear(struct stream *s)
{
	s->status = STREAM_OK;
	s->err = 0;
}

/* stream_pending - buffered input */
size_t
stream_pending(const struct stream *s)
{
	size_t n = s->rlen - s->rpos;

	if (s->io && s->io->pending)
		n += s->io->pending(s->io_ctx);
	return n;
}

/* stream_readable - input available now or within ms */
bool
stream_readable(struct stream *s, int ms)
{
	struct pollfd pfd = {.fd = s->fd, .events = POLLIN};

	if (stream_pending(s) > 0)
		return true;
	return poll(&pfd, 1, ms) > 0;
}

/* stream_discard_input - drop what is buffered */
void
stream_discard_input(struct stream *s)
{
	s->rpos = s->rlen = 0;
}

/* stream_set_io - install (or, with NULL, remove) an I/O hook */
void
stream_set_io(struct stream *s, const struct stream_io *io, void *ctx)
{
	s->io = io;
	s->io_ctx = ctx;
}

/* stream_bytes_in - bytes read */
unsigned long long
stream_bytes_in(const struct stream *s)
{
	return s->in;
}

/* stream_bytes_out - bytes written */
unsigned long long
stream_bytes_out(const struct stream *s)
{
	return s->out;
}

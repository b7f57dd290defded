/*
 * stream.h - buffered I/O on a descriptor, with a per-call timeout and an
 * optional whole-operation deadline.
 *
 * Every socket read and write in the suite goes through here, so that no
 * peer can stall a process forever. The descriptor is put in non-blocking
 * mode and every wait is a poll() bounded by the smaller of the per-call
 * timeout and the deadline, measured on CLOCK_MONOTONIC.
 *
 * Errors (EOF, timeout, I/O error) are sticky: after one, every call fails
 * until stream_clear(). STREAM_TOOLONG (a line longer than the caller's
 * limit) is not sticky: the caller decides what to do with the rest.
 *
 * TLS sits below the stream as an I/O hook (stream_set_io): the hook does
 * one non-blocking read or write and says which poll event it needs; the
 * stream does the waiting, so the same timeouts cover TLS records and
 * handshakes.
 */
#ifndef UTIL_STREAM_H
#define UTIL_STREAM_H
#include <sys/types.h>

#include "util/sys_defs.h"

struct buf;
struct stream;

enum stream_status {
	STREAM_OK = 0,
	STREAM_EOF,     /* peer closed */
	STREAM_TIMEOUT, /* per-call timeout or deadline */
	STREAM_ERROR,   /* I/O error (errno text in stream_strerror) */
	STREAM_TOOLONG, /* line over the caller's limit (not sticky) */
};

/* I/O hook results: > 0 bytes, 0 EOF, STREAM_IO_ERROR, STREAM_IO_WANT with
 * *events_out set to POLLIN or POLLOUT (then the stream waits and retries) */
#define STREAM_IO_ERROR (-1)
#define STREAM_IO_WANT  (-2)
struct stream_io {
	ssize_t (*read)(void *ctx, void *buf, size_t n, short *events_out);
	ssize_t (*write)(
	    void *ctx, const void *buf, size_t n, short *events_out);
	/* pending - bytes the hook holds already decoded (TLS), or NULL */
	size_t (*pending)(void *ctx);
};

/* stream_open - wrap fd (owned by the stream from now on) */
struct stream *stream_open(int fd);
/* stream_close - flush nothing, close fd, free, set *sp = NULL */
void stream_close(struct stream **sp);
/* stream_release - free the stream, keep fd open, return it */
int stream_release(struct stream **sp);
int stream_fd(const struct stream *s);

/* per-call timeout in milliseconds (0 = none) */
void stream_set_timeout_ms(struct stream *s, int ms);
void stream_set_timeout(struct stream *s, int seconds);
/* stream_deadline_start - the whole operation must end within seconds;
 * with min_rate > 0, each byte moved extends the deadline by 1/min_rate
 * seconds (a slow but steady transfer may go on) */
void stream_deadline_start(struct stream *s, int seconds, int min_rate);
void stream_deadline_stop(struct stream *s);

/* stream_getline - read through the next "\n" into line (reset first),
 * terminator included. Returns the length, or -1 with the status set:
 * EOF with no data, TIMEOUT, ERROR, or TOOLONG when max bytes came without
 * "\n" (those bytes are in line and consumed; the rest of the line is left
 * for stream_skipline). EOF after a partial line returns the partial line. */
ssize_t stream_getline(struct stream *s, struct buf *line, size_t max);
/* stream_skipline - discard through the next "\n" (at most max bytes);
 * returns 0, or -1 (max reached or a sticky error) */
int stream_skipline(struct stream *s, size_t max);
/* stream_read - up to n bytes (at least 1 unless -1: EOF or error) */
ssize_t stream_read(struct stream *s, void *p, size_t n);
/* stream_read_exact - exactly n bytes, or -1 */
int stream_read_exact(struct stream *s, void *p, size_t n);
/* stream_write/puts/printf buffer output; they flush when the buffer is
 * full. Return 0 or -1. */
int stream_write(struct stream *s, const void *p, size_t n);
int stream_puts(struct stream *s, const char *str);
int stream_printf(struct stream *s, const char *fmt, ...) ATTR_PRINTF(2, 3);
int stream_flush(struct stream *s);

enum stream_status stream_status(const struct stream *s);
/* stream_strerror - text for the status ("timeout", "lost connection",
 * or the errno text of an I/O error) */
const char *stream_strerror(const struct stream *s);
void stream_clear(struct stream *s);
/* stream_pending - input already buffered (by us or the I/O hook) */
size_t stream_pending(const struct stream *s);
/* stream_readable - true when input is buffered or arrives within ms */
bool stream_readable(struct stream *s, int ms);
/* stream_discard_input - drop buffered input (after STARTTLS, RFC 3207 s5) */
void stream_discard_input(struct stream *s);
/* stream_wait - poll for events within the timeout/deadline; 0 or -1 */
int stream_wait(struct stream *s, short events);
void stream_set_io(struct stream *s, const struct stream_io *io, void *ctx);
/* stream_bytes_in/out - totals moved, for logs */
unsigned long long stream_bytes_in(const struct stream *s);
unsigned long long stream_bytes_out(const struct stream *s);

#endif /* UTIL_STREAM_H */

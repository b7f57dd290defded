/*
 * tls_test.c - TLS below the stream: protocol lists, contexts, a real
 * handshake over a socket pair (client in a child process), input sent
 * before the handshake is discarded, and the stream timeout bounds a
 * stalled handshake.
 */
#include "util/sys_defs.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/stream.h"

#include "mail/tls.h"
#include "mail/tls_cert.h"

#include "tests/t.h"

static char cert[512], key[512];

/* client_run - the child: plaintext prefix, TLS, one line each way */
static int
client_run(int fd, const char *plain_prefix, bool do_tls)
{
	struct stream *s = stream_open(fd);
	struct buf *why = buf_new(64), *line = buf_new(64);
	struct tls_ctx *ctx;
	struct tls_conn *c;
	int ok = 1;

	stream_set_timeout(s, 5);
	if (plain_prefix) {
		stream_puts(s, plain_prefix);
		stream_flush(s);
		if (stream_getline(s, line, 100) < 0)
			return 10;
	}
	if (!do_tls) {
		sleep(2);
		return 0;
	}
	ctx = tls_client_ctx_new(cert, ">=TLSv1.2", NULL, why);
	if (ctx == NULL)
		return 11;
	c = tls_client_start(ctx, s, "mx.gannet.test", why);
	if (c == NULL)
		return 12;
	if (!tls_conn_verified(c))
		ok = 0;
	stream_puts(s, "hello\r\n");
	stream_flush(s);
	if (stream_getline(s, line, 100) < 0 || !buf_eq(line, "world\r\n"))
		return 13;
	tls_conn_stop(&c, s);
	tls_ctx_free(&ctx);
	stream_close(&s);
	buf_free(&why);
	buf_free(&line);
	return ok ? 0 : 14;
}

/* start_client - fork the client on one end of a socket pair; returns
 * the other end */
static int
start_client(pid_t *pid, const char *prefix, bool do_tls)
{
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if ((*pid = fork()) == 0) {
		close(sv[0]);
		_exit(client_run(sv[1], prefix, do_tls));
	}
	close(sv[1]);
	return sv[0];
}

/* client_status - exit code of the child */
static int
client_status(pid_t pid)
{
	int st;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 99;
}

static const struct {
	const char *spec;
	int ret;
	const char *min;
} proto_cases[] = {
    {">=TLSv1.2", 0, "TLSv1.2"},
    {">=TLSv1.3", 0, "TLSv1.3"},
    {" >=tlsv1.1 ", 0, "TLSv1.1"},
    {"!SSLv2, !SSLv3, !TLSv1, !TLSv1.1", 0, "TLSv1.2"},
    {"!SSLv2:!SSLv3", 0, "TLSv1"},
    {"", 0, "TLSv1"},
    {"!TLSv1.2", -1, NULL},
    {">=TLSv9", -1, NULL},
    {"TLSv1.2", -1, NULL},
    {"!TLSv1 !TLSv1.1 !TLSv1.2 !TLSv1.3", -1, NULL},
    {">=TLSv1.2 junk", -1, NULL},
};

int
main(void)
{
	struct buf *why = buf_new(64), *line = buf_new(64);
	struct tls_ctx *ctx;
	struct tls_conn *c;
	struct stream *s;
	pid_t pid;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < NELEM(proto_cases); i++) {
		const char *min = NULL;

		t_begin("protocol lists");
		buf_reset(why);
		T_INTEQ(tls_protocols_parse(proto_cases[i].spec, &min, why),
		    proto_cases[i].ret);
		if (proto_cases[i].ret == 0)
			T_STREQ(min, proto_cases[i].min);
	}

	t_begin("server context");
	snprintf(cert, sizeof(cert), "%s/cert.pem", t_tmpdir());
	snprintf(key, sizeof(key), "%s/key.pem", t_tmpdir());
	T_ASSERT(
	    tls_cert_make_selfsigned(cert, key, "mx.gannet.test", 1, why) == 0);
	ctx = tls_server_ctx_new(cert, key, ">=TLSv1.2", NULL, why);
	T_ASSERT(ctx != NULL);
	buf_reset(why);
	T_ASSERT(
	    tls_server_ctx_new(cert, "/nonexistent", NULL, NULL, why) == NULL);
	T_ASSERT(strstr(buf_cstr(why), "/nonexistent") != NULL);
	T_ASSERT(tls_server_ctx_new(key, key, NULL, NULL, why) == NULL);
	T_ASSERT(
	    tls_server_ctx_new(cert, key, NULL, "NOSUCHCIPHER", why) == NULL);
	if (ctx == NULL)
		return t_end();

	t_begin("handshake and data");
	fd = start_client(&pid, NULL, true);
	s = stream_open(fd);
	stream_set_timeout(s, 5);
	c = tls_server_start(ctx, s, why);
	T_ASSERT(c != NULL);
	if (c) {
		T_STREQ(tls_conn_version(c), "TLSv1.3");
		T_ASSERT(tls_conn_bits(c) >= 128);
		buf_reset(line);
		tls_conn_describe(c, line);
		T_ASSERT(strstr(buf_cstr(line), "TLSv1.3 with cipher TLS_")
		    == buf_cstr(line));
		T_ASSERT(stream_getline(s, line, 100) == 7);
		T_STREQ(buf_cstr(line), "hello\r\n");
		stream_puts(s, "world\r\n");
		T_ASSERT(stream_flush(s) == 0);
		tls_conn_stop(&c, s);
	}
	stream_close(&s);
	T_INTEQ(client_status(pid), 0);

	t_begin("plaintext sent before the handshake is discarded");
	fd = start_client(&pid, "STARTTLS\r\nMAIL FROM:<evil@x>\r\n", true);
	s = stream_open(fd);
	stream_set_timeout(s, 5);
	T_ASSERT(stream_getline(s, line, 100) > 0);
	T_STREQ(buf_cstr(line), "STARTTLS\r\n");
	/* Give the injected line time to arrive in our buffer. */
	usleep(100000);
	stream_puts(s, "220 go ahead\r\n");
	stream_flush(s);
	c = tls_server_start(ctx, s, why);
	T_ASSERT(c != NULL);
	if (c) {
		T_ASSERT(stream_getline(s, line, 100) > 0);
		T_STREQ(buf_cstr(line), "hello\r\n");
		stream_puts(s, "world\r\n");
		stream_flush(s);
		tls_conn_stop(&c, s);
	}
	stream_close(&s);
	T_INTEQ(client_status(pid), 0);

	t_begin("a stalled handshake times out");
	fd = start_client(&pid, NULL, false);
	s = stream_open(fd);
	stream_set_timeout_ms(s, 200);
	buf_reset(why);
	c = tls_server_start(ctx, s, why);
	T_ASSERT(c == NULL);
	T_ASSERT(strstr(buf_cstr(why), "timeout") != NULL);
	stream_close(&s);
	kill(pid, SIGKILL);
	client_status(pid);

	tls_ctx_free(&ctx);
	T_ASSERT(ctx == NULL);
	buf_free(&why);
	buf_free(&line);
	return t_end();
}

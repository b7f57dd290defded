/*
 * tls_client_test.c - the TLS client against an OpenSSL server in a child
 * process, over a socketpair (no network): trust levels, required
 * verification, data through the stream hook. Also the policy parser.
 */
#include "util/sys_defs.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "util/buf.h"
#include "util/stream.h"
#include "util/strutil.h"

#include "mail/tls_cert.h"
#include "mail/tls_client.h"
#include "mail/tls_policy.h"

#include "tests/t.h"

static char cert[512], key[512];

/* server - child: TLS server on fd, echo one line back, exit */
static pid_t
server(int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
		SSL *ssl;
		char line[256];
		int n;

		if (!SSL_CTX_use_certificate_chain_file(ctx, cert)
		    || !SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM))
			_exit(2);
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1)
			_exit(
			    0); /* the client gave up: expected in some cases */
		if ((n = SSL_read(ssl, line, sizeof(line))) > 0)
			SSL_write(ssl, line, n);
		SSL_shutdown(ssl);
		_exit(0);
	}
	close(fd);
	return pid;
}

struct tcase {
	const char *name;
	const char *cafile; /* NULL: none (system default CAs) */
	const char *match;  /* ':'-separated, NULL none */
	bool require;
	bool ok;
	enum tls_trust trust;
};

static void
run(const struct tcase *tc)
{
	struct tls_ctx *ctx;
	struct tls_conn *conn;
	struct tls_info info;
	struct buf *why = buf_new(64), *line = buf_new(64);
	struct strv match;
	struct stream *s;
	int sv[2], status;
	pid_t pid;

	t_begin(tc->name);
	strv_init(&match);
	if (tc->match)
		strv_split(&match, tc->match, ":");
	T_INTEQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = server(sv[1]);
	ctx = tls_client_ctx_trust(tc->cafile, NULL, why);
	T_ASSERT(ctx != NULL);
	s = stream_open(sv[0]);
	stream_set_timeout(s, 5);
	conn = tls_client_start_checked(
	    ctx, s, "mx.gannet.test", &match, tc->require, &info, why);
	T_INTEQ(conn != NULL, tc->ok);
	if (conn) {
		T_INTEQ(info.trust, tc->trust);
		T_ASSERT(str_has_prefix(info.protocol, "TLSv1."));
		T_STREQ(info.subject_cn, "mx.gannet.test");
		T_ASSERT(strstr(info.subject, "CN=mx.gannet.test") != NULL);
		T_STREQ(info.names, "mx.gannet.test");
		T_ASSERT(strlen(info.fingerprint) == 95);
		T_INTEQ(stream_puts(s, "hello through TLS\r\n"), 0);
		T_INTEQ(stream_flush(s), 0);
		T_ASSERT(stream_getline(s, line, 100) > 0);
		T_STREQ(buf_cstr(line), "hello through TLS\r\n");
		tls_conn_stop(&conn, s);
		T_ASSERT(conn == NULL);
	} else {
		T_ASSERT(buf_len(why) > 0);
	}
	stream_close(&s);
	waitpid(pid, &status, 0);
	T_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tls_ctx_free(&ctx);
	strv_free(&match);
	buf_free(&why);
	buf_free(&line);
}

static const struct {
	const char *text;
	int ret;
	enum tls_level level;
	const char *names; /* expanded for host mx.example.org, nexthop
	                      example.org */
} policies[] = {
    {"may", 0, TLS_LEV_MAY, "mx.example.org"},
    {"NONE", 0, TLS_LEV_NONE, "mx.example.org"},
    {"encrypt", 0, TLS_LEV_ENCRYPT, "mx.example.org"},
    {"verify", 0, TLS_LEV_VERIFY, "mx.example.org"},
    {"secure", 0, TLS_LEV_SECURE, "example.org .example.org"},
    {"verify match=hostname:nexthop:mail.x.test", 0, TLS_LEV_VERIFY,
        "mx.example.org example.org mail.x.test"},
    {"encrypt match=x", -1, TLS_LEV_ENCRYPT, NULL},
    {"sometimes", -1, TLS_LEV_MAY, NULL},
    {"", -1, TLS_LEV_MAY, NULL},
    {"verify ciphers=high", -1, TLS_LEV_VERIFY, NULL},
};

int
main(void)
{
	struct buf *why = buf_new(64);
	char ca[512];

	signal(SIGPIPE, SIG_IGN);
	snprintf(cert, sizeof(cert), "%s/cert.pem", t_tmpdir());
	snprintf(key, sizeof(key), "%s/key.pem", t_tmpdir());
	snprintf(ca, sizeof(ca), "%s", cert);
	if (tls_cert_make_selfsigned(cert, key, "mx.gannet.test", 30, why) < 0)
		t_fail(__FILE__, __LINE__, "make cert: %s", buf_cstr(why));
	{
		const struct tcase cases[] = {
		    {"self-signed is untrusted", NULL, "mx.gannet.test", false,
		        true, TLS_UNTRUSTED},
		    {"untrusted fails when verification is required", NULL,
		        "mx.gannet.test", true, false, TLS_UNTRUSTED},
		    {"trusted CA and matching name: verified", ca,
		        "mx.gannet.test", true, true, TLS_VERIFIED},
		    {"trusted CA, other name: trusted only", ca,
		        "other.gannet.test", false, true, TLS_TRUSTED},
		    {"trusted CA, other name, required: fails", ca,
		        "other.gannet.test", true, false, TLS_TRUSTED},
		    {"trusted CA, one of several names matches", ca,
		        "a.test:mx.gannet.test", true, true, TLS_VERIFIED},
		    {"trusted CA, no names asked: trusted", ca, NULL, true,
		        true, TLS_TRUSTED},
		    {"wildcard-like suffix name matches", ca, ".gannet.test",
		        true, true, TLS_VERIFIED},
		};

		for (size_t i = 0; i < NELEM(cases); i++)
			run(&cases[i]);
	}
	t_begin("missing CA file");
	T_ASSERT(
	    tls_client_ctx_trust("/nonexistent/ca.pem", NULL, why) == NULL);
	T_ASSERT(strstr(buf_cstr(why), "/nonexistent/ca.pem") != NULL);

	for (size_t i = 0; i < NELEM(policies); i++) {
		struct tls_policy p;
		struct strv names;
		char *joined;

		t_begin(policies[i].text);
		tls_policy_init(&p);
		strv_init(&names);
		buf_reset(why);
		T_INTEQ(tls_policy_parse(policies[i].text, &p, why),
		    policies[i].ret);
		if (policies[i].ret == 0) {
			T_INTEQ(p.level, policies[i].level);
			tls_policy_names(
			    &p, "mx.example.org", "example.org", &names);
			joined = strv_join(&names, " ");
			T_STREQ(joined, policies[i].names);
			free(joined);
		} else {
			T_ASSERT(buf_len(why) > 0);
		}
		strv_free(&names);
		tls_policy_free(&p);
	}
	buf_free(&why);
	return t_end();
}

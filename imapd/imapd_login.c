/*
 * imapd_login.c - the login process: everything a client can do before it
 * has logged in (CAPABILITY, NOOP, ID, LOGOUT, STARTTLS, LOGIN,
 * AUTHENTICATE PLAIN), then the relay of the session's bytes.
 *
 * This process runs in a sandbox that reaches no file, and holds TLS. It
 * does not decide who may log in: it passes the credentials to the mail
 * process (its parent) over a socket pair as an IPC message, and the
 * parent asks the auth service. A login process taken over by a client
 * can thus reach no mail that a correct password would not give it.
 *
 * Messages to the parent:  login  tag, login, password, tls
 * Replies:                 login-reply  status (ok|fail|disabled|
 *                          tempfail|banned|limit)
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <strings.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"

#include "proto/base64.h"
#include "proto/imap_cmd.h"

#include "mail/ipc.h"
#include "mail/params.h"
#include "mail/params_imapd.h"
#include "mail/tls.h"

#include "imapd.h"

struct login {
	struct stream *cl, *parent;
	struct tls_ctx *ctx;
	struct tls_conn *tls;
	bool local;
	const char *addr;
	struct imapd_reader rd;
	struct imap_cmd cmd;
	struct imap_parse_limits lim;
	struct buf *cmdbuf, *tag, *why, *line;
	long failures, bad;
	bool done; /* logged in, or to be closed */
	bool logged_in;
};

/* login_plain_ok - may a password travel now? */
static bool
login_plain_ok(const struct login *l)
{
	return !var_imapd_tls_auth_only || l->tls != NULL || l->local;
}

/* login_capability - before login */
static void
login_capability(const struct login *l, struct buf *out)
{
	buf_cats(out, "IMAP4rev1 IMAP4rev2 SASL-IR LITERAL+ ID ENABLE IDLE");
	if (l->ctx && l->tls == NULL)
		buf_cats(out, " STARTTLS");
	if (login_plain_ok(l))
		buf_cats(out, " AUTH=PLAIN");
	else
		buf_cats(out, " LOGINDISABLED");
}

/* reply - a tagged reply and flush */
static void ATTR_PRINTF(3, 4)
    reply(struct login *l, const char *status, const char *fmt, ...)
{
	va_list ap;

	(void)stream_printf(
	    l->cl, "%s %s ", l->cmd.tag ? l->cmd.tag : "*", status);
	va_start(ap, fmt);
	buf_reset(l->line);
	buf_vprintf(l->line, fmt, ap);
	va_end(ap);
	(void)stream_puts(l->cl, buf_cstr(l->line));
	(void)stream_puts(l->cl, "\r\n");
	(void)stream_flush(l->cl);
}

/* ask_parent - the credentials to the mail process; its verdict */
static void
ask_parent(struct login *l, const char *user, size_t ulen, const char *pass,
    size_t plen)
{
	struct ipc_msg *m = ipc_new();
	struct buf *st = buf_new(16);

	if (memchr(user, 0, ulen) || memchr(pass, 0, plen) || ulen == 0) {
		reply(l, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
		goto fail;
	}
	ipc_begin(m, "login");
	ipc_put_str(m, "tag", l->cmd.tag);
	ipc_put_data(m, "login", user, ulen);
	ipc_put_data(m, "password", pass, plen);
	ipc_put_bool(m, "tls", l->tls != NULL);
	if (ipc_send(l->parent, m) < 0 || ipc_recv(l->parent, m, l->why) < 0
	    || strcmp(ipc_type(m), "login-reply") != 0
	    || ipc_get_str(m, "status", st) < 0 || ipc_end(m) < 0) {
		(void)stream_puts(l->cl, "* BYE Internal error\r\n");
		(void)stream_flush(l->cl);
		l->done = true;
		goto out;
	}
	if (buf_eq(st, "ok")) {
		/* the parent sends the tagged OK itself, through us */
		l->logged_in = l->done = true;
		goto out;
	}
	if (buf_eq(st, "banned")) {
		(void)stream_puts(l->cl,
		    "* BYE [UNAVAILABLE] Too many failed "
		    "logins from your address\r\n");
		(void)stream_flush(l->cl);
		l->done = true;
		goto out;
	}
	if (buf_eq(st, "tempfail"))
		reply(
		    l, "NO", "[UNAVAILABLE] Temporary authentication failure");
	else if (buf_eq(st, "disabled"))
		reply(l, "NO", "[CONTACTADMIN] Account disabled");
	else if (buf_eq(st, "limit"))
		reply(l, "NO",
		    "[UNAVAILABLE] Too many connections for this "
		    "account");
	else
		reply(l, "NO", "[AUTHENTICATIONFAILED] Authentication failed");
fail:
	if (++l->failures >= var_imapd_auth_failure_limit) {
		(void)stream_puts(l->cl, "* BYE Too many failed logins\r\n");
		(void)stream_flush(l->cl);
		l->done = true;
	}
out:
	ipc_free(&m);
	buf_free(&st);
}

/* cmd_authenticate - AUTHENTICATE PLAIN (RFC 4616), with SASL-IR */
static void
cmd_authenticate(struct login *l)
{
	struct buf *resp = buf_new(256), *dec = buf_new_capped(256, 4096);
	const char *d, *e, *z1, *z2;

	if (strcasecmp(l->cmd.mech, "PLAIN") != 0) {
		reply(l, "NO", "Unsupported authentication mechanism");
		goto out;
	}
	if (!login_plain_ok(l)) {
		reply(l, "NO", "[PRIVACYREQUIRED] Use STARTTLS first");
		goto out;
	}
	if (l->cmd.has_initial)
		buf_set(resp, l->cmd.initial.s, l->cmd.initial.len);
	else {
		(void)stream_puts(l->cl, "+ \r\n");
		(void)stream_flush(l->cl);
		if (imapd_read_line(&l->rd, resp) < 0) {
			l->done = true;
			goto out;
		}
	}
	if (buf_eq(resp, "*")) {
		reply(l, "BAD", "Authentication canceled");
		goto out;
	}
	if (buf_eq(resp, "="))
		buf_reset(resp);
	if (base64_decode(buf_cstr(resp), buf_len(resp), dec) < 0) {
		reply(l, "BAD", "Invalid base64 data");
		goto out;
	}
	/* authzid NUL authcid NUL password */
	d = buf_cstr(dec);
	e = d + buf_len(dec);
	if ((z1 = memchr(d, 0, (size_t)(e - d))) == NULL
	    || (z2 = memchr(z1 + 1, 0, (size_t)(e - z1 - 1))) == NULL) {
		reply(l, "BAD", "Malformed PLAIN response");
		goto out;
	}
	if (z1 > d
	    && ((size_t)(z1 - d) != (size_t)(z2 - z1 - 1)
	        || memcmp(d, z1 + 1, (size_t)(z1 - d)) != 0)) {
		reply(l, "NO",
		    "[AUTHORIZATIONFAILED] Proxy login is not "
		    "allowed");
		goto out;
	}
	ask_parent(
	    l, z1 + 1, (size_t)(z2 - z1 - 1), z2 + 1, (size_t)(e - z2 - 1));
out:
	buf_free_secret(&dec);
	buf_free_secret(&resp);
}

/* cmd_starttls - STARTTLS (RFC 3501 6.2.1, RFC 2595) */
static void
cmd_starttls(struct login *l)
{
	if (l->tls) {
		reply(l, "BAD", "TLS is already active");
		return;
	}
	if (l->ctx == NULL) {
		reply(l, "NO", "TLS is not available");
		return;
	}
	reply(l, "OK", "Begin TLS negotiation now");
	if ((l->tls = tls_server_start(l->ctx, l->cl, l->why)) == NULL) {
		log_info("%s: STARTTLS failed: %s", l->addr, buf_cstr(l->why));
		l->done = true;
	}
}

/* login_dispatch - one command before login */
static void
login_dispatch(struct login *l)
{
	struct imap_cmd *c = &l->cmd;

	switch (c->id) {
	case IMAP_CMD_CAPABILITY:
		buf_reset(l->line);
		login_capability(l, l->line);
		(void)stream_printf(
		    l->cl, "* CAPABILITY %s\r\n", buf_cstr(l->line));
		reply(l, "OK", "Capability completed");
		break;
	case IMAP_CMD_NOOP:
		reply(l, "OK", "NOOP completed");
		break;
	case IMAP_CMD_LOGOUT:
		(void)stream_puts(l->cl, "* BYE Logging out\r\n");
		reply(l, "OK", "Logout completed");
		l->done = true;
		break;
	case IMAP_CMD_ID:
		(void)stream_puts(l->cl, "* ID (\"name\" \"Gannet\")\r\n");
		reply(l, "OK", "ID completed");
		break;
	case IMAP_CMD_STARTTLS:
		cmd_starttls(l);
		break;
	case IMAP_CMD_LOGIN:
		if (!login_plain_ok(l)) {
			reply(l, "NO", "[PRIVACYREQUIRED] Use STARTTLS first");
			break;
		}
		ask_parent(l, c->user.s, c->user.len, c->pass.s, c->pass.len);
		break;
	case IMAP_CMD_AUTHENTICATE:
		cmd_authenticate(l);
		break;
	case IMAP_CMD_ENABLE:
	default:
		reply(l, "BAD", "Log in first");
		if (++l->bad >= var_imapd_bad_command_limit) {
			(void)stream_puts(
			    l->cl, "* BYE Too many bad commands\r\n");
			(void)stream_flush(l->cl);
			l->done = true;
		}
		break;
	}
}

/* relay_drain - the session ended while the client was still sending
 * (a command over a limit): pass on its last words (the BYE) before
 * the connection is closed */
static void
relay_drain(struct login *l, char *b, size_t size)
{
	ssize_t n;

	stream_clear(l->parent);
	stream_set_timeout(l->parent, 2);
	while ((n = stream_read(l->parent, b, size)) > 0) {
		if (stream_write(l->cl, b, (size_t)n) < 0)
			return;
	}
	(void)stream_flush(l->cl);
}

/* relay - copy both ways until either side ends */
static void
relay(struct login *l)
{
	char b[16384];

	stream_set_timeout(l->cl, (int)var_imapd_idle_timeout + 60);
	stream_set_timeout(l->parent, (int)var_imapd_idle_timeout + 60);
	for (;;) {
		struct pollfd pfd[2];
		ssize_t n;

		(void)stream_flush(l->cl);
		if (stream_flush(l->parent) < 0) {
			relay_drain(l, b, sizeof(b));
			return;
		}
		if (stream_pending(l->cl) == 0
		    && stream_pending(l->parent) == 0) {
			pfd[0] = (struct pollfd){
			    .fd = stream_fd(l->cl), .events = POLLIN};
			pfd[1] = (struct pollfd){
			    .fd = stream_fd(l->parent), .events = POLLIN};
			if (poll(pfd, 2,
			        (int)(var_imapd_idle_timeout + 60) * 1000)
			    <= 0) {
				if (errno == EINTR)
					continue;
				return;
			}
		} else {
			pfd[0].revents = stream_pending(l->cl) ? POLLIN : 0;
			pfd[1].revents = stream_pending(l->parent) ? POLLIN : 0;
		}
		if (pfd[1].revents) {
			if ((n = stream_read(l->parent, b, sizeof(b))) < 0)
				return;
			if (stream_write(l->cl, b, (size_t)n) < 0)
				return;
		}
		if (pfd[0].revents) {
			if ((n = stream_read(l->cl, b, sizeof(b))) < 0)
				return;
			if (stream_write(l->parent, b, (size_t)n) < 0) {
				relay_drain(l, b, sizeof(b));
				return;
			}
		}
	}
}

/* imapd_login_run - the login process's life */
void
imapd_login_run(int client_fd, int parent_fd, struct tls_ctx *ctx,
    const char *addr, bool local)
{
	struct login l = {.ctx = ctx, .addr = addr, .local = local};

	l.cl = stream_open(client_fd);
	l.parent = stream_open(parent_fd);
	l.cmdbuf = buf_new(1024);
	l.tag = buf_new(64);
	l.why = buf_new(128);
	l.line = buf_new(256);
	l.rd.in = l.cl;
	l.rd.out = l.cl;
	l.rd.line = buf_new(1024);
	l.rd.line_limit = var_imapd_command_line_limit;
	l.rd.size_limit = var_imapd_command_size_limit;
	l.rd.literal_limit = 0; /* no APPEND before login */
	l.lim.list_items = (size_t)var_imapd_command_item_limit;
	l.lim.seq_ranges = (size_t)var_imapd_command_item_limit;
	l.lim.depth = (unsigned)var_imapd_command_depth_limit;
	stream_set_timeout(l.cl, (int)var_imapd_login_timeout);
	stream_deadline_start(l.cl, (int)var_imapd_login_timeout * 5, 0);
	if (var_imapd_tls_wrappermode) {
		if (ctx == NULL
		    || (l.tls = tls_server_start(ctx, l.cl, l.why)) == NULL) {
			log_info("%s: TLS handshake failed: %s", addr,
			    buf_cstr(l.why));
			goto out;
		}
	}
	buf_reset(l.line);
	login_capability(&l, l.line);
	(void)stream_printf(l.cl, "* OK [CAPABILITY %s] %s\r\n",
	    buf_cstr(l.line), var_imapd_banner);
	(void)stream_flush(l.cl);
	while (!l.done) {
		enum imapd_rd rd =
		    imapd_read_command(&l.rd, l.cmdbuf, l.tag, l.why);

		if (rd == IMAPD_RD_EOF) {
			if (stream_status(l.cl) == STREAM_TIMEOUT) {
				stream_clear(l.cl);
				(void)stream_puts(
				    l.cl, "* BYE Login timed out\r\n");
				(void)stream_flush(l.cl);
			}
			break;
		}
		if (rd == IMAPD_RD_FATAL) {
			(void)stream_printf(
			    l.cl, "* BYE %s\r\n", buf_cstr(l.why));
			(void)stream_flush(l.cl);
			break;
		}
		if (rd == IMAPD_RD_REFUSED) {
			/* Before login any APPEND literal is too large
			 * (literal_limit 0): say why it is refused; any other
			 * literal over the limit gets the reader's reason. */
			(void)stream_printf(l.cl, "%s %s\r\n", buf_cstr(l.tag),
			    strncmp(buf_cstr(l.why), "NO ", 3) == 0
			        ? "BAD Log in first"
			        : buf_cstr(l.why));
			(void)stream_flush(l.cl);
			continue;
		}
		imap_cmd_free(&l.cmd);
		if (imap_cmd_parse(buf_cstr(l.cmdbuf), buf_len(l.cmdbuf),
		        &l.lim, &l.cmd, l.why)
		    < 0) {
			reply(&l, "BAD", "%s", buf_cstr(l.why));
			if (++l.bad >= var_imapd_bad_command_limit) {
				(void)stream_puts(
				    l.cl, "* BYE Too many bad commands\r\n");
				(void)stream_flush(l.cl);
				break;
			}
			continue;
		}
		login_dispatch(&l);
		buf_reset(l.cmdbuf);
	}
	explicit_bzero(buf_data(l.cmdbuf), buf_len(l.cmdbuf));
	if (l.logged_in) {
		stream_deadline_stop(l.cl);
		relay(&l);
	}
out:
	imap_cmd_free(&l.cmd);
	if (l.tls)
		tls_conn_stop(&l.tls, l.cl);
	stream_close(&l.cl); /* the service process has its own copy */
	stream_close(&l.parent);
	buf_free(&l.cmdbuf);
	buf_free(&l.tag);
	buf_free(&l.why);
	buf_free(&l.line);
	buf_free(&l.rd.line);
}

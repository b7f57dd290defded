/*
 * pop3d_session.c - one POP3 session: RFC 1939 (the AUTHORIZATION,
 * TRANSACTION and UPDATE states), RFC 2449 (CAPA, response codes),
 * RFC 5034 (AUTH PLAIN), RFC 2595 (STLS) and RFC 3206 ([AUTH], [SYS/TEMP],
 * [SYS/PERM], [IN-USE]).
 *
 * Privileges: the process runs as the mail store's user, so nothing in
 * the file system stops it from reading any mailbox. What stops it is the
 * shape of this file: before a successful login no code path opens
 * anything under virtual_mailbox_base, and the only Maildir a session
 * ever opens is the one the auth service named in its reply for the
 * login that just succeeded (checked to stay below the base by
 * accounts_maildir_path). The client's own words never become a path.
 * Once that Maildir is locked and listed, the process narrows itself to
 * it with Landlock (pop3d_sandbox): from then on the kernel, too, keeps
 * the session away from every other account's mail. Each session runs
 * in a process of its own (pop3d.c), so the narrowing never outlives it.
 *
 * Pipelining (RFC 2449 section 6.6): replies are buffered and flushed
 * only when no further command is waiting in the input, so a pipelining
 * client gets its replies in few packets and a plain one at once.
 */
#include "util/sys_defs.h"

#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "proto/base64.h"
#include "proto/pop3_cmd.h"
#include "proto/pop3_msg.h"

#include "mail/accounts.h"
#include "mail/auth_client.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_pop3d.h"
#include "mail/sandbox.h"
#include "mail/tls.h"

#include "pop3d.h"

#define POP3D_READ_CHUNK 65536
#define POP3D_LOG_NAME   100 /* a login name in the log is cut here */

/* pop3d_confine - after login: the account's Maildir, and no other file
 * (Landlock, lib/mail/sandbox.h). For good: pop3d.c runs each session in
 * a process of its own. */
static int
pop3d_confine(const char *dir, struct buf *why)
{
	static bool warned;
	const char *rw[] = {dir, NULL};

	if (!var_pop3d_sandbox)
		return 0;
	switch (sandbox_fs(rw, NULL, why)) {
	case 1:
		if (!warned)
			log_warn("no Landlock in this kernel: sessions are not "
			         "confined to their Maildir (pop3d_sandbox)");
		warned = true;
		return 0;
	case -1:
		return -1;
	}
	return 0;
}

const struct pop3d_hooks pop3d_default_hooks = {
    .login = auth_client_login,
    .banned = auth_client_banned,
    .confine = pop3d_confine,
};
struct tls_ctx *pop3d_tls_ctx;
struct matchlist *pop3d_plaintext_networks;

/* pop3d_state_init - a fresh session */
void
pop3d_state_init(struct pop3d_state *st, struct stream *s, const char *addr,
    int port, const char *local_addr, const struct pop3d_hooks *hooks)
{
	memset(st, 0, sizeof(*st));
	st->s = s;
	snprintf(st->addr, sizeof(st->addr), "%s", addr);
	st->port = port;
	snprintf(st->local_addr, sizeof(st->local_addr), "%s", local_addr);
	st->hooks = hooks ? hooks : &pop3d_default_hooks;
	st->user_arg = buf_new(64);
	st->user = buf_new(64);
	st->line = buf_new(256);
	st->why = buf_new(128);
	st->tmp = buf_new(256);
	st->out = buf_new(POP3D_READ_CHUNK + 1024);
	st->mbox.lock_fd = -1;
	st->end_reason = "disconnected";
	stream_set_timeout(s, (int)var_pop3d_timeout);
}

/* pop3d_state_free - everything but the stream */
void
pop3d_state_free(struct pop3d_state *st)
{
	pop3d_mbox_close(&st->mbox);
	buf_free_secret(&st->line);
	buf_free(&st->user_arg);
	buf_free(&st->user);
	buf_free(&st->why);
	buf_free(&st->tmp);
	buf_free(&st->out);
}

/* pop3d_safe - a client-supplied name made fit for the log: printable
 * ASCII, cut at POP3D_LOG_NAME */
static const char *
pop3d_safe(struct buf *out, const char *s)
{
	buf_reset(out);
	for (size_t i = 0; s[i] && i < POP3D_LOG_NAME; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_catc(out,
		    c > 0x20 && c < 0x7f && c != '<' && c != '>' ? (char)c
		                                                 : '?');
	}
	if (strlen(s) > POP3D_LOG_NAME)
		buf_cats(out, "...");
	return buf_cstr(out);
}

/* pop3d_reply - one line, buffered */
void
pop3d_reply(struct pop3d_state *st, const char *fmt, ...)
{
	va_list ap;

	buf_reset(st->out);
	va_start(ap, fmt);
	buf_vprintf(st->out, fmt, ap);
	va_end(ap);
	buf_cats(st->out, "\r\n");
	(void)stream_write(st->s, buf_cstr(st->out), buf_len(st->out));
}

/* pop3d_close - end the session after the current reply */
static void
pop3d_close(struct pop3d_state *st, const char *reason)
{
	st->must_close = true;
	st->end_reason = reason;
}

/* pop3d_error - a reply to a command that should not have been sent; too
 * many of them end the session (pop3d_bad_command_limit) */
static void
pop3d_error(struct pop3d_state *st, const char *reply)
{
	if (++st->bad_commands >= var_pop3d_bad_command_limit) {
		pop3d_reply(
		    st, "-ERR Too many bad commands, closing connection");
		log_info("too many bad commands from [%s]:%d, closing",
		    st->addr, st->port);
		pop3d_close(st, "too many bad commands");
		return;
	}
	pop3d_reply(st, "%s", reply);
}

/* pop3d_read_line - the next line, without its end, into st->line; 0, or
 * -1 when the session must end (st->end_reason says why) */
static int
pop3d_read_line(struct pop3d_state *st)
{
	ssize_t n;
	size_t len;

	if (stream_pending(st->s) == 0 && stream_flush(st->s) < 0) {
		pop3d_close(st, "lost connection");
		return -1;
	}
	/* The whole line within the timeout: a client that sends one byte
	 * now and then cannot hold the session forever. */
	stream_deadline_start(st->s, (int)var_pop3d_timeout, 0);
	n = stream_getline(
	    st->s, st->line, (size_t)var_pop3d_command_line_limit);
	stream_deadline_stop(st->s);
	if (n < 0) {
		switch (stream_status(st->s)) {
		case STREAM_TOOLONG:
			pop3d_reply(
			    st, "-ERR Line too long, closing connection");
			pop3d_close(st, "line too long");
			break;
		case STREAM_TIMEOUT:
			/* RFC 1939 section 3: an autologout does not enter the
			 * UPDATE state; nothing is deleted. */
			stream_clear(st->s);
			stream_set_timeout(st->s, 5);
			pop3d_reply(st, "-ERR Disconnected for inactivity");
			pop3d_close(st, "timeout");
			break;
		case STREAM_EOF:
			pop3d_close(st, "disconnected");
			break;
		default:
			pop3d_close(st, "lost connection");
			break;
		}
		return -1;
	}
	len = buf_len(st->line);
	if (len == 0 || buf_cstr(st->line)[len - 1] != '\n') {
		pop3d_close(st, "disconnected"); /* a partial line at EOF */
		return -1;
	}
	len--;
	if (len > 0 && buf_cstr(st->line)[len - 1] == '\r')
		len--;
	buf_truncate(st->line, len);
	return 0;
}

/* pop3d_wipe_line - forget a line that held a password */
static void
pop3d_wipe_line(struct pop3d_state *st)
{
	explicit_bzero(buf_data(st->line), buf_len(st->line));
	buf_reset(st->line);
}

/* ------------------------------------------------------------------ */
/* AUTHORIZATION */

/* pop3d_plaintext_ok - a password may be sent now (RFC 2595 section 2.2:
 * not in the clear, except where the administrator says the network is
 * safe; loopback by default, as Dovecot's disable_plaintext_auth) */
static bool
pop3d_plaintext_ok(struct pop3d_state *st)
{
	int r;

	if (st->tls != NULL)
		return true;
	if (strcmp(var_pop3d_tls_security_level, "encrypt") == 0)
		return false;
	if (!var_pop3d_disable_plaintext_auth)
		return true;
	if (pop3d_plaintext_networks == NULL)
		return false;
	buf_reset(st->why);
	r = matchlist_match(pop3d_plaintext_networks, st->addr, st->why);
	if (r < 0)
		log_warn(
		    "pop3d_plaintext_auth_networks: %s", buf_cstr(st->why));
	return r == 1;
}

/* pop3d_stls_offered - STLS can be used now */
static bool
pop3d_stls_offered(const struct pop3d_state *st)
{
	return pop3d_tls_ctx != NULL && st->tls == NULL && !st->logged_in
	    && strcmp(var_pop3d_tls_security_level, "none") != 0;
}

/* pop3d_capa - RFC 2449 CAPA; what depends on the state is listed only
 * where it can be used */
static void
pop3d_capa(struct pop3d_state *st)
{
	pop3d_reply(st, "+OK Capability list follows");
	pop3d_reply(st, "TOP");
	pop3d_reply(st, "UIDL");
	pop3d_reply(st, "RESP-CODES");
	pop3d_reply(st, "AUTH-RESP-CODE");
	pop3d_reply(st, "PIPELINING");
	if (!st->logged_in && pop3d_plaintext_ok(st)) {
		pop3d_reply(st, "USER");
		pop3d_reply(st, "SASL PLAIN");
	}
	if (pop3d_stls_offered(st))
		pop3d_reply(st, "STLS");
	pop3d_reply(st, "IMPLEMENTATION Gannet");
	pop3d_reply(st, ".");
}

/* pop3d_tls - the handshake (STLS or implicit TLS); 0 or -1 (closing) */
static int
pop3d_tls(struct pop3d_state *st)
{
	if (stream_flush(st->s) < 0) {
		pop3d_close(st, "lost connection");
		return -1;
	}
	buf_reset(st->why);
	/* tls_server_start throws away input buffered before the handshake:
	 * RFC 2595 section 4 and the STARTTLS command injection attacks. */
	st->tls = tls_server_start(pop3d_tls_ctx, st->s, st->why);
	if (st->tls == NULL) {
		log_info("TLS handshake failed from [%s]:%d: %s", st->addr,
		    st->port, buf_cstr(st->why));
		pop3d_close(st, "TLS handshake failed");
		return -1;
	}
	buf_reset(st->tmp);
	tls_conn_describe(st->tls, st->tmp);
	log_info("TLS connection established from [%s]:%d: %s", st->addr,
	    st->port, buf_cstr(st->tmp));
	return 0;
}

/* pop3d_open_mailbox - after the auth service said yes */
static void
pop3d_open_mailbox(
    struct pop3d_state *st, const struct auth_result *res, const char *method)
{
	const char *user = buf_cstr(res->user);
	int r;

	buf_reset(st->why);
	if (accounts_maildir_path(buf_cstr(res->maildir), st->tmp, st->why)
	    < 0) {
		log_warn(
		    "user=<%s>: unusable mailbox from the auth service: %s",
		    user, buf_cstr(st->why));
		pop3d_reply(st, "-ERR [SYS/TEMP] Unable to open the mailbox");
		return;
	}
	if (pop3d_mbox_prepare(buf_cstr(st->tmp), st->why) < 0)
		r = -1;
	else
		r = pop3d_mbox_open(
		    &st->mbox, buf_cstr(st->tmp), res->quota, st->why);
	/* From here on the process may reach this Maildir only (it is
	 * locked and listed already; nothing else is needed any more). */
	if (r == 0 && st->hooks->confine != NULL
	    && st->hooks->confine(buf_cstr(st->tmp), st->why) < 0) {
		pop3d_mbox_close(&st->mbox);
		r = -1;
	}
	if (r == POP3D_MBOX_INUSE) {
		log_info("login refused: user=<%s>, method=%s, rip=%s: mailbox "
		         "in use by another POP3 session",
		    user, method, st->addr);
		pop3d_reply(st,
		    "-ERR [IN-USE] Mailbox is locked by another POP3 session");
		return;
	}
	if (r < 0) {
		log_warn(
		    "user=<%s>: open mailbox: %s", user, buf_cstr(st->why));
		pop3d_reply(st, "-ERR [SYS/TEMP] Unable to open the mailbox");
		return;
	}
	st->logged_in = true;
	st->method = method;
	buf_sets(st->user, user);
	st->start_count = st->mbox.n;
	st->start_size = st->mbox.total;
	log_info("login: user=<%s>, method=%s, rip=%s, lip=%s%s, messages=%lu, "
	         "size=%llu",
	    user, method, st->addr, st->local_addr, st->tls ? ", TLS" : "",
	    st->start_count, (unsigned long long)st->start_size);
	pop3d_reply(st, "+OK Logged in");
}

/* pop3d_login - ask the auth service, answer the client */
static void
pop3d_login(struct pop3d_state *st, const char *login, const char *password,
    const char *method)
{
	struct auth_request req = {
	    .login = login,
	    .password = password,
	    .service = "pop3",
	    .client = st->addr,
	    .tls = st->tls != NULL,
	};
	struct auth_result res;
	struct buf *name = buf_new(64);

	auth_result_init(&res);
	pop3d_safe(name, login);
	switch (st->hooks->login(&req, &res)) {
	case AUTH_OK:
		pop3d_open_mailbox(st, &res, method);
		break;
	case AUTH_FAIL:
	case AUTH_DISABLED:
		st->auth_failures++;
		log_info("login failed: user=<%s>, method=%s, rip=%s%s: %s",
		    buf_cstr(name), method, st->addr, st->tls ? ", TLS" : "",
		    buf_len(res.reason) ? buf_cstr(res.reason)
		                        : "authentication failed");
		pop3d_reply(st, "-ERR [AUTH] Authentication failed");
		if (st->auth_failures >= var_pop3d_auth_failure_limit)
			pop3d_close(st, "too many authentication failures");
		break;
	case AUTH_TEMPFAIL:
		log_warn("login failed: user=<%s>, method=%s, rip=%s: "
		         "temporary failure: %s",
		    buf_cstr(name), method, st->addr, buf_cstr(res.reason));
		pop3d_reply(st,
		    "-ERR [SYS/TEMP] Temporary authentication "
		    "failure, try again later");
		break;
	case AUTH_BANNED:
		log_info("login refused: user=<%s>, method=%s, rip=%s: client "
		         "address banned",
		    buf_cstr(name), method, st->addr);
		pop3d_reply(st,
		    "-ERR [SYS/PERM] Too many failed logins from "
		    "your address, try again later");
		pop3d_close(st, "banned");
		break;
	}
	auth_result_free(&res);
	buf_free(&name);
}

/* pop3d_plaintext_refused - the reply when a password may not be sent
 * yet; true when it was sent */
static bool
pop3d_plaintext_refused(struct pop3d_state *st)
{
	if (pop3d_plaintext_ok(st))
		return false;
	pop3d_reply(st,
	    "-ERR [AUTH] Plaintext authentication disallowed on "
	    "non-secure (SSL/TLS) connections");
	return true;
}

/* pop3d_auth_plain - RFC 5034 with RFC 4616 PLAIN */
static void
pop3d_auth_plain(struct pop3d_state *st, const struct pop3_cmd *cmd)
{
	struct buf *dec =
	    buf_new_capped(256, (size_t)var_pop3d_command_line_limit);
	const char *resp = cmd->initial, *p, *authzid, *authcid, *pass;
	size_t len;

	if (resp == NULL) {
		pop3d_reply(st, "+ ");
		if (pop3d_read_line(st) < 0)
			goto out;
		resp = buf_cstr(st->line);
	}
	if (strcmp(resp, "*") == 0) {
		pop3d_reply(st, "-ERR Authentication cancelled");
		goto out;
	}
	if (strcmp(resp, "=") != 0
	    && base64_decode(resp, strlen(resp), dec) < 0) {
		st->auth_failures++;
		pop3d_reply(st, "-ERR [AUTH] Invalid base64 data");
		goto check;
	}
	/* authzid NUL authcid NUL passwd, each without NUL */
	p = buf_cstr(dec);
	len = buf_len(dec);
	authzid = p;
	authcid = memchr(p, 0, len);
	pass = authcid ? memchr(authcid + 1, 0, len - (size_t)(authcid + 1 - p))
	               : NULL;
	if (authcid == NULL || pass == NULL
	    || memchr(pass + 1, 0, len - (size_t)(pass + 1 - p)) != NULL
	    || authcid[1] == 0) {
		st->auth_failures++;
		pop3d_reply(st, "-ERR [AUTH] Malformed PLAIN response");
		goto check;
	}
	authcid++;
	pass++;
	/* Acting for another user (a master login) is not offered. */
	if (*authzid && strcmp(authzid, authcid) != 0) {
		st->auth_failures++;
		log_info("login failed: user=<%s>, method=PLAIN, rip=%s: "
		         "authorization identity not permitted",
		    pop3d_safe(st->tmp, authcid), st->addr);
		pop3d_reply(st, "-ERR [AUTH] Authentication failed");
		goto check;
	}
	pop3d_login(st, authcid, pass, "PLAIN");
	goto out;
check:
	if (st->auth_failures >= var_pop3d_auth_failure_limit)
		pop3d_close(st, "too many authentication failures");
out:
	pop3d_wipe_line(st);
	buf_free_secret(&dec);
}

/* pop3d_authorization - a command before login */
static void
pop3d_authorization(struct pop3d_state *st, const struct pop3_cmd *cmd)
{
	switch (cmd->verb) {
	case POP3_VERB_CAPA:
		pop3d_capa(st);
		break;
	case POP3_VERB_QUIT:
		pop3d_reply(st, "+OK Logging out");
		pop3d_close(st, "quit");
		break;
	case POP3_VERB_USER:
		if (pop3d_plaintext_refused(st))
			break;
		buf_sets(st->user_arg, cmd->arg);
		pop3d_reply(st, "+OK Send your password");
		break;
	case POP3_VERB_PASS:
		if (buf_len(st->user_arg) == 0) {
			pop3d_wipe_line(st);
			pop3d_error(
			    st, "-ERR No user name given (send USER first)");
			break;
		}
		if (!pop3d_plaintext_refused(st)) {
			struct buf *login = buf_new(64);

			/* RFC 1939: a failed PASS needs a new USER */
			buf_sets(login, buf_cstr(st->user_arg));
			buf_reset(st->user_arg);
			pop3d_login(st, buf_cstr(login), cmd->arg, "USER");
			buf_free(&login);
		}
		pop3d_wipe_line(st);
		break;
	case POP3_VERB_AUTH:
		if (cmd->arg == NULL) {
			/* The list a bare AUTH gets (from the drafts before
			 * RFC 5034; Outlook still asks). */
			pop3d_reply(st, "+OK Mechanisms follow");
			if (pop3d_plaintext_ok(st))
				pop3d_reply(st, "PLAIN");
			pop3d_reply(st, ".");
		} else if (strcmp(cmd->arg, "PLAIN") != 0) {
			pop3d_error(
			    st, "-ERR Unsupported authentication mechanism");
		} else if (!pop3d_plaintext_refused(st)) {
			pop3d_auth_plain(st, cmd);
		}
		pop3d_wipe_line(st);
		break;
	case POP3_VERB_STLS:
		if (!pop3d_stls_offered(st)) {
			pop3d_error(st,
			    st->tls ? "-ERR TLS is already active"
			            : "-ERR STLS is not available");
			break;
		}
		pop3d_reply(st, "+OK Begin TLS negotiation");
		if (pop3d_tls(st) == 0)
			buf_reset(st->user_arg); /* start over under TLS */
		break;
	case POP3_VERB_APOP:
		pop3d_error(st, "-ERR APOP is not supported");
		break;
	default:
		pop3d_error(st, "-ERR Not logged in");
		break;
	}
}

/* ------------------------------------------------------------------ */
/* TRANSACTION and UPDATE */

/* pop3d_msg_arg - the message a command names; NULL after a reply */
static struct pop3d_msg *
pop3d_msg_arg(struct pop3d_state *st, const struct pop3_cmd *cmd)
{
	struct pop3d_msg *m;

	if (cmd->msg > st->mbox.n) {
		pop3d_reply(st, "-ERR No such message");
		return NULL;
	}
	m = &st->mbox.v[cmd->msg - 1];
	if (m->deleted) {
		pop3d_reply(st, "-ERR Message %lu is deleted", cmd->msg);
		return NULL;
	}
	return m;
}

/* pop3d_stat_counts - messages and octets not marked deleted */
static void
pop3d_stat_counts(
    const struct pop3d_state *st, unsigned long *n_out, uint64_t *size_out)
{
	*n_out = 0;
	*size_out = 0;
	for (size_t i = 0; i < st->mbox.n; i++)
		if (!st->mbox.v[i].deleted) {
			(*n_out)++;
			*size_out += st->mbox.v[i].size;
		}
}

/* pop3d_list - LIST and UIDL, one message or all */
static void
pop3d_list(struct pop3d_state *st, const struct pop3_cmd *cmd, bool uidl)
{
	struct pop3d_msg *m;

	if (cmd->has_msg) {
		if ((m = pop3d_msg_arg(st, cmd)) == NULL)
			return;
		if (uidl)
			pop3d_reply(st, "+OK %lu %s", cmd->msg, m->uidl);
		else
			pop3d_reply(st, "+OK %lu %llu", cmd->msg,
			    (unsigned long long)m->size);
		return;
	}
	if (uidl) {
		pop3d_reply(st, "+OK Unique-ID list follows");
	} else {
		unsigned long n;
		uint64_t size;

		pop3d_stat_counts(st, &n, &size);
		pop3d_reply(st, "+OK %lu messages (%llu octets)", n,
		    (unsigned long long)size);
	}
	for (size_t i = 0; i < st->mbox.n; i++) {
		m = &st->mbox.v[i];
		if (m->deleted)
			continue;
		if (uidl)
			pop3d_reply(st, "%zu %s", i + 1, m->uidl);
		else
			pop3d_reply(
			    st, "%zu %llu", i + 1, (unsigned long long)m->size);
	}
	pop3d_reply(st, ".");
}

/* pop3d_send - RETR and TOP */
static void
pop3d_send(struct pop3d_state *st, const struct pop3_cmd *cmd, bool is_top)
{
	struct pop3d_msg *m;
	struct pop3_msg w;
	struct pop3d_counter *c = is_top ? &st->top : &st->retr;
	uint64_t sent = 0;
	char *chunk;
	ssize_t r = 0;
	int fd;

	if ((m = pop3d_msg_arg(st, cmd)) == NULL)
		return;
	buf_reset(st->why);
	fd = pop3d_mbox_msg_open(&st->mbox, cmd->msg - 1, st->why);
	if (fd == POP3D_MBOX_GONE) {
		log_info(
		    "user=<%s>: %s %lu: message %.*s was removed by another "
		    "session",
		    buf_cstr(st->user), is_top ? "TOP" : "RETR", cmd->msg,
		    (int)m->base_len, m->name);
		pop3d_reply(st,
		    "-ERR Message %lu was removed by another session",
		    cmd->msg);
		return;
	}
	if (fd < 0) {
		log_warn(
		    "user=<%s>: %s", buf_cstr(st->user), buf_cstr(st->why));
		pop3d_reply(
		    st, "-ERR [SYS/TEMP] Unable to read message %lu", cmd->msg);
		return;
	}
	if (is_top)
		pop3d_reply(st, "+OK Top of message follows");
	else
		pop3d_reply(st, "+OK %llu octets", (unsigned long long)m->size);
	pop3_msg_init(&w, is_top, cmd->lines);
	chunk = xmalloc(POP3D_READ_CHUNK);
	while (
	    !pop3_msg_done(&w) && (r = read(fd, chunk, POP3D_READ_CHUNK)) > 0) {
		buf_reset(st->out);
		pop3_msg_encode(&w, chunk, (size_t)r, st->out);
		sent += buf_len(st->out);
		if (stream_write(st->s, buf_cstr(st->out), buf_len(st->out))
		    < 0)
			break;
	}
	free(chunk);
	if (r < 0) {
		/* The "+OK" is out: nothing the client could trust can follow,
		 * so the session ends without the terminating line. */
		log_warn("user=<%s>: read %s: %m", buf_cstr(st->user), m->name);
		close(fd);
		pop3d_close(st, "mailbox read error");
		return;
	}
	close(fd);
	buf_reset(st->out);
	pop3_msg_finish(&w, st->out);
	sent += buf_len(st->out);
	(void)stream_write(st->s, buf_cstr(st->out), buf_len(st->out));
	c->n++;
	c->bytes += sent;
	if (!is_top)
		m->retrieved = true;
}

/* pop3d_update - QUIT in the TRANSACTION state */
static void
pop3d_update(struct pop3d_state *st)
{
	unsigned long removed = 0;
	int r;

	buf_reset(st->why);
	r = pop3d_mbox_update(&st->mbox, &removed, st->why);
	st->del.n = removed;
	if (r < 0) {
		log_warn(
		    "user=<%s>: %s", buf_cstr(st->user), buf_cstr(st->why));
		pop3d_reply(
		    st, "-ERR [SYS/TEMP] Some deleted messages not removed");
	} else {
		pop3d_reply(st, "+OK Logging out");
	}
	pop3d_close(st, "quit");
}

/* pop3d_transaction - a command after login */
static void
pop3d_transaction(struct pop3d_state *st, const struct pop3_cmd *cmd)
{
	struct pop3d_msg *m;
	unsigned long n;
	uint64_t size;

	switch (cmd->verb) {
	case POP3_VERB_CAPA:
		pop3d_capa(st);
		break;
	case POP3_VERB_STAT:
		pop3d_stat_counts(st, &n, &size);
		pop3d_reply(st, "+OK %lu %llu", n, (unsigned long long)size);
		break;
	case POP3_VERB_LIST:
		pop3d_list(st, cmd, false);
		break;
	case POP3_VERB_UIDL:
		pop3d_list(st, cmd, true);
		break;
	case POP3_VERB_RETR:
		pop3d_send(st, cmd, false);
		break;
	case POP3_VERB_TOP:
		pop3d_send(st, cmd, true);
		break;
	case POP3_VERB_DELE:
		if ((m = pop3d_msg_arg(st, cmd)) == NULL)
			break;
		m->deleted = true;
		pop3d_reply(st, "+OK Message %lu deleted", cmd->msg);
		break;
	case POP3_VERB_NOOP:
		pop3d_reply(st, "+OK");
		break;
	case POP3_VERB_RSET:
		for (size_t i = 0; i < st->mbox.n; i++)
			st->mbox.v[i].deleted = false;
		pop3d_stat_counts(st, &n, &size);
		pop3d_reply(st, "+OK Maildrop has %lu messages (%llu octets)",
		    n, (unsigned long long)size);
		break;
	case POP3_VERB_QUIT:
		pop3d_update(st);
		break;
	case POP3_VERB_PASS:
	case POP3_VERB_AUTH:
		pop3d_wipe_line(st);
		/* FALLTHROUGH */
	default:
		pop3d_error(st, "-ERR Already logged in");
		break;
	}
}

/* ------------------------------------------------------------------ */
/* The session */

/* pop3d_command - parse and run one line */
static void
pop3d_command(struct pop3d_state *st)
{
	struct pop3_cmd cmd;

	if (pop3_cmd_parse(&cmd, buf_cstr(st->line), buf_len(st->line), st->why)
	    < 0) {
		if (cmd.verb == POP3_VERB_PASS || cmd.verb == POP3_VERB_AUTH)
			pop3d_wipe_line(st);
		pop3d_error(st, buf_cstr(st->why));
	} else if (!st->logged_in) {
		pop3d_authorization(st, &cmd);
	} else {
		pop3d_transaction(st, &cmd);
	}
	pop3_cmd_clear(&cmd);
}

/* pop3d_greet - the checks at connect, then the greeting; 0 or -1 */
static int
pop3d_greet(struct pop3d_state *st)
{
	time_t until = 0;
	int r;

	buf_reset(st->why);
	r = st->hooks->banned(st->addr, &until, st->why);
	if (r < 0)
		log_warn("ban check for [%s]: %s (letting it in)", st->addr,
		    buf_cstr(st->why));
	if (r == 1) {
		log_info("refused connection from [%s]:%d: client address "
		         "banned",
		    st->addr, st->port);
		if (var_pop3d_tls_wrappermode && pop3d_tls_ctx
		    && pop3d_tls(st) < 0)
			return -1;
		pop3d_reply(st,
		    "-ERR [SYS/PERM] Too many failed logins from "
		    "your address, try again later");
		pop3d_close(st, "banned");
		return -1;
	}
	if (var_pop3d_tls_wrappermode) {
		if (pop3d_tls_ctx == NULL) {
			log_warn("pop3d_tls_wrappermode = yes without a TLS "
			         "context: closing [%s]:%d",
			    st->addr, st->port);
			pop3d_close(st, "no TLS");
			return -1;
		}
		if (pop3d_tls(st) < 0)
			return -1;
	}
	pop3d_reply(st, "+OK %s", var_pop3d_banner);
	return 0;
}

/* pop3d_session_run - one client */
void
pop3d_session_run(struct pop3d_state *st)
{
	log_info("connect from [%s]:%d", st->addr, st->port);
	if (pop3d_greet(st) == 0) {
		while (!st->must_close && pop3d_read_line(st) == 0)
			pop3d_command(st);
	}
	(void)stream_flush(st->s);
	if (st->logged_in) {
		bool quit = strcmp(st->end_reason, "quit") == 0;

		log_info("%s: user=<%s>, rip=%s%s%s, top=%lu/%llu, "
		         "retr=%lu/%llu, del=%lu/%lu, size=%llu",
		    quit ? "logout" : "disconnected", buf_cstr(st->user),
		    st->addr,
		    quit ? "" : ", reason=", quit ? "" : st->end_reason,
		    st->top.n, (unsigned long long)st->top.bytes, st->retr.n,
		    (unsigned long long)st->retr.bytes, st->del.n,
		    st->start_count, (unsigned long long)st->start_size);
	} else {
		log_info("disconnect from [%s]:%d: %s%s", st->addr, st->port,
		    st->end_reason,
		    st->auth_failures ? " (after failed logins)" : "");
	}
	if (st->tls != NULL)
		tls_conn_stop(&st->tls, st->s);
	pop3d_mbox_close(&st->mbox);
}

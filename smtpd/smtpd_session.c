/*
 * smtpd_session.c - one SMTP session: connection limits, the banner, the
 * command loop and every command but DATA, BDAT and AUTH.
 *
 * Input is read a line at a time and every line must end in CRLF; a bare
 * CR or LF anywhere, in a command or in message data, ends the session
 * with 521 (smtpd_bare), so that no peer can make two readers disagree
 * about where a command or a message ends (SMTP smuggling). An
 * over-long line is consumed to its end and answered with an error; it
 * is never cut into pieces that would be read as separate lines.
 *
 * Replies are buffered and flushed when the client has nothing more
 * pipelined (RFC 2920), so a pipelined group gets its replies in one
 * packet. The session has a time limit (a stream deadline) besides the
 * per-read timeout.
 */
#include "util/sys_defs.h"

#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/smtp_addr.h"
#include "proto/smtp_cmd.h"

#include "mail/auth_client.h"
#include "mail/connlimit.h"
#include "mail/params.h"
#include "mail/params_smtpd.h"
#include "mail/queue_file.h"
#include "mail/queue_trigger.h"
#include "mail/tls.h"

#include "smtpd.h"

/* The longest run of bytes without a line end we skip in a command
 * before giving up on the session. */
#define SMTPD_SKIP_MAX (64 * 1024)

static struct connlimit *smtpd_connlimit;
static bool smtpd_connlimit_tried;

static const char *const smtpd_count_names[SMTPD_C_MAX] = {"ehlo", "helo",
    "starttls", "auth", "mail", "rcpt", "data", "bdat", "rset", "noop", "vrfy",
    "etrn", "quit", "unknown", "commands"};

/* smtpd_send - write text as it is (the caller includes CRLF) */
static void
smtpd_send(struct smtpd_state *st, const char *text, size_t len)
{
	(void)stream_write(st->s, text, len);
}

/* smtpd_vreply - format, count, send one reply line */
static void ATTR_PRINTF(3, 0) smtpd_vreply(
    struct smtpd_state *st, bool count, const char *fmt, va_list ap)
{
	buf_reset(st->reply);
	buf_vprintf(st->reply, fmt, ap);
	log_debug("> %s: %s", st->namaddr, buf_cstr(st->reply));
	if (count
	    && (buf_cstr(st->reply)[0] == '4' || buf_cstr(st->reply)[0] == '5'))
		st->errors++;
	buf_cats(st->reply, "\r\n");
	smtpd_send(st, buf_cstr(st->reply), buf_len(st->reply));
}

/* smtpd_reply - one reply line, errors counted */
void
smtpd_reply(struct smtpd_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(st, true, fmt, ap);
	va_end(ap);
}

/* smtpd_reply_nocount - a reply that does not count as a client error */
static void ATTR_PRINTF(2, 3)
    smtpd_reply_nocount(struct smtpd_state *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	smtpd_vreply(st, false, fmt, ap);
	va_end(ap);
}

/* smtpd_reject - error reply, logged with the envelope */
void
smtpd_reject(struct smtpd_state *st, const char *rcpt, const char *fmt, ...)
{
	va_list ap;
	struct buf *text = buf_new(128);

	va_start(ap, fmt);
	buf_vprintf(text, fmt, ap);
	va_end(ap);
	smtpd_reply(st, "%s", buf_cstr(text));
	log_info("NOQUEUE: reject: %s from %s: %s; from=<%s>%s%s%s proto=%s "
	         "helo=<%s>",
	    st->where, st->namaddr, buf_cstr(text),
	    st->env.sender ? st->env.sender : "", rcpt ? " to=<" : "",
	    rcpt ? rcpt : "", rcpt ? ">" : "", smtpd_protocol(st),
	    st->helo ? st->helo : "");
	buf_free(&text);
}

/* smtpd_service - what this listener is, by its settings (service names
 * in services.conf are often addresses) */
const char *
smtpd_service(void)
{
	if (var_smtpd_tls_wrappermode)
		return "submissions";
	return var_smtpd_auth_required ? "submission" : "smtp";
}

/* smtpd_protocol - the protocol name of RFC 3848 / RFC 6531 */
const char *
smtpd_protocol(const struct smtpd_state *st)
{
	static const char *const names[2][2][2][2] = {
	    /* [utf8][esmtp][tls][auth] */
	    {{{"SMTP", "SMTPA"}, {"SMTPS", "SMTPSA"}},
	        {{"ESMTP", "ESMTPA"}, {"ESMTPS", "ESMTPSA"}}},
	    {{{"UTF8SMTP", "UTF8SMTPA"}, {"UTF8SMTPS", "UTF8SMTPSA"}},
	        {{"UTF8SMTP", "UTF8SMTPA"}, {"UTF8SMTPS", "UTF8SMTPSA"}}},
	};

	return names[st->env.smtputf8][st->is_esmtp][st->tls != NULL]
	            [st->auth_user != NULL];
}

/* smtpd_scan_crlf - check bytes for bare CR/LF; *pending_cr carries a
 * CR at the end of one block to the next */
static enum smtpd_line
smtpd_scan_crlf(const char *p, size_t n, bool *pending_cr)
{
	for (size_t i = 0; i < n; i++) {
		if (*pending_cr) {
			if (p[i] != '\n')
				return SMTPD_LINE_BARE_CR;
			*pending_cr = false;
		} else if (p[i] == '\r')
			*pending_cr = true;
		else if (p[i] == '\n')
			return SMTPD_LINE_BARE_LF;
	}
	return SMTPD_LINE_OK;
}

/* smtpd_getline - one strict CRLF line */
enum smtpd_line
smtpd_getline(
    struct smtpd_state *st, size_t max, size_t skip_max, size_t *skipped_out)
{
	bool pending_cr = false;
	enum smtpd_line r;
	size_t skipped = 0;
	ssize_t n;

	if (skipped_out)
		*skipped_out = 0;
	n = stream_getline(st->s, st->line, max + 2);
	if (n > 0) {
		/* A line cut short by EOF is a lost connection. */
		if (buf_cstr(st->line)[n - 1] != '\n')
			return SMTPD_LINE_IO;
		return smtpd_scan_crlf(
		    buf_cstr(st->line), (size_t)n, &pending_cr);
	}
	if (stream_status(st->s) != STREAM_TOOLONG)
		return SMTPD_LINE_IO;
	/* Too long: check and drop the rest, a block at a time. */
	r = smtpd_scan_crlf(buf_cstr(st->line), buf_len(st->line), &pending_cr);
	if (r != SMTPD_LINE_OK)
		return r;
	for (;;) {
		n = stream_getline(st->s, st->chunk, 4096);
		if (n < 0 && stream_status(st->s) != STREAM_TOOLONG)
			return SMTPD_LINE_IO;
		if (n > 0 && buf_cstr(st->chunk)[n - 1] != '\n')
			return SMTPD_LINE_IO;
		skipped += buf_len(st->chunk);
		if (skipped_out)
			*skipped_out = skipped;
		r = smtpd_scan_crlf(
		    buf_cstr(st->chunk), buf_len(st->chunk), &pending_cr);
		if (r != SMTPD_LINE_OK)
			return r;
		if (n > 0)
			return SMTPD_LINE_TOOLONG;
		if (skipped > skip_max)
			return SMTPD_LINE_HUGE;
	}
}

/* smtpd_final - send a last reply even after a timeout, then close */
static void ATTR_PRINTF(2, 3)
    smtpd_final(struct smtpd_state *st, const char *fmt, ...)
{
	va_list ap;

	if (stream_status(st->s) == STREAM_TIMEOUT) {
		stream_clear(st->s);
		stream_deadline_stop(st->s);
		stream_set_timeout(st->s, 5);
	}
	va_start(ap, fmt);
	smtpd_vreply(st, false, fmt, ap);
	va_end(ap);
	(void)stream_flush(st->s);
	st->must_close = true;
}

/* smtpd_io_error - the client went away or was too slow */
void
smtpd_io_error(struct smtpd_state *st)
{
	if (stream_status(st->s) == STREAM_TIMEOUT) {
		log_info("timeout after %s from %s", st->where, st->namaddr);
		smtpd_final(
		    st, "421 4.4.2 %s Error: timeout exceeded", var_myhostname);
	} else {
		log_info(
		    "lost connection after %s from %s", st->where, st->namaddr);
	}
	st->must_close = true;
}

/* smtpd_bare - refuse a bare CR or LF and end the session */
void
smtpd_bare(struct smtpd_state *st, enum smtpd_line what)
{
	const char *c = what == SMTPD_LINE_BARE_CR ? "<CR>" : "<LF>";

	log_info(
	    "bare %s received after %s from %s", c, st->where, st->namaddr);
	smtpd_msg_abort(st);
	smtpd_final(
	    st, "521 5.5.2 %s Error: bare %s received", var_myhostname, c);
}

/* smtpd_reset - drop the transaction */
void
smtpd_reset(struct smtpd_state *st)
{
	smtpd_msg_abort(st);
	queue_env_clear(&st->env);
	st->has_mail = false;
	st->declared_size = 0;
	st->bdat_failed = false;
	xfree(st->bdat_error);
}

/* smtpd_peer_name - the client's verified reverse name, or "unknown" */
static void
smtpd_peer_name(struct smtpd_state *st)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[NI_MAXHOST];
	struct addrinfo hints, *res = NULL, *ai;

	snprintf(st->name, sizeof(st->name), "unknown");
	if (!var_smtpd_peername_lookup
	    || getpeername(st->client->fd, (struct sockaddr *)&ss, &len) < 0
	    || ss.ss_family == AF_UNIX)
		return;
	if (getnameinfo((struct sockaddr *)&ss, len, host, sizeof(host), NULL,
	        0, NI_NAMEREQD)
	    != 0)
		return;
	/* Forward-confirm, as Postfix does: the name must lead back. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return;
	for (ai = res; ai; ai = ai->ai_next) {
		char a[NET_ADDR_MAX];

		net_addr_str(ai->ai_addr, a, sizeof(a));
		if (strcmp(a, st->addr) == 0) {
			snprintf(st->name, sizeof(st->name), "%s", host);
			break;
		}
	}
	freeaddrinfo(res);
}

/* smtpd_limits - connection counts and queue size at connect; 0 to go
 * on, -1 after a 421 */
static int
smtpd_limits(struct smtpd_state *st)
{
	struct buf *why = st->why;
	time_t until = 0;
	int banned;

	/* An address the auth service has banned for guessing passwords
	 * (on any protocol) is refused at once, as pop3d and imapd do;
	 * when the service cannot be asked the client is let in and the
	 * logins themselves will fail. */
	buf_reset(why);
	banned = auth_client_banned(st->addr, &until, why);
	if (banned < 0)
		log_warn("ban check for %s: %s (letting it in)", st->namaddr,
		    buf_cstr(why));
	if (banned == 1) {
		log_info("reject: CONNECT from %s: client address banned",
		    st->namaddr);
		smtpd_final(st,
		    "421 4.7.0 %s Error: too many failed logins from your "
		    "address, try again later",
		    var_myhostname);
		return -1;
	}
	if ((var_smtpd_client_connection_count_limit > 0
	        || var_smtpd_connection_count_limit > 0)
	    && !smtpd_connlimit_tried) {
		smtpd_connlimit_tried = true;
		buf_reset(st->tmp);
		buf_printf(st->tmp, "%s/smtpd.conn", var_data_dir);
		smtpd_connlimit = connlimit_open(buf_cstr(st->tmp), why);
		if (smtpd_connlimit == NULL)
			log_warn("connection limits not enforced: %s",
			    buf_cstr(why));
	}
	if (smtpd_connlimit) {
		const char *which = "total";
		int r = connlimit_take(smtpd_connlimit, st->addr,
		    var_smtpd_client_connection_count_limit,
		    var_smtpd_connection_count_limit, &which, why);

		if (r < 0)
			log_warn("connection limits: %s", buf_cstr(why));
		if (r == 0) {
			log_warn("%s: %s connection limit reached (%ld)",
			    st->namaddr, which,
			    strcmp(which, "total") == 0
			        ? var_smtpd_connection_count_limit
			        : var_smtpd_client_connection_count_limit);
			smtpd_final(st,
			    "421 4.7.0 %s Error: too many connections%s",
			    var_myhostname,
			    strcmp(which, "total") == 0 ? ""
			                                : " from your host");
			return -1;
		}
	}
	if (var_queue_max_messages > 0) {
		long n = queue_count(var_queue_dir, var_queue_max_messages);

		if (n > var_queue_max_messages) {
			log_warn("queue holds more than queue_max_messages "
			         "(%ld): refusing %s",
			    var_queue_max_messages, st->namaddr);
			smtpd_final(st,
			    "421 4.3.2 %s Service temporarily unavailable: "
			    "mail "
			    "queue is full",
			    var_myhostname);
			return -1;
		}
	}
	return 0;
}

/* smtpd_start_tls - the handshake, for STARTTLS and wrapper mode */
static int
smtpd_start_tls(struct smtpd_state *st)
{
	buf_reset(st->why);
	st->tls = tls_server_start(smtpd_tls_ctx, st->s, st->why);
	if (st->tls == NULL) {
		log_info("TLS handshake failed after %s from %s: %s", st->where,
		    st->namaddr, buf_cstr(st->why));
		st->must_close = true;
		return -1;
	}
	buf_reset(st->tmp);
	tls_conn_describe(st->tls, st->tmp);
	log_info("TLS connection established from %s: %s", st->namaddr,
	    buf_cstr(st->tmp));
	return 0;
}

/* smtpd_tls_offered - STARTTLS can be offered now */
static bool
smtpd_tls_offered(const struct smtpd_state *st)
{
	return smtpd_tls_ctx != NULL && st->tls == NULL
	    && strcmp(var_smtpd_tls_security_level, "none") != 0;
}

/* smtpd_need_tls - TLS is mandatory and missing: reply and true */
static bool
smtpd_need_tls(struct smtpd_state *st)
{
	if (st->tls == NULL
	    && strcmp(var_smtpd_tls_security_level, "encrypt") == 0) {
		smtpd_reply(
		    st, "530 5.7.0 Must issue a STARTTLS command first");
		return true;
	}
	return false;
}

/* smtpd_cmd_helo - HELO and EHLO */
static void
smtpd_cmd_helo(struct smtpd_state *st)
{
	const char *arg = st->cmd.arg;
	bool is_ehlo = st->cmd.verb == SMTP_VERB_EHLO;
	struct buf *r = st->reply;

	st->counts[is_ehlo ? SMTPD_C_EHLO : SMTPD_C_HELO]++;
	if (var_smtpd_reject_invalid_helo_hostname
	    && !smtp_helo_ok(arg, strlen(arg))) {
		smtpd_reject(st, NULL,
		    "501 5.5.2 <%s>: Helo command rejected: Invalid name", arg);
		return;
	}
	if (smtpd_check_helo(st, arg) < 0)
		return;
	smtpd_reset(st);
	free(st->helo);
	st->helo = xstrdup(arg);
	st->is_esmtp = is_ehlo;
	if (!is_ehlo) {
		smtpd_reply(st, "250 %s", var_myhostname);
		return;
	}
	buf_reset(r);
	buf_printf(r, "250-%s\r\n250-PIPELINING\r\n", var_myhostname);
	if (var_message_size_limit > 0)
		buf_printf(r, "250-SIZE %ld\r\n", var_message_size_limit);
	else
		buf_cats(r, "250-SIZE\r\n");
	buf_cats(r, "250-ETRN\r\n");
	if (smtpd_tls_offered(st))
		buf_cats(r, "250-STARTTLS\r\n");
	if (smtpd_auth_offered(st))
		buf_cats(r, "250-AUTH PLAIN LOGIN\r\n");
	buf_cats(r, "250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250-DSN\r\n");
	if (var_smtputf8_enable)
		buf_cats(r, "250-SMTPUTF8\r\n");
	buf_cats(r, "250 CHUNKING\r\n");
	smtpd_send(st, buf_cstr(r), buf_len(r));
}

/* smtpd_ready - the checks every transaction command makes first */
static bool
smtpd_ready(struct smtpd_state *st)
{
	if (var_smtpd_helo_required && st->helo == NULL) {
		smtpd_reply(st, "503 5.5.1 Error: send HELO/EHLO first");
		return false;
	}
	if (smtpd_need_tls(st))
		return false;
	return true;
}

/* smtpd_no_room - the queue's file system has less free space than
 * queue_minfree, or than 1.5 times a declared SIZE (Postfix's rule);
 * a file system that cannot be asked counts as having room */
static bool
smtpd_no_room(struct smtpd_state *st, uint64_t size)
{
	struct statvfs sv;
	uint64_t avail, need = size + size / 2;

	if (var_queue_minfree == 0 && size == 0)
		return false;
	if (statvfs(var_queue_dir, &sv) < 0) {
		log_warn("statvfs %s: %m", var_queue_dir);
		return false;
	}
	avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	if (avail >= need && avail >= (uint64_t)var_queue_minfree)
		return false;
	log_warn("%s: queue file system has %llu bytes free: refusing MAIL "
	         "from %s (queue_minfree %ld, SIZE %llu)",
	    var_queue_dir, (unsigned long long)avail, st->namaddr,
	    var_queue_minfree, (unsigned long long)size);
	return true;
}

/* smtpd_cmd_mail - MAIL FROM */
static void
smtpd_cmd_mail(struct smtpd_state *st)
{
	struct smtp_cmd *c = &st->cmd;

	st->counts[SMTPD_C_MAIL]++;
	if (!smtpd_ready(st))
		return;
	if (var_smtpd_auth_required && st->auth_user == NULL) {
		smtpd_reject(st, NULL, "530 5.7.0 Authentication required");
		return;
	}
	if (st->has_mail) {
		smtpd_reply(st, "503 5.5.1 Error: nested MAIL command");
		return;
	}
	if (c->body == SMTP_BODY_BINARYMIME) {
		smtpd_reply(
		    st, "555 5.5.4 Unsupported option: BODY=BINARYMIME");
		return;
	}
	if (c->smtputf8 && !var_smtputf8_enable) {
		smtpd_reply(st, "555 5.5.4 Unsupported option: SMTPUTF8");
		return;
	}
	if (c->path.is_utf8 && !c->smtputf8) {
		smtpd_reject(st, NULL,
		    "553 5.6.7 Must declare SMTPUTF8 to send unicode address");
		return;
	}
	if (c->has_size && var_message_size_limit > 0
	    && c->size > (uint64_t)var_message_size_limit) {
		smtpd_reject(
		    st, NULL, "552 5.3.4 Message size exceeds fixed limit");
		return;
	}
	if (smtpd_no_room(st, c->has_size ? c->size : 0)) {
		smtpd_reject(st, NULL, "452 4.3.1 Insufficient system storage");
		return;
	}
	st->env.smtputf8 = c->smtputf8;
	st->env.sender = xstrdup(c->path.addr);
	if (smtpd_check_sender(st, &c->path) < 0) {
		queue_env_clear(&st->env);
		return;
	}
	st->env.body = c->body;
	st->env.ret = c->ret;
	st->env.envid = xstrdup(c->envid ? c->envid : "");
	st->declared_size = c->has_size ? c->size : 0;
	st->has_mail = true;
	smtpd_reply(st, "250 2.1.0 Ok");
}

/* smtpd_cmd_rcpt - RCPT TO */
static void
smtpd_cmd_rcpt(struct smtpd_state *st)
{
	struct smtp_cmd *c = &st->cmd;
	struct buf *addr, *orcpt;

	st->counts[SMTPD_C_RCPT]++;
	if (!st->has_mail) {
		smtpd_reply(st, "503 5.5.1 Error: need MAIL command");
		return;
	}
	/* The envelope is on disk once BDAT started (RFC 3030 2). */
	if (st->msg != NULL) {
		smtpd_reply(st, "503 5.5.1 Error: RCPT after BDAT");
		return;
	}
	if (st->env.nrcpt >= (size_t)var_smtpd_recipient_limit) {
		smtpd_reply_nocount(st, "452 4.5.3 Error: too many recipients");
		return;
	}
	if (c->path.is_utf8 && !st->env.smtputf8) {
		smtpd_reject(st, c->path.addr,
		    "553 5.6.7 Must declare SMTPUTF8 to send unicode address");
		return;
	}
	if (smtpd_check_rcpt(st, &c->path) < 0)
		return;
	addr = buf_new(64);
	orcpt = buf_new(64);
	if (c->path.is_postmaster)
		buf_printf(addr, "postmaster@%s", var_myhostname);
	else
		buf_cats(addr, c->path.addr);
	if (c->orcpt_type)
		buf_printf(orcpt, "%s;%s", c->orcpt_type, c->orcpt_addr);
	/* A repeated recipient is delivered once (the first one wins). */
	for (size_t i = 0; i < st->env.nrcpt; i++) {
		if (strcasecmp(st->env.rcpt[i].addr, buf_cstr(addr)) == 0)
			goto out;
	}
	queue_env_add_rcpt(
	    &st->env, buf_cstr(addr), c->path.addr, buf_cstr(orcpt), c->notify);
out:
	smtpd_reply(st, "250 2.1.5 Ok");
	buf_free(&addr);
	buf_free(&orcpt);
}

/* smtpd_cmd_starttls - STARTTLS */
static void
smtpd_cmd_starttls(struct smtpd_state *st)
{
	st->counts[SMTPD_C_STARTTLS]++;
	if (st->tls) {
		smtpd_reply(st, "554 5.5.1 Error: TLS already active");
		return;
	}
	if (!smtpd_tls_offered(st)) {
		smtpd_reply(st, "502 5.5.1 Error: command not implemented");
		return;
	}
	if (st->has_mail) {
		smtpd_reply(
		    st, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	smtpd_reply(st, "220 2.0.0 Ready to start TLS");
	if (stream_flush(st->s) < 0) {
		smtpd_io_error(st);
		return;
	}
	/* Commands sent with STARTTLS would be executed as if they came
	 * over TLS: drop them (CVE-2011-0411 and its kin). */
	if (stream_pending(st->s) > 0) {
		log_info("improper command pipelining after STARTTLS from %s",
		    st->namaddr);
		stream_discard_input(st->s);
	}
	if (smtpd_start_tls(st) < 0)
		return;
	/* RFC 3207 4.2: forget what the client told us before. */
	smtpd_reset(st);
	xfree(st->helo);
	st->is_esmtp = false;
}

/* smtpd_cmd_vrfy - VRFY (and EXPN, never offered) */
static void
smtpd_cmd_vrfy(struct smtpd_state *st)
{
	struct smtp_addr a;
	const char *arg = st->cmd.arg;
	size_t len = strlen(arg);
	int r;

	st->counts[SMTPD_C_VRFY]++;
	st->junk++;
	if (st->cmd.verb == SMTP_VERB_EXPN) {
		smtpd_reply(st, "502 5.5.1 EXPN command is disabled");
		return;
	}
	if (var_disable_vrfy_command) {
		smtpd_reply(st,
		    "252 2.0.0 Cannot VRFY user, but will accept "
		    "message and attempt delivery");
		return;
	}
	if (arg[0] == '<')
		r = smtp_addr_parse_path(
		    arg, len, SMTP_ADDR_UTF8, &a, &(size_t){0}, st->why);
	else
		r = smtp_addr_parse_mailbox(
		    arg, len, SMTP_ADDR_UTF8, &a, st->why);
	if (r < 0) {
		smtpd_reply(st, "501 5.1.3 Bad recipient address syntax");
		return;
	}
	smtpd_reply(st, "252 2.0.0 <%s>", a.addr);
	smtp_addr_clear(&a);
}

/* smtpd_cmd_etrn - ETRN: flush the deferred mail of a relay domain */
static void
smtpd_cmd_etrn(struct smtpd_state *st)
{
	const char *dom = st->cmd.arg;

	st->counts[SMTPD_C_ETRN]++;
	st->junk++;
	if (!smtpd_ready(st))
		return;
	if (st->has_mail) {
		smtpd_reply(
		    st, "503 5.5.1 Error: MAIL transaction in progress");
		return;
	}
	if (*dom == '@' || *dom == '#')
		dom++;
	if (!smtp_domain_ok(dom, strlen(dom), 0)) {
		smtpd_reply(st, "501 5.5.4 Error: invalid parameter syntax");
		return;
	}
	if (!smtpd_check_etrn_ok(dom)) {
		smtpd_reply(st,
		    "459 4.7.1 <%s>: Node not allowed: not a relay "
		    "domain",
		    dom);
		return;
	}
	/* The queue manager flushes the deferred mail of that domain
	 * (RFC 1985: the reply only says the request was taken). */
	if (queue_trigger_flush(var_queue_dir, dom, st->why) < 0) {
		log_warn(
		    "%s: ETRN %s: %s", st->namaddr, dom, buf_cstr(st->why));
		smtpd_reply(st,
		    "458 4.3.0 Unable to queue messages for node "
		    "<%s>",
		    dom);
		return;
	}
	log_info("%s: ETRN %s", st->namaddr, dom);
	smtpd_reply(st, "250 2.0.0 Queuing started");
}

/* smtpd_forbidden - a verb from smtpd_forbidden_commands (HTTP etc.) */
static bool
smtpd_forbidden(const char *name)
{
	struct strv words;
	bool hit;

	strv_init(&words);
	strv_split(&words, var_smtpd_forbidden_commands, " \t,");
	hit = strv_contains_ci(&words, name);
	strv_free(&words);
	return hit;
}

/* smtpd_dispatch - run one parsed command */
static void
smtpd_dispatch(struct smtpd_state *st)
{
	st->where = smtp_verb_name(st->cmd.verb);
	switch (st->cmd.verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		smtpd_cmd_helo(st);
		break;
	case SMTP_VERB_MAIL:
		smtpd_cmd_mail(st);
		break;
	case SMTP_VERB_RCPT:
		smtpd_cmd_rcpt(st);
		break;
	case SMTP_VERB_DATA:
		st->counts[SMTPD_C_DATA]++;
		if (smtpd_ready(st))
			smtpd_cmd_data(st);
		break;
	case SMTP_VERB_BDAT:
		st->counts[SMTPD_C_BDAT]++;
		smtpd_cmd_bdat(st);
		break;
	case SMTP_VERB_RSET:
		st->counts[SMTPD_C_RSET]++;
		st->junk++;
		smtpd_reset(st);
		smtpd_reply(st, "250 2.0.0 Ok");
		break;
	case SMTP_VERB_NOOP:
		st->counts[SMTPD_C_NOOP]++;
		st->junk++;
		smtpd_reply(st, "250 2.0.0 Ok");
		break;
	case SMTP_VERB_QUIT:
		st->counts[SMTPD_C_QUIT]++;
		smtpd_final(st, "221 2.0.0 Bye");
		break;
	case SMTP_VERB_VRFY:
	case SMTP_VERB_EXPN:
		smtpd_cmd_vrfy(st);
		break;
	case SMTP_VERB_HELP:
		smtpd_reply(st,
		    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA "
		    "BDAT RSET NOOP QUIT VRFY HELP ETRN STARTTLS "
		    "AUTH");
		break;
	case SMTP_VERB_ETRN:
		smtpd_cmd_etrn(st);
		break;
	case SMTP_VERB_STARTTLS:
		smtpd_cmd_starttls(st);
		break;
	case SMTP_VERB_AUTH:
		st->counts[SMTPD_C_AUTH]++;
		smtpd_cmd_auth(st);
		break;
	case SMTP_VERB_UNKNOWN:
		break;
	}
}

/* smtpd_loop - read and run commands until QUIT, an error or a limit */
static void
smtpd_loop(struct smtpd_state *st)
{
	int flags = var_strict_rfc821_envelopes ? 0 : SMTP_CMD_LENIENT;

	while (!st->must_close) {
		enum smtpd_line r;
		size_t len;

		if (stream_pending(st->s) == 0 && stream_flush(st->s) < 0) {
			smtpd_io_error(st);
			break;
		}
		r = smtpd_getline(st, (size_t)var_smtpd_command_line_limit,
		    SMTPD_SKIP_MAX, NULL);
		if (r == SMTPD_LINE_IO) {
			smtpd_io_error(st);
			break;
		}
		if (r == SMTPD_LINE_BARE_CR || r == SMTPD_LINE_BARE_LF) {
			smtpd_bare(st, r);
			break;
		}
		st->counts[SMTPD_C_COMMANDS]++;
		if (r == SMTPD_LINE_HUGE) {
			log_info("too much data without a line end from %s",
			    st->namaddr);
			smtpd_final(st,
			    "421 4.7.0 %s Error: too much data without line "
			    "end",
			    var_myhostname);
			break;
		}
		if (r == SMTPD_LINE_TOOLONG) {
			smtpd_reply(st, "500 5.5.2 Error: line too long");
		} else {
			len = buf_len(st->line) - 2;
			log_debug("< %s: %.*s", st->namaddr, (int)len,
			    buf_cstr(st->line));
			smtp_cmd_clear(&st->cmd);
			buf_reset(st->why);
			if (smtp_cmd_parse(&st->cmd, buf_cstr(st->line), len,
			        flags, st->why)
			    < 0) {
				if (st->cmd.verb == SMTP_VERB_UNKNOWN) {
					st->counts[SMTPD_C_UNKNOWN]++;
					if (smtpd_forbidden(st->cmd.name)) {
						log_info(
						    "non-SMTP command from "
						    "%s: %.100s",
						    st->namaddr, st->cmd.name);
						smtpd_final(st,
						    "221 2.7.0 Error: I can "
						    "break rules, too. "
						    "Goodbye.");
						break;
					}
				}
				smtpd_reply(st, "%s", buf_cstr(st->why));
			} else {
				smtpd_dispatch(st);
			}
		}
		if (st->must_close)
			break;
		if (st->errors >= var_smtpd_hard_error_limit) {
			log_info("too many errors after %s from %s", st->where,
			    st->namaddr);
			smtpd_final(st, "421 4.7.0 %s Error: too many errors",
			    var_myhostname);
		} else if (st->junk > var_smtpd_junk_command_limit) {
			log_info("too many junk commands after %s from %s",
			    st->where, st->namaddr);
			smtpd_final(st,
			    "421 4.7.0 %s Error: too many junk commands",
			    var_myhostname);
		}
	}
}

/* smtpd_session - serve one client */
void
smtpd_session(const struct service_client *client)
{
	struct smtpd_state state, *st = &state;
	struct buf *counts = buf_new(128);

	memset(st, 0, sizeof(*st));
	st->client = client;
	st->s = stream_open(dup(client->fd));
	st->line = buf_new_capped(1024,
	    (size_t)MAX(var_line_length_limit, var_smtpd_command_line_limit)
	        + 2);
	st->chunk = buf_new_capped(4096, 4096);
	st->reply = buf_new(512);
	st->why = buf_new(256);
	st->tmp = buf_new(256);
	st->where = "CONNECT";
	snprintf(st->addr, sizeof(st->addr), "%s", client->addr);
	st->port = client->port;
	st->is_loopback = net_is_loopback(st->addr);
	smtpd_peer_name(st);
	snprintf(st->namaddr, sizeof(st->namaddr), "%.1024s[%.63s]", st->name,
	    st->addr);
	st->is_trusted = smtpd_check_is_trusted(st->addr);
	stream_set_timeout(st->s, (int)var_smtpd_timeout);
	stream_deadline_start(st->s, (int)var_smtpd_session_time_limit, 0);
	log_info("connect from %s", st->namaddr);

	/* With implicit TLS even a refusal must be spoken in TLS. */
	if (var_smtpd_tls_wrappermode) {
		if (smtpd_tls_ctx == NULL || smtpd_start_tls(st) < 0)
			goto out;
	}
	if (smtpd_limits(st) < 0)
		goto out;
	if (smtpd_check_client(st) < 0)
		goto out;
	smtpd_reply(st, "220 %s", var_smtpd_banner);
	smtpd_loop(st);
out:
	(void)stream_flush(st->s);
	smtpd_reset(st);
	smtp_cmd_clear(&st->cmd);
	if (st->tls)
		tls_conn_stop(&st->tls, st->s);
	if (smtpd_connlimit)
		connlimit_release(smtpd_connlimit);
	for (int i = 0; i < SMTPD_C_MAX; i++) {
		if (st->counts[i])
			buf_printf(counts, " %s=%u", smtpd_count_names[i],
			    st->counts[i]);
	}
	log_info("disconnect from %s%s", st->namaddr, buf_cstr(counts));
	stream_close(&st->s);
	free(st->helo);
	free(st->auth_user);
	free(st->auth_method);
	buf_free(&st->line);
	buf_free(&st->chunk);
	buf_free(&st->reply);
	buf_free(&st->why);
	buf_free(&st->tmp);
	buf_free(&counts);
}

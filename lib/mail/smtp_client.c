/*
 * smtp_client.c - the SMTP client session (see smtp_client.h).
 *
 * Failure texts follow Postfix's, so that logs read the same: "host
 * mx.example.org[192.0.2.1] said: 550 5.1.1 ... (in reply to RCPT TO
 * command)", "lost connection with mx.example.org[192.0.2.1] while
 * sending RCPT TO", "conversation with ... timed out while receiving the
 * initial server greeting". The server's reply is kept verbatim apart from
 * the log text, for the DSN's Diagnostic-Code.
 *
 * Output to the server is only ever our own text plus values that the
 * delivery request decoder checked for control characters, so a recipient
 * cannot smuggle a command into the session.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/base64.h"
#include "proto/smtp_reply.h"
#include "proto/xtext.h"

#include "mail/deliver_proto.h"
#include "mail/params.h"
#include "mail/params_smtp.h"
#include "mail/smtp_client.h"
#include "mail/tls_client.h"
#include "mail/tls_policy.h"

/*
 * Content over a range of a file descriptor.
 */
struct smtp_content_fd {
	struct smtp_content c;
	int fd;
	long offset, len, pos; /* pos: bytes consumed from offset */
	char buf[16384];
	size_t bpos, blen;
};

/* smtp_fd_rewind - back to offset */
static int
smtp_fd_rewind(void *ctx, struct buf *why)
{
	struct smtp_content_fd *f = ctx;

	f->pos = 0;
	f->bpos = f->blen = 0;
	return 0;
}

/* smtp_fd_fill - more bytes into the buffer; 1, 0 at the end, -1 */
static int
smtp_fd_fill(struct smtp_content_fd *f, struct buf *why)
{
	long want = MIN((long)sizeof(f->buf), f->len - f->pos);
	ssize_t n;

	if (want <= 0)
		return 0;
	do
		n = pread(
		    f->fd, f->buf, (size_t)want, (off_t)(f->offset + f->pos));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		buf_printf(why, "read message: %m");
		return -1;
	}
	if (n == 0) {
		buf_printf(why, "read message: file is shorter than its size");
		return -1;
	}
	f->pos += n;
	f->bpos = 0;
	f->blen = (size_t)n;
	return 1;
}

/* smtp_fd_next_line - one line without its LF or CRLF */
static int
smtp_fd_next_line(void *ctx, struct buf *line, struct buf *why)
{
	struct smtp_content_fd *f = ctx;
	bool any = false;

	buf_reset(line);
	for (;;) {
		char *nl;
		size_t n;
		int r;

		if (f->bpos == f->blen) {
			if ((r = smtp_fd_fill(f, why)) < 0)
				return -1;
			if (r == 0)
				break;
		}
		any = true;
		nl = memchr(f->buf + f->bpos, '\n', f->blen - f->bpos);
		n = nl ? (size_t)(nl - (f->buf + f->bpos)) : f->blen - f->bpos;
		buf_cat(line, f->buf + f->bpos, n);
		f->bpos += n;
		if (nl) {
			f->bpos++;
			if (buf_len(line) > 0
			    && buf_cstr(line)[buf_len(line) - 1] == '\r')
				buf_truncate(line, buf_len(line) - 1);
			return 1;
		}
	}
	return any ? 1 : 0;
}

/* smtp_content_fd - reader over a file range */
struct smtp_content *
smtp_content_fd(int fd, long offset, long len)
{
	struct smtp_content_fd *f = xcalloc(1, sizeof(*f));

	f->fd = fd;
	f->offset = offset;
	f->len = len;
	f->c.rewind = smtp_fd_rewind;
	f->c.next_line = smtp_fd_next_line;
	f->c.ctx = f;
	f->c.size = len;
	f->c.has_8bit = -1;
	return &f->c;
}

/* smtp_content_fd_free - free the reader (not the fd) */
void
smtp_content_fd_free(struct smtp_content **cp)
{
	if (*cp == NULL)
		return;
	free((*cp)->ctx);
	*cp = NULL;
}

/* smtp_content_is_8bit - scan once */
int
smtp_content_is_8bit(struct smtp_content *c, struct buf *why)
{
	struct buf *line;
	int r, found = 0;

	if (c->has_8bit >= 0)
		return c->has_8bit;
	if (c->rewind(c->ctx, why) < 0)
		return -1;
	line = buf_new(1024);
	while (!found && (r = c->next_line(c->ctx, line, why)) > 0) {
		const unsigned char *p = (const unsigned char *)buf_cstr(line);

		for (size_t i = 0; i < buf_len(line); i++)
			if (p[i] >= 0x80) {
				found = 1;
				break;
			}
	}
	buf_free(&line);
	if (!found && r < 0)
		return -1;
	c->has_8bit = found;
	return found;
}

/* smtp_is_ascii - no byte >= 0x80 */
static bool
smtp_is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* smtp_needs_smtputf8 - flag or a non-ASCII address */
bool
smtp_needs_smtputf8(const struct deliver_request *req)
{
	if (req->smtputf8 || !smtp_is_ascii(req->sender))
		return true;
	for (size_t i = 0; i < req->nrcpt; i++)
		if (!smtp_is_ascii(req->rcpt[i].addr))
			return true;
	return false;
}

/* smtp_session_connect - TCP connection to one address */
struct smtp_session *
smtp_session_connect(const struct smtp_target *t, struct smtp_fail *fail)
{
	struct smtp_session *ss;
	struct sockaddr_storage sa;
	socklen_t salen;
	const char *source;
	struct buf *why = buf_new(64);
	int64_t start = clock_ms();
	int fd;

	memset(&sa, 0, sizeof(sa));
	if (t->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sa;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, t->addr, 16);
		s6->sin6_port = htons((uint16_t)t->port);
		salen = sizeof(*s6);
		source = var_smtp_bind_address6;
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&sa;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, t->addr, 4);
		s4->sin_port = htons((uint16_t)t->port);
		salen = sizeof(*s4);
		source = var_smtp_bind_address;
	}
	fd = net_connect_addr((struct sockaddr *)&sa, salen,
	    source && *source ? source : NULL,
	    (int)var_smtp_connect_timeout * 1000, why);
	if (fd < 0) {
		smtp_fail_set(fail, "4.4.1", true, NULL, NULL,
		    "connect to %s[%s]:%d: %s", t->host, t->addr_str, t->port,
		    buf_cstr(why));
		buf_free(&why);
		return NULL;
	}
	buf_free(&why);
	ss = xcalloc(1, sizeof(*ss));
	ss->s = stream_open(fd);
	ss->target = *t;
	snprintf(ss->relay, sizeof(ss->relay), "%s[%s]:%d", t->host,
	    t->addr_str, t->port);
	snprintf(
	    ss->hostaddr, sizeof(ss->hostaddr), "%s[%s]", t->host, t->addr_str);
	smtp_reply_init(&ss->reply);
	smtp_ehlo_init(&ss->ehlo);
	ss->greeting = buf_new(128);
	ss->ehlo_text = buf_new(256);
	ss->line = buf_new(256);
	ss->cmd = buf_new(256);
	ss->tmp = buf_new(256);
	ss->start_ms = start;
	return ss;
}

/* smtp_io_fail - the stream failed while doing what */
static void
smtp_io_fail(struct smtp_session *ss, const char *what, bool try_next,
    struct smtp_fail *fail)
{
	ss->broken = true;
	if (stream_status(ss->s) == STREAM_TIMEOUT)
		smtp_fail_set(fail, "4.4.2", try_next, NULL, ss->relay,
		    "conversation with %s timed out while %s", ss->hostaddr,
		    what);
	else
		smtp_fail_set(fail, "4.4.2", try_next, NULL, ss->relay,
		    "lost connection with %s while %s", ss->hostaddr, what);
}

/* smtp_read_reply - one reply into ss->reply within timeout seconds; 0 or
 * -1 (with fail set, session broken) */
static int
smtp_read_reply(struct smtp_session *ss, long timeout, const char *what,
    bool try_next, struct smtp_fail *fail)
{
	struct buf *why = ss->tmp;

	smtp_reply_reset(&ss->reply);
	stream_set_timeout(ss->s, (int)timeout);
	for (;;) {
		ssize_t n = stream_getline(
		    ss->s, ss->line, (size_t)var_smtp_reply_length_limit);
		int r;

		if (n < 0 && stream_status(ss->s) == STREAM_TOOLONG) {
			/* Keep what fits; drop the rest of the line. */
			if (stream_skipline(ss->s, 1024 * 1024) < 0) {
				smtp_io_fail(ss, what, try_next, fail);
				return -1;
			}
			stream_clear(ss->s);
			n = (ssize_t)buf_len(ss->line);
		}
		if (n < 0) {
			smtp_io_fail(ss, what, try_next, fail);
			return -1;
		}
		buf_reset(why);
		r = smtp_reply_line(&ss->reply, buf_cstr(ss->line), (size_t)n,
		    (size_t)var_smtp_reply_count_limit, why);
		if (r < 0) {
			ss->broken = true;
			smtp_fail_set(fail, "4.5.0", try_next, NULL, ss->relay,
			    "host %s sent a bad reply while %s: %s (protocol "
			    "error)",
			    ss->hostaddr, what, buf_cstr(why));
			return -1;
		}
		if (r == 1)
			break;
	}
	log_debug("< %s: %s", ss->relay, buf_cstr(ss->reply.raw));
	return 0;
}

/* smtp_send_cmd - write one command line (buffered unless flush) */
static int
smtp_send_cmd(
    struct smtp_session *ss, const char *cmd, long timeout, bool flush)
{
	log_debug("> %s: %s", ss->relay,
	    str_has_prefix_ci(cmd, "AUTH ") ? "AUTH ..." : cmd);
	stream_set_timeout(ss->s, (int)timeout);
	if (stream_puts(ss->s, cmd) < 0 || stream_puts(ss->s, "\r\n") < 0)
		return -1;
	return flush ? stream_flush(ss->s) : 0;
}

/* smtp_reply_fail - the server refused: set fail from ss->reply */
static void
smtp_reply_fail(struct smtp_session *ss, const char *in_reply_to, bool try_next,
    struct smtp_fail *fail)
{
	struct buf *one = ss->tmp;

	buf_reset(one);
	smtp_reply_oneline(&ss->reply, one);
	smtp_fail_set(fail, ss->reply.dsn, try_next, buf_cstr(ss->reply.raw),
	    ss->relay, "host %s said: %s (in reply to %s)", ss->hostaddr,
	    buf_cstr(one), in_reply_to);
}

/* smtp_helo - EHLO, HELO when EHLO is refused; 0 or -1 */
static int
smtp_helo(struct smtp_session *ss, struct smtp_fail *fail)
{
	const char *cmd = "EHLO";

	buf_reset(ss->cmd);
	buf_printf(ss->cmd, "EHLO %s", var_smtp_helo_name);
	if (smtp_send_cmd(ss, buf_cstr(ss->cmd), var_smtp_helo_timeout, true)
	        < 0
	    || smtp_read_reply(ss, var_smtp_helo_timeout,
	           "performing the EHLO handshake", true, fail)
	        < 0) {
		if (!fail->is_set)
			smtp_io_fail(
			    ss, "performing the EHLO handshake", true, fail);
		return -1;
	}
	ss->is_esmtp = smtp_reply_class(&ss->reply) == 2;
	if (smtp_reply_class(&ss->reply) == 5) {
		/* An old server: HELO (RFC 5321 s4.1.4 allows the fallback). */
		cmd = "HELO";
		buf_reset(ss->cmd);
		buf_printf(ss->cmd, "HELO %s", var_smtp_helo_name);
		if (smtp_send_cmd(
		        ss, buf_cstr(ss->cmd), var_smtp_helo_timeout, true)
		        < 0
		    || smtp_read_reply(ss, var_smtp_helo_timeout,
		           "performing the HELO handshake", true, fail)
		        < 0) {
			if (!fail->is_set)
				smtp_io_fail(ss,
				    "performing the HELO handshake", true,
				    fail);
			return -1;
		}
	}
	if (smtp_reply_class(&ss->reply) != 2) {
		smtp_reply_fail(ss,
		    strcmp(cmd, "EHLO") == 0 ? "EHLO command" : "HELO command",
		    true, fail);
		return -1;
	}
	smtp_ehlo_free(&ss->ehlo);
	if (ss->is_esmtp)
		smtp_ehlo_parse(&ss->reply, &ss->ehlo);
	else
		snprintf(ss->ehlo.server, sizeof(ss->ehlo.server), "%.*s",
		    (int)strcspn(ss->reply.text.v[0], " "),
		    ss->reply.text.v[0]);
	if (buf_len(ss->ehlo_text) == 0)
		buf_sets(ss->ehlo_text, buf_cstr(ss->reply.raw));
	/* Our own name back: the route or MX leads to this host. */
	if (strcasecmp(ss->ehlo.server, var_myhostname) == 0) {
		log_warn("host %s replied to HELO/EHLO with my own hostname %s",
		    ss->hostaddr, var_myhostname);
		smtp_fail_set(fail, "5.4.6", false, NULL, ss->relay,
		    "mail for %s loops back to myself", ss->nexthop);
		return -1;
	}
	return 0;
}

/* smtp_starttls - STARTTLS and the handshake, per policy */
static int
smtp_starttls(struct smtp_session *ss, const char *nexthop,
    const struct tls_policy *pol, struct tls_ctx *tls, struct smtp_fail *fail)
{
	bool required = tls_policy_requires_tls(pol);
	struct strv names;
	struct buf *why, *sum;

	if (pol->level == TLS_LEV_NONE)
		return 0;
	if (!(ss->ehlo.ext & SMTP_EXT_STARTTLS) || tls == NULL) {
		if (!required)
			return 0;
		smtp_fail_set(fail, "4.7.4", true, NULL, ss->relay,
		    "TLS is required, but was not offered by host %s",
		    ss->hostaddr);
		return -1;
	}
	if (smtp_send_cmd(ss, "STARTTLS", var_smtp_starttls_timeout, true) < 0
	    || smtp_read_reply(ss, var_smtp_starttls_timeout,
	           "sending STARTTLS", true, fail)
	        < 0) {
		if (!fail->is_set)
			smtp_io_fail(ss, "sending STARTTLS", true, fail);
		return -1;
	}
	if (smtp_reply_class(&ss->reply) != 2) {
		if (!required) {
			log_info("host %s refused STARTTLS: %s; going on "
			         "without TLS",
			    ss->hostaddr, buf_cstr(ss->reply.raw));
			ss->tls_failed = true;
			snprintf(ss->tls_error, sizeof(ss->tls_error),
			    "STARTTLS refused: %s", buf_cstr(ss->reply.raw));
			return 0;
		}
		smtp_reply_fail(ss, "STARTTLS command", true, fail);
		fail->dsn[0] = '4'; /* another server may do TLS */
		fail->is_perm = false;
		return -1;
	}
	/* Names are checked at every level, so that the log can say
	 * "Verified"; only verify and secure insist. */
	strv_init(&names);
	tls_policy_names(pol, ss->target.host, nexthop, &names);
	why = buf_new(128);
	stream_set_timeout(ss->s, (int)var_smtp_starttls_timeout);
	ss->tls = tls_client_start_checked(tls, ss->s, ss->target.host, &names,
	    tls_policy_verifies(pol), &ss->tls_info, why);
	strv_free(&names);
	if (ss->tls == NULL) {
		ss->broken = true;
		ss->tls_failed = true;
		snprintf(
		    ss->tls_error, sizeof(ss->tls_error), "%s", buf_cstr(why));
		if (!required) {
			log_info("TLS handshake with %s failed: %s; trying "
			         "again without TLS",
			    ss->hostaddr, buf_cstr(why));
			buf_free(&why);
			return SMTP_RETRY_PLAIN;
		}
		smtp_fail_set(fail, "4.7.5", true, NULL, ss->relay,
		    "Cannot start TLS with %s: %s", ss->hostaddr,
		    buf_cstr(why));
		buf_free(&why);
		return -1;
	}
	buf_free(&why);
	sum = buf_new(128);
	tls_info_summary(&ss->tls_info, sum);
	log_info("%s TLS connection established to %s: %s",
	    tls_trust_name(ss->tls_info.trust), ss->relay, buf_cstr(sum));
	log_info("%s: peer certificate subject=%s, issuer=%s%s%s", ss->relay,
	    ss->tls_info.subject[0] ? ss->tls_info.subject : "(none)",
	    ss->tls_info.issuer[0] ? ss->tls_info.issuer : "(none)",
	    ss->tls_info.verify_error[0] ? ", not verified: " : "",
	    ss->tls_info.verify_error);
	buf_free(&sum);
	/* RFC 3207 s4.2: forget what we knew, ask again over TLS. */
	ss->is_esmtp = false;
	return smtp_helo(ss, fail);
}

/* smtp_sasl_allowed - the security options allow a plaintext mechanism */
static bool
smtp_sasl_allowed(const struct smtp_session *ss)
{
	const char *opts =
	    ss->tls ? var_smtp_sasl_tls_opts : var_smtp_sasl_opts;
	struct strv words;
	bool ok;

	strv_init(&words);
	strv_split(&words, opts, ", \t");
	ok = !strv_contains_ci(&words, "noplaintext");
	strv_free(&words);
	return ok;
}

/* smtp_b64 - base64 of n bytes into out */
static void
smtp_b64(const void *p, size_t n, struct buf *out)
{
	buf_reset(out);
	base64_encode(p, n, out);
}

/* smtp_auth_step - send a line, read the reply */
static int
smtp_auth_step(
    struct smtp_session *ss, const char *line, struct smtp_fail *fail)
{
	if (smtp_send_cmd(ss, line, var_smtp_helo_timeout, true) < 0
	    || smtp_read_reply(ss, var_smtp_helo_timeout,
	           "performing SASL authentication", true, fail)
	        < 0) {
		if (!fail->is_set)
			smtp_io_fail(
			    ss, "performing SASL authentication", true, fail);
		return -1;
	}
	return 0;
}

/* smtp_auth - AUTH PLAIN or LOGIN */
static int
smtp_auth(struct smtp_session *ss, const char *user, const char *pass,
    struct smtp_fail *fail)
{
	struct buf *cred = buf_new(128), *b64 = buf_new(128);
	struct buf *line = buf_new(160);
	bool plain = strv_contains(&ss->ehlo.auth, "PLAIN");
	bool login = strv_contains(&ss->ehlo.auth, "LOGIN");
	int ret = -1;

	if (!(ss->ehlo.ext & SMTP_EXT_AUTH)) {
		/* Nothing to authenticate to: the server decides whether it
		 * takes the mail without (Postfix does the same). */
		ret = 0;
		goto out;
	}
	if ((!plain && !login) || !smtp_sasl_allowed(ss)) {
		smtp_fail_set(fail, "4.7.0", true, NULL, ss->relay,
		    "SASL authentication failed; cannot authenticate to server "
		    "%s: %s",
		    ss->hostaddr,
		    !plain && !login ? "no mechanism available"
		                     : "a password may not be sent without TLS "
		                       "(smtp_sasl_security_options)");
		goto out;
	}
	if (plain) {
		/* authzid NUL authcid NUL password (RFC 4616) */
		buf_catc(cred, 0);
		buf_cats(cred, user);
		buf_catc(cred, 0);
		buf_cats(cred, pass);
		smtp_b64(buf_cstr(cred), buf_len(cred), b64);
		buf_printf(line, "AUTH PLAIN %s", buf_cstr(b64));
		if (smtp_auth_step(ss, buf_cstr(line), fail) < 0)
			goto out;
		if (ss->reply.code == 334) /* no initial response taken */
			if (smtp_auth_step(ss, buf_cstr(b64), fail) < 0)
				goto out;
	} else {
		if (smtp_auth_step(ss, "AUTH LOGIN", fail) < 0)
			goto out;
		if (ss->reply.code == 334) {
			smtp_b64(user, strlen(user), b64);
			if (smtp_auth_step(ss, buf_cstr(b64), fail) < 0)
				goto out;
		}
		if (ss->reply.code == 334) {
			smtp_b64(pass, strlen(pass), b64);
			if (smtp_auth_step(ss, buf_cstr(b64), fail) < 0)
				goto out;
		}
	}
	if (smtp_reply_class(&ss->reply) != 2) {
		struct buf *one = buf_new(128);

		smtp_reply_oneline(&ss->reply, one);
		/* Deferred, not bounced: a password problem is the sender
		 * administrator's to fix, and the mail must not be lost. */
		smtp_fail_set(fail, "4.7.0", true, buf_cstr(ss->reply.raw),
		    ss->relay, "SASL authentication failed; server %s said: %s",
		    ss->hostaddr, buf_cstr(one));
		buf_free(&one);
		goto out;
	}
	ss->authenticated = true;
	log_info("%s: authenticated as %s", ss->relay, user);
	ret = 0;
out:
	buf_free_secret(&cred);
	buf_free_secret(&b64);
	buf_free_secret(&line);
	return ret;
}

/* smtp_session_setup - greeting to ready */
int
smtp_session_setup(struct smtp_session *ss, const char *nexthop,
    const struct tls_policy *pol, struct tls_ctx *tls, const char *user,
    const char *pass, struct smtp_fail *fail)
{
	int r;

	snprintf(ss->nexthop, sizeof(ss->nexthop), "%s", nexthop);
	if (smtp_read_reply(ss, var_smtp_helo_timeout,
	        "receiving the initial server greeting", true, fail)
	    < 0)
		return -1;
	buf_sets(ss->greeting, buf_cstr(ss->reply.raw));
	if (smtp_reply_class(&ss->reply) != 2) {
		struct buf *one = buf_new(128);

		/* 4xx or 5xx greeting: try the next server (Postfix
		 * smtp_skip_5xx_greeting). */
		smtp_reply_oneline(&ss->reply, one);
		smtp_fail_set(fail, ss->reply.dsn, true,
		    buf_cstr(ss->reply.raw), ss->relay,
		    "host %s refused to talk to me: %s", ss->hostaddr,
		    buf_cstr(one));
		buf_free(&one);
		return -1;
	}
	if (smtp_helo(ss, fail) < 0)
		return -1;
	if ((r = smtp_starttls(ss, nexthop, pol, tls, fail)) < 0)
		return r;
	if (user && smtp_auth(ss, user, pass, fail) < 0)
		return -1;
	ss->ready_ms = clock_ms();
	return 0;
}

/* smtp_param - append " NAME=value" */
static void
smtp_param(struct buf *b, const char *name, const char *value)
{
	if (value && *value)
		buf_printf(b, " %s=%s", name, value);
}

/* smtp_rcpt_set - a definite answer for recipient i */
static void
smtp_rcpt_set(struct smtp_session *ss, const struct deliver_request *req,
    size_t i, struct deliver_result *res, bool *done, const char *in_reply_to)
{
	struct buf *one = buf_new(128), *reason = buf_new(160);
	int cls = smtp_reply_class(&ss->reply);
	enum deliver_status st = cls == 2 ? DELIVER_SENT
	    : cls == 4                    ? DELIVER_DEFERRED
	                                  : DELIVER_BOUNCED;
	const char *success = "none";
	char dsn[16];

	smtp_reply_oneline(&ss->reply, one);
	if (st == DELIVER_SENT) {
		buf_sets(reason, buf_cstr(one));
		/* Without DSN at the next hop, the success notice (when asked
		 * for) is ours: "relayed" (RFC 3461 s4.2). */
		if (!(ss->ehlo.ext & SMTP_EXT_DSN)
		    && deliver_notify_has(req->rcpt[i].dsn_notify, "SUCCESS"))
			success = "relayed";
	} else {
		buf_printf(reason, "host %s said: %s (in reply to %s)",
		    ss->hostaddr, buf_cstr(one), in_reply_to);
	}
	snprintf(dsn, sizeof(dsn), "%s", ss->reply.dsn);
	if (cls == 3) { /* 3xx where a final reply was due: protocol error */
		snprintf(dsn, sizeof(dsn), "4.5.0");
		st = DELIVER_DEFERRED;
	}
	deliver_result_set(&res[i], st, dsn, buf_cstr(reason),
	    buf_cstr(ss->reply.raw), ss->relay, success);
	done[i] = true;
	buf_free(&one);
	buf_free(&reason);
}

/* smtp_accepted_set - every accepted recipient gets the current reply as
 * its answer */
static void
smtp_accepted_set(struct smtp_session *ss, const struct deliver_request *req,
    const bool *accepted, struct deliver_result *res, bool *done,
    const char *in_reply_to)
{
	for (size_t i = 0; i < req->nrcpt; i++)
		if (accepted[i])
			smtp_rcpt_set(ss, req, i, res, done, in_reply_to);
}

/* smtp_send_content - the message, dot-stuffed, and the final "." */
static int
smtp_send_content(
    struct smtp_session *ss, struct smtp_content *c, struct buf *why)
{
	struct buf *line = buf_new(1024);
	int r;

	if (c->rewind(c->ctx, why) < 0) {
		buf_free(&line);
		return -2;
	}
	stream_set_timeout(ss->s, (int)var_smtp_data_xfer_timeout);
	while ((r = c->next_line(c->ctx, line, why)) > 0) {
		/* RFC 5321 s4.5.2: a line that begins with "." gets another */
		if (buf_cstr(line)[0] == '.' && stream_puts(ss->s, ".") < 0)
			break;
		if (stream_write(ss->s, buf_cstr(line), buf_len(line)) < 0
		    || stream_puts(ss->s, "\r\n") < 0)
			break;
	}
	buf_free(&line);
	if (r < 0)
		return -2; /* our read error: the message was not finished */
	if (r > 0)
		return -1;
	if (stream_puts(ss->s, ".\r\n") < 0 || stream_flush(ss->s) < 0)
		return -1;
	return 0;
}

/* smtp_session_send - one message */
int
smtp_session_send(struct smtp_session *ss, const struct deliver_request *req,
    struct smtp_content *content, struct deliver_result *res, bool *done,
    struct smtp_fail *fail)
{
	bool pipelining = (ss->ehlo.ext & SMTP_EXT_PIPELINING) != 0;
	bool has_dsn = (ss->ehlo.ext & SMTP_EXT_DSN) != 0;
	bool need_utf8 = smtp_needs_smtputf8(req);
	bool *sent = xcalloc(req->nrcpt ? req->nrcpt : 1, sizeof(bool));
	bool *accepted = xcalloc(req->nrcpt ? req->nrcpt : 1, sizeof(bool));
	const char *body = req->body_type;
	struct buf *why = buf_new(64);
	size_t nsent = 0, naccepted = 0;
	bool mail_ok = false, data_ok = false;
	int ret = -1, r;

	smtp_fail_clear(fail);
	ss->messages++;
	stream_deadline_start(ss->s, (int)var_smtp_message_timeout, 0);

	/* What the server must offer for this message. */
	if (content->size > 0 && ss->ehlo.size_limit > 0
	    && content->size > ss->ehlo.size_limit) {
		smtp_fail_set(fail, "5.3.4", false, NULL, ss->relay,
		    "message size %ld exceeds size limit %ld of server %s",
		    content->size, ss->ehlo.size_limit, ss->hostaddr);
		ret = 0;
		goto out;
	}
	if (need_utf8 && !(ss->ehlo.ext & SMTP_EXT_SMTPUTF8)) {
		smtp_fail_set(fail, "5.6.7", true, NULL, ss->relay,
		    "SMTPUTF8 is required, but was not offered by host %s",
		    ss->hostaddr);
		ret = 0;
		goto out;
	}
	if (strcmp(body, "8BITMIME") == 0
	    && !(ss->ehlo.ext & SMTP_EXT_8BITMIME)) {
		r = smtp_content_is_8bit(content, why);
		if (r < 0) {
			smtp_fail_set(fail, "4.3.0", false, NULL, NULL,
			    "cannot read the message: %s", buf_cstr(why));
			ret = 0;
			goto out;
		}
		if (r == 1) {
			smtp_fail_set(fail, "5.6.3", true, NULL, ss->relay,
			    "host %s does not offer 8BITMIME and the message "
			    "has 8-bit content (not converted to 7 bits)",
			    ss->hostaddr);
			ret = 0;
			goto out;
		}
		body = ""; /* 7-bit after all: send it as such */
	}

	/* MAIL FROM */
	buf_reset(ss->cmd);
	buf_printf(ss->cmd, "MAIL FROM:<%s>", req->sender);
	if ((ss->ehlo.ext & SMTP_EXT_SIZE) && content->size > 0)
		buf_printf(ss->cmd, " SIZE=%ld", content->size);
	if ((ss->ehlo.ext & SMTP_EXT_8BITMIME) && *body)
		smtp_param(ss->cmd, "BODY", body);
	if (need_utf8)
		buf_cats(ss->cmd, " SMTPUTF8");
	if (has_dsn) {
		smtp_param(ss->cmd, "RET", req->dsn_ret);
		if (*req->dsn_envid) {
			buf_cats(ss->cmd, " ENVID=");
			xtext_encode(
			    req->dsn_envid, strlen(req->dsn_envid), ss->cmd);
		}
	}
	if (smtp_send_cmd(
	        ss, buf_cstr(ss->cmd), var_smtp_mail_timeout, !pipelining)
	    < 0)
		goto io_mail;
	if (!pipelining) {
		if (smtp_read_reply(ss, var_smtp_mail_timeout,
		        "sending MAIL FROM", true, fail)
		    < 0)
			goto out;
		if (smtp_reply_class(&ss->reply) != 2) {
			smtp_reply_fail(ss, "MAIL FROM command",
			    smtp_reply_class(&ss->reply) == 4, fail);
			ret = 0;
			goto out;
		}
		mail_ok = true;
	}

	/* RCPT TO, one per recipient still to do */
	for (size_t i = 0; i < req->nrcpt; i++) {
		const struct deliver_rcpt *rc = &req->rcpt[i];

		if (done[i])
			continue;
		buf_reset(ss->cmd);
		buf_printf(ss->cmd, "RCPT TO:<%s>", rc->addr);
		if (has_dsn) {
			const char *semi = strchr(rc->dsn_orcpt, ';');

			smtp_param(ss->cmd, "NOTIFY", rc->dsn_notify);
			/* ORCPT=type;xtext (RFC 3461 s4.2) */
			if (semi) {
				buf_printf(ss->cmd, " ORCPT=%.*s;",
				    (int)(semi - rc->dsn_orcpt), rc->dsn_orcpt);
				xtext_encode(
				    semi + 1, strlen(semi + 1), ss->cmd);
			}
		}
		if (smtp_send_cmd(ss, buf_cstr(ss->cmd), var_smtp_rcpt_timeout,
		        !pipelining)
		    < 0)
			goto io_rcpt;
		sent[i] = true;
		nsent++;
		if (pipelining)
			continue;
		if (smtp_read_reply(ss, var_smtp_rcpt_timeout,
		        "sending RCPT TO", true, fail)
		    < 0)
			goto out;
		if (smtp_reply_class(&ss->reply) == 2) {
			accepted[i] = true;
			naccepted++;
		} else {
			smtp_rcpt_set(ss, req, i, res, done, "RCPT TO command");
		}
	}
	if (pipelining) {
		/* DATA goes with the rest (RFC 2920 s3.1: it is the last
		 * command of the group). */
		if (smtp_send_cmd(ss, "DATA", var_smtp_data_init_timeout, true)
		    < 0)
			goto io_rcpt;
		if (smtp_read_reply(ss, var_smtp_mail_timeout,
		        "sending MAIL FROM", true, fail)
		    < 0)
			goto out;
		mail_ok = smtp_reply_class(&ss->reply) == 2;
		if (!mail_ok)
			smtp_reply_fail(ss, "MAIL FROM command",
			    smtp_reply_class(&ss->reply) == 4, fail);
		for (size_t i = 0; i < req->nrcpt; i++) {
			if (!sent[i])
				continue;
			if (smtp_read_reply(ss, var_smtp_rcpt_timeout,
			        "sending RCPT TO", mail_ok ? true : false, fail)
			    < 0)
				goto out;
			if (!mail_ok)
				continue; /* the MAIL failure stands */
			if (smtp_reply_class(&ss->reply) == 2) {
				accepted[i] = true;
				naccepted++;
			} else {
				smtp_rcpt_set(
				    ss, req, i, res, done, "RCPT TO command");
			}
		}
		if (smtp_read_reply(ss, var_smtp_data_init_timeout,
		        "sending DATA command", false, fail)
		    < 0)
			goto out;
		if (smtp_reply_class(&ss->reply) == 3
		    && (!mail_ok || naccepted == 0)) {
			/* A server that said 354 with nobody to deliver to:
			 * end the (empty) message at once. */
			if (stream_puts(ss->s, ".\r\n") < 0
			    || stream_flush(ss->s) < 0
			    || smtp_read_reply(ss, var_smtp_data_done_timeout,
			           "sending end of data", false, fail)
			        < 0)
				goto out;
		}
		if (!mail_ok) {
			ret = 0;
			goto out;
		}
		data_ok = smtp_reply_class(&ss->reply) == 3;
	} else if (naccepted > 0) {
		if (smtp_send_cmd(ss, "DATA", var_smtp_data_init_timeout, true)
		        < 0
		    || smtp_read_reply(ss, var_smtp_data_init_timeout,
		           "sending DATA command", false, fail)
		        < 0) {
			if (!fail->is_set)
				smtp_io_fail(
				    ss, "sending DATA command", false, fail);
			goto out;
		}
		data_ok = smtp_reply_class(&ss->reply) == 3;
	}
	if (naccepted == 0) {
		ret = 0; /* every recipient has its answer */
		goto out;
	}
	if (!data_ok) {
		smtp_accepted_set(ss, req, accepted, res, done, "DATA command");
		ret = 0;
		goto out;
	}

	/* The message. */
	r = smtp_send_content(ss, content, why);
	if (r == -2) {
		/* Our own read error: the server must not take half a
		 * message. Drop the connection without the final dot. */
		ss->broken = true;
		smtp_fail_set(fail, "4.3.0", false, NULL, NULL,
		    "cannot read the message: %s", buf_cstr(why));
		goto out;
	}
	if (r < 0) {
		smtp_io_fail(ss, "sending message body", false, fail);
		goto out;
	}
	if (smtp_read_reply(ss, var_smtp_data_done_timeout,
	        "sending end of data -- message may be sent more than once",
	        false, fail)
	    < 0)
		goto out;
	smtp_accepted_set(ss, req, accepted, res, done, "end of DATA command");
	ret = 0;
	goto out;

io_mail:
	smtp_io_fail(ss, "sending MAIL FROM", true, fail);
	goto out;
io_rcpt:
	smtp_io_fail(ss, "sending RCPT TO", true, fail);
out:
	stream_deadline_stop(ss->s);
	if (ss->broken)
		ret = -1;
	free(sent);
	free(accepted);
	buf_free(&why);
	return ret;
}

/* smtp_session_rset - ready for another message */
int
smtp_session_rset(struct smtp_session *ss)
{
	struct smtp_fail f;
	int ret = -1;

	if (ss->broken)
		return -1;
	smtp_fail_init(&f);
	if (smtp_send_cmd(ss, "RSET", var_smtp_rset_timeout, true) == 0
	    && smtp_read_reply(
	           ss, var_smtp_rset_timeout, "sending RSET", false, &f)
	        == 0
	    && smtp_reply_class(&ss->reply) == 2)
		ret = 0;
	else
		ss->broken = true;
	smtp_fail_free(&f);
	return ret;
}

/* smtp_session_close - QUIT and free */
void
smtp_session_close(struct smtp_session **ssp, bool quit)
{
	struct smtp_session *ss = *ssp;

	if (ss == NULL)
		return;
	if (quit && !ss->broken) {
		struct smtp_fail f;

		smtp_fail_init(&f);
		stream_deadline_start(ss->s, (int)var_smtp_quit_timeout, 0);
		if (smtp_send_cmd(ss, "QUIT", var_smtp_quit_timeout, true) == 0)
			(void)smtp_read_reply(ss, var_smtp_quit_timeout,
			    "sending QUIT", false, &f);
		smtp_fail_free(&f);
	}
	if (ss->tls)
		tls_conn_stop(&ss->tls, ss->s);
	stream_close(&ss->s);
	smtp_reply_free(&ss->reply);
	smtp_ehlo_free(&ss->ehlo);
	buf_free(&ss->greeting);
	buf_free(&ss->ehlo_text);
	buf_free(&ss->line);
	buf_free(&ss->cmd);
	buf_free(&ss->tmp);
	free(ss);
	*ssp = NULL;
}

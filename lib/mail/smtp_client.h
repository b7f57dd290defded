/*
 * smtp_client.h - the client side of an SMTP session: connect to one
 * server address, greeting, EHLO (HELO when EHLO is refused), STARTTLS by
 * policy, AUTH PLAIN/LOGIN, then any number of messages (MAIL, RCPT, DATA,
 * with PIPELINING when offered), RSET between them, QUIT. Used by the smtp
 * delivery agent and by `gannet domain-info`.
 *
 * Every read and write goes through the session's stream with the
 * per-phase timeouts of gannet.conf (smtp_*_timeout), and each message
 * runs under one deadline (smtp_message_timeout).
 *
 * Extensions, and what happens when the server lacks them:
 *   SIZE        the message is bounced (5.3.4) when it is larger than the
 *               server's limit; SIZE= is sent on MAIL FROM
 *   8BITMIME    BODY= is passed on when offered. When it is not offered
 *               and the message was received as 8BITMIME, the content is
 *               scanned: 7-bit content is sent without BODY=; 8-bit content
 *               is not converted: that server is skipped and, when no other
 *               will take it, the message bounces with 5.6.3
 *   SMTPUTF8    needed when the message asked for it or an address is not
 *               ASCII; a server without it is skipped, and the message
 *               bounces with 5.6.7 when none has it (RFC 6531 s3.2)
 *   DSN         NOTIFY, ORCPT, RET and ENVID are passed on when offered;
 *               otherwise the success notice is ours to send ("relayed")
 *   PIPELINING  MAIL, every RCPT and DATA in one write (RFC 2920)
 *   STARTTLS    see tls_policy.h; with level may, a failed handshake makes
 *               the caller retry the same address without TLS
 *   AUTH        PLAIN, else LOGIN, only with credentials and as the
 *               smtp_sasl_*security_options allow (by default, only over
 *               TLS); a failure defers (4.7.0) rather than bounces
 *
 * Loop check: a server that answers EHLO or HELO with our own myhostname
 * is this host: "mail for X loops back to myself" (5.4.6).
 */
#ifndef MAIL_SMTP_CLIENT_H
#define MAIL_SMTP_CLIENT_H
#include "util/sys_defs.h"

#include "proto/smtp_reply.h"

#include "mail/smtp_nexthop.h"
#include "mail/tls_client.h"

struct buf;
struct stream;
struct deliver_request;
struct deliver_result;
struct tls_policy;

/* The message to send, read line by line (the queue file reader, or a
 * plain file for tests). */
struct smtp_content {
	/* rewind - back to the first line; 0, or -1 with why */
	int (*rewind)(void *ctx, struct buf *why);
	/* next_line - the next line without its LF or CRLF into line: 1;
	 * 0 at the end; -1 with why on a read error */
	int (*next_line)(void *ctx, struct buf *line, struct buf *why);
	void *ctx;
	long size;    /* bytes of the message, for SIZE */
	int has_8bit; /* -1 unknown (scanned when needed), 0, 1 */
};

/* smtp_content_fd - a content reader over len bytes of fd from offset
 * (the fd stays the caller's); free with smtp_content_fd_free */
struct smtp_content *smtp_content_fd(int fd, long offset, long len);
void smtp_content_fd_free(struct smtp_content **cp);
/* smtp_content_is_8bit - scan for bytes >= 0x80 (cached in has_8bit);
 * 1, 0, or -1 with why */
int smtp_content_is_8bit(struct smtp_content *c, struct buf *why);

struct smtp_session {
	struct stream *s;
	struct smtp_target target;
	char relay[SMTP_HOST_MAX + NET_ADDR_MAX + 16];   /* host[addr]:port */
	char hostaddr[SMTP_HOST_MAX + NET_ADDR_MAX + 8]; /* host[addr], as
	                                                  * failure texts
	                                                  * name it */
	char nexthop[300];   /* the next-hop domain (for messages) */
	char cache_key[300]; /* the caller's reuse key (next hop as written) */
	struct smtp_reply reply; /* the last reply */
	struct smtp_ehlo ehlo;
	bool is_esmtp;
	struct buf *greeting;  /* the 220 reply, lines joined with "\n" */
	struct buf *ehlo_text; /* the first EHLO (or HELO) reply, raw */
	struct tls_conn *tls;
	struct tls_info tls_info; /* valid when tls != NULL */
	bool tls_failed;          /* STARTTLS or handshake failed (may) */
	char tls_error[256];      /* why, when tls_failed */
	bool authenticated;
	bool broken; /* the connection cannot carry another command */
	int messages;
	int64_t start_ms, ready_ms; /* connect begun; setup done */
	/* scratch */
	struct buf *line, *cmd, *tmp;
};

/* smtp_session_connect - connect to target (numeric address, port) within
 * smtp_connect_timeout, from smtp_bind_address(6) when set. NULL with fail
 * set ("connect to host[addr]:port: Connection refused", 4.4.1). */
struct smtp_session *smtp_session_connect(
    const struct smtp_target *target, struct smtp_fail *fail);
/* smtp_session_setup - greeting, EHLO/HELO, STARTTLS as pol says (tls may
 * be NULL when the level is none), AUTH when user is not NULL. nexthop is
 * the next-hop domain for certificate names (match=nexthop). Returns 0
 * ready for mail; -1 with fail set; SMTP_RETRY_PLAIN when the level is
 * may and TLS failed: close, connect again and set up with level none. */
#define SMTP_RETRY_PLAIN (-2)
int smtp_session_setup(struct smtp_session *ss, const char *nexthop,
    const struct tls_policy *pol, struct tls_ctx *tls, const char *user,
    const char *pass, struct smtp_fail *fail);
/* smtp_session_send - one message to the recipients of req whose done[i]
 * is false; results[i] is set, and done[i] becomes true, for each
 * recipient that got a definite answer (sent, deferred or bounced by the
 * server or by a check above). Recipients left not done share the failure
 * in fail (with try_next when another server may do better). Returns 0
 * when the session can carry another message (after RSET), -1 when it is
 * broken. */
int smtp_session_send(struct smtp_session *ss,
    const struct deliver_request *req, struct smtp_content *content,
    struct deliver_result *results, bool *done, struct smtp_fail *fail);
/* smtp_session_rset - RSET for the next message; 0, or -1 (broken) */
int smtp_session_rset(struct smtp_session *ss);
/* smtp_session_close - QUIT (when quit and not broken), close TLS and the
 * connection, free; *ssp = NULL */
void smtp_session_close(struct smtp_session **ssp, bool quit);

/* smtp_needs_smtputf8 - the request needs SMTPUTF8: flagged, or an address
 * that is not ASCII */
bool smtp_needs_smtputf8(const struct deliver_request *req);

#endif /* MAIL_SMTP_CLIENT_H */

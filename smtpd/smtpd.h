/*
 * smtpd.h - the state of one SMTP session, shared by the files of smtpd
 * (and by nothing outside this directory).
 *
 *   smtpd.c          main(), the service hooks, process-wide resources
 *   smtpd_session.c  the command loop, replies, limits, HELO/MAIL/RCPT...
 *   smtpd_data.c     DATA and BDAT: the message into a queue file
 *   smtpd_auth.c     AUTH PLAIN and LOGIN through the auth service
 *   smtpd_check.c    decisions: relay, recipients, senders, access maps
 *   smtpd_filter.c   header, body and attachment name filters
 */
#ifndef SMTPD_SMTPD_H
#define SMTPD_SMTPD_H
#include "util/sys_defs.h"

#include "util/net.h"

#include "proto/smtp_addr.h"
#include "proto/smtp_cmd.h"

#include "mail/queue_file.h"
#include "mail/service.h"

struct buf;
struct stream;
struct tls_ctx;
struct tls_conn;
struct smtpd_msg;
struct smtpd_filter;

/* Results of smtpd_getline */
enum smtpd_line {
	SMTPD_LINE_OK = 0,
	SMTPD_LINE_TOOLONG, /* consumed to its CRLF, not returned */
	SMTPD_LINE_BARE_LF, /* a line ended in LF without CR */
	SMTPD_LINE_BARE_CR, /* a CR not followed by LF */
	SMTPD_LINE_IO,      /* EOF, timeout, error: see the stream */
	SMTPD_LINE_HUGE,    /* no line end within the skip budget */
};

/* Per-verb counters for the "disconnect" log line */
enum smtpd_count {
	SMTPD_C_EHLO,
	SMTPD_C_HELO,
	SMTPD_C_STARTTLS,
	SMTPD_C_AUTH,
	SMTPD_C_MAIL,
	SMTPD_C_RCPT,
	SMTPD_C_DATA,
	SMTPD_C_BDAT,
	SMTPD_C_RSET,
	SMTPD_C_NOOP,
	SMTPD_C_VRFY,
	SMTPD_C_ETRN,
	SMTPD_C_QUIT,
	SMTPD_C_UNKNOWN,
	SMTPD_C_COMMANDS,
	SMTPD_C_MAX,
};

struct smtpd_state {
	const struct service_client *client;
	struct stream *s;
	struct buf *line;  /* the current input line (CRLF kept) */
	struct buf *chunk; /* scratch: rest of an over-long line */
	struct buf *reply; /* scratch: the reply being sent */
	struct buf *why;   /* scratch: reasons */
	struct buf *tmp;   /* scratch */
	struct smtp_cmd cmd;
	char addr[NET_ADDR_MAX];
	char name[1025]; /* verified reverse name or "unknown" */
	char namaddr[1025 + NET_ADDR_MAX + 4]; /* "name[addr]" for logs */
	int port;
	bool is_loopback;
	bool is_trusted;   /* mynetworks */
	int64_t end_ms;    /* the session time limit */
	const char *where; /* last command, for "timeout after X" */
	unsigned counts[SMTPD_C_MAX];

	/* session */
	char *helo;
	bool is_esmtp;
	struct tls_conn *tls;
	char *auth_user;   /* login name after AUTH */
	char *auth_method; /* "PLAIN" or "LOGIN" */
	int errors;
	int junk;
	bool must_close; /* stop after the current reply */
	long msgs;       /* messages accepted */

	/* transaction (MAIL .. end of data) */
	bool has_mail;
	struct queue_env env; /* sender, parameters, recipients */
	uint64_t declared_size;
	struct smtpd_msg *msg; /* a message in progress (DATA/BDAT) */
	bool bdat_failed;      /* a BDAT chunk failed: drop the rest */
	char *bdat_error;      /* and its reply */
};

/* smtpd.c: process-wide resources */
extern struct tls_ctx *smtpd_tls_ctx;

/* smtpd_session.c */
void smtpd_session(const struct service_client *client);
/* smtpd_reply - send one reply line ("250 2.0.0 Ok"); replies that
 * start with 4 or 5 are errors and counted */
void smtpd_reply(struct smtpd_state *st, const char *fmt, ...)
    ATTR_PRINTF(2, 3);
/* smtpd_reject - an error reply that is also logged as Postfix does:
 * "NOQUEUE: reject: RCPT from name[addr]: reply; from=<> to=<>" */
void smtpd_reject(struct smtpd_state *st, const char *rcpt, const char *fmt,
    ...) ATTR_PRINTF(3, 4);
/* smtpd_getline - read one CRLF line of at most max bytes before the
 * CRLF; an over-long line is consumed (at most skip_max bytes more) */
enum smtpd_line smtpd_getline(
    struct smtpd_state *st, size_t max, size_t skip_max, size_t *skipped_out);
/* smtpd_io_error - log "lost connection/timeout after X" and close */
void smtpd_io_error(struct smtpd_state *st);
/* smtpd_bare - a bare CR or LF: 521 reply, log, close the session */
void smtpd_bare(struct smtpd_state *st, enum smtpd_line what);
/* smtpd_reset - forget the transaction */
void smtpd_reset(struct smtpd_state *st);
/* smtpd_service - "smtp", "submission" or "submissions" (for the queue
 * file and the auth service) */
const char *smtpd_service(void);
/* smtpd_protocol - "ESMTPSA" etc. for Received: and the queue file */
const char *smtpd_protocol(const struct smtpd_state *st);

/* smtpd_data.c */
void smtpd_cmd_data(struct smtpd_state *st);
void smtpd_cmd_bdat(struct smtpd_state *st);
/* smtpd_msg_abort - drop a message in progress (RSET, errors) */
void smtpd_msg_abort(struct smtpd_state *st);

/* smtpd_auth.c */
void smtpd_cmd_auth(struct smtpd_state *st);
/* smtpd_auth_offered - AUTH is advertised and allowed now */
bool smtpd_auth_offered(const struct smtpd_state *st);

/* smtpd_check.c */
void smtpd_check_init(void);
/* smtpd_check_client - at connect: 0 to go on, or -1 after a reply */
int smtpd_check_client(struct smtpd_state *st);
int smtpd_check_helo(struct smtpd_state *st, const char *helo);
/* smtpd_check_sender - at MAIL: 0 ok, -1 after a reject reply */
int smtpd_check_sender(struct smtpd_state *st, const struct smtp_addr *a);
/* smtpd_check_rcpt - at RCPT: 0 ok, -1 after a reject reply */
int smtpd_check_rcpt(struct smtpd_state *st, const struct smtp_addr *a);
/* smtpd_check_is_trusted - the client is in mynetworks */
bool smtpd_check_is_trusted(const char *addr);
/* smtpd_check_is_loopback - AUTH may go without TLS from this client
 * (smtpd_tls_auth_only_exceptions) */
bool smtpd_check_is_loopback(const char *addr);
/* smtpd_check_etrn_ok - ETRN may flush this domain */
bool smtpd_check_etrn_ok(const char *domain);

/* smtpd_filter.c: content filters on the message being received */
enum smtpd_filter_action {
	SMTPD_FILTER_NONE = 0,
	SMTPD_FILTER_WARN,
	SMTPD_FILTER_HOLD,
	SMTPD_FILTER_DISCARD,
	SMTPD_FILTER_REJECT,
};
void smtpd_filter_init(void);
struct smtpd_filter *smtpd_filter_new(void);
void smtpd_filter_free(struct smtpd_filter **fp);
/* smtpd_filter_header - one logical header (unfolded, no CRLF) */
void smtpd_filter_header(
    struct smtpd_filter *f, const char *qid, const char *hdr, size_t len);
/* smtpd_filter_body - one body line (no CRLF) */
void smtpd_filter_body(
    struct smtpd_filter *f, const char *qid, const char *line, size_t len);
/* smtpd_filter_result - the strongest action so far and its reply text
 * (borrowed; for REJECT a complete reply) */
enum smtpd_filter_action smtpd_filter_result(
    const struct smtpd_filter *f, const char **reply_out);

#endif /* SMTPD_SMTPD_H */

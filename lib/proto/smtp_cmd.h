/*
 * smtp_cmd.h - parse one SMTP command line (RFC 5321 and the ESMTP
 * extensions the suite offers: SIZE, 8BITMIME, DSN, SMTPUTF8, AUTH,
 * CHUNKING, STARTTLS, ETRN).
 *
 * The line is given without its CRLF (the caller has checked the line
 * ending: a bare CR or LF never reaches here). The parser is strict about
 * the grammar and tolerant where every real MTA is: verbs and keywords in
 * any case, a space after "FROM:"/"TO:", several spaces between
 * parameters, trailing white space.
 *
 * On error, why holds the complete reply to send ("501 5.5.4 Syntax:
 * MAIL FROM:<address>"), so that every caller answers a given mistake
 * the same way. The parser knows nothing of the session: whether a
 * command is allowed now, or whether a UTF-8 address was declared with
 * SMTPUTF8, is for the caller to decide (cmd->path.is_utf8).
 */
#ifndef PROTO_SMTP_CMD_H
#define PROTO_SMTP_CMD_H
#include "util/sys_defs.h"

#include "proto/smtp_addr.h"

struct buf;

enum smtp_verb {
	SMTP_VERB_UNKNOWN = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_ETRN,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
};

/* DSN NOTIFY bits (RFC 3461 4.1); 0 = not given */
#define SMTP_NOTIFY_NEVER   0x1
#define SMTP_NOTIFY_SUCCESS 0x2
#define SMTP_NOTIFY_FAILURE 0x4
#define SMTP_NOTIFY_DELAY   0x8

enum smtp_ret { SMTP_RET_NONE = 0, SMTP_RET_FULL, SMTP_RET_HDRS };
enum smtp_body {
	SMTP_BODY_NONE = 0,
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,
};

/* RFC 3461 limits on ENVID and ORCPT (after decoding) */
#define SMTP_ENVID_MAX 100
#define SMTP_ORCPT_MAX 500

/* Parser flags */
#define SMTP_CMD_LENIENT                                                       \
	0x1 /* addresses without <> (strict_rfc821_envelopes = no) */

struct smtp_cmd {
	enum smtp_verb verb;
	char name[16]; /* the verb as sent, upper-cased, for logs */
	/* HELO/EHLO host, VRFY/EXPN/HELP/NOOP/ETRN argument, AUTH mechanism
	 * (upper-cased); NULL when none */
	char *arg;
	char *auth_initial;    /* AUTH initial response, NULL when none */
	struct smtp_addr path; /* MAIL FROM / RCPT TO */
	/* MAIL parameters */
	bool has_size;
	uint64_t size; /* UINT64_MAX when the number overflowed */
	enum smtp_body body;
	enum smtp_ret ret;
	char *envid;   /* decoded ENVID, NULL when absent */
	bool smtputf8; /* SMTPUTF8 given */
	char *auth;    /* decoded AUTH= mailbox, "" for <>, NULL absent */
	/* RCPT parameters */
	int notify;       /* SMTP_NOTIFY_* bits, 0 when absent */
	char *orcpt_type; /* "rfc822" or "utf-8" (lower-cased), or NULL */
	char *orcpt_addr; /* decoded address of ORCPT */
	/* BDAT */
	uint64_t chunk_size;
	bool is_last;
};

/* smtp_cmd_parse - parse line[0..len) into cmd (which is cleared first;
 * free with smtp_cmd_clear even after an error). Returns 0, or -1 with
 * the reply in why. */
int smtp_cmd_parse(struct smtp_cmd *cmd, const char *line, size_t len,
    int flags, struct buf *why);
/* smtp_cmd_clear - free what parse allocated, zero the struct */
void smtp_cmd_clear(struct smtp_cmd *cmd);
/* smtp_verb_name - the canonical name of a verb ("MAIL") */
const char *smtp_verb_name(enum smtp_verb verb);

#endif /* PROTO_SMTP_CMD_H */

/*
 * pop3_cmd.h - parse one POP3 command line (RFC 1939, with CAPA of
 * RFC 2449, AUTH of RFC 5034 and STLS of RFC 2595).
 *
 * The line is given without its line end (the caller strips "\r\n" or a
 * bare "\n"; RFC 1939 asks for CRLF, but every common server accepts LF
 * alone, and nothing is smuggled through POP3 line ends). The parser
 * checks the grammar of each command and nothing of the session: whether
 * a command is allowed in the current state is the caller's decision.
 *
 * Grammar (RFC 2449 section 3): a keyword of 3 or 4 letters in any case,
 * then arguments separated by one space. Tolerated, as every server does:
 * several spaces between arguments and trailing spaces. Not tolerated: NUL,
 * CR or other control characters anywhere (a password is the one place a
 * space may be meant literally: "PASS" takes the rest of the line verbatim
 * after one space, as RFC 1939 section 7 allows).
 *
 * Limits: the whole line is bounded by the caller (pop3d_command_line_limit);
 * here a numeric argument may have at most POP3_NUMBER_MAX digits and must
 * fit in an unsigned long, a message number must be 1 or more, and the
 * USER name at most POP3_USER_MAX bytes. "LIST all" and "UIDL all" (an old
 * server's spelling) mean the same as no argument. On error, why holds the
 * complete
 * "-ERR ..." reply, so that every caller answers a mistake the same way.
 */
#ifndef PROTO_POP3_CMD_H
#define PROTO_POP3_CMD_H
#include "util/sys_defs.h"

struct buf;

/* RFC 2449: arguments up to 40 characters; a USER name is a login name,
 * which may be an address (64 + 1 + 253, rounded up) */
#define POP3_ARG_MAX    40
#define POP3_USER_MAX   320
#define POP3_NUMBER_MAX 10 /* digits of a message number or line count */

enum pop3_verb {
	POP3_VERB_UNKNOWN = 0,
	POP3_VERB_USER,
	POP3_VERB_PASS,
	POP3_VERB_APOP,
	POP3_VERB_AUTH,
	POP3_VERB_STLS,
	POP3_VERB_CAPA,
	POP3_VERB_QUIT,
	POP3_VERB_STAT,
	POP3_VERB_LIST,
	POP3_VERB_RETR,
	POP3_VERB_DELE,
	POP3_VERB_NOOP,
	POP3_VERB_RSET,
	POP3_VERB_TOP,
	POP3_VERB_UIDL,
};

struct pop3_cmd {
	enum pop3_verb verb;
	char name[8]; /* the keyword as sent, upper-cased (for logs); "" when
	               * the line held no keyword */
	/* USER name, PASS password, AUTH mechanism (upper-cased); NULL when
	 * absent. arg_len counts the bytes (a password is not trimmed). */
	char *arg;
	size_t arg_len;
	char *initial; /* AUTH initial response (base64 or "="), NULL */
	/* LIST/UIDL (optional), RETR/DELE/TOP: the message number */
	bool has_msg;
	unsigned long msg;
	/* TOP: the number of body lines */
	unsigned long lines;
};

/* pop3_cmd_parse - parse line[0..len) into cmd (cleared first; free with
 * pop3_cmd_clear, also after an error). Returns 0, or -1 with the reply
 * in why (reset first). An unknown keyword is an error with verb
 * POP3_VERB_UNKNOWN; a known keyword with bad arguments is an error with
 * verb set. */
int pop3_cmd_parse(
    struct pop3_cmd *cmd, const char *line, size_t len, struct buf *why);
/* pop3_cmd_clear - free what parse allocated, zero the struct (the
 * password is wiped) */
void pop3_cmd_clear(struct pop3_cmd *cmd);
/* pop3_verb_name - the canonical keyword of a verb ("RETR") */
const char *pop3_verb_name(enum pop3_verb verb);

#endif /* PROTO_POP3_CMD_H */

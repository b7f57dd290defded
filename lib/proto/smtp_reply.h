/*
 * smtp_reply.h - SMTP replies as a client reads them (RFC 5321 s4.2):
 * multi-line replies, enhanced status codes (RFC 2034, RFC 3463), and the
 * capabilities in an EHLO reply. Pure parsing: the caller reads the lines.
 *
 * A reply is fed one line at a time; a line "250-text" continues it, a
 * line "250 text" (or "250" alone) ends it. Every line must start with
 * three digits, the first 2 to 5; a continuation line whose code differs
 * from the first is accepted (servers do that) and the final line's code
 * counts, as in Postfix.
 */
#ifndef PROTO_SMTP_REPLY_H
#define PROTO_SMTP_REPLY_H
#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;

struct smtp_reply {
	int code;         /* 250; 0 while incomplete */
	char dsn[16];     /* enhanced status code of the first line, or one
	                   * derived from the code ("5.0.0") */
	bool has_dsn;     /* dsn came from the server */
	struct strv text; /* text of each line, after "250-" / "250 " */
	struct buf *raw;  /* the lines as received, joined with "\n",
	                   * without CRLF: the Diagnostic-Code of a DSN */
	bool done;
};

void smtp_reply_init(struct smtp_reply *r);
void smtp_reply_reset(struct smtp_reply *r);
void smtp_reply_free(struct smtp_reply *r);
/* smtp_reply_line - feed one line (a trailing CRLF or LF is ignored).
 * max_lines bounds the lines of one reply. Returns 1 when the reply is
 * complete, 0 when more lines follow, -1 with why when the line is not an
 * SMTP reply line or the reply is too long. Control characters in the text
 * are replaced by '?' (reply text ends up in logs and DSNs). */
int smtp_reply_line(struct smtp_reply *r, const char *line, size_t len,
    size_t max_lines, struct buf *why);
/* smtp_reply_oneline - the reply on one line, lines joined with a space,
 * as Postfix logs it ("550-5.1.1 a 550 5.1.1 b"), into out (appended) */
void smtp_reply_oneline(const struct smtp_reply *r, struct buf *out);
/* smtp_reply_class - 2, 3, 4 or 5 (0 when incomplete) */
int smtp_reply_class(const struct smtp_reply *r);

/* Capabilities from an EHLO reply (RFC 5321 s4.1.1.1 and extensions). */
#define SMTP_EXT_PIPELINING    0x0001
#define SMTP_EXT_SIZE          0x0002
#define SMTP_EXT_8BITMIME      0x0004
#define SMTP_EXT_SMTPUTF8      0x0008
#define SMTP_EXT_DSN           0x0010
#define SMTP_EXT_STARTTLS      0x0020
#define SMTP_EXT_AUTH          0x0040
#define SMTP_EXT_ENHANCEDCODES 0x0080
#define SMTP_EXT_CHUNKING      0x0100

struct smtp_ehlo {
	unsigned int ext; /* SMTP_EXT_* */
	long size_limit;  /* SIZE n (0: none or unlimited) */
	struct strv auth; /* AUTH mechanisms, upper case */
	char server[256]; /* the server's name: first word of line one */
};

void smtp_ehlo_init(struct smtp_ehlo *e);
void smtp_ehlo_free(struct smtp_ehlo *e);
/* smtp_ehlo_parse - read the capabilities of a complete 250 reply */
void smtp_ehlo_parse(const struct smtp_reply *r, struct smtp_ehlo *e);

#endif /* PROTO_SMTP_REPLY_H */

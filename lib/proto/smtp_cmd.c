/*
 * smtp_cmd.c - SMTP command line parser (see smtp_cmd.h).
 *
 * One pass over the line: the verb, then what that verb takes. The
 * replies follow Postfix's texts so that operators and log analysers see
 * what they know, with RFC 3463 enhanced codes on every one.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/smtp_addr.h"
#include "proto/smtp_cmd.h"
#include "proto/xtext.h"

static const struct {
	const char *name;
	enum smtp_verb verb;
} smtp_verbs[] = {
    {"HELO", SMTP_VERB_HELO},
    {"EHLO", SMTP_VERB_EHLO},
    {"MAIL", SMTP_VERB_MAIL},
    {"RCPT", SMTP_VERB_RCPT},
    {"DATA", SMTP_VERB_DATA},
    {"BDAT", SMTP_VERB_BDAT},
    {"RSET", SMTP_VERB_RSET},
    {"NOOP", SMTP_VERB_NOOP},
    {"QUIT", SMTP_VERB_QUIT},
    {"VRFY", SMTP_VERB_VRFY},
    {"EXPN", SMTP_VERB_EXPN},
    {"HELP", SMTP_VERB_HELP},
    {"ETRN", SMTP_VERB_ETRN},
    {"STARTTLS", SMTP_VERB_STARTTLS},
    {"AUTH", SMTP_VERB_AUTH},
};

/* smtp_verb_name - canonical name */
const char *
smtp_verb_name(enum smtp_verb verb)
{
	for (size_t i = 0; i < NELEM(smtp_verbs); i++)
		if (smtp_verbs[i].verb == verb)
			return smtp_verbs[i].name;
	return "UNKNOWN";
}

/* smtp_cmd_clear - free and zero */
void
smtp_cmd_clear(struct smtp_cmd *cmd)
{
	free(cmd->arg);
	free(cmd->auth_initial);
	free(cmd->envid);
	free(cmd->auth);
	free(cmd->orcpt_type);
	free(cmd->orcpt_addr);
	smtp_addr_clear(&cmd->path);
	memset(cmd, 0, sizeof(*cmd));
}

/* smtp_fail - set the reply and return -1 */
static int
smtp_fail(struct buf *why, const char *reply)
{
	buf_sets(why, reply);
	return -1;
}

/* smtp_safe_cat - append at most max bytes of s, printable ASCII only
 * (a peer's keyword echoed in a reply must not carry CR/LF or 8-bit) */
static void
smtp_safe_cat(struct buf *b, const char *s, size_t len, size_t max)
{
	for (size_t i = 0; i < len && i < max; i++)
		buf_catc(b, s[i] > 32 && s[i] < 127 ? s[i] : '?');
}

/* smtp_is_digits - 1*DIGIT */
static bool
smtp_is_digits(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* smtp_parse_u64 - digits to a number, UINT64_MAX on overflow */
static uint64_t
smtp_parse_u64(const char *s, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return UINT64_MAX;
		v = v * 10 + d;
	}
	return v;
}

/* smtp_kw_is - keyword equals name, ignoring case */
static bool
smtp_kw_is(const char *kw, size_t klen, const char *name)
{
	return strlen(name) == klen && strncasecmp(kw, name, klen) == 0;
}

/* smtp_param_keyword_ok - esmtp-keyword = (ALPHA / DIGIT)
 * *(ALPHA / DIGIT / "-") */
static bool
smtp_param_keyword_ok(const char *s, size_t len)
{
	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		    || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || c != '-'))
			return false;
	}
	return true;
}

/* smtp_param_value_ok - esmtp-value = 1*(%d33-60 / %d62-126), plus
 * UTF-8 (RFC 6531 3.3) */
static bool
smtp_param_value_ok(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c == '=' || c == 127)
			return false;
	}
	return smtp_utf8_ok(s, len);
}

/* smtp_decode_notify - NEVER, or a list of SUCCESS, FAILURE, DELAY */
static int
smtp_decode_notify(const char *v, size_t len)
{
	int bits = 0;
	size_t i = 0;

	while (i <= len) {
		size_t j = i;
		int bit;

		while (j < len && v[j] != ',')
			j++;
		if (smtp_kw_is(v + i, j - i, "NEVER"))
			bit = SMTP_NOTIFY_NEVER;
		else if (smtp_kw_is(v + i, j - i, "SUCCESS"))
			bit = SMTP_NOTIFY_SUCCESS;
		else if (smtp_kw_is(v + i, j - i, "FAILURE"))
			bit = SMTP_NOTIFY_FAILURE;
		else if (smtp_kw_is(v + i, j - i, "DELAY"))
			bit = SMTP_NOTIFY_DELAY;
		else
			return -1;
		if (bits & bit)
			return -1;
		bits |= bit;
		i = j + 1;
	}
	/* NEVER stands alone (RFC 3461 4.1). */
	if ((bits & SMTP_NOTIFY_NEVER) && bits != SMTP_NOTIFY_NEVER)
		return -1;
	return bits;
}

/* smtp_param - one MAIL/RCPT parameter */
static int
smtp_param(struct smtp_cmd *cmd, const char *kw, size_t klen, const char *v,
    size_t vlen, bool has_value, struct buf *why)
{
	bool is_mail = cmd->verb == SMTP_VERB_MAIL;
	struct buf *tmp;

#define SMTP_DUP(cond, name)                                                   \
	do {                                                                   \
		if (cond)                                                      \
			return smtp_fail(                                      \
			    why, "501 5.5.4 Duplicate " name " parameter");    \
	} while (0)

	if (is_mail && smtp_kw_is(kw, klen, "SIZE")) {
		SMTP_DUP(cmd->has_size, "SIZE");
		if (!has_value || !smtp_is_digits(v, vlen))
			return smtp_fail(
			    why, "501 5.5.4 Bad message size syntax");
		cmd->has_size = true;
		cmd->size = smtp_parse_u64(v, vlen);
		return 0;
	}
	if (is_mail && smtp_kw_is(kw, klen, "BODY")) {
		SMTP_DUP(cmd->body != SMTP_BODY_NONE, "BODY");
		if (has_value && smtp_kw_is(v, vlen, "7BIT"))
			cmd->body = SMTP_BODY_7BIT;
		else if (has_value && smtp_kw_is(v, vlen, "8BITMIME"))
			cmd->body = SMTP_BODY_8BITMIME;
		else if (has_value && smtp_kw_is(v, vlen, "BINARYMIME"))
			cmd->body = SMTP_BODY_BINARYMIME;
		else
			return smtp_fail(
			    why, "501 5.5.4 Bad BODY keyword syntax");
		return 0;
	}
	if (is_mail && smtp_kw_is(kw, klen, "RET")) {
		SMTP_DUP(cmd->ret != SMTP_RET_NONE, "RET");
		if (has_value && smtp_kw_is(v, vlen, "FULL"))
			cmd->ret = SMTP_RET_FULL;
		else if (has_value && smtp_kw_is(v, vlen, "HDRS"))
			cmd->ret = SMTP_RET_HDRS;
		else
			return smtp_fail(
			    why, "501 5.5.4 Bad RET parameter syntax");
		return 0;
	}
	if (is_mail && smtp_kw_is(kw, klen, "ENVID")) {
		SMTP_DUP(cmd->envid != NULL, "ENVID");
		tmp = buf_new(64);
		if (!has_value || xtext_decode(v, vlen, true, tmp) < 0
		    || buf_len(tmp) > SMTP_ENVID_MAX || buf_len(tmp) == 0) {
			buf_free(&tmp);
			return smtp_fail(
			    why, "501 5.5.4 Bad ENVID parameter syntax");
		}
		cmd->envid = buf_steal(tmp);
		buf_free(&tmp);
		return 0;
	}
	if (is_mail && smtp_kw_is(kw, klen, "SMTPUTF8")) {
		SMTP_DUP(cmd->smtputf8, "SMTPUTF8");
		if (has_value)
			return smtp_fail(
			    why, "501 5.5.4 Bad SMTPUTF8 parameter syntax");
		cmd->smtputf8 = true;
		return 0;
	}
	if (is_mail && smtp_kw_is(kw, klen, "AUTH")) {
		struct smtp_addr a;
		struct buf *err;
		int ok;

		SMTP_DUP(cmd->auth != NULL, "AUTH");
		err = buf_new(32);
		tmp = buf_new(64);
		ok = has_value && xtext_decode(v, vlen, true, tmp) == 0;
		if (ok && !buf_eq(tmp, "<>")) {
			ok = smtp_addr_parse_mailbox(buf_cstr(tmp),
			         buf_len(tmp), SMTP_ADDR_UTF8, &a, err)
			    == 0;
			if (ok)
				smtp_addr_clear(&a);
		}
		buf_free(&err);
		if (!ok) {
			buf_free(&tmp);
			return smtp_fail(
			    why, "501 5.5.4 Bad AUTH parameter syntax");
		}
		cmd->auth = buf_eq(tmp, "<>") ? xstrdup("") : buf_steal(tmp);
		buf_free(&tmp);
		return 0;
	}
	if (!is_mail && smtp_kw_is(kw, klen, "NOTIFY")) {
		int bits;

		SMTP_DUP(cmd->notify != 0, "NOTIFY");
		if (!has_value || (bits = smtp_decode_notify(v, vlen)) < 0)
			return smtp_fail(
			    why, "501 5.5.4 Bad NOTIFY parameter syntax");
		cmd->notify = bits;
		return 0;
	}
	if (!is_mail && smtp_kw_is(kw, klen, "ORCPT")) {
		const char *semi = has_value ? memchr(v, ';', vlen) : NULL;
		size_t tlen = semi ? (size_t)(semi - v) : 0;

		SMTP_DUP(cmd->orcpt_type != NULL, "ORCPT");
		tmp = buf_new(64);
		/* addr-type is an atom; we know rfc822 and utf-8 (RFC
		 * 6533), and keep others opaque as RFC 3461 asks. */
		if (semi == NULL || !smtp_param_keyword_ok(v, tlen)
		    || xtext_decode(semi + 1, vlen - tlen - 1, true, tmp) < 0
		    || buf_len(tmp) == 0 || buf_len(tmp) > SMTP_ORCPT_MAX) {
			buf_free(&tmp);
			return smtp_fail(
			    why, "501 5.5.4 Bad ORCPT parameter syntax");
		}
		cmd->orcpt_type = xstrndup(v, tlen);
		for (char *p = cmd->orcpt_type; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		cmd->orcpt_addr = buf_steal(tmp);
		buf_free(&tmp);
		return 0;
	}
	buf_sets(why, "555 5.5.4 Unsupported option: ");
	smtp_safe_cat(why, kw, klen, 64);
	return -1;
#undef SMTP_DUP
}

/* smtp_parse_path_cmd - MAIL FROM:/RCPT TO: and the parameters */
static int
smtp_parse_path_cmd(
    struct smtp_cmd *cmd, const char *s, size_t len, int flags, struct buf *why)
{
	bool is_mail = cmd->verb == SMTP_VERB_MAIL;
	const char *kw = is_mail ? "FROM:" : "TO:";
	size_t kwlen = strlen(kw), i, used;
	int aflags = SMTP_ADDR_UTF8;
	struct buf *err;
	int ret;

	if (len < kwlen || strncasecmp(s, kw, kwlen) != 0)
		return smtp_fail(why,
		    is_mail ? "501 5.5.4 Syntax: MAIL FROM:<address>"
		            : "501 5.5.4 Syntax: RCPT TO:<address>");
	i = kwlen;
	/* Tolerance: "MAIL FROM: <a@b>" is common. */
	while (i < len && s[i] == ' ')
		i++;
	if (i == len)
		return smtp_fail(why,
		    is_mail ? "501 5.5.4 Syntax: MAIL FROM:<address>"
		            : "501 5.5.4 Syntax: RCPT TO:<address>");
	aflags |= is_mail ? SMTP_ADDR_NULL_OK : SMTP_ADDR_POSTMASTER;
	if (flags & SMTP_CMD_LENIENT)
		aflags |= SMTP_ADDR_LENIENT;
	err = buf_new(64);
	ret = smtp_addr_parse_path(
	    s + i, len - i, aflags, &cmd->path, &used, err);
	buf_free(&err);
	if (ret < 0)
		return smtp_fail(why,
		    is_mail ? "501 5.1.7 Bad sender address syntax"
		            : "501 5.1.3 Bad recipient address syntax");
	i += used;
	/* Parameters: SP-separated keyword[=value]. */
	while (i < len) {
		size_t start, eq, end;

		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ' ')
			i++;
		end = i;
		for (eq = start; eq < end && s[eq] != '='; eq++)
			;
		if (!smtp_param_keyword_ok(s + start, eq - start)
		    || (eq < end
		        && !smtp_param_value_ok(s + eq + 1, end - eq - 1)))
			return smtp_fail(why, "501 5.5.4 Bad parameter syntax");
		if (smtp_param(cmd, s + start, eq - start,
		        eq < end ? s + eq + 1 : "", eq < end ? end - eq - 1 : 0,
		        eq < end, why)
		    < 0)
			return -1;
	}
	return 0;
}

/* smtp_parse_auth - AUTH mechanism [initial-response] */
static int
smtp_parse_auth(
    struct smtp_cmd *cmd, const char *s, size_t len, struct buf *why)
{
	size_t i = 0;

	while (i < len && s[i] != ' ')
		i++;
	if (i == 0 || i > 20)
		return smtp_fail(
		    why, "501 5.5.4 Syntax: AUTH mechanism [initial-response]");
	for (size_t k = 0; k < i; k++) {
		char c = s[k];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		        || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return smtp_fail(why,
			    "501 5.5.4 Syntax: AUTH "
			    "mechanism [initial-response]");
	}
	cmd->arg = xstrndup(s, i);
	for (char *p = cmd->arg; *p; p++)
		if (*p >= 'a' && *p <= 'z')
			*p = (char)(*p - 'a' + 'A');
	while (i < len && s[i] == ' ')
		i++;
	if (i < len) {
		if (memchr(s + i, ' ', len - i) != NULL)
			return smtp_fail(why,
			    "501 5.5.4 Syntax: AUTH "
			    "mechanism [initial-response]");
		cmd->auth_initial = xstrndup(s + i, len - i);
	}
	return 0;
}

/* smtp_parse_bdat - BDAT chunk-size [LAST] */
static int
smtp_parse_bdat(
    struct smtp_cmd *cmd, const char *s, size_t len, struct buf *why)
{
	size_t i = 0;

	while (i < len && s[i] != ' ')
		i++;
	if (!smtp_is_digits(s, i) || i > 20)
		return smtp_fail(
		    why, "501 5.5.4 Syntax: BDAT chunk-size [LAST]");
	cmd->chunk_size = smtp_parse_u64(s, i);
	while (i < len && s[i] == ' ')
		i++;
	if (i < len) {
		if (!smtp_kw_is(s + i, len - i, "LAST"))
			return smtp_fail(
			    why, "501 5.5.4 Syntax: BDAT chunk-size [LAST]");
		cmd->is_last = true;
	}
	return 0;
}

/* smtp_cmd_parse - parse one command line */
int
smtp_cmd_parse(struct smtp_cmd *cmd, const char *line, size_t len, int flags,
    struct buf *why)
{
	size_t i = 0, vlen;
	const char *rest;
	size_t rlen;

	memset(cmd, 0, sizeof(*cmd));
	buf_reset(why);
	for (size_t k = 0; k < len; k++) {
		unsigned char c = (unsigned char)line[k];

		if ((c < 32 && c != '\t') || c == 127)
			return smtp_fail(
			    why, "500 5.5.2 Error: bad character in command");
	}
	if (!smtp_utf8_ok(line, len))
		return smtp_fail(why, "500 5.5.2 Error: bad UTF-8 syntax");
	/* Trailing white space is common and harmless. */
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	while (i < len && line[i] != ' ' && line[i] != '\t')
		i++;
	vlen = i;
	for (size_t k = 0; k < vlen && k < sizeof(cmd->name) - 1; k++) {
		char c = line[k];

		cmd->name[k] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A')
		    : (c > 32 && c < 127)           ? c
		                                    : '?';
	}
	for (size_t k = 0; k < NELEM(smtp_verbs); k++)
		if (smtp_kw_is(line, vlen, smtp_verbs[k].name))
			cmd->verb = smtp_verbs[k].verb;
	if (cmd->verb == SMTP_VERB_UNKNOWN)
		return smtp_fail(
		    why, "502 5.5.2 Error: command not recognized");
	/* One space separates verb and argument; tolerate more. */
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	rest = line + i;
	rlen = len - i;
	if (rlen > 0 && memchr(rest, '\t', rlen) != NULL
	    && cmd->verb != SMTP_VERB_NOOP && cmd->verb != SMTP_VERB_HELP)
		return smtp_fail(
		    why, "500 5.5.2 Error: bad character in command");

	switch (cmd->verb) {
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		if (rlen == 0)
			return smtp_fail(why,
			    cmd->verb == SMTP_VERB_HELO
			        ? "501 5.5.4 Syntax: HELO hostname"
			        : "501 5.5.4 Syntax: EHLO hostname");
		cmd->arg = xstrndup(rest, rlen);
		return 0;
	case SMTP_VERB_MAIL:
	case SMTP_VERB_RCPT:
		return smtp_parse_path_cmd(cmd, rest, rlen, flags, why);
	case SMTP_VERB_DATA:
	case SMTP_VERB_RSET:
	case SMTP_VERB_QUIT:
	case SMTP_VERB_STARTTLS:
		if (rlen > 0) {
			buf_sets(why, "501 5.5.4 Syntax: ");
			buf_cats(why, smtp_verb_name(cmd->verb));
			return -1;
		}
		return 0;
	case SMTP_VERB_NOOP:
	case SMTP_VERB_HELP:
		if (rlen > 0)
			cmd->arg = xstrndup(rest, rlen);
		return 0;
	case SMTP_VERB_VRFY:
	case SMTP_VERB_EXPN:
	case SMTP_VERB_ETRN:
		if (rlen == 0) {
			buf_sets(why, "501 5.5.4 Syntax: ");
			buf_cats(why, smtp_verb_name(cmd->verb));
			buf_cats(why,
			    cmd->verb == SMTP_VERB_ETRN ? " domain"
			                                : " address");
			return -1;
		}
		cmd->arg = xstrndup(rest, rlen);
		return 0;
	case SMTP_VERB_AUTH:
		return smtp_parse_auth(cmd, rest, rlen, why);
	case SMTP_VERB_BDAT:
		return smtp_parse_bdat(cmd, rest, rlen, why);
	case SMTP_VERB_UNKNOWN:
		break;
	}
	return smtp_fail(why, "502 5.5.2 Error: command not recognized");
}

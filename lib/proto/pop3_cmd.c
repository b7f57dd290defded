/*
 * pop3_cmd.c - the POP3 command parser (see pop3_cmd.h).
 *
 * The line is copied once; arguments point into the copy, which is cut
 * with NULs. Each verb has a row in a table that says which arguments it
 * takes, so that the checks live in one place.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/pop3_cmd.h"

/* What a verb takes. */
enum pop3_args {
	ARGS_NONE,     /* nothing */
	ARGS_NAME,     /* USER: one token */
	ARGS_REST,     /* PASS: the rest of the line, verbatim */
	ARGS_ANY,      /* APOP: not checked (the command is refused anyway) */
	ARGS_AUTH,     /* AUTH [mechanism [initial-response]] */
	ARGS_MSG_OPT,  /* LIST, UIDL: [msg] */
	ARGS_MSG,      /* RETR, DELE: msg */
	ARGS_MSG_LINES /* TOP: msg n */
};

static const struct {
	const char *name;
	enum pop3_verb verb;
	enum pop3_args args;
	const char *syntax; /* the reply for a syntax error */
} pop3_verbs[] = {
    {"USER", POP3_VERB_USER, ARGS_NAME, "-ERR Syntax: USER name"},
    {"PASS", POP3_VERB_PASS, ARGS_REST, "-ERR Syntax: PASS password"},
    {"APOP", POP3_VERB_APOP, ARGS_ANY, "-ERR Syntax: APOP name digest"},
    {"AUTH", POP3_VERB_AUTH, ARGS_AUTH,
        "-ERR Syntax: AUTH [mechanism [initial-response]]"},
    {"STLS", POP3_VERB_STLS, ARGS_NONE, "-ERR Syntax: STLS"},
    {"CAPA", POP3_VERB_CAPA, ARGS_NONE, "-ERR Syntax: CAPA"},
    {"QUIT", POP3_VERB_QUIT, ARGS_NONE, "-ERR Syntax: QUIT"},
    {"STAT", POP3_VERB_STAT, ARGS_NONE, "-ERR Syntax: STAT"},
    {"LIST", POP3_VERB_LIST, ARGS_MSG_OPT, "-ERR Syntax: LIST [msg]"},
    {"RETR", POP3_VERB_RETR, ARGS_MSG, "-ERR Syntax: RETR msg"},
    {"DELE", POP3_VERB_DELE, ARGS_MSG, "-ERR Syntax: DELE msg"},
    {"NOOP", POP3_VERB_NOOP, ARGS_NONE, "-ERR Syntax: NOOP"},
    {"RSET", POP3_VERB_RSET, ARGS_NONE, "-ERR Syntax: RSET"},
    {"TOP", POP3_VERB_TOP, ARGS_MSG_LINES, "-ERR Syntax: TOP msg lines"},
    {"UIDL", POP3_VERB_UIDL, ARGS_MSG_OPT, "-ERR Syntax: UIDL [msg]"},
};

/* SASL mechanism names: RFC 4422 section 3.1, 1 to 20 characters */
#define POP3_MECH_MAX 20

/* pop3_number - a strict decimal of at most POP3_NUMBER_MAX digits */
static int
pop3_number(const char *s, unsigned long *out)
{
	unsigned long v = 0;
	size_t n = 0;

	for (; *s; s++, n++) {
		if (*s < '0' || *s > '9' || n >= POP3_NUMBER_MAX)
			return -1;
		if (v > (ULONG_MAX - (unsigned long)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (n == 0)
		return -1;
	*out = v;
	return 0;
}

/* pop3_tokens - cut s at spaces into at most max tokens; returns how many
 * there were (may exceed max: the rest are not stored) */
static size_t
pop3_tokens(char *s, char **tok, size_t max)
{
	size_t n = 0;

	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == 0)
			return n;
		if (n < max)
			tok[n] = s;
		n++;
		while (*s && *s != ' ')
			s++;
		if (*s)
			*s++ = 0;
	}
}

/* pop3_is_b64 - an initial response: base64 alphabet, or "=" (empty) */
static bool
pop3_is_b64(const char *s)
{
	if (strcmp(s, "=") == 0)
		return true;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
		        || (*s >= '0' && *s <= '9') || *s == '+' || *s == '/'
		        || *s == '='))
			return false;
	return true;
}

/* pop3_is_mech - a SASL mechanism name (RFC 4422 3.1) */
static bool
pop3_is_mech(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > POP3_MECH_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')
		        || (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return false;
	return true;
}

/* pop3_cmd_clear - free and zero */
void
pop3_cmd_clear(struct pop3_cmd *cmd)
{
	if (cmd->arg != NULL && cmd->verb == POP3_VERB_PASS)
		explicit_bzero(cmd->arg, cmd->arg_len);
	free(cmd->arg);
	free(cmd->initial);
	memset(cmd, 0, sizeof(*cmd));
}

/* pop3_verb_name - canonical keyword */
const char *
pop3_verb_name(enum pop3_verb verb)
{
	for (size_t i = 0; i < NELEM(pop3_verbs); i++)
		if (pop3_verbs[i].verb == verb)
			return pop3_verbs[i].name;
	return "UNKNOWN";
}

/* pop3_cmd_args - the arguments of row i from rest (NUL-terminated,
 * writable); 0, or -1 with why */
static int
pop3_cmd_args(struct pop3_cmd *cmd, size_t i, char *rest, size_t rest_len,
    struct buf *why)
{
	const char *syntax = pop3_verbs[i].syntax;
	char *tok[3];
	size_t n;

	if (pop3_verbs[i].args == ARGS_REST) {
		/* RFC 1939 section 7: the password is the rest of the line
		 * after one space, spaces included. */
		if (rest_len == 0) {
			buf_sets(why, syntax);
			return -1;
		}
		cmd->arg = xmemdup(rest, rest_len + 1);
		cmd->arg_len = rest_len;
		return 0;
	}
	if (pop3_verbs[i].args == ARGS_ANY)
		return 0;
	n = pop3_tokens(rest, tok, NELEM(tok));
	switch (pop3_verbs[i].args) {
	case ARGS_NONE:
		if (n != 0)
			break;
		return 0;
	case ARGS_NAME:
		if (n != 1)
			break;
		if (strlen(tok[0]) > POP3_USER_MAX) {
			buf_sets(why, "-ERR User name too long");
			return -1;
		}
		cmd->arg = xstrdup(tok[0]);
		cmd->arg_len = strlen(tok[0]);
		return 0;
	case ARGS_AUTH:
		if (n > 2)
			break;
		if (n >= 1) {
			if (!pop3_is_mech(tok[0])) {
				buf_sets(why, "-ERR Invalid mechanism name");
				return -1;
			}
			cmd->arg = xstrdup(tok[0]);
			cmd->arg_len = strlen(tok[0]);
			for (char *p = cmd->arg; *p; p++)
				if (*p >= 'a' && *p <= 'z')
					*p = (char)(*p - 'a' + 'A');
		}
		if (n == 2) {
			if (!pop3_is_b64(tok[1])) {
				buf_sets(why, "-ERR Invalid base64 data");
				return -1;
			}
			cmd->initial = xstrdup(tok[1]);
		}
		return 0;
	case ARGS_MSG_OPT:
		/* "UIDL all" is how an old server's manual spelled the
		 * listing (SEED 22.1); it means the same as no argument. */
		if (n == 0 || (n == 1 && strcasecmp(tok[0], "all") == 0))
			return 0;
		/* FALLTHROUGH */
	case ARGS_MSG:
		if (n != 1)
			break;
		if (pop3_number(tok[0], &cmd->msg) < 0 || cmd->msg == 0) {
			buf_sets(why, "-ERR Invalid message number");
			return -1;
		}
		cmd->has_msg = true;
		return 0;
	case ARGS_MSG_LINES:
		if (n != 2)
			break;
		if (pop3_number(tok[0], &cmd->msg) < 0 || cmd->msg == 0) {
			buf_sets(why, "-ERR Invalid message number");
			return -1;
		}
		cmd->has_msg = true;
		if (pop3_number(tok[1], &cmd->lines) < 0) {
			buf_sets(why, "-ERR Invalid number of lines");
			return -1;
		}
		return 0;
	case ARGS_REST:
	case ARGS_ANY:
		break;
	}
	buf_sets(why, syntax);
	return -1;
}

/* pop3_cmd_parse - one command line */
int
pop3_cmd_parse(
    struct pop3_cmd *cmd, const char *line, size_t len, struct buf *why)
{
	char *copy;
	size_t klen = 0, i;
	int ret = -1;

	memset(cmd, 0, sizeof(*cmd));
	buf_reset(why);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f) {
			buf_sets(why, "-ERR Invalid characters in command");
			return -1;
		}
	}
	while (klen < len && line[klen] != ' ')
		klen++;
	for (i = 0; i < klen && i < sizeof(cmd->name) - 1; i++) {
		char c = line[i];

		cmd->name[i] = (char)(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
	}
	cmd->name[i] = 0;
	if (klen < 3 || klen > 4) {
		buf_sets(why,
		    klen == 0 ? "-ERR Empty command" : "-ERR Unknown command");
		return -1;
	}
	for (i = 0; i < NELEM(pop3_verbs); i++)
		if (strcmp(pop3_verbs[i].name, cmd->name) == 0)
			break;
	if (i == NELEM(pop3_verbs)) {
		buf_sets(why, "-ERR Unknown command");
		return -1;
	}
	cmd->verb = pop3_verbs[i].verb;
	/* The arguments begin after one space; only PASS keeps the rest as
	 * it is, the others are split into tokens. */
	copy = xmalloc(len + 1);
	memcpy(copy, line, len);
	copy[len] = 0;
	{
		size_t off = klen < len ? klen + 1 : len;

		ret = pop3_cmd_args(cmd, i, copy + off, len - off, why);
	}
	explicit_bzero(copy, len);
	free(copy);
	return ret;
}

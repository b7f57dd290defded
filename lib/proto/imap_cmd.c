/*
 * imap_cmd.c - the IMAP command parser (see imap_cmd.h).
 *
 * Recursive descent over the bytes of one whole command, following the
 * ABNF of RFC 3501 section 9 production by production; extension syntax
 * comes from the RFC named at each function. Every list and every level
 * of nesting is bounded by the caller's limits, so no command can make
 * the parser use more than a small multiple of the command's own size.
 *
 * Memory: everything the command holds is registered in its arena (a
 * vector of pointers) and freed by imap_cmd_free().
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_cmd.h"

struct imap_arena {
	void **v;
	size_t n, alloc;
};

struct parser {
	const char *p, *end;
	struct imap_cmd *cmd;
	const struct imap_parse_limits *lim;
	struct buf *why;
	bool failed;
	unsigned depth;
};

/* ------------------------------------------------------------------ */
/* Memory */

/* own - register p with the command; returns p */
static void *
own(struct parser *ps, void *p)
{
	struct imap_arena *a = ps->cmd->arena;

	if (a->n == a->alloc) {
		a->alloc = a->alloc ? a->alloc * 2 : 32;
		a->v = xreallocarray(a->v, a->alloc, sizeof(*a->v));
	}
	a->v[a->n++] = p;
	return p;
}

/* own_strndup - a registered copy */
static char *
own_strndup(struct parser *ps, const char *s, size_t n)
{
	char *c = xmalloc(n + 1);

	memcpy(c, s, n);
	c[n] = 0;
	return own(ps, c);
}

/* A growable vector that becomes owned when finished. */
struct vec {
	void *v;
	size_t n, alloc, size;
};

/* vec_push - room for one more element; returns it (zeroed) */
static void *
vec_push(struct vec *vec)
{
	if (vec->n == vec->alloc) {
		vec->alloc = vec->alloc ? vec->alloc * 2 : 4;
		vec->v = xreallocarray(vec->v, vec->alloc, vec->size);
	}
	memset((char *)vec->v + vec->n * vec->size, 0, vec->size);
	return (char *)vec->v + vec->n++ * vec->size;
}

/* vec_finish - hand the vector to the arena; returns it */
static void *
vec_finish(struct parser *ps, struct vec *vec)
{
	if (vec->v == NULL)
		return NULL;
	return own(ps, vec->v);
}

/* ------------------------------------------------------------------ */
/* Errors and characters */

/* fail - record the first problem; returns false */
static bool
fail(struct parser *ps, const char *what)
{
	if (!ps->failed) {
		ps->failed = true;
		buf_reset(ps->why);
		buf_cats(ps->why, what);
	}
	return false;
}

static int
peek(const struct parser *ps)
{
	return ps->p < ps->end ? (unsigned char)*ps->p : -1;
}

/* is_atom_char - ATOM-CHAR: CHAR except atom-specials */
static bool
is_atom_char(int c)
{
	return c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL;
}

/* is_astring_char - ASTRING-CHAR: ATOM-CHAR or resp-specials */
static bool
is_astring_char(int c)
{
	return is_atom_char(c) || c == ']';
}

/* is_list_char - list-char: ATOM-CHAR, list-wildcards, resp-specials */
static bool
is_list_char(int c)
{
	return is_astring_char(c) || c == '%' || c == '*';
}

/* sp - exactly one space */
static bool
sp(struct parser *ps)
{
	if (peek(ps) != ' ')
		return fail(ps, "missing space");
	ps->p++;
	return true;
}

/* at_eol - only the line end remains */
static bool
at_eol(const struct parser *ps)
{
	return (ps->end - ps->p == 2 && ps->p[0] == '\r' && ps->p[1] == '\n')
	    || (ps->end - ps->p == 1 && ps->p[0] == '\n') || ps->p == ps->end;
}

/* eol - the command must end here */
static bool
eol(struct parser *ps)
{
	if (!at_eol(ps))
		return fail(ps, "unexpected data at the end of the command");
	ps->p = ps->end;
	return true;
}

/* accept - the literal text s (case-insensitive) comes next; consume it */
static bool
accept(struct parser *ps, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(ps->end - ps->p) < n || strncasecmp(ps->p, s, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* accept_word - like accept, but the word must end there (not be the
 * beginning of a longer atom) */
static bool
accept_word(struct parser *ps, const char *s)
{
	const char *save = ps->p;

	if (!accept(ps, s))
		return false;
	if (is_atom_char(peek(ps))) {
		ps->p = save;
		return false;
	}
	return true;
}

/* expect - like accept, failing when absent */
static bool
expect(struct parser *ps, const char *s)
{
	if (accept(ps, s))
		return true;
	buf_reset(ps->why);
	if (!ps->failed) {
		ps->failed = true;
		buf_printf(ps->why, "expected \"%s\"", s);
	}
	return false;
}

/* ------------------------------------------------------------------ */
/* Tokens */

/* number - 1*DIGIT up to max */
static bool
number(struct parser *ps, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *s = ps->p;

	while (ps->p < ps->end && isdigit((unsigned char)*ps->p)) {
		if (v > (max - (uint64_t)(*ps->p - '0')) / 10)
			return fail(ps, "number too large");
		v = v * 10 + (uint64_t)(*ps->p - '0');
		ps->p++;
	}
	if (ps->p == s)
		return fail(ps, "number expected");
	*out = v;
	return true;
}

/* nz_number32 - 1..2^32-1 */
static bool
nz_number32(struct parser *ps, uint32_t *out)
{
	uint64_t v;

	if (!number(ps, UINT32_MAX, &v))
		return false;
	if (v == 0)
		return fail(ps, "zero is not allowed here");
	*out = (uint32_t)v;
	return true;
}

/* atom_run - 1*ATOM-CHAR (or ASTRING-CHAR) into a registered string */
static bool
atom_run(struct parser *ps, bool astring, struct imap_str *out)
{
	const char *s = ps->p;

	while (ps->p < ps->end
	    && (astring ? is_astring_char((unsigned char)*ps->p)
	                : is_atom_char((unsigned char)*ps->p)))
		ps->p++;
	if (ps->p == s)
		return fail(ps, "atom expected");
	out->len = (size_t)(ps->p - s);
	out->s = own_strndup(ps, s, out->len);
	return true;
}

/* atom - an atom as a C string */
static bool
atom(struct parser *ps, char **out)
{
	struct imap_str s;

	if (!atom_run(ps, false, &s))
		return false;
	*out = s.s;
	return true;
}

/* quoted - DQUOTE *QUOTED-CHAR DQUOTE (8-bit accepted: UTF8=ACCEPT) */
static bool
quoted(struct parser *ps, struct imap_str *out)
{
	struct buf *b = buf_new(64);

	ps->p++;
	for (;;) {
		int c = peek(ps);

		if (c < 0 || c == '\r' || c == '\n' || c == 0) {
			buf_free(&b);
			return fail(ps, "unterminated quoted string");
		}
		ps->p++;
		if (c == '"')
			break;
		if (c == '\\') {
			c = peek(ps);
			if (c != '"' && c != '\\') {
				buf_free(&b);
				return fail(ps, "bad escape in quoted string");
			}
			ps->p++;
		}
		buf_catc(b, c);
	}
	out->len = buf_len(b);
	out->s = own(ps, buf_steal(b));
	buf_free(&b);
	return true;
}

/* literal - "{" number ["+"] "}" CRLF *OCTET */
static bool
literal(struct parser *ps, struct imap_str *out)
{
	uint64_t n;

	ps->p++;
	if (!number(ps, UINT32_MAX, &n))
		return false;
	(void)accept(ps, "+");
	if (!accept(ps, "}"))
		return fail(ps, "bad literal");
	if (!accept(ps, "\r\n") && !accept(ps, "\n"))
		return fail(ps, "literal not at the end of a line");
	if ((uint64_t)(ps->end - ps->p) < n)
		return fail(ps, "literal longer than the command");
	out->len = (size_t)n;
	out->s = own_strndup(ps, ps->p, (size_t)n);
	ps->p += n;
	return true;
}

/* string - quoted / literal */
static bool
string(struct parser *ps, struct imap_str *out)
{
	if (peek(ps) == '"')
		return quoted(ps, out);
	if (peek(ps) == '{')
		return literal(ps, out);
	if (peek(ps) == '~' && ps->p + 1 < ps->end && ps->p[1] == '{')
		return fail(ps, "literal8 is not supported here");
	return fail(ps, "string expected");
}

/* astring - 1*ASTRING-CHAR / string */
static bool
astring(struct parser *ps, struct imap_str *out)
{
	if (peek(ps) == '"' || peek(ps) == '{'
	    || (peek(ps) == '~' && ps->p + 1 < ps->end && ps->p[1] == '{'))
		return string(ps, out);
	return atom_run(ps, true, out);
}

/* astring_c - an astring that may not hold NUL, as a C string */
static bool
astring_c(struct parser *ps, char **out)
{
	struct imap_str s;

	if (!astring(ps, &s))
		return false;
	if (memchr(s.s, 0, s.len) != NULL)
		return fail(ps, "NUL in a string");
	*out = s.s;
	return true;
}

/* nstring - string / NIL (NULL) */
static bool
nstring_c(struct parser *ps, char **out)
{
	if (accept_word(ps, "NIL")) {
		*out = NULL;
		return true;
	}
	if (peek(ps) != '"' && peek(ps) != '{')
		return fail(ps, "string or NIL expected");
	return astring_c(ps, out);
}

/* mailbox - astring; "INBOX" in any case is INBOX */
static bool
mailbox(struct parser *ps, char **out)
{
	if (!astring_c(ps, out))
		return false;
	if (strcasecmp(*out, "INBOX") == 0)
		*out = own_strndup(ps, "INBOX", 5);
	return true;
}

/* list_mailbox - 1*list-char / string */
static bool
list_mailbox(struct parser *ps, char **out)
{
	const char *s = ps->p;

	if (peek(ps) == '"' || peek(ps) == '{')
		return astring_c(ps, out);
	while (ps->p < ps->end && is_list_char((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == s)
		return fail(ps, "mailbox pattern expected");
	*out = own_strndup(ps, s, (size_t)(ps->p - s));
	return true;
}

/* flag - "\" atom / atom */
static bool
flag(struct parser *ps, char **out)
{
	const char *s = ps->p;

	if (peek(ps) == '\\')
		ps->p++;
	while (ps->p < ps->end && is_atom_char((unsigned char)*ps->p))
		ps->p++;
	if (ps->p == s || (ps->p == s + 1 && *s == '\\'))
		return fail(ps, "flag expected");
	*out = own_strndup(ps, s, (size_t)(ps->p - s));
	return true;
}

/* flag_list - "(" [flag *(SP flag)] ")" */
static bool
flag_list(struct parser *ps, char ***out, size_t *nout)
{
	struct vec v = {.size = sizeof(char *)};

	if (!expect(ps, "("))
		return false;
	while (peek(ps) != ')') {
		char **f;

		if (v.n && !sp(ps))
			goto bad;
		if (v.n >= ps->lim->list_items) {
			fail(ps, "too many flags");
			goto bad;
		}
		f = vec_push(&v);
		if (!flag(ps, f))
			goto bad;
	}
	ps->p++;
	*out = vec_finish(ps, &v);
	*nout = v.n;
	return true;
bad:
	free(v.v);
	return false;
}

/* seq_number - nz-number / "*" */
static bool
seq_number(struct parser *ps, uint32_t *out)
{
	if (accept(ps, "*")) {
		*out = IMAP_SEQ_STAR;
		return true;
	}
	return nz_number32(ps, out);
}

/* seqset - sequence-set */
static bool
seqset(struct parser *ps, struct imap_seqset *out)
{
	struct vec v = {.size = sizeof(struct imap_seq_range)};

	if (accept(ps, "$")) {
		/* RFC 5182: "$" stands alone */
		out->saved = true;
		return true;
	}
	do {
		struct imap_seq_range *r;
		uint32_t a, b;

		if (v.n >= ps->lim->seq_ranges) {
			free(v.v);
			return fail(ps, "sequence set too long");
		}
		if (!seq_number(ps, &a)) {
			free(v.v);
			return false;
		}
		b = a;
		if (accept(ps, ":") && !seq_number(ps, &b)) {
			free(v.v);
			return false;
		}
		r = vec_push(&v);
		r->lo = a < b ? a : b;
		r->hi = a < b ? b : a;
	} while (accept(ps, ","));
	out->v = vec_finish(ps, &v);
	out->n = v.n;
	return true;
}

/* month_index - 0..11 for "Jan".."Dec", or -1 */
static int
month_index(const char *s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	for (int i = 0; i < 12; i++)
		if (strncasecmp(s, months + i * 3, 3) == 0)
			return i;
	return -1;
}

/* days_from_civil - days since 1970-01-01 of a Gregorian date */
static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* date_text - date-day "-" date-month "-" date-year, as days */
static bool
date_text(const char *s, size_t len, int64_t *out)
{
	int day = 0, year = 0, mon;
	size_t i = 0, nd = 0;

	while (i < len && isdigit((unsigned char)s[i]) && nd < 2) {
		day = day * 10 + (s[i++] - '0');
		nd++;
	}
	if (nd == 0 || i + 1 + 3 + 1 + 4 != len || s[i] != '-'
	    || s[i + 4] != '-')
		return false;
	if ((mon = month_index(s + i + 1)) < 0)
		return false;
	for (size_t j = i + 5; j < len; j++) {
		if (!isdigit((unsigned char)s[j]))
			return false;
		year = year * 10 + (s[j] - '0');
	}
	if (day < 1 || day > 31)
		return false;
	*out = days_from_civil(year, (unsigned)mon + 1, (unsigned)day);
	return true;
}

/* date - date-text / DQUOTE date-text DQUOTE */
static bool
date(struct parser *ps, int64_t *out)
{
	struct imap_str s;

	if (peek(ps) == '"') {
		if (!quoted(ps, &s))
			return false;
	} else if (!atom_run(ps, false, &s))
		return false;
	if (!date_text(s.s, s.len, out))
		return fail(ps, "bad date");
	return true;
}

/* imap_parse_datetime - date-time without the quotes */
int
imap_parse_datetime(const char *s, size_t len, time_t *out)
{
	char b[32];
	int day, year, hh, mm, ss, zone, mon;
	char sign;
	int64_t days;

	if (len >= sizeof(b))
		return -1;
	memcpy(b, s, len);
	b[len] = 0;
	if (b[0] == ' ')
		b[0] = '0';
	if (len != 26 || b[2] != '-' || b[6] != '-' || b[11] != ' '
	    || b[14] != ':' || b[17] != ':' || b[20] != ' '
	    || (b[21] != '+' && b[21] != '-'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (i == 2 || i == 6 || i == 11 || i == 14 || i == 17 || i == 20
		    || i == 21 || (i >= 3 && i <= 5))
			continue;
		if (!isdigit((unsigned char)b[i]))
			return -1;
	}
	if ((mon = month_index(b + 3)) < 0)
		return -1;
	day = (b[0] - '0') * 10 + (b[1] - '0');
	year = atoi(b + 7);
	hh = atoi(b + 12);
	mm = atoi(b + 15);
	ss = atoi(b + 18);
	sign = b[21];
	zone = atoi(b + 22);
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60
	    || zone % 100 > 59)
		return -1;
	days = days_from_civil(year, (unsigned)mon + 1, (unsigned)day);
	*out = (time_t)(days * 86400 + hh * 3600 + mm * 60 + ss)
	    - (sign == '-' ? -1 : 1)
	        * (time_t)((zone / 100) * 3600 + (zone % 100) * 60);
	return 0;
}

/* ------------------------------------------------------------------ */
/* SEARCH (RFC 3501 6.4.4, CONDSTORE 7162, WITHIN 5032, ESEARCH 4731) */

static bool search_key(struct parser *ps, struct imap_search_key *k);

/* key_str - a key with one astring argument */
static bool
key_str(struct parser *ps, struct imap_search_key *k, enum imap_skey type,
    const char *field)
{
	k->type = type;
	k->field = field ? own_strndup(ps, field, strlen(field)) : NULL;
	return sp(ps) && astring(ps, &k->str);
}

/* key_flag - FLAG key, negated when neg */
static bool
key_flag(struct parser *ps, struct imap_search_key *k, const char *flagname,
    bool neg)
{
	struct imap_search_key *f = k;

	if (neg) {
		k->type = IMAP_SK_NOT;
		k->nsub = 1;
		k->sub = own(ps, xcalloc(1, sizeof(*k->sub)));
		f = k->sub;
	}
	f->type = IMAP_SK_FLAG;
	f->str.s = own_strndup(ps, flagname, strlen(flagname));
	f->str.len = strlen(flagname);
	return true;
}

/* key_subs - room for n sub-keys */
static struct imap_search_key *
key_subs(struct parser *ps, struct imap_search_key *k, size_t n)
{
	k->sub = own(ps, xcalloc(n, sizeof(*k->sub)));
	k->nsub = n;
	return k->sub;
}

/* key_num - a key with one number */
static bool
key_num(struct parser *ps, struct imap_search_key *k, enum imap_skey type)
{
	uint64_t n;

	k->type = type;
	if (!sp(ps) || !number(ps, INT64_MAX, &n))
		return false;
	k->num = (int64_t)n;
	return true;
}

/* key_date - a key with a date */
static bool
key_date(struct parser *ps, struct imap_search_key *k, enum imap_skey type)
{
	k->type = type;
	return sp(ps) && date(ps, &k->num);
}

/* search_key - one key */
static bool
search_key(struct parser *ps, struct imap_search_key *k)
{
	static const struct {
		const char *word;
		const char *flag;
		bool neg;
	} flags[] = {
	    {"ANSWERED", "\\Answered", false},
	    {"DELETED", "\\Deleted", false},
	    {"DRAFT", "\\Draft", false},
	    {"FLAGGED", "\\Flagged", false},
	    {"RECENT", "\\Recent", false},
	    {"SEEN", "\\Seen", false},
	    {"UNANSWERED", "\\Answered", true},
	    {"UNDELETED", "\\Deleted", true},
	    {"UNDRAFT", "\\Draft", true},
	    {"UNFLAGGED", "\\Flagged", true},
	    {"UNSEEN", "\\Seen", true},
	    {"OLD", "\\Recent", true},
	};
	static const struct {
		const char *word;
		const char *field;
	} headers[] = {
	    {"BCC", "Bcc"},
	    {"CC", "Cc"},
	    {"FROM", "From"},
	    {"SUBJECT", "Subject"},
	    {"TO", "To"},
	};
	static const struct {
		const char *word;
		enum imap_skey type;
	} dates[] = {
	    {"BEFORE", IMAP_SK_BEFORE},
	    {"ON", IMAP_SK_ON},
	    {"SINCE", IMAP_SK_SINCE},
	    {"SENTBEFORE", IMAP_SK_SENTBEFORE},
	    {"SENTON", IMAP_SK_SENTON},
	    {"SENTSINCE", IMAP_SK_SENTSINCE},
	};
	bool ok;

	if (++ps->depth > ps->lim->depth)
		return fail(ps, "search keys nested too deeply");
	ok = false;
	if (peek(ps) == '(') {
		struct vec v = {.size = sizeof(struct imap_search_key)};

		ps->p++;
		k->type = IMAP_SK_AND;
		do {
			if (v.n >= ps->lim->list_items) {
				fail(ps, "too many search keys");
				break;
			}
			if (!search_key(ps, vec_push(&v)))
				break;
		} while (accept(ps, " "));
		k->sub = vec_finish(ps, &v);
		k->nsub = v.n;
		ok = !ps->failed && expect(ps, ")");
		goto out;
	}
	if (isdigit(peek(ps)) || peek(ps) == '*' || peek(ps) == '$') {
		k->type = IMAP_SK_SEQ;
		ok = seqset(ps, &k->set);
		goto out;
	}
	for (size_t i = 0; i < NELEM(flags); i++)
		if (accept_word(ps, flags[i].word)) {
			ok = key_flag(ps, k, flags[i].flag, flags[i].neg);
			goto out;
		}
	for (size_t i = 0; i < NELEM(headers); i++)
		if (accept_word(ps, headers[i].word)) {
			ok = key_str(ps, k, IMAP_SK_HEADER, headers[i].field);
			goto out;
		}
	for (size_t i = 0; i < NELEM(dates); i++)
		if (accept_word(ps, dates[i].word)) {
			ok = key_date(ps, k, dates[i].type);
			goto out;
		}
	if (accept_word(ps, "ALL")) {
		k->type = IMAP_SK_ALL;
		ok = true;
	} else if (accept_word(ps, "NEW")) {
		struct imap_search_key *s = key_subs(ps, k, 2);

		k->type = IMAP_SK_AND;
		ok = key_flag(ps, &s[0], "\\Recent", false)
		    && key_flag(ps, &s[1], "\\Seen", true);
	} else if (accept_word(ps, "KEYWORD")) {
		char *kw;

		ok = sp(ps) && flag(ps, &kw) && key_flag(ps, k, kw, false);
	} else if (accept_word(ps, "UNKEYWORD")) {
		char *kw;

		ok = sp(ps) && flag(ps, &kw) && key_flag(ps, k, kw, true);
	} else if (accept_word(ps, "BODY")) {
		ok = key_str(ps, k, IMAP_SK_BODY, NULL);
	} else if (accept_word(ps, "TEXT")) {
		ok = key_str(ps, k, IMAP_SK_TEXT, NULL);
	} else if (accept_word(ps, "HEADER")) {
		char *field;

		ok = sp(ps) && astring_c(ps, &field)
		    && key_str(ps, k, IMAP_SK_HEADER, field);
		if (ok && *k->field == 0)
			ok = fail(ps, "empty header field name");
	} else if (accept_word(ps, "LARGER")) {
		ok = key_num(ps, k, IMAP_SK_LARGER);
	} else if (accept_word(ps, "SMALLER")) {
		ok = key_num(ps, k, IMAP_SK_SMALLER);
	} else if (accept_word(ps, "OLDER")) {
		ok = key_num(ps, k, IMAP_SK_OLDER);
	} else if (accept_word(ps, "YOUNGER")) {
		ok = key_num(ps, k, IMAP_SK_YOUNGER);
	} else if (accept_word(ps, "UID")) {
		k->type = IMAP_SK_UID;
		ok = sp(ps) && seqset(ps, &k->set);
	} else if (accept_word(ps, "NOT")) {
		k->type = IMAP_SK_NOT;
		ok = sp(ps) && search_key(ps, key_subs(ps, k, 1));
	} else if (accept_word(ps, "OR")) {
		struct imap_search_key *s = key_subs(ps, k, 2);

		k->type = IMAP_SK_OR;
		ok = sp(ps) && search_key(ps, &s[0]) && sp(ps)
		    && search_key(ps, &s[1]);
	} else if (accept_word(ps, "MODSEQ")) {
		/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer */
		uint64_t n;

		k->type = IMAP_SK_MODSEQ;
		ok = sp(ps);
		if (ok && peek(ps) == '"') {
			struct imap_str name;
			char *type;

			ok = quoted(ps, &name) && sp(ps) && atom(ps, &type)
			    && sp(ps);
		}
		ok = ok && number(ps, INT64_MAX, &n);
		k->num = (int64_t)n;
	} else
		ok = fail(ps, "unknown search key");
out:
	ps->depth--;
	return ok;
}

/* search_args - [RETURN (...)] [CHARSET x] keys (SEARCH, and the tail
 * of SORT and THREAD with charset mandatory) */
static bool
search_args(struct parser *ps, struct imap_search *s, bool need_charset)
{
	struct vec v = {.size = sizeof(struct imap_search_key)};

	if (!need_charset && accept_word(ps, "RETURN")) {
		s->has_return = true;
		if (!sp(ps) || !expect(ps, "("))
			return false;
		while (peek(ps) != ')') {
			if (s->ret && !sp(ps))
				return false;
			if (accept_word(ps, "MIN"))
				s->ret |= IMAP_SEARCH_RET_MIN;
			else if (accept_word(ps, "MAX"))
				s->ret |= IMAP_SEARCH_RET_MAX;
			else if (accept_word(ps, "ALL"))
				s->ret |= IMAP_SEARCH_RET_ALL;
			else if (accept_word(ps, "COUNT"))
				s->ret |= IMAP_SEARCH_RET_COUNT;
			else if (accept_word(ps, "SAVE"))
				s->ret |= IMAP_SEARCH_RET_SAVE;
			else
				return fail(ps, "unknown RETURN option");
		}
		ps->p++;
		if (!sp(ps))
			return false;
	}
	if (need_charset) {
		if (!astring_c(ps, &s->charset) || !sp(ps))
			return false;
	} else if (accept_word(ps, "CHARSET")) {
		if (!sp(ps) || !astring_c(ps, &s->charset) || !sp(ps))
			return false;
	}
	s->key.type = IMAP_SK_AND;
	do {
		if (v.n >= ps->lim->list_items) {
			free(v.v);
			return fail(ps, "too many search keys");
		}
		if (!search_key(ps, vec_push(&v))) {
			s->key.sub = vec_finish(ps, &v);
			s->key.nsub = v.n;
			return false;
		}
	} while (accept(ps, " "));
	s->key.sub = vec_finish(ps, &v);
	s->key.nsub = v.n;
	return eol(ps);
}

/* ------------------------------------------------------------------ */
/* FETCH (RFC 3501 6.4.5, CONDSTORE, QRESYNC) */

/* section - "[" [section-spec] "]" */
static bool
section(struct parser *ps, struct imap_fetch_att *a)
{
	static const char *const names[] = {
	    "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"};
	struct vec parts = {.size = sizeof(unsigned)};
	struct buf *text = buf_new(32);
	bool ok = false, need_text = false;

	if (!expect(ps, "["))
		goto out;
	a->spec = IMAP_SEC_ALL;
	/* section-part: nz-number *("." nz-number), then "." section-text */
	while (isdigit(peek(ps))) {
		uint32_t n;

		if (parts.n >= 100) {
			fail(ps, "section nested too deeply");
			goto out;
		}
		if (!nz_number32(ps, &n))
			goto out;
		*(unsigned *)vec_push(&parts) = n;
		buf_printf(text, "%s%u", parts.n > 1 ? "." : "", n);
		if (!accept(ps, "."))
			break;
		if (!isdigit(peek(ps))) {
			need_text = true;
			buf_catc(text, '.');
			break;
		}
	}
	if (peek(ps) == ']') {
		if (need_text) {
			fail(ps, "bad section");
			goto out;
		}
	} else {
		if (parts.n && !need_text) {
			fail(ps, "bad section");
			goto out;
		}
		if (accept(ps, "HEADER.FIELDS.NOT"))
			a->spec = IMAP_SEC_HEADER_FIELDS_NOT;
		else if (accept(ps, "HEADER.FIELDS"))
			a->spec = IMAP_SEC_HEADER_FIELDS;
		else if (accept(ps, "HEADER"))
			a->spec = IMAP_SEC_HEADER;
		else if (accept(ps, "TEXT"))
			a->spec = IMAP_SEC_TEXT;
		else if (parts.n && accept(ps, "MIME"))
			a->spec = IMAP_SEC_MIME;
		else {
			fail(ps, "bad section");
			goto out;
		}
		buf_cats(text, names[a->spec]);
	}
	if (a->spec == IMAP_SEC_HEADER_FIELDS
	    || a->spec == IMAP_SEC_HEADER_FIELDS_NOT) {
		struct vec f = {.size = sizeof(char *)};
		bool fok = true;

		if (!sp(ps) || !expect(ps, "("))
			goto out;
		buf_cats(text, " (");
		do {
			char **fp;

			if (f.n >= ps->lim->list_items) {
				fok = fail(ps, "too many header fields");
				break;
			}
			fp = vec_push(&f);
			if (!astring_c(ps, fp) || **fp == 0) {
				fok = fail(ps, "bad header field name");
				break;
			}
			for (char *c = *fp; *c && fok; c++)
				if ((unsigned char)*c <= 32
				    || (unsigned char)*c >= 127 || *c == ':')
					fok = fail(ps, "bad header field name");
			if (!fok)
				break;
			if (f.n > 1)
				buf_catc(text, ' ');
			for (char *c = *fp; *c; c++)
				buf_catc(text, toupper((unsigned char)*c));
		} while (accept(ps, " "));
		a->fields = vec_finish(ps, &f);
		a->nfields = fok ? f.n : 0;
		if (!fok || !expect(ps, ")"))
			goto out;
		buf_catc(text, ')');
	}
	ok = expect(ps, "]");
out:
	a->parts = vec_finish(ps, &parts);
	a->nparts = parts.n;
	a->section = own(ps, buf_steal(text));
	buf_free(&text);
	return ok;
}

/* partial - "<" number "." nz-number ">" */
static bool
partial(struct parser *ps, struct imap_fetch_att *a)
{
	uint64_t off;

	if (!accept(ps, "<"))
		return true;
	a->has_partial = true;
	if (!number(ps, UINT32_MAX, &off) || !expect(ps, ".")
	    || !nz_number32(ps, &a->partial_len) || !expect(ps, ">"))
		return false;
	a->partial_off = (uint32_t)off;
	return true;
}

/* fetch_att - one fetch attribute */
static bool
fetch_att(struct parser *ps, struct vec *v)
{
	static const struct {
		const char *word;
		enum imap_fetch_item item;
	} simple[] = {
	    {"ENVELOPE", IMAP_FETCH_ENVELOPE},
	    {"FLAGS", IMAP_FETCH_FLAGS},
	    {"INTERNALDATE", IMAP_FETCH_INTERNALDATE},
	    {"RFC822.HEADER", IMAP_FETCH_RFC822_HEADER},
	    {"RFC822.SIZE", IMAP_FETCH_RFC822_SIZE},
	    {"RFC822.TEXT", IMAP_FETCH_RFC822_TEXT},
	    {"RFC822", IMAP_FETCH_RFC822},
	    {"BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE},
	    {"UID", IMAP_FETCH_UID},
	    {"MODSEQ", IMAP_FETCH_MODSEQ},
	};
	struct imap_fetch_att *a;

	if (v->n >= ps->lim->list_items)
		return fail(ps, "too many fetch attributes");
	a = vec_push(v);
	if (accept(ps, "BINARY.PEEK[") || accept(ps, "BINARY[")
	    || accept(ps, "BINARY.SIZE[")) {
		/* section-binary: "[" [section-part] "]" (RFC 3516) */
		a->item = toupper((unsigned char)ps->p[-2]) == 'E'
		    ? IMAP_FETCH_BINARY_SIZE
		    : IMAP_FETCH_BINARY;
		a->peek = toupper((unsigned char)ps->p[-2]) == 'K';
		ps->p--;
		if (!section(ps, a))
			return false;
		if (a->spec != IMAP_SEC_ALL)
			return fail(ps, "BINARY takes part numbers only");
		return a->item == IMAP_FETCH_BINARY_SIZE || partial(ps, a);
	}
	if (accept(ps, "BODY.PEEK[")) {
		ps->p--;
		a->item = IMAP_FETCH_SECTION;
		a->peek = true;
		return section(ps, a) && partial(ps, a);
	}
	if (accept(ps, "BODY[")) {
		ps->p--;
		a->item = IMAP_FETCH_SECTION;
		return section(ps, a) && partial(ps, a);
	}
	for (size_t i = 0; i < NELEM(simple); i++) {
		const char *save = ps->p;

		if (accept(ps, simple[i].word)
		    && (peek(ps) == ' ' || peek(ps) == ')' || at_eol(ps))) {
			a->item = simple[i].item;
			return true;
		}
		ps->p = save;
	}
	if (accept_word(ps, "BODY")) {
		a->item = IMAP_FETCH_BODY;
		return true;
	}
	v->n--;
	return fail(ps, "unknown fetch attribute");
}

/* fetch_macro - ALL / FAST / FULL */
static bool
fetch_macro(struct parser *ps, struct vec *v)
{
	static const enum imap_fetch_item fast[] = {IMAP_FETCH_FLAGS,
	    IMAP_FETCH_INTERNALDATE, IMAP_FETCH_RFC822_SIZE,
	    IMAP_FETCH_ENVELOPE, IMAP_FETCH_BODY};
	size_t n;

	if (accept_word(ps, "ALL"))
		n = 4;
	else if (accept_word(ps, "FAST"))
		n = 3;
	else if (accept_word(ps, "FULL"))
		n = 5;
	else
		return false;
	for (size_t i = 0; i < n; i++) {
		struct imap_fetch_att *a = vec_push(v);

		a->item = fast[i];
	}
	return true;
}

/* fetch_args - sequence-set SP (macro / att / "(" atts ")") [mods] */
static bool
fetch_args(struct parser *ps, struct imap_cmd *c)
{
	struct vec v = {.size = sizeof(struct imap_fetch_att)};
	bool ok;

	if (!sp(ps) || !seqset(ps, &c->seq) || !sp(ps))
		return false;
	if (fetch_macro(ps, &v))
		ok = true;
	else if (accept(ps, "(")) {
		do {
			ok = fetch_att(ps, &v);
		} while (ok && accept(ps, " "));
		ok = ok && expect(ps, ")");
	} else
		ok = fetch_att(ps, &v);
	c->fetch.v = vec_finish(ps, &v);
	c->fetch.n = v.n;
	if (!ok)
		return false;
	if (accept(ps, " (")) {
		/* fetch-modifiers: CHANGEDSINCE n [VANISHED] */
		do {
			if (accept_word(ps, "CHANGEDSINCE")) {
				c->fetch.has_changedsince = true;
				if (!sp(ps)
				    || !number(
				        ps, INT64_MAX, &c->fetch.changedsince))
					return false;
			} else if (accept_word(ps, "VANISHED"))
				c->fetch.vanished = true;
			else
				return fail(ps, "unknown FETCH modifier");
		} while (accept(ps, " "));
		if (!expect(ps, ")"))
			return false;
	}
	return eol(ps);
}

/* ------------------------------------------------------------------ */
/* The other commands */

/* store_args - seq [ "(UNCHANGEDSINCE n)" ] ["+"/"-"]FLAGS[.SILENT] flags */
static bool
store_args(struct parser *ps, struct imap_cmd *c)
{
	struct imap_store *st = &c->store;

	if (!sp(ps) || !seqset(ps, &c->seq) || !sp(ps))
		return false;
	if (accept(ps, "(UNCHANGEDSINCE ")) {
		st->has_unchangedsince = true;
		if (!number(ps, INT64_MAX, &st->unchangedsince)
		    || !expect(ps, ")") || !sp(ps))
			return false;
	}
	st->mode = accept(ps, "+") ? IMAP_STORE_ADD
	    : accept(ps, "-")      ? IMAP_STORE_REMOVE
	                           : IMAP_STORE_SET;
	if (!accept(ps, "FLAGS"))
		return fail(ps, "FLAGS expected");
	st->silent = accept(ps, ".SILENT");
	if (!sp(ps))
		return false;
	if (peek(ps) == '(') {
		if (!flag_list(ps, &st->flags, &st->nflags))
			return false;
	} else {
		/* flag *(SP flag) without parentheses */
		struct vec v = {.size = sizeof(char *)};

		do {
			if (v.n >= ps->lim->list_items
			    || !flag(ps, vec_push(&v))) {
				free(v.v);
				return fail(ps, "bad flag list");
			}
		} while (accept(ps, " "));
		st->flags = vec_finish(ps, &v);
		st->nflags = v.n;
	}
	return eol(ps);
}

/* status_att_list - "(" status-att *(SP status-att) ")" */
static bool
status_att_list(struct parser *ps, unsigned *out)
{
	static const struct {
		const char *word;
		unsigned bit;
	} items[] = {
	    {"MESSAGES", IMAP_STATUS_MESSAGES},
	    {"RECENT", IMAP_STATUS_RECENT},
	    {"UIDNEXT", IMAP_STATUS_UIDNEXT},
	    {"UIDVALIDITY", IMAP_STATUS_UIDVALIDITY},
	    {"UNSEEN", IMAP_STATUS_UNSEEN},
	    {"HIGHESTMODSEQ", IMAP_STATUS_HIGHESTMODSEQ},
	    {"SIZE", IMAP_STATUS_SIZE},
	    {"DELETED", IMAP_STATUS_DELETED},
	};
	bool first = true;

	*out = 0;
	if (!expect(ps, "("))
		return false;
	while (peek(ps) != ')') {
		size_t i;

		if (!first && !sp(ps))
			return false;
		first = false;
		for (i = 0; i < NELEM(items); i++)
			if (accept_word(ps, items[i].word)) {
				*out |= items[i].bit;
				break;
			}
		if (i == NELEM(items))
			return fail(ps, "unknown status item");
	}
	ps->p++;
	if (*out == 0)
		return fail(ps, "empty status item list");
	return true;
}

/* list_args - LIST [sel-opts SP] ref SP (pattern / "(" patterns ")")
 * [SP RETURN (ret-opts)] (RFC 5258) */
static bool
list_args(struct parser *ps, struct imap_cmd *c, bool lsub)
{
	struct imap_list *l = &c->list;
	struct vec v = {.size = sizeof(char *)};

	if (!sp(ps))
		return false;
	if (!lsub && accept(ps, "(")) {
		l->extended = true;
		while (peek(ps) != ')') {
			if (l->sel && !sp(ps))
				return false;
			if (accept_word(ps, "SUBSCRIBED"))
				l->sel |= IMAP_LIST_SEL_SUBSCRIBED;
			else if (accept_word(ps, "REMOTE"))
				l->sel |= IMAP_LIST_SEL_REMOTE;
			else if (accept_word(ps, "RECURSIVEMATCH"))
				l->sel |= IMAP_LIST_SEL_RECURSIVEMATCH;
			else if (accept_word(ps, "SPECIAL-USE"))
				l->sel |= IMAP_LIST_SEL_SPECIAL_USE;
			else
				return fail(
				    ps, "unknown LIST selection option");
		}
		ps->p++;
		if ((l->sel & IMAP_LIST_SEL_RECURSIVEMATCH)
		    && !(l->sel & ~(unsigned)IMAP_LIST_SEL_RECURSIVEMATCH
		        & ~(unsigned)IMAP_LIST_SEL_REMOTE))
			return fail(ps, "RECURSIVEMATCH needs another option");
		if (!sp(ps))
			return false;
	}
	if (!astring_c(ps, &l->ref) || !sp(ps))
		return false;
	if (!lsub && accept(ps, "(")) {
		l->extended = true;
		do {
			if (v.n >= ps->lim->list_items
			    || !list_mailbox(ps, vec_push(&v))) {
				free(v.v);
				return fail(ps, "bad mailbox pattern list");
			}
		} while (accept(ps, " "));
		l->patterns = vec_finish(ps, &v);
		l->npatterns = v.n;
		if (!expect(ps, ")"))
			return false;
	} else {
		if (!list_mailbox(ps, vec_push(&v))) {
			free(v.v);
			return false;
		}
		l->patterns = vec_finish(ps, &v);
		l->npatterns = v.n;
	}
	if (!lsub && accept(ps, " RETURN (")) {
		bool first = true;

		l->extended = true;
		while (peek(ps) != ')') {
			if (!first && !sp(ps))
				return false;
			first = false;
			if (accept_word(ps, "SUBSCRIBED"))
				l->ret |= IMAP_LIST_RET_SUBSCRIBED;
			else if (accept_word(ps, "CHILDREN"))
				l->ret |= IMAP_LIST_RET_CHILDREN;
			else if (accept_word(ps, "SPECIAL-USE"))
				l->ret |= IMAP_LIST_RET_SPECIAL_USE;
			else if (accept_word(ps, "STATUS")) {
				l->ret |= IMAP_LIST_RET_STATUS;
				if (!sp(ps)
				    || !status_att_list(ps, &l->status_items))
					return false;
			} else
				return fail(ps, "unknown LIST return option");
		}
		ps->p++;
	}
	return eol(ps);
}

/* select_args - mailbox [SP "(" params ")"] (CONDSTORE, QRESYNC) */
static bool
select_args(struct parser *ps, struct imap_cmd *c)
{
	struct imap_select *s = &c->select;

	if (!sp(ps) || !mailbox(ps, &c->mailbox))
		return false;
	if (accept(ps, " (")) {
		do {
			if (accept_word(ps, "CONDSTORE"))
				s->condstore = true;
			else if (accept_word(ps, "QRESYNC")) {
				/* (uidvalidity modseq [known-uids
				 * [(seq-match)]]) */
				uint64_t n;

				s->qresync = true;
				if (!sp(ps) || !expect(ps, "(")
				    || !number(ps, UINT32_MAX, &n) || n == 0
				    || !sp(ps)
				    || !number(ps, INT64_MAX, &s->modseq))
					return fail(
					    ps, "bad QRESYNC parameters");
				s->uidvalidity = (uint32_t)n;
				if (accept(ps, " ") && peek(ps) != '('
				    && !seqset(ps, &s->known_uids))
					return false;
				if ((s->known_uids.n == 0 || accept(ps, " "))
				    && accept(ps, "(")) {
					if (!seqset(ps, &s->match_seqs)
					    || !sp(ps)
					    || !seqset(ps, &s->match_uids)
					    || !expect(ps, ")"))
						return false;
				}
				if (!expect(ps, ")"))
					return false;
			} else
				return fail(ps, "unknown SELECT parameter");
		} while (accept(ps, " "));
		if (!expect(ps, ")"))
			return false;
	}
	return eol(ps);
}

/* append_args - mailbox [SP flag-list] [SP date-time] SP literal */
static bool
append_args(struct parser *ps, struct imap_cmd *c)
{
	if (!sp(ps) || !mailbox(ps, &c->mailbox) || !sp(ps))
		return false;
	if (peek(ps) == '(') {
		if (!flag_list(ps, &c->flags, &c->nflags) || !sp(ps))
			return false;
	}
	if (peek(ps) == '"') {
		struct imap_str d;

		if (!quoted(ps, &d) || !sp(ps))
			return false;
		if (imap_parse_datetime(d.s, d.len, &c->date) < 0)
			return fail(ps, "bad date-time");
		c->has_date = true;
	}
	if (accept_word(ps, "UTF8")) {
		/* RFC 6855 (UTF8=ACCEPT): UTF8 (literal8) */
		if (!sp(ps) || !expect(ps, "(~{"))
			return false;
		ps->p--;
		c->binary = true;
		if (!literal(ps, &c->message) || !expect(ps, ")"))
			return false;
		if (accept(ps, " "))
			return fail(ps, "MULTIAPPEND is not supported");
		return eol(ps);
	}
	if (peek(ps) == '~' && ps->p + 1 < ps->end && ps->p[1] == '{') {
		/* literal8 (RFC 3516): the message may hold NUL bytes */
		c->binary = true;
		ps->p++;
	}
	if (peek(ps) != '{')
		return fail(ps, "message literal expected");
	if (!literal(ps, &c->message))
		return false;
	if (accept(ps, " "))
		return fail(ps, "MULTIAPPEND is not supported");
	return eol(ps);
}

/* sort_args - (criteria) charset keys */
static bool
sort_args(struct parser *ps, struct imap_cmd *c)
{
	static const struct {
		const char *word;
		enum imap_sort_key key;
	} keys[] = {
	    {"ARRIVAL", IMAP_SORT_ARRIVAL},
	    {"CC", IMAP_SORT_CC},
	    {"DATE", IMAP_SORT_DATE},
	    {"FROM", IMAP_SORT_FROM},
	    {"SIZE", IMAP_SORT_SIZE},
	    {"SUBJECT", IMAP_SORT_SUBJECT},
	    {"TO", IMAP_SORT_TO},
	    {"DISPLAYFROM", IMAP_SORT_DISPLAYFROM},
	    {"DISPLAYTO", IMAP_SORT_DISPLAYTO},
	};
	struct vec v = {.size = sizeof(struct imap_sort_crit)};

	if (!sp(ps) || !expect(ps, "("))
		return false;
	do {
		struct imap_sort_crit *cr;
		size_t i;

		if (v.n >= 20) {
			free(v.v);
			return fail(ps, "too many sort criteria");
		}
		cr = vec_push(&v);
		if (accept_word(ps, "REVERSE")) {
			cr->reverse = true;
			if (!sp(ps)) {
				free(v.v);
				return false;
			}
		}
		for (i = 0; i < NELEM(keys); i++)
			if (accept_word(ps, keys[i].word)) {
				cr->key = keys[i].key;
				break;
			}
		if (i == NELEM(keys)) {
			free(v.v);
			return fail(ps, "unknown sort criterion");
		}
	} while (accept(ps, " "));
	c->sort = vec_finish(ps, &v);
	c->nsort = v.n;
	return expect(ps, ")") && sp(ps) && search_args(ps, &c->search, true);
}

/* id_args - NIL / "(" string SP nstring ... ")" (RFC 2971) */
static bool
id_args(struct parser *ps, struct imap_cmd *c)
{
	struct vec v = {.size = sizeof(char *)};

	if (!sp(ps))
		return false;
	if (accept_word(ps, "NIL"))
		return eol(ps);
	if (!expect(ps, "("))
		return false;
	while (peek(ps) != ')') {
		if (v.n && !sp(ps))
			goto bad;
		if (v.n >= 60) {
			fail(ps, "too many ID fields");
			goto bad;
		}
		if (!astring_c(ps, vec_push(&v)) || !sp(ps)
		    || !nstring_c(ps, vec_push(&v)))
			goto bad;
	}
	ps->p++;
	c->id_params = vec_finish(ps, &v);
	c->nid_params = v.n;
	return eol(ps);
bad:
	c->id_params = vec_finish(ps, &v);
	return false;
}

/* one_mailbox - SP mailbox EOL */
static bool
one_mailbox(struct parser *ps, struct imap_cmd *c)
{
	return sp(ps) && mailbox(ps, &c->mailbox) && eol(ps);
}

/* seq_mailbox - SP seq SP mailbox EOL (COPY, MOVE) */
static bool
seq_mailbox(struct parser *ps, struct imap_cmd *c)
{
	return sp(ps) && seqset(ps, &c->seq) && sp(ps)
	    && mailbox(ps, &c->mailbox) && eol(ps);
}

/* ------------------------------------------------------------------ */
/* Commands */

static const struct {
	const char *name;
	enum imap_cmd_id id;
	bool uid_ok; /* may follow "UID" */
} imap_cmds[] = {
    {"CAPABILITY", IMAP_CMD_CAPABILITY, false},
    {"NOOP", IMAP_CMD_NOOP, false},
    {"LOGOUT", IMAP_CMD_LOGOUT, false},
    {"STARTTLS", IMAP_CMD_STARTTLS, false},
    {"AUTHENTICATE", IMAP_CMD_AUTHENTICATE, false},
    {"LOGIN", IMAP_CMD_LOGIN, false},
    {"SELECT", IMAP_CMD_SELECT, false},
    {"EXAMINE", IMAP_CMD_EXAMINE, false},
    {"CREATE", IMAP_CMD_CREATE, false},
    {"DELETE", IMAP_CMD_DELETE, false},
    {"RENAME", IMAP_CMD_RENAME, false},
    {"SUBSCRIBE", IMAP_CMD_SUBSCRIBE, false},
    {"UNSUBSCRIBE", IMAP_CMD_UNSUBSCRIBE, false},
    {"LIST", IMAP_CMD_LIST, false},
    {"LSUB", IMAP_CMD_LSUB, false},
    {"STATUS", IMAP_CMD_STATUS, false},
    {"APPEND", IMAP_CMD_APPEND, false},
    {"CHECK", IMAP_CMD_CHECK, false},
    {"CLOSE", IMAP_CMD_CLOSE, false},
    {"EXPUNGE", IMAP_CMD_EXPUNGE, true},
    {"SEARCH", IMAP_CMD_SEARCH, true},
    {"FETCH", IMAP_CMD_FETCH, true},
    {"STORE", IMAP_CMD_STORE, true},
    {"COPY", IMAP_CMD_COPY, true},
    {"MOVE", IMAP_CMD_MOVE, true},
    {"IDLE", IMAP_CMD_IDLE, false},
    {"NAMESPACE", IMAP_CMD_NAMESPACE, false},
    {"UNSELECT", IMAP_CMD_UNSELECT, false},
    {"ENABLE", IMAP_CMD_ENABLE, false},
    {"ID", IMAP_CMD_ID, false},
    {"GETQUOTA", IMAP_CMD_GETQUOTA, false},
    {"GETQUOTAROOT", IMAP_CMD_GETQUOTAROOT, false},
    {"SETQUOTA", IMAP_CMD_SETQUOTA, false},
    {"SORT", IMAP_CMD_SORT, true},
    {"THREAD", IMAP_CMD_THREAD, true},
    {"SETACL", IMAP_CMD_SETACL, false},
    {"DELETEACL", IMAP_CMD_DELETEACL, false},
    {"GETACL", IMAP_CMD_GETACL, false},
    {"LISTRIGHTS", IMAP_CMD_LISTRIGHTS, false},
    {"MYRIGHTS", IMAP_CMD_MYRIGHTS, false},
};

/* acl_args - RFC 4314: mailbox SP identifier [SP mod-rights] (SETACL).
 * An identifier we could never store and a right we do not know are
 * syntax errors: RFC 4314 3.1 wants BAD for unknown rights. */
static bool
acl_args(struct parser *ps, struct imap_cmd *c)
{
	unsigned r;

	if (!sp(ps) || !mailbox(ps, &c->mailbox) || !sp(ps)
	    || !astring_c(ps, &c->acl_id))
		return false;
	if (!imap_acl_id_valid(c->acl_id, NULL))
		return fail(ps, "invalid identifier");
	if (c->id == IMAP_CMD_SETACL) {
		if (!sp(ps) || !astring_c(ps, &c->acl_rights))
			return false;
		if (imap_rights_modify(c->acl_rights, 0, &r, NULL) < 0)
			return fail(ps, "unknown right in the rights string");
	}
	return eol(ps);
}

/* parse_args - the arguments of the command c->id */
static bool
parse_args(struct parser *ps, struct imap_cmd *c)
{
	switch (c->id) {
	case IMAP_CMD_CAPABILITY:
	case IMAP_CMD_NOOP:
	case IMAP_CMD_LOGOUT:
	case IMAP_CMD_STARTTLS:
	case IMAP_CMD_CHECK:
	case IMAP_CMD_CLOSE:
	case IMAP_CMD_IDLE:
	case IMAP_CMD_NAMESPACE:
	case IMAP_CMD_UNSELECT:
		return eol(ps);
	case IMAP_CMD_EXPUNGE:
		if (c->uid && (!sp(ps) || !seqset(ps, &c->seq)))
			return false;
		return eol(ps);
	case IMAP_CMD_AUTHENTICATE:
		if (!sp(ps) || !atom(ps, &c->mech))
			return false;
		if (accept(ps, " ")) {
			/* SASL-IR (RFC 4959): base64 or "=" */
			const char *s = ps->p;

			while (ps->p < ps->end
			    && (isalnum((unsigned char)*ps->p) || *ps->p == '+'
			        || *ps->p == '/' || *ps->p == '='))
				ps->p++;
			if (ps->p == s)
				return fail(ps, "bad initial response");
			c->has_initial = true;
			c->initial.len = (size_t)(ps->p - s);
			c->initial.s = own_strndup(ps, s, c->initial.len);
		}
		return eol(ps);
	case IMAP_CMD_LOGIN:
		return sp(ps) && astring(ps, &c->user) && sp(ps)
		    && astring(ps, &c->pass) && eol(ps);
	case IMAP_CMD_SELECT:
	case IMAP_CMD_EXAMINE:
		return select_args(ps, c);
	case IMAP_CMD_CREATE:
		/* RFC 6154 CREATE ... (USE (...)) is not offered */
	case IMAP_CMD_DELETE:
	case IMAP_CMD_SUBSCRIBE:
	case IMAP_CMD_UNSUBSCRIBE:
	case IMAP_CMD_GETQUOTAROOT:
		return one_mailbox(ps, c);
	case IMAP_CMD_RENAME:
		return sp(ps) && mailbox(ps, &c->mailbox) && sp(ps)
		    && mailbox(ps, &c->mailbox2) && eol(ps);
	case IMAP_CMD_LIST:
		return list_args(ps, c, false);
	case IMAP_CMD_LSUB:
		return list_args(ps, c, true);
	case IMAP_CMD_STATUS:
		return sp(ps) && mailbox(ps, &c->mailbox) && sp(ps)
		    && status_att_list(ps, &c->status_items) && eol(ps);
	case IMAP_CMD_APPEND:
		return append_args(ps, c);
	case IMAP_CMD_SEARCH:
		return sp(ps) && search_args(ps, &c->search, false);
	case IMAP_CMD_FETCH:
		return fetch_args(ps, c);
	case IMAP_CMD_STORE:
		return store_args(ps, c);
	case IMAP_CMD_COPY:
	case IMAP_CMD_MOVE:
		return seq_mailbox(ps, c);
	case IMAP_CMD_ENABLE: {
		struct vec v = {.size = sizeof(char *)};

		do {
			if (!sp(ps) || v.n >= ps->lim->list_items
			    || !atom(ps, vec_push(&v))) {
				free(v.v);
				return fail(ps, "capability name expected");
			}
		} while (!at_eol(ps));
		c->atoms = vec_finish(ps, &v);
		c->natoms = v.n;
		return eol(ps);
	}
	case IMAP_CMD_ID:
		return id_args(ps, c);
	case IMAP_CMD_GETQUOTA:
		return sp(ps) && astring_c(ps, &c->quota_root) && eol(ps);
	case IMAP_CMD_SETQUOTA:
		/* parsed only far enough to refuse it */
		return sp(ps) && astring_c(ps, &c->quota_root);
	case IMAP_CMD_SORT:
		return sort_args(ps, c);
	case IMAP_CMD_THREAD:
		if (!sp(ps))
			return false;
		if (accept_word(ps, "ORDEREDSUBJECT"))
			c->thread = IMAP_THREAD_ORDEREDSUBJECT;
		else if (accept_word(ps, "REFERENCES"))
			c->thread = IMAP_THREAD_REFERENCES;
		else
			return fail(ps, "unknown threading algorithm");
		return sp(ps) && search_args(ps, &c->search, true);
	case IMAP_CMD_GETACL:
	case IMAP_CMD_MYRIGHTS:
		return one_mailbox(ps, c);
	case IMAP_CMD_SETACL:
	case IMAP_CMD_DELETEACL:
	case IMAP_CMD_LISTRIGHTS:
		return acl_args(ps, c);
	case IMAP_CMD_UNKNOWN:
		break;
	}
	return fail(ps, "unknown command");
}

/* imap_cmd_parse - tag SP command */
int
imap_cmd_parse(const char *data, size_t len,
    const struct imap_parse_limits *lim, struct imap_cmd *out, struct buf *why)
{
	struct parser ps = {
	    .p = data, .end = data + len, .cmd = out, .lim = lim, .why = why};
	const char *s;
	char name[16];
	size_t n, i;

	memset(out, 0, sizeof(*out));
	out->arena = xcalloc(1, sizeof(*out->arena));
	/* tag: 1*<ASTRING-CHAR except "+"> */
	for (s = ps.p; ps.p < ps.end && is_astring_char((unsigned char)*ps.p)
	     && *ps.p != '+';
	     ps.p++)
		;
	if (ps.p == s || ps.p - s > 64) {
		fail(&ps, "bad tag");
		return -1;
	}
	out->tag = own_strndup(&ps, s, (size_t)(ps.p - s));
	if (!sp(&ps))
		return -1;
	for (s = ps.p; ps.p < ps.end && isalpha((unsigned char)*ps.p); ps.p++)
		;
	n = (size_t)(ps.p - s);
	if (n == 3 && strncasecmp(s, "UID", 3) == 0 && peek(&ps) == ' ') {
		out->uid = true;
		ps.p++;
		for (s = ps.p; ps.p < ps.end && isalpha((unsigned char)*ps.p);
		     ps.p++)
			;
		n = (size_t)(ps.p - s);
	}
	if (n == 0 || n >= sizeof(name)
	    || (ps.p < ps.end && *ps.p != ' ' && *ps.p != '\r'
	        && *ps.p != '\n')) {
		fail(&ps, out->uid ? "unknown UID command" : "unknown command");
		return -1;
	}
	for (i = 0; i < n; i++)
		name[i] = (char)toupper((unsigned char)s[i]);
	name[n] = 0;
	for (i = 0; i < NELEM(imap_cmds); i++)
		if (strcmp(imap_cmds[i].name, name) == 0)
			break;
	if (i == NELEM(imap_cmds) || (out->uid && !imap_cmds[i].uid_ok)) {
		fail(&ps, out->uid ? "unknown UID command" : "unknown command");
		return -1;
	}
	out->id = imap_cmds[i].id;
	out->name = imap_cmds[i].name;
	if (!parse_args(&ps, out) || ps.failed) {
		fail(&ps, "syntax error");
		return -1;
	}
	return 0;
}

/* imap_cmd_free - everything the command owns */
void
imap_cmd_free(struct imap_cmd *cmd)
{
	if (cmd->arena) {
		for (size_t i = 0; i < cmd->arena->n; i++)
			free(cmd->arena->v[i]);
		free(cmd->arena->v);
		free(cmd->arena);
	}
	memset(cmd, 0, sizeof(*cmd));
}

/* imap_line_literal - "{n}" or "{n+}" before the line end */
bool
imap_line_literal(
    const char *line, size_t len, uint64_t *n_out, bool *nonsync_out)
{
	const char *e = line + len, *p;
	uint64_t n = 0, mul = 1;

	if (e > line && e[-1] == '\n')
		e--;
	if (e > line && e[-1] == '\r')
		e--;
	if (e == line || e[-1] != '}')
		return false;
	p = e - 1;
	*nonsync_out = false;
	if (p > line && p[-1] == '+') {
		*nonsync_out = true;
		p--;
	}
	if (p == line || !isdigit((unsigned char)p[-1]))
		return false;
	while (p > line && isdigit((unsigned char)p[-1])) {
		p--;
		if (mul > UINT64_MAX / 10
		    || n > UINT64_MAX - (uint64_t)(*p - '0') * mul) {
			n = UINT64_MAX; /* absurd: the caller refuses it */
			while (p > line && isdigit((unsigned char)p[-1]))
				p--;
			break;
		}
		n += (uint64_t)(*p - '0') * mul;
		mul *= 10;
	}
	if (p == line || p[-1] != '{')
		return false;
	*n_out = n;
	return true;
}

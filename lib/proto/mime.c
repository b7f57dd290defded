/*
 * mime.c - MIME structure (see mime.h).
 *
 * A part is split at its first empty line into header and body. A
 * multipart body is split at lines that begin with "--boundary"; the line
 * break before such a line belongs to the delimiter, not to the part
 * before it (RFC 2046 5.1.1). Each part is parsed within its parent's
 * bounds, so a missing inner close delimiter cannot run past the outer
 * one.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/mime.h"
#include "proto/rfc5322.h"

#define MIME_HEADER_FIELDS 1000

struct mime_ctx {
	const char *data;
	const struct mime_limits *lim;
	size_t parts;
};

/* ------------------------------------------------------------------ */
/* Content-Type and friends: token [ "/" token ] *( ";" name "=" value ) */

struct ct_lexer {
	const char *p, *end;
};

/* ct_skip - white space and comments */
static void
ct_skip(struct ct_lexer *lx)
{
	int depth = 0;

	while (lx->p < lx->end) {
		char c = *lx->p;

		if (c == '(')
			depth++;
		else if (c == ')' && depth > 0)
			depth--;
		else if (c == '\\' && depth > 0 && lx->p + 1 < lx->end)
			lx->p++;
		else if (depth == 0 && c != ' ' && c != '\t' && c != '\r'
		    && c != '\n')
			break;
		lx->p++;
	}
}

/* ct_is_tchar - RFC 2045 token characters */
static bool
ct_is_tchar(unsigned char c)
{
	return c > 32 && c < 127 && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* ct_token - a token, or NULL */
static char *
ct_token(struct ct_lexer *lx)
{
	const char *s;

	ct_skip(lx);
	s = lx->p;
	while (lx->p < lx->end && ct_is_tchar((unsigned char)*lx->p))
		lx->p++;
	return lx->p > s ? xstrndup(s, (size_t)(lx->p - s)) : NULL;
}

/* ct_value - a token or a quoted string (unquoted), or NULL */
static char *
ct_value(struct ct_lexer *lx)
{
	struct buf *b;

	ct_skip(lx);
	if (lx->p >= lx->end || *lx->p != '"')
		return ct_token(lx);
	b = buf_new(32);
	for (lx->p++; lx->p < lx->end && *lx->p != '"'; lx->p++) {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		else if (*lx->p == '\r' || *lx->p == '\n')
			continue;
		buf_catc(b, *lx->p);
	}
	if (lx->p < lx->end)
		lx->p++;
	{
		char *s = buf_steal(b);

		buf_free(&b);
		return s;
	}
}

/* ct_params - "; name=value" pairs until the end */
static void
ct_params(struct ct_lexer *lx, struct mime_param **pv, size_t *pn)
{
	size_t alloc = 0;

	for (;;) {
		char *name, *value;

		ct_skip(lx);
		/* skip junk up to the next ';' */
		while (lx->p < lx->end && *lx->p != ';')
			lx->p++;
		if (lx->p >= lx->end)
			return;
		lx->p++;
		if ((name = ct_token(lx)) == NULL)
			continue;
		ct_skip(lx);
		if (lx->p >= lx->end || *lx->p != '=') {
			free(name);
			continue;
		}
		lx->p++;
		if ((value = ct_value(lx)) == NULL)
			value = xstrdup("");
		if (*pn == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			*pv = xreallocarray(*pv, alloc, sizeof(**pv));
		}
		(*pv)[*pn].name = name;
		(*pv)[*pn].value = value;
		(*pn)++;
		if (*pn >= 100)
			return; /* enough for anyone */
	}
}

/* unfolded - a field's value, unfolded and trimmed, or NULL */
static char *
unfolded(const struct rfc5322_field *f)
{
	struct buf *b;
	char *s;

	if (f == NULL)
		return NULL;
	b = buf_new(f->value_len + 1);
	rfc5322_unfold(f->value, f->value_len, true, b);
	s = buf_steal(b);
	buf_free(&b);
	return s;
}

/* part_header - fill the part's fields from its header */
static void
part_header(
    struct mime_part *p, const char *hdr, size_t len, bool default_message)
{
	struct rfc5322_header h = {0};
	const struct rfc5322_field *f;

	rfc5322_header_parse(hdr, len, MIME_HEADER_FIELDS, &h);
	if ((f = rfc5322_header_get(&h, "Content-Type")) != NULL) {
		struct ct_lexer lx = {f->value, f->value + f->value_len};
		char *type = ct_token(&lx), *sub = NULL;

		ct_skip(&lx);
		if (type && lx.p < lx.end && *lx.p == '/') {
			lx.p++;
			sub = ct_token(&lx);
		}
		if (type && sub) {
			p->type = type;
			p->subtype = sub;
			p->has_content_type = true;
			ct_params(&lx, &p->params, &p->nparams);
		} else {
			free(type);
			free(sub);
		}
	}
	if (p->type == NULL) {
		p->type = xstrdup(default_message ? "message" : "text");
		p->subtype = xstrdup(default_message ? "rfc822" : "plain");
	}
	if ((f = rfc5322_header_get(&h, "Content-Transfer-Encoding")) != NULL) {
		struct ct_lexer lx = {f->value, f->value + f->value_len};

		p->encoding = ct_token(&lx);
	}
	p->id = unfolded(rfc5322_header_get(&h, "Content-ID"));
	p->description =
	    unfolded(rfc5322_header_get(&h, "Content-Description"));
	p->md5 = unfolded(rfc5322_header_get(&h, "Content-MD5"));
	p->language = unfolded(rfc5322_header_get(&h, "Content-Language"));
	p->location = unfolded(rfc5322_header_get(&h, "Content-Location"));
	if ((f = rfc5322_header_get(&h, "Content-Disposition")) != NULL) {
		struct ct_lexer lx = {f->value, f->value + f->value_len};

		if ((p->disposition = ct_token(&lx)) != NULL)
			ct_params(&lx, &p->disp_params, &p->ndisp_params);
	}
	rfc5322_header_free(&h);
}

/* count_lf - LFs in a run */
static size_t
count_lf(const char *p, size_t n)
{
	size_t c = 0;
	const char *end = p + n;

	while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		c++;
		p++;
	}
	return c;
}

/* is_delimiter - the line at p..e is "--boundary" (then white space, or
 * "--" for the close delimiter); sets *close */
static bool
is_delimiter(
    const char *p, const char *e, const char *bnd, size_t blen, bool *close)
{
	const char *q;

	if ((size_t)(e - p) < blen + 2 || p[0] != '-' || p[1] != '-'
	    || memcmp(p + 2, bnd, blen) != 0)
		return false;
	q = p + 2 + blen;
	*close = false;
	if (e - q >= 2 && q[0] == '-' && q[1] == '-') {
		*close = true;
		q += 2;
	}
	while (q < e && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
		q++;
	return q == e;
}

static void parse_part(struct mime_ctx *c, struct mime_part *p, size_t off,
    size_t end, unsigned depth, bool default_message);

/* add_child - a new zeroed child */
static struct mime_part *
add_child(struct mime_part *p, size_t *alloc)
{
	if (p->nchildren == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4;
		p->children =
		    xreallocarray(p->children, *alloc, sizeof(*p->children));
	}
	memset(&p->children[p->nchildren], 0, sizeof(*p->children));
	return &p->children[p->nchildren++];
}

/* parse_multipart - split the body at the boundary */
static void
parse_multipart(
    struct mime_ctx *c, struct mime_part *p, const char *bnd, unsigned depth)
{
	const char *d = c->data;
	size_t blen = strlen(bnd), pos = p->body_off;
	size_t end = p->body_off + p->body_len, part_start = 0, alloc = 0;
	bool in_part = false, digest = mime_is(p, "multipart", "digest");

	while (pos < end) {
		const char *nl = memchr(d + pos, '\n', end - pos);
		size_t le = nl ? (size_t)(nl - d) + 1 : end;
		bool close;

		if (is_delimiter(d + pos, d + le, bnd, blen, &close)) {
			if (in_part) {
				/* the line break before the delimiter is
				 * the delimiter's */
				size_t pe = pos;

				if (pe > part_start && d[pe - 1] == '\n')
					pe--;
				if (pe > part_start && d[pe - 1] == '\r')
					pe--;
				if (c->parts < c->lim->parts) {
					struct mime_part *ch =
					    add_child(p, &alloc);

					parse_part(c, ch, part_start, pe,
					    depth + 1, digest);
				}
			}
			if (close) {
				in_part = false;
				break;
			}
			in_part = true;
			part_start = le;
		}
		pos = le;
	}
	if (in_part && c->parts < c->lim->parts) {
		/* no close delimiter: the last part runs to the end */
		struct mime_part *ch = add_child(p, &alloc);

		parse_part(c, ch, part_start, end, depth + 1, digest);
	}
	if (p->nchildren == 0) {
		/* BODYSTRUCTURE needs at least one part (Dovecot, too,
		 * shows an empty text/plain) */
		struct mime_part *ch = add_child(p, &alloc);

		ch->hdr_off = ch->body_off = end;
		ch->type = xstrdup("text");
		ch->subtype = xstrdup("plain");
		c->parts++;
	}
}

/* parse_part - one part within [off, end) */
static void
parse_part(struct mime_ctx *c, struct mime_part *p, size_t off, size_t end,
    unsigned depth, bool default_message)
{
	const char *d = c->data;
	const char *bnd;

	c->parts++;
	p->hdr_off = off;
	p->hdr_len = rfc5322_header_len(d + off, end - off);
	p->body_off = off + p->hdr_len;
	p->body_len = end - p->body_off;
	p->body_lines = count_lf(d + p->body_off, p->body_len);
	part_header(p, d + off, p->hdr_len, default_message);
	if (depth >= c->lim->depth)
		return;
	if (strcasecmp(p->type, "multipart") == 0) {
		if ((bnd = mime_param(p, "boundary")) != NULL && *bnd)
			parse_multipart(c, p, bnd, depth);
		else {
			/* a multipart without a boundary is text */
			free(p->type);
			free(p->subtype);
			p->type = xstrdup("text");
			p->subtype = xstrdup("plain");
		}
	} else if (mime_is(p, "message", "rfc822")
	    && (p->encoding == NULL || strcasecmp(p->encoding, "7bit") == 0
	        || strcasecmp(p->encoding, "8bit") == 0
	        || strcasecmp(p->encoding, "binary") == 0)
	    && c->parts < c->lim->parts) {
		p->message = xcalloc(1, sizeof(*p->message));
		parse_part(c, p->message, p->body_off, end, depth + 1, false);
	}
}

/* mime_parse - the whole message */
struct mime_part *
mime_parse(const char *data, size_t len, const struct mime_limits *lim)
{
	struct mime_ctx c = {.data = data, .lim = lim};
	struct mime_part *p = xcalloc(1, sizeof(*p));

	parse_part(&c, p, 0, len, 0, false);
	return p;
}

/* free_params - a parameter vector */
static void
free_params(struct mime_param *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].name);
		free(v[i].value);
	}
	free(v);
}

/* part_clear - free what a part owns */
static void
part_clear(struct mime_part *p)
{
	free(p->type);
	free(p->subtype);
	free_params(p->params, p->nparams);
	free(p->id);
	free(p->description);
	free(p->encoding);
	free(p->md5);
	free(p->disposition);
	free_params(p->disp_params, p->ndisp_params);
	free(p->language);
	free(p->location);
	for (size_t i = 0; i < p->nchildren; i++)
		part_clear(&p->children[i]);
	free(p->children);
	if (p->message) {
		part_clear(p->message);
		free(p->message);
	}
}

/* mime_free - the tree */
void
mime_free(struct mime_part **pp)
{
	if (*pp == NULL)
		return;
	part_clear(*pp);
	free(*pp);
	*pp = NULL;
}

/* mime_is - type check */
bool
mime_is(const struct mime_part *p, const char *type, const char *subtype)
{
	return strcasecmp(p->type, type) == 0
	    && (subtype == NULL || strcasecmp(p->subtype, subtype) == 0);
}

/* mime_param - Content-Type parameter */
const char *
mime_param(const struct mime_part *p, const char *name)
{
	for (size_t i = 0; i < p->nparams; i++)
		if (strcasecmp(p->params[i].name, name) == 0)
			return p->params[i].value;
	return NULL;
}

/* mime_part_find - follow IMAP part numbers */
const struct mime_part *
mime_part_find(const struct mime_part *root, const unsigned *nums, size_t n)
{
	const struct mime_part *cur = root;
	bool at_message = true;

	for (size_t i = 0; i < n; i++) {
		if (cur->nchildren > 0) {
			if (nums[i] < 1 || nums[i] > cur->nchildren)
				return NULL;
			cur = &cur->children[nums[i] - 1];
		} else if (!(at_message && nums[i] == 1))
			return NULL;
		at_message = false;
		if (i + 1 < n && cur->message) {
			cur = cur->message;
			at_message = true;
		}
	}
	return cur;
}

/*
 * imapd_search.c - SEARCH (RFC 3501 6.4.4, ESEARCH of RFC 4731, MODSEQ
 * of RFC 7162, WITHIN of RFC 5032) and the search part of SORT/THREAD.
 *
 * Keys that the index answers (flags, UIDs, sizes, dates) cost nothing;
 * header keys read the message header; BODY and TEXT read the message and
 * search its text parts decoded (base64, quoted-printable, charset) into
 * UTF-8. Matching is a substring match ignoring ASCII case, as RFC 3501
 * asks. The bytes read for one command are limited by
 * imapd_search_size_limit.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/imap_cmd.h"
#include "proto/mime.h"
#include "proto/mime_decode.h"
#include "proto/rfc5322.h"

#include "mail/mdx.h"
#include "mail/params_imapd.h"

#include "imapd.h"

struct sets {
	const struct imap_search_key *k;
	bool *bits;
};

struct sctx {
	struct imapd *s;
	size_t i;
	const struct mdx_rec *rec;
	struct sets *sets;
	size_t nsets;
	uint64_t read_bytes;
	bool too_much;
	time_t now;
	struct buf *text, *tmp;
	char **owned; /* converted search strings */
	size_t nowned;
};

/* fold - ASCII lower case in place */
static void
fold(char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (char)tolower((unsigned char)p[i]);
}

/* contains - needle (folded already) in hay, ignoring ASCII case */
static bool
contains(struct sctx *c, const char *hay, size_t n, const struct imap_str *k)
{
	if (k->len == 0)
		return true;
	buf_set(c->tmp, hay, n);
	fold(buf_data(c->tmp), buf_len(c->tmp));
	return memmem(buf_cstr(c->tmp), buf_len(c->tmp), k->s, k->len) != NULL;
}

/* day_of - local day number of a time */
static int64_t
day_of(time_t t, int tz_minutes)
{
	int64_t x = (int64_t)t + (int64_t)tz_minutes * 60;

	return x >= 0 ? x / 86400 : -((-x + 86399) / 86400);
}

/* local_tz - the server's offset at t, minutes east */
static int
local_tz(time_t t)
{
	struct tm tm;

	localtime_r(&t, &tm);
	return (int)(tm.tm_gmtoff / 60);
}

/* load - the message (header only unless full), counting what we read */
static bool
load(struct sctx *c, bool full)
{
	if (imapd_mbox_load(c->s, c->i, full) < 0)
		return false;
	if (full) {
		c->read_bytes += buf_len(c->s->sel->cache);
		if (var_imapd_search_size_limit
		    && c->read_bytes > (uint64_t)var_imapd_search_size_limit)
			c->too_much = true;
	}
	return true;
}

/* header_match - any field called name contains the text */
static bool
header_match(struct sctx *c, const char *name, const struct imap_str *k)
{
	struct rfc5322_header h = {0};
	const char *d;
	bool hit = false;

	if (!load(c, false))
		return false;
	d = buf_cstr(c->s->sel->cache);
	rfc5322_header_parse(d, buf_len(c->s->sel->cache), 10000, &h);
	for (size_t i = 0; i < h.n && !hit; i++) {
		if (!rfc5322_field_is(&h.v[i], name))
			continue;
		buf_reset(c->tmp);
		rfc5322_unfold(h.v[i].value, h.v[i].value_len, true, c->tmp);
		buf_reset(c->text);
		mime_words_decode(buf_cstr(c->tmp), buf_len(c->tmp), c->text);
		hit = contains(c, buf_cstr(c->text), buf_len(c->text), k);
	}
	rfc5322_header_free(&h);
	return hit;
}

/* part_text - the decoded text of the text parts under p (appended) */
static void
part_text(struct sctx *c, const struct mime_part *p, bool with_header)
{
	const char *d = buf_cstr(c->s->sel->cache);

	if (with_header) {
		buf_reset(c->tmp);
		rfc5322_unfold(d + p->hdr_off, p->hdr_len, false, c->tmp);
		mime_words_decode(buf_cstr(c->tmp), buf_len(c->tmp), c->text);
		buf_catc(c->text, '\n');
	}
	if (p->nchildren) {
		for (size_t i = 0; i < p->nchildren; i++)
			part_text(c, &p->children[i], false);
		return;
	}
	if (p->message) {
		part_text(c, p->message, true);
		return;
	}
	if (strcasecmp(p->type, "text") != 0)
		return;
	{
		struct buf *raw = buf_new(p->body_len + 1);
		const char *cs = mime_param(p, "charset");

		if (p->encoding && strcasecmp(p->encoding, "base64") == 0)
			mime_base64_decode(d + p->body_off, p->body_len, raw);
		else if (p->encoding
		    && strcasecmp(p->encoding, "quoted-printable") == 0)
			mime_qp_decode(
			    d + p->body_off, p->body_len, false, raw);
		else
			buf_cat(raw, d + p->body_off, p->body_len);
		(void)mime_charset_to_utf8(
		    cs ? cs : "us-ascii", buf_cstr(raw), buf_len(raw), c->text);
		buf_catc(c->text, '\n');
		buf_free(&raw);
	}
}

/* body_match - BODY (header false) or TEXT (header true) */
static bool
body_match(struct sctx *c, const struct imap_str *k, bool header)
{
	const struct mime_part *root;

	if (!load(c, true))
		return false;
	root = imapd_mbox_mime(c->s);
	buf_reset(c->text);
	part_text(c, root, header);
	return contains(c, buf_cstr(c->text), buf_len(c->text), k);
}

/* sent_day - the local day of the Date: field, or -1 */
static bool
sent_day(struct sctx *c, int64_t *day)
{
	struct rfc5322_header h = {0};
	const struct rfc5322_field *f;
	time_t t;
	int tz;
	bool ok = false;

	if (!load(c, false))
		return false;
	rfc5322_header_parse(
	    buf_cstr(c->s->sel->cache), buf_len(c->s->sel->cache), 10000, &h);
	if ((f = rfc5322_header_get(&h, "Date")) != NULL
	    && rfc5322_date_parse(f->value, f->value_len, &t, &tz) == 0) {
		*day = day_of(t, tz);
		ok = true;
	}
	rfc5322_header_free(&h);
	return ok;
}

/* set_bits - the positions a SEQ or UID key selects */
static const bool *
set_bits(struct sctx *c, const struct imap_search_key *k)
{
	for (size_t i = 0; i < c->nsets; i++)
		if (c->sets[i].k == k)
			return c->sets[i].bits;
	return NULL;
}

/* eval - one key for message c->i */
static bool
eval(struct sctx *c, const struct imap_search_key *k)
{
	struct imapd_msg *m = &c->s->sel->v[c->i];
	int64_t day;

	switch (k->type) {
	case IMAP_SK_ALL:
		return true;
	case IMAP_SK_AND:
		for (size_t i = 0; i < k->nsub; i++)
			if (!eval(c, &k->sub[i]))
				return false;
		return true;
	case IMAP_SK_OR:
		return eval(c, &k->sub[0]) || eval(c, &k->sub[1]);
	case IMAP_SK_NOT:
		return !eval(c, &k->sub[0]);
	case IMAP_SK_SEQ:
	case IMAP_SK_UID: {
		const bool *b = set_bits(c, k);

		return b && b[c->i];
	}
	case IMAP_SK_FLAG: {
		uint32_t f = 0, kw = 0;

		if (strcasecmp(k->str.s, "\\Recent") == 0)
			return m->recent;
		if (imapd_mbox_flag_parse(c->s, k->str.s, false, &f, &kw) < 0)
			return false;
		return (f && (m->flags & f) == f) || (kw && (m->keywords & kw));
	}
	case IMAP_SK_HEADER:
		return header_match(c, k->field, &k->str);
	case IMAP_SK_BODY:
		return body_match(c, &k->str, false);
	case IMAP_SK_TEXT:
		return body_match(c, &k->str, true);
	case IMAP_SK_BEFORE:
	case IMAP_SK_ON:
	case IMAP_SK_SINCE:
		day = day_of((time_t)c->rec->internaldate,
		    local_tz((time_t)c->rec->internaldate));
		return k->type == IMAP_SK_BEFORE ? day < k->num
		    : k->type == IMAP_SK_ON      ? day == k->num
		                                 : day >= k->num;
	case IMAP_SK_SENTBEFORE:
	case IMAP_SK_SENTON:
	case IMAP_SK_SENTSINCE:
		if (!sent_day(c, &day))
			return false;
		return k->type == IMAP_SK_SENTBEFORE ? day < k->num
		    : k->type == IMAP_SK_SENTON      ? day == k->num
		                                     : day >= k->num;
	case IMAP_SK_LARGER:
		return c->rec->vsize > (uint64_t)k->num;
	case IMAP_SK_SMALLER:
		return c->rec->vsize < (uint64_t)k->num;
	case IMAP_SK_MODSEQ:
		return m->modseq >= (uint64_t)k->num;
	case IMAP_SK_OLDER:
		return c->now - c->rec->internaldate >= k->num;
	case IMAP_SK_YOUNGER:
		return c->now - c->rec->internaldate <= k->num;
	}
	return false;
}

/* prepare - sets into bitmaps, strings into folded UTF-8; false (with a
 * tagged reply sent) on a bad charset */
static bool
prepare(struct sctx *c, struct imap_search_key *k, const char *charset,
    bool *uses_modseq)
{
	struct imapd *s = c->s;

	switch (k->type) {
	case IMAP_SK_AND:
	case IMAP_SK_OR:
	case IMAP_SK_NOT:
		for (size_t i = 0; i < k->nsub; i++)
			if (!prepare(c, &k->sub[i], charset, uses_modseq))
				return false;
		return true;
	case IMAP_SK_SEQ:
	case IMAP_SK_UID: {
		size_t *pos = NULL, n = 0;
		bool *bits = xcalloc(s->sel->n + 1, sizeof(*bits));

		if (imapd_mbox_resolve(
		        s, &k->set, k->type == IMAP_SK_UID, &pos, &n)
		    == 0)
			for (size_t i = 0; i < n; i++)
				bits[pos[i]] = true;
		free(pos);
		c->sets =
		    xreallocarray(c->sets, c->nsets + 1, sizeof(*c->sets));
		c->sets[c->nsets].k = k;
		c->sets[c->nsets].bits = bits;
		c->nsets++;
		return true;
	}
	case IMAP_SK_MODSEQ:
		*uses_modseq = true;
		return true;
	case IMAP_SK_HEADER:
	case IMAP_SK_BODY:
	case IMAP_SK_TEXT:
		if (charset && strcasecmp(charset, "UTF-8") != 0
		    && strcasecmp(charset, "US-ASCII") != 0) {
			struct buf *u = buf_new(k->str.len + 16);

			if (mime_charset_to_utf8(
			        charset, k->str.s, k->str.len, u)
			    < 0) {
				buf_free(&u);
				imapd_tagged(s, "NO",
				    "[BADCHARSET (UTF-8 US-ASCII)] Unknown "
				    "charset");
				return false;
			}
			/* the converted text replaces the key's (the
			 * command's arena still frees the original) */
			k->str.len = buf_len(u);
			k->str.s = buf_steal(u);
			c->owned = xreallocarray(
			    c->owned, c->nowned + 1, sizeof(*c->owned));
			c->owned[c->nowned++] = k->str.s;
			buf_free(&u);
		}
		fold(k->str.s, k->str.len);
		return true;
	default:
		return true;
	}
}

/* imapd_search_run - positions that match the command's keys */
int
imapd_search_run(
    struct imapd *s, size_t **out, size_t *n_out, uint64_t *max_modseq)
{
	struct sctx c = {.s = s, .now = time(NULL)};
	struct imap_search *q = &s->cmd.search;
	size_t *v = xcalloc(s->sel->n + 1, sizeof(*v)), n = 0;
	bool uses_modseq = false;
	int ret = -1;

	c.text = buf_new(4096);
	c.tmp = buf_new(4096);
	if (q->charset && strcasecmp(q->charset, "UTF-8") != 0
	    && strcasecmp(q->charset, "US-ASCII") != 0
	    && mime_charset_to_utf8(q->charset, "", 0, c.tmp) < 0) {
		imapd_tagged(s, "NO",
		    "[BADCHARSET (UTF-8 US-ASCII)] Unknown "
		    "charset");
		goto out;
	}
	if (!prepare(&c, &q->key, q->charset, &uses_modseq))
		goto out;
	if (uses_modseq)
		s->condstore = true;
	*max_modseq = 0;
	for (size_t i = 0; i < s->sel->n; i++) {
		if (s->sel->v[i].gone)
			continue;
		c.i = i;
		if ((c.rec = mdx_lookup(s->sel->x, s->sel->v[i].uid, NULL))
		    == NULL)
			continue;
		if (!eval(&c, &q->key))
			continue;
		v[n++] = i;
		if (uses_modseq && s->sel->v[i].modseq > *max_modseq)
			*max_modseq = s->sel->v[i].modseq;
		if (c.too_much)
			break;
	}
	if (c.too_much) {
		imapd_tagged(s, "NO",
		    "[LIMIT] Search reads too much "
		    "(imapd_search_size_limit)");
		goto out;
	}
	if (!uses_modseq)
		*max_modseq = 0;
	*out = v;
	*n_out = n;
	v = NULL;
	ret = 0;
out:
	for (size_t i = 0; i < c.nsets; i++)
		free(c.sets[i].bits);
	free(c.sets);
	for (size_t i = 0; i < c.nowned; i++)
		free(c.owned[i]);
	free(c.owned);
	free(v);
	buf_free(&c.text);
	buf_free(&c.tmp);
	return ret;
}

/* imapd_cmd_search - SEARCH, UID SEARCH, ESEARCH forms */
void
imapd_cmd_search(struct imapd *s)
{
	struct imap_search *q = &s->cmd.search;
	size_t *pos = NULL, n = 0;
	uint32_t *nums = NULL;
	uint64_t maxms = 0;
	unsigned ret = q->ret & ~(unsigned)IMAP_SEARCH_RET_SAVE;

	if (imapd_search_run(s, &pos, &n, &maxms) < 0)
		return;
	nums = xcalloc(n + 1, sizeof(*nums));
	for (size_t i = 0; i < n; i++)
		nums[i] =
		    s->cmd.uid ? s->sel->v[pos[i]].uid : (uint32_t)pos[i] + 1;
	if (q->ret & IMAP_SEARCH_RET_SAVE) {
		/* RFC 5182: with MIN or MAX, only those are saved */
		bool mm = ret & (IMAP_SEARCH_RET_MIN | IMAP_SEARCH_RET_MAX);

		xfree(s->saved);
		s->saved = xcalloc(n + 1, sizeof(*s->saved));
		s->nsaved = 0;
		for (size_t i = 0; i < n; i++)
			if (!mm || (i == 0 && (ret & IMAP_SEARCH_RET_MIN))
			    || (i == n - 1 && (ret & IMAP_SEARCH_RET_MAX)))
				s->saved[s->nsaved++] = s->sel->v[pos[i]].uid;
	}
	buf_reset(s->r);
	if (q->ret == IMAP_SEARCH_RET_SAVE) {
		/* SAVE alone: no result is sent */
	} else if (q->has_return || s->rev2) {
		/* ESEARCH (RFC 4731); IMAP4rev2 always answers this way */
		if (ret == 0)
			ret = IMAP_SEARCH_RET_ALL;
		buf_printf(s->r, "* ESEARCH (TAG \"%s\")%s", s->cmd.tag,
		    s->cmd.uid ? " UID" : "");
		if ((ret & IMAP_SEARCH_RET_MIN) && n)
			buf_printf(s->r, " MIN %u", nums[0]);
		if ((ret & IMAP_SEARCH_RET_MAX) && n)
			buf_printf(s->r, " MAX %u", nums[n - 1]);
		if (ret & IMAP_SEARCH_RET_COUNT)
			buf_printf(s->r, " COUNT %zu", n);
		if ((ret & IMAP_SEARCH_RET_ALL) && n) {
			buf_cats(s->r, " ALL ");
			imapd_set_out(s->r, nums, n);
		}
		if (maxms && n)
			buf_printf(
			    s->r, " MODSEQ %llu", (unsigned long long)maxms);
	} else {
		buf_cats(s->r, "* SEARCH");
		for (size_t i = 0; i < n; i++)
			buf_printf(s->r, " %u", nums[i]);
		if (maxms && n)
			buf_printf(
			    s->r, " (MODSEQ %llu)", (unsigned long long)maxms);
	}
	if (buf_len(s->r)) {
		buf_cats(s->r, "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	imapd_tagged(s, "OK", "Search completed");
	free(pos);
	free(nums);
}

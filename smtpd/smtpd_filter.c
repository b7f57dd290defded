/*
 * smtpd_filter.c - content filters on the message being received:
 *   header_checks   maps (pcre: as a rule) applied to each logical
 *                   header of the message, unfolded
 *   body_checks     the same for each body line (body_checks_enable)
 *   attachment_name_filters
 *                   wildcard patterns ("*.exe *.scr") matched, without
 *                   case, against the file name of every MIME part
 *                   (Content-Type name=, Content-Disposition filename=,
 *                   RFC 2231 and RFC 2047 forms decoded)
 * A map result is an action with optional text: REJECT, DISCARD, HOLD,
 * WARN (Postfix's header_checks actions); OK, DUNNO and IGNORE do
 * nothing. The strongest action over the whole message wins (REJECT >
 * DISCARD > HOLD > WARN) and is applied when the data ends, after the
 * client has sent everything.
 *
 * The MIME walk follows multipart boundaries to mime_nesting_limit; a
 * part's headers are read until the empty line, so a file name in a
 * folded or continued parameter is still seen.
 */
#include "util/sys_defs.h"

#include <fnmatch.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/mime_param.h"

#include "mail/map.h"
#include "mail/params_smtpd.h"

#include "smtpd.h"

static struct maplist *flt_header;
static struct maplist *flt_body;
static struct strv flt_names;

struct smtpd_filter {
	enum smtpd_filter_action action;
	struct buf *reply;    /* the reply of a REJECT, or its text */
	struct strv bounds;   /* multipart boundaries, outermost first */
	bool in_part_header;  /* reading a MIME part's headers */
	struct buf *part_hdr; /* the current part header, unfolded */
	struct buf *pending;  /* boundary of the part whose headers we read */
	struct buf *val;      /* scratch */
	struct buf *why;      /* scratch */
};

/* smtpd_filter_init - open the maps, read the name patterns */
void
smtpd_filter_init(void)
{
	struct buf *why = buf_new(128);

	if (!str_is_blank(var_header_checks)
	    && (flt_header = maplist_open(var_header_checks, MAP_NO_FOLD, why))
	        == NULL)
		log_fatal("header_checks: %s", buf_cstr(why));
	if (var_body_checks_enable && !str_is_blank(var_body_checks)
	    && (flt_body = maplist_open(var_body_checks, MAP_NO_FOLD, why))
	        == NULL)
		log_fatal("body_checks: %s", buf_cstr(why));
	strv_init(&flt_names);
	strv_split(&flt_names, var_attachment_name_filters, " \t,");
	buf_free(&why);
}

/* smtpd_filter_new - per message */
struct smtpd_filter *
smtpd_filter_new(void)
{
	struct smtpd_filter *f = xcalloc(1, sizeof(*f));

	f->reply = buf_new(64);
	strv_init(&f->bounds);
	f->part_hdr = buf_new_capped(256, (size_t)var_header_size_limit);
	f->pending = buf_new(64);
	f->val = buf_new(64);
	f->why = buf_new(64);
	return f;
}

/* smtpd_filter_free - free, *fp = NULL */
void
smtpd_filter_free(struct smtpd_filter **fp)
{
	struct smtpd_filter *f = *fp;

	if (f == NULL)
		return;
	buf_free(&f->reply);
	strv_free(&f->bounds);
	buf_free(&f->part_hdr);
	buf_free(&f->pending);
	buf_free(&f->val);
	buf_free(&f->why);
	free(f);
	*fp = NULL;
}

/* flt_set - raise the action; keep the first reply of the strongest */
static void
flt_set(struct smtpd_filter *f, enum smtpd_filter_action a, const char *text)
{
	if (a <= f->action)
		return;
	f->action = a;
	buf_reset(f->reply);
	if (a != SMTPD_FILTER_REJECT) {
		buf_cats(f->reply, text ? text : "");
	} else if (text == NULL || *text == 0) {
		buf_cats(f->reply, var_smtpd_filter_reply);
	} else if (text[0] >= '4' && text[0] <= '5' && text[1] >= '0'
	    && text[1] <= '9' && text[2] >= '0' && text[2] <= '9'
	    && text[3] == ' ') {
		/* A complete reply; a 4xx is a temporary refusal. */
		buf_cats(f->reply, text);
	} else {
		buf_printf(f->reply, "550 5.7.1 %s", text);
	}
}

/* flt_apply - a map result */
static void
flt_apply(struct smtpd_filter *f, const char *qid, const char *what,
    const char *subject, const char *value)
{
	static const struct {
		const char *name, *log;
		enum smtpd_filter_action action;
	} actions[] = {{"REJECT", "reject", SMTPD_FILTER_REJECT},
	    {"DISCARD", "discard", SMTPD_FILTER_DISCARD},
	    {"HOLD", "hold", SMTPD_FILTER_HOLD},
	    {"WARN", "warning", SMTPD_FILTER_WARN},
	    {"OK", NULL, SMTPD_FILTER_NONE}, {"DUNNO", NULL, SMTPD_FILTER_NONE},
	    {"IGNORE", NULL, SMTPD_FILTER_NONE}};
	size_t n = strcspn(value, " \t");
	const char *text = value + n;

	while (*text == ' ' || *text == '\t')
		text++;
	for (size_t i = 0; i < NELEM(actions); i++) {
		if (strlen(actions[i].name) == n
		    && strncasecmp(value, actions[i].name, n) == 0) {
			if (actions[i].action == SMTPD_FILTER_NONE)
				return;
			log_info("%s: %s: %s %.200s: %s", qid, actions[i].log,
			    what, subject, *text ? text : "(no text)");
			flt_set(f, actions[i].action, text);
			return;
		}
	}
	log_warn("%s: %s: unknown action \"%.*s\": ignored", qid, what, (int)n,
	    value);
}

/* flt_lookup - run a map list on a subject */
static void
flt_lookup(struct smtpd_filter *f, struct maplist *l, const char *qid,
    const char *what, const char *s, size_t len)
{
	struct buf *key = f->val;
	struct buf *out = buf_new(64);
	int r;

	buf_set(key, s, len);
	if (memchr(buf_cstr(key), 0, len) != NULL) {
		/* A NUL would hide the rest from the patterns. */
		for (size_t i = 0; i < len; i++)
			if (buf_data(key)[i] == 0)
				buf_data(key)[i] = ' ';
	}
	buf_reset(f->why);
	r = maplist_get(l, buf_cstr(key), out, f->why);
	if (r < 0)
		log_warn(
		    "%s: %s lookup failed: %s", qid, what, buf_cstr(f->why));
	else if (r == 1)
		flt_apply(f, qid, what, buf_cstr(key), buf_cstr(out));
	buf_free(&out);
}

/* flt_check_name - a file name against attachment_name_filters */
static void
flt_check_name(struct smtpd_filter *f, const char *qid, struct buf *name)
{
	char *s = buf_data(name);
	size_t n = buf_len(name);

	/* "evil.exe." and "evil.exe " open as evil.exe on Windows. */
	while (
	    n > 0 && (s[n - 1] == '.' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	buf_truncate(name, n);
	for (size_t i = 0; i < flt_names.n; i++) {
		if (fnmatch(flt_names.v[i], buf_cstr(name), FNM_CASEFOLD)
		    == 0) {
			log_info("%s: reject: attachment name %.200s matches "
			         "%s",
			    qid, buf_cstr(name), flt_names.v[i]);
			flt_set(f, SMTPD_FILTER_REJECT, NULL);
			return;
		}
	}
}

/* flt_mime_header - a MIME header (top level or part): names and
 * boundaries */
static void
flt_mime_header(struct smtpd_filter *f, const char *qid, const char *hdr,
    size_t len, bool is_part)
{
	const char *colon = memchr(hdr, ':', len);
	size_t nlen, vlen;
	const char *v;
	struct buf *out;

	if (colon == NULL)
		return;
	nlen = (size_t)(colon - hdr);
	v = colon + 1;
	vlen = len - nlen - 1;
	out = buf_new(64);
	if (nlen == 12 && strncasecmp(hdr, "content-type", 12) == 0) {
		if (mime_type_is(v, vlen, "multipart/")
		    && mime_param_get(v, vlen, "boundary", out) == 1
		    && buf_len(out) > 0
		    && buf_len(out) <= (size_t)var_mime_boundary_limit) {
			if (is_part)
				buf_sets(f->pending, buf_cstr(out));
			else if (f->bounds.n == 0)
				strv_push(&f->bounds, buf_cstr(out));
		}
		if (flt_names.n > 0
		    && mime_param_get(v, vlen, "name", out) == 1)
			flt_check_name(f, qid, out);
	} else if (nlen == 19
	    && strncasecmp(hdr, "content-disposition", 19) == 0) {
		if (flt_names.n > 0
		    && mime_param_get(v, vlen, "filename", out) == 1)
			flt_check_name(f, qid, out);
	}
	buf_free(&out);
}

/* smtpd_filter_header - a top-level header */
void
smtpd_filter_header(
    struct smtpd_filter *f, const char *qid, const char *hdr, size_t len)
{
	if (f == NULL)
		return;
	if (flt_header)
		flt_lookup(f, flt_header, qid, "header", hdr, len);
	flt_mime_header(f, qid, hdr, len, false);
}

/* flt_part_header_done - one part header is complete */
static void
flt_part_header_done(struct smtpd_filter *f, const char *qid)
{
	if (buf_len(f->part_hdr) == 0)
		return;
	flt_mime_header(
	    f, qid, buf_cstr(f->part_hdr), buf_len(f->part_hdr), true);
	buf_reset(f->part_hdr);
}

/* flt_boundary - which boundary the line is: level, or -1; *closing
 * for "--b--" */
static long
flt_boundary(
    struct smtpd_filter *f, const char *line, size_t len, bool *closing)
{
	if (len < 3 || line[0] != '-' || line[1] != '-')
		return -1;
	/* Trailing white space is allowed after a boundary (RFC 2046). */
	while (len > 2 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	for (size_t i = f->bounds.n; i-- > 0;) {
		const char *b = f->bounds.v[i];
		size_t bl = strlen(b);

		if (len == bl + 2 && memcmp(line + 2, b, bl) == 0) {
			*closing = false;
			return (long)i;
		}
		if (len == bl + 4 && memcmp(line + 2, b, bl) == 0
		    && line[bl + 2] == '-' && line[bl + 3] == '-') {
			*closing = true;
			return (long)i;
		}
	}
	return -1;
}

/* smtpd_filter_body - a body line */
void
smtpd_filter_body(
    struct smtpd_filter *f, const char *qid, const char *line, size_t len)
{
	bool closing = false;
	long level;

	if (f == NULL)
		return;
	if (flt_body)
		flt_lookup(f, flt_body, qid, "body", line, len);
	if (flt_names.n == 0 && flt_header == NULL)
		return;
	if (f->in_part_header) {
		if (len == 0) {
			flt_part_header_done(f, qid);
			f->in_part_header = false;
			if (buf_len(f->pending)
			    && f->bounds.n < (size_t)var_mime_nesting_limit)
				strv_push(&f->bounds, buf_cstr(f->pending));
			buf_reset(f->pending);
			return;
		}
		if (line[0] == ' ' || line[0] == '\t') {
			(void)buf_cat(f->part_hdr, line, len);
			return;
		}
		flt_part_header_done(f, qid);
		(void)buf_cat(f->part_hdr, line, len);
		return;
	}
	if (f->bounds.n == 0
	    || (level = flt_boundary(f, line, len, &closing)) < 0)
		return;
	/* Leave every part nested below this boundary. */
	while (f->bounds.n > (size_t)level + 1) {
		free(f->bounds.v[--f->bounds.n]);
		f->bounds.v[f->bounds.n] = NULL;
	}
	if (closing) {
		free(f->bounds.v[--f->bounds.n]);
		f->bounds.v[f->bounds.n] = NULL;
		return;
	}
	f->in_part_header = true;
	buf_reset(f->part_hdr);
	buf_reset(f->pending);
}

/* smtpd_filter_result - the verdict */
enum smtpd_filter_action
smtpd_filter_result(const struct smtpd_filter *f, const char **reply_out)
{
	*reply_out = f ? buf_cstr(f->reply) : NULL;
	return f ? f->action : SMTPD_FILTER_NONE;
}

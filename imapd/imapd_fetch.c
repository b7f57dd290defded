/*
 * imapd_fetch.c - FETCH and STORE (RFC 3501 6.4.5, 6.4.6, CONDSTORE of
 * RFC 7162).
 *
 * Messages are served from the CRLF copy imapd_mbox_load() makes, so
 * every offset and size in a reply (sections, partial fetches, literal
 * lengths, BODYSTRUCTURE octets) is what the client receives. Reading
 * stops at the header when nothing but the header is asked for.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_cmd.h"
#include "proto/imap_fmt.h"
#include "proto/mime.h"
#include "proto/mime_decode.h"
#include "proto/rfc5322.h"

#include "mail/maildir.h"
#include "mail/mdx.h"

#include "imapd.h"

/* needs_full - does the attribute need more than the header? */
static bool
needs_full(const struct imap_fetch_att *a)
{
	switch (a->item) {
	case IMAP_FETCH_BODY:
	case IMAP_FETCH_BODYSTRUCTURE:
	case IMAP_FETCH_RFC822:
	case IMAP_FETCH_RFC822_TEXT:
	case IMAP_FETCH_BINARY:
	case IMAP_FETCH_BINARY_SIZE:
		return true;
	case IMAP_FETCH_SECTION:
		return a->nparts > 0 || a->spec == IMAP_SEC_ALL
		    || a->spec == IMAP_SEC_TEXT;
	default:
		return false;
	}
}

/* sets_seen - a body fetch without .PEEK */
static bool
sets_seen(const struct imap_fetch_att *a)
{
	return ((a->item == IMAP_FETCH_SECTION || a->item == IMAP_FETCH_BINARY)
	           && !a->peek)
	    || a->item == IMAP_FETCH_RFC822
	    || a->item == IMAP_FETCH_RFC822_TEXT;
}

/* field_listed - is the field named in the list? */
static bool
field_listed(const struct rfc5322_field *f, char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rfc5322_field_is(f, names[i]))
			return true;
	return false;
}

/* header_fields - HEADER.FIELDS (.NOT): the fields, then an empty line */
static void
header_fields(const char *hdr, size_t len, const struct imap_fetch_att *a,
    struct buf *out)
{
	struct rfc5322_header h = {0};
	bool not = a->spec == IMAP_SEC_HEADER_FIELDS_NOT;

	rfc5322_header_parse(hdr, len, 10000, &h);
	for (size_t i = 0; i < h.n; i++)
		if (field_listed(&h.v[i], a->fields, a->nfields) != not ) {
			buf_cat(out, h.v[i].raw, h.v[i].raw_len);
			/* a field at the very end may lack its line end */
			if (h.v[i].raw_len == 0
			    || h.v[i].raw[h.v[i].raw_len - 1] != '\n')
				buf_cats(out, "\r\n");
		}
	buf_cats(out, "\r\n");
	rfc5322_header_free(&h);
}

/* section_text - the bytes of a section into out */
static void
section_text(struct imapd *s, const struct imap_fetch_att *a, struct buf *out)
{
	const char *d = buf_cstr(s->sel->cache);
	size_t len = buf_len(s->sel->cache), hlen;
	const struct mime_part *p = NULL, *msg;

	if (a->nparts == 0 && !needs_full(a)) {
		/* header sections of the message itself */
		hlen = rfc5322_header_len(d, len);
		if (a->spec == IMAP_SEC_HEADER)
			buf_cat(out, d, hlen);
		else
			header_fields(d, hlen, a, out);
		return;
	}
	if (a->nparts == 0) {
		msg = imapd_mbox_mime(s);
	} else {
		p = mime_part_find(imapd_mbox_mime(s), a->parts, a->nparts);
		if (p == NULL)
			return;
		if (a->spec == IMAP_SEC_ALL) {
			buf_cat(out, d + p->body_off, p->body_len);
			return;
		}
		if (a->spec == IMAP_SEC_MIME) {
			buf_cat(out, d + p->hdr_off, p->hdr_len);
			return;
		}
		if ((msg = p->message) == NULL)
			return; /* HEADER and TEXT need a message/rfc822 */
	}
	switch (a->spec) {
	case IMAP_SEC_ALL:
		buf_cat(out, d, len);
		break;
	case IMAP_SEC_HEADER:
		buf_cat(out, d + msg->hdr_off, msg->hdr_len);
		break;
	case IMAP_SEC_HEADER_FIELDS:
	case IMAP_SEC_HEADER_FIELDS_NOT:
		header_fields(d + msg->hdr_off, msg->hdr_len, a, out);
		break;
	case IMAP_SEC_TEXT:
		buf_cat(out, d + msg->body_off, msg->body_len);
		break;
	case IMAP_SEC_MIME:
		break;
	}
}

/* binary_text - BINARY[part]: the part decoded from its transfer
 * encoding (RFC 3516); -2 for an encoding we do not know */
static int
binary_text(struct imapd *s, const struct imap_fetch_att *a, struct buf *out)
{
	const char *d = buf_cstr(s->sel->cache);
	const struct mime_part *p;
	const char *cte;

	if (a->nparts == 0) {
		buf_cat(out, d, buf_len(s->sel->cache));
		return 0;
	}
	if ((p = mime_part_find(imapd_mbox_mime(s), a->parts, a->nparts))
	    == NULL)
		return 0;
	cte = p->encoding;
	if (p->nchildren || cte == NULL || strcasecmp(cte, "7bit") == 0
	    || strcasecmp(cte, "8bit") == 0 || strcasecmp(cte, "binary") == 0)
		buf_cat(out, d + p->body_off, p->body_len);
	else if (strcasecmp(cte, "base64") == 0)
		mime_base64_decode(d + p->body_off, p->body_len, out);
	else if (strcasecmp(cte, "quoted-printable") == 0)
		mime_qp_decode(d + p->body_off, p->body_len, false, out);
	else
		return -2;
	return 0;
}

/* literal_out - data as a literal, cut to the partial range */
static void
literal_out(
    struct buf *r, const struct imap_fetch_att *a, const char *p, size_t n)
{
	if (a->has_partial) {
		size_t off = a->partial_off < n ? a->partial_off : n;
		size_t len = MIN((size_t)a->partial_len, n - off);

		buf_printf(r, "<%u> %s{%zu}\r\n", a->partial_off,
		    memchr(p + off, 0, len) ? "~" : "", len);
		buf_cat(r, p + off, len);
		return;
	}
	/* NUL can only travel in a literal8 (BINARY, RFC 3516) */
	buf_printf(r, " %s{%zu}\r\n", memchr(p, 0, n) ? "~" : "", n);
	buf_cat(r, p, n);
}

/* fetch_att - one attribute of message i into the response */
static int
fetch_att(struct imapd *s, size_t i, const struct imap_fetch_att *a,
    const struct mdx_rec *rec, struct buf *tmp)
{
	struct imapd_msg *m = &s->sel->v[i];
	struct buf *r = s->r;
	const char *d;
	size_t len;

	switch (a->item) {
	case IMAP_FETCH_UID:
		buf_printf(r, "UID %u", m->uid);
		return 0;
	case IMAP_FETCH_FLAGS:
		buf_cats(r, "FLAGS (");
		imapd_mbox_flags_out(s, m, r);
		buf_catc(r, ')');
		return 0;
	case IMAP_FETCH_MODSEQ:
		buf_printf(r, "MODSEQ (%llu)", (unsigned long long)m->modseq);
		return 0;
	case IMAP_FETCH_INTERNALDATE: {
		time_t t = (time_t)rec->internaldate;
		struct tm tm;

		localtime_r(&t, &tm);
		buf_cats(r, "INTERNALDATE ");
		imap_fmt_datetime(r, t, (int)(tm.tm_gmtoff / 60));
		return 0;
	}
	case IMAP_FETCH_RFC822_SIZE:
		buf_printf(
		    r, "RFC822.SIZE %llu", (unsigned long long)rec->vsize);
		return 0;
	default:
		break;
	}
	if (imapd_mbox_load(s, i, needs_full(a)) < 0)
		return -1;
	d = buf_cstr(s->sel->cache);
	len = buf_len(s->sel->cache);
	switch (a->item) {
	case IMAP_FETCH_ENVELOPE:
		buf_cats(r, "ENVELOPE ");
		imap_fmt_envelope(r, d, rfc5322_header_len(d, len), s->utf8);
		break;
	case IMAP_FETCH_BODY:
	case IMAP_FETCH_BODYSTRUCTURE:
		buf_cats(
		    r, a->item == IMAP_FETCH_BODY ? "BODY " : "BODYSTRUCTURE ");
		imap_fmt_bodystructure(r, d, imapd_mbox_mime(s),
		    a->item == IMAP_FETCH_BODYSTRUCTURE, s->utf8);
		break;
	case IMAP_FETCH_RFC822:
		buf_cats(r, "RFC822");
		literal_out(r, a, d, len);
		break;
	case IMAP_FETCH_RFC822_HEADER:
		buf_cats(r, "RFC822.HEADER");
		literal_out(r, a, d, rfc5322_header_len(d, len));
		break;
	case IMAP_FETCH_RFC822_TEXT: {
		size_t h = rfc5322_header_len(d, len);

		buf_cats(r, "RFC822.TEXT");
		literal_out(r, a, d + h, len - h);
		break;
	}
	case IMAP_FETCH_SECTION:
		buf_reset(tmp);
		section_text(s, a, tmp);
		buf_printf(r, "BODY[%s]", a->section);
		literal_out(r, a, buf_cstr(tmp), buf_len(tmp));
		break;
	case IMAP_FETCH_BINARY:
	case IMAP_FETCH_BINARY_SIZE:
		buf_reset(tmp);
		if (binary_text(s, a, tmp) < 0)
			return -2;
		if (a->item == IMAP_FETCH_BINARY_SIZE) {
			buf_printf(
			    r, "BINARY.SIZE[%s] %zu", a->section, buf_len(tmp));
			break;
		}
		buf_printf(r, "BINARY[%s]", a->section);
		literal_out(r, a, buf_cstr(tmp), buf_len(tmp));
		break;
	default:
		break;
	}
	return 0;
}

/* vanished_in_set - QRESYNC's UID FETCH (VANISHED) */
static void
vanished_in_set(struct imapd *s)
{
	const struct imap_fetch *f = &s->cmd.fetch;
	uint32_t *v, *o;
	size_t n, no = 0;

	(void)mdx_vanished(s->sel->x, f->changedsince, &v, &n);
	o = xcalloc(n + 1, sizeof(*o));
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < s->cmd.seq.n; k++)
			if (v[i] >= s->cmd.seq.v[k].lo
			    && (v[i] <= s->cmd.seq.v[k].hi
			        || s->cmd.seq.v[k].hi == IMAP_SEQ_STAR)
			    && (no == 0 || o[no - 1] != v[i])) {
				o[no++] = v[i];
				break;
			}
	if (no) {
		buf_reset(s->r);
		buf_cats(s->r, "* VANISHED (EARLIER) ");
		imapd_set_out(s->r, o, no);
		buf_cats(s->r, "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	free(v);
	free(o);
}

/* imapd_cmd_fetch - FETCH and UID FETCH */
void
imapd_cmd_fetch(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;
	const struct imap_fetch *f = &c->fetch;
	struct imapd_mbox *mb = s->sel;
	struct buf *tmp = buf_new(4096);
	size_t *pos = NULL, npos = 0;
	bool want_seen = false, has_uid = false, has_flags = false;
	bool has_modseq = false, issued = false, unknown_cte = false;
	bool pseen_dirty = false;

	if (imapd_mbox_resolve(s, &c->seq, c->uid, &pos, &npos) < 0) {
		imapd_tagged(s, "BAD", "Invalid message sequence number");
		goto out;
	}
	if (f->vanished && (!c->uid || !f->has_changedsince || !s->qresync)) {
		imapd_tagged(s, "BAD",
		    "VANISHED needs UID FETCH, CHANGEDSINCE "
		    "and QRESYNC");
		goto out;
	}
	if (f->has_changedsince)
		s->condstore = true;
	for (size_t k = 0; k < f->n; k++) {
		want_seen |= sets_seen(&f->v[k]) && !mb->readonly
		    && (mb->rights & IMAP_ACL_SEEN);
		has_uid |= f->v[k].item == IMAP_FETCH_UID;
		has_flags |= f->v[k].item == IMAP_FETCH_FLAGS;
		has_modseq |= f->v[k].item == IMAP_FETCH_MODSEQ;
	}
	if (has_modseq)
		s->condstore = true;
	if (f->vanished)
		vanished_in_set(s);
	for (size_t k = 0; k < npos; k++) {
		size_t i = pos[k];
		struct imapd_msg *m = &mb->v[i];
		const struct mdx_rec *rec;
		bool seen_now = false, first = true, failed = false;

		if (m->gone) {
			issued = true;
			continue;
		}
		if (f->has_changedsince && m->modseq <= f->changedsince)
			continue;
		if ((rec = mdx_lookup(mb->x, m->uid, NULL)) == NULL) {
			issued = true;
			continue;
		}
		if (want_seen && !(m->flags & MAILDIR_F_SEEN) && mb->pseen) {
			/* a public folder: the user's own \Seen */
			(void)imapd_seen_set(mb->pseen, m->uid, true);
			m->flags |= MAILDIR_F_SEEN;
			seen_now = pseen_dirty = true;
		} else if (want_seen && !(m->flags & MAILDIR_F_SEEN)) {
			uint64_t ms;

			if (mdx_store(mb->x, m->uid, m->flags | MAILDIR_F_SEEN,
			        m->keywords, &ms, s->why)
			    == 0) {
				m->flags |= MAILDIR_F_SEEN;
				m->modseq = ms;
				seen_now = true;
				rec = mdx_lookup(mb->x, m->uid, NULL);
			}
			if (rec == NULL) {
				issued = true;
				continue;
			}
		}
		buf_reset(s->r);
		buf_printf(s->r, "* %zu FETCH (", i + 1);
		if (c->uid && !has_uid) {
			buf_printf(s->r, "UID %u", m->uid);
			first = false;
		}
		for (size_t a = 0; a < f->n; a++) {
			int r;

			if (!first)
				buf_catc(s->r, ' ');
			first = false;
			if ((r = fetch_att(s, i, &f->v[a], rec, tmp)) < 0) {
				failed = true;
				unknown_cte |= r == -2;
				break;
			}
		}
		if (failed) {
			issued |= !unknown_cte;
			continue;
		}
		if (seen_now && !has_flags) {
			buf_cats(s->r, " FLAGS (");
			imapd_mbox_flags_out(s, m, s->r);
			buf_catc(s->r, ')');
		}
		if (s->condstore && !has_modseq
		    && (f->has_changedsince || seen_now))
			buf_printf(s->r, " MODSEQ (%llu)",
			    (unsigned long long)m->modseq);
		buf_cats(s->r, ")\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
		s->n_fetched++;
	}
	if (pseen_dirty && imapd_seen_save(mb->pseen, s->why) < 0)
		log_warn(
		    "%s: fetch %s: %s", s->user, mb->name, buf_cstr(s->why));
	if (unknown_cte)
		imapd_tagged(s, "NO", "[UNKNOWN-CTE] Cannot decode the part");
	else if (issued)
		imapd_tagged(s, "NO",
		    "[EXPUNGEISSUED] Some of the requested messages no longer "
		    "exist");
	else
		imapd_tagged(s, "OK", "Fetch completed");
out:
	free(pos);
	buf_free(&tmp);
}

/* imapd_cmd_store - STORE and UID STORE */
void
imapd_cmd_store(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;
	const struct imap_store *st = &c->store;
	struct imapd_mbox *mb = s->sel;
	size_t *pos = NULL, npos = 0;
	uint32_t fl = 0, kw = 0, *modified = NULL;
	size_t nmod = 0;
	bool began = false, kw_ok, pseen_dirty = false;
	uint32_t mask;

	if (imapd_mbox_resolve(s, &c->seq, c->uid, &pos, &npos) < 0) {
		imapd_tagged(s, "BAD", "Invalid message sequence number");
		goto out;
	}
	if (mb->readonly) {
		imapd_tagged(s, "NO", "Mailbox is read-only");
		goto out;
	}
	/* RFC 4314 4: a flag this user may not change is left as it is
	 * (the FETCH responses show what was kept), not refused */
	mask = imapd_mbox_store_mask(mb, &kw_ok);
	for (size_t k = 0; k < st->nflags; k++) {
		if (!kw_ok && st->flags[k][0] != '\\')
			continue;
		if (imapd_mbox_flag_parse(s, st->flags[k], true, &fl, &kw)
		    < 0) {
			if (st->flags[k][0] == '\\')
				imapd_tagged(s, "BAD", "Invalid system flag %s",
				    st->flags[k]);
			else
				imapd_tagged(s, "NO",
				    "[LIMIT] No room for more keywords");
			goto out;
		}
	}
	if (st->has_unchangedsince)
		s->condstore = true;
	modified = xcalloc(npos + 1, sizeof(*modified));
	if (mdx_begin(mb->x, s->why) < 0) {
		log_warn(
		    "%s: store %s: %s", s->user, mb->dir, buf_cstr(s->why));
		imapd_tagged(s, "NO", "[SERVERBUG] Cannot change flags");
		goto out;
	}
	began = true;
	for (size_t k = 0; k < npos; k++) {
		struct imapd_msg *m = &mb->v[pos[k]];
		uint32_t nf = m->flags, nk = m->keywords;
		uint64_t ms;
		int rc;

		if (m->gone)
			continue;
		if (st->has_unchangedsince && m->modseq > st->unchangedsince) {
			modified[nmod++] =
			    c->uid ? m->uid : (uint32_t)pos[k] + 1;
			continue;
		}
		switch (st->mode) {
		case IMAP_STORE_SET:
			nf = fl;
			nk = kw;
			break;
		case IMAP_STORE_ADD:
			nf |= fl;
			nk |= kw;
			break;
		case IMAP_STORE_REMOVE:
			nf &= ~fl;
			nk &= ~kw;
			break;
		}
		nf = (nf & mask) | (m->flags & ~mask);
		if (!kw_ok)
			nk = m->keywords;
		if (mb->pseen) {
			/* \Seen is the user's own: the set, not the file */
			const struct mdx_rec *rec =
			    mdx_lookup(mb->x, m->uid, NULL);

			if (rec == NULL)
				continue; /* gone: the sync tells the client */
			pseen_dirty |= imapd_seen_set(
			    mb->pseen, m->uid, (nf & MAILDIR_F_SEEN) != 0);
			if ((nf & ~MAILDIR_F_SEEN)
			        == (rec->flags & ~MAILDIR_F_SEEN)
			    && nk == rec->keywords) {
				ms = m->modseq;
				rc = 0;
			} else
				rc = mdx_store(mb->x, m->uid,
				    (nf & ~MAILDIR_F_SEEN)
				        | (rec->flags & MAILDIR_F_SEEN),
				    nk, &ms, s->why);
		} else
			rc = mdx_store(mb->x, m->uid, nf, nk, &ms, s->why);
		if (rc < 0) {
			log_warn("%s: store %s uid %u: %s", s->user, mb->dir,
			    m->uid, buf_cstr(s->why));
			continue;
		}
		if (rc == 1)
			continue; /* gone: the sync tells the client */
		m->flags = nf;
		m->keywords = nk;
		m->modseq = ms;
		s->n_stored++;
		if (st->silent && !st->has_unchangedsince)
			continue;
		buf_reset(s->r);
		buf_printf(s->r, "* %zu FETCH (", pos[k] + 1);
		if (c->uid || s->qresync)
			buf_printf(s->r, "UID %u ", m->uid);
		buf_cats(s->r, "FLAGS (");
		imapd_mbox_flags_out(s, m, s->r);
		buf_catc(s->r, ')');
		if (s->condstore)
			buf_printf(
			    s->r, " MODSEQ (%llu)", (unsigned long long)ms);
		buf_cats(s->r, ")\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	began = false;
	if (mdx_commit(mb->x, s->why) < 0)
		log_warn(
		    "%s: store %s: %s", s->user, mb->dir, buf_cstr(s->why));
	if (pseen_dirty && imapd_seen_save(mb->pseen, s->why) < 0)
		log_warn(
		    "%s: store %s: %s", s->user, mb->name, buf_cstr(s->why));
	if (nmod) {
		buf_reset(s->why);
		imapd_set_out(s->why, modified, nmod);
		imapd_tagged(s, "OK", "[MODIFIED %s] Conditional STORE failed",
		    buf_cstr(s->why));
	} else
		imapd_tagged(s, "OK", "Store completed");
out:
	if (began)
		(void)mdx_commit(mb->x, s->why);
	free(pos);
	free(modified);
}

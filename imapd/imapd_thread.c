/*
 * imapd_thread.c - SORT and THREAD (RFC 5256; DISPLAYFROM/DISPLAYTO of
 * RFC 5957). Sort keys and thread data are taken from each matching
 * message's header once, then everything happens in memory.
 *
 * THREAD=REFERENCES follows RFC 5256 section 3's steps (the algorithm
 * Jamie Zawinski described for Netscape): containers linked by
 * References/In-Reply-To, dummies pruned, roots grouped by base subject,
 * siblings ordered by sent date.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

#include "util/buf.h"
#include "util/htable.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/imap_cmd.h"
#include "proto/mime_decode.h"
#include "proto/rfc5322.h"

#include "mail/mdx.h"

#include "imapd.h"

/* What the sort and thread keys need of one message. */
struct tmsg {
	size_t pos;      /* in the view */
	uint32_t num;    /* sequence number or UID, for the reply */
	int64_t arrival; /* internal date */
	int64_t sent;    /* Date:, or the internal date */
	uint64_t size;
	char *subject; /* base subject, upper case */
	bool is_reply;
	char *from, *to, *cc; /* first addr-mailbox, upper case */
	char *dfrom, *dto;    /* display names (RFC 5957) */
	char *msgid;
	struct strv refs;
};

/* first_addr - mailbox and display form of the first address */
static void
first_addr(const struct rfc5322_header *h, const char *field, char **mbox,
    char **display)
{
	const struct rfc5322_field *f = rfc5322_header_get(h, field);
	struct rfc5322_addr_list l = {0};
	struct buf *b = buf_new(64);

	*mbox = xstrdup("");
	if (display)
		*display = xstrdup("");
	if (f == NULL)
		goto out;
	rfc5322_addr_parse(f->value, f->value_len, 100, &l);
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].host == NULL)
			continue; /* group markers */
		free(*mbox);
		*mbox = xstrdup(l.v[i].mailbox ? l.v[i].mailbox : "");
		for (char *p = *mbox; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		if (display) {
			buf_reset(b);
			if (l.v[i].name && *l.v[i].name)
				mime_words_decode(
				    l.v[i].name, strlen(l.v[i].name), b);
			else
				buf_printf(
				    b, "%s@%s", l.v[i].mailbox, l.v[i].host);
			free(*display);
			*display = buf_steal(b);
			for (char *p = *display; *p; p++)
				*p = (char)toupper((unsigned char)*p);
		}
		break;
	}
out:
	rfc5322_addr_list_free(&l);
	buf_free(&b);
}

/* gather - the keys of message pos */
static void
gather(struct imapd *s, size_t pos, struct tmsg *t)
{
	struct rfc5322_header h = {0};
	const struct rfc5322_field *f;
	const struct mdx_rec *r =
	    mdx_lookup(s->sel->x, s->sel->v[pos].uid, NULL);
	struct buf *a = buf_new(128), *b = buf_new(128);
	time_t when;
	int tz;

	memset(t, 0, sizeof(*t));
	strv_init(&t->refs);
	t->pos = pos;
	t->num = s->cmd.uid ? s->sel->v[pos].uid : (uint32_t)pos + 1;
	t->arrival = r ? r->internaldate : 0;
	t->sent = t->arrival;
	t->size = r ? r->vsize : 0;
	if (imapd_mbox_load(s, pos, false) == 0)
		rfc5322_header_parse(
		    buf_cstr(s->sel->cache), buf_len(s->sel->cache), 10000, &h);
	if ((f = rfc5322_header_get(&h, "Date")) != NULL
	    && rfc5322_date_parse(f->value, f->value_len, &when, &tz) == 0)
		t->sent = when;
	if ((f = rfc5322_header_get(&h, "Subject")) != NULL) {
		rfc5322_unfold(f->value, f->value_len, true, a);
		mime_words_decode(buf_cstr(a), buf_len(a), b);
	}
	t->is_reply = rfc5256_base_subject(buf_cstr(b), buf_len(b), a);
	t->subject = buf_steal(a);
	first_addr(&h, "From", &t->from, &t->dfrom);
	first_addr(&h, "To", &t->to, &t->dto);
	first_addr(&h, "Cc", &t->cc, NULL);
	if ((f = rfc5322_header_get(&h, "Message-ID")) != NULL) {
		struct strv ids;

		strv_init(&ids);
		rfc5322_msgids(f->value, f->value_len, 1, &ids);
		if (ids.n)
			t->msgid = xstrdup(ids.v[0]);
		strv_free(&ids);
	}
	if ((f = rfc5322_header_get(&h, "References")) != NULL)
		rfc5322_msgids(f->value, f->value_len, 1000, &t->refs);
	if (t->refs.n == 0
	    && (f = rfc5322_header_get(&h, "In-Reply-To")) != NULL)
		rfc5322_msgids(f->value, f->value_len, 1, &t->refs);
	rfc5322_header_free(&h);
	buf_free(&a);
	buf_free(&b);
}

static void
tmsg_free(struct tmsg *t)
{
	free(t->subject);
	free(t->from);
	free(t->to);
	free(t->cc);
	free(t->dfrom);
	free(t->dto);
	free(t->msgid);
	strv_free(&t->refs);
}

/* gather_all - run the search, then the keys of every match */
static struct tmsg *
gather_all(struct imapd *s, size_t *n_out)
{
	size_t *pos = NULL, n = 0;
	uint64_t maxms;
	struct tmsg *v;

	if (imapd_search_run(s, &pos, &n, &maxms) < 0)
		return NULL;
	v = xcalloc(n + 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		gather(s, pos[i], &v[i]);
	free(pos);
	*n_out = n;
	return v;
}

/* ------------------------------------------------------------------ */
/* SORT */

static const struct imap_sort_crit *sort_crit;
static size_t sort_ncrit;

/* cmp_i64 - three-way */
static int
cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* sort_cmp - the criteria in order, then the sequence number */
static int
sort_cmp(const void *pa, const void *pb)
{
	const struct tmsg *a = pa, *b = pb;

	for (size_t i = 0; i < sort_ncrit; i++) {
		int r = 0;

		switch (sort_crit[i].key) {
		case IMAP_SORT_ARRIVAL:
			r = cmp_i64(a->arrival, b->arrival);
			break;
		case IMAP_SORT_DATE:
			r = cmp_i64(a->sent, b->sent);
			break;
		case IMAP_SORT_SIZE:
			r = cmp_i64((int64_t)a->size, (int64_t)b->size);
			break;
		case IMAP_SORT_SUBJECT:
			r = strcmp(a->subject, b->subject);
			break;
		case IMAP_SORT_FROM:
			r = strcmp(a->from, b->from);
			break;
		case IMAP_SORT_TO:
			r = strcmp(a->to, b->to);
			break;
		case IMAP_SORT_CC:
			r = strcmp(a->cc, b->cc);
			break;
		case IMAP_SORT_DISPLAYFROM:
			r = strcmp(a->dfrom, b->dfrom);
			break;
		case IMAP_SORT_DISPLAYTO:
			r = strcmp(a->dto, b->dto);
			break;
		}
		if (r)
			return sort_crit[i].reverse ? -r : r;
	}
	return cmp_i64((int64_t)a->pos, (int64_t)b->pos);
}

/* charset_ok - SORT and THREAD take UTF-8 and US-ASCII */
static bool
charset_ok(struct imapd *s)
{
	const char *cs = s->cmd.search.charset;

	if (cs && strcasecmp(cs, "UTF-8") != 0
	    && strcasecmp(cs, "US-ASCII") != 0) {
		imapd_tagged(s, "NO",
		    "[BADCHARSET (UTF-8 US-ASCII)] Unknown "
		    "charset");
		return false;
	}
	return true;
}

/* imapd_cmd_sort - SORT and UID SORT */
void
imapd_cmd_sort(struct imapd *s)
{
	struct tmsg *v;
	size_t n = 0;

	if (!charset_ok(s) || (v = gather_all(s, &n)) == NULL)
		return;
	sort_crit = s->cmd.sort;
	sort_ncrit = s->cmd.nsort;
	if (n > 1)
		qsort(v, n, sizeof(*v), sort_cmp);
	buf_reset(s->r);
	buf_cats(s->r, "* SORT");
	for (size_t i = 0; i < n; i++)
		buf_printf(s->r, " %u", v[i].num);
	buf_cats(s->r, "\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	for (size_t i = 0; i < n; i++)
		tmsg_free(&v[i]);
	free(v);
	imapd_tagged(s, "OK", "Sort completed");
}

/* ------------------------------------------------------------------ */
/* THREAD */

struct cont {
	struct tmsg *m; /* NULL: a dummy */
	struct cont *parent, *child, *next;
};

/* cont_date - the date a container sorts by: its message's, or its first
 * child's for a dummy (RFC 5256) */
static int64_t
cont_date(const struct cont *c)
{
	while (c && c->m == NULL)
		c = c->child;
	return c ? c->m->sent : 0;
}

/* cont_pos - the tie breaker */
static size_t
cont_pos(const struct cont *c)
{
	while (c && c->m == NULL)
		c = c->child;
	return c ? c->m->pos : 0;
}

/* cont_cmp - by sent date, then sequence order */
static int
cont_cmp(const void *pa, const void *pb)
{
	const struct cont *a = *(struct cont *const *)pa,
	                  *b = *(struct cont *const *)pb;
	int r = cmp_i64(cont_date(a), cont_date(b));

	return r ? r : cmp_i64((int64_t)cont_pos(a), (int64_t)cont_pos(b));
}

/* sort_siblings - order a sibling list (recursively) */
static struct cont *
sort_siblings(struct cont *first)
{
	struct cont **v, *c;
	size_t n = 0, i;

	for (c = first; c; c = c->next)
		c->child = sort_siblings(c->child), n++;
	if (n < 2)
		return first;
	v = xcalloc(n, sizeof(*v));
	for (c = first, i = 0; c; c = c->next)
		v[i++] = c;
	qsort(v, n, sizeof(*v), cont_cmp);
	for (i = 0; i + 1 < n; i++)
		v[i]->next = v[i + 1];
	v[n - 1]->next = NULL;
	first = v[0];
	free(v);
	return first;
}

/* is_ancestor - a is c or above it */
static bool
is_ancestor(const struct cont *a, const struct cont *c)
{
	for (; c; c = c->parent)
		if (c == a)
			return true;
	return false;
}

/* unlink_cont - take c out of its parent's children */
static void
unlink_cont(struct cont *c)
{
	struct cont **pp;

	if (c->parent == NULL)
		return;
	for (pp = &c->parent->child; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	c->parent = NULL;
	c->next = NULL;
}

/* add_child - c becomes the last child of p */
static void
add_child(struct cont *p, struct cont *c)
{
	struct cont **pp;

	unlink_cont(c);
	c->parent = p;
	for (pp = &p->child; *pp; pp = &(*pp)->next)
		;
	*pp = c;
}

/* thread_out - "(a b (c)(d))" */
static void
thread_out(struct buf *out, const struct cont *c, bool top)
{
	size_t nchild = 0;

	if (top)
		buf_catc(out, '(');
	if (c->m)
		buf_printf(out, "%u", c->m->num);
	for (const struct cont *k = c->child; k; k = k->next)
		nchild++;
	if (nchild == 1) {
		if (c->m)
			buf_catc(out, ' ');
		thread_out(out, c->child, false);
	} else if (nchild > 1) {
		if (c->m)
			buf_catc(out, ' ');
		for (const struct cont *k = c->child; k; k = k->next) {
			buf_catc(out, '(');
			thread_out(out, k, false);
			buf_catc(out, ')');
		}
	}
	if (top)
		buf_catc(out, ')');
}

/* prune - RFC 5256 step 4: drop childless dummies, promote the children
 * of other dummies (not at the top when there are several) */
static struct cont *
prune(struct cont *list, bool top)
{
	struct cont *out = NULL, **tail = &out, *c, *next;

	for (c = list; c; c = next) {
		next = c->next;
		c->next = NULL;
		c->child = prune(c->child, false);
		for (struct cont *k = c->child; k; k = k->next)
			k->parent = c;
		if (c->m == NULL && c->child == NULL)
			continue;
		if (c->m == NULL && (!top || c->child->next == NULL)) {
			/* the children take its place */
			struct cont *k = c->child;

			for (struct cont *x = k; x; x = x->next)
				x->parent = c->parent;
			*tail = k;
			while (*tail)
				tail = &(*tail)->next;
			continue;
		}
		*tail = c;
		tail = &c->next;
	}
	return out;
}

/* thread_references - RFC 5256 section 3 REFERENCES */
static struct cont *
thread_references(
    struct tmsg *v, size_t n, struct cont ***all_out, size_t *nall_out)
{
	struct htable *ids = htable_new(n * 2 + 16);
	struct cont **all = NULL;
	size_t nall = 0, alloc = 0;
	struct cont *roots = NULL, **tail;
	struct htable *subj;
	struct buf *key = buf_new(64);

#define NEWCONT()                                                              \
	(nall == alloc ? (alloc = alloc ? alloc * 2 : 64,                      \
	     all = xreallocarray(all, alloc, sizeof(*all)))                    \
	               : all,                                                  \
	    all[nall++] = xcalloc(1, sizeof(struct cont)))
	/* 1: containers and links */
	for (size_t i = 0; i < n; i++) {
		struct cont *c = NULL, *prev = NULL;

		if (v[i].msgid)
			c = htable_get(ids, v[i].msgid);
		if (c == NULL || c->m != NULL) {
			/* new, or a duplicate Message-ID: a container of
			 * its own */
			c = NEWCONT();
			if (v[i].msgid && htable_get(ids, v[i].msgid) == NULL)
				htable_set(ids, v[i].msgid, c);
		}
		c->m = &v[i];
		for (size_t r = 0; r < v[i].refs.n; r++) {
			struct cont *rc = htable_get(ids, v[i].refs.v[r]);

			if (rc == NULL) {
				rc = NEWCONT();
				htable_set(ids, v[i].refs.v[r], rc);
			}
			if (prev && rc->parent == NULL && !is_ancestor(rc, prev)
			    && rc != prev)
				add_child(prev, rc);
			prev = rc;
		}
		/* the last reference is the parent (replacing another) */
		if (prev && prev != c && !is_ancestor(c, prev))
			add_child(prev, c);
		else if (prev == NULL && c->parent)
			unlink_cont(c);
	}
	/* 2: the root set */
	tail = &roots;
	for (size_t i = 0; i < nall; i++)
		if (all[i]->parent == NULL) {
			all[i]->next = NULL;
			*tail = all[i];
			tail = &all[i]->next;
		}
	/* 4: prune dummies */
	roots = prune(roots, true);
	for (struct cont *c = roots; c; c = c->next)
		c->parent = NULL;
	/* 5: group by base subject */
	subj = htable_new(64);
	for (struct cont *c = roots; c; c = c->next) {
		const struct cont *m = c->m ? c : c->child;
		struct cont *old;

		if (m == NULL || m->m == NULL || *m->m->subject == 0)
			continue;
		old = htable_get(subj, m->m->subject);
		if (old == NULL || (old->m != NULL && c->m == NULL)
		    || (old->m && old->m->is_reply && c->m && !c->m->is_reply))
			htable_set(subj, m->m->subject, c);
	}
	{
		struct cont *list = roots, *next;

		roots = NULL;
		tail = &roots;
		for (struct cont *c = list; c; c = next) {
			const struct cont *m = c->m ? c : c->child;
			struct cont *t;

			next = c->next;
			c->next = NULL;
			t = (m && m->m && *m->m->subject)
			    ? htable_get(subj, m->m->subject)
			    : NULL;
			if (t == NULL || t == c) {
				*tail = c;
				tail = &c->next;
				continue;
			}
			if (t->m == NULL && c->m == NULL) {
				while (c->child)
					add_child(t, c->child);
			} else if (t->m == NULL && c->m != NULL) {
				add_child(t, c);
			} else if (c->m && c->m->is_reply && t->m
			    && !t->m->is_reply) {
				add_child(t, c);
			} else {
				/* both become children of a new dummy that
				 * takes t's place */
				struct cont *d = NEWCONT(), *tp;
				struct cont tmp = *t;

				/* t stays in the root list as the dummy:
				 * swap contents so list links stay valid */
				tp = NEWCONT();
				*tp = tmp;
				tp->next = NULL;
				tp->parent = NULL;
				for (struct cont *k = tp->child; k; k = k->next)
					k->parent = tp;
				t->m = NULL;
				t->child = NULL;
				add_child(t, tp);
				add_child(t, c);
				(void)d;
			}
		}
	}
	/* 6: sort */
	roots = sort_siblings(roots);
	htable_free(&subj, NULL);
	htable_free(&ids, NULL);
	buf_free(&key);
	*all_out = all;
	*nall_out = nall;
	return roots;
#undef NEWCONT
}

/* subj_cmp - ORDEREDSUBJECT: base subject, then sent date, then order */
static int
subj_cmp(const void *pa, const void *pb)
{
	const struct tmsg *a = pa, *b = pb;
	int r = strcmp(a->subject, b->subject);

	if (r)
		return r;
	r = cmp_i64(a->sent, b->sent);
	return r ? r : cmp_i64((int64_t)a->pos, (int64_t)b->pos);
}

/* imapd_cmd_thread - THREAD and UID THREAD */
void
imapd_cmd_thread(struct imapd *s)
{
	struct tmsg *v;
	size_t n = 0, nall = 0;
	struct cont **all = NULL, *roots = NULL, **tail = &roots;

	if (!charset_ok(s) || (v = gather_all(s, &n)) == NULL)
		return;
	if (s->cmd.thread == IMAP_THREAD_ORDEREDSUBJECT) {
		/* sets by subject; the first of each is the parent of the
		 * others; sets ordered by the first one's date */
		if (n > 1)
			qsort(v, n, sizeof(*v), subj_cmp);
		all = xcalloc(n + 1, sizeof(*all));
		for (size_t i = 0; i < n; i++) {
			struct cont *c = all[nall++] = xcalloc(1, sizeof(*c));

			c->m = &v[i];
			if (i > 0
			    && strcmp(v[i].subject, v[i - 1].subject) == 0) {
				struct cont *top = all[nall - 2];

				while (top->parent)
					top = top->parent;
				add_child(top, c);
			} else {
				*tail = c;
				tail = &c->next;
			}
		}
		/* children stay in date order; the sets sort by date */
		{
			struct cont **r, *c;
			size_t nr = 0, i;

			for (c = roots; c; c = c->next)
				nr++;
			r = xcalloc(nr + 1, sizeof(*r));
			for (c = roots, i = 0; c; c = c->next)
				r[i++] = c;
			if (nr > 1)
				qsort(r, nr, sizeof(*r), cont_cmp);
			roots = nr ? r[0] : NULL;
			for (i = 0; i + 1 < nr; i++)
				r[i]->next = r[i + 1];
			if (nr)
				r[nr - 1]->next = NULL;
			free(r);
		}
	} else
		roots = thread_references(v, n, &all, &nall);
	buf_reset(s->r);
	buf_cats(s->r, "* THREAD ");
	for (struct cont *c = roots; c; c = c->next)
		thread_out(s->r, c, true);
	buf_cats(s->r, "\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	for (size_t i = 0; i < nall; i++)
		free(all[i]);
	free(all);
	for (size_t i = 0; i < n; i++)
		tmsg_free(&v[i]);
	free(v);
	imapd_tagged(s, "OK", "Thread completed");
}

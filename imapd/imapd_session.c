/*
 * imapd_session.c - the IMAP session after login: the command loop, the
 * commands of the authenticated and selected states that need no file
 * work of their own (SELECT, IDLE, ENABLE, ...), and output.
 *
 * Every tagged reply is preceded by a sync of the selected mailbox, so
 * that changes made by other sessions reach the client at the end of each
 * command: EXISTS and flag changes always, EXPUNGE except after FETCH,
 * STORE and SEARCH by sequence number (RFC 3501 7.4.1).
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"
#include "proto/imap_cmd.h"
#include "proto/imap_fmt.h"
#include "proto/imap_utf7.h"

#include "mail/maildir.h"
#include "mail/mdx.h"
#include "mail/params.h"
#include "mail/params_imapd.h"

#include "imapd.h"

#define IMAPD_SUBSCRIPTIONS "subscriptions"
#define IMAPD_IDLE_NOTIFY   120 /* seconds between "* OK Still here" */
/* Without inotify (fs.inotify.max_user_instances reached: every session
 * of the mail store's user counts against it), IDLE looks at the folder
 * this often instead. */
#define IMAPD_IDLE_POLL 5

/* ------------------------------------------------------------------ */
/* Output */

void
imapd_write(struct imapd *s, const void *p, size_t n)
{
	(void)stream_write(s->out, p, n);
}

void
imapd_printf(struct imapd *s, const char *fmt, ...)
{
	struct buf *b = buf_new(128);
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	imapd_write(s, buf_cstr(b), buf_len(b));
	buf_free(&b);
}

void
imapd_flush(struct imapd *s)
{
	(void)stream_flush(s->out);
}

/* expunge_allowed - may EXPUNGE responses follow this command? */
static bool
expunge_allowed(const struct imap_cmd *c)
{
	switch (c->id) {
	case IMAP_CMD_FETCH:
	case IMAP_CMD_STORE:
	case IMAP_CMD_SEARCH:
	case IMAP_CMD_SORT:
	case IMAP_CMD_THREAD:
		return c->uid;
	default:
		return true;
	}
}

/* imapd_tagged - sync the selected mailbox, then "<tag> <status> text" */
void
imapd_tagged(struct imapd *s, const char *status, const char *fmt, ...)
{
	struct buf *b = buf_new(128);
	va_list ap;

	if (s->sel && s->cmd.id != IMAP_CMD_UNKNOWN)
		imapd_mbox_sync(s, expunge_allowed(&s->cmd));
	buf_printf(b, "%s %s ", s->cmd.tag ? s->cmd.tag : "*", status);
	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
	buf_cats(b, "\r\n");
	imapd_write(s, buf_cstr(b), buf_len(b));
	buf_free(&b);
}

/* imapd_set_out - sorted numbers as a sequence set */
void
imapd_set_out(struct buf *out, const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j + 1 < n && v[j + 1] == v[j] + 1)
			j++;
		if (i)
			buf_catc(out, ',');
		if (j > i)
			buf_printf(out, "%u:%u", v[i], v[j]);
		else
			buf_printf(out, "%u", v[i]);
		i = j + 1;
	}
}

/* ------------------------------------------------------------------ */
/* Mailbox names */

/* imapd_name_out - on-disk name as the client wants it */
void
imapd_name_out(struct imapd *s, const char *name, struct buf *out)
{
	if (s->utf8) {
		struct buf *u = buf_new(64);

		if (imap_utf7_decode(name, strlen(name), u) == 0) {
			imap_fmt_astring(out, buf_cstr(u), true);
			buf_free(&u);
			return;
		}
		buf_free(&u);
	}
	imap_fmt_astring(out, name, false);
}

/* imapd_name_in - the client's name into the on-disk form */
int
imapd_name_in(
    struct imapd *s, const char *name, struct buf *out, struct buf *why)
{
	buf_reset(out);
	buf_reset(why);
	if (strcasecmp(name, "INBOX") == 0) {
		buf_cats(out, "INBOX");
		return 0;
	}
	if (s->utf8) {
		if (imap_utf7_encode(name, strlen(name), out) < 0) {
			buf_cats(why, "Mailbox name is not valid UTF-8");
			return -1;
		}
	} else {
		if (!imap_utf7_valid(name, strlen(name))) {
			buf_cats(
			    why, "Mailbox name is not valid modified UTF-7");
			return -1;
		}
		buf_cats(out, name);
	}
	if (!maildir_folder_valid(buf_cstr(out), why)) {
		struct buf *w = buf_new(64);

		buf_printf(w, "Bad mailbox name: %s", buf_cstr(why));
		buf_set(why, buf_cstr(w), buf_len(w));
		buf_free(&w);
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Account preparation */

/* imapd_prepare_account - the Maildir and, once, the special folders */
int
imapd_prepare_account(const char *root, struct buf *why)
{
	struct buf *p = buf_new(256), *subs = buf_new(256);
	struct strv names;
	int ret = -1;

	strv_init(&names);
	if (!maildir_exists(root)) {
		file_dirname(root, p);
		if (file_mkdirs(buf_cstr(p), 0700, why) < 0
		    || maildir_make(root, false, why) < 0)
			goto out;
	}
	buf_reset(p);
	buf_printf(p, "%s/" IMAPD_SUBSCRIPTIONS, root);
	if (file_exists(buf_cstr(p))) {
		ret = 0;
		goto out;
	}
	/* A new account (no subscriptions file yet): the special folders,
	 * subscribed, as clients expect to find them. */
	strv_split(&names, var_imapd_autocreate_folders, ", \t");
	for (size_t i = 0; i < names.n; i++) {
		if (maildir_folder_create(root, names.v[i], why) < 0
		    && errno != EEXIST)
			goto out;
		buf_reset(why);
		buf_printf(subs, "%s\n", names.v[i]);
	}
	if (file_write_atomic(
	        buf_cstr(p), buf_cstr(subs), buf_len(subs), 0600, why)
	    < 0)
		goto out;
	ret = 0;
out:
	strv_free(&names);
	buf_free(&p);
	buf_free(&subs);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Session object */

/* imapd_new - a session */
struct imapd *
imapd_new(struct stream *in, struct stream *out, const char *client,
    const char *user, const char *root, const struct maildir_quota *quota)
{
	struct imapd *s = xcalloc(1, sizeof(*s));

	s->in = in;
	s->out = out;
	s->rd.in = in;
	s->rd.out = out;
	s->rd.line = buf_new(1024);
	s->rd.line_limit = var_imapd_command_line_limit;
	s->rd.size_limit = var_imapd_command_size_limit;
	s->rd.literal_limit = var_imapd_literal_size_limit;
	s->lim.list_items = (size_t)var_imapd_command_item_limit;
	s->lim.seq_ranges = (size_t)var_imapd_command_item_limit;
	s->lim.depth = (unsigned)var_imapd_command_depth_limit;
	s->client = xstrdup(client);
	s->user = xstrdup(user);
	s->root = xstrdup(root);
	if (quota)
		s->quota = *quota;
	s->cmdbuf = buf_new(4096);
	s->tag = buf_new(64);
	s->why = buf_new(256);
	s->r = buf_new(4096);
	s->start = time(NULL);
	return s;
}

/* imapd_free - end of the session */
void
imapd_free(struct imapd **sp)
{
	struct imapd *s = *sp;

	if (s == NULL)
		return;
	imapd_mbox_close(s);
	imap_cmd_free(&s->cmd);
	buf_free(&s->rd.line);
	buf_free(&s->cmdbuf);
	buf_free(&s->tag);
	buf_free(&s->why);
	buf_free(&s->r);
	free(s->client);
	free(s->user);
	free(s->root);
	free(s->pubroot);
	free(s);
	*sp = NULL;
}

/* imapd_capability - after login */
void
imapd_capability(struct imapd *s, struct buf *out)
{
	buf_cats(out,
	    "IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR ID ENABLE IDLE "
	    "NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN LIST-EXTENDED "
	    "LIST-STATUS SPECIAL-USE ESEARCH SORT ACL RIGHTS=texk "
	    "THREAD=ORDEREDSUBJECT THREAD=REFERENCES CONDSTORE QRESYNC "
	    "WITHIN UTF8=ACCEPT STATUS=SIZE BINARY SEARCHRES QUOTA "
	    "QUOTA=RES-STORAGE QUOTA=RES-MESSAGE");
}

/* ------------------------------------------------------------------ */
/* Simple commands */

/* cmd_capability - CAPABILITY */
static void
cmd_capability(struct imapd *s)
{
	buf_reset(s->r);
	buf_cats(s->r, "* CAPABILITY ");
	imapd_capability(s, s->r);
	buf_cats(s->r, "\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	imapd_tagged(s, "OK", "Capability completed");
}

/* cmd_enable - ENABLE (RFC 5161) */
static void
cmd_enable(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;

	buf_reset(s->r);
	buf_cats(s->r, "* ENABLED");
	for (size_t i = 0; i < c->natoms; i++) {
		const char *a = c->atoms[i];

		if (strcasecmp(a, "CONDSTORE") == 0 && !s->condstore) {
			s->condstore = true;
			buf_cats(s->r, " CONDSTORE");
		} else if (strcasecmp(a, "QRESYNC") == 0 && !s->qresync) {
			s->qresync = s->condstore = true;
			buf_cats(s->r, " QRESYNC");
		} else if (strcasecmp(a, "UTF8=ACCEPT") == 0 && !s->utf8) {
			s->utf8 = true;
			buf_cats(s->r, " UTF8=ACCEPT");
		} else if (strcasecmp(a, "IMAP4rev2") == 0 && !s->rev2) {
			s->rev2 = s->utf8 = true;
			buf_cats(s->r, " IMAP4rev2");
		}
	}
	buf_cats(s->r, "\r\n");
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	imapd_tagged(s, "OK", "Enabled");
}

/* cmd_id - ID (RFC 2971): the server says only its name */
static void
cmd_id(struct imapd *s)
{
	imapd_printf(s, "* ID (\"name\" \"Gannet\")\r\n");
	imapd_tagged(s, "OK", "ID completed");
}

/* gap_out - [lo, hi] intersected with known (all when empty) */
static void
gap_out(
    struct buf *set, const struct imap_seqset *known, uint32_t lo, uint32_t hi)
{
	if (known->n == 0) {
		buf_printf(set, "%s%u", buf_len(set) ? "," : "", lo);
		if (hi > lo)
			buf_printf(set, ":%u", hi);
		return;
	}
	for (size_t k = 0; k < known->n; k++) {
		uint32_t a = MAX(lo, known->v[k].lo),
		         b = MIN(hi, known->v[k].hi);

		if (a > b)
			continue;
		buf_printf(set, "%s%u", buf_len(set) ? "," : "", a);
		if (b > a)
			buf_printf(set, ":%u", b);
	}
}

/* qresync_select - QRESYNC: what the client missed (RFC 7162 3.2.5) */
static void
qresync_select(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;
	const struct imap_select *q = &s->cmd.select;
	uint32_t *van = NULL, *out;
	size_t nvan = 0, nout = 0;
	bool complete;

	if (q->uidvalidity != mb->uidvalidity)
		return;
	complete = mdx_vanished(mb->x, q->modseq, &van, &nvan);
	out = xcalloc(nvan + 1, sizeof(*out));
	if (complete) {
		for (size_t i = 0; i < nvan; i++) {
			bool known = q->known_uids.n == 0;

			for (size_t k = 0; k < q->known_uids.n && !known; k++)
				known = van[i] >= q->known_uids.v[k].lo
				    && van[i] <= q->known_uids.v[k].hi;
			if (known && (nout == 0 || out[nout - 1] != van[i]))
				out[nout++] = van[i];
		}
	}
	if (nout) {
		buf_reset(s->r);
		buf_cats(s->r, "* VANISHED (EARLIER) ");
		imapd_set_out(s->r, out, nout);
		buf_cats(s->r, "\r\n");
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	} else if (!complete) {
		/* The index forgot that far back: every known UID that is
		 * not here any more (RFC 7162 3.2.5.2 allows reporting UIDs
		 * that were expunged earlier). The missing UIDs are the gaps
		 * between the UIDs we have. */
		struct buf *set = buf_new(64);
		uint32_t top = mb->uidnext_seen ? mb->uidnext_seen - 1 : 0;
		uint32_t lo = 1;

		for (size_t i = 0; i <= mb->n; i++) {
			uint32_t hi = i < mb->n ? mb->v[i].uid - 1 : top;

			if (lo <= hi)
				gap_out(set, &q->known_uids, lo, hi);
			if (i < mb->n)
				lo = mb->v[i].uid + 1;
		}
		if (buf_len(set))
			imapd_printf(
			    s, "* VANISHED (EARLIER) %s\r\n", buf_cstr(set));
		buf_free(&set);
	}
	for (size_t i = 0; i < mb->n; i++) {
		struct imapd_msg *m = &mb->v[i];

		if (m->modseq <= q->modseq)
			continue;
		buf_reset(s->r);
		buf_printf(s->r, "* %zu FETCH (UID %u FLAGS (", i + 1, m->uid);
		imapd_mbox_flags_out(s, m, s->r);
		buf_printf(s->r, ") MODSEQ (%llu))\r\n",
		    (unsigned long long)m->modseq);
		imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	}
	free(van);
	free(out);
}

/* cmd_select - SELECT and EXAMINE */
static void
cmd_select(struct imapd *s, bool readonly)
{
	struct imap_cmd *c = &s->cmd;
	struct buf *name = buf_new(64);
	struct imapd_mbox *mb;
	size_t unseen = 0;
	unsigned rights;
	bool asked_readonly = readonly;

	if (s->sel) {
		imapd_mbox_close(s);
		if (s->qresync || s->rev2)
			imapd_printf(
			    s, "* OK [CLOSED] Previous mailbox closed\r\n");
	}
	if (c->select.qresync && !s->qresync) {
		imapd_tagged(s, "BAD", "QRESYNC is not enabled");
		goto out;
	}
	if (c->select.condstore)
		s->condstore = true;
	if (imapd_name_in(s, c->mailbox, name, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	/* RFC 4314 4: SELECT and EXAMINE need "r"; without any right to
	 * change something the mailbox opens read-only */
	rights = imapd_rights(s, buf_cstr(name));
	if (!(rights & IMAP_ACL_READ)) {
		imapd_no_access(s, rights, "you lack the read right");
		goto out;
	}
	if (!(rights
	        & (IMAP_ACL_SEEN | IMAP_ACL_WRITE | IMAP_ACL_DELMSG
	            | IMAP_ACL_EXPUNGE)))
		readonly = true;
	if (imapd_mbox_open(s, buf_cstr(name), readonly, &mb, s->why) < 0) {
		imapd_tagged(s, "NO", "%s", buf_cstr(s->why));
		goto out;
	}
	s->sel = mb;
	imapd_mbox_claim(s);
	buf_reset(s->r);
	imapd_mbox_flags_list(s, false, s->r);
	buf_printf(s->r, "* %zu EXISTS\r\n", mb->n);
	if (!s->rev2) {
		buf_printf(s->r, "* %zu RECENT\r\n", mb->nrecent_reported);
		for (size_t i = 0; i < mb->n; i++)
			if (!(mb->v[i].flags & MAILDIR_F_SEEN)) {
				unseen = i + 1;
				break;
			}
		if (unseen)
			buf_printf(s->r,
			    "* OK [UNSEEN %zu] First unseen message\r\n",
			    unseen);
	}
	buf_printf(
	    s->r, "* OK [UIDVALIDITY %u] UIDs valid\r\n", mb->uidvalidity);
	buf_printf(
	    s->r, "* OK [UIDNEXT %u] Predicted next UID\r\n", mb->uidnext_seen);
	imapd_mbox_flags_list(s, true, s->r);
	buf_printf(s->r, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
	    (unsigned long long)mdx_highestmodseq(mb->x));
	if (s->rev2) {
		/* RFC 9051 6.3.2: the mailbox's name and attributes */
		const char *use = imapd_special_use(mb->name);

		buf_printf(s->r, "* LIST (%s) \".\" ", use ? use : "");
		imapd_name_out(s, mb->name, s->r);
		buf_cats(s->r, "\r\n");
	}
	imapd_write(s, buf_cstr(s->r), buf_len(s->r));
	if (c->select.qresync)
		qresync_select(s);
	imapd_tagged(s, "OK", "[%s] %s completed",
	    readonly ? "READ-ONLY" : "READ-WRITE",
	    asked_readonly ? "EXAMINE" : "SELECT");
out:
	buf_free(&name);
}

/* cmd_close - CLOSE: expunge silently, then unselect */
static void
cmd_close(struct imapd *s)
{
	struct imapd_mbox *mb = s->sel;

	if (!mb->readonly && (mb->rights & IMAP_ACL_EXPUNGE)) {
		uint32_t *uids = xcalloc(mb->n + 1, sizeof(*uids));
		size_t n = 0;
		uint64_t bytes = 0, count = 0;

		for (size_t i = 0; i < mb->n; i++)
			if ((mb->v[i].flags & MAILDIR_F_TRASHED)
			    && !mb->v[i].gone)
				uids[n++] = mb->v[i].uid;
		if (n
		    && mdx_expunge(mb->x, uids, n, &bytes, &count, s->why) < 0)
			log_warn("%s: close %s: %s", s->user, mb->dir,
			    buf_cstr(s->why));
		if (count && !mb->is_public)
			(void)maildir_quota_update(s->root, &s->quota,
			    -(int64_t)bytes, -(int64_t)count, s->why);
		s->n_expunged += count;
		free(uids);
	}
	imapd_mbox_close(s);
	imapd_tagged(s, "OK", "Close completed");
}

/* idle_client_ready - input waiting, or arriving within ms; also polls
 * the notification descriptor. Returns 1 client, 2 notify, 0 timeout,
 * -1 error. */
static int
idle_wait(struct imapd *s, int nfd, int ms)
{
	struct pollfd pfd[2];
	int n;

	if (stream_pending(s->in) > 0)
		return 1;
	pfd[0] = (struct pollfd){.fd = stream_fd(s->in), .events = POLLIN};
	pfd[1] = (struct pollfd){.fd = nfd, .events = POLLIN};
	n = poll(pfd, nfd >= 0 ? 2 : 1, ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (n == 0)
		return 0;
	if (pfd[0].revents)
		return 1;
	return 2;
}

/* cmd_idle - IDLE (RFC 2177): updates as they happen until DONE */
static void
cmd_idle(struct imapd *s)
{
	int nfd = s->sel ? imapd_mbox_notify(s) : -1;
	int64_t start = clock_ms(), last_out = start;
	struct buf *line = buf_new(64);

	imapd_printf(s, "+ idling\r\n");
	if (s->sel)
		imapd_mbox_sync(s, true);
	imapd_flush(s);
	for (;;) {
		int64_t now = clock_ms();
		int64_t left = var_imapd_idle_timeout * 1000 - (now - start);
		int64_t ka = IMAPD_IDLE_NOTIFY * 1000 - (now - last_out);
		int r;

		if (left <= 0) {
			imapd_printf(s, "* BYE Idle for too long\r\n");
			s->logout = true;
			break;
		}
		r = idle_wait(s, nfd,
		    (int)MIN(MIN(left, MAX(ka, 1)),
		        nfd < 0 ? IMAPD_IDLE_POLL * 1000 : INT_MAX));
		if (r < 0) {
			s->logout = true;
			break;
		}
		if (r == 1) {
			if (imapd_read_line(&s->rd, line) < 0) {
				s->logout = true;
				break;
			}
			if (strcasecmp(buf_cstr(line), "DONE") == 0)
				imapd_tagged(s, "OK", "Idle completed");
			else
				imapd_tagged(s, "BAD", "Expected DONE");
			break;
		}
		if (r == 2) {
			char ev[4096];

			/* let a burst of changes settle, then drain */
			usleep(20000);
			while (read(nfd, ev, sizeof(ev)) > 0)
				;
			imapd_mbox_sync(s, true);
			last_out = clock_ms();
		} else if (nfd < 0 && s->sel) {
			imapd_mbox_sync(s, true);
		}
		if (r == 0
		    && clock_ms() - last_out >= IMAPD_IDLE_NOTIFY * 1000) {
			imapd_printf(s, "* OK Still here\r\n");
			last_out = clock_ms();
		}
		imapd_flush(s);
	}
	buf_free(&line);
}

/* ------------------------------------------------------------------ */
/* The loop */

/* needs_selected - commands of the selected state */
static bool
needs_selected(enum imap_cmd_id id)
{
	switch (id) {
	case IMAP_CMD_CHECK:
	case IMAP_CMD_CLOSE:
	case IMAP_CMD_UNSELECT:
	case IMAP_CMD_EXPUNGE:
	case IMAP_CMD_SEARCH:
	case IMAP_CMD_FETCH:
	case IMAP_CMD_STORE:
	case IMAP_CMD_COPY:
	case IMAP_CMD_MOVE:
	case IMAP_CMD_SORT:
	case IMAP_CMD_THREAD:
		return true;
	default:
		return false;
	}
}

/* dispatch - one parsed command */
static void
dispatch(struct imapd *s)
{
	struct imap_cmd *c = &s->cmd;

	if (needs_selected(c->id) && s->sel == NULL) {
		imapd_tagged(s, "BAD", "No mailbox selected");
		return;
	}
	switch (c->id) {
	case IMAP_CMD_CAPABILITY:
		cmd_capability(s);
		break;
	case IMAP_CMD_NOOP:
	case IMAP_CMD_CHECK:
		imapd_tagged(s, "OK", "%s completed", c->name);
		break;
	case IMAP_CMD_LOGOUT:
		imapd_printf(s, "* BYE Logging out\r\n");
		s->logout = true;
		imapd_tagged(s, "OK", "Logout completed");
		break;
	case IMAP_CMD_STARTTLS:
	case IMAP_CMD_LOGIN:
	case IMAP_CMD_AUTHENTICATE:
		imapd_tagged(s, "BAD", "Already logged in");
		break;
	case IMAP_CMD_ENABLE:
		cmd_enable(s);
		break;
	case IMAP_CMD_ID:
		cmd_id(s);
		break;
	case IMAP_CMD_NAMESPACE:
		/* RFC 2342: personal, other users', shared */
		if (s->pubroot)
			imapd_printf(s,
			    "* NAMESPACE ((\"\" \".\")) NIL ((\"" IMAPD_PUBLIC
			    ".\" \".\"))\r\n");
		else
			imapd_printf(
			    s, "* NAMESPACE ((\"\" \".\")) NIL NIL\r\n");
		imapd_tagged(s, "OK", "Namespace completed");
		break;
	case IMAP_CMD_SELECT:
		cmd_select(s, false);
		break;
	case IMAP_CMD_EXAMINE:
		cmd_select(s, true);
		break;
	case IMAP_CMD_CLOSE:
		cmd_close(s);
		break;
	case IMAP_CMD_UNSELECT:
		imapd_mbox_close(s);
		imapd_tagged(s, "OK", "Unselect completed");
		break;
	case IMAP_CMD_IDLE:
		cmd_idle(s);
		break;
	case IMAP_CMD_CREATE:
		imapd_cmd_create(s);
		break;
	case IMAP_CMD_DELETE:
		imapd_cmd_delete(s);
		break;
	case IMAP_CMD_RENAME:
		imapd_cmd_rename(s);
		break;
	case IMAP_CMD_SUBSCRIBE:
		imapd_cmd_subscribe(s, true);
		break;
	case IMAP_CMD_UNSUBSCRIBE:
		imapd_cmd_subscribe(s, false);
		break;
	case IMAP_CMD_LIST:
	case IMAP_CMD_LSUB:
		imapd_cmd_list(s);
		break;
	case IMAP_CMD_STATUS:
		imapd_cmd_status(s);
		break;
	case IMAP_CMD_APPEND:
		imapd_cmd_append(s);
		break;
	case IMAP_CMD_EXPUNGE:
		imapd_cmd_expunge(s);
		break;
	case IMAP_CMD_SEARCH:
		imapd_cmd_search(s);
		break;
	case IMAP_CMD_SORT:
		imapd_cmd_sort(s);
		break;
	case IMAP_CMD_THREAD:
		imapd_cmd_thread(s);
		break;
	case IMAP_CMD_FETCH:
		imapd_cmd_fetch(s);
		break;
	case IMAP_CMD_STORE:
		imapd_cmd_store(s);
		break;
	case IMAP_CMD_COPY:
		imapd_cmd_copy(s, false);
		break;
	case IMAP_CMD_MOVE:
		imapd_cmd_copy(s, true);
		break;
	case IMAP_CMD_GETQUOTA:
	case IMAP_CMD_GETQUOTAROOT:
	case IMAP_CMD_SETQUOTA:
		imapd_cmd_quota(s);
		break;
	case IMAP_CMD_SETACL:
	case IMAP_CMD_DELETEACL:
	case IMAP_CMD_GETACL:
	case IMAP_CMD_LISTRIGHTS:
	case IMAP_CMD_MYRIGHTS:
		imapd_cmd_acl(s);
		break;
	case IMAP_CMD_UNKNOWN:
		imapd_tagged(s, "BAD", "Unknown command");
		break;
	}
}

/* imapd_run - commands until the end */
void
imapd_run(struct imapd *s)
{
	while (!s->logout) {
		enum imapd_rd rd;

		imapd_flush(s);
		if (stream_status(s->out) != STREAM_OK)
			break;
		stream_set_timeout(s->in, (int)var_imapd_idle_timeout);
		rd = imapd_read_command(&s->rd, s->cmdbuf, s->tag, s->why);
		if (rd == IMAPD_RD_EOF) {
			if (stream_status(s->in) == STREAM_TIMEOUT)
				imapd_printf(s,
				    "* BYE Autologout; idle for "
				    "too long\r\n");
			break;
		}
		if (rd == IMAPD_RD_FATAL) {
			imapd_printf(s, "* BYE %s\r\n", buf_cstr(s->why));
			break;
		}
		if (rd == IMAPD_RD_REFUSED) {
			imapd_printf(
			    s, "%s %s\r\n", buf_cstr(s->tag), buf_cstr(s->why));
			continue;
		}
		imap_cmd_free(&s->cmd);
		if (imap_cmd_parse(buf_cstr(s->cmdbuf), buf_len(s->cmdbuf),
		        &s->lim, &s->cmd, s->why)
		    < 0) {
			enum imap_cmd_id id = s->cmd.id;

			/* no sync: the command never started */
			s->cmd.id = IMAP_CMD_UNKNOWN;
			imapd_tagged(s, "BAD", "%s",
			    id == IMAP_CMD_UNKNOWN && s->cmd.tag
			        ? "Unknown command"
			        : buf_cstr(s->why));
			if (++s->bad_commands >= var_imapd_bad_command_limit) {
				imapd_printf(
				    s, "* BYE Too many bad commands\r\n");
				break;
			}
			continue;
		}
		dispatch(s);
	}
	imapd_flush(s);
	log_info("%s: logged out: in=%llu out=%llu fetched=%llu stored=%llu "
	         "expunged=%llu appended=%llu",
	    s->user, stream_bytes_in(s->in), stream_bytes_out(s->out),
	    s->n_fetched, s->n_stored, s->n_expunged, s->n_appended);
}

/*
 * dsn.c - RFC 3464 delivery status notifications (see dsn.h).
 *
 * Everything a peer controlled (addresses, the remote server's reply, the
 * original headers) goes into the report; header fields are kept on one
 * line each by turning line breaks and control bytes into spaces, so no
 * peer text can start a header or a MIME part of its own. The original
 * message is included as it is, inside a part whose boundary the caller
 * chose unique.
 */
#include "util/sys_defs.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"

#include "proto/dsn.h"

/* dsn_header_end - where the header block ends */
size_t
dsn_header_end(const char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (msg[i] != '\n')
			continue;
		if (i + 1 < len && msg[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && msg[i + 1] == '\r' && msg[i + 2] == '\n')
			return i + 3;
	}
	return len;
}

/* dsn_date - RFC 5322 date-time */
void
dsn_date(time_t t, struct buf *out)
{
	struct tm tm;
	char date[64];

	localtime_r(&t, &tm);
	if (strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm) > 0)
		buf_cats(out, date);
}

/* dsn_cat_field - text for a header field value: control bytes (line
 * breaks of a multi-line reply) become spaces */
static void
dsn_cat_field(struct buf *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		buf_catc(out, (*p < 32 || *p == 127) ? ' ' : *p);
}

/* dsn_is_ascii - s is 7-bit */
static bool
dsn_is_ascii(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 128)
			return false;
	return true;
}

/* dsn_addr_field - "rfc822;addr" or "utf-8;addr" (RFC 6533) */
static void
dsn_addr_field(struct buf *out, const char *name, const char *addr)
{
	buf_printf(out, "%s: %s; ", name,
	    dsn_is_ascii(addr, strlen(addr)) ? "rfc822" : "utf-8");
	dsn_cat_field(out, addr);
	buf_cats(out, "\r\n");
}

/* dsn_cat_lines - text with any line ends as CRLF */
static void
dsn_cat_lines(struct buf *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n')
			continue;
		if (s[i] == '\n')
			buf_cats(out, "\r\n");
		else
			buf_catc(out, s[i]);
	}
	if (n > 0 && s[n - 1] != '\n')
		buf_cats(out, "\r\n");
}

/* dsn_remote_mta - the host name of "host[addr]:port" */
static void
dsn_remote_mta(struct buf *out, const char *relay)
{
	size_t n = strcspn(relay, "[");

	if (*relay == 0 || strcmp(relay, "none") == 0 || n == 0)
		return;
	buf_cats(out, "Remote-MTA: dns; ");
	for (size_t i = 0; i < n; i++)
		buf_catc(
		    out, (relay[i] < 33 || relay[i] == 127) ? '?' : relay[i]);
	buf_cats(out, "\r\n");
}

/* dsn_explain - the human-readable part */
static void
dsn_explain(const struct dsn_msg *m, const struct dsn_rcpt *rcpt, size_t n,
    struct buf *out)
{
	buf_printf(
	    out, "This is the mail system at host %s.\r\n\r\n", m->hostname);
	switch (m->kind) {
	case DSN_FAILURE:
		buf_cats(out,
		    "Your message could not be delivered to one or "
		    "more of its recipients.\r\nThis is a permanent "
		    "error; the message will not be retried.\r\n");
		break;
	case DSN_DELAY:
		buf_cats(out,
		    "Your message could not be delivered yet to one "
		    "or more of its recipients.\r\nThe mail system "
		    "will keep trying; you need not send it "
		    "again.\r\n");
		break;
	case DSN_SUCCESS:
		buf_cats(out,
		    "Your message was delivered to the recipients "
		    "below, as you asked to be told.\r\n");
		break;
	}
	buf_cats(out,
	    "\r\nIf you need help, contact the postmaster of this "
	    "system and include this report.\r\n\r\n");
	for (size_t i = 0; i < n; i++) {
		const char *text =
		    *rcpt[i].diag ? rcpt[i].diag : rcpt[i].reason;

		buf_cats(out, "<");
		dsn_cat_field(out, rcpt[i].addr);
		buf_cats(out, ">");
		if (*rcpt[i].orig && strcmp(rcpt[i].orig, rcpt[i].addr) != 0) {
			buf_cats(out, " (expanded from <");
			dsn_cat_field(out, rcpt[i].orig);
			buf_cats(out, ">)");
		}
		buf_printf(out, ": %s", rcpt[i].action);
		if (text && *text) {
			buf_cats(out, ": ");
			dsn_cat_field(out, text);
		}
		buf_cats(out, "\r\n");
	}
}

/* dsn_compose - the whole report */
void
dsn_compose(const struct dsn_msg *m, const struct dsn_rcpt *rcpt, size_t n,
    const char *orig, size_t len, struct buf *out)
{
	static const char *const subjects[] = {
	    [DSN_FAILURE] = "Undelivered Mail Returned to Sender",
	    [DSN_DELAY] = "Delayed Mail (still being retried)",
	    [DSN_SUCCESS] = "Successful Mail Delivery Report",
	};
	size_t hlen = dsn_header_end(orig, len);
	bool headers_only = m->headers_only || len > m->size_limit;

	/* Header */
	buf_printf(out, "From: MAILER-DAEMON@%s (Mail Delivery System)\r\n",
	    m->hostname);
	buf_cats(out, "To: <");
	dsn_cat_field(out, m->sender);
	buf_cats(out, ">\r\n");
	buf_printf(out, "Subject: %s\r\n", subjects[m->kind]);
	buf_cats(out, "Date: ");
	dsn_date(m->now, out);
	buf_cats(out, "\r\n");
	buf_printf(out, "Message-ID: <%s.%lld@%s>\r\n", m->queue_id,
	    (long long)m->now, m->hostname);
	buf_cats(out, "Auto-Submitted: auto-replied\r\n");
	buf_cats(out, "MIME-Version: 1.0\r\n");
	buf_printf(out,
	    "Content-Type: multipart/report; report-type=delivery-status;\r\n"
	    "\tboundary=\"%s\"\r\n",
	    m->boundary);
	buf_cats(out, "Content-Transfer-Encoding: 8bit\r\n\r\n");
	buf_cats(out, "This is a MIME-encapsulated message.\r\n\r\n");

	/* Part 1: for people */
	buf_printf(out, "--%s\r\n", m->boundary);
	buf_cats(out,
	    "Content-Description: Notification\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n");
	dsn_explain(m, rcpt, n, out);
	buf_cats(out, "\r\n");

	/* Part 2: for programs */
	buf_printf(out, "--%s\r\n", m->boundary);
	buf_cats(out,
	    "Content-Description: Delivery report\r\n"
	    "Content-Type: message/delivery-status\r\n\r\n");
	buf_printf(out, "Reporting-MTA: dns; %s\r\n", m->hostname);
	buf_printf(out, "X-Gannet-Queue-ID: %s\r\n", m->queue_id);
	if (m->envid && *m->envid) {
		buf_cats(out, "Original-Envelope-Id: ");
		dsn_cat_field(out, m->envid);
		buf_cats(out, "\r\n");
	}
	buf_cats(out, "X-Gannet-Sender: rfc822; ");
	dsn_cat_field(out, m->sender);
	buf_cats(out, "\r\nArrival-Date: ");
	dsn_date(m->arrival, out);
	buf_cats(out, "\r\n");
	for (size_t i = 0; i < n; i++) {
		const struct dsn_rcpt *r = &rcpt[i];
		const char *semi;

		buf_cats(out, "\r\n");
		dsn_addr_field(out, "Final-Recipient", r->addr);
		if (r->orcpt && *r->orcpt
		    && (semi = strchr(r->orcpt, ';')) != NULL) {
			/* ORCPT as the client gave it: "type;address" */
			buf_cats(out, "Original-Recipient: ");
			dsn_cat_field(out, r->orcpt);
			buf_cats(out, "\r\n");
		} else if (r->orig && *r->orig
		    && strcmp(r->orig, r->addr) != 0) {
			dsn_addr_field(out, "Original-Recipient", r->orig);
		}
		buf_printf(out, "Action: %s\r\n", r->action);
		buf_printf(out, "Status: %s\r\n", r->status);
		dsn_remote_mta(out, r->relay ? r->relay : "");
		if (r->diag && *r->diag) {
			buf_cats(out, "Diagnostic-Code: smtp; ");
			dsn_cat_field(out, r->diag);
			buf_cats(out, "\r\n");
		} else if (r->reason && *r->reason) {
			buf_cats(out, "Diagnostic-Code: X-Gannet; ");
			dsn_cat_field(out, r->reason);
			buf_cats(out, "\r\n");
		}
		if (m->kind == DSN_DELAY && m->retry_until > 0) {
			buf_cats(out, "Will-Retry-Until: ");
			dsn_date(m->retry_until, out);
			buf_cats(out, "\r\n");
		}
	}
	buf_cats(out, "\r\n");

	/* Part 3: the original, or its headers */
	buf_printf(out, "--%s\r\n", m->boundary);
	if (headers_only) {
		buf_printf(out,
		    "Content-Description: Undelivered Message Headers\r\n"
		    "Content-Type: text/rfc822-headers\r\n"
		    "Content-Transfer-Encoding: %s\r\n\r\n",
		    dsn_is_ascii(orig, hlen) ? "7bit" : "8bit");
		dsn_cat_lines(out, orig, hlen);
	} else {
		buf_printf(out,
		    "Content-Description: %s\r\n"
		    "Content-Type: message/rfc822\r\n"
		    "Content-Transfer-Encoding: %s\r\n\r\n",
		    m->kind == DSN_SUCCESS ? "Delivered Message"
		                           : "Undelivered Message",
		    dsn_is_ascii(orig, len) ? "7bit" : "8bit");
		dsn_cat_lines(out, orig, len);
	}
	buf_printf(out, "\r\n--%s--\r\n", m->boundary);
}

/*
 * smtpd_data.c - DATA and BDAT: the message goes line by line into a
 * queue file, with our Received: header first, through the content
 * filters, and is committed (fsync'd, renamed into incoming/) before the
 * client hears 250.
 *
 * Whatever goes wrong with the content (too big, a line too long, a bare
 * CR or LF in BDAT content, a filter), the rest of the data is still read
 * to its end, so the session stays in step with the client; only then is
 * the reply sent and the queue file removed. A bare CR or LF in DATA is
 * different: the end of the message is then in doubt, so the session
 * ends (smtpd_bare).
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/params.h"
#include "mail/params_smtpd.h"
#include "mail/queue_file.h"
#include "mail/service.h"
#include "mail/tls.h"

#include "smtpd.h"

/* A message being received. */
struct smtpd_msg {
	struct queue_writer *qw;
	struct smtpd_filter *filter;
	uint64_t size; /* bytes from the client (after dot-unstuffing) */
	bool too_big, too_long, bare;
	bool in_header, seen_header;
	bool has_msgid, has_date;
	bool add_headers; /* add Message-ID/Date when missing */
	long hops;
	struct buf *hdr;     /* the current header, unfolded */
	struct buf *msgid;   /* Message-ID value, for the log */
	struct buf *partial; /* BDAT: an incomplete line */
	bool partial_skip;   /* BDAT: dropping the rest of a long line */
	bool partial_cr;     /* BDAT: the skipped part ended in CR */
};

/* smtpd_msg_abort - drop the message and its queue file */
void
smtpd_msg_abort(struct smtpd_state *st)
{
	struct smtpd_msg *m = st->msg;

	if (m == NULL)
		return;
	queue_writer_free(&m->qw);
	smtpd_filter_free(&m->filter);
	buf_free(&m->hdr);
	buf_free(&m->msgid);
	buf_free(&m->partial);
	free(m);
	st->msg = NULL;
}

/* smtpd_rfc5322_date - "Sun, 22 Nov 2026 10:00:00 +0000" */
static void
smtpd_rfc5322_date(struct buf *out)
{
	char date[64];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm);
	buf_cats(out, date);
}

/* smtpd_received - our trace header (RFC 5321 4.4, Postfix's layout) */
static void
smtpd_received(struct smtpd_state *st, const char *qid, struct buf *out)
{
	bool v6 = strchr(st->addr, ':') != NULL;

	buf_reset(out);
	buf_printf(out, "Received: from %s (%s [%s%s])\r\n",
	    st->helo ? st->helo : st->name, st->name, v6 ? "IPv6:" : "",
	    st->addr);
	if (st->tls) {
		buf_cats(out, "\t(using ");
		tls_conn_describe(st->tls, out);
		buf_cats(out, ")\r\n");
	}
	if (st->auth_user)
		buf_printf(
		    out, "\t(Authenticated sender: %s)\r\n", st->auth_user);
	buf_printf(out, "\tby %s (Gannet) with %s id %s", var_myhostname,
	    smtpd_protocol(st), qid);
	if (st->env.nrcpt == 1)
		buf_printf(out, "\r\n\tfor <%s>; ", st->env.rcpt[0].addr);
	else
		buf_cats(out, ";\r\n\t");
	smtpd_rfc5322_date(out);
	buf_cats(out, "\r\n");
}

/* smtpd_msg_start - create the queue file; 0, or -1 after a 451 reply
 * (when reply is true) */
static int
smtpd_msg_start(struct smtpd_state *st, bool reply)
{
	struct smtpd_msg *m;
	struct queue_env *e = &st->env;
	struct buf *why = st->why;

	ASSERT(st->msg == NULL);
	m = xcalloc(1, sizeof(*m));
	m->hdr = buf_new_capped(256, (size_t)var_header_size_limit);
	m->msgid = buf_new_capped(64, 200);
	m->partial = buf_new_capped(256, (size_t)var_line_length_limit + 2);
	m->in_header = true;
	m->add_headers =
	    st->auth_user != NULL || var_always_add_missing_headers;
	st->msg = m;

	free(e->service);
	e->service = xstrdup(smtpd_service());
	free(e->protocol);
	e->protocol = xstrdup(smtpd_protocol(st));
	free(e->client_addr);
	e->client_addr = xstrdup(st->addr);
	e->client_port = st->port;
	free(e->client_name);
	e->client_name = xstrdup(st->name);
	free(e->client_helo);
	e->client_helo = xstrdup(st->helo ? st->helo : "");
	free(e->auth_user);
	e->auth_user = xstrdup(st->auth_user ? st->auth_user : "");
	free(e->tls_version);
	e->tls_version = xstrdup(st->tls ? tls_conn_version(st->tls) : "");
	free(e->tls_cipher);
	e->tls_cipher = xstrdup(st->tls ? tls_conn_cipher(st->tls) : "");

	buf_reset(why);
	if ((m->qw = queue_writer_create(var_queue_dir, why)) == NULL
	    || queue_writer_envelope(m->qw, e, why) < 0) {
		log_warn("%s: queue file: %s", st->namaddr, buf_cstr(why));
		smtpd_msg_abort(st);
		if (reply)
			smtpd_reply(st,
			    "451 4.3.0 Error: queue file write "
			    "error");
		return -1;
	}
	m->filter = smtpd_filter_new();
	smtpd_received(st, queue_writer_id(m->qw), st->tmp);
	queue_writer_body(m->qw, buf_cstr(st->tmp), buf_len(st->tmp));
	if (st->auth_user)
		log_info("%s: client=%s, sasl_method=%s, sasl_username=%s",
		    queue_writer_id(m->qw), st->namaddr, st->auth_method,
		    st->auth_user);
	else
		log_info("%s: client=%s", queue_writer_id(m->qw), st->namaddr);
	return 0;
}

/* smtpd_hdr_is_field - the line starts a header field ("name:") */
static bool
smtpd_hdr_is_field(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] > 32 && p[i] < 127 && p[i] != ':')
		i++;
	return i > 0 && i < len && p[i] == ':';
}

/* smtpd_hdr_name_is - the header in hdr has this name */
static bool
smtpd_hdr_name_is(const struct buf *hdr, const char *name)
{
	size_t n = strlen(name);

	return buf_len(hdr) > n && strncasecmp(buf_cstr(hdr), name, n) == 0
	    && buf_cstr(hdr)[n] == ':';
}

/* smtpd_hdr_flush - the current header is complete */
static void
smtpd_hdr_flush(struct smtpd_state *st)
{
	struct smtpd_msg *m = st->msg;

	if (buf_len(m->hdr) == 0)
		return;
	if (smtpd_hdr_name_is(m->hdr, "received"))
		m->hops++;
	else if (smtpd_hdr_name_is(m->hdr, "date"))
		m->has_date = true;
	else if (smtpd_hdr_name_is(m->hdr, "message-id")) {
		const char *v = buf_cstr(m->hdr) + 11;

		m->has_msgid = true;
		while (*v == ' ' || *v == '\t')
			v++;
		buf_reset(m->msgid);
		buf_cat(m->msgid, v, MIN(strlen(v), 200));
	}
	smtpd_filter_header(m->filter, queue_writer_id(m->qw), buf_cstr(m->hdr),
	    buf_len(m->hdr));
	buf_reset(m->hdr);
}

/* smtpd_hdr_end - the header section ended: add what is missing */
static void
smtpd_hdr_end(struct smtpd_state *st)
{
	struct smtpd_msg *m = st->msg;
	struct buf *b = st->tmp;

	smtpd_hdr_flush(st);
	m->in_header = false;
	if (!m->add_headers)
		return;
	buf_reset(b);
	if (!m->has_msgid) {
		char stamp[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(stamp, sizeof(stamp), "%Y%m%d%H%M%S", &tm);
		buf_printf(b, "Message-ID: <%s.%s@%s>\r\n", stamp,
		    queue_writer_id(m->qw), var_myhostname);
		buf_printf(m->msgid, "<%s.%s@%s>", stamp,
		    queue_writer_id(m->qw), var_myhostname);
	}
	if (!m->has_date) {
		buf_cats(b, "Date: ");
		smtpd_rfc5322_date(b);
		buf_cats(b, "\r\n");
	}
	queue_writer_body(m->qw, buf_cstr(b), buf_len(b));
}

/* smtpd_msg_line - one line of the message (CRLF included, no dot
 * stuffing) */
static void
smtpd_msg_line(struct smtpd_state *st, const char *p, size_t len)
{
	struct smtpd_msg *m = st->msg;

	m->size += len;
	if (var_message_size_limit > 0
	    && m->size > (uint64_t)var_message_size_limit)
		m->too_big = true;
	if (m->too_big || m->too_long || m->bare)
		return;
	if (m->in_header) {
		if (len == 2) {
			smtpd_hdr_end(st);
			queue_writer_body(m->qw, p, len);
			return;
		}
		if ((p[0] == ' ' || p[0] == '\t') && m->seen_header) {
			/* Unfolded: the continuation without the CRLF. */
			(void)buf_cat(m->hdr, p, len - 2);
			queue_writer_body(m->qw, p, len);
			return;
		}
		if (smtpd_hdr_is_field(p, len - 2)) {
			smtpd_hdr_flush(st);
			(void)buf_cat(m->hdr, p, len - 2);
			m->seen_header = true;
			queue_writer_body(m->qw, p, len);
			return;
		}
		/* Not a header: the body starts without the empty line
		 * RFC 5322 wants; add it, so our headers stay headers. */
		smtpd_hdr_end(st);
		queue_writer_body(m->qw, "\r\n", 2);
	}
	smtpd_filter_body(m->filter, queue_writer_id(m->qw), p, len - 2);
	queue_writer_body(m->qw, p, len);
}

/* smtpd_msg_finish - the client sent all; reply and close the
 * transaction */
static void
smtpd_msg_finish(struct smtpd_state *st)
{
	struct smtpd_msg *m = st->msg;
	const char *qid = queue_writer_id(m->qw);
	const char *freply = NULL;
	enum smtpd_filter_action act;
	const char *where = "incoming";

	st->where = "END-OF-MESSAGE";
	if (m->in_header && !m->too_big && !m->too_long && !m->bare)
		smtpd_hdr_end(st);
	act = smtpd_filter_result(m->filter, &freply);
	if (m->bare) {
		smtpd_reject(st, NULL,
		    "550 5.5.2 Error: bare <CR> or <LF> in "
		    "message content");
	} else if (m->too_big) {
		smtpd_reject(
		    st, NULL, "552 5.3.4 Message size exceeds fixed limit");
	} else if (m->too_long) {
		smtpd_reject(st, NULL,
		    "500 5.5.2 Error: message line longer than %ld characters",
		    var_line_length_limit);
	} else if (m->hops > var_hopcount_limit) {
		smtpd_reject(st, NULL, "554 5.4.0 Error: too many hops");
	} else if (act == SMTPD_FILTER_REJECT) {
		log_info("%s: reject: content filter from %s: %s", qid,
		    st->namaddr, freply);
		smtpd_reply(st, "%s", freply);
	} else if (act == SMTPD_FILTER_DISCARD) {
		log_info("%s: discard: content filter from %s: %s", qid,
		    st->namaddr, freply ? freply : "");
		smtpd_reply(st, "250 2.0.0 Ok: queued as %s", qid);
		st->msgs++;
	} else {
		if (act == SMTPD_FILTER_HOLD)
			where = QUEUE_HOLD;
		buf_reset(st->why);
		if (queue_writer_commit(m->qw,
		        act == SMTPD_FILTER_HOLD ? QUEUE_HOLD : QUEUE_INCOMING,
		        st->why)
		    < 0) {
			log_warn("%s: queue file: %s", qid, buf_cstr(st->why));
			smtpd_reply(
			    st, "451 4.3.0 Error: queue file write error");
		} else {
			if (buf_len(m->msgid))
				log_info("%s: message-id=%s", qid,
				    buf_cstr(m->msgid));
			log_info("%s: from=<%s>, size=%lld, nrcpt=%zu, "
			         "proto=%s, queued in %s",
			    qid, st->env.sender,
			    (long long)queue_writer_size(m->qw), st->env.nrcpt,
			    smtpd_protocol(st), where);
			smtpd_reply(st, "250 2.0.0 Ok: queued as %s", qid);
			queue_wake(var_queue_dir);
			st->msgs++;
			st->junk = 0;
		}
	}
	smtpd_reset(st);
}

/* smtpd_cmd_data - DATA */
void
smtpd_cmd_data(struct smtpd_state *st)
{
	/* The rest of an over-long line is read whatever its length: the
	 * timeouts and the session time limit bound it. */
	size_t skip_max = SIZE_MAX;

	if (!st->has_mail) {
		smtpd_reply(st, "503 5.5.1 Error: need MAIL command");
		return;
	}
	if (st->env.nrcpt == 0) {
		smtpd_reply(st, "554 5.5.1 Error: no valid recipients");
		return;
	}
	if (st->msg) {
		smtpd_reply(st, "503 5.5.1 Error: DATA after BDAT");
		return;
	}
	if (smtpd_msg_start(st, true) < 0) {
		smtpd_reset(st);
		return;
	}
	smtpd_reply(st, "354 End data with <CR><LF>.<CR><LF>");
	if (stream_flush(st->s) < 0) {
		smtpd_io_error(st);
		smtpd_msg_abort(st);
		return;
	}
	for (;;) {
		size_t skipped = 0;
		enum smtpd_line r = smtpd_getline(
		    st, (size_t)var_line_length_limit, skip_max, &skipped);
		const char *p;
		size_t len;

		switch (r) {
		case SMTPD_LINE_IO:
			smtpd_io_error(st);
			smtpd_msg_abort(st);
			return;
		case SMTPD_LINE_BARE_CR:
		case SMTPD_LINE_BARE_LF:
			smtpd_bare(st, r);
			return;
		case SMTPD_LINE_HUGE:
			log_info("message too large from %s", st->namaddr);
			smtpd_msg_abort(st);
			st->where = "DATA";
			smtpd_reply(
			    st, "552 5.3.4 Message size exceeds fixed limit");
			(void)stream_flush(st->s);
			st->must_close = true;
			return;
		case SMTPD_LINE_TOOLONG:
			st->msg->too_long = true;
			st->msg->size += buf_len(st->line) + skipped;
			continue;
		case SMTPD_LINE_OK:
			break;
		}
		p = buf_cstr(st->line);
		len = buf_len(st->line);
		if (len == 3 && p[0] == '.')
			break;
		if (p[0] == '.') {
			p++;
			len--;
		}
		smtpd_msg_line(st, p, len);
	}
	smtpd_msg_finish(st);
}

/* smtpd_bdat_bytes - BDAT content into lines */
static void
smtpd_bdat_bytes(struct smtpd_state *st, const char *p, size_t n)
{
	struct smtpd_msg *m = st->msg;

	while (n > 0) {
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t)(nl - p) + 1 : n;

		if (m->partial_skip) {
			/* The rest of an over-long line: only its size and
			 * its line end matter. */
			bool pending = m->partial_cr;

			for (size_t i = 0; i < take; i++) {
				if (pending && p[i] != '\n')
					m->bare = true;
				if (!pending && p[i] == '\n')
					m->bare = true;
				pending = p[i] == '\r';
			}
			m->partial_cr = pending;
			m->size += take;
			if (nl)
				m->partial_skip = m->partial_cr = false;
		} else if (buf_cat(m->partial, p, take) < 0) {
			m->too_long = true;
			m->partial_skip = true;
			m->size += buf_len(m->partial);
			m->partial_cr = buf_len(m->partial) > 0
			    && buf_cstr(m->partial)[buf_len(m->partial) - 1]
			        == '\r';
			buf_reset(m->partial);
			continue; /* the same bytes, now skipped */
		} else if (nl) {
			const char *l = buf_cstr(m->partial);
			size_t len = buf_len(m->partial);

			if (len < 2 || l[len - 2] != '\r'
			    || memchr(l, '\r', len - 2) != NULL)
				m->bare = true;
			smtpd_msg_line(st, l, len);
			buf_reset(m->partial);
		}
		p += take;
		n -= take;
	}
	if (var_message_size_limit > 0
	    && m->size + buf_len(m->partial) > (uint64_t)var_message_size_limit)
		m->too_big = true;
}

/* smtpd_bdat_tail - the last chunk ended: a final line without CRLF */
static void
smtpd_bdat_tail(struct smtpd_state *st)
{
	struct smtpd_msg *m = st->msg;

	if (m->partial_skip) {
		if (m->partial_cr)
			m->bare = true;
		return;
	}
	if (buf_len(m->partial) == 0)
		return;
	if (memchr(buf_cstr(m->partial), '\r', buf_len(m->partial)))
		m->bare = true;
	if (buf_cat(m->partial, "\r\n", 2) < 0)
		m->too_long = true;
	else
		smtpd_msg_line(st, buf_cstr(m->partial), buf_len(m->partial));
	buf_reset(m->partial);
}

/* smtpd_bdat_discard - read and drop n bytes; 0 or -1 (I/O) */
static int
smtpd_bdat_discard(struct smtpd_state *st, uint64_t n)
{
	char tmp[8192];

	while (n > 0) {
		ssize_t r = stream_read(st->s, tmp, MIN(n, sizeof(tmp)));

		if (r <= 0)
			return -1;
		n -= (uint64_t)r;
	}
	return 0;
}

/* smtpd_cmd_bdat - BDAT (RFC 3030 CHUNKING) */
void
smtpd_cmd_bdat(struct smtpd_state *st)
{
	uint64_t n = st->cmd.chunk_size;
	bool last = st->cmd.is_last;
	const char *err = NULL;
	char tmp[8192];

	/* A chunk is read whatever the answer, or the client's next bytes
	 * would be taken for commands; one we could not even skip in
	 * reasonable time ends the session. */
	if (var_message_size_limit > 0
	    && n > 2 * (uint64_t)var_message_size_limit + 1024 * 1024) {
		log_info("BDAT chunk of %llu bytes from %s",
		    (unsigned long long)n, st->namaddr);
		smtpd_msg_abort(st);
		smtpd_reply(st, "552 5.3.4 Message size exceeds fixed limit");
		(void)stream_flush(st->s);
		st->must_close = true;
		return;
	}
	if (var_smtpd_helo_required && st->helo == NULL)
		err = "503 5.5.1 Error: send HELO/EHLO first";
	else if (st->tls == NULL
	    && strcmp(var_smtpd_tls_security_level, "encrypt") == 0)
		err = "530 5.7.0 Must issue a STARTTLS command first";
	else if (!st->has_mail)
		err = "503 5.5.1 Error: need MAIL command";
	else if (st->env.nrcpt == 0)
		err = "554 5.5.1 Error: no valid recipients";
	else if (st->bdat_failed)
		err = st->bdat_error;
	else if (st->msg == NULL && smtpd_msg_start(st, false) < 0) {
		st->bdat_failed = true;
		st->bdat_error = xstrdup("451 4.3.0 Error: queue file write "
		                         "error");
		err = st->bdat_error;
	}
	if (err) {
		if (smtpd_bdat_discard(st, n) < 0) {
			smtpd_io_error(st);
			return;
		}
		smtpd_reply(st, "%s", err);
		if (last && st->has_mail)
			smtpd_reset(st);
		return;
	}
	while (n > 0) {
		ssize_t r = stream_read(st->s, tmp, MIN(n, sizeof(tmp)));

		if (r <= 0) {
			smtpd_io_error(st);
			smtpd_msg_abort(st);
			return;
		}
		smtpd_bdat_bytes(st, tmp, (size_t)r);
		n -= (uint64_t)r;
	}
	if (st->msg->too_big && !last) {
		/* RFC 3030 2: fail this chunk, and the rest until RSET. */
		smtpd_reject(
		    st, NULL, "552 5.3.4 Message size exceeds fixed limit");
		smtpd_msg_abort(st);
		st->bdat_failed = true;
		st->bdat_error =
		    xstrdup("552 5.3.4 Message size exceeds fixed limit");
		return;
	}
	if (!last) {
		smtpd_reply(st, "250 2.0.0 Ok: %llu bytes",
		    (unsigned long long)st->cmd.chunk_size);
		return;
	}
	smtpd_bdat_tail(st);
	smtpd_msg_finish(st);
}

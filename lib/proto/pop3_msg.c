/*
 * pop3_msg.c - LF to CRLF, byte-stuffing and TOP's line counting (see
 * pop3_msg.h). One state machine serves RETR, TOP and the size count, so
 * that the size LIST announces is what RETR sends.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/pop3_msg.h"

/* pop3_msg_init - fresh state */
void
pop3_msg_init(struct pop3_msg *m, bool is_top, unsigned long lines)
{
	memset(m, 0, sizeof(*m));
	m->is_top = is_top;
	m->body_lines = lines;
	m->at_bol = true;
	m->line_blank = true;
	/* TOP n 0 of a message that has no header at all still sends
	 * nothing of its body. */
}

/* pop3_msg_eol - a line ended: the header ends at the first empty line;
 * in TOP, count the body lines */
static void
pop3_msg_eol(struct pop3_msg *m)
{
	if (!m->in_body) {
		if (m->line_blank) {
			m->in_body = true;
			if (m->is_top && m->body_lines == 0)
				m->done = true;
		}
	} else if (m->is_top && --m->body_lines == 0) {
		m->done = true;
	}
	m->at_bol = true;
	m->line_blank = true;
}

/* pop3_msg_run - the one loop; out NULL only counts */
static void
pop3_msg_run(struct pop3_msg *m, const char *p, size_t n, struct buf *out)
{
	size_t i = 0;

	while (i < n && !m->done) {
		/* The bytes up to the next special one go out as they are. */
		size_t j = i;

		if (!m->at_bol)
			while (j < n && p[j] != '\n' && p[j] != '\r')
				j++;
		if (j > i) {
			if (out)
				buf_cat(out, p + i, j - i);
			m->wire += j - i;
			m->line_blank = false;
			m->last_cr = false;
			i = j;
			continue;
		}
		if (m->at_bol) {
			m->at_bol = false;
			if (p[i] == '.' && out)
				buf_catc(out, '.'); /* stuffing: not counted */
		}
		switch (p[i]) {
		case '\n':
			if (!m->last_cr) {
				if (out)
					buf_catc(out, '\r');
				m->wire++;
			}
			if (out)
				buf_catc(out, '\n');
			m->wire++;
			m->last_cr = false;
			pop3_msg_eol(m);
			break;
		case '\r':
			/* A CR is blank only as the last byte before LF; a
			 * second one makes the line non-empty. */
			if (m->last_cr)
				m->line_blank = false;
			if (out)
				buf_catc(out, '\r');
			m->wire++;
			m->last_cr = true;
			break;
		default:
			if (out)
				buf_catc(out, p[i]);
			m->wire++;
			m->line_blank = false;
			m->last_cr = false;
			break;
		}
		i++;
	}
}

/* pop3_msg_encode - wire form of a chunk */
void
pop3_msg_encode(struct pop3_msg *m, const void *p, size_t n, struct buf *out)
{
	pop3_msg_run(m, p, n, out);
}

/* pop3_msg_wire - count only */
void
pop3_msg_wire(struct pop3_msg *m, const void *p, size_t n)
{
	pop3_msg_run(m, p, n, NULL);
}

/* pop3_msg_done - TOP is complete */
bool
pop3_msg_done(const struct pop3_msg *m)
{
	return m->done;
}

/* pop3_msg_finish - last line end and the terminator */
void
pop3_msg_finish(struct pop3_msg *m, struct buf *out)
{
	if (!m->at_bol) {
		/* XXX: a file whose last line has no LF gets a CRLF here that
		 * the size did not count (2 octets): Gannet's own files
		 * always end in LF, the recorded W= size cannot know. */
		buf_cats(out, m->last_cr ? "\n" : "\r\n");
		m->at_bol = true;
	}
	buf_cats(out, ".\r\n");
}

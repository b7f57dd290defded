/*
 * imapd_read.c - reading one IMAP command: its lines and the literals
 * they announce (RFC 3501 4.3, LITERAL+ of RFC 7888), each within a
 * limit. A synchronising literal that is too large is refused before the
 * client sends it; a non-synchronising one is already on its way, so the
 * session ends (RFC 7888 section 4 allows exactly these two answers).
 */
#include "util/sys_defs.h"

#include <strings.h>

#include "util/buf.h"
#include "util/stream.h"

#include "proto/imap_cmd.h"

#include "imapd.h"

/* cmd_tag - the first word of a command (its tag) into tag */
static void
cmd_tag(const struct buf *cmd, struct buf *tag)
{
	const char *s = buf_cstr(cmd);
	size_t n = strcspn(s, " \r\n");

	buf_reset(tag);
	buf_cat(tag, s, n > 64 ? 64 : n);
	if (buf_len(tag) == 0)
		buf_cats(tag, "*");
}

/* cmd_is_append - the command word is APPEND */
static bool
cmd_is_append(const struct buf *cmd)
{
	const char *sp = strchr(buf_cstr(cmd), ' ');

	return sp && strncasecmp(sp + 1, "APPEND ", 7) == 0;
}

/* imapd_read_command - lines and literals */
enum imapd_rd
imapd_read_command(
    struct imapd_reader *r, struct buf *cmd, struct buf *tag, struct buf *why)
{
	buf_reset(cmd);
	buf_reset(why);
	for (;;) {
		ssize_t n =
		    stream_getline(r->in, r->line, (size_t)r->line_limit);
		uint64_t lit;
		bool nonsync;
		long limit;

		if (n < 0) {
			if (stream_status(r->in) == STREAM_TOOLONG) {
				buf_cats(why, "Command line too long");
				return IMAPD_RD_FATAL;
			}
			buf_cats(why, stream_strerror(r->in));
			return IMAPD_RD_EOF;
		}
		if ((long)(buf_len(cmd) + (size_t)n) > r->size_limit
		        + (cmd_is_append(cmd) ? r->literal_limit : 0)) {
			buf_cats(why, "Command too large");
			return IMAPD_RD_FATAL;
		}
		buf_cat(cmd, buf_cstr(r->line), (size_t)n);
		if (!imap_line_literal(
		        buf_cstr(r->line), (size_t)n, &lit, &nonsync))
			return IMAPD_RD_OK;
		limit = cmd_is_append(cmd) ? r->literal_limit
		                           : r->size_limit - (long)buf_len(cmd);
		if (limit < 0 || lit > (uint64_t)limit) {
			cmd_tag(cmd, tag);
			if (nonsync) {
				buf_cats(why, "Literal too large");
				return IMAPD_RD_FATAL;
			}
			buf_cats(why,
			    cmd_is_append(cmd) ? "NO [TOOBIG] Message too large"
			                       : "BAD Literal too large");
			return IMAPD_RD_REFUSED;
		}
		if (!nonsync) {
			if (stream_puts(r->out, "+ OK\r\n") < 0
			    || stream_flush(r->out) < 0) {
				buf_cats(why, stream_strerror(r->out));
				return IMAPD_RD_EOF;
			}
		}
		while (lit > 0) {
			size_t chunk = lit > 65536 ? 65536 : (size_t)lit;
			char *p = buf_reserve(cmd, chunk);

			if (p == NULL
			    || stream_read_exact(r->in, p, chunk) < 0) {
				buf_cats(why, stream_strerror(r->in));
				return IMAPD_RD_EOF;
			}
			buf_commit(cmd, chunk);
			lit -= chunk;
		}
	}
}

/* imapd_read_line - one line without its end */
int
imapd_read_line(struct imapd_reader *r, struct buf *out)
{
	ssize_t n = stream_getline(r->in, r->line, (size_t)r->line_limit);
	size_t len;

	if (n < 0)
		return -1;
	len = (size_t)n;
	while (len > 0
	    && (buf_cstr(r->line)[len - 1] == '\n'
	        || buf_cstr(r->line)[len - 1] == '\r'))
		len--;
	buf_set(out, buf_cstr(r->line), len);
	return 0;
}

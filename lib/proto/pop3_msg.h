/*
 * pop3_msg.h - a message as POP3 sends it (RFC 1939 section 3): every
 * line ends in CRLF, a line that begins with "." gets another "." in
 * front (byte-stuffing), and ".CRLF" ends the multi-line response. For
 * TOP, only the header, the empty line after it and the first n lines of
 * the body are sent.
 *
 * The mail store keeps lines ending in LF (maildir.h), so the conversion
 * happens here, while the file is read in chunks of any size. A file that
 * already has CRLF line ends (written by another program) is not doubled:
 * a CR directly before an LF stays one CR. A bare CR elsewhere is data and
 * passes unchanged.
 *
 * Sizes: RFC 1939 wants LIST and STAT to give the size "in octets" as sent,
 * counting the CRLF line ends but not the stuffing or the terminating
 * line. pop3_msg_wire counts that for a file without a recorded size.
 *
 * Pure code: no I/O.
 */
#ifndef PROTO_POP3_MSG_H
#define PROTO_POP3_MSG_H
#include <stdint.h>

#include "util/sys_defs.h"

struct buf;

struct pop3_msg {
	bool is_top;              /* stop after body_lines lines of the body */
	unsigned long body_lines; /* TOP: how many body lines are left */
	bool at_bol;              /* the next byte begins a line */
	bool last_cr;             /* the last byte was a CR */
	bool line_blank;          /* the current line so far is "" or "\r" */
	bool in_body;             /* past the empty line after the header */
	bool done;                /* TOP: everything wanted was sent */
	uint64_t wire;            /* octets as sent, without stuffing */
};

/* pop3_msg_init - for RETR (is_top false) or TOP with lines body lines */
void pop3_msg_init(struct pop3_msg *m, bool is_top, unsigned long lines);
/* pop3_msg_encode - append the wire form of p[0..n) to out (uncapped);
 * bytes after a TOP's last line are dropped */
void pop3_msg_encode(
    struct pop3_msg *m, const void *p, size_t n, struct buf *out);
/* pop3_msg_done - TOP has sent all it wanted: the caller may stop
 * reading the file */
bool pop3_msg_done(const struct pop3_msg *m);
/* pop3_msg_finish - end the message: a CRLF when the last line had none,
 * then ".CRLF" */
void pop3_msg_finish(struct pop3_msg *m, struct buf *out);
/* pop3_msg_wire - add the wire size of p[0..n) to m->wire without
 * producing output (for sizes); call pop3_msg_init(m, false, 0) first */
void pop3_msg_wire(struct pop3_msg *m, const void *p, size_t n);

#endif /* PROTO_POP3_MSG_H */

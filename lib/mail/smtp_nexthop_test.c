/*
 * smtp_nexthop_test.c - next-hop syntax, the failure record, and the
 * message reader of the SMTP client (line ends, 8-bit scan), without
 * network.
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "mail/deliver_proto.h"
#include "mail/smtp_client.h"
#include "mail/smtp_nexthop.h"

#include "tests/t.h"

static const struct {
	const char *spec;
	int ret;
	const char *host;
	int port;
	bool use_mx;
} hops[] = {
    {"example.org", 0, "example.org", 25, true},
    {"Example.ORG.", 0, "Example.ORG", 25, true},
    {"example.org:2525", 0, "example.org", 2525, true},
    {"[mail.example.org]", 0, "mail.example.org", 25, false},
    {"[mail.example.org]:587", 0, "mail.example.org", 587, false},
    {"[192.0.2.1]:25", 0, "192.0.2.1", 25, false},
    {"[2001:db8::1]", 0, "2001:db8::1", 25, false},
    {"[ipv6:2001:db8::1]:26", 0, "2001:db8::1", 26, false},
    {"", -1, NULL, 0, false},
    {"[mail.example.org", -1, NULL, 0, false},
    {"[mail.example.org]x", -1, NULL, 0, false},
    {"example.org:0", -1, NULL, 0, false},
    {"example.org:65536", -1, NULL, 0, false},
    {"example.org:25:26", -1, NULL, 0, false},
    {"192.0.2.1:25x", -1, NULL, 0, false},
    {"bad name.org", -1, NULL, 0, false},
    {"[bad name]", -1, NULL, 0, false},
    {"[]", -1, NULL, 0, false},
};

static void
test_content(void)
{
	const char *path = t_write_file("msg",
	    "PREFIX"
	    "Subject: x\r\n\r\nline one\nline two\r\n.dot\r\nlast");
	struct smtp_content *c;
	struct buf *line = buf_new(64), *why = buf_new(64);
	int fd = open(path, O_RDONLY);

	t_begin("content reader: a range of the file, LF or CRLF ends");
	T_ASSERT(fd >= 0);
	c = smtp_content_fd(fd, 6, 43);
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), "Subject: x");
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), "");
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), "line one");
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), "line two");
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), ".dot");
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), "last");
	T_INTEQ(c->next_line(c->ctx, line, why), 0);

	t_begin("content reader: 7-bit scan, rewind");
	T_INTEQ(smtp_content_is_8bit(c, why), 0);
	T_INTEQ(c->rewind(c->ctx, why), 0);
	T_INTEQ(c->next_line(c->ctx, line, why), 1);
	T_STREQ(buf_cstr(line), "Subject: x");
	smtp_content_fd_free(&c);

	t_begin("content reader: a file shorter than its size");
	c = smtp_content_fd(fd, 6, 100);
	while (c->next_line(c->ctx, line, why) > 0)
		;
	T_ASSERT(strstr(buf_cstr(why), "shorter") != NULL);
	smtp_content_fd_free(&c);
	close(fd);

	t_begin("content reader: 8-bit");
	path = t_write_file("msg8", "Subject: caf\xc3\xa9\r\n\r\nx\r\n");
	fd = open(path, O_RDONLY);
	c = smtp_content_fd(fd, 0, 21);
	T_INTEQ(smtp_content_is_8bit(c, why), 1);
	smtp_content_fd_free(&c);
	close(fd);
	buf_free(&line);
	buf_free(&why);
}

int
main(void)
{
	struct smtp_nexthop nh;
	struct buf *why = buf_new(64);
	struct smtp_fail f, g;
	struct deliver_request req;

	for (size_t i = 0; i < NELEM(hops); i++) {
		t_begin(hops[i].spec);
		buf_reset(why);
		T_INTEQ(
		    smtp_nexthop_parse(hops[i].spec, &nh, why), hops[i].ret);
		if (hops[i].ret < 0) {
			T_ASSERT(strstr(buf_cstr(why), "bad next hop") != NULL);
			continue;
		}
		T_STREQ(nh.host, hops[i].host);
		T_INTEQ(nh.port, hops[i].port);
		T_INTEQ(nh.use_mx, hops[i].use_mx);
		T_STREQ(nh.spec, hops[i].spec);
	}

	t_begin("failure record");
	smtp_fail_init(&f);
	smtp_fail_init(&g);
	T_STREQ(f.relay, "none");
	smtp_fail_set(&f, "5.1.1", false, "550 5.1.1 no", "mx[192.0.2.1]:25",
	    "host %s said: %s", "mx[192.0.2.1]", "550 5.1.1 no");
	T_ASSERT(f.is_set && f.is_perm && !f.try_next);
	smtp_fail_copy(&g, &f);
	T_STREQ(buf_cstr(g.reason), "host mx[192.0.2.1] said: 550 5.1.1 no");
	T_STREQ(g.relay, "mx[192.0.2.1]:25");
	smtp_fail_clear(&f);
	T_ASSERT(!f.is_set && buf_len(f.reason) == 0);
	smtp_fail_set(&f, "4.4.1", true, NULL, NULL, "x");
	T_ASSERT(!f.is_perm && f.try_next);
	smtp_fail_free(&f);
	smtp_fail_free(&g);

	t_begin("SMTPUTF8 is needed for a non-ASCII address");
	deliver_request_init(&req);
	req.sender = xstrdup("a@example.org");
	deliver_request_add_rcpt(&req, 1, "b@example.org", "", "", "");
	T_ASSERT(!smtp_needs_smtputf8(&req));
	deliver_request_add_rcpt(
	    &req, 2, "j\xc3\xb6rg@example.org", "", "", "");
	T_ASSERT(smtp_needs_smtputf8(&req));
	deliver_request_free(&req);

	test_content();
	buf_free(&why);
	return t_end();
}

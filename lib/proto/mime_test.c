/*
 * mime_test.c - MIME structure, IMAP part numbers, and the ENVELOPE and
 * BODYSTRUCTURE built from them.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/imap_fmt.h"
#include "proto/mime.h"

#include "tests/t.h"

/* mixed( alternative(plain, html), message/rfc822( mixed(plain, gif) ),
 * application/pdf ) */
static const char nested[] =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.com, \"Carol C.\" <carol@example.com>\r\n"
    "Subject: nested\r\n"
    "Date: Mon, 7 Feb 1994 21:52:25 -0800\r\n"
    "Message-ID: <outer@example.org>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--outer\r\n"
    "Content-Type: multipart/alternative; boundary=alt\r\n"
    "\r\n"
    "--alt\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "plain text\r\n"
    "two lines\r\n"
    "--alt\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "<p>html</p>\r\n"
    "--alt--\r\n"
    "--outer\r\n"
    "Content-Type: message/rfc822\r\n"
    "Content-Description: forwarded\r\n"
    "\r\n"
    "From: dave@example.net\r\n"
    "Subject: inner\r\n"
    "Content-Type: multipart/mixed; boundary=in\r\n"
    "\r\n"
    "--in\r\n"
    "\r\n"
    "inner text\r\n"
    "--in\r\n"
    "Content-Type: image/gif; name=x.gif\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=\"x.gif\"\r\n"
    "\r\n"
    "R0lGODlh\r\n"
    "--in--\r\n"
    "--outer\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Language: en, de\r\n"
    "\r\n"
    "JVBERi0=\r\n"
    "--outer--\r\n"
    "epilogue\r\n";

static const char want_bs[] =
    "((("
    "\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 21 1 "
    "NIL NIL NIL NIL)("
    "\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL "
    "\"quoted-printable\" 11 0 NIL NIL NIL NIL) "
    "\"alternative\" (\"boundary\" \"alt\") NIL NIL NIL)("
    "\"message\" \"rfc822\" NIL NIL \"forwarded\" \"7bit\" 253 "
    "(NIL \"inner\" ((NIL NIL \"dave\" \"example.net\")) "
    "((NIL NIL \"dave\" \"example.net\")) "
    "((NIL NIL \"dave\" \"example.net\")) NIL NIL NIL NIL NIL) "
    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 "
    "0 NIL NIL NIL NIL)("
    "\"image\" \"gif\" (\"name\" \"x.gif\") NIL NIL \"base64\" 8 NIL "
    "(\"attachment\" (\"filename\" \"x.gif\")) NIL NIL) \"mixed\" "
    "(\"boundary\" \"in\") NIL NIL NIL) 13 NIL NIL NIL NIL)("
    "\"application\" \"pdf\" NIL NIL NIL \"base64\" 8 NIL NIL "
    "(\"en\" \"de\") NIL) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL)";

static const char want_env[] =
    "(\"Mon, 7 Feb 1994 21:52:25 -0800\" \"nested\" "
    "((\"Alice\" NIL \"alice\" \"example.org\")) "
    "((\"Alice\" NIL \"alice\" \"example.org\")) "
    "((\"Alice\" NIL \"alice\" \"example.org\")) "
    "((NIL NIL \"bob\" \"example.com\")(\"Carol C.\" NIL \"carol\" "
    "\"example.com\")) NIL NIL NIL \"<outer@example.org>\")";

/* body_of - the body text of a part */
static void
body_of(const char *data, const struct mime_part *p, struct buf *out)
{
	buf_reset(out);
	if (p)
		buf_cat(out, data + p->body_off, p->body_len);
	else
		buf_cats(out, "(none)");
}

int
main(void)
{
	struct mime_limits lim = {.depth = 20, .parts = 1000};
	struct mime_part *m;
	struct buf *b = buf_new(256);
	const struct mime_part *p;

	t_begin("nested structure and part numbers");
	m = mime_parse(nested, sizeof(nested) - 1, &lim);
	T_INTEQ(m->nchildren, 3);
	T_ASSERT(mime_is(m, "MULTIPART", "mixed"));
	p = mime_part_find(m, (unsigned[]){1, 1}, 2);
	body_of(nested, p, b);
	T_STREQ(buf_cstr(b), "plain text\r\ntwo lines");
	p = mime_part_find(m, (unsigned[]){1, 2}, 2);
	body_of(nested, p, b);
	T_STREQ(buf_cstr(b), "<p>html</p>");
	p = mime_part_find(m, (unsigned[]){2}, 1);
	T_ASSERT(p && p->message != NULL);
	p = mime_part_find(m, (unsigned[]){2, 1}, 2);
	body_of(nested, p, b);
	T_STREQ(buf_cstr(b), "inner text");
	p = mime_part_find(m, (unsigned[]){2, 2}, 2);
	body_of(nested, p, b);
	T_STREQ(buf_cstr(b), "R0lGODlh");
	T_ASSERT(mime_part_find(m, (unsigned[]){2, 3}, 2) == NULL);
	T_ASSERT(mime_part_find(m, (unsigned[]){4}, 1) == NULL);
	T_ASSERT(mime_part_find(m, (unsigned[]){0}, 1) == NULL);
	T_ASSERT(mime_part_find(m, (unsigned[]){3, 1}, 2) == NULL);
	p = mime_part_find(m, (unsigned[]){3}, 1);
	T_ASSERT(p != NULL);
	T_STREQ(mime_param(m, "BOUNDARY"), "outer");

	t_begin("BODYSTRUCTURE and ENVELOPE");
	buf_reset(b);
	imap_fmt_bodystructure(b, nested, m, true, false);
	T_STREQ(buf_cstr(b), want_bs);
	buf_reset(b);
	imap_fmt_envelope(b, nested, m->hdr_len, false);
	T_STREQ(buf_cstr(b), want_env);
	buf_reset(b);
	imap_fmt_bodystructure(
	    b, nested, mime_part_find(m, (unsigned[]){3}, 1), false, false);
	T_STREQ(
	    buf_cstr(b), "(\"application\" \"pdf\" NIL NIL NIL \"base64\" 8)");
	mime_free(&m);
	T_ASSERT(m == NULL);

	t_begin("a plain message: part 1 is the body");
	{
		static const char plain[] = "Subject: x\n\nline 1\nline 2\n";

		m = mime_parse(plain, sizeof(plain) - 1, &lim);
		p = mime_part_find(m, (unsigned[]){1}, 1);
		T_ASSERT(p == m);
		T_ASSERT(mime_part_find(m, (unsigned[]){1, 1}, 2) == NULL);
		T_ASSERT(mime_part_find(m, (unsigned[]){2}, 1) == NULL);
		buf_reset(b);
		imap_fmt_bodystructure(b, plain, m, false, false);
		T_STREQ(buf_cstr(b),
		    "(\"text\" \"plain\" (\"charset\" "
		    "\"us-ascii\") NIL NIL \"7bit\" 14 2)");
		mime_free(&m);
	}

	t_begin("broken multiparts");
	{
		static const char noclose[] =
		    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		    "--b\r\n\r\none\r\n--b\r\n\r\ntwo\r\n";
		static const char noparts[] =
		    "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		    "just text\r\n";
		static const char noboundary[] =
		    "Content-Type: multipart/mixed\r\n\r\ntext\r\n";

		m = mime_parse(noclose, sizeof(noclose) - 1, &lim);
		T_INTEQ(m->nchildren, 2);
		body_of(noclose, &m->children[1], b);
		T_STREQ(buf_cstr(b), "two\r\n");
		mime_free(&m);
		m = mime_parse(noparts, sizeof(noparts) - 1, &lim);
		T_INTEQ(m->nchildren, 1);
		T_INTEQ(m->children[0].body_len, 0);
		mime_free(&m);
		m = mime_parse(noboundary, sizeof(noboundary) - 1, &lim);
		T_INTEQ(m->nchildren, 0);
		T_ASSERT(mime_is(m, "text", "plain"));
		mime_free(&m);
	}

	t_begin("depth limit: deeper parts are leaves");
	{
		struct buf *msg = buf_new(4096);
		struct mime_limits small = {.depth = 3, .parts = 1000};
		int depth = 0;

		for (int i = 0; i < 10; i++)
			buf_printf(msg,
			    "Content-Type: multipart/mixed; boundary=b%d\r\n"
			    "\r\n--b%d\r\n",
			    i, i);
		buf_cats(msg, "\r\nleaf\r\n");
		m = mime_parse(buf_cstr(msg), buf_len(msg), &small);
		for (p = m; p->nchildren; p = &p->children[0])
			depth++;
		T_INTEQ(depth, 3);
		mime_free(&m);
		buf_free(&msg);
	}

	t_begin("strings: quoted or literal");
	buf_reset(b);
	imap_fmt_string(b, "a\"b\\c", 5, false);
	T_STREQ(buf_cstr(b), "\"a\\\"b\\\\c\"");
	buf_reset(b);
	imap_fmt_string(b, "a\r\nb", 4, false);
	T_STREQ(buf_cstr(b), "{4}\r\na\r\nb");
	buf_reset(b);
	imap_fmt_string(b, "é", 2, false);
	T_STREQ(buf_cstr(b), "{2}\r\né");
	buf_reset(b);
	imap_fmt_string(b, "é", 2, true);
	T_STREQ(buf_cstr(b), "\"é\"");
	buf_reset(b);
	imap_fmt_astring(b, "INBOX", false);
	imap_fmt_astring(b, "a b", false);
	imap_fmt_astring(b, "nil", false);
	imap_fmt_astring(b, "", false);
	T_STREQ(buf_cstr(b), "INBOX\"a b\"\"nil\"\"\"");

	buf_free(&b);
	return t_end();
}

/*
 * mime_decode_test.c - base64, quoted-printable, encoded words, charsets.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/mime_decode.h"

#include "tests/t.h"

static const struct {
	const char *in, *want;
} words[] = {
    {"plain text", "plain text"},
    {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "André Pirard"},
    {"=?utf-8?b?SsO2cmc=?=", "Jörg"},
    {"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
    {"=?utf-8?q?a?=\r\n =?utf-8?q?b?=", "ab"},
    {"x =?utf-8?q?a_b?= y", "x a b y"},
    {"=?utf-8*en?q?hi?=", "hi"},
    {"=?x-unknown?q?hi?=", "=?x-unknown?q?hi?="},
    {"=?utf-8?q?not closed", "=?utf-8?q?not closed"},
    {"=?koi8-r?b?8NLJ18XU?=", "Привет"},
    {"caf\xe9", "café"}, /* raw Latin-1 */
    {"caf\xc3\xa9", "café"},
};

int
main(void)
{
	struct buf *b = buf_new(64);

	t_begin("base64");
	mime_base64_decode("SGVsbG8s\r\nIHdvcmxk\r\n", 20, b);
	T_STREQ(buf_cstr(b), "Hello, world");
	buf_reset(b);
	mime_base64_decode("YQ==Yg==", 8, b);
	T_STREQ(buf_cstr(b), "ab");

	t_begin("quoted-printable");
	buf_reset(b);
	mime_qp_decode("caf=C3=A9 =\r\nna=3D1  \r\nx=zz", 28, false, b);
	T_STREQ(buf_cstr(b), "café na=1\r\nx=zz");
	buf_reset(b);
	mime_qp_decode("a_b=5F", 6, true, b);
	T_STREQ(buf_cstr(b), "a b_");

	t_begin("encoded words");
	for (size_t i = 0; i < NELEM(words); i++) {
		buf_reset(b);
		mime_words_decode(words[i].in, strlen(words[i].in), b);
		T_STREQ(buf_cstr(b), words[i].want);
	}

	t_begin("charsets");
	buf_reset(b);
	T_INTEQ(mime_charset_to_utf8("windows-1252", "\x80", 1, b), 0);
	T_STREQ(buf_cstr(b), "€");
	buf_reset(b);
	T_INTEQ(mime_charset_to_utf8("no-such-charset", "x", 1, b), -1);
	T_STREQ(buf_cstr(b), "x");
	buf_reset(b);
	T_INTEQ(mime_charset_to_utf8("utf-8", "a\xffz", 3, b), 0);
	T_STREQ(buf_cstr(b), "a\xef\xbf\xbdz");

	buf_free(&b);
	return t_end();
}

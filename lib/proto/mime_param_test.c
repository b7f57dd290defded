/*
 * mime_param_test.c - MIME parameters: quoting, RFC 2231 continuations
 * and charsets, RFC 2047 encoded words, and the malformed forms that mail
 * readers still show as file names.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/mime_param.h"

#include "tests/t.h"

static const struct {
	const char *value;
	const char *name;
	int found;
	const char *out;
} cases[] = {
    {"multipart/mixed; boundary=\"b1\"", "boundary", 1, "b1"},
    {"multipart/mixed; BOUNDARY=plain_token", "boundary", 1, "plain_token"},
    {"multipart/mixed;boundary=\"a;b\"; x=1", "boundary", 1, "a;b"},
    {"text/plain; charset=us-ascii", "boundary", 0, ""},
    {"attachment; filename=\"evil.exe\"", "filename", 1, "evil.exe"},
    {"attachment; filename=evil.exe ", "filename", 1, "evil.exe"},
    {"attachment; filename=\"a\\\"b.scr\"", "filename", 1, "a\"b.scr"},
    {"attachment; filename*=utf-8''%E2%82%AC.exe", "filename", 1,
        "\xe2\x82\xac.exe"},
    {"attachment; filename*0=\"ev\"; filename*1=\"il.e\"; filename*2=xe",
        "filename", 1, "evil.exe"},
    {"attachment; filename*1=\"il.exe\"; filename*0*=utf-8''%65v", "filename",
        1, "evil.exe"},
    {"attachment; filename=\"=?UTF-8?B?ZXZpbC5leGU=?=\"", "filename", 1,
        "evil.exe"},
    {"attachment; filename=\"=?utf-8?Q?evil=2Eexe?=\"", "filename", 1,
        "evil.exe"},
    {"attachment; filename=\"=?utf-8?B?ZXZp?= =?utf-8?B?bC5leGU?=\"",
        "filename", 1, "evil.exe"},
    {"application/octet-stream; name=\"x.scr\"", "name", 1, "x.scr"},
    {"attachment; filename=\"plain.txt\"; filename*=utf-8''real.exe",
        "filename", 1, "real.exe"},
    {"attachment; xfilename=\"no.exe\"", "filename", 0, ""},
    {"attachment; filename", "filename", 0, ""},
    {"attachment; \"filename=quoted.exe\"", "filename", 0, ""},
    {"", "filename", 0, ""},
};

int
main(void)
{
	struct buf *out = buf_new(64);
	char name[64];

	for (size_t i = 0; i < NELEM(cases); i++) {
		snprintf(name, sizeof(name), "case %zu", i);
		t_begin(name);
		T_INTEQ(mime_param_get(cases[i].value, strlen(cases[i].value),
		            cases[i].name, out),
		    cases[i].found);
		T_STREQ(buf_cstr(out), cases[i].out);
	}
	t_begin("types");
	T_ASSERT(mime_type_is(" Multipart/Mixed; x", 19, "multipart/"));
	T_ASSERT(!mime_type_is("text/plain", 10, "multipart/"));
	t_begin("long values keep their end");
	{
		struct buf *v = buf_new(8192);

		buf_cats(v, "attachment; filename=\"");
		for (int i = 0; i < 6000; i++)
			buf_catc(v, 'a');
		buf_cats(v, ".exe\"");
		T_INTEQ(
		    mime_param_get(buf_cstr(v), buf_len(v), "filename", out),
		    1);
		T_INTEQ(buf_len(out), MIME_PARAM_MAX);
		T_ASSERT(
		    strcmp(buf_cstr(out) + MIME_PARAM_MAX - 4, ".exe") == 0);
		buf_free(&v);
	}
	buf_free(&out);
	return t_end();
}

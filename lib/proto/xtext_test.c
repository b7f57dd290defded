/*
 * xtext_test.c - RFC 3461 xtext and RFC 4648 base64, both ways.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/base64.h"
#include "proto/xtext.h"

#include "tests/t.h"

static const struct {
	const char *in;
	bool utf8;
	int ret;
	const char *out;
} xcases[] = {
    {"abc", false, 0, "abc"},
    {"a+2Bb", false, 0, "a+b"},
    {"a+3Db", false, 0, "a=b"},
    {"+20", false, 0, " "},
    {"a+2b", false, -1, NULL},
    {"a+2", false, -1, NULL},
    {"a+", false, -1, NULL},
    {"a=b", false, -1, NULL},
    {"a b", false, -1, NULL},
    {"+00", false, -1, NULL},
    {"+0A", false, -1, NULL},
    {"\xc3\xa9", false, -1, NULL},
    {"\xc3\xa9", true, 0, "\xc3\xa9"},
    {"\xc3", true, -1, NULL},
    {"", false, 0, ""},
};

static const struct {
	const char *plain;
	const char *b64;
} bcases[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static const char *const bad_b64[] = {
    "Zg=",
    "Zg",
    "Z===",
    "Zh==",
    "Zm9=",
    "Zm9v Zg==",
    "Zg==Zg==",
    "Zm\n9v",
    "Zm9-",
    "=Zg=",
};

int
main(void)
{
	struct buf *b = buf_new(16);
	char name[64];

	for (size_t i = 0; i < NELEM(xcases); i++) {
		snprintf(name, sizeof(name), "xtext %zu", i);
		t_begin(name);
		buf_reset(b);
		T_INTEQ(xtext_decode(xcases[i].in, strlen(xcases[i].in),
		            xcases[i].utf8, b),
		    xcases[i].ret);
		if (xcases[i].ret == 0)
			T_STREQ(buf_cstr(b), xcases[i].out);
	}
	t_begin("xtext encode");
	buf_reset(b);
	xtext_encode("a+b=c d\xc3\xa9", 9, b);
	T_STREQ(buf_cstr(b), "a+2Bb+3Dc+20d+C3+A9");
	buf_reset(b);
	xtext_encode("a+b=c d", 7, b);
	{
		struct buf *d = buf_new(16);

		T_INTEQ(xtext_decode(buf_cstr(b), buf_len(b), false, d), 0);
		T_STREQ(buf_cstr(d), "a+b=c d");
		buf_free(&d);
	}

	for (size_t i = 0; i < NELEM(bcases); i++) {
		snprintf(name, sizeof(name), "base64 %zu", i);
		t_begin(name);
		buf_reset(b);
		base64_encode(bcases[i].plain, strlen(bcases[i].plain), b);
		T_STREQ(buf_cstr(b), bcases[i].b64);
		buf_reset(b);
		T_INTEQ(
		    base64_decode(bcases[i].b64, strlen(bcases[i].b64), b), 0);
		T_STREQ(buf_cstr(b), bcases[i].plain);
	}
	for (size_t i = 0; i < NELEM(bad_b64); i++) {
		snprintf(name, sizeof(name), "bad base64 %zu", i);
		t_begin(name);
		buf_sets(b, "keep");
		T_INTEQ(base64_decode(bad_b64[i], strlen(bad_b64[i]), b), -1);
		T_STREQ(buf_cstr(b), "keep");
	}
	t_begin("base64 binary and cap");
	{
		struct buf *c = buf_new_capped(4, 5);

		T_INTEQ(base64_decode("AGEAYg==", 8, c), 0);
		T_MEMEQ(buf_cstr(c), buf_len(c), "\0a\0b", 4);
		buf_reset(c);
		T_INTEQ(base64_decode("Zm9vYmFy", 8, c), -1);
		T_INTEQ(buf_len(c), 0);
		buf_free(&c);
	}
	buf_free(&b);
	return t_end();
}

/*
 * imap_utf7_test.c - modified UTF-7 both ways, and what it refuses.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/imap_utf7.h"

#include "tests/t.h"

static const struct {
	const char *utf8, *mutf7;
} pairs[] = {
    {"INBOX", "INBOX"},
    {"Entwürfe", "Entw&APw-rfe"},
    {"Gesendete Objekte", "Gesendete Objekte"},
    {"A&B", "A&-B"},
    {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
    {"Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"},
    {"😀", "&2D3eAA-"},
    {"\t", "&AAk-"},
    {"", ""},
};

static const char *const bad_utf7[] = {
    "&",          /* unterminated */
    "&AGE-",      /* 'a' in base64 */
    "&Jjo",       /* no '-' */
    "&U,BTFw",    /* no '-' */
    "&2D0-",      /* lone high surrogate */
    "&3gA-",      /* lone low surrogate */
    "&AOQ",       /* unterminated */
    "&AOR-",      /* padding bits set */
    "a\x80",      /* 8-bit */
    "&A-",        /* too few bits for one character */
    "&AAk-&AAk-", /* two shifts where one belongs (fuzz) */
    "&AAA-",      /* NUL */
};

int
main(void)
{
	struct buf *b = buf_new(64);

	t_begin("round trips");
	for (size_t i = 0; i < NELEM(pairs); i++) {
		buf_reset(b);
		T_INTEQ(
		    imap_utf7_encode(pairs[i].utf8, strlen(pairs[i].utf8), b),
		    0);
		T_STREQ(buf_cstr(b), pairs[i].mutf7);
		buf_reset(b);
		T_INTEQ(
		    imap_utf7_decode(pairs[i].mutf7, strlen(pairs[i].mutf7), b),
		    0);
		T_STREQ(buf_cstr(b), pairs[i].utf8);
	}

	t_begin("invalid modified UTF-7");
	for (size_t i = 0; i < NELEM(bad_utf7); i++)
		T_ASSERT(!imap_utf7_valid(bad_utf7[i], strlen(bad_utf7[i])));
	T_ASSERT(imap_utf7_valid("&---", 4)); /* "&" then "--" */

	t_begin("invalid UTF-8");
	T_INTEQ(imap_utf7_encode("\xc3", 1, b), -1);
	T_INTEQ(imap_utf7_encode("\xc0\xaf", 2, b), -1);     /* overlong */
	T_INTEQ(imap_utf7_encode("\xed\xa0\x80", 3, b), -1); /* surrogate */
	T_ASSERT(imap_utf8_valid("Entwürfe", 9));

	buf_free(&b);
	return t_end();
}

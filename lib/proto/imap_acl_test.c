/*
 * imap_acl_test.c - RFC 4314 rights strings, identifiers, the ACL file
 * form, and how the rights of a user are worked out.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/imap_acl.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	const char *out; /* imap_rights_out, compat */
} rights_cases[] = {
    {"", 0, ""}, {"lr", 0, "lr"}, {"rl", 0, "lr"},
    {"lrswipkxtea", 0, "lrswipkxteacd"}, {"aetxkpiwsrl", 0, "lrswipkxteacd"},
    {"llll", 0, "l"}, {"c", 0, "kxc"}, /* c is k x (RFC 4314 2.1.1) */
    {"d", 0, "ted"},                   /* d is t e */
    {"x", 0, "xc"}, {"t", 0, "td"}, {"lrq", -1, NULL}, /* unknown right */
    {"lr ", -1, NULL}, {"0", -1, NULL}, /* implementation rights: none here */
    {"L", -1, NULL},                    /* case matters */
    {"+l", -1, NULL},                   /* +/- only in mod-rights */
};

static const struct {
	const char *mod;
	unsigned old;
	int ret;
	const char *out;
} modify_cases[] = {
    {"lr", IMAP_ACL_ALL, 0, "lr"},
    {"+i", IMAP_ACL_LOOKUP | IMAP_ACL_READ, 0, "lri"},
    {"-r", IMAP_ACL_LOOKUP | IMAP_ACL_READ, 0, "l"},
    {"-", IMAP_ACL_LOOKUP, 0, "l"},
    {"+", 0, 0, ""},
    {"", IMAP_ACL_ALL, 0, ""},
    {"-d", IMAP_ACL_ALL, 0, "lrswipkxa"},
    {"-c", IMAP_ACL_ALL, 0, "lrswiptea"},
    {"+z", 0, -1, NULL},
    {"++l", 0, -1, NULL},
};

static const struct {
	const char *id;
	bool ok;
} id_cases[] = {
    {"anyone", true},
    {"alice@example.test", true},
    {"-bob@example.test", true},
    {"", false},
    {"-", false},
    {"a b", false},
    {"a\tb", false},
    {"a\x7f", false},
    {"#comment", false},
};

int
main(void)
{
	struct buf *b = buf_new(64), *why = buf_new(64);
	struct imap_acl acl = {0}, copy = {0};
	char longid[IMAP_ACL_ID_MAX + 2];
	unsigned r;

	t_begin("rights strings");
	for (size_t i = 0; i < NELEM(rights_cases); i++) {
		r = 0;
		T_INTEQ(imap_rights_parse(rights_cases[i].in, &r, why),
		    rights_cases[i].ret);
		if (rights_cases[i].ret < 0)
			continue;
		buf_reset(b);
		imap_rights_out(r, true, b);
		T_STREQ(buf_cstr(b), rights_cases[i].out);
	}
	T_INTEQ(imap_rights_parse("lrz", &r, why), -1);
	T_STREQ(buf_cstr(why), "Unknown right \"z\"");

	t_begin("mod-rights");
	for (size_t i = 0; i < NELEM(modify_cases); i++) {
		r = 0;
		T_INTEQ(imap_rights_modify(
		            modify_cases[i].mod, modify_cases[i].old, &r, why),
		    modify_cases[i].ret);
		if (modify_cases[i].ret < 0)
			continue;
		buf_reset(b);
		imap_rights_out(r, false, b);
		T_STREQ(buf_cstr(b), modify_cases[i].out);
	}

	t_begin("identifiers");
	for (size_t i = 0; i < NELEM(id_cases); i++)
		T_INTEQ(imap_acl_id_valid(id_cases[i].id, why), id_cases[i].ok);
	memset(longid, 'a', sizeof(longid) - 1);
	longid[sizeof(longid) - 1] = 0;
	T_ASSERT(!imap_acl_id_valid(longid, why));
	longid[sizeof(longid) - 2] = 0;
	T_ASSERT(imap_acl_id_valid(longid, why));

	t_begin("file form");
	T_INTEQ(imap_acl_parse("# public folder\n"
	                       "anyone lr\n"
	                       "\n"
	                       "  alice@example.test\tlrswipkxtea  \r\n"
	                       "-carol@example.test l\n"
	                       "dave@example.test",
	            90, &acl, why),
	    0);
	T_INTEQ(acl.n, 3); /* dave has no rights: no entry */
	buf_reset(b);
	imap_acl_format(&acl, b);
	T_STREQ(buf_cstr(b),
	    "anyone lr\n"
	    "alice@example.test lrswipkxtea\n"
	    "-carol@example.test l\n");
	T_INTEQ(imap_acl_parse(buf_cstr(b), buf_len(b), &copy, why), 0);
	T_INTEQ(copy.n, 3);

	t_begin("bad files");
	T_INTEQ(imap_acl_parse("anyone lr\nbob lrz\n", 18, &copy, why), -1);
	T_STREQ(buf_cstr(why), "line 2: Unknown right \"z\"");
	T_INTEQ(imap_acl_parse("anyone lr\nANYONE l\n", 19, &copy, why), -1);
	T_STREQ(buf_cstr(why), "line 2: identifier ANYONE listed twice");
	T_INTEQ(imap_acl_parse("- lr\n", 5, &copy, why), -1);
	T_INTEQ(imap_acl_parse("a\0b lr\n", 7, &copy, why), -1);
	T_STREQ(buf_cstr(why), "line 1: NUL byte");

	t_begin("effective rights");
	T_INTEQ(imap_acl_rights(&acl, "bob@example.test"),
	    IMAP_ACL_LOOKUP | IMAP_ACL_READ);
	T_INTEQ(imap_acl_rights(&acl, "ALICE@example.test"), IMAP_ACL_ALL);
	T_INTEQ(imap_acl_rights(&acl, "carol@example.test"), IMAP_ACL_READ);
	T_INTEQ(imap_acl_set(&acl, "-anyone", IMAP_ACL_READ, why), 0);
	T_INTEQ(imap_acl_rights(&acl, "alice@example.test"),
	    IMAP_ACL_ALL & ~IMAP_ACL_READ);

	t_begin("set and delete");
	T_INTEQ(imap_acl_set(&acl, "-anyone", 0, why), 0);
	T_INTEQ(imap_acl_set(&acl, "anyone", 0, why), 0);
	T_INTEQ(imap_acl_set(&acl, "nobody@example.test", 0, why), 0);
	T_INTEQ(imap_acl_set(&acl, "bad id", IMAP_ACL_READ, why), -1);
	T_INTEQ(acl.n, 2);
	T_ASSERT(imap_acl_find(&acl, "anyone") == NULL);
	T_INTEQ(imap_acl_rights(&acl, "bob@example.test"), 0);
	imap_acl_copy(&copy, &acl);
	T_INTEQ(copy.n, 2);
	T_STREQ(copy.v[0].id, "alice@example.test");

	t_begin("entry limit");
	imap_acl_free(&copy);
	for (int i = 0; i < IMAP_ACL_ENTRIES_MAX; i++) {
		buf_reset(b);
		buf_printf(b, "u%d", i);
		T_INTEQ(
		    imap_acl_set(&copy, buf_cstr(b), IMAP_ACL_READ, why), 0);
	}
	T_INTEQ(imap_acl_set(&copy, "one-more", IMAP_ACL_READ, why), -1);

	imap_acl_free(&acl);
	imap_acl_free(&copy);
	buf_free(&b);
	buf_free(&why);
	return t_end();
}

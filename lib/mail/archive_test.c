/*
 * archive_test.c - which account archives which.
 */
#include "util/sys_defs.h"

#include <string.h>

#include "util/buf.h"

#include "mail/accounts.h"
#include "mail/archive.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_accounts.h"
#include "mail/params_deliver.h"

#include "tests/t.h"

static char *
spec(const char *name, const char *text)
{
	struct buf *b = buf_new(64);
	char *s;

	buf_printf(b, "texthash:%s", t_write_file(name, text));
	s = buf_steal(b);
	buf_free(&b);
	return s;
}

int
main(void)
{
	static const struct {
		const char *addr;
		int ret;
		const char *archive;
	} cases[] = {
	    {"joe@example.com", 1, "archive-joe@example.com"},
	    {"Joe@Example.NET", 1, "archive-joe@example.com"}, /* alias */
	    {"ann@example.com", 0, ""},         /* no archive account */
	    {"archive-joe@example.com", 0, ""}, /* not archived again */
	    {"nobody@example.com", 0, ""},      /* not an account */
	    {"joe@remote.test", 0, ""},         /* not hosted */
	    {"joe", 0, ""},
	};
	struct accounts *a;
	struct buf *why = buf_new(64), *out = buf_new(64);

	map_set_check_interval(0);
	var_virtual_mailbox_domains = spec("domains",
	    "example.com active=yes\nexample.net alias=example.com\n");
	var_virtual_mailbox_maps = spec("users",
	    "joe@example.com active=yes\nann@example.com active=yes\n"
	    "archive-joe@example.com active=yes\n");
	var_virtual_alias_maps = spec("aliases", "");
	var_distribution_list_maps = spec("lists", "");
	var_auth_password_maps = spec("passwd", "");
	var_archive_prefix = (char *)"archive-";
	a = accounts_open();

	t_begin("archive: off by default");
	var_archive_enable = false;
	T_INTEQ(archive_for(a, "joe@example.com", out, why), 0);

	var_archive_enable = true;
	for (size_t i = 0; i < NELEM(cases); i++) {
		t_begin(cases[i].addr);
		T_INTEQ(archive_for(a, cases[i].addr, out, why), cases[i].ret);
		T_STREQ(buf_cstr(out), cases[i].archive);
	}
	accounts_close(&a);
	buf_free(&why);
	buf_free(&out);
	return t_end();
}

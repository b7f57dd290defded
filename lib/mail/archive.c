/*
 * archive.c - the archive mailbox of an account (see archive.h).
 */
#include "util/sys_defs.h"

#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "mail/accounts.h"
#include "mail/archive.h"
#include "mail/params_deliver.h"

/* archive_for - the archive account of address, if any */
int
archive_for(
    struct accounts *a, const char *address, struct buf *out, struct buf *why)
{
	const char *at = strrchr(address, '@');
	struct accounts_user u;
	int found;

	buf_reset(out);
	if (!var_archive_enable || !*var_archive_prefix || at == NULL
	    || at == address || str_has_prefix_ci(address, var_archive_prefix))
		return 0;
	/* only an account has an archive */
	memset(&u, 0, sizeof(u));
	found = accounts_user(a, address, &u, why);
	if (found <= 0)
		return found;
	at = strrchr(u.address, '@');
	buf_printf(out, "%s%.*s", var_archive_prefix, (int)(at - u.address),
	    u.address);
	buf_cats(out, at);
	accounts_user_free(&u);
	memset(&u, 0, sizeof(u));
	found = accounts_user(a, buf_cstr(out), &u, why);
	if (found > 0)
		buf_sets(out, u.address);
	else
		buf_reset(out);
	accounts_user_free(&u);
	return found;
}

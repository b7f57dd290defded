/*
 * imap_acl_fuzz.c - libFuzzer target: the ACL file form and rights
 * strings. Whatever parses must format and parse back to the same list.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/imap_acl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imap_acl a = {0}, b = {0};
	struct buf *t = buf_new(64), *why = buf_new(64);
	char *s = xstrndup((const char *)data, size);
	unsigned r;

	if (imap_acl_parse((const char *)data, size, &a, why) == 0) {
		imap_acl_format(&a, t);
		if (imap_acl_parse(buf_cstr(t), buf_len(t), &b, why) < 0
		    || a.n != b.n)
			abort();
		for (size_t i = 0; i < a.n; i++)
			if (strcmp(a.v[i].id, b.v[i].id) != 0
			    || a.v[i].rights != b.v[i].rights)
				abort();
		(void)imap_acl_rights(&a, s);
	}
	if (imap_rights_modify(s, IMAP_ACL_READ, &r, why) == 0
	    && (r & ~IMAP_ACL_ALL))
		abort();
	free(s);
	imap_acl_free(&a);
	imap_acl_free(&b);
	buf_free(&t);
	buf_free(&why);
	return 0;
}

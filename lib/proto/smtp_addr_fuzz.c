/*
 * smtp_addr_fuzz.c - libFuzzer target: RFC 5321 paths and mailboxes. The
 * first byte selects the parser flags. A normalised address must parse
 * again to itself (normalisation is idempotent).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"

#include "proto/smtp_addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smtp_addr a, b;
	struct buf *why = buf_new(64), *path = buf_new(64);
	size_t used;
	int flags;

	if (size == 0)
		goto out;
	flags = data[0] & 0x0f;
	data++;
	size--;
	if (smtp_addr_parse_path(
	        (const char *)data, size, flags, &a, &used, why)
	    == 0) {
		ASSERT(used <= size);
		if (!a.is_null && !a.is_postmaster) {
			buf_catc(path, '<');
			buf_cats(path, a.addr);
			buf_catc(path, '>');
			ASSERT(
			    smtp_addr_parse_path(buf_cstr(path), buf_len(path),
			        flags & ~SMTP_ADDR_LENIENT, &b, &used, why)
			    == 0);
			ASSERT(strcmp(a.addr, b.addr) == 0);
			smtp_addr_clear(&b);
		}
		smtp_addr_clear(&a);
	}
	if (smtp_addr_parse_mailbox((const char *)data, size, flags, &a, why)
	    == 0)
		smtp_addr_clear(&a);
	(void)smtp_helo_ok((const char *)data, size);
	(void)smtp_literal_ok((const char *)data, size);
out:
	buf_free(&why);
	buf_free(&path);
	return 0;
}

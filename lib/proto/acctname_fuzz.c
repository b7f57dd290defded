/*
 * acctname_fuzz.c - libFuzzer target: login names and the name checks.
 * The first byte picks the default domain (none, or one).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/acctname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *out = buf_new(64), *why = buf_new(64);
	const char *defdom = size > 0 && (data[0] & 1) ? "default.test" : NULL;
	char *s;

	if (acctname_login((const char *)data, size, defdom, out, why) == 0) {
		/* What it accepts is a valid account address. */
		if (acctname_check_address(buf_cstr(out), false, why) < 0
		    || buf_len(out) > ACCTNAME_ADDR_MAX)
			abort();
	}
	s = malloc(size + 1);
	memcpy(s, data, size);
	s[size] = 0;
	(void)acctname_check_domain(s, why);
	(void)acctname_check_local(s, why);
	(void)acctname_check_address(s, true, why);
	(void)acctname_check_target(s, why);
	(void)acctname_split(s, out, why);
	free(s);
	buf_free(&out);
	buf_free(&why);
	return 0;
}

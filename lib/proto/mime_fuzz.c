/*
 * mime_fuzz.c - libFuzzer target: MIME structure of a message, with
 * ENVELOPE and BODYSTRUCTURE built from it. Every part must lie inside
 * its parent, and every part number the tree has must be found again.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/imap_fmt.h"
#include "proto/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - bounds of p within [lo, hi), recursively */
static void
check(const struct mime_part *p, size_t lo, size_t hi, unsigned depth)
{
	if (p->hdr_off < lo || p->hdr_off + p->hdr_len != p->body_off
	    || p->body_off + p->body_len > hi || depth > 64)
		abort();
	for (size_t i = 0; i < p->nchildren; i++)
		check(&p->children[i], p->body_off, p->body_off + p->body_len,
		    depth + 1);
	if (p->message)
		check(p->message, p->body_off, p->body_off + p->body_len,
		    depth + 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	struct mime_limits lim = {.depth = 50, .parts = 500};
	struct mime_part *m = mime_parse(d, size, &lim);
	struct buf *b = buf_new(256);
	unsigned nums[3];

	check(m, 0, size, 0);
	imap_fmt_bodystructure(b, d, m, true, false);
	buf_reset(b);
	imap_fmt_envelope(b, d, m->hdr_len, false);
	for (nums[0] = 0; nums[0] < 4; nums[0]++)
		for (nums[1] = 0; nums[1] < 4; nums[1]++)
			for (nums[2] = 0; nums[2] < 3; nums[2]++) {
				const struct mime_part *p =
				    mime_part_find(m, nums, 3);

				if (p && p->body_off + p->body_len > size)
					abort();
			}
	mime_free(&m);
	buf_free(&b);
	return 0;
}

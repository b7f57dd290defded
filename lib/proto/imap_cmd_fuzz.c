/*
 * imap_cmd_fuzz.c - libFuzzer target: one whole IMAP command, lines and
 * literals as a client sends them. The input is first cut into lines the
 * way imapd reads them (a line announcing a literal takes that many
 * bytes with it), so literals in the corpus stay meaningful.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"

#include "proto/imap_cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct imap_parse_limits lim = {
    .list_items = 200, .depth = 20, .seq_ranges = 200};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct buf *why = buf_new(64);
	struct imap_cmd c;

	/* one command after another, as a session would see them */
	while (p < end) {
		const char *start = p;

		for (;;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			uint64_t n;
			bool nonsync;

			if (nl == NULL) {
				p = end;
				break;
			}
			p = nl + 1;
			if (!imap_line_literal(
			        start, (size_t)(p - start), &n, &nonsync))
				break;
			if (n > (uint64_t)(end - p)) {
				p = end;
				break;
			}
			p += n;
		}
		if (imap_cmd_parse(start, (size_t)(p - start), &lim, &c, why)
		        == 0
		    && c.tag == NULL)
			abort();
		imap_cmd_free(&c);
	}
	buf_free(&why);
	return 0;
}

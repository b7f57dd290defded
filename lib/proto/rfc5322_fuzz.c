/*
 * rfc5322_fuzz.c - libFuzzer target: header splitting, folding and
 * unfolding, encoded words, dates and base subjects of every field.
 * Checks the invariants: fields lie inside the header, the header inside
 * the input, and unfolded text holds no line break.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "proto/mime_decode.h"
#include "proto/rfc5322.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *d = (const char *)data;
	struct rfc5322_header h = {0};
	struct buf *b = buf_new(64), *u = buf_new(64);
	struct strv sv;

	rfc5322_header_parse(d, size, 1000, &h);
	if (h.len > size)
		abort();
	strv_init(&sv);
	for (size_t i = 0; i < h.n; i++) {
		const struct rfc5322_field *f = &h.v[i];
		time_t t;

		if (f->raw < d || f->raw + f->raw_len > d + h.len
		    || f->value + f->value_len > f->raw + f->raw_len)
			abort();
		buf_reset(u);
		rfc5322_unfold(f->value, f->value_len, true, u);
		if (memchr(buf_cstr(u), '\n', buf_len(u))
		    || memchr(buf_cstr(u), '\r', buf_len(u)))
			abort();
		buf_reset(b);
		mime_words_decode(buf_cstr(u), buf_len(u), b);
		(void)rfc5256_base_subject(buf_cstr(b), buf_len(b), u);
		(void)rfc5322_date_parse(f->value, f->value_len, &t, NULL);
		rfc5322_msgids(f->value, f->value_len, 100, &sv);
	}
	strv_free(&sv);
	rfc5322_header_free(&h);
	buf_free(&b);
	buf_free(&u);
	return 0;
}

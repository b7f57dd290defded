/*
 * map_cidr_fuzz.c - libFuzzer target: cidr: tables from memory. Every
 * address that a rule names is looked up, and the answer must be the
 * value of the first rule (in file order) that contains it; a few fixed
 * addresses are looked up too.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/ipnet.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/map.h"
#include "mail/map_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_RULES 64

struct fuzz_rules {
	struct iprange r[FUZZ_RULES];
	char *value[FUZZ_RULES];
	int n;
};

/* remember - the first FUZZ_RULES rules, as the walk gives them */
static int
remember(const char *key, const char *value, void *ctx)
{
	struct fuzz_rules *fr = ctx;
	struct buf *why = buf_new(64);

	if (fr->n < FUZZ_RULES
	    && iprange_parse(key, &fr->r[fr->n], NULL, why) == 0)
		fr->value[fr->n++] = xstrdup(value);
	buf_free(&why);
	return fr->n >= FUZZ_RULES;
}

/* check - an address must get the first containing rule's value */
static void
check(struct map *m, struct fuzz_rules *fr, const uint8_t *b, int family)
{
	struct buf *out = buf_new(64), *why = buf_new(64);
	char text[64];
	struct ipaddr a;
	int want = -1, rc;

	if (inet_ntop(family, b, text, sizeof(text)) == NULL
	    || ipaddr_parse(text, &a) < 0)
		goto out;
	for (int i = 0; i < fr->n; i++)
		if (iprange_contains(&fr->r[i], &a)) {
			want = i;
			break;
		}
	rc = map_get(m, text, out, why);
	/* Rules beyond FUZZ_RULES may match what the first ones do not. */
	if (want >= 0 && (rc != 1 || strcmp(buf_cstr(out), fr->value[want])))
		log_panic("%s: got %d \"%s\", want \"%s\"", text, rc,
		    buf_cstr(out), fr->value[want]);
out:
	buf_free(&out);
	buf_free(&why);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *why = buf_new_capped(64, 1 << 20);
	struct fuzz_rules fr;
	struct map *m;

	log_set_dest(0);
	memset(&fr, 0, sizeof(fr));
	m = map_open_mem("cidr", "fuzz", (const char *)data, size, 0, why);
	if (m) {
		(void)map_walk(m, remember, &fr, why);
		for (int i = 0; i < fr.n; i++) {
			uint8_t mid[16];

			check(m, &fr, fr.r[i].lo, fr.r[i].family);
			check(m, &fr, fr.r[i].hi, fr.r[i].family);
			/* one past the end */
			memcpy(mid, fr.r[i].hi, 16);
			for (int k = (int)ipnet_len(fr.r[i].family) - 1; k >= 0;
			     k--)
				if (++mid[k] != 0)
					break;
			check(m, &fr, mid, fr.r[i].family);
		}
		map_close(&m);
	}
	for (int i = 0; i < fr.n; i++)
		free(fr.value[i]);
	buf_free(&why);
	return 0;
}

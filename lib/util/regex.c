/*
 * regex.c - PCRE2 behind a small interface (see regex.h). Each compiled
 * pattern keeps its own match data (processes are single threaded), is
 * JIT-compiled when the platform allows it (a failure only means the
 * interpreter is used), and matches under REGEX_MATCH_LIMIT.
 */
#include "util/sys_defs.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/regex.h"
#include "util/xalloc.h"

struct regex {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	int groups;
};

/* regex_compile - pattern to code */
struct regex *
regex_compile(const char *pattern, int flags, struct buf *why)
{
	static const struct {
		int flag;
		uint32_t option;
	} options[] = {
	    {REGEX_ICASE, PCRE2_CASELESS},
	    {REGEX_MULTILINE, PCRE2_MULTILINE},
	    {REGEX_DOTALL, PCRE2_DOTALL},
	    {REGEX_EXTENDED, PCRE2_EXTENDED},
	    {REGEX_ANCHORED, PCRE2_ANCHORED},
	    {REGEX_DOLLAR_ENDONLY, PCRE2_DOLLAR_ENDONLY},
	    {REGEX_UNGREEDY, PCRE2_UNGREEDY},
	};
	uint32_t opts = 0, count = 0;
	int err;
	PCRE2_SIZE off;
	struct regex *re;
	pcre2_code *code;

	for (size_t i = 0; i < NELEM(options); i++)
		if (flags & options[i].flag)
			opts |= options[i].option;
	code = pcre2_compile(
	    (PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opts, &err, &off, NULL);
	if (code == NULL) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
			buf_printf(why, "error %d", err);
		else
			buf_printf(why, "%s", (const char *)msg);
		buf_printf(why, " at offset %zu", (size_t)off);
		return NULL;
	}
	re = xcalloc(1, sizeof(*re));
	re->code = code;
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count) == 0)
		re->groups = (int)count;
	if ((re->md = pcre2_match_data_create_from_pattern(code, NULL)) == NULL
	    || (re->mctx = pcre2_match_context_create(NULL)) == NULL)
		log_fatal("regex: out of memory");
	pcre2_set_match_limit(re->mctx, REGEX_MATCH_LIMIT);
	return re;
}

/* regex_free - free */
void
regex_free(struct regex **rp)
{
	struct regex *re = *rp;

	if (re == NULL)
		return;
	pcre2_match_context_free(re->mctx);
	pcre2_match_data_free(re->md);
	pcre2_code_free(re->code);
	free(re);
	*rp = NULL;
}

/* regex_groups - capture groups */
int
regex_groups(const struct regex *re)
{
	return re->groups;
}

/* regex_match - one match */
int
regex_match(struct regex *re, const char *s, size_t len, size_t *ovec,
    int npairs, struct buf *why)
{
	int rc =
	    pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, 0, re->md, re->mctx);

	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0) {
		PCRE2_UCHAR msg[256];

		if (pcre2_get_error_message(rc, msg, sizeof(msg)) < 0)
			buf_printf(why, "regular expression error %d", rc);
		else
			buf_printf(
			    why, "regular expression: %s", (const char *)msg);
		return -1;
	}
	if (ovec && npairs > 0) {
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
		uint32_t have = pcre2_get_ovector_count(re->md);

		for (int i = 0; i < npairs; i++) {
			bool set = (uint32_t)i < have && i < rc
			    && ov[2 * i] != PCRE2_UNSET;

			ovec[2 * i] = set ? ov[2 * i] : REGEX_UNSET;
			ovec[2 * i + 1] = set ? ov[2 * i + 1] : REGEX_UNSET;
		}
	}
	return 1;
}

/*
 * tls_policy.c - TLS security levels and match= names (see
 * tls_policy.h).
 */
#include "util/sys_defs.h"

#include "util/buf.h"
#include "util/strutil.h"

#include "mail/tls_policy.h"

static const char *const tls_level_names[] = {
    [TLS_LEV_NONE] = "none",
    [TLS_LEV_MAY] = "may",
    [TLS_LEV_ENCRYPT] = "encrypt",
    [TLS_LEV_VERIFY] = "verify",
    [TLS_LEV_SECURE] = "secure",
};

/* tls_policy_init - level may, no names */
void
tls_policy_init(struct tls_policy *p)
{
	p->level = TLS_LEV_MAY;
	strv_init(&p->match);
}

/* tls_policy_free - release the names */
void
tls_policy_free(struct tls_policy *p)
{
	strv_free(&p->match);
	p->level = TLS_LEV_MAY;
}

/* tls_level_name - the word of a level */
const char *
tls_level_name(enum tls_level l)
{
	return (size_t)l < NELEM(tls_level_names) ? tls_level_names[l] : "?";
}

/* tls_policy_parse - "level [match=...]" */
int
tls_policy_parse(const char *text, struct tls_policy *p, struct buf *why)
{
	struct strv words;
	size_t k;
	int ret = -1;

	strv_init(&words);
	strv_split(&words, text, " \t,");
	strv_free(&p->match);
	if (words.n == 0) {
		buf_printf(why, "empty TLS policy");
		goto out;
	}
	for (k = 0; k < NELEM(tls_level_names); k++)
		if (str_eq_ci(words.v[0], tls_level_names[k]))
			break;
	if (k == NELEM(tls_level_names)) {
		buf_printf(why,
		    "unknown TLS security level \"%s\" (use none, may, "
		    "encrypt, verify or secure)",
		    words.v[0]);
		goto out;
	}
	p->level = (enum tls_level)k;
	for (size_t i = 1; i < words.n; i++) {
		if (str_has_prefix_ci(words.v[i], "match=")
		    && words.v[i][6] != 0 && p->level >= TLS_LEV_VERIFY) {
			strv_split(&p->match, words.v[i] + 6, ":");
			continue;
		}
		buf_printf(why,
		    "TLS policy \"%s\": unknown or misplaced "
		    "attribute \"%s\"",
		    text, words.v[i]);
		strv_free(&p->match);
		goto out;
	}
	ret = 0;
out:
	strv_free(&words);
	return ret;
}

/* tls_policy_names - expand match words */
void
tls_policy_names(const struct tls_policy *p, const char *hostname,
    const char *nexthop_domain, struct strv *out)
{
	static const char *const verify_default[] = {"hostname", NULL};
	static const char *const secure_default[] = {
	    "nexthop", "dot-nexthop", NULL};
	const char *const *words = (const char *const *)p->match.v;
	struct buf *b = buf_new(64);

	strv_free(out);
	if (p->match.n == 0)
		words = p->level == TLS_LEV_SECURE ? secure_default
		                                   : verify_default;
	for (size_t i = 0; words[i]; i++) {
		if (str_eq_ci(words[i], "hostname")) {
			if (hostname && *hostname)
				strv_push(out, hostname);
		} else if (str_eq_ci(words[i], "nexthop")) {
			if (nexthop_domain && *nexthop_domain)
				strv_push(out, nexthop_domain);
		} else if (str_eq_ci(words[i], "dot-nexthop")) {
			if (nexthop_domain && *nexthop_domain) {
				buf_reset(b);
				buf_printf(b, ".%s", nexthop_domain);
				strv_push(out, buf_cstr(b));
			}
		} else {
			strv_push(out, words[i]);
		}
	}
	buf_free(&b);
}

/* tls_policy_requires_tls - encrypt, verify, secure */
bool
tls_policy_requires_tls(const struct tls_policy *p)
{
	return p->level >= TLS_LEV_ENCRYPT;
}

/* tls_policy_verifies - verify, secure */
bool
tls_policy_verifies(const struct tls_policy *p)
{
	return p->level >= TLS_LEV_VERIFY;
}

/*
 * acctmap.c - parse and write the records of the account maps (see
 * acctmap.h). Each record type is a table of known fields; anything else
 * is an error, so that a misspelt field in a hand-edited map is found
 * instead of silently ignored.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"
#include "proto/kvlist.h"

#include "mail/acctmap.h"

/* acctmap_known - every field of kv is one of names (NULL-terminated) */
static int
acctmap_known(
    const struct kvlist *kv, const char *const *names, struct buf *why)
{
	for (size_t i = 0; i < kv->names.n; i++) {
		bool ok = false;

		for (size_t k = 0; names[k] && !ok; k++)
			ok = strcmp(kv->names.v[i], names[k]) == 0;
		if (!ok) {
			buf_printf(why, "unknown field \"%s\"", kv->names.v[i]);
			return -1;
		}
	}
	return 0;
}

/* acctmap_bool - a boolean field (default when absent) */
static int
acctmap_bool(const struct kvlist *kv, const char *name, bool defval, bool *out,
    struct buf *why)
{
	const char *v = kvlist_get(kv, name);

	if (v == NULL) {
		*out = defval;
		return 0;
	}
	if (strcmp(v, "yes") == 0 || strcmp(v, "1") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(v, "no") == 0 || strcmp(v, "0") == 0) {
		*out = false;
		return 0;
	}
	buf_printf(why, "%s=%s: use yes or no", name, v);
	return -1;
}

/* acctmap_size_field - a size field (0 when absent) */
static int
acctmap_size_field(
    const struct kvlist *kv, const char *name, long long *out, struct buf *why)
{
	const char *v = kvlist_get(kv, name);

	*out = 0;
	if (v == NULL)
		return 0;
	if (acctmap_parse_size(v, out, why) < 0) {
		buf_printf(why, " (%s)", name);
		return -1;
	}
	return 0;
}

/* acctmap_addr_list - comma-separated addresses, lower-cased, checked */
static int
acctmap_addr_list(const struct kvlist *kv, const char *name, struct strv *out,
    struct buf *why)
{
	const char *v = kvlist_get(kv, name);
	struct strv words;
	struct buf *lc = buf_new(64);
	int ret = 0;

	strv_free(out);
	if (v == NULL) {
		buf_free(&lc);
		return 0;
	}
	strv_init(&words);
	strv_split(&words, v, ",");
	for (size_t i = 0; i < words.n && ret == 0; i++) {
		acctname_lower(words.v[i], lc);
		if (acctname_check_target(buf_cstr(lc), why) < 0) {
			buf_printf(why, " (%s: %s)", name, words.v[i]);
			ret = -1;
		} else if (!strv_contains(out, buf_cstr(lc))) {
			strv_push(out, buf_cstr(lc));
		}
	}
	strv_free(&words);
	buf_free(&lc);
	return ret;
}

/* acctmap_join - comma-joined list into kv */
static void
acctmap_set_list(struct kvlist *kv, const char *name, const struct strv *l)
{
	char *s = strv_join(l, ",");

	kvlist_set(kv, name, s);
	free(s);
}

/* acctmap_set_size - a size field in bytes */
static void
acctmap_set_size(struct kvlist *kv, const char *name, long long n)
{
	char num[32];

	snprintf(num, sizeof(num), "%lld", n);
	kvlist_set(kv, name, num);
}

/* acctmap_parse_size - bytes with an optional unit */
int
acctmap_parse_size(const char *s, long long *out, struct buf *why)
{
	unsigned long long n = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9') {
		buf_printf(
		    why, "bad size \"%s\" (use bytes, or k, m, g, t)", s);
		return -1;
	}
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > (unsigned long long)LLONG_MAX / 10) {
			buf_printf(why, "size \"%s\" is too large", s);
			return -1;
		}
	}
	switch (*p) {
	case 0:
		break;
	case 'k':
	case 'K':
		mult = 1024ULL;
		break;
	case 'm':
	case 'M':
		mult = 1024ULL * 1024;
		break;
	case 'g':
	case 'G':
		mult = 1024ULL * 1024 * 1024;
		break;
	case 't':
	case 'T':
		mult = 1024ULL * 1024 * 1024 * 1024;
		break;
	default:
		buf_printf(
		    why, "bad size \"%s\" (use bytes, or k, m, g, t)", s);
		return -1;
	}
	if (*p && p[1]) {
		buf_printf(
		    why, "bad size \"%s\" (use bytes, or k, m, g, t)", s);
		return -1;
	}
	if (n > (unsigned long long)LLONG_MAX / mult) {
		buf_printf(why, "size \"%s\" is too large", s);
		return -1;
	}
	*out = (long long)(n * mult);
	return 0;
}

/* acctmap_format_size - bytes in the largest exact unit */
void
acctmap_format_size(long long n, struct buf *out)
{
	static const char units[] = "kmgt";
	int u = -1;

	while (n != 0 && n % 1024 == 0 && u < 3) {
		n /= 1024;
		u++;
	}
	if (u < 0)
		buf_printf(out, "%lld", n);
	else
		buf_printf(out, "%lld%c", n, units[u]);
}

/* acctmap_parse_date - YYYY-MM-DD to the end of that day */
int
acctmap_parse_date(const char *s, time_t *out, struct buf *why)
{
	struct tm tm;
	int y, m, d;
	char tail;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-'
	    || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 1970
	    || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) {
		buf_printf(why, "bad date \"%s\" (use YYYY-MM-DD)", s);
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 23;
	tm.tm_min = 59;
	tm.tm_sec = 59;
	tm.tm_isdst = -1;
	if ((*out = mktime(&tm)) == (time_t)-1 || tm.tm_mday != d) {
		buf_printf(why, "bad date \"%s\" (no such day)", s);
		return -1;
	}
	return 0;
}

/* acctmap_default_maildir - "<domain>/<local>/" */
void
acctmap_default_maildir(const char *address, struct buf *out)
{
	const char *at = strrchr(address, '@');

	buf_reset(out);
	if (at == NULL) {
		buf_printf(out, "%s/", address);
		return;
	}
	buf_printf(out, "%s/%.*s/", at + 1, (int)(at - address), address);
}

/* acctmap_maildir_ok - a relative path below the mail store */
int
acctmap_maildir_ok(const char *rel, struct buf *why)
{
	const char *p = rel;

	if (*rel == 0 || *rel == '/' || strlen(rel) > ACCTMAP_MAILDIR_MAX) {
		buf_printf(why,
		    "maildir \"%s\" must be a relative path below "
		    "virtual_mailbox_base",
		    rel);
		return -1;
	}
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.')
		    || (n == 2 && p[0] == '.' && p[1] == '.')) {
			buf_printf(
			    why, "maildir \"%s\": bad path component", rel);
			return -1;
		}
		for (size_t i = 0; i < n; i++) {
			if (p[i] <= ' ' || p[i] >= 0x7f) {
				buf_printf(
				    why, "maildir \"%s\": bad character", rel);
				return -1;
			}
		}
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

/* Domains. */

static const char *const acctmap_domain_fields[] = {
    "active", "alias", "max_accounts", "max_size", "default_quota", NULL};

void
acctmap_domain_init(struct acctmap_domain *d)
{
	memset(d, 0, sizeof(*d));
	d->active = true;
}

void
acctmap_domain_free(struct acctmap_domain *d)
{
	free(d->alias);
	acctmap_domain_init(d);
}

/* acctmap_domain_parse - a domains entry */
int
acctmap_domain_parse(
    const char *value, struct acctmap_domain *d, struct buf *why)
{
	struct kvlist kv;
	struct buf *lc = buf_new(64);
	const char *v;
	long long n;
	int ret = -1;

	acctmap_domain_free(d);
	kvlist_init(&kv);
	if (kvlist_parse(value, &kv, why) < 0
	    || acctmap_known(&kv, acctmap_domain_fields, why) < 0
	    || acctmap_bool(&kv, "active", true, &d->active, why) < 0
	    || acctmap_size_field(&kv, "max_size", &d->max_size, why) < 0
	    || acctmap_size_field(&kv, "default_quota", &d->default_quota, why)
	        < 0)
		goto out;
	if ((v = kvlist_get(&kv, "max_accounts")) != NULL) {
		if (acctmap_parse_size(v, &n, why) < 0 || n > LONG_MAX) {
			buf_printf(why, " (max_accounts)");
			goto out;
		}
		d->max_accounts = (long)n;
	}
	if ((v = kvlist_get(&kv, "alias")) != NULL) {
		acctname_lower(v, lc);
		if (acctname_check_domain(buf_cstr(lc), why) < 0) {
			buf_printf(why, " (alias=%s)", v);
			goto out;
		}
		d->alias = xstrdup(buf_cstr(lc));
	}
	ret = 0;
out:
	if (ret < 0)
		acctmap_domain_free(d);
	kvlist_free(&kv);
	buf_free(&lc);
	return ret;
}

/* acctmap_domain_format - a domains entry's value */
void
acctmap_domain_format(const struct acctmap_domain *d, struct buf *out)
{
	struct kvlist kv;
	char num[32];

	kvlist_init(&kv);
	if (d->alias) {
		kvlist_set(&kv, "alias", d->alias);
		if (!d->active)
			kvlist_set(&kv, "active", "no");
	} else {
		kvlist_set(&kv, "active", d->active ? "yes" : "no");
		snprintf(num, sizeof(num), "%ld", d->max_accounts);
		kvlist_set(&kv, "max_accounts", num);
		acctmap_set_size(&kv, "max_size", d->max_size);
		acctmap_set_size(&kv, "default_quota", d->default_quota);
	}
	kvlist_format(&kv, out);
	kvlist_free(&kv);
}

/* Users. */

static const char *const acctmap_user_fields[] = {"active", "maildir", "quota",
    "forward", "keep_copy", "autoreply", "autoreply_subject", "autoreply_text",
    "autoreply_until", NULL};

/* The record types own nothing after init: a zeroed strv is an empty
 * one (strv_push allocates on first use), so init/free pairs never leak
 * and free leaves the record ready for reuse. */
void
acctmap_user_init(struct acctmap_user *u)
{
	memset(u, 0, sizeof(*u));
	u->active = true;
	u->keep_copy = true;
}

void
acctmap_user_free(struct acctmap_user *u)
{
	free(u->maildir);
	strv_free(&u->forward);
	free(u->ar_subject);
	free(u->ar_text);
	free(u->ar_until);
	acctmap_user_init(u);
}

/* acctmap_user_parse - a users entry */
int
acctmap_user_parse(const char *value, struct acctmap_user *u, struct buf *why)
{
	struct kvlist kv;
	const char *v;
	int ret = -1;

	acctmap_user_free(u);
	kvlist_init(&kv);
	if (kvlist_parse(value, &kv, why) < 0
	    || acctmap_known(&kv, acctmap_user_fields, why) < 0
	    || acctmap_bool(&kv, "active", true, &u->active, why) < 0
	    || acctmap_size_field(&kv, "quota", &u->quota, why) < 0
	    || acctmap_addr_list(&kv, "forward", &u->forward, why) < 0
	    || acctmap_bool(&kv, "keep_copy", true, &u->keep_copy, why) < 0
	    || acctmap_bool(&kv, "autoreply", false, &u->autoreply, why) < 0)
		goto out;
	if ((v = kvlist_get(&kv, "maildir")) != NULL) {
		if (acctmap_maildir_ok(v, why) < 0)
			goto out;
		u->maildir = xstrdup(v);
	}
	if ((v = kvlist_get(&kv, "autoreply_subject")) != NULL)
		u->ar_subject = xstrdup(v);
	if ((v = kvlist_get(&kv, "autoreply_text")) != NULL)
		u->ar_text = xstrdup(v);
	if ((v = kvlist_get(&kv, "autoreply_until")) != NULL && *v) {
		if (acctmap_parse_date(v, &u->ar_until_t, why) < 0)
			goto out;
		u->ar_until = xstrdup(v);
	}
	ret = 0;
out:
	if (ret < 0)
		acctmap_user_free(u);
	kvlist_free(&kv);
	return ret;
}

/* acctmap_user_format - a users entry's value */
void
acctmap_user_format(const struct acctmap_user *u, struct buf *out)
{
	struct kvlist kv;

	kvlist_init(&kv);
	kvlist_set(&kv, "active", u->active ? "yes" : "no");
	if (u->maildir)
		kvlist_set(&kv, "maildir", u->maildir);
	acctmap_set_size(&kv, "quota", u->quota);
	if (u->forward.n > 0) {
		acctmap_set_list(&kv, "forward", &u->forward);
		kvlist_set(&kv, "keep_copy", u->keep_copy ? "yes" : "no");
	}
	if (u->autoreply || u->ar_subject || u->ar_text) {
		kvlist_set(&kv, "autoreply", u->autoreply ? "yes" : "no");
		kvlist_set(&kv, "autoreply_subject",
		    u->ar_subject ? u->ar_subject : "");
		kvlist_set(&kv, "autoreply_text", u->ar_text ? u->ar_text : "");
		if (u->ar_until)
			kvlist_set(&kv, "autoreply_until", u->ar_until);
	}
	kvlist_format(&kv, out);
	kvlist_free(&kv);
}

/* Distribution lists. */

static const char *const acctmap_list_fields[] = {
    "active", "policy", "members", "senders", "require_auth", NULL};
static const char *const acctmap_policy_names[] = {
    "anyone", "members", "senders"};

void
acctmap_list_init(struct acctmap_list *l)
{
	memset(l, 0, sizeof(*l));
	l->active = true;
	l->policy = ACCTMAP_POLICY_ANYONE;
}

void
acctmap_list_free(struct acctmap_list *l)
{
	strv_free(&l->members);
	strv_free(&l->senders);
	acctmap_list_init(l);
}

const char *
acctmap_policy_name(enum acctmap_policy p)
{
	return acctmap_policy_names[p];
}

/* acctmap_list_parse - a lists entry */
int
acctmap_list_parse(const char *value, struct acctmap_list *l, struct buf *why)
{
	struct kvlist kv;
	const char *v;
	int ret = -1;

	acctmap_list_free(l);
	kvlist_init(&kv);
	if (kvlist_parse(value, &kv, why) < 0
	    || acctmap_known(&kv, acctmap_list_fields, why) < 0
	    || acctmap_bool(&kv, "active", true, &l->active, why) < 0
	    || acctmap_bool(&kv, "require_auth", false, &l->require_auth, why)
	        < 0
	    || acctmap_addr_list(&kv, "members", &l->members, why) < 0
	    || acctmap_addr_list(&kv, "senders", &l->senders, why) < 0)
		goto out;
	if ((v = kvlist_get(&kv, "policy")) != NULL) {
		size_t i;

		for (i = 0; i < NELEM(acctmap_policy_names); i++)
			if (strcmp(v, acctmap_policy_names[i]) == 0)
				break;
		if (i == NELEM(acctmap_policy_names)) {
			buf_printf(why,
			    "policy=%s: use anyone, members or senders", v);
			goto out;
		}
		l->policy = (enum acctmap_policy)i;
	}
	ret = 0;
out:
	if (ret < 0)
		acctmap_list_free(l);
	kvlist_free(&kv);
	return ret;
}

/* acctmap_list_format - a lists entry's value */
void
acctmap_list_format(const struct acctmap_list *l, struct buf *out)
{
	struct kvlist kv;

	kvlist_init(&kv);
	kvlist_set(&kv, "active", l->active ? "yes" : "no");
	kvlist_set(&kv, "policy", acctmap_policy_names[l->policy]);
	kvlist_set(&kv, "require_auth", l->require_auth ? "yes" : "no");
	acctmap_set_list(&kv, "members", &l->members);
	acctmap_set_list(&kv, "senders", &l->senders);
	kvlist_format(&kv, out);
	kvlist_free(&kv);
}

/* Aliases. */

/* acctmap_alias_parse - Postfix virtual(5) targets */
int
acctmap_alias_parse(const char *value, struct strv *out, struct buf *why)
{
	struct strv words;
	struct buf *lc = buf_new(64);

	strv_free(out);
	strv_init(&words);
	strv_split(&words, value, ", \t\r\n");
	for (size_t i = 0; i < words.n; i++) {
		acctname_lower(words.v[i], lc);
		if (!strv_contains(out, buf_cstr(lc)))
			strv_push(out, buf_cstr(lc));
	}
	strv_free(&words);
	buf_free(&lc);
	if (out->n == 0) {
		buf_printf(why, "alias without a target");
		return -1;
	}
	return 0;
}

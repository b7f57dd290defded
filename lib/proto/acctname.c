/*
 * acctname.c - checks of domain names, local parts and login names (see
 * acctname.h). Written to be fuzzed: every function takes untrusted text
 * and only reads within it.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/acctname.h"

/* acctname_is_atext - RFC 5322 3.2.3 atext */
static bool
acctname_is_atext(int c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* acctname_dot_atom - a dot-atom of atext; extra_bad are atext characters
 * refused as well. 0, or -1 with why naming what. */
static int
acctname_dot_atom(
    const char *s, size_t len, const char *extra_bad, struct buf *why)
{
	if (len == 0) {
		buf_printf(why, "empty local part");
		return -1;
	}
	if (len > ACCTNAME_LOCAL_MAX) {
		buf_printf(why, "local part longer than %d characters",
		    ACCTNAME_LOCAL_MAX);
		return -1;
	}
	if (s[0] == '.' || s[len - 1] == '.') {
		buf_printf(why, "local part begins or ends with a dot");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.') {
				buf_printf(why,
				    "two dots in a row in the "
				    "local part");
				return -1;
			}
			continue;
		}
		if (!acctname_is_atext(c) || strchr(extra_bad, c) != NULL) {
			if (c > ' ' && c < 0x7f)
				buf_printf(why,
				    "character '%c' not allowed in a local "
				    "part",
				    c);
			else
				buf_printf(why,
				    "character 0x%02x not allowed in a local "
				    "part",
				    c);
			return -1;
		}
	}
	return 0;
}

/* acctname_ldh - LDH labels; min_labels 1 or 2. 0 or -1 with why. */
static int
acctname_ldh(const char *d, size_t len, int min_labels, struct buf *why)
{
	size_t label = 0;
	int labels = 1;

	if (len == 0) {
		buf_printf(why, "empty domain");
		return -1;
	}
	if (len > ACCTNAME_DOMAIN_MAX) {
		buf_printf(why, "domain longer than %d characters",
		    ACCTNAME_DOMAIN_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.') {
			if (label == 0) {
				buf_printf(why, "empty label in domain");
				return -1;
			}
			if (d[i - 1] == '-') {
				buf_printf(why, "domain label ends with '-'");
				return -1;
			}
			label = 0;
			labels++;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		        || (c >= '0' && c <= '9') || c == '-')) {
			if (c > ' ' && c < 0x7f)
				buf_printf(why,
				    "character '%c' not allowed in a domain",
				    c);
			else
				buf_printf(why,
				    "character 0x%02x not allowed in a domain",
				    c);
			return -1;
		}
		if (c == '-' && label == 0) {
			buf_printf(why, "domain label begins with '-'");
			return -1;
		}
		if (++label > 63) {
			buf_printf(why,
			    "domain label longer than 63 "
			    "characters");
			return -1;
		}
	}
	if (label == 0) {
		buf_printf(why, "domain ends with a dot");
		return -1;
	}
	if (d[len - 1] == '-') {
		buf_printf(why, "domain label ends with '-'");
		return -1;
	}
	if (labels < min_labels) {
		buf_printf(why,
		    "domain must contain a dot (example.com, not "
		    "example)");
		return -1;
	}
	return 0;
}

/* acctname_check_domain - a domain we may host */
int
acctname_check_domain(const char *domain, struct buf *why)
{
	return acctname_ldh(domain, strlen(domain), 2, why);
}

/* acctname_check_local - an account local part */
int
acctname_check_local(const char *local, struct buf *why)
{
	return acctname_dot_atom(local, strlen(local), "/%#", why);
}

/* acctname_check_address - local@domain, or @domain when allowed */
int
acctname_check_address(const char *addr, bool allow_catchall, struct buf *why)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL) {
		buf_printf(why, "no '@' in address (use local@domain)");
		return -1;
	}
	if (at == addr) {
		if (!allow_catchall) {
			buf_printf(why, "empty local part");
			return -1;
		}
	} else if (acctname_dot_atom(addr, (size_t)(at - addr), "/%#", why)
	    < 0) {
		return -1;
	}
	return acctname_ldh(at + 1, strlen(at + 1), 2, why);
}

/* acctname_check_target - any deliverable address */
int
acctname_check_target(const char *addr, struct buf *why)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL) {
		buf_printf(why, "no '@' in address (use local@domain)");
		return -1;
	}
	if (acctname_dot_atom(addr, (size_t)(at - addr), "", why) < 0)
		return -1;
	return acctname_ldh(at + 1, strlen(at + 1), 1, why);
}

/* acctname_split - at the last '@' */
int
acctname_split(const char *addr, struct buf *local, struct buf *domain)
{
	const char *at = strrchr(addr, '@');

	if (at == NULL)
		return -1;
	if (local)
		buf_set(local, addr, (size_t)(at - addr));
	if (domain)
		buf_sets(domain, at + 1);
	return 0;
}

/* acctname_lower - ASCII lower-case copy */
void
acctname_lower(const char *s, struct buf *out)
{
	buf_reset(out);
	for (; *s; s++)
		buf_catc(out, (*s >= 'A' && *s <= 'Z') ? *s - 'A' + 'a' : *s);
}

/* acctname_login - canonical address of a login name */
int
acctname_login(const char *login, size_t len, const char *default_domain,
    struct buf *out, struct buf *why)
{
	const char *sep = NULL;
	struct buf *raw;
	int ret;

	buf_reset(out);
	if (len == 0) {
		buf_printf(why, "empty login name");
		return -1;
	}
	if (len > ACCTNAME_ADDR_MAX) {
		buf_printf(why, "login name longer than %d characters",
		    ACCTNAME_ADDR_MAX);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)login[i];

		if (c <= ' ' || c >= 0x7f) {
			buf_printf(
			    why, "bad character 0x%02x in login name", c);
			return -1;
		}
	}
	for (const char *seps = "@%#"; *seps && sep == NULL; seps++)
		sep = memrchr(login, *seps, len);
	raw = buf_new(len + 1 + ACCTNAME_DOMAIN_MAX);
	if (sep != NULL) {
		buf_cat(raw, login, (size_t)(sep - login));
		buf_catc(raw, '@');
		buf_cat(raw, sep + 1, len - (size_t)(sep - login) - 1);
	} else if (default_domain != NULL && *default_domain) {
		buf_cat(raw, login, len);
		buf_catc(raw, '@');
		buf_cats(raw, default_domain);
	} else {
		buf_printf(why, "login name has no domain (use user@domain)");
		buf_free(&raw);
		return -1;
	}
	acctname_lower(buf_cstr(raw), out);
	if ((ret = acctname_check_address(buf_cstr(out), false, why)) < 0)
		buf_reset(out);
	buf_free(&raw);
	return ret;
}

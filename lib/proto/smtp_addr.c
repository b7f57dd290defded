/*
 * smtp_addr.c - RFC 5321 path and mailbox parser (see smtp_addr.h).
 *
 * The parser is a straight transcription of the RFC 5321 section 4.1.2
 * grammar, walking the input once with an index that never passes len.
 * Nothing here trusts a NUL terminator: the input may hold any byte.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/xalloc.h"

#include "proto/smtp_addr.h"

/* smtp_utf8_seq - length of the valid UTF-8 sequence at s[0..len), 0 when
 * it is not one (RFC 3629: no overlong forms, no surrogates, <= U+10FFFF) */
static size_t
smtp_utf8_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	size_t n;
	unsigned char lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (len < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return n;
}

/* smtp_utf8_ok - whole string is valid UTF-8 */
bool
smtp_utf8_ok(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = smtp_utf8_seq(u + i, len - i);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

/* smtp_is_atext - RFC 5322 atext (ASCII part) */
static bool
smtp_is_atext(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* smtp_is_alnum - ASCII letter or digit */
static bool
smtp_is_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9');
}

/* smtp_dot_string_ok - s is Dot-string (atoms separated by single dots) */
static bool
smtp_dot_string_ok(const char *s, size_t len, bool utf8)
{
	const unsigned char *u = (const unsigned char *)s;
	bool need_atext = true;
	size_t i = 0;

	if (len == 0)
		return false;
	while (i < len) {
		if (u[i] == '.') {
			if (need_atext)
				return false;
			need_atext = true;
			i++;
		} else if (u[i] >= 0x80) {
			size_t n = utf8 ? smtp_utf8_seq(u + i, len - i) : 0;

			if (n == 0)
				return false;
			i += n;
			need_atext = false;
		} else if (smtp_is_atext(u[i])) {
			i++;
			need_atext = false;
		} else
			return false;
	}
	return !need_atext;
}

/* smtp_local_quote - the RFC 5321 form of an unquoted local part */
void
smtp_local_quote(const char *local, size_t len, struct buf *out)
{
	if (smtp_dot_string_ok(local, len, true)) {
		buf_cat(out, local, len);
		return;
	}
	buf_catc(out, '"');
	for (size_t i = 0; i < len; i++) {
		if (local[i] == '"' || local[i] == '\\')
			buf_catc(out, '\\');
		buf_catc(out, local[i]);
	}
	buf_catc(out, '"');
}

/* smtp_label_scan - one domain label at s[0..len): returns its length
 * (stops at '.' or the end), or 0 when invalid. helo allows '_'. */
static size_t
smtp_label_scan(const char *s, size_t len, bool utf8, bool helo)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;
	unsigned char last = 0;

	while (i < len && u[i] != '.') {
		if (u[i] >= 0x80) {
			size_t n = utf8 ? smtp_utf8_seq(u + i, len - i) : 0;

			if (n == 0)
				return 0;
			i += n;
			last = 'a';
			continue;
		}
		if (!smtp_is_alnum(u[i]) && u[i] != '-'
		    && !(helo && u[i] == '_'))
			return 0;
		/* Let-dig first; hyphens only inside (RFC 5321 Ldh-str). */
		if (i == 0 && u[i] == '-')
			return 0;
		last = u[i];
		i++;
	}
	if (i == 0 || i > SMTP_LABEL_MAX || last == '-')
		return 0;
	return i;
}

/* smtp_domain_scan - domain syntax with the HELO tolerances optional */
static bool
smtp_domain_scan(const char *s, size_t len, bool utf8, bool helo)
{
	size_t i = 0;

	if (len == 0 || len > SMTP_DOMAIN_MAX)
		return false;
	if (helo && s[len - 1] == '.')
		len--;
	while (i < len) {
		size_t n = smtp_label_scan(s + i, len - i, utf8, helo);

		if (n == 0)
			return false;
		i += n;
		if (i < len) {
			i++; /* the dot */
			if (i == len)
				return false;
		}
	}
	return len > 0;
}

/* smtp_domain_ok - domain syntax */
bool
smtp_domain_ok(const char *s, size_t len, int flags)
{
	return smtp_domain_scan(s, len, (flags & SMTP_ADDR_UTF8) != 0, false);
}

/* smtp_literal_ok - "[...]" address literal */
bool
smtp_literal_ok(const char *s, size_t len)
{
	char tmp[64];
	unsigned char addr[16];
	const char *in;
	size_t n;

	if (len < 3 || s[0] != '[' || s[len - 1] != ']')
		return false;
	in = s + 1;
	n = len - 2;
	if (n >= 5 && strncasecmp(in, "IPv6:", 5) == 0) {
		if (n - 5 >= sizeof(tmp) || n == 5)
			return false;
		memcpy(tmp, in + 5, n - 5);
		tmp[n - 5] = 0;
		if (memchr(tmp, 0, n - 5) != NULL)
			return false;
		return inet_pton(AF_INET6, tmp, addr) == 1;
	}
	if (n > 0 && in[0] >= '0' && in[0] <= '9') {
		size_t i = 0;

		/* Only digits and dots may follow: inet_pton then checks the
		 * four numbers (and refuses leading zeros). */
		if (n >= sizeof(tmp))
			return false;
		for (i = 0; i < n; i++)
			if (!(in[i] >= '0' && in[i] <= '9') && in[i] != '.')
				break;
		if (i == n) {
			memcpy(tmp, in, n);
			tmp[n] = 0;
			return inet_pton(AF_INET, tmp, addr) == 1;
		}
	}
	/* General-address-literal: Standardized-tag ":" 1*dcontent. */
	{
		size_t i = 0;

		while (i < n
		    && (smtp_is_alnum((unsigned char)in[i]) || in[i] == '-'))
			i++;
		if (i == 0 || in[i - 1] == '-' || i >= n || in[i] != ':')
			return false;
		if (++i == n)
			return false;
		for (; i < n; i++) {
			unsigned char c = (unsigned char)in[i];

			if (c < 33 || c > 126 || c == '[' || c == '\\'
			    || c == ']')
				return false;
		}
		return true;
	}
}

/* smtp_helo_ok - HELO argument */
bool
smtp_helo_ok(const char *s, size_t len)
{
	if (len > 0 && s[0] == '[')
		return smtp_literal_ok(s, len);
	return smtp_domain_scan(s, len, false, true);
}

/* smtp_addr_clear - free and zero */
void
smtp_addr_clear(struct smtp_addr *a)
{
	free(a->addr);
	free(a->local);
	free(a->domain);
	memset(a, 0, sizeof(*a));
}

/* smtp_parse_local - local part at s[*ip]; unquoted form into local */
static int
smtp_parse_local(const char *s, size_t len, size_t *ip, int flags,
    struct buf *local, bool *quoted_out, struct buf *why)
{
	const unsigned char *u = (const unsigned char *)s;
	bool utf8 = (flags & SMTP_ADDR_UTF8) != 0;
	size_t i = *ip, start = i;

	if (i < len && u[i] == '"') {
		*quoted_out = true;
		i++;
		for (;;) {
			if (i >= len) {
				buf_sets(why, "unterminated quoted string");
				return -1;
			}
			if (u[i] == '"')
				break;
			if (u[i] == '\\') {
				/* quoted-pairSMTP = %d92 %d32-126 */
				if (i + 1 >= len || u[i + 1] < 32
				    || u[i + 1] > 126) {
					buf_sets(why, "bad quoted pair");
					return -1;
				}
				buf_catc(local, u[i + 1]);
				i += 2;
			} else if (u[i] >= 0x80) {
				size_t n =
				    utf8 ? smtp_utf8_seq(u + i, len - i) : 0;

				if (n == 0) {
					buf_sets(why, "8-bit character");
					return -1;
				}
				buf_cat(local, s + i, n);
				i += n;
			} else if (u[i] >= 32 && u[i] <= 126) {
				buf_catc(local, u[i]);
				i++;
			} else {
				buf_sets(why, "control character");
				return -1;
			}
			if (buf_len(local) > SMTP_LOCAL_MAX) {
				buf_sets(why, "local part too long");
				return -1;
			}
		}
		i++; /* closing quote */
	} else {
		while (i < len && u[i] != '@' && u[i] != '>' && u[i] != ' ')
			i++;
		if (i - start > SMTP_LOCAL_MAX) {
			buf_sets(why, "local part too long");
			return -1;
		}
		if (!smtp_dot_string_ok(s + start, i - start, utf8)) {
			buf_sets(why,
			    i == start ? "empty local part" : "bad local part");
			return -1;
		}
		buf_cat(local, s + start, i - start);
	}
	*ip = i;
	return 0;
}

/* smtp_parse_domain_at - domain or literal at s[*ip] up to a stop
 * character ('>', ',', ':', ' ' or the end) */
static int
smtp_parse_domain_at(const char *s, size_t len, size_t *ip, int flags,
    bool *literal_out, struct buf *why)
{
	size_t i = *ip, start = i;

	if (i < len && s[i] == '[') {
		while (i < len && s[i] != ']')
			i++;
		if (i == len) {
			buf_sets(why, "missing ']'");
			return -1;
		}
		i++;
		if (!smtp_literal_ok(s + start, i - start)) {
			buf_sets(why, "bad address literal");
			return -1;
		}
		*literal_out = true;
	} else {
		while (i < len && s[i] != '>' && s[i] != ',' && s[i] != ':'
		    && s[i] != ' ')
			i++;
		if (i == start) {
			buf_sets(why, "missing domain");
			return -1;
		}
		if (!smtp_domain_ok(s + start, i - start, flags)) {
			buf_sets(why, "bad domain");
			return -1;
		}
	}
	*ip = i;
	return 0;
}

/* smtp_parse_mailbox_at - local@domain at s[*ip] into out */
static int
smtp_parse_mailbox_at(const char *s, size_t len, size_t *ip, int flags,
    struct smtp_addr *out, struct buf *why)
{
	struct buf *local = buf_new(64), *norm = buf_new(64);
	size_t i = *ip, dstart;
	bool quoted = false, literal = false;
	int ret = -1;

	if (smtp_parse_local(s, len, &i, flags, local, &quoted, why) < 0)
		goto out;
	if (i >= len || s[i] != '@') {
		/* RFC 5321 4.1.1.3: "Postmaster" alone must be accepted. */
		if ((flags & SMTP_ADDR_POSTMASTER) && !quoted
		    && strcasecmp(buf_cstr(local), "postmaster") == 0) {
			out->is_postmaster = true;
			out->addr = xstrdup(buf_cstr(local));
			out->local = xstrdup(buf_cstr(local));
			out->domain = xstrdup("");
			*ip = i;
			ret = 0;
			goto out;
		}
		buf_sets(why, "missing '@domain'");
		goto out;
	}
	dstart = ++i;
	if (smtp_parse_domain_at(s, len, &i, flags, &literal, why) < 0)
		goto out;
	smtp_local_quote(buf_cstr(local), buf_len(local), norm);
	buf_catc(norm, '@');
	buf_cat(norm, s + dstart, i - dstart);
	out->addr = xstrdup(buf_cstr(norm));
	out->local = xstrndup(buf_cstr(local), buf_len(local));
	out->domain = xstrndup(s + dstart, i - dstart);
	out->is_quoted = buf_cstr(norm)[0] == '"';
	out->is_literal = literal;
	out->has_route_char = memchr(buf_cstr(local), '%', buf_len(local))
	    || memchr(buf_cstr(local), '!', buf_len(local));
	for (const char *p = out->addr; *p; p++)
		if ((unsigned char)*p >= 0x80)
			out->is_utf8 = true;
	*ip = i;
	ret = 0;
out:
	buf_free(&local);
	buf_free(&norm);
	return ret;
}

/* smtp_parse_route - "@a,@b:" at s[*ip], dropped */
static int
smtp_parse_route(
    const char *s, size_t len, size_t *ip, int flags, struct buf *why)
{
	size_t i = *ip;

	for (;;) {
		bool lit = false;

		if (i >= len || s[i] != '@') {
			buf_sets(why, "bad source route");
			return -1;
		}
		i++;
		if (smtp_parse_domain_at(
		        s, len, &i, flags & ~SMTP_ADDR_UTF8, &lit, why)
		    < 0)
			return -1;
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == ':') {
			*ip = i + 1;
			return 0;
		}
		buf_sets(why, "bad source route");
		return -1;
	}
}

/* smtp_addr_parse_path - "<...>" at the start of s */
int
smtp_addr_parse_path(const char *s, size_t len, int flags,
    struct smtp_addr *out, size_t *used_out, struct buf *why)
{
	size_t i = 0;

	buf_reset(why);
	memset(out, 0, sizeof(*out));
	if (len == 0 || s[0] != '<') {
		if (!(flags & SMTP_ADDR_LENIENT) || len == 0) {
			buf_sets(why, "missing '<'");
			return -1;
		}
		/* Lenient: a bare mailbox up to the first space. */
		if (smtp_parse_mailbox_at(s, len, &i, flags, out, why) < 0)
			goto bad;
		if (i < len && s[i] != ' ') {
			buf_sets(why, "garbage after address");
			goto bad;
		}
		*used_out = i;
		return 0;
	}
	out->has_brackets = true;
	i = 1;
	if (i < len && s[i] == '>') {
		if (!(flags & SMTP_ADDR_NULL_OK)) {
			buf_sets(why, "empty address");
			return -1;
		}
		out->is_null = true;
		out->addr = xstrdup("");
		out->local = xstrdup("");
		out->domain = xstrdup("");
		*used_out = 2;
		goto after;
	}
	if (i < len && s[i] == '@') {
		if (smtp_parse_route(s, len, &i, flags, why) < 0)
			goto bad;
		out->has_route = true;
	}
	{
		bool route = out->has_route;

		if (smtp_parse_mailbox_at(s, len, &i, flags, out, why) < 0)
			goto bad;
		out->has_route = route;
	}
	if (i >= len || s[i] != '>') {
		buf_sets(why, "missing '>'");
		goto bad;
	}
	*used_out = i + 1;
	out->has_brackets = true;
after:
	if (*used_out < len && s[*used_out] != ' ') {
		buf_sets(why, "garbage after '>'");
		goto bad;
	}
	return 0;
bad:
	smtp_addr_clear(out);
	return -1;
}

/* smtp_addr_parse_mailbox - s is exactly one mailbox */
int
smtp_addr_parse_mailbox(const char *s, size_t len, int flags,
    struct smtp_addr *out, struct buf *why)
{
	size_t i = 0;

	buf_reset(why);
	memset(out, 0, sizeof(*out));
	if (smtp_parse_mailbox_at(
	        s, len, &i, flags & ~SMTP_ADDR_POSTMASTER, out, why)
	    < 0)
		return -1;
	if (i != len) {
		buf_sets(why, "garbage after address");
		smtp_addr_clear(out);
		return -1;
	}
	return 0;
}

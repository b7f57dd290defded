/*
 * ipnet.c - addresses, networks and ranges (see ipnet.h). inet_pton()
 * does the address syntax; this file adds brackets, prefixes and ranges.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "util/buf.h"
#include "util/ipnet.h"

#define IPNET_TEXT_MAX 128 /* longer is never an address */

/* ipnet_len - bytes of an address */
size_t
ipnet_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* ipnet_pton - one address, with or without brackets, no conversion */
static int
ipnet_pton(const char *s, size_t n, struct ipaddr *out)
{
	char tmp[IPNET_TEXT_MAX];

	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = 0;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, tmp, out->b) == 1) {
		out->family = AF_INET;
		return 0;
	}
	if (strchr(tmp, ':') && inet_pton(AF_INET6, tmp, out->b) == 1) {
		out->family = AF_INET6;
		return 0;
	}
	return -1;
}

/* ipaddr_parse - a bare address; IPv4-mapped becomes IPv4 */
int
ipaddr_parse(const char *s, struct ipaddr *out)
{
	static const uint8_t mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (ipnet_pton(s, strlen(s), out) < 0)
		return -1;
	if (out->family == AF_INET6 && memcmp(out->b, mapped, 12) == 0) {
		memmove(out->b, out->b + 12, 4);
		memset(out->b + 4, 0, 12);
		out->family = AF_INET;
	}
	return 0;
}

/* ipnet_prefix - parse "len" within [0,max]; -1 when bad */
static int
ipnet_prefix(const char *s, int max)
{
	int n = 0;

	if (*s == 0 || strspn(s, "0123456789") != strlen(s) || strlen(s) > 3)
		return -1;
	for (; *s; s++)
		n = n * 10 + (*s - '0');
	return n <= max ? n : -1;
}

/* iprange_parse - network, address or range */
int
iprange_parse(
    const char *s, struct iprange *out, bool *host_bits_out, struct buf *why)
{
	const char *slash = strchr(s, '/'), *dash = strchr(s, '-');
	struct ipaddr a, b;
	size_t len;

	if (host_bits_out)
		*host_bits_out = false;
	memset(out, 0, sizeof(*out));
	if (dash && !slash) {
		if (ipnet_pton(s, (size_t)(dash - s), &a) < 0
		    || ipnet_pton(dash + 1, strlen(dash + 1), &b) < 0) {
			buf_printf(why, "bad address range \"%s\"", s);
			return -1;
		}
		if (a.family != b.family) {
			buf_printf(
			    why, "address range \"%s\" mixes IPv4 and IPv6", s);
			return -1;
		}
		len = ipnet_len(a.family);
		if (memcmp(a.b, b.b, len) > 0) {
			buf_printf(why,
			    "address range \"%s\" ends before it starts", s);
			return -1;
		}
		out->family = a.family;
		memcpy(out->lo, a.b, len);
		memcpy(out->hi, b.b, len);
		return 0;
	}
	if (ipnet_pton(s, slash ? (size_t)(slash - s) : strlen(s), &a) < 0) {
		buf_printf(why, "bad address or network \"%s\"", s);
		return -1;
	}
	len = ipnet_len(a.family);
	out->family = a.family;
	memcpy(out->lo, a.b, len);
	memcpy(out->hi, a.b, len);
	if (slash) {
		int bits = ipnet_prefix(slash + 1, (int)len * 8);
		bool host_bits = false;

		if (bits < 0) {
			buf_printf(why, "bad prefix length in \"%s\"", s);
			return -1;
		}
		for (int i = 0; i < (int)len; i++) {
			int keep = bits - i * 8;
			uint8_t mask = keep >= 8 ? 0xff
			    : keep <= 0          ? 0
			                : (uint8_t)(0xff << (8 - keep));

			if (out->lo[i] & (uint8_t)~mask)
				host_bits = true;
			out->lo[i] &= mask;
			out->hi[i] = out->lo[i] | (uint8_t)~mask;
		}
		if (host_bits_out)
			*host_bits_out = host_bits;
	}
	return 0;
}

/* iprange_contains - membership */
bool
iprange_contains(const struct iprange *r, const struct ipaddr *a)
{
	size_t len = ipnet_len(r->family);

	return r->family == a->family && memcmp(r->lo, a->b, len) <= 0
	    && memcmp(a->b, r->hi, len) <= 0;
}

/* iprange_str - "net/len" when r is a network, else "lo-hi" */
const char *
iprange_str(const struct iprange *r, struct buf *out)
{
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];
	size_t len = ipnet_len(r->family);
	int bits = 0;
	bool is_net = true;

	/* A network: hi = lo with a run of one bits at the end. */
	for (size_t i = 0; i < len; i++) {
		uint8_t diff = r->lo[i] ^ r->hi[i];

		if ((r->lo[i] & diff) != 0)
			is_net = false;
		for (int k = 7; k >= 0; k--)
			if (!(diff & (1 << k))) {
				if (bits != (int)i * 8 + (7 - k))
					is_net = false;
				bits++;
			}
	}
	inet_ntop(r->family, r->lo, lo, sizeof(lo));
	inet_ntop(r->family, r->hi, hi, sizeof(hi));
	buf_reset(out);
	if (is_net)
		buf_printf(out, "%s/%d", lo, bits);
	else
		buf_printf(out, "%s-%s", lo, hi);
	return buf_cstr(out);
}

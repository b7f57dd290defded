/*
 * ipnet_test.c - address, network and range parsing.
 */
#include "util/sys_defs.h"

#include <sys/socket.h>

#include "util/buf.h"
#include "util/ipnet.h"

#include "tests/t.h"

static const struct {
	const char *in;
	int ret;
	bool host_bits;
	const char *shown; /* iprange_str, or the error */
} ranges[] = {
    {"192.0.2.0/24", 0, false, "192.0.2.0/24"},
    {"192.0.2.1", 0, false, "192.0.2.1/32"},
    {"[192.0.2.1]", 0, false, "192.0.2.1/32"},
    {"0.0.0.0/0", 0, false, "0.0.0.0/0"},
    {"192.0.2.1/24", 0, true, "192.0.2.0/24"},
    {"2001:db8::/32", 0, false, "2001:db8::/32"},
    {"[2001:db8::]/32", 0, false, "2001:db8::/32"},
    {"[::1]/128", 0, false, "::1/128"},
    {"::1", 0, false, "::1/128"},
    {"::/0", 0, false, "::/0"},
    {"2001:db8::1/64", 0, true, "2001:db8::/64"},
    {"10.0.0.1-10.0.0.9", 0, false, "10.0.0.1-10.0.0.9"},
    {"10.0.0.0-10.0.0.255", 0, false, "10.0.0.0/24"},
    {"2001:db8::1-2001:db8::ff", 0, false, "2001:db8::1-2001:db8::ff"},
    {"192.0.2.0/33", -1, false, "bad prefix length in \"192.0.2.0/33\""},
    {"192.0.2.0/", -1, false, "bad prefix length in \"192.0.2.0/\""},
    {"192.0.2.0/2x", -1, false, "bad prefix length in \"192.0.2.0/2x\""},
    {"2001:db8::/129", -1, false, "bad prefix length in \"2001:db8::/129\""},
    {"192.0.2", -1, false, "bad address or network \"192.0.2\""},
    {"300.0.0.1", -1, false, "bad address or network \"300.0.0.1\""},
    {"example.com", -1, false, "bad address or network \"example.com\""},
    {"", -1, false, "bad address or network \"\""},
    {"10.0.0.9-10.0.0.1", -1, false,
        "address range \"10.0.0.9-10.0.0.1\" ends before it starts"},
    {"10.0.0.1-::1", -1, false,
        "address range \"10.0.0.1-::1\" mixes IPv4 and IPv6"},
    {"10.0.0.1-", -1, false, "bad address range \"10.0.0.1-\""},
};

static const struct {
	const char *in;
	int ret;
	int family;
} addrs[] = {
    {"192.0.2.1", 0, AF_INET},
    {"::ffff:192.0.2.1", 0, AF_INET}, /* mapped: shown as IPv4 */
    {"[::1]", 0, AF_INET6},
    {"2001:db8::1", 0, AF_INET6},
    {"fe80::1%eth0", -1, 0},
    {"1.2.3", -1, 0},
    {"[1.2.3.4", -1, 0},
};

int
main(void)
{
	struct buf *why = buf_new(64), *s = buf_new(64);

	for (size_t i = 0; i < NELEM(ranges); i++) {
		struct iprange r;
		bool hb = false;

		t_begin(ranges[i].in);
		buf_reset(why);
		T_INTEQ(
		    iprange_parse(ranges[i].in, &r, &hb, why), ranges[i].ret);
		if (ranges[i].ret == 0) {
			T_INTEQ(hb, ranges[i].host_bits);
			T_STREQ(iprange_str(&r, s), ranges[i].shown);
		} else {
			T_STREQ(buf_cstr(why), ranges[i].shown);
		}
	}
	for (size_t i = 0; i < NELEM(addrs); i++) {
		struct ipaddr a;

		t_begin(addrs[i].in);
		T_INTEQ(ipaddr_parse(addrs[i].in, &a), addrs[i].ret);
		if (addrs[i].ret == 0)
			T_INTEQ(a.family, addrs[i].family);
	}
	t_begin("contains");
	{
		struct iprange r;
		struct ipaddr a;

		iprange_parse("10.0.0.1-10.0.0.9", &r, NULL, why);
		ipaddr_parse("10.0.0.5", &a);
		T_ASSERT(iprange_contains(&r, &a));
		ipaddr_parse("10.0.0.10", &a);
		T_ASSERT(!iprange_contains(&r, &a));
		ipaddr_parse("::ffff:10.0.0.1", &a);
		T_ASSERT(iprange_contains(&r, &a));
		ipaddr_parse("::1", &a);
		T_ASSERT(!iprange_contains(&r, &a));
	}
	buf_free(&why);
	buf_free(&s);
	return t_end();
}

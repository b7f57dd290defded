/*
 * ipnet.h - IPv4 and IPv6 addresses, networks and ranges as numbers, for
 * cidr: maps and address lists (mynetworks). Accepted forms:
 *   192.0.2.1        2001:db8::1       [2001:db8::1]     a bare address
 *   192.0.2.0/24     2001:db8::/32     [2001:db8::]/32   a network
 *   10.0.0.1-10.0.0.9                  2001:db8::1-2001:db8::ff  a range
 * Addresses are stored big-endian in 16 bytes (IPv4 in the first 4), so
 * that comparing with memcmp over ipnet_len() bytes orders them.
 */
#ifndef UTIL_IPNET_H
#define UTIL_IPNET_H
#include "util/sys_defs.h"

struct buf;

struct ipaddr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t b[16];
};

/* An inclusive range of one family. */
struct iprange {
	int family;
	uint8_t lo[16], hi[16];
};

/* ipnet_len - 4 or 16 */
size_t ipnet_len(int family);
/* ipaddr_parse - a bare address, optionally in brackets; an IPv4-mapped
 * IPv6 address (::ffff:192.0.2.1) becomes IPv4, as client addresses are
 * shown. 0 or -1. */
int ipaddr_parse(const char *s, struct ipaddr *out);
/* iprange_parse - any form above. *host_bits_out (may be NULL) is set
 * when "address/len" has bits set beyond the prefix; the range then covers
 * the network with those bits cleared. 0, or -1 with why. */
int iprange_parse(
    const char *s, struct iprange *out, bool *host_bits_out, struct buf *why);
/* iprange_contains - a is in r (families must match) */
bool iprange_contains(const struct iprange *r, const struct ipaddr *a);
/* iprange_str - "address/len" of the network of r when r is one
 * (for messages); otherwise "lo-hi". Returns out. */
const char *iprange_str(const struct iprange *r, struct buf *out);

#endif /* UTIL_IPNET_H */

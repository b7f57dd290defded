/*
 * dns_fuzz.c - libFuzzer target: the DNS answer parser. The first byte
 * picks the record type asked for; the rest is the answer.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int types[] = {
	    DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT, DNS_T_PTR};
	struct dns_rrlist l;
	struct buf *why;

	if (size < 1)
		return 0;
	why = buf_new(64);
	dns_rrlist_init(&l);
	if (dns_parse(
	        data + 1, size - 1, types[data[0] % NELEM(types)], &l, why)
	    == DNS_OK)
		dns_sort_mx(&l);
	dns_rrlist_free(&l);
	buf_free(&why);
	return 0;
}

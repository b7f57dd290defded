/*
 * dns_test.c - the DNS answer parser on canned answers (no network), MX
 * ordering, Null MX, rcode classes, resolver configuration.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>

#include "util/buf.h"

#include "mail/dns.h"

#include "tests/t.h"

/* A tiny DNS message builder: enough to write canned answers. */
struct pkt {
	unsigned char b[4096];
	size_t n;
};

static void
put8(struct pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)v;
}

static void
put16(struct pkt *p, unsigned v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void
put32(struct pkt *p, unsigned long v)
{
	put16(p, (unsigned)(v >> 16));
	put16(p, (unsigned)(v & 0xffff));
}

/* putname - uncompressed name ("" is the root) */
static void
putname(struct pkt *p, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t len = dot ? (size_t)(dot - name) : strlen(name);

		put8(p, (unsigned)len);
		memcpy(p->b + p->n, name, len);
		p->n += len;
		name += len + (dot ? 1 : 0);
	}
	put8(p, 0);
}

/* begin - header and question for qname/qtype with rcode and ancount */
static void
begin(struct pkt *p, const char *qname, int qtype, int rcode, int ancount)
{
	p->n = 0;
	put16(p, 0x1234);
	put16(p, 0x8180 | (unsigned)rcode); /* QR RD RA */
	put16(p, 1);
	put16(p, (unsigned)ancount);
	put16(p, 0);
	put16(p, 0);
	putname(p, qname);
	put16(p, (unsigned)qtype);
	put16(p, 1);
}

/* rr - an answer record owned by the question name (pointer 0xc00c);
 * returns the offset of the rdata length for fix-ups */
static size_t
rr(struct pkt *p, int type, const void *rdata, size_t len)
{
	size_t at;

	put16(p, 0xc00c);
	put16(p, (unsigned)type);
	put16(p, 1);
	put32(p, 300);
	at = p->n;
	put16(p, (unsigned)len);
	memcpy(p->b + p->n, rdata, len);
	p->n += len;
	return at;
}

/* mx - an MX record with an uncompressed exchange name */
static void
mx(struct pkt *p, int pref, const char *name)
{
	struct pkt r;

	r.n = 0;
	put16(&r, (unsigned)pref);
	putname(&r, name);
	rr(p, DNS_T_MX, r.b, r.n);
}

static enum dns_status
parse(struct pkt *p, int type, struct dns_rrlist *l, struct buf *why)
{
	dns_rrlist_free(l);
	buf_reset(why);
	return dns_parse(p->b, p->n, type, l, why);
}

static void
test_mx(void)
{
	struct pkt p;
	struct dns_rrlist l;
	struct buf *why = buf_new(64);
	int first_b = 0, first_c = 0;

	dns_rrlist_init(&l);
	t_begin("MX records sorted by preference");
	begin(&p, "example.org", DNS_T_MX, 0, 3);
	mx(&p, 20, "backup.example.org");
	mx(&p, 10, "b.example.org");
	mx(&p, 10, "c.example.org");
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_OK);
	T_INTEQ(l.n, 3);
	for (int i = 0; i < 200; i++) {
		dns_sort_mx(&l);
		T_INTEQ(l.v[0].pref, 10);
		T_INTEQ(l.v[1].pref, 10);
		T_STREQ(l.v[2].name, "backup.example.org");
		if (strcmp(l.v[0].name, "b.example.org") == 0)
			first_b++;
		else
			first_c++;
	}
	t_begin("equal preferences come in random order");
	T_ASSERT(first_b > 20 && first_c > 20);

	t_begin("MX with a compressed exchange name");
	begin(&p, "example.org", DNS_T_MX, 0, 1);
	{
		/* "mx" + pointer to example.org in the question (offset 12) */
		unsigned char rd[] = {0, 5, 2, 'm', 'x', 0xc0, 12};

		rr(&p, DNS_T_MX, rd, sizeof(rd));
	}
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_OK);
	T_STREQ(l.v[0].name, "mx.example.org");
	T_INTEQ(l.v[0].pref, 5);

	t_begin("Null MX is the root name");
	begin(&p, "nomail.example", DNS_T_MX, 0, 1);
	mx(&p, 0, "");
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_OK);
	T_STREQ(l.v[0].name, "");

	t_begin("MX name that runs past its rdata");
	begin(&p, "example.org", DNS_T_MX, 0, 1);
	{
		unsigned char rd[] = {0, 5, 2, 'm', 'x', 0xc0};

		rr(&p, DNS_T_MX, rd, sizeof(rd));
	}
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_FAIL);
	T_INTEQ(l.n, 0);

	t_begin("MX name with a compression loop");
	begin(&p, "example.org", DNS_T_MX, 0, 1);
	{
		/* pointer to itself: offset of the rdata name */
		size_t at = p.n + 2 + 2 + 2 + 4 + 2 + 2;
		unsigned char rd[] = {0, 5, 0xc0, (unsigned char)at};

		rr(&p, DNS_T_MX, rd, sizeof(rd));
	}
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_FAIL);

	t_begin("MX rdata too short");
	begin(&p, "example.org", DNS_T_MX, 0, 1);
	rr(&p, DNS_T_MX, "\0\5", 2);
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_FAIL);

	dns_rrlist_free(&l);
	buf_free(&why);
}

static const struct {
	int rcode, ancount;
	enum dns_status st;
	const char *why;
} rcodes[] = {
    {0, 0, DNS_NODATA, "No MX record"},
    {3, 0, DNS_NXDOMAIN, "Host not found"},
    {2, 0, DNS_TEMPFAIL, "SERVFAIL"},
    {5, 0, DNS_TEMPFAIL, "REFUSED"},
    {1, 0, DNS_FAIL, "rcode 1"},
    {4, 0, DNS_FAIL, "rcode 4"},
};

static void
test_rcodes(void)
{
	struct pkt p;
	struct dns_rrlist l;
	struct buf *why = buf_new(64);

	dns_rrlist_init(&l);
	for (size_t i = 0; i < NELEM(rcodes); i++) {
		t_begin(rcodes[i].why);
		begin(&p, "example.org", DNS_T_MX, rcodes[i].rcode,
		    rcodes[i].ancount);
		T_INTEQ(parse(&p, DNS_T_MX, &l, why), rcodes[i].st);
		T_ASSERT(strstr(buf_cstr(why), rcodes[i].why) != NULL);
	}
	t_begin("truncated message");
	begin(&p, "example.org", DNS_T_MX, 0, 1);
	mx(&p, 10, "mx.example.org");
	p.n -= 3;
	T_INTEQ(parse(&p, DNS_T_MX, &l, why), DNS_FAIL);
	t_begin("empty message");
	T_INTEQ(dns_parse((const unsigned char *)"", 0, DNS_T_A, &l, why),
	    DNS_FAIL);
	dns_rrlist_free(&l);
	buf_free(&why);
}

static void
test_other_types(void)
{
	struct pkt p;
	struct dns_rrlist l;
	struct buf *why = buf_new(64);
	unsigned char a6[16];

	dns_rrlist_init(&l);
	t_begin("CNAME then A: only the A is kept");
	begin(&p, "www.example.org", DNS_T_A, 0, 2);
	{
		struct pkt r;

		r.n = 0;
		putname(&r, "host.example.org");
		rr(&p, 5, r.b, r.n);
	}
	rr(&p, DNS_T_A, "\xc0\x00\x02\x01", 4);
	T_INTEQ(parse(&p, DNS_T_A, &l, why), DNS_OK);
	T_INTEQ(l.n, 1);
	T_STREQ(l.v[0].addr_str, "192.0.2.1");
	T_INTEQ(l.v[0].family, AF_INET);

	t_begin("A with a wrong length");
	begin(&p, "example.org", DNS_T_A, 0, 1);
	rr(&p, DNS_T_A, "\xc0\x00\x02", 3);
	T_INTEQ(parse(&p, DNS_T_A, &l, why), DNS_FAIL);

	t_begin("AAAA");
	begin(&p, "example.org", DNS_T_AAAA, 0, 1);
	inet_pton(AF_INET6, "2001:db8::25", a6);
	rr(&p, DNS_T_AAAA, a6, 16);
	T_INTEQ(parse(&p, DNS_T_AAAA, &l, why), DNS_OK);
	T_STREQ(l.v[0].addr_str, "2001:db8::25");

	t_begin("TXT strings are joined, control characters replaced");
	begin(&p, "example.org", DNS_T_TXT, 0, 1);
	rr(&p, DNS_T_TXT, "\x06v=spf1\x05 -all\x03\x0d\x0ax", 17);
	T_INTEQ(parse(&p, DNS_T_TXT, &l, why), DNS_OK);
	T_STREQ(l.v[0].text, "v=spf1 -all??x");

	t_begin("TXT string longer than its record");
	begin(&p, "example.org", DNS_T_TXT, 0, 1);
	rr(&p, DNS_T_TXT, "\x09v=spf1", 7);
	T_INTEQ(parse(&p, DNS_T_TXT, &l, why), DNS_FAIL);

	t_begin("empty TXT rdata");
	begin(&p, "example.org", DNS_T_TXT, 0, 1);
	rr(&p, DNS_T_TXT, "", 0);
	T_INTEQ(parse(&p, DNS_T_TXT, &l, why), DNS_FAIL);

	t_begin("PTR");
	begin(&p, "1.2.0.192.in-addr.arpa", DNS_T_PTR, 0, 1);
	{
		struct pkt r;

		r.n = 0;
		putname(&r, "mail.example.org");
		rr(&p, DNS_T_PTR, r.b, r.n);
	}
	T_INTEQ(parse(&p, DNS_T_PTR, &l, why), DNS_OK);
	T_STREQ(l.v[0].name, "mail.example.org");
	dns_rrlist_free(&l);
	buf_free(&why);
}

static const struct {
	const char *name;
	bool ok;
} names[] = {
    {"example.org", true},
    {"a-b_c.example.org", true},
    {"example.org.", true},
    {"", false},
    {".example.org", false},
    {"a..b", false},
    {"exa mple.org", false},
    {"exa\\032mple.org", false},
    {"0123456789012345678901234567890123456789012345678901234567890123.x",
        false},
};

static const struct {
	const char *servers;
	bool ok;
} servers[] = {
    {"", true},
    {"127.0.0.1", true},
    {"127.0.0.53:5353, [::1]:5353", true},
    {"127.0.0.1 127.0.0.2 127.0.0.3", true},
    {"127.0.0.1 127.0.0.2 127.0.0.3 127.0.0.4", false},
    {"dns.example.org", false},
    {"127.0.0.1:99999", false},
};

int
main(void)
{
	struct buf *why = buf_new(64);
	struct dns_rrlist l;

	test_mx();
	test_rcodes();
	test_other_types();
	for (size_t i = 0; i < NELEM(names); i++) {
		t_begin(names[i].name);
		T_INTEQ(dns_name_ok(names[i].name), names[i].ok);
	}
	for (size_t i = 0; i < NELEM(servers); i++) {
		struct dns_resolver *r;

		t_begin(servers[i].servers);
		buf_reset(why);
		r = dns_resolver_new(servers[i].servers, 1, 1, why);
		T_INTEQ(r != NULL, servers[i].ok);
		dns_resolver_free(&r);
	}
	t_begin("numeric addresses need no query");
	{
		struct dns_resolver *r =
		    dns_resolver_new("127.0.0.1:1", 1, 1, why);

		dns_rrlist_init(&l);
		T_INTEQ(dns_addrs(r, "192.0.2.7", AF_UNSPEC, &l, why), DNS_OK);
		T_STREQ(l.v[0].addr_str, "192.0.2.7");
		dns_rrlist_free(&l);
		T_INTEQ(
		    dns_addrs(r, "2001:db8::1", AF_INET, &l, why), DNS_NODATA);
		T_INTEQ(dns_lookup(r, "bad name", DNS_T_A, &l, why), DNS_FAIL);
		dns_resolver_free(&r);
	}
	buf_free(&why);
	return t_end();
}

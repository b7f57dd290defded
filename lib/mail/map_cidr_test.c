/*
 * map_cidr_test.c - cidr: maps: first match in file order with overlapping
 * networks, IPv6, brackets, ranges, bad lines with file:line, host bits,
 * and the segment search checked against a plain scan of random rules.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <sys/socket.h>

#include "util/buf.h"
#include "util/ipnet.h"

#include "mail/map.h"
#include "mail/map_impl.h"

#include "tests/t.h"

static const char *table = "# overlaps: the first line wins\n"
                           "192.0.2.128/25     second-half\n"
                           "192.0.2.0/24       whole\n"
                           "192.0.2.200        never (inside the /25 above)\n"
                           "10.0.0.1-10.0.0.9  range\n"
                           "10.0.0.0/8         ten\n"
                           "2001:db8::/32      doc6\n"
                           "[2001:db8:1::]/48  never6\n"
                           "[::1]/128          loop6\n"
                           "0.0.0.0/0          any4\n";

static const struct {
	const char *key;
	int ret;
	const char *value;
} cases[] = {
    {"192.0.2.1", 1, "whole"},
    {"192.0.2.127", 1, "whole"},
    {"192.0.2.128", 1, "second-half"},
    {"192.0.2.200", 1, "second-half"},
    {"192.0.2.255", 1, "second-half"},
    {"192.0.3.0", 1, "any4"},
    {"10.0.0.0", 1, "ten"},
    {"10.0.0.1", 1, "range"},
    {"10.0.0.9", 1, "range"},
    {"10.0.0.10", 1, "ten"},
    {"10.255.255.255", 1, "ten"},
    {"255.255.255.255", 1, "any4"},
    {"0.0.0.0", 1, "any4"},
    {"::ffff:10.0.0.5", 1, "range"}, /* mapped IPv4 */
    {"[10.0.0.5]", 1, "range"},
    {"2001:db8::1", 1, "doc6"},
    {"2001:db8:1::1", 1, "doc6"},
    {"2001:db9::1", 0, NULL},
    {"::1", 1, "loop6"},
    {"::2", 0, NULL},
    {"not-an-address", 0, NULL},
    {"", 0, NULL},
};

/* lookups - the table above */
static void
lookups(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);
	struct map *m =
	    map_open_mem("cidr", "t.cidr", table, strlen(table), 0, why);

	T_ASSERT(m != NULL);
	for (size_t i = 0; m && i < NELEM(cases); i++) {
		t_begin(cases[i].key);
		T_INTEQ(map_get(m, cases[i].key, out, why), cases[i].ret);
		if (cases[i].ret == 1)
			T_STREQ(buf_cstr(out), cases[i].value);
	}
	map_close(&m);
	buf_free(&out);
	buf_free(&why);
}

static const struct {
	const char *name;
	const char *text;
	const char *why;
} bad[] = {
    {"no result", "192.0.2.0/24\n",
        "b.cidr:1: expected \"network result\", found only \"192.0.2.0/24\""},
    {"bad network", "ok 1\n", "b.cidr:1: bad address or network \"ok\""},
    {"bad prefix", "\n192.0.2.0/40 x\n",
        "b.cidr:2: bad prefix length in \"192.0.2.0/40\""},
    {"bad range", "10.0.0.9-10.0.0.1 x\n",
        "b.cidr:1: address range \"10.0.0.9-10.0.0.1\" ends before it "
        "starts"},
    {"several", "x 1\n1.2.3.4 ok\ny 2\n",
        "b.cidr:1: bad address or network \"x\"\n"
        "b.cidr:3: bad address or network \"y\""},
};

/* errors - file:line for every bad line; host bits only warn */
static void
errors(void)
{
	struct buf *out = buf_new(64), *why = buf_new(64);
	struct map *m;

	for (size_t i = 0; i < NELEM(bad); i++) {
		t_begin(bad[i].name);
		buf_reset(why);
		m = map_open_mem(
		    "cidr", "b.cidr", bad[i].text, strlen(bad[i].text), 0, why);
		T_ASSERT(m == NULL);
		T_STREQ(buf_cstr(why), bad[i].why);
	}
	t_begin("host bits: warning, rule skipped");
	t_expect_log("h.cidr:1: non-null host address bits in "
	             "\"192.0.2.1/24\", perhaps you should use "
	             "\"192.0.2.0/24\" instead; skipping this rule");
	m = map_open_mem(
	    "cidr", "h.cidr", "192.0.2.1/24 x\n0.0.0.0/0 y\n", 27, 0, why);
	T_ASSERT(m != NULL);
	if (m) {
		T_INTEQ(map_get(m, "192.0.2.5", out, why), 1);
		T_STREQ(buf_cstr(out), "y");
		map_close(&m);
	}
	t_begin("empty table");
	m = map_open_mem("cidr", "e.cidr", "", 0, 0, why);
	T_ASSERT(m != NULL);
	if (m) {
		T_INTEQ(map_get(m, "192.0.2.5", out, why), 0);
		T_INTEQ(map_get(m, "::1", out, why), 0);
		map_close(&m);
	}
	buf_free(&out);
	buf_free(&why);
}

/* A small deterministic generator (the test must not vary). */
static uint32_t rnd_state = 12345;

static uint32_t
rnd(void)
{
	rnd_state = rnd_state * 1103515245 + 12345;
	return rnd_state >> 8;
}

/* random_vs_scan - random overlapping rules in a small space: the
 * segment search must give the same answer as trying each rule in
 * order */
static void
random_vs_scan(void)
{
	enum { NRULES = 300, NPROBES = 3000 };
	struct iprange rules[NRULES];
	struct buf *text = buf_new(4096), *out = buf_new(64),
	           *why = buf_new(64);
	struct map *m;
	int wrong = 0;

	t_begin("segments agree with a linear scan");
	for (int i = 0; i < NRULES; i++) {
		char line[128];
		uint32_t a = rnd() % 4096, kind = rnd() % 3;

		if (kind == 0) {
			int len = 20 + (int)(rnd() % 13);
			uint32_t mask =
			    len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
			uint32_t net = (0x0a000000u | a << 4) & mask;

			snprintf(line, sizeof(line), "%u.%u.%u.%u/%d r%d\n",
			    net >> 24, (net >> 16) & 255, (net >> 8) & 255,
			    net & 255, len, i);
		} else if (kind == 1) {
			uint32_t lo = 0x0a000000u | a << 4,
			         hi = lo + rnd() % 2000;

			snprintf(line, sizeof(line),
			    "%u.%u.%u.%u-%u.%u.%u.%u r%d\n", lo >> 24,
			    (lo >> 16) & 255, (lo >> 8) & 255, lo & 255,
			    hi >> 24, (hi >> 16) & 255, (hi >> 8) & 255,
			    hi & 255, i);
		} else {
			uint32_t h = 0x0a000000u | a << 4 | (rnd() % 16);

			snprintf(line, sizeof(line), "%u.%u.%u.%u r%d\n",
			    h >> 24, (h >> 16) & 255, (h >> 8) & 255, h & 255,
			    i);
		}
		buf_cats(text, line);
		*strchr(line, ' ') = 0;
		iprange_parse(line, &rules[i], NULL, why);
	}
	m = map_open_mem(
	    "cidr", "r.cidr", buf_cstr(text), buf_len(text), 0, why);
	T_ASSERT(m != NULL);
	for (int p = 0; m && p < NPROBES; p++) {
		uint32_t v = 0x0a000000u + rnd() % (4096 * 16 + 4000);
		char key[32], want[16] = "";
		struct ipaddr a;
		int rc;

		snprintf(key, sizeof(key), "%u.%u.%u.%u", v >> 24,
		    (v >> 16) & 255, (v >> 8) & 255, v & 255);
		ipaddr_parse(key, &a);
		for (int i = 0; i < NRULES; i++)
			if (iprange_contains(&rules[i], &a)) {
				snprintf(want, sizeof(want), "r%d", i);
				break;
			}
		rc = map_get(m, key, out, why);
		if ((want[0] == 0 && rc != 0)
		    || (want[0] && (rc != 1 || strcmp(buf_cstr(out), want)))) {
			if (wrong++ < 5)
				t_fail(__FILE__, __LINE__,
				    "%s: got %d %s, want %s", key, rc,
				    buf_cstr(out), want);
		}
	}
	T_INTEQ(wrong, 0);
	map_close(&m);
	buf_free(&text);
	buf_free(&out);
	buf_free(&why);
}

static int
collect(const char *key, const char *value, void *ctx)
{
	buf_printf(ctx, "%s=%s;", key, value);
	return 0;
}

/* walk - the rules as written */
static void
walk(void)
{
	struct buf *w = buf_new(64), *why = buf_new(64);
	const char *text = "[::1]/128 a\n10.0.0.1-10.0.0.2 b c\n";
	struct map *m =
	    map_open_mem("cidr", "w.cidr", text, strlen(text), 0, why);

	t_begin("walk");
	T_ASSERT(m != NULL);
	T_INTEQ(map_walk(m, collect, w, why), 0);
	T_STREQ(buf_cstr(w), "[::1]/128=a;10.0.0.1-10.0.0.2=b c;");
	map_close(&m);
	buf_free(&w);
	buf_free(&why);
}

int
main(void)
{
	lookups();
	errors();
	random_vs_scan();
	walk();
	return t_end();
}

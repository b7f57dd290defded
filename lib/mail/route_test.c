/*
 * route_test.c - next-hop routing: transport_maps forms and lookup order,
 * local, relay_domains, relayhost_maps, relayhost, configuration errors.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/cfg.h"
#include "mail/params.h"
#include "mail/route.h"

#include "tests/t.h"

static const struct {
	const char *rcpt;
	bool is_local;
	enum route_kind kind;
	const char *nexthop_or_dsn;
	const char *source;
} cases[] = {
    /* transport_maps: full address first, then domain, parents, "*" */
    {"boss@routed.test", false, ROUTE_SMTP, "[10.0.0.9]:2525",
        "transport_maps"},
    {"other@routed.test", false, ROUTE_SMTP, "[mx.routed.test]",
        "transport_maps"},
    {"x@deep.sub.routed.test", false, ROUTE_SMTP, "gw.routed.test:26",
        "transport_maps"},
    {"x@mx-lookup.test", false, ROUTE_SMTP, "mx-lookup.test", "transport_maps"},
    {"x@here.test", true, ROUTE_LOCAL, "", "transport_maps"},
    {"x@Gone.Test", false, ROUTE_ERROR, "5.1.2", "transport_maps"},
    {"x@later.test", false, ROUTE_ERROR, "4.7.0", "transport_maps"},
    {"x@plain-error.test", false, ROUTE_ERROR, "5.0.0", "transport_maps"},
    {"x@broken.test", false, ROUTE_ERROR, "4.3.5", "transport_maps"},
    {"x@badhop.test", false, ROUTE_ERROR, "4.3.5", "transport_maps"},
    /* a route wins over a local domain, as in Postfix */
    {"x@routed.test", true, ROUTE_SMTP, "[mx.routed.test]", "transport_maps"},
    /* then local */
    {"x@hosted.test", true, ROUTE_LOCAL, "", "local"},
    {"postmaster", false, ROUTE_LOCAL, "", "local"},
    /* relay_domains go to their own MX, never to the relay host */
    {"x@backup.test", false, ROUTE_SMTP, "backup.test", "relay_domains"},
    {"x@sub.backup.test", false, ROUTE_SMTP, "sub.backup.test",
        "relay_domains"},
    /* smart host for some domains */
    {"x@isp-only.test", false, ROUTE_SMTP, "[smart2.test]:587",
        "relayhost_maps"},
    {"x@a.isp-sub.test", false, ROUTE_SMTP, "[smart3.test]", "relayhost_maps"},
    /* everything else: the relay host */
    {"x@example.org", false, ROUTE_SMTP, "[smart.test]:25", "relayhost"},
    {"x@[192.0.2.7]", false, ROUTE_SMTP, "[192.0.2.7]", "domain"},
};

int
main(void)
{
	struct buf *why = buf_new(64), *conf = buf_new(256);
	struct router *r;
	struct route rt;
	const char *tmap, *rmap;

	tmap = t_write_file("transport",
	    "boss@routed.test   smtp:[10.0.0.9]:2525\n"
	    "routed.test        smtp:[mx.routed.test]\n"
	    ".routed.test       smtp:gw.routed.test:26\n"
	    "mx-lookup.test     smtp:\n"
	    "here.test          local\n"
	    "gone.test          error:5.1.2 this domain is gone\n"
	    "later.test         error:4.7.0 not now\n"
	    "plain-error.test   error:go away\n"
	    "broken.test        uucp:somewhere\n"
	    "badhop.test        smtp:[unclosed\n");
	buf_printf(conf, "transport_maps = texthash:%s\n", tmap);
	rmap = t_write_file("relayhosts",
	    "isp-only.test [smart2.test]:587\n"
	    ".isp-sub.test [smart3.test]\n");
	buf_printf(conf, "relayhost_maps = texthash:%s\n", rmap);
	buf_printf(conf,
	    "relay_domains = backup.test\n"
	    "relayhost = [smart.test]:25\n");
	T_INTEQ(cfg_load_string("t.conf", buf_cstr(conf), why), 0);
	t_quiet_log();
	T_INTEQ(cfg_apply(true), 0);
	r = route_open(why);
	T_ASSERT(r != NULL);
	if (r == NULL) {
		t_fail(__FILE__, __LINE__, "route_open: %s", buf_cstr(why));
		return t_end();
	}
	for (size_t i = 0; i < NELEM(cases); i++) {
		t_begin(cases[i].rcpt);
		t_quiet_log();
		T_INTEQ(route_resolve(
		            r, cases[i].rcpt, cases[i].is_local, &rt, why),
		    0);
		T_INTEQ(rt.kind, cases[i].kind);
		T_STREQ(rt.source, cases[i].source);
		if (rt.kind == ROUTE_SMTP)
			T_STREQ(rt.nexthop, cases[i].nexthop_or_dsn);
		if (rt.kind == ROUTE_ERROR)
			T_STREQ(rt.dsn, cases[i].nexthop_or_dsn);
	}
	t_begin("error text without its code");
	T_INTEQ(route_resolve(r, "x@gone.test", false, &rt, why), 0);
	T_STREQ(rt.text, "this domain is gone");
	route_close(&r);

	t_begin("without relayhost: the recipient domain");
	buf_reset(conf);
	T_INTEQ(cfg_load_string("t.conf", "relay_domains =\n", why), 0);
	T_INTEQ(cfg_apply(true), 0);
	r = route_open(why);
	T_ASSERT(r != NULL);
	T_INTEQ(route_resolve(r, "x@Example.ORG", false, &rt, why), 0);
	T_INTEQ(rt.kind, ROUTE_SMTP);
	T_STREQ(rt.nexthop, "example.org");
	T_STREQ(rt.source, "domain");
	route_close(&r);

	t_begin("a missing map is an error at open");
	T_INTEQ(cfg_load_string("t.conf",
	            "transport_maps = hash:/nonexistent/transport\n", why),
	    0);
	T_INTEQ(cfg_apply(true), 0);
	buf_reset(why);
	r = route_open(why);
	if (r != NULL) {
		/* maps may open lazily: then the lookup reports it */
		T_INTEQ(route_resolve(r, "x@example.org", false, &rt, why), -1);
		route_close(&r);
	}
	T_ASSERT(buf_len(why) > 0);
	buf_free(&why);
	buf_free(&conf);
	return t_end();
}

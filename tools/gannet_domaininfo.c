/*
 * gannet_domaininfo.c - `gannet domain-info DOMAIN`: what a sender sees of
 * a mail domain (ArGoSoft's "Domain Information" tool): its MX records,
 * their addresses, and for each address the greeting, the EHLO
 * capabilities and whether STARTTLS works, with the certificate. It uses
 * the same resolver (dns_servers) and SMTP client code as the smtp
 * delivery agent, so it shows what delivery would meet. Nothing is sent
 * beyond EHLO, STARTTLS and QUIT.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strutil.h"

#include "mail/dns.h"
#include "mail/params.h"
#include "mail/params_dns.h"
#include "mail/params_smtp.h"
#include "mail/smtp_client.h"
#include "mail/smtp_nexthop.h"
#include "mail/tls.h"
#include "mail/tls_client.h"
#include "mail/tls_policy.h"

#include "gannet.h"

/* di_lines - print text's lines, each indented */
static void
di_lines(const char *indent, const char *text)
{
	const char *p = text;

	while (*p) {
		size_t n = strcspn(p, "\n");

		printf("%s%.*s\n", indent, (int)n, p);
		p += n + (p[n] ? 1 : 0);
	}
}

/* di_server - connect to one address and show what it says; true when it
 * greeted with 2xx */
static bool
di_server(const char *domain, const char *host, int pref,
    const struct dns_rr *addr, struct tls_ctx *tls)
{
	struct smtp_target t;
	struct smtp_session *ss;
	struct smtp_fail fail;
	struct tls_policy pol;
	int64_t t0 = clock_ms();
	bool ok = false;
	int r;

	memset(&t, 0, sizeof(t));
	snprintf(t.host, sizeof(t.host), "%s", host);
	t.pref = pref;
	t.port = SMTP_PORT;
	t.family = addr->family;
	memcpy(t.addr, addr->addr, sizeof(t.addr));
	snprintf(t.addr_str, sizeof(t.addr_str), "%s", addr->addr_str);
	smtp_fail_init(&fail);
	tls_policy_init(&pol);
	printf("  %s port %d\n", addr->addr_str, t.port);
	if (smtp_is_own_addr(addr->addr_str))
		printf("    (an address of this host)\n");
	if ((ss = smtp_session_connect(&t, &fail)) == NULL) {
		printf("    %s\n", buf_cstr(fail.reason));
		goto out;
	}
	printf("    connect: ok in %.3fs\n", (double)(clock_ms() - t0) / 1000);
	pol.level = tls ? TLS_LEV_MAY : TLS_LEV_NONE;
	r = smtp_session_setup(ss, domain, &pol, tls, NULL, NULL, &fail);
	if (buf_len(ss->greeting)) {
		printf("    greeting:\n");
		di_lines("      ", buf_cstr(ss->greeting));
		ok = buf_cstr(ss->greeting)[0] == '2';
	}
	if (buf_len(ss->ehlo_text)) {
		printf("    reply to EHLO%s:\n",
		    ss->is_esmtp ? "" : " (and HELO)");
		di_lines("      ", buf_cstr(ss->ehlo_text));
	}
	if (ss->tls) {
		struct buf *sum = buf_new(128);

		tls_info_summary(&ss->tls_info, sum);
		printf("    STARTTLS: ok, %s\n", buf_cstr(sum));
		printf("      certificate subject: %s\n",
		    ss->tls_info.subject[0] ? ss->tls_info.subject : "(none)");
		printf("      issuer: %s\n", ss->tls_info.issuer);
		printf("      names: %s\n", ss->tls_info.names);
		printf("      expires: %s\n", ss->tls_info.not_after);
		printf("      SHA-256 fingerprint: %s\n",
		    ss->tls_info.fingerprint);
		printf("      trust: %s%s%s\n",
		    tls_trust_name(ss->tls_info.trust),
		    ss->tls_info.verify_error[0] ? ": " : "",
		    ss->tls_info.verify_error);
		if (buf_len(ss->ehlo_text) && ss->is_esmtp) {
			struct buf *raw = buf_new(256);

			buf_sets(raw, buf_cstr(ss->reply.raw));
			printf("    EHLO after STARTTLS:\n");
			di_lines("      ", buf_cstr(raw));
			buf_free(&raw);
		}
		buf_free(&sum);
	} else if (ss->tls_failed) {
		printf("    STARTTLS: failed: %s\n", ss->tls_error);
	} else if (r == 0 || r == SMTP_RETRY_PLAIN) {
		printf("    STARTTLS: %s\n",
		    ss->ehlo.ext & SMTP_EXT_STARTTLS ? "not tried"
		                                     : "not offered");
	}
	if (r < 0 && r != SMTP_RETRY_PLAIN && fail.is_set)
		printf("    problem: %s\n", buf_cstr(fail.reason));
	smtp_session_close(&ss, true);
out:
	smtp_fail_free(&fail);
	tls_policy_free(&pol);
	return ok;
}

/* di_host - one MX host: its addresses, then each server */
static int
di_host(const char *domain, const char *host, int pref, struct tls_ctx *tls)
{
	struct dns_rrlist addrs;
	struct buf *why = buf_new(64);
	enum dns_status st;
	int good = 0;

	dns_rrlist_init(&addrs);
	st = dns_addrs(dns_resolver_default(), host, AF_UNSPEC, &addrs, why);
	if (pref >= 0)
		printf("\n%s (preference %d)\n", host, pref);
	else
		printf("\n%s (implicit MX: the domain itself)\n", host);
	if (st != DNS_OK) {
		printf("  no address: %s\n", buf_cstr(why));
	} else {
		for (size_t i = 0; i < addrs.n; i++)
			printf("  address %s\n", addrs.v[i].addr_str);
		for (size_t i = 0; i < addrs.n; i++)
			if (di_server(domain, host, pref, &addrs.v[i], tls))
				good++;
	}
	dns_rrlist_free(&addrs);
	buf_free(&why);
	return good;
}

/* di_quiet - the client's own info lines repeat what is printed */
static bool
di_quiet(enum log_level lvl, const char *msg, void *ctx)
{
	return lvl <= LOG_LVL_INFO;
}

/* gannet_cmd_domain_info - the command */
int
gannet_cmd_domain_info(int argc, char **argv)
{
	struct dns_rrlist mx;
	struct buf *why = buf_new(128);
	struct tls_ctx *tls;
	const char *domain;
	enum dns_status st;
	bool null_mx;
	int good = 0;

	if (argc != 2 || argv[1][0] == '-' || !dns_name_ok(argv[1]))
		gannet_usage_error("domain-info DOMAIN");
	domain = argv[1];
	gannet_load_config();
	if (log_verbose() == 0)
		log_set_hook(di_quiet, NULL);
	tls =
	    tls_client_ctx_trust(var_smtp_tls_cafile, var_smtp_tls_capath, why);
	if (tls == NULL) {
		printf("TLS: %s (STARTTLS is not tried)\n", buf_cstr(why));
		buf_reset(why);
	}
	printf("Domain %s\n", domain);
	printf("DNS servers: %s\n",
	    *var_dns_servers ? var_dns_servers : "from /etc/resolv.conf");
	dns_rrlist_init(&mx);
	st = dns_mx(dns_resolver_default(), domain, &mx, &null_mx, why);
	if (st == DNS_OK && null_mx) {
		printf("MX: Null MX (0 .): the domain accepts no mail\n");
	} else if (st == DNS_OK) {
		printf("MX records (in the order a sender tries them):\n");
		for (size_t i = 0; i < mx.n; i++)
			printf("  %d %s\n", mx.v[i].pref, mx.v[i].name);
		for (size_t i = 0; i < mx.n; i++)
			good +=
			    di_host(domain, mx.v[i].name, mx.v[i].pref, tls);
	} else if (st == DNS_NODATA) {
		printf("MX: none; mail goes to the domain's own address\n");
		good += di_host(domain, domain, -1, tls);
	} else {
		printf("MX: lookup failed: %s (%s)\n", buf_cstr(why),
		    dns_status_name(st));
	}
	printf("\n%d server%s accepted a connection with a 2xx greeting\n",
	    good, good == 1 ? "" : "s");
	dns_rrlist_free(&mx);
	tls_ctx_free(&tls);
	buf_free(&why);
	return good > 0 ? 0 : 1;
}

/*
 * smtpd_check.c - the decisions smtpd makes during the session, so that
 * bad mail is refused with a reply instead of bounced later.
 *
 * At RCPT, in this order (the first that decides wins):
 *   1. relay control: the recipient domain is local (a hosted domain or
 *      domain alias, or mydestination), a relay domain (relay_domains,
 *      limited to relay_recipient_maps when that is set), or else the
 *      client must be trusted (mynetworks) or authenticated; otherwise
 *      "554 5.7.1 Relay access denied". Routing characters ('%', '!') in
 *      the local part of an untrusted client's recipient are refused the
 *      same way, so "user%elsewhere@local" cannot relay.
 *   2. the recipient itself (accounts_check_rcpt): unknown 550 5.1.1
 *      unless a catch-all takes it, disabled 550 5.2.1, over quota
 *      452 4.2.2 (552 5.2.2 when the declared SIZE exceeds the quota).
 *   3. the recipient's own black and white list (per account, then per
 *      domain: smtpd_recipient_sender_access), keyed "recipient,sender"
 *      with the sender, its @domain, its domain or the client address.
 *      OK skips step 4.
 *   4. server-wide access maps: client, HELO, sender (OK stops the
 *      client/HELO/sender checks), then recipient.
 * Like Postfix's smtpd_delay_reject, client, HELO and sender access are
 * evaluated at RCPT, so the log names the envelope.
 *
 * At MAIL: a sender in a local domain from an untrusted, unauthenticated
 * client is refused (anti-spoofing), and an authenticated user may send
 * only as an address that is theirs: the login itself, an alias that
 * resolves to it, or what smtpd_sender_login_maps gives them.
 *
 * A map that cannot be read gives a 451 4.3.0 (try later), never a
 * decision.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/smtp_addr.h"

#include "mail/accounts.h"
#include "mail/map.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_smtpd.h"

#include "smtpd.h"

static struct matchlist *chk_mynetworks;
static struct matchlist *chk_plaintext_nets;
static struct matchlist *chk_mydestination;
static struct matchlist *chk_relay_domains;
static struct maplist *chk_relay_rcpt;
static struct maplist *chk_login_maps;
static struct maplist *chk_client_access;
static struct maplist *chk_helo_access;
static struct maplist *chk_sender_access;
static struct maplist *chk_rcpt_access;
static struct maplist *chk_rcpt_sender_access;
static struct accounts *chk_accounts;

/* chk_open_list - a match list from a parameter; fatal when broken */
static struct matchlist *
chk_open_list(const char *param, const char *value, int flags)
{
	struct buf *why = buf_new(128);
	struct matchlist *l = matchlist_open(param, value, flags, why);

	if (l == NULL)
		log_fatal("%s", buf_cstr(why));
	buf_free(&why);
	return l;
}

/* chk_open_maps - a map list from a parameter, NULL when empty */
static struct maplist *
chk_open_maps(const char *param, const char *value)
{
	struct buf *why = buf_new(128);
	struct maplist *l;

	if (str_is_blank(value)) {
		buf_free(&why);
		return NULL;
	}
	if ((l = maplist_open(value, 0, why)) == NULL)
		log_fatal("%s: %s", param, buf_cstr(why));
	buf_free(&why);
	return l;
}

/* smtpd_check_init - open the lists and maps (once per process) */
void
smtpd_check_init(void)
{
	chk_mynetworks =
	    chk_open_list("mynetworks", var_mynetworks, MATCHLIST_ADDR);
	chk_plaintext_nets = chk_open_list("smtpd_tls_auth_only_exceptions",
	    var_smtpd_tls_auth_only_exceptions, MATCHLIST_ADDR);
	chk_mydestination =
	    chk_open_list("mydestination", var_mydestination, MATCHLIST_DOMAIN);
	chk_relay_domains = chk_open_list("relay_domains", var_relay_domains,
	    MATCHLIST_DOMAIN | MATCHLIST_PARENT);
	chk_relay_rcpt =
	    chk_open_maps("relay_recipient_maps", var_relay_recipient_maps);
	chk_login_maps = chk_open_maps(
	    "smtpd_sender_login_maps", var_smtpd_sender_login_maps);
	chk_client_access =
	    chk_open_maps("smtpd_client_access", var_smtpd_client_access);
	chk_helo_access =
	    chk_open_maps("smtpd_helo_access", var_smtpd_helo_access);
	chk_sender_access =
	    chk_open_maps("smtpd_sender_access", var_smtpd_sender_access);
	chk_rcpt_access =
	    chk_open_maps("smtpd_recipient_access", var_smtpd_recipient_access);
	chk_rcpt_sender_access = chk_open_maps(
	    "smtpd_recipient_sender_access", var_smtpd_recipient_sender_access);
	chk_accounts = accounts_open();
}

/* chk_match - a match list lookup; a failed map counts as no match and
 * is logged */
static bool
chk_match(struct matchlist *l, const char *item)
{
	struct buf *why = buf_new(64);
	int r = matchlist_match(l, item, why);

	if (r < 0)
		log_warn("%s: %s", item, buf_cstr(why));
	buf_free(&why);
	return r == 1;
}

/* smtpd_check_is_trusted - client in mynetworks */
bool
smtpd_check_is_trusted(const char *addr)
{
	return chk_mynetworks && chk_match(chk_mynetworks, addr);
}

/* smtpd_check_is_loopback - AUTH without TLS is allowed from here */
bool
smtpd_check_is_loopback(const char *addr)
{
	return chk_plaintext_nets && chk_match(chk_plaintext_nets, addr);
}

/* smtpd_check_etrn_ok - a relay domain may be flushed */
bool
smtpd_check_etrn_ok(const char *domain)
{
	return chk_match(chk_relay_domains, domain);
}

/* smtpd_check_client - at connect: nothing yet (access maps are
 * evaluated at RCPT) */
int
smtpd_check_client(struct smtpd_state *st)
{
	return 0;
}

/* smtpd_check_helo - at HELO: nothing yet (see smtpd_check_client) */
int
smtpd_check_helo(struct smtpd_state *st, const char *helo)
{
	return 0;
}

/* chk_reply_addr - "CODE ENH <addr>: text" from "CODE ENH text" */
static void
chk_reply_addr(struct smtpd_state *st, const char *addr, const char *rcpt,
    const char *reply)
{
	size_t head = strcspn(reply, " ");

	head += 1 + strcspn(reply + head + 1, " ");
	smtpd_reject(
	    st, rcpt, "%.*s <%s>:%s", (int)head, reply, addr, reply + head);
}

/* chk_tempfail - a lookup failed */
static int
chk_tempfail(struct smtpd_state *st, const char *addr, const char *rcpt,
    const char *what, struct buf *why)
{
	log_warn("%s: %s lookup for <%s> failed: %s", st->namaddr, what, addr,
	    buf_cstr(why));
	chk_reply_addr(st, addr, rcpt,
	    "451 4.3.0 Temporary lookup failure, try again later");
	return -1;
}

/* chk_domain_of - the domain of an address (after the last '@'), or "" */
static const char *
chk_domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : "";
}

/* chk_is_local_domain - hosted (or alias of one) or mydestination; 1, 0,
 * -1 (lookup error in why) */
static int
chk_is_local_domain(const char *domain, bool *hosted_out, struct buf *why)
{
	struct accounts_domain d;
	int r;

	*hosted_out = false;
	if (*domain == 0)
		return 0;
	r = accounts_domain(chk_accounts, domain, &d, why);
	if (r < 0)
		return -1;
	if (r == 1) {
		*hosted_out = true;
		return 1;
	}
	r = matchlist_match(chk_mydestination, domain, why);
	return r;
}

/* chk_access - apply an access map value: OK, REJECT [text], DEFER
 * [text], DUNNO. Returns 1 (OK), 0 (no decision) or -1 (after a
 * reply). what: "Client host", "Sender address"... */
static int
chk_access(struct smtpd_state *st, const char *value, const char *key,
    const char *rcpt, const char *what)
{
	const char *text;
	size_t n = strcspn(value, " \t");

	text = value + n;
	while (*text == ' ' || *text == '\t')
		text++;
	if (n == 2 && strncasecmp(value, "OK", 2) == 0)
		return 1;
	if (n == 5 && strncasecmp(value, "DUNNO", 5) == 0)
		return 0;
	if (n == 6 && strncasecmp(value, "REJECT", 6) == 0) {
		smtpd_reject(st, rcpt, "554 5.7.1 <%s>: %s rejected: %s", key,
		    what, *text ? text : "Access denied");
		return -1;
	}
	if (n == 5 && strncasecmp(value, "DEFER", 5) == 0) {
		smtpd_reject(st, rcpt, "450 4.7.1 <%s>: %s rejected: %s", key,
		    what, *text ? text : "Access denied");
		return -1;
	}
	log_warn("access map value for %s: unknown action \"%.*s\": ignored",
	    key, (int)n, value);
	return 0;
}

/* chk_domain_keys - domain and its parents, for access lookups */
static void
chk_domain_keys(const char *domain, struct strv *keys)
{
	for (const char *d = domain; d && *d;) {
		strv_push(keys, d);
		d = strchr(d, '.');
		if (d)
			d++;
	}
}

/* chk_client_keys - client address, its IPv4 prefixes, its name and
 * parent domains */
static void
chk_client_keys(const struct smtpd_state *st, struct strv *keys)
{
	char a[NET_ADDR_MAX];

	strv_push(keys, st->addr);
	if (strchr(st->addr, ':') == NULL) {
		snprintf(a, sizeof(a), "%s", st->addr);
		for (char *dot; (dot = strrchr(a, '.')) != NULL;) {
			*dot = 0;
			strv_push(keys, a);
		}
	}
	if (strcmp(st->name, "unknown") != 0)
		chk_domain_keys(st->name, keys);
}

/* chk_lookup_keys - first key found in l; 1 found (value in out), 0
 * none, -1 error */
static int
chk_lookup_keys(struct maplist *l, const struct strv *keys, struct buf *out,
    struct buf *why, const char **key_out)
{
	for (size_t i = 0; i < keys->n; i++) {
		int r = maplist_get(l, keys->v[i], out, why);

		if (r != 0) {
			*key_out = keys->v[i];
			return r;
		}
	}
	return 0;
}

/* chk_sender_keys - sender, @domain, domain and parents */
static void
chk_sender_keys(const char *sender, struct strv *keys)
{
	const char *dom = chk_domain_of(sender);
	struct buf *b = buf_new(64);

	if (*sender == 0) {
		/* The null sender is looked up as "<>", as in Postfix. */
		strv_push(keys, "<>");
		buf_free(&b);
		return;
	}
	strv_push(keys, sender);
	if (*dom) {
		buf_printf(b, "@%s", dom);
		strv_push(keys, buf_cstr(b));
		chk_domain_keys(dom, keys);
	}
	buf_free(&b);
}

/* chk_rcpt_lists - per-account and per-domain black and white lists;
 * 1 whitelisted, 0 no decision, -1 after a reply */
static int
chk_rcpt_lists(struct smtpd_state *st, const char *rcpt)
{
	struct strv skeys, keys;
	struct buf *val = buf_new(64), *why = buf_new(64), *k = buf_new(128);
	const char *hit = NULL, *rkeys[2];
	int ret = 0;

	if (chk_rcpt_sender_access == NULL) {
		buf_free(&val);
		buf_free(&why);
		buf_free(&k);
		return 0;
	}
	strv_init(&skeys);
	strv_init(&keys);
	chk_sender_keys(st->env.sender, &skeys);
	strv_push(&skeys, st->addr);
	buf_printf(k, "@%s", chk_domain_of(rcpt));
	rkeys[0] = rcpt;
	rkeys[1] = buf_cstr(k);
	for (int r = 0; r < 2; r++) {
		for (size_t s = 0; s < skeys.n; s++) {
			struct buf *key = buf_new(128);

			buf_printf(key, "%s,%s", rkeys[r], skeys.v[s]);
			strv_push(&keys, buf_cstr(key));
			buf_free(&key);
		}
	}
	switch (
	    chk_lookup_keys(chk_rcpt_sender_access, &keys, val, why, &hit)) {
	case -1:
		ret = chk_tempfail(
		    st, rcpt, rcpt, "smtpd_recipient_sender_access", why);
		break;
	case 1:
		ret = chk_access(st, buf_cstr(val), rcpt, rcpt,
		    "Recipient "
		    "address");
		if (ret == 1)
			log_info("%s: %s whitelisted for <%s> by %s",
			    st->namaddr, st->env.sender, rcpt, hit);
		break;
	}
	strv_free(&skeys);
	strv_free(&keys);
	buf_free(&val);
	buf_free(&why);
	buf_free(&k);
	return ret;
}

/* chk_server_access - client, HELO, sender, recipient access maps;
 * 0 to go on, -1 after a reply */
static int
chk_server_access(struct smtpd_state *st, const char *rcpt, bool skip_csh)
{
	struct buf *val = buf_new(64), *why = buf_new(64);
	struct strv keys;
	const char *hit = NULL;
	int r, ret = 0;

	strv_init(&keys);
	if (!skip_csh && chk_client_access) {
		chk_client_keys(st, &keys);
		r = chk_lookup_keys(chk_client_access, &keys, val, why, &hit);
		if (r < 0)
			ret = chk_tempfail(
			    st, st->addr, rcpt, "smtpd_client_access", why);
		else if (r == 1) {
			r = chk_access(st, buf_cstr(val), st->namaddr, rcpt,
			    "Client host");
			if (r != 0)
				skip_csh = true;
			if (r < 0)
				ret = -1;
		}
		strv_free(&keys);
	}
	if (ret == 0 && !skip_csh && chk_helo_access && st->helo) {
		chk_domain_keys(st->helo, &keys);
		r = chk_lookup_keys(chk_helo_access, &keys, val, why, &hit);
		if (r < 0)
			ret = chk_tempfail(
			    st, st->helo, rcpt, "smtpd_helo_access", why);
		else if (r == 1) {
			r = chk_access(
			    st, buf_cstr(val), st->helo, rcpt, "Helo command");
			if (r != 0)
				skip_csh = true;
			if (r < 0)
				ret = -1;
		}
		strv_free(&keys);
	}
	if (ret == 0 && !skip_csh && chk_sender_access) {
		chk_sender_keys(st->env.sender, &keys);
		r = chk_lookup_keys(chk_sender_access, &keys, val, why, &hit);
		if (r < 0)
			ret = chk_tempfail(st, st->env.sender, rcpt,
			    "smtpd_sender_access", why);
		else if (r == 1
		    && chk_access(st, buf_cstr(val), st->env.sender, rcpt,
		           "Sender address")
		        < 0)
			ret = -1;
		strv_free(&keys);
	}
	if (ret == 0 && chk_rcpt_access) {
		chk_sender_keys(rcpt, &keys);
		r = chk_lookup_keys(chk_rcpt_access, &keys, val, why, &hit);
		if (r < 0)
			ret = chk_tempfail(
			    st, rcpt, rcpt, "smtpd_recipient_access", why);
		else if (r == 1
		    && chk_access(
		           st, buf_cstr(val), rcpt, rcpt, "Recipient address")
		        < 0)
			ret = -1;
		strv_free(&keys);
	}
	strv_free(&keys);
	buf_free(&val);
	buf_free(&why);
	return ret;
}

/* chk_local_rcpt - a recipient of a local domain; 0 ok, -1 replied */
static int
chk_local_rcpt(struct smtpd_state *st, const char *rcpt, bool hosted)
{
	struct accounts_rcpt ar;
	struct accounts_user u;
	struct buf *why = buf_new(64);
	enum accounts_status s;
	int ret = -1;

	if (!hosted) {
		/* mydestination: the system's own names have no accounts;
		 * only postmaster (RFC 5321 4.5.1) and abuse take mail. */
		const char *at = strrchr(rcpt, '@');
		size_t n = at ? (size_t)(at - rcpt) : strlen(rcpt);

		if ((n == 10 && strncasecmp(rcpt, "postmaster", 10) == 0)
		    || (n == 5 && strncasecmp(rcpt, "abuse", 5) == 0))
			ret = 0;
		else
			chk_reply_addr(st, rcpt, rcpt,
			    "550 5.1.1 Recipient address rejected: User "
			    "unknown in local recipient table");
		buf_free(&why);
		return ret;
	}
	s = accounts_check_rcpt(
	    chk_accounts, rcpt, st->env.sender, st->auth_user, &ar, why);
	switch (s) {
	case ACCOUNTS_OK:
		ret = 0;
		/* A declared size that no quota can take: permanent. */
		if (st->declared_size > 0 && ar.kind == ACCOUNTS_KIND_USER
		    && accounts_user(chk_accounts, ar.address, &u, why) == 1) {
			if (u.quota > 0
			    && st->declared_size > (uint64_t)u.quota) {
				chk_reply_addr(st, rcpt, rcpt,
				    "552 5.2.2 Recipient address rejected: "
				    "Message exceeds the mailbox quota");
				ret = -1;
			}
			accounts_user_free(&u);
		}
		break;
	case ACCOUNTS_OVER_QUOTA:
		chk_reply_addr(st, rcpt, rcpt,
		    "452 4.2.2 Recipient address rejected: Mailbox full");
		break;
	case ACCOUNTS_TEMPFAIL:
		chk_tempfail(st, rcpt, rcpt, "accounts", why);
		break;
	case ACCOUNTS_NOT_HOSTED:
		chk_reply_addr(st, rcpt, rcpt,
		    "554 5.7.1 Recipient address rejected: Relay access "
		    "denied");
		break;
	default:
		chk_reply_addr(st, rcpt, rcpt, accounts_status_reply(s));
		break;
	}
	buf_free(&why);
	return ret;
}

/* smtpd_check_rcpt - everything decided at RCPT */
int
smtpd_check_rcpt(struct smtpd_state *st, const struct smtp_addr *a)
{
	struct buf *why = buf_new(64), *val = buf_new(64);
	const char *rcpt = a->is_postmaster ? "postmaster" : a->addr;
	bool hosted = false, privileged = st->is_trusted || st->auth_user;
	int local, relay, ret = -1, wl;

	if (a->is_postmaster) {
		ret = 0; /* always reachable */
		goto out;
	}
	if (a->has_route_char && !privileged) {
		chk_reply_addr(st, rcpt, rcpt, "554 5.7.1 Relay access denied");
		goto out;
	}
	local =
	    a->is_literal ? 0 : chk_is_local_domain(a->domain, &hosted, why);
	if (local < 0) {
		chk_tempfail(st, rcpt, rcpt, "local domain", why);
		goto out;
	}
	if (local) {
		if (chk_local_rcpt(st, rcpt, hosted) < 0)
			goto out;
	} else {
		relay = a->is_literal
		    ? 0
		    : matchlist_match(chk_relay_domains, a->domain, why);
		if (relay < 0) {
			chk_tempfail(st, rcpt, rcpt, "relay_domains", why);
			goto out;
		}
		if (relay && chk_relay_rcpt) {
			int r = maplist_get_addr(
			    chk_relay_rcpt, rcpt, false, val, why);

			if (r < 0) {
				chk_tempfail(st, rcpt, rcpt,
				    "relay_recipient_maps", why);
				goto out;
			}
			if (r == 0) {
				chk_reply_addr(st, rcpt, rcpt,
				    "550 5.1.1 Recipient address rejected: "
				    "User unknown in relay recipient table");
				goto out;
			}
		}
		if (!relay && !privileged) {
			chk_reply_addr(
			    st, rcpt, rcpt, "554 5.7.1 Relay access denied");
			goto out;
		}
	}
	if ((wl = chk_rcpt_lists(st, rcpt)) < 0)
		goto out;
	if (chk_server_access(st, rcpt, wl == 1) < 0)
		goto out;
	ret = 0;
out:
	buf_free(&why);
	buf_free(&val);
	return ret;
}

/* chk_sender_owned - the authenticated user may use sender; 1 yes, 0
 * no, -1 error */
static int
chk_sender_owned(struct smtpd_state *st, const char *sender, struct buf *why)
{
	struct accounts_targets t;
	struct buf *val = buf_new(64);
	enum accounts_status s;
	int ret = 0;

	if (strcasecmp(sender, st->auth_user) == 0) {
		buf_free(&val);
		return 1;
	}
	/* smtpd_sender_login_maps: sender -> logins that may use it. */
	if (chk_login_maps) {
		int r =
		    maplist_get_addr(chk_login_maps, sender, false, val, why);

		if (r < 0) {
			buf_free(&val);
			return -1;
		}
		if (r == 1) {
			struct strv logins;

			strv_init(&logins);
			strv_split(&logins, buf_cstr(val), " ,\t");
			ret = strv_contains_ci(&logins, st->auth_user) ? 1 : 0;
			strv_free(&logins);
			if (ret) {
				buf_free(&val);
				return 1;
			}
		}
	}
	/* An alias (or domain alias) that resolves to the login. */
	accounts_targets_init(&t);
	s = accounts_resolve(chk_accounts, sender, &t, why);
	if (s == ACCOUNTS_TEMPFAIL)
		ret = -1;
	else if (s == ACCOUNTS_OK) {
		for (size_t i = 0; i < t.n; i++)
			if (t.v[i].kind == ACCOUNTS_TARGET_MAILBOX
			    && strcasecmp(t.v[i].address, st->auth_user) == 0)
				ret = 1;
	}
	accounts_targets_free(&t);
	buf_free(&val);
	return ret;
}

/* smtpd_check_sender - anti-spoofing and login ownership at MAIL */
int
smtpd_check_sender(struct smtpd_state *st, const struct smtp_addr *a)
{
	struct buf *why = buf_new(64);
	bool hosted;
	int ret = -1, r;

	if (a->is_null) {
		ret = 0;
		goto out;
	}
	if (st->auth_user) {
		if (!var_smtpd_reject_sender_login_mismatch) {
			ret = 0;
			goto out;
		}
		r = chk_sender_owned(st, a->addr, why);
		if (r < 0)
			chk_tempfail(st, a->addr, NULL, "sender login", why);
		else if (r == 0)
			smtpd_reject(st, NULL,
			    "553 5.7.1 <%s>: Sender address rejected: not "
			    "owned by user %s",
			    a->addr, st->auth_user);
		else
			ret = 0;
		goto out;
	}
	if (var_smtpd_reject_unauth_local_sender && !st->is_trusted
	    && !a->is_literal) {
		r = chk_is_local_domain(a->domain, &hosted, why);
		if (r < 0) {
			chk_tempfail(st, a->addr, NULL, "local domain", why);
			goto out;
		}
		if (r == 1) {
			smtpd_reject(st, NULL,
			    "553 5.7.1 <%s>: Sender address rejected: not "
			    "logged in",
			    a->addr);
			goto out;
		}
	}
	ret = 0;
out:
	buf_free(&why);
	return ret;
}

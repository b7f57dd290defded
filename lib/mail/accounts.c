/*
 * accounts.c - lookups of hosted domains, accounts, aliases and
 * distribution lists (see accounts.h for the contract and the lookup
 * order, acctmap.h for the record formats).
 *
 * Expansion is a depth-first walk with the chain of addresses being
 * expanded kept on a stack: meeting an address that is already on the
 * stack is a loop. The walk is bounded three ways (depth, number of
 * destinations, number of addresses visited), so that no map, however
 * wrong, makes a daemon loop or grow without bound. A malformed record
 * stops the walk with ACCOUNTS_TEMPFAIL: mail waits for the map to be
 * fixed rather than being bounced or misrouted.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"

#include "mail/accounts.h"
#include "mail/acctmap.h"
#include "mail/maildir.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

/* The maps, by role (the order of enum accounts_map). */
enum acct_role {
	ACCT_DOMAINS = ACCOUNTS_MAP_DOMAINS,
	ACCT_USERS = ACCOUNTS_MAP_USERS,
	ACCT_ALIASES = ACCOUNTS_MAP_ALIASES,
	ACCT_LISTS = ACCOUNTS_MAP_LISTS,
	ACCT_PASSWD = ACCOUNTS_MAP_PASSWORDS,
	ACCT_NROLES,
};

static const char *const acct_role_names[] = {
    "domains", "users", "aliases", "lists", "passwords"};

struct accounts {
	struct map *maps[ACCT_NROLES];
	accounts_lookup_fn lookup; /* instead of the maps, when set */
	void *lookup_ctx;
	struct buf *val; /* scratch: the last value looked up */
};

/* accounts_open - a handle; maps are opened on first use */
struct accounts *
accounts_open(void)
{
	struct accounts *a = xcalloc(1, sizeof(*a));

	a->val = buf_new(256);
	return a;
}

/* accounts_open_lookup - a handle over a lookup function */
struct accounts *
accounts_open_lookup(accounts_lookup_fn fn, void *ctx)
{
	struct accounts *a = accounts_open();

	a->lookup = fn;
	a->lookup_ctx = ctx;
	return a;
}

/* accounts_close - close everything */
void
accounts_close(struct accounts **ap)
{
	struct accounts *a = *ap;

	if (a == NULL)
		return;
	for (int i = 0; i < ACCT_NROLES; i++)
		map_close(&a->maps[i]);
	buf_free(&a->val);
	free(a);
	*ap = NULL;
}

/* acct_spec - the parameter naming the map of a role */
static const char *
acct_spec(enum acct_role role)
{
	switch (role) {
	case ACCT_DOMAINS:
		return var_virtual_mailbox_domains;
	case ACCT_USERS:
		return var_virtual_mailbox_maps;
	case ACCT_ALIASES:
		return var_virtual_alias_maps;
	case ACCT_LISTS:
		return var_distribution_list_maps;
	default:
		return var_auth_password_maps;
	}
}

/* acct_get - look key up in the map of role: 1 found (value in a->val),
 * 0 not found (or no such map configured), -1 error with why */
static int
acct_get(
    struct accounts *a, enum acct_role role, const char *key, struct buf *why)
{
	const char *spec = acct_spec(role);
	struct buf *err;
	int r;

	buf_reset(a->val);
	if (a->lookup)
		return a->lookup(
		    (enum accounts_map)role, key, a->val, why, a->lookup_ctx);
	if (spec == NULL || str_is_blank(spec))
		return 0;
	err = buf_new(128);
	if (a->maps[role] == NULL
	    && (a->maps[role] = map_open(spec, 0, err)) == NULL) {
		buf_printf(why, "%s map %s: %s", acct_role_names[role], spec,
		    buf_cstr(err));
		buf_free(&err);
		return -1;
	}
	r = map_get(a->maps[role], key, a->val, err);
	if (r < 0)
		buf_printf(why, "%s map %s: %s", acct_role_names[role], spec,
		    buf_cstr(err));
	buf_free(&err);
	return r;
}

/* acct_bad_record - why for a malformed record */
static void
acct_bad_record(enum acct_role role, const char *key, const struct buf *err,
    struct buf *why)
{
	buf_printf(why, "%s map %s: %s: %s", acct_role_names[role],
	    acct_spec(role), key, buf_cstr(err));
}

/* accounts_domain - hosted, as itself or as a domain alias */
int
accounts_domain(struct accounts *a, const char *domain,
    struct accounts_domain *out, struct buf *why)
{
	struct acctmap_domain rec;
	struct buf *lc = buf_new(64), *err = buf_new(64);
	int r;

	memset(out, 0, sizeof(*out));
	acctname_lower(domain, lc);
	acctmap_domain_init(&rec);
	if (buf_len(lc) == 0 || buf_len(lc) > ACCTNAME_DOMAIN_MAX) {
		r = 0;
		goto out;
	}
	if ((r = acct_get(a, ACCT_DOMAINS, buf_cstr(lc), why)) <= 0)
		goto out;
	if (acctmap_domain_parse(buf_cstr(a->val), &rec, err) < 0) {
		acct_bad_record(ACCT_DOMAINS, buf_cstr(lc), err, why);
		r = -1;
		goto out;
	}
	if (rec.alias != NULL) {
		char *target = xstrdup(rec.alias);
		bool alias_active = rec.active;

		r = acct_get(a, ACCT_DOMAINS, target, why);
		if (r == 0) {
			buf_printf(why,
			    "domains map %s: %s is an alias of %s, which is "
			    "not hosted",
			    var_virtual_mailbox_domains, buf_cstr(lc), target);
			r = -1;
		} else if (r > 0
		    && acctmap_domain_parse(buf_cstr(a->val), &rec, err) < 0) {
			acct_bad_record(ACCT_DOMAINS, target, err, why);
			r = -1;
		} else if (r > 0 && rec.alias != NULL) {
			buf_printf(why,
			    "domains map %s: %s is an alias of %s, which is "
			    "an alias itself",
			    var_virtual_mailbox_domains, buf_cstr(lc), target);
			r = -1;
		}
		if (r > 0) {
			snprintf(out->name, sizeof(out->name), "%s", target);
			out->is_alias = true;
			out->active = alias_active && rec.active;
		}
		free(target);
		if (r <= 0)
			goto out;
	} else {
		snprintf(out->name, sizeof(out->name), "%s", buf_cstr(lc));
		out->active = rec.active;
	}
	out->max_accounts = rec.max_accounts;
	out->max_size = rec.max_size;
	out->default_quota = rec.default_quota;
	r = 1;
out:
	acctmap_domain_free(&rec);
	buf_free(&lc);
	buf_free(&err);
	return r;
}

/* acct_canon - canonical form of an address of a hosted domain: 1 with
 * canon "local@hosted" and *d filled, 0 not hosted (canon is the
 * lower-cased address), -1 error. A bare name is qualified with
 * $myorigin, as Postfix does for virtual alias targets. */
static int
acct_canon(struct accounts *a, const char *address, struct buf *canon,
    struct accounts_domain *d, struct buf *why)
{
	struct buf *local = buf_new(64), *dom = buf_new(64);
	int r;

	acctname_lower(address, canon);
	if (strchr(buf_cstr(canon), '@') == NULL) {
		buf_catc(canon, '@');
		buf_cats(canon, var_myorigin);
		acctname_lower(buf_cstr(canon), dom);
		buf_set(canon, buf_cstr(dom), buf_len(dom));
	}
	acctname_split(buf_cstr(canon), local, dom);
	r = accounts_domain(a, buf_cstr(dom), d, why);
	if (r > 0) {
		buf_reset(canon);
		buf_printf(canon, "%s@%s", buf_cstr(local), d->name);
	}
	buf_free(&local);
	buf_free(&dom);
	return r;
}

/* accounts_user - one account */
int
accounts_user(struct accounts *a, const char *address,
    struct accounts_user *out, struct buf *why)
{
	struct accounts_domain d;
	struct acctmap_user rec;
	struct buf *canon = buf_new(64), *err = buf_new(64);
	int r;

	memset(out, 0, sizeof(*out));
	acctmap_user_init(&rec);
	if (strchr(address, '@') == NULL
	    || strlen(address) > ACCTNAME_ADDR_MAX) {
		r = 0;
		goto out;
	}
	if ((r = acct_canon(a, address, canon, &d, why)) <= 0)
		goto out;
	if (buf_len(canon) > ACCTNAME_ADDR_MAX) {
		r = 0;
		goto out;
	}
	if ((r = acct_get(a, ACCT_USERS, buf_cstr(canon), why)) <= 0)
		goto out;
	if (acctmap_user_parse(buf_cstr(a->val), &rec, err) < 0) {
		acct_bad_record(ACCT_USERS, buf_cstr(canon), err, why);
		r = -1;
		goto out;
	}
	snprintf(out->address, sizeof(out->address), "%s", buf_cstr(canon));
	if (rec.maildir) {
		out->maildir = xstrdup(rec.maildir);
	} else {
		acctmap_default_maildir(buf_cstr(canon), err);
		out->maildir = xstrdup(buf_cstr(err));
	}
	out->quota = rec.quota;
	out->user_active = rec.active;
	out->active = rec.active && d.active;
	for (size_t i = 0; i < rec.forward.n; i++)
		strv_push(&out->forward, rec.forward.v[i]);
	out->keep_copy = rec.keep_copy;
	out->autoreply = rec.autoreply
	    && (rec.ar_until_t == 0 || time(NULL) <= rec.ar_until_t);
	out->ar_subject = rec.ar_subject ? xstrdup(rec.ar_subject) : NULL;
	out->ar_text = rec.ar_text ? xstrdup(rec.ar_text) : NULL;
	out->ar_until = rec.ar_until_t;
	r = 1;
out:
	acctmap_user_free(&rec);
	buf_free(&canon);
	buf_free(&err);
	return r;
}

/* accounts_user_free - release an account */
void
accounts_user_free(struct accounts_user *u)
{
	free(u->maildir);
	strv_free(&u->forward);
	free(u->ar_subject);
	free(u->ar_text);
	memset(u, 0, sizeof(*u));
}

/* Targets. */

void
accounts_targets_init(struct accounts_targets *t)
{
	memset(t, 0, sizeof(*t));
}

void
accounts_targets_free(struct accounts_targets *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].address);
		free(t->v[i].maildir);
	}
	free(t->v);
	accounts_targets_init(t);
}

/* The state of one expansion. */
struct acct_walk {
	struct accounts *a;
	struct accounts_targets *out;
	struct strv chain; /* the addresses being expanded, outermost first */
	long visits;
	struct buf *why;
};

/* acct_add - one destination, unless it is there already */
static enum accounts_status
acct_add(struct acct_walk *w, enum accounts_target_kind kind,
    const char *address, const char *maildir, long long quota,
    enum accounts_status status)
{
	struct accounts_target *t;

	for (size_t i = 0; i < w->out->n; i++)
		if (w->out->v[i].kind == kind
		    && strcmp(w->out->v[i].address, address) == 0)
			return ACCOUNTS_OK;
	if ((long)w->out->n >= var_virtual_alias_expansion_limit) {
		buf_printf(w->why,
		    "%s: expands to more than %ld addresses "
		    "(virtual_alias_expansion_limit)",
		    w->chain.n ? w->chain.v[0] : address,
		    var_virtual_alias_expansion_limit);
		return ACCOUNTS_LOOP;
	}
	if (w->out->n == w->out->alloc) {
		w->out->alloc = w->out->alloc ? 2 * w->out->alloc : 4;
		w->out->v =
		    xreallocarray(w->out->v, w->out->alloc, sizeof(*w->out->v));
	}
	t = &w->out->v[w->out->n++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->address = xstrdup(address);
	t->maildir = maildir ? xstrdup(maildir) : NULL;
	t->quota = quota;
	t->status = status;
	return ACCOUNTS_OK;
}

/* acct_fail - an address that cannot take mail: the answer at the top,
 * a FAILED destination below it */
static enum accounts_status
acct_fail(struct acct_walk *w, long depth, const char *address,
    enum accounts_status st)
{
	if (depth == 0)
		return st;
	return acct_add(w, ACCOUNTS_TARGET_FAILED, address, NULL, 0, st);
}

static enum accounts_status acct_expand(
    struct acct_walk *w, const char *address, long depth, bool self);

/* acct_expand_all - expand each of targets one level down; from is the
 * address they belong to (a target equal to it is the Postfix "deliver
 * to myself" case) */
static enum accounts_status
acct_expand_all(struct acct_walk *w, const struct strv *targets,
    const char *from, long depth)
{
	for (size_t i = 0; i < targets->n; i++) {
		enum accounts_status st = acct_expand(w, targets->v[i],
		    depth + 1, strcmp(targets->v[i], from) == 0);

		if (st != ACCOUNTS_OK)
			return st;
	}
	return ACCOUNTS_OK;
}

/* acct_expand_user - an account: its mailbox and/or its forwards */
static enum accounts_status
acct_expand_user(struct acct_walk *w, const char *canon,
    const struct accounts_domain *d, long depth)
{
	struct acctmap_user rec;
	struct buf *err = buf_new(64);
	enum accounts_status st = ACCOUNTS_OK;
	bool to_mailbox = true;

	acctmap_user_init(&rec);
	if (acctmap_user_parse(buf_cstr(w->a->val), &rec, err) < 0) {
		acct_bad_record(ACCT_USERS, canon, err, w->why);
		st = ACCOUNTS_TEMPFAIL;
		goto out;
	}
	if (!rec.active) {
		st = acct_fail(w, depth, canon, ACCOUNTS_DISABLED);
		goto out;
	}
	if (rec.forward.n > 0) {
		to_mailbox = rec.keep_copy;
		for (size_t i = 0; i < rec.forward.n && st == ACCOUNTS_OK;
		     i++) {
			if (strcmp(rec.forward.v[i], canon) == 0)
				to_mailbox = true;
			else
				st = acct_expand(
				    w, rec.forward.v[i], depth + 1, false);
		}
	}
	if (st == ACCOUNTS_OK && to_mailbox) {
		if (rec.maildir == NULL)
			acctmap_default_maildir(canon, err);
		else
			buf_sets(err, rec.maildir);
		st = acct_add(w, ACCOUNTS_TARGET_MAILBOX, canon, buf_cstr(err),
		    rec.quota, ACCOUNTS_OK);
	}
out:
	(void)d;
	acctmap_user_free(&rec);
	buf_free(&err);
	return st;
}

/* acct_expand - one address, depth levels below the original; self: the
 * address named itself as an alias target, so only its account counts */
static enum accounts_status
acct_expand(struct acct_walk *w, const char *address, long depth, bool self)
{
	struct accounts_domain d;
	struct buf *canon = buf_new(64), *err = buf_new(64);
	struct strv targets;
	enum accounts_status st = ACCOUNTS_OK;
	bool pushed = false;
	int r;

	strv_init(&targets);
	if (depth > var_virtual_alias_recursion_limit) {
		buf_printf(w->why,
		    "%s: alias chain deeper than %ld levels "
		    "(virtual_alias_recursion_limit)",
		    w->chain.n ? w->chain.v[0] : address,
		    var_virtual_alias_recursion_limit);
		st = ACCOUNTS_LOOP;
		goto out;
	}
	if (++w->visits > 4 * var_virtual_alias_expansion_limit) {
		buf_printf(w->why,
		    "%s: expansion visits too many addresses "
		    "(virtual_alias_expansion_limit)",
		    w->chain.n ? w->chain.v[0] : address);
		st = ACCOUNTS_LOOP;
		goto out;
	}
	r = acct_canon(w->a, address, canon, &d, w->why);
	if (r < 0) {
		st = ACCOUNTS_TEMPFAIL;
		goto out;
	}
	if (r == 0) {
		/* Not hosted: somebody else's address. */
		if (acctname_check_target(buf_cstr(canon), err) < 0) {
			if (depth == 0) {
				st = ACCOUNTS_UNKNOWN;
				goto out;
			}
			log_warn(
			    "alias expansion of %s: bad address \"%s\": %s",
			    w->chain.n ? w->chain.v[0] : address,
			    buf_cstr(canon), buf_cstr(err));
			st = acct_add(w, ACCOUNTS_TARGET_FAILED,
			    buf_cstr(canon), NULL, 0, ACCOUNTS_UNKNOWN);
			goto out;
		}
		st = acct_add(w, ACCOUNTS_TARGET_REMOTE, buf_cstr(canon), NULL,
		    0, ACCOUNTS_OK);
		if (depth == 0 && st == ACCOUNTS_OK)
			st = ACCOUNTS_NOT_HOSTED;
		goto out;
	}
	if (!d.active) {
		st = acct_fail(
		    w, depth, buf_cstr(canon), ACCOUNTS_DOMAIN_DISABLED);
		goto out;
	}
	if (!self) {
		if (strv_contains(&w->chain, buf_cstr(canon))) {
			char *path = strv_join(&w->chain, " -> ");

			buf_printf(w->why, "alias loop: %s -> %s", path,
			    buf_cstr(canon));
			free(path);
			st = ACCOUNTS_LOOP;
			goto out;
		}
		strv_push(&w->chain, buf_cstr(canon));
		pushed = true;

		/* 1. An alias. */
		if ((r = acct_get(w->a, ACCT_ALIASES, buf_cstr(canon), w->why))
		    < 0) {
			st = ACCOUNTS_TEMPFAIL;
			goto out;
		}
		if (r > 0) {
			if (acctmap_alias_parse(
			        buf_cstr(w->a->val), &targets, err)
			    < 0) {
				acct_bad_record(
				    ACCT_ALIASES, buf_cstr(canon), err, w->why);
				st = ACCOUNTS_TEMPFAIL;
			} else {
				st = acct_expand_all(
				    w, &targets, buf_cstr(canon), depth);
			}
			goto out;
		}

		/* 2. A distribution list. */
		if ((r = acct_get(w->a, ACCT_LISTS, buf_cstr(canon), w->why))
		    < 0) {
			st = ACCOUNTS_TEMPFAIL;
			goto out;
		}
		if (r > 0) {
			struct acctmap_list l;

			acctmap_list_init(&l);
			if (acctmap_list_parse(buf_cstr(w->a->val), &l, err)
			    < 0) {
				acct_bad_record(
				    ACCT_LISTS, buf_cstr(canon), err, w->why);
				st = ACCOUNTS_TEMPFAIL;
			} else if (!l.active) {
				st = acct_fail(w, depth, buf_cstr(canon),
				    ACCOUNTS_LIST_DISABLED);
			} else {
				st = acct_expand_all(
				    w, &l.members, buf_cstr(canon), depth);
			}
			acctmap_list_free(&l);
			goto out;
		}
	}

	/* 3. An account. */
	if ((r = acct_get(w->a, ACCT_USERS, buf_cstr(canon), w->why)) < 0) {
		st = ACCOUNTS_TEMPFAIL;
		goto out;
	}
	if (r > 0) {
		st = acct_expand_user(w, buf_cstr(canon), &d, depth);
		goto out;
	}

	/* 4. The catch-all of the domain. */
	if (!self) {
		buf_reset(err);
		buf_printf(err, "@%s", d.name);
		if ((r = acct_get(w->a, ACCT_ALIASES, buf_cstr(err), w->why))
		    < 0) {
			st = ACCOUNTS_TEMPFAIL;
			goto out;
		}
		if (r > 0) {
			char *key = buf_steal(err);

			if (acctmap_alias_parse(
			        buf_cstr(w->a->val), &targets, err)
			    < 0) {
				acct_bad_record(ACCT_ALIASES, key, err, w->why);
				st = ACCOUNTS_TEMPFAIL;
			} else {
				/* Not "itself": a catch-all that names an
				 * unknown user of its own domain is a loop. */
				st = acct_expand_all(w, &targets, "", depth);
			}
			free(key);
			goto out;
		}
	}
	st = acct_fail(w, depth, buf_cstr(canon), ACCOUNTS_UNKNOWN);
out:
	if (pushed) {
		free(w->chain.v[--w->chain.n]);
		w->chain.v[w->chain.n] = NULL;
	}
	strv_free(&targets);
	buf_free(&canon);
	buf_free(&err);
	return st;
}

/* accounts_resolve - every final destination of address */
enum accounts_status
accounts_resolve(struct accounts *a, const char *address,
    struct accounts_targets *out, struct buf *why)
{
	struct acct_walk w;
	enum accounts_status st;

	accounts_targets_free(out);
	memset(&w, 0, sizeof(w));
	w.a = a;
	w.out = out;
	w.why = why;
	strv_init(&w.chain);
	if (*address == 0 || strlen(address) > ACCTNAME_ADDR_MAX
	    || strchr(address, '@') == NULL)
		st = ACCOUNTS_UNKNOWN;
	else
		st = acct_expand(&w, address, 0, false);
	if (st != ACCOUNTS_OK && st != ACCOUNTS_NOT_HOSTED)
		accounts_targets_free(out);
	if (st == ACCOUNTS_OK && out->n == 0) {
		/* Only possible with a map that expands to nothing. */
		buf_printf(why, "%s: expands to no address", address);
		st = ACCOUNTS_UNKNOWN;
	}
	strv_free(&w.chain);
	return st;
}

/* acct_sender_in - is the sender (or the authenticated user) one of l */
static bool
acct_sender_in(struct accounts *a, const struct strv *l, const char *sender,
    const char *sasl_user)
{
	const char *who[2] = {sender, sasl_user};
	struct buf *canon = buf_new(64), *why = buf_new(64);
	struct accounts_domain d;
	bool found = false;

	for (int i = 0; i < 2 && !found; i++) {
		if (who[i] == NULL || *who[i] == 0
		    || strchr(who[i], '@') == NULL)
			continue;
		/* Domain aliases count: joe@example.net is joe@example.com. */
		if (acct_canon(a, who[i], canon, &d, why) < 0)
			acctname_lower(who[i], canon);
		found = strv_contains(l, buf_cstr(canon));
		if (!found) {
			acctname_lower(who[i], canon);
			found = strv_contains(l, buf_cstr(canon));
		}
	}
	buf_free(&canon);
	buf_free(&why);
	return found;
}

/* acct_over_quota - the account's mailbox is full, as far as this
 * process can see */
static bool
acct_over_quota(const struct acctmap_user *rec, const char *canon)
{
	struct buf *path = buf_new(128), *why = buf_new(64);
	long long bytes;
	bool full = false;

	if (rec->quota <= 0)
		goto out;
	if (rec->maildir)
		buf_sets(why, rec->maildir);
	else
		acctmap_default_maildir(canon, why);
	if (accounts_maildir_path(buf_cstr(why), path, why) == 0
	    && accounts_usage(buf_cstr(path), rec->quota, &bytes, NULL, why)
	        == 0)
		full = bytes >= rec->quota;
out:
	buf_free(&path);
	buf_free(&why);
	return full;
}

/* accounts_check_rcpt - the RCPT TO decision */
enum accounts_status
accounts_check_rcpt(struct accounts *a, const char *rcpt, const char *sender,
    const char *sasl_user, struct accounts_rcpt *out, struct buf *why)
{
	struct accounts_domain d;
	struct accounts_targets t;
	struct buf *canon = buf_new(64), *err = buf_new(64);
	enum accounts_status st;
	int r;

	memset(out, 0, sizeof(*out));
	accounts_targets_init(&t);
	if (strchr(rcpt, '@') == NULL || strlen(rcpt) > ACCTNAME_ADDR_MAX) {
		st = ACCOUNTS_UNKNOWN;
		goto out;
	}
	r = acct_canon(a, rcpt, canon, &d, why);
	if (r <= 0) {
		st = r < 0 ? ACCOUNTS_TEMPFAIL : ACCOUNTS_NOT_HOSTED;
		goto out;
	}
	snprintf(out->address, sizeof(out->address), "%s", buf_cstr(canon));
	if (!d.active) {
		st = ACCOUNTS_DOMAIN_DISABLED;
		goto out;
	}
	if ((r = acct_get(a, ACCT_ALIASES, buf_cstr(canon), why)) < 0) {
		st = ACCOUNTS_TEMPFAIL;
		goto out;
	}
	if (r > 0) {
		out->kind = ACCOUNTS_KIND_ALIAS;
	} else if ((r = acct_get(a, ACCT_LISTS, buf_cstr(canon), why)) < 0) {
		st = ACCOUNTS_TEMPFAIL;
		goto out;
	} else if (r > 0) {
		struct acctmap_list l;

		out->kind = ACCOUNTS_KIND_LIST;
		acctmap_list_init(&l);
		if (acctmap_list_parse(buf_cstr(a->val), &l, err) < 0) {
			acct_bad_record(ACCT_LISTS, buf_cstr(canon), err, why);
			st = ACCOUNTS_TEMPFAIL;
		} else if (!l.active) {
			st = ACCOUNTS_LIST_DISABLED;
		} else if (l.require_auth
		    && (sasl_user == NULL || *sasl_user == 0)) {
			st = ACCOUNTS_AUTH_REQUIRED;
		} else if ((l.policy == ACCTMAP_POLICY_MEMBERS
		               && !acct_sender_in(
		                   a, &l.members, sender, sasl_user))
		    || (l.policy == ACCTMAP_POLICY_SENDERS
		        && !acct_sender_in(a, &l.senders, sender, sasl_user))) {
			st = ACCOUNTS_SENDER_DENIED;
		} else {
			st = ACCOUNTS_OK;
		}
		acctmap_list_free(&l);
		if (st != ACCOUNTS_OK)
			goto out;
	} else if ((r = acct_get(a, ACCT_USERS, buf_cstr(canon), why)) < 0) {
		st = ACCOUNTS_TEMPFAIL;
		goto out;
	} else if (r > 0) {
		struct acctmap_user u;

		out->kind = ACCOUNTS_KIND_USER;
		acctmap_user_init(&u);
		if (acctmap_user_parse(buf_cstr(a->val), &u, err) < 0) {
			acct_bad_record(ACCT_USERS, buf_cstr(canon), err, why);
			st = ACCOUNTS_TEMPFAIL;
		} else if (!u.active) {
			st = ACCOUNTS_DISABLED;
		} else if ((u.forward.n == 0 || u.keep_copy)
		    && acct_over_quota(&u, buf_cstr(canon))) {
			st = ACCOUNTS_OVER_QUOTA;
		} else {
			st = ACCOUNTS_OK;
		}
		acctmap_user_free(&u);
		if (st != ACCOUNTS_OK)
			goto out;
	} else {
		out->kind = ACCOUNTS_KIND_CATCHALL;
	}
	/* Aliases, lists, forwards and the catch-all must resolve, to at
	 * least one destination that takes mail: refusing now is better
	 * than bouncing later. */
	st = accounts_resolve(a, buf_cstr(canon), &t, why);
	if (st == ACCOUNTS_OK) {
		size_t i;

		for (i = 0; i < t.n; i++)
			if (t.v[i].kind != ACCOUNTS_TARGET_FAILED)
				break;
		if (i == t.n && t.n > 0)
			st = t.v[0].status;
	}
	if (st == ACCOUNTS_UNKNOWN && out->kind == ACCOUNTS_KIND_CATCHALL)
		out->kind = ACCOUNTS_KIND_NONE;
out:
	out->status = st;
	accounts_targets_free(&t);
	buf_free(&canon);
	buf_free(&err);
	return st;
}

/* accounts_password - a password hash */
int
accounts_password(struct accounts *a, const char *address, struct buf *hash_out,
    struct buf *why)
{
	struct buf *lc = buf_new(64);
	const char *v, *end;
	int r;

	buf_reset(hash_out);
	acctname_lower(address, lc);
	r = acct_get(a, ACCT_PASSWD, buf_cstr(lc), why);
	buf_free(&lc);
	if (r <= 0)
		return r;
	v = buf_cstr(a->val);
	while (*v == ' ' || *v == '\t')
		v++;
	for (end = v; *end && *end != ' ' && *end != '\t'; end++)
		;
	buf_set(hash_out, v, (size_t)(end - v));
	explicit_bzero(buf_data(a->val), buf_len(a->val));
	buf_reset(a->val);
	return buf_len(hash_out) > 0 ? 1 : 0;
}

/* accounts_maildir_path - absolute path of a relative maildir */
int
accounts_maildir_path(const char *rel, struct buf *out, struct buf *why)
{
	buf_reset(out);
	if (acctmap_maildir_ok(rel, why) < 0)
		return -1;
	buf_printf(out, "%s/%s", var_mail_base, rel);
	return 0;
}

/* accounts_usage - size of a Maildir, by the mail store's own rules */
int
accounts_usage(const char *path, long long quota, long long *bytes_out,
    long *messages_out, struct buf *why)
{
	struct maildir_quota q = {quota > 0 ? (uint64_t)quota : 0, 0};
	struct maildir_usage u;

	if (!file_is_dir(path)) {
		buf_printf(why, "%s: no such Maildir", path);
		return -1;
	}
	if (maildir_quota_usage(path, quota > 0 ? &q : NULL, &u, why) < 0)
		return -1;
	if (bytes_out)
		*bytes_out = u.bytes < 0 ? 0 : (long long)u.bytes;
	if (messages_out)
		*messages_out = u.messages < 0 ? 0 : (long)u.messages;
	return 0;
}

/* Status texts. */

static const struct {
	const char *name;
	const char *reply;
} acct_status_text[] = {
    [ACCOUNTS_OK] = {"ok", "250 2.1.5 Ok"},
    [ACCOUNTS_NOT_HOSTED] = {"not hosted",
        "554 5.7.1 Recipient address rejected: Relay access denied"},
    [ACCOUNTS_UNKNOWN] = {"unknown",
        "550 5.1.1 Recipient address rejected: User unknown in virtual "
        "mailbox table"},
    [ACCOUNTS_DOMAIN_DISABLED] = {"domain disabled",
        "550 5.2.1 Recipient address rejected: Domain has been disabled"},
    [ACCOUNTS_DISABLED] = {"disabled",
        "550 5.2.1 Recipient address rejected: Account is not active"},
    [ACCOUNTS_LIST_DISABLED] = {"list disabled",
        "550 5.2.1 Recipient address rejected: Distribution list is not "
        "active"},
    [ACCOUNTS_OVER_QUOTA] = {"over quota",
        "552 5.2.2 Recipient address rejected: Mailbox full"},
    [ACCOUNTS_LOOP] = {"alias loop",
        "554 5.4.6 Recipient address rejected: Too many recursive "
        "forwards"},
    [ACCOUNTS_SENDER_DENIED] = {"sender not allowed",
        "550 5.7.1 Recipient address rejected: Not authorized to send to "
        "this list"},
    [ACCOUNTS_AUTH_REQUIRED] = {"authentication required",
        "550 5.7.1 Recipient address rejected: Authentication required to "
        "send to this list"},
    [ACCOUNTS_TEMPFAIL] = {"temporary failure",
        "451 4.3.0 Recipient address rejected: Temporary lookup failure"},
};

const char *
accounts_status_reply(enum accounts_status st)
{
	if ((size_t)st >= NELEM(acct_status_text))
		return "451 4.3.0 Temporary lookup failure";
	return acct_status_text[st].reply;
}

const char *
accounts_status_name(enum accounts_status st)
{
	if ((size_t)st >= NELEM(acct_status_text))
		return "unknown status";
	return acct_status_text[st].name;
}

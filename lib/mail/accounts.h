/*
 * accounts.h - hosted domains, accounts, aliases and distribution lists,
 * as the daemons look them up (the maps are described in
 * gannet-accounts(5); the commands that edit them in gannet(8)).
 *
 * Who calls what:
 *   smtpd, at RCPT TO      accounts_check_rcpt()
 *   qmgr/deliver           accounts_resolve(), accounts_user()
 *   pop3d/imapd            the auth reply (auth_client.h) names the
 *                          account, its maildir and quota; accounts_user()
 *                          and accounts_maildir_path() for the rest
 *   auth                   accounts_user(), accounts_password()
 *
 * Addresses are canonical in lower case. A domain alias is resolved
 * everywhere: joe@example.net is joe@example.com when example.net is an
 * alias of example.com. Two domains may each have a "joe".
 *
 * The order in which an address of a hosted domain is looked up:
 *   1. an alias with exactly that address (virtual_alias_maps),
 *   2. a distribution list (distribution_list_maps),
 *   3. an account (virtual_mailbox_maps),
 *   4. the catch-all alias "@domain", when one is configured,
 * so a catch-all takes only what no account, alias or list takes. Alias
 * targets, forwards and list members are expanded again the same way,
 * at most virtual_alias_recursion_limit levels deep and to at most
 * virtual_alias_expansion_limit targets; an address that leads back to
 * itself is a loop, and a loop or a chain too deep or too wide makes the
 * whole address fail (ACCOUNTS_LOOP), never deliver half. As in Postfix,
 * an alias that names itself among its targets ("joe@x -> joe@x,
 * archive@y") delivers to its own mailbox, which is not a loop.
 *
 * Maps are opened on first use and reopened by the map layer when they
 * are rebuilt, so a long-running daemon sees changes without a restart.
 */
#ifndef MAIL_ACCOUNTS_H
#define MAIL_ACCOUNTS_H
#include <time.h>

#include "util/sys_defs.h"

#include "util/strutil.h"

#include "proto/acctname.h"

struct buf;
struct accounts;

/* What became of an address; each has a suggested SMTP reply, see
 * accounts_status_reply(). */
enum accounts_status {
	ACCOUNTS_OK = 0,
	ACCOUNTS_NOT_HOSTED,      /* domain not hosted here (not ours) */
	ACCOUNTS_UNKNOWN,         /* 550 5.1.1 no such user */
	ACCOUNTS_DOMAIN_DISABLED, /* 550 5.2.1 domain disabled */
	ACCOUNTS_DISABLED,        /* 550 5.2.1 account disabled */
	ACCOUNTS_LIST_DISABLED,   /* 550 5.2.1 list disabled */
	ACCOUNTS_OVER_QUOTA,      /* 552 5.2.2 mailbox full */
	ACCOUNTS_LOOP,            /* 554 5.4.6 alias loop, too deep/wide */
	ACCOUNTS_SENDER_DENIED,   /* 550 5.7.1 list refuses this sender */
	ACCOUNTS_AUTH_REQUIRED,   /* 550 5.7.1 list needs SMTP AUTH */
	ACCOUNTS_TEMPFAIL,        /* 451 4.3.0 a map could not be read */
};

/* What an address of a hosted domain is. */
enum accounts_kind {
	ACCOUNTS_KIND_NONE = 0,
	ACCOUNTS_KIND_USER,     /* an account (mailbox) */
	ACCOUNTS_KIND_ALIAS,    /* an alias */
	ACCOUNTS_KIND_LIST,     /* a distribution list */
	ACCOUNTS_KIND_CATCHALL, /* taken by the domain's @domain alias */
};

/* accounts_open - an unopened handle on the maps named by the parameters
 * (virtual_mailbox_domains, virtual_mailbox_maps, virtual_alias_maps,
 * distribution_list_maps, auth_password_maps); never fails: a map that
 * cannot be opened makes the lookups that need it fail. */
struct accounts *accounts_open(void);
/* The maps, for accounts_open_lookup(). */
enum accounts_map {
	ACCOUNTS_MAP_DOMAINS,
	ACCOUNTS_MAP_USERS,
	ACCOUNTS_MAP_ALIASES,
	ACCOUNTS_MAP_LISTS,
	ACCOUNTS_MAP_PASSWORDS,
};
/* A lookup: 1 found (value in out), 0 not found, -1 error with why. */
typedef int (*accounts_lookup_fn)(enum accounts_map map, const char *key,
    struct buf *out, struct buf *why, void *ctx);
/* accounts_open_lookup - a handle whose lookups are answered by fn
 * instead of the maps (the gannet commands check an edit, loops
 * included, before they write it) */
struct accounts *accounts_open_lookup(accounts_lookup_fn fn, void *ctx);
/* accounts_close - close the maps, free, set *ap = NULL; NULL is fine */
void accounts_close(struct accounts **ap);

/* A hosted domain. */
struct accounts_domain {
	char name[ACCTNAME_DOMAIN_MAX + 1]; /* the hosted (canonical) name */
	bool is_alias;           /* the name asked for is another name of it */
	bool active;             /* false: disabled (the domain or the alias) */
	long max_accounts;       /* 0: no limit */
	long long max_size;      /* bytes all account quotas may add up to; 0 */
	long long default_quota; /* bytes, for new accounts; 0: no limit */
};

/* accounts_domain - is domain hosted here (itself or as a domain alias)?
 * 1 with out filled, 0 not hosted, -1 map error with why */
int accounts_domain(struct accounts *a, const char *domain,
    struct accounts_domain *out, struct buf *why);

/* An account. */
struct accounts_user {
	char address[ACCTNAME_ADDR_MAX + 1]; /* canonical local@domain */
	char *maildir;    /* relative to virtual_mailbox_base: "dom/local/" */
	long long quota;  /* bytes, 0: no limit */
	bool active;      /* the account and its domain are enabled */
	bool user_active; /* the account's own flag */
	struct strv forward; /* forwarding addresses, empty: none */
	bool keep_copy;      /* with forward: deliver to the mailbox too */
	bool autoreply;      /* send auto-replies (ar_until not passed) */
	char *ar_subject;    /* "" or NULL: "Re: <original subject>" */
	char *ar_text;       /* the reply body (may be NULL) */
	time_t ar_until;     /* 0, or the last second of replies */
};

/* accounts_user - the account of address (domain aliases resolved; an
 * alias or list address is not an account). 1 with out filled (free it
 * with accounts_user_free), 0 no such account, -1 map error with why */
int accounts_user(struct accounts *a, const char *address,
    struct accounts_user *out, struct buf *why);
void accounts_user_free(struct accounts_user *u);

/* The result of accounts_check_rcpt(). */
struct accounts_rcpt {
	enum accounts_status status;
	enum accounts_kind kind;
	char address[ACCTNAME_ADDR_MAX + 1]; /* canonical recipient, "" */
};

/* accounts_check_rcpt - everything smtpd can decide at RCPT TO about
 * rcpt: is the domain hosted (ACCOUNTS_NOT_HOSTED otherwise: relay rules
 * decide), disabled, does the recipient exist, is the account disabled
 * or over quota (when the mail store is readable by the caller: smtpd's
 * user usually cannot, and delivery enforces the quota), is there a
 * catch-all, does the alias chain resolve without a loop, and may sender
 * post to a list (sender is the MAIL FROM address, "" for <>; sasl_user
 * the authenticated login or NULL; either being a member or listed
 * sender is enough). An alias whose every destination fails is refused
 * with the first failure's status. Returns out->status; with
 * ACCOUNTS_TEMPFAIL, why says which map failed. */
enum accounts_status accounts_check_rcpt(struct accounts *a, const char *rcpt,
    const char *sender, const char *sasl_user, struct accounts_rcpt *out,
    struct buf *why);

/* One final destination of an address. */
enum accounts_target_kind {
	ACCOUNTS_TARGET_MAILBOX, /* a local Maildir */
	ACCOUNTS_TARGET_REMOTE,  /* an address of a domain not hosted here */
	ACCOUNTS_TARGET_FAILED,  /* a local address that cannot take mail */
};
struct accounts_target {
	enum accounts_target_kind kind;
	char *address;   /* MAILBOX: the account; else the address */
	char *maildir;   /* MAILBOX: relative to virtual_mailbox_base */
	long long quota; /* MAILBOX: bytes, 0: no limit */
	enum accounts_status status; /* FAILED: UNKNOWN, DISABLED, ... */
};
struct accounts_targets {
	struct accounts_target *v;
	size_t n, alloc;
};

/* accounts_resolve - expand address into its final destinations
 * (delivery): domain aliases, aliases, lists (without the sender check:
 * that was done at RCPT), forwarding with or without a local copy, and
 * the catch-all are applied, duplicates removed. out is emptied first.
 * Returns:
 *   ACCOUNTS_OK          out holds one or more targets; a target of an
 *                        alias or list that cannot take mail is a FAILED
 *                        target (bounce it), the others are delivered
 *   ACCOUNTS_NOT_HOSTED  the domain is not hosted: one REMOTE target
 *   ACCOUNTS_UNKNOWN, ACCOUNTS_DISABLED, ACCOUNTS_DOMAIN_DISABLED,
 *   ACCOUNTS_LIST_DISABLED, ACCOUNTS_LOOP   the address fails, out empty
 *   ACCOUNTS_TEMPFAIL    a map could not be read (why); try later */
enum accounts_status accounts_resolve(struct accounts *a, const char *address,
    struct accounts_targets *out, struct buf *why);
void accounts_targets_init(struct accounts_targets *t);
void accounts_targets_free(struct accounts_targets *t);

/* accounts_password - the password hash of a canonical account address
 * (auth only: nobody else can read the map). 1 with hash_out set, 0 no
 * hash, -1 map error with why */
int accounts_password(struct accounts *a, const char *address,
    struct buf *hash_out, struct buf *why);

/* accounts_maildir_path - virtual_mailbox_base/rel into out (reset), after
 * checking that rel stays below it. 0, or -1 with why */
int accounts_maildir_path(const char *rel, struct buf *out, struct buf *why);

/* accounts_usage - bytes and messages in the Maildir at path (absolute),
 * by maildir_quota_usage() (maildir.h): with quota > 0, from its Maildir++
 * "maildirsize" file, recomputed and rewritten when stale (so call it as
 * the mail store's owner, or expect a failure); with quota 0, by scanning
 * every folder, writing nothing. Either output may be NULL. 0, or -1 with
 * why (a caller that may not read the store, such as smtpd, gets -1). */
int accounts_usage(const char *path, long long quota, long long *bytes_out,
    long *messages_out, struct buf *why);

/* accounts_status_reply - the suggested SMTP reply for a status, such as
 * "550 5.1.1 Recipient address rejected: User unknown"; a constant */
const char *accounts_status_reply(enum accounts_status st);
/* accounts_status_name - a short name for logs ("unknown", "disabled") */
const char *accounts_status_name(enum accounts_status st);

#endif /* MAIL_ACCOUNTS_H */

/*
 * acctmap.h - the records of the account maps (gannet-accounts(5)): what
 * the value of a domains, users or lists map entry means, parsed and
 * written in one place for the lookup API (accounts.c) and the commands
 * that edit the maps.
 *
 * Values are kvlist fields ("name=value ...", see proto/kvlist.h).
 * Parsing is strict: an unknown field or a bad value makes the record
 * malformed, and a lookup that meets a malformed record fails (callers
 * answer with a temporary error), so that a typing mistake in a
 * hand-edited map defers mail instead of bouncing or misrouting it.
 *
 *   domains:  example.com  active=yes max_accounts=0 max_size=0
 *                          default_quota=0
 *             example.net  alias=example.com
 *   users:    joe@example.com  active=yes maildir=example.com/joe/
 *                          quota=0 forward=a@b.example keep_copy=yes
 *                          autoreply=no autoreply_subject=...
 *                          autoreply_text=... autoreply_until=2026-12-31
 *   lists:    staff@example.com  active=yes policy=members
 *                          members=a@example.com,b@example.org
 *                          senders= require_auth=no
 *   aliases:  info@example.com  joe@example.com, bob@example.org
 *             @example.com      joe@example.com       (catch-all)
 *   passwd:   joe@example.com  $y$j9T$...
 * Sizes are bytes (k, m, g, t suffixes accepted, 1024-based); booleans are
 * yes/no (1/0 accepted); a missing field takes its default.
 */
#ifndef MAIL_ACCTMAP_H
#define MAIL_ACCTMAP_H
#include <time.h>

#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;

/* Longest relative maildir path accepted in a users map. */
#define ACCTMAP_MAILDIR_MAX 512

struct acctmap_domain {
	bool active;             /* active=yes */
	char *alias;             /* alias=DOMAIN: another name of DOMAIN */
	long max_accounts;       /* max_accounts=N, 0: no limit */
	long long max_size;      /* max_size=BYTES: sum of account quotas */
	long long default_quota; /* default_quota=BYTES for new accounts */
};

struct acctmap_user {
	bool active;         /* active=yes */
	char *maildir;       /* maildir=domain/local/ (relative); NULL: the
	                      * default "<domain>/<local>/" */
	long long quota;     /* quota=BYTES, 0: no limit */
	struct strv forward; /* forward=a@x,b@y */
	bool keep_copy;      /* keep_copy=yes: deliver here too */
	bool autoreply;      /* autoreply=yes */
	char *ar_subject;    /* autoreply_subject= ("": "Re: <subject>") */
	char *ar_text;       /* autoreply_text= */
	char *ar_until;      /* autoreply_until=YYYY-MM-DD, NULL: none */
	time_t ar_until_t;   /* the end of that day, local time; 0: none */
};

enum acctmap_policy {
	ACCTMAP_POLICY_ANYONE,  /* policy=anyone */
	ACCTMAP_POLICY_MEMBERS, /* policy=members: members only */
	ACCTMAP_POLICY_SENDERS, /* policy=senders: the senders= list only */
};

struct acctmap_list {
	bool active; /* active=yes */
	enum acctmap_policy policy;
	struct strv members; /* members=a@x,b@y */
	struct strv senders; /* senders=c@z */
	bool require_auth;   /* require_auth=yes: SMTP AUTH needed */
};

void acctmap_domain_init(struct acctmap_domain *d);
void acctmap_domain_free(struct acctmap_domain *d);
/* acctmap_domain_parse - value of a domains entry; 0, or -1 with why */
int acctmap_domain_parse(
    const char *value, struct acctmap_domain *d, struct buf *why);
/* acctmap_domain_format - the value text, appended to out */
void acctmap_domain_format(const struct acctmap_domain *d, struct buf *out);

void acctmap_user_init(struct acctmap_user *u);
void acctmap_user_free(struct acctmap_user *u);
int acctmap_user_parse(
    const char *value, struct acctmap_user *u, struct buf *why);
void acctmap_user_format(const struct acctmap_user *u, struct buf *out);

void acctmap_list_init(struct acctmap_list *l);
void acctmap_list_free(struct acctmap_list *l);
int acctmap_list_parse(
    const char *value, struct acctmap_list *l, struct buf *why);
void acctmap_list_format(const struct acctmap_list *l, struct buf *out);
const char *acctmap_policy_name(enum acctmap_policy p);

/* acctmap_alias_parse - the targets of an aliases entry (separated by
 * commas and/or white space) into out (emptied first); 0, or -1 with why
 * when there is none */
int acctmap_alias_parse(const char *value, struct strv *out, struct buf *why);

/* acctmap_parse_size - "1048576", "100m", "2g"; 0, or -1 with why */
int acctmap_parse_size(const char *s, long long *out, struct buf *why);
/* acctmap_format_size - bytes in the shortest exact unit ("100m") */
void acctmap_format_size(long long n, struct buf *out);
/* acctmap_parse_date - "YYYY-MM-DD": the last second of that day, local
 * time; 0, or -1 with why */
int acctmap_parse_date(const char *s, time_t *out, struct buf *why);
/* acctmap_default_maildir - "<domain>/<local>/" of a canonical address */
void acctmap_default_maildir(const char *address, struct buf *out);
/* acctmap_maildir_ok - a relative maildir path that stays below the mail
 * store: no leading '/', no ".." or "." component, no empty component,
 * printable ASCII; 0, or -1 with why */
int acctmap_maildir_ok(const char *rel, struct buf *why);

#endif /* MAIL_ACCTMAP_H */

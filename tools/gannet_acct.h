/*
 * gannet_acct.h - what the account commands (gannet domain, user, alias,
 * list, and the --demo step of init) share: editing the account maps as
 * text files, under one lock, and rebuilding them.
 *
 * An edit is: gacct_begin() takes the lock of the instance's account
 * maps and reads their text files; gacct_get/set/del change entries in
 * memory; gacct_commit() writes each changed file atomically (keeping its
 * owner and mode, its comments and the form of the entries it did not
 * change) and rebuilds its .db, then releases the lock. Two
 * administrators editing at once are serialised by the lock, so neither
 * loses a change; whatever was checked under the lock still holds when
 * the files are written.
 */
#ifndef TOOLS_GANNET_ACCT_H
#define TOOLS_GANNET_ACCT_H
#include "util/sys_defs.h"

#include "util/strutil.h"

struct buf;
struct init_opts;

enum gacct_map {
	GACCT_DOMAINS,
	GACCT_USERS,
	GACCT_ALIASES,
	GACCT_LISTS,
	GACCT_PASSWD,
	GACCT_NMAPS,
};

struct gacct_item;
struct htable;

/* One text map being edited. */
struct gacct_file {
	char *spec;     /* the parameter's value, "hash:/path" */
	char *path;     /* the text file */
	bool buildable; /* hash: or btree: (a .db to rebuild) */
	bool dirty;
	struct gacct_item *items;
	size_t n, alloc;
	struct htable *index; /* lower-case key -> item number + 1 */
};

struct gacct_edit {
	int lockfd;
	struct gacct_file f[GACCT_NMAPS];
};

/* gacct_begin - lock and read every account map (fatal on errors) */
void gacct_begin(struct gacct_edit *e);
/* gacct_get - the value of key (any case) in map m, or NULL */
const char *gacct_get(struct gacct_edit *e, enum gacct_map m, const char *key);
/* gacct_set - replace the value of key, or append "key value" */
void gacct_set(
    struct gacct_edit *e, enum gacct_map m, const char *key, const char *value);
/* gacct_del - remove key; true when it was there */
bool gacct_del(struct gacct_edit *e, enum gacct_map m, const char *key);
/* gacct_walk - every entry of map m in file order; fn returns non-zero to
 * stop. Entries may be changed (not added) during the walk. */
void gacct_walk(struct gacct_edit *e, enum gacct_map m,
    int (*fn)(const char *key, const char *value, void *ctx), void *ctx);
/* gacct_commit - write and rebuild what changed, unlock (fatal on
 * errors: the text files are written first, so `gannet map build` of a
 * map named in the message finishes the job) */
void gacct_commit(struct gacct_edit *e);
/* gacct_end - unlock without writing */
void gacct_end(struct gacct_edit *e);

/* gacct_accounts - a lookup handle (accounts.h) over the edit as it
 * stands, to check it before it is written; close with accounts_close */
struct accounts *gacct_accounts(struct gacct_edit *e);
/* gacct_check_resolves - fatal when address, as the edit stands, loops
 * or fails to resolve (what = the change, for the message) */
void gacct_check_resolves(
    struct gacct_edit *e, const char *cmd, const char *address);

/* Shared checks, each fatal with a clear message. */

/* gacct_domain_of - the hosted domain of address (after '@', lower case)
 * into out; fatal when it is not hosted or is a domain alias */
void gacct_hosted_domain(struct gacct_edit *e, const char *cmd,
    const char *address, struct buf *out);
/* gacct_taken - what already uses address: "account", "alias",
 * "distribution list", or NULL */
const char *gacct_taken(struct gacct_edit *e, const char *address);
/* gacct_address - check and lower-case an account/alias/list address
 * (allow_catchall: "@domain" too) into out; fatal when malformed */
void gacct_address(
    const char *cmd, const char *arg, bool allow_catchall, struct buf *out);
/* gacct_targets - split and check alias targets / members (separate
 * arguments and/or commas) into out, lower-cased; fatal when malformed */
void gacct_targets(const char *cmd, char **args, int nargs, struct strv *out);
/* gacct_parse_size - a size argument; fatal when malformed */
long long gacct_parse_size(const char *cmd, const char *opt, const char *arg);

/* gacct_read_password - the new password: the first line of standard
 * input with --password-stdin (from_stdin), else asked twice on the
 * terminal without echo; fatal when neither is possible. The caller
 * frees the result with buf_free_secret. */
struct buf *gacct_read_password(const char *cmd, bool from_stdin);
/* gacct_hash_password - hash it with the configured scheme; fatal on
 * errors */
void gacct_hash_password(const char *password, struct buf *out);

/* gacct_make_maildir - create the Maildir of an account (new, cur, tmp)
 * for vmail_owner; a warning when it cannot */
void gacct_make_maildir(const char *maildir_rel);

/* gacct_create_maps - create the account maps that do not exist yet
 * (text with a header comment), build those without a .db, the password
 * hashes in a directory for root and auth_owner's group only */
void gacct_create_maps(void);

/* gacct_init_step - the step of `gannet init`: the empty account maps,
 * the auth service's user and directories, and with --demo the domain
 * example.test with alice and bob */
int gacct_init_step(const struct init_opts *o, struct buf *why);

#endif /* TOOLS_GANNET_ACCT_H */

/*
 * gannet_user.c - `gannet user`: accounts.
 *
 *   user add ADDRESS [--password-stdin | --no-password] [--quota SIZE]
 *                    [--disabled]
 *   user del ADDRESS
 *   user passwd ADDRESS [--password-stdin]
 *   user disable|enable ADDRESS
 *   user quota ADDRESS SIZE              (0: no limit)
 *   user forward ADDRESS TARGET... [--no-keep] | --off
 *   user autoreply ADDRESS [--subject TEXT] [--text TEXT | --text-file F]
 *                          [--until YYYY-MM-DD] | --off
 *   user show ADDRESS
 *   user list [DOMAIN]                   (with the size of each Maildir)
 *   user hash [--password-stdin] [--scheme S]
 *   user login LOGIN [--password-stdin] [--service S] [--client ADDRESS]
 *                    ask the auth service, as pop3d or imapd would
 *
 * Passwords never come from the command line (other users can read it
 * in /proc): standard input with --password-stdin, or the terminal,
 * without echo. They are read before the maps are locked, so that a
 * prompt never holds up another administrator.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <time.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/pwhash.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"

#include "mail/accounts.h"
#include "mail/auth_client.h"
#include "mail/acctmap.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

#include "gannet.h"
#include "gannet_acct.h"

static const char user_usage[] =
    "user add ADDRESS [--password-stdin | --no-password] [--quota SIZE] "
    "[--disabled]\n"
    "       gannet user del|show|disable|enable ADDRESS\n"
    "       gannet user passwd ADDRESS [--password-stdin]\n"
    "       gannet user quota ADDRESS SIZE\n"
    "       gannet user forward ADDRESS TARGET... [--no-keep] | --off\n"
    "       gannet user autoreply ADDRESS [--subject TEXT] [--text TEXT | "
    "--text-file FILE] [--until YYYY-MM-DD] | --off\n"
    "       gannet user list [DOMAIN]\n"
    "       gannet user hash [--password-stdin] [--scheme SCHEME]\n"
    "       gannet user login LOGIN [--password-stdin] [--service NAME] "
    "[--client ADDRESS]";

/* user_get - the parsed record of an account; fatal when absent */
static void
user_get(struct gacct_edit *e, const char *cmd, const char *addr,
    struct acctmap_user *u)
{
	const char *v = gacct_get(e, GACCT_USERS, addr);
	struct buf *why = buf_new(64);

	if (v == NULL) {
		const char *other = gacct_taken(e, addr);

		if (other)
			log_fatal(
			    "%s: %s is %s, not an account", cmd, addr, other);
		log_fatal("%s: no account %s", cmd, addr);
	}
	if (acctmap_user_parse(v, u, why) < 0)
		log_fatal("%s: %s: %s", cmd, addr, buf_cstr(why));
	buf_free(&why);
}

/* user_put - write the record back */
static void
user_put(struct gacct_edit *e, const char *addr, const struct acctmap_user *u)
{
	struct buf *val = buf_new(128);

	acctmap_user_format(u, val);
	gacct_set(e, GACCT_USERS, addr, buf_cstr(val));
	buf_free(&val);
}

/* The accounts of one domain, and what their quotas add up to. */
struct user_sum {
	const char *domain;
	const char *except;
	long count;
	long long quota;
	bool unlimited; /* some account has no quota */
};

static int
user_sum_one(const char *key, const char *value, void *ctx)
{
	struct user_sum *s = ctx;
	const char *at = strrchr(key, '@');
	struct acctmap_user u;
	struct buf *why = buf_new(64);

	if (at && str_eq_ci(at + 1, s->domain)
	    && (s->except == NULL || !str_eq_ci(key, s->except))) {
		s->count++;
		acctmap_user_init(&u);
		if (acctmap_user_parse(value, &u, why) == 0) {
			s->quota += u.quota;
			s->unlimited |= u.quota == 0;
		}
		acctmap_user_free(&u);
	}
	buf_free(&why);
	return 0;
}

/* user_domain_limits - the domain's limits allow an account with quota
 * (a new one when adding, else addr's new quota) */
static void
user_domain_limits(struct gacct_edit *e, const char *cmd, const char *domain,
    const char *addr, long long quota, bool adding)
{
	struct acctmap_domain d;
	struct user_sum s;
	struct buf *why = buf_new(64), *a = buf_new(16), *b = buf_new(16);

	acctmap_domain_init(&d);
	if (acctmap_domain_parse(gacct_get(e, GACCT_DOMAINS, domain), &d, why)
	    < 0)
		log_fatal("%s: domain %s: %s", cmd, domain, buf_cstr(why));
	memset(&s, 0, sizeof(s));
	s.domain = domain;
	s.except = addr;
	gacct_walk(e, GACCT_USERS, user_sum_one, &s);
	if (adding && d.max_accounts > 0 && s.count >= d.max_accounts)
		log_fatal("%s: domain %s has reached its limit of %ld "
		          "account(s) (gannet domain set %s --max-accounts N)",
		    cmd, domain, d.max_accounts, domain);
	if (d.max_size > 0) {
		acctmap_format_size(d.max_size, a);
		if (quota == 0)
			log_fatal("%s: domain %s limits the total size to %s: "
			          "give the account a quota (--quota SIZE)",
			    cmd, domain, buf_cstr(a));
		if (s.quota + quota > d.max_size) {
			acctmap_format_size(d.max_size - s.quota, b);
			log_fatal("%s: domain %s limits the total of its "
			          "quotas to %s; %s are left",
			    cmd, domain, buf_cstr(a),
			    s.quota < d.max_size ? buf_cstr(b) : "none");
		}
	}
	acctmap_domain_free(&d);
	buf_free(&why);
	buf_free(&a);
	buf_free(&b);
}

/* user_add - a new account */
static void
user_add(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_user u;
	struct acctmap_domain d;
	struct buf *dom = buf_new(64), *pw = NULL, *hash = buf_new(128),
	           *val = buf_new(64), *why = buf_new(64);
	bool from_stdin = false, no_password = false, disabled = false;
	long long quota = -1;
	const char *other;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = true;
		else if (strcmp(argv[i], "--no-password") == 0)
			no_password = true;
		else if (strcmp(argv[i], "--disabled") == 0)
			disabled = true;
		else if (strcmp(argv[i], "--quota") == 0 && i + 1 < argc) {
			quota =
			    gacct_parse_size("user add", argv[i], argv[i + 1]);
			i++;
		} else
			gannet_usage_error(user_usage);
	}
	if (from_stdin && no_password)
		gannet_usage_error(user_usage);
	if (!no_password) {
		pw = gacct_read_password("user add", from_stdin);
		gacct_hash_password(buf_cstr(pw), hash);
	}

	gacct_begin(&e);
	gacct_hosted_domain(&e, "user add", addr, dom);
	if ((other = gacct_taken(&e, addr)) != NULL)
		log_fatal("user add: %s already exists (%s)", addr, other);
	acctmap_domain_init(&d);
	if (acctmap_domain_parse(
	        gacct_get(&e, GACCT_DOMAINS, buf_cstr(dom)), &d, why)
	    < 0)
		log_fatal(
		    "user add: domain %s: %s", buf_cstr(dom), buf_cstr(why));
	if (quota < 0)
		quota = d.default_quota;
	user_domain_limits(&e, "user add", buf_cstr(dom), addr, quota, true);

	acctmap_user_init(&u);
	u.active = !disabled;
	u.quota = quota;
	acctmap_default_maildir(addr, val);
	u.maildir = xstrdup(buf_cstr(val));
	user_put(&e, addr, &u);
	if (pw)
		gacct_set(&e, GACCT_PASSWD, addr, buf_cstr(hash));
	gacct_commit(&e);
	gacct_make_maildir(u.maildir);
	printf("gannet: account %s added%s\n", addr,
	    pw ? "" : " (no password: it cannot log in)");
	acctmap_user_free(&u);
	acctmap_domain_free(&d);
	buf_free_secret(&pw);
	buf_free_secret(&hash);
	buf_free(&dom);
	buf_free(&val);
	buf_free(&why);
}

/* user_del - remove an account (its mailbox stays) */
static void
user_del(const char *addr)
{
	struct gacct_edit e;
	struct acctmap_user u;
	struct buf *path = buf_new(64), *why = buf_new(64);

	gacct_begin(&e);
	acctmap_user_init(&u);
	user_get(&e, "user del", addr, &u);
	gacct_del(&e, GACCT_USERS, addr);
	gacct_del(&e, GACCT_PASSWD, addr);
	gacct_commit(&e);
	if (u.maildir == NULL)
		acctmap_default_maildir(addr, why);
	else
		buf_sets(why, u.maildir);
	accounts_maildir_path(buf_cstr(why), path, why);
	printf("gannet: account %s deleted; its mailbox is kept in %s\n", addr,
	    buf_cstr(path));
	acctmap_user_free(&u);
	buf_free(&path);
	buf_free(&why);
}

/* user_passwd - a new password */
static void
user_passwd(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_user u;
	struct buf *pw, *hash = buf_new(128);
	bool from_stdin = false;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = true;
		else
			gannet_usage_error(user_usage);
	}
	pw = gacct_read_password("user passwd", from_stdin);
	gacct_hash_password(buf_cstr(pw), hash);
	gacct_begin(&e);
	acctmap_user_init(&u);
	user_get(&e, "user passwd", addr, &u);
	gacct_set(&e, GACCT_PASSWD, addr, buf_cstr(hash));
	gacct_commit(&e);
	printf("gannet: password of %s changed\n", addr);
	acctmap_user_free(&u);
	buf_free_secret(&pw);
	buf_free_secret(&hash);
}

/* user_active - enable or disable */
static void
user_active(const char *addr, bool active)
{
	struct gacct_edit e;
	struct acctmap_user u;

	gacct_begin(&e);
	acctmap_user_init(&u);
	user_get(&e, active ? "user enable" : "user disable", addr, &u);
	u.active = active;
	user_put(&e, addr, &u);
	gacct_commit(&e);
	printf(
	    "gannet: account %s %s\n", addr, active ? "enabled" : "disabled");
	acctmap_user_free(&u);
}

/* user_quota - a new quota */
static void
user_quota(const char *addr, const char *arg)
{
	struct gacct_edit e;
	struct acctmap_user u;
	struct buf *dom = buf_new(64), *s = buf_new(16);
	long long quota = gacct_parse_size("user quota", "SIZE", arg);

	gacct_begin(&e);
	acctmap_user_init(&u);
	user_get(&e, "user quota", addr, &u);
	gacct_hosted_domain(&e, "user quota", addr, dom);
	user_domain_limits(&e, "user quota", buf_cstr(dom), addr, quota, false);
	u.quota = quota;
	user_put(&e, addr, &u);
	gacct_commit(&e);
	acctmap_format_size(quota, s);
	printf("gannet: quota of %s is %s\n", addr,
	    quota ? buf_cstr(s) : "unlimited");
	acctmap_user_free(&u);
	buf_free(&dom);
	buf_free(&s);
}

/* user_forward - forwarding on or off */
static void
user_forward(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_user u;
	struct strv targets;
	bool off = false, keep = true;
	char **args = xcalloc((size_t)argc, sizeof(char *));
	int nargs = 0;
	char *joined;

	strv_init(&targets);
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--off") == 0)
			off = true;
		else if (strcmp(argv[i], "--no-keep") == 0)
			keep = false;
		else if (strcmp(argv[i], "--keep") == 0)
			keep = true;
		else if (argv[i][0] == '-')
			gannet_usage_error(user_usage);
		else
			args[nargs++] = argv[i];
	}
	if (off == (nargs > 0))
		gannet_usage_error(user_usage);
	gacct_targets("user forward", args, nargs, &targets);
	if (targets.n == 1 && strcmp(targets.v[0], addr) == 0)
		log_fatal("user forward: %s cannot forward to itself", addr);
	gacct_begin(&e);
	acctmap_user_init(&u);
	user_get(&e, "user forward", addr, &u);
	strv_free(&u.forward);
	for (size_t i = 0; i < targets.n; i++)
		strv_push(&u.forward, targets.v[i]);
	u.keep_copy = keep;
	user_put(&e, addr, &u);
	gacct_check_resolves(&e, "user forward", addr);
	gacct_commit(&e);
	joined = strv_join(&targets, ", ");
	if (off)
		printf("gannet: %s: forwarding off\n", addr);
	else
		printf("gannet: %s: forwarded to %s%s\n", addr, joined,
		    keep ? ", keeping a copy" : "");
	free(joined);
	free(args);
	strv_free(&targets);
	acctmap_user_free(&u);
}

/* user_autoreply - the auto-reply settings */
static void
user_autoreply(const char *addr, int argc, char **argv)
{
	struct gacct_edit e;
	struct acctmap_user u;
	const char *subject = NULL, *text = NULL, *file = NULL, *until = NULL;
	struct buf *body = buf_new(256), *why = buf_new(64);
	bool off = false;
	time_t t;

	for (int i = 3; i < argc; i++) {
		const char **opt = NULL;

		if (strcmp(argv[i], "--off") == 0) {
			off = true;
			continue;
		}
		if (strcmp(argv[i], "--subject") == 0)
			opt = &subject;
		else if (strcmp(argv[i], "--text") == 0)
			opt = &text;
		else if (strcmp(argv[i], "--text-file") == 0)
			opt = &file;
		else if (strcmp(argv[i], "--until") == 0)
			opt = &until;
		if (opt == NULL || i + 1 >= argc)
			gannet_usage_error(user_usage);
		*opt = argv[++i];
	}
	if ((off && (subject || text || file || until)) || (text && file))
		gannet_usage_error(user_usage);
	if (until && acctmap_parse_date(until, &t, why) < 0)
		log_fatal("user autoreply: --until: %s", buf_cstr(why));
	if (until && t < time(NULL))
		log_fatal("user autoreply: --until %s is in the past", until);
	if (file) {
		if (file_read(strcmp(file, "-") == 0 ? "/dev/stdin" : file,
		        64 * 1024, body, why)
		    < 0)
			log_fatal("user autoreply: %s", buf_cstr(why));
		text = buf_cstr(body);
	}
	if (text && strlen(text) != (file ? buf_len(body) : strlen(text)))
		log_fatal("user autoreply: the text contains a NUL byte");
	gacct_begin(&e);
	acctmap_user_init(&u);
	user_get(&e, "user autoreply", addr, &u);
	if (off) {
		u.autoreply = false;
	} else {
		u.autoreply = true;
		if (subject) {
			free(u.ar_subject);
			u.ar_subject = xstrdup(subject);
		}
		if (text) {
			free(u.ar_text);
			u.ar_text = xstrdup(text);
		}
		if (until) {
			free(u.ar_until);
			u.ar_until = xstrdup(until);
		}
		if (u.ar_text == NULL || *u.ar_text == 0)
			log_fatal("user autoreply: give the reply's text with "
			          "--text or --text-file");
	}
	user_put(&e, addr, &u);
	gacct_commit(&e);
	if (off)
		printf("gannet: %s: auto-reply off\n", addr);
	else
		printf("gannet: %s: auto-reply on%s%s\n", addr,
		    u.ar_until ? " until " : "", u.ar_until ? u.ar_until : "");
	acctmap_user_free(&u);
	buf_free(&body);
	buf_free(&why);
}

/* user_print - one account, for list and show */
static void
user_print(const char *addr, const char *value, bool verbose)
{
	struct acctmap_user u;
	struct buf *why = buf_new(64), *rel = buf_new(64), *path = buf_new(64),
	           *s = buf_new(16);
	long long bytes;
	long msgs;

	acctmap_user_init(&u);
	if (acctmap_user_parse(value, &u, why) < 0) {
		printf("%s\tmalformed: %s\n", addr, buf_cstr(why));
		goto out;
	}
	if (u.maildir)
		buf_sets(rel, u.maildir);
	else
		acctmap_default_maildir(addr, rel);
	acctmap_format_size(u.quota, s);
	printf("%s\t%s\tquota=%s", addr, u.active ? "active" : "disabled",
	    u.quota ? buf_cstr(s) : "none");
	if (accounts_maildir_path(buf_cstr(rel), path, why) == 0
	    && accounts_usage(buf_cstr(path), 0, &bytes, &msgs, why) == 0)
		printf(" usage=%lld messages=%ld", bytes, msgs);
	else
		printf(" usage=?");
	if (u.forward.n) {
		char *j = strv_join(&u.forward, ",");

		printf(
		    " forward=%s keep_copy=%s", j, u.keep_copy ? "yes" : "no");
		free(j);
	}
	if (u.autoreply)
		printf(" autoreply=yes");
	printf("\n");
	if (verbose) {
		printf("  maildir: %s\n", buf_cstr(path));
		if (u.autoreply || u.ar_text) {
			printf("  auto-reply: %s%s%s\n",
			    u.autoreply ? "on" : "off",
			    u.ar_until ? ", until " : "",
			    u.ar_until ? u.ar_until : "");
			printf("  subject: %s\n",
			    u.ar_subject && *u.ar_subject
			        ? u.ar_subject
			        : "(Re: the original subject)");
			printf("  text:\n%s%s", u.ar_text ? u.ar_text : "",
			    u.ar_text && *u.ar_text
			            && u.ar_text[strlen(u.ar_text) - 1] != '\n'
			        ? "\n"
			        : "");
		}
	}
out:
	acctmap_user_free(&u);
	buf_free(&why);
	buf_free(&rel);
	buf_free(&path);
	buf_free(&s);
}

static int
user_list_one(const char *key, const char *value, void *ctx)
{
	const char *domain = ctx;
	const char *at = strrchr(key, '@');

	if (domain == NULL || (at && str_eq_ci(at + 1, domain)))
		user_print(key, value, false);
	return 0;
}

/* user_hash - print a hash for a hand-written map */
static void
user_hash(int argc, char **argv)
{
	const char *scheme = var_auth_password_scheme;
	bool from_stdin = false;
	struct buf *pw, *hash = buf_new(128), *why = buf_new(64);

	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = true;
		else if (strcmp(argv[i], "--scheme") == 0 && i + 1 < argc)
			scheme = argv[++i];
		else
			gannet_usage_error(user_usage);
	}
	pw = gacct_read_password("user hash", from_stdin);
	if (pwhash_make(buf_cstr(pw), scheme, var_auth_password_cost, hash, why)
	    < 0)
		log_fatal("user hash: %s", buf_cstr(why));
	printf("%s\n", buf_cstr(hash));
	buf_free_secret(&pw);
	buf_free(&hash);
	buf_free(&why);
}

/* user_login - one login through the auth service; the exit status */
static int
user_login(int argc, char **argv)
{
	struct auth_request req = {
	    .login = argv[2], .service = "gannet", .client = "127.0.0.1"};
	struct auth_result r;
	bool from_stdin = false;
	struct buf *pw;
	int rc;

	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--password-stdin") == 0)
			from_stdin = true;
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
			req.service = argv[++i];
		else if (strcmp(argv[i], "--client") == 0 && i + 1 < argc)
			req.client = argv[++i];
		else
			gannet_usage_error(user_usage);
	}
	/* Any password, even one too short to be set: this is a test. */
	pw = buf_new_capped(64, PWHASH_PASSWORD_MAX + 1);
	if (from_stdin) {
		struct buf *line = buf_new(64);

		if (file_read("/dev/stdin", PWHASH_PASSWORD_MAX + 2, line, pw)
		    < 0)
			log_fatal("user login: %s", buf_cstr(pw));
		buf_set(pw, buf_cstr(line), strcspn(buf_cstr(line), "\r\n"));
		buf_free_secret(&line);
	} else {
		buf_free(&pw);
		pw = gacct_read_password("user login", false);
	}
	req.password = buf_cstr(pw);
	auth_result_init(&r);
	switch (auth_client_login(&req, &r)) {
	case AUTH_OK:
		printf("ok: user=%s maildir=%s quota=%lld\n", buf_cstr(r.user),
		    buf_cstr(r.maildir), r.quota);
		rc = 0;
		break;
	default:
		printf(
		    "%s: %s\n", auth_status_name(r.status), buf_cstr(r.reason));
		rc = 1;
	}
	auth_result_free(&r);
	buf_free_secret(&pw);
	return rc;
}

/* gannet_cmd_user - the user subcommand */
int
gannet_cmd_user(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	struct buf *addr = buf_new(64);

	gannet_load_config();
	if (strcmp(sub, "login") == 0 && argc >= 3) {
		buf_free(&addr);
		return user_login(argc, argv);
	}
	if (strcmp(sub, "hash") == 0) {
		user_hash(argc, argv);
		buf_free(&addr);
		return 0;
	}
	if (strcmp(sub, "list") == 0 && argc <= 3) {
		struct gacct_edit e;

		if (argc == 3)
			acctname_lower(argv[2], addr);
		gacct_begin(&e);
		gacct_walk(&e, GACCT_USERS, user_list_one,
		    argc == 3 ? buf_data(addr) : NULL);
		gacct_end(&e);
		buf_free(&addr);
		return 0;
	}
	if (argc < 3)
		gannet_usage_error(user_usage);
	{
		struct buf *cmd = buf_new(16);

		buf_printf(cmd, "user %s", sub);
		gacct_address(buf_cstr(cmd), argv[2], false, addr);
		buf_free(&cmd);
	}
	if (strcmp(sub, "add") == 0) {
		user_add(buf_cstr(addr), argc, argv);
	} else if (strcmp(sub, "del") == 0 && argc == 3) {
		user_del(buf_cstr(addr));
	} else if (strcmp(sub, "passwd") == 0) {
		user_passwd(buf_cstr(addr), argc, argv);
	} else if ((strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0)
	    && argc == 3) {
		user_active(buf_cstr(addr), strcmp(sub, "enable") == 0);
	} else if (strcmp(sub, "quota") == 0 && argc == 4) {
		user_quota(buf_cstr(addr), argv[3]);
	} else if (strcmp(sub, "forward") == 0) {
		user_forward(buf_cstr(addr), argc, argv);
	} else if (strcmp(sub, "autoreply") == 0) {
		user_autoreply(buf_cstr(addr), argc, argv);
	} else if (strcmp(sub, "show") == 0 && argc == 3) {
		struct gacct_edit e;
		const char *v;

		gacct_begin(&e);
		if ((v = gacct_get(&e, GACCT_USERS, buf_cstr(addr))) == NULL)
			log_fatal("user show: no account %s", buf_cstr(addr));
		user_print(buf_cstr(addr), v, true);
		gacct_end(&e);
	} else {
		gannet_usage_error(user_usage);
	}
	buf_free(&addr);
	return 0;
}

/*
 * gannet_acct_init.c - the accounts step of `gannet init`: empty account
 * maps, the auth service's user and state directory, and with --demo the
 * domain example.test with the users alice and bob.
 *
 * The demo passwords are random, printed once and kept in
 * DIR/demo-passwords (mode 0600) so that `make run` can show them every
 * time it starts the demo instance.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/xalloc.h"

#include "mail/acctmap.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

#include "gannet.h"
#include "gannet_acct.h"
#include "gannet_init.h"

#define DEMO_DOMAIN "example.test"

static const char *const demo_users[] = {"alice", "bob"};

/* acct_init_user - the auth service's user (root only) */
static struct passwd *
acct_init_user(const char *name)
{
	struct passwd *pw = getpwnam(name);
	char *argv[] = {"useradd", "--system", "--user-group", "--home-dir",
	    "/nonexistent", "--no-create-home", "--shell", "/usr/sbin/nologin",
	    (char *)name, NULL};

	if (pw)
		return pw;
	if (gannet_run(argv) != 0)
		log_fatal("init: could not create user %s with useradd", name);
	if ((pw = getpwnam(name)) == NULL)
		log_fatal("init: user %s still missing after useradd", name);
	log_info("init: created user %s", name);
	return pw;
}

/* acct_init_services - name the auth service's user in services.conf */
static void
acct_init_services(const char *dir, const char *user)
{
	struct buf *path = buf_new(128), *text = buf_new(4096),
	           *out = buf_new(4096), *why = buf_new(64);
	const char *p, *hit;
	static const char key[] = "@AUTH_OWNER@";

	buf_printf(path, "%s/services.conf", dir);
	if (file_read(buf_cstr(path), 1 << 20, text, why) < 0)
		log_fatal("init: %s", buf_cstr(why));
	for (p = buf_cstr(text); (hit = strstr(p, key)) != NULL;
	     p = hit + sizeof(key) - 1) {
		buf_cat(out, p, (size_t)(hit - p));
		buf_cats(out, user);
	}
	buf_cats(out, p);
	if (!buf_eq(out, buf_cstr(text))
	    && file_write_atomic(
	           buf_cstr(path), buf_cstr(out), buf_len(out), 0644, why)
	        < 0)
		log_fatal("init: %s", buf_cstr(why));
	buf_free(&path);
	buf_free(&text);
	buf_free(&out);
	buf_free(&why);
}

/* acct_init_state - the directory of the ban database; auth_uid -1 when
 * not root */
static void
acct_init_state(uid_t auth_uid, gid_t auth_gid)
{
	struct buf *dir = buf_new(128), *why = buf_new(64);

	file_dirname(var_auth_ban_database, dir);
	if (file_mkdirs(buf_cstr(dir), 0700, why) < 0)
		log_fatal("init: %s", buf_cstr(why));
	if (auth_uid != (uid_t)-1) {
		if (chown(buf_cstr(dir), auth_uid, auth_gid) < 0
		    || chmod(buf_cstr(dir), 0700) < 0)
			log_fatal("init: %s: %m", buf_cstr(dir));
		/* data_directory is mail_owner's (0700); the auth service,
		 * another user, must pass through it to reach its own: others
		 * may traverse it (0711, as gannet check expects), not list
		 * it, and every database in it has its own mode. */
		if (strcmp(var_data_dir, buf_cstr(dir)) != 0
		    && chmod(var_data_dir, 0711) < 0)
			log_fatal("init: chmod %s: %m", var_data_dir);
	}
	buf_free(&dir);
	buf_free(&why);
}

/* acct_init_password - a random password a person can type */
static void
acct_init_password(struct buf *out)
{
	static const char chars[] = "abcdefghijkmnpqrstuvwxyz"
	                            "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	unsigned char rnd[16];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		log_fatal("init: getrandom: %m");
	buf_reset(out);
	/* 56 symbols: 256 % 56 leaves a bias too small to matter here. */
	for (size_t i = 0; i < sizeof(rnd); i++)
		buf_catc(out, chars[rnd[i] % (sizeof(chars) - 1)]);
	explicit_bzero(rnd, sizeof(rnd));
}

/* acct_init_demo - example.test with alice and bob */
static void
acct_init_demo(const struct init_opts *o)
{
	struct gacct_edit e;
	struct acctmap_domain d;
	struct buf *val = buf_new(128), *pw = buf_new(32), *hash = buf_new(128),
	           *list = buf_new(128), *path = buf_new(128),
	           *why = buf_new(64);
	struct strv addrs;

	strv_init(&addrs);
	gacct_begin(&e);
	acctmap_domain_init(&d);
	acctmap_domain_format(&d, val);
	gacct_set(&e, GACCT_DOMAINS, DEMO_DOMAIN, buf_cstr(val));
	for (size_t i = 0; i < NELEM(demo_users); i++) {
		struct acctmap_user u;
		struct buf *addr = buf_new(64);

		buf_printf(addr, "%s@%s", demo_users[i], DEMO_DOMAIN);
		acctmap_user_init(&u);
		acctmap_default_maildir(buf_cstr(addr), val);
		u.maildir = xstrdup(buf_cstr(val));
		buf_reset(val);
		acctmap_user_format(&u, val);
		gacct_set(&e, GACCT_USERS, buf_cstr(addr), buf_cstr(val));
		acct_init_password(pw);
		gacct_hash_password(buf_cstr(pw), hash);
		gacct_set(&e, GACCT_PASSWD, buf_cstr(addr), buf_cstr(hash));
		buf_printf(list, "%s %s\n", buf_cstr(addr), buf_cstr(pw));
		strv_push(&addrs, u.maildir);
		acctmap_user_free(&u);
		buf_free(&addr);
	}
	gacct_commit(&e);
	for (size_t i = 0; i < addrs.n; i++)
		gacct_make_maildir(addrs.v[i]);
	buf_printf(path, "%s/demo-passwords", o->dir);
	if (file_write_atomic(
	        buf_cstr(path), buf_cstr(list), buf_len(list), 0600, why)
	    < 0)
		log_fatal("init: %s", buf_cstr(why));
	printf("gannet: demo domain %s; users and passwords (also in %s):\n",
	    DEMO_DOMAIN, buf_cstr(path));
	fputs(buf_cstr(list), stdout);
	strv_free(&addrs);
	buf_free(&val);
	buf_free_secret(&pw);
	buf_free(&hash);
	buf_free_secret(&list);
	buf_free(&path);
	buf_free(&why);
}

/* gacct_init_step - the step of gannet init */
int
gacct_init_step(const struct init_opts *o, struct buf *why)
{
	struct passwd *me;
	uid_t auth_uid = (uid_t)-1;
	gid_t auth_gid = (gid_t)-1;

	if (getuid() == 0) {
		struct passwd *auth = acct_init_user(var_auth_owner);

		auth_uid = auth->pw_uid;
		auth_gid = auth->pw_gid;
		acct_init_services(o->dir, var_auth_owner);
	} else {
		/* Every service runs as the instance's user anyway; the
		 * column needs a name that parses. */
		if ((me = getpwuid(getuid())) == NULL)
			log_fatal("init: who am I? (uid %lu has no passwd "
			          "entry)",
			    (unsigned long)getuid());
		acct_init_services(o->dir, me->pw_name);
	}
	gacct_create_maps();
	acct_init_state(auth_uid, auth_gid);
	if (o->demo)
		acct_init_demo(o);
	return 0;
}

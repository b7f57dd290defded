/*
 * gannet_init.c - `gannet init DIR [--port-base N] [--hostname NAME]
 * [--demo]`: create a complete, self-contained instance.
 *
 * The instance holds everything under DIR (configuration, service table,
 * maps, TLS certificate, queue, mail store, data, log), with paths written
 * as $config_directory/..., so that the directory can be moved. The one
 * exception is DIR = /etc/gannet, the system instance, which keeps the FHS
 * places of the defaults (/var/spool/gannet, /var/lib/gannet,
 * /var/mail/vhosts, syslog).
 *
 * As root, init creates the mail_owner and vmail_owner users when missing
 * and gives the queue to the first and the mail store to the second. As
 * any other user, the instance runs entirely as that user.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/params.h"
#include "mail/params_imapd.h"
#include "mail/params_pickup.h"
#include "mail/tls_cert.h"

#include "gannet.h"
#include "gannet_acct.h"
#include "gannet_init.h"

extern const char tmpl_gannet_conf[];
extern const char tmpl_services_conf[];

/* The queue's subdirectories (see the queue format in smtpd(8)). */
static const char *const init_queue_dirs[] = {
    "incoming",
    "active",
    "deferred",
    "hold",
    "corrupt",
    "maildrop",
    "private",
    "public",
    "pid",
    "bounce",
    "defer",
    "tmp",
};

/* Standard ports, and their offsets from --port-base. */
static const struct {
	const char *key;
	int port;
} init_ports[] = {
    {"@SMTP@", 25},
    {"@SUBMISSION@", 587},
    {"@SUBMISSIONS@", 465},
    {"@POP3@", 110},
    {"@POP3S@", 995},
    {"@IMAP@", 143},
    {"@IMAPS@", 993},
};

/* init_subst - replace every @KEY@ in text */
static void
init_subst(struct buf *text, const char *key, const char *value)
{
	struct buf *out = buf_new(buf_len(text) + 64);
	const char *p = buf_cstr(text), *hit;
	size_t klen = strlen(key);

	while ((hit = strstr(p, key)) != NULL) {
		buf_cat(out, p, (size_t)(hit - p));
		buf_cats(out, value);
		p = hit + klen;
	}
	buf_cats(out, p);
	buf_set(text, buf_cstr(out), buf_len(out));
	buf_free(&out);
}

/* init_ensure_user - create a system user when missing (root only) */
static struct passwd *
init_ensure_user(const char *name)
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

/* init_ensure_group - a system group, created when missing (root) */
static gid_t
init_ensure_group(const char *name)
{
	struct group *gr = getgrnam(name);
	char *argv[] = {"groupadd", "--system", (char *)name, NULL};

	if (gr)
		return gr->gr_gid;
	if (gannet_run(argv) != 0)
		log_fatal(
		    "init: could not create group %s with groupadd", name);
	if ((gr = getgrnam(name)) == NULL)
		log_fatal("init: group %s still missing after groupadd", name);
	log_info("init: created group %s", name);
	return gr->gr_gid;
}

/* init_mkdir - one directory with owner and mode */
static void
init_mkdir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct buf *why = buf_new(128);

	if (file_mkdirs(path, 0755, why) < 0)
		log_fatal("init: %s", buf_cstr(why));
	if (chmod(path, mode) < 0)
		log_fatal("init: chmod %s: %m", path);
	if (getuid() == 0 && chown(path, uid, gid) < 0)
		log_fatal("init: chown %s: %m", path);
	buf_free(&why);
}

/* init_write - a new file with mode */
static void
init_write(const char *path, const struct buf *text, mode_t mode)
{
	struct buf *why = buf_new(128);

	if (file_write_atomic(path, buf_cstr(text), buf_len(text), mode, why)
	    < 0)
		log_fatal("init: %s", buf_cstr(why));
	buf_free(&why);
}

/* init_absolute - DIR made absolute (no symlink resolution needed) */
static char *
init_absolute(const char *dir)
{
	char cwd[4096];
	struct buf *b = buf_new(256);
	char *s;

	if (dir[0] == '/') {
		buf_cats(b, dir);
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL)
			log_fatal("init: getcwd: %m");
		buf_printf(b, "%s/%s", cwd, dir);
	}
	while (buf_len(b) > 1 && buf_cstr(b)[buf_len(b) - 1] == '/')
		buf_truncate(b, buf_len(b) - 1);
	s = buf_steal(b);
	buf_free(&b);
	return s;
}

/* gannet_cmd_init - the init subcommand */
int
gannet_cmd_init(int argc, char **argv)
{
	const char *usage =
	    "init DIR [--port-base N] [--hostname NAME] [--demo]";
	struct init_opts o;
	struct buf *conf = buf_new(4096), *svc = buf_new(4096);
	struct buf *path = buf_new(256), *why = buf_new(256);
	struct buf *paths = buf_new(512);
	char date[64];
	time_t now = time(NULL);
	uid_t mail_uid = getuid(), vmail_uid = getuid();
	gid_t mail_gid = getgid(), vmail_gid = getgid();
	bool system_instance;
	char *dir = NULL;

	memset(&o, 0, sizeof(o));
	for (int i = 1; i < argc; i++) {
		long n;

		if (strcmp(argv[i], "--port-base") == 0 && i + 1 < argc) {
			if (str_parse_long(argv[++i], 1, 65535 - 993, &n) < 0)
				log_fatal("init: --port-base must be a number "
				          "from 1 to %d",
				    65535 - 993);
			o.port_base = (int)n;
		} else if (strcmp(argv[i], "--hostname") == 0 && i + 1 < argc) {
			o.hostname = argv[++i];
		} else if (strcmp(argv[i], "--demo") == 0) {
			o.demo = true;
		} else if (argv[i][0] == '-' || dir != NULL) {
			gannet_usage_error(usage);
		} else {
			dir = init_absolute(argv[i]);
		}
	}
	if (dir == NULL)
		dir = init_absolute(gannet_config_dir);
	o.dir = dir;
	system_instance = strcmp(dir, GANNET_SYSCONFDIR) == 0;
	/* Refuse before anything is written, not after. */
	if (o.demo && !init_hooks_have())
		log_fatal("init: --demo: this build has no accounts module");

	buf_printf(path, "%s/gannet.conf", dir);
	if (file_exists(buf_cstr(path)))
		log_fatal("init: %s already exists; not overwriting an "
		          "instance",
		    buf_cstr(path));
	if (o.hostname == NULL) {
		/* The computed default of myhostname. */
		const struct cfg_param *p = cfg_lookup("myhostname");

		o.hostname = p->dyn_default();
	}
	if (strchr(o.hostname, '.') == NULL || strlen(o.hostname) > 253)
		log_fatal(
		    "init: host name must be fully qualified: %s", o.hostname);

	/* Users. */
	if (getuid() == 0) {
		struct passwd *pw = init_ensure_user(GANNET_MAIL_OWNER);

		mail_uid = pw->pw_uid;
		mail_gid = pw->pw_gid;
		pw = init_ensure_user(GANNET_VMAIL_OWNER);
		vmail_uid = pw->pw_uid;
		vmail_gid = pw->pw_gid;
	}

	/* gannet.conf */
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S %z", localtime(&now));
	buf_sets(conf, tmpl_gannet_conf);
	if (!system_instance) {
		buf_cats(paths,
		    "# Everything this instance keeps is below "
		    "config_directory.\n"
		    "queue_directory = $config_directory/queue\n"
		    "data_directory = $config_directory/data\n"
		    "virtual_mailbox_base = $config_directory/mail\n"
		    "maillog_file = $config_directory/log/gannet.log\n");
	}
	if (getuid() != 0) {
		struct passwd *pw = getpwuid(getuid());

		if (pw == NULL)
			log_fatal("init: who am I? (uid %lu has no passwd "
			          "entry)",
			    (unsigned long)getuid());
		buf_printf(paths,
		    "\n# Not created by root: every service "
		    "runs as this user.\n"
		    "mail_owner = %s\nvmail_owner = %s\n",
		    pw->pw_name, pw->pw_name);
	}
	init_subst(conf, "@PATHS@", buf_cstr(paths));
	init_subst(conf, "@DATE@", date);
	init_subst(conf, "@CONFIG_DIR@", dir);
	init_subst(conf, "@MYHOSTNAME@", o.hostname);
	init_subst(conf, "@MYDOMAIN@", strchr(o.hostname, '.') + 1);

	/* services.conf */
	buf_sets(svc, tmpl_services_conf);
	init_subst(svc, "@DATE@", date);
	{
		/* The mailbox daemons run as the virtual mail user (as the
		 * invoking user when not root, like every service then). */
		struct passwd *vpw = getpwuid(vmail_uid);

		init_subst(svc, "@VMAIL_OWNER@",
		    getuid() == 0 || vpw == NULL ? GANNET_VMAIL_OWNER
		                                 : vpw->pw_name);
	}
	for (size_t k = 0; k < NELEM(init_ports); k++) {
		char listen[64];

		if (o.port_base)
			snprintf(listen, sizeof(listen), "127.0.0.1:%d",
			    o.port_base + init_ports[k].port);
		else
			snprintf(
			    listen, sizeof(listen), "%d", init_ports[k].port);
		init_subst(svc, init_ports[k].key, listen);
	}

	/* The tree. */
	init_mkdir(dir, 0, 0, 0755);
	init_write(buf_cstr(path), conf, 0644);
	buf_reset(path);
	buf_printf(path, "%s/services.conf", dir);
	init_write(buf_cstr(path), svc, 0644);
	/* Read the new configuration back: the paths below come from it. */
	if (params_load(dir, false) > 0)
		log_panic("init: the configuration just written has errors");
	buf_reset(path);
	buf_printf(path, "%s/maps", dir);
	init_mkdir(buf_cstr(path), 0, 0, 0755);
	buf_reset(path);
	buf_printf(path, "%s/tls", dir);
	init_mkdir(buf_cstr(path), 0, 0, 0755);
	init_mkdir(var_queue_dir, mail_uid, mail_gid, 0755);
	for (size_t k = 0; k < NELEM(init_queue_dirs); k++) {
		buf_reset(path);
		buf_printf(path, "%s/%s", var_queue_dir, init_queue_dirs[k]);
		/* public/ is where local users reach the pickup service;
		 * pid/ belongs to the master's user (root), because the
		 * master writes its pid file there. */
		if (strcmp(init_queue_dirs[k], "pid") == 0)
			init_mkdir(buf_cstr(path), getuid(), getgid(), 0755);
		else if (strcmp(init_queue_dirs[k], "maildrop") == 0
		    && getuid() == 0)
			/* sendmail(1): the set-group-ID sendmail may add
			 * files, nobody else may look. */
			init_mkdir(buf_cstr(path), mail_uid,
			    init_ensure_group(var_setgid_group), 01730);
		else
			init_mkdir(buf_cstr(path), mail_uid, mail_gid,
			    strcmp(init_queue_dirs[k], "public") == 0 ? 0755
			                                              : 0700);
	}
	/* active/ may also be read by mail_owner's group, which the local
	 * delivery agent keeps to read the message it delivers (deliver(8)) */
	buf_reset(path);
	buf_printf(path, "%s/active", var_queue_dir);
	init_mkdir(buf_cstr(path), mail_uid, mail_gid, 0750);

	init_mkdir(var_data_dir, mail_uid, mail_gid, 0700);
	init_mkdir(var_mail_base, vmail_uid, vmail_gid, 0700);
	/* the public IMAP folders' root (imapd makes its cur/ new/ tmp/) */
	if (*var_imapd_public_folder_base)
		init_mkdir(
		    var_imapd_public_folder_base, vmail_uid, vmail_gid, 0700);
	if (*var_maillog_file) {
		int fd;

		file_dirname(var_maillog_file, path);
		init_mkdir(buf_cstr(path), 0, 0, 0755);
		fd =
		    open(var_maillog_file, O_WRONLY | O_CREAT | O_APPEND, 0640);
		if (fd < 0)
			log_fatal("init: create %s: %m", var_maillog_file);
		close(fd);
	}
	if (!file_exists(var_tls_cert_file)) {
		if (tls_cert_make_selfsigned(var_tls_cert_file,
		        var_tls_key_file, o.hostname, 3650, why)
		    < 0)
			log_fatal("init: TLS certificate: %s", buf_cstr(why));
	}
	if (init_hooks_run(&o, why) < 0)
		log_fatal("init: %s", buf_cstr(why));

	printf("gannet: created instance %s (host name %s)\n", dir, o.hostname);
	if (o.port_base)
		printf(
		    "gannet: listeners on 127.0.0.1: SMTP %d, submission %d, "
		    "submissions %d, POP3 %d, POP3S %d, IMAP %d, IMAPS %d\n",
		    o.port_base + 25, o.port_base + 587, o.port_base + 465,
		    o.port_base + 110, o.port_base + 995, o.port_base + 143,
		    o.port_base + 993);
	printf("gannet: start it with: gannet -c %s start\n", dir);
	free(dir);
	buf_free(&conf);
	buf_free(&svc);
	buf_free(&path);
	buf_free(&why);
	buf_free(&paths);
	return 0;
}

/*
 * The steps other parts of the suite add to init, in order. Each gets the
 * options and the loaded configuration, and returns 0 or -1 with why.
 */
static int (*const init_hooks[])(const struct init_opts *, struct buf *) = {
    gacct_init_step,
    NULL,
};

/* init_hooks_have - any step registered (--demo needs one) */
bool
init_hooks_have(void)
{
	return init_hooks[0] != NULL;
}

/* init_hooks_run - run the steps */
int
init_hooks_run(const struct init_opts *o, struct buf *why)
{
	bool demo_done = false;

	for (size_t i = 0; init_hooks[i]; i++) {
		if (init_hooks[i](o, why) < 0)
			return -1;
		demo_done = true;
	}
	if (o->demo && !demo_done) {
		buf_printf(why, "--demo: this build has no accounts module");
		return -1;
	}
	return 0;
}

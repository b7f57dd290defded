/*
 * config_check.c - check an instance offline (see config_check.h).
 *
 * The check reports and never repairs: an administrator should see what
 * is wrong before anything starts, and decide. It counts the messages it
 * logs through a log hook, so that every check reports in the one way
 * (log_error/log_warn) and the totals cannot drift from what was shown.
 *
 * Who should own what: the queue (and its subdirectories) and
 * data_directory belong to mail_owner, the mail store to vmail_owner, and
 * queue_directory/pid to the user who runs the master (root, or the one
 * user of an instance that an ordinary user created).
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/config_check.h"
#include "mail/params.h"
#include "mail/svc_listen.h"
#include "mail/tls_cert.h"

/* The queue's subdirectories, as `gannet init` makes them (active/, which
 * has a mode of its own, is checked apart). */
static const char *const check_queue_dirs[] = {
    "incoming",
    "deferred",
    "hold",
    "corrupt",
    "maildrop",
    "private",
    "public",
    "bounce",
    "defer",
    "tmp",
};

/* Checks that other areas add (they log their problems). */
static void (*const config_check_hooks[])(void) = {
    NULL,
};

static int check_errors;
static int check_warnings;

/* check_count - log hook: count, let the message through */
static bool
check_count(enum log_level lvl, const char *msg, void *ctx)
{
	if (lvl >= LOG_LVL_ERROR)
		check_errors++;
	else if (lvl == LOG_LVL_WARN)
		check_warnings++;
	return false;
}

/* check_log_lines - log_error each line of a message */
static void
check_log_lines(const char *text)
{
	char *s = xstrdup(text);

	for (char *line = s, *nl; line && *line; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		log_error("%s", line);
	}
	free(s);
}

/* check_user - a user that must exist and must not be root */
static const struct passwd *
check_user(const char *param, const char *name)
{
	static struct passwd copy[2];
	static int slot;
	struct passwd *pw = getpwnam(name);

	if (pw == NULL) {
		log_error("%s = %s: no such user (gannet init or make install "
		          "create it)",
		    param, name);
		return NULL;
	}
	if (pw->pw_uid == 0) {
		log_error("%s = %s: must not be root", param, name);
		return NULL;
	}
	/* getpwnam's result is static: keep two at once. */
	slot = (slot + 1) % 2;
	copy[slot] = *pw;
	return &copy[slot];
}

/* check_dir - directory with owner, and no access for others beyond
 * max_mode */
static void
check_dir(const char *path, uid_t uid, const char *owner, mode_t max_mode,
    bool is_required)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno != ENOENT || is_required)
			log_error("%s: %m", path);
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		log_error("%s: not a directory", path);
		return;
	}
	if (st.st_uid != uid)
		log_error("%s: owned by uid %lu, should be owned by %s (uid "
		          "%lu)",
		    path, (unsigned long)st.st_uid, owner, (unsigned long)uid);
	if ((st.st_mode & 07777 & ~max_mode) != 0)
		log_error("%s: mode %04o gives others more access than %04o",
		    path, (unsigned)(st.st_mode & 07777), (unsigned)max_mode);
}

/* check_not_writable - a file or directory only its owner may change */
static void
check_not_writable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		log_error("%s: %m", path);
		return;
	}
	if (st.st_mode & 022)
		log_error("%s: writable by group or others (mode %04o)", path,
		    (unsigned)(st.st_mode & 07777));
}

/* check_services - services.conf: syntax, programs, users, ports */
static void
check_services(const char *config_dir)
{
	struct buf *path = buf_new(256), *why = buf_new(256);
	struct buf *host = buf_new(64), *prog = buf_new(256);
	struct strv hosts;
	struct svc_table t;
	int *ports;

	buf_printf(path, "%s/services.conf", config_dir);
	if (cfg_services_load(buf_cstr(path), &t, why) < 0) {
		check_log_lines(buf_cstr(why));
		/* The lines that parsed are still worth checking. */
	}
	check_not_writable(buf_cstr(path));
	ports = xcalloc(t.n + 1, sizeof(*ports));
	strv_init(&hosts);
	for (size_t i = 0; i < t.n; i++) {
		const struct svc_entry *e = &t.v[i];
		const char *cmd = e->argv.v[0];
		const char *user = *e->user ? e->user : var_mail_owner;

		buf_reset(prog);
		if (cmd[0] == '/')
			buf_sets(prog, cmd);
		else
			buf_printf(prog, "%s/%s", var_daemon_dir, cmd);
		if (cmd[0] != '/' && strchr(cmd, '/') != NULL)
			log_error("%s: command %s: use a name in "
			          "daemon_directory or an absolute path",
			    e->where, cmd);
		else if (access(buf_cstr(prog), X_OK) < 0)
			log_error("%s: service %s: program %s: %m", e->where,
			    e->name, buf_cstr(prog));
		if (strcmp(e->user, "root") == 0) {
			if (strcmp(e->type, "inet") == 0)
				log_error("%s: service %s: an inet service "
				          "must not run as root (unpriv = n)",
				    e->where, e->name);
			else
				log_warn("%s: service %s runs as root "
				         "(unpriv = n)",
				    e->where, e->name);
		}
		if (getuid() == 0 && getpwnam(user) == NULL)
			log_error("%s: service %s: no such user %s", e->where,
			    e->name, user);
		if (e->has_chroot && !file_is_dir(var_queue_dir))
			log_error("%s: service %s: chroot into %s: not a "
			          "directory",
			    e->where, e->name, var_queue_dir);
		ports[i] = 0;
		strv_push(&hosts, "");
		if (strcmp(e->type, "inet") != 0)
			continue;
		buf_reset(why);
		if (svc_listen_parse(e->name, host, &ports[i], why) < 0) {
			log_error("%s: %s", e->where, buf_cstr(why));
			continue;
		}
		free(hosts.v[i]);
		hosts.v[i] = xstrdup(buf_cstr(host));
		for (size_t j = 0; j < i; j++)
			if (ports[j] > 0
			    && svc_listen_conflict(
			        hosts.v[j], ports[j], hosts.v[i], ports[i]))
				log_error("%s: service %s: port %d is already "
				          "taken by service %s at %s",
				    e->where, e->name, ports[i], t.v[j].name,
				    t.v[j].where);
	}
	strv_free(&hosts);
	free(ports);
	cfg_services_free(&t);
	buf_free(&path);
	buf_free(&why);
	buf_free(&host);
	buf_free(&prog);
}

/* check_master_uid - who runs the master: root, unless one ordinary user
 * owns the whole instance (then every service runs as that user) */
static uid_t
check_master_uid(const char *config_dir, const struct passwd *mail)
{
	struct buf *path = buf_new(256);
	struct stat st;
	uid_t uid = 0;

	buf_printf(path, "%s/gannet.conf", config_dir);
	if (mail != NULL && stat(buf_cstr(path), &st) == 0 && st.st_uid != 0
	    && st.st_uid == mail->pw_uid)
		uid = st.st_uid;
	buf_free(&path);
	return uid;
}

/* check_dirs - ownership and modes of what the services write */
static void
check_dirs(const char *config_dir, const struct passwd *mail,
    const struct passwd *vmail)
{
	struct buf *path = buf_new(256);
	uid_t master_uid = check_master_uid(config_dir, mail);

	check_not_writable(config_dir);
	buf_printf(path, "%s/gannet.conf", config_dir);
	check_not_writable(buf_cstr(path));
	if (mail != NULL) {
		check_dir(
		    var_queue_dir, mail->pw_uid, mail->pw_name, 0755, true);
		/* active/ is readable by mail_owner's group, which the local
		 * delivery agent keeps (deliver(8)) */
		buf_reset(path);
		buf_printf(path, "%s/active", var_queue_dir);
		check_dir(
		    buf_cstr(path), mail->pw_uid, mail->pw_name, 0750, true);
		for (size_t i = 0; i < NELEM(check_queue_dirs); i++) {
			bool is_public =
			    strcmp(check_queue_dirs[i], "public") == 0;

			buf_reset(path);
			buf_printf(
			    path, "%s/%s", var_queue_dir, check_queue_dirs[i]);
			/* maildrop/ is 1730 with setgid_group as its group
			 * in a root instance (sendmail(1)) */
			check_dir(buf_cstr(path), mail->pw_uid, mail->pw_name,
			    is_public ? 0755
			        : strcmp(check_queue_dirs[i], "maildrop") == 0
			        ? 01730
			        : 0700,
			    true);
		}
		/* 0751: gannet init lets the auth service reach its state
		 * directory through the group (0750); 0711 is fine too. */
		check_dir(
		    var_data_dir, mail->pw_uid, mail->pw_name, 0751, true);
	}
	/* pid/ must not be writable by mail_owner: the master, as root,
	 * writes its pid file there. The master creates it if missing. */
	buf_reset(path);
	buf_printf(path, "%s/pid", var_queue_dir);
	check_dir(buf_cstr(path), master_uid,
	    master_uid == 0 ? "root" : "the instance's user", 0755, false);
	if (vmail != NULL)
		check_dir(
		    var_mail_base, vmail->pw_uid, vmail->pw_name, 0750, true);
	buf_free(&path);
}

/* check_tls - the certificate parses, the key is readable and private */
static void
check_tls(void)
{
	struct buf *out = buf_new(128), *why = buf_new(128);
	struct stat st;
	int fd;

	if (*var_tls_cert_file
	    && tls_cert_describe(var_tls_cert_file, out, why) < 0)
		log_error(
		    "tls_cert_file = %s: %s", var_tls_cert_file, buf_cstr(why));
	if (*var_tls_key_file) {
		if ((fd = open(var_tls_key_file, O_RDONLY | O_CLOEXEC)) < 0) {
			if (errno == EACCES && getuid() != 0)
				log_warn("tls_key_file = %s: %m (check as "
				         "root)",
				    var_tls_key_file);
			else
				log_error(
				    "tls_key_file = %s: %m", var_tls_key_file);
		} else {
			if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
				log_error("tls_key_file = %s: readable by "
				          "group or others (mode %04o); use "
				          "chmod 600",
				    var_tls_key_file,
				    (unsigned)(st.st_mode & 07777));
			close(fd);
		}
	}
	buf_free(&out);
	buf_free(&why);
}

/* config_check_run - everything, in order */
int
config_check_run(const char *config_dir, int *warnings_out)
{
	struct buf *path = buf_new(256), *why = buf_new(256);
	const struct passwd *mail, *vmail;

	check_errors = check_warnings = 0;
	log_set_hook(check_count, NULL);
	params_config_file(config_dir, path);
	if (cfg_load(buf_cstr(path), why) < 0)
		check_log_lines(buf_cstr(why));
	if (cfg_path() == NULL) {
		/* No file at all: nothing else can be checked. */
		goto done;
	}
	(void)cfg_apply(false);
	check_services(config_dir);
	mail = check_user("mail_owner", var_mail_owner);
	vmail = check_user("vmail_owner", var_vmail_owner);
	check_dirs(config_dir, mail, vmail);
	check_tls();
	for (size_t i = 0; config_check_hooks[i]; i++)
		config_check_hooks[i]();
done:
	log_set_hook(NULL, NULL);
	buf_free(&path);
	buf_free(&why);
	if (warnings_out)
		*warnings_out = check_warnings;
	return check_errors;
}

/*
 * params_global.c - parameters shared by every program: where things are,
 * who runs them, the names of this host, process limits.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"

#include "mail/cfg.h"
#include "mail/params.h"

char *var_config_dir;
char *var_daemon_dir;
char *var_command_dir;
char *var_queue_dir;
char *var_data_dir;
char *var_mail_base;
char *var_mail_owner;
char *var_vmail_owner;
char *var_myhostname;
char *var_mydomain;
char *var_myorigin;
char *var_mydestination;
char *var_mynetworks;
char *var_relay_domains;
char *var_relayhost;
long var_message_size_limit;
char *var_maillog_file;
char *var_syslog_name;
long var_default_process_limit;
long var_max_use;
long var_max_idle;
long var_ipc_timeout;
char *var_default_database_type;
char *var_tls_cert_file;
char *var_tls_key_file;
char *var_mail_version;

/* params_dyn_config_dir - the directory of the loaded gannet.conf */
static const char *
params_dyn_config_dir(void)
{
	static char dir[PATH_MAX];
	const char *path = cfg_path();
	const char *slash;

	if (path == NULL || (slash = strrchr(path, '/')) == NULL)
		return NULL;
	if (slash == path)
		return "/";
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	return dir;
}

/* params_exe_dir - the directory of the running program */
static const char *
params_exe_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	char *slash;

	if (n <= 0)
		return NULL;
	dir[n] = 0;
	if ((slash = strrchr(dir, '/')) == NULL)
		return NULL;
	*slash = 0;
	return dir;
}

/* params_dyn_daemon_dir - daemons beside a build tree, else installed */
static const char *
params_dyn_daemon_dir(void)
{
	static char dir[PATH_MAX + 16];
	char probe[PATH_MAX + 32];
	const char *exe = params_exe_dir();

	if (exe == NULL)
		return NULL;
	/* A build tree: bin/gannet with libexec/ beside bin/. */
	snprintf(dir, sizeof(dir), "%s/../libexec", exe);
	snprintf(probe, sizeof(probe), "%s/master", dir);
	if (access(probe, X_OK) == 0) {
		char *real = realpath(dir, NULL);

		if (real) {
			snprintf(dir, sizeof(dir), "%s", real);
			free(real);
		}
		return dir;
	}
	/* A daemon itself lives in the daemon directory. */
	snprintf(probe, sizeof(probe), "%s/master", exe);
	if (access(probe, X_OK) == 0) {
		snprintf(dir, sizeof(dir), "%s", exe);
		return dir;
	}
	return NULL;
}

/* params_dyn_command_dir - where the gannet command is */
static const char *
params_dyn_command_dir(void)
{
	static char dir[PATH_MAX + 16];
	char probe[PATH_MAX + 32];
	const char *exe = params_exe_dir();

	if (exe == NULL)
		return NULL;
	snprintf(probe, sizeof(probe), "%s/gannet", exe);
	if (access(probe, X_OK) == 0) {
		snprintf(dir, sizeof(dir), "%s", exe);
		return dir;
	}
	/* A daemon in a build tree: libexec/ beside bin/. */
	snprintf(probe, sizeof(probe), "%s/../bin/gannet", exe);
	if (access(probe, X_OK) == 0) {
		char *real;

		snprintf(dir, sizeof(dir), "%s/../bin", exe);
		if ((real = realpath(dir, NULL)) != NULL) {
			snprintf(dir, sizeof(dir), "%s", real);
			free(real);
		}
		return dir;
	}
	return NULL;
}

/* params_dyn_myhostname - this host's name, made fully qualified */
static const char *
params_dyn_myhostname(void)
{
	static char name[256];

	if (gethostname(name, sizeof(name) - 32) < 0 || name[0] == 0)
		snprintf(name, sizeof(name), "localhost");
	name[sizeof(name) - 32] = 0;
	if (strchr(name, '.') == NULL) {
		size_t n = strlen(name);

		snprintf(name + n, sizeof(name) - n, ".localdomain");
	}
	return name;
}

/* params_dyn_mydomain - myhostname without its first label */
static const char *
params_dyn_mydomain(void)
{
	static char dom[256];
	struct buf *h = buf_new(64), *why = buf_new(64);
	const char *dot;

	if (cfg_value("myhostname", h, why) == 0
	    && (dot = strchr(buf_cstr(h), '.')) != NULL && dot[1])
		snprintf(dom, sizeof(dom), "%s", dot + 1);
	else
		snprintf(dom, sizeof(dom), "localdomain");
	buf_free(&h);
	buf_free(&why);
	return dom;
}

const struct cfg_param params_global[] = {
    CFG_DYN("config_directory", GANNET_SYSCONFDIR, &var_config_dir,
        params_dyn_config_dir),
    CFG_DYN("daemon_directory", GANNET_LIBEXECDIR, &var_daemon_dir,
        params_dyn_daemon_dir),
    CFG_DYN("command_directory", "/usr/sbin", &var_command_dir,
        params_dyn_command_dir),
    CFG_STR("queue_directory", "/var/spool/gannet", &var_queue_dir),
    CFG_STR("data_directory", "/var/lib/gannet", &var_data_dir),
    CFG_STR("virtual_mailbox_base", "/var/mail/vhosts", &var_mail_base),
    CFG_STR("mail_owner", GANNET_MAIL_OWNER, &var_mail_owner),
    CFG_STR("vmail_owner", GANNET_VMAIL_OWNER, &var_vmail_owner),
    CFG_DYN("myhostname", "localhost.localdomain", &var_myhostname,
        params_dyn_myhostname),
    CFG_DYN("mydomain", "localdomain", &var_mydomain, params_dyn_mydomain),
    CFG_STR("myorigin", "$myhostname", &var_myorigin),
    CFG_STR("mydestination", "$myhostname, localhost.$mydomain, localhost",
        &var_mydestination),
    CFG_STR("mynetworks", "127.0.0.0/8 [::1]/128", &var_mynetworks),
    CFG_STR("relay_domains", "", &var_relay_domains),
    CFG_STR("relayhost", "", &var_relayhost),
    CFG_SIZE(
        "message_size_limit", "20m", &var_message_size_limit, 0, LONG_MAX / 4),
    CFG_STR("maillog_file", "", &var_maillog_file),
    CFG_STR("syslog_name", "gannet", &var_syslog_name),
    CFG_INT(
        "default_process_limit", "100", &var_default_process_limit, 1, 100000),
    CFG_INT("max_use", "100", &var_max_use, 1, 1000000),
    CFG_TIME("max_idle", "100s", &var_max_idle, 1, 86400),
    CFG_TIME("ipc_timeout", "60s", &var_ipc_timeout, 1, 86400),
    CFG_STR("default_database_type", "hash", &var_default_database_type),
    CFG_STR(
        "tls_cert_file", "$config_directory/tls/cert.pem", &var_tls_cert_file),
    CFG_STR("tls_key_file", "$config_directory/tls/key.pem", &var_tls_key_file),
    CFG_STR("mail_version", GANNET_VERSION, &var_mail_version),
    CFG_END,
};

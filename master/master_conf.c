/*
 * master_conf.c - reading gannet.conf and services.conf, and reloading
 * them on SIGHUP.
 *
 * A reload is all or nothing: the new gannet.conf is applied, the new
 * service table parsed and every new listener bound; if anything fails,
 * the master logs every problem, restores the previous gannet.conf (kept
 * as text for this) and runs on as before. Only then are the running
 * services replaced: a line that stays keeps its listening socket (handed
 * to the new generation, so no client is ever refused), lines that went
 * away are closed, new ones start, and every old child is told to finish
 * its session and exit. New children read the new configuration.
 */
#include "util/sys_defs.h"

#include <pwd.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/cfg.h"
#include "mail/params.h"
#include "mail/params_master.h"
#include "mail/service.h"
#include "mail/svc_listen.h"

#include "master.h"

#define MASTER_CONF_MAX (4 * 1024 * 1024)

/* master_conf_service - a service from one line of services.conf */
struct master_service *
master_conf_service(const struct svc_entry *e, bool is_root, struct buf *why)
{
	struct master_service *s = xcalloc(1, sizeof(*s));
	const char *cmd = e->argv.v[0];
	struct buf *b = buf_new(128);

	s->listen_fd = s->status_rd = s->status_wr = -1;
	s->name = xstrdup(e->name);
	s->type = xstrdup(e->type);
	s->where = xstrdup(e->where);
	s->command = xstrdup(cmd);
	s->progname = xstrdup(strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd);
	s->is_private = e->is_private;
	s->wakeup = e->wakeup;
	s->limit = e->maxproc < 0 ? var_default_process_limit : e->maxproc;
	strv_init(&s->args);
	for (size_t i = 1; i < e->argv.n; i++)
		strv_push(&s->args, e->argv.v[i]);
	if (cmd[0] == '/') {
		s->exec_path = xstrdup(cmd);
	} else if (strchr(cmd, '/') != NULL) {
		buf_printf(why,
		    "%s: command %s: use a name in daemon_directory or an "
		    "absolute path",
		    e->where, cmd);
		goto fail;
	} else {
		buf_printf(b, "%s/%s", var_daemon_dir, cmd);
		s->exec_path = buf_steal(b);
	}
	if (is_root) {
		/* No process that parses network input runs as root. */
		if (strcmp(e->user, "root") == 0
		    && strcmp(e->type, "inet") == 0) {
			buf_printf(why,
			    "%s: service %s: an inet service must not run as "
			    "root (unpriv = n)",
			    e->where, e->name);
			goto fail;
		}
		s->user = xstrdup(*e->user ? e->user : var_mail_owner);
		if (getpwnam(s->user) == NULL) {
			buf_printf(
			    why, "%s: unknown user %s", e->where, s->user);
			goto fail;
		}
		if (e->has_chroot)
			s->jail = xstrdup(var_queue_dir);
	}
	buf_reset(b);
	if (strcmp(e->type, "inet") == 0) {
		if (svc_listen_parse(e->name, b, &s->port, why) < 0) {
			struct buf *w = buf_new(64);

			buf_printf(w, "%s: %s", e->where, buf_cstr(why));
			buf_set(why, buf_cstr(w), buf_len(w));
			buf_free(&w);
			goto fail;
		}
		s->host = buf_steal(b);
		buf_printf(b, "inet %s %d", s->host, s->port);
	} else {
		buf_printf(b, "%s/%s/%s", var_queue_dir,
		    e->is_private ? "private" : "public", e->name);
		s->path = xstrdup(buf_cstr(b));
		buf_reset(b);
		buf_printf(b, "unix %s", s->path);
	}
	s->key = buf_steal(b);
	buf_free(&b);
	return s;
fail:
	buf_free(&b);
	master_service_free(s);
	return NULL;
}

/* master_conf_log_lines - log each line of a multi-line message */
static void
master_conf_log_lines(const char *text)
{
	char *s = xstrdup(text);

	for (char *line = s, *nl; line && *line; line = nl) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		log_error("%s", line);
	}
	free(s);
}

/* master_conf_apply_text - apply gannet.conf text; the error count */
static int
master_conf_apply_text(const char *path, const char *text, bool is_quiet)
{
	struct buf *why = buf_new(256);
	int errors = 0;

	if (cfg_load_string(path, text, why) < 0) {
		master_conf_log_lines(buf_cstr(why));
		errors++;
	}
	errors += cfg_apply(is_quiet);
	buf_free(&why);
	return errors;
}

/* master_conf_load - gannet.conf, services.conf, a new service list */
int
master_conf_load(struct master_service **out, struct buf *text)
{
	struct buf *path = buf_new(256), *why = buf_new(256);
	struct master_service *list = NULL, **tail = &list;
	struct svc_table t;
	bool is_first = cfg_path() == NULL;
	int errors = 0;

	*out = NULL;
	params_config_file(master.config_dir, path);
	if (file_read(buf_cstr(path), MASTER_CONF_MAX, text, why) < 0) {
		log_error("%s", buf_cstr(why));
		buf_free(&path);
		buf_free(&why);
		return -1;
	}
	if (is_first) {
		/* The first load also records the path, from which
		 * config_directory takes its default. */
		if (cfg_load(buf_cstr(path), why) < 0) {
			master_conf_log_lines(buf_cstr(why));
			errors++;
		}
		errors += cfg_apply(false);
	} else {
		errors += master_conf_apply_text(
		    buf_cstr(path), buf_cstr(text), false);
	}
	buf_reset(path);
	buf_printf(path, "%s/services.conf", master.config_dir);
	/* The service table is read even after errors above, so that one
	 * attempt shows every problem. */
	buf_reset(why);
	if (cfg_services_load(buf_cstr(path), &t, why) < 0) {
		master_conf_log_lines(buf_cstr(why));
		cfg_services_free(&t);
		errors++;
	} else {
		for (size_t i = 0; i < t.n; i++) {
			struct master_service *s;

			buf_reset(why);
			s = master_conf_service(&t.v[i], master.is_root, why);
			if (s == NULL) {
				log_error("%s", buf_cstr(why));
				errors++;
				continue;
			}
			*tail = s;
			tail = &s->next;
		}
		cfg_services_free(&t);
	}
	if (errors > 0) {
		while (list) {
			struct master_service *next = list->next;

			master_service_free(list);
			list = next;
		}
		/* Back to what runs now (nothing to restore at start). */
		if (!is_first)
			(void)master_conf_apply_text(
			    cfg_path(), buf_cstr(master.conf_text), true);
	} else {
		*out = list;
	}
	buf_free(&path);
	buf_free(&why);
	return errors ? -1 : 0;
}

/* master_env_build - GANNET_* and import_environment */
void
master_env_build(struct strv *env, bool is_foreground)
{
	struct strv names;
	struct buf *b = buf_new(128);

	strv_free(env);
	strv_init(env);
	strv_push(env, "GANNET_MASTER=1");
	if (log_file_fd() >= 0) {
		buf_printf(b, "GANNET_LOG_FD=%d", SERVICE_LOG_FD);
		strv_push(env, buf_cstr(b));
	}
	if (is_foreground)
		strv_push(env, "GANNET_LOG_STDERR=1");
	strv_init(&names);
	strv_split(&names, var_import_environment, " \t,");
	for (size_t i = 0; i < names.n; i++) {
		const char *v;

		if (strchr(names.v[i], '=') != NULL) {
			strv_push(env, names.v[i]);
		} else if ((v = getenv(names.v[i])) != NULL) {
			buf_reset(b);
			buf_printf(b, "%s=%s", names.v[i], v);
			strv_push(env, buf_cstr(b));
		}
	}
	strv_free(&names);
	buf_free(&b);
}

/* master_reload_log - reopen maillog_file when it changed */
static void
master_reload_log(void)
{
	const char *want = *var_maillog_file ? var_maillog_file : NULL;

	if ((want == NULL && master.log_path == NULL)
	    || (want && master.log_path && strcmp(want, master.log_path) == 0))
		return;
	if (want == NULL) {
		log_set_dest((log_get_dest() & ~LOG_TO_FILE) | LOG_TO_SYSLOG);
	} else if (log_open_file(want) < 0) {
		log_warn("open %s: %m (keeping the old log)", want);
		return;
	}
	free(master.log_path);
	master.log_path = want ? xstrdup(want) : NULL;
	log_info("logging to %s", want ? want : "syslog");
}

/* master_find_key - the service of a list with this listener */
static struct master_service *
master_find_key(struct master_service *list, const char *key)
{
	for (; list; list = list->next)
		if (strcmp(list->key, key) == 0)
			return list;
	return NULL;
}

/* master_collides_with_removed - s cannot bind because of a listener
 * that the new list no longer has */
static bool
master_collides_with_removed(
    const struct master_service *s, struct master_service *list)
{
	if (s->host == NULL)
		return false;
	for (struct master_service *o = master.services; o; o = o->next)
		if (o->host != NULL && master_find_key(list, o->key) == NULL
		    && svc_listen_conflict(o->host, o->port, s->host, s->port))
			return true;
	return false;
}

/* master_retire - drain an old generation; keep it while it has
 * children */
static void
master_retire(struct master_service *s)
{
	master_service_drain(s);
	if (s->nproc == 0) {
		master_service_free(s);
	} else {
		s->next = master.draining;
		master.draining = s;
	}
}

/* master_reload - SIGHUP */
void
master_reload(void)
{
	struct master_service *list, *s, *old;
	char *old_queue = xstrdup(var_queue_dir);
	struct buf *why = buf_new(128), *text = buf_new(4096);

	master.reloads++;
	buf_sets(master.reload_msg, "failed: see the log");
	if (master.is_stopping)
		goto done;
	log_info("reload -- version %s, configuration %s", var_mail_version,
	    master.config_dir);
	if (master_conf_load(&list, text) < 0) {
		log_error("reload: configuration errors; the running "
		          "configuration stays in effect");
		buf_sets(master.reload_msg,
		    "failed: configuration errors (see gannet check)");
		goto done;
	}
	if (strcmp(old_queue, var_queue_dir) != 0) {
		log_error("reload: queue_directory changed from %s to %s: "
		          "that needs a restart; the running configuration "
		          "stays in effect",
		    old_queue, var_queue_dir);
		buf_sets(master.reload_msg,
		    "failed: queue_directory changed (restart instead)");
		goto undo;
	}
	/* Bind what is new before touching what runs. A new listener that
	 * collides with one the reload removes ("25" becoming
	 * "127.0.0.1:25") can only be bound after that one is closed. */
	for (s = list; s; s = s->next) {
		if (master_find_key(master.services, s->key) != NULL)
			continue;
		buf_reset(why);
		if (master_listen_open(s, why) == 0)
			continue;
		if (master_collides_with_removed(s, list)) {
			s->is_deferred = true;
			continue;
		}
		log_error(
		    "%s: service %s: %s", s->where, s->name, buf_cstr(why));
		buf_reset(master.reload_msg);
		buf_printf(master.reload_msg, "failed: service %s: %s", s->name,
		    buf_cstr(why));
		goto undo;
	}
	/* Commit: hand over surviving listeners, retire the old. */
	while ((old = master.services) != NULL) {
		master.services = old->next;
		if ((s = master_find_key(list, old->key)) != NULL) {
			master_listen_watch(old, false);
			s->listen_fd = old->listen_fd;
			old->listen_fd = -1;
			/* a new process limit: a new listen queue length */
			if (s->listen_fd >= 0)
				(void)listen(
				    s->listen_fd, master_listen_backlog(s));
			s->sessions = old->sessions;
			s->started = old->started;
			s->restarts = old->restarts;
		}
		master_retire(old);
	}
	buf_sets(master.reload_msg, "ok");
	master.services = list;
	buf_set(master.conf_text, buf_cstr(text), buf_len(text));
	master_reload_log();
	master_env_build(&master.env, master.is_foreground);
	for (s = list; s; s = s->next) {
		master_service_start(s);
		if (s->is_deferred)
			master_listen_retry(s);
	}
	goto done;
undo:
	while (list) {
		s = list->next;
		master_listen_close(list);
		master_service_free(list);
		list = s;
	}
	(void)master_conf_apply_text(
	    cfg_path(), buf_cstr(master.conf_text), true);
done:
	free(old_queue);
	buf_free(&why);
	buf_free(&text);
}

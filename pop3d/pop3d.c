/*
 * pop3d.c - the POP3 server (pop3d(8)): port 110 with STLS and port 995
 * with implicit TLS, one session at a time per process, under the service
 * skeleton (lib/mail/service.h). It runs as the mail store's user.
 *
 * Before privileges are dropped (as root, when the master runs as root)
 * it loads the TLS key, which only root can read, and opens the slot file
 * that counts sessions per client address (connlimit.h) in the queue's
 * pid/ directory, which the mail store's user may not write. Nothing that
 * parses network input runs before the drop.
 *
 * Each session runs in a child process of its own: after login it
 * narrows itself to the account's Maildir (pop3d_session.c), which can
 * never be undone, so the process that accepts the next client must not
 * be the one that did it. A fork per session costs far less than the
 * session itself.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"

#include "mail/connlimit.h"
#include "mail/matchlist.h"
#include "mail/params.h"
#include "mail/params_pop3d.h"
#include "mail/service.h"
#include "mail/tls.h"

#include "pop3d.h"

static struct connlimit *pop3d_connlimit;

/* pop3d_pre_jail - as root: TLS key, connection slots */
static void
pop3d_pre_jail(void)
{
	struct buf *why = buf_new(128), *path = buf_new(128);

	if (strcmp(var_pop3d_tls_security_level, "none") != 0
	    || var_pop3d_tls_wrappermode) {
		pop3d_tls_ctx = tls_server_ctx_new(var_pop3d_tls_cert_file,
		    var_pop3d_tls_key_file, var_pop3d_tls_protocols,
		    var_pop3d_tls_cipher_list, why);
		if (pop3d_tls_ctx == NULL) {
			if (var_pop3d_tls_wrappermode
			    || strcmp(var_pop3d_tls_security_level, "encrypt")
			        == 0)
				log_fatal("TLS is required but not available: "
				          "%s",
				    buf_cstr(why));
			log_warn("TLS not available (STLS is not offered): %s",
			    buf_cstr(why));
		}
	}
	if (var_pop3d_client_connection_count_limit > 0) {
		buf_reset(why);
		buf_printf(path, "%s/pid/pop3d.conn", var_queue_dir);
		pop3d_connlimit = connlimit_open(buf_cstr(path), why);
		if (pop3d_connlimit == NULL)
			log_warn(
			    "per-address connection limit not enforced: %s",
			    buf_cstr(why));
	}
	buf_free(&why);
	buf_free(&path);
}

/* pop3d_post_jail - unprivileged set-up: check the settings */
static void
pop3d_post_jail(void)
{
	struct buf *why = buf_new(128);

	tzset(); /* the log's time zone, before any session is confined */
	if (strcmp(var_pop3d_tls_security_level, "none") != 0
	    && strcmp(var_pop3d_tls_security_level, "may") != 0
	    && strcmp(var_pop3d_tls_security_level, "encrypt") != 0)
		log_fatal("pop3d_tls_security_level = %s: use none, may or "
		          "encrypt",
		    var_pop3d_tls_security_level);
	if (*var_pop3d_plaintext_auth_networks) {
		pop3d_plaintext_networks =
		    matchlist_open("pop3d_plaintext_auth_networks",
		        var_pop3d_plaintext_auth_networks, MATCHLIST_ADDR, why);
		if (pop3d_plaintext_networks == NULL)
			log_fatal("%s", buf_cstr(why));
	}
	buf_free(&why);
}

/* pop3d_serve - one client */
static void
pop3d_serve(const struct service_client *client)
{
	struct stream *s = stream_open(client->fd);
	struct pop3d_state st;
	struct buf *why = buf_new(64);
	int slot = 1, status = 0;
	pid_t pid, parent = getpid();

	if (pop3d_connlimit != NULL) {
		const char *which = "client";

		slot = connlimit_take(pop3d_connlimit, client->addr,
		    var_pop3d_client_connection_count_limit, 0, &which, why);
		if (slot < 0)
			log_warn("connection limits: %s", buf_cstr(why));
	}
	if (slot == 0) {
		log_warn("refused connection from [%s]:%d: too many "
		         "connections from this address (%ld)",
		    client->addr, client->port,
		    var_pop3d_client_connection_count_limit);
		stream_set_timeout(s, 10);
		if (!var_pop3d_tls_wrappermode) {
			(void)stream_puts(s,
			    "-ERR [SYS/TEMP] Too many "
			    "connections from your address\r\n");
			(void)stream_flush(s);
		}
	} else if ((pid = fork()) < 0) {
		log_warn("refused connection from [%s]:%d: fork: %m",
		    client->addr, client->port);
		stream_set_timeout(s, 10);
		(void)stream_puts(s, "-ERR [SYS/TEMP] Server busy\r\n");
		(void)stream_flush(s);
	} else if (pid == 0) {
		/* The master stops a service by signalling the process it
		 * started; the session goes with it. */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(1);
		pop3d_state_init(&st, s, client->addr, client->port,
		    client->local_addr, NULL);
		pop3d_session_run(&st);
		pop3d_state_free(&st);
		stream_close(&s);
		_exit(0);
	} else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status))
			log_warn("session process %ld for [%s]:%d killed by "
			         "signal %d",
			    (long)pid, client->addr, client->port,
			    WTERMSIG(status));
	}
	if (slot == 1 && pop3d_connlimit != NULL)
		connlimit_release(pop3d_connlimit);
	/* The skeleton closes the descriptor. */
	(void)stream_release(&s);
	buf_free(&why);
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .pre_jail = pop3d_pre_jail,
	    .post_jail = pop3d_post_jail,
	    .serve = pop3d_serve,
	};

	return service_main(argc, argv, "pop3d", &hooks);
}

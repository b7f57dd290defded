/*
 * imapd.c - the IMAP server (imapd(8)): the service skeleton's hooks,
 * the split of each session into a login process and a mail process, and
 * the pre-authenticated mode for tools and tests.
 *
 * Each client: the service process (the virtual mail user) checks the
 * ban list and the per-address connection limit, then forks the login
 * process, which drops every file system right (lib/mail/sandbox.h),
 * speaks TLS and the pre-login commands, and hands credentials back over
 * a socket pair. The service process asks the auth service, takes the
 * per-user connection slot, narrows itself to the account's Maildir, and
 * runs the session over the socket pair. So the code that parses a
 * client's input before login reaches no mail at all, and a session after
 * login reaches only its own account's and the public folders
 * (imapd_public_folder_base), where the ACLs decide (imapd_acl.c).
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "mail/auth_client.h"
#include "mail/connlimit.h"
#include "mail/ipc.h"
#include "mail/maildir.h"
#include "mail/mbox_acl.h"
#include "mail/params.h"
#include "mail/params_imapd.h"
#include "mail/sandbox.h"
#include "mail/service.h"
#include "mail/tls.h"

#include "imapd.h"

static struct tls_ctx *imapd_tls;
static struct connlimit *imapd_client_slots, *imapd_user_slots;
static bool imapd_sandbox_warned;

/* Read-only paths a session needs after login: iconv's charset modules
 * (loaded on first use) and time zone data. */
static const char *const imapd_ro_paths[] = {
    "/usr/lib/x86_64-linux-gnu/gconv",
    "/usr/lib/aarch64-linux-gnu/gconv",
    "/usr/lib/i386-linux-gnu/gconv",
    "/usr/lib64/gconv",
    "/usr/lib/gconv",
    "/usr/share/zoneinfo",
    "/etc/localtime",
    NULL,
};

/* imapd_sandbox - narrow this process; warn once where impossible */
static int
imapd_sandbox(const char *const *rw, const char *const *ro)
{
	struct buf *why = buf_new(64);
	int r = 0;

	if (!var_imapd_sandbox)
		goto out;
	switch (sandbox_fs(rw, ro, why)) {
	case 1:
		if (!imapd_sandbox_warned)
			log_warn("no Landlock in this kernel: sessions are not "
			         "sandboxed (imapd_sandbox)");
		imapd_sandbox_warned = true;
		break;
	case -1:
		log_error("%s", buf_cstr(why));
		r = -1;
		break;
	}
out:
	buf_free(&why);
	return r;
}

/* imapd_pre_jail - as root: the TLS key, the connection slot files */
static void
imapd_pre_jail(void)
{
	struct buf *why = buf_new(128), *p = buf_new(256);

	imapd_tls =
	    tls_server_ctx_new(var_imapd_tls_cert_file, var_imapd_tls_key_file,
	        var_imapd_tls_protocols, var_imapd_tls_cipher_list, why);
	if (imapd_tls == NULL) {
		if (var_imapd_tls_wrappermode)
			log_fatal("imaps: %s", buf_cstr(why));
		log_warn("TLS not available: %s", buf_cstr(why));
	}
	buf_printf(p, "%s/imapd-client.conn", var_data_dir);
	if ((imapd_client_slots = connlimit_open(buf_cstr(p), why)) == NULL)
		log_warn("per-address connection limit not enforced: %s",
		    buf_cstr(why));
	buf_reset(p);
	buf_printf(p, "%s/imapd-user.conn", var_data_dir);
	if ((imapd_user_slots = connlimit_open(buf_cstr(p), why)) == NULL)
		log_warn("per-user connection limit not enforced: %s",
		    buf_cstr(why));
	buf_free(&why);
	buf_free(&p);
}

/* imapd_on_term - the master ends this process (stop, after its
 * timeout): end the session and login processes with it; they are in
 * our process group */
static void
imapd_on_term(int sig)
{
	signal(sig, SIG_DFL);
	kill(0, sig);
}

/* imapd_post_jail - time zone data, before any sandbox; SIGTERM */
static void
imapd_post_jail(void)
{
	tzset();
	signal(SIGTERM, imapd_on_term);
}

/* imapd_bye - one line to a client we will not serve */
static void
imapd_bye(int fd, const char *text)
{
	struct stream *s = stream_open(dup(fd));

	stream_set_timeout(s, 10);
	(void)stream_printf(s, "* BYE %s\r\n", text);
	(void)stream_flush(s);
	stream_close(&s);
}

/* imapd_root - the account's Maildir from the auth service's relative
 * path; -1 when it tries to leave virtual_mailbox_base */
static int
imapd_root(const char *rel, struct buf *out)
{
	size_t n = strlen(rel);

	if (n == 0 || rel[0] == '/' || strstr(rel, "..") != NULL)
		return -1;
	while (n > 0 && rel[n - 1] == '/')
		n--;
	buf_reset(out);
	buf_printf(out, "%s/%.*s", var_mail_base, (int)n, rel);
	return 0;
}

/* imapd_public_base - the public folders' root, made when missing (the
 * sandbox needs it to exist); NULL when turned off or unusable, and then
 * the session has no public namespace */
static const char *
imapd_public_base(void)
{
	struct buf *why;
	int r;

	if (*var_imapd_public_folder_base == 0)
		return NULL;
	why = buf_new(64);
	r = mbox_public_prepare(var_imapd_public_folder_base, why);
	if (r < 0)
		log_warn("imapd_public_folder_base %s: %s (no public folders)",
		    var_imapd_public_folder_base, buf_cstr(why));
	buf_free(&why);
	return r < 0 ? NULL : var_imapd_public_folder_base;
}

/* imapd_login_reply - answer the login process */
static int
imapd_login_reply(struct stream *p, struct ipc_msg *m, const char *status)
{
	ipc_begin(m, "login-reply");
	ipc_put_str(m, "status", status);
	return ipc_send(p, m);
}

/* imapd_mail - the mail process side of one client */
static void
imapd_mail(int fd, const struct service_client *client)
{
	struct stream *p = stream_open(fd);
	struct ipc_msg *m = ipc_new();
	struct buf *tag = buf_new(64), *login = buf_new(64);
	struct buf *pass = buf_new(64), *root = buf_new(256),
	           *why = buf_new(128);
	struct auth_result res;
	bool tls = false;

	auth_result_init(&res);
	stream_set_timeout(p, (int)var_imapd_login_timeout * 5 + 60);
	for (;;) {
		struct auth_request req;
		enum auth_status st;

		if (ipc_recv(p, m, why) < 0)
			goto out; /* the client went away before login */
		if (strcmp(ipc_type(m), "login") != 0
		    || ipc_get_str(m, "tag", tag) < 0
		    || ipc_get_str(m, "login", login) < 0
		    || ipc_get_str(m, "password", pass) < 0
		    || ipc_get_bool(m, "tls", &tls) < 0 || ipc_end(m) < 0) {
			log_warn("%s: malformed request from the login process",
			    client->addr);
			goto out;
		}
		req = (struct auth_request){.login = buf_cstr(login),
		    .password = buf_cstr(pass),
		    .service = "imap",
		    .client = client->addr,
		    .tls = tls};
		st = auth_client_login(&req, &res);
		explicit_bzero(buf_data(pass), buf_len(pass));
		if (st != AUTH_OK) {
			log_info("%s: login failed: user=<%s> %s: %s",
			    client->addr, buf_cstr(login), auth_status_name(st),
			    buf_cstr(res.reason));
			if (imapd_login_reply(p, m, auth_status_name(st)) < 0
			    || st == AUTH_BANNED)
				goto out;
			continue;
		}
		if (imapd_user_slots && var_imapd_user_connection_limit > 0) {
			const char *which;
			int r = connlimit_take(imapd_user_slots,
			    buf_cstr(res.user), var_imapd_user_connection_limit,
			    0, &which, why);

			if (r == 0) {
				log_warn("%s: user=<%s>: too many connections "
				         "(imapd_user_connection_limit %ld)",
				    client->addr, buf_cstr(res.user),
				    var_imapd_user_connection_limit);
				if (imapd_login_reply(p, m, "limit") < 0)
					goto out;
				continue;
			}
		}
		if (imapd_root(buf_cstr(res.maildir), root) < 0
		    || imapd_prepare_account(buf_cstr(root), why) < 0) {
			log_error("%s: user=<%s>: mailbox %s: %s", client->addr,
			    buf_cstr(res.user), buf_cstr(res.maildir),
			    buf_cstr(why));
			if (imapd_login_reply(p, m, "tempfail") < 0)
				goto out;
			continue;
		}
		break;
	}
	{
		const char *pub = imapd_public_base();
		const char *rw[] = {buf_cstr(root), pub, NULL};
		struct maildir_quota q = {.bytes = (uint64_t)res.quota};
		struct imapd *s;

		if (imapd_sandbox(rw, imapd_ro_paths) < 0) {
			(void)imapd_login_reply(p, m, "tempfail");
			goto out;
		}
		if (imapd_login_reply(p, m, "ok") < 0)
			goto out;
		log_info("%s: login: user=<%s> method=%s", client->addr,
		    buf_cstr(res.user), tls ? "TLS" : "plaintext");
		s = imapd_new(
		    p, p, client->addr, buf_cstr(res.user), buf_cstr(root), &q);
		imapd_set_public(s, pub);
		buf_reset(why);
		imapd_capability(s, why);
		imapd_printf(s, "%s OK [CAPABILITY %s] Logged in\r\n",
		    buf_cstr(tag), buf_cstr(why));
		imapd_run(s);
		imapd_free(&s);
	}
out:
	auth_result_free(&res);
	ipc_free(&m);
	stream_close(&p);
	buf_free(&tag);
	buf_free(&login);
	buf_free_secret(&pass);
	buf_free(&root);
	buf_free(&why);
}

/* imapd_session - one client, in a process of its own (the sandboxes
 * cannot be undone, and the service process serves the next client) */
static void
imapd_session(const struct service_client *client)
{
	struct buf *why = buf_new(128);
	bool local =
	    net_is_loopback(client->addr) || strcmp(client->addr, "local") == 0;
	time_t until;
	int sp[2], status;
	pid_t pid;

	if (auth_client_banned(client->addr, &until, why) == 1) {
		log_info("%s: banned: connection refused", client->addr);
		imapd_bye(client->fd,
		    "[UNAVAILABLE] Too many failed logins from "
		    "your address");
		goto out;
	}
	if (imapd_client_slots && var_imapd_client_connection_limit > 0) {
		const char *which;

		if (connlimit_take(imapd_client_slots, client->addr,
		        var_imapd_client_connection_limit, 0, &which, why)
		    == 0) {
			log_warn("%s: too many connections "
			         "(imapd_client_connection_limit %ld)",
			    client->addr, var_imapd_client_connection_limit);
			imapd_bye(client->fd,
			    "Too many connections from your "
			    "address");
			goto out;
		}
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		log_warn("socketpair: %m");
		goto out;
	}
	if ((pid = fork()) < 0) {
		log_warn("fork: %m");
		close(sp[0]);
		close(sp[1]);
		goto out;
	}
	if (pid == 0) {
		close(sp[0]);
		if (imapd_sandbox(NULL, NULL) < 0)
			_exit(1);
		imapd_login_run(
		    client->fd, sp[1], imapd_tls, client->addr, local);
		_exit(0);
	}
	close(sp[1]);
	imapd_mail(sp[0], client);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	if (imapd_client_slots)
		connlimit_release(imapd_client_slots);
	if (imapd_user_slots)
		connlimit_release(imapd_user_slots);
	buf_free(&why);
}

/* imapd_serve - one client: a child runs the session */
static void
imapd_serve(const struct service_client *client)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		log_warn("fork: %m");
		imapd_bye(client->fd, "[UNAVAILABLE] Server busy");
		return;
	}
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL);
		imapd_session(client);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(status))
		log_warn("%s: session process killed by signal %d",
		    client->addr, WTERMSIG(status));
}

/* imapd_preauth - "imapd -P [-c dir] maildir [user]": a logged-in session
 * on standard input and output, as an IMAP client runs it through ssh
 * (and as tests drive it) */
static int
imapd_preauth(int argc, char **argv)
{
	const char *dir = NULL, *root, *user;
	struct stream *in, *out;
	struct buf *why = buf_new(128), *caps = buf_new(256);
	struct imapd *s;
	int i = 2;

	log_init("imapd", LOG_TO_STDERR);
	if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
		dir = argv[i + 1];
		i += 2;
	}
	if (i >= argc)
		log_fatal("usage: imapd -P [-c config_dir] maildir [user]");
	root = argv[i];
	user = i + 1 < argc ? argv[i + 1] : "preauth";
	if (params_load(dir, true) > 0 && dir != NULL)
		log_fatal("configuration errors");
	if (imapd_prepare_account(root, why) < 0)
		log_fatal("%s: %s", root, buf_cstr(why));
	signal(SIGPIPE, SIG_IGN);
	in = stream_open(0);
	out = stream_open(1);
	s = imapd_new(in, out, "local", user, root, NULL);
	/* public folders only for an instance named with -c */
	imapd_set_public(s, dir ? imapd_public_base() : NULL);
	imapd_capability(s, caps);
	imapd_printf(s, "* PREAUTH [CAPABILITY %s] Logged in as %s\r\n",
	    buf_cstr(caps), user);
	imapd_run(s);
	imapd_free(&s);
	stream_close(&in);
	stream_close(&out);
	buf_free(&why);
	buf_free(&caps);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .pre_jail = imapd_pre_jail,
	    .post_jail = imapd_post_jail,
	    .serve = imapd_serve,
	};

	if (argc >= 2 && strcmp(argv[1], "-P") == 0)
		return imapd_preauth(argc, argv);
	return service_main(argc, argv, "imapd", &hooks);
}

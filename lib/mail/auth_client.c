/*
 * auth_client.c - the client side of the auth service protocol (see
 * auth_client.h). Each call is one ipc_call(): connect, send, read the
 * reply, close, all within auth_client_timeout. The reply is decoded
 * strictly; anything unexpected is a temporary failure, so that a
 * confused or compromised service can make a login fail but never
 * succeed by accident.
 */
#include "util/sys_defs.h"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#include "mail/auth_client.h"
#include "mail/ipc.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

static const char *const auth_status_names[] = {
    "ok", "fail", "disabled", "tempfail", "banned"};

/* auth_status_name - text of a status */
const char *
auth_status_name(enum auth_status st)
{
	if ((size_t)st >= NELEM(auth_status_names))
		return "unknown";
	return auth_status_names[st];
}

/* auth_result_init - an empty result */
void
auth_result_init(struct auth_result *r)
{
	memset(r, 0, sizeof(*r));
	r->status = AUTH_TEMPFAIL;
	r->user = buf_new(64);
	r->maildir = buf_new(64);
	r->reason = buf_new(64);
}

/* auth_result_free - release the buffers */
void
auth_result_free(struct auth_result *r)
{
	buf_free(&r->user);
	buf_free(&r->maildir);
	buf_free(&r->reason);
}

/* auth_client_path - where the service listens */
void
auth_client_path(struct buf *out)
{
	buf_reset(out);
	if (var_auth_service_path[0] == '/') {
		buf_cats(out, var_auth_service_path);
		return;
	}
	buf_printf(out, "%s/%s", var_queue_dir, var_auth_service_path);
	/* Inside a chroot jail of the queue directory, the queue is "/". */
	if (access(buf_cstr(out), F_OK) < 0
	    && access(var_queue_dir, F_OK) < 0) {
		buf_reset(out);
		buf_printf(out, "/%s", var_auth_service_path);
	}
}

/* auth_client_call - one exchange */
int
auth_client_call(
    const struct ipc_msg *req, struct ipc_msg *reply, struct buf *why)
{
	struct buf *path = buf_new(128);
	int ret;

	auth_client_path(path);
	ret = ipc_call(
	    buf_cstr(path), req, reply, (int)var_auth_client_timeout, why);
	if (ret < 0 && buf_len(why) > 0
	    && strstr(buf_cstr(why), "auth") == NULL)
		buf_printf(why, " (auth service %s)", buf_cstr(path));
	buf_free(&path);
	return ret;
}

/* auth_client_decode - a login-reply into r; 0 or -1 */
static int
auth_client_decode(struct ipc_msg *m, struct auth_result *r)
{
	struct buf *st = buf_new(16);
	long n;
	int ret = -1;

	if (strcmp(ipc_type(m), "login-reply") != 0
	    || ipc_get_str(m, "status", st) < 0)
		goto out;
	if (buf_eq(st, "ok")) {
		if (ipc_get_str(m, "user", r->user) < 0
		    || ipc_get_str(m, "maildir", r->maildir) < 0
		    || ipc_get_long(m, "quota", 0, LONG_MAX, &n) < 0
		    || buf_len(r->user) == 0 || buf_len(r->maildir) == 0)
			goto out;
		r->quota = n;
		r->status = AUTH_OK;
	} else {
		size_t i;

		for (i = 1; i < NELEM(auth_status_names); i++)
			if (buf_eq(st, auth_status_names[i]))
				break;
		if (i == NELEM(auth_status_names)
		    || ipc_get_str(m, "reason", r->reason) < 0)
			goto out;
		r->status = (enum auth_status)i;
		if (r->status == AUTH_BANNED) {
			if (ipc_get_long(m, "until", 0, LONG_MAX, &n) < 0)
				goto out;
			r->until = (time_t)n;
		}
	}
	ret = ipc_end(m);
out:
	buf_free(&st);
	return ret;
}

/* auth_client_login - one login attempt */
enum auth_status
auth_client_login(const struct auth_request *req, struct auth_result *r)
{
	struct ipc_msg *q = ipc_new(), *a = ipc_new();
	struct buf *why = buf_new(128);

	buf_reset(r->user);
	buf_reset(r->maildir);
	buf_reset(r->reason);
	r->quota = 0;
	r->until = 0;
	r->status = AUTH_TEMPFAIL;
	ipc_begin(q, "login");
	ipc_put_str(q, "login", req->login);
	ipc_put_str(q, "password", req->password);
	ipc_put_str(q, "service", req->service);
	ipc_put_str(q, "client", req->client);
	ipc_put_bool(q, "tls", req->tls);
	if (auth_client_call(q, a, why) < 0) {
		buf_printf(
		    r->reason, "auth service unavailable: %s", buf_cstr(why));
	} else if (auth_client_decode(a, r) < 0) {
		r->status = AUTH_TEMPFAIL;
		buf_reset(r->user);
		buf_reset(r->maildir);
		buf_sets(r->reason, "malformed reply from the auth service");
	}
	/* XXX the request's copy of the password is freed, not zeroed:
	 * ipc.c has no secret-aware free yet. */
	ipc_free(&q);
	ipc_free(&a);
	buf_free(&why);
	return r->status;
}

/* auth_client_banned - ask about one address */
int
auth_client_banned(const char *client, time_t *until_out, struct buf *why)
{
	struct ipc_msg *q = ipc_new(), *a = ipc_new();
	bool banned;
	long until;
	int ret = -1;

	ipc_begin(q, "banned");
	ipc_put_str(q, "client", client);
	if (auth_client_call(q, a, why) < 0)
		goto out;
	if (strcmp(ipc_type(a), "banned-reply") != 0
	    || ipc_get_bool(a, "banned", &banned) < 0
	    || ipc_get_long(a, "until", 0, LONG_MAX, &until) < 0
	    || ipc_end(a) < 0) {
		buf_printf(why, "malformed reply from the auth service");
		goto out;
	}
	if (until_out)
		*until_out = (time_t)until;
	ret = banned ? 1 : 0;
out:
	ipc_free(&q);
	ipc_free(&a);
	return ret;
}

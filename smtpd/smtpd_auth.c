/*
 * smtpd_auth.c - AUTH PLAIN and LOGIN (RFC 4954, RFC 4616), checked by
 * the auth service (auth_client.h): smtpd never sees a password hash.
 *
 * Passwords travel in cleartext inside these mechanisms, so AUTH is only
 * offered and accepted over TLS (smtpd_tls_auth_only), except from the
 * networks of smtpd_tls_auth_only_exceptions (loopback by default). Every
 * buffer that held a password is zeroed before it is freed.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"
#include "util/xalloc.h"

#include "proto/base64.h"

#include "mail/auth_client.h"
#include "mail/params.h"
#include "mail/params_smtpd.h"
#include "mail/service.h"

#include "smtpd.h"

/* The most a decoded SASL response may hold (RFC 4616 allows 255 octets
 * for each of the three PLAIN fields). */
#define SMTPD_SASL_MAX 1024

/* smtpd_auth_plaintext_ok - cleartext mechanisms may be used now */
static bool
smtpd_auth_plaintext_ok(const struct smtpd_state *st)
{
	return st->tls != NULL || !var_smtpd_tls_auth_only
	    || smtpd_check_is_loopback(st->addr);
}

/* smtpd_auth_offered - AUTH goes into the EHLO reply */
bool
smtpd_auth_offered(const struct smtpd_state *st)
{
	return var_smtpd_sasl_auth_enable && st->auth_user == NULL
	    && smtpd_auth_plaintext_ok(st)
	    && !(st->tls == NULL
	        && strcmp(var_smtpd_tls_security_level, "encrypt") == 0);
}

/* smtpd_auth_read - one client response: base64 decoded into out;
 * 0, or -1 after a reply (or an I/O error) */
static int
smtpd_auth_read(struct smtpd_state *st, struct buf *out)
{
	enum smtpd_line r = smtpd_getline(
	    st, (size_t)var_smtpd_command_line_limit, 64 * 1024, NULL);
	const char *p;
	size_t len;

	if (r == SMTPD_LINE_IO) {
		smtpd_io_error(st);
		return -1;
	}
	if (r == SMTPD_LINE_BARE_CR || r == SMTPD_LINE_BARE_LF) {
		smtpd_bare(st, r);
		return -1;
	}
	if (r != SMTPD_LINE_OK) {
		smtpd_reply(st,
		    "500 5.5.6 Authentication exchange line is too "
		    "long");
		return -1;
	}
	p = buf_cstr(st->line);
	len = buf_len(st->line) - 2;
	if (len == 1 && p[0] == '*') {
		smtpd_reply(st, "501 5.7.0 Authentication aborted");
		return -1;
	}
	if (base64_decode(p, len, out) < 0) {
		smtpd_reply(st, "501 5.5.2 Cannot decode response");
		return -1;
	}
	return 0;
}

/* smtpd_auth_challenge - send "334 text" and read the response */
static int
smtpd_auth_challenge(
    struct smtpd_state *st, const char *challenge, struct buf *out)
{
	smtpd_reply(st, "334 %s", challenge);
	if (stream_flush(st->s) < 0) {
		smtpd_io_error(st);
		return -1;
	}
	return smtpd_auth_read(st, out);
}

/* smtpd_auth_initial - the initial response ("=" is empty) */
static int
smtpd_auth_initial(struct smtpd_state *st, const char *ir, struct buf *out)
{
	if (strcmp(ir, "=") == 0)
		return 0;
	if (base64_decode(ir, strlen(ir), out) < 0) {
		smtpd_reply(st, "501 5.5.2 Cannot decode response");
		return -1;
	}
	return 0;
}

/* smtpd_auth_plain - RFC 4616: [authzid] NUL authcid NUL passwd */
static int
smtpd_auth_plain(struct smtpd_state *st, struct buf *login, struct buf *pw)
{
	struct buf *resp = buf_new_capped(64, SMTPD_SASL_MAX);
	const char *p, *nul1, *nul2;
	size_t len;
	int ret = -1;

	if (st->cmd.auth_initial) {
		if (smtpd_auth_initial(st, st->cmd.auth_initial, resp) < 0)
			goto out;
	}
	if (st->cmd.auth_initial == NULL
	    && smtpd_auth_challenge(st, "", resp) < 0)
		goto out;
	p = buf_cstr(resp);
	len = buf_len(resp);
	nul1 = memchr(p, 0, len);
	nul2 = nul1 ? memchr(nul1 + 1, 0, len - (size_t)(nul1 + 1 - p)) : NULL;
	if (nul1 == NULL || nul2 == NULL
	    || memchr(nul2 + 1, 0, len - (size_t)(nul2 + 1 - p)) != NULL
	    || nul2 == nul1 + 1) {
		smtpd_reply(st, "501 5.5.2 Invalid PLAIN response");
		goto out;
	}
	/* We do not act on behalf of others: authzid is empty or the
	 * login itself. */
	if (nul1 != p
	    && ((size_t)(nul1 - p) != (size_t)(nul2 - nul1 - 1)
	        || memcmp(p, nul1 + 1, (size_t)(nul1 - p)) != 0)) {
		smtpd_reply(st,
		    "535 5.7.8 Error: authentication failed: "
		    "authorization identity not allowed");
		goto out;
	}
	buf_set(login, nul1 + 1, (size_t)(nul2 - nul1 - 1));
	buf_set(pw, nul2 + 1, len - (size_t)(nul2 + 1 - p));
	ret = 0;
out:
	buf_free_secret(&resp);
	return ret;
}

/* smtpd_auth_login - the LOGIN mechanism: user name, then password */
static int
smtpd_auth_login(struct smtpd_state *st, struct buf *login, struct buf *pw)
{
	buf_reset(login);
	if (st->cmd.auth_initial) {
		if (smtpd_auth_initial(st, st->cmd.auth_initial, login) < 0)
			return -1;
	} else if (smtpd_auth_challenge(st, "VXNlcm5hbWU6", login) < 0) {
		return -1;
	}
	return smtpd_auth_challenge(st, "UGFzc3dvcmQ6", pw);
}

/* smtpd_cmd_auth - AUTH */
void
smtpd_cmd_auth(struct smtpd_state *st)
{
	struct buf *login = buf_new_capped(64, SMTPD_SASL_MAX);
	struct buf *pw = buf_new_capped(64, SMTPD_SASL_MAX);
	struct auth_request req;
	struct auth_result res;
	const char *mech = st->cmd.arg;
	int r;

	if (!var_smtpd_sasl_auth_enable) {
		smtpd_reply(st, "503 5.5.1 Error: authentication not enabled");
		goto out;
	}
	if (st->helo == NULL || !st->is_esmtp) {
		smtpd_reply(st, "503 5.5.1 Error: send EHLO first");
		goto out;
	}
	if (st->auth_user) {
		smtpd_reply(st, "503 5.5.1 Error: already authenticated");
		goto out;
	}
	if (st->has_mail) {
		smtpd_reply(
		    st, "503 5.5.1 Error: MAIL transaction in progress");
		goto out;
	}
	if (st->tls == NULL
	    && strcmp(var_smtpd_tls_security_level, "encrypt") == 0) {
		smtpd_reply(
		    st, "530 5.7.0 Must issue a STARTTLS command first");
		goto out;
	}
	if (!smtpd_auth_plaintext_ok(st)) {
		smtpd_reply(st,
		    "538 5.7.11 Encryption required for requested "
		    "authentication mechanism");
		goto out;
	}
	if (strcmp(mech, "PLAIN") == 0)
		r = smtpd_auth_plain(st, login, pw);
	else if (strcmp(mech, "LOGIN") == 0)
		r = smtpd_auth_login(st, login, pw);
	else {
		smtpd_reply(st, "504 5.5.4 Unrecognized authentication type");
		goto out;
	}
	if (r < 0)
		goto out;
	if (buf_len(login) == 0 || memchr(buf_cstr(login), 0, buf_len(login))
	    || memchr(buf_cstr(pw), 0, buf_len(pw))) {
		smtpd_reply(st, "535 5.7.8 Error: authentication failed");
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.login = buf_cstr(login);
	req.password = buf_cstr(pw);
	req.service = smtpd_service();
	req.client = st->addr;
	req.tls = st->tls != NULL;
	auth_result_init(&res);
	switch (auth_client_login(&req, &res)) {
	case AUTH_OK:
		st->auth_user = xstrdup(buf_cstr(res.user));
		st->auth_method = xstrdup(mech);
		log_info("%s: sasl_method=%s, sasl_username=%s", st->namaddr,
		    mech, st->auth_user);
		smtpd_reply(st, "235 2.7.0 Authentication successful");
		break;
	case AUTH_FAIL:
	case AUTH_DISABLED:
		log_warn("%s: SASL %s authentication failed: %s", st->namaddr,
		    mech, buf_cstr(res.reason));
		smtpd_reply(st, "535 5.7.8 Error: authentication failed");
		break;
	case AUTH_TEMPFAIL:
		log_warn("%s: SASL %s authentication: temporary failure: %s",
		    st->namaddr, mech, buf_cstr(res.reason));
		smtpd_reply(st, "454 4.7.0 Temporary authentication failure");
		break;
	case AUTH_BANNED:
		log_warn("%s: SASL %s authentication refused: %s", st->namaddr,
		    mech, buf_cstr(res.reason));
		smtpd_reply(st,
		    "421 4.7.0 %s Error: too many authentication failures",
		    var_myhostname);
		(void)stream_flush(st->s);
		st->must_close = true;
		break;
	}
	auth_result_free(&res);
out:
	buf_free_secret(&login);
	buf_free_secret(&pw);
}

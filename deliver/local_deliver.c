/*
 * local_deliver.c - one delivery request of the local agent: the message
 * is read from the queue file once, then written into the Maildir of
 * each recipient account, with two header lines in front:
 *
 *   Return-Path: <sender>
 *   Delivered-To: <recipient>
 *
 * Each copy goes through maildir_tmp_* (tmp/, fsync, link into new/,
 * fsync of the directory) before the recipient is reported "sent", and
 * the Maildir++ quota is checked and maildirsize updated by the same
 * commit (maildir.h), so IMAP QUOTA sees what delivery counted.
 *
 * Per recipient, in this order:
 *   no such account                      bounced  5.1.1
 *   account (or its domain) disabled     bounced  5.2.1
 *   the message already has a Delivered-To: naming the recipient (it has
 *   been here before: a forwarding loop) bounced  5.4.6
 *   over quota                           deferred 4.2.2, or bounced 5.2.2
 *                                        with quota_bounce_immediately
 *   anything else that fails (a map, the file system)  deferred 4.3.0
 * The recipient is an account address: aliases, lists and forwarding
 * were expanded by the queue manager.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <string.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"

#include "proto/rfc5322.h"

#include "mail/accounts.h"
#include "mail/deliver_agent.h"
#include "mail/deliver_proto.h"
#include "mail/maildir.h"
#include "mail/params.h"
#include "mail/params_deliver.h"
#include "mail/queue_file.h"

#include "local.h"

#define LOCAL_FIELDS_MAX 10000 /* header fields scanned for Delivered-To */

/* One request in progress. */
struct local_attempt {
	const struct deliver_request *req;
	struct deliver_reply *reply;
	struct buf *msg;          /* the message, as the queue file holds it */
	struct strv delivered_to; /* Delivered-To: addresses, lower case */
	struct buf *why;
};

/* local_read_message - the whole message of the queue file, once */
static int
local_read_message(struct local_attempt *a, struct buf *why)
{
	struct queue_file *qf;
	const struct queue_env *env;
	struct buf *path = buf_new(256);
	char chunk[65536];
	off_t off = 0;
	int ret = -1;

	queue_file_path(
	    var_queue_dir, a->req->queue_name, a->req->queue_id, path);
	if ((qf = queue_file_open(buf_cstr(path), false, why)) == NULL)
		goto out;
	env = queue_file_env(qf);
	while (off < env->body_size) {
		size_t want = sizeof(chunk);
		ssize_t n;

		if ((off_t)want > env->body_size - off)
			want = (size_t)(env->body_size - off);
		n = queue_file_read_body(qf, off, chunk, want);
		if (n <= 0) {
			buf_printf(why, "read %s: %s", buf_cstr(path),
			    n < 0 ? strerror(errno) : "unexpected end");
			goto out;
		}
		buf_cat(a->msg, chunk, (size_t)n);
		off += n;
	}
	ret = 0;
out:
	queue_file_close(&qf);
	buf_free(&path);
	return ret;
}

/* local_scan_header - the addresses of every Delivered-To: field */
static void
local_scan_header(struct local_attempt *a)
{
	const char *data = buf_cstr(a->msg);
	size_t len = buf_len(a->msg);
	struct rfc5322_header h;
	struct buf *v = buf_new(128);

	if (len > (size_t)var_deliver_header_limit)
		len = (size_t)var_deliver_header_limit;
	memset(&h, 0, sizeof(h));
	rfc5322_header_parse(
	    data, rfc5322_header_len(data, len), LOCAL_FIELDS_MAX, &h);
	for (size_t i = 0; i < h.n; i++) {
		char *p;
		size_t n;

		if (!rfc5322_field_is(&h.v[i], "Delivered-To"))
			continue;
		buf_reset(v);
		rfc5322_unfold(h.v[i].value, h.v[i].value_len, true, v);
		p = buf_data(v);
		n = buf_len(v);
		if (n >= 2 && p[0] == '<' && p[n - 1] == '>') {
			p[n - 1] = 0;
			p++;
		}
		strv_push(&a->delivered_to, str_lower(p));
	}
	rfc5322_header_free(&h);
	buf_free(&v);
}

/* local_prefix - why becomes prefix + why */
static void
local_prefix(struct buf *why, const char *prefix)
{
	struct buf *t = buf_new(buf_len(why) + 64);

	buf_printf(t, "%s%s", prefix, buf_cstr(why));
	buf_sets(why, buf_cstr(t));
	buf_free(&t);
}

/* local_set - a recipient's result */
static void
local_set(struct local_attempt *a, size_t i, enum deliver_status st,
    const char *dsn, const char *reason)
{
	const char *success = NULL;

	if (st == DELIVER_SENT
	    && deliver_notify_has(a->req->rcpt[i].dsn_notify, "SUCCESS"))
		success = "delivered";
	deliver_result_set(
	    &a->reply->res[i], st, dsn, reason, NULL, NULL, success);
}

/* local_is_loop - the message has been delivered to rcpt before */
static bool
local_is_loop(struct local_attempt *a, const char *rcpt)
{
	for (size_t i = 0; i < a->delivered_to.n; i++)
		if (str_eq_ci(a->delivered_to.v[i], rcpt))
			return true;
	return false;
}

/* local_write_maildir - the message into the Maildir at path; 0, -1 or
 * MAILDIR_OVERQUOTA */
static int
local_write_maildir(struct local_attempt *a, const char *rcpt, const char *path,
    long long quota, struct buf *name, struct buf *why)
{
	struct maildir_commit c;
	struct maildir_tmp *t;
	struct buf *pre = buf_new(256);
	int ret;

	if (!maildir_exists(path)
	    && (file_mkdirs(path, 0700, why) < 0
	        || maildir_make(path, false, why) < 0)) {
		buf_free(&pre);
		return -1;
	}
	if ((t = maildir_tmp_create(path, why)) == NULL) {
		buf_free(&pre);
		return -1;
	}
	buf_printf(pre, "Return-Path: <%s>\nDelivered-To: <%s>\n",
	    a->req->sender, rcpt);
	(void)maildir_tmp_write(t, buf_cstr(pre), buf_len(pre));
	(void)maildir_tmp_write(t, buf_cstr(a->msg), buf_len(a->msg));
	memset(&c, 0, sizeof(c));
	if (quota > 0) {
		c.quota_root = path;
		c.quota.bytes = (uint64_t)quota;
	}
	ret = maildir_tmp_commit(&t, &c, name, why);
	buf_free(&pre);
	return ret;
}

/* local_deliver_one - recipient i */
static void
local_deliver_one(struct local_attempt *a, size_t i)
{
	const char *rcpt = a->req->rcpt[i].addr;
	struct accounts_user u;
	struct buf *why = a->why, *path = buf_new(256), *name = buf_new(128);
	int found, ret;

	memset(&u, 0, sizeof(u));
	buf_reset(why);
	found = accounts_user(local_agent.acc, rcpt, &u, why);
	if (found < 0) {
		local_prefix(why, "account lookup: ");
		local_set(a, i, DELIVER_DEFERRED, "4.3.0", buf_cstr(why));
		goto out;
	}
	if (found == 0) {
		buf_reset(why);
		buf_printf(why, "unknown user: <%s>", rcpt);
		local_set(a, i, DELIVER_BOUNCED, "5.1.1", buf_cstr(why));
		goto out;
	}
	if (!u.active) {
		buf_reset(why);
		buf_printf(why, "account disabled: <%s>", rcpt);
		local_set(a, i, DELIVER_BOUNCED, "5.2.1", buf_cstr(why));
		goto out;
	}
	if (local_is_loop(a, rcpt) || local_is_loop(a, u.address)) {
		buf_reset(why);
		buf_printf(why, "mail forwarding loop for %s", rcpt);
		local_set(a, i, DELIVER_BOUNCED, "5.4.6", buf_cstr(why));
		goto out;
	}
	if (accounts_maildir_path(u.maildir, path, why) < 0) {
		log_warn("%s: account %s: %s", a->req->queue_id, rcpt,
		    buf_cstr(why));
		local_set(a, i, DELIVER_DEFERRED, "4.3.5",
		    "mail system configuration error (bad maildir)");
		goto out;
	}
	ret = local_write_maildir(
	    a, u.address, buf_cstr(path), u.quota, name, why);
	if (ret == MAILDIR_OVERQUOTA) {
		if (var_quota_bounce_now)
			local_set(
			    a, i, DELIVER_BOUNCED, "5.2.2", "mailbox full");
		else
			local_set(
			    a, i, DELIVER_DEFERRED, "4.2.2", "mailbox full");
	} else if (ret < 0) {
		log_warn("%s: maildir delivery to %s: %s", a->req->queue_id,
		    rcpt, buf_cstr(why));
		local_prefix(why, "maildir delivery failed: ");
		local_set(a, i, DELIVER_DEFERRED, "4.3.0", buf_cstr(why));
	} else {
		local_set(a, i, DELIVER_SENT, "2.0.0", "delivered to maildir");
	}
out:
	accounts_user_free(&u);
	buf_free(&path);
	buf_free(&name);
}

/* local_deliver - one request */
void
local_deliver(const struct deliver_request *req, struct deliver_reply *reply)
{
	struct local_attempt a;
	int64_t start_ms = clock_ms(), xfer_ms;

	memset(&a, 0, sizeof(a));
	a.req = req;
	a.reply = reply;
	a.msg = buf_new(65536);
	a.why = buf_new(256);
	strv_init(&a.delivered_to);
	if (local_read_message(&a, a.why) < 0) {
		log_warn("%s: %s", req->queue_id, buf_cstr(a.why));
		local_prefix(a.why, "cannot read the queue file: ");
		for (size_t i = 0; i < req->nrcpt; i++)
			local_set(
			    &a, i, DELIVER_DEFERRED, "4.3.0", buf_cstr(a.why));
	} else {
		local_scan_header(&a);
		for (size_t i = 0; i < req->nrcpt; i++)
			local_deliver_one(&a, i);
	}
	xfer_ms = clock_ms() - start_ms;
	deliver_agent_log(req, reply, start_ms, 0, xfer_ms, 0, "local");
	strv_free(&a.delivered_to);
	buf_free(&a.msg);
	buf_free(&a.why);
}

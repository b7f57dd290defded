/*
 * deliver_proto.c - the delivery request and reply (see deliver_proto.h).
 *
 * The decoders treat the peer as possibly compromised: every value is
 * checked before anyone uses it, and in particular no value that the smtp
 * agent puts into an SMTP command may hold a control character (CR or LF
 * there would be command injection).
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/deliver_proto.h"
#include "mail/ipc.h"

/* deliver_request_init - empty request */
void
deliver_request_init(struct deliver_request *r)
{
	memset(r, 0, sizeof(*r));
}

/* deliver_request_free - release every string */
void
deliver_request_free(struct deliver_request *r)
{
	free(r->queue_id);
	free(r->queue_name);
	free(r->nexthop);
	free(r->sender);
	free(r->body_type);
	free(r->dsn_envid);
	free(r->dsn_ret);
	for (size_t i = 0; i < r->nrcpt; i++) {
		free(r->rcpt[i].addr);
		free(r->rcpt[i].orig_addr);
		free(r->rcpt[i].dsn_orcpt);
		free(r->rcpt[i].dsn_notify);
	}
	free(r->rcpt);
	deliver_request_init(r);
}

/* deliver_request_add_rcpt - append one recipient */
struct deliver_rcpt *
deliver_request_add_rcpt(struct deliver_request *r, long id, const char *addr,
    const char *orig_addr, const char *orcpt, const char *notify)
{
	struct deliver_rcpt *rc;

	r->rcpt = xreallocarray(r->rcpt, r->nrcpt + 1, sizeof(*r->rcpt));
	rc = &r->rcpt[r->nrcpt++];
	rc->id = id;
	rc->addr = xstrdup(addr ? addr : "");
	rc->orig_addr = xstrdup(orig_addr ? orig_addr : "");
	rc->dsn_orcpt = xstrdup(orcpt ? orcpt : "");
	rc->dsn_notify = xstrdup(notify ? notify : "");
	return rc;
}

/* deliver_str - NULL as "" for encoding */
static const char *
deliver_str(const char *s)
{
	return s ? s : "";
}

/* deliver_request_encode - the request message */
void
deliver_request_encode(const struct deliver_request *r, struct ipc_msg *m)
{
	ipc_begin(m, DELIVER_REQUEST);
	ipc_put_str(m, "queue_id", deliver_str(r->queue_id));
	ipc_put_str(m, "queue_name", deliver_str(r->queue_name));
	ipc_put_str(m, "nexthop", deliver_str(r->nexthop));
	ipc_put_str(m, "sender", deliver_str(r->sender));
	ipc_put_long(m, "arrival_time", r->arrival_us);
	ipc_put_long(m, "active_time", r->active_us);
	ipc_put_str(m, "body_type", deliver_str(r->body_type));
	ipc_put_bool(m, "smtputf8", r->smtputf8);
	ipc_put_str(m, "dsn_envid", deliver_str(r->dsn_envid));
	ipc_put_str(m, "dsn_ret", deliver_str(r->dsn_ret));
	ipc_put_long(m, "rcpt_count", (long)r->nrcpt);
	for (size_t i = 0; i < r->nrcpt; i++) {
		const struct deliver_rcpt *rc = &r->rcpt[i];

		ipc_put_long(m, "rcpt_id", rc->id);
		ipc_put_str(m, "rcpt", deliver_str(rc->addr));
		ipc_put_str(m, "orig_rcpt", deliver_str(rc->orig_addr));
		ipc_put_str(m, "dsn_orcpt", deliver_str(rc->dsn_orcpt));
		ipc_put_str(m, "dsn_notify", deliver_str(rc->dsn_notify));
	}
}

/*
 * Value checks. Each returns true when the whole value (len bytes, which
 * may hold NUL) is acceptable.
 */

/* deliver_no_ctl - no control characters (C0, DEL), no NUL */
static bool
deliver_no_ctl(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
	}
	return true;
}

/* deliver_qid_ok - [A-Za-z0-9]{1,64} */
static bool
deliver_qid_ok(const char *s, size_t len)
{
	if (len == 0 || len > DELIVER_QID_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]))
			return false;
	return true;
}

/* deliver_qname_ok - [a-z]{1,16} */
static bool
deliver_qname_ok(const char *s, size_t len)
{
	if (len == 0 || len > 16)
		return false;
	for (size_t i = 0; i < len; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return false;
	return true;
}

/* deliver_orcpt_ok - "" or "type;address": an atom, ';', no control
 * characters anywhere */
static bool
deliver_orcpt_ok(const char *s, size_t len)
{
	const char *semi = memchr(s, ';', len);

	if (len == 0)
		return true;
	if (semi == NULL || semi == s || (size_t)(semi - s) == len - 1)
		return false;
	for (const char *p = s; p < semi; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return false;
	return deliver_no_ctl(s, len);
}

/* deliver_nexthop_ok - printable, no white space */
static bool
deliver_nexthop_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

/* deliver_dsn_ok - class.subject.detail */
bool
deliver_dsn_ok(const char *dsn)
{
	const char *p = dsn;

	if (dsn == NULL || (p[0] != '2' && p[0] != '4' && p[0] != '5')
	    || p[1] != '.')
		return false;
	p += 2;
	for (int part = 0; part < 2; part++) {
		int n = 0;

		while (isdigit((unsigned char)*p) && n < 4)
			p++, n++;
		if (n == 0 || n > 3)
			return false;
		if (part == 0 && *p++ != '.')
			return false;
	}
	return *p == 0;
}

/* deliver_notify_normalize - canonical NOTIFY value */
int
deliver_notify_normalize(const char *in, struct buf *out)
{
	static const char *const words[] = {"SUCCESS", "FAILURE", "DELAY"};
	bool seen[NELEM(words)] = {false};
	struct strv sv;
	int ret = 0;

	buf_reset(out);
	if (*in == 0)
		return 0;
	if (str_eq_ci(in, "NEVER")) {
		buf_sets(out, "NEVER");
		return 0;
	}
	if (in[strlen(in) - 1] == ',' || in[0] == ',' || strstr(in, ",,"))
		return -1;
	strv_init(&sv);
	strv_split(&sv, in, ",");
	for (size_t i = 0; i < sv.n && ret == 0; i++) {
		size_t k;

		for (k = 0; k < NELEM(words); k++)
			if (str_eq_ci(sv.v[i], words[k]))
				break;
		if (k == NELEM(words) || seen[k])
			ret = -1;
		else
			seen[k] = true;
	}
	strv_free(&sv);
	if (ret < 0)
		return -1;
	for (size_t k = 0; k < NELEM(words); k++)
		if (seen[k])
			buf_printf(
			    out, "%s%s", buf_len(out) ? "," : "", words[k]);
	return 0;
}

/* deliver_notify_has - word is in the canonical list */
bool
deliver_notify_has(const char *notify, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = notify; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len == n && strncmp(p, word, n) == 0)
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/*
 * Decoding: one helper per value kind. Each gets the next attribute, which
 * must be name, checks it, and stores a copy; -1 with why otherwise.
 */

typedef bool (*deliver_check_fn)(const char *, size_t);

/* deliver_get - next attribute as a checked string */
static int
deliver_get(struct ipc_msg *m, const char *name, size_t max,
    deliver_check_fn check, char **out, struct buf *tmp, struct buf *why)
{
	if (ipc_get_str(m, name, tmp) < 0) {
		buf_printf(why, "missing or misplaced attribute %s", name);
		return -1;
	}
	if (buf_len(tmp) > max || strlen(buf_cstr(tmp)) != buf_len(tmp)
	    || (check && !check(buf_cstr(tmp), buf_len(tmp)))) {
		buf_printf(why, "bad value of attribute %s", name);
		return -1;
	}
	free(*out);
	*out = xstrdup(buf_cstr(tmp));
	return 0;
}

/* deliver_get_long - next attribute as a bounded number */
static int
deliver_get_long(struct ipc_msg *m, const char *name, long min, long max,
    long *out, struct buf *why)
{
	if (ipc_get_long(m, name, min, max, out) < 0) {
		buf_printf(why, "missing, misplaced or bad attribute %s", name);
		return -1;
	}
	return 0;
}

/* deliver_one_of - value must be one of the words (NULL-terminated) */
static int
deliver_one_of(const char *name, const char *value, const char *const *words,
    struct buf *why)
{
	for (size_t i = 0; words[i]; i++)
		if (strcmp(value, words[i]) == 0)
			return 0;
	buf_printf(why, "bad value of attribute %s", name);
	return -1;
}

/* deliver_request_decode - strict request decoder */
int
deliver_request_decode(
    struct ipc_msg *m, struct deliver_request *r, struct buf *why)
{
	static const char *const body_types[] = {"", "7BIT", "8BITMIME", NULL};
	static const char *const rets[] = {"", "FULL", "HDRS", NULL};
	struct buf *tmp = buf_new(256), *norm = buf_new(32);
	long n;
	int ret = -1;

	deliver_request_free(r);
	if (strcmp(ipc_type(m), DELIVER_REQUEST) != 0) {
		buf_printf(why, "not a delivery request: %s", ipc_type(m));
		goto out;
	}
	if (deliver_get(m, "queue_id", DELIVER_QID_MAX, deliver_qid_ok,
	        &r->queue_id, tmp, why)
	        < 0
	    || deliver_get(m, "queue_name", 16, deliver_qname_ok,
	           &r->queue_name, tmp, why)
	        < 0
	    || deliver_get(m, "nexthop", DELIVER_NEXTHOP_MAX,
	           deliver_nexthop_ok, &r->nexthop, tmp, why)
	        < 0
	    || deliver_get(m, "sender", DELIVER_ADDR_MAX, deliver_no_ctl,
	           &r->sender, tmp, why)
	        < 0
	    || deliver_get_long(
	           m, "arrival_time", 0, LONG_MAX, &r->arrival_us, why)
	        < 0
	    || deliver_get_long(
	           m, "active_time", 0, LONG_MAX, &r->active_us, why)
	        < 0
	    || deliver_get(m, "body_type", 16, NULL, &r->body_type, tmp, why)
	        < 0
	    || deliver_one_of("body_type", r->body_type, body_types, why) < 0)
		goto out;
	if (ipc_get_bool(m, "smtputf8", &r->smtputf8) < 0) {
		buf_printf(why, "missing, misplaced or bad attribute smtputf8");
		goto out;
	}
	if (deliver_get(m, "dsn_envid", DELIVER_ENVID_MAX, deliver_no_ctl,
	        &r->dsn_envid, tmp, why)
	        < 0
	    || deliver_get(m, "dsn_ret", 8, NULL, &r->dsn_ret, tmp, why) < 0
	    || deliver_one_of("dsn_ret", r->dsn_ret, rets, why) < 0
	    || deliver_get_long(m, "rcpt_count", 1, DELIVER_RCPT_MAX, &n, why)
	        < 0)
		goto out;
	r->rcpt = xcalloc((size_t)n, sizeof(*r->rcpt));
	for (long i = 0; i < n; i++) {
		struct deliver_rcpt *rc = &r->rcpt[i];

		r->nrcpt++;
		if (deliver_get_long(m, "rcpt_id", 0, LONG_MAX, &rc->id, why)
		        < 0
		    || deliver_get(m, "rcpt", DELIVER_ADDR_MAX, deliver_no_ctl,
		           &rc->addr, tmp, why)
		        < 0
		    || deliver_get(m, "orig_rcpt", DELIVER_ADDR_MAX,
		           deliver_no_ctl, &rc->orig_addr, tmp, why)
		        < 0
		    || deliver_get(m, "dsn_orcpt", DELIVER_ORCPT_MAX,
		           deliver_orcpt_ok, &rc->dsn_orcpt, tmp, why)
		        < 0
		    || deliver_get(
		           m, "dsn_notify", 32, NULL, &rc->dsn_notify, tmp, why)
		        < 0)
			goto out;
		if (*rc->addr == 0) {
			buf_printf(why, "empty recipient address");
			goto out;
		}
		if (deliver_notify_normalize(rc->dsn_notify, norm) < 0
		    || !buf_eq(norm, rc->dsn_notify)) {
			buf_printf(why, "bad value of attribute dsn_notify");
			goto out;
		}
	}
	if (ipc_end(m) < 0) {
		buf_printf(why, "unexpected attribute after the recipients");
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		deliver_request_free(r);
	buf_free(&tmp);
	buf_free(&norm);
	return ret;
}

/* deliver_reply_init - empty reply */
void
deliver_reply_init(struct deliver_reply *p)
{
	memset(p, 0, sizeof(*p));
}

/* deliver_reply_free - release everything */
void
deliver_reply_free(struct deliver_reply *p)
{
	free(p->queue_id);
	for (size_t i = 0; i < p->nres; i++) {
		free(p->res[i].reason);
		free(p->res[i].diag);
		free(p->res[i].relay);
	}
	free(p->res);
	deliver_reply_init(p);
}

/* deliver_status_name - the log word */
const char *
deliver_status_name(enum deliver_status s)
{
	switch (s) {
	case DELIVER_SENT:
		return "sent";
	case DELIVER_DEFERRED:
		return "deferred";
	case DELIVER_BOUNCED:
		return "bounced";
	}
	return "unknown";
}

/* deliver_success_dsn - the canonical constant for a success DSN word */
static const char *
deliver_success_dsn(const char *s)
{
	if (s == NULL || strcmp(s, "none") == 0)
		return "none";
	if (strcmp(s, "delivered") == 0)
		return "delivered";
	if (strcmp(s, "relayed") == 0)
		return "relayed";
	return NULL;
}

/* deliver_status_class - the DSN class digit a status needs */
static char
deliver_status_class(enum deliver_status s)
{
	return s == DELIVER_SENT ? '2' : s == DELIVER_DEFERRED ? '4' : '5';
}

/* deliver_result_set - fill one result */
void
deliver_result_set(struct deliver_result *res, enum deliver_status status,
    const char *dsn, const char *reason, const char *diag, const char *relay,
    const char *success_dsn)
{
	ASSERT(deliver_dsn_ok(dsn) && strlen(dsn) < sizeof(res->dsn));
	ASSERT(dsn[0] == deliver_status_class(status));
	res->status = status;
	snprintf(res->dsn, sizeof(res->dsn), "%s", dsn);
	free(res->reason);
	free(res->diag);
	free(res->relay);
	res->reason = xstrdup(reason ? reason : "");
	res->diag = xstrdup(diag ? diag : "");
	res->relay =
	    xstrndup(relay && *relay ? relay : "none", DELIVER_RELAY_MAX);
	res->success_dsn = deliver_success_dsn(success_dsn);
	ASSERT(res->success_dsn != NULL);
	if (status != DELIVER_SENT)
		res->success_dsn = "none";
}

/* deliver_reply_for - one placeholder result per recipient */
void
deliver_reply_for(struct deliver_reply *p, const struct deliver_request *req)
{
	deliver_reply_free(p);
	p->queue_id = xstrdup(req->queue_id ? req->queue_id : "");
	p->res = xcalloc(req->nrcpt ? req->nrcpt : 1, sizeof(*p->res));
	p->nres = req->nrcpt;
	for (size_t i = 0; i < req->nrcpt; i++) {
		p->res[i].id = req->rcpt[i].id;
		deliver_result_set(&p->res[i], DELIVER_DEFERRED, "4.3.0",
		    "delivery not attempted", NULL, NULL, NULL);
	}
}

/* deliver_text_cap - keep a text within DELIVER_TEXT_MAX for the wire */
static void
deliver_put_text(struct ipc_msg *m, const char *name, const char *s)
{
	size_t n = strlen(s);

	ipc_put_data(m, name, s, MIN(n, DELIVER_TEXT_MAX));
}

/* deliver_reply_encode - the reply message */
void
deliver_reply_encode(const struct deliver_reply *p, struct ipc_msg *m)
{
	ipc_begin(m, DELIVER_REPLY);
	ipc_put_str(m, "queue_id", deliver_str(p->queue_id));
	ipc_put_long(m, "rcpt_count", (long)p->nres);
	for (size_t i = 0; i < p->nres; i++) {
		const struct deliver_result *res = &p->res[i];

		ipc_put_long(m, "rcpt_id", res->id);
		ipc_put_str(m, "status", deliver_status_name(res->status));
		ipc_put_str(m, "dsn", res->dsn);
		deliver_put_text(m, "reason", deliver_str(res->reason));
		deliver_put_text(m, "diag", deliver_str(res->diag));
		ipc_put_str(m, "relay", deliver_str(res->relay));
		ipc_put_str(m, "success_dsn",
		    res->success_dsn ? res->success_dsn : "none");
	}
}

/* deliver_text_ok - printable text; "\n" allowed (multi-line replies) */
static bool
deliver_text_ok(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

/* deliver_reply_decode - strict reply decoder */
int
deliver_reply_decode(struct ipc_msg *m, const struct deliver_request *req,
    struct deliver_reply *p, struct buf *why)
{
	struct buf *tmp = buf_new(256);
	char *s = NULL;
	long n;
	int ret = -1;

	deliver_reply_free(p);
	if (strcmp(ipc_type(m), DELIVER_REPLY) != 0) {
		buf_printf(why, "not a delivery status: %s", ipc_type(m));
		goto out;
	}
	if (deliver_get(m, "queue_id", DELIVER_QID_MAX, deliver_qid_ok,
	        &p->queue_id, tmp, why)
	        < 0
	    || deliver_get_long(m, "rcpt_count", 1, DELIVER_RCPT_MAX, &n, why)
	        < 0)
		goto out;
	if (req
	    && (strcmp(p->queue_id, req->queue_id) != 0
	        || (size_t)n != req->nrcpt)) {
		buf_printf(why, "status does not answer the request");
		goto out;
	}
	p->res = xcalloc((size_t)n, sizeof(*p->res));
	for (long i = 0; i < n; i++) {
		struct deliver_result *res = &p->res[i];
		enum deliver_status st;

		p->nres++;
		if (deliver_get_long(m, "rcpt_id", 0, LONG_MAX, &res->id, why)
		    < 0)
			goto out;
		if (req && res->id != req->rcpt[i].id) {
			buf_printf(why, "status does not answer the request");
			goto out;
		}
		if (deliver_get(m, "status", 16, NULL, &s, tmp, why) < 0)
			goto out;
		if (strcmp(s, "sent") == 0)
			st = DELIVER_SENT;
		else if (strcmp(s, "deferred") == 0)
			st = DELIVER_DEFERRED;
		else if (strcmp(s, "bounced") == 0)
			st = DELIVER_BOUNCED;
		else {
			buf_printf(why, "bad value of attribute status");
			goto out;
		}
		res->status = st;
		if (deliver_get(m, "dsn", 15, NULL, &s, tmp, why) < 0)
			goto out;
		if (!deliver_dsn_ok(s) || s[0] != deliver_status_class(st)) {
			buf_printf(why, "bad value of attribute dsn");
			goto out;
		}
		snprintf(res->dsn, sizeof(res->dsn), "%s", s);
		if (deliver_get(m, "reason", DELIVER_TEXT_MAX, deliver_text_ok,
		        &res->reason, tmp, why)
		        < 0
		    || deliver_get(m, "diag", DELIVER_TEXT_MAX, deliver_text_ok,
		           &res->diag, tmp, why)
		        < 0
		    || deliver_get(m, "relay", DELIVER_RELAY_MAX,
		           deliver_no_ctl, &res->relay, tmp, why)
		        < 0
		    || deliver_get(m, "success_dsn", 16, NULL, &s, tmp, why)
		        < 0)
			goto out;
		if ((res->success_dsn = deliver_success_dsn(s)) == NULL
		    || (st != DELIVER_SENT
		        && strcmp(res->success_dsn, "none") != 0)) {
			buf_printf(why, "bad value of attribute success_dsn");
			goto out;
		}
	}
	if (ipc_end(m) < 0) {
		buf_printf(why, "unexpected attribute after the results");
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		deliver_reply_free(p);
	free(s);
	buf_free(&tmp);
	return ret;
}

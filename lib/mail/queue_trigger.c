/*
 * queue_trigger.c - send one request to a trigger socket (queue_trigger.h).
 *
 * This is the single place that speaks the trigger protocol as a client:
 * queue_wake() of smtpd and pickup, ETRN, `gannet queue flush|requeue|
 * release|resume`, and sendmail waking pickup all come through here.
 */
#include "util/sys_defs.h"

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/net.h"
#include "util/stream.h"

#include "mail/queue_trigger.h"

/* queue_trigger_send - one request on one socket */
int
queue_trigger_send(const char *queue_dir, const char *sock, const char *req,
    size_t len, struct buf *why)
{
	struct buf *path = buf_new(128);
	struct stream *s;
	int fd, ret = -1;

	buf_printf(path, "%s/%s", queue_dir, sock);
	if ((fd = net_connect_unix(buf_cstr(path), QUEUE_TRIGGER_TIMEOUT, why))
	    < 0)
		goto out;
	s = stream_open(fd);
	stream_set_timeout_ms(s, QUEUE_TRIGGER_TIMEOUT);
	if (stream_write(s, req, len) < 0 || stream_flush(s) < 0) {
		buf_reset(why);
		buf_printf(
		    why, "write to %s: %s", buf_cstr(path), stream_strerror(s));
	} else
		ret = 0;
	stream_close(&s);
out:
	buf_free(&path);
	return ret;
}

/* queue_trigger_qmgr - the queue manager's socket, private or public */
int
queue_trigger_qmgr(
    const char *queue_dir, const char *req, size_t len, struct buf *why)
{
	static const char *const socks[] = {"private/qmgr", "public/qmgr"};
	struct buf *path = buf_new(128);
	int ret = -1;

	buf_reset(why);
	buf_printf(why, "no queue manager socket in %s/private", queue_dir);
	for (size_t i = 0; i < NELEM(socks) && ret < 0; i++) {
		buf_reset(path);
		buf_printf(path, "%s/%s", queue_dir, socks[i]);
		if (!file_exists(buf_cstr(path)))
			continue;
		buf_reset(why);
		ret = queue_trigger_send(queue_dir, socks[i], req, len, why);
	}
	buf_free(&path);
	return ret;
}

/* queue_trigger_flush - "F" or "F<domain>\n" */
int
queue_trigger_flush(const char *queue_dir, const char *domain, struct buf *why)
{
	struct buf *req;
	int ret;

	if (domain == NULL || *domain == 0)
		return queue_trigger_qmgr(
		    queue_dir, QUEUE_TRIGGER_FLUSH, 1, why);
	if (strlen(domain) > 255) {
		buf_reset(why);
		buf_cats(why, "domain name too long");
		return -1;
	}
	for (const char *p = domain; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f) {
			buf_reset(why);
			buf_cats(why, "bad character in domain name");
			return -1;
		}
	req = buf_new(64);
	buf_printf(req, "%s%s\n", QUEUE_TRIGGER_FLUSH, domain);
	ret = queue_trigger_qmgr(queue_dir, buf_cstr(req), buf_len(req), why);
	buf_free(&req);
	return ret;
}

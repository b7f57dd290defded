/*
 * ipc.c - typed attribute messages (see ipc.h). The decoder is written to
 * be fuzzed: it never trusts a length, a count or a character it has not
 * checked, and it fails on the first thing out of place.
 */
#include "util/sys_defs.h"

#include <ctype.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/net.h"
#include "util/stream.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/ipc.h"

struct ipc_attr {
	char *name;
	struct buf *value;
};

struct ipc_msg {
	char *type;
	struct ipc_attr *attrs;
	size_t n, alloc;
	size_t next;      /* decoder position */
	struct buf *wire; /* encoder output */
};

/* ipc_new - an empty message */
struct ipc_msg *
ipc_new(void)
{
	struct ipc_msg *m = xcalloc(1, sizeof(*m));

	m->type = xstrdup("");
	m->wire = buf_new(256);
	return m;
}

/* ipc_clear - drop type and attributes */
static void
ipc_clear(struct ipc_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->attrs[i].name);
		buf_free(&m->attrs[i].value);
	}
	m->n = 0;
	m->next = 0;
	buf_reset(m->wire);
}

/* ipc_free - free and clear the pointer */
void
ipc_free(struct ipc_msg **mp)
{
	struct ipc_msg *m = *mp;

	if (m == NULL)
		return;
	ipc_clear(m);
	free(m->attrs);
	free(m->type);
	buf_free(&m->wire);
	free(m);
	*mp = NULL;
}

/* ipc_name_ok - type and attribute names: [a-z0-9_-]+ */
static bool
ipc_name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!islower((unsigned char)s[i])
		    && !isdigit((unsigned char)s[i]) && s[i] != '_'
		    && s[i] != '-')
			return false;
	return true;
}

/* ipc_begin - reset to an empty message of type */
void
ipc_begin(struct ipc_msg *m, const char *type)
{
	ASSERT(ipc_name_ok(type, strlen(type)));
	ipc_clear(m);
	free(m->type);
	m->type = xstrdup(type);
}

/* ipc_add - append an attribute (decoded value) */
static struct ipc_attr *
ipc_add(struct ipc_msg *m, const char *name, size_t nlen)
{
	struct ipc_attr *a;

	if (m->n == m->alloc) {
		m->alloc = m->alloc ? m->alloc * 2 : 16;
		m->attrs = xreallocarray(m->attrs, m->alloc, sizeof(*m->attrs));
	}
	a = &m->attrs[m->n++];
	a->name = xstrndup(name, nlen);
	a->value = buf_new(32);
	return a;
}

/* ipc_put_data - append name=bytes */
void
ipc_put_data(struct ipc_msg *m, const char *name, const void *p, size_t n)
{
	ASSERT(ipc_name_ok(name, strlen(name)));
	buf_cat(ipc_add(m, name, strlen(name))->value, p, n);
}

/* ipc_put_str - append name=string */
void
ipc_put_str(struct ipc_msg *m, const char *name, const char *value)
{
	ipc_put_data(m, name, value, strlen(value));
}

/* ipc_put_long - append a number */
void
ipc_put_long(struct ipc_msg *m, const char *name, long v)
{
	char num[32];

	snprintf(num, sizeof(num), "%ld", v);
	ipc_put_str(m, name, num);
}

/* ipc_put_bool - append 0 or 1 */
void
ipc_put_bool(struct ipc_msg *m, const char *name, bool v)
{
	ipc_put_str(m, name, v ? "1" : "0");
}

/* ipc_encode - wire form */
void
ipc_encode(const struct ipc_msg *m, struct buf *out)
{
	buf_cats(out, m->type);
	buf_catc(out, '\n');
	for (size_t i = 0; i < m->n; i++) {
		const char *v = buf_cstr(m->attrs[i].value);
		size_t len = buf_len(m->attrs[i].value);

		buf_cats(out, m->attrs[i].name);
		buf_catc(out, '=');
		for (size_t k = 0; k < len; k++) {
			unsigned char c = (unsigned char)v[k];

			if (c == '%' || c == '\n' || c == '\r' || c == 0)
				buf_printf(out, "%%%02X", c);
			else
				buf_catc(out, c);
		}
		buf_catc(out, '\n');
	}
	buf_catc(out, '\n');
}

/* ipc_send - encode, write, flush */
int
ipc_send(struct stream *s, const struct ipc_msg *m)
{
	struct ipc_msg *mm = (struct ipc_msg *)m; /* wire is scratch */

	buf_reset(mm->wire);
	ipc_encode(m, mm->wire);
	if (buf_len(mm->wire) > IPC_MSG_MAX)
		log_panic("ipc_send: %s message of %zu bytes is too large",
		    m->type, buf_len(mm->wire));
	if (stream_write(s, buf_cstr(mm->wire), buf_len(mm->wire)) < 0)
		return -1;
	return stream_flush(s);
}

/* ipc_hex - one hex digit, or -1 */
static int
ipc_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* ipc_line - decode one line (without its newline) into m; the first
 * line is the type. Returns 0 or -1 with why. */
static int
ipc_line(struct ipc_msg *m, bool first, const char *line, size_t len,
    struct buf *why)
{
	const char *eq;
	struct ipc_attr *a;

	if (first) {
		if (!ipc_name_ok(line, len)) {
			buf_printf(why, "malformed message type");
			return -1;
		}
		free(m->type);
		m->type = xstrndup(line, len);
		return 0;
	}
	if ((eq = memchr(line, '=', len)) == NULL
	    || !ipc_name_ok(line, (size_t)(eq - line))) {
		buf_printf(why, "malformed attribute in %s message", m->type);
		return -1;
	}
	if (m->n >= IPC_ATTR_MAX) {
		buf_printf(why, "too many attributes in %s message", m->type);
		return -1;
	}
	a = ipc_add(m, line, (size_t)(eq - line));
	for (const char *p = eq + 1; p < line + len; p++) {
		if (*p == '%') {
			int hi, lo;

			if (line + len - p < 3 || (hi = ipc_hex(p[1])) < 0
			    || (lo = ipc_hex(p[2])) < 0) {
				buf_printf(why, "bad %% escape in %s message",
				    m->type);
				return -1;
			}
			buf_catc(a->value, hi * 16 + lo);
			p += 2;
		} else if (*p == '\r' || *p == 0) {
			buf_printf(why, "bad character in %s message", m->type);
			return -1;
		} else {
			buf_catc(a->value, *p);
		}
	}
	return 0;
}

/* ipc_decode - one message from memory */
int
ipc_decode(const char *data, size_t len, struct ipc_msg *m, struct buf *why)
{
	const char *p = data, *end = data + len;
	bool first = true;

	ipc_clear(m);
	if (len > IPC_MSG_MAX) {
		buf_printf(why, "message too large");
		return -1;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL) {
			buf_printf(why, "truncated message");
			return -1;
		}
		if (nl == p && !first)
			return nl + 1 == end
			    ? 0
			    : (buf_printf(
			           why, "data after the end of a message"),
			        -1);
		if (ipc_line(m, first, p, (size_t)(nl - p), why) < 0)
			return -1;
		first = false;
		p = nl + 1;
	}
	buf_printf(why, "truncated message");
	return -1;
}

/* ipc_recv - read one message */
int
ipc_recv(struct stream *s, struct ipc_msg *m, struct buf *why)
{
	struct buf *line = buf_new(256);
	size_t total = 0;
	bool first = true;
	int ret = -1;

	ipc_clear(m);
	for (;;) {
		ssize_t n = stream_getline(s, line, IPC_MSG_MAX - total);

		if (n < 0) {
			buf_printf(why, "%s",
			    stream_status(s) == STREAM_TOOLONG
			        ? "message too large"
			        : stream_strerror(s));
			break;
		}
		total += (size_t)n;
		if (buf_cstr(line)[n - 1] != '\n') {
			buf_printf(why, "truncated message");
			break;
		}
		if (n == 1 && !first) {
			ret = 0;
			break;
		}
		if (ipc_line(m, first, buf_cstr(line), (size_t)n - 1, why) < 0)
			break;
		first = false;
	}
	buf_free(&line);
	return ret;
}

/* ipc_type - the message type */
const char *
ipc_type(const struct ipc_msg *m)
{
	return m->type;
}

/* ipc_next - the next attribute if it is called name */
static struct ipc_attr *
ipc_next(struct ipc_msg *m, const char *name)
{
	if (m->next >= m->n || strcmp(m->attrs[m->next].name, name) != 0)
		return NULL;
	return &m->attrs[m->next++];
}

/* ipc_get_str - the next attribute as bytes */
int
ipc_get_str(struct ipc_msg *m, const char *name, struct buf *out)
{
	struct ipc_attr *a = ipc_next(m, name);

	if (a == NULL)
		return -1;
	return buf_set(out, buf_cstr(a->value), buf_len(a->value));
}

/* ipc_get_long - the next attribute as a bounded number */
int
ipc_get_long(struct ipc_msg *m, const char *name, long min, long max, long *out)
{
	struct ipc_attr *a = ipc_next(m, name);

	if (a == NULL)
		return -1;
	return str_parse_long(buf_cstr(a->value), min, max, out);
}

/* ipc_get_bool - the next attribute as 0 or 1 */
int
ipc_get_bool(struct ipc_msg *m, const char *name, bool *out)
{
	long v;

	if (ipc_get_long(m, name, 0, 1, &v) < 0)
		return -1;
	*out = v == 1;
	return 0;
}

/* ipc_next_is - peek at the next name */
bool
ipc_next_is(const struct ipc_msg *m, const char *name)
{
	return m->next < m->n && strcmp(m->attrs[m->next].name, name) == 0;
}

/* ipc_end - everything consumed */
int
ipc_end(const struct ipc_msg *m)
{
	return m->next == m->n ? 0 : -1;
}

/* ipc_call - one request/reply exchange over a UNIX socket */
int
ipc_call(const char *path, const struct ipc_msg *req, struct ipc_msg *reply,
    int timeout_s, struct buf *why)
{
	struct stream *s;
	int fd = net_connect_unix(path, timeout_s * 1000, why);
	int ret;

	if (fd < 0)
		return -1;
	s = stream_open(fd);
	stream_set_timeout(s, timeout_s);
	stream_deadline_start(s, timeout_s, 0);
	if (ipc_send(s, req) < 0) {
		buf_printf(why, "send to %s: %s", path, stream_strerror(s));
		ret = -1;
	} else {
		ret = ipc_recv(s, reply, why);
	}
	stream_close(&s);
	return ret;
}

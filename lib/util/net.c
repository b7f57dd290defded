/*
 * net.c - socket helpers (see net.h). Only stream.c reads and writes
 * sockets; this module creates, binds, connects and accepts them.
 */
#include "util/sys_defs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/clock.h"
#include "util/net.h"

/* net_set_nonblock - set or clear O_NONBLOCK */
int
net_set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

/* net_fill_addr - numeric host and port into a sockaddr */
static int
net_fill_addr(
    const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strcmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* net_listen_tcp - a TCP listener */
int
net_listen_tcp(const char *host, int port, int backlog, struct buf *why)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1, v6only = -1;

	if (*host == 0 || strcmp(host, "*") == 0) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		memset(&ss, 0, sizeof(ss));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_any;
		sin6->sin6_port = htons((uint16_t)port);
		len = sizeof(*sin6);
		v6only = 0;
	} else if (net_fill_addr(host, port, &ss, &len) < 0) {
		buf_printf(why, "bad listen address: %s", host);
		return -1;
	} else if (ss.ss_family == AF_INET6) {
		v6only = 1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 && v6only == 0 && errno == EAFNOSUPPORT) {
		/* No IPv6 on this host: all IPv4 addresses instead. */
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		memset(&ss, 0, sizeof(ss));
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_ANY);
		sin->sin_port = htons((uint16_t)port);
		len = sizeof(*sin);
		v6only = -1;
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	}
	if (fd < 0) {
		buf_printf(why, "socket: %s", strerror(errno));
		return -1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (v6only >= 0)
		(void)setsockopt(
		    fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		buf_printf(why, "bind %s port %d: %s", *host ? host : "*", port,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, backlog) < 0) {
		buf_printf(
		    why, "listen %s port %d: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* net_unix_addr - fill a sockaddr_un; -1 when the path is too long */
static int
net_unix_addr(const char *path, struct sockaddr_un *sun, struct buf *why)
{
	size_t n = strlen(path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n >= sizeof(sun->sun_path)) {
		buf_printf(why, "socket path too long: %s", path);
		return -1;
	}
	memcpy(sun->sun_path, path, n + 1);
	return 0;
}

/* net_listen_unix - a UNIX stream listener */
int
net_listen_unix(const char *path, int mode, int backlog, struct buf *why)
{
	struct sockaddr_un sun;
	int fd;

	if (net_unix_addr(path, &sun, why) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		buf_printf(why, "socket: %s", strerror(errno));
		return -1;
	}
	(void)unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0
	    || chmod(path, (mode_t)mode) < 0 || listen(fd, backlog) < 0) {
		buf_printf(why, "bind %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* net_wait_connect - finish a non-blocking connect within timeout_ms */
static int
net_wait_connect(int fd, int timeout_ms, struct buf *why)
{
	int64_t end = clock_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLOUT};
		int64_t left = end - clock_ms();
		int r, err = 0;
		socklen_t elen = sizeof(err);

		if (left < 0)
			left = 0;
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0) {
			buf_printf(why, "connection timed out");
			return -1;
		}
		if (r < 0) {
			buf_printf(why, "poll: %s", strerror(errno));
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		if (err) {
			buf_printf(why, "%s", strerror(err));
			return -1;
		}
		return 0;
	}
}

/* net_connect_any - connect fd to sa with a timeout */
static int
net_connect_any(int fd, const struct sockaddr *sa, socklen_t len,
    int timeout_ms, struct buf *why)
{
	if (net_set_nonblock(fd, true) < 0) {
		buf_printf(why, "fcntl: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, sa, len) == 0)
		return 0;
	/* A UNIX socket never connects in the background: EAGAIN says the
	 * server's listen queue is full and nothing was queued, so that
	 * waiting for the socket to become writable would report a
	 * connection that does not exist (the first write then fails with
	 * ENOTCONN). Try again while the server drains its queue. */
	if (errno == EAGAIN && sa->sa_family == AF_UNIX) {
		int64_t end = clock_ms() + timeout_ms;
		int delay = 1;

		do {
			(void)poll(NULL, 0, delay);
			if (delay < 20)
				delay *= 2;
			if (connect(fd, sa, len) == 0)
				return 0;
		} while (errno == EAGAIN && clock_ms() < end);
		if (errno == EAGAIN)
			buf_printf(why,
			    "connection timed out (listen queue "
			    "full)");
		else
			buf_printf(why, "%s", strerror(errno));
		return -1;
	}
	if (errno != EINPROGRESS && errno != EAGAIN) {
		buf_printf(why, "%s", strerror(errno));
		return -1;
	}
	return net_wait_connect(fd, timeout_ms, why);
}

/* net_connect_unix - connect to a UNIX socket */
int
net_connect_unix(const char *path, int timeout_ms, struct buf *why)
{
	struct sockaddr_un sun;
	int fd;

	if (net_unix_addr(path, &sun, why) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		buf_printf(why, "socket: %s", strerror(errno));
		return -1;
	}
	if (net_connect_any(
	        fd, (struct sockaddr *)&sun, sizeof(sun), timeout_ms, why)
	    < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* net_connect_addr - connect to an address, optionally from source */
int
net_connect_addr(const struct sockaddr *sa, socklen_t len, const char *source,
    int timeout_ms, struct buf *why)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int on = 1;

	if (fd < 0) {
		buf_printf(why, "socket: %s", strerror(errno));
		return -1;
	}
	if (source && *source) {
		struct sockaddr_storage src;
		socklen_t slen;

		if (net_fill_addr(source, 0, &src, &slen) < 0
		    || src.ss_family != sa->sa_family
		    || bind(fd, (struct sockaddr *)&src, slen) < 0) {
			buf_printf(
			    why, "bind source %s: %s", source, strerror(errno));
			close(fd);
			return -1;
		}
	}
	if (net_connect_any(fd, sa, len, timeout_ms, why) < 0) {
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
	return fd;
}

/* net_connect_tcp - connect to a numeric address and port */
int
net_connect_tcp(const char *host, int port, int timeout_ms, struct buf *why)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (net_fill_addr(host, port, &ss, &len) < 0) {
		buf_printf(why, "not a numeric address: %s", host);
		return -1;
	}
	return net_connect_addr(
	    (struct sockaddr *)&ss, len, NULL, timeout_ms, why);
}

/* net_accept - accept a connection, close-on-exec */
int
net_accept(int lfd, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_storage dummy;
	socklen_t dlen = sizeof(dummy);

	if (ss == NULL) {
		ss = &dummy;
		len = &dlen;
	} else {
		*len = sizeof(*ss);
	}
	return accept4(lfd, (struct sockaddr *)ss, len, SOCK_CLOEXEC);
}

/* net_addr_str - numeric text of an address */
const char *
net_addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		if (inet_ntop(AF_INET, &sin->sin_addr, out, (socklen_t)outlen))
			return out;
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			if (inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12],
			        out, (socklen_t)outlen))
				return out;
		} else if (inet_ntop(AF_INET6, &sin6->sin6_addr, out,
		               (socklen_t)outlen)) {
			return out;
		}
	} else if (sa->sa_family == AF_UNIX) {
		snprintf(out, outlen, "local");
		return out;
	}
	snprintf(out, outlen, "unknown");
	return out;
}

/* net_addr_port - the port of an inet address, 0 otherwise */
int
net_addr_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(
		    ((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

/* net_end - shared part of net_peer and net_local */
static int
net_end(int fd, bool peer, char *addr, size_t addrlen, int *port_out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
	          : getsockname(fd, (struct sockaddr *)&ss, &len))
	    < 0)
		return -1;
	net_addr_str((struct sockaddr *)&ss, addr, addrlen);
	if (port_out)
		*port_out = net_addr_port((struct sockaddr *)&ss);
	return 0;
}

/* net_peer - the remote end of fd */
int
net_peer(int fd, char *addr, size_t addrlen, int *port_out)
{
	return net_end(fd, true, addr, addrlen, port_out);
}

/* net_local - the local end of fd */
int
net_local(int fd, char *addr, size_t addrlen, int *port_out)
{
	return net_end(fd, false, addr, addrlen, port_out);
}

/* net_is_loopback - 127/8 or ::1 */
bool
net_is_loopback(const char *addr)
{
	return strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0
	    || strcmp(addr, "local") == 0;
}

/* net_parse_hostport - split "host:port" and "[v6]:port" */
int
net_parse_hostport(const char *s, struct buf *host, int *port_out)
{
	const char *colon, *end;
	char *e;
	long port;

	buf_reset(host);
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return -1;
		buf_cat(host, s + 1, (size_t)(end - s - 1));
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != 0 && colon == NULL)
			return -1;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* bare IPv6 address */
		buf_cat(host, s, colon ? (size_t)(colon - s) : strlen(s));
	}
	if (colon) {
		port = strtol(colon + 1, &e, 10);
		if (*e || e == colon + 1 || port < 0 || port > 65535)
			return -1;
		*port_out = (int)port;
	}
	return buf_len(host) > 0 ? 0 : -1;
}

/* net_send_fd - pass a descriptor */
int
net_send_fd(int sock, int fd, char tag)
{
	struct msghdr msg;
	struct iovec iov = {.iov_base = &tag, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct cmsghdr *cm;
	ssize_t r;

	memset(&msg, 0, sizeof(msg));
	memset(&u, 0, sizeof(u));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	do
		r = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r == 1 ? 0 : -1;
}

/* net_recv_fd - receive a descriptor */
int
net_recv_fd(int sock, char *tag_out)
{
	struct msghdr msg;
	char tag = 0;
	struct iovec iov = {.iov_base = &tag, .iov_len = 1};
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct cmsghdr *cm;
	ssize_t r;
	int fd = -1;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = u.buf;
	msg.msg_controllen = sizeof(u.buf);
	do
		r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		return -1;
	for (cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS
		    && cm->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	if (tag_out)
		*tag_out = tag;
	return fd;
}

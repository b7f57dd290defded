/*
 * net.h - socket helpers: TCP and UNIX listeners and connections, address
 * formatting. Connections are made non-blocking with a timeout; the
 * descriptors returned are close-on-exec and ready for stream_open().
 */
#ifndef UTIL_NET_H
#define UTIL_NET_H
#include <sys/socket.h>

#include "util/sys_defs.h"

struct buf;

/* Longest printable address: IPv6 with scope. */
#define NET_ADDR_MAX 64

/* net_listen_tcp - bind and listen on host:port; host "*" or "" means every
 * address (IPv6 socket that also takes IPv4 when the system allows), "::"
 * is IPv6 only, otherwise a numeric address. Returns fd or -1 and why. */
int net_listen_tcp(const char *host, int port, int backlog, struct buf *why);
/* net_listen_unix - bind a UNIX stream socket (an old socket file is
 * removed), chmod to mode; returns fd or -1 and why */
int net_listen_unix(const char *path, int mode, int backlog, struct buf *why);
/* net_connect_unix - connect within timeout_ms; fd or -1 and why */
int net_connect_unix(const char *path, int timeout_ms, struct buf *why);
/* net_connect_addr - connect to a socket address within timeout_ms;
 * source (may be NULL) is a numeric address to bind first */
int net_connect_addr(const struct sockaddr *sa, socklen_t len,
    const char *source, int timeout_ms, struct buf *why);
/* net_connect_tcp - numeric host (or "localhost") and port */
int net_connect_tcp(
    const char *host, int port, int timeout_ms, struct buf *why);
/* net_accept - accept with close-on-exec; fd or -1 (errno set) */
int net_accept(int lfd, struct sockaddr_storage *ss, socklen_t *len);
/* net_addr_str - numeric address text of sa (IPv4-mapped IPv6 shown as
 * IPv4); returns out */
const char *net_addr_str(const struct sockaddr *sa, char *out, size_t outlen);
int net_addr_port(const struct sockaddr *sa);
/* net_peer/net_local - address and port of either end of fd; 0 or -1 */
int net_peer(int fd, char *addr, size_t addrlen, int *port_out);
int net_local(int fd, char *addr, size_t addrlen, int *port_out);
/* net_is_loopback - 127.0.0.0/8 or ::1 */
bool net_is_loopback(const char *addr);
/* net_parse_hostport - "host:port", "[v6]:port", "v4", "[v6]" into host
 * and port (*port_out unchanged when absent); 0 or -1 */
int net_parse_hostport(const char *s, struct buf *host, int *port_out);
int net_set_nonblock(int fd, bool on);
/* net_send_fd/net_recv_fd - pass a descriptor over a UNIX socket with one
 * byte of data; recv returns the fd or -1 */
int net_send_fd(int sock, int fd, char tag);
int net_recv_fd(int sock, char *tag_out);

#endif /* UTIL_NET_H */

/*
 * svc_listen.h - what an inet line of services.conf listens on.
 *
 * The first column of an inet service is "port", "address:port" or
 * "[IPv6-address]:port"; the port is a number or a name from
 * /etc/services, the address numeric (no DNS at start-up). Without an
 * address the service listens on every address, IPv4 and IPv6.
 */
#ifndef MAIL_SVC_LISTEN_H
#define MAIL_SVC_LISTEN_H
#include "util/sys_defs.h"

struct buf;

/* svc_listen_parse - name into host ("*" for every address) and port;
 * 0, or -1 with why */
int svc_listen_parse(
    const char *name, struct buf *host, int *port_out, struct buf *why);
/* svc_listen_conflict - two listeners cannot both be bound: same port,
 * and the same address or one of them on every address */
bool svc_listen_conflict(
    const char *host1, int port1, const char *host2, int port2);

#endif /* MAIL_SVC_LISTEN_H */

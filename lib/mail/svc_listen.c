/*
 * svc_listen.c - parse the listener of an inet service (see svc_listen.h).
 */
#include "util/sys_defs.h"

#include <netdb.h>
#include <netinet/in.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "mail/svc_listen.h"

/* svc_listen_port - a port number or a name from /etc/services */
static int
svc_listen_port(const char *s, int *port_out)
{
	struct servent *se;
	long n;

	if (str_parse_long(s, 1, 65535, &n) == 0) {
		*port_out = (int)n;
		return 0;
	}
	if (*s == 0 || strspn(s, "0123456789+-") == strlen(s))
		return -1;
	if ((se = getservbyname(s, "tcp")) == NULL)
		return -1;
	*port_out = ntohs((uint16_t)se->s_port);
	return 0;
}

/* svc_listen_parse - "[addr:]port" into host and port */
int
svc_listen_parse(
    const char *name, struct buf *host, int *port_out, struct buf *why)
{
	const char *colon = strrchr(name, ':');
	const char *port;

	buf_reset(host);
	if (name[0] == '[') {
		const char *close = strchr(name, ']');

		if (close == NULL || close[1] != ':' || close == name + 1) {
			buf_printf(why,
			    "bad inet service \"%s\" (use [address]:port "
			    "for IPv6)",
			    name);
			return -1;
		}
		buf_cat(host, name + 1, (size_t)(close - name - 1));
		port = close + 2;
	} else if (colon != NULL) {
		if (strchr(name, ':') != colon) {
			buf_printf(why,
			    "bad inet service \"%s\" (put an IPv6 address "
			    "in brackets: [address]:port)",
			    name);
			return -1;
		}
		buf_cat(host, name, (size_t)(colon - name));
		port = colon + 1;
	} else {
		port = name;
	}
	if (buf_len(host) == 0)
		buf_sets(host, "*");
	if (svc_listen_port(port, port_out) < 0) {
		buf_printf(
		    why, "bad port \"%s\" in inet service \"%s\"", port, name);
		return -1;
	}
	if (strcmp(buf_cstr(host), "*") != 0) {
		struct addrinfo hints, *res = NULL;

		memset(&hints, 0, sizeof(hints));
		hints.ai_flags = AI_NUMERICHOST;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(buf_cstr(host), NULL, &hints, &res) != 0) {
			buf_printf(why,
			    "bad address \"%s\" in inet service \"%s\" "
			    "(use a numeric address)",
			    buf_cstr(host), name);
			return -1;
		}
		freeaddrinfo(res);
	}
	return 0;
}

/* svc_listen_conflict - would the second bind fail? */
bool
svc_listen_conflict(const char *host1, int port1, const char *host2, int port2)
{
	if (port1 != port2)
		return false;
	return strcmp(host1, "*") == 0 || strcmp(host2, "*") == 0
	    || strcmp(host1, host2) == 0;
}

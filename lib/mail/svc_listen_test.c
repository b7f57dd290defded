/*
 * svc_listen_test.c - listener names of inet services, and conflicts.
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "mail/svc_listen.h"

#include "tests/t.h"

static const struct {
	const char *name;
	int ret;
	const char *host;
	int port;
	const char *err;
} parse[] = {
    {"25", 0, "*", 25, NULL},
    {"127.0.0.1:10025", 0, "127.0.0.1", 10025, NULL},
    {"[::1]:587", 0, "::1", 587, NULL},
    {"[::]:25", 0, "::", 25, NULL},
    {":25", 0, "*", 25, NULL},
    {"0.0.0.0:465", 0, "0.0.0.0", 465, NULL},
    {"65535", 0, "*", 65535, NULL},
    {"0", -1, NULL, 0, "bad port \"0\""},
    {"65536", -1, NULL, 0, "bad port \"65536\""},
    {"-1", -1, NULL, 0, "bad port"},
    {"127.0.0.1:", -1, NULL, 0, "bad port \"\""},
    {"::1:25", -1, NULL, 0, "put an IPv6 address in brackets"},
    {"[::1]25", -1, NULL, 0, "use [address]:port"},
    {"[]:25", -1, NULL, 0, "use [address]:port"},
    {"[::1", -1, NULL, 0, "use [address]:port"},
    {"mail.example.org:25", -1, NULL, 0, "use a numeric address"},
    {"300.1.1.1:25", -1, NULL, 0, "use a numeric address"},
    {"no-such-service-name", -1, NULL, 0, "bad port"},
};

static const struct {
	const char *h1;
	int p1;
	const char *h2;
	int p2;
	bool is_conflict;
} conflict[] = {
    {"*", 25, "127.0.0.1", 25, true},
    {"127.0.0.1", 25, "*", 25, true},
    {"127.0.0.1", 25, "127.0.0.1", 25, true},
    {"127.0.0.1", 25, "127.0.0.2", 25, false},
    {"*", 25, "*", 587, false},
    {"::1", 25, "127.0.0.1", 25, false},
};

int
main(void)
{
	struct buf *host = buf_new(64), *why = buf_new(64);

	for (size_t i = 0; i < NELEM(parse); i++) {
		int port = -1, ret;

		t_begin(parse[i].name);
		buf_reset(why);
		ret = svc_listen_parse(parse[i].name, host, &port, why);
		T_INTEQ(ret, parse[i].ret);
		if (ret == 0) {
			T_STREQ(buf_cstr(host), parse[i].host);
			T_INTEQ(port, parse[i].port);
		} else {
			T_ASSERT(strstr(buf_cstr(why), parse[i].err) != NULL);
		}
	}
	for (size_t i = 0; i < NELEM(conflict); i++) {
		t_begin("conflict");
		T_INTEQ(svc_listen_conflict(conflict[i].h1, conflict[i].p1,
		            conflict[i].h2, conflict[i].p2),
		    conflict[i].is_conflict);
	}
	buf_free(&host);
	buf_free(&why);
	return t_end();
}

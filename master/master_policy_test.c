/*
 * master_policy_test.c - the back-off of failing services, the argv of a
 * child, and how exit statuses are described.
 */
#include "util/sys_defs.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "util/buf.h"
#include "util/strutil.h"

#include "master.h"
#include "tests/t.h"

static const struct {
	int level;
	long base, max;
	int64_t want_ms;
} backoff[] = {
    {0, 1, 60, 1000},
    {1, 1, 60, 2000},
    {2, 1, 60, 4000},
    {5, 1, 60, 32000},
    {6, 1, 60, 60000},  /* capped */
    {40, 1, 60, 60000}, /* no overflow however long it fails */
    {-1, 1, 60, 1000},
    {0, 10, 5, 5000}, /* the cap wins over the base */
    {3, 60, 3600, 480000},
};

/* policy_argv - a service and the argv it gets */
static void
policy_argv(void)
{
	struct master_service s;
	struct strv argv;
	char *joined;

	memset(&s, 0, sizeof(s));
	s.command = "smtpd";
	s.name = "127.0.0.1:25";
	s.type = "inet";
	strv_init(&s.args);
	strv_push(&s.args, "-o");
	strv_push(&s.args, "smtpd_tls_wrappermode=yes");

	t_begin("argv, not root");
	master_spawn_argv(&s, "/etc/gannet", &argv);
	joined = strv_join(&argv, " ");
	T_STREQ(joined,
	    "smtpd -c /etc/gannet -n 127.0.0.1:25 -t inet -o "
	    "smtpd_tls_wrappermode=yes");
	free(joined);
	strv_free(&argv);

	t_begin("argv, root, jail, wake-up");
	s.user = "gannet";
	s.jail = "/var/spool/gannet";
	s.wakeup = 300;
	s.command = "qmgr";
	s.name = "qmgr";
	s.type = "unix";
	strv_free(&s.args);
	master_spawn_argv(&s, "/etc/gannet", &argv);
	joined = strv_join(&argv, " ");
	T_STREQ(joined,
	    "qmgr -c /etc/gannet -n qmgr -t unix -u gannet -j "
	    "/var/spool/gannet -w 300");
	T_ASSERT(argv.v[argv.n] == NULL);
	free(joined);
	strv_free(&argv);
}

int
main(void)
{
	struct buf *b = buf_new(64);

	for (size_t i = 0; i < NELEM(backoff); i++) {
		t_begin("back-off");
		T_INTEQ(master_throttle_delay(
		            backoff[i].level, backoff[i].base, backoff[i].max),
		    backoff[i].want_ms);
	}
	policy_argv();

	t_begin("exit texts");
	master_exit_text(0, b);
	T_STREQ(buf_cstr(b), "exited with status 0");
	master_exit_text(1 << 8, b);
	T_STREQ(buf_cstr(b), "exited with status 1");
	master_exit_text(SIGKILL, b);
	T_STREQ(buf_cstr(b), "killed by signal 9 (KILL)");
	master_exit_text(SIGSEGV | 0x80, b);
	T_STREQ(buf_cstr(b), "killed by signal 11 (SEGV), core dumped");
	buf_free(&b);
	return t_end();
}

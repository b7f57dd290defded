/*
 * smtpd_session_fuzz.c - libFuzzer target: a whole SMTP session. The
 * input is what a client sends; it goes into a real smtpd session (the
 * daemon's own smtpd_session(), from the banner to QUIT) over one end
 * of a socket pair, while a helper thread feeds the input and drains the
 * replies, as Dovecot fuzzes its SMTP server. Behind the session are a
 * real queue directory (messages that reach 250 are written, fsync'd and
 * removed again every few hundred runs), inline maps for a hosted
 * domain, header and body checks and attachment filters, so that DATA,
 * BDAT, the MIME walk and the recipient checks are all reached.
 *
 * The first byte chooses the client address (loopback in mynetworks, or
 * a remote one) and how the input is cut into writes, so that pipelined
 * and byte-by-byte clients are both tried. The auth service is absent:
 * AUTH gets its temporary failure.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#include "mail/cfg.h"
#include "mail/service.h"

#include "smtpd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct tls_ctx *smtpd_tls_ctx; /* no TLS: STARTTLS is not offered */

static char fuzz_tmp[256];
static char fuzz_queue[300];
static unsigned long fuzz_runs;

/* The feeder thread's job: one input, cut into writes of `step' */
struct feed {
	int fd;
	const uint8_t *data;
	size_t size;
	size_t step;
};

/* rm_one - nftw callback */
static int
rm_one(const char *p, const struct stat *st, int t, struct FTW *f)
{
	return remove(p);
}

/* rm_file - nftw callback that keeps the directories */
static int
rm_file(const char *p, const struct stat *st, int t, struct FTW *f)
{
	return t == FTW_F ? remove(p) : 0;
}

/* fuzz_write - a file in the scratch directory */
static void
fuzz_write(const char *name, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmp, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) < 0
	    || fclose(fp) != 0)
		log_fatal("fuzz: write %s: %m", path);
}

/* quiet - swallow log output */
static bool
quiet(enum log_level lvl, const char *msg, void *ctx)
{
	return lvl < LOG_LVL_PANIC;
}

/* fuzz_cleanup - remove the scratch directory at exit */
static void
fuzz_cleanup(void)
{
	(void)nftw(fuzz_tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* feed_run - write the input (in steps), then read replies to EOF */
static void *
feed_run(void *arg)
{
	struct feed *f = arg;
	size_t off = 0;
	char sink[8192];
	bool open_out = true;

	for (;;) {
		struct pollfd p = {.fd = f->fd, .events = POLLIN};

		if (open_out)
			p.events |= POLLOUT;
		if (poll(&p, 1, 5000) <= 0)
			break;
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n =
			    recv(f->fd, sink, sizeof(sink), MSG_DONTWAIT);

			if (n == 0 || (n < 0 && errno != EAGAIN))
				break;
		}
		if (open_out && (p.revents & POLLOUT)) {
			size_t n = f->size - off;

			if (f->step && n > f->step)
				n = f->step;
			if (n > 0) {
				ssize_t w = send(f->fd, f->data + off, n,
				    MSG_DONTWAIT | MSG_NOSIGNAL);

				if (w < 0 && errno != EAGAIN)
					open_out = false;
				else if (w > 0)
					off += (size_t)w;
			}
			if (off == f->size || !open_out) {
				(void)shutdown(f->fd, SHUT_WR);
				open_out = false;
			}
		}
	}
	return NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf *why = buf_new(64);
	struct buf *conf = buf_new(1024);
	/* in memory when possible: every 250 fsyncs a queue file */
	char tmpl[] = "/dev/shm/gannet-smtpfuzz.XXXXXX";
	static const char *const dirs[] = {"queue", "queue/tmp",
	    "queue/incoming", "queue/active", "queue/deferred", "queue/hold",
	    "queue/corrupt", "data"};

	signal(SIGPIPE, SIG_IGN); /* a session that hangs up early */
	log_init("smtpd-fuzz", LOG_TO_STDERR);
	log_set_hook(quiet, NULL);
	if (mkdtemp(tmpl) == NULL) {
		memcpy(tmpl, "/tmp/gannet-smtpfuzz.XXXXXX",
		    sizeof("/tmp/gannet-smtpfuzz.XXXXXX"));
		if (mkdtemp(tmpl) == NULL)
			log_fatal("fuzz: mkdtemp: %m");
	}
	snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s", tmpl);
	atexit(fuzz_cleanup);
	for (size_t i = 0; i < NELEM(dirs); i++) {
		buf_reset(why);
		buf_printf(why, "%s/%s", fuzz_tmp, dirs[i]);
		if (mkdir(buf_cstr(why), 0700) < 0)
			log_fatal("fuzz: mkdir %s: %m", buf_cstr(why));
	}
	snprintf(fuzz_queue, sizeof(fuzz_queue), "%s/queue", fuzz_tmp);
	buf_printf(conf,
	    "myhostname = mx.example.com\n"
	    "queue_directory = %s/queue\n"
	    "data_directory = %s/data\n"
	    "mynetworks = 127.0.0.1/32\n"
	    "smtpd_tls_auth_only_exceptions = 127.0.0.1/32\n"
	    "smtpd_peername_lookup = no\n"
	    "smtpd_timeout = 1s\n"
	    "smtpd_client_connection_count_limit = 0\n"
	    "auth_service_path = %s/no-auth\n"
	    "auth_client_timeout = 1s\n"
	    "message_size_limit = 100000\n"
	    "smtpd_recipient_limit = 20\n"
	    "virtual_mailbox_domains = inline:{ example.com=active=yes }\n"
	    "virtual_mailbox_maps = inline:{ "
	    "{ joe@example.com = active=yes maildir=example.com/joe/ } }\n"
	    "virtual_alias_maps = inline:{ info@example.com=joe@example.com }\n"
	    "distribution_list_maps = inline:{ }\n"
	    "header_checks = pcre:%s/header_checks\n"
	    "body_checks = pcre:%s/body_checks\n"
	    "attachment_name_filters = *.exe *.scr\n",
	    fuzz_tmp, fuzz_tmp, fuzz_tmp, fuzz_tmp, fuzz_tmp);
	fuzz_write("header_checks",
	    "/^Subject:.*spam/ REJECT no spam\n/^X-Hold:/ DEFER later\n");
	fuzz_write("body_checks", "/viagra/ REJECT\n");
	if (cfg_load_string("fuzz", buf_cstr(conf), why) < 0
	    || cfg_apply(true) > 0)
		log_fatal("fuzz: configuration: %s", buf_cstr(why));
	smtpd_check_init();
	smtpd_filter_init();
	buf_free(&why);
	buf_free(&conf);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t steps[] = {0, 1, 3, 17, 512};
	struct service_client client = {.port = 40000,
	    .local_addr = "127.0.0.1",
	    .local_port = 25,
	    .service = "smtp"};
	struct feed f;
	pthread_t t;
	int sp[2];

	if (size < 1)
		return 0;
	if (++fuzz_runs % 300 == 0)
		(void)nftw(fuzz_queue, rm_file, 16, FTW_PHYS);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0)
		abort();
	snprintf(client.addr, sizeof(client.addr), "%s",
	    (data[0] & 1) ? "192.0.2.1" : "127.0.0.1");
	client.fd = sp[0];
	f = (struct feed){.fd = sp[1],
	    .data = data + 1,
	    .size = size - 1,
	    .step = steps[(data[0] >> 1) % NELEM(steps)]};
	if (pthread_create(&t, NULL, feed_run, &f) != 0)
		abort();
	smtpd_session(&client);
	close(sp[0]);
	pthread_join(t, NULL);
	close(sp[1]);
	return 0;
}

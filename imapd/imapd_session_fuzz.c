/*
 * imapd_session_fuzz.c - libFuzzer target: a whole IMAP session. The
 * input is what a logged-in client sends (commands, literals, IDLE and
 * DONE, anything); it is fed into a real session object over a real
 * Maildir with a few messages, and the replies go to /dev/null. This is
 * how Dovecot fuzzes its imap process: the parsers are fuzzed alone
 * elsewhere, here it is everything behind them (the selected mailbox,
 * FETCH sections, SEARCH, STORE, COPY, the index).
 *
 * The Maildir is made again every few hundred runs so that it cannot
 * grow without bound.
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"

#include "proto/imap_acl.h"

#include "mail/cfg.h"
#include "mail/maildir.h"
#include "mail/mbox_acl.h"
#include "mail/params.h"

#include "imapd.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char fuzz_root[256];
static char fuzz_pub[256]; /* the public folders, with one ACL */
static char fuzz_tmp[256];
static unsigned long fuzz_runs;

static const char *const fuzz_msgs[] = {
    "From: a@example.org\nTo: b@example.org\nSubject: plain\n"
    "Date: Mon, 7 Feb 1994 21:52:25 -0800\nMessage-ID: <1@x>\n\nhello\n",
    "From: c@example.org\nSubject: Re: plain\nReferences: <1@x>\n"
    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n\ncaf=E9\n--b\n"
    "Content-Type: message/rfc822\n\nSubject: inner\n\ninner body\n"
    "--b--\n",
};

/* rm_one - nftw callback */
static int
rm_one(const char *p, const struct stat *st, int t, struct FTW *f)
{
	return remove(p);
}

/* fuzz_maildir - a fresh Maildir with two messages */
static void
fuzz_maildir(void)
{
	struct buf *why = buf_new(64);

	(void)nftw(fuzz_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (imapd_prepare_account(fuzz_root, why) < 0)
		log_fatal("fuzz: %s", buf_cstr(why));
	for (size_t i = 0; i < NELEM(fuzz_msgs); i++)
		(void)maildir_deliver(fuzz_root, fuzz_msgs[i],
		    strlen(fuzz_msgs[i]), NULL, NULL, why);
	buf_free(&why);
}

/* fuzz_public - a fresh public tree: the folder Team with an ACL. Often:
 * no quota bounds the public folders, and "COPY 1:* Public.Team" in
 * Public.Team doubles it each run. */
static void
fuzz_public(void)
{
	struct buf *why = buf_new(64);
	struct imap_acl acl = {0};
	struct buf *dir = buf_new(256);

	(void)nftw(fuzz_pub, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (mbox_public_prepare(fuzz_pub, why) < 0
	    || maildir_folder_create(fuzz_pub, "Team", why) < 0)
		log_fatal("fuzz: %s", buf_cstr(why));
	maildir_folder_dir(fuzz_pub, "Team", dir, why);
	(void)imap_acl_set(&acl, "fuzz", IMAP_ACL_ALL, why);
	(void)imap_acl_set(&acl, "anyone", IMAP_ACL_LOOKUP, why);
	if (mbox_acl_save(buf_cstr(dir), &acl, why) < 0)
		log_fatal("fuzz: %s", buf_cstr(why));
	imap_acl_free(&acl);
	buf_free(&dir);
	buf_free(&why);
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

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct buf *why = buf_new(64);
	/* in memory when possible: Maildir delivery fsyncs */
	char tmpl[] = "/dev/shm/gannet-imapfuzz.XXXXXX";

	log_init("imapd-fuzz", LOG_TO_STDERR);
	log_set_hook(quiet, NULL);
	if (cfg_load_string("fuzz", "imapd_search_size_limit = 1m\n", why) < 0
	    || cfg_apply(true) > 0)
		log_fatal("fuzz: configuration: %s", buf_cstr(why));
	if (mkdtemp(tmpl) == NULL) {
		snprintf(tmpl, sizeof(tmpl), "/tmp/gannet-imapfuzz.XXXXXX");
		if (mkdtemp(tmpl) == NULL)
			log_fatal("fuzz: mkdtemp: %m");
	}
	snprintf(fuzz_tmp, sizeof(fuzz_tmp), "%s", tmpl);
	atexit(fuzz_cleanup);
	snprintf(fuzz_root, sizeof(fuzz_root), "%s/mail", tmpl);
	snprintf(fuzz_pub, sizeof(fuzz_pub), "%s/public", tmpl);
	fuzz_maildir();
	fuzz_public();
	buf_free(&why);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int in = memfd_create("imap-in", MFD_CLOEXEC);
	int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
	struct maildir_quota q = {.bytes = 100000, .messages = 50};
	struct stream *si, *so;
	struct imapd *s;

	if (++fuzz_runs % 300 == 0)
		fuzz_maildir();
	if (fuzz_runs % 8 == 0)
		fuzz_public();
	if (in < 0 || out < 0
	    || (size && write(in, data, size) != (ssize_t)size)
	    || lseek(in, 0, SEEK_SET) < 0)
		abort();
	si = stream_open(in);
	so = stream_open(out);
	stream_set_timeout(si, 1);
	s = imapd_new(si, so, "fuzz", "fuzz", fuzz_root, &q);
	imapd_set_public(s, fuzz_pub);
	imapd_run(s);
	imapd_free(&s);
	stream_close(&si);
	stream_close(&so);
	return 0;
}

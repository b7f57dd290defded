/*
 * pop3d_session_fuzz.c - libFuzzer target: a whole POP3 session. The
 * input is what a client sends, fed into a real session object (the
 * daemon's own code, from greeting to QUIT) over the stream's I/O hook;
 * the auth service is a table (test_session.h), so the fuzzer can log in
 * as joe@example.com with "secret" and reach every command of the
 * TRANSACTION and UPDATE states on a Maildir of three messages, which is
 * made afresh for each input.
 *
 * The first byte chooses the client address (loopback, where passwords
 * may be sent in the clear, or a remote one) and how the input is cut
 * into reads, so that pipelined and byte-by-byte clients are both tried.
 */
#include "util/sys_defs.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"

#include "test_session.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fuzz_base;
static struct buf *fuzz_out;

/* rm_one - nftw callback */
static int
rm_one(const char *p, const struct stat *st, int t, struct FTW *f)
{
	return remove(p);
}

/* fuzz_cleanup - remove the scratch directory at exit */
static void
fuzz_cleanup(void)
{
	(void)nftw(fuzz_base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* LLVMFuzzerInitialize - a mail store and the configuration for the
 * whole run (allocated once: not a leak of any input) */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* in memory when possible: Maildir delivery fsyncs */
	char tmpl[] = "/dev/shm/pop3d-fuzz.XXXXXX";

	if (mkdtemp(tmpl) == NULL) {
		snprintf(tmpl, sizeof(tmpl), "/tmp/pop3d-fuzz.XXXXXX");
		if (mkdtemp(tmpl) == NULL)
			log_panic("mkdtemp: %m");
	}
	fuzz_base = strdup(tmpl);
	atexit(fuzz_cleanup);
	fuzz_out = buf_new(4096);
	test_session_setup(fuzz_base, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t steps[] = {0, 1, 3, 17, 512};

	if (size < 1)
		return 0;
	test_store_reset(fuzz_base);
	test_session_run((data[0] & 1) ? "192.0.2.1" : "127.0.0.1",
	    (const char *)data + 1, size - 1,
	    steps[(data[0] >> 1) % NELEM(steps)], fuzz_out);
	return 0;
}

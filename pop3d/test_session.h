/*
 * test_session.h - a real POP3 session driven by a script instead of a
 * socket, for the unit tests and the whole-session fuzz target. The
 * client's bytes come from memory through the stream's I/O hook and the
 * server's replies are collected in a buffer; the auth service is a table
 * (joe@example.com / secret; "tempfail@example.com" gets a temporary
 * failure, "banned@example.com" a ban; the address 192.0.2.66 is banned
 * at connect).
 */
#ifndef POP3D_TEST_SESSION_H
#define POP3D_TEST_SESSION_H
#include "util/sys_defs.h"

struct buf;

/* The account of the table and its Maildir, below the mail base. */
#define TEST_USER    "joe@example.com"
#define TEST_PASS    "secret"
#define TEST_MAILDIR "example.com/joe/"

/* test_session_setup - default parameters, virtual_mailbox_base = base,
 * pop3d_banner = "test POP3 ready";
 * log messages are appended to log_out (one a line) instead of being
 * written, or dropped when log_out is NULL */
void test_session_setup(const char *base, struct buf *log_out);
/* test_store_reset - the account's Maildir with exactly three messages
 * in new/: "1000.M1P1Q1.test,S=..,W=..", ...2, ...3 (see the .c) */
void test_store_reset(const char *base);
/* test_session_run - a session from addr whose client sends in[0..len)
 * in pieces of at most step bytes (0: all at once), then EOF; the
 * server's output into out (reset first) */
void test_session_run(
    const char *addr, const char *in, size_t len, size_t step, struct buf *out);

#endif /* POP3D_TEST_SESSION_H */

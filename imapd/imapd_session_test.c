/*
 * imapd_session_test.c - the session engine, driven directly: a client's
 * bytes in a memory file, the replies in another, a real Maildir. Each
 * case is one session; the replies must contain each expected line, in
 * order.
 */
#include "util/sys_defs.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/stream.h"

#include "proto/imap_acl.h"

#include "mail/cfg.h"
#include "mail/maildir.h"
#include "mail/mbox_acl.h"
#include "mail/params.h"

#include "imapd.h"

#include "tests/t.h"

static const struct {
	const char *name;
	const char *in;
	const char *want[8]; /* in order; NULL ends */
	const char *user;    /* NULL: "test" */
} cases[] = {
    {"select, append, fetch",
        "a SELECT INBOX\r\n"
        "b APPEND INBOX (\\Flagged) {20}\r\nSubject: t\r\n\r\nbody\r\n\r\n"
        "c FETCH 1 (FLAGS RFC822.SIZE BODY[TEXT])\r\n",
        {"* 0 EXISTS\r\n", "a OK [READ-WRITE] SELECT completed\r\n", "+ OK\r\n",
            "* 1 EXISTS\r\n", "b OK [APPENDUID ",
            "* 1 FETCH (FLAGS (\\Seen \\Flagged \\Recent) RFC822.SIZE 20 "
            "BODY[TEXT] {6}\r\nbody\r\n)\r\n",
            "c OK Fetch completed\r\n", NULL},
        NULL},
    {"the next session: UIDs kept, \\Recent gone, \\Seen set",
        "a SELECT INBOX\r\nb UID FETCH 1 (UID FLAGS)\r\n",
        {"* 1 EXISTS\r\n", "* 0 RECENT\r\n",
            "* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged))\r\n", NULL},
        NULL},
    {"commands in the wrong state",
        "a FETCH 1 FLAGS\r\nb LOGIN x y\r\nc FOO\r\n",
        {"a BAD No mailbox selected\r\n", "b BAD Already logged in\r\n",
            "c BAD Unknown command\r\n", NULL},
        NULL},
    {"bad syntax, with its reason",
        "a SELECT INBOX\r\nb FETCH 1 BODY[0]\r\nc FETCH 9 FLAGS\r\n",
        {"b BAD ", "c BAD Invalid message sequence number\r\n", NULL}, NULL},
    {"expunge reports in order",
        "a SELECT INBOX\r\nb APPEND INBOX {3}\r\nx\r\n\r\n"
        "c STORE 1:2 +FLAGS.SILENT (\\Deleted)\r\nd EXPUNGE\r\n",
        {"* 2 EXISTS\r\n", "c OK Store completed\r\n", "* 1 EXPUNGE\r\n",
            "* 1 EXPUNGE\r\n", "d OK Expunge completed\r\n", NULL},
        NULL},
    {"folders", "a CREATE Work.Sub\r\nb LIST \"\" Work*\r\nc DELETE Work\r\n",
        {"a OK Create completed\r\n",
            "* LIST (\\Noselect \\HasChildren) \".\" Work\r\n",
            "* LIST (\\HasNoChildren) \".\" Work.Sub\r\n",
            "c NO [NONEXISTENT] ", NULL},
        NULL},
    {"IDLE ends with DONE", "a IDLE\r\nDONE\r\nb NOOP\r\n",
        {"+ idling\r\n", "a OK Idle completed\r\n", "b OK NOOP completed",
            NULL},
        NULL},
    {"a literal too large is refused before it is sent",
        "a APPEND INBOX {999999999}\r\nb NOOP\r\n",
        {"a NO [TOOBIG] Message too large\r\n", "b OK", NULL}, NULL},
    {"a non-synchronising literal too large ends the session",
        "a APPEND INBOX {999999999+}\r\nxxx\r\nb NOOP\r\n",
        {"* BYE Literal too large\r\n", NULL}, NULL},
    {"quota", "a GETQUOTAROOT INBOX\r\nb APPEND INBOX {2000+}\r\n",
        {"* QUOTAROOT INBOX \"\"\r\n", "* QUOTA \"\" (STORAGE 0 1)\r\n",
            "b NO [OVERQUOTA] Quota exceeded\r\n", NULL},
        NULL},
    {"ACL on the account's own mailboxes",
        "a MYRIGHTS INBOX\r\nb GETACL INBOX\r\n"
        "c SETACL INBOX other lr\r\nd LISTRIGHTS INBOX test\r\n",
        {"* MYRIGHTS INBOX lrswipkxteacd\r\n",
            "* ACL INBOX test lrswipkxteacd\r\n", "c NO [CANNOT] ",
            "* LISTRIGHTS INBOX test lrswipkxtea\r\n", NULL},
        NULL},
    {"a public folder",
        "a NAMESPACE\r\nb LIST \"\" Public*\r\nc SELECT Public.Team\r\n"
        "d APPEND Public.Team (\\Seen) {3+}\r\nabc\r\n"
        "e FETCH 1 FLAGS\r\n",
        {"* NAMESPACE ((\"\" \".\")) NIL ((\"Public.\" \".\"))\r\n",
            "* LIST (\\Noselect \\HasChildren) \".\" Public\r\n",
            "* LIST (\\HasNoChildren) \".\" Public.Team\r\n",
            "c OK [READ-WRITE] SELECT completed\r\n", "d OK [APPENDUID ",
            "* 1 FETCH (FLAGS (\\Seen \\Recent))\r\n", NULL},
        NULL},
    {"another user: read-only, its own \\Seen",
        "a SELECT Public.Team\r\nb FETCH 1 FLAGS\r\n"
        "c APPEND Public.Team {3+}\r\nabc\r\nd MYRIGHTS Public.Team\r\n"
        "e GETACL Public.Team\r\nf SETACL Public.Team other lrq\r\n",
        {"a OK [READ-ONLY] SELECT completed\r\n", "* 1 FETCH (FLAGS ())\r\n",
            "c NO [NOPERM] ", "* MYRIGHTS Public.Team lr\r\n", "e NO [NOPERM] ",
            "f BAD ", NULL},
        "other"},
    {"no right at all: no such mailbox", "a SELECT Public.Team\r\n",
        {"a NO [NONEXISTENT] ", NULL}, "stranger"},
};

/* session - run one case, the replies into out */
static void
session(const char *root, const char *pub, const char *user,
    const char *in_text, struct buf *out)
{
	int in = memfd_create("in", 0), of = memfd_create("out", 0);
	struct maildir_quota q = {.bytes = 1024};
	struct stream *si, *so;
	struct imapd *s;
	struct buf *why = buf_new(64);
	size_t len = strlen(in_text);

	if (strstr(in_text, "{2000+}")) {
		/* the quota case sends 2000 bytes */
		char *big = malloc(len + 2003);

		memcpy(big, in_text, len);
		memset(big + len, 'x', 2000);
		memcpy(big + len + 2000, "\r\n", 3);
		T_ASSERT(write(in, big, len + 2002) == (ssize_t)(len + 2002));
		free(big);
	} else
		T_ASSERT(write(in, in_text, len) == (ssize_t)len);
	lseek(in, 0, SEEK_SET);
	si = stream_open(in);
	so = stream_open(of);
	s = imapd_new(si, so, "test", user, root, &q);
	imapd_set_public(s, pub);
	imapd_run(s);
	imapd_free(&s);
	stream_close(&si);
	(void)stream_flush(so);
	lseek(stream_fd(so), 0, SEEK_SET);
	buf_reset(out);
	{
		char b[4096];
		ssize_t n;

		while ((n = read(stream_fd(so), b, sizeof(b))) > 0)
			buf_cat(out, b, (size_t)n);
	}
	stream_close(&so);
	buf_free(&why);
}

int
main(void)
{
	struct buf *why = buf_new(64), *out = buf_new(4096);
	char root[512], root2[512], pub[512];
	struct imap_acl acl = {0};

	t_begin("setup");
	T_INTEQ(cfg_load_string("test", "", why), 0);
	T_INTEQ(cfg_apply(true), 0);
	snprintf(root, sizeof(root), "%s/acct", t_tmpdir());
	T_INTEQ(imapd_prepare_account(root, why), 0);
	snprintf(root2, sizeof(root2), "%s/acct2", t_tmpdir());
	T_INTEQ(imapd_prepare_account(root2, why), 0);
	/* the public folder Team: test may do anything, others read */
	snprintf(pub, sizeof(pub), "%s/public", t_tmpdir());
	T_INTEQ(mbox_public_prepare(pub, why), 0);
	T_INTEQ(maildir_folder_create(pub, "Team", why), 0);
	T_INTEQ(imap_acl_set(&acl, "test", IMAP_ACL_ALL, why), 0);
	T_INTEQ(
	    imap_acl_set(&acl, "other", IMAP_ACL_LOOKUP | IMAP_ACL_READ, why),
	    0);
	{
		struct buf *d = buf_new(256);

		maildir_folder_dir(pub, "Team", d, why);
		T_INTEQ(mbox_acl_save(buf_cstr(d), &acl, why), 0);
		buf_free(&d);
	}
	imap_acl_free(&acl);
	for (size_t i = 0; i < NELEM(cases); i++) {
		const char *p;

		t_begin(cases[i].name);
		t_quiet_log();
		/* another user: another account, another Maildir */
		session(cases[i].user ? root2 : root, pub,
		    cases[i].user ? cases[i].user : "test", cases[i].in, out);
		p = buf_cstr(out);
		for (size_t k = 0; cases[i].want[k]; k++) {
			const char *hit = strstr(p, cases[i].want[k]);

			if (hit == NULL) {
				t_fail(__FILE__, __LINE__,
				    "missing \"%s\" in:\n%s", cases[i].want[k],
				    buf_cstr(out));
				break;
			}
			p = hit + strlen(cases[i].want[k]);
		}
	}
	buf_free(&why);
	buf_free(&out);
	return t_end();
}

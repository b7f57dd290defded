# imapd/ - the IMAP server (imapd(8)).
PROGRAMS += imapd
IMAPD_LIB_SRCS := imapd/imapd_read.c imapd/imapd_login.c \
	imapd/imapd_session.c imapd/imapd_mbox.c imapd/imapd_fetch.c \
	imapd/imapd_msgs.c imapd/imapd_folders.c imapd/imapd_search.c \
	imapd/imapd_thread.c imapd/imapd_acl.c imapd/imapd_seen.c
imapd_SRCS := imapd/imapd.c $(IMAPD_LIB_SRCS)
imapd_DEST := libexec
imapd_session_fuzz_EXTRA := $(IMAPD_LIB_SRCS)
imapd_session_test_EXTRA := $(IMAPD_LIB_SRCS)

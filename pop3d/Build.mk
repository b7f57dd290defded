# pop3d/ - the POP3 server (pop3d(8)).
PROGRAMS += pop3d
pop3d_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard pop3d/pop3d*.c))
pop3d_DEST := libexec
pop3d_mbox_test_EXTRA := pop3d/pop3d_mbox.c
pop3d_session_test_EXTRA := pop3d/pop3d_session.c pop3d/pop3d_mbox.c pop3d/test_session.c
pop3d_session_fuzz_EXTRA := pop3d/pop3d_session.c pop3d/pop3d_mbox.c pop3d/test_session.c

# smtpd/ - the SMTP server.
PROGRAMS += smtpd
smtpd_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard smtpd/*.c))
smtpd_DEST := libexec
smtpd_session_fuzz_EXTRA := smtpd/smtpd_session.c smtpd/smtpd_auth.c \
	smtpd/smtpd_check.c smtpd/smtpd_data.c smtpd/smtpd_filter.c

# smtpd/ - the SMTP server.
PROGRAMS += smtpd
smtpd_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard smtpd/*.c))
smtpd_DEST := libexec

# deliver/ - the delivery agents: smtp (remote, SMTP client) and deliver
# (local, Maildir).
PROGRAMS += smtp
smtp_SRCS := deliver/smtp.c deliver/smtp_deliver.c
smtp_DEST := libexec

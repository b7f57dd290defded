# deliver/ - the delivery agents: smtp (remote, SMTP client) and deliver
# (local, Maildir).
PROGRAMS += smtp
smtp_SRCS := deliver/smtp.c deliver/smtp_deliver.c
smtp_DEST := libexec
PROGRAMS += deliver
deliver_SRCS := deliver/local.c deliver/local_deliver.c
deliver_DEST := libexec

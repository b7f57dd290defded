# showq/ - the queue listing service for mailq run by any user (showq(8)).
PROGRAMS += showq
showq_SRCS := showq/showq.c
showq_DEST := libexec

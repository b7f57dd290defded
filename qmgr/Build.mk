# qmgr/ - the queue manager (qmgr(8)).
PROGRAMS += qmgr
qmgr_SRCS := qmgr/qmgr.c qmgr/qmgr_scan.c qmgr/qmgr_message.c \
	qmgr/qmgr_agent.c qmgr/qmgr_bounce.c
qmgr_DEST := libexec

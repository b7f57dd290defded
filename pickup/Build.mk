# pickup/ - the local submission service: maildrop to queue (pickup(8)).
PROGRAMS += pickup
pickup_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard pickup/*.c))
pickup_DEST := libexec

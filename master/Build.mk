# master/ - the supervisor (master(8)).
PROGRAMS += master
master_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard master/master*.c))
master_DEST := libexec
master_policy_test_EXTRA := master/master_policy.c

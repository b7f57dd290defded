# tests/ - programs that only the tests use. TEST_PROGRAMS are built into
# build/testbin/ by `make` (and so by `make check`), never installed, and
# need no man page.
TEST_PROGRAMS += echod
echod_SRCS := tests/daemons/echod.c

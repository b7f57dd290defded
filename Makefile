# Makefile - the whole Gannet build, non-recursive (STYLE 22).
#
# configure writes config.mk (compilers, flags, library flags). The rules
# here find sources by convention, so adding a module needs no edit here:
#   lib/util/*.c, lib/proto/*.c, lib/mail/*.c  -> three static libraries
#   <dir>/Build.mk                             -> programs (PROGRAMS += name)
#   **/*_test.c                                -> unit tests in build/tests/
#   **/*_fuzz.c                                -> libFuzzer targets (clang)
#
# The two commands a newcomer types are `make check` and `make run`; both
# install missing Debian packages first (tools/deps.sh), then configure.

SHELL := /bin/bash
.DEFAULT_GOAL := all
# Keep intermediate objects (tests/t.o and friends) between runs.
.SECONDARY:
TOP := $(abspath .)

-include config.mk

# configure is run with these; .ci/run adds --enable-werror.
CONFIGURE_FLAGS ?=
PYTHON := /usr/bin/python3
# The group of the maildrop (gannet.conf's setgid_group default).
SETGID_GROUP ?= gannetdrop

ifeq ($(wildcard config.mk),)
# Not configured yet: every real target first runs the set-up below, which
# writes config.mk; make then restarts with it included.
endif

config.mk: configure.ac config.mk.in tools/deps.sh
	@tools/deps.sh build
	autoconf
	./configure $(CONFIGURE_FLAGS)
	@touch config.mk

.PHONY: deps
deps:
	@tools/deps.sh all

# ---------------------------------------------------------------------------
# Flags

CPPFLAGS_ALL := -I$(TOP)/lib -I$(TOP) \
	-DGANNET_LIBEXECDIR='"$(libexecdir)/gannet"' \
	-DGANNET_MAIL_OWNER='"$(MAIL_OWNER)"' \
	-DGANNET_VMAIL_OWNER='"$(VMAIL_OWNER)"' \
	$(SSL_CFLAGS) $(PCRE2_CFLAGS) $(DKIM_CFLAGS) $(CRYPT_CFLAGS)
CFLAGS_ALL := -std=gnu11 $(OPT_CFLAGS) $(WARN_CFLAGS) $(HARDEN_CFLAGS) \
	$(SAN_CFLAGS) -MMD -MP $(CFLAGS)
LDFLAGS_ALL := $(HARDEN_LDFLAGS) $(SAN_CFLAGS) -Wl,--as-needed $(LDFLAGS)
LIBS_EXT := $(SSL_LIBS) $(PCRE2_LIBS) $(BDB_LIBS) $(SPF_LIBS) $(DKIM_LIBS) \
	$(CRYPT_LIBS) $(RESOLV_LIBS)

OBJ := build/obj

# ---------------------------------------------------------------------------
# Libraries: lib/util <- lib/proto <- lib/mail

notest = $(filter-out %_test.c %_fuzz.c,$(1))
UTIL_SRCS := $(call notest,$(wildcard lib/util/*.c))
PROTO_SRCS := $(call notest,$(wildcard lib/proto/*.c))
MAIL_SRCS := $(call notest,$(wildcard lib/mail/*.c))
objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

LIB_UTIL := build/libgannet_util.a
LIB_PROTO := build/libgannet_proto.a
LIB_MAIL := build/libgannet_mail.a
LIBS_OWN := $(LIB_MAIL) $(LIB_PROTO) $(LIB_UTIL)

$(LIB_UTIL): $(call objs,$(UTIL_SRCS))
$(LIB_PROTO): $(call objs,$(PROTO_SRCS))
$(LIB_MAIL): $(call objs,$(MAIL_SRCS))
$(LIBS_OWN):
	@mkdir -p $(@D)
	@rm -f $@
	$(AR) rcs $@ $^

$(OBJ)/%.o: %.c | config.mk
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(CFLAGS_ALL) -c -o $@ $<

# ---------------------------------------------------------------------------
# Programs, declared by <dir>/Build.mk:
#   PROGRAMS += smtpd
#   smtpd_SRCS := smtpd/smtpd.c smtpd/smtpd_proto.c
#   smtpd_DEST := libexec          (bin: commands; libexec: daemons)

PROGRAMS :=
include $(filter-out tests/Build.mk,$(wildcard */Build.mk))

define program_rule
$(1)_BIN := $$(if $$(filter bin,$$($(1)_DEST)),bin,libexec)/$(1)
$$($(1)_BIN): $$(call objs,$$($(1)_SRCS)) $$(LIBS_OWN)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$(call objs,$$($(1)_SRCS)) $$(LIBS_OWN) $$(LIBS_EXT)
ALL_BINS += $$($(1)_BIN)
endef
ALL_BINS :=
$(foreach p,$(PROGRAMS),$(eval $(call program_rule,$(p))))

# Programs only the tests use (tests/Build.mk: TEST_PROGRAMS += echod):
# built into build/testbin/, never installed, no man page.
TEST_PROGRAMS :=
include $(wildcard tests/Build.mk)
define test_program_rule
build/testbin/$(1): $$(call objs,$$($(1)_SRCS)) $$(LIBS_OWN)
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS_ALL) -o $$@ $$(call objs,$$($(1)_SRCS)) $$(LIBS_OWN) $$(LIBS_EXT)
TEST_BINS_EXTRA += build/testbin/$(1)
endef
TEST_BINS_EXTRA :=
$(foreach p,$(TEST_PROGRAMS),$(eval $(call test_program_rule,$(p))))

# Compatibility names: bin/sendmail, bin/mailq, bin/newaliases are links.
COMPAT_LINKS := $(addprefix bin/,$(COMPAT_NAMES))
$(COMPAT_LINKS): | $(COMPAT_TARGET)
	@mkdir -p bin
	ln -sf $(notdir $(COMPAT_TARGET)) $@

.PHONY: all
all: config.mk $(ALL_BINS) $(COMPAT_LINKS) unit-tests $(TEST_BINS_EXTRA)

# ---------------------------------------------------------------------------
# Unit tests: every *_test.c beside a module, linked with tests/t.c.
# A test in a program directory may name extra objects in Build.mk:
#   smtpd_proto_test_EXTRA := smtpd/smtpd_proto.c

TEST_SRCS := $(wildcard lib/*/*_test.c */*_test.c)
TEST_BINS := $(patsubst %.c,build/tests/%,$(notdir $(TEST_SRCS)))
vpath %_test.c $(sort $(dir $(TEST_SRCS)))

build/tests/%: $(OBJ)/tests/t.o $(LIBS_OWN)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(LIBS_OWN) $(LIBS_EXT)

define test_rule
build/tests/$(basename $(notdir $(1))): $(call objs,$(1)) $$(call objs,$$($(basename $(notdir $(1)))_EXTRA))
endef
$(foreach t,$(TEST_SRCS),$(eval $(call test_rule,$(t))))

.PHONY: unit-tests
unit-tests: $(TEST_BINS)

# ---------------------------------------------------------------------------
# check: unit tests, integration tests (pytest, real daemons on loopback),
# fuzz smoke runs; one summary line at the end.

.PHONY: check check-unit check-integration check-asan
check: deps
	@$(MAKE) --no-print-directory all
	@tests/run-all.sh

check-unit: all
	@tests/run-unit.sh

check-integration: all
	@cd tests/integration && $(PYTHON) -m pytest -q $(PYTEST_ARGS)

# The sanitizer build runs in its own copy of the tree, so that it never
# mixes objects with the normal build. Every process of it (daemons under
# the master included: import_environment passes ASAN_OPTIONS on) writes
# its reports, leaks at exit among them, to $(ASAN_LOG)/asan.PID; the
# integration tests fail the test during which a report appears
# (tests/integration/conftest.py), and any report left makes the target
# fail.
ASAN_TREE := build/asan-tree
ASAN_LOG := /tmp/gannet-asan-log
check-asan: deps
	@rm -rf $(ASAN_TREE) && mkdir -p $(ASAN_TREE)
	@git ls-files -z --cached --others --exclude-standard | \
		grep -zv '^build/' | xargs -0 cp --parents -t $(ASAN_TREE)
	@rm -rf $(ASAN_LOG) && mkdir -m 1777 $(ASAN_LOG)
	@install -m 0644 tests/lsan.supp $(ASAN_LOG)/lsan.supp
	LSAN_OPTIONS=suppressions=$(ASAN_LOG)/lsan.supp:print_suppressions=0 \
	ASAN_OPTIONS=detect_leaks=1:log_path=$(ASAN_LOG)/asan \
	UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_LOG)/asan \
	$(MAKE) -C $(ASAN_TREE) check CONFIGURE_FLAGS="--enable-sanitizers $(CONFIGURE_FLAGS)"
	@if grep -lE 'ERROR: |runtime error' $(ASAN_LOG)/asan.* 2>/dev/null; then \
		head -50 $$(grep -lE 'ERROR: |runtime error' $(ASAN_LOG)/asan.*); \
		echo "check-asan: sanitizer reports in $(ASAN_LOG)"; exit 1; fi

# ---------------------------------------------------------------------------
# run: a demo instance in ./run, the whole suite in the foreground.

.PHONY: run
run: deps
	@$(MAKE) --no-print-directory all
	@tools/make-run.sh

# ---------------------------------------------------------------------------
# Fuzzing (clang + libFuzzer + ASan + UBSan). Each *_fuzz.c is one target,
# linked with clang-built copies of the libraries.

FUZZ_SRCS := $(wildcard lib/*/*_fuzz.c */*_fuzz.c)
FUZZ_BINS := $(patsubst %.c,build/fuzz/%,$(notdir $(FUZZ_SRCS)))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -DGANNET_FUZZING -MMD -MP
FOBJ := build/fuzzobj
fobjs = $(patsubst %.c,$(FOBJ)/%.o,$(1))
FUZZ_LIBOBJS := $(call fobjs,$(MAIL_SRCS) $(PROTO_SRCS) $(UTIL_SRCS))
FUZZ_SECONDS ?= 10
SECONDS ?= 600

$(FOBJ)/%.o: %.c | config.mk
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS_ALL) $(FUZZ_CFLAGS) -c -o $@ $<

define fuzz_rule
build/fuzz/$(basename $(notdir $(1))): $(call fobjs,$(1)) $$(call fobjs,$$($(basename $(notdir $(1)))_EXTRA)) $(FUZZ_LIBOBJS)
	@mkdir -p $$(@D)
	$$(CLANG) -fsanitize=fuzzer,address,undefined -o $$@ $$^ $$(LIBS_EXT)
endef
$(foreach t,$(FUZZ_SRCS),$(eval $(call fuzz_rule,$(t))))

.PHONY: fuzz fuzz-smoke fuzz-long
fuzz: config.mk
	@if [ -z "$(CLANG)" ]; then echo "fuzz: clang not found"; exit 1; fi
	@$(MAKE) --no-print-directory $(FUZZ_BINS)

fuzz-smoke: fuzz
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-long: fuzz
	@tests/fuzz/run.sh $(SECONDS) $(FUZZ_BINS)

# ---------------------------------------------------------------------------
# lint: formatting, layers, man pages, documented parameters, raw I/O.

.PHONY: lint man
lint: config.mk
	@tools/lint.sh

man:
	@for m in man/*.[0-9]; do mandoc -Tlint -Wwarning $$m || exit 1; done

# ---------------------------------------------------------------------------
# bench: Gannet against Postfix and Dovecot, side by side (bench/run; README).
# `make bench BENCH_ARGS="--quick"` passes options through.

.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run $(BENCH_ARGS)

# ---------------------------------------------------------------------------
# install

.PHONY: install
install: all
	$(INSTALL) -d $(DESTDIR)$(sbindir) $(DESTDIR)$(libexecdir)/gannet \
		$(DESTDIR)$(mandir)/man1 \
		$(DESTDIR)$(mandir)/man5 $(DESTDIR)$(mandir)/man8 \
		$(DESTDIR)$(datarootdir)/gannet
	for b in $(filter bin/%,$(ALL_BINS)); do \
		$(INSTALL) -m 0755 $$b $(DESTDIR)$(sbindir)/; done
	for n in $(COMPAT_NAMES); do \
		ln -sf $(notdir $(COMPAT_TARGET)) $(DESTDIR)$(sbindir)/$$n; done
	for b in $(filter libexec/%,$(ALL_BINS)); do \
		$(INSTALL) -m 0755 $$b $(DESTDIR)$(libexecdir)/gannet/; done
	for m in man/*.1; do [ -e "$$m" ] && $(INSTALL) -m 0644 $$m $(DESTDIR)$(mandir)/man1/; done; true
	for m in man/*.5; do [ -e "$$m" ] && $(INSTALL) -m 0644 $$m $(DESTDIR)$(mandir)/man5/; done; true
	for m in man/*.8; do [ -e "$$m" ] && $(INSTALL) -m 0644 $$m $(DESTDIR)$(mandir)/man8/; done; true
	for c in conf/*; do $(INSTALL) -m 0644 $$c $(DESTDIR)$(datarootdir)/gannet/; done
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		tools/mkusers.sh $(MAIL_OWNER) $(VMAIL_OWNER); fi
	# sendmail(1) is set-group-ID setgid_group (default gannetdrop), the
	# one group that may add files to the maildrop; no set-user-ID.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		getent group $(SETGID_GROUP) >/dev/null || \
			groupadd --system $(SETGID_GROUP); \
		chgrp $(SETGID_GROUP) $(sbindir)/sendmail && \
		chmod 2755 $(sbindir)/sendmail; fi

.PHONY: clean distclean
clean:
	rm -rf build bin libexec

distclean: clean
	rm -rf config.mk config.log config.status configure autom4te.cache

-include $(shell find build/obj build/fuzzobj -name '*.d' 2>/dev/null)

# tools/ - the gannet command.
PROGRAMS += gannet
gannet_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard tools/gannet*.c)) \
	build/gen/templates.c
gannet_DEST := bin

TEMPLATES := $(sort $(wildcard conf/*.in))
build/gen/templates.c: tools/embed.sh $(TEMPLATES)
	@mkdir -p $(@D)
	tools/embed.sh $@ $(TEMPLATES)

# sendmail: local submission into the maildrop; mailq and newaliases are
# links to it (sendmail(1)).
PROGRAMS += sendmail
sendmail_SRCS := tools/sendmail.c
sendmail_DEST := bin
COMPAT_NAMES := mailq newaliases
COMPAT_TARGET := bin/sendmail

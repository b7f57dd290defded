# tools/ - the gannet command (and, later, sendmail/mailq/newaliases).
PROGRAMS += gannet
gannet_SRCS := $(filter-out %_test.c %_fuzz.c,$(wildcard tools/gannet*.c)) \
	build/gen/templates.c
gannet_DEST := bin

TEMPLATES := $(sort $(wildcard conf/*.in))
build/gen/templates.c: tools/embed.sh $(TEMPLATES)
	@mkdir -p $(@D)
	tools/embed.sh $@ $(TEMPLATES)

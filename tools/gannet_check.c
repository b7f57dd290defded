/*
 * gannet_check.c - `gannet check`: check the instance offline (see
 * mail/config_check.h) and print every problem, one a line, as
 * "file:line: ..." or "path: ...". Exit status 1 when there is an error,
 * 0 otherwise (warnings alone do not fail).
 */
#include "util/sys_defs.h"

#include "util/log.h"

#include "mail/config_check.h"

#include "gannet.h"

/* gannet_cmd_check - the check subcommand */
int
gannet_cmd_check(int argc, char **argv)
{
	int errors, warnings = 0;

	if (argc != 1)
		gannet_usage_error("check");
	errors = config_check_run(gannet_config_dir, &warnings);
	if (errors > 0 || warnings > 0)
		fprintf(stderr, "gannet: check: %d error%s, %d warning%s\n",
		    errors, errors == 1 ? "" : "s", warnings,
		    warnings == 1 ? "" : "s");
	return errors > 0 ? 1 : 0;
}

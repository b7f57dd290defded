/*
 * params.c - the list of parameter tables, and loading them all.
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/buf.h"
#include "util/log.h"

#include "mail/cfg.h"
#include "mail/params.h"
#include "mail/params_accounts.h"
#include "mail/params_deliver.h"
#include "mail/params_dns.h"
#include "mail/params_imapd.h"
#include "mail/params_map.h"
#include "mail/params_master.h"
#include "mail/params_pickup.h"
#include "mail/params_pop3d.h"
#include "mail/params_qmgr.h"
#include "mail/params_smtp.h"
#include "mail/params_smtpd.h"

/* Add each area's table here. */
const struct cfg_param *const params_tables[] = {
    params_global,
    params_dns,
    params_deliver,
    params_smtp,
    params_master,
    params_pickup,
    params_accounts,
    params_map,
    params_pop3d,
    params_smtpd,
    params_imapd,
    params_qmgr,
    NULL,
};

/* params_config_file - dir/gannet.conf */
void
params_config_file(const char *config_dir, struct buf *out)
{
	buf_reset(out);
	buf_printf(out, "%s/gannet.conf", config_dir);
}

/* params_load - load and apply the configuration */
int
params_load(const char *config_dir, bool quiet_unknown)
{
	struct buf *path = buf_new(256), *why = buf_new(256);
	int errors = 0;

	if (config_dir == NULL)
		config_dir = getenv("GANNET_CONFIG_DIR");
	if (config_dir == NULL || *config_dir == 0)
		config_dir = GANNET_SYSCONFDIR;
	params_config_file(config_dir, path);
	if (cfg_load(buf_cstr(path), why) < 0) {
		/* One message per problem, each "file:line: text". */
		char *s = buf_steal(why);

		for (char *line = s, *nl; line && *line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = 0;
			log_error("%s", line);
		}
		free(s);
		errors++;
	}
	errors += cfg_apply(quiet_unknown);
	buf_free(&path);
	buf_free(&why);
	return errors;
}

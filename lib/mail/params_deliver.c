/*
 * params_deliver.c - parameters of local delivery, auto-replies and
 * archive mailboxes. quota_bounce_immediately follows the shape of
 * Postfix's names (its virtual(8) has no quota; the Maildir++ quota is
 * Courier's and Dovecot's); the rest are Gannet's own.
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_deliver.h"

bool var_quota_bounce_now;
long var_deliver_header_limit;
long var_autoreply_period;
bool var_archive_enable;
char *var_archive_prefix;

const struct cfg_param params_deliver[] = {
    CFG_BOOL("quota_bounce_immediately", "no", &var_quota_bounce_now),
    CFG_SIZE("local_header_size_limit", "1m", &var_deliver_header_limit, 1024,
        64L * 1024 * 1024),
    CFG_TIME("autoreply_period", "1d", &var_autoreply_period, 0, 365L * 86400),
    CFG_BOOL("account_archive", "no", &var_archive_enable),
    CFG_STR("account_archive_prefix", "archive-", &var_archive_prefix),
    CFG_END,
};

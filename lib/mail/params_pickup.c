/*
 * params_pickup.c - parameters of local submission (params_pickup.h).
 * The message limits pickup shares with smtpd (message_size_limit,
 * header_size_limit, line_length_limit) are declared where smtpd's are.
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_pickup.h"

char *var_setgid_group;
long var_header_count_limit;
long var_maildrop_stale_time;

const struct cfg_param params_pickup[] = {
    CFG_STR("setgid_group", "gannetdrop", &var_setgid_group),
    CFG_INT("header_count_limit", "1000", &var_header_count_limit, 10, 100000),
    CFG_TIME(
        "maildrop_stale_time", "1d", &var_maildrop_stale_time, 60, 86400 * 30),
    CFG_END,
};

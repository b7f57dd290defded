/*
 * params_dns.c - parameters of the DNS resolver (see dns.h).
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_dns.h"

char *var_dns_servers;
long var_dns_timeout;
long var_dns_retries;

const struct cfg_param params_dns[] = {
    CFG_STR("dns_servers", "", &var_dns_servers),
    CFG_TIME("dns_timeout", "5s", &var_dns_timeout, 1, 60),
    CFG_INT("dns_retries", "2", &var_dns_retries, 1, 10),
    CFG_END,
};

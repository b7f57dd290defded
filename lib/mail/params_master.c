/*
 * params_master.c - parameters of master(8). Documented in gannet.conf(5)
 * under "Master".
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_master.h"

long var_master_stop_timeout;
long var_service_throttle_time;
long var_service_throttle_max_time;
long var_service_throttle_uptime;
char *var_import_environment;

const struct cfg_param params_master[] = {
    CFG_TIME("master_stop_timeout", "30s", &var_master_stop_timeout, 1, 3600),
    CFG_TIME(
        "service_throttle_time", "1s", &var_service_throttle_time, 1, 3600),
    CFG_TIME("service_throttle_max_time", "60s", &var_service_throttle_max_time,
        1, 86400),
    CFG_TIME("service_throttle_uptime", "10s", &var_service_throttle_uptime, 0,
        3600),
    CFG_STR("import_environment",
        "TZ LANG=C PATH=/usr/sbin:/usr/bin:/sbin:/bin ASAN_OPTIONS "
        "UBSAN_OPTIONS LSAN_OPTIONS",
        &var_import_environment),
    CFG_END,
};

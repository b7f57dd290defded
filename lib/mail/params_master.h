/*
 * params_master.h - the master's parameters (params_master.c): stopping,
 * throttling of failing services, the children's environment.
 */
#ifndef MAIL_PARAMS_MASTER_H
#define MAIL_PARAMS_MASTER_H
#include "mail/cfg.h"

extern const struct cfg_param params_master[];
extern long var_master_stop_timeout;       /* master_stop_timeout */
extern long var_service_throttle_time;     /* service_throttle_time */
extern long var_service_throttle_max_time; /* service_throttle_max_time */
extern long var_service_throttle_uptime;   /* service_throttle_uptime */
extern char *var_import_environment;       /* import_environment */

#endif /* MAIL_PARAMS_MASTER_H */

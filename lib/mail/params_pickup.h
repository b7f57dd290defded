/*
 * params_pickup.h - parameters of local submission: the sendmail
 * command and the pickup service (sendmail(1), pickup(8)).
 */
#ifndef MAIL_PARAMS_PICKUP_H
#define MAIL_PARAMS_PICKUP_H
#include "mail/cfg.h"

extern const struct cfg_param params_pickup[];

extern char *var_setgid_group;       /* setgid_group: owns maildrop/ */
extern long var_header_count_limit;  /* header fields per message */
extern long var_maildrop_stale_time; /* unfinished maildrop files */

#endif /* MAIL_PARAMS_PICKUP_H */

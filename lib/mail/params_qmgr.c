/*
 * params_qmgr.c - the queue manager's parameters (see params_qmgr.h and
 * qmgr(8)). Names, meanings and defaults follow Postfix's qmgr; the one
 * addition is qmgr_delivery_timeout, how long the queue manager waits for
 * a delivery agent's reply before it defers the recipients.
 */
#include "util/sys_defs.h"

#include "mail/cfg.h"
#include "mail/params_qmgr.h"

long var_qmgr_active_limit;
long var_min_backoff;
long var_max_backoff;
long var_queue_run_delay;
long var_max_queue_lifetime;
long var_bounce_lifetime;
long var_delay_warning_time;
long var_dest_concurrency;
long var_local_concurrency;
long var_bounce_size_limit;
long var_qmgr_delivery_timeout;
char *var_double_bounce_rcpt;
char *var_local_transport;
char *var_default_transport;

const struct cfg_param params_qmgr[] = {
    CFG_INT("qmgr_message_active_limit", "20000", &var_qmgr_active_limit, 1,
        1000000),
    CFG_TIME("minimal_backoff_time", "300s", &var_min_backoff, 1, 86400 * 7),
    CFG_TIME("maximal_backoff_time", "4000s", &var_max_backoff, 1, 86400 * 7),
    CFG_TIME("queue_run_delay", "300s", &var_queue_run_delay, 1, 86400),
    CFG_TIME("maximal_queue_lifetime", "5d", &var_max_queue_lifetime, 0,
        86400 * 100),
    CFG_TIME(
        "bounce_queue_lifetime", "5d", &var_bounce_lifetime, 0, 86400 * 100),
    CFG_TIME(
        "delay_warning_time", "0h", &var_delay_warning_time, 0, 86400 * 100),
    CFG_INT("default_destination_concurrency_limit", "20",
        &var_dest_concurrency, 1, 1000),
    CFG_INT("local_destination_concurrency_limit", "2", &var_local_concurrency,
        1, 1000),
    CFG_SIZE("bounce_size_limit", "50000", &var_bounce_size_limit, 1,
        1024L * 1024 * 1024),
    CFG_TIME("qmgr_delivery_timeout", "3600s", &var_qmgr_delivery_timeout, 10,
        86400),
    CFG_STR("2bounce_notice_recipient", "postmaster", &var_double_bounce_rcpt),
    CFG_STR("local_transport", "deliver", &var_local_transport),
    CFG_STR("default_transport", "smtp", &var_default_transport),
    CFG_END,
};

/*
 * params_qmgr.h - parameters of the queue manager (qmgr(8)): the active
 * set, retries and their back-off, lifetimes, concurrency per destination,
 * bounces and delay warnings. Names and defaults are Postfix's.
 */
#ifndef MAIL_PARAMS_QMGR_H
#define MAIL_PARAMS_QMGR_H
#include "mail/cfg.h"

extern const struct cfg_param params_qmgr[];

extern long var_qmgr_active_limit;  /* qmgr_message_active_limit */
extern long var_min_backoff;        /* minimal_backoff_time */
extern long var_max_backoff;        /* maximal_backoff_time */
extern long var_queue_run_delay;    /* queue_run_delay */
extern long var_max_queue_lifetime; /* maximal_queue_lifetime */
extern long var_bounce_lifetime;    /* bounce_queue_lifetime */
extern long var_delay_warning_time; /* delay_warning_time, 0: off */
extern long var_dest_concurrency;   /* default_destination_concurrency_limit */
extern long var_local_concurrency;  /* local_destination_concurrency_limit */
extern long var_bounce_size_limit;  /* bounce_size_limit */
extern long var_qmgr_delivery_timeout; /* qmgr_delivery_timeout */
extern char *var_double_bounce_rcpt;   /* 2bounce_notice_recipient */
extern char *var_local_transport;      /* local_transport */
extern char *var_default_transport;    /* default_transport */

#endif /* MAIL_PARAMS_QMGR_H */

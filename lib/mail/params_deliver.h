/*
 * params_deliver.h - parameters of local delivery (the deliver agent,
 * deliver(8)), of auto-replies (autoreply.h, sent by the queue manager)
 * and of archive mailboxes (archive.h, applied by the queue manager when
 * it expands recipients).
 */
#ifndef MAIL_PARAMS_DELIVER_H
#define MAIL_PARAMS_DELIVER_H
#include "mail/cfg.h"

extern const struct cfg_param params_deliver[];

extern bool var_quota_bounce_now;     /* quota_bounce_immediately */
extern long var_deliver_header_limit; /* local_header_size_limit */
extern long var_autoreply_period;     /* autoreply_period */
extern bool var_archive_enable;       /* account_archive */
extern char *var_archive_prefix;      /* account_archive_prefix */

#endif /* MAIL_PARAMS_DELIVER_H */

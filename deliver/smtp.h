/*
 * smtp.h - the smtp delivery agent's state, shared by its files (and by
 * nothing outside deliver/).
 */
#ifndef DELIVER_SMTP_H
#define DELIVER_SMTP_H
#include "util/sys_defs.h"

#include "mail/dns.h"
#include "mail/tls_policy.h"

struct deliver_request;
struct deliver_reply;
struct maplist;
struct matchlist;
struct smtp_session;
struct tls_ctx;

struct smtp_agent {
	struct tls_ctx *tls;        /* NULL when no TLS context could be made */
	struct maplist *tls_policy; /* smtp_tls_policy_maps, or NULL */
	struct maplist *sasl;       /* smtp_sasl_password_maps, or NULL */
	struct matchlist *relay_domains; /* no fallback relay for these */
	struct dns_resolver *dns;
	struct tls_policy default_policy; /* smtp_tls_security_level */
	struct smtp_session *cached;      /* an idle session kept for reuse */
	bool must_exit; /* a secret map can no longer be read: let the master
	                 * start a fresh process (as root, to reopen it) */
};

extern struct smtp_agent smtp_agent;

/* smtp_deliver - deliver the message of req to its next hop; every
 * recipient's result goes into reply (made with deliver_reply_for) and
 * the log */
void smtp_deliver(
    const struct deliver_request *req, struct deliver_reply *reply);
/* smtp_cache_close - QUIT and drop the cached session, if any */
void smtp_cache_close(void);

#endif /* DELIVER_SMTP_H */

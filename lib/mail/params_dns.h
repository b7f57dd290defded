/*
 * params_dns.h - parameters of the DNS resolver (lib/mail/dns.c), shared
 * by every program that looks names up.
 */
#ifndef MAIL_PARAMS_DNS_H
#define MAIL_PARAMS_DNS_H
#include "mail/cfg.h"

extern const struct cfg_param params_dns[];
extern char *var_dns_servers; /* dns_servers */
extern long var_dns_timeout;  /* dns_timeout */
extern long var_dns_retries;  /* dns_retries */

#endif /* MAIL_PARAMS_DNS_H */

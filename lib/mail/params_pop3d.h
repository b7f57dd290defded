/*
 * params_pop3d.h - the POP3 server's parameters (see pop3d(8) and
 * gannet.conf(5)). Every peer-controlled quantity has a *_limit here.
 */
#ifndef MAIL_PARAMS_POP3D_H
#define MAIL_PARAMS_POP3D_H
#include "mail/cfg.h"

extern const struct cfg_param params_pop3d[];

extern char *var_pop3d_banner;
extern long var_pop3d_timeout;
extern long var_pop3d_command_line_limit;
extern long var_pop3d_bad_command_limit;
extern long var_pop3d_auth_failure_limit;
extern long var_pop3d_client_connection_count_limit;
extern bool var_pop3d_disable_plaintext_auth;
extern char *var_pop3d_plaintext_auth_networks;
extern char *var_pop3d_tls_security_level;
extern bool var_pop3d_tls_wrappermode;
extern char *var_pop3d_tls_cert_file;
extern char *var_pop3d_tls_key_file;
extern char *var_pop3d_tls_protocols;
extern char *var_pop3d_tls_cipher_list;
extern bool var_pop3d_sandbox;

#endif /* MAIL_PARAMS_POP3D_H */

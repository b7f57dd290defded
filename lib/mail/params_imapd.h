/*
 * params_imapd.h - the parameters of the IMAP server (imapd(8)).
 * Documented in gannet.conf(5) under "IMAP server".
 */
#ifndef MAIL_PARAMS_IMAPD_H
#define MAIL_PARAMS_IMAPD_H
#include "mail/cfg.h"

extern const struct cfg_param params_imapd[];

extern char *var_imapd_banner;
extern long var_imapd_login_timeout;
extern long var_imapd_idle_timeout;
extern long var_imapd_command_line_limit;
extern long var_imapd_command_size_limit;
extern long var_imapd_literal_size_limit;
extern long var_imapd_command_item_limit;
extern long var_imapd_command_depth_limit;
extern long var_imapd_bad_command_limit;
extern long var_imapd_auth_failure_limit;
extern long var_imapd_client_connection_limit;
extern long var_imapd_user_connection_limit;
extern long var_imapd_mime_depth_limit;
extern long var_imapd_mime_part_limit;
extern long var_imapd_search_size_limit;
extern char *var_imapd_autocreate_folders;
extern bool var_imapd_tls_wrappermode;
extern bool var_imapd_tls_auth_only;
extern char *var_imapd_tls_cert_file;
extern char *var_imapd_tls_key_file;
extern char *var_imapd_tls_protocols;
extern char *var_imapd_tls_cipher_list;
extern bool var_imapd_sandbox;
extern char *var_imapd_public_folder_base;

#endif /* MAIL_PARAMS_IMAPD_H */

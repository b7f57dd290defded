/*
 * smtpd.c - the SMTP server: inbound MX (port 25), submission (587) and
 * submissions (465, implicit TLS), one session at a time per process,
 * under the service skeleton (lib/mail/service.h).
 *
 * The TLS context is made before privileges are dropped, because the key
 * is readable only by root; the master restarts its children on reload,
 * so a renewed certificate takes effect then. Everything that parses
 * network input runs after the drop.
 */
#include "util/sys_defs.h"

#include "util/buf.h"
#include "util/log.h"

#include "mail/params_smtpd.h"
#include "mail/service.h"
#include "mail/tls.h"

#include "smtpd.h"

struct tls_ctx *smtpd_tls_ctx;

/* smtpd_pre_jail - as root: the TLS certificate and key */
static void
smtpd_pre_jail(void)
{
	struct buf *why = buf_new(128);

	if (strcmp(var_smtpd_tls_security_level, "none") != 0
	    || var_smtpd_tls_wrappermode) {
		smtpd_tls_ctx = tls_server_ctx_new(var_smtpd_tls_cert_file,
		    var_smtpd_tls_key_file, var_smtpd_tls_protocols,
		    var_smtpd_tls_cipher_list, why);
		/* Without TLS a submission service must not run at all;
		 * a plain MX may go on without STARTTLS. */
		if (smtpd_tls_ctx == NULL) {
			if (var_smtpd_tls_wrappermode
			    || strcmp(var_smtpd_tls_security_level, "encrypt")
			        == 0)
				log_fatal("TLS is required but not available: "
				          "%s",
				    buf_cstr(why));
			log_warn("TLS not available (STARTTLS is not "
			         "offered): %s",
			    buf_cstr(why));
		}
	}
	buf_free(&why);
}

/* smtpd_post_jail - unprivileged set-up */
static void
smtpd_post_jail(void)
{
	if (strcmp(var_smtpd_tls_security_level, "none") != 0
	    && strcmp(var_smtpd_tls_security_level, "may") != 0
	    && strcmp(var_smtpd_tls_security_level, "encrypt") != 0)
		log_fatal("smtpd_tls_security_level = %s: use none, may or "
		          "encrypt",
		    var_smtpd_tls_security_level);
	smtpd_check_init();
	smtpd_filter_init();
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .pre_jail = smtpd_pre_jail,
	    .post_jail = smtpd_post_jail,
	    .serve = smtpd_session,
	};

	return service_main(argc, argv, "smtpd", &hooks);
}

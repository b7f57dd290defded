/*
 * smtpd_filter.c - content filters (placeholder until header_checks,
 * body_checks and attachment_name_filters are wired).
 */
#include "util/sys_defs.h"

#include <stdlib.h>

#include "util/xalloc.h"

#include "smtpd.h"

struct smtpd_filter {
	enum smtpd_filter_action action;
};

void
smtpd_filter_init(void)
{
}

struct smtpd_filter *
smtpd_filter_new(void)
{
	return xcalloc(1, sizeof(struct smtpd_filter));
}

void
smtpd_filter_free(struct smtpd_filter **fp)
{
	free(*fp);
	*fp = NULL;
}

void
smtpd_filter_header(
    struct smtpd_filter *f, const char *qid, const char *hdr, size_t len)
{
}

void
smtpd_filter_body(
    struct smtpd_filter *f, const char *qid, const char *line, size_t len)
{
}

enum smtpd_filter_action
smtpd_filter_result(const struct smtpd_filter *f, const char **reply_out)
{
	*reply_out = NULL;
	return f ? f->action : SMTPD_FILTER_NONE;
}

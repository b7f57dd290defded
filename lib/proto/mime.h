/*
 * mime.h - the MIME structure of a message (RFC 2045, 2046), as IMAP's
 * BODYSTRUCTURE and BODY[section] need it: every part's header and body
 * as offsets into the message, its content type, parameters, encoding,
 * disposition and line count, nested multiparts and message/rfc822
 * parts (whose encapsulated message is parsed as a message of its own).
 *
 * The input is the message as IMAP serves it (CRLF line ends; bare LF is
 * accepted), so offsets and sizes are what the client sees. Parsing never
 * fails: what does not parse becomes a text/plain leaf, as a reader would
 * take it. Depth and part count are limited by the caller; a part past a
 * limit is a leaf.
 *
 * IMAP part numbers (RFC 3501 6.4.5): mime_part_find() follows them.
 */
#ifndef PROTO_MIME_H
#define PROTO_MIME_H
#include "util/sys_defs.h"

struct mime_param {
	char *name;  /* as written (RFC 2231 "name*0*" forms kept) */
	char *value; /* unquoted */
};

struct mime_part {
	size_t hdr_off, hdr_len; /* the header, its blank line included */
	size_t body_off, body_len;
	size_t body_lines;     /* LF count of the body */
	bool has_content_type; /* false: the type is a default */
	char *type, *subtype;  /* never NULL */
	struct mime_param *params;
	size_t nparams;
	char *id, *description, *encoding, *md5; /* NULL when absent */
	char *disposition;                       /* NULL when absent */
	struct mime_param *disp_params;
	size_t ndisp_params;
	char *language, *location;  /* NULL when absent */
	struct mime_part *children; /* multipart */
	size_t nchildren;
	struct mime_part *message; /* message/rfc822: the inner message */
};

struct mime_limits {
	unsigned depth; /* nesting levels parsed (multipart and message) */
	size_t parts;   /* parts parsed in all */
};

/* mime_parse - the structure of the message in data; the caller frees it
 * with mime_free */
struct mime_part *mime_parse(
    const char *data, size_t len, const struct mime_limits *lim);
void mime_free(struct mime_part **pp);

/* mime_is - the part's type is type/subtype (case-insensitive; subtype
 * NULL matches any) */
bool mime_is(const struct mime_part *p, const char *type, const char *subtype);
/* mime_param - a parameter's value, or NULL */
const char *mime_param(const struct mime_part *p, const char *name);

/* mime_part_find - the part with IMAP part number nums[0].nums[1]...
 * under the message root (n == 0: root itself), or NULL */
const struct mime_part *mime_part_find(
    const struct mime_part *root, const unsigned *nums, size_t n);

#endif /* PROTO_MIME_H */

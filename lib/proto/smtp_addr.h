/*
 * smtp_addr.h - RFC 5321 paths and mailboxes (with the RFC 6531 UTF-8
 * extensions), parsed into a normalised form.
 *
 * A path is "<" [source-route ":"] mailbox ">"; a mailbox is local-part
 * "@" (domain | address-literal). The parser checks the full grammar:
 * dot-atoms and quoted strings in the local part, LDH labels (or, with
 * SMTP_ADDR_UTF8, U-labels) in the domain, IPv4/IPv6/general address
 * literals, and valid UTF-8 (no overlong forms, no surrogates).
 *
 * The normalised mailbox (addr) has the local part in its simplest form:
 * a quoted local part that is a valid dot-string loses its quotes, and
 * one that needs them gets minimal quoting (backslash only before '"' and
 * '\'). Two spellings of the same mailbox therefore compare equal, and
 * addr can be sent to another MTA as it is. The domain is kept as given
 * (case included); lookups fold case themselves.
 *
 * Source routes ("<@a,@b:user@c>") are accepted and dropped, as RFC 5321
 * section 4.1.1.3 says a receiver should. Routing characters in the local
 * part ('%' and '!', the "percent hack") are flagged so that relay
 * control can refuse "user%elsewhere@local" from untrusted clients.
 */
#ifndef PROTO_SMTP_ADDR_H
#define PROTO_SMTP_ADDR_H
#include "util/sys_defs.h"

struct buf;

/* Parser flags */
#define SMTP_ADDR_UTF8       0x01 /* SMTPUTF8: UTF-8 allowed */
#define SMTP_ADDR_NULL_OK    0x02 /* "<>" allowed (MAIL FROM, AUTH=) */
#define SMTP_ADDR_POSTMASTER 0x04 /* "<Postmaster>" allowed (RCPT TO) */
#define SMTP_ADDR_LENIENT    0x08 /* "user@domain" without <> allowed */

/* Limits. RFC 5321 4.5.3.1 gives 64 octets for a local part and 256 for
 * a path, but asks receivers to accept more where they can; real VERP and
 * SRS addresses do exceed 64. */
#define SMTP_LOCAL_MAX  256
#define SMTP_DOMAIN_MAX 255
#define SMTP_LABEL_MAX  63
#define SMTP_ADDR_MAX   (SMTP_LOCAL_MAX + 3 + SMTP_DOMAIN_MAX)

struct smtp_addr {
	char *addr;   /* normalised "local@domain"; "" for <>; "Postmaster" */
	char *local;  /* local part without quotes or backslashes */
	char *domain; /* domain or "[literal]" as written; "" when none */
	bool is_null; /* <> */
	bool is_postmaster;  /* <Postmaster> without a domain */
	bool has_route;      /* a source route was dropped */
	bool has_brackets;   /* it came in <> */
	bool is_quoted;      /* the local part was (or must be) quoted */
	bool is_literal;     /* the domain is an address literal */
	bool is_utf8;        /* some byte is not ASCII */
	bool has_route_char; /* '%' or '!' in the local part */
};

/* smtp_addr_parse_path - parse a path at the start of s (len bytes).
 * *used_out gets the number of bytes consumed (the rest, if any, starts
 * with a space or is empty: the caller parses parameters there). Returns
 * 0, or -1 with a short reason in why ("missing '>'", ...). out must be
 * zeroed or cleared before; the caller clears it with smtp_addr_clear. */
int smtp_addr_parse_path(const char *s, size_t len, int flags,
    struct smtp_addr *out, size_t *used_out, struct buf *why);
/* smtp_addr_parse_mailbox - the whole of s is one mailbox without angle
 * brackets (ORCPT, AUTH=, VRFY arguments) */
int smtp_addr_parse_mailbox(const char *s, size_t len, int flags,
    struct smtp_addr *out, struct buf *why);
/* smtp_addr_clear - free the strings and zero the struct */
void smtp_addr_clear(struct smtp_addr *a);

/* smtp_domain_ok - s is a domain name: LDH labels (U-labels too with
 * SMTP_ADDR_UTF8), no empty label, within the length limits */
bool smtp_domain_ok(const char *s, size_t len, int flags);
/* smtp_literal_ok - s is an address literal with its brackets:
 * "[192.0.2.1]", "[IPv6:2001:db8::1]", "[tag:content]" */
bool smtp_literal_ok(const char *s, size_t len);
/* smtp_helo_ok - a HELO/EHLO argument: a domain or an address literal.
 * Underscores are allowed in labels (Windows host names send them) and a
 * trailing dot is accepted. */
bool smtp_helo_ok(const char *s, size_t len);
/* smtp_utf8_ok - s is valid UTF-8 (shortest forms, no surrogates) */
bool smtp_utf8_ok(const char *s, size_t len);
/* smtp_local_quote - append local part (unquoted form) to out in its
 * RFC 5321 form: as is when it is a dot-string, else quoted */
void smtp_local_quote(const char *local, size_t len, struct buf *out);

#endif /* PROTO_SMTP_ADDR_H */

/*
 * imap_cmd.h - the IMAP command parser: the client side of RFC 3501's
 * formal syntax (section 9) and of the extensions imapd offers (LITERAL+,
 * UIDPLUS, MOVE, CONDSTORE/QRESYNC, ESEARCH, SORT/THREAD, LIST-EXTENDED,
 * LIST-STATUS, SPECIAL-USE, ENABLE, ID, QUOTA, IDLE, NAMESPACE, UNSELECT,
 * ACL).
 *
 * A command arrives as lines, and a line that ends in a literal
 * announcement "{n}" or "{n+}" is followed by n bytes and more of the
 * command. The server reads the whole command first (asking
 * imap_line_literal() after each line, sending "+" for a synchronising
 * literal), then hands the bytes, exactly as they came, to
 * imap_cmd_parse(). The parser is pure: no I/O, so that it can be fuzzed
 * with whole commands.
 *
 * The result is typed: one struct per command with the fields that
 * command has. Strings are copies (NUL-terminated, with their length for
 * those that may hold NUL), owned by the command until imap_cmd_free().
 * Semantics (does the mailbox exist, is this state right) are the
 * server's.
 */
#ifndef PROTO_IMAP_CMD_H
#define PROTO_IMAP_CMD_H
#include <time.h>

#include "util/sys_defs.h"

struct buf;

/* imap_line_literal - true when line (which ends in LF) ends in "{n}" or
 * "{n+}" before its line end; the size into *n_out, and whether it is a
 * non-synchronising LITERAL+ literal into *nonsync_out. A size that does
 * not fit in 32 bits is still reported (the caller refuses it). */
bool imap_line_literal(
    const char *line, size_t len, uint64_t *n_out, bool *nonsync_out);

enum imap_cmd_id {
	IMAP_CMD_UNKNOWN = 0,
	IMAP_CMD_CAPABILITY,
	IMAP_CMD_NOOP,
	IMAP_CMD_LOGOUT,
	IMAP_CMD_STARTTLS,
	IMAP_CMD_AUTHENTICATE,
	IMAP_CMD_LOGIN,
	IMAP_CMD_SELECT,
	IMAP_CMD_EXAMINE,
	IMAP_CMD_CREATE,
	IMAP_CMD_DELETE,
	IMAP_CMD_RENAME,
	IMAP_CMD_SUBSCRIBE,
	IMAP_CMD_UNSUBSCRIBE,
	IMAP_CMD_LIST,
	IMAP_CMD_LSUB,
	IMAP_CMD_STATUS,
	IMAP_CMD_APPEND,
	IMAP_CMD_CHECK,
	IMAP_CMD_CLOSE,
	IMAP_CMD_EXPUNGE,
	IMAP_CMD_SEARCH,
	IMAP_CMD_FETCH,
	IMAP_CMD_STORE,
	IMAP_CMD_COPY,
	IMAP_CMD_MOVE,
	IMAP_CMD_IDLE,
	IMAP_CMD_NAMESPACE,
	IMAP_CMD_UNSELECT,
	IMAP_CMD_ENABLE,
	IMAP_CMD_ID,
	IMAP_CMD_GETQUOTA,
	IMAP_CMD_GETQUOTAROOT,
	IMAP_CMD_SETQUOTA,
	IMAP_CMD_SORT,
	IMAP_CMD_THREAD,
	IMAP_CMD_SETACL, /* RFC 4314 */
	IMAP_CMD_DELETEACL,
	IMAP_CMD_GETACL,
	IMAP_CMD_LISTRIGHTS,
	IMAP_CMD_MYRIGHTS,
};

/* A string from the client: a copy, NUL-terminated; len counts NULs. */
struct imap_str {
	char *s;
	size_t len;
};

/* Sequence sets: ranges with lo <= hi; "*" is IMAP_SEQ_STAR, resolved by
 * the server against the mailbox ("*" is the largest number in use). */
#define IMAP_SEQ_STAR UINT32_MAX
struct imap_seq_range {
	uint32_t lo, hi;
};
struct imap_seqset {
	struct imap_seq_range *v;
	size_t n;
	bool saved; /* "$": the saved search result (SEARCHRES, RFC 5182) */
};

/* FETCH */
enum imap_fetch_item {
	IMAP_FETCH_FLAGS,
	IMAP_FETCH_INTERNALDATE,
	IMAP_FETCH_RFC822_SIZE,
	IMAP_FETCH_ENVELOPE,
	IMAP_FETCH_BODY,          /* BODY: structure without extensions */
	IMAP_FETCH_BODYSTRUCTURE, /* with extensions */
	IMAP_FETCH_UID,
	IMAP_FETCH_MODSEQ,
	IMAP_FETCH_SECTION,       /* BODY[...] and BODY.PEEK[...] */
	IMAP_FETCH_RFC822,        /* BODY[], sets \Seen */
	IMAP_FETCH_RFC822_HEADER, /* BODY.PEEK[HEADER] */
	IMAP_FETCH_RFC822_TEXT,   /* BODY[TEXT], sets \Seen */
	IMAP_FETCH_BINARY,        /* BINARY[part] and BINARY.PEEK (RFC 3516) */
	IMAP_FETCH_BINARY_SIZE,   /* BINARY.SIZE[part] */
};
enum imap_section_spec {
	IMAP_SEC_ALL,               /* nothing after the part number */
	IMAP_SEC_HEADER,            /* HEADER */
	IMAP_SEC_HEADER_FIELDS,     /* HEADER.FIELDS (...) */
	IMAP_SEC_HEADER_FIELDS_NOT, /* HEADER.FIELDS.NOT (...) */
	IMAP_SEC_TEXT,              /* TEXT */
	IMAP_SEC_MIME,              /* MIME (only after a part number) */
};
struct imap_fetch_att {
	enum imap_fetch_item item;
	bool peek; /* BODY.PEEK */
	unsigned *parts;
	size_t nparts;
	enum imap_section_spec spec;
	char **fields;
	size_t nfields;
	bool has_partial;
	uint32_t partial_off, partial_len;
	char *section; /* the text between [ and ] for the reply, e.g.
	                * "1.HEADER.FIELDS (FROM TO)" */
};
struct imap_fetch {
	struct imap_fetch_att *v;
	size_t n;
	bool has_changedsince; /* CONDSTORE (CHANGEDSINCE n) */
	uint64_t changedsince;
	bool vanished; /* QRESYNC (VANISHED) */
};

/* STORE */
enum imap_store_mode { IMAP_STORE_SET, IMAP_STORE_ADD, IMAP_STORE_REMOVE };
struct imap_store {
	enum imap_store_mode mode;
	bool silent;
	char **flags; /* "\Seen", "$Junk"... as given */
	size_t nflags;
	bool has_unchangedsince;
	uint64_t unchangedsince;
};

/* SEARCH keys, normalised: FROM x is HEADER From x, UNSEEN is NOT FLAG
 * \Seen, NEW is (FLAG \Recent NOT FLAG \Seen), and so on. */
enum imap_skey {
	IMAP_SK_ALL,
	IMAP_SK_AND,        /* sub[0..nsub) */
	IMAP_SK_OR,         /* sub[0], sub[1] */
	IMAP_SK_NOT,        /* sub[0] */
	IMAP_SK_SEQ,        /* set (message sequence numbers) */
	IMAP_SK_UID,        /* set */
	IMAP_SK_FLAG,       /* str: "\Seen", "\Recent", or a keyword */
	IMAP_SK_HEADER,     /* field contains str (field "" never: BAD) */
	IMAP_SK_BODY,       /* body text contains str */
	IMAP_SK_TEXT,       /* header or body contains str */
	IMAP_SK_BEFORE,     /* internal date, day < num (days since epoch) */
	IMAP_SK_ON,         /* day == num */
	IMAP_SK_SINCE,      /* day >= num */
	IMAP_SK_SENTBEFORE, /* the same for the Date: field */
	IMAP_SK_SENTON,
	IMAP_SK_SENTSINCE,
	IMAP_SK_LARGER,  /* RFC822.SIZE > num */
	IMAP_SK_SMALLER, /* RFC822.SIZE < num */
	IMAP_SK_MODSEQ,  /* modseq >= num (CONDSTORE) */
	IMAP_SK_OLDER,   /* internal date older than num seconds (WITHIN) */
	IMAP_SK_YOUNGER, /* at most num seconds old */
};
struct imap_search_key {
	enum imap_skey type;
	struct imap_search_key *sub;
	size_t nsub;
	char *field;
	struct imap_str str;
	struct imap_seqset set;
	int64_t num;
};
/* ESEARCH RETURN options (RFC 4731) */
#define IMAP_SEARCH_RET_MIN   0x01
#define IMAP_SEARCH_RET_MAX   0x02
#define IMAP_SEARCH_RET_ALL   0x04
#define IMAP_SEARCH_RET_COUNT 0x08
#define IMAP_SEARCH_RET_SAVE  0x10
struct imap_search {
	char *charset; /* NULL: US-ASCII */
	bool has_return;
	unsigned ret; /* IMAP_SEARCH_RET_*; 0 with has_return means ALL */
	struct imap_search_key key; /* an AND of the keys given */
};

/* SORT (RFC 5256) */
enum imap_sort_key {
	IMAP_SORT_ARRIVAL,
	IMAP_SORT_CC,
	IMAP_SORT_DATE,
	IMAP_SORT_FROM,
	IMAP_SORT_SIZE,
	IMAP_SORT_SUBJECT,
	IMAP_SORT_TO,
	IMAP_SORT_DISPLAYFROM, /* RFC 5957 */
	IMAP_SORT_DISPLAYTO,
};
struct imap_sort_crit {
	enum imap_sort_key key;
	bool reverse;
};
enum imap_thread_alg { IMAP_THREAD_ORDEREDSUBJECT, IMAP_THREAD_REFERENCES };

/* LIST (RFC 3501, LIST-EXTENDED 5258, LIST-STATUS 5819, SPECIAL-USE 6154) */
#define IMAP_LIST_SEL_SUBSCRIBED     0x01
#define IMAP_LIST_SEL_REMOTE         0x02
#define IMAP_LIST_SEL_RECURSIVEMATCH 0x04
#define IMAP_LIST_SEL_SPECIAL_USE    0x08
#define IMAP_LIST_RET_SUBSCRIBED     0x01
#define IMAP_LIST_RET_CHILDREN       0x02
#define IMAP_LIST_RET_STATUS         0x04
#define IMAP_LIST_RET_SPECIAL_USE    0x08
struct imap_list {
	char *ref;
	char **patterns;
	size_t npatterns;
	bool extended; /* selection or return options, or a pattern list */
	unsigned sel, ret;
	unsigned status_items; /* with IMAP_LIST_RET_STATUS */
};

/* STATUS items */
#define IMAP_STATUS_MESSAGES      0x01
#define IMAP_STATUS_RECENT        0x02
#define IMAP_STATUS_UIDNEXT       0x04
#define IMAP_STATUS_UIDVALIDITY   0x08
#define IMAP_STATUS_UNSEEN        0x10
#define IMAP_STATUS_HIGHESTMODSEQ 0x20
#define IMAP_STATUS_SIZE          0x40
#define IMAP_STATUS_DELETED       0x80

/* SELECT and EXAMINE parameters */
struct imap_select {
	bool condstore;
	bool qresync;
	uint32_t uidvalidity;
	uint64_t modseq;
	struct imap_seqset known_uids; /* may be empty */
	struct imap_seqset match_seqs, match_uids;
};

struct imap_arena;

struct imap_cmd {
	char *tag;
	enum imap_cmd_id id;
	const char *name; /* the command's name, upper case */
	bool uid; /* UID FETCH/STORE/COPY/MOVE/SEARCH/EXPUNGE/SORT/THREAD */
	char *mailbox;              /* SELECT EXAMINE CREATE DELETE RENAME(from)
	                             * SUBSCRIBE UNSUBSCRIBE STATUS APPEND COPY MOVE
	                             * GETQUOTAROOT; "INBOX" in any case becomes
	                             * "INBOX" */
	char *mailbox2;             /* RENAME to */
	struct imap_str user, pass; /* LOGIN */
	char *mech;                 /* AUTHENTICATE */
	struct imap_str initial;    /* AUTHENTICATE SASL-IR ("=" is "") */
	bool has_initial;
	struct imap_seqset seq; /* FETCH STORE COPY MOVE UID EXPUNGE */
	struct imap_fetch fetch;
	struct imap_store store;
	struct imap_search search;   /* SEARCH SORT THREAD */
	struct imap_sort_crit *sort; /* SORT */
	size_t nsort;
	enum imap_thread_alg thread; /* THREAD */
	struct imap_list list;       /* LIST LSUB */
	unsigned status_items;       /* STATUS */
	struct imap_select select;   /* SELECT EXAMINE */
	char **flags;                /* APPEND */
	size_t nflags;
	bool has_date; /* APPEND */
	time_t date;
	struct imap_str message; /* APPEND: the literal */
	bool binary;             /* APPEND: it came as a literal8 */
	char **atoms;            /* ENABLE: capability names */
	size_t natoms;
	char **id_params;  /* ID: name, value (NULL for NIL) */
	size_t nid_params; /* pairs * 2; 0 for ID NIL */
	char *quota_root;  /* GETQUOTA SETQUOTA */
	char *acl_id;      /* SETACL DELETEACL LISTRIGHTS: a valid identifier */
	char *acl_rights;  /* SETACL: mod-rights, with known rights only */
	struct imap_arena *arena;
};

struct imap_parse_limits {
	size_t list_items; /* items in any parenthesised list */
	unsigned depth;    /* nesting of search keys and lists */
	size_t seq_ranges; /* ranges in a sequence set */
};

/* imap_cmd_parse - parse one whole command (its lines and literals, as
 * received, ending with CRLF or LF). Returns 0, or -1 with the reason in
 * why (the server answers BAD); the tag is set whenever it could be read,
 * and id is IMAP_CMD_UNKNOWN for a command name not listed above. out is
 * cleared first; free it with imap_cmd_free() in either case. */
int imap_cmd_parse(const char *data, size_t len,
    const struct imap_parse_limits *lim, struct imap_cmd *out, struct buf *why);
void imap_cmd_free(struct imap_cmd *cmd);

/* imap_parse_datetime - "dd-Mon-yyyy hh:mm:ss +zzzz" (APPEND, INTERNALDATE
 * syntax; the day may be space-padded) into UTC; 0 or -1 */
int imap_parse_datetime(const char *s, size_t len, time_t *out);

#endif /* PROTO_IMAP_CMD_H */

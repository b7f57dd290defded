/*
 * imap_cmd_test.c - the IMAP command parser: each command's syntax, with
 * literals (synchronising and LITERAL+), quoting, sequence sets, search
 * keys, fetch attributes with sections and partials, and what is BAD.
 * Parsed commands are shown in a compact notation made by dump().
 */
#include "util/sys_defs.h"

#include "util/buf.h"

#include "proto/imap_cmd.h"

#include "tests/t.h"

static const struct imap_parse_limits lim = {
    .list_items = 100, .depth = 10, .seq_ranges = 100};

/* dump_set - "1:3,5,7:*" */
static void
dump_set(struct buf *b, const struct imap_seqset *s)
{
	if (s->saved)
		buf_catc(b, '$');
	for (size_t i = 0; i < s->n; i++) {
		if (i)
			buf_catc(b, ',');
		if (s->v[i].lo == IMAP_SEQ_STAR)
			buf_catc(b, '*');
		else
			buf_printf(b, "%u", s->v[i].lo);
		if (s->v[i].hi != s->v[i].lo) {
			if (s->v[i].hi == IMAP_SEQ_STAR)
				buf_cats(b, ":*");
			else
				buf_printf(b, ":%u", s->v[i].hi);
		}
	}
}

/* dump_key - search keys in prefix notation */
static void
dump_key(struct buf *b, const struct imap_search_key *k)
{
	static const char *const names[] = {"ALL", "AND", "OR", "NOT", "SEQ",
	    "UID", "FLAG", "HEADER", "BODY", "TEXT", "BEFORE", "ON", "SINCE",
	    "SENTBEFORE", "SENTON", "SENTSINCE", "LARGER", "SMALLER", "MODSEQ",
	    "OLDER", "YOUNGER"};

	buf_cats(b, names[k->type]);
	switch (k->type) {
	case IMAP_SK_AND:
	case IMAP_SK_OR:
	case IMAP_SK_NOT:
		buf_catc(b, '(');
		for (size_t i = 0; i < k->nsub; i++) {
			if (i)
				buf_catc(b, ' ');
			dump_key(b, &k->sub[i]);
		}
		buf_catc(b, ')');
		break;
	case IMAP_SK_SEQ:
	case IMAP_SK_UID:
		buf_catc(b, ':');
		dump_set(b, &k->set);
		break;
	case IMAP_SK_FLAG:
	case IMAP_SK_BODY:
	case IMAP_SK_TEXT:
		buf_printf(b, ":%s", k->str.s);
		break;
	case IMAP_SK_HEADER:
		buf_printf(b, ":%s:%s", k->field, k->str.s);
		break;
	case IMAP_SK_ALL:
		break;
	default:
		buf_printf(b, ":%lld", (long long)k->num);
	}
}

/* dump - the parts of a command the tests look at */
static void
dump(struct buf *b, const struct imap_cmd *c)
{
	buf_reset(b);
	buf_printf(b, "%s %s%s", c->tag, c->uid ? "UID " : "", c->name);
	if (c->mailbox)
		buf_printf(b, " mb=%s", c->mailbox);
	if (c->mailbox2)
		buf_printf(b, " mb2=%s", c->mailbox2);
	if (c->acl_id)
		buf_printf(b, " id=%s", c->acl_id);
	if (c->acl_rights)
		buf_printf(b, " rights=%s", c->acl_rights);
	if (c->user.s)
		buf_printf(b, " user=%s pass=%s", c->user.s, c->pass.s);
	if (c->mech)
		buf_printf(b, " mech=%s", c->mech);
	if (c->has_initial)
		buf_printf(b, " ir=%s", c->initial.s);
	if (c->seq.n || c->seq.saved) {
		buf_cats(b, " seq=");
		dump_set(b, &c->seq);
	}
	for (size_t i = 0; i < c->fetch.n; i++) {
		const struct imap_fetch_att *a = &c->fetch.v[i];

		buf_printf(b, " f%d", (int)a->item);
		if (a->item == IMAP_FETCH_SECTION
		    || a->item == IMAP_FETCH_BINARY
		    || a->item == IMAP_FETCH_BINARY_SIZE)
			buf_printf(b, "%s[%s]", a->peek ? "p" : "", a->section);
		if (a->has_partial)
			buf_printf(
			    b, "<%u.%u>", a->partial_off, a->partial_len);
	}
	if (c->fetch.has_changedsince)
		buf_printf(b, " changedsince=%llu",
		    (unsigned long long)c->fetch.changedsince);
	if (c->fetch.vanished)
		buf_cats(b, " vanished");
	if (c->id == IMAP_CMD_STORE) {
		buf_printf(b, " mode=%d%s", (int)c->store.mode,
		    c->store.silent ? " silent" : "");
		for (size_t i = 0; i < c->store.nflags; i++)
			buf_printf(b, " %s", c->store.flags[i]);
		if (c->store.has_unchangedsince)
			buf_printf(b, " unchangedsince=%llu",
			    (unsigned long long)c->store.unchangedsince);
	}
	if (c->id == IMAP_CMD_SEARCH || c->id == IMAP_CMD_SORT
	    || c->id == IMAP_CMD_THREAD) {
		if (c->search.charset)
			buf_printf(b, " charset=%s", c->search.charset);
		if (c->search.has_return)
			buf_printf(b, " ret=%u", c->search.ret);
		buf_catc(b, ' ');
		dump_key(b, &c->search.key);
	}
	for (size_t i = 0; i < c->nsort; i++)
		buf_printf(b, " sort=%s%d", c->sort[i].reverse ? "-" : "",
		    (int)c->sort[i].key);
	if (c->id == IMAP_CMD_THREAD)
		buf_printf(b, " alg=%d", (int)c->thread);
	if (c->id == IMAP_CMD_LIST || c->id == IMAP_CMD_LSUB) {
		buf_printf(b, " ref=%s", c->list.ref);
		for (size_t i = 0; i < c->list.npatterns; i++)
			buf_printf(b, " pat=%s", c->list.patterns[i]);
		if (c->list.extended)
			buf_printf(b, " sel=%u ret=%u st=%u", c->list.sel,
			    c->list.ret, c->list.status_items);
	}
	if (c->status_items)
		buf_printf(b, " items=%u", c->status_items);
	if (c->select.condstore)
		buf_cats(b, " condstore");
	if (c->select.qresync) {
		buf_printf(b, " qresync=%u,%llu,", c->select.uidvalidity,
		    (unsigned long long)c->select.modseq);
		dump_set(b, &c->select.known_uids);
		buf_catc(b, ',');
		dump_set(b, &c->select.match_seqs);
		buf_catc(b, '/');
		dump_set(b, &c->select.match_uids);
	}
	for (size_t i = 0; i < c->nflags; i++)
		buf_printf(b, " flag=%s", c->flags[i]);
	if (c->has_date)
		buf_printf(b, " date=%lld", (long long)c->date);
	if (c->message.s)
		buf_printf(b, " msg=%zu:%s%s", c->message.len, c->message.s,
		    c->binary ? " (binary)" : "");
	for (size_t i = 0; i < c->natoms; i++)
		buf_printf(b, " %s", c->atoms[i]);
	for (size_t i = 0; i < c->nid_params; i++)
		buf_printf(b, " %s", c->id_params[i] ? c->id_params[i] : "NIL");
	if (c->quota_root)
		buf_printf(b, " root=%s", c->quota_root);
}

static const struct {
	const char *in, *want; /* want NULL: BAD */
} cases[] = {
    /* any state */
    {"a1 CAPABILITY\r\n", "a1 CAPABILITY"},
    {"a1 capability\n", "a1 CAPABILITY"},
    {"a] NOOP\r\n", "a] NOOP"},
    {"* NOOP\r\n", NULL},
    {"a+b NOOP\r\n", NULL},
    {"a1 NOOP extra\r\n", NULL},
    {"a1  NOOP\r\n", NULL},
    {"a1 FROB\r\n", NULL},
    {"a1\r\n", NULL},
    {"a1 LOGOUT\r\n", "a1 LOGOUT"},
    /* login and authentication */
    {"a LOGIN joe secret\r\n", "a LOGIN user=joe pass=secret"},
    {"a LOGIN \"joe@x\" \"s p\\\"q\"\r\n", "a LOGIN user=joe@x pass=s p\"q"},
    {"a LOGIN {3}\r\njoe {6+}\r\nsec\"et\r\n", "a LOGIN user=joe pass=sec\"et"},
    {"a LOGIN joe\r\n", NULL},
    {"a LOGIN \"joe\r\n", NULL},
    {"a LOGIN {10}\r\njoe\r\n", NULL},
    {"a AUTHENTICATE PLAIN\r\n", "a AUTHENTICATE mech=PLAIN"},
    {"a AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ=\r\n",
        "a AUTHENTICATE mech=PLAIN ir=AGpvZQBzZWNyZXQ="},
    {"a AUTHENTICATE PLAIN =\r\n", "a AUTHENTICATE mech=PLAIN ir=="},
    {"a STARTTLS\r\n", "a STARTTLS"},
    /* mailboxes */
    {"a SELECT inbox\r\n", "a SELECT mb=INBOX"},
    {"a SELECT \"Sent Items\"\r\n", "a SELECT mb=Sent Items"},
    {"a EXAMINE Entw&APw-rfe\r\n", "a EXAMINE mb=Entw&APw-rfe"},
    {"a SELECT INBOX (CONDSTORE)\r\n", "a SELECT mb=INBOX condstore"},
    {"a SELECT INBOX (QRESYNC (67890007 20050715194045000 "
     "41,43:211,214:541))\r\n",
        "a SELECT mb=INBOX qresync=67890007,20050715194045000,"
        "41,43:211,214:541,/"},
    {"a SELECT INBOX (QRESYNC (1 2 1:10 (1,5 10,50)))\r\n",
        "a SELECT mb=INBOX qresync=1,2,1:10,1,5/10,50"},
    {"a SELECT INBOX (QRESYNC (1 2))\r\n", "a SELECT mb=INBOX qresync=1,2,,/"},
    {"a SELECT INBOX (QRESYNC (0 2))\r\n", NULL},
    {"a SELECT\r\n", NULL},
    {"a CREATE Work.Project\r\n", "a CREATE mb=Work.Project"},
    {"a DELETE Trash\r\n", "a DELETE mb=Trash"},
    {"a RENAME Old \"New Name\"\r\n", "a RENAME mb=Old mb2=New Name"},
    {"a SUBSCRIBE x\r\n", "a SUBSCRIBE mb=x"},
    {"a UNSUBSCRIBE x\r\n", "a UNSUBSCRIBE mb=x"},
    {"a LIST \"\" *\r\n", "a LIST ref= pat=*"},
    {"a LIST \"\" %.%\r\n", "a LIST ref= pat=%.%"},
    {"a LIST \"\" \"\"\r\n", "a LIST ref= pat="},
    {"a LIST ~ Work.]x\r\n", "a LIST ref=~ pat=Work.]x"},
    {"a LSUB \"\" *\r\n", "a LSUB ref= pat=*"},
    {"a LIST (SUBSCRIBED) \"\" (INBOX Sent*) RETURN (CHILDREN STATUS (MESSAGES "
     "UNSEEN))\r\n",
        "a LIST ref= pat=INBOX pat=Sent* sel=1 ret=6 st=17"},
    {"a LIST \"\" * RETURN (SPECIAL-USE)\r\n",
        "a LIST ref= pat=* sel=0 ret=8 st=0"},
    {"a LIST (SPECIAL-USE RECURSIVEMATCH) \"\" *\r\n",
        "a LIST ref= pat=* sel=12 ret=0 st=0"},
    {"a LIST (RECURSIVEMATCH) \"\" *\r\n", NULL},
    {"a LIST (BOGUS) \"\" *\r\n", NULL},
    {"a STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN "
     "HIGHESTMODSEQ)\r\n",
        "a STATUS mb=INBOX items=63"},
    {"a STATUS INBOX ()\r\n", NULL},
    {"a STATUS INBOX (FOO)\r\n", NULL},
    /* APPEND */
    {"a APPEND Drafts {5}\r\nhello\r\n", "a APPEND mb=Drafts msg=5:hello"},
    {"a APPEND Drafts (\\Seen \\Draft $Junk) {5+}\r\nhello\r\n",
        "a APPEND mb=Drafts flag=\\Seen flag=\\Draft flag=$Junk "
        "msg=5:hello"},
    {"a APPEND x \"07-Feb-1994 21:52:25 -0800\" {1}\r\nz\r\n",
        "a APPEND mb=x date=760686745 msg=1:z"},
    {"a APPEND x \" 7-Feb-1994 21:52:25 +0000\" {1}\r\nz\r\n",
        "a APPEND mb=x date=760657945 msg=1:z"},
    {"a APPEND x () {0}\r\n\r\n", "a APPEND mb=x msg=0:"},
    {"a APPEND x \"7-Feb-1994 21:52:25 -0800\" {1}\r\nz\r\n", NULL},
    {"a APPEND x \"hello\"\r\n", NULL},
    {"a APPEND x {1}\r\nz {1}\r\ny\r\n", NULL},
    /* selected state */
    {"a CHECK\r\n", "a CHECK"},
    {"a CLOSE\r\n", "a CLOSE"},
    {"a UNSELECT\r\n", "a UNSELECT"},
    {"a EXPUNGE\r\n", "a EXPUNGE"},
    {"a UID EXPUNGE 3:5\r\n", "a UID EXPUNGE seq=3:5"},
    {"a EXPUNGE 3\r\n", NULL},
    {"a UID NOOP\r\n", NULL},
    {"a COPY 2:4 Archive\r\n", "a COPY mb=Archive seq=2:4"},
    {"a UID MOVE 1,3,5:* Trash\r\n", "a UID MOVE mb=Trash seq=1,3,5:*"},
    {"a COPY 0 x\r\n", NULL},
    {"a COPY 4:2 x\r\n", "a COPY mb=x seq=2:4"},
    {"a COPY *:3 x\r\n", "a COPY mb=x seq=3:*"},
    {"a COPY 1, x\r\n", NULL},
    {"a COPY 4294967296 x\r\n", NULL},
    /* FETCH */
    {"a FETCH 1 FLAGS\r\n", "a FETCH seq=1 f0"},
    {"a FETCH 1:* ALL\r\n", "a FETCH seq=1:* f0 f1 f2 f3"},
    {"a FETCH 1 FAST\r\n", "a FETCH seq=1 f0 f1 f2"},
    {"a FETCH 1 FULL\r\n", "a FETCH seq=1 f0 f1 f2 f3 f4"},
    {"a UID FETCH 1:* (UID FLAGS RFC822.SIZE BODYSTRUCTURE ENVELOPE)\r\n",
        "a UID FETCH seq=1:* f6 f0 f2 f5 f3"},
    {"a FETCH 1 (BODY[])\r\n", "a FETCH seq=1 f8[]"},
    {"a FETCH 1 BODY.PEEK[HEADER]\r\n", "a FETCH seq=1 f8p[HEADER]"},
    {"a FETCH 1 (BODY.PEEK[HEADER.FIELDS (From To \"Subject\")])\r\n",
        "a FETCH seq=1 f8p[HEADER.FIELDS (FROM TO SUBJECT)]"},
    {"a FETCH 1 BODY[header.fields.not (X-Spam)]<0.100>\r\n",
        "a FETCH seq=1 f8[HEADER.FIELDS.NOT (X-SPAM)]<0.100>"},
    {"a FETCH 1 (BODY[1.2.MIME] BODY[3.TEXT]<10.5> BODY[4] "
     "BODY[4.1.HEADER])\r\n",
        "a FETCH seq=1 f8[1.2.MIME] f8[3.TEXT]<10.5> f8[4] f8[4.1.HEADER]"},
    {"a FETCH 1 (BODY RFC822 RFC822.HEADER RFC822.TEXT INTERNALDATE)\r\n",
        "a FETCH seq=1 f4 f9 f10 f11 f1"},
    {"a FETCH 1 (FLAGS) (CHANGEDSINCE 12345 VANISHED)\r\n",
        "a FETCH seq=1 f0 changedsince=12345 vanished"},
    {"a FETCH 1 (MODSEQ)\r\n", "a FETCH seq=1 f7"},
    {"a FETCH 1 (BINARY[1.2]<0.5> BINARY.PEEK[] BINARY.SIZE[3])\r\n",
        "a FETCH seq=1 f12[1.2]<0.5> f12p[] f13[3]"},
    {"a FETCH 1 BINARY[1.TEXT]\r\n", NULL},
    {"a FETCH $ FLAGS\r\n", "a FETCH seq=$ f0"},
    {"a UID COPY $ Trash\r\n", "a UID COPY mb=Trash seq=$"},
    {"a SEARCH RETURN (SAVE) UID $\r\n", "a SEARCH ret=16 AND(UID:$)"},
    {"a APPEND x ~{3}\r\nabc\r\n", "a APPEND mb=x msg=3:abc (binary)"},
    {"a APPEND x (\\Seen) UTF8 (~{3+}\r\nabc)\r\n",
        "a APPEND mb=x flag=\\Seen msg=3:abc (binary)"},
    {"a APPEND x UTF8 ({3}\r\nabc)\r\n", NULL},
    {"a FETCH 1 BODY[MIME]\r\n", NULL},
    {"a FETCH 1 BODY[1.]\r\n", NULL},
    {"a FETCH 1 BODY[0]\r\n", NULL},
    {"a FETCH 1 BODY[1]<0.0>\r\n", NULL},
    {"a FETCH 1 BODY[HEADER.FIELDS ()]\r\n", NULL},
    {"a FETCH 1 BODY[HEADER.FIELDS (a:b)]\r\n", NULL},
    {"a FETCH 1 (FLAGS\r\n", NULL},
    {"a FETCH 1 BODYX\r\n", NULL},
    {"a FETCH 1 (FLAGS) (BOGUS 1)\r\n", NULL},
    /* STORE */
    {"a STORE 1 +FLAGS (\\Seen)\r\n", "a STORE seq=1 mode=1 \\Seen"},
    {"a STORE 1:2 -FLAGS.SILENT (\\Deleted $Junk)\r\n",
        "a STORE seq=1:2 mode=2 silent \\Deleted $Junk"},
    {"a STORE 1 FLAGS ()\r\n", "a STORE seq=1 mode=0"},
    {"a STORE 1 FLAGS \\Seen \\Flagged\r\n",
        "a STORE seq=1 mode=0 \\Seen \\Flagged"},
    {"a UID STORE 5 (UNCHANGEDSINCE 320162338) +FLAGS.SILENT (\\Seen)\r\n",
        "a UID STORE seq=5 mode=1 silent \\Seen unchangedsince=320162338"},
    {"a STORE 1 +FLAGS (\\)\r\n", NULL},
    {"a STORE 1 XFLAGS (\\Seen)\r\n", NULL},
    /* SEARCH */
    {"a SEARCH ALL\r\n", "a SEARCH AND(ALL)"},
    {"a SEARCH UNSEEN\r\n", "a SEARCH AND(NOT(FLAG:\\Seen))"},
    {"a SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM \"Smith\"\r\n",
        "a SEARCH AND(FLAG:\\Flagged SINCE:8797 NOT(HEADER:From:Smith))"},
    {"a SEARCH OR (SEEN ANSWERED) 1:5 UID 7:* LARGER 100\r\n",
        "a SEARCH AND(OR(AND(FLAG:\\Seen FLAG:\\Answered) SEQ:1:5) "
        "UID:7:* LARGER:100)"},
    {"a SEARCH CHARSET UTF-8 SUBJECT {5}\r\nJörg\r\n",
        "a SEARCH charset=UTF-8 AND(HEADER:Subject:Jörg)"},
    {"a SEARCH HEADER X-Spam yes BODY hello TEXT \"a b\"\r\n",
        "a SEARCH AND(HEADER:X-Spam:yes BODY:hello TEXT:a b)"},
    {"a SEARCH NEW OLD RECENT KEYWORD $Junk UNKEYWORD x\r\n",
        "a SEARCH AND(AND(FLAG:\\Recent NOT(FLAG:\\Seen)) NOT(FLAG:\\Recent) "
        "FLAG:\\Recent FLAG:$Junk NOT(FLAG:x))"},
    {"a SEARCH SENTBEFORE \"1-Jan-2000\" SENTON 01-Jan-2000 ON 1-jan-2000\r\n",
        "a SEARCH AND(SENTBEFORE:10957 SENTON:10957 ON:10957)"},
    {"a SEARCH RETURN (MIN COUNT) UNDELETED\r\n",
        "a SEARCH ret=9 AND(NOT(FLAG:\\Deleted))"},
    {"a SEARCH RETURN () ALL\r\n", "a SEARCH ret=0 AND(ALL)"},
    {"a SEARCH MODSEQ 620162338\r\n", "a SEARCH AND(MODSEQ:620162338)"},
    {"a SEARCH MODSEQ \"/flags/\\\\draft\" all 620162338\r\n",
        "a SEARCH AND(MODSEQ:620162338)"},
    {"a SEARCH YOUNGER 3600\r\n", "a SEARCH AND(YOUNGER:3600)"},
    {"a UID SEARCH UID 1:*\r\n", "a UID SEARCH AND(UID:1:*)"},
    {"a SEARCH\r\n", NULL},
    {"a SEARCH FOO\r\n", NULL},
    {"a SEARCH SINCE 32-Feb-1994\r\n", NULL},
    {"a SEARCH SINCE 1-Foo-1994\r\n", NULL},
    {"a SEARCH (SEEN\r\n", NULL},
    {"a SEARCH HEADER \"\" x\r\n", NULL},
    {"a SEARCH NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT NOT ALL\r\n", NULL},
    {"a SEARCH ALLX\r\n", NULL},
    /* SORT and THREAD */
    {"a SORT (REVERSE DATE SUBJECT) UTF-8 ALL\r\n",
        "a SORT charset=UTF-8 AND(ALL) sort=-2 sort=5"},
    {"a UID SORT (ARRIVAL) US-ASCII UNSEEN\r\n",
        "a UID SORT charset=US-ASCII AND(NOT(FLAG:\\Seen)) sort=0"},
    {"a SORT (SUBJECT) ALL\r\n", NULL},
    {"a SORT () UTF-8 ALL\r\n", NULL},
    {"a THREAD REFERENCES UTF-8 ALL\r\n",
        "a THREAD charset=UTF-8 AND(ALL) alg=1"},
    {"a UID THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n",
        "a UID THREAD charset=UTF-8 AND(SINCE:11021) alg=0"},
    {"a THREAD FOO UTF-8 ALL\r\n", NULL},
    /* extensions */
    {"a IDLE\r\n", "a IDLE"},
    {"a NAMESPACE\r\n", "a NAMESPACE"},
    {"a ENABLE CONDSTORE QRESYNC\r\n", "a ENABLE CONDSTORE QRESYNC"},
    {"a ENABLE\r\n", NULL},
    {"a ID NIL\r\n", "a ID"},
    {"a ID (\"name\" \"mutt\" \"version\" NIL)\r\n",
        "a ID name mutt version NIL"},
    {"a ID (\"name\")\r\n", NULL},
    {"a GETQUOTAROOT INBOX\r\n", "a GETQUOTAROOT mb=INBOX"},
    {"a GETQUOTA \"\"\r\n", "a GETQUOTA root="},
    {"a SETQUOTA \"\" (STORAGE 512)\r\n", "a SETQUOTA root="},
    /* ACL (RFC 4314) */
    {"a SETACL Public.Team bob@example.test +lrs\r\n",
        "a SETACL mb=Public.Team id=bob@example.test rights=+lrs"},
    {"a setacl inbox \"-anyone\" \"\"\r\n",
        "a SETACL mb=INBOX id=-anyone rights="},
    {"a SETACL x anyone lrcd\r\n", "a SETACL mb=x id=anyone rights=lrcd"},
    {"a SETACL x anyone lrz\r\n", NULL}, /* unknown right: BAD */
    {"a SETACL x anyone +-l\r\n", NULL},
    {"a SETACL x \"a b\" lr\r\n", NULL}, /* not an identifier */
    {"a SETACL x \"\" lr\r\n", NULL},
    {"a SETACL x anyone\r\n", NULL},
    {"a DELETEACL x {6+}\r\nanyone\r\n", "a DELETEACL mb=x id=anyone"},
    {"a DELETEACL x anyone lr\r\n", NULL},
    {"a GETACL Public.Team\r\n", "a GETACL mb=Public.Team"},
    {"a GETACL\r\n", NULL},
    {"a LISTRIGHTS x anyone\r\n", "a LISTRIGHTS mb=x id=anyone"},
    {"a LISTRIGHTS x\r\n", NULL},
    {"a MYRIGHTS INBOX\r\n", "a MYRIGHTS mb=INBOX"},
    {"a MYRIGHTS INBOX x\r\n", NULL},
};

int
main(void)
{
	struct buf *b = buf_new(256), *why = buf_new(64);
	struct imap_cmd c;
	uint64_t n;
	bool nonsync;

	t_begin("commands");
	for (size_t i = 0; i < NELEM(cases); i++) {
		int r = imap_cmd_parse(
		    cases[i].in, strlen(cases[i].in), &lim, &c, why);

		if (cases[i].want == NULL) {
			if (r == 0)
				t_fail(__FILE__, __LINE__, "accepted: %s",
				    cases[i].in);
		} else if (r < 0) {
			t_fail(__FILE__, __LINE__, "refused (%s): %s",
			    buf_cstr(why), cases[i].in);
		} else {
			dump(b, &c);
			T_STREQ(buf_cstr(b), cases[i].want);
		}
		imap_cmd_free(&c);
	}

	t_begin("tag and reason on BAD");
	T_INTEQ(imap_cmd_parse("x7 FETCH 1 BODYX\r\n", 18, &lim, &c, why), -1);
	T_STREQ(c.tag, "x7");
	T_INTEQ(c.id, IMAP_CMD_FETCH);
	T_STREQ(buf_cstr(why), "unknown fetch attribute");
	imap_cmd_free(&c);
	T_INTEQ(imap_cmd_parse("x8 FOO\r\n", 8, &lim, &c, why), -1);
	T_STREQ(c.tag, "x8");
	T_INTEQ(c.id, IMAP_CMD_UNKNOWN);
	imap_cmd_free(&c);

	t_begin("a literal holding NUL and CRLF");
	{
		static const char cmd[] = "a APPEND x {6}\r\na\0b\r\nc\r\n";

		T_INTEQ(imap_cmd_parse(cmd, sizeof(cmd) - 1, &lim, &c, why), 0);
		T_MEMEQ(c.message.s, c.message.len, "a\0b\r\nc", 6);
		imap_cmd_free(&c);
		T_INTEQ(imap_cmd_parse(
		            "a LOGIN {3}\r\na\0b x\r\n", 20, &lim, &c, why),
		    0);
		T_INTEQ(c.user.len, 3);
		imap_cmd_free(&c);
	}

	t_begin("limits");
	{
		struct buf *big = buf_new(1024);

		buf_cats(big, "a SEARCH");
		for (int i = 0; i < 101; i++)
			buf_cats(big, " SEEN");
		buf_cats(big, "\r\n");
		T_INTEQ(
		    imap_cmd_parse(buf_cstr(big), buf_len(big), &lim, &c, why),
		    -1);
		T_STREQ(buf_cstr(why), "too many search keys");
		imap_cmd_free(&c);
		buf_reset(big);
		buf_cats(big, "a FETCH 1");
		for (int i = 0; i < 101; i++)
			buf_printf(big, "%c%d", i ? ',' : ' ', i + 1);
		buf_cats(big, " FLAGS\r\n");
		T_INTEQ(
		    imap_cmd_parse(buf_cstr(big), buf_len(big), &lim, &c, why),
		    -1);
		imap_cmd_free(&c);
		buf_free(&big);
	}

	t_begin("literal announcements");
	T_ASSERT(imap_line_literal("a LOGIN {3}\r\n", 13, &n, &nonsync));
	T_INTEQ(n, 3);
	T_ASSERT(!nonsync);
	T_ASSERT(imap_line_literal("a APPEND x {12345+}\n", 20, &n, &nonsync));
	T_INTEQ(n, 12345);
	T_ASSERT(nonsync);
	T_ASSERT(!imap_line_literal("a NOOP\r\n", 8, &n, &nonsync));
	T_ASSERT(!imap_line_literal("a x {}\r\n", 8, &n, &nonsync));
	T_ASSERT(!imap_line_literal("a x 5}\r\n", 8, &n, &nonsync));
	T_ASSERT(!imap_line_literal("a x {5} \r\n", 10, &n, &nonsync));
	T_ASSERT(imap_line_literal(
	    "a x {99999999999999999999999}\r\n", 31, &n, &nonsync));
	T_INTEQ(n == UINT64_MAX, 1);

	t_begin("date-time");
	{
		time_t t;

		T_INTEQ(
		    imap_parse_datetime("01-Jan-1970 00:00:00 +0000", 26, &t),
		    0);
		T_INTEQ(t, 0);
		T_INTEQ(
		    imap_parse_datetime("31-Dec-1999 23:59:59 +0100", 26, &t),
		    0);
		T_INTEQ(t, 946681199);
		T_INTEQ(
		    imap_parse_datetime("01-Jan-1970 00:00:00 +0000x", 27, &t),
		    -1);
		T_INTEQ(
		    imap_parse_datetime("01-Jan-1970 24:00:00 +0000", 26, &t),
		    -1);
	}

	buf_free(&b);
	buf_free(&why);
	return t_end();
}

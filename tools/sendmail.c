/*
 * sendmail.c - the Sendmail-compatible mail submission command, also
 * called as mailq (sendmail -bp) and newaliases (sendmail -bi).
 *
 * It reads one message on standard input and leaves it, with its
 * envelope, as a file in $queue_directory/maildrop (maildrop.h), then
 * nudges the pickup service through public/pickup. pickup, running as
 * mail_owner, checks the file again and turns it into a queue file: this
 * program never touches the queue itself and never talks to a daemon
 * that trusts it.
 *
 * Privileges (sendmail(1)). In an instance run by root, maildrop/ is
 * mode 1730, owner mail_owner, group setgid_group, and this program is
 * installed set-group-ID setgid_group (no set-user-ID program exists).
 * The group is given up at once and taken back only around the two
 * system calls that create and rename the file, so option parsing,
 * configuration and reading the message run with the user's own rights.
 * In an instance run by an ordinary user, maildrop/ belongs to that user
 * and nothing is special. -C (another instance) is refused to a
 * set-group-ID caller who is not root, like Postfix's -C.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/rfc5322.h"
#include "proto/smtp_addr.h"
#include "proto/smtp_cmd.h"
#include "proto/xtext.h"

#include "mail/maildrop.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_accounts.h"
#include "mail/params_pickup.h"
#include "mail/params_smtpd.h"
#include "mail/queue_trigger.h"

/* sysexits.h values, as every MTA's sendmail returns them */
#define EX_OK_        0
#define EX_USAGE_     64
#define EX_DATAERR_   65
#define EX_SOFTWARE_  70
#define EX_OSERR_     71
#define EX_CANTCREAT_ 73
#define EX_IOERR_     74
#define EX_TEMPFAIL_  75
#define EX_CONFIG_    78

static gid_t sm_rgid, sm_egid; /* real and (saved) effective group */
static bool sm_is_setgid;
static bool sm_smtp; /* -bs: an SMTP client on stdin/stdout */

/* sm_fatal - print "sendmail: fatal: ..." and exit with status */
ATTR_PRINTF(2, 3)
ATTR_NORETURN static void
sm_fatal(int status, const char *fmt, ...)
{
	va_list ap;

	if (sm_smtp) /* the SMTP client hears why the session ends */
		printf("421 4.3.0 %s: local mail system error; see "
		       "standard error\r\n",
		    var_myhostname);
	fflush(stdout);
	fprintf(stderr, "%s: fatal: ", log_progname());
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* sm_group - take the set-group-ID group back (on) or put it away */
static void
sm_group(bool on)
{
	if (!sm_is_setgid)
		return;
	if (setegid(on ? sm_egid : sm_rgid) < 0)
		sm_fatal(EX_OSERR_, "setegid: %m");
}

/* sm_group_drop - give up the set-group-ID group for good */
static void
sm_group_drop(void)
{
	if (sm_is_setgid && setresgid(sm_rgid, sm_rgid, sm_rgid) < 0)
		sm_fatal(EX_OSERR_, "setresgid: %m");
	sm_is_setgid = false;
}

/* sm_exec_gannet - run "gannet -c DIR args..." from our own directory
 * (mailq is `gannet queue mailq`, as Postfix's is postqueue -p) */
ATTR_NORETURN static void
sm_exec_gannet(const char *config_dir, const char *a1, const char *a2)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	struct buf *path = buf_new(256);
	char *argv[6];
	int i = 0;

	sm_group_drop();
	if (n > 0) {
		self[n] = 0;
		file_dirname(self, path);
		buf_cats(path, "/gannet");
	}
	if (n <= 0 || access(buf_cstr(path), X_OK) < 0) {
		buf_reset(path);
		buf_printf(path, "%s/gannet", var_command_dir);
	}
	argv[i++] = (char *)"gannet";
	argv[i++] = (char *)"-c";
	argv[i++] = (char *)config_dir;
	argv[i++] = (char *)a1;
	argv[i++] = (char *)a2;
	argv[i] = NULL;
	execv(buf_cstr(path), argv);
	sm_fatal(EX_OSERR_, "execute %s: %m", buf_cstr(path));
}

/* sm_newaliases - rebuild every hash:/btree: map of virtual_alias_maps */
static int
sm_newaliases(void)
{
	struct buf *item = buf_new(256), *why = buf_new(256);
	const char *s = var_virtual_alias_maps;
	int status = EX_OK_;

	sm_group_drop();
	while (maplist_next(&s, item)) {
		const char *spec = buf_cstr(item);

		if (!str_has_prefix(spec, "hash:")
		    && !str_has_prefix(spec, "btree:"))
			continue;
		buf_reset(why);
		if (map_build(spec, why) < 0) {
			fprintf(stderr, "%s: %s: %s", log_progname(), spec,
			    buf_cstr(why));
			status = EX_SOFTWARE_;
		} else if (buf_len(why))
			fprintf(stderr, "%s", buf_cstr(why));
	}
	buf_free(&item);
	buf_free(&why);
	return status;
}

/* sm_read_message - stdin into msg, LF line ends kept as they come; a
 * line of one "." ends it unless ignore_dots (-i, -oi) */
static void
sm_read_message(struct buf *msg, bool ignore_dots)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	bool is_first = true;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		/* A mailbox's "From " line first is not part of the message
		 * (as Postfix's sendmail skips it). */
		if (is_first && strncmp(line, "From ", 5) == 0) {
			is_first = false;
			continue;
		}
		is_first = false;
		if (!ignore_dots
		    && (strcmp(line, ".\n") == 0 || strcmp(line, ".\r\n") == 0
		        || strcmp(line, ".") == 0))
			break;
		buf_cat(msg, line, (size_t)n);
		if (var_message_size_limit > 0
		    && buf_len(msg) > (size_t)var_message_size_limit)
			sm_fatal(EX_CANTCREAT_,
			    "message too large: more than %ld bytes "
			    "(message_size_limit); nothing was sent",
			    var_message_size_limit);
	}
	if (ferror(stdin))
		sm_fatal(EX_IOERR_, "read the message: %m");
	free(line);
}

/* sm_add_rcpt - one recipient address as the user wrote it */
static void
sm_add_rcpt(struct maildrop *md, const char *arg)
{
	struct strv parts;

	strv_init(&parts);
	strv_split(&parts, arg, ",");
	for (size_t i = 0; i < parts.n; i++) {
		char *a = str_trim(parts.v[i]);
		size_t len = strlen(a);

		if (len >= 2 && a[0] == '<' && a[len - 1] == '>') {
			a[len - 1] = 0;
			a++;
		}
		if (*a == 0)
			continue;
		if (strchr(a, '\n') || strlen(a) > SMTP_ADDR_MAX)
			sm_fatal(EX_USAGE_, "bad recipient address: %.100s", a);
		strv_push(&md->rcpt, a);
	}
	strv_free(&parts);
}

/* sm_extract - -t: recipients from To:, Cc: and Bcc:; Bcc: is removed
 * from the message */
static void
sm_extract(struct maildrop *md, struct buf *msg)
{
	static const char *const names[] = {"to", "cc", "bcc"};
	struct rfc5322_header h = {0};
	struct buf *out = buf_new(buf_len(msg) + 1);
	size_t hlen = rfc5322_header_len(buf_cstr(msg), buf_len(msg));

	rfc5322_header_parse(
	    buf_cstr(msg), hlen, (size_t)var_header_count_limit, &h);
	for (size_t i = 0; i < h.n; i++) {
		const struct rfc5322_field *f = &h.v[i];
		struct rfc5322_addr_list l = {0};

		for (size_t k = 0; k < NELEM(names); k++) {
			if (!rfc5322_field_is(f, names[k]))
				continue;
			rfc5322_addr_parse(
			    f->value, f->value_len, MAILDROP_RCPT_MAX, &l);
			for (size_t j = 0; j < l.n; j++) {
				struct buf *a;

				if (l.v[j].host == NULL)
					continue; /* group start or end */
				a = buf_new(64);
				if (strcmp(l.v[j].host, RFC5322_MISSING_HOST)
				    == 0)
					buf_cats(a, l.v[j].mailbox);
				else
					buf_printf(a, "%s@%s", l.v[j].mailbox,
					    l.v[j].host);
				sm_add_rcpt(md, buf_cstr(a));
				buf_free(&a);
			}
			rfc5322_addr_list_free(&l);
		}
	}
	/* Copy the message without its Bcc: fields. */
	for (size_t i = 0, off = 0; i <= h.n; i++) {
		size_t start = i < h.n ? (size_t)(h.v[i].raw - buf_cstr(msg))
		                       : buf_len(msg);

		buf_cat(out, buf_cstr(msg) + off, start - off);
		off = start;
		if (i < h.n && rfc5322_field_is(&h.v[i], "bcc"))
			off += h.v[i].raw_len;
		if (i == h.n)
			buf_cat(out, buf_cstr(msg) + off, buf_len(msg) - off);
	}
	buf_set(msg, buf_cstr(out), buf_len(out));
	buf_free(&out);
	rfc5322_header_free(&h);
	if (md->rcpt.n == 0)
		sm_fatal(EX_USAGE_,
		    "no recipient addresses found in message header");
}

/* sm_qualify - "user" becomes "user@$myorigin"; then check the syntax */
static char *
sm_qualify(const char *addr, const char *what)
{
	struct smtp_addr a = {0};
	struct buf *b, *why;
	char *out;

	if (*addr == 0)
		return xstrdup("");
	b = buf_new(64);
	why = buf_new(64);
	buf_cats(b, addr);
	if (strchr(addr, '@') == NULL)
		buf_printf(b, "@%s", var_myorigin);
	if (smtp_addr_parse_mailbox(
	        buf_cstr(b), buf_len(b), SMTP_ADDR_UTF8, &a, why)
	    < 0)
		sm_fatal(EX_USAGE_, "bad %s address syntax: %.200s: %s", what,
		    addr, buf_cstr(why));
	out = xstrdup(a.addr);
	smtp_addr_clear(&a);
	buf_free(&b);
	buf_free(&why);
	return out;
}

/* sm_dsn_notify - -N: never, or a list of success, delay, failure */
static int
sm_dsn_notify(const char *s)
{
	struct strv w;
	int bits = 0;

	strv_init(&w);
	strv_split(&w, s, ", ");
	for (size_t i = 0; i < w.n; i++) {
		if (str_eq_ci(w.v[i], "never"))
			bits |= SMTP_NOTIFY_NEVER;
		else if (str_eq_ci(w.v[i], "success"))
			bits |= SMTP_NOTIFY_SUCCESS;
		else if (str_eq_ci(w.v[i], "delay"))
			bits |= SMTP_NOTIFY_DELAY;
		else if (str_eq_ci(w.v[i], "failure"))
			bits |= SMTP_NOTIFY_FAILURE;
		else
			sm_fatal(EX_USAGE_,
			    "-N %s: use never, or success, "
			    "delay and failure",
			    s);
	}
	strv_free(&w);
	if ((bits & SMTP_NOTIFY_NEVER) && bits != SMTP_NOTIFY_NEVER)
		sm_fatal(EX_USAGE_, "-N %s: never cannot be combined", s);
	return bits;
}

/* sm_drop - write the maildrop file: ".name" then rename to "name" */
static void
sm_drop(const struct maildrop *md, const struct buf *msg)
{
	struct buf *env = buf_new(512), *why = buf_new(128);
	struct buf *tmp = buf_new(256), *fin = buf_new(256);
	struct timeval tv;
	int fd, err;

	if (maildrop_format(md, buf_len(msg), env, why) < 0)
		sm_fatal(EX_USAGE_, "%s", buf_cstr(why));
	gettimeofday(&tv, NULL);
	buf_printf(fin, "%s/maildrop/%llx%05lx.%ld", var_queue_dir,
	    (unsigned long long)tv.tv_sec, (unsigned long)tv.tv_usec,
	    (long)getpid());
	buf_printf(tmp, "%s/maildrop/.%llx%05lx.%ld", var_queue_dir,
	    (unsigned long long)tv.tv_sec, (unsigned long)tv.tv_usec,
	    (long)getpid());
	sm_group(true);
	fd =
	    open(buf_cstr(tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
	err = errno;
	sm_group(false);
	if (fd < 0) {
		errno = err;
		sm_fatal(err == EACCES || err == EPERM ? EX_CANTCREAT_
		                                       : EX_TEMPFAIL_,
		    "create a file in %s/maildrop: %m%s", var_queue_dir,
		    err == EACCES ? " (is this program installed set-group-ID "
		                    "to setgid_group?)"
		                  : "");
	}
	/* The mode is 0644 whatever the umask: pickup, which runs as
	 * mail_owner, reads the file; nobody else can reach the directory. */
	if (fchmod(fd, 0644) < 0
	    || file_write_all(fd, buf_cstr(env), buf_len(env)) < 0
	    || file_write_all(fd, buf_cstr(msg), buf_len(msg)) < 0
	    || fsync(fd) < 0 || close(fd) < 0) {
		err = errno;
		sm_group(true);
		(void)unlink(buf_cstr(tmp));
		sm_group(false);
		errno = err;
		sm_fatal(EX_TEMPFAIL_, "write %s: %m", buf_cstr(tmp));
	}
	sm_group(true);
	if (rename(buf_cstr(tmp), buf_cstr(fin)) < 0) {
		err = errno;
		(void)unlink(buf_cstr(tmp));
		sm_group(false);
		errno = err;
		sm_fatal(EX_TEMPFAIL_, "rename %s: %m", buf_cstr(tmp));
	}
	/* The directory can be synced only where it may be read (root, or
	 * an instance of one's own); a set-group-ID caller cannot. */
	(void)file_fsync_dir(buf_cstr(fin));
	sm_group(false);
	buf_free(&env);
	buf_free(&why);
	buf_free(&tmp);
	buf_free(&fin);
}

/* sm_wake_pickup - tell pickup there is a file; pickup also looks every
 * wake-up period, so no answer is no error */
static void
sm_wake_pickup(void)
{
	struct buf *why = buf_new(64);

	(void)queue_trigger_send(
	    var_queue_dir, "public/pickup", QUEUE_TRIGGER_WAKE, 1, why);
	buf_free(&why);
}

#define SM_SMTP_LINE_MAX 2048 /* a command line, or a line of DATA */

/* sm_smtp_reply - one reply line */
ATTR_PRINTF(1, 2)
static void
sm_smtp_reply(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("\r\n", stdout);
	fflush(stdout);
}

/* sm_smtp_line - the next line of stdin without its line end into line;
 * -1 at the end of input. A line longer than SM_SMTP_LINE_MAX is read to
 * its end and reported with *too_long. */
static int
sm_smtp_line(struct buf *line, bool *too_long)
{
	int c;

	buf_reset(line);
	*too_long = false;
	while ((c = getchar()) != EOF && c != '\n') {
		if (buf_len(line) < SM_SMTP_LINE_MAX)
			buf_catc(line, (char)c);
		else
			*too_long = true;
	}
	if (c == EOF && buf_len(line) == 0)
		return -1;
	if (buf_len(line) > 0 && buf_cstr(line)[buf_len(line) - 1] == '\r')
		buf_truncate(line, buf_len(line) - 1);
	return 0;
}

/* sm_smtp_data - the message after DATA, dot-unstuffed, into msg with
 * LF line ends; why set (and the rest still read) when it breaks a
 * limit. -1 when the input ends before the final dot. */
static int
sm_smtp_data(struct buf *msg, struct buf *why)
{
	struct buf *line = buf_new(256);
	bool too_long;

	buf_reset(msg);
	while (sm_smtp_line(line, &too_long) == 0) {
		const char *l = buf_cstr(line);

		if (strcmp(l, ".") == 0) {
			buf_free(&line);
			return 0;
		}
		if (too_long && buf_len(why) == 0)
			buf_printf(why, "a line is longer than %d bytes",
			    SM_SMTP_LINE_MAX);
		if (buf_len(why) > 0)
			continue;
		if (*l == '.')
			l++;
		buf_cats(msg, l);
		buf_catc(msg, '\n');
		if (var_message_size_limit > 0
		    && buf_len(msg) > (size_t)var_message_size_limit)
			buf_printf(why,
			    "message too large: more than %ld "
			    "bytes (message_size_limit)",
			    var_message_size_limit);
	}
	buf_free(&line);
	return -1;
}

/* sm_smtp_session - -bs: speak SMTP on stdin/stdout, as a local mail
 * client (mutt, some scripts) expects; each message accepted becomes a
 * maildrop file, as without -bs. Returns the exit status. */
static int
sm_smtp_session(const struct maildrop *proto)
{
	struct buf *line = buf_new(256), *why = buf_new(128);
	struct buf *msg = buf_new(8192);
	struct maildrop md;
	struct smtp_cmd cmd = {0};
	bool has_mail = false, too_long;
	int errors = 0;

	sm_smtp = true;
	maildrop_init(&md);
	sm_smtp_reply("220 %s ESMTP Gannet (sendmail -bs)", var_myhostname);
	while (sm_smtp_line(line, &too_long) == 0) {
		if (errors >= 20) {
			sm_smtp_reply("421 4.7.0 %s Error: too many errors",
			    var_myhostname);
			break;
		}
		buf_reset(why);
		if (too_long) {
			errors++;
			sm_smtp_reply("500 5.5.2 Error: line too long");
			continue;
		}
		if (smtp_cmd_parse(&cmd, buf_cstr(line), buf_len(line),
		        SMTP_CMD_LENIENT, why)
		    < 0) {
			errors++;
			sm_smtp_reply("%s", buf_cstr(why));
			smtp_cmd_clear(&cmd);
			continue;
		}
		switch (cmd.verb) {
		case SMTP_VERB_HELO:
			sm_smtp_reply("250 %s", var_myhostname);
			break;
		case SMTP_VERB_EHLO:
			printf("250-%s\r\n250-PIPELINING\r\n250-SIZE %ld\r\n"
			       "250-8BITMIME\r\n250-DSN\r\n",
			    var_myhostname, var_message_size_limit);
			sm_smtp_reply("250 ENHANCEDSTATUSCODES");
			break;
		case SMTP_VERB_MAIL:
			if (has_mail) {
				sm_smtp_reply("503 5.5.1 Error: nested MAIL "
				              "command");
				break;
			}
			if (cmd.has_size && var_message_size_limit > 0
			    && cmd.size > (uint64_t)var_message_size_limit) {
				sm_smtp_reply("552 5.3.4 Message size exceeds "
				              "fixed limit");
				break;
			}
			maildrop_clear(&md);
			md.sender = sm_qualify(cmd.path.addr, "sender");
			md.fullname =
			    proto->fullname ? xstrdup(proto->fullname) : NULL;
			md.body = cmd.body;
			md.ret = cmd.ret;
			md.envid = cmd.envid ? xstrdup(cmd.envid) : NULL;
			has_mail = true;
			sm_smtp_reply("250 2.1.0 Ok");
			break;
		case SMTP_VERB_RCPT:
			if (!has_mail) {
				sm_smtp_reply("503 5.5.1 Error: need MAIL "
				              "command");
				break;
			}
			if (md.rcpt.n >= MAILDROP_RCPT_MAX) {
				sm_smtp_reply("452 4.5.3 Error: too many "
				              "recipients");
				break;
			}
			{
				char *q =
				    sm_qualify(cmd.path.addr, "recipient");

				strv_push(&md.rcpt, q);
				free(q);
			}
			if (cmd.notify)
				md.notify = cmd.notify;
			sm_smtp_reply("250 2.1.5 Ok");
			break;
		case SMTP_VERB_DATA:
			if (md.rcpt.n == 0 || !has_mail) {
				sm_smtp_reply("%s",
				    has_mail ? "554 5.5.1 Error: no valid "
				               "recipients"
				             : "503 5.5.1 Error: need RCPT "
				               "command");
				break;
			}
			sm_smtp_reply("354 End data with <CR><LF>.<CR><LF>");
			if (sm_smtp_data(msg, why) < 0)
				goto done; /* the client went away */
			if (buf_len(why) == 0) {
				struct maildrop_limits lim = {
				    var_message_size_limit,
				    var_header_size_limit,
				    var_header_count_limit};

				(void)maildrop_check_message(
				    buf_cstr(msg), buf_len(msg), &lim, why);
			}
			if (buf_len(why) > 0)
				sm_smtp_reply("552 5.3.4 %s", buf_cstr(why));
			else {
				sm_drop(&md, msg); /* 421 and exit on error */
				sm_wake_pickup();
				sm_smtp_reply("250 2.0.0 Ok: queued");
			}
			maildrop_clear(&md);
			maildrop_init(&md);
			has_mail = false;
			break;
		case SMTP_VERB_RSET:
			maildrop_clear(&md);
			maildrop_init(&md);
			has_mail = false;
			sm_smtp_reply("250 2.0.0 Ok");
			break;
		case SMTP_VERB_NOOP:
			sm_smtp_reply("250 2.0.0 Ok");
			break;
		case SMTP_VERB_VRFY:
			sm_smtp_reply("252 2.0.0 Send some mail, I'll try my "
			              "best");
			break;
		case SMTP_VERB_HELP:
			sm_smtp_reply("214 2.0.0 Commands: HELO EHLO MAIL "
			              "RCPT DATA RSET NOOP VRFY QUIT");
			break;
		case SMTP_VERB_QUIT:
			sm_smtp_reply("221 2.0.0 Bye");
			goto done;
		default:
			errors++;
			sm_smtp_reply("502 5.5.2 Error: command not "
			              "recognized");
			break;
		}
		smtp_cmd_clear(&cmd);
	}
done:
	smtp_cmd_clear(&cmd);
	maildrop_clear(&md);
	buf_free(&line);
	buf_free(&why);
	buf_free(&msg);
	return EX_OK_;
}

/* sm_usage - the options we know */
ATTR_NORETURN static void
sm_usage(void)
{
	sm_fatal(EX_USAGE_,
	    "usage: sendmail [-t] [-i|-oi] [-f sender] [-F name] [-N dsn] "
	    "[-R full|hdrs] [-V envid] [-B 7bit|8bitmime] [-C dir] "
	    "[--] [recipient...] | sendmail -bp | sendmail -bi | "
	    "sendmail -bs | sendmail -q[Rdomain]");
}

int
main(int argc, char **argv)
{
	const char *prog =
	    strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	const char *config_dir = getenv("GANNET_CONFIG_DIR");
	const char *sender = NULL, *fullname = NULL, *flush = NULL;
	char mode = 'm'; /* m: mail, s: -bs, p: -bp, i: -bi, q: -q */
	bool extract = false, ignore_dots = false;
	struct maildrop md;
	struct buf *msg, *why;
	int c;

	sm_rgid = getgid();
	sm_egid = getegid();
	sm_is_setgid = sm_rgid != sm_egid;
	sm_group(false);
	log_init(strcmp(prog, "mailq") == 0 || strcmp(prog, "newaliases") == 0
	        ? prog
	        : "sendmail",
	    LOG_TO_STDERR);
	if (strcmp(prog, "mailq") == 0)
		mode = 'p';
	else if (strcmp(prog, "newaliases") == 0)
		mode = 'i';
	maildrop_init(&md);
	opterr = 0;
	while ((c = getopt(argc, argv,
	            "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:q::r:tvx"))
	    != -1) {
		switch (c) {
		case 'B':
			if (str_eq_ci(optarg, "8bitmime"))
				md.body = SMTP_BODY_8BITMIME;
			else if (str_eq_ci(optarg, "7bit"))
				md.body = SMTP_BODY_7BIT;
			else
				sm_fatal(EX_USAGE_,
				    "-B %s: use 7bit or 8bitmime", optarg);
			break;
		case 'C':
			config_dir = optarg;
			break;
		case 'F':
			fullname = optarg;
			break;
		case 'N':
			md.notify = sm_dsn_notify(optarg);
			break;
		case 'R':
			if (str_eq_ci(optarg, "full"))
				md.ret = SMTP_RET_FULL;
			else if (str_eq_ci(optarg, "hdrs"))
				md.ret = SMTP_RET_HDRS;
			else
				sm_fatal(EX_USAGE_, "-R %s: use full or hdrs",
				    optarg);
			break;
		case 'V':
			free(md.envid);
			md.envid = xstrdup(optarg);
			break;
		case 'b':
			if (strcmp(optarg, "p") == 0)
				mode = 'p';
			else if (strcmp(optarg, "i") == 0)
				mode = 'i';
			else if (strcmp(optarg, "m") == 0)
				mode = 'm';
			else if (strcmp(optarg, "s") == 0)
				mode = 's';
			else
				sm_fatal(EX_USAGE_,
				    "-b%s is not supported (use -bm, -bs, -bp "
				    "or -bi)",
				    optarg);
			break;
		case 'f':
		case 'r':
			sender = optarg;
			break;
		case 'i':
			ignore_dots = true;
			break;
		case 'o':
			/* -oi as -i; -odb, -oem, -oX... are accepted and
			 * mean nothing here, as with Postfix. */
			if (strcmp(optarg, "i") == 0)
				ignore_dots = true;
			break;
		case 'q':
			mode = 'q';
			flush = optarg && optarg[0] == 'R' ? optarg + 1 : NULL;
			break;
		case 't':
			extract = true;
			break;
		case '?':
			sm_usage();
		default:
			break; /* -A -G -I -L -O -U -X -c -e -h -m -n -p -v
			        * -x: accepted and ignored */
		}
	}
	if (config_dir == NULL || *config_dir == 0)
		config_dir = GANNET_SYSCONFDIR;
	else if (sm_is_setgid && getuid() != 0
	    && strcmp(config_dir, GANNET_SYSCONFDIR) != 0)
		sm_fatal(EX_USAGE_, "-C or GANNET_CONFIG_DIR is for root only");
	if (params_load(config_dir, true) > 0)
		sm_fatal(EX_CONFIG_, "%s/gannet.conf has errors", config_dir);

	switch (mode) {
	case 'p':
		sm_exec_gannet(config_dir, "queue", "mailq");
	case 'i':
		return sm_newaliases();
	case 'q':
		sm_group_drop();
		why = buf_new(128);
		if (queue_trigger_flush(var_queue_dir, flush, why) < 0)
			sm_fatal(
			    EX_TEMPFAIL_, "flush the queue: %s", buf_cstr(why));
		buf_free(&why);
		return EX_OK_;
	default:
		break;
	}

	/* The envelope. */
	if (sender == NULL) {
		struct passwd *pw = getpwuid(getuid());

		if (pw == NULL)
			sm_fatal(EX_OSERR_, "no user name for uid %ld",
			    (long)getuid());
		md.sender = sm_qualify(pw->pw_name, "sender");
		if (fullname == NULL)
			fullname = getenv("NAME");
		if (fullname == NULL && pw->pw_gecos && *pw->pw_gecos) {
			char *g = xstrdup(pw->pw_gecos);

			g[strcspn(g, ",")] = 0;
			md.fullname = g;
		}
	} else {
		size_t n = strlen(sender);

		if (n >= 2 && sender[0] == '<' && sender[n - 1] == '>') {
			char *bare = xstrndup(sender + 1, n - 2);

			md.sender = sm_qualify(bare, "sender");
			free(bare);
		} else
			md.sender = sm_qualify(sender, "sender");
	}
	if (fullname != NULL && md.fullname == NULL)
		md.fullname = xstrdup(fullname);
	if (md.fullname)
		for (char *p = md.fullname; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	if (mode == 's') {
		int status = sm_smtp_session(&md);

		maildrop_clear(&md);
		return status;
	}
	for (int i = optind; i < argc; i++)
		sm_add_rcpt(&md, argv[i]);
	if (!extract && md.rcpt.n == 0)
		sm_fatal(EX_USAGE_, "no recipients specified");

	msg = buf_new(8192);
	why = buf_new(128);
	sm_read_message(msg, ignore_dots);
	if (extract)
		sm_extract(&md, msg);
	for (size_t i = 0; i < md.rcpt.n; i++) {
		char *q = sm_qualify(md.rcpt.v[i], "recipient");

		free(md.rcpt.v[i]);
		md.rcpt.v[i] = q;
	}
	{
		struct maildrop_limits lim = {var_message_size_limit,
		    var_header_size_limit, var_header_count_limit};

		if (maildrop_check_message(
		        buf_cstr(msg), buf_len(msg), &lim, why)
		    < 0)
			sm_fatal(EX_CANTCREAT_, "%s; nothing was sent",
			    buf_cstr(why));
	}
	sm_drop(&md, msg);
	sm_group_drop();
	sm_wake_pickup();
	buf_free(&msg);
	buf_free(&why);
	maildrop_clear(&md);
	return EX_OK_;
}

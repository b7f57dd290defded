/*
 * gannet_acct.c - editing the account maps for the gannet commands (see
 * gannet_acct.h), and the account step of `gannet init`.
 *
 * The text files are the source of truth, as with postmap: the commands
 * change the text under a lock and rebuild the .db from it, so a map
 * edited by hand and one edited by the commands are the same thing. The
 * parser here keeps every line it does not change exactly as it was;
 * what it needs to agree with the map builder on is small: a logical
 * entry is a line that does not begin with white space or '#', plus the
 * continuation lines (beginning with white space) after it; its key is
 * the first word, its value the rest.
 *
 * Where the hashes live: auth_password_maps (maps/auth/passwd) sits in a
 * directory that only root and the auth service's group may enter, and
 * each rewrite keeps the file's owner and mode (map_build gives the .db
 * the text file's), so there is no moment at which another user could
 * read a hash.
 */
#include "util/sys_defs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/htable.h"
#include "util/log.h"
#include "util/pwhash.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "proto/acctname.h"

#include "mail/accounts.h"
#include "mail/acctmap.h"
#include "mail/cfg.h"
#include "mail/map.h"
#include "mail/params.h"
#include "mail/params_accounts.h"

#include "gannet.h"
#include "gannet_acct.h"
#include "gannet_init.h"

struct gacct_item {
	char *key;   /* NULL: comment or blank lines, or deleted */
	char *value; /* continuation lines joined with a space */
	char *raw;   /* the text as read; NULL once changed */
};

static const char *const gacct_params[] = {"virtual_mailbox_domains",
    "virtual_mailbox_maps", "virtual_alias_maps", "distribution_list_maps",
    "auth_password_maps"};

static const char *const gacct_headers[] = {
    "# domains - hosted domains and domain aliases, one a line:\n"
    "#   example.com  active=yes max_accounts=0 max_size=0 "
    "default_quota=0\n"
    "#   example.net  alias=example.com\n"
    "# Edit with `gannet domain`, or by hand and then `gannet map build`\n"
    "# (see gannet-accounts(5)).\n",
    "# users - accounts, one a line:\n"
    "#   joe@example.com  active=yes maildir=example.com/joe/ quota=0\n"
    "# Passwords are not here: see auth/passwd. Edit with `gannet user`,\n"
    "# or by hand and then `gannet map build` (see gannet-accounts(5)).\n",
    "# aliases - addresses that deliver elsewhere, as Postfix's "
    "virtual(5):\n"
    "#   info@example.com  joe@example.com, ann@example.org\n"
    "#   @example.com      joe@example.com   (catch-all: unknown users)\n"
    "# Edit with `gannet alias`, or by hand and then `gannet map build`.\n",
    "# lists - distribution lists, one a line:\n"
    "#   staff@example.com  active=yes policy=members require_auth=no\n"
    "#                      members=a@example.com,b@example.org senders=\n"
    "# Edit with `gannet list`, or by hand and then `gannet map build`.\n",
    "# passwd - password hashes of the accounts (crypt(3) strings):\n"
    "#   joe@example.com  $y$...\n"
    "# Readable by the auth service only. `gannet user passwd` changes a\n"
    "# password; `gannet user hash` makes a hash for editing by hand.\n",
};

/* gacct_spec_split - "type:path" of a parameter; fatal unless a file map
 * we can edit */
static void
gacct_spec_split(enum gacct_map m, struct gacct_file *f)
{
	struct buf *val = buf_new(128), *why = buf_new(64);
	const char *spec, *colon;

	if (cfg_value(gacct_params[m], val, why) < 0)
		log_fatal("%s: %s", gacct_params[m], buf_cstr(why));
	spec = str_trim(buf_data(val));
	if (*spec == 0)
		log_fatal("%s is empty: no map to edit", gacct_params[m]);
	f->spec = xstrdup(spec);
	if ((colon = strchr(spec, ':')) == NULL || spec[0] == '/') {
		f->path = xstrdup(spec);
		f->buildable = strcmp(var_default_database_type, "hash") == 0
		    || strcmp(var_default_database_type, "btree") == 0;
	} else if (str_has_prefix(spec, "hash:")
	    || str_has_prefix(spec, "btree:")) {
		f->path = xstrdup(colon + 1);
		f->buildable = true;
	} else if (str_has_prefix(spec, "texthash:")) {
		f->path = xstrdup(colon + 1);
	} else {
		log_fatal(
		    "%s = %s: only hash:, btree: and texthash: maps can be "
		    "edited by gannet",
		    gacct_params[m], spec);
	}
	buf_free(&val);
	buf_free(&why);
}

/* gacct_push - append an item */
static struct gacct_item *
gacct_push(struct gacct_file *f)
{
	if (f->n == f->alloc) {
		f->alloc = f->alloc ? 2 * f->alloc : 64;
		f->items = xreallocarray(f->items, f->alloc, sizeof(*f->items));
	}
	memset(&f->items[f->n], 0, sizeof(*f->items));
	return &f->items[f->n++];
}

/* gacct_index_key - the lower-case key into out */
static void
gacct_index_key(const char *key, struct buf *out)
{
	acctname_lower(key, out);
}

/* gacct_read - parse one text map into items */
static void
gacct_read(struct gacct_file *f)
{
	struct buf *text = buf_new(4096), *why = buf_new(64), *lc = buf_new(64);
	char *p, *nl;
	struct gacct_item *cur = NULL;

	f->index = htable_new(256);
	if (file_read(f->path, (size_t)1 << 30, text, why) < 0) {
		if (errno != ENOENT)
			log_fatal("%s", buf_cstr(why));
		buf_free(&text);
		buf_free(&why);
		buf_free(&lc);
		return;
	}
	for (p = buf_data(text); *p; p = nl) {
		struct buf *raw;
		const char *s;
		size_t len;

		nl = strchr(p, '\n');
		nl = nl ? nl + 1 : p + strlen(p);
		len = (size_t)(nl - p);
		for (s = p; s < nl && (*s == ' ' || *s == '\t' || *s == '\r');
		     s++)
			;
		if (s == nl || *s == '\n' || *s == '#') {
			/* Blank or comment: kept as its own item. */
			struct gacct_item *it = gacct_push(f);

			it->raw = xstrndup(p, len);
			cur = NULL;
			continue;
		}
		if (s != p && cur != NULL) {
			/* A continuation of the current entry. */
			struct buf *v = buf_new(128);
			size_t vlen = (size_t)(nl - s);

			while (vlen > 0
			    && (s[vlen - 1] == '\n' || s[vlen - 1] == '\r'
			        || s[vlen - 1] == ' ' || s[vlen - 1] == '\t'))
				vlen--;
			buf_printf(v, "%s%s%.*s", cur->value,
			    *cur->value ? " " : "", (int)vlen, s);
			free(cur->value);
			cur->value = buf_steal(v);
			buf_free(&v);
			raw = buf_new(128);
			buf_printf(raw, "%s%.*s", cur->raw, (int)len, p);
			free(cur->raw);
			cur->raw = buf_steal(raw);
			buf_free(&raw);
			continue;
		}
		{
			const char *k = s, *ke, *v;
			size_t vlen;

			for (ke = k; ke < nl && *ke != ' ' && *ke != '\t'
			     && *ke != '\n' && *ke != '\r';
			     ke++)
				;
			for (v = ke; v < nl && (*v == ' ' || *v == '\t'); v++)
				;
			vlen = (size_t)(nl - v);
			while (vlen > 0
			    && (v[vlen - 1] == '\n' || v[vlen - 1] == '\r'
			        || v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			cur = gacct_push(f);
			cur->key = xstrndup(k, (size_t)(ke - k));
			cur->value = xstrndup(v, vlen);
			cur->raw = xstrndup(p, len);
			gacct_index_key(cur->key, lc);
			/* The first of duplicate keys wins, as in map_build. */
			if (!htable_has(f->index, buf_cstr(lc)))
				htable_set(f->index, buf_cstr(lc),
				    (void *)(uintptr_t)f->n);
		}
	}
	buf_free(&text);
	buf_free(&why);
	buf_free(&lc);
}

/* gacct_begin - lock, then read */
void
gacct_begin(struct gacct_edit *e)
{
	struct buf *path = buf_new(128);

	memset(e, 0, sizeof(*e));
	buf_printf(path, "%s/.accounts.lock", var_config_dir);
	e->lockfd = open(buf_cstr(path), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (e->lockfd < 0)
		log_fatal("open %s: %m", buf_cstr(path));
	if (file_lock(e->lockfd, true) < 0)
		log_fatal("lock %s: %m", buf_cstr(path));
	/* An instance made before the account maps existed gets them. */
	gacct_create_maps();
	for (int m = 0; m < GACCT_NMAPS; m++) {
		gacct_spec_split((enum gacct_map)m, &e->f[m]);
		gacct_read(&e->f[m]);
	}
	buf_free(&path);
}

/* gacct_find - the item of key, or NULL */
static struct gacct_item *
gacct_find(struct gacct_file *f, const char *key)
{
	struct buf *lc = buf_new(64);
	uintptr_t i;

	gacct_index_key(key, lc);
	i = (uintptr_t)htable_get(f->index, buf_cstr(lc));
	buf_free(&lc);
	return i ? &f->items[i - 1] : NULL;
}

/* gacct_get - a value */
const char *
gacct_get(struct gacct_edit *e, enum gacct_map m, const char *key)
{
	struct gacct_item *it = gacct_find(&e->f[m], key);

	return it ? it->value : NULL;
}

/* gacct_set - replace or append */
void
gacct_set(
    struct gacct_edit *e, enum gacct_map m, const char *key, const char *value)
{
	struct gacct_file *f = &e->f[m];
	struct gacct_item *it = gacct_find(f, key);

	f->dirty = true;
	if (it == NULL) {
		struct buf *lc = buf_new(64);

		it = gacct_push(f);
		it->key = xstrdup(key);
		gacct_index_key(key, lc);
		htable_set(f->index, buf_cstr(lc), (void *)(uintptr_t)f->n);
		buf_free(&lc);
	} else {
		free(it->value);
		free(it->raw);
		it->raw = NULL;
	}
	it->value = xstrdup(value);
}

/* gacct_del - remove an entry */
bool
gacct_del(struct gacct_edit *e, enum gacct_map m, const char *key)
{
	struct gacct_file *f = &e->f[m];
	struct gacct_item *it = gacct_find(f, key);
	struct buf *lc;

	if (it == NULL)
		return false;
	lc = buf_new(64);
	gacct_index_key(key, lc);
	htable_del(f->index, buf_cstr(lc));
	buf_free(&lc);
	free(it->key);
	free(it->value);
	free(it->raw);
	memset(it, 0, sizeof(*it));
	f->dirty = true;
	return true;
}

/* gacct_walk - every entry */
void
gacct_walk(struct gacct_edit *e, enum gacct_map m,
    int (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
	struct gacct_file *f = &e->f[m];

	for (size_t i = 0; i < f->n; i++) {
		char *key, *value;
		int stop;

		if (f->items[i].key == NULL)
			continue;
		/* fn may gacct_set this very entry. */
		key = xstrdup(f->items[i].key);
		value = xstrdup(f->items[i].value);
		stop = fn(key, value, ctx);
		free(key);
		free(value);
		if (stop)
			break;
	}
}

/* gacct_auth_gid - the group of auth_owner, or -1 */
static gid_t
gacct_auth_gid(void)
{
	struct passwd *pw = getpwnam(var_auth_owner);

	return pw ? pw->pw_gid : (gid_t)-1;
}

/* gacct_write - replace the text file, keeping owner and mode */
static void
gacct_write(enum gacct_map m, struct gacct_file *f)
{
	struct buf *text = buf_new(4096), *tmp = buf_new(128);
	struct stat st;
	mode_t mode = m == GACCT_PASSWD ? 0640 : 0644;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int fd;

	if (stat(f->path, &st) == 0) {
		mode = st.st_mode & 07777;
		uid = st.st_uid;
		gid = st.st_gid;
	} else if (m == GACCT_PASSWD) {
		gid = gacct_auth_gid();
		if (getuid() != 0 || gid == (gid_t)-1)
			mode = 0600;
	}
	for (size_t i = 0; i < f->n; i++) {
		struct gacct_item *it = &f->items[i];

		if (it->raw)
			buf_cats(text, it->raw);
		else if (it->key)
			buf_printf(text, "%s\t%s\n", it->key, it->value);
		if (it->raw && buf_len(text) > 0
		    && buf_cstr(text)[buf_len(text) - 1] != '\n')
			buf_catc(text, '\n');
	}
	buf_printf(tmp, "%s.tmp.%ld", f->path, (long)getpid());
	fd =
	    open(buf_cstr(tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		log_fatal("create %s: %m", buf_cstr(tmp));
	/* Owner and mode first, contents second: never readable by more
	 * users than the file it replaces. */
	if ((getuid() == 0 && (uid != (uid_t)-1 || gid != (gid_t)-1)
	        && fchown(fd, uid, gid) < 0)
	    || fchmod(fd, mode) < 0
	    || file_write_all(fd, buf_cstr(text), buf_len(text)) < 0
	    || fsync(fd) < 0) {
		int err = errno;

		(void)unlink(buf_cstr(tmp));
		errno = err;
		log_fatal("write %s: %m", buf_cstr(tmp));
	}
	if (close(fd) < 0 || rename(buf_cstr(tmp), f->path) < 0) {
		int err = errno;

		(void)unlink(buf_cstr(tmp));
		errno = err;
		log_fatal("rename %s: %m", f->path);
	}
	if (file_fsync_dir(f->path) < 0)
		log_fatal("fsync directory of %s: %m", f->path);
	buf_free(&text);
	buf_free(&tmp);
}

/* gacct_build - rebuild one .db */
static void
gacct_build(struct gacct_file *f)
{
	struct buf *why = buf_new(128);

	if (map_build(f->spec, why) < 0)
		log_fatal("map build %s: %s", f->spec, buf_cstr(why));
	buf_free(&why);
}

/* gacct_free - forget the files */
static void
gacct_free(struct gacct_edit *e)
{
	for (int m = 0; m < GACCT_NMAPS; m++) {
		struct gacct_file *f = &e->f[m];

		for (size_t i = 0; i < f->n; i++) {
			free(f->items[i].key);
			if (f->items[i].value)
				explicit_bzero(f->items[i].value,
				    strlen(f->items[i].value));
			free(f->items[i].value);
			free(f->items[i].raw);
		}
		free(f->items);
		htable_free(&f->index, NULL);
		free(f->spec);
		free(f->path);
	}
	if (e->lockfd >= 0)
		close(e->lockfd);
	memset(e, 0, sizeof(*e));
	e->lockfd = -1;
}

/* gacct_commit - write, rebuild, unlock */
void
gacct_commit(struct gacct_edit *e)
{
	/* Accounts before their passwords when adding, and a deleted
	 * account disappears before its password: the order of the maps. */
	for (int m = 0; m < GACCT_NMAPS; m++)
		if (e->f[m].dirty)
			gacct_write((enum gacct_map)m, &e->f[m]);
	for (int m = 0; m < GACCT_NMAPS; m++)
		if (e->f[m].dirty && e->f[m].buildable)
			gacct_build(&e->f[m]);
	gacct_free(e);
}

/* gacct_end - unlock, nothing written */
void
gacct_end(struct gacct_edit *e)
{
	gacct_free(e);
}

/* Shared checks. */

/* gacct_address - a well-formed address, lower-cased */
void
gacct_address(
    const char *cmd, const char *arg, bool allow_catchall, struct buf *out)
{
	struct buf *why = buf_new(64);

	acctname_lower(arg, out);
	if (acctname_check_address(buf_cstr(out), allow_catchall, why) < 0)
		log_fatal(
		    "%s: bad address \"%s\": %s", cmd, arg, buf_cstr(why));
	buf_free(&why);
}

/* gacct_hosted_domain - the domain part, which must be hosted here */
void
gacct_hosted_domain(
    struct gacct_edit *e, const char *cmd, const char *address, struct buf *out)
{
	const char *at = strrchr(address, '@');
	const char *v;
	struct acctmap_domain d;
	struct buf *why = buf_new(64);

	buf_sets(out, at ? at + 1 : address);
	if ((v = gacct_get(e, GACCT_DOMAINS, buf_cstr(out))) == NULL)
		log_fatal("%s: %s: domain %s is not hosted here (add it with "
		          "`gannet domain add %s`)",
		    cmd, address, buf_cstr(out), buf_cstr(out));
	acctmap_domain_init(&d);
	if (acctmap_domain_parse(v, &d, why) < 0)
		log_fatal(
		    "%s: domain %s: %s", cmd, buf_cstr(out), buf_cstr(why));
	if (d.alias)
		log_fatal("%s: %s: %s is an alias of %s; use %.*s@%s", cmd,
		    address, buf_cstr(out), d.alias,
		    at ? (int)(at - address) : 0, address, d.alias);
	acctmap_domain_free(&d);
	buf_free(&why);
}

/* gacct_taken - who has address already */
const char *
gacct_taken(struct gacct_edit *e, const char *address)
{
	if (gacct_get(e, GACCT_USERS, address))
		return "an account";
	if (gacct_get(e, GACCT_ALIASES, address))
		return "an alias";
	if (gacct_get(e, GACCT_LISTS, address))
		return "a distribution list";
	return NULL;
}

/* gacct_targets - checked, lower-cased destination addresses */
void
gacct_targets(const char *cmd, char **args, int nargs, struct strv *out)
{
	struct buf *lc = buf_new(64), *why = buf_new(64);

	for (int i = 0; i < nargs; i++) {
		struct strv w;

		strv_init(&w);
		strv_split(&w, args[i], ", \t");
		for (size_t k = 0; k < w.n; k++) {
			acctname_lower(w.v[k], lc);
			buf_reset(why);
			if (acctname_check_target(buf_cstr(lc), why) < 0)
				log_fatal("%s: bad address \"%s\": %s", cmd,
				    w.v[k], buf_cstr(why));
			if (!strv_contains(out, buf_cstr(lc)))
				strv_push(out, buf_cstr(lc));
		}
		strv_free(&w);
	}
	buf_free(&lc);
	buf_free(&why);
}

/* gacct_parse_size - a size option */
long long
gacct_parse_size(const char *cmd, const char *opt, const char *arg)
{
	struct buf *why = buf_new(64);
	long long n;

	if (acctmap_parse_size(arg, &n, why) < 0)
		log_fatal("%s: %s: %s", cmd, opt, buf_cstr(why));
	buf_free(&why);
	return n;
}

/* gacct_getline - one line from fd into out without the newline; false at
 * EOF with nothing read */
static bool
gacct_getline(int fd, struct buf *out)
{
	char c;
	bool any = false;

	buf_reset(out);
	for (;;) {
		ssize_t n = read(fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return any;
		any = true;
		if (c == '\n')
			break;
		if (buf_catc(out, c) < 0) {
			/* Over the cap: swallow the rest of the line. */
			continue;
		}
	}
	if (buf_len(out) > 0 && buf_cstr(out)[buf_len(out) - 1] == '\r')
		buf_truncate(out, buf_len(out) - 1);
	return true;
}

/* gacct_ask - prompt on the terminal without echo */
static bool
gacct_ask(const char *prompt, struct buf *out)
{
	struct termios old, quiet;
	bool ok;

	if (tcgetattr(STDIN_FILENO, &old) < 0)
		return false;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	/* Echo off before the prompt: whatever is typed after it is never
	 * shown; anything typed before it is thrown away. */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) < 0)
		return false;
	fprintf(stderr, "%s", prompt);
	fflush(stderr);
	ok = gacct_getline(STDIN_FILENO, out);
	(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fprintf(stderr, "\n");
	return ok;
}

/* gacct_read_password - from stdin or the terminal, never argv */
struct buf *
gacct_read_password(const char *cmd, bool from_stdin)
{
	struct buf *pw = buf_new_capped(64, PWHASH_PASSWORD_MAX + 1);
	struct buf *again;

	if (from_stdin) {
		if (!gacct_getline(STDIN_FILENO, pw))
			log_fatal("%s: no password on standard input", cmd);
	} else if (isatty(STDIN_FILENO)) {
		again = buf_new_capped(64, PWHASH_PASSWORD_MAX + 1);
		if (!gacct_ask("New password: ", pw)
		    || !gacct_ask("Retype new password: ", again))
			log_fatal("%s: could not read the password", cmd);
		if (!buf_eq(pw, buf_cstr(again)))
			log_fatal("%s: the passwords do not match", cmd);
		buf_free_secret(&again);
	} else {
		log_fatal("%s: no terminal to ask for the password on; give "
		          "it on standard input with --password-stdin",
		    cmd);
	}
	if (buf_len(pw) > (size_t)var_auth_password_limit
	    || buf_len(pw) > PWHASH_PASSWORD_MAX)
		log_fatal("%s: password longer than %ld bytes "
		          "(auth_password_limit)",
		    cmd, var_auth_password_limit);
	if (buf_len(pw) < 6)
		log_fatal(
		    "%s: password too short (at least 6 characters)", cmd);
	if (strlen(buf_cstr(pw)) != buf_len(pw))
		log_fatal("%s: password contains a NUL byte", cmd);
	return pw;
}

/* gacct_hash_password - with the configured scheme and cost */
void
gacct_hash_password(const char *password, struct buf *out)
{
	struct buf *why = buf_new(64);

	buf_reset(out);
	if (pwhash_make(password, var_auth_password_scheme,
	        var_auth_password_cost, out, why)
	    < 0)
		log_fatal("auth_password_scheme %s: %s",
		    var_auth_password_scheme, buf_cstr(why));
	buf_free(&why);
}

/* gacct_make_maildir - Maildir of a new account, owned by vmail_owner */
void
gacct_make_maildir(const char *maildir_rel)
{
	struct buf *path = buf_new(128), *why = buf_new(64);
	struct passwd *pw = getuid() == 0 ? getpwnam(var_vmail_owner) : NULL;
	static const char *const subs[] = {"cur", "new", "tmp"};
	const char *p = maildir_rel;

	if (acctmap_maildir_ok(maildir_rel, why) < 0) {
		log_warn("maildir %s: %s", maildir_rel, buf_cstr(why));
		goto out;
	}
	if (getuid() == 0 && pw == NULL) {
		log_warn("vmail_owner %s does not exist; Maildir %s not "
		         "created",
		    var_vmail_owner, maildir_rel);
		goto out;
	}
	buf_sets(path, var_mail_base);
	/* Each component, so that every new directory gets the owner. */
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		buf_printf(path, "/%.*s", (int)n, p);
		if (mkdir(buf_cstr(path), 0700) == 0) {
			if (pw
			    && chown(buf_cstr(path), pw->pw_uid, pw->pw_gid)
			        < 0)
				log_warn("chown %s: %m", buf_cstr(path));
		} else if (errno != EEXIST) {
			log_warn("mkdir %s: %m", buf_cstr(path));
			goto out;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	for (size_t i = 0; i < NELEM(subs); i++) {
		struct buf *sub = buf_new(128);

		buf_printf(sub, "%s/%s", buf_cstr(path), subs[i]);
		if (mkdir(buf_cstr(sub), 0700) == 0) {
			if (pw
			    && chown(buf_cstr(sub), pw->pw_uid, pw->pw_gid) < 0)
				log_warn("chown %s: %m", buf_cstr(sub));
		} else if (errno != EEXIST) {
			log_warn("mkdir %s: %m", buf_cstr(sub));
		}
		buf_free(&sub);
	}
out:
	buf_free(&path);
	buf_free(&why);
}

/* gacct_create_maps - the account maps of a new instance */
void
gacct_create_maps(void)
{
	struct buf *dir = buf_new(128), *why = buf_new(64);
	gid_t agid = getuid() == 0 ? gacct_auth_gid() : (gid_t)-1;

	for (int m = 0; m < GACCT_NMAPS; m++) {
		struct gacct_file f;
		bool secret = m == GACCT_PASSWD;

		memset(&f, 0, sizeof(f));
		gacct_spec_split((enum gacct_map)m, &f);
		file_dirname(f.path, dir);
		if (!file_is_dir(buf_cstr(dir))) {
			if (file_mkdirs(buf_cstr(dir), 0755, why) < 0)
				log_fatal("%s", buf_cstr(why));
			/* Only root and the auth service enter the
			 * directory of the password hashes. */
			if (secret
			    && (chmod(buf_cstr(dir),
			            agid != (gid_t)-1 ? 0750 : 0700)
			            < 0
			        || (agid != (gid_t)-1
			            && chown(buf_cstr(dir), 0, agid) < 0)))
				log_fatal("%s: %m", buf_cstr(dir));
		}
		if (!file_exists(f.path)) {
			mode_t mode = !secret   ? 0644
			    : agid != (gid_t)-1 ? 0640
			                        : 0600;
			int fd = open(f.path,
			    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

			if (fd < 0)
				log_fatal("create %s: %m", f.path);
			if ((secret && agid != (gid_t)-1
			        && fchown(fd, 0, agid) < 0)
			    || fchmod(fd, mode) < 0
			    || file_write_all(fd, gacct_headers[m],
			           strlen(gacct_headers[m]))
			        < 0
			    || fsync(fd) < 0 || close(fd) < 0)
				log_fatal("write %s: %m", f.path);
		}
		if (f.buildable) {
			buf_reset(dir);
			buf_printf(dir, "%s.db", f.path);
			if (!file_exists(buf_cstr(dir)))
				gacct_build(&f);
		}
		free(f.spec);
		free(f.path);
	}
	buf_free(&dir);
	buf_free(&why);
}

/* gacct_lookup - accounts_lookup_fn over an edit */
static int
gacct_lookup(enum accounts_map map, const char *key, struct buf *out,
    struct buf *why, void *ctx)
{
	static const enum gacct_map which[] = {
	    [ACCOUNTS_MAP_DOMAINS] = GACCT_DOMAINS,
	    [ACCOUNTS_MAP_USERS] = GACCT_USERS,
	    [ACCOUNTS_MAP_ALIASES] = GACCT_ALIASES,
	    [ACCOUNTS_MAP_LISTS] = GACCT_LISTS,
	    [ACCOUNTS_MAP_PASSWORDS] = GACCT_PASSWD,
	};
	const char *v = gacct_get(ctx, which[map], key);

	if (v == NULL)
		return 0;
	buf_sets(out, v);
	return 1;
}

/* gacct_accounts - lookups over the edit */
struct accounts *
gacct_accounts(struct gacct_edit *e)
{
	return accounts_open_lookup(gacct_lookup, e);
}

/* gacct_check_resolves - refuse an edit that makes address loop */
void
gacct_check_resolves(struct gacct_edit *e, const char *cmd, const char *address)
{
	struct accounts *a = gacct_accounts(e);
	struct accounts_targets t;
	struct buf *why = buf_new(64);
	enum accounts_status st;

	accounts_targets_init(&t);
	st = accounts_resolve(a, address, &t, why);
	if (st == ACCOUNTS_LOOP || st == ACCOUNTS_TEMPFAIL)
		log_fatal("%s: refused, nothing changed: %s", cmd,
		    buf_len(why) ? buf_cstr(why) : accounts_status_name(st));
	/* Allowed (the address may be created next), but worth a word. */
	for (size_t i = 0; i < t.n; i++)
		if (t.v[i].kind == ACCOUNTS_TARGET_FAILED)
			log_warn("%s: %s: %s here; mail for it will bounce",
			    cmd, t.v[i].address,
			    t.v[i].status == ACCOUNTS_UNKNOWN
			        ? "no such account, alias or list"
			        : accounts_status_name(t.v[i].status));
	accounts_targets_free(&t);
	accounts_close(&a);
	buf_free(&why);
}

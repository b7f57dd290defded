/*
 * gannet_queue.c - `gannet queue`: look at and act on the queue, the way
 * postqueue and postsuper do.
 *
 *   show [-m] ID|PATH...      envelope (and message) of queue files
 *   list [--json]             every message: ID, size, arrival, sender,
 *                             recipients with state, status, last reason
 *   mailq                     the same in Postfix's mailq layout
 *   flush [DOMAIN]            ask the queue manager to retry deferred mail
 *   delete|hold|release|requeue ID...|ALL
 *   suspend | resume          stop or restart deliveries (qmgr keeps
 *                             accepting mail)
 *
 * The queue manager runs while we look, so any file may vanish (it was
 * delivered) or move (incoming -> active -> deferred) under us: a file
 * that is gone is skipped, a move is retried in the other directories,
 * and every change is one rename() or unlink(), each atomic. Files keep
 * their owner when root moves them, so root and mail_owner may both run
 * this.
 */
#include "util/sys_defs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fileutil.h"
#include "util/log.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/params.h"
#include "mail/queue_file.h"
#include "mail/queue_trigger.h"

#include "gannet.h"

#define QUEUE_USAGE                                                            \
	"queue show [-m] ID|PATH... | queue list [--json] | queue mailq | "    \
	"queue flush [DOMAIN] | queue delete|hold|release|requeue ID...|ALL "  \
	"| "                                                                   \
	"queue suspend|resume"

/* The directories where a message lives, in the order mail flows. */
static const char *const queue_live_dirs[] = {
    "incoming", "active", "deferred", "hold"};

/* A reason from defer/<ID>, per recipient index. */
struct queue_reason {
	size_t index;
	char *dsn;
	char *text;
};

/* One message, as list and mailq show it. */
struct queue_item {
	char id[QUEUE_ID_MAX + 1];
	const char *dir; /* one of queue_live_dirs */
	struct queue_env env;
	struct queue_reason *reasons;
	size_t nreasons;
};

/* queue_find - the path of an ID in the usual directories */
static void
queue_find(const char *arg, struct buf *path)
{
	static const char *const dirs[] = {
	    "incoming", "active", "deferred", "hold", "corrupt"};

	buf_sets(path, arg);
	if (strchr(arg, '/') != NULL || !queue_id_ok(arg))
		return;
	for (size_t i = 0; i < NELEM(dirs); i++) {
		queue_file_path(var_queue_dir, dirs[i], arg, path);
		if (access(buf_cstr(path), F_OK) == 0)
			return;
	}
}

/* queue_show - print one file; 0 or -1 */
static int
queue_show(const char *arg, bool with_body)
{
	struct buf *path = buf_new(128), *why = buf_new(128);
	struct queue_file *qf;
	const struct queue_env *e;
	static const char *const rets[] = {"", "FULL", "HDRS"};
	static const char *const bodies[] = {
	    "", "7BIT", "8BITMIME", "BINARYMIME"};
	int ret = -1;

	queue_find(arg, path);
	if ((qf = queue_file_open(buf_cstr(path), false, why)) == NULL) {
		fprintf(stderr, "gannet: queue: %s\n", buf_cstr(why));
		goto out;
	}
	e = queue_file_env(qf);
	printf("queue_id: %s\narrival_time: %lld\nmessage_size: %lld\n"
	       "sender: %s\nenvid: %s\nret: %s\nbody: %s\nsmtputf8: %d\n"
	       "service: %s\nprotocol: %s\nclient: %s[%s]:%ld\nhelo: %s\n"
	       "auth_user: %s\ntls: %s %s\n",
	    e->queue_id, (long long)e->arrival_us, (long long)e->body_size,
	    e->sender, e->envid, rets[e->ret], bodies[e->body], e->smtputf8,
	    e->service, e->protocol, e->client_name, e->client_addr,
	    e->client_port, e->client_helo, e->auth_user, e->tls_version,
	    e->tls_cipher);
	for (size_t i = 0; i < e->nrcpt; i++)
		printf("rcpt: %s orig=%s orcpt=%s notify=%d state=%c\n",
		    e->rcpt[i].addr, e->rcpt[i].orig, e->rcpt[i].orcpt,
		    e->rcpt[i].notify, e->rcpt[i].state);
	if (with_body) {
		char tmp[8192];
		off_t off = 0;
		ssize_t n;

		printf("message:\n");
		fflush(stdout);
		while (
		    (n = queue_file_read_body(qf, off, tmp, sizeof(tmp))) > 0) {
			fwrite(tmp, 1, (size_t)n, stdout);
			off += n;
		}
		if (n < 0) {
			fprintf(stderr, "gannet: queue: read %s: %m\n",
			    buf_cstr(path));
			goto out;
		}
	}
	ret = 0;
out:
	queue_file_close(&qf);
	buf_free(&path);
	buf_free(&why);
	return ret;
}

/* queue_read_reasons - defer/<ID>: "<index>\t<dsn>\t<reason>" lines */
static void
queue_read_reasons(struct queue_item *it)
{
	struct buf *path = buf_new(128), *data = buf_new(1024);
	struct buf *why = buf_new(64);
	char *s, *line, *nl;

	buf_printf(path, "%s/defer/%s", var_queue_dir, it->id);
	if (file_read(buf_cstr(path), 1024 * 1024, data, why) < 0)
		goto out; /* none (yet), or gone */
	s = buf_data(data);
	for (line = s; line && *line; line = nl) {
		char *t1, *t2;
		long idx;

		if ((nl = strchr(line, '\n')) != NULL)
			*nl++ = 0;
		if ((t1 = strchr(line, '\t')) == NULL
		    || (t2 = strchr(t1 + 1, '\t')) == NULL)
			continue;
		*t1++ = 0;
		*t2++ = 0;
		if (str_parse_long(line, 0, QUEUE_RCPT_MAX, &idx) < 0)
			continue;
		it->reasons = xreallocarray(
		    it->reasons, it->nreasons + 1, sizeof(*it->reasons));
		it->reasons[it->nreasons].index = (size_t)idx;
		it->reasons[it->nreasons].dsn = xstrdup(t1);
		it->reasons[it->nreasons].text = xstrdup(t2);
		it->nreasons++;
	}
out:
	buf_free(&path);
	buf_free(&data);
	buf_free(&why);
}

/* queue_reason_of - the last reason for recipient i, or NULL */
static const struct queue_reason *
queue_reason_of(const struct queue_item *it, size_t i)
{
	for (size_t k = it->nreasons; k-- > 0;)
		if (it->reasons[k].index == i)
			return &it->reasons[k];
	return NULL;
}

/* queue_copy_env - what list and mailq show of an envelope */
static void
queue_copy_env(struct queue_env *to, const struct queue_env *from)
{
	to->arrival_us = from->arrival_us;
	to->body_size = from->body_size;
	to->sender = xstrdup(from->sender);
	for (size_t i = 0; i < from->nrcpt; i++)
		queue_env_add_rcpt(
		    to, from->rcpt[i].addr, from->rcpt[i].orig, NULL, 0)
		    ->state = from->rcpt[i].state;
}

/* queue_item_cmp - by ID, which sorts by arrival */
static int
queue_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct queue_item *)a)->id,
	    ((const struct queue_item *)b)->id);
}

/* queue_collect - every message in the live directories, each once;
 * *errors_out counts directories that could not be read */
static struct queue_item *
queue_collect(size_t *n_out, int *errors_out)
{
	struct queue_item *v = NULL;
	size_t n = 0;
	struct buf *path = buf_new(128), *why = buf_new(128);

	for (size_t d = 0; d < NELEM(queue_live_dirs); d++) {
		DIR *dir;
		struct dirent *de;

		buf_reset(path);
		buf_printf(path, "%s/%s", var_queue_dir, queue_live_dirs[d]);
		if ((dir = opendir(buf_cstr(path))) == NULL) {
			fprintf(stderr, "gannet: queue: open %s: %m%s\n",
			    buf_cstr(path),
			    errno == EACCES ? " (run this as root or as "
			                      "mail_owner)"
			                    : "");
			(*errors_out)++;
			continue;
		}
		while ((de = readdir(dir)) != NULL) {
			struct queue_file *qf;
			bool dup = false;

			if (!queue_id_ok(de->d_name))
				continue;
			/* Seen already in an earlier directory: it moved
			 * while we looked. */
			for (size_t k = 0; k < n && !dup; k++)
				dup = strcmp(v[k].id, de->d_name) == 0;
			if (dup)
				continue;
			queue_file_path(var_queue_dir, queue_live_dirs[d],
			    de->d_name, path);
			buf_reset(why);
			if ((qf = queue_file_open(buf_cstr(path), false, why))
			    == NULL) {
				/* Gone (delivered, or moved on: then it is
				 * seen in the next directory) is no error. */
				if (errno != ENOENT)
					fprintf(stderr, "gannet: queue: %s\n",
					    buf_cstr(why));
				continue;
			}
			v = xreallocarray(v, n + 1, sizeof(*v));
			memset(&v[n], 0, sizeof(v[n]));
			snprintf(v[n].id, sizeof(v[n].id), "%.*s", QUEUE_ID_MAX,
			    de->d_name);
			v[n].dir = queue_live_dirs[d];
			queue_copy_env(&v[n].env, queue_file_env(qf));
			queue_file_close(&qf);
			queue_read_reasons(&v[n]);
			n++;
		}
		closedir(dir);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), queue_item_cmp);
	buf_free(&path);
	buf_free(&why);
	*n_out = n;
	return v;
}

/* queue_items_free - everything queue_collect made */
static void
queue_items_free(struct queue_item *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		queue_env_clear(&v[i].env);
		for (size_t k = 0; k < v[i].nreasons; k++) {
			free(v[i].reasons[k].dsn);
			free(v[i].reasons[k].text);
		}
		free(v[i].reasons);
	}
	free(v);
}

/* queue_status - active, deferred or hold (incoming counts as active:
 * the queue manager takes it next) */
static const char *
queue_status(const struct queue_item *it)
{
	if (strcmp(it->dir, "incoming") == 0)
		return "active";
	return it->dir;
}

/* queue_rcpt_state - what a recipient's state byte means */
static const char *
queue_rcpt_state(const struct queue_item *it, size_t i)
{
	switch (it->env.rcpt[i].state) {
	case QUEUE_RCPT_DELIVERED:
		return "delivered";
	case QUEUE_RCPT_FAILED:
		return "bounced";
	case QUEUE_RCPT_EXPIRED:
		return "expired";
	default:
		return queue_reason_of(it, i) ? "deferred" : "pending";
	}
}

/* queue_arrival - local time, "%a %b %e %H:%M:%S" (mailq) or ISO 8601 */
static void
queue_arrival(const struct queue_item *it, bool iso, char *out, size_t len)
{
	time_t t = (time_t)(it->env.arrival_us / 1000000);
	struct tm tm;

	localtime_r(&t, &tm);
	if (strftime(out, len,
	        iso ? "%Y-%m-%dT%H:%M:%S%z" : "%a %b %e %H:%M:%S", &tm)
	    == 0)
		out[0] = 0;
}

/* queue_json_str - s as a JSON string */
static void
queue_json_str(const char *s)
{
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			printf("\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			printf("\\u%04x", *p);
		else
			putchar(*p);
	}
	putchar('"');
}

/* queue_list - `queue list [--json]` */
static int
queue_list(bool json)
{
	size_t n;
	int errors = 0;
	struct queue_item *v = queue_collect(&n, &errors);
	char when[64];

	if (errors) {
		queue_items_free(v, n);
		return 1;
	}
	if (json)
		printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct queue_item *it = &v[i];
		const struct queue_reason *last =
		    it->nreasons ? &it->reasons[it->nreasons - 1] : NULL;

		queue_arrival(it, true, when, sizeof(when));
		if (json) {
			printf("%s\n {\"id\": ", i ? "," : "");
			queue_json_str(it->id);
			printf(", \"status\": ");
			queue_json_str(queue_status(it));
			printf(", \"queue\": ");
			queue_json_str(it->dir);
			printf(", \"size\": %lld, \"arrival_time\": %lld, "
			       "\"arrival\": ",
			    (long long)it->env.body_size,
			    (long long)(it->env.arrival_us / 1000000));
			queue_json_str(when);
			printf(", \"sender\": ");
			queue_json_str(it->env.sender);
			printf(", \"reason\": ");
			if (last)
				queue_json_str(last->text);
			else
				printf("null");
			printf(", \"recipients\": [");
			for (size_t r = 0; r < it->env.nrcpt; r++) {
				const struct queue_reason *why =
				    queue_reason_of(it, r);

				printf("%s{\"address\": ", r ? ", " : "");
				queue_json_str(it->env.rcpt[r].addr);
				printf(", \"orig\": ");
				queue_json_str(it->env.rcpt[r].orig);
				printf(", \"state\": ");
				queue_json_str(queue_rcpt_state(it, r));
				printf(", \"dsn\": ");
				if (why)
					queue_json_str(why->dsn);
				else
					printf("null");
				printf(", \"reason\": ");
				if (why)
					queue_json_str(why->text);
				else
					printf("null");
				printf("}");
			}
			printf("]}");
			continue;
		}
		printf("%s  %s  %lld  %s  <%s>\n", it->id, queue_status(it),
		    (long long)it->env.body_size, when, it->env.sender);
		for (size_t r = 0; r < it->env.nrcpt; r++) {
			const struct queue_reason *why = queue_reason_of(it, r);

			printf("    <%s>  %s", it->env.rcpt[r].addr,
			    queue_rcpt_state(it, r));
			if (why && it->env.rcpt[r].state == QUEUE_RCPT_PENDING)
				printf("  %s %s", why->dsn, why->text);
			printf("\n");
		}
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	else if (n == 0)
		printf("The queue is empty.\n");
	queue_items_free(v, n);
	return 0;
}

/* queue_mailq - Postfix's mailq (showq) layout */
static int
queue_mailq(void)
{
	size_t n, width = 11;
	int errors = 0;
	struct queue_item *v = queue_collect(&n, &errors);
	unsigned long long kbytes = 0;
	char when[64];

	if (errors) {
		queue_items_free(v, n);
		return 1;
	}
	if (n == 0) {
		printf("Mail queue is empty\n");
		free(v);
		return 0;
	}
	/* Postfix widens the first column for long queue IDs too. */
	for (size_t i = 0; i < n; i++)
		width = MAX(width, strlen(v[i].id) + 1);
	printf("%-*s %8s %-20s %s\n", (int)width, "-Queue ID-", "--Size--",
	    "----Arrival Time----", "-Sender/Recipient-------");
	for (size_t i = 0; i < n; i++) {
		const struct queue_item *it = &v[i];
		char idm[QUEUE_ID_MAX + 2];
		const char *last = NULL;

		snprintf(idm, sizeof(idm), "%s%s", it->id,
		    strcmp(it->dir, "active") == 0     ? "*"
		        : strcmp(it->dir, "hold") == 0 ? "!"
		                                       : "");
		queue_arrival(it, false, when, sizeof(when));
		printf("%-*s %8lld %-20.20s %s\n", (int)width, idm,
		    (long long)it->env.body_size, when,
		    *it->env.sender ? it->env.sender : "MAILER-DAEMON");
		for (size_t r = 0; r < it->env.nrcpt; r++) {
			const struct queue_reason *why = queue_reason_of(it, r);

			if (it->env.rcpt[r].state != QUEUE_RCPT_PENDING)
				continue;
			/* A reason is printed once above the recipients
			 * it applies to, in parentheses, as Postfix does. */
			if (why && (last == NULL || strcmp(last, why->text)))
				printf("(%s)\n", why->text);
			if (why)
				last = why->text;
			printf("%*s%s\n", (int)width + 30, "",
			    it->env.rcpt[r].addr);
		}
		printf("\n");
		kbytes += ((unsigned long long)it->env.body_size + 1023) / 1024;
	}
	printf(
	    "-- %llu Kbytes in %zu Request%s.\n", kbytes, n, n == 1 ? "" : "s");
	queue_items_free(v, n);
	return 0;
}

/* queue_sync_dir - fsync queue_dir/sub */
static void
queue_sync_dir(const char *sub)
{
	struct buf *p = buf_new(128);

	buf_printf(p, "%s/%s", var_queue_dir, sub);
	(void)file_fsync_dir(buf_cstr(p));
	buf_free(&p);
}

/* What an action does to one message. */
enum queue_op { QOP_DELETE, QOP_HOLD, QOP_RELEASE, QOP_REQUEUE };

/* The directories each action takes messages from. */
static const char *const qop_from[][5] = {
    [QOP_DELETE] = {"incoming", "active", "deferred", "hold", "corrupt"},
    [QOP_HOLD] = {"incoming", "active", "deferred", NULL},
    [QOP_RELEASE] = {"hold", NULL},
    [QOP_REQUEUE] = {"deferred", "hold", NULL},
};

/* queue_act - one message; 1 done, 0 not found there, -1 error */
static int
queue_act(enum queue_op op, const char *id)
{
	struct buf *from = buf_new(128), *to = buf_new(128);
	int ret = 0;

	/* The queue manager may move the file between our attempts
	 * (incoming -> active -> deferred): go round a few times. */
	for (int round = 0; round < 3 && ret == 0; round++) {
		for (size_t d = 0; d < 5 && qop_from[op][d] && ret == 0; d++) {
			const char *dir = qop_from[op][d];

			queue_file_path(var_queue_dir, dir, id, from);
			if (op == QOP_DELETE) {
				if (unlink(buf_cstr(from)) == 0) {
					queue_sync_dir(dir);
					ret = 1;
				} else if (errno != ENOENT)
					ret = -1;
			} else {
				queue_file_path(var_queue_dir,
				    op == QOP_HOLD ? "hold" : "incoming", id,
				    to);
				if (rename(buf_cstr(from), buf_cstr(to)) == 0) {
					queue_sync_dir(dir);
					queue_sync_dir(op == QOP_HOLD
					        ? "hold"
					        : "incoming");
					ret = 1;
				} else if (errno != ENOENT)
					ret = -1;
			}
			if (ret < 0)
				fprintf(stderr, "gannet: queue: %s: %m\n",
				    buf_cstr(from));
		}
	}
	if (ret == 1 && op == QOP_DELETE) {
		/* The reasons go with the message. */
		buf_reset(from);
		buf_printf(from, "%s/defer/%s", var_queue_dir, id);
		(void)unlink(buf_cstr(from));
	}
	buf_free(&from);
	buf_free(&to);
	return ret;
}

/* queue_ids_in - every queue ID in the directories of an action */
static void
queue_ids_in(enum queue_op op, struct strv *out)
{
	struct buf *path = buf_new(128);

	for (size_t d = 0; d < 5 && qop_from[op][d]; d++) {
		DIR *dir;
		struct dirent *de;

		buf_reset(path);
		buf_printf(path, "%s/%s", var_queue_dir, qop_from[op][d]);
		if ((dir = opendir(buf_cstr(path))) == NULL)
			continue;
		while ((de = readdir(dir)) != NULL)
			if (queue_id_ok(de->d_name)
			    && !strv_contains(out, de->d_name))
				strv_push(out, de->d_name);
		closedir(dir);
	}
	buf_free(&path);
}

/* queue_cmd_op - delete|hold|release|requeue ID...|ALL */
static int
queue_cmd_op(enum queue_op op, int argc, char **argv)
{
	static const char *const names[] = {
	    "deleted", "put on hold", "released", "requeued"};
	struct strv ids;
	int status = 0;
	long done = 0;

	strv_init(&ids);
	if (argc == 1 && strcmp(argv[0], "ALL") == 0)
		queue_ids_in(op, &ids);
	else
		for (int i = 0; i < argc; i++) {
			if (!queue_id_ok(argv[i])) {
				fprintf(stderr,
				    "gannet: queue: %s: not a queue ID\n",
				    argv[i]);
				status = 1;
				continue;
			}
			strv_push(&ids, argv[i]);
		}
	for (size_t i = 0; i < ids.n; i++) {
		int r = queue_act(op, ids.v[i]);

		if (r == 1) {
			printf("%s: %s\n", ids.v[i], names[op]);
			done++;
		} else if (r == 0 && !(argc == 1 && !strcmp(argv[0], "ALL"))) {
			fprintf(stderr,
			    "gannet: queue: %s: no such message%s\n", ids.v[i],
			    op == QOP_RELEASE       ? " on hold"
			        : op == QOP_REQUEUE ? " in deferred/ or hold/"
			                            : "");
			status = 1;
		} else if (r < 0)
			status = 1;
	}
	fprintf(stderr, "gannet: queue: %ld message%s %s\n", done,
	    done == 1 ? "" : "s", names[op]);
	if (done > 0 && (op == QOP_RELEASE || op == QOP_REQUEUE))
		queue_wake(var_queue_dir);
	strv_free(&ids);
	return status;
}

/* queue_suspend - create or remove $queue_directory/suspended */
static int
queue_suspend(bool on)
{
	struct buf *path = buf_new(128);
	int fd, status = 0;

	buf_printf(path, "%s/suspended", var_queue_dir);
	if (on) {
		if ((fd = open(buf_cstr(path),
		         O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644))
		    < 0) {
			fprintf(stderr, "gannet: queue: create %s: %m\n",
			    buf_cstr(path));
			status = 1;
		} else {
			struct passwd *pw = getpwnam(var_mail_owner);

			if (getuid() == 0 && pw
			    && fchown(fd, pw->pw_uid, pw->pw_gid) < 0)
				fprintf(stderr, "gannet: queue: chown %s: %m\n",
				    buf_cstr(path));
			close(fd);
			printf("gannet: deliveries suspended (mail is still "
			       "accepted and queued)\n");
		}
	} else {
		if (unlink(buf_cstr(path)) < 0 && errno != ENOENT) {
			fprintf(stderr, "gannet: queue: remove %s: %m\n",
			    buf_cstr(path));
			status = 1;
		} else
			printf("gannet: deliveries resumed\n");
	}
	if (status == 0) {
		(void)file_fsync_dir(var_queue_dir);
		queue_wake(var_queue_dir);
	}
	buf_free(&path);
	return status;
}

/* queue_flush - ask the queue manager to retry deferred mail now */
static int
queue_flush(const char *domain)
{
	struct buf *why = buf_new(128);
	int status = 0;

	if (queue_trigger_flush(var_queue_dir, domain, why) < 0) {
		fprintf(stderr,
		    "gannet: queue: flush: %s (is the mail system running?)\n",
		    buf_cstr(why));
		status = 1;
	} else if (domain)
		printf("gannet: flush of the mail for %s requested\n", domain);
	else
		printf("gannet: flush of the deferred mail requested\n");
	buf_free(&why);
	return status;
}

/* gannet_cmd_queue - the queue subcommand */
int
gannet_cmd_queue(int argc, char **argv)
{
	const char *sub = argc >= 2 ? argv[1] : "";
	bool with_body = false;
	int i = 2, status = 0;

	if (strcmp(sub, "list") == 0) {
		bool json = argc == 3 && strcmp(argv[2], "--json") == 0;

		if (argc > 3 || (argc == 3 && !json))
			gannet_usage_error(QUEUE_USAGE);
		gannet_load_config_lenient();
		return queue_list(json);
	}
	if (strcmp(sub, "mailq") == 0 && argc == 2) {
		gannet_load_config_lenient();
		return queue_mailq();
	}
	if (strcmp(sub, "flush") == 0 && argc <= 3) {
		gannet_load_config_lenient();
		return queue_flush(argc == 3 ? argv[2] : NULL);
	}
	if ((strcmp(sub, "suspend") == 0 || strcmp(sub, "resume") == 0)
	    && argc == 2) {
		gannet_load_config_lenient();
		return queue_suspend(strcmp(sub, "suspend") == 0);
	}
	if (argc >= 3) {
		static const struct {
			const char *name;
			enum queue_op op;
		} ops[] = {{"delete", QOP_DELETE}, {"hold", QOP_HOLD},
		    {"release", QOP_RELEASE}, {"requeue", QOP_REQUEUE}};

		for (size_t k = 0; k < NELEM(ops); k++)
			if (strcmp(sub, ops[k].name) == 0) {
				gannet_load_config_lenient();
				return queue_cmd_op(
				    ops[k].op, argc - 2, argv + 2);
			}
	}
	if (argc < 3 || strcmp(sub, "show") != 0)
		gannet_usage_error(QUEUE_USAGE);
	if (strcmp(argv[2], "-m") == 0) {
		with_body = true;
		i++;
	}
	if (i >= argc)
		gannet_usage_error(QUEUE_USAGE);
	gannet_load_config();
	for (; i < argc; i++)
		if (queue_show(argv[i], with_body) < 0)
			status = 1;
	fflush(stdout);
	return status;
}

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
#include "util/net.h"
#include "util/stream.h"
#include "util/strutil.h"
#include "util/xalloc.h"

#include "mail/params.h"
#include "mail/queue_file.h"
#include "mail/queue_list.h"
#include "mail/queue_trigger.h"

#include "gannet.h"

#define QUEUE_USAGE                                                            \
	"queue show [-m] ID|PATH... | queue list [--json] | queue mailq | "    \
	"queue flush [DOMAIN] | queue delete|hold|release|requeue ID...|ALL "  \
	"| "                                                                   \
	"queue suspend|resume"

/* queue_print_errors - one "gannet: queue: " line each */
static void
queue_print_errors(const struct buf *errors)
{
	const char *s = buf_cstr(errors);

	while (*s) {
		size_t n = strcspn(s, "\n");

		fprintf(stderr, "gannet: queue: %.*s\n", (int)n, s);
		s += n;
		if (*s == '\n')
			s++;
	}
}

/* queue_showq - the mailq text from the showq service (public/showq),
 * into out; 0, or 1 after printing why not */
static int
queue_showq(struct buf *out, const struct buf *errors)
{
	struct buf *why = buf_new(128), *path = buf_new(128);
	struct stream *s;
	char tmp[8192];
	ssize_t n;
	int fd, status = 0;

	buf_printf(path, "%s/public/showq", var_queue_dir);
	if ((fd = net_connect_unix(buf_cstr(path), 5000, why)) < 0) {
		queue_print_errors(errors);
		fprintf(stderr,
		    "gannet: queue: connect to %s: %s; run this as root or as "
		    "mail_owner, or "
		    "start the mail system (its showq service lists the queue "
		    "for everyone)\n",
		    buf_cstr(path), buf_cstr(why));
		status = 1;
		goto out;
	}
	s = stream_open(fd);
	stream_set_timeout(s, 60);
	while ((n = stream_read(s, tmp, sizeof(tmp))) > 0)
		buf_cat(out, tmp, (size_t)n);
	if (n < 0 && stream_status(s) != STREAM_EOF) {
		fprintf(stderr, "gannet: queue: read %s: %s\n", buf_cstr(path),
		    stream_strerror(s));
		status = 1;
	}
	stream_close(&s);
out:
	buf_free(&why);
	buf_free(&path);
	return status;
}

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
	struct buf *errors = buf_new(128);
	bool denied;
	struct queue_list_item *v =
	    queue_list_collect(var_queue_dir, &n, errors, &denied);
	char when[64];

	if (buf_len(errors)) {
		queue_print_errors(errors);
		if (denied)
			fprintf(stderr,
			    "gannet: queue: run this as root or as "
			    "mail_owner\n");
		queue_list_free(v, n);
		buf_free(&errors);
		return 1;
	}
	buf_free(&errors);
	if (json)
		printf("[");
	for (size_t i = 0; i < n; i++) {
		const struct queue_list_item *it = &v[i];
		const struct queue_list_reason *last =
		    it->nreasons ? &it->reasons[it->nreasons - 1] : NULL;

		queue_list_arrival(it, true, when, sizeof(when));
		if (json) {
			printf("%s\n {\"id\": ", i ? "," : "");
			queue_json_str(it->id);
			printf(", \"status\": ");
			queue_json_str(queue_list_status(it));
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
				const struct queue_list_reason *why =
				    queue_list_reason_of(it, r);

				printf("%s{\"address\": ", r ? ", " : "");
				queue_json_str(it->env.rcpt[r].addr);
				printf(", \"orig\": ");
				queue_json_str(it->env.rcpt[r].orig);
				printf(", \"state\": ");
				queue_json_str(queue_list_rcpt_state(it, r));
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
		printf("%s  %s  %lld  %s  <%s>\n", it->id,
		    queue_list_status(it), (long long)it->env.body_size, when,
		    it->env.sender);
		for (size_t r = 0; r < it->env.nrcpt; r++) {
			const struct queue_list_reason *why =
			    queue_list_reason_of(it, r);

			printf("    <%s>  %s", it->env.rcpt[r].addr,
			    queue_list_rcpt_state(it, r));
			if (why && it->env.rcpt[r].state == QUEUE_RCPT_PENDING)
				printf("  %s %s", why->dsn, why->text);
			printf("\n");
		}
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	else if (n == 0)
		printf("The queue is empty.\n");
	queue_list_free(v, n);
	return 0;
}

/* queue_mailq - Postfix's mailq layout; when the queue cannot be read
 * (an ordinary user), ask the showq service, as Postfix's mailq does */
static int
queue_mailq(void)
{
	struct buf *errors = buf_new(128), *out = buf_new(4096);
	size_t n;
	bool denied;
	struct queue_list_item *v =
	    queue_list_collect(var_queue_dir, &n, errors, &denied);
	int status = 0;

	if (denied) {
		status = queue_showq(out, errors);
	} else if (buf_len(errors)) {
		queue_print_errors(errors);
		status = 1;
	} else
		queue_list_mailq(v, n, out);
	fwrite(buf_cstr(out), 1, buf_len(out), stdout);
	queue_list_free(v, n);
	buf_free(&errors);
	buf_free(&out);
	return status;
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

/*
 * gannet_queue.c - `gannet queue show ID|PATH...`: read queue files with
 * the queue manager's own reader (queue_file.h) and print the envelope,
 * recipients and, with -m, the message. A file the reader refuses is
 * reported and makes the exit status 1, so this is also a checker.
 */
#include "util/sys_defs.h"

#include <stdlib.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"

#include "mail/params.h"
#include "mail/queue_file.h"

#include "gannet.h"

#define QUEUE_USAGE "queue show [-m] ID|PATH..."

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

/* gannet_cmd_queue - the queue subcommand */
int
gannet_cmd_queue(int argc, char **argv)
{
	bool with_body = false;
	int i = 2, status = 0;

	if (argc < 3 || strcmp(argv[1], "show") != 0)
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

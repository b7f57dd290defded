/*
 * showq.c - list the queue for anyone: `mailq` run by a user who cannot
 * read the queue (everyone but root and mail_owner) connects to
 * $queue_directory/public/showq and gets the listing in Postfix's mailq
 * layout (showq(8)).
 *
 * It runs as mail_owner, reads nothing from the client (the connection
 * itself is the request) and writes the text of queue_list_mailq(). A
 * file that vanishes while we look is skipped, as in `gannet queue`.
 */
#include "util/sys_defs.h"

#include <unistd.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/stream.h"

#include "mail/params.h"
#include "mail/queue_list.h"
#include "mail/service.h"

/* showq_serve - one listing */
static void
showq_serve(const struct service_client *client)
{
	struct buf *errors = buf_new(128), *out = buf_new(8192);
	struct stream *s = stream_open(dup(client->fd));
	struct queue_list_item *v;
	size_t n;
	bool denied;

	v = queue_list_collect(var_queue_dir, &n, errors, &denied);
	if (buf_len(errors))
		log_warn("queue listing: %s", buf_cstr(errors));
	queue_list_mailq(v, n, out);
	stream_set_timeout(s, (int)var_ipc_timeout);
	if (stream_write(s, buf_cstr(out), buf_len(out)) < 0
	    || stream_flush(s) < 0)
		log_info("write to client: %s", stream_strerror(s));
	stream_close(&s);
	queue_list_free(v, n);
	buf_free(&errors);
	buf_free(&out);
}

int
main(int argc, char **argv)
{
	static const struct service_hooks hooks = {
	    .serve = showq_serve,
	};

	return service_main(argc, argv, "showq", &hooks);
}

/*
 * local.h - the local delivery agent's state, shared by its files (and
 * by nothing outside deliver/).
 */
#ifndef DELIVER_LOCAL_H
#define DELIVER_LOCAL_H
#include "util/sys_defs.h"

struct accounts;
struct deliver_reply;
struct deliver_request;

struct local_agent {
	struct accounts *acc; /* the account maps, opened once */
};

extern struct local_agent local_agent;

/* local_deliver - deliver the message of req into each recipient's
 * Maildir; every recipient's result goes into reply and the log */
void local_deliver(
    const struct deliver_request *req, struct deliver_reply *reply);

#endif /* DELIVER_LOCAL_H */

/*
 * auth.h - the auth service's own state, shared by its files (nothing
 * outside auth/ includes this).
 */
#ifndef AUTH_AUTH_H
#define AUTH_AUTH_H
#include <sys/types.h>

#include "util/sys_defs.h"

struct accounts;
struct ban_table;
struct bdb;
struct buf;
struct event_loop;
struct ipc_msg;
struct matchlist;

/* The largest request accepted: a login, a password of at most
 * auth_password_limit bytes (each may be %-escaped on the wire), and a
 * few short attributes. */
#define AUTH_REQUEST_MAX (4 * 1024 + 3 * 512)

struct auth_state {
	struct event_loop *loop;
	struct accounts *acc;
	struct ban_table *bans;
	struct bdb *bandb;        /* NULL: bans are not kept across restarts */
	struct matchlist *exempt; /* auth_ban_exempt */
	long nconn;               /* connections open */
	bool full_logged;         /* "connection limit" was logged */
};

extern struct auth_state auth_st;

/* auth_request - answer one decoded request into reply; peer_uid is the
 * client process's uid (-1 unknown) */
void auth_request(struct ipc_msg *req, struct ipc_msg *reply, uid_t peer_uid);

/* auth_bans_load - open the ban database and load the bans in it */
void auth_bans_load(void);
/* auth_bans_expire - drop expired bans (memory and database) */
void auth_bans_expire(void);

#endif /* AUTH_AUTH_H */

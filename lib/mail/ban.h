/*
 * ban.h - failed-login counting and bans of client addresses (the auth
 * service's memory; SEED SEC-04).
 *
 * Failures are counted per client address and per login name in fixed
 * windows: the first failure opens a window of `window` seconds, and the
 * limit-th failure inside it bans the client address for `ban_time`
 * seconds (on every protocol: smtpd, pop3d and imapd all ask the auth
 * service). A window that has passed starts again from one. The per-login
 * count bans nobody (that would let anyone lock a user out); reaching
 * the limit is reported once per window, so that guessing at one account
 * from many addresses shows in the log.
 *
 * The table is bounded: at most table_limit counters, the oldest window
 * dropped first, and at most table_limit bans (expired ones are dropped;
 * past the limit a new ban is refused and reported).
 *
 * Time is passed in (wall-clock seconds), so the logic is tested without
 * waiting. Persistence is the caller's: ban_record_format/parse give the
 * value stored for each banned address.
 */
#ifndef MAIL_BAN_H
#define MAIL_BAN_H
#include <time.h>

#include "util/sys_defs.h"

struct buf;
struct ban_table;

struct ban_table *ban_table_new(
    long limit, long window, long ban_time, long table_limit);
void ban_table_free(struct ban_table **tp);

/* What ban_failure() did. */
#define BAN_STARTED     0x1 /* this failure banned the client */
#define BAN_LOGIN_ALERT 0x2 /* the login reached the limit in its window */
#define BAN_TABLE_FULL  0x4 /* a ban was due but the table is full */

/* ban_failure - one failed login of login from client at now. Returns
 * BAN_* bits; with BAN_STARTED, *until_out (may be NULL) is the end of
 * the ban. *count_out (may be NULL) is the client's failures in the
 * current window (the login's with BAN_LOGIN_ALERT alone). A client that
 * is banned already is not counted again. limit 0 counts nothing. */
int ban_failure(struct ban_table *t, const char *client, const char *login,
    time_t now, time_t *until_out, long *count_out);

/* ban_success - a good login of login: its failure count starts over
 * (the client's does not: one known password must not buy unlimited
 * guesses at other accounts) */
void ban_success(struct ban_table *t, const char *login);

/* ban_check - is client banned at now? An expired ban is removed (and
 * *expired_out, when not NULL, set). */
bool ban_check(struct ban_table *t, const char *client, time_t now,
    time_t *until_out, bool *expired_out);

/* ban_add - enter a ban (loading saved bans; expired ones are ignored);
 * false when the table is full */
bool ban_add(struct ban_table *t, const char *client, time_t until,
    long failures, const char *login, time_t now);
/* ban_del - lift a ban; true when there was one */
bool ban_del(struct ban_table *t, const char *client);

/* ban_expire - drop bans and windows that have ended at now; fn (may be
 * NULL) is called with each expired ban's address before it goes */
void ban_expire(struct ban_table *t, time_t now,
    void (*fn)(const char *client, void *ctx), void *ctx);

/* ban_walk - every ban; fn returns non-zero to stop */
void ban_walk(struct ban_table *t,
    int (*fn)(const char *client, time_t until, long failures,
        const char *login, void *ctx),
    void *ctx);

/* ban_count - bans held / counters held */
size_t ban_count(const struct ban_table *t);
size_t ban_counters(const struct ban_table *t);

/* ban_record_format - the stored form "UNTIL FAILURES LOGIN" (reset) */
void ban_record_format(
    time_t until, long failures, const char *login, struct buf *out);
/* ban_record_parse - the reverse; login_out (may be NULL) gets the login
 * ("-" when none). 0, or -1 when malformed. */
int ban_record_parse(const char *rec, time_t *until_out, long *failures_out,
    struct buf *login_out);

#endif /* MAIL_BAN_H */

/*
 * sys_defs.h - feature macros and compiler attributes for the whole suite.
 * Every .c file includes this first, so that _GNU_SOURCE and friends are
 * set before any system header is read, and so that banned.h (included
 * last, below) poisons the unsafe string calls in every translation unit.
 */
#ifndef UTIL_SYS_DEFS_H
#define UTIL_SYS_DEFS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#define _FILE_OFFSET_BITS 64

#include <sys/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>

#define ATTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ATTR_NORETURN     __attribute__((noreturn))
#define ATTR_NONNULL      __attribute__((nonnull))
#define ATTR_UNUSED       __attribute__((unused))
#define ATTR_WARN_UNUSED  __attribute__((warn_unused_result))

#define NELEM(a)  (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* Compile-time paths; configure/Makefile override them. */
#ifndef GANNET_LIBEXECDIR
#define GANNET_LIBEXECDIR "/usr/lib/gannet"
#endif
#ifndef GANNET_SYSCONFDIR
#define GANNET_SYSCONFDIR "/etc/gannet"
#endif
#ifndef GANNET_MAIL_OWNER
#define GANNET_MAIL_OWNER "gannet"
#endif
#ifndef GANNET_VMAIL_OWNER
#define GANNET_VMAIL_OWNER "vmail"
#endif
#ifndef GANNET_VERSION
#define GANNET_VERSION "0.1.0"
#endif

#include "util/banned.h"

#endif /* UTIL_SYS_DEFS_H */

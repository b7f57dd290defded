/*
 * banned.h - string calls that cannot be used safely. Use struct buf
 * (util/buf.h), or memcpy with explicit lengths, instead. Included last by
 * util/sys_defs.h so that system headers that mention these names still
 * compile.
 */
#ifndef UTIL_BANNED_H
#define UTIL_BANNED_H
#pragma GCC poison strcpy strcat sprintf vsprintf gets strtok strncpy strncat
#endif /* UTIL_BANNED_H */

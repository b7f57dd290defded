/*
 * pwhash.h - salted, slow password hashes through libcrypt (libxcrypt).
 *
 * The suite stores passwords only as crypt(3) strings. New hashes use
 * yescrypt ("$y$") unless told otherwise; verification accepts every
 * method libcrypt considers sound, which covers hashes imported from other
 * systems: SHA-512-crypt ("$6$"), bcrypt ("$2b$",
 * "$2y$", "$2a$"), yescrypt and gost-yescrypt. Legacy methods (DES, MD5,
 * SHA-256-crypt, NTHASH, ...) are refused: a user with such a hash must be
 * given a new password.
 *
 * This is the only module that includes <crypt.h>.
 */
#ifndef UTIL_PWHASH_H
#define UTIL_PWHASH_H
#include "util/sys_defs.h"

struct buf;

/* Longest pass phrase libcrypt accepts (CRYPT_MAX_PASSPHRASE_SIZE). */
#define PWHASH_PASSWORD_MAX 512
/* Longest hash string we store or accept. */
#define PWHASH_HASH_MAX 512

/* pwhash_scheme_prefix - the crypt prefix of a scheme name: "yescrypt"
 * -> "$y$", "sha512-crypt" -> "$6$", "bcrypt" -> "$2b$"; NULL when the
 * name is unknown */
const char *pwhash_scheme_prefix(const char *scheme);

/* pwhash_make - hash password with a fresh random salt of the scheme
 * ("yescrypt", "sha512-crypt", "bcrypt") and cost (0: libcrypt's
 * default for the method). The hash is appended to out. Returns 0, or -1
 * with why. */
int pwhash_make(const char *password, const char *scheme, long cost,
    struct buf *out, struct buf *why);

/* pwhash_usable - true when hash is a crypt string of a method this module
 * verifies (see above); why says what is wrong otherwise (may be NULL) */
bool pwhash_usable(const char *hash, struct buf *why);

/* pwhash_verify - true when password matches hash. The comparison of the
 * computed and the stored hash does not stop at the first difference. An
 * unusable hash never matches (but the work is still done against a
 * valid setting, see pwhash_dummy). */
bool pwhash_verify(const char *password, const char *hash);

/* pwhash_dummy - a hash of a random password in the given scheme and
 * cost, made once per process: verify against it when a login names no
 * account, so that unknown and known users take the same time. Returns a
 * string owned by the module; NULL with why when libcrypt failed. */
const char *pwhash_dummy(const char *scheme, long cost, struct buf *why);

#endif /* UTIL_PWHASH_H */

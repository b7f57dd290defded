/*
 * pwhash.c - password hashing and verification over libcrypt (see
 * pwhash.h).
 *
 * struct crypt_data is about 32 KiB, so it lives on the heap and is
 * zeroed after use: it holds the pass phrase while a hash is computed.
 * Salts come from crypt_gensalt_rn() with no random bytes of our own,
 * which makes libcrypt read the kernel's random source itself.
 */
#include "util/sys_defs.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "util/buf.h"
#include "util/pwhash.h"
#include "util/strutil.h"
#include "util/xalloc.h"

static const struct {
	const char *name;
	const char *prefix;
} pwhash_schemes[] = {
    {"yescrypt", "$y$"},
    {"sha512-crypt", "$6$"},
    {"bcrypt", "$2b$"},
};

static char *pwhash_dummy_hash;

/* pwhash_scheme_prefix - crypt prefix of a scheme name */
const char *
pwhash_scheme_prefix(const char *scheme)
{
	for (size_t i = 0; i < NELEM(pwhash_schemes); i++)
		if (strcmp(scheme, pwhash_schemes[i].name) == 0)
			return pwhash_schemes[i].prefix;
	return NULL;
}

/* pwhash_crypt - one crypt_rn() call; the result is copied to out */
static int
pwhash_crypt(const char *password, const char *setting, struct buf *out)
{
	struct crypt_data *cd = xcalloc(1, sizeof(*cd));
	const char *h;
	int ret = -1;

	h = crypt_rn(password, setting, cd, (int)sizeof(*cd));
	/* A failed call returns NULL or a string that starts with '*'. */
	if (h != NULL && h[0] != '*' && strlen(h) < PWHASH_HASH_MAX) {
		buf_sets(out, h);
		ret = 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ret;
}

/* pwhash_make - a new salted hash */
int
pwhash_make(const char *password, const char *scheme, long cost,
    struct buf *out, struct buf *why)
{
	const char *prefix = pwhash_scheme_prefix(scheme);
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct buf *h;

	if (prefix == NULL) {
		buf_printf(why,
		    "unknown password scheme \"%s\" (use yescrypt, "
		    "sha512-crypt or bcrypt)",
		    scheme);
		return -1;
	}
	if (strlen(password) > PWHASH_PASSWORD_MAX) {
		buf_printf(
		    why, "password longer than %d bytes", PWHASH_PASSWORD_MAX);
		return -1;
	}
	if (crypt_gensalt_rn(prefix, (unsigned long)cost, NULL, 0, setting,
	        (int)sizeof(setting))
	    == NULL) {
		buf_printf(why, "%s cost %ld: %m", scheme, cost);
		return -1;
	}
	h = buf_new(128);
	if (pwhash_crypt(password, setting, h) < 0) {
		buf_printf(why, "%s: could not hash the password", scheme);
		buf_free(&h);
		return -1;
	}
	buf_cats(out, buf_cstr(h));
	buf_free(&h);
	return 0;
}

/* pwhash_usable - a sound crypt string */
bool
pwhash_usable(const char *hash, struct buf *why)
{
	size_t len = strlen(hash);

	if (len == 0 || len >= PWHASH_HASH_MAX) {
		if (why)
			buf_printf(why, "empty or overlong password hash");
		return false;
	}
	/* Printable ASCII without white space is all crypt ever writes. */
	for (const char *p = hash; *p; p++) {
		if (*p <= ' ' || *p > '~') {
			if (why)
				buf_printf(why,
				    "bad character in password "
				    "hash");
			return false;
		}
	}
	switch (crypt_checksalt(hash)) {
	case CRYPT_SALT_OK:
	case CRYPT_SALT_TOO_CHEAP:
		/* Cheap but sound; callers may still accept it. */
		break;
	case CRYPT_SALT_METHOD_LEGACY:
		if (why)
			buf_printf(why,
			    "password hash uses a legacy "
			    "method; set a new password");
		return false;
	default:
		if (why)
			buf_printf(why,
			    "not a password hash this system "
			    "supports");
		return false;
	}
	/* crypt_checksalt only looks at the prefix and salt. */
	if (hash[0] != '$') {
		if (why)
			buf_printf(why, "password hash has no $id$ prefix");
		return false;
	}
	return true;
}

/* pwhash_verify - does password match hash */
bool
pwhash_verify(const char *password, const char *hash)
{
	struct buf *h = buf_new(128);
	bool ok = false;

	if (strlen(password) <= PWHASH_PASSWORD_MAX && pwhash_usable(hash, NULL)
	    && pwhash_crypt(password, hash, h) == 0)
		ok = str_consttime_eq(buf_cstr(h), hash);
	else if (pwhash_dummy_hash != NULL)
		/* Spend the same effort as for a real account. */
		(void)pwhash_crypt(password, pwhash_dummy_hash, h);
	buf_free_secret(&h);
	return ok;
}

/* pwhash_dummy - a hash nobody knows the password of */
const char *
pwhash_dummy(const char *scheme, long cost, struct buf *why)
{
	unsigned char rnd[24];
	char pw[2 * sizeof(rnd) + 1];
	struct buf *h;

	if (pwhash_dummy_hash != NULL)
		return pwhash_dummy_hash;
	if (getentropy(rnd, sizeof(rnd)) < 0) {
		buf_printf(why, "getentropy: %m");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(pw + 2 * i, 3, "%02x", rnd[i]);
	h = buf_new(128);
	if (pwhash_make(pw, scheme, cost, h, why) == 0)
		pwhash_dummy_hash = buf_steal(h);
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(rnd, sizeof(rnd));
	buf_free(&h);
	return pwhash_dummy_hash;
}

/*
 * Console accounts (seuil-web, `seuilctl web user`): a name, a role and a
 * yescrypt hash (libxcrypt, Debian's default for /etc/shadow), in the
 * store's web_users table (schema 3).  The password itself is never kept,
 * logged or passed on a command line.
 *
 * The functions take the database path (the caller opened the store once,
 * so the schema is migrated) and use a short connection of their own, and
 * return 0 (or 1/0 for a lookup) and -1 with a message in err.
 */
#ifndef SEUIL_WEBUSER_H
#define SEUIL_WEBUSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>



#define WEBUSER_NAME_MAX	32	/* [A-Za-z0-9_.@-]{1,32} */
#define WEBUSER_PASS_MIN	8
#define WEBUSER_PASS_MAX	256
#define WEBUSER_HASH_MAX	128

enum webuser_role { WEBUSER_ADMIN, WEBUSER_DESK };

struct webuser {
	char			name[WEBUSER_NAME_MAX + 1];
	enum webuser_role	role;
	int64_t			created_ms;
};

const char *webuser_role_name(enum webuser_role r);
/* "admin" or "desk" into *r: 0, or -1. */
int webuser_role_parse(const char *s, enum webuser_role *r);
bool webuser_valid_name(const char *s);
/* Length and printable check of a new password: NULL, or why not. */
const char *webuser_weak(const char *password);

/* A fresh yescrypt hash of password (random salt): 0 or -1. */
int webuser_hash(const char *password, char out[WEBUSER_HASH_MAX], char *err, size_t errlen);
/* Whether password matches hash, in constant time over the hash. */
bool webuser_hash_ok(const char *password, const char *hash);

/* Add (EEXIST-like error if taken), change the password, delete. */
int webuser_add(const char *db, const char *name, enum webuser_role role,
    const char *password, int64_t now_ms, char *err, size_t errlen);
int webuser_passwd(const char *db, const char *name, const char *password,
    char *err, size_t errlen);
int webuser_del(const char *db, const char *name, char *err, size_t errlen);
/* Every account by name; cb returning non-zero stops.  Count or -1. */
int webuser_list(const char *db, int (*cb)(const struct webuser *u, void *arg),
    void *arg, char *err, size_t errlen);

/*
 * Check a login.  1 with *u filled when name and password match, 0 when
 * they do not (an unknown name costs the same hash as a wrong password,
 * so timing does not tell which), -1 on a database error.
 */
int webuser_verify(const char *db, const char *name, const char *password,
    struct webuser *u, char *err, size_t errlen);

#endif

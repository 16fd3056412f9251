/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Console accounts (seuil-web, `seuilctl web user`): a name, a role and a
 * yescrypt hash (libxcrypt, Debian's default for /etc/shadow), in the
 * store's web_users table (schema 3).  The password itself is never kept,
 * logged or passed on a command line.
 *
 * The functions work on the caller's store connection and return 0 (or
 * 1/0 for a lookup) and -1 with a message in err.  Each change is one
 * transaction with its admin_change event by actor ("uid:N(name)" from
 * seuilctl): both are written, or neither.
 */
#ifndef SEUIL_WEBUSER_H
#define SEUIL_WEBUSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "manage.h"
#include "store.h"

#define WEBUSER_NAME_MAX	32	/* [A-Za-z0-9_.@-]{1,32} */
#define WEBUSER_PASS_MIN	8
#define WEBUSER_PASS_MAX	256
#define WEBUSER_HASH_MAX	128

/* member: a member on their own page (core/member_web.h), never an
 * account of web_users. */
enum webuser_role { WEBUSER_ADMIN, WEBUSER_DESK, WEBUSER_MEMBER };

struct webuser {
	char			name[WEBUSER_NAME_MAX + 1];
	enum webuser_role	role;
	int64_t			created_ms;
	int64_t			member_id;	/* WEBUSER_MEMBER: who; else 0 */
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

/* Whether hash looks like a crypt(3) hash ("$y$…"): what seuild accepts
 * from a client, which hashes the password itself (the hash is slow on
 * purpose, and the password never leaves the program it was typed in). */
bool webuser_valid_hash(const char *hash);
/* Add (MANAGE_EEXIST if taken), change the password hash or the role,
 * delete (MANAGE_ENOENT if unknown); each with its admin_change event by
 * actor, in one transaction.  0, or -1 with *err. */
int webuser_add(struct store *st, const char *name, enum webuser_role role,
    const char *hash, int64_t now_ms, const char *actor, struct manage_err *err);
int webuser_passwd(struct store *st, const char *name, const char *hash,
    const char *actor, struct manage_err *err);
int webuser_set_role(struct store *st, const char *name, enum webuser_role role,
    const char *actor, struct manage_err *err);
int webuser_del(struct store *st, const char *name, const char *actor,
    struct manage_err *err);
/* The account of a row of the store. */
struct store_webuser;
void webuser_from_row(const struct store_webuser *r, struct webuser *u);
/* Every account by name; cb returning non-zero stops.  Count or -1. */
int webuser_list(struct store *st, int (*cb)(const struct webuser *u, void *arg),
    void *arg, char *err, size_t errlen);

/*
 * A login in two steps, so that the slow hash runs outside any lock on
 * the store: look the name up (1 with *u and its hash, 0 unknown, -1 on a
 * database error), then check the password.  An unknown name (found
 * false) costs the same hash as a wrong password, so timing does not tell
 * which; it is never a match.
 */
int webuser_lookup(struct store *st, const char *name, struct webuser *u,
    char hash[WEBUSER_HASH_MAX], char *err, size_t errlen);
bool webuser_password_ok(bool found, const char *password, const char *hash);
/*
 * The same for any name the console takes: a console account, else the
 * member of that exact name with an account of their own (active, not
 * erased; role WEBUSER_MEMBER, its hash, which starts with '!' until the
 * member sets a password).  1, 0, -1 as webuser_lookup.
 */
int webuser_lookup_any(struct store *st, const char *name, struct webuser *u,
    char hash[WEBUSER_HASH_MAX], char *err, size_t errlen);
/* The member's account as it is now (for a member's session): 1 with its
 * hash, 0 when gone (no account, disabled, erased), -1. */
int webuser_member_hash(struct store *st, int64_t member_id, char hash[WEBUSER_HASH_MAX],
    char *err, size_t errlen);

#endif

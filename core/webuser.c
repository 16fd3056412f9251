/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Console accounts: yescrypt hashes in the web_users table (webuser.h).
 *
 * Every change runs on the store's connection, in one transaction with
 * its admin_change event: an account is never changed without the audit
 * trail saying who did it, nor the event logged for a change that did not
 * happen.  The hash is made before the transaction (it is slow on
 * purpose), so the write lock is held only for the two inserts.
 */
#include "webuser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage.h"

static const char *const role_names[] = { "admin", "desk", "member" };

const char *
webuser_role_name(enum webuser_role r)
{
	return (unsigned)r < 3 ? role_names[r] : "?";
}

int
webuser_role_parse(const char *s, enum webuser_role *r)
{
	if (strcmp(s, "admin") == 0)
		*r = WEBUSER_ADMIN;
	else if (strcmp(s, "desk") == 0)
		*r = WEBUSER_DESK;
	else
		return -1;
	return 0;
}

bool
webuser_valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= WEBUSER_NAME_MAX && s[0] != '-' && s[0] != '.' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.@-") == n;
}

const char *
webuser_weak(const char *p)
{
	size_t n = strlen(p), i;

	if (n < WEBUSER_PASS_MIN)
		return "password too short (at least 8 characters)";
	if (n > WEBUSER_PASS_MAX)
		return "password too long (at most 256 bytes)";
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return "password holds a control character";
	return NULL;
}

/*
 * Run change (one of the store_webuser_* writes, through the callback)
 * and its admin_change event in one transaction.  change returns 1 done,
 * 0 no such account, -1.
 */
static int
audited(struct store *st, const char *actor, const char *name, struct manage_err *err,
    int (*change)(struct store *, const void *), const void *arg, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

static int
audited(struct store *st, const char *actor, const char *name, struct manage_err *err,
    int (*change)(struct store *, const void *), const void *arg, const char *fmt, ...)
{
	char detail[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "web users");
	if ((rc = change(st, arg)) == 1 && manage_audit(st, actor, 0, 0, "%s", detail) != -1 &&
	    store_commit(st) != -1)
		return 0;
	if (rc == 0)
		manage_fail(err, MANAGE_ENOENT, "no console user '%s'", name);
	else
		manage_store_fail(st, err, rc == -1 ? "web users" : "web users: audit event");
	store_rollback(st);
	return -1;
}

static int
do_add(struct store *st, const void *arg)
{
	return store_webuser_add(st, arg) == -1 ? -1 : 1;
}

struct set_field {
	const char	*name;
	const char	*value;
};

static int
do_set_hash(struct store *st, const void *arg)
{
	const struct set_field *h = arg;

	return store_webuser_set_hash(st, h->name, h->value);
}

static int
do_set_role(struct store *st, const void *arg)
{
	const struct set_field *r = arg;

	return store_webuser_set_role(st, r->name, r->value);
}

static int
do_del(struct store *st, const void *arg)
{
	return store_webuser_del(st, arg);
}

bool
webuser_valid_hash(const char *hash)
{
	size_t n = strlen(hash);

	/* A crypt(3) string: "$id$…", printable, no blank. */
	return n > 3 && n < WEBUSER_HASH_MAX && hash[0] == '$' &&
	    strspn(hash, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789$./=+,_-") == n;
}

static int
check_name_hash(const char *name, const char *hash, struct manage_err *err)
{
	if (!webuser_valid_name(name))
		return manage_fail(err, MANAGE_EINVAL, "bad console user name (1 to %d of "
		    "A-Z a-z 0-9 _ . @ -)", WEBUSER_NAME_MAX);
	if (hash != NULL && !webuser_valid_hash(hash))
		return manage_fail(err, MANAGE_EINVAL, "not a password hash");
	return 0;
}

int
webuser_add(struct store *st, const char *name, enum webuser_role role, const char *hash,
    int64_t now_ms, const char *actor, struct manage_err *err)
{
	struct store_webuser u;
	int rc;

	if (check_name_hash(name, hash, err) == -1)
		return -1;
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", webuser_role_name(role));
	snprintf(u.hash, sizeof(u.hash), "%s", hash);
	u.created_ms = now_ms;
	rc = audited(st, actor, name, err, do_add, &u, "web user add %s %s", name,
	    webuser_role_name(role));
	if (rc == -1 && err->status == MANAGE_EEXIST)
		manage_fail(err, MANAGE_EEXIST, "console user '%s' exists already", name);
	explicit_bzero(u.hash, sizeof(u.hash));
	return rc;
}

int
webuser_passwd(struct store *st, const char *name, const char *hash, const char *actor,
    struct manage_err *err)
{
	struct set_field h = { name, hash };

	if (check_name_hash(name, hash, err) == -1)
		return -1;
	return audited(st, actor, name, err, do_set_hash, &h, "web user passwd %s", name);
}

int
webuser_set_role(struct store *st, const char *name, enum webuser_role role,
    const char *actor, struct manage_err *err)
{
	struct set_field r = { name, webuser_role_name(role) };

	if (check_name_hash(name, NULL, err) == -1)
		return -1;
	return audited(st, actor, name, err, do_set_role, &r, "web user role %s %s", name,
	    webuser_role_name(role));
}

int
webuser_del(struct store *st, const char *name, const char *actor, struct manage_err *err)
{
	if (check_name_hash(name, NULL, err) == -1)
		return -1;
	return audited(st, actor, name, err, do_del, name, "web user del %s", name);
}

void
webuser_from_row(const struct store_webuser *r, struct webuser *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", r->name);
	u->role = strcmp(r->role, "admin") == 0 ? WEBUSER_ADMIN : WEBUSER_DESK;
	u->created_ms = r->created_ms;
}

struct list_ctx {
	int	(*cb)(const struct webuser *, void *);
	void	*arg;
};

static int
list_cb(const struct store_webuser *r, void *arg)
{
	struct list_ctx *x = arg;
	struct webuser u;

	webuser_from_row(r, &u);
	return x->cb(&u, x->arg);
}

/* err from the store's message, prefixed with what was tried. */
static void
store_err(struct store *st, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, store_errmsg(st));
}

int
webuser_list(struct store *st, int (*cb)(const struct webuser *, void *), void *arg,
    char *err, size_t errlen)
{
	struct list_ctx x = { cb, arg };
	int n;

	if ((n = store_webusers_list(st, list_cb, &x)) == -1)
		store_err(st, "web users", err, errlen);
	return n;
}


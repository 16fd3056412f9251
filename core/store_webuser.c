/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Console accounts in the store (store.h): plain rows, read and written on
 * the store's connection so that core/webuser.c can put an account change
 * and its admin_change event in one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "store_private.h"

int
store_webuser_add(struct store *st, const struct store_webuser *u)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "INSERT INTO web_users (name, role, hash, created)"
	    " VALUES (?1, ?2, ?3, ?4)", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, u->created_ms);
	rc = store_run(st, s, "add console user");
	sqlite3_finalize(s);
	if (rc == -1 && st->errcode == STORE_EEXIST)
		store_seterr(st, STORE_EEXIST, "console user '%s' exists already", u->name);
	return rc;
}

/* Run a one-row write keyed by name (?1) and maybe a text (?2): 1 when a
 * row changed, 0 when none did, -1. */
static int
by_name(struct store *st, const char *sql, const char *name, const char *text,
    const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, sql, &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	if (text != NULL)
		sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
	rc = store_run(st, s, what);
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_webuser_set_hash(struct store *st, const char *name, const char *hash)
{
	return by_name(st, "UPDATE web_users SET hash = ?2 WHERE name = ?1", name, hash,
	    "console user password");
}

int
store_webuser_set_role(struct store *st, const char *name, const char *role)
{
	return by_name(st, "UPDATE web_users SET role = ?2 WHERE name = ?1", name, role,
	    "console user role");
}

int
store_webuser_del(struct store *st, const char *name)
{
	return by_name(st, "DELETE FROM web_users WHERE name = ?1", name, NULL,
	    "delete console user");
}

static void
read_row(sqlite3_stmt *s, struct store_webuser *u, bool hash)
{
	memset(u, 0, sizeof(*u));
	store_text(u->name, sizeof(u->name), s, 0);
	store_text(u->role, sizeof(u->role), s, 1);
	u->created_ms = sqlite3_column_int64(s, 2);
	if (hash)
		store_text(u->hash, sizeof(u->hash), s, 3);
}

struct get_ctx {
	struct store_webuser	*u;
	int			(*cb)(const struct store_webuser *, void *);
	void			*arg;
};

static int
get_row(sqlite3_stmt *s, void *arg)
{
	struct get_ctx *g = arg;

	read_row(s, g->u, true);
	return 1;
}

int
store_webuser_get(struct store *st, const char *name, struct store_webuser *u)
{
	struct get_ctx g = { .u = u };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT name, role, created, hash FROM web_users"
	    " WHERE name = ?1", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	n = store_each(st, s, get_row, &g, "console user");
	sqlite3_finalize(s);
	return n;
}

static int
list_row(sqlite3_stmt *s, void *arg)
{
	struct get_ctx *g = arg;
	struct store_webuser u;

	read_row(s, &u, false);
	return g->cb(&u, g->arg) != 0 ? 1 : 0;
}

int
store_webusers_list(struct store *st,
    int (*cb)(const struct store_webuser *u, void *arg), void *arg)
{
	struct get_ctx g = { .cb = cb, .arg = arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT name, role, created FROM web_users ORDER BY name",
	    &s) == -1)
		return -1;
	n = store_each(st, s, list_row, &g, "console users");
	sqlite3_finalize(s);
	return n;
}

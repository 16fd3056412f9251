/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A site of several Pis, as the store sees it (store.h, "A site"): the
 * store's role, and the refusal that a replica's triggers raise.
 */
#include "store_private.h"

#include <stdio.h>
#include <string.h>

#include "schema.h"

/* A replica's trigger refused a write (schema.c): say where the change
 * belongs.  Returns -1. */
int
store_replica_refused(struct store *st)
{
	char primary[CONFIG_NAME_MAX + 1] = "";
	bool replica;

	if (store_site_role(st, &replica, primary, sizeof(primary)) == -1 || primary[0] == '\0')
		snprintf(primary, sizeof(primary), "?");
	store_seterr(st, STORE_EREPLICA, "this node is a replica: members, badges, groups "
	    "and schedules are changed on the site's primary, '%s'", primary);
	return -1;
}

int
store_site_role(struct store *st, bool *replica, char *primary, size_t len)
{
	char role[16];
	int rc;

	*replica = false;
	if (len > 0)
		primary[0] = '\0';
	if ((rc = store_meta_get(st, STORE_META_ROLE, role, sizeof(role))) == -1)
		return -1;
	*replica = rc == 1 && strcmp(role, "replica") == 0;
	if (*replica && len > 0 && store_meta_get(st, STORE_META_PRIMARY, primary, len) == -1)
		return -1;
	return 0;
}

int
store_site_set_role(struct store *st, bool replica, const char *primary)
{
	if (store_begin(st) == -1)
		return -1;
	if (replica) {
		if (store_meta_set(st, STORE_META_ROLE, "replica") == -1 ||
		    store_meta_set(st, STORE_META_PRIMARY, primary) == -1)
			goto fail;
	} else if (store_exec(st, "DELETE FROM meta WHERE key IN ('" STORE_META_ROLE "', '"
	    STORE_META_PRIMARY "')", "site role") == -1) {
		goto fail;
	}
	return store_commit(st);
fail:
	store_abort(st);
	return -1;
}

int
store_acl_pruned(struct store *st, int64_t base)
{
	sqlite3_stmt *s;
	int64_t first = 0;
	int n;

	st->errcode = STORE_OK;
	if (store_prepare(st, "SELECT ifnull(min(id), 0) FROM acl_log", &s) == -1)
		return -1;
	n = store_each(st, s, store_row_int64, &first, "change log");
	sqlite3_finalize(s);
	if (n == -1)
		return -1;
	return first > base + 1 ? 1 : 0;
}

int64_t
store_acl_rev(struct store *st)
{
	sqlite3_stmt *s;
	int64_t rev = 0;
	int n;

	/* The sequence, not max(id): the log is pruned below it. */
	if (store_prepare(st, "SELECT seq FROM sqlite_sequence WHERE name = 'acl_log'",
	    &s) == -1)
		return -1;
	n = store_each(st, s, store_row_int64, &rev, "change log revision");
	sqlite3_finalize(s);
	return n == -1 ? -1 : rev;
}

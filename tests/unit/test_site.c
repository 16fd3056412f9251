/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A site of several Pis, as the store keeps it: roles and the change log. */
#include <stdlib.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"
#include "store.h"
#include "testhelp.h"

static char dir[] = "/tmp/seuil-test-site.XXXXXX";
static char dbpath[256];

static struct store *
open_fresh(const char *name)
{
	char err[512];
	struct store *st;

	snprintf(dbpath, sizeof(dbpath), "%s/%s", dir, name);
	st = store_open(dbpath, STORE_CREATE, err, sizeof(err));
	if (st == NULL)
		printf("# store_open: %s\n", err);
	return st;
}

static int64_t
add_member(struct store *st, const char *name)
{
	struct member_row m;

	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	m.active = true;
	return store_member_add(st, &m, 1000);
}

static void
mac_of(int n, uint8_t mac[UID_MAC_LEN])
{
	memset(mac, n, UID_MAC_LEN);
}

/* The rows of acl_log after id, as "kind:ref kind:ref". */
static void
acl_log(const char *path, int64_t after, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	size_t n = 0;

	out[0] = '\0';
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return;
	if (sqlite3_prepare_v2(db, "SELECT kind, ref FROM acl_log WHERE id > ?1 ORDER BY id",
	    -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, after);
		while (sqlite3_step(s) == SQLITE_ROW && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s:%lld", n ? " " : "",
			    sqlite3_column_text(s, 0), (long long)sqlite3_column_int64(s, 1));
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
}

static int64_t
acl_max(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT ifnull(max(id), 0) FROM acl_log", -1, &s,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/*
 * On a primary (or a single Pi), every change to what a door decides on
 * is logged, by whatever writes it, in its own transaction; a badge's
 * last use (written by every grant) is not.
 */
static void
test_change_log(void)
{
	struct store *st = open_fresh("primary.db");
	struct schedule_window w = { 0x1f, 480, 1200 };
	uint8_t mac[UID_MAC_LEN];
	char log[512];
	int64_t alice, badge, group, before;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	group = store_group_add(st, "night");
	EXPECT(store_member_add_group(st, alice, group) == 0);
	EXPECT(store_schedule_set(st, group, &w, 1) == 0);
	mac_of(1, mac);
	badge = store_badge_add(st, alice, mac, "0101", NULL, 1000);
	EXPECT(badge > 0);
	acl_log(dbpath, 0, log, sizeof(log));
	EXPECT_STR(log, "member:1 group:1 member:1 group:1 badge:1");

	before = acl_max(dbpath);
	EXPECT(store_badge_seen(st, badge, 2000) == 0);
	EXPECT_INT(acl_max(dbpath), before);
	EXPECT(store_badge_revoke(st, badge) == 1);
	EXPECT(store_member_set_active(st, alice, false) == 0);
	acl_log(dbpath, before, log, sizeof(log));
	EXPECT_STR(log, "badge:1 member:1");
	store_close(st);
}

/*
 * A replica's store refuses every write to the member data, through the
 * store's own calls (STORE_EREPLICA, naming the primary) and through any
 * other connection; what is the node's own (events, visits, a badge's
 * last use) is written as before, and nothing is logged.
 */
static void
test_replica_refuses(void)
{
	struct store *st = open_fresh("replica.db");
	struct schedule_window w = { 0x1f, 480, 1200 };
	struct event ev = { .type = "access_granted", .door = "front", .ts_ms = 5 };
	uint8_t mac[UID_MAC_LEN];
	struct member_row m;
	bool replica;
	char primary[40], *errmsg = NULL;
	int64_t alice, badge, group, before;
	sqlite3 *db;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	group = store_group_add(st, "night");
	mac_of(2, mac);
	badge = store_badge_add(st, alice, mac, "0202", NULL, 1000);
	EXPECT(store_site_set_role(st, true, "hall") == 0);
	EXPECT(store_site_role(st, &replica, primary, sizeof(primary)) == 0);
	EXPECT(replica);
	EXPECT_STR(primary, "hall");
	before = acl_max(dbpath);

	EXPECT(add_member(st, "bob") == -1);
	EXPECT_INT(store_errcode(st), STORE_EREPLICA);
	EXPECT(strstr(store_errmsg(st), "'hall'") != NULL);
	EXPECT(store_badge_revoke(st, badge) == -1);
	EXPECT_INT(store_errcode(st), STORE_EREPLICA);
	EXPECT(store_group_add(st, "day") == -1);
	EXPECT(store_member_add_group(st, alice, group) == -1);
	EXPECT(store_schedule_set(st, group, &w, 1) == -1);
	EXPECT_INT(store_errcode(st), STORE_EREPLICA);
	EXPECT(store_member_erase(st, alice, 3000) == -1);
	EXPECT_INT(store_member_get(st, alice, &m), 1);
	EXPECT_STR(m.name, "alice");

	EXPECT(store_badge_seen(st, badge, 4000) == 0);
	EXPECT(store_append_event(st, &ev) > 0);
	EXPECT(store_visit_open(st, alice, "front", 5) > 0);
	EXPECT_INT(acl_max(dbpath), before);

	/* Another program, with its own connection, is refused the same. */
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	EXPECT(sqlite3_exec(db, "UPDATE badges SET status = 'active'", NULL, NULL,
	    &errmsg) != SQLITE_OK);
	EXPECT(errmsg != NULL && strcmp(errmsg, SCHEMA_REPLICA_REFUSAL) == 0);
	sqlite3_free(errmsg);
	EXPECT(sqlite3_exec(db, "DELETE FROM members", NULL, NULL, NULL) != SQLITE_OK);
	sqlite3_close(db);

	/* A primary again (seuilctl site promote): writable and logged. */
	EXPECT(store_site_set_role(st, false, NULL) == 0);
	EXPECT(add_member(st, "bob") > 0);
	EXPECT(acl_max(dbpath) > before);
	store_close(st);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_change_log);
	RUN(test_replica_refuses);
	if (getenv("KEEP") == NULL) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"
#include "store.h"
#include "testhelp.h"

static char dir[] = "/tmp/seuil-test-store.XXXXXX";
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
mac_of(const char *hex, uint8_t mac[UID_MAC_LEN])
{
	uint8_t key[UID_KEY_LEN];
	struct uid u;
	char err[64];

	memset(key, 0x5a, sizeof(key));
	if (uid_parse(hex, &u, err, sizeof(err)) == -1)
		abort();
	uid_mac(key, &u, mac);
}

static void
test_open_missing(void)
{
	char err[512], path[300];

	snprintf(path, sizeof(path), "%s/nothere.db", dir);
	EXPECT(store_open(path, 0, err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "seuilctl init") != NULL);
	EXPECT(access(path, F_OK) == -1);
}

static int
keep_event(const struct event_row *ev, void *arg)
{
	*(struct event_row *)arg = *ev;
	return 0;
}

/*
 * A database made by seuil 0.1.0 (schema 1, tests/fixtures/schema/v1.db:
 * alice with a badge and a group schedule, one grant) opens migrated to the
 * current schema with nothing lost, and takes staff events with an actor.
 */
static void
test_migrate_from_v1(void)
{
	struct event ev = { .type = "admin_change", .detail = "member add bob",
	    .actor = "uid:0(root)", .ts_ms = 1, .mono_ms = 1 };
	struct event_row row;
	struct member_row m;
	char cmd[600], err[512];
	struct store *st;

	snprintf(dbpath, sizeof(dbpath), "%s/v1.db", dir);
	snprintf(cmd, sizeof(cmd), "cp tests/fixtures/schema/v1.db %s", dbpath);
	EXPECT(system(cmd) == 0);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL) {
		printf("# %s\n", err);
		return;
	}
	EXPECT_INT(store_schema_version(st), schema_latest());
	EXPECT_INT(store_member_find(st, "alice", &m), 1);
	EXPECT_STR(m.display_name, "Alice");
	EXPECT_INT(store_events_after(st, 0, 0, keep_event, &row), 1);
	EXPECT_STR(row.type, "access_granted");
	EXPECT_STR(row.actor, "");
	EXPECT(store_append_event(st, &ev) == 2);
	EXPECT_INT(store_events_after(st, 1, 0, keep_event, &row), 1);
	EXPECT_STR(row.actor, "uid:0(root)");
	EXPECT_STR(row.detail, "member add bob");
	store_close(st);
}

static void
test_migrations_idempotent(void)
{
	struct store *st = open_fresh("migr.db");
	struct member_row m;
	char err[512];
	struct stat sb;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_schema_version(st), schema_latest());
	EXPECT(add_member(st, "alice") > 0);
	store_close(st);
	EXPECT(stat(dbpath, &sb) == 0 && (sb.st_mode & 077) == 040);

	/* Reopening (with or without CREATE) keeps data and version. */
	st = store_open(dbpath, STORE_CREATE, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_schema_version(st), schema_latest());
	EXPECT_INT(store_member_find(st, "alice", &m), 1);
	store_close(st);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st != NULL);
	EXPECT_INT(store_member_find(st, "alice", &m), 1);
	store_close(st);
	st = store_open(dbpath, STORE_READONLY, err, sizeof(err));
	EXPECT(st != NULL);
	EXPECT_INT(store_member_find(st, "alice", &m), 1);
	store_close(st);
	store_close(NULL);
}

static void
test_newer_schema_refused(void)
{
	struct store *st = open_fresh("newer.db");
	sqlite3 *db;
	char err[512];

	store_close(st);
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	EXPECT(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	EXPECT(store_open(dbpath, 0, err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "newer") != NULL);
}

/* Run sql on the closed store at dbpath with SQLite alone, as someone who
 * crafts a file would. */
static int
craft(const char *sql)
{
	sqlite3 *db;
	int rc;

	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc == SQLITE_OK ? 0 : -1;
}

/*
 * A file whose schema is not exactly that of its version is refused, read-
 * write and read-only: an extra trigger (the attack of a crafted backup:
 * one that turns an unknown card into a member's badge), view or index, and
 * a table whose definition was changed.
 */
static void
test_crafted_schema_refused(void)
{
	static const struct {
		const char *sql, *says;
	} cases[] = {
		{ "CREATE TRIGGER adopt AFTER INSERT ON events"
		  " WHEN new.type = 'access_denied' BEGIN"
		  " INSERT INTO badges (member_id, uid_mac) VALUES (1, new.uid_mac);"
		  " END", "unexpected trigger 'adopt' on 'events'" },
		{ "CREATE TRIGGER keep AFTER UPDATE OF status ON badges BEGIN"
		  " UPDATE badges SET status = 'active' WHERE id = new.id; END",
		  "unexpected trigger 'keep' on 'badges'" },
		{ "CREATE VIEW v AS SELECT * FROM members", "unexpected view 'v'" },
		{ "CREATE INDEX extra ON members(email)", "unexpected index 'extra'" },
		{ "ANALYZE", "unexpected table 'sqlite_stat1'" },
		{ "DROP TABLE web_users; CREATE TABLE web_users (name TEXT PRIMARY KEY,"
		  " role TEXT, hash TEXT, created INTEGER)",
		  "table 'web_users' differs from schema version" },
		{ "DROP INDEX events_ts", "index 'events_ts' of schema version" },
	};
	struct store *st;
	char err[512], name[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "crafted%zu.db", i);
		st = open_fresh(name);
		EXPECT(st != NULL);
		EXPECT(add_member(st, "alice") > 0);
		store_close(st);
		EXPECT(craft(cases[i].sql) == 0);
		err[0] = '\0';
		st = store_open(dbpath, 0, err, sizeof(err));
		EXPECT(st == NULL);
		store_close(st);
		if (strstr(err, cases[i].says) == NULL)
			printf("#   case %zu: '%s', expected '%s'\n", i, err, cases[i].says);
		EXPECT(strstr(err, cases[i].says) != NULL);
		EXPECT(strstr(err, "refused") != NULL);
		st = store_open(dbpath, STORE_READONLY, err, sizeof(err));
		EXPECT(st == NULL);
		store_close(st);
		EXPECT(strstr(err, cases[i].says) != NULL);
	}
}

/* A crafted file of an older version is refused before anything runs on
 * it: not migrated, no copy made beside it. */
static void
test_crafted_old_schema_not_migrated(void)
{
	char cmd[600], err[512];
	struct store *st;
	sqlite3 *db;
	sqlite3_stmt *s;
	int version = -1;

	snprintf(dbpath, sizeof(dbpath), "%s/v1-crafted.db", dir);
	snprintf(cmd, sizeof(cmd), "cp tests/fixtures/schema/v1.db %s", dbpath);
	EXPECT(system(cmd) == 0);
	EXPECT(craft("CREATE TRIGGER t AFTER INSERT ON events BEGIN"
	    " UPDATE badges SET status = 'active'; END") == 0);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st == NULL);
	store_close(st);
	EXPECT(strstr(err, "unexpected trigger 't'") != NULL);
	EXPECT(strstr(err, "schema version 1") != NULL);
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	EXPECT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	EXPECT_INT(version, 1);
	snprintf(cmd, sizeof(cmd), "ls %s | grep -q '^v1-crafted.db.pre-'", dir);
	EXPECT(system(cmd) != 0);
}

/* Root migrating another user's store (the package's `seuilctl init` on
 * an upgrade, the store being seuil's) leaves the copy it makes before the
 * migration to the store's owner, not to root.  Needs root to chown: said
 * and passed elsewhere. */
static void
test_migration_copy_keeps_owner(void)
{
	char cmd[600], err[512], copy[600] = "";
	struct store *st;
	struct stat sb;
	FILE *f;

	if (geteuid() != 0) {
		printf("# not root: the copy's owner is not checked\n");
		return;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/owned.db", dir);
	snprintf(cmd, sizeof(cmd), "cp tests/fixtures/schema/v2.db %s && chown 12345:12346 %s",
	    dbpath, dbpath);
	EXPECT(system(cmd) == 0);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL) {
		printf("# %s\n", err);
		return;
	}
	store_close(st);
	snprintf(cmd, sizeof(cmd), "ls -d %s/owned.db.pre-v* 2>/dev/null", dir);
	if ((f = popen(cmd, "r")) != NULL) {
		if (fgets(copy, sizeof(copy), f) != NULL)
			copy[strcspn(copy, "\n")] = '\0';
		pclose(f);
	}
	EXPECT(copy[0] != '\0');
	EXPECT(lstat(copy, &sb) == 0);
	EXPECT_INT(sb.st_uid, 12345);
	EXPECT_INT(sb.st_gid, 12346);
	EXPECT_INT(sb.st_mode & 0777, 0600);
}

static void
test_pragmas(void)
{
	struct store *st = open_fresh("pragmas.db");
	sqlite3 *db;
	sqlite3_stmt *s;

	EXPECT(st != NULL);
	store_close(st);
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	EXPECT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL) == SQLITE_OK);
	EXPECT(sqlite3_step(s) == SQLITE_ROW);
	EXPECT_STR((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/*
 * store_checkpoint_manual: no commit runs SQLite's automatic checkpoint
 * (at 1000 frames, inside a commit); store_checkpoint_passive does it.
 */
static void
test_checkpoint_manual(void)
{
	struct store *st = open_fresh("checkpoint.db");
	char v[32], wal[300];
	struct stat sb;
	int i;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	store_checkpoint_manual(st);
	for (i = 0; i < 1200; i++) {
		snprintf(v, sizeof(v), "%d", i);
		EXPECT_INT(store_meta_set(st, "k", v), 0);
	}
	/* One frame a commit, none copied: the WAL was never restarted. */
	EXPECT(store_wal_pending(st) >= 1200);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	EXPECT(stat(wal, &sb) == 0 && sb.st_size >= 1200 * (4096 + 24));
	EXPECT_INT(store_checkpoint_passive(st), 0);
	EXPECT_INT(store_wal_pending(st), 0);
	/* Copied: the next commit starts the WAL again. */
	EXPECT_INT(store_meta_set(st, "k", "again"), 0);
	EXPECT(store_wal_pending(st) > 0 && store_wal_pending(st) < 10);
	EXPECT_INT(store_meta_get(st, "k", v, sizeof(v)), 1);
	EXPECT_STR(v, "again");
	store_close(st);
}

/* The schema version of dbpath, read by a connection of its own. */
static int
schema_version(void)
{
	sqlite3_stmt *s;
	sqlite3 *db;
	int v = -1;

	if (sqlite3_open(dbpath, &db) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return v;
}

/* After a complete checkpoint, store_wal_restart starts the WAL again
 * itself: the next commit then appends to it rather than writing (and
 * syncing) a new header first. */
static void
test_wal_restart(void)
{
	struct store *st = open_fresh("restart.db");
	char before[24], after[24], next[24], v[32];
	int version, i;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	version = schema_version();
	EXPECT(version > 0);
	store_checkpoint_manual(st);
	for (i = 0; i < 20; i++)
		EXPECT_INT(store_meta_set(st, "k", "v"), 0);
	EXPECT_INT(store_checkpoint_passive(st), 0);
	th_wal_header(dbpath, before);
	EXPECT_INT(store_wal_restart(st), 0);
	th_wal_header(dbpath, after);
	EXPECT(memcmp(before, after, 24) != 0);
	EXPECT_INT(store_wal_pending(st), 1);
	EXPECT_INT(store_meta_set(st, "k", "w"), 0);
	th_wal_header(dbpath, next);
	EXPECT(memcmp(after, next, 24) == 0);
	EXPECT_INT(store_wal_pending(st), 2);
	/* Without it, the commit after a checkpoint is the one that
	 * restarts (what the writer's idle restart saves a tap). */
	EXPECT_INT(store_checkpoint_passive(st), 0);
	EXPECT_INT(store_meta_set(st, "k", "x"), 0);
	th_wal_header(dbpath, next);
	EXPECT(memcmp(after, next, 24) != 0);
	EXPECT_INT(store_meta_get(st, "k", v, sizeof(v)), 1);
	EXPECT_STR(v, "x");
	/* Nothing changed: the schema version is the one it was. */
	EXPECT_INT(schema_version(), version);
	store_close(st);
}

static void
test_find_badge(void)
{
	struct store *st = open_fresh("badge.db");
	uint8_t mac[UID_MAC_LEN], other[UID_MAC_LEN];
	struct badge_row b;
	struct member_row m;
	int64_t alice, bid, bid2;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	mac_of("04A1B2C3", mac);
	mac_of("04A1B2C4", other);
	bid = store_badge_add(st, alice, BADGE_UID, mac, "B2C3", "blue fob", 2000);
	EXPECT(bid > 0);

	EXPECT_INT(store_find_badge(st, BADGE_UID, mac, &b, &m), 1);
	EXPECT_INT(b.id, bid);
	EXPECT_INT(b.member_id, alice);
	EXPECT(b.active);
	EXPECT_STR(b.hint, "B2C3");
	EXPECT_STR(b.label, "blue fob");
	EXPECT_INT(b.created_ms, 2000);
	EXPECT_INT(b.last_seen_ms, 0);
	EXPECT_STR(m.name, "alice");
	EXPECT(m.active);

	EXPECT_INT(store_find_badge(st, BADGE_UID, other, &b, &m), 0);

	/* Duplicate MAC: refused, naming the existing badge. */
	EXPECT_INT(store_badge_add(st, alice, BADGE_UID, mac, "B2C3", NULL, 3000), -1);
	EXPECT_INT(store_errcode(st), STORE_EEXIST);
	EXPECT(strstr(store_errmsg(st), "already") != NULL);

	/* Unknown member: refused by the foreign key. */
	EXPECT_INT(store_badge_add(st, 999, BADGE_UID, other, "B2C4", NULL, 3000), -1);

	EXPECT_INT(store_badge_seen(st, bid, 5000), 0);
	EXPECT_INT(store_badge_revoke(st, bid), 1);
	EXPECT_INT(store_badge_revoke(st, 4242), 0);
	/* Revoked is still found: the policy decides. */
	EXPECT_INT(store_find_badge(st, BADGE_UID, mac, &b, &m), 1);
	EXPECT(!b.active);
	EXPECT_INT(b.last_seen_ms, 5000);

	/* Disabled member still found, marked. */
	bid2 = store_badge_add(st, alice, BADGE_UID, other, "B2C4", NULL, 3000);
	EXPECT(bid2 > 0);
	EXPECT_INT(store_member_set_active(st, alice, false), 0);
	EXPECT_INT(store_find_badge(st, BADGE_UID, other, &b, &m), 1);
	EXPECT(b.active);
	EXPECT(!m.active);
	EXPECT_INT(store_badge_get(st, bid2, &b), 1);
	EXPECT_INT(store_badge_get(st, 777, &b), 0);
	store_close(st);
}

/* A DESFire badge is found by its credential's MAC, and only as a DESFire
 * badge: the same bytes as a UID's MAC find nothing (a UID never matches a
 * DESFire badge), and a UID badge is not found as a DESFire one. */
static void
test_badge_kinds(void)
{
	struct store *st = open_fresh("kinds.db");
	uint8_t key[UID_KEY_LEN], cred[UID_CREDENTIAL_LEN], cmac[UID_MAC_LEN], umac[UID_MAC_LEN];
	struct badge_row b;
	struct member_row m;
	int64_t alice, d, u;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice-kinds");
	memset(key, 0x42, sizeof(key));
	memset(cred, 0x17, sizeof(cred));
	uid_credential_mac(key, cred, cmac);
	mac_of("04112233445566", umac);
	d = store_badge_add(st, alice, BADGE_DESFIRE, cmac, "5566", "card", 1000);
	EXPECT(d > 0);
	EXPECT_INT(store_find_badge(st, BADGE_DESFIRE, cmac, &b, &m), 1);
	EXPECT_INT(b.id, d);
	EXPECT_INT(b.kind, BADGE_DESFIRE);
	EXPECT_STR(m.name, "alice-kinds");
	EXPECT_INT(store_find_badge(st, BADGE_UID, cmac, &b, &m), 0);
	EXPECT_INT(store_badge_get(st, d, &b), 1);
	EXPECT_INT(b.kind, BADGE_DESFIRE);
	EXPECT_STR(store_badge_kind_name(b.kind), "desfire");

	u = store_badge_add(st, alice, BADGE_UID, umac, "5566", NULL, 1000);
	EXPECT(u > 0);
	EXPECT_INT(store_find_badge(st, BADGE_DESFIRE, umac, &b, &m), 0);
	EXPECT_INT(store_find_badge(st, BADGE_UID, umac, &b, &m), 1);
	EXPECT_INT(b.kind, BADGE_UID);
	/* One MAC, one badge, whatever its kind. */
	EXPECT_INT(store_badge_add(st, alice, BADGE_UID, cmac, "5566", NULL, 1000), -1);
	EXPECT_INT(store_errcode(st), STORE_EEXIST);
	store_close(st);
}


static int
count_cb(const struct event_row *e, void *arg)
{
	int64_t *last = arg;

	if (e->seq <= *last)
		printf("# events out of order\n");
	*last = e->seq;
	return 0;
}

static void
test_event_seq(void)
{
	struct store *st = open_fresh("events.db");
	struct event ev = { .type = "door_open", .door = "front", .ts_ms = 100 };
	int64_t s1, s2, s3, s4, last = 0;
	sqlite3 *db;
	char err[512];

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_last_seq(st), 0);
	s1 = store_append_event(st, &ev);
	s2 = store_append_event(st, &ev);
	s3 = store_append_event(st, &ev);
	EXPECT(s1 > 0 && s2 == s1 + 1 && s3 == s2 + 1);
	EXPECT_INT(store_last_seq(st), s3);
	store_close(st);

	/* Delete the newest rows behind the store's back (as purge would):
	 * the next seq is still new. */
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	EXPECT(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_last_seq(st), s3);
	s4 = store_append_event(st, &ev);
	EXPECT(s4 > s3);

	ev.type = NULL;
	EXPECT_INT(store_append_event(st, &ev), -1);
	ev.type = "";
	EXPECT_INT(store_append_event(st, &ev), -1);

	ev.type = "arrival";
	store_append_event(st, &ev);
	store_append_event(st, &ev);
	EXPECT_INT(store_events_after(st, 0, 0, count_cb, &last), 3);
	last = 0;
	EXPECT_INT(store_events_after(st, s4, 1, count_cb, &last), 1);
	EXPECT_INT(last, s4 + 1);
	store_close(st);
}

static int
collect_cb(const struct event_row *e, void *arg)
{
	struct event_row *rows = arg;
	int i;

	for (i = 0; rows[i].seq != 0; i++)
		;
	if (i < 15)
		rows[i] = *e;
	return 0;
}

static void
test_event_fields_and_query(void)
{
	struct store *st = open_fresh("query.db");
	uint8_t mac[UID_MAC_LEN];
	struct event ev;
	struct event_row rows[16];
	struct event_filter f;
	int64_t alice, bob;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	bob = add_member(st, "bob");
	mac_of("04A1B2C3", mac);
	memset(&ev, 0, sizeof(ev));
	ev.type = "access_granted";
	ev.door = "front";
	ev.reader = "front-in";
	ev.member_id = alice;
	ev.badge_id = 7;
	ev.uid_mac = mac;
	ev.ts_ms = 1000;
	ev.mono_ms = 55;
	ev.clock_synced = true;
	store_append_event(st, &ev);
	ev.type = "access_denied";
	ev.reason = "unknown_badge";
	ev.member_id = 0;
	ev.badge_id = 0;
	ev.ts_ms = 2000;
	ev.door = "back";
	store_append_event(st, &ev);
	memset(&ev, 0, sizeof(ev));
	ev.type = "arrival";
	ev.member_id = bob;
	ev.door = "front";
	ev.ts_ms = 3000;
	store_append_event(st, &ev);

	memset(rows, 0, sizeof(rows));
	memset(&f, 0, sizeof(f));
	EXPECT_INT(store_events_query(st, &f, collect_cb, rows), 3);
	EXPECT_STR(rows[0].type, "access_granted");
	EXPECT_STR(rows[0].reader, "front-in");
	EXPECT_INT(rows[0].member_id, alice);
	EXPECT_INT(rows[0].badge_id, 7);
	EXPECT_INT(rows[0].mono_ms, 55);
	EXPECT(rows[0].clock_synced);
	EXPECT(strlen(rows[0].boot_id) > 0);
	EXPECT_STR(rows[1].reason, "unknown_badge");
	EXPECT_INT(rows[1].member_id, 0);
	EXPECT_STR(rows[2].reason, "");

	memset(rows, 0, sizeof(rows));
	f.since_ms = 2000;
	EXPECT_INT(store_events_query(st, &f, collect_cb, rows), 2);
	memset(rows, 0, sizeof(rows));
	f.until_ms = 3000;
	EXPECT_INT(store_events_query(st, &f, collect_cb, rows), 1);
	EXPECT_STR(rows[0].type, "access_denied");
	memset(&f, 0, sizeof(f));
	f.door = "front";
	EXPECT_INT(store_events_query(st, &f, collect_cb, memset(rows, 0, sizeof(rows))), 2);
	f.door = NULL;
	f.member_id = bob;
	EXPECT_INT(store_events_query(st, &f, collect_cb, memset(rows, 0, sizeof(rows))), 1);
	EXPECT_STR(rows[0].type, "arrival");
	f.member_id = 0;
	f.type = "access_denied";
	EXPECT_INT(store_events_query(st, &f, collect_cb, memset(rows, 0, sizeof(rows))), 1);
	f.type = NULL;
	f.limit = 2;
	EXPECT_INT(store_events_query(st, &f, collect_cb, memset(rows, 0, sizeof(rows))), 2);
	EXPECT_STR(rows[0].type, "access_denied");	/* newest two, in order */
	EXPECT_STR(rows[1].type, "arrival");
	store_close(st);
}

/* Each query counts the events that store_event_matches passes: one test,
 * in SQL and in C (seuilctl log --follow). */
static int
agree_cb(const struct event_row *e, void *arg)
{
	const struct event_filter *f = arg;

	EXPECT(store_event_matches(f, e));
	return 0;
}

static int
count_matches(struct store *st, const struct event_filter *f)
{
	struct event_filter all = { 0 };
	struct event_row rows[16];
	int n = 0, i;

	memset(rows, 0, sizeof(rows));
	store_events_query(st, &all, collect_cb, rows);
	for (i = 0; rows[i].seq != 0; i++)
		n += store_event_matches(f, &rows[i]);
	return n;
}

static void
test_log_filters(void)
{
	static const struct {
		const char *type, *reader, *reason, *actor;
	} evs[] = {
		{ "access_denied", "front-in", "clock_unsynced", NULL },
		{ "access_denied", "front-out", "outside_schedule", NULL },
		{ "admin_change", NULL, NULL, "web:bob via uid:998(seuil-web)" },
		{ "admin_change", NULL, NULL, "web:bobby via uid:998(seuil-web)" },
		{ "admin_change", NULL, NULL, "uid:0(root)" },
		{ "access_granted", "front-in", NULL, NULL },
	};
	struct event_filter filters[] = {
		{ .reader = "front-in" },
		{ .reason = "clock_unsynced" },
		{ .actor = "web:bob" },
		{ .actor = "uid:0(root)" },
		{ .actor = "web" },
		{ .before_seq = 3 },
		{ .before_seq = 5, .type = "admin_change" },
		{ .reader = "front-in", .type = "access_granted", .since_ms = 1000 },
	};
	static const int expected[] = { 2, 1, 1, 1, 0, 2, 2, 1 };
	struct store *st = open_fresh("filters.db");
	struct event ev;
	size_t i;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		ev.type = evs[i].type;
		ev.reader = evs[i].reader;
		ev.door = evs[i].reader != NULL ? "front" : NULL;
		ev.reason = evs[i].reason;
		ev.actor = evs[i].actor;
		ev.ts_ms = 1000 * (int64_t)(i + 1);
		EXPECT(store_append_event(st, &ev) > 0);
	}
	for (i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		int n = store_events_query(st, &filters[i], agree_cb, &filters[i]);

		if (n != expected[i])
			printf("#   filter %zu: %d events, expected %d\n", i, n, expected[i]);
		EXPECT_INT(n, expected[i]);
		EXPECT_INT(count_matches(st, &filters[i]), expected[i]);
	}
	store_close(st);
}

static void
test_nested_transactions(void)
{
	struct store *st = open_fresh("tx.db");
	struct member_row m;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_begin(st), 0);
	add_member(st, "outer");
	EXPECT_INT(store_begin(st), 0);
	add_member(st, "inner");
	EXPECT_INT(store_commit(st), 0);
	EXPECT_INT(store_begin(st), 0);
	add_member(st, "undone");
	EXPECT_INT(store_rollback(st), 0);	/* only the inner level */
	EXPECT_INT(store_commit(st), 0);
	EXPECT_INT(store_member_find(st, "outer", &m), 1);
	EXPECT_INT(store_member_find(st, "inner", &m), 1);
	EXPECT_INT(store_member_find(st, "undone", &m), 0);

	/* Rolling back the outer level undoes everything inside. */
	EXPECT_INT(store_begin(st), 0);
	add_member(st, "gone1");
	EXPECT_INT(store_begin(st), 0);
	add_member(st, "gone2");
	EXPECT_INT(store_commit(st), 0);
	EXPECT_INT(store_rollback(st), 0);
	EXPECT_INT(store_member_find(st, "gone1", &m), 0);
	EXPECT_INT(store_member_find(st, "gone2", &m), 0);

	EXPECT_INT(store_commit(st), -1);	/* unbalanced */
	EXPECT_INT(store_rollback(st), -1);

	/* A transaction still works after all that. */
	EXPECT_INT(store_begin(st), 0);
	add_member(st, "after");
	EXPECT_INT(store_commit(st), 0);
	EXPECT_INT(store_member_find(st, "after", &m), 1);
	store_close(st);
}

static int
visit_collect(const struct visit_row *v, void *arg)
{
	struct visit_row *rows = arg;
	int i;

	for (i = 0; rows[i].id != 0; i++)
		;
	if (i < 7)
		rows[i] = *v;
	return 0;
}

static int
who_cb(const struct visit_row *v, const struct member_row *m, void *arg)
{
	char *names = arg;

	(void)v;
	strcat(names, m->name);
	strcat(names, ",");
	return 0;
}

static void
test_visits(void)
{
	struct store *st = open_fresh("visits.db");
	struct visit_row rows[8];
	int64_t alice, bob, v1, v2;
	char names[64] = "";

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	bob = add_member(st, "bob");
	v1 = store_visit_open(st, alice, "front", 1000);
	v2 = store_visit_open(st, bob, "front", 2000);
	EXPECT(v1 > 0 && v2 > v1);
	EXPECT_INT(store_visit_seen(st, v1, 1500), 0);

	memset(rows, 0, sizeof(rows));
	EXPECT_INT(store_visits_open(st, visit_collect, rows), 2);
	EXPECT_INT(rows[0].id, v1);
	EXPECT_INT(rows[0].member_id, alice);
	EXPECT_STR(rows[0].door, "front");
	EXPECT_INT(rows[0].arrived_ms, 1000);
	EXPECT_INT(rows[0].last_seen_ms, 1500);
	EXPECT_INT(rows[0].left_ms, 0);

	EXPECT_INT(store_who(st, who_cb, names), 2);
	EXPECT_STR(names, "alice,bob,");

	EXPECT_INT(store_visit_close(st, v1, 4000, "badge_out"), 0);
	/* Closing again changes nothing. */
	EXPECT_INT(store_visit_close(st, v1, 9000, "timeout"), 0);
	memset(rows, 0, sizeof(rows));
	EXPECT_INT(store_visits_open(st, visit_collect, rows), 1);
	EXPECT_INT(rows[0].id, v2);

	memset(rows, 0, sizeof(rows));
	EXPECT_INT(store_visits_between(st, 0, 0, 0, visit_collect, rows), 2);
	EXPECT_INT(rows[0].left_ms, 4000);
	EXPECT_STR(rows[0].left_reason, "badge_out");
	memset(rows, 0, sizeof(rows));
	EXPECT_INT(store_visits_between(st, 4000, 0, 0, visit_collect, rows), 1);
	EXPECT_INT(store_visits_between(st, 0, 1500, 0, visit_collect,
	    memset(rows, 0, sizeof(rows))), 1);
	EXPECT_INT(store_visits_between(st, 0, 0, bob, visit_collect,
	    memset(rows, 0, sizeof(rows))), 1);

	EXPECT_INT(store_member_checkout(st, bob, 5000, "manual"), 1);
	EXPECT_INT(store_member_checkout(st, bob, 6000, "manual"), 0);
	EXPECT_INT(store_visits_open(st, visit_collect, memset(rows, 0, sizeof(rows))), 0);
	store_close(st);
}

static void
test_meta(void)
{
	struct store *st = open_fresh("meta.db");
	char v[32];

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_meta_get(st, "mqtt_published_seq", v, sizeof(v)), 0);
	EXPECT_INT(store_meta_set(st, "mqtt_published_seq", "41"), 0);
	EXPECT_INT(store_meta_set(st, "mqtt_published_seq", "42"), 0);
	EXPECT_INT(store_meta_get(st, "mqtt_published_seq", v, sizeof(v)), 1);
	EXPECT_STR(v, "42");
	store_close(st);
}

static int
member_count(const struct member_row *m, void *arg)
{
	(void)m;
	(*(int *)arg)++;
	return 0;
}

static int
group_cb(const struct access_group *g, void *arg)
{
	char *out = arg;
	char buf[96];

	snprintf(buf, sizeof(buf), "%s:%d;", g->name, g->nwindows);
	strcat(out, buf);
	return 0;
}

static void
test_members_groups(void)
{
	struct store *st = open_fresh("members.db");
	struct schedule_window w[2] = { { 0x1f, 480, 1140 }, { 0x20, 600, 840 } };
	struct schedule_window many[ACCESS_MAX_WINDOWS + 1];
	struct access_groups ag;
	struct access_group g;
	struct member_row m;
	int64_t alice, staff, night;
	char out[128] = "";
	int n = 0;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	EXPECT(alice > 0);
	EXPECT_INT(add_member(st, "alice"), -1);
	EXPECT_INT(store_errcode(st), STORE_EEXIST);
	EXPECT(strstr(store_errmsg(st), "alice") != NULL);

	EXPECT_INT(store_member_find(st, "alice", &m), 1);
	snprintf(m.display_name, sizeof(m.display_name), "Alice L.");
	snprintf(m.valid_until, sizeof(m.valid_until), "2030-01-31");
	m.public = true;
	EXPECT_INT(store_member_update(st, &m), 0);
	EXPECT_INT(store_member_get(st, alice, &m), 1);
	EXPECT_STR(m.display_name, "Alice L.");
	EXPECT_STR(m.valid_until, "2030-01-31");
	EXPECT_STR(m.valid_from, "");
	EXPECT(m.public);
	EXPECT_INT(m.created_ms, 1000);
	m.id = 999;
	EXPECT_INT(store_member_update(st, &m), -1);
	EXPECT_INT(store_errcode(st), STORE_ENOENT);
	EXPECT_INT(store_member_set_active(st, 999, false), -1);

	/* By id as text. */
	snprintf(out, sizeof(out), "%lld", (long long)alice);
	EXPECT_INT(store_member_find(st, out, &m), 1);
	EXPECT_INT(store_member_find(st, "999", &m), 0);
	EXPECT_INT(store_member_find(st, "nobody", &m), 0);
	out[0] = '\0';

	add_member(st, "bob");
	EXPECT_INT(store_members_list(st, member_count, &n), 2);
	EXPECT_INT(n, 2);

	staff = store_group_add(st, "staff");
	night = store_group_add(st, "night");
	EXPECT(staff > 0 && night > 0);
	EXPECT_INT(store_group_add(st, "staff"), -1);
	EXPECT_INT(store_errcode(st), STORE_EEXIST);
	EXPECT_INT(store_schedule_set(st, staff, w, 2), 0);
	EXPECT_INT(store_group_find(st, "staff", &g), 1);
	EXPECT_INT(g.nwindows, 2);
	EXPECT_INT(g.windows[0].days_mask, 0x1f);
	EXPECT_INT(g.windows[1].start_min, 600);
	EXPECT_INT(store_group_find(st, "none", &g), 0);
	/* Replace, then clear. */
	EXPECT_INT(store_schedule_set(st, staff, w + 1, 1), 0);
	EXPECT_INT(store_group_find(st, "staff", &g), 1);
	EXPECT_INT(g.nwindows, 1);
	memset(many, 0, sizeof(many));
	EXPECT_INT(store_schedule_set(st, staff, many, ACCESS_MAX_WINDOWS + 1), -1);
	EXPECT_INT(store_group_find(st, "staff", &g), 1);
	EXPECT_INT(g.nwindows, 1);

	EXPECT_INT(store_groups_list(st, group_cb, out), 2);
	EXPECT_STR(out, "night:0;staff:1;");

	EXPECT_INT(store_member_add_group(st, alice, staff), 0);
	EXPECT_INT(store_member_add_group(st, alice, staff), 0);
	EXPECT_INT(store_member_add_group(st, alice, night), 0);
	EXPECT_INT(store_member_groups(st, alice, &ag), 0);
	EXPECT_INT(ag.ngroups, 2);
	EXPECT_STR(ag.groups[0].name, "night");
	EXPECT_INT(ag.groups[0].nwindows, 0);
	EXPECT_STR(ag.groups[1].name, "staff");
	EXPECT_INT(ag.groups[1].nwindows, 1);
	EXPECT_INT(ag.groups[1].windows[0].end_min, 840);
	EXPECT_INT(store_member_clear_groups(st, alice), 0);
	EXPECT_INT(store_member_groups(st, alice, &ag), 0);
	EXPECT_INT(ag.ngroups, 0);
	store_close(st);
}

static int
file_contains(const char *path, const uint8_t *needle, size_t len)
{
	static uint8_t buf[1 << 20];
	ssize_t n;
	int fd, found;

	if ((fd = open(path, O_RDONLY)) == -1)
		return 0;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	found = n > 0 && memmem(buf, (size_t)n, needle, len) != NULL;
	return found;
}

static void
test_no_raw_uid_in_file(void)
{
	struct store *st = open_fresh("privacy.db");
	uint8_t key[UID_KEY_LEN], mac[UID_MAC_LEN];
	char err[64], hint[UID_HINT_LEN], wal[300];
	struct event ev = { .type = "access_granted", .ts_ms = 1 };
	struct uid u;
	int64_t alice, bid;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	memset(key, 0x42, sizeof(key));
	EXPECT(uid_parse("04:C7:3E:91:5A:12:80", &u, err, sizeof(err)) == 0);
	uid_mac(key, &u, mac);
	uid_hint(&u, hint);
	alice = add_member(st, "alice");
	bid = store_badge_add(st, alice, BADGE_UID, mac, hint, NULL, 1);
	EXPECT(bid > 0);
	ev.badge_id = bid;
	ev.member_id = alice;
	ev.uid_mac = mac;
	store_append_event(st, &ev);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	/* The MAC is there (sanity check of the search), the UID is not. */
	EXPECT(file_contains(wal, mac, UID_MAC_LEN) || file_contains(dbpath, mac, UID_MAC_LEN));
	EXPECT(!file_contains(dbpath, u.bytes, u.len));
	EXPECT(!file_contains(wal, u.bytes, u.len));
	store_close(st);	/* checkpoints the WAL into the file */
	EXPECT(file_contains(dbpath, mac, UID_MAC_LEN));
	EXPECT(!file_contains(dbpath, u.bytes, u.len));
	EXPECT(!file_contains(dbpath, (const uint8_t *)"04C73E915A1280", 14));
	EXPECT(!file_contains(dbpath, (const uint8_t *)"04c73e915a1280", 14));
}

static int
ev_count_cb(const struct event_row *ev, void *arg)
{
	(void)ev;
	(*(int *)arg)++;
	return 0;
}

static int64_t
sql_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int64_t v = -1;

	if (sqlite3_open(dbpath, &db) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static int
badge_count_cb(const struct badge_row *b, void *arg)
{
	(void)b;
	(*(int *)arg)++;
	return 0;
}

#define DAY_MS	(86400LL * 1000)

static void
test_purge(void)
{
	struct store *st = open_fresh("purge.db");
	struct event ev = { .type = "door_open" };
	int64_t now = 1000 * DAY_MS, ne = -1, nv = -1, v;
	char value[64];

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	/* Events 1 ms outside, exactly at and 1 ms inside the 90-day cut. */
	ev.ts_ms = now - 90 * DAY_MS - 1;
	EXPECT(store_append_event(st, &ev) == 1);
	ev.ts_ms = now - 90 * DAY_MS;
	EXPECT(store_append_event(st, &ev) == 2);
	ev.ts_ms = now - 90 * DAY_MS + 1;
	EXPECT(store_append_event(st, &ev) == 3);
	/* Visits: closed outside, closed inside, and open since long ago. */
	v = store_visit_open(st, 1, "front", now - 500 * DAY_MS);
	EXPECT(store_visit_close(st, v, now - 400 * DAY_MS - 1, "timeout") == 0);
	v = store_visit_open(st, 1, "front", now - 500 * DAY_MS);
	EXPECT(store_visit_close(st, v, now - 400 * DAY_MS + 1, "timeout") == 0);
	EXPECT(store_visit_open(st, 2, "front", now - 999 * DAY_MS) > 0);

	EXPECT_INT(store_meta_get(st, "last_purge", value, sizeof(value)), 0);
	EXPECT_INT(store_purge(st, now, 90 * DAY_MS, 400 * DAY_MS, &ne, &nv), 0);
	EXPECT_INT(ne, 1);
	EXPECT_INT(nv, 1);
	EXPECT_INT(sql_int("SELECT min(seq) FROM events"), 2);
	EXPECT_INT(sql_int("SELECT count(*) FROM visits"), 2);
	EXPECT_INT(sql_int("SELECT count(*) FROM visits WHERE left_ts IS NULL"), 1);
	EXPECT_INT(store_meta_get(st, "last_purge", value, sizeof(value)), 1);
	EXPECT_INT(strtoll(value, NULL, 10), now);
	EXPECT_INT(store_meta_get(st, "last_purge_counts", value, sizeof(value)), 1);
	EXPECT_STR(value, "{\"events\":1,\"visits\":1}");

	/* Again: nothing more, and the seq is never reused. */
	EXPECT_INT(store_purge(st, now, 90 * DAY_MS, 400 * DAY_MS, &ne, NULL), 0);
	EXPECT_INT(ne, 0);
	EXPECT_INT(store_purge(st, now + DAY_MS, 90 * DAY_MS, 400 * DAY_MS, &ne, &nv), 0);
	EXPECT_INT(ne, 2);
	EXPECT_INT(nv, 1);
	EXPECT_INT(store_last_seq(st), 3);
	EXPECT(store_append_event(st, &ev) == 4);
	/* A clock in 1970 deletes nothing. */
	EXPECT_INT(store_purge(st, 5 * DAY_MS, 90 * DAY_MS, 400 * DAY_MS, &ne, &nv), 0);
	EXPECT_INT(ne, 0);
	EXPECT_INT(store_purge(st, now, -1, 0, &ne, &nv), -1);
	EXPECT_INT(store_errcode(st), STORE_EINVAL);
	store_close(st);
}

static void
test_erase(void)
{
	static const char name[] = "Ondine Quaresma", email[] = "ondine.q@example.org",
	    display[] = "Ondine Q";
	struct store *st = open_fresh("erase.db");
	struct event ev = { .type = "access_granted", .ts_ms = 5 };
	uint8_t mac[UID_MAC_LEN], other[UID_MAC_LEN];
	struct member_row m;
	struct access_groups ag;
	char wal[300];
	int64_t id, bob, bid, gid;
	int n;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "%s", name);
	snprintf(m.display_name, sizeof(m.display_name), "%s", display);
	snprintf(m.email, sizeof(m.email), "%s", email);
	snprintf(m.valid_until, sizeof(m.valid_until), "2030-01-01");
	m.active = m.public = true;
	id = store_member_add(st, &m, 1000);
	bob = add_member(st, "bob");
	gid = store_group_add(st, "staff");
	EXPECT(store_member_add_group(st, id, gid) == 0);
	mac_of("04A1B2C3", mac);
	mac_of("04A1B2C4", other);
	bid = store_badge_add(st, id, BADGE_UID, mac, "B2C3", "blue fob", 1);
	EXPECT(store_badge_add(st, bob, BADGE_UID, other, "B2C4", NULL, 1) > 0);
	/* Before enrolment: an unknown_badge denial with the MAC only. */
	ev.type = "access_denied";
	ev.uid_mac = mac;
	ev.reason = "unknown_badge";
	EXPECT(store_append_event(st, &ev) > 0);
	memset(&ev, 0, sizeof(ev));
	ev.type = "access_granted";
	ev.member_id = id;
	ev.badge_id = bid;
	EXPECT(store_append_event(st, &ev) > 0);
	ev.member_id = bob;
	ev.badge_id = 0;
	EXPECT(store_append_event(st, &ev) > 0);
	EXPECT(store_visit_open(st, id, "front", 10) > 0);
	n = 0;
	EXPECT_INT(store_member_events(st, id, ev_count_cb, &n), 2);
	EXPECT_INT(n, 2);

	EXPECT_INT(store_member_erase(st, id, 777), 0);
	EXPECT_INT(store_checkpoint(st), 0);
	EXPECT_INT(store_member_get(st, id, &m), 1);
	EXPECT_INT(strncmp(m.name, "erased-", 7), 0);
	EXPECT_STR(m.display_name, "");
	EXPECT_STR(m.email, "");
	EXPECT_STR(m.valid_until, "");
	EXPECT(m.erased && !m.active && !m.public);
	EXPECT_INT(store_member_groups(st, id, &ag), 0);
	EXPECT_INT(ag.ngroups, 0);
	n = 0;
	EXPECT_INT(store_member_events(st, id, ev_count_cb, &n), 0);
	EXPECT_INT(store_badges_list(st, id, badge_count_cb, &n), 0);
	/* Counts stay; links are gone; bob is untouched. */
	EXPECT_INT(sql_int("SELECT count(*) FROM events"), 3);
	EXPECT_INT(sql_int("SELECT count(*) FROM events WHERE uid_mac IS NOT NULL"
	    " OR badge_id IS NOT NULL"), 0);
	EXPECT_INT(sql_int("SELECT count(*) FROM events WHERE member_id IS NOT NULL"), 1);
	EXPECT_INT(sql_int("SELECT count(*) FROM visits WHERE member_id IS NULL"
	    " AND left_reason = 'manual' AND left_ts = 777"), 1);
	EXPECT_INT(sql_int("SELECT count(*) FROM badges"), 1);
	snprintf(wal, sizeof(wal), "%s-wal", dbpath);
	EXPECT(!file_contains(dbpath, (const uint8_t *)name, strlen(name)));
	EXPECT(!file_contains(dbpath, (const uint8_t *)email, strlen(email)));
	EXPECT(!file_contains(dbpath, (const uint8_t *)display, strlen(display)));
	EXPECT(!file_contains(dbpath, mac, UID_MAC_LEN));
	EXPECT(!file_contains(wal, (const uint8_t *)name, strlen(name)));
	EXPECT(file_contains(dbpath, (const uint8_t *)"bob", 3));

	EXPECT_INT(store_member_erase(st, 999, 1), -1);
	EXPECT_INT(store_errcode(st), STORE_ENOENT);
	store_close(st);
}

/* A read-only open (seuild's readers, `seuilctl log`) never migrates: a
 * schema 1 file is refused with the way out, and left at version 1. */
static void
test_v1_readonly_refused(void)
{
	char cmd[600], err[512];
	sqlite3_stmt *s;
	sqlite3 *db;

	snprintf(dbpath, sizeof(dbpath), "%s/v1-ro.db", dir);
	snprintf(cmd, sizeof(cmd), "cp tests/fixtures/schema/v1.db %s", dbpath);
	EXPECT(system(cmd) == 0);
	EXPECT(store_open(dbpath, STORE_READONLY, err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "seuilctl init") != NULL);
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	EXPECT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK);
	EXPECT(sqlite3_step(s) == SQLITE_ROW);
	EXPECT_INT(sqlite3_column_int(s, 0), 1);
	sqlite3_finalize(s);
	sqlite3_close(db);
}

/* Callbacks that stop the rows after *arg calls (counting down). */
static int
stop_member(const struct member_row *m, void *arg)
{
	(void)m;
	return --*(int *)arg <= 0;
}

static int
stop_badge(const struct badge_row *b, void *arg)
{
	(void)b;
	return --*(int *)arg <= 0;
}

static int
stop_event(const struct event_row *e, void *arg)
{
	(void)e;
	return --*(int *)arg <= 0;
}

static int
stop_visit(const struct visit_row *v, void *arg)
{
	(void)v;
	return --*(int *)arg <= 0;
}

static int
stop_group(const struct access_group *g, void *arg)
{
	(void)g;
	return --*(int *)arg <= 0;
}

/* Every listing counts the rows it passed, including the one whose
 * callback stopped it, and passes no more after that. */
static void
test_listing_stops(void)
{
	struct store *st = open_fresh("stop.db");
	uint8_t mac[UID_MAC_LEN];
	struct event ev;
	char name[32];
	int64_t id = 0;
	int i, left;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = "arrival";
	for (i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		id = add_member(st, name);
		snprintf(name, sizeof(name), "g%d", i);
		EXPECT(store_group_add(st, name) > 0);
		snprintf(name, sizeof(name), "04A1B2C%d", i);
		mac_of(name, mac);
		EXPECT(store_badge_add(st, id, BADGE_UID, mac, NULL, NULL, 1000) > 0);
		EXPECT(store_append_event(st, &ev) > 0);
		EXPECT(store_visit_open(st, id, "front", 1000 + i) > 0);
	}
	left = 2;
	EXPECT_INT(store_members_list(st, stop_member, &left), 2);
	EXPECT_INT(left, 0);
	left = 1;
	EXPECT_INT(store_badges_list(st, 0, stop_badge, &left), 1);
	EXPECT_INT(left, 0);
	left = 2;
	EXPECT_INT(store_events_after(st, 0, 0, stop_event, &left), 2);
	EXPECT_INT(left, 0);
	left = 1;
	EXPECT_INT(store_visits_open(st, stop_visit, &left), 1);
	EXPECT_INT(left, 0);
	left = 2;
	EXPECT_INT(store_groups_list(st, stop_group, &left), 2);
	EXPECT_INT(left, 0);
	left = 9;
	EXPECT_INT(store_groups_list(st, stop_group, &left), 3);
	EXPECT_INT(left, 6);
	store_close(st);
}

/* More groups or windows than struct access_groups holds is an error,
 * never a silent truncation (the door denies on error). */
static void
test_group_limits(void)
{
	struct store *st = open_fresh("limits.db");
	struct access_groups ag;
	struct access_group g;
	char name[32], sql[160], err[512];
	int64_t alice, gid = 0;
	sqlite3 *db;
	int i;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	for (i = 0; i < ACCESS_MAX_GROUPS; i++) {
		snprintf(name, sizeof(name), "g%02d", i);
		gid = store_group_add(st, name);
		EXPECT_INT(store_member_add_group(st, alice, gid), 0);
	}
	EXPECT_INT(store_member_groups(st, alice, &ag), 0);
	EXPECT_INT(ag.ngroups, ACCESS_MAX_GROUPS);
	gid = store_group_add(st, "one-too-many");
	EXPECT_INT(store_member_add_group(st, alice, gid), 0);
	EXPECT_INT(store_member_groups(st, alice, &ag), -1);
	EXPECT_INT(store_errcode(st), STORE_EINVAL);
	EXPECT(strstr(store_errmsg(st), "groups") != NULL);
	EXPECT_INT(store_member_clear_groups(st, alice), 0);
	EXPECT_INT(store_member_add_group(st, alice, gid), 0);
	store_close(st);

	/* store_schedule_set refuses so many; another writer may not. */
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	for (i = 0; i <= ACCESS_MAX_WINDOWS; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO schedule_windows (group_id,"
		    " days, start_min, end_min) VALUES (%lld, 1, %d, %d)",
		    (long long)gid, i, i + 1);
		EXPECT(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
	}
	sqlite3_close(db);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(store_member_groups(st, alice, &ag), -1);
	EXPECT_INT(store_errcode(st), STORE_EINVAL);
	EXPECT(strstr(store_errmsg(st), "windows") != NULL);
	EXPECT_INT(store_group_find(st, "one-too-many", &g), -1);
	EXPECT_INT(store_errcode(st), STORE_EINVAL);
	EXPECT_INT(store_group_find(st, "g00", &g), 1);
	i = 100;
	EXPECT_INT(store_groups_list(st, stop_group, &i), -1);
	store_close(st);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_open_missing);
	RUN(test_migrations_idempotent);
	RUN(test_migrate_from_v1);
	RUN(test_newer_schema_refused);
	RUN(test_crafted_schema_refused);
	RUN(test_crafted_old_schema_not_migrated);
	RUN(test_migration_copy_keeps_owner);
	RUN(test_pragmas);
	RUN(test_checkpoint_manual);
	RUN(test_wal_restart);
	RUN(test_find_badge);
	RUN(test_badge_kinds);
	RUN(test_event_seq);
	RUN(test_event_fields_and_query);
	RUN(test_log_filters);
	RUN(test_nested_transactions);
	RUN(test_visits);
	RUN(test_meta);
	RUN(test_members_groups);
	RUN(test_no_raw_uid_in_file);
	RUN(test_purge);
	RUN(test_erase);
	RUN(test_v1_readonly_refused);
	RUN(test_listing_stops);
	RUN(test_group_limits);
	if (getenv("KEEP") == NULL) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return TEST_REPORT();
}

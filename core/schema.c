/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/*
 * Forward migrations: migrations[i] takes the schema from version i to
 * i + 1.  A released migration is never edited; a change is a new entry.
 */

/*
 * A site of several Pis (docs/site.md, core/site_acl.h).
 *
 * Roles.  meta 'site_role' = 'replica' makes the store refuse every write
 * to the member data (members, badges, groups, member_groups,
 * schedule_windows), whatever program or connection tries it: the
 * triggers below raise an error that the store reports as STORE_EREPLICA.
 * The only exception is the replica's own apply of a verified message
 * from the primary (site_acl_apply), which sets meta 'acl_applying' inside
 * its transaction and deletes it before committing, so that no other
 * connection ever sees it.  A badge's last_seen is the replica's own
 * (the badge path writes it), so that column alone stays writable.
 *
 * The change log.  On every store that is not a replica, every change to
 * the member data, by whichever program, appends (kind, ref) to acl_log
 * in the same transaction: 'member' (its row or its groups), 'badge',
 * 'group' (its row or its schedule).  The primary publishes the current
 * projection of what was touched (state, not operations), and acl_log's
 * sequence is its revision.  Updates of members and groups are logged
 * whatever column changed, so a column added to what travels needs no
 * new trigger; badges list their columns, since last_seen, written at
 * every grant, must not be logged.
 *
 * The journal.  site_events holds every node's events, once per (node,
 * node_seq), in the order the primary stored them (site_seq: the site's
 * sequence); site_nodes what the primary acknowledged of each node.
 */
#define SITE_IS_REPLICA \
	"(SELECT value FROM meta WHERE key = 'site_role') = 'replica'"
#define SITE_REFUSE \
	" WHEN " SITE_IS_REPLICA \
	" AND (SELECT value FROM meta WHERE key = 'acl_applying') IS NULL" \
	" BEGIN SELECT RAISE(ABORT, '" SCHEMA_REPLICA_REFUSAL "'); END;"
#define SITE_LOGS \
	" WHEN (SELECT value FROM meta WHERE key = 'site_role') IS NOT 'replica'"
#define SITE_LOG(name, event, kind, ref) \
	"CREATE TRIGGER " name " AFTER " event SITE_LOGS \
	" BEGIN INSERT INTO acl_log (kind, ref) VALUES ('" kind "', " ref "); END;"
#define BADGE_SHARED_COLS "id, member_id, uid_mac, uid_hint, label, status, created, kind"

#define SITE_MIGRATION \
	"ALTER TABLE groups ADD COLUMN offline_ok INTEGER NOT NULL DEFAULT 0" \
	"  CHECK(offline_ok IN (0,1));" \
	"CREATE TABLE acl_log (" \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  kind TEXT NOT NULL CHECK(kind IN ('member','badge','group'))," \
	"  ref INTEGER NOT NULL);" \
	"CREATE TABLE site_events (" \
	"  site_seq INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  node TEXT NOT NULL," \
	"  node_seq INTEGER NOT NULL," \
	"  ts_ms INTEGER NOT NULL," \
	"  clock_synced INTEGER," \
	"  boot_id TEXT," \
	"  mono_ms INTEGER," \
	"  type TEXT NOT NULL," \
	"  door TEXT," \
	"  reader TEXT," \
	"  member_id INTEGER," \
	"  badge_id INTEGER," \
	"  uid_mac BLOB," \
	"  reason TEXT," \
	"  detail TEXT," \
	"  actor TEXT," \
	"  UNIQUE(node, node_seq));" \
	"CREATE INDEX site_events_ts ON site_events(ts_ms);" \
	"CREATE INDEX site_events_member ON site_events(member_id);" \
	"CREATE TABLE site_nodes (" \
	"  node TEXT PRIMARY KEY," \
	"  acked_seq INTEGER NOT NULL DEFAULT 0," \
	"  last_ms INTEGER);" \
	"CREATE TRIGGER members_replica_insert BEFORE INSERT ON members" SITE_REFUSE \
	"CREATE TRIGGER members_replica_update BEFORE UPDATE ON members" SITE_REFUSE \
	"CREATE TRIGGER members_replica_delete BEFORE DELETE ON members" SITE_REFUSE \
	"CREATE TRIGGER badges_replica_insert BEFORE INSERT ON badges" SITE_REFUSE \
	"CREATE TRIGGER badges_replica_update BEFORE UPDATE OF " BADGE_SHARED_COLS \
	"  ON badges" SITE_REFUSE \
	"CREATE TRIGGER badges_replica_delete BEFORE DELETE ON badges" SITE_REFUSE \
	"CREATE TRIGGER groups_replica_insert BEFORE INSERT ON groups" SITE_REFUSE \
	"CREATE TRIGGER groups_replica_update BEFORE UPDATE ON groups" SITE_REFUSE \
	"CREATE TRIGGER groups_replica_delete BEFORE DELETE ON groups" SITE_REFUSE \
	"CREATE TRIGGER member_groups_replica_insert BEFORE INSERT ON member_groups" \
	SITE_REFUSE \
	"CREATE TRIGGER member_groups_replica_update BEFORE UPDATE ON member_groups" \
	SITE_REFUSE \
	"CREATE TRIGGER member_groups_replica_delete BEFORE DELETE ON member_groups" \
	SITE_REFUSE \
	"CREATE TRIGGER windows_replica_insert BEFORE INSERT ON schedule_windows" \
	SITE_REFUSE \
	"CREATE TRIGGER windows_replica_update BEFORE UPDATE ON schedule_windows" \
	SITE_REFUSE \
	"CREATE TRIGGER windows_replica_delete BEFORE DELETE ON schedule_windows" \
	SITE_REFUSE \
	SITE_LOG("members_log_insert", "INSERT ON members", "member", "new.id") \
	SITE_LOG("members_log_update", "UPDATE ON members", "member", "new.id") \
	SITE_LOG("members_log_delete", "DELETE ON members", "member", "old.id") \
	SITE_LOG("badges_log_insert", "INSERT ON badges", "badge", "new.id") \
	SITE_LOG("badges_log_update", "UPDATE OF " BADGE_SHARED_COLS " ON badges", \
	    "badge", "new.id") \
	SITE_LOG("badges_log_delete", "DELETE ON badges", "badge", "old.id") \
	SITE_LOG("groups_log_insert", "INSERT ON groups", "group", "new.id") \
	SITE_LOG("groups_log_update", "UPDATE ON groups", "group", "new.id") \
	SITE_LOG("groups_log_delete", "DELETE ON groups", "group", "old.id") \
	SITE_LOG("member_groups_log_insert", "INSERT ON member_groups", "member", \
	    "new.member_id") \
	SITE_LOG("member_groups_log_delete", "DELETE ON member_groups", "member", \
	    "old.member_id") \
	"CREATE TRIGGER member_groups_log_update AFTER UPDATE ON member_groups" SITE_LOGS \
	" BEGIN INSERT INTO acl_log (kind, ref) VALUES ('member', old.member_id)," \
	" ('member', new.member_id); END;" \
	SITE_LOG("windows_log_insert", "INSERT ON schedule_windows", "group", \
	    "new.group_id") \
	SITE_LOG("windows_log_delete", "DELETE ON schedule_windows", "group", \
	    "old.group_id") \
	"CREATE TRIGGER windows_log_update AFTER UPDATE ON schedule_windows" SITE_LOGS \
	" BEGIN INSERT INTO acl_log (kind, ref) VALUES ('group', old.group_id)," \
	" ('group', new.group_id); END;"
/*
 * Guests on a site (docs/site.md, "What travels").  A guest's tap is
 * decided from the loaner pool (its MAC) and the open pass lent on it (its
 * sponsor, its end), so those travel like the member data: the replica's
 * store refuses writes to guests and loaners, and the primary logs their
 * changes.  acl_log's CHECK allowed three kinds only, and SQLite cannot
 * change a CHECK in place: the table is rebuilt with its rows and its
 * sequence (the revision every replica compares with, which must not move
 * back), the old one dropped and the new one renamed.  legacy_alter_table
 * lets that rename through while the member data's triggers still name
 * acl_log (a modern rename rechecks them and finds the table gone). */
#define SITE_GUEST_MIGRATION \
	"CREATE TABLE acl_log_new (" \
	"  id INTEGER PRIMARY KEY AUTOINCREMENT," \
	"  kind TEXT NOT NULL CHECK(kind IN ('member','badge','group','loaner','guest'))," \
	"  ref INTEGER NOT NULL);" \
	"INSERT INTO acl_log_new (id, kind, ref) SELECT id, kind, ref FROM acl_log;" \
	"DELETE FROM sqlite_sequence WHERE name = 'acl_log_new';" \
	"INSERT INTO sqlite_sequence (name, seq) SELECT 'acl_log_new', seq" \
	"  FROM sqlite_sequence WHERE name = 'acl_log';" \
	"DROP TABLE acl_log;" \
	"PRAGMA legacy_alter_table = ON;" \
	"ALTER TABLE acl_log_new RENAME TO acl_log;" \
	"PRAGMA legacy_alter_table = OFF;" \
	"ALTER TABLE site_events ADD COLUMN guest_id INTEGER;" \
	"ALTER TABLE site_events ADD COLUMN via INTEGER;" \
	"CREATE INDEX site_events_guest ON site_events(guest_id);" \
	"CREATE TRIGGER loaners_replica_insert BEFORE INSERT ON loaners" SITE_REFUSE \
	"CREATE TRIGGER loaners_replica_update BEFORE UPDATE ON loaners" SITE_REFUSE \
	"CREATE TRIGGER loaners_replica_delete BEFORE DELETE ON loaners" SITE_REFUSE \
	"CREATE TRIGGER guests_replica_insert BEFORE INSERT ON guests" SITE_REFUSE \
	"CREATE TRIGGER guests_replica_update BEFORE UPDATE ON guests" SITE_REFUSE \
	"CREATE TRIGGER guests_replica_delete BEFORE DELETE ON guests" SITE_REFUSE \
	SITE_LOG("loaners_log_insert", "INSERT ON loaners", "loaner", "new.id") \
	SITE_LOG("loaners_log_update", "UPDATE ON loaners", "loaner", "new.id") \
	SITE_LOG("loaners_log_delete", "DELETE ON loaners", "loaner", "old.id") \
	SITE_LOG("guests_log_insert", "INSERT ON guests", "guest", "new.id") \
	SITE_LOG("guests_log_update", "UPDATE ON guests", "guest", "new.id") \
	SITE_LOG("guests_log_delete", "DELETE ON guests", "guest", "old.id")

/*
 * The site's visits.  On a site's primary, site_visits holds every node's
 * visits as the primary keeps them from site_events (core/store_site.c):
 * opened by a node's arrival, refreshed by its grants, closed by its
 * departure or by the primary's own presence rules (timeout, day_end),
 * which bound a node that is cut off or gone.  A table kept as the events
 * are stored, not a view derived by one query: the expiry is the
 * primary's decision at a time (a departure that comes later changes
 * nothing, as on a single Pi), and reports, retention and erasure treat it
 * as they treat visits.  site_events has guest_id and via (6 -> 7), so
 * that a guest's visit is a guest's on the site too.
 */
#define SITE_VISITS_MIGRATION \
	"CREATE TABLE site_visits (" \
	"  id INTEGER PRIMARY KEY," \
	"  node TEXT NOT NULL," \
	"  member_id INTEGER," \
	"  guest_id INTEGER," \
	"  door TEXT," \
	"  arrived_ts INTEGER NOT NULL," \
	"  left_ts INTEGER," \
	"  left_reason TEXT," \
	"  last_seen_ts INTEGER);" \
	"CREATE INDEX site_visits_open ON site_visits(left_ts);" \
	"CREATE INDEX site_visits_member ON site_visits(member_id, arrived_ts);"

static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  display_name TEXT,"
	"  email TEXT,"
	"  status TEXT NOT NULL DEFAULT 'active'"
	"    CHECK(status IN ('active','disabled')),"
	"  valid_from TEXT,"
	"  valid_until TEXT,"
	"  public INTEGER NOT NULL DEFAULT 0 CHECK(public IN (0,1)),"
	"  created INTEGER,"
	"  erased INTEGER);"
	"CREATE TABLE badges ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
	"  uid_mac BLOB UNIQUE NOT NULL,"
	"  uid_hint TEXT,"
	"  label TEXT,"
	"  status TEXT NOT NULL DEFAULT 'active'"
	"    CHECK(status IN ('active','revoked')),"
	"  created INTEGER,"
	"  last_seen INTEGER);"
	"CREATE INDEX badges_member ON badges(member_id);"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL);"
	"CREATE TABLE member_groups ("
	"  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  PRIMARY KEY(member_id, group_id)) WITHOUT ROWID;"
	"CREATE TABLE schedule_windows ("
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  days INTEGER NOT NULL,"
	"  start_min INTEGER NOT NULL,"
	"  end_min INTEGER NOT NULL);"
	"CREATE INDEX schedule_windows_group ON schedule_windows(group_id);"
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts_ms INTEGER NOT NULL,"
	"  clock_synced INTEGER,"
	"  boot_id TEXT,"
	"  mono_ms INTEGER,"
	"  type TEXT NOT NULL,"
	"  door TEXT,"
	"  reader TEXT,"
	"  member_id INTEGER,"
	"  badge_id INTEGER,"
	"  uid_mac BLOB,"
	"  reason TEXT,"
	"  detail TEXT);"
	"CREATE INDEX events_ts ON events(ts_ms);"
	"CREATE INDEX events_member ON events(member_id);"
	"CREATE TABLE visits ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER,"
	"  door TEXT,"
	"  arrived_ts INTEGER NOT NULL,"
	"  left_ts INTEGER,"
	"  left_reason TEXT,"
	"  last_seen_ts INTEGER);"
	"CREATE INDEX visits_open ON visits(left_ts);"
	"CREATE INDEX visits_member ON visits(member_id, arrived_ts);"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT);",
	/* 1 -> 2: who made a staff action (admin_change, control_refused,
	 * console_login...): an OS user "uid:1000(alice)" or a console user
	 * "web:bob".  Never published. */
	"ALTER TABLE events ADD COLUMN actor TEXT;",
	/* 2 -> 3: console accounts (seuil-web, core/webuser.c). */
	"CREATE TABLE web_users ("
	"  name TEXT PRIMARY KEY,"
	"  role TEXT NOT NULL CHECK(role IN ('admin','desk')),"
	"  hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL);",
	/* 3 -> 4: what a badge is.  'uid': uid_mac is the MAC of the card's
	 * UID; 'desfire': uid_mac is the MAC of the credential the card's
	 * application holds (firmware-glue/desfire.h), and the UID is not
	 * kept.  The door looks a badge up by kind and MAC, so a UID, which
	 * any card can show, never matches a DESFire badge. */
	"ALTER TABLE badges ADD COLUMN kind TEXT NOT NULL"
	" DEFAULT 'uid'"
	" CHECK(kind IN ('uid','desfire'));",
	/* 4 -> 5: the community: guests a member vouches for,
	 * on loaner badges of the space's pool (core/guest.c), their events
	 * and visits (guest_id, and via: the sponsor, which an event keeps
	 * after the guest's data is erased); members' own console accounts,
	 * their single-use invite codes (SHA-256 of the code) and whether
	 * they chose how the lobby names them (core/member_web.c). */
	"ALTER TABLE events ADD COLUMN guest_id INTEGER;"
	"ALTER TABLE events ADD COLUMN via INTEGER;"
	"ALTER TABLE visits ADD COLUMN guest_id INTEGER;"
	"ALTER TABLE members ADD COLUMN lobby_chosen INTEGER;"
	"CREATE TABLE loaners ("
	"  id INTEGER PRIMARY KEY,"
	"  uid_mac BLOB UNIQUE NOT NULL,"
	"  uid_hint TEXT,"
	"  label TEXT UNIQUE NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE guests ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  sponsor_id INTEGER,"
	"  created INTEGER NOT NULL,"
	"  ends INTEGER NOT NULL,"
	"  ended INTEGER,"
	"  end_reason TEXT,"
	"  loaner_id INTEGER REFERENCES loaners(id) ON DELETE SET NULL);"
	"CREATE UNIQUE INDEX guests_lent ON guests(loaner_id)"
	"  WHERE ended IS NULL AND loaner_id IS NOT NULL;"
	"CREATE INDEX guests_sponsor ON guests(sponsor_id, created);"
	"CREATE INDEX events_guest ON events(guest_id);"
	"CREATE TABLE member_accounts ("
	"  member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,"
	"  hash TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE member_invites ("
	"  code_hash BLOB PRIMARY KEY,"
	"  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER NOT NULL,"
	"  used INTEGER) WITHOUT ROWID;",

	/* ---- a site of several Pis (docs/site.md) ------------------------
	 * One block, so that it moves as a whole when migrations of other
	 * work land before it. */
	/* 5 -> 6 */
	SITE_MIGRATION,
	/* ---- end of the site block ---- */

	/* ---- guests on a site (docs/site.md) ----------------------------
	 * One block, after the site's, so that it moves as a whole too. */
	/* 6 -> 7 */
	SITE_GUEST_MIGRATION,
	/* ---- end of the guests on a site block ---- */

	/* ---- the site's visits (docs/site.md, "One view of the site") ---
	 * One block, so that it moves as a whole. */
	/* 7 -> 8 */
	SITE_VISITS_MIGRATION,
	/* ---- end of the site's visits block ---- */
};
#define LATEST	((int)(sizeof(migrations) / sizeof(migrations[0])))

int
schema_latest(void)
{
	return LATEST;
}

const char *
schema_migration(int from)
{
	return from >= 0 && from < LATEST ? migrations[from] : NULL;
}

/* One object of a schema, as sqlite_schema lists it. */
struct object {
	const char	*type, *name, *tbl, *sql;	/* sql may be NULL */
};

#define SCHEMA_QUERY \
	"SELECT type, name, tbl_name, sql FROM main.sqlite_schema ORDER BY name, type"

static const char *
text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

static void
read_object(sqlite3_stmt *s, struct object *o)
{
	o->type = text(s, 0);
	o->name = text(s, 1);
	o->tbl = text(s, 2);
	o->sql = text(s, 3);
	if (o->type == NULL)
		o->type = "?";
	if (o->name == NULL)
		o->name = "";
	if (o->tbl == NULL)
		o->tbl = "";
}

static bool
same_text(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* The expected schema of version: the migrations run on an empty
 * in-memory database. */
static sqlite3 *
build_expected(int version, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int v;

	if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		goto fail;
	for (v = 0; v < version; v++)
		if (sqlite3_exec(db, migrations[v], NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
	return db;
fail:
	snprintf(err, errlen, "schema of version %d: %s", version,
	    db != NULL ? sqlite3_errmsg(db) : "out of memory");
	sqlite3_close(db);
	return NULL;
}

/* Walk both lists, sorted by name, to the first difference. */
static int
compare(sqlite3_stmt *have, sqlite3_stmt *want, int version, char *err, size_t errlen)
{
	struct object h, w;
	int rh = sqlite3_step(have), rw = sqlite3_step(want), order;

	for (;;) {
		if (rh != SQLITE_ROW && rh != SQLITE_DONE) {
			snprintf(err, errlen, "cannot read the schema: %s",
			    sqlite3_errmsg(sqlite3_db_handle(have)));
			return -1;
		}
		if (rw != SQLITE_ROW && rw != SQLITE_DONE) {
			snprintf(err, errlen, "schema of version %d: %s", version,
			    sqlite3_errmsg(sqlite3_db_handle(want)));
			return -1;
		}
		if (rh == SQLITE_DONE && rw == SQLITE_DONE)
			return 0;
		if (rh == SQLITE_ROW)
			read_object(have, &h);
		if (rw == SQLITE_ROW)
			read_object(want, &w);
		order = rh == SQLITE_DONE ? 1 : rw == SQLITE_DONE ? -1 :
		    strcmp(h.name, w.name);
		if (order == 0)
			order = strcmp(h.type, w.type);
		if (order < 0) {
			snprintf(err, errlen, "unexpected %s '%.64s' on '%.64s' "
			    "(not part of schema version %d)", h.type, h.name,
			    h.tbl, version);
			return -1;
		}
		if (order > 0) {
			snprintf(err, errlen, "%s '%.64s' of schema version %d is "
			    "missing", w.type, w.name, version);
			return -1;
		}
		if (strcmp(h.tbl, w.tbl) != 0 || !same_text(h.sql, w.sql)) {
			snprintf(err, errlen, "%s '%.64s' differs from schema "
			    "version %d", h.type, h.name, version);
			return -1;
		}
		rh = sqlite3_step(have);
		rw = sqlite3_step(want);
	}
}

int
schema_verify(sqlite3 *db, int version, char *err, size_t errlen)
{
	sqlite3 *expected;
	sqlite3_stmt *have = NULL, *want = NULL;
	int rc = -1;

	if (version < 0 || version > LATEST) {
		snprintf(err, errlen, "schema version %d, this seuil reads 0 to %d",
		    version, LATEST);
		return -1;
	}
	if ((expected = build_expected(version, err, errlen)) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, SCHEMA_QUERY, -1, &have, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read the schema: %s", sqlite3_errmsg(db));
		goto out;
	}
	if (sqlite3_prepare_v2(expected, SCHEMA_QUERY, -1, &want, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "schema of version %d: %s", version,
		    sqlite3_errmsg(expected));
		goto out;
	}
	rc = compare(have, want, version, err, errlen);
out:
	sqlite3_finalize(have);
	sqlite3_finalize(want);
	sqlite3_close(expected);
	return rc;
}

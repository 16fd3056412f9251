/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A site of several Pis, as the store keeps it: roles and the change log. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "decision.h"
#include "schema.h"
#include "site_acl.h"
#include "site_enrol.h"
#include "site_journal.h"
#include "site_sig.h"
#include "store.h"
#include "testhelp.h"
#include "tz.h"

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
 * The site's tables, triggers and index come in one migration, 5 -> 6:
 * versions 4 and 5 belong to work that lands before it, and a store of
 * version 6 is the same on every branch.
 */
static void
test_schema_number(void)
{
	int v;

	EXPECT_INT(schema_latest(), 8);
	EXPECT(strstr(schema_migration(7), "CREATE TABLE site_visits") != NULL);
	EXPECT(strstr(schema_migration(5), "CREATE TABLE acl_log") != NULL);
	EXPECT(strstr(schema_migration(5), "CREATE TABLE site_events") != NULL);
	for (v = 0; v < 5; v++)
		EXPECT(strstr(schema_migration(v), "acl_log") == NULL &&
		    strstr(schema_migration(v), "site_") == NULL);
	/* 6 -> 7: guests on a site, after the site's block. */
	EXPECT(strstr(schema_migration(6), "guests_replica_insert") != NULL);
	EXPECT(strstr(schema_migration(6), "'loaner','guest'") != NULL);
	EXPECT(strstr(schema_migration(5), "guests") == NULL);
}

/*
 * A store of version 6 (a site running the seuil before) migrates to 7
 * keeping its change log and its revision, which every replica compares
 * with: a revision that moved back would make the next changes look old.
 * The log takes guests and loaners then.
 */
static void
test_migration_keeps_rev(void)
{
	struct store *st;
	sqlite3 *db;
	char err[512], log[256];
	int v, ok = 1;

	snprintf(dbpath, sizeof(dbpath), "%s/v6.db", dir);
	EXPECT(sqlite3_open(dbpath, &db) == SQLITE_OK);
	for (v = 0; v < 6; v++)
		ok &= sqlite3_exec(db, schema_migration(v), NULL, NULL, NULL) == SQLITE_OK;
	ok &= sqlite3_exec(db, "INSERT INTO members (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');"
	    "DELETE FROM acl_log WHERE id < 3;"		/* pruned below */
	    "UPDATE sqlite_sequence SET seq = 41 WHERE name = 'acl_log';"
	    "PRAGMA user_version = 6;", NULL, NULL, NULL) == SQLITE_OK;
	EXPECT(ok);
	sqlite3_close(db);
	st = store_open(dbpath, 0, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL) {
		printf("# %s\n", err);
		return;
	}
	EXPECT_INT(store_acl_rev(st), 41);
	EXPECT(store_loaner_add(st, (uint8_t[UID_MAC_LEN]){ 9 }, NULL, "L1", 1000) > 0);
	acl_log(dbpath, 0, log, sizeof(log));
	EXPECT_STR(log, "member:3 loaner:1");
	EXPECT_INT(store_acl_rev(st), 42);
	store_close(st);
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
	badge = store_badge_add(st, alice, BADGE_UID, mac, "0101", NULL, 1000);
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
	badge = store_badge_add(st, alice, BADGE_UID, mac, "0202", NULL, 1000);
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

/* ---- signatures ---- */

static void
test_envelope(void)
{
	uint8_t seed[SITE_KEY_LEN], other[SITE_KEY_LEN];
	struct site_pub pub[2];
	const char *body;
	size_t len, blen;
	char err[128], why[64], *env, *copy;

	EXPECT(site_key_generate(seed, err, sizeof(err)) == 0);
	EXPECT(site_key_generate(other, err, sizeof(err)) == 0);
	EXPECT(site_key_public(seed, &pub[0], err, sizeof(err)) == 0);
	EXPECT(site_key_public(other, &pub[1], err, sizeof(err)) == 0);
	EXPECT_INT(strlen(pub[0].id), SITE_KEY_ID_LEN);
	env = site_sign(seed, "seuil/lab/acl/delta", "{\"x\":1}", 7, &len);
	EXPECT(env != NULL);
	if (env == NULL)
		return;
	EXPECT(strncmp(env, "SEUIL-SIG/1 ed25519 ", 20) == 0);
	EXPECT(site_open(pub, 2, "seuil/lab/acl/delta", env, len, &body, &blen, why,
	    sizeof(why)) == 0);
	EXPECT(blen == 7 && memcmp(body, "{\"x\":1}", 7) == 0);
	/* Another topic (a delta moved to the snapshot's, another site). */
	EXPECT(site_open(pub, 2, "seuil/lab/acl/snapshot", env, len, &body, &blen, why,
	    sizeof(why)) == -1);
	EXPECT_STR(why, "bad signature");
	EXPECT(site_open(pub, 2, "seuil/other/acl/delta", env, len, &body, &blen, why,
	    sizeof(why)) == -1);
	/* Only the other key trusted. */
	EXPECT(site_open(&pub[1], 1, "seuil/lab/acl/delta", env, len, &body, &blen, why,
	    sizeof(why)) == -1);
	EXPECT_STR(why, "unknown key");
	/* Every byte flipped, one at a time, is refused. */
	copy = malloc(len);
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, env, len);
		copy[i] ^= 0x01;
		if (site_open(pub, 2, "seuil/lab/acl/delta", copy, len, &body, &blen, why,
		    sizeof(why)) == 0) {
			printf("#   byte %zu flipped and accepted\n", i);
			EXPECT(0);
		}
	}
	/* Truncated anywhere, unsigned, oversized. */
	for (size_t i = 0; i < len; i++)
		EXPECT(site_open(pub, 2, "seuil/lab/acl/delta", env, i, &body, &blen, why,
		    sizeof(why)) == -1);
	EXPECT(site_open(pub, 2, "seuil/lab/acl/delta", "{\"x\":1}", 7, &body, &blen, why,
	    sizeof(why)) == -1);
	EXPECT_STR(why, "unsigned or truncated");
	EXPECT(site_open(pub, 2, "seuil/lab/acl/delta", env, SITE_MSG_MAX + 1, &body, &blen,
	    why, sizeof(why)) == -1);
	free(copy);
	free(env);
}

static void
test_key_files(void)
{
	uint8_t seed[SITE_KEY_LEN], back[SITE_KEY_LEN];
	char path[300], err[400];

	snprintf(path, sizeof(path), "%s/site.key", dir);
	EXPECT(site_key_generate(seed, err, sizeof(err)) == 0);
	EXPECT(site_key_write(path, seed, 0600, err, sizeof(err)) == 0);
	EXPECT(site_key_write(path, seed, 0600, err, sizeof(err)) == -1);
	EXPECT(strstr(err, "exists") != NULL);
	EXPECT(site_key_read(path, back, true, err, sizeof(err)) == 0);
	EXPECT(memcmp(seed, back, SITE_KEY_LEN) == 0);
	EXPECT(chmod(path, 0640) == 0);
	EXPECT(site_key_read(path, back, true, err, sizeof(err)) == -1);
	EXPECT(site_key_read(path, back, false, err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/link.key", dir);
	EXPECT(symlink("site.key", path) == 0);
	EXPECT(site_key_read(path, back, false, err, sizeof(err)) == -1);
	EXPECT(site_key_write(path, seed, 0600, err, sizeof(err)) == -1);
}

/* ---- the projection ---- */

static char primary_path[300], replica_path[300];

static struct store *
open_path(const char *path)
{
	char err[512];
	struct store *st = store_open(path, STORE_CREATE, err, sizeof(err));

	if (st == NULL)
		printf("# store_open: %s\n", err);
	return st;
}

/* How many events of path name guest id. */
static int
guest_event_count(const char *path, int64_t id)
{
	sqlite3 *db;
	sqlite3_stmt *s;
	int n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM events WHERE guest_id = ?1", -1, &s,
	    NULL) == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, id);
		if (sqlite3_step(s) == SQLITE_ROW)
			n = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	sqlite3_close(db);
	return n;
}

/* Sign nothing: these tests are about the bodies (test_envelope signs). */
static int
apply_text(struct store *st, const char *body, char *why, size_t whylen)
{
	struct site_msg m;
	int rc;

	if (site_msg_parse(body, strlen(body), &m, why, whylen) == -1)
		return -2;
	rc = site_acl_apply(st, &m, 1234, why, whylen);
	site_msg_free(&m);
	return rc;
}

static void
same_digest(struct store *a, struct store *b)
{
	char da[65], db[65];

	EXPECT(site_acl_digest(a, da) == 0);
	EXPECT(site_acl_digest(b, db) == 0);
	EXPECT_STR(da, db);
}

/* The decision's input for a badge, on both stores: the same. */
static void
same_decision(struct store *a, struct store *b, int n)
{
	struct decision_rows ra, rb;
	uint8_t mac[UID_MAC_LEN];
	int i;

	mac_of(n, mac);
	EXPECT_INT(decision_rows_load(a, BADGE_UID, mac, &ra),
	    decision_rows_load(b, BADGE_UID, mac, &rb));
	EXPECT_INT(ra.badge.id, rb.badge.id);
	EXPECT_INT(ra.badge.active, rb.badge.active);
	EXPECT_INT(ra.member.id, rb.member.id);
	EXPECT_INT(ra.member.active, rb.member.active);
	EXPECT_STR(ra.member.valid_from, rb.member.valid_from);
	EXPECT_STR(ra.member.valid_until, rb.member.valid_until);
	EXPECT_INT(ra.groups.ngroups, rb.groups.ngroups);
	for (i = 0; i < ra.groups.ngroups && i < rb.groups.ngroups; i++) {
		EXPECT_INT(ra.groups.groups[i].id, rb.groups.groups[i].id);
		EXPECT_INT(ra.groups.groups[i].nwindows, rb.groups.groups[i].nwindows);
		EXPECT(memcmp(ra.groups.groups[i].windows, rb.groups.groups[i].windows,
		    sizeof(ra.groups.groups[i].windows)) == 0);
	}
}

/*
 * A snapshot makes a replica's copy equal to the primary's (the digest of
 * the projection, and the decision's input for each badge); a delta
 * carries a revocation, a disabled member and a new schedule; an older
 * snapshot, a delta on another base and a repeated one are not applied;
 * an e-mail and a name that is not shown never travel.
 */
static void
test_snapshot_and_delta(void)
{
	struct site_head h = { .site = "lab", .node = "main", .epoch = 1, .issued_ms = 1 };
	struct schedule_window w = { 0x1f, 480, 1200 };
	struct store *p, *r;
	struct member_row m;
	struct decision_rows rows;
	uint8_t mac[UID_MAC_LEN];
	char why[256], *snap0, *snap1, *delta;
	int64_t alice, bob, night, b1;
	bool empty;

	snprintf(primary_path, sizeof(primary_path), "%s/p.db", dir);
	snprintf(replica_path, sizeof(replica_path), "%s/r.db", dir);
	p = open_path(primary_path);
	r = open_path(replica_path);
	if (p == NULL || r == NULL)
		return;
	EXPECT(store_site_set_role(r, true, "main") == 0);
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "alice");
	snprintf(m.display_name, sizeof(m.display_name), "Alice");
	snprintf(m.email, sizeof(m.email), "alice@example.org");
	m.active = m.public = true;
	alice = store_member_add(p, &m, 1000);
	snprintf(m.name, sizeof(m.name), "bob");
	snprintf(m.display_name, sizeof(m.display_name), "Robert Secret");
	m.public = false;
	snprintf(m.valid_until, sizeof(m.valid_until), "2030-01-31");
	bob = store_member_add(p, &m, 1000);
	night = store_group_add(p, "night");
	EXPECT(store_member_add_group(p, bob, night) == 0);
	mac_of(1, mac);
	b1 = store_badge_add(p, alice, BADGE_UID, mac, "0101", "blue fob", 1000);
	mac_of(2, mac);
	EXPECT(store_badge_add(p, bob, BADGE_UID, mac, "0202", NULL, 1000) > 0);
	mac_of(3, mac);
	EXPECT(store_badge_add(p, alice, BADGE_DESFIRE, mac, "0303", NULL, 1000) > 0);

	snap0 = site_acl_snapshot(p, &h);
	EXPECT(snap0 != NULL);
	if (snap0 == NULL)
		return;
	EXPECT(strstr(snap0, "example.org") == NULL);
	EXPECT(strstr(snap0, "Secret") == NULL);
	EXPECT(strstr(snap0, "blue fob") == NULL);
	EXPECT(strstr(snap0, "\"Alice\"") != NULL);
	EXPECT_INT(apply_text(r, snap0, why, sizeof(why)), 1);
	same_digest(p, r);
	same_decision(p, r, 1);
	same_decision(p, r, 2);
	/* A DESFire badge stays one: its mac is a credential's, never a UID's. */
	mac_of(3, mac);
	EXPECT_INT(decision_rows_load(r, BADGE_DESFIRE, mac, &rows), 1);
	EXPECT_INT(decision_rows_load(r, BADGE_UID, mac, &rows), 0);
	EXPECT_INT(store_member_get(r, bob, &m), 1);
	EXPECT_STR(m.email, "");
	EXPECT(strstr(m.name, "bob") == NULL);

	/* Changes: a revocation, a disabled member, a schedule. */
	h.base = h.rev;
	EXPECT(store_badge_revoke(p, b1) == 1);
	EXPECT(store_member_set_active(p, bob, false) == 0);
	EXPECT(store_schedule_set(p, night, &w, 1) == 0);
	delta = site_acl_delta(p, &h, &empty);
	EXPECT(delta != NULL && !empty);
	snap1 = site_acl_snapshot(p, &h);
	EXPECT_INT(apply_text(r, delta, why, sizeof(why)), 1);
	same_digest(p, r);
	same_decision(p, r, 1);
	same_decision(p, r, 2);
	/* Again: a duplicate, not applied. */
	EXPECT_INT(apply_text(r, delta, why, sizeof(why)), 0);
	/* The older snapshot (a replay), and this revision's: not newer. */
	EXPECT_INT(apply_text(r, snap0, why, sizeof(why)), 0);
	EXPECT_INT(apply_text(r, snap1, why, sizeof(why)), 0);
	same_digest(p, r);
	/* Nothing changed since: no delta. */
	h.base = h.rev;
	EXPECT(site_acl_delta(p, &h, &empty) == NULL && empty);
	free(snap0);
	free(snap1);
	free(delta);
	store_close(p);
	store_close(r);
}

/* The decision's input for a loaner's tap, on both stores: the same. */
static void
same_guest_decision(struct store *a, struct store *b, int n)
{
	struct decision_rows ra, rb;
	uint8_t mac[UID_MAC_LEN];

	mac_of(n, mac);
	EXPECT_INT(decision_rows_load(a, BADGE_UID, mac, &ra),
	    decision_rows_load(b, BADGE_UID, mac, &rb));
	EXPECT_INT(ra.loaner, rb.loaner);
	EXPECT_INT(ra.l.id, rb.l.id);
	EXPECT_STR(ra.l.label, rb.l.label);
	EXPECT_INT(ra.guest.id, rb.guest.id);
	EXPECT_INT(ra.guest.sponsor_id, rb.guest.sponsor_id);
	EXPECT_INT(ra.guest.ends_ms, rb.guest.ends_ms);
	EXPECT_INT(ra.member.id, rb.member.id);
	EXPECT_INT(ra.member.active, rb.member.active);
	EXPECT_INT(ra.groups.ngroups, rb.groups.ngroups);
}

static int64_t
add_guest(struct store *st, const char *name, int64_t sponsor, int64_t ends, int64_t loaner)
{
	struct guest_row g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "%s", name);
	g.sponsor_id = sponsor;
	g.created_ms = 1000;
	g.ends_ms = ends;
	g.loaner_id = loaner;
	return store_guest_add(st, &g);
}

static char *
next_delta(struct store *p, struct site_head *h)
{
	bool empty;

	h->base = h->rev;
	return site_acl_delta(p, h, &empty);
}

/*
 * Guests travel: the pool (a loaner's MAC and label) and each pass (its
 * sponsor, end, whether it ended, the loaner lent on it), never the
 * guest's name.  A replica then decides a guest's tap as the primary
 * does; a pass ended, a loaner lent from one guest to another, a loaner
 * removed and added again (a new row with the same MAC and label) and an
 * erased guest all follow by delta; the replica's store refuses guest
 * changes of its own and purges none.
 */
static void
test_guests_travel(void)
{
	struct site_head h = { .site = "lab", .node = "main", .epoch = 1, .issued_ms = 1 };
	struct event ev = { .type = "access_granted", .door = "hall", .ts_ms = 5 };
	struct store *p, *r;
	struct member_row m;
	struct guest_row gr;
	uint8_t mac[UID_MAC_LEN];
	char why[256], *body;
	int64_t alice, night, l1, l2, zoe, yan, seq;

	snprintf(primary_path, sizeof(primary_path), "%s/gp.db", dir);
	snprintf(replica_path, sizeof(replica_path), "%s/gr.db", dir);
	p = open_path(primary_path);
	r = open_path(replica_path);
	if (p == NULL || r == NULL)
		return;
	EXPECT(store_site_set_role(r, true, "main") == 0);
	memset(&m, 0, sizeof(m));
	snprintf(m.name, sizeof(m.name), "alice");
	m.active = true;
	alice = store_member_add(p, &m, 1000);
	night = store_group_add(p, "night");
	EXPECT(store_member_add_group(p, alice, night) == 0);
	mac_of(7, mac);
	l1 = store_loaner_add(p, mac, "0707", "loaner-1", 1000);
	mac_of(8, mac);
	l2 = store_loaner_add(p, mac, "0808", "loaner-2", 1000);
	yan = add_guest(p, "Yan Hidden", alice, 9000000, 0);
	zoe = add_guest(p, "Zoe Secret", alice, 8000000, l1);
	EXPECT(l1 > 0 && l2 > 0 && zoe > 0 && yan > 0);

	body = site_acl_snapshot(p, &h);
	EXPECT(body != NULL);
	if (body == NULL)
		return;
	EXPECT(strstr(body, "Secret") == NULL && strstr(body, "Hidden") == NULL);
	EXPECT(strstr(body, "0707") == NULL);		/* nor a UID's hint */
	EXPECT(strstr(body, "\"loaner-1\"") != NULL);
	EXPECT_INT(apply_text(r, body, why, sizeof(why)), 1);
	free(body);
	same_digest(p, r);
	same_guest_decision(p, r, 7);
	same_guest_decision(p, r, 8);
	EXPECT_INT(store_guest_get(r, zoe, &gr), 1);
	EXPECT(strstr(gr.name, "Zoe") == NULL);
	EXPECT_INT(gr.ends_ms, 8000000);

	/* The replica refuses guest changes; it purges nothing of its own. */
	EXPECT(add_guest(r, "Mallory", alice, 9000000, 0) == -1);
	EXPECT_INT(store_errcode(r), STORE_EREPLICA);
	EXPECT(strstr(store_errmsg(r), "'main'") != NULL);
	EXPECT(store_guest_lend(r, yan, l2) == -1);
	EXPECT_INT(store_errcode(r), STORE_EREPLICA);
	mac_of(9, mac);
	EXPECT(store_loaner_add(r, mac, NULL, "loaner-9", 1000) == -1);
	EXPECT_INT(store_errcode(r), STORE_EREPLICA);
	EXPECT(store_guest_end(r, zoe, 2000, "ended") == -1);
	EXPECT_INT(store_guests_purge(r, INT64_MAX / 2), 0);
	EXPECT_INT(store_guest_get(r, zoe, &gr), 1);

	/* Zoe's pass ends and her loaner goes to Yan, an older pass: the
	 * replica never holds one loaner on two open passes on the way. */
	EXPECT_INT(store_guest_end(p, zoe, 3000, "ended"), 1);
	EXPECT(store_guest_lend(p, yan, l1) == 0);
	body = next_delta(p, &h);
	EXPECT(body != NULL);
	EXPECT_INT(apply_text(r, body, why, sizeof(why)), 1);
	free(body);
	same_digest(p, r);
	same_guest_decision(p, r, 7);

	/* The pool: loaner-2 removed and added again, a new row (another
	 * loaner after it, so that its id is not the old one). */
	mac_of(10, mac);
	EXPECT(store_loaner_add(p, mac, "0a0a", "loaner-3", 2000) > l2);
	EXPECT_INT(store_loaner_del(p, l2), 1);
	mac_of(8, mac);
	EXPECT(store_loaner_add(p, mac, "0808", "loaner-2", 2000) > l2 + 1);
	body = next_delta(p, &h);
	EXPECT_INT(apply_text(r, body, why, sizeof(why)), 1);
	if (why[0] != '\0')
		printf("# %s\n", why);
	free(body);
	same_digest(p, r);
	same_guest_decision(p, r, 8);

	/* Zoe is erased on the primary: gone here too, and this node's
	 * events let go of her. */
	ev.guest_id = zoe;
	ev.via = alice;
	EXPECT((seq = store_append_event(r, &ev)) > 0);
	EXPECT(store_guest_erase(p, zoe) == 0);
	body = next_delta(p, &h);
	EXPECT_INT(apply_text(r, body, why, sizeof(why)), 1);
	free(body);
	same_digest(p, r);
	EXPECT_INT(store_guest_get(r, zoe, &gr), 0);
	EXPECT_INT(guest_event_count(replica_path, zoe), 0);

	/* A snapshot of a later revision gives the same copy from scratch. */
	store_close(r);
	snprintf(replica_path, sizeof(replica_path), "%s/gr2.db", dir);
	r = open_path(replica_path);
	EXPECT(store_site_set_role(r, true, "main") == 0);
	body = site_acl_snapshot(p, &h);
	EXPECT_INT(apply_text(r, body, why, sizeof(why)), 1);
	free(body);
	same_digest(p, r);
	same_guest_decision(p, r, 7);
	store_close(p);
	store_close(r);
}

/*
 * A body whose rows are wrong (a status the schema refuses, a MAC that is
 * not base64, a window out of range) is refused whole: the copy and its
 * revision stay as they were.  A snapshot of a higher epoch replaces a
 * copy of any revision.
 */
static void
test_apply_refuses(void)
{
	struct store *r = open_path(replica_path);
	struct site_local l;
	char why[256], d0[65], d1[65];
	static const char *const bad[] = {
		"{\"type\":\"snapshot\",\"site\":\"lab\",\"node\":\"main\",\"format\":1,"
		"\"epoch\":1,\"rev\":99,\"issued_ms\":5,\"members\":[{\"id\":1,\"status\":"
		"\"maybe\",\"valid_from\":null,\"valid_until\":null,\"public\":0,\"display\":null,"
		"\"erased\":null,\"groups\":[]}],\"badges\":[],\"groups\":[]}",
		"{\"type\":\"snapshot\",\"site\":\"lab\",\"node\":\"main\",\"format\":1,"
		"\"epoch\":1,\"rev\":99,\"issued_ms\":5,\"members\":[],\"badges\":[{\"id\":1,"
		"\"member\":1,\"mac\":\"***\",\"status\":\"active\"}],\"groups\":[]}",
		"{\"type\":\"snapshot\",\"site\":\"lab\",\"node\":\"main\",\"format\":1,"
		"\"epoch\":1,\"rev\":99,\"issued_ms\":5,\"members\":[],\"badges\":[],"
		"\"groups\":[{\"id\":1,\"name\":\"g\",\"offline_ok\":0,\"windows\":[[1,0,2000]]}]}",
		"{\"type\":\"snapshot\",\"site\":\"lab\",\"node\":\"main\",\"format\":1,"
		"\"epoch\":1,\"rev\":99,\"issued_ms\":5,\"members\":[]}",
		"{\"type\":\"delta\",\"site\":\"lab\",\"node\":\"main\",\"format\":1,"
		"\"epoch\":1,\"base\":99,\"rev\":98,\"issued_ms\":5}",
	};
	size_t i;

	if (r == NULL)
		return;
	EXPECT(site_acl_digest(r, d0) == 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = apply_text(r, bad[i], why, sizeof(why));

		if (rc >= 0)
			printf("#   case %zu applied (%d)\n", i, rc);
		EXPECT(rc < 0);
	}
	EXPECT(site_acl_digest(r, d1) == 0);
	EXPECT_STR(d0, d1);
	EXPECT(site_acl_local(r, &l) == 0);
	EXPECT_INT(l.epoch, 1);
	EXPECT(l.rev < 99);
	/* A promotion: epoch 2 starts again at revision 1, and wins. */
	EXPECT_INT(apply_text(r, "{\"type\":\"snapshot\",\"site\":\"lab\",\"node\":\"hall\","
	    "\"format\":1,\"epoch\":2,\"rev\":1,\"issued_ms\":5,\"members\":[],\"badges\":[],"
	    "\"groups\":[]}", why, sizeof(why)), 1);
	EXPECT(site_acl_local(r, &l) == 0);
	EXPECT_INT(l.epoch, 2);
	EXPECT_INT(l.rev, 1);
	EXPECT_STR(l.primary, "hall");
	store_close(r);
}

/* The change log is pruned to its last ACL_LOG_KEEP rows; a delta from
 * before them is refused (the builder sends a snapshot instead), one
 * from within them is whole. */
static void
test_log_pruned(void)
{
	struct site_head h = { .site = "lab", .node = "main", .epoch = 1 };
	struct store *st = open_fresh("pruned.db");
	int64_t a, b, e, v;
	bool empty;
	char *d;
	int i;

	if (st == NULL)
		return;
	a = add_member(st, "alice");
	EXPECT(store_begin(st) == 0);
	for (i = 0; i < ACL_LOG_KEEP + 100; i++)
		EXPECT(store_member_set_active(st, a, i % 2) == 0);
	EXPECT(store_commit(st) == 0);
	EXPECT(store_purge(st, 1000, 0, 0, &e, &v) == 0);
	EXPECT_INT(store_acl_pruned(st, 0), 1);
	h.base = 0;
	EXPECT(site_acl_delta(st, &h, &empty) == NULL && !empty);
	b = store_acl_rev(st);
	EXPECT_INT(store_acl_pruned(st, b - 10), 0);
	h.base = b - 10;
	d = site_acl_delta(st, &h, &empty);
	EXPECT(d != NULL && strstr(d, "\"members\":[{\"id\":1,") != NULL);
	free(d);
	store_close(st);
}

/* ---- a replica whose copy expired ---- */

static enum access_reason
decide_expired(const struct access_groups *g, enum when_expired policy, bool expired,
    int minute)
{
	struct access_input in;

	memset(&in, 0, sizeof(in));
	in.badge_found = in.badge_active = in.member_active = true;
	in.groups = g;
	snprintf(in.now.date, sizeof(in.now.date), "2026-06-10");
	in.now.weekday = 2;
	in.now.minute = minute;
	in.clock_synced = true;
	in.copy_expired = expired;
	in.when_expired = policy;
	return access_decide(&in);
}

/*
 * when_expired = offline_groups admits only through groups marked
 * offline_ok, within their schedules; keep admits as before; deny admits
 * no one; and a copy that has not expired decides as ever.  Every denial
 * before it (a revoked badge, a disabled member) still comes first.
 */
static void
test_expired_policy(void)
{
	struct access_groups none, plain, keyholders;
	struct access_input in;

	memset(&none, 0, sizeof(none));
	memset(&plain, 0, sizeof(plain));
	memset(&keyholders, 0, sizeof(keyholders));
	plain.ngroups = 1;
	keyholders.ngroups = 2;
	snprintf(plain.groups[0].name, sizeof(plain.groups[0].name), "members");
	keyholders.groups[0] = plain.groups[0];
	keyholders.groups[1].offline_ok = true;
	keyholders.groups[1].nwindows = 1;
	keyholders.groups[1].windows[0] = (struct schedule_window){ 0x7f, 480, 1200 };
	snprintf(keyholders.groups[1].name, sizeof(keyholders.groups[1].name), "keys");

	EXPECT_INT(decide_expired(&plain, EXPIRED_OFFLINE_GROUPS, false, 600), ACCESS_GRANTED);
	EXPECT_INT(decide_expired(&plain, EXPIRED_OFFLINE_GROUPS, true, 600), ACCESS_ACL_EXPIRED);
	EXPECT_INT(decide_expired(&none, EXPIRED_OFFLINE_GROUPS, true, 600), ACCESS_ACL_EXPIRED);
	EXPECT_INT(decide_expired(NULL, EXPIRED_OFFLINE_GROUPS, true, 600), ACCESS_ACL_EXPIRED);
	EXPECT_INT(decide_expired(&keyholders, EXPIRED_OFFLINE_GROUPS, true, 600), ACCESS_GRANTED);
	/* The offline group's own schedule, not the schedule-free group. */
	EXPECT_INT(decide_expired(&keyholders, EXPIRED_OFFLINE_GROUPS, true, 1300),
	    ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(decide_expired(&keyholders, EXPIRED_OFFLINE_GROUPS, false, 1300),
	    ACCESS_GRANTED);
	EXPECT_INT(decide_expired(&plain, EXPIRED_KEEP, true, 600), ACCESS_GRANTED);
	EXPECT_INT(decide_expired(&keyholders, EXPIRED_DENY, true, 600), ACCESS_ACL_EXPIRED);
	memset(&in, 0, sizeof(in));
	in.badge_found = true;
	in.member_active = true;
	in.copy_expired = true;
	in.when_expired = EXPIRED_KEEP;
	EXPECT_INT(access_decide(&in), ACCESS_BADGE_REVOKED);
	EXPECT_STR(access_reason_name(ACCESS_ACL_EXPIRED), "acl_expired");
}

/* ---- the journal, in the primary's store ---- */

static void
row(struct journal_row *r, const char *node, int64_t seq, int64_t ts, const char *type,
    int64_t member)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->node, sizeof(r->node), "%s", node);
	r->prev = seq - 1;
	r->ev.seq = seq;
	r->ev.ts_ms = ts;
	r->ev.member_id = member;
	snprintf(r->ev.type, sizeof(r->ev.type), "%s", type);
	snprintf(r->ev.door, sizeof(r->ev.door), "%s", node);
}

static int
keep_site_event(const struct event_row *ev, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%lld=%s:%lld:%s:%lld", n ? " " : "", (long long)ev->seq,
	    ev->node, (long long)ev->node_seq, ev->type, (long long)ev->member_id);
	return 0;
}

static int
keep_present(int64_t member, int64_t since, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 128 - n, "%s%lld@%lld", n ? " " : "", (long long)member,
	    (long long)since);
	return 0;
}

/*
 * The primary stores each (node, seq) once, in the order it took them (the
 * site's seq), and its mark of each node moves only forward; who is on
 * site follows each node's arrivals and departures; the site's events go
 * with the same retention as the rest, and an erased member's with theirs.
 */
static void
test_journal_store(void)
{
	struct store *st = open_fresh("journal.db");
	struct journal_row r[4];
	char out[512], present[128];
	int64_t acked, alice, bob;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	bob = add_member(st, "bob");
	row(&r[0], "hall", 1, 1000, "arrival", alice);
	row(&r[1], "shop", 1, 2000, "arrival", bob);
	row(&r[2], "hall", 2, 900000, "access_granted", alice);
	row(&r[3], "shop", 2, 900100, "arrival", alice);
	EXPECT_INT(store_site_ingest(st, r, 4, 5000), 0);
	EXPECT_INT(store_site_ingest(st, r, 3, 6000), 0);	/* sent again */
	EXPECT(store_site_acked(st, "hall", &acked) == 0 && acked == 2);
	EXPECT(store_site_acked(st, "nowhere", &acked) == 0 && acked == 0);
	out[0] = '\0';
	EXPECT_INT(store_site_events_after(st, 0, 0, keep_site_event, out), 4);
	EXPECT_STR(out, "1=hall:1:arrival:1 2=shop:1:arrival:2 3=hall:2:access_granted:1 "
	    "4=shop:2:arrival:1");
	EXPECT_INT(store_site_last_seq(st), 4);
	present[0] = '\0';
	EXPECT_INT(store_site_present(st, keep_present, present), 2);
	EXPECT_STR(present, "1@1000 2@2000");
	row(&r[0], "hall", 3, 900200, "departure", alice);
	EXPECT_INT(store_site_ingest(st, r, 1, 7000), 0);
	present[0] = '\0';
	EXPECT_INT(store_site_present(st, keep_present, present), 2);
	EXPECT_STR(present, "2@2000 1@900100");	/* still at shop */

	/* Retention: what is older than 100 s at 1000 s goes. */
	EXPECT_INT(store_purge(st, 1000000, 100000, 100000, NULL, NULL), 0);
	out[0] = '\0';
	EXPECT_INT(store_site_events_after(st, 0, 0, keep_site_event, out), 3);
	EXPECT(strstr(out, ":1000") == NULL && strstr(out, "2=shop") == NULL);
	EXPECT_INT(store_site_last_seq(st), 5);		/* never reused */
	EXPECT_INT(store_member_erase(st, alice, 1000000), 0);
	out[0] = '\0';
	store_site_events_after(st, 0, 0, keep_site_event, out);
	EXPECT_STR(out, "3=hall:2:access_granted:0 4=shop:2:arrival:0 5=hall:3:departure:0");
	store_close(st);
}

/*
 * A guest's events travel in the journal with the pass and the sponsor
 * (never a name), and the site counts a guest who arrived at a node, as
 * minus the guest's id, as a single Pi's presence does, until a departure
 * at that node; a row of an older node, without them, is read as before.
 * An erased guest's site events let go of the guest.
 */
static void
test_journal_guests(void)
{
	struct store *st = open_fresh("journal-guests.db");
	struct journal_row r[3], back;
	struct guest_row g;
	char present[128], why[96], *text;
	const char *old = "{\"node\":\"hall\",\"seq\":1,\"prev\":0,\"ts_ms\":1,"
	    "\"clock_synced\":true,\"boot_id\":null,\"mono_ms\":1,\"type\":\"arrival\","
	    "\"door\":\"hall\",\"reader\":null,\"member\":0,\"badge\":0,\"reason\":null,"
	    "\"detail\":null,\"actor\":null}";
	int64_t alice, zoe;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	alice = add_member(st, "alice");
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "Zoe Secret");
	g.sponsor_id = alice;
	g.created_ms = 1000;
	g.ends_ms = 9000000;
	zoe = store_guest_add(st, &g);
	row(&r[0], "hall", 1, 1000, "access_granted", 0);
	r[0].ev.guest_id = zoe;
	r[0].ev.via = alice;
	text = site_journal_encode("hall", 0, &r[0].ev);
	EXPECT(text != NULL && strstr(text, "Zoe") == NULL);
	EXPECT(text != NULL && site_journal_parse(text, strlen(text), &back, why,
	    sizeof(why)) == 0);
	EXPECT_INT(back.ev.guest_id, zoe);
	EXPECT_INT(back.ev.via, alice);
	free(text);
	EXPECT(site_journal_parse(old, strlen(old), &back, why, sizeof(why)) == 0);
	EXPECT_INT(back.ev.guest_id, 0);

	row(&r[1], "hall", 2, 1001, "arrival", 0);
	r[1].ev.guest_id = zoe;
	r[1].ev.via = alice;
	row(&r[2], "shop", 1, 2000, "arrival", alice);
	EXPECT_INT(store_site_ingest(st, r, 3, 5000), 0);
	present[0] = '\0';
	EXPECT_INT(store_site_present(st, keep_present, present), 2);
	snprintf(why, sizeof(why), "-%lld@1001 %lld@2000", (long long)zoe, (long long)alice);
	EXPECT_STR(present, why);
	row(&r[0], "hall", 3, 3000, "departure", 0);
	r[0].ev.guest_id = zoe;
	EXPECT_INT(store_site_ingest(st, r, 1, 6000), 0);
	present[0] = '\0';
	EXPECT_INT(store_site_present(st, keep_present, present), 1);
	EXPECT(store_guest_erase(st, zoe) == 0);
	EXPECT_INT(store_site_present(st, keep_present, present), 1);
	store_close(st);
}

#define T0	1796464800000LL		/* 2026-12-05 10:00 UTC */

static int
keep_visit(const struct visit_row *v, void *arg)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 512 - n, "%s%s:%lld:%lld-%lld:%s", n ? " " : "", v->node,
	    (long long)v->member_id, (long long)(v->arrived_ms - T0) / 1000,
	    v->left_ms ? (long long)(v->left_ms - T0) / 1000 : -1LL,
	    v->left_reason[0] ? v->left_reason : "open");
	return 0;
}

/*
 * The site's visits, as a single Pi keeps its own (daemon/presence.c): a
 * node's arrival opens a visit there, its grants refresh it, its departure
 * closes it; the primary's timeout and day end close what a node does not
 * (cut off, gone), and a departure that comes after changes nothing; who
 * is on site is who has a visit open anywhere, a guest as a guest; the same
 * retention and erasure as visits.  Times in seconds after T0, 10:00 UTC.
 */
static void
test_site_visits(void)
{
	struct store *st = open_fresh("visits.db");
	struct journal_row r[4];
	struct guest_row g;
	char out[512], present[128], want[128];
	int64_t alice, bob, zoe, next;

	EXPECT(st != NULL);
	if (st == NULL)
		return;
	EXPECT_INT(tz_set("UTC", out, sizeof(out)), 0);
	alice = add_member(st, "alice");
	bob = add_member(st, "bob");
	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "Zoe");
	g.sponsor_id = alice;
	g.created_ms = T0;
	g.ends_ms = T0 + 48 * 3600000LL;
	zoe = store_guest_add(st, &g);
	EXPECT(zoe > 0);
	row(&r[0], "hall", 1, T0, "arrival", alice);
	row(&r[1], "main", 1, T0 + 60000, "arrival", bob);
	row(&r[2], "main", 2, T0 + 120000, "access_granted", bob);
	row(&r[3], "hall", 2, T0 + 30000, "arrival", 0);
	r[3].ev.guest_id = zoe;
	EXPECT_INT(store_site_ingest(st, r, 4, T0), 0);
	EXPECT_INT(store_site_ingest(st, r, 4, T0), 0);		/* sent again: once */
	present[0] = '\0';
	EXPECT_INT(store_site_present(st, keep_present, present), 3);
	snprintf(out, sizeof(out), "1@%lld -%lld@%lld 2@%lld", (long long)T0,
	    (long long)zoe, (long long)T0 + 30000, (long long)T0 + 60000);
	EXPECT_STR(present, out);

	/* Timeout 30 min, day end 04:00: nothing due at 10:10; alice first. */
	EXPECT_INT(store_site_visits_expire(st, T0 + 600000, 1800000, 240, &next), 0);
	EXPECT(next == T0 + 1800000);
	/* At 10:31 alice (last seen 10:00) and the guest (10:00:30) leave,
	 * at their last seen; bob, seen at 10:02 on main, stays. */
	EXPECT_INT(store_site_visits_expire(st, T0 + 1860000, 1800000, 240, &next), 2);
	EXPECT(next == T0 + 120000 + 1800000);
	present[0] = '\0';
	EXPECT_INT(store_site_present(st, keep_present, present), 1);
	/* hall's own departure, later: her visit stays as the primary ended
	 * it; then she comes back. */
	row(&r[0], "hall", 3, T0 + 2400000, "departure", alice);
	snprintf(r[0].ev.reason, sizeof(r[0].ev.reason), "badge_out");
	row(&r[1], "hall", 4, T0 + 3000000, "arrival", alice);
	EXPECT_INT(store_site_ingest(st, r, 2, T0), 0);
	out[0] = '\0';
	EXPECT_INT(store_site_visits_between(st, 0, 0, 0, keep_visit, out), 4);
	snprintf(want, sizeof(want), "hall:1:0-0:timeout hall:-%lld:30-30:timeout"
	    " main:2:60--1:open hall:1:3000--1:open", (long long)zoe);
	EXPECT_STR(out, want);
	/* Only alice's, and only those of a range. */
	out[0] = '\0';
	EXPECT_INT(store_site_visits_between(st, T0 + 1000, 0, alice, keep_visit, out), 1);

	/* A day end (04:00) before a long timeout: left at the day end. */
	EXPECT_INT(store_site_visits_expire(st, T0 + 19 * 3600000LL, 86400000, 240, &next), 2);
	EXPECT(next == INT64_MAX);
	out[0] = '\0';
	store_site_visits_between(st, T0 + 60000, 0, 0, keep_visit, out);
	EXPECT_STR(out, "main:2:60-64800:day_end hall:1:3000-64800:day_end");
	EXPECT_INT(store_site_has_visits(st), 1);

	/* A checkout on the primary ends a visit wherever it is. */
	row(&r[0], "hall", 5, T0 + 20 * 3600000LL, "arrival", bob);
	EXPECT_INT(store_site_ingest(st, r, 1, T0), 0);
	EXPECT_INT(store_site_visits_checkout(st, bob, T0 + 21 * 3600000LL, "manual"), 1);
	EXPECT_INT(store_site_visits_checkout(st, bob, T0 + 21 * 3600000LL, "manual"), 0);
	/* A node's own timeout, noticed late: left when last seen. */
	row(&r[0], "hall", 6, T0 + 22 * 3600000LL, "arrival", alice);
	row(&r[1], "hall", 7, T0 + 22 * 3600000LL + 60000, "access_granted", alice);
	row(&r[2], "hall", 8, T0 + 30 * 3600000LL, "departure", alice);
	snprintf(r[2].ev.reason, sizeof(r[2].ev.reason), "timeout");
	EXPECT_INT(store_site_ingest(st, r, 3, T0), 0);
	out[0] = '\0';
	store_site_visits_between(st, T0 + 22 * 3600000LL, 0, alice, keep_visit, out);
	EXPECT_STR(out, "hall:1:79200-79260:timeout");

	/* Erasure: bob's visits are nobody's; retention: the visits that
	 * ended before the cut-off go, with the site's events. */
	EXPECT_INT(store_member_erase(st, bob, T0 + 22 * 3600000LL), 0);
	out[0] = '\0';
	store_site_visits_between(st, 0, 0, 0, keep_visit, out);
	EXPECT(strstr(out, ":2:") == NULL && strstr(out, "main:0:60") != NULL);
	EXPECT_INT(store_purge(st, T0 + 10 * 3600000LL, 3600000, 3600000, NULL, NULL), 0);
	out[0] = '\0';
	EXPECT_INT(store_site_visits_between(st, 0, 0, 0, keep_visit, out), 4);
	EXPECT(strstr(out, ":0-0:timeout") == NULL && strstr(out, ":30-30:") == NULL);
	store_close(st);
}

/* ---- enrolment requests of both kinds (core/site_enrol.h) ---- */

#define REQ_HEAD	"{\"type\":\"enrol\",\"site\":\"lab\",\"node\":\"hall\"," \
	"\"id\":\"0123456789abcdef0123456789abcdef\",\"member\":\"alice\",\"hint\":\"E5F7\"," \
	"\"reader\":\"desk\",\"actor\":\"uid:0(root)\",\"role\":\"operate\"," \
	"\"expires_ms\":1796000000000,"
#define MAC_A	"\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\""
#define MAC_B	"\"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBA=\""

static int
parse(const char *body, struct site_enrol_req *q)
{
	char why[96] = "";
	int rc = site_enrol_req_parse(body, strlen(body), q, why, sizeof(why));

	EXPECT(rc == 0 || why[0] != '\0');
	return rc;
}

static void
test_enrol_kinds(void)
{
	struct site_enrol_req q, q2;
	char *text;

	/* No kind: a UID request, as an older node sends it. */
	EXPECT(parse(REQ_HEAD "\"mac\":" MAC_A "}", &q) == 0);
	EXPECT(!q.desfire && q.mac[0] == 0 && q.cred[0] == 0);
	EXPECT(parse(REQ_HEAD "\"kind\":\"uid\",\"mac\":" MAC_A "}", &q) == 0);
	EXPECT(!q.desfire);
	/* A DESFire card: the UID's MAC as uid_mac, the credential's. */
	EXPECT(parse(REQ_HEAD "\"kind\":\"desfire\",\"uid_mac\":" MAC_A ",\"credential\":"
	    MAC_B "}", &q) == 0);
	EXPECT(q.desfire && q.mac[0] == 0 && q.cred[0] == 0x04 && q.cred[31] == 0x10);
	text = site_enrol_req_encode(&q);
	EXPECT(text != NULL && strstr(text, "\"mac\"") == NULL &&
	    strstr(text, "\"uid_mac\"") != NULL);
	EXPECT(text != NULL && parse(text, &q2) == 0 && memcmp(&q, &q2, sizeof(q)) == 0);
	free(text);
	/* A DESFire request under "mac" (which an older primary would take
	 * for a UID), without its credential, or a bad one; a UID request
	 * with a credential; an unknown kind: refused. */
	EXPECT(parse(REQ_HEAD "\"kind\":\"desfire\",\"mac\":" MAC_A ",\"credential\":"
	    MAC_B "}", &q) == -1);
	EXPECT(parse(REQ_HEAD "\"kind\":\"desfire\",\"uid_mac\":" MAC_A "}", &q) == -1);
	EXPECT(parse(REQ_HEAD "\"kind\":\"desfire\",\"uid_mac\":" MAC_A
	    ",\"credential\":\"BBBB\"}", &q) == -1);
	EXPECT(parse(REQ_HEAD "\"kind\":\"uid\",\"mac\":" MAC_A ",\"credential\":" MAC_B
	    "}", &q) == -1);
	EXPECT(parse(REQ_HEAD "\"kind\":\"nfc\",\"mac\":" MAC_A "}", &q) == -1);
	EXPECT(parse(REQ_HEAD "\"kind\":7,\"mac\":" MAC_A "}", &q) == -1);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_schema_number);
	RUN(test_migration_keeps_rev);
	RUN(test_change_log);
	RUN(test_replica_refuses);
	RUN(test_envelope);
	RUN(test_enrol_kinds);
	RUN(test_key_files);
	RUN(test_snapshot_and_delta);
	RUN(test_guests_travel);
	RUN(test_apply_refuses);
	RUN(test_log_pruned);
	RUN(test_journal_store);
	RUN(test_journal_guests);
	RUN(test_site_visits);
	RUN(test_expired_policy);
	if (getenv("KEEP") == NULL) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return TEST_REPORT();
}

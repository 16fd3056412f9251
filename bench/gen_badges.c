/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Fill a seuil database for the badge-path benchmark:
 *
 *	gen_badges --db FILE --key FILE [--count N] [--members M] [--events E]
 *
 * N badges (default 100000) shared by M members (default N / 5, at least
 * 1; badge i belongs to member i % M), and E access events (default 0)
 * spread over the last 60 days, so the store is the size a busy site
 * reaches within its 90-day retention and the daemon's retention pass has
 * nothing to delete at start.  The MQTT mark is set past the last event,
 * so a daemon with MQTT on does not publish the backlog.
 *
 * Badge i has the 4-byte UID 04 XX XX XX with XX XX XX = i (big-endian),
 * so a benchmark can tap any of them.  Creates the database (schema from
 * store_open, as `seuilctl init` makes it) and the key if missing; writes
 * the rows with sqlite3 directly in one transaction, for speed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <sqlite3.h>

#include "clock.h"
#include "store.h"
#include "uid.h"

static int
exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_badges: %s: %s\n", sql, sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

static int
step(sqlite3 *db, sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE) {
		fprintf(stderr, "gen_badges: %s\n", sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *dbpath = NULL, *keyfile = NULL;
	long count = 100000, members = -1, events = 0;
	uint8_t key[UID_KEY_LEN], mac[UID_MAC_LEN];
	char err[512], hint[UID_HINT_LEN], name[32], seq[128];
	struct store *st;
	sqlite3 *db = NULL;
	sqlite3_stmt *im = NULL, *ib = NULL, *ie = NULL;
	int64_t now = clock_wall_ms(), span = 60LL * 86400000;
	uint64_t x = 0x9E3779B97F4A7C15ULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			dbpath = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			keyfile = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--members") == 0)
			members = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--events") == 0)
			events = strtol(argv[i + 1], NULL, 10);
	}
	if (members < 0)
		members = count / 5 > 0 ? count / 5 : 1;
	if (dbpath == NULL || keyfile == NULL || count < 1 || count > 0xffffff ||
	    members < 1 || members > count || events < 0) {
		fprintf(stderr, "usage: gen_badges --db FILE --key FILE [--count N] "
		    "[--members M] [--events E]\n");
		return EX_USAGE;
	}
	if (uid_key_create(keyfile, err, sizeof(err)) == -1 ||
	    uid_key_load(keyfile, key, err, sizeof(err)) == -1) {
		fprintf(stderr, "gen_badges: %s\n", err);
		return EX_CANTCREAT;
	}
	if ((st = store_open(dbpath, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gen_badges: %s\n", err);
		return EX_CANTCREAT;
	}
	store_close(st);
	if (sqlite3_open(dbpath, &db) != SQLITE_OK ||
	    exec(db, "PRAGMA synchronous = OFF; BEGIN IMMEDIATE") == -1)
		goto fail;
	if (sqlite3_prepare_v2(db, "INSERT INTO members (id, name, status, created)"
	    " VALUES (?1, ?2, 'active', ?3)", -1, &im, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO badges (id, member_id, uid_mac, uid_hint,"
	    " status, created) VALUES (?1, ?2, ?3, ?4, 'active', ?5)", -1, &ib, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO events (ts_ms, clock_synced, mono_ms, type,"
	    " door, reader, member_id, badge_id) VALUES (?1, 1, ?1, 'access_granted',"
	    " 'front', 'in', ?2, ?3)", -1, &ie, NULL) != SQLITE_OK) {
		fprintf(stderr, "gen_badges: %s\n", sqlite3_errmsg(db));
		goto fail;
	}
	for (long i = 0; i < members; i++) {
		snprintf(name, sizeof(name), "member%07ld", i);
		sqlite3_bind_int64(im, 1, i + 1);
		sqlite3_bind_text(im, 2, name, -1, SQLITE_STATIC);
		sqlite3_bind_int64(im, 3, now);
		if (step(db, im) == -1)
			goto fail;
	}
	for (long i = 0; i < count; i++) {
		struct uid u = { .len = 4, .bytes = { 0x04, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i } };

		uid_mac(key, &u, mac);
		uid_hint(&u, hint);
		sqlite3_bind_int64(ib, 1, i + 1);
		sqlite3_bind_int64(ib, 2, i % members + 1);
		sqlite3_bind_blob(ib, 3, mac, sizeof(mac), SQLITE_STATIC);
		sqlite3_bind_text(ib, 4, hint, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ib, 5, now);
		if (step(db, ib) == -1)
			goto fail;
	}
	for (long i = 0; i < events; i++) {
		long b;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b = (long)(x % (uint64_t)count);
		sqlite3_bind_int64(ie, 1, now - span + span * i / events);
		sqlite3_bind_int64(ie, 2, b % members + 1);
		sqlite3_bind_int64(ie, 3, b + 1);
		if (step(db, ie) == -1)
			goto fail;
	}
	snprintf(seq, sizeof(seq), "INSERT OR REPLACE INTO meta (key, value) VALUES"
	    " ('mqtt_published_seq', '%ld')", events);
	if (exec(db, seq) == -1 || exec(db, "COMMIT") == -1)
		goto fail;
	sqlite3_finalize(im);
	sqlite3_finalize(ib);
	sqlite3_finalize(ie);
	sqlite3_close(db);
	printf("bench: gen_badges_rows %ld badges\n", count);
	return 0;
fail:
	sqlite3_finalize(im);
	sqlite3_finalize(ib);
	sqlite3_finalize(ie);
	sqlite3_close(db);
	return EX_IOERR;
}

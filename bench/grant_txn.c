/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store's share of the badge path, alone:
 *
 *	grant_txn --db FILE --key FILE [--count N] [--taps T] [--gap-ms G]
 *
 * What seuild's writer does for each tap (tap_run, daemon/badge_path.c):
 * one write transaction that finds the badge, decides, appends the event
 * and marks the badge seen, committed.  Here in the single thread of a
 * process that does nothing else: no reader, no loop, no hand-off between
 * threads.  T taps (default 400) of random badges among the first N
 * (default 100000, as gen_badges makes them), G ms apart (default 10, the
 * pace of bench.py's badge path), with the writer's settings: its page
 * cache, no automatic checkpoint, and its idle checkpoint and WAL restart
 * between taps.  Prints each tap's time in microseconds, one a line, but
 * for the first 20 (they warm the cache, as in bench.py): a floor for
 * badge_path_*_us on the same machine and file system.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "access.h"
#include "clock.h"
#include "config.h"
#include "decision.h"
#include "store.h"
#include "uid.h"

#define WARM_TAPS	20
#define CKPT_FRAMES	64	/* as the writer's WRITER_CKPT_MIN */
#define CACHE_KIB	128	/* as the writer's WRITER_CACHE_KIB */

/* One grant's transaction, as tap_run does it.  0 or -1. */
static int
grant(struct store *st, const struct config *conf, const uint8_t mac[UID_MAC_LEN])
{
	struct event ev = { .door = "bench", .reader = "bench", .ts_ms = clock_wall_ms(),
	    .mono_ms = clock_mono_ms(), .clock_synced = true };
	struct decision_rows rows;
	struct access_input in;
	struct decision_tap tap = { .reader = CREDENTIAL_BOTH, .card = ACCESS_CARD_UID };
	enum access_reason reason;
	int found;

	if (store_begin(st) == -1)
		return -1;
	if ((found = decision_rows_load(st, BADGE_UID, mac, &rows)) == -1)
		goto fail;
	decision_input(&in, conf, found ? &rows.badge : NULL, &rows.member, &rows.groups,
	    ev.ts_ms, true, tap);
	reason = access_decide(&in);
	ev.member_id = rows.member.id;
	ev.badge_id = rows.badge.id;
	if (reason == ACCESS_GRANTED) {
		ev.type = "access_granted";
		if (store_append_event(st, &ev) == -1 ||
		    store_badge_seen(st, rows.badge.id, ev.ts_ms) == -1)
			goto fail;
	} else {
		ev.type = "access_denied";
		ev.reason = access_reason_name(reason);
		if (store_append_event(st, &ev) == -1)
			goto fail;
	}
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
main(int argc, char *argv[])
{
	const char *dbpath = NULL, *keyfile = NULL;
	long count = 100000, taps = 400, gap_ms = 10;
	static struct config conf;	/* the defaults: unsynced_clock unset */
	uint8_t key[UID_KEY_LEN], mac[UID_MAC_LEN];
	char err[512];
	struct store *st;
	long i;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			dbpath = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			keyfile = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--taps") == 0)
			taps = strtol(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--gap-ms") == 0)
			gap_ms = strtol(argv[i + 1], NULL, 10);
		else
			break;
	}
	if (i != argc || dbpath == NULL || keyfile == NULL || count < 1 || count > 0xffffff ||
	    taps <= WARM_TAPS || taps > 1000000 || gap_ms < 0 || gap_ms > 10000) {
		fprintf(stderr, "usage: grant_txn --db FILE --key FILE [--count N] [--taps T] "
		    "[--gap-ms G]\n");
		return EX_USAGE;
	}
	if (uid_key_load(keyfile, key, err, sizeof(err)) == -1 ||
	    (st = store_open(dbpath, 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "grant_txn: %s\n", err);
		return EX_NOINPUT;
	}
	store_checkpoint_manual(st);
	if (store_cache_kib(st, CACHE_KIB) == -1) {
		fprintf(stderr, "grant_txn: %s\n", store_errmsg(st));
		return EX_SOFTWARE;
	}
	srand(42);
	for (i = 0; i < taps; i++) {
		long b = rand() % count;
		struct uid u = { .len = 4, .bytes = { 0x04, (uint8_t)(b >> 16), (uint8_t)(b >> 8),
		    (uint8_t)b } };
		struct timespec nap = { gap_ms / 1000, (gap_ms % 1000) * 1000000L };
		int64_t t0;

		nanosleep(&nap, NULL);
		t0 = clock_mono_ns();
		uid_mac(key, &u, mac);
		if (grant(st, &conf, mac) == -1) {
			fprintf(stderr, "grant_txn: tap %ld: %s\n", i, store_errmsg(st));
			return EX_SOFTWARE;
		}
		if (i >= WARM_TAPS)
			printf("%lld\n", (long long)(clock_mono_ns() - t0) / 1000);
		if (store_wal_pending(st) >= CKPT_FRAMES &&
		    store_checkpoint_passive(st) == 0 && store_wal_pending(st) == 0)
			(void)store_wal_restart(st);
	}
	store_close(st);
	return 0;
}

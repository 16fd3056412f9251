/*
 * Fill a seuil database with N members, one badge each, for the badge-path
 * benchmark: `gen_badges --db FILE --key FILE --count N`.  Badge i has the
 * 4-byte UID 04 XX XX XX with XX XX XX = i (big-endian), so a benchmark can
 * tap any of them.  Creates the database and key if missing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "store.h"
#include "uid.h"

int
main(int argc, char *argv[])
{
	const char *db = NULL, *keyfile = NULL;
	long count = 100000;
	uint8_t key[UID_KEY_LEN], mac[UID_MAC_LEN];
	char err[512], hint[UID_HINT_LEN];
	struct store *st;
	int64_t now = clock_wall_ms();

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--db") == 0)
			db = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			keyfile = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = strtol(argv[i + 1], NULL, 10);
	}
	if (db == NULL || keyfile == NULL || count < 1 || count > 0xffffff) {
		fprintf(stderr, "usage: gen_badges --db FILE --key FILE [--count N]\n");
		return EX_USAGE;
	}
	if (uid_key_create(keyfile, err, sizeof(err)) == -1 ||
	    uid_key_load(keyfile, key, err, sizeof(err)) == -1) {
		fprintf(stderr, "gen_badges: %s\n", err);
		return EX_CANTCREAT;
	}
	if ((st = store_open(db, STORE_CREATE, err, sizeof(err))) == NULL) {
		fprintf(stderr, "gen_badges: %s\n", err);
		return EX_CANTCREAT;
	}
	if (store_begin(st) == -1)
		goto fail;
	for (long i = 0; i < count; i++) {
		struct member_row m;
		struct uid u = { .len = 4, .bytes = { 0x04, (uint8_t)(i >> 16), (uint8_t)(i >> 8),
		    (uint8_t)i } };
		int64_t id;

		memset(&m, 0, sizeof(m));
		snprintf(m.name, sizeof(m.name), "member%06ld", i);
		m.active = true;
		if ((id = store_member_add(st, &m, now)) < 0)
			goto fail;
		uid_mac(key, &u, mac);
		uid_hint(&u, hint);
		if (store_badge_add(st, id, mac, hint, NULL, now) < 0)
			goto fail;
	}
	if (store_commit(st) == -1)
		goto fail;
	store_close(st);
	printf("bench: gen_badges_rows %ld badges\n", count);
	return 0;
fail:
	fprintf(stderr, "gen_badges: %s\n", store_errmsg(st));
	store_close(st);
	return EX_IOERR;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Member import (core/import.c): a CSV from a spreadsheet, typed or
 * uploaded by a manager, from the console (the LAN) or seuilctl.  The
 * target keeps a real store on tmpfs with members alice (active), bob
 * (disabled) and a group staff; each input is previewed, then applied
 * inside a transaction that is rolled back, so every input starts from the
 * same store.  The first byte picks the options (bit 0 prune, bit 1
 * reenable, bit 2 create_groups).
 * Oracle:
 *  - a preview is a diff, or at least one error, each with a line within
 *    the file (0 only for the store's own), a message, and a field that
 *    is one of the columns or none; the groups it lists as missing are
 *    names a group may have, and none of them exists;
 *  - without create_groups a preview never adds a group; with it, the
 *    groups it adds are created by applying, and no error is about a
 *    missing group;
 *  - applying does exactly what the preview said: it fails exactly when
 *    the preview did, and its counts are the preview's;
 *  - applying the same file again changes nothing (nothing added, changed,
 *    enabled or disabled);
 *  - a member an admin disabled is enabled only with prune and reenable.
 */
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "import.h"
#include "manage.h"
#include "store.h"

static struct store *st;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct member_change ch = { .public = -1 };
	struct manage_err err;
	struct member_row m;
	char path[512], e[512];

	(void)argc;
	(void)argv;
	if (getenv("TMPDIR") == NULL && access("/dev/shm", W_OK) == 0)
		setenv("TMPDIR", "/dev/shm", 1);
	snprintf(path, sizeof(path), "%s/seuil.db", fuzz_tmpdir());
	if ((st = store_open(path, STORE_CREATE, e, sizeof(e))) == NULL) {
		fprintf(stderr, "%s\n", e);
		abort();
	}
	FUZZ_ASSERT(manage_group_add(st, "staff", "fuzz", &err) > 0);
	ch.name = "alice";
	FUZZ_ASSERT(manage_member_add(st, &ch, "fuzz", &err) > 0);
	ch.name = "bob";
	FUZZ_ASSERT(manage_member_add(st, &ch, "fuzz", &err) > 0);
	FUZZ_ASSERT(manage_member_set_active(st, "bob", false, "fuzz", &m, &err) == 0);
	return 0;
}

static int
count(const cJSON *diff, const char *key)
{
	return cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, key));
}

static int
lines_of(const char *text, size_t len)
{
	int n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static bool
known_field(const char *f)
{
	static const char *const cols[] = { "", "name", "display_name", "email", "groups",
	    "valid_from", "valid_until", "public" };

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (strcmp(f, cols[i]) == 0)
			return true;
	return false;
}

static bool
group_exists(const char *name)
{
	struct access_group g;

	return store_group_find(st, name, &g) == 1;
}

static bool
bob_active(void)
{
	struct member_row m;

	return store_member_find(st, "bob", &m) == 1 && m.active;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_opts o = { .actor = "fuzz" };
	struct import_errors errs, errs2;
	struct import_counts n, again;
	const char *text;
	cJSON *diff;
	int rc, i, lines;

	if (size < 1 || size > 64 * 1024)
		return -1;
	o.prune = data[0] & 1;
	o.reenable = o.prune && (data[0] & 2);
	o.create_groups = data[0] & 4;
	text = (const char *)data + 1;
	size--;
	lines = lines_of(text, size);

	diff = import_preview(st, text, size, &o, &errs);
	if (diff == NULL) {
		FUZZ_ASSERT(errs.n >= 1);
		for (i = 0; i < errs.n; i++) {
			FUZZ_ASSERT(errs.e[i].line >= 0 && errs.e[i].line <= lines);
			FUZZ_ASSERT(errs.e[i].column >= 0 && errs.e[i].message[0] != '\0');
			FUZZ_ASSERT(known_field(errs.e[i].field));
			FUZZ_ASSERT(!o.create_groups || strcmp(errs.e[i].field, "groups") != 0 ||
			    strncmp(errs.e[i].message, "group '", 7) != 0);
		}
		for (i = 0; i < errs.nmissing; i++)
			FUZZ_ASSERT(manage_valid_group_name(errs.missing[i]) &&
			    !group_exists(errs.missing[i]));
	} else if (!o.create_groups)
		FUZZ_ASSERT(count(diff, "new_groups") == 0);
	FUZZ_ASSERT(store_begin(st) == 0);
	rc = import_apply(st, text, size, &o, &n, &errs2);
	FUZZ_ASSERT((rc == 0) == (diff != NULL));
	if (rc == 0) {
		FUZZ_ASSERT(n.added == count(diff, "added"));
		FUZZ_ASSERT(n.changed == count(diff, "changed"));
		FUZZ_ASSERT(n.disabled == count(diff, "disabled"));
		FUZZ_ASSERT(n.enabled == count(diff, "enabled"));
		FUZZ_ASSERT(n.groups_added == count(diff, "new_groups"));
		for (i = 0; i < count(diff, "new_groups"); i++)
			FUZZ_ASSERT(group_exists(cJSON_GetStringValue(cJSON_GetArrayItem(
			    cJSON_GetObjectItemCaseSensitive(diff, "new_groups"), i))));
		FUZZ_ASSERT(bob_active() == (o.prune && o.reenable && n.enabled > 0 &&
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(diff, "enabled")) > 0));
		FUZZ_ASSERT(import_apply(st, text, size, &o, &again, &errs2) == 0);
		FUZZ_ASSERT(again.added == 0 && again.changed == 0 && again.enabled == 0 &&
		    again.disabled == 0 && again.groups_added == 0);
	}
	FUZZ_ASSERT(store_rollback(st) == 0);
	FUZZ_ASSERT(!bob_active());
	cJSON_Delete(diff);
	return 0;
}

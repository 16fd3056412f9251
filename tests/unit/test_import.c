/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The member import (core/import.c) on a real store: every error of a file
 * in one pass with its line and column, the separators and words of real
 * spreadsheets, a preview on a read-only connection, and prune that never
 * re-enables a member an admin disabled unless asked.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "manage.h"
#include "store.h"
#include "testhelp.h"

static char dir[] = "/tmp/seuil-test-import.XXXXXX";
static char dbpath[300];

static struct store *
fresh(const char *name)
{
	struct manage_err err;
	char e[512];
	struct store *st;

	snprintf(dbpath, sizeof(dbpath), "%s/%s", dir, name);
	st = store_open(dbpath, STORE_CREATE, e, sizeof(e));
	if (st == NULL) {
		printf("# %s\n", e);
		return NULL;
	}
	if (manage_group_add(st, "staff", "test", &err) == -1)
		printf("# %s\n", err.msg);
	return st;
}

static int
apply(struct store *st, const char *csv, const struct import_opts *o, struct import_counts *n,
    struct import_errors *errs)
{
	return import_apply(st, csv, strlen(csv), o, n, errs);
}

static const char *
member_status(struct store *st, const char *name)
{
	static char buf[16];
	struct member_row m;

	if (store_member_find(st, name, &m) != 1)
		return "none";
	snprintf(buf, sizeof(buf), "%s", m.active ? "active" : "disabled");
	return buf;
}

/* A file with four errors says all four, each where it is, and changes
 * nothing. */
static void
test_every_error_at_once(void)
{
	static const char csv[] =
	    "name,display_name,valid_from,public,groups\n"
	    "alice,Alice,2026-01-01,yes,staff\n"
	    "bob,Bob,tomorrow,yes,staff\n"		/* 3: bad date, column 9 */
	    "carol,Carol,2026-01-01,perhaps,staff\n"	/* 4: bad public, column 24 */
	    "dave,Dave,2026-01-01,no,nosuchgroup\n"	/* 5: missing group, column 25 */
	    "alice,Alice again,,,\n";			/* 6: twice */
	struct import_opts o = { .actor = "test" };
	struct import_counts n;
	struct import_errors errs;
	struct store *st = fresh("errors.db");

	EXPECT_INT(apply(st, csv, &o, &n, &errs), -1);
	EXPECT_INT(errs.n, 4);
	EXPECT_INT(errs.e[0].line, 3);
	EXPECT_INT(errs.e[0].column, 9);
	EXPECT(strstr(errs.e[0].message, "tomorrow") != NULL);
	EXPECT_INT(errs.e[1].line, 4);
	EXPECT_INT(errs.e[1].column, 24);
	EXPECT(strstr(errs.e[1].message, "perhaps") != NULL);
	EXPECT_INT(errs.e[2].line, 5);
	EXPECT_INT(errs.e[2].column, 25);
	EXPECT(strstr(errs.e[2].message, "nosuchgroup") != NULL);
	EXPECT_INT(errs.e[3].line, 6);
	EXPECT(strstr(errs.e[3].message, "twice") != NULL);
	EXPECT_STR(member_status(st, "alice"), "none");
	store_close(st);
}

/* French Excel: ';', a BOM, CRLF, oui/non, groups with ','. */
static void
test_spreadsheet_words(void)
{
	static const char csv[] =
	    "\xef\xbb\xbfname;display_name;public;groups\r\n"
	    "\xc3\xa9lodie;\xc3\x89lodie;oui;staff\r\n"
	    "fran\xc3\xa7ois;Fran\xc3\xa7ois;NON;\r\n"
	    "gus;Gus;1;\"staff, staff\"\r\n"
	    "hana;Hana;False;\r\n";
	struct import_opts o = { .actor = "test" };
	struct import_counts n;
	struct import_errors errs;
	struct member_row m;
	struct store *st = fresh("words.db");

	EXPECT_INT(apply(st, csv, &o, &n, &errs), 0);
	if (errs.n > 0)
		printf("#   %d:%d %s\n", errs.e[0].line, errs.e[0].column, errs.e[0].message);
	EXPECT_INT(n.added, 4);
	EXPECT_INT(store_member_find(st, "\xc3\xa9lodie", &m), 1);
	EXPECT_STR(m.display_name, "\xc3\x89lodie");
	EXPECT(m.public);
	EXPECT_INT(store_member_find(st, "hana", &m), 1);
	EXPECT(!m.public);
	EXPECT_INT(store_member_find(st, "gus", &m), 1);
	EXPECT(m.public);
	store_close(st);
}

/* The preview needs no write access: a read-only connection says what
 * applying would do, and the store is the same after. */
static void
test_preview_read_only(void)
{
	static const char csv[] = "name,display_name\nalice,Alice\nbob,Bob\n";
	struct import_opts o = { .actor = "test" };
	struct import_errors errs;
	struct store *st = fresh("preview.db"), *ro;
	char e[512];
	cJSON *diff;

	store_close(st);
	ro = store_open(dbpath, STORE_READONLY, e, sizeof(e));
	EXPECT(ro != NULL);
	diff = import_preview(ro, csv, strlen(csv), &o, &errs);
	EXPECT(diff != NULL);
	EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(diff, "added")), 2);
	EXPECT(cJSON_IsFalse(cJSON_GetObjectItem(diff, "applied")));
	cJSON_Delete(diff);
	EXPECT_STR(member_status(ro, "alice"), "none");
	store_close(ro);
}

/* prune disables those missing; a disabled member present stays disabled
 * (an admin disabled them) unless reenable. */
static void
test_prune_never_reenables_alone(void)
{
	struct import_opts o = { .actor = "test" };
	struct import_counts n;
	struct import_errors errs;
	struct manage_err err;
	struct member_row m;
	struct store *st = fresh("prune.db");
	cJSON *diff;

	EXPECT_INT(apply(st, "name\nalice\nbob\ncarol\n", &o, &n, &errs), 0);
	EXPECT_INT(manage_member_set_active(st, "bob", false, "admin", &m, &err), 0);
	o.prune = true;
	diff = import_preview(st, "name\nalice\nbob\n", 15, &o, &errs);
	EXPECT(diff != NULL);
	EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(diff, "kept_disabled")), 1);
	EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(diff, "enabled")), 0);
	EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(diff, "disabled")), 1);
	cJSON_Delete(diff);
	EXPECT_INT(apply(st, "name\nalice\nbob\n", &o, &n, &errs), 0);
	EXPECT_STR(member_status(st, "bob"), "disabled");
	EXPECT_STR(member_status(st, "carol"), "disabled");
	EXPECT_INT(n.kept_disabled, 1);
	o.reenable = true;
	EXPECT_INT(apply(st, "name\nalice\nbob\n", &o, &n, &errs), 0);
	EXPECT_STR(member_status(st, "bob"), "active");
	EXPECT_INT(n.enabled, 1);
	store_close(st);
}

/* A NUL in a quoted field would cut a name short: refused, with where. */
/* Every error names its column, as the header has it. */
static void
test_errors_name_their_column(void)
{
	static const char csv[] =
	    "name;public;valid_until\n"
	    "alice;maybe;2026-13-01\n"
	    ";yes;\n";
	struct import_opts o = { .actor = "test" };
	struct import_counts n;
	struct import_errors errs;
	struct store *st = fresh("fields.db");

	EXPECT_INT(apply(st, csv, &o, &n, &errs), -1);
	EXPECT_INT(errs.n, 3);
	EXPECT_STR(errs.e[0].field, "public");
	EXPECT_STR(errs.e[1].field, "valid_until");
	EXPECT_INT(errs.e[2].line, 3);
	EXPECT_STR(errs.e[2].field, "name");
	store_close(st);
}

/* Missing groups: listed, each an error, unless the import may create
 * them, which it does in its own transaction, before the members. */
static void
test_missing_groups_created_on_request(void)
{
	static const char csv[] =
	    "name,groups\n"
	    "zoe,\"staff;makers\"\n"
	    "yann,\"night,makers,night\"\n"
	    "xavier,\"bad group!\"\n";
	static const char good[] =
	    "name,groups\n"
	    "zoe,\"staff;makers\"\n"
	    "yann,\"night,makers,night\"\n";
	struct import_opts o = { .actor = "test" };
	struct import_counts n;
	struct import_errors errs;
	struct access_group g;
	struct access_groups ag;
	struct member_row m;
	struct store *st = fresh("groups.db");
	cJSON *diff;

	EXPECT_INT(apply(st, csv, &o, &n, &errs), -1);
	EXPECT_INT(errs.n, 4);		/* makers, night, makers, and the bad name */
	EXPECT_INT(errs.nmissing, 2);
	EXPECT_STR(errs.missing[0], "makers");
	EXPECT_STR(errs.missing[1], "night");
	EXPECT_STR(errs.e[3].field, "groups");
	EXPECT(strstr(errs.e[3].message, "cannot be a group name") != NULL);
	o.create_groups = true;
	EXPECT_INT(apply(st, csv, &o, &n, &errs), -1);	/* the bad name stays an error */
	EXPECT_INT(errs.n, 1);
	EXPECT_INT(store_group_find(st, "makers", &g), 0);

	diff = import_preview(st, good, strlen(good), &o, &errs);
	EXPECT(diff != NULL);
	EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(diff, "new_groups")), 2);
	cJSON_Delete(diff);
	EXPECT_INT(apply(st, good, &o, &n, &errs), 0);
	EXPECT_INT(n.groups_added, 2);
	EXPECT_INT(n.added, 2);
	EXPECT_INT(store_group_find(st, "makers", &g), 1);
	EXPECT_INT(store_member_find(st, "yann", &m), 1);
	EXPECT_INT(store_member_groups(st, m.id, &ag), 0);
	EXPECT_INT(ag.ngroups, 2);	/* "night" named twice is one group */
	/* Again: nothing to do. */
	EXPECT_INT(apply(st, good, &o, &n, &errs), 0);
	EXPECT_INT(n.groups_added + n.added + n.changed, 0);
	EXPECT_INT(n.unchanged, 2);
	store_close(st);
}

static void
test_nul_refused(void)
{
	static const char csv[] = "name\n\"ali\0ce\"\n";
	struct import_opts o = { .actor = "test" };
	struct import_counts n;
	struct import_errors errs;
	struct store *st = fresh("nul.db");

	EXPECT_INT(import_apply(st, csv, sizeof(csv) - 1, &o, &n, &errs), -1);
	EXPECT_INT(errs.n, 1);
	EXPECT_INT(errs.e[0].line, 2);
	EXPECT(strstr(errs.e[0].message, "NUL") != NULL);
	store_close(st);
}

/* Counts the import summaries (admin_change "import: …") by arg's actor. */
static int
count_import_summary(const struct event_row *ev, void *arg)
{
	int *n = arg;

	if (strcmp(ev->type, "admin_change") == 0 && strncmp(ev->detail, "import: ", 8) == 0 &&
	    strcmp(ev->actor, "web:olga") == 0)
		(*n)++;
	return 0;
}

/* An applied import leaves one summary event by its actor beside each
 * row's own; a refused one leaves none. */
static void
test_import_audited(void)
{
	struct import_opts o = { .actor = "web:olga" };
	struct import_counts n;
	struct import_errors errs;
	struct store *st = fresh("audit.db");
	int summaries = 0;

	EXPECT_INT(apply(st, "name,valid_from\nalice,2026-01-01\nbob,never\n", &o, &n, &errs), -1);
	EXPECT_INT(store_events_after(st, 0, 0, count_import_summary, &summaries), 1);
	EXPECT_INT(summaries, 0);
	EXPECT_INT(apply(st, "name\nalice\nbob\n", &o, &n, &errs), 0);
	summaries = 0;
	EXPECT(store_events_after(st, 0, 0, count_import_summary, &summaries) >= 3);
	EXPECT_INT(summaries, 1);
	store_close(st);
}

int
main(void)
{
	char cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	RUN(test_every_error_at_once);
	RUN(test_spreadsheet_words);
	RUN(test_preview_read_only);
	RUN(test_prune_never_reenables_alone);
	RUN(test_nul_refused);
	RUN(test_errors_name_their_column);
	RUN(test_missing_groups_created_on_request);
	RUN(test_import_audited);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A guest's pass (core/guest.c) on a real store, in Europe/Paris: its end
 * by default (the next [site] day_ends_at), at most [guests] max_duration
 * ahead and never in the past; the sponsor (a member of sponsor_groups,
 * active); the sponsor's daily cap, counted by local day.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "guest.h"
#include "manage.h"
#include "store.h"
#include "testhelp.h"
#include "tz.h"

#define MIN_MS	(60 * (int64_t)1000)
#define HOUR_MS	(60 * MIN_MS)
#define DAY_MS	(24 * HOUR_MS)

/* 2024-03-04 10:00 in Paris (UTC+1). */
#define NOW_MS	((int64_t)1709542800 * 1000)

static char dir[] = "/tmp/seuil-test-guest.XXXXXX";

static struct store *
fresh(const char *name, struct config *c)
{
	struct member_change ch = { .public = -1 };
	struct manage_err err;
	char path[300], e[512];
	struct store *st;

	config_defaults(c);
	snprintf(c->guest_sponsor_groups, sizeof(c->guest_sponsor_groups), "members");
	c->day_ends_at_min = 4 * 60;
	c->guest_max_ms = 2 * DAY_MS;
	c->guest_per_day = 2;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((st = store_open(path, STORE_CREATE, e, sizeof(e))) == NULL) {
		printf("# %s\n", e);
		return NULL;
	}
	if (manage_group_add(st, "members", "test", &err) == -1)
		printf("# %s\n", err.msg);
	ch.name = "alice";
	ch.groups[0] = "members";
	ch.ngroups = 1;
	if (manage_member_add(st, &ch, "test", &err) == -1)
		printf("# %s\n", err.msg);
	ch.name = "bob";
	ch.ngroups = 0;
	if (manage_member_add(st, &ch, "test", &err) == -1)
		printf("# %s\n", err.msg);
	return st;
}

static int64_t
add(struct store *st, const struct config *c, const char *sponsor, int64_t until_ms,
    int64_t now_ms, struct guest_row *g, struct manage_err *err)
{
	struct guest_new n = { .name = "Ada", .sponsor = sponsor, .until_ms = until_ms };

	memset(g, 0, sizeof(*g));
	return guest_add(st, c, &n, now_ms, "test", g, err);
}

/* No --until: the pass ends at the next day end, 04:00 tomorrow local. */
static void
test_default_end(void)
{
	struct config c;
	struct store *st = fresh("end.db", &c);
	struct manage_err err;
	struct guest_row g;

	EXPECT(add(st, &c, "alice", 0, NOW_MS, &g, &err) > 0);
	/* 2024-03-05 04:00 in Paris is 03:00 UTC. */
	EXPECT(g.ends_ms == (int64_t)1709607600 * 1000);
	/* Before the day end (02:00 local), it is tonight's. */
	EXPECT(add(st, &c, "alice", 0, NOW_MS + 16 * HOUR_MS, &g, &err) > 0);
	EXPECT(g.ends_ms == (int64_t)1709607600 * 1000);
	store_close(st);
}

/* max_duration: up to it and not a minute past; never an end before now. */
static void
test_max_duration(void)
{
	struct config c;
	struct store *st = fresh("max.db", &c);
	struct manage_err err;
	struct guest_row g;

	EXPECT_INT((int)add(st, &c, "alice", NOW_MS + 2 * DAY_MS + MIN_MS, NOW_MS, &g, &err), -1);
	EXPECT_INT(err.status, MANAGE_EINVAL);
	EXPECT(strstr(err.msg, "max_duration") != NULL);
	EXPECT(add(st, &c, "alice", NOW_MS + 2 * DAY_MS, NOW_MS, &g, &err) > 0);
	EXPECT(g.ends_ms == NOW_MS + 2 * DAY_MS);
	EXPECT_INT((int)add(st, &c, "alice", NOW_MS - MIN_MS, NOW_MS, &g, &err), -1);
	EXPECT(strstr(err.msg, "before it starts") != NULL);
	EXPECT_INT((int)add(st, &c, "alice", NOW_MS, NOW_MS, &g, &err), -1);
	store_close(st);
}

/* The sponsor: in sponsor_groups, active; nobody when the list is empty. */
static void
test_sponsor(void)
{
	struct config c;
	struct store *st = fresh("sponsor.db", &c);
	struct manage_err err;
	struct member_row m;
	struct guest_row g;

	EXPECT_INT((int)add(st, &c, "bob", 0, NOW_MS, &g, &err), -1);
	EXPECT(strstr(err.msg, "sponsor_groups") != NULL);
	EXPECT_INT((int)add(st, &c, "carol", 0, NOW_MS, &g, &err), -1);
	EXPECT_INT(err.status, MANAGE_ENOENT);
	EXPECT_INT(manage_member_set_active(st, "alice", false, "test", &m, &err), 0);
	EXPECT_INT((int)add(st, &c, "alice", 0, NOW_MS, &g, &err), -1);
	EXPECT(strstr(err.msg, "not active") != NULL);
	EXPECT_INT(manage_member_set_active(st, "alice", true, "test", &m, &err), 0);
	c.guest_sponsor_groups[0] = '\0';
	EXPECT_INT((int)add(st, &c, "alice", 0, NOW_MS, &g, &err), -1);
	EXPECT(strstr(err.msg, "nobody") != NULL);
	EXPECT_INT(store_guests_since(st, m.id, 0), 0);
	store_close(st);
}

/* per_sponsor_per_day = 2: a third pass the same local day is refused,
 * one the next local day is not (the day starts at midnight in Paris,
 * 23:00 UTC). */
static void
test_daily_cap(void)
{
	struct config c;
	struct store *st = fresh("cap.db", &c);
	struct manage_err err;
	struct guest_row g;
	int64_t late = NOW_MS + 13 * HOUR_MS + 59 * MIN_MS;	/* 23:59 local */

	EXPECT(add(st, &c, "alice", 0, NOW_MS, &g, &err) > 0);
	EXPECT(add(st, &c, "alice", 0, NOW_MS + HOUR_MS, &g, &err) > 0);
	EXPECT_INT((int)add(st, &c, "alice", 0, late, &g, &err), -1);
	EXPECT(strstr(err.msg, "per_sponsor_per_day") != NULL);
	EXPECT(add(st, &c, "alice", 0, late + 2 * MIN_MS, &g, &err) > 0);
	store_close(st);
}

int
main(void)
{
	char cmd[128], err[256];

	if (mkdtemp(dir) == NULL)
		return 1;
	if (tz_set("Europe/Paris", err, sizeof(err)) == -1) {
		printf("not ok tz_set: %s\n", err);
		return 1;
	}
	RUN(test_default_end);
	RUN(test_max_duration);
	RUN(test_sponsor);
	RUN(test_daily_cap);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return TEST_REPORT();
}

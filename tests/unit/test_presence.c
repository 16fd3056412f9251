/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Presence rules (docs/design.md, Presence) on a real store file, with
 * injected wall and monotonic times: arrivals and departures by reader
 * direction, the toggle guard, expiry at the last badge, the day end across
 * a DST change, manual checkout, the rebuild at start with overdue expiries
 * applied, and a reload that renames and removes doors members came in by.
 * The writer runs inline (writer_new_inline): each visit is written before
 * the call that asked for it returns.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "presence.h"
#include "store.h"
#include "tz.h"
#include "writer.h"
#include "testhelp.h"

static char dir[] = "/tmp/seuil-test-presence.XXXXXX";
static struct config conf;
static int nevents, nchanged;
static bool fail_events;	/* the event log refuses (disk full) */
static char last_type[32], last_reason[32], last_door[CONFIG_NAME_MAX + 1];
static struct store *st;
static struct writer *w;

static int64_t
hook_event(void *arg, struct store *wst, struct event *ev)
{
	(void)arg;
	if (wst != st)
		return -1;
	if (fail_events)
		return -1;
	nevents++;
	snprintf(last_type, sizeof(last_type), "%s", ev->type);
	snprintf(last_reason, sizeof(last_reason), "%s", ev->reason ? ev->reason : "");
	snprintf(last_door, sizeof(last_door), "%s", ev->door ? ev->door : "");
	return store_append_event(st, ev);
}

static void
hook_changed(void *arg)
{
	(void)arg;
	nchanged++;
}

static const struct presence_hooks hooks = { hook_event, hook_changed, NULL, NULL };

/* UTC ms of a local Paris time. */
static int64_t
paris(const char *local)
{
	int64_t ms = -1;

	tz_parse_time(local, &ms);
	return ms;
}

static struct presence *
fresh(const char *name)
{
	char path[256], err[256];
	struct member_row m;

	writer_free(w);
	store_close(st);
	snprintf(path, sizeof(path), "%s/%s.db", dir, name);
	st = store_open(path, STORE_CREATE, err, sizeof(err));
	if (st == NULL) {
		printf("# %s\n", err);
		exit(1);
	}
	for (int i = 1; i <= 3; i++) {
		memset(&m, 0, sizeof(m));
		snprintf(m.name, sizeof(m.name), "m%d", i);
		m.active = true;
		store_member_add(st, &m, 0);
	}
	nevents = nchanged = 0;
	if ((w = writer_new_inline(st)) == NULL)
		exit(1);
	return presence_new(&conf, st, w, &hooks);
}

/* The last visit of a member, as the store has it. */
struct last_visit {
	int	found;
	char	reason[16];	/* "present" while open */
	int64_t	left_ms, last_seen_ms;
};

static int
last_visit_cb(const struct visit_row *v, void *arg)
{
	struct last_visit *lv = arg;

	lv->found++;
	snprintf(lv->reason, sizeof(lv->reason), "%s", v->left_ms ? v->left_reason : "present");
	lv->left_ms = v->left_ms;
	lv->last_seen_ms = v->last_seen_ms;
	return 0;
}

static struct last_visit
last_visit(int64_t member)
{
	struct last_visit lv;

	memset(&lv, 0, sizeof(lv));
	store_visits_between(st, 0, 0, member, last_visit_cb, &lv);
	return lv;
}

static void
test_in_out(void)
{
	struct presence *p = fresh("inout");
	int64_t t = paris("2026-11-26T09:00");

	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	EXPECT(presence_is_present(p, 1));
	EXPECT_STR(last_type, "arrival");
	EXPECT_STR(last_visit(1).reason, "present");
	/* A second "in" refreshes the visit, no new arrival. */
	presence_grant(p, 1, "front", DIRECTION_IN, t + 60000, 61000);
	EXPECT_INT(nevents, 1);
	EXPECT_INT(last_visit(1).last_seen_ms, t + 60000);
	presence_grant(p, 1, "front", DIRECTION_OUT, t + 120000, 121000);
	EXPECT(!presence_is_present(p, 1));
	EXPECT_STR(last_type, "departure");
	EXPECT_STR(last_reason, "badge_out");
	EXPECT_STR(last_visit(1).reason, "badge_out");
	/* "out" when absent changes nothing. */
	presence_grant(p, 2, "front", DIRECTION_OUT, t, 1000);
	EXPECT_INT(last_visit(2).found, 0);
	EXPECT_INT(presence_count(p), 0);
	presence_free(p);
}

static void
test_toggle_guard(void)
{
	struct presence *p = fresh("toggle");
	int64_t t = paris("2026-11-26T09:00");

	presence_grant(p, 1, "front", DIRECTION_TOGGLE, t, 1000);
	EXPECT(presence_is_present(p, 1));
	/* Within toggle_guard (10 s): ignored. */
	presence_grant(p, 1, "front", DIRECTION_TOGGLE, t + 5000, 6000);
	EXPECT(presence_is_present(p, 1));
	presence_grant(p, 1, "front", DIRECTION_TOGGLE, t + 11000, 12000);
	EXPECT(!presence_is_present(p, 1));
	EXPECT_STR(last_visit(1).reason, "toggle");
	/* The guard also holds right after a departure. */
	presence_grant(p, 1, "front", DIRECTION_TOGGLE, t + 13000, 14000);
	EXPECT(!presence_is_present(p, 1));
	presence_grant(p, 1, "front", DIRECTION_TOGGLE, t + 30000, 31000);
	EXPECT(presence_is_present(p, 1));
	presence_free(p);
}

static void
test_expiry_at_last_badge(void)
{
	struct presence *p = fresh("expiry");
	int64_t t = paris("2026-11-26T09:00");
	struct last_visit lv;

	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	presence_grant(p, 1, "front", DIRECTION_IN, t + 3600000, 2000);
	EXPECT_INT(presence_deadline(p), t + 3600000 + conf.expire_after_ms);
	presence_tick(p, t + 3600000 + conf.expire_after_ms - 1);
	EXPECT(presence_is_present(p, 1));
	presence_tick(p, t + 3600000 + conf.expire_after_ms);
	EXPECT(!presence_is_present(p, 1));
	lv = last_visit(1);
	EXPECT_STR(lv.reason, "timeout");
	EXPECT_INT(lv.left_ms, t + 3600000);	/* left at the last badge */
	presence_free(p);
}

static void
test_day_end_across_dst(void)
{
	struct presence *p = fresh("dayend");
	/* Saturday evening before the spring change: 04:00 local on Sunday
	 * 2026-03-29 is 02:00Z (CEST), not 03:00Z. */
	int64_t t = paris("2026-03-28T22:30");
	struct last_visit lv;

	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	EXPECT_INT(presence_deadline(p), paris("2026-03-29T04:00"));
	EXPECT_INT(presence_deadline(p), 1774749600000LL);	/* 2026-03-29T02:00Z */
	presence_tick(p, paris("2026-03-29T03:59"));
	EXPECT(presence_is_present(p, 1));
	presence_tick(p, paris("2026-03-29T04:00"));
	lv = last_visit(1);
	EXPECT_STR(lv.reason, "day_end");
	EXPECT_INT(lv.left_ms, paris("2026-03-29T04:00"));
	presence_free(p);
}

static void
test_checkout(void)
{
	struct presence *p = fresh("checkout");
	int64_t t = paris("2026-11-26T09:00");

	EXPECT_INT(presence_checkout(p, 1, t, -1, NULL), 0);
	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	EXPECT_INT(presence_checkout(p, 1, t + 1000, -1, NULL), 1);
	EXPECT_STR(last_visit(1).reason, "manual");
	EXPECT_INT(nchanged, 2);
	presence_free(p);
}

static void
test_rebuild_with_overdue_expiry(void)
{
	struct config long_expiry;
	struct presence *p = fresh("rebuild");
	int64_t t = paris("2026-11-26T09:00");

	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	presence_grant(p, 2, "side", DIRECTION_IN, t + 7 * 3600000LL, 2000);
	presence_free(p);

	/* A restart at 16:30 (within expire_after of 09:00): both still
	 * present. */
	p = presence_new(&conf, st, w, &hooks);
	EXPECT_INT(presence_load(p, paris("2026-11-26T16:30")), 0);
	EXPECT_INT(presence_count(p), 2);
	if (presence_count(p) != 2) {
		presence_free(p);
		return;
	}
	EXPECT_STR(presence_door_name(p, presence_get(p, 1)), "side");
	presence_free(p);

	/* A restart at 22:00: member 1 (last badge 09:00) is overdue, left at
	 * 09:00; member 2 (16:00) stays. */
	p = presence_new(&conf, st, w, &hooks);
	EXPECT_INT(presence_load(p, paris("2026-11-26T22:00")), 0);
	EXPECT_INT(presence_count(p), 1);
	EXPECT(presence_is_present(p, 2));
	EXPECT_STR(last_visit(1).reason, "timeout");
	EXPECT_INT(last_visit(1).left_ms, t);
	presence_free(p);

	/* A restart the next afternoon, with an expiry longer than the night:
	 * the day end (04:00) came first. */
	long_expiry = conf;
	long_expiry.expire_after_ms = 20 * 3600000LL;
	p = presence_new(&long_expiry, st, w, &hooks);
	EXPECT_INT(presence_load(p, paris("2026-11-27T15:00")), 0);
	EXPECT_INT(presence_count(p), 0);
	EXPECT_STR(last_visit(2).reason, "day_end");
	EXPECT_INT(last_visit(2).left_ms, paris("2026-11-27T04:00"));
	presence_free(p);
}

/* The index of member's entry, or -1. */
static int
entry_of(struct presence *p, int64_t member)
{
	for (int i = 0; i < presence_count(p); i++)
		if (presence_get(p, i)->member_id == member)
			return i;
	return -1;
}

static const char *
door_of(struct presence *p, int64_t member)
{
	int i = entry_of(p, member);

	return i == -1 ? "(absent)" : presence_door_name(p, presence_get(p, i));
}

/* Members are in by doors "back" and "side"; a reload renames back to
 * rear and removes side.  Each stays present with the door of arrival, and
 * leaves by it; a name nobody uses any more is taken by the next. */
static void
test_reload_doors_renamed(void)
{
	struct presence *p = fresh("reload");
	struct config nc;
	int64_t t = paris("2026-11-26T09:00");

	presence_grant(p, 1, "back", DIRECTION_IN, t, 1000);
	presence_grant(p, 2, "side", DIRECTION_IN, t + 1000, 2000);
	presence_grant(p, 3, "back", DIRECTION_IN, t + 2000, 3000);
	nc = conf;
	snprintf(nc.doors[0].name, sizeof(nc.doors[0].name), "rear");
	nc.ndoors = 1;
	nc.day_ends_at_min = 5 * 60;
	nc.expire_after_ms = 48 * 3600000LL;	/* the day end comes first */
	presence_set_config(p, &nc);
	EXPECT_INT(presence_count(p), 3);
	EXPECT_STR(door_of(p, 1), "back");
	EXPECT_STR(door_of(p, 2), "side");
	/* A tap at the renamed door is the same visit, by its first door. */
	presence_grant(p, 1, "rear", DIRECTION_IN, t + 60000, 61000);
	EXPECT_INT(nevents, 3);
	EXPECT_STR(door_of(p, 1), "back");
	/* The new day end applies. */
	EXPECT_INT(presence_deadline(p), paris("2026-11-27T05:00"));

	EXPECT_INT(presence_checkout(p, 1, t + 120000, -1, NULL), 1);
	EXPECT_STR(last_type, "departure");
	EXPECT_STR(last_door, "back");
	EXPECT_STR(door_of(p, 3), "back");	/* still used by 3 */
	presence_grant(p, 2, "rear", DIRECTION_OUT, t + 130000, 131000);
	EXPECT_STR(last_door, "side");
	EXPECT_STR(last_reason, "badge_out");
	EXPECT_STR(last_visit(2).reason, "badge_out");
	/* side is free: member 1 comes back by rear, 3 is still by back. */
	presence_grant(p, 1, "rear", DIRECTION_IN, t + 140000, 141000);
	EXPECT_STR(last_type, "arrival");
	EXPECT_STR(last_door, "rear");
	EXPECT_STR(door_of(p, 1), "rear");
	EXPECT_STR(door_of(p, 3), "back");
	EXPECT_INT(presence_checkout(p, 3, t + 150000, -1, NULL), 1);
	EXPECT_STR(last_door, "back");
	EXPECT_INT(presence_count(p), 1);
	presence_free(p);
}

/* A visit and its event commit together or not at all; a departure the
 * store refuses is retried later, not at every turn of the loop. */
static void
test_event_failure(void)
{
	struct presence *p = fresh("failure");
	int64_t t = paris("2026-11-26T09:00");

	fail_events = true;
	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	EXPECT(!presence_is_present(p, 1));
	EXPECT_INT(last_visit(1).found, 0);		/* rolled back */

	fail_events = false;
	presence_grant(p, 1, "front", DIRECTION_IN, t, 1000);
	EXPECT(presence_is_present(p, 1));
	fail_events = true;
	presence_tick(p, t + conf.expire_after_ms);
	EXPECT(presence_is_present(p, 1));
	EXPECT_STR(last_visit(1).reason, "present");	/* rolled back */
	EXPECT_INT(presence_deadline(p), t + conf.expire_after_ms + 5000);
	fail_events = false;
	presence_tick(p, t + conf.expire_after_ms + 1000);	/* not yet retried */
	EXPECT(presence_is_present(p, 1));
	presence_tick(p, t + conf.expire_after_ms + 5000);
	EXPECT(!presence_is_present(p, 1));
	EXPECT_STR(last_visit(1).reason, "timeout");
	presence_free(p);
}

/*
 * The default configuration with a single entrance reader (nobody badges
 * out): someone who arrived in the morning is here in the afternoon and
 * gone by the night, for the lobby, the count, Home Assistant and
 * SpaceAPI alike (they all read this presence).  With the former 12h
 * default, 09:45 was still "here" at 21:37.
 */
static void
test_morning_arrival_gone_at_night(void)
{
	struct presence *p = fresh("night");
	struct config defaults;

	config_defaults(&defaults);
	presence_set_config(p, &defaults);
	presence_grant(p, 1, "front", DIRECTION_IN, paris("2026-11-26T09:45"), 1000);
	presence_tick(p, paris("2026-11-26T15:00"));
	EXPECT(presence_is_present(p, 1));
	presence_tick(p, paris("2026-11-26T21:37"));
	EXPECT(!presence_is_present(p, 1));
	EXPECT_INT(presence_count(p), 0);
	EXPECT_STR(last_visit(1).reason, "timeout");
	/* Back from lunch (a tap at the same reader): here until the
	 * evening, gone at night. */
	presence_grant(p, 2, "front", DIRECTION_IN, paris("2026-11-27T09:00"), 2000);
	presence_grant(p, 2, "front", DIRECTION_IN, paris("2026-11-27T13:30"), 3000);
	presence_tick(p, paris("2026-11-27T18:30"));
	EXPECT(presence_is_present(p, 2));
	presence_tick(p, paris("2026-11-27T22:00"));
	EXPECT(!presence_is_present(p, 2));
	presence_free(p);
}

int
main(void)
{
	char err[256];

	if (mkdtemp(dir) == NULL || tz_set("Europe/Paris", err, sizeof(err)) == -1)
		return 1;
	config_defaults(&conf);		/* expire_after 8h, day end 04:00, guard 10s */
	RUN(test_in_out);
	RUN(test_toggle_guard);
	RUN(test_expiry_at_last_badge);
	RUN(test_day_end_across_dst);
	RUN(test_checkout);
	RUN(test_rebuild_with_overdue_expiry);
	RUN(test_event_failure);
	RUN(test_reload_doors_renamed);
	RUN(test_morning_arrival_gone_at_night);
	writer_free(w);
	store_close(st);
	{
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			return 1;
	}
	return TEST_REPORT();
}

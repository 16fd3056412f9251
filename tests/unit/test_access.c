/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The access policy as tables of cases.  Each case names what differs from
 * a member who should get in: active badge and member, no dates, synced
 * clock, Wednesday 2026-06-10 at 10:00.
 */
#include <stdlib.h>
#include <time.h>

#include "access.h"
#include "decision.h"
#include "testhelp.h"
#include "tz.h"

#define MON	(1 << 0)
#define TUE	(1 << 1)
#define WED	(1 << 2)
#define THU	(1 << 3)
#define FRI	(1 << 4)
#define SAT	(1 << 5)
#define SUN	(1 << 6)
#define HM(h, m)	((h) * 60 + (m))

static const struct access_groups no_groups = { 0 };
static const struct access_groups office = { 1, {
	{ 1, "office", 1, { { MON | TUE | WED | THU | FRI, HM(8, 0), HM(19, 0) } }, false },
} };
static const struct access_groups night = { 1, {
	{ 2, "night", 1, { { FRI, HM(22, 0), HM(2, 0) } }, false },
} };
static const struct access_groups weekend = { 1, {
	{ 3, "weekend", 2, { { SAT, HM(10, 0), HM(14, 0) },
	    { SUN, HM(10, 0), HM(24, 0) } }, false },
} };
/* A scheduled group plus a schedule-free one: the free one wins. */
static const struct access_groups office_and_staff = { 2, {
	{ 1, "office", 1, { { MON | TUE | WED | THU | FRI, HM(8, 0), HM(19, 0) } }, false },
	{ 4, "staff", 0, { { 0, 0, 0 } }, false },
} };
/* A window that starts when it ends, as a restored store may hold: empty,
 * not 24 hours. */
static const struct access_groups empty_window = { 1, {
	{ 5, "empty", 1, { { 0x7f, HM(9, 0), HM(9, 0) } }, false },
} };
static const struct access_groups office_or_weekend = { 2, {
	{ 1, "office", 1, { { MON | TUE | WED | THU | FRI, HM(8, 0), HM(19, 0) } }, false },
	{ 3, "weekend", 1, { { SAT, HM(10, 0), HM(14, 0) } }, false },
} };

struct tcase {
	const char	*name;
	bool		locked, unknown, revoked, disabled;
	const char	*from, *until;
	const char	*date;		/* NULL: 2026-06-10, a Wednesday */
	int		weekday;	/* used with date */
	int		minute;		/* -1: 10:00 */
	const struct access_groups *groups;
	bool		unsynced;
	enum unsynced_policy policy;
	enum access_card card;		/* 0: a UID */
	enum reader_credential reader;	/* 0: a reader of UIDs */
	enum access_reason want;
};

static enum access_reason
run_case(const struct tcase *c)
{
	struct access_input in;

	memset(&in, 0, sizeof(in));
	in.reader_locked_out = c->locked;
	in.badge_found = !c->unknown;
	in.badge_active = !c->revoked;
	in.member_active = !c->disabled;
	snprintf(in.valid_from, sizeof(in.valid_from), "%s", c->from ? c->from : "");
	snprintf(in.valid_until, sizeof(in.valid_until), "%s", c->until ? c->until : "");
	in.groups = c->groups;
	snprintf(in.now.date, sizeof(in.now.date), "%s", c->date ? c->date : "2026-06-10");
	in.now.weekday = c->date ? c->weekday : 2;
	in.now.minute = c->minute >= 0 ? c->minute : HM(10, 0);
	in.clock_synced = !c->unsynced;
	in.unsynced = c->policy;
	in.card = c->card;
	in.reader_credential = c->reader;
	return access_decide(&in);
}

static void
run_table(const struct tcase *cases, size_t n)
{
	enum access_reason got;
	size_t i;

	for (i = 0; i < n; i++) {
		got = run_case(&cases[i]);
		if (got != cases[i].want) {
			printf("#   case '%s': got %s, expected %s\n", cases[i].name,
			    access_reason_name(got), access_reason_name(cases[i].want));
			th_current_failed = 1;
		}
	}
}

#define RUN_TABLE(t)	run_table((t), sizeof(t) / sizeof((t)[0]))

/* What the card showed, at each kind of reader. */
static void
test_credentials(void)
{
	static const struct tcase t[] = {
		{ "a UID at a both reader", .reader = CREDENTIAL_BOTH, .minute = -1,
		    .want = ACCESS_GRANTED },
		{ "a UID at a desfire reader", .reader = CREDENTIAL_DESFIRE, .minute = -1,
		    .want = ACCESS_CREDENTIAL_REQUIRED },
		{ "an unknown UID at a desfire reader", .reader = CREDENTIAL_DESFIRE,
		    .unknown = true, .minute = -1, .want = ACCESS_CREDENTIAL_REQUIRED },
		{ "a credential at a desfire reader", .card = ACCESS_CARD_CREDENTIAL,
		    .reader = CREDENTIAL_DESFIRE, .minute = -1, .want = ACCESS_GRANTED },
		{ "a credential at a both reader", .card = ACCESS_CARD_CREDENTIAL,
		    .reader = CREDENTIAL_BOTH, .minute = -1, .want = ACCESS_GRANTED },
		{ "a credential no badge holds", .card = ACCESS_CARD_CREDENTIAL,
		    .reader = CREDENTIAL_BOTH, .unknown = true, .minute = -1,
		    .want = ACCESS_CREDENTIAL_INVALID },
		{ "our application, not proven", .card = ACCESS_CARD_INVALID,
		    .reader = CREDENTIAL_BOTH, .minute = -1, .want = ACCESS_CREDENTIAL_INVALID },
		{ "not proven, whatever the rows say", .card = ACCESS_CARD_INVALID,
		    .reader = CREDENTIAL_DESFIRE, .minute = -1, .want = ACCESS_CREDENTIAL_INVALID },
		{ "locked out beats an invalid credential", .locked = true,
		    .card = ACCESS_CARD_INVALID, .reader = CREDENTIAL_BOTH, .minute = -1,
		    .want = ACCESS_LOCKED_OUT },
		{ "invalid beats revoked", .card = ACCESS_CARD_INVALID, .revoked = true,
		    .reader = CREDENTIAL_BOTH, .minute = -1, .want = ACCESS_CREDENTIAL_INVALID },
		{ "required beats revoked and expired", .reader = CREDENTIAL_DESFIRE,
		    .revoked = true, .until = "2000-01-01", .minute = -1,
		    .want = ACCESS_CREDENTIAL_REQUIRED },
		{ "a revoked DESFire badge", .card = ACCESS_CARD_CREDENTIAL, .revoked = true,
		    .reader = CREDENTIAL_BOTH, .minute = -1, .want = ACCESS_BADGE_REVOKED },
		{ "a DESFire badge outside its schedule", .card = ACCESS_CARD_CREDENTIAL,
		    .reader = CREDENTIAL_DESFIRE, .groups = &office, .minute = HM(7, 0),
		    .want = ACCESS_OUTSIDE_SCHEDULE },
		/* Out of range: denied, never granted. */
		{ "an unknown card kind", .card = (enum access_card)7,
		    .reader = CREDENTIAL_BOTH, .minute = -1, .want = ACCESS_CREDENTIAL_INVALID },
		{ "an unknown reader kind", .reader = (enum reader_credential)9, .minute = -1,
		    .want = ACCESS_CREDENTIAL_REQUIRED },
	};

	RUN_TABLE(t);
}

static void
test_reasons_and_order(void)
{
	static const struct tcase t[] = {
		{ "plain member", .minute = -1, .want = ACCESS_GRANTED },
		{ "locked out", .locked = true, .minute = -1, .want = ACCESS_LOCKED_OUT },
		{ "unknown", .unknown = true, .minute = -1, .want = ACCESS_UNKNOWN_BADGE },
		{ "revoked", .revoked = true, .minute = -1, .want = ACCESS_BADGE_REVOKED },
		{ "disabled", .disabled = true, .minute = -1, .want = ACCESS_MEMBER_DISABLED },
		{ "not yet valid", .from = "2026-06-11", .minute = -1, .want = ACCESS_NOT_YET_VALID },
		{ "expired", .until = "2026-06-09", .minute = -1, .want = ACCESS_EXPIRED },
		{ "unsynced", .unsynced = true, .policy = UNSYNCED_DENY, .minute = -1,
		    .want = ACCESS_CLOCK_UNSYNCED },
		{ "outside schedule", .groups = &office, .minute = HM(7, 0),
		    .want = ACCESS_OUTSIDE_SCHEDULE },

		/* Each check beats every later one. */
		{ "locked beats unknown", .locked = true, .unknown = true, .minute = -1,
		    .want = ACCESS_LOCKED_OUT },
		{ "locked beats everything", .locked = true, .revoked = true,
		    .disabled = true, .until = "2000-01-01", .groups = &office,
		    .minute = HM(3, 0), .unsynced = true, .policy = UNSYNCED_DENY,
		    .want = ACCESS_LOCKED_OUT },
		{ "unknown beats revoked", .unknown = true, .revoked = true, .minute = -1,
		    .want = ACCESS_UNKNOWN_BADGE },
		{ "revoked badge of disabled member", .revoked = true, .disabled = true,
		    .minute = -1, .want = ACCESS_BADGE_REVOKED },
		{ "revoked beats expired", .revoked = true, .until = "2000-01-01",
		    .minute = -1, .want = ACCESS_BADGE_REVOKED },
		{ "disabled beats not yet valid", .disabled = true, .from = "2030-01-01",
		    .minute = -1, .want = ACCESS_MEMBER_DISABLED },
		{ "disabled beats schedule", .disabled = true, .groups = &office,
		    .minute = HM(3, 0), .want = ACCESS_MEMBER_DISABLED },
		{ "not yet valid beats expired", .from = "2026-07-01", .until = "2026-06-01",
		    .minute = -1, .want = ACCESS_NOT_YET_VALID },
		{ "expired beats unsynced", .until = "2026-06-09", .unsynced = true,
		    .policy = UNSYNCED_DENY, .minute = -1, .want = ACCESS_EXPIRED },
		{ "expired beats schedule", .until = "2026-06-09", .groups = &office,
		    .minute = HM(3, 0), .want = ACCESS_EXPIRED },
		{ "unsynced beats schedule", .groups = &office, .minute = HM(3, 0),
		    .unsynced = true, .policy = UNSYNCED_MEMBERS_ONLY,
		    .want = ACCESS_CLOCK_UNSYNCED },
	};

	RUN_TABLE(t);
}

static void
test_validity_dates(void)
{
	static const struct tcase t[] = {
		{ "first valid day", .from = "2026-06-10", .minute = 0, .want = ACCESS_GRANTED },
		{ "day before from", .from = "2026-06-10", .date = "2026-06-09",
		    .weekday = 1, .minute = HM(23, 59), .want = ACCESS_NOT_YET_VALID },
		{ "last valid day, last minute", .until = "2026-06-10",
		    .minute = HM(23, 59), .want = ACCESS_GRANTED },
		{ "day after until", .until = "2026-06-10", .date = "2026-06-11",
		    .weekday = 3, .minute = 0, .want = ACCESS_EXPIRED },
		{ "one-day membership", .from = "2026-06-10", .until = "2026-06-10",
		    .minute = -1, .want = ACCESS_GRANTED },
		{ "year boundary", .until = "2025-12-31", .date = "2026-01-01",
		    .weekday = 3, .minute = 0, .want = ACCESS_EXPIRED },
		/* Fail closed on anything that is not a date. */
		{ "malformed from", .from = "2026-6-1", .minute = -1,
		    .want = ACCESS_NOT_YET_VALID },
		{ "malformed until", .until = "someday", .minute = -1, .want = ACCESS_EXPIRED },
		{ "no local date, bounded", .until = "2030-01-01", .date = "",
		    .weekday = 2, .minute = -1, .want = ACCESS_EXPIRED },
		{ "no local date, unbounded", .date = "", .weekday = 2, .minute = -1,
		    .want = ACCESS_GRANTED },
	};

	RUN_TABLE(t);
}

static void
test_schedules(void)
{
	static const struct tcase t[] = {
		{ "no groups", .groups = &no_groups, .minute = HM(3, 0), .want = ACCESS_GRANTED },
		{ "NULL groups", .minute = HM(3, 0), .want = ACCESS_GRANTED },
		{ "office open", .groups = &office, .minute = HM(8, 0), .want = ACCESS_GRANTED },
		{ "office last minute", .groups = &office, .minute = HM(18, 59),
		    .want = ACCESS_GRANTED },
		{ "office end exclusive", .groups = &office, .minute = HM(19, 0),
		    .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "office saturday", .groups = &office, .date = "2026-06-13",
		    .weekday = 5, .minute = HM(10, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "schedule-free group wins", .groups = &office_and_staff,
		    .minute = HM(3, 0), .want = ACCESS_GRANTED },
		{ "any group allows", .groups = &office_or_weekend, .date = "2026-06-13",
		    .weekday = 5, .minute = HM(11, 0), .want = ACCESS_GRANTED },
		{ "no group allows", .groups = &office_or_weekend, .date = "2026-06-14",
		    .weekday = 6, .minute = HM(11, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "24:00 end", .groups = &weekend, .date = "2026-06-14", .weekday = 6,
		    .minute = HM(23, 59), .want = ACCESS_GRANTED },
		{ "24:00 end stops at midnight", .groups = &weekend, .date = "2026-06-15",
		    .weekday = 0, .minute = 0, .want = ACCESS_OUTSIDE_SCHEDULE },

		/* Fri 22:00-02:00: the early hours belong to Friday. */
		{ "night friday 22:00", .groups = &night, .date = "2026-06-12",
		    .weekday = 4, .minute = HM(22, 0), .want = ACCESS_GRANTED },
		{ "night friday 21:59", .groups = &night, .date = "2026-06-12",
		    .weekday = 4, .minute = HM(21, 59), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "night saturday 01:00", .groups = &night, .date = "2026-06-13",
		    .weekday = 5, .minute = HM(1, 0), .want = ACCESS_GRANTED },
		{ "night saturday 02:00", .groups = &night, .date = "2026-06-13",
		    .weekday = 5, .minute = HM(2, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "night friday 01:00", .groups = &night, .date = "2026-06-12",
		    .weekday = 4, .minute = HM(1, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "night saturday 22:00", .groups = &night, .date = "2026-06-13",
		    .weekday = 5, .minute = HM(22, 0), .want = ACCESS_OUTSIDE_SCHEDULE },

		/* Nonsense local time is outside every schedule. */
		{ "bad weekday", .groups = &office, .date = "2026-06-10", .weekday = 7,
		    .minute = HM(10, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "no weekday", .groups = &office, .date = "", .weekday = -1,
		    .minute = HM(10, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "bad minute", .groups = &office, .minute = 1440,
		    .want = ACCESS_OUTSIDE_SCHEDULE },

		/* start == end: never, at any minute of any day. */
		{ "empty window at its start", .groups = &empty_window,
		    .minute = HM(9, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "empty window after", .groups = &empty_window,
		    .minute = HM(15, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "empty window before", .groups = &empty_window,
		    .minute = HM(3, 0), .want = ACCESS_OUTSIDE_SCHEDULE },
	};

	RUN_TABLE(t);
}

static void
test_unsynced(void)
{
	static const struct tcase t[] = {
		/* ignore: as if synced */
		{ "ignore, in schedule", .groups = &office, .minute = -1, .unsynced = true,
		    .policy = UNSYNCED_IGNORE, .want = ACCESS_GRANTED },
		{ "ignore, outside", .groups = &office, .minute = HM(3, 0), .unsynced = true,
		    .policy = UNSYNCED_IGNORE, .want = ACCESS_OUTSIDE_SCHEDULE },
		{ "ignore, dated", .until = "2030-01-01", .minute = -1, .unsynced = true,
		    .policy = UNSYNCED_IGNORE, .want = ACCESS_GRANTED },
		/* members_only: only access that needs no clock */
		{ "members_only, no groups", .minute = -1, .unsynced = true,
		    .policy = UNSYNCED_MEMBERS_ONLY, .want = ACCESS_GRANTED },
		{ "members_only, free group", .groups = &office_and_staff,
		    .minute = HM(3, 0), .unsynced = true,
		    .policy = UNSYNCED_MEMBERS_ONLY, .want = ACCESS_GRANTED },
		{ "members_only, scheduled, in", .groups = &office, .minute = -1,
		    .unsynced = true, .policy = UNSYNCED_MEMBERS_ONLY,
		    .want = ACCESS_CLOCK_UNSYNCED },
		{ "members_only, dated", .until = "2030-01-01", .minute = -1,
		    .unsynced = true, .policy = UNSYNCED_MEMBERS_ONLY,
		    .want = ACCESS_CLOCK_UNSYNCED },
		{ "members_only, unknown", .unknown = true, .minute = -1, .unsynced = true,
		    .policy = UNSYNCED_MEMBERS_ONLY, .want = ACCESS_UNKNOWN_BADGE },
		/* deny: every badge that passed the earlier checks */
		{ "deny, no groups", .minute = -1, .unsynced = true,
		    .policy = UNSYNCED_DENY, .want = ACCESS_CLOCK_UNSYNCED },
		{ "deny, free group", .groups = &office_and_staff, .minute = -1,
		    .unsynced = true, .policy = UNSYNCED_DENY,
		    .want = ACCESS_CLOCK_UNSYNCED },
		{ "deny, revoked", .revoked = true, .minute = -1, .unsynced = true,
		    .policy = UNSYNCED_DENY, .want = ACCESS_BADGE_REVOKED },
		{ "unknown policy denies", .minute = -1, .unsynced = true,
		    .policy = (enum unsynced_policy)42, .want = ACCESS_CLOCK_UNSYNCED },
		/* a synced clock ignores the policy */
		{ "synced, deny policy", .groups = &office, .minute = -1,
		    .policy = UNSYNCED_DENY, .want = ACCESS_GRANTED },
	};

	RUN_TABLE(t);
}

static void
test_reason_names(void)
{
	EXPECT_STR(access_reason_name(ACCESS_GRANTED), "granted");
	EXPECT_STR(access_reason_name(ACCESS_LOCKED_OUT), "locked_out");
	EXPECT_STR(access_reason_name(ACCESS_UNKNOWN_BADGE), "unknown_badge");
	EXPECT_STR(access_reason_name(ACCESS_BADGE_REVOKED), "badge_revoked");
	EXPECT_STR(access_reason_name(ACCESS_MEMBER_DISABLED), "member_disabled");
	EXPECT_STR(access_reason_name(ACCESS_NOT_YET_VALID), "not_yet_valid");
	EXPECT_STR(access_reason_name(ACCESS_EXPIRED), "expired");
	EXPECT_STR(access_reason_name(ACCESS_CLOCK_UNSYNCED), "clock_unsynced");
	EXPECT_STR(access_reason_name(ACCESS_OUTSIDE_SCHEDULE), "outside_schedule");
}

/* UTC milliseconds of a UTC wall time. */
static int64_t
utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm) * 1000;
}

/* The whole path the daemon takes: a UTC instant, tz_local, decide. */
static enum access_reason
decide_at(int64_t when, const struct access_groups *g, const char *until)
{
	struct access_input in;

	memset(&in, 0, sizeof(in));
	in.badge_found = in.badge_active = in.member_active = true;
	in.clock_synced = true;
	in.groups = g;
	snprintf(in.valid_until, sizeof(in.valid_until), "%s", until);
	tz_local(when, &in.now);
	return access_decide(&in);
}

static void
test_until_inclusive_paris(void)
{
	/* 2026-06-30 is CEST (UTC+2). */
	EXPECT_INT(decide_at(utc_ms(2026, 6, 30, 21, 59, 59), NULL, "2026-06-30"),
	    ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 6, 30, 21, 59, 59) + 999, NULL, "2026-06-30"),
	    ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 6, 30, 22, 0, 0), NULL, "2026-06-30"),
	    ACCESS_EXPIRED);
	/* 2026-12-31 is CET (UTC+1). */
	EXPECT_INT(decide_at(utc_ms(2026, 12, 31, 22, 59, 59), NULL, "2026-12-31"),
	    ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 12, 31, 23, 0, 0), NULL, "2026-12-31"),
	    ACCESS_EXPIRED);
}

static void
test_schedule_on_dst_days(void)
{
	static const struct access_groups sunday = { 1, {
		{ 5, "sunday", 1, { { SUN, HM(8, 0), HM(9, 0) } }, false },
	} };

	/* 2026-03-29: clocks go 02:00 CET -> 03:00 CEST; 08:30 local = 06:30Z. */
	EXPECT_INT(decide_at(utc_ms(2026, 3, 29, 6, 30, 0), &sunday, ""), ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 3, 29, 5, 59, 0), &sunday, ""),
	    ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(decide_at(utc_ms(2026, 3, 29, 6, 0, 0), &sunday, ""), ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 3, 29, 7, 0, 0), &sunday, ""),
	    ACCESS_OUTSIDE_SCHEDULE);
	/* 2026-10-25: clocks go 03:00 CEST -> 02:00 CET; 08:30 local = 07:30Z. */
	EXPECT_INT(decide_at(utc_ms(2026, 10, 25, 7, 30, 0), &sunday, ""), ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 10, 25, 6, 59, 0), &sunday, ""),
	    ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(decide_at(utc_ms(2026, 10, 25, 7, 0, 0), &sunday, ""), ACCESS_GRANTED);
	EXPECT_INT(decide_at(utc_ms(2026, 10, 25, 8, 0, 0), &sunday, ""),
	    ACCESS_OUTSIDE_SCHEDULE);
}

/*
 * Daylight-saving days through the door's own path: decision_input (which
 * calls tz_local) and access_decide, with the zone set as seuild sets it.
 * What the door does (docs/seuilctl.1.scd, schedule set): it follows the
 * wall clock, so a window in the hour skipped in spring opens nothing that
 * day, and a window whose start or end is skipped starts or ends at the
 * skip; in the hour lived twice in autumn, a window that ended in the first
 * pass stays ended.
 */
static enum access_reason
door_at(const char *zone, int64_t when, const struct access_groups *g)
{
	static struct config conf;	/* zeroed: synced clock, no policy needed */
	struct badge_row b = { .id = 1, .member_id = 1, .active = true };
	struct member_row m = { .id = 1, .active = true };
	struct decision_tap tap = { .reader = CREDENTIAL_BOTH, .card = ACCESS_CARD_UID };
	struct access_input in;
	char err[128];

	if (tz_set(zone, err, sizeof(err)) == -1) {
		printf("#   %s\n", err);
		return ACCESS_STORE_UNAVAILABLE;
	}
	decision_input(&in, &conf, &b, &m, g, when, true, tap);
	return access_decide(&in);
}

/* Minutes granted in [from, to), tapping once a minute. */
static int
granted_minutes(const char *zone, const struct access_groups *g, int64_t from, int64_t to)
{
	int n = 0;

	for (int64_t t = from; t < to; t += 60000)
		n += door_at(zone, t, g) == ACCESS_GRANTED;
	return n;
}

#define GROUP(mask, from, to)	{ 1, { { 9, "dst", 1, { { (mask), (from), (to) } }, false } } }

static void
test_schedule_dst_paris(void)
{
	static const struct access_groups skipped = GROUP(SUN, HM(2, 0), HM(3, 0));
	static const struct access_groups to_0230 = GROUP(SUN, HM(0, 0), HM(2, 30));
	static const struct access_groups from_0230 = GROUP(SUN, HM(2, 30), HM(5, 0));
	static const struct access_groups night_0230 = GROUP(SAT, HM(22, 0), HM(2, 30));
	static const struct access_groups half_hour = GROUP(SUN, HM(2, 0), HM(2, 30));
	static const struct access_groups to_0300 = GROUP(SUN, HM(0, 0), HM(3, 0));
	const char *z = "Europe/Paris";
	/* 2026-03-29: 01:59:59 CET, then 03:00 CEST at 01:00Z. */
	int64_t spring = utc_ms(2026, 3, 29, 1, 0, 0);
	/* 2026-10-25: 02:59:59 CEST, then 02:00 CET at 01:00Z: 02:00-02:59
	 * is lived from 00:00Z and again from 01:00Z. */
	int64_t autumn = utc_ms(2026, 10, 25, 1, 0, 0);
	int64_t min = 60000, hour = 60 * min;

	/* Spring: a window in the skipped hour opens nothing all day. */
	EXPECT_INT(granted_minutes(z, &skipped, spring - 2 * hour, spring + 22 * hour), 0);
	/* An end in the skipped hour is the skip. */
	EXPECT_INT(door_at(z, spring - 30 * min, &to_0230), ACCESS_GRANTED);	/* 01:30 */
	EXPECT_INT(door_at(z, spring - 1000, &to_0230), ACCESS_GRANTED);	/* 01:59:59 */
	EXPECT_INT(door_at(z, spring, &to_0230), ACCESS_OUTSIDE_SCHEDULE);	/* 03:00 */
	EXPECT_INT(door_at(z, spring - 1000, &night_0230), ACCESS_GRANTED);
	EXPECT_INT(door_at(z, spring, &night_0230), ACCESS_OUTSIDE_SCHEDULE);
	/* A start in the skipped hour is the skip. */
	EXPECT_INT(door_at(z, spring - 1000, &from_0230), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(door_at(z, spring, &from_0230), ACCESS_GRANTED);		/* 03:00 */
	EXPECT_INT(door_at(z, spring + 2 * hour - 1000, &from_0230), ACCESS_GRANTED);
	EXPECT_INT(door_at(z, spring + 2 * hour, &from_0230), ACCESS_OUTSIDE_SCHEDULE);

	/* Autumn: a window ending at 02:30 ends at the first 02:30... */
	EXPECT_INT(door_at(z, autumn - 31 * min, &to_0230), ACCESS_GRANTED);	/* 02:29 CEST */
	EXPECT_INT(door_at(z, autumn - 30 * min, &to_0230), ACCESS_OUTSIDE_SCHEDULE);
	/* ...and the repeated 02:00-02:29 does not open it again. */
	EXPECT_INT(door_at(z, autumn, &to_0230), ACCESS_OUTSIDE_SCHEDULE);	/* 02:00 CET */
	EXPECT_INT(door_at(z, autumn + 15 * min, &to_0230), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(door_at(z, autumn + 29 * min, &to_0230), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(door_at(z, autumn + 15 * min, &night_0230), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(door_at(z, autumn - 45 * min, &night_0230), ACCESS_GRANTED);
	/* 02:00-02:30 opens for half an hour, once. */
	EXPECT_INT(granted_minutes(z, &half_hour, autumn - 3 * hour, autumn + 3 * hour), 30);
	EXPECT_INT(door_at(z, autumn - 50 * min, &half_hour), ACCESS_GRANTED);	/* 02:10 CEST */
	EXPECT_INT(door_at(z, autumn + 10 * min, &half_hour), ACCESS_OUTSIDE_SCHEDULE);
	/* A window whose end comes after the repetition holds through both
	 * passes: 00:00-03:00 is four hours that night. */
	EXPECT_INT(door_at(z, autumn + 30 * min, &to_0300), ACCESS_GRANTED);
	EXPECT_INT(granted_minutes(z, &to_0300, autumn - 4 * hour, autumn + 4 * hour), 240);
	/* A start in the repeated hour: open from the first 02:30, shut when
	 * the clock reads before 02:30 again, open from the second. */
	EXPECT_INT(door_at(z, autumn - 30 * min, &from_0230), ACCESS_GRANTED);	/* 02:30 CEST */
	EXPECT_INT(door_at(z, autumn + 10 * min, &from_0230), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(door_at(z, autumn + 30 * min, &from_0230), ACCESS_GRANTED);	/* 02:30 CET */
	EXPECT_INT(door_at(z, autumn + 3 * hour - 1000, &from_0230), ACCESS_GRANTED);
	EXPECT_INT(door_at(z, autumn + 3 * hour, &from_0230), ACCESS_OUTSIDE_SCHEDULE);
	/* The next days are ordinary again. */
	EXPECT_INT(door_at(z, autumn + 7 * 24 * hour + 15 * min, &to_0230), ACCESS_GRANTED);
	tz_set(z, NULL, 0);
}

/* The southern hemisphere changes the other way round in the year, and
 * Chile changes at midnight, so its repeated hour is the day's last. */
static void
test_schedule_dst_south(void)
{
	static const struct access_groups skipped = GROUP(SUN, HM(2, 0), HM(3, 0));
	static const struct access_groups to_0230 = GROUP(SUN, HM(0, 0), HM(2, 30));
	static const struct access_groups half_hour = GROUP(SUN, HM(2, 0), HM(2, 30));
	static const struct access_groups sat_2330 = GROUP(SAT, HM(20, 0), HM(23, 30));
	static const struct access_groups sat_2400 = GROUP(SAT, HM(20, 0), HM(24, 0));
	static const struct access_groups sun_0100 = GROUP(SUN, HM(0, 0), HM(1, 0));
	const char *syd = "Australia/Sydney", *scl = "America/Santiago";
	/* Sydney: 2026-04-05 02:59:59 AEDT, then 02:00 AEST at 16:00Z on the
	 * 4th; 2026-10-04 01:59:59 AEST, then 03:00 AEDT at 16:00Z on the 3rd. */
	int64_t syd_back = utc_ms(2026, 4, 4, 16, 0, 0), syd_fwd = utc_ms(2026, 10, 3, 16, 0, 0);
	/* Santiago: Saturday 2026-04-04 23:59:59 -03, then 23:00 -04 at 03:00Z
	 * on the 5th; Sunday 2026-09-06 00:00 -04 is skipped to 01:00 -03. */
	int64_t scl_back = utc_ms(2026, 4, 5, 3, 0, 0), scl_fwd = utc_ms(2026, 9, 6, 4, 0, 0);
	int64_t min = 60000, hour = 60 * min;

	EXPECT_INT(door_at(syd, syd_back - 45 * min, &to_0230), ACCESS_GRANTED);	/* 02:15 AEDT */
	EXPECT_INT(door_at(syd, syd_back + 15 * min, &to_0230), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(granted_minutes(syd, &half_hour, syd_back - 3 * hour, syd_back + 3 * hour), 30);
	EXPECT_INT(granted_minutes(syd, &skipped, syd_fwd - 2 * hour, syd_fwd + 22 * hour), 0);
	EXPECT_INT(door_at(syd, syd_fwd, &to_0230), ACCESS_OUTSIDE_SCHEDULE);	/* 03:00 AEDT */

	EXPECT_INT(door_at(scl, scl_back - 45 * min, &sat_2330), ACCESS_GRANTED);	/* 23:15 -03 */
	EXPECT_INT(door_at(scl, scl_back + 15 * min, &sat_2330), ACCESS_OUTSIDE_SCHEDULE);
	EXPECT_INT(door_at(scl, scl_back + 45 * min, &sat_2400), ACCESS_GRANTED);	/* 23:45 -04 */
	EXPECT_INT(granted_minutes(scl, &sat_2400, scl_back - 5 * hour, scl_back + 2 * hour), 300);
	EXPECT_INT(granted_minutes(scl, &sun_0100, scl_fwd - 2 * hour, scl_fwd + 22 * hour), 0);
	tz_set("Europe/Paris", NULL, 0);
}

/* Field by field: the struct has padding. *//* Field by field: the struct has padding. */
static bool
windows_equal(const struct schedule_window *a, const struct schedule_window *b, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (a[i].days_mask != b[i].days_mask ||
		    a[i].start_min != b[i].start_min || a[i].end_min != b[i].end_min)
			return false;
	return true;
}

/* Parse, check the windows, format, and parse the canonical text again. */
static void
check_parse(const char *text, int nwant, const struct schedule_window *want,
    const char *canon)
{
	struct schedule_window w[ACCESS_MAX_WINDOWS], w2[ACCESS_MAX_WINDOWS];
	char err[128] = "", buf[ACCESS_SCHEDULE_TEXT_MAX];
	int i, n, n2;

	n = access_schedule_parse(text, w, ACCESS_MAX_WINDOWS, err, sizeof(err));
	if (n != nwant) {
		printf("#   '%s': %d windows (%s), expected %d\n", text, n, err, nwant);
		th_current_failed = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		if (!windows_equal(&w[i], &want[i], 1)) {
			printf("#   '%s': window %d is %#x %u-%u\n", text, i,
			    w[i].days_mask, w[i].start_min, w[i].end_min);
			th_current_failed = 1;
		}
	}
	access_schedule_format(w, n, buf, sizeof(buf));
	EXPECT_STR(buf, canon);
	n2 = access_schedule_parse(buf, w2, ACCESS_MAX_WINDOWS, err, sizeof(err));
	EXPECT_INT(n2, n);
	EXPECT(n2 == n && windows_equal(w, w2, n));
}

static void
test_schedule_parse(void)
{
	check_parse("Mon-Fri 08:00-19:00, Sat 10:00-14:00", 2,
	    (const struct schedule_window[]){
		{ MON | TUE | WED | THU | FRI, HM(8, 0), HM(19, 0) },
		{ SAT, HM(10, 0), HM(14, 0) } },
	    "Mon-Fri 08:00-19:00, Sat 10:00-14:00");
	check_parse("Mon,Wed 18:00-22:00", 1,
	    (const struct schedule_window[]){ { MON | WED, HM(18, 0), HM(22, 0) } },
	    "Mon,Wed 18:00-22:00");
	check_parse("mon, wed,fri 18:00-22:00", 1,
	    (const struct schedule_window[]){ { MON | WED | FRI, HM(18, 0), HM(22, 0) } },
	    "Mon,Wed,Fri 18:00-22:00");
	check_parse("Fri-Mon 20:00-02:00", 1,
	    (const struct schedule_window[]){
		{ FRI | SAT | SUN | MON, HM(20, 0), HM(2, 0) } },
	    "Fri-Mon 20:00-02:00");
	check_parse("Sat-Sun 00:00-24:00", 1,
	    (const struct schedule_window[]){ { SAT | SUN, 0, 1440 } },
	    "Sat,Sun 00:00-24:00");
	check_parse("daily 07:00-23:00", 1,
	    (const struct schedule_window[]){ { 0x7f, HM(7, 0), HM(23, 0) } },
	    "daily 07:00-23:00");
	check_parse("Mon-Sun 07:00-23:00", 1,
	    (const struct schedule_window[]){ { 0x7f, HM(7, 0), HM(23, 0) } },
	    "daily 07:00-23:00");
	check_parse("Mon-Fri 08:00-12:00 14:00-18:00,Sun 10:00-11:00", 3,
	    (const struct schedule_window[]){
		{ MON | TUE | WED | THU | FRI, HM(8, 0), HM(12, 0) },
		{ MON | TUE | WED | THU | FRI, HM(14, 0), HM(18, 0) },
		{ SUN, HM(10, 0), HM(11, 0) } },
	    "Mon-Fri 08:00-12:00, Mon-Fri 14:00-18:00, Sun 10:00-11:00");
	check_parse("Mon,Wed,Sat-Sun 09:00-10:00", 1,
	    (const struct schedule_window[]){
		{ MON | WED | SAT | SUN, HM(9, 0), HM(10, 0) } },
	    "Wed,Sat-Mon 09:00-10:00");
	/* The times of tz_parse_hhmm, as day_ends_at reads them. */
	check_parse("Mon 8:00-9:30", 1,
	    (const struct schedule_window[]){ { MON, HM(8, 0), HM(9, 30) } },
	    "Mon 08:00-09:30");
	check_parse("  Tue   06:30-07:45  ", 1,
	    (const struct schedule_window[]){ { TUE, HM(6, 30), HM(7, 45) } },
	    "Tue 06:30-07:45");
}

static void
test_schedule_parse_errors(void)
{
	static const struct { const char *text, *err; } t[] = {
		{ "", "empty schedule" },
		{ "   ", "empty schedule" },
		{ "Mon-Fri 25:00-26:00", "bad time '25:00'" },
		{ "Mon 08:00-24:01", "bad time '24:01'" },
		{ "Mon 24:00-08:00", "bad time '24:00'" },
		{ "Mon 08:60-09:00", "bad time '08:60'" },
		{ "Mon 8:0-09:00", "bad time '8:0'" },
		{ "Mon 123:00-09:00", "bad time '123:00'" },
		/* An empty window would read as 24 hours (end <= start wraps). */
		{ "Mon-Fri 09:00-09:00",
		    "empty time range '09:00-09:00' (it starts when it ends; a whole "
		    "day is 00:00-24:00)" },
		{ "Sat 00:00-00:00",
		    "empty time range '00:00-00:00' (it starts when it ends; a whole "
		    "day is 00:00-24:00)" },
		{ "Mo 08:00-09:00", "unknown day 'Mo'" },
		{ "Mon-Fr 08:00-09:00", "unknown day 'Fr'" },
		{ "Monday 08:00-09:00", "unknown day 'Monday'" },
		{ "08:00-19:00", "missing days before '08:00-19:00'" },
		{ "Mon-Fri 08:00-12:00, 14:00-18:00", "missing days before '14:00-18:00'" },
		{ "Mon", "missing time range after 'Mon'" },
		{ "Mon 08:00-09:00, Tue", "missing time range after 'Tue'" },
		{ "Mon 08:00", "bad time range '08:00' (expected HH:MM-HH:MM)" },
		{ "Mon 08:00-09:00,", "empty item in 'Mon 08:00-09:00,'" },
		{ "Mon 08:00-09:00,,Tue 08:00-09:00",
		    "empty item in 'Mon 08:00-09:00,,Tue 08:00-09:00'" },
	};
	struct schedule_window w[ACCESS_MAX_WINDOWS];
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		EXPECT_INT(access_schedule_parse(t[i].text, w, ACCESS_MAX_WINDOWS,
		    err, sizeof(err)), -1);
		EXPECT_STR(err, t[i].err);
	}

	/* More windows than the caller has room for. */
	EXPECT_INT(access_schedule_parse("Mon 01:00-02:00 03:00-04:00 05:00-06:00",
	    w, 2, err, sizeof(err)), -1);
	EXPECT_STR(err, "too many windows (max 2)");
}

static void
test_schedule_format_full(void)
{
	struct schedule_window w[ACCESS_MAX_WINDOWS], w2[ACCESS_MAX_WINDOWS];
	char buf[ACCESS_SCHEDULE_TEXT_MAX], err[128];
	int i;

	/* The longest day list, in every window: must fit the documented size. */
	for (i = 0; i < ACCESS_MAX_WINDOWS; i++)
		w[i] = (struct schedule_window){ MON | WED | FRI | SUN, 0, 1440 };
	access_schedule_format(w, ACCESS_MAX_WINDOWS, buf, sizeof(buf));
	EXPECT_INT(access_schedule_parse(buf, w2, ACCESS_MAX_WINDOWS, err,
	    sizeof(err)), ACCESS_MAX_WINDOWS);
	EXPECT(windows_equal(w, w2, ACCESS_MAX_WINDOWS));
	access_schedule_format(w, 0, buf, sizeof(buf));
	EXPECT_STR(buf, "");
}

/* A guest: a loaner lent to an open pass, decided with the sponsor's
 * status, dates and groups, refused from the pass's end to the
 * millisecond, and dated (members_only refuses it on an unsynced clock). */
static void
test_guests(void)
{
	static const struct access_groups hours = { 1, { { 1, "office", 1,
	    { { 0x1f, HM(9, 0), HM(18, 0) } }, false } } };
	const int64_t end = 1717000000000LL;
	struct access_input in;

	memset(&in, 0, sizeof(in));
	in.badge_found = in.badge_active = in.member_active = true;
	in.loaner = in.lent = true;
	in.until_ms = end;
	in.now_ms = end - 1;
	snprintf(in.now.date, sizeof(in.now.date), "2026-06-10");
	in.now.weekday = 2;
	in.now.minute = HM(10, 0);
	in.clock_synced = true;
	EXPECT_INT(access_decide(&in), ACCESS_GRANTED);
	in.now_ms = end;
	EXPECT_INT(access_decide(&in), ACCESS_EXPIRED);		/* not a ms after */
	in.now_ms = end - 1;
	in.lent = false;
	EXPECT_INT(access_decide(&in), ACCESS_NOT_LENT);
	in.lent = true;
	in.member_active = false;				/* the sponsor disabled */
	EXPECT_INT(access_decide(&in), ACCESS_MEMBER_DISABLED);
	in.member_active = true;
	in.groups = &hours;					/* the sponsor's hours */
	in.now.minute = HM(19, 0);
	EXPECT_INT(access_decide(&in), ACCESS_OUTSIDE_SCHEDULE);
	in.groups = NULL;
	in.clock_synced = false;
	in.unsynced = UNSYNCED_MEMBERS_ONLY;
	EXPECT_INT(access_decide(&in), ACCESS_CLOCK_UNSYNCED);	/* a pass is dated */
	in.unsynced = UNSYNCED_IGNORE;
	EXPECT_INT(access_decide(&in), ACCESS_GRANTED);
	EXPECT_STR(access_reason_name(ACCESS_NOT_LENT), "not_lent");
}

int
main(void)
{
	char err[128];

	if (tz_set("Europe/Paris", err, sizeof(err)) == -1) {
		printf("# %s\n", err);
		return 1;
	}
	RUN(test_reasons_and_order);
	RUN(test_credentials);
	RUN(test_validity_dates);
	RUN(test_schedules);
	RUN(test_unsynced);
	RUN(test_reason_names);
	RUN(test_guests);
	RUN(test_until_inclusive_paris);
	RUN(test_schedule_on_dst_days);
	RUN(test_schedule_dst_paris);
	RUN(test_schedule_dst_south);
	RUN(test_schedule_parse);
	RUN(test_schedule_parse_errors);
	RUN(test_schedule_format_full);
	return TEST_REPORT();
}

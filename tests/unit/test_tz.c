/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Site local time.  Most cases are in Europe/Paris around its 2026 DST
 * days: Sunday 29 March (02:00 CET -> 03:00 CEST, at 01:00Z) and Sunday
 * 25 October (03:00 CEST -> 02:00 CET, at 01:00Z).
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "testhelp.h"
#include "tz.h"

#define MIN	60000LL
#define HOUR	(60 * MIN)

static int64_t
utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
	    .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (int64_t)timegm(&tm) * 1000;
}

static void
set_zone(const char *name)
{
	char err[128];

	if (tz_set(name, err, sizeof(err)) == -1) {
		printf("# %s\n", err);
		exit(1);
	}
}

static void
test_set_and_valid(void)
{
	static const char *bad[] = {
		"", "/etc/localtime", "/usr/share/zoneinfo/UTC", "../../etc/passwd",
		"Europe/../UTC", "Nowhere/City", "Europe", "Europe/Paris ",
		"Europe/Paris\n", "zone.tab", "leapseconds", "Europe//Paris/",
	};
	char err[128] = "", buf[32];
	size_t i;

	EXPECT(tz_valid("Europe/Paris"));
	EXPECT(tz_valid("UTC"));
	EXPECT(tz_valid("America/New_York"));
	EXPECT(tz_valid("Etc/GMT+5"));
	EXPECT(!tz_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_valid(bad[i])) {
			printf("#   '%s' accepted\n", bad[i]);
			th_current_failed = 1;
		}

	set_zone("UTC");
	EXPECT_INT(tz_set("Mars/Olympus_Mons", err, sizeof(err)), -1);
	EXPECT_STR(err, "unknown timezone 'Mars/Olympus_Mons'");
	/* A refused zone leaves the current one in place. */
	tz_format_local(0, buf, sizeof(buf));
	EXPECT_STR(buf, "1970-01-01 00:00:00");
	set_zone("Europe/Paris");
	tz_format_local(0, buf, sizeof(buf));
	EXPECT_STR(buf, "1970-01-01 01:00:00");
}

static void
check_local(int64_t ms, const char *date, int weekday, int minute)
{
	struct local_time lt;

	tz_local(ms, &lt);
	EXPECT_STR(lt.date, date);
	EXPECT_INT(lt.weekday, weekday);
	EXPECT_INT(lt.minute, minute);
}

static void
test_local(void)
{
	set_zone("Europe/Paris");
	check_local(utc_ms(2026, 3, 29, 0, 59, 59), "2026-03-29", 6, 1 * 60 + 59);
	check_local(utc_ms(2026, 3, 29, 1, 0, 0), "2026-03-29", 6, 3 * 60);
	check_local(utc_ms(2026, 10, 25, 0, 30, 0), "2026-10-25", 6, 2 * 60 + 30);
	check_local(utc_ms(2026, 10, 25, 1, 30, 0), "2026-10-25", 6, 2 * 60 + 30);
	check_local(utc_ms(2026, 6, 29, 22, 0, 0), "2026-06-30", 1, 0);
	check_local(-1, "1970-01-01", 3, 59);
	set_zone("UTC");
	check_local(-1, "1969-12-31", 2, 23 * 60 + 59);
	check_local(utc_ms(2024, 2, 29, 12, 0, 0), "2024-02-29", 3, 12 * 60);
}

static int
repeat_end_at(int64_t ms)
{
	struct local_time lt;

	tz_local(ms, &lt);
	return lt.repeat_end_min;
}

/* The second pass of the wall times lived twice when clocks go back, and
 * where it ends; nothing at any other instant. */
static void
test_repeat_end(void)
{
	set_zone("Europe/Paris");
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 25, 0, 59, 59)), 0);	/* 02:59:59 CEST */
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 25, 1, 0, 0)), 180);	/* 02:00 CET */
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 25, 1, 59, 59)), 180);
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 25, 2, 0, 0)), 0);	/* 03:00 CET */
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 25, 22, 0, 0)), 0);
	EXPECT_INT(repeat_end_at(utc_ms(2026, 3, 29, 1, 30, 0)), 0);	/* spring: none */
	EXPECT_INT(repeat_end_at(utc_ms(2026, 6, 10, 8, 0, 0)), 0);
	set_zone("Australia/Sydney");
	EXPECT_INT(repeat_end_at(utc_ms(2026, 4, 4, 15, 30, 0)), 0);	/* 02:30 AEDT */
	EXPECT_INT(repeat_end_at(utc_ms(2026, 4, 4, 16, 30, 0)), 180);	/* 02:30 AEST */
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 3, 16, 30, 0)), 0);
	set_zone("America/Santiago");	/* back from 24:00 to 23:00 on Saturday */
	check_local(utc_ms(2026, 4, 5, 3, 30, 0), "2026-04-04", 5, 23 * 60 + 30);
	EXPECT_INT(repeat_end_at(utc_ms(2026, 4, 5, 3, 30, 0)), 1440);
	EXPECT_INT(repeat_end_at(utc_ms(2026, 4, 5, 4, 0, 0)), 0);	/* Sunday 00:00 */
	set_zone("UTC");
	EXPECT_INT(repeat_end_at(utc_ms(2026, 10, 25, 1, 30, 0)), 0);
	set_zone("Europe/Paris");
}

static void
test_next_day_end(void)
{
	const struct {
		const char *zone;
		int64_t now;
		int day_end;
		int64_t want;
	} t[] = {
		/* 04:00 across spring: 04:00 CEST is 02:00Z */
		{ "Europe/Paris", utc_ms(2026, 3, 28, 11, 0, 0), 240,
		    utc_ms(2026, 3, 29, 2, 0, 0) },
		{ "Europe/Paris", utc_ms(2026, 3, 29, 2, 0, 0) - 1, 240,
		    utc_ms(2026, 3, 29, 2, 0, 0) },
		/* strictly after: at the day end, the next one */
		{ "Europe/Paris", utc_ms(2026, 3, 29, 2, 0, 0), 240,
		    utc_ms(2026, 3, 30, 2, 0, 0) },
		/* 02:30 does not exist on 29 March: 03:00 CEST, 01:00Z */
		{ "Europe/Paris", utc_ms(2026, 3, 28, 11, 0, 0), 150,
		    utc_ms(2026, 3, 29, 1, 0, 0) },
		{ "Europe/Paris", utc_ms(2026, 3, 29, 1, 0, 0), 150,
		    utc_ms(2026, 3, 30, 0, 30, 0) },
		/* 04:00 across autumn: 04:00 CET is 03:00Z */
		{ "Europe/Paris", utc_ms(2026, 10, 24, 12, 0, 0), 240,
		    utc_ms(2026, 10, 25, 3, 0, 0) },
		/* 02:30 happens twice on 25 October: the first, 00:30Z, and
		 * the second is not another day end */
		{ "Europe/Paris", utc_ms(2026, 10, 24, 12, 0, 0), 150,
		    utc_ms(2026, 10, 25, 0, 30, 0) },
		{ "Europe/Paris", utc_ms(2026, 10, 25, 0, 30, 0), 150,
		    utc_ms(2026, 10, 26, 1, 30, 0) },
		/* midnight, and a day end later the same day */
		{ "Europe/Paris", utc_ms(2026, 6, 30, 10, 0, 0), 0,
		    utc_ms(2026, 6, 30, 22, 0, 0) },
		{ "Europe/Paris", utc_ms(2026, 6, 30, 0, 0, 0), 240,
		    utc_ms(2026, 6, 30, 2, 0, 0) },
		/* a zone west of UTC: 02:30 skipped on 8 March 2026 -> 07:00Z */
		{ "America/New_York", utc_ms(2026, 3, 7, 12, 0, 0), 150,
		    utc_ms(2026, 3, 8, 7, 0, 0) },
		{ "America/New_York", utc_ms(2026, 11, 1, 0, 0, 0), 90,
		    utc_ms(2026, 11, 1, 5, 30, 0) },
		{ "UTC", utc_ms(2026, 12, 31, 23, 0, 0), 240, utc_ms(2027, 1, 1, 4, 0, 0) },
	};
	size_t i;
	int64_t got;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_zone(t[i].zone);
		got = tz_next_day_end(t[i].now, t[i].day_end);
		if (got != t[i].want) {
			printf("#   case %zu: got %lld, expected %lld (%+lld min)\n", i,
			    (long long)got, (long long)t[i].want,
			    (long long)((got - t[i].want) / MIN));
			th_current_failed = 1;
		}
	}
}

static void
test_date_start(void)
{
	set_zone("Europe/Paris");
	EXPECT_INT(tz_date_start("2026-03-29"), utc_ms(2026, 3, 28, 23, 0, 0));
	EXPECT_INT(tz_date_start("2026-03-30"), utc_ms(2026, 3, 29, 22, 0, 0));
	EXPECT_INT(tz_date_start("2026-10-25"), utc_ms(2026, 10, 24, 22, 0, 0));
	EXPECT_INT(tz_date_start("2026-10-26"), utc_ms(2026, 10, 25, 23, 0, 0));
	/* The spring day is 23 hours long, the autumn one 25. */
	EXPECT_INT(tz_date_start("2026-03-30") - tz_date_start("2026-03-29"), 23 * HOUR);
	EXPECT_INT(tz_date_start("2026-10-26") - tz_date_start("2026-10-25"), 25 * HOUR);
	EXPECT_INT(tz_date_start("2026-02-30"), INT64_MIN);
	EXPECT_INT(tz_date_start("today"), INT64_MIN);
}

static void
test_parse_date(void)
{
	static const char *good[] = {
		"2026-01-01", "2024-02-29", "2000-02-29", "2026-12-31", "2026-04-30",
		"0001-01-01", "9999-12-31",
	};
	static const char *bad[] = {
		"", "2026", "2023-02-29", "1900-02-29", "2026-04-31", "2026-13-01",
		"2026-00-10", "2026-01-00", "2026-1-01", "2026-01-1", "2026-01-01x",
		"2026-01-01 ", " 2026-01-01", "0000-01-01", "abcd-01-01", "2026/01/01",
		"+026-01-01",
	};
	char out[11];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		memset(out, 'x', sizeof(out));
		EXPECT_INT(tz_parse_date(good[i], out), 0);
		EXPECT_STR(out, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_parse_date(bad[i], out) != -1) {
			printf("#   '%s' accepted\n", bad[i]);
			th_current_failed = 1;
		}
	EXPECT_INT(tz_parse_date("2026-06-30", NULL), 0);
}

static void
test_parse_time(void)
{
	const struct { const char *s; int64_t want; } good[] = {
		{ "2026-06-30T23:59:59", utc_ms(2026, 6, 30, 21, 59, 59) },
		{ "2026-06-30 23:59:59", utc_ms(2026, 6, 30, 21, 59, 59) },
		{ "2026-06-30T23:59", utc_ms(2026, 6, 30, 21, 59, 0) },
		{ "2026-06-30T21:59:59Z", utc_ms(2026, 6, 30, 21, 59, 59) },
		{ "2026-06-30T23:59:59+02:00", utc_ms(2026, 6, 30, 21, 59, 59) },
		{ "2026-06-30T16:29-05:30", utc_ms(2026, 6, 30, 21, 59, 0) },
		{ "2026-06-30", utc_ms(2026, 6, 29, 22, 0, 0) },
		{ "2026-12-31T23:00", utc_ms(2026, 12, 31, 22, 0, 0) },
		/* repeated: the first (CEST) occurrence */
		{ "2026-10-25T02:30", utc_ms(2026, 10, 25, 0, 30, 0) },
		/* skipped: the instant of the skip, 03:00 CEST */
		{ "2026-03-29T02:30", utc_ms(2026, 3, 29, 1, 0, 0) },
		{ "2026-03-29T03:00", utc_ms(2026, 3, 29, 1, 0, 0) },
		/* fractions of a second, to the millisecond */
		{ "2026-06-30T21:59:59.5Z", utc_ms(2026, 6, 30, 21, 59, 59) + 500 },
		{ "2026-06-30T23:59:59.1239", utc_ms(2026, 6, 30, 21, 59, 59) + 123 },
	};
	static const char *bad[] = {
		"", "2026-06-30T", "2026-06-30T23", "2026-06-30T23:", "2026-06-30T24:00",
		"2026-06-30T23:60", "2026-06-30T23:59:60", "2026-06-30T23:59:",
		"2026-06-30T1:00", "2026-06-30X23:59", "2026-02-30T10:00",
		"2026-06-30T23:59:59+2", "2026-06-30T23:59:59+02:60",
		"2026-06-30T23:59:59+0200", "2026-06-30T23:59:59ZZ",
		"2026-06-30T23:59:59z", "2026-06-30T23:59:59 Z", "2026-06-30T23.59",
		"2026-06-30T23:59:59.", "2026-06-30T23:59:59.Z", "2026-06-30T23:59.5",
	};
	int64_t got;
	size_t i;

	set_zone("Europe/Paris");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		got = 0;
		EXPECT_INT(tz_parse_time(good[i].s, &got), 0);
		if (got != good[i].want) {
			printf("#   '%s' is %lld, expected %lld\n", good[i].s,
			    (long long)got, (long long)good[i].want);
			th_current_failed = 1;
		}
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tz_parse_time(bad[i], &got) != -1) {
			printf("#   '%s' accepted\n", bad[i]);
			th_current_failed = 1;
		}
}

/* The strict form programs send (MQTT commands): UTC with seconds only. */
static void
test_parse_utc(void)
{
	const struct { const char *s; int64_t want; } good[] = {
		{ "2026-11-26T08:14:03Z", utc_ms(2026, 11, 26, 8, 14, 3) },
		{ "2026-11-26T08:14:03.250Z", utc_ms(2026, 11, 26, 8, 14, 3) + 250 },
		{ "2024-02-29T23:59:59.999999Z", utc_ms(2024, 2, 29, 23, 59, 59) + 999 },
		{ "1970-01-01T00:00:00Z", 0 },
	};
	static const char *bad[] = {
		"", "2026-11-26", "2026-11-26T08:14Z", "2026-11-26T08:14:03",
		"2026-11-26 08:14:03Z", "2026-11-26T08:14:03+00:00", "2026-11-26T08:14:03z",
		"2026-11-26T08:14:03.Z", "2026-11-26T24:00:00Z", "2026-02-30T08:14:03Z",
		"2026-11-26T08:14:03Zx", "2026-11-26T8:14:03Z", "+026-11-26T08:14:03Z",
		"2026-11-26T08:14:60Z",
	};
	int64_t got;
	size_t i;

	/* Whatever the local zone: UTC is UTC. */
	set_zone("America/New_York");
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		got = -1;
		EXPECT_INT(tz_parse_utc(good[i].s, &got), 0);
		EXPECT_INT(got, good[i].want);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		got = 42;
		if (tz_parse_utc(bad[i], &got) != -1 || got != 42) {
			printf("#   '%s' accepted\n", bad[i]);
			th_current_failed = 1;
		}
	}
}

/* One HH:MM rule for schedules and day_ends_at. */
static void
test_parse_hhmm(void)
{
	EXPECT_INT(tz_parse_hhmm("00:00", 5, false), 0);
	EXPECT_INT(tz_parse_hhmm("23:59", 5, false), 23 * 60 + 59);
	EXPECT_INT(tz_parse_hhmm("3:30", 4, false), 3 * 60 + 30);
	EXPECT_INT(tz_parse_hhmm("24:00", 5, true), 24 * 60);
	EXPECT_INT(tz_parse_hhmm("24:00", 5, false), -1);
	EXPECT_INT(tz_parse_hhmm("24:01", 5, true), -1);
	EXPECT_INT(tz_parse_hhmm("25:00", 5, true), -1);
	EXPECT_INT(tz_parse_hhmm("08:60", 5, false), -1);
	EXPECT_INT(tz_parse_hhmm("8:0", 3, false), -1);
	EXPECT_INT(tz_parse_hhmm("08-00", 5, false), -1);
	EXPECT_INT(tz_parse_hhmm("+8:00", 5, false), -1);
	EXPECT_INT(tz_parse_hhmm("008:00", 6, false), -1);
	/* Only len bytes are read: "08:00-09:00" holds two times. */
	EXPECT_INT(tz_parse_hhmm("08:00-09:00", 5, false), 8 * 60);
}

/* Day numbers: the report's calendar arithmetic. */
static void
test_date_days(void)
{
	char out[11];
	int64_t d;

	EXPECT_INT(tz_date_days("1970-01-01", &d), 0);
	EXPECT_INT(d, 0);
	EXPECT_INT(tz_days_weekday(d), 3);	/* a Thursday */
	EXPECT_INT(tz_date_days("2026-11-30", &d), 0);
	EXPECT_INT(tz_days_weekday(d), 0);	/* a Monday */
	tz_days_date(d + 1, out);
	EXPECT_STR(out, "2026-12-01");
	tz_days_date(d + 32, out);
	EXPECT_STR(out, "2027-01-01");
	EXPECT_INT(tz_date_days("2024-02-29", &d), 0);
	tz_days_date(d, out);
	EXPECT_STR(out, "2024-02-29");
	EXPECT_INT(tz_date_days("2023-02-29", &d), -1);
	EXPECT_INT(tz_date_days("2026-1-01", &d), -1);
}

/* format then parse gives the instant back, every 7 min 1 s across both
 * DST days; only the second pass of the repeated hour comes back an hour
 * early (its text is the same as the first pass's). */
static void
test_round_trips(void)
{
	const int64_t from[] = {
		utc_ms(2026, 3, 28, 12, 0, 0), utc_ms(2026, 10, 24, 12, 0, 0),
	};
	char buf[32];
	int64_t t, back, repeat_start = utc_ms(2026, 10, 25, 1, 0, 0);
	size_t i;
	int bad = 0;

	set_zone("Europe/Paris");
	for (i = 0; i < 2; i++) {
		for (t = from[i]; t < from[i] + 48 * HOUR; t += 7 * MIN + 1000) {
			tz_format_local(t, buf, sizeof(buf));
			if (tz_parse_time(buf, &back) == -1)
				back = -1;
			if (back == t || (t >= repeat_start &&
			    t < repeat_start + HOUR && back == t - HOUR))
				continue;
			if (bad++ < 5)
				printf("#   %lld -> '%s' -> %lld\n", (long long)t, buf,
				    (long long)back);
		}
	}
	EXPECT_INT(bad, 0);

	tz_format_local(utc_ms(2026, 3, 29, 1, 0, 0), buf, sizeof(buf));
	EXPECT_STR(buf, "2026-03-29 03:00:00");
	tz_format_local(utc_ms(2026, 3, 29, 1, 0, 0) - 1, buf, sizeof(buf));
	EXPECT_STR(buf, "2026-03-29 01:59:59");
	tz_format_local(utc_ms(2026, 10, 25, 1, 0, 0), buf, sizeof(buf));
	EXPECT_STR(buf, "2026-10-25 02:00:00");
	tz_format_local(-1, buf, sizeof(buf));
	EXPECT_STR(buf, "1970-01-01 00:59:59");
	/* Too small a buffer gives "", not a cut-off time. */
	tz_format_local(0, buf, 10);
	EXPECT_STR(buf, "");
}

int
main(void)
{
	RUN(test_set_and_valid);
	RUN(test_local);
	RUN(test_repeat_end);
	RUN(test_next_day_end);
	RUN(test_date_start);
	RUN(test_parse_date);
	RUN(test_parse_time);
	RUN(test_parse_utc);
	RUN(test_parse_hhmm);
	RUN(test_date_days);
	RUN(test_round_trips);
	return TEST_REPORT();
}

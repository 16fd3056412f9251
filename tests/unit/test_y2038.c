/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Dates after 2038-01-19 (core/tz.h).  Where time_t is 64-bit they are
 * handled like any other: local time, validity, schedules, reports.  Where
 * it is 32-bit (armhf, Raspberry Pi OS 32-bit; make check-cross ARCH=armhf
 * runs this there), the C library cannot give the local time of an instant
 * past 2038-01-19 03:14:07 UTC: every conversion that needs it is refused
 * (never a date of 1901), a tap at such an instant is denied unless the
 * member has neither dates nor a schedule (the policy's rules for a local
 * date it does not have and for a clock it cannot trust), a report over
 * such days fails with ERANGE, and what needs no time_t (validity dates
 * compared as dates while the clock is before 2038, UTC times, day
 * numbers) still works.  Each test checks the one
 * behaviour of the build it runs in.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "access.h"
#include "config.h"
#include "decision.h"
#include "report.h"
#include "testhelp.h"
#include "tz.h"

#define T64	(sizeof(time_t) >= 8)

/* UTC milliseconds of a UTC date and time, by day numbers (no time_t). */
static int64_t
utc_ms(const char *date, int h, int m, int s)
{
	int64_t days = 0;

	if (tz_date_days(date, &days) == -1)
		return INT64_MIN;
	return ((days * 86400) + h * 3600 + m * 60 + s) * 1000;
}

/* 2040-06-03 is a Sunday; 12:00 in Paris (CEST) is 10:00 UTC. */
#define D2040		"2040-06-03"
#define T2040		utc_ms(D2040, 10, 0, 0)

static void
test_which_build(void)
{
	printf("# time_t is %zu-bit here: dates past 2038-01-19 are %s\n",
	    sizeof(time_t) * 8, T64 ? "handled" : "refused");
	EXPECT(sizeof(time_t) == 4 || sizeof(time_t) == 8);
}

static void
test_time_fits(void)
{
	EXPECT(tz_time_fits(utc_ms("2038-01-19", 3, 14, 7)));
	EXPECT_INT(tz_time_fits(utc_ms("2038-01-19", 3, 14, 8)), T64);
	EXPECT_INT(tz_time_fits(T2040), T64);
	EXPECT(tz_time_fits(utc_ms("2037-12-31", 23, 0, 0)));
}

static void
test_local_time(void)
{
	struct local_time lt;
	int64_t days;

	tz_local(T2040, &lt);
	if (T64) {
		EXPECT_STR(lt.date, D2040);
		EXPECT(tz_date_days(D2040, &days) == 0);
		EXPECT_INT(lt.weekday, tz_days_weekday(days));
		EXPECT_INT(lt.weekday, 6);
		EXPECT_INT(lt.minute, 12 * 60);
	} else {
		/* No date, no weekday: never 1901. */
		EXPECT_STR(lt.date, "");
		EXPECT_INT(lt.weekday, -1);
	}
	/* Before 2038 both builds agree. */
	tz_local(utc_ms("2037-06-07", 10, 0, 0), &lt);
	EXPECT_STR(lt.date, "2037-06-07");
	EXPECT_INT(lt.minute, 12 * 60);
}

static void
test_parsers(void)
{
	int64_t t = 0;

	/* Local times and dates need the C library. */
	EXPECT_INT(tz_date_start(D2040), T64 ? utc_ms("2040-06-02", 22, 0, 0) : INT64_MIN);
	EXPECT_INT(tz_parse_time("2040-06-03T12:00", &t), T64 ? 0 : -1);
	if (T64)
		EXPECT_INT(t, T2040);
	EXPECT_INT(tz_parse_time(D2040, &t), T64 ? 0 : -1);
	/* UTC and offsets do not: handled everywhere. */
	EXPECT_INT(tz_parse_time("2040-06-03T12:00:00+02:00", &t), 0);
	EXPECT_INT(t, T2040);
	EXPECT_INT(tz_parse_utc("2040-06-03T10:00:00Z", &t), 0);
	EXPECT_INT(t, T2040);
	EXPECT_INT(tz_date_start("2037-06-07"), utc_ms("2037-06-06", 22, 0, 0));
	/* The day end after an instant past 2038: a day later at worst,
	 * never in 1901. */
	EXPECT(tz_next_day_end(T2040, 4 * 60) > T2040);
}

static enum access_reason
decide(const char *from, const char *until, const struct access_groups *g, int64_t now_ms)
{
	static struct config conf;
	struct badge_row b;
	struct member_row m;
	struct decision_tap tap = { .reader = CREDENTIAL_BOTH, .card = ACCESS_CARD_UID };
	struct access_input in;

	memset(&b, 0, sizeof(b));
	memset(&m, 0, sizeof(m));
	b.active = m.active = true;
	snprintf(m.valid_from, sizeof(m.valid_from), "%s", from);
	snprintf(m.valid_until, sizeof(m.valid_until), "%s", until);
	conf.unsynced_clock = UNSYNCED_MEMBERS_ONLY;
	decision_input(&in, &conf, &b, &m, g, now_ms, true, tap);
	return access_decide(&in);
}

static const struct access_groups sundays = { 1, {
	{ 1, "sundays", 1, { { 1 << 6, 10 * 60, 14 * 60 } }, false },
} };
static const struct access_groups none = { 0 };

/* Validity dates past 2038 are dates: compared as dates, on every build,
 * as long as the clock itself is before 2038. */
static void
test_validity_before_2038(void)
{
	int64_t now = utc_ms("2030-03-01", 10, 0, 0);

	EXPECT_INT(decide("", "2040-12-31", &none, now), ACCESS_GRANTED);
	EXPECT_INT(decide("2039-01-01", "", &none, now), ACCESS_NOT_YET_VALID);
}

/* A tap at an instant past 2038. */
static void
test_decisions_after_2038(void)
{
	if (T64) {
		EXPECT_INT(decide("", "2040-12-31", &sundays, T2040), ACCESS_GRANTED);
		EXPECT_INT(decide("", "2040-06-02", &none, T2040), ACCESS_EXPIRED);
		EXPECT_INT(decide("2040-06-04", "", &none, T2040), ACCESS_NOT_YET_VALID);
		EXPECT_INT(decide("", "", &sundays, T2040 + 3 * 3600 * 1000LL),
		    ACCESS_OUTSIDE_SCHEDULE);
	} else {
		/* The local time is unknown, never a date of 1901: a
		 * bounded membership is denied as the policy denies it
		 * without a local date (expired, fail closed), a schedule
		 * as on an untrusted clock (members_only here), and a member
		 * whom neither concerns gets in, as on an untrusted clock. */
		EXPECT_INT(decide("", "2040-12-31", &sundays, T2040), ACCESS_EXPIRED);
		EXPECT_INT(decide("2030-01-01", "", &none, T2040), ACCESS_NOT_YET_VALID);
		EXPECT_INT(decide("", "", &sundays, T2040), ACCESS_CLOCK_UNSYNCED);
		EXPECT_INT(decide("", "", &none, T2040), ACCESS_GRANTED);
	}
}

static void
test_reports(void)
{
	struct report *r;

	errno = 0;
	r = report_new("2039-12-01", "2040-01-31", REPORT_BY_MONTH, T2040);
	if (T64)
		EXPECT(r != NULL);
	else {
		EXPECT(r == NULL);
		EXPECT_INT(errno, ERANGE);
	}
	report_free(r);
	/* A range whose last day ends past 03:14:07 UTC on 2038-01-19. */
	errno = 0;
	r = report_new("2038-01-01", "2038-01-19", REPORT_BY_DAY, T2040);
	EXPECT_INT(r != NULL, T64);
	if (!T64)
		EXPECT_INT(errno, ERANGE);
	report_free(r);
	r = report_new("2037-12-01", "2037-12-31", REPORT_BY_DAY, utc_ms("2038-01-01", 0, 0, 0));
	EXPECT(r != NULL);
	report_free(r);
}

int
main(void)
{
	char err[256];

	if (tz_set("Europe/Paris", err, sizeof(err)) == -1) {
		printf("not ok tz_set: %s\n", err);
		return 1;
	}
	RUN(test_which_build);
	RUN(test_time_fits);
	RUN(test_local_time);
	RUN(test_parsers);
	RUN(test_validity_before_2038);
	RUN(test_decisions_after_2038);
	RUN(test_reports);
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Dates, times and durations (core/tz.c: tz_parse_date, tz_date_days,
 * tz_parse_time, tz_parse_utc, tz_parse_hhmm; core/config.c
 * config_parse_duration): typed by the manager (member add
 * --from/--until, log --since, report --from) and read from the config.
 * The site zone is Europe/Paris, so DST gaps and repeats are in play.
 * Oracle:
 *  - a date parses to itself; its local midnight formats as that date and
 *    the millisecond before it as the day before;
 *  - a time's local text (tz_format_local) parses back to an instant with
 *    the same local text (a repeated wall time may map to its other
 *    occurrence, never to another wall time);
 *  - a duration is >= 0 and its canonical text parses back to it;
 *  - strict UTC reads as tz_parse_time reads it; clock_format_utc's text
 *    reads back to the same second;
 *  - HH:MM is 0..1439 (1440 for 24:00 where allowed) and reads back;
 *  - day numbers accept exactly the dates tz_parse_date accepts and
 *    format back to the same date.
 */
#include <string.h>

#include "clock.h"
#include "config.h"
#include "fuzz.h"
#include "tz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	if (tz_set("Europe/Paris", err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return 0;
}

static void
check_date(const char *s)
{
	char date[11], text[32], before[32];
	int64_t start;

	if (tz_parse_date(s, date) == -1)
		return;
	FUZZ_ASSERT(strcmp(date, s) == 0);
	start = tz_date_start(date);
	FUZZ_ASSERT(start != INT64_MIN);
	/* strftime's %Y does not pad years before 1000 to four digits
	 * (glibc): "1-01-01".  Known and harmless (tz_local then gives no
	 * date, which the policy denies); the oracle starts at 1000. */
	if (strncmp(date, "1000", 4) < 0)
		return;
	tz_format_local(start, text, sizeof(text));
	FUZZ_ASSERT(strncmp(text, date, 10) == 0);
	tz_format_local(start - 1, before, sizeof(before));
	FUZZ_ASSERT(before[0] != '\0' && strncmp(before, date, 10) != 0);
}

static void
check_time(const char *s)
{
	char text[32], again[32];
	int64_t t, t2;

	if (tz_parse_time(s, &t) == -1)
		return;
	tz_format_local(t, text, sizeof(text));
	FUZZ_ASSERT(text[0] != '\0');
	/* An offset can carry 0001-01-01 or 9999-12-31 out of the years a
	 * date may have: no local text to round-trip then. */
	if (strlen(text) != 19 || strncmp(text, "1000", 4) < 0)
		return;
	FUZZ_ASSERT(tz_parse_time(text, &t2) == 0);
	tz_format_local(t2, again, sizeof(again));
	if (strcmp(text, again) != 0)
		fprintf(stderr, "'%s' -> %lld '%s' -> %lld '%s'\n", s, (long long)t, text,
		    (long long)t2, again);
	FUZZ_ASSERT(strcmp(text, again) == 0);
	FUZZ_ASSERT(t2 <= t && t - t2 < 3601 * 1000);	/* the hour back, and the dropped fraction */
}

/* Strict UTC is a subset of what tz_parse_time reads, to the same instant;
 * clock_format_utc's text reads back to the instant's whole second. */
static void
check_utc(const char *s)
{
	char text[32];
	int64_t t, t2, sec;

	if (tz_parse_utc(s, &t) == -1)
		return;
	FUZZ_ASSERT(tz_parse_time(s, &t2) == 0 && t2 == t);
	clock_format_utc(t, text);
	sec = t - ((t % 1000) + 1000) % 1000;
	if (strlen(text) == 20)
		FUZZ_ASSERT(tz_parse_utc(text, &t2) == 0 && t2 == sec);
}

/* HH:MM: in range, and its canonical text reads back to it. */
static void
check_hhmm(const char *s, size_t len)
{
	char text[8];

	for (int allow = 0; allow <= 1; allow++) {
		int m = tz_parse_hhmm(s, len, allow);

		if (m == -1)
			continue;
		FUZZ_ASSERT(m >= 0 && (m < 1440 || (allow && m == 1440)));
		snprintf(text, sizeof(text), "%02d:%02d", m / 60, m % 60);
		FUZZ_ASSERT(tz_parse_hhmm(text, 5, allow) == m);
	}
}

/* Day numbers agree with the date parser and read back to the date. */
static void
check_days(const char *s)
{
	char back[11];
	int64_t days;

	FUZZ_ASSERT((tz_date_days(s, &days) == 0) == (tz_parse_date(s, NULL) == 0));
	if (tz_parse_date(s, NULL) == -1)
		return;
	tz_days_date(days, back);
	FUZZ_ASSERT(strcmp(back, s) == 0);
	FUZZ_ASSERT(tz_days_weekday(days) >= 0 && tz_days_weekday(days) <= 6);
}

static void
check_duration(const char *s)
{
	char buf[32];
	int64_t ms = config_parse_duration(s);

	if (ms == -1)
		return;
	FUZZ_ASSERT(ms >= 0);
	config_format_duration(ms, buf, sizeof(buf));
	FUZZ_ASSERT(config_parse_duration(buf) == ms);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256)
		return -1;
	s = fuzz_cstr(data, size);
	check_date(s);
	check_time(s);
	check_duration(s);
	check_utc(s);
	check_days(s);
	/* tz_parse_hhmm reads len bytes of a buffer that need not end there:
	 * give it exactly the input's bytes, so ASan sees any overread. */
	check_hhmm((const char *)data, size);
	free(s);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Site local time on top of the C library's TZ handling.  localtime_r is
 * the only conversion trusted: mktime's handling of skipped and repeated
 * wall times differs between C libraries, so local_to_utc below resolves
 * them itself from the UTC offsets localtime_r reports.
 *
 * Times are int64_t milliseconds everywhere; time_t is met only at
 * localtime_r.  Where time_t is 32-bit (Raspberry Pi OS 32-bit, armhf), it
 * ends at 2038-01-19 03:14:07 UTC, and a later instant would wrap to 1901:
 * every conversion here checks that the instant fits (fits_time_t) and
 * fails otherwise, as it fails for a bad date.  UTC arithmetic (dates to
 * days, "...Z" and "+HH:MM" times) never needs time_t and works past 2038
 * everywhere.
 */
#include "tz.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ZONEINFO_DIR	"/usr/share/zoneinfo"

int
tz_valid(const char *name)
{
	const char *dir, *c;
	char path[512], magic[4];
	FILE *f;
	size_t n;

	if (name == NULL || name[0] == '\0' || name[0] == '/' ||
	    strstr(name, "..") != NULL || strlen(name) > 128)
		return 0;
	for (c = name; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && strchr("/_+-", *c) == NULL)
			return 0;
	if ((dir = getenv("TZDIR")) == NULL || dir[0] == '\0')
		dir = ZONEINFO_DIR;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return 0;
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(magic, 1, sizeof(magic), f);
	fclose(f);
	return n == sizeof(magic) && memcmp(magic, "TZif", 4) == 0;
}

int
tz_set(const char *name, char *err, size_t errlen)
{
	if (!tz_valid(name)) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "unknown timezone '%s'",
			    name != NULL ? name : "");
		return -1;
	}
	if (setenv("TZ", name, 1) == -1) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "setenv TZ: out of memory");
		return -1;
	}
	tzset();
	return 0;
}

/* Seconds, rounding toward the past so that -1 ms is 23:59:59.999. */
static int64_t
ms_to_sec(int64_t ms)
{
	return ms >= 0 || ms % 1000 == 0 ? ms / 1000 : ms / 1000 - 1;
}

/* Whether s seconds since the epoch fit this system's time_t. */
static bool
fits_time_t(int64_t s)
{
	if (sizeof(time_t) >= sizeof(int64_t))
		return true;
	return s >= INT32_MIN && s <= INT32_MAX;
}

bool
tz_time_fits(int64_t utc_ms)
{
	return fits_time_t(ms_to_sec(utc_ms));
}

/* localtime_r of s seconds; NULL when s does not fit time_t or the C
 * library fails. */
static struct tm *
local_tm(int64_t s, struct tm *tm)
{
	time_t t;

	if (!fits_time_t(s))
		return NULL;
	t = (time_t)s;
	return localtime_r(&t, tm);
}

/* The UTC offset at s, in *off; -1 when s cannot be converted. */
static int
utc_offset(int64_t s, long *off)
{
	struct tm tm;

	if (local_tm(s, &tm) == NULL)
		return -1;
	*off = tm.tm_gmtoff;
	return 0;
}

/*
 * The first instant at which the local clock reads `wall` (a wall time
 * written as seconds since the epoch as if it were UTC), in *utc.  A wall
 * time the clock skips (02:30 on a spring-forward day) maps to the first
 * instant after the skip, i.e. the transition itself; a repeated one (02:30
 * on a fall-back day) to its first occurrence.  The offsets a day either
 * side are the only two candidates (zones change at most once a day).  -1
 * when an instant it needs does not fit time_t.
 */
static int
local_to_utc(int64_t wall, int64_t *utc)
{
	long before, after, target, o1, o2, o;
	int64_t t1, t2, lo, hi, mid;
	bool ok1, ok2;

	if (utc_offset(wall - 86400, &before) == -1 || utc_offset(wall + 86400, &after) == -1)
		return -1;
	t1 = wall - before;
	t2 = wall - after;
	if (utc_offset(t1, &o1) == -1 || utc_offset(t2, &o2) == -1)
		return -1;
	ok1 = o1 == before;
	ok2 = o2 == after;

	if (ok1 && ok2)
		*utc = t1 < t2 ? t1 : t2;
	else if (ok1)
		*utc = t1;
	else if (ok2 || before == after)
		*utc = t2;
	else {
		/* In the gap: find the transition between the two candidates. */
		lo = t1 < t2 ? t1 : t2;
		hi = t1 < t2 ? t2 : t1;
		if (utc_offset(hi, &target) == -1)
			return -1;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (utc_offset(mid, &o) == -1)
				return -1;
			if (o == target)
				hi = mid;
			else
				lo = mid;
		}
		*utc = hi;
	}
	return 0;
}

/*
 * At t (local time *tm), in the second pass of wall times that clocks going
 * back made repeat: the wall minute at which the repetition ends, counted
 * from midnight of tm's date (so 1440 when it ends at midnight); else 0.
 * Zones change at most once a day: a larger offset a day ago means a
 * change back within the day, found by bisection like local_to_utc's gap.
 * The second pass lasts as long as the clocks went back.
 */
static int
repeat_end(int64_t t, const struct tm *tm)
{
	long now_off = tm->tm_gmtoff, before, o;
	int64_t lo = t - 86400, hi = t, mid, end;

	if (utc_offset(lo, &before) == -1 || before <= now_off)
		return 0;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (utc_offset(mid, &o) == -1)
			return 0;
		if (o == now_off)
			hi = mid;
		else
			lo = mid;
	}
	/* hi is the change; the wall clock reads again what it read then
	 * (under the old offset) after before - now_off seconds. */
	end = hi + (before - now_off);
	if (t >= end)
		return 0;
	return (int)((tm->tm_hour * 3600L + tm->tm_min * 60L + tm->tm_sec + (end - t)) / 60);
}

void
tz_local(int64_t utc_ms, struct local_time *out)
{
	struct tm tm;

	/* On failure leave values the policy denies: no date, no weekday. */
	memset(out, 0, sizeof(*out));
	out->weekday = -1;
	if (local_tm(ms_to_sec(utc_ms), &tm) == NULL ||
	    strftime(out->date, sizeof(out->date), "%Y-%m-%d", &tm) != 10) {
		out->date[0] = '\0';
		return;
	}
	out->weekday = (tm.tm_wday + 6) % 7;
	out->minute = tm.tm_hour * 60 + tm.tm_min;
	out->repeat_end_min = repeat_end(ms_to_sec(utc_ms), &tm);
}

static int64_t days_from_civil(int64_t y, int m, int d);

/* Wall seconds (as if UTC) of local midnight of the date in tm, k days on. */
static int64_t
wall_midnight(const struct tm *date, int k)
{
	return (days_from_civil(date->tm_year + 1900LL, date->tm_mon + 1, date->tm_mday) + k) * 86400;
}

/* Wall seconds (as if UTC) of the date and time in tm: timegm without
 * time_t. */
static int64_t
wall_seconds(const struct tm *tm)
{
	return wall_midnight(tm, 0) + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec;
}

int64_t
tz_next_day_end(int64_t now_ms, int day_end_min)
{
	struct tm today;
	int64_t t;
	int k;

	if (local_tm(ms_to_sec(now_ms), &today) == NULL)
		return now_ms + 86400 * 1000LL;
	for (k = 0; k < 3; k++) {
		if (local_to_utc(wall_midnight(&today, k) + day_end_min * 60, &t) == -1)
			break;
		if (t * 1000 > now_ms)
			return t * 1000;
	}
	return now_ms + 86400 * 1000LL;
}

/* Digits s[0..n-1] as a number, or -1. */
static int
digits(const char *s, int n)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)*s))
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Howard Hinnant's days_from_civil and civil_from_days (public domain
 * algorithms): proleptic Gregorian, day 0 is 1970-01-01. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

/*
 * "YYYY-MM-DD" at the start of s, a real date (year 0001 to 9999), into
 * tm (date fields only); 0 or -1.  The one date scanner: every other parser
 * here starts with it.
 */
static int
scan_date(const char *s, struct tm *tm)
{
	static const int mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	int y, m, d, leap;

	y = digits(s, 4);
	m = s[4] == '-' ? digits(s + 5, 2) : -1;
	d = m >= 0 && s[7] == '-' ? digits(s + 8, 2) : -1;
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = m - 1;
	tm->tm_mday = d;
	return 0;
}

int
tz_parse_date(const char *s, char out[11])
{
	struct tm tm;

	if (strlen(s) != 10 || scan_date(s, &tm) == -1)
		return -1;
	if (out != NULL)
		memcpy(out, s, 11);
	return 0;
}

int
tz_date_days(const char *s, int64_t *days)
{
	struct tm tm;

	if (s == NULL || strlen(s) != 10 || scan_date(s, &tm) == -1)
		return -1;
	*days = days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return 0;
}

void
tz_days_date(int64_t days, char out[11])
{
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	    (unsigned)d % 100u);
}

/* 1970-01-01 was a Thursday. */
int
tz_days_weekday(int64_t days)
{
	return (int)(((days % 7) + 7 + 3) % 7);
}

int64_t
tz_date_start(const char *date)
{
	struct tm tm;
	int64_t t;

	if (tz_parse_date(date, NULL) == -1)
		return INT64_MIN;
	scan_date(date, &tm);
	if (local_to_utc(wall_midnight(&tm, 0), &t) == -1)
		return INT64_MIN;
	return t * 1000;
}

int
tz_parse_hhmm(const char *s, size_t len, bool allow_24)
{
	int h, m;

	if (len == 4)
		h = digits(s, 1);
	else if (len == 5)
		h = digits(s, 2);
	else
		return -1;
	s += len - 3;
	if (h < 0 || s[0] != ':' || (m = digits(s + 1, 2)) < 0 || m > 59 ||
	    h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return -1;
	return h * 60 + m;
}

/*
 * "THH:MM[:SS[.fff]]" after a date in tm (a space may replace the T when
 * sep_space): fills the time of tm and *ms, returns the rest of s, or NULL.
 * need_sec: the seconds are required.
 */
static const char *
scan_time(const char *s, struct tm *tm, int *ms, bool sep_space, bool need_sec)
{
	int h, m, sec = 0, scale = 100;

	*ms = 0;
	if (s[0] != 'T' && !(sep_space && s[0] == ' '))
		return NULL;
	h = digits(s + 1, 2);
	if (h < 0 || s[3] != ':' || (m = digits(s + 4, 2)) < 0)
		return NULL;
	s += 6;
	if (*s == ':') {
		if ((sec = digits(s + 1, 2)) < 0)
			return NULL;
		s += 3;
		if (*s == '.') {
			if (!isdigit((unsigned char)s[1]))
				return NULL;
			for (s++; isdigit((unsigned char)*s); s++, scale /= 10)
				*ms += (*s - '0') * scale;
		}
	} else if (need_sec)
		return NULL;
	if (h > 23 || m > 59 || sec > 59)
		return NULL;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	return s;
}

int
tz_parse_time(const char *s, int64_t *utc_ms)
{
	struct tm tm;
	const char *p;
	int oh, om, ms;
	int64_t wall, t;

	if (strlen(s) < 10 || scan_date(s, &tm) == -1)
		return -1;
	if (s[10] == '\0') {
		if ((t = tz_date_start(s)) == INT64_MIN)
			return -1;
		*utc_ms = t;
		return 0;
	}
	if ((p = scan_time(s + 10, &tm, &ms, true, false)) == NULL)
		return -1;
	wall = wall_seconds(&tm);

	if (*p == '\0') {
		if (local_to_utc(wall, &t) == -1)
			return -1;
		*utc_ms = t * 1000 + ms;
		return 0;
	}
	if (strcmp(p, "Z") == 0) {
		*utc_ms = wall * 1000 + ms;
		return 0;
	}
	if ((p[0] != '+' && p[0] != '-') || strlen(p) != 6 || p[3] != ':')
		return -1;
	oh = digits(p + 1, 2);
	om = digits(p + 4, 2);
	if (oh < 0 || oh > 23 || om < 0 || om > 59)
		return -1;
	*utc_ms = (wall - (p[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60)) * 1000 + ms;
	return 0;
}

int
tz_parse_period_end(const char *s, int64_t *utc_ms)
{
	int64_t days;
	char next[11];

	if (strlen(s) != 10)
		return tz_parse_time(s, utc_ms);
	if (tz_date_days(s, &days) == -1)
		return -1;
	tz_days_date(days + 1, next);
	*utc_ms = tz_date_start(next);
	return *utc_ms == INT64_MIN ? -1 : 0;
}

int
tz_parse_utc(const char *s, int64_t *utc_ms)
{
	struct tm tm;
	const char *p;
	int ms;

	if (strlen(s) < 10 || scan_date(s, &tm) == -1 ||
	    (p = scan_time(s + 10, &tm, &ms, false, true)) == NULL ||
	    strcmp(p, "Z") != 0)
		return -1;
	*utc_ms = wall_seconds(&tm) * 1000 + ms;
	return 0;
}

void
tz_format_local(int64_t utc_ms, char *buf, size_t len)
{
	struct tm tm;

	if (len == 0)
		return;
	if (local_tm(ms_to_sec(utc_ms), &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		buf[0] = '\0';
}

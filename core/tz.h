/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The site's local time (site.timezone), and the one parser family for the
 * dates and times people and programs write.  Schedules, validity dates,
 * the day end and reports are all in local time; the store keeps UTC
 * milliseconds.  Implemented with the C library's TZ handling, so the
 * process has one site timezone at a time (tz_set).
 *
 * Parsers (nothing else in seuil parses these):
 *   tz_parse_date   "YYYY-MM-DD", a real calendar date
 *   tz_date_days    the same, to a day number (for date arithmetic)
 *   tz_parse_time   "YYYY-MM-DDTHH:MM[:SS[.fff]]" local, or with Z/offset,
 *                   or a bare date (what people type: seuilctl log --since)
 *   tz_parse_utc    "YYYY-MM-DDTHH:MM:SS[.fff]Z" only (what programs send:
 *                   MQTT commands)
 *   tz_parse_hhmm   "H:MM" or "HH:MM" (schedules, day_ends_at)
 * Durations ("5s", "12h") are config_parse_duration's.
 *
 * Past 2038-01-19 03:14:07 UTC on a system whose time_t is 32-bit (armhf):
 * what needs the local time of such an instant fails as for a bad input
 * (tz_local gives no date, tz_date_start INT64_MIN, tz_parse_time -1), so
 * the callers refuse it with their own error, never a date of 1901; what is
 * pure UTC or calendar arithmetic (tz_date_days, tz_parse_utc, times with
 * "Z" or an offset) works past 2038 everywhere.  tz_time_fits says which.
 */
#ifndef SEUIL_TZ_H
#define SEUIL_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Local wall time in site.timezone, as the access policy sees it. */
struct local_time {
	char	date[11];	/* "YYYY-MM-DD" */
	int	weekday;	/* 0 = Monday .. 6 = Sunday */
	int	minute;		/* minutes since local midnight, 0..1439 */
	/*
	 * When clocks go back, the wall times just before the change are
	 * lived twice.  During the second pass this is the wall minute (past
	 * midnight of date) at which the repetition ends, e.g. 180 (03:00) in
	 * Europe/Paris: every wall time before it, from the one now, was
	 * already lived today.  0 at every other instant.
	 */
	int	repeat_end_min;
};

/* Check that name is a tz database zone (e.g. "Europe/Paris") and make it the
 * process's local time (setenv TZ + tzset).  Returns 0 or -1 with a message
 * in err. */
int tz_set(const char *name, char *err, size_t errlen);
/* 1 if name is a zone file under $TZDIR or /usr/share/zoneinfo (a TZif
 * file; names with "..", a leading '/' or odd characters are refused), else
 * 0.  Changes nothing. */
int tz_valid(const char *name);

/* Local date, weekday and minute of a UTC instant, and whether it is in the
 * second pass of a repeated hour.  If the C library cannot convert it (or
 * it does not fit time_t), date is "" and weekday -1, which decision_input
 * takes for a clock it cannot trust. */
void tz_local(int64_t utc_ms, struct local_time *out);

/* Whether the C library can give the local time of utc_ms: false past
 * 2038-01-19 03:14:07 UTC (and before 1901-12-13) where time_t is 32-bit. */
bool tz_time_fits(int64_t utc_ms);

/* The first UTC instant strictly after now_ms at which local time is
 * day_end_min minutes past midnight (on a DST day, the first such instant;
 * if that wall time does not exist that day, the first instant after it). */
int64_t tz_next_day_end(int64_t now_ms, int day_end_min);

/* UTC milliseconds of local midnight starting date "YYYY-MM-DD" (the first
 * instant of that day if midnight is skipped); INT64_MIN for a bad date or
 * one whose local time the C library cannot convert (tz_time_fits). */
int64_t tz_date_start(const char *date);

/* Validate "YYYY-MM-DD" (a real calendar date) and copy it to out (which
 * may be NULL).  0 or -1. */
int tz_parse_date(const char *s, char out[11]);

/* "YYYY-MM-DD" (a real date) to the number of days
 * since 1970-01-01, and back; the weekday of a day number (0 = Monday).
 * Pure: no timezone involved.  tz_date_days returns 0 or -1. */
int tz_date_days(const char *s, int64_t *days);
void tz_days_date(int64_t days, char out[11]);
int tz_days_weekday(int64_t days);

/* "YYYY-MM-DDTHH:MM[:SS[.fff]]" local (a space may replace the T, so
 * tz_format_local's output parses back), or with "Z" or "+HH:MM"/"-HH:MM",
 * or a bare date (local midnight).  Fractions of a second are kept to the
 * millisecond.  A local time repeated when clocks go back is its first
 * occurrence; one skipped when they go forward is the instant of the skip.
 * 0 with *utc_ms set, or -1 (*utc_ms unchanged), also for a local time the
 * C library cannot convert (tz_time_fits). */
int tz_parse_time(const char *s, int64_t *utc_ms);

/* The end of a period a person gives (--to, ?to=): a bare date is the
 * whole day, so its end is the start of the next local day; a time is
 * that instant (tz_parse_time).  0 with *utc_ms set, or -1. */
int tz_parse_period_end(const char *s, int64_t *utc_ms);
/* Strict UTC, as programs write it: "YYYY-MM-DDTHH:MM:SS[.fff...]Z" and
 * nothing else (no local time, no offset, no missing seconds).  Pure: no
 * timezone involved.  0 with *utc_ms set, or -1 (*utc_ms unchanged). */
int tz_parse_utc(const char *s, int64_t *utc_ms);

/* "H:MM" or "HH:MM", the len bytes at s (s need not be NUL-terminated
 * there), to minutes after midnight: 0..1439, or 1440 for "24:00" when
 * allow_24.  -1 if bad. */
int tz_parse_hhmm(const char *s, size_t len, bool allow_24);

/* Format a UTC instant as local "YYYY-MM-DD HH:MM:SS" (buf >= 20 bytes);
 * "" if the C library cannot convert it. */
void tz_format_local(int64_t utc_ms, char *buf, size_t len);

#endif

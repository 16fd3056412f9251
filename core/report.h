/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Attendance reports: per member and period (local day, ISO week or month
 * of site.timezone), the days present, visits, hours and first and last
 * seen, written as a text table, CSV, JSON or a self-contained HTML page.
 *
 * The report is an accumulator fed with plain visit rows, so it needs no
 * database: seuilctl streams store_visits_between() into report_add_visit()
 * and the tests feed hand-made rows.  Local days come from tz.h, so call
 * tz_set() before report_new().
 *
 * How a visit counts:
 *  - it lasts from arrived_ms to its end: left_ms when the member left by
 *    badge, toggle or checkout; last_seen_ms when it ended by timeout or
 *    day_end (the expiry is not presence); now_ms while still open;
 *  - it is present on every local day it touches (a visit over midnight
 *    counts for both days) and its hours are real elapsed time, split at
 *    local midnight (a DST day has 23 or 25 hours);
 *  - it counts as one visit in every period it overlaps;
 *  - first_seen and last_seen of a period are the earliest arrival and the
 *    latest end of the visits that overlap it, so they are instants at which
 *    the member was really seen, possibly just outside the period.
 * Overlapping visits of one member (two doors) count their common time once
 * when visits are added in order of arrival, as store_visits_between()
 * returns them (a visit added out of order is counted whole).
 */
#ifndef SEUIL_REPORT_H
#define SEUIL_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "store.h"

/* REPORT_BY_RANGE: the whole range is one period (insight.c's per-member
 * figures); not one of report_by_parse's words. */
enum report_by { REPORT_BY_DAY, REPORT_BY_WEEK, REPORT_BY_MONTH, REPORT_BY_RANGE };

/* The longest range a report covers, in days (ten years and a bit). */
#define REPORT_MAX_DAYS	3700

struct report;

/* Where a visit's presence ends, as above (now_ms for one still open). */
int64_t report_visit_end(const struct visit_row *v, int64_t now_ms);

/* "day", "week" or "month".  0, or -1 if s is none of them. */
int report_by_parse(const char *s, enum report_by *out);
const char *report_by_name(enum report_by by);

/* The default range: the first of the current local month to today. */
void report_default_range(int64_t now_ms, char from[11], char to[11]);

/*
 * A report over the local dates from_date to to_date ("YYYY-MM-DD", both
 * inclusive).  now_ms is where open visits end.  Returns NULL with errno
 * EINVAL (bad date, from after to, more than REPORT_MAX_DAYS days), ERANGE
 * (a day whose local time the C library cannot convert: past 2038-01-19
 * where time_t is 32-bit, tz_time_fits) or ENOMEM.  The caller frees it
 * with report_free().
 */
struct report *report_new(const char *from_date, const char *to_date,
    enum report_by by, int64_t now_ms);
void report_free(struct report *r);	/* NULL is fine */

/* The UTC range [from, to) the report covers: what to ask the store for. */
int64_t report_from_ms(const struct report *r);
int64_t report_to_ms(const struct report *r);

/* A site's report (a site's primary): report_load reads the site's
 * visits (store_site_visits_between), and each row says the nodes its
 * visits were at, as a column "nodes" of the text, CSV and HTML tables
 * and an array "nodes" of the JSON rows, names in the order first seen
 * (REPORT_MAX_NODES of them, as many as a site's journal follows).  A
 * single Pi's report has neither. */
#define REPORT_MAX_NODES	64
void report_set_site(struct report *r, bool site);

/* Only count the visits of this member (0: everyone, the default). */
void report_filter_member(struct report *r, int64_t member_id);

/* Whether a visit of member_id has been added already (so its name is known:
 * seuilctl looks names up only for members it has not seen). */
bool report_has_member(const struct report *r, int64_t member_id);

/*
 * Count one visit.  member_name is copied the first time the member is seen
 * and may be NULL afterwards (NULL the first time: "member <id>", or
 * "(erased)" for member_id 0).  Visits outside the range are ignored.
 * 0, or -1 with errno ENOMEM, or EINVAL after report_finish().
 */
int report_add_visit(struct report *r, const struct visit_row *v, const char *member_name);

/* Sort the rows and total the days; no visit can be added afterwards.
 * 0 or -1 (ENOMEM).  The writers call it if the caller did not. */
int report_finish(struct report *r);

/*
 * Writers.  Each returns 0, or -1 with errno set if a write failed or
 * memory ran out.  Rows are ordered by period, then member name without
 * regard to case or accents (fold_cmp: "Élodie" among the e's, not after
 * "Zoé"); a member appears in a period only if it has a visit there.
 *
 *  text: a table for humans (the default of seuilctl).
 *  csv:  header period,member,days_present,visits,hours,first_seen,last_seen;
 *        hours with 2 decimals, names as csv_cell writes them (csv.h:
 *        quoted, and never run as formulas), lines end with LF.
 *  json: {"from","to","by","rows":[{"period","member","member_id",
 *        "days_present","visits","hours","first_seen","last_seen"}],
 *        "days":[{"date","present"}]} (present: members present that day).
 *  html: a self-contained page (inline CSS and SVG, nothing fetched) with a
 *        calendar heat map of members present per day, a bar chart of hours
 *        per member and the table.  site_name may be NULL.
 */
int report_write_text(struct report *r, FILE *out);
int report_write_csv(struct report *r, FILE *out);
int report_write_json(struct report *r, FILE *out);
int report_write_html(struct report *r, FILE *out, const char *site_name);

/* The number of rows (member and period pairs); finishes the report. */
int report_nrows(struct report *r);

/*
 * Count the visits of the report's range from the store, of the member of
 * report_filter_member or everyone, names looked up once per member.  0,
 * or -1 with errno ENOMEM, or EIO when the store failed (store_errmsg).
 */
int report_load(struct report *r, struct store *st);

#endif

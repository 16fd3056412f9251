/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Insight: the figures a coworking manager plans with, computed on the Pi
 * from the visits (docs/web.md, "Insight"; `seuilctl report KIND`, the
 * console's GET /api/v1/report/KIND).  They reuse access data for another
 * purpose than the door, so [report] insight = false turns them off.
 *
 * Every figure follows the attendance report's rule of a visit (report.h):
 * from its arrival to its end (the last badge for a timeout or the day's
 * end, now for one still open), in the local time of [site] timezone.
 *
 *  presence-hours  for each hour of the week (Monday 00:00 to Sunday
 *                  23:00, local), the person-hours present in it over the
 *                  period ("hours") and the people present on average
 *                  ("average": hours divided by the number of such
 *                  weekdays in the period); the time of two overlapping
 *                  visits of one member counts once.
 *  members         per member: days present, visits, hours, first and
 *                  last visit (the attendance report's figures over the
 *                  whole period), and the trend: the hours of the last
 *                  ⌊N/2⌋ days of the period against the first ⌊N/2⌋ (N its
 *                  days; the middle day of an odd N is in neither): "up",
 *                  "down" or "same" to the hundredth of an hour; with
 *                  totals.
 *  drifting        the members still active, not erased, with at least 4
 *                  visits in the 12 weeks before the last 4 weeks of the
 *                  period (84 days, then 28 days ending on its last day)
 *                  whose weekly rate in those last 4 weeks is below half
 *                  of that before (recent / 4 < before / 12 / 2); a visit
 *                  counts in the window of its arrival's local day.
 *  retention       for each month M of the period: of the members with a
 *                  visit arriving in month M-1, how many have one in M,
 *                  and that share.
 *
 * Defaults, as `seuilctl report` and the console take them: the period
 * ends today; presence-hours and members cover the 12 weeks (84 days)
 * that end then, retention the 12 months; drifting looks at the 16 weeks
 * before its end and takes no start.
 */
#ifndef SEUIL_INSIGHT_H
#define SEUIL_INSIGHT_H

#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "store.h"

enum insight_kind {
	INSIGHT_PRESENCE_HOURS,
	INSIGHT_MEMBERS,
	INSIGHT_DRIFTING,
	INSIGHT_RETENTION,
	INSIGHT_NKINDS
};

/* "presence-hours", "members", "drifting", "retention"; and back (-1). */
const char *insight_name(enum insight_kind k);
int insight_parse(const char *s, enum insight_kind *k);

/*
 * The figures of kind k over the local dates from..to ("YYYY-MM-DD", both
 * inclusive; NULL or "" for the defaults above), now_ms where open visits
 * end and what "today" is; tz_set first.  A JSON document the caller
 * deletes:
 *   presence-hours {"kind","from","to","cells":[{"day":"Mon","hour":0,
 *                  "hours","average"}…168],"max_average"}
 *   members        {"kind","from","to","halves":[[from,to],[from,to]],
 *                  "rows":[{"member_id","member","days","visits","hours",
 *                  "first_visit","last_visit","hours_first_half",
 *                  "hours_second_half","trend"}],"totals":{"members",
 *                  "days","visits","hours"}}
 *   drifting       {"kind","to","before":[from,to],"recent":[from,to],
 *                  "rows":[{"member_id","member","visits_before",
 *                  "visits_recent","per_week_before","per_week_recent",
 *                  "last_visit"}]}
 *   retention      {"kind","from","to","rows":[{"month","previous",
 *                  "members_before","retained","share"}]}
 * Hours and rates with two decimals; rows by member name (fold_cmp) or
 * by month.  NULL with err: a bad date or range (a person's mistake), or
 * the store's failure.
 */
/* site: a site's primary, whose figures cover every node's visits
 * (store_site_visits_between); a single Pi's are its own. */
cJSON *insight_run(struct store *st, enum insight_kind k, const char *from, const char *to,
    int64_t now_ms, bool site, char *err, size_t errlen);

/* The same as CSV (one line a row, a header first; csv.h's cells) or as a
 * table for a terminal.  0, or -1 with errno when writing failed. */
int insight_write_csv(const cJSON *doc, FILE *out);
int insight_write_text(const cJSON *doc, FILE *out);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Attendance reports against hand-computed fixtures (tests/fixtures/report).
 *
 * Every case runs in Europe/Paris: CET (UTC+1) until 2026-03-29 01:00Z,
 * when 02:00 local jumps to 03:00 (a 23-hour day), then CEST (UTC+2) until
 * 2026-10-25 01:00Z, when 03:00 local falls back to 02:00 (a 25-hour day).
 * Visits are written in UTC, with the local time beside each; the
 * arithmetic of each expected CSV is in the comment above its test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "ctl.h"
#include "report.h"
#include "store.h"
#include "testhelp.h"
#include "tz.h"

#define FIXTURES	"tests/fixtures/report/"

static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return (int64_t)timegm(&tm) * 1000;
}

struct tvisit {
	int64_t		member;
	const char	*name;
	int64_t		arrived, left;		/* left 0: still present */
	const char	*reason;
	int64_t		last_seen;		/* 0: same as left (or arrival) */
};

static void
add_all(struct report *r, const struct tvisit *tv, int n)
{
	struct visit_row v;
	int i;

	for (i = 0; i < n; i++) {
		memset(&v, 0, sizeof(v));
		v.id = i + 1;
		v.member_id = tv[i].member;
		snprintf(v.door, sizeof(v.door), "front");
		v.arrived_ms = tv[i].arrived;
		v.left_ms = tv[i].left;
		snprintf(v.left_reason, sizeof(v.left_reason), "%s", tv[i].reason);
		v.last_seen_ms = tv[i].last_seen ? tv[i].last_seen :
		    tv[i].left ? tv[i].left : tv[i].arrived;
		EXPECT_INT(report_add_visit(r, &v, tv[i].name), 0);
	}
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL) {
		printf("# cannot open %s (run from the top of the tree)\n", path);
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

enum fmt { CSV, JSON, HTML, TEXT };

/* The report written in one format, as a malloc'd string. */
static char *
render(struct report *r, enum fmt fmt)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int rc = -1;

	switch (fmt) {
	case CSV:
		rc = report_write_csv(r, f);
		break;
	case JSON:
		rc = report_write_json(r, f);
		break;
	case HTML:
		rc = report_write_html(r, f, "lab <&> \"north\"");
		break;
	case TEXT:
		rc = report_write_text(r, f);
		break;
	}
	fclose(f);
	EXPECT_INT(rc, 0);
	return buf;
}

/* Build a report, feed it, compare its CSV with a fixture file. */
static void
check_csv(const char *from, const char *to, enum report_by by, int64_t now,
    int64_t filter, const struct tvisit *tv, int n, const char *fixture)
{
	struct report *r = report_new(from, to, by, now);
	char *got, *want;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	report_filter_member(r, filter);
	add_all(r, tv, n);
	got = render(r, CSV);
	want = slurp(fixture);
	EXPECT_STR(got, want);
	free(got);
	free(want);
	report_free(r);
}

/*
 * simple.csv, 2026-03-10 (CET, UTC+1), by day:
 *  Alice 09:00-17:30 (8.50 h) and 19:00-20:15 (1.25 h): 1 day, 2 visits,
 *    9.75 h, first 09:00, last 20:15.
 *  Bob 10:00-12:20: 2 h 20 min = 2.333 h -> 2.33; his name has a quote and
 *    a comma, so RFC 4180 quotes it and doubles the quotes.
 *  Zoé 09:00-12:00 at one door and 11:00-13:00 at another: the hour they
 *    overlap counts once, 09:00-13:00 = 4.00 h, 2 visits.
 *  Rows sort by name: Alice, Bob, Zoé (UTF-8 bytes sort after ASCII).
 */
static void
test_simple_day(void)
{
	const char *bob = "Bob \"Bobby\" Smith, Jr.";
	struct tvisit tv[] = {
		{ 1, "Alice", utc(2026, 3, 10, 8, 0), utc(2026, 3, 10, 16, 30), "badge_out", 0 },
		{ 3, "Zoé", utc(2026, 3, 10, 8, 0), utc(2026, 3, 10, 11, 0), "badge_out", 0 },
		{ 2, bob, utc(2026, 3, 10, 9, 0), utc(2026, 3, 10, 11, 20), "badge_out", 0 },
		{ 3, NULL, utc(2026, 3, 10, 10, 0), utc(2026, 3, 10, 12, 0), "toggle", 0 },
		{ 1, NULL, utc(2026, 3, 10, 18, 0), utc(2026, 3, 10, 19, 15), "toggle", 0 },
	};

	check_csv("2026-03-10", "2026-03-10", REPORT_BY_DAY, 0, 0, tv, 5,
	    FIXTURES "simple.csv");
}

/*
 * midnight.csv, by day 2026-03-10..11: Carol 2026-03-10 22:00 to
 * 2026-03-11 02:30 local (21:00Z-01:30Z).  Present both days; 22:00-24:00
 * is 2.00 h on the 10th, 00:00-02:30 is 2.50 h on the 11th; the one visit
 * counts on both days, and both rows show its arrival and departure.
 */
static void
test_across_midnight(void)
{
	struct tvisit tv[] = {
		{ 4, "Carol", utc(2026, 3, 10, 21, 0), utc(2026, 3, 11, 1, 30), "badge_out", 0 },
	};

	check_csv("2026-03-10", "2026-03-11", REPORT_BY_DAY, 0, 0, tv, 1,
	    FIXTURES "midnight.csv");
}

/*
 * ended.csv, by day 2026-03-12..13:
 *  Dave arrived 08:00 local (07:00Z), last badge 11:45 (10:45Z); the visit
 *    was closed by timeout at 23:45 (22:45Z).  Counted to the last badge:
 *    3 h 45 min = 3.75 h, last seen 11:45.
 *  Erin arrived 20:00 (19:00Z), last badge 23:10 (22:10Z), closed by the
 *    day end at 04:00 on the 13th (03:00Z).  Counted to 23:10: 3 h 10 min =
 *    3.1667 -> 3.17 h; nothing on the 13th, although left_ms is then.
 */
static void
test_timeout_and_day_end(void)
{
	struct tvisit tv[] = {
		{ 5, "Dave", utc(2026, 3, 12, 7, 0), utc(2026, 3, 12, 22, 45), "timeout",
		  utc(2026, 3, 12, 10, 45) },
		{ 6, "Erin", utc(2026, 3, 12, 19, 0), utc(2026, 3, 13, 3, 0), "day_end",
		  utc(2026, 3, 12, 22, 10) },
	};

	check_csv("2026-03-12", "2026-03-13", REPORT_BY_DAY, 0, 0, tv, 2,
	    FIXTURES "ended.csv");
}

/*
 * open.csv, by day 2026-03-13..14, now = 2026-03-14 13:24 local (12:24Z):
 *  George arrived 2026-03-13 21:00 (20:00Z) and is still here: 3.00 h on
 *    the 13th, 00:00-13:24 = 13.40 h on the 14th, last seen "now".
 *  Frank arrived 09:00 (08:00Z), last badge 10:00, still here: counted to
 *    now, 09:00-13:24 = 4 h 24 min = 4.40 h.
 *  A visit of March 1st, outside the range, is ignored.
 */
static void
test_open_visit(void)
{
	int64_t now = utc(2026, 3, 14, 12, 24);
	struct tvisit tv[] = {
		{ 7, "Frank", utc(2026, 3, 1, 8, 0), utc(2026, 3, 1, 9, 0), "badge_out", 0 },
		{ 8, "George", utc(2026, 3, 13, 20, 0), 0, "", utc(2026, 3, 13, 20, 0) },
		{ 7, "Frank", utc(2026, 3, 14, 8, 0), 0, "", utc(2026, 3, 14, 9, 0) },
	};

	check_csv("2026-03-13", "2026-03-14", REPORT_BY_DAY, now, 0, tv, 3,
	    FIXTURES "open.csv");
}

/*
 * dst_spring.csv, by day 2026-03-28..30; 2026-03-29 has 23 hours.
 *  Hana 00:30 CET (2026-03-28 23:30Z) to 05:30 CEST (03:30Z): 5 hours on
 *    the wall clock but 4.00 h elapsed.
 *  Ivan 2026-03-28 22:00 CET (21:00Z) to 2026-03-30 02:00 CEST (00:00Z on
 *    the 30th): 2.00 h on the 28th (to 23:00Z), the whole 29th = 23.00 h
 *    (23:00Z to 22:00Z), 2.00 h on the 30th; 27 h in all, as 21:00Z to
 *    00:00Z two days later.
 */
static void
test_dst_spring(void)
{
	struct tvisit tv[] = {
		{ 10, "Ivan", utc(2026, 3, 28, 21, 0), utc(2026, 3, 30, 0, 0), "badge_out", 0 },
		{ 9, "Hana", utc(2026, 3, 28, 23, 30), utc(2026, 3, 29, 3, 30), "badge_out", 0 },
	};
	struct report *r;

	check_csv("2026-03-28", "2026-03-30", REPORT_BY_DAY, 0, 0, tv, 2,
	    FIXTURES "dst_spring.csv");
	r = report_new("2026-03-29", "2026-03-29", REPORT_BY_DAY, 0);
	EXPECT(r != NULL);
	if (r != NULL)
		EXPECT_INT(report_to_ms(r) - report_from_ms(r), 23 * 3600000LL);
	report_free(r);
}

/*
 * dst_autumn.csv, by day 2026-10-24..26; 2026-10-25 has 25 hours.
 *  Hana 00:30 CEST (2026-10-24 22:30Z) to 05:30 CET (04:30Z): 6.00 h.
 *  Ivan 2026-10-24 22:00 CEST (20:00Z) to 2026-10-26 02:00 CET (01:00Z):
 *    2.00 h on the 24th (to 22:00Z), 25.00 h on the 25th (22:00Z to
 *    23:00Z next day), 2.00 h on the 26th; 29 h in all.
 */
static void
test_dst_autumn(void)
{
	struct tvisit tv[] = {
		{ 10, "Ivan", utc(2026, 10, 24, 20, 0), utc(2026, 10, 26, 1, 0), "badge_out", 0 },
		{ 9, "Hana", utc(2026, 10, 24, 22, 30), utc(2026, 10, 25, 4, 30), "badge_out", 0 },
	};
	struct report *r;

	check_csv("2026-10-24", "2026-10-26", REPORT_BY_DAY, 0, 0, tv, 2,
	    FIXTURES "dst_autumn.csv");
	r = report_new("2026-10-25", "2026-10-25", REPORT_BY_DAY, 0);
	EXPECT(r != NULL);
	if (r != NULL)
		EXPECT_INT(report_to_ms(r) - report_from_ms(r), 25 * 3600000LL);
	report_free(r);
}

/*
 * Visits for the week, month and filter cases, all CET (UTC+1) but Carol's.
 *  A1 Alice Mon 03-09 09:00-17:00          8.00 h   W11
 *  A2 Alice Wed 03-11 09:00-12:00          3.00 h   W11
 *  A3 Alice Wed 03-11 14:00-18:30          4.50 h   W11
 *  A4 Alice Sun 03-15 22:00-Mon 01:00      2.00 h W11 + 1.00 h W12
 *  A5 Alice Wed 03-18 10:00-11:15          1.25 h   W12
 *  B1 Bob   Tue 03-17 08:00-08:00          0.00 h   W12 (in and out at once)
 *  C1 Carol Tue 03-31 23:00-Wed 04-01 01:30 CEST (21:00Z-23:30Z)
 *                                          1.00 h March + 1.50 h April
 * week.csv (2026-03-09..22; ISO W11 is Mon 03-09..Sun 03-15):
 *  W11 Alice: days 09, 11, 15 = 3; visits A1-A4 = 4; 8+3+4.5+2 = 17.50 h;
 *    first 03-09 09:00; last 03-16 01:00 (A4 ends in the next week).
 *  W12 Alice: days 16, 18 = 2; visits A4, A5 = 2; 1+1.25 = 2.25 h;
 *    first 03-15 22:00 (A4's arrival).
 *  W12 Bob: 1 day, 1 visit, 0.00 h.
 * week_alice.csv: the same with only Alice (member filter).
 * month.csv (2026-03-01..04-30):
 *  2026-03 Alice: days 9, 11, 15, 16, 18 = 5; 5 visits; 19.75 h.
 *  2026-03 Bob: 1, 1, 0.00.  Carol: 1.00 h in March, 1.50 h in April,
 *    a visit and a day in each.
 */
static void
week_visits(struct tvisit *tv)
{
	struct tvisit v[] = {
		{ 1, "Alice", utc(2026, 3, 9, 8, 0), utc(2026, 3, 9, 16, 0), "badge_out", 0 },
		{ 1, "Alice", utc(2026, 3, 11, 8, 0), utc(2026, 3, 11, 11, 0), "badge_out", 0 },
		{ 1, "Alice", utc(2026, 3, 11, 13, 0), utc(2026, 3, 11, 17, 30), "badge_out", 0 },
		{ 1, "Alice", utc(2026, 3, 15, 21, 0), utc(2026, 3, 16, 0, 0), "toggle", 0 },
		{ 2, "Bob", utc(2026, 3, 17, 7, 0), utc(2026, 3, 17, 7, 0), "badge_out", 0 },
		{ 1, "Alice", utc(2026, 3, 18, 9, 0), utc(2026, 3, 18, 10, 15), "manual", 0 },
		{ 4, "Carol", utc(2026, 3, 31, 21, 0), utc(2026, 3, 31, 23, 30), "badge_out", 0 },
	};

	memcpy(tv, v, sizeof(v));
}

static void
test_by_week(void)
{
	struct tvisit tv[7];

	week_visits(tv);
	check_csv("2026-03-09", "2026-03-22", REPORT_BY_WEEK, 0, 0, tv, 7,
	    FIXTURES "week.csv");
}

static void
test_by_month(void)
{
	struct tvisit tv[7];

	week_visits(tv);
	check_csv("2026-03-01", "2026-04-30", REPORT_BY_MONTH, 0, 0, tv, 7,
	    FIXTURES "month.csv");
}

static void
test_member_filter(void)
{
	struct tvisit tv[7];

	week_visits(tv);
	check_csv("2026-03-09", "2026-03-22", REPORT_BY_WEEK, 0, 1, tv, 7,
	    FIXTURES "week_alice.csv");
}

/* ISO weeks at the turn of 2026: 2026-12-31 is a Thursday, so 2026 has a
 * week 53 running to Sunday 2027-01-03, and 2027-W01 starts on the 4th.
 * The November visit comes last, out of order: it still counts whole. */
static void
test_iso_week_labels(void)
{
	struct tvisit tv[] = {
		{ 1, "Alice", utc(2026, 12, 29, 9, 0), utc(2026, 12, 29, 10, 0), "badge_out", 0 },
		{ 1, "Alice", utc(2027, 1, 2, 9, 0), utc(2027, 1, 2, 10, 0), "badge_out", 0 },
		{ 1, "Alice", utc(2027, 1, 4, 9, 0), utc(2027, 1, 4, 10, 0), "badge_out", 0 },
		{ 1, "Alice", utc(2026, 11, 23, 9, 0), utc(2026, 11, 23, 10, 0), "badge_out", 0 },
	};
	struct report *r = report_new("2026-11-23", "2027-01-05", REPORT_BY_WEEK, 0);
	char *csv;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	add_all(r, tv, 4);
	csv = render(r, CSV);
	EXPECT(strstr(csv, "\n2026-W48,Alice,1,1,1.00,") != NULL);
	EXPECT(strstr(csv, "\n2026-W53,Alice,2,2,2.00,") != NULL);
	EXPECT(strstr(csv, "\n2027-W01,Alice,1,1,1.00,") != NULL);
	EXPECT_INT(report_nrows(r), 3);
	free(csv);
	report_free(r);
}

/* A name a spreadsheet would run ("=HYPERLINK(...)") stays text in CSV:
 * a leading apostrophe, inside the quotes when the cell is quoted. */
static void
test_csv_formulas(void)
{
	static const struct { const char *name, *cell; } t[] = {
		{ "=1+1", "'=1+1" },
		{ "+33 6", "'+33 6" },
		{ "-2", "'-2" },
		{ "@SUM(A1)", "'@SUM(A1)" },
		{ "\tx", "'\tx" },
		{ "=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"" },
		{ "a=b", "a=b" },
	};
	struct tvisit tv;
	struct report *r;
	char *csv, line[256];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = report_new("2026-03-10", "2026-03-10", REPORT_BY_DAY, 0);
		EXPECT(r != NULL);
		if (r == NULL)
			return;
		tv = (struct tvisit){ 1, t[i].name, utc(2026, 3, 10, 9, 0),
		    utc(2026, 3, 10, 10, 0), "badge_out", 0 };
		add_all(r, &tv, 1);
		csv = render(r, CSV);
		snprintf(line, sizeof(line), "\n2026-03-10,%s,1,1,1.00,", t[i].cell);
		if (csv == NULL || strstr(csv, line) == NULL) {
			printf("#   %s gave %s", t[i].name, csv != NULL ? csv : "(null)\n");
			th_current_failed = 1;
		}
		free(csv);
		report_free(r);
	}
}

/* Leave 0x80 (a UTF-8 continuation byte) in the stack the writers will
 * use, so that a byte read before it is written shows. */
static __attribute__((noinline)) void
paint_stack(void)
{
	volatile unsigned char junk[32768];
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = 0x80;
}

/* The bar chart cuts names at 16 code points and adds an ellipsis. */
static void
test_html_name_cut(void)
{
	static const struct { const char *name, *shown; } t[] = {
		{ "abcdefghijklmnopqrstuvwxyz", ">abcdefghijklmnop\xe2\x80\xa6<" },
		{ "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9x",
		  ">\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
		  "\xe2\x80\xa6<" },
		{ "abcdefghijklmnop", ">abcdefghijklmnop<" },
	};
	struct tvisit tv;
	struct report *r;
	char *html;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		r = report_new("2026-03-10", "2026-03-10", REPORT_BY_DAY, 0);
		EXPECT(r != NULL);
		if (r == NULL)
			return;
		tv = (struct tvisit){ 1, t[i].name, utc(2026, 3, 10, 9, 0),
		    utc(2026, 3, 10, 10, 0), "badge_out", 0 };
		add_all(r, &tv, 1);
		paint_stack();
		html = render(r, HTML);
		if (html == NULL || strstr(html, t[i].shown) == NULL) {
			printf("#   '%s' not shown as '%s'\n", t[i].name, t[i].shown);
			th_current_failed = 1;
		}
		free(html);
		report_free(r);
	}
}

static void
test_bad_ranges(void)
{
	struct report *r;

	errno = 0;
	EXPECT(report_new("2026-02-30", "2026-03-01", REPORT_BY_DAY, 0) == NULL);
	EXPECT_INT(errno, EINVAL);
	EXPECT(report_new("2026-03-02", "2026-03-01", REPORT_BY_DAY, 0) == NULL);
	EXPECT(report_new("2026-3-1", "2026-03-01", REPORT_BY_DAY, 0) == NULL);
	EXPECT(report_new("2000-01-01", "2026-03-01", REPORT_BY_DAY, 0) == NULL);
	r = report_new("2028-02-29", "2028-02-29", REPORT_BY_DAY, 0);
	EXPECT(r != NULL);
	report_free(r);
}

static struct report *
simple_report(void)
{
	struct tvisit tv[7];
	struct report *r = report_new("2026-03-01", "2026-04-30", REPORT_BY_MONTH, 0);

	if (r != NULL) {
		week_visits(tv);
		tv[1].name = "<script>alert(1)</script> & co";
		tv[1].member = 9;
		add_all(r, tv, 7);
	}
	return r;
}

/* Self-contained: an SVG heat map and bar chart, the viewport meta for
 * phones, no script, stylesheet link or URL but the SVG namespace, and
 * member names escaped. */
static void
test_html(void)
{
	struct report *r = simple_report();
	const char *p, *ns = "http://www.w3.org/2000/svg";
	char *html;
	int nsvg = 0;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	html = render(r, HTML);
	EXPECT(strncmp(html, "<!DOCTYPE html>", 15) == 0);
	EXPECT(strstr(html, "<meta name=\"viewport\"") != NULL);
	EXPECT(strstr(html, "aria-label=\"members present per day\"") != NULL);
	EXPECT(strstr(html, "aria-label=\"hours per member\"") != NULL);
	for (p = html; (p = strstr(p, "<svg")) != NULL; p++)
		nsvg++;
	EXPECT_INT(nsvg, 2);
	EXPECT(strstr(html, "</html>") != NULL);
	/* March 11th had Alice and member 9; March 9th only Alice. */
	EXPECT(strstr(html, "<title>2026-03-11: 2 present</title>") != NULL);
	EXPECT(strstr(html, "<title>2026-03-09: 1 present</title>") != NULL);
	EXPECT(strstr(html, "<title>2026-03-01: 0 present</title>") != NULL);
	for (p = html; (p = strstr(p, "http")) != NULL; p++)
		EXPECT(strncmp(p, ns, strlen(ns)) == 0);
	EXPECT(strstr(html, "<script") == NULL);
	EXPECT(strstr(html, "<link") == NULL);
	EXPECT(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co") != NULL);
	EXPECT(strstr(html, "lab &lt;&amp;&gt; &quot;north&quot;") != NULL);
	EXPECT(strstr(html, "@import") == NULL && strstr(html, "url(") == NULL);
	free(html);
	report_free(r);
}

static const cJSON *
jget(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void
test_json(void)
{
	struct report *r = simple_report();
	const cJSON *rows, *row, *days;
	cJSON *root;
	char *json;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	json = render(r, JSON);
	root = cJSON_Parse(json);
	EXPECT(root != NULL);
	if (root == NULL) {
		free(json);
		report_free(r);
		return;
	}
	EXPECT_STR(cJSON_GetStringValue(jget(root, "from")), "2026-03-01");
	EXPECT_STR(cJSON_GetStringValue(jget(root, "to")), "2026-04-30");
	EXPECT_STR(cJSON_GetStringValue(jget(root, "by")), "month");
	rows = jget(root, "rows");
	EXPECT(cJSON_IsArray(rows));
	/* Names sort "<script>..." (0x3C) before "Alice" (0x41). */
	EXPECT_INT(cJSON_GetArraySize(rows), 5);
	row = cJSON_GetArrayItem(rows, 1);
	EXPECT_STR(cJSON_GetStringValue(jget(row, "period")), "2026-03");
	EXPECT_STR(cJSON_GetStringValue(jget(row, "member")), "Alice");
	EXPECT_INT(cJSON_GetNumberValue(jget(row, "member_id")), 1);
	EXPECT_INT(cJSON_GetNumberValue(jget(row, "days_present")), 5);
	EXPECT_INT(cJSON_GetNumberValue(jget(row, "visits")), 4);
	/* A2 was moved to member 9: 4 visits, 19.75 - 3.00 = 16.75 h, but
	 * still 5 days (A3 is on the 11th too). */
	EXPECT(cJSON_GetNumberValue(jget(row, "hours")) == 16.75);
	EXPECT_STR(cJSON_GetStringValue(jget(row, "first_seen")), "2026-03-09 09:00");
	EXPECT_STR(cJSON_GetStringValue(jget(row, "last_seen")), "2026-03-18 11:15");
	row = cJSON_GetArrayItem(rows, 0);
	EXPECT_STR(cJSON_GetStringValue(jget(row, "member")), "<script>alert(1)</script> & co");
	days = jget(root, "days");
	EXPECT_INT(cJSON_GetArraySize(days), 61);
	row = cJSON_GetArrayItem(days, 10);	/* 2026-03-11: Alice and member 9 */
	EXPECT_STR(cJSON_GetStringValue(jget(row, "date")), "2026-03-11");
	EXPECT_INT(cJSON_GetNumberValue(jget(row, "present")), 2);
	cJSON_Delete(root);
	free(json);
	report_free(r);
}

static void
test_text(void)
{
	struct report *r = simple_report();
	char *text;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	text = render(r, TEXT);
	EXPECT(strncmp(text, "period   member", 15) == 0);
	EXPECT(strstr(text, "2026-03  Alice ") != NULL);
	EXPECT(strstr(text, "16.75  2026-03-09 09:00  2026-03-18 11:15\n") != NULL);
	free(text);
	report_free(r);

	r = report_new("2026-03-01", "2026-03-31", REPORT_BY_MONTH, 0);
	EXPECT(r != NULL);
	if (r == NULL)
		return;
	text = render(r, TEXT);
	EXPECT_STR(text, "no visits from 2026-03-01 to 2026-03-31\n");
	free(text);
	text = render(r, CSV);
	EXPECT_STR(text, "period,member,days_present,visits,hours,first_seen,last_seen\n");
	free(text);
	report_free(r);
}

/*
 * A site's report: each row names the nodes its visits were at, in every
 * format; Alice at hall in the morning and main in the afternoon of one day
 * is one row (one day, 2 visits) naming both, Bob at main only; a single
 * Pi's report (test_text, the fixtures) has no such column.
 */
static void
test_site_nodes(void)
{
	struct report *r = report_new("2026-03-10", "2026-03-10", REPORT_BY_DAY, 0);
	struct visit_row v;
	const struct { int64_t member; const char *name, *node; int h0, h1; } tv[] = {
		{ 1, "Alice", "hall", 8, 12 },
		{ 2, "Bob", "main", 9, 10 },
		{ 1, "Alice", "main", 13, 17 },
	};
	char *out;
	size_t i;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	report_set_site(r, true);
	for (i = 0; i < sizeof(tv) / sizeof(tv[0]); i++) {
		memset(&v, 0, sizeof(v));
		v.id = (int64_t)i + 1;
		v.member_id = tv[i].member;
		v.arrived_ms = utc(2026, 3, 10, tv[i].h0, 0);
		v.left_ms = v.last_seen_ms = utc(2026, 3, 10, tv[i].h1, 0);
		snprintf(v.left_reason, sizeof(v.left_reason), "badge_out");
		snprintf(v.node, sizeof(v.node), "%s", tv[i].node);
		EXPECT_INT(report_add_visit(r, &v, tv[i].name), 0);
	}
	out = render(r, CSV);
	EXPECT_STR(out, "period,member,days_present,visits,hours,first_seen,last_seen,nodes\n"
	    "2026-03-10,Alice,1,2,8.00,2026-03-10 09:00,2026-03-10 18:00,\"hall, main\"\n"
	    "2026-03-10,Bob,1,1,1.00,2026-03-10 10:00,2026-03-10 11:00,main\n");
	free(out);
	out = render(r, TEXT);
	EXPECT(strstr(out, "last seen         nodes\n") != NULL);
	EXPECT(strstr(out, "2026-03-10 18:00  hall, main\n") != NULL);
	free(out);
	out = render(r, JSON);
	EXPECT(strstr(out, "\"nodes\":\t[\"hall\", \"main\"]") != NULL);
	free(out);
	out = render(r, HTML);
	EXPECT(strstr(out, "<th>Nodes</th>") != NULL && strstr(out, "<td>hall, main</td>") != NULL);
	free(out);
	report_free(r);
}

/* The default range is the current local month to date, and adding after
 * the report is finished is refused. */
static void
test_default_range_and_misc(void)
{
	struct report *r;
	struct visit_row v;
	char from[11], to[11];
	enum report_by by;

	/* 2026-04-30 23:30Z is already May 1st in Paris (CEST). */
	report_default_range(utc(2026, 4, 30, 23, 30), from, to);
	EXPECT_STR(from, "2026-05-01");
	EXPECT_STR(to, "2026-05-01");
	report_default_range(utc(2026, 11, 26, 8, 0), from, to);
	EXPECT_STR(from, "2026-11-01");
	EXPECT_STR(to, "2026-11-26");

	EXPECT(report_by_parse("week", &by) == 0 && by == REPORT_BY_WEEK);
	EXPECT(report_by_parse("year", &by) == -1);

	r = report_new("2026-11-01", "2026-11-26", REPORT_BY_MONTH, 0);
	EXPECT(r != NULL);
	if (r == NULL)
		return;
	/* Local midnight of November 1st is 23:00Z on October 31st. */
	EXPECT_INT(report_from_ms(r), utc(2026, 10, 31, 23, 0));
	EXPECT_INT(report_to_ms(r), utc(2026, 11, 26, 23, 0));
	memset(&v, 0, sizeof(v));
	v.member_id = 42;
	v.arrived_ms = utc(2026, 11, 2, 8, 0);
	v.left_ms = v.last_seen_ms = utc(2026, 11, 2, 9, 0);
	snprintf(v.left_reason, sizeof(v.left_reason), "badge_out");
	EXPECT(!report_has_member(r, 42));
	EXPECT_INT(report_add_visit(r, &v, NULL), 0);
	EXPECT(report_has_member(r, 42));
	EXPECT_INT(report_finish(r), 0);
	EXPECT_INT(report_add_visit(r, &v, NULL), -1);
	report_free(r);
	report_free(NULL);
}

/* Many members and visits: the hash table grows and nothing is lost. */
static void
test_many_members(void)
{
	struct report *r = report_new("2026-01-01", "2026-12-31", REPORT_BY_MONTH, 0);
	struct visit_row v;
	char *csv, *p;
	int i, lines = 0;

	EXPECT(r != NULL);
	if (r == NULL)
		return;
	memset(&v, 0, sizeof(v));
	snprintf(v.left_reason, sizeof(v.left_reason), "badge_out");
	for (i = 0; i < 3000; i++) {
		v.member_id = 1 + i % 1000;
		v.arrived_ms = utc(2026, 1 + i / 1000, 5, 8, 0);
		v.left_ms = v.last_seen_ms = v.arrived_ms + 3600000;
		EXPECT_INT(report_add_visit(r, &v, NULL), 0);
	}
	EXPECT_INT(report_nrows(r), 3000);
	csv = render(r, CSV);
	for (p = csv; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	EXPECT_INT(lines, 3001);
	EXPECT(strstr(csv, "\n2026-02,member 1000,1,1,1.00,2026-02-05 09:00,2026-02-05 10:00\n") != NULL);
	free(csv);
	report_free(r);
}

/* Run `seuilctl report attendance ARGS` on st with stdout in a file;
 * returns the exit code and the output in *out (malloc'd). */
static bool run_json;	/* seuilctl --json report attendance ... */

static int
run_ctl(struct store *st, const struct config *conf, const char *dir,
    char **out, int argc, char **argv)
{
	char path[512];
	int fd, saved, rc;

	snprintf(path, sizeof(path), "%s/out", dir);
	fflush(stdout);
	saved = dup(1);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 1);
	close(fd);
	{
		/* As seuilctl runs it: through struct ctl, its options and
		 * its --json (given before the command words here). */
		static struct ctl c;

		memset(&c, 0, sizeof(c));
		c.conf = *conf;
		c.st = st;
		c.json = run_json;
		optind = 0;
		rc = ctl_report_attendance(&c, argc, argv);
	}
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	*out = slurp(path);
	unlink(path);
	return rc;
}

/* The whole command on a real database: the week fixture's visits stored
 * with store_visit_open/close, read back through store_visits_between,
 * and the options checked. */
static void
test_ctl_report(void)
{
	char dir[] = "/tmp/seuil-report.XXXXXX", path[512], err[256], *out, *want;
	struct tvisit tv[7];
	struct config conf;
	struct store *st;
	int64_t ids[3], vid;
	int i;

	EXPECT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/seuil.db", dir);
	st = store_open(path, STORE_CREATE, err, sizeof(err));
	EXPECT(st != NULL);
	if (st == NULL) {
		printf("# %s\n", err);
		rmdir(dir);
		return;
	}
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.timezone, sizeof(conf.timezone), "Europe/Paris");
	snprintf(conf.site_name, sizeof(conf.site_name), "lab");
	/* Members 1 Alice, 2 Bob, 3 Carol, in the store's own ids. */
	for (i = 0; i < 3; i++) {
		struct member_row m;

		memset(&m, 0, sizeof(m));
		snprintf(m.name, sizeof(m.name), "%s", i == 0 ? "Alice" : i == 1 ? "Bob" : "Carol");
		m.active = true;
		ids[i] = store_member_add(st, &m, utc(2026, 1, 1, 0, 0));
		EXPECT(ids[i] > 0);
	}
	week_visits(tv);
	for (i = 0; i < 7; i++) {
		int64_t mid = ids[tv[i].member == 1 ? 0 : tv[i].member == 2 ? 1 : 2];

		vid = store_visit_open(st, mid, "front", tv[i].arrived);
		EXPECT(vid > 0);
		EXPECT_INT(store_visit_close(st, vid, tv[i].left, tv[i].reason), 0);
	}

	{
		char *argv[] = { "attendance", "--from", "2026-03-09", "--to", "2026-03-22",
		    "--by", "week", "--csv", NULL };
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 8, argv), EX_OK);
		want = slurp(FIXTURES "week.csv");
		EXPECT_STR(out, want);
		free(out);
		free(want);
	}
	{
		char *argv[] = { "attendance", "--from", "2026-03-09", "--to", "2026-03-22",
		    "--by", "week", "--member", "Alice", "--csv", NULL };
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 10, argv), EX_OK);
		want = slurp(FIXTURES "week_alice.csv");
		EXPECT_STR(out, want);
		free(out);
		free(want);
	}
	{
		char *argv[] = { "attendance", "--from", "2026-03-01", "--to", "2026-04-30",
		    "--json", NULL };
		cJSON *j;

		EXPECT_INT(run_ctl(st, &conf, dir, &out, 6, argv), EX_OK);
		j = cJSON_Parse(out);
		EXPECT(j != NULL);
		EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rows")), 4);
		cJSON_Delete(j);
		free(out);
	}
	{
		/* `seuilctl --json report attendance`: the common --json is
		 * honoured like every command's (it was ignored). */
		char *argv[] = { "attendance", "--from", "2026-03-01", "--to", "2026-04-30",
		    NULL };
		cJSON *j;

		run_json = true;
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 5, argv), EX_OK);
		run_json = false;
		j = cJSON_Parse(out);
		EXPECT(j != NULL);
		EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItem(j, "rows")), 4);
		cJSON_Delete(j);
		free(out);
	}
	{
		char *argv[] = { "attendance", "--html", "--from", "2026-03-01", NULL };

		EXPECT_INT(run_ctl(st, &conf, dir, &out, 4, argv), EX_OK);
		EXPECT(out != NULL && strstr(out, "<svg") != NULL);
		free(out);
	}
	{
		char *a1[] = { "attendance", "--by", "year", NULL };
		char *a2[] = { "attendance", "--csv", "--html", NULL };
		char *a3[] = { "attendance", "--from", "2026-02-30", NULL };
		char *a4[] = { "attendance", "--from", "2026-03-02", "--to", "2026-03-01", NULL };
		char *a5[] = { "attendance", "--member", "nobody", NULL };
		char *a6[] = { "attendance", "--bogus", NULL };
		char *a7[] = { "attendance", "extra", NULL };

		EXPECT_INT(run_ctl(st, &conf, dir, &out, 3, a1), EX_USAGE);
		free(out);
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 3, a2), EX_USAGE);
		free(out);
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 3, a3), EX_USAGE);
		free(out);
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 5, a4), EX_USAGE);
		free(out);
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 3, a5), EX_NOINPUT);
		free(out);
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 2, a6), EX_USAGE);
		free(out);
		EXPECT_INT(run_ctl(st, &conf, dir, &out, 2, a7), EX_USAGE);
		free(out);
	}
	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	EXPECT(system(path) == 0);
}

int
main(void)
{
	char err[256];

	if (tz_set("Europe/Paris", err, sizeof(err)) == -1) {
		printf("not ok tz_set: %s\n", err);
		return 1;
	}
	RUN(test_simple_day);
	RUN(test_site_nodes);
	RUN(test_across_midnight);
	RUN(test_timeout_and_day_end);
	RUN(test_open_visit);
	RUN(test_dst_spring);
	RUN(test_dst_autumn);
	RUN(test_by_week);
	RUN(test_by_month);
	RUN(test_member_filter);
	RUN(test_iso_week_labels);
	RUN(test_bad_ranges);
	RUN(test_csv_formulas);
	RUN(test_html_name_cut);
	RUN(test_html);
	RUN(test_json);
	RUN(test_text);
	RUN(test_default_range_and_misc);
	RUN(test_many_members);
	RUN(test_ctl_report);
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Insight (insight.h): busy hours, members' figures and trend, who is
 * drifting away, monthly retention.  One scan of the visits each; the
 * per-member figures are the attendance report's accumulator's
 * (report_int.h) over the whole period and its two halves, so the two
 * views cannot tell two stories about one member.
 */
#include "insight.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fold.h"
#include "report_int.h"
#include "tz.h"

#define WEEK_HOURS	(7 * 24)
#define DRIFT_BEFORE	84	/* days: the 12 weeks before ... */
#define DRIFT_RECENT	28	/* ... the last 4 */
#define DRIFT_MIN	4	/* visits before, to count as a habit */
#define MAX_MONTHS	128

static const char *const kinds[INSIGHT_NKINDS] = {
	"presence-hours", "members", "drifting", "retention",
};
static const char *const weekdays[7] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };

const char *
insight_name(enum insight_kind k)
{
	return (unsigned)k < INSIGHT_NKINDS ? kinds[k] : NULL;
}

int
insight_parse(const char *s, enum insight_kind *k)
{
	int i;

	for (i = 0; s != NULL && i < INSIGHT_NKINDS; i++)
		if (strcmp(s, kinds[i]) == 0) {
			*k = i;
			return 0;
		}
	return -1;
}

/* ---- a map of member ids to small indices ---- */

struct idmap {
	int64_t	*keys;
	int	*vals;
	size_t	 cap, n;
};

static size_t
slot_of(int64_t id, size_t cap)
{
	return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

/* The index of id, a new one (n, then n+1...) the first time; -1 out of
 * memory. */
static int
idmap_get(struct idmap *m, int64_t id)
{
	size_t h, i;

	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		int64_t *k = calloc(cap, sizeof(*k));
		int *v = calloc(cap, sizeof(*v));

		if (k == NULL || v == NULL) {
			free(k);
			free(v);
			return -1;
		}
		for (i = 0; i < m->cap; i++) {
			if (m->vals[i] == 0)
				continue;
			for (h = slot_of(m->keys[i], cap); v[h] != 0; h = (h + 1) & (cap - 1))
				;
			k[h] = m->keys[i];
			v[h] = m->vals[i];
		}
		free(m->keys);
		free(m->vals);
		m->keys = k;
		m->vals = v;
		m->cap = cap;
	}
	for (h = slot_of(id, m->cap); m->vals[h] != 0; h = (h + 1) & (m->cap - 1))
		if (m->keys[h] == id)
			return m->vals[h] - 1;
	m->keys[h] = id;
	m->vals[h] = (int)++m->n;
	return m->vals[h] - 1;
}

static void
idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->vals);
}

/* ---- dates ---- */

static int
fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "%s", what);
	errno = EINVAL;
	return -1;
}

static int64_t
day_start(int64_t days)
{
	char d[11];

	tz_days_date(days, d);
	return tz_date_start(d);
}

static int64_t
local_days(int64_t ms)
{
	struct local_time lt;
	int64_t d;

	tz_local(ms, &lt);
	return tz_date_days(lt.date, &d) == 0 ? d : INT64_MIN;
}

/* Months since year 0 of a day number. */
static int64_t
month_of(int64_t days)
{
	char d[11];

	tz_days_date(days, d);
	return atoi(d) * 12 + (d[5] - '0') * 10 + (d[6] - '0') - 1;
}

/* "YYYY-MM" of a month index. */
static void
month_label(int64_t month, char out[16])
{
	snprintf(out, 16, "%04u-%02u", (unsigned)(month / 12) % 10000u,
	    (unsigned)(month % 12) + 1u);
}

static int64_t
month_first_day(int64_t month)
{
	char d[32];
	int64_t days;

	month_label(month, d);
	strcat(d, "-01");
	return tz_date_days(d, &days) == 0 ? days : INT64_MIN;
}

/*
 * The period in day numbers *f..*t from what a person gave (insight.h's
 * defaults).  0, or -1 with err.
 */
static int
period(enum insight_kind k, const char *from, const char *to, int64_t now, int64_t *f,
    int64_t *t, char *err, size_t errlen)
{
	struct local_time lt;

	if (to != NULL && *to != '\0') {
		if (tz_date_days(to, t) == -1)
			return fail(err, errlen, "to is a date, YYYY-MM-DD");
	} else {
		tz_local(now, &lt);
		if (tz_date_days(lt.date, t) == -1)
			return fail(err, errlen, "no local date now");
	}
	if (from != NULL && *from != '\0') {
		if (k == INSIGHT_DRIFTING)
			return fail(err, errlen, "drifting takes no start: it looks at the 16 "
			    "weeks that end on its last day (to)");
		if (tz_date_days(from, f) == -1)
			return fail(err, errlen, "from is a date, YYYY-MM-DD");
	} else if (k == INSIGHT_RETENTION)
		*f = month_first_day(month_of(*t) - 11);
	else if (k == INSIGHT_DRIFTING)
		*f = *t - (DRIFT_BEFORE + DRIFT_RECENT) + 1;
	else
		*f = *t - 83;
	if (*f > *t || *f < 0)
		return fail(err, errlen, "from is after to");
	if (*t - *f >= REPORT_MAX_DAYS)
		return fail(err, errlen, "at most ten years");
	return 0;
}

/* ---- JSON ---- */

static double
hours_of(int64_t ms)
{
	return (double)((ms + 18000) / 36000) / 100.0;
}

static double
two_decimals(double x)
{
	return (double)(int64_t)(x * 100.0 + 0.5) / 100.0;
}

static void
add_date(cJSON *j, const char *key, int64_t days)
{
	char d[11];

	tz_days_date(days, d);
	cJSON_AddStringToObject(j, key, d);
}

static cJSON *
date_pair(int64_t a, int64_t b)
{
	cJSON *p = cJSON_CreateArray();
	char d[11];

	tz_days_date(a, d);
	cJSON_AddItemToArray(p, cJSON_CreateString(d));
	tz_days_date(b, d);
	cJSON_AddItemToArray(p, cJSON_CreateString(d));
	return p;
}

static void
add_seen(cJSON *j, const char *key, int64_t ms)
{
	char buf[20];

	if (ms == INT64_MIN || ms == INT64_MAX || ms == 0) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	report_format_seen(ms, buf);
	cJSON_AddStringToObject(j, key, buf);
}

static cJSON *
doc_new(enum insight_kind k)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "kind", kinds[k]);
	return j;
}

/* ---- presence-hours ---- */

struct hours_ctx {
	int64_t		rs, re, now;
	int64_t		ms[WEEK_HOURS];
	struct idmap	seen;		/* member -> index in covered */
	int64_t		*covered;	/* end of the member's time counted */
	size_t		 ncovered;
	int		 err;
};

static int
hours_visit(const struct visit_row *v, void *arg)
{
	struct hours_ctx *x = arg;
	struct local_time lt;
	int64_t s = v->arrived_ms > x->rs ? v->arrived_ms : x->rs;
	int64_t e = report_visit_end(v, x->now), t = e < x->re ? e : x->re, next;
	int i;

	if (t <= s)
		return 0;
	/* Visits come by arrival: a member's time already counted (two
	 * doors at once) is not counted again.  Erased members (id 0) are
	 * many people: each visit counts whole. */
	if (v->member_id != 0) {
		if ((i = idmap_get(&x->seen, v->member_id)) == -1)
			return x->err = ENOMEM;
		if ((size_t)i >= x->ncovered) {
			size_t n = x->ncovered ? x->ncovered * 2 : 256;
			int64_t *c = realloc(x->covered, n * sizeof(*c));

			if (c == NULL)
				return x->err = ENOMEM;
			for (size_t k = x->ncovered; k < n; k++)
				c[k] = INT64_MIN;
			x->covered = c;
			x->ncovered = n;
		}
		if (x->covered[i] > s)
			s = x->covered[i];
		if (t > x->covered[i])
			x->covered[i] = t;
	}
	/* Hour by local hour: a DST day's hours are whatever the clock
	 * says (the repeated hour counts twice in its slot). */
	while (s < t) {
		tz_local(s, &lt);
		if (lt.weekday < 0)
			break;
		next = s - s % 60000 + (int64_t)(60 - lt.minute % 60) * 60000;
		if (next <= s)
			next = s + 60000;
		if (next > t)
			next = t;
		x->ms[lt.weekday * 24 + lt.minute / 60] += next - s;
		s = next;
	}
	return 0;
}

/* Where the visits are read: a single Pi's, or a site's primary's every
 * node's (insight_run's site). */
typedef int (*visits_fn)(struct store *, int64_t, int64_t, int64_t,
    int (*)(const struct visit_row *, void *), void *);

static cJSON *
presence_hours(struct store *st, visits_fn between, int64_t f, int64_t t, int64_t now)
{
	struct hours_ctx x = { .rs = day_start(f), .re = day_start(t + 1), .now = now };
	int occ[7] = { 0 };
	double avg, max = 0;
	cJSON *doc, *cells, *c;
	int64_t d;
	int i;

	if (between(st, x.rs, x.re, 0, hours_visit, &x) == -1 || x.err != 0) {
		idmap_free(&x.seen);
		free(x.covered);
		if (x.err != 0)
			errno = x.err;
		return NULL;
	}
	idmap_free(&x.seen);
	free(x.covered);
	for (d = f; d <= t; d++)
		occ[tz_days_weekday(d)]++;
	doc = doc_new(INSIGHT_PRESENCE_HOURS);
	add_date(doc, "from", f);
	add_date(doc, "to", t);
	cells = cJSON_AddArrayToObject(doc, "cells");
	for (i = 0; i < WEEK_HOURS; i++) {
		c = cJSON_CreateObject();
		cJSON_AddStringToObject(c, "day", weekdays[i / 24]);
		cJSON_AddNumberToObject(c, "hour", i % 24);
		cJSON_AddNumberToObject(c, "hours", hours_of(x.ms[i]));
		avg = occ[i / 24] > 0 ? hours_of(x.ms[i] / occ[i / 24]) : 0;
		cJSON_AddNumberToObject(c, "average", avg);
		if (avg > max)
			max = avg;
		cJSON_AddItemToArray(cells, c);
	}
	cJSON_AddNumberToObject(doc, "max_average", max);
	return doc;
}

/* ---- members ---- */

struct members_ctx {
	struct store	*st;
	struct report	*r[3];	/* the period, its first half, its second half */
	int		 err;
};

/* As report_load, into the three reports at once. */
static int
members_visit(const struct visit_row *v, void *arg)
{
	struct members_ctx *x = arg;
	struct member_row m;
	const char *name = NULL;
	int i, rc;

	if (v->member_id != 0 && !report_has_member(x->r[0], v->member_id)) {
		if ((rc = store_member_get(x->st, v->member_id, &m)) == -1) {
			x->err = EIO;
			return 1;
		}
		if (rc == 1)
			name = m.erased ? "(erased)" : m.name;
	}
	for (i = 0; i < 3; i++)
		if (x->r[i] != NULL && report_add_visit(x->r[i], v, name) == -1) {
			x->err = errno;
			return 1;
		}
	return 0;
}

/* The hours of member id in a half (0 when it has no visit there). */
static int64_t
half_ms(struct report *r, int64_t id)
{
	for (int i = 0; r != NULL && i < r->nmembers; i++)
		if (r->members[i].id == id)
			return r->members[i].cells[0].ms;
	return 0;
}

static struct report *
range_report(int64_t a, int64_t b, int64_t now)
{
	char from[11], to[11];

	tz_days_date(a, from);
	tz_days_date(b, to);
	return report_new(from, to, REPORT_BY_RANGE, now);
}

static cJSON *
members(struct store *st, visits_fn between, int64_t f, int64_t t, int64_t now)
{
	struct members_ctx x = { .st = st };
	int64_t half = (t - f + 1) / 2, a, b, total_ms = 0;
	int i, days = 0, visits = 0, rc = -1;
	cJSON *doc = NULL, *rows, *o, *tot, *halves;
	const char *trend;

	if ((x.r[0] = range_report(f, t, now)) == NULL ||
	    (half > 0 && ((x.r[1] = range_report(f, f + half - 1, now)) == NULL ||
	    (x.r[2] = range_report(t - half + 1, t, now)) == NULL)))
		goto out;
	if (between(st, day_start(f), day_start(t + 1), 0, members_visit, &x) == -1 ||
	    x.err != 0 || report_finish(x.r[0]) == -1) {
		if (x.err != 0)
			errno = x.err;
		goto out;
	}
	doc = doc_new(INSIGHT_MEMBERS);
	add_date(doc, "from", f);
	add_date(doc, "to", t);
	halves = cJSON_AddArrayToObject(doc, "halves");
	if (half > 0) {
		cJSON_AddItemToArray(halves, date_pair(f, f + half - 1));
		cJSON_AddItemToArray(halves, date_pair(t - half + 1, t));
	}
	rows = cJSON_AddArrayToObject(doc, "rows");
	for (i = 0; i < x.r[0]->nmembers; i++) {
		struct rmember *m = &x.r[0]->members[x.r[0]->order[i]];
		struct cell *c = &m->cells[0];

		a = half_ms(x.r[1], m->id);
		b = half_ms(x.r[2], m->id);
		trend = hours_of(b) > hours_of(a) ? "up" : hours_of(b) < hours_of(a) ? "down" :
		    "same";
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "member_id", (double)m->id);
		cJSON_AddStringToObject(o, "member", m->name);
		cJSON_AddNumberToObject(o, "days", m->total_days);
		cJSON_AddNumberToObject(o, "visits", c->visits);
		cJSON_AddNumberToObject(o, "hours", hours_of(c->ms));
		add_seen(o, "first_seen", c->first);
		add_seen(o, "last_seen", c->last);
		cJSON_AddNumberToObject(o, "hours_first_half", hours_of(a));
		cJSON_AddNumberToObject(o, "hours_second_half", hours_of(b));
		cJSON_AddStringToObject(o, "trend", trend);
		cJSON_AddItemToArray(rows, o);
		days += m->total_days;
		visits += c->visits;
		total_ms += c->ms;
	}
	tot = cJSON_AddObjectToObject(doc, "totals");
	cJSON_AddNumberToObject(tot, "members", x.r[0]->nmembers);
	cJSON_AddNumberToObject(tot, "days", days);
	cJSON_AddNumberToObject(tot, "visits", visits);
	cJSON_AddNumberToObject(tot, "hours", hours_of(total_ms));
	rc = 0;
out:
	for (i = 0; i < 3; i++)
		report_free(x.r[i]);
	if (rc == -1) {
		cJSON_Delete(doc);
		return NULL;
	}
	return doc;
}

/* ---- drifting and retention: visits by the local day of arrival ---- */

struct arrivals {
	int64_t		from_ms, to_ms;	/* arrivals counted: [from, to) */
	int64_t		first_day;	/* day number of the first window */
	int64_t		base_month;	/* retention: month index 0 */
	bool		by_month;
	struct idmap	ids;
	struct tally {
		int64_t		id;
		int		before, recent;
		int64_t		last;		/* latest arrival */
		uint64_t	months[MAX_MONTHS / 64];
	}		*t;
	size_t		 nt;
	int		 err;
};

static int
arrival_visit(const struct visit_row *v, void *arg)
{
	struct arrivals *x = arg;
	struct tally *y;
	int64_t d;
	int i;

	if (v->member_id == 0 || v->arrived_ms < x->from_ms || v->arrived_ms >= x->to_ms ||
	    (d = local_days(v->arrived_ms)) == INT64_MIN)
		return 0;
	if ((i = idmap_get(&x->ids, v->member_id)) == -1)
		return x->err = ENOMEM;
	if ((size_t)i >= x->nt) {
		size_t n = x->nt ? x->nt * 2 : 256;
		struct tally *t = realloc(x->t, n * sizeof(*t));

		if (t == NULL)
			return x->err = ENOMEM;
		memset(t + x->nt, 0, (n - x->nt) * sizeof(*t));
		x->t = t;
		x->nt = n;
	}
	y = &x->t[i];
	y->id = v->member_id;
	if (v->arrived_ms > y->last)
		y->last = v->arrived_ms;
	if (x->by_month) {
		int64_t mi = month_of(d) - x->base_month;

		if (mi >= 0 && mi < MAX_MONTHS)
			y->months[mi / 64] |= UINT64_C(1) << (mi % 64);
	} else if (d - x->first_day < DRIFT_BEFORE)
		y->before++;
	else
		y->recent++;
	return 0;
}

static int
load_arrivals(struct store *st, visits_fn between, struct arrivals *x)
{
	if (between(st, x->from_ms, x->to_ms, 0, arrival_visit, x) == -1)
		return -1;
	if (x->err != 0) {
		errno = x->err;
		return -1;
	}
	return 0;
}

struct drift_row {
	struct tally	*t;
	char		 name[128];
};

static int
by_name(const void *a, const void *b)
{
	const struct drift_row *x = a, *y = b;
	int c = fold_cmp(x->name, y->name);

	return c != 0 ? c : (x->t->id > y->t->id) - (x->t->id < y->t->id);
}

static cJSON *
drifting(struct store *st, visits_fn between, int64_t t, int64_t now)
{
	struct arrivals x = { .first_day = t - (DRIFT_BEFORE + DRIFT_RECENT) + 1 };
	struct drift_row *rows = NULL;
	struct member_row m;
	cJSON *doc = NULL, *a, *o;
	size_t i, n = 0;
	char seen[20];
	int rc;

	(void)now;
	x.from_ms = day_start(x.first_day);
	x.to_ms = day_start(t + 1);
	if (load_arrivals(st, between, &x) == -1)
		goto out;
	if (x.ids.n > 0 && (rows = calloc(x.ids.n, sizeof(*rows))) == NULL)
		goto out;
	for (i = 0; i < x.ids.n; i++) {
		struct tally *y = &x.t[i];

		/* recent / 4 < before / 12 / 2, in whole numbers */
		if (y->before < DRIFT_MIN || 6 * y->recent >= y->before)
			continue;
		if ((rc = store_member_get(st, y->id, &m)) == -1)
			goto out;
		if (rc == 0 || !m.active || m.erased)
			continue;
		rows[n].t = y;
		snprintf(rows[n].name, sizeof(rows[n].name), "%s", m.name);
		n++;
	}
	if (n > 0)
		qsort(rows, n, sizeof(*rows), by_name);
	doc = doc_new(INSIGHT_DRIFTING);
	add_date(doc, "to", t);
	cJSON_AddItemToObject(doc, "before", date_pair(x.first_day, x.first_day + DRIFT_BEFORE - 1));
	cJSON_AddItemToObject(doc, "recent", date_pair(t - DRIFT_RECENT + 1, t));
	a = cJSON_AddArrayToObject(doc, "rows");
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "member_id", (double)rows[i].t->id);
		cJSON_AddStringToObject(o, "member", rows[i].name);
		cJSON_AddNumberToObject(o, "visits_before", rows[i].t->before);
		cJSON_AddNumberToObject(o, "visits_recent", rows[i].t->recent);
		cJSON_AddNumberToObject(o, "per_week_before",
		    two_decimals(rows[i].t->before / 12.0));
		cJSON_AddNumberToObject(o, "per_week_recent",
		    two_decimals(rows[i].t->recent / 4.0));
		report_format_seen(rows[i].t->last, seen);
		cJSON_AddStringToObject(o, "last_visit", seen);
		cJSON_AddItemToArray(a, o);
	}
out:
	free(rows);
	free(x.t);
	idmap_free(&x.ids);
	return doc;
}

static cJSON *
retention(struct store *st, visits_fn between, int64_t f, int64_t t)
{
	struct arrivals x = { .by_month = true };
	int64_t m0 = month_of(f), m1 = month_of(t), m;
	cJSON *doc = NULL, *a, *o;
	char label[16], prev[16];
	int before, kept;
	size_t i;

	x.base_month = m0 - 1;
	x.from_ms = day_start(month_first_day(m0 - 1));
	x.to_ms = day_start(month_first_day(m1 + 1));
	if (m1 - x.base_month >= MAX_MONTHS) {
		errno = EINVAL;
		return NULL;
	}
	if (load_arrivals(st, between, &x) == -1)
		goto out;
	doc = doc_new(INSIGHT_RETENTION);
	month_label(m0, label);
	cJSON_AddStringToObject(doc, "from", label);
	month_label(m1, label);
	cJSON_AddStringToObject(doc, "to", label);
	a = cJSON_AddArrayToObject(doc, "rows");
	for (m = m0; m <= m1; m++) {
		int64_t cur = m - x.base_month, last = cur - 1;

		before = kept = 0;
		for (i = 0; i < x.ids.n; i++) {
			if (!(x.t[i].months[last / 64] >> (last % 64) & 1))
				continue;
			before++;
			kept += (int)(x.t[i].months[cur / 64] >> (cur % 64) & 1);
		}
		o = cJSON_CreateObject();
		month_label(m, label);
		month_label(m - 1, prev);
		cJSON_AddStringToObject(o, "month", label);
		cJSON_AddStringToObject(o, "previous", prev);
		cJSON_AddNumberToObject(o, "members_before", before);
		cJSON_AddNumberToObject(o, "retained", kept);
		if (before > 0)
			cJSON_AddNumberToObject(o, "share", two_decimals((double)kept / before));
		else
			cJSON_AddNullToObject(o, "share");
		cJSON_AddItemToArray(a, o);
	}
out:
	free(x.t);
	idmap_free(&x.ids);
	return doc;
}

cJSON *
insight_run(struct store *st, enum insight_kind k, const char *from, const char *to,
    int64_t now_ms, bool site, char *err, size_t errlen)
{
	visits_fn between = site ? store_site_visits_between : store_visits_between;
	int64_t f, t;
	cJSON *doc = NULL;

	if ((unsigned)k >= INSIGHT_NKINDS) {
		fail(err, errlen, "no such figures");
		return NULL;
	}
	if (period(k, from, to, now_ms, &f, &t, err, errlen) == -1)
		return NULL;
	errno = 0;
	switch (k) {
	case INSIGHT_PRESENCE_HOURS:
		doc = presence_hours(st, between, f, t, now_ms);
		break;
	case INSIGHT_MEMBERS:
		doc = members(st, between, f, t, now_ms);
		break;
	case INSIGHT_DRIFTING:
		doc = drifting(st, between, t, now_ms);
		break;
	default:
		doc = retention(st, between, f, t);
		break;
	}
	if (doc == NULL && errno == ERANGE) {
		/* report_new's refusal where time_t is 32-bit: the caller's
		 * range is what is wrong, not the store. */
		snprintf(err, errlen, "the range goes past 2038-01-19, the end of "
		    "this system's 32-bit time");
		errno = EINVAL;
	} else if (doc == NULL)
		snprintf(err, errlen, "%s", errno == ENOMEM ? "out of memory" :
		    errno == EINVAL ? "bad range" : store_errmsg(st));
	return doc;
}

/* ---- writers ---- */

struct column {
	const char	*key;
	int		 width;		/* text: negative left-aligned */
};

static const struct column members_cols[] = {
	{ "member", -20 }, { "days", 5 }, { "visits", 6 }, { "hours", 8 },
	{ "first_seen", -16 }, { "last_seen", -16 }, { "hours_first_half", 8 },
	{ "hours_second_half", 8 }, { "trend", -5 }, { NULL, 0 },
};
static const struct column drifting_cols[] = {
	{ "member", -20 }, { "visits_before", 6 }, { "visits_recent", 6 },
	{ "per_week_before", 8 }, { "per_week_recent", 8 }, { "last_visit", -16 },
	{ NULL, 0 },
};
static const struct column retention_cols[] = {
	{ "month", -7 }, { "previous", -8 }, { "members_before", 7 }, { "retained", 8 },
	{ "share", 6 }, { NULL, 0 },
};
static const struct column hours_cols[] = {
	{ "day", -3 }, { "hour", 4 }, { "hours", 8 }, { "average", 7 }, { NULL, 0 },
};

static const struct column *
columns_of(const cJSON *doc, const char **rows_key)
{
	const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "kind"));

	*rows_key = "rows";
	if (kind == NULL)
		return NULL;
	if (strcmp(kind, "members") == 0)
		return members_cols;
	if (strcmp(kind, "drifting") == 0)
		return drifting_cols;
	if (strcmp(kind, "retention") == 0)
		return retention_cols;
	*rows_key = "cells";
	return strcmp(kind, "presence-hours") == 0 ? hours_cols : NULL;
}

/* A cell as text: a string as it is, a whole number, two decimals. */
static void
cell_text(const cJSON *v, char *buf, size_t len)
{
	if (cJSON_IsString(v))
		snprintf(buf, len, "%s", v->valuestring);
	else if (cJSON_IsNumber(v) && v->valuedouble == (double)(int64_t)v->valuedouble)
		snprintf(buf, len, "%lld", (long long)v->valuedouble);
	else if (cJSON_IsNumber(v))
		snprintf(buf, len, "%.2f", v->valuedouble);
	else
		buf[0] = '\0';
}

int
insight_write_csv(const cJSON *doc, FILE *out)
{
	const char *rows_key;
	const struct column *c = columns_of(doc, &rows_key), *k;
	const cJSON *row;
	char buf[256];

	if (c == NULL) {
		errno = EINVAL;
		return -1;
	}
	for (k = c; k->key != NULL; k++)
		fprintf(out, "%s%s", k == c ? "" : ",", k->key);
	putc('\n', out);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, rows_key)) {
		for (k = c; k->key != NULL; k++) {
			if (k != c)
				putc(',', out);
			cell_text(cJSON_GetObjectItemCaseSensitive(row, k->key), buf, sizeof(buf));
			csv_cell(out, buf);
		}
		putc('\n', out);
	}
	return report_finish_output(out);
}

/* presence-hours for a terminal: hours down, days across, the average
 * number of people present. */
static int
hours_grid(const cJSON *doc, FILE *out)
{
	const cJSON *cells = cJSON_GetObjectItemCaseSensitive(doc, "cells");
	int h, d;

	fprintf(out, "people present on average, %s to %s\nhour ",
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "from")),
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "to")));
	for (d = 0; d < 7; d++)
		fprintf(out, "%6s", weekdays[d]);
	putc('\n', out);
	for (h = 0; h < 24; h++) {
		fprintf(out, "%02d   ", h);
		for (d = 0; d < 7; d++)
			fprintf(out, "%6.2f", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetArrayItem(cells, d * 24 + h), "average")));
		putc('\n', out);
	}
	return report_finish_output(out);
}

int
insight_write_text(const cJSON *doc, FILE *out)
{
	const char *rows_key;
	const struct column *c = columns_of(doc, &rows_key), *k;
	const cJSON *row, *tot;
	char buf[256];

	if (c == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (c == hours_cols)
		return hours_grid(doc, out);
	for (k = c; k->key != NULL; k++)
		fprintf(out, "%s%*s", k == c ? "" : "  ", k->width, k->key);
	putc('\n', out);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(doc, rows_key)) {
		for (k = c; k->key != NULL; k++) {
			cell_text(cJSON_GetObjectItemCaseSensitive(row, k->key), buf, sizeof(buf));
			fprintf(out, "%s%*s", k == c ? "" : "  ", k->width, buf);
		}
		putc('\n', out);
	}
	if ((tot = cJSON_GetObjectItemCaseSensitive(doc, "totals")) != NULL)
		fprintf(out, "%d members, %d days, %d visits, %.2f hours\n",
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tot, "members")),
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tot, "days")),
		    (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tot, "visits")),
		    cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(tot, "hours")));
	return report_finish_output(out);
}

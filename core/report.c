/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Attendance reports.
 *
 * A year of a 500-member site is about 100k visits, and the report must
 * take well under a second including the database read.  So the local
 * calendar is computed once, in report_new(): the UTC start of every local
 * day of the range (tz_date_start, which knows about DST) and the period
 * each day belongs to.  A visit is then placed with one binary search and a
 * walk over the few days it spans, with no time zone call and no
 * allocation.  Days present are bits in a per-member bitmap, so two visits
 * on one day count one day, and they are counted once at the end.
 */
#include "report_int.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "csv.h"
#include "fold.h"
#include "tz.h"


/* The month (1..12) of a day number. */
int
report_month_of(int64_t days)
{
	char d[11];

	tz_days_date(days, d);
	return (d[5] - '0') * 10 + (d[6] - '0');
}

/* ISO 8601 week label, "2026-W48": the week belongs to the year of its
 * Thursday. */
static void
format_week(int64_t civil, char out[11])
{
	int64_t thu = civil - tz_days_weekday(civil) + 3, jan1;
	char d[11];
	int week;

	tz_days_date(thu, d);
	memcpy(d + 4, "-01-01", 7);
	if (tz_date_days(d, &jan1) == -1)
		jan1 = thu;
	week = (int)((thu - jan1) / 7) + 1;
	snprintf(out, 11, "%.4s-W%02u", d, (unsigned)week % 100u);
}

static void
period_label(enum report_by by, int64_t civil, char out[11])
{
	switch (by) {
	case REPORT_BY_DAY:
		tz_days_date(civil, out);
		break;
	case REPORT_BY_WEEK:
		format_week(civil, out);
		break;
	case REPORT_BY_MONTH:
		tz_days_date(civil, out);
		out[7] = '\0';
		break;
	case REPORT_BY_RANGE:
		break;	/* report_new labels it */
	}
}

int
report_by_parse(const char *s, enum report_by *out)
{
	if (strcmp(s, "day") == 0)
		*out = REPORT_BY_DAY;
	else if (strcmp(s, "week") == 0)
		*out = REPORT_BY_WEEK;
	else if (strcmp(s, "month") == 0)
		*out = REPORT_BY_MONTH;
	else
		return -1;
	return 0;
}

const char *
report_by_name(enum report_by by)
{
	switch (by) {
	case REPORT_BY_DAY:
		return "day";
	case REPORT_BY_WEEK:
		return "week";
	case REPORT_BY_RANGE:
		return "range";
	case REPORT_BY_MONTH:
		break;
	}
	return "month";
}

void
report_default_range(int64_t now_ms, char from[11], char to[11])
{
	struct local_time lt;

	tz_local(now_ms, &lt);
	memcpy(to, lt.date, 11);
	memcpy(from, lt.date, 11);
	from[8] = '0';
	from[9] = '1';
}

struct report *
report_new(const char *from_date, const char *to_date, enum report_by by,
    int64_t now_ms)
{
	struct report *r;
	int64_t from, to;
	char date[11], lab[11];
	int i, e;

	if (tz_date_days(from_date, &from) == -1 || tz_date_days(to_date, &to) == -1 ||
	    from < 0 ||
	    to < from || to - from >= REPORT_MAX_DAYS) {
		errno = EINVAL;
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->by = by;
	r->now_ms = now_ms;
	memcpy(r->from, from_date, 11);
	memcpy(r->to, to_date, 11);
	r->first_civil = from;
	r->ndays = (int)(to - from + 1);
	if ((r->day_start = calloc(r->ndays + 1, sizeof(*r->day_start))) == NULL ||
	    (r->day_period = calloc(r->ndays, sizeof(*r->day_period))) == NULL ||
	    (r->label = calloc(r->ndays, sizeof(*r->label))) == NULL)
		goto fail;

	for (i = 0; i <= r->ndays; i++) {
		tz_days_date(from + i, date);
		r->day_start[i] = tz_date_start(date);
		if (r->day_start[i] == INT64_MIN) {
			/* Past what the C library can convert (2038 where
			 * time_t is 32-bit): refused, not a report of 1901. */
			errno = ERANGE;
			goto fail;
		}
		if (i > 0 && r->day_start[i] <= r->day_start[i - 1]) {
			/* Only a broken zone could do this; a day of no length
			 * would break the binary search. */
			errno = EINVAL;
			goto fail;
		}
		if (i == r->ndays)
			break;
		if (by == REPORT_BY_RANGE)
			memcpy(lab, from_date, 11);
		else
			period_label(by, from + i, lab);
		if (r->nperiods == 0 || strcmp(lab, r->label[r->nperiods - 1]) != 0)
			memcpy(r->label[r->nperiods++], lab, 11);
		r->day_period[i] = r->nperiods - 1;
	}

	r->hashcap = 64;
	if ((r->hash = calloc(r->hashcap, sizeof(*r->hash))) == NULL)
		goto fail;
	return r;

fail:
	e = errno;
	report_free(r);
	errno = e;
	return NULL;
}

void
report_free(struct report *r)
{
	int i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nmembers; i++) {
		free(r->members[i].name);
		free(r->members[i].cells);
		free(r->members[i].daybits);
	}
	free(r->members);
	free(r->hash);
	free(r->order);
	free(r->day_count);
	free(r->label);
	free(r->day_period);
	free(r->day_start);
	free(r);
}

int64_t
report_from_ms(const struct report *r)
{
	return r->day_start[0];
}

int64_t
report_to_ms(const struct report *r)
{
	return r->day_start[r->ndays];
}

void
report_filter_member(struct report *r, int64_t member_id)
{
	r->filter = member_id;
}

void
report_set_site(struct report *r, bool site)
{
	r->site = site;
}

/* The bit of node in a cell's nodes, added if new; 0 if there are
 * already REPORT_MAX_NODES (the visit counts, its node is not named). */
static uint64_t
node_bit(struct report *r, const char *node)
{
	int i;

	for (i = 0; i < r->nnodes; i++)
		if (strcmp(r->node[i], node) == 0)
			return UINT64_C(1) << i;
	if (r->nnodes == REPORT_MAX_NODES)
		return 0;
	snprintf(r->node[r->nnodes], sizeof(r->node[0]), "%s", node);
	return UINT64_C(1) << r->nnodes++;
}

void
report_cell_nodes(const struct report *r, const struct cell *c, char *buf)
{
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < r->nnodes; i++)
		if (c->nodes & (UINT64_C(1) << i))
			n += (size_t)snprintf(buf + n, REPORT_NODES_LEN - n, "%s%s",
			    n > 0 ? ", " : "", r->node[i]);
}

static size_t
hash_id(int64_t id, size_t cap)
{
	uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ULL;

	return (size_t)(x >> 32) & (cap - 1);
}

/* Index of the member in r->members, or -1. */
static int
member_find(const struct report *r, int64_t id)
{
	size_t h;

	for (h = hash_id(id, r->hashcap); r->hash[h] != 0; h = (h + 1) & (r->hashcap - 1))
		if (r->members[r->hash[h] - 1].id == id)
			return r->hash[h] - 1;
	return -1;
}

bool
report_has_member(const struct report *r, int64_t member_id)
{
	return member_find(r, member_id) != -1;
}

static int
hash_grow(struct report *r)
{
	size_t cap = r->hashcap * 2, h;
	int *nh, i;

	if ((nh = calloc(cap, sizeof(*nh))) == NULL)
		return -1;
	for (i = 0; i < r->nmembers; i++) {
		for (h = hash_id(r->members[i].id, cap); nh[h] != 0; h = (h + 1) & (cap - 1))
			;
		nh[h] = i + 1;
	}
	free(r->hash);
	r->hash = nh;
	r->hashcap = cap;
	return 0;
}

static int
member_add(struct report *r, int64_t id, const char *name)
{
	struct rmember *m, *nm;
	char fallback[40];
	size_t h;
	int n, i;

	if ((size_t)(r->nmembers + 1) * 2 > r->hashcap && hash_grow(r) == -1)
		return -1;
	if (r->nmembers == r->capmembers) {
		n = r->capmembers ? r->capmembers * 2 : 64;
		if ((nm = reallocarray(r->members, n, sizeof(*nm))) == NULL)
			return -1;
		r->members = nm;
		r->capmembers = n;
	}
	if (name == NULL) {
		if (id == 0)
			snprintf(fallback, sizeof(fallback), "(erased)");
		else
			snprintf(fallback, sizeof(fallback), "member %lld", (long long)id);
		name = fallback;
	}
	m = &r->members[r->nmembers];
	memset(m, 0, sizeof(*m));
	m->id = id;
	m->covered_until = INT64_MIN;
	m->last_arrived = INT64_MIN;
	if ((m->name = strdup(name)) == NULL ||
	    (m->cells = calloc(r->nperiods, sizeof(*m->cells))) == NULL ||
	    (m->daybits = calloc((r->ndays + 63) / 64, sizeof(*m->daybits))) == NULL) {
		free(m->name);
		free(m->cells);
		return -1;
	}
	for (i = 0; i < r->nperiods; i++) {
		m->cells[i].first = INT64_MAX;
		m->cells[i].last = INT64_MIN;
	}
	for (h = hash_id(id, r->hashcap); r->hash[h] != 0; h = (h + 1) & (r->hashcap - 1))
		;
	r->hash[h] = ++r->nmembers;
	return r->nmembers - 1;
}

/* The last day whose start is at or before t (t inside the range). */
static int
day_index(const struct report *r, int64_t t)
{
	int lo = 0, hi = r->ndays - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (r->day_start[mid] <= t)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

int64_t
report_visit_end(const struct visit_row *v, int64_t now_ms)
{
	int64_t e;

	if (v->left_ms == 0)
		e = now_ms;
	else if (strcmp(v->left_reason, "timeout") == 0 ||
	    strcmp(v->left_reason, "day_end") == 0)
		e = v->last_seen_ms;
	else
		e = v->left_ms;
	return e < v->arrived_ms ? v->arrived_ms : e;
}

int
report_add_visit(struct report *r, const struct visit_row *v, const char *member_name)
{
	struct rmember *m;
	struct cell *c;
	int64_t a = v->arrived_ms, e, s, t, hs, lo, hi;
	int64_t rs = r->day_start[0], re = r->day_start[r->ndays];
	uint64_t nb = 0;
	int mi, d, i, p, lastp = -1;

	if (r->finished) {
		errno = EINVAL;
		return -1;
	}
	if (r->filter != 0 && v->member_id != r->filter)
		return 0;
	e = report_visit_end(v, r->now_ms);
	/* A visit of no length (badged in and out at once) is still a
	 * presence on its day. */
	if (e > a ? a >= re || e <= rs : a < rs || a >= re)
		return 0;
	if ((mi = member_find(r, v->member_id)) == -1 &&
	    (mi = member_add(r, v->member_id, member_name)) == -1)
		return -1;
	m = &r->members[mi];
	if (v->node[0] != '\0')
		nb = node_bit(r, v->node);

	s = a > rs ? a : rs;
	t = e < re ? e : re;
	/* Time already counted for an overlapping visit is not counted again;
	 * that needs visits in order of arrival, so one out of order is
	 * counted whole rather than risk dropping time. */
	hs = s;
	if (a >= m->last_arrived && m->covered_until > hs)
		hs = m->covered_until;
	for (i = d = day_index(r, s); i < r->ndays; i++) {
		if (i > d && r->day_start[i] >= t)
			break;
		m->daybits[i / 64] |= UINT64_C(1) << (i % 64);
		p = r->day_period[i];
		c = &m->cells[p];
		if (p != lastp) {
			c->visits++;
			c->nodes |= nb;
			if (a < c->first)
				c->first = a;
			if (e > c->last)
				c->last = e;
			lastp = p;
		}
		lo = r->day_start[i] > hs ? r->day_start[i] : hs;
		hi = r->day_start[i + 1] < t ? r->day_start[i + 1] : t;
		if (hi > lo)
			c->ms += hi - lo;
	}
	if (e > m->covered_until)
		m->covered_until = e;
	if (a > m->last_arrived)
		m->last_arrived = a;
	return 0;
}

int
report_member_cmp(const void *a, const void *b, void *arg)
{
	const struct report *r = arg;
	const struct rmember *x = &r->members[*(const int *)a];
	const struct rmember *y = &r->members[*(const int *)b];
	int c = fold_cmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
report_finish(struct report *r)
{
	struct rmember *m;
	uint64_t w;
	int i, j, k, day;

	if (r->finished)
		return 0;
	if ((r->order = calloc(r->nmembers + 1, sizeof(*r->order))) == NULL ||
	    (r->day_count = calloc(r->ndays, sizeof(*r->day_count))) == NULL)
		return -1;
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[i];
		r->order[i] = i;
		for (j = 0; j < (r->ndays + 63) / 64; j++) {
			for (w = m->daybits[j]; w != 0; w &= w - 1) {
				day = j * 64 + __builtin_ctzll(w);
				m->cells[r->day_period[day]].days++;
				m->total_days++;
				r->day_count[day]++;
			}
		}
		for (k = 0; k < r->nperiods; k++) {
			m->total_ms += m->cells[k].ms;
			if (m->cells[k].visits > 0)
				r->nrows++;
		}
	}
	qsort_r(r->order, r->nmembers, sizeof(*r->order), report_member_cmp, r);
	r->finished = true;
	return 0;
}

int
report_nrows(struct report *r)
{
	if (report_finish(r) == -1)
		return -1;
	return r->nrows;
}

/* Hundredths of an hour, rounded half up: 36 s is 0.01 h.  Integer
 * arithmetic so that 7.125 h never prints as 7.12 on one machine and 7.13
 * on another. */
static int64_t
centihours(int64_t ms)
{
	return (ms + 18000) / 36000;
}

void
report_format_hours(int64_t ms, char buf[32])
{
	int64_t ch = centihours(ms);

	snprintf(buf, 32, "%lld.%02lld", (long long)(ch / 100), (long long)(ch % 100));
}

/* Local "YYYY-MM-DD HH:MM". */
void
report_format_seen(int64_t ms, char buf[20])
{
	tz_format_local(ms, buf, 20);
	buf[16] = '\0';
}

void
report_cell_text(const struct cell *c, struct cell_text *t)
{
	report_format_hours(c->ms, t->hours);
	report_format_seen(c->first, t->first);
	report_format_seen(c->last, t->last);
}

int
report_finish_output(FILE *out)
{
	if (fflush(out) == EOF || ferror(out)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

int
report_write_csv(struct report *r, FILE *out)
{
	struct rmember *m;
	struct cell *c;
	struct cell_text t;
	char nodes[REPORT_NODES_LEN];
	int p;

	if (report_finish(r) == -1)
		return -1;
	fprintf(out, "period,member,days_present,visits,hours,first_seen,last_seen%s\n",
	    r->site ? ",nodes" : "");
	FOREACH_ROW(r, p, m, c) {
		report_cell_text(c, &t);
		fprintf(out, "%s,", r->label[p]);
		csv_cell(out, m->name);
		fprintf(out, ",%d,%d,%s,%s,%s", c->days, c->visits, t.hours, t.first,
		    t.last);
		if (r->site) {
			report_cell_nodes(r, c, nodes);
			putc(',', out);
			csv_cell(out, nodes);
		}
		putc('\n', out);
	}
	return report_finish_output(out);
}

/* Display width of UTF-8 text: one column per code point, which is right
 * for the Latin, Greek and Cyrillic names a table will mostly hold. */
static int
text_width(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void
pad(FILE *out, const char *s, int width)
{
	fputs(s, out);
	for (width -= text_width(s); width > 0; width--)
		putc(' ', out);
}

int
report_write_text(struct report *r, FILE *out)
{
	struct rmember *m;
	struct cell *c;
	struct cell_text t;
	char nodes[REPORT_NODES_LEN];
	int p, pw = 6, mw = 6, i, w;

	if (report_finish(r) == -1)
		return -1;
	if (r->nrows == 0) {
		fprintf(out, "no visits from %s to %s\n", r->from, r->to);
		return report_finish_output(out);
	}
	for (i = 0; i < r->nperiods; i++)
		if ((w = (int)strlen(r->label[i])) > pw)
			pw = w;
	for (i = 0; i < r->nmembers; i++)
		if ((w = text_width(r->members[i].name)) > mw)
			mw = w;
	pad(out, "period", pw + 2);
	pad(out, "member", mw + 2);
	fprintf(out, "%4s  %6s  %8s  %-16s  %s%s\n", "days", "visits", "hours",
	    "first seen", r->site ? "last seen         " : "last seen", r->site ? "nodes" : "");
	FOREACH_ROW(r, p, m, c) {
		report_cell_text(c, &t);
		pad(out, r->label[p], pw + 2);
		pad(out, m->name, mw + 2);
		report_cell_nodes(r, c, nodes);
		fprintf(out, "%4d  %6d  %8s  %-16s  %s%s%s\n", c->days, c->visits, t.hours,
		    t.first, t.last, r->site ? "  " : "", nodes);
	}
	return report_finish_output(out);
}

static double
hours_number(int64_t ms)
{
	return (double)centihours(ms) / 100.0;
}

int
report_write_json(struct report *r, FILE *out)
{
	cJSON *root, *rows, *days, *o, *a;
	struct rmember *m;
	struct cell *c;
	char first[20], last[20], date[11];
	char *text = NULL;
	int p, i, rc = -1;

	if (report_finish(r) == -1)
		return -1;
	if ((root = cJSON_CreateObject()) == NULL)
		goto nomem;
	if (cJSON_AddStringToObject(root, "from", r->from) == NULL ||
	    cJSON_AddStringToObject(root, "to", r->to) == NULL ||
	    cJSON_AddStringToObject(root, "by", report_by_name(r->by)) == NULL ||
	    (rows = cJSON_AddArrayToObject(root, "rows")) == NULL ||
	    (days = cJSON_AddArrayToObject(root, "days")) == NULL)
		goto nomem;
	FOREACH_ROW(r, p, m, c) {
		report_format_seen(c->first, first);
		report_format_seen(c->last, last);
		if ((o = cJSON_CreateObject()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(rows, o);
		if (cJSON_AddStringToObject(o, "period", r->label[p]) == NULL ||
		    cJSON_AddStringToObject(o, "member", m->name) == NULL ||
		    cJSON_AddNumberToObject(o, "member_id", (double)m->id) == NULL ||
		    cJSON_AddNumberToObject(o, "days_present", c->days) == NULL ||
		    cJSON_AddNumberToObject(o, "visits", c->visits) == NULL ||
		    cJSON_AddNumberToObject(o, "hours", hours_number(c->ms)) == NULL ||
		    cJSON_AddStringToObject(o, "first_seen", first) == NULL ||
		    cJSON_AddStringToObject(o, "last_seen", last) == NULL)
			goto nomem;
		if (r->site) {
			if ((a = cJSON_AddArrayToObject(o, "nodes")) == NULL)
				goto nomem;
			for (i = 0; i < r->nnodes; i++)
				if ((c->nodes & (UINT64_C(1) << i)) &&
				    !cJSON_AddItemToArray(a, cJSON_CreateString(r->node[i])))
					goto nomem;
		}
	}
	for (i = 0; i < r->ndays; i++) {
		tz_days_date(r->first_civil + i, date);
		if ((o = cJSON_CreateObject()) == NULL)
			goto nomem;
		cJSON_AddItemToArray(days, o);
		if (cJSON_AddStringToObject(o, "date", date) == NULL ||
		    cJSON_AddNumberToObject(o, "present", r->day_count[i]) == NULL)
			goto nomem;
	}
	if ((text = cJSON_Print(root)) == NULL)
		goto nomem;
	fputs(text, out);
	putc('\n', out);
	rc = report_finish_output(out);
	goto done;
nomem:
	errno = ENOMEM;
done:
	free(text);
	cJSON_Delete(root);
	return rc;
}

/* Text for HTML and SVG, attribute values included. */
struct feed {
	struct store	*st;
	struct report	*r;
	int		 err;		/* errno of a failure in the callback */
};

/* Names are looked up once per member, not once per visit: a year of a
 * big site is 100k visits but only hundreds of members. */
static int
feed_visit(const struct visit_row *v, void *arg)
{
	struct feed *f = arg;
	struct member_row m;
	struct guest_row g;
	const char *name = NULL;
	char gname[200];
	int rc;

	/* A guest (member_id < 0): a row of their own, by id and sponsor,
	 * never by the guest's name. */
	if (v->member_id < 0 && !report_has_member(f->r, v->member_id)) {
		if ((rc = store_guest_get(f->st, -v->member_id, &g)) == -1 ||
		    (rc == 1 && g.sponsor_id != 0 &&
		    (rc = store_member_get(f->st, g.sponsor_id, &m)) == -1)) {
			f->err = EIO;
			return 1;
		}
		snprintf(gname, sizeof(gname), "guest %lld (of %s)", (long long)-v->member_id,
		    rc == 1 && g.sponsor_id != 0 ? m.name : "?");
		name = gname;
	} else if (v->member_id > 0 && !report_has_member(f->r, v->member_id)) {
		if ((rc = store_member_get(f->st, v->member_id, &m)) == -1) {
			f->err = EIO;
			return 1;
		}
		if (rc == 1)
			name = m.erased ? "(erased)" : m.name;
	}
	if (report_add_visit(f->r, v, name) == -1) {
		f->err = errno;
		return 1;
	}
	return 0;
}

int
report_load(struct report *r, struct store *st)
{
	struct feed f = { st, r, 0 };

	if ((r->site ? store_site_visits_between : store_visits_between)(st, report_from_ms(r),
	    report_to_ms(r), r->filter, feed_visit, &f) == -1 && f.err == 0)
		f.err = EIO;
	if (f.err != 0) {
		errno = f.err;
		return -1;
	}
	return 0;
}

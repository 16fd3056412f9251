/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The attendance report as a self-contained HTML page: inline CSS and SVG,
 * nothing fetched, every text escaped.  See report.h.
 */
#include "report_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tz.h"

static void
html_escape(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			putc(*s, out);
		}
	}
}

/* The first n code points of s, escaped, with an ellipsis if cut. */
static void
html_escape_cut(FILE *out, const char *s, int n)
{
	char buf[256];
	size_t i = 0;
	int cps = 0;

	for (; s[i] != '\0' && i < sizeof(buf) - 4; i++) {
		if (((unsigned char)s[i] & 0xC0) != 0x80 && ++cps > n)
			break;
		buf[i] = s[i];
	}
	if (s[i] != '\0') {
		/* Cut at a code point boundary, then add "…".  s[i], not buf[i]:
		 * buf[i] was not copied yet. */
		while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
			i--;
		memcpy(buf + i, "\xe2\x80\xa6", 4);
	} else {
		buf[i] = '\0';
	}
	html_escape(out, buf);
}

static const char html_head[] =
"<!DOCTYPE html>\n"
"<html lang=\"en\">\n"
"<head>\n"
"<meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";

/* No web fonts, no scripts, no external anything: the page is mailed or
 * opened from a USB stick and must look the same offline. */
static const char html_style[] =
"<style>\n"
"body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
"margin:0 auto;padding:1rem;max-width:60rem;color:#1f2328;background:#fff}\n"
"h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}\n"
".sub{color:#59636e;margin:0 0 1rem}\n"
"svg{display:block;width:100%;height:auto}\n"
"svg text{font-family:inherit;fill:#1f2328}\n"
".cal{max-width:56rem}.bars{max-width:40rem}\n"
".legend{display:flex;gap:.3rem;align-items:center;font-size:.8rem;color:#59636e;margin:.3rem 0}\n"
".legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px}\n"
".scroll{overflow-x:auto}\n"
"table{border-collapse:collapse;font-size:.9rem;white-space:nowrap}\n"
"th,td{padding:.25rem .6rem;border-bottom:1px solid #d1d9e0;text-align:left}\n"
"td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
"@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}"
"svg text{fill:#e6edf3}.sub,.legend{color:#9198a1}th,td{border-color:#3d444d}}\n"
"</style>\n";

static const char *const heat_colour[5] = {
	"#ebedf0", "#9be9a8", "#40c463", "#30a14e", "#216e39"
};

static int
heat_level(int n, int max)
{
	if (n <= 0 || max <= 0)
		return 0;
	return 1 + (n - 1) * 4 / max;	/* 1..4 */
}

#define CAL_CELL	12
#define CAL_STEP	14
#define CAL_LEFT	28
#define CAL_TOP		16
#define CAL_WEEKS	54	/* weeks in one SVG: any 366 days fit; longer ranges get several */

/* Calendar heat map, GitHub style: a column per ISO week, Monday on top. */
static void
html_calendar(struct report *r, FILE *out)
{
	static const char *const wd[7] = { "Mon", "", "Wed", "", "Fri", "", "Sun" };
	int64_t start = r->first_civil - tz_days_weekday(r->first_civil);
	int64_t end = r->first_civil + r->ndays;	/* exclusive */
	int64_t seg, day;
	int max = 0, i, col, row, m, lastm, nweeks, lvl;
	char date[11];

	for (i = 0; i < r->ndays; i++)
		if (r->day_count[i] > max)
			max = r->day_count[i];
	for (seg = start; seg < end; seg += CAL_WEEKS * 7) {
		nweeks = (int)((end - seg + 6) / 7);
		if (nweeks > CAL_WEEKS)
			nweeks = CAL_WEEKS;
		fprintf(out, "<svg class=\"cal\" xmlns=\"http://www.w3.org/2000/svg\" "
		    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"members present per day\">\n",
		    CAL_LEFT + nweeks * CAL_STEP, CAL_TOP + 7 * CAL_STEP);
		for (row = 0; row < 7; row++)
			if (wd[row][0] != '\0')
				fprintf(out, "<text x=\"0\" y=\"%d\" font-size=\"9\">%s</text>\n",
				    CAL_TOP + row * CAL_STEP + 10, wd[row]);
		lastm = 0;
		for (col = 0; col < nweeks; col++) {
			for (row = 0; row < 7; row++) {
				day = seg + col * 7 + row;
				if (day < r->first_civil || day >= end)
					continue;
				m = report_month_of(day);
				if (m != lastm) {
					/* Month label above the column of its first day. */
					static const char *const mon[12] = { "Jan", "Feb",
					    "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
					    "Oct", "Nov", "Dec" };
					fprintf(out, "<text x=\"%d\" y=\"10\" font-size=\"9\">%s</text>\n",
					    CAL_LEFT + col * CAL_STEP, mon[m - 1]);
					lastm = m;
				}
				i = (int)(day - r->first_civil);
				lvl = heat_level(r->day_count[i], max);
				tz_days_date(day, date);
				fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
				    "rx=\"2\" fill=\"%s\"><title>%s: %d present</title></rect>\n",
				    CAL_LEFT + col * CAL_STEP, CAL_TOP + row * CAL_STEP,
				    CAL_CELL, CAL_CELL, heat_colour[lvl], date, r->day_count[i]);
			}
		}
		fputs("</svg>\n", out);
	}
	fprintf(out, "<div class=\"legend\">0");
	for (i = 0; i < 5; i++)
		fprintf(out, "<i style=\"background:%s\"></i>", heat_colour[i]);
	fprintf(out, "%d</div>\n", max);
}

static int
hours_cmp(const void *a, const void *b, void *arg)
{
	const struct report *r = arg;
	const struct rmember *x = &r->members[*(const int *)a];
	const struct rmember *y = &r->members[*(const int *)b];

	if (x->total_ms != y->total_ms)
		return x->total_ms > y->total_ms ? -1 : 1;
	return report_member_cmp(a, b, arg);
}

#define BAR_W		400
#define BAR_LABEL	130
#define BAR_ROOM	210
#define BAR_H		20

/* Horizontal bars of hours per member over the whole range, most first.
 * The viewBox is narrow so that 13-unit text stays readable once a phone
 * scales it to its width. */
static int
html_bars(struct report *r, FILE *out)
{
	struct rmember *m;
	int64_t max = 1;
	char hours[32];
	int *idx, i, len;

	if (r->nmembers == 0) {
		fputs("<p>No visits.</p>\n", out);
		return 0;
	}
	if ((idx = calloc(r->nmembers, sizeof(*idx))) == NULL)
		return -1;
	for (i = 0; i < r->nmembers; i++) {
		idx[i] = i;
		if (r->members[i].total_ms > max)
			max = r->members[i].total_ms;
	}
	qsort_r(idx, r->nmembers, sizeof(*idx), hours_cmp, r);
	fprintf(out, "<svg class=\"bars\" xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"hours per member\">\n",
	    BAR_W, r->nmembers * BAR_H + 4);
	for (i = 0; i < r->nmembers; i++) {
		m = &r->members[idx[i]];
		report_format_hours(m->total_ms, hours);
		len = (int)(m->total_ms * BAR_ROOM / max);
		fputs("<g><title>", out);
		html_escape(out, m->name);
		fprintf(out, ": %s h, %d days</title>\n", hours, m->total_days);
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"13\" text-anchor=\"end\">",
		    BAR_LABEL - 6, i * BAR_H + 15);
		html_escape_cut(out, m->name, 16);
		fprintf(out, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
		    "rx=\"2\" fill=\"#40c463\"/>\n", BAR_LABEL, i * BAR_H + 3,
		    len > 0 ? len : 1, BAR_H - 6);
		fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text></g>\n",
		    BAR_LABEL + (len > 0 ? len : 1) + 4, i * BAR_H + 15, hours);
	}
	fputs("</svg>\n", out);
	free(idx);
	return 0;
}

int
report_write_html(struct report *r, FILE *out, const char *site_name)
{
	struct rmember *m;
	struct cell *c;
	struct cell_text t;
	char nodes[REPORT_NODES_LEN];
	int p;

	if (report_finish(r) == -1)
		return -1;
	fputs(html_head, out);
	fputs("<title>Attendance", out);
	if (site_name != NULL && site_name[0] != '\0') {
		fputs(" at ", out);
		html_escape(out, site_name);
	}
	fprintf(out, ", %s to %s</title>\n", r->from, r->to);
	fputs(html_style, out);
	fputs("</head>\n<body>\n<h1>Attendance", out);
	if (site_name != NULL && site_name[0] != '\0') {
		fputs(" at ", out);
		html_escape(out, site_name);
	}
	fprintf(out, "</h1>\n<p class=\"sub\">%s to %s, by %s; %d member%s</p>\n",
	    r->from, r->to, report_by_name(r->by), r->nmembers,
	    r->nmembers == 1 ? "" : "s");

	fputs("<h2>Members present per day</h2>\n", out);
	html_calendar(r, out);
	fputs("<h2>Hours per member</h2>\n", out);
	if (html_bars(r, out) == -1)
		return -1;

	fputs("<h2>Details</h2>\n<div class=\"scroll\"><table>\n<thead><tr>"
	    "<th>Period</th><th>Member</th><th>Days</th><th>Visits</th><th>Hours</th>"	    "<th>First seen</th><th>Last seen</th>", out);
	fputs(r->site ? "<th>Nodes</th></tr></thead>\n<tbody>\n" :
	    "</tr></thead>\n<tbody>\n", out);
	FOREACH_ROW(r, p, m, c) {
		report_cell_text(c, &t);
		fprintf(out, "<tr><td>%s</td><td>", r->label[p]);
		html_escape(out, m->name);
		fprintf(out, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
		    "<td class=\"n\">%s</td><td>%s</td><td>%s</td>",
		    c->days, c->visits, t.hours, t.first, t.last);
		if (r->site) {
			report_cell_nodes(r, c, nodes);
			fputs("<td>", out);
			html_escape(out, nodes);
			fputs("</td>", out);
		}
		fputs("</tr>\n", out);
	}
	fputs("</tbody>\n</table></div>\n</body>\n</html>\n", out);
	return report_finish_output(out);
}

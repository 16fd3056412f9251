/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The report's accumulator, shared by report.c (building it, the text, CSV
 * and JSON writers), report_html.c (the page) and insight.c (which reads
 * its per-member figures).  Private to those three.
 */
#ifndef SEUIL_REPORT_INT_H
#define SEUIL_REPORT_INT_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"

struct cell {
	int64_t		ms;		/* presence inside the period */
	int64_t		first;		/* earliest arrival of its visits */
	int64_t		last;		/* latest end of its visits */	int32_t		visits;
	int32_t		days;		/* filled by report_finish */
	uint64_t	nodes;		/* a site's: bit i, its visits at node i */
};

struct rmember {
	int64_t		id;
	char		*name;
	int64_t		covered_until;	/* end of the latest visit counted */
	int64_t		last_arrived;	/* arrival of the latest visit added */
	struct cell	*cells;		/* one per period */
	uint64_t	*daybits;	/* one bit per day of the range */
	int64_t		total_ms;	/* filled by report_finish */
	int		total_days;
};

struct report {
	enum report_by	by;
	int64_t		now_ms;
	int64_t		filter;		/* member id, 0: all */
	char		from[11], to[11];

	int		ndays;
	int64_t		first_civil;	/* days since 1970-01-01 of from */
	int64_t		*day_start;	/* ndays + 1 UTC instants */
	int		*day_period;	/* ndays */

	int		nperiods;
	char		(*label)[11];	/* nperiods labels */

	struct rmember	*members;
	int		nmembers, capmembers;
	int		*hash;		/* member index + 1, 0: empty slot */
	size_t		hashcap;	/* a power of 2 */	/* A site's report (report_set_site): the nodes its visits were at,
	 * in the order first seen, REPORT_MAX_NODES at most (the bits of
	 * cell.nodes). */
	bool		site;
	char		node[REPORT_MAX_NODES][CONFIG_NAME_MAX + 1];
	int		nnodes;

	bool		finished;
	int		*order;		/* member indices sorted by name */
	int		*day_count;	/* members present per day */
	int		nrows;
};

/* Walk the rows in order: period, then member name. */
#define FOREACH_ROW(r, p, m, c)						\
	for ((p) = 0; (p) < (r)->nperiods; (p)++)			\
		for (int fr_i = 0; fr_i < (r)->nmembers; fr_i++)	\
			if (((m) = &(r)->members[(r)->order[fr_i]]),	\
			    ((c) = &(m)->cells[(p)])->visits > 0)

/* A row's cell as the text, CSV and HTML tables print it. */
struct cell_text {
	char	hours[32];	/* "1.50" */
	char	first[20];	/* local "YYYY-MM-DD HH:MM" */
	char	last[20];
};

/* report.c */
/* A site's report: the nodes of c, "hall, main" (REPORT_NODES_LEN). */
#define REPORT_NODES_LEN	(REPORT_MAX_NODES * (CONFIG_NAME_MAX + 2))
void	report_cell_nodes(const struct report *r, const struct cell *c, char *buf);
void	report_cell_text(const struct cell *c, struct cell_text *t);
void	report_format_hours(int64_t ms, char buf[32]);	/* "1.50" */
void	report_format_seen(int64_t ms, char buf[20]);	/* local "YYYY-MM-DD HH:MM" */
int	report_finish_output(FILE *out);		/* flush; 0 or -1 */
int	report_month_of(int64_t days);			/* 1..12 */
/* qsort_r order of member indices (arg: the report): name, then id. */
int	report_member_cmp(const void *a, const void *b, void *arg);

#endif

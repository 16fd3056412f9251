/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * CSV out, for spreadsheets: the attendance report, the log and the
 * insight figures (seuilctl --csv and the console's downloads) write their
 * cells here, so that every file quotes and neutralises the same way.
 * Lines end with LF; UTF-8, no BOM.
 */
#ifndef SEUIL_CSV_H
#define SEUIL_CSV_H

#include <stdio.h>

#include <cjson/cJSON.h>

/*
 * One cell: quoted as RFC 4180 says when it holds a comma, a quote or a
 * line break, and neutralised when a spreadsheet would run it as a
 * formula (it starts with = + - @, a tab or a CR: a member named
 * "=HYPERLINK(...)" must stay text) by a leading apostrophe, as OWASP
 * recommends.  NULL is an empty cell.
 */
void csv_cell(FILE *out, const char *s);

/* The log as CSV: the header, then one line an event as render_event_named
 * gives it (seq, UTC time, local time of [site] timezone, type, door,
 * reader, member, badge, reason, detail, actor, clock_synced). */
void csv_event_header(FILE *out);
void csv_event(FILE *out, const cJSON *ev);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Attendance report output escaping (core/report.c): member names are
 * typed by the manager or imported from CSV, and the site name comes from
 * the config; the CSV goes to spreadsheets, the JSON to scripts, the HTML
 * to browsers.  The first byte of an input picks the period (day, week,
 * month) and the number of members (1 to 3); the rest, split at NUL
 * bytes, is the site name and the member names.  Every member has one
 * visit (Europe/Paris, November 2026).
 * Oracle:
 *  - CSV: every line has 7 RFC 4180 cells; the member cells are the names,
 *    with a leading ' exactly for those a spreadsheet would run as a
 *    formula (= + - @ tab CR first);
 *  - JSON: parses with cJSON; rows[].member are the names as they are;
 *  - HTML: no markup from the names: as many '<', '>' and '"' as the same
 *    report with plain names; every '&' starts an entity; valid UTF-8 in,
 *    valid UTF-8 out (a cut name is cut at a code point);
 *  - text: written without error.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "report.h"
#include "tz.h"

#define MAXM	3

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[128];

	(void)argc;
	(void)argv;
	if (tz_set("Europe/Paris", err, sizeof(err)) == -1)
		abort();
	return 0;
}

static struct report *
make_report(enum report_by by, char *const names[], int n)
{
	struct report *r = report_new("2026-11-01", "2026-11-07", by,
	    tz_date_start("2026-11-08"));
	struct visit_row v;

	FUZZ_ASSERT(r != NULL);
	for (int i = 0; i < n; i++) {
		char date[11];

		memset(&v, 0, sizeof(v));
		v.id = i + 1;
		v.member_id = i + 1;
		snprintf(v.door, sizeof(v.door), "front");
		snprintf(date, sizeof(date), "2026-11-0%d", i + 2);
		v.arrived_ms = tz_date_start(date) + 9 * 3600 * 1000LL;
		v.left_ms = v.arrived_ms + (i + 1) * 3600 * 1000LL;
		v.last_seen_ms = v.left_ms;
		snprintf(v.left_reason, sizeof(v.left_reason), "badge_out");
		FUZZ_ASSERT(report_add_visit(r, &v, names[i]) == 0);
	}
	return r;
}

typedef int (*writer)(struct report *, FILE *);

static char *
write_out(struct report *r, int (*w)(struct report *, FILE *), const char *site, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	FUZZ_ASSERT(f != NULL);
	if (w != NULL)
		FUZZ_ASSERT(w(r, f) == 0);
	else
		FUZZ_ASSERT(report_write_html(r, f, site) == 0);
	FUZZ_ASSERT(fclose(f) == 0);
	return text;
}

/* What a name must look like in a cell: a name a spreadsheet would run
 * as a formula (= + - @ tab CR first) gets a leading ' in CSV, never in
 * JSON. */
static int
same_name(const char *got, size_t glen, const char *name, int csv)
{
	size_t n = strlen(name);

	if (csv && name[0] != '\0' && strchr("=+-@\t\r", name[0]) != NULL)
		return glen == n + 1 && got[0] == '\'' && memcmp(got + 1, name, n) == 0;
	return glen == n && memcmp(got, name, n) == 0;
}

/* Mark the first unused name whose cell is exactly cell; 0 if none.  (Two
 * names that give the same cell are interchangeable, so greedy is right.) */
static int
take_name(const char *cell, size_t len, char *const names[], int n, int used[], int csv)
{
	for (int i = 0; i < n; i++) {
		if (!used[i] && same_name(cell, len, names[i], csv)) {
			used[i] = 1;
			return 1;
		}
	}
	return 0;
}

static void
check_csv(const char *s, size_t len, char *const names[], int n)
{
	static char cell[8192];
	size_t i = 0, clen;
	int line = 0, cells, used[MAXM] = { 0 }, rows = 0;

	while (i < len) {
		cells = 0;
		for (;;) {
			clen = 0;
			if (i < len && s[i] == '"') {
				for (i++;; i++) {
					FUZZ_ASSERT(i < len);	/* closing quote */
					if (s[i] == '"') {
						if (i + 1 < len && s[i + 1] == '"') {
							cell[clen++] = '"';
							i++;
							continue;
						}
						i++;
						break;
					}
					cell[clen++] = s[i];
				}
			} else {
				while (i < len && s[i] != ',' && s[i] != '\n') {
					FUZZ_ASSERT(s[i] != '"' && s[i] != '\r');
					cell[clen++] = s[i++];
				}
			}
			cells++;
			if (line > 0 && cells == 2) {
				FUZZ_ASSERT(take_name(cell, clen, names, n, used, 1));
				rows++;
			}
			FUZZ_ASSERT(i < len);
			if (s[i++] == '\n')
				break;
			FUZZ_ASSERT(s[i - 1] == ',');
		}
		FUZZ_ASSERT(cells == 7);
		line++;
	}
	FUZZ_ASSERT(rows == n);
}

static void
check_json(const char *s, size_t len, char *const names[], int n)
{
	cJSON *root = cJSON_ParseWithLength(s, len), *row;
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
	int used[MAXM] = { 0 }, count = 0;

	FUZZ_ASSERT(cJSON_IsObject(root) && cJSON_IsArray(rows));
	cJSON_ArrayForEach(row, rows) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(row, "member");

		FUZZ_ASSERT(cJSON_IsString(m));
		FUZZ_ASSERT(take_name(m->valuestring, strlen(m->valuestring), names, n,
		    used, 0));
		count++;
	}
	FUZZ_ASSERT(count == n);
	cJSON_Delete(root);
}

static void
count_marks(const char *s, size_t len, size_t counts[3])
{
	counts[0] = counts[1] = counts[2] = 0;
	for (size_t i = 0; i < len; i++) {
		counts[0] += s[i] == '<';
		counts[1] += s[i] == '>';
		counts[2] += s[i] == '"';
	}
}

static void
check_html(const char *s, size_t len, const char *ref, size_t rlen, int utf8_in)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };
	size_t a[3], b[3];

	count_marks(s, len, a);
	count_marks(ref, rlen, b);
	FUZZ_ASSERT(a[0] == b[0] && a[1] == b[1] && a[2] == b[2]);
	for (size_t i = 0; i < len; i++) {
		int ok = 0;

		if (s[i] != '&')
			continue;
		for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
			ok |= len - i >= strlen(ents[k]) && memcmp(s + i, ents[k], strlen(ents[k])) == 0;
		FUZZ_ASSERT(ok);
	}
	if (utf8_in)
		FUZZ_ASSERT(fuzz_utf8_valid(s, len));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum report_by bys[] = { REPORT_BY_DAY, REPORT_BY_WEEK, REPORT_BY_MONTH };
	char *parts[1 + MAXM], *plain[MAXM] = { "x", "x", "x" };
	char *buf, *p, *out, *ref;
	size_t len, rlen;
	int n, np = 0, utf8_in = 1;
	enum report_by by;
	struct report *r;

	if (size < 1 || size > 4096)
		return -1;
	by = bys[(data[0] & 3) % 3];
	n = 1 + (data[0] >> 2) % MAXM;
	buf = fuzz_cstr(data + 1, size - 1);
	/* fuzz_cstr stops at the first NUL; split the raw bytes instead. */
	memcpy(buf, data + 1, size - 1);
	for (p = buf; np < 1 + n; np++) {
		parts[np] = p;
		p += strlen(p);
		if (p < buf + size - 1)
			p++;
	}
	for (int i = 0; i <= n; i++)
		utf8_in &= fuzz_utf8_valid(parts[i], strlen(parts[i]));

	r = make_report(by, parts + 1, n);
	out = write_out(r, report_write_csv, NULL, &len);
	check_csv(out, len, parts + 1, n);
	free(out);
	out = write_out(r, report_write_json, NULL, &len);
	check_json(out, len, parts + 1, n);
	free(out);
	out = write_out(r, report_write_text, NULL, &len);
	free(out);
	out = write_out(r, NULL, parts[0], &len);
	report_free(r);

	r = make_report(by, plain, n);
	ref = write_out(r, NULL, parts[0][0] != '\0' ? "x" : "", &rlen);
	report_free(r);
	check_html(out, len, ref, rlen, utf8_in);
	free(out);
	free(ref);
	free(buf);
	return 0;
}

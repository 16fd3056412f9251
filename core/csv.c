/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CSV cells and the log's lines (csv.h). */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

#include "tz.h"

void
csv_cell(FILE *out, const char *s)
{
	bool formula;

	if (s == NULL)
		return;
	formula = s[0] != '\0' && strchr("=+-@\t\r", s[0]) != NULL;
	if (strpbrk(s, ",\"\r\n") == NULL) {
		if (formula)
			putc('\'', out);
		fputs(s, out);
		return;
	}
	putc('"', out);
	if (formula)
		putc('\'', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

void
csv_event_header(FILE *out)
{
	fputs("seq,time_utc,time_local,type,door,reader,member,badge_id,reason,detail,actor,"
	    "clock_synced\n", out);
}

static const char *
text(const cJSON *ev, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, key));
}

static double
number(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

void
csv_event(FILE *out, const cJSON *ev)
{
	static const char *const texts[] = { "type", "door", "reader", "member" };
	static const char *const more[] = { "reason", "detail", "actor" };
	char local[20];
	size_t i;

	tz_format_local((int64_t)number(ev, "ts_ms"), local, sizeof(local));
	fprintf(out, "%.0f,", number(ev, "seq"));
	csv_cell(out, text(ev, "ts"));
	putc(',', out);
	csv_cell(out, local);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		putc(',', out);
		csv_cell(out, text(ev, texts[i]));
	}
	putc(',', out);
	if (number(ev, "badge_id") > 0)
		fprintf(out, "%.0f", number(ev, "badge_id"));
	for (i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
		putc(',', out);
		csv_cell(out, text(ev, more[i]));
	}
	fprintf(out, ",%s\n", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ev,
	    "clock_synced")) ? "yes" : "no");
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Schedule text (core/access.c access_schedule_parse): what `seuilctl
 * schedule set G '...'` and the console take from the manager, and what
 * every later decision of that group's members rests on.
 * Oracle: windows are in range (days 1..127, start 0..1439, end 0..1440);
 * the canonical text (access_schedule_format, as `group list` prints it)
 * parses back to the same windows; an error always says something.
 */
#include <string.h>

#include "access.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct schedule_window w[ACCESS_MAX_WINDOWS], back[ACCESS_MAX_WINDOWS];
	char err[256] = "", text[ACCESS_SCHEDULE_TEXT_MAX];
	char *in;
	int n, m;

	if (size > 2048)
		return -1;
	in = fuzz_cstr(data, size);
	n = access_schedule_parse(in, w, ACCESS_MAX_WINDOWS, err, sizeof(err));
	if (n < 0) {
		FUZZ_ASSERT(n == -1 && err[0] != '\0');
		free(in);
		return 0;
	}
	FUZZ_ASSERT(n >= 1 && n <= ACCESS_MAX_WINDOWS);
	for (int i = 0; i < n; i++) {
		FUZZ_ASSERT(w[i].days_mask >= 1 && w[i].days_mask <= 127);
		FUZZ_ASSERT(w[i].start_min < 1440 && w[i].end_min <= 1440);
	}
	access_schedule_format(w, n, text, sizeof(text));
	FUZZ_ASSERT(strlen(text) < sizeof(text) - 1);
	m = access_schedule_parse(text, back, ACCESS_MAX_WINDOWS, err, sizeof(err));
	if (m != n)
		fprintf(stderr, "'%s' -> '%s' -> %d (%s)\n", in, text, m, err);
	FUZZ_ASSERT(m == n);
	for (int i = 0; i < n; i++)
		FUZZ_ASSERT(back[i].days_mask == w[i].days_mask &&
		    back[i].start_min == w[i].start_min && back[i].end_min == w[i].end_min);
	free(in);
	return 0;
}

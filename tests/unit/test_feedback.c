/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The reader feedback patterns on an injected monotonic clock: each pattern
 * walked from change to change (feedback_next_change) must give exactly the
 * documented line changes, and a tap's pattern replaces the one in progress
 * while a lockout's blinking resumes after it.
 */
#include <stdio.h>
#include <string.h>

#include "feedback.h"
#include "testhelp.h"

/* Walk from t0 to t1 following next_change and write every change as
 * "T:green=1 " into buf (T relative to t0). */
static void
walk(const struct feedback *f, int64_t t0, int64_t t1, char *buf, size_t len)
{
	bool prev[FEEDBACK_NOUTPUTS] = { false }, cur[FEEDBACK_NOUTPUTS];
	size_t used = 0;
	int64_t t = t0;

	buf[0] = '\0';
	while (t <= t1) {
		feedback_outputs(f, t, cur);
		for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
			if (cur[o] != prev[o] && used < len)
				used += (size_t)snprintf(buf + used, len - used, "%lld:%s=%d ",
				    (long long)(t - t0), feedbackio_output_name(o), cur[o]);
		memcpy(prev, cur, sizeof(prev));
		t = feedback_next_change(f, t);
	}
}

static void
test_granted(void)
{
	struct feedback f;
	char got[512];

	feedback_init(&f);
	feedback_granted(&f, 1000, 5000);
	walk(&f, 1000, 20000, got, sizeof(got));
	EXPECT_STR(got, "0:green=1 0:buzzer=1 120:buzzer=0 5000:green=0 ");
}

static void
test_denied_never_tells_why(void)
{
	struct feedback f;
	char got[512];

	feedback_init(&f);
	feedback_denied(&f, 0);
	walk(&f, 0, 5000, got, sizeof(got));
	EXPECT_STR(got, "0:red=1 0:buzzer=1 120:buzzer=0 220:buzzer=1 340:buzzer=0 "
	    "440:buzzer=1 560:buzzer=0 1000:red=0 ");
}

static void
test_lockout_blinks_red_silently(void)
{
	struct feedback f;
	char got[512];

	feedback_init(&f);
	feedback_lockout(&f, 0, 1000);
	walk(&f, 0, 3000, got, sizeof(got));
	EXPECT_STR(got, "0:red=1 250:red=0 500:red=1 750:red=0 ");
}

static void
test_enrolment(void)
{
	struct feedback f;
	char got[512];
	bool out[FEEDBACK_NOUTPUTS];

	feedback_init(&f);
	feedback_enrol_wait(&f, 0, 60000);
	walk(&f, 0, 1999, got, sizeof(got));
	EXPECT_STR(got, "0:green=1 500:green=0 1000:green=1 1500:green=0 ");
	feedback_enrol_done(&f, 2100, true);
	walk(&f, 2100, 9000, got, sizeof(got));
	EXPECT_STR(got, "0:buzzer=1 120:buzzer=0 220:buzzer=1 340:buzzer=0 ");
	/* A timeout ends the blinking without a sound. */
	feedback_enrol_wait(&f, 10000, 12000);
	feedback_enrol_done(&f, 11000, false);
	feedback_outputs(&f, 11000, out);
	EXPECT(!out[FEEDBACK_GREEN] && !out[FEEDBACK_BUZZER]);
	EXPECT(feedback_next_change(&f, 11000) == INT64_MAX);
}

static void
test_tap_replaces_and_lockout_resumes(void)
{
	struct feedback f;
	bool out[FEEDBACK_NOUTPUTS];

	feedback_init(&f);
	feedback_granted(&f, 0, 5000);
	feedback_denied(&f, 200);	/* a second tap, denied */
	feedback_outputs(&f, 300, out);
	EXPECT(!out[FEEDBACK_GREEN] && out[FEEDBACK_RED]);
	feedback_lockout(&f, 300, 10000);
	feedback_outputs(&f, 900, out);
	EXPECT(out[FEEDBACK_RED]);		/* the denial still shows */
	EXPECT(out[FEEDBACK_BUZZER] == false);
	/* After the denial's second, the lockout blinks: 1200 is 900 ms into
	 * it, an off phase; 1300 an on phase. */
	feedback_outputs(&f, 1200, out);
	EXPECT(!out[FEEDBACK_RED]);
	feedback_outputs(&f, 1300, out);
	EXPECT(out[FEEDBACK_RED] && !out[FEEDBACK_GREEN] && !out[FEEDBACK_BUZZER]);
	/* And ends with the lockout. */
	feedback_outputs(&f, 10000, out);
	EXPECT(!out[FEEDBACK_RED]);
	EXPECT(feedback_next_change(&f, 10000) == INT64_MAX);
}

static void
test_dark_by_default(void)
{
	struct feedback f;
	bool out[FEEDBACK_NOUTPUTS];

	feedback_init(&f);
	feedback_outputs(&f, 123456, out);
	EXPECT(!out[FEEDBACK_GREEN] && !out[FEEDBACK_RED] && !out[FEEDBACK_BUZZER]);
	EXPECT(feedback_next_change(&f, 0) == INT64_MAX);
	/* An enrolment does not hide a lockout in progress. */
	feedback_lockout(&f, 0, 5000);
	feedback_enrol_wait(&f, 100, 60000);
	feedback_outputs(&f, 100, out);
	EXPECT(out[FEEDBACK_RED] && !out[FEEDBACK_GREEN]);
}

int
main(void)
{
	RUN(test_granted);
	RUN(test_denied_never_tells_why);
	RUN(test_lockout_blinks_red_silently);
	RUN(test_enrolment);
	RUN(test_tap_replaces_and_lockout_resumes);
	RUN(test_dark_by_default);
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reader lockout with an injected monotonic clock.  Defaults: 5 failures
 * within 60 s lock for 30 s, doubling up to 15 min.
 */
#include "access.h"
#include "testhelp.h"

#define S	1000		/* one second in ms */
#define T0	(1000 * S)	/* an arbitrary monotonic start */

static struct config
conf_with(int failures, int64_t window_ms, int64_t time_ms)
{
	struct config c;

	memset(&c, 0, sizeof(c));
	c.lockout_failures = failures;
	c.lockout_window_ms = window_ms;
	c.lockout_time_ms = time_ms;
	return c;
}

/* Failures 1 ms apart from t until one locks (at most 64): the time of the
 * locking failure, or -1 if none locked. */
static int64_t
fail_until_locked(struct lockout *l, const struct config *c, int64_t t)
{
	int i;

	for (i = 0; i < 64; i++, t++)
		if (lockout_record_failure(l, c, t))
			return t;
	return -1;
}

/* How long the lock that started at t lasts, by probing lockout_active. */
static int64_t
lock_length(const struct lockout *l, int64_t t)
{
	int64_t lo = t, hi = t + 24 * 3600 * S, mid;

	if (!lockout_active(l, t))
		return 0;
	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (lockout_active(l, mid))
			lo = mid;
		else
			hi = mid;
	}
	return hi - t;
}

static void
test_threshold(void)
{
	struct config c = conf_with(5, 60 * S, 30 * S);
	struct lockout l;
	int i;

	lockout_init(&l);
	EXPECT(!lockout_active(&l, T0));
	for (i = 0; i < 4; i++) {
		EXPECT(!lockout_record_failure(&l, &c, T0 + i * S));
		EXPECT(!lockout_active(&l, T0 + i * S));
	}
	EXPECT(lockout_record_failure(&l, &c, T0 + 4 * S));
	EXPECT(lockout_active(&l, T0 + 4 * S));
	EXPECT(lockout_active(&l, T0 + 34 * S - 1));
	EXPECT(!lockout_active(&l, T0 + 34 * S));
}

static void
test_window_slides(void)
{
	struct config c = conf_with(5, 60 * S, 30 * S);
	struct lockout l;

	lockout_init(&l);
	/* Spread out: never five within any 60 s. */
	EXPECT(!lockout_record_failure(&l, &c, T0));
	EXPECT(!lockout_record_failure(&l, &c, T0 + 20 * S));
	EXPECT(!lockout_record_failure(&l, &c, T0 + 40 * S));
	EXPECT(!lockout_record_failure(&l, &c, T0 + 59 * S));
	EXPECT(!lockout_record_failure(&l, &c, T0 + 60 * S));	/* T0 just left */
	EXPECT(!lockout_active(&l, T0 + 60 * S));
	/* T0+20 .. T0+70 are five within 60 s. */
	EXPECT(lockout_record_failure(&l, &c, T0 + 70 * S));
	EXPECT_INT(lock_length(&l, T0 + 70 * S), 30 * S);
}

static void
test_failures_while_locked(void)
{
	struct config c = conf_with(5, 60 * S, 30 * S);
	struct lockout l;
	int64_t t;
	int i;

	lockout_init(&l);
	t = fail_until_locked(&l, &c, T0);
	EXPECT_INT(t, T0 + 4);
	/* Hammering a locked reader neither extends the lock nor counts. */
	for (i = 1; i <= 20; i++)
		EXPECT(!lockout_record_failure(&l, &c, t + i * S));
	EXPECT_INT(lock_length(&l, t), 30 * S);
	for (i = 0; i < 4; i++)
		EXPECT(!lockout_record_failure(&l, &c, t + 30 * S + i));
	EXPECT(lockout_record_failure(&l, &c, t + 30 * S + 4));
}

static void
test_doubling_and_cap(void)
{
	static const int64_t want[] = {
		30 * S, 60 * S, 120 * S, 240 * S, 480 * S, 900 * S, 900 * S, 900 * S
	};
	struct config c = conf_with(5, 60 * S, 30 * S);
	struct lockout l;
	int64_t t = T0, len;
	size_t i;

	lockout_init(&l);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		/* Attack again as soon as each lockout ends. */
		t = fail_until_locked(&l, &c, t);
		len = lock_length(&l, t);
		EXPECT_INT(len, want[i]);
		EXPECT(len <= LOCKOUT_MAX_MS);
		t += len;
	}
}

static void
test_reset_after_quiet_window(void)
{
	struct config c = conf_with(5, 60 * S, 30 * S);
	struct lockout l;
	int64_t t;

	lockout_init(&l);
	t = fail_until_locked(&l, &c, T0);
	t = fail_until_locked(&l, &c, t + 30 * S);
	EXPECT_INT(lock_length(&l, t), 60 * S);

	/* Quiet for a whole window after the end: back to 30 s. */
	t = fail_until_locked(&l, &c, t + 60 * S + 60 * S);
	EXPECT_INT(lock_length(&l, t), 30 * S);

	/* Quiet for just under a window: still escalating. */
	t = fail_until_locked(&l, &c, t + 30 * S + 60 * S - 5);
	EXPECT_INT(lock_length(&l, t), 60 * S);

	/* A stray failure after the end, then a whole quiet window: reset. */
	t += 60 * S;
	EXPECT(!lockout_record_failure(&l, &c, t + 10 * S));
	t = fail_until_locked(&l, &c, t + 10 * S + 60 * S);
	EXPECT_INT(lock_length(&l, t), 30 * S);
}

static void
test_other_settings(void)
{
	struct config one = conf_with(1, 60 * S, 2 * S);
	struct config off = conf_with(0, 60 * S, 30 * S);
	struct config huge = conf_with(1000, 60 * S, 20 * 60 * S);
	struct lockout l;
	int i;

	lockout_init(&l);
	EXPECT(lockout_record_failure(&l, &one, T0));
	EXPECT_INT(lock_length(&l, T0), 2 * S);

	lockout_init(&l);
	for (i = 0; i < 100; i++)
		EXPECT(!lockout_record_failure(&l, &off, T0 + i));
	EXPECT(!lockout_active(&l, T0 + 100));

	/* More failures than the ring holds, and a base over the cap. */
	lockout_init(&l);
	EXPECT_INT(fail_until_locked(&l, &huge, T0), T0 + LOCKOUT_MAX_FAILURES - 1);
	EXPECT_INT(lock_length(&l, T0 + LOCKOUT_MAX_FAILURES - 1), LOCKOUT_MAX_MS);
}

int
main(void)
{
	RUN(test_threshold);
	RUN(test_window_slides);
	RUN(test_failures_while_locked);
	RUN(test_doubling_and_cap);
	RUN(test_reset_after_quiet_window);
	RUN(test_other_settings);
	return TEST_REPORT();
}

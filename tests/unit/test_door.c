/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * door.c against a fake door I/O (this file defines the doorio_* calls, so
 * the archive's doorio.o is not linked): a relay that refuses to release
 * once is released at a later tick, and the door does not claim to be
 * released while the line is still energised.
 */
#include <stdlib.h>

#include "door.h"
#include "testhelp.h"

struct doorio {
	int	dummy;
};

static struct doorio fake_io;
static bool line_energised;	/* what the strike really does */
static int fail_releases;	/* refuse this many releases */

struct doorio *
doorio_open(const struct door_conf *conf, char *err, size_t errlen)
{
	(void)conf; (void)err; (void)errlen;
	line_energised = false;
	return &fake_io;
}

int
doorio_set_relay(struct doorio *io, bool energised)
{
	(void)io;
	if (!energised && fail_releases > 0) {
		fail_releases--;
		return -1;
	}
	line_energised = energised;
	return 0;
}

int
doorio_pollfds(struct doorio *io, int fds[DOORIO_MAX_FDS])
{
	(void)io; (void)fds;
	return 0;
}

int
doorio_read(struct doorio *io, int fd, struct doorio_input *out, int max)
{
	(void)io; (void)fd; (void)out; (void)max;
	return 0;
}

int
doorio_contact(struct doorio *io)
{
	(void)io;
	return -1;
}

void
doorio_close(struct doorio *io)
{
	(void)io;
	line_energised = false;
}

static struct door *
new_door(void)
{
	static struct door_conf conf = { .name = "front", .gpio = GPIO_SIM, .relay_line = 17,
	    .unlock_ms = 1000, .contact_line = -1, .held_open_ms = 30000, .exit_line = -1 };
	struct door_hooks hooks = { NULL, NULL, NULL };
	char err[128];

	return door_new(&conf, 0, &hooks, err, sizeof(err));
}

static void
test_failed_release_is_retried(void)
{
	struct door *d = new_door();

	EXPECT(d != NULL);
	EXPECT_INT(door_unlock(d, 1000, 1000), 0);
	EXPECT(line_energised);
	fail_releases = 1;
	door_tick(d, 2000);		/* pulse over; the release fails */
	EXPECT(line_energised);
	EXPECT(door_relay_on(d));	/* status must not say released */
	EXPECT(door_deadline(d) != INT64_MAX);	/* and a retry is due */
	door_tick(d, 2100);		/* retried */
	EXPECT(!line_energised);
	EXPECT(!door_relay_on(d));
	EXPECT_INT(door_deadline(d), INT64_MAX);
	door_free(d);
}

static void
test_failed_lock_is_retried(void)
{
	struct door *d = new_door();

	EXPECT_INT(door_unlock(d, 5000, 1000), 0);
	fail_releases = 2;
	door_lock(d, 1500);
	EXPECT(line_energised);
	door_tick(d, 1600);
	EXPECT(line_energised);
	door_tick(d, 1700);
	EXPECT(!line_energised);
	/* The old pulse must not come back: nothing energises it again. */
	door_tick(d, 3000);
	EXPECT(!line_energised);
	door_free(d);
}

static struct door *
held_door(bool duty)
{
	static struct door_conf conf = { .name = "front", .gpio = GPIO_SIM, .relay_line = 17,
	    .unlock_ms = 1000, .contact_line = -1, .held_open_ms = 30000, .exit_line = -1 };
	struct door_hooks hooks = { NULL, NULL, NULL };
	char err[128];

	conf.continuous_duty = duty;
	return door_new(&conf, 0, &hooks, err, sizeof(err));
}

/* Office hours: a hold lasts while it is re-armed, past the 60 s cap of a
 * pulse; one nobody re-arms lapses at its deadline; a door without
 * continuous_duty is never held. */
static void
test_hold_is_a_watchdog(void)
{
	struct door *d = held_door(true);
	int64_t t;

	EXPECT_INT(door_hold(d, 4000, 1000), 0);
	EXPECT(line_energised);
	EXPECT(door_held(d));
	for (t = 2000; t <= 200000; t += 1000) {	/* 200 s, re-armed each second */
		door_tick(d, t);
		EXPECT_INT(door_hold(d, t + 3000, t), 0);
	}
	EXPECT(line_energised);
	EXPECT(door_relay_on(d));
	EXPECT_INT(door_unlock(d, 1000, t), 0);	/* a grant meanwhile: no shorter hold */
	door_tick(d, t + 1500);
	EXPECT(line_energised);
	EXPECT_INT(door_deadline(d), t - 1000 + 3000);	/* the hold's deadline */
	door_tick(d, t + 2000);		/* not re-armed: it lapses */
	EXPECT(!line_energised);
	EXPECT(!door_held(d));
	door_free(d);

	d = held_door(true);
	EXPECT_INT(door_hold(d, 999999, 1000), 0);	/* at most DOOR_HOLD_MAX_MS ahead */
	door_tick(d, 1000 + DOOR_HOLD_MAX_MS);
	EXPECT(!line_energised);
	EXPECT_INT(door_hold(d, 5000, 4000), 0);
	door_lock(d, 4500);		/* door lock ends it at once */
	EXPECT(!line_energised);
	EXPECT(!door_held(d));
	door_free(d);

	d = held_door(false);
	EXPECT_INT(door_hold(d, 4000, 1000), -1);
	EXPECT(!line_energised);
	EXPECT(!door_held(d));
	door_free(d);
}

int
main(void)
{
	RUN(test_hold_is_a_watchdog);
	RUN(test_failed_release_is_retried);
	RUN(test_failed_lock_is_retried);
	return TEST_REPORT();
}

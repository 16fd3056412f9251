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

int
main(void)
{
	RUN(test_failed_release_is_retried);
	RUN(test_failed_lock_is_retried);
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Office hours: a door with unlock_schedule stays locked until a member of
 * its first_in group is granted inside the window; it is then held released
 * (door_hold) until the window ends, the last person has gone (last_out =
 * presence), the clock stops being trusted, someone locks it (`seuilctl
 * door lock`, the console), seuild reloads or stops.
 *
 * Why a watchdog rather than a long pulse: the strike is held only while
 * the loop keeps saying so.  Each turn (at least once a second) re-checks
 * the window on the wall clock and re-arms the door's hold a few seconds
 * ahead on the monotonic clock; a loop that stops turning, or a check that
 * fails, lets the hold lapse and the door relock on its own.  A crash or a
 * kill leaves nothing to restore: seuild drives every door locked at start
 * and office hours begin again only at the next first-in tap.
 *
 * The opening is recorded before the strike is held (schedule_unlock, like
 * a grant's event); a relock is made first and recorded after
 * (schedule_relock with its reason): locked when in doubt.
 */
#include <stdio.h>
#include <string.h>

#include "daemon.h"

#define OFFICE_WATCHDOG_MS	3000	/* a hold lapses this long after the last re-arm */

const char *
office_reason_name(enum office_reason r)
{
	switch (r) {
	case OFFICE_WINDOW_END:		return "window_end";
	case OFFICE_LAST_OUT:		return "last_out";
	case OFFICE_MANUAL:		return "manual";
	case OFFICE_CLOCK_UNSYNCED:	return "clock_unsynced";
	case OFFICE_WATCHDOG:		return "watchdog";
	case OFFICE_RELOAD:		return "reload";
	case OFFICE_STOP:		return "stop";
	}
	return "unknown";
}

/* Whether the door has office hours and the wall clock may say whether
 * they are on: NTP-synced, or unsynced_clock = ignore (the policy that
 * trusts schedules on an unsynced clock). */
static bool
office_configured(const struct daemon *d, int di)
{
	return di >= 0 && di < d->conf->ndoors && d->conf->doors[di].unlock_schedule[0] != '\0';
}

static bool
office_clock_trusted(const struct daemon *d)
{
	return clock_synced() || d->conf->unsynced_clock == UNSYNCED_IGNORE;
}

/* Whether wall time now_ms is inside the door's unlock_schedule. */
static bool
office_in_window(const struct daemon *d, int di, int64_t now_ms)
{
	struct access_group g = { .nwindows = 0 };
	struct local_time t;
	char why[128];
	int n;

	n = access_schedule_parse(d->conf->doors[di].unlock_schedule, g.windows,
	    ACCESS_MAX_WINDOWS, why, sizeof(why));
	if (n < 1)
		return false;	/* config_load refused it: never here */
	g.nwindows = n;
	tz_local(now_ms, &t);
	return access_group_allows(&g, &t);
}

bool
daemon_office_held(const struct daemon *d, int di)
{
	return di >= 0 && di < d->conf->ndoors && d->office[di].held;
}

bool
daemon_office_any(const struct daemon *d)
{
	for (int i = 0; i < d->conf->ndoors; i++)
		if (d->office[i].held)
			return true;
	return false;
}

/* Office hours changed: SpaceAPI (open_from = office_hours) follows. */
static void
office_changed(struct daemon *d)
{
	d->presence_pending = true;
}

/* ---- opening ---- */

struct office_job {
	struct writer_event ev;
	int		door_index;
};

static int
office_run(struct writer_job *j, struct store *st)
{
	struct office_job *o = writer_job_data(j);
	struct event ev;

	writer_event_get(&o->ev, &ev);
	return writer_append_event(st, &ev) == -1 ? -1 : 0;
}

/* The opening is committed: hold the strike, if everything still says so. */
static void
office_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct office_job *o = writer_job_data(j);
	int di = config_door_index(d->conf, o->ev.door);
	int64_t now = clock_mono_ms();

	if (di != -1)
		d->office[di].opening = false;
	if (j->rc != 0 || di == -1 || d->stop || !office_configured(d, di)) {
		log_warnx("door %s: office hours not recorded, door stays locked: %s", o->ev.door,
		    j->rc != 0 ? j->err : "the door changed meanwhile");
		return;
	}
	if (!office_clock_trusted(d) || !office_in_window(d, di, clock_wall_ms()) ||
	    door_hold(d->doors[di], now + OFFICE_WATCHDOG_MS, now) == -1) {
		/* Recorded as opened: say at once that it is not. */
		door_lock(d->doors[di], now);
		daemon_simple_event(d, "schedule_relock", o->ev.door, NULL,
		    office_reason_name(OFFICE_WATCHDOG), "the hold could not start");
		return;
	}
	d->office[di].held = true;
	d->office[di].since_ms = clock_wall_ms();
	log_info("door %s: office hours, held released (first in: member %lld)", o->ev.door,
	    (long long)o->ev.member_id);
	office_changed(d);
}

/*
 * A grant at door di by reader ri to a member of the door's first_in group
 * (the writer said so; never a guest): office hours begin if the window is
 * on and the clock trusted.  The strike is held once schedule_unlock is
 * committed.
 */
void
daemon_office_grant(struct daemon *d, int di, int ri, int64_t member_id, int64_t now_ms)
{
	struct office_job o = { .door_index = di };
	struct event ev = { .type = "schedule_unlock", .reason = "first_in",
	    .member_id = member_id };

	if (!office_configured(d, di) || d->office[di].held || d->office[di].opening ||
	    d->conf->readers[ri].direction == DIRECTION_OUT)
		return;
	if (!office_clock_trusted(d)) {
		log_info("door %s: first in, but the clock is not synced (unsynced_clock): no "
		    "office hours", d->conf->doors[di].name);
		return;
	}
	if (!office_in_window(d, di, now_ms))
		return;
	ev.door = d->conf->doors[di].name;
	ev.reader = d->conf->readers[ri].name;
	store_event_stamp(&ev);
	writer_event_set(&o.ev, &ev);
	if (writer_submit(d->writer, office_run, office_done, d, 0, 0, &o, sizeof(o)) == -1) {
		log_warnx("door %s: office hours not recorded (the writer's queue is full), door "
		    "stays locked", ev.door);
		return;
	}
	d->office[di].opening = true;
}

/* ---- ending ---- */

int
daemon_office_end(struct daemon *d, int di, enum office_reason why, const char *actor)
{
	struct event ev = { .type = "schedule_relock", .reason = office_reason_name(why),
	    .actor = actor };

	if (!daemon_office_held(d, di))
		return 0;
	door_lock(d->doors[di], clock_mono_ms());
	d->office[di].held = false;
	ev.door = d->conf->doors[di].name;
	log_info("door %s: office hours end (%s), locked", ev.door, ev.reason);
	daemon_event(d, &ev);
	office_changed(d);
	return 1;
}

void
daemon_office_end_all(struct daemon *d, enum office_reason why)
{
	for (int i = 0; i < d->conf->ndoors; i++)
		daemon_office_end(d, i, why, NULL);
	memset(d->office, 0, sizeof(d->office));
}

/*
 * Each turn of the loop: a held door is re-armed only if every condition
 * still holds; the first that fails ends office hours with its reason.
 */
void
daemon_office_tick(struct daemon *d, int64_t now)
{
	int64_t wall = 0;
	bool trusted = true, checked = false;

	for (int i = 0; i < d->conf->ndoors; i++) {
		enum office_reason why;

		if (!d->office[i].held)
			continue;
		if (!checked) {
			wall = clock_wall_ms();
			trusted = office_clock_trusted(d);
			checked = true;
		}
		if (!door_held(d->doors[i]))
			why = OFFICE_WATCHDOG;		/* it lapsed: the loop was late */
		else if (!trusted)
			why = OFFICE_CLOCK_UNSYNCED;
		else if (!office_in_window(d, i, wall))
			why = OFFICE_WINDOW_END;
		else if (d->conf->doors[i].last_out == LAST_OUT_PRESENCE &&
		    presence_count(d->presence) == 0)
			why = OFFICE_LAST_OUT;
		else if (door_hold(d->doors[i], now + OFFICE_WATCHDOG_MS, now) == 0)
			continue;
		else
			why = OFFICE_WATCHDOG;
		daemon_office_end(d, i, why, NULL);
	}
}

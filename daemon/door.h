/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The door state machine: strike pulse, contact, held-open and forced-open
 * alarms, exit button.  It owns the door's doorio and is the only code that
 * moves the relay.  All times are monotonic milliseconds: a wall-clock jump
 * cannot hold a door open.
 *
 *   locked --grant/exit/remote--> unlocked --contact open--> open
 *   open --held_open_time--> held_open;  open|held_open --close--> locked
 *   locked --contact open without a grant in force--> forced_open
 *
 * Office hours (daemon/office.c) hold the strike released past the 60 s cap
 * of a pulse, for a door with continuous_duty = true only, and only while
 * the loop keeps re-arming the hold: door_hold sets a monotonic deadline a
 * few seconds ahead, and a hold nobody re-arms ends there on its own, like
 * a pulse.  A closing contact does not relock a held door.
 */
#ifndef SEUIL_DOOR_H
#define SEUIL_DOOR_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "doorio.h"

enum door_state { DOOR_LOCKED, DOOR_UNLOCKED, DOOR_OPEN, DOOR_HELD_OPEN, DOOR_FORCED_OPEN };

/* What the door tells the daemon: an event type of docs/design.md, Events
 * (door_open, door_closed, door_held_open, door_forced_open, exit_request)
 * and state changes, for the event log and MQTT. */
struct door_hooks {
	void	(*event)(void *arg, int door_index, const char *type, const char *detail);
	void	(*state)(void *arg, int door_index, enum door_state state);
	void	*arg;
};

#define DOOR_DEBOUNCE_MS	50
#define DOOR_GRACE_MS		1000	/* an opening this soon after relock is not forced */

struct door;

/* Open the door's I/O (relay driven locked first).  NULL with err on
 * failure.  conf must outlive the door. */
struct door *door_new(const struct door_conf *conf, int index, const struct door_hooks *hooks,
    char *err, size_t errlen);
/* Drive locked, release the I/O, free.  NULL is fine. */
void door_free(struct door *d);

/* Energise the strike for ms (capped at 60 s), from now.  0, or -1 if the
 * relay could not be driven (the door is then driven locked again). */
int door_unlock(struct door *d, int64_t ms, int64_t now_mono_ms);
/* Drive locked now, whatever is in force (a hold too). */
void door_lock(struct door *d, int64_t now_mono_ms);
/* Hold the strike released until until_mono_ms (at most DOOR_HOLD_MAX_MS
 * ahead); called again before then to keep holding.  Refused (-1) for a
 * door without continuous_duty, or when the relay cannot be driven (the
 * door is then driven locked). */
#define DOOR_HOLD_MAX_MS	10000
int door_hold(struct door *d, int64_t until_mono_ms, int64_t now_mono_ms);
/* Whether a hold is in force (it ends by door_lock or its deadline). */
bool door_held(const struct door *d);

int door_pollfds(struct door *d, int fds[DOORIO_MAX_FDS]);
/* fd became readable. */
void door_input(struct door *d, int fd, int64_t now_mono_ms);
/* Run timers; call when door_deadline() has passed (early is harmless). */
void door_tick(struct door *d, int64_t now_mono_ms);
/* Next monotonic ms at which door_tick has work, or INT64_MAX. */
int64_t door_deadline(const struct door *d);

enum door_state door_get_state(const struct door *d);
const char *door_state_name(enum door_state s);
bool door_relay_on(const struct door *d);
int door_contact(const struct door *d);	/* 1 open, 0 closed, -1 unknown */
const struct door_conf *door_conf(const struct door *d);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "door.h"
#include "log.h"

#define DOOR_RETRY_MS	100	/* a failed release is tried again this soon */

struct door {
	const struct door_conf *conf;
	int		index;
	struct door_hooks hooks;
	struct doorio	*io;
	enum door_state	state;

	bool		relay_on;
	int64_t		relay_until;	/* relay released at this time */
	bool		release_pending; /* a release failed: the line may be energised */
	int64_t		release_retry;	/* when to try it again */
	int64_t		authorised_until; /* an opening before this is not forced */
	bool		held;		/* office hours: door_hold in force */
	int64_t		hold_until;	/* its watchdog: released at this time */

	int		contact;	/* debounced: 1 open, 0 closed, -1 unknown */
	int		raw_contact;	/* last edge seen */
	int64_t		raw_since;	/* when raw_contact last changed */
	int64_t		opened_at;
	bool		held_reported;
	int64_t		last_exit;
};

const char *
door_state_name(enum door_state s)
{
	switch (s) {
	case DOOR_LOCKED:	return "locked";
	case DOOR_UNLOCKED:	return "unlocked";
	case DOOR_OPEN:		return "open";
	case DOOR_HELD_OPEN:	return "held_open";
	case DOOR_FORCED_OPEN:	return "forced_open";
	}
	return "unknown";
}

static void
door_set_state(struct door *d, enum door_state s)
{
	if (d->state == s)
		return;
	d->state = s;
	if (d->hooks.state)
		d->hooks.state(d->hooks.arg, d->index, s);
}

static void
door_event(struct door *d, const char *type, const char *detail)
{
	if (d->hooks.event)
		d->hooks.event(d->hooks.arg, d->index, type, detail);
}

/* Releasing the relay must not depend on anything succeeding: on an error
 * it is retried every DOOR_RETRY_MS (door_tick), and the state says locked
 * regardless; door_relay_on() stays true until a release has worked. */
static void
door_release(struct door *d, int64_t now)
{
	if (doorio_set_relay(d->io, false) == -1) {
		if (!d->release_pending)
			log_warn("door %s: cannot release the strike, retrying", d->conf->name);
		d->release_pending = true;
		d->release_retry = now + DOOR_RETRY_MS;
	} else {
		if (d->release_pending)
			log_warnx("door %s: strike released after a retry", d->conf->name);
		d->release_pending = false;
	}
	d->relay_on = false;
	d->relay_until = 0;
	d->held = false;
	d->hold_until = 0;
}

struct door *
door_new(const struct door_conf *conf, int index, const struct door_hooks *hooks,
    char *err, size_t errlen)
{
	struct door *d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "door %s: out of memory", conf->name);
		return NULL;
	}
	d->conf = conf;
	d->index = index;
	d->hooks = *hooks;
	if ((d->io = doorio_open(conf, err, errlen)) == NULL) {
		free(d);
		return NULL;
	}
	d->state = DOOR_LOCKED;
	d->contact = d->raw_contact = doorio_contact(d->io);
	d->last_exit = INT64_MIN / 2;
	return d;
}

void
door_free(struct door *d)
{
	if (d == NULL)
		return;
	doorio_close(d->io);	/* drives locked, then releases */
	free(d);
}

int
door_unlock(struct door *d, int64_t ms, int64_t now)
{
	if (ms > CONFIG_UNLOCK_CAP_MS)
		ms = CONFIG_UNLOCK_CAP_MS;
	if (ms < 1)
		ms = 1;
	if (doorio_set_relay(d->io, true) == -1) {
		log_warn("door %s: cannot energise the strike", d->conf->name);
		door_release(d, now);
		return -1;
	}
	d->release_pending = false;
	d->relay_on = true;
	/* A pulse never shortens a hold in force, nor the pulse before. */
	if (now + ms > d->relay_until)
		d->relay_until = now + ms;
	if (d->relay_until + DOOR_GRACE_MS > d->authorised_until)
		d->authorised_until = d->relay_until + DOOR_GRACE_MS;
	if (d->contact != 1)
		door_set_state(d, DOOR_UNLOCKED);
	return 0;
}

int
door_hold(struct door *d, int64_t until, int64_t now)
{
	if (!d->conf->continuous_duty || until <= now)
		return -1;
	if (until > now + DOOR_HOLD_MAX_MS)
		until = now + DOOR_HOLD_MAX_MS;
	if (!d->held || !d->relay_on) {
		if (doorio_set_relay(d->io, true) == -1) {
			log_warn("door %s: cannot energise the strike", d->conf->name);
			door_release(d, now);
			if (d->contact != 1)
				door_set_state(d, DOOR_LOCKED);
			return -1;
		}
		d->release_pending = false;
		d->relay_on = true;
		d->held = true;
	}
	d->hold_until = until;
	if (d->relay_until < until)
		d->relay_until = until;
	if (d->authorised_until < until + DOOR_GRACE_MS)
		d->authorised_until = until + DOOR_GRACE_MS;
	if (d->contact != 1)
		door_set_state(d, DOOR_UNLOCKED);
	return 0;
}

bool
door_held(const struct door *d)
{
	return d->held;
}

void
door_lock(struct door *d, int64_t now)
{
	door_release(d, now);
	d->authorised_until = now;
	if (d->contact != 1)
		door_set_state(d, DOOR_LOCKED);
}

static void
door_contact_changed(struct door *d, int open, int64_t now)
{
	int was = d->contact;

	d->contact = open;
	if (open == 1 && was != 1) {
		d->opened_at = now;
		d->held_reported = false;
		if (d->relay_on || now < d->authorised_until) {
			door_event(d, "door_open", NULL);
			door_set_state(d, DOOR_OPEN);
		} else {
			door_event(d, "door_forced_open", NULL);
			door_set_state(d, DOOR_FORCED_OPEN);
		}
	} else if (open == 0 && was == 1) {
		door_event(d, "door_closed", NULL);
		/* Relock at once: the rest of the pulse would let a second
		 * person in behind the first.  Not a door held for office
		 * hours: it is meant to let people in. */
		if (d->held) {
			door_set_state(d, DOOR_UNLOCKED);
			return;
		}
		if (d->relay_on)
			door_release(d, now);
		d->authorised_until = 0;
		door_set_state(d, DOOR_LOCKED);
	}
}

void
door_input(struct door *d, int fd, int64_t now)
{
	struct doorio_input in[16];
	int n = doorio_read(d->io, fd, in, 16);

	if (n == -1) {
		log_warn("door %s: reading inputs", d->conf->name);
		return;
	}
	for (int i = 0; i < n; i++) {
		switch (in[i].type) {
		case DOORIO_CONTACT_OPEN:
		case DOORIO_CONTACT_CLOSED:
			/* Debounce: a level counts once it has lasted
			 * DOOR_DEBOUNCE_MS (door_tick accepts it). */
			d->raw_contact = in[i].type == DOORIO_CONTACT_OPEN;
			d->raw_since = now;
			break;
		case DOORIO_EXIT_PRESSED:
			if (now - d->last_exit < DOOR_DEBOUNCE_MS)
				break;
			d->last_exit = now;
			door_event(d, "exit_request", NULL);
			door_unlock(d, d->conf->unlock_ms, now);
			break;
		case DOORIO_EXIT_RELEASED:
			break;
		}
	}
	door_tick(d, now);
}

void
door_tick(struct door *d, int64_t now)
{
	if (d->release_pending && now >= d->release_retry)
		door_release(d, now);

	if (d->raw_contact != d->contact && d->raw_contact != -1 &&
	    now - d->raw_since >= DOOR_DEBOUNCE_MS)
		door_contact_changed(d, d->raw_contact, now);

	if (d->held && now >= d->hold_until) {
		/* Nobody re-armed the hold: it ends like a pulse. */
		d->held = false;
		log_warnx("door %s: office hours' hold not renewed, relocking", d->conf->name);
	}
	if (d->relay_on && now >= d->relay_until) {
		door_release(d, now);
		if (d->contact != 1)
			door_set_state(d, DOOR_LOCKED);
	}

	if (d->contact == 1 && !d->held_reported && d->state != DOOR_FORCED_OPEN &&
	    now - d->opened_at >= d->conf->held_open_ms) {
		d->held_reported = true;
		door_event(d, "door_held_open", NULL);
		door_set_state(d, DOOR_HELD_OPEN);
	}
}

int64_t
door_deadline(const struct door *d)
{
	int64_t next = INT64_MAX;

	if (d->raw_contact != d->contact && d->raw_contact != -1)
		next = d->raw_since + DOOR_DEBOUNCE_MS;
	if (d->relay_on && d->relay_until < next)
		next = d->relay_until;
	if (d->held && d->hold_until < next)
		next = d->hold_until;
	if (d->release_pending && d->release_retry < next)
		next = d->release_retry;
	if (d->contact == 1 && !d->held_reported && d->state != DOOR_FORCED_OPEN &&
	    d->opened_at + d->conf->held_open_ms < next)
		next = d->opened_at + d->conf->held_open_ms;
	return next;
}

int
door_pollfds(struct door *d, int fds[DOORIO_MAX_FDS])
{
	return doorio_pollfds(d->io, fds);
}

enum door_state
door_get_state(const struct door *d)
{
	return d->state;
}

bool
door_relay_on(const struct door *d)
{
	return d->relay_on || d->release_pending;
}

int
door_contact(const struct door *d)
{
	return d->contact;
}

const struct door_conf *
door_conf(const struct door *d)
{
	return d->conf;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Who is here (docs/design.md, Presence).  The store's open visits are the
 * truth; this module keeps them in memory for the badge path and MQTT, and
 * applies the rules: arrival and departure on in/out/toggle readers, expiry
 * after expire_after without a badge, everyone leaves at day_ends_at,
 * manual checkout.  Times are UTC ms (wall clock) because visits are about
 * the day, not about door timing.  A guest is here as minus the guest's id
 * wherever a member id goes (struct visit_row says the same).
 *
 * Visits are written by the writer (writer.h), off the loop: an arrival is
 * in memory as soon as it is asked for (so a second tap finds it) and
 * leaves memory if the store refuses it; a departure leaves memory once it
 * is committed.  The changed hook runs when the store agrees.
 */
#ifndef SEUIL_PRESENCE_H
#define SEUIL_PRESENCE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "store.h"
#include "writer.h"

struct presence_hooks {
	/* Stamp and append an event to st (the daemon's single event path),
	 * on the writer thread inside the visit's transaction; returns its
	 * seq or -1. */
	int64_t	(*event)(void *arg, struct store *st, struct event *ev);
	/* Presence changed (for MQTT and status). */
	void	(*changed)(void *arg);
	/* A presence_checkout with client != -1 is committed (ok) or not. */
	void	(*checked_out)(void *arg, int client, bool ok);
	void	*arg;
};

enum presence_state {
	PRESENCE_OPENING,	/* arrival submitted, not yet committed */
	PRESENCE_HERE,
	PRESENCE_LEAVING,	/* departure submitted, not yet committed */
};

/* Why a visit ended; presence_reason_name gives the word the store and
 * the event log have ("badge_out", ...). */
enum presence_reason {
	PRESENCE_STAYS,		/* no departure asked */
	PRESENCE_BADGE_OUT,
	PRESENCE_TOGGLE,
	PRESENCE_MANUAL,
	PRESENCE_TIMEOUT,
	PRESENCE_DAY_END,
	PRESENCE_PASS_END,	/* a guest's pass ended */
};

/* One present member.  Compact (bench: rss_peak_kib): a burst brings
 * thousands of members in, and each is one of these. */
struct presence_entry {
	int64_t	member_id;
	int64_t	visit_id;	/* 0 while opening */
	int64_t	arrived_ms;
	int64_t	last_seen_ms;
	int64_t	leave_ms;	/* a departure asked while opening: left_ms */
	/* tz_next_day_end(last_seen_ms) as last computed (0: not yet, or
	 * last_seen_ms has changed since), for day_end_min: the loop asks
	 * for every entry's deadline at every turn, and the time zone
	 * conversion was most of its work (bench: badge path). */
	int64_t	day_end_ms;
	int16_t	day_end_min;
	uint16_t door;		/* presence_door_name: the door of arrival */
	uint8_t	state;		/* enum presence_state */
	uint8_t	leave_reason;	/* enum presence_reason, with leave_ms */
};

struct presence;

/* conf, st (read only: presence_load) and w (every write) must outlive the
 * presence (see presence_set_config). */
struct presence *presence_new(const struct config *conf, struct store *st, struct writer *w,
    const struct presence_hooks *hooks);
void presence_free(struct presence *p);
void presence_set_config(struct presence *p, const struct config *conf);

/* Rebuild from the store's open visits, applying expiries that fell due
 * while the daemon was down.  0 or -1 (store error, in store_errmsg). */
int presence_load(struct presence *p, int64_t now_ms);

/* A granted tap of member at door (by a reader of direction dir). */
void presence_grant(struct presence *p, int64_t member_id, const char *door,
    enum reader_direction dir, int64_t now_ms, int64_t now_mono_ms);
/* End member's visit now, reason manual, the departure event naming actor
 * (who asked: "uid:N(name)", "web:NAME via ...").  1 if present (the
 * departure is submitted; hooks.checked_out tells client when it is
 * committed), 0 if not, -1 if it cannot be submitted now. */
int presence_checkout(struct presence *p, int64_t member_id, int64_t now_ms, int client,
    const char *actor);

/* End member_id's visit now for reason (a guest's pass end): as
 * presence_checkout. */
int presence_end(struct presence *p, int64_t member_id, enum presence_reason reason,
    int64_t now_ms, int client, const char *actor);

/* Apply expiries and the day end due at now_ms. */
void presence_tick(struct presence *p, int64_t now_ms);
/* UTC ms of the next expiry or day end, or INT64_MAX. */
int64_t presence_deadline(const struct presence *p);

int presence_count(const struct presence *p);
const struct presence_entry *presence_get(const struct presence *p, int i);
/* The name of the door e arrived at, as it was then: the presence keeps
 * its own copy, so a reload that renames or removes the door changes
 * nothing for a member already in (the departure names the same door). */
const char *presence_door_name(const struct presence *p, const struct presence_entry *e);
const char *presence_reason_name(enum presence_reason r);
bool presence_is_present(const struct presence *p, int64_t member_id);

#endif

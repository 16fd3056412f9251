/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "presence.h"
#include "tz.h"

#define TOGGLE_RECENT	64
#define RETRY_MS	5000	/* a departure the store refused is retried this late */

/* 128 bytes before (names and reasons as strings, enums as int); the
 * bench's burst brings 10,000 members in. */
static_assert(sizeof(struct presence_entry) <= 56, "presence_entry is not compact");

/* The door names present members arrived at, owned here (entries hold an
 * index): a name stays as long as one entry uses it, whatever the config
 * says now.  A slot nobody uses is taken again. */
struct presence_door {
	char	name[CONFIG_NAME_MAX + 1];
	int	refs;
};

struct presence {
	const struct config *conf;
	struct store	*st;
	struct writer	*w;
	struct presence_hooks hooks;
	struct presence_entry *people;
	int		count;
	int		cap;
	struct presence_door *doors;
	int		ndoors;
	int64_t		retry_at;	/* UTC ms: no expiry before this after a failure */
	/* Last toggle tap per member, kept after departure too, so that the
	 * guard also holds for "leave then immediately re-enter". */
	struct { int64_t member_id, mono_ms; } recent[TOGGLE_RECENT];
	int		recent_next;
};

/* A visit write, as data for the writer. */
enum visit_op { VISIT_OPEN, VISIT_CLOSE, VISIT_SEEN };
struct visit_job {
	enum visit_op	op;
	int64_t		member_id;
	int64_t		visit_id;	/* close, seen; open: the new id */
	int64_t		ts_ms;		/* arrived, left or seen */
	int64_t		now_ms;		/* when it was asked */
	char		door[CONFIG_NAME_MAX + 1];
	enum presence_reason reason;	/* close */
	int		client;		/* close: a checkout waiting, or -1 */
	char		actor[160];	/* close: who checked the member out, or "" */
};

struct presence *
presence_new(const struct config *conf, struct store *st, struct writer *w,
    const struct presence_hooks *hooks)
{
	struct presence *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->conf = conf;
	p->st = st;
	p->w = w;
	p->hooks = *hooks;
	return p;
}

void
presence_free(struct presence *p)
{
	if (p == NULL)
		return;
	free(p->people);
	free(p->doors);
	free(p);
}

void
presence_set_config(struct presence *p, const struct config *conf)
{
	p->conf = conf;
	/* The time zone may have changed too: every day end again.  The
	 * doors' names are the presence's own: a door renamed or removed
	 * stays the door a member present arrived at. */
	for (int i = 0; i < p->count; i++)
		p->people[i].day_end_ms = 0;
}

/* The member's visit that is not on its way out. */
static int
presence_find(const struct presence *p, int64_t member_id)
{
	for (int i = 0; i < p->count; i++)
		if (p->people[i].member_id == member_id && p->people[i].state != PRESENCE_LEAVING)
			return i;
	return -1;
}

static int
presence_find_state(const struct presence *p, int64_t member_id, int64_t visit_id,
    enum presence_state state)
{
	for (int i = 0; i < p->count; i++)
		if (p->people[i].member_id == member_id && p->people[i].state == state &&
		    (visit_id == 0 || p->people[i].visit_id == visit_id))
			return i;
	return -1;
}

bool
presence_is_present(const struct presence *p, int64_t member_id)
{
	return presence_find(p, member_id) != -1;
}

const char *
presence_reason_name(enum presence_reason r)
{
	switch (r) {
	case PRESENCE_STAYS:		break;
	case PRESENCE_BADGE_OUT:	return "badge_out";
	case PRESENCE_TOGGLE:		return "toggle";
	case PRESENCE_MANUAL:		return "manual";
	case PRESENCE_TIMEOUT:		return "timeout";
	case PRESENCE_DAY_END:		return "day_end";
	case PRESENCE_PASS_END:		return "pass_end";
	}
	return "";
}

/* The index of door name, taking a reference; -1 if out of memory. */
static int
presence_door_ref(struct presence *p, const char *name)
{
	int i, free_slot = -1;

	for (i = 0; i < p->ndoors; i++) {
		if (p->doors[i].refs == 0) {
			if (free_slot == -1)
				free_slot = i;
		} else if (strcmp(p->doors[i].name, name) == 0) {
			p->doors[i].refs++;
			return i;
		}
	}
	if (free_slot == -1) {
		struct presence_door *n;

		if (p->ndoors > UINT16_MAX ||
		    (n = realloc(p->doors, (size_t)(p->ndoors + 1) * sizeof(*n))) == NULL)
			return -1;
		p->doors = n;
		free_slot = p->ndoors++;
	}
	snprintf(p->doors[free_slot].name, sizeof(p->doors[free_slot].name), "%s", name);
	p->doors[free_slot].refs = 1;
	return free_slot;
}

const char *
presence_door_name(const struct presence *p, const struct presence_entry *e)
{
	return p->doors[e->door].name;
}

/* Append e, at door. */
static int
presence_append(struct presence *p, struct presence_entry *e, const char *door)
{
	int di;

	if (p->count == p->cap) {
		int ncap = p->cap ? p->cap * 2 : 32;
		struct presence_entry *n = realloc(p->people, (size_t)ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		p->people = n;
		p->cap = ncap;
	}
	if ((di = presence_door_ref(p, door)) == -1)
		return -1;
	e->door = (uint16_t)di;
	p->people[p->count++] = *e;
	return 0;
}

static void
presence_remove(struct presence *p, int i)
{
	p->doors[p->people[i].door].refs--;
	p->people[i] = p->people[--p->count];
}

/* Why a visit could not be written: the store's error, or else the event
 * path's (which logs its own details). */
static const char *
presence_why(const struct writer_job *j)
{
	return j->rc == WRITER_EXPIRED ? "the store is unavailable" :
	    j->err[0] != '\0' ? j->err : "its event could not be stored";
}

/* An arrival or a departure.  A guest's (member_id < 0, minus the guest's
 * id) names the guest and the sponsor who vouched, read in the same
 * transaction; a guest erased meanwhile (a replica's copy lost the pass
 * before the guest left) is named no more. */
static int
presence_emit(struct presence *p, struct store *st, const char *type, int64_t member_id,
    const char *door, const char *reason, const char *actor)
{
	struct event ev = {
		.type = type, .door = door, .member_id = member_id > 0 ? member_id : 0,
		.reason = reason, .actor = actor != NULL && *actor != '\0' ? actor : NULL,
	};
	struct guest_row g;

	if (member_id < 0 && store_guest_get(st, -member_id, &g) == 1) {
		ev.guest_id = -member_id;
		ev.via = g.sponsor_id;
	}
	return p->hooks.event(p->hooks.arg, st, &ev) == -1 ? -1 : 0;
}

/* Writer thread.  A visit and its event commit in one transaction, so the
 * log and the visits never disagree. */
static int
presence_run(struct writer_job *j, struct store *st)
{
	struct presence *p = j->arg;
	struct visit_job *v = writer_job_data(j);

	if (v->op == VISIT_SEEN)
		return store_visit_seen(st, v->visit_id, v->ts_ms);
	if (store_begin(st) == -1)
		return -1;
	if (v->op == VISIT_OPEN) {
		if ((v->visit_id = store_visit_open(st, v->member_id, v->door, v->ts_ms)) == -1 ||
		    presence_emit(p, st, "arrival", v->member_id, v->door, NULL, NULL) == -1)
			goto fail;
	} else {
		const char *reason = presence_reason_name(v->reason);

		if (store_visit_close(st, v->visit_id, v->ts_ms, reason) == -1 ||
		    presence_emit(p, st, "departure", v->member_id, v->door, reason,
		    v->actor) == -1)
			goto fail;
	}
	return store_commit(st);	/* a failed commit rolls back */
fail:
	store_rollback(st);
	return -1;
}

static int presence_leave(struct presence *p, int i, int64_t left_ms, const char *actor,
    enum presence_reason reason, int64_t now_ms, int client);

static int
presence_submit(struct presence *p, const struct visit_job *v);

/* Loop thread: the store has answered. */
static void
presence_done(struct writer_job *j)
{
	struct presence *p = j->arg;
	struct visit_job *v = writer_job_data(j);
	int i;

	switch (v->op) {
	case VISIT_SEEN:
		if (j->rc != 0)
			log_warnx("presence: cannot refresh a visit: %s", presence_why(j));
		return;
	case VISIT_OPEN:
		if ((i = presence_find_state(p, v->member_id, 0, PRESENCE_OPENING)) == -1)
			return;
		if (j->rc != 0) {
			log_warnx("presence: cannot open a visit for member %lld: %s",
			    (long long)v->member_id, presence_why(j));
			presence_remove(p, i);
			return;
		}
		p->people[i].visit_id = v->visit_id;
		p->people[i].state = PRESENCE_HERE;
		if (p->people[i].leave_reason != PRESENCE_STAYS) {
			/* A departure came while the arrival was on its way. */
			presence_leave(p, i, p->people[i].leave_ms, NULL, p->people[i].leave_reason,
			    v->now_ms, -1);
		} else if (p->people[i].last_seen_ms > v->ts_ms) {
			struct visit_job seen = { .op = VISIT_SEEN, .member_id = v->member_id,
			    .visit_id = v->visit_id, .ts_ms = p->people[i].last_seen_ms };

			presence_submit(p, &seen);
		}
		break;
	case VISIT_CLOSE:
		if (v->client != -1 && p->hooks.checked_out)
			p->hooks.checked_out(p->hooks.arg, v->client, j->rc == 0);
		if ((i = presence_find_state(p, v->member_id, v->visit_id, PRESENCE_LEAVING)) == -1)
			return;
		if (j->rc != 0) {
			log_warnx("presence: cannot close visit %lld: %s", (long long)v->visit_id,
			    presence_why(j));
			p->people[i].state = PRESENCE_HERE;
			/* The store refuses (disk full?): expiries try again
			 * later rather than at every turn of the loop. */
			p->retry_at = v->now_ms + RETRY_MS;
			return;
		}
		presence_remove(p, i);
		break;
	}
	if (p->hooks.changed)
		p->hooks.changed(p->hooks.arg);
}

static int
presence_submit(struct presence *p, const struct visit_job *v)
{
	if (writer_submit(p->w, presence_run, presence_done, p, 0, 0, v, sizeof(*v)) == -1) {
		log_warnx("presence: cannot write a visit: the writer's queue is full");
		return -1;
	}
	return 0;
}

/* End visit i: it leaves memory once the departure is committed. */
static int
presence_leave(struct presence *p, int i, int64_t left_ms, const char *actor,
    enum presence_reason reason, int64_t now_ms, int client)
{
	struct presence_entry *e = &p->people[i];
	struct visit_job v = { .op = VISIT_CLOSE, .member_id = e->member_id,
	    .visit_id = e->visit_id, .ts_ms = left_ms, .now_ms = now_ms, .client = client };

	if (e->state == PRESENCE_OPENING) {
		if (client != -1)
			return -1;	/* a checkout while arriving: asked again soon */
		e->leave_ms = left_ms;
		e->leave_reason = (uint8_t)reason;
		return 0;
	}
	snprintf(v.door, sizeof(v.door), "%s", presence_door_name(p, e));
	snprintf(v.actor, sizeof(v.actor), "%s", actor != NULL ? actor : "");
	v.reason = reason;
	e->state = PRESENCE_LEAVING;
	if (presence_submit(p, &v) == -1) {
		/* i may have moved if done ran inline; find it again */
		if ((i = presence_find_state(p, v.member_id, v.visit_id, PRESENCE_LEAVING)) != -1)
			p->people[i].state = PRESENCE_HERE;
		p->retry_at = now_ms + RETRY_MS;
		return -1;
	}
	return 0;
}

static int
presence_arrive(struct presence *p, int64_t member_id, const char *door, int64_t now_ms)
{
	struct presence_entry e = { .member_id = member_id, .arrived_ms = now_ms,
	    .last_seen_ms = now_ms, .state = PRESENCE_OPENING };
	struct visit_job v = { .op = VISIT_OPEN, .member_id = member_id, .ts_ms = now_ms,
	    .now_ms = now_ms };
	int i;

	snprintf(v.door, sizeof(v.door), "%s", door);
	if (presence_append(p, &e, door) == -1) {
		log_warnx("presence: out of memory");
		return -1;
	}
	if (presence_submit(p, &v) == -1) {
		if ((i = presence_find_state(p, member_id, 0, PRESENCE_OPENING)) != -1)
			presence_remove(p, i);
		return -1;
	}
	return 0;
}

static bool
presence_toggle_guarded(struct presence *p, int64_t member_id, int64_t now_mono)
{
	for (int i = 0; i < TOGGLE_RECENT; i++) {
		if (p->recent[i].member_id != member_id)
			continue;
		if (now_mono - p->recent[i].mono_ms < p->conf->toggle_guard_ms)
			return true;
		p->recent[i].mono_ms = now_mono;
		return false;
	}
	p->recent[p->recent_next].member_id = member_id;
	p->recent[p->recent_next].mono_ms = now_mono;
	p->recent_next = (p->recent_next + 1) % TOGGLE_RECENT;
	return false;
}

void
presence_grant(struct presence *p, int64_t member_id, const char *door,
    enum reader_direction dir, int64_t now_ms, int64_t now_mono)
{
	int i = presence_find(p, member_id);

	switch (dir) {
	case DIRECTION_IN:
		break;
	case DIRECTION_OUT:
		if (i != -1)
			presence_leave(p, i, now_ms, NULL, PRESENCE_BADGE_OUT, now_ms, -1);
		return;
	case DIRECTION_TOGGLE:
		if (presence_toggle_guarded(p, member_id, now_mono))
			return;
		if (i != -1) {
			presence_leave(p, i, now_ms, NULL, PRESENCE_TOGGLE, now_ms, -1);
			return;
		}
		break;
	}
	if (i == -1) {
		presence_arrive(p, member_id, door, now_ms);
		return;
	}
	p->people[i].last_seen_ms = now_ms;
	p->people[i].day_end_ms = 0;		/* again, from now_ms */
	if (p->people[i].state == PRESENCE_HERE) {	/* else written once it opens */
		struct visit_job v = { .op = VISIT_SEEN, .member_id = member_id,
		    .visit_id = p->people[i].visit_id, .ts_ms = now_ms, .now_ms = now_ms };

		presence_submit(p, &v);
	}
}

int
presence_checkout(struct presence *p, int64_t member_id, int64_t now_ms, int client,
    const char *actor)
{
	return presence_end(p, member_id, PRESENCE_MANUAL, now_ms, client, actor);
}

int
presence_end(struct presence *p, int64_t member_id, enum presence_reason reason, int64_t now_ms,
    int client, const char *actor)
{
	int i = presence_find(p, member_id);

	if (i == -1)
		return 0;
	return presence_leave(p, i, now_ms, actor, reason, now_ms, client) == -1 ? -1 : 1;
}

/* When visit e ends on its own: whichever comes first of expire_after
 * since the last badge (left at that badge) and the first day end after
 * the last badge (left at the day end). */
static void
presence_due(const struct presence *p, struct presence_entry *e,
    int64_t *at, int64_t *left, enum presence_reason *reason)
{
	int64_t timeout = e->last_seen_ms + p->conf->expire_after_ms;
	int64_t day_end;

	if (e->day_end_ms == 0 || e->day_end_min != p->conf->day_ends_at_min) {
		e->day_end_ms = tz_next_day_end(e->last_seen_ms, p->conf->day_ends_at_min);
		e->day_end_min = (int16_t)p->conf->day_ends_at_min;
	}
	day_end = e->day_end_ms;

	if (day_end <= timeout) {
		*at = *left = day_end;
		*reason = PRESENCE_DAY_END;
	} else {
		*at = timeout;
		*left = e->last_seen_ms;
		*reason = PRESENCE_TIMEOUT;
	}
}

void
presence_tick(struct presence *p, int64_t now_ms)
{
	for (int i = 0; i < p->count;) {
		int64_t at, left;
		enum presence_reason reason;

		if (now_ms < p->retry_at)
			return;		/* a departure failed lately */
		if (p->people[i].state != PRESENCE_HERE) {
			i++;
			continue;
		}
		presence_due(p, &p->people[i], &at, &left, &reason);
		if (at > now_ms) {
			i++;
			continue;
		}
		if (presence_leave(p, i, left, NULL, reason, now_ms, -1) == -1)
			return;		/* retried at retry_at */
		/* entry i is leaving, or (inline writer) was replaced by the
		 * last one: look at it again */
	}
}

int64_t
presence_deadline(const struct presence *p)
{
	int64_t next = INT64_MAX;

	for (int i = 0; i < p->count; i++) {
		int64_t at, left;
		enum presence_reason reason;

		if (p->people[i].state != PRESENCE_HERE)
			continue;
		presence_due(p, &p->people[i], &at, &left, &reason);
		if (at < next)
			next = at;
	}
	return next < p->retry_at ? p->retry_at : next;
}

static int
presence_load_one(const struct visit_row *v, void *arg)
{
	struct presence *p = arg;
	struct presence_entry e = { .member_id = v->member_id, .visit_id = v->id,
	    .arrived_ms = v->arrived_ms, .last_seen_ms = v->last_seen_ms,
	    .state = PRESENCE_HERE };

	if (e.last_seen_ms < e.arrived_ms)
		e.last_seen_ms = e.arrived_ms;
	return presence_append(p, &e, v->door);
}

int
presence_load(struct presence *p, int64_t now_ms)
{
	while (p->count > 0)
		presence_remove(p, p->count - 1);
	if (store_visits_open(p->st, presence_load_one, p) == -1)
		return -1;
	presence_tick(p, now_ms);
	return 0;
}

int
presence_count(const struct presence *p)
{
	return p->count;
}

const struct presence_entry *
presence_get(const struct presence *p, int i)
{
	return i >= 0 && i < p->count ? &p->people[i] : NULL;
}

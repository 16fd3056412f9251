#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "presence.h"
#include "tz.h"

#define TOGGLE_RECENT	64
#define RETRY_MS	5000	/* a departure the store refused is retried this late */

struct presence {
	const struct config *conf;
	struct store	*st;
	struct presence_hooks hooks;
	struct presence_entry *people;
	int		count;
	int		cap;
	int64_t		retry_at;	/* UTC ms: no expiry before this after a failure */
	/* Last toggle tap per member, kept after departure too, so that the
	 * guard also holds for "leave then immediately re-enter". */
	struct { int64_t member_id, mono_ms; } recent[TOGGLE_RECENT];
	int		recent_next;
};

struct presence *
presence_new(const struct config *conf, struct store *st, const struct presence_hooks *hooks)
{
	struct presence *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->conf = conf;
	p->st = st;
	p->hooks = *hooks;
	return p;
}

void
presence_free(struct presence *p)
{
	if (p == NULL)
		return;
	free(p->people);
	free(p);
}

void
presence_set_config(struct presence *p, const struct config *conf)
{
	p->conf = conf;
}

static int
presence_find(const struct presence *p, int64_t member_id)
{
	for (int i = 0; i < p->count; i++)
		if (p->people[i].member_id == member_id)
			return i;
	return -1;
}

bool
presence_is_present(const struct presence *p, int64_t member_id)
{
	return presence_find(p, member_id) != -1;
}

static int
presence_append(struct presence *p, const struct presence_entry *e)
{
	if (p->count == p->cap) {
		int ncap = p->cap ? p->cap * 2 : 32;
		struct presence_entry *n = realloc(p->people, (size_t)ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		p->people = n;
		p->cap = ncap;
	}
	p->people[p->count++] = *e;
	return 0;
}

/* Why a visit could not be written: the store's error, or else the event
 * path's (which logs its own details). */
static const char *
presence_why(const struct presence *p)
{
	const char *msg = store_errmsg(p->st);

	return msg != NULL && msg[0] != '\0' ? msg : "its event could not be stored";
}

static int
presence_emit(struct presence *p, const char *type, int64_t member_id, const char *door,
    const char *reason)
{
	struct event ev = {
		.type = type, .door = door, .member_id = member_id, .reason = reason,
	};

	return p->hooks.event(p->hooks.arg, &ev) == -1 ? -1 : 0;
}

/* Close visit i and drop it from memory.  The visit and its event commit in
 * one transaction, so the log and the visits never disagree. */
static int
presence_leave(struct presence *p, int i, int64_t left_ms, const char *reason)
{
	struct presence_entry e = p->people[i];

	if (store_begin(p->st) == -1)
		goto fail;
	if (store_visit_close(p->st, e.visit_id, left_ms, reason) == -1 ||
	    presence_emit(p, "departure", e.member_id, e.door, reason) == -1 ||
	    store_commit(p->st) == -1) {
		store_rollback(p->st);
		goto fail;
	}
	p->people[i] = p->people[--p->count];
	if (p->hooks.changed)
		p->hooks.changed(p->hooks.arg);
	return 0;
fail:
	log_warnx("presence: cannot close visit %lld: %s", (long long)e.visit_id,
	    presence_why(p));
	return -1;
}

static int
presence_arrive(struct presence *p, int64_t member_id, const char *door, int64_t now_ms)
{
	struct presence_entry e = { .member_id = member_id, .arrived_ms = now_ms,
	    .last_seen_ms = now_ms };

	snprintf(e.door, sizeof(e.door), "%s", door);
	if (store_begin(p->st) == -1)
		goto fail;
	if ((e.visit_id = store_visit_open(p->st, member_id, door, now_ms)) == -1 ||
	    presence_emit(p, "arrival", member_id, door, NULL) == -1 ||
	    store_commit(p->st) == -1) {
		store_rollback(p->st);
		goto fail;
	}
	if (presence_append(p, &e) == -1)
		goto fail;
	if (p->hooks.changed)
		p->hooks.changed(p->hooks.arg);
	return 0;
fail:
	log_warnx("presence: cannot open a visit for member %lld: %s", (long long)member_id,
	    presence_why(p));
	return -1;
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
			presence_leave(p, i, now_ms, "badge_out");
		return;
	case DIRECTION_TOGGLE:
		if (presence_toggle_guarded(p, member_id, now_mono))
			return;
		if (i != -1) {
			presence_leave(p, i, now_ms, "toggle");
			return;
		}
		break;
	}
	if (i == -1) {
		presence_arrive(p, member_id, door, now_ms);
		return;
	}
	if (store_visit_seen(p->st, p->people[i].visit_id, now_ms) == -1)
		log_warnx("presence: cannot refresh a visit: %s", store_errmsg(p->st));
	p->people[i].last_seen_ms = now_ms;
}

int
presence_checkout(struct presence *p, int64_t member_id, int64_t now_ms)
{
	int i = presence_find(p, member_id);

	if (i == -1)
		return 0;
	return presence_leave(p, i, now_ms, "manual") == -1 ? -1 : 1;
}

/* When visit e ends on its own: whichever comes first of expire_after
 * since the last badge (left at that badge) and the first day end after
 * the last badge (left at the day end). */
static void
presence_due(const struct presence *p, const struct presence_entry *e,
    int64_t *at, int64_t *left, const char **reason)
{
	int64_t timeout = e->last_seen_ms + p->conf->expire_after_ms;
	int64_t day_end = tz_next_day_end(e->last_seen_ms, p->conf->day_ends_at_min);

	if (day_end <= timeout) {
		*at = *left = day_end;
		*reason = "day_end";
	} else {
		*at = timeout;
		*left = e->last_seen_ms;
		*reason = "timeout";
	}
}

void
presence_tick(struct presence *p, int64_t now_ms)
{
	if (now_ms < p->retry_at)
		return;
	for (int i = 0; i < p->count;) {
		int64_t at, left;
		const char *reason;

		presence_due(p, &p->people[i], &at, &left, &reason);
		if (at > now_ms) {
			i++;
			continue;
		}
		if (presence_leave(p, i, left, reason) == -1) {
			/* The store refuses (disk full?): try again later rather
			 * than at every turn of the loop. */
			p->retry_at = now_ms + RETRY_MS;
			return;
		}
		/* entry i was replaced by the last one: look at it again */
	}
}

int64_t
presence_deadline(const struct presence *p)
{
	int64_t next = INT64_MAX;

	for (int i = 0; i < p->count; i++) {
		int64_t at, left;
		const char *reason;

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
	    .arrived_ms = v->arrived_ms, .last_seen_ms = v->last_seen_ms };

	snprintf(e.door, sizeof(e.door), "%s", v->door);
	if (e.last_seen_ms < e.arrived_ms)
		e.last_seen_ms = e.arrived_ms;
	return presence_append(p, &e);
}

int
presence_load(struct presence *p, int64_t now_ms)
{
	p->count = 0;
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

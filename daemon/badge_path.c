/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The badge path: UID in, relay out; and enrolment by tap. */
#include <string.h>

#include "daemon.h"
#include "guest.h"
#include "member_web.h"

/* ---- the badge path: UID in, relay out ---- */

static void daemon_invite_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN]);

static void
daemon_enrol_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN], const char *hint);

/* A tap on its way to the writer and back. */
struct tap_job {
	int64_t		t0_ns;		/* UID received */
	int64_t		now_ms;		/* wall, for the decision and the event */
	int64_t		now_mono;
	bool		synced;
	bool		locked_out;
	bool		enrol;		/* an enrolment waits: hint is set */
	uint8_t		mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	char		reader[CONFIG_NAME_MAX + 1];
	char		door[CONFIG_NAME_MAX + 1];
	/* The writer's answer. */
	bool		decided;
	bool		found;
	enum access_reason reason;
	int64_t		member_id;
	int64_t		badge_id;
	bool		first_in;	/* a member of the door's first_in group */
};

/* Whether groups hold the door's first_in group (office hours). */
static bool
in_first_in(const struct config *conf, const char *door, const struct access_groups *g)
{
	int di = config_door_index(conf, door);

	if (di == -1 || conf->doors[di].first_in[0] == '\0')
		return false;
	for (int i = 0; i < g->ngroups; i++)
		if (strcmp(g->groups[i].name, conf->doors[di].first_in) == 0)
			return true;
	return false;
}

/*
 * Writer thread.  Why this order: the decision uses only the MAC (the
 * reader supervisor wipes the raw UID as soon as daemon_tap returns).  The
 * lookup, the decision and the event share one write transaction, so a
 * revoke or disable that seuilctl commits meanwhile is either seen or waits
 * until the event is written: never a decision on stale rows.  The decision
 * is built by decision_input, as `seuilctl explain` builds it.  A grant is
 * committed durably before the loop moves the relay (tap_done), so every
 * pulse has its event; anything that fails on the way is a denial.
 */
static int
tap_run(struct writer_job *j, struct store *st)
{
	struct daemon *d = j->arg;
	struct tap_job *t = writer_job_data(j);
	struct event ev = { .door = t->door, .reader = t->reader, .ts_ms = t->now_ms,
	    .mono_ms = t->now_mono, .clock_synced = t->synced };
	struct decision_rows rows;
	struct access_input in;
	char detail[96];
	int rc = 0;

	if (store_begin(st) == -1)
		return -1;
	if (t->locked_out)
		memset(&rows, 0, sizeof(rows));
	else if ((rc = decision_rows_load(st, t->mac, &rows)) == -1)
		goto fail;
	t->found = rc == 1;
	writer_lock(d->writer);
	decision_input_rows(&in, d->wconf, t->found ? &rows : NULL, t->now_ms, t->synced,
	    t->locked_out);
	/* A guest has the sponsor's groups, never the sponsor's office hours. */
	t->first_in = t->found && !rows.loaner && in_first_in(d->wconf, t->door, &rows.groups);
	writer_unlock(d->writer);
	t->reason = access_decide(&in);
	t->decided = true;
	if (t->found && rows.loaner) {
		/* A guest's tap: the guest and who vouched, never the sponsor as
		 * the one who came; presence counts the guest as -id. */
		ev.guest_id = rows.guest.id;
		ev.via = rows.guest.sponsor_id;
		t->member_id = -rows.guest.id;
		snprintf(detail, sizeof(detail), "loaner %.60s", rows.l.label);
		ev.detail = detail;
	} else if (t->found) {
		ev.member_id = t->member_id = rows.member.id;
		ev.badge_id = t->badge_id = rows.badge.id;
	} else {
		ev.uid_mac = t->mac;	/* lets an auditor group an unknown badge's tries */
	}
	if (t->reason == ACCESS_GRANTED) {
		ev.type = "access_granted";
		ev.uid_mac = NULL;
		if (writer_append_event(st, &ev) == -1 ||
		    (!rows.loaner && store_badge_seen(st, rows.badge.id, t->now_ms) == -1))
			goto fail;
	} else {
		ev.type = "access_denied";
		ev.reason = access_reason_name(t->reason);
		if (writer_append_event(st, &ev) == -1)
			goto fail;
	}
	if (store_commit(st) == -1)	/* rolled back already */
		goto failed;
	return 0;
fail:
	store_rollback(st);
failed:
	log_warnx("reader %s: %s not recorded%s: %s", t->reader,
	    t->reason == ACCESS_GRANTED ? "grant" : "tap",
	    t->reason == ACCESS_GRANTED ? ", door stays locked" : "", store_errmsg(st));
	return -1;
}

/* Loop thread: the writer has decided (or the store could not be had). */
static void
tap_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct tap_job *t = writer_job_data(j);
	int ri = config_reader_index(d->conf, t->reader);
	int di = config_door_index(d->conf, t->door);
	enum access_reason reason;

	/* Only a committed grant opens.  A denial stays the denial it was
	 * even if its event could not be written (lockouts still count it). */
	if (j->rc == 0 || (t->decided && t->reason != ACCESS_GRANTED))
		reason = t->reason;
	else
		reason = ACCESS_STORE_UNAVAILABLE;
	if (ri == -1 || di == -1 || d->stop)
		return;		/* a reload removed them, or seuild is stopping */
	if (reason == ACCESS_GRANTED) {
		struct door *door = d->doors[di];
		int64_t set_ns;

		if (door_unlock(door, door_conf(door)->unlock_ms, clock_mono_ms()) == -1) {
			daemon_feedback_tap(d, ri, false, 0);
			return;		/* the door did not open: nobody came in */
		}
		set_ns = clock_mono_ns();
		daemon_feedback_tap(d, ri, true, door_conf(door)->unlock_ms);
		/* bench/badge_path reads this line: UID received -> relay set
		 * (the reader's light and sound come after, not counted). */
		log_debug("badge path: %lld us", (long long)(set_ns - t->t0_ns) / 1000);
		presence_grant(d->presence, t->member_id, t->door, d->conf->readers[ri].direction,
		    t->now_ms, t->now_mono);
		if (t->first_in)
			daemon_office_grant(d, di, ri, t->member_id, t->now_ms);
		return;
	}
	/* Whatever the reason, the same denial: a stranger learns nothing. */
	daemon_feedback_tap(d, ri, false, 0);
	if (reason == ACCESS_STORE_UNAVAILABLE) {
		/* Not a failure of the badge: no lockout count.  The writer
		 * counts it for the store_error event. */
		log_info("reader %s: tap denied: store_unavailable (%s)", t->reader, j->err);
		return;
	}
	if (reason != ACCESS_LOCKED_OUT &&
	    lockout_record_failure(&d->lockouts[ri], d->conf, t->now_mono)) {
		char detail[64];

		snprintf(detail, sizeof(detail), "%d failures", d->conf->lockout_failures);
		daemon_simple_event(d, "lockout", t->door, t->reader, NULL, detail);
		/* Red blinking until it ends, once the denial has been shown. */
		feedback_lockout(&d->feedback[ri], t->now_mono, d->lockouts[ri].locked_until);
		daemon_feedback_drive(d, clock_mono_ms());
	}
	if (reason == ACCESS_UNKNOWN_BADGE && !t->found && j->rc == 0 && t->enrol)
		daemon_enrol_tap(d, ri, t->mac, t->hint);
}

/*
 * A tap at a desk reader (no door): it only ever enrols.  Nothing opens,
 * nobody arrives, and a known badge is only reported to the manager who
 * waits for a tap.
 */
static void
daemon_desk_tap(struct daemon *d, int ri, const struct uid *uid)
{
	const struct reader_conf *rc = &d->conf->readers[ri];
	struct decision_rows rows;
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN];
	cJSON *r;
	int known;

	if (!d->enrol.active || (d->enrol.reader_index != -1 && d->enrol.reader_index != ri)) {
		log_info("reader %s: badge tapped at the desk, no enrolment waiting", rc->name);
		daemon_feedback_tap(d, ri, false, 0);
		return;
	}
	uid_mac(d->key, uid, mac);
	if (d->enrol.invite) {
		daemon_invite_tap(d, ri, mac);
		explicit_bzero(mac, sizeof(mac));
		return;
	}
	/* A read: on the loop's connection, which never waits for a writer. */
	if ((known = decision_rows_load(d->st, mac, &rows)) != 0) {
		d->enrol.active = false;
		daemon_feedback_enrol_end(d);
		daemon_feedback_tap(d, ri, false, 0);
		if (known == -1) {
			r = control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st));
		} else {
			r = control_fail(CONTROL_EXISTS, "this badge is already enrolled");
			cJSON_AddNumberToObject(r, "badge_id", (double)rows.badge.id);
			cJSON_AddNumberToObject(r, "member", (double)rows.member.id);
		}
		control_reply(d->control, d->enrol.client, r);
		return;
	}
	uid_hint(uid, hint);
	daemon_enrol_tap(d, ri, mac, hint);
	explicit_bzero(mac, sizeof(mac));
}

/* The loop's share: the MAC, the lockout, the time; the writer does the
 * rest within TAP_BOUND_MS or the tap is denied (store_unavailable). */
void
daemon_tap(void *arg, int ri, const struct uid *uid)
{
	struct daemon *d = arg;
	const struct reader_conf *rc = &d->conf->readers[ri];
	struct tap_job t = { .t0_ns = clock_mono_ns(), .now_ms = clock_wall_ms(),
	    .synced = clock_synced() };

	if (rc->door_index < 0) {
		daemon_desk_tap(d, ri, uid);
		return;
	}
	t.now_mono = t.t0_ns / 1000000;
	t.locked_out = lockout_active(&d->lockouts[ri], t.now_mono);
	uid_mac(d->key, uid, t.mac);
	if (d->enrol.active && rc->enrol) {
		uid_hint(uid, t.hint);
		t.enrol = true;
	}
	snprintf(t.reader, sizeof(t.reader), "%s", rc->name);
	snprintf(t.door, sizeof(t.door), "%s", rc->door);
	if (writer_submit(d->writer, tap_run, tap_done, d, t.now_mono + TAP_BOUND_MS,
	    WRITER_DENIAL, &t, sizeof(t)) == -1) {
		writer_note_denial(d->writer, "the writer's queue is full");
		log_info("reader %s: tap denied: store_unavailable (queue full)", rc->name);
		daemon_feedback_tap(d, ri, false, 0);
	}
	explicit_bzero(&t, sizeof(t));
}

/* ---- enrolment by tap ---- */

struct enrol_job {
	int		client;
	bool		loaner;		/* into the pool, as label */
	char		label[64];
	enum control_code code;		/* a refusal that is not the store's */
	char		why[200];
	int64_t		member_id;
	int64_t		badge_id;	/* the writer's answer */
	uint8_t		mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	char		reader[CONFIG_NAME_MAX + 1];
	char		door[CONFIG_NAME_MAX + 1];
	char		actor[160];	/* who asked for the enrolment */
	int64_t		ts_ms, mono_ms;
	bool		synced;
};

/* Writer thread: the badge and its event in one transaction. */
static int
enrol_run(struct writer_job *j, struct store *st)
{
	struct enrol_job *e = writer_job_data(j);
	struct event ev = { .type = "badge_enrolled", .door = e->door[0] ? e->door : NULL,
	    .reader = e->reader, .actor = e->actor,
	    .member_id = e->member_id, .ts_ms = e->ts_ms, .mono_ms = e->mono_ms,
	    .clock_synced = e->synced };

	struct manage_err err;

	if (e->loaner) {
		/* Its admin_change, in the same transaction. */
		e->badge_id = guest_loaner_add(st, e->mac, e->hint, e->label, e->ts_ms, e->actor,
		    &err);
		explicit_bzero(e->mac, sizeof(e->mac));
		if (e->badge_id == -1) {
			if (err.status == MANAGE_EDB)
				return -1;
			e->code = control_code_of(err.status);
			snprintf(e->why, sizeof(e->why), "%.190s", err.msg);
		}
		return 0;
	}
	if (store_begin(st) == -1)
		return -1;
	if ((e->badge_id = store_badge_add(st, e->member_id, e->mac, e->hint, "enrolled by tap",
	    e->ts_ms)) < 0)
		goto fail;
	ev.badge_id = e->badge_id;
	if (writer_append_event(st, &ev) == -1)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

static void
enrol_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct enrol_job *e = writer_job_data(j);
	cJSON *r;

	int ri = config_reader_index(d->conf, e->reader);

	if (j->rc != 0 || e->code != CONTROL_OK) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, e->client, j->rc != 0 ?
		    control_fail(CONTROL_DATABASE, "%s", j->err) :
		    control_fail(e->code, "%s", e->why));
		return;
	}
	if (ri != -1) {		/* linked: two beeps where the badge is */
		feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
		daemon_feedback_drive(d, clock_mono_ms());
	}
	r = control_ok();
	cJSON_AddNumberToObject(r, e->loaner ? "id" : "badge_id", (double)e->badge_id);
	cJSON_AddStringToObject(r, "hint", e->hint);
	cJSON_AddStringToObject(r, "reader", e->reader);
	control_reply(d->control, e->client, r);
}

/* An unknown badge was tapped (and denied at a door, or at a desk reader):
 * link it if an enrolment waits for a tap at this reader. */
static void
daemon_enrol_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN], const char *hint)
{
	const struct reader_conf *rc = &d->conf->readers[ri];
	struct enrol_job e = { .client = d->enrol.client, .member_id = d->enrol.member_id,
	    .ts_ms = clock_wall_ms(), .mono_ms = clock_mono_ms(), .synced = clock_synced() };

	/* Only where the manager is: a reader outside never enrols, so a
	 * stranger tapping during the window gains nothing. */
	if (!d->enrol.active || d->enrol.invite || !rc->enrol ||
	    (d->enrol.reader_index != -1 && d->enrol.reader_index != ri))
		return;
	d->enrol.active = false;
	daemon_feedback_enrol_end(d);
	e.loaner = d->enrol.loaner;
	snprintf(e.label, sizeof(e.label), "%s", d->enrol.label);
	memcpy(e.mac, mac, UID_MAC_LEN);
	snprintf(e.hint, sizeof(e.hint), "%s", hint);
	snprintf(e.reader, sizeof(e.reader), "%s", rc->name);
	snprintf(e.actor, sizeof(e.actor), "%s", d->enrol.actor);
	snprintf(e.door, sizeof(e.door), "%s", config_reader_door(rc) ? config_reader_door(rc) : "");
	if (writer_submit(d->writer, enrol_run, enrol_done, d, 0, 0, &e, sizeof(e)) == -1) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, e.client, control_fail(CONTROL_BUSY,
		    "the store is busy, try again"));
	}
}

void
daemon_enrol_tick(struct daemon *d, int64_t now)
{
	if (!d->enrol.active)
		return;
	if (!control_client_alive(d->control, d->enrol.client)) {
		d->enrol.active = false;	/* seuilctl was interrupted */
		daemon_feedback_enrol_end(d);
		return;
	}
	if (now >= d->enrol.deadline) {
		d->enrol.active = false;
		daemon_feedback_enrol_end(d);
		control_reply(d->control, d->enrol.client, control_fail(CONTROL_TIMEOUT,
		    "no unknown badge was tapped before the timeout: nothing enrolled"));
	}
}


/*
 * A loaner for the pool by a tap (loaner_add without a uid), at a reader
 * with enrol = true, like a member's badge (cmd_enrol): the reply follows
 * the tap or the timeout.
 */
cJSON *
daemon_loaner_enrol(struct call *c)
{
	struct daemon *d = c->d;
	int64_t timeout = c->req->timeout ? c->req->timeout : 60;
	int reader_index = -1, i;

	if (c->req->reader != NULL) {
		if ((reader_index = config_reader_index(d->conf, c->req->reader)) == -1)
			return control_fail(CONTROL_NOT_FOUND, "unknown reader '%.40s'",
			    c->req->reader);
		if (!d->conf->readers[reader_index].enrol)
			return control_fail(CONTROL_INVALID, "that reader does not allow "
			    "enrolment (enrol = false)");
	} else {
		for (i = 0; i < d->conf->nreaders && !d->conf->readers[i].enrol; i++)
			;
		if (i == d->conf->nreaders)
			return control_fail(CONTROL_INVALID, "no reader allows enrolment: set "
			    "enrol = true on a desk reader");
	}
	if (timeout < 1 || timeout > 3600)
		return control_fail(CONTROL_INVALID, "timeout must be between 1 and 3600 seconds");
	if (d->enrol.active && control_client_alive(d->control, d->enrol.client))
		return control_fail(CONTROL_BUSY, "another enrolment is waiting for a tap");
	if (d->enrol.active)
		daemon_feedback_enrol_end(d);
	d->enrol = (struct enrolment){ .active = true, .loaner = true, .client = c->client,
	    .reader_index = reader_index, .deadline = clock_mono_ms() + timeout * 1000 };
	snprintf(d->enrol.label, sizeof(d->enrol.label), "%s", c->req->label);
	snprintf(d->enrol.actor, sizeof(d->enrol.actor), "%s", c->actor);
	daemon_feedback_enrol_wait(d, clock_mono_ms());
	log_info("pool: waiting %lld s for a loaner badge (%s)", (long long)timeout, c->actor);
	return NULL;
}

/* ---- guests' passes that end ---- */

#define GUESTS_ENDING_MAX	64	/* a job's; the next turn ends the rest */

struct guests_job {
	int64_t	now_ms;
	int	n;
	int64_t	ids[GUESTS_ENDING_MAX];
};

static int
guests_collect(int64_t id, void *arg)
{
	struct guests_job *g = arg;

	g->ids[g->n++] = id;
	return 0;
}

static int
guests_run(struct writer_job *j, struct store *st)
{
	struct guests_job *g = writer_job_data(j);

	return store_guests_end_due(st, g->now_ms, GUESTS_ENDING_MAX, guests_collect, g) == -1 ?
	    -1 : 0;
}

static void
guests_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct guests_job *g = writer_job_data(j);

	d->guests_ending = false;
	d->guests_refresh = true;
	if (j->rc != 0) {
		log_warnx("guests: cannot end the passes due: %s", j->err);
		return;
	}
	for (int i = 0; i < g->n; i++) {
		log_info("guest %lld: the pass has ended", (long long)g->ids[i]);
		presence_end(d->presence, -g->ids[i], PRESENCE_PASS_END, g->now_ms, -1, NULL);
	}
}

/*
 * A guest's badge opens nothing from the pass's end (the policy compares
 * the time at each tap); this closes the pass in the store, which puts the
 * loaner back in the pool, and ends the guest's visit.
 */
void
daemon_guests_tick(struct daemon *d, int64_t now_ms)
{
	struct guests_job g = { .now_ms = now_ms };

	if (d->guests_refresh) {
		d->guests_due = store_guests_next_end(d->st);
		if (d->guests_due == -1)
			d->guests_due = now_ms + 5000;	/* the store is busy: soon */
		d->guests_refresh = false;
	}
	if (now_ms < d->guests_due || d->guests_ending)
		return;
	if (writer_submit(d->writer, guests_run, guests_done, d, 0, 0, &g, sizeof(g)) == -1) {
		d->guests_due = now_ms + 5000;
		return;
	}
	d->guests_ending = true;
}

/* ---- an invite code from a tap of the member's own badge ---- */

struct invite_job {
	int		client;
	int64_t		member_id;
	char		actor[160];
	char		code[MEMBER_CODE_LEN + 1];	/* the writer's answer */
	char		name[128];
	enum control_code failed;
	char		why[200];
};

static int
invite_run(struct writer_job *j, struct store *st)
{
	struct invite_job *v = writer_job_data(j);
	struct manage_err err;
	struct member_row m;

	if (member_invite(st, v->member_id, clock_wall_ms(), v->actor, v->code, &err) == -1) {
		if (err.status == MANAGE_EDB)
			return -1;
		v->failed = control_code_of(err.status);
		snprintf(v->why, sizeof(v->why), "%.190s", err.msg);
		return 0;
	}
	if (store_member_get(st, v->member_id, &m) == 1)
		snprintf(v->name, sizeof(v->name), "%s", m.name);
	return 0;
}

static void
invite_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct invite_job *v = writer_job_data(j);
	char ts[24];
	cJSON *r;

	if (j->rc != 0 || v->failed != CONTROL_OK) {
		control_reply(d->control, v->client, j->rc != 0 ?
		    control_fail(CONTROL_DATABASE, "%s", j->err) :
		    control_fail(v->failed, "%s", v->why));
		explicit_bzero(v->code, sizeof(v->code));
		return;
	}
	r = control_ok();
	cJSON_AddNumberToObject(r, "id", (double)v->member_id);
	cJSON_AddStringToObject(r, "member", v->name);
	cJSON_AddStringToObject(r, "code", v->code);
	clock_format_utc(clock_wall_ms() + MEMBER_CODE_TTL_MS, ts);
	cJSON_AddStringToObject(r, "expires", ts);
	control_reply(d->control, v->client, r);
	explicit_bzero(v->code, sizeof(v->code));
}

/* A badge tapped at the desk while an invite waits: a member's own active
 * badge gets the member a code; anything else ends the wait, refused. */
static void
daemon_invite_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN])
{
	struct invite_job v = { .client = d->enrol.client };
	struct decision_rows rows;
	int known;

	d->enrol.active = false;
	daemon_feedback_enrol_end(d);
	known = decision_rows_load(d->st, mac, &rows);
	if (known != 1 || rows.loaner || !rows.badge.active || !rows.member.active ||
	    rows.member.erased) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, v.client, known == -1 ?
		    control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st)) :
		    control_fail(CONTROL_NOT_FOUND, "that is not an active member's badge: no "
		    "code"));
		return;
	}
	v.member_id = rows.member.id;
	snprintf(v.actor, sizeof(v.actor), "%s", d->enrol.actor);
	if (writer_submit(d->writer, invite_run, invite_done, d, 0, 0, &v, sizeof(v)) == -1) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, v.client, control_fail(CONTROL_BUSY,
		    "the store is busy, try again"));
		return;
	}
	feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
	daemon_feedback_drive(d, clock_mono_ms());
}

cJSON *
daemon_invite_enrol(struct call *c)
{
	struct daemon *d = c->d;
	int64_t timeout = c->req->timeout ? c->req->timeout : 60;
	int reader_index = -1, i;

	if (c->req->reader != NULL) {
		if ((reader_index = config_reader_index(d->conf, c->req->reader)) == -1)
			return control_fail(CONTROL_NOT_FOUND, "unknown reader '%.40s'",
			    c->req->reader);
		if (!d->conf->readers[reader_index].enrol ||
		    d->conf->readers[reader_index].door_index >= 0)
			return control_fail(CONTROL_INVALID, "an invite is tapped at a desk reader "
			    "(enrol = true, no door)");
	} else {
		for (i = 0; i < d->conf->nreaders && !(d->conf->readers[i].enrol &&
		    d->conf->readers[i].door_index < 0); i++)
			;
		if (i == d->conf->nreaders)
			return control_fail(CONTROL_INVALID, "no desk reader (enrol = true, no "
			    "door) to tap a badge at");
	}
	if (timeout < 1 || timeout > 3600)
		return control_fail(CONTROL_INVALID, "timeout must be between 1 and 3600 seconds");
	if (d->enrol.active && control_client_alive(d->control, d->enrol.client))
		return control_fail(CONTROL_BUSY, "another enrolment is waiting for a tap");
	if (d->enrol.active)
		daemon_feedback_enrol_end(d);
	d->enrol = (struct enrolment){ .active = true, .invite = true, .client = c->client,
	    .reader_index = reader_index, .deadline = clock_mono_ms() + timeout * 1000 };
	snprintf(d->enrol.actor, sizeof(d->enrol.actor), "%s", c->actor);
	daemon_feedback_enrol_wait(d, clock_mono_ms());
	log_info("invite: waiting %lld s for a member's badge (%s)", (long long)timeout,
	    c->actor);
	return NULL;
}

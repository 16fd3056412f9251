/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The badge path: a card in, the relay out.  A card that may carry our
 * DESFire application, at a reader that reads credentials, is asked first
 * (exchange.h, on its reader's thread); every tap is then decided and
 * recorded by the writer in one transaction, and a committed grant moves
 * the relay.  Taps at a desk reader go to enrol.c.
 */
#include <string.h>

#include "daemon.h"
#include "guest.h"

/* A tap on its way through the card exchange (if any), the writer, and
 * back.  The first member says whose it is when it travels in an
 * exchange's job. */
struct tap_job {
	enum exchange_for what;		/* FOR_DOOR */
	int64_t		t0_ns;		/* the card reported */
	int64_t		now_ms;		/* wall, for the decision and the event */
	int64_t		now_mono;
	bool		synced;
	bool		locked_out;
	bool		enrol;		/* a UID enrolment waits: hint is set */
	enum reader_credential mode;	/* what the reader takes */
	enum access_card card;		/* what the card showed */
	enum badge_kind kind;		/* what mac is the MAC of */
	uint8_t		mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	char		reader[CONFIG_NAME_MAX + 1];
	char		door[CONFIG_NAME_MAX + 1];
	char		detail[96];	/* why a credential was refused */
	/* The writer's answer. */
	bool		decided;
	bool		found;
	enum access_reason reason;
	int64_t		member_id;
	int64_t		badge_id;
	bool		first_in;	/* a member of the door's first_in group */
};
_Static_assert(sizeof(struct tap_job) <= EXCHANGE_CTX_MAX, "a tap fits in an exchange's job");

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
 * reader supervisor wipes the raw UID as soon as daemon_tap returns, and a
 * credential is turned into its MAC as soon as it is read).  The lookup,
 * the decision and the event share one write transaction, so a revoke or
 * disable that seuilctl commits meanwhile is either seen or waits until
 * the event is written: never a decision on stale rows.  The decision is
 * built by decision_input, as `seuilctl explain` builds it.  A grant is
 * committed durably before the loop moves the relay (tap_done), so every
 * pulse has its event; anything that fails on the way is a denial.  A
 * card whose credential failed is looked up by nothing: no UID of it is
 * ever a badge.
 */
static int
tap_run(struct writer_job *j, struct store *st)
{
	struct daemon *d = j->arg;
	struct tap_job *t = writer_job_data(j);
	struct event ev = { .door = t->door, .reader = t->reader, .ts_ms = t->now_ms,
	    .mono_ms = t->now_mono, .clock_synced = t->synced };
	struct decision_tap tap = { .reader = t->mode, .card = t->card,
	    .locked_out = t->locked_out };
	struct decision_rows rows;
	struct access_input in;
	char detail[96];
	int rc = 0;

	if (store_begin(st) == -1)
		return -1;
	if (t->locked_out || t->card == ACCESS_CARD_INVALID)
		memset(&rows, 0, sizeof(rows));
	else if ((rc = decision_rows_load(st, t->kind, t->mac, &rows)) == -1)
		goto fail;
	t->found = rc == 1;
	writer_lock(d->writer);
	decision_input_rows(&in, d->wconf, t->found ? &rows : NULL, t->now_ms, t->synced, tap);
	in.copy_expired = d->copy_expired;
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
		ev.detail = t->detail[0] != '\0' ? t->detail : NULL;
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
	if (reason == ACCESS_UNKNOWN_BADGE && !t->found && j->rc == 0 && t->enrol &&
	    t->kind == BADGE_UID)
		daemon_enrol_tap(d, ri, t->mac, t->hint);
}

/* To the writer, which has TAP_BOUND_MS from now to decide and record it
 * (an exchange before may have taken a while), or the tap is denied
 * (store_unavailable). */
static void
tap_submit(struct daemon *d, int ri, struct tap_job *t)
{
	if (writer_submit(d->writer, tap_run, tap_done, d, clock_mono_ms() + TAP_BOUND_MS,
	    WRITER_DENIAL, t, sizeof(*t)) == -1) {
		writer_note_denial(d->writer, "the writer's queue is full");
		log_info("reader %s: tap denied: store_unavailable (queue full)",
		    d->conf->readers[ri].name);
		daemon_feedback_tap(d, ri, false, 0);
	}
}

/* A card that may carry our application: read it on its reader's thread;
 * door_exchange_done goes on.  0, or -1 when no exchange could start. */
static int
door_exchange(struct daemon *d, int ri, const struct reader_tap *rt, const struct tap_job *t)
{
	struct exchange_job j = { .op = EXCHANGE_READ, .reader = ri, .tap = rt->id,
	    .release = true, .deadline = clock_mono_ms() + EXCHANGE_DOOR_MS };
	pid_t pid = 0;
	int xsock;

	snprintf(j.reader_name, sizeof(j.reader_name), "%s", t->reader);
	memcpy(j.uid, rt->uid.bytes, DESFIRE_UID_LEN);
	memcpy(exchange_ctx(&j), t, sizeof(*t));
	xsock = readers_exchange_fd(d->readers, ri, &pid);
	if (xsock == -1 || exchanges_submit(d->exchanges, &j, xsock, pid) == -1) {
		explicit_bzero(&j, sizeof(j));
		return -1;
	}
	explicit_bzero(&j, sizeof(j));
	return 0;
}

/*
 * The card answered (or did not): a proven credential is looked up by its
 * MAC as a DESFire badge; a card without our application (or that speaks
 * no DESFire) by its UID, as any other card; anything else is refused,
 * whatever its UID.  Only the step and the result go into the event.
 */
static void
door_exchange_done(struct daemon *d, struct exchange_job *j)
{
	struct tap_job *t = exchange_ctx(j);
	int ri = config_reader_index(d->conf, t->reader);

	if (j->broken != NULL)
		readers_fail(d->readers, j->reader, j->pid, j->broken);
	if (ri == -1 || d->stop)
		return;		/* a reload removed the reader, or seuild is stopping */
	switch (j->result) {
	case DESFIRE_OK:
		uid_credential_mac(d->key, j->credential, t->mac);
		t->kind = BADGE_DESFIRE;
		t->card = ACCESS_CARD_CREDENTIAL;
		break;
	case DESFIRE_NO_APP:
		break;		/* t->mac is the UID's */
	default:
		t->card = ACCESS_CARD_INVALID;
		if (!d->have_dkeys)	/* probed: the application is there */
			snprintf(t->detail, sizeof(t->detail), "desfire: application %06X, and "
			    "no credentials key file to read it", (unsigned)d->dkeys.aid);
		else if (j->rep.status >= 0)
			snprintf(t->detail, sizeof(t->detail), "desfire: %s: %s (status %02X)",
			    desfire_step_str(j->rep.step), desfire_result_str(j->result),
			    (unsigned)j->rep.status);
		else
			snprintf(t->detail, sizeof(t->detail), "desfire: %s: %s",
			    desfire_step_str(j->rep.step), desfire_result_str(j->result));
		break;
	}
	log_debug("reader %s: card exchange: %s in %lld ms, %d APDUs", t->reader,
	    desfire_result_str(j->result), (long long)j->ms, j->rep.exchanges);
	tap_submit(d, ri, t);
}

void
daemon_exchange_done(void *arg, struct exchange_job *j)
{
	struct daemon *d = arg;
	enum exchange_for what;

	memcpy(&what, exchange_ctx(j), sizeof(what));
	if (what == FOR_DOOR)
		door_exchange_done(d, j);
	else
		daemon_desk_exchange_done(d, j);
}

/*
 * The loop's share: the UID's MAC, the lockout, the time; then the card
 * exchange, if the card may carry our application and the reader reads
 * credentials; then the writer.  A locked-out reader asks the card
 * nothing.  A card the child holds is always let go, by the exchange or
 * here.
 */
void
daemon_tap(void *arg, int ri, const struct reader_tap *rt)
{
	struct daemon *d = arg;
	const struct reader_conf *rc = &d->conf->readers[ri];
	struct tap_job t = { .what = FOR_DOOR, .t0_ns = clock_mono_ns(),
	    .now_ms = clock_wall_ms(), .synced = clock_synced(), .mode = rc->credential,
	    .card = ACCESS_CARD_UID, .kind = BADGE_UID };

	if (rc->door_index < 0) {
		daemon_desk_tap(d, ri, rt);
		return;
	}
	t.now_mono = t.t0_ns / 1000000;
	t.locked_out = lockout_active(&d->lockouts[ri], t.now_mono);
	uid_mac(d->key, &rt->uid, t.mac);
	if (d->enrol.active && (d->enrol.op == ENROL_UID || d->enrol.op == ENROL_LOANER) &&
	    rc->enrol) {
		uid_hint(&rt->uid, t.hint);
		t.enrol = true;
	}
	snprintf(t.reader, sizeof(t.reader), "%s", rc->name);
	snprintf(t.door, sizeof(t.door), "%s", rc->door);
	/* Our cards have the 7-byte UID their keys are diversified with. */
	if (rt->held && !t.locked_out && rc->credential != CREDENTIAL_UID &&
	    rt->uid.len == DESFIRE_UID_LEN) {
		if (door_exchange(d, ri, rt, &t) == 0) {
			explicit_bzero(&t, sizeof(t));
			return;
		}
		/* The card may carry our application: never its UID then. */
		t.card = ACCESS_CARD_INVALID;
		snprintf(t.detail, sizeof(t.detail), "desfire: the card could not be asked "
		    "(its reader's exchange is busy)");
	}
	if (rt->held)
		readers_release(d->readers, ri, rt->id);
	tap_submit(d, ri, &t);
	explicit_bzero(&t, sizeof(t));
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
 * A replica's store closes no pass: the primary's close travels, and a
 * replica cut off still compares the end at each tap.  It ends the visit
 * of each guest here whose pass is over (past its end, ended, or the guest
 * erased on the primary), on the loop, from its copy: when an end comes,
 * and when a copy arrives (site.c sets guests_recheck).
 */
static void
replica_guests_tick(struct daemon *d, int64_t now_ms)
{
	int64_t ids[GUESTS_ENDING_MAX];
	struct guest_row g;
	int i, n = 0, rc;

	if (d->guests_refresh) {
		if ((d->guests_due = store_guests_next_end(d->st, now_ms)) == -1)
			d->guests_due = now_ms + 5000;	/* the store is busy: soon */
		d->guests_refresh = false;
	}
	if (!d->guests_recheck && now_ms < d->guests_due)
		return;
	d->guests_recheck = false;
	d->guests_refresh = true;
	for (i = 0; i < presence_count(d->presence); i++) {
		int64_t who = presence_get(d->presence, i)->member_id;

		if (who >= 0)
			continue;
		if (n == GUESTS_ENDING_MAX) {
			d->guests_recheck = true;	/* the rest next turn */
			break;
		}
		ids[n++] = -who;
	}
	for (i = 0; i < n; i++) {
		if ((rc = store_guest_get(d->st, ids[i], &g)) == -1) {
			d->guests_due = now_ms + 5000;	/* the store is busy: soon */
			d->guests_refresh = false;
			continue;
		}
		if (rc == 0 || g.ended_ms != 0 || g.ends_ms <= now_ms)
			presence_end(d->presence, -ids[i], PRESENCE_PASS_END, now_ms, -1, NULL);
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

	if (config_replica(d->conf)) {
		replica_guests_tick(d, now_ms);
		return;
	}
	if (d->guests_refresh) {
		d->guests_due = store_guests_next_end(d->st, INT64_MIN);
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

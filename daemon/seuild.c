/*
 * seuild: reads badges, decides, pulses the door strike, logs, tracks who is
 * here and publishes it.  One process, one poll() loop; readers run in
 * child processes (readers.c), hardware sits behind firmware-glue/.
 */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sysexits.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "access.h"
#include "clock.h"
#include "config.h"
#include "control_server.h"
#include "decision.h"
#include "door.h"
#include "feedback.h"
#include "feedbackio.h"
#include "log.h"
#include "mqtt.h"
#include "presence.h"
#include "readers.h"
#include "store.h"
#include "tz.h"
#include "uid.h"
#include "writer.h"

#define HOUSEKEEPING_MS	1000	/* the loop wakes at least this often */
#define PURGE_EVERY_MS	(24 * 3600 * 1000LL)
#define TAP_BOUND_MS	500	/* a tap that cannot have the store by then is denied */
#define READ_BUSY_MS	100	/* the loop's reads wait at most this for a lock */
#define MAX_POLLFDS	(1 + 1 + CONTROL_MAX_CLIENTS + CONFIG_MAX_READERS + \
			 CONFIG_MAX_DOORS * DOORIO_MAX_FDS + 1 + 1)

struct enrolment {
	bool	active;
	int	client;
	int64_t	member_id;
	int	reader_index;	/* -1: any reader with enrol = true */
	int64_t	deadline;	/* mono ms */
};

struct daemon {
	struct config	*conf;
	/* The loop's own connection: reads only (MQTT's events, members'
	 * names, status).  WAL readers never wait for the writer. */
	struct store	*st;
	/* Every write, on its own thread and connection. */
	struct writer	*writer;
	/* The writer's copy of the configuration (decision_input reads it),
	 * changed only under writer_lock. */
	struct config	*wconf;
	uint8_t		key[UID_KEY_LEN];
	struct door	*doors[CONFIG_MAX_DOORS];
	/* Light and sound at each reader: the pattern, its lines (NULL: the
	 * reader has none) and what was last written to them.  The lines are
	 * the main process's, never a reader child's. */
	struct feedback	feedback[CONFIG_MAX_READERS];
	struct feedbackio *fbio[CONFIG_MAX_READERS];
	bool		fb_out[CONFIG_MAX_READERS][FEEDBACK_NOUTPUTS];
	struct readers	*readers;
	struct lockout	lockouts[CONFIG_MAX_READERS];
	struct presence	*presence;
	struct control	*control;
	struct mqtt	*mqtt;
	struct enrolment enrol;
	int		sigfd;
	bool		stop;
	int64_t		started_mono;
	uint64_t	watchdog_usec;
	int64_t		last_watchdog;
	int64_t		next_purge;	/* mono ms */
	bool		events_pending;	/* rows for MQTT, told at the next flush */
};

static void daemon_presence_changed(void *arg);

static _Noreturn void
usage(void)
{
	fprintf(stderr, "usage: seuild [-dnv] [-f file] [--version]\n");
	exit(EX_USAGE);
}

/* ---- events: the one path every event row takes ---- */

static void
daemon_stamp(struct event *ev)
{
	ev->ts_ms = clock_wall_ms();
	ev->mono_ms = clock_mono_ms();
	ev->clock_synced = clock_synced();
}

static int
daemon_event_run(struct writer_job *j, struct store *st)
{
	struct event ev;

	writer_event_get(writer_job_data(j), &ev);
	return writer_append_event(st, &ev) == -1 ? -1 : 0;
}

/*
 * An event that stands alone (a door, a reader, a lockout): stamped now,
 * written by the writer in order with everything else.  MQTT hears of it
 * once it is committed (daemon_loop, after writer_dispatch): the loop reads
 * through its own connection, so it never sees a row that may roll back.
 * 0, or -1 if it could not even be queued.
 */
static int
daemon_event(struct daemon *d, struct event *ev)
{
	struct writer_event we;

	daemon_stamp(ev);
	writer_event_set(&we, ev);
	if (d->writer == NULL || writer_submit(d->writer, daemon_event_run, NULL, d, 0, 0, &we,
	    sizeof(we)) == -1) {
		log_warnx("event %s: cannot store: the writer's queue is full", ev->type);
		return -1;
	}
	return 0;
}

/* Presence's hook, on the writer thread inside a visit's transaction. */
static int64_t
daemon_event_append(void *arg, struct store *st, struct event *ev)
{
	(void)arg;
	daemon_stamp(ev);
	return writer_append_event(st, ev);
}

/* Tell MQTT about new rows. */
static void
daemon_events_flush(struct daemon *d)
{
	if (d->events_pending && d->mqtt)
		mqtt_events_changed(d->mqtt);
	d->events_pending = false;
}

static void
daemon_simple_event(struct daemon *d, const char *type, const char *door, const char *reader,
    const char *reason, const char *detail)
{
	struct event ev = { .type = type, .door = door, .reader = reader, .reason = reason,
	    .detail = detail };

	daemon_event(d, &ev);
}

/* A staff event (control_refused, ...): who acted goes to the actor column,
 * which is never published. */
static void
daemon_staff_event(struct daemon *d, const char *type, const char *actor, const char *detail)
{
	struct event ev = { .type = type, .actor = actor, .detail = detail };

	daemon_event(d, &ev);
}

/* ---- feedback: light and sound at the readers ---- */

/*
 * The patterns are feedback.c's; here they are started by what happens
 * (a tap's result, a lockout, an enrolment) and written out by the loop
 * (daemon_feedback_drive), which wakes at feedback_next_change.  Only the
 * outputs that changed are written, and a failed write is logged, never
 * fatal: a dead LED must not stop a door.
 */
static void
daemon_feedback_drive(struct daemon *d, int64_t now)
{
	bool out[FEEDBACK_NOUTPUTS];

	for (int i = 0; i < d->conf->nreaders; i++) {
		if (d->fbio[i] == NULL)
			continue;
		feedback_outputs(&d->feedback[i], now, out);
		for (int o = 0; o < FEEDBACK_NOUTPUTS; o++) {
			if (out[o] == d->fb_out[i][o])
				continue;
			d->fb_out[i][o] = out[o];
			if (feedbackio_set(d->fbio[i], (enum feedback_output)o, out[o]) == -1)
				log_warn("reader %s: %s: cannot set it %s", d->conf->readers[i].name,
				    feedbackio_output_role((enum feedback_output)o),
				    out[o] ? "on" : "off");
		}
	}
}

static int64_t
daemon_feedback_deadline(struct daemon *d, int64_t now)
{
	int64_t next = INT64_MAX, t;

	for (int i = 0; i < d->conf->nreaders; i++)
		if (d->fbio[i] != NULL && (t = feedback_next_change(&d->feedback[i], now)) < next)
			next = t;
	return next;
}

/* A tap's answer at reader ri: shown at once, not at the next wake-up. */
static void
daemon_feedback_tap(struct daemon *d, int ri, bool granted, int64_t unlock_ms)
{
	int64_t now = clock_mono_ms();

	if (ri < 0 || ri >= d->conf->nreaders)
		return;
	if (granted)
		feedback_granted(&d->feedback[ri], now, unlock_ms);
	else
		feedback_denied(&d->feedback[ri], now);
	daemon_feedback_drive(d, now);
}

/* The enrolment's readers: its own, or every reader that enrols. */
static bool
daemon_enrol_reader(const struct daemon *d, int ri)
{
	return d->conf->readers[ri].enrol &&
	    (d->enrol.reader_index == -1 || d->enrol.reader_index == ri);
}

static void
daemon_feedback_enrol_wait(struct daemon *d, int64_t now)
{
	for (int i = 0; i < d->conf->nreaders; i++)
		if (daemon_enrol_reader(d, i))
			feedback_enrol_wait(&d->feedback[i], now, d->enrol.deadline);
	daemon_feedback_drive(d, now);
}

/* The enrolment stops waiting (a tap, the timeout, seuilctl gone). */
static void
daemon_feedback_enrol_end(struct daemon *d)
{
	int64_t now = clock_mono_ms();

	for (int i = 0; i < d->conf->nreaders; i++)
		feedback_enrol_done(&d->feedback[i], now, false);
	daemon_feedback_drive(d, now);
}

/* The lines of every reader that has some, each driven off first.  At
 * start this follows the doors at once: dark means "do not wait". */
static int
daemon_feedback_up(struct daemon *d, char *err, size_t errlen)
{
	int64_t now = clock_mono_ms();

	for (int i = 0; i < d->conf->nreaders; i++) {
		const struct reader_conf *rc = &d->conf->readers[i];

		feedback_init(&d->feedback[i]);
		memset(d->fb_out[i], 0, sizeof(d->fb_out[i]));
		if (!feedbackio_wanted(rc))
			continue;
		if ((d->fbio[i] = feedbackio_open(rc, err, errlen)) == NULL)
			return -1;
		/* A reload keeps lockouts: their blinking goes on. */
		if (lockout_active(&d->lockouts[i], now))
			feedback_lockout(&d->feedback[i], now, d->lockouts[i].locked_until);
	}
	return 0;
}

static void
daemon_feedback_down(struct daemon *d)
{
	for (int i = 0; i < CONFIG_MAX_READERS; i++) {
		feedbackio_close(d->fbio[i]);	/* drives off */
		d->fbio[i] = NULL;
	}
}

/* ---- the badge path: UID in, relay out ---- */

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
};

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
	int rc = 0;

	if (store_begin(st) == -1)
		return -1;
	if (t->locked_out)
		memset(&rows, 0, sizeof(rows));
	else if ((rc = decision_rows_load(st, t->mac, &rows)) == -1)
		goto fail;
	t->found = rc == 1;
	writer_lock(d->writer);
	decision_input(&in, d->wconf, t->found ? &rows.badge : NULL, &rows.member, &rows.groups,
	    t->now_ms, t->synced, t->locked_out);
	writer_unlock(d->writer);
	t->reason = access_decide(&in);
	t->decided = true;
	if (t->found) {
		ev.member_id = t->member_id = rows.member.id;
		ev.badge_id = t->badge_id = rows.badge.id;
	} else {
		ev.uid_mac = t->mac;	/* lets an auditor group an unknown badge's tries */
	}
	if (t->reason == ACCESS_GRANTED) {
		ev.type = "access_granted";
		ev.uid_mac = NULL;
		if (writer_append_event(st, &ev) == -1 ||
		    store_badge_seen(st, rows.badge.id, t->now_ms) == -1)
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

		if (door_unlock(door, door_conf(door)->unlock_ms, clock_mono_ms()) == -1) {
			daemon_feedback_tap(d, ri, false, 0);
			return;		/* the door did not open: nobody came in */
		}
		daemon_feedback_tap(d, ri, true, door_conf(door)->unlock_ms);
		/* bench/badge_path reads this line: UID received -> relay set. */
		log_debug("badge path: %lld us", (long long)(clock_mono_ns() - t->t0_ns) / 1000);
		presence_grant(d->presence, t->member_id, t->door, d->conf->readers[ri].direction,
		    t->now_ms, t->now_mono);
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
	/* A read: on the loop's connection, which never waits for a writer. */
	if ((known = decision_rows_load(d->st, mac, &rows)) != 0) {
		d->enrol.active = false;
		daemon_feedback_enrol_end(d);
		daemon_feedback_tap(d, ri, false, 0);
		if (known == -1) {
			r = control_error(store_errmsg(d->st));
		} else {
			r = control_error("this badge is already enrolled");
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
static void
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

/* ---- hooks from readers, doors, presence ---- */

/* In a new reader child: it handles raw UIDs and libnfc, and has no use for
 * the key that turns UIDs into MACs, so its copy is wiped. */
static void
daemon_forget_secrets(void *arg)
{
	struct daemon *d = arg;

	explicit_bzero(d->key, sizeof(d->key));
}

static void
daemon_reader_status(void *arg, int ri, bool online, const char *detail)
{
	struct daemon *d = arg;
	const struct reader_conf *rc = &d->conf->readers[ri];

	daemon_simple_event(d, online ? "reader_online" : "reader_offline", config_reader_door(rc), rc->name,
	    NULL, detail);
}

static void
daemon_door_event(void *arg, int di, const char *type, const char *detail)
{
	struct daemon *d = arg;

	daemon_simple_event(d, type, d->conf->doors[di].name, NULL, NULL, detail);
}

static void
daemon_door_state(void *arg, int di, enum door_state state)
{
	struct daemon *d = arg;

	log_debug("door %s: %s", d->conf->doors[di].name, door_state_name(state));
	if (d->mqtt)
		mqtt_door_state(d->mqtt, di, door_state_name(state));
}

static void
daemon_presence_changed(void *arg)
{
	struct daemon *d = arg;
	struct presence_person *people;
	struct member_row *m;
	int n = presence_count(d->presence);

	if (d->mqtt == NULL)
		return;
	people = calloc((size_t)n + 1, sizeof(*people));
	m = calloc((size_t)n + 1, sizeof(*m));
	if (people == NULL || m == NULL) {
		log_warnx("presence: out of memory");
		goto done;
	}
	/* Names are looked up now, not at arrival: a member who has just
	 * asked to be anonymous is not named again. */
	for (int i = 0; i < n; i++) {
		const struct presence_entry *e = presence_get(d->presence, i);

		people[i].since_ms = e->arrived_ms;
		if (store_member_get(d->st, e->member_id, &m[i]) == 1 && m[i].public && !m[i].erased)
			people[i].name = m[i].display_name[0] ? m[i].display_name : m[i].name;
	}
	mqtt_presence_changed(d->mqtt, people, n);
done:
	free(people);
	free(m);
}

/* A checkout's departure is committed (or not): seuilctl, which may erase
 * the member next, hears only now. */
static void
daemon_checked_out(void *arg, int client, bool ok)
{
	struct daemon *d = arg;
	cJSON *r;

	if (!ok) {
		control_reply(d->control, client, control_error("cannot record the departure"));
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", 1);
	cJSON_AddBoolToObject(r, "was_present", 1);
	control_reply(d->control, client, r);
}

/* ---- enrolment by tap ---- */

static cJSON *
reply_ok(void)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddBoolToObject(r, "ok", 1);
	return r;
}

struct enrol_job {
	int		client;
	int64_t		member_id;
	int64_t		badge_id;	/* the writer's answer */
	uint8_t		mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	char		reader[CONFIG_NAME_MAX + 1];
	char		door[CONFIG_NAME_MAX + 1];
	int64_t		ts_ms, mono_ms;
	bool		synced;
};

/* Writer thread: the badge and its event in one transaction. */
static int
enrol_run(struct writer_job *j, struct store *st)
{
	struct enrol_job *e = writer_job_data(j);
	struct event ev = { .type = "badge_enrolled", .door = e->door[0] ? e->door : NULL,
	    .reader = e->reader,
	    .member_id = e->member_id, .ts_ms = e->ts_ms, .mono_ms = e->mono_ms,
	    .clock_synced = e->synced };

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

	if (j->rc != 0) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, e->client, control_error(j->err));
		return;
	}
	if (ri != -1) {		/* linked: two beeps where the badge is */
		feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
		daemon_feedback_drive(d, clock_mono_ms());
	}
	r = reply_ok();
	cJSON_AddNumberToObject(r, "badge_id", (double)e->badge_id);
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
	if (!d->enrol.active || !rc->enrol ||
	    (d->enrol.reader_index != -1 && d->enrol.reader_index != ri))
		return;
	d->enrol.active = false;
	daemon_feedback_enrol_end(d);
	memcpy(e.mac, mac, UID_MAC_LEN);
	snprintf(e.hint, sizeof(e.hint), "%s", hint);
	snprintf(e.reader, sizeof(e.reader), "%s", rc->name);
	snprintf(e.door, sizeof(e.door), "%s", config_reader_door(rc) ? config_reader_door(rc) : "");
	if (writer_submit(d->writer, enrol_run, enrol_done, d, 0, 0, &e, sizeof(e)) == -1) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, e.client, control_error("the store is busy, try again"));
	}
}

static void
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
		control_reply(d->control, d->enrol.client, control_error("timeout"));
	}
}

/* ---- control requests ---- */

static int
json_int(const cJSON *req, const char *key, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, key);

	/* The range first: converting a double outside int64 is undefined. */
	if (!cJSON_IsNumber(v) || !(v->valuedouble > -9.0e18 && v->valuedouble < 9.0e18) ||
	    v->valuedouble != (double)(int64_t)v->valuedouble)
		return -1;
	*out = (int64_t)v->valuedouble;
	return 0;
}

static int
json_door(struct daemon *d, const cJSON *req, int *door_index, const char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "door");

	if (v == NULL || cJSON_IsNull(v)) {
		*door_index = -1;
		return 0;
	}
	if (!cJSON_IsString(v) || (*door_index = config_door_index(d->conf, v->valuestring)) == -1) {
		*err = "unknown door";
		return -1;
	}
	return 0;
}

/* The reader an enrolment waits at: the named one, which must allow
 * enrolment, or any that does (-1); there must be one. */
static int
json_enrol_reader(struct daemon *d, const cJSON *req, int *reader_index, const char **err)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(req, "reader");
	int i;

	if (v == NULL) {
		*reader_index = -1;
		for (i = 0; i < d->conf->nreaders; i++)
			if (d->conf->readers[i].enrol)
				return 0;
		*err = "no reader allows enrolment: set enrol = true in the [reader.NAME] "
		    "section of a reader where the manager is (a desk reader)";
		return -1;
	}
	if (!cJSON_IsString(v) || (*reader_index = config_reader_index(d->conf,
	    v->valuestring)) == -1) {
		*err = "unknown reader";
		return -1;
	}
	if (!d->conf->readers[*reader_index].enrol) {
		*err = "that reader does not allow enrolment (enrol = false)";
		return -1;
	}
	return 0;
}

static cJSON *
control_status(struct daemon *d)
{
	cJSON *r = reply_ok(), *doors, *readers, *o;
	int64_t now = clock_mono_ms();

	cJSON_AddStringToObject(r, "version", SEUIL_VERSION);
	cJSON_AddNumberToObject(r, "pid", getpid());
	cJSON_AddNumberToObject(r, "uptime_s", (double)((now - d->started_mono) / 1000));
	cJSON_AddNumberToObject(r, "last_seq", (double)store_last_seq(d->st));
	cJSON_AddBoolToObject(r, "clock_synced", clock_synced());
	cJSON_AddStringToObject(r, "database", d->conf->database);
	doors = cJSON_AddArrayToObject(r, "doors");
	for (int i = 0; i < d->conf->ndoors; i++) {
		int c = door_contact(d->doors[i]);

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", d->conf->doors[i].name);
		cJSON_AddStringToObject(o, "state", door_state_name(door_get_state(d->doors[i])));
		cJSON_AddBoolToObject(o, "relay", door_relay_on(d->doors[i]));
		cJSON_AddStringToObject(o, "contact", c == 1 ? "open" : c == 0 ? "closed" : "unknown");
		cJSON_AddItemToArray(doors, o);
	}
	readers = cJSON_AddArrayToObject(r, "readers");
	for (int i = 0; i < d->conf->nreaders; i++) {
		const struct reader_conf *rc = &d->conf->readers[i];
		int64_t hb = readers_last_heartbeat(d->readers, i);

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", rc->name);
		if (rc->door_index >= 0)
			cJSON_AddStringToObject(o, "door", rc->door);
		else
			cJSON_AddNullToObject(o, "door");
		cJSON_AddBoolToObject(o, "enrol", rc->enrol);
		cJSON_AddStringToObject(o, "direction", config_direction_name(rc->direction));
		cJSON_AddBoolToObject(o, "online", readers_online(d->readers, i));
		cJSON_AddBoolToObject(o, "locked_out", lockout_active(&d->lockouts[i], now));
		if (hb > 0)
			cJSON_AddNumberToObject(o, "last_heartbeat_ms_ago", (double)(now - hb));
		else
			cJSON_AddNullToObject(o, "last_heartbeat_ms_ago");
		cJSON_AddNumberToObject(o, "restarts", readers_restarts(d->readers, i));
		cJSON_AddItemToArray(readers, o);
	}
	o = cJSON_AddObjectToObject(r, "presence");
	cJSON_AddNumberToObject(o, "count", presence_count(d->presence));
	o = cJSON_AddObjectToObject(r, "mqtt");
	cJSON_AddBoolToObject(o, "enabled", d->conf->mqtt_enabled);
	cJSON_AddBoolToObject(o, "connected", d->mqtt != NULL && mqtt_connected(d->mqtt));
	cJSON_AddNumberToObject(o, "published_seq", d->mqtt ? (double)mqtt_published_seq(d->mqtt) : 0);
	return r;
}

struct unlock_job {
	struct writer_event ev;
	int		client;		/* -1: nobody to answer (MQTT) */
	int64_t		ms;
};

static int
unlock_run(struct writer_job *j, struct store *st)
{
	struct unlock_job *u = writer_job_data(j);
	struct event ev;

	writer_event_get(&u->ev, &ev);
	return writer_append_event(st, &ev) == -1 ? -1 : 0;
}

/* As for a badge: no event, no pulse. */
static void
unlock_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct unlock_job *u = writer_job_data(j);
	int di = config_door_index(d->conf, u->ev.door);
	cJSON *r;

	if (j->rc != 0 || di == -1 || d->stop) {
		log_warnx("door %s: remote unlock not recorded, door stays locked: %s", u->ev.door,
		    di == -1 ? "the door was removed by a reload" :
		    d->stop ? "seuild is stopping" : j->err);
		r = control_error("cannot record the unlock; door stays locked");
	} else if (door_unlock(d->doors[di], u->ms, clock_mono_ms()) == -1) {
		r = control_error("cannot drive the strike");
	} else {
		r = reply_ok();
		cJSON_AddStringToObject(r, "door", u->ev.door);
		cJSON_AddNumberToObject(r, "seconds", (double)(u->ms / 1000));
	}
	if (u->client != -1)
		control_reply(d->control, u->client, r);
	else
		cJSON_Delete(r);
}

/* Returns an error, or NULL once the unlock is on its way (the reply, if
 * client != -1, follows when its event is committed). */
static cJSON *
control_door_unlock(struct daemon *d, int client, int door_index, int64_t seconds,
    const char *source)
{
	struct door *door;
	char detail[96];
	struct unlock_job u = { .client = client };
	struct event ev = { .type = "unlock_remote", .detail = detail };

	if (door_index == -1) {
		if (d->conf->ndoors != 1)
			return control_error("several doors: name one");
		door_index = 0;
	}
	door = d->doors[door_index];
	if (seconds == 0)
		seconds = door_conf(door)->unlock_ms / 1000;
	if (seconds < 1 || seconds > CONFIG_UNLOCK_CAP_MS / 1000)	/* no overflow */
		return control_error("seconds must be between 1 and 60");
	ev.door = d->conf->doors[door_index].name;
	snprintf(detail, sizeof(detail), "%s, %lld s", source, (long long)seconds);
	daemon_stamp(&ev);
	writer_event_set(&u.ev, &ev);
	u.ms = seconds * 1000;
	/* Like a tap, an unlock that cannot be recorded soon is refused
	 * rather than opening the door long after it was asked for. */
	if (writer_submit(d->writer, unlock_run, unlock_done, d, ev.mono_ms + TAP_BOUND_MS, 0,
	    &u, sizeof(u)) == -1)
		return control_error("cannot record the unlock; door stays locked");
	return NULL;
}

static int daemon_reload(struct daemon *d, char *err, size_t errlen);

/*
 * The control socket's roles (docs/security.md lists every request): the
 * read role may only look, the operate role may act on doors, enrolment,
 * presence and the configuration.  Root may do all.
 */
enum control_role { ROLE_NONE, ROLE_READ, ROLE_OPERATE };

static const struct {
	const char		*cmd;
	enum control_role	 role;
} control_roles[] = {
	{ "status",		ROLE_READ },
	{ "checkout",		ROLE_OPERATE },
	{ "door_unlock",	ROLE_OPERATE },
	{ "reload",		ROLE_OPERATE },
	{ "enroll",		ROLE_OPERATE },
	{ "badge_add",		ROLE_OPERATE },
};

static gid_t
group_gid(const char *name)
{
	struct group *g = getgrnam(name);

	return g != NULL ? g->gr_gid : (gid_t)-1;
}

static enum control_role
peer_role(const struct daemon *d, const struct control_peer *peer)
{
	if (peer->uid == 0)
		return ROLE_OPERATE;
	if (control_peer_in_group(peer, group_gid(d->conf->control_operate_group)))
		return ROLE_OPERATE;
	if (control_peer_in_group(peer, group_gid(d->conf->control_read_group)))
		return ROLE_READ;
	return ROLE_NONE;
}

/* "uid:1000(alice)", as the event log's actor column names OS users. */
static void
peer_actor(const struct control_peer *peer, char *buf, size_t len)
{
	struct passwd *pw = peer->uid != (uid_t)-1 ? getpwuid(peer->uid) : NULL;

	if (pw != NULL)
		snprintf(buf, len, "uid:%ld(%.64s)", (long)peer->uid, pw->pw_name);
	else
		snprintf(buf, len, "uid:%ld", (long)peer->uid);
}

/* NULL when the peer may make request cmd, else the refusal (logged as a
 * control_refused event). */
static cJSON *
daemon_control_refuse(struct daemon *d, const char *cmd, const struct control_peer *peer)
{
	enum control_role need = ROLE_OPERATE, have = peer_role(d, peer);
	char actor[96], detail[128];
	size_t i;

	for (i = 0; i < sizeof(control_roles) / sizeof(control_roles[0]); i++)
		if (strcmp(control_roles[i].cmd, cmd) == 0)
			need = control_roles[i].role;
	if (have >= need)
		return NULL;
	peer_actor(peer, actor, sizeof(actor));
	snprintf(detail, sizeof(detail), "%.40s needs %s", cmd,
	    need == ROLE_READ ? "read_group" : "operate_group");
	log_warnx("control: refused '%.40s' from %s: not in %s", cmd, actor,
	    need == ROLE_READ ? d->conf->control_read_group : d->conf->control_operate_group);
	daemon_staff_event(d, "control_refused", actor, detail);
	snprintf(detail, sizeof(detail), "permission denied: '%.40s' needs membership of group "
	    "'%s'", cmd, need == ROLE_READ ? d->conf->control_read_group :
	    d->conf->control_operate_group);
	return control_error(detail);
}

struct badge_add_job {
	int		client;
	int64_t		member_id;
	int64_t		badge_id;	/* the writer's answer */
	uint8_t		mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	char		label[128];
	int64_t		ts_ms;
};

static int
badge_add_run(struct writer_job *j, struct store *st)
{
	struct badge_add_job *b = writer_job_data(j);

	b->badge_id = store_badge_add(st, b->member_id, b->mac, b->hint, b->label, b->ts_ms);
	return b->badge_id < 0 ? -1 : 0;
}

static void
badge_add_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct badge_add_job *b = writer_job_data(j);
	cJSON *r;

	if (j->rc != 0) {
		r = control_error(j->rc == WRITER_EXPIRED ? "the store is busy, try again" : j->err);
	} else {
		r = reply_ok();
		cJSON_AddNumberToObject(r, "badge_id", (double)b->badge_id);
		cJSON_AddStringToObject(r, "hint", b->hint);
	}
	explicit_bzero(b->mac, sizeof(b->mac));
	control_reply(d->control, b->client, r);
}

/*
 * A badge by its typed UID, for a program that does not hold the UID key
 * (seuil-web): the daemon turns it into the MAC and the hint, wipes it,
 * and the writer stores the badge; the reply (NULL here: it follows) never
 * repeats the UID.
 */
static cJSON *
control_badge_add(struct daemon *d, int client, const cJSON *req)
{
	const cJSON *u = cJSON_GetObjectItemCaseSensitive(req, "uid");
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(req, "label");
	struct badge_add_job b = { .client = client, .ts_ms = clock_wall_ms() };
	char why[128];
	struct member_row m;
	struct uid uid;
	int64_t id;
	int rc;

	if (json_int(req, "member", &id) == -1)
		return control_error("badge_add needs a numeric \"member\"");
	if (!cJSON_IsString(u))
		return control_error("badge_add needs \"uid\" (hex)");
	if (l != NULL && (!cJSON_IsString(l) || strlen(l->valuestring) >= 128))
		return control_error("\"label\" must be text under 128 bytes");
	if (store_member_get(d->st, id, &m) != 1)
		return control_error("no such member");
	if (uid_parse(u->valuestring, &uid, why, sizeof(why)) == -1)
		return control_error(why);
	uid_mac(d->key, &uid, b.mac);
	uid_hint(&uid, b.hint);
	uid_wipe(&uid);
	b.member_id = id;
	snprintf(b.label, sizeof(b.label), "%s", cJSON_IsString(l) ? l->valuestring : "");
	rc = writer_submit(d->writer, badge_add_run, badge_add_done, d, 0, 0, &b, sizeof(b));
	explicit_bzero(&b, sizeof(b));
	return rc == -1 ? control_error("the store is busy, try again") : NULL;
}

static cJSON *
daemon_control(void *arg, int client, const cJSON *req, const struct control_peer *peer)
{
	struct daemon *d = arg;
	const char *cmd = cJSON_GetObjectItemCaseSensitive(req, "cmd")->valuestring;
	const char *why = NULL;
	int64_t id, seconds = 0, timeout = 60;
	int door_index, reader_index;
	cJSON *refused;

	if ((refused = daemon_control_refuse(d, cmd, peer)) != NULL)
		return refused;
	if (strcmp(cmd, "status") == 0)
		return control_status(d);
	if (strcmp(cmd, "checkout") == 0) {
		cJSON *r;
		int was;

		if (json_int(req, "member", &id) == -1)
			return control_error("checkout needs a numeric \"member\"");
		if ((was = presence_checkout(d->presence, id, clock_wall_ms(), client)) == -1)
			return control_error("cannot record the departure now, try again");
		if (was == 1)
			return NULL;	/* daemon_checked_out answers once it is committed */
		r = reply_ok();
		cJSON_AddBoolToObject(r, "was_present", was == 1);
		return r;
	}
	if (strcmp(cmd, "door_unlock") == 0) {
		char source[112];

		if (json_door(d, req, &door_index, &why) == -1)
			return control_error(why);
		if (cJSON_GetObjectItemCaseSensitive(req, "seconds") != NULL &&
		    json_int(req, "seconds", &seconds) == -1)
			return control_error("\"seconds\" must be a whole number");
		if (seconds == 0 && cJSON_GetObjectItemCaseSensitive(req, "seconds") != NULL)
			return control_error("seconds must be between 1 and 60");
		peer_actor(peer, source, sizeof(source));
		return control_door_unlock(d, client, door_index, seconds, source);
	}
	if (strcmp(cmd, "reload") == 0) {
		char err[512];

		if (daemon_reload(d, err, sizeof(err)) == -1)
			return control_error(err);
		return reply_ok();
	}
	if (strcmp(cmd, "enroll") == 0) {
		struct member_row m;

		if (json_int(req, "member", &id) == -1)
			return control_error("enroll needs a numeric \"member\"");
		if (json_enrol_reader(d, req, &reader_index, &why) == -1)
			return control_error(why);
		if (cJSON_GetObjectItemCaseSensitive(req, "timeout") != NULL &&
		    (json_int(req, "timeout", &timeout) == -1 || timeout < 1 || timeout > 3600))
			return control_error("timeout must be between 1 and 3600 seconds");
		if (store_member_get(d->st, id, &m) != 1)
			return control_error("no such member");
		if (d->enrol.active && control_client_alive(d->control, d->enrol.client))
			return control_error("another enrolment is waiting for a tap");
		if (d->enrol.active)	/* its seuilctl is gone: its readers stop blinking */
			daemon_feedback_enrol_end(d);
		d->enrol = (struct enrolment){ .active = true, .client = client, .member_id = id,
		    .reader_index = reader_index, .deadline = clock_mono_ms() + timeout * 1000 };
		daemon_feedback_enrol_wait(d, clock_mono_ms());
		log_info("enrolment: waiting %lld s for a badge for member %lld (control uid %ld)",
		    (long long)timeout, (long long)id, (long)peer->uid);
		return NULL;
	}
	if (strcmp(cmd, "badge_add") == 0)
		return control_badge_add(d, client, req);
	return control_error("unknown command");
}

/* ---- mqtt remote unlock ---- */

static void
daemon_mqtt_unlock(void *arg, int door_index, int seconds, const char *command_id)
{
	struct daemon *d = arg;
	char source[160];
	cJSON *r;

	snprintf(source, sizeof(source), "mqtt id %.100s", command_id ? command_id : "-");
	r = control_door_unlock(d, -1, door_index, seconds, source);
	cJSON_Delete(r);
}

/* ---- hardware up and down ---- */

/* Every door of the current configuration, its strike driven locked.  At
 * start this comes first, before anything that can fail (issue 9): a
 * restart after a crash with the strike energised locks it even if the
 * key or the database then stops the start. */
static int
daemon_doors_up(struct daemon *d, char *err, size_t errlen)
{
	struct door_hooks dh = { daemon_door_event, daemon_door_state, d };

	for (int i = 0; i < d->conf->ndoors; i++)
		if ((d->doors[i] = door_new(&d->conf->doors[i], i, &dh, err, errlen)) == NULL)
			return -1;
	return 0;
}

/* Readers and MQTT, once the doors are up. */
static int
daemon_io_up(struct daemon *d, char *err, size_t errlen)
{
	struct readers_hooks rh = { daemon_tap, daemon_reader_status, daemon_forget_secrets, d };

	if ((d->readers = readers_new(d->conf, &rh)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (d->conf->mqtt_enabled &&
	    (d->mqtt = mqtt_new(d->conf, d->st, daemon_mqtt_unlock, d, err, errlen)) == NULL)
		return -1;
	if (d->mqtt)
		mqtt_set_writer(d->mqtt, d->writer);
	/* Retained door states exist from the start, not from the first change. */
	for (int i = 0; i < d->conf->ndoors; i++)
		daemon_door_state(d, i, door_get_state(d->doors[i]));
	return 0;
}

/* Doors first: every strike is driven locked before anything can ask to
 * open it. */
static int
daemon_hw_up(struct daemon *d, char *err, size_t errlen)
{
	if (daemon_doors_up(d, err, errlen) == -1 || daemon_feedback_up(d, err, errlen) == -1)
		return -1;
	return daemon_io_up(d, err, errlen);
}

/* The timezone and the writer's copy of the configuration change together,
 * under the writer's lock: a tap being decided sees the old or the new. */
static int
daemon_settings(struct daemon *d, const struct config *conf, char *err, size_t errlen)
{
	int rc;

	writer_lock(d->writer);
	if ((rc = tz_set(conf->timezone, err, errlen)) == 0)
		memcpy(d->wconf, conf, sizeof(*conf));
	writer_unlock(d->writer);
	return rc;
}

static void
daemon_hw_down(struct daemon *d)
{
	for (int i = 0; i < CONFIG_MAX_DOORS; i++) {
		door_free(d->doors[i]);		/* drives locked */
		d->doors[i] = NULL;
	}
	daemon_feedback_down(d);
	readers_free(d->readers);
	d->readers = NULL;
	mqtt_free(d->mqtt);
	d->mqtt = NULL;
}

/* Log a config's errors line by line (they arrive as one text). */
static int
daemon_load_config(const char *path, struct config *conf, char *err, size_t errlen)
{
	char *text = NULL, *line, *save;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int n;

	if (f == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = config_load(path, conf, f);
	fclose(f);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_warnx("%s", line);
	if (n != 0)
		snprintf(err, errlen, "%.200s: configuration has errors, keeping the old one", path);
	free(text);
	return n == 0 ? 0 : -1;
}

/*
 * Reload: a bad new configuration is refused and the old one kept.  A good
 * one replaces doors, readers and MQTT whole: doors are driven locked and
 * reopened, which is simpler to reason about than patching them live.
 */
/*
 * A reload must not be a way to clear lockouts (anyone who may reload could
 * then keep guessing): each reader keeps its lockout by name; a new reader
 * starts clean.
 */
static void
daemon_keep_lockouts(struct daemon *d, const struct config *from, const struct config *to)
{
	struct lockout kept[CONFIG_MAX_READERS];
	int k;

	for (int i = 0; i < to->nreaders; i++) {
		if ((k = config_reader_index(from, to->readers[i].name)) >= 0)
			kept[i] = d->lockouts[k];
		else
			lockout_init(&kept[i]);
	}
	memcpy(d->lockouts, kept, sizeof(kept[0]) * (size_t)to->nreaders);
}

static int
daemon_reload(struct daemon *d, char *err, size_t errlen)
{
	struct config *nc = malloc(sizeof(*nc)), *old = d->conf;

	if (nc == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (daemon_load_config(old->path, nc, err, errlen) == -1)
		goto refuse;
	if (strcmp(nc->database, old->database) != 0 || strcmp(nc->uid_key_file, old->uid_key_file) != 0 ||
	    strcmp(nc->control_socket, old->control_socket) != 0) {
		snprintf(err, errlen, "%.200s: database, uid_key_file and control socket change only "
		    "at a restart, keeping the old configuration", old->path);
		goto refuse;
	}
	if (daemon_settings(d, nc, err, errlen) == -1)
		goto refuse;

	daemon_hw_down(d);
	daemon_keep_lockouts(d, old, nc);
	d->conf = nc;
	presence_set_config(d->presence, nc);
	if (daemon_hw_up(d, err, errlen) == -1) {
		char again[256];

		log_warnx("reload: %s; going back to the old configuration", err);
		daemon_hw_down(d);
		daemon_keep_lockouts(d, nc, old);
		d->conf = old;
		presence_set_config(d->presence, old);
		daemon_settings(d, old, again, sizeof(again));
		if (daemon_hw_up(d, again, sizeof(again)) == -1)
			fatalx("reload: cannot restore the old configuration: %s", again);
		free(nc);
		return -1;
	}
	/* A waiting enrolment names its reader by index: the new configuration
	 * may order the readers differently, no longer have that reader, or no
	 * longer let it enrol. */
	if (d->enrol.active && d->enrol.reader_index != -1 &&
	    ((d->enrol.reader_index = config_reader_index(nc,
	    old->readers[d->enrol.reader_index].name)) == -1 ||
	    !nc->readers[d->enrol.reader_index].enrol)) {
		d->enrol.active = false;
		control_reply(d->control, d->enrol.client,
		    control_error("the enrolment's reader was removed or no longer enrols"));
	}
	if (d->enrol.active)	/* the new lines blink for it too */
		daemon_feedback_enrol_wait(d, clock_mono_ms());
	free(old);
	log_info("configuration reloaded");
	daemon_presence_changed(d);
	return 0;
refuse:
	log_warnx("reload: %s", err);
	free(nc);
	return -1;
}

/* ---- housekeeping ---- */

struct purge_job {
	int64_t	now_ms, event_retention_ms, visit_retention_ms;
	int64_t	events, visits;
};

static int
purge_run(struct writer_job *j, struct store *st)
{
	struct purge_job *p = writer_job_data(j);

	return store_purge(st, p->now_ms, p->event_retention_ms, p->visit_retention_ms,
	    &p->events, &p->visits);
}

static void
purge_done(struct writer_job *j)
{
	struct purge_job *p = writer_job_data(j);

	if (j->rc != 0) {
		log_warnx("purge: %s", j->err);
		return;
	}
	log_info("purge: deleted %lld events and %lld visits past retention",
	    (long long)p->events, (long long)p->visits);
}

/*
 * Retention (CNIL: badge logs are kept 90 days by default): at start-up,
 * once ready, and then every 24 hours.  Each run deletes about a day's rows,
 * which is quick; a daemon that was stopped for long catches up at once.
 */
static void
daemon_purge(struct daemon *d, int64_t now)
{
	struct purge_job p = { .now_ms = clock_wall_ms(),
	    .event_retention_ms = d->conf->event_retention_ms,
	    .visit_retention_ms = d->conf->visit_retention_ms };

	if (now < d->next_purge)
		return;
	d->next_purge = now + PURGE_EVERY_MS;
	if (writer_submit(d->writer, purge_run, purge_done, d, 0, 0, &p, sizeof(p)) == -1)
		log_warnx("purge: the writer's queue is full; next time");
}

/* ---- the loop ---- */

static int
daemon_signals(struct daemon *d)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) == -1)
		return -1;
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return d->sigfd == -1 ? -1 : 0;
}

static void
daemon_signal_in(struct daemon *d, int64_t now)
{
	struct signalfd_siginfo si;
	char err[512];

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_info("signal %d: stopping", (int)si.ssi_signo);
			d->stop = true;
			break;
		case SIGHUP:
			log_info("SIGHUP: reloading the configuration");
			sd_notify(0, "RELOADING=1");
			daemon_reload(d, err, sizeof(err));
			sd_notify(0, "READY=1");
			break;
		case SIGCHLD:
			readers_tick(d->readers, now);
			break;
		}
	}
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* Time until the earliest deadline of any module, in ms for poll(). */
static int
daemon_timeout(struct daemon *d, int64_t now_mono)
{
	int64_t next = now_mono + HOUSEKEEPING_MS, wall_next;

	for (int i = 0; i < d->conf->ndoors; i++)
		next = min64(next, door_deadline(d->doors[i]));
	next = min64(next, readers_deadline(d->readers));
	if (d->mqtt)
		next = min64(next, mqtt_deadline(d->mqtt) < 0 ? INT64_MAX : mqtt_deadline(d->mqtt));
	if (d->enrol.active)
		next = min64(next, d->enrol.deadline);
	next = min64(next, daemon_feedback_deadline(d, now_mono));
	wall_next = presence_deadline(d->presence);
	if (wall_next != INT64_MAX)
		next = min64(next, now_mono + (wall_next - clock_wall_ms()));
	if (next <= now_mono)
		return 0;
	return (int)(next - now_mono);
}

static void
daemon_loop(struct daemon *d)
{
	struct pollfd pfds[MAX_POLLFDS];
	int ctl_at, ctl_n, rd_at, rd_n, door_at[CONFIG_MAX_DOORS], door_n[CONFIG_MAX_DOORS];
	int mqtt_at, wr_at, n;
	int64_t now;

	while (!d->stop) {
		now = clock_mono_ms();
		n = 0;
		pfds[n++] = (struct pollfd){ .fd = d->sigfd, .events = POLLIN };
		wr_at = n;
		pfds[n++] = (struct pollfd){ .fd = writer_fd(d->writer), .events = POLLIN };
		ctl_at = n;
		n += ctl_n = control_pollfds(d->control, pfds + n, MAX_POLLFDS - n);
		rd_at = n;
		n += rd_n = readers_pollfds(d->readers, pfds + n, MAX_POLLFDS - n);
		for (int i = 0; i < d->conf->ndoors; i++) {
			int fds[DOORIO_MAX_FDS];

			door_at[i] = n;
			door_n[i] = door_pollfds(d->doors[i], fds);
			for (int k = 0; k < door_n[i]; k++)
				pfds[n++] = (struct pollfd){ .fd = fds[k], .events = POLLIN };
		}
		mqtt_at = n;
		if (d->mqtt) {
			mqtt_pollfd(d->mqtt, &pfds[n]);
			pfds[n].revents = 0;
			n++;
		}

		if (poll(pfds, (nfds_t)n, daemon_timeout(d, now)) == -1 && errno != EINTR) {
			log_warn("poll");
			continue;
		}
		now = clock_mono_ms();

		/* Doors and readers first: they are what a person at the door
		 * waits for.  Taps go to the writer; its answers (a committed
		 * grant opens) come back through its fd. */
		readers_handle(d->readers, pfds + rd_at, rd_n, now);
		if (pfds[wr_at].revents && writer_dispatch(d->writer) > 0)
			d->events_pending = true;
		for (int i = 0; i < d->conf->ndoors; i++) {
			for (int k = 0; k < door_n[i]; k++)
				if (pfds[door_at[i] + k].revents)
					door_input(d->doors[i], pfds[door_at[i] + k].fd, now);
			door_tick(d->doors[i], now);
		}
		readers_tick(d->readers, now);
		if (pfds[0].revents)
			daemon_signal_in(d, now);
		if (d->stop)
			break;
		control_handle(d->control, pfds + ctl_at, ctl_n);
		presence_tick(d->presence, clock_wall_ms());
		daemon_enrol_tick(d, now);
		/* A fresh time: a tap's answer above started its pattern after
		 * `now`, and an older time would blank it for a moment. */
		daemon_feedback_drive(d, clock_mono_ms());
		daemon_purge(d, now);
		daemon_events_flush(d);
		if (d->mqtt)
			mqtt_service(d->mqtt, d->mqtt ? &pfds[mqtt_at] : NULL, now);

		/* The watchdog hears from the loop itself, only when it turns
		 * (never from the writer thread), so a wedged loop is restarted
		 * by systemd (and the strike falls back to locked); a wedged
		 * store only denies taps. */
		if (d->watchdog_usec && (now - d->last_watchdog) * 2000 >= (int64_t)d->watchdog_usec) {
			sd_notify(0, "WATCHDOG=1");
			d->last_watchdog = now;
		}
	}
}

/* The loop's reads (WAL: they wait for no writer, only for a checkpoint
 * or a recovery by another program) give up soon rather than stall it. */
static int
daemon_read_busy(void *arg, int count)
{
	(void)arg;
	if (count * 5 >= READ_BUSY_MS)
		return 0;
	usleep(5000);
	return 1;
}

/* A start that fails after the doors are up: they are driven locked
 * (again) and released before the exit. */
static int
daemon_fail(struct daemon *d, int code)
{
	daemon_hw_down(d);
	control_close(d->control);
	presence_free(d->presence);
	writer_free(d->writer);
	store_close(d->st);
	explicit_bzero(d->key, sizeof(d->key));
	free(d->wconf);
	free(d->conf);
	return code;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = CONFIG_DEFAULT_PATH;
	struct daemon dm, *d = &dm;
	int ch, foreground = 0, verbose = 0, check = 0;
	char err[512];

	while ((ch = getopt_long(argc, argv, "df:nvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd': foreground = 1; break;
		case 'f': path = optarg; break;
		case 'n': check = 1; break;
		case 'v': verbose++; break;
		case 'V': printf("seuild %s\n", SEUIL_VERSION); return 0;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	memset(d, 0, sizeof(*d));
	d->sigfd = -1;
	if ((d->conf = malloc(sizeof(*d->conf))) == NULL)
		return EX_OSERR;
	if (check) {
		int n = config_load(path, d->conf, stderr);

		if (n != 0) {
			free(d->conf);
			return EX_CONFIG;
		}
		if (verbose)
			config_print(d->conf, stdout);
		printf("configuration OK\n");
		free(d->conf);
		return 0;
	}
	/* The process will hold the UID key and raw UIDs: no core dump, no
	 * ptrace by another process of the same user. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1)
		fatal("prctl(PR_SET_DUMPABLE)");
	if (config_load(path, d->conf, stderr) != 0) {
		free(d->conf);
		return EX_CONFIG;
	}

	log_init("seuild", foreground, verbose);
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	for (int i = 0; i < CONFIG_MAX_READERS; i++)
		lockout_init(&d->lockouts[i]);
	/* Lock first: every door driven locked before anything else can fail;
	 * then the readers' lights and buzzers, dark and silent. */
	if (daemon_doors_up(d, err, sizeof(err)) == -1 ||
	    daemon_feedback_up(d, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_UNAVAILABLE);
	}
	if ((d->wconf = malloc(sizeof(*d->wconf))) == NULL)
		return daemon_fail(d, EX_OSERR);
	memcpy(d->wconf, d->conf, sizeof(*d->conf));
	if (tz_set(d->conf->timezone, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_CONFIG);
	}
	if (uid_key_load(d->conf->uid_key_file, d->key, err, sizeof(err)) == -1) {
		log_warnx("%s (create it with `seuilctl init`)", err);
		return daemon_fail(d, EX_NOINPUT);
	}
	if ((d->st = store_open(d->conf->database, 0, err, sizeof(err))) == NULL ||
	    (d->writer = writer_new(d->conf->database, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_NOINPUT);
	}
	store_busy_handler(d->st, daemon_read_busy, NULL);
	if (daemon_signals(d) == -1)
		fatal("signals");
	d->started_mono = clock_mono_ms();
	d->next_purge = d->started_mono;

	if (daemon_io_up(d, err, sizeof(err)) == -1 ||
	    (d->control = control_open(d->conf->control_socket,
	    group_gid(d->conf->control_read_group), daemon_control, d, err,
	    sizeof(err))) == NULL) {
		log_warnx("%s", err);
		return daemon_fail(d, EX_UNAVAILABLE);
	}
	daemon_simple_event(d, "daemon_start", NULL, NULL, NULL, SEUIL_VERSION);
	{
		struct presence_hooks ph = { daemon_event_append, daemon_presence_changed,
		    daemon_checked_out, d };

		if ((d->presence = presence_new(d->conf, d->st, d->writer, &ph)) == NULL ||
		    presence_load(d->presence, clock_wall_ms()) == -1) {
			log_warnx("presence: %s", store_errmsg(d->st));
			return daemon_fail(d, EX_UNAVAILABLE);
		}
	}
	daemon_presence_changed(d);
	if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
		d->watchdog_usec = 0;
	sd_notify(0, "READY=1");
	log_info("ready: %d door(s), %d reader(s), database %s", d->conf->ndoors,
	    d->conf->nreaders, d->conf->database);

	daemon_loop(d);

	sd_notify(0, "STOPPING=1");
	for (int i = 0; i < d->conf->ndoors; i++)
		door_lock(d->doors[i], clock_mono_ms());
	daemon_feedback_down(d);	/* dark and silent: "do not wait" */
	daemon_simple_event(d, "daemon_stop", NULL, NULL, NULL, NULL);
	/* What is queued is written (taps past their bound are denied); the
	 * doors are locked meanwhile and no grant is acted on. */
	writer_drain(d->writer);
	daemon_events_flush(d);
	if (d->enrol.active)
		control_reply(d->control, d->enrol.client, control_error("seuild is stopping"));
	daemon_hw_down(d);
	control_close(d->control);
	presence_free(d->presence);
	writer_free(d->writer);
	store_close(d->st);
	explicit_bzero(d->key, sizeof(d->key));
	close(d->sigfd);
	free(d->wconf);
	free(d->conf);
	log_info("stopped");
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control socket's requests (core/control.h is the protocol): one table
 * of command, role and handler, the live requests that the loop answers
 * (status, checkout, door unlock, enrolment, reload), and MQTT's remote
 * unlock.  The changes to the store run on the writer (control_admin.c).
 */
#include <grp.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

/* ---- roles ---- */

gid_t
daemon_group_gid(const char *name)
{
	struct group *g = getgrnam(name);

	return g != NULL ? g->gr_gid : (gid_t)-1;
}

/*
 * What a peer may do: root and seuild's own user everything (they can
 * open the store for writing anyway: setup and recovery), then by the
 * groups the kernel gave the connection.
 */
static enum control_role
peer_role(const struct daemon *d, const struct control_peer *peer)
{
	if (peer->uid == 0 || peer->uid == geteuid())
		return ROLE_ADMIN;
	if (control_peer_in_group(peer, daemon_group_gid(d->conf->control_admin_group)))
		return ROLE_ADMIN;
	if (control_peer_in_group(peer, daemon_group_gid(d->conf->control_operate_group)))
		return ROLE_OPERATE;
	if (control_peer_in_group(peer, daemon_group_gid(d->conf->control_read_group)))
		return ROLE_READ;
	return ROLE_NONE;
}

bool
daemon_control_privileged(void *arg, const struct control_peer *peer)
{
	return peer_role(arg, peer) == ROLE_ADMIN;
}

static const char *
role_key(enum control_role role)
{
	switch (role) {
	case ROLE_READ:
		return "read_group";
	case ROLE_OPERATE:
		return "operate_group";
	default:
		return "admin_group";
	}
}

static const char *
role_group(const struct daemon *d, enum control_role role)
{
	switch (role) {
	case ROLE_READ:
		return d->conf->control_read_group;
	case ROLE_OPERATE:
		return d->conf->control_operate_group;
	default:
		return d->conf->control_admin_group;
	}
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

/* A console user as a program names it: "web:bob". */
static bool
valid_claim(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 64 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.@:-") == n;
}

/*
 * The control groups the configuration names must exist for their roles
 * to be given (docs/security.md).  A missing one is no reason to refuse to
 * start (root and seuild's own user keep every role), but it is said, by
 * `seuild -n` on standard error as FILE: [control] KEY 'NAME': ..., and in
 * the log at start.
 */
void
daemon_check_groups(const struct config *conf, const char *path)
{
	static const struct { const char *key, *role; size_t off; } g[] = {
		{ "read_group", "status", offsetof(struct config, control_read_group) },
		{ "operate_group", "unlock, enrol, check out and reload",
		    offsetof(struct config, control_operate_group) },
		{ "admin_group", "change members, badges, groups, schedules and console "
		    "accounts", offsetof(struct config, control_admin_group) },
	};
	const char *name;
	size_t i;

	for (i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		name = (const char *)conf + g[i].off;
		if (daemon_group_gid(name) != (gid_t)-1)
			continue;
		if (path != NULL)
			fprintf(stderr, "%s: [control] %s '%s': no such group: only root and "
			    "seuild's own user may %s (groupadd %s, then add the users)\n",
			    path, g[i].key, name, g[i].role, name);
		else
			log_warnx("control: %s '%s' does not exist: only root and seuild's own "
			    "user may %s", g[i].key, name, g[i].role);
	}
}

/* ---- the live requests ---- */

/* The writer's view of the store: a disk that is full, read-only or locked
 * shows here while it lasts, and as a store_error event once it is back. */
static void
status_store_health(struct daemon *d, cJSON *r)
{
	char why[256];
	long denied;
	bool ok = writer_health(d->writer, &denied, why, sizeof(why));
	cJSON *o = cJSON_AddObjectToObject(r, "store_health");

	cJSON_AddBoolToObject(o, "ok", ok);
	cJSON_AddNumberToObject(o, "denied_taps", (double)denied);
	if (ok)
		cJSON_AddNullToObject(o, "last_error");
	else
		cJSON_AddStringToObject(o, "last_error", why);
}

static cJSON *
cmd_status(struct call *c)
{
	struct daemon *d = c->d;
	cJSON *r = control_ok(), *doors, *readers, *o;
	int64_t now = clock_mono_ms();

	cJSON_AddStringToObject(r, "version", SEUIL_VERSION);
	cJSON_AddNumberToObject(r, "pid", getpid());
	cJSON_AddNumberToObject(r, "uptime_s", (double)((now - d->started_mono) / 1000));
	cJSON_AddNumberToObject(r, "last_seq", (double)store_last_seq(d->st));
	cJSON_AddBoolToObject(r, "clock_synced", clock_synced());
	cJSON_AddStringToObject(r, "database", d->conf->database);
	status_store_health(d, r);
	doors = cJSON_AddArrayToObject(r, "doors");
	for (int i = 0; i < d->conf->ndoors; i++) {
		int ct = door_contact(d->doors[i]);

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", d->conf->doors[i].name);
		cJSON_AddStringToObject(o, "state", door_state_name(door_get_state(d->doors[i])));
		cJSON_AddBoolToObject(o, "relay", door_relay_on(d->doors[i]));
		cJSON_AddStringToObject(o, "contact", ct == 1 ? "open" : ct == 0 ? "closed" :
		    "unknown");
		cJSON_AddBoolToObject(o, "office_hours", daemon_office_held(d, i));
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
	site_status(d, r);
	return r;
}

int
daemon_call_member(struct call *c, struct member_row *m, cJSON **reply)
{
	struct manage_err err;

	if (manage_member_find(c->d->st, c->member, m, &err) == -1) {
		*reply = control_fail(control_code_of(err.status), "%s", err.msg);
		return -1;
	}
	return 0;
}

static cJSON *
cmd_checkout(struct call *c)
{
	struct member_row m;
	cJSON *r;
	int was;

	if (daemon_call_member(c, &m, &r) == -1)
		return r;
	was = presence_checkout(c->d->presence, m.id, clock_wall_ms(), c->client,
	    c->actor);
	if (was == -1)
		return control_fail(CONTROL_BUSY, "cannot record the departure now, try again");
	/* A site's primary: the member may be on site at other nodes too. */
	if (site_primary(c->d) && was == 1)
		site_checkout(c->d, m.id, -1);
	if (was == 1)
		return NULL;	/* daemon_checked_out answers once it is committed */
	if (site_primary(c->d) && site_checkout(c->d, m.id, c->client) == 0)
		return NULL;	/* site_checkout answers */
	r = control_ok();
	cJSON_AddBoolToObject(r, "was_present", 0);
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
		r = control_fail(CONTROL_BUSY, "cannot record the unlock; door stays locked");
	} else if (door_unlock(d->doors[di], u->ms, clock_mono_ms()) == -1) {
		r = control_fail(CONTROL_DATABASE, "cannot drive the strike");
	} else {
		r = control_ok();
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
door_unlock_submit(struct daemon *d, int client, int door_index, int64_t seconds,
    const char *source, const char *actor)
{
	struct door *door;
	char detail[96];
	struct unlock_job u = { .client = client };
	struct event ev = { .type = "unlock_remote", .detail = detail, .actor = actor };

	if (door_index == -1) {
		if (d->conf->ndoors != 1)
			return control_fail(CONTROL_INVALID, "several doors: name one");
		door_index = 0;
	}
	door = d->doors[door_index];
	if (seconds == 0)
		seconds = door_conf(door)->unlock_ms / 1000;
	if (seconds < 1 || seconds > CONFIG_UNLOCK_CAP_MS / 1000)	/* no overflow */
		return control_fail(CONTROL_INVALID, "seconds must be between 1 and 60");
	ev.door = d->conf->doors[door_index].name;
	snprintf(detail, sizeof(detail), "%s, %lld s", source, (long long)seconds);
	store_event_stamp(&ev);
	writer_event_set(&u.ev, &ev);
	u.ms = seconds * 1000;
	/* Like a tap, an unlock that cannot be recorded soon is refused
	 * rather than opening the door long after it was asked for. */
	if (writer_submit(d->writer, unlock_run, unlock_done, d, ev.mono_ms + TAP_BOUND_MS, 0,
	    &u, sizeof(u)) == -1)
		return control_fail(CONTROL_BUSY, "cannot record the unlock; door stays locked");
	return NULL;
}

static cJSON *
cmd_door_unlock(struct call *c)
{
	int door_index = -1;

	if (c->req->door != NULL &&
	    (door_index = config_door_index(c->d->conf, c->req->door)) == -1)
		return control_fail(CONTROL_NOT_FOUND, "unknown door '%.40s'", c->req->door);
	return door_unlock_submit(c->d, c->client, door_index, c->req->seconds, c->actor,
	    c->actor);
}

/* Lock a door now: office hours end (schedule_relock, by the caller) and
 * a momentary unlock in force with them.  The next first-in tap opens
 * office hours again. */
static cJSON *
cmd_door_lock(struct call *c)
{
	struct daemon *d = c->d;
	int di = 0, was;
	cJSON *r;

	if (c->req->door != NULL) {
		if ((di = config_door_index(d->conf, c->req->door)) == -1)
			return control_fail(CONTROL_NOT_FOUND, "unknown door '%.40s'", c->req->door);
	} else if (d->conf->ndoors != 1)
		return control_fail(CONTROL_INVALID, "several doors: name one");
	was = daemon_office_end(d, di, OFFICE_MANUAL, c->actor);
	door_lock(d->doors[di], clock_mono_ms());
	r = control_ok();
	cJSON_AddStringToObject(r, "door", d->conf->doors[di].name);
	cJSON_AddBoolToObject(r, "was_held", was == 1);
	return r;
}

static cJSON *
cmd_reload(struct call *c)
{
	char err[512];

	if (daemon_reload(c->d, err, sizeof(err)) == -1)
		return control_fail(CONTROL_INVALID, "%s", err);
	return control_ok();
}

static int
count_active(const struct badge_row *b, void *arg)
{
	*(int *)arg += b->active;
	return 0;
}

/* A tap is waited for at the desk: one request at a time. */
static cJSON *
enrol_wait(struct call *c, enum enrol_op op, enum control_role role, int64_t member_id,
    int reader_index, int64_t timeout)
{
	struct daemon *d = c->d;

	if (timeout < 1 || timeout > 3600)
		return control_fail(CONTROL_INVALID, "timeout must be between 1 and 3600 seconds");
	if (d->enrol.active && control_client_alive(d->control, d->enrol.client))
		return control_fail(CONTROL_BUSY, "another enrolment is waiting for a tap");
	if (d->enrol.active)	/* its client is gone: its readers stop blinking */
		daemon_feedback_enrol_end(d);
	d->enrol = (struct enrolment){ .active = true, .op = op, .role = role,
	    .client = c->client, .member_id = member_id, .reader_index = reader_index,
	    .deadline = clock_mono_ms() + timeout * 1000 };
	snprintf(d->enrol.actor, sizeof(d->enrol.actor), "%s", c->actor);
	daemon_feedback_enrol_wait(d, clock_mono_ms());
	return NULL;
}

/*
 * A replica's desk: the tap is waited for here, and the primary, which
 * holds the members' names, finds the member and holds the role to its
 * limits (site_enrol.c).  A DESFire card is written here with the keys the
 * bundle brought, as a single Pi's desk does (enrol.c), and the primary
 * records it.
 */
static cJSON *
enrol_replica(struct call *c, enum control_role role, int reader_index, int64_t timeout)
{
	struct daemon *d = c->d;
	cJSON *r;

	if (site_enrol_busy(site_enrolment(d)))
		return control_fail(CONTROL_BUSY, "another enrolment is waiting for the "
		    "primary's answer");
	if ((r = enrol_wait(c, c->req->secure ? ENROL_SECURE : ENROL_UID, role, 0, reader_index,
	    timeout)) != NULL)
		return r;
	snprintf(d->enrol.member_ref, sizeof(d->enrol.member_ref), "%s", c->member);
	log_info("enrolment: waiting %lld s for a %s for member %s, to be made by the "
	    "primary (%s)", (long long)timeout, c->req->secure ? "DESFire card" : "badge",
	    c->member, c->actor);
	return NULL;
}

/*
 * Enrolment by tap, at a reader with enrol = true: the reply follows the
 * tap (enrol.c) or the timeout.  The operate role (a desk console, a
 * member of operate_group) may only give a first badge: adding one to a
 * member who already has an active badge would let whoever stands at the
 * desk enrol their own card to any member and keep it.  A secure
 * enrolment, at a desk reader only, checks that at the tap: the member's
 * own UID badge may be upgraded.  desk: a console desk account's request,
 * held to the operate role's limits whoever sends it.
 */
static cJSON *
cmd_enrol(struct call *c)
{
	struct daemon *d = c->d;
	struct member_row m;
	int64_t timeout = c->req->timeout ? c->req->timeout : 60;
	enum control_role role = c->req->desk && c->role > ROLE_OPERATE ? ROLE_OPERATE : c->role;
	int reader_index = -1, active = 0, i;
	cJSON *r;

	if (c->req->secure) {
		if ((reader_index = daemon_desk_reader(d, c->req->reader, &r)) == -1)
			return r;
	} else if (c->req->reader != NULL) {
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
			    "enrol = true in the [reader.NAME] section of a reader where the "
			    "manager is (a desk reader)");
	}
	if (config_replica(d->conf))
		return enrol_replica(c, role, reader_index, timeout);
	if (daemon_call_member(c, &m, &r) == -1)
		return r;
	if (m.erased)
		return control_fail(CONTROL_INVALID, "that member was erased");
	if (role < ROLE_ADMIN && !c->req->secure) {
		if (store_badges_list(d->st, m.id, count_active, &active) == -1)
			return control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st));
		if (active > 0)
			return control_fail(CONTROL_PERMISSION, "member %lld has an active badge "
			    "already: another one needs admin_group '%s'", (long long)m.id,
			    d->conf->control_admin_group);
	}
	if ((r = enrol_wait(c, c->req->secure ? ENROL_SECURE : ENROL_UID, role, m.id,
	    reader_index, timeout)) != NULL)
		return r;
	log_info("enrolment: waiting %lld s for a %s for member %lld (%s)", (long long)timeout,
	    c->req->secure ? "DESFire card" : "badge", (long long)m.id, c->actor);
	return NULL;
}

/* Remove our application from the next card at a desk reader, and revoke
 * its badge: the reply follows the tap (enrol.c) or the timeout. */
static cJSON *
cmd_badge_wipe(struct call *c)
{
	int64_t timeout = c->req->timeout ? c->req->timeout : 60;
	int reader_index;
	cJSON *r;

	if ((reader_index = daemon_desk_reader(c->d, c->req->reader, &r)) == -1)
		return r;
	if ((r = enrol_wait(c, ENROL_WIPE, c->role, 0, reader_index, timeout)) != NULL)
		return r;
	log_info("badge wipe: waiting %lld s for a card at reader %s (%s)", (long long)timeout,
	    c->d->conf->readers[reader_index].name, c->actor);
	return NULL;
}

/* ---- the table ---- */

/*
 * Every command of core/control.h, in its order, with the role it needs
 * and its handler: a command cannot exist without its role.  MEMBERS marks
 * a change to the member data (members, badges, groups, schedules, guests
 * and loaners), which
 * only a site's primary makes: a replica refuses it, naming the primary
 * (its store would refuse it too); LOCAL, what any node does for itself;
 * PRIMARY, a change a replica asks the primary to make (an enrolment at
 * its desk, site_enrol.c).
 * daemon_control_check holds the table to the protocol at start.
 */
enum on_replica { LOCAL, MEMBERS, PRIMARY };
static const struct command {
	enum control_cmd	 cmd;
	enum control_role	 role;
	cJSON			*(*run)(struct call *);
	enum on_replica		 members;
} commands[] = {
	{ CONTROL_STATUS,             ROLE_READ,     cmd_status,                LOCAL },
	{ CONTROL_CHECKOUT,           ROLE_OPERATE,  cmd_checkout,              LOCAL },
	{ CONTROL_DOOR_UNLOCK,        ROLE_OPERATE,  cmd_door_unlock,           LOCAL },
	{ CONTROL_ENROL,              ROLE_OPERATE,  cmd_enrol,                 PRIMARY },
	{ CONTROL_BADGE_ADD,          ROLE_ADMIN,    daemon_cmd_badge_add,      MEMBERS },
	{ CONTROL_RELOAD,             ROLE_OPERATE,  cmd_reload,                LOCAL },
	{ CONTROL_MEMBER_ADD,         ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_MEMBER_EDIT,        ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_MEMBER_DISABLE,     ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_MEMBER_ENABLE,      ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_MEMBER_ERASE,       ROLE_ADMIN,    daemon_cmd_member_erase,   MEMBERS },
	{ CONTROL_BADGE_REVOKE,       ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_GROUP_ADD,          ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_SCHEDULE_SET,       ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_IMPORT,             ROLE_ADMIN,    daemon_cmd_import,         MEMBERS },
	{ CONTROL_PURGE,              ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_BACKUP,             ROLE_ADMIN,    daemon_cmd_backup,         LOCAL },
	{ CONTROL_WEB_USER_ADD,       ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_WEB_USER_PASSWD,    ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_WEB_USER_ROLE,      ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_WEB_USER_DEL,       ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_CONSOLE_EVENT,      ROLE_ADMIN,    daemon_cmd_console_event,  LOCAL },
	{ CONTROL_BADGE_WIPE,         ROLE_OPERATE,  cmd_badge_wipe,            MEMBERS },
	{ CONTROL_DOOR_LOCK,          ROLE_OPERATE,  cmd_door_lock,             LOCAL },
	{ CONTROL_GUEST_ADD,          ROLE_OPERATE,  daemon_cmd_guest,          MEMBERS },
	{ CONTROL_GUEST_LEND,         ROLE_OPERATE,  daemon_cmd_guest,          MEMBERS },
	{ CONTROL_GUEST_END,          ROLE_OPERATE,  daemon_cmd_guest,          MEMBERS },
	{ CONTROL_GUEST_ERASE,        ROLE_ADMIN,    daemon_cmd_guest,          MEMBERS },
	{ CONTROL_LOANER_ADD,         ROLE_ADMIN,    daemon_cmd_guest,          MEMBERS },
	{ CONTROL_LOANER_REMOVE,      ROLE_ADMIN,    daemon_cmd_guest,          MEMBERS },
	{ CONTROL_MEMBER_INVITE,      ROLE_OPERATE,  daemon_cmd_member_invite,  LOCAL },
	{ CONTROL_MEMBER_CODE,        ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_MEMBER_PASSWORD,    ROLE_ADMIN,    daemon_cmd_admin,          LOCAL },
	{ CONTROL_MEMBER_LOBBY,       ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
	{ CONTROL_GROUP_EDIT,         ROLE_ADMIN,    daemon_cmd_admin,          MEMBERS },
};
_Static_assert(sizeof(commands) / sizeof(commands[0]) == CONTROL_NCMDS,
    "every control command has its role and handler");

int
daemon_control_check(char *err, size_t errlen)
{
	for (int i = 0; i < CONTROL_NCMDS; i++) {
		if (commands[i].cmd != (enum control_cmd)i || commands[i].run == NULL ||
		    commands[i].role == ROLE_NONE) {
			snprintf(err, errlen, "control table: entry %d is not %s", i,
			    control_cmd_name(i));
			return -1;
		}
	}
	return 0;
}

/* "uid:1000(alice)", or with the console user a program names:
 * "web:bob via uid:998(seuil-web)".  -1 if the claim is not a name. */
static int
call_actor(const struct control_req *req, const struct control_peer *peer, char *buf,
    size_t len)
{
	char who[96];

	peer_actor(peer, who, sizeof(who));
	if (req == NULL || req->actor == NULL) {
		snprintf(buf, len, "%s", who);
		return 0;
	}
	if (!valid_claim(req->actor))
		return -1;
	snprintf(buf, len, "%.64s via %.90s", req->actor, who);
	return 0;
}

/*
 * The server asks this as soon as it knows the command: a request beyond
 * the peer's role is refused, answered with the group it needs and logged
 * as a control_refused event naming the peer.
 */
cJSON *
daemon_control_refuse(void *arg, enum control_cmd cmd, const struct control_peer *peer)
{
	struct daemon *d = arg;
	enum control_role need = commands[cmd].role;
	char actor[160], detail[128];

	if (peer_role(d, peer) >= need)
		return NULL;
	call_actor(NULL, peer, actor, sizeof(actor));
	snprintf(detail, sizeof(detail), "%.40s needs %s", control_cmd_name(cmd),
	    role_key(need));
	log_warnx("control: refused '%.40s' from %s: not in %s", control_cmd_name(cmd), actor,
	    role_group(d, need));
	daemon_staff_event(d, "control_refused", actor, detail);
	return control_fail(CONTROL_PERMISSION, "permission denied: '%.40s' needs membership "
	    "of group '%s'", control_cmd_name(cmd), role_group(d, need));
}

cJSON *
daemon_control(void *arg, int client, struct control_req *req, const struct control_peer *peer)
{
	struct daemon *d = arg;
	struct call c = { .d = d, .client = client, .req = req, .peer = peer,
	    .role = peer_role(d, peer) };

	if (call_actor(req, peer, c.actor, sizeof(c.actor)) == -1)
		return control_fail(CONTROL_INVALID, "\"actor\" must be 1 to 64 of "
		    "A-Z a-z 0-9 _ . @ : -");
	if (commands[req->cmd].members == MEMBERS && config_replica(d->conf))
		return daemon_site_refusal(d);
	if (req->member_name != NULL)
		snprintf(c.member, sizeof(c.member), "%s", req->member_name);
	else
		snprintf(c.member, sizeof(c.member), "%lld", (long long)req->member);
	return commands[req->cmd].run(&c);
}

/* ---- mqtt remote unlock ---- */

void
daemon_mqtt_unlock(void *arg, int door_index, int seconds, const char *command_id)
{
	struct daemon *d = arg;
	char source[160];
	cJSON *r;

	snprintf(source, sizeof(source), "mqtt id %.100s", command_id ? command_id : "-");
	r = door_unlock_submit(d, -1, door_index, seconds, source, NULL);
	cJSON_Delete(r);
}

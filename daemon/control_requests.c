/* The control socket's requests, their roles, and MQTT's remote unlock. */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

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
control_status(struct daemon *d)
{
	cJSON *r = daemon_reply_ok(), *doors, *readers, *o;
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
		r = daemon_reply_ok();
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

gid_t
daemon_group_gid(const char *name)
{
	struct group *g = getgrnam(name);

	return g != NULL ? g->gr_gid : (gid_t)-1;
}

static enum control_role
peer_role(const struct daemon *d, const struct control_peer *peer)
{
	if (peer->uid == 0)
		return ROLE_OPERATE;
	if (control_peer_in_group(peer, daemon_group_gid(d->conf->control_operate_group)))
		return ROLE_OPERATE;
	if (control_peer_in_group(peer, daemon_group_gid(d->conf->control_read_group)))
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
		r = daemon_reply_ok();
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

cJSON *
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
		r = daemon_reply_ok();
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
		return daemon_reply_ok();
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

void
daemon_mqtt_unlock(void *arg, int door_index, int seconds, const char *command_id)
{
	struct daemon *d = arg;
	char source[160];
	cJSON *r;

	snprintf(source, sizeof(source), "mqtt id %.100s", command_id ? command_id : "-");
	r = control_door_unlock(d, -1, door_index, seconds, source);
	cJSON_Delete(r);
}


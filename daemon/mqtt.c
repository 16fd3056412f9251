/*
 * MQTT publishing for seuild (DESIGN §5).
 *
 * libmosquitto runs inside seuild's poll loop: mqtt_pollfd hands out the
 * socket, mqtt_service calls mosquitto_loop_read/write/misc, and every
 * callback runs on the main thread.  No call here waits for the broker.
 *
 * Events leave in seq order from the store.  The durable mark (meta key
 * "mqtt_published_seq") only moves when the broker has acknowledged an
 * event and every event before it, so a crash, an outage or a refused
 * login can only cause a resend, never a gap.
 *
 * Each connection attempt uses a fresh mosquitto client.  libmosquitto
 * keeps unacknowledged QoS 1 messages in memory and would resend them on
 * reconnect, ahead of the resend from the mark; starting clean instead
 * keeps the order on the wire equal to seq order, with one copy of each
 * message that was in flight when the connection dropped.
 */
#include "mqtt.h"

#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define MQTT_WINDOW		20	/* events in flight at once */
#define MQTT_BACKOFF_MIN_MS	1000
#define MQTT_BACKOFF_MAX_MS	60000
#define MQTT_CONNECT_MS		10000	/* give up on a connect attempt */
#define MQTT_STABLE_MS		30000	/* a connection this old resets the backoff */
#define MQTT_MISC_MS		1000	/* mosquitto_loop_misc period */
#define MQTT_STOP_MS		500	/* mqtt_free waits this long at most */
#define MQTT_CMD_MAX		1024	/* largest command payload accepted */
#define MQTT_SEEN_IDS		16	/* command ids remembered (QoS 1 redelivery) */
#define MQTT_ID_MAX		64
#define MQTT_SEQ_KEY		"mqtt_published_seq"

#ifndef SEUIL_VERSION
#define SEUIL_VERSION	"unknown"
#endif

enum mqtt_state { MQ_IDLE, MQ_CONNECTING, MQ_CONNECTED };

struct inflight {
	int	mid;
	int64_t	seq;
	bool	acked;
};

struct mqtt {
	struct config	conf;		/* private copy: a reload makes a new mqtt */
	struct store	*st;
	mqtt_unlock_cb	on_unlock;
	void		*arg;

	char		base[256];
	char		client_id[128];
	char		node[CONFIG_NAME_MAX + 8];	/* "seuil_<site>" for HA */
	char		password[256];
	bool		have_password;
	int		keepalive_s;

	struct mosquitto *mosq;		/* NULL while idle */
	enum mqtt_state	state;
	bool		lost;		/* set by callbacks, handled in service */
	bool		refused;	/* CONNACK said no: wait the maximum */
	bool		warned;		/* one warning per outage */
	int64_t		now;
	int64_t		backoff_ms;
	int64_t		reconnect_at;
	int64_t		connect_deadline;
	int64_t		connected_at;
	int64_t		misc_at;
	uint64_t	rng;

	int64_t		acked_seq;	/* everything <= this is acknowledged */
	int64_t		saved_seq;	/* what the store's meta row says */
	int64_t		sent_seq;	/* highest seq handed to the library */
	struct inflight	win[MQTT_WINDOW];	/* in seq order */
	int		nwin;
	bool		events_more;	/* the store may hold unsent events */
	bool		publish_failed;
	bool		store_failing;

	char		*presence;	/* retained payloads, NULL until known */
	char		*count;
	char		*spaceapi;
	bool		was_open;
	int64_t		open_changed_ms;
	char		door_state[CONFIG_MAX_DOORS][16];

	char		seen_ids[MQTT_SEEN_IDS][MQTT_ID_MAX + 1];
	int		seen_next;

	int		stop_mid;
	bool		stop_acked;
};

static void	mqtt_teardown(struct mqtt *);
static void	mqtt_pump(struct mqtt *);

static uint64_t
mqtt_random(struct mqtt *m)
{
	/* xorshift64: jitter only, not security. */
	m->rng ^= m->rng << 13;
	m->rng ^= m->rng >> 7;
	m->rng ^= m->rng << 17;
	return m->rng;
}

static void
mqtt_topic(const struct mqtt *m, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/%s", m->base, suffix);
}

/* QoS 1 publish of a string.  Returns the mosquitto error code. */
static int
mqtt_send(struct mqtt *m, const char *topic, const char *payload, bool retain, int *mid)
{
	if (m->mosq == NULL || m->state != MQ_CONNECTED)
		return MOSQ_ERR_NO_CONN;
	return mosquitto_publish(m->mosq, mid, topic, (int)strlen(payload), payload, 1,
	    retain);
}

static char *
json_print(cJSON *root)
{
	char *s;

	if (root == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return s;
}

/* ---- retained state ---- */

static void
mqtt_publish_status(struct mqtt *m, const char *status, int *mid)
{
	char topic[300];

	mqtt_topic(m, topic, sizeof(topic), "status");
	mqtt_send(m, topic, status, true, mid);
}

static void
mqtt_publish_presence(struct mqtt *m)
{
	char topic[300];

	if (m->presence == NULL)
		return;
	mqtt_topic(m, topic, sizeof(topic), "presence");
	mqtt_send(m, topic, m->presence, true, NULL);
	mqtt_topic(m, topic, sizeof(topic), "presence/count");
	mqtt_send(m, topic, m->count, true, NULL);
	if (m->spaceapi != NULL) {
		mqtt_topic(m, topic, sizeof(topic), "spaceapi");
		mqtt_send(m, topic, m->spaceapi, true, NULL);
	}
}

static void
mqtt_publish_door(struct mqtt *m, int i)
{
	char topic[400];

	if (m->door_state[i][0] == '\0')
		return;
	snprintf(topic, sizeof(topic), "%s/door/%s/state", m->base, m->conf.doors[i].name);
	mqtt_send(m, topic, m->door_state[i], true, NULL);
}

static cJSON *
ha_device(const struct mqtt *m)
{
	cJSON *dev, *ids;
	char name[CONFIG_NAME_MAX + 8];

	dev = cJSON_CreateObject();
	ids = cJSON_AddArrayToObject(dev, "identifiers");
	cJSON_AddItemToArray(ids, cJSON_CreateString(m->node));
	snprintf(name, sizeof(name), "seuil %s", m->conf.site_name);
	cJSON_AddStringToObject(dev, "name", name);
	cJSON_AddStringToObject(dev, "manufacturer", "seuil");
	cJSON_AddStringToObject(dev, "model", "seuild");
	cJSON_AddStringToObject(dev, "sw_version", SEUIL_VERSION);
	return dev;
}

static void
ha_common(const struct mqtt *m, cJSON *o, const char *name, const char *uid,
    const char *state_topic)
{
	char topic[300];

	mqtt_topic(m, topic, sizeof(topic), "status");
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "unique_id", uid);
	cJSON_AddStringToObject(o, "state_topic", state_topic);
	cJSON_AddStringToObject(o, "availability_topic", topic);
	cJSON_AddStringToObject(o, "payload_available", "online");
	cJSON_AddStringToObject(o, "payload_not_available", "offline");
	cJSON_AddItemToObject(o, "device", ha_device(m));
}

/*
 * Home Assistant discovery: one occupancy sensor and one binary_sensor per
 * door.  A door is "on" (HA shows "Open") whenever it is not locked: the
 * strike released or the leaf open both mean the door is not secured, and
 * a door without a contact input only ever reports locked/unlocked.
 */
static void
mqtt_announce_ha(struct mqtt *m)
{
	char topic[400], state[400], uid[128], name[96];
	cJSON *o;
	char *s;
	int i;

	if (!m->conf.mqtt_homeassistant)
		return;

	o = cJSON_CreateObject();
	mqtt_topic(m, state, sizeof(state), "presence/count");
	snprintf(uid, sizeof(uid), "%s_people", m->node);
	ha_common(m, o, "People present", uid, state);
	cJSON_AddStringToObject(o, "unit_of_measurement", "people");
	cJSON_AddStringToObject(o, "state_class", "measurement");
	cJSON_AddStringToObject(o, "icon", "mdi:account-group");
	if ((s = json_print(o)) != NULL) {
		snprintf(topic, sizeof(topic), "homeassistant/sensor/%s/people/config", m->node);
		mqtt_send(m, topic, s, true, NULL);
		cJSON_free(s);
	}

	for (i = 0; i < m->conf.ndoors; i++) {
		const char *door = m->conf.doors[i].name;

		o = cJSON_CreateObject();
		snprintf(state, sizeof(state), "%s/door/%s/state", m->base, door);
		snprintf(uid, sizeof(uid), "%s_door_%s", m->node, door);
		snprintf(name, sizeof(name), "Door %s", door);
		ha_common(m, o, name, uid, state);
		cJSON_AddStringToObject(o, "device_class", "door");
		cJSON_AddStringToObject(o, "value_template",
		    "{{ 'OFF' if value == 'locked' else 'ON' }}");
		cJSON_AddStringToObject(o, "payload_on", "ON");
		cJSON_AddStringToObject(o, "payload_off", "OFF");
		if ((s = json_print(o)) != NULL) {
			snprintf(topic, sizeof(topic),
			    "homeassistant/binary_sensor/%s/door_%s/config", m->node, door);
			mqtt_send(m, topic, s, true, NULL);
			cJSON_free(s);
		}
	}
}

/* ---- events ---- */

static char *
event_json(struct mqtt *m, const struct event_row *ev)
{
	struct member_row mr;
	char ts[21];
	cJSON *o;

	o = cJSON_CreateObject();
	clock_format_utc(ev->ts_ms, ts);
	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddStringToObject(o, "type", ev->type);
	if (ev->door[0] != '\0')
		cJSON_AddStringToObject(o, "door", ev->door);
	if (ev->reader[0] != '\0')
		cJSON_AddStringToObject(o, "reader", ev->reader);
	/* A denial never names anyone, even a public member (§5). */
	if (ev->member_id > 0 && strcmp(ev->type, "access_denied") != 0 &&
	    store_member_get(m->st, ev->member_id, &mr) == 1 &&
	    mr.public && !mr.erased) {
		cJSON_AddStringToObject(o, "name",
		    mr.display_name[0] != '\0' ? mr.display_name : mr.name);
	}
	if (ev->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", ev->reason);
	return json_print(o);
}

static int
pump_one(const struct event_row *ev, void *arg)
{
	struct mqtt *m = arg;
	char topic[300];
	char *s;
	int mid = 0, rc;

	if ((s = event_json(m, ev)) == NULL) {
		m->publish_failed = true;
		return 1;
	}
	mqtt_topic(m, topic, sizeof(topic), "events");
	rc = mqtt_send(m, topic, s, false, &mid);
	cJSON_free(s);
	if (rc != MOSQ_ERR_SUCCESS) {
		/* The connection is going; the resend starts at the mark. */
		m->publish_failed = true;
		return 1;
	}
	m->win[m->nwin].mid = mid;
	m->win[m->nwin].seq = ev->seq;
	m->win[m->nwin].acked = false;
	m->nwin++;
	m->sent_seq = ev->seq;
	return 0;
}

static void
mqtt_pump(struct mqtt *m)
{
	int room, n;

	while (m->state == MQ_CONNECTED && m->events_more && m->nwin < MQTT_WINDOW) {
		room = MQTT_WINDOW - m->nwin;
		m->publish_failed = false;
		n = store_events_after(m->st, m->sent_seq, room, pump_one, m);
		if (n < 0) {
			if (!m->store_failing)
				log_warnx("mqtt: reading events: %s", store_errmsg(m->st));
			m->store_failing = true;
			return;
		}
		m->store_failing = false;
		if (m->publish_failed)
			return;
		if (n < room)
			m->events_more = false;
	}
}

static void
mqtt_save_mark(struct mqtt *m)
{
	char buf[32];

	if (m->acked_seq == m->saved_seq)
		return;
	snprintf(buf, sizeof(buf), "%" PRId64, m->acked_seq);
	if (store_meta_set(m->st, MQTT_SEQ_KEY, buf) == -1) {
		if (!m->store_failing)
			log_warnx("mqtt: saving %s: %s", MQTT_SEQ_KEY, store_errmsg(m->st));
		m->store_failing = true;
		return;
	}
	m->saved_seq = m->acked_seq;
}

/* ---- remote unlock ---- */

/* "2026-11-26T08:14:03Z", optionally with fractional seconds; -1 if bad. */
static int64_t
parse_utc(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec, n = 0;
	time_t t;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6 ||
	    n != 19)
		return -1;
	s += n;
	if (*s == '.') {
		s++;
		if (*s < '0' || *s > '9')
			return -1;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (strcmp(s, "Z") != 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	return (int64_t)t * 1000;
}

/* The door named by "B/door/<door>/unlock", or -1. */
static int
unlock_door(const struct mqtt *m, const char *topic)
{
	size_t bl = strlen(m->base);
	const char *p, *end;
	char name[CONFIG_NAME_MAX + 1];
	int i;

	if (strncmp(topic, m->base, bl) != 0 || strncmp(topic + bl, "/door/", 6) != 0)
		return -1;
	p = topic + bl + 6;
	if ((end = strchr(p, '/')) == NULL || strcmp(end, "/unlock") != 0)
		return -1;
	if ((size_t)(end - p) >= sizeof(name))
		return -1;
	memcpy(name, p, (size_t)(end - p));
	name[end - p] = '\0';
	for (i = 0; i < m->conf.ndoors; i++)
		if (strcmp(m->conf.doors[i].name, name) == 0)
			return i;
	return -1;
}

static bool
is_unlock_topic(const struct mqtt *m, const char *topic)
{
	char sub[300];
	bool match = false;

	mqtt_topic(m, sub, sizeof(sub), "door/+/unlock");
	return mosquitto_topic_matches_sub(sub, topic, &match) == MOSQ_ERR_SUCCESS && match;
}

/*
 * A command is a capability to open a door, so anything doubtful is
 * refused: a retained copy (it would replay on every reconnect), a big or
 * malformed payload, an expired one, an out-of-range duration, a door we
 * do not have, or an id already accepted (QoS 1 may deliver twice).
 */
/* A command lives at most this long: seuild remembers only the last few
 * ids, so a long-lived command could be replayed once they are forgotten. */
#define MQTT_EXPIRES_MAX_MS	(5 * 60 * 1000)

static void
mqtt_handle_unlock(struct mqtt *m, const struct mosquitto_message *msg)
{
	const cJSON *jsec, *jid, *jexp;
	cJSON *root = NULL;
	const char *why = NULL;
	int64_t expires;
	int door, seconds = 0, i;
	char id[MQTT_ID_MAX + 1];

	door = unlock_door(m, msg->topic);
	if (msg->retain)
		why = "retained";
	else if (msg->payloadlen > MQTT_CMD_MAX)
		why = "payload over 1 KiB";
	else if (door == -1)
		why = "unknown door";
	if (why == NULL) {
		root = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
		if (root == NULL || !cJSON_IsObject(root))
			why = "malformed JSON";
	}
	if (why == NULL) {
		jsec = cJSON_GetObjectItemCaseSensitive(root, "seconds");
		jid = cJSON_GetObjectItemCaseSensitive(root, "id");
		jexp = cJSON_GetObjectItemCaseSensitive(root, "expires");
		/* Range first: converting a huge double to int is undefined. */
		if (!cJSON_IsNumber(jsec) || jsec->valuedouble < 1 || jsec->valuedouble > 60 ||
		    jsec->valuedouble != (double)(int)jsec->valuedouble)
			why = "seconds not an integer in 1..60";
		else if (!cJSON_IsString(jid) || jid->valuestring[0] == '\0' ||
		    strlen(jid->valuestring) > MQTT_ID_MAX)
			why = "id missing or longer than 64 characters";
		else if (!cJSON_IsString(jexp) || (expires = parse_utc(jexp->valuestring)) == -1)
			why = "expires missing or not a UTC time";
		else if (expires <= clock_wall_ms())
			why = "expired";
		else if (expires > clock_wall_ms() + MQTT_EXPIRES_MAX_MS)
			why = "expires more than 5 minutes ahead";
		else {
			seconds = (int)jsec->valuedouble;
			snprintf(id, sizeof(id), "%s", jid->valuestring);
			for (i = 0; i < MQTT_SEEN_IDS; i++)
				if (strcmp(m->seen_ids[i], id) == 0)
					why = "duplicate id";
		}
	}
	cJSON_Delete(root);
	if (why != NULL) {
		log_warnx("mqtt: unlock command on %s refused: %s", msg->topic, why);
		return;
	}
	snprintf(m->seen_ids[m->seen_next], sizeof(m->seen_ids[0]), "%s", id);
	m->seen_next = (m->seen_next + 1) % MQTT_SEEN_IDS;
	if (m->on_unlock != NULL)
		m->on_unlock(m->arg, door, seconds, id);
}

/* ---- callbacks (main thread, from mosquitto_loop_*) ---- */

static void
on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;
	char topic[300];
	int i;

	(void)mosq;
	(void)flags;
	(void)props;
	if (rc != 0) {
		/* The library drops the connection next; wait the maximum. */
		m->refused = true;
		log_warnx("mqtt: broker %s:%d refused connection: %s",
		    m->conf.mqtt_host, m->conf.mqtt_port, mosquitto_reason_string(rc));
		return;
	}
	log_info("mqtt: connected to %s:%d", m->conf.mqtt_host, m->conf.mqtt_port);
	m->state = MQ_CONNECTED;
	m->refused = false;
	m->warned = false;
	/* The backoff is reset in mqtt_teardown once the connection has
	 * lasted: a broker that accepts and then drops us at once (another
	 * client with our id taking over) must not be retried every second. */
	m->connected_at = m->now;

	if (m->conf.mqtt_remote_unlock) {
		/* Retain-as-published: a command sent with the retain flag
		 * keeps it, even live, and is refused. */
		mqtt_topic(m, topic, sizeof(topic), "door/+/unlock");
		mosquitto_subscribe_v5(m->mosq, NULL, topic, 1,
		    MQTT_SUB_OPT_RETAIN_AS_PUBLISHED, NULL);
	}
	if (m->conf.mqtt_homeassistant)
		mosquitto_subscribe(m->mosq, NULL, "homeassistant/status", 1);

	mqtt_publish_status(m, "online", NULL);
	mqtt_publish_presence(m);
	for (i = 0; i < m->conf.ndoors; i++)
		mqtt_publish_door(m, i);
	mqtt_announce_ha(m);
	m->events_more = true;
	mqtt_pump(m);
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	(void)rc;
	m->lost = true;
}

/*
 * A PUBACK.  Reason 0x10 (nobody subscribed) is a success.  A refusal
 * (>= 0x80, e.g. an ACL that forbids the topic) is a configuration error
 * that a resend cannot fix: it is logged and the event counts as done,
 * or one bad ACL line would stop every later event.
 */
static void
on_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;
	int i, done;

	(void)mosq;
	(void)props;
	if (mid == m->stop_mid)
		m->stop_acked = true;
	for (i = 0; i < m->nwin; i++) {
		if (m->win[i].mid == mid) {
			m->win[i].acked = true;
			if (reason >= 0x80)
				log_warnx("mqtt: broker refused event %" PRId64 ": %s",
				    m->win[i].seq, mosquitto_reason_string(reason));
			break;
		}
	}
	/* The mark moves over a prefix of acknowledged events only. */
	for (done = 0; done < m->nwin && m->win[done].acked; done++)
		m->acked_seq = m->win[done].seq;
	if (done > 0) {
		memmove(m->win, m->win + done, (size_t)(m->nwin - done) * sizeof(m->win[0]));
		m->nwin -= done;
	}
}

static void
on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (strcmp(msg->topic, "homeassistant/status") == 0) {
		if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0)
			mqtt_announce_ha(m);
		return;
	}
	if (m->conf.mqtt_remote_unlock && is_unlock_topic(m, msg->topic))
		mqtt_handle_unlock(m, msg);
}

/* ---- connection ---- */

static int
read_password(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	FILE *f;
	size_t n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "mqtt password_file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fgets(buf, (int)len, f) == NULL)
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	return 0;
}

/* A configured client, not connected.  NULL with err on failure. */
static struct mosquitto *
mqtt_client_new(struct mqtt *m, char *err, size_t errlen)
{
	const struct config *c = &m->conf;
	struct mosquitto *mosq;
	char topic[300];
	int rc;

	if ((mosq = mosquitto_new(m->client_id, true, m)) == NULL) {
		snprintf(err, errlen, "mqtt client: %s", strerror(errno));
		return NULL;
	}
	/* MQTT 5 for retain-as-published (see on_connect) and reason codes. */
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(mosq, on_connect);
	mosquitto_disconnect_callback_set(mosq, on_disconnect);
	mosquitto_publish_v5_callback_set(mosq, on_publish);
	mosquitto_message_callback_set(mosq, on_message);

	mqtt_topic(m, topic, sizeof(topic), "status");
	rc = mosquitto_will_set(mosq, topic, 7, "offline", 1, true);
	if (rc == MOSQ_ERR_SUCCESS && c->mqtt_username[0] != '\0')
		rc = mosquitto_username_pw_set(mosq, c->mqtt_username,
		    m->have_password ? m->password : NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(err, errlen, "mqtt client: %s", mosquitto_strerror(rc));
		goto fail;
	}
	if (c->mqtt_ca_file[0] != '\0') {
		rc = mosquitto_tls_set(mosq, c->mqtt_ca_file, NULL,
		    c->mqtt_cert_file[0] != '\0' ? c->mqtt_cert_file : NULL,
		    c->mqtt_key_file[0] != '\0' ? c->mqtt_key_file : NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			snprintf(err, errlen, "mqtt TLS files (ca_file %s): %s",
			    c->mqtt_ca_file, mosquitto_strerror(rc));
			goto fail;
		}
	}
	return mosq;
fail:
	mosquitto_destroy(mosq);
	return NULL;
}

static void
mqtt_schedule_reconnect(struct mqtt *m)
{
	int64_t delay;

	delay = m->refused ? MQTT_BACKOFF_MAX_MS : m->backoff_ms;
	/* Jitter in [3/4, 1] of the delay, so that several daemons restarted
	 * by one broker outage do not reconnect in step. */
	delay = delay - delay / 4 + (int64_t)(mqtt_random(m) % (uint64_t)(delay / 4 + 1));
	m->reconnect_at = m->now + delay;
	if (!m->refused) {
		m->backoff_ms *= 2;
		if (m->backoff_ms > MQTT_BACKOFF_MAX_MS)
			m->backoff_ms = MQTT_BACKOFF_MAX_MS;
	}
}

/* Drop the client and everything in flight; the resend starts at the mark. */
static void
mqtt_teardown(struct mqtt *m)
{
	if (m->state == MQ_CONNECTED) {
		log_warnx("mqtt: connection to %s:%d lost", m->conf.mqtt_host,
		    m->conf.mqtt_port);
		if (m->now - m->connected_at >= MQTT_STABLE_MS)
			m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	}
	if (m->mosq != NULL)
		mosquitto_destroy(m->mosq);
	m->mosq = NULL;
	m->state = MQ_IDLE;
	m->lost = false;
	m->nwin = 0;
	m->sent_seq = m->acked_seq;
	m->events_more = true;
	mqtt_schedule_reconnect(m);
	m->refused = false;
}

static void
mqtt_start_connect(struct mqtt *m)
{
	char err[256];
	int rc;

	if ((m->mosq = mqtt_client_new(m, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		mqtt_schedule_reconnect(m);
		return;
	}
	/* getaddrinfo inside may block: use an IP or an /etc/hosts name. */
	rc = mosquitto_connect_async(m->mosq, m->conf.mqtt_host, m->conf.mqtt_port,
	    m->keepalive_s);
	if (rc != MOSQ_ERR_SUCCESS) {
		if (!m->warned)
			log_warnx("mqtt: connecting to %s:%d: %s", m->conf.mqtt_host,
			    m->conf.mqtt_port, rc == MOSQ_ERR_ERRNO ? strerror(errno) :
			    mosquitto_strerror(rc));
		m->warned = true;
		mosquitto_destroy(m->mosq);
		m->mosq = NULL;
		mqtt_schedule_reconnect(m);
		return;
	}
	m->state = MQ_CONNECTING;
	m->connect_deadline = m->now + MQTT_CONNECT_MS;
	m->misc_at = m->now + MQTT_MISC_MS;
}

struct mqtt *
mqtt_new(const struct config *conf, struct store *st, mqtt_unlock_cb on_unlock,
    void *arg, char *err, size_t errlen)
{
	struct mqtt *m;
	struct mosquitto *probe;
	char buf[32];
	int i;

	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "mqtt: %s", strerror(errno));
		return NULL;
	}
	m->conf = *conf;
	m->st = st;
	m->on_unlock = on_unlock;
	m->arg = arg;
	m->stop_mid = -1;
	m->backoff_ms = MQTT_BACKOFF_MIN_MS;
	m->now = clock_mono_ms();
	m->rng = (uint64_t)clock_mono_ns() ^ ((uint64_t)getpid() << 32) ^ 0x9e3779b97f4a7c15ULL;
	if (m->rng == 0)
		m->rng = 1;
	for (i = 0; i < CONFIG_MAX_DOORS; i++)
		m->door_state[i][0] = '\0';

	if (conf->mqtt_base_topic[0] != '\0')
		snprintf(m->base, sizeof(m->base), "%s", conf->mqtt_base_topic);
	else
		snprintf(m->base, sizeof(m->base), "seuil/%s", conf->site_name);
	if (conf->mqtt_client_id[0] != '\0')
		snprintf(m->client_id, sizeof(m->client_id), "%s", conf->mqtt_client_id);
	else
		snprintf(m->client_id, sizeof(m->client_id), "seuild-%s", conf->site_name);
	snprintf(m->node, sizeof(m->node), "seuil_%s", conf->site_name);
	m->keepalive_s = (int)(conf->mqtt_keepalive_ms / 1000);
	if (m->keepalive_s < 5)
		m->keepalive_s = 5;
	if (m->keepalive_s > 65535)
		m->keepalive_s = 65535;

	switch (store_meta_get(st, MQTT_SEQ_KEY, buf, sizeof(buf))) {
	case 1:
		m->acked_seq = strtoll(buf, NULL, 10);
		if (m->acked_seq < 0)
			m->acked_seq = 0;
		break;
	case 0:
		m->acked_seq = 0;
		break;
	default:
		snprintf(err, errlen, "mqtt: reading %s: %s", MQTT_SEQ_KEY, store_errmsg(st));
		goto fail;
	}
	m->saved_seq = m->acked_seq;
	m->sent_seq = m->acked_seq;
	m->events_more = true;

	if (!conf->mqtt_enabled)
		return m;

	if (conf->mqtt_password_file[0] != '\0') {
		if (conf->mqtt_username[0] == '\0') {
			snprintf(err, errlen, "mqtt password_file needs a username");
			goto fail;
		}
		if (read_password(conf->mqtt_password_file, m->password, sizeof(m->password),
		    err, errlen) == -1)
			goto fail;
		m->have_password = true;
	}
	if ((conf->mqtt_cert_file[0] != '\0') != (conf->mqtt_key_file[0] != '\0')) {
		snprintf(err, errlen, "mqtt cert_file and key_file go together");
		goto fail;
	}
	if (conf->mqtt_cert_file[0] != '\0' && conf->mqtt_ca_file[0] == '\0') {
		snprintf(err, errlen, "mqtt cert_file needs ca_file");
		goto fail;
	}

	mosquitto_lib_init();
	/* Build one client now so that bad files are reported at start-up
	 * (and on reload) rather than as a reconnect loop. */
	if ((probe = mqtt_client_new(m, err, errlen)) == NULL) {
		mosquitto_lib_cleanup();
		goto fail;
	}
	mosquitto_destroy(probe);
	m->reconnect_at = m->now;
	return m;
fail:
	explicit_bzero(m->password, sizeof(m->password));
	free(m);
	return NULL;
}

/* Run the library for up to ms, until done(m) says so. */
static void
mqtt_run_briefly(struct mqtt *m, int64_t ms, bool (*done)(const struct mqtt *))
{
	int64_t end = clock_mono_ms() + ms, left;
	struct pollfd pfd;

	while (m->mosq != NULL && !done(m) && (left = end - clock_mono_ms()) > 0) {
		if ((pfd.fd = mosquitto_socket(m->mosq)) == -1)
			break;
		pfd.events = POLLIN | (mosquitto_want_write(m->mosq) ? POLLOUT : 0);
		pfd.revents = 0;
		if (poll(&pfd, 1, (int)left) == -1 && errno != EINTR)
			break;
		if (pfd.revents != 0)
			mosquitto_loop_read(m->mosq, 1);
		if (mosquitto_socket(m->mosq) != -1 && mosquitto_want_write(m->mosq))
			mosquitto_loop_write(m->mosq, 1);
	}
}

static bool
stop_done(const struct mqtt *m)
{
	return m->stop_acked || m->lost;
}

static bool
closed(const struct mqtt *m)
{
	return mosquitto_socket(m->mosq) == -1;
}

void
mqtt_free(struct mqtt *m)
{
	if (m == NULL)
		return;
	if (m->mosq != NULL) {
		if (m->state == MQ_CONNECTED && !m->lost) {
			/* A clean DISCONNECT suppresses the will: say it ourselves. */
			mqtt_publish_status(m, "offline", &m->stop_mid);
			mqtt_run_briefly(m, MQTT_STOP_MS, stop_done);
			mosquitto_disconnect(m->mosq);
			mqtt_run_briefly(m, MQTT_STOP_MS / 5, closed);
		}
		mosquitto_destroy(m->mosq);
	}
	mqtt_save_mark(m);
	if (m->conf.mqtt_enabled)
		mosquitto_lib_cleanup();
	free(m->presence);
	free(m->count);
	free(m->spaceapi);
	explicit_bzero(m->password, sizeof(m->password));
	free(m);
}

void
mqtt_pollfd(struct mqtt *m, struct pollfd *pfd)
{
	pfd->fd = -1;
	pfd->events = 0;
	pfd->revents = 0;
	if (m == NULL || m->mosq == NULL || m->lost)
		return;
	if ((pfd->fd = mosquitto_socket(m->mosq)) == -1)
		return;
	pfd->events = POLLIN;
	if (mosquitto_want_write(m->mosq))
		pfd->events |= POLLOUT;
}

void
mqtt_service(struct mqtt *m, const struct pollfd *pfd, int64_t now_mono_ms)
{
	int sock;

	if (m == NULL || !m->conf.mqtt_enabled)
		return;
	m->now = now_mono_ms;

	if (m->mosq != NULL && !m->lost && (sock = mosquitto_socket(m->mosq)) != -1) {
		/* loop_read also drives a TLS handshake, which may wait for
		 * either direction: call it on any readiness. */
		if (pfd != NULL && pfd->fd == sock && pfd->revents != 0)
			mosquitto_loop_read(m->mosq, 1);
		if (!m->lost && mosquitto_socket(m->mosq) != -1 &&
		    mosquitto_want_write(m->mosq))
			mosquitto_loop_write(m->mosq, 1);
		if (!m->lost && mosquitto_socket(m->mosq) != -1 && m->now >= m->misc_at) {
			mosquitto_loop_misc(m->mosq);
			m->misc_at = m->now + MQTT_MISC_MS;
		}
		if (mosquitto_socket(m->mosq) == -1)
			m->lost = true;
	}
	if (m->state == MQ_CONNECTING && !m->lost && m->now >= m->connect_deadline) {
		if (!m->warned)
			log_warnx("mqtt: connecting to %s:%d: timed out", m->conf.mqtt_host,
			    m->conf.mqtt_port);
		m->warned = true;
		m->lost = true;
	}
	if (m->lost) {
		if (m->state == MQ_CONNECTING && !m->refused && !m->warned) {
			log_warnx("mqtt: connecting to %s:%d failed", m->conf.mqtt_host,
			    m->conf.mqtt_port);
			m->warned = true;
		}
		mqtt_teardown(m);
	}
	if (m->state == MQ_IDLE && m->now >= m->reconnect_at)
		mqtt_start_connect(m);

	mqtt_pump(m);
	mqtt_save_mark(m);
}

int64_t
mqtt_deadline(const struct mqtt *m)
{
	if (m == NULL || !m->conf.mqtt_enabled)
		return -1;
	if (m->lost)
		return m->now;
	switch (m->state) {
	case MQ_IDLE:
		return m->reconnect_at;
	case MQ_CONNECTING:
		return m->connect_deadline < m->misc_at ? m->connect_deadline : m->misc_at;
	case MQ_CONNECTED:
	default:
		return m->misc_at;
	}
}

void
mqtt_events_changed(struct mqtt *m)
{
	if (m == NULL)
		return;
	m->events_more = true;
	mqtt_pump(m);
}

static char *
spaceapi_json(const struct mqtt *m, int count)
{
	cJSON *o, *a, *p, *s;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "api_compatibility");
	cJSON_AddItemToArray(a, cJSON_CreateString("15"));
	cJSON_AddStringToObject(o, "space", m->conf.site_name);
	/* Required by the schema; seuil has no keys for them (docs/mqtt.md). */
	cJSON_AddStringToObject(o, "logo", "");
	cJSON_AddStringToObject(o, "url", "");
	if (m->conf.timezone[0] != '\0') {
		p = cJSON_AddObjectToObject(o, "location");
		cJSON_AddStringToObject(p, "timezone", m->conf.timezone);
	}
	cJSON_AddObjectToObject(o, "contact");
	s = cJSON_AddObjectToObject(o, "state");
	cJSON_AddBoolToObject(s, "open", count > 0);
	if (m->open_changed_ms > 0)
		cJSON_AddNumberToObject(s, "lastchange", (double)(m->open_changed_ms / 1000));
	p = cJSON_AddObjectToObject(o, "sensors");
	a = cJSON_AddArrayToObject(p, "people_now_present");
	s = cJSON_CreateObject();
	cJSON_AddNumberToObject(s, "value", count);
	cJSON_AddItemToArray(a, s);
	return json_print(o);
}

/* Write path atomically: readers see the old file or the new one. */
static void
write_atomic(const char *path, const char *data)
{
	char tmp[PATH_MAX + 8];
	FILE *f;
	int bad;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		log_warnx("mqtt: spaceapi_file %s: path too long", path);
		return;
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		log_warn("mqtt: spaceapi_file %s", tmp);
		return;
	}
	bad = fputs(data, f) == EOF || fputc('\n', f) == EOF;
	bad |= fclose(f) == EOF;
	if (bad || rename(tmp, path) == -1) {
		log_warn("mqtt: spaceapi_file %s", path);
		unlink(tmp);
	}
}

void
mqtt_presence_changed(struct mqtt *m, const struct presence_person *people, int count)
{
	cJSON *o, *a, *p;
	char ts[21], num[16];
	char *json, *sp;
	int i, named = 0;
	int64_t now = clock_wall_ms();
	bool open = count > 0;

	if (m == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "count", count);
	a = cJSON_AddArrayToObject(o, "people");
	for (i = 0; i < count; i++) {
		if (people[i].name == NULL || people[i].name[0] == '\0')
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "name", people[i].name);
		clock_format_utc(people[i].since_ms, ts);
		cJSON_AddStringToObject(p, "since", ts);
		cJSON_AddItemToArray(a, p);
		named++;
	}
	cJSON_AddNumberToObject(o, "anonymous", count - named);
	clock_format_utc(now, ts);
	cJSON_AddStringToObject(o, "updated", ts);
	if ((json = json_print(o)) == NULL)
		return;

	if (m->presence == NULL || open != m->was_open)
		m->open_changed_ms = now;
	m->was_open = open;
	sp = spaceapi_json(m, count);

	free(m->presence);
	free(m->count);
	free(m->spaceapi);
	m->presence = json;
	snprintf(num, sizeof(num), "%d", count);
	m->count = strdup(num);
	m->spaceapi = sp;
	if (m->count == NULL) {
		free(m->presence);
		m->presence = NULL;
		return;
	}
	if (m->spaceapi != NULL && m->conf.mqtt_spaceapi_file[0] != '\0')
		write_atomic(m->conf.mqtt_spaceapi_file, m->spaceapi);
	mqtt_publish_presence(m);
}

void
mqtt_door_state(struct mqtt *m, int door_index, const char *state)
{
	if (m == NULL || door_index < 0 || door_index >= m->conf.ndoors || state == NULL)
		return;
	snprintf(m->door_state[door_index], sizeof(m->door_state[0]), "%s", state);
	mqtt_publish_door(m, door_index);
}

bool
mqtt_connected(const struct mqtt *m)
{
	return m != NULL && m->state == MQ_CONNECTED && !m->lost;
}

int64_t
mqtt_published_seq(const struct mqtt *m)
{
	return m == NULL ? 0 : m->acked_seq;
}

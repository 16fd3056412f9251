/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MQTT publishing for seuild (docs/design.md, MQTT; docs/mqtt.md).
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
 * Arrivals and departures also go, as they leave for B/events, to the
 * lobby-safe B/presence/events; an event counts as acknowledged when both
 * copies are.
 *
 * What the payloads hold is decided in mqtt_event.c, whether an unlock
 * command may open a door in mqtt_unlock.c; the Home Assistant configs and
 * the SpaceAPI document are built in mqtt_discovery.c and spaceapi.c.
 *
 * Each connection attempt uses a fresh mosquitto client.  libmosquitto
 * keeps unacknowledged QoS 1 messages in memory and would resend them on
 * reconnect, ahead of the resend from the mark; starting clean instead
 * keeps the order on the wire equal to seq order, with one copy of each
 * message that was in flight when the connection dropped.
 */
#include "mqtt_private.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "mqtt_discovery.h"
#include "mqtt_event.h"
#include "mqtt_lobby.h"
#include "mqtt_unlock.h"
#include "render_json.h"
#include "spaceapi.h"
#include "writer.h"

void
mqtt_topic(const struct mqtt *m, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/%s", m->conf.mqtt_base_topic, suffix);
}

/* A topic of this node's own: its status, presence and events. */
void
mqtt_own_topic(const struct mqtt *m, char *buf, size_t len, const char *suffix)
{
	snprintf(buf, len, "%s/%s", m->own_base, suffix);
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

/* ---- retained state ---- */

void
mqtt_publish_status(struct mqtt *m, const char *status, int *mid)
{
	char topic[400];

	mqtt_own_topic(m, topic, sizeof(topic), "status");
	mqtt_send(m, topic, status, true, mid);
}

/* The retained documents: B/lobby, and B/presence with its count and
 * SpaceAPI once known.  A document sent again changes nothing. */
static void
mqtt_publish_retained(struct mqtt *m)
{
	char topic[400];

	mqtt_own_topic(m, topic, sizeof(topic), "lobby");
	if (m->lobby != NULL)
		mqtt_send(m, topic, m->lobby, true, NULL);
	if (m->presence == NULL)
		return;
	mqtt_own_topic(m, topic, sizeof(topic), "presence");
	mqtt_send(m, topic, m->presence, true, NULL);
	mqtt_own_topic(m, topic, sizeof(topic), "presence/count");
	mqtt_send(m, topic, m->count, true, NULL);
	if (m->spaceapi != NULL) {
		mqtt_own_topic(m, topic, sizeof(topic), "spaceapi");
		mqtt_send(m, topic, m->spaceapi, true, NULL);
	}
}

static void
mqtt_publish_door(struct mqtt *m, int i)
{
	char topic[400];

	if (m->door_state[i][0] == '\0')
		return;
	snprintf(topic, sizeof(topic), "%s/door/%s/state", m->conf.mqtt_base_topic,
	    m->conf.doors[i].name);
	mqtt_send(m, topic, m->door_state[i], true, NULL);
}

static void
emit_retained(void *arg, const char *topic, const char *payload)
{
	mqtt_send(arg, topic, payload, true, NULL);
}

static void
mqtt_announce_ha(struct mqtt *m)
{
	/* A replica's doors and people are the site's, which the primary
	 * announces (docs/site.md). */
	if (m->conf.mqtt_homeassistant && !config_replica(&m->conf))
		mqtt_discovery_announce(&m->conf, emit_retained, m);
}

/* ---- events ---- */

/* A door's event for Home Assistant's event entity and device triggers
 * (B/door/<door>/event): live only, so a backlog published after an
 * outage does not fire automations late; not part of the durable mark (a
 * lost copy is not resent).  On a site's primary, whose B/events carries
 * every node's, only its own doors': each node announces and publishes its
 * own (mqtt_discovery.c), and a replica's tap must not fire twice. */
#define MQTT_DOOR_EVENT_LIVE_MS	60000

static void
mqtt_door_event(struct mqtt *m, const struct event_row *ev, const char *name)
{
	char topic[400], *s;

	if (ev->door[0] == '\0' || !mqtt_discovery_event_type(ev->type) ||
	    (ev->node[0] != '\0' && strcmp(ev->node, m->conf.site_node) != 0) ||
	    clock_wall_ms() - ev->ts_ms > MQTT_DOOR_EVENT_LIVE_MS ||
	    (s = mqtt_door_event_json(ev, name)) == NULL)
		return;
	snprintf(topic, sizeof(topic), "%s/door/%s/event", m->conf.mqtt_base_topic, ev->door);
	mqtt_send(m, topic, s, false, NULL);
	cJSON_free(s);
}

static int
pump_one(const struct event_row *ev, void *arg)
{
	struct mqtt *m = arg;
	struct inflight *f = &m->win[m->nwin];
	struct member_row mr;
	const char *name = NULL;
	char topic[400];
	char *s;
	int rc;

	/* Names are looked up at publication: a member who has since asked
	 * to be anonymous, or was erased, is not named. */
	if (mqtt_event_may_name(ev) && store_member_get(m->st, ev->member_id, &mr) == 1 &&
	    mr.public && !mr.erased)
		name = mr.display_name[0] != '\0' ? mr.display_name : mr.name;
	f->seq = ev->seq;
	f->nmid = f->nacked = 0;

	if ((s = mqtt_event_json(ev, name)) == NULL)
		goto failed;
	mqtt_own_topic(m, topic, sizeof(topic), "events");
	rc = mqtt_send(m, topic, s, false, &f->mid[f->nmid]);
	cJSON_free(s);
	if (rc != MOSQ_ERR_SUCCESS)
		goto failed;
	f->nmid++;
	if (mqtt_event_lobby_safe(ev)) {
		if ((s = mqtt_presence_event_json(ev, name)) == NULL)
			goto failed;
		mqtt_own_topic(m, topic, sizeof(topic), "presence/events");
		rc = mqtt_send(m, topic, s, false, &f->mid[f->nmid]);
		cJSON_free(s);
		if (rc != MOSQ_ERR_SUCCESS)
			goto failed;
		f->nmid++;
	}
	mqtt_door_event(m, ev, name);
	m->nwin++;
	m->sent_seq = ev->seq;
	return 0;
failed:
	/* Out of memory, or the connection is going: the resend starts at
	 * this event (a copy already sent goes again: at least once). */
	m->publish_failed = true;
	return 1;
}

void
mqtt_pump(struct mqtt *m)
{
	int room, n;

	while (m->state == MQ_CONNECTED && m->events_more && m->nwin < MQTT_WINDOW) {
		room = MQTT_WINDOW - m->nwin;
		m->publish_failed = false;
		n = m->site_view ? store_site_events_after(m->st, m->sent_seq, room, pump_one,
		    m) : store_events_after(m->st, m->sent_seq, room, pump_one, m);
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

void
mqtt_save_mark(struct mqtt *m)
{
	char buf[32];

	if (m->acked_seq == m->saved_seq)
		return;
	snprintf(buf, sizeof(buf), "%" PRId64, m->acked_seq);
	/* Through the daemon's writer when there is one: the loop never
	 * writes (writer.h).  A failed write is logged by the writer. */
	if ((m->writer ? writer_meta_set(m->writer, m->seq_key, buf) :
	    store_meta_set(m->st, m->seq_key, buf)) == -1) {
		if (!m->store_failing)
			log_warnx("mqtt: saving %s: %s", m->seq_key,
			    m->writer ? "the writer's queue is full" : store_errmsg(m->st));
		m->store_failing = true;
		return;
	}
	m->saved_seq = m->acked_seq;
}

/* ---- remote unlock ---- */

/*
 * A message on B/door/+/unlock (the subscription guarantees the shape of
 * the topic).  The verdict is mqtt_unlock_check's; here only the door name
 * is cut out of the topic and the refusal logged, with the topic made
 * printable: it is the sender's text.
 */
static void
mqtt_handle_unlock(struct mqtt *m, const struct mosquitto_message *msg)
{
	const char *door = msg->topic + strlen(m->conf.mqtt_base_topic) + strlen("/door/");
	char name[CONFIG_NAME_MAX + 1], shown[160];
	struct unlock_command cmd;
	struct unlock_order order;
	enum unlock_verdict v;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(door, "/"), door);
	cmd = (struct unlock_command){
		.door = name, .payload = msg->payload, .len = (size_t)msg->payloadlen,
		.retained = msg->retain, .now_ms = clock_wall_ms(),
		.doors = m->door_names, .ndoors = m->conf.ndoors,
	};
	if ((v = mqtt_unlock_check(&m->unlock_ids, &cmd, &order)) != UNLOCK_ACCEPTED) {
		mqtt_unlock_printable(msg->topic, strlen(msg->topic), shown, sizeof(shown));
		log_warnx("mqtt: unlock command on %s refused: %s", shown,
		    mqtt_unlock_reason(v));
		return;
	}
	if (m->on_unlock == NULL) {
		log_warnx("mqtt: unlock command %s ignored: seuild is stopping or "
		    "reloading", order.id);
		return;
	}
	m->on_unlock(m->arg, order.door_index, order.seconds, order.id);
}

static int
recall_cb(const struct event_row *ev, void *arg)
{
	char id[UNLOCK_ID_MAX + 1];

	if (mqtt_unlock_detail_id(ev->detail, id) == 0)
		mqtt_unlock_remember(arg, id);
	return 0;
}

/*
 * The ids accepted before this mqtt existed (seuild restarted, even by
 * kill -9, or reloaded) are in the event log, committed before the door
 * opened.  A command lives at most UNLOCK_EXPIRES_MAX_MS past the wall
 * time it was accepted, and its event is stamped after that, so the
 * unlock_remote events of the last UNLOCK_EXPIRES_MAX_MS hold every id
 * that could still be replayed; older ones are refused as expired anyway.
 */
int
mqtt_unlock_recall(struct mqtt *m, char *err, size_t errlen)
{
	if (store_events_since(m->st, "unlock_remote", clock_wall_ms() - UNLOCK_EXPIRES_MAX_MS,
	    recall_cb, &m->unlock_ids) == -1) {
		snprintf(err, errlen, "mqtt: reading the recent remote unlocks: %s",
		    store_errmsg(m->st));
		return -1;
	}
	return 0;
}

static bool
is_unlock_topic(const struct mqtt *m, const char *topic)
{
	char sub[300];
	bool match = false;

	mqtt_topic(m, sub, sizeof(sub), "door/+/unlock");
	return mosquitto_topic_matches_sub(sub, topic, &match) == MOSQ_ERR_SUCCESS && match;
}

/* ---- callbacks (main thread, from mosquitto_loop_*) ---- */

void
mqtt_on_connect(struct mosquitto *mosq, void *obj, int rc, int flags,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;
	char topic[400];
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
	mqtt_publish_retained(m);
	for (i = 0; i < m->conf.ndoors; i++)
		mqtt_publish_door(m, i);
	mqtt_announce_ha(m);
	if (m->hooks.connected != NULL)
		m->hooks.connected(m->hooks.arg);
	m->events_more = true;
	mqtt_pump(m);
}

/*
 * A PUBACK.  Reason 0x10 (nobody subscribed) is a success.  A refusal
 * (>= 0x80, e.g. an ACL that forbids the topic) is a configuration error
 * that a resend cannot fix: it is logged and the event counts as done,
 * or one bad ACL line would stop every later event.
 */
void
mqtt_on_publish(struct mosquitto *mosq, void *obj, int mid, int reason,
    const mosquitto_property *props)
{
	struct mqtt *m = obj;
	struct inflight *f;
	int i, j, done;

	(void)mosq;
	(void)props;
	if (mid == m->stop_mid)
		m->stop_acked = true;
	for (i = 0; i < m->nwin; i++) {
		f = &m->win[i];
		for (j = 0; j < f->nmid && f->mid[j] != mid; j++)
			;
		if (j < f->nmid) {
			f->nacked++;
			if (reason >= 0x80)
				log_warnx("mqtt: broker refused event %" PRId64 "%s: %s", f->seq,
				    j == 1 ? " on presence/events" : "",
				    mosquitto_reason_string(reason));
			break;
		}
	}
	/* The mark moves over a prefix of acknowledged events only. */
	for (done = 0; done < m->nwin && m->win[done].nacked == m->win[done].nmid; done++)
		m->acked_seq = m->win[done].seq;
	if (done > 0) {
		memmove(m->win, m->win + done, (size_t)(m->nwin - done) * sizeof(m->win[0]));
		m->nwin -= done;
	}
}

void
mqtt_on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct mqtt *m = obj;

	(void)mosq;
	if (strcmp(msg->topic, "homeassistant/status") == 0) {
		if (msg->payloadlen == 6 && memcmp(msg->payload, "online", 6) == 0)
			mqtt_announce_ha(m);
		return;
	}
	if (m->conf.mqtt_remote_unlock && is_unlock_topic(m, msg->topic)) {
		mqtt_handle_unlock(m, msg);
		return;
	}
	if (m->hooks.message != NULL && msg->payloadlen >= 0)
		m->hooks.message(m->hooks.arg, msg->topic, msg->payload, (size_t)msg->payloadlen,
		    msg->retain);
}

void
mqtt_set_hooks(struct mqtt *m, const struct mqtt_hooks *h)
{
	if (m == NULL)
		return;
	if (h != NULL)
		m->hooks = *h;
	else
		memset(&m->hooks, 0, sizeof(m->hooks));
}

int
mqtt_publish(struct mqtt *m, const char *topic, const void *payload, size_t len, bool retain)
{
	if (m == NULL || m->mosq == NULL || m->state != MQ_CONNECTED || len > INT32_MAX)
		return -1;
	return mosquitto_publish(m->mosq, NULL, topic, (int)len, payload, 1, retain) ==
	    MOSQ_ERR_SUCCESS ? 0 : -1;
}

int
mqtt_subscribe(struct mqtt *m, const char *topic)
{
	if (m == NULL || m->mosq == NULL || m->state != MQ_CONNECTED)
		return -1;
	return mosquitto_subscribe(m->mosq, NULL, topic, 1) == MOSQ_ERR_SUCCESS ? 0 : -1;
}

/* ---- connection ---- */

void
mqtt_events_changed(struct mqtt *m)
{
	if (m == NULL)
		return;
	m->events_more = true;
	mqtt_pump(m);
}

void
mqtt_presence_changed(struct mqtt *m, const struct presence_person *people, int count,
    bool office)
{
	struct spaceapi_state sa = { .count = count, .office = office, .known = true };
	char num[16], *json, *sp;
	int64_t now = clock_wall_ms();
	bool open;

	if (m == NULL || (json = mqtt_presence_json(people, count, now)) == NULL)
		return;

	open = spaceapi_open(&m->conf, &sa);
	if (m->presence == NULL || open != m->was_open)
		m->open_changed_ms = now;
	m->was_open = open;
	sa.lastchange_ms = m->open_changed_ms;
	sp = spaceapi_json(&m->conf, &sa);

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
	if (m->spaceapi != NULL && m->conf.mqtt_spaceapi_file[0] != '\0' &&
	    spaceapi_write(m->conf.mqtt_spaceapi_file, m->spaceapi) == -1)
		log_warn("mqtt: spaceapi_file %s%s", m->conf.mqtt_spaceapi_file,
		    errno == ELOOP ? " (not a regular file)" : "");
	mqtt_publish_retained(m);
}

void
mqtt_lobby_changed(struct mqtt *m, bool clock_synced)
{
	char *json;

	if (m == NULL || (json = mqtt_lobby_json(&m->conf, m->logo, clock_synced,
	    clock_wall_ms())) == NULL)
		return;
	free(m->lobby);
	m->lobby = json;
	mqtt_publish_retained(m);
}

void
mqtt_door_state(struct mqtt *m, int door_index, const char *state)
{
	if (m == NULL || door_index < 0 || door_index >= m->conf.ndoors || state == NULL)
		return;
	snprintf(m->door_state[door_index], sizeof(m->door_state[0]), "%s", state);
	mqtt_publish_door(m, door_index);
}

void
mqtt_set_writer(struct mqtt *m, struct writer *w)
{
	m->writer = w;
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

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
#include "mqtt.h"

#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mqtt_discovery.h"
#include "mqtt_event.h"
#include "mqtt_lobby.h"
#include "mqtt_unlock.h"
#include "render_json.h"
#include "spaceapi.h"
#include "writer.h"

#define MQTT_WINDOW		20	/* events in flight at once */
#define MQTT_BACKOFF_MIN_MS	1000
#define MQTT_BACKOFF_MAX_MS	60000
#define MQTT_CONNECT_MS		10000	/* give up on a connect attempt */
#define MQTT_STABLE_MS		30000	/* a connection this old resets the backoff */
#define MQTT_MISC_MS		1000	/* mosquitto_loop_misc period */
#define MQTT_STOP_MS		500	/* mqtt_free waits this long at most */
#define MQTT_SEQ_KEY		"mqtt_published_seq"

enum mqtt_state { MQ_IDLE, MQ_CONNECTING, MQ_CONNECTED };

/* One event in flight: its B/events copy and, for an arrival or a
 * departure, its B/presence/events copy. */
struct inflight {
	int	mid[2];
	int	nmid;
	int	nacked;
	int64_t	seq;
};

struct mqtt {
	struct config	conf;		/* private copy: a reload makes a new mqtt */
	struct store	*st;		/* reads; writes go through writer if set */
	struct writer	*writer;
	mqtt_unlock_cb	on_unlock;
	void		*arg;

	const char	*door_names[CONFIG_MAX_DOORS];	/* into conf */
	char		password[256];
	bool		have_password;

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
	char		*lobby;
	char		*logo;		/* [lobby] logo as a data URL, or NULL */
	bool		was_open;
	int64_t		open_changed_ms;
	char		door_state[CONFIG_MAX_DOORS][16];

	struct unlock_memory unlock_ids;

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
	snprintf(buf, len, "%s/%s", m->conf.mqtt_base_topic, suffix);
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

static void
mqtt_publish_status(struct mqtt *m, const char *status, int *mid)
{
	char topic[300];

	mqtt_topic(m, topic, sizeof(topic), "status");
	mqtt_send(m, topic, status, true, mid);
}

/* The retained documents: B/lobby, and B/presence with its count and
 * SpaceAPI once known.  A document sent again changes nothing. */
static void
mqtt_publish_retained(struct mqtt *m)
{
	char topic[300];

	mqtt_topic(m, topic, sizeof(topic), "lobby");
	if (m->lobby != NULL)
		mqtt_send(m, topic, m->lobby, true, NULL);
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
	if (m->conf.mqtt_homeassistant)
		mqtt_discovery_announce(&m->conf, emit_retained, m);
}

/* ---- events ---- */

/* A door's event for Home Assistant's event entity and device triggers
 * (B/door/<door>/event): live only, so a backlog published after an
 * outage does not fire automations late; not part of the durable mark (a
 * lost copy is not resent). */
#define MQTT_DOOR_EVENT_LIVE_MS	60000

static void
mqtt_door_event(struct mqtt *m, const struct event_row *ev, const char *name)
{
	char topic[400], *s;

	if (ev->door[0] == '\0' || !mqtt_discovery_event_type(ev->type) ||
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
	char topic[300];
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
	mqtt_topic(m, topic, sizeof(topic), "events");
	rc = mqtt_send(m, topic, s, false, &f->mid[f->nmid]);
	cJSON_free(s);
	if (rc != MOSQ_ERR_SUCCESS)
		goto failed;
	f->nmid++;
	if (mqtt_event_lobby_safe(ev)) {
		if ((s = mqtt_presence_event_json(ev, name)) == NULL)
			goto failed;
		mqtt_topic(m, topic, sizeof(topic), "presence/events");
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
	/* Through the daemon's writer when there is one: the loop never
	 * writes (writer.h).  A failed write is logged by the writer. */
	if ((m->writer ? writer_meta_set(m->writer, MQTT_SEQ_KEY, buf) :
	    store_meta_set(m->st, MQTT_SEQ_KEY, buf)) == -1) {
		if (!m->store_failing)
			log_warnx("mqtt: saving %s: %s", MQTT_SEQ_KEY,
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
static int
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
	mqtt_publish_retained(m);
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

	if ((mosq = mosquitto_new(m->conf.mqtt_client_id, true, m)) == NULL) {
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
	/* [mqtt] keepalive is whole seconds in 5..65535 (config.c). */
	rc = mosquitto_connect_async(m->mosq, m->conf.mqtt_host, m->conf.mqtt_port,
	    (int)(m->conf.mqtt_keepalive_ms / 1000));
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

	for (i = 0; i < conf->ndoors; i++)
		m->door_names[i] = m->conf.doors[i].name;

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
	if (conf->mqtt_remote_unlock && mqtt_unlock_recall(m, err, errlen) == -1)
		goto fail;

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

	/* A logo is never a reason for the doors or MQTT not to run. */
	if (mqtt_lobby_logo(conf->lobby_logo, &m->logo, err, errlen) == -1)
		log_warnx("%s: the lobby shows no logo", err);
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
	free(m->logo);
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
	/* The doors are gone or going: a command read while saying goodbye
	 * must not reach them (it did, and seuild crashed on a NULL door). */
	m->on_unlock = NULL;
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
	mosquitto_lib_cleanup();
	free(m->presence);
	free(m->count);
	free(m->spaceapi);
	free(m->lobby);
	free(m->logo);
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

	if (m == NULL)
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
	if (m == NULL)
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

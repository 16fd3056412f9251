/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The MQTT module against a real mosquitto broker on a free loopback port,
 * a real store file, and a second libmosquitto client as the subscriber.
 * The module is driven by a small poll loop like seuild's.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <mosquitto.h>
#include <netinet/in.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mqtt.h"
#include "mqtt_discovery.h"
#include "mqtt_unlock.h"
#include "store.h"
#include "testhelp.h"

#define WAIT_MS	15000		/* failure limit, never a pass condition */

static char tmpdir[256];	/* short, so that paths built from it fit */

/* ---- broker ---- */

struct broker {
	pid_t	pid;
	int	port;
	char	conf[PATH_MAX];
};

static int
free_port(void)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) == -1) {
		close(fd);
		return -1;
	}
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static bool
port_open(int port)
{
	struct sockaddr_in sa;
	int fd, rc;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return rc == 0;
}

/* Start mosquitto with extra config lines; b->port 0 picks a free port. */
static bool
broker_start(struct broker *b, const char *name, const char *extra)
{
	FILE *f;
	char log[PATH_MAX + 16];
	int64_t end;

	if (b->port == 0)
		b->port = free_port();
	snprintf(b->conf, sizeof(b->conf), "%s/%s.conf", tmpdir, name);
	if ((f = fopen(b->conf, "w")) == NULL)
		return false;
	fprintf(f, "listener %d 127.0.0.1\npersistence false\n", b->port);
	if (geteuid() == 0)
		fprintf(f, "user root\n");	/* else it drops to mosquitto: tmpdir is 0700 */
	fprintf(f, "%s\n", extra);
	fclose(f);
	snprintf(log, sizeof(log), "%s/%s.log", tmpdir, name);
	if ((b->pid = fork()) == 0) {
		if (freopen(log, "a", stdout) == NULL || freopen(log, "a", stderr) == NULL)
			_exit(127);
		execlp("mosquitto", "mosquitto", "-c", b->conf, (char *)NULL);
		_exit(127);
	}
	end = clock_mono_ms() + WAIT_MS;
	while (clock_mono_ms() < end) {
		if (port_open(b->port))
			return true;
		if (waitpid(b->pid, NULL, WNOHANG) == b->pid) {
			b->pid = 0;
			return false;
		}
		usleep(20000);
	}
	return false;
}

static void
broker_stop(struct broker *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGTERM);
		waitpid(b->pid, NULL, 0);
	}
	b->pid = 0;
}

/* ---- subscriber ---- */

struct msg {
	char	topic[256];
	char	*payload;
	bool	retain;
};

struct sub {
	struct mosquitto *mosq;
	const char	*topics[4];
	int		ntopics;
	int		subacks;
	struct msg	msgs[1024];
	int		n;
};

static void
sub_on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct sub *s = obj;
	int i;

	if (rc != 0)
		return;
	for (i = 0; i < s->ntopics; i++)
		mosquitto_subscribe(mosq, NULL, s->topics[i], 1);
}

static void
sub_on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted)
{
	struct sub *s = obj;

	(void)mosq;
	(void)mid;
	(void)qos_count;
	(void)granted;
	s->subacks++;
}

static void
sub_on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct sub *s = obj;
	struct msg *m;

	(void)mosq;
	if (s->n == (int)(sizeof(s->msgs) / sizeof(s->msgs[0])))
		return;
	m = &s->msgs[s->n++];
	snprintf(m->topic, sizeof(m->topic), "%s", msg->topic);
	m->payload = strndup(msg->payload ? msg->payload : "", (size_t)msg->payloadlen);
	m->retain = msg->retain;
}

static void
sub_pump(struct sub *s, int timeout_ms)
{
	if (s != NULL && mosquitto_loop(s->mosq, timeout_ms, 1) != MOSQ_ERR_SUCCESS)
		mosquitto_reconnect(s->mosq);
}

/* Connected and subscribed to topics (up to 4, NULL-terminated). */
static struct sub *
sub_new(int port, const char *t1, const char *t2)
{
	struct sub *s = calloc(1, sizeof(*s));
	int64_t end = clock_mono_ms() + WAIT_MS;

	s->mosq = mosquitto_new(NULL, true, s);
	s->topics[s->ntopics++] = t1;
	if (t2 != NULL)
		s->topics[s->ntopics++] = t2;
	mosquitto_connect_callback_set(s->mosq, sub_on_connect);
	mosquitto_subscribe_callback_set(s->mosq, sub_on_subscribe);
	mosquitto_message_callback_set(s->mosq, sub_on_message);
	if (mosquitto_connect(s->mosq, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS)
		return s;
	while (s->subacks < s->ntopics && clock_mono_ms() < end)
		mosquitto_loop(s->mosq, 50, 1);
	return s;
}

static void
sub_free(struct sub *s)
{
	int i;

	if (s == NULL)
		return;
	mosquitto_disconnect(s->mosq);
	mosquitto_destroy(s->mosq);
	for (i = 0; i < s->n; i++)
		free(s->msgs[i].payload);
	free(s);
}

static int
sub_count(const struct sub *s, const char *topic)
{
	int i, n = 0;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->msgs[i].topic, topic) == 0)
			n++;
	return n;
}

static const struct msg *
sub_last(const struct sub *s, const char *topic)
{
	int i;

	for (i = s->n - 1; i >= 0; i--)
		if (strcmp(s->msgs[i].topic, topic) == 0)
			return &s->msgs[i];
	return NULL;
}

/* The payload of the k-th message on topic ("" if none). */
static const char *
sub_nth(const struct sub *s, const char *topic, int k)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->msgs[i].topic, topic) == 0 && k-- == 0)
			return s->msgs[i].payload;
	return "";
}

/* ---- driving the module ---- */

typedef bool (*cond_fn)(void *);

/* Run the module (and the subscriber) until cond holds or ms pass. */
static bool
run_until(struct mqtt *m, struct sub *s, int64_t ms, cond_fn cond, void *arg)
{
	int64_t end = clock_mono_ms() + ms, now, dl;
	struct pollfd pfd;
	int timeout;

	for (;;) {
		if (cond != NULL && cond(arg))
			return true;
		now = clock_mono_ms();
		if (now >= end)
			return false;
		mqtt_pollfd(m, &pfd);
		timeout = 20;
		dl = mqtt_deadline(m);
		if (dl >= 0 && dl - now < timeout)
			timeout = dl > now ? (int)(dl - now) : 0;
		poll(&pfd, pfd.fd == -1 ? 0 : 1, timeout);
		if (pfd.fd == -1)
			pfd.revents = 0;
		mqtt_service(m, &pfd, clock_mono_ms());
		sub_pump(s, 0);
	}
}

static bool
is_connected(void *arg)
{
	return mqtt_connected(arg);
}

struct wait_topic {
	struct sub	*s;
	const char	*topic;
	int		n;
};

static bool
has_topic(void *arg)
{
	struct wait_topic *w = arg;

	return sub_count(w->s, w->topic) >= w->n;
}

/* ---- fixtures ---- */

static void
conf_init(struct config *c, int port)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->site_name, sizeof(c->site_name), "lab");
	snprintf(c->timezone, sizeof(c->timezone), "Europe/Paris");
	c->mqtt_enabled = true;
	snprintf(c->mqtt_host, sizeof(c->mqtt_host), "127.0.0.1");
	c->mqtt_port = port;
	snprintf(c->mqtt_base_topic, sizeof(c->mqtt_base_topic), "seuil/lab");
	snprintf(c->mqtt_client_id, sizeof(c->mqtt_client_id), "seuild-lab");
	c->mqtt_keepalive_ms = 30000;
	c->spaceapi_people = true;
	c->ndoors = 1;
	snprintf(c->doors[0].name, sizeof(c->doors[0].name), "front");
}

static struct store *
store_fresh(const char *name)
{
	char path[PATH_MAX + 64], err[256];
	struct store *st;

	snprintf(path, sizeof(path), "%s/%s.db", tmpdir, name);
	unlink(path);
	st = store_open(path, STORE_CREATE, err, sizeof(err));
	if (st == NULL)
		printf("# store_open: %s\n", err);
	return st;
}

/* Members are seuilctl's business; the test writes the rows directly. */
static int64_t
add_member(const char *db, const char *name, const char *display, bool pub, bool erased)
{
	sqlite3 *h;
	char *sql;
	int64_t id = -1;

	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	sql = sqlite3_mprintf("INSERT INTO members(name, display_name, email, status, public,"
	    " created, erased) VALUES(%Q, %Q, 'x@example.org', 'active', %d, 0, %s)",
	    name, display, pub, erased ? "1" : "NULL");
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK)
		id = sqlite3_last_insert_rowid(h);
	sqlite3_free(sql);
	sqlite3_close(h);
	return id;
}

static int64_t
append(struct store *st, const char *type, int64_t member_id, const char *reason)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.door = "front";
	ev.reader = "front-in";
	ev.member_id = member_id;
	ev.reason = reason;
	ev.ts_ms = clock_wall_ms();
	ev.mono_ms = clock_mono_ms();
	ev.clock_synced = true;
	return store_append_event(st, &ev);
}

static int64_t
json_int(const char *payload, const char *key)
{
	cJSON *o = cJSON_Parse(payload);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	int64_t r = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;

	cJSON_Delete(o);
	return r;
}

/* Seqs of the events the subscriber saw, in arrival order. */
static int
event_seqs(const struct sub *s, int64_t *out, int max)
{
	int i, n = 0;

	for (i = 0; i < s->n && n < max; i++)
		if (strcmp(s->msgs[i].topic, "seuil/lab/events") == 0)
			out[n++] = json_int(s->msgs[i].payload, "seq");
	return n;
}

static int64_t
meta_seq(struct store *st)
{
	char buf[32];

	if (store_meta_get(st, "mqtt_published_seq", buf, sizeof(buf)) != 1)
		return -1;
	return strtoll(buf, NULL, 10);
}

/* ---- tests ---- */

static void
test_status_online_offline(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s, *late;
	struct wait_topic w;
	char err[256];
	const struct msg *last;

	EXPECT(broker_start(&b, "status", "allow_anonymous true"));
	conf_init(&c, b.port);
	st = store_fresh("status");
	s = sub_new(b.port, "seuil/lab/status", NULL);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m != NULL);
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	w = (struct wait_topic){ s, "seuil/lab/status", 1 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	last = sub_last(s, "seuil/lab/status");
	EXPECT(last != NULL && strcmp(last->payload, "online") == 0);

	mqtt_free(m);
	w.n = 2;
	EXPECT(run_until(NULL, s, WAIT_MS, has_topic, &w));
	last = sub_last(s, "seuil/lab/status");
	EXPECT(last != NULL && strcmp(last->payload, "offline") == 0);

	/* Retained: a newcomer learns the daemon is offline. */
	late = sub_new(b.port, "seuil/lab/status", NULL);
	w = (struct wait_topic){ late, "seuil/lab/status", 1 };
	EXPECT(run_until(NULL, late, WAIT_MS, has_topic, &w));
	last = sub_last(late, "seuil/lab/status");
	EXPECT(last != NULL && last->retain && strcmp(last->payload, "offline") == 0);

	sub_free(s);
	sub_free(late);
	store_close(st);
	broker_stop(&b);
}

static void
test_presence_retained(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s, *late;
	struct wait_topic w;
	struct presence_person people[3] = {
		{ "Alice", 1795680843000LL },	/* 2026-11-26T08:14:03Z */
		{ NULL, 1795680000000LL },
		{ NULL, 1795680100000LL },
	};
	char err[256], path[512], buf[4096];
	const struct msg *msg;
	cJSON *o, *p, *sp;
	FILE *f;
	size_t n;

	EXPECT(broker_start(&b, "presence", "allow_anonymous true"));
	conf_init(&c, b.port);
	snprintf(path, sizeof(path), "%s/spaceapi.json", tmpdir);
	snprintf(c.mqtt_spaceapi_file, sizeof(c.mqtt_spaceapi_file), "%s", path);
	st = store_fresh("presence");
	s = sub_new(b.port, "seuil/lab/presence", NULL);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	mqtt_presence_changed(m, people, 3, false);
	w = (struct wait_topic){ s, "seuil/lab/presence", 1 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));

	late = sub_new(b.port, "seuil/lab/presence/#", "seuil/lab/spaceapi");
	w = (struct wait_topic){ late, "seuil/lab/presence/count", 1 };
	EXPECT(run_until(m, late, WAIT_MS, has_topic, &w));
	w = (struct wait_topic){ late, "seuil/lab/spaceapi", 1 };
	EXPECT(run_until(m, late, WAIT_MS, has_topic, &w));

	msg = sub_last(late, "seuil/lab/presence");
	EXPECT(msg != NULL && msg->retain);
	o = msg != NULL ? cJSON_Parse(msg->payload) : NULL;
	EXPECT(o != NULL);
	EXPECT_INT(json_int(msg ? msg->payload : "{}", "count"), 3);
	EXPECT_INT(json_int(msg ? msg->payload : "{}", "anonymous"), 2);
	p = cJSON_GetObjectItemCaseSensitive(o, "people");
	EXPECT_INT(cJSON_GetArraySize(p), 1);
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(p, 0), "name")), "Alice");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(p, 0), "since")), "2026-11-26T08:14:03Z");
	EXPECT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "updated")));
	cJSON_Delete(o);
	msg = sub_last(late, "seuil/lab/presence/count");
	EXPECT(msg != NULL && msg->retain && strcmp(msg->payload, "3") == 0);

	msg = sub_last(late, "seuil/lab/spaceapi");
	sp = msg != NULL ? cJSON_Parse(msg->payload) : NULL;
	EXPECT(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(sp, "state"), "open")));
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(sp, "space")), "lab");
	cJSON_Delete(sp);

	/* The same document, written atomically to spaceapi_file. */
	buf[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
	}
	sp = cJSON_Parse(buf);
	EXPECT(sp != NULL);
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(sp, "api_compatibility"), 0)), "15");
	EXPECT_INT((int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(sp, "sensors"),
	    "people_now_present"), 0), "value")), 3);
	cJSON_Delete(sp);

	mqtt_free(m);
	sub_free(s);
	sub_free(late);
	store_close(st);
	broker_stop(&b);
}

static void
test_events_in_order(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s;
	struct wait_topic w;
	char err[256], db[PATH_MAX + 32];
	int64_t alice, bob, carol, seqs[64], first;
	int i, n;
	cJSON *o;

	EXPECT(broker_start(&b, "events", "allow_anonymous true"));
	conf_init(&c, b.port);
	st = store_fresh("events");
	snprintf(db, sizeof(db), "%s/events.db", tmpdir);
	alice = add_member(db, "alice", "Alice", true, false);
	bob = add_member(db, "bob", "", true, false);
	carol = add_member(db, "carol", "Carol", false, false);
	EXPECT(alice > 0 && bob > 0 && carol > 0);

	s = sub_new(b.port, "seuil/lab/events", "seuil/lab/presence/events");
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	first = append(st, "arrival", alice, NULL);
	append(st, "arrival", bob, NULL);
	append(st, "arrival", carol, NULL);
	append(st, "access_denied", alice, "outside_schedule");
	append(st, "departure", alice, "timeout");
	for (i = 0; i < 40; i++)	/* more than the in-flight window */
		append(st, "door_open", 0, NULL);
	mqtt_events_changed(m);
	w = (struct wait_topic){ s, "seuil/lab/events", 45 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	n = event_seqs(s, seqs, 64);
	EXPECT_INT(n, 45);
	for (i = 0; i < n; i++)
		EXPECT_INT(seqs[i], first + i);

	o = cJSON_Parse(sub_nth(s, "seuil/lab/events", 0));
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name")), "Alice");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "type")), "arrival");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "door")), "front");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "reader")), "front-in");
	EXPECT(cJSON_GetObjectItemCaseSensitive(o, "member_id") == NULL);
	cJSON_Delete(o);
	/* No display name: the member's name. */
	o = cJSON_Parse(sub_nth(s, "seuil/lab/events", 1));
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "name")), "bob");
	cJSON_Delete(o);
	/* Not public: anonymous, and nothing else identifying. */
	EXPECT(strstr(sub_nth(s, "seuil/lab/events", 2), "Carol") == NULL);
	EXPECT(strstr(sub_nth(s, "seuil/lab/events", 2), "name") == NULL);
	EXPECT(strstr(sub_nth(s, "seuil/lab/events", 2), "example.org") == NULL);
	/* A denial never names anyone. */
	o = cJSON_Parse(sub_nth(s, "seuil/lab/events", 3));
	EXPECT(cJSON_GetObjectItemCaseSensitive(o, "name") == NULL);
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "reason")),
	    "outside_schedule");
	cJSON_Delete(o);

	/* The lobby-safe copy: the three arrivals and the departure only,
	 * with the same seq, no reader, names as on B/events. */
	w = (struct wait_topic){ s, "seuil/lab/presence/events", 4 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	{
		static const char *const want[4][3] = {
			{ "arrival", "Alice", NULL }, { "arrival", "bob", NULL },
			{ "arrival", NULL, NULL }, { "departure", "Alice", "timeout" },
		};
		int k = 0;

		for (i = 0; i < s->n; i++) {
			if (strcmp(s->msgs[i].topic, "seuil/lab/presence/events") != 0)
				continue;
			o = cJSON_Parse(s->msgs[i].payload);
			if (k < 4) {
				EXPECT_INT(json_int(s->msgs[i].payload, "seq"),
				    first + (k == 3 ? 4 : k));
				EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
				    "type")), want[k][0]);
				EXPECT(cJSON_GetObjectItemCaseSensitive(o, "reader") == NULL);
				if (want[k][1] != NULL)
					EXPECT_STR(cJSON_GetStringValue(
					    cJSON_GetObjectItemCaseSensitive(o, "name")), want[k][1]);
				else
					EXPECT(cJSON_GetObjectItemCaseSensitive(o, "name") == NULL);
				if (want[k][2] != NULL)
					EXPECT_STR(cJSON_GetStringValue(
					    cJSON_GetObjectItemCaseSensitive(o, "reason")), want[k][2]);
			}
			cJSON_Delete(o);
			k++;
		}
		EXPECT_INT(k, 4);
	}

	/* Everything acknowledged, and the mark is durable. */
	EXPECT(run_until(m, s, 300, NULL, NULL) == false);
	EXPECT_INT(mqtt_published_seq(m), first + 44);
	EXPECT_INT(meta_seq(st), first + 44);

	mqtt_free(m);
	sub_free(s);
	store_close(st);
	broker_stop(&b);
}

static bool
published_to(void *arg)
{
	struct { struct mqtt *m; int64_t seq; } *p = arg;

	return mqtt_published_seq(p->m) >= p->seq;
}

static void
test_outage_and_restart(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s;
	struct wait_topic w;
	char err[256];
	int64_t seqs[64], first, last = 0;
	struct { struct mqtt *m; int64_t seq; } pub;
	int i, n;

	EXPECT(broker_start(&b, "outage", "allow_anonymous true"));
	conf_init(&c, b.port);
	st = store_fresh("outage");
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(run_until(m, NULL, WAIT_MS, is_connected, m));
	first = append(st, "daemon_start", 0, NULL);
	mqtt_events_changed(m);
	pub.m = m;
	pub.seq = first;
	EXPECT(run_until(m, NULL, WAIT_MS, published_to, &pub));

	/* The broker goes away while events keep coming. */
	broker_stop(&b);
	for (i = 0; i < 5; i++) {
		last = append(st, "door_open", 0, NULL);
		mqtt_events_changed(m);
		run_until(m, NULL, 400, NULL, NULL);
	}
	EXPECT(!mqtt_connected(m));
	EXPECT_INT(mqtt_published_seq(m), first);
	EXPECT_INT(meta_seq(st), first);

	/* Back: the subscriber first, so that it sees the resend. */
	EXPECT(broker_start(&b, "outage", "allow_anonymous true"));
	s = sub_new(b.port, "seuil/lab/events", NULL);
	w = (struct wait_topic){ s, "seuil/lab/events", 5 };
	EXPECT(run_until(m, s, WAIT_MS + 60000, has_topic, &w));
	n = event_seqs(s, seqs, 64);
	EXPECT_INT(n, 5);
	for (i = 0; i < n; i++)
		EXPECT_INT(seqs[i], first + 1 + i);
	pub.seq = last;
	EXPECT(run_until(m, s, WAIT_MS, published_to, &pub));
	mqtt_free(m);
	EXPECT_INT(meta_seq(st), last);

	/* A new instance on the same store sends only what is new. */
	sub_free(s);
	s = sub_new(b.port, "seuil/lab/events", NULL);
	for (i = 0; i < 3; i++)
		last = append(st, "door_closed", 0, NULL);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT_INT(mqtt_published_seq(m), last - 3);
	w = (struct wait_topic){ s, "seuil/lab/events", 3 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	run_until(m, s, 300, NULL, NULL);
	n = event_seqs(s, seqs, 64);
	EXPECT_INT(n, 3);
	for (i = 0; i < n; i++)
		EXPECT_INT(seqs[i], last - 2 + i);
	/* And one whose mark was never acknowledged resends from it. */
	mqtt_free(m);
	EXPECT_INT(meta_seq(st), last);
	EXPECT(store_meta_set(st, "mqtt_published_seq", "2") == 0);
	sub_free(s);
	s = sub_new(b.port, "seuil/lab/events", NULL);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	w = (struct wait_topic){ s, "seuil/lab/events", (int)(last - 2) };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	n = event_seqs(s, seqs, 64);
	EXPECT_INT(n, last - 2);
	EXPECT_INT(n > 0 ? seqs[0] : 0, 3);

	mqtt_free(m);
	sub_free(s);
	store_close(st);
	broker_stop(&b);
}

/* ---- remote unlock ---- */

struct unlocks {
	int	n;
	int	door[16];
	int	seconds[16];
	char	id[16][80];
};

static void
on_unlock(void *arg, int door_index, int seconds, const char *id)
{
	struct unlocks *u = arg;

	if (u->n < 16) {
		u->door[u->n] = door_index;
		u->seconds[u->n] = seconds;
		snprintf(u->id[u->n], sizeof(u->id[0]), "%s", id);
	}
	u->n++;
}

static bool
unlocks_at_least(void *arg)
{
	struct { struct unlocks *u; int n; } *p = arg;

	return p->u->n >= p->n;
}

static void
command(struct sub *s, const char *door, const char *payload, bool retain)
{
	char topic[128];

	snprintf(topic, sizeof(topic), "seuil/lab/door/%s/unlock", door);
	mosquitto_publish(s->mosq, NULL, topic, (int)strlen(payload), payload, 1, retain);
}

static void
test_remote_unlock(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s;
	struct unlocks u = { 0 };
	struct { struct unlocks *u; int n; } want = { &u, 0 };
	char err[256], future[21], past[21], far[21], cmd[2048], big[1200];

	EXPECT(broker_start(&b, "unlock", "allow_anonymous true"));
	conf_init(&c, b.port);
	c.mqtt_remote_unlock = true;
	st = store_fresh("unlock");
	s = sub_new(b.port, "seuil/lab/status", NULL);
	clock_format_utc(clock_wall_ms() + 120000, future);
	clock_format_utc(clock_wall_ms() - 120000, past);
	clock_format_utc(clock_wall_ms() + 3600000, far);

	/* A retained command waiting on the broker is replayed at subscribe
	 * time: refused. */
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-old\",\"expires\":\"%s\"}",
	    future);
	command(s, "front", cmd, true);
	sub_pump(s, 50);
	m = mqtt_new(&c, st, on_unlock, &u, err, sizeof(err));
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	run_until(m, s, 300, NULL, NULL);	/* let the SUBACK come back */

	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-1\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	want.n = 1;
	EXPECT(run_until(m, s, WAIT_MS, unlocks_at_least, &want));
	EXPECT_INT(u.n, 1);
	EXPECT_INT(u.door[0], 0);
	EXPECT_INT(u.seconds[0], 5);
	EXPECT_STR(u.id[0], "cmd-1");

	/* Every one of these must be refused. */
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-r\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, true);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-e\",\"expires\":\"%s\"}", past);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-far\",\"expires\":\"%s\"}", far);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-n\"}");
	command(s, "front", cmd, false);
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-b\",\"expires\":\"%s\"%s}",
	    future, big);
	command(s, "front", cmd, false);
	command(s, "front", "{\"seconds\":5,", false);
	command(s, "front", "[1,2,3]", false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":0,\"id\":\"cmd-0\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":61,\"id\":\"cmd-61\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":1e300,\"id\":\"cmd-h\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":2.5,\"id\":\"cmd-f\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-u\",\"expires\":\"%s\"}", future);
	command(s, "back", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-1\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);	/* replay of an accepted id */

	/* A last valid command: once it arrives, all the others were seen. */
	snprintf(cmd, sizeof(cmd), "{\"seconds\":60,\"id\":\"cmd-2\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	want.n = 2;
	EXPECT(run_until(m, s, WAIT_MS, unlocks_at_least, &want));
	run_until(m, s, 300, NULL, NULL);
	EXPECT_INT(u.n, 2);
	EXPECT_STR(u.id[1], "cmd-2");
	EXPECT_INT(u.seconds[1], 60);

	mqtt_free(m);
	/* The retained command must not linger for the next test run. */
	mosquitto_publish(s->mosq, NULL, "seuil/lab/door/front/unlock", 0, NULL, 1, true);
	sub_pump(s, 50);

	/* Disabled: no subscription, so no callback. */
	c.mqtt_remote_unlock = false;
	u.n = 0;
	m = mqtt_new(&c, st, on_unlock, &u, err, sizeof(err));
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	run_until(m, s, 300, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-3\",\"expires\":\"%s\"}", future);
	command(s, "front", cmd, false);
	run_until(m, s, 500, NULL, NULL);
	EXPECT_INT(u.n, 0);

	mqtt_free(m);
	sub_free(s);
	store_close(st);
	broker_stop(&b);
}

/*
 * A restart (or a reload) makes a new mqtt: the ids of the commands that
 * could still be unexpired come back from the event log, so replaying one
 * is refused.  Older ids, and unlocks that came from the control socket,
 * are not remembered.
 */
static void
test_unlock_recall(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s;
	struct unlocks u = { 0 };
	struct { struct unlocks *u; int n; } want = { &u, 1 };
	char err[256], future[21], cmd[256];
	int64_t now = clock_wall_ms();
	const struct event evs[] = {
		{ .type = "unlock_remote", .door = "front", .detail = "mqtt id cmd-recent, 5 s",
		    .ts_ms = now - 60000 },
		{ .type = "unlock_remote", .door = "front", .detail = "mqtt id cmd-stale, 5 s",
		    .ts_ms = now - UNLOCK_EXPIRES_MAX_MS - 1000 },
		{ .type = "unlock_remote", .door = "front", .detail = "uid:0(root), 5 s",
		    .ts_ms = now - 1000 },
		{ .type = "door_open", .door = "front", .detail = "mqtt id cmd-other, 5 s",
		    .ts_ms = now - 1000 },
	};

	EXPECT(broker_start(&b, "recall", "allow_anonymous true"));
	conf_init(&c, b.port);
	c.mqtt_remote_unlock = true;
	st = store_fresh("recall");
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		EXPECT(store_append_event(st, &evs[i]) > 0);
	s = sub_new(b.port, "seuil/lab/status", NULL);
	clock_format_utc(clock_wall_ms() + 120000, future);
	m = mqtt_new(&c, st, on_unlock, &u, err, sizeof(err));
	EXPECT(m != NULL);
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	run_until(m, s, 300, NULL, NULL);	/* let the SUBACK come back */

	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-recent\",\"expires\":\"%s\"}",
	    future);
	command(s, "front", cmd, false);
	/* What is not remembered opens; the last one shows the others were seen. */
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-other\",\"expires\":\"%s\"}",
	    future);
	command(s, "front", cmd, false);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"cmd-stale\",\"expires\":\"%s\"}",
	    future);
	command(s, "front", cmd, false);
	want.n = 2;
	EXPECT(run_until(m, s, WAIT_MS, unlocks_at_least, &want));
	run_until(m, s, 300, NULL, NULL);
	EXPECT_INT(u.n, 2);
	EXPECT_STR(u.id[0], "cmd-other");
	EXPECT_STR(u.id[1], "cmd-stale");

	mqtt_free(m);
	sub_free(s);
	store_close(st);
	broker_stop(&b);
}

static void
test_homeassistant(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s;
	struct wait_topic w;
	char err[256];
	const char *people = "homeassistant/sensor/seuil_lab/people/config";
	const char *door = "homeassistant/binary_sensor/seuil_lab/door_front/config";
	const struct msg *msg;
	cJSON *o;

	EXPECT(broker_start(&b, "ha", "allow_anonymous true"));
	conf_init(&c, b.port);
	c.mqtt_homeassistant = true;
	st = store_fresh("ha");
	s = sub_new(b.port, "homeassistant/#", "seuil/lab/door/#");
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
	mqtt_door_state(m, 0, "locked");
	w = (struct wait_topic){ s, door, 1 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	w = (struct wait_topic){ s, "seuil/lab/door/front/state", 1 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
	EXPECT_INT(sub_count(s, people), 1);
	msg = sub_last(s, "seuil/lab/door/front/state");
	EXPECT(msg != NULL && strcmp(msg->payload, "locked") == 0);

	msg = sub_last(s, door);
	o = msg != NULL ? cJSON_Parse(msg->payload) : NULL;
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "device_class")),
	    "door");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "state_topic")),
	    "seuil/lab/door/front/state");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "availability_topic")), "seuil/lab/status");
	cJSON_Delete(o);

	/* Home Assistant restarted: announce again. */
	mosquitto_publish(s->mosq, NULL, "homeassistant/status", 6, "online", 1, false);
	w = (struct wait_topic){ s, people, 2 };
	EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));

	mqtt_free(m);
	sub_free(s);
	store_close(st);
	broker_stop(&b);
}

/* The keys Home Assistant's documentation requires of each MQTT discovery
 * component (home-assistant.io/integrations/<component>.mqtt, and
 * device_trigger.mqtt), and those every entity of ours must have to be
 * kept apart and shown on its device. */
static bool
ha_config_holds(const char *topic, const cJSON *o, char *why, size_t len)
{
	static const struct { const char *component, *keys[6]; } need[] = {
		{ "sensor", { "state_topic", NULL } },
		{ "binary_sensor", { "state_topic", NULL } },
		{ "lock", { "command_topic", NULL } },
		{ "event", { "state_topic", "event_types", NULL } },
		{ "device_automation", { "automation_type", "topic", "type", "subtype",
		    "device", NULL } },
	};
	char comp[32];
	const cJSON *dev;
	size_t i, k;

	if (sscanf(topic, "homeassistant/%31[^/]/", comp) != 1) {
		snprintf(why, len, "%s: no component", topic);
		return false;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++)
		if (strcmp(need[i].component, comp) == 0)
			break;
	if (i == sizeof(need) / sizeof(need[0])) {
		snprintf(why, len, "%s: unknown component %s", topic, comp);
		return false;
	}
	for (k = 0; need[i].keys[k] != NULL; k++)
		if (cJSON_GetObjectItemCaseSensitive(o, need[i].keys[k]) == NULL) {
			snprintf(why, len, "%s: no %s", topic, need[i].keys[k]);
			return false;
		}
	dev = cJSON_GetObjectItemCaseSensitive(o, "device");
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(dev, "identifiers"))) {
		snprintf(why, len, "%s: no device identifiers", topic);
		return false;
	}
	if (strcmp(comp, "device_automation") == 0)
		return strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
		    "automation_type")), "trigger") == 0;
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "unique_id")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "availability_topic"))) {
		snprintf(why, len, "%s: no unique_id or availability_topic", topic);
		return false;
	}
	if (strcmp(comp, "event") == 0 &&
	    !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(o, "event_types"))) {
		snprintf(why, len, "%s: event_types is not a list", topic);
		return false;
	}
	return true;
}

/* The configs as Home Assistant would hold them (the last of each topic):
 * each holds its component's keys, want_topic is one, unwanted (if not
 * NULL) was removed (an empty config).  *n counts them. */
static bool
ha_configs(const struct sub *s, const char *want_topic, const char *unwanted, int *n)
{
	char why[300];
	bool ok = true, found = false, gone = unwanted == NULL;
	int i;

	*n = 0;
	for (i = 0; i < s->n; i++) {
		const struct msg *m = &s->msgs[i];
		cJSON *o;

		int later;

		if (strncmp(m->topic, "homeassistant/", 14) != 0 || strcmp(m->topic,
		    "homeassistant/status") == 0)
			continue;
		for (later = i + 1; later < s->n && strcmp(s->msgs[later].topic, m->topic) != 0;
		    later++)
			;
		if (later < s->n)
			continue;
		if (unwanted != NULL && strcmp(m->topic, unwanted) == 0)
			gone = m->payload[0] == '\0';
		if (m->payload[0] == '\0')
			continue;
		(*n)++;
		found |= strcmp(m->topic, want_topic) == 0;
		o = cJSON_Parse(m->payload);
		if (o == NULL || !ha_config_holds(m->topic, o, why, sizeof(why))) {
			printf("#   %s\n", o == NULL ? m->topic : why);
			ok = false;
		}
		cJSON_Delete(o);
	}
	return ok && found && gone;
}

/* Home Assistant by its conventions: a lock only with remote_unlock (its
 * commands through the unlock topic), else a binary_sensor of class lock;
 * door and problem sensors from the contact; an event entity and tap
 * triggers; each payload with the keys its component requires; the
 * door's events on B/door/<door>/event with seuil's type and no name of a
 * member who did not opt in. */
static void
test_homeassistant_components(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct sub *s;
	struct wait_topic w;
	char err[256];
	const char *lock = "homeassistant/lock/seuil_lab/door_front/config";
	const char *lock_sensor = "homeassistant/binary_sensor/seuil_lab/door_front_lock/config";
	const char *event = "homeassistant/event/seuil_lab/door_front/config";
	const struct msg *msg;
	cJSON *o;
	int n, i;

	EXPECT(broker_start(&b, "hac", "allow_anonymous true"));
	for (i = 0; i < 2; i++) {
		conf_init(&c, b.port);
		c.mqtt_homeassistant = true;
		c.mqtt_remote_unlock = i == 1;
		c.doors[0].gpio = GPIO_SIM;
		c.doors[0].unlock_ms = 4000;
		st = store_fresh("hac");
		s = sub_new(b.port, "homeassistant/#", "seuil/lab/door/#");
		m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
		EXPECT(run_until(m, s, WAIT_MS, is_connected, m));
		/* The second run gets the first's retained configs too. */
		w = (struct wait_topic){ s, "homeassistant/device_automation/seuil_lab/"
		    "door_front_access_denied/config", i + 1 };
		EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
		EXPECT(ha_configs(s, i == 1 ? lock : lock_sensor, i == 1 ? lock_sensor : lock, &n));
		EXPECT_INT(n, 7);	/* people, lock, door, problem, event, 2 triggers */
		msg = sub_last(s, i == 1 ? lock : lock_sensor);
		o = msg != NULL ? cJSON_Parse(msg->payload) : NULL;
		if (i == 1) {
			EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
			    "command_topic")), "seuil/lab/door/front/unlock");
			EXPECT(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o,
			    "command_template")) && strstr(cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(o, "command_template")),
			    "\"seconds\":4,") != NULL);
			EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
			    "state_open")), "OPEN");
		} else {
			EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
			    "device_class")), "lock");
		}
		cJSON_Delete(o);
		msg = sub_last(s, event);
		o = msg != NULL ? cJSON_Parse(msg->payload) : NULL;
		EXPECT_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o, "event_types")), 7);
		EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "state_topic")),
		    "seuil/lab/door/front/event");
		cJSON_Delete(o);

		/* The door's events, live: a grant and a door forced open. */
		append(st, "access_granted", 0, NULL);
		append(st, "door_forced_open", 0, NULL);
		append(st, "daemon_start", 0, NULL);	/* no door: not for the entity */
		mqtt_events_changed(m);
		w = (struct wait_topic){ s, "seuil/lab/door/front/event", 2 };
		EXPECT(run_until(m, s, WAIT_MS, has_topic, &w));
		msg = sub_last(s, "seuil/lab/door/front/event");
		o = msg != NULL ? cJSON_Parse(msg->payload) : NULL;
		EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "event_type")),
		    "door_forced_open");
		EXPECT(cJSON_GetObjectItemCaseSensitive(o, "name") == NULL);
		cJSON_Delete(o);
		mqtt_free(m);
		sub_free(s);
		store_close(st);
	}
	broker_stop(&b);
}

/* What a replica announces, as emitted: its own device and availability,
 * the copy's diagnostic sensor, its doors linked to its device, and never
 * the site's people count (the primary's, on the same topic). */
struct announced {
	char	topics[16][200];
	char	*payloads[16];
	int	n;
};

static void
announced_cb(void *arg, const char *topic, const char *payload)
{
	struct announced *a = arg;

	if (a->n == 16)
		return;
	snprintf(a->topics[a->n], sizeof(a->topics[a->n]), "%s", topic);
	a->payloads[a->n++] = strdup(payload);
}

static void
test_homeassistant_replica(void)
{
	const char *lock_sensor =
	    "homeassistant/binary_sensor/seuil_lab_hall/door_hall_lock/config";
	struct announced a = { .n = 0 };
	struct config c;
	char why[300];
	bool holds;
	cJSON *o;
	int i, lock_at = -1;

	conf_init(&c, 1883);
	snprintf(c.site_node, sizeof(c.site_node), "hall");
	c.site_role = SITE_REPLICA;
	snprintf(c.doors[0].name, sizeof(c.doors[0].name), "hall");
	mqtt_discovery_announce(&c, announced_cb, &a);
	EXPECT(a.n > 2 && a.n < 16);
	EXPECT_STR(a.topics[0], "homeassistant/binary_sensor/seuil_lab_hall/copy/config");
	for (i = 0; i < a.n; i++) {
		EXPECT(strstr(a.topics[i], "/people/") == NULL);
		EXPECT(strncmp(a.topics[i], "homeassistant/", 14) == 0 &&
		    strstr(a.topics[i], "/seuil_lab_hall/") != NULL);
		if (strcmp(a.topics[i], lock_sensor) == 0)
			lock_at = i;
		if (a.payloads[i][0] == '\0')
			continue;
		o = cJSON_Parse(a.payloads[i]);
		holds = o != NULL && ha_config_holds(a.topics[i], o, why, sizeof(why));
		if (!holds)
			printf("#   %s\n", o == NULL ? a.topics[i] : why);
		EXPECT(holds);
		if (cJSON_GetObjectItemCaseSensitive(o, "availability_topic") != NULL)
			EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
			    "availability_topic")), "seuil/lab/node/hall/status");
		cJSON_Delete(o);
	}
	o = cJSON_Parse(a.payloads[0]);
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "state_topic")),
	    "seuil/lab/node/hall/acl/state");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "entity_category")),
	    "diagnostic");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "device_class")),
	    "problem");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "device"), "name")), "seuil lab hall");
	cJSON_Delete(o);
	EXPECT(lock_at > 0);
	o = lock_at > 0 ? cJSON_Parse(a.payloads[lock_at]) : NULL;
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "state_topic")),
	    "seuil/lab/door/hall/state");
	EXPECT_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "device"), "via_device")), "seuil_lab_hall");
	cJSON_Delete(o);
	for (i = 0; i < a.n; i++)
		free(a.payloads[i]);
}

/* ---- authentication and TLS ---- */

static void
test_password(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	char err[256], cmd[PATH_MAX * 2], extra[PATH_MAX + 64];
	FILE *f;
	int64_t wait;

	snprintf(cmd, sizeof(cmd), "mosquitto_passwd -c -b %s/passwd seuild s3cret >/dev/null 2>&1",
	    tmpdir);
	EXPECT(system(cmd) == 0);
	snprintf(extra, sizeof(extra), "allow_anonymous false\npassword_file %s/passwd", tmpdir);
	EXPECT(broker_start(&b, "auth", extra));
	conf_init(&c, b.port);
	snprintf(c.mqtt_username, sizeof(c.mqtt_username), "seuild");
	snprintf(c.mqtt_password_file, sizeof(c.mqtt_password_file), "%s/seuild.pw", tmpdir);
	st = store_fresh("auth");

	/* Missing password file: a configuration error, at once. */
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m == NULL);
	EXPECT(strstr(err, "seuild.pw") != NULL);

	f = fopen(c.mqtt_password_file, "w");
	fputs("s3cret\n", f);
	fclose(f);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m != NULL);
	EXPECT(run_until(m, NULL, WAIT_MS, is_connected, m));
	mqtt_free(m);

	/* A wrong password: not connected, and no retry before most of a minute. */
	f = fopen(c.mqtt_password_file, "w");
	fputs("wrong\n", f);
	fclose(f);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m != NULL);
	run_until(m, NULL, 1500, NULL, NULL);
	EXPECT(!mqtt_connected(m));
	wait = mqtt_deadline(m) - clock_mono_ms();
	EXPECT(wait > 40000);
	mqtt_free(m);

	store_close(st);
	broker_stop(&b);
}

static void
test_tls(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st;
	struct mqtt *m;
	char err[256], cmd[PATH_MAX * 4], extra[PATH_MAX * 4];
	const char *d = tmpdir;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s/san.ext", d);
	f = fopen(cmd, "w");
	fputs("subjectAltName=IP:127.0.0.1\n", f);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	    "cd %s && (K='-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes' && "
	    "openssl req -x509 $K -keyout ca.key -out ca.crt -days 2 -subj /CN=seuil-test-ca && "
	    "openssl req $K -keyout server.key -out server.csr -subj /CN=127.0.0.1 && "
	    "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    "-out server.crt -days 2 -extfile san.ext && "
	    "openssl req $K -keyout client.key -out client.csr -subj /CN=seuild && "
	    "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
	    "-out client.crt -days 2", d);
	snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), ") >%s/openssl.log 2>&1", d);
	EXPECT(system(cmd) == 0);
	snprintf(extra, sizeof(extra), "allow_anonymous true\ncafile %s/ca.crt\n"
	    "certfile %s/server.crt\nkeyfile %s/server.key\nrequire_certificate true", d, d, d);
	EXPECT(broker_start(&b, "tls", extra));
	conf_init(&c, b.port);
	snprintf(c.mqtt_ca_file, sizeof(c.mqtt_ca_file), "%s/ca.crt", d);
	snprintf(c.mqtt_cert_file, sizeof(c.mqtt_cert_file), "%s/client.crt", d);
	snprintf(c.mqtt_key_file, sizeof(c.mqtt_key_file), "%s/client.key", d);
	st = store_fresh("tls");
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m != NULL);
	EXPECT(run_until(m, NULL, WAIT_MS, is_connected, m));
	append(st, "daemon_start", 0, NULL);
	mqtt_events_changed(m);
	{
		struct { struct mqtt *m; int64_t seq; } pub = { m, 1 };
		EXPECT(run_until(m, NULL, WAIT_MS, published_to, &pub));
	}
	mqtt_free(m);

	/* Without the client certificate the broker says no. */
	c.mqtt_cert_file[0] = c.mqtt_key_file[0] = '\0';
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m != NULL);
	EXPECT(!run_until(m, NULL, 1500, is_connected, m));
	mqtt_free(m);

	/* A missing CA file is a configuration error. */
	snprintf(c.mqtt_ca_file, sizeof(c.mqtt_ca_file), "%s/nope.crt", d);
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m == NULL);

	store_close(st);
	broker_stop(&b);
}

/* Nothing listening: every call returns at once. */
static void
test_no_broker(void)
{
	struct config c;
	struct store *st;
	struct mqtt *m;
	struct presence_person p = { "Alice", 0 };
	char err[256];
	int64_t t0, worst = 0, t;
	int i;

	conf_init(&c, free_port());
	st = store_fresh("nobroker");
	m = mqtt_new(&c, st, NULL, NULL, err, sizeof(err));
	EXPECT(m != NULL);
	for (i = 0; i < 20; i++) {
		t0 = clock_mono_ms();
		append(st, "door_open", 0, NULL);
		mqtt_events_changed(m);
		mqtt_presence_changed(m, &p, 1, false);
		mqtt_door_state(m, 0, "open");
		run_until(m, NULL, 50, NULL, NULL);
		t = clock_mono_ms() - t0;
		if (t > worst)
			worst = t;
	}
	EXPECT(!mqtt_connected(m));
	EXPECT_INT(mqtt_published_seq(m), 0);
	/* A loose bound: a blocking connect would take seconds. */
	EXPECT(worst < 2000);
	mqtt_free(m);
	mqtt_free(NULL);
	store_close(st);
}

/*
 * Two daemons with one client id (two Pis cloned from one image, both
 * "lab"): the broker drops the older connection each time the other one
 * connects.  Each connection that is taken over must count as a failure
 * for the backoff, or the pair takes turns once a second forever.
 */
static void
test_client_id_takeover(void)
{
	struct broker b = { 0 };
	struct config c;
	struct store *st1, *st2;
	struct mqtt *m1, *m2;
	struct pollfd pfd[2];
	char err[256];
	bool was1 = false, was2 = false, now1, now2;
	int connects = 0, timeout;
	int64_t end, t, dl;

	EXPECT(broker_start(&b, "takeover", "allow_anonymous true"));
	conf_init(&c, b.port);
	st1 = store_fresh("takeover1");
	st2 = store_fresh("takeover2");
	m1 = mqtt_new(&c, st1, NULL, NULL, err, sizeof(err));
	m2 = mqtt_new(&c, st2, NULL, NULL, err, sizeof(err));
	EXPECT(m1 != NULL && m2 != NULL);
	end = clock_mono_ms() + 12000;
	while ((t = clock_mono_ms()) < end) {
		mqtt_pollfd(m1, &pfd[0]);
		mqtt_pollfd(m2, &pfd[1]);
		timeout = 20;
		if ((dl = mqtt_deadline(m1)) >= 0 && dl - t < timeout)
			timeout = dl > t ? (int)(dl - t) : 0;
		if ((dl = mqtt_deadline(m2)) >= 0 && dl - t < timeout)
			timeout = dl > t ? (int)(dl - t) : 0;
		poll(pfd, 2, timeout);
		mqtt_service(m1, &pfd[0], clock_mono_ms());
		mqtt_service(m2, &pfd[1], clock_mono_ms());
		now1 = mqtt_connected(m1);
		now2 = mqtt_connected(m2);
		connects += (now1 && !was1) + (now2 && !was2);
		was1 = now1;
		was2 = now2;
	}
	/* With the backoff reset at every CONNACK this is about 13; with
	 * a growing backoff (1, 2, 4, 8 s for each) at most about 8. */
	printf("# %d connections in 12 s\n", connects);
	EXPECT(connects >= 2);
	EXPECT(connects <= 9);
	mqtt_free(m1);
	mqtt_free(m2);
	store_close(st1);
	store_close(st2);
	broker_stop(&b);
}

int
main(void)
{
	char cmd[PATH_MAX + 16];

	signal(SIGPIPE, SIG_IGN);
	log_init("test_mqtt", 1, 0);
	snprintf(tmpdir, sizeof(tmpdir), "%s/seuil-mqtt-XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	mosquitto_lib_init();

	RUN(test_status_online_offline);
	RUN(test_presence_retained);
	RUN(test_events_in_order);
	RUN(test_outage_and_restart);
	RUN(test_remote_unlock);
	RUN(test_unlock_recall);
	RUN(test_homeassistant);
	RUN(test_homeassistant_components);
	RUN(test_homeassistant_replica);
	RUN(test_password);
	RUN(test_tls);
	RUN(test_no_broker);
	RUN(test_client_id_takeover);

	mosquitto_lib_cleanup();
	if (getenv("KEEP_TMP") == NULL) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", tmpdir);
	}
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild's connection to the broker (mqtt.h, mqtt_private.h): a client
 * per attempt, its name resolved off the loop, reconnection with backoff
 * and jitter, and the loop's share (the socket to poll, the work to do).
 */
#include "mqtt_private.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "mqtt_lobby.h"

/* ---- a connection attempt's helper thread ---- */

/*
 * mosquitto_connect_async resolves the broker's name with a blocking
 * getaddrinfo before it connects without blocking: with a dead DNS server
 * that is seconds, and on the loop it would hold back the door it times
 * (a relock, a grant's pulse).  The helper runs it on a thread of its own
 * and hands the client back through efd; the loop does not touch the
 * client meanwhile.  An attempt the loop gives up (its timeout, a reload,
 * a stop) is left to the helper, which destroys the client when it
 * returns.
 */
struct mqtt_attempt {
	pthread_mutex_t	 mu;
	struct mosquitto *mosq;
	char		 host[256];
	int		 port, keepalive;
	int		 rc, err;	/* mosquitto's answer, errno */
	int		 efd;		/* readable once done */
	bool		 done, abandoned;
};

static void
attempt_free(struct mqtt_attempt *a)
{
	close(a->efd);
	pthread_mutex_destroy(&a->mu);
	free(a);
}

static void *
attempt_run(void *arg)
{
	struct mqtt_attempt *a = arg;
	uint64_t one = 1;
	bool abandoned;
	int rc, err;

	rc = mosquitto_connect_async(a->mosq, a->host, a->port, a->keepalive);
	err = errno;
	pthread_mutex_lock(&a->mu);
	a->rc = rc;
	a->err = err;
	a->done = true;
	/* A failed write leaves a full eventfd, which is readable anyway. */
	if (!(abandoned = a->abandoned))
		(void)!write(a->efd, &one, sizeof(one));
	pthread_mutex_unlock(&a->mu);
	if (abandoned) {
		mosquitto_destroy(a->mosq);
		attempt_free(a);
	}
	return NULL;
}

struct mqtt_attempt *
mqtt_attempt_start(struct mosquitto *mosq, const char *host, int port, int keepalive)
{
	struct mqtt_attempt *a = calloc(1, sizeof(*a));
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (a == NULL)
		return NULL;
	if ((a->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	a->mosq = mosq;
	snprintf(a->host, sizeof(a->host), "%s", host);
	a->port = port;
	a->keepalive = keepalive;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, attempt_run, a);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		attempt_free(a);
		errno = rc;
		return NULL;
	}
	return a;
}

int
mqtt_attempt_fd(const struct mqtt_attempt *a)
{
	return a->efd;
}

bool
mqtt_attempt_finish(struct mqtt_attempt *a, struct mosquitto **mosq, int *rc, int *err)
{
	bool done;

	pthread_mutex_lock(&a->mu);
	done = a->done;
	pthread_mutex_unlock(&a->mu);
	if (!done)
		return false;
	*mosq = a->mosq;
	*rc = a->rc;
	*err = a->err;
	attempt_free(a);
	return true;
}

void
mqtt_attempt_abandon(struct mqtt_attempt *a)
{
	bool done;

	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	if (!(done = a->done))
		a->abandoned = true;
	pthread_mutex_unlock(&a->mu);
	if (done) {
		mosquitto_destroy(a->mosq);
		attempt_free(a);
	}
}

/* ---- the client ---- */

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
mqtt_on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct mqtt *m = obj;

	(void)mosq;
	(void)rc;
	m->lost = true;
}

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
	char topic[400];
	int rc;

	if ((mosq = mosquitto_new(m->conf.mqtt_client_id, true, m)) == NULL) {
		snprintf(err, errlen, "mqtt client: %s", strerror(errno));
		return NULL;
	}
	/* MQTT 5 for retain-as-published (see mqtt_on_connect) and reason codes. */
	mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_connect_v5_callback_set(mosq, mqtt_on_connect);
	mosquitto_disconnect_callback_set(mosq, mqtt_on_disconnect);
	mosquitto_publish_v5_callback_set(mosq, mqtt_on_publish);
	mosquitto_message_callback_set(mosq, mqtt_on_message);

	mqtt_own_topic(m, topic, sizeof(topic), "status");
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
	mqtt_attempt_abandon(m->attempt);
	m->attempt = NULL;
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
	struct mosquitto *mosq;
	char err[256];

	if ((mosq = mqtt_client_new(m, err, sizeof(err))) == NULL) {
		log_warnx("%s", err);
		mqtt_schedule_reconnect(m);
		return;
	}
	/* [mqtt] keepalive is whole seconds in 5..65535 (config.c). */
	if ((m->attempt = mqtt_attempt_start(mosq, m->conf.mqtt_host, m->conf.mqtt_port,
	    (int)(m->conf.mqtt_keepalive_ms / 1000))) == NULL) {
		log_warn("mqtt: connecting to %s:%d: no helper thread", m->conf.mqtt_host,
		    m->conf.mqtt_port);
		mosquitto_destroy(mosq);
		mqtt_schedule_reconnect(m);
		return;
	}
	m->state = MQ_RESOLVING;
	m->connect_deadline = m->now + MQTT_CONNECT_MS;
}

/* The helper is done: the client is the loop's again, connecting, or the
 * attempt failed. */
static void
mqtt_attempt_done(struct mqtt *m)
{
	int rc, err;

	if (!mqtt_attempt_finish(m->attempt, &m->mosq, &rc, &err))
		return;
	m->attempt = NULL;
	if (rc != MOSQ_ERR_SUCCESS) {
		if (!m->warned)
			log_warnx("mqtt: connecting to %s:%d: %s", m->conf.mqtt_host,
			    m->conf.mqtt_port, rc == MOSQ_ERR_ERRNO ? strerror(err) :
			    mosquitto_strerror(rc));
		m->warned = true;
		mosquitto_destroy(m->mosq);
		m->mosq = NULL;
		m->state = MQ_IDLE;
		mqtt_schedule_reconnect(m);
		return;
	}
	m->state = MQ_CONNECTING;
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
	if (config_replica(conf))
		snprintf(m->own_base, sizeof(m->own_base), "%s/node/%s", conf->mqtt_base_topic,
		    conf->site_node);
	else
		snprintf(m->own_base, sizeof(m->own_base), "%s", conf->mqtt_base_topic);

	m->site_view = config_site(conf) && !config_replica(conf);
	m->seq_key = m->site_view ? MQTT_SITE_SEQ_KEY : MQTT_SEQ_KEY;
	switch (store_meta_get(st, m->seq_key, buf, sizeof(buf))) {
	case 1:
		m->acked_seq = strtoll(buf, NULL, 10);
		if (m->acked_seq < 0)
			m->acked_seq = 0;
		break;
	case 0:
		m->acked_seq = 0;
		break;
	default:
		snprintf(err, errlen, "mqtt: reading %s: %s", m->seq_key, store_errmsg(st));
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
	mqtt_attempt_abandon(m->attempt);
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
	if (m == NULL || m->lost)
		return;
	if (m->attempt != NULL) {
		pfd->fd = mqtt_attempt_fd(m->attempt);
		pfd->events = POLLIN;
		return;
	}
	if (m->mosq == NULL || (pfd->fd = mosquitto_socket(m->mosq)) == -1)
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

	if (m->attempt != NULL)
		mqtt_attempt_done(m);
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
	if ((m->state == MQ_CONNECTING || m->state == MQ_RESOLVING) && !m->lost &&
	    m->now >= m->connect_deadline) {
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
	case MQ_RESOLVING:
		return m->connect_deadline;
	case MQ_CONNECTING:
		return m->connect_deadline < m->misc_at ? m->connect_deadline : m->misc_at;
	case MQ_CONNECTED:
	default:
		return m->misc_at;
	}
}

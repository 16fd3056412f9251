/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the MQTT files of seuild share (mqtt.h is the contract): the
 * client's state and the functions each file lends the other.
 *   mqtt.c       what is published and read: retained state, the events
 *                from the store, remote unlocks, the hooks of another
 *                client of the connection (a site's node)
 *   mqtt_conn.c  the connection: the client, connecting (its DNS off the
 *                loop), reconnecting with backoff, the loop's share
 */
#ifndef SEUIL_MQTT_PRIVATE_H
#define SEUIL_MQTT_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "config.h"
#include "mqtt.h"
#include "mqtt_unlock.h"
#include "store.h"

struct mqtt_attempt;

#define MQTT_WINDOW		20	/* events in flight at once */
#define MQTT_BACKOFF_MIN_MS	1000
#define MQTT_BACKOFF_MAX_MS	60000
#define MQTT_CONNECT_MS		10000	/* give up on a connect attempt */
#define MQTT_STABLE_MS		30000	/* a connection this old resets the backoff */
#define MQTT_MISC_MS		1000	/* mosquitto_loop_misc period */
#define MQTT_STOP_MS		500	/* mqtt_free waits this long at most */
#define MQTT_SEQ_KEY		"mqtt_published_seq"
/* A site's primary publishes the site's events (site_events, seq the
 * site's sequence), with a mark of their own. */
#define MQTT_SITE_SEQ_KEY	"mqtt_published_site_seq"

/*
 * MQ_RESOLVING: a helper thread is in mosquitto_connect_async, whose
 * getaddrinfo blocks for as long as DNS takes (seconds, with a dead
 * server): never on the loop, which times the doors.
 */
enum mqtt_state { MQ_IDLE, MQ_RESOLVING, MQ_CONNECTING, MQ_CONNECTED };

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

	struct mosquitto *mosq;		/* NULL while idle or resolving */
	struct mqtt_attempt *attempt;	/* MQ_RESOLVING: the helper's */
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

	/* Another client of the connection (a site's node: daemon/site.c). */
	struct mqtt_hooks hooks;
	/* Where this node's own status, presence and events go: B, or
	 * B/node/<node> on a site's replica. */
	char		own_base[300];
	bool		site_view;	/* a site's primary: B/events is the site's */
	const char	*seq_key;	/* MQTT_SEQ_KEY or MQTT_SITE_SEQ_KEY */
};

/* mqtt_conn.c: the helper thread of a connection attempt.  start takes
 * mosq (NULL when no thread could start: mosq is still the caller's);
 * finish gives it back once the helper is done (false: not yet); abandon
 * leaves it to the helper (NULL is fine). */
struct mqtt_attempt *mqtt_attempt_start(struct mosquitto *, const char *, int, int);
int	mqtt_attempt_fd(const struct mqtt_attempt *);
bool	mqtt_attempt_finish(struct mqtt_attempt *, struct mosquitto **, int *, int *);
void	mqtt_attempt_abandon(struct mqtt_attempt *);

/* mqtt.c */
void	mqtt_topic(const struct mqtt *, char *, size_t, const char *);
void	mqtt_own_topic(const struct mqtt *, char *, size_t, const char *);
void	mqtt_publish_status(struct mqtt *, const char *, int *);
void	mqtt_pump(struct mqtt *);
void	mqtt_save_mark(struct mqtt *);
int	mqtt_unlock_recall(struct mqtt *, char *, size_t);
void	mqtt_on_connect(struct mosquitto *, void *, int, int, const mosquitto_property *);
void	mqtt_on_publish(struct mosquitto *, void *, int, int, const mosquitto_property *);
void	mqtt_on_message(struct mosquitto *, void *, const struct mosquitto_message *);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MQTT publishing (docs/design.md, MQTT) with libmosquitto driven from
 * seuild's own poll loop: no library thread, callbacks run on the main
 * thread.  Nothing here ever delays a door decision: publishing reads what
 * is already committed in the store, and a broker that is down only delays
 * messages.
 *
 * Events are published from the store in seq order starting after the
 * last seq the broker acknowledged (meta key "mqtt_published_seq"), so an
 * outage or a restart loses nothing; arrivals and departures go to the
 * lobby-safe B/presence/events as well as B/events.
 */
#ifndef SEUIL_MQTT_H
#define SEUIL_MQTT_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "store.h"

struct mqtt;

/* One person present, as the daemon knows it.  name is the display name of
 * a member who opted in (public), NULL otherwise. */
struct presence_person {
	const char	*name;
	int64_t		since_ms;	/* UTC */
};

/* Called for an accepted remote unlock command (mqtt_unlock.h); command_id
 * is of [A-Za-z0-9._:-] only, so it may be logged and printed as is. */
typedef void (*mqtt_unlock_cb)(void *arg, int door_index, int seconds, const char *command_id);

/* For a conf with mqtt_enabled (seuild makes no mqtt otherwise).  NULL
 * with err if the configuration cannot be used (e.g. unreadable password
 * file or TLS file).  Connecting happens later, in the loop.
 * conf is copied: after a reload that changes [mqtt] (or the doors), free
 * this one and make a new one.  st is borrowed and must outlive the mqtt.
 * The broker must speak MQTT 5 (docs/mqtt.md). */
struct mqtt *mqtt_new(const struct config *conf, struct store *st,
    mqtt_unlock_cb on_unlock, void *arg, char *err, size_t errlen);
/* Publish "offline" (retained), disconnect, free.  NULL is fine. */
void mqtt_free(struct mqtt *m);

/* Fill *pfd for the loop (fd -1 when there is nothing to poll). */
void mqtt_pollfd(struct mqtt *m, struct pollfd *pfd);
/* After poll: pfd->revents may be 0; also call it when mqtt_deadline has
 * passed.  Reads, writes, keepalive, reconnect with backoff. */
void mqtt_service(struct mqtt *m, const struct pollfd *pfd, int64_t now_mono_ms);
/* Next monotonic ms at which mqtt_service wants to run, or -1. */
int64_t mqtt_deadline(const struct mqtt *m);

/* New events were committed: publish them when connected. */
void mqtt_events_changed(struct mqtt *m);
/* Presence or office hours (office: a door is in them) changed:
 * republish the retained presence and SpaceAPI. */
void mqtt_presence_changed(struct mqtt *m, const struct presence_person *people, int count,
    bool office);
/* The lobby's document changed (the clock's sync, a reload): republish
 * the retained B/lobby ([lobby] of the configuration, clock_synced). */
void mqtt_lobby_changed(struct mqtt *m, bool clock_synced);
/* A door changed state: "locked" "unlocked" "open" "held_open" "forced_open". */
void mqtt_door_state(struct mqtt *m, int door_index, const char *state);

/* Write the published mark through w (seuild's writer thread) rather than
 * st; w must outlive the mqtt. */
struct writer;
void mqtt_set_writer(struct mqtt *m, struct writer *w);

/*
 * Another client of the connection, for a node of a site of several Pis
 * (daemon/site.c): connected runs at each (re)connection, once seuild's own
 * subscriptions and retained state are sent (subscribe and republish
 * there); message gets every message on a topic it subscribed (true: it
 * took it).  Both run on the loop.  h is copied; NULL removes them.
 */
struct mqtt_hooks {
	void	(*connected)(void *arg);
	bool	(*message)(void *arg, const char *topic, const void *payload, size_t len,
		    bool retained);
	void	*arg;
};
void mqtt_set_hooks(struct mqtt *m, const struct mqtt_hooks *h);
/* QoS 1 publish of len bytes, or subscribe at QoS 1, while connected:
 * 0, or -1 (not connected, or the library refused). */
int mqtt_publish(struct mqtt *m, const char *topic, const void *payload, size_t len,
    bool retain);
int mqtt_subscribe(struct mqtt *m, const char *topic);

bool mqtt_connected(const struct mqtt *m);
int64_t mqtt_published_seq(const struct mqtt *m);

#endif

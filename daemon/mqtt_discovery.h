/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Home Assistant MQTT discovery (docs/mqtt.md): the site's device with
 * the people count, and a device per door with its lock (or lock sensor),
 * door and problem sensors, event entity and tap triggers, available while
 * B/status says online.  A site's replica: its doors and a diagnostic
 * sensor of its copy, on a device of its own, available while
 * B/node/<node>/status says online (mqtt_discovery.c).
 */
#ifndef SEUIL_MQTT_DISCOVERY_H
#define SEUIL_MQTT_DISCOVERY_H

#include <stdbool.h>

#include "config.h"

/* Called once per discovery config: publish payload, retained, on topic.
 * Both strings are valid during the call only. */
typedef void (*mqtt_discovery_emit)(void *arg, const char *topic, const char *payload);

/* Every discovery config for conf's site and doors, through emit.  A
 * config that cannot be built (out of memory) is skipped. */
void mqtt_discovery_announce(const struct config *conf, mqtt_discovery_emit emit, void *arg);

/* The event types of a door's event entity (B/door/<door>/event), NULL
 * last; and whether type is one of them. */
extern const char *const mqtt_discovery_event_types[];
bool mqtt_discovery_event_type(const char *type);

#endif

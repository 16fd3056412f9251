/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Home Assistant MQTT discovery (docs/mqtt.md): one occupancy sensor and
 * one binary_sensor per door, all on one device, available while B/status
 * says online.
 */
#ifndef SEUIL_MQTT_DISCOVERY_H
#define SEUIL_MQTT_DISCOVERY_H

#include "config.h"

/* Called once per discovery config: publish payload, retained, on topic.
 * Both strings are valid during the call only. */
typedef void (*mqtt_discovery_emit)(void *arg, const char *topic, const char *payload);

/* Every discovery config for conf's site and doors, through emit.  A
 * config that cannot be built (out of memory) is skipped. */
void mqtt_discovery_announce(const struct config *conf, mqtt_discovery_emit emit, void *arg);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Home Assistant discovery configs.  A door is "on" (HA shows "Open")
 * whenever it is not locked: the strike released or the leaf open both
 * mean the door is not secured, and a door without a contact input only
 * ever reports locked/unlocked.
 */
#include "mqtt_discovery.h"

#include <cjson/cJSON.h>

#include <stdio.h>

#ifndef SEUIL_VERSION
#define SEUIL_VERSION	"unknown"
#endif

/* The device every entity belongs to; node is "seuil_<site>". */
static cJSON *
device(const struct config *conf, const char *node)
{
	cJSON *dev, *ids;
	char name[CONFIG_NAME_MAX + 8];

	dev = cJSON_CreateObject();
	ids = cJSON_AddArrayToObject(dev, "identifiers");
	cJSON_AddItemToArray(ids, cJSON_CreateString(node));
	snprintf(name, sizeof(name), "seuil %s", conf->site_name);
	cJSON_AddStringToObject(dev, "name", name);
	cJSON_AddStringToObject(dev, "manufacturer", "seuil");
	cJSON_AddStringToObject(dev, "model", "seuild");
	cJSON_AddStringToObject(dev, "sw_version", SEUIL_VERSION);
	return dev;
}

static cJSON *
entity(const struct config *conf, const char *node, const char *name, const char *uid,
    const char *state_topic)
{
	char status[300];
	cJSON *o = cJSON_CreateObject();

	snprintf(status, sizeof(status), "%s/status", conf->mqtt_base_topic);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "unique_id", uid);
	cJSON_AddStringToObject(o, "state_topic", state_topic);
	cJSON_AddStringToObject(o, "availability_topic", status);
	cJSON_AddStringToObject(o, "payload_available", "online");
	cJSON_AddStringToObject(o, "payload_not_available", "offline");
	cJSON_AddItemToObject(o, "device", device(conf, node));
	return o;
}

static void
emit_free(cJSON *o, const char *topic, mqtt_discovery_emit emit, void *arg)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	if (s != NULL)
		emit(arg, topic, s);
	cJSON_free(s);
}

void
mqtt_discovery_announce(const struct config *conf, mqtt_discovery_emit emit, void *arg)
{
	char node[CONFIG_NAME_MAX + 8], topic[400], state[400], uid[128], name[96];
	cJSON *o;
	int i;

	snprintf(node, sizeof(node), "seuil_%s", conf->site_name);

	snprintf(state, sizeof(state), "%s/presence/count", conf->mqtt_base_topic);
	snprintf(uid, sizeof(uid), "%s_people", node);
	o = entity(conf, node, "People present", uid, state);
	cJSON_AddStringToObject(o, "unit_of_measurement", "people");
	cJSON_AddStringToObject(o, "state_class", "measurement");
	cJSON_AddStringToObject(o, "icon", "mdi:account-group");
	snprintf(topic, sizeof(topic), "homeassistant/sensor/%s/people/config", node);
	emit_free(o, topic, emit, arg);

	for (i = 0; i < conf->ndoors; i++) {
		const char *door = conf->doors[i].name;

		snprintf(state, sizeof(state), "%s/door/%s/state", conf->mqtt_base_topic, door);
		snprintf(uid, sizeof(uid), "%s_door_%s", node, door);
		snprintf(name, sizeof(name), "Door %s", door);
		o = entity(conf, node, name, uid, state);
		cJSON_AddStringToObject(o, "device_class", "door");
		cJSON_AddStringToObject(o, "value_template",
		    "{{ 'OFF' if value == 'locked' else 'ON' }}");
		cJSON_AddStringToObject(o, "payload_on", "ON");
		cJSON_AddStringToObject(o, "payload_off", "OFF");
		snprintf(topic, sizeof(topic),
		    "homeassistant/binary_sensor/%s/door_%s/config", node, door);
		emit_free(o, topic, emit, arg);
	}
}

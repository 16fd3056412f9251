/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Home Assistant discovery configs, by its MQTT conventions (docs/mqtt.md):
 * the site is one device (the people count), each door another, linked to
 * it.  A door has
 *   - a lock, only with remote_unlock = true: its commands go to the
 *     door's unlock topic as the expiring, never-repeated command seuild
 *     checks (a LOCK renders an empty object, which seuild refuses: the
 *     door relocks on its own); otherwise a binary_sensor of class lock
 *     (on = unlocked), which can open nothing;
 *   - with a contact, a binary_sensor door (on = open) and a problem one
 *     (on = held or forced open);
 *   - an event entity on B/door/<door>/event with seuil's own event types,
 *     and device triggers for granted and denied taps.
 * Every entity is available while B/status says online (the daemon's
 * will).  A config that no longer applies is sent empty, which removes the
 * entity: switching remote_unlock swaps the lock and its sensor.
 *
 * A site's replica (docs/site.md) is a device of its own, "seuil_<site>_
 * <node>", its doors linked to it, every entity available while its own
 * status (B/node/<node>/status) says online; beside its doors, a diagnostic
 * "problem" sensor that is on unless its copy of the member data is
 * current.  The people count is the site's, announced by the primary alone
 * (the same discovery topic from every node would fight).
 */
#include "mqtt_discovery.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>

#ifndef SEUIL_VERSION
#define SEUIL_VERSION	"unknown"
#endif

/* The event types a door's event entity may fire, in this order. */
const char *const mqtt_discovery_event_types[] = {
	"access_granted", "access_denied", "arrival", "departure", "door_forced_open",
	"door_held_open", "exit_request", NULL,
};

/* The site's device (node "seuil_<site>") or a door's ("seuil_<site>_door_<door>",
 * through the site's). */
static cJSON *
device(const struct config *conf, const char *node, const char *door)
{
	cJSON *dev, *ids;
	char id[CONFIG_NAME_MAX * 3 + 16], name[CONFIG_NAME_MAX * 3 + 16];

	dev = cJSON_CreateObject();
	ids = cJSON_AddArrayToObject(dev, "identifiers");
	if (door == NULL) {
		snprintf(id, sizeof(id), "%s", node);
		if (config_replica(conf))
			snprintf(name, sizeof(name), "seuil %s %s", conf->site_name,
			    conf->site_node);
		else
			snprintf(name, sizeof(name), "seuil %s", conf->site_name);
	} else {
		snprintf(id, sizeof(id), "%s_door_%s", node, door);
		snprintf(name, sizeof(name), "Door %s", door);
	}
	cJSON_AddItemToArray(ids, cJSON_CreateString(id));
	cJSON_AddStringToObject(dev, "name", name);
	cJSON_AddStringToObject(dev, "manufacturer", "seuil");
	cJSON_AddStringToObject(dev, "model", door == NULL ? "seuild" : "door");
	cJSON_AddStringToObject(dev, "sw_version", SEUIL_VERSION);
	if (door != NULL)
		cJSON_AddStringToObject(dev, "via_device", node);
	return dev;
}

static void
availability(const struct config *conf, cJSON *o)
{
	char status[400];

	if (config_replica(conf))
		snprintf(status, sizeof(status), "%s/node/%s/status", conf->mqtt_base_topic,
		    conf->site_node);
	else
		snprintf(status, sizeof(status), "%s/status", conf->mqtt_base_topic);
	cJSON_AddStringToObject(o, "availability_topic", status);
	cJSON_AddStringToObject(o, "payload_available", "online");
	cJSON_AddStringToObject(o, "payload_not_available", "offline");
}

/* An entity with its name, unique id and state topic (NULL: none). */
static cJSON *
entity(const struct config *conf, const char *node, const char *door, const char *name,
    const char *uid, const char *state_topic)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "unique_id", uid);
	if (state_topic != NULL)
		cJSON_AddStringToObject(o, "state_topic", state_topic);
	availability(conf, o);
	cJSON_AddItemToObject(o, "device", device(conf, node, door));
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

/* A binary_sensor of the door's state: on for the states in on_states
 * (a Jinja list), off otherwise. */
static cJSON *
state_sensor(const struct config *conf, const char *node, const char *door, const char *name,
    const char *uid, const char *state, const char *device_class, const char *on_states)
{
	char tmpl[200];
	cJSON *o = entity(conf, node, door, name, uid, state);

	cJSON_AddStringToObject(o, "device_class", device_class);
	snprintf(tmpl, sizeof(tmpl), "{{ 'ON' if value in %s else 'OFF' }}", on_states);
	cJSON_AddStringToObject(o, "value_template", tmpl);
	cJSON_AddStringToObject(o, "payload_on", "ON");
	cJSON_AddStringToObject(o, "payload_off", "OFF");
	return o;
}

static void
announce_door(const struct config *conf, const char *node, int i, mqtt_discovery_emit emit,
    void *arg)
{
	const struct door_conf *dc = &conf->doors[i];
	const char *door = dc->name;
	char topic[400], state[400], events[400], uid[160], cmd[400];
	bool contact = dc->contact_line >= 0 || dc->gpio == GPIO_SIM;
	cJSON *o, *a;
	int k;

	snprintf(state, sizeof(state), "%s/door/%s/state", conf->mqtt_base_topic, door);
	snprintf(events, sizeof(events), "%s/door/%s/event", conf->mqtt_base_topic, door);

	/* The lock, or a sensor that says the same and opens nothing. */
	snprintf(topic, sizeof(topic), "homeassistant/lock/%s/door_%s/config", node, door);
	if (conf->mqtt_remote_unlock) {
		snprintf(uid, sizeof(uid), "%s_door_%s_lock", node, door);
		snprintf(cmd, sizeof(cmd), "%s/door/%s/unlock", conf->mqtt_base_topic, door);
		o = entity(conf, node, door, "Lock", uid, state);
		cJSON_AddStringToObject(o, "value_template", "{{ 'LOCKED' if value == 'locked' "
		    "else 'UNLOCKED' if value == 'unlocked' else 'OPEN' }}");
		cJSON_AddStringToObject(o, "state_locked", "LOCKED");
		cJSON_AddStringToObject(o, "state_unlocked", "UNLOCKED");
		cJSON_AddStringToObject(o, "state_open", "OPEN");
		cJSON_AddStringToObject(o, "command_topic", cmd);
		cJSON_AddStringToObject(o, "payload_lock", "LOCK");
		cJSON_AddStringToObject(o, "payload_unlock", "UNLOCK");
		cJSON_AddStringToObject(o, "payload_open", "OPEN");
		/* seuild's unlock command: a fresh id, 30 s to live, the
		 * door's unlock_time; LOCK sends {} (refused, logged). */
		snprintf(cmd, sizeof(cmd), "{%% if value == 'LOCK' %%}{}{%% else %%}"
		    "{\"seconds\":%lld,\"id\":\"ha-{{ (as_timestamp(now()) * 1000) | int }}\","
		    "\"expires\":\"{{ (utcnow() + timedelta(seconds=30)).strftime("
		    "'%%Y-%%m-%%dT%%H:%%M:%%SZ') }}\"}{%% endif %%}",
		    (long long)(dc->unlock_ms / 1000));
		cJSON_AddStringToObject(o, "command_template", cmd);
		cJSON_AddNumberToObject(o, "qos", 1);
		cJSON_AddBoolToObject(o, "retain", 0);
		cJSON_AddBoolToObject(o, "optimistic", 0);
		emit_free(o, topic, emit, arg);
	} else {
		emit(arg, topic, "");
	}
	snprintf(topic, sizeof(topic), "homeassistant/binary_sensor/%s/door_%s_lock/config",
	    node, door);
	if (!conf->mqtt_remote_unlock) {
		snprintf(uid, sizeof(uid), "%s_door_%s_locked", node, door);
		emit_free(state_sensor(conf, node, door, "Lock", uid, state, "lock",
		    "['unlocked', 'open', 'held_open', 'forced_open']"), topic, emit, arg);
	} else {
		emit(arg, topic, "");
	}

	/* The leaf, from the contact. */
	snprintf(topic, sizeof(topic), "homeassistant/binary_sensor/%s/door_%s/config", node,
	    door);
	if (contact) {
		snprintf(uid, sizeof(uid), "%s_door_%s", node, door);
		emit_free(state_sensor(conf, node, door, "Door", uid, state, "door",
		    "['open', 'held_open', 'forced_open']"), topic, emit, arg);
	} else {
		emit(arg, topic, "");
	}
	snprintf(topic, sizeof(topic), "homeassistant/binary_sensor/%s/door_%s_problem/config",
	    node, door);
	if (contact) {
		snprintf(uid, sizeof(uid), "%s_door_%s_problem", node, door);
		emit_free(state_sensor(conf, node, door, "Held or forced open", uid, state,
		    "problem", "['held_open', 'forced_open']"), topic, emit, arg);
	} else {
		emit(arg, topic, "");
	}

	/* What happens at the door. */
	snprintf(topic, sizeof(topic), "homeassistant/event/%s/door_%s/config", node, door);
	snprintf(uid, sizeof(uid), "%s_door_%s_event", node, door);
	o = entity(conf, node, door, "Event", uid, events);
	a = cJSON_AddArrayToObject(o, "event_types");
	for (k = 0; mqtt_discovery_event_types[k] != NULL; k++)
		cJSON_AddItemToArray(a, cJSON_CreateString(mqtt_discovery_event_types[k]));
	emit_free(o, topic, emit, arg);

	/* Taps, as device triggers. */
	for (k = 0; k < 2; k++) {
		const char *type = k == 0 ? "access_granted" : "access_denied";

		snprintf(topic, sizeof(topic), "homeassistant/device_automation/%s/door_%s_%s/config",
		    node, door, type);
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "automation_type", "trigger");
		cJSON_AddStringToObject(o, "topic", events);
		cJSON_AddStringToObject(o, "type", type);
		cJSON_AddStringToObject(o, "subtype", "badge");
		cJSON_AddStringToObject(o, "value_template", "{{ value_json.event_type }}");
		cJSON_AddStringToObject(o, "payload", type);
		cJSON_AddNumberToObject(o, "qos", 1);
		cJSON_AddItemToObject(o, "device", device(conf, node, door));
		emit_free(o, topic, emit, arg);
	}
}

void
mqtt_discovery_announce(const struct config *conf, mqtt_discovery_emit emit, void *arg)
{
	char node[2 * CONFIG_NAME_MAX + 8], topic[400], state[400], uid[160];
	cJSON *o;
	int i;

	if (config_replica(conf)) {
		snprintf(node, sizeof(node), "seuil_%s_%s", conf->site_name, conf->site_node);
		snprintf(state, sizeof(state), "%s/node/%s/acl/state", conf->mqtt_base_topic,
		    conf->site_node);
		snprintf(uid, sizeof(uid), "%s_copy", node);
		o = entity(conf, node, NULL, "Member data copy", uid, state);
		cJSON_AddStringToObject(o, "device_class", "problem");
		cJSON_AddStringToObject(o, "entity_category", "diagnostic");
		cJSON_AddStringToObject(o, "value_template",
		    "{{ 'OFF' if value_json.state == 'current' else 'ON' }}");
		cJSON_AddStringToObject(o, "json_attributes_topic", state);
		cJSON_AddStringToObject(o, "payload_on", "ON");
		cJSON_AddStringToObject(o, "payload_off", "OFF");
		snprintf(topic, sizeof(topic), "homeassistant/binary_sensor/%s/copy/config", node);
		emit_free(o, topic, emit, arg);
	} else {
		snprintf(node, sizeof(node), "seuil_%s", conf->site_name);
		snprintf(state, sizeof(state), "%s/presence/count", conf->mqtt_base_topic);
		snprintf(uid, sizeof(uid), "%s_people", node);
		o = entity(conf, node, NULL, "People present", uid, state);
		cJSON_AddStringToObject(o, "unit_of_measurement", "people");
		cJSON_AddStringToObject(o, "state_class", "measurement");
		cJSON_AddStringToObject(o, "icon", "mdi:account-group");
		snprintf(topic, sizeof(topic), "homeassistant/sensor/%s/people/config", node);
		emit_free(o, topic, emit, arg);
	}

	for (i = 0; i < conf->ndoors; i++)
		announce_door(conf, node, i, emit, arg);
}

bool
mqtt_discovery_event_type(const char *type)
{
	for (int k = 0; mqtt_discovery_event_types[k] != NULL; k++)
		if (strcmp(mqtt_discovery_event_types[k], type) == 0)
			return true;
	return false;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Event payloads.  What leaves the Pi is decided here and only here: a
 * denial never names anyone (the badge may not be the member's hand), a
 * staff event says only that something happened (seq stays gap-free, the
 * store keeps who and what), and the lobby copy holds only what a screen
 * in a hall may show.
 */
#include "mqtt_event.h"

#include <cjson/cJSON.h>

#include <string.h>

#include "clock.h"
#include "event_type.h"
#include "render_json.h"

bool
mqtt_event_may_name(const struct event_row *ev)
{
	return ev->member_id > 0 && strcmp(ev->type, "access_denied") != 0 &&
	    !event_type_terse(ev->type);
}

bool
mqtt_event_lobby_safe(const struct event_row *ev)
{
	return event_type_lobby(ev->type);
}

/* seq, ts, type: every payload starts with them. */
static cJSON *
event_head(const struct event_row *ev)
{
	char ts[21];
	cJSON *o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	clock_format_utc(ev->ts_ms, ts);
	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddStringToObject(o, "ts", ts);
	cJSON_AddStringToObject(o, "type", ev->type);
	return o;
}

char *
mqtt_event_json(const struct event_row *ev, const char *name)
{
	cJSON *o;

	if ((o = event_head(ev)) == NULL)
		return NULL;
	if (ev->node[0] != '\0') {	/* a site's event: where, and its seq there */
		cJSON_AddStringToObject(o, "node", ev->node);
		cJSON_AddNumberToObject(o, "node_seq", (double)ev->node_seq);
	}
	if (event_type_terse(ev->type))
		return render_json_print(o);
	if (ev->door[0] != '\0')
		cJSON_AddStringToObject(o, "door", ev->door);
	if (ev->reader[0] != '\0')
		cJSON_AddStringToObject(o, "reader", ev->reader);
	if (name != NULL && name[0] != '\0' && mqtt_event_may_name(ev))
		cJSON_AddStringToObject(o, "name", name);
	if (ev->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", ev->reason);
	return render_json_print(o);
}

char *
mqtt_presence_event_json(const struct event_row *ev, const char *name)
{
	cJSON *o;

	if (!mqtt_event_lobby_safe(ev) || (o = event_head(ev)) == NULL)
		return NULL;
	if (ev->door[0] != '\0')
		cJSON_AddStringToObject(o, "door", ev->door);
	if (name != NULL && name[0] != '\0' && mqtt_event_may_name(ev))
		cJSON_AddStringToObject(o, "name", name);
	if (ev->reason[0] != '\0' && strcmp(ev->type, "departure") == 0)
		cJSON_AddStringToObject(o, "reason", ev->reason);
	return render_json_print(o);
}

char *
mqtt_door_event_json(const struct event_row *ev, const char *name)
{
	cJSON *o;

	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "event_type", ev->type);
	if (name != NULL && name[0] != '\0' && mqtt_event_may_name(ev))
		cJSON_AddStringToObject(o, "name", name);
	if (ev->reason[0] != '\0')
		cJSON_AddStringToObject(o, "reason", ev->reason);
	return render_json_print(o);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The JSON of one event on MQTT (docs/design.md, MQTT): B/events, where
 * every row of the event log goes, and B/presence/events, the lobby-safe
 * copy of arrivals and departures.  Pure: the caller looks up the member's
 * public name (or passes NULL) and sends the text.
 */
#ifndef SEUIL_MQTT_EVENT_H
#define SEUIL_MQTT_EVENT_H

#include <stdbool.h>

#include "store.h"

/* Staff events (core/event_type.h: admin_change, control_refused, ...)
 * carry seq, ts and type only: nothing about who.
 *
 * Whether the event may carry a name: it has a member, is not a denial and
 * not a staff event.  The caller then passes the display name of a member
 * who opted in (public, not erased), else NULL. */
bool mqtt_event_may_name(const struct event_row *ev);

/* Whether the event also goes to B/presence/events (arrival, departure:
 * core/event_type.h's EVENT_LOBBY). */
bool mqtt_event_lobby_safe(const struct event_row *ev);

/* B/events payload: seq, ts, type, and door, reader, name, reason when
 * present and allowed.  name is ignored unless mqtt_event_may_name.
 * Malloc'ed text (free with cJSON_free), NULL when out of memory. */
char *mqtt_event_json(const struct event_row *ev, const char *name);

/* B/presence/events payload: seq, ts, type, door, reason (departure) and
 * name (if given).  NULL unless mqtt_event_lobby_safe, or out of memory. */
char *mqtt_presence_event_json(const struct event_row *ev, const char *name);

/* B/door/<door>/event payload, for Home Assistant's event entity:
 * event_type (seuil's type), name (as above) and reason.  NULL when out of
 * memory. */
char *mqtt_door_event_json(const struct event_row *ev, const char *name);

#endif

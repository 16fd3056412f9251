/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The event types: every name the event log may hold, in one table
 * (docs/design.md, "Events", lists the same, held to it by a test).  The
 * store refuses a type that is not here, so a new event cannot be written
 * without being named, documented and placed in what leaves the Pi.
 */
#ifndef SEUIL_EVENT_TYPE_H
#define SEUIL_EVENT_TYPE_H

#include <stdbool.h>

/* What a type is, beside its name. */
#define EVENT_STAFF	0x1	/* who and what stay in the store: published with
				 * seq, ts and type only */
#define EVENT_LOBBY	0x2	/* also on B/presence/events, for the lobby */
#define EVENT_TERSE	0x4	/* published with seq, ts and type only (a site's
				 * copy of the members: docs/site.md) */

/* The flags of type, or -1 if type is not an event type. */
int event_type_flags(const char *type);
bool event_type_known(const char *type);
bool event_type_staff(const char *type);
bool event_type_lobby(const char *type);
/* Published with seq, ts and type only: staff events and EVENT_TERSE. */
bool event_type_terse(const char *type);
/* The i-th name (0 ..), NULL past the last: to walk them. */
const char *event_type_name(int i);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The event types (event_type.h). */
#include "event_type.h"

#include <stddef.h>
#include <string.h>

static const struct {
	const char	*name;
	int		 flags;
} types[] = {
	{ "access_granted",		0 },
	{ "access_denied",		0 },
	{ "arrival",			EVENT_LOBBY },
	{ "departure",			EVENT_LOBBY },
	{ "door_open",			0 },
	{ "door_closed",		0 },
	{ "door_held_open",		0 },
	{ "door_forced_open",		0 },
	{ "exit_request",		0 },
	{ "unlock_remote",		0 },
	{ "schedule_unlock",		0 },
	{ "schedule_relock",		0 },
	{ "reader_offline",		0 },
	{ "reader_online",		0 },
	{ "lockout",			0 },
	{ "daemon_start",		0 },
	{ "daemon_stop",		0 },
	{ "badge_enrolled",		0 },
	{ "store_error",		0 },
	{ "admin_change",		EVENT_STAFF },
	{ "control_refused",		EVENT_STAFF },
	{ "console_login",		EVENT_STAFF },
	{ "console_login_failed",	EVENT_STAFF },
	{ "acl_applied",		EVENT_TERSE },
	{ "acl_rejected",		EVENT_TERSE },
	{ "acl_stale",			EVENT_TERSE },
	{ "acl_expired",		EVENT_TERSE },
};

int
event_type_flags(const char *type)
{
	size_t i;

	for (i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, type) == 0)
			return types[i].flags;
	return -1;
}

bool
event_type_known(const char *type)
{
	return event_type_flags(type) != -1;
}

bool
event_type_staff(const char *type)
{
	int f = event_type_flags(type);

	return f != -1 && (f & EVENT_STAFF);
}

bool
event_type_terse(const char *type)
{
	int f = event_type_flags(type);

	return f != -1 && (f & (EVENT_STAFF | EVENT_TERSE));
}

bool
event_type_lobby(const char *type)
{
	int f = event_type_flags(type);

	return f != -1 && (f & EVENT_LOBBY);
}

const char *
event_type_name(int i)
{
	return i >= 0 && (size_t)i < sizeof(types) / sizeof(types[0]) ? types[i].name : NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Event payloads on MQTT (daemon/mqtt_event.c): what B/events and the
 * lobby-safe B/presence/events carry for each kind of event.
 */
#include <cjson/cJSON.h>

#include "event_type.h"
#include "mqtt_event.h"
#include "testhelp.h"

static struct event_row
row(int64_t seq, const char *type, int64_t member_id, const char *reason)
{
	struct event_row ev;

	memset(&ev, 0, sizeof(ev));
	ev.seq = seq;
	ev.ts_ms = 1795680843000LL;	/* 2026-11-26T08:14:03Z */
	snprintf(ev.type, sizeof(ev.type), "%s", type);
	snprintf(ev.door, sizeof(ev.door), "front");
	snprintf(ev.reader, sizeof(ev.reader), "front-in");
	ev.member_id = member_id;
	ev.badge_id = member_id;
	snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	snprintf(ev.detail, sizeof(ev.detail), "secret detail");
	snprintf(ev.actor, sizeof(ev.actor), "alice-admin");
	return ev;
}

/* The keys of payload, in order, comma-separated; "" for NULL. */
static void
keys(const char *payload, char *buf, size_t len)
{
	cJSON *o = payload != NULL ? cJSON_Parse(payload) : NULL, *k;
	size_t off = 0;

	buf[0] = '\0';
	cJSON_ArrayForEach(k, o)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "", k->string);
	cJSON_Delete(o);
}

static void
expect_keys(char *payload, const char *want)
{
	char got[256];

	keys(payload, got, sizeof(got));
	if (strcmp(got, want) != 0) {
		printf("#   %s: keys %s, expected %s\n", payload ? payload : "(null)", got, want);
		th_current_failed = 1;
	}
	cJSON_free(payload);
}

/* docs/design.md, MQTT: staff events are published with seq, ts and type
 * only, whatever the row holds (member, door, reason, detail, actor). */
static void
test_staff_events(void)
{
	static const char *const staff[] = {
		"admin_change", "control_refused", "console_login", "console_login_failed",
	};
	struct event_row ev;
	char *s;
	size_t i;

	for (i = 0; i < sizeof(staff) / sizeof(staff[0]); i++) {
		ev = row(7, staff[i], 3, "bad_password");
		EXPECT(event_type_staff(staff[i]));
		EXPECT(!mqtt_event_may_name(&ev));
		EXPECT(!mqtt_event_lobby_safe(&ev));
		s = mqtt_event_json(&ev, "Alice");
		EXPECT(s != NULL && strstr(s, "alice") == NULL && strstr(s, "Alice") == NULL &&
		    strstr(s, "detail") == NULL);
		expect_keys(s, "seq,ts,type");
		EXPECT(mqtt_presence_event_json(&ev, "Alice") == NULL);
	}
	ev = row(7, "admin_change", 0, "");
	s = mqtt_event_json(&ev, NULL);
	EXPECT_STR(s, "{\"seq\":7,\"ts\":\"2026-11-26T08:14:03Z\",\"type\":\"admin_change\"}");
	cJSON_free(s);
}

static void
test_events(void)
{
	struct event_row ev;

	ev = row(1, "arrival", 3, "");
	EXPECT(mqtt_event_may_name(&ev));
	expect_keys(mqtt_event_json(&ev, "Alice"), "seq,ts,type,door,reader,name");
	expect_keys(mqtt_event_json(&ev, NULL), "seq,ts,type,door,reader");
	ev = row(2, "departure", 3, "timeout");
	expect_keys(mqtt_event_json(&ev, "Alice"), "seq,ts,type,door,reader,name,reason");
	/* A denial never names anyone, even if a name is passed. */
	ev = row(3, "access_denied", 3, "outside_schedule");
	EXPECT(!mqtt_event_may_name(&ev));
	expect_keys(mqtt_event_json(&ev, "Alice"), "seq,ts,type,door,reader,reason");
	/* No member: no name. */
	ev = row(4, "door_open", 0, "");
	EXPECT(!mqtt_event_may_name(&ev));
	ev.reader[0] = '\0';
	expect_keys(mqtt_event_json(&ev, "Alice"), "seq,ts,type,door");
	ev = row(5, "unlock_remote", 0, "");
	expect_keys(mqtt_event_json(&ev, NULL), "seq,ts,type,door,reader");
}

/* B/presence/events: arrivals and departures only; no reader; reason only
 * on departures; name only when given (the member opted in). */
static void
test_presence_events(void)
{
	static const char *const not_lobby[] = {
		"access_granted", "access_denied", "door_open", "door_closed",
		"door_held_open", "door_forced_open", "exit_request", "unlock_remote",
		"reader_offline", "reader_online", "lockout", "daemon_start",
		"daemon_stop", "badge_enrolled", "store_error", "admin_change",
		"control_refused", "console_login", "console_login_failed",
	};
	struct event_row ev;
	char *s;
	size_t i;

	ev = row(10, "arrival", 3, "");
	EXPECT(mqtt_event_lobby_safe(&ev));
	s = mqtt_presence_event_json(&ev, "Alice");
	EXPECT_STR(s, "{\"seq\":10,\"ts\":\"2026-11-26T08:14:03Z\",\"type\":\"arrival\","
	    "\"door\":\"front\",\"name\":\"Alice\"}");
	cJSON_free(s);
	expect_keys(mqtt_presence_event_json(&ev, NULL), "seq,ts,type,door");
	ev = row(11, "departure", 3, "day_end");
	expect_keys(mqtt_presence_event_json(&ev, "Alice"), "seq,ts,type,door,name,reason");
	expect_keys(mqtt_presence_event_json(&ev, NULL), "seq,ts,type,door,reason");
	/* an arrival with a reason (none today) does not carry it */
	ev = row(12, "arrival", 3, "badge_out");
	expect_keys(mqtt_presence_event_json(&ev, NULL), "seq,ts,type,door");

	for (i = 0; i < sizeof(not_lobby) / sizeof(not_lobby[0]); i++) {
		ev = row(20, not_lobby[i], 3, "expired");
		EXPECT(!mqtt_event_lobby_safe(&ev));
		s = mqtt_presence_event_json(&ev, "Alice");
		if (s != NULL) {
			printf("#   %s on presence/events: %s\n", not_lobby[i], s);
			th_current_failed = 1;
			cJSON_free(s);
		}
	}
}

int
main(void)
{
	RUN(test_staff_events);
	RUN(test_events);
	RUN(test_presence_events);
	return TEST_REPORT();
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The remote unlock check (daemon/mqtt_unlock.c), as a table: one payload,
 * flags and expected verdict per row, at a fixed "now".  Every refusal of
 * docs/mqtt.md has a row, and so has every shape of acceptance.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "mqtt_unlock.h"
#include "render_json.h"
#include "testhelp.h"
#include "tz.h"

#define NOW	1795680843000LL		/* 2026-11-26T08:14:03Z */

static const char *const doors[] = { "front", "back" };

struct row {
	const char		*name;
	const char		*door;
	const char		*payload;
	bool			retained;
	enum unlock_verdict	want;
	int			seconds;	/* when accepted */
};

static enum unlock_verdict
check(struct unlock_memory *mem, const char *door, const char *payload, size_t len,
    bool retained, struct unlock_order *out)
{
	struct unlock_command cmd = {
		.door = door, .payload = payload, .len = len, .retained = retained,
		.now_ms = NOW, .doors = doors, .ndoors = 2,
	};

	return mqtt_unlock_check(mem, &cmd, out);
}

static void
test_table(void)
{
	/* expires one minute ahead, in every accepted spelling */
	static const struct row rows[] = {
		{ "accepted", "front", "{\"seconds\":5,\"id\":\"desk-1\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_ACCEPTED, 5 },
		{ "accepted, second door, 60 s", "back", "{\"seconds\":60,\"id\":\"desk-2\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_ACCEPTED, 60 },
		{ "accepted, 1 s, fraction", "front", "{\"seconds\":1,\"id\":\"A.z_9:-\",\"expires\":\"2026-11-26T08:15:03.250Z\"}", false, UNLOCK_ACCEPTED, 1 },
		{ "accepted, offset", "front", "{\"seconds\":2.0,\"id\":\"desk-3\",\"expires\":\"2026-11-26T09:15:03+01:00\"}", false, UNLOCK_ACCEPTED, 2 },
		{ "accepted, whitespace around", "front", " \n{\"id\":\"desk-4\",\"expires\":\"2026-11-26T08:19:03Z\",\"seconds\":3,\"extra\":true}\n ", false, UNLOCK_ACCEPTED, 3 },
		{ "retained", "front", "{\"seconds\":5,\"id\":\"r-1\",\"expires\":\"2026-11-26T08:15:03Z\"}", true, UNLOCK_RETAINED, 0 },
		{ "unknown door", "side", "{\"seconds\":5,\"id\":\"u-1\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_UNKNOWN_DOOR, 0 },
		{ "empty door", "", "{\"seconds\":5,\"id\":\"u-2\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_UNKNOWN_DOOR, 0 },
		{ "malformed: cut", "front", "{\"seconds\":5,", false, UNLOCK_MALFORMED, 0 },
		{ "malformed: array", "front", "[1,2,3]", false, UNLOCK_MALFORMED, 0 },
		{ "malformed: string", "front", "\"open\"", false, UNLOCK_MALFORMED, 0 },
		{ "malformed: empty", "front", "", false, UNLOCK_MALFORMED, 0 },
		{ "malformed: trailing garbage", "front", "{\"seconds\":5,\"id\":\"g-1\",\"expires\":\"2026-11-26T08:15:03Z\"}x", false, UNLOCK_MALFORMED, 0 },
		{ "seconds missing", "front", "{\"id\":\"s-1\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds a string", "front", "{\"seconds\":\"5\",\"id\":\"s-2\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds 0", "front", "{\"seconds\":0,\"id\":\"s-3\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds 61", "front", "{\"seconds\":61,\"id\":\"s-4\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds negative", "front", "{\"seconds\":-5,\"id\":\"s-5\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds 2.5", "front", "{\"seconds\":2.5,\"id\":\"s-6\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds 1e300", "front", "{\"seconds\":1e300,\"id\":\"s-7\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "seconds true", "front", "{\"seconds\":true,\"id\":\"s-8\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_SECONDS, 0 },
		{ "id missing", "front", "{\"seconds\":5,\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id a number", "front", "{\"seconds\":5,\"id\":42,\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id empty", "front", "{\"seconds\":5,\"id\":\"\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id 65 characters", "front", "{\"seconds\":5,\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id with a newline", "front", "{\"seconds\":5,\"id\":\"a\\nb\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id with a terminal escape", "front", "{\"seconds\":5,\"id\":\"\\u001b[2Jx\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id with a space", "front", "{\"seconds\":5,\"id\":\"a b\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id with a slash", "front", "{\"seconds\":5,\"id\":\"a/b\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "id not ASCII", "front", "{\"seconds\":5,\"id\":\"caf\xc3\xa9\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_BAD_ID, 0 },
		{ "expires missing", "front", "{\"seconds\":5,\"id\":\"x-1\"}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expires a number", "front", "{\"seconds\":5,\"id\":\"x-2\",\"expires\":1795680903}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expires local time", "front", "{\"seconds\":5,\"id\":\"x-3\",\"expires\":\"2026-11-26T09:15:03\"}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expires a date", "front", "{\"seconds\":5,\"id\":\"x-4\",\"expires\":\"2026-11-27\"}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expires garbage", "front", "{\"seconds\":5,\"id\":\"x-5\",\"expires\":\"soonZ\"}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expires bad date", "front", "{\"seconds\":5,\"id\":\"x-6\",\"expires\":\"2026-11-31T08:15:03Z\"}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expires lower-case z", "front", "{\"seconds\":5,\"id\":\"x-7\",\"expires\":\"2026-11-26T08:15:03z\"}", false, UNLOCK_BAD_EXPIRES, 0 },
		{ "expired", "front", "{\"seconds\":5,\"id\":\"e-1\",\"expires\":\"2026-11-26T08:13:03Z\"}", false, UNLOCK_EXPIRED, 0 },
		{ "expires now", "front", "{\"seconds\":5,\"id\":\"e-2\",\"expires\":\"2026-11-26T08:14:03Z\"}", false, UNLOCK_EXPIRED, 0 },
		{ "expired by offset", "front", "{\"seconds\":5,\"id\":\"e-3\",\"expires\":\"2026-11-26T08:15:03+01:00\"}", false, UNLOCK_EXPIRED, 0 },
		{ "expires 5 min 1 s ahead", "front", "{\"seconds\":5,\"id\":\"f-1\",\"expires\":\"2026-11-26T08:19:04Z\"}", false, UNLOCK_TOO_FAR, 0 },
		{ "expires in a year", "front", "{\"seconds\":5,\"id\":\"f-2\",\"expires\":\"2027-11-26T08:14:03Z\"}", false, UNLOCK_TOO_FAR, 0 },
		{ "id reused", "front", "{\"seconds\":5,\"id\":\"desk-1\",\"expires\":\"2026-11-26T08:15:03Z\"}", false, UNLOCK_DUPLICATE_ID, 0 },
		{ "id reused on another door", "back", "{\"seconds\":9,\"id\":\"desk-2\",\"expires\":\"2026-11-26T08:16:03Z\"}", false, UNLOCK_DUPLICATE_ID, 0 },
	};
	struct unlock_memory mem;
	struct unlock_order out;
	enum unlock_verdict v;
	char id[UNLOCK_ID_MAX + 1];
	size_t i;

	memset(&mem, 0, sizeof(mem));
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		memset(&out, 0, sizeof(out));
		out.door_index = -1;
		v = check(&mem, r->door, r->payload, strlen(r->payload), r->retained, &out);
		if (v != r->want) {
			printf("#   %s: %s, expected %s\n", r->name, mqtt_unlock_reason(v),
			    mqtt_unlock_reason(r->want));
			th_current_failed = 1;
			continue;
		}
		if (v != UNLOCK_ACCEPTED) {
			EXPECT_INT(out.door_index, -1);	/* untouched */
			continue;
		}
		EXPECT_INT(out.door_index, strcmp(r->door, "back") == 0 ? 1 : 0);
		EXPECT_INT(out.seconds, r->seconds);
		/* the id given back is the command's */
		snprintf(id, sizeof(id), "%s", strstr(r->payload, "\"id\":\"") + 6);
		*strchr(id, '"') = '\0';
		EXPECT_STR(out.id, id);
	}
}

/* Over 1 KiB refused before parsing; exactly 1 KiB accepted. */
static void
test_size(void)
{
	struct unlock_memory mem;
	struct unlock_order out;
	char buf[UNLOCK_PAYLOAD_MAX + 2];
	int n;

	memset(&mem, 0, sizeof(mem));
	n = snprintf(buf, sizeof(buf),
	    "{\"seconds\":5,\"id\":\"big-1\",\"expires\":\"2026-11-26T08:15:03Z\"}");
	memset(buf + n, ' ', sizeof(buf) - (size_t)n);
	EXPECT_INT(check(&mem, "front", buf, UNLOCK_PAYLOAD_MAX + 1, false, &out),
	    UNLOCK_TOO_BIG);
	EXPECT_INT(check(&mem, "front", buf, UNLOCK_PAYLOAD_MAX, false, &out),
	    UNLOCK_ACCEPTED);
	EXPECT_STR(mqtt_unlock_reason(UNLOCK_TOO_BIG), "payload over 1 KiB");
}

/* The last UNLOCK_SEEN_IDS accepted ids are remembered; a refused command
 * does not take a place. */
static void
test_memory(void)
{
	struct unlock_memory mem;
	struct unlock_order out;
	char cmd[128];
	int i;

	memset(&mem, 0, sizeof(mem));
	for (i = 0; i <= UNLOCK_SEEN_IDS; i++) {
		snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"id-%d\","
		    "\"expires\":\"2026-11-26T08:15:03Z\"}", i);
		EXPECT_INT(check(&mem, "front", cmd, strlen(cmd), false, &out), UNLOCK_ACCEPTED);
		/* a refused one with a fresh id changes nothing */
		snprintf(cmd, sizeof(cmd), "{\"seconds\":0,\"id\":\"no-%d\","
		    "\"expires\":\"2026-11-26T08:15:03Z\"}", i);
		EXPECT_INT(check(&mem, "front", cmd, strlen(cmd), false, &out), UNLOCK_BAD_SECONDS);
	}
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"id-%d\","
	    "\"expires\":\"2026-11-26T08:15:03Z\"}", UNLOCK_SEEN_IDS);
	EXPECT_INT(check(&mem, "front", cmd, strlen(cmd), false, &out), UNLOCK_DUPLICATE_ID);
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"id-1\","
	    "\"expires\":\"2026-11-26T08:15:03Z\"}");
	EXPECT_INT(check(&mem, "front", cmd, strlen(cmd), false, &out), UNLOCK_DUPLICATE_ID);
	/* id-0 was the oldest: forgotten (hence the 5-minute limit on expires) */
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"id-0\","
	    "\"expires\":\"2026-11-26T08:15:03Z\"}");
	EXPECT_INT(check(&mem, "front", cmd, strlen(cmd), false, &out), UNLOCK_ACCEPTED);
}

/* The ids read back from the event log at start: only the detail an MQTT
 * command's unlock_remote event carries, and only valid ids. */
static void
test_detail_id(void)
{
	struct unlock_memory mem;
	struct unlock_order out;
	char id[UNLOCK_ID_MAX + 1], cmd[128];

	EXPECT_INT(mqtt_unlock_detail_id("mqtt id desk-17, 5 s", id), 0);
	EXPECT_STR(id, "desk-17");
	EXPECT_INT(mqtt_unlock_detail_id("mqtt id A.z_9:-, 60 s", id), 0);
	EXPECT_STR(id, "A.z_9:-");
	EXPECT_INT(mqtt_unlock_detail_id("uid:1000(alice), 5 s", id), -1);
	EXPECT_INT(mqtt_unlock_detail_id("mqtt id , 5 s", id), -1);
	EXPECT_INT(mqtt_unlock_detail_id("mqtt id desk-17", id), -1);	/* cut short */
	EXPECT_INT(mqtt_unlock_detail_id("mqtt id a b, 5 s", id), -1);
	EXPECT_INT(mqtt_unlock_detail_id("mqtt id aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, 5 s",
	    id), -1);	/* 65 characters */
	EXPECT_INT(mqtt_unlock_detail_id("", id), -1);
	EXPECT_INT(mqtt_unlock_detail_id(NULL, id), -1);

	memset(&mem, 0, sizeof(mem));
	mqtt_unlock_remember(&mem, "desk-17");
	mqtt_unlock_remember(&mem, "bad id");	/* ignored: takes no place */
	snprintf(cmd, sizeof(cmd), "{\"seconds\":5,\"id\":\"desk-17\","
	    "\"expires\":\"2026-11-26T08:15:03Z\"}");
	EXPECT_INT(check(&mem, "front", cmd, strlen(cmd), false, &out), UNLOCK_DUPLICATE_ID);
	EXPECT_INT(mem.next, 1);
}

/* Every JSON number from outside is read through render_json_int: whole,
 * in range, never a cast of a double that does not fit. */
static void
test_json_int(void)
{
	static const struct {
		const char	*json;
		int64_t		lo, hi;
		int		rc;
		int64_t		want;
	} t[] = {
		{ "5", 1, 60, 0, 5 },
		{ "5.0", 1, 60, 0, 5 },
		{ "6e1", 1, 60, 0, 60 },
		{ "61", 1, 60, -1, 0 },
		{ "0", 1, 60, -1, 0 },
		{ "-0", 0, 0, 0, 0 },
		{ "5.5", 1, 60, -1, 0 },
		{ "1e300", INT64_MIN, INT64_MAX, -1, 0 },
		{ "-1e300", INT64_MIN, INT64_MAX, -1, 0 },
		{ "1e19", INT64_MIN, INT64_MAX, -1, 0 },
		{ "9223372036854775807", INT64_MIN, INT64_MAX, -1, 0 },	/* 2^63 as a double */
		/* More than 15 digits would not come back the same from
		 * cJSON's printing: refused whatever the range. */
		{ "-9223372036854775808", INT64_MIN, INT64_MAX, -1, 0 },
		{ "9007199254740993", INT64_MIN, INT64_MAX, -1, 0 },
		{ "1000000000000000", INT64_MIN, INT64_MAX, -1, 0 },
		{ "999999999999999", INT64_MIN, INT64_MAX, 0, 999999999999999LL },
		{ "-999999999999999", INT64_MIN, INT64_MAX, 0, -999999999999999LL },
		{ "\"5\"", 1, 60, -1, 0 },
		{ "true", 1, 60, -1, 0 },
		{ "null", 1, 60, -1, 0 },
	};
	int64_t v;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cJSON *j = cJSON_Parse(t[i].json);
		int rc;

		v = -42;
		rc = render_json_int(j, t[i].lo, t[i].hi, &v);
		if (rc != t[i].rc || (rc == 0 && v != t[i].want) || (rc == -1 && v != -42)) {
			printf("#   %s: rc %d, value %lld\n", t[i].json, rc, (long long)v);
			th_current_failed = 1;
		}
		cJSON_Delete(j);
	}
	EXPECT_INT(render_json_int(NULL, 0, 1, &v), -1);
}

static void
test_id_and_printable(void)
{
	char buf[16];

	EXPECT(mqtt_unlock_id_valid("desk-1700000000"));
	EXPECT(mqtt_unlock_id_valid("a"));
	EXPECT(!mqtt_unlock_id_valid(""));
	EXPECT(!mqtt_unlock_id_valid("a;b"));
	EXPECT(!mqtt_unlock_id_valid("\x1b]0;x\a"));
	mqtt_unlock_printable("se\x1b[2Ju\nil", 10, buf, sizeof(buf));
	EXPECT_STR(buf, "se?[2Ju?il");
	mqtt_unlock_printable("0123456789abcdefghij", 20, buf, sizeof(buf));
	EXPECT_STR(buf, "0123456789abcde");
	mqtt_unlock_printable("caf\xc3\xa9", 5, buf, sizeof(buf));
	EXPECT_STR(buf, "caf??");
}

int
main(void)
{
	/* Offsets and Z do not depend on the zone; a local time would. */
	setenv("TZ", "Europe/Paris", 1);
	RUN(test_table);
	RUN(test_size);
	RUN(test_memory);
	RUN(test_detail_id);
	RUN(test_json_int);
	RUN(test_id_and_printable);
	return TEST_REPORT();
}

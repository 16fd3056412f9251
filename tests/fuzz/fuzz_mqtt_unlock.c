/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * MQTT remote unlock commands (daemon/mqtt_unlock.c mqtt_unlock_check,
 * docs/design.md, MQTT): whoever may publish on B/door/<door>/unlock.  The
 * first byte of an input picks the retain flag and the topic's door (front,
 * back, or one seuild does not have); the rest is the payload.  now is
 * fixed at 2026-11-26T08:00:00Z.
 * Oracle: an accepted command is not retained, is at most 1 KiB, names a
 * door seuild has, and says (read independently with cJSON and tz.c) the
 * same seconds (1..60) and id (valid charset), with an expiry in (now, now
 * + 5 min]; the same payload again is a duplicate; a refusal leaves the
 * id memory alone; the log's printable copy is printable ASCII.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "mqtt_unlock.h"
#include "tz.h"

static int64_t now_ms;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (tz_parse_time("2026-11-26T08:00:00Z", &now_ms) == -1)
		abort();
	return 0;
}

static void
check_accepted(const struct unlock_command *cmd, const struct unlock_order *o)
{
	const cJSON *j;
	cJSON *root;
	int64_t exp;

	FUZZ_ASSERT(!cmd->retained && cmd->len <= UNLOCK_PAYLOAD_MAX);
	FUZZ_ASSERT(o->door_index >= 0 && o->door_index < cmd->ndoors);
	FUZZ_ASSERT(strcmp(cmd->doors[o->door_index], cmd->door) == 0);
	FUZZ_ASSERT(o->seconds >= 1 && o->seconds <= 60);
	FUZZ_ASSERT(mqtt_unlock_id_valid(o->id));
	root = cJSON_ParseWithLength(cmd->payload, cmd->len);
	FUZZ_ASSERT(cJSON_IsObject(root));
	j = cJSON_GetObjectItemCaseSensitive(root, "seconds");
	FUZZ_ASSERT(cJSON_IsNumber(j) && j->valuedouble == (double)o->seconds);
	j = cJSON_GetObjectItemCaseSensitive(root, "id");
	FUZZ_ASSERT(cJSON_IsString(j) && strcmp(j->valuestring, o->id) == 0);
	j = cJSON_GetObjectItemCaseSensitive(root, "expires");
	FUZZ_ASSERT(cJSON_IsString(j) && tz_parse_time(j->valuestring, &exp) == 0);
	FUZZ_ASSERT(exp > now_ms && exp <= now_ms + UNLOCK_EXPIRES_MAX_MS);
	cJSON_Delete(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const doors[] = { "front", "back" };
	static const char *const topic_doors[] = { "front", "back", "garage", "front" };
	struct unlock_memory mem, before;
	struct unlock_order o, o2;
	struct unlock_command cmd;
	enum unlock_verdict v;
	char printable[80];
	void *payload;

	if (size < 1 || size > 2048)
		return -1;
	/* A copy of exactly the payload's size, so ASan sees any overread. */
	payload = malloc(size - 1 > 0 ? size - 1 : 1);
	memcpy(payload, data + 1, size - 1);
	memset(&mem, 0, sizeof(mem));
	cmd = (struct unlock_command){
		.door = topic_doors[(data[0] >> 1) & 3], .payload = payload, .len = size - 1,
		.retained = data[0] & 1, .now_ms = now_ms, .doors = doors, .ndoors = 2,
	};
	before = mem;
	v = mqtt_unlock_check(&mem, &cmd, &o);
	FUZZ_ASSERT(mqtt_unlock_reason(v) != NULL);
	if (v == UNLOCK_ACCEPTED) {
		check_accepted(&cmd, &o);
		FUZZ_ASSERT(mqtt_unlock_check(&mem, &cmd, &o2) == UNLOCK_DUPLICATE_ID);
	} else {
		FUZZ_ASSERT(memcmp(&before, &mem, sizeof(mem)) == 0);
	}
	mqtt_unlock_printable(payload, size - 1, printable, sizeof(printable));
	for (const char *p = printable; *p != '\0'; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f);
	free(payload);
	return 0;
}

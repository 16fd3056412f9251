/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The remote unlock command check.  A command is a capability to open a
 * door, so anything doubtful is refused: a retained copy (it would replay
 * on every reconnect), a big or malformed payload, a door we do not have,
 * an out-of-range duration, an id that could smuggle text into the event
 * log, an expired command or one valid for too long, and an id already
 * accepted (QoS 1 may deliver twice).  The cheap checks on the envelope
 * come before parsing the payload.
 */
#include "mqtt_unlock.h"

#include <cjson/cJSON.h>

#include <string.h>

#include "render_json.h"
#include "tz.h"

static const char *const reasons[] = {
	[UNLOCK_ACCEPTED] = "accepted",
	[UNLOCK_RETAINED] = "retained",
	[UNLOCK_TOO_BIG] = "payload over 1 KiB",
	[UNLOCK_UNKNOWN_DOOR] = "unknown door",
	[UNLOCK_MALFORMED] = "malformed JSON",
	[UNLOCK_BAD_SECONDS] = "seconds not an integer in 1..60",
	[UNLOCK_BAD_ID] = "id missing, longer than 64 characters or not of [A-Za-z0-9._:-]",
	[UNLOCK_BAD_EXPIRES] = "expires missing or not a time with Z or an offset",
	[UNLOCK_EXPIRED] = "expired",
	[UNLOCK_TOO_FAR] = "expires more than 5 minutes ahead",
	[UNLOCK_DUPLICATE_ID] = "duplicate id",
};

const char *
mqtt_unlock_reason(enum unlock_verdict v)
{
	if ((size_t)v >= sizeof(reasons) / sizeof(reasons[0]) || reasons[v] == NULL)
		return "refused";
	return reasons[v];
}

int
mqtt_unlock_id_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		char c = s[n];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-'))
			return 0;
	}
	return n >= 1 && n <= UNLOCK_ID_MAX;
}

void
mqtt_unlock_remember(struct unlock_memory *mem, const char *id)
{
	if (!mqtt_unlock_id_valid(id))
		return;
	memcpy(mem->ids[mem->next], id, strlen(id) + 1);
	mem->next = (mem->next + 1) % UNLOCK_SEEN_IDS;
}

int
mqtt_unlock_detail_id(const char *detail, char id[UNLOCK_ID_MAX + 1])
{
	static const char prefix[] = "mqtt id ";
	const char *p, *end;

	if (detail == NULL || strncmp(detail, prefix, sizeof(prefix) - 1) != 0)
		return -1;
	p = detail + sizeof(prefix) - 1;
	/* An id has no ',': the first one ends it. */
	if ((end = strchr(p, ',')) == NULL || end - p < 1 || end - p > UNLOCK_ID_MAX)
		return -1;
	memcpy(id, p, (size_t)(end - p));
	id[end - p] = '\0';
	return mqtt_unlock_id_valid(id) ? 0 : -1;
}

void
mqtt_unlock_printable(const char *s, size_t len, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < len && i + 1 < n && s[i] != '\0'; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
}

/* An absolute time: the text must say its zone ("Z" or "+HH:MM"), so a
 * local time, which depends on the Pi's site.timezone, is refused. */
static int
parse_expires(const char *s, int64_t *ms)
{
	size_t len = strlen(s);
	bool zoned = (len > 0 && s[len - 1] == 'Z') ||
	    (len > 6 && (s[len - 6] == '+' || s[len - 6] == '-') && s[len - 3] == ':');

	return zoned && len > 10 ? tz_parse_time(s, ms) : -1;
}

/* Only whitespace from p to end. */
static bool
blank(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

static enum unlock_verdict
check_fields(const cJSON *root, int64_t now_ms, int *seconds, const char **id)
{
	const cJSON *jid, *jexp;
	int64_t expires, secs;

	jid = cJSON_GetObjectItemCaseSensitive(root, "id");
	jexp = cJSON_GetObjectItemCaseSensitive(root, "expires");
	if (render_json_int(cJSON_GetObjectItemCaseSensitive(root, "seconds"), 1, 60,
	    &secs) == -1)
		return UNLOCK_BAD_SECONDS;
	if (!cJSON_IsString(jid) || !mqtt_unlock_id_valid(jid->valuestring))
		return UNLOCK_BAD_ID;
	if (!cJSON_IsString(jexp) || parse_expires(jexp->valuestring, &expires) == -1)
		return UNLOCK_BAD_EXPIRES;
	if (expires <= now_ms)
		return UNLOCK_EXPIRED;
	if (expires > now_ms + UNLOCK_EXPIRES_MAX_MS)
		return UNLOCK_TOO_FAR;
	*seconds = (int)secs;
	*id = jid->valuestring;
	return UNLOCK_ACCEPTED;
}

enum unlock_verdict
mqtt_unlock_check(struct unlock_memory *mem, const struct unlock_command *cmd,
    struct unlock_order *out)
{
	enum unlock_verdict v;
	const char *end = NULL, *id = NULL;
	cJSON *root;
	int door = -1, seconds = 0, i;

	if (cmd->retained)
		return UNLOCK_RETAINED;
	if (cmd->len > UNLOCK_PAYLOAD_MAX)
		return UNLOCK_TOO_BIG;
	for (i = 0; i < cmd->ndoors && door == -1; i++)
		if (cmd->door != NULL && strcmp(cmd->doors[i], cmd->door) == 0)
			door = i;
	if (door == -1)
		return UNLOCK_UNKNOWN_DOOR;

	root = cJSON_ParseWithLengthOpts(cmd->payload, cmd->len, &end, false);
	if (root == NULL || !cJSON_IsObject(root) ||
	    !blank(end, (const char *)cmd->payload + cmd->len)) {
		cJSON_Delete(root);
		return UNLOCK_MALFORMED;
	}
	v = check_fields(root, cmd->now_ms, &seconds, &id);
	for (i = 0; v == UNLOCK_ACCEPTED && i < UNLOCK_SEEN_IDS; i++)
		if (strcmp(mem->ids[i], id) == 0)
			v = UNLOCK_DUPLICATE_ID;
	if (v == UNLOCK_ACCEPTED) {
		out->door_index = door;
		out->seconds = seconds;
		memcpy(out->id, id, strlen(id) + 1);	/* valid ids fit */
		mqtt_unlock_remember(mem, id);
	}
	cJSON_Delete(root);
	return v;
}

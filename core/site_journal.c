/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A site's journal rows and acknowledgements (site_journal.h). */
#include "site_journal.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>

#include "event_type.h"
#include "manage.h"
#include "render_json.h"

static void
add_text(cJSON *o, const char *key, const char *v)
{
	if (v[0] != '\0')
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

char *
site_journal_encode(const char *node, int64_t prev, const struct event_row *ev)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "node", node);
	cJSON_AddNumberToObject(o, "seq", (double)ev->seq);
	cJSON_AddNumberToObject(o, "prev", (double)prev);
	cJSON_AddNumberToObject(o, "ts_ms", (double)ev->ts_ms);
	cJSON_AddBoolToObject(o, "clock_synced", ev->clock_synced);
	add_text(o, "boot_id", ev->boot_id);
	cJSON_AddNumberToObject(o, "mono_ms", (double)ev->mono_ms);
	cJSON_AddStringToObject(o, "type", ev->type);
	add_text(o, "door", ev->door);
	add_text(o, "reader", ev->reader);
	cJSON_AddNumberToObject(o, "member", (double)ev->member_id);
	cJSON_AddNumberToObject(o, "badge", (double)ev->badge_id);
	add_text(o, "reason", ev->reason);
	add_text(o, "detail", ev->detail);
	add_text(o, "actor", ev->actor);
	/* A guest's (the primary keeps its visits as a guest's); absent
	 * otherwise, as from a node that predates them. */
	if (ev->guest_id > 0) {
		cJSON_AddNumberToObject(o, "guest", (double)ev->guest_id);
		cJSON_AddNumberToObject(o, "via", (double)ev->via);
	}
	return render_json_print(o);
}

/* A text field: null or absent is "", else printable text that fits. */
static int
get_text(const cJSON *o, const char *key, char *out, size_t len, const char *charset)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	size_t n;

	out[0] = '\0';
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) >= len)
		return -1;
	if (charset != NULL ? strspn(v->valuestring, charset) != n :
	    !manage_valid_text(v->valuestring, len))
		return -1;
	memcpy(out, v->valuestring, n + 1);
	return 0;
}

static int
get_int(const cJSON *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	return render_json_int(cJSON_GetObjectItemCaseSensitive(o, key), min, max, out);
}

/* An optional number: absent is 0. */
static int
get_opt(const cJSON *o, const char *key, int64_t *out)
{
	*out = 0;
	if (cJSON_GetObjectItemCaseSensitive(o, key) == NULL)
		return 0;
	return get_int(o, key, 0, INT64_MAX / 2, out);
}

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789_-"

int
site_journal_parse(const char *body, size_t len, struct journal_row *r, char *why,
    size_t whylen)
{
	cJSON *o = NULL;
	const cJSON *b;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	if (len > JOURNAL_MSG_MAX || memchr(body, '\0', len) != NULL ||
	    (o = cJSON_ParseWithLength(body, len)) == NULL || !cJSON_IsObject(o)) {
		snprintf(why, whylen, "not a JSON object of at most %d bytes", JOURNAL_MSG_MAX);
		goto out;
	}
	b = cJSON_GetObjectItemCaseSensitive(o, "clock_synced");
	if (get_text(o, "node", r->node, sizeof(r->node), NAME_CHARS) == -1 ||
	    r->node[0] == '\0' ||
	    get_int(o, "seq", 1, INT64_MAX / 2, &r->ev.seq) == -1 ||
	    get_int(o, "prev", 0, r->ev.seq - 1, &r->prev) == -1 ||
	    get_int(o, "ts_ms", 0, INT64_MAX / 2, &r->ev.ts_ms) == -1 ||
	    get_int(o, "mono_ms", 0, INT64_MAX / 2, &r->ev.mono_ms) == -1 ||
	    get_int(o, "member", 0, INT64_MAX / 2, &r->ev.member_id) == -1 ||
	    get_int(o, "badge", 0, INT64_MAX / 2, &r->ev.badge_id) == -1 ||
	    get_opt(o, "guest", &r->ev.guest_id) == -1 || get_opt(o, "via", &r->ev.via) == -1 ||
	    !cJSON_IsBool(b) ||
	    get_text(o, "boot_id", r->ev.boot_id, sizeof(r->ev.boot_id),
	    "0123456789abcdefknouw-") == -1 ||
	    get_text(o, "type", r->ev.type, sizeof(r->ev.type), "abcdefghijklmnopqrstuvwxyz_") == -1 ||
	    !event_type_known(r->ev.type) ||
	    get_text(o, "door", r->ev.door, sizeof(r->ev.door), NAME_CHARS) == -1 ||
	    get_text(o, "reader", r->ev.reader, sizeof(r->ev.reader), NAME_CHARS) == -1 ||
	    get_text(o, "reason", r->ev.reason, sizeof(r->ev.reason),
	    "abcdefghijklmnopqrstuvwxyz_") == -1 ||
	    get_text(o, "detail", r->ev.detail, sizeof(r->ev.detail), NULL) == -1 ||
	    get_text(o, "actor", r->ev.actor, sizeof(r->ev.actor), NULL) == -1) {
		snprintf(why, whylen, "malformed row");
		goto out;
	}
	r->ev.clock_synced = cJSON_IsTrue(b);
	snprintf(r->ev.node, sizeof(r->ev.node), "%s", r->node);
	r->ev.node_seq = r->ev.seq;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

char *
site_journal_ack(const char *node, int64_t seq)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "node", node);
	cJSON_AddNumberToObject(o, "seq", (double)seq);
	return render_json_print(o);
}

int
site_journal_ack_parse(const char *body, size_t len, const char *node, int64_t *seq)
{
	cJSON *o = cJSON_ParseWithLength(body, len);
	const char *n;
	int rc = -1;

	if (cJSON_IsObject(o) && (n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "node"))) != NULL && strcmp(n, node) == 0 &&
	    get_int(o, "seq", 0, INT64_MAX / 2, seq) == 0)
		rc = 0;
	cJSON_Delete(o);
	return rc;
}

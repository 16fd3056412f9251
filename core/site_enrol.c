/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Enrolment at a replica's desk: the request and the answer (site_enrol.h). */
#include "site_enrol.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <string.h>

#include "manage.h"
#include "render_json.h"
#include "site_sig.h"

#define NAME_CHARS	"abcdefghijklmnopqrstuvwxyz0123456789_-"
#define HEX_CHARS	"0123456789abcdef"
/* The largest number a message carries: 15 digits, which cJSON prints
 * exactly (it prints a double with 15 significant digits when they come
 * within an epsilon of it, so a 16-digit integer may come back changed).
 * As milliseconds, the year 33658. */
#define NUM_MAX		INT64_C(999999999999999)

static const char *const results[SITE_ENROL_NRESULTS] = {
	[SITE_ENROL_CREATED] = "created",
	[SITE_ENROL_EXISTS] = "exists",
	[SITE_ENROL_NOT_FOUND] = "not_found",
	[SITE_ENROL_INVALID] = "invalid",
	[SITE_ENROL_PERMISSION] = "permission",
	[SITE_ENROL_DATABASE] = "database",
};

const char *
site_enrol_result_name(enum site_enrol_result r)
{
	return r < SITE_ENROL_NRESULTS ? results[r] : "?";
}

char *
site_enrol_req_encode(const struct site_enrol_req *q)
{
	cJSON *o = cJSON_CreateObject();
	char mac[64];

	site_b64_encode(q->mac, UID_MAC_LEN, mac);
	cJSON_AddStringToObject(o, "type", "enrol");
	cJSON_AddStringToObject(o, "kind", q->desfire ? "desfire" : "uid");
	cJSON_AddStringToObject(o, "site", q->site);
	cJSON_AddStringToObject(o, "node", q->node);
	cJSON_AddStringToObject(o, "id", q->id);
	cJSON_AddStringToObject(o, "member", q->member);
	/* A DESFire card's UID MAC under another name: a primary that knows
	 * only UID badges finds no "mac" and refuses the request, rather than
	 * make a UID badge of it. */
	cJSON_AddStringToObject(o, q->desfire ? "uid_mac" : "mac", mac);
	if (q->desfire) {
		site_b64_encode(q->cred, UID_MAC_LEN, mac);
		cJSON_AddStringToObject(o, "credential", mac);
	}
	cJSON_AddStringToObject(o, "hint", q->hint);
	cJSON_AddStringToObject(o, "reader", q->reader);
	cJSON_AddStringToObject(o, "actor", q->actor);
	cJSON_AddStringToObject(o, "role", q->admin ? "admin" : "operate");
	cJSON_AddNumberToObject(o, "expires_ms", (double)q->expires_ms);
	return render_json_print(o);
}

char *
site_enrol_res_encode(const struct site_enrol_res *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", "enrol_result");
	cJSON_AddStringToObject(o, "site", r->site);
	cJSON_AddStringToObject(o, "node", r->node);
	cJSON_AddStringToObject(o, "id", r->id);
	cJSON_AddStringToObject(o, "result", site_enrol_result_name(r->result));
	cJSON_AddNumberToObject(o, "badge_id", (double)r->badge_id);
	cJSON_AddNumberToObject(o, "member", (double)r->member_id);
	cJSON_AddStringToObject(o, "message", r->message);
	return render_json_print(o);
}

/* A text field, present, non-empty unless empty_ok, that fits, of charset
 * (NULL: printable text as the store takes it). */
static int
get_text(const cJSON *o, const char *key, char *out, size_t len, const char *charset,
    bool empty_ok)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	size_t n;

	out[0] = '\0';
	if (!cJSON_IsString(v) || (n = strlen(v->valuestring)) >= len || (n == 0 && !empty_ok))
		return -1;
	if (n > 0 && (charset != NULL ? strspn(v->valuestring, charset) != n :
	    !manage_valid_text(v->valuestring, len)))
		return -1;
	memcpy(out, v->valuestring, n + 1);
	return 0;
}

/* The body as a JSON object of type, or NULL with why. */
static cJSON *
open_body(const char *body, size_t len, const char *type, char *why, size_t whylen)
{
	cJSON *o;
	const char *t;

	if (len > SITE_ENROL_MSG_MAX || memchr(body, '\0', len) != NULL ||
	    (o = cJSON_ParseWithLength(body, len)) == NULL) {
		snprintf(why, whylen, "not a JSON object of at most %d bytes", SITE_ENROL_MSG_MAX);
		return NULL;
	}
	if (!cJSON_IsObject(o) || (t = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o,
	    "type"))) == NULL || strcmp(t, type) != 0) {
		snprintf(why, whylen, "not an %s message", type);
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

int
site_enrol_req_parse(const char *body, size_t len, struct site_enrol_req *q, char *why,
    size_t whylen)
{
	char mac[64], cred[64], role[16], kind[16] = "uid";
	const char *mac_key;
	cJSON *o;
	int rc = -1;

	memset(q, 0, sizeof(*q));
	if ((o = open_body(body, len, "enrol", why, whylen)) == NULL)
		return -1;
	/* No "kind": a request of a node that knows only UID badges. */
	if ((cJSON_GetObjectItemCaseSensitive(o, "kind") != NULL && (get_text(o, "kind", kind,
	    sizeof(kind), "abcdefghijklmnopqrstuvwxyz", false) == -1 ||
	    (strcmp(kind, "uid") != 0 && strcmp(kind, "desfire") != 0))) ||
	    (strcmp(kind, "desfire") == 0 && (get_text(o, "credential", cred, sizeof(cred), NULL,
	    false) == -1 || site_b64_decode(cred, strlen(cred), q->cred,
	    sizeof(q->cred)) != UID_MAC_LEN)) ||
	    (strcmp(kind, "uid") == 0 && (cJSON_GetObjectItemCaseSensitive(o, "credential") !=
	    NULL || cJSON_GetObjectItemCaseSensitive(o, "uid_mac") != NULL)) ||
	    (strcmp(kind, "desfire") == 0 && cJSON_GetObjectItemCaseSensitive(o, "mac") !=
	    NULL)) {
		snprintf(why, whylen, "an enrolment request of unknown kind, or its credential "
		    "malformed");
		goto out;
	}
	q->desfire = strcmp(kind, "desfire") == 0;
	mac_key = q->desfire ? "uid_mac" : "mac";
	if (get_text(o, "site", q->site, sizeof(q->site), NAME_CHARS, false) == -1 ||
	    get_text(o, "node", q->node, sizeof(q->node), NAME_CHARS, false) == -1 ||
	    get_text(o, "id", q->id, sizeof(q->id), HEX_CHARS, false) == -1 ||
	    strlen(q->id) != SITE_ENROL_ID_LEN ||
	    get_text(o, "member", q->member, sizeof(q->member), NULL, false) == -1 ||
	    get_text(o, mac_key, mac, sizeof(mac), NULL, false) == -1 ||
	    site_b64_decode(mac, strlen(mac), q->mac, sizeof(q->mac)) != UID_MAC_LEN ||
	    get_text(o, "hint", q->hint, sizeof(q->hint), "0123456789ABCDEF", false) == -1 ||
	    get_text(o, "reader", q->reader, sizeof(q->reader), NAME_CHARS, false) == -1 ||
	    get_text(o, "actor", q->actor, sizeof(q->actor), NULL, false) == -1 ||
	    get_text(o, "role", role, sizeof(role), "adminopert", false) == -1 ||
	    (strcmp(role, "admin") != 0 && strcmp(role, "operate") != 0) ||
	    render_json_int(cJSON_GetObjectItemCaseSensitive(o, "expires_ms"), 1,
	    NUM_MAX, &q->expires_ms) == -1) {
		snprintf(why, whylen, "a malformed enrolment request");
		goto out;
	}
	q->admin = strcmp(role, "admin") == 0;
	rc = 0;
out:
	if (rc == -1)
		explicit_bzero(q->cred, sizeof(q->cred));
	cJSON_Delete(o);
	explicit_bzero(mac, sizeof(mac));
	explicit_bzero(cred, sizeof(cred));
	return rc;
}

int
site_enrol_res_parse(const char *body, size_t len, struct site_enrol_res *r, char *why,
    size_t whylen)
{
	char result[16];
	cJSON *o;
	int rc = -1, i;

	memset(r, 0, sizeof(*r));
	if ((o = open_body(body, len, "enrol_result", why, whylen)) == NULL)
		return -1;
	if (get_text(o, "site", r->site, sizeof(r->site), NAME_CHARS, false) == -1 ||
	    get_text(o, "node", r->node, sizeof(r->node), NAME_CHARS, false) == -1 ||
	    get_text(o, "id", r->id, sizeof(r->id), HEX_CHARS, false) == -1 ||
	    get_text(o, "result", result, sizeof(result), "abcdefghijklmnopqrstuvwxyz_",
	    false) == -1 ||
	    render_json_int(cJSON_GetObjectItemCaseSensitive(o, "badge_id"), 0, NUM_MAX,
	    &r->badge_id) == -1 ||
	    render_json_int(cJSON_GetObjectItemCaseSensitive(o, "member"), 0, NUM_MAX,
	    &r->member_id) == -1 ||
	    get_text(o, "message", r->message, sizeof(r->message), NULL, true) == -1) {
		snprintf(why, whylen, "a malformed enrolment answer");
		goto out;
	}
	for (i = 0; i < SITE_ENROL_NRESULTS && strcmp(results[i], result) != 0; i++)
		;
	if (i == SITE_ENROL_NRESULTS) {
		snprintf(why, whylen, "an enrolment answer of unknown result");
		goto out;
	}
	r->result = (enum site_enrol_result)i;
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

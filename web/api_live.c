/*
 * API calls on the daemon's live state: status, readers, check-out, door
 * unlock, enrolment by tap and a typed UID.  Each is a control request to
 * seuild (seuil-web is in operate_group), made without w->lock held: an
 * enrolment waits for a tap.  Each change is also an admin_change event
 * naming the console user, since seuild only knows seuil-web's OS user.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "render_json.h"
#include "web_api.h"

cJSON *
api_body(struct req *q, struct reply *r)
{
	cJSON *j = cJSON_ParseWithLength(q->body, q->len);

	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		reply_error(r, 400, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

cJSON *
api_control(struct req *q, struct reply *r, cJSON *request, int timeout_ms)
{
	char *text = cJSON_PrintUnformatted(request), reply[CONTROL_MSG_MAX + 1], err[256];
	cJSON *j;
	int rc;

	cJSON_Delete(request);
	if (text == NULL) {
		reply_error(r, 500, "out of memory");
		return NULL;
	}
	rc = control_request(q->w->conf.control_socket, text, reply, sizeof(reply), timeout_ms,
	    err, sizeof(err));
	free(text);
	if (rc == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			reply_error_code(r, 503, "seuild_down", NULL, "seuild is not running");
		else
			reply_error(r, 502, "control socket: %s", err);
		return NULL;
	}
	if ((j = cJSON_Parse(reply)) == NULL || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		reply_error(r, 502, "seuild answered something unreadable");
		return NULL;
	}
	return j;
}

/* A control reply {"ok":false,"error":…} as an HTTP error. */
static bool
control_failed(cJSON *j, struct reply *r, unsigned status)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");

	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok")))
		return false;
	reply_error(r, status, "%s", cJSON_IsString(e) ? e->valuestring : "refused by seuild");
	cJSON_Delete(j);
	return true;
}

/* Send request to seuild: its reply without "ok", or NULL with r filled
 * (failed_status when seuild refused). */
static cJSON *
control_ok(struct req *q, struct reply *r, cJSON *request, int timeout_ms,
    unsigned failed_status)
{
	cJSON *j;

	if ((j = api_control(q, r, request, timeout_ms)) == NULL ||
	    control_failed(j, r, failed_status))
		return NULL;
	cJSON_DeleteItemFromObjectCaseSensitive(j, "ok");
	return j;
}

static cJSON *
cmd(const char *name)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "cmd", name);
	return j;
}

static void
audit(struct req *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
audit(struct req *q, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&q->w->lock);
	api_event(q, "admin_change", q->actor, detail);
	pthread_mutex_unlock(&q->w->lock);
}

void
api_status(struct req *q, struct reply *r, char **p)
{
	cJSON *j;

	(void)p;
	if ((j = api_control(q, r, cmd("status"), 3000)) == NULL)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(j, "ok");
	reply_json(r, 200, j);
}

/* The readers of the configuration, with enrol, for the enrolment view. */
void
api_readers(struct req *q, struct reply *r, char **p)
{
	cJSON *a = cJSON_CreateArray();
	int i;

	(void)p;
	for (i = 0; i < q->w->conf.nreaders; i++) {
		const struct reader_conf *rc = &q->w->conf.readers[i];
		cJSON *j = cJSON_CreateObject();
		const char *door = config_reader_door(rc);

		cJSON_AddStringToObject(j, "name", rc->name);
		if (door != NULL)
			cJSON_AddStringToObject(j, "door", door);
		else
			cJSON_AddNullToObject(j, "door");
		cJSON_AddBoolToObject(j, "enrol", rc->enrol);
		cJSON_AddItemToArray(a, j);
	}
	reply_json(r, 200, a);
}

/* The member of a body's "member" (an id or an exact name), or 0 with r
 * filled. */
static int64_t
body_member(struct req *q, struct reply *r, const cJSON *in, struct member_row *m)
{
	const cJSON *jm = cJSON_GetObjectItemCaseSensitive(in, "member");
	char idbuf[32];
	const char *key;
	int64_t id;
	int rc;

	if (cJSON_IsNumber(jm)) {
		if (render_json_int(jm, INT64_MIN, INT64_MAX, &id) == -1) {
			reply_error_code(r, 400, "invalid", NULL, "\"member\" must be a whole number");
			return 0;
		}
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		key = idbuf;
	} else if (cJSON_IsString(jm))
		key = jm->valuestring;
	else {
		reply_error(r, 400, "want \"member\": an id or a name");
		return 0;
	}
	pthread_mutex_lock(&q->w->lock);
	rc = store_member_find(q->w->st, key, m);
	pthread_mutex_unlock(&q->w->lock);
	if (rc != 1) {
		if (rc == 0)
			reply_error_code(r, 404, "not_found", NULL, "no such member");
		else
			reply_error_code(r, 500, "database", NULL, "database error");
		return 0;
	}
	return m->id;
}

/* The body, an object naming a member in m, or NULL with r filled. */
static cJSON *
member_body(struct req *q, struct reply *r, struct member_row *m)
{
	cJSON *in = api_body(q, r);

	if (in != NULL && body_member(q, r, in, m) == 0) {
		cJSON_Delete(in);
		return NULL;
	}
	return in;
}

void
api_checkout(struct req *q, struct reply *r, char **p)
{
	struct member_row m;
	cJSON *in = member_body(q, r, &m), *req, *j;

	(void)p;
	if (in == NULL)
		return;
	cJSON_Delete(in);
	req = cmd("checkout");
	cJSON_AddNumberToObject(req, "member", (double)m.id);
	if ((j = control_ok(q, r, req, 5000, 409)) == NULL)
		return;
	audit(q, "checkout %lld", (long long)m.id);
	reply_json(r, 200, j);
}

void
api_door_unlock(struct req *q, struct reply *r, char **p)
{
	cJSON *in = api_body(q, r), *req, *j;
	const cJSON *d, *s;

	(void)p;
	if (in == NULL)
		return;
	d = cJSON_GetObjectItemCaseSensitive(in, "door");
	s = cJSON_GetObjectItemCaseSensitive(in, "seconds");
	req = cmd("door_unlock");
	if (cJSON_IsString(d))
		cJSON_AddStringToObject(req, "door", d->valuestring);
	if (cJSON_IsNumber(s))
		cJSON_AddNumberToObject(req, "seconds", s->valuedouble);
	cJSON_Delete(in);
	if ((j = control_ok(q, r, req, 5000, 400)) == NULL)
		return;
	d = cJSON_GetObjectItemCaseSensitive(j, "door");
	audit(q, "door unlock %s", cJSON_IsString(d) ? d->valuestring : "?");
	reply_json(r, 200, j);
}

void
api_enrol(struct req *q, struct reply *r, char **p)
{
	struct member_row m;
	cJSON *in = member_body(q, r, &m), *req, *j;
	const cJSON *rd, *to;
	int timeout = 60;

	(void)p;
	if (in == NULL)
		return;
	if (m.erased) {
		cJSON_Delete(in);
		reply_error_code(r, 409, "member_erased", error_arg("id", (double)m.id),
		    "member %lld was erased", (long long)m.id);
		return;
	}
	rd = cJSON_GetObjectItemCaseSensitive(in, "reader");
	to = cJSON_GetObjectItemCaseSensitive(in, "timeout");
	if (cJSON_IsNumber(to) && to->valuedouble >= 1 && to->valuedouble <= 120)
		timeout = (int)to->valuedouble;
	req = cmd("enroll");
	cJSON_AddNumberToObject(req, "member", (double)m.id);
	cJSON_AddNumberToObject(req, "timeout", timeout);
	if (cJSON_IsString(rd) && rd->valuestring[0] != '\0')
		cJSON_AddStringToObject(req, "reader", rd->valuestring);
	cJSON_Delete(in);
	if ((j = control_ok(q, r, req, (timeout + 5) * 1000, 409)) == NULL)
		return;
	audit(q, "badge enroll %lld", (long long)m.id);
	cJSON_AddNumberToObject(j, "member_id", (double)m.id);
	cJSON_AddStringToObject(j, "member", m.name);
	reply_json(r, 201, j);
}

/* A typed UID: seuild computes the MAC (seuil-web never reads the key). */
void
api_badge_add(struct req *q, struct reply *r, char **p)
{
	struct member_row m;
	cJSON *in = member_body(q, r, &m), *req, *j;
	const cJSON *uid, *label;

	(void)p;
	if (in == NULL)
		return;
	uid = cJSON_GetObjectItemCaseSensitive(in, "uid");
	label = cJSON_GetObjectItemCaseSensitive(in, "label");
	if (!cJSON_IsString(uid)) {
		cJSON_Delete(in);
		reply_error(r, 400, "want \"uid\": the badge UID in hex");
		return;
	}
	req = cmd("badge_add");
	cJSON_AddNumberToObject(req, "member", (double)m.id);
	cJSON_AddStringToObject(req, "uid", uid->valuestring);
	if (cJSON_IsString(label))
		cJSON_AddStringToObject(req, "label", label->valuestring);
	explicit_bzero(uid->valuestring, strlen(uid->valuestring));
	cJSON_Delete(in);
	if ((j = control_ok(q, r, req, 5000, 409)) == NULL)
		return;
	audit(q, "badge add %lld", (long long)m.id);
	reply_json(r, 201, j);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the console asks of seuild: every change (seuil-web's own store
 * connection is read-only) and the daemon's live state.  Each call is a
 * typed control request (core/control.h) carrying the console user as its
 * actor; seuild writes the change and its audit event in one transaction.
 * Requests are made without w->lock held: an enrolment waits for a tap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"
#include "manage.h"
#include "render_json.h"
#include "spaceapi.h"
#include "web_api.h"

cJSON *
api_body(struct req *q, struct reply *r)
{
	cJSON *j;

	if (manage_json_has_nul(q->body, q->len)) {
		reply_error_code(r, 400, "invalid", NULL, "the body holds a NUL character");
		return NULL;
	}
	j = cJSON_ParseWithLength(q->body, q->len);
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		reply_error(r, 400, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

int64_t
api_path_id(const char *segment, const char *what, struct reply *r)
{
	char *end;
	long long id;

	errno = 0;
	id = strtoll(segment, &end, 10);
	if (end == segment || *end != '\0' || id <= 0 || errno != 0) {
		reply_error(r, 400, "a %s id", what);
		return 0;
	}
	return id;
}

/* The HTTP status of a reply's code; the body names the code itself. */
static unsigned
http_of(enum control_code code)
{
	switch (code) {
	case CONTROL_OK:
		return 200;
	case CONTROL_NOT_FOUND:
		return 404;
	case CONTROL_EXISTS:
	case CONTROL_REPLICA:
		return 409;
	case CONTROL_INVALID:
		return 400;
	case CONTROL_PERMISSION:
		return 403;
	case CONTROL_BUSY:
	case CONTROL_UNAVAILABLE:
		return 503;
	case CONTROL_TIMEOUT:
		return 504;
	case CONTROL_DATABASE:
		return 500;
	case CONTROL_PROTOCOL:
	default:
		return 502;
	}
}

cJSON *
api_call(struct req *q, struct reply *r, struct control_req *req, int timeout_ms)
{
	struct control_reply rep;
	cJSON *j;

	req->actor = q->actor;
	control_call(q->w->conf.control_socket, req, timeout_ms, &rep);
	if (rep.code == CONTROL_OK) {
		j = rep.json;
		cJSON_DeleteItemFromObjectCaseSensitive(j, "ok");
		return j;
	}
	if (rep.code == CONTROL_UNAVAILABLE)
		reply_error_code(r, 503, "seuild_down", NULL, "seuild is not running");
	else
		reply_error_code(r, http_of(rep.code), control_code_name(rep.code), NULL, "%s",
		    rep.error);
	control_reply_free(&rep);
	return NULL;
}

void
api_status(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *j;

	(void)p;
	control_req_init(&req, CONTROL_STATUS);
	if ((j = api_call(q, r, &req, 3000)) != NULL)
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

/* The member of a body's "member" (an id or an exact name), read on the
 * console's own connection; 0 with r filled. */
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
	struct control_req req;
	struct member_row m;
	cJSON *in = member_body(q, r, &m), *j;

	(void)p;
	if (in == NULL)
		return;
	cJSON_Delete(in);
	control_req_init(&req, CONTROL_CHECKOUT);
	req.member = m.id;
	if ((j = api_call(q, r, &req, 5000)) != NULL)
		reply_json(r, 200, j);
}

void
api_door_unlock(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r), *j;
	const cJSON *d, *s;

	(void)p;
	if (in == NULL)
		return;
	control_req_init(&req, CONTROL_DOOR_UNLOCK);
	d = cJSON_GetObjectItemCaseSensitive(in, "door");
	s = cJSON_GetObjectItemCaseSensitive(in, "seconds");
	if (cJSON_IsString(d))
		req.door = d->valuestring;
	if (s != NULL) {
		if (!cJSON_IsNumber(s) || !(s->valuedouble >= 1 && s->valuedouble <= 60) ||
		    s->valuedouble != (double)(int)s->valuedouble) {
			cJSON_Delete(in);
			reply_error_code(r, 400, "invalid", NULL, "seconds must be between 1 "
			    "and 60");
			return;
		}
		req.seconds = (int)s->valuedouble;
	}
	j = api_call(q, r, &req, 5000);
	cJSON_Delete(in);
	if (j != NULL)
		reply_json(r, 200, j);
}

/* {"door"}: locked now; office hours end until the next first-in tap. */
void
api_door_lock(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r), *j;
	const cJSON *d;

	(void)p;
	if (in == NULL)
		return;
	control_req_init(&req, CONTROL_DOOR_LOCK);
	d = cJSON_GetObjectItemCaseSensitive(in, "door");
	if (cJSON_IsString(d))
		req.door = d->valuestring;
	j = api_call(q, r, &req, 5000);
	cJSON_Delete(in);
	if (j != NULL)
		reply_json(r, 200, j);
}

static int
count_active(const struct badge_row *b, void *arg)
{
	*(int *)arg += b->active;
	return 0;
}

/* 1 if m has an active badge, 0 if not, -1 if the store cannot tell
 * (which refuses too). */
static int
has_active_badge(struct req *q, const struct member_row *m)
{
	int n = 0, rc;

	pthread_mutex_lock(&q->w->lock);
	rc = store_badges_list(q->w->st, m->id, count_active, &n);
	pthread_mutex_unlock(&q->w->lock);
	return rc == -1 ? -1 : n > 0;
}

void
api_enrol(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct member_row m;
	cJSON *in = member_body(q, r, &m), *j;
	const cJSON *rd, *to, *sec;
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
	sec = cJSON_GetObjectItemCaseSensitive(in, "secure");
	if (sec != NULL && !cJSON_IsBool(sec)) {
		cJSON_Delete(in);
		reply_error(r, 400, "\"secure\" is true or false");
		return;
	}
	/* As seuild's operate role: a desk account gives a first badge only;
	 * another one, which could be the desk's own card, is an admin's.  A
	 * secure enrolment may also upgrade the member's own UID badge on the
	 * card tapped, which only seuild sees: it applies the same rule at the
	 * tap (desk, below). */
	if (q->role != WEBUSER_ADMIN && !cJSON_IsTrue(sec) && has_active_badge(q, &m) != 0) {
		cJSON_Delete(in);
		reply_error_code(r, 403, "admin_only", NULL, "member %lld has an active badge "
		    "already: another one needs an admin account", (long long)m.id);
		return;
	}
	rd = cJSON_GetObjectItemCaseSensitive(in, "reader");
	to = cJSON_GetObjectItemCaseSensitive(in, "timeout");
	if (cJSON_IsNumber(to) && to->valuedouble >= 1 && to->valuedouble <= 120)
		timeout = (int)to->valuedouble;
	control_req_init(&req, CONTROL_ENROL);
	req.member = m.id;
	req.timeout = timeout;
	req.secure = cJSON_IsTrue(sec);
	/* seuil-web is in admin_group: seuild is told whose the request is. */
	req.desk = q->role != WEBUSER_ADMIN;
	if (cJSON_IsString(rd) && rd->valuestring[0] != '\0')
		req.reader = rd->valuestring;
	/* Later than seuild's deadline, by two card exchanges for a DESFire
	 * card (daemon/exchange.h), or, on a site's replica, by the primary's
	 * answer (up to 10 s after the tap, daemon/site_enrol.c). */
	j = api_call(q, r, &req, (timeout + (req.secure ? 25 : 15)) * 1000);
	cJSON_Delete(in);
	if (j == NULL)
		return;
	cJSON_AddNumberToObject(j, "member_id", (double)m.id);
	cJSON_AddStringToObject(j, "member", m.name);
	reply_json(r, 201, j);
}

/* A typed UID: seuild computes the MAC (seuil-web never reads the key). */
void
api_badge_add(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct member_row m;
	cJSON *in = member_body(q, r, &m), *j;
	const cJSON *uid, *label;

	(void)p;
	if (in == NULL)
		return;
	uid = cJSON_GetObjectItemCaseSensitive(in, "uid");
	label = cJSON_GetObjectItemCaseSensitive(in, "label");
	if (!cJSON_IsString(uid) || (label != NULL && !cJSON_IsString(label))) {
		cJSON_Delete(in);
		reply_error(r, 400, "want \"uid\": the badge UID in hex, and \"label\" as text");
		return;
	}
	control_req_init(&req, CONTROL_BADGE_ADD);
	req.member = m.id;
	req.uid = uid->valuestring;
	req.label = cJSON_IsString(label) ? label->valuestring : NULL;
	j = api_call(q, r, &req, 5000);
	explicit_bzero(uid->valuestring, strlen(uid->valuestring));
	cJSON_Delete(in);
	if (j != NULL)
		reply_json(r, 201, j);
}

static int
count_visit(const struct visit_row *v, void *arg)
{
	(void)v;
	(*(int *)arg)++;
	return 0;
}

/*
 * /spaceapi.json, for the LAN (docs/web.md): the document seuild
 * publishes, built by the same function from the store's open visits and,
 * for open_from = office_hours, seuild's doors.  Anyone may read it, from
 * any page (Access-Control-Allow-Origin: *): it holds nothing the space
 * does not publish.  When seuild does not answer for office hours, or the
 * store for presence, state.open is left out (the schema's "not known").
 */
void
web_spaceapi(struct web *w, struct reply *r)
{
	struct spaceapi_state st = { .known = true };
	struct control_req req;
	struct control_reply rep;
	const cJSON *doors, *d;
	char *doc;
	int rc;

	pthread_mutex_lock(&w->lock);
	rc = store_visits_open(w->st, count_visit, &st.count);
	pthread_mutex_unlock(&w->lock);
	if (rc == -1) {
		st.known = false;
		st.count = 0;
	}
	if (w->conf.spaceapi_open_from == SPACEAPI_OPEN_OFFICE_HOURS) {
		control_req_init(&req, CONTROL_STATUS);
		if (control_call(w->conf.control_socket, &req, 2000, &rep) == 0 &&
		    rep.code == CONTROL_OK) {
			doors = cJSON_GetObjectItemCaseSensitive(rep.json, "doors");
			cJSON_ArrayForEach(d, doors)
				st.office |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d,
				    "office_hours"));
		} else
			st.known = false;
		control_reply_free(&rep);
	}
	if ((doc = spaceapi_json(&w->conf, &st)) == NULL) {
		reply_error(r, 500, "out of memory");
		return;
	}
	reply_text(r, 200, "application/json", doc, strlen(doc));
	reply_header(r, "Access-Control-Allow-Origin", "*");
	reply_header(r, "Cache-Control", "no-cache");
}

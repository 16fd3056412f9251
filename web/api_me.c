/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A member's own page (docs/web.md, "A member's own page"): what the space
 * holds about them and what they choose.  Every call is the session's
 * member's (q->member_id, never an id from the request: api.c's routes
 * give a member's session these and nothing else); every change is a
 * request to seuild with actor "member:ID", written with its audit event.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "guest.h"
#include "render_json.h"
#include "report.h"
#include "web_api.h"

#define LOCK(q)		pthread_mutex_lock(&(q)->w->lock)
#define UNLOCK(q)	pthread_mutex_unlock(&(q)->w->lock)

/* The session's member, read under the lock: 1, or 0 with r filled. */
static int
me(struct req *q, struct reply *r, struct member_row *m)
{
	int rc = store_member_get(q->w->st, q->member_id, m);

	if (rc != 1)
		reply_error_code(r, rc == 0 ? 404 : 500, rc == 0 ? "not_found" : "database", NULL,
		    "%s", rc == 0 ? "no such member" : store_errmsg(q->w->st));
	return rc == 1;
}

/* Reply j, or a database error. */
static void
reply_or_db(struct req *q, struct reply *r, cJSON *j)
{
	if (j == NULL)
		reply_error_code(r, 500, "database", NULL, "database: %s", store_errmsg(q->w->st));
	else
		reply_json(r, 200, j);
}

/* The member row, their groups, and how the lobby names them. */
void
api_me_profile(struct req *q, struct reply *r, char **p)
{
	struct member_row m;
	cJSON *j, *l;

	(void)p;
	LOCK(q);
	if (me(q, r, &m) && (j = render_member(q->w->st, &m)) != NULL) {
		l = cJSON_AddObjectToObject(j, "lobby");
		cJSON_AddBoolToObject(l, "named", m.public);
		render_json_text(l, "as", m.public ? (m.display_name[0] ? m.display_name :
		    m.name) : NULL);
		cJSON_AddBoolToObject(l, "chosen", m.lobby_chosen_ms != 0);
		reply_json(r, 200, j);
	} else if (r->body == NULL)
		reply_or_db(q, r, NULL);
	UNLOCK(q);
}

/* {"public": bool, "display_name": text}: theirs from now on; an import or
 * an admin's edit leaves it. */
void
api_me_lobby(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r), *j;
	const cJSON *pub, *dn;

	(void)p;
	if (in == NULL)
		return;
	pub = cJSON_GetObjectItemCaseSensitive(in, "public");
	dn = cJSON_GetObjectItemCaseSensitive(in, "display_name");
	if (!cJSON_IsBool(pub) || (dn != NULL && !cJSON_IsString(dn) && !cJSON_IsNull(dn))) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"public\":true|false} and maybe \"display_name\"");
		return;
	}
	control_req_init(&req, CONTROL_MEMBER_LOBBY);
	req.member = q->member_id;
	req.change.public = cJSON_IsTrue(pub);
	req.change.display = cJSON_IsString(dn) ? dn->valuestring : cJSON_IsNull(dn) ? "" : NULL;
	j = api_call(q, r, &req, 0);
	cJSON_Delete(in);
	if (j == NULL)
		return;
	cJSON_Delete(j);
	api_me_profile(q, r, p);
}

/*
 * {"password": …}: the member's own password, hashed here (the hash goes
 * to seuild, the password nowhere).  The session that sets it goes on;
 * the member's other sessions end (the hash changed).
 */
void
api_me_password(struct req *q, struct reply *r, char **p)
{
	char hash[WEBUSER_HASH_MAX], err[256];
	struct control_req req;
	cJSON *in = api_body(q, r), *j;
	const cJSON *pw;
	const char *weak = NULL;
	int rc;

	(void)p;
	if (in == NULL)
		return;
	pw = cJSON_GetObjectItemCaseSensitive(in, "password");
	if (!cJSON_IsString(pw) || (weak = webuser_weak(pw->valuestring)) != NULL) {
		reply_error_code(r, 400, "invalid", NULL, "%s", cJSON_IsString(pw) ? weak :
		    "want {\"password\":\"…\"}");
		if (cJSON_IsString(pw))
			explicit_bzero(pw->valuestring, strlen(pw->valuestring));
		cJSON_Delete(in);
		return;
	}
	while (sem_wait(&q->w->hashing) == -1)
		;
	rc = webuser_hash(pw->valuestring, hash, err, sizeof(err));
	sem_post(&q->w->hashing);
	explicit_bzero(pw->valuestring, strlen(pw->valuestring));
	cJSON_Delete(in);
	if (rc == -1) {
		reply_error(r, 500, "%s", err);
		return;
	}
	control_req_init(&req, CONTROL_MEMBER_PASSWORD);
	req.member = q->member_id;
	req.hash = hash;
	if ((j = api_call(q, r, &req, 0)) == NULL) {
		explicit_bzero(hash, sizeof(hash));
		return;
	}
	cJSON_Delete(j);
	LOCK(q);
	session_rehash(q->w, q->token, hash);
	UNLOCK(q);
	explicit_bzero(hash, sizeof(hash));
	reply_json(r, 200, cJSON_CreateObject());
}

static int
visit_cb(const struct visit_row *v, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	render_json_time(j, "arrived", v->arrived_ms);
	render_json_time(j, "left", v->left_ms);
	render_json_text(j, "door", v->door);
	render_json_text(j, "left_reason", v->left_reason);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

/* Their visits, and the figures this month's attendance report computes
 * about them (days, visits, hours). */
void
api_me_visits(struct req *q, struct reply *r, char **p)
{
	char from[11], to[11], *buf = NULL;
	int64_t now = clock_wall_ms();
	struct report *rep;
	size_t len = 0;
	cJSON *j, *a, *fig;
	FILE *f;
	int rc;

	(void)p;
	report_default_range(now, from, to);
	if ((rep = report_new(from, to, REPORT_BY_MONTH, now)) == NULL) {
		reply_error(r, 500, "report: out of memory");
		return;
	}
	report_filter_member(rep, q->member_id);
	j = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(j, "visits");
	LOCK(q);
	rc = store_visits_between(q->w->st, 0, 0, q->member_id, visit_cb, a) == -1 ||
	    report_load(rep, q->w->st) == -1 ? -1 : 0;
	UNLOCK(q);
	if (rc == 0 && (f = open_memstream(&buf, &len)) != NULL) {
		rc = report_write_json(rep, f);
		fclose(f);
	} else
		rc = -1;
	report_free(rep);
	if (rc == -1 || (fig = cJSON_ParseWithLength(buf, len)) == NULL) {
		free(buf);
		cJSON_Delete(j);
		reply_error(r, 500, "report: cannot compute");
		return;
	}
	free(buf);
	cJSON_AddItemToObject(j, "figures", fig);
	reply_json(r, 200, j);
}

void
api_me_badges(struct req *q, struct reply *r, char **p)
{
	(void)p;
	LOCK(q);
	reply_or_db(q, r, render_badges(q->w->st, q->member_id));
	UNLOCK(q);
}

/* A badge of theirs is lost: revoked at once (badge_revoked at the next
 * tap).  Another member's badge is no business of theirs: 404. */
void
api_me_badge_lost(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct badge_row b;
	struct member_row m;
	int64_t id;
	cJSON *j;
	int rc;

	if ((id = api_path_id(p[0], "badge", r)) == 0)
		return;
	LOCK(q);
	rc = store_badge_get(q->w->st, id, &b);
	UNLOCK(q);
	if (rc != 1 || b.member_id != q->member_id) {
		reply_error_code(r, rc == -1 ? 500 : 404, rc == -1 ? "database" : "not_found", NULL,
		    "%s", rc == -1 ? "database error" : "no such badge of yours");
		return;
	}
	control_req_init(&req, CONTROL_BADGE_REVOKE);
	req.badge = id;
	if ((j = api_call(q, r, &req, 0)) == NULL)
		return;
	cJSON_Delete(j);
	LOCK(q);
	if (store_badge_get(q->w->st, id, &b) == 1 && me(q, r, &m))
		reply_or_db(q, r, render_badge(&b, &m));
	else if (r->body == NULL)
		reply_or_db(q, r, NULL);
	UNLOCK(q);
}

void
api_me_export(struct req *q, struct reply *r, char **p)
{
	struct member_row m;

	(void)p;
	LOCK(q);
	if (me(q, r, &m)) {
		reply_or_db(q, r, render_member_export(q->w->st, &q->w->conf, &m, clock_wall_ms()));
		reply_header(r, "Content-Disposition", "attachment; filename=\"my-data.json\"");
	}
	UNLOCK(q);
}

void
api_me_guests(struct req *q, struct reply *r, char **p)
{
	(void)p;
	LOCK(q);
	reply_or_db(q, r, guest_list_json(q->w->st, q->member_id, false));
	UNLOCK(q);
}

/* {"name", "until"}: a pass they vouch for; the desk lends the badge. */
void
api_me_guest_add(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r), *j;
	const cJSON *n, *u;
	int64_t id;

	(void)p;
	if (in == NULL)
		return;
	n = cJSON_GetObjectItemCaseSensitive(in, "name");
	u = cJSON_GetObjectItemCaseSensitive(in, "until");
	if (!cJSON_IsString(n) || (u != NULL && !cJSON_IsString(u))) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"name\":\"…\"} and maybe \"until\" (YYYY-MM-DDTHH:MM)");
		return;
	}
	control_req_init(&req, CONTROL_GUEST_ADD);
	req.change.name = n->valuestring;
	req.member = q->member_id;
	req.until = cJSON_IsString(u) ? u->valuestring : NULL;
	j = api_call(q, r, &req, 0);
	cJSON_Delete(in);
	if (j == NULL)
		return;
	id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "id"));
	cJSON_Delete(j);
	api_guest_reply(q, r, id, 201);
}

/* A pass they vouch for ends now; someone else's is not theirs: 404. */
void
api_me_guest_end(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct guest_row g;
	int64_t id;
	cJSON *j;
	int rc;

	if ((id = api_path_id(p[0], "guest", r)) == 0)
		return;
	LOCK(q);
	rc = store_guest_get(q->w->st, id, &g);
	UNLOCK(q);
	if (rc != 1 || g.sponsor_id != q->member_id) {
		reply_error_code(r, rc == -1 ? 500 : 404, rc == -1 ? "database" : "not_found", NULL,
		    "%s", rc == -1 ? "database error" : "no such guest of yours");
		return;
	}
	control_req_init(&req, CONTROL_GUEST_END);
	req.guest = id;
	if ((j = api_call(q, r, &req, 0)) == NULL)
		return;
	cJSON_Delete(j);
	api_guest_reply(q, r, id, 200);
}

static int
login_cb(const struct event_row *e, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	render_json_time(j, "ts", e->ts_ms);
	cJSON_AddBoolToObject(j, "ok", strcmp(e->type, "console_login") == 0);
	render_json_text(j, "from", e->detail);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

/* Every sign-in to their account, and every failed one, newest last. */
void
api_me_logins(struct req *q, struct reply *r, char **p)
{
	struct event_filter f = { .member_id = q->member_id, .limit = 200 };
	cJSON *a = cJSON_CreateArray();
	int rc;

	(void)p;
	LOCK(q);
	f.type = "console_login";
	rc = store_events_query(q->w->st, &f, login_cb, a);
	f.type = "console_login_failed";
	if (rc != -1)
		rc = store_events_query(q->w->st, &f, login_cb, a);
	if (rc == -1) {
		cJSON_Delete(a);
		a = NULL;
	}
	reply_or_db(q, r, a);
	UNLOCK(q);
}

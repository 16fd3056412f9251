/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The JSON API of docs/design.md ("Console API"): routing, authentication, CSRF, roles, and
 * the login, logout and session calls.  The manager's operations are in
 * api_*.c, each a thin layer over core/ (the same functions as seuilctl,
 * so the payloads are those of `seuilctl --json`).
 *
 * Order of the checks, for every call but login: a session (401), then the
 * CSRF token on a state change (403), then the route (404, 405) and its
 * role (403).  A refusal says which, never more.  They are made as soon
 * as the headers are in (api_authorize), before a byte of the body is
 * read, and the session once more when the body is (api_handle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "log.h"
#include "manage.h"
#include "web.h"
#include "web_api.h"

/*
 * A login's event (console_login, console_login_failed), which seuild
 * writes: seuil-web's store connection is read-only.  Failed logins reach
 * here only within the login throttle, and seuild caps console events
 * besides, so the LAN cannot make it write without bound.  A login is not
 * refused for its event: a failure to record it is logged.
 */
static void
login_event(struct req *q, const char *type, const char *actor, int64_t member_id)
{
	struct control_req req;
	struct control_reply rep;

	control_req_init(&req, CONTROL_CONSOLE_EVENT);
	req.type = type;
	req.actor = actor;
	req.detail = q->addr;
	req.member = member_id;	/* a member's: listed on their own page */
	if (control_call(q->w->conf.control_socket, &req, 3000, &rep) == -1 ||
	    rep.code != CONTROL_OK)
		log_warnx("%s of %s not recorded: %s", type, actor, rep.error);
	control_reply_free(&rep);
}

/* ---- login, logout, me ---- */

/* The session's cookie and the login's answer. */
static void
login_reply(struct req *q, struct reply *r, struct session *s)
{
	char cookie[256];
	cJSON *j;

	snprintf(cookie, sizeof(cookie), "seuil_session=%s; Path=/; HttpOnly; SameSite=Strict%s",
	    s->token, q->w->tls ? "; Secure" : "");
	reply_header(r, "Set-Cookie", cookie);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "csrf", s->csrf);
	cJSON_AddStringToObject(j, "user", s->user);
	cJSON_AddStringToObject(j, "role", webuser_role_name(s->role));
	if (s->role == WEBUSER_MEMBER) {
		cJSON_AddNumberToObject(j, "member_id", (double)s->member_id);
		cJSON_AddBoolToObject(j, "must_set_password", s->pending);
	}
	explicit_bzero(s, sizeof(*s));
	reply_json(r, 200, j);
}

/*
 * A member's first sign-in, with an invite code ({"user","code"}): the
 * name is the member's, the code is spent by seuild (single use, in time,
 * theirs), and the session may only set a password until it has one.
 * Throttled and logged like a password.
 */
static void
login_code(struct req *q, struct reply *r, cJSON *in, const char *name, char *code)
{
	char user[WEBUSER_NAME_MAX + 1], actor[WEBUSER_NAME_MAX + 8], err[256];
	char hash[WEBUSER_HASH_MAX];
	struct control_req req;
	struct control_reply rep;
	struct member_row m;
	struct webuser u = { .role = WEBUSER_MEMBER };
	struct session s;
	int64_t began;
	int found, wait, ok = 0;

	snprintf(user, sizeof(user), "%s", webuser_valid_name(name) ? name : "-");
	snprintf(actor, sizeof(actor), "web:%s", user);
	pthread_mutex_lock(&q->w->lock);
	found = strcmp(user, "-") == 0 || manage_all_digits(user) ? 0 :
	    store_member_find(q->w->st, user, &m);
	if (found == 1 && (!m.active || m.erased))
		found = 0;
	began = clock_mono_ms();
	wait = found == -1 ? 0 : throttle_begin(q->w->throttle, found == 1 ? user : NULL, user,
	    q->group, began);
	pthread_mutex_unlock(&q->w->lock);
	if (wait > 0) {
		char ra[16];

		explicit_bzero(code, strlen(code));
		cJSON_Delete(in);
		snprintf(ra, sizeof(ra), "%d", wait);
		reply_error_code(r, 429, "too_many_logins", error_arg("retry_after", wait),
		    "too many failed logins: try again in %d s", wait);
		reply_header(r, "Retry-After", ra);
		return;
	}
	if (found == 1) {
		snprintf(actor, sizeof(actor), "member:%lld", (long long)m.id);
		control_req_init(&req, CONTROL_MEMBER_CODE);
		req.member = m.id;
		req.code = code;
		req.actor = actor;
		control_call(q->w->conf.control_socket, &req, 5000, &rep);
		ok = rep.code == CONTROL_OK ? 1 : rep.code == CONTROL_NOT_FOUND ||
		    rep.code == CONTROL_INVALID ? 0 : -1;
		if (ok == -1)
			log_warnx("login by code: %s", rep.error);
		control_reply_free(&rep);
	}
	explicit_bzero(code, strlen(code));
	cJSON_Delete(in);
	pthread_mutex_lock(&q->w->lock);
	if (ok == 1 && webuser_member_hash(q->w->st, m.id, hash, err, sizeof(err)) != 1)
		ok = -1;
	if (ok != 1) {
		pthread_mutex_unlock(&q->w->lock);
		login_event(q, "console_login_failed", actor, found == 1 ? m.id : 0);
		log_info("login by code failed for %s from %s", user, q->addr);
		if (ok == -1)
			reply_error_code(r, 503, "seuild_down", NULL, "cannot check the code now");
		else
			reply_error_code(r, 401, "bad_login", NULL, "wrong name or code (a code "
			    "is good once, for 15 minutes)");
		return;
	}
	throttle_success(q->w->throttle, user, q->group, began);
	snprintf(u.name, sizeof(u.name), "%s", user);
	u.member_id = m.id;
	ok = session_new(q->w, &u, hash, &s);
	explicit_bzero(hash, sizeof(hash));
	pthread_mutex_unlock(&q->w->lock);
	if (ok == -1) {
		reply_error(r, 500, "no random bytes for a session");
		return;
	}
	login_event(q, "console_login", actor, m.id);
	log_info("login by code: %s (member %lld) from %s", user, (long long)m.id, q->addr);
	login_reply(q, r, &s);
}

static void
api_login(struct req *q, struct reply *r)
{
	cJSON *in = manage_json_has_nul(q->body, q->len) ? NULL :
	    cJSON_ParseWithLength(q->body, q->len);
	const cJSON *ju = cJSON_GetObjectItemCaseSensitive(in, "user");
	const cJSON *jp = cJSON_GetObjectItemCaseSensitive(in, "password");
	const cJSON *jc = cJSON_GetObjectItemCaseSensitive(in, "code");
	char user[WEBUSER_NAME_MAX + 1], actor[WEBUSER_NAME_MAX + 8], err[256];
	char hash[WEBUSER_HASH_MAX];
	struct webuser u;
	struct session s;
	int64_t began;
	int wait, ok, found;

	if (cJSON_IsString(ju) && cJSON_IsString(jc) && jp == NULL) {
		login_code(q, r, in, ju->valuestring, jc->valuestring);
		return;
	}
	if (!cJSON_IsString(ju) || !cJSON_IsString(jp)) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"user\":\"…\",\"password\":\"…\"} or "
		    "{\"user\":\"…\",\"code\":\"…\"}");
		return;
	}
	/* A name that cannot be an account is still throttled and logged,
	 * under a fixed stand-in: the log must not keep what was typed. */
	snprintf(user, sizeof(user), "%s", webuser_valid_name(ju->valuestring) ?
	    ju->valuestring : "-");
	snprintf(actor, sizeof(actor), "web:%s", user);

	/* The account is read first, under the lock (the store's one
	 * connection): the throttle counts real accounts apart from names
	 * anyone can make up.  The hash, slow on purpose, is checked outside
	 * the lock; the attempt counts as a failure from its start, so that
	 * concurrent ones cannot all pass. */
	pthread_mutex_lock(&q->w->lock);
	found = strcmp(user, "-") == 0 ? 0 :
	    webuser_lookup_any(q->w->st, user, &u, hash, err, sizeof(err));
	began = clock_mono_ms();
	wait = found == -1 ? 0 : throttle_begin(q->w->throttle, found == 1 ? user : NULL, user,
	    q->group, began);
	pthread_mutex_unlock(&q->w->lock);
	if (wait > 0) {
		char ra[16];

		explicit_bzero(jp->valuestring, strlen(jp->valuestring));
		explicit_bzero(hash, sizeof(hash));
		cJSON_Delete(in);
		snprintf(ra, sizeof(ra), "%d", wait);
		reply_error_code(r, 429, "too_many_logins", error_arg("retry_after", wait),
		    "too many failed logins: try again in %d s", wait);
		reply_header(r, "Retry-After", ra);
		return;
	}
	/* yescrypt takes 16 MiB and tens of milliseconds a check: a few at
	 * a time, so that concurrent logins queue rather than take the Pi's
	 * memory (32 at once once took 250 MB). */
	while (sem_wait(&q->w->hashing) == -1)
		;
	ok = found == -1 ? -1 : webuser_password_ok(found == 1, jp->valuestring, hash) ? 1 : 0;
	sem_post(&q->w->hashing);
	explicit_bzero(jp->valuestring, strlen(jp->valuestring));
	cJSON_Delete(in);

	pthread_mutex_lock(&q->w->lock);
	if (ok != 1) {
		explicit_bzero(hash, sizeof(hash));
		if (ok == -1)
			log_warnx("login: %s", err);
		pthread_mutex_unlock(&q->w->lock);
		login_event(q, "console_login_failed", actor, found == 1 ? u.member_id : 0);
		log_info("login failed for %s from %s", user, q->addr);
		if (ok == -1)
			reply_error_code(r, 500, "database", NULL, "database error");
		else
			reply_error_code(r, 401, "bad_login", NULL, "wrong user name or password");
		return;
	}
	throttle_success(q->w->throttle, user, q->group, began);
	ok = session_new(q->w, &u, hash, &s);
	explicit_bzero(hash, sizeof(hash));
	if (ok == -1) {
		pthread_mutex_unlock(&q->w->lock);
		reply_error(r, 500, "no random bytes for a session");
		return;
	}
	pthread_mutex_unlock(&q->w->lock);
	if (u.role == WEBUSER_MEMBER)
		snprintf(actor, sizeof(actor), "member:%lld", (long long)u.member_id);
	login_event(q, "console_login", actor, u.member_id);
	log_info("login: %s (%s) from %s", u.name, webuser_role_name(u.role), q->addr);
	login_reply(q, r, &s);
}

static void
api_logout(struct req *q, struct reply *r)
{
	const char *tok = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "seuil_session");

	const char *csrf = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	struct session *s;

	pthread_mutex_lock(&q->w->lock);
	if (session_find(q->w, tok, &s) == 1 && !token_eq(csrf, s->csrf)) {
		pthread_mutex_unlock(&q->w->lock);
		reply_error_code(r, 403, "csrf", NULL, "missing or wrong X-CSRF-Token");
		return;
	}
	if (s != NULL)
		memset(s, 0, sizeof(*s));
	pthread_mutex_unlock(&q->w->lock);
	reply_header(r, "Set-Cookie", "seuil_session=; Path=/; HttpOnly; SameSite=Strict; "
	    "Max-Age=0");
	reply_json(r, 200, cJSON_CreateObject());
}

/* The session's user, role and CSRF token: a reloaded page asks again. */
static void
api_me(struct req *q, struct reply *r)
{
	const char *tok = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "seuil_session");
	struct session *s;
	cJSON *j = cJSON_CreateObject();

	pthread_mutex_lock(&q->w->lock);
	if (session_find(q->w, tok, &s) == 1) {
		cJSON_AddStringToObject(j, "user", s->user);
		cJSON_AddStringToObject(j, "role", webuser_role_name(s->role));
		cJSON_AddStringToObject(j, "csrf", s->csrf);
		if (s->role == WEBUSER_MEMBER) {
			cJSON_AddNumberToObject(j, "member_id", (double)s->member_id);
			cJSON_AddBoolToObject(j, "must_set_password", s->pending);
		}
	}
	pthread_mutex_unlock(&q->w->lock);
	reply_json(r, 200, j);
}

/* ---- routing ---- */

/* A route's role.  member: a member's own page, and nothing else of the
 * console for a member's session; the staff's accounts never reach it. */
enum need { NEED_NONE, NEED_DESK, NEED_ADMIN, NEED_MEMBER };

static const struct route {
	const char	*method;
	const char	*pattern;	/* '*' matches one path segment */
	enum need	 need;
	void		(*fn)(struct req *, struct reply *, char **);
} routes[] = {
	{ "GET",   "/status",			NEED_DESK,  api_status },
	{ "GET",   "/who",			NEED_DESK,  api_who },
	{ "GET",   "/readers",			NEED_DESK,  api_readers },
	{ "GET",   "/problems",			NEED_DESK,  api_problems },
	{ "POST",  "/checkout",			NEED_DESK,  api_checkout },
	{ "POST",  "/door/unlock",		NEED_DESK,  api_door_unlock },
	{ "POST",  "/door/lock",		NEED_DESK,  api_door_lock },
	{ "POST",  "/enrol",			NEED_DESK,  api_enrol },
	{ "GET",   "/members",			NEED_DESK,  api_members },
	{ "POST",  "/members",			NEED_ADMIN, api_member_add },
	{ "GET",   "/members/*",		NEED_DESK,  api_member_show },
	{ "PATCH", "/members/*",		NEED_ADMIN, api_member_edit },
	{ "POST",  "/members/*/disable",	NEED_ADMIN, api_member_disable },
	{ "POST",  "/members/*/enable",		NEED_ADMIN, api_member_enable },
	{ "GET",   "/members/*/export",		NEED_ADMIN, api_member_export },
	{ "POST",  "/members/*/erase",		NEED_ADMIN, api_member_erase },
	{ "GET",   "/badges",			NEED_ADMIN, api_badges },
	{ "POST",  "/badges",			NEED_ADMIN, api_badge_add },
	{ "POST",  "/badges/*/revoke",		NEED_ADMIN, api_badge_revoke },
	{ "GET",   "/groups",			NEED_ADMIN, api_groups },
	{ "POST",  "/groups",			NEED_ADMIN, api_group_add },
	{ "PUT",   "/groups/*/schedule",	NEED_ADMIN, api_schedule_set },
	{ "GET",   "/explain",			NEED_ADMIN, api_explain },
	{ "GET",   "/log",			NEED_ADMIN, api_log },
	{ "GET",   "/report/attendance",	NEED_ADMIN, api_report },
	{ "GET",   "/report/presence-hours",	NEED_ADMIN, api_insight },
	{ "GET",   "/report/members",		NEED_ADMIN, api_insight },
	{ "GET",   "/report/drifting",		NEED_ADMIN, api_insight },
	{ "GET",   "/report/retention",		NEED_ADMIN, api_insight },
	{ "POST",  "/import",			NEED_ADMIN, api_import },
	/* Guests (api_guest.c): the desk lends and ends, an admin erases. */
	{ "GET",   "/guests",			NEED_DESK,  api_guests },
	{ "POST",  "/guests",			NEED_DESK,  api_guest_add },
	{ "POST",  "/guests/*/lend",		NEED_DESK,  api_guest_lend },
	{ "POST",  "/guests/*/end",		NEED_DESK,  api_guest_end },
	{ "GET",   "/guests/*/export",		NEED_ADMIN, api_guest_export },
	{ "POST",  "/guests/*/erase",		NEED_ADMIN, api_guest_erase },
	/* A member's own page (api_me.c): theirs only. */
	{ "GET",   "/me/profile",		NEED_MEMBER, api_me_profile },
	{ "PUT",   "/me/lobby",			NEED_MEMBER, api_me_lobby },
	{ "POST",  "/me/password",		NEED_MEMBER, api_me_password },
	{ "GET",   "/me/visits",		NEED_MEMBER, api_me_visits },
	{ "GET",   "/me/badges",		NEED_MEMBER, api_me_badges },
	{ "POST",  "/me/badges/*/lost",		NEED_MEMBER, api_me_badge_lost },
	{ "GET",   "/me/export",		NEED_MEMBER, api_me_export },
	{ "GET",   "/me/guests",		NEED_MEMBER, api_me_guests },
	{ "POST",  "/me/guests",		NEED_MEMBER, api_me_guest_add },
	{ "POST",  "/me/guests/*/end",		NEED_MEMBER, api_me_guest_end },
	{ "GET",   "/me/logins",		NEED_MEMBER, api_me_logins },
	{ "GET",   "/backups",			NEED_ADMIN, api_backups },
	{ "POST",  "/backups",			NEED_ADMIN, api_backup_make },
	{ "GET",   "/backups/*",		NEED_ADMIN, api_backup_get },
};

#define MAX_PARAMS	2

/* Match path against pattern; the '*' segments go to params (pointers
 * into buf, a copy of path). */
static bool
match(const char *pattern, const char *path, char *buf, size_t len, char **params)
{
	char pbuf[64], *ps, *qs, *p1, *p2;
	int n = 0;

	snprintf(pbuf, sizeof(pbuf), "%s", pattern);
	if (snprintf(buf, len, "%s", path) >= (int)len)
		return false;
	p1 = strtok_r(pbuf, "/", &ps);
	p2 = strtok_r(buf, "/", &qs);
	while (p1 != NULL && p2 != NULL) {
		if (strcmp(p1, "*") == 0) {
			if (n == MAX_PARAMS)
				return false;
			params[n++] = p2;
		} else if (strcmp(p1, p2) != 0)
			return false;
		p1 = strtok_r(NULL, "/", &ps);
		p2 = strtok_r(NULL, "/", &qs);
	}
	return p1 == NULL && p2 == NULL;
}

static bool
state_change(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

static bool
open_path(const char *path)
{
	return strcmp(path, "/login") == 0 || strcmp(path, "/logout") == 0 ||
	    strcmp(path, "/me") == 0;
}

/* The session of q's cookie, its user and role into q, and the CSRF token
 * of a state change: true, or false with the refusal in r.  Without a
 * session nothing else is said, not even whether the path exists. */
static bool
check_session(struct req *q, struct reply *r)
{
	const char *tok, *csrf;
	struct session *s;
	int rc;

	tok = MHD_lookup_connection_value(q->conn, MHD_COOKIE_KIND, "seuil_session");
	pthread_mutex_lock(&q->w->lock);
	if ((rc = session_find(q->w, tok, &s)) != 1) {
		pthread_mutex_unlock(&q->w->lock);
		if (rc == -1)
			reply_error_code(r, 500, "database", NULL, "database error");
		else
			reply_error_code(r, 401, "login_needed", NULL, "log in first");
		return false;
	}
	snprintf(q->user, sizeof(q->user), "%s", s->user);
	q->role = s->role;
	q->member_id = s->member_id;
	q->pending = s->pending;
	snprintf(q->token, sizeof(q->token), "%s", s->token);
	/* A member acts as themself, by id: an event outlives the name. */
	if (s->role == WEBUSER_MEMBER)
		snprintf(q->actor, sizeof(q->actor), "member:%lld", (long long)s->member_id);
	else
		snprintf(q->actor, sizeof(q->actor), "web:%s", s->user);
	csrf = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, "X-CSRF-Token");
	if (state_change(q->method) && !token_eq(csrf, s->csrf)) {
		pthread_mutex_unlock(&q->w->lock);
		reply_error_code(r, 403, "csrf", NULL, "missing or wrong X-CSRF-Token");
		return false;
	}
	pthread_mutex_unlock(&q->w->lock);
	return true;
}

/*
 * Whether q's session may take route rt: a member's session only its own
 * page (and, until it has a password, only setting one); the staff's
 * never a member's page; desk routes for desk and admin, admin routes for
 * admin.  false with the refusal in r.
 */
static bool
route_allowed(struct req *q, const struct route *rt, struct reply *r)
{
	if (rt->need == NEED_MEMBER && q->role != WEBUSER_MEMBER) {
		reply_error_code(r, 403, "members_only", NULL, "this is a member's own page");
		return false;
	}
	if (rt->need != NEED_MEMBER && q->role == WEBUSER_MEMBER) {
		reply_error_code(r, 403, "not_yours", NULL, "a member's account sees only their "
		    "own page");
		return false;
	}
	if (rt->need == NEED_ADMIN && q->role != WEBUSER_ADMIN) {
		reply_error_code(r, 403, "admin_only", NULL, "this needs an admin console account");
		return false;
	}
	if (q->pending && rt->fn != api_me_password) {
		reply_error_code(r, 403, "set_password_first", NULL, "set a password first");
		return false;
	}
	return true;
}

bool
api_authorize(struct req *q, struct reply *r)
{
	char buf[512], *params[MAX_PARAMS] = { NULL, NULL };
	const struct route *rt = NULL;
	bool path_known = false;
	size_t i;

	q->route = NULL;
	if (open_path(q->path)) {
		if (strcmp(q->path, "/me") == 0 ? strcmp(q->method, "GET") != 0 :
		    strcmp(q->method, "POST") != 0) {
			reply_error(r, 405, "method not allowed");
			return false;
		}
		return true;
	}
	if (!check_session(q, r))
		return false;
	for (i = 0; i < sizeof(routes) / sizeof(routes[0]) && rt == NULL; i++) {
		if (!match(routes[i].pattern, q->path, buf, sizeof(buf), params))
			continue;
		path_known = true;
		if (strcmp(routes[i].method, q->method) == 0)
			rt = &routes[i];
	}
	if (rt == NULL) {
		reply_error(r, path_known ? 405 : 404, path_known ? "method not allowed" :
		    "no such API call");
		return false;
	}
	if (!route_allowed(q, rt, r))
		return false;
	q->route = rt;
	return true;
}

void
api_handle(struct req *q, struct reply *r)
{
	char buf[512], *params[MAX_PARAMS] = { NULL, NULL };
	const struct route *rt = q->route;

	if (open_path(q->path)) {
		if (strcmp(q->path, "/login") == 0)
			api_login(q, r);
		else if (strcmp(q->path, "/me") == 0)
			api_me(q, r);
		else
			api_logout(q, r);
		return;
	}
	if (rt == NULL) {	/* api_authorize was not asked: a bug */
		reply_error(r, 500, "request not authorized");
		return;
	}
	/* Again after the body, which may have taken WEB_BODY_S: the
	 * account may have gone meanwhile. */
	if (!check_session(q, r) || !route_allowed(q, rt, r))
		return;
	match(rt->pattern, q->path, buf, sizeof(buf), params);
	rt->fn(q, r, params);
}

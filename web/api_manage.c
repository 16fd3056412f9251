/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * API calls on members, badges, groups, the log, the report and imports.
 * Reads are thin layers over core/render_json, core/report and
 * core/import on seuil-web's read-only connection (under w->lock: one
 * connection for every thread), the same functions seuilctl calls, so the
 * payloads are those of `seuilctl --json`.  Every change is a request to
 * seuild (api_call), which writes it with its audit event; the answer is
 * then read back here.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "csv.h"
#include "explain.h"
#include "import.h"
#include "insight.h"
#include "manage.h"
#include "render_json.h"
#include "report.h"
#include "tz.h"
#include "web_api.h"

#define LOCK(q)		pthread_mutex_lock(&(q)->w->lock)
#define UNLOCK(q)	pthread_mutex_unlock(&(q)->w->lock)

static unsigned
http_status(enum manage_status s)
{
	switch (s) {
	case MANAGE_OK:
		return 200;
	case MANAGE_EINVAL:
		return 400;
	case MANAGE_ENOENT:
		return 404;
	case MANAGE_EEXIST:
	case MANAGE_EREPLICA:
		return 409;
	default:
		return 500;
	}
}

/* A manage error, with the code of its kind: the page words not_found,
 * exists and database itself and shows an invalid value's English text. */
static void
manage_reply(struct reply *r, const struct manage_err *err)
{
	static const char *const codes[] = {
		[MANAGE_OK] = "error", [MANAGE_EINVAL] = "invalid", [MANAGE_ENOENT] = "not_found",
		[MANAGE_EEXIST] = "exists", [MANAGE_EDB] = "database",
		[MANAGE_EREPLICA] = "replica",
	};
	const char *code = (unsigned)err->status < sizeof(codes) / sizeof(codes[0]) &&
	    codes[err->status] != NULL ? codes[err->status] : "error";

	reply_error_code(r, http_status(err->status), code, NULL, "%s", err->msg);
}

/* Reply j (NULL: the store failed). */
static void
reply_rows(struct req *q, struct reply *r, cJSON *j)
{
	if (j == NULL)
		reply_error(r, 500, "database: %s", store_errmsg(q->w->st));
	else
		reply_json(r, 200, j);
}

/* Send req; reply 201 {"id":…} with the id seuild gives. */
static void
reply_created(struct req *q, struct reply *r, struct control_req *req)
{
	cJSON *j = api_call(q, r, req, 0), *o;

	if (j == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "id", cJSON_GetNumberValue(cJSON_GetObjectItem(j, "id")));
	cJSON_Delete(j);
	reply_json(r, 201, o);
}

/* Send req about a member; reply the member as it is after. */
static void
reply_member_after(struct req *q, struct reply *r, struct control_req *req)
{
	cJSON *j = api_call(q, r, req, 0);
	struct member_row m;
	int rc;

	if (j == NULL)
		return;
	LOCK(q);
	rc = store_member_get(q->w->st, (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j,
	    "id")), &m);
	if (rc == 1)
		reply_rows(q, r, render_member(q->w->st, &m));
	else
		reply_error_code(r, 500, "database", NULL, "database: %s", rc == 0 ?
		    "the member changed meanwhile" : store_errmsg(q->w->st));
	UNLOCK(q);
	cJSON_Delete(j);
}

void
api_who(struct req *q, struct reply *r, char **p)
{
	(void)p;
	LOCK(q);
	reply_rows(q, r, render_who(q->w->st));
	UNLOCK(q);
}

/*
 * The members, or those whose name or display name holds ?q= without
 * regard to case or accents (core/fold.h): the pickers' search.  The desk
 * role gets id, name and display name only, at most ?limit= (20 by
 * default, 100 at most): enough to pick whom to enrol or check out.
 */
void
api_members(struct req *q, struct reply *r, char **p)
{
	const char *text = req_arg(q, "q"), *lim = req_arg(q, "limit");
	bool desk = q->role != WEBUSER_ADMIN;
	int limit = lim != NULL ? atoi(lim) : 0;

	(void)p;
	if (text != NULL && strlen(text) > 128) {
		reply_error_code(r, 400, "invalid", NULL, "q is at most 128 bytes");
		return;
	}
	if (desk && (limit <= 0 || limit > 100))
		limit = lim != NULL && limit > 100 ? 100 : 20;
	LOCK(q);
	reply_rows(q, r, render_members_find(q->w->st, text, desk, limit > 0 ? limit : 0));
	UNLOCK(q);
}

/* Fill ch from a JSON body (POST /members, PATCH /members/M).  The
 * strings point into in. */
static int
member_change(const cJSON *in, struct member_change *ch, struct reply *r)
{
	static const struct { const char *key; size_t off; } strs[] = {
		{ "name", offsetof(struct member_change, name) },
		{ "display_name", offsetof(struct member_change, display) },
		{ "email", offsetof(struct member_change, email) },
		{ "valid_from", offsetof(struct member_change, from) },
		{ "valid_until", offsetof(struct member_change, until) },
	};
	const cJSON *v, *g;
	size_t i;

	memset(ch, 0, sizeof(*ch));
	ch->public = -1;
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		v = cJSON_GetObjectItemCaseSensitive(in, strs[i].key);
		if (v == NULL)
			continue;
		if (cJSON_IsNull(v) && i > 0)
			*(const char **)(void *)((char *)ch + strs[i].off) = "";
		else if (cJSON_IsString(v))
			*(const char **)(void *)((char *)ch + strs[i].off) = v->valuestring;
		else {
			reply_error(r, 400, "\"%s\" must be text", strs[i].key);
			return -1;
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "public")) != NULL) {
		if (!cJSON_IsBool(v)) {
			reply_error(r, 400, "\"public\" must be true or false");
			return -1;
		}
		ch->public = cJSON_IsTrue(v);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(in, "groups")) != NULL) {
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > ACCESS_MAX_GROUPS) {
			reply_error(r, 400, "\"groups\" must be a list of at most %d names",
			    ACCESS_MAX_GROUPS);
			return -1;
		}
		cJSON_ArrayForEach(g, v) {
			if (!cJSON_IsString(g)) {
				reply_error(r, 400, "\"groups\" must be names");
				return -1;
			}
			ch->groups[ch->ngroups++] = g->valuestring;
		}
		ch->set_groups = true;
	}
	return 0;
}

void
api_member_add(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r);

	(void)p;
	control_req_init(&req, CONTROL_MEMBER_ADD);
	if (in == NULL || member_change(in, &req.change, r) == -1) {
		cJSON_Delete(in);
		return;
	}
	if (req.change.name == NULL) {
		cJSON_Delete(in);
		reply_error(r, 400, "\"name\" is required");
		return;
	}
	reply_created(q, r, &req);
	cJSON_Delete(in);
}

/* What the desk's card shows of a member: what its pickers see, no more
 * (no e-mail, groups, dates, badges or whereabouts). */
static cJSON *
member_brief(const struct member_row *m)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)m->id);
	cJSON_AddStringToObject(j, "name", m->name);
	render_json_text(j, "display_name", m->display_name);
	return j;
}

void
api_member_show(struct req *q, struct reply *r, char **p)
{
	struct member_row m;
	struct manage_err err;

	LOCK(q);
	if (manage_member_find(q->w->st, p[0], &m, &err) == -1)
		manage_reply(r, &err);
	else if (q->role != WEBUSER_ADMIN)
		reply_json(r, 200, member_brief(&m));
	else
		reply_rows(q, r, render_member_show(q->w->st, &m));
	UNLOCK(q);
}

void
api_member_edit(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r);

	control_req_init(&req, CONTROL_MEMBER_EDIT);
	if (in == NULL || member_change(in, &req.change, r) == -1) {
		cJSON_Delete(in);
		return;
	}
	req.member_name = p[0];
	reply_member_after(q, r, &req);
	cJSON_Delete(in);
}

static void
set_active(struct req *q, struct reply *r, const char *m, bool active)
{
	struct control_req req;

	control_req_init(&req, active ? CONTROL_MEMBER_ENABLE : CONTROL_MEMBER_DISABLE);
	req.member_name = m;
	reply_member_after(q, r, &req);
}

void
api_member_disable(struct req *q, struct reply *r, char **p)
{
	set_active(q, r, p[0], false);
}

void
api_member_enable(struct req *q, struct reply *r, char **p)
{
	set_active(q, r, p[0], true);
}

void
api_member_export(struct req *q, struct reply *r, char **p)
{
	struct member_row m;
	struct manage_err err;
	char cd[128];

	LOCK(q);
	if (manage_member_find(q->w->st, p[0], &m, &err) == -1)
		manage_reply(r, &err);
	else {
		reply_rows(q, r, render_member_export(q->w->st, &q->w->conf, &m, clock_wall_ms()));
		snprintf(cd, sizeof(cd), "attachment; filename=\"member-%lld.json\"",
		    (long long)m.id);
		reply_header(r, "Content-Disposition", cd);
	}
	UNLOCK(q);
}

/*
 * Erasure is final, so the body must repeat the member's name:
 * {"confirm":"alice"}.  seuild checks the member out (live presence is its
 * own), erases and copies the WAL back, in that order.
 */
void
api_member_erase(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct member_row m;
	struct manage_err err;
	cJSON *in = api_body(q, r), *j;
	const cJSON *confirm;

	if (in == NULL)
		return;
	confirm = cJSON_GetObjectItemCaseSensitive(in, "confirm");
	LOCK(q);
	if (manage_member_find(q->w->st, p[0], &m, &err) == -1) {
		UNLOCK(q);
		cJSON_Delete(in);
		manage_reply(r, &err);
		return;
	}
	UNLOCK(q);
	if (!cJSON_IsString(confirm) || strcmp(confirm->valuestring, m.name) != 0) {
		cJSON_Delete(in);
		reply_error(r, 400, "to erase, send {\"confirm\":\"<the member's name>\"}");
		return;
	}
	cJSON_Delete(in);
	control_req_init(&req, CONTROL_MEMBER_ERASE);
	req.member = m.id;
	if ((j = api_call(q, r, &req, 0)) == NULL)
		return;
	cJSON_Delete(j);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)m.id);
	cJSON_AddBoolToObject(j, "erased", 1);
	reply_json(r, 200, j);
}

void
api_badges(struct req *q, struct reply *r, char **p)
{
	const char *mq = req_arg(q, "member");
	struct member_row m = { .id = 0 };
	struct manage_err err;

	(void)p;
	LOCK(q);
	if (mq != NULL && *mq != '\0' && manage_member_find(q->w->st, mq, &m, &err) == -1)
		manage_reply(r, &err);
	else
		reply_rows(q, r, render_badges(q->w->st, m.id));
	UNLOCK(q);
}

void
api_badge_revoke(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct badge_row b;
	struct member_row m;
	int64_t id;
	cJSON *j;

	if ((id = api_path_id(p[0], "badge", r)) == 0)
		return;
	control_req_init(&req, CONTROL_BADGE_REVOKE);
	req.badge = id;
	if ((j = api_call(q, r, &req, 0)) == NULL)
		return;
	cJSON_Delete(j);
	LOCK(q);
	if (store_badge_get(q->w->st, id, &b) != 1 ||
	    store_member_get(q->w->st, b.member_id, &m) == -1)
		reply_error_code(r, 500, "database", NULL, "database: %s",
		    store_errmsg(q->w->st));
	else
		reply_rows(q, r, render_badge(&b, m.id ? &m : NULL));
	UNLOCK(q);
}

void
api_groups(struct req *q, struct reply *r, char **p)
{
	(void)p;
	LOCK(q);
	reply_rows(q, r, render_groups(q->w->st));
	UNLOCK(q);
}

void
api_group_add(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r);
	const cJSON *n;

	(void)p;
	if (in == NULL)
		return;
	n = cJSON_GetObjectItemCaseSensitive(in, "name");
	if (!cJSON_IsString(n)) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"name\":\"…\"}");
		return;
	}
	control_req_init(&req, CONTROL_GROUP_ADD);
	req.group = n->valuestring;
	reply_created(q, r, &req);
	cJSON_Delete(in);
}

void
api_schedule_set(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct access_group g;
	cJSON *in = api_body(q, r), *j;
	const cJSON *s;
	int rc;

	if (in == NULL)
		return;
	s = cJSON_GetObjectItemCaseSensitive(in, "schedule");
	if (!cJSON_IsString(s)) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"schedule\":\"Mon-Fri 08:00-19:00\"} (or \"always\")");
		return;
	}
	control_req_init(&req, CONTROL_SCHEDULE_SET);
	req.group = p[0];
	req.schedule = s->valuestring;
	j = api_call(q, r, &req, 0);
	cJSON_Delete(in);
	if (j == NULL)
		return;
	cJSON_Delete(j);
	LOCK(q);
	if ((rc = store_group_find(q->w->st, p[0], &g)) == 1)
		reply_rows(q, r, render_group(&g));
	else
		reply_error_code(r, 500, "database", NULL, "database: %s", rc == 0 ?
		    "the group changed meanwhile" : store_errmsg(q->w->st));
	UNLOCK(q);
}

/*
 * Why not?  core/explain.c's explanation, the one `seuilctl --json explain`
 * prints: the member's rules with pass or fail, and the door's own verdict
 * for each badge at each reader.  The readers' lockouts come from seuild's
 * status (asked without w->lock held); when it does not answer, the
 * lockout step says so.
 */
void
api_explain(struct req *q, struct reply *r, char **p)
{
	const char *mq = req_arg(q, "member");
	struct control_req req;
	struct control_reply rep;
	struct explain_lockouts lo;
	struct explanation x;
	struct member_row m;
	struct manage_err merr;
	int rc;

	(void)p;
	if (mq == NULL || *mq == '\0') {
		reply_error(r, 400, "want ?member=ID or name");
		return;
	}
	control_req_init(&req, CONTROL_STATUS);
	control_call(q->w->conf.control_socket, &req, 3000, &rep);
	explain_lockouts_from_status(rep.code == CONTROL_OK ? rep.json : NULL, &q->w->conf,
	    &lo);
	control_reply_free(&rep);
	LOCK(q);
	if (manage_member_find(q->w->st, mq, &m, &merr) == -1) {
		UNLOCK(q);
		manage_reply(r, &merr);
		return;
	}
	rc = explain_member(&x, q->w->st, &q->w->conf, &m, clock_wall_ms(), clock_synced(),
	    &lo);
	if (rc == -1) {
		reply_error(r, 500, "database: %s", store_errmsg(q->w->st));
		UNLOCK(q);
		return;
	}
	UNLOCK(q);
	reply_json(r, 200, explain_json(&x));
	explain_free(&x);
}

struct log_ctx {
	struct event_names	 names;	/* as `seuilctl log` names them */
	cJSON			*a;
	FILE			*csv;	/* format=csv: the lines go here */
	int			 failed;
};

static int
log_cb(const struct event_row *e, void *arg)
{
	struct log_ctx *x = arg;
	cJSON *j = render_event_named(&x->names, e);

	if (j == NULL) {
		x->failed = 1;
		return 1;
	}
	if (x->csv != NULL) {
		csv_event(x->csv, j);
		cJSON_Delete(j);
		return 0;
	}
	cJSON_AddItemToArray(x->a, j);
	return 0;
}

/* A word of the log ([a-z_]+): an event type or a reason. */
static bool
log_word(const char *s)
{
	return s == NULL || (*s != '\0' && strlen(s) < 32 &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz_") == strlen(s));
}

/* The log's filters from the query string into f: 0, or -1 with r
 * filled.  The member is looked up by the caller (under the lock). */
static int
log_filter(struct req *q, struct reply *r, struct event_filter *f)
{
	const char *since = req_arg(q, "since"), *until = req_arg(q, "until");
	const char *from = req_arg(q, "from"), *to = req_arg(q, "to");
	const char *lim = req_arg(q, "limit"), *before = req_arg(q, "before");
	char *end;

	f->door = req_arg(q, "door");
	f->reader = req_arg(q, "reader");
	f->type = req_arg(q, "type");
	f->reason = req_arg(q, "reason");
	f->actor = req_arg(q, "actor");
	if ((since && *since && tz_parse_time(since, &f->since_ms) == -1) ||
	    (from && *from && tz_parse_time(from, &f->since_ms) == -1) ||
	    (until && *until && tz_parse_time(until, &f->until_ms) == -1) ||
	    (to && *to && tz_parse_period_end(to, &f->until_ms) == -1)) {
		reply_error_code(r, 400, "invalid", NULL, "from, to, since and until are "
		    "YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (local, or with Z)");
		return -1;
	}
	if (!log_word(f->type) || !log_word(f->reason)) {
		reply_error_code(r, 400, "invalid", NULL, "type and reason are words of "
		    "a-z and _");
		return -1;
	}
	/* Empty fields of a form are no filter. */
	if (f->door && !*f->door)
		f->door = NULL;
	if (f->reader && !*f->reader)
		f->reader = NULL;
	if (f->actor && !*f->actor)
		f->actor = NULL;
	if (before != NULL && *before != '\0') {
		f->before_seq = strtoll(before, &end, 10);
		if (*end != '\0' || f->before_seq <= 0) {
			reply_error_code(r, 400, "invalid", NULL, "before is an event's seq");
			return -1;
		}
	}
	f->limit = lim != NULL ? atoi(lim) : 0;
	if (f->limit <= 0)
		f->limit = 200;
	if (f->limit > 5000)
		f->limit = 5000;
	return 0;
}

/*
 * The log, filtered (the filters of `seuilctl log`), newest `limit`
 * events in seq order; ?before=SEQ pages back.  format=csv: the same
 * events as a download, up to 100,000 of them.
 */
void
api_log(struct req *q, struct reply *r, char **p)
{
	struct event_filter f;
	const char *mq = req_arg(q, "member"), *fmt = req_arg(q, "format");
	bool csv = fmt != NULL && strcmp(fmt, "csv") == 0;
	struct member_row m;
	struct manage_err err;
	struct log_ctx x;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	(void)p;
	memset(&f, 0, sizeof(f));
	if (fmt != NULL && *fmt != '\0' && !csv && strcmp(fmt, "json") != 0) {
		reply_error_code(r, 400, "invalid", NULL, "format is json or csv");
		return;
	}
	if (log_filter(q, r, &f) == -1)
		return;
	if (csv && req_arg(q, "limit") == NULL)
		f.limit = 100000;
	memset(&x, 0, sizeof(x));
	if (csv && (x.csv = open_memstream(&buf, &len)) == NULL) {
		reply_error(r, 500, "log: %s", strerror(errno));
		return;
	}
	LOCK(q);
	if (mq != NULL && *mq != '\0') {
		if (manage_member_find(q->w->st, mq, &m, &err) == -1) {
			UNLOCK(q);
			if (x.csv != NULL)
				fclose(x.csv);
			free(buf);
			manage_reply(r, &err);
			return;
		}
		f.member_id = m.id;
	}
	x.names.st = q->w->st;
	if (csv)
		csv_event_header(x.csv);
	else
		x.a = cJSON_CreateArray();
	rc = store_events_query(q->w->st, &f, log_cb, &x);
	if (!csv) {
		if (rc == -1 || x.failed) {
			cJSON_Delete(x.a);
			x.a = NULL;
		}
		reply_rows(q, r, x.a);
		UNLOCK(q);
		return;
	}
	UNLOCK(q);
	if (fclose(x.csv) != 0 || rc == -1 || x.failed) {
		free(buf);
		reply_error_code(r, 500, "database", NULL, "log: cannot read the events");
		return;
	}
	reply_text(r, 200, "text/csv; charset=utf-8", buf, len);
	reply_header(r, "Content-Disposition", "attachment; filename=\"seuil-log.csv\"");
}

/* The report, in memory through a FILE. */
void
api_report(struct req *q, struct reply *r, char **p)
{
	const char *from = req_arg(q, "from"), *to = req_arg(q, "to"), *by = req_arg(q, "by");
	const char *fmt = req_arg(q, "format"), *member = req_arg(q, "member");
	struct member_row m;
	struct manage_err merr;
	char dfrom[11], dto[11], *buf = NULL;
	size_t len = 0;
	enum report_by rb = REPORT_BY_DAY;
	struct report *rep;
	int64_t now = clock_wall_ms();
	FILE *f;
	int rc;

	(void)p;
	report_default_range(now, dfrom, dto);
	if ((from && *from && tz_parse_date(from, dfrom) == -1) ||
	    (to && *to && tz_parse_date(to, dto) == -1) ||
	    (by && *by && report_by_parse(by, &rb) == -1)) {
		reply_error(r, 400, "from and to are YYYY-MM-DD; by is day, week or month");
		return;
	}
	if (fmt == NULL || *fmt == '\0')
		fmt = "json";
	if (strcmp(fmt, "json") != 0 && strcmp(fmt, "csv") != 0 && strcmp(fmt, "html") != 0) {
		reply_error(r, 400, "format is csv, json or html");
		return;
	}
	if ((rep = report_new(dfrom, dto, rb, now)) == NULL) {
		reply_error(r, 400, "%s", errno == ERANGE ?
		    "the range goes past 2038-01-19, the end of this system's 32-bit time" :
		    "bad range (at most ten years, from a date before to)");
		return;
	}
	LOCK(q);
	if (member != NULL && *member != '\0') {
		if (manage_member_find(q->w->st, member, &m, &merr) == -1) {
			UNLOCK(q);
			report_free(rep);
			manage_reply(r, &merr);
			return;
		}
		report_filter_member(rep, m.id);
	}
	/* A site's primary: every node's visits (core/report.h). */
	report_set_site(rep, config_site(&q->w->conf) && !config_replica(&q->w->conf));
	rc = report_load(rep, q->w->st);
	UNLOCK(q);
	if (rc == -1 || (f = open_memstream(&buf, &len)) == NULL) {
		report_free(rep);
		reply_error(r, 500, "report: %s", strerror(errno));
		return;
	}
	if (strcmp(fmt, "csv") == 0)
		rc = report_write_csv(rep, f);
	else if (strcmp(fmt, "html") == 0)
		rc = report_write_html(rep, f, q->w->conf.site_name);
	else
		rc = report_write_json(rep, f);
	fclose(f);
	report_free(rep);
	if (rc == -1) {
		free(buf);
		reply_error(r, 500, "report: cannot write");
		return;
	}
	reply_text(r, 200, strcmp(fmt, "csv") == 0 ? "text/csv; charset=utf-8" :
	    strcmp(fmt, "html") == 0 ? "text/html; charset=utf-8" : "application/json",
	    buf, len);
	if (strcmp(fmt, "json") != 0) {
		char cd[96];

		snprintf(cd, sizeof(cd), "attachment; filename=\"attendance-%s-%s.%s\"", dfrom,
		    dto, fmt);
		reply_header(r, "Content-Disposition", cd);
	}
}

/*
 * Insight (core/insight.h): the kind is the route's last word.  403
 * insight_off when [report] insight = false.  format=csv is a download
 * whose name carries the period.
 */
void
api_insight(struct req *q, struct reply *r, char **p)
{
	const char *from = req_arg(q, "from"), *to = req_arg(q, "to");
	const char *fmt = req_arg(q, "format"), *word = strrchr(q->path, '/') + 1;
	enum insight_kind kind;
	char err[256], cd[128], *buf = NULL;
	size_t len = 0;
	FILE *f;
	cJSON *doc;
	int rc;

	(void)p;
	if (insight_parse(word, &kind) == -1) {
		reply_error_code(r, 404, "not_found", NULL, "no such report");
		return;
	}
	if (!q->w->conf.report_insight) {
		reply_error_code(r, 403, "insight_off", NULL, "insight is off ([report] "
		    "insight = false)");
		return;
	}
	if (fmt != NULL && *fmt != '\0' && strcmp(fmt, "csv") != 0 && strcmp(fmt, "json") != 0) {
		reply_error_code(r, 400, "invalid", NULL, "format is csv or json");
		return;
	}
	LOCK(q);
	doc = insight_run(q->w->st, kind, from, to, clock_wall_ms(),
	    config_site(&q->w->conf) && !config_replica(&q->w->conf), err, sizeof(err));
	UNLOCK(q);
	if (doc == NULL) {
		reply_error_code(r, errno == EINVAL ? 400 : 500, errno == EINVAL ? "invalid" :
		    "database", NULL, "%s", err);
		return;
	}
	if (fmt == NULL || strcmp(fmt, "csv") != 0) {
		reply_json(r, 200, doc);
		return;
	}
	if ((f = open_memstream(&buf, &len)) == NULL) {
		cJSON_Delete(doc);
		reply_error(r, 500, "report: %s", strerror(errno));
		return;
	}
	rc = insight_write_csv(doc, f);
	snprintf(cd, sizeof(cd), "attachment; filename=\"%s-%s-%s.csv\"", word,
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, kind == INSIGHT_DRIFTING ?
	    "to" : "from")), cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "to")));
	cJSON_Delete(doc);
	if (fclose(f) != 0 || rc == -1) {
		free(buf);
		reply_error(r, 500, "report: cannot write");
		return;
	}
	reply_text(r, 200, "text/csv; charset=utf-8", buf, len);
	reply_header(r, "Content-Disposition", cd);
}

/*
 * The preview is made here, on the read-only connection; applying is
 * seuild's: the CSV goes to it as a sealed descriptor, it plans again under
 * the write lock and writes the whole file or nothing.  The answer is the
 * preview's diff, marked applied, with the counts seuild wrote.
 */
void
api_import(struct req *q, struct reply *r, char **p)
{
	const char *dry = req_arg(q, "dry_run"), *prune = req_arg(q, "prune");
	const char *reenable = req_arg(q, "reenable"), *groups = req_arg(q, "create_groups");
	struct import_opts o = {
		.prune = prune != NULL && strcmp(prune, "0") != 0,
		.reenable = reenable != NULL && strcmp(reenable, "0") != 0,
		.create_groups = groups != NULL && strcmp(groups, "0") != 0,
		.actor = q->actor,
	};
	struct import_errors errs;
	struct control_req req;
	char err[256];
	cJSON *diff, *j;

	(void)p;
	LOCK(q);
	diff = import_preview(q->w->st, q->body, q->len, &o, &errs);
	UNLOCK(q);
	if (diff == NULL) {
		cJSON *a = cJSON_CreateObject();

		if (errs.n > 0 && errs.e[0].line > 0) {
			cJSON_AddNumberToObject(a, "line", errs.e[0].line);
			cJSON_AddNumberToObject(a, "column", errs.e[0].column);
		}
		cJSON_AddStringToObject(a, "message", errs.n > 0 ? errs.e[0].message : "?");
		cJSON_AddItemToObject(a, "errors", import_errors_json(&errs));
		cJSON_AddItemToObject(a, "missing_groups", import_missing_json(&errs));
		reply_error_code(r, errs.n > 0 && errs.e[0].line == 0 ? 500 : 400, "import_error",
		    a, "line %d, column %d: %s", errs.n > 0 ? errs.e[0].line : 0,
		    errs.n > 0 ? errs.e[0].column : 0, errs.n > 0 ? errs.e[0].message : "?");
		return;
	}
	if (dry != NULL && strcmp(dry, "0") != 0) {
		reply_json(r, 200, diff);
		return;
	}
	control_req_init(&req, CONTROL_IMPORT);
	req.prune = o.prune;
	req.reenable = o.reenable;
	req.create_groups = o.create_groups;
	if ((req.fd = control_payload_fd(q->body, q->len, err, sizeof(err))) == -1) {
		cJSON_Delete(diff);
		reply_error(r, 500, "import: %s", err);
		return;
	}
	j = api_call(q, r, &req, 0);
	control_req_clear(&req);
	if (j == NULL) {
		cJSON_Delete(diff);
		return;
	}
	cJSON_ReplaceItemInObjectCaseSensitive(diff, "applied", cJSON_CreateTrue());
	cJSON_DeleteItemFromObjectCaseSensitive(j, "ok");
	cJSON_AddItemToObject(diff, "counts", j);
	reply_json(r, 200, diff);
}

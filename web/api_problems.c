/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * GET /api/v1/problems: what is wrong now, where the manager looks (Today,
 * and the clock on the lobby too), each as a code with its facts; the page
 * words it with the next step (docs/web.md, "Problems").  From seuild's
 * status (the clock, readers, the broker, the store) and the store's own
 * records (the last backup, the clock's refusals).
 *
 *   seuild_down         seuild does not answer: no door opens
 *   clock_unsynced      policy, refused (how many members the door now
 *                       refuses for it), names (the first 10), denied (taps
 *                       refused for it in the last 24 hours)
 *   reader_offline      reader, door
 *   reader_locked_out   reader, door
 *   broker_unreachable  host, port
 *   store_failing       error, denied_taps
 *   backup_failed       ts, result                 (admin accounts only)
 *   backup_old          ts, days: older than 2 days (admin accounts only)
 *   backup_never        [backup] dir set, no backup yet (admin only)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "decision.h"
#include "explain.h"
#include "render_json.h"
#include "tz.h"
#include "web_api.h"

#define NAMES_SHOWN	10
#define BACKUP_OLD_DAYS	2

static cJSON *
problem(cJSON *list, const char *code, const char *level)
{
	cJSON *p = cJSON_CreateObject(), *a = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "code", code);
	cJSON_AddStringToObject(p, "level", level);
	cJSON_AddItemToObject(p, "args", a);
	cJSON_AddItemToArray(list, p);
	return a;
}

struct clock_ctx {
	struct store		*st;
	const struct config	*conf;
	int64_t			 now;
	int			 refused;
	cJSON			*names;
	int			 failed;
};

static int
first_active(const struct badge_row *b, void *arg)
{
	if (b->active && ((struct badge_row *)arg)->id == 0)
		*(struct badge_row *)arg = *b;
	return 0;
}

/* A member the door refuses now for the clock alone: one with an active
 * badge, whose decision is clock_unsynced. */
static int
clock_member(const struct member_row *m, void *arg)
{
	struct clock_ctx *x = arg;
	struct access_groups g;
	struct badge_row b = { .id = 0 };

	if (!m->active || m->erased)
		return 0;
	if (store_badges_list(x->st, m->id, first_active, &b) == -1 ||
	    store_member_groups(x->st, m->id, &g) == -1) {
		x->failed = 1;
		return 1;
	}
	if (b.id == 0 || !decision_clock_refuses(x->conf, &b, m, &g, x->now))
		return 0;
	if (x->refused++ < NAMES_SHOWN) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "id", (double)m->id);
		cJSON_AddStringToObject(o, "name", m->name);
		render_json_text(o, "display_name", m->display_name);
		cJSON_AddItemToArray(x->names, o);
	}
	return 0;
}

static int
count_clock_denials(const struct event_row *e, void *arg)
{
	if (strcmp(e->reason, "clock_unsynced") == 0)
		(*(int *)arg)++;
	return 0;
}

/* The clock's problem: under w->lock. */
static int
clock_problem(struct req *q, cJSON *list, int64_t now)
{
	struct clock_ctx x = { .st = q->w->st, .conf = &q->w->conf, .now = now,
	    .names = cJSON_CreateArray() };
	cJSON *a;
	int denied = 0;

	if (store_members_list(q->w->st, clock_member, &x) == -1 || x.failed ||
	    store_events_since(q->w->st, "access_denied", now - 24 * 3600 * 1000LL,
	    count_clock_denials, &denied) == -1) {
		cJSON_Delete(x.names);
		return -1;
	}
	a = problem(list, "clock_unsynced", "bad");
	cJSON_AddStringToObject(a, "policy", explain_unsynced_name(q->w->conf.unsynced_clock));
	cJSON_AddNumberToObject(a, "refused", x.refused);
	cJSON_AddItemToObject(a, "names", x.names);
	cJSON_AddNumberToObject(a, "denied", denied);
	return 0;
}

static void
status_problems(const cJSON *s, cJSON *list)
{
	const cJSON *r, *mq = cJSON_GetObjectItemCaseSensitive(s, "mqtt");
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(s, "store_health");
	cJSON *a;

	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(s, "readers")) {
		const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "name"));
		const char *door = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "door"));
		bool off = cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(r, "online"));

		if (!off && !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "locked_out")))
			continue;
		a = problem(list, off ? "reader_offline" : "reader_locked_out", "bad");
		cJSON_AddStringToObject(a, "reader", name != NULL ? name : "?");
		render_json_text(a, "door", door);
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mq, "enabled")) &&
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mq, "connected")))
		problem(list, "broker_unreachable", "warn");
	if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(sh, "ok"))) {
		a = problem(list, "store_failing", "bad");
		render_json_text(a, "error", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(sh, "last_error")));
		cJSON_AddNumberToObject(a, "denied_taps", cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(sh, "denied_taps")));
	}
}

/* The last backup's problem, if any: under w->lock. */
static int
backup_problem(struct req *q, cJSON *list, int64_t now)
{
	cJSON *last = render_backup_last(q->w->st), *a;
	const cJSON *ts;
	int64_t when;

	if (last == NULL)
		return -1;
	if (cJSON_IsNull(last)) {
		problem(list, "backup_never", "warn");
	} else if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(last, "ok"))) {
		a = problem(list, "backup_failed", "bad");
		cJSON_AddItemToObject(a, "ts", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(last,
		    "ts"), 1));
		cJSON_AddItemToObject(a, "result", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(last, "result"), 1));
	} else if (cJSON_IsString(ts = cJSON_GetObjectItemCaseSensitive(last, "ts")) &&
	    tz_parse_utc(ts->valuestring, &when) == 0 &&
	    now - when > BACKUP_OLD_DAYS * 24 * 3600 * 1000LL) {
		a = problem(list, "backup_old", "warn");
		cJSON_AddStringToObject(a, "ts", ts->valuestring);
		cJSON_AddNumberToObject(a, "days", (double)((now - when) / (24 * 3600 * 1000LL)));
	}
	cJSON_Delete(last);
	return 0;
}

void
api_problems(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct control_reply rep;
	cJSON *j = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(j, "problems");
	int64_t now = clock_wall_ms();
	bool clock_bad;
	int rc = 0;

	(void)p;
	control_req_init(&req, CONTROL_STATUS);
	control_call(q->w->conf.control_socket, &req, 3000, &rep);
	if (rep.code != CONTROL_OK)
		problem(list, "seuild_down", "bad");
	else
		status_problems(rep.json, list);
	/* seuild's view of the clock when it answers (it decides), else
	 * this machine's: they are one machine's. */
	clock_bad = rep.code == CONTROL_OK ? cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(
	    rep.json, "clock_synced")) : !clock_synced();
	control_reply_free(&rep);
	pthread_mutex_lock(&q->w->lock);
	if (clock_bad && q->w->conf.unsynced_clock != UNSYNCED_IGNORE)
		rc = clock_problem(q, list, now);
	if (rc == 0 && q->role == WEBUSER_ADMIN && q->w->conf.backup_dir[0] != '\0')
		rc = backup_problem(q, list, now);
	pthread_mutex_unlock(&q->w->lock);
	if (rc == -1) {
		cJSON_Delete(j);
		reply_error_code(r, 500, "database", NULL, "database error");
		return;
	}
	render_json_time(j, "checked", now);
	reply_json(r, 200, j);
}

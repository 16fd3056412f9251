/* SPDX-License-Identifier: GPL-3.0-or-later */
/* JSON of the store's rows for seuilctl --json and seuil-web.  See render_json.h. */
#include "render_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "backup.h"
#include "clock.h"
#include "fold.h"

void
render_json_text(cJSON *j, const char *key, const char *v)
{
	if (v != NULL && v[0] != '\0')
		cJSON_AddStringToObject(j, key, v);
	else
		cJSON_AddNullToObject(j, key);
}

void
render_json_time(cJSON *j, const char *key, int64_t ms)
{
	char t[21];

	if (ms == 0) {
		cJSON_AddNullToObject(j, key);
		return;
	}
	clock_format_utc(ms, t);
	cJSON_AddStringToObject(j, key, t);
}

void
render_json_vaddf(cJSON *j, const char *key, const char *fmt, va_list ap)
{
	char text[512];

	vsnprintf(text, sizeof(text), fmt, ap);
	cJSON_AddStringToObject(j, key, text);
}

char *
render_json_print(cJSON *j)
{
	char *s;

	if (j == NULL)
		return NULL;
	s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

int
render_json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out)
{
	int64_t i;

	/* [-2^63, 2^63): both bounds are exact doubles; NaN fails both. */
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= -9223372036854775808.0 &&
	    v->valuedouble < 9223372036854775808.0))
		return -1;
	i = (int64_t)v->valuedouble;
	if ((double)i != v->valuedouble || i < min || i > max ||
	    i > RENDER_JSON_INT_MAX || i < -RENDER_JSON_INT_MAX)
		return -1;
	*out = i;
	return 0;
}

static void
json_id(cJSON *j, const char *key, int64_t id)
{
	if (id != 0)
		cJSON_AddNumberToObject(j, key, (double)id);
	else
		cJSON_AddNullToObject(j, key);
}

cJSON *
render_member(struct store *st, const struct member_row *m)
{
	struct access_groups ag;
	cJSON *j = cJSON_CreateObject(), *a;
	int i;

	cJSON_AddNumberToObject(j, "id", (double)m->id);
	cJSON_AddStringToObject(j, "name", m->name);
	render_json_text(j, "display_name", m->display_name);
	render_json_text(j, "email", m->email);
	cJSON_AddStringToObject(j, "status", m->active ? "active" : "disabled");
	render_json_text(j, "valid_from", m->valid_from);
	render_json_text(j, "valid_until", m->valid_until);
	cJSON_AddBoolToObject(j, "public", m->public);
	/* Set: public and display_name are the member's own choice. */
	render_json_time(j, "lobby_chosen", m->lobby_chosen_ms);
	render_json_time(j, "created", m->created_ms);
	cJSON_AddBoolToObject(j, "erased", m->erased);
	a = cJSON_AddArrayToObject(j, "groups");
	if (store_member_groups(st, m->id, &ag) == -1) {
		cJSON_Delete(j);
		return NULL;
	}
	for (i = 0; i < ag.ngroups; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(ag.groups[i].name));
	return j;
}

cJSON *
render_badge(const struct badge_row *b, const struct member_row *m)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)b->id);
	cJSON_AddNumberToObject(j, "member_id", (double)b->member_id);
	cJSON_AddStringToObject(j, "member", m != NULL ? m->name : "");
	cJSON_AddStringToObject(j, "hint", b->hint);
	cJSON_AddStringToObject(j, "kind", store_badge_kind_name(b->kind));
	render_json_text(j, "label", b->label);
	cJSON_AddStringToObject(j, "status", b->active ? "active" : "revoked");
	render_json_time(j, "created", b->created_ms);
	render_json_time(j, "last_seen", b->last_seen_ms);
	return j;
}

cJSON *
render_group(const struct access_group *g)
{
	cJSON *j = cJSON_CreateObject();
	char text[ACCESS_SCHEDULE_TEXT_MAX];

	cJSON_AddNumberToObject(j, "id", (double)g->id);
	cJSON_AddStringToObject(j, "name", g->name);
	if (g->nwindows > 0) {
		access_schedule_format(g->windows, g->nwindows, text, sizeof(text));
		cJSON_AddStringToObject(j, "schedule", text);
	} else
		cJSON_AddNullToObject(j, "schedule");
	cJSON_AddBoolToObject(j, "offline_ok", g->offline_ok);
	return j;
}

cJSON *
render_event(const struct event_row *e, const char *member)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "seq", (double)e->seq);
	render_json_time(j, "ts", e->ts_ms);
	cJSON_AddNumberToObject(j, "ts_ms", (double)e->ts_ms);
	cJSON_AddStringToObject(j, "type", e->type);
	render_json_text(j, "door", e->door);
	render_json_text(j, "reader", e->reader);
	json_id(j, "member_id", e->member_id);
	render_json_text(j, "member", e->member_id != 0 ? member : NULL);
	json_id(j, "badge_id", e->badge_id);
	render_json_text(j, "reason", e->reason);
	render_json_text(j, "detail", e->detail);
	render_json_text(j, "actor", e->actor);
	json_id(j, "guest_id", e->guest_id);
	json_id(j, "via_id", e->via);
	cJSON_AddBoolToObject(j, "clock_synced", e->clock_synced);
	if (e->node[0] != '\0') {	/* a site's event (seq is the site's) */
		cJSON_AddStringToObject(j, "node", e->node);
		cJSON_AddNumberToObject(j, "node_seq", (double)e->node_seq);
	}
	return j;
}

cJSON *
render_event_named(struct event_names *n, const struct event_row *e)
{
	cJSON *j;
	int rc;

	if (e->member_id != 0 && n->m.id != e->member_id) {
		if ((rc = store_member_get(n->st, e->member_id, &n->m)) == -1)
			return NULL;
		if (rc == 0) {
			memset(&n->m, 0, sizeof(n->m));
			n->m.id = e->member_id;
			snprintf(n->m.name, sizeof(n->m.name), "#%lld", (long long)e->member_id);
		}
	}
	j = render_event(e, e->member_id != 0 ? n->m.name : NULL);
	if (e->member_id != 0)
		cJSON_AddBoolToObject(j, "member_erased", n->m.erased);
	/* A guest's event: the sponsor who vouched, by name (not cached: the
	 * cache holds the event's member). */
	if (e->via != 0) {
		struct member_row v;

		if ((rc = store_member_get(n->st, e->via, &v)) == -1) {
			cJSON_Delete(j);
			return NULL;
		}
		render_json_text(j, "via", rc == 1 ? v.name : NULL);
	}
	return j;
}

struct list_ctx {
	struct store		*st;
	cJSON			*array;
	struct member_row	 m;	/* the last member looked up */
	int			 failed;
	const char		*q;	/* members: the search, or NULL */
	bool			 brief;
	int			 left;	/* members: how many more; -1 no limit */
};

static int
members_cb(const struct member_row *m, void *arg)
{
	struct list_ctx *x = arg;
	cJSON *j;

	if (x->q != NULL && !fold_contains(m->name, x->q) &&
	    !fold_contains(m->display_name, x->q))
		return 0;
	if (x->left == 0)
		return 1;
	if (x->left > 0)
		x->left--;
	if (x->brief) {
		j = cJSON_CreateObject();
		cJSON_AddNumberToObject(j, "id", (double)m->id);
		cJSON_AddStringToObject(j, "name", m->name);
		render_json_text(j, "display_name", m->display_name);
	} else if ((j = render_member(x->st, m)) == NULL) {
		x->failed = 1;
		return 1;
	}
	cJSON_AddItemToArray(x->array, j);
	return 0;
}

cJSON *
render_members_find(struct store *st, const char *q, bool brief, int limit)
{
	struct list_ctx x = { .st = st, .array = cJSON_CreateArray(),
	    .q = q != NULL && *q != '\0' ? q : NULL, .brief = brief,
	    .left = limit > 0 ? limit : -1 };

	if (store_members_list(st, members_cb, &x) == -1 || x.failed) {
		cJSON_Delete(x.array);
		return NULL;
	}
	return x.array;
}

cJSON *
render_members(struct store *st)
{
	return render_members_find(st, NULL, false, 0);
}

static int
badges_cb(const struct badge_row *b, void *arg)
{
	struct list_ctx *x = arg;

	if (x->m.id != b->member_id && store_member_get(x->st, b->member_id, &x->m) != 1) {
		memset(&x->m, 0, sizeof(x->m));
		x->m.id = b->member_id;
	}
	cJSON_AddItemToArray(x->array, render_badge(b, &x->m));
	return 0;
}

cJSON *
render_badges(struct store *st, int64_t member_id)
{
	struct list_ctx x = { .st = st, .array = cJSON_CreateArray() };

	if (store_badges_list(st, member_id, badges_cb, &x) == -1) {
		cJSON_Delete(x.array);
		return NULL;
	}
	return x.array;
}

static int
groups_cb(const struct access_group *g, void *arg)
{
	cJSON_AddItemToArray(arg, render_group(g));
	return 0;
}

cJSON *
render_groups(struct store *st)
{
	cJSON *a = cJSON_CreateArray();

	if (store_groups_list(st, groups_cb, a) == -1) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

struct show_ctx {
	int64_t		 member_id;
	int64_t		 arrived_ms;
	char		 door[CONFIG_NAME_MAX + 1];
};

static int
show_visit_cb(const struct visit_row *v, void *arg)
{
	struct show_ctx *x = arg;

	if (v->member_id == x->member_id && x->arrived_ms == 0) {
		x->arrived_ms = v->arrived_ms;
		memcpy(x->door, v->door, sizeof(x->door));
	}
	return 0;
}

/* The newest event of a type of the member: {ts, door, reader, reason}. */
static int
last_event_cb(const struct event_row *e, void *arg)
{
	cJSON *o = cJSON_CreateObject();

	render_json_time(o, "ts", e->ts_ms);
	render_json_text(o, "door", e->door);
	render_json_text(o, "reader", e->reader);
	render_json_text(o, "reason", e->reason);
	cJSON_AddItemToObject(arg, "found", o);
	return 0;
}

static int
last_event(struct store *st, cJSON *j, const char *key, int64_t member_id, const char *type)
{
	struct event_filter f = { .member_id = member_id, .type = type, .limit = 1 };
	cJSON *holder = cJSON_CreateObject(), *found;

	if (store_events_query(st, &f, last_event_cb, holder) == -1) {
		cJSON_Delete(holder);
		return -1;
	}
	if ((found = cJSON_DetachItemFromObjectCaseSensitive(holder, "found")) != NULL)
		cJSON_AddItemToObject(j, key, found);
	else
		cJSON_AddNullToObject(j, key);
	cJSON_Delete(holder);
	return 0;
}

cJSON *
render_member_show(struct store *st, const struct member_row *m)
{
	struct show_ctx x = { .member_id = m->id };
	cJSON *j, *badges, *p;

	if (store_visits_open(st, show_visit_cb, &x) == -1 ||
	    (j = render_member(st, m)) == NULL)
		return NULL;
	if (last_event(st, j, "last_entry", m->id, "access_granted") == -1 ||
	    last_event(st, j, "last_refusal", m->id, "access_denied") == -1) {
		cJSON_Delete(j);
		return NULL;
	}
	if ((badges = render_badges(st, m->id)) == NULL) {
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_AddItemToObject(j, "badges", badges);
	if (x.arrived_ms != 0) {
		p = cJSON_AddObjectToObject(j, "present");
		render_json_time(p, "since", x.arrived_ms);
		cJSON_AddStringToObject(p, "door", x.door);
	} else
		cJSON_AddNullToObject(j, "present");
	return j;
}

static int
who_cb(const struct visit_row *v, const struct member_row *m, void *arg)
{
	cJSON *j = cJSON_CreateObject();
	char name[160];

	if (m->id != 0)
		snprintf(name, sizeof(name), "%s", m->name);
	else
		snprintf(name, sizeof(name), "(member %lld)", (long long)v->member_id);
	cJSON_AddNumberToObject(j, "member_id", (double)v->member_id);
	cJSON_AddStringToObject(j, "name", name);
	render_json_text(j, "display_name", m->display_name);
	cJSON_AddBoolToObject(j, "public", m->public);
	render_json_time(j, "since", v->arrived_ms);
	render_json_time(j, "last_seen", v->last_seen_ms);
	cJSON_AddStringToObject(j, "door", v->door);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

cJSON *
render_who(struct store *st)
{
	cJSON *j, *a = cJSON_CreateArray();
	int n;

	if ((n = store_who(st, who_cb, a)) == -1) {
		cJSON_Delete(a);
		return NULL;
	}
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "count", n);
	cJSON_AddItemToObject(j, "people", a);
	return j;
}

/*
 * What an export keeps of a row rendered for the manager: a list of keys,
 * so that the fields are rendered in one place (render_badge, render_event)
 * and a field added there stays out of exports until it is named here.
 * full is consumed.
 */
static cJSON *
json_pick(cJSON *full, const char *const keys[])
{
	cJSON *j = cJSON_CreateObject(), *it;

	for (; *keys != NULL; keys++)
		if ((it = cJSON_DetachItemFromObjectCaseSensitive(full, *keys)) != NULL)
			cJSON_AddItemToObject(j, *keys, it);
	cJSON_Delete(full);
	return j;
}

/* Badge MACs are never exported: they identify a card, not the person,
 * and are no use to them. */
static int
export_badge(const struct badge_row *b, void *arg)
{
	static const char *const keys[] = {
		"id", "hint", "label", "status", "created", "last_seen", NULL
	};

	cJSON_AddItemToArray(arg, json_pick(render_badge(b, NULL), keys));
	return 0;
}

static int
export_visit(const struct visit_row *v, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)v->id);
	render_json_text(j, "door", v->door);
	render_json_time(j, "arrived", v->arrived_ms);
	render_json_time(j, "left", v->left_ms);
	render_json_text(j, "left_reason", v->left_reason);
	render_json_time(j, "last_seen", v->last_seen_ms);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

/* The member's own events, without the staff's names (actor). */
static int
export_event(const struct event_row *e, void *arg)
{
	static const char *const keys[] = {
		"seq", "ts", "type", "door", "reader", "badge_id", "reason", "detail",
		"clock_synced", NULL
	};

	cJSON_AddItemToArray(arg, json_pick(render_event(e, NULL), keys));
	return 0;
}

cJSON *
render_member_export(struct store *st, const struct config *conf,
    const struct member_row *m, int64_t now_ms)
{
	struct access_groups ag;
	char sched[ACCESS_SCHEDULE_TEXT_MAX];
	cJSON *doc, *a, *g, *mj;
	int i;

	if ((mj = render_member(st, m)) == NULL)
		return NULL;
	doc = cJSON_CreateObject();
	render_json_time(doc, "exported", now_ms);
	cJSON_AddStringToObject(doc, "site", conf->site_name);
	cJSON_AddStringToObject(doc, "timezone", conf->timezone);
	cJSON_AddItemToObject(doc, "member", mj);
	a = cJSON_AddArrayToObject(doc, "groups");
	if (store_member_groups(st, m->id, &ag) == -1)
		goto fail;
	for (i = 0; i < ag.ngroups; i++) {
		g = cJSON_CreateObject();
		access_schedule_format(ag.groups[i].windows, ag.groups[i].nwindows, sched,
		    sizeof(sched));
		cJSON_AddStringToObject(g, "name", ag.groups[i].name);
		cJSON_AddStringToObject(g, "schedule", ag.groups[i].nwindows ? sched : "always");
		cJSON_AddItemToArray(a, g);
	}
	a = cJSON_AddArrayToObject(doc, "badges");
	if (store_badges_list(st, m->id, export_badge, a) == -1)
		goto fail;
	a = cJSON_AddArrayToObject(doc, "visits");
	if (store_visits_between(st, 0, 0, m->id, export_visit, a) == -1)
		goto fail;
	a = cJSON_AddArrayToObject(doc, "events");
	if (store_member_events(st, m->id, export_event, a) == -1)
		goto fail;
	return doc;
fail:
	cJSON_Delete(doc);
	return NULL;
}

cJSON *
render_backup_last(struct store *st)
{
	char ts[32], result[600], file[600];
	cJSON *j;
	int rc;

	if ((rc = store_meta_get(st, BACKUP_META_TS, ts, sizeof(ts))) != 1)
		return rc == 0 ? cJSON_CreateNull() : NULL;
	if (store_meta_get(st, BACKUP_META_RESULT, result, sizeof(result)) == -1 ||
	    store_meta_get(st, BACKUP_META_FILE, file, sizeof(file)) == -1)
		return NULL;
	j = cJSON_CreateObject();
	render_json_time(j, "ts", strtoll(ts, NULL, 10));
	cJSON_AddBoolToObject(j, "ok", strcmp(result, "ok") == 0);
	cJSON_AddStringToObject(j, "result", result);
	render_json_text(j, "file", file);
	return j;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Guests: the manager's side (guest.h).  Each change and its audit event
 * are one transaction; the checks that depend on the store (the sponsor,
 * the day's cap, the loaner) run inside it, under the write lock, so two
 * passes made at once cannot both slip under the cap.
 */
#include "guest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "render_json.h"
#include "tz.h"

/* An admin_change about a guest: the sponsor as member, the guest by id. */
static int
audit(struct store *st, const char *actor, int64_t sponsor, int64_t guest, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
audit(struct store *st, const char *actor, int64_t sponsor, int64_t guest, const char *fmt, ...)
{
	struct event ev = { .type = "admin_change", .actor = actor, .member_id = sponsor,
	    .guest_id = guest };
	char detail[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	ev.detail = detail;
	store_event_stamp(&ev);
	return store_append_event(st, &ev) == -1 ? -1 : 0;
}

static int
fail_tx(struct store *st, struct manage_err *err, const char *what)
{
	if (err->status == MANAGE_OK)
		manage_store_fail(st, err, what);
	store_rollback(st);
	return -1;
}

/* Whether member m is in one of the groups [guests] sponsor_groups names. */
static int
may_sponsor(struct store *st, const struct config *conf, const struct member_row *m)
{
	struct access_groups g;
	const char *s = conf->guest_sponsor_groups;
	size_t n;
	int i;

	if (store_member_groups(st, m->id, &g) == -1)
		return -1;
	for (s += strspn(s, ", \t"); *s != '\0'; s += strspn(s, ", \t")) {
		n = strcspn(s, ", \t");
		for (i = 0; i < g.ngroups; i++)
			if (strlen(g.groups[i].name) == n && strncmp(g.groups[i].name, s, n) == 0)
				return 1;
		s += n;
	}
	return 0;
}

int
guest_parse_until(const char *text, int64_t *ms, struct manage_err *err)
{
	if (text == NULL || tz_parse_time(text, ms) == -1 || strchr(text, 'T') == NULL)
		return manage_fail(err, MANAGE_EINVAL, "bad end '%.40s' (YYYY-MM-DDTHH:MM, "
		    "local)", text != NULL ? text : "");
	return 0;
}

int64_t
guest_add(struct store *st, const struct config *conf, const struct guest_new *n,
    int64_t now_ms, const char *actor, struct guest_row *out, struct manage_err *err)
{
	struct guest_row g = { .created_ms = now_ms };
	struct loaner_row l;
	struct member_row m;
	struct local_time lt;
	int rc, made;

	memset(err, 0, sizeof(*err));
	/* A replica holds no member's name: say where passes are made before
	 * looking the sponsor up. */
	if (store_site_writable(st) == -1)
		return manage_store_fail(st, err, "guest add");
	if (n->name == NULL || !manage_valid_name(n->name, sizeof(g.name)))
		return manage_fail(err, MANAGE_EINVAL, "a guest's name: printable text, 1 to %zu "
		    "bytes", sizeof(g.name) - 1);
	snprintf(g.name, sizeof(g.name), "%s", n->name);
	g.ends_ms = n->until_ms != 0 ? n->until_ms :
	    tz_next_day_end(now_ms, conf->day_ends_at_min);
	if (g.ends_ms <= now_ms)
		return manage_fail(err, MANAGE_EINVAL, "the pass would end before it starts");
	if (g.ends_ms - now_ms > conf->guest_max_ms)
		return manage_fail(err, MANAGE_EINVAL, "a pass lasts at most [guests] "
		    "max_duration (%lld h)", (long long)(conf->guest_max_ms / 3600000));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "guest add");
	if (manage_member_find(st, n->sponsor, &m, err) == -1)
		return fail_tx(st, err, "guest add");
	if (!m.active || m.erased)
		manage_fail(err, MANAGE_EINVAL, "member %lld is not active: no guests",
		    (long long)m.id);
	else if ((rc = may_sponsor(st, conf, &m)) != 1) {
		if (rc == 0)
			manage_fail(err, MANAGE_EINVAL, "member %lld is in none of [guests] "
			    "sponsor_groups (%s)", (long long)m.id,
			    conf->guest_sponsor_groups[0] ? conf->guest_sponsor_groups :
			    "empty: nobody may sponsor");
	}
	if (err->status != MANAGE_OK)
		return fail_tx(st, err, "guest add");
	tz_local(now_ms, &lt);
	if ((made = store_guests_since(st, m.id, tz_date_start(lt.date))) == -1)
		return fail_tx(st, err, "guest add");
	if (made >= conf->guest_per_day) {
		manage_fail(err, MANAGE_EINVAL, "member %lld made %d passes today: at most %d "
		    "([guests] per_sponsor_per_day)", (long long)m.id, made, conf->guest_per_day);
		return fail_tx(st, err, "guest add");
	}
	g.sponsor_id = m.id;
	if (n->loaner != NULL) {
		if ((rc = store_loaner_get(st, n->loaner, &l)) != 1) {
			if (rc == 0)
				manage_fail(err, MANAGE_ENOENT, "no loaner badge '%.40s' in the "
				    "pool", n->loaner);
			return fail_tx(st, err, "guest add");
		}
		g.loaner_id = l.id;
	}
	/* A loaner still held by a pass past its end (not yet closed by
	 * seuild) is free: end those first. */
	if (store_guests_end_due(st, now_ms, 0, NULL, NULL) == -1 ||
	    (g.id = store_guest_add(st, &g)) == -1 ||
	    audit(st, actor, m.id, g.id, "guest add %lld (sponsor %lld)%s", (long long)g.id,
	    (long long)m.id, g.loaner_id ? ", loaner lent" : "") == -1 ||
	    store_commit(st) == -1)
		return fail_tx(st, err, "guest add");
	if (out != NULL && store_guest_get(st, g.id, out) != 1)
		*out = g;
	return g.id;
}

static int
open_pass(struct store *st, int64_t id, struct guest_row *g, struct manage_err *err)
{
	int rc;

	if ((rc = store_guest_get(st, id, g)) != 1) {
		if (rc == 0)
			return manage_fail(err, MANAGE_ENOENT, "no guest %lld", (long long)id);
		return manage_store_fail(st, err, "guest");
	}
	return 0;
}

int
guest_lend(struct store *st, int64_t id, const char *label, const char *actor,
    struct manage_err *err)
{
	struct guest_row g;
	struct loaner_row l;
	int rc;

	memset(err, 0, sizeof(*err));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "guest lend");
	if (open_pass(st, id, &g, err) == -1)
		return fail_tx(st, err, "guest lend");
	if (g.ended_ms != 0) {
		manage_fail(err, MANAGE_EINVAL, "guest %lld's pass has ended", (long long)id);
		return fail_tx(st, err, "guest lend");
	}
	if ((rc = store_loaner_get(st, label, &l)) != 1) {
		if (rc == 0)
			manage_fail(err, MANAGE_ENOENT, "no loaner badge '%.40s' in the pool", label);
		return fail_tx(st, err, "guest lend");
	}
	if (store_guest_lend(st, id, l.id) == -1 ||
	    audit(st, actor, g.sponsor_id, id, "guest lend %lld (loaner %lld)", (long long)id,
	    (long long)l.id) == -1 || store_commit(st) == -1)
		return fail_tx(st, err, "guest lend");
	return 0;
}

int
guest_end(struct store *st, int64_t id, int64_t now_ms, const char *actor, bool *was_open,
    struct manage_err *err)
{
	struct guest_row g;
	int rc;

	memset(err, 0, sizeof(*err));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "guest end");
	if (open_pass(st, id, &g, err) == -1 ||
	    (rc = store_guest_end(st, id, now_ms, "ended")) == -1)
		return fail_tx(st, err, "guest end");
	if (rc == 1 && audit(st, actor, g.sponsor_id, id, "guest end %lld", (long long)id) == -1)
		return fail_tx(st, err, "guest end");
	if (store_commit(st) == -1)
		return fail_tx(st, err, "guest end");
	if (was_open != NULL)
		*was_open = rc == 1;
	return 0;
}

int
guest_erase(struct store *st, int64_t id, const char *actor, struct manage_err *err)
{
	struct guest_row g;

	memset(err, 0, sizeof(*err));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "guest erase");
	if (open_pass(st, id, &g, err) == -1 || store_guest_erase(st, id) == -1 ||
	    audit(st, actor, g.sponsor_id, 0, "guest erase %lld", (long long)id) == -1 ||
	    store_commit(st) == -1)
		return fail_tx(st, err, "guest erase");
	explicit_bzero(&g, sizeof(g));
	return 0;
}

int64_t
guest_loaner_add(struct store *st, const uint8_t mac[UID_MAC_LEN], const char *hint,
    const char *label, int64_t now_ms, const char *actor, struct manage_err *err)
{
	int64_t id;

	memset(err, 0, sizeof(*err));
	if (label == NULL || !manage_valid_name(label, 64))
		return manage_fail(err, MANAGE_EINVAL, "a loaner's label: printable text, 1 to 63 "
		    "bytes, not all digits");
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "pool add");
	if ((id = store_loaner_add(st, mac, hint, label, now_ms)) == -1 ||
	    audit(st, actor, 0, 0, "pool add loaner %lld", (long long)id) == -1 ||
	    store_commit(st) == -1)
		return fail_tx(st, err, "pool add");
	return id;
}

int
guest_loaner_remove(struct store *st, const char *label, const char *actor,
    struct manage_err *err)
{
	struct loaner_row l;
	int rc;

	memset(err, 0, sizeof(*err));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "pool remove");
	if ((rc = store_loaner_get(st, label, &l)) != 1) {
		if (rc == 0)
			manage_fail(err, MANAGE_ENOENT, "no loaner badge '%.40s' in the pool", label);
		return fail_tx(st, err, "pool remove");
	}
	if (l.guest_id != 0) {
		manage_fail(err, MANAGE_EINVAL, "loaner '%.40s' is lent to guest %lld: end the "
		    "pass first", label, (long long)l.guest_id);
		return fail_tx(st, err, "pool remove");
	}
	if (store_loaner_del(st, l.id) == -1 ||
	    audit(st, actor, 0, 0, "pool remove loaner %lld", (long long)l.id) == -1 ||
	    store_commit(st) == -1)
		return fail_tx(st, err, "pool remove");
	return 0;
}

/* ---- JSON ---- */

cJSON *
guest_json(struct store *st, const struct guest_row *g)
{
	struct member_row m;
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)g->id);
	cJSON_AddStringToObject(j, "name", g->name);
	if (g->sponsor_id != 0) {
		cJSON_AddNumberToObject(j, "sponsor_id", (double)g->sponsor_id);
		render_json_text(j, "sponsor", store_member_get(st, g->sponsor_id, &m) == 1 ?
		    m.name : NULL);
	} else {
		cJSON_AddNullToObject(j, "sponsor_id");
		cJSON_AddNullToObject(j, "sponsor");
	}
	render_json_time(j, "created", g->created_ms);
	render_json_time(j, "ends", g->ends_ms);
	render_json_time(j, "ended", g->ended_ms);
	render_json_text(j, "end_reason", g->end_reason);
	cJSON_AddBoolToObject(j, "open", g->ended_ms == 0);
	render_json_text(j, "loaner", g->ended_ms == 0 ? g->loaner : NULL);
	return j;
}

struct list_ctx {
	struct store	*st;
	cJSON		*a;
};

static int
list_cb(const struct guest_row *g, void *arg)
{
	struct list_ctx *x = arg;

	cJSON_AddItemToArray(x->a, guest_json(x->st, g));
	return 0;
}

cJSON *
guest_list_json(struct store *st, int64_t sponsor_id, bool open_only)
{
	struct list_ctx x = { st, cJSON_CreateArray() };

	if (store_guests_list(st, sponsor_id, open_only, list_cb, &x) == -1) {
		cJSON_Delete(x.a);
		return NULL;
	}
	return x.a;
}

static int
pool_cb(const struct loaner_row *l, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)l->id);
	cJSON_AddStringToObject(j, "label", l->label);
	cJSON_AddStringToObject(j, "hint", l->hint);
	render_json_time(j, "created", l->created_ms);
	if (l->guest_id != 0)
		cJSON_AddNumberToObject(j, "lent_to", (double)l->guest_id);
	else
		cJSON_AddNullToObject(j, "lent_to");
	cJSON_AddItemToArray(arg, j);
	return 0;
}

cJSON *
guest_pool_json(struct store *st)
{
	cJSON *a = cJSON_CreateArray();

	if (store_loaners_list(st, pool_cb, a) == -1) {
		cJSON_Delete(a);
		return NULL;
	}
	return a;
}

static int
event_cb(const struct event_row *e, void *arg)
{
	cJSON_AddItemToArray(arg, render_event(e, NULL));
	return 0;
}

cJSON *
guest_export_json(struct store *st, const struct guest_row *g, int64_t now_ms)
{
	cJSON *j = cJSON_CreateObject(), *ev = cJSON_CreateArray();

	render_json_time(j, "exported", now_ms);
	cJSON_AddItemToObject(j, "guest", guest_json(st, g));
	cJSON_AddItemToObject(j, "events", ev);
	if (store_guest_events(st, g->id, event_cb, ev) == -1) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

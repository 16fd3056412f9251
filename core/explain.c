/*
 * The rule-by-rule explanation of a door decision (explain.h).  The rules
 * are those of access_decide, in its order; the verdict at each reader is
 * access_decide's own, on decision_input's input.
 */
#include "explain.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "render_json.h"

static const char *const weekdays[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

const char *
explain_weekday(const struct explanation *x)
{
	return x->now.weekday >= 0 && x->now.weekday < 7 ? weekdays[x->now.weekday] : "?";
}

const char *
explain_unsynced_name(enum unsynced_policy p)
{
	switch (p) {
	case UNSYNCED_MEMBERS_ONLY:	return "members_only";
	case UNSYNCED_DENY:		return "deny";
	case UNSYNCED_IGNORE:		return "ignore";
	}
	return "?";
}

static void
step_set(struct explain_step *s, const char *rule, int pass, const char *fmt, va_list ap)
{
	snprintf(s->rule, sizeof(s->rule), "%s", rule);
	s->pass = pass;
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
}

/* Append a member rule: pass is 1, 0, or -1 when it decides nothing. */
static void
rule(struct explanation *x, const char *name, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
rule(struct explanation *x, const char *name, int pass, const char *fmt, ...)
{
	va_list ap;

	if (x->nsteps == EXPLAIN_MAX_STEPS)
		return;
	va_start(ap, fmt);
	step_set(&x->steps[x->nsteps++], name, pass, fmt, ap);
	va_end(ap);
}

static void
badge_rule(struct explain_badge *eb, int pass, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
badge_rule(struct explain_badge *eb, int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	step_set(&eb->step, "badge", pass, fmt, ap);
	va_end(ap);
}

void
explain_lockouts_from_status(const cJSON *reply, const struct config *conf,
    struct explain_lockouts *lo)
{
	const cJSON *r, *name;
	int i;

	memset(lo, 0, sizeof(*lo));
	if (!cJSON_IsObject(reply) ||
	    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok")))
		return;
	lo->known = true;
	cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(reply, "readers")) {
		name = cJSON_GetObjectItemCaseSensitive(r, "name");
		if (!cJSON_IsString(name) ||
		    (i = config_reader_index(conf, name->valuestring)) == -1)
			continue;
		lo->locked[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "locked_out"));
	}
}

/* Whether the member's access never depends on the time (access.c's rule:
 * no group, or at least one group without a schedule): "" for no group,
 * the free group's name, or NULL. */
static const char *
schedule_free(const struct access_groups *g)
{
	int i;

	if (g->ngroups == 0)
		return "";
	for (i = 0; i < g->ngroups; i++)
		if (g->groups[i].nwindows == 0)
			return g->groups[i].name;
	return NULL;
}

/* The member's rules, in access_decide's order, and their groups. */
static void
member_rules(struct explanation *x)
{
	const struct member_row *m = &x->m;
	const struct config *conf = x->conf;
	const char *free_group = schedule_free(&x->access);
	bool dated = m->valid_from[0] != '\0' || m->valid_until[0] != '\0';
	bool any = false;
	int i;

	rule(x, "member_status", m->active, "member %s is %s%s", m->name,
	    m->active ? "active" : "disabled", m->erased ? " (erased)" : "");
	if (m->valid_from[0] == '\0')
		rule(x, "valid_from", 1, "no start date");
	else
		rule(x, "valid_from", strcmp(x->now.date, m->valid_from) >= 0,
		    "valid from %s, today is %s", m->valid_from, x->now.date);
	if (m->valid_until[0] == '\0')
		rule(x, "valid_until", 1, "no end date");
	else
		rule(x, "valid_until", strcmp(x->now.date, m->valid_until) <= 0,
		    "valid until %s (inclusive), today is %s", m->valid_until, x->now.date);

	for (i = 0; i < x->access.ngroups; i++) {
		const struct access_group *g = &x->access.groups[i];
		struct explain_group *eg = &x->groups[x->ngroups++];

		eg->allows_now = access_group_allows(g, &x->now);
		/* Same size (64) in both: a copy, not a snprintf into x from x. */
		_Static_assert(sizeof(eg->name) == sizeof(g->name), "group name sizes");
		memcpy(eg->name, g->name, sizeof(eg->name));
		eg->name[sizeof(eg->name) - 1] = '\0';
		if (g->nwindows)
			access_schedule_format(g->windows, g->nwindows, eg->schedule,
			    sizeof(eg->schedule));
		else
			snprintf(eg->schedule, sizeof(eg->schedule), "always");
		any |= eg->allows_now;
	}

	if (x->synced)
		rule(x, "clock", 1, "the clock is NTP-synced");
	else if (conf->unsynced_clock == UNSYNCED_IGNORE)
		rule(x, "clock", 1, "the clock is NOT NTP-synced; unsynced_clock = ignore: "
		    "dates and schedules are used as they are");
	else if (conf->unsynced_clock == UNSYNCED_DENY)
		rule(x, "clock", 0, "the clock is NOT NTP-synced and unsynced_clock = deny: "
		    "no badge opens until it is");
	else
		rule(x, "clock", !dated && free_group != NULL,
		    "the clock is NOT NTP-synced and unsynced_clock = members_only: only "
		    "members with no validity dates and no schedule may enter (%s)",
		    dated ? "this member has validity dates" : free_group == NULL ?
		    "this member's groups all have schedules" : "this member qualifies");

	if (free_group != NULL && free_group[0] == '\0')
		rule(x, "schedule", 1, "in no group: no schedule applies");
	else if (free_group != NULL)
		rule(x, "schedule", 1, "group %s has no schedule: any time", free_group);
	else
		rule(x, "schedule", any, "%s of the member's groups allows %s %02d:%02d",
		    any ? "one" : "none", explain_weekday(x), x->now.minute / 60,
		    x->now.minute % 60);
}

/* The lockout step: whether any reader with a door is locked out, as
 * seuild says; -1 when seuild did not answer. */
static void
lockout_rule(struct explanation *x)
{
	char names[EXPLAIN_DETAIL_MAX] = "";
	size_t len = 0;
	int i, n = 0;

	if (!x->lockouts.known) {
		rule(x, "lockout", -1, "seuild is not running: reader lockouts unknown "
		    "(and no door opens until it runs)");
		return;
	}
	for (i = 0; i < x->conf->nreaders; i++) {
		if (x->conf->readers[i].door_index < 0 || !x->lockouts.locked[i])
			continue;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
			    n ? ", " : "", x->conf->readers[i].name);
		n++;
	}
	if (n == 0)
		rule(x, "lockout", 1, "no reader is locked out");
	else
		rule(x, "lockout", 0, "locked out after repeated failures: reader%s %s "
		    "(no badge opens there until the lockout ends)", n > 1 ? "s" : "", names);
}

static void
start(struct explanation *x, const struct config *conf, int64_t now_ms, bool synced,
    const struct explain_lockouts *lo)
{
	memset(x, 0, sizeof(*x));
	x->conf = conf;
	x->now_ms = now_ms;
	tz_local(now_ms, &x->now);
	x->synced = synced;
	if (lo != NULL)
		x->lockouts = *lo;
}

/* Add a badge (b NULL: unknown, by hint or none) and decide at every
 * reader with a door. */
static int
add_badge(struct explanation *x, const struct badge_row *b, const char *hint)
{
	const struct config *conf = x->conf;
	struct explain_badge *eb, *nb;
	struct access_input in;
	int i;

	if ((nb = realloc(x->badges, (size_t)(x->nbadges + 1) * sizeof(*nb))) == NULL)
		return -1;
	x->badges = nb;
	eb = &x->badges[x->nbadges++];
	memset(eb, 0, sizeof(*eb));
	if (b != NULL) {
		eb->known = true;
		eb->b = *b;
		badge_rule(eb, b->active, "badge %lld is %s", (long long)b->id,
		    b->active ? "active" : "revoked");
	} else {
		if (hint != NULL)
			snprintf(eb->hint, sizeof(eb->hint), "%s", hint);
		badge_rule(eb, 0, "%s", hint != NULL ? "no badge with this UID is enrolled" :
		    "the member has no badge: any badge tapped is unknown");
	}
	for (i = 0; i < conf->nreaders; i++) {
		struct explain_decision *d;

		if (conf->readers[i].door_index < 0)
			continue;	/* a desk reader decides nothing */
		d = &eb->d[eb->ndecisions++];
		d->reader = i;
		d->locked_out = x->lockouts.known ? x->lockouts.locked[i] : -1;
		decision_input(&in, conf, b, &x->m, &x->access, x->now_ms, x->synced,
		    x->lockouts.known && x->lockouts.locked[i]);
		d->reason = access_decide(&in);
	}
	return 0;
}

struct badges_ctx {
	struct explanation	*x;
	int			 failed;
};

static int
badge_cb(const struct badge_row *b, void *arg)
{
	struct badges_ctx *bc = arg;

	if (add_badge(bc->x, b, NULL) == -1) {
		bc->failed = 1;
		return 1;
	}
	return 0;
}

int
explain_member(struct explanation *x, struct store *st, const struct config *conf,
    const struct member_row *m, int64_t now_ms, bool synced,
    const struct explain_lockouts *lo)
{
	struct badges_ctx bc = { .x = x };
	int n;

	start(x, conf, now_ms, synced, lo);
	x->kind = EXPLAIN_MEMBER;
	x->have_member = true;
	x->m = *m;
	snprintf(x->subject, sizeof(x->subject), "%s (member %lld)", m->name, (long long)m->id);
	if (store_member_groups(st, m->id, &x->access) == -1)
		goto fail;
	member_rules(x);
	lockout_rule(x);
	if ((n = store_badges_list(st, m->id, badge_cb, &bc)) == -1 || bc.failed)
		goto fail;
	if (n == 0 && add_badge(x, NULL, NULL) == -1)
		goto fail;
	return 0;
fail:
	explain_free(x);
	return -1;
}

int
explain_badge(struct explanation *x, const struct config *conf,
    const struct decision_rows *rows, const char *hint, int64_t now_ms, bool synced,
    const struct explain_lockouts *lo)
{
	start(x, conf, now_ms, synced, lo);
	if (rows != NULL) {
		x->kind = EXPLAIN_BADGE;
		x->have_member = true;
		x->m = rows->member;
		x->access = rows->groups;
		snprintf(x->subject, sizeof(x->subject), "badge hint %s of %s (member %lld)",
		    hint, x->m.name, (long long)x->m.id);
		member_rules(x);
	} else {
		x->kind = EXPLAIN_UNKNOWN;
		snprintf(x->subject, sizeof(x->subject), "badge hint %s", hint);
	}
	lockout_rule(x);
	if (add_badge(x, rows != NULL ? &rows->badge : NULL, hint) == -1) {
		explain_free(x);
		return -1;
	}
	return 0;
}

static void
json_steps(cJSON *a, const struct explain_step *s, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "rule", s[i].rule);
		if (s[i].pass == -1)
			cJSON_AddNullToObject(r, "pass");
		else
			cJSON_AddBoolToObject(r, "pass", s[i].pass);
		cJSON_AddStringToObject(r, "detail", s[i].detail);
		cJSON_AddItemToArray(a, r);
	}
}

static void
json_badge(cJSON *a, const struct explanation *x, const struct explain_badge *eb)
{
	const struct config *conf = x->conf;
	cJSON *o = cJSON_CreateObject(), *ds, *d;
	int i;

	if (eb->known) {
		cJSON_AddNumberToObject(o, "id", (double)eb->b.id);
		cJSON_AddStringToObject(o, "hint", eb->b.hint);
		render_json_text(o, "label", eb->b.label[0] != '\0' ? eb->b.label : NULL);
		cJSON_AddStringToObject(o, "status", eb->b.active ? "active" : "revoked");
	} else {
		cJSON_AddNullToObject(o, "id");
		render_json_text(o, "hint", eb->hint[0] != '\0' ? eb->hint : NULL);
		cJSON_AddNullToObject(o, "label");
		cJSON_AddStringToObject(o, "status", "unknown");
	}
	json_steps(cJSON_AddArrayToObject(o, "rules"), &eb->step, 1);
	ds = cJSON_AddArrayToObject(o, "decisions");
	for (i = 0; i < eb->ndecisions; i++) {
		const struct explain_decision *e = &eb->d[i];
		const struct reader_conf *rc = &conf->readers[e->reader];

		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "door", rc->door);
		cJSON_AddStringToObject(d, "reader", rc->name);
		if (e->locked_out == -1)
			cJSON_AddNullToObject(d, "locked_out");
		else
			cJSON_AddBoolToObject(d, "locked_out", e->locked_out);
		cJSON_AddStringToObject(d, "decision",
		    e->reason == ACCESS_GRANTED ? "granted" : "denied");
		cJSON_AddStringToObject(d, "reason", access_reason_name(e->reason));
		cJSON_AddItemToArray(ds, d);
	}
	cJSON_AddItemToArray(a, o);
}

cJSON *
explain_json(const struct explanation *x)
{
	cJSON *doc = cJSON_CreateObject(), *groups, *badges;
	char t[32];
	int i;

	cJSON_AddStringToObject(doc, "subject", x->subject);
	clock_format_utc(x->now_ms, t);
	cJSON_AddStringToObject(doc, "now", t);
	tz_format_local(x->now_ms, t, sizeof(t));
	cJSON_AddStringToObject(doc, "local_time", t);
	cJSON_AddStringToObject(doc, "weekday", explain_weekday(x));
	cJSON_AddStringToObject(doc, "timezone", x->conf->timezone);
	cJSON_AddBoolToObject(doc, "clock_synced", x->synced);
	cJSON_AddStringToObject(doc, "unsynced_clock",
	    explain_unsynced_name(x->conf->unsynced_clock));
	cJSON_AddBoolToObject(doc, "daemon_running", x->lockouts.known);
	if (x->have_member) {
		cJSON *mj = cJSON_AddObjectToObject(doc, "member");

		cJSON_AddNumberToObject(mj, "id", (double)x->m.id);
		cJSON_AddStringToObject(mj, "name", x->m.name);
		cJSON_AddStringToObject(mj, "status", x->m.active ? "active" : "disabled");
	} else
		cJSON_AddNullToObject(doc, "member");
	json_steps(cJSON_AddArrayToObject(doc, "rules"), x->steps, x->nsteps);
	groups = cJSON_AddArrayToObject(doc, "groups");
	for (i = 0; i < x->ngroups; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "name", x->groups[i].name);
		cJSON_AddStringToObject(o, "schedule", x->groups[i].schedule);
		cJSON_AddBoolToObject(o, "allows_now", x->groups[i].allows_now);
		cJSON_AddItemToArray(groups, o);
	}
	badges = cJSON_AddArrayToObject(doc, "badges");
	for (i = 0; i < x->nbadges; i++)
		json_badge(badges, x, &x->badges[i]);
	return doc;
}

void
explain_free(struct explanation *x)
{
	free(x->badges);
	x->badges = NULL;
	x->nbadges = 0;
}

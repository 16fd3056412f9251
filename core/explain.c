/* SPDX-License-Identifier: GPL-3.0-or-later */
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

/* EXPLAIN_ARG_READERS is a bit mask of reader indices. */
_Static_assert(CONFIG_MAX_READERS <= 63, "a reader set fits a long long");

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
step_set(struct explain_step *s, const char *rule, int pass, const char *code,
    const char *fmt, va_list ap)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->rule, sizeof(s->rule), "%s", rule);
	s->pass = pass;
	snprintf(s->code, sizeof(s->code), "%s", code);
	vsnprintf(s->detail, sizeof(s->detail), fmt, ap);
}

/* A step's next parameter (NULL when the step or its args are full). */
static struct explain_arg *
arg_new(struct explain_step *s, const char *key, enum explain_arg_type type)
{
	struct explain_arg *a;

	if (s == NULL || s->nargs == EXPLAIN_ARGS_MAX)
		return NULL;
	a = &s->args[s->nargs++];
	a->key = key;
	a->type = type;
	return a;
}

static void
arg_text(struct explain_step *s, const char *key, const char *v)
{
	struct explain_arg *a = arg_new(s, key, EXPLAIN_ARG_TEXT);

	if (a != NULL)
		snprintf(a->text, sizeof(a->text), "%s", v);
}

static void
arg_num(struct explain_step *s, const char *key, enum explain_arg_type type, long long n)
{
	struct explain_arg *a = arg_new(s, key, type);

	if (a != NULL)
		a->n = n;
}

/* Append a member rule: pass is 1, 0, or -1 when it decides nothing.
 * Returns the step for its args (NULL when the steps are full). */
static struct explain_step *
rule(struct explanation *x, const char *name, int pass, const char *code,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static struct explain_step *
rule(struct explanation *x, const char *name, int pass, const char *code,
    const char *fmt, ...)
{
	struct explain_step *s;
	va_list ap;

	if (x->nsteps == EXPLAIN_MAX_STEPS)
		return NULL;
	s = &x->steps[x->nsteps++];
	va_start(ap, fmt);
	step_set(s, name, pass, code, fmt, ap);
	va_end(ap);
	return s;
}

static struct explain_step *
badge_rule(struct explain_badge *eb, int pass, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static struct explain_step *
badge_rule(struct explain_badge *eb, int pass, const char *code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	step_set(&eb->step, "badge", pass, code, fmt, ap);
	va_end(ap);
	return &eb->step;
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
	/* A site's replica whose copy is older than max_age: as seuild says. */
	r = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(reply, "site"),
	    "state");
	lo->copy_expired = cJSON_IsString(r) && strcmp(r->valuestring, "expired") == 0;
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
	struct explain_step *s;
	bool any = false;
	char hhmm[8];
	int i;

	s = rule(x, "member_status", m->active, m->active ? "member_active" : "member_disabled",
	    "member %s is %s%s", m->name, m->active ? "active" : "disabled",
	    m->erased ? " (erased)" : "");
	arg_text(s, "name", m->name);
	arg_num(s, "erased", EXPLAIN_ARG_BOOL, m->erased);
	if (m->valid_from[0] == '\0')
		rule(x, "valid_from", 1, "no_start_date", "no start date");
	else {
		s = rule(x, "valid_from", strcmp(x->now.date, m->valid_from) >= 0, "valid_from",
		    "valid from %s, today is %s", m->valid_from, x->now.date);
		arg_text(s, "from", m->valid_from);
		arg_text(s, "today", x->now.date);
	}
	if (m->valid_until[0] == '\0')
		rule(x, "valid_until", 1, "no_end_date", "no end date");
	else {
		s = rule(x, "valid_until", strcmp(x->now.date, m->valid_until) <= 0, "valid_until",
		    "valid until %s (inclusive), today is %s", m->valid_until, x->now.date);
		arg_text(s, "until", m->valid_until);
		arg_text(s, "today", x->now.date);
	}

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
		rule(x, "clock", 1, "clock_synced", "the clock is NTP-synced");
	else if (conf->unsynced_clock == UNSYNCED_IGNORE)
		rule(x, "clock", 1, "clock_unsynced_ignore", "the clock is NOT NTP-synced; "
		    "unsynced_clock = ignore: dates and schedules are used as they are");
	else if (conf->unsynced_clock == UNSYNCED_DENY)
		rule(x, "clock", 0, "clock_unsynced_deny", "the clock is NOT NTP-synced and "
		    "unsynced_clock = deny: no badge opens until it is");
	else {
		s = rule(x, "clock", !dated && free_group != NULL, "clock_unsynced_members_only",
		    "the clock is NOT NTP-synced and unsynced_clock = members_only: only "
		    "members with no validity dates and no schedule may enter (%s)",
		    dated ? "this member has validity dates" : free_group == NULL ?
		    "this member's groups all have schedules" : "this member qualifies");
		arg_text(s, "member", dated ? "has_dates" : free_group == NULL ?
		    "all_scheduled" : "qualifies");
	}

	if (free_group != NULL && free_group[0] == '\0')
		rule(x, "schedule", 1, "no_group", "in no group: no schedule applies");
	else if (free_group != NULL) {
		s = rule(x, "schedule", 1, "group_unscheduled", "group %s has no schedule: "
		    "any time", free_group);
		arg_text(s, "group", free_group);
	} else {
		snprintf(hhmm, sizeof(hhmm), "%02d:%02d", x->now.minute / 60 % 100,
		    x->now.minute % 60);
		s = rule(x, "schedule", any, any ? "schedule_allows" : "schedule_forbids",
		    "%s of the member's groups allows %s %s", any ? "one" : "none",
		    explain_weekday(x), hhmm);
		arg_text(s, "weekday", explain_weekday(x));
		arg_text(s, "time", hhmm);
	}
}

/* The lockout step: whether any reader with a door is locked out, as
 * seuild says; -1 when seuild did not answer. */
static void
lockout_rule(struct explanation *x)
{
	char names[EXPLAIN_DETAIL_MAX] = "";
	long long mask = 0;
	size_t len = 0;
	int i, n = 0;

	if (!x->lockouts.known) {
		rule(x, "lockout", -1, "lockout_unknown", "seuild is not running: reader "
		    "lockouts unknown (and no door opens until it runs)");
		return;
	}
	for (i = 0; i < x->conf->nreaders; i++) {
		if (x->conf->readers[i].door_index < 0 || !x->lockouts.locked[i])
			continue;
		if (len < sizeof(names))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
			    n ? ", " : "", x->conf->readers[i].name);
		mask |= 1LL << i;
		n++;
	}
	if (n == 0)
		rule(x, "lockout", 1, "lockout_none", "no reader is locked out");
	else
		arg_num(rule(x, "lockout", 0, "lockout_readers", "locked out after repeated "
		    "failures: reader%s %s (no badge opens there until the lockout ends)",
		    n > 1 ? "s" : "", names), "readers", EXPLAIN_ARG_READERS, mask);
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
	struct explain_step *step;
	struct access_input in;
	int i;

	if ((nb = realloc(x->badges, (size_t)(x->nbadges + 1) * sizeof(*nb))) == NULL)
		return -1;
	x->badges = nb;
	eb = &x->badges[x->nbadges++];
	memset(eb, 0, sizeof(*eb));
	if (x->loaner != NULL) {
		const struct decision_rows *l = x->loaner;
		char ends[32];

		eb->known = true;
		eb->b.active = true;
		tz_format_local(l->guest.ends_ms, ends, sizeof(ends));
		if (l->guest.id != 0)
			arg_num(badge_rule(eb, 1, "loaner_lent", "loaner %s is lent to guest %lld, "
			    "whose pass ends %s; the guest has what sponsor %s has",
			    l->l.label, (long long)l->guest.id, ends, x->m.name[0] ? x->m.name :
			    "(gone)"), "guest", EXPLAIN_ARG_INT, l->guest.id);
		else
			badge_rule(eb, 0, "loaner_in_pool", "loaner %s is in the pool, lent to "
			    "nobody", l->l.label);
	} else if (b != NULL) {
		eb->known = true;
		eb->b = *b;
		step = badge_rule(eb, b->active, b->active ? "badge_active" : "badge_revoked",
		    "badge %lld (%s) is %s", (long long)b->id, b->kind == BADGE_DESFIRE ?
		    "a DESFire credential" : "a UID", b->active ? "active" : "revoked");
		arg_num(step, "id", EXPLAIN_ARG_INT, b->id);
		arg_text(step, "kind", store_badge_kind_name(b->kind));
	} else {
		if (hint != NULL)
			snprintf(eb->hint, sizeof(eb->hint), "%s", hint);
		badge_rule(eb, 0, hint != NULL ? "uid_not_enrolled" : "no_badge", "%s",
		    hint != NULL ? "no badge with this UID is enrolled" :
		    "the member has no badge: any badge tapped is unknown");
	}
	for (i = 0; i < conf->nreaders; i++) {
		const struct reader_conf *rc = &conf->readers[i];
		struct explain_decision *d;
		struct decision_tap tap = { .reader = rc->credential, .card = ACCESS_CARD_UID,
		    .locked_out = x->lockouts.known && x->lockouts.locked[i] };
		bool found = false;

		if (rc->door_index < 0)
			continue;	/* a desk reader decides nothing */
		/* The card as this reader sees it: a DESFire badge at a reader
		 * that reads no credentials shows a UID that is no badge's. */
		if (b != NULL)
			tap.card = decision_card_of(b->kind, rc->credential, &found);
		d = &eb->d[eb->ndecisions++];
		d->reader = i;
		d->locked_out = x->lockouts.known ? x->lockouts.locked[i] : -1;
		if (x->loaner != NULL)
			decision_input_rows(&in, conf, x->loaner, x->now_ms, x->synced, tap);
		else
			decision_input(&in, conf, found ? b : NULL, &x->m, &x->access,
			    x->now_ms, x->synced, tap);
		in.copy_expired = x->lockouts.known && x->lockouts.copy_expired;
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
	if (rows != NULL && rows->loaner) {
		/* A guest's loaner: the sponsor's rules, then the pass. */
		x->kind = EXPLAIN_BADGE;
		x->have_member = rows->member.id != 0;
		x->m = rows->member;
		x->access = rows->groups;
		x->loaner = rows;
		snprintf(x->subject, sizeof(x->subject), "loaner %s (hint %s)%s", rows->l.label,
		    hint, rows->guest.id != 0 ? ", a guest's" : "");
		if (x->have_member)
			member_rules(x);
		lockout_rule(x);
		if (add_badge(x, NULL, hint) == -1) {
			explain_free(x);
			return -1;
		}
		x->loaner = NULL;
		return 0;
	}
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

/* A step's args as a JSON object. */
static void
json_args(cJSON *o, const struct config *conf, const struct explain_step *s)
{
	cJSON *l;
	int i, j;

	for (i = 0; i < s->nargs; i++) {
		const struct explain_arg *a = &s->args[i];

		switch (a->type) {
		case EXPLAIN_ARG_TEXT:
			cJSON_AddStringToObject(o, a->key, a->text);
			break;
		case EXPLAIN_ARG_INT:
			cJSON_AddNumberToObject(o, a->key, (double)a->n);
			break;
		case EXPLAIN_ARG_BOOL:
			cJSON_AddBoolToObject(o, a->key, a->n != 0);
			break;
		case EXPLAIN_ARG_READERS:
			l = cJSON_AddArrayToObject(o, a->key);
			for (j = 0; j < conf->nreaders && j < 63; j++)
				if (a->n & (1LL << j))
					cJSON_AddItemToArray(l,
					    cJSON_CreateString(conf->readers[j].name));
			break;
		}
	}
}

static void
json_steps(cJSON *a, const struct config *conf, const struct explain_step *s, int n)
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
		cJSON_AddStringToObject(r, "code", s[i].code);
		json_args(cJSON_AddObjectToObject(r, "args"), conf, &s[i]);
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
	json_steps(cJSON_AddArrayToObject(o, "rules"), conf, &eb->step, 1);
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
	cJSON *doc = cJSON_CreateObject(), *groups, *badges, *sa;
	char t[32];
	int i;

	cJSON_AddStringToObject(doc, "subject", x->subject);
	/* The subject for a program: what it is, and its parts. */
	cJSON_AddStringToObject(doc, "subject_code", x->kind == EXPLAIN_MEMBER ? "member" :
	    x->kind == EXPLAIN_BADGE ? "badge" : "unknown_badge");
	sa = cJSON_AddObjectToObject(doc, "subject_args");
	if (x->kind != EXPLAIN_MEMBER && x->nbadges > 0)
		cJSON_AddStringToObject(sa, "hint", x->badges[0].known ? x->badges[0].b.hint :
		    x->badges[0].hint);
	if (x->have_member) {
		cJSON_AddStringToObject(sa, "name", x->m.name);
		cJSON_AddNumberToObject(sa, "id", (double)x->m.id);
	}
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
	json_steps(cJSON_AddArrayToObject(doc, "rules"), x->conf, x->steps, x->nsteps);
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

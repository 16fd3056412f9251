/*
 * seuilctl explain M|UID: why a member's badges, or one badge, would be
 * granted or denied right now at each reader, rule by rule.
 *
 * The verdict is never computed here: every (badge, reader) pair goes
 * through access_decide() with the inputs the daemon would build for that
 * tap (daemon_tap in seuild.c), so explain cannot disagree with the door.
 * The rule lines around it only say why.  The explanation is built as JSON
 * first and the human text is printed from that, so both say the same.
 *
 * A UID is turned into its MAC at once and never printed; the hint is.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "decision.h"
#include "tz.h"

static const char *const weekdays[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

struct explain {
	struct ctl		*c;
	int64_t			 now_ms;
	struct local_time	 now;	/* now_ms in site.timezone, for the rules */
	bool			 synced;
	bool			 daemon;	/* status came from a running seuild */
	bool			 locked_out[CONFIG_MAX_READERS];
	bool			 have_member;
	struct member_row	 m;
	struct access_groups	 groups;
	cJSON			*doc;
	cJSON			*badges;
};

static const char *
unsynced_name(enum unsynced_policy p)
{
	switch (p) {
	case UNSYNCED_MEMBERS_ONLY:	return "members_only";
	case UNSYNCED_DENY:		return "deny";
	case UNSYNCED_IGNORE:		return "ignore";
	}
	return "?";
}

/* One rule line: pass is 1, 0, or -1 when it does not decide anything. */
static void
rule(cJSON *rules, const char *name, int pass, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
rule(cJSON *rules, const char *name, int pass, const char *fmt, ...)
{
	cJSON *r = cJSON_CreateObject();
	va_list ap;

	cJSON_AddStringToObject(r, "rule", name);
	if (pass == -1)
		cJSON_AddNullToObject(r, "pass");
	else
		cJSON_AddBoolToObject(r, "pass", pass);
	va_start(ap, fmt);
	render_json_vaddf(r, "detail", fmt, ap);
	va_end(ap);
	cJSON_AddItemToArray(rules, r);
}

/* Whether the member's access never depends on the time (access.c's rule:
 * no group, or at least one group without a schedule). */
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

/* The member's rules, in access_decide's order. */
static void
member_rules(struct explain *x, cJSON *rules)
{
	const struct member_row *m = &x->m;
	const struct config *conf = &x->c->conf;
	const char *free_group = schedule_free(&x->groups);
	bool dated = m->valid_from[0] != '\0' || m->valid_until[0] != '\0';
	bool any = false;
	char sched[ACCESS_SCHEDULE_TEXT_MAX];
	cJSON *groups;
	int i;

	rule(rules, "member_status", m->active, "member %s is %s%s", m->name,
	    m->active ? "active" : "disabled", m->erased ? " (erased)" : "");
	if (m->valid_from[0] == '\0')
		rule(rules, "valid_from", 1, "no start date");
	else
		rule(rules, "valid_from", strcmp(x->now.date, m->valid_from) >= 0,
		    "valid from %s, today is %s", m->valid_from, x->now.date);
	if (m->valid_until[0] == '\0')
		rule(rules, "valid_until", 1, "no end date");
	else
		rule(rules, "valid_until", strcmp(x->now.date, m->valid_until) <= 0,
		    "valid until %s (inclusive), today is %s", m->valid_until, x->now.date);

	groups = cJSON_AddArrayToObject(x->doc, "groups");
	for (i = 0; i < x->groups.ngroups; i++) {
		const struct access_group *g = &x->groups.groups[i];
		bool allows = access_group_allows(g, &x->now);
		cJSON *o = cJSON_CreateObject();

		access_schedule_format(g->windows, g->nwindows, sched, sizeof(sched));
		cJSON_AddStringToObject(o, "name", g->name);
		cJSON_AddStringToObject(o, "schedule", g->nwindows ? sched : "always");
		cJSON_AddBoolToObject(o, "allows_now", allows);
		cJSON_AddItemToArray(groups, o);
		any |= allows;
	}

	if (x->synced)
		rule(rules, "clock", 1, "the clock is NTP-synced");
	else if (conf->unsynced_clock == UNSYNCED_IGNORE)
		rule(rules, "clock", 1, "the clock is NOT NTP-synced; unsynced_clock = ignore: "
		    "dates and schedules are used as they are");
	else if (conf->unsynced_clock == UNSYNCED_DENY)
		rule(rules, "clock", 0, "the clock is NOT NTP-synced and unsynced_clock = deny: "
		    "no badge opens until it is");
	else
		rule(rules, "clock", !dated && free_group != NULL,
		    "the clock is NOT NTP-synced and unsynced_clock = members_only: only "
		    "members with no validity dates and no schedule may enter (%s)",
		    dated ? "this member has validity dates" : free_group == NULL ?
		    "this member's groups all have schedules" : "this member qualifies");

	if (free_group != NULL && free_group[0] == '\0')
		rule(rules, "schedule", 1, "in no group: no schedule applies");
	else if (free_group != NULL)
		rule(rules, "schedule", 1, "group %s has no schedule: any time", free_group);
	else
		rule(rules, "schedule", any, "%s of the member's groups allows %s %02d:%02d",
		    any ? "one" : "none", x->now.weekday >= 0 && x->now.weekday < 7 ?
		    weekdays[x->now.weekday] : "?", x->now.minute / 60, x->now.minute % 60);
}

/* Decide at every reader for one badge (b NULL: unknown) and add it. */
static void
add_badge(struct explain *x, const struct badge_row *b, const char *hint)
{
	const struct config *conf = &x->c->conf;
	struct access_input in;
	cJSON *o = cJSON_CreateObject(), *rules, *ds, *d;
	enum access_reason r;
	int i;

	if (b != NULL) {
		cJSON_AddNumberToObject(o, "id", (double)b->id);
		cJSON_AddStringToObject(o, "hint", b->hint);
		if (b->label[0] != '\0')
			cJSON_AddStringToObject(o, "label", b->label);
		else
			cJSON_AddNullToObject(o, "label");
		cJSON_AddStringToObject(o, "status", b->active ? "active" : "revoked");
	} else {
		cJSON_AddNullToObject(o, "id");
		if (hint != NULL)
			cJSON_AddStringToObject(o, "hint", hint);
		else
			cJSON_AddNullToObject(o, "hint");
		cJSON_AddNullToObject(o, "label");
		cJSON_AddStringToObject(o, "status", "unknown");
	}
	rules = cJSON_AddArrayToObject(o, "rules");
	if (b == NULL)
		rule(rules, "badge", 0, hint != NULL ? "no badge with this UID is enrolled" :
		    "the member has no badge: any badge tapped is unknown");
	else
		rule(rules, "badge", b->active, "badge %lld is %s", (long long)b->id,
		    b->active ? "active" : "revoked");

	ds = cJSON_AddArrayToObject(o, "decisions");
	for (i = 0; i < conf->nreaders; i++) {
		if (conf->readers[i].door_index < 0)
			continue;	/* a desk reader decides nothing */
		decision_input(&in, conf, b, &x->m, &x->groups, x->now_ms, x->synced,
		    x->locked_out[i]);
		r = access_decide(&in);
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "door", conf->readers[i].door);
		cJSON_AddStringToObject(d, "reader", conf->readers[i].name);
		if (x->daemon)
			cJSON_AddBoolToObject(d, "locked_out", x->locked_out[i]);
		else
			cJSON_AddNullToObject(d, "locked_out");
		cJSON_AddStringToObject(d, "decision", r == ACCESS_GRANTED ? "granted" : "denied");
		cJSON_AddStringToObject(d, "reason", access_reason_name(r));
		cJSON_AddItemToArray(ds, d);
	}
	cJSON_AddItemToArray(x->badges, o);
}

static int
badge_cb(const struct badge_row *b, void *arg)
{
	add_badge(arg, b, NULL);
	return 0;
}

/* The daemon's reader lockouts, if it runs. */
static void
read_lockouts(struct explain *x)
{
	const cJSON *readers, *r, *name;
	cJSON *reply;
	bool absent;
	int i;

	if (ctl_request_wait(x->c, "{\"cmd\":\"status\"}", 5000, &reply, &absent, true) != EX_OK)
		return;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		cJSON_Delete(reply);
		return;
	}
	x->daemon = true;
	readers = cJSON_GetObjectItemCaseSensitive(reply, "readers");
	cJSON_ArrayForEach(r, readers) {
		name = cJSON_GetObjectItemCaseSensitive(r, "name");
		if (!cJSON_IsString(name) ||
		    (i = config_reader_index(&x->c->conf, name->valuestring)) == -1)
			continue;
		x->locked_out[i] = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "locked_out"));
	}
	cJSON_Delete(reply);
}

static const char *
s_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
print_rules(const cJSON *rules, const char *indent)
{
	const cJSON *r, *p;

	cJSON_ArrayForEach(r, rules) {
		p = cJSON_GetObjectItemCaseSensitive(r, "pass");
		printf("%s%s %-13s %s\n", indent, cJSON_IsTrue(p) ? "[ok]" :
		    cJSON_IsFalse(p) ? "[NO]" : "[--]", s_of(r, "rule"), s_of(r, "detail"));
	}
}

static void
print_human(const struct explain *x)
{
	const cJSON *doc = x->doc, *g, *b, *d, *lo;
	const char *label, *reason;

	printf("explain %s, now %s %s (%s)\n", s_of(doc, "subject"), s_of(doc, "local_time"),
	    s_of(doc, "weekday"), s_of(doc, "timezone"));
	print_rules(cJSON_GetObjectItemCaseSensitive(doc, "rules"), "  ");
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(doc, "groups"))
		printf("       group %-7s %s, %s now\n", s_of(g, "name"), s_of(g, "schedule"),
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(g, "allows_now")) ?
		    "allows" : "does not allow");
	if (!x->daemon)
		printf("  [--] lockout       seuild is not running: reader lockouts unknown "
		    "(and no door opens until it runs)\n");
	cJSON_ArrayForEach(b, x->badges) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(b, "id");

		label = s_of(b, "label");
		if (cJSON_IsNumber(id))
			printf("  badge %.0f hint %s%s%s%s:\n", id->valuedouble, s_of(b, "hint"),
			    label ? " \"" : "", label ? label : "", label ? "\"" : "");
		else if (s_of(b, "hint") != NULL)
			printf("  badge with hint %s:\n", s_of(b, "hint"));
		else
			printf("  no badge:\n");
		print_rules(cJSON_GetObjectItemCaseSensitive(b, "rules"), "    ");
		cJSON_ArrayForEach(d, cJSON_GetObjectItemCaseSensitive(b, "decisions")) {
			lo = cJSON_GetObjectItemCaseSensitive(d, "locked_out");
			reason = s_of(d, "reason");
			printf("    door %s, reader %s%s: %s", s_of(d, "door"), s_of(d, "reader"),
			    cJSON_IsTrue(lo) ? " (locked out after repeated failures)" : "",
			    strcmp(reason, "granted") == 0 ? "GRANTED\n" : "DENIED");
			if (strcmp(reason, "granted") != 0)
				printf(" (%s)\n", reason);
		}
	}
}

int
ctl_explain(struct ctl *c, int argc, char **argv)
{
	struct explain x;
	struct decision_rows rows;
	struct badge_row b;
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN], err[128], t[32], subject[200];
	const char *arg;
	struct uid u;
	int64_t now;
	int rc, n;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK)
		return rc;
	arg = argv[optind];
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	hint[0] = '\0';
	err[0] = '\0';
	/* A member first (an id is under 8 digits, a name is never all
	 * digits), then a UID, as `badge revoke` reads BADGE. */
	if (manage_all_digits(arg) && strlen(arg) < 8)
		rc = store_member_find(c->st, arg, &x.m);
	else if ((rc = store_member_find(c->st, arg, &x.m)) == 0 &&
	    uid_parse(arg, &u, err, sizeof(err)) == 0) {
		if ((rc = ctl_uid_mac(c, &u, mac, hint)) != EX_OK)
			return rc;
		/* The rows the door would load for this badge. */
		if ((rc = decision_rows_load(c->st, mac, &rows)) == -1)
			return ctl_store_error(c, "explain");
		b = rows.badge;
		x.m = rows.member;
		x.groups = rows.groups;
		rc = rc == 1 ? 2 : 3;	/* known badge, unknown badge */
	}
	if (rc == -1)
		return ctl_store_error(c, "explain");
	if (rc == 0) {
		if (manage_looks_like_uid(arg))
			ctl_errx("no such member, and not a badge UID: %s", err);
		else
			ctl_errx("member '%s' not found (nor is it a badge UID)", arg);
		return EX_NOINPUT;
	}
	x.have_member = rc != 3;
	if (rc == 1 && store_member_groups(c->st, x.m.id, &x.groups) == -1)
		return ctl_store_error(c, "explain");

	/* The daemon's inputs, as daemon_tap takes them. */
	now = clock_wall_ms();
	x.now_ms = now;
	tz_local(now, &x.now);
	x.synced = clock_synced();
	read_lockouts(&x);

	x.doc = cJSON_CreateObject();
	if (rc == 1)
		snprintf(subject, sizeof(subject), "%s (member %lld)", x.m.name, (long long)x.m.id);
	else if (rc == 2)
		snprintf(subject, sizeof(subject), "badge hint %s of %s (member %lld)", hint,
		    x.m.name, (long long)x.m.id);
	else
		snprintf(subject, sizeof(subject), "badge hint %s", hint);
	cJSON_AddStringToObject(x.doc, "subject", subject);
	ctl_format_utc(now, t, sizeof(t));
	cJSON_AddStringToObject(x.doc, "now", t);
	tz_format_local(now, t, sizeof(t));
	cJSON_AddStringToObject(x.doc, "local_time", t);
	cJSON_AddStringToObject(x.doc, "weekday", x.now.weekday >= 0 && x.now.weekday < 7 ?
	    weekdays[x.now.weekday] : "?");
	cJSON_AddStringToObject(x.doc, "timezone", c->conf.timezone);
	cJSON_AddBoolToObject(x.doc, "clock_synced", x.synced);
	cJSON_AddStringToObject(x.doc, "unsynced_clock", unsynced_name(c->conf.unsynced_clock));
	cJSON_AddBoolToObject(x.doc, "daemon_running", x.daemon);
	if (x.have_member) {
		cJSON *mj = cJSON_AddObjectToObject(x.doc, "member");

		cJSON_AddNumberToObject(mj, "id", (double)x.m.id);
		cJSON_AddStringToObject(mj, "name", x.m.name);
		cJSON_AddStringToObject(mj, "status", x.m.active ? "active" : "disabled");
	} else
		cJSON_AddNullToObject(x.doc, "member");
	{
		cJSON *rules = cJSON_AddArrayToObject(x.doc, "rules");

		if (x.have_member)
			member_rules(&x, rules);
		else
			cJSON_AddArrayToObject(x.doc, "groups");
	}
	x.badges = cJSON_AddArrayToObject(x.doc, "badges");
	if (rc == 1) {
		if ((n = store_badges_list(c->st, x.m.id, badge_cb, &x)) == -1) {
			cJSON_Delete(x.doc);
			return ctl_store_error(c, "explain");
		}
		if (n == 0)
			add_badge(&x, NULL, NULL);
	} else
		add_badge(&x, rc == 2 ? &b : NULL, hint);

	if (c->json)
		return ctl_json_print(c, x.doc);
	print_human(&x);
	cJSON_Delete(x.doc);
	return EX_OK;
}

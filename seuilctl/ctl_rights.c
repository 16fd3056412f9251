/*
 * Data rights and retention: member export (right of access), member erase
 * (right to erasure) and purge (retention now).  Badge MACs are never
 * exported: they identify a card, not the person, and are no use to them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"

static int
export_badge(const struct badge_row *b, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)b->id);
	cJSON_AddStringToObject(j, "hint", b->hint);
	ctl_json_text(j, "label", b->label);
	cJSON_AddStringToObject(j, "status", b->active ? "active" : "revoked");
	ctl_json_time(j, "created", b->created_ms);
	ctl_json_time(j, "last_seen", b->last_seen_ms);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

static int
export_visit(const struct visit_row *v, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "id", (double)v->id);
	ctl_json_text(j, "door", v->door);
	ctl_json_time(j, "arrived", v->arrived_ms);
	ctl_json_time(j, "left", v->left_ms);
	ctl_json_text(j, "left_reason", v->left_reason);
	ctl_json_time(j, "last_seen", v->last_seen_ms);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

static int
export_event(const struct event_row *e, void *arg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "seq", (double)e->seq);
	ctl_json_time(j, "ts", e->ts_ms);
	cJSON_AddStringToObject(j, "type", e->type);
	ctl_json_text(j, "door", e->door);
	ctl_json_text(j, "reader", e->reader);
	if (e->badge_id != 0)
		cJSON_AddNumberToObject(j, "badge_id", (double)e->badge_id);
	else
		cJSON_AddNullToObject(j, "badge_id");
	ctl_json_text(j, "reason", e->reason);
	ctl_json_text(j, "detail", e->detail);
	cJSON_AddBoolToObject(j, "clock_synced", e->clock_synced);
	cJSON_AddItemToArray(arg, j);
	return 0;
}

int
ctl_member_export(struct ctl *c, int argc, char **argv)
{
	struct access_groups ag;
	struct member_row m;
	char sched[ACCESS_SCHEDULE_TEXT_MAX];
	cJSON *doc, *a, *g;
	int rc, i;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;

	doc = cJSON_CreateObject();
	ctl_json_time(doc, "exported", clock_wall_ms());
	cJSON_AddStringToObject(doc, "site", c->conf.site_name);
	cJSON_AddStringToObject(doc, "timezone", c->conf.timezone);
	cJSON_AddItemToObject(doc, "member", ctl_member_json(c, &m));
	a = cJSON_AddArrayToObject(doc, "groups");
	if (store_member_groups(c->st, m.id, &ag) == -1)
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
	if (store_badges_list(c->st, m.id, export_badge, a) == -1)
		goto fail;
	a = cJSON_AddArrayToObject(doc, "visits");
	if (store_visits_between(c->st, 0, 0, m.id, export_visit, a) == -1)
		goto fail;
	a = cJSON_AddArrayToObject(doc, "events");
	if (store_member_events(c->st, m.id, export_event, a) == -1)
		goto fail;
	return ctl_json_print(doc);
fail:
	cJSON_Delete(doc);
	return ctl_store_error(c, "member export");
}

static int
count_badge(const struct badge_row *b, void *arg)
{
	(void)b;
	(void)arg;
	return 0;
}

static int
count_visit(const struct visit_row *v, void *arg)
{
	(void)v;
	(void)arg;
	return 0;
}

static int
count_event(const struct event_row *e, void *arg)
{
	(void)e;
	(void)arg;
	return 0;
}

int
ctl_member_erase(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "yes", no_argument, NULL, 'y' },
		CTL_COMMON_OPTS
	};
	struct member_row m;
	bool yes = false, was_present, daemon;
	int ch, rc, nb, nv, ne;

	while ((ch = getopt_long(argc, argv, ":y", opts, NULL)) != -1) {
		if (ch == 'y') {
			yes = true;
			continue;
		}
		if ((rc = ctl_opt(c, ch, argv)) != -1)
			return rc;
	}
	if (argc - optind != 1)
		return ctl_usage(c);
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if ((nb = store_badges_list(c->st, m.id, count_badge, NULL)) == -1 ||
	    (nv = store_visits_between(c->st, 0, 0, m.id, count_visit, NULL)) == -1 ||
	    (ne = store_member_events(c->st, m.id, count_event, NULL)) == -1)
		return ctl_store_error(c, "member erase");
	if (!yes) {
		ctl_errx("member erase deletes personal data and cannot be undone: "
		    "add --yes\n"
		    "  It checks %s out if present, deletes %d badge%s and the group links,\n"
		    "  renames the member erased-%lld and clears display name, email and\n"
		    "  validity dates, and unlinks %d event%s and %d visit%s from the member\n"
		    "  (kept anonymised, so counts stay).  To give the member a copy first:\n"
		    "  seuilctl member export %lld", m.name, nb, nb == 1 ? "" : "s",
		    (long long)m.id, ne, ne == 1 ? "" : "s", nv, nv == 1 ? "" : "s",
		    (long long)m.id);
		return EX_USAGE;
	}

	/* The daemon holds presence in memory: it must let go of M first.
	 * Disabled before that, so that no tap can bring M back in between
	 * (the erase disables the member anyway). */
	if (store_member_set_active(c->st, m.id, false) == -1)
		return ctl_store_error(c, "member erase");
	if ((rc = ctl_checkout_member(c, &m, &was_present, &daemon)) != EX_OK) {
		ctl_errx("%s not erased", m.name);
		return rc;
	}
	if (store_member_erase(c->st, m.id, clock_wall_ms()) == -1)
		return ctl_store_error(c, "member erase");
	/* Old copies of the pages live on in the WAL until it is copied
	 * back and truncated. */
	rc = store_checkpoint(c->st);
	if (rc == -1)
		return ctl_store_error(c, "member erase: checkpoint");
	if (rc == 1) {
		ctl_errx("member %lld erased, but the database is busy: old copies may "
		    "remain in %s-wal until the next checkpoint; run `seuilctl member "
		    "erase %lld --yes` again later", (long long)m.id, c->conf.database,
		    (long long)m.id);
		return EX_TEMPFAIL;
	}
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "member_id", (double)m.id);
		cJSON_AddBoolToObject(j, "was_present", was_present);
		cJSON_AddNumberToObject(j, "badges_deleted", nb);
		cJSON_AddNumberToObject(j, "events_anonymised", ne);
		cJSON_AddNumberToObject(j, "visits_anonymised", nv);
		explicit_bzero(&m, sizeof(m));
		return ctl_json_print(j);
	}
	printf("member %lld erased%s: %d badge%s deleted, %d event%s and %d visit%s "
	    "anonymised\n", (long long)m.id, was_present ? " (checked out first)" : "",
	    nb, nb == 1 ? "" : "s", ne, ne == 1 ? "" : "s", nv, nv == 1 ? "" : "s");
	explicit_bzero(&m, sizeof(m));
	return EX_OK;
}

int
ctl_purge(struct ctl *c, int argc, char **argv)
{
	char er[32], vr[32], ecut[32], vcut[32];
	int64_t now, ne, nv;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != -1)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	now = clock_wall_ms();
	if (store_purge(c->st, now, c->conf.event_retention_ms, c->conf.visit_retention_ms,
	    &ne, &nv) == -1)
		return ctl_store_error(c, "purge");
	/* Deleted rows are zeroed (secure_delete); copy the WAL back so no
	 * old page holds them either.  A busy database only delays that. */
	if (store_checkpoint(c->st) == -1)
		return ctl_store_error(c, "purge: checkpoint");
	config_format_duration(c->conf.event_retention_ms, er, sizeof(er));
	config_format_duration(c->conf.visit_retention_ms, vr, sizeof(vr));
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		ctl_json_time(j, "purged_at", now);
		cJSON_AddNumberToObject(j, "events_deleted", (double)ne);
		cJSON_AddNumberToObject(j, "visits_deleted", (double)nv);
		cJSON_AddStringToObject(j, "event_retention", er);
		cJSON_AddStringToObject(j, "visit_retention", vr);
		return ctl_json_print(j);
	}
	ctl_format_time(now - c->conf.event_retention_ms, ecut, sizeof(ecut));
	ctl_format_time(now - c->conf.visit_retention_ms, vcut, sizeof(vcut));
	printf("purged %lld event%s older than %s (before %s)\n", (long long)ne,
	    ne == 1 ? "" : "s", er, ecut);
	printf("purged %lld visit%s ended more than %s ago (before %s)\n", (long long)nv,
	    nv == 1 ? "" : "s", vr, vcut);
	return EX_OK;
}

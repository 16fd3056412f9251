/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The manager's operations, part two: badges, groups and schedules, and
 * retention.  See manage.h.
 */
#include "manage.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"

int64_t
manage_badge_add(struct store *st, const char *arg, const uint8_t mac[UID_MAC_LEN],
    const char *hint, const char *label, const char *actor, struct badge_row *b,
    struct member_row *m, struct manage_err *err)
{
	int64_t id;

	if (label != NULL && !manage_valid_text(label, sizeof(b->label)))
		return manage_fail(err, MANAGE_EINVAL, "bad label (printable UTF-8, under "
		    "%zu bytes)", sizeof(b->label));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "badge add");
	if (manage_member_find(st, arg, m, err) == -1)
		goto fail;
	if (m->erased) {
		manage_fail(err, MANAGE_EINVAL, "member %lld was erased", (long long)m->id);
		goto fail;
	}
	if ((id = store_badge_add(st, m->id, BADGE_UID, mac, hint, label, clock_wall_ms())) == -1 ||
	    manage_audit(st, actor, m->id, id, "badge add %lld to member %lld",
	    (long long)id, (long long)m->id) == -1 ||
	    store_badge_get(st, id, b) != 1 || store_commit(st) == -1) {
		manage_store_fail(st, err, "badge add");
		goto fail;
	}
	return id;
fail:
	store_rollback(st);
	return -1;
}

int
manage_badge_revoke(struct store *st, int64_t badge_id, const char *actor,
    struct badge_row *b, struct member_row *m, struct manage_err *err)
{
	int rc;

	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "badge revoke");
	if ((rc = store_badge_get(st, badge_id, b)) != 1) {
		if (rc == 0)
			manage_fail(err, MANAGE_ENOENT, "badge %lld not found",
			    (long long)badge_id);
		else
			manage_store_fail(st, err, "badge revoke");
		goto fail;
	}
	if (store_badge_revoke(st, b->id) != 1 ||
	    manage_audit(st, actor, b->member_id, b->id, "badge revoke %lld",
	    (long long)b->id) == -1 || store_commit(st) == -1) {
		manage_store_fail(st, err, "badge revoke");
		goto fail;
	}
	b->active = false;
	if (store_member_get(st, b->member_id, m) != 1)
		memset(m, 0, sizeof(*m));
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int64_t
manage_group_add(struct store *st, const char *name, const char *actor,
    struct manage_err *err)
{
	int64_t id;

	if (!manage_valid_group_name(name))
		return manage_fail(err, MANAGE_EINVAL, "bad group name (letters, digits, "
		    "'_', '.', '-'; not all digits; under %zu bytes)",
		    sizeof(((struct access_group *)0)->name));
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "group add");
	/* Group names are [A-Za-z0-9_.-]: safe to name in the detail. */
	if ((id = store_group_add(st, name)) == -1 ||
	    manage_audit(st, actor, 0, 0, "group add %s", name) == -1 ||
	    store_commit(st) == -1) {
		manage_store_fail(st, err, "group add");
		store_rollback(st);
		return -1;
	}
	return id;
}

int
manage_schedule_set(struct store *st, const char *group, const char *text,
    const char *actor, struct access_group *g, struct manage_err *err)
{
	struct schedule_window w[ACCESS_MAX_WINDOWS];
	char why[256], canon[ACCESS_SCHEDULE_TEXT_MAX];
	int rc, n;

	if (strcmp(text, "always") == 0)
		n = 0;
	else if ((n = access_schedule_parse(text, w, ACCESS_MAX_WINDOWS, why,
	    sizeof(why))) == -1)
		return manage_fail(err, MANAGE_EINVAL, "bad schedule: %s", why);
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "schedule set");
	if ((rc = store_group_find(st, group, g)) != 1) {
		if (rc == 0)
			manage_fail(err, MANAGE_ENOENT, "group '%s' not found", group);
		else
			manage_store_fail(st, err, "schedule set");
		goto fail;
	}
	if (n > 0)
		access_schedule_format(w, n, canon, sizeof(canon));
	else
		snprintf(canon, sizeof(canon), "always");
	if (store_schedule_set(st, g->id, w, n) == -1 ||
	    manage_audit(st, actor, 0, 0, "schedule set %s: %s", g->name, canon) == -1 ||
	    store_commit(st) == -1) {
		manage_store_fail(st, err, "schedule set");
		goto fail;
	}
	memcpy(g->windows, w, sizeof(w[0]) * (size_t)n);
	g->nwindows = n;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int
manage_group_edit(struct store *st, const char *group, int offline_ok, const char *actor,
    struct access_group *g, struct manage_err *err)
{
	int rc;

	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "group edit");
	if ((rc = store_group_find(st, group, g)) != 1) {
		if (rc == 0)
			manage_fail(err, MANAGE_ENOENT, "group '%s' not found", group);
		else
			manage_store_fail(st, err, "group edit");
		goto fail;
	}
	if (offline_ok != -1 && (store_group_set_offline_ok(st, g->id, offline_ok == 1) == -1 ||
	    manage_audit(st, actor, 0, 0, "group edit %s: offline_ok %s", g->name,
	    offline_ok == 1 ? "yes" : "no") == -1)) {
		manage_store_fail(st, err, "group edit");
		goto fail;
	}
	if (store_commit(st) == -1) {
		manage_store_fail(st, err, "group edit");
		goto fail;
	}
	if (offline_ok != -1)
		g->offline_ok = offline_ok == 1;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

int
manage_purge(struct store *st, int64_t event_retention_ms, int64_t visit_retention_ms,
    int64_t now_ms, const char *actor, int64_t *events, int64_t *visits,
    struct manage_err *err)
{
	if (store_begin(st) == -1)
		return manage_store_fail(st, err, "purge");
	if (store_purge(st, now_ms, event_retention_ms, visit_retention_ms,
	    events, visits) == -1 ||
	    manage_audit(st, actor, 0, 0, "purge: %lld events, %lld visits deleted",
	    (long long)*events, (long long)*visits) == -1 || store_commit(st) == -1) {
		manage_store_fail(st, err, "purge");
		store_rollback(st);
		return -1;
	}
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Applying, on a site's replica, the projection its primary signed
 * (site_acl.h): into the same tables the door's decision reads, in one
 * transaction, refusing malformed rows.
 */
#include "site_acl.h"
#include "site_acl_private.h"
#include "store_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "render_json.h"
#include "site_sig.h"

/*
 * A replica's own columns of a row it is given: a member's name is unique
 * and required, and a replica never receives the real one; nor a guest's;
 * when a loaner or a pass was made is the primary's business.
 */
static const struct {
	const char	*columns;	/* ", name" */
	const char	*values;	/* ", 'member-' || ?1" */
} local[K_COUNT] = {
	[K_MEMBER] = { ", name", ", 'member-' || ?1" },
	[K_BADGE] = { "", "" },
	[K_GROUP] = { "", "" },
	[K_LOANER] = { ", created", ", 0" },
	[K_GUEST] = { ", name, created", ", 'guest-' || ?1, 0" },
};

/* ---- applying (a replica) ---- */

struct apply {
	struct store	*st;
	char		*why;
	size_t		 whylen;
	sqlite3_stmt	*upsert[K_COUNT];
	sqlite3_stmt	*clear_groups, *add_group, *clear_windows, *add_window;
	sqlite3_stmt	*erased, *unlink_events, *unlink_visits;
	sqlite3_stmt	*unlend;
};

/* INSERT ... ON CONFLICT(id) DO UPDATE for kind k: ?1.. in acl_columns[] order. */
static int
prepare_upsert(struct apply *a, enum kind k)
{
	char cols[512] = "", vals[256] = "", set[1024] = "", sql[2048];
	size_t nc = 0, nv = 0, ns = 0, i;
	int p = 1;

	for (i = 0; i < acl_ncolumns; i++) {
		if (acl_columns[i].kind != k)
			continue;
		nc += (size_t)snprintf(cols + nc, sizeof(cols) - nc, "%s%s", p > 1 ? ", " : "",
		    acl_columns[i].column);
		nv += (size_t)snprintf(vals + nv, sizeof(vals) - nv, "%s?%d", p > 1 ? ", " : "",
		    p);
		if (p > 1)
			ns += (size_t)snprintf(set + ns, sizeof(set) - ns, "%s%s = excluded.%s",
			    ns ? ", " : "", acl_columns[i].column, acl_columns[i].column);
		p++;
	}
	snprintf(sql, sizeof(sql), "INSERT INTO %s (%s%s) VALUES (%s%s) ON CONFLICT(id) DO "
	    "UPDATE SET %s", acl_kinds[k].table, cols, local[k].columns, vals, local[k].values, set);
	return store_prepare(a->st, sql, &a->upsert[k]);
}

static int
prepare_all(struct apply *a)
{
	int k;

	for (k = 0; k < K_COUNT; k++)
		if (prepare_upsert(a, k) == -1)
			return -1;
	return store_prepare(a->st, "DELETE FROM member_groups WHERE member_id = ?1",
	    &a->clear_groups) == -1 ||
	    store_prepare(a->st, "INSERT INTO member_groups (member_id, group_id)"
	    " VALUES (?1, ?2)", &a->add_group) == -1 ||
	    store_prepare(a->st, "DELETE FROM schedule_windows WHERE group_id = ?1",
	    &a->clear_windows) == -1 ||
	    store_prepare(a->st, "INSERT INTO schedule_windows (group_id, days,"
	    " start_min, end_min) VALUES (?1, ?2, ?3, ?4)", &a->add_window) == -1 ||
	    store_prepare(a->st, "SELECT erased IS NOT NULL FROM members WHERE id = ?1",
	    &a->erased) == -1 ||
	    store_prepare(a->st, "UPDATE events SET member_id = NULL, badge_id = NULL,"
	    " uid_mac = NULL WHERE member_id = ?1", &a->unlink_events) == -1 ||
	    store_prepare(a->st, "UPDATE visits SET member_id = NULL WHERE member_id = ?1",
	    &a->unlink_visits) == -1 ||
	    store_prepare(a->st, "UPDATE guests SET loaner_id = NULL WHERE id = ?1",
	    &a->unlend) == -1 ? -1 : 0;
}

/* Finalize every statement, once: they are NULL afterwards. */
static void
finalize_all(struct apply *a)
{
	sqlite3_stmt **all[] = { &a->upsert[K_MEMBER], &a->upsert[K_BADGE],
	    &a->upsert[K_GROUP], &a->upsert[K_LOANER], &a->upsert[K_GUEST], &a->clear_groups,
	    &a->add_group, &a->clear_windows, &a->add_window, &a->erased, &a->unlink_events,
	    &a->unlink_visits, &a->unlend };
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		sqlite3_finalize(*all[i]);
		*all[i] = NULL;
	}
}

static int
refuse(struct apply *a, const char *what, const char *field)
{
	snprintf(a->why, a->whylen, "bad %s %s", what, field);
	return -1;
}

/* Bind the value of field to parameter p, checked against its type. */
static int
bind_value(struct apply *a, sqlite3_stmt *s, int p, const cJSON *v, const struct acl_column *c)
{
	uint8_t blob[BLOB_MAX];
	int64_t n;
	int len;

	if (v == NULL)
		return refuse(a, acl_kinds[c->kind].name, c->field);
	if (cJSON_IsNull(v))
		return sqlite3_bind_null(s, p) == SQLITE_OK ? 0 : -1;
	switch (c->type) {
	case C_INT:
		if (render_json_int(v, INT64_MIN / 2, INT64_MAX / 2, &n) == -1)
			return refuse(a, acl_kinds[c->kind].name, c->field);
		sqlite3_bind_int64(s, p, n);
		return 0;
	case C_TEXT:
		if (!cJSON_IsString(v) || strlen(v->valuestring) >= TEXT_MAX)
			return refuse(a, acl_kinds[c->kind].name, c->field);
		sqlite3_bind_text(s, p, v->valuestring, -1, SQLITE_TRANSIENT);
		return 0;
	case C_BLOB:
	default:
		if (!cJSON_IsString(v) || (len = site_b64_decode(v->valuestring,
		    strlen(v->valuestring), blob, sizeof(blob))) < 1)
			return refuse(a, acl_kinds[c->kind].name, c->field);
		sqlite3_bind_blob(s, p, blob, len, SQLITE_TRANSIENT);
		return 0;
	}
}

/* An id of the body: a positive whole number. */
static int
body_id(const cJSON *v, int64_t *id)
{
	return render_json_int(v, 1, INT64_MAX / 2, id);
}

/* A member that the primary erased: what this node holds of it goes too. */
static int
erase_local(struct apply *a, const cJSON *o, int64_t id)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "erased");
	int64_t was = 0;

	if (e == NULL || cJSON_IsNull(e))
		return 0;
	sqlite3_bind_int64(a->erased, 1, id);
	if (store_each(a->st, a->erased, store_row_int64, &was, "apply") == -1)
		return -1;
	if (was)
		return 0;
	sqlite3_bind_int64(a->unlink_events, 1, id);
	sqlite3_bind_int64(a->unlink_visits, 1, id);
	return store_run(a->st, a->unlink_events, "apply") == -1 ||
	    store_run(a->st, a->unlink_visits, "apply") == -1 ? -1 : 0;
}

static int
apply_links(struct apply *a, enum kind k, const cJSON *o, int64_t id)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, k == K_MEMBER ? "groups" :
	    "windows"), *v;
	int64_t g, w[3];
	int n = 0, i;

	if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > (k == K_MEMBER ?
	    ACCESS_MAX_GROUPS : ACCESS_MAX_WINDOWS))
		return refuse(a, acl_kinds[k].name, k == K_MEMBER ? "groups" : "windows");
	sqlite3_bind_int64(k == K_MEMBER ? a->clear_groups : a->clear_windows, 1, id);
	if (store_run(a->st, k == K_MEMBER ? a->clear_groups : a->clear_windows,
	    "apply") == -1)
		return -1;
	cJSON_ArrayForEach(v, list) {
		n++;
		if (k == K_MEMBER) {
			if (body_id(v, &g) == -1)
				return refuse(a, "member", "group");
			sqlite3_bind_int64(a->add_group, 1, id);
			sqlite3_bind_int64(a->add_group, 2, g);
			if (store_run(a->st, a->add_group, "apply") == -1)
				return -1;
			continue;
		}
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 3 ||
		    render_json_int(cJSON_GetArrayItem(v, 0), 0, 127, &w[0]) == -1 ||
		    render_json_int(cJSON_GetArrayItem(v, 1), 0, 1440, &w[1]) == -1 ||
		    render_json_int(cJSON_GetArrayItem(v, 2), 0, 1440, &w[2]) == -1)
			return refuse(a, "group", "window");
		sqlite3_bind_int64(a->add_window, 1, id);
		for (i = 0; i < 3; i++)
			sqlite3_bind_int64(a->add_window, i + 2, w[i]);
		if (store_run(a->st, a->add_window, "apply") == -1)
			return -1;
	}
	return 0;
}

/* The ids of the rows of the array list (kind k) into the JSON array
 * ids: each row an object with an id. */
static int
list_ids(struct apply *a, enum kind k, const cJSON *list, cJSON *ids)
{
	const cJSON *o;
	int64_t id;

	if (list == NULL)
		return 0;
	if (!cJSON_IsArray(list))
		return refuse(a, "list", acl_kinds[k].list);
	cJSON_ArrayForEach(o, list) {
		if (!cJSON_IsObject(o) ||
		    body_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &id) == -1)
			return refuse(a, acl_kinds[k].name, "id");
		cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)id));
	}
	return 0;
}

/* Upsert every row of the array list (kind k), whose ids list_ids checked.
 * A loaner is lent to one open pass at a time (guests_lent): the passes
 * given lose theirs first, so that a loaner that went from one to the
 * other is never held by both on the way. */
static int
apply_rows(struct apply *a, enum kind k, const cJSON *list)
{
	const cJSON *o;
	sqlite3_stmt *s = a->upsert[k];
	size_t i;
	int p;
	int64_t id;

	if (list == NULL)
		return 0;
	if (k == K_GUEST)
		cJSON_ArrayForEach(o, list) {
			body_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &id);
			sqlite3_bind_int64(a->unlend, 1, id);
			if (store_run(a->st, a->unlend, "apply") == -1)
				return -1;
		}
	cJSON_ArrayForEach(o, list) {
		if (!cJSON_IsObject(o) ||
		    body_id(cJSON_GetObjectItemCaseSensitive(o, "id"), &id) == -1)
			return refuse(a, acl_kinds[k].name, "id");
		for (i = 0, p = 1; i < acl_ncolumns; i++) {
			if (acl_columns[i].kind != k)
				continue;
			if (bind_value(a, s, p++, cJSON_GetObjectItemCaseSensitive(o,
			    acl_columns[i].field), &acl_columns[i]) == -1) {
				store_release(s);
				return -1;
			}
		}
		if (k == K_MEMBER && erase_local(a, o, id) == -1)
			return -1;
		if (store_run(a->st, s, "apply") == -1)
			return -1;
		if ((k == K_MEMBER || k == K_GROUP) && apply_links(a, k, o, id) == -1)
			return -1;
	}
	return 0;
}

/*
 * Delete the rows of kind k whose ids are (keep false) or are not (keep
 * true) in the JSON array ids.  A guest the primary deleted was erased
 * there (store_guest_erase): this node's events and visits let go of the
 * guest the same way.
 */
static int
delete_rows(struct apply *a, enum kind k, const cJSON *ids, bool keep)
{
	static const char *const guest_steps[] = {
		"UPDATE events SET guest_id = NULL WHERE guest_id IN (SELECT id FROM guests"
		" WHERE %s)",
		"UPDATE visits SET left_ts = coalesce(left_ts, last_seen_ts, arrived_ts),"
		" left_reason = coalesce(left_reason, 'manual'), guest_id = NULL"
		" WHERE guest_id IN (SELECT id FROM guests WHERE %s)",
	};
	char where[96], sql[320], *text;
	const cJSON *v;
	sqlite3_stmt *s;
	int64_t id;
	size_t i;
	int rc = 0;

	if (ids == NULL)
		return 0;
	if (!cJSON_IsArray(ids))
		return refuse(a, "deletion of", acl_kinds[k].list);
	cJSON_ArrayForEach(v, ids)
		if (body_id(v, &id) == -1)
			return refuse(a, "deletion of", acl_kinds[k].list);
	if ((text = cJSON_PrintUnformatted(ids)) == NULL)
		return refuse(a, "deletion of", acl_kinds[k].list);
	snprintf(where, sizeof(where), "id %sIN (SELECT value FROM json_each(?1))",
	    keep ? "NOT " : "");
	for (i = 0; rc == 0 && i <= (k == K_GUEST ? 2 : 0); i++) {
		if (i < 2 && k == K_GUEST)
			snprintf(sql, sizeof(sql), guest_steps[i], where);
		else
			snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE %s", acl_kinds[k].table,
			    where);
		if ((rc = store_prepare(a->st, sql, &s)) == -1)
			break;
		sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
		rc = store_run(a->st, s, "apply");
		sqlite3_finalize(s);
	}
	cJSON_free(text);
	return rc;
}

/*
 * Deletions first, badges first, then upserts, groups first: what a row
 * refers to is there before it, and goes after it.  What the primary
 * deleted goes before what it added, since a row added may take a unique
 * value (a MAC, a loaner's label) of one deleted: a loaner removed from
 * the pool and added again is a new row.  Every row given exists on the
 * primary, and so does every row it refers to: none was deleted here.
 */
static int
apply_body(struct apply *a, const struct site_msg *m)
{
	static const enum kind order[K_COUNT] = { K_GROUP, K_MEMBER, K_LOANER, K_GUEST,
	    K_BADGE };
	const cJSON *up = m->json, *del = NULL;
	cJSON *ids[K_COUNT] = { NULL };
	int i, rc = -1;

	if (m->h.type == SITE_MSG_DELTA) {
		up = cJSON_GetObjectItemCaseSensitive(m->json, "upsert");
		del = cJSON_GetObjectItemCaseSensitive(m->json, "delete");
		if (!cJSON_IsObject(up) || !cJSON_IsObject(del))
			return refuse(a, "delta", "body");
	}
	for (i = 0; i < K_COUNT; i++) {
		const cJSON *list = cJSON_GetObjectItemCaseSensitive(up, acl_kinds[i].list);

		/* A snapshot names every row of each kind, but a primary of an
		 * older seuil had no loaners or guests to give: then this
		 * node's, which it never had either, stay as they are. */
		if (m->h.type == SITE_MSG_SNAPSHOT && list == NULL && i >= K_LOANER)
			continue;
		if (m->h.type == SITE_MSG_SNAPSHOT && !cJSON_IsArray(list)) {
			refuse(a, "snapshot", acl_kinds[i].list);
			goto out;
		}
		if ((ids[i] = cJSON_CreateArray()) == NULL || list_ids(a, i, list, ids[i]) == -1)
			goto out;
	}
	for (i = K_COUNT - 1; i >= 0; i--) {
		if (m->h.type == SITE_MSG_DELTA) {
			if (delete_rows(a, order[i], cJSON_GetObjectItemCaseSensitive(del,
			    acl_kinds[order[i]].list), false) == -1)
				goto out;
		} else if (delete_rows(a, order[i], ids[order[i]], true) == -1) {
			goto out;
		}
	}
	for (i = 0; i < K_COUNT; i++)
		if (apply_rows(a, order[i], cJSON_GetObjectItemCaseSensitive(up,
		    acl_kinds[order[i]].list)) == -1)
			goto out;
	rc = 0;
out:
	for (i = 0; i < K_COUNT; i++)
		cJSON_Delete(ids[i]);
	return rc;
}

int
site_acl_apply(struct store *st, const struct site_msg *m, int64_t now_ms, char *why,
    size_t whylen)
{
	struct apply a = { .st = st, .why = why, .whylen = whylen };
	struct site_local l;
	int rc;

	why[0] = '\0';
	if (m->h.type == SITE_MSG_HEAD) {
		snprintf(why, whylen, "a head has nothing to apply");
		return 0;
	}
	if (store_begin(st) == -1)
		return -1;
	if (site_acl_local(st, &l) == -1)
		goto fail;
	if (m->h.type == SITE_MSG_SNAPSHOT && (m->h.epoch < l.epoch ||
	    (m->h.epoch == l.epoch && m->h.rev <= l.rev))) {
		snprintf(why, whylen, "not newer than the copy (%lld.%lld)", (long long)l.epoch,
		    (long long)l.rev);
		rc = 0;
		goto undo;
	}
	if (m->h.type == SITE_MSG_DELTA && (m->h.epoch != l.epoch || m->h.base != l.rev)) {
		snprintf(why, whylen, "a delta from %lld.%lld, the copy is %lld.%lld",
		    (long long)m->h.epoch, (long long)m->h.base, (long long)l.epoch,
		    (long long)l.rev);
		rc = 0;
		goto undo;
	}
	if (store_meta_set(st, META_APPLYING, "1") == -1 || prepare_all(&a) == -1)
		goto fail;
	if (apply_body(&a, m) == -1) {
		finalize_all(&a);
		if (why[0] == '\0')
			snprintf(why, whylen, "%s", store_errmsg(st));
		goto fail;
	}
	finalize_all(&a);
	if (store_exec(st, "DELETE FROM meta WHERE key = '" META_APPLYING "'",
	    "apply") == -1 || acl_meta_set_int(st, META_EPOCH, m->h.epoch) == -1 ||
	    acl_meta_set_int(st, META_REV, m->h.rev) == -1 ||
	    acl_meta_set_int(st, META_VERIFIED, now_ms) == -1 ||
	    store_meta_set(st, STORE_META_PRIMARY, m->h.node) == -1)
		goto fail;
	return store_commit(st) == -1 ? -1 : 1;
undo:
	store_rollback(st);
	return rc;
fail:
	finalize_all(&a);
	store_abort(st);
	return -1;
}

int
site_acl_seen(struct store *st, int64_t now_ms)
{
	return acl_meta_set_int(st, META_VERIFIED, now_ms);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Administration: members, badges, groups and schedules, as seuilctl (and
 * the coming seuil-web) manage them.  Nothing here is on the badge path,
 * so statements are prepared when called, except the member lookups,
 * which the daemon also makes for every event it publishes.
 */
#include "store_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int
row_member_copy(sqlite3_stmt *s, void *arg)
{
	store_read_member(s, 0, arg);
	return 1;
}

int
store_member_get(struct store *st, int64_t id, struct member_row *m)
{
	sqlite3_stmt *s = st->stmt[S_MEMBER_GET];

	sqlite3_bind_int64(s, 1, id);
	return store_each(st, s, row_member_copy, m, "member");
}

/* An id is all digits; names that are all digits are refused by seuilctl
 * so that "M" is never ambiguous. */
int
store_member_find(struct store *st, const char *id_or_name, struct member_row *m)
{
	sqlite3_stmt *s = st->stmt[S_MEMBER_BY_NAME];
	const char *p;
	char *end;
	long long id;

	for (p = id_or_name; *p >= '0' && *p <= '9'; p++)
		;
	if (*id_or_name != '\0' && *p == '\0') {
		errno = 0;
		id = strtoll(id_or_name, &end, 10);
		if (errno != 0 || id <= 0)
			return 0;
		return store_member_get(st, id, m);
	}
	sqlite3_bind_text(s, 1, id_or_name, -1, SQLITE_STATIC);
	return store_each(st, s, row_member_copy, m, "member");
}

/*
 * Insert or update a member: sql takes the fields of m as ?1 to ?7 and
 * `extra` as ?8 (the creation time, or the id to update).  A taken name
 * is worded for the manager.  0 or -1.
 */
static int
write_member(struct store *st, const char *sql, const struct member_row *m,
    int64_t extra, const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, sql, &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, m->name, -1, SQLITE_STATIC);
	store_bind_text(s, 2, m->display_name);
	store_bind_text(s, 3, m->email);
	sqlite3_bind_text(s, 4, m->active ? "active" : "disabled", -1, SQLITE_STATIC);
	store_bind_text(s, 5, m->valid_from);
	store_bind_text(s, 6, m->valid_until);
	sqlite3_bind_int(s, 7, m->public ? 1 : 0);
	sqlite3_bind_int64(s, 8, extra);
	rc = store_run(st, s, what);
	sqlite3_finalize(s);
	if (rc == -1 && st->errcode == STORE_EEXIST)
		store_seterr(st, STORE_EEXIST, "member '%s' already exists", m->name);
	return rc;
}

int64_t
store_member_add(struct store *st, const struct member_row *m, int64_t now_ms)
{
	if (m->name[0] == '\0') {
		store_seterr(st, STORE_EINVAL, "empty member name");
		return -1;
	}
	if (write_member(st, "INSERT INTO members (name, display_name, email, status,"
	    " valid_from, valid_until, public, created)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", m, now_ms, "add member") == -1)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int
store_member_update(struct store *st, const struct member_row *m)
{
	if (write_member(st, "UPDATE members SET name = ?1, display_name = ?2,"
	    " email = ?3, status = ?4, valid_from = ?5, valid_until = ?6,"
	    " public = ?7 WHERE id = ?8", m, m->id, "update member") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		store_seterr(st, STORE_ENOENT, "member %lld not found", (long long)m->id);
		return -1;
	}
	return 0;
}

int
store_member_set_active(struct store *st, int64_t id, bool active)
{
	if (store_exec_ids(st, active ?
	    "UPDATE members SET status = 'active' WHERE id = ?1" :
	    "UPDATE members SET status = 'disabled' WHERE id = ?1",
	    id, 0, "set member status") == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		store_seterr(st, STORE_ENOENT, "member %lld not found", (long long)id);
		return -1;
	}
	/* A disabled member's console account ends with it (an import's
	 * prune too): a new invite opens it again once enabled. */
	if (!active && store_member_account_del(st, id) == -1)
		return -1;
	return 0;
}

int
store_members_list(struct store *st,
    int (*cb)(const struct member_row *m, void *arg), void *arg)
{
	return store_query(st, "SELECT " MEMBER_COLS " FROM members ORDER BY name",
	    NULL, 0,
	    &(struct store_rows){ .member = cb, .arg = arg }, "members");
}

int
store_member_add_group(struct store *st, int64_t member_id, int64_t group_id)
{
	return store_exec_ids(st, "INSERT OR IGNORE INTO member_groups"
	    " (member_id, group_id) VALUES (?1, ?2)", member_id, group_id,
	    "add member to group");
}

int
store_member_clear_groups(struct store *st, int64_t member_id)
{
	return store_exec_ids(st, "DELETE FROM member_groups WHERE member_id = ?1",
	    member_id, 0, "clear member groups");
}

int64_t
store_badge_add(struct store *st, int64_t member_id, enum badge_kind kind,
    const uint8_t mac[UID_MAC_LEN], const char *hint, const char *label, int64_t now_ms)
{
	struct badge_row b;
	struct member_row m;
	sqlite3_stmt *s;
	int rc;

	/* Look first, to name the badge that already has this MAC. */
	rc = store_find_badge(st, kind, mac, &b, &m);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		store_seterr(st, STORE_EEXIST, "badge already enrolled (badge %lld, "
		    "member '%s')", (long long)b.id, m.name);
		return -1;
	}
	/* One statement, so that an erase committed after the caller looked
	 * the member up cannot be followed by a badge on the erased row. */
	if (store_prepare(st, "INSERT INTO badges (member_id, uid_mac, uid_hint, label,"
	    " status, created, kind) SELECT ?1, ?2, ?3, ?4, 'active', ?5, ?6"
	    " WHERE NOT EXISTS (SELECT 1 FROM members WHERE id = ?1"
	    " AND erased IS NOT NULL)", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	sqlite3_bind_blob(s, 2, mac, UID_MAC_LEN, SQLITE_STATIC);
	store_bind_text(s, 3, hint);
	store_bind_text(s, 4, label);
	sqlite3_bind_int64(s, 5, now_ms);
	sqlite3_bind_text(s, 6, store_badge_kind_name(kind), -1, SQLITE_STATIC);
	rc = store_run(st, s, "add badge");
	sqlite3_finalize(s);
	if (rc == -1) {
		if (st->errcode == STORE_EEXIST)
			store_seterr(st, STORE_EEXIST, "badge already enrolled");
		else if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_FOREIGNKEY)
			store_seterr(st, STORE_ENOENT, "member %lld not found",
			    (long long)member_id);
		return -1;
	}
	if (sqlite3_changes(st->db) == 0) {
		store_seterr(st, STORE_EINVAL, "member %lld was erased",
		    (long long)member_id);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

static int
copy_badge(const struct badge_row *b, void *arg)
{
	*(struct badge_row *)arg = *b;
	return 1;
}

int
store_badge_get(struct store *st, int64_t id, struct badge_row *b)
{
	return store_query(st, "SELECT " BADGE_COLS " FROM badges WHERE id = ?1",
	    (int64_t[]){ id }, 1,
	    &(struct store_rows){ .badge = copy_badge, .arg = b }, "badges");
}

int
store_badges_list(struct store *st, int64_t member_id,
    int (*cb)(const struct badge_row *b, void *arg), void *arg)
{
	return store_query(st, "SELECT " BADGE_COLS " FROM badges"
	    " WHERE (?1 = 0 OR member_id = ?1) ORDER BY id",
	    (int64_t[]){ member_id }, 1,
	    &(struct store_rows){ .badge = cb, .arg = arg }, "badges");
}

int
store_badge_revoke(struct store *st, int64_t id)
{
	if (store_exec_ids(st, "UPDATE badges SET status = 'revoked' WHERE id = ?1",
	    id, 0, "revoke badge") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int64_t
store_group_add(struct store *st, const char *name)
{
	sqlite3_stmt *s;
	int rc;

	if (*name == '\0' || strlen(name) >= sizeof(((struct access_group *)0)->name)) {
		store_seterr(st, STORE_EINVAL, "group name must be 1 to %zu characters",
		    sizeof(((struct access_group *)0)->name) - 1);
		return -1;
	}
	if (store_prepare(st, "INSERT INTO groups (name) VALUES (?1)", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = store_run(st, s, "add group");
	sqlite3_finalize(s);
	if (rc == -1) {
		if (st->errcode == STORE_EEXIST)
			store_seterr(st, STORE_EEXIST, "group '%s' already exists", name);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

/* Groups arrive one row per window (GROUP_COLS), ordered by group; they
 * are gathered into g and passed to cb when the next group starts or the
 * rows end. */
struct group_cb {
	struct store		*st;
	int			(*cb)(const struct access_group *, void *);
	void			*arg;
	struct access_group	 g;
	bool			 have;		/* g not yet passed to cb */
	int			 n;		/* groups passed to cb */
};

static int
row_group(sqlite3_stmt *s, void *arg)
{
	struct group_cb *c = arg;
	int64_t gid = sqlite3_column_int64(s, 0);

	if (!c->have || gid != c->g.id) {
		if (c->have) {
			c->have = false;
			c->n++;
			if (c->cb(&c->g, c->arg) != 0)
				return 1;
		}
		memset(&c->g, 0, sizeof(c->g));
		c->g.id = gid;
		store_text(c->g.name, sizeof(c->g.name), s, 1);
		c->g.offline_ok = sqlite3_column_int(s, 5) != 0;
		c->have = true;
	}
	return store_read_window(c->st, s, &c->g);
}

#define GROUP_SELECT	"SELECT " GROUP_COLS " FROM groups g" \
			" LEFT JOIN schedule_windows w ON w.group_id = g.id"

/* Pass each group of the one-shot query s (GROUP_SELECT) to cb, and
 * finalize s. */
static int
each_group(struct store *st, sqlite3_stmt *s,
    int (*cb)(const struct access_group *, void *), void *arg)
{
	struct group_cb c = { .st = st, .cb = cb, .arg = arg };
	int rc;

	rc = store_each(st, s, row_group, &c, "groups");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	if (c.have) {		/* the last group: cb has not stopped the rows */
		c.n++;
		cb(&c.g, arg);
	}
	return c.n;
}

static int
copy_group(const struct access_group *g, void *arg)
{
	*(struct access_group *)arg = *g;
	return 1;
}

int
store_group_find(struct store *st, const char *name, struct access_group *g)
{
	sqlite3_stmt *s;

	if (store_prepare(st, GROUP_SELECT " WHERE g.name = ?1 ORDER BY w.rowid",
	    &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return each_group(st, s, copy_group, g);
}

int
store_groups_list(struct store *st,
    int (*cb)(const struct access_group *g, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (store_prepare(st, GROUP_SELECT " ORDER BY g.name, g.id, w.rowid", &s) == -1)
		return -1;
	return each_group(st, s, cb, arg);
}

int
store_group_set_offline_ok(struct store *st, int64_t group_id, bool offline_ok)
{
	return store_exec_ids(st, "UPDATE groups SET offline_ok = ?2 WHERE id = ?1", group_id,
	    offline_ok, "group offline_ok");
}

int
store_schedule_set(struct store *st, int64_t group_id,
    const struct schedule_window *w, int n)
{
	sqlite3_stmt *s = NULL;
	int i;

	if (n < 0 || n > ACCESS_MAX_WINDOWS) {
		store_seterr(st, STORE_EINVAL, "a schedule has at most %d windows",
		    ACCESS_MAX_WINDOWS);
		return -1;
	}
	if (store_begin(st) == -1)
		return -1;
	if (store_exec_ids(st, "DELETE FROM schedule_windows WHERE group_id = ?1",
	    group_id, 0, "clear schedule") == -1)
		goto fail;
	if (store_prepare(st, "INSERT INTO schedule_windows (group_id, days,"
	    " start_min, end_min) VALUES (?1, ?2, ?3, ?4)", &s) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, group_id);
		sqlite3_bind_int(s, 2, w[i].days_mask);
		sqlite3_bind_int(s, 3, w[i].start_min);
		sqlite3_bind_int(s, 4, w[i].end_min);
		if (store_run(st, s, "set schedule") == -1)
			goto fail;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (store_commit(st) == -1)
		return -1;
	return 0;
fail:
	sqlite3_finalize(s);
	store_abort(st);
	return -1;
}

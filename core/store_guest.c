/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Guests and the loaner badges of the pool (store.h).  The badge path's
 * lookup of a loaner uses a statement prepared once at open; the rest is
 * administration, prepared when called.
 */
#include "store_private.h"

#include <stdio.h>
#include <string.h>

#define GUEST_COLS	"g.id, g.name, g.sponsor_id, g.created, g.ends, g.ended," \
			" g.end_reason, g.loaner_id, l.label"
#define GUEST_FROM	" FROM guests g LEFT JOIN loaners l ON l.id = g.loaner_id"

static void
read_guest(sqlite3_stmt *s, int c, struct guest_row *g)
{
	memset(g, 0, sizeof(*g));
	if (sqlite3_column_type(s, c) == SQLITE_NULL)
		return;
	g->id = sqlite3_column_int64(s, c + 0);
	store_text(g->name, sizeof(g->name), s, c + 1);
	g->sponsor_id = sqlite3_column_int64(s, c + 2);
	g->created_ms = sqlite3_column_int64(s, c + 3);
	g->ends_ms = sqlite3_column_int64(s, c + 4);
	g->ended_ms = sqlite3_column_int64(s, c + 5);
	store_text(g->end_reason, sizeof(g->end_reason), s, c + 6);
	g->loaner_id = sqlite3_column_int64(s, c + 7);
	store_text(g->loaner, sizeof(g->loaner), s, c + 8);
}

static void
read_loaner(sqlite3_stmt *s, struct loaner_row *l)
{
	memset(l, 0, sizeof(*l));
	l->id = sqlite3_column_int64(s, 0);
	store_text(l->hint, sizeof(l->hint), s, 1);
	store_text(l->label, sizeof(l->label), s, 2);
	l->created_ms = sqlite3_column_int64(s, 3);
	l->guest_id = sqlite3_column_int64(s, 4);
}

struct loaner_guest {
	struct loaner_row	*l;
	struct guest_row	*g;
};

static int
row_loaner_guest(sqlite3_stmt *s, void *arg)
{
	struct loaner_guest *lg = arg;

	read_loaner(s, lg->l);
	read_guest(s, 4, lg->g);
	return 1;
}

int
store_find_loaner(struct store *st, const uint8_t mac[UID_MAC_LEN], struct loaner_row *l,
    struct guest_row *g)
{
	struct loaner_guest lg = { l, g };
	sqlite3_stmt *s = st->stmt[S_FIND_LOANER];

	sqlite3_bind_blob(s, 1, mac, UID_MAC_LEN, SQLITE_STATIC);
	return store_each(st, s, row_loaner_guest, &lg, "find loaner");
}

int64_t
store_loaner_add(struct store *st, const uint8_t mac[UID_MAC_LEN], const char *hint,
    const char *label, int64_t now_ms)
{
	struct badge_row b;
	struct member_row m;
	sqlite3_stmt *s;
	int rc;

	/* One UID, one use: a member's badge is never a loaner too. */
	if ((rc = store_find_badge(st, BADGE_UID, mac, &b, &m)) != 0) {
		if (rc == 1)
			store_seterr(st, STORE_EEXIST, "that badge is member %lld's (badge %lld)",
			    (long long)m.id, (long long)b.id);
		return -1;
	}
	if (store_prepare(st, "INSERT INTO loaners (uid_mac, uid_hint, label, created)"
	    " VALUES (?1, ?2, ?3, ?4)", &s) == -1)
		return -1;
	sqlite3_bind_blob(s, 1, mac, UID_MAC_LEN, SQLITE_STATIC);
	store_bind_text(s, 2, hint);
	sqlite3_bind_text(s, 3, label, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, now_ms);
	rc = store_run(st, s, "add loaner");
	sqlite3_finalize(s);
	if (rc == -1) {
		if (st->errcode == STORE_EEXIST)
			store_seterr(st, STORE_EEXIST, "that badge or the label '%s' is in the "
			    "pool already", label);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

#define LOANER_SELECT	"SELECT l.id, l.uid_hint, l.label, l.created, g.id FROM loaners l" \
			" LEFT JOIN guests g ON g.loaner_id = l.id AND g.ended IS NULL"

static int
row_loaner(sqlite3_stmt *s, void *arg)
{
	read_loaner(s, arg);
	return 1;
}

int
store_loaner_get(struct store *st, const char *label, struct loaner_row *l)
{
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, LOANER_SELECT " WHERE l.label = ?1", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, label, -1, SQLITE_STATIC);
	n = store_each(st, s, row_loaner, l, "loaner");
	sqlite3_finalize(s);
	return n;
}

int
store_loaner_del(struct store *st, int64_t id)
{
	if (store_exec_ids(st, "DELETE FROM loaners WHERE id = ?1", id, 0, "remove loaner") == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

struct loaner_cb {
	int	(*cb)(const struct loaner_row *, void *);
	void	*arg;
};

static int
row_loaner_cb(sqlite3_stmt *s, void *arg)
{
	struct loaner_cb *c = arg;
	struct loaner_row l;

	read_loaner(s, &l);
	return c->cb(&l, c->arg) != 0;
}

int
store_loaners_list(struct store *st, int (*cb)(const struct loaner_row *l, void *arg),
    void *arg)
{
	struct loaner_cb c = { cb, arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, LOANER_SELECT " ORDER BY l.label", &s) == -1)
		return -1;
	n = store_each(st, s, row_loaner_cb, &c, "loaners");
	sqlite3_finalize(s);
	return n;
}

int64_t
store_guest_add(struct store *st, const struct guest_row *g)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "INSERT INTO guests (name, sponsor_id, created, ends, loaner_id)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, g->name, -1, SQLITE_STATIC);
	store_bind_id(s, 2, g->sponsor_id);
	sqlite3_bind_int64(s, 3, g->created_ms);
	sqlite3_bind_int64(s, 4, g->ends_ms);
	store_bind_id(s, 5, g->loaner_id);
	rc = store_run(st, s, "add guest");
	sqlite3_finalize(s);
	if (rc == -1) {
		if (st->errcode == STORE_EEXIST)
			store_seterr(st, STORE_EEXIST, "that loaner badge is lent already");
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

static int
row_guest(sqlite3_stmt *s, void *arg)
{
	read_guest(s, 0, arg);
	return 1;
}

int
store_guest_get(struct store *st, int64_t id, struct guest_row *g)
{
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT " GUEST_COLS GUEST_FROM " WHERE g.id = ?1", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	n = store_each(st, s, row_guest, g, "guest");
	sqlite3_finalize(s);
	return n;
}

struct guest_cb {
	int	(*cb)(const struct guest_row *, void *);
	void	*arg;
};

static int
row_guest_cb(sqlite3_stmt *s, void *arg)
{
	struct guest_cb *c = arg;
	struct guest_row g;

	read_guest(s, 0, &g);
	return c->cb(&g, c->arg) != 0;
}

int
store_guests_list(struct store *st, int64_t sponsor_id, bool open_only,
    int (*cb)(const struct guest_row *g, void *arg), void *arg)
{
	struct guest_cb c = { cb, arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT " GUEST_COLS GUEST_FROM
	    " WHERE (?1 = 0 OR g.sponsor_id = ?1) AND (?2 = 0 OR g.ended IS NULL)"
	    " ORDER BY g.ended IS NOT NULL, g.id DESC", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, sponsor_id);
	sqlite3_bind_int(s, 2, open_only);
	n = store_each(st, s, row_guest_cb, &c, "guests");
	sqlite3_finalize(s);
	return n;
}

int
store_guest_lend(struct store *st, int64_t id, int64_t loaner_id)
{
	if (store_exec_ids(st, "UPDATE guests SET loaner_id = ?2 WHERE id = ?1 AND ended IS NULL",
	    id, loaner_id, "lend") == -1) {
		if (st->errcode == STORE_EEXIST)
			store_seterr(st, STORE_EEXIST, "that loaner badge is lent already");
		return -1;
	}
	if (sqlite3_changes(st->db) == 0) {
		store_seterr(st, STORE_ENOENT, "guest %lld has no open pass", (long long)id);
		return -1;
	}
	return 0;
}

int
store_guest_end(struct store *st, int64_t id, int64_t ended_ms, const char *reason)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "UPDATE guests SET ended = ?2, end_reason = ?3"
	    " WHERE id = ?1 AND ended IS NULL", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, ended_ms);
	sqlite3_bind_text(s, 3, reason, -1, SQLITE_STATIC);
	rc = store_run(st, s, "end guest");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_guests_since(struct store *st, int64_t sponsor_id, int64_t since_ms)
{
	sqlite3_stmt *s;
	int64_t n = 0;

	if (store_prepare(st, "SELECT count(*) FROM guests WHERE sponsor_id = ?1"
	    " AND created >= ?2", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, sponsor_id);
	sqlite3_bind_int64(s, 2, since_ms);
	if (store_each(st, s, store_row_int64, &n, "guests since") == -1)
		n = -1;
	sqlite3_finalize(s);
	return (int)n;
}

struct due {
	int	(*cb)(int64_t, void *);
	void	*arg;
};

static int
row_due(sqlite3_stmt *s, void *arg)
{
	struct due *d = arg;

	return d->cb != NULL && d->cb(sqlite3_column_int64(s, 0), d->arg) != 0;
}

int
store_guests_end_due(struct store *st, int64_t now_ms, int max,
    int (*cb)(int64_t guest_id, void *arg), void *arg)
{
	struct due d = { cb, arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "UPDATE guests SET ended = ends, end_reason = 'time'"
	    " WHERE id IN (SELECT id FROM guests WHERE ended IS NULL AND ends <= ?1"
	    " ORDER BY ends LIMIT ?2) RETURNING id", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int(s, 2, max > 0 ? max : -1);
	n = store_each(st, s, row_due, &d, "end passes");
	sqlite3_finalize(s);
	return n;
}

int64_t
store_guests_next_end(struct store *st, int64_t after_ms)
{
	sqlite3_stmt *s;
	int64_t next = INT64_MAX;

	if (store_prepare(st, "SELECT min(ends) FROM guests WHERE ended IS NULL AND ends > ?1",
	    &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, after_ms);
	if (store_each(st, s, store_row_int64, &next, "next pass end") == -1)
		next = -1;
	else if (next == 0)
		next = INT64_MAX;	/* min() of no row is NULL */
	sqlite3_finalize(s);
	return next;
}

/* The rows of a guest's erasure, in order: what links to the guest goes
 * before the row. */
static const char *const erase_steps[] = {
	"UPDATE events SET guest_id = NULL WHERE guest_id = ?1",
	("UPDATE visits SET left_ts = coalesce(left_ts, last_seen_ts, arrived_ts),"
	 " left_reason = coalesce(left_reason, 'manual'), guest_id = NULL WHERE guest_id = ?1"),
	/* a site's primary: every node's of the guest too */
	"UPDATE site_events SET guest_id = NULL WHERE guest_id = ?1",
	("UPDATE site_visits SET left_ts = coalesce(left_ts, last_seen_ts, arrived_ts),"
	 " left_reason = coalesce(left_reason, 'manual'), guest_id = NULL WHERE guest_id = ?1"),
	"DELETE FROM guests WHERE id = ?1",
};

int
store_guest_erase(struct store *st, int64_t id)
{
	size_t i;

	if (st->depth == 0 && store_exec(st, "PRAGMA secure_delete = ON", "erase") == -1)
		return -1;
	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < sizeof(erase_steps) / sizeof(erase_steps[0]); i++)
		if (store_exec_ids(st, erase_steps[i], id, 0, "erase guest") == -1)
			goto fail;
	if (sqlite3_changes(st->db) == 0) {
		store_seterr(st, STORE_ENOENT, "guest %lld not found", (long long)id);
		goto fail;
	}
	return store_commit(st);
fail:
	store_abort(st);
	return -1;
}

int
store_guests_purge(struct store *st, int64_t cutoff_ms)
{
	sqlite3_stmt *s;
	int64_t ids[256];
	int n = 0, total = 0, i;
	bool replica;

	if (store_site_role(st, &replica, NULL, 0) == -1)
		return -1;
	if (replica)
		return 0;

	/* In batches: an erasure is a statement for each of erase_steps a guest. */
	do {
		if (store_prepare(st, "SELECT id FROM guests WHERE ended IS NOT NULL"
		    " AND ended < ?1 LIMIT 256", &s) == -1)
			return -1;
		sqlite3_bind_int64(s, 1, cutoff_ms);
		for (n = 0; n < 256 && sqlite3_step(s) == SQLITE_ROW; n++)
			ids[n] = sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
		for (i = 0; i < n; i++)
			if (store_guest_erase(st, ids[i]) == -1)
				return -1;
		total += n;
	} while (n == 256);
	return total;
}

int
store_guest_events(struct store *st, int64_t id,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	return store_query(st, "SELECT " EVENT_COLS " FROM events WHERE guest_id = ?1"
	    " ORDER BY seq", (int64_t[]){ id }, 1,
	    &(struct store_rows){ .event = cb, .arg = arg }, "guest events");
}

/* ---- members' own accounts ---- */

static int
row_account(sqlite3_stmt *s, void *arg)
{
	struct store_member_account *a = arg;

	memset(a, 0, sizeof(*a));
	a->member_id = sqlite3_column_int64(s, 0);
	store_text(a->hash, sizeof(a->hash), s, 1);
	a->created_ms = sqlite3_column_int64(s, 2);
	return 1;
}

int
store_member_account_get(struct store *st, int64_t member_id, struct store_member_account *a)
{
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT member_id, hash, created FROM member_accounts"
	    " WHERE member_id = ?1", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	n = store_each(st, s, row_account, a, "member account");
	sqlite3_finalize(s);
	return n;
}

int
store_member_account_set(struct store *st, int64_t member_id, const char *hash, int64_t now_ms)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "INSERT INTO member_accounts (member_id, hash, created)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT(member_id) DO UPDATE SET hash = excluded.hash",
	    &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	sqlite3_bind_text(s, 2, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, now_ms);
	rc = store_run(st, s, "member account");
	sqlite3_finalize(s);
	return rc;
}

int
store_member_account_del(struct store *st, int64_t member_id)
{
	int n;

	if (store_exec_ids(st, "DELETE FROM member_accounts WHERE member_id = ?1", member_id, 0,
	    "delete member account") == -1)
		return -1;
	n = sqlite3_changes(st->db);
	if (store_exec_ids(st, "DELETE FROM member_invites WHERE member_id = ?1", member_id, 0,
	    "delete invites") == -1)
		return -1;
	return n > 0 ? 1 : 0;
}

int
store_invite_add(struct store *st, int64_t member_id, const uint8_t code_hash[STORE_CODE_HASH_LEN],
    int64_t now_ms, int64_t expires_ms)
{
	sqlite3_stmt *s;
	int rc;

	if (store_exec_ids(st, "DELETE FROM member_invites WHERE member_id = ?1", member_id, 0,
	    "replace invite") == -1 || store_prepare(st, "INSERT INTO member_invites"
	    " (code_hash, member_id, created, expires) VALUES (?1, ?2, ?3, ?4)", &s) == -1)
		return -1;
	sqlite3_bind_blob(s, 1, code_hash, STORE_CODE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, member_id);
	sqlite3_bind_int64(s, 3, now_ms);
	sqlite3_bind_int64(s, 4, expires_ms);
	rc = store_run(st, s, "add invite");
	sqlite3_finalize(s);
	return rc;
}

int
store_invite_use(struct store *st, int64_t member_id, const uint8_t code_hash[STORE_CODE_HASH_LEN],
    int64_t now_ms)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "UPDATE member_invites SET used = ?3 WHERE code_hash = ?1"
	    " AND member_id = ?2 AND used IS NULL AND expires > ?3", &s) == -1)
		return -1;
	sqlite3_bind_blob(s, 1, code_hash, STORE_CODE_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, member_id);
	sqlite3_bind_int64(s, 3, now_ms);
	rc = store_run(st, s, "use invite");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	return sqlite3_changes(st->db) > 0 ? 1 : 0;
}

int
store_member_lobby_set(struct store *st, int64_t member_id, bool public,
    const char *display_name, int64_t now_ms)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "UPDATE members SET public = ?2, display_name = ?3,"
	    " lobby_chosen = ?4 WHERE id = ?1 AND erased IS NULL", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	sqlite3_bind_int(s, 2, public ? 1 : 0);
	store_bind_text(s, 3, display_name);
	sqlite3_bind_int64(s, 4, now_ms);
	rc = store_run(st, s, "lobby choice");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	if (sqlite3_changes(st->db) == 0) {
		store_seterr(st, STORE_ENOENT, "member %lld not found", (long long)member_id);
		return -1;
	}
	return 0;
}

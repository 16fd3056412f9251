/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A site of several Pis, as the store sees it (store.h, "A site"): the
 * store's role, and the refusal that a replica's triggers raise.
 */
#include "store_private.h"

#include <stdio.h>
#include <string.h>

#include "schema.h"
#include "site_journal.h"

/* A replica's trigger refused a write (schema.c): say where the change
 * belongs.  Returns -1. */
int
store_replica_refused(struct store *st)
{
	char primary[CONFIG_NAME_MAX + 1] = "";
	bool replica;

	if (store_site_role(st, &replica, primary, sizeof(primary)) == -1 || primary[0] == '\0')
		snprintf(primary, sizeof(primary), "?");
	store_seterr(st, STORE_EREPLICA, "this node is a replica: members, badges, groups "
	    "and schedules are changed on the site's primary, '%s'", primary);
	return -1;
}

int
store_site_role(struct store *st, bool *replica, char *primary, size_t len)
{
	char role[16];
	int rc;

	*replica = false;
	if (len > 0)
		primary[0] = '\0';
	if ((rc = store_meta_get(st, STORE_META_ROLE, role, sizeof(role))) == -1)
		return -1;
	*replica = rc == 1 && strcmp(role, "replica") == 0;
	if (*replica && len > 0 && store_meta_get(st, STORE_META_PRIMARY, primary, len) == -1)
		return -1;
	return 0;
}

int
store_site_writable(struct store *st)
{
	bool replica;

	if (store_site_role(st, &replica, NULL, 0) == -1)
		return -1;
	return replica ? store_replica_refused(st) : 0;
}

int
store_site_set_role(struct store *st, bool replica, const char *primary)
{
	if (store_begin(st) == -1)
		return -1;
	if (replica) {
		if (store_meta_set(st, STORE_META_ROLE, "replica") == -1 ||
		    store_meta_set(st, STORE_META_PRIMARY, primary) == -1)
			goto fail;
	} else if (store_exec(st, "DELETE FROM meta WHERE key IN ('" STORE_META_ROLE "', '"
	    STORE_META_PRIMARY "')", "site role") == -1) {
		goto fail;
	}
	return store_commit(st);
fail:
	store_abort(st);
	return -1;
}

int
store_acl_pruned(struct store *st, int64_t base)
{
	sqlite3_stmt *s;
	int64_t first = 0;
	int n;

	st->errcode = STORE_OK;
	if (store_prepare(st, "SELECT ifnull(min(id), 0) FROM acl_log", &s) == -1)
		return -1;
	n = store_each(st, s, store_row_int64, &first, "change log");
	sqlite3_finalize(s);
	if (n == -1)
		return -1;
	return first > base + 1 ? 1 : 0;
}

int64_t
store_acl_rev(struct store *st)
{
	sqlite3_stmt *s;
	int64_t rev = 0;
	int n;

	/* The sequence, not max(id): the log is pruned below it. */
	if (store_prepare(st, "SELECT seq FROM sqlite_sequence WHERE name = 'acl_log'",
	    &s) == -1)
		return -1;
	n = store_each(st, s, store_row_int64, &rev, "change log revision");
	sqlite3_finalize(s);
	return n == -1 ? -1 : rev;
}

/* ---- the journal: every node's events, on the primary ---- */

int
store_site_acked(struct store *st, const char *node, int64_t *acked)
{
	sqlite3_stmt *s;
	int n;

	*acked = 0;
	if (store_prepare(st, "SELECT acked_seq FROM site_nodes WHERE node = ?1", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	n = store_each(st, s, store_row_int64, acked, "site nodes");
	sqlite3_finalize(s);
	return n == -1 ? -1 : 0;
}

int
store_site_enrolled_by(struct store *st, int64_t badge_id, const char *detail)
{
	sqlite3_stmt *s;
	int64_t n = 0;

	if (store_prepare(st, "SELECT count(*) FROM events WHERE type = 'badge_enrolled'"
	    " AND badge_id = ?1 AND detail = ?2", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, badge_id);
	sqlite3_bind_text(s, 2, detail, -1, SQLITE_STATIC);
	if (store_each(st, s, store_row_int64, &n, "events") == -1) {
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return n > 0;
}

struct nodes_cb {
	int	(*cb)(const char *, int64_t, int64_t, void *);
	void	*arg;
};

static int
row_node(sqlite3_stmt *s, void *arg)
{
	struct nodes_cb *c = arg;

	return c->cb((const char *)sqlite3_column_text(s, 0), sqlite3_column_int64(s, 1),
	    sqlite3_column_int64(s, 2), c->arg);
}

int
store_site_nodes(struct store *st, int (*cb)(const char *node, int64_t acked,
    int64_t last_ms, void *arg), void *arg)
{
	struct nodes_cb c = { cb, arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT node, acked_seq, ifnull(last_ms, 0) FROM site_nodes"
	    " ORDER BY node", &s) == -1)
		return -1;
	n = store_each(st, s, row_node, &c, "site nodes");
	sqlite3_finalize(s);
	return n;
}

/* Move node's mark to acked (never back: a duplicate changes nothing). */
static int
set_acked(struct store *st, const char *node, int64_t acked, int64_t now_ms)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, "INSERT INTO site_nodes (node, acked_seq, last_ms)"
	    " VALUES (?1, ?2, ?3) ON CONFLICT(node) DO UPDATE SET"
	    " acked_seq = max(acked_seq, excluded.acked_seq), last_ms = excluded.last_ms",
	    &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, acked);
	sqlite3_bind_int64(s, 3, now_ms);
	rc = store_run(st, s, "site nodes");
	sqlite3_finalize(s);
	return rc;
}

int
store_site_ingest(struct store *st, const struct journal_row *rows, int n, int64_t now_ms)
{
	sqlite3_stmt *s;
	const struct event_row *e;
	int i;

	if (store_begin(st) == -1)
		return -1;
	/* A row held already is not inserted at all: INSERT OR IGNORE would
	 * take a site_seq for it (AUTOINCREMENT counts the attempt), and
	 * B/events, whose seq is site_seq, would show a gap.  A guest erased
	 * here before a node's row of them arrived is not named by it. */
	if (store_prepare(st, "INSERT INTO site_events (node, node_seq, ts_ms,"
	    " clock_synced, boot_id, mono_ms, type, door, reader, member_id, badge_id, reason,"
	    " detail, actor, guest_id, via) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	    " ?12, ?13, ?14, (SELECT id FROM guests WHERE id = ?15), ?16 WHERE NOT EXISTS (SELECT 1 FROM site_events WHERE node = ?1 AND node_seq = ?2)",
	    &s) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		e = &rows[i].ev;
		sqlite3_bind_text(s, 1, rows[i].node, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, e->seq);
		sqlite3_bind_int64(s, 3, e->ts_ms);
		sqlite3_bind_int(s, 4, e->clock_synced);
		store_bind_text(s, 5, e->boot_id);
		sqlite3_bind_int64(s, 6, e->mono_ms);
		sqlite3_bind_text(s, 7, e->type, -1, SQLITE_STATIC);
		store_bind_text(s, 8, e->door);
		store_bind_text(s, 9, e->reader);
		store_bind_id(s, 10, e->member_id);
		store_bind_id(s, 11, e->badge_id);
		store_bind_text(s, 12, e->reason);
		store_bind_text(s, 13, e->detail);
		store_bind_text(s, 14, e->actor);
		store_bind_id(s, 15, e->guest_id);
		store_bind_id(s, 16, e->via);
		if (store_run(st, s, "site events") == -1 ||
		    set_acked(st, rows[i].node, e->seq, now_ms) == -1) {
			sqlite3_finalize(s);
			goto fail;
		}
	}
	sqlite3_finalize(s);
	return store_commit(st);
fail:
	store_abort(st);
	return -1;
}

int
store_site_copy_own(struct store *st, const char *node, int max, int64_t now_ms)
{
	sqlite3_stmt *s = NULL;
	int64_t acked, top = 0;
	int n;

	if (store_begin(st) == -1)
		return -1;
	if (store_site_acked(st, node, &acked) == -1 ||
	    store_prepare(st, "INSERT INTO site_events (node, node_seq, ts_ms,"
	    " clock_synced, boot_id, mono_ms, type, door, reader, member_id, badge_id, uid_mac,"
	    " reason, detail, actor, guest_id, via) SELECT ?1, seq, ts_ms, clock_synced, boot_id,"
	    " mono_ms, type, door, reader, member_id, badge_id, uid_mac, reason, detail, actor,"
	    " guest_id, via FROM events e WHERE seq > ?2 AND NOT EXISTS (SELECT 1 FROM site_events"
	    " WHERE node = ?1 AND node_seq = e.seq) ORDER BY seq LIMIT ?3", &s) == -1)
		goto fail;
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, acked);
	sqlite3_bind_int(s, 3, max);
	if (store_run(st, s, "site events") == -1)
		goto fail;
	n = sqlite3_changes(st->db);
	sqlite3_finalize(s);
	s = NULL;
	if (n > 0) {
		if (store_prepare(st, "SELECT max(node_seq) FROM site_events WHERE node = ?1",
		    &s) == -1)
			goto fail;
		sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
		if (store_each(st, s, store_row_int64, &top, "site events") == -1 ||
		    set_acked(st, node, top, now_ms) == -1)
			goto fail;
		sqlite3_finalize(s);
	}
	return store_commit(st) == -1 ? -1 : n;
fail:
	sqlite3_finalize(s);
	store_abort(st);
	return -1;
}

int
store_site_keep_own(struct store *st, const char *own_path, const char *old_primary,
    int64_t now_ms)
{
	static const char *const steps[] = {
		"DELETE FROM main.events",
		"INSERT INTO main.events (" EVENT_ALL_COLS ") SELECT " EVENT_ALL_COLS
		" FROM own.events ORDER BY seq",
		"DELETE FROM main.sqlite_sequence WHERE name = 'events'",
		"INSERT INTO main.sqlite_sequence (name, seq) SELECT 'events', seq"
		" FROM own.sqlite_sequence WHERE name = 'events'",
		"DELETE FROM main.visits",
		"INSERT INTO main.visits (" VISIT_COLS ") SELECT " VISIT_COLS " FROM own.visits",
	};
	sqlite3_stmt *s;
	size_t i;
	int rc = -1;

	if (old_primary[0] != '\0' &&
	    store_site_copy_own(st, old_primary, INT32_MAX, now_ms) == -1)
		return -1;
	if (store_prepare(st, "ATTACH DATABASE ?1 AS own", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, own_path, -1, SQLITE_STATIC);
	rc = store_run(st, s, "attach the node's own store");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	rc = -1;
	if (store_begin(st) == -1)
		goto detach;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (store_exec(st, steps[i], "keep the node's own events") == -1) {
			store_abort(st);
			goto detach;
		}
	rc = store_commit(st);
detach:
	if (store_exec(st, "DETACH DATABASE own", "detach the node's own store") == -1)
		rc = -1;
	return rc;
}

int
store_site_events_after(struct store *st, int64_t after, int max,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	return store_query(st, "SELECT " SITE_EVENT_COLS " FROM site_events WHERE site_seq > ?1"
	    " ORDER BY site_seq LIMIT ?2", (int64_t[]){ after, max > 0 ? max : -1 }, 2,
	    &(struct store_rows){ .event = cb, .arg = arg }, "site events");
}

int64_t
store_site_last_seq(struct store *st)
{
	sqlite3_stmt *s;
	int64_t seq = 0;
	int n;

	if (store_prepare(st, "SELECT seq FROM sqlite_sequence WHERE name = 'site_events'",
	    &s) == -1)
		return -1;
	n = store_each(st, s, store_row_int64, &seq, "site events");
	sqlite3_finalize(s);
	return n == -1 ? -1 : seq;
}

struct present_cb {
	int	(*cb)(int64_t, int64_t, void *);
	void	*arg;
};

static int
row_present(sqlite3_stmt *s, void *arg)
{
	struct present_cb *c = arg;

	return c->cb(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1), c->arg);
}

/*
 * Who is here, site-wide: each node keeps its own visits (its arrivals,
 * its departures, expiries and day ends); a member is on site while at
 * least one node's latest arrival or departure of theirs is an arrival,
 * since the earliest such arrival.  A guest too, as minus the guest's id
 * (as a single Pi's presence counts them): a guest's events name the
 * pass, not a member.
 */
int
store_site_present(struct store *st, int (*cb)(int64_t member_id, int64_t since_ms,
    void *arg), void *arg)
{
	struct present_cb c = { cb, arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT e.member_id, min(e.ts_ms) FROM site_events e"
	    " WHERE e.type = 'arrival' AND e.member_id IS NOT NULL AND NOT EXISTS"
	    " (SELECT 1 FROM site_events d WHERE d.member_id = e.member_id"
	    " AND d.node = e.node AND d.type IN ('arrival', 'departure')"
	    " AND d.site_seq > e.site_seq) GROUP BY e.member_id"
	    " UNION ALL SELECT -e.guest_id, min(e.ts_ms) FROM site_events e"
	    " WHERE e.type = 'arrival' AND e.member_id IS NULL AND e.guest_id IS NOT NULL"
	    " AND NOT EXISTS (SELECT 1 FROM site_events d WHERE d.guest_id = e.guest_id"
	    " AND d.member_id IS NULL AND d.node = e.node"
	    " AND d.type IN ('arrival', 'departure') AND d.site_seq > e.site_seq)"
	    " GROUP BY e.guest_id ORDER BY 2", &s) == -1)
		return -1;
	n = store_each(st, s, row_present, &c, "site presence");
	sqlite3_finalize(s);
	return n;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What happened and who is here: the event log, visits, retention and the
 * right to erasure.  The daemon's steady writes (an event, a visit opened,
 * seen or closed) use statements prepared once at open; the queries and
 * the rare bulk work are prepared when called.
 */
#include "store_private.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "event_type.h"

void
store_event_stamp(struct event *ev)
{
	ev->ts_ms = clock_wall_ms();
	ev->mono_ms = clock_mono_ms();
	ev->clock_synced = clock_synced();
}

int64_t
store_append_event(struct store *st, const struct event *ev)
{
	sqlite3_stmt *s = st->stmt[S_APPEND_EVENT];

	if (!event_type_known(ev->type)) {
		store_seterr(st, STORE_EINVAL, "event type '%.40s' is not one of "
		    "core/event_type.c's", ev->type != NULL ? ev->type : "");
		return -1;
	}
	sqlite3_bind_int64(s, 1, ev->ts_ms);
	sqlite3_bind_int(s, 2, ev->clock_synced ? 1 : 0);
	sqlite3_bind_text(s, 3, clock_boot_id(), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, ev->mono_ms);
	sqlite3_bind_text(s, 5, ev->type, -1, SQLITE_STATIC);
	store_bind_text(s, 6, ev->door);
	store_bind_text(s, 7, ev->reader);
	store_bind_id(s, 8, ev->member_id);
	store_bind_id(s, 9, ev->badge_id);
	if (ev->uid_mac != NULL)
		sqlite3_bind_blob(s, 10, ev->uid_mac, UID_MAC_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 10);
	store_bind_text(s, 11, ev->reason);
	store_bind_text(s, 12, ev->detail);
	store_bind_text(s, 13, ev->actor);
	store_bind_id(s, 14, ev->guest_id);
	store_bind_id(s, 15, ev->via);
	if (store_run(st, s, "append event") == -1)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int64_t
store_last_seq(struct store *st)
{
	int64_t seq = 0;	/* no event yet: no row */

	if (store_each(st, st->stmt[S_LAST_SEQ], store_row_int64, &seq,
	    "last seq") == -1)
		return -1;
	return seq;
}

int
store_events_after(struct store *st, int64_t after_seq, int max,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	return store_query(st, "SELECT " EVENT_COLS " FROM events WHERE seq > ?1"
	    " ORDER BY seq LIMIT ?2",
	    (int64_t[]){ after_seq, max > 0 ? max : -1 }, 2,
	    &(struct store_rows){ .event = cb, .arg = arg }, "events");
}

/* One clause a filter given, in the order of its parameter. */
static const struct {
	const char	*sql;
	const char	*param;
} event_clauses[] = {
	{ " AND ts_ms >= :since", ":since" },
	{ " AND ts_ms < :until", ":until" },
	{ " AND member_id = :member", ":member" },
	{ " AND seq < :before", ":before" },
	{ " AND door = :door", ":door" },
	{ " AND reader = :reader", ":reader" },
	{ " AND type = :type", ":type" },
	{ " AND reason = :reason", ":reason" },
	{ " AND (actor = :actor OR substr(actor, 1, length(:actor) + 5) = :actor || ' via ')",
	    ":actor" },
};

int
store_events_query(struct store *st, const struct event_filter *f,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	const int64_t ids[] = { f->since_ms, f->until_ms, f->member_id, f->before_seq };
	const char *texts[] = { f->door, f->reader, f->type, f->reason, f->actor };
	char sql[1024];
	sqlite3_stmt *s;
	size_t i, n, nids = sizeof(ids) / sizeof(ids[0]);
	bool given;

	/* The newest `limit` rows, then back into seq order. */
	n = (size_t)snprintf(sql, sizeof(sql), "SELECT * FROM (SELECT %s WHERE 1",
	    f->site ? SITE_EVENT_COLS " FROM site_events" : EVENT_COLS " FROM events");
	for (i = 0; i < sizeof(event_clauses) / sizeof(event_clauses[0]); i++) {
		const char *clause = event_clauses[i].sql;

		given = i < nids ? ids[i] != 0 : texts[i - nids] != NULL;
		/* A site's view is in the site's sequence. */
		if (f->site && strcmp(event_clauses[i].param, ":before") == 0)
			clause = " AND site_seq < :before";
		if (given)
			n += (size_t)snprintf(sql + n, sizeof(sql) - n, "%s", clause);
	}
	snprintf(sql + n, sizeof(sql) - n, " ORDER BY %s DESC LIMIT :limit) ORDER BY %s",
	    f->site ? "site_seq" : "seq", f->site ? "site_seq" : "seq");
	if (store_prepare(st, sql, &s) == -1)
		return -1;
	for (i = 0; i < sizeof(event_clauses) / sizeof(event_clauses[0]); i++) {
		int k = sqlite3_bind_parameter_index(s, event_clauses[i].param);

		if (k == 0)
			continue;
		if (i < nids)
			sqlite3_bind_int64(s, k, ids[i]);
		else
			store_bind_text(s, k, texts[i - nids]);
	}
	sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":limit"),
	    f->limit > 0 ? f->limit : -1);
	return store_rows(st, s,
	    &(struct store_rows){ .event = cb, .arg = arg },
	    "events");
}

static bool
text_is(const char *want, const char *have)
{
	return want == NULL || strcmp(want, have) == 0;
}

bool
store_event_matches(const struct event_filter *f, const struct event_row *e)
{
	size_t n;

	if ((f->since_ms != 0 && e->ts_ms < f->since_ms) ||
	    (f->until_ms != 0 && e->ts_ms >= f->until_ms) ||
	    (f->member_id != 0 && e->member_id != f->member_id) ||
	    (f->before_seq != 0 && e->seq >= f->before_seq) ||
	    !text_is(f->door, e->door) || !text_is(f->reader, e->reader) ||
	    !text_is(f->type, e->type) || !text_is(f->reason, e->reason))
		return false;
	if (f->actor == NULL || strcmp(f->actor, e->actor) == 0)
		return true;
	n = strlen(f->actor);
	return strncmp(f->actor, e->actor, n) == 0 && strncmp(e->actor + n, " via ", 5) == 0;
}

int
store_events_since(struct store *st, const char *type, int64_t since_ms,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	sqlite3_stmt *s;

	/* In the order of the events_ts index, which bounds the scan: a
	 * recent since_ms reads a few rows of a long log. */
	if (store_prepare(st, "SELECT " EVENT_COLS " FROM events WHERE ts_ms >= ?1"
	    " AND type = ?2 ORDER BY ts_ms, seq", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, since_ms);
	store_bind_text(s, 2, type);
	return store_rows(st, s, &(struct store_rows){ .event = cb, .arg = arg }, "events");
}

/* The MAC clause is what finds a badge's unknown_badge denials from
 * before it was enrolled: those rows name no badge id. */
int
store_member_events(struct store *st, int64_t member_id,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	return store_query(st, "SELECT " EVENT_COLS " FROM events WHERE member_id = ?1"
	    " OR badge_id IN (SELECT id FROM badges WHERE member_id = ?1)"
	    " OR uid_mac IN (SELECT uid_mac FROM badges WHERE member_id = ?1)"
	    " ORDER BY seq",
	    (int64_t[]){ member_id }, 1,
	    &(struct store_rows){ .event = cb, .arg = arg }, "events");
}

int64_t
store_visit_open(struct store *st, int64_t member_id, const char *door, int64_t arrived_ms)
{
	sqlite3_stmt *s = st->stmt[S_VISIT_OPEN];

	store_bind_id(s, 1, member_id);
	store_bind_text(s, 2, door);
	sqlite3_bind_int64(s, 3, arrived_ms);
	store_bind_id(s, 4, -member_id);
	if (store_run(st, s, "open visit") == -1)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int
store_visit_seen(struct store *st, int64_t visit_id, int64_t ts_ms)
{
	return store_run_ids(st, st->stmt[S_VISIT_SEEN], visit_id, ts_ms, "visit seen");
}

int
store_visit_close(struct store *st, int64_t visit_id, int64_t left_ms, const char *reason)
{
	sqlite3_stmt *s = st->stmt[S_VISIT_CLOSE];

	sqlite3_bind_int64(s, 1, visit_id);
	sqlite3_bind_int64(s, 2, left_ms);
	store_bind_text(s, 3, reason);
	return store_run(st, s, "close visit");
}

int
store_visits_open(struct store *st,
    int (*cb)(const struct visit_row *v, void *arg), void *arg)
{
	return store_query(st, "SELECT " VISIT_COLS " FROM visits WHERE left_ts IS NULL"
	    " ORDER BY arrived_ts, id",
	    NULL, 0, &(struct store_rows){ .visit = cb, .arg = arg }, "visits");
}

int
store_visits_between(struct store *st, int64_t from_ms, int64_t to_ms, int64_t member_id,
    int (*cb)(const struct visit_row *v, void *arg), void *arg)
{
	/* "+left_ts": one scan of the table, not visits_open searched twice
	 * (IS NULL, then >) and each row fetched by rowid: visits are kept
	 * 400 days, so a report reads most of them anyway (bench: the year's
	 * report by month, 500 members: 913M -> 678M instructions, 163 -> 99
	 * ms median of 5 on a loaded 2-core machine). */
	return store_query(st, "SELECT " VISIT_COLS " FROM visits"
	    " WHERE (?2 = 0 OR arrived_ts < ?2)"
	    " AND (+left_ts IS NULL OR +left_ts > ?1)"
	    " AND (?3 = 0 OR member_id = ?3) ORDER BY arrived_ts, id",
	    (int64_t[]){ from_ms, to_ms, member_id }, 3,
	    &(struct store_rows){ .visit = cb, .arg = arg }, "visits");
}

struct who_cb {
	int	(*cb)(const struct visit_row *, const struct member_row *, void *);
	void	*arg;
};

/* A visit whose member row is gone comes with a zeroed member. */
static int
row_who(sqlite3_stmt *s, void *arg)
{
	struct who_cb *c = arg;
	struct visit_row v;
	struct member_row m;

	store_read_visit(s, 0, &v);
	if (sqlite3_column_type(s, 8) == SQLITE_NULL)
		memset(&m, 0, sizeof(m));
	else
		store_read_member(s, 8, &m);
	return c->cb(&v, &m, c->arg);
}

int
store_who(struct store *st,
    int (*cb)(const struct visit_row *v, const struct member_row *m, void *arg), void *arg)
{
	struct who_cb c = { cb, arg };
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, "SELECT v.id, v.member_id, v.door, v.arrived_ts,"
	    " v.left_ts, v.left_reason, v.last_seen_ts, v.guest_id, m.id, m.name,"
	    " m.display_name, m.email, m.status, m.valid_from, m.valid_until,"
	    " m.public, m.created, m.erased, m.lobby_chosen"
	    " FROM visits v LEFT JOIN members m ON m.id = v.member_id"
	    " WHERE v.left_ts IS NULL ORDER BY v.arrived_ts, v.id", &s) == -1)
		return -1;
	n = store_each(st, s, row_who, &c, "who");
	sqlite3_finalize(s);
	return n;
}

int
store_member_checkout(struct store *st, int64_t member_id, int64_t left_ms,
    const char *reason)
{
	sqlite3_stmt *s;
	int rc;

	/* member_id < 0: a guest (visit_row's convention). */
	if (store_prepare(st, "UPDATE visits SET left_ts = ?2, left_reason = ?3"
	    " WHERE (member_id = ?1 OR guest_id = -?1) AND left_ts IS NULL", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	sqlite3_bind_int64(s, 2, left_ms);
	store_bind_text(s, 3, reason);
	rc = store_run(st, s, "checkout");
	sqlite3_finalize(s);
	if (rc == -1)
		return -1;
	return sqlite3_changes(st->db);
}

/*
 * Why one transaction and the bookkeeping inside it: a purge is all or
 * nothing, and "last_purge" must never claim a purge that was rolled back.
 * Cut-offs below the epoch (a retention longer than the clock's age, or a
 * wall clock still in 1970) delete nothing.
 */
int
store_purge(struct store *st, int64_t now_ms, int64_t event_retention_ms,
    int64_t visit_retention_ms, int64_t *events_deleted, int64_t *visits_deleted)
{
	char value[64], counts[96];
	int64_t ne = 0, nv = 0;

	if (event_retention_ms < 0 || visit_retention_ms < 0) {
		store_seterr(st, STORE_EINVAL, "purge: negative retention");
		return -1;
	}
	if (store_begin(st) == -1)
		return -1;
	if (now_ms - event_retention_ms > 0) {
		if (store_exec_ids(st, "DELETE FROM events WHERE ts_ms < ?1",
		    now_ms - event_retention_ms, 0, "purge events") == -1)
			goto fail;
		ne = sqlite3_changes64(st->db);
		/* A site's events: the same retention (docs/site.md). */
		if (store_exec_ids(st, "DELETE FROM site_events WHERE ts_ms < ?1",
		    now_ms - event_retention_ms, 0, "purge the site's events") == -1)
			goto fail;
	}
	if (now_ms - visit_retention_ms > 0) {
		if (store_exec_ids(st, "DELETE FROM visits WHERE left_ts IS NOT NULL"
		    " AND left_ts < ?1", now_ms - visit_retention_ms, 0,
		    "purge visits") == -1)
			goto fail;
		nv = sqlite3_changes64(st->db);
		/* A site's visits: the same retention (docs/site.md). */
		if (store_exec_ids(st, "DELETE FROM site_visits WHERE left_ts IS NOT NULL"
		    " AND left_ts < ?1", now_ms - visit_retention_ms, 0,
		    "purge the site's visits") == -1)
			goto fail;
		nv += sqlite3_changes64(st->db);
	}
	/* A site's change log: its last rows are enough for the deltas (a
	 * replica further behind takes the snapshot). */
	if (store_exec_ids(st, "DELETE FROM acl_log WHERE id <= (SELECT max(id) FROM acl_log)"
	    " - ?1", ACL_LOG_KEEP, 0, "purge the change log") == -1)
		goto fail;
	snprintf(value, sizeof(value), "%lld", (long long)now_ms);
	snprintf(counts, sizeof(counts), "{\"events\":%lld,\"visits\":%lld}",
	    (long long)ne, (long long)nv);
	if (store_meta_set(st, "last_purge", value) == -1 ||
	    store_meta_set(st, "last_purge_counts", counts) == -1 ||
	    store_commit(st) == -1)
		goto fail;
	if (events_deleted != NULL)
		*events_deleted = ne;
	if (visits_deleted != NULL)
		*visits_deleted = nv;
	return 0;
fail:
	store_abort(st);
	return -1;
}

/*
 * Order matters: events are unlinked from the member's badges (ids and
 * MACs) before the badges are deleted, since afterwards nothing would say
 * which anonymous rows were this member's.
 */
int
store_member_erase(struct store *st, int64_t member_id, int64_t now_ms)
{
	static const char *const steps[] = {
		"UPDATE events SET uid_mac = NULL WHERE uid_mac IN"
		" (SELECT uid_mac FROM badges WHERE member_id = ?1)",
		"UPDATE events SET member_id = NULL, badge_id = NULL, uid_mac = NULL"
		" WHERE member_id = ?1"
		" OR badge_id IN (SELECT id FROM badges WHERE member_id = ?1)",
		/* a site's primary: every node's events of the member too */
		"UPDATE site_events SET uid_mac = NULL WHERE uid_mac IN"
		" (SELECT uid_mac FROM badges WHERE member_id = ?1)",
		"UPDATE site_events SET member_id = NULL, badge_id = NULL, uid_mac = NULL"
		" WHERE member_id = ?1"
		" OR badge_id IN (SELECT id FROM badges WHERE member_id = ?1)",
		"UPDATE visits SET left_ts = ?2, left_reason = 'manual'"
		" WHERE member_id = ?1 AND left_ts IS NULL",
		"UPDATE visits SET member_id = NULL WHERE member_id = ?1",
		"UPDATE site_visits SET left_ts = ?2, left_reason = 'manual'"
		" WHERE member_id = ?1 AND left_ts IS NULL",
		"UPDATE site_visits SET member_id = NULL WHERE member_id = ?1",
		"DELETE FROM badges WHERE member_id = ?1",
		"DELETE FROM member_groups WHERE member_id = ?1",
		/* The guests they vouched for: their passes end, and their
		 * events no longer say who vouched. */
		"UPDATE events SET via = NULL WHERE via = ?1",
		"UPDATE guests SET sponsor_id = NULL, ended = coalesce(ended, ?2),"
		" end_reason = coalesce(end_reason, 'sponsor_erased') WHERE sponsor_id = ?1",
		"DELETE FROM member_accounts WHERE member_id = ?1",
		"DELETE FROM member_invites WHERE member_id = ?1",
		"UPDATE members SET name = 'erased-' || id, display_name = NULL,"
		" email = NULL, status = 'disabled', valid_from = NULL,"
		" valid_until = NULL, public = 0, erased = ?2, lobby_chosen = NULL"
		" WHERE id = ?1",
	};
	struct member_row m;
	size_t i;
	int rc;

	if ((rc = store_member_get(st, member_id, &m)) != 1) {
		if (rc == 0)
			store_seterr(st, STORE_ENOENT, "member %lld not found",
			    (long long)member_id);
		return -1;
	}
	/* On already (store_open), but this is the call that relies on it. */
	if (st->depth == 0 && store_exec(st, "PRAGMA secure_delete = ON", "erase") == -1)
		return -1;
	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (store_exec_ids(st, steps[i], member_id, now_ms, "erase") == -1)
			goto fail;
	if (store_commit(st) == -1)
		goto fail;
	explicit_bzero(&m, sizeof(m));
	return 0;
fail:
	store_abort(st);
	explicit_bzero(&m, sizeof(m));
	return -1;
}

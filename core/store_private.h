/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What the store's files share and nobody else sees: the handle, the
 * statements prepared once at open, and the helpers every query uses.
 * store.h is the contract; this header is how the store keeps it.
 *
 * The files, by what they serve:
 *   store.c        open (schema.c migrates and checks), transactions,
 *                  errors, meta, the helpers below
 *   store_badge.c  the badge path (the door's lookup, one tap at a time)
 *   store_admin.c  members, badges, groups and schedules (seuilctl)
 *   store_log.c    events, visits, retention and erasure
 *   store_site.c   a site of several Pis: the role, the change log, the
 *                  journal of every node's events
 *   site_acl.c     the projection of the member data that travels from a
 *                  site's primary to its replicas, built and applied
 */
#ifndef SEUIL_STORE_PRIVATE_H
#define SEUIL_STORE_PRIVATE_H

#include <stdint.h>

#include <sqlite3.h>

#include "store.h"

/* The statements of the badge path and of the daemon's steady work,
 * prepared once at open so that a tap never parses SQL (store.c holds the
 * text).  Anything else is prepared when called and finalized after. */
enum {
	S_FIND_BADGE,
	S_MEMBER_GROUPS,
	S_BADGE_SEEN,
	S_APPEND_EVENT,
	S_LAST_SEQ,
	S_VISIT_OPEN,
	S_VISIT_SEEN,
	S_VISIT_CLOSE,
	S_META_GET,
	S_META_SET,
	S_MEMBER_GET,
	S_MEMBER_BY_NAME,
	S_FIND_LOANER,
	S_BEGIN,
	S_COMMIT,
	S_COUNT
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S_COUNT];
	int		 depth;		/* store_begin nesting */
	int		 wal_pending;	/* store_checkpoint_manual: frames to copy */
	enum store_error errcode;
	char		 errmsg[512];
};

/* The column lists that store_read_member, store_read_badge,
 * store_read_event and store_read_visit expect, in their order. */
#define MEMBER_COLS	"id, name, display_name, email, status, valid_from," \
			" valid_until, public, created, erased, lobby_chosen"
#define BADGE_COLS	"id, member_id, uid_hint, label, status, created, last_seen, kind"
#define EVENT_COLS	"seq, ts_ms, clock_synced, boot_id, mono_ms, type, door," \
			" reader, member_id, badge_id, reason, detail, actor, guest_id, via"
/* Every column of events, as the table has them. */
#define EVENT_ALL_COLS	"seq, ts_ms, clock_synced, boot_id, mono_ms, type, door," \
			" reader, member_id, badge_id, uid_mac, reason, detail, actor," \
			" guest_id, via"
/* The same from site_events, then the node and its seq there. */
#define SITE_EVENT_COLS	"site_seq, ts_ms, clock_synced, boot_id, mono_ms, type, door," \
			" reader, member_id, badge_id, reason, detail, actor, guest_id, via," \
			" node, node_seq"
#define VISIT_COLS	"id, member_id, door, arrived_ts, left_ts, left_reason," \
			" last_seen_ts, guest_id"
/* The same from site_visits, then the node. */
#define SITE_VISIT_COLS	VISIT_COLS ", node"
/* A group and its windows, one row per window (columns 2-4 NULL for a
 * group without any): what store_read_window reads; then whether the
 * group admits when a replica's copy expired (column 5). */
#define GROUP_COLS	"g.id, g.name, w.days, w.start_min, w.end_min, g.offline_ok"

/* A caller's row callback, typed by the row it takes: exactly one of
 * member, badge, event or visit is set.  See store_rows. */
struct store_rows {
	int	(*member)(const struct member_row *, void *);
	int	(*badge)(const struct badge_row *, void *);
	int	(*event)(const struct event_row *, void *);
	int	(*visit)(const struct visit_row *, void *);
	void	*arg;
};

/* store.c */
void	store_seterr(struct store *, enum store_error, const char *, ...)
	    __attribute__((format(printf, 3, 4)));
int	store_dberr(struct store *, const char *);
void	store_abort(struct store *);
int	store_exec(struct store *, const char *, const char *);
int	store_prepare(struct store *, const char *, sqlite3_stmt **);
void	store_release(sqlite3_stmt *);
int	store_run(struct store *, sqlite3_stmt *, const char *);
int	store_run_ids(struct store *, sqlite3_stmt *, int64_t, int64_t, const char *);
int	store_exec_ids(struct store *, const char *, int64_t, int64_t, const char *);
int	store_each(struct store *, sqlite3_stmt *,
	    int (*)(sqlite3_stmt *, void *), void *, const char *);
int	store_bind_text(sqlite3_stmt *, int, const char *);
int	store_bind_id(sqlite3_stmt *, int, int64_t);
int	store_row_int64(sqlite3_stmt *, void *);
void	store_text(char *, size_t, sqlite3_stmt *, int);
void	store_read_member(sqlite3_stmt *, int, struct member_row *);
void	store_read_badge(sqlite3_stmt *, int, struct badge_row *);
void	store_read_visit(sqlite3_stmt *, int, struct visit_row *);
int	store_rows(struct store *, sqlite3_stmt *, struct store_rows *,
	    const char *);
int	store_query(struct store *, const char *, const int64_t *, int,
	    struct store_rows *, const char *);

/* store_site.c */
int	store_replica_refused(struct store *);

/* store_badge.c */
int	store_read_window(struct store *, sqlite3_stmt *, struct access_group *);

#endif

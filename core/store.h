/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store: one SQLite file (WAL, synchronous=FULL, busy_timeout 5 s,
 * foreign keys on), shared by seuild and seuilctl through the same object
 * files.  Schema version in PRAGMA user_version; store_open applies every
 * forward migration in one transaction.
 *
 * Schema (version 5; core/schema.c holds the migrations, and store_open
 * refuses a file whose schema is not exactly that of its version):
 *   members(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, display_name TEXT,
 *           email TEXT, status TEXT CHECK(status IN ('active','disabled')),
 *           valid_from TEXT, valid_until TEXT,      -- 'YYYY-MM-DD' local, or NULL
 *           public INTEGER 0|1, created INTEGER,    -- UTC ms
 *           erased INTEGER)                         -- UTC ms when erased, or NULL
 *   badges(id INTEGER PRIMARY KEY, member_id REFERENCES members ON DELETE CASCADE,
 *          uid_mac BLOB UNIQUE NOT NULL,            -- HMAC-SHA256(key, uid)
 *          uid_hint TEXT, label TEXT, status TEXT 'active'|'revoked',
 *          created INTEGER, last_seen INTEGER,
 *          kind TEXT 'uid'|'desfire')              -- desfire: uid_mac is the
 *                                                  -- credential's MAC (version 4)
 *   groups(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)
 *   member_groups(member_id, group_id, PRIMARY KEY(member_id, group_id))
 *   schedule_windows(group_id, days INTEGER, start_min INTEGER, end_min INTEGER)
 *   events(seq INTEGER PRIMARY KEY AUTOINCREMENT,   -- never reused
 *          ts_ms INTEGER NOT NULL, clock_synced INTEGER, boot_id TEXT, mono_ms INTEGER,
 *          type TEXT NOT NULL, door TEXT, reader TEXT, member_id INTEGER, badge_id INTEGER,
 *          uid_mac BLOB, reason TEXT, detail TEXT,
 *          actor TEXT)                             -- staff events: who; never published
 *   visits(id INTEGER PRIMARY KEY, member_id INTEGER, door TEXT, arrived_ts INTEGER,
 *          left_ts INTEGER, left_reason TEXT, last_seen_ts INTEGER)
 *   meta(key TEXT PRIMARY KEY, value TEXT)
 * events.member_id and visits.member_id carry no foreign key: erasing a
 * member sets them NULL (anonymised) rather than deleting history.
 *
 * Functions return 0 (or a count, id or seq) on success and -1 on error; the
 * message is then in store_errmsg().  The store never logs.
 *
 * The implementation is split by what each part serves (store_private.h
 * lists the files): the badge path, administration, the event log.
 */
#ifndef SEUIL_STORE_H
#define SEUIL_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "uid.h"

struct store;

#define STORE_CREATE	0x1	/* create the file if missing (seuilctl init) */
#define STORE_READONLY	0x2

/* Open (and migrate) the database.  NULL with a message in err on failure;
 * without STORE_CREATE a missing file is an error that says to run
 * `seuilctl init`.  The caller owns the store and closes it. */
struct store *store_open(const char *path, int flags, char *err, size_t errlen);
void store_close(struct store *st);	/* NULL is fine */
const char *store_errmsg(const struct store *st);
int store_schema_version(struct store *st);
/* Replace the 5 s busy timeout: fn(arg, count) is called while another
 * connection holds the lock and returns non-zero to wait and try again,
 * 0 to fail with "database is locked" (sqlite3_busy_handler). */
void store_busy_handler(struct store *st, int (*fn)(void *arg, int count), void *arg);

/* Group several writes into one durable transaction; calls nest. */
int store_begin(struct store *st);
int store_commit(struct store *st);
int store_rollback(struct store *st);

struct member_row {
	int64_t	id;
	char	name[128];
	char	display_name[128];
	char	email[256];
	bool	active;
	char	valid_from[11];		/* "" if none */
	char	valid_until[11];	/* "" if none */
	bool	public;
	int64_t	created_ms;
	bool	erased;
	int64_t	lobby_chosen_ms;	/* when the member chose how the lobby names
					 * them (public, display_name); 0: never */
};

/* What a badge is (badges.kind): its card's UID, or a DESFire credential
 * that the card proves with its key (uid.h, uid_credential_mac). */
enum badge_kind { BADGE_UID = 0, BADGE_DESFIRE };

/* "uid", "desfire". */
const char *store_badge_kind_name(enum badge_kind k);

struct badge_row {
	int64_t	id;
	enum badge_kind kind;
	int64_t	member_id;
	char	hint[UID_HINT_LEN];
	char	label[128];
	bool	active;
	int64_t	created_ms;
	int64_t	last_seen_ms;		/* 0 if never */
};

/* The badge path: one prepared statement.  Returns 1 and fills *b and *m
 * when a badge of that kind has the MAC (even if revoked or the member
 * disabled: the policy decides), 0 when none has, -1 on error.  The kind is
 * part of the lookup: a UID's MAC never finds a DESFire badge. */
int store_find_badge(struct store *st, enum badge_kind kind, const uint8_t mac[UID_MAC_LEN],
    struct badge_row *b, struct member_row *m);
/* The groups of a member and their schedule windows. 0 or -1. */
int store_member_groups(struct store *st, int64_t member_id, struct access_groups *out);
/* Record that a badge was used. */
int store_badge_seen(struct store *st, int64_t badge_id, int64_t ts_ms);

/* An event to append.  Strings may be NULL (stored as NULL). */
struct event {
	const char	*type;		/* docs/design.md, Events: access_granted, ... */
	const char	*door;
	const char	*reader;
	int64_t		member_id;	/* 0: none */
	int64_t		badge_id;	/* 0: none */
	const uint8_t	*uid_mac;	/* UID_MAC_LEN bytes or NULL */
	const char	*reason;
	const char	*detail;
	const char	*actor;		/* staff events: who; never published */
	int64_t		guest_id;	/* a guest's event: the guest; 0: none */
	int64_t		via;		/* a guest's event: the sponsor (member id) */
	int64_t		ts_ms;		/* UTC */
	int64_t		mono_ms;
	bool		clock_synced;
};

/* Stamp ev as happening now: ts_ms (wall), mono_ms and clock_synced. */
void store_event_stamp(struct event *ev);
/* Append an event; it is durable when this returns (or when the enclosing
 * store_begin/store_commit commits).  Returns the new seq or -1. */
int64_t store_append_event(struct store *st, const struct event *ev);
int64_t store_last_seq(struct store *st);

struct event_row {
	int64_t	seq;
	int64_t	ts_ms;
	bool	clock_synced;
	char	boot_id[37];
	int64_t	mono_ms;
	char	type[32];
	char	door[CONFIG_NAME_MAX + 1];
	char	reader[CONFIG_NAME_MAX + 1];
	int64_t	member_id;		/* 0 if none or erased */
	int64_t	badge_id;
	char	reason[32];
	char	detail[256];
	char	actor[96];		/* "" if none */
	/* A site's view (site_events): the node it happened at and its seq
	 * there; seq is then the site's sequence.  "" and 0 otherwise. */
	char	node[CONFIG_NAME_MAX + 1];
	int64_t	node_seq;
	int64_t	guest_id;		/* 0 if none or erased */
	int64_t	via;			/* the guest's sponsor; 0 if none */
};

/* Events with seq > after_seq in seq order, at most max (0 = no limit),
 * each passed to cb; cb returning non-zero stops early.  Returns the number
 * passed to cb, or -1. */
int store_events_after(struct store *st, int64_t after_seq, int max,
    int (*cb)(const struct event_row *ev, void *arg), void *arg);

/* A visit's person: a member id (> 0), or a guest as minus the guest's id
 * (presence keeps both in one field). */
struct visit_row {
	int64_t	id;
	int64_t	member_id;
	char	door[CONFIG_NAME_MAX + 1];
	int64_t	arrived_ms;
	int64_t	left_ms;		/* 0 while present */
	char	left_reason[16];	/* badge_out toggle timeout day_end manual */
	int64_t	last_seen_ms;
	/* A site's visit (site_visits): the node it was at; "" otherwise. */
	char	node[CONFIG_NAME_MAX + 1];
};

/* member_id as visit_row's: < 0 for a guest. */
int64_t store_visit_open(struct store *st, int64_t member_id, const char *door, int64_t arrived_ms);
int store_visit_seen(struct store *st, int64_t visit_id, int64_t ts_ms);
int store_visit_close(struct store *st, int64_t visit_id, int64_t left_ms, const char *reason);
/* Every visit not yet left, oldest first.  Returns the count or -1. */
int store_visits_open(struct store *st,
    int (*cb)(const struct visit_row *v, void *arg), void *arg);

/* Visits that overlap [from_ms, to_ms) (to_ms 0: no end), of one member
 * (member_id > 0) or all, ordered by arrival.  For reports.  Count or -1. */
int store_visits_between(struct store *st, int64_t from_ms, int64_t to_ms, int64_t member_id,
    int (*cb)(const struct visit_row *v, void *arg), void *arg);

/* meta key/value.  get returns 1 found, 0 missing, -1 error. */
int store_meta_get(struct store *st, const char *key, char *value, size_t len);
int store_meta_set(struct store *st, const char *key, const char *value);

/* Members: id or exact name. 1 found, 0 not found, -1 error. */
int store_member_get(struct store *st, int64_t id, struct member_row *m);
int store_member_find(struct store *st, const char *id_or_name, struct member_row *m);

/*
 * What kind of error the last failing call met, so that a caller (seuilctl)
 * can tell a duplicate or a missing row from a database failure.
 */
enum store_error {
	STORE_OK = 0,
	STORE_EDB,		/* SQLite or I/O failure */
	STORE_EEXIST,		/* a unique name or badge already exists */
	STORE_ENOENT,		/* the row named does not exist */
	STORE_EINVAL,		/* a bad argument (too long, too many windows) */
	STORE_EREPLICA,		/* a replica's store refuses member data writes */
};
enum store_error store_errcode(const struct store *st);

/*
 * Members (seuilctl).  Strings are copied from the row; "" is stored as
 * NULL for display_name, email and the dates.  created_ms and erased are
 * ignored on input.
 */
/* Insert m (m->id ignored).  Returns the new id, or -1 (STORE_EEXIST if the
 * name is taken). */
int64_t store_member_add(struct store *st, const struct member_row *m, int64_t now_ms);
/* Overwrite name, display_name, email, active, dates and public of the
 * member m->id.  0, or -1 (STORE_ENOENT, STORE_EEXIST for a taken name). */
int store_member_update(struct store *st, const struct member_row *m);
int store_member_set_active(struct store *st, int64_t id, bool active);
/* Every member ordered by name, passed to cb (non-zero stops).  Count or -1. */
int store_members_list(struct store *st,
    int (*cb)(const struct member_row *m, void *arg), void *arg);

/* Member-group links.  add is idempotent; clear removes every link. */
int store_member_add_group(struct store *st, int64_t member_id, int64_t group_id);
int store_member_clear_groups(struct store *st, int64_t member_id);

/*
 * Badges.  Only the MAC and the hint are ever stored (uid.h).
 */
/* Returns the new badge id, or -1; STORE_EEXIST if the MAC is enrolled
 * already (the message names the existing badge id), STORE_EINVAL if the
 * member was erased. */
int64_t store_badge_add(struct store *st, int64_t member_id, enum badge_kind kind,
    const uint8_t mac[UID_MAC_LEN], const char *hint, const char *label, int64_t now_ms);
/* 1 found, 0 not found, -1 error. */
int store_badge_get(struct store *st, int64_t id, struct badge_row *b);
/* Badges of one member (member_id > 0) or all, ordered by id.  Count or -1. */
int store_badges_list(struct store *st, int64_t member_id,
    int (*cb)(const struct badge_row *b, void *arg), void *arg);
/* Mark a badge revoked.  1 done (or already revoked), 0 no such badge, -1. */
int store_badge_revoke(struct store *st, int64_t id);

/*
 * Groups and schedules.  A group with no window is always open.
 */
/* Returns the new id, or -1 (STORE_EEXIST if the name is taken,
 * STORE_EINVAL if it does not fit struct access_group). */
int64_t store_group_add(struct store *st, const char *name);
/* Fill *g (id, name, windows).  1 found, 0 not found, -1 error. */
int store_group_find(struct store *st, const char *name, struct access_group *g);
/* Every group ordered by name, with its windows.  Count or -1. */
int store_groups_list(struct store *st,
    int (*cb)(const struct access_group *g, void *arg), void *arg);
/* Whether the group's members may still enter through a site's replica
 * whose copy of the members expired.  0 or -1. */
int store_group_set_offline_ok(struct store *st, int64_t group_id, bool offline_ok);
/* Replace the group's windows (n = 0: no schedule) in one transaction.
 * 0 or -1 (STORE_EINVAL if n > ACCESS_MAX_WINDOWS). */
int store_schedule_set(struct store *st, int64_t group_id,
    const struct schedule_window *w, int n);

/* Who is here: every open visit, oldest first, with its member (m is zeroed
 * when the member row is gone).  Count or -1. */
int store_who(struct store *st,
    int (*cb)(const struct visit_row *v, const struct member_row *m, void *arg), void *arg);
/* Close every open visit of a member (seuilctl checkout without a daemon).
 * Returns the number of visits closed, or -1. */
int store_member_checkout(struct store *st, int64_t member_id, int64_t left_ms,
    const char *reason);

/* Event query for `seuilctl log` and the console's log: every field is a
 * filter, 0 or NULL means any.  until_ms is exclusive; before_seq keeps
 * the events older than that one (the console's pages).  actor matches the
 * whole actor or the console user it starts with ("web:bob" matches
 * "web:bob via uid:998(seuil-web)").  limit > 0 keeps only the newest
 * limit rows (still passed in seq order). */
struct event_filter {
	int64_t		since_ms;
	int64_t		until_ms;
	int64_t		member_id;
	int64_t		before_seq;
	const char	*door;
	const char	*reader;
	const char	*type;
	const char	*reason;
	const char	*actor;
	int		limit;
	bool		site;		/* every node's events (a site's primary) */
};
/* Matching events in seq order, each passed to cb (non-zero stops).
 * Only the filters given are in the SQL, so that SQLite may use the index
 * of the member or of the time.  Count or -1.  cb must not write to the
 * store. */
int store_events_query(struct store *st, const struct event_filter *f,
    int (*cb)(const struct event_row *ev, void *arg), void *arg);
/* Whether e passes f's filters (but the limit): the query's test, for
 * events read otherwise (seuilctl log --follow). */
bool store_event_matches(const struct event_filter *f, const struct event_row *e);

/* The events of one type stamped at or after since_ms, oldest first, each
 * passed to cb (non-zero stops); cheap when since_ms is recent (seuild
 * reads back the remote unlocks of the last minutes at start).  Count or
 * -1.  cb must not write to the store. */
int store_events_since(struct store *st, const char *type, int64_t since_ms,
    int (*cb)(const struct event_row *ev, void *arg), void *arg);

/*
 * Retention (docs/design.md, Priorities: privacy): delete events with ts_ms
 * < now_ms - event_retention_ms and visits that ended (left_ts not NULL)
 * before now_ms - visit_retention_ms; open visits are never purged.  One
 * transaction, which also records meta "last_purge" (now_ms, decimal) and
 * "last_purge_counts" ({"events":N,"visits":N}).  The counts are stored in
 * *events_deleted and *visits_deleted (either may be NULL).  Event seqs are
 * never reused: the sequence survives the deletion.  0 or -1.
 */
int store_purge(struct store *st, int64_t now_ms, int64_t event_retention_ms,
    int64_t visit_retention_ms, int64_t *events_deleted, int64_t *visits_deleted);

/* Every event that concerns a member, in seq order: those naming it, those
 * of its badges, and the unknown_badge denials of a badge's MAC from before
 * it was enrolled.  For `member export`.  Count or -1. */
int store_member_events(struct store *st, int64_t member_id,
    int (*cb)(const struct event_row *ev, void *arg), void *arg);

/*
 * The right to erasure, in one transaction with secure_delete on (freed
 * bytes are zeroed): the member's badges and group links are deleted; its
 * events and visits lose member_id, badge_id and uid_mac (anonymised, so
 * counts stay); any visit still open is closed at now_ms (reason manual);
 * the member row keeps only its id and creation time: name "erased-<id>",
 * no display name, email or validity dates, disabled, anonymous, erased =
 * now_ms.  Old versions of the pages can still be in the WAL: call
 * store_checkpoint afterwards.  0, or -1 (STORE_ENOENT: no such member).
 */
int store_member_erase(struct store *st, int64_t member_id, int64_t now_ms);

/* Copy the WAL into the database file and truncate it to zero bytes
 * (PRAGMA wal_checkpoint(TRUNCATE)).  0 done, 1 when another connection's
 * open read kept it from completing, -1 error. */
int store_checkpoint(struct store *st);

/*
 * Guests and the loaner badges of the space's pool (schema 5; core/guest.c
 * wraps each change with its audit event).  A pass is open while ended is
 * 0; its loaner is back in the pool once it ends (or it had none).
 */
struct loaner_row {
	int64_t	id;
	char	hint[UID_HINT_LEN];
	char	label[64];
	int64_t	created_ms;
	int64_t	guest_id;	/* the open pass it is lent to; 0: in the pool */
};
struct guest_row {
	int64_t	id;
	char	name[128];
	int64_t	sponsor_id;	/* 0: the sponsor was erased */
	int64_t	created_ms;
	int64_t	ends_ms;
	int64_t	ended_ms;	/* 0: open */
	char	end_reason[16];	/* "time", "ended", "sponsor_erased" */
	int64_t	loaner_id;	/* 0: none */
	char	loaner[64];	/* its label */
};
/* The badge path: a MAC in the pool.  1 with *l (and *g, the open pass
 * it is lent to, zeroed when none), 0 unknown, -1. */
int store_find_loaner(struct store *st, const uint8_t mac[UID_MAC_LEN], struct loaner_row *l,
    struct guest_row *g);
/* -1, or the new id (STORE_EEXIST: the MAC or label is taken, or the MAC
 * is a member's badge). */
int64_t store_loaner_add(struct store *st, const uint8_t mac[UID_MAC_LEN], const char *hint,
    const char *label, int64_t now_ms);
/* 1 found, 0 not, -1. */
int store_loaner_get(struct store *st, const char *label, struct loaner_row *l);
int store_loaner_del(struct store *st, int64_t id);
int store_loaners_list(struct store *st, int (*cb)(const struct loaner_row *l, void *arg),
    void *arg);
int64_t store_guest_add(struct store *st, const struct guest_row *g);
int store_guest_get(struct store *st, int64_t id, struct guest_row *g);
/* Every guest (open passes first when open_only), newest first; those of
 * sponsor_id when > 0.  Count or -1. */
int store_guests_list(struct store *st, int64_t sponsor_id, bool open_only,
    int (*cb)(const struct guest_row *g, void *arg), void *arg);
/* Lend loaner_id to the open pass id.  0, or -1 (STORE_EEXIST: lent). */
int store_guest_lend(struct store *st, int64_t id, int64_t loaner_id);
/* End pass id at ended_ms with reason.  1 done, 0 it was not open, -1. */
int store_guest_end(struct store *st, int64_t id, int64_t ended_ms, const char *reason);
/* Passes sponsor_id made since since_ms. */
int store_guests_since(struct store *st, int64_t sponsor_id, int64_t since_ms);
/* End the open passes whose end is at or before now_ms (reason time), at
 * most max (0: all), each id passed to cb (or NULL).  Count or -1. */
int store_guests_end_due(struct store *st, int64_t now_ms, int max,
    int (*cb)(int64_t guest_id, void *arg), void *arg);
/* The earliest end after after_ms of an open pass, or INT64_MAX (none),
 * or -1. */
int64_t store_guests_next_end(struct store *st, int64_t after_ms);
/* Erase guest id: its events keep only via (the sponsor), its visits
 * only their times; the row goes.  0, or -1 (STORE_ENOENT). */
int store_guest_erase(struct store *st, int64_t id);
/* Erase every guest whose pass ended before cutoff_ms.  Count or -1.  A
 * replica's store erases none: the primary's erasures travel. */
int store_guests_purge(struct store *st, int64_t cutoff_ms);
/* Every event of guest id, in seq order.  Count or -1. */
int store_guest_events(struct store *st, int64_t id,
    int (*cb)(const struct event_row *ev, void *arg), void *arg);

/*
 * Members' own console accounts and invite codes (schema 5,
 * core/member_web.c).  code_hash is the SHA-256 of the code.
 */
#define STORE_CODE_HASH_LEN	32
struct store_member_account {
	int64_t	member_id;
	char	hash[128];
	int64_t	created_ms;
};
/* 1 found, 0 not, -1. */
int store_member_account_get(struct store *st, int64_t member_id,
    struct store_member_account *a);
/* Insert or replace the member's hash.  0 or -1. */
int store_member_account_set(struct store *st, int64_t member_id, const char *hash,
    int64_t now_ms);
/* 1 deleted, 0 none, -1.  Its invites go too. */
int store_member_account_del(struct store *st, int64_t member_id);
/* A new invite (any older one of the member goes).  0 or -1. */
int store_invite_add(struct store *st, int64_t member_id,
    const uint8_t code_hash[STORE_CODE_HASH_LEN], int64_t now_ms, int64_t expires_ms);
/* Mark the member's invite of code_hash used, if unused and not expired:
 * 1 done, 0 no such invite (or used, or expired), -1. */
int store_invite_use(struct store *st, int64_t member_id,
    const uint8_t code_hash[STORE_CODE_HASH_LEN], int64_t now_ms);
/* The member chose how the lobby names them: public and display_name,
 * with lobby_chosen set to now_ms.  0, or -1 (STORE_ENOENT). */
int store_member_lobby_set(struct store *st, int64_t member_id, bool public,
    const char *display_name, int64_t now_ms);

/*
 * Console accounts (web_users, schema 3), for core/webuser.c, which wraps each change and its admin_change event in one
 * store_begin/store_commit.  role is "admin" or "desk"; hash is the
 * crypt(3) string.
 */
struct store_webuser {
	char	name[33];	/* WEBUSER_NAME_MAX + 1 */
	char	role[8];
	char	hash[128];
	int64_t	created_ms;
};
/* 0, or -1 (STORE_EEXIST: the name is taken). */
int store_webuser_add(struct store *st, const struct store_webuser *u);
/* Set the hash of name.  1 done, 0 no such account, -1. */
int store_webuser_set_hash(struct store *st, const char *name, const char *hash);
/* Set the role ("admin", "desk") of name.  1 done, 0 no such account, -1. */
int store_webuser_set_role(struct store *st, const char *name, const char *role);
/* 1 deleted, 0 no such account, -1. */
int store_webuser_del(struct store *st, const char *name);
/* 1 found (*u filled), 0 not found, -1. */
int store_webuser_get(struct store *st, const char *name, struct store_webuser *u);
/* Every account by name, hash left empty; cb returning non-zero stops.
 * Count or -1. */
int store_webusers_list(struct store *st,
    int (*cb)(const struct store_webuser *u, void *arg), void *arg);

/*
 * For seuild's writer thread, whose commits are a tap's: no commit of st
 * runs SQLite's automatic checkpoint (by default every 1000 WAL frames,
 * inside whichever commit crosses the mark: milliseconds in the middle of
 * a tap).  The writer checkpoints with store_checkpoint_passive when idle.
 */
void store_checkpoint_manual(struct store *st);
/* Frames in the WAL that no checkpoint has copied yet, as of st's last
 * commit or checkpoint (store_checkpoint_manual only; 0 otherwise). */
int store_wal_pending(const struct store *st);
/* Copy what it can of the WAL into the database without waiting for any
 * lock or reader (SQLITE_CHECKPOINT_PASSIVE).  0, or -1. */
int store_checkpoint_passive(struct store *st);
/* After a complete checkpoint: one commit that changes nothing, so that
 * the WAL starts again now (its header synced) rather than in the next
 * commit.  0 or -1 (busy: another connection holds the write lock). */
int store_wal_restart(struct store *st);
/* Bound st's page cache to kib KiB (store_open: STORE_CACHE_KIB).  For
 * seuild's writer, whose cache is what a burst of taps fills: it appends
 * at the right edge of the tables, and the OS caches the file anyway
 * (bench: rss_peak_kib).  0 or -1. */
int store_cache_kib(struct store *st, int kib);

/*
 * A site of several Pis (docs/site.md; the schema's triggers in
 * core/schema.c).  The store's role is data, in meta: a replica's store
 * refuses every write to members, badges, groups and schedules, whatever
 * program makes it (STORE_EREPLICA, its message naming the primary).
 */
#define STORE_META_ROLE		"site_role"	/* "replica", or absent: primary */
#define STORE_META_PRIMARY	"site_primary"	/* the primary's node name */
/* The role in *replica and, for a replica, the primary's node name in
 * primary ("" if unknown).  0 or -1. */
int store_site_role(struct store *st, bool *replica, char *primary, size_t len);
/* 0 when st takes member data, or -1: a replica's (STORE_EREPLICA, naming
 * the primary), or an error.  For a change that must look rows up by what
 * a replica does not hold (a member's real name) before its write. */
int store_site_writable(struct store *st);
/* Make the store a replica of primary (the node's name), or a primary
 * (primary NULL) again.  0 or -1. */
int store_site_set_role(struct store *st, bool replica, const char *primary);
/* The change log's revision: the sequence of acl_log (0 before any
 * change), or -1. */
int64_t store_acl_rev(struct store *st);
/* Whether the change log was pruned past base (store_purge keeps its last
 * ACL_LOG_KEEP rows): 1 (a delta from base would miss changes), 0, -1. */
#define ACL_LOG_KEEP	1000
int store_acl_pruned(struct store *st, int64_t base);

/* Whether badge_id was enrolled by the badge_enrolled event of that detail,
 * or of that detail followed by ", " and more (a replica's enrolment
 * request, core/site_enrol.h: its id is in the detail, so a request sent
 * again is answered, not carried out twice).  1, 0, or -1. */
int store_site_enrolled_by(struct store *st, int64_t badge_id, const char *detail);

/* A site's journal, on the primary (core/site_journal.h). */
struct journal_row;
/* What it holds of node: the highest seq with every one before it (0). */
int store_site_acked(struct store *st, const char *node, int64_t *acked);
/* Every node it heard of, by name.  Count or -1. */
int store_site_nodes(struct store *st, int (*cb)(const char *node, int64_t acked,
    int64_t last_ms, void *arg), void *arg);
/* Store rows, each the next of its node (the caller checked), and move
 * each node's mark, in one transaction.  0 or -1. */
int store_site_ingest(struct store *st, const struct journal_row *rows, int n,
    int64_t now_ms);
/* The primary's own events past its mark, at most max, as node's: the
 * number copied, or -1. */
int store_site_copy_own(struct store *st, const char *node, int max, int64_t now_ms);
/* A node promoted from the old primary's backup (seuilctl site promote):
 * first the backup's own events not yet in site_events join it as
 * old_primary's (when old_primary is not ""), then the node's own event
 * log and visits, read from own_path (a copy of the store it had), replace
 * the backup's, its sequence with them: the events it had not yet sent
 * reach the site's view as its own, and no event of the old primary is
 * taken for one of the node's.  0 or -1. */
int store_site_keep_own(struct store *st, const char *own_path, const char *old_primary,
    int64_t now_ms);
/* site_events in the site's order (seq is site_seq), as store_events_after. */
int store_site_events_after(struct store *st, int64_t after, int max,
    int (*cb)(const struct event_row *ev, void *arg), void *arg);
int64_t store_site_last_seq(struct store *st);
/*
 * The site's visits (site_visits), kept by the primary from site_events:
 * store_site_visits_apply takes the site's events not yet applied (its
 * mark is meta 'site_visits_seq') in the site's order: a node's arrival
 * opens the person's visit at that node, its grants refresh it (last
 * seen), its departure closes it; store_site_ingest and
 * store_site_copy_own call it in their transaction.  0 or -1.
 */
int store_site_visits_apply(struct store *st);
/*
 * The primary's presence rules over the site (daemon/presence.c's, the
 * same words): each open visit ends at whichever comes first of
 * expire_after_ms after its last seen (left then, reason timeout) and the
 * first day end (day_end_min after local midnight, tz.h) after it (left
 * then, reason day_end); those due at now_ms are closed in one
 * transaction.  *next_ms: when the next one is due (INT64_MAX: none).
 * The number closed, or -1.
 */
int store_site_visits_expire(struct store *st, int64_t now_ms, int64_t expire_after_ms,
    int day_end_min, int64_t *next_ms);
/* Close every open site visit of member_id (< 0: a guest) at left_ms, for
 * reason: a checkout on the primary ends the person's visit wherever it
 * is.  The number closed, or -1. */
int store_site_visits_checkout(struct store *st, int64_t member_id, int64_t left_ms,
    const char *reason);
/* Who is on site: each person (a member, or a guest as minus its id) with
 * an open site visit, since its earliest arrival among them, earliest
 * first.  Count or -1. */
int store_site_present(struct store *st, int (*cb)(int64_t member_id, int64_t since_ms,
    void *arg), void *arg);
/* The doors that hold office hours at each node, as its events since
 * since_ms say (a schedule_unlock with no schedule_relock of the door, nor
 * a daemon_start or daemon_stop of the node, after it).  Count or -1. */
int store_site_office(struct store *st, int64_t since_ms,
    int (*cb)(const char *node, const char *door, void *arg), void *arg);
/* As store_visits_between, over the site's visits (each row's node set). */
int store_site_visits_between(struct store *st, int64_t from_ms, int64_t to_ms,
    int64_t member_id, int (*cb)(const struct visit_row *v, void *arg), void *arg);
/* Whether the store holds a site's visits (a site's primary, or a store
 * restored from one): 1, 0 or -1.  Reports read them when it does. */
int store_site_has_visits(struct store *st);

#endif

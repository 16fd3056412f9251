/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The store's foundation: opening the file, the schema and its migrations,
 * transactions, errors, meta, and the helpers the other store files share
 * (store_private.h).  What each query serves lives in its own file.
 */
#include "store_private.h"

#define STORE_CACHE_KIB	"256"	/* per connection */

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "schema.h"


/* The text of the statements prepared once at open (store_private.h says
 * why).  Each serves the file named beside it. */
static const char *const stmt_sql[S_COUNT] = {
	/* store_badge.c */
	[S_FIND_BADGE] =
	    "SELECT b.id, b.member_id, b.uid_hint, b.label, b.status, b.created,"
	    " b.last_seen, b.kind, m.id, m.name, m.display_name, m.email, m.status,"
	    " m.valid_from, m.valid_until, m.public, m.created, m.erased, m.lobby_chosen"
	    " FROM badges b JOIN members m ON m.id = b.member_id"
	    " WHERE b.uid_mac = ?1 AND b.kind = ?2",
	[S_MEMBER_GROUPS] =
	    "SELECT " GROUP_COLS
	    " FROM member_groups mg JOIN groups g ON g.id = mg.group_id"
	    " LEFT JOIN schedule_windows w ON w.group_id = g.id"
	    " WHERE mg.member_id = ?1 ORDER BY g.name, g.id, w.rowid",
	[S_BADGE_SEEN] =
	    "UPDATE badges SET last_seen = ?2 WHERE id = ?1",
	/* store_log.c */
	[S_APPEND_EVENT] =
	    "INSERT INTO events (ts_ms, clock_synced, boot_id, mono_ms, type,"
	    " door, reader, member_id, badge_id, uid_mac, reason, detail, actor,"
	    " guest_id, via)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	/* The sequence table, not max(seq): purged events leave it intact. */
	[S_LAST_SEQ] =
	    "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
	[S_VISIT_OPEN] =
	    "INSERT INTO visits (member_id, door, arrived_ts, last_seen_ts, guest_id)"
	    " VALUES (?1, ?2, ?3, ?3, ?4)",
	[S_VISIT_SEEN] =
	    "UPDATE visits SET last_seen_ts = ?2 WHERE id = ?1",
	[S_VISIT_CLOSE] =
	    "UPDATE visits SET left_ts = ?2, left_reason = ?3"
	    " WHERE id = ?1 AND left_ts IS NULL",
	/* store.c */
	[S_META_GET] =
	    "SELECT value FROM meta WHERE key = ?1",
	[S_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	/* store_admin.c; the daemon names members in what it publishes */
	[S_MEMBER_GET] =
	    "SELECT " MEMBER_COLS " FROM members WHERE id = ?1",
	[S_MEMBER_BY_NAME] =
	    "SELECT " MEMBER_COLS " FROM members WHERE name = ?1",
	/* store_guest.c: a badge unknown among members' may be a loaner */
	[S_FIND_LOANER] =
	    "SELECT l.id, l.uid_hint, l.label, l.created, g.id, g.name, g.sponsor_id,"
	    " g.created, g.ends, g.ended, g.end_reason, g.loaner_id, l.label"
	    " FROM loaners l LEFT JOIN guests g ON g.loaner_id = l.id AND g.ended IS NULL"
	    " WHERE l.uid_mac = ?1",
	/* store_begin, store_commit: every tap's transaction, so not parsed
	 * at every tap (callgrind: 8k of a tap's 190k instructions) */
	[S_BEGIN] =
	    "BEGIN IMMEDIATE",
	[S_COMMIT] =
	    "COMMIT",
};

void
store_seterr(struct store *st, enum store_error code, const char *fmt, ...)
{
	va_list ap;

	st->errcode = code;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
}

/* Record SQLite's message for the failed step "what"; a constraint
 * violation is reported as STORE_EEXIST for the caller to word.  Returns
 * -1, so that a caller can return it. */
int
store_dberr(struct store *st, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);
	enum store_error code = STORE_EDB;

	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		code = STORE_EEXIST;
	if (rc == SQLITE_CONSTRAINT_TRIGGER &&
	    strcmp(sqlite3_errmsg(st->db), SCHEMA_REPLICA_REFUSAL) == 0)
		return store_replica_refused(st);
	store_seterr(st, code, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
}

/* Undo the open transaction after a failure, keeping the first error's
 * message over any the rollback itself may set: the first one says what
 * went wrong.  A failed outermost COMMIT has already rolled back. */
void
store_abort(struct store *st)
{
	char msg[sizeof(st->errmsg)];
	enum store_error code = st->errcode;

	memcpy(msg, st->errmsg, sizeof(msg));
	if (st->depth > 0)
		store_rollback(st);
	store_seterr(st, code, "%s", msg);
}

const char *
store_errmsg(const struct store *st)
{
	return st->errmsg;
}

enum store_error
store_errcode(const struct store *st)
{
	return st->errcode;
}

/* Copy a text column; NULL becomes "". */
void
store_text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, len, "%s", t != NULL ? (const char *)t : "");
}

/* NULL and "" are both stored as NULL, so that "none" has one form. */
int
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

/* Ids start at 1: 0 (or less) means none and is stored as NULL. */
int
store_bind_id(sqlite3_stmt *s, int i, int64_t v)
{
	if (v <= 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, v);
}

/* Release a prepared-once statement so it holds no read transaction open
 * (which would stop WAL checkpoints) and no caller's string. */
void
store_release(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

int
store_exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_dberr(st, what);
	return 0;
}

int
store_prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		*s = NULL;
		return store_dberr(st, "prepare");
	}
	return 0;
}

/* Run a write statement (prepared once or not) to completion and release
 * it; the caller finalizes one it prepared.  0 or -1. */
int
store_run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	store_release(s);
	if (rc != SQLITE_DONE)
		return store_dberr(st, what);
	return 0;
}

/* Bind a to ?1 and, if the SQL has one, b to ?2, then store_run s.  For
 * the many statements keyed by ids and times.  0 or -1. */
int
store_run_ids(struct store *st, sqlite3_stmt *s, int64_t a, int64_t b, const char *what)
{
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	return store_run(st, s, what);
}

/* The same for a one-shot write; sqlite3_changes() then says how many
 * rows it changed.  0 or -1. */
int
store_exec_ids(struct store *st, const char *sql, int64_t a, int64_t b, const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, sql, &s) == -1)
		return -1;
	rc = store_run_ids(st, s, a, b, what);
	sqlite3_finalize(s);
	return rc;
}

/*
 * The one row loop of the store: step s, passing each row to row(s, arg),
 * until the rows end or row returns non-zero (> 0 stops early, < 0 is an
 * error whose message row has set).  s is then released, not finalized:
 * the caller owns it, and a prepared-once statement is used again.
 * Returns the number of rows passed to row (so 1 or 0 for a lookup that
 * stops at the first), or -1; "what" names the query in a database error.
 */
int
store_each(struct store *st, sqlite3_stmt *s, int (*row)(sqlite3_stmt *, void *),
    void *arg, const char *what)
{
	int rc, n = 0;

	for (;;) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_ROW) {
			n = store_dberr(st, what);
			break;
		}
		n++;
		if ((rc = row(s, arg)) != 0) {
			if (rc < 0)
				n = -1;
			break;
		}
	}
	store_release(s);
	return n;
}

/* Rows in MEMBER_COLS order from column c. */
void
store_read_member(sqlite3_stmt *s, int c, struct member_row *m)
{
	const unsigned char *status;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, c + 0);
	store_text(m->name, sizeof(m->name), s, c + 1);
	store_text(m->display_name, sizeof(m->display_name), s, c + 2);
	store_text(m->email, sizeof(m->email), s, c + 3);
	status = sqlite3_column_text(s, c + 4);
	m->active = status != NULL && strcmp((const char *)status, "active") == 0;
	store_text(m->valid_from, sizeof(m->valid_from), s, c + 5);
	store_text(m->valid_until, sizeof(m->valid_until), s, c + 6);
	m->public = sqlite3_column_int(s, c + 7) != 0;
	m->created_ms = sqlite3_column_int64(s, c + 8);
	m->erased = sqlite3_column_type(s, c + 9) != SQLITE_NULL;
	m->lobby_chosen_ms = sqlite3_column_int64(s, c + 10);
}

/* Rows in BADGE_COLS order from column c. */
void
store_read_badge(sqlite3_stmt *s, int c, struct badge_row *b)
{
	const unsigned char *status, *kind;

	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(s, c + 0);
	b->member_id = sqlite3_column_int64(s, c + 1);
	store_text(b->hint, sizeof(b->hint), s, c + 2);
	store_text(b->label, sizeof(b->label), s, c + 3);
	status = sqlite3_column_text(s, c + 4);
	b->active = status != NULL && strcmp((const char *)status, "active") == 0;
	b->created_ms = sqlite3_column_int64(s, c + 5);
	b->last_seen_ms = sqlite3_column_int64(s, c + 6);
	kind = sqlite3_column_text(s, c + 7);
	b->kind = kind != NULL && strcmp((const char *)kind, "desfire") == 0 ? BADGE_DESFIRE :
	    BADGE_UID;
}

const char *
store_badge_kind_name(enum badge_kind k)
{
	return k == BADGE_DESFIRE ? "desfire" : "uid";
}

/* Rows in EVENT_COLS order. */
static void
read_event(sqlite3_stmt *s, struct event_row *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = sqlite3_column_int64(s, 0);
	e->ts_ms = sqlite3_column_int64(s, 1);
	e->clock_synced = sqlite3_column_int(s, 2) != 0;
	store_text(e->boot_id, sizeof(e->boot_id), s, 3);
	e->mono_ms = sqlite3_column_int64(s, 4);
	store_text(e->type, sizeof(e->type), s, 5);
	store_text(e->door, sizeof(e->door), s, 6);
	store_text(e->reader, sizeof(e->reader), s, 7);
	e->member_id = sqlite3_column_int64(s, 8);
	e->badge_id = sqlite3_column_int64(s, 9);
	store_text(e->reason, sizeof(e->reason), s, 10);
	store_text(e->detail, sizeof(e->detail), s, 11);
	store_text(e->actor, sizeof(e->actor), s, 12);
	e->guest_id = sqlite3_column_int64(s, 13);
	e->via = sqlite3_column_int64(s, 14);
	if (sqlite3_column_count(s) > 16) {	/* SITE_EVENT_COLS */
		store_text(e->node, sizeof(e->node), s, 15);
		e->node_seq = sqlite3_column_int64(s, 16);
	}
}

/* Rows in VISIT_COLS order from column c. */
void
store_read_visit(sqlite3_stmt *s, int c, struct visit_row *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, c + 0);
	v->member_id = sqlite3_column_int64(s, c + 1);
	store_text(v->door, sizeof(v->door), s, c + 2);
	v->arrived_ms = sqlite3_column_int64(s, c + 3);
	v->left_ms = sqlite3_column_int64(s, c + 4);
	store_text(v->left_reason, sizeof(v->left_reason), s, c + 5);
	v->last_seen_ms = sqlite3_column_int64(s, c + 6);
	if (v->member_id == 0 && sqlite3_column_int64(s, c + 7) > 0)
		v->member_id = -sqlite3_column_int64(s, c + 7);
}

/* Read the row into the type of the one callback r has and pass it on. */
static int
row_typed(sqlite3_stmt *s, void *arg)
{
	const struct store_rows *r = arg;
	union {
		struct member_row	m;
		struct badge_row	b;
		struct event_row	e;
		struct visit_row	v;
	} u;

	if (r->member != NULL) {
		store_read_member(s, 0, &u.m);
		return r->member(&u.m, r->arg);
	}
	if (r->badge != NULL) {
		store_read_badge(s, 0, &u.b);
		return r->badge(&u.b, r->arg);
	}
	if (r->event != NULL) {
		read_event(s, &u.e);
		return r->event(&u.e, r->arg);
	}
	store_read_visit(s, 0, &u.v);
	if (sqlite3_column_count(s) > 8)	/* SITE_VISIT_COLS */
		store_text(u.v.node, sizeof(u.v.node), s, 8);
	return r->visit(&u.v, r->arg);
}

/* The list queries of store.h: each row of the one-shot query s, read in
 * the *_COLS order of its type, to the caller's callback; s is finalized.
 * Count or -1. */
int
store_rows(struct store *st, sqlite3_stmt *s, struct store_rows *r,
    const char *what)
{
	int n;

	n = store_each(st, s, row_typed, r, what);
	sqlite3_finalize(s);
	return n;
}

/* store_rows for a one-shot query whose parameters are all integers:
 * ids[i] is bound to ?(i + 1). */
int
store_query(struct store *st, const char *sql, const int64_t *ids, int nids,
    struct store_rows *r, const char *what)
{
	sqlite3_stmt *s;
	int i;

	if (store_prepare(st, sql, &s) == -1)
		return -1;
	for (i = 0; i < nids; i++)
		sqlite3_bind_int64(s, i + 1, ids[i]);
	return store_rows(st, s, r, what);
}

/* A store_each row function for a single integer result. */
int
store_row_int64(sqlite3_stmt *s, void *arg)
{
	*(int64_t *)arg = sqlite3_column_int64(s, 0);
	return 1;
}

/* The first column of a PRAGMA that always returns one row. */
static int
pragma_int(struct store *st, const char *sql, const char *what, int64_t *v)
{
	sqlite3_stmt *s;
	int n;

	if (store_prepare(st, sql, &s) == -1)
		return -1;
	n = store_each(st, s, store_row_int64, v, what);
	sqlite3_finalize(s);
	if (n == 0)
		store_seterr(st, STORE_EDB, "%s: no result", what);
	return n == 1 ? 0 : -1;
}

static int
user_version(struct store *st, int *version)
{
	int64_t v;

	if (pragma_int(st, "PRAGMA user_version", "read schema version", &v) == -1)
		return -1;
	*version = (int)v;
	return 0;
}

/* The file's schema must be exactly that of its version (schema.h says
 * why); version 0 is an empty file. */
static int
verify_schema(struct store *st, int version)
{
	char err[256];

	if (version > schema_latest()) {
		store_seterr(st, STORE_EDB, "database schema version %d is newer "
		    "than this program's (%d)", version, schema_latest());
		return -1;
	}
	if (schema_verify(st->db, version, err, sizeof(err)) == -1) {
		store_seterr(st, STORE_EDB, "refused: %s", err);
		return -1;
	}
	return 0;
}

/*
 * The copy made before a migration belongs to whoever owns the database:
 * root migrating seuil's store (the package's `seuilctl init` on an
 * upgrade) must not leave a file of the store that seuil cannot manage.
 * The copy was just made with O_EXCL | O_NOFOLLOW, so lchown names it.
 */
static int
keep_owner(const char *path, const char *copy)
{
	struct stat sb;

	if (geteuid() != 0)
		return 0;
	if (stat(path, &sb) == -1)
		return -1;
	return lchown(copy, sb.st_uid, sb.st_gid);
}

/*
 * All pending migrations in one IMMEDIATE transaction: the daemon and
 * seuilctl may open the same file at once, so the version is read again
 * under the write lock, and a half-migrated schema can never be seen.
 * The schema is checked before anything runs on it: a crafted older file
 * is refused, not migrated.
 */
static int
migrate(struct store *st, const char *path)
{
	char sql[64], copy[PATH_MAX], stamp[32], err[PATH_MAX + 256];
	int v;

	if (user_version(st, &v) == -1)
		return -1;
	if (v == schema_latest())
		return verify_schema(st, v);
	if (store_exec(st, "BEGIN IMMEDIATE", "migrate") == -1)
		return -1;
	if (user_version(st, &v) == -1 || verify_schema(st, v) == -1)
		goto fail;
	/* A database with data in it is copied beside itself first
	 * (seuil.db.pre-v3-YYYYMMDD-HHMMSS), under the write lock, so nobody
	 * writes between the copy and the migration: an upgrade that goes
	 * wrong can be undone with `seuilctl restore`.  No copy, no
	 * migration. */
	if (v > 0) {
		backup_stamp(stamp, sizeof(stamp), time(NULL));
		snprintf(copy, sizeof(copy), "%s.pre-v%d-%s", path, schema_latest(), stamp);
		if (backup_copy(path, copy, BACKUP_MODE, err, sizeof(err)) == -1) {
			store_seterr(st, STORE_EDB, "no backup before migrating, so no "
			    "migration: %s", err);
			goto fail;
		}
		if (keep_owner(path, copy) == -1) {
			store_seterr(st, STORE_EDB, "%s: chown: %s, so no migration",
			    copy, strerror(errno));
			unlink(copy);
			goto fail;
		}
	}
	for (; v < schema_latest(); v++)
		if (store_exec(st, schema_migration(v), "migrate") == -1)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", schema_latest());
	if (store_exec(st, sql, "migrate") == -1 ||
	    store_exec(st, "COMMIT", "migrate") == -1)
		goto fail;
	return 0;
fail:
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

struct store *
store_open(const char *path, int flags, char *err, size_t errlen)
{
	struct store *st;
	struct stat sb;
	bool created = false;
	int oflags, v, i;

	if (stat(path, &sb) == -1) {
		if (errno != ENOENT || !(flags & STORE_CREATE) ||
		    (flags & STORE_READONLY)) {
			if (errno == ENOENT)
				snprintf(err, errlen, "%s: database does not exist "
				    "(run `seuilctl init`)", path);
			else
				snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return NULL;
		}
		created = true;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	oflags = (flags & STORE_READONLY) ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | ((flags & STORE_CREATE) ? SQLITE_OPEN_CREATE : 0);
	if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, st->db != NULL ?
		    sqlite3_errmsg(st->db) : "cannot open database");
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 1);
	/* The database holds personal data: nobody but the owner and the
	 * seuil group reads it.  SQLite gives -wal and -shm the same mode. */
	if (created)
		chmod(path, 0640);
	sqlite3_busy_timeout(st->db, 5000);
	/* Functions named in the schema never run with the program's rights:
	 * the file may come from a backup (schema.h). */
	if (store_exec(st, "PRAGMA trusted_schema = OFF", "open") == -1)
		goto dbfail;
	/* A bounded page cache (SQLite's default is 2 MiB per connection,
	 * and seuild has two): the OS caches the file anyway, and a Pi with
	 * 1 GB runs this for years (bench: rss_peak_kib). */
	if (store_exec(st, "PRAGMA foreign_keys = ON", "open") == -1 ||
	    store_exec(st, "PRAGMA secure_delete = ON", "open") == -1 ||
	    store_exec(st, "PRAGMA cache_size = -" STORE_CACHE_KIB, "open") == -1)
		goto dbfail;
	if (!(flags & STORE_READONLY)) {
		/* The -wal and -shm files stay when the last writer closes, so
		 * that a read-only connection (seuil-web, whose user may only
		 * read them) can open the store while seuild is stopped. */
		int persist = 1;

		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		if (store_exec(st, "PRAGMA journal_mode = WAL", "open") == -1 ||
		    store_exec(st, "PRAGMA synchronous = FULL", "open") == -1 ||
		    migrate(st, path) == -1)
			goto dbfail;
	} else {
		if (user_version(st, &v) == -1)
			goto dbfail;
		if (v != schema_latest()) {
			store_seterr(st, STORE_EDB, "schema version %d, expected %d "
			    "(run `seuilctl init`)", v, schema_latest());
			goto dbfail;
		}
		if (verify_schema(st, v) == -1)
			goto dbfail;
	}
	for (i = 0; i < S_COUNT; i++)
		if (store_prepare(st, stmt_sql[i], &st->stmt[i]) == -1)
			goto dbfail;
	return st;
dbfail:
	snprintf(err, errlen, "%s: %s", path, st->errmsg);
fail:
	store_close(st);
	return NULL;
}

void
store_close(struct store *st)
{
	int i;

	if (st == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(st->stmt[i]);
	sqlite3_close(st->db);
	free(st);
}

void
store_busy_handler(struct store *st, int (*fn)(void *arg, int count), void *arg)
{
	sqlite3_busy_handler(st->db, fn, arg);
}

int
store_schema_version(struct store *st)
{
	int v;

	if (user_version(st, &v) == -1)
		return -1;
	return v;
}

/*
 * Nesting: the outermost level is a real IMMEDIATE transaction (so a writer
 * never fails halfway with SQLITE_BUSY on lock upgrade); inner levels are
 * savepoints, so an inner rollback undoes only its own writes.
 */
int
store_begin(struct store *st)
{
	char sql[32];

	if (st->depth == 0) {
		if (store_run(st, st->stmt[S_BEGIN], "begin") == -1)
			return -1;
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", st->depth);
		if (store_exec(st, sql, "savepoint") == -1)
			return -1;
	}
	st->depth++;
	return 0;
}

int
store_commit(struct store *st)
{
	char sql[32];

	if (st->depth == 0) {
		store_seterr(st, STORE_EINVAL, "commit without begin");
		return -1;
	}
	if (st->depth == 1) {
		if (store_run(st, st->stmt[S_COMMIT], "commit") == -1) {
			/* A failed COMMIT may leave the transaction open:
			 * roll it back so the next begin starts clean. */
			if (!sqlite3_get_autocommit(st->db))
				sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			st->depth = 0;
			return -1;
		}
	} else {
		snprintf(sql, sizeof(sql), "RELEASE s%d", st->depth - 1);
		if (store_exec(st, sql, "release") == -1)
			return -1;
	}
	st->depth--;
	return 0;
}

int
store_rollback(struct store *st)
{
	char sql[64];
	int rc = 0;

	if (st->depth == 0) {
		store_seterr(st, STORE_EINVAL, "rollback without begin");
		return -1;
	}
	if (st->depth == 1) {
		if (!sqlite3_get_autocommit(st->db))
			rc = store_exec(st, "ROLLBACK", "rollback");
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO s%d; RELEASE s%d",
		    st->depth - 1, st->depth - 1);
		rc = store_exec(st, sql, "rollback");
	}
	st->depth--;
	return rc;
}

struct meta_value {
	char	*value;
	size_t	 len;
};

static int
row_meta(sqlite3_stmt *s, void *arg)
{
	struct meta_value *mv = arg;

	store_text(mv->value, mv->len, s, 0);
	return 1;
}

int
store_meta_get(struct store *st, const char *key, char *value, size_t len)
{
	struct meta_value mv = { value, len };
	sqlite3_stmt *s = st->stmt[S_META_GET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	return store_each(st, s, row_meta, &mv, "meta get");
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = st->stmt[S_META_SET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return store_run(st, s, "meta set");
}

/* The first result column is 1 when another connection's read kept the
 * checkpoint from completing. */
int
store_checkpoint(struct store *st)
{
	int64_t busy;

	if (pragma_int(st, "PRAGMA wal_checkpoint(TRUNCATE)", "checkpoint", &busy) == -1)
		return -1;
	if (busy) {
		store_seterr(st, STORE_EDB, "checkpoint: the database is busy");
		return 1;
	}
	return 0;
}

/* After each commit of st: frames in the WAL (all of them, whatever a
 * checkpoint has copied; the first commit after a complete checkpoint
 * starts the WAL again from the beginning). */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store *st = arg;

	(void)db;
	(void)name;
	st->wal_pending = frames;
	return SQLITE_OK;
}

void
store_checkpoint_manual(struct store *st)
{
	/* Replaces the automatic checkpoint, itself a WAL hook. */
	sqlite3_wal_autocheckpoint(st->db, 0);
	sqlite3_wal_hook(st->db, wal_hook, st);
}

int
store_cache_kib(struct store *st, int kib)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d", kib);
	return store_exec(st, sql, "cache size");
}

int
store_wal_pending(const struct store *st)
{
	return st->wal_pending;
}

/*
 * The first commit after a complete checkpoint starts the WAL again from
 * its beginning, and SQLite syncs the WAL's new header before the
 * transaction's frames: two fsyncs where a commit has one.  Right after
 * the writer's idle checkpoint, this commit takes that turn, so the next
 * tap's grant does not (bench: badge_path_disk_p99_us).  It writes the
 * database header back as it is: user_version, read and written under
 * the write lock (a newer seuilctl may have migrated the file), one
 * frame, nothing changed.  0 or -1.
 */
int
store_wal_restart(struct store *st)
{
	int64_t version;
	char sql[64];

	if (store_begin(st) == -1)
		return -1;
	if (pragma_int(st, "PRAGMA user_version", "read schema version", &version) == -1)
		goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld", (long long)version);
	if (store_exec(st, sql, "restart the WAL") == -1)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

int
store_checkpoint_passive(struct store *st)
{
	int log = 0, done = 0;

	if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log,
	    &done) != SQLITE_OK)
		return store_dberr(st, "checkpoint");
	st->wal_pending = log > done ? log - done : 0;
	return 0;
}

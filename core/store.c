#include "store.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "clock.h"

/*
 * Forward migrations: migrations[i] takes the schema from version i to
 * i + 1.  A released migration is never edited; a change is a new entry.
 */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE members ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL,"
	"  display_name TEXT,"
	"  email TEXT,"
	"  status TEXT NOT NULL DEFAULT 'active'"
	"    CHECK(status IN ('active','disabled')),"
	"  valid_from TEXT,"
	"  valid_until TEXT,"
	"  public INTEGER NOT NULL DEFAULT 0 CHECK(public IN (0,1)),"
	"  created INTEGER,"
	"  erased INTEGER);"
	"CREATE TABLE badges ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
	"  uid_mac BLOB UNIQUE NOT NULL,"
	"  uid_hint TEXT,"
	"  label TEXT,"
	"  status TEXT NOT NULL DEFAULT 'active'"
	"    CHECK(status IN ('active','revoked')),"
	"  created INTEGER,"
	"  last_seen INTEGER);"
	"CREATE INDEX badges_member ON badges(member_id);"
	"CREATE TABLE groups ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT UNIQUE NOT NULL);"
	"CREATE TABLE member_groups ("
	"  member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  PRIMARY KEY(member_id, group_id)) WITHOUT ROWID;"
	"CREATE TABLE schedule_windows ("
	"  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
	"  days INTEGER NOT NULL,"
	"  start_min INTEGER NOT NULL,"
	"  end_min INTEGER NOT NULL);"
	"CREATE INDEX schedule_windows_group ON schedule_windows(group_id);"
	"CREATE TABLE events ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts_ms INTEGER NOT NULL,"
	"  clock_synced INTEGER,"
	"  boot_id TEXT,"
	"  mono_ms INTEGER,"
	"  type TEXT NOT NULL,"
	"  door TEXT,"
	"  reader TEXT,"
	"  member_id INTEGER,"
	"  badge_id INTEGER,"
	"  uid_mac BLOB,"
	"  reason TEXT,"
	"  detail TEXT);"
	"CREATE INDEX events_ts ON events(ts_ms);"
	"CREATE INDEX events_member ON events(member_id);"
	"CREATE TABLE visits ("
	"  id INTEGER PRIMARY KEY,"
	"  member_id INTEGER,"
	"  door TEXT,"
	"  arrived_ts INTEGER NOT NULL,"
	"  left_ts INTEGER,"
	"  left_reason TEXT,"
	"  last_seen_ts INTEGER);"
	"CREATE INDEX visits_open ON visits(left_ts);"
	"CREATE INDEX visits_member ON visits(member_id, arrived_ts);"
	"CREATE TABLE meta ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT);",
	/* 1 -> 2: who made a staff action (admin_change, control_refused,
	 * console_login...): an OS user "uid:1000(alice)" or a console user
	 * "web:bob".  Never published. */
	"ALTER TABLE events ADD COLUMN actor TEXT;",
};
#define SCHEMA_VERSION	((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The statements of the badge path and of the daemon's steady work,
 * prepared once at open. */
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
	S_COUNT
};

static const char *const stmt_sql[S_COUNT] = {
	[S_FIND_BADGE] =
	    "SELECT b.id, b.member_id, b.uid_hint, b.label, b.status, b.created,"
	    " b.last_seen, m.id, m.name, m.display_name, m.email, m.status,"
	    " m.valid_from, m.valid_until, m.public, m.created, m.erased"
	    " FROM badges b JOIN members m ON m.id = b.member_id"
	    " WHERE b.uid_mac = ?1",
	[S_MEMBER_GROUPS] =
	    "SELECT g.id, g.name, w.days, w.start_min, w.end_min"
	    " FROM member_groups mg JOIN groups g ON g.id = mg.group_id"
	    " LEFT JOIN schedule_windows w ON w.group_id = g.id"
	    " WHERE mg.member_id = ?1 ORDER BY g.name, g.id, w.rowid",
	[S_BADGE_SEEN] =
	    "UPDATE badges SET last_seen = ?2 WHERE id = ?1",
	[S_APPEND_EVENT] =
	    "INSERT INTO events (ts_ms, clock_synced, boot_id, mono_ms, type,"
	    " door, reader, member_id, badge_id, uid_mac, reason, detail, actor)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	/* The sequence table, not max(seq): purged events leave it intact. */
	[S_LAST_SEQ] =
	    "SELECT seq FROM sqlite_sequence WHERE name = 'events'",
	[S_VISIT_OPEN] =
	    "INSERT INTO visits (member_id, door, arrived_ts, last_seen_ts)"
	    " VALUES (?1, ?2, ?3, ?3)",
	[S_VISIT_SEEN] =
	    "UPDATE visits SET last_seen_ts = ?2 WHERE id = ?1",
	[S_VISIT_CLOSE] =
	    "UPDATE visits SET left_ts = ?2, left_reason = ?3"
	    " WHERE id = ?1 AND left_ts IS NULL",
	[S_META_GET] =
	    "SELECT value FROM meta WHERE key = ?1",
	[S_META_SET] =
	    "INSERT INTO meta (key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	[S_MEMBER_GET] =
	    "SELECT id, name, display_name, email, status, valid_from,"
	    " valid_until, public, created, erased FROM members WHERE id = ?1",
	[S_MEMBER_BY_NAME] =
	    "SELECT id, name, display_name, email, status, valid_from,"
	    " valid_until, public, created, erased FROM members WHERE name = ?1",
};

#define MEMBER_COLS	"id, name, display_name, email, status, valid_from," \
			" valid_until, public, created, erased"
#define BADGE_COLS	"id, member_id, uid_hint, label, status, created, last_seen"
#define EVENT_COLS	"seq, ts_ms, clock_synced, boot_id, mono_ms, type, door," \
			" reader, member_id, badge_id, reason, detail, actor"
#define VISIT_COLS	"id, member_id, door, arrived_ts, left_ts, left_reason," \
			" last_seen_ts"

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[S_COUNT];
	int		 depth;		/* store_begin nesting */
	enum store_error errcode;
	char		 errmsg[512];
};

static void
seterr(struct store *st, enum store_error code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
seterr(struct store *st, enum store_error code, const char *fmt, ...)
{
	va_list ap;

	st->errcode = code;
	va_start(ap, fmt);
	vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
	va_end(ap);
}

/* Record SQLite's message for the failed step "what"; a constraint
 * violation is reported as STORE_EEXIST for the caller to word. */
static int
dberr(struct store *st, const char *what)
{
	int rc = sqlite3_extended_errcode(st->db);
	enum store_error code = STORE_EDB;

	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		code = STORE_EEXIST;
	seterr(st, code, "%s: %s", what, sqlite3_errmsg(st->db));
	return -1;
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

static void
copy_text(char *dst, size_t len, sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, len, "%s", t != NULL ? (const char *)t : "");
}

static int
bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL || *v == '\0')
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static int
bind_id_or_null(sqlite3_stmt *s, int i, int64_t v)
{
	if (v <= 0)
		return sqlite3_bind_null(s, i);
	return sqlite3_bind_int64(s, i, v);
}

/* Release a prepared-once statement so it holds no read transaction open
 * (which would stop WAL checkpoints). */
static void
done(sqlite3_stmt *s)
{
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

static int
exec(struct store *st, const char *sql, const char *what)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return dberr(st, what);
	return 0;
}

static int
prepare(struct store *st, const char *sql, sqlite3_stmt **s)
{
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK) {
		*s = NULL;
		return dberr(st, "prepare");
	}
	return 0;
}

/* Run a one-shot statement to completion.  Returns 0 or -1. */
static int
step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		dberr(st, what);
		return -1;
	}
	return 0;
}

static void
read_member(sqlite3_stmt *s, int c, struct member_row *m)
{
	const unsigned char *status;

	memset(m, 0, sizeof(*m));
	m->id = sqlite3_column_int64(s, c + 0);
	copy_text(m->name, sizeof(m->name), s, c + 1);
	copy_text(m->display_name, sizeof(m->display_name), s, c + 2);
	copy_text(m->email, sizeof(m->email), s, c + 3);
	status = sqlite3_column_text(s, c + 4);
	m->active = status != NULL && strcmp((const char *)status, "active") == 0;
	copy_text(m->valid_from, sizeof(m->valid_from), s, c + 5);
	copy_text(m->valid_until, sizeof(m->valid_until), s, c + 6);
	m->public = sqlite3_column_int(s, c + 7) != 0;
	m->created_ms = sqlite3_column_int64(s, c + 8);
	m->erased = sqlite3_column_type(s, c + 9) != SQLITE_NULL;
}

static void
read_badge(sqlite3_stmt *s, int c, struct badge_row *b)
{
	const unsigned char *status;

	memset(b, 0, sizeof(*b));
	b->id = sqlite3_column_int64(s, c + 0);
	b->member_id = sqlite3_column_int64(s, c + 1);
	copy_text(b->hint, sizeof(b->hint), s, c + 2);
	copy_text(b->label, sizeof(b->label), s, c + 3);
	status = sqlite3_column_text(s, c + 4);
	b->active = status != NULL && strcmp((const char *)status, "active") == 0;
	b->created_ms = sqlite3_column_int64(s, c + 5);
	b->last_seen_ms = sqlite3_column_int64(s, c + 6);
}

static void
read_event(sqlite3_stmt *s, struct event_row *e)
{
	memset(e, 0, sizeof(*e));
	e->seq = sqlite3_column_int64(s, 0);
	e->ts_ms = sqlite3_column_int64(s, 1);
	e->clock_synced = sqlite3_column_int(s, 2) != 0;
	copy_text(e->boot_id, sizeof(e->boot_id), s, 3);
	e->mono_ms = sqlite3_column_int64(s, 4);
	copy_text(e->type, sizeof(e->type), s, 5);
	copy_text(e->door, sizeof(e->door), s, 6);
	copy_text(e->reader, sizeof(e->reader), s, 7);
	e->member_id = sqlite3_column_int64(s, 8);
	e->badge_id = sqlite3_column_int64(s, 9);
	copy_text(e->reason, sizeof(e->reason), s, 10);
	copy_text(e->detail, sizeof(e->detail), s, 11);
	copy_text(e->actor, sizeof(e->actor), s, 12);
}

static void
read_visit(sqlite3_stmt *s, int c, struct visit_row *v)
{
	memset(v, 0, sizeof(*v));
	v->id = sqlite3_column_int64(s, c + 0);
	v->member_id = sqlite3_column_int64(s, c + 1);
	copy_text(v->door, sizeof(v->door), s, c + 2);
	v->arrived_ms = sqlite3_column_int64(s, c + 3);
	v->left_ms = sqlite3_column_int64(s, c + 4);
	copy_text(v->left_reason, sizeof(v->left_reason), s, c + 5);
	v->last_seen_ms = sqlite3_column_int64(s, c + 6);
}

static int
user_version(struct store *st, int *version)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "PRAGMA user_version", &s) == -1)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		dberr(st, "read schema version");
		sqlite3_finalize(s);
		return -1;
	}
	*version = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return 0;
}

/*
 * All pending migrations in one IMMEDIATE transaction: the daemon and
 * seuilctl may open the same file at once, so the version is read again
 * under the write lock, and a half-migrated schema can never be seen.
 */
static int
migrate(struct store *st)
{
	char sql[64];
	int v;

	if (user_version(st, &v) == -1)
		return -1;
	if (v == SCHEMA_VERSION)
		return 0;
	if (exec(st, "BEGIN IMMEDIATE", "migrate") == -1)
		return -1;
	if (user_version(st, &v) == -1)
		goto fail;
	if (v > SCHEMA_VERSION) {
		seterr(st, STORE_EDB, "database schema version %d is newer than "
		    "this program's (%d)", v, SCHEMA_VERSION);
		goto fail;
	}
	for (; v < SCHEMA_VERSION; v++)
		if (exec(st, migrations[v], "migrate") == -1)
			goto fail;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
	if (exec(st, sql, "migrate") == -1 || exec(st, "COMMIT", "migrate") == -1)
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
	if (exec(st, "PRAGMA foreign_keys = ON", "open") == -1 ||
	    exec(st, "PRAGMA secure_delete = ON", "open") == -1)
		goto dbfail;
	if (!(flags & STORE_READONLY)) {
		if (exec(st, "PRAGMA journal_mode = WAL", "open") == -1 ||
		    exec(st, "PRAGMA synchronous = FULL", "open") == -1 ||
		    migrate(st) == -1)
			goto dbfail;
	} else {
		if (user_version(st, &v) == -1)
			goto dbfail;
		if (v != SCHEMA_VERSION) {
			seterr(st, STORE_EDB, "schema version %d, expected %d "
			    "(run `seuilctl init`)", v, SCHEMA_VERSION);
			goto dbfail;
		}
	}
	for (i = 0; i < S_COUNT; i++)
		if (prepare(st, stmt_sql[i], &st->stmt[i]) == -1)
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
		if (exec(st, "BEGIN IMMEDIATE", "begin") == -1)
			return -1;
	} else {
		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", st->depth);
		if (exec(st, sql, "savepoint") == -1)
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
		seterr(st, STORE_EINVAL, "commit without begin");
		return -1;
	}
	if (st->depth == 1) {
		if (exec(st, "COMMIT", "commit") == -1) {
			/* A failed COMMIT may leave the transaction open:
			 * roll it back so the next begin starts clean. */
			if (!sqlite3_get_autocommit(st->db))
				sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			st->depth = 0;
			return -1;
		}
	} else {
		snprintf(sql, sizeof(sql), "RELEASE s%d", st->depth - 1);
		if (exec(st, sql, "release") == -1)
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
		seterr(st, STORE_EINVAL, "rollback without begin");
		return -1;
	}
	if (st->depth == 1) {
		if (!sqlite3_get_autocommit(st->db))
			rc = exec(st, "ROLLBACK", "rollback");
	} else {
		snprintf(sql, sizeof(sql), "ROLLBACK TO s%d; RELEASE s%d",
		    st->depth - 1, st->depth - 1);
		rc = exec(st, sql, "rollback");
	}
	st->depth--;
	return rc;
}

int
store_find_badge(struct store *st, const uint8_t mac[UID_MAC_LEN],
    struct badge_row *b, struct member_row *m)
{
	sqlite3_stmt *s = st->stmt[S_FIND_BADGE];
	int rc;

	sqlite3_bind_blob(s, 1, mac, UID_MAC_LEN, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_badge(s, 0, b);
		read_member(s, 7, m);
		done(s);
		return 1;
	}
	if (rc == SQLITE_DONE) {
		done(s);
		return 0;
	}
	dberr(st, "find badge");
	done(s);
	return -1;
}

int
store_member_groups(struct store *st, int64_t member_id, struct access_groups *out)
{
	sqlite3_stmt *s = st->stmt[S_MEMBER_GROUPS];
	struct access_group *g = NULL;
	int64_t gid;
	int rc;

	memset(out, 0, sizeof(*out));
	sqlite3_bind_int64(s, 1, member_id);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		gid = sqlite3_column_int64(s, 0);
		if (g == NULL || g->id != gid) {
			/* Refuse rather than truncate: the caller denies on
			 * error, and seuilctl keeps within the limits. */
			if (out->ngroups == ACCESS_MAX_GROUPS) {
				seterr(st, STORE_EINVAL, "member %lld is in more "
				    "than %d groups", (long long)member_id,
				    ACCESS_MAX_GROUPS);
				goto fail;
			}
			g = &out->groups[out->ngroups++];
			g->id = gid;
			copy_text(g->name, sizeof(g->name), s, 1);
		}
		if (sqlite3_column_type(s, 2) == SQLITE_NULL)
			continue;
		if (g->nwindows == ACCESS_MAX_WINDOWS) {
			seterr(st, STORE_EINVAL, "group %s has more than %d "
			    "windows", g->name, ACCESS_MAX_WINDOWS);
			goto fail;
		}
		g->windows[g->nwindows].days_mask = (uint8_t)sqlite3_column_int(s, 2);
		g->windows[g->nwindows].start_min = (uint16_t)sqlite3_column_int(s, 3);
		g->windows[g->nwindows].end_min = (uint16_t)sqlite3_column_int(s, 4);
		g->nwindows++;
	}
	if (rc != SQLITE_DONE) {
		dberr(st, "member groups");
		goto fail;
	}
	done(s);
	return 0;
fail:
	done(s);
	return -1;
}

/* Run a prepared-once write statement. */
static int
run(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	done(s);
	if (rc != SQLITE_DONE)
		return dberr(st, what);
	return 0;
}

int
store_badge_seen(struct store *st, int64_t badge_id, int64_t ts_ms)
{
	sqlite3_stmt *s = st->stmt[S_BADGE_SEEN];

	sqlite3_bind_int64(s, 1, badge_id);
	sqlite3_bind_int64(s, 2, ts_ms);
	return run(st, s, "badge seen");
}

int64_t
store_append_event(struct store *st, const struct event *ev)
{
	sqlite3_stmt *s = st->stmt[S_APPEND_EVENT];

	if (ev->type == NULL || *ev->type == '\0') {
		seterr(st, STORE_EINVAL, "event without a type");
		return -1;
	}
	sqlite3_bind_int64(s, 1, ev->ts_ms);
	sqlite3_bind_int(s, 2, ev->clock_synced ? 1 : 0);
	sqlite3_bind_text(s, 3, clock_boot_id(), -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, ev->mono_ms);
	sqlite3_bind_text(s, 5, ev->type, -1, SQLITE_STATIC);
	bind_text_or_null(s, 6, ev->door);
	bind_text_or_null(s, 7, ev->reader);
	bind_id_or_null(s, 8, ev->member_id);
	bind_id_or_null(s, 9, ev->badge_id);
	if (ev->uid_mac != NULL)
		sqlite3_bind_blob(s, 10, ev->uid_mac, UID_MAC_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 10);
	bind_text_or_null(s, 11, ev->reason);
	bind_text_or_null(s, 12, ev->detail);
	bind_text_or_null(s, 13, ev->actor);
	if (run(st, s, "append event") == -1)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int64_t
store_last_seq(struct store *st)
{
	sqlite3_stmt *s = st->stmt[S_LAST_SEQ];
	int64_t seq = 0;
	int rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		seq = sqlite3_column_int64(s, 0);
	done(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return dberr(st, "last seq");
	return seq;
}

/* Step a one-shot query, passing each event row to cb.  Finalizes s. */
static int
each_event(struct store *st, sqlite3_stmt *s,
    int (*cb)(const struct event_row *, void *), void *arg)
{
	struct event_row e;
	int rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_event(s, &e);
		n++;
		if (cb(&e, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		dberr(st, "events");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}

int
store_events_after(struct store *st, int64_t after_seq, int max,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " EVENT_COLS " FROM events WHERE seq > ?1"
	    " ORDER BY seq LIMIT ?2", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, after_seq);
	sqlite3_bind_int(s, 2, max > 0 ? max : -1);
	return each_event(st, s, cb, arg);
}

int
store_events_query(struct store *st, const struct event_filter *f,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	sqlite3_stmt *s;

	/* The newest `limit` rows, then back into seq order. */
	if (prepare(st, "SELECT * FROM (SELECT " EVENT_COLS " FROM events"
	    " WHERE (?1 = 0 OR ts_ms >= ?1) AND (?2 = 0 OR ts_ms < ?2)"
	    " AND (?3 = 0 OR member_id = ?3) AND (?4 IS NULL OR door = ?4)"
	    " AND (?5 IS NULL OR type = ?5) ORDER BY seq DESC LIMIT ?6)"
	    " ORDER BY seq", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, f->since_ms);
	sqlite3_bind_int64(s, 2, f->until_ms);
	sqlite3_bind_int64(s, 3, f->member_id);
	bind_text_or_null(s, 4, f->door);
	bind_text_or_null(s, 5, f->type);
	sqlite3_bind_int(s, 6, f->limit > 0 ? f->limit : -1);
	return each_event(st, s, cb, arg);
}

int64_t
store_visit_open(struct store *st, int64_t member_id, const char *door, int64_t arrived_ms)
{
	sqlite3_stmt *s = st->stmt[S_VISIT_OPEN];

	sqlite3_bind_int64(s, 1, member_id);
	bind_text_or_null(s, 2, door);
	sqlite3_bind_int64(s, 3, arrived_ms);
	if (run(st, s, "open visit") == -1)
		return -1;
	return sqlite3_last_insert_rowid(st->db);
}

int
store_visit_seen(struct store *st, int64_t visit_id, int64_t ts_ms)
{
	sqlite3_stmt *s = st->stmt[S_VISIT_SEEN];

	sqlite3_bind_int64(s, 1, visit_id);
	sqlite3_bind_int64(s, 2, ts_ms);
	return run(st, s, "visit seen");
}

int
store_visit_close(struct store *st, int64_t visit_id, int64_t left_ms, const char *reason)
{
	sqlite3_stmt *s = st->stmt[S_VISIT_CLOSE];

	sqlite3_bind_int64(s, 1, visit_id);
	sqlite3_bind_int64(s, 2, left_ms);
	bind_text_or_null(s, 3, reason);
	return run(st, s, "close visit");
}

static int
each_visit(struct store *st, sqlite3_stmt *s,
    int (*cb)(const struct visit_row *, void *), void *arg)
{
	struct visit_row v;
	int rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_visit(s, 0, &v);
		n++;
		if (cb(&v, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		dberr(st, "visits");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}

int
store_visits_open(struct store *st,
    int (*cb)(const struct visit_row *v, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " VISIT_COLS " FROM visits WHERE left_ts IS NULL"
	    " ORDER BY arrived_ts, id", &s) == -1)
		return -1;
	return each_visit(st, s, cb, arg);
}

int
store_visits_between(struct store *st, int64_t from_ms, int64_t to_ms, int64_t member_id,
    int (*cb)(const struct visit_row *v, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " VISIT_COLS " FROM visits"
	    " WHERE (?2 = 0 OR arrived_ts < ?2)"
	    " AND (left_ts IS NULL OR left_ts > ?1)"
	    " AND (?3 = 0 OR member_id = ?3) ORDER BY arrived_ts, id", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, from_ms);
	sqlite3_bind_int64(s, 2, to_ms);
	sqlite3_bind_int64(s, 3, member_id);
	return each_visit(st, s, cb, arg);
}

int
store_meta_get(struct store *st, const char *key, char *value, size_t len)
{
	sqlite3_stmt *s = st->stmt[S_META_GET];
	int rc;

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		copy_text(value, len, s, 0);
		done(s);
		return 1;
	}
	done(s);
	if (rc == SQLITE_DONE)
		return 0;
	return dberr(st, "meta get");
}

int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt *s = st->stmt[S_META_SET];

	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
	return run(st, s, "meta set");
}

static int
member_lookup(struct store *st, sqlite3_stmt *s, struct member_row *m)
{
	int rc = sqlite3_step(s);

	if (rc == SQLITE_ROW) {
		read_member(s, 0, m);
		done(s);
		return 1;
	}
	done(s);
	if (rc == SQLITE_DONE)
		return 0;
	return dberr(st, "member");
}

int
store_member_get(struct store *st, int64_t id, struct member_row *m)
{
	sqlite3_stmt *s = st->stmt[S_MEMBER_GET];

	sqlite3_bind_int64(s, 1, id);
	return member_lookup(st, s, m);
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
	return member_lookup(st, s, m);
}

static int
bind_member(sqlite3_stmt *s, const struct member_row *m)
{
	sqlite3_bind_text(s, 1, m->name, -1, SQLITE_STATIC);
	bind_text_or_null(s, 2, m->display_name);
	bind_text_or_null(s, 3, m->email);
	sqlite3_bind_text(s, 4, m->active ? "active" : "disabled", -1, SQLITE_STATIC);
	bind_text_or_null(s, 5, m->valid_from);
	bind_text_or_null(s, 6, m->valid_until);
	return sqlite3_bind_int(s, 7, m->public ? 1 : 0);
}

int64_t
store_member_add(struct store *st, const struct member_row *m, int64_t now_ms)
{
	sqlite3_stmt *s;
	int rc;

	if (m->name[0] == '\0') {
		seterr(st, STORE_EINVAL, "empty member name");
		return -1;
	}
	if (prepare(st, "INSERT INTO members (name, display_name, email, status,"
	    " valid_from, valid_until, public, created)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", &s) == -1)
		return -1;
	bind_member(s, m);
	sqlite3_bind_int64(s, 8, now_ms);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		dberr(st, "add member");
		if (st->errcode == STORE_EEXIST)
			seterr(st, STORE_EEXIST, "member '%s' already exists", m->name);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

int
store_member_update(struct store *st, const struct member_row *m)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "UPDATE members SET name = ?1, display_name = ?2,"
	    " email = ?3, status = ?4, valid_from = ?5, valid_until = ?6,"
	    " public = ?7 WHERE id = ?8", &s) == -1)
		return -1;
	bind_member(s, m);
	sqlite3_bind_int64(s, 8, m->id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		dberr(st, "update member");
		if (st->errcode == STORE_EEXIST)
			seterr(st, STORE_EEXIST, "member '%s' already exists", m->name);
		return -1;
	}
	if (sqlite3_changes(st->db) == 0) {
		seterr(st, STORE_ENOENT, "member %lld not found", (long long)m->id);
		return -1;
	}
	return 0;
}

int
store_member_set_active(struct store *st, int64_t id, bool active)
{
	sqlite3_stmt *s;

	if (prepare(st, "UPDATE members SET status = ?2 WHERE id = ?1", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, active ? "active" : "disabled", -1, SQLITE_STATIC);
	if (step_done(st, s, "set member status") == -1) {
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	if (sqlite3_changes(st->db) == 0) {
		seterr(st, STORE_ENOENT, "member %lld not found", (long long)id);
		return -1;
	}
	return 0;
}

int
store_members_list(struct store *st,
    int (*cb)(const struct member_row *m, void *arg), void *arg)
{
	struct member_row m;
	sqlite3_stmt *s;
	int rc, n = 0;

	if (prepare(st, "SELECT " MEMBER_COLS " FROM members ORDER BY name", &s) == -1)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_member(s, 0, &m);
		n++;
		if (cb(&m, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		dberr(st, "members");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}

/* Run a one-shot write with up to two int64 parameters. */
static int
exec_ids(struct store *st, const char *sql, int64_t a, int64_t b, const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, sql, &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return dberr(st, what);
	return 0;
}

int
store_member_add_group(struct store *st, int64_t member_id, int64_t group_id)
{
	return exec_ids(st, "INSERT OR IGNORE INTO member_groups (member_id, group_id)"
	    " VALUES (?1, ?2)", member_id, group_id, "add member to group");
}

int
store_member_clear_groups(struct store *st, int64_t member_id)
{
	return exec_ids(st, "DELETE FROM member_groups WHERE member_id = ?1",
	    member_id, 0, "clear member groups");
}

int64_t
store_badge_add(struct store *st, int64_t member_id, const uint8_t mac[UID_MAC_LEN],
    const char *hint, const char *label, int64_t now_ms)
{
	struct badge_row b;
	struct member_row m;
	sqlite3_stmt *s;
	int rc;

	/* Look first, to name the badge that already has this MAC. */
	rc = store_find_badge(st, mac, &b, &m);
	if (rc == -1)
		return -1;
	if (rc == 1) {
		seterr(st, STORE_EEXIST, "badge already enrolled (badge %lld, "
		    "member '%s')", (long long)b.id, m.name);
		return -1;
	}
	/* One statement, so that an erase committed after the caller looked
	 * the member up cannot be followed by a badge on the erased row. */
	if (prepare(st, "INSERT INTO badges (member_id, uid_mac, uid_hint, label,"
	    " status, created) SELECT ?1, ?2, ?3, ?4, 'active', ?5"
	    " WHERE NOT EXISTS (SELECT 1 FROM members WHERE id = ?1"
	    " AND erased IS NOT NULL)", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	sqlite3_bind_blob(s, 2, mac, UID_MAC_LEN, SQLITE_STATIC);
	bind_text_or_null(s, 3, hint);
	bind_text_or_null(s, 4, label);
	sqlite3_bind_int64(s, 5, now_ms);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		dberr(st, "add badge");
		if (st->errcode == STORE_EEXIST)
			seterr(st, STORE_EEXIST, "badge already enrolled");
		else if (sqlite3_extended_errcode(st->db) ==
		    SQLITE_CONSTRAINT_FOREIGNKEY)
			seterr(st, STORE_ENOENT, "member %lld not found",
			    (long long)member_id);
		return -1;
	}
	if (sqlite3_changes(st->db) == 0) {
		seterr(st, STORE_EINVAL, "member %lld was erased", (long long)member_id);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

static int
each_badge(struct store *st, sqlite3_stmt *s,
    int (*cb)(const struct badge_row *, void *), void *arg)
{
	struct badge_row b;
	int rc, n = 0;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_badge(s, 0, &b);
		n++;
		if (cb(&b, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		dberr(st, "badges");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
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
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " BADGE_COLS " FROM badges WHERE id = ?1", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	return each_badge(st, s, copy_badge, b);
}

int
store_badges_list(struct store *st, int64_t member_id,
    int (*cb)(const struct badge_row *b, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " BADGE_COLS " FROM badges"
	    " WHERE (?1 = 0 OR member_id = ?1) ORDER BY id", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	return each_badge(st, s, cb, arg);
}

int
store_badge_revoke(struct store *st, int64_t id)
{
	if (exec_ids(st, "UPDATE badges SET status = 'revoked' WHERE id = ?1",
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
		seterr(st, STORE_EINVAL, "group name must be 1 to %zu characters",
		    sizeof(((struct access_group *)0)->name) - 1);
		return -1;
	}
	if (prepare(st, "INSERT INTO groups (name) VALUES (?1)", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		dberr(st, "add group");
		if (st->errcode == STORE_EEXIST)
			seterr(st, STORE_EEXIST, "group '%s' already exists", name);
		return -1;
	}
	return sqlite3_last_insert_rowid(st->db);
}

/* Groups with their windows, one row per window (or one with NULL days for
 * a group without), grouped into struct access_group for cb. */
static int
each_group(struct store *st, sqlite3_stmt *s,
    int (*cb)(const struct access_group *, void *), void *arg)
{
	struct access_group g;
	bool have = false, stop = false;
	int64_t gid;
	int rc, n = 0;

	memset(&g, 0, sizeof(g));
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		gid = sqlite3_column_int64(s, 0);
		if (!have || gid != g.id) {
			if (have) {
				n++;
				if (cb(&g, arg) != 0) {
					stop = true;
					break;
				}
			}
			memset(&g, 0, sizeof(g));
			g.id = gid;
			copy_text(g.name, sizeof(g.name), s, 1);
			have = true;
		}
		if (sqlite3_column_type(s, 2) == SQLITE_NULL)
			continue;
		if (g.nwindows == ACCESS_MAX_WINDOWS) {
			seterr(st, STORE_EINVAL, "group %s has more than %d "
			    "windows", g.name, ACCESS_MAX_WINDOWS);
			sqlite3_finalize(s);
			return -1;
		}
		g.windows[g.nwindows].days_mask = (uint8_t)sqlite3_column_int(s, 2);
		g.windows[g.nwindows].start_min = (uint16_t)sqlite3_column_int(s, 3);
		g.windows[g.nwindows].end_min = (uint16_t)sqlite3_column_int(s, 4);
		g.nwindows++;
	}
	if (!stop && rc != SQLITE_DONE) {
		dberr(st, "groups");
		sqlite3_finalize(s);
		return -1;
	}
	if (!stop && have) {
		n++;
		cb(&g, arg);
	}
	sqlite3_finalize(s);
	return n;
}

#define GROUP_SELECT	"SELECT g.id, g.name, w.days, w.start_min, w.end_min" \
			" FROM groups g LEFT JOIN schedule_windows w" \
			" ON w.group_id = g.id"

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

	if (prepare(st, GROUP_SELECT " WHERE g.name = ?1 ORDER BY w.rowid", &s) == -1)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return each_group(st, s, copy_group, g);
}

int
store_groups_list(struct store *st,
    int (*cb)(const struct access_group *g, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (prepare(st, GROUP_SELECT " ORDER BY g.name, g.id, w.rowid", &s) == -1)
		return -1;
	return each_group(st, s, cb, arg);
}

int
store_schedule_set(struct store *st, int64_t group_id,
    const struct schedule_window *w, int n)
{
	sqlite3_stmt *s = NULL;
	int i, rc;

	if (n < 0 || n > ACCESS_MAX_WINDOWS) {
		seterr(st, STORE_EINVAL, "a schedule has at most %d windows",
		    ACCESS_MAX_WINDOWS);
		return -1;
	}
	if (store_begin(st) == -1)
		return -1;
	if (exec_ids(st, "DELETE FROM schedule_windows WHERE group_id = ?1",
	    group_id, 0, "clear schedule") == -1)
		goto fail;
	if (prepare(st, "INSERT INTO schedule_windows (group_id, days, start_min,"
	    " end_min) VALUES (?1, ?2, ?3, ?4)", &s) == -1)
		goto fail;
	for (i = 0; i < n; i++) {
		sqlite3_bind_int64(s, 1, group_id);
		sqlite3_bind_int(s, 2, w[i].days_mask);
		sqlite3_bind_int(s, 3, w[i].start_min);
		sqlite3_bind_int(s, 4, w[i].end_min);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc != SQLITE_DONE) {
			dberr(st, "set schedule");
			goto fail;
		}
	}
	sqlite3_finalize(s);
	s = NULL;
	if (store_commit(st) == -1)
		return -1;
	return 0;
fail:
	sqlite3_finalize(s);
	store_rollback(st);
	return -1;
}

int
store_who(struct store *st,
    int (*cb)(const struct visit_row *v, const struct member_row *m, void *arg), void *arg)
{
	struct visit_row v;
	struct member_row m;
	sqlite3_stmt *s;
	int rc, n = 0;

	if (prepare(st, "SELECT v.id, v.member_id, v.door, v.arrived_ts, v.left_ts,"
	    " v.left_reason, v.last_seen_ts, m.id, m.name, m.display_name,"
	    " m.email, m.status, m.valid_from, m.valid_until, m.public,"
	    " m.created, m.erased"
	    " FROM visits v LEFT JOIN members m ON m.id = v.member_id"
	    " WHERE v.left_ts IS NULL ORDER BY v.arrived_ts, v.id", &s) == -1)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_visit(s, 0, &v);
		if (sqlite3_column_type(s, 7) == SQLITE_NULL)
			memset(&m, 0, sizeof(m));
		else
			read_member(s, 7, &m);
		n++;
		if (cb(&v, &m, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		dberr(st, "who");
		n = -1;
	}
	sqlite3_finalize(s);
	return n;
}

int
store_member_checkout(struct store *st, int64_t member_id, int64_t left_ms,
    const char *reason)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "UPDATE visits SET left_ts = ?2, left_reason = ?3"
	    " WHERE member_id = ?1 AND left_ts IS NULL", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	sqlite3_bind_int64(s, 2, left_ms);
	bind_text_or_null(s, 3, reason);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return dberr(st, "checkout");
	return sqlite3_changes(st->db);
}

/* One-shot write with an int64 parameter ?1 and optionally ?2; the number
 * of rows changed in *changes if not NULL. */
static int
exec_count(struct store *st, const char *sql, int64_t a, int64_t b, int64_t *changes,
    const char *what)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, sql, &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, a);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, b);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return dberr(st, what);
	if (changes != NULL)
		*changes = sqlite3_changes64(st->db);
	return 0;
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
		seterr(st, STORE_EINVAL, "purge: negative retention");
		return -1;
	}
	if (store_begin(st) == -1)
		return -1;
	if (now_ms - event_retention_ms > 0 &&
	    exec_count(st, "DELETE FROM events WHERE ts_ms < ?1",
	    now_ms - event_retention_ms, 0, &ne, "purge events") == -1)
		goto fail;
	if (now_ms - visit_retention_ms > 0 &&
	    exec_count(st, "DELETE FROM visits WHERE left_ts IS NOT NULL AND left_ts < ?1",
	    now_ms - visit_retention_ms, 0, &nv, "purge visits") == -1)
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
	/* Keep the first error's message over the rollback's. */
	{
		char msg[sizeof(st->errmsg)];
		enum store_error code = st->errcode;

		memcpy(msg, st->errmsg, sizeof(msg));
		if (st->depth > 0)
			store_rollback(st);
		seterr(st, code, "%s", msg);
	}
	return -1;
}

int
store_member_events(struct store *st, int64_t member_id,
    int (*cb)(const struct event_row *ev, void *arg), void *arg)
{
	sqlite3_stmt *s;

	if (prepare(st, "SELECT " EVENT_COLS " FROM events WHERE member_id = ?1"
	    " OR badge_id IN (SELECT id FROM badges WHERE member_id = ?1)"
	    " OR uid_mac IN (SELECT uid_mac FROM badges WHERE member_id = ?1)"
	    " ORDER BY seq", &s) == -1)
		return -1;
	sqlite3_bind_int64(s, 1, member_id);
	return each_event(st, s, cb, arg);
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
		"UPDATE visits SET left_ts = ?2, left_reason = 'manual'"
		" WHERE member_id = ?1 AND left_ts IS NULL",
		"UPDATE visits SET member_id = NULL WHERE member_id = ?1",
		"DELETE FROM badges WHERE member_id = ?1",
		"DELETE FROM member_groups WHERE member_id = ?1",
		"UPDATE members SET name = 'erased-' || id, display_name = NULL,"
		" email = NULL, status = 'disabled', valid_from = NULL,"
		" valid_until = NULL, public = 0, erased = ?2 WHERE id = ?1",
	};
	struct member_row m;
	size_t i;
	int rc;

	if ((rc = store_member_get(st, member_id, &m)) != 1) {
		if (rc == 0)
			seterr(st, STORE_ENOENT, "member %lld not found", (long long)member_id);
		return -1;
	}
	/* On already (store_open), but this is the call that relies on it. */
	if (st->depth == 0 && exec(st, "PRAGMA secure_delete = ON", "erase") == -1)
		return -1;
	if (store_begin(st) == -1)
		return -1;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (exec_count(st, steps[i], member_id, now_ms, NULL, "erase") == -1)
			goto fail;
	if (store_commit(st) == -1)
		goto fail;
	explicit_bzero(&m, sizeof(m));
	return 0;
fail:
	{
		char msg[sizeof(st->errmsg)];
		enum store_error code = st->errcode;

		memcpy(msg, st->errmsg, sizeof(msg));
		if (st->depth > 0)
			store_rollback(st);
		seterr(st, code, "%s", msg);
	}
	explicit_bzero(&m, sizeof(m));
	return -1;
}

int
store_checkpoint(struct store *st)
{
	sqlite3_stmt *s;
	int rc, busy;

	if (prepare(st, "PRAGMA wal_checkpoint(TRUNCATE)", &s) == -1)
		return -1;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		dberr(st, "checkpoint");
		sqlite3_finalize(s);
		return -1;
	}
	busy = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (busy) {
		seterr(st, STORE_EDB, "checkpoint: the database is busy");
		return 1;
	}
	return 0;
}

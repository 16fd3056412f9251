/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "backup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "schema.h"

/* How long a backup waits for a writer that holds the database. */
#define BACKUP_BUSY_MS	10000

void
backup_stamp(char *buf, size_t len, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y%m%d-%H%M%S", &tm);
}

static int
fail(char *err, size_t errlen, const char *path, sqlite3 *db, const char *what)
{
	snprintf(err, errlen, "%s: %s: %s", path, what,
	    db != NULL ? sqlite3_errmsg(db) : strerror(errno));
	return -1;
}

/* Open path for reading (untrusted: no schema-defined functions run). */
static sqlite3 *
open_db(const char *path, int flags, char *err, size_t errlen)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fail(err, errlen, path, db, "open");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, BACKUP_BUSY_MS);
	sqlite3_exec(db, "PRAGMA trusted_schema = OFF", NULL, NULL, NULL);
	return db;
}

/* integrity_check must answer exactly one row, "ok". */
static int
integrity(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	const unsigned char *t;
	int rc;

	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check(1)", -1, &s, NULL) != SQLITE_OK)
		return fail(err, errlen, path, db, "integrity check");
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		fail(err, errlen, path, db, "integrity check");
		sqlite3_finalize(s);
		return -1;
	}
	t = sqlite3_column_text(s, 0);
	if (t == NULL || strcmp((const char *)t, "ok") != 0) {
		snprintf(err, errlen, "%s: integrity check failed: %.200s", path,
		    t != NULL ? (const char *)t : "?");
		sqlite3_finalize(s);
		return -1;
	}
	sqlite3_finalize(s);
	return 0;
}

/* Copy every page of src's main database into dst's, in one step. */
static int
copy_pages(sqlite3 *dst, sqlite3 *src, const char *path, char *err, size_t errlen)
{
	sqlite3_backup *b;
	int rc, waited = 0;

	if ((b = sqlite3_backup_init(dst, "main", src, "main")) == NULL)
		return fail(err, errlen, path, dst, "backup");
	while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (waited >= BACKUP_BUSY_MS)
			break;
		sqlite3_sleep(50);
		waited += 50;
	}
	sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: backup: %s", path, sqlite3_errstr(rc));
		return -1;
	}
	return 0;
}

static void
sync_dir(const char *path)
{
	char buf[PATH_MAX];
	int fd;

	snprintf(buf, sizeof(buf), "%s", path);
	if ((fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(fd);
		close(fd);
	}
}

int
backup_copy(const char *src, const char *dst, mode_t mode, char *err, size_t errlen)
{
	sqlite3 *from = NULL, *to = NULL;
	char journal[PATH_MAX + 16];
	int fd;

	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0640);
	if (fd == -1)
		return fail(err, errlen, dst, NULL, "create");
	if ((from = open_db(src, SQLITE_OPEN_READONLY, err, errlen)) == NULL)
		goto fail;
	if ((to = open_db(dst, SQLITE_OPEN_READWRITE, err, errlen)) == NULL)
		goto fail;
	if (copy_pages(to, from, src, err, errlen) == -1)
		goto fail;
	/* A snapshot is one file: the copy of a WAL database is WAL too. */
	if (sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
		fail(err, errlen, dst, to, "journal mode");
		goto fail;
	}
	if (integrity(to, dst, err, errlen) == -1)
		goto fail;
	sqlite3_close(from);
	if (sqlite3_close(to) != SQLITE_OK) {
		fail(err, errlen, dst, to, "close");
		to = from = NULL;
		goto fail;
	}
	if (fsync(fd) == -1) {
		fail(err, errlen, dst, NULL, "fsync");
		from = to = NULL;
		goto fail;
	}
	close(fd);
	sync_dir(dst);
	return 0;
fail:
	sqlite3_close(from);
	sqlite3_close(to);
	close(fd);
	unlink(dst);
	snprintf(journal, sizeof(journal), "%s-journal", dst);
	unlink(journal);
	return -1;
}

/* The schema of db is exactly that of its version: its triggers and views
 * would otherwise run inside seuild (schema.h). */
static int
verified(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	char why[256];
	int v = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return fail(err, errlen, path, db, "schema version");
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v < 1 || v > schema_latest()) {
		snprintf(err, errlen, "%s: schema version %d, this seuil reads 1 to %d%s",
		    path, v, schema_latest(), v == 0 ? " (not a seuil database)" : "");
		return -1;
	}
	if (schema_verify(db, v, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", path, why);
		return -1;
	}
	return v;
}

int
backup_check(const char *path, int *version, char *err, size_t errlen)
{
	sqlite3 *db;
	int v;

	if ((db = open_db(path, SQLITE_OPEN_READONLY, err, errlen)) == NULL)
		return -1;
	if (integrity(db, path, err, errlen) == -1 ||
	    (v = verified(db, path, err, errlen)) == -1) {
		sqlite3_close(db);
		return -1;
	}
	sqlite3_close(db);
	*version = v;
	return 0;
}

int
backup_restore(const char *src, const char *dst, char *err, size_t errlen)
{
	sqlite3 *from, *to;

	if ((from = open_db(src, SQLITE_OPEN_READONLY, err, errlen)) == NULL)
		return -1;
	if ((to = open_db(dst, SQLITE_OPEN_READWRITE, err, errlen)) == NULL) {
		sqlite3_close(from);
		return -1;
	}
	if (copy_pages(to, from, dst, err, errlen) == -1)
		goto fail;
	if (sqlite3_exec(to, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK) {
		fail(err, errlen, dst, to, "checkpoint");
		goto fail;
	}
	if (integrity(to, dst, err, errlen) == -1 || verified(to, dst, err, errlen) == -1)
		goto fail;
	sqlite3_close(from);
	if (sqlite3_close(to) != SQLITE_OK)
		return fail(err, errlen, dst, to, "close");
	return 0;
fail:
	sqlite3_close(from);
	sqlite3_close(to);
	return -1;
}

bool
backup_is_snapshot(const char *name)
{
	size_t p = strlen(BACKUP_PREFIX), i;

	if (strlen(name) != p + 15 + strlen(BACKUP_SUFFIX) ||
	    strncmp(name, BACKUP_PREFIX, p) != 0 ||
	    strcmp(name + p + 15, BACKUP_SUFFIX) != 0)
		return false;
	for (i = 0; i < 15; i++)
		if (i == 8 ? name[p + i] != '-' : !isdigit((unsigned char)name[p + i]))
			return false;
	return true;
}

static int
only_snapshots(const struct dirent *d)
{
	return backup_is_snapshot(d->d_name);
}

int
backup_rotate(const char *dir, int keep, char *err, size_t errlen)
{
	struct dirent **names;
	char path[PATH_MAX];
	int n, i, removed = 0, rc = 0;

	if (keep < 1)
		keep = 1;
	if ((n = scandir(dir, &names, only_snapshots, alphasort)) == -1)
		return fail(err, errlen, dir, NULL, "read folder");
	for (i = 0; i < n; i++) {
		if (i < n - keep && rc == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
			if (unlink(path) == -1)
				rc = fail(err, errlen, path, NULL, "remove");
			else
				removed++;
		}
		free(names[i]);
	}
	free(names);
	return rc == -1 ? -1 : removed;
}

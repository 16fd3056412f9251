/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Backups of the store (seuilctl backup and restore, [backup] in
 * docs/design.md, Configuration): consistent copies taken with SQLite's
 * online backup API while seuild runs, checked before anyone relies on
 * them, and the restore that swaps one in.  Shared by seuilctl (backup,
 * restore, the nightly timer) and the store (the copy taken before a schema
 * migration).
 *
 * Every function returns 0 (or a count) on success and -1 on error with a
 * message in err; none logs.
 */
#ifndef SEUIL_BACKUP_H
#define SEUIL_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Names of nightly snapshots in [backup] dir: "seuil-YYYYMMDD-HHMMSS.db"
 * (UTC), so that the names sort by age. */
#define BACKUP_PREFIX	"seuil-"
#define BACKUP_SUFFIX	".db"
/* The keys' copies beside the snapshots: restored by copying them back to
 * [store] uid_key_file and [credentials] key_file. */
#define BACKUP_KEY_NAME		"uid.key"
#define BACKUP_CREDKEY_NAME	"credentials.key"

/* meta keys of the last backup: UTC ms, "ok" or "failed: why", the file. */
#define BACKUP_META_TS		"backup_last_ts"
#define BACKUP_META_RESULT	"backup_last_result"
#define BACKUP_META_FILE	"backup_last_file"

/* "YYYYMMDD-HHMMSS" of t in UTC into buf (at least 16 bytes). */
void backup_stamp(char *buf, size_t len, time_t t);

/* Modes of the copies: a snapshot in [backup] dir is readable by the
 * group seuil (the console lists and serves them: docs/web.md, Backups),
 * any other copy by its owner only.  The UID key stays 0600 everywhere,
 * and the console never lists or serves it. */
#define BACKUP_MODE		0600
#define BACKUP_SNAPSHOT_MODE	0640

/*
 * Copy the database src into the new file dst: created with O_EXCL and
 * O_NOFOLLOW, with mode (within the umask; an existing file or a symlink
 * is never written),
 * filled by the online backup API in one read transaction (a consistent
 * snapshot while seuild writes), turned into a single file (no -wal), synced
 * with its folder, then checked with integrity_check.  On any failure dst
 * is removed.
 */
int backup_copy(const char *src, const char *dst, mode_t mode, char *err, size_t errlen);

/*
 * Check that path is a sound seuil database before anyone trusts it:
 * integrity_check says ok, its schema version is one this program reads
 * (1..schema_latest()), and its schema is exactly that version's, with no
 * trigger or view of its own (schema.h).  *version gets the version.
 * Opens it read-only, with trusted_schema off.
 */
int backup_check(const char *path, int *version, char *err, size_t errlen);

/*
 * Replace the contents of the database dst with those of src (checked
 * first with backup_check) through the backup API: dst keeps its inode,
 * owner and mode, and its -wal is checkpointed away.  The caller keeps a
 * copy of dst first and makes sure no daemon has it open.
 */
int backup_restore(const char *src, const char *dst, char *err, size_t errlen);

/*
 * In dir, remove all but the newest keep snapshots named
 * BACKUP_PREFIX "YYYYMMDD-HHMMSS" BACKUP_SUFFIX; other files are left alone.
 * Returns how many were removed, or -1.
 */
int backup_rotate(const char *dir, int keep, char *err, size_t errlen);

/* Whether name is a snapshot's: BACKUP_PREFIX "YYYYMMDD-HHMMSS"
 * BACKUP_SUFFIX exactly, nothing else (not the key, no path). */
bool backup_is_snapshot(const char *name);

#endif

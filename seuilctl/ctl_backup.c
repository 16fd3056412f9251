/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl backup, restore: snapshots of the database while seuild runs,
 * with the UID key and the credentials key file when asked (badges cannot
 * be matched without the one, DESFire badges not read without the other), the
 * nightly rotation of seuil-backup.timer, and the restore that swaps a
 * checked snapshot in while the daemon is stopped.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "clock.h"
#include "credkey.h"
#include "ctl.h"

/*
 * The time and result of the last snapshot in [backup] dir (the nightly
 * one) go into the store's meta table for `seuilctl status` and the
 * console's health view; seuild records them when it takes the snapshot,
 * this when no daemon runs.  A copy elsewhere (a file named on the command
 * line, --with-key) is the manager's own and is not recorded.  A failure
 * to record does not turn a good backup into a failed one.
 */
static void
record(struct ctl *c, const char *result, const char *file)
{
	char ts[32];

	if (ctl_store(c) != EX_OK)
		return;
	snprintf(ts, sizeof(ts), "%lld", (long long)clock_wall_ms());
	if (store_begin(c->st) == -1)
		return;
	if (store_meta_set(c->st, BACKUP_META_TS, ts) == -1 ||
	    store_meta_set(c->st, BACKUP_META_RESULT, result) == -1 ||
	    store_meta_set(c->st, BACKUP_META_FILE, file) == -1) {
		store_rollback(c->st);
		return;
	}
	store_commit(c->st);
}

/* The nightly snapshot, taken by seuild when it runs (it writes the
 * record); CTL_DIRECT when it does not. */
static int
nightly_by_daemon(struct ctl *c)
{
	struct control_req req;
	struct control_reply rep;
	int rc;

	control_req_init(&req, CONTROL_BACKUP);
	if ((rc = ctl_change(c, &req, &rep)) != EX_OK)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "database", control_reply_str(&rep, "file"));
		cJSON_AddNumberToObject(j, "removed", (double)control_reply_int(&rep, "removed"));
		control_reply_free(&rep);
		return ctl_json_print(c, j);
	}
	printf("wrote %s (seuild took it)\n", control_reply_str(&rep, "file"));
	if (control_reply_int(&rep, "removed") > 0)
		printf("removed %lld old snapshot%s\n", (long long)control_reply_int(&rep,
		    "removed"), control_reply_int(&rep, "removed") == 1 ? "" : "s");
	control_reply_free(&rep);
	return EX_OK;
}

/* Copy the key file to dst: O_EXCL, O_NOFOLLOW, 0600, synced. */
static int
copy_key(const char *src, const char *dst, char *err, size_t errlen)
{
	uint8_t key[UID_KEY_LEN];
	int fd;

	if (uid_key_load(src, key, err, errlen) == -1)
		return -1;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		memset(key, 0, sizeof(key));
		return -1;
	}
	if (write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", dst, strerror(errno));
		memset(key, 0, sizeof(key));
		close(fd);
		unlink(dst);
		return -1;
	}
	memset(key, 0, sizeof(key));
	return close(fd);
}

/* The credentials key file to dst, if the site has one (a site that never
 * ran `seuilctl init` since DESFire came has none, and no DESFire badge):
 * dst names nothing then.  0, or -1 with err. */
static int
copy_credkey(const char *src, char *dst, char *err, size_t errlen)
{
	int rc = credkey_copy(src, dst, err, errlen);

	if (rc == 0)
		dst[0] = '\0';
	return rc == -1 ? -1 : 0;
}

/* buf (PATH_MAX) = dir/seuil-STAMP.db, or dir/NAME (a key file) without a
 * stamp. */
static int
in_dir(char *buf, const char *dir, const char *stamp, const char *name)
{
	int n;

	if (stamp != NULL)
		n = snprintf(buf, PATH_MAX, "%s/" BACKUP_PREFIX "%s" BACKUP_SUFFIX, dir, stamp);
	else
		n = snprintf(buf, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX) {
		ctl_errx("%s: path too long", dir);
		return -1;
	}
	return 0;
}

static int
done(struct ctl *c, const char *db, const char *key, const char *ckey, int removed)
{
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "database", db);
		if (key != NULL)
			cJSON_AddStringToObject(j, "key_file", key);
		if (ckey != NULL)
			cJSON_AddStringToObject(j, "credentials_key_file", ckey);
		if (removed >= 0)
			cJSON_AddNumberToObject(j, "removed", removed);
		return ctl_json_print(c, j);
	}
	printf("wrote %s\n", db);
	if (key != NULL)
		printf("wrote %s\n", key);
	if (ckey != NULL)
		printf("wrote %s\n", ckey);
	if (removed > 0)
		printf("removed %d old snapshot%s\n", removed, removed == 1 ? "" : "s");
	return EX_OK;
}

int
ctl_backup(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "with-key", no_argument, NULL, 'k' },
		{ "nightly", no_argument, NULL, 'n' },
		CTL_COMMON_OPTS
	};
	char db[PATH_MAX], key[PATH_MAX], ckey[PATH_MAX], stamp[32], err[2 * PATH_MAX + 256];
	char result[sizeof(err) + 32];
	const char *target;
	bool with_key = false, nightly = false;
	struct stat sb;
	int ch, rc, removed = -1;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (ch == 'k')
			with_key = true;
		else if (ch == 'n')
			nightly = true;
		else if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
			return rc;
	}
	if (argc - optind != (nightly ? 0 : 1) || (nightly && with_key))
		return ctl_usage(c);
	if (nightly && c->conf.backup_dir[0] == '\0') {
		ctl_errx("no [backup] dir in %s: no nightly backup", c->conf_path);
		return EX_CONFIG;
	}
	if (nightly && (rc = nightly_by_daemon(c)) != CTL_DIRECT)
		return rc;
	/* The database must be there: a backup never creates one. */
	if ((rc = ctl_store(c)) != EX_OK)
		return rc;
	key[0] = ckey[0] = '\0';
	backup_stamp(stamp, sizeof(stamp), time(NULL));
	if (nightly) {
		target = c->conf.backup_dir;
		/* The keys once, beside the snapshots: a new SD card needs them
		 * all. */
		if (in_dir(db, target, stamp, NULL) == -1 ||
		    in_dir(key, target, NULL, BACKUP_KEY_NAME) == -1 ||
		    in_dir(ckey, target, NULL, BACKUP_CREDKEY_NAME) == -1)
			return EX_USAGE;
		if (lstat(key, &sb) == 0)
			key[0] = '\0';
		if (lstat(ckey, &sb) == 0)
			ckey[0] = '\0';
	} else if (with_key) {
		target = argv[optind];
		if (mkdir(target, 0700) == -1 && errno != EEXIST) {
			ctl_errx("%s: %s", target, strerror(errno));
			return EX_CANTCREAT;
		}
		if (in_dir(db, target, stamp, NULL) == -1 ||
		    in_dir(key, target, NULL, BACKUP_KEY_NAME) == -1 ||
		    in_dir(ckey, target, NULL, BACKUP_CREDKEY_NAME) == -1)
			return EX_USAGE;
	} else {
		target = argv[optind];
		snprintf(db, sizeof(db), "%s", target);
	}

	if (backup_copy(c->conf.database, db, nightly ? BACKUP_SNAPSHOT_MODE :
	    BACKUP_MODE, err, sizeof(err)) == -1 ||
	    (key[0] != '\0' && copy_key(c->conf.uid_key_file, key, err, sizeof(err)) == -1) ||
	    (ckey[0] != '\0' && copy_credkey(c->conf.credentials_key_file, ckey, err,
	    sizeof(err)) == -1)) {
		ctl_errx("backup failed: %s", err);
		snprintf(result, sizeof(result), "failed: %s", err);
		if (nightly)
			record(c, result, db);
		return EX_CANTCREAT;
	}
	if (nightly && (removed = backup_rotate(target, c->conf.backup_keep, err,
	    sizeof(err))) == -1) {
		ctl_errx("rotation: %s", err);
		snprintf(result, sizeof(result), "failed: rotation: %s", err);
		record(c, result, db);
		return EX_IOERR;
	}
	if (nightly)
		record(c, "ok", db);
	return done(c, db, key[0] != '\0' ? key : NULL, ckey[0] != '\0' ? ckey : NULL, removed);
}

int
ctl_restore(struct ctl *c, int argc, char **argv)
{
	char keep[PATH_MAX + 64], stamp[32], err[2 * PATH_MAX + 256];
	const char *file;
	struct control_req req;
	struct control_reply rep;
	int rc, version;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK)
		return rc;
	file = argv[optind];
	/* seuild holds the database open and would go on with its own
	 * view of it: it must be stopped. */
	control_req_init(&req, CONTROL_STATUS);
	control_call(c->conf.control_socket, &req, 0, &rep);
	control_reply_free(&rep);
	if (rep.code != CONTROL_UNAVAILABLE) {
		ctl_errx("seuild is running: stop it first (systemctl stop seuild)");
		return EX_TEMPFAIL;
	}
	if (backup_check(file, &version, err, sizeof(err)) == -1) {
		ctl_errx("%s: refused, nothing changed", err);
		return EX_DATAERR;
	}
	/* The database being replaced is kept beside it. */
	backup_stamp(stamp, sizeof(stamp), time(NULL));
	snprintf(keep, sizeof(keep), "%s.pre-restore-%s", c->conf.database, stamp);
	if (backup_copy(c->conf.database, keep, BACKUP_MODE, err, sizeof(err)) == -1) {
		ctl_errx("cannot keep the current database: %s: nothing changed", err);
		return EX_CANTCREAT;
	}
	if (backup_restore(file, c->conf.database, err, sizeof(err)) == -1) {
		ctl_errx("restore failed: %s (the previous database is in %s)", err, keep);
		return EX_IOERR;
	}
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "restored", file);
		cJSON_AddNumberToObject(j, "schema_version", version);
		cJSON_AddStringToObject(j, "previous", keep);
		return ctl_json_print(c, j);
	}
	printf("restored %s (schema version %d) into %s\n", file, version,
	    c->conf.database);
	printf("the previous database is kept in %s\n", keep);
	return EX_OK;
}

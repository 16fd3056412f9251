/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A snapshot of the store into [backup] dir (and the keys beside it, once),
 * asked for over the control
 * socket (`seuilctl backup --nightly` while seuild runs, the console's
 * backups).  Copying a database takes seconds on a Pi's SD card, so it
 * runs on a thread of its own with its own connection (core/backup.c's
 * online backup reads a consistent snapshot while taps go on); the loop
 * sees it finish at its next turn (snapshot_poll), records the result in
 * the store's meta table through the writer, with an admin_change event,
 * and answers.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backup.h"
#include "credkey.h"
#include "daemon.h"

struct snapshot {
	pthread_t	thread;
	atomic_bool	done;
	int		client;
	char		actor[160];
	/* The thread's input, copied: a reload may change the config. */
	char		database[PATH_MAX], dir[PATH_MAX], key_file[PATH_MAX];
	char		credkey_file[PATH_MAX];
	int		keep;
	/* Its output. */
	bool		ok;
	int		removed;
	char		file[PATH_MAX];
	char		result[2 * PATH_MAX];
};

/* The key beside the snapshots, once: a new SD card needs both.  0 if it
 * is there already or was written; -1 with why. */
static int
key_beside(const struct snapshot *s, char *err, size_t errlen)
{
	uint8_t key[UID_KEY_LEN];
	char path[PATH_MAX];
	struct stat sb;
	int fd, rc = -1;

	if (snprintf(path, sizeof(path), "%s/" BACKUP_KEY_NAME, s->dir) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", s->dir);
		return -1;
	}
	if (lstat(path, &sb) == 0)
		return 0;
	if (uid_key_load(s->key_file, key, err, errlen) == -1)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) == -1)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	else
		rc = 0;
	explicit_bzero(key, sizeof(key));
	if (fd != -1 && close(fd) == -1 && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	if (rc == -1 && fd != -1)
		unlink(path);
	return rc;
}

/* The credentials key file beside them too, once (when the site has one).
 * 0, or -1 with why. */
static int
credkey_beside(const struct snapshot *s, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat sb;

	if (snprintf(path, sizeof(path), "%s/" BACKUP_CREDKEY_NAME, s->dir) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", s->dir);
		return -1;
	}
	if (lstat(path, &sb) == 0)
		return 0;
	return credkey_copy(s->credkey_file, path, err, errlen) == -1 ? -1 : 0;
}

static void *
snapshot_run(void *arg)
{
	struct snapshot *s = arg;
	char stamp[32], err[PATH_MAX + 256];

	backup_stamp(stamp, sizeof(stamp), time(NULL));
	if (snprintf(s->file, sizeof(s->file), "%s/" BACKUP_PREFIX "%s" BACKUP_SUFFIX, s->dir,
	    stamp) >= (int)sizeof(s->file))
		snprintf(s->result, sizeof(s->result), "failed: %s: path too long", s->dir);
	else if (backup_copy(s->database, s->file, BACKUP_SNAPSHOT_MODE, err, sizeof(err)) == -1 ||
	    key_beside(s, err, sizeof(err)) == -1 || credkey_beside(s, err, sizeof(err)) == -1)
		snprintf(s->result, sizeof(s->result), "failed: %s", err);
	else if ((s->removed = backup_rotate(s->dir, s->keep, err, sizeof(err))) == -1)
		snprintf(s->result, sizeof(s->result), "failed: rotation: %s", err);
	else {
		s->ok = true;
		snprintf(s->result, sizeof(s->result), "ok");
	}
	atomic_store(&s->done, true);
	return NULL;
}

int
snapshot_start(struct daemon *d, int client, const char *actor)
{
	struct snapshot *s;

	if (d->snapshot != NULL || (s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->client = client;
	snprintf(s->actor, sizeof(s->actor), "%s", actor);
	snprintf(s->database, sizeof(s->database), "%s", d->conf->database);
	snprintf(s->dir, sizeof(s->dir), "%s", d->conf->backup_dir);
	snprintf(s->key_file, sizeof(s->key_file), "%s", d->conf->uid_key_file);
	snprintf(s->credkey_file, sizeof(s->credkey_file), "%s", d->conf->credentials_key_file);
	s->keep = d->conf->backup_keep;
	atomic_init(&s->done, false);
	if (pthread_create(&s->thread, NULL, snapshot_run, s) != 0) {
		free(s);
		return -1;
	}
	d->snapshot = s;
	log_info("backup: a snapshot into %s, asked by %s", s->dir, s->actor);
	return 0;
}

/* The record: meta keys for status and the console's health view, and the
 * audit event; on the writer thread. */
struct record_job {
	struct snapshot	*s;
};

static int
record_run(struct writer_job *j, struct store *st)
{
	struct snapshot *s = ((struct record_job *)writer_job_data(j))->s;
	char ts[32];
	struct manage_err err;

	snprintf(ts, sizeof(ts), "%lld", (long long)clock_wall_ms());
	if (store_begin(st) == -1)
		return -1;
	if (store_meta_set(st, BACKUP_META_TS, ts) == -1 ||
	    store_meta_set(st, BACKUP_META_RESULT, s->result) == -1 ||
	    store_meta_set(st, BACKUP_META_FILE, s->file) == -1 ||
	    manage_audit(st, s->actor, 0, 0, "backup %.200s: %.40s", s->file,
	    s->ok ? "ok" : "failed") == -1) {
		manage_store_fail(st, &err, "backup record");
		store_rollback(st);
		return -1;
	}
	return store_commit(st);
}

static void
record_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct snapshot *s = ((struct record_job *)writer_job_data(j))->s;
	cJSON *r;

	if (j->rc != 0)
		log_warnx("backup: %s written, but not recorded: %s", s->file, j->err);
	if (!s->ok) {
		r = control_fail(CONTROL_DATABASE, "backup %s", s->result);
	} else {
		r = control_ok();
		cJSON_AddStringToObject(r, "file", s->file);
		cJSON_AddNumberToObject(r, "removed", s->removed);
	}
	if (s->client != -1)
		control_reply(d->control, s->client, r);
	else
		cJSON_Delete(r);
	free(s);
}

void
snapshot_poll(struct daemon *d)
{
	struct snapshot *s = d->snapshot;
	struct record_job rj;

	if (s == NULL || !atomic_load(&s->done))
		return;
	pthread_join(s->thread, NULL);
	d->snapshot = NULL;
	if (s->ok)
		log_info("backup: wrote %s", s->file);
	else
		log_warnx("backup: %s", s->result);
	rj.s = s;
	if (writer_submit(d->writer, record_run, record_done, d, 0, 0, &rj, sizeof(rj)) == -1) {
		log_warnx("backup: not recorded: the writer's queue is full");
		if (s->client != -1)
			control_reply(d->control, s->client, control_fail(CONTROL_BUSY,
			    "backup %s, but not recorded: the store is busy", s->result));
		free(s);
	}
}

void
snapshot_stop(struct daemon *d)
{
	if (d->snapshot == NULL)
		return;
	pthread_join(d->snapshot->thread, NULL);
	atomic_store(&d->snapshot->done, true);
	snapshot_poll(d);
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl init: the database, the UID key and the credentials key, each
 * created only if missing. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "credkey.h"
#include "ctl.h"

#define SEUIL_USER	"seuil"

/*
 * Give one file to uid:gid by what was opened, never by path: the seuil
 * user owns the database's folder and could swap a -wal or -shm file for a
 * symlink (or a hard link) to a file of root's between a check and a
 * chown.  O_NOFOLLOW refuses a symlink, fstat a FIFO, device or a file
 * with other links; O_NONBLOCK keeps a FIFO from hanging the open.
 * 1 done, 0 missing, -1 with errno.
 */
int
ctl_give_file(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat sb;
	int fd, saved;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if (fstat(fd, &sb) == -1)
		goto fail;
	if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1) {
		errno = EPERM;
		goto fail;
	}
	if (fchown(fd, uid, gid) == -1 || (mode != 0 && fchmod(fd, mode) == -1))
		goto fail;
	close(fd);
	return 1;
fail:
	saved = errno;
	close(fd);
	errno = saved == ELOOP ? EPERM : saved;
	return -1;
}

/*
 * Before SQLite opens the database as root: it opens <db>-wal and <db>-shm
 * by path, writes them, and (as root) chowns them to the database's owner,
 * so a link planted there would be followed before give_to_seuil runs.
 * Refuse any that is not a plain regular file.  (A swap between this check
 * and SQLite's open remains possible in theory; this closes the planted
 * link that waits for the next init.)
 */
static int
check_db_companions(struct ctl *c)
{
	const char *suffix[] = { "-wal", "-shm", "-journal" };
	char path[PATH_MAX + 16];
	struct stat sb;
	size_t i;

	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", c->conf.database, suffix[i]);
		if (lstat(path, &sb) == -1) {
			if (errno == ENOENT)
				continue;
			ctl_errx("%s: %s", path, strerror(errno));
			return EX_IOERR;
		}
		if (!S_ISREG(sb.st_mode) || sb.st_nlink != 1) {
			ctl_errx("%s is not a regular file of its own (a symlink or "
			    "link was planted?): remove it and run init again", path);
			return EX_NOPERM;
		}
	}
	return EX_OK;
}

bool
ctl_seuil_ids(uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	struct group *gr;

	if (geteuid() != 0 || (pw = getpwnam(SEUIL_USER)) == NULL)
		return false;
	*uid = pw->pw_uid;
	*gid = (gr = getgrnam(SEUIL_USER)) != NULL ? gr->gr_gid : pw->pw_gid;
	return true;
}

/*
 * seuild runs as the system user seuil (systemd/seuild.service), but init
 * is run by root: without this the daemon could not read the key (0600) or
 * write the database it has just been given.  Only files that exist are
 * changed; the keys are set to 0600, the database files keep their modes.
 */
static int
give_to_seuil(struct ctl *c, cJSON *j)
{
	const char *suffix[] = { "", "-wal", "-shm" };
	char path[PATH_MAX + 8];
	struct passwd *pw;
	struct group *gr;
	gid_t gid;
	cJSON *a = NULL;
	size_t i;
	int rc;

	if (geteuid() != 0 || (pw = getpwnam(SEUIL_USER)) == NULL)
		return EX_OK;
	gid = (gr = getgrnam(SEUIL_USER)) != NULL ? gr->gr_gid : pw->pw_gid;
	if (j != NULL)
		a = cJSON_AddArrayToObject(j, "chowned");
	for (i = 0; i < 5; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s", c->conf.uid_key_file);
		else if (i == 1)
			snprintf(path, sizeof(path), "%s", c->conf.credentials_key_file);
		else
			snprintf(path, sizeof(path), "%s%s", c->conf.database, suffix[i - 2]);
		rc = ctl_give_file(path, pw->pw_uid, gid, i < 2 ? 0600 : 0);
		if (rc == 0 && i > 2)
			continue;
		if (rc != 1) {
			if (rc == 0)
				errno = ENOENT;
			ctl_errx("chown %s to %s: %s%s", path, SEUIL_USER, strerror(errno),
			    errno == EPERM ? " (not a regular file of its own: a symlink "
			    "or link was planted; remove it and run init again)" : "");
			return EX_NOPERM;
		}
		if (a != NULL)
			cJSON_AddItemToArray(a, cJSON_CreateString(path));
		else
			printf("gave %s to %s:%s\n", path, SEUIL_USER,
			    gr != NULL ? SEUIL_USER : "(its group)");
	}
	return EX_OK;
}

int
ctl_init(struct ctl *c, int argc, char **argv)
{
	uint8_t key[UID_KEY_LEN];
	struct credkey ck;
	char err[PATH_MAX + 256];
	struct stat sb;
	bool db_created, key_created, ck_created;
	int rc, version;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK)
		return rc;

	/* The key first: a database without its key cannot enrol anyone. */
	rc = uid_key_create(c->conf.uid_key_file, err, sizeof(err));
	if (rc == -1) {
		ctl_errx("%s", err);
		return EX_CANTCREAT;
	}
	key_created = rc == 1;
	/* An existing key must still be usable (size, mode). */
	if (uid_key_load(c->conf.uid_key_file, key, err, sizeof(err)) == -1) {
		ctl_errx("%s", err);
		return EX_IOERR;
	}
	memset(key, 0, sizeof(key));
	/* The DESFire keys, made with the UID key: a site that never uses
	 * DESFire cards loses nothing, and one that later does finds them in
	 * its first backup. */
	if ((rc = credkey_create(c->conf.credentials_key_file, err, sizeof(err))) == -1) {
		ctl_errx("%s", err);
		return EX_CANTCREAT;
	}
	ck_created = rc == 1;
	rc = credkey_load(c->conf.credentials_key_file, &ck, err, sizeof(err));
	credkey_wipe(&ck);
	if (rc != 1) {
		ctl_errx("%s", err);
		return EX_IOERR;
	}

	if ((rc = check_db_companions(c)) != EX_OK)
		return rc;
	db_created = stat(c->conf.database, &sb) == -1 && errno == ENOENT;
	c->st = store_open(c->conf.database, STORE_CREATE, err, sizeof(err));
	if (c->st == NULL) {
		ctl_errx("%s", err);
		return db_created ? EX_CANTCREAT : EX_IOERR;
	}
	version = store_schema_version(c->st);

	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddStringToObject(j, "database", c->conf.database);
		cJSON_AddBoolToObject(j, "database_created", db_created);
		cJSON_AddNumberToObject(j, "schema_version", version);
		cJSON_AddStringToObject(j, "key_file", c->conf.uid_key_file);
		cJSON_AddBoolToObject(j, "key_created", key_created);
		cJSON_AddStringToObject(j, "credentials_key_file", c->conf.credentials_key_file);
		cJSON_AddBoolToObject(j, "credentials_key_created", ck_created);
		if ((rc = give_to_seuil(c, j)) != EX_OK) {
			cJSON_Delete(j);
			return rc;
		}
		return ctl_json_print(c, j);
	}
	printf("%s key file %s\n", key_created ? "created" : "kept existing",
	    c->conf.uid_key_file);
	printf("%s credentials key file %s\n", ck_created ? "created" : "kept existing",
	    c->conf.credentials_key_file);
	printf("%s database %s (schema version %d)\n",
	    db_created ? "created" : "checked", c->conf.database, version);
	return give_to_seuil(c, NULL);
}

/* seuilctl init: the database and the UID key, each created only if missing. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"

#define SEUIL_USER	"seuil"

/*
 * seuild runs as the system user seuil (systemd/seuild.service), but init
 * is run by root: without this the daemon could not read the key (0600) or
 * write the database it has just been given.  Only files that exist are
 * changed; the modes stay as created (key 0600, database 0640).
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

	if (geteuid() != 0 || (pw = getpwnam(SEUIL_USER)) == NULL)
		return EX_OK;
	gid = (gr = getgrnam(SEUIL_USER)) != NULL ? gr->gr_gid : pw->pw_gid;
	if (j != NULL)
		a = cJSON_AddArrayToObject(j, "chowned");
	for (i = 0; i < 4; i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s", c->conf.uid_key_file);
		else
			snprintf(path, sizeof(path), "%s%s", c->conf.database, suffix[i - 1]);
		if (chown(path, pw->pw_uid, gid) == -1) {
			if (errno == ENOENT && i > 1)
				continue;
			ctl_errx("chown %s to %s: %s", path, SEUIL_USER, strerror(errno));
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
	char err[PATH_MAX + 256];
	struct stat sb;
	bool db_created, key_created;
	int rc, version;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != -1)
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
		if ((rc = give_to_seuil(c, j)) != EX_OK) {
			cJSON_Delete(j);
			return rc;
		}
		return ctl_json_print(j);
	}
	printf("%s key file %s\n", key_created ? "created" : "kept existing",
	    c->conf.uid_key_file);
	printf("%s database %s (schema version %d)\n",
	    db_created ? "created" : "checked", c->conf.database, version);
	return give_to_seuil(c, NULL);
}

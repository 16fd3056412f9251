/*
 * Console accounts: yescrypt hashes in the web_users table (webuser.h).
 *
 * Each call opens its own short connection to the database: accounts are
 * read at a login and written by `seuilctl web user`, never on the badge
 * path, and a connection of their own keeps the store's prepared
 * statements and transactions out of it.
 */
#include "webuser.h"

#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

static const char *const role_names[] = { "admin", "desk" };

const char *
webuser_role_name(enum webuser_role r)
{
	return (unsigned)r < 2 ? role_names[r] : "?";
}

int
webuser_role_parse(const char *s, enum webuser_role *r)
{
	if (strcmp(s, "admin") == 0)
		*r = WEBUSER_ADMIN;
	else if (strcmp(s, "desk") == 0)
		*r = WEBUSER_DESK;
	else
		return -1;
	return 0;
}

bool
webuser_valid_name(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= WEBUSER_NAME_MAX && s[0] != '-' && s[0] != '.' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_.@-") == n;
}

const char *
webuser_weak(const char *p)
{
	size_t n = strlen(p), i;

	if (n < WEBUSER_PASS_MIN)
		return "password too short (at least 8 characters)";
	if (n > WEBUSER_PASS_MAX)
		return "password too long (at most 256 bytes)";
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
			return "password holds a control character";
	return NULL;
}

int
webuser_hash(const char *password, char out[WEBUSER_HASH_MAX], char *err, size_t errlen)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	int rc = -1;

	/* "$y$" with count 0: libxcrypt's default yescrypt cost; the salt's
	 * random bytes come from the kernel (rbytes NULL). */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL) {
		snprintf(err, errlen, "yescrypt salt: %m");
		return -1;
	}
	if ((cd = calloc(1, sizeof(*cd))) == NULL) {
		snprintf(err, errlen, "%m");
		return -1;
	}
	if (crypt_rn(password, salt, cd, sizeof(*cd)) == NULL || cd->output[0] == '*' ||
	    strlen(cd->output) >= WEBUSER_HASH_MAX)
		snprintf(err, errlen, "yescrypt: cannot hash");
	else {
		memcpy(out, cd->output, strlen(cd->output) + 1);
		rc = 0;
	}
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

bool
webuser_hash_ok(const char *password, const char *hash)
{
	struct crypt_data *cd;
	size_t n = strlen(hash), i;
	unsigned char diff = 0;

	if (n == 0 || hash[0] != '$' || (cd = calloc(1, sizeof(*cd))) == NULL)
		return false;
	if (crypt_rn(password, hash, cd, sizeof(*cd)) == NULL || cd->output[0] == '*' ||
	    strlen(cd->output) != n)
		diff = 1;
	else
		for (i = 0; i < n; i++)
			diff |= (unsigned char)(cd->output[i] ^ hash[i]);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return diff == 0;
}

static sqlite3 *
db_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	return db;
}

/* Prepare sql on a new connection; *db to close after. */
static sqlite3_stmt *
prep(const char *path, sqlite3 **db, const char *sql, char *err, size_t errlen)
{
	sqlite3_stmt *s;

	if ((*db = db_open(path, err, errlen)) == NULL)
		return NULL;
	if (sqlite3_prepare_v2(*db, sql, -1, &s, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "web users: %s", sqlite3_errmsg(*db));
		sqlite3_close(*db);
		return NULL;
	}
	return s;
}

/* Step a write; 0, or -1 naming what failed. */
static int
finish(sqlite3 *db, sqlite3_stmt *s, const char *name, char *err, size_t errlen)
{
	int rc = sqlite3_step(s), ret = 0;

	if (rc == SQLITE_CONSTRAINT) {
		snprintf(err, errlen, "console user '%s' exists already", name);
		ret = -1;
	} else if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "web users: %s", sqlite3_errmsg(db));
		ret = -1;
	} else if (sqlite3_changes(db) == 0) {
		snprintf(err, errlen, "no console user '%s'", name);
		ret = -1;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return ret;
}

int
webuser_add(const char *path, const char *name, enum webuser_role role,
    const char *password, int64_t now_ms, char *err, size_t errlen)
{
	char hash[WEBUSER_HASH_MAX];
	sqlite3_stmt *s;
	sqlite3 *db;

	if (!webuser_valid_name(name)) {
		snprintf(err, errlen, "bad console user name (1 to %d of A-Z a-z 0-9 _ . @ -)",
		    WEBUSER_NAME_MAX);
		return -1;
	}
	if (webuser_hash(password, hash, err, errlen) == -1)
		return -1;
	if ((s = prep(path, &db, "INSERT INTO web_users(name, role, hash, created) "
	    "VALUES (?, ?, ?, ?)", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, webuser_role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 4, now_ms);
	return finish(db, s, name, err, errlen);
}

int
webuser_passwd(const char *path, const char *name, const char *password, char *err,
    size_t errlen)
{
	char hash[WEBUSER_HASH_MAX];
	sqlite3_stmt *s;
	sqlite3 *db;

	if (webuser_hash(password, hash, err, errlen) == -1)
		return -1;
	if ((s = prep(path, &db, "UPDATE web_users SET hash = ? WHERE name = ?", err,
	    errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, name, -1, SQLITE_STATIC);
	return finish(db, s, name, err, errlen);
}

int
webuser_del(const char *path, const char *name, char *err, size_t errlen)
{
	sqlite3_stmt *s;
	sqlite3 *db;

	if ((s = prep(path, &db, "DELETE FROM web_users WHERE name = ?", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	return finish(db, s, name, err, errlen);
}

static void
read_row(sqlite3_stmt *s, struct webuser *u)
{
	const unsigned char *t;

	memset(u, 0, sizeof(*u));
	if ((t = sqlite3_column_text(s, 0)) != NULL)
		snprintf(u->name, sizeof(u->name), "%s", (const char *)t);
	t = sqlite3_column_text(s, 1);
	u->role = t != NULL && strcmp((const char *)t, "admin") == 0 ? WEBUSER_ADMIN :
	    WEBUSER_DESK;
	u->created_ms = sqlite3_column_int64(s, 2);
}

int
webuser_list(const char *path, int (*cb)(const struct webuser *, void *), void *arg,
    char *err, size_t errlen)
{
	struct webuser u;
	sqlite3_stmt *s;
	sqlite3 *db;
	int rc, n = 0;

	if ((s = prep(path, &db, "SELECT name, role, created FROM web_users ORDER BY name",
	    err, errlen)) == NULL)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		read_row(s, &u);
		n++;
		if (cb(&u, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "web users: %s", sqlite3_errmsg(db));
		n = -1;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	return n;
}

/* The hash an unknown name is checked against, so that it takes as long as
 * a known one (made once, from a password nobody has). */
static const char *
dummy_hash(void)
{
	static char hash[WEBUSER_HASH_MAX];
	char err[64];

	if (hash[0] == '\0' && webuser_hash("seuil-no-such-user", hash, err, sizeof(err)) == -1)
		hash[0] = '\0';
	return hash;
}

int
webuser_verify(const char *path, const char *name, const char *password, struct webuser *u,
    char *err, size_t errlen)
{
	char hash[WEBUSER_HASH_MAX] = "";
	const unsigned char *t;
	sqlite3_stmt *s;
	sqlite3 *db;
	int rc;

	if ((s = prep(path, &db, "SELECT name, role, created, hash FROM web_users "
	    "WHERE name = ?", err, errlen)) == NULL)
		return -1;
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		read_row(s, u);
		if ((t = sqlite3_column_text(s, 3)) != NULL)
			snprintf(hash, sizeof(hash), "%s", (const char *)t);
	} else if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "web users: %s", sqlite3_errmsg(db));
		sqlite3_finalize(s);
		sqlite3_close(db);
		return -1;
	}
	sqlite3_finalize(s);
	sqlite3_close(db);
	if (rc != SQLITE_ROW) {
		(void)webuser_hash_ok(password, dummy_hash());
		return 0;
	}
	return webuser_hash_ok(password, hash) ? 1 : 0;
}

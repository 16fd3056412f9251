/*
 * Console accounts: yescrypt hashes in the web_users table (webuser.h).
 *
 * Every change runs on the store's connection, in one transaction with
 * its admin_change event: an account is never changed without the audit
 * trail saying who did it, nor the event logged for a change that did not
 * happen.  The hash is made before the transaction (it is slow on
 * purpose), so the write lock is held only for the two inserts.
 */
#include "webuser.h"

#include <crypt.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manage.h"

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

/* err from the store's message, or what the caller names. */
static void
store_err(struct store *st, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, store_errmsg(st));
}

/*
 * Run change (one of the store_webuser_* writes, through the callback)
 * and its admin_change event in one transaction.  change returns 1 done,
 * 0 no such account, -1.
 */
static int
audited(struct store *st, const char *actor, const char *name, char *err, size_t errlen,
    int (*change)(struct store *, const void *), const void *arg, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static int
audited(struct store *st, const char *actor, const char *name, char *err, size_t errlen,
    int (*change)(struct store *, const void *), const void *arg, const char *fmt, ...)
{
	char detail[256];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	if (store_begin(st) == -1) {
		store_err(st, "web users", err, errlen);
		return -1;
	}
	if ((rc = change(st, arg)) == 1 && manage_audit(st, actor, 0, 0, "%s", detail) != -1 &&
	    store_commit(st) != -1)
		return 0;
	if (rc == 0)
		snprintf(err, errlen, "no console user '%s'", name);
	else if (store_errcode(st) == STORE_EEXIST)
		snprintf(err, errlen, "%s", store_errmsg(st));
	else
		store_err(st, rc == -1 ? "web users" : "web users: audit event", err, errlen);
	store_rollback(st);
	return -1;
}

static int
do_add(struct store *st, const void *arg)
{
	return store_webuser_add(st, arg) == -1 ? -1 : 1;
}

struct set_hash {
	const char	*name;
	const char	*hash;
};

static int
do_set_hash(struct store *st, const void *arg)
{
	const struct set_hash *h = arg;

	return store_webuser_set_hash(st, h->name, h->hash);
}

static int
do_del(struct store *st, const void *arg)
{
	return store_webuser_del(st, arg);
}

int
webuser_add(struct store *st, const char *name, enum webuser_role role,
    const char *password, int64_t now_ms, const char *actor, char *err, size_t errlen)
{
	struct store_webuser u;
	int rc;

	if (!webuser_valid_name(name)) {
		snprintf(err, errlen, "bad console user name (1 to %d of A-Z a-z 0-9 _ . @ -)",
		    WEBUSER_NAME_MAX);
		return -1;
	}
	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	snprintf(u.role, sizeof(u.role), "%s", webuser_role_name(role));
	u.created_ms = now_ms;
	if (webuser_hash(password, u.hash, err, errlen) == -1)
		return -1;
	rc = audited(st, actor, name, err, errlen, do_add, &u, "web user add %s %s", name,
	    webuser_role_name(role));
	explicit_bzero(u.hash, sizeof(u.hash));
	return rc;
}

int
webuser_passwd(struct store *st, const char *name, const char *password, const char *actor,
    char *err, size_t errlen)
{
	char hash[WEBUSER_HASH_MAX];
	struct set_hash h = { name, hash };
	int rc;

	if (webuser_hash(password, hash, err, errlen) == -1)
		return -1;
	rc = audited(st, actor, name, err, errlen, do_set_hash, &h, "web user passwd %s", name);
	explicit_bzero(hash, sizeof(hash));
	return rc;
}

int
webuser_del(struct store *st, const char *name, const char *actor, char *err, size_t errlen)
{
	return audited(st, actor, name, err, errlen, do_del, name, "web user del %s", name);
}

static void
from_row(const struct store_webuser *r, struct webuser *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", r->name);
	u->role = strcmp(r->role, "admin") == 0 ? WEBUSER_ADMIN : WEBUSER_DESK;
	u->created_ms = r->created_ms;
}

struct list_ctx {
	int	(*cb)(const struct webuser *, void *);
	void	*arg;
};

static int
list_cb(const struct store_webuser *r, void *arg)
{
	struct list_ctx *x = arg;
	struct webuser u;

	from_row(r, &u);
	return x->cb(&u, x->arg);
}

int
webuser_list(struct store *st, int (*cb)(const struct webuser *, void *), void *arg,
    char *err, size_t errlen)
{
	struct list_ctx x = { cb, arg };
	int n;

	if ((n = store_webusers_list(st, list_cb, &x)) == -1)
		store_err(st, "web users", err, errlen);
	return n;
}

/*
 * The hash an unknown name is checked against, so that it takes as long as
 * a known one: made once, from a password nobody has, with the cost of
 * every new hash.  seuil-web checks logins on several connection threads
 * at once, so it is made under pthread_once: filled lazily by whichever
 * thread came first, it was read by others while being written.
 */
static char dummy[WEBUSER_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void
dummy_make(void)
{
	char err[64];

	if (webuser_hash("seuil-no-such-user", dummy, err, sizeof(err)) == -1)
		dummy[0] = '\0';
}

static const char *
dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_make);
	return dummy;
}

int
webuser_lookup(struct store *st, const char *name, struct webuser *u,
    char hash[WEBUSER_HASH_MAX], char *err, size_t errlen)
{
	struct store_webuser r;
	int rc;

	hash[0] = '\0';
	if ((rc = store_webuser_get(st, name, &r)) == -1) {
		store_err(st, "web users", err, errlen);
		return -1;
	}
	if (rc == 1) {
		from_row(&r, u);
		snprintf(hash, WEBUSER_HASH_MAX, "%s", r.hash);
		explicit_bzero(&r, sizeof(r));
	}
	return rc;
}

bool
webuser_password_ok(bool found, const char *password, const char *hash)
{
	if (!found) {
		(void)webuser_hash_ok(password, dummy_hash());
		return false;
	}
	return webuser_hash_ok(password, hash);
}

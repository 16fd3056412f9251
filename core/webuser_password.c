/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Console passwords: yescrypt hashes made and checked (webuser.h), and the
 * login's lookup.  Apart from webuser.c so that a program that only
 * changes accounts (seuild, which gets hashes from its clients) does not
 * link libcrypt.
 */
#include "webuser.h"

#include <crypt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		snprintf(err, errlen, "web users: %s", store_errmsg(st));
		return -1;
	}
	if (rc == 1) {
		webuser_from_row(&r, u);
		snprintf(hash, WEBUSER_HASH_MAX, "%s", r.hash);
		explicit_bzero(&r, sizeof(r));
	}
	return rc;
}

int
webuser_member_hash(struct store *st, int64_t member_id, char hash[WEBUSER_HASH_MAX],
    char *err, size_t errlen)
{
	struct store_member_account a;
	struct member_row m;
	int rc;

	hash[0] = '\0';
	if ((rc = store_member_get(st, member_id, &m)) == 1 && m.active && !m.erased)
		rc = store_member_account_get(st, member_id, &a);
	else if (rc == 1)
		rc = 0;
	if (rc == -1) {
		snprintf(err, errlen, "member accounts: %s", store_errmsg(st));
		return -1;
	}
	if (rc == 1)
		snprintf(hash, WEBUSER_HASH_MAX, "%s", a.hash);
	explicit_bzero(&a, sizeof(a));
	return rc;
}

int
webuser_lookup_any(struct store *st, const char *name, struct webuser *u,
    char hash[WEBUSER_HASH_MAX], char *err, size_t errlen)
{
	struct member_row m;
	const char *p;
	int rc;

	if ((rc = webuser_lookup(st, name, u, hash, err, errlen)) != 0)
		return rc;
	for (p = name; *p >= '0' && *p <= '9'; p++)
		;
	if (*p == '\0')
		return 0;	/* all digits: an id, which is no name to sign in with */
	if ((rc = store_member_find(st, name, &m)) == 1 &&
	    (rc = webuser_member_hash(st, m.id, hash, err, errlen)) == 1) {
		memset(u, 0, sizeof(*u));
		snprintf(u->name, sizeof(u->name), "%.32s", m.name);
		u->role = WEBUSER_MEMBER;
		u->member_id = m.id;
	}
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "members: %s", store_errmsg(st));
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

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Console sessions, in memory: a restart of seuil-web logs everyone out,
 * which is the safe direction.
 *
 * A session is a 256-bit random token (the cookie) and a second one (the
 * CSRF token, which the page sends back in X-CSRF-Token: a page of another
 * site can make the browser send the cookie, never read the token).  It
 * ends at session_timeout after the login, or after session_timeout
 * without a request, whichever comes first.  Times are monotonic.
 *
 * It also ends as soon as its account is deleted or changes role or
 * password: every request reads the account again from the store (one
 * indexed row) and compares its role and a digest of its password hash
 * with those of the login.  A change made by another process (`seuilctl
 * web user del` while seuil-web runs) is seen the same way, at the next
 * request.  A new password always changes the hash (its salt is new), so
 * does an account deleted and made again under the same name.
 */
#include <string.h>
#include <sys/random.h>

#include <openssl/sha.h>

#include "clock.h"
#include "log.h"
#include "web.h"

int
random_hex(char *out, size_t nbytes)
{
	unsigned char b[64];
	size_t i, got = 0;
	ssize_t n;

	if (nbytes > sizeof(b))
		return -1;
	while (got < nbytes) {
		if ((n = getrandom(b + got, nbytes - got, 0)) <= 0)
			return -1;
		got += (size_t)n;
	}
	for (i = 0; i < nbytes; i++) {
		out[2 * i] = "0123456789abcdef"[b[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[b[i] & 15];
	}
	out[2 * nbytes] = '\0';
	explicit_bzero(b, sizeof(b));
	return 0;
}

/* Constant time over the expected length. */
bool
token_eq(const char *a, const char *b)
{
	size_t n = strlen(b), i;
	unsigned char d = 0;

	if (a == NULL || strlen(a) != n || n == 0)
		return false;
	for (i = 0; i < n; i++)
		d |= (unsigned char)(a[i] ^ b[i]);
	return d == 0;
}

void
session_init(struct web *w)
{
	memset(w->sessions, 0, sizeof(w->sessions));
}

static bool
expired(const struct web *w, const struct session *s, int64_t now)
{
	int64_t t = w->conf.web_session_timeout_ms;

	return now - s->created_ms >= t || now - s->last_ms >= t;
}

static void
hash_id(const char *hash, unsigned char out[32])
{
	SHA256((const unsigned char *)hash, strlen(hash), out);
}

int
session_new(struct web *w, const struct webuser *u, const char *hash, struct session *out)
{
	struct session *s = NULL, *oldest = NULL;
	int64_t now = clock_mono_ms();
	int i;

	for (i = 0; i < WEB_MAX_SESSIONS; i++) {
		if (w->sessions[i].used && expired(w, &w->sessions[i], now))
			memset(&w->sessions[i], 0, sizeof(w->sessions[i]));
		if (!w->sessions[i].used && s == NULL)
			s = &w->sessions[i];
		if (w->sessions[i].used && (oldest == NULL ||
		    w->sessions[i].last_ms < oldest->last_ms))
			oldest = &w->sessions[i];
	}
	if (s == NULL)
		s = oldest;	/* full: the least recently used one goes */
	memset(s, 0, sizeof(*s));
	if (random_hex(s->token, WEB_TOKEN_HEX / 2) == -1 ||
	    random_hex(s->csrf, WEB_TOKEN_HEX / 2) == -1) {
		memset(s, 0, sizeof(*s));
		return -1;
	}
	snprintf(s->user, sizeof(s->user), "%s", u->name);
	s->role = u->role;
	s->member_id = u->member_id;
	s->pending = u->role == WEBUSER_MEMBER && hash[0] == '!';
	hash_id(hash, s->hash_id);
	s->created_ms = s->last_ms = now;
	s->used = true;
	*out = *s;
	return 0;
}

/* Whether s's account is still as it was at the login: 1, 0 (then s is
 * ended), -1 when the store does not answer. */
static int
account_same(struct web *w, struct session *s)
{
	char hash[WEBUSER_HASH_MAX], err[256];
	unsigned char id[32];
	struct webuser u;
	int rc;

	/* A member's account is theirs by id (a renamed member keeps it), and
	 * goes when the member is disabled or erased. */
	if (s->role == WEBUSER_MEMBER) {
		u.role = WEBUSER_MEMBER;
		rc = webuser_member_hash(w->st, s->member_id, hash, err, sizeof(err));
	} else
		rc = webuser_lookup(w->st, s->user, &u, hash, err, sizeof(err));
	if (rc == -1) {
		log_warnx("session of %s: %s", s->user, err);
		return -1;
	}
	if (rc == 1)
		hash_id(hash, id);
	explicit_bzero(hash, sizeof(hash));
	if (rc == 1 && u.role == s->role && memcmp(id, s->hash_id, sizeof(id)) == 0)
		return 1;
	log_info("session of %s ended: the account %s", s->user, rc == 0 ? "was deleted" :
	    u.role != s->role ? "changed role" : "changed password");
	memset(s, 0, sizeof(*s));
	return 0;
}

void
session_rehash(struct web *w, const char *token, const char *hash)
{
	for (int i = 0; i < WEB_MAX_SESSIONS; i++)
		if (w->sessions[i].used && token_eq(token, w->sessions[i].token)) {
			hash_id(hash, w->sessions[i].hash_id);
			w->sessions[i].pending = false;
		}
}

int
session_find(struct web *w, const char *token, struct session **out)
{
	int64_t now = clock_mono_ms();
	struct session *found = NULL;
	int i, rc;

	*out = NULL;
	if (token == NULL || strlen(token) != WEB_TOKEN_HEX)
		return 0;
	for (i = 0; i < WEB_MAX_SESSIONS; i++) {
		struct session *s = &w->sessions[i];

		if (!s->used)
			continue;
		if (expired(w, s, now)) {
			memset(s, 0, sizeof(*s));
			continue;
		}
		if (token_eq(token, s->token))
			found = s;
	}
	if (found == NULL)
		return 0;
	if ((rc = account_same(w, found)) != 1)
		return rc;
	found->last_ms = now;
	*out = found;
	return 1;
}

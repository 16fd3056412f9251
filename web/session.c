/*
 * Console sessions and the login throttle, all in memory: a restart of
 * seuil-web logs everyone out, which is the safe direction.
 *
 * A session is a 256-bit random token (the cookie) and a second one (the
 * CSRF token, which the page sends back in X-CSRF-Token: a page of another
 * site can make the browser send the cookie, never read the token).  It
 * ends at session_timeout after the login, or after session_timeout
 * without a request, whichever comes first.  Times are monotonic.
 */
#include <string.h>
#include <sys/random.h>

#include "clock.h"
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

int
session_new(struct web *w, const struct webuser *u, struct session *out)
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
	s->created_ms = s->last_ms = now;
	s->used = true;
	*out = *s;
	return 0;
}

struct session *
session_find(struct web *w, const char *token)
{
	int64_t now = clock_mono_ms();
	struct session *found = NULL;
	int i;

	if (token == NULL || strlen(token) != WEB_TOKEN_HEX)
		return NULL;
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
	if (found != NULL)
		found->last_ms = now;
	return found;
}

/*
 * The login throttle: the times of recent failures per user name and per
 * address, in a small table (the oldest entry is reused when it is full,
 * which an attacker could use to flush it, but only by failing from many
 * addresses at once, and the per-user count then still holds).
 */
#define THROTTLE_KEYS	256
#define THROTTLE_KEEP	(WEB_LOGIN_FAILURES + 1)

static struct {
	char	key[80];		/* "u:NAME" or "a:ADDRESS" */
	int64_t	times[THROTTLE_KEEP];	/* monotonic ms, ring */
	int	next;
	int64_t	last;
} throttle[THROTTLE_KEYS];

static int
throttle_slot(const char *key, bool create)
{
	int i, free_i = -1, old_i = 0;

	for (i = 0; i < THROTTLE_KEYS; i++) {
		if (throttle[i].key[0] != '\0' && strcmp(throttle[i].key, key) == 0)
			return i;
		if (throttle[i].key[0] == '\0' && free_i == -1)
			free_i = i;
		if (throttle[i].last < throttle[old_i].last)
			old_i = i;
	}
	if (!create)
		return -1;
	i = free_i != -1 ? free_i : old_i;
	memset(&throttle[i], 0, sizeof(throttle[i]));
	snprintf(throttle[i].key, sizeof(throttle[i].key), "%s", key);
	return i;
}

/* Seconds until key may try again (0: now). */
static int
key_wait(const char *key, int64_t now)
{
	int i = throttle_slot(key, false), j, n = 0;
	int64_t oldest = INT64_MAX;

	if (i == -1)
		return 0;
	for (j = 0; j < THROTTLE_KEEP; j++) {
		int64_t t = throttle[i].times[j];

		if (t != 0 && now - t < WEB_LOGIN_WINDOW_MS) {
			n++;
			if (t < oldest)
				oldest = t;
		}
	}
	/* More than WEB_LOGIN_FAILURES failures in the window is refused:
	 * after the fifth, the next try waits until the oldest leaves it. */
	if (n < WEB_LOGIN_FAILURES)
		return 0;
	return (int)((oldest + WEB_LOGIN_WINDOW_MS - now + 999) / 1000);
}

static void
key_fail(const char *key, int64_t now)
{
	int i = throttle_slot(key, true);

	throttle[i].times[throttle[i].next] = now;
	throttle[i].next = (throttle[i].next + 1) % THROTTLE_KEEP;
	throttle[i].last = now;
}

int
throttle_wait(const char *user, const char *addr)
{
	char k[80];
	int64_t now = clock_mono_ms();
	int a, b;

	snprintf(k, sizeof(k), "u:%s", user);
	a = key_wait(k, now);
	snprintf(k, sizeof(k), "a:%s", addr);
	b = key_wait(k, now);
	return a > b ? a : b;
}

void
throttle_fail(const char *user, const char *addr)
{
	char k[80];
	int64_t now = clock_mono_ms();

	snprintf(k, sizeof(k), "u:%s", user);
	key_fail(k, now);
	snprintf(k, sizeof(k), "a:%s", addr);
	key_fail(k, now);
}

void
throttle_reset(const char *user)
{
	char k[80];
	int i;

	snprintf(k, sizeof(k), "u:%s", user);
	if ((i = throttle_slot(k, false)) != -1)
		memset(&throttle[i], 0, sizeof(throttle[i]));
}

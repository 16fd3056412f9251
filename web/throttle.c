/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The login throttle: at most WEB_LOGIN_FAILURES failed logins in
 * WEB_LOGIN_WINDOW_MS for one account, one name and one address, in
 * memory, with the caller's monotonic clock.
 *
 * Why it is built this way (each rule closes a way around it):
 *
 * - A counter is never evicted while it holds a failure inside the
 *   window.  A table that reused its oldest slot could be flushed by
 *   failing with fresh names from fresh addresses, then the target's count
 *   started again at zero.
 * - Real accounts have their own table, apart from the addresses and the
 *   unknown names a stranger can make up at will: nobody can fill it but
 *   by failing against real accounts, which is counted.
 * - An IPv6 client owns a whole /64 (web_addr_group): its addresses count
 *   as one, or each of its 2^64 addresses would be a fresh one.
 * - Every failure costs a yescrypt hash (an unknown name is checked
 *   against a stand-in hash to take as long), so failures are also capped
 *   globally per window.
 * - A full table or the global cap refuses (429) only a new address trying
 *   an unknown name: a real account with no failures of its own, from an
 *   address with none, still logs in under a flood.
 * - An attempt is counted when it begins, before the slow hash, and
 *   forgiven when it succeeds: concurrent attempts cannot all pass the
 *   check before the first one fails.
 *
 * A success forgets the account's failures from before it (its owner is
 * here) and only its own attempt at the address and in the global count.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "web.h"

#define THROTTLE_SLOTS	256	/* per table */

struct counter {
	char	key[WEB_ADDR_GROUP_MAX];
	int64_t	times[WEB_LOGIN_FAILURES];	/* the newest failures; 0: none */
};

struct table {
	struct counter	slot[THROTTLE_SLOTS];
};

struct throttle {
	struct table	accounts;	/* real accounts */
	struct table	names;		/* names that are no account */
	struct table	addresses;	/* address groups */
	int64_t		global[WEB_LOGIN_GLOBAL];	/* the newest failures; 0: none */
};

_Static_assert(WEBUSER_NAME_MAX < WEB_ADDR_GROUP_MAX, "a name must fit a counter's key");

struct throttle *
throttle_new(void)
{
	return calloc(1, sizeof(struct throttle));
}

void
throttle_free(struct throttle *t)
{
	free(t);
}

static bool
in_window(int64_t t, int64_t now)
{
	return t != 0 && now - t < WEB_LOGIN_WINDOW_MS;
}

/* Failures among times[n] in the window, and the oldest and newest of
 * them. */
static int
live(const int64_t *times, int n, int64_t now, int64_t *oldest, int64_t *newest)
{
	int i, k = 0;

	*oldest = INT64_MAX;
	*newest = 0;
	for (i = 0; i < n; i++) {
		if (!in_window(times[i], now))
			continue;
		k++;
		if (times[i] < *oldest)
			*oldest = times[i];
		if (times[i] > *newest)
			*newest = times[i];
	}
	return k;
}

/* Keep a failure at now in place of the oldest one (or of none). */
static void
record(int64_t *times, int n, int64_t now)
{
	int i, old = 0;

	for (i = 1; i < n; i++)
		if (times[i] < times[old])
			old = i;
	times[old] = now;
}

/* Whole seconds from now until ms_at (at least 1). */
static int
secs_until(int64_t ms_at, int64_t now)
{
	int64_t s = (ms_at - now + 999) / 1000;

	return s < 1 ? 1 : (int)s;
}

/* Seconds c must wait (0: it may try).  A counter keeps exactly the
 * newest WEB_LOGIN_FAILURES: when all are in the window, the next try
 * waits until the oldest leaves it. */
static int
counter_wait(const struct counter *c, int64_t now)
{
	int64_t oldest, newest;

	if (c == NULL || live(c->times, WEB_LOGIN_FAILURES, now, &oldest, &newest) <
	    WEB_LOGIN_FAILURES)
		return 0;
	return secs_until(oldest + WEB_LOGIN_WINDOW_MS, now);
}

/* Whether the new address at c (NULL: none yet) has no failure in the
 * window. */
static bool
fresh(const struct counter *c, int64_t now)
{
	int64_t oldest, newest;

	return c == NULL || live(c->times, WEB_LOGIN_FAILURES, now, &oldest, &newest) == 0;
}

static struct counter *
find(struct table *tb, const char *key)
{
	int i;

	for (i = 0; i < THROTTLE_SLOTS; i++)
		if (tb->slot[i].key[0] != '\0' && strcmp(tb->slot[i].key, key) == 0)
			return &tb->slot[i];
	return NULL;
}

/*
 * key's counter, or a new one in a slot that is empty or holds no
 * failure inside the window; NULL when every slot still does (never
 * evicted: that is what kept the counts).  *wait is then how long until
 * one frees.
 */
static struct counter *
claim(struct table *tb, const char *key, int64_t now, int *wait)
{
	struct counter *c = find(tb, key);
	int64_t oldest, newest, soonest = INT64_MAX;
	int i;

	if (c != NULL)
		return c;
	for (i = 0; i < THROTTLE_SLOTS; i++) {
		c = &tb->slot[i];
		if (c->key[0] == '\0' ||
		    live(c->times, WEB_LOGIN_FAILURES, now, &oldest, &newest) == 0) {
			memset(c, 0, sizeof(*c));
			snprintf(c->key, sizeof(c->key), "%s", key);
			return c;
		}
		if (newest < soonest)
			soonest = newest;
	}
	*wait = secs_until(soonest + WEB_LOGIN_WINDOW_MS, now);
	return NULL;
}

/* Forget one failure at exactly t (the attempt that began then). */
static void
forgive(int64_t *times, int n, int64_t t)
{
	int i;

	for (i = 0; i < n; i++)
		if (times[i] == t) {
			times[i] = 0;
			return;
		}
}

int
throttle_begin(struct throttle *t, const char *account, const char *name,
    const char *group, int64_t now)
{
	struct counter *acc, *nm = NULL, *addr;
	int64_t oldest, newest;
	int wait, w;

	if (now <= 0)
		now = 1;	/* 0 means "no failure" in the rings */
	acc = account != NULL ? find(&t->accounts, account) : NULL;
	if (account == NULL)
		nm = find(&t->names, name);
	addr = find(&t->addresses, group);
	wait = counter_wait(acc, now);
	if ((w = counter_wait(nm, now)) > wait)
		wait = w;
	if ((w = counter_wait(addr, now)) > wait)
		wait = w;
	if (wait > 0)
		return wait;

	if (account == NULL) {
		/* A stranger's name: refused when the global cap is reached
		 * for a new address, and whenever no counter can be kept. */
		if (fresh(addr, now) && live(t->global, WEB_LOGIN_GLOBAL, now, &oldest,
		    &newest) >= WEB_LOGIN_GLOBAL)
			return secs_until(oldest + WEB_LOGIN_WINDOW_MS, now);
		w = 0;
		if ((addr = claim(&t->addresses, group, now, &w)) == NULL ||
		    (nm = claim(&t->names, name, now, &w)) == NULL)
			return w;
		record(nm->times, WEB_LOGIN_FAILURES, now);
	} else {
		/* A real account is counted always; its address when a slot
		 * is free (a full address table does not lock it out). */
		w = 0;
		if ((acc = claim(&t->accounts, account, now, &w)) == NULL)
			return w;
		addr = claim(&t->addresses, group, now, &w);
		record(acc->times, WEB_LOGIN_FAILURES, now);
	}
	if (addr != NULL)
		record(addr->times, WEB_LOGIN_FAILURES, now);
	record(t->global, WEB_LOGIN_GLOBAL, now);
	return 0;
}

void
throttle_success(struct throttle *t, const char *account, const char *group,
    int64_t began)
{
	struct counter *c;
	int i;

	if (began <= 0)
		began = 1;
	if ((c = find(&t->accounts, account)) != NULL)
		for (i = 0; i < WEB_LOGIN_FAILURES; i++)
			if (c->times[i] <= began)
				c->times[i] = 0;
	if ((c = find(&t->addresses, group)) != NULL)
		forgive(c->times, WEB_LOGIN_FAILURES, began);
	forgive(t->global, WEB_LOGIN_GLOBAL, began);
}

void
web_addr_group(const struct sockaddr *sa, char out[WEB_ADDR_GROUP_MAX])
{
	struct in6_addr a6;
	struct in_addr a4;
	char buf[INET6_ADDRSTRLEN];

	snprintf(out, WEB_ADDR_GROUP_MAX, "?");
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		memcpy(&a4, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, sizeof(a4));
		if (inet_ntop(AF_INET, &a4, buf, sizeof(buf)) != NULL)
			snprintf(out, WEB_ADDR_GROUP_MAX, "%s", buf);
		return;
	}
	if (sa->sa_family != AF_INET6)
		return;
	memcpy(&a6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, sizeof(a6));
	if (IN6_IS_ADDR_V4MAPPED(&a6)) {
		memcpy(&a4, &a6.s6_addr[12], sizeof(a4));
		if (inet_ntop(AF_INET, &a4, buf, sizeof(buf)) != NULL)
			snprintf(out, WEB_ADDR_GROUP_MAX, "%s", buf);
		return;
	}
	memset(&a6.s6_addr[8], 0, 8);
	if (inet_ntop(AF_INET6, &a6, buf, sizeof(buf)) != NULL)
		snprintf(out, WEB_ADDR_GROUP_MAX, "%s/64", buf);
}

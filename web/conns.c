/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Connections and their deadlines.
 *
 * libmicrohttpd's own timeout is an idle one: a client that sends a byte
 * of its headers every few seconds is never idle, and a few such clients
 * held every connection while real requests were refused.  So seuil-web
 * keeps its own table of connections, filled from libmicrohttpd's
 * connection notifications, and:
 *
 * - gives a request WEB_HEADERS_S to send its headers (counted from the
 *   connection, or from the end of the previous request on it; the TLS
 *   handshake counts too), then WEB_BODY_S to send its body;
 * - lets one address (one IPv6 /64) hold at most WEB_PER_ADDRESS;
 * - with WEB_MAX_CONNECTIONS open, makes room for each new one by dropping
 *   the oldest connection still sending its request: a real client's
 *   request arrives within milliseconds, a slow one's never does, so it
 *   is the slow ones that go.
 *
 * A connection is dropped with shutdown(): its own thread then reads the
 * end and closes it.  libmicrohttpd reports a connection closed before it
 * closes the socket, and the report takes the table's lock, so a
 * shutdown() made under the lock never reaches a descriptor that was
 * closed and reused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "web.h"

struct conn {
	bool		 used;
	bool		 dropped;	/* shut down, not yet reported closed */
	int		 fd;
	enum conn_state	 state;
	int64_t		 since_ms;	/* when state began */
	char		 group[WEB_ADDR_GROUP_MAX];
};

struct conns {
	pthread_mutex_t	 lock;
	struct conn	 c[WEB_HARD_CONNECTIONS];
};

struct conns *
conns_new(void)
{
	struct conns *cs = calloc(1, sizeof(*cs));

	if (cs != NULL && pthread_mutex_init(&cs->lock, NULL) != 0) {
		free(cs);
		return NULL;
	}
	return cs;
}

void
conns_free(struct conns *cs)
{
	if (cs == NULL)
		return;
	pthread_mutex_destroy(&cs->lock);
	free(cs);
}

static void
drop(struct conn *c)
{
	if (c->dropped)
		return;
	shutdown(c->fd, SHUT_RDWR);
	c->dropped = true;
}

static bool
reading(const struct conn *c)
{
	return c->used && !c->dropped && c->state != CONN_BUSY;
}

struct conn *
conns_open(struct conns *cs, int fd, const char *group, int64_t now, int *dropped)
{
	struct conn *slot = NULL, *oldest = NULL;
	int i, open = 0, same = 0;

	*dropped = 0;
	pthread_mutex_lock(&cs->lock);
	for (i = 0; i < WEB_HARD_CONNECTIONS; i++) {
		struct conn *c = &cs->c[i];

		if (!c->used) {
			if (slot == NULL)
				slot = c;
			continue;
		}
		if (c->dropped)
			continue;
		open++;
		if (strcmp(c->group, group) == 0)
			same++;
		if (reading(c) && (oldest == NULL || c->since_ms < oldest->since_ms))
			oldest = c;
	}
	if (slot == NULL) {	/* cannot happen: libmicrohttpd's limit is ours */
		pthread_mutex_unlock(&cs->lock);
		shutdown(fd, SHUT_RDWR);
		*dropped = 1;
		return NULL;
	}
	memset(slot, 0, sizeof(*slot));
	slot->used = true;
	slot->fd = fd;
	slot->state = CONN_HEADERS;
	slot->since_ms = now;
	snprintf(slot->group, sizeof(slot->group), "%s", group);
	if (same >= WEB_PER_ADDRESS) {
		drop(slot);
		*dropped = 1;
	} else if (open >= WEB_MAX_CONNECTIONS && oldest != NULL) {
		drop(oldest);
		*dropped = 1;
	}
	pthread_mutex_unlock(&cs->lock);
	return slot;
}

void
conns_set(struct conns *cs, struct conn *c, enum conn_state state, int64_t now)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&cs->lock);
	c->state = state;
	c->since_ms = now;
	pthread_mutex_unlock(&cs->lock);
}

void
conns_closed(struct conns *cs, struct conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&cs->lock);
	memset(c, 0, sizeof(*c));
	pthread_mutex_unlock(&cs->lock);
}

int
conns_reap(struct conns *cs, int64_t now)
{
	int i, n = 0;

	pthread_mutex_lock(&cs->lock);
	for (i = 0; i < WEB_HARD_CONNECTIONS; i++) {
		struct conn *c = &cs->c[i];
		int64_t limit = c->state == CONN_HEADERS ? WEB_HEADERS_S * 1000 :
		    WEB_BODY_S * 1000;

		if (reading(c) && now - c->since_ms >= limit) {
			drop(c);
			n++;
		}
	}
	pthread_mutex_unlock(&cs->lock);
	return n;
}

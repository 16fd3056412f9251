/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reader supervision.  Each reader runs in a child process (libnfc blocks,
 * and can hang for minutes when a reader is unplugged) that talks to the
 * daemon over a SOCK_SEQPACKET socketpair with fixed-size messages.  The
 * parent validates every message, kills a child that misses its heartbeat
 * deadline, and starts a new one with backoff (1 s doubling to 30 s).  The
 * main loop never calls into a reader and never blocks on one.
 *
 * A libnfc reader that reads DESFire credentials (credential = desfire or
 * both) or enrols holds ISO 14443-4 cards for an exchange
 * (firmware-glue/reader_child.h); the exchange itself runs on a thread
 * (daemon/exchange.h) with a duplicate of the child's exchange socket.
 */
#ifndef SEUIL_READERS_H
#define SEUIL_READERS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "uid.h"

#define READER_HEARTBEAT_MS	500	/* the child says "alive" this often */
#define READER_DEADLINE_MS	5000	/* silence longer than this: killed */
#define READER_BACKOFF_MIN_MS	1000
#define READER_BACKOFF_MAX_MS	30000

/* A card that entered the field, as its reader child reported it. */
struct reader_tap {
	struct uid	uid;
	bool		iso14443_4;	/* it may run a DESFire application */
	bool		held;		/* the child holds it for an exchange: it
					 * waits for APDUs or readers_release */
	uint32_t	id;		/* the tap's number in its child */
};

struct readers_hooks {
	/* A card entered the field.  t->uid is wiped after the call. */
	void	(*tap)(void *arg, int reader_index, const struct reader_tap *t);
	/* The reader came up (online) or went down (offline), with why. */
	void	(*status)(void *arg, int reader_index, bool online, const char *detail);
	/* Called in each new child right after fork, to wipe what the child
	 * must not keep (the UID key).  May be NULL. */
	void	(*child_setup)(void *arg);
	void	*arg;
};

struct readers;

/* conf must outlive the readers.  Creates sim FIFOs at once (so a test
 * that sees the daemon ready can write to them); children start at the
 * first readers_tick. */
struct readers *readers_new(const struct config *conf, const struct readers_hooks *hooks);
/* Stop every child (SIGTERM, then SIGKILL after 1 s) and free. NULL ok. */
void readers_free(struct readers *rs);

/* Add the sockets to poll; returns how many pollfds were filled. */
int readers_pollfds(struct readers *rs, struct pollfd *pfds, int max);
/* After poll: handle the same pollfds (in the same order). */
void readers_handle(struct readers *rs, const struct pollfd *pfds, int n, int64_t now_mono_ms);
/* Reap children (after SIGCHLD), check heartbeats, start due children. */
void readers_tick(struct readers *rs, int64_t now_mono_ms);
int64_t readers_deadline(const struct readers *rs);

/* A duplicate of reader i's exchange socket (close-on-exec), which the
 * caller owns and closes: a thread's, for one exchange; *pid is the child
 * it leads to.  -1 when the reader has none (no child, or it makes no
 * exchanges). */
int readers_exchange_fd(const struct readers *rs, int i, pid_t *pid);
/* Let reader i's child watch its card again (a held tap no exchange is
 * needed for).  Quiet if it cannot: the child lets go by itself. */
void readers_release(const struct readers *rs, int i, uint32_t tap);
/* Kill reader i's child pid, if it still runs there: it broke the
 * exchange's format (why). */
void readers_fail(struct readers *rs, int i, pid_t pid, const char *why);

bool readers_online(const struct readers *rs, int i);
int64_t readers_last_heartbeat(const struct readers *rs, int i);	/* mono ms, 0 never */
int readers_restarts(const struct readers *rs, int i);

#endif

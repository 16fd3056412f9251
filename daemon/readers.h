/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Reader supervision.  Each reader runs in a child process (libnfc blocks,
 * and can hang for minutes when a reader is unplugged) that talks to the
 * daemon over a SOCK_SEQPACKET socketpair with fixed-size messages.  The
 * parent validates every message, kills a child that misses its heartbeat
 * deadline, and starts a new one with backoff (1 s doubling to 30 s).  The
 * main loop never calls into a reader and never blocks on one.
 */
#ifndef SEUIL_READERS_H
#define SEUIL_READERS_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "uid.h"

#define READER_HEARTBEAT_MS	500	/* the child says "alive" this often */
#define READER_DEADLINE_MS	5000	/* silence longer than this: killed */
#define READER_BACKOFF_MIN_MS	1000
#define READER_BACKOFF_MAX_MS	30000

struct readers_hooks {
	/* A card entered the field.  uid is wiped after the call. */
	void	(*tap)(void *arg, int reader_index, const struct uid *uid);
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

bool readers_online(const struct readers *rs, int i);
int64_t readers_last_heartbeat(const struct readers *rs, int i);	/* mono ms, 0 never */
int readers_restarts(const struct readers *rs, int i);

#endif

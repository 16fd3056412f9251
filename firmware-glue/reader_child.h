/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The reader child: the one process, shared by seuild (daemon/readers.c,
 * which supervises it) and `seuilctl hw test`, in which a reader backend
 * runs.  libnfc blocks, and can hang for minutes when a reader is
 * unplugged, so it never runs in a program's own loop: the child opens the
 * reader, contains itself (reader_sandbox.h), then waits for cards and
 * reports them over a SOCK_SEQPACKET socketpair, one fixed-size
 * struct reader_msg per record, with a heartbeat while nothing happens.
 * Its parent polls the other end, takes messages with reader_child_recv(),
 * and kills a child that goes quiet.
 *
 * The child keeps nothing of its parent's but the socket (fd 3) and
 * stderr: every other descriptor (the database, the control socket, MQTT,
 * other children's sockets, syslog) is closed before the reader opens.
 * The raw UID crosses the socket and nothing else does; the parent turns
 * it into a MAC and wipes it.
 */
#ifndef SEUIL_READER_CHILD_H
#define SEUIL_READER_CHILD_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "uid.h"

enum reader_msg_type {
	READER_MSG_UP = 1,	/* reader open and contained; detail: what it is */
	READER_MSG_DOWN,	/* open, sandbox or wait failed; detail: why; the
				 * child exits */
	READER_MSG_TAP,		/* a card entered the field: uid_len, uid */
	READER_MSG_GONE,	/* the card left the field */
	READER_MSG_HEARTBEAT,	/* nothing happened; still alive */
	READER_MSG_UNCONTAINED,	/* best_effort: runs without its sandbox;
				 * detail: why (sent just before UP) */
};

#define READER_MSG_DETAIL	116

/* The wire format: one record each, exactly this size, or the child is
 * broken.  Once reader_child_recv() accepted it, detail is printable ASCII
 * and NUL-terminated (empty but for UP, DOWN and UNCONTAINED). */
struct reader_msg {
	uint8_t	type;
	uint8_t	uid_len;		/* READER_MSG_TAP: 4, 7 or 10 */
	uint8_t	uid[UID_MAX_LEN];
	char	detail[READER_MSG_DETAIL];
};

struct reader_child_opts {
	int	heartbeat_ms;		/* > 0 */
	enum reader_sandbox sandbox;	/* [security] reader_sandbox */
	/* Called in the new child right after fork, before anything else, to
	 * wipe what it must not keep (the UID key).  May be NULL. */
	void	(*setup)(void *arg);
	void	*arg;
};

/*
 * Start a child running the reader of rc.  Returns its pid and stores in
 * *sock the parent's end of the socketpair (non-blocking, close-on-exec),
 * which the caller polls and closes; or -1 with errno (socketpair or fork
 * failed) and nothing held.  rc must stay valid until the call returns.
 * SIGTERM or SIGINT make the child close its reader and exit 0; it dies
 * with its parent.
 */
pid_t reader_child_start(const struct reader_conf *rc, const struct reader_child_opts *opts,
    int *sock);

/*
 * The child's work once its reader r is open (and contained): wait for
 * cards with reader_wait (heartbeat_ms at a time) and report each tap and
 * removal on sock, with a heartbeat when nothing happened, until SIGTERM
 * or SIGINT, the reader failing (READER_MSG_DOWN says why) or, when
 * max_waits > 0, that many waits.  Returns the child's exit status: 0,
 * EX_UNAVAILABLE (the reader failed) or EX_IOERR (the parent is gone).  r
 * stays the caller's to close.  reader_child_start's child runs it; a fuzz
 * target (tests/fuzz/fuzz_pn532.c) runs it in its own process.
 */
struct reader;
int reader_child_serve(struct reader *r, int sock, int heartbeat_ms, int max_waits);

/*
 * Take one message from the parent's end without blocking.  Returns 1 with
 * a checked message in *m (known type, a UID of a valid length for a tap,
 * detail filtered: every byte outside printable ASCII is '?', so it can be
 * logged and stored as is), 0 if none is waiting, or -1 when the child hung
 * up or broke the format, with *why saying which: the caller then closes
 * the socket and kills the child.  The caller wipes *m after use.
 */
int reader_child_recv(int sock, struct reader_msg *m, const char **why);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Card exchanges off the loop: the DESFire credential read at a door, and
 * at the desk a provisioning or a wipe (firmware-glue/desfire.h), each with
 * a card that its reader child holds for it
 * (firmware-glue/reader_child.h).
 *
 * Why threads, and one a reader.  An exchange is 4 to 50 APDUs, each a
 * round trip to the card of some milliseconds (a real DESFire takes about
 * 15 ms to answer), so tens to hundreds of milliseconds in all; and
 * desfire.c is written as the straight sequence the card's protocol is
 * (select, authenticate, read, check) over a transceive that waits for each
 * answer.  Stepping it from the loop would mean rewriting that sequence as
 * a state machine of callbacks, where a forgotten state is a wrong "yes".
 * So the sequence runs as written, on a thread that owns that reader's
 * exchange from its first APDU to the card's release, talking to the child
 * through a duplicate of its exchange socket, and hands the result to the
 * loop through an eventfd, as the writer does (daemon/writer.h).  One
 * thread a reader (made at its first exchange): a slow card at one door
 * never delays another door, and a reader's child holds one card at a time
 * anyway.  The loop never waits for a card.  A thread never touches the
 * store, the doors, presence or any of the loop's state; it reads the
 * site's keys, which do not change while seuild runs.
 *
 * Bounds.  Each APDU gets at most EXCHANGE_APDU_MS for its answer, and a
 * job ends by its deadline (EXCHANGE_DOOR_MS at a door, EXCHANGE_DESK_MS at
 * the desk): past it, the transceive fails and the exchange ends
 * DESFIRE_GONE.  desfire.c caps the APDUs of each exchange.  A tap's
 * exchange therefore ends within its deadline, and the child lets go of a
 * card nobody talks to (READER_HOLD_IDLE_MS).
 *
 * Nothing here logs a card's byte: a job's result is a typed status, the
 * step and the card's last status byte, and on success the credential,
 * which the loop turns into its MAC at once and wipes.
 */
#ifndef SEUIL_EXCHANGE_H
#define SEUIL_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "desfire.h"

#define EXCHANGE_APDU_MS	1000	/* one answer, through the child */
#define EXCHANGE_DOOR_MS	2000	/* a door's read, in all */
#define EXCHANGE_DESK_MS	10000	/* a provisioning or a wipe, in all */
#define EXCHANGE_CTX_MAX	512	/* the caller's bytes carried by a job */

enum exchange_op {
	EXCHANGE_READ,		/* the credential, as a door reads it */
	EXCHANGE_PROVISION,	/* make the card ours; read back with key 1 */
	EXCHANGE_WIPE,		/* read the credential (to find its badge),
				 * then remove our application */
	EXCHANGE_PROBE,		/* no keys: is our application there?  (What
				 * every job does without the site's keys.) */
};

struct exchange_job {
	/* What to do, set by the caller. */
	enum exchange_op op;
	int		reader;		/* index when submitted */
	char		reader_name[CONFIG_NAME_MAX + 1];	/* to find it again */
	uint32_t	tap;		/* the child's number for the card */
	uint8_t		uid[DESFIRE_UID_LEN];	/* diversifies the keys; wiped */
	bool		release;	/* let the card go once done */
	int64_t		deadline;	/* CLOCK_MONOTONIC ms */
	_Alignas(max_align_t) unsigned char ctx[EXCHANGE_CTX_MAX];	/* the caller's */
	/* What came of it, for the done callback. */
	enum desfire_result result;
	struct desfire_report rep;
	enum desfire_result read;	/* EXCHANGE_WIPE: the read before the wipe */
	uint8_t		credential[DESFIRE_CREDENTIAL_LEN];	/* when read or made */
	const char	*broken;	/* the child broke the format: why */
	pid_t		pid;		/* the child it ran with */
	int64_t		ms;		/* how long it took */
};

static inline void *
exchange_ctx(struct exchange_job *j)
{
	return j->ctx;
}

/* On the loop thread, once a job ended; j is wiped after the call. */
typedef void (*exchange_done_fn)(void *arg, struct exchange_job *j);

struct exchanges;

/*
 * keys (NULL: the site has none; every job then only probes for the
 * application aid: DESFIRE_AUTH_FAILED when it is there) is borrowed: it
 * must outlive the exchanges and not change.  NULL with err when the
 * eventfd cannot be made.  Free with exchanges_free.
 */
struct exchanges *exchanges_new(const struct desfire_keys *keys, uint32_t aid,
    exchange_done_fn done, void *arg, char *err, size_t errlen);
/* Wait for the jobs under way (each ends by its deadline; sooner when its
 * child is gone), stop the threads, free.  Their results are dropped.
 * NULL is fine. */
void exchanges_free(struct exchanges *x);

/*
 * Start j on the thread of reader j->reader with xsock, a duplicate of the
 * child's exchange socket that the job takes (closed when it ends, or now
 * on failure), and pid, the child's.  0, or -1 when that reader's thread
 * is busy or cannot be made: the caller denies (and releases the card).
 */
int exchanges_submit(struct exchanges *x, const struct exchange_job *j, int xsock, pid_t pid);

/* The fd for the loop's poll (POLLIN). */
int exchanges_fd(const struct exchanges *x);
/* When it is readable: the done callbacks of the jobs that ended. */
void exchanges_dispatch(struct exchanges *x);

#endif

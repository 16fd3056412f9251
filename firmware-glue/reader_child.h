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
 * The child keeps nothing of its parent's but the socket (fd 3), the
 * exchange socket (fd 4, below) and stderr: every other descriptor (the
 * database, the control socket, MQTT, other children's sockets, syslog)
 * is closed before the reader opens.  The raw UID crosses the socket and
 * nothing else does; the parent turns it into a MAC and wipes it.
 *
 * Card exchanges.  A DESFire credential is proven by an exchange of APDUs
 * with the card (firmware-glue/desfire.h), which the parent runs: the
 * child, which a hostile card may take over, never holds a key or sees a
 * credential in clear; it is a pipe.  When the parent asked for exchanges
 * (reader_child_opts.exchange) and a tapped card speaks ISO 14443-4, the
 * tap says it is held (READER_TAP_HELD): the child keeps the card
 * selected, checks nothing else, and forwards each READER_X_APDU that
 * comes on the exchange socket to the card, answering READER_X_ANSWER,
 * until READER_X_RELEASE, READER_HOLD_IDLE_MS without a command, or
 * READER_HOLD_MAX_MS in all; then it watches the card's presence again.
 * Heartbeats go on meanwhile.  Every exchange message names its tap, and
 * every answer its APDU, so that nothing late (an APDU for a card already
 * released, an answer the parent stopped waiting for) is taken for the
 * current one.  The exchange socket is a second socketpair, so that the
 * thread that runs an exchange and the loop that reads taps never share
 * one; the parent validates every answer as it validates every message
 * (reader_child_transceive).
 */
#ifndef SEUIL_READER_CHILD_H
#define SEUIL_READER_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "reader.h"
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

#define READER_MSG_DETAIL	108
#define READER_TAP_HELD		0x01	/* the card waits for the parent's APDUs */

/* The wire format: one record each, exactly this size, or the child is
 * broken.  Once reader_child_recv() accepted it, detail is printable ASCII
 * and NUL-terminated (empty but for UP, DOWN and UNCONTAINED). */
struct reader_msg {
	uint8_t	type;
	uint8_t	uid_len;		/* READER_MSG_TAP: 4, 7 or 10 */
	uint8_t	uid[UID_MAX_LEN];
	uint8_t	card;			/* READER_MSG_TAP: enum reader_card */
	uint8_t	flags;			/* READER_MSG_TAP: READER_TAP_HELD */
	uint8_t	spare[2];
	uint32_t tap;			/* READER_MSG_TAP: its number, from 1 */
	char	detail[READER_MSG_DETAIL];
};

/* The exchange socket's records, both ways. */
enum reader_x_type {
	READER_X_APDU = 1,	/* parent: send data (len bytes) to the card held for tap */
	READER_X_ANSWER,	/* child: the card's answer to APDU seq, or none */
	READER_X_RELEASE,	/* parent: the exchange with tap is over */
};
#define READER_X_OK		0	/* READER_X_ANSWER: data holds it */
#define READER_X_NONE		1	/* no answer: gone, timed out, too long */
#define READER_X_DATA		256
#define READER_X_CARD_MS	500	/* the child's bound on one APDU */
#define READER_HOLD_IDLE_MS	2000	/* a held card, no command: released */
#define READER_HOLD_MAX_MS	30000	/* a held card, in all: a secure
					 * enrolment's two exchanges */

struct reader_xmsg {
	uint8_t	type;
	uint8_t	status;			/* READER_X_ANSWER */
	uint16_t len;			/* APDU, ANSWER: bytes of data, <= READER_X_DATA */
	uint32_t tap;
	uint32_t seq;			/* APDU: its number; ANSWER: the APDU's */
	uint8_t	data[READER_X_DATA];
};

struct reader_child_opts {
	int	heartbeat_ms;		/* > 0 */
	enum reader_sandbox sandbox;	/* [security] reader_sandbox */
	/* Hold ISO 14443-4 cards for the parent's exchanges (the exchange
	 * socket is then needed). */
	bool	exchange;
	/* Called in the new child right after fork, before anything else, to
	 * wipe what it must not keep (the UID key).  May be NULL. */
	void	(*setup)(void *arg);
	void	*arg;
};

/*
 * Start a child running the reader of rc.  Returns its pid and stores in
 * *sock the parent's end of the socketpair (non-blocking, close-on-exec),
 * which the caller polls and closes, and in *xsock (unless NULL: no
 * exchanges) the parent's end of the exchange socket (close-on-exec), which
 * the caller closes; or -1 with errno (socketpair or fork failed) and
 * nothing held.  rc must stay valid until the call returns.  SIGTERM or
 * SIGINT make the child close its reader and exit 0; it dies with its
 * parent.
 */
pid_t reader_child_start(const struct reader_conf *rc, const struct reader_child_opts *opts,
    int *sock, int *xsock);

/*
 * The child's work once its reader r is open (and contained): wait for
 * cards with reader_wait (heartbeat_ms at a time) and report each tap and
 * removal on sock, with a heartbeat when nothing happened, until SIGTERM
 * or SIGINT, the reader failing (READER_MSG_DOWN says why) or, when
 * max_waits > 0, that many waits.  With an exchange socket xsock (-1:
 * none), an ISO 14443-4 card is held for the parent's APDUs after its tap
 * (above).  Returns the child's exit status: 0, EX_UNAVAILABLE (the reader
 * failed) or EX_IOERR (the parent is gone).  r stays the caller's to
 * close.  reader_child_start's child runs it; a fuzz target
 * (tests/fuzz/fuzz_pn532.c) runs it in its own process.
 */
struct reader;
int reader_child_serve(struct reader *r, int sock, int xsock, int heartbeat_ms, int max_waits);

/*
 * Take one message from the parent's end without blocking.  Returns 1 with
 * a checked message in *m (known type, a UID of a valid length for a tap,
 * detail filtered: every byte outside printable ASCII is '?', so it can be
 * logged and stored as is), 0 if none is waiting, or -1 when the child hung
 * up or broke the format, with *why saying which: the caller then closes
 * the socket and kills the child.  The caller wipes *m after use.
 */
int reader_child_recv(int sock, struct reader_msg *m, const char **why);

/*
 * The parent's side of an exchange, from any one thread at a time: send
 * tx as APDU seq of tap on xsock and wait up to timeout_ms for its answer,
 * dropping answers to other APDUs or taps.  Returns the answer's length
 * (copied to rx), or -1 when none came: the card gave none
 * (READER_X_NONE), the time ran out, the child hung up, or an answer did
 * not fit rxsize or broke the format, in which case *why (unless NULL) is
 * set and the caller kills the child.  rx holds card bytes: the caller
 * never logs them.
 */
int reader_child_transceive(int xsock, uint32_t tap, uint32_t seq, const uint8_t *tx,
    size_t txlen, uint8_t *rx, size_t rxsize, int timeout_ms, const char **why);

/* Tell the child that the exchange with tap is over (it watches the card
 * again).  0, or -1 when it could not be sent. */
int reader_child_release(int xsock, uint32_t tap);

#endif

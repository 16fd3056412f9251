/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Door I/O: the strike relay (output), the door contact and the exit button
 * (inputs).  Backends: "gpiod" (doorio_gpiod.c, the libgpiod 1.6 API; every
 * libgpiod call lives in that file) and "sim" (doorio_sim.c;
 * docs/design.md, Simulated hardware), chosen by door_conf.gpio through an
 * ops table (doorio_backend.h).
 *
 * Inputs are reported raw (every edge, with its monotonic time); debouncing
 * and meaning belong to the door state machine (daemon/door.c).
 */
#ifndef SEUIL_DOORIO_H
#define SEUIL_DOORIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

enum doorio_input_type {
	DOORIO_CONTACT_OPEN = 1,	/* contact line now says "open" */
	DOORIO_CONTACT_CLOSED,		/* contact line now says "closed" */
	DOORIO_EXIT_PRESSED,		/* exit button pressed */
	DOORIO_EXIT_RELEASED,		/* exit button released (gpiod only) */
};

struct doorio_input {
	enum doorio_input_type type;
	int64_t mono_ns;
};

#define DOORIO_MAX_FDS	2

/* Opaque; each backend embeds it first in its own handle
 * (doorio_backend.h). */
struct doorio;

/*
 * Open the door's I/O.  The relay is driven to the locked (de-energised)
 * state before anything else, and stays so until doorio_set_relay says
 * otherwise.  NULL with a message in err on failure; then nothing is held.
 */
struct doorio *doorio_open(const struct door_conf *conf, char *err, size_t errlen);

/* Energise (true: unlocked) or release (false: locked) the strike. 0 or -1. */
int doorio_set_relay(struct doorio *io, bool energised);

/* The fds to poll for POLLIN (0 to DOORIO_MAX_FDS of them). */
int doorio_pollfds(struct doorio *io, int fds[DOORIO_MAX_FDS]);

/* After POLLIN on fd: read what is there without blocking.  Returns the
 * number of inputs stored in out (0 if none), or -1 on error. */
int doorio_read(struct doorio *io, int fd, struct doorio_input *out, int max);

/* Current contact level: 1 open, 0 closed, -1 unknown or no contact. */
int doorio_contact(struct doorio *io);

/* Drive the relay locked, then release everything.  NULL is fine. */
void doorio_close(struct doorio *io);

#endif

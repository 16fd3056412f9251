/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private to the door I/O backends (doorio.c, doorio_sim.c,
 * doorio_gpiod.c): the base every backend's handle embeds, and the ops
 * table doorio.c dispatches through, in the manner of redis' connection.h.
 *
 * A backend defines its own struct (struct doorio_sim, struct doorio_gpiod)
 * whose FIRST member is a struct doorio, returns a pointer to that member
 * from its open, and casts the struct doorio * it is given back to its own
 * type.  doorio.c sets base.ops after a successful open.
 */
#ifndef SEUIL_DOORIO_BACKEND_H
#define SEUIL_DOORIO_BACKEND_H

#include "doorio.h"

struct doorio_ops {
	const char *name;
	/* Allocate and open, relay locked first; NULL with a message in err.
	 * The caller owns the result and releases it with close. */
	struct doorio *(*open)(const struct door_conf *conf, char *err, size_t errlen);
	int (*set_relay)(struct doorio *io, bool energised);
	int (*pollfds)(struct doorio *io, int fds[DOORIO_MAX_FDS]);
	int (*read)(struct doorio *io, int fd, struct doorio_input *out, int max);
	int (*contact)(struct doorio *io);
	/* Drive the relay locked, release and free io (never NULL here). */
	void (*close)(struct doorio *io);
};

struct doorio {
	const struct doorio_ops *ops;
};

extern const struct doorio_ops doorio_sim_ops;
extern const struct doorio_ops doorio_gpiod_ops;

#endif

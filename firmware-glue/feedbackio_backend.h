/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Private to the feedback I/O backends (feedbackio.c, feedbackio_sim.c,
 * doorio_gpiod.c), as doorio_backend.h is to the door's: each backend's
 * handle embeds a struct feedbackio FIRST, returns a pointer to it from
 * open, and casts back.  feedbackio.c sets base.ops after a successful
 * open and skips outputs the backend did not open (base.has).
 */
#ifndef SEUIL_FEEDBACKIO_BACKEND_H
#define SEUIL_FEEDBACKIO_BACKEND_H

#include "feedbackio.h"

struct feedbackio_ops {
	const char *name;
	/* Allocate and open, every output off first; NULL with a message in
	 * err.  The caller releases the result with close. */
	struct feedbackio *(*open)(const struct reader_conf *conf, char *err, size_t errlen);
	int (*set)(struct feedbackio *io, enum feedback_output o, bool on);
	/* Drive every output off, release and free io (never NULL here). */
	void (*close)(struct feedbackio *io);
};

struct feedbackio {
	const struct feedbackio_ops *ops;
	bool	has[FEEDBACK_NOUTPUTS];		/* set by the backend's open */
};

extern const struct feedbackio_ops feedbackio_sim_ops;
extern const struct feedbackio_ops feedbackio_gpiod_ops;

#endif

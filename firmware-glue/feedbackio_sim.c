/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Simulated feedback (docs/design.md, Simulated hardware), for tests,
 * benchmarks and `make demo`: a driver = sim reader whose feedback is
 * simulated has all three outputs, and every change is appended to
 * <sim_fifo>.feedback as "<CLOCK_MONOTONIC ns> <green|red|buzzer> <0|1>",
 * as relay.log records a simulated strike.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "feedbackio_backend.h"

struct feedbackio_sim {
	struct feedbackio base;		/* first: feedbackio.c dispatches on it */
	int		fd;
	int		level[FEEDBACK_NOUTPUTS];	/* -1 before the first write */
};

static int
feedbackio_sim_write(struct feedbackio_sim *io, enum feedback_output o, bool on)
{
	char buf[64];
	int n;

	if (io->level[o] == (int)on)
		return 0;	/* the log records changes only */
	n = snprintf(buf, sizeof(buf), "%lld %s %d\n", (long long)clock_mono_ns(),
	    feedbackio_output_name(o), on ? 1 : 0);
	/* One write() of one short line with O_APPEND: never half a line. */
	if (write(io->fd, buf, (size_t)n) != n)
		return -1;
	io->level[o] = on;
	return 0;
}

static struct feedbackio *
feedbackio_sim_open(const struct reader_conf *conf, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	struct feedbackio_sim *io;

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(err, errlen, "reader %s: %s", conf->name, strerror(errno));
		return NULL;
	}
	snprintf(path, sizeof(path), "%s.feedback", conf->sim_fifo);
	/* O_NOFOLLOW: a symlink planted there does not get our writes. */
	io->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (io->fd == -1) {
		snprintf(err, errlen, "reader %s: %s: %s", conf->name, path, strerror(errno));
		free(io);
		return NULL;
	}
	/* Every output off first, recorded, as the strike is declared locked. */
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++) {
		io->level[o] = -1;
		io->base.has[o] = true;
		if (feedbackio_sim_write(io, (enum feedback_output)o, false) == -1) {
			snprintf(err, errlen, "reader %s: %s: %s", conf->name, path,
			    strerror(errno));
			close(io->fd);
			free(io);
			return NULL;
		}
	}
	return &io->base;
}

static int
feedbackio_sim_set(struct feedbackio *base, enum feedback_output o, bool on)
{
	return feedbackio_sim_write((struct feedbackio_sim *)base, o, on);
}

static void
feedbackio_sim_close(struct feedbackio *base)
{
	struct feedbackio_sim *io = (struct feedbackio_sim *)base;

	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		feedbackio_sim_write(io, (enum feedback_output)o, false);
	close(io->fd);
	free(io);
}

const struct feedbackio_ops feedbackio_sim_ops = {
	.name = "sim",
	.open = feedbackio_sim_open,
	.set = feedbackio_sim_set,
	.close = feedbackio_sim_close,
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Feedback I/O: a reader's green LED, red LED and buzzer (docs/hardware.md,
 * "Feedback at the reader").  Backends: "gpiod" (doorio_gpiod.c: every
 * libgpiod call lives in that file) and "sim" (feedbackio_sim.c: every
 * change appended to <sim_fifo>.feedback; docs/design.md, Simulated
 * hardware), chosen by reader_conf.feedback_sim through an ops table
 * (feedbackio_backend.h).
 *
 * The outputs belong to the process that opens them (seuild's main
 * process, or seuilctl hw test), never to a reader child.  What to show
 * and when is daemon/feedback.c's business; this only sets levels.
 */
#ifndef SEUIL_FEEDBACKIO_H
#define SEUIL_FEEDBACKIO_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum feedback_output { FEEDBACK_GREEN, FEEDBACK_RED, FEEDBACK_BUZZER, FEEDBACK_NOUTPUTS };

/* Opaque; each backend embeds it first in its own handle. */
struct feedbackio;

/* Whether the reader has any feedback output: simulated, or at least one
 * of green_line, red_line, buzzer_line. */
bool feedbackio_wanted(const struct reader_conf *conf);

/*
 * Open the reader's outputs, each driven off (dark, silent; active-low
 * respected) before anything else.  NULL with a message naming the
 * reader, the line, its role and the chip in err on failure; then nothing
 * is held.  The caller closes the result with feedbackio_close.
 */
struct feedbackio *feedbackio_open(const struct reader_conf *conf, char *err, size_t errlen);

/* Whether this output exists (a GPIO reader may have only some). */
bool feedbackio_has(const struct feedbackio *io, enum feedback_output o);

/* Turn an output on or off.  0, or -1 with errno (the caller logs it and
 * goes on: a LED is never worth stopping a door for).  An output that does
 * not exist is a no-op. */
int feedbackio_set(struct feedbackio *io, enum feedback_output o, bool on);

/* Drive every output off, then release everything.  NULL is fine. */
void feedbackio_close(struct feedbackio *io);

/* "green", "red", "buzzer": the names of the sim log and the docs. */
const char *feedbackio_output_name(enum feedback_output o);
/* "green LED", "red LED", "buzzer": the roles errors name. */
const char *feedbackio_output_role(enum feedback_output o);
/* The configured line of an output, or -1. */
int feedbackio_conf_line(const struct reader_conf *conf, enum feedback_output o);

#endif

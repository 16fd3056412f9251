/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Light and sound at the readers: the patterns of feedback.c on the lines. */
#include <string.h>

#include "daemon.h"

/* ---- feedback: light and sound at the readers ---- */

/*
 * The patterns are feedback.c's; here they are started by what happens
 * (a tap's result, a lockout, an enrolment) and written out by the loop
 * (daemon_feedback_drive), which wakes at feedback_next_change.  Only the
 * outputs that changed are written, and a failed write is logged, never
 * fatal: a dead LED must not stop a door.
 */
void
daemon_feedback_drive(struct daemon *d, int64_t now)
{
	bool out[FEEDBACK_NOUTPUTS];

	for (int i = 0; i < d->conf->nreaders; i++) {
		if (d->fbio[i] == NULL)
			continue;
		feedback_outputs(&d->feedback[i], now, out);
		for (int o = 0; o < FEEDBACK_NOUTPUTS; o++) {
			if (out[o] == d->fb_out[i][o])
				continue;
			d->fb_out[i][o] = out[o];
			if (feedbackio_set(d->fbio[i], (enum feedback_output)o, out[o]) == -1)
				log_warn("reader %s: %s: cannot set it %s", d->conf->readers[i].name,
				    feedbackio_output_role((enum feedback_output)o),
				    out[o] ? "on" : "off");
		}
	}
}

int64_t
daemon_feedback_deadline(struct daemon *d, int64_t now)
{
	int64_t next = INT64_MAX, t;

	for (int i = 0; i < d->conf->nreaders; i++)
		if (d->fbio[i] != NULL && (t = feedback_next_change(&d->feedback[i], now)) < next)
			next = t;
	return next;
}

/* A tap's answer at reader ri: shown at once, not at the next wake-up. */
void
daemon_feedback_tap(struct daemon *d, int ri, bool granted, int64_t unlock_ms)
{
	int64_t now = clock_mono_ms();

	if (ri < 0 || ri >= d->conf->nreaders)
		return;
	if (granted)
		feedback_granted(&d->feedback[ri], now, unlock_ms);
	else
		feedback_denied(&d->feedback[ri], now);
	daemon_feedback_drive(d, now);
}

/* The enrolment's readers: its own, or every reader that enrols. */
static bool
daemon_enrol_reader(const struct daemon *d, int ri)
{
	return d->conf->readers[ri].enrol &&
	    (d->enrol.reader_index == -1 || d->enrol.reader_index == ri);
}

void
daemon_feedback_enrol_wait(struct daemon *d, int64_t now)
{
	for (int i = 0; i < d->conf->nreaders; i++)
		if (daemon_enrol_reader(d, i))
			feedback_enrol_wait(&d->feedback[i], now, d->enrol.deadline);
	daemon_feedback_drive(d, now);
}

/* The enrolment stops waiting (a tap, the timeout, seuilctl gone). */
void
daemon_feedback_enrol_end(struct daemon *d)
{
	int64_t now = clock_mono_ms();

	for (int i = 0; i < d->conf->nreaders; i++)
		feedback_enrol_done(&d->feedback[i], now, false);
	daemon_feedback_drive(d, now);
}

/* The lines of every reader that has some, each driven off first.  At
 * start this follows the doors at once: dark means "do not wait". */
int
daemon_feedback_up(struct daemon *d, char *err, size_t errlen)
{
	int64_t now = clock_mono_ms();

	for (int i = 0; i < d->conf->nreaders; i++) {
		const struct reader_conf *rc = &d->conf->readers[i];

		feedback_init(&d->feedback[i]);
		memset(d->fb_out[i], 0, sizeof(d->fb_out[i]));
		if (!feedbackio_wanted(rc))
			continue;
		if ((d->fbio[i] = feedbackio_open(rc, err, errlen)) == NULL)
			return -1;
		/* A reload keeps lockouts: their blinking goes on. */
		if (lockout_active(&d->lockouts[i], now))
			feedback_lockout(&d->feedback[i], now, d->lockouts[i].locked_until);
	}
	return 0;
}

void
daemon_feedback_down(struct daemon *d)
{
	for (int i = 0; i < CONFIG_MAX_READERS; i++) {
		feedbackio_close(d->fbio[i]);	/* drives off */
		d->fbio[i] = NULL;
	}
}


/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * What a reader shows and sounds (docs/hardware.md, "Feedback at the
 * reader"): a green LED, a red LED and a buzzer driven by the main process.
 * This module is the pattern logic alone, on an injected monotonic clock:
 * it says which outputs are on at a time and when they next change; the
 * caller drives the lines.
 *
 *	granted		green while the strike is released, one short beep
 *	denied		red for a second, three short beeps (never the reason)
 *	locked out	red blinking for the lockout, no beep
 *	enrolment	green blinking while waiting; two beeps once linked
 *	otherwise	dark and silent: "do not wait"
 *
 * A tap's pattern replaces the one in progress; a lockout's or an
 * enrolment's blinking (the background) resumes after it.
 */
#ifndef SEUIL_FEEDBACK_H
#define SEUIL_FEEDBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "feedbackio.h"	/* enum feedback_output */

/* Pattern timings, in ms, as documented. */
#define FEEDBACK_BEEP_MS	120	/* one short beep */
#define FEEDBACK_GAP_MS		100	/* between beeps */
#define FEEDBACK_DENIED_MS	1000	/* red after a denial */
#define FEEDBACK_BLINK_MS	250	/* lockout: on, then off as long */
#define FEEDBACK_ENROL_BLINK_MS	500	/* enrolment waiting: on, then off */

enum feedback_fg { FG_NONE, FG_GRANTED, FG_DENIED, FG_LINKED };
enum feedback_bg { BG_NONE, BG_LOCKOUT, BG_ENROL };

struct feedback {
	enum feedback_fg fg;
	int64_t		 fg_start, fg_end;	/* mono ms */
	int64_t		 green_end;		/* granted: the strike's release */
	enum feedback_bg bg;
	int64_t		 bg_start, bg_end;
};

void feedback_init(struct feedback *f);

/* A tap granted at now, the strike released for unlock_ms. */
void feedback_granted(struct feedback *f, int64_t now, int64_t unlock_ms);
/* A tap denied at now, whatever the reason (store unavailable included). */
void feedback_denied(struct feedback *f, int64_t now);
/* The reader is locked out from now until until (red blinking). */
void feedback_lockout(struct feedback *f, int64_t now, int64_t until);
/* An enrolment waits at this reader until until, or stops waiting
 * (linked: two beeps; else nothing). */
void feedback_enrol_wait(struct feedback *f, int64_t now, int64_t until);
void feedback_enrol_done(struct feedback *f, int64_t now, bool linked);

/* The outputs at now. */
void feedback_outputs(const struct feedback *f, int64_t now, bool out[FEEDBACK_NOUTPUTS]);
/* The next time after now at which an output may change, or INT64_MAX. */
int64_t feedback_next_change(const struct feedback *f, int64_t now);

#endif

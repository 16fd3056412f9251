/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdint.h>
#include <string.h>

#include "feedback.h"

/* One output on over [from, to) ms after the pattern starts. */
struct segment {
	enum feedback_output	out;
	int64_t			from, to;
};

#define BEEP(k)	{ FEEDBACK_BUZZER, (k) * (FEEDBACK_BEEP_MS + FEEDBACK_GAP_MS), \
		  (k) * (FEEDBACK_BEEP_MS + FEEDBACK_GAP_MS) + FEEDBACK_BEEP_MS }

static const struct segment denied[] = {
	{ FEEDBACK_RED, 0, FEEDBACK_DENIED_MS }, BEEP(0), BEEP(1), BEEP(2),
};
static const struct segment linked[] = { BEEP(0), BEEP(1) };

/* The segments of the foreground pattern; granted's green is as long as the
 * strike's release, so it is built in place. */
static int
fg_segments(const struct feedback *f, struct segment *seg, int max)
{
	const struct segment *tab = NULL;
	int n = 0;

	switch (f->fg) {
	case FG_NONE:
		return 0;
	case FG_GRANTED:
		seg[0] = (struct segment){ FEEDBACK_GREEN, 0, f->green_end - f->fg_start };
		seg[1] = (struct segment)BEEP(0);
		return 2;
	case FG_DENIED:
		tab = denied;
		n = (int)(sizeof(denied) / sizeof(denied[0]));
		break;
	case FG_LINKED:
		tab = linked;
		n = (int)(sizeof(linked) / sizeof(linked[0]));
		break;
	}
	if (n > max)
		n = max;
	memcpy(seg, tab, sizeof(*seg) * (size_t)n);
	return n;
}

static int64_t
fg_length(const struct feedback *f)
{
	struct segment seg[8];
	int64_t end = 0;
	int n = fg_segments(f, seg, 8);

	for (int i = 0; i < n; i++)
		if (seg[i].to > end)
			end = seg[i].to;
	return end;
}

static void
fg_start(struct feedback *f, enum feedback_fg fg, int64_t now)
{
	f->fg = fg;
	f->fg_start = now;
	f->fg_end = now + fg_length(f);
}

void
feedback_init(struct feedback *f)
{
	memset(f, 0, sizeof(*f));
}

void
feedback_granted(struct feedback *f, int64_t now, int64_t unlock_ms)
{
	f->green_end = now + (unlock_ms > 0 ? unlock_ms : 0);
	fg_start(f, FG_GRANTED, now);
}

void
feedback_denied(struct feedback *f, int64_t now)
{
	fg_start(f, FG_DENIED, now);
}

void
feedback_lockout(struct feedback *f, int64_t now, int64_t until)
{
	f->bg = BG_LOCKOUT;
	f->bg_start = now;
	f->bg_end = until;
}

void
feedback_enrol_wait(struct feedback *f, int64_t now, int64_t until)
{
	/* A lockout's blinking wins: that reader takes no tap anyway. */
	if (f->bg == BG_LOCKOUT && now < f->bg_end)
		return;
	f->bg = BG_ENROL;
	f->bg_start = now;
	f->bg_end = until;
}

void
feedback_enrol_done(struct feedback *f, int64_t now, bool linked_now)
{
	if (f->bg == BG_ENROL)
		f->bg = BG_NONE;
	if (linked_now)
		fg_start(f, FG_LINKED, now);
}

static int64_t
bg_period(const struct feedback *f)
{
	return f->bg == BG_LOCKOUT ? FEEDBACK_BLINK_MS : FEEDBACK_ENROL_BLINK_MS;
}

void
feedback_outputs(const struct feedback *f, int64_t now, bool out[FEEDBACK_NOUTPUTS])
{
	struct segment seg[8];
	int n;

	memset(out, 0, sizeof(bool) * FEEDBACK_NOUTPUTS);
	if (f->fg != FG_NONE && now >= f->fg_start && now < f->fg_end) {
		n = fg_segments(f, seg, 8);
		for (int i = 0; i < n; i++)
			if (now - f->fg_start >= seg[i].from && now - f->fg_start < seg[i].to)
				out[seg[i].out] = true;
		return;
	}
	if (f->bg != BG_NONE && now >= f->bg_start && now < f->bg_end &&
	    (now - f->bg_start) / bg_period(f) % 2 == 0)
		out[f->bg == BG_LOCKOUT ? FEEDBACK_RED : FEEDBACK_GREEN] = true;
}

static int64_t
earliest_after(int64_t now, int64_t best, int64_t t)
{
	return t > now && t < best ? t : best;
}

int64_t
feedback_next_change(const struct feedback *f, int64_t now)
{
	struct segment seg[8];
	int64_t next = INT64_MAX;
	int n;

	if (f->fg != FG_NONE && now < f->fg_end) {
		n = fg_segments(f, seg, 8);
		for (int i = 0; i < n; i++) {
			next = earliest_after(now, next, f->fg_start + seg[i].from);
			next = earliest_after(now, next, f->fg_start + seg[i].to);
		}
		next = earliest_after(now, next, f->fg_end);
	}
	if (f->bg != BG_NONE && now < f->bg_end) {
		int64_t p = bg_period(f), from = now > f->bg_start ? now : f->bg_start;

		next = earliest_after(now, next, f->bg_start + ((from - f->bg_start) / p + 1) * p);
		next = earliest_after(now, next, f->bg_start);
		next = earliest_after(now, next, f->bg_end);
	}
	return next;
}

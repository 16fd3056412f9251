/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Door I/O and reader feedback (LEDs, buzzer) on GPIO lines through
 * libgpiod 1.6 (the v1 API of Debian 12 and Raspberry Pi OS bookworm).
 * This is the only file that calls libgpiod, so that a v2 backend can be
 * written beside it.
 *
 * Wiring this code assumes (docs/hardware.md): a relay whose undriven or
 * logical-0 state leaves a fail-secure strike locked; a door contact (reed
 * switch) and an exit button that each short their line to GND, read with
 * the pull-up on.  The exit button is requested active-low, so "pressed"
 * reads 1; the contact is read as is and contact_open_high says which level
 * means open.
 */
#include "doorio_backend.h"
#include "feedbackio_backend.h"

#include <errno.h>
#include <gpiod.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"

#define RELAY_LOCKED	0	/* logical value: de-energised */

struct doorio_gpiod {
	struct doorio	 base;		/* first: doorio.c dispatches on it */
	struct gpiod_chip *chip;
	struct gpiod_line *relay;
	struct gpiod_line *contact;	/* NULL: no contact */
	struct gpiod_line *exit;	/* NULL: no exit button */
	int		contact_fd;
	int		exit_fd;
	bool		contact_open_high;
	char		consumer[32];	/* what gpioinfo shows; the kernel keeps 31 */
};

/* A hint a person at the GPIO header can act on, or "". */
static const char *
doorio_gpiod_hint(int err)
{
	switch (err) {
	case EBUSY:
		return " (is another program using it? gpioinfo shows the line's user)";
	case EACCES:
	case EPERM:
		return " (is seuild's user in the gpio group?)";
	case EINVAL:
		return " (the kernel refused the request: pull-up bias needs Linux 5.5 or later)";
	default:
		return "";
	}
}

/* "<who>: " where who is "reader NAME" for feedback, nothing for a door
 * (the caller names the door). */
static void
doorio_gpiod_err(char *err, size_t errlen, const char *who, const char *chip, int line,
    const char *what)
{
	int saved = errno;

	snprintf(err, errlen, "%s%s%s line %d (%s): %s%s", who, *who ? ": " : "", chip, line,
	    what, strerror(saved), doorio_gpiod_hint(saved));
	errno = saved;
}

static struct gpiod_line *
doorio_gpiod_line(struct gpiod_chip *chip, const char *who, const char *chipname, int num,
    const char *what, char *err, size_t errlen)
{
	struct gpiod_line *line;

	if (num < 0 || (unsigned int)num >= gpiod_chip_num_lines(chip)) {
		snprintf(err, errlen, "%s%s%s line %d (%s): no such line (%s has lines 0 to %u)",
		    who, *who ? ": " : "", chipname, num, what, chipname,
		    gpiod_chip_num_lines(chip) - 1);
		errno = EINVAL;
		return NULL;
	}
	if ((line = gpiod_chip_get_line(chip, (unsigned int)num)) == NULL)
		doorio_gpiod_err(err, errlen, who, chipname, num, what);
	return line;
}

/* The chip by name, number or path; NULL with a message in err. */
static struct gpiod_chip *
doorio_gpiod_chip(const char *who, const char *name, char *err, size_t errlen)
{
	struct gpiod_chip *chip;
	int saved;

	if ((chip = gpiod_chip_open_lookup(name)) == NULL) {
		saved = errno;
		snprintf(err, errlen, "%s%s%s: %s%s", who, *who ? ": " : "", name, strerror(saved),
		    saved == ENOENT ? " (gpiodetect lists this board's chips)" :
		    doorio_gpiod_hint(saved));
		errno = saved;
	}
	return chip;
}

static struct gpiod_line *
doorio_gpiod_get(struct doorio_gpiod *io, const struct door_conf *conf, int num, const char *what,
    char *err, size_t errlen)
{
	return doorio_gpiod_line(io->chip, "", conf->chip, num, what, err, errlen);
}

static struct doorio *
doorio_gpiod_open(const struct door_conf *conf, char *err, size_t errlen)
{
	struct doorio_gpiod *io;
	struct gpiod_line *line;
	int saved, flags;

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (conf->relay_line == conf->contact_line || conf->relay_line == conf->exit_line ||
	    (conf->contact_line >= 0 && conf->contact_line == conf->exit_line)) {
		snprintf(err, errlen, "%s: relay_line, contact_line and exit_line must "
		    "be different lines", conf->chip);
		errno = EINVAL;
		goto fail_free;
	}
	io->contact_fd = io->exit_fd = -1;
	io->contact_open_high = conf->contact_open_high;
	snprintf(io->consumer, sizeof(io->consumer), "seuild %.24s", conf->name);

	if ((io->chip = doorio_gpiod_chip("", conf->chip, err, errlen)) == NULL)
		goto fail_free;

	/*
	 * The relay first, and at the locked level: until this request the
	 * line is undriven, which the wiring makes "locked"; after it the
	 * line is driven locked.  Nothing in between may energise it.
	 */
	if ((line = doorio_gpiod_get(io, conf, conf->relay_line, "relay", err, errlen)) == NULL)
		goto fail_chip;
	flags = conf->relay_active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	if (gpiod_line_request_output_flags(line, io->consumer, flags, RELAY_LOCKED) == -1) {
		doorio_gpiod_err(err, errlen, "", conf->chip, conf->relay_line, "relay");
		goto fail_chip;
	}
	io->relay = line;

	if (conf->contact_line >= 0) {
		line = doorio_gpiod_get(io, conf, conf->contact_line, "door contact", err, errlen);
		if (line == NULL)
			goto fail_lines;
		if (gpiod_line_request_both_edges_events_flags(line, io->consumer,
		    GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP) == -1) {
			doorio_gpiod_err(err, errlen, "", conf->chip, conf->contact_line, "door contact");
			goto fail_lines;
		}
		io->contact = line;
		if ((io->contact_fd = gpiod_line_event_get_fd(line)) == -1 ||
		    gpiod_line_get_value(line) == -1) {
			doorio_gpiod_err(err, errlen, "", conf->chip, conf->contact_line, "door contact");
			goto fail_lines;
		}
	}

	if (conf->exit_line >= 0) {
		line = doorio_gpiod_get(io, conf, conf->exit_line, "exit button", err, errlen);
		if (line == NULL)
			goto fail_lines;
		/* Active-low: a button to GND reads 1 while pressed. */
		if (gpiod_line_request_both_edges_events_flags(line, io->consumer,
		    GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP |
		    GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) == -1) {
			doorio_gpiod_err(err, errlen, "", conf->chip, conf->exit_line, "exit button");
			goto fail_lines;
		}
		io->exit = line;
		if ((io->exit_fd = gpiod_line_event_get_fd(line)) == -1) {
			doorio_gpiod_err(err, errlen, "", conf->chip, conf->exit_line, "exit button");
			goto fail_lines;
		}
	}
	return &io->base;

fail_lines:
	saved = errno;
	if (io->exit != NULL)
		gpiod_line_release(io->exit);
	if (io->contact != NULL)
		gpiod_line_release(io->contact);
	/* Requested locked and never changed; drive it again all the same. */
	gpiod_line_set_value(io->relay, RELAY_LOCKED);
	gpiod_line_release(io->relay);
	errno = saved;
fail_chip:
	saved = errno;
	gpiod_chip_close(io->chip);
	errno = saved;
fail_free:
	free(io);
	return NULL;
}

static int
doorio_gpiod_set_relay(struct doorio *base, bool energised)
{
	struct doorio_gpiod *io = (struct doorio_gpiod *)base;
	return gpiod_line_set_value(io->relay, energised ? 1 : RELAY_LOCKED);
}

static int
doorio_gpiod_pollfds(struct doorio *base, int fds[DOORIO_MAX_FDS])
{
	struct doorio_gpiod *io = (struct doorio_gpiod *)base;
	int n = 0;

	if (io->contact_fd != -1)
		fds[n++] = io->contact_fd;
	if (io->exit_fd != -1)
		fds[n++] = io->exit_fd;
	return n;
}

/*
 * Kernels since 5.7 stamp events with CLOCK_MONOTONIC, older ones with
 * CLOCK_REALTIME, which is always far ahead of the monotonic clock on a
 * running system: a time from the future is replaced by the time of reading,
 * so that door timing never sees a wall-clock value.
 */
static int64_t
doorio_gpiod_event_ns(const struct gpiod_line_event *ev, int64_t now)
{
	int64_t ns = (int64_t)ev->ts.tv_sec * 1000000000 + ev->ts.tv_nsec;

	return ns > now ? now : ns;
}

static int
doorio_gpiod_read(struct doorio *base, int fd, struct doorio_input *out, int max)
{
	struct doorio_gpiod *io = (struct doorio_gpiod *)base;
	struct gpiod_line *line;
	struct gpiod_line_event ev;
	struct pollfd pfd;
	int n, high;

	if (fd != -1 && fd == io->contact_fd)
		line = io->contact;
	else if (fd != -1 && fd == io->exit_fd)
		line = io->exit;
	else {
		errno = EINVAL;
		return -1;
	}

	/*
	 * The caller saw POLLIN, so one event is there.  gpiod_line_event_read
	 * blocks when none is, hence the zero-timeout poll before each further
	 * read.
	 */
	for (n = 0; n < max; n++) {
		if (n > 0) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			pfd.revents = 0;
			if (poll(&pfd, 1, 0) != 1 || !(pfd.revents & POLLIN))
				break;
		}
		if (gpiod_line_event_read(line, &ev) == -1)
			return n > 0 ? n : -1;
		high = ev.event_type == GPIOD_LINE_EVENT_RISING_EDGE;
		if (line == io->contact)
			out[n].type = high == io->contact_open_high ?
			    DOORIO_CONTACT_OPEN : DOORIO_CONTACT_CLOSED;
		else
			out[n].type = high ? DOORIO_EXIT_PRESSED : DOORIO_EXIT_RELEASED;
		out[n].mono_ns = doorio_gpiod_event_ns(&ev, clock_mono_ns());
	}
	return n;
}

static int
doorio_gpiod_contact(struct doorio *base)
{
	struct doorio_gpiod *io = (struct doorio_gpiod *)base;
	int v;

	if (io->contact == NULL || (v = gpiod_line_get_value(io->contact)) == -1)
		return -1;
	return (v == 1) == io->contact_open_high ? 1 : 0;
}

static void
doorio_gpiod_close(struct doorio *base)
{
	struct doorio_gpiod *io = (struct doorio_gpiod *)base;

	gpiod_line_set_value(io->relay, RELAY_LOCKED);
	if (io->exit != NULL)
		gpiod_line_release(io->exit);
	if (io->contact != NULL)
		gpiod_line_release(io->contact);
	gpiod_line_release(io->relay);
	gpiod_chip_close(io->chip);
	free(io);
}

const struct doorio_ops doorio_gpiod_ops = {
	.name = "gpiod",
	.open = doorio_gpiod_open,
	.set_relay = doorio_gpiod_set_relay,
	.pollfds = doorio_gpiod_pollfds,
	.read = doorio_gpiod_read,
	.contact = doorio_gpiod_contact,
	.close = doorio_gpiod_close,
};

/* ---- reader feedback: LEDs and buzzer, outputs only ---- */

#define FEEDBACK_OFF	0	/* logical value: dark, silent */

struct feedbackio_gpiod {
	struct feedbackio base;		/* first: feedbackio.c dispatches on it */
	struct gpiod_chip *chip;
	struct gpiod_line *line[FEEDBACK_NOUTPUTS];	/* NULL: not configured */
	char		consumer[32];
};

static void
feedbackio_gpiod_release(struct feedbackio_gpiod *io)
{
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++)
		if (io->line[o] != NULL) {
			gpiod_line_set_value(io->line[o], FEEDBACK_OFF);
			gpiod_line_release(io->line[o]);
		}
	gpiod_chip_close(io->chip);
	free(io);
}

static struct feedbackio *
feedbackio_gpiod_open(const struct reader_conf *conf, char *err, size_t errlen)
{
	struct feedbackio_gpiod *io;
	struct gpiod_line *line;
	char who[CONFIG_NAME_MAX + 16];
	int num, flags, saved;

	snprintf(who, sizeof(who), "reader %s", conf->name);
	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(err, errlen, "%s: %s", who, strerror(errno));
		return NULL;
	}
	snprintf(io->consumer, sizeof(io->consumer), "seuild %.24s", conf->name);
	if ((io->chip = doorio_gpiod_chip(who, conf->feedback_gpio_chip, err, errlen)) == NULL) {
		free(io);
		return NULL;
	}
	/* Each line is requested at "off": from undriven straight to dark
	 * and silent, never a flash or a chirp at start. */
	flags = conf->feedback_active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;
	for (int o = 0; o < FEEDBACK_NOUTPUTS; o++) {
		const char *role = feedbackio_output_role((enum feedback_output)o);

		if ((num = feedbackio_conf_line(conf, (enum feedback_output)o)) < 0)
			continue;
		line = doorio_gpiod_line(io->chip, who, conf->feedback_gpio_chip, num, role, err,
		    errlen);
		if (line == NULL)
			goto fail;
		if (gpiod_line_request_output_flags(line, io->consumer, flags, FEEDBACK_OFF) == -1) {
			doorio_gpiod_err(err, errlen, who, conf->feedback_gpio_chip, num, role);
			goto fail;
		}
		io->line[o] = line;
		io->base.has[o] = true;
	}
	return &io->base;
fail:
	saved = errno;
	feedbackio_gpiod_release(io);
	errno = saved;
	return NULL;
}

static int
feedbackio_gpiod_set(struct feedbackio *base, enum feedback_output o, bool on)
{
	struct feedbackio_gpiod *io = (struct feedbackio_gpiod *)base;

	return gpiod_line_set_value(io->line[o], on ? 1 : FEEDBACK_OFF);
}

static void
feedbackio_gpiod_close(struct feedbackio *base)
{
	feedbackio_gpiod_release((struct feedbackio_gpiod *)base);
}

const struct feedbackio_ops feedbackio_gpiod_ops = {
	.name = "gpiod",
	.open = feedbackio_gpiod_open,
	.set = feedbackio_gpiod_set,
	.close = feedbackio_gpiod_close,
};

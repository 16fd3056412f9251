/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Simulated badge reader (docs/design.md, Simulated hardware): lines on the
 * FIFO sim_fifo.  A hex UID is a tap, "-" is the card leaving the field;
 * bad lines are logged (without their content, which may be a UID) and
 * ignored.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "reader_backend.h"

struct reader_sim {
	struct reader base;	/* first: reader.c dispatches on it */
	char	name[CONFIG_NAME_MAX + 1];
	int	fd;
	char	buf[512];	/* bytes read but not yet parsed */
	size_t	len;
	bool	overlong;	/* dropped the start of the current line */
};

static struct reader *
reader_sim_open(const struct reader_conf *conf, char *err, size_t errlen)
{
	struct reader_sim *r;
	struct stat sb;

	if (mkfifo(conf->sim_fifo, 0660) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "mkfifo %s: %s", conf->sim_fifo, strerror(errno));
		return NULL;
	}
	if (stat(conf->sim_fifo, &sb) == -1 || !S_ISFIFO(sb.st_mode)) {
		snprintf(err, errlen, "%s is not a FIFO", conf->sim_fifo);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	snprintf(r->name, sizeof(r->name), "%s", conf->name);
	/* O_RDWR keeps a writer open, so the FIFO never reads EOF between taps. */
	r->fd = open(conf->sim_fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (r->fd == -1) {
		snprintf(err, errlen, "%s: %s", conf->sim_fifo, strerror(errno));
		free(r);
		return NULL;
	}
	return &r->base;
}

/* Take one complete line out of the buffer; 1 if there was one. */
static int
reader_sim_next_line(struct reader_sim *r, char *line, size_t linelen)
{
	char *nl = memchr(r->buf, '\n', r->len);
	size_t n;

	if (nl == NULL) {
		if (r->len == sizeof(r->buf)) {
			log_warnx("reader %s: ignoring overlong simulated input", r->name);
			explicit_bzero(r->buf, r->len);
			r->len = 0;
			r->overlong = true;	/* its tail is no line either */
		}
		return 0;
	}
	n = (size_t)(nl - r->buf);
	/* Too long, the tail of an overlong line, or a NUL that would cut
	 * "04A1B2C3\0junk" to a UID: bad. */
	if (n >= linelen || r->overlong || memchr(r->buf, '\0', n) != NULL) {
		r->overlong = false;
		line[0] = '\0';		/* reported as bad below */
		line[1] = '!';
	} else {
		memcpy(line, r->buf, n);
		line[n] = '\0';
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
	}
	memmove(r->buf, nl + 1, r->len - n - 1);
	r->len -= n + 1;
	explicit_bzero(r->buf + r->len, n + 1);	/* no stale UID text behind */
	return 1;
}

static int
reader_sim_wait(struct reader *base, struct reader_event *ev, int timeout_ms, char *err,
    size_t errlen)
{
	struct reader_sim *r = (struct reader_sim *)base;
	char line[64], why[128];
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	ssize_t n;

	for (;;) {
		while (reader_sim_next_line(r, line, sizeof(line))) {
			if (strcmp(line, "-") == 0) {
				ev->type = READER_GONE;
				return 1;
			}
			if (line[0] != '\0' && uid_parse(line, &ev->uid, why, sizeof(why)) == 0) {
				ev->type = READER_TAP;
				explicit_bzero(line, sizeof(line));
				return 1;
			}
			explicit_bzero(line, sizeof(line));
			log_warnx("reader %s: ignoring bad simulated input line", r->name);
		}
		switch (poll(&pfd, 1, timeout_ms)) {
		case -1:
			if (errno == EINTR)
				return 0;
			snprintf(err, errlen, "poll: %s", strerror(errno));
			return -1;
		case 0:
			return 0;
		}
		n = read(r->fd, r->buf + r->len, sizeof(r->buf) - r->len);
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "read: %s", n == 0 ? "end of file" : strerror(errno));
			return -1;
		}
		r->len += (size_t)n;
		timeout_ms = 0;		/* only parse what arrived */
	}
}

static void
reader_sim_close(struct reader *base)
{
	struct reader_sim *r = (struct reader_sim *)base;

	close(r->fd);
	explicit_bzero(r->buf, sizeof(r->buf));
	free(r);
}

const struct reader_ops reader_sim_ops = {
	.name = "sim",
	.open = reader_sim_open,
	.wait = reader_sim_wait,
	.close = reader_sim_close,
};

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Simulated door I/O (docs/design.md, Simulated hardware), for tests,
 * benchmarks and `make demo`.  Inputs are lines on the FIFO sim_dir/inputs
 * ("contact open", "contact closed", "exit"); every relay change is
 * appended to sim_dir/relay.log as "<CLOCK_MONOTONIC ns> <0|1>", so tests
 * see exactly what a strike would.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "doorio_backend.h"
#include "log.h"

struct doorio_sim {
	struct doorio	base;		/* first: doorio.c dispatches on it */
	char		name[CONFIG_NAME_MAX + 1];
	int		input_fd;
	int		relay_fd;
	int		contact;	/* -1 unknown, 0 closed, 1 open */
	int		relay;		/* -1 before the first write */
	char		line[128];
	size_t		linelen;
	bool		overlong;
};

static int
doorio_sim_relay(struct doorio_sim *io, bool energised)
{
	char buf[48];
	int n;

	if (io->relay == (int)energised)
		return 0;	/* the log records changes only */
	n = snprintf(buf, sizeof(buf), "%lld %d\n", (long long)clock_mono_ns(), energised ? 1 : 0);

	/* One write() of one short line with O_APPEND: a reader never sees half
	 * a line, even from two daemons. */
	if (write(io->relay_fd, buf, (size_t)n) != n)
		return -1;
	io->relay = energised;
	return 0;
}

static struct doorio *
doorio_sim_open(const struct door_conf *conf, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	struct doorio_sim *io;
	struct stat sb;

	if ((io = calloc(1, sizeof(*io))) == NULL) {
		snprintf(err, errlen, "door %s: %s", conf->name, strerror(errno));
		return NULL;
	}
	io->input_fd = io->relay_fd = -1;
	io->contact = -1;
	io->relay = -1;
	snprintf(io->name, sizeof(io->name), "%s", conf->name);

	/* The relay first: the strike is declared locked before anything else. */
	snprintf(path, sizeof(path), "%s/relay.log", conf->sim_dir);
	io->relay_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (io->relay_fd == -1 || doorio_sim_relay(io, false) == -1) {
		snprintf(err, errlen, "door %s: %s: %s", conf->name, path, strerror(errno));
		goto fail;
	}

	snprintf(path, sizeof(path), "%s/inputs", conf->sim_dir);
	if (mkfifo(path, 0660) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "door %s: mkfifo %s: %s", conf->name, path, strerror(errno));
		goto fail;
	}
	if (stat(path, &sb) == -1 || !S_ISFIFO(sb.st_mode)) {
		snprintf(err, errlen, "door %s: %s exists and is not a FIFO", conf->name, path);
		goto fail;
	}
	/* O_RDWR: we hold a writer ourselves, so the FIFO never reports EOF
	 * when a test's writer goes away. */
	io->input_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (io->input_fd == -1) {
		snprintf(err, errlen, "door %s: %s: %s", conf->name, path, strerror(errno));
		goto fail;
	}
	return &io->base;

fail:
	if (io->relay_fd != -1)
		close(io->relay_fd);
	free(io);
	return NULL;
}

static int
doorio_sim_set_relay(struct doorio *base, bool energised)
{
	return doorio_sim_relay((struct doorio_sim *)base, energised);
}

static int
doorio_sim_pollfds(struct doorio *base, int fds[DOORIO_MAX_FDS])
{
	struct doorio_sim *io = (struct doorio_sim *)base;

	fds[0] = io->input_fd;
	return 1;
}

static int
doorio_sim_parse_line(struct doorio_sim *io, const char *line, struct doorio_input *in)
{
	if (strcmp(line, "contact open") == 0) {
		in->type = DOORIO_CONTACT_OPEN;
		io->contact = 1;
	} else if (strcmp(line, "contact closed") == 0) {
		in->type = DOORIO_CONTACT_CLOSED;
		io->contact = 0;
	} else if (strcmp(line, "exit") == 0) {
		in->type = DOORIO_EXIT_PRESSED;
	} else {
		return -1;
	}
	in->mono_ns = clock_mono_ns();
	return 0;
}

static int
doorio_sim_read(struct doorio *base, int fd, struct doorio_input *out, int max)
{
	struct doorio_sim *io = (struct doorio_sim *)base;
	struct doorio_input in;
	char buf[256];
	ssize_t n = 0;
	int count = 0;

	(void)fd;
	/* Read no more than can hold max - count inputs, so that none is
	 * dropped: the shortest input line is "exit\n", and the first line of
	 * a read may be the end of one begun before.  The rest stays in the
	 * FIFO, which poll() still reports readable. */
	while (count < max && (n = read(io->input_fd, buf,
	    MIN(sizeof(buf), (size_t)(max - count - 1) * 5 + 1))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				/* A NUL would end the line early: "exit\0junk"
				 * is a bad line, not "exit". */
				if (buf[i] != '\0' && io->linelen < sizeof(io->line) - 1)
					io->line[io->linelen++] = buf[i];
				else
					io->overlong = true;
				continue;
			}
			io->line[io->linelen] = '\0';
			if (io->overlong || doorio_sim_parse_line(io, io->line, &in) == -1)
				log_warnx("door %s: ignoring bad simulated input line", io->name);
			else if (count < max)
				out[count++] = in;
			else
				log_warnx("door %s: too many simulated inputs at once", io->name);
			io->linelen = 0;
			io->overlong = false;
		}
	}
	if (count == 0 && n == -1 && errno != EAGAIN && errno != EINTR)
		return -1;
	return count;
}

static int
doorio_sim_contact(struct doorio *base)
{
	return ((struct doorio_sim *)base)->contact;
}

static void
doorio_sim_close(struct doorio *base)
{
	struct doorio_sim *io = (struct doorio_sim *)base;

	doorio_sim_relay(io, false);
	close(io->relay_fd);
	close(io->input_fd);
	free(io);
}

const struct doorio_ops doorio_sim_ops = {
	.name = "sim",
	.open = doorio_sim_open,
	.set_relay = doorio_sim_set_relay,
	.pollfds = doorio_sim_pollfds,
	.read = doorio_sim_read,
	.contact = doorio_sim_contact,
	.close = doorio_sim_close,
};

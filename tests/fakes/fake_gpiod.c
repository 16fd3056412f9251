/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A fake libgpiod 1.6 (soname libgpiod.so.2) for testing the gpiod door
 * backend without a board.  A program linked with -lgpiod picks it up when
 * the directory holding it comes first in LD_LIBRARY_PATH.  Everything is
 * driven through files in the directory named by FAKE_GPIOD_DIR:
 *
 *   FAKE_GPIOD_DIR=<dir>	required; without it every chip open fails
 *   FAKE_GPIOD_CHIPS=<n>	chips gpiochip0 .. gpiochip<n-1> exist (default
 *				2); any other chip fails with ENOENT.  Each
 *				chip has FAKE_GPIOD_NLINES (64) lines.
 *
 *   <chip>-<line>.out	output lines: one line "<CLOCK_MONOTONIC ns> <0|1>"
 *			for the value set at request and at every
 *			gpiod_line_set_value, as the PHYSICAL level (after
 *			active-low inversion), and "<ns> released" when the
 *			line is released (it keeps its last level, like an
 *			undriven pin that a config.txt pull holds).
 *   <chip>-<line>.in	input lines requested for edge events: a FIFO the
 *			fake creates and holds open (O_RDWR|O_NONBLOCK); its fd
 *			is the event fd.  Write 2-byte records "0\n" or "1\n",
 *			each the NEW PHYSICAL level, in one write(2) each
 *			(`echo 1 > gpiochip0-22.in` does): writes under
 *			PIPE_BUF are atomic, so "fd readable" means "one whole
 *			event", as with the kernel.  gpiod_line_event_read
 *			reports rising/falling in logical terms (active-low
 *			respected) stamped with CLOCK_MONOTONIC at read time.
 *   <chip>-<line>.level	optional initial physical level of an input
 *			("0" or "1"); absent means 1 (pulled up).  Later
 *			levels come from the events read.
 *   <chip>-<line>.lock	held with flock(2) while the line is requested, so
 *			a second request, from this process or another,
 *			fails with EBUSY.  A test simulates "another program
 *			uses the line" by holding it: `flock <file> sleep 60`.
 *   requests.log	"<ns> <chip>-<line> output|input|events|released",
 *			one line per request and release, in call order.
 *
 *   fail_set		while this file exists in FAKE_GPIOD_DIR,
 *			gpiod_line_set_value fails with EIO and records
 *			nothing (a relay driver that stopped answering).
 *
 *   FAKE_GPIOD_REALTIME=1	stamp events with CLOCK_REALTIME, as kernels
 *				before 5.7 did.
 *
 * A misuse the real library would punish by hanging (reading an event that
 * is not there) is reported on stderr and aborts, so that a test fails.
 * fake_gpiod_version() exists only here: tests look it up with dlsym to
 * make sure this library, not the real one, got loaded.
 */
#include <gpiod.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FAKE_GPIOD_NLINES	64
#define FAKE_GPIOD_NCHIPS	2

enum fake_req { REQ_NONE, REQ_INPUT, REQ_OUTPUT, REQ_EVENTS };

struct gpiod_line {
	struct gpiod_chip *chip;
	unsigned int	offset;
	enum fake_req	req;
	int		flags;
	int		value;		/* logical */
	int		lock_fd;	/* flock held while requested */
	int		out_fd;		/* .out, outputs */
	int		event_fd;	/* .in FIFO, event lines */
	char		consumer[32];
};

struct gpiod_chip {
	char		name[32];
	struct gpiod_line lines[FAKE_GPIOD_NLINES];
};

const char *fake_gpiod_version(void);

const char *
fake_gpiod_version(void)
{
	return "fake-1.6";
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Path of dir/<chip>-<line><suffix>, or of dir/<suffix> if line is NULL. */
static int
fake_path(char *buf, size_t len, const struct gpiod_line *line, const char *suffix)
{
	const char *dir = getenv("FAKE_GPIOD_DIR");
	int n;

	if (dir == NULL || *dir == '\0') {
		errno = ENOENT;
		return -1;
	}
	if (line != NULL)
		n = snprintf(buf, len, "%s/%s-%u%s", dir, line->chip->name,
		    line->offset, suffix);
	else
		n = snprintf(buf, len, "%s/%s", dir, suffix);
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Append "<ns> what" to fd in a single write, so records never mix. */
static void
fake_record(int fd, const char *what)
{
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%lld %s\n", (long long)mono_ns(), what);

	if (fd >= 0 && n > 0 && write(fd, buf, (size_t)n) != n)
		fprintf(stderr, "fake libgpiod: short write: %s\n", strerror(errno));
}

static void
fake_journal(const struct gpiod_line *line, const char *what)
{
	char path[PATH_MAX], who[96];
	int fd;

	if (fake_path(path, sizeof(path), NULL, "requests.log") == -1)
		return;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return;
	snprintf(who, sizeof(who), "%s-%u %s", line->chip->name, line->offset, what);
	fake_record(fd, who);
	close(fd);
}

static void
fake_output(struct gpiod_line *line)
{
	int phys = line->value ^ !!(line->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);

	fake_record(line->out_fd, phys ? "1" : "0");
}

/* Chip names gpiochip0 .. gpiochip<FAKE_GPIOD_CHIPS - 1>. */
static int
fake_chip_exists(const char *name)
{
	const char *s = getenv("FAKE_GPIOD_CHIPS");
	long n = s != NULL ? strtol(s, NULL, 10) : FAKE_GPIOD_NCHIPS;
	char *end;
	long num;

	if (strncmp(name, "gpiochip", 8) != 0 || name[8] < '0' || name[8] > '9')
		return 0;
	num = strtol(name + 8, &end, 10);
	return *end == '\0' && num < n && (num == 0 || name[8] != '0');
}

struct gpiod_chip *
gpiod_chip_open_by_name(const char *name)
{
	struct gpiod_chip *chip;
	unsigned int i;

	if (getenv("FAKE_GPIOD_DIR") == NULL) {
		fprintf(stderr, "fake libgpiod: FAKE_GPIOD_DIR is not set\n");
		errno = ENOENT;
		return NULL;
	}
	if (strlen(name) >= sizeof(chip->name) || !fake_chip_exists(name)) {
		errno = ENOENT;
		return NULL;
	}
	if ((chip = calloc(1, sizeof(*chip))) == NULL)
		return NULL;
	strcpy(chip->name, name);
	for (i = 0; i < FAKE_GPIOD_NLINES; i++) {
		chip->lines[i].chip = chip;
		chip->lines[i].offset = i;
		chip->lines[i].lock_fd = -1;
		chip->lines[i].out_fd = -1;
		chip->lines[i].event_fd = -1;
	}
	return chip;
}

struct gpiod_chip *
gpiod_chip_open(const char *path)
{
	if (strncmp(path, "/dev/", 5) != 0) {
		errno = ENOENT;
		return NULL;
	}
	return gpiod_chip_open_by_name(path + 5);
}

struct gpiod_chip *
gpiod_chip_open_by_number(unsigned int num)
{
	char name[32];

	snprintf(name, sizeof(name), "gpiochip%u", num);
	return gpiod_chip_open_by_name(name);
}

struct gpiod_chip *
gpiod_chip_open_by_label(const char *label)
{
	(void)label;
	errno = ENOENT;
	return NULL;
}

/* Like the real one: a number, a path, or a name (no labels here). */
struct gpiod_chip *
gpiod_chip_open_lookup(const char *descr)
{
	char *end;
	unsigned long num;

	if (*descr >= '0' && *descr <= '9') {
		num = strtoul(descr, &end, 10);
		if (*end == '\0')
			return gpiod_chip_open_by_number((unsigned int)num);
	}
	if (strchr(descr, '/') != NULL)
		return gpiod_chip_open(descr);
	return gpiod_chip_open_by_name(descr);
}

void
gpiod_chip_close(struct gpiod_chip *chip)
{
	unsigned int i;

	if (chip == NULL)
		return;
	for (i = 0; i < FAKE_GPIOD_NLINES; i++)
		gpiod_line_release(&chip->lines[i]);
	free(chip);
}

const char *
gpiod_chip_name(struct gpiod_chip *chip)
{
	return chip->name;
}

const char *
gpiod_chip_label(struct gpiod_chip *chip)
{
	(void)chip;
	return "fake-gpio";
}

unsigned int
gpiod_chip_num_lines(struct gpiod_chip *chip)
{
	(void)chip;
	return FAKE_GPIOD_NLINES;
}

struct gpiod_line *
gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	if (offset >= FAKE_GPIOD_NLINES) {
		errno = EINVAL;
		return NULL;
	}
	return &chip->lines[offset];
}

struct gpiod_chip *
gpiod_line_get_chip(struct gpiod_line *line)
{
	return line->chip;
}

unsigned int
gpiod_line_offset(struct gpiod_line *line)
{
	return line->offset;
}

const char *
gpiod_line_consumer(struct gpiod_line *line)
{
	return line->req != REQ_NONE ? line->consumer : NULL;
}

bool
gpiod_line_is_requested(struct gpiod_line *line)
{
	return line->req != REQ_NONE;
}

bool
gpiod_line_is_free(struct gpiod_line *line)
{
	return line->req == REQ_NONE;
}

/* The physical level of an input before any event: <line>.level or 1. */
static int
fake_initial_level(const struct gpiod_line *line)
{
	char path[PATH_MAX];
	FILE *f;
	int c = '1';

	if (fake_path(path, sizeof(path), line, ".level") == 0 &&
	    (f = fopen(path, "re")) != NULL) {
		c = fgetc(f);
		fclose(f);
	}
	return c == '0' ? 0 : 1;
}

static int
fake_open_fifo(const struct gpiod_line *line)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	if (fake_path(path, sizeof(path), line, ".in") == -1)
		return -1;
	if (mkfifo(path, 0666) == -1 && errno != EEXIST)
		return -1;
	if (stat(path, &st) == -1)
		return -1;
	if (!S_ISFIFO(st.st_mode)) {
		fprintf(stderr, "fake libgpiod: %s is not a FIFO\n", path);
		errno = EEXIST;
		return -1;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return fd;
}

int
gpiod_line_request(struct gpiod_line *line,
    const struct gpiod_line_request_config *config, int default_val)
{
	char path[PATH_MAX];
	int al = !!(config->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	int saved;

	if (line->req != REQ_NONE) {
		errno = EBUSY;
		return -1;
	}
	if (fake_path(path, sizeof(path), line, ".lock") == -1)
		return -1;
	if ((line->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (flock(line->lock_fd, LOCK_EX | LOCK_NB) == -1) {
		errno = EBUSY;
		goto fail;
	}
	line->flags = config->flags;
	snprintf(line->consumer, sizeof(line->consumer), "%s",
	    config->consumer != NULL ? config->consumer : "?");

	switch (config->request_type) {
	case GPIOD_LINE_REQUEST_DIRECTION_OUTPUT:
		if (fake_path(path, sizeof(path), line, ".out") == -1)
			goto fail;
		line->out_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
		if (line->out_fd == -1)
			goto fail;
		line->req = REQ_OUTPUT;
		line->value = !!default_val;
		fake_journal(line, "output");
		fake_output(line);
		return 0;
	case GPIOD_LINE_REQUEST_DIRECTION_INPUT:
		line->req = REQ_INPUT;
		line->value = fake_initial_level(line) ^ al;
		fake_journal(line, "input");
		return 0;
	case GPIOD_LINE_REQUEST_EVENT_RISING_EDGE:
	case GPIOD_LINE_REQUEST_EVENT_FALLING_EDGE:
	case GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES:
		if ((line->event_fd = fake_open_fifo(line)) == -1)
			goto fail;
		line->req = REQ_EVENTS;
		line->value = fake_initial_level(line) ^ al;
		fake_journal(line, "events");
		return 0;
	default:
		errno = EINVAL;
		goto fail;
	}
fail:
	saved = errno;
	close(line->lock_fd);
	line->lock_fd = -1;
	errno = saved;
	return -1;
}

static int
fake_request(struct gpiod_line *line, const char *consumer, int type, int flags,
    int default_val)
{
	struct gpiod_line_request_config config = { consumer, type, flags };

	return gpiod_line_request(line, &config, default_val);
}

int
gpiod_line_request_input(struct gpiod_line *line, const char *consumer)
{
	return fake_request(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, 0, 0);
}

int
gpiod_line_request_input_flags(struct gpiod_line *line, const char *consumer, int flags)
{
	return fake_request(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_INPUT, flags, 0);
}

int
gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int default_val)
{
	return fake_request(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, 0,
	    default_val);
}

int
gpiod_line_request_output_flags(struct gpiod_line *line, const char *consumer,
    int flags, int default_val)
{
	return fake_request(line, consumer, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT, flags,
	    default_val);
}

int
gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer)
{
	return fake_request(line, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, 0, 0);
}

int
gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
    const char *consumer, int flags)
{
	return fake_request(line, consumer, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES, flags, 0);
}

void
gpiod_line_release(struct gpiod_line *line)
{
	if (line == NULL || line->req == REQ_NONE)
		return;
	if (line->req == REQ_OUTPUT) {
		fake_record(line->out_fd, "released");
		close(line->out_fd);
		line->out_fd = -1;
	}
	if (line->event_fd != -1) {
		close(line->event_fd);
		line->event_fd = -1;
	}
	fake_journal(line, "released");
	close(line->lock_fd);
	line->lock_fd = -1;
	line->req = REQ_NONE;
}

int
gpiod_line_get_value(struct gpiod_line *line)
{
	if (line->req == REQ_NONE) {
		errno = EPERM;
		return -1;
	}
	return line->value;
}

int
gpiod_line_set_value(struct gpiod_line *line, int value)
{
	char path[PATH_MAX];

	if (line->req != REQ_OUTPUT) {
		errno = EPERM;
		return -1;
	}
	if (fake_path(path, sizeof(path), NULL, "fail_set") == 0 &&
	    access(path, F_OK) == 0) {
		errno = EIO;
		return -1;
	}
	line->value = !!value;
	fake_output(line);
	return 0;
}

int
gpiod_line_event_get_fd(struct gpiod_line *line)
{
	if (line->req != REQ_EVENTS) {
		errno = EPERM;
		return -1;
	}
	return line->event_fd;
}

int
gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event)
{
	struct pollfd pfd;
	char rec[2];
	ssize_t n;
	int64_t ns;
	int phys;

	if (line->req != REQ_EVENTS) {
		errno = EPERM;
		return -1;
	}
	pfd.fd = line->event_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 0) == 0) {
		fprintf(stderr, "fake libgpiod: %s line %u: event read with no event "
		    "pending: libgpiod would block here for good\n", line->chip->name,
		    line->offset);
		abort();
	}
	n = read(line->event_fd, rec, sizeof(rec));
	if (n == -1)
		return -1;
	if (n != (ssize_t)sizeof(rec) || (rec[0] != '0' && rec[0] != '1') ||
	    rec[1] != '\n') {
		fprintf(stderr, "fake libgpiod: %s line %u: bad event record "
		    "(write \"0\\n\" or \"1\\n\" in one write)\n", line->chip->name,
		    line->offset);
		errno = EIO;
		return -1;
	}
	phys = rec[0] == '1';
	line->value = phys ^ !!(line->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW);
	if (getenv("FAKE_GPIOD_REALTIME") != NULL) {
		clock_gettime(CLOCK_REALTIME, &event->ts);
		ns = (int64_t)event->ts.tv_sec * 1000000000 + event->ts.tv_nsec;
	} else
		ns = mono_ns();
	event->ts.tv_sec = (time_t)(ns / 1000000000);
	event->ts.tv_nsec = (long)(ns % 1000000000);
	event->event_type = line->value ? GPIOD_LINE_EVENT_RISING_EDGE :
	    GPIOD_LINE_EVENT_FALLING_EDGE;
	return 0;
}

const char *
gpiod_version_string(void)
{
	return "1.6.3-fake";
}

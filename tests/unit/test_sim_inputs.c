/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The simulated reader and door input lines (docs/design.md, Simulated
 * hardware), through the real backends on real FIFOs.  Cases found by the
 * fuzz targets (tests/fuzz/fuzz_reader_sim.c, fuzz_doorio_sim.c): a line
 * with a NUL, or the tail of an overlong line, is a bad line, never a tap
 * or an input; a burst of inputs larger than one doorio_read() call is
 * delivered whole.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "doorio.h"
#include "reader.h"
#include "testhelp.h"

static char dir[] = "/tmp/seuil-test-sim.XXXXXX";

static struct reader *
open_reader(int *wfd)
{
	static struct reader_conf conf;
	char err[256];
	struct reader *r;

	snprintf(conf.name, sizeof(conf.name), "test");
	conf.driver = READER_SIM;
	conf.door_index = -1;
	snprintf(conf.sim_fifo, sizeof(conf.sim_fifo), "%s/r.fifo", dir);
	r = reader_open(&conf, err, sizeof(err));
	*wfd = r != NULL ? open(conf.sim_fifo, O_WRONLY | O_NONBLOCK) : -1;
	return r;
}

/* Write text (len bytes), then count the taps and card-gone events read. */
static int
reader_events(struct reader *r, int wfd, const char *text, size_t len, int *gone)
{
	struct reader_event ev;
	char err[256];
	int taps = 0;

	*gone = 0;
	if (write(wfd, text, len) != (ssize_t)len)
		return -1;
	while (reader_wait(r, &ev, 0, err, sizeof(err)) == 1) {
		if (ev.type == READER_TAP)
			taps++;
		else
			(*gone)++;
	}
	return taps;
}

static void
test_reader_nul_is_bad_line(void)
{
	int wfd, gone;
	struct reader *r = open_reader(&wfd);

	EXPECT(r != NULL && wfd != -1);
	if (r == NULL)
		return;
	/* fuzz regression reader_sim/nul-in-line */
	EXPECT_INT(reader_events(r, wfd, "04A1B2C3\0\0\0\n", 12, &gone), 0);
	EXPECT_INT(reader_events(r, wfd, "-\0\n", 3, &gone), 0);
	EXPECT_INT(gone, 0);
	EXPECT_INT(reader_events(r, wfd, "04A1B2C3\n-\n", 11, &gone), 1);
	EXPECT_INT(gone, 1);
	close(wfd);
	reader_close(r);
}

static void
test_reader_overlong_tail_is_no_tap(void)
{
	char buf[700];
	int wfd, gone;
	struct reader *r = open_reader(&wfd);

	EXPECT(r != NULL && wfd != -1);
	if (r == NULL)
		return;
	/* fuzz regression reader_sim/overlong-tail: 532 hex digits, then a
	 * newline.  The first 512 fill the reader's buffer and are dropped;
	 * the last 20 would be a 10-byte UID on their own. */
	memset(buf, 'A', 532);
	buf[532] = '\n';
	EXPECT_INT(reader_events(r, wfd, buf, 533, &gone), 0);
	EXPECT_INT(reader_events(r, wfd, "04A1B2C3\n", 9, &gone), 1);
	close(wfd);
	reader_close(r);
}

static struct doorio *
open_door(int *wfd, int *rfd)
{
	static struct door_conf conf;
	char err[256], path[PATH_MAX + 16];
	int fds[DOORIO_MAX_FDS];
	struct doorio *io;

	snprintf(conf.name, sizeof(conf.name), "test");
	conf.gpio = GPIO_SIM;
	conf.unlock_ms = 1000;
	conf.contact_line = conf.exit_line = -1;
	snprintf(conf.sim_dir, sizeof(conf.sim_dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/inputs", dir);
	if ((io = doorio_open(&conf, err, sizeof(err))) == NULL)
		return NULL;
	*wfd = open(path, O_WRONLY | O_NONBLOCK);
	doorio_pollfds(io, fds);
	*rfd = fds[0];
	return io;
}

/* Write text, then read inputs max at a time as the door does; the number
 * of inputs of type t, or -1. */
static int
door_inputs(struct doorio *io, int wfd, int rfd, const char *text, size_t len, int max,
    enum doorio_input_type t)
{
	struct doorio_input in[32];
	int n, count = 0;

	if (write(wfd, text, len) != (ssize_t)len)
		return -1;
	while ((n = doorio_read(io, rfd, in, max)) > 0)
		for (int i = 0; i < n; i++)
			count += in[i].type == t;
	return n == 0 ? count : -1;
}

static void
test_door_nul_is_bad_line(void)
{
	int wfd, rfd;
	struct doorio *io = open_door(&wfd, &rfd);

	EXPECT(io != NULL);
	if (io == NULL)
		return;
	/* fuzz regression doorio_sim/nul-in-line */
	EXPECT_INT(door_inputs(io, wfd, rfd, "contact open\0exit\n", 18, 16,
	    DOORIO_CONTACT_OPEN), 0);
	EXPECT_INT(doorio_contact(io), -1);
	EXPECT_INT(door_inputs(io, wfd, rfd, "contact open\n", 13, 16, DOORIO_CONTACT_OPEN), 1);
	EXPECT_INT(doorio_contact(io), 1);
	close(wfd);
	doorio_close(io);
}

static void
test_door_burst_not_dropped(void)
{
	char buf[40 * 5 + 16];
	int wfd, rfd;
	struct doorio *io = open_door(&wfd, &rfd);

	EXPECT(io != NULL);
	if (io == NULL)
		return;
	/* fuzz regression doorio_sim/burst: 40 inputs in one write, read 16
	 * (door.c) or 8 at a time; the last contact line must not be lost. */
	buf[0] = '\0';
	for (int i = 0; i < 40; i++)
		strcat(buf, "exit\n");
	EXPECT_INT(door_inputs(io, wfd, rfd, buf, strlen(buf), 16, DOORIO_EXIT_PRESSED), 40);
	EXPECT_INT(door_inputs(io, wfd, rfd, buf, strlen(buf), 8, DOORIO_EXIT_PRESSED), 40);
	EXPECT_INT(door_inputs(io, wfd, rfd, buf, strlen(buf), 1, DOORIO_EXIT_PRESSED), 40);
	strcat(buf, "contact closed\n");
	EXPECT_INT(door_inputs(io, wfd, rfd, buf, strlen(buf), 16, DOORIO_CONTACT_CLOSED), 1);
	close(wfd);
	doorio_close(io);
}

int
main(void)
{
	char path[64];

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_reader_nul_is_bad_line);
	RUN(test_reader_overlong_tail_is_no_tap);
	RUN(test_door_nul_is_bad_line);
	RUN(test_door_burst_not_dropped);
	snprintf(path, sizeof(path), "%s/r.fifo", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inputs", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/relay.log", dir);
	unlink(path);
	rmdir(dir);
	return TEST_REPORT();
}

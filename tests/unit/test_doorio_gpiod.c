/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The gpiod door backend, run through doorio_open() against the fake
 * libgpiod of tests/fakes (see the comment at the top of fake_gpiod.c for
 * the files it reads and writes).  This binary links -lgpiod; it re-executes
 * itself with LD_LIBRARY_PATH pointing at the fake (build/tests/test_x ->
 * build/fakes) and refuses to run against the real library.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "clock.h"
#include "doorio.h"
#include "testhelp.h"

#define MAXREC	32
#define WAIT_MS	5000	/* a failure limit only */

static char dir[PATH_MAX];

struct rec {
	int64_t	ns;
	char	what[32];	/* "0", "1", "released", "gpiochip0-17 output" */
};

/* Make sure the fake libgpiod is the one loaded; re-exec once to get it. */
static void
use_fake_gpiod(char **argv)
{
	char exe[PATH_MAX], fakes[PATH_MAX + 16], env[2 * PATH_MAX + 32], *old;
	ssize_t n;

	if (dlsym(RTLD_DEFAULT, "fake_gpiod_version") != NULL)
		return;
	if (getenv("SEUIL_FAKE_GPIOD_REEXEC") != NULL) {
		printf("not ok fake_gpiod_loaded\n# the real libgpiod was loaded, "
		    "not the fake: is build/fakes/libgpiod.so.2 built?\n");
		exit(1);
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) == -1) {
		printf("not ok fake_gpiod_loaded\n# /proc/self/exe: %s\n", strerror(errno));
		exit(1);
	}
	exe[n] = '\0';
	/* build/tests/test_x -> build/fakes */
	snprintf(fakes, sizeof(fakes), "%s/fakes", dirname(dirname(exe)));
	old = getenv("LD_LIBRARY_PATH");
	snprintf(env, sizeof(env), "%s%s%s", fakes, old ? ":" : "", old ? old : "");
	setenv("LD_LIBRARY_PATH", env, 1);
	setenv("SEUIL_FAKE_GPIOD_REEXEC", "1", 1);
	execv("/proc/self/exe", argv);
	printf("not ok fake_gpiod_loaded\n# exec: %s\n", strerror(errno));
	exit(1);
}

/* A fresh FAKE_GPIOD_DIR for each case. */
static void
fresh_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/seuil-gpiod.XXXXXX", tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		exit(1);
	}
	setenv("FAKE_GPIOD_DIR", dir, 1);
}

static void
remove_dir(void)
{
	char path[PATH_MAX + 256];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
default_conf(struct door_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "front");
	c->gpio = GPIO_GPIOD;
	snprintf(c->chip, sizeof(c->chip), "gpiochip0");
	c->relay_line = 17;
	c->relay_active_low = false;
	c->unlock_ms = 5000;
	c->contact_line = 22;
	c->contact_open_high = true;
	c->held_open_ms = 60000;
	c->exit_line = 27;
}

static void
dir_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* The records of a fake's file ("<ns> rest"); -1 if the file is absent. */
static int
read_recs(const char *name, struct rec *r, int max)
{
	char path[PATH_MAX + 64], line[128];
	long long ns;
	int n = 0;
	FILE *f;

	dir_path(path, sizeof(path), name);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%lld %31[^\n]", &ns, r[n].what) != 2)
			continue;
		r[n++].ns = ns;
	}
	fclose(f);
	return n;
}

/* The .out records of gpiochip0-<line> as a string: "0 1 0 released". */
static const char *
outs(int line)
{
	static char buf[256];
	struct rec r[MAXREC];
	char name[64];
	int i, n;

	snprintf(name, sizeof(name), "gpiochip0-%d.out", line);
	buf[0] = '\0';
	if ((n = read_recs(name, r, MAXREC)) == -1)
		return "(absent)";
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(buf, " ");
		strcat(buf, r[i].what);
	}
	return buf;
}

/* requests.log without the times: "gpiochip0-17 output, gpiochip0-22 events". */
static const char *
requests(void)
{
	static char buf[1024];
	struct rec r[MAXREC];
	int i, n;

	buf[0] = '\0';
	if ((n = read_recs("requests.log", r, MAXREC)) == -1)
		return "(absent)";
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(buf, ", ");
		strcat(buf, r[i].what);
	}
	return buf;
}

/* An edge: the new physical level of gpiochip0-<line>, in one write. */
static void
edge(int line, int level)
{
	char path[PATH_MAX + 64], name[64];
	int fd;

	snprintf(name, sizeof(name), "gpiochip0-%d.in", line);
	dir_path(path, sizeof(path), name);
	/* O_NONBLOCK: fail rather than hang if the backend holds no reader. */
	fd = open(path, O_WRONLY | O_NONBLOCK);
	EXPECT(fd != -1);
	if (fd == -1)
		return;
	EXPECT(write(fd, level ? "1\n" : "0\n", 2) == 2);
	close(fd);
}

static void
set_level(int line, int level)
{
	char path[PATH_MAX + 64], name[64];
	FILE *f;

	snprintf(name, sizeof(name), "gpiochip0-%d.level", line);
	dir_path(path, sizeof(path), name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(level ? "1\n" : "0\n", f);
		fclose(f);
	}
}

/* Whether another holder could take gpiochip0-<line> now. */
static bool
line_free(int line)
{
	char path[PATH_MAX + 64], name[64];
	bool ok;
	int fd;

	snprintf(name, sizeof(name), "gpiochip0-%d.lock", line);
	dir_path(path, sizeof(path), name);
	if ((fd = open(path, O_RDWR | O_CREAT, 0644)) == -1)
		return false;
	ok = flock(fd, LOCK_EX | LOCK_NB) == 0;
	close(fd);
	return ok;
}

static bool
readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, WAIT_MS) == 1 && (p.revents & POLLIN);
}

/* Wait for fd, then read what is there. */
static int
read_inputs(struct doorio *io, int fd, struct doorio_input *in, int max)
{
	if (!readable(fd))
		return 0;
	return doorio_read(io, fd, in, max);
}

static void
test_relay_requested_locked_first(void)
{
	struct door_conf c;
	struct doorio *io;
	struct rec out[MAXREC], req[MAXREC];
	char err[256] = "";
	int nout, nreq;

	fresh_dir();
	default_conf(&c);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	EXPECT_STR(err, "");
	EXPECT_STR(requests(), "gpiochip0-17 output, gpiochip0-22 events, "
	    "gpiochip0-27 events");
	nout = read_recs("gpiochip0-17.out", out, MAXREC);
	nreq = read_recs("requests.log", req, MAXREC);
	EXPECT_INT(nout, 1);
	EXPECT_INT(nreq, 3);
	if (nout == 1 && nreq == 3) {
		EXPECT_STR(out[0].what, "0");
		EXPECT(out[0].ns <= req[1].ns);	/* driven locked before any input */
	}
	doorio_close(io);
	remove_dir();
}

static void
test_set_relay(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";

	fresh_dir();
	default_conf(&c);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT_INT(doorio_set_relay(io, true), 0);
	EXPECT_STR(outs(17), "0 1");
	EXPECT_INT(doorio_set_relay(io, false), 0);
	EXPECT_STR(outs(17), "0 1 0");
	doorio_close(io);
	EXPECT_STR(outs(17), "0 1 0 0 released");
	remove_dir();
}

static void
test_relay_active_low(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";

	fresh_dir();
	default_conf(&c);
	c.relay_active_low = true;
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT_STR(outs(17), "1");		/* locked = high on the pin */
	EXPECT_INT(doorio_set_relay(io, true), 0);
	EXPECT_INT(doorio_set_relay(io, false), 0);
	EXPECT_STR(outs(17), "1 0 1");
	doorio_close(io);
	EXPECT_STR(outs(17), "1 0 1 1 released");
	remove_dir();
}

static void
contact_case(bool open_high)
{
	struct door_conf c;
	struct doorio *io;
	struct doorio_input in[8];
	char err[256] = "";
	int fds[DOORIO_MAX_FDS], n;
	int64_t before, after;

	fresh_dir();
	default_conf(&c);
	c.contact_open_high = open_high;
	c.exit_line = -1;
	set_level(22, 0);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT_INT(doorio_pollfds(io, fds), 1);
	EXPECT_INT(doorio_contact(io), open_high ? 0 : 1);

	before = clock_mono_ns();
	edge(22, 1);
	n = read_inputs(io, fds[0], in, 8);
	after = clock_mono_ns();
	EXPECT_INT(n, 1);
	if (n == 1) {
		EXPECT_INT(in[0].type, open_high ? DOORIO_CONTACT_OPEN : DOORIO_CONTACT_CLOSED);
		EXPECT(in[0].mono_ns >= before && in[0].mono_ns <= after);
	}
	EXPECT_INT(doorio_contact(io), open_high ? 1 : 0);

	/* Bounce: every edge is reported, in order, none merged. */
	edge(22, 0);
	edge(22, 1);
	edge(22, 0);
	n = read_inputs(io, fds[0], in, 2);
	EXPECT_INT(n, 2);
	if (n == 2) {
		EXPECT_INT(in[0].type, open_high ? DOORIO_CONTACT_CLOSED : DOORIO_CONTACT_OPEN);
		EXPECT_INT(in[1].type, open_high ? DOORIO_CONTACT_OPEN : DOORIO_CONTACT_CLOSED);
		EXPECT(in[0].mono_ns <= in[1].mono_ns);
	}
	n = read_inputs(io, fds[0], in, 8);
	EXPECT_INT(n, 1);
	if (n == 1)
		EXPECT_INT(in[0].type, open_high ? DOORIO_CONTACT_CLOSED : DOORIO_CONTACT_OPEN);
	EXPECT_INT(doorio_contact(io), open_high ? 0 : 1);
	doorio_close(io);
	remove_dir();
}

static void
test_contact_open_high(void)
{
	contact_case(true);
}

static void
test_contact_open_low(void)
{
	contact_case(false);
}

static void
test_contact_default_level_is_pulled_up(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";

	fresh_dir();
	default_conf(&c);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT_INT(doorio_contact(io), 1);	/* nothing wired: reads open */
	doorio_close(io);
	remove_dir();
}

/* Kernels before 5.7 stamp events with the wall clock: never pass that on. */
static void
test_realtime_stamps_not_used(void)
{
	struct door_conf c;
	struct doorio *io;
	struct doorio_input in[4];
	char err[256] = "";
	int fds[DOORIO_MAX_FDS], n;
	int64_t before, after;

	fresh_dir();
	default_conf(&c);
	setenv("FAKE_GPIOD_REALTIME", "1", 1);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io != NULL) {
		EXPECT_INT(doorio_pollfds(io, fds), 2);
		before = clock_mono_ns();
		edge(22, 0);
		n = read_inputs(io, fds[0], in, 4);
		after = clock_mono_ns();
		EXPECT_INT(n, 1);
		if (n == 1)
			EXPECT(in[0].mono_ns >= before && in[0].mono_ns <= after);
		doorio_close(io);
	}
	unsetenv("FAKE_GPIOD_REALTIME");
	remove_dir();
}

static void
test_exit_button(void)
{
	struct door_conf c;
	struct doorio *io;
	struct doorio_input in[4];
	char err[256] = "";
	int fds[DOORIO_MAX_FDS], n;

	fresh_dir();
	default_conf(&c);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT_INT(doorio_pollfds(io, fds), 2);
	EXPECT_INT(doorio_contact(io), 1);

	edge(27, 0);		/* pressed: the button shorts the line to GND */
	n = read_inputs(io, fds[1], in, 4);
	EXPECT_INT(n, 1);
	if (n == 1)
		EXPECT_INT(in[0].type, DOORIO_EXIT_PRESSED);
	edge(27, 1);
	n = read_inputs(io, fds[1], in, 4);
	EXPECT_INT(n, 1);
	if (n == 1)
		EXPECT_INT(in[0].type, DOORIO_EXIT_RELEASED);

	/* The contact's fd saw nothing of it. */
	{
		struct pollfd p = { .fd = fds[0], .events = POLLIN };

		EXPECT_INT(poll(&p, 1, 0), 0);
	}
	errno = 0;
	EXPECT_INT(doorio_read(io, 12345, in, 4), -1);
	EXPECT_INT(errno, EINVAL);
	doorio_close(io);
	remove_dir();
}

static void
test_no_inputs(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";
	int fds[DOORIO_MAX_FDS];

	fresh_dir();
	default_conf(&c);
	c.contact_line = -1;
	c.exit_line = -1;
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT_INT(doorio_pollfds(io, fds), 0);
	EXPECT_INT(doorio_contact(io), -1);
	EXPECT_STR(requests(), "gpiochip0-17 output");
	doorio_close(io);
	remove_dir();
}

static void
test_close_locks_then_releases(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";

	fresh_dir();
	default_conf(&c);
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io != NULL);
	if (io == NULL)
		return;
	EXPECT(!line_free(17));
	EXPECT(!line_free(22));
	EXPECT(!line_free(27));
	EXPECT_INT(doorio_set_relay(io, true), 0);
	doorio_close(io);
	EXPECT_STR(outs(17), "0 1 0 released");
	EXPECT_STR(requests(), "gpiochip0-17 output, gpiochip0-22 events, "
	    "gpiochip0-27 events, gpiochip0-27 released, gpiochip0-22 released, "
	    "gpiochip0-17 released");
	EXPECT(line_free(17));
	EXPECT(line_free(22));
	EXPECT(line_free(27));
	doorio_close(NULL);
	remove_dir();
}

static void
test_unknown_chip(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";

	fresh_dir();
	default_conf(&c);
	snprintf(c.chip, sizeof(c.chip), "gpiochip7");
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io == NULL);
	EXPECT(strstr(err, "gpiochip7: No such file or directory") != NULL);
	EXPECT(strstr(err, "gpiodetect") != NULL);
	EXPECT_STR(requests(), "(absent)");
	doorio_close(io);
	remove_dir();
}

static void
test_bad_line_number(void)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "";

	fresh_dir();
	default_conf(&c);
	c.exit_line = 99;
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io == NULL);
	EXPECT(strstr(err, "gpiochip0 line 99 (exit button): no such line") != NULL);
	EXPECT_STR(outs(17), "0 0 released");
	EXPECT(line_free(17));
	EXPECT(line_free(22));
	remove_dir();

	fresh_dir();
	default_conf(&c);
	c.exit_line = c.relay_line;
	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io == NULL);
	EXPECT(strstr(err, "must be different") != NULL);
	EXPECT_STR(requests(), "(absent)");
	remove_dir();
}

/* Another program holds a line: open fails, names it, and keeps nothing. */
static void
busy_case(int busy, const char *what, const char *want_out, const char *want_req)
{
	struct door_conf c;
	struct doorio *io;
	char err[256] = "", path[PATH_MAX + 64], name[64], want[128];
	int fd;

	fresh_dir();
	default_conf(&c);
	snprintf(name, sizeof(name), "gpiochip0-%d.lock", busy);
	dir_path(path, sizeof(path), name);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	EXPECT(fd != -1 && flock(fd, LOCK_EX | LOCK_NB) == 0);

	io = doorio_open(&c, err, sizeof(err));
	EXPECT(io == NULL);
	snprintf(want, sizeof(want), "gpiochip0 line %d (%s): Device or resource busy "
	    "(is another program using it?", busy, what);
	if (strstr(err, want) == NULL)
		printf("#   err is \"%s\"\n", err);
	EXPECT(strstr(err, want) != NULL);
	EXPECT_STR(outs(17), want_out);
	EXPECT_STR(requests(), want_req);
	close(fd);
	EXPECT(line_free(17));
	EXPECT(line_free(22));
	EXPECT(line_free(27));
	doorio_close(io);
	remove_dir();
}

static void
test_busy_relay(void)
{
	busy_case(17, "relay", "(absent)", "(absent)");
}

static void
test_busy_contact(void)
{
	busy_case(22, "door contact", "0 0 released",
	    "gpiochip0-17 output, gpiochip0-17 released");
}

static void
test_busy_exit(void)
{
	busy_case(27, "exit button", "0 0 released",
	    "gpiochip0-17 output, gpiochip0-22 events, gpiochip0-22 released, "
	    "gpiochip0-17 released");
}

/* Two doors on one chip, as a daemon with two doors holds them. */
static void
test_two_doors(void)
{
	struct door_conf a, b;
	struct doorio *ia, *ib;
	char err[256] = "";

	fresh_dir();
	default_conf(&a);
	default_conf(&b);
	snprintf(b.name, sizeof(b.name), "back");
	b.relay_line = 5;
	b.contact_line = 6;
	b.exit_line = -1;
	ia = doorio_open(&a, err, sizeof(err));
	ib = doorio_open(&b, err, sizeof(err));
	EXPECT(ia != NULL && ib != NULL);
	/* The same door twice: its relay line is now busy. */
	EXPECT(doorio_open(&a, err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "line 17 (relay): Device or resource busy") != NULL);
	EXPECT_INT(doorio_set_relay(ib, true), 0);
	EXPECT_STR(outs(17), "0");
	EXPECT_STR(outs(5), "0 1");
	doorio_close(ib);
	doorio_close(ia);
	EXPECT_STR(outs(5), "0 1 0 released");
	remove_dir();
}

int
main(int argc, char **argv)
{
	(void)argc;
	use_fake_gpiod(argv);
	unsetenv("FAKE_GPIOD_CHIPS");

	RUN(test_relay_requested_locked_first);
	RUN(test_set_relay);
	RUN(test_relay_active_low);
	RUN(test_contact_open_high);
	RUN(test_contact_open_low);
	RUN(test_contact_default_level_is_pulled_up);
	RUN(test_realtime_stamps_not_used);
	RUN(test_exit_button);
	RUN(test_no_inputs);
	RUN(test_close_locks_then_releases);
	RUN(test_unknown_chip);
	RUN(test_bad_line_number);
	RUN(test_busy_relay);
	RUN(test_busy_contact);
	RUN(test_busy_exit);
	RUN(test_two_doors);
	return TEST_REPORT();
}

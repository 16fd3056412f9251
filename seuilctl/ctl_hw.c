/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuilctl hw test: the doors' I/O, the badge readers and their lights and
 * buzzers exercised through the very backends seuild uses (doorio.h,
 * reader.h, feedbackio.h), for the person wiring a site.  Nothing here
 * decides access or writes the database.
 *
 * Each configured feedback line is switched on once, for HW_FLASH_MS, one
 * after the other, and the output says which: a LED that stays dark, or
 * the wrong one lighting, is a wiring fault found on site.
 *
 * The hardware belongs to seuild while it runs (a GPIO line has one user, a
 * reader one opener), so the command refuses to run beside it.
 *
 * Each reader runs in the very child process seuild runs it in
 * (reader_child.h), contained the same way: libnfc calls block, and some
 * never return.  A card's UID arrives here only to be turned into its
 * length, hint and MAC, and is wiped at once; it never reaches the
 * terminal.  At the end of the test each child is asked to stop (SIGTERM),
 * and killed if it has not 5 s later.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "control.h"
#include "ctl.h"
#include "doorio.h"
#include "feedbackio.h"
#include "reader_child.h"

#define HW_PULSE_MAX		10	/* s: a strike coil is not made to stay on */
#define HW_TIMEOUT_DEFAULT	30	/* s */
#define HW_TIMEOUT_MAX		3600	/* s */
#define HW_KILL_GRACE_MS	5000	/* after the timeout, for a hung reader */
#define HW_STOP_GRACE_MS	2000	/* after SIGTERM, on Ctrl-C */
#define HW_HEARTBEAT_MS		250	/* the child's; hw test does not watch it */
#define HW_DAEMON_PROBE_MS	3000
#define HW_FLASH_MS		500	/* each feedback line on, once */
#define HW_FLASH_GAP_MS		250	/* between two lines */

struct hw_door {
	const struct door_conf *conf;
	struct doorio	*io;
	int		 fds[DOORIO_MAX_FDS];
	int		 nfds;
};

struct hw_reader {
	const struct reader_conf *conf;
	pid_t		 pid;		/* 0 once reaped */
	int		 sock;		/* -1 once the child has hung up */
	bool		 opened;
	bool		 failed;
	bool		 stopped;	/* SIGTERM sent at the end of the test */
	bool		 killed;
	bool		 fb_tested;	/* it has feedback lines, flashed */
	bool		 fb_failed;	/* they could not be opened or set */
};

struct hw_test {
	struct ctl	*c;
	struct hw_door	 doors[CONFIG_MAX_DOORS];
	int		 ndoors;
	struct hw_reader readers[CONFIG_MAX_READERS];
	int		 nreaders;
	uint8_t		 key[UID_KEY_LEN];
	bool		 have_key;
	char		 lookup_err[PATH_MAX + 256];	/* why enrolment is unknown */
	int64_t		 start_ms;
};

static volatile sig_atomic_t hw_stop;

static void
hw_on_signal(int sig)
{
	(void)sig;
	hw_stop = 1;
}

static void
hw_print(const struct hw_test *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One line of the session, stamped with seconds since its start. */
static void
hw_print(const struct hw_test *t, const char *fmt, ...)
{
	va_list ap;
	int64_t ms = clock_mono_ms() - t->start_ms;

	printf("[%3lld.%lld] ", (long long)(ms / 1000), (long long)(ms % 1000 / 100));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static long
hw_number(const char *arg, const char *opt, long min, long max, bool *bad)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < min || v > max) {
		ctl_errx("%s must be a whole number of seconds, %ld to %ld", opt, min, max);
		*bad = true;
	}
	return v;
}

static void
hw_list_names(struct ctl *c, bool doors)
{
	int i, n = doors ? c->conf.ndoors : c->conf.nreaders;

	fprintf(stderr, "seuilctl: %s configured in %s:", doors ? "doors" : "readers",
	    c->conf_path);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %s", doors ? c->conf.doors[i].name : c->conf.readers[i].name);
	fprintf(stderr, "%s\n", n == 0 ? " none" : "");
}

/* ---- the reader children ---- */

/* In each new child: it needs no key (MACs are computed here). */
static void
hw_child_setup(void *arg)
{
	struct hw_test *t = arg;

	explicit_bzero(t->key, sizeof(t->key));
}

static void
hw_start_reader(struct hw_test *t, struct hw_reader *hr)
{
	struct reader_child_opts o = {
		.heartbeat_ms = HW_HEARTBEAT_MS,
		.sandbox = t->c->conf.reader_sandbox,
		.setup = hw_child_setup,
		.arg = t,
	};

	if ((hr->pid = reader_child_start(hr->conf, &o, &hr->sock, NULL)) == -1) {
		hw_print(t, "reader %s: FAILED: starting its process: %s", hr->conf->name,
		    strerror(errno));
		hr->pid = 0;
		hr->sock = -1;
		hr->failed = true;
	}
}

/* ---- the parent ---- */

static void
hw_reader_hint(const struct hw_test *t, const struct reader_conf *rc)
{
	if (rc->driver == READER_SIM) {
		printf("    check sim_fifo in %s\n", t->c->conf_path);
		return;
	}
	printf("    check the connstring in %s (pn532_uart:/dev/ttyS0,\n"
	    "    pn532_i2c:/dev/i2c-1, pn532_spi:/dev/spidev0.0, acr122_usb), that the\n"
	    "    reader answers `nfc-list` (LIBNFC_DEVICE=CONNSTRING nfc-list), that this\n"
	    "    user may open the device (groups dialout, i2c, spi or plugdev), and\n"
	    "    that no other program holds it; see docs/hardware-reader.md\n",
	    t->c->conf_path);
	fflush(stdout);
}

static void
hw_card(struct hw_test *t, const struct hw_reader *hr, const struct reader_msg *m)
{
	const char *name = hr->conf->name;
	struct badge_row b;
	struct member_row mem;
	struct uid uid;
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN];
	unsigned len = m->uid_len;
	/* A card that may run DESFire says so: a DESFire badge is proven by
	 * its credential at the door, and its UID alone is no badge. */
	const char *iso = m->card == READER_CARD_ISO14443_4 ? " (ISO 14443-4)" : "";
	int rc;

	uid.len = m->uid_len;
	memcpy(uid.bytes, m->uid, m->uid_len);
	uid_hint(&uid, hint);
	if (t->have_key)
		uid_mac(t->key, &uid, mac);
	uid_wipe(&uid);

	if (!t->have_key || t->c->st == NULL)
		hw_print(t, "reader %s: card: %u-byte UID%s, hint %s, enrolment not "
		    "checked (%s)", name, len, iso, hint, t->lookup_err);
	else if ((rc = store_find_badge(t->c->st, BADGE_UID, mac, &b, &mem)) == -1)
		hw_print(t, "reader %s: card: %u-byte UID%s, hint %s, enrolment not "
		    "checked (%s)", name, len, iso, hint, store_errmsg(t->c->st));
	else if (rc == 0)
		hw_print(t, "reader %s: card: %u-byte UID%s, hint %s, not enrolled",
		    name, len, iso, hint);
	else
		hw_print(t, "reader %s: card: %u-byte UID%s, hint %s, enrolled: %s "
		    "(badge %lld, %s)", name, len, iso, hint,
		    mem.erased ? "(erased member)" : mem.name, (long long)b.id,
		    !b.active ? "revoked" : !mem.active ? "member disabled" : "active");
	explicit_bzero(mac, sizeof(mac));
}

static void
hw_reader_input(struct hw_test *t, struct hw_reader *hr)
{
	struct reader_msg m;
	const char *why;
	int n;

	if ((n = reader_child_recv(hr->sock, &m, &why)) == 0)
		return;
	if (n == -1) {
		/* hung up (the child is exiting; hw_reap collects it) or broke
		 * the format (killed at the end, reported by hw_reap) */
		close(hr->sock);
		hr->sock = -1;
		return;
	}
	switch (m.type) {
	case READER_MSG_UP:
		hr->opened = true;
		hw_print(t, "reader %s: opened (%s, door %s, %s); hold cards to it",
		    hr->conf->name, hr->conf->driver == READER_SIM ?
		    hr->conf->sim_fifo : hr->conf->connstring, hr->conf->door,
		    config_direction_name(hr->conf->direction));
		break;
	case READER_MSG_UNCONTAINED:
		hw_print(t, "reader %s: warning: running without its sandbox "
		    "(reader_sandbox = best_effort): %s", hr->conf->name, m.detail);
		break;
	case READER_MSG_DOWN:
		hr->failed = true;
		hw_print(t, "reader %s: FAILED%s: %s", hr->conf->name,
		    hr->opened ? "" : " to open", m.detail);
		hw_reader_hint(t, hr->conf);
		break;
	case READER_MSG_TAP:
		hw_card(t, hr, &m);
		break;
	case READER_MSG_GONE:
		hw_print(t, "reader %s: card left", hr->conf->name);
		break;
	}
	explicit_bzero(&m, sizeof(m));
}

static void
hw_reap(struct hw_test *t, bool block)
{
	struct hw_reader *hr;
	int i, status;
	pid_t pid;

	for (i = 0; i < t->nreaders; i++) {
		hr = &t->readers[i];
		if (hr->pid <= 0 || (!block && hr->sock != -1))
			continue;
		pid = waitpid(hr->pid, &status, block ? 0 : WNOHANG);
		if (pid == 0 || (pid == -1 && errno == EINTR))
			continue;
		hr->pid = 0;
		if (hr->sock != -1) {
			close(hr->sock);
			hr->sock = -1;
		}
		if (hr->failed)
			continue;
		if (hr->opened && !hr->killed)
			continue;
		/* Gone without a word: it crashed, or hung and was killed. */
		hr->failed = true;
		if (hr->killed && hr->opened)
			hw_print(t, "reader %s: FAILED: the reader stopped answering, "
			    "its process was killed", hr->conf->name);
		else if (hr->killed)
			hw_print(t, "reader %s: FAILED: no answer from the reader, "
			    "its process was killed", hr->conf->name);
		else if (WIFSIGNALED(status))
			hw_print(t, "reader %s: FAILED: its process died of signal %d",
			    hr->conf->name, WTERMSIG(status));
		else
			hw_print(t, "reader %s: FAILED: its process exited with status %d",
			    hr->conf->name, WEXITSTATUS(status));
		hw_reader_hint(t, hr->conf);
	}
}

static const char *
hw_contact_name(int level)
{
	return level == 1 ? "open" : level == 0 ? "closed" : "unknown";
}

static void
hw_open_door(struct hw_test *t, struct hw_door *hd)
{
	const struct door_conf *d = hd->conf;
	char err[512];

	if ((hd->io = doorio_open(d, err, sizeof(err))) == NULL) {
		hw_print(t, "door %s: FAILED to open: %s", d->name, err);
		if (d->gpio == GPIO_SIM)
			printf("    check sim_dir in %s\n", t->c->conf_path);
		else
			printf("    check chip and lines in %s against `gpiodetect` and\n"
			    "    `gpioinfo %s`, that no other program holds the lines\n"
			    "    (gpioinfo shows their user), and that this user may open\n"
			    "    /dev/%s (group gpio); see docs/hardware.md\n",
			    t->c->conf_path, d->chip, d->chip);
		fflush(stdout);
		return;
	}
	hd->nfds = doorio_pollfds(hd->io, hd->fds);
	if (d->gpio == GPIO_SIM)
		hw_print(t, "door %s: opened (sim %s), relay locked", d->name, d->sim_dir);
	else
		hw_print(t, "door %s: opened (%s), relay line %d locked (level %d)",
		    d->name, d->chip, d->relay_line, d->relay_active_low ? 1 : 0);
	if (d->gpio == GPIO_GPIOD && d->contact_line < 0)
		hw_print(t, "door %s: no door contact configured", d->name);
	else
		hw_print(t, "door %s: contact %s", d->name,
		    hw_contact_name(doorio_contact(hd->io)));
}

static void
hw_door_input(struct hw_test *t, struct hw_door *hd, int fd)
{
	struct doorio_input in[16];
	const char *what;
	int i, n;

	if ((n = doorio_read(hd->io, fd, in, 16)) == -1) {
		hw_print(t, "door %s: reading inputs: %s", hd->conf->name, strerror(errno));
		return;
	}
	for (i = 0; i < n; i++) {
		switch (in[i].type) {
		case DOORIO_CONTACT_OPEN:	what = "contact open"; break;
		case DOORIO_CONTACT_CLOSED:	what = "contact closed"; break;
		case DOORIO_EXIT_PRESSED:	what = "exit button pressed"; break;
		case DOORIO_EXIT_RELEASED:	what = "exit button released"; break;
		default:			what = "unknown input"; break;
		}
		hw_print(t, "door %s: %s", hd->conf->name, what);
	}
}

static void
hw_relay(struct hw_test *t, struct hw_door *hd, bool on, long pulse)
{
	const struct door_conf *d = hd->conf;
	char line[64] = "";

	if (d->gpio == GPIO_GPIOD)
		snprintf(line, sizeof(line), " (line %d level %d)", d->relay_line,
		    on != d->relay_active_low ? 1 : 0);
	if (doorio_set_relay(hd->io, on) == -1) {
		hw_print(t, "door %s: setting the relay: %s", d->name, strerror(errno));
		return;
	}
	if (on)
		hw_print(t, "door %s: relay energised%s for %ld s: the strike should "
		    "release", d->name, line, pulse);
	else
		hw_print(t, "door %s: relay released%s: the strike should lock",
		    d->name, line);
}

/* ---- feedback lines: each on once ---- */

/* Sleep ms, but wake for Ctrl-C (the signals are taken only here). */
static void
hw_sleep(int64_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000 };
	sigset_t empty;

	sigemptyset(&empty);
	ppoll(NULL, 0, &ts, &empty);
}

static void
hw_flash_reader(struct hw_test *t, struct hw_reader *hr)
{
	const struct reader_conf *rc = hr->conf;
	struct feedbackio *io;
	char err[512], where[PATH_MAX + 64] = "";
	int o, line;

	if (!feedbackio_wanted(rc)) {
		hw_print(t, "reader %s: no feedback lines configured", rc->name);
		return;
	}
	hr->fb_tested = true;
	if ((io = feedbackio_open(rc, err, sizeof(err))) == NULL) {
		hr->fb_failed = true;
		hw_print(t, "reader %s: feedback FAILED to open: %s", rc->name, err);
		if (!rc->feedback_sim)
			printf("    check feedback_chip, green_line, red_line and buzzer_line in %s\n"
			    "    against `gpioinfo %s`, and that no other program holds the\n"
			    "    lines; see docs/hardware.md\n", t->c->conf_path,
			    rc->feedback_gpio_chip);
		fflush(stdout);
		return;
	}
	for (o = 0; o < FEEDBACK_NOUTPUTS && !hw_stop; o++) {
		enum feedback_output out = (enum feedback_output)o;

		if (!feedbackio_has(io, out))
			continue;
		if (rc->feedback_sim)
			snprintf(where, sizeof(where), "sim %s.feedback", rc->sim_fifo);
		else if ((line = feedbackio_conf_line(rc, out)) >= 0)
			snprintf(where, sizeof(where), "%s line %d, level %d", rc->feedback_gpio_chip,
			    line, rc->feedback_active_low ? 0 : 1);
		if (feedbackio_set(io, out, true) == -1) {
			hr->fb_failed = true;
			hw_print(t, "reader %s: %s (%s): FAILED: %s", rc->name,
			    feedbackio_output_role(out), where, strerror(errno));
			continue;
		}
		hw_print(t, "reader %s: %s (%s) on for %d ms: it should %s", rc->name,
		    feedbackio_output_role(out), where, HW_FLASH_MS,
		    out == FEEDBACK_BUZZER ? "sound" : "light");
		hw_sleep(HW_FLASH_MS);
		if (feedbackio_set(io, out, false) == -1) {
			hr->fb_failed = true;
			hw_print(t, "reader %s: %s: FAILED to switch off: %s", rc->name,
			    feedbackio_output_role(out), strerror(errno));
		}
		hw_sleep(HW_FLASH_GAP_MS);
	}
	feedbackio_close(io);	/* every line off, released */
	hw_print(t, "reader %s: feedback lines off", rc->name);
}

/* The next door with I/O at or after i, or -1. */
static int
hw_next_door(const struct hw_test *t, int i)
{
	for (; i < t->ndoors; i++)
		if (t->doors[i].io != NULL)
			return i;
	return -1;
}

static bool
hw_children_alive(const struct hw_test *t)
{
	for (int i = 0; i < t->nreaders; i++)
		if (t->readers[i].pid > 0)
			return true;
	return false;
}

static void
hw_run(struct hw_test *t, long pulse, long timeout)
{
	struct pollfd pfd[CONFIG_MAX_DOORS * DOORIO_MAX_FDS + CONFIG_MAX_READERS];
	struct hw_door *owner[CONFIG_MAX_DOORS * DOORIO_MAX_FDS];
	struct hw_reader *rowner[CONFIG_MAX_READERS];
	struct timespec ts;
	sigset_t empty;
	int64_t end_ms, kill_ms, now, until;
	int64_t pulse_end = 0;
	int pulsing = -1, i, j, n, nd, doors_open;

	end_ms = t->start_ms + timeout * 1000;
	kill_ms = end_ms + HW_KILL_GRACE_MS;
	doors_open = 0;
	for (i = 0; i < t->ndoors; i++)
		doors_open += t->doors[i].io != NULL;
	if (doors_open > 0 && pulse == 0)
		hw_print(t, "no relay pulse: add --pulse SECONDS to energise the relays");
	if (pulse > 0 && (pulsing = hw_next_door(t, 0)) != -1) {
		hw_relay(t, &t->doors[pulsing], true, pulse);
		pulse_end = clock_mono_ms() + pulse * 1000;
	}
	sigemptyset(&empty);

	while (!hw_stop) {
		now = clock_mono_ms();
		if (pulsing != -1 && now >= pulse_end) {
			hw_relay(t, &t->doors[pulsing], false, 0);
			if ((pulsing = hw_next_door(t, pulsing + 1)) != -1) {
				hw_relay(t, &t->doors[pulsing], true, pulse);
				pulse_end = clock_mono_ms() + pulse * 1000;
			}
		}
		/* The end: stop each child once it has said how its open went
		 * (a stop during the open would read as a failure). */
		if (now >= end_ms)
			for (i = 0; i < t->nreaders; i++)
				if (t->readers[i].pid > 0 && !t->readers[i].stopped &&
				    (t->readers[i].opened || t->readers[i].failed)) {
					kill(t->readers[i].pid, SIGTERM);
					t->readers[i].stopped = true;
				}
		if (now >= kill_ms)
			for (i = 0; i < t->nreaders; i++)
				if (t->readers[i].pid > 0 && !t->readers[i].killed) {
					kill(t->readers[i].pid, SIGKILL);
					t->readers[i].killed = true;
				}
		hw_reap(t, false);
		if (pulsing == -1 && !hw_children_alive(t) &&
		    (now >= end_ms || doors_open == 0))
			break;

		/* Wake for the next thing due; 1 s at most, to reap a child
		 * whose hang-up was missed. */
		until = now + 1000;
		if (pulsing != -1 && pulse_end < until)
			until = pulse_end;
		if (doors_open > 0 && now < end_ms && end_ms < until)
			until = end_ms;
		if (hw_children_alive(t) && now < end_ms && end_ms < until)
			until = end_ms;
		if (hw_children_alive(t) && kill_ms < until)
			until = kill_ms;
		n = nd = 0;
		for (i = 0; i < t->ndoors; i++)
			for (j = 0; t->doors[i].io != NULL && j < t->doors[i].nfds; j++) {
				pfd[n].fd = t->doors[i].fds[j];
				pfd[n].events = POLLIN;
				owner[n++] = &t->doors[i];
			}
		nd = n;
		for (i = 0; i < t->nreaders; i++)
			if (t->readers[i].sock != -1) {
				pfd[n].fd = t->readers[i].sock;
				pfd[n].events = POLLIN;
				rowner[n++ - nd] = &t->readers[i];
			}
		if (until < now)
			until = now;
		ts.tv_sec = (until - now) / 1000;
		ts.tv_nsec = (until - now) % 1000 * 1000000;
		/* The signals are blocked but here: no Ctrl-C is lost. */
		if (ppoll(pfd, (nfds_t)n, &ts, &empty) == -1) {
			if (errno == EINTR)
				continue;
			hw_print(t, "poll: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (i < nd)
				hw_door_input(t, owner[i], pfd[i].fd);
			else
				hw_reader_input(t, rowner[i - nd]);
		}
	}

	/* Interrupted or done: the strike first. */
	if (pulsing != -1)
		hw_relay(t, &t->doors[pulsing], false, 0);
	if (hw_stop) {
		hw_print(t, "interrupted");
		for (i = 0; i < t->nreaders; i++)
			if (t->readers[i].pid > 0)
				kill(t->readers[i].pid, SIGTERM);
		until = clock_mono_ms() + HW_STOP_GRACE_MS;
		while (hw_children_alive(t) && clock_mono_ms() < until) {
			for (i = 0; i < t->nreaders; i++)
				if (t->readers[i].sock != -1)
					hw_reader_input(t, &t->readers[i]);
			hw_reap(t, false);
			if (hw_children_alive(t))
				poll(NULL, 0, 20);
		}
	}
	for (i = 0; i < t->nreaders; i++)
		if (t->readers[i].pid > 0) {
			kill(t->readers[i].pid, SIGKILL);
			t->readers[i].killed = true;
		}
	hw_reap(t, true);
}

/* Refuse beside a running seuild.  EX_OK when it is not running. */
static int
hw_check_daemon(struct ctl *c)
{
	struct control_req req;
	struct control_reply rep;
	int rc;

	control_req_init(&req, CONTROL_STATUS);
	rc = control_call(c->conf.control_socket, &req, HW_DAEMON_PROBE_MS, &rep);
	control_reply_free(&rep);
	if (rc == 0 || rep.code == CONTROL_TIMEOUT) {
		ctl_errx("seuild is running (it answers on %s): while it runs, the "
		    "doors and readers are its own", c->conf.control_socket);
		fprintf(stderr, "  stop it first (systemctl stop seuild), or test "
		    "through it:\n"
		    "    seuilctl door unlock DOOR --seconds 3   pulses a strike\n"
		    "    seuilctl log --follow                   shows taps and door events\n"
		    "    seuilctl status                         shows whether the readers are online\n");
		return EX_UNAVAILABLE;
	}
	if (rep.code == CONTROL_UNAVAILABLE)
		return EX_OK;
	ctl_errx("cannot tell whether seuild is running: %s", rep.error);
	fprintf(stderr, "  run hw test as a user who may use the control socket "
	    "(or as root), with seuild stopped\n");
	return EX_UNAVAILABLE;
}

int
ctl_hw_test(struct ctl *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "door", required_argument, NULL, 'd' },
		{ "reader", required_argument, NULL, 'r' },
		{ "pulse", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		CTL_COMMON_OPTS
	};
	bool pick_door[CONFIG_MAX_DOORS] = { false };
	bool pick_reader[CONFIG_MAX_READERS] = { false };
	bool any_door = false, any_reader = false, bad = false;
	struct sigaction sa, old_int, old_term, old_hup;
	sigset_t block, old_mask;
	struct hw_test *t;
	char err[PATH_MAX + 256];
	long pulse = 0, timeout = HW_TIMEOUT_DEFAULT;
	int ch, rc, i, k, ok;

	while ((ch = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			if ((k = config_door_index(&c->conf, optarg)) == -1) {
				ctl_errx("no door '%s'", optarg);
				hw_list_names(c, true);
				return EX_USAGE;
			}
			pick_door[k] = any_door = true;
			break;
		case 'r':
			if ((k = config_reader_index(&c->conf, optarg)) == -1) {
				ctl_errx("no reader '%s'", optarg);
				hw_list_names(c, false);
				return EX_USAGE;
			}
			pick_reader[k] = any_reader = true;
			break;
		case 'p':
			pulse = hw_number(optarg, "--pulse", 1, HW_PULSE_MAX, &bad);
			break;
		case 't':
			timeout = hw_number(optarg, "--timeout", 0, HW_TIMEOUT_MAX, &bad);
			break;
		default:
			if ((rc = ctl_opt(c, ch, argv)) != EX_OK)
				return rc;
		}
		if (bad)
			return ctl_usage(c);
	}
	if (optind != argc)
		return ctl_usage(c);
	if (c->json) {
		ctl_errx("hw test has no JSON output");
		return EX_USAGE;
	}
	if (!any_door && !any_reader) {
		for (i = 0; i < c->conf.ndoors; i++)
			pick_door[i] = true;
		for (i = 0; i < c->conf.nreaders; i++)
			pick_reader[i] = true;
		if (c->conf.ndoors == 0 && c->conf.nreaders == 0) {
			ctl_errx("no door and no reader in %s: nothing to test", c->conf_path);
			return EX_CONFIG;
		}
	}
	if ((rc = hw_check_daemon(c)) != EX_OK)
		return rc;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		ctl_errx("out of memory");
		return EX_OSERR;
	}
	t->c = c;
	for (i = 0; i < c->conf.ndoors; i++)
		if (pick_door[i])
			t->doors[t->ndoors++].conf = &c->conf.doors[i];
	for (i = 0; i < c->conf.nreaders; i++)
		if (pick_reader[i]) {
			t->readers[t->nreaders].conf = &c->conf.readers[i];
			t->readers[t->nreaders++].sock = -1;
		}

	/* The key for the MACs, computed here; each child wipes its copy.
	 * The store after the children, which then never map it. */
	if (t->nreaders > 0) {
		if (uid_key_load(c->conf.uid_key_file, t->key, err, sizeof(err)) == 0)
			t->have_key = true;
		else
			snprintf(t->lookup_err, sizeof(t->lookup_err), "%s", err);
	}

	/* Ctrl-C must end the test with the strike locked: the signals are
	 * taken only inside ppoll(). */
	hw_stop = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hw_on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);

	setvbuf(stdout, NULL, _IOLBF, 0);
	t->start_ms = clock_mono_ms();
	printf("testing %d door%s and %d reader%s for %ld s (Ctrl-C ends)\n",
	    t->ndoors, t->ndoors == 1 ? "" : "s", t->nreaders,
	    t->nreaders == 1 ? "" : "s", timeout);
	for (i = 0; i < t->nreaders; i++)
		hw_start_reader(t, &t->readers[i]);
	if (t->have_key && c->st == NULL) {
		c->st = store_open(c->conf.database, 0, err, sizeof(err));
		if (c->st == NULL)
			snprintf(t->lookup_err, sizeof(t->lookup_err), "%s", err);
	}
	if (t->nreaders > 0 && c->st == NULL)
		printf("cards will not be looked up: %s\n", t->lookup_err);
	for (i = 0; i < t->ndoors; i++)
		hw_open_door(t, &t->doors[i]);
	/* Here, in this process: a reader child never holds a line. */
	for (i = 0; i < t->nreaders && !hw_stop; i++)
		hw_flash_reader(t, &t->readers[i]);

	hw_run(t, pulse, timeout);

	ok = 1;
	for (i = 0; i < t->ndoors; i++) {
		if (t->doors[i].io == NULL)
			ok = 0;
		doorio_close(t->doors[i].io);	/* drives the relay locked */
	}
	printf("summary:");
	for (i = 0; i < t->ndoors; i++)
		printf(" door %s %s;", t->doors[i].conf->name,
		    t->doors[i].io != NULL ? "ok" : "FAILED");
	for (i = 0; i < t->nreaders; i++) {
		bool good = t->readers[i].opened && !t->readers[i].failed;

		if (!good)
			ok = 0;
		printf(" reader %s %s;", t->readers[i].conf->name, good ? "ok" : "FAILED");
	}
	for (i = 0; i < t->nreaders; i++) {
		if (!t->readers[i].fb_tested)
			continue;
		printf(" reader %s feedback %s;", t->readers[i].conf->name,
		    t->readers[i].fb_failed ? "FAILED" : "ok");
		if (t->readers[i].fb_failed)
			ok = 0;
	}
	printf("\n");

	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	explicit_bzero(t->key, sizeof(t->key));
	free(t);
	return ok ? EX_OK : EX_UNAVAILABLE;
}

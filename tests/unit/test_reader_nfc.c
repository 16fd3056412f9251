/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The libnfc reader backend against pn532emu: real libnfc 1.8, real
 * pn532_uart driver, a PN532 emulated on a pseudo-terminal.  The emulator
 * is the build's tests/pn532emu, beside this binary.
 *
 * Waits that might not come back (a muted chip, a dead emulator) run in a
 * child process that the test kills after a generous deadline, as the
 * daemon's supervisor would.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nfc/nfc.h>
#include <sys/time.h>

#include "emuhelp.h"
#include "reader.h"
#include "testhelp.h"

/* failure limits only: a healthy run takes a fraction of these */
#define EVENT_LIMIT_MS		5000
#define CHILD_LIMIT_MS		20000
#define WAIT_SLICE_MS		200

static void
conf_for(const struct emu *e, struct reader_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	snprintf(conf->name, sizeof(conf->name), "test");
	conf->driver = READER_LIBNFC;
	snprintf(conf->connstring, sizeof(conf->connstring), "pn532_uart:%s", e->link);
}

/* Wait in slices until an event comes, a failure, or the limit.  Returns
 * what the last reader_wait returned; *ev holds the event. */
static int
wait_event(struct reader *r, struct reader_event *ev, int limit_ms, char *err, size_t errlen)
{
	int64_t limit = now_ms() + limit_ms;
	int rc;

	do {
		rc = reader_wait(r, ev, WAIT_SLICE_MS, err, errlen);
	} while (rc == 0 && now_ms() < limit);
	return rc;
}

static bool
uid_equal(const struct uid *u, const uint8_t *bytes, size_t len)
{
	return u->len == len && memcmp(u->bytes, bytes, len) == 0;
}

/* One card's life: tap once, stay quiet while held, go, tap again. */
static void
card_cycle(const char *uidhex, const char *type, const uint8_t *uid, size_t uidlen)
{
	struct emu e;
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "", cmd[64];
	int rc, taps = 0, others = 0;
	int64_t until;

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	conf_for(&e, &conf);
	r = reader_open(&conf, err, sizeof(err));
	EXPECT(r != NULL);
	if (r == NULL) {
		printf("# %s\n", err);
		emu_stop(&e);
		return;
	}

	/* no card: nothing happens */
	EXPECT_INT(reader_wait(r, &ev, 300, err, sizeof(err)), 0);

	snprintf(cmd, sizeof(cmd), "card %s %s", uidhex, type);
	emu_send(&e, cmd);
	rc = wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err));
	EXPECT_INT(rc, 1);
	EXPECT_INT(ev.type, READER_TAP);
	EXPECT(uid_equal(&ev.uid, uid, uidlen));

	/* held for 3 s: still the one tap */
	until = now_ms() + 3000;
	while (now_ms() < until) {
		rc = reader_wait(r, &ev, WAIT_SLICE_MS, err, sizeof(err));
		if (rc == 1 && ev.type == READER_TAP)
			taps++;
		else if (rc != 0)
			others++;
	}
	EXPECT_INT(taps, 0);
	EXPECT_INT(others, 0);

	emu_send(&e, "remove");
	rc = wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err));
	EXPECT_INT(rc, 1);
	EXPECT_INT(ev.type, READER_GONE);

	EXPECT_INT(reader_wait(r, &ev, 300, err, sizeof(err)), 0);

	emu_send(&e, cmd);
	rc = wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err));
	EXPECT_INT(rc, 1);
	EXPECT_INT(ev.type, READER_TAP);
	EXPECT(uid_equal(&ev.uid, uid, uidlen));

	if (rc == -1)
		printf("# %s\n", err);
	reader_close(r);
	emu_stop(&e);
}

static void
test_classic_4byte(void)
{
	static const uint8_t uid[] = { 0xDE, 0xAD, 0xBE, 0xEF };

	card_cycle("DEADBEEF", "classic", uid, sizeof(uid));
}

static void
test_classic_7byte(void)
{
	static const uint8_t uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

	card_cycle("04112233445566", "classic", uid, sizeof(uid));
}

static void
test_ultralight_7byte(void)
{
	static const uint8_t uid[] = { 0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6 };

	card_cycle("04a1b2c3d4e5f6", "ultralight", uid, sizeof(uid));
}

static void
test_desfire_7byte(void)
{
	static const uint8_t uid[] = { 0x04, 0x52, 0x61, 0x7A, 0x8B, 0x9C, 0x80 };

	card_cycle("0452617A8B9C80", "desfire", uid, sizeof(uid));
}

static void
test_classic_10byte(void)
{
	static const uint8_t uid[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A };

	card_cycle("0102030405060708090a", "classic", uid, sizeof(uid));
}

static void
test_desfire_10byte(void)
{
	static const uint8_t uid[] = { 0xA0, 0xB1, 0xC2, 0xD3, 0xE4, 0xF5, 0x06, 0x17, 0x28, 0x39 };

	card_cycle("A0:B1:C2:D3:E4:F5:06:17:28:39", "desfire", uid, sizeof(uid));
}

/* A type A card libnfc cannot ping (ATQA 00 04, SAK 00): the backend
 * checks presence by selecting its UID again. */
static void
test_other_4byte(void)
{
	static const uint8_t uid[] = { 0x12, 0x34, 0x56, 0x78 };

	card_cycle("12345678", "ultralight", uid, sizeof(uid));
}

/* A different card replacing the first one is a new tap. */
static void
test_swap_cards(void)
{
	static const uint8_t a[] = { 0x11, 0x22, 0x33, 0x44 };
	static const uint8_t b[] = { 0x55, 0x66, 0x77, 0x88 };
	struct emu e;
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "";

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	conf_for(&e, &conf);
	if ((r = reader_open(&conf, err, sizeof(err))) == NULL) {
		printf("# %s\n", err);
		EXPECT(r != NULL);
		emu_stop(&e);
		return;
	}
	emu_send(&e, "card 11223344");
	EXPECT_INT(wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err)), 1);
	EXPECT(ev.type == READER_TAP && uid_equal(&ev.uid, a, 4));
	emu_send(&e, "card 55667788");
	EXPECT_INT(wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err)), 1);
	EXPECT_INT(ev.type, READER_GONE);
	EXPECT_INT(wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err)), 1);
	EXPECT(ev.type == READER_TAP && uid_equal(&ev.uid, b, 4));
	reader_close(r);
	emu_stop(&e);
}

static void
on_tick(int sig)
{
	(void)sig;
}

/* reader_wait() with nothing in the field returns 0 after about its
 * timeout, without spinning: count the emulator's work indirectly by CPU
 * time used by this process. */
static void
test_idle_wait(void)
{
	struct emu e;
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "";
	int64_t t0, t1;
	clock_t c0, c1;

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	conf_for(&e, &conf);
	t0 = now_ms();
	r = reader_open(&conf, err, sizeof(err));
	t1 = now_ms();
	EXPECT(r != NULL);
	if (r == NULL) {
		printf("# %s\n", err);
		emu_stop(&e);
		return;
	}
	printf("# open took %lld ms\n", (long long)(t1 - t0));
	c0 = clock();
	t0 = now_ms();
	for (int i = 0; i < 5; i++)
		EXPECT_INT(reader_wait(r, &ev, 500, err, sizeof(err)), 0);
	t1 = now_ms();
	c1 = clock();
	printf("# 5 idle waits of 500 ms took %lld ms, %ld ms of CPU\n",
	    (long long)(t1 - t0), (long)((c1 - c0) * 1000 / CLOCKS_PER_SEC));
	EXPECT(t1 - t0 >= 2500);
	EXPECT(t1 - t0 < 2500 + CHILD_LIMIT_MS);
	/* a spinning loop would burn the whole 2.5 s */
	EXPECT((c1 - c0) * 1000 / CLOCKS_PER_SEC < 1000);

	/* A signal (the reader child's SIGTERM, installed without
	 * SA_RESTART) ends a wait early.  Repeat it: one that lands inside
	 * libnfc, which restarts its reads, is lost. */
	{
		struct sigaction sa;
		struct itimerval it;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_tick;
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof(it));
		it.it_value.tv_usec = 200000;
		it.it_interval.tv_usec = 50000;
		setitimer(ITIMER_REAL, &it, NULL);
		t0 = now_ms();
		EXPECT_INT(reader_wait(r, &ev, 5000, err, sizeof(err)), 0);
		t1 = now_ms();
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		signal(SIGALRM, SIG_DFL);
		printf("# a 5 s wait interrupted by signals returned after %lld ms\n",
		    (long long)(t1 - t0));
		EXPECT(t1 - t0 < 4000);
	}
	reader_close(r);
	emu_stop(&e);
}

static void
test_open_fails(void)
{
	struct reader_conf conf;
	char err[256] = "";

	memset(&conf, 0, sizeof(conf));
	snprintf(conf.name, sizeof(conf.name), "test");
	conf.driver = READER_LIBNFC;
	snprintf(conf.connstring, sizeof(conf.connstring), "pn532_uart:/nonexistent/tty");
	EXPECT(reader_open(&conf, err, sizeof(err)) == NULL);
	EXPECT(strstr(err, "cannot open") != NULL);

	conf.connstring[0] = '\0';
	err[0] = '\0';
	EXPECT(reader_open(&conf, err, sizeof(err)) == NULL);
	EXPECT(err[0] != '\0');

	reader_close(NULL);
}

/*
 * Run fn in a child (it opens the reader itself, as the daemon's reader
 * child does) and kill it if it has not finished by the limit.  Returns
 * its exit status, or -1 if it had to be killed.
 */
static int
run_child(int (*fn)(struct emu *), struct emu *e, int64_t *elapsed)
{
	int64_t t0 = now_ms(), limit = t0 + CHILD_LIMIT_MS;
	pid_t pid;
	int status;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		int rc = fn(e);

		fflush(stdout);
		_exit(rc);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			break;
		if (now_ms() >= limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			*elapsed = now_ms() - t0;
			return -1;
		}
		usleep(20000);
	}
	*elapsed = now_ms() - t0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Child: the chip answers GetFirmwareVersion with 3 bytes, which libnfc
 * cannot decode; its open still succeeds, and its first select fails an
 * assertion and aborts the process.  The reader must refuse the device at
 * open, saying why.  Exit 0 when it does. */
static int
child_bad_firmware(struct emu *e)
{
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "";

	conf_for(e, &conf);
	emu_send(e, "firmware 320106");
	if ((r = reader_open(&conf, err, sizeof(err))) == NULL) {
		printf("# %s\n", err);
		return strstr(err, "ISO14443A") != NULL ? 0 : 2;
	}
	reader_wait(r, &ev, WAIT_SLICE_MS, err, sizeof(err));
	reader_close(r);
	return 3;
}

static void
test_bad_firmware_answer(void)
{
	struct emu e;
	int64_t elapsed;

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	EXPECT_INT(run_child(child_bad_firmware, &e, &elapsed), 0);
	emu_stop(&e);
}

static bool mute_with_card;

/* Child: tap a card (or not), have the emulator go mute, expect -1 within a bound
 * number of waits.  Exit 0 on success, 2.. for each kind of failure. */
static int
child_mute(struct emu *e)
{
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "";
	int rc = 0, i, gone = 0;
	int64_t t0;

	conf_for(e, &conf);
	if ((r = reader_open(&conf, err, sizeof(err))) == NULL)
		return 2;
	if (mute_with_card) {
		emu_send(e, "card CAFEF00D");
		if (wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err)) != 1 ||
		    ev.type != READER_TAP)
			return 3;
	}
	emu_send(e, "mute");
	t0 = now_ms();
	for (i = 0; i < 50; i++) {
		int64_t w0 = now_ms();

		rc = reader_wait(r, &ev, WAIT_SLICE_MS, err, sizeof(err));
		if (now_ms() - w0 > 2000 + WAIT_SLICE_MS)
			printf("# a wait took %lld ms\n", (long long)(now_ms() - w0));
		if (rc == -1)
			break;
		if (rc == 1 && ev.type == READER_TAP)
			return 5;	/* a mute chip sees no card */
		if (rc == 1)
			gone++;
	}
	printf("# muted %s: -1 after %d waits (%d gone), %lld ms: %s\n",
	    mute_with_card ? "with a card held" : "with no card", i + 1, gone,
	    (long long)(now_ms() - t0), err);
	fflush(stdout);
	t0 = now_ms();
	reader_close(r);
	printf("# close on a mute chip took %lld ms\n", (long long)(now_ms() - t0));
	return rc == -1 ? 0 : 4;
}

static void
mute_case(bool with_card)
{
	struct emu e;
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "";
	int64_t elapsed;

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	mute_with_card = with_card;
	EXPECT_INT(run_child(child_mute, &e, &elapsed), 0);

	/* While mute, open fails (and in bounded time); unmuted, the
	 * supervisor's reopen works. */
	conf_for(&e, &conf);
	EXPECT(reader_open(&conf, err, sizeof(err)) == NULL);
	emu_send(&e, "unmute");
	emu_send(&e, "remove");
	r = reader_open(&conf, err, sizeof(err));
	EXPECT(r != NULL);
	if (r != NULL) {
		emu_send(&e, "card CAFEF00D");
		EXPECT_INT(wait_event(r, &ev, EVENT_LIMIT_MS, err, sizeof(err)), 1);
		EXPECT_INT(ev.type, READER_TAP);
		reader_close(r);
	}
	emu_stop(&e);
}

static void
test_mute_idle(void)
{
	mute_case(false);
}

static void
test_mute_card_held(void)
{
	mute_case(true);
}

/* Child: open, tell the parent through stdout of nothing, kill the
 * emulator ourselves (its pid is in e), expect -1. */
static int
child_killed(struct emu *e)
{
	struct reader_conf conf;
	struct reader *r;
	struct reader_event ev;
	char err[256] = "";
	int rc = 0, i;

	conf_for(e, &conf);
	if ((r = reader_open(&conf, err, sizeof(err))) == NULL)
		return 2;
	if (reader_wait(r, &ev, 300, err, sizeof(err)) != 0)
		return 3;
	kill(e->pid, SIGKILL);
	for (i = 0; i < 50; i++)
		if ((rc = reader_wait(r, &ev, WAIT_SLICE_MS, err, sizeof(err))) == -1)
			break;
	printf("# emulator killed: -1 after %d waits: %s\n", i + 1, err);
	fflush(stdout);
	reader_close(r);
	return rc == -1 ? 0 : 4;
}

static void
test_emulator_killed(void)
{
	struct emu e;
	int64_t elapsed;

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	EXPECT_INT(run_child(child_killed, &e, &elapsed), 0);
	emu_stop(&e);
}

/* Unmodified nfc-list against the emulator: it must see the card exactly
 * as a real PN532 would show it. */
static void
test_nfc_list(void)
{
	struct emu e;
	char cmd[PATH_MAX * 2], buf[8192];
	size_t len = 0;
	FILE *p;
	int status;

	if (access("/usr/bin/nfc-list", X_OK) != 0) {
		printf("# nfc-list missing: install libnfc-bin\n");
		EXPECT(!"nfc-list installed");
		return;
	}
	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	emu_send(&e, "card 04A1B2C3D4E5F6 ultralight");
	usleep(100000);		/* the FIFO is read by another process */
	snprintf(cmd, sizeof(cmd),
	    "LIBNFC_AUTO_SCAN=false LIBNFC_DEVICE=pn532_uart:%s nfc-list -v 2>&1", e.link);
	if ((p = popen(cmd, "r")) == NULL) {
		EXPECT(!"popen nfc-list");
		emu_stop(&e);
		return;
	}
	while (len < sizeof(buf) - 1) {
		size_t r = fread(buf + len, 1, sizeof(buf) - 1 - len, p);

		if (r == 0)
			break;
		len += r;
	}
	buf[len] = '\0';
	status = pclose(p);
	EXPECT_INT(status, 0);
	EXPECT(strstr(buf, "1 ISO14443A passive target(s) found") != NULL);
	EXPECT(strstr(buf, "UID (NFCID1): 04  a1  b2  c3  d4  e5  f6") != NULL);
	EXPECT(strstr(buf, "ATQA (SENS_RES): 00  44") != NULL);
	EXPECT(strstr(buf, "MIFARE Ultralight") != NULL);
	EXPECT(strstr(buf, "0 ISO14443B passive target(s) found") != NULL);
	if (th_current_failed)
		printf("# nfc-list said:\n%s", buf);
	emu_stop(&e);
}

static nfc_device *abort_dev;

static void
on_alarm(int sig)
{
	(void)sig;
	nfc_abort_command(abort_dev);
}

/*
 * Parts of the emulator the reader backend does not use, through libnfc
 * directly: InAutoPoll (found, timed out, aborted by an ACK), extended
 * frames, and the error frame for a command it does not know.
 */
static void
test_emulator_protocol(void)
{
	static const nfc_modulation mods[] = { { .nmt = NMT_ISO14443A, .nbr = NBR_106 } };
	struct emu e;
	nfc_context *ctx = NULL;
	nfc_device *dev = NULL;
	nfc_connstring cs;
	nfc_target nt;
	uint8_t big[260], rx[16];	/* libnfc overflows beyond 262 */
	struct itimerval it;
	int64_t t0;
	int res;

	if (emu_start(&e) == -1) {
		EXPECT(!"emulator started");
		emu_stop(&e);
		return;
	}
	memset(cs, 0, sizeof(cs));
	snprintf(cs, sizeof(cs), "pn532_uart:%s", e.link);
	nfc_init(&ctx);
	EXPECT(ctx != NULL);
	if (ctx == NULL || (dev = nfc_open(ctx, cs)) == NULL) {
		EXPECT(!"nfc_open");
		goto out;
	}
	EXPECT_INT(nfc_initiator_init(dev), 0);

	/* InAutoPoll with a DESFire there: found at once, with its ATS */
	emu_send(&e, "card 04526172839405 desfire");
	usleep(100000);
	res = nfc_initiator_poll_target(dev, mods, 1, 1, 1, &nt);
	EXPECT_INT(res, 1);
	EXPECT_INT(nt.nti.nai.szUidLen, 7);
	EXPECT_INT(nt.nti.nai.btSak, 0x20);
	EXPECT_INT(nt.nti.nai.szAtsLen, 5);

	/* InAutoPoll with nothing there: 2 x 2 x 150 ms, then 0 */
	emu_send(&e, "remove");
	usleep(100000);
	t0 = now_ms();
	res = nfc_initiator_poll_target(dev, mods, 1, 2, 2, &nt);
	EXPECT_INT(res, 0);
	EXPECT(now_ms() - t0 >= 500);

	/* endless InAutoPoll, aborted: libnfc sends an ACK, the emulator
	 * drops the command, and the next command is answered in step */
	abort_dev = dev;
	signal(SIGALRM, on_alarm);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 300000;
	setitimer(ITIMER_REAL, &it, NULL);
	res = nfc_initiator_poll_target(dev, mods, 1, 0xFF, 1, &nt);
	EXPECT_INT(res, NFC_EOPABORTED);
	signal(SIGALRM, SIG_DFL);
	emu_send(&e, "card 04A1B2C3D4E5F6 ultralight");
	usleep(100000);
	EXPECT_INT(nfc_device_set_property_bool(dev, NP_INFINITE_SELECT, false), 0);
	res = nfc_initiator_select_passive_target(dev, mods[0], NULL, 0, &nt);
	EXPECT_INT(res, 1);

	/* 260 bytes to the card: an extended frame */
	memset(big, 0xA5, sizeof(big));
	big[0] = 0xA2;
	res = nfc_initiator_transceive_bytes(dev, big, sizeof(big), rx, sizeof(rx), 500);
	EXPECT_INT(res, 1);
	/* READ of page 0 holds the UID */
	res = nfc_initiator_transceive_bytes(dev, (const uint8_t *)"\x30\x00", 2, rx, sizeof(rx), 500);
	EXPECT_INT(res, 16);
	EXPECT(rx[0] == 0x04 && rx[1] == 0xA1 && rx[4] == 0xC3);

	/* NFC-DEP is not emulated: InJumpForDEP gets the error frame */
	res = nfc_initiator_select_dep_target(dev, NDM_PASSIVE, NBR_106, NULL, &nt, 300);
	EXPECT_INT(res, NFC_EIO);

	/* and the chip still answers */
	EXPECT_INT(nfc_initiator_init(dev), 0);
	EXPECT_INT(nfc_device_set_property_bool(dev, NP_INFINITE_SELECT, false), 0);
	EXPECT_INT(nfc_initiator_select_passive_target(dev, mods[0], NULL, 0, &nt), 1);
out:
	if (dev != NULL)
		nfc_close(dev);
	if (ctx != NULL)
		nfc_exit(ctx);
	emu_stop(&e);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	find_emulator();
	RUN(test_open_fails);
	RUN(test_bad_firmware_answer);
	RUN(test_idle_wait);
	RUN(test_classic_4byte);
	RUN(test_classic_7byte);
	RUN(test_classic_10byte);
	RUN(test_ultralight_7byte);
	RUN(test_desfire_7byte);
	RUN(test_desfire_10byte);
	RUN(test_other_4byte);
	RUN(test_swap_cards);
	RUN(test_mute_idle);
	RUN(test_mute_card_held);
	RUN(test_emulator_protocol);
	RUN(test_emulator_killed);
	RUN(test_nfc_list);
	return TEST_REPORT();
}

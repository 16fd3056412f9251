/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * pn532emu: a PN532 on the master side of a pseudo-terminal, faithful
 * enough that unmodified libnfc 1.8 (driver pn532_uart) opens it, lists
 * its card and checks the card's presence, and that a DESFire EV1 card
 * (desfire_card.c) answers its APDUs through InDataExchange.  Tests drive
 * it through a control FIFO, one command a line:
 *
 *	card UID [classic|clone|ultralight|desfire]	a card enters the field;
 *		clone: a UID-only "magic" card, MIFARE Classic (SAK 08, no
 *		ATS) whatever UID it shows; desfire: a DESFire EV1 card, blank
 *		the first time, with the applications, keys and files it had
 *		when it left the next times
 *	desfire UID blank			that card back to the factory
 *	desfire UID picc-aes KEY		its PICC master key: AES KEY
 *	desfire UID app AID KEY0 KEY1 CRED [plain|mac|enc] [read=N]
 *		an application AID (hex, as F5EE11) with AES keys 0 and 1 and
 *		file 1 of 16 bytes holding CRED, enciphered unless said, read
 *		with key N (1), written with key 0: a card provisioned elsewhere
 *	remove					the card leaves
 *	delay MS				each card answer MS ms late (a real
 *						DESFire takes about 15)
 *	tear N					the card leaves at its N-th next command,
 *						done but not answered
 *	mute / unmute				stop / resume answering (a hung chip)
 *	firmware HEX				answer GetFirmwareVersion so (0-8 bytes)
 *	quit					exit
 *
 * usage: pn532emu [-v] --link PATH --control FIFO [--cards DIR]
 *
 * PATH becomes a symlink to the pty slave, whose name is printed on
 * stdout once everything is ready.  -v logs every frame to stderr.
 *
 * --cards DIR keeps each DESFire card in DIR/UID (hex), written after every
 * command and read each time the card enters the field (or is set up):
 * emulators that share DIR share their cards, as a card carried from a
 * desk reader to a door reader keeps what the desk made of it.
 *
 * The chip itself (frames, answers, the card) is tests/tools/pn532_chip.c,
 * which the fuzz targets' hostile PN532 (tests/fuzz/pn532_side.c) shares;
 * this program gives it a pty, a clock for the InAutoPoll it holds, and
 * the control FIFO.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "desfire_card.h"
#include "pn532_chip.h"

#define DESFIRE_CARDS	32	/* cards the emulator remembers */

static const char *cards_dir;	/* --cards: NULL, the cards stay in memory */
static void desfire_save(const struct desfire_card *c);

static struct {
	int		master;
	int		slave;
	int		ctl;
	int		sigfd;
	bool		verbose;
	bool		muted;
	bool		quit;

	struct pn532_chip *chip;
	/* the InAutoPoll the chip holds, if any: when it ends */
	bool		pending_forever;
	struct timespec	pending_until;

	char		ctlbuf[512];
	size_t		ctllen;

	struct desfire_card *dcard;	/* the card in the field, when a DESFire */
	int		delay_ms;	/* before each card answer */
	int		tear_after;	/* the card leaves at that command */
} emu;

/* Every DESFire card seen, by UID: a card keeps its state across taps. */
static struct {
	uint8_t		uid[PN532_UID_MAX];
	size_t		uidlen;
	struct desfire_card *card;
} desfire_cards[DESFIRE_CARDS];

static void
vlog(const char *fmt, ...)
{
	va_list ap;

	if (!emu.verbose)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "pn532emu: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
}

static void
chip_log(void *arg, const char *what, const uint8_t *p, size_t n)
{
	(void)arg;
	if (!emu.verbose)
		return;
	fprintf(stderr, "pn532emu: %s", what);
	for (size_t i = 0; p != NULL && i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

static void
write_all(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	while (n > 0) {
		ssize_t w = write(emu.master, p, n);

		if (w == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { emu.master, POLLOUT, 0 };

				poll(&pfd, 1, 100);
				continue;
			}
			fprintf(stderr, "pn532emu: write: %s\n", strerror(errno));
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Every command as the model answers it; an InAutoPoll left pending is
 * timed here (PollNr x Period x 150 ms), since the model has no clock. */
static void
emu_command(void *arg, uint8_t cmd, const uint8_t *d, size_t n)
{
	struct timespec now;
	long ms;

	(void)arg;
	pn532_chip_answer(emu.chip, cmd, d, n);
	if (!pn532_chip_pending(emu.chip, &ms))
		return;
	emu.pending_forever = ms == -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (ms > 0) {
		now.tv_sec += ms / 1000;
		now.tv_nsec += (ms % 1000) * 1000000L;
		if (now.tv_nsec >= 1000000000L) {
			now.tv_sec++;
			now.tv_nsec -= 1000000000L;
		}
	}
	emu.pending_until = now;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_uid(const char *s, uint8_t *uid, size_t *len)
{
	size_t n = 0;

	while (*s != '\0') {
		int hi, lo;

		if (*s == ':' || *s == '-') {
			s++;
			continue;
		}
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0 || n == PN532_UID_MAX)
			return -1;
		uid[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n != 4 && n != 7 && n != 10)
		return -1;
	*len = n;
	return 0;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void
card_leaves(void)
{
	struct pn532_card none = { .present = false };

	if (emu.dcard != NULL)
		desfire_card_reset(emu.dcard);
	emu.dcard = NULL;
	pn532_chip_card(emu.chip, &none);
}

/* The chip's APDU hook for the DESFire card: its answer, after the delay a
 * real card would take; or, torn, no answer (the chip says the target timed
 * out) and no card. */
static size_t
desfire_apdu(void *arg, const uint8_t *in, size_t n, uint8_t *out, size_t max)
{
	struct desfire_card *dc = arg;
	size_t len;

	len = desfire_card_apdu(dc, in, n, out, max);
	desfire_save(dc);
	if (emu.delay_ms > 0)
		sleep_ms(emu.delay_ms);
	if (emu.tear_after > 0 && --emu.tear_after == 0) {
		vlog("card torn away");
		desfire_card_reset(dc);
		emu.dcard = NULL;
		return PN532_CARD_GONE;
	}
	return len;
}

/* Exactly n bytes of hex. */
static int
parse_hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hi < 0 ? -1 : hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

static void
card_path(const uint8_t *uid, size_t len, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/", cards_dir);

	for (size_t i = 0; i < len && n > 0 && (size_t)n < size; i++)
		n += snprintf(path + n, size - (size_t)n, "%02X", uid[i]);
}

/* --cards: the card as it is now, for the other emulators. */
static void
desfire_save(const struct desfire_card *c)
{
	static uint8_t buf[DESFIRE_CARD_EXPORT_MAX];
	char path[512], tmp[540];
	const uint8_t *uid;
	size_t len, n;
	FILE *f;

	if (cards_dir == NULL || c == NULL)
		return;
	uid = desfire_card_uid(c, &len);
	card_path(uid, len, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	n = desfire_card_export(c, buf, sizeof(buf));
	if (n == 0 || (f = fopen(tmp, "wb")) == NULL)
		return;
	if (fwrite(buf, 1, n, f) != n || fclose(f) != 0)
		remove(tmp);
	else
		rename(tmp, path);
}

/* --cards: the card as another emulator left it, or NULL. */
static struct desfire_card *
desfire_load(const uint8_t *uid, size_t len, uint64_t seed)
{
	static uint8_t buf[DESFIRE_CARD_EXPORT_MAX + 1];
	char path[512];
	size_t n;
	FILE *f;

	if (cards_dir == NULL)
		return NULL;
	card_path(uid, len, path, sizeof(path));
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return desfire_card_import(buf, n, seed);
}

/* The remembered DESFire card with that UID (with --cards, as its file
 * says: one in the field then leaves it), made blank if new (or if blank
 * is set).  NULL when the table is full. */
static struct desfire_card *
desfire_lookup(const uint8_t *uid, size_t len, bool blank)
{
	uint64_t seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	struct desfire_card *loaded = blank ? NULL : desfire_load(uid, len, seed);
	int free_slot = -1;

	for (int i = 0; i < DESFIRE_CARDS; i++) {
		if (desfire_cards[i].card == NULL) {
			if (free_slot < 0)
				free_slot = i;
			continue;
		}
		if (desfire_cards[i].uidlen != len || memcmp(desfire_cards[i].uid, uid, len) != 0)
			continue;
		if (!blank && loaded == NULL)
			return desfire_cards[i].card;
		if (emu.dcard == desfire_cards[i].card)
			card_leaves();
		desfire_card_free(desfire_cards[i].card);
		desfire_cards[i].card = NULL;
		free_slot = i;
		break;
	}
	if (free_slot < 0) {
		desfire_card_free(loaded);
		return NULL;
	}
	desfire_cards[free_slot].card = loaded != NULL ? loaded :
	    desfire_card_new(uid, len, seed ^ (uint64_t)free_slot);
	if (desfire_cards[free_slot].card == NULL)
		return NULL;
	memcpy(desfire_cards[free_slot].uid, uid, len);
	desfire_cards[free_slot].uidlen = len;
	if (loaded == NULL)
		desfire_save(desfire_cards[free_slot].card);
	return desfire_cards[free_slot].card;
}

/* desfire UID blank | picc-aes KEY | app AID KEY0 KEY1 CRED [mode] [read=N] */
static void
control_desfire(int argc, char *argv[])
{
	struct desfire_card *dc;
	uint8_t uid[PN532_UID_MAX], key0[16], key1[16], cred[16], aidb[3];
	size_t len;
	uint32_t aid;
	uint8_t comm = DESFIRE_COMM_ENC, readkey = 1;

	if (argc < 3 || parse_uid(argv[1], uid, &len) == -1) {
		fprintf(stderr, "pn532emu: desfire: bad uid\n");
		return;
	}
	if (strcmp(argv[2], "blank") == 0 && argc == 3) {
		if (desfire_lookup(uid, len, true) == NULL)
			fprintf(stderr, "pn532emu: desfire: no room\n");
		return;
	}
	if ((dc = desfire_lookup(uid, len, false)) == NULL) {
		fprintf(stderr, "pn532emu: desfire: no room\n");
		return;
	}
	if (strcmp(argv[2], "picc-aes") == 0 && argc == 4) {
		if (parse_hex(argv[3], key0, 16) == -1) {
			fprintf(stderr, "pn532emu: desfire: bad key\n");
			return;
		}
		desfire_card_set_picc_key(dc, true, key0, 0x0F);
		desfire_save(dc);
		return;
	}
	if (strcmp(argv[2], "app") != 0 || argc < 7 || argc > 9 ||
	    parse_hex(argv[3], aidb, 3) == -1 || parse_hex(argv[4], key0, 16) == -1 ||
	    parse_hex(argv[5], key1, 16) == -1 || parse_hex(argv[6], cred, 16) == -1) {
		fprintf(stderr, "pn532emu: desfire: bad command\n");
		return;
	}
	for (int i = 7; i < argc; i++) {
		if (strcmp(argv[i], "plain") == 0)
			comm = DESFIRE_COMM_PLAIN;
		else if (strcmp(argv[i], "mac") == 0)
			comm = DESFIRE_COMM_MAC;
		else if (strcmp(argv[i], "enc") == 0)
			comm = DESFIRE_COMM_ENC;
		else if (strncmp(argv[i], "read=", 5) == 0 && argv[i][5] != '\0' &&
		    strchr("0123456789ABCDEF", argv[i][5]) && argv[i][6] == '\0')
			readkey = (uint8_t)hexval(argv[i][5]);
		else {
			fprintf(stderr, "pn532emu: desfire: bad option %s\n", argv[i]);
			return;
		}
	}
	aid = (uint32_t)aidb[0] << 16 | (uint32_t)aidb[1] << 8 | aidb[2];
	if (desfire_card_add_app(dc, aid, 0x0B, 3) == -1 ||
	    desfire_card_set_key(dc, aid, 0, key0, 0) == -1 ||
	    desfire_card_set_key(dc, aid, 1, key1, 0) == -1 ||
	    desfire_card_add_file(dc, aid, 1, comm, (uint16_t)(readkey << 12 | 0x00F0),
	    cred, sizeof(cred)) == -1)
		fprintf(stderr, "pn532emu: desfire: cannot add application\n");
	desfire_save(dc);
}

static void
control_line(char *line)
{
	char *argv[10], *save = NULL, *tok;
	int argc = 0;

	for (tok = strtok_r(line, " \t\r", &save); tok != NULL && argc < 10;
	    tok = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = tok;
	if (argc == 0)
		return;
	if (strcmp(argv[0], "card") == 0 && (argc == 2 || argc == 3)) {
		struct pn532_card c = { .present = true, .type = PN532_CLASSIC };

		if (parse_uid(argv[1], c.uid, &c.uidlen) == -1) {
			fprintf(stderr, "pn532emu: bad uid\n");
			return;
		}
		if (argc == 3) {
			if (strcmp(argv[2], "classic") == 0 || strcmp(argv[2], "clone") == 0)
				c.type = PN532_CLASSIC;
			else if (strcmp(argv[2], "ultralight") == 0)
				c.type = PN532_ULTRALIGHT;
			else if (strcmp(argv[2], "desfire") == 0)
				c.type = PN532_DESFIRE;
			else {
				fprintf(stderr, "pn532emu: bad card type %s\n", argv[2]);
				return;
			}
		}
		card_leaves();
		if (c.type == PN532_DESFIRE) {
			if ((emu.dcard = desfire_lookup(c.uid, c.uidlen, false)) == NULL) {
				fprintf(stderr, "pn532emu: desfire: no room\n");
				return;
			}
			c.apdu = desfire_apdu;
			c.apdu_arg = emu.dcard;
		}
		pn532_chip_card(emu.chip, &c);
		vlog("card placed");
		if (!emu.muted)
			pn532_chip_autopoll_try(emu.chip);
	} else if (strcmp(argv[0], "desfire") == 0) {
		control_desfire(argc, argv);
	} else if (strcmp(argv[0], "remove") == 0) {
		card_leaves();
		emu.tear_after = 0;
		vlog("card removed");
	} else if (strcmp(argv[0], "delay") == 0 && argc == 2) {
		emu.delay_ms = atoi(argv[1]);
	} else if (strcmp(argv[0], "tear") == 0 && argc == 2) {
		emu.tear_after = atoi(argv[1]);
	} else if (strcmp(argv[0], "mute") == 0) {
		emu.muted = true;
		pn532_chip_drop_pending(emu.chip);
		vlog("muted");
	} else if (strcmp(argv[0], "unmute") == 0) {
		emu.muted = false;
		pn532_chip_reset_input(emu.chip);
		vlog("unmuted");
	} else if (strcmp(argv[0], "firmware") == 0 && argc <= 2) {
		uint8_t fw[8];
		size_t n = 0;
		const char *h = argc == 2 ? argv[1] : "";

		while (n < sizeof(fw) && hexval(h[0]) >= 0 && hexval(h[1]) >= 0) {
			fw[n++] = (uint8_t)(hexval(h[0]) << 4 | hexval(h[1]));
			h += 2;
		}
		if (*h != '\0') {
			fprintf(stderr, "pn532emu: bad firmware answer\n");
			return;
		}
		pn532_chip_firmware(emu.chip, fw, n);
	} else if (strcmp(argv[0], "quit") == 0) {
		emu.quit = true;
	} else {
		fprintf(stderr, "pn532emu: unknown control command %s\n", argv[0]);
	}
}

static void
read_control(void)
{
	ssize_t r;
	char *nl;

	r = read(emu.ctl, emu.ctlbuf + emu.ctllen, sizeof(emu.ctlbuf) - 1 - emu.ctllen);
	if (r <= 0)
		return;
	emu.ctllen += (size_t)r;
	emu.ctlbuf[emu.ctllen] = '\0';
	while ((nl = strchr(emu.ctlbuf, '\n')) != NULL) {
		size_t used = (size_t)(nl - emu.ctlbuf) + 1;

		*nl = '\0';
		control_line(emu.ctlbuf);
		memmove(emu.ctlbuf, emu.ctlbuf + used, emu.ctllen - used);
		emu.ctllen -= used;
		emu.ctlbuf[emu.ctllen] = '\0';
	}
	if (emu.ctllen == sizeof(emu.ctlbuf) - 1)
		emu.ctllen = 0;		/* a line too long: drop it */
}

static void
read_master(void)
{
	uint8_t buf[512];
	ssize_t r = read(emu.master, buf, sizeof(buf));

	if (r <= 0)
		return;
	if (emu.muted) {
		chip_log(NULL, "rx (muted, dropped)", buf, (size_t)r);
		return;
	}
	pn532_chip_input(emu.chip, buf, (size_t)r);
}

static int
poll_timeout(void)
{
	struct timespec now;
	long long ms;

	if (!pn532_chip_pending(emu.chip, NULL) || emu.pending_forever)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (emu.pending_until.tv_sec - now.tv_sec) * 1000LL +
	    (emu.pending_until.tv_nsec - now.tv_nsec) / 1000000LL;
	return ms < 0 ? 0 : ms > 1000 ? 1000 : (int)ms + 1;
}

static void
check_pending(void)
{
	struct timespec now;

	if (!pn532_chip_pending(emu.chip, NULL) || emu.pending_forever)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > emu.pending_until.tv_sec ||
	    (now.tv_sec == emu.pending_until.tv_sec &&
	    now.tv_nsec >= emu.pending_until.tv_nsec))
		pn532_chip_autopoll_expire(emu.chip);
}

static void
usage(void)
{
	fprintf(stderr, "usage: pn532emu [-v] --link PATH --control FIFO [--cards DIR]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "link", required_argument, NULL, 'l' },
		{ "control", required_argument, NULL, 'c' },
		{ "cards", required_argument, NULL, 'k' },
		{ "verbose", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	const char *link = NULL, *control = NULL, *slavename;
	struct termios tio;
	sigset_t mask;
	int ch;

	while ((ch = getopt_long(argc, argv, "vl:c:k:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l': link = optarg; break;
		case 'c': control = optarg; break;
		case 'k': cards_dir = optarg; break;
		case 'v': emu.verbose = true; break;
		default: usage();
		}
	}
	if (link == NULL || control == NULL || optind != argc)
		usage();
	if ((emu.chip = pn532_chip_new(&(struct pn532_chip_ops){ .write = write_all,
	    .command = emu_command, .log = chip_log }, NULL)) == NULL) {
		perror("pn532emu");
		return 1;
	}

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((emu.sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		perror("pn532emu: signalfd");
		return 1;
	}

	if ((emu.master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(emu.master) == -1 || unlockpt(emu.master) == -1 ||
	    (slavename = ptsname(emu.master)) == NULL) {
		perror("pn532emu: pty");
		return 1;
	}
	/* Keep a slave fd open, so the master does not read EIO each time
	 * libnfc closes its side, and make the line raw before libnfc opens
	 * it: a cooked pty would echo frames back. */
	if ((emu.slave = open(slavename, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(emu.slave, &tio) == -1) {
		perror("pn532emu: slave");
		return 1;
	}
	cfmakeraw(&tio);
	if (tcsetattr(emu.slave, TCSANOW, &tio) == -1) {
		perror("pn532emu: tcsetattr");
		return 1;
	}
	fcntl(emu.master, F_SETFL, fcntl(emu.master, F_GETFL) | O_NONBLOCK);

	/* O_RDWR: the FIFO never reports EOF when a writer goes away. */
	if ((emu.ctl = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC)) == -1) {
		fprintf(stderr, "pn532emu: %s: %s\n", control, strerror(errno));
		return 1;
	}
	unlink(link);
	if (symlink(slavename, link) == -1) {
		fprintf(stderr, "pn532emu: %s: %s\n", link, strerror(errno));
		return 1;
	}
	printf("%s\n", slavename);
	fflush(stdout);

	while (!emu.quit) {
		struct pollfd pfd[3] = {
			{ emu.master, POLLIN, 0 },
			{ emu.ctl, POLLIN, 0 },
			{ emu.sigfd, POLLIN, 0 },
		};

		if (poll(pfd, 3, poll_timeout()) == -1) {
			if (errno == EINTR)
				continue;
			perror("pn532emu: poll");
			break;
		}
		if (pfd[2].revents & POLLIN)
			break;
		/* The host's bytes first: an ACK that aborts a pending
		 * InAutoPoll was sent before any later control line. */
		if (pfd[0].revents & POLLIN)
			read_master();
		if (pfd[1].revents & POLLIN)
			read_control();
		if (!emu.muted)
			check_pending();
	}
	unlink(link);
	close(emu.ctl);
	close(emu.slave);
	close(emu.master);
	close(emu.sigfd);
	pn532_chip_free(emu.chip);
	for (int i = 0; i < DESFIRE_CARDS; i++)
		desfire_card_free(desfire_cards[i].card);
	return 0;
}

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
 *	quit					exit
 *
 * usage: pn532emu [-v] --link PATH --control FIFO [--cards DIR]
 *
 * --cards DIR keeps each DESFire card in DIR/UID (hex), written after every
 * command and read each time the card enters the field: emulators that
 * share DIR share their cards, as a card carried from a desk reader to a
 * door reader keeps what the desk made of it.
 *
 * PATH becomes a symlink to the pty slave, whose name is printed on
 * stdout once everything is ready.  -v logs every frame to stderr.
 *
 * Frames (PN532 user manual §6.2, and libnfc's chips/pn53x.c):
 *	host: 00 00 FF LEN LCS D4 CMD data DCS 00   (extended: FF FF LENM LENL LCS)
 *	chip: ACK 00 00 FF 00 FF 00, then 00 00 FF LEN LCS D5 CMD+1 data DCS 00
 * An ACK from the host while a command is pending aborts it; a NACK asks
 * for the last response again.
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

#define IN_MAX		1024
#define FRAME_MAX	(265 + 11)
#define UID_MAX		10
#define DESFIRE_CARDS	32	/* cards the emulator remembers */

/* PN532 command codes (user manual §7) */
enum {
	CMD_DIAGNOSE = 0x00,
	CMD_GET_FIRMWARE_VERSION = 0x02,
	CMD_GET_GENERAL_STATUS = 0x04,
	CMD_READ_REGISTER = 0x06,
	CMD_WRITE_REGISTER = 0x08,
	CMD_READ_GPIO = 0x0C,
	CMD_WRITE_GPIO = 0x0E,
	CMD_SET_PARAMETERS = 0x12,
	CMD_SAM_CONFIGURATION = 0x14,
	CMD_POWER_DOWN = 0x16,
	CMD_RF_CONFIGURATION = 0x32,
	CMD_IN_DATA_EXCHANGE = 0x40,
	CMD_IN_COMMUNICATE_THRU = 0x42,
	CMD_IN_DESELECT = 0x44,
	CMD_IN_LIST_PASSIVE_TARGET = 0x4A,
	CMD_IN_SELECT = 0x54,
	CMD_IN_RELEASE = 0x52,
	CMD_IN_AUTO_POLL = 0x60,
};

#define PARAM_AUTO_RATS	0x10
#define ST_OK		0x00
#define ST_TIMEOUT	0x01	/* the target did not answer */
#define ST_BADCMD	0x27	/* command not acceptable in this context */

enum card_type { CARD_CLASSIC, CARD_ULTRALIGHT, CARD_DESFIRE };

struct card {
	bool		present;
	enum card_type	type;
	uint8_t		uid[UID_MAX];
	size_t		uidlen;
};

static const uint8_t ack_frame[] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
static const uint8_t error_frame[] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };
static const uint8_t desfire_ats[] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };

static struct {
	int		master;
	int		slave;
	int		ctl;
	int		sigfd;
	bool		verbose;
	bool		muted;
	bool		quit;

	uint8_t		in[IN_MAX];
	size_t		inlen;

	uint8_t		last[FRAME_MAX];	/* last response, for NACK */
	size_t		lastlen;

	/* an InAutoPoll waiting for a card */
	bool		pending;
	bool		pending_forever;
	struct timespec	pending_until;
	uint8_t		pending_types[16];
	size_t		npending_types;

	struct card	card;
	struct desfire_card *dcard;	/* the card's DESFire, when it is one */
	int		delay_ms;	/* before each card answer */
	int		tear_after;	/* the card leaves at that command */
	bool		selected;	/* the card was selected and not released */
	bool		field;
	uint8_t		params;
	uint8_t		regs[0x10000];

	char		ctlbuf[512];
	size_t		ctllen;
} emu;

/* Every DESFire card seen, by UID: a card keeps its state across taps. */
static const char *cards_dir;	/* --cards: NULL, the cards stay in memory */
static void desfire_save(const struct desfire_card *c);

static struct {
	uint8_t		uid[UID_MAX];
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
vlog_hex(const char *what, const uint8_t *p, size_t n)
{
	if (!emu.verbose)
		return;
	fprintf(stderr, "pn532emu: %s", what);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fprintf(stderr, "\n");
}

static void
write_all(const uint8_t *p, size_t n)
{
	vlog_hex("tx", p, n);
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

/* Send a response frame for command cmd with data. */
static void
respond(uint8_t cmd, const uint8_t *data, size_t n)
{
	uint8_t *f = emu.last;
	size_t len = n + 2, i = 0;
	uint8_t dcs;

	f[i++] = 0x00;
	f[i++] = 0x00;
	f[i++] = 0xFF;
	if (len <= 0xFF) {
		f[i++] = (uint8_t)len;
		f[i++] = (uint8_t)(0x100 - len);
	} else {
		f[i++] = 0xFF;
		f[i++] = 0xFF;
		f[i++] = (uint8_t)(len >> 8);
		f[i++] = (uint8_t)len;
		f[i] = (uint8_t)(0x100 - ((f[i - 2] + f[i - 1]) & 0xFF));
		i++;
	}
	f[i++] = 0xD5;
	f[i++] = (uint8_t)(cmd + 1);
	dcs = (uint8_t)(0xD5 + cmd + 1);
	for (size_t k = 0; k < n; k++) {
		f[i++] = data[k];
		dcs = (uint8_t)(dcs + data[k]);
	}
	f[i++] = (uint8_t)(0x100 - dcs);
	f[i++] = 0x00;
	emu.lastlen = i;
	write_all(f, i);
}

static void
respond_error(void)
{
	memcpy(emu.last, error_frame, sizeof(error_frame));
	emu.lastlen = sizeof(error_frame);
	write_all(error_frame, sizeof(error_frame));
}

static void
card_atqa_sak(const struct card *c, uint8_t atqa[2], uint8_t *sak)
{
	uint8_t size = c->uidlen == 4 ? 0x00 : c->uidlen == 7 ? 0x40 : 0x80;

	switch (c->type) {
	case CARD_ULTRALIGHT:
		atqa[0] = 0x00;
		atqa[1] = 0x04 | size;
		*sak = 0x00;
		break;
	case CARD_DESFIRE:
		atqa[0] = 0x03;
		atqa[1] = 0x04 | size;
		*sak = 0x20;
		break;
	case CARD_CLASSIC:
	default:
		atqa[0] = 0x00;
		atqa[1] = 0x04 | size;
		*sak = 0x08;
		break;
	}
}

/* Target data as InListPassiveTarget and InAutoPoll give it for one
 * ISO14443A target: Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1 [ATS]. */
static size_t
card_target_data(uint8_t *out)
{
	const struct card *c = &emu.card;
	size_t n = 0;
	uint8_t sak;

	out[n++] = 0x01;
	card_atqa_sak(c, out + n, &sak);
	n += 2;
	out[n++] = sak;
	out[n++] = (uint8_t)c->uidlen;
	memcpy(out + n, c->uid, c->uidlen);
	n += c->uidlen;
	if ((sak & 0x20) && (emu.params & PARAM_AUTO_RATS)) {
		memcpy(out + n, desfire_ats, sizeof(desfire_ats));
		n += sizeof(desfire_ats);
	}
	return n;
}

/* Does initiator data (a UID, with cascade tags or without) name our card? */
static bool
card_matches(const uint8_t *init, size_t n)
{
	const struct card *c = &emu.card;
	uint8_t casc[12];
	size_t clen;

	if (n == 0)
		return true;
	if (n == c->uidlen && memcmp(init, c->uid, n) == 0)
		return true;
	if (c->uidlen == 4) {
		return false;
	} else if (c->uidlen == 7) {
		casc[0] = 0x88;
		memcpy(casc + 1, c->uid, 7);
		clen = 8;
	} else {
		casc[0] = 0x88;
		memcpy(casc + 1, c->uid, 3);
		casc[4] = 0x88;
		memcpy(casc + 5, c->uid + 3, 7);
		clen = 12;
	}
	return n == clen && memcmp(init, casc, n) == 0;
}

static void
cmd_in_list_passive_target(const uint8_t *d, size_t n)
{
	uint8_t out[64];
	size_t len;

	if (n < 2 || d[0] < 1 || d[0] > 2) {
		respond_error();
		return;
	}
	/* Only ISO14443A at 106 kbps can see our card. */
	if (d[1] != 0x00 || !emu.card.present || !card_matches(d + 2, n - 2)) {
		out[0] = 0x00;
		respond(CMD_IN_LIST_PASSIVE_TARGET, out, 1);
		return;
	}
	emu.field = true;
	out[0] = 0x01;
	len = card_target_data(out + 1);
	emu.selected = true;
	respond(CMD_IN_LIST_PASSIVE_TARGET, out, len + 1);
}

/* Answer a pending or new InAutoPoll if a card is there.  Returns true if
 * it answered. */
static bool
autopoll_answer(void)
{
	uint8_t out[64], type = 0xFF;
	size_t len;
	bool want_4a = false, want_mifare = false, want_generic = false;

	if (!emu.card.present)
		return false;
	for (size_t i = 0; i < emu.npending_types; i++) {
		switch (emu.pending_types[i]) {
		case 0x20: want_4a = true; break;
		case 0x10: want_mifare = true; break;
		case 0x00: want_generic = true; break;
		}
	}
	if (emu.card.type == CARD_DESFIRE && want_4a)
		type = 0x20;
	else if (want_mifare)
		type = 0x10;
	else if (want_generic)
		type = 0x00;
	if (type == 0xFF)
		return false;
	emu.field = true;
	out[0] = 0x01;
	out[1] = type;
	len = card_target_data(out + 3);
	out[2] = (uint8_t)len;
	emu.selected = true;
	emu.pending = false;
	respond(CMD_IN_AUTO_POLL, out, len + 3);
	return true;
}

static void
cmd_in_auto_poll(const uint8_t *d, size_t n)
{
	struct timespec now;
	long ms;

	if (n < 3 || n - 2 > sizeof(emu.pending_types) || d[1] == 0) {
		respond_error();
		return;
	}
	emu.npending_types = n - 2;
	memcpy(emu.pending_types, d + 2, n - 2);
	if (autopoll_answer())
		return;
	/* Each PollNr unit is Period x 150 ms; 0xFF polls until aborted. */
	emu.pending = true;
	emu.pending_forever = d[0] == 0xFF;
	ms = (long)d[0] * d[1] * 150;
	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_sec += ms / 1000;
	now.tv_nsec += (ms % 1000) * 1000000L;
	if (now.tv_nsec >= 1000000000L) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000L;
	}
	emu.pending_until = now;
	vlog("autopoll pending%s", emu.pending_forever ? " forever" : "");
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
	if (emu.dcard != NULL)
		desfire_card_reset(emu.dcard);
	emu.dcard = NULL;
	memset(&emu.card, 0, sizeof(emu.card));
	emu.selected = false;
}

/* An APDU for the DESFire card: its answer, after the delay a real card
 * would take; or, torn, no answer (the target timed out) and no card. */
static void
desfire_exchange(const uint8_t *apdu, size_t n)
{
	uint8_t out[1 + DESFIRE_CARD_ANSWER_MAX];
	size_t len;

	len = desfire_card_apdu(emu.dcard, apdu, n, out + 1, sizeof(out) - 1);
	desfire_save(emu.dcard);
	if (emu.delay_ms > 0)
		sleep_ms(emu.delay_ms);
	if (emu.tear_after > 0 && --emu.tear_after == 0) {
		vlog("card torn away");
		card_leaves();
		out[0] = ST_TIMEOUT;
		respond(CMD_IN_DATA_EXCHANGE, out, 1);
		return;
	}
	out[0] = ST_OK;
	respond(CMD_IN_DATA_EXCHANGE, out, len + 1);
}

/* InDataExchange: Tg data…  A DESFire card answers its APDUs; an
 * Ultralight its READ; any other frame to a present, selected card gets a
 * one-byte answer. */
static void
cmd_in_data_exchange(const uint8_t *d, size_t n)
{
	uint8_t out[32];

	if (n < 1) {
		respond_error();
		return;
	}
	if (!emu.card.present) {
		out[0] = ST_TIMEOUT;
		respond(CMD_IN_DATA_EXCHANGE, out, 1);
		return;
	}
	if (!emu.selected || d[0] != 0x01) {
		out[0] = ST_BADCMD;
		respond(CMD_IN_DATA_EXCHANGE, out, 1);
		return;
	}
	if (emu.card.type == CARD_DESFIRE && emu.dcard != NULL) {
		desfire_exchange(d + 1, n - 1);
		return;
	}
	memset(out, 0, sizeof(out));
	if (n >= 3 && d[1] == 0x30) {
		/* READ: four pages.  Page 0 holds UID0-2 and BCC0, page 1
		 * UID3-6, as on a real Ultralight. */
		const uint8_t *u = emu.card.uid;

		if (emu.card.uidlen == 7 && d[2] == 0x00) {
			out[1] = u[0]; out[2] = u[1]; out[3] = u[2];
			out[4] = 0x88 ^ u[0] ^ u[1] ^ u[2];
			out[5] = u[3]; out[6] = u[4]; out[7] = u[5]; out[8] = u[6];
			out[9] = u[3] ^ u[4] ^ u[5] ^ u[6];
		}
		respond(CMD_IN_DATA_EXCHANGE, out, 17);
		return;
	}
	out[1] = 0x00;
	respond(CMD_IN_DATA_EXCHANGE, out, 2);
}

/* InCommunicateThru: raw frames.  Only an ISO14443-4 card answers, and only
 * to an R-block (libnfc's presence check sends R(NAK) B2). */
static void
cmd_in_communicate_thru(const uint8_t *d, size_t n)
{
	uint8_t out[2];

	if (emu.card.present && emu.selected && emu.card.type == CARD_DESFIRE &&
	    n >= 1 && (d[0] & 0xE6) == 0xA2) {
		out[0] = ST_OK;
		out[1] = (uint8_t)(0xA2 | (d[0] & 0x01));
		respond(CMD_IN_COMMUNICATE_THRU, out, 2);
		return;
	}
	out[0] = ST_TIMEOUT;
	respond(CMD_IN_COMMUNICATE_THRU, out, 1);
}

static void
handle_command(const uint8_t *p, size_t n)
{
	uint8_t cmd = p[0], out[300];
	const uint8_t *d = p + 1;
	size_t dn = n - 1, k;

	/* A new command ends a pending InAutoPoll. */
	emu.pending = false;
	write_all(ack_frame, sizeof(ack_frame));

	switch (cmd) {
	case CMD_DIAGNOSE:
		if (dn >= 1 && d[0] == 0x00) {
			respond(cmd, d, dn);	/* communication test: echo */
		} else if (dn >= 1 && d[0] == 0x06) {
			out[0] = emu.card.present && emu.selected ? ST_OK : ST_TIMEOUT;
			respond(cmd, out, 1);
		} else {
			out[0] = 0x00;
			respond(cmd, out, 1);
		}
		break;
	case CMD_GET_FIRMWARE_VERSION:
		out[0] = 0x32;		/* IC: PN532 */
		out[1] = 0x01;		/* version 1.6 */
		out[2] = 0x06;
		out[3] = 0x07;		/* ISO14443A, ISO14443B, ISO18092 */
		respond(cmd, out, 4);
		break;
	case CMD_GET_GENERAL_STATUS:
		k = 0;
		out[k++] = 0x00;
		out[k++] = emu.field ? 0x01 : 0x00;
		if (emu.card.present && emu.selected) {
			out[k++] = 0x01;
			out[k++] = 0x01;	/* Tg */
			out[k++] = 0x00;	/* BrRx 106 */
			out[k++] = 0x00;	/* BrTx 106 */
			out[k++] = 0x00;	/* type: ISO14443A */
		} else {
			out[k++] = 0x00;
		}
		out[k++] = 0x00;		/* SAM status */
		respond(cmd, out, k);
		break;
	case CMD_READ_REGISTER:
		if (dn == 0 || dn % 2 != 0) {
			respond_error();
			break;
		}
		for (k = 0; k < dn / 2; k++)
			out[k] = emu.regs[(d[2 * k] << 8) | d[2 * k + 1]];
		respond(cmd, out, k);
		break;
	case CMD_WRITE_REGISTER:
		if (dn == 0 || dn % 3 != 0) {
			respond_error();
			break;
		}
		for (k = 0; k < dn / 3; k++)
			emu.regs[(d[3 * k] << 8) | d[3 * k + 1]] = d[3 * k + 2];
		respond(cmd, NULL, 0);
		break;
	case CMD_READ_GPIO:
		out[0] = 0x3F;
		out[1] = 0x03;
		out[2] = 0x00;
		respond(cmd, out, 3);
		break;
	case CMD_WRITE_GPIO:
		respond(cmd, NULL, 0);
		break;
	case CMD_SET_PARAMETERS:
		if (dn != 1) {
			respond_error();
			break;
		}
		emu.params = d[0];
		respond(cmd, NULL, 0);
		break;
	case CMD_SAM_CONFIGURATION:
		if (dn < 1) {
			respond_error();
			break;
		}
		respond(cmd, NULL, 0);
		break;
	case CMD_POWER_DOWN:
		emu.field = false;
		emu.selected = false;
		out[0] = ST_OK;
		respond(cmd, out, 1);
		break;
	case CMD_RF_CONFIGURATION:
		if (dn < 2) {
			respond_error();
			break;
		}
		if (d[0] == 0x01) {
			emu.field = d[1] & 0x01;
			if (!emu.field)
				emu.selected = false;
		}
		respond(cmd, NULL, 0);
		break;
	case CMD_IN_LIST_PASSIVE_TARGET:
		cmd_in_list_passive_target(d, dn);
		break;
	case CMD_IN_AUTO_POLL:
		cmd_in_auto_poll(d, dn);
		break;
	case CMD_IN_DATA_EXCHANGE:
		cmd_in_data_exchange(d, dn);
		break;
	case CMD_IN_COMMUNICATE_THRU:
		cmd_in_communicate_thru(d, dn);
		break;
	case CMD_IN_DESELECT:
	case CMD_IN_RELEASE:
		emu.selected = false;
		out[0] = ST_OK;
		respond(cmd, out, 1);
		break;
	case CMD_IN_SELECT:
		out[0] = emu.card.present ? ST_OK : ST_TIMEOUT;
		if (emu.card.present)
			emu.selected = true;
		respond(cmd, out, 1);
		break;
	default:
		vlog("unknown command %02x", cmd);
		respond_error();
		break;
	}
}

static void
drop_input(size_t n)
{
	memmove(emu.in, emu.in + n, emu.inlen - n);
	emu.inlen -= n;
}

/*
 * Take every complete frame out of the input buffer.  Anything before a
 * start code (the 55 55 00… wake-up, line noise) is skipped, as the chip
 * does.  A frame with a bad checksum is dropped without an answer: the
 * host times out, like with a real chip.
 */
static void
parse_input(void)
{
	for (;;) {
		size_t s, len, hdr, i;
		uint8_t sum;

		for (s = 0; s + 1 < emu.inlen; s++)
			if (emu.in[s] == 0x00 && emu.in[s + 1] == 0xFF)
				break;
		if (s + 1 >= emu.inlen) {
			/* keep a trailing 00: it may start a start code */
			if (emu.inlen > 0 && emu.in[emu.inlen - 1] == 0x00)
				drop_input(emu.inlen - 1);
			else
				emu.inlen = 0;
			return;
		}
		drop_input(s);
		/* emu.in: 00 FF ... */
		if (emu.inlen < 4)
			return;
		if (emu.in[2] == 0x00 && emu.in[3] == 0xFF) {
			vlog("rx ack");
			drop_input(4);
			if (emu.pending) {
				vlog("pending command aborted");
				emu.pending = false;
			}
			continue;
		}
		if (emu.in[2] == 0xFF && emu.in[3] == 0x00) {
			vlog("rx nack");
			drop_input(4);
			if (emu.lastlen > 0)
				write_all(emu.last, emu.lastlen);
			continue;
		}
		if (emu.in[2] == 0xFF && emu.in[3] == 0xFF) {
			if (emu.inlen < 7)
				return;
			if (((emu.in[4] + emu.in[5] + emu.in[6]) & 0xFF) != 0) {
				vlog("extended frame: bad length checksum");
				drop_input(2);
				continue;
			}
			len = ((size_t)emu.in[4] << 8) | emu.in[5];
			hdr = 7;
		} else {
			if (((emu.in[2] + emu.in[3]) & 0xFF) != 0) {
				vlog("frame: bad length checksum");
				drop_input(2);
				continue;
			}
			len = emu.in[2];
			hdr = 4;
		}
		if (len < 2 || hdr + len + 2 > IN_MAX) {
			vlog("frame: bad length %zu", len);
			drop_input(2);
			continue;
		}
		if (emu.inlen < hdr + len + 1)
			return;
		sum = 0;
		for (i = 0; i <= len; i++)
			sum = (uint8_t)(sum + emu.in[hdr + i]);
		if (sum != 0 || emu.in[hdr] != 0xD4) {
			vlog("frame: bad %s", sum != 0 ? "data checksum" : "TFI");
			drop_input(2);
			continue;
		}
		vlog_hex("rx", emu.in, hdr + len + 1);
		{
			uint8_t cmd[IN_MAX];

			memcpy(cmd, emu.in + hdr + 1, len - 1);
			/* The postamble is optional on input; drop it if
			 * it is already here, else the next scan skips it. */
			drop_input(hdr + len + 1);
			handle_command(cmd, len - 1);
		}
	}
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
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0 || n == UID_MAX)
			return -1;
		uid[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (n != 4 && n != 7 && n != 10)
		return -1;
	*len = n;
	return 0;
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
 * says), made blank if new (or if blank is set).  NULL when the table is
 * full. */
static struct desfire_card *
desfire_lookup(const uint8_t *uid, size_t len, bool blank)
{
	uint64_t seed = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
	struct desfire_card *loaded = blank ? NULL : desfire_load(uid, len, seed);
	bool in_field = false;
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
		if (emu.dcard == desfire_cards[i].card) {
			emu.dcard = NULL;
			in_field = !blank;
		}
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
	if (in_field)		/* the same card, as its file says */
		emu.dcard = desfire_cards[free_slot].card;
	return desfire_cards[free_slot].card;
}

/* desfire UID blank | picc-aes KEY | app AID KEY0 KEY1 CRED [mode] [read=N] */
static void
control_desfire(int argc, char *argv[])
{
	struct desfire_card *dc;
	uint8_t uid[UID_MAX], key0[16], key1[16], cred[16], aidb[3];
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
		struct card c = { .present = true, .type = CARD_CLASSIC };

		if (parse_uid(argv[1], c.uid, &c.uidlen) == -1) {
			fprintf(stderr, "pn532emu: bad uid\n");
			return;
		}
		if (argc == 3) {
			if (strcmp(argv[2], "classic") == 0 || strcmp(argv[2], "clone") == 0)
				c.type = CARD_CLASSIC;
			else if (strcmp(argv[2], "ultralight") == 0)
				c.type = CARD_ULTRALIGHT;
			else if (strcmp(argv[2], "desfire") == 0)
				c.type = CARD_DESFIRE;
			else {
				fprintf(stderr, "pn532emu: bad card type %s\n", argv[2]);
				return;
			}
		}
		card_leaves();
		if (c.type == CARD_DESFIRE &&
		    (emu.dcard = desfire_lookup(c.uid, c.uidlen, false)) == NULL) {
			fprintf(stderr, "pn532emu: desfire: no room\n");
			return;
		}
		emu.card = c;
		vlog("card placed");
		if (emu.pending && !emu.muted)
			autopoll_answer();
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
		emu.pending = false;
		vlog("muted");
	} else if (strcmp(argv[0], "unmute") == 0) {
		emu.muted = false;
		emu.inlen = 0;
		vlog("unmuted");
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
		vlog_hex("rx (muted, dropped)", buf, (size_t)r);
		return;
	}
	if (emu.inlen + (size_t)r > sizeof(emu.in))
		emu.inlen = 0;		/* garbage: start over */
	memcpy(emu.in + emu.inlen, buf, (size_t)r);
	emu.inlen += (size_t)r;
	parse_input();
}

static int
poll_timeout(void)
{
	struct timespec now;
	long long ms;

	if (!emu.pending || emu.pending_forever)
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
	uint8_t none = 0x00;

	if (!emu.pending || emu.pending_forever)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec > emu.pending_until.tv_sec ||
	    (now.tv_sec == emu.pending_until.tv_sec &&
	    now.tv_nsec >= emu.pending_until.tv_nsec)) {
		emu.pending = false;
		respond(CMD_IN_AUTO_POLL, &none, 1);
	}
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
		case 'k': cards_dir = optarg; break;
		case 'c': control = optarg; break;
		case 'v': emu.verbose = true; break;
		default: usage();
		}
	}
	if (link == NULL || control == NULL || optind != argc)
		usage();

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
	for (int i = 0; i < DESFIRE_CARDS; i++)
		desfire_card_free(desfire_cards[i].card);
	close(emu.ctl);
	close(emu.slave);
	close(emu.master);
	close(emu.sigfd);
	return 0;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The hostile PN532 of pn532_side.h.  The script, one command at a time:
 * a byte op, kind = op >> 4, arg = op & 15, and for some kinds more bytes.
 *
 *	0-3	the model's answer
 *	4	a card enters the field (UID length 4, 7, 10 by arg % 3, type
 *		Classic, Ultralight, DESFire by arg / 3 % 3; then the UID's
 *		bytes), then the model's answer
 *	5	the card leaves, then the model's answer
 *	6	ACK, then a well-framed answer with crafted data (a length
 *		byte, then the data)
 *	7	ACK, then a well-framed answer to another command (out of order)
 *	8	ACK, then raw bytes (a length byte, then the bytes)
 *	9	raw bytes without an ACK (a length byte, then the bytes)
 *	10	ACK, then an extended frame that claims a length (two bytes)
 *		and stops after the data it has (oversized and truncated)
 *	11	silence, while the budget lasts (else the model's answer)
 *	12	ACK, then silence, while the budget lasts
 *	13	a NACK instead of the ACK, then the model's answer
 *	14	ACK, then the previous answer again
 *	15	the model's answer one byte at a time (arg < 8), or followed by
 *		an error frame and a stray ACK (arg >= 8)
 *
 * A script byte missing reads as 0.  An InAutoPoll that the model would
 * hold, no card being there, is answered at once with no target: an
 * emulated chip has no reason to make the fuzzing wait.
 */
#include "pn532_side.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pn532_chip.h"

#define PAD_MS		5		/* an unfinished frame waits this long */
#define PAD_BYTES	64
#define PAD_MAX		16		/* then the chip is quiet again */
#define SENT_MAX	(1 << 20)
#define RAW_MAX		300		/* a crafted answer: 255 bytes and what taming adds */

static const uint8_t nack_frame[] = { 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00 };

struct pn532_side {
	int		 master;
	int		 slave;
	int		 stop[2];	/* a byte on stop[1] ends the thread */
	pthread_t	 thread;
	bool		 running;
	char		 connstring[96];
	struct pn532_chip *chip;

	const uint8_t	*script;
	size_t		 len, pos;
	int		 silences;	/* left in the budget */
	bool		 split;		/* write the next answer byte by byte */
	int		 pads;		/* > 0: pad an unfinished frame, so many times */
	int		 commands, perturbed;
	bool		 verbose;	/* $FUZZ_VERBOSE: each command on stderr */

	pn532_exchange_fn exchange;
	void		*exchange_arg;

	uint8_t		*sent;		/* every byte the chip wrote */
	size_t		 nsent;
};

static uint8_t
next(struct pn532_side *s)
{
	return s->pos < s->len ? s->script[s->pos++] : 0;
}

/* Up to n script bytes, pointed at in place; *got says how many. */
static const uint8_t *
take(struct pn532_side *s, size_t n, size_t *got)
{
	const uint8_t *p = s->script + s->pos;

	*got = n < s->len - s->pos ? n : s->len - s->pos;
	s->pos += *got;
	return p;
}

static void
put(struct pn532_side *s, const uint8_t *p, size_t n)
{
	int waited = 0;

	if (s->nsent + n <= SENT_MAX) {
		memcpy(s->sent + s->nsent, p, n);
		s->nsent += n;
	}
	while (n > 0) {
		ssize_t w = write(s->master, p, s->split ? 1 : n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1 && errno == EAGAIN && waited++ < 20) {
			struct pollfd pfd = { s->master, POLLOUT, 0 };

			poll(&pfd, 1, 50);
			continue;
		}
		if (w <= 0)
			return;		/* nobody reads: what is left is lost */
		p += w;
		n -= (size_t)w;
		if (s->split)
			usleep(50);
	}
}

static void
chip_write(void *arg, const uint8_t *p, size_t n)
{
	put(arg, p, n);
}

/*
 * Keep libnfc's own bugs out of a crafted answer (pn532_side.h).  libnfc
 * decodes an ISO14443A target (Tg ATQA ATQA SAK UIDLen UID… [ATSLen ATS…])
 * reading its header and UID whatever length the answer gives it (12 bytes
 * of a UID longer than 10), and an ATS when the given length n says there
 * is one.  td: the target; avail: the bytes from td to the end of the
 * answer, at least 5.  The UID is cut to what is there, the ATS length
 * byte made non-zero and cut to what n holds.
 */
static void
tame_target(uint8_t *td, size_t n, size_t avail)
{
	size_t uidlen = td[4] < avail - 5 ? td[4] : avail - 5, at;

	if (uidlen > 10 && avail - 5 < 12)
		uidlen = 10;
	td[4] = (uint8_t)uidlen;
	if (n <= uidlen + 5)
		return;		/* no ATS: libnfc reads none */
	at = 5 + uidlen;
	if (td[at] == 0)
		td[at] = 1;
	if (td[at] - 1U > n - at - 1)
		td[at] = (uint8_t)(n - at);
}

/* The commands whose answer starts with a status byte that libnfc's
 * pn53x_transceive checks with abort() when its NAD bit (0x80) is set. */
static bool
status_aborts(uint8_t cmd)
{
	switch (cmd) {
	case 0x16: case 0x40: case 0x42: case 0x46: case 0x4E: case 0x50: case 0x54:
	case 0x56: case 0x86: case 0x88: case 0x8A: case 0x8C: case 0x8E: case 0x90:
	case 0x92: case 0x94:
		return true;
	}
	return false;
}

/* Zeros at the end of d, up to n bytes. */
static size_t
grow(uint8_t *d, size_t n, size_t want)
{
	if (n < want)
		memset(d + n, 0, want - n);
	return n < want ? want : n;
}

/* The answer d[0..n) to cmd made safe for libnfc; returns its length,
 * which may grow (d holds at least n + 16 bytes). */
static size_t
tame_answer(uint8_t cmd, uint8_t *d, size_t n)
{
	size_t ln, off;

	if (status_aborts(cmd)) {
		n = grow(d, n, 1);	/* else libnfc reads a stale byte */
		d[0] &= 0x7F;
	} else if (cmd == PN532_IN_LIST_PASSIVE_TARGET && n > 1 && d[0] > 0) {
		n = grow(d, n, 6);
		tame_target(d + 1, n - 1, n - 1);
	} else if (cmd == PN532_IN_AUTO_POLL && n > 0 && d[0] > 0) {
		if (d[0] > 2)
			d[0] = 2;
		off = 1;
		for (int t = 0; t < d[0]; t++) {
			if (off + 2 > n) {
				d[0] = (uint8_t)t;	/* the targets that fit */
				break;
			}
			d[off] &= 0x30;		/* 0x00, 0x10, 0x20: ISO14443A */
			if (d[off] == 0x30)
				d[off] = 0x10;
			n = grow(d, n, off + 2 + 5);
			ln = d[off + 1];
			if (ln > n - off - 2)
				d[off + 1] = (uint8_t)(ln = n - off - 2);
			tame_target(d + off + 2, ln, n - off - 2);
			off += 2 + ln;
		}
	}
	return n;
}

/* The model's answer, with the card model's hook and no held InAutoPoll. */
static void
model_answer(struct pn532_side *s, uint8_t cmd, const uint8_t *d, size_t n)
{
	uint8_t out[264];
	long got;

	if (s->exchange != NULL &&
	    (cmd == PN532_IN_DATA_EXCHANGE || cmd == PN532_IN_COMMUNICATE_THRU) &&
	    (got = s->exchange(s->exchange_arg, cmd, d, n, out, sizeof(out))) >= 0) {
		pn532_chip_ack(s->chip);
		pn532_chip_respond(s->chip, cmd, out, (size_t)got);
		return;
	}
	pn532_chip_answer(s->chip, cmd, d, n);
	if (pn532_chip_pending(s->chip, NULL))
		pn532_chip_autopoll_expire(s->chip);
}

static void
side_command(void *arg, uint8_t cmd, const uint8_t *d, size_t n)
{
	static const size_t uidlens[3] = { 4, 7, 10 };
	static const uint8_t error_frame[] = { 0x00, 0x00, 0xFF, 0x01, 0xFF, 0x7F, 0x81, 0x00 };
	static const uint8_t ack[] = { 0x00, 0x00, 0xFF, 0x00, 0xFF, 0x00 };
	struct pn532_side *s = arg;
	uint8_t op = next(s), kind = op >> 4, a = op & 0x0F, buf[RAW_MAX], hdr[10];
	struct pn532_card card;
	const uint8_t *p;
	size_t got, want;

	if (s->verbose)
		fprintf(stderr, "pn532_side: command %02x (%zu bytes), op %02x\n", cmd, n, op);
	s->commands++;
	s->pads = 0;
	if (kind >= 6)
		s->perturbed++;
	switch (kind) {
	case 4:
		memset(&card, 0, sizeof(card));
		card.present = true;
		card.uidlen = uidlens[a % 3];
		card.type = (enum pn532_card_type)(a / 3 % 3);
		for (size_t i = 0; i < card.uidlen; i++)
			card.uid[i] = next(s);
		pn532_chip_card(s->chip, &card);
		model_answer(s, cmd, d, n);
		break;
	case 5:
		memset(&card, 0, sizeof(card));
		pn532_chip_card(s->chip, &card);
		model_answer(s, cmd, d, n);
		break;
	case 6:
	case 7:
		p = take(s, next(s), &got);
		memcpy(buf, p, got);
		if (kind == 6)
			got = tame_answer(cmd, buf, got);
		pn532_chip_ack(s->chip);
		pn532_chip_respond(s->chip, kind == 6 ? cmd : (uint8_t)(cmd + 2 + 2 * a), buf, got);
		break;
	case 8:
	case 9:
		if (kind == 8)
			pn532_chip_ack(s->chip);
		p = take(s, next(s), &got);
		put(s, p, got);
		s->pads = PAD_MAX;
		break;
	case 10:
		want = (size_t)next(s) << 8;
		want |= next(s);
		hdr[0] = 0x00;
		hdr[1] = 0x00;
		hdr[2] = 0xFF;
		hdr[3] = 0xFF;
		hdr[4] = 0xFF;
		hdr[5] = (uint8_t)(want >> 8);
		hdr[6] = (uint8_t)want;
		hdr[7] = (uint8_t)(0x100 - ((hdr[5] + hdr[6]) & 0xFF));
		hdr[8] = 0xD5;
		hdr[9] = (uint8_t)(cmd + 1);
		pn532_chip_ack(s->chip);
		put(s, hdr, sizeof(hdr));
		p = take(s, a * 16, &got);
		put(s, p, got);
		s->pads = PAD_MAX;
		break;
	case 11:
	case 12:
		if (s->silences > 0) {
			s->silences--;
			if (kind == 12)
				pn532_chip_ack(s->chip);
			break;
		}
		model_answer(s, cmd, d, n);
		break;
	case 13:
		put(s, nack_frame, sizeof(nack_frame));
		model_answer(s, cmd, d, n);
		break;
	case 14:
		pn532_chip_ack(s->chip);
		if (!pn532_chip_resend(s->chip))
			s->pads = PAD_MAX;
		break;
	case 15:
		s->split = a < 8;
		model_answer(s, cmd, d, n);
		s->split = false;
		if (a >= 8) {
			put(s, error_frame, sizeof(error_frame));
			put(s, ack, sizeof(ack));
		}
		break;
	default:
		model_answer(s, cmd, d, n);
		break;
	}
}

static void *
side_main(void *arg)
{
	static const uint8_t zeros[PAD_BYTES];
	struct pn532_side *s = arg;
	uint8_t buf[512];

	for (;;) {
		struct pollfd pfd[2] = {
			{ s->master, POLLIN, 0 },
			{ s->stop[0], POLLIN, 0 },
		};
		int n = poll(pfd, 2, s->pads > 0 ? PAD_MS : -1);

		if (n == -1 && errno != EINTR)
			break;
		if (pfd[1].revents != 0)
			break;
		if (n == 0 && s->pads > 0) {
			/* The host still waits for the rest of a frame. */
			put(s, zeros, sizeof(zeros));
			s->pads--;
			continue;
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t r = read(s->master, buf, sizeof(buf));

			if (r > 0)
				pn532_chip_input(s->chip, buf, (size_t)r);
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			usleep(1000);	/* no reader on the slave side just now */
		}
	}
	return NULL;
}

struct pn532_side *
pn532_side_start(const uint8_t *script, size_t len, int max_silences)
{
	struct pn532_side *s = calloc(1, sizeof(*s));
	struct pn532_chip_ops ops = { .write = chip_write, .command = side_command };
	struct termios tio;
	sigset_t all, old;
	char name[64];
	int saved;

	if (s == NULL)
		return NULL;
	s->master = s->slave = s->stop[0] = s->stop[1] = -1;
	s->script = script;
	s->len = len;
	s->silences = max_silences;
	s->verbose = getenv("FUZZ_VERBOSE") != NULL;
	if ((s->sent = malloc(SENT_MAX)) == NULL || (s->chip = pn532_chip_new(&ops, s)) == NULL)
		goto fail;
	/* The chip keeps its own slave open, raw before libnfc opens it: a
	 * cooked pty would echo frames back, and without a slave open the
	 * master reads EIO each time libnfc closes (docs in
	 * tests/tools/pn532emu.c). */
	if ((s->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    grantpt(s->master) == -1 || unlockpt(s->master) == -1 ||
	    ptsname_r(s->master, name, sizeof(name)) != 0 ||
	    (s->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(s->slave, &tio) == -1)
		goto fail;
	cfmakeraw(&tio);
	if (tcsetattr(s->slave, TCSANOW, &tio) == -1 ||
	    fcntl(s->master, F_SETFL, fcntl(s->master, F_GETFL) | O_NONBLOCK) == -1 ||
	    pipe2(s->stop, O_CLOEXEC) == -1)
		goto fail;
	snprintf(s->connstring, sizeof(s->connstring), "pn532_uart:%s", name);

	/* No signal for this thread: the reader's watchdog and the fuzzer's
	 * own belong to the host's thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	errno = pthread_create(&s->thread, NULL, side_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (errno != 0)
		goto fail;
	s->running = true;
	return s;
fail:
	saved = errno;
	pn532_side_free(s);
	errno = saved;
	return NULL;
}

const char *
pn532_side_connstring(const struct pn532_side *s)
{
	return s->connstring;
}

void
pn532_side_exchange(struct pn532_side *s, pn532_exchange_fn fn, void *arg)
{
	s->exchange = fn;
	s->exchange_arg = arg;
}

void
pn532_side_stop(struct pn532_side *s)
{
	if (s == NULL || !s->running)
		return;
	(void)!write(s->stop[1], "x", 1);
	pthread_join(s->thread, NULL);
	s->running = false;
}

void
pn532_side_free(struct pn532_side *s)
{
	if (s == NULL)
		return;
	pn532_side_stop(s);
	if (s->master != -1)
		close(s->master);
	if (s->slave != -1)
		close(s->slave);
	if (s->stop[0] != -1)
		close(s->stop[0]);
	if (s->stop[1] != -1)
		close(s->stop[1]);
	pn532_chip_free(s->chip);
	free(s->sent);
	free(s);
}

bool
pn532_side_sent_uid(const struct pn532_side *s, const uint8_t *uid, size_t n)
{
	const uint8_t *b = s->sent;

	for (size_t i = 0; n > 0 && i + n <= s->nsent; i++)
		if (memcmp(b + i, uid, n) == 0)
			return true;
	for (size_t i = 0; n == 10 && i + 12 <= s->nsent; i++)
		if (memcmp(b + i + 1, uid, 3) == 0 && memcmp(b + i + 5, uid + 3, 3) == 0 &&
		    memcmp(b + i + 8, uid + 6, 4) == 0)
			return true;
	return false;
}

int
pn532_side_commands(const struct pn532_side *s)
{
	return s->commands;
}

int
pn532_side_perturbed(const struct pn532_side *s)
{
	return s->perturbed;
}

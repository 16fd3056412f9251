/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DESFire exchange from end to end, through everything a hostile chip
 * or card can reach: a hostile PN532 (tests/fuzz/pn532_side.c) whose
 * InDataExchange answers come from the DESFire card model
 * (tests/tools/desfire_card.c), libnfc 1.8's pn532_uart driver,
 * firmware-glue/reader_nfc.c and the child's loop (reader_child_serve),
 * which holds an ISO 14443-4 card and passes APDUs on the exchange
 * socket; and on the parent's side, a thread as seuild's exchange threads
 * are (daemon/exchange.c): it takes the records (reader_child_recv) and,
 * for a held tap, reads the credential (desfire_read_credential over
 * reader_child_transceive), then releases the card.
 *
 * Input: byte 0: bits 0-2, how many waits the child does (1 + b % 8, each
 * of WAIT_MS); bits 3-4, the model's card: blank, ours, our application
 * with other keys.  The rest is the chip's script (pn532_side.c: the
 * model's answers, crafted or broken frames, cards coming and going, a
 * silence); the card model answers every InDataExchange the script leaves
 * to the model.  Our card's UID is 04 10 20 30 40 50 61 (a card the script
 * places with another UID has keys for another UID).
 *
 * Oracle: no crash, hang or overrun; every record passes the parent's
 * checks; a tap carries a UID the chip sent; a held tap is an ISO 14443-4
 * card's; an exchange is DESFIRE_OK only for our card, with our keys, at
 * our UID, and returns its credential; never for a card with other keys.
 */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "desfire.h"
#include "desfire_card.h"
#include "fuzz.h"
#include "pn532_chip.h"
#include "pn532_side.h"
#include "reader.h"
#include "reader_backend.h"
#include "reader_child.h"

#define WAIT_MS		20
#define APDU_MS		300	/* the parent's wait for one answer */

static const uint8_t our_uid[7] = { 0x04, 0x10, 0x20, 0x30, 0x40, 0x50, 0x61 };
static const uint8_t our_cred[16] = {
	0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A,
	0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A,
};

struct parent {
	int		sock, xsock;
	struct pn532_side *side;
	const struct desfire_keys *keys;
	int		state;		/* the model's card: 0 blank, 1 ours, 2 other keys */
	uint32_t	tap, seq;
	int		taps, held, ok;
	bool		broken;
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("LIBNFC_LOG_LEVEL", "0", 1);	/* libnfc's errors are expected */
	setenv("LIBNFC_AUTO_SCAN", "false", 1);
	signal(SIGPIPE, SIG_IGN);
	reader_nfc_timing(5, 20);
	return 0;
}

/* The card's answers, on the chip's thread (the model is its alone). */
static long
card_answer(void *arg, uint8_t cmd, const uint8_t *d, size_t n, uint8_t *out, size_t max)
{
	struct desfire_card *card = arg;

	if (cmd != PN532_IN_DATA_EXCHANGE || n < 2 || max < 1 + DESFIRE_CARD_ANSWER_MAX)
		return -1;	/* the model: a presence check, a bare frame */
	out[0] = 0x00;
	return 1 + (long)desfire_card_apdu(card, d + 1, n - 1, out + 1, max - 1);
}

static int
parent_transceive(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	struct parent *p = arg;
	const char *why = NULL;
	int n;

	if (p->broken)
		return -1;
	n = reader_child_transceive(p->xsock, p->tap, ++p->seq, tx, txlen, rx, rxsize, APDU_MS,
	    &why);
	p->broken = why != NULL;
	FUZZ_ASSERT(!p->broken);	/* our own child never breaks the format */
	return n;
}

static void
parent_exchange(struct parent *p, const struct reader_msg *m)
{
	struct desfire_io io = { .transceive = parent_transceive, .arg = p };
	struct desfire_report rep;
	uint8_t cred[DESFIRE_CREDENTIAL_LEN];
	enum desfire_result r = DESFIRE_PROTOCOL;

	p->tap = m->tap;
	if (m->uid_len == DESFIRE_UID_LEN)
		r = desfire_read_credential(&io, p->keys, m->uid, cred, &rep);
	reader_child_release(p->xsock, p->tap);
	if (r != DESFIRE_OK)
		return;
	FUZZ_ASSERT(p->state == 1);
	FUZZ_ASSERT(memcmp(m->uid, our_uid, sizeof(our_uid)) == 0);
	FUZZ_ASSERT(memcmp(cred, our_cred, sizeof(cred)) == 0);
	p->ok++;
}

/* seuild's side: records until the child hangs up. */
static void *
parent_main(void *arg)
{
	struct parent *p = arg;
	struct reader_msg m;
	const char *why;
	int got;

	for (;;) {
		struct pollfd pfd = { .fd = p->sock, .events = POLLIN };

		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		why = NULL;
		got = reader_child_recv(p->sock, &m, &why);
		if (got == 0)
			continue;
		if (got == -1) {
			FUZZ_ASSERT(why != NULL && strcmp(why, "reader process exited") == 0);
			break;
		}
		if (m.type == READER_MSG_TAP) {
			FUZZ_ASSERT(pn532_side_sent_uid(p->side, m.uid, m.uid_len));
			p->taps++;
			if (m.flags & READER_TAP_HELD) {
				FUZZ_ASSERT(m.card == READER_CARD_ISO14443_4);
				p->held++;
				parent_exchange(p, &m);
			}
		}
		explicit_bzero(&m, sizeof(m));
	}
	return NULL;
}

static void
site_keys(struct desfire_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->aid = DESFIRE_AID_DEFAULT;
	for (int i = 0; i < 16; i++) {
		k->master0[i] = (uint8_t)(0x81 + i);
		k->master1[i] = (uint8_t)(0x91 + i);
		k->sysid[i] = (uint8_t)(0xA1 + i);
	}
}

static void
card_setup(struct desfire_card *c, const struct desfire_keys *k, int s)
{
	uint8_t k0[16], k1[16];

	if (s == 0)
		return;
	desfire_diversify(k->master0, our_uid, k->aid, k->sysid, k0);
	desfire_diversify(k->master1, our_uid, k->aid, k->sysid, k1);
	if (s == 2) {
		k0[9] ^= 0x42;
		k1[9] ^= 0x42;
	}
	desfire_card_add_app(c, k->aid, 0x0B, 2);
	desfire_card_set_key(c, k->aid, 0, k0, 0);
	desfire_card_set_key(c, k->aid, 1, k1, 0);
	desfire_card_add_file(c, k->aid, 1, DESFIRE_COMM_ENC, 0x10F0, our_cred, sizeof(our_cred));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char before[FUZZ_FD_SETS];
	struct desfire_keys keys;
	struct desfire_card *card;
	struct reader_conf rc;
	struct parent p;
	struct reader *r;
	pthread_t thread;
	char err[256];
	int sv[2], xv[2], code = 0;
	bool opened;

	if (size < 1 || size > 4096)
		return -1;
	fuzz_fds_open(before);
	site_keys(&keys);
	memset(&p, 0, sizeof(p));
	p.keys = &keys;
	p.state = (data[0] >> 3 & 0x03) % 3;
	FUZZ_ASSERT((card = desfire_card_new(our_uid, sizeof(our_uid), 5)) != NULL);
	card_setup(card, &keys, p.state);
	FUZZ_ASSERT((p.side = pn532_side_start(data + 1, size - 1, 1)) != NULL);
	pn532_side_exchange(p.side, card_answer, card);
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, xv) == 0);
	p.sock = sv[0];
	p.xsock = xv[0];
	FUZZ_ASSERT(pthread_create(&thread, NULL, parent_main, &p) == 0);
	memset(&rc, 0, sizeof(rc));
	snprintf(rc.name, sizeof(rc.name), "fuzz");
	rc.driver = READER_LIBNFC;
	rc.door_index = -1;
	snprintf(rc.connstring, sizeof(rc.connstring), "%s", pn532_side_connstring(p.side));

	err[0] = '\0';
	if (!(opened = (r = reader_open(&rc, err, sizeof(err))) != NULL)) {
		FUZZ_ASSERT(err[0] != '\0');
	} else {
		code = reader_child_serve(r, sv[1], xv[1], WAIT_MS, 1 + (data[0] & 0x07));
		FUZZ_ASSERT(code == 0 || code == EX_UNAVAILABLE);
		reader_close(r);
	}
	/* The child's ends: the parent's thread sees the hang-up and ends. */
	close(sv[1]);
	close(xv[1]);
	pthread_join(thread, NULL);
	pn532_side_stop(p.side);
	close(sv[0]);
	close(xv[0]);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_desfire_reader: card %d, %d commands, %d perturbed, %d taps, "
		    "%d held, %d read%s%s\n", p.state, pn532_side_commands(p.side),
		    pn532_side_perturbed(p.side), p.taps, p.held, p.ok, !opened ?
		    ", open failed: " : "", !opened ? err : "");
	pn532_side_free(p.side);
	desfire_card_free(card);
	fuzz_fds_close_new(before);
	return 0;
}

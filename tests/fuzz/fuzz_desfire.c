/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Card answers to the DESFire exchange (firmware-glue/desfire.c): what a
 * hostile card, or one in the middle, can send to the main process through
 * the reader child.  The first input byte picks:
 *	bits 0-1  the exchange: read, provision, wipe, wipe forced
 *	bit 2	  answers from the input alone (a card that knows no key);
 *		  else the card model (tests/tools/desfire_card.c) answers and
 *		  the input tampers with its answers
 *	bits 3-4  the model's card: blank, ours, our AID with other keys, ours
 *		  with an AES PICC key
 *	bit 5	  the model answers in frames of 7 bytes
 * Input alone: records "length, bytes" (length FF: no answer, the card
 * left), one per APDU; when they run out, the card is gone.  Tampering:
 * records "call, op, arg" (op 4 takes arg more bytes), applied to the
 * answer to APDU number call: flip a bit, cut, set SW1 or SW2, replace,
 * drop, append, split off a 91 AF frame.
 * Oracle: no crash or overrun (ASan); never more APDUs than the exchange's
 * bound; on failure the credential is zeroed; with answers alone, never
 * DESFIRE_OK; with the model, DESFIRE_OK from a read or a provisioning only
 * when the card holds our diversified keys and the credential returned,
 * and never for a card with other keys.  FUZZ_VERBOSE=1 prints each
 * outcome.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "desfire.h"
#include "desfire_card.h"
#include "fuzz.h"

static const uint8_t uid[7] = { 0x04, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60 };

struct tamper {
	uint8_t	call, op, arg;
	const uint8_t *bytes;		/* op 4 */
};

struct feed {
	struct desfire_card *card;	/* NULL: answers from the input */
	const uint8_t *p;
	size_t	left;
	struct tamper t[64];
	int	nt;
	int	calls;
	uint32_t rng;
};

static int
feed_random(void *arg, uint8_t *buf, size_t n)
{
	struct feed *f = arg;

	/* deterministic with the model, so that a crash replays; the
	 * answers-alone mode uses the kernel's (io.random NULL) */
	for (size_t i = 0; i < n; i++) {
		f->rng = f->rng * 1103515245u + 12345u;
		buf[i] = (uint8_t)(f->rng >> 16);
	}
	return 0;
}

static int
from_input(struct feed *f, uint8_t *rx, size_t rxsize)
{
	size_t len;

	if (f->left == 0)
		return -1;
	len = *f->p++;
	f->left--;
	if (len == 0xFF)
		return -1;
	if (len > f->left)
		len = f->left;
	if (len > rxsize)
		return -1;
	memcpy(rx, f->p, len);
	f->p += len;
	f->left -= len;
	return (int)len;
}

static int
tampered(struct feed *f, int n, uint8_t *rx, size_t rxsize)
{
	for (int i = 0; i < f->nt; i++) {
		const struct tamper *t = &f->t[i];

		if (t->call != f->calls || n < 0)
			continue;
		switch (t->op % 8) {
		case 0:
			if (n > 0)
				rx[t->arg % n] ^= (uint8_t)(1 << (t->arg % 8));
			break;
		case 1:
			n = t->arg % (n + 1);
			break;
		case 2:
			if (n >= 1)
				rx[n - 1] = t->arg;
			break;
		case 3:
			if (n >= 2)
				rx[n - 2] = t->arg;
			break;
		case 4:
			n = t->arg < rxsize ? t->arg : (int)rxsize;
			memcpy(rx, t->bytes, (size_t)n);
			break;
		case 5:
			n = -1;
			break;
		case 6:
			if ((size_t)n + t->arg <= rxsize) {
				memset(rx + n, t->arg, t->arg);
				n += t->arg;
			}
			break;
		case 7:
			if (t->arg + 2 <= n) {
				n = t->arg + 2;
				rx[n - 2] = 0x91;
				rx[n - 1] = 0xAF;
			}
			break;
		}
	}
	return n;
}

static int
feed_transceive(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	struct feed *f = arg;
	int n;

	f->calls++;
	FUZZ_ASSERT(txlen >= 5 && txlen <= 64 && tx[0] == 0x90);
	FUZZ_ASSERT(rxsize >= DESFIRE_CARD_ANSWER_MAX);
	if (f->card == NULL)
		return from_input(f, rx, rxsize);
	n = (int)desfire_card_apdu(f->card, tx, txlen, rx, rxsize);
	return tampered(f, n, rx, rxsize);
}

static void
site_keys(struct desfire_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->aid = DESFIRE_AID_DEFAULT;
	for (int i = 0; i < 16; i++) {
		k->master0[i] = (uint8_t)(0xA0 + i);
		k->master1[i] = (uint8_t)(0xB0 + i);
		k->sysid[i] = (uint8_t)(0xC0 + i);
		k->picc_key[i] = (uint8_t)(0xD0 + i);
	}
}

/* The model's card for state s: 0 blank, 1 ours, 2 our AID with other
 * keys, 3 ours with an AES PICC key. */
static void
card_setup(struct desfire_card *c, struct desfire_keys *k, int s)
{
	uint8_t k0[16], k1[16], cred[16];

	if (s == 3) {
		desfire_card_set_picc_key(c, true, k->picc_key, 0x09);
		k->picc_aes = true;
	}
	if (s == 0)
		return;
	desfire_diversify(k->master0, uid, k->aid, k->sysid, k0);
	desfire_diversify(k->master1, uid, k->aid, k->sysid, k1);
	if (s == 2) {
		k0[0] ^= 0x55;
		k1[0] ^= 0x55;
	}
	memset(cred, 0x3C, sizeof(cred));
	desfire_card_add_app(c, k->aid, 0x0B, 2);
	desfire_card_set_key(c, k->aid, 0, k0, 0);
	desfire_card_set_key(c, k->aid, 1, k1, 0);
	desfire_card_add_file(c, k->aid, 1, DESFIRE_COMM_ENC, 0x10F0, cred, sizeof(cred));
}

/* Does the card hold our keys and this credential? */
static bool
card_holds(const struct desfire_card *c, const struct desfire_keys *k, const uint8_t cred[16],
    bool both_keys)
{
	uint8_t want[16], got[16], data[16];

	desfire_diversify(k->master1, uid, k->aid, k->sysid, want);
	if (desfire_card_get_key(c, k->aid, 1, got) == -1 || memcmp(got, want, 16) != 0)
		return false;
	if (both_keys) {
		desfire_diversify(k->master0, uid, k->aid, k->sysid, want);
		if (desfire_card_get_key(c, k->aid, 0, got) == -1 || memcmp(got, want, 16) != 0)
			return false;
	}
	return desfire_card_read_file(c, k->aid, 1, data, sizeof(data)) == 16 &&
	    memcmp(data, cred, 16) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t zero[16];
	static const int bound[4] = { 12, 48, 16, 16 };
	struct feed f;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16];
	enum desfire_result r = DESFIRE_PROTOCOL;
	int what, state;

	if (size < 1 || size > 4096)
		return -1;
	memset(&f, 0, sizeof(f));
	what = data[0] & 0x03;
	state = data[0] >> 3 & 0x03;
	f.p = data + 1;
	f.left = size - 1;
	f.rng = 0x5EED;
	site_keys(&k);
	io = (struct desfire_io){ .transceive = feed_transceive, .arg = &f };
	if (!(data[0] & 0x04)) {
		f.card = desfire_card_new(uid, sizeof(uid), 7);
		FUZZ_ASSERT(f.card != NULL);
		card_setup(f.card, &k, state);
		if (data[0] & 0x20)
			desfire_card_set_frame_max(f.card, 7);
		io.random = feed_random;
		while (f.left >= 3 && f.nt < (int)(sizeof(f.t) / sizeof(f.t[0]))) {
			struct tamper *t = &f.t[f.nt++];

			t->call = f.p[0];
			t->op = f.p[1];
			t->arg = f.p[2];
			f.p += 3;
			f.left -= 3;
			if (t->op % 8 == 4) {
				if (t->arg > f.left)
					t->arg = (uint8_t)f.left;
				t->bytes = f.p;
				f.p += t->arg;
				f.left -= t->arg;
			}
		}
	}
	memset(cred, 0xEE, sizeof(cred));
	switch (what) {
	case 0:
		r = desfire_read_credential(&io, &k, uid, cred, &rep);
		break;
	case 1:
		r = desfire_provision(&io, &k, uid, cred, &rep);
		break;
	case 2:
	case 3:
		r = desfire_wipe(&io, &k, uid, what == 3 ? DESFIRE_WIPE_FORCE : 0, &rep);
		memset(cred, 0, sizeof(cred));
		break;
	}
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "exchange %d, %s: %s at %s, status %d, %d APDUs\n", what,
		    f.card == NULL ? "answers alone" : "model", desfire_result_str(r),
		    desfire_step_str(rep.step), rep.status, rep.exchanges);
	FUZZ_ASSERT(f.calls <= bound[what]);
	FUZZ_ASSERT(rep.exchanges == f.calls);
	FUZZ_ASSERT(desfire_result_str(r) != NULL && desfire_step_str(rep.step) != NULL);
	if (r != DESFIRE_OK)
		FUZZ_ASSERT(memcmp(cred, zero, sizeof(cred)) == 0);
	if (f.card == NULL) {
		FUZZ_ASSERT(r != DESFIRE_OK);
	} else if (r == DESFIRE_OK && what <= 1) {
		FUZZ_ASSERT(state != 2);
		FUZZ_ASSERT(card_holds(f.card, &k, cred, what == 1));
	}
	desfire_card_free(f.card);
	return 0;
}

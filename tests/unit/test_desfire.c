/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DESFire exchange (firmware-glue/desfire.c) against the card model
 * (tests/tools/desfire_card.c), in process, over the transceive callback:
 * provisioning blank cards (factory DES or AES PICC key), reading at the
 * door, wiping, a provisioning torn at every APDU then finished, the
 * cards that are not ours, and hostile answers.  Then the model alone,
 * APDU by APDU: DESFire.pdf's authentication vector, its errors, the PICC
 * key change to AES in a legacy session, the key-0-last rule, chaining,
 * MACed and enciphered files, GetVersion, GetCardUID.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "desfire.h"
#include "desfire_card.h"
#include "testhelp.h"

static const uint8_t uid7[7] = { 0x04, 0x52, 0x61, 0x7A, 0x8B, 0x9C, 0x80 };

/* The link between the exchange and a card: the card answers, unless it
 * was torn away or a test tampers with what it says. */
struct link {
	struct desfire_card *card;
	bool	gone;
	int	calls;
	int	tear_at;	/* on that call the card leaves ... */
	bool	tear_done;	/* ... after doing the command (else before) */
	uint8_t	ins[64];	/* INS of each call */
	/* a test's hand on the answer: returns its new length, sets
	 * tampered when it changed it */
	int	(*tamper)(struct link *l, uint8_t *rx, int n, size_t size);
	int	arg;
	bool	tampered;
};

static int
link_transceive(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	struct link *l = arg;
	int n;

	if (l->calls < (int)sizeof(l->ins))
		l->ins[l->calls] = txlen > 1 ? tx[1] : 0;
	l->calls++;
	if (l->gone)
		return -1;
	if (l->calls == l->tear_at && !l->tear_done) {
		desfire_card_reset(l->card);
		l->gone = true;
		return -1;
	}
	n = (int)desfire_card_apdu(l->card, tx, txlen, rx, rxsize);
	if (l->calls == l->tear_at) {
		desfire_card_reset(l->card);
		l->gone = true;
		return -1;
	}
	if (l->tamper != NULL)
		n = l->tamper(l, rx, n, rxsize);
	return n;
}

static uint32_t rng_state = 1;

static int
test_random(void *arg, uint8_t *buf, size_t n)
{
	(void)arg;
	for (size_t i = 0; i < n; i++) {
		rng_state = rng_state * 1103515245u + 12345u;
		buf[i] = (uint8_t)(rng_state >> 16);
	}
	return 0;
}

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + 1);
}

static void
site_keys(struct desfire_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->aid = DESFIRE_AID_DEFAULT;
	fill(k->master0, 16, 1);
	fill(k->master1, 16, 2);
	fill(k->sysid, 16, 3);
}

static void
link_open(struct link *l, struct desfire_io *io, const uint8_t *uid)
{
	memset(l, 0, sizeof(*l));
	l->card = desfire_card_new(uid, 7, 42);
	io->transceive = link_transceive;
	io->arg = l;
	io->random = test_random;
}

/* Put the card back in the field, as after a tap: its session gone. */
static void
link_again(struct link *l)
{
	desfire_card_reset(l->card);
	l->gone = false;
	l->calls = 0;
	l->tear_at = 0;
	l->tamper = NULL;
	l->tampered = false;
}

/* The card as provisioning must leave it: our keys, our file, cred. */
static void
expect_ours(struct desfire_card *c, const struct desfire_keys *k, const uint8_t *uid,
    const uint8_t cred[16])
{
	uint8_t want[16], got[16], data[16];

	desfire_diversify(k->master0, uid, k->aid, k->sysid, want);
	EXPECT_INT(desfire_card_get_key(c, k->aid, 0, got), DESFIRE_SESSION_AES);
	EXPECT(memcmp(got, want, 16) == 0);
	desfire_diversify(k->master1, uid, k->aid, k->sysid, want);
	EXPECT_INT(desfire_card_get_key(c, k->aid, 1, got), DESFIRE_SESSION_AES);
	EXPECT(memcmp(got, want, 16) == 0);
	EXPECT_INT(desfire_card_read_file(c, k->aid, 1, data, sizeof(data)), 16);
	EXPECT(memcmp(data, cred, 16) == 0);
}

static bool
zero16(const uint8_t *p)
{
	for (int i = 0; i < 16; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_provision_and_read(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], got[16];

	site_keys(&k);
	link_open(&l, &io, uid7);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	printf("# provisioning a blank card: %d APDUs\n", rep.exchanges);
	EXPECT(rep.exchanges <= 48);
	EXPECT(!zero16(cred));
	expect_ours(l.card, &k, uid7, cred);
	/* the PICC master key is left as found */
	EXPECT_INT(desfire_card_get_key(l.card, 0, 0, got), DESFIRE_SESSION_DES);

	link_again(&l);
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_OK);
	EXPECT(memcmp(got, cred, 16) == 0);
	EXPECT_INT(rep.exchanges, 4);
	EXPECT_INT(rep.step, DESFIRE_STEP_READ);
	printf("# reading it: %d APDUs\n", rep.exchanges);

	/* provisioning it again: a fresh credential, the same keys */
	link_again(&l);
	EXPECT_INT(desfire_provision(&io, &k, uid7, got, &rep), DESFIRE_OK);
	EXPECT(memcmp(got, cred, 16) != 0);
	expect_ours(l.card, &k, uid7, got);

	/* the same card read with another site's keys, or as another UID */
	link_again(&l);
	k.master1[0] ^= 1;
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_KEY1);
	EXPECT_INT(rep.status, 0xAE);
	EXPECT(zero16(cred));
	k.master1[0] ^= 1;
	link_again(&l);
	k.sysid[15] ^= 1;
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), DESFIRE_AUTH_FAILED);
	k.sysid[15] ^= 1;
	link_again(&l);
	{
		uint8_t other[7];

		memcpy(other, uid7, 7);
		other[3] ^= 0x10;
		EXPECT_INT(desfire_read_credential(&io, &k, other, cred, &rep),
		    DESFIRE_AUTH_FAILED);
	}
	desfire_card_free(l.card);
}

/* A card whose PICC master key is AES: given, provisioning works; not
 * given, it fails at the PICC and leaves the card as it was. */
static void
test_provision_aes_picc(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], pk[16];

	site_keys(&k);
	fill(pk, 16, 9);
	link_open(&l, &io, uid7);
	desfire_card_set_picc_key(l.card, true, pk, 0x09);	/* no free create */
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_PICC);
	EXPECT(!desfire_card_has_app(l.card, k.aid));
	link_again(&l);
	k.picc_aes = true;
	memcpy(k.picc_key, pk, 16);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	expect_ours(l.card, &k, uid7, cred);
	/* a wrong AES PICC key */
	link_again(&l);
	k.picc_key[0] ^= 1;
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_PICC);
	desfire_card_free(l.card);
}

/*
 * A card pulled at each APDU of a provisioning, before and after the card
 * did it; presented again, provisioning finishes from where it stands and
 * the door reads what was written.
 */
static void
test_provision_torn(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], got[16];
	int full, retried = 0, resumed = 0;

	site_keys(&k);
	link_open(&l, &io, uid7);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	full = rep.exchanges;
	desfire_card_free(l.card);
	for (int at = 1; at <= full; at++) {
		for (int done = 0; done <= 1; done++) {
			int changes = 0, r;

			link_open(&l, &io, uid7);
			l.tear_at = at;
			l.tear_done = done;
			r = desfire_provision(&io, &k, uid7, cred, &rep);
			EXPECT_INT(r, DESFIRE_GONE);
			EXPECT(zero16(cred));
			link_again(&l);
			r = desfire_provision(&io, &k, uid7, cred, &rep);
			if (r != DESFIRE_OK)
				printf("#   torn at %d (%s): %s at %s, status %02x\n", at,
				    done ? "done" : "not done", desfire_result_str(r),
				    desfire_step_str(rep.step), rep.status);
			EXPECT_INT(r, DESFIRE_OK);
			for (int i = 0; i < l.calls && i < 64; i++)
				changes += l.ins[i] == 0xC4;
			retried += changes == 3;	/* key 1 twice, then key 0 */
			resumed += changes == 0;	/* keys changed already */
			link_again(&l);
			EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_OK);
			EXPECT(memcmp(got, cred, 16) == 0);
			desfire_card_free(l.card);
		}
	}
	printf("# %d APDUs torn before and after: key 1 change retried %d times, keys kept %d times\n",
	    full, retried, resumed);
	EXPECT(retried >= 1);
	EXPECT(resumed >= 1);
}

static int
iso_6e00(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	(void)arg; (void)tx; (void)txlen; (void)rxsize;
	rx[0] = 0x6E;
	rx[1] = 0x00;
	return 2;
}

/* Cards that are not ours, or not quite. */
static void
test_other_cards(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], k0[16], k1[16], other[16];

	site_keys(&k);
	/* a blank DESFire */
	link_open(&l, &io, uid7);
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), DESFIRE_NO_APP);
	EXPECT_INT(rep.exchanges, 1);
	EXPECT_INT(rep.status, 0xA0);
	/* ... nothing to wipe either */
	link_again(&l);
	EXPECT_INT(desfire_wipe(&io, &k, uid7, 0, &rep), DESFIRE_NO_APP);
	desfire_card_free(l.card);

	/* an ISO 14443-4 card that is no DESFire */
	io.transceive = iso_6e00;
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), DESFIRE_NO_APP);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_NO_APP);

	/* our AID with other keys: credential_invalid, never its UID */
	link_open(&l, &io, uid7);
	fill(other, 16, 50);
	fill(cred, 16, 51);
	EXPECT_INT(desfire_card_add_app(l.card, k.aid, 0x0B, 2), 0);
	EXPECT_INT(desfire_card_set_key(l.card, k.aid, 0, other, 0), 0);
	EXPECT_INT(desfire_card_set_key(l.card, k.aid, 1, other, 0), 0);
	EXPECT_INT(desfire_card_add_file(l.card, k.aid, 1, DESFIRE_COMM_ENC, 0x10F0, cred, 16), 0);
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_KEY1);
	/* provisioning it: refused at key 0, the card untouched */
	link_again(&l);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_KEY0);
	EXPECT_INT(desfire_card_get_key(l.card, k.aid, 0, k0), DESFIRE_SESSION_AES);
	EXPECT(memcmp(k0, other, 16) == 0);
	desfire_card_free(l.card);

	/* our keys, but the file is not as we make it */
	desfire_diversify(k.master0, uid7, k.aid, k.sysid, k0);
	desfire_diversify(k.master1, uid7, k.aid, k.sysid, k1);
	static const struct { uint8_t comm; uint16_t access; bool file; int want; uint8_t status; } v[] = {
		/* MACed: 16 + 8 bytes, not the 32 of an enciphered read */
		{ DESFIRE_COMM_MAC, 0x10F0, true, DESFIRE_PROTOCOL, 0x00 },
		{ DESFIRE_COMM_PLAIN, 0x10F0, true, DESFIRE_PROTOCOL, 0x00 },
		/* read with key 2 only: not with the session's key */
		{ DESFIRE_COMM_ENC, 0x20F0, true, DESFIRE_AUTH_FAILED, 0xAE },
		/* read by no key: permission denied */
		{ DESFIRE_COMM_ENC, 0xF0F0, true, DESFIRE_AUTH_FAILED, 0x9D },
		/* no file 1 */
		{ DESFIRE_COMM_ENC, 0x10F0, false, DESFIRE_AUTH_FAILED, 0xF0 },
		/* as we make it */
		{ DESFIRE_COMM_ENC, 0x10F0, true, DESFIRE_OK, 0x00 },
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		link_open(&l, &io, uid7);
		fill(other, 16, 60);
		EXPECT_INT(desfire_card_add_app(l.card, k.aid, 0x0B, 3), 0);
		EXPECT_INT(desfire_card_set_key(l.card, k.aid, 0, k0, 0), 0);
		EXPECT_INT(desfire_card_set_key(l.card, k.aid, 1, k1, 0), 0);
		if (v[i].file)
			EXPECT_INT(desfire_card_add_file(l.card, k.aid, 1, v[i].comm, v[i].access,
			    other, 16), 0);
		EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), v[i].want);
		EXPECT_INT(rep.status, v[i].status);
		if (v[i].want == DESFIRE_OK)
			EXPECT(memcmp(cred, other, 16) == 0);
		else
			EXPECT(zero16(cred));
		/* provisioning refuses a file 1 it did not make */
		if (v[i].file && v[i].want != DESFIRE_OK) {
			link_again(&l);
			EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_PROTOCOL);
			EXPECT_INT(rep.step, DESFIRE_STEP_FILE);
		}
		desfire_card_free(l.card);
	}
}

static void
test_wipe(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], other[16];

	site_keys(&k);
	link_open(&l, &io, uid7);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	link_again(&l);
	EXPECT_INT(desfire_wipe(&io, &k, uid7, 0, &rep), DESFIRE_OK);
	printf("# wipe with the application's key 0: %d APDUs\n", rep.exchanges);
	EXPECT(!desfire_card_has_app(l.card, k.aid));
	link_again(&l);
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, cred, &rep), DESFIRE_NO_APP);
	link_again(&l);
	EXPECT_INT(desfire_wipe(&io, &k, uid7, 0, &rep), DESFIRE_NO_APP);
	/* and it can be provisioned again */
	link_again(&l);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	expect_ours(l.card, &k, uid7, cred);
	desfire_card_free(l.card);

	/* a card that keeps deletion to its PICC master key */
	link_open(&l, &io, uid7);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	desfire_card_set_picc_key(l.card, false, (const uint8_t *)"\0\0\0\0\0\0\0\0", 0x09);
	link_again(&l);
	EXPECT_INT(desfire_wipe(&io, &k, uid7, 0, &rep), DESFIRE_OK);
	printf("# wipe falling back on the PICC key: %d APDUs\n", rep.exchanges);
	EXPECT(!desfire_card_has_app(l.card, k.aid));
	desfire_card_free(l.card);

	/* our AID, keys that are not ours: refused, unless forced */
	link_open(&l, &io, uid7);
	fill(other, 16, 70);
	EXPECT_INT(desfire_card_add_app(l.card, k.aid, 0x0B, 2), 0);
	EXPECT_INT(desfire_card_set_key(l.card, k.aid, 0, other, 0), 0);
	EXPECT_INT(desfire_wipe(&io, &k, uid7, 0, &rep), DESFIRE_AUTH_FAILED);
	EXPECT(desfire_card_has_app(l.card, k.aid));
	link_again(&l);
	EXPECT_INT(desfire_wipe(&io, &k, uid7, DESFIRE_WIPE_FORCE, &rep), DESFIRE_OK);
	EXPECT(!desfire_card_has_app(l.card, k.aid));
	/* forced, with the wrong PICC key */
	EXPECT_INT(desfire_card_add_app(l.card, k.aid, 0x0B, 2), 0);
	link_again(&l);
	k.picc_aes = true;
	EXPECT_INT(desfire_wipe(&io, &k, uid7, DESFIRE_WIPE_FORCE, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_PICC);
	EXPECT(desfire_card_has_app(l.card, k.aid));
	desfire_card_free(l.card);
}

/* --- hostile answers --- */

/* Flip one bit of the data of the answer to call l->arg. */
static int
flip(struct link *l, uint8_t *rx, int n, size_t size)
{
	(void)size;
	if (l->calls == l->arg && n > 2) {
		rx[0] ^= 0x01;
		l->tampered = true;
	}
	return n;
}

/* The same for the first answer to a command INS l->arg. */
static int
flip_ins(struct link *l, uint8_t *rx, int n, size_t size)
{
	(void)size;
	if (!l->tampered && l->ins[l->calls - 1] == l->arg && n > 2) {
		rx[0] ^= 0x01;
		l->tampered = true;
	}
	return n;
}

/* Flip a bit of the MAC that ends the first answer to INS l->arg. */
static int
flip_mac(struct link *l, uint8_t *rx, int n, size_t size)
{
	(void)size;
	if (!l->tampered && l->ins[l->calls - 1] == l->arg && n >= 2 + 8) {
		rx[n - 3] ^= 0x80;
		l->tampered = true;
	}
	return n;
}

/* Cut the answer to call l->arg (low byte of arg >> 8 bytes). */
static int
cut(struct link *l, uint8_t *rx, int n, size_t size)
{
	int keep = l->arg >> 8;

	(void)size;
	if (l->calls == (l->arg & 0xFF) && keep < n) {
		l->tampered = true;
		if (keep >= 2) {
			rx[keep - 2] = 0x91;
			rx[keep - 1] = 0x00;
		}
		return keep;
	}
	return n;
}

/* The card answers 91 AF for ever. */
static int
endless(struct link *l, uint8_t *rx, int n, size_t size)
{
	(void)size;
	if (l->calls >= l->arg) {
		rx[0] = 0x55;
		rx[1] = 0x91;
		rx[2] = 0xAF;
		return 3;
	}
	return n;
}

/* An error status with data after it. */
static int
error_with_data(struct link *l, uint8_t *rx, int n, size_t size)
{
	(void)size;
	if (l->calls == l->arg) {
		rx[0] = 0x00;
		rx[1] = 0x91;
		rx[2] = 0xAE;
		return 3;
	}
	return n;
}

/* A transceive that claims more than it was given room for. */
static int
liar(struct link *l, uint8_t *rx, int n, size_t size)
{
	(void)rx;
	(void)n;
	return l->calls == l->arg ? (int)size + 1 : n;
}

static void
test_hostile_answers(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], got[16];
	int r;

	site_keys(&k);
	link_open(&l, &io, uid7);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);

	/* every byte of each answer of a read matters: a changed bit in the
	 * card's challenge (call 2), its proof (3), its data (4) */
	for (int call = 1; call <= 4; call++) {
		link_again(&l);
		l.tamper = flip;
		l.arg = call;
		r = desfire_read_credential(&io, &k, uid7, got, &rep);
		EXPECT(r != DESFIRE_OK || !l.tampered);
		EXPECT(r == DESFIRE_OK || zero16(got));
		EXPECT(call == 1 || l.tampered);
	}
	/* ... the proof: the card does not know our key */
	link_again(&l);
	l.tamper = flip;
	l.arg = 3;
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_AUTH_FAILED);
	/* the challenge: our token is wrong for the card, which says so */
	link_again(&l);
	l.tamper = flip;
	l.arg = 2;
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.status, 0xAE);

	/* every length of every answer, cut short (a bare 91 00 included,
	 * which libfreefare 0.4.0 takes for a 0-byte read) */
	for (int call = 1; call <= 4; call++) {
		for (int keep = 0; keep < 40; keep++) {
			link_again(&l);
			l.tamper = cut;
			l.arg = call | keep << 8;
			r = desfire_read_credential(&io, &k, uid7, got, &rep);
			EXPECT(r != DESFIRE_OK || !l.tampered);
			EXPECT(r == DESFIRE_OK || zero16(got));
		}
	}
	/* endless chaining: bounded */
	for (int call = 1; call <= 4; call++) {
		link_again(&l);
		l.tamper = endless;
		l.arg = call;
		EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_PROTOCOL);
		EXPECT(l.calls <= 12);
		link_again(&l);
		l.tamper = endless;
		l.arg = call;
		EXPECT(desfire_provision(&io, &k, uid7, got, &rep) != DESFIRE_OK);
		EXPECT(l.calls <= 48);
		link_again(&l);
		l.tamper = error_with_data;
		l.arg = call;
		EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_PROTOCOL);
		link_again(&l);
		l.tamper = liar;
		l.arg = call;
		EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_PROTOCOL);
	}
	/* a changed bit anywhere in a provisioning: whatever the exchange
	 * says, an ok leaves the card holding our keys and that credential */
	for (int call = 1; call <= 20; call++) {
		link_again(&l);
		l.tamper = flip;
		l.arg = call;
		r = desfire_provision(&io, &k, uid7, got, &rep);
		if (r == DESFIRE_OK)
			expect_ours(l.card, &k, uid7, got);
		else
			EXPECT(zero16(got));
	}
	/* ... and where it is an answer provisioning relies on, refused */
	static const uint8_t relied[] = { 0x0A, 0x6F, 0xF5, 0x3D, 0xBD };
	for (size_t i = 0; i < sizeof(relied); i++) {
		link_again(&l);
		l.tamper = flip_ins;
		l.arg = relied[i];
		EXPECT(desfire_provision(&io, &k, uid7, got, &rep) != DESFIRE_OK);
		EXPECT(l.tampered);
	}
	desfire_card_free(l.card);
}

/* Each answer's MAC is checked: one bit off in any of them, refused. */
static void
test_macs_checked(void)
{
	static const uint8_t fresh[] = { 0xCA, 0xC4, 0x6F, 0xCD, 0x3D };
	static const uint8_t again[] = { 0x6F, 0xF5, 0x3D };
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], pk[16] = { 0 };

	site_keys(&k);
	k.picc_aes = true;
	for (size_t i = 0; i < sizeof(fresh); i++) {
		/* a blank card with an AES PICC key: CreateApplication MACed */
		link_open(&l, &io, uid7);
		desfire_card_set_picc_key(l.card, true, pk, 0x0F);
		l.tamper = flip_mac;
		l.arg = fresh[i];
		EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_PROTOCOL);
		EXPECT(l.tampered);
		desfire_card_free(l.card);
	}
	for (size_t i = 0; i < sizeof(again); i++) {
		/* a card provisioned already: its file settings are read */
		link_open(&l, &io, uid7);
		desfire_card_set_picc_key(l.card, true, pk, 0x0F);
		EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
		link_again(&l);
		l.tamper = flip_mac;
		l.arg = again[i];
		EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_PROTOCOL);
		EXPECT(l.tampered);
		desfire_card_free(l.card);
	}
	/* the MAC a card may add when its application is deleted: if there,
	 * checked */
	link_open(&l, &io, uid7);
	desfire_card_set_picc_key(l.card, true, pk, 0x0F);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	link_again(&l);
	l.tamper = flip_mac;
	l.arg = 0xDA;
	EXPECT_INT(desfire_wipe(&io, &k, uid7, 0, &rep), DESFIRE_PROTOCOL);
	EXPECT(l.tampered);
	desfire_card_free(l.card);
}

/* Chaining as a card may do it: every answer in frames of 5 bytes. */
static void
test_small_frames(void)
{
	struct link l;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], got[16];

	site_keys(&k);
	link_open(&l, &io, uid7);
	desfire_card_set_frame_max(l.card, 5);
	EXPECT_INT(desfire_provision(&io, &k, uid7, cred, &rep), DESFIRE_OK);
	printf("# provisioning in 5-byte frames: %d APDUs\n", rep.exchanges);
	link_again(&l);
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_OK);
	EXPECT(memcmp(got, cred, 16) == 0);
	EXPECT_INT(rep.exchanges, 3 + 7);	/* 32 bytes in 7 frames */
	desfire_card_set_frame_max(l.card, 3);	/* 11 frames: over the bound */
	link_again(&l);
	EXPECT_INT(desfire_read_credential(&io, &k, uid7, got, &rep), DESFIRE_PROTOCOL);
	desfire_card_free(l.card);
}

/* --- the card model, APDU by APDU --- */

struct host {
	struct desfire_card *c;
	uint8_t	ans[512];
	size_t	len;
	int	frames;
};

/* Send INS + data wrapped; gather 91 AF frames when chain; return SW2
 * (or 0x100 | SW2 for an ISO status word). */
static int
h_cmd(struct host *h, uint8_t ins, const uint8_t *data, size_t n, bool chain)
{
	uint8_t tx[300], rx[DESFIRE_CARD_ANSWER_MAX];
	size_t txlen = 0, r;

	tx[txlen++] = 0x90;
	tx[txlen++] = ins;
	tx[txlen++] = 0;
	tx[txlen++] = 0;
	if (n > 0) {
		tx[txlen++] = (uint8_t)n;
		memcpy(tx + txlen, data, n);
		txlen += n;
	}
	tx[txlen++] = 0;
	h->len = 0;
	h->frames = 0;
	for (;;) {
		r = desfire_card_apdu(h->c, tx, txlen, rx, sizeof(rx));
		h->frames++;
		if (r < 2 || r > sizeof(rx))
			return -1;
		if (rx[r - 2] != 0x91)
			return 0x100 | rx[r - 1];
		memcpy(h->ans + h->len, rx, r - 2);
		h->len += r - 2;
		if (!chain || rx[r - 1] != 0xAF)
			return rx[r - 1];
		memcpy(tx, "\x90\xAF\x00\x00\x00", 5);
		txlen = 5;
	}
}

static int
h_raw(struct host *h, const char *apdu, size_t n)
{
	uint8_t rx[DESFIRE_CARD_ANSWER_MAX];
	size_t r = desfire_card_apdu(h->c, (const uint8_t *)apdu, n, rx, sizeof(rx));

	return r == 2 ? rx[0] << 8 | rx[1] : -1;
}

static int
h_auth(struct host *h, uint8_t keyno, const uint8_t key[16], struct desfire_session *s)
{
	struct desfire_auth a;
	uint8_t rnda[16], token[32];
	int st;

	if ((st = h_cmd(h, 0xAA, &keyno, 1, false)) != 0xAF || h->len != 16)
		return st;
	fill(rnda, 16, keyno);
	desfire_auth_aes_token(&a, key, rnda, h->ans, token);
	if ((st = h_cmd(h, 0xAF, token, 32, false)) != 0x00 || h->len != 16)
		return st;
	return desfire_auth_aes_finish(&a, h->ans, s) == 0 ? 0 : -2;
}

/* Select aid, authenticate keyno with key: 0 or the card's status. */
static int
h_session(struct host *h, uint32_t aid, uint8_t keyno, const uint8_t key[16],
    struct desfire_session *s)
{
	uint8_t d[3] = { (uint8_t)aid, (uint8_t)(aid >> 8), (uint8_t)(aid >> 16) };
	int st;

	if ((st = h_cmd(h, 0x5A, d, 3, false)) != 0)
		return st;
	return h_auth(h, keyno, key, s);
}

/* A plain command in session s: CMAC it, send it, check the answer's
 * MAC.  Returns the status; h->len without the MAC. */
static int
h_plain(struct host *h, struct desfire_session *s, uint8_t ins, const uint8_t *d, size_t n)
{
	uint8_t cmd[64];
	int st;

	cmd[0] = ins;
	if (n > 0)
		memcpy(cmd + 1, d, n);
	desfire_session_cmac(s, cmd, 1 + n, NULL);
	if ((st = h_cmd(h, ins, d, n, true)) != 0)
		return st;
	if (h->len < 8)
		return -3;
	h->len -= 8;
	return desfire_session_check_answer(s, h->ans, h->len, 0, h->ans + h->len) == 0 ? 0 : -4;
}

/* DESFire.pdf, key zero, RndB forced: every byte the card sends. */
static void
test_model_auth_vector(void)
{
	struct host h = { 0 };
	struct desfire_session s;
	uint8_t rndb[16], zero[16] = { 0 };
	static const uint8_t ekb[16] = {
		0xB9, 0x69, 0xFD, 0xFE, 0x56, 0xFD, 0x91, 0xFC,
		0x9D, 0xE6, 0xF6, 0xF2, 0x13, 0xB8, 0xFD, 0x1E,
	};
	static const uint8_t token[32] = {
		0x36, 0xAA, 0xD7, 0xDF, 0x6E, 0x43, 0x6B, 0xA0, 0x8D, 0x18, 0x61, 0x38, 0x30, 0xA7, 0x0D, 0x5A,
		0xD4, 0x3E, 0x3D, 0x3F, 0x4A, 0x8D, 0x47, 0x54, 0x1E, 0xEE, 0x62, 0x3A, 0x93, 0x4E, 0x47, 0x74,
	};
	static const uint8_t eka[16] = {
		0x80, 0x0D, 0xB6, 0x80, 0xBC, 0x14, 0x6B, 0xD1,
		0x21, 0xD6, 0x57, 0x8F, 0x2D, 0x2E, 0x20, 0x59,
	};
	static const uint8_t sk[16] = {
		0xF4, 0x4B, 0x26, 0xF5, 0xC0, 0x5D, 0xDD, 0x71,
		0x10, 0x77, 0x22, 0x81, 0xC4, 0xD0, 0x66, 0xE8,
	};
	static const uint8_t b[16] = {
		0xC0, 0x5D, 0xDD, 0x71, 0x4F, 0xD7, 0x88, 0xA6,
		0xB7, 0xB7, 0x54, 0xF3, 0xC4, 0xD0, 0x66, 0xE8,
	};

	h.c = desfire_card_new(uid7, 7, 1);
	desfire_card_set_picc_key(h.c, true, zero, 0x0F);
	memcpy(rndb, b, 16);
	desfire_card_force_rndb(h.c, rndb);
	EXPECT_INT(h_cmd(&h, 0xAA, (const uint8_t *)"\x00", 1, false), 0xAF);
	EXPECT_INT(h.len, 16);
	EXPECT(memcmp(h.ans, ekb, 16) == 0);
	EXPECT_INT(h_cmd(&h, 0xAF, token, 32, false), 0x00);
	EXPECT_INT(h.len, 16);
	EXPECT(memcmp(h.ans, eka, 16) == 0);
	desfire_card_session(h.c, &s);
	EXPECT_INT(s.kind, DESFIRE_SESSION_AES);
	EXPECT(memcmp(s.key, sk, 16) == 0);

	/* the same with a token one bit off: 91 AE, no session */
	desfire_card_force_rndb(h.c, rndb);
	EXPECT_INT(h_cmd(&h, 0xAA, (const uint8_t *)"\x00", 1, false), 0xAF);
	{
		uint8_t bad[32];

		memcpy(bad, token, 32);
		bad[31] ^= 0x01;
		EXPECT_INT(h_cmd(&h, 0xAF, bad, 32, false), 0xAE);
	}
	desfire_card_session(h.c, &s);
	EXPECT_INT(s.kind, DESFIRE_SESSION_NONE);
	desfire_card_free(h.c);
}

static void
test_model_errors(void)
{
	struct host h = { 0 };
	struct desfire_session s;
	uint8_t zero[16] = { 0 }, key[16], d[8];

	h.c = desfire_card_new(uid7, 7, 2);
	/* malformed APDUs: ISO status words */
	EXPECT_INT(h_raw(&h, "\x00\x5A\x00\x00\x03\x00\x00\x00\x00", 9), 0x6E00);
	EXPECT_INT(h_raw(&h, "\x90\x5A\x00\x00\x04\x00\x00\x00\x00", 9), 0x6700);
	EXPECT_INT(h_raw(&h, "\x90\x5A\x01\x00\x03\x00\x00\x00\x00", 9), 0x6A86);
	EXPECT_INT(h_raw(&h, "\x90\x5A", 2), 0x6700);
	/* DESFire errors */
	EXPECT_INT(h_cmd(&h, 0x99, NULL, 0, false), 0x1C);
	EXPECT_INT(h_cmd(&h, 0xAF, NULL, 0, false), 0x1C);
	EXPECT_INT(h_cmd(&h, 0x5A, (const uint8_t *)"\x11\xEE\xF5", 3, false), 0xA0);
	EXPECT_INT(h_cmd(&h, 0x5A, (const uint8_t *)"\x11\xEE", 2, false), 0x7E);
	EXPECT_INT(h_cmd(&h, 0x5A, (const uint8_t *)"\x00\x00\x00", 3, false), 0x00);
	/* AES on a DES PICC key, a key that does not exist */
	EXPECT_INT(h_cmd(&h, 0xAA, (const uint8_t *)"\x00", 1, false), 0xAE);
	EXPECT_INT(h_cmd(&h, 0x0A, (const uint8_t *)"\x01", 1, false), 0x40);
	/* create an application: free on a factory card; twice: duplicate */
	EXPECT_INT(h_cmd(&h, 0xCA, (const uint8_t *)"\x11\xEE\xF5\x0B\x82", 5, false), 0x00);
	EXPECT_INT(h_cmd(&h, 0xCA, (const uint8_t *)"\x11\xEE\xF5\x0B\x82", 5, false), 0xDE);
	EXPECT_INT(h_cmd(&h, 0xCA, (const uint8_t *)"\x12\xEE\xF5\x0B\x02", 5, false), 0x9E);
	/* the application's keys are zero; file 1 enciphered, read key 1 */
	EXPECT_INT(h_session(&h, 0xF5EE11, 0, zero, &s), 0);
	memcpy(d, "\x01\x03\xF0\x10\x40\x00\x00", 7);
	EXPECT_INT(h_plain(&h, &s, 0xCD, d, 7), 0);
	EXPECT_INT(h_plain(&h, &s, 0xCD, d, 7), 0xDE);		/* ends the session */
	d[0] = 0x02;
	EXPECT_INT(h_cmd(&h, 0xCD, d, 7, false), 0xAE);
	EXPECT_INT(h_session(&h, 0xF5EE11, 0, zero, &s), 0);
	EXPECT_INT(h_plain(&h, &s, 0xF5, (const uint8_t *)"\x02", 1), 0xF0);
	EXPECT_INT(h_session(&h, 0xF5EE11, 0, zero, &s), 0);
	/* key 0 may not read (read 1, read&write never): AE */
	EXPECT_INT(h_plain(&h, &s, 0xBD, (const uint8_t *)"\x01\x00\x00\x00\x10\x00\x00", 7), 0xAE);
	/* unauthenticated: AE */
	EXPECT_INT(h_cmd(&h, 0xBD, (const uint8_t *)"\x01\x00\x00\x00\x10\x00\x00", 7, false), 0xAE);
	/* key 1 may; beyond the file: BE */
	EXPECT_INT(h_session(&h, 0xF5EE11, 1, zero, &s), 0);
	EXPECT_INT(h_plain(&h, &s, 0xBD, (const uint8_t *)"\x01\x30\x00\x00\x20\x00\x00", 7), 0xBE);
	/* key 0 changed first ends the session: key 1 cannot follow */
	EXPECT_INT(h_session(&h, 0xF5EE11, 0, zero, &s), 0);
	fill(key, 16, 80);
	{
		uint8_t cmd[34];

		desfire_change_key_command(&s, 0x00, 1, key, NULL, 0, cmd);
		EXPECT_INT(h_cmd(&h, 0xC4, cmd + 1, 33, false), 0x00);
		EXPECT_INT(h.len, 0);			/* no MAC: the session is over */
		desfire_change_key_command(&s, 0x01, 0, key, zero, 0, cmd);
		EXPECT_INT(h_cmd(&h, 0xC4, cmd + 1, 33, false), 0xAE);
	}
	/* the old key 0 no longer opens it, the new one does */
	EXPECT_INT(h_session(&h, 0xF5EE11, 0, zero, &s), 0xAE);
	EXPECT_INT(h_session(&h, 0xF5EE11, 0, key, &s), 0);
	/* key 1 from zero, with a wrong old key: integrity error */
	{
		uint8_t cmd[34], k1[16], wrong[16];

		fill(k1, 16, 81);
		fill(wrong, 16, 82);
		desfire_change_key_command(&s, 0x01, 0, k1, wrong, 0, cmd);
		EXPECT_INT(h_cmd(&h, 0xC4, cmd + 1, 33, false), 0x1E);
		EXPECT_INT(h_session(&h, 0xF5EE11, 0, key, &s), 0);
		desfire_change_key_command(&s, 0x01, 0, k1, zero, 0, cmd);
		EXPECT_INT(h_cmd(&h, 0xC4, cmd + 1, 33, false), 0x00);
		EXPECT_INT(h.len, 8);
		EXPECT_INT(desfire_session_check_answer(&s, NULL, 0, 0, h.ans), 0);
		EXPECT_INT(desfire_card_get_key(h.c, 0xF5EE11, 1, wrong), DESFIRE_SESSION_AES);
		EXPECT(memcmp(wrong, k1, 16) == 0);
	}
	desfire_card_free(h.c);
}

/* A factory card's PICC key, DES zero, to AES in a legacy session. */
static void
test_model_picc_to_aes(void)
{
	struct host h = { 0 };
	struct desfire_auth a;
	struct desfire_session s;
	uint8_t zero[16] = { 0 }, rnda[8], token[16], newkey[16], p[24], c[25], prev[8] = { 0 };
	uint16_t crc;

	h.c = desfire_card_new(uid7, 7, 3);
	EXPECT_INT(h_cmd(&h, 0x0A, (const uint8_t *)"\x00", 1, false), 0xAF);
	EXPECT_INT(h.len, 8);
	fill(rnda, 8, 4);
	desfire_auth_des_token(&a, zero, rnda, h.ans, token);
	EXPECT_INT(h_cmd(&h, 0xAF, token, 16, false), 0x00);
	EXPECT_INT(h.len, 8);
	EXPECT_INT(desfire_auth_des_finish(&a, h.ans, &s), 0);
	/* a legacy session: plain commands get no MAC */
	EXPECT_INT(h_cmd(&h, 0x45, NULL, 0, false), 0x00);
	EXPECT_INT(h.len, 2);
	EXPECT_INT(h.ans[1], 0x01);
	/* ChangeKey 0x80: key || version || CRC16, "sent" by DES decipher */
	fill(newkey, 16, 5);
	memset(p, 0, sizeof(p));
	memcpy(p, newkey, 16);
	p[16] = 0x01;
	crc = desfire_crc16(p, 17);
	p[17] = (uint8_t)crc;
	p[18] = (uint8_t)(crc >> 8);
	c[0] = 0x80;
	for (int off = 0; off < 24; off += 8) {
		uint8_t blk[8];

		for (int i = 0; i < 8; i++)
			blk[i] = p[off + i] ^ prev[i];
		desfire_des_decrypt(s.key, blk, c + 1 + off);
		memcpy(prev, c + 1 + off, 8);
	}
	EXPECT_INT(h_cmd(&h, 0xC4, c, 25, false), 0x00);
	EXPECT_INT(h.len, 0);
	EXPECT_INT(desfire_card_get_key(h.c, 0, 0, p), DESFIRE_SESSION_AES);
	EXPECT(memcmp(p, newkey, 16) == 0);
	/* now DES is refused and AES works */
	EXPECT_INT(h_cmd(&h, 0x0A, (const uint8_t *)"\x00", 1, false), 0xAE);
	EXPECT_INT(h_auth(&h, 0, newkey, &s), 0);
	/* format: needs it; all applications go */
	EXPECT_INT(h_plain(&h, &s, 0xCA, (const uint8_t *)"\x01\x00\x00\x0F\x81", 5), 0);
	EXPECT_INT(h_plain(&h, &s, 0xFC, NULL, 0), 0);
	EXPECT(!desfire_card_has_app(h.c, 0x000001));
	desfire_card_free(h.c);
}

/* Files in each mode, read and written over several frames. */
static void
test_model_files(void)
{
	struct host h = { 0 };
	struct desfire_session s;
	uint8_t zero[16] = { 0 }, data[200], back[200];
	uint8_t cmd[300];
	size_t n;

	h.c = desfire_card_new(uid7, 7, 4);
	EXPECT_INT(desfire_card_add_app(h.c, 0x123456, 0x0F, 2), 0);
	fill(data, sizeof(data), 6);
	EXPECT_INT(desfire_card_add_file(h.c, 0x123456, 2, DESFIRE_COMM_MAC, 0x10F0, data, 100), 0);
	EXPECT_INT(desfire_card_add_file(h.c, 0x123456, 3, DESFIRE_COMM_ENC, 0x10F0, NULL, 64), 0);
	EXPECT_INT(desfire_card_add_file(h.c, 0x123456, 4, DESFIRE_COMM_PLAIN, 0xEEEE, data, 16), 0);
	EXPECT_INT(desfire_card_add_file(h.c, 0x123456, 5, DESFIRE_COMM_MAC, 0xFFF0, data, 16), 0);

	/* free access: plain, without a session */
	EXPECT_INT(h_cmd(&h, 0x5A, (const uint8_t *)"\x56\x34\x12", 3, false), 0);
	EXPECT_INT(h_cmd(&h, 0xBD, (const uint8_t *)"\x04\x00\x00\x00\x00\x00\x00", 7, true), 0);
	EXPECT_INT(h.len, 16);
	EXPECT(memcmp(h.ans, data, 16) == 0);

	/* MACed, 100 bytes + 8: two frames (59 + 49), the MAC over all */
	EXPECT_INT(h_session(&h, 0x123456, 1, zero, &s), 0);
	EXPECT_INT(h_plain(&h, &s, 0xBD, (const uint8_t *)"\x02\x00\x00\x00\x00\x00\x00", 7), 0);
	EXPECT_INT(h.frames, 2);
	EXPECT_INT(h.len, 100);
	EXPECT(memcmp(h.ans, data, 100) == 0);
	/* the MACed read with key 0, which may only write: AE; of a file no
	 * key may read: 9D */
	EXPECT_INT(h_session(&h, 0x123456, 0, zero, &s), 0);
	EXPECT_INT(h_plain(&h, &s, 0xBD, (const uint8_t *)"\x02\x00\x00\x00\x10\x00\x00", 7), 0xAE);
	EXPECT_INT(h_session(&h, 0x123456, 0, zero, &s), 0);
	EXPECT_INT(h_plain(&h, &s, 0xBD, (const uint8_t *)"\x05\x00\x00\x00\x10\x00\x00", 7), 0x9D);
	/* nor written by any: 9D too */
	EXPECT_INT(h_session(&h, 0x123456, 0, zero, &s), 0);
	EXPECT_INT(h_plain(&h, &s, 0x3D, (const uint8_t *)"\x05\x00\x00\x00\x01\x00\x00\x55", 8), 0x9D);

	/* an enciphered write of 64 bytes: 7 + 80 bytes, two frames */
	EXPECT_INT(h_session(&h, 0x123456, 0, zero, &s), 0);
	memcpy(cmd, "\x3D\x03\x00\x00\x00\x40\x00\x00", 8);
	memcpy(cmd + 8, data + 10, 64);
	n = desfire_session_encipher_command(&s, cmd, 72, 8, sizeof(cmd));
	EXPECT_INT(n, 8 + 80);
	{
		uint8_t tx[64], rx[DESFIRE_CARD_ANSWER_MAX];
		size_t r;

		memcpy(tx, "\x90\x3D\x00\x00\x30", 5);
		memcpy(tx + 5, cmd + 1, 48);
		tx[53] = 0;
		r = desfire_card_apdu(h.c, tx, 54, rx, sizeof(rx));
		EXPECT(r == 2 && rx[0] == 0x91 && rx[1] == 0xAF);
		memcpy(tx, "\x90\xAF\x00\x00\x27", 5);
		memcpy(tx + 5, cmd + 49, 39);
		tx[44] = 0;
		r = desfire_card_apdu(h.c, tx, 45, rx, sizeof(rx));
		EXPECT_INT(r, 10);
		EXPECT(rx[8] == 0x91 && rx[9] == 0x00);
		EXPECT_INT(desfire_session_check_answer(&s, NULL, 0, 0, rx), 0);
	}
	EXPECT_INT(desfire_card_read_file(h.c, 0x123456, 3, back, sizeof(back)), 64);
	EXPECT(memcmp(back, data + 10, 64) == 0);
	/* read back enciphered with key 1: 64 + 4 -> 80 bytes, two frames */
	EXPECT_INT(h_session(&h, 0x123456, 1, zero, &s), 0);
	desfire_session_cmac(&s, (const uint8_t *)"\xBD\x03\x00\x00\x00\x00\x00\x00", 8, NULL);
	EXPECT_INT(h_cmd(&h, 0xBD, (const uint8_t *)"\x03\x00\x00\x00\x00\x00\x00", 7, true), 0);
	EXPECT_INT(h.len, 80);
	EXPECT_INT(desfire_session_decipher_answer(&s, h.ans, h.len, 0, 64), 0);
	EXPECT(memcmp(h.ans, data + 10, 64) == 0);

	/* a write with a bad CRC: integrity error, file unchanged */
	EXPECT_INT(h_session(&h, 0x123456, 0, zero, &s), 0);
	memcpy(cmd, "\x3D\x03\x00\x00\x00\x10\x00\x00", 8);
	memset(cmd + 8, 0x77, 16);
	desfire_put_le32(cmd + 24, 0x12345678);
	n = 8 + desfire_session_encrypt(&s, cmd + 8, 20, sizeof(cmd) - 8);
	EXPECT_INT(h_cmd(&h, 0x3D, cmd + 1, n - 1, false), 0x1E);
	EXPECT_INT(desfire_card_read_file(h.c, 0x123456, 3, back, sizeof(back)), 64);
	EXPECT(memcmp(back, data + 10, 64) == 0);
	desfire_card_free(h.c);
}

static void
test_model_version_and_uid(void)
{
	struct host h = { 0 };
	struct desfire_session s;
	uint8_t zero[16] = { 0 };

	h.c = desfire_card_new(uid7, 7, 5);
	EXPECT_INT(h_cmd(&h, 0x60, NULL, 0, true), 0);
	EXPECT_INT(h.frames, 3);
	EXPECT_INT(h.len, 28);
	EXPECT(h.ans[0] == 0x04 && h.ans[3] == 0x01);		/* NXP, EV1 */
	EXPECT(memcmp(h.ans + 14, uid7, 7) == 0);
	/* GetCardUID needs an AES session; its answer is enciphered */
	EXPECT_INT(h_cmd(&h, 0x51, NULL, 0, false), 0xAE);
	desfire_card_set_picc_key(h.c, true, zero, 0x0F);
	EXPECT_INT(h_auth(&h, 0, zero, &s), 0);
	desfire_session_cmac(&s, (const uint8_t *)"\x51", 1, NULL);
	EXPECT_INT(h_cmd(&h, 0x51, NULL, 0, false), 0);
	EXPECT_INT(h.len, 16);
	EXPECT_INT(desfire_session_decipher_answer(&s, h.ans, 16, 0, 7), 0);
	EXPECT(memcmp(h.ans, uid7, 7) == 0);
	/* GetVersion in the session: its MAC after the 28 bytes */
	EXPECT_INT(h_plain(&h, &s, 0x60, NULL, 0), 0);
	EXPECT_INT(h.len, 28);
	/* the card leaves: no session any more */
	desfire_card_reset(h.c);
	desfire_card_session(h.c, &s);
	EXPECT_INT(s.kind, DESFIRE_SESSION_NONE);
	desfire_card_free(h.c);
}

int
main(void)
{
	RUN(test_provision_and_read);
	RUN(test_provision_aes_picc);
	RUN(test_provision_torn);
	RUN(test_other_cards);
	RUN(test_wipe);
	RUN(test_hostile_answers);
	RUN(test_macs_checked);
	RUN(test_small_frames);
	RUN(test_model_auth_vector);
	RUN(test_model_errors);
	RUN(test_model_picc_to_aes);
	RUN(test_model_files);
	RUN(test_model_version_and_uid);
	return TEST_REPORT();
}

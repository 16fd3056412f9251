/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DESFire exchange (firmware-glue/desfire.c) through real libnfc 1.8
 * and its pn532_uart driver against the PN532 emulator's DESFire card:
 * the transceive callback is nfc_initiator_transceive_bytes, as the reader
 * child will forward it.  A blank card is provisioned and read back on the
 * next tap; a card with our application and other keys fails to
 * authenticate; a clone of the UID shows as MIFARE Classic; a card torn
 * away mid-provisioning is finished on its next tap; a wipe removes the
 * application; the emulator's card answers as slowly as it is told.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <nfc/nfc.h>

#include "desfire.h"
#include "emuhelp.h"
#include "testhelp.h"

/* a failure limit only: the emulator answers in microseconds */
#define TRANSCEIVE_TIMEOUT_MS	2000

static const char uidhex[] = "04A1B2C3D4E5F6";
static const uint8_t uid[7] = { 0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6 };

struct nfc {
	struct emu	 e;
	nfc_context	*ctx;
	nfc_device	*dev;
	nfc_target	 nt;
	int		 calls;
};

static int
nfc_transceive(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	struct nfc *n = arg;
	int r;

	n->calls++;
	r = nfc_initiator_transceive_bytes(n->dev, tx, txlen, rx, rxsize, TRANSCEIVE_TIMEOUT_MS);
	return r < 0 ? -1 : r;
}

static int
nfc_up(struct nfc *n)
{
	nfc_connstring cs;

	memset(n, 0, sizeof(*n));
	if (emu_start(&n->e) == -1)
		return -1;
	memset(cs, 0, sizeof(cs));
	snprintf(cs, sizeof(cs), "pn532_uart:%s", n->e.link);
	nfc_init(&n->ctx);
	if (n->ctx == NULL || (n->dev = nfc_open(n->ctx, cs)) == NULL ||
	    nfc_initiator_init(n->dev) < 0 ||
	    nfc_device_set_property_bool(n->dev, NP_INFINITE_SELECT, false) < 0)
		return -1;
	return 0;
}

static void
nfc_down(struct nfc *n)
{
	if (n->dev != NULL)
		nfc_close(n->dev);
	if (n->ctx != NULL)
		nfc_exit(n->ctx);
	emu_stop(&n->e);
}

/* Present a card (a control line) and select it as a reader does: 1 when
 * one is there. */
static int
tap(struct nfc *n, const char *line)
{
	static const nfc_modulation mod = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };

	emu_send(&n->e, "remove");
	emu_send(&n->e, line);
	usleep(100000);		/* the FIFO is read by another process */
	n->calls = 0;
	return nfc_initiator_select_passive_target(n->dev, mod, NULL, 0, &n->nt);
}

static bool
is_desfire(const nfc_target *nt)
{
	return (nt->nti.nai.btSak & 0x20) != 0 && nt->nti.nai.szAtsLen > 0 &&
	    nt->nti.nai.szUidLen == 7;
}

static void
site_keys(struct desfire_keys *k)
{
	memset(k, 0, sizeof(*k));
	k->aid = DESFIRE_AID_DEFAULT;
	for (int i = 0; i < 16; i++) {
		k->master0[i] = (uint8_t)(0x10 + i);
		k->master1[i] = (uint8_t)(0x20 + i);
		k->sysid[i] = (uint8_t)(0x30 + i);
	}
}

static void
test_provision_read_clone(void)
{
	struct nfc n;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], got[16];
	char line[80];

	site_keys(&k);
	if (nfc_up(&n) == -1) {
		EXPECT(!"libnfc opened the emulator");
		nfc_down(&n);
		return;
	}
	io = (struct desfire_io){ .transceive = nfc_transceive, .arg = &n };

	/* a blank card, provisioned at the desk */
	snprintf(line, sizeof(line), "card %s desfire", uidhex);
	EXPECT_INT(tap(&n, line), 1);
	EXPECT(is_desfire(&n.nt));
	EXPECT(memcmp(n.nt.nti.nai.abtUid, uid, 7) == 0);
	EXPECT_INT(desfire_provision(&io, &k, uid, cred, &rep), DESFIRE_OK);
	printf("# provisioned through libnfc in %d APDUs (%s, status %d)\n", rep.exchanges,
	    desfire_step_str(rep.step), rep.status);

	/* the next tap: the card kept its application; a door reads it */
	EXPECT_INT(tap(&n, line), 1);
	EXPECT(is_desfire(&n.nt));
	EXPECT_INT(desfire_read_credential(&io, &k, uid, got, &rep), DESFIRE_OK);
	EXPECT(memcmp(got, cred, 16) == 0);
	EXPECT_INT(n.calls, 4);

	/* the same UID on a "magic" card: MIFARE Classic to libnfc (SAK 08,
	 * no ATS), so a door never starts the exchange; and if it did, no
	 * credential comes out of it */
	snprintf(line, sizeof(line), "card %s clone", uidhex);
	EXPECT_INT(tap(&n, line), 1);
	EXPECT_INT(n.nt.nti.nai.btSak, 0x08);
	EXPECT_INT(n.nt.nti.nai.szAtsLen, 0);
	EXPECT(memcmp(n.nt.nti.nai.abtUid, uid, 7) == 0);
	EXPECT(!is_desfire(&n.nt));
	EXPECT(desfire_read_credential(&io, &k, uid, got, &rep) != DESFIRE_OK);

	/* wiped at the desk: gone on the next tap */
	snprintf(line, sizeof(line), "card %s desfire", uidhex);
	EXPECT_INT(tap(&n, line), 1);
	EXPECT_INT(desfire_wipe(&io, &k, uid, 0, &rep), DESFIRE_OK);
	EXPECT_INT(tap(&n, line), 1);
	EXPECT_INT(desfire_read_credential(&io, &k, uid, got, &rep), DESFIRE_NO_APP);
	nfc_down(&n);
}

/* Our application with keys that are not ours: authentication fails. */
static void
test_wrong_keys(void)
{
	struct nfc n;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t got[16];

	site_keys(&k);
	if (nfc_up(&n) == -1) {
		EXPECT(!"libnfc opened the emulator");
		nfc_down(&n);
		return;
	}
	io = (struct desfire_io){ .transceive = nfc_transceive, .arg = &n };
	emu_send(&n.e, "desfire 04112233445566 app F5EE11 "
	    "000102030405060708090A0B0C0D0E0F 0F0E0D0C0B0A09080706050403020100 "
	    "A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5");
	EXPECT_INT(tap(&n, "card 04112233445566 desfire"), 1);
	EXPECT(is_desfire(&n.nt));
	EXPECT_INT(desfire_read_credential(&io, &k, n.nt.nti.nai.abtUid, got, &rep),
	    DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_KEY1);
	EXPECT_INT(rep.status, 0xAE);
	/* nor does provisioning take it over */
	EXPECT_INT(tap(&n, "card 04112233445566 desfire"), 1);
	EXPECT_INT(desfire_provision(&io, &k, n.nt.nti.nai.abtUid, got, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_KEY0);
	nfc_down(&n);
}

/* Pulled away at its 9th APDU (the key 1 change): refused, then finished
 * on the next tap; also a card with an AES PICC key. */
static void
test_torn_and_aes_picc(void)
{
	struct nfc n;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16], got[16];

	site_keys(&k);
	if (nfc_up(&n) == -1) {
		EXPECT(!"libnfc opened the emulator");
		nfc_down(&n);
		return;
	}
	io = (struct desfire_io){ .transceive = nfc_transceive, .arg = &n };
	EXPECT_INT(tap(&n, "card 04998877665544 desfire"), 1);
	emu_send(&n.e, "tear 8");
	usleep(100000);
	EXPECT_INT(desfire_provision(&io, &k, n.nt.nti.nai.abtUid, cred, &rep), DESFIRE_GONE);
	EXPECT_INT(rep.exchanges, 8);
	EXPECT_INT(rep.step, DESFIRE_STEP_CHANGE_KEY1);
	EXPECT_INT(tap(&n, "card 04998877665544 desfire"), 1);
	EXPECT_INT(desfire_provision(&io, &k, n.nt.nti.nai.abtUid, cred, &rep), DESFIRE_OK);
	printf("# a provisioning torn at the key 1 change finished in %d APDUs\n", rep.exchanges);
	EXPECT_INT(tap(&n, "card 04998877665544 desfire"), 1);
	EXPECT_INT(desfire_read_credential(&io, &k, n.nt.nti.nai.abtUid, got, &rep), DESFIRE_OK);
	EXPECT(memcmp(got, cred, 16) == 0);

	/* an AES PICC master key: refused without it, provisioned with it */
	emu_send(&n.e, "desfire 04CAFE00000001 picc-aes 00112233445566778899AABBCCDDEEFF");
	EXPECT_INT(tap(&n, "card 04CAFE00000001 desfire"), 1);
	EXPECT_INT(desfire_provision(&io, &k, n.nt.nti.nai.abtUid, cred, &rep), DESFIRE_AUTH_FAILED);
	EXPECT_INT(rep.step, DESFIRE_STEP_AUTH_PICC);
	k.picc_aes = true;
	for (int i = 0; i < 16; i++)
		k.picc_key[i] = (uint8_t)(i * 0x11);
	EXPECT_INT(tap(&n, "card 04CAFE00000001 desfire"), 1);
	EXPECT_INT(desfire_provision(&io, &k, n.nt.nti.nai.abtUid, cred, &rep), DESFIRE_OK);
	nfc_down(&n);
}

static int64_t
elapsed_read(struct nfc *n, const struct desfire_io *io, const struct desfire_keys *k,
    const char *line, int *r)
{
	struct desfire_report rep;
	uint8_t got[16];
	int64_t t0;

	EXPECT_INT(tap(n, line), 1);
	t0 = now_ms();
	*r = desfire_read_credential(io, k, n->nt.nti.nai.abtUid, got, &rep);
	return now_ms() - t0;
}

/* delay: each card answer comes that much later (the bench's 15 ms). */
static void
test_card_delay(void)
{
	struct nfc n;
	struct desfire_io io;
	struct desfire_keys k;
	struct desfire_report rep;
	uint8_t cred[16];
	int64_t fast, slow;
	int r;

	site_keys(&k);
	if (nfc_up(&n) == -1) {
		EXPECT(!"libnfc opened the emulator");
		nfc_down(&n);
		return;
	}
	io = (struct desfire_io){ .transceive = nfc_transceive, .arg = &n };
	EXPECT_INT(tap(&n, "card 04010203040506 desfire"), 1);
	EXPECT_INT(desfire_provision(&io, &k, n.nt.nti.nai.abtUid, cred, &rep), DESFIRE_OK);
	fast = elapsed_read(&n, &io, &k, "card 04010203040506 desfire", &r);
	EXPECT_INT(r, DESFIRE_OK);
	emu_send(&n.e, "delay 50");
	slow = elapsed_read(&n, &io, &k, "card 04010203040506 desfire", &r);
	EXPECT_INT(r, DESFIRE_OK);
	printf("# a read (4 APDUs): %lld ms, with 50 ms a card answer: %lld ms\n",
	    (long long)fast, (long long)slow);
	EXPECT(slow >= 4 * 50);
	nfc_down(&n);
}

int
main(void)
{
	find_emulator();
	RUN(test_provision_read_clone);
	RUN(test_wrong_keys);
	RUN(test_torn_and_aes_picc);
	RUN(test_card_delay);
	return TEST_REPORT();
}

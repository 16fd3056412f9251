/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A MIFARE DESFire EV1 card in software, for the PN532 emulator
 * (pn532emu.c) and the unit tests, which link it directly.  It answers ISO
 * 7816-wrapped native commands (90 INS 00 00 [Lc data] 00 -> data 91 SS)
 * as a card does, with the crypto of core/desfire_crypto.h:
 *
 *	5A select application	0A legacy (DES) and AA AES authentication, AF
 *	CA create application	DA delete application	FC format PICC
 *	C4 change key (PICC key DES -> AES in a legacy session; application
 *	   keys in an AES session; changing the key of the session ends it)
 *	CD create std data file	6F file IDs	F5 file settings
 *	BD read data and 3D write data, plain, MACed or enciphered, with
 *	   access rights (0xAE without the key, 0x9D when no key may)
 *	60 get version		51 get card UID (enciphered)
 *	6A application IDs	45 key settings
 *
 * After an AES authentication every command is CMACed, every answer with
 * status 00 carries a CMAC, an error ends the session; answers longer than
 * the frame size (59 bytes) come in frames ended by 91 AF, each fetched
 * with 90 AF; a write longer than one frame may come in several.  What is
 * not modelled: DES and 3K3DES applications, backup, value and record
 * files, transactions, ISO 7816 commands, random UIDs; an application
 * holds at most 8 files of at most 256 bytes, a card at most 8
 * applications.  A card's files and keys live as long as its struct; its
 * session only until desfire_card_reset(), as when it leaves the field.
 */
#ifndef SEUIL_DESFIRE_CARD_H
#define SEUIL_DESFIRE_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desfire_crypto.h"

#define DESFIRE_CARD_FRAME_MAX	59	/* data bytes in one answer */
#define DESFIRE_CARD_ANSWER_MAX	(DESFIRE_CARD_FRAME_MAX + 2)
#define DESFIRE_CARD_FILE_MAX	256

/* Communication settings of a file (the card's own numbers). */
#define DESFIRE_COMM_PLAIN	0x00
#define DESFIRE_COMM_MAC	0x01
#define DESFIRE_COMM_ENC	0x03

struct desfire_card;

/* A blank card as it leaves the factory: PICC master key DES zero, key
 * settings 0x0F, no application.  uid is 4, 7 or 10 bytes; seed feeds its
 * random numbers (any value; the same seed, the same RndBs).  NULL on
 * allocation failure.  The caller frees it with desfire_card_free(). */
struct desfire_card *desfire_card_new(const uint8_t *uid, size_t uidlen, uint64_t seed);
void desfire_card_free(struct desfire_card *c);

/* The card leaves the field: session, selection and any half-done command
 * end; applications, keys and files stay. */
void desfire_card_reset(struct desfire_card *c);

/* One APDU in, the card's answer out (at most DESFIRE_CARD_ANSWER_MAX
 * bytes, size must allow that).  Always answers: an ISO status word for a
 * malformed APDU, else data and 91 SS.  Returns the answer's length. */
size_t desfire_card_apdu(struct desfire_card *c, const uint8_t *apdu, size_t n, uint8_t *out,
    size_t size);

/*
 * Set-up, as a test wants to find a card.  aid is the 24-bit number
 * (F5EE11), sent low byte first on the wire.  Each returns 0, or -1 when
 * the application or file does not exist, already does, or there is no
 * room.
 */
void desfire_card_set_picc_key(struct desfire_card *c, bool aes, const uint8_t *key,
    uint8_t settings);
int desfire_card_add_app(struct desfire_card *c, uint32_t aid, uint8_t settings, uint8_t nkeys);
int desfire_card_set_key(struct desfire_card *c, uint32_t aid, uint8_t keyno,
    const uint8_t key[DESFIRE_AES_KEY_LEN], uint8_t version);
int desfire_card_add_file(struct desfire_card *c, uint32_t aid, uint8_t fileno, uint8_t comm,
    uint16_t access, const uint8_t *data, size_t size);

/* Inspection.  get_key: aid 0 is the PICC master key (8 bytes if DES);
 * returns its kind (DESFIRE_SESSION_DES or _AES) or -1.  read_file copies
 * at most size bytes and returns the file's size, or -1. */
bool desfire_card_has_app(const struct desfire_card *c, uint32_t aid);
int desfire_card_get_key(const struct desfire_card *c, uint32_t aid, uint8_t keyno,
    uint8_t key[DESFIRE_AES_KEY_LEN]);
int desfire_card_read_file(const struct desfire_card *c, uint32_t aid, uint8_t fileno,
    uint8_t *buf, size_t size);
const uint8_t *desfire_card_uid(const struct desfire_card *c, size_t *len);

/*
 * What a card keeps out of the field (UID, PICC key, applications, keys
 * and files), as bytes for another emulator of the same build: two
 * emulated readers (a desk and a door) share cards through files, as a
 * card goes from one reader to the other.  export returns the length
 * written (0 when size is too small); import a new card (the caller frees
 * it), or NULL for bytes that are not an export.
 */
#define DESFIRE_CARD_EXPORT_MAX	32768
size_t desfire_card_export(const struct desfire_card *c, uint8_t *buf, size_t size);
struct desfire_card *desfire_card_import(const uint8_t *buf, size_t n, uint64_t seed);

/* Test hooks: the RndB of the next authentication (16 bytes; DES takes
 * the first 8), the card's side of its current session (kind NONE when
 * there is none), the frame size (1 to 59). */
void desfire_card_force_rndb(struct desfire_card *c, const uint8_t rndb[DESFIRE_AES_BLOCK]);
void desfire_card_session(const struct desfire_card *c, struct desfire_session *s);
void desfire_card_set_frame_max(struct desfire_card *c, size_t n);

#endif

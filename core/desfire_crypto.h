/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The cryptography of MIFARE DESFire EV1, which EV2 and EV3 cards also speak
 * after an EV1 AES authentication: pure functions on bytes, no I/O, no
 * allocation, no logging.  Both ends use it: seuil's exchange with a card
 * (firmware-glue/desfire.h) and the card model of the tests.
 *
 * What a session looks like:
 *  - AES authentication: the card sends E(K, RndB); the host answers
 *    E(K, RndA || RndB<<<8), CBC-chained on from the card's block; the card
 *    proves itself with E(K, RndA<<<8), chained on from the host's last
 *    block.  Session key RndA[0..3] RndB[0..3] RndA[12..15] RndB[12..15],
 *    IV zero.
 *  - Then one IV runs through the whole session: every plain command is
 *    CMACed (the IV becomes the CMAC, nothing is sent), every answer with
 *    status 00 carries the first 8 bytes of the CMAC of (data || status),
 *    enciphered commands and answers are AES-CBC from the current IV, which
 *    becomes their last cipher block.  Enciphered payloads end with a CRC32
 *    (command: over the command bytes from INS on; answer: over data ||
 *    status) and zero padding.
 *  - The legacy (DES) authentication, which only a factory PICC master key
 *    needs, has no MACs on plain commands and resets its IV to zero for
 *    every message.
 *
 * Keys: AES-128 keys diversified per card with NXP AN10922.
 *
 * The block cipher is OpenSSL's low-level AES and DES, not EVP: EVP brings
 * up OpenSSL 3's provider machinery at its first call, 1.9 MiB of seuild's
 * RSS (see core/uid.c), and could not chain CMAC from an IV anyway.  Every
 * function wipes the key schedules and intermediates it made.
 */
#ifndef SEUIL_DESFIRE_CRYPTO_H
#define SEUIL_DESFIRE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define DESFIRE_AES_KEY_LEN	16
#define DESFIRE_AES_BLOCK	16
#define DESFIRE_DES_KEY_LEN	8
#define DESFIRE_DES_BLOCK	8
#define DESFIRE_MAC_LEN		8	/* the CMAC as sent: its first 8 bytes */
#define DESFIRE_CRC32_LEN	4
#define DESFIRE_CRC16_LEN	2
#define DESFIRE_UID_LEN		7
#define DESFIRE_SYSID_LEN	16	/* AN10922 system identifier, ours */
#define DESFIRE_CRC32_INIT	0xFFFFFFFFu

/* CRC32 as DESFire uses it: the IEEE polynomial reflected (EDB88320),
 * preset FFFFFFFF, no final XOR.  Start with DESFIRE_CRC32_INIT; chain by
 * passing the previous result.  Sent low byte first (desfire_put_le32).
 * (Not desfire_crc32: libfreefare exports that name, with other
 * arguments.) */
uint32_t desfire_crc32_update(uint32_t crc, const uint8_t *p, size_t n);

/* CRC_A of ISO/IEC 14443-3 (preset 6363), which legacy DES sessions use;
 * sent low byte first. */
uint16_t desfire_crc16(const uint8_t *p, size_t n);

void desfire_put_le32(uint8_t out[4], uint32_t v);
uint32_t desfire_get_le32(const uint8_t in[4]);

/* out = in rotated left by one byte (out may not overlap in). */
void desfire_rotl(uint8_t *out, const uint8_t *in, size_t n);

/* AES-128 CBC on n bytes (a multiple of 16; other sizes are refused with
 * -1 and nothing done), in place, from *iv, which becomes the last cipher
 * block: the IV a DESFire session carries from one message to the next. */
int desfire_aes_cbc_encrypt(const uint8_t key[DESFIRE_AES_KEY_LEN],
    uint8_t iv[DESFIRE_AES_BLOCK], uint8_t *buf, size_t n);
int desfire_aes_cbc_decrypt(const uint8_t key[DESFIRE_AES_KEY_LEN],
    uint8_t iv[DESFIRE_AES_BLOCK], uint8_t *buf, size_t n);

/* One DES block each way (legacy authentication; single DES: a factory
 * key is 3DES with equal halves, which is the same thing). */
void desfire_des_encrypt(const uint8_t key[DESFIRE_DES_KEY_LEN],
    const uint8_t in[DESFIRE_DES_BLOCK], uint8_t out[DESFIRE_DES_BLOCK]);
void desfire_des_decrypt(const uint8_t key[DESFIRE_DES_KEY_LEN],
    const uint8_t in[DESFIRE_DES_BLOCK], uint8_t out[DESFIRE_DES_BLOCK]);

/* AES-CMAC (NIST SP 800-38B) of msg, chained from *iv (zero for the
 * standard CMAC); *iv becomes the full 16-byte CMAC. */
void desfire_cmac(const uint8_t key[DESFIRE_AES_KEY_LEN], uint8_t iv[DESFIRE_AES_BLOCK],
    const uint8_t *msg, size_t n);

/*
 * AN10922 AES-128 key diversification: D = 01 || m, padded with 80 00..
 * to 32 bytes with the last block XORed with CMAC subkey K2 (exactly 32
 * bytes: K1, no padding), AES-CBC-MAC from a zero IV; the key is the last
 * block.  This is the CMAC of D only for 17 to 31 byte D: a short D is
 * padded to two blocks, not one.  mlen is 1 to 31.  Returns 0, or -1
 * (nothing written) for another length.
 */
int desfire_an10922(const uint8_t master[DESFIRE_AES_KEY_LEN], const uint8_t *m, size_t mlen,
    uint8_t out[DESFIRE_AES_KEY_LEN]);

/* seuil's diversification input: UID (7) || AID (3 bytes, low byte first)
 * || system identifier (16). */
void desfire_diversify(const uint8_t master[DESFIRE_AES_KEY_LEN],
    const uint8_t uid[DESFIRE_UID_LEN], uint32_t aid, const uint8_t sysid[DESFIRE_SYSID_LEN],
    uint8_t out[DESFIRE_AES_KEY_LEN]);

enum desfire_session_kind {
	DESFIRE_SESSION_NONE = 0,
	DESFIRE_SESSION_DES,	/* legacy: no MACs, IV zero per message */
	DESFIRE_SESSION_AES,	/* EV1 secure messaging */
};

/* An authenticated session: its key and the IV it carries.  Plain data,
 * owned by whoever holds it; desfire_session_end() wipes it. */
struct desfire_session {
	enum desfire_session_kind kind;
	uint8_t	key[DESFIRE_AES_KEY_LEN];	/* DES: the first 8 bytes */
	uint8_t	iv[DESFIRE_AES_BLOCK];
};

/* Start a session from the two random numbers (16 bytes each for AES, 8
 * for DES): the session key and a zero IV. */
void desfire_session_begin(struct desfire_session *s, enum desfire_session_kind kind,
    const uint8_t *rnda, const uint8_t *rndb);
void desfire_session_end(struct desfire_session *s);

/*
 * The host's half of an authentication, between the card's challenge and
 * its proof.  desfire_auth_*_token() takes the card's E(RndB) and the
 * caller's fresh random RndA and makes the token to send (AES: 32 bytes;
 * DES: 16); desfire_auth_*_finish() takes the card's last block and returns
 * 0 with *s begun when it is E(RndA<<<8) under the same key, else -1 and
 * *s ended.  Both wipe what they no longer need; desfire_auth_wipe() the
 * rest (finish calls it).
 */
struct desfire_auth {
	enum desfire_session_kind kind;
	uint8_t	key[DESFIRE_AES_KEY_LEN];
	uint8_t	rnda[DESFIRE_AES_BLOCK];
	uint8_t	rndb[DESFIRE_AES_BLOCK];
	uint8_t	iv[DESFIRE_AES_BLOCK];
};

void desfire_auth_aes_token(struct desfire_auth *a, const uint8_t key[DESFIRE_AES_KEY_LEN],
    const uint8_t rnda[DESFIRE_AES_BLOCK], const uint8_t ek_rndb[DESFIRE_AES_BLOCK],
    uint8_t token[2 * DESFIRE_AES_BLOCK]);
int desfire_auth_aes_finish(struct desfire_auth *a, const uint8_t ek_rnda[DESFIRE_AES_BLOCK],
    struct desfire_session *s);
void desfire_auth_des_token(struct desfire_auth *a, const uint8_t key[DESFIRE_DES_KEY_LEN],
    const uint8_t rnda[DESFIRE_DES_BLOCK], const uint8_t ek_rndb[DESFIRE_DES_BLOCK],
    uint8_t token[2 * DESFIRE_DES_BLOCK]);
int desfire_auth_des_finish(struct desfire_auth *a, const uint8_t ek_rnda[DESFIRE_DES_BLOCK],
    struct desfire_session *s);
void desfire_auth_wipe(struct desfire_auth *a);

/*
 * EV1 secure messaging in an AES session.  Each call moves s->iv as the
 * card does, so the host and the card must make the same calls in the same
 * order.
 *
 * desfire_session_cmac: CMAC of msg (a plain command from INS on, or an
 * answer's data || status); mac (may be NULL) gets the 8 bytes sent.
 * desfire_session_answer_mac: the same over data || status, as an answer.
 * desfire_session_check_answer: 0 if mac is the answer's MAC, else -1
 * (compared in constant time).
 */
void desfire_session_cmac(struct desfire_session *s, const uint8_t *msg, size_t n,
    uint8_t mac[DESFIRE_MAC_LEN]);
void desfire_session_answer_mac(struct desfire_session *s, const uint8_t *data, size_t n,
    uint8_t status, uint8_t mac[DESFIRE_MAC_LEN]);
int desfire_session_check_answer(struct desfire_session *s, const uint8_t *data, size_t n,
    uint8_t status, const uint8_t mac[DESFIRE_MAC_LEN]);

/* Zero-pad buf[0..n) to a whole number of blocks and encipher it in place:
 * returns the padded length, or 0 (nothing done) if it exceeds size. */
size_t desfire_session_encrypt(struct desfire_session *s, uint8_t *buf, size_t n, size_t size);
/* Decipher n bytes in place: 0, or -1 (nothing done) unless n is a
 * nonzero multiple of 16. */
int desfire_session_decrypt(struct desfire_session *s, uint8_t *buf, size_t n);

/* Encipher a command in place: buf[0..n) is INS, hdr - 1 header bytes
 * sent in clear, then the data; appends CRC32(buf[0..n)), zero-pads the
 * part from hdr on and enciphers it.  Returns the new length, or 0 if it
 * would exceed size or hdr > n. */
size_t desfire_session_encipher_command(struct desfire_session *s, uint8_t *buf, size_t n,
    size_t hdr, size_t size);

/* The card's side: encipher an answer's n data bytes in place (data ||
 * CRC32(data || status) || zeros).  Returns the length, or 0 if it would
 * exceed size. */
size_t desfire_session_encipher_answer(struct desfire_session *s, uint8_t *buf, size_t n,
    uint8_t status, size_t size);

/*
 * Decipher an enciphered answer that must hold exactly len data bytes:
 * ctlen must be len + 4 rounded up to 16, the plaintext data ||
 * CRC32(data || status) || zeros.  Deciphers ct in place (data in
 * ct[0..len)) and returns 0, or -1 for any other length, CRC or padding:
 * then ct holds no usable data.
 */
int desfire_session_decipher_answer(struct desfire_session *s, uint8_t *ct, size_t ctlen,
    uint8_t status, size_t len);

/*
 * ChangeKey to an AES key in an AES session: out gets C4 keyno_byte then
 * the cryptogram, 34 bytes.  When the key changed is the one the session
 * authenticated with (same_key), the cryptogram is newkey || version ||
 * CRC32(C4 keyno newkey version); for another key, (newkey XOR oldkey) ||
 * version || CRC32(C4 keyno (newkey XOR oldkey) version) || CRC32(newkey).
 * Returns the length (34).
 */
size_t desfire_change_key_command(struct desfire_session *s, uint8_t keyno_byte, int same_key,
    const uint8_t newkey[DESFIRE_AES_KEY_LEN], const uint8_t oldkey[DESFIRE_AES_KEY_LEN],
    uint8_t version, uint8_t out[2 + 2 * DESFIRE_AES_BLOCK]);

#endif

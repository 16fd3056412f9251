/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "desfire_crypto.h"

#include <string.h>

/* Low-level AES and DES on purpose: see desfire_crypto.h. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/aes.h>
#include <openssl/crypto.h>
#include <openssl/des.h>

uint32_t
desfire_crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
	}
	return crc;
}

uint16_t
desfire_crc16(const uint8_t *p, size_t n)
{
	uint16_t crc = 0x6363;

	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)(p[i] ^ (crc & 0xFF));

		b = (uint8_t)(b ^ (b << 4));
		crc = (uint16_t)((crc >> 8) ^ ((uint16_t)b << 8) ^ ((uint16_t)b << 3) ^ (b >> 4));
	}
	return crc;
}

void
desfire_put_le32(uint8_t out[4], uint32_t v)
{
	out[0] = (uint8_t)v;
	out[1] = (uint8_t)(v >> 8);
	out[2] = (uint8_t)(v >> 16);
	out[3] = (uint8_t)(v >> 24);
}

uint32_t
desfire_get_le32(const uint8_t in[4])
{
	return (uint32_t)in[0] | (uint32_t)in[1] << 8 | (uint32_t)in[2] << 16 |
	    (uint32_t)in[3] << 24;
}

void
desfire_rotl(uint8_t *out, const uint8_t *in, size_t n)
{
	if (n == 0)
		return;
	memcpy(out, in + 1, n - 1);
	out[n - 1] = in[0];
}

static void
xor_block(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] ^= src[i];
}

int
desfire_aes_cbc_encrypt(const uint8_t key[DESFIRE_AES_KEY_LEN], uint8_t iv[DESFIRE_AES_BLOCK],
    uint8_t *buf, size_t n)
{
	AES_KEY ks;

	if (n % DESFIRE_AES_BLOCK != 0)
		return -1;
	AES_set_encrypt_key(key, 128, &ks);
	for (size_t off = 0; off < n; off += DESFIRE_AES_BLOCK) {
		xor_block(buf + off, iv, DESFIRE_AES_BLOCK);
		AES_encrypt(buf + off, buf + off, &ks);
		memcpy(iv, buf + off, DESFIRE_AES_BLOCK);
	}
	OPENSSL_cleanse(&ks, sizeof(ks));
	return 0;
}

int
desfire_aes_cbc_decrypt(const uint8_t key[DESFIRE_AES_KEY_LEN], uint8_t iv[DESFIRE_AES_BLOCK],
    uint8_t *buf, size_t n)
{
	AES_KEY ks;
	uint8_t next[DESFIRE_AES_BLOCK];

	if (n % DESFIRE_AES_BLOCK != 0)
		return -1;
	AES_set_decrypt_key(key, 128, &ks);
	for (size_t off = 0; off < n; off += DESFIRE_AES_BLOCK) {
		memcpy(next, buf + off, DESFIRE_AES_BLOCK);
		AES_decrypt(buf + off, buf + off, &ks);
		xor_block(buf + off, iv, DESFIRE_AES_BLOCK);
		memcpy(iv, next, DESFIRE_AES_BLOCK);
	}
	OPENSSL_cleanse(&ks, sizeof(ks));
	return 0;
}

static void
des_block(const uint8_t key[DESFIRE_DES_KEY_LEN], const uint8_t in[DESFIRE_DES_BLOCK],
    uint8_t out[DESFIRE_DES_BLOCK], int enc)
{
	DES_key_schedule ks;
	DES_cblock k, i, o;

	memcpy(k, key, sizeof(k));
	memcpy(i, in, sizeof(i));
	DES_set_key_unchecked(&k, &ks);
	DES_ecb_encrypt(&i, &o, &ks, enc);
	memcpy(out, o, sizeof(o));
	OPENSSL_cleanse(&ks, sizeof(ks));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(i, sizeof(i));
	OPENSSL_cleanse(o, sizeof(o));
}

void
desfire_des_encrypt(const uint8_t key[DESFIRE_DES_KEY_LEN], const uint8_t in[DESFIRE_DES_BLOCK],
    uint8_t out[DESFIRE_DES_BLOCK])
{
	des_block(key, in, out, DES_ENCRYPT);
}

void
desfire_des_decrypt(const uint8_t key[DESFIRE_DES_KEY_LEN], const uint8_t in[DESFIRE_DES_BLOCK],
    uint8_t out[DESFIRE_DES_BLOCK])
{
	des_block(key, in, out, DES_DECRYPT);
}

/* Doubling in GF(2^128), for the CMAC subkeys. */
static void
dbl(uint8_t out[DESFIRE_AES_BLOCK], const uint8_t in[DESFIRE_AES_BLOCK])
{
	uint8_t carry = in[0] & 0x80;

	for (int i = 0; i < DESFIRE_AES_BLOCK - 1; i++)
		out[i] = (uint8_t)(in[i] << 1 | in[i + 1] >> 7);
	out[DESFIRE_AES_BLOCK - 1] = (uint8_t)(in[DESFIRE_AES_BLOCK - 1] << 1);
	if (carry)
		out[DESFIRE_AES_BLOCK - 1] ^= 0x87;
}

/*
 * CMAC as a stream, so that an answer's data and its status byte need not
 * be copied together: a full block is encrypted only once more input
 * arrives, because the last block is the one XORed with a subkey.
 */
struct cmac {
	AES_KEY	ks;
	uint8_t	k1[DESFIRE_AES_BLOCK];
	uint8_t	k2[DESFIRE_AES_BLOCK];
	uint8_t	x[DESFIRE_AES_BLOCK];
	uint8_t	buf[DESFIRE_AES_BLOCK];
	size_t	len;
};

static void
cmac_init(struct cmac *c, const uint8_t key[DESFIRE_AES_KEY_LEN], const uint8_t iv[DESFIRE_AES_BLOCK])
{
	uint8_t l[DESFIRE_AES_BLOCK] = { 0 };

	AES_set_encrypt_key(key, 128, &c->ks);
	AES_encrypt(l, l, &c->ks);
	dbl(c->k1, l);
	dbl(c->k2, c->k1);
	OPENSSL_cleanse(l, sizeof(l));
	memcpy(c->x, iv, DESFIRE_AES_BLOCK);
	c->len = 0;
}

static void
cmac_update(struct cmac *c, const uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t take;

		if (c->len == DESFIRE_AES_BLOCK) {
			xor_block(c->x, c->buf, DESFIRE_AES_BLOCK);
			AES_encrypt(c->x, c->x, &c->ks);
			c->len = 0;
		}
		take = DESFIRE_AES_BLOCK - c->len;
		if (take > n)
			take = n;
		memcpy(c->buf + c->len, p, take);
		c->len += take;
		p += take;
		n -= take;
	}
}

static void
cmac_final(struct cmac *c, uint8_t out[DESFIRE_AES_BLOCK])
{
	if (c->len == DESFIRE_AES_BLOCK) {
		xor_block(c->buf, c->k1, DESFIRE_AES_BLOCK);
	} else {
		c->buf[c->len] = 0x80;
		memset(c->buf + c->len + 1, 0, DESFIRE_AES_BLOCK - c->len - 1);
		xor_block(c->buf, c->k2, DESFIRE_AES_BLOCK);
	}
	xor_block(c->x, c->buf, DESFIRE_AES_BLOCK);
	AES_encrypt(c->x, out, &c->ks);
	OPENSSL_cleanse(c, sizeof(*c));
}

void
desfire_cmac(const uint8_t key[DESFIRE_AES_KEY_LEN], uint8_t iv[DESFIRE_AES_BLOCK],
    const uint8_t *msg, size_t n)
{
	struct cmac c;

	cmac_init(&c, key, iv);
	cmac_update(&c, msg, n);
	cmac_final(&c, iv);
}

int
desfire_an10922(const uint8_t master[DESFIRE_AES_KEY_LEN], const uint8_t *m, size_t mlen,
    uint8_t out[DESFIRE_AES_KEY_LEN])
{
	uint8_t d[2 * DESFIRE_AES_BLOCK], iv[DESFIRE_AES_BLOCK] = { 0 };
	struct cmac c;
	size_t len = 1 + mlen;

	if (mlen == 0 || len > sizeof(d))
		return -1;
	/* cmac_init only for its subkeys: the padding is AN10922's. */
	cmac_init(&c, master, iv);
	d[0] = 0x01;
	memcpy(d + 1, m, mlen);
	if (len == sizeof(d)) {
		xor_block(d + DESFIRE_AES_BLOCK, c.k1, DESFIRE_AES_BLOCK);
	} else {
		d[len] = 0x80;
		memset(d + len + 1, 0, sizeof(d) - len - 1);
		xor_block(d + DESFIRE_AES_BLOCK, c.k2, DESFIRE_AES_BLOCK);
	}
	OPENSSL_cleanse(&c, sizeof(c));
	desfire_aes_cbc_encrypt(master, iv, d, sizeof(d));
	memcpy(out, iv, DESFIRE_AES_KEY_LEN);
	OPENSSL_cleanse(d, sizeof(d));
	OPENSSL_cleanse(iv, sizeof(iv));
	return 0;
}

void
desfire_diversify(const uint8_t master[DESFIRE_AES_KEY_LEN], const uint8_t uid[DESFIRE_UID_LEN],
    uint32_t aid, const uint8_t sysid[DESFIRE_SYSID_LEN], uint8_t out[DESFIRE_AES_KEY_LEN])
{
	uint8_t m[DESFIRE_UID_LEN + 3 + DESFIRE_SYSID_LEN];

	memcpy(m, uid, DESFIRE_UID_LEN);
	m[DESFIRE_UID_LEN] = (uint8_t)aid;
	m[DESFIRE_UID_LEN + 1] = (uint8_t)(aid >> 8);
	m[DESFIRE_UID_LEN + 2] = (uint8_t)(aid >> 16);
	memcpy(m + DESFIRE_UID_LEN + 3, sysid, DESFIRE_SYSID_LEN);
	desfire_an10922(master, m, sizeof(m), out);
	OPENSSL_cleanse(m, sizeof(m));
}

void
desfire_session_begin(struct desfire_session *s, enum desfire_session_kind kind,
    const uint8_t *rnda, const uint8_t *rndb)
{
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	memcpy(s->key, rnda, 4);
	memcpy(s->key + 4, rndb, 4);
	if (kind == DESFIRE_SESSION_AES) {
		memcpy(s->key + 8, rnda + 12, 4);
		memcpy(s->key + 12, rndb + 12, 4);
	}
}

void
desfire_session_end(struct desfire_session *s)
{
	OPENSSL_cleanse(s, sizeof(*s));
	s->kind = DESFIRE_SESSION_NONE;
}

void
desfire_auth_wipe(struct desfire_auth *a)
{
	OPENSSL_cleanse(a, sizeof(*a));
}

void
desfire_auth_aes_token(struct desfire_auth *a, const uint8_t key[DESFIRE_AES_KEY_LEN],
    const uint8_t rnda[DESFIRE_AES_BLOCK], const uint8_t ek_rndb[DESFIRE_AES_BLOCK],
    uint8_t token[2 * DESFIRE_AES_BLOCK])
{
	memset(a, 0, sizeof(*a));
	a->kind = DESFIRE_SESSION_AES;
	memcpy(a->key, key, DESFIRE_AES_KEY_LEN);
	memcpy(a->rnda, rnda, DESFIRE_AES_BLOCK);
	memcpy(a->rndb, ek_rndb, DESFIRE_AES_BLOCK);
	desfire_aes_cbc_decrypt(a->key, a->iv, a->rndb, DESFIRE_AES_BLOCK);
	memcpy(token, rnda, DESFIRE_AES_BLOCK);
	desfire_rotl(token + DESFIRE_AES_BLOCK, a->rndb, DESFIRE_AES_BLOCK);
	desfire_aes_cbc_encrypt(a->key, a->iv, token, 2 * DESFIRE_AES_BLOCK);
}

int
desfire_auth_aes_finish(struct desfire_auth *a, const uint8_t ek_rnda[DESFIRE_AES_BLOCK],
    struct desfire_session *s)
{
	uint8_t got[DESFIRE_AES_BLOCK], want[DESFIRE_AES_BLOCK];
	int rc = -1;

	desfire_session_end(s);
	if (a->kind == DESFIRE_SESSION_AES) {
		memcpy(got, ek_rnda, DESFIRE_AES_BLOCK);
		desfire_aes_cbc_decrypt(a->key, a->iv, got, DESFIRE_AES_BLOCK);
		desfire_rotl(want, a->rnda, DESFIRE_AES_BLOCK);
		if (CRYPTO_memcmp(got, want, DESFIRE_AES_BLOCK) == 0) {
			desfire_session_begin(s, DESFIRE_SESSION_AES, a->rnda, a->rndb);
			rc = 0;
		}
		OPENSSL_cleanse(got, sizeof(got));
		OPENSSL_cleanse(want, sizeof(want));
	}
	desfire_auth_wipe(a);
	return rc;
}

/*
 * Legacy DES: the card enciphers (E) with a zero IV per message, and the
 * host only ever deciphers (D): its "send mode" XORs each block with the
 * previous cipher block and then deciphers it.
 */
void
desfire_auth_des_token(struct desfire_auth *a, const uint8_t key[DESFIRE_DES_KEY_LEN],
    const uint8_t rnda[DESFIRE_DES_BLOCK], const uint8_t ek_rndb[DESFIRE_DES_BLOCK],
    uint8_t token[2 * DESFIRE_DES_BLOCK])
{
	uint8_t blk[DESFIRE_DES_BLOCK];

	memset(a, 0, sizeof(*a));
	a->kind = DESFIRE_SESSION_DES;
	memcpy(a->key, key, DESFIRE_DES_KEY_LEN);
	memcpy(a->rnda, rnda, DESFIRE_DES_BLOCK);
	desfire_des_decrypt(a->key, ek_rndb, a->rndb);
	desfire_des_decrypt(a->key, rnda, token);
	desfire_rotl(blk, a->rndb, DESFIRE_DES_BLOCK);
	xor_block(blk, token, DESFIRE_DES_BLOCK);
	desfire_des_decrypt(a->key, blk, token + DESFIRE_DES_BLOCK);
	OPENSSL_cleanse(blk, sizeof(blk));
}

int
desfire_auth_des_finish(struct desfire_auth *a, const uint8_t ek_rnda[DESFIRE_DES_BLOCK],
    struct desfire_session *s)
{
	uint8_t got[DESFIRE_DES_BLOCK], want[DESFIRE_DES_BLOCK];
	int rc = -1;

	desfire_session_end(s);
	if (a->kind == DESFIRE_SESSION_DES) {
		desfire_des_decrypt(a->key, ek_rnda, got);
		desfire_rotl(want, a->rnda, DESFIRE_DES_BLOCK);
		if (CRYPTO_memcmp(got, want, DESFIRE_DES_BLOCK) == 0) {
			desfire_session_begin(s, DESFIRE_SESSION_DES, a->rnda, a->rndb);
			rc = 0;
		}
		OPENSSL_cleanse(got, sizeof(got));
		OPENSSL_cleanse(want, sizeof(want));
	}
	desfire_auth_wipe(a);
	return rc;
}

void
desfire_session_cmac(struct desfire_session *s, const uint8_t *msg, size_t n,
    uint8_t mac[DESFIRE_MAC_LEN])
{
	desfire_cmac(s->key, s->iv, msg, n);
	if (mac != NULL)
		memcpy(mac, s->iv, DESFIRE_MAC_LEN);
}

void
desfire_session_answer_mac(struct desfire_session *s, const uint8_t *data, size_t n,
    uint8_t status, uint8_t mac[DESFIRE_MAC_LEN])
{
	struct cmac c;

	cmac_init(&c, s->key, s->iv);
	cmac_update(&c, data, n);
	cmac_update(&c, &status, 1);
	cmac_final(&c, s->iv);
	if (mac != NULL)
		memcpy(mac, s->iv, DESFIRE_MAC_LEN);
}

int
desfire_session_check_answer(struct desfire_session *s, const uint8_t *data, size_t n,
    uint8_t status, const uint8_t mac[DESFIRE_MAC_LEN])
{
	uint8_t want[DESFIRE_MAC_LEN];
	int rc;

	desfire_session_answer_mac(s, data, n, status, want);
	rc = CRYPTO_memcmp(want, mac, DESFIRE_MAC_LEN) == 0 ? 0 : -1;
	OPENSSL_cleanse(want, sizeof(want));
	return rc;
}

static size_t
padded(size_t n)
{
	return (n + DESFIRE_AES_BLOCK - 1) / DESFIRE_AES_BLOCK * DESFIRE_AES_BLOCK;
}

size_t
desfire_session_encrypt(struct desfire_session *s, uint8_t *buf, size_t n, size_t size)
{
	size_t len = padded(n);

	if (len == 0 || len > size)
		return 0;
	memset(buf + n, 0, len - n);
	desfire_aes_cbc_encrypt(s->key, s->iv, buf, len);
	return len;
}

int
desfire_session_decrypt(struct desfire_session *s, uint8_t *buf, size_t n)
{
	if (n == 0)
		return -1;
	return desfire_aes_cbc_decrypt(s->key, s->iv, buf, n);
}

size_t
desfire_session_encipher_command(struct desfire_session *s, uint8_t *buf, size_t n, size_t hdr,
    size_t size)
{
	size_t len;

	if (hdr > n || size < hdr || n + DESFIRE_CRC32_LEN > size)
		return 0;
	desfire_put_le32(buf + n, desfire_crc32_update(DESFIRE_CRC32_INIT, buf, n));
	len = desfire_session_encrypt(s, buf + hdr, n + DESFIRE_CRC32_LEN - hdr, size - hdr);
	return len == 0 ? 0 : hdr + len;
}

size_t
desfire_session_encipher_answer(struct desfire_session *s, uint8_t *buf, size_t n, uint8_t status,
    size_t size)
{
	uint32_t crc;

	if (n + DESFIRE_CRC32_LEN > size)
		return 0;
	crc = desfire_crc32_update(DESFIRE_CRC32_INIT, buf, n);
	crc = desfire_crc32_update(crc, &status, 1);
	desfire_put_le32(buf + n, crc);
	return desfire_session_encrypt(s, buf, n + DESFIRE_CRC32_LEN, size);
}

int
desfire_session_decipher_answer(struct desfire_session *s, uint8_t *ct, size_t ctlen,
    uint8_t status, size_t len)
{
	uint32_t crc;
	uint8_t bad = 0;

	if (ctlen != padded(len + DESFIRE_CRC32_LEN) || desfire_session_decrypt(s, ct, ctlen) == -1)
		return -1;
	crc = desfire_crc32_update(DESFIRE_CRC32_INIT, ct, len);
	crc = desfire_crc32_update(crc, &status, 1);
	/* Every check runs whatever the first found, so that the time taken
	 * says nothing about which byte was wrong. */
	bad |= (uint8_t)(desfire_get_le32(ct + len) != crc);
	for (size_t i = len + DESFIRE_CRC32_LEN; i < ctlen; i++)
		bad |= ct[i];
	if (bad != 0) {
		OPENSSL_cleanse(ct, ctlen);
		return -1;
	}
	return 0;
}

size_t
desfire_change_key_command(struct desfire_session *s, uint8_t keyno_byte, int same_key,
    const uint8_t newkey[DESFIRE_AES_KEY_LEN], const uint8_t oldkey[DESFIRE_AES_KEY_LEN],
    uint8_t version, uint8_t out[2 + 2 * DESFIRE_AES_BLOCK])
{
	size_t n = 0, len;

	out[n++] = 0xC4;
	out[n++] = keyno_byte;
	memcpy(out + n, newkey, DESFIRE_AES_KEY_LEN);
	if (!same_key)
		xor_block(out + n, oldkey, DESFIRE_AES_KEY_LEN);
	n += DESFIRE_AES_KEY_LEN;
	out[n++] = version;
	desfire_put_le32(out + n, desfire_crc32_update(DESFIRE_CRC32_INIT, out, n));
	n += DESFIRE_CRC32_LEN;
	if (!same_key) {
		desfire_put_le32(out + n, desfire_crc32_update(DESFIRE_CRC32_INIT, newkey,
		    DESFIRE_AES_KEY_LEN));
		n += DESFIRE_CRC32_LEN;
	}
	len = desfire_session_encrypt(s, out + 2, n - 2, 2 * DESFIRE_AES_BLOCK);
	return 2 + len;
}

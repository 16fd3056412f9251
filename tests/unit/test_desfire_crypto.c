/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * core/desfire_crypto against published vectors: NIST SP 800-38B (CMAC)
 * and SP 800-38A (CBC), the DES textbook vector, NXP AN10922 (section
 * 2.2.1) and AN10957 (its short input), the AES authentication worked
 * through in revk/DESFireAES's DESFire.pdf, CRC32 and CRC_A checks; then
 * against independent implementations (OpenSSL's EVP CMAC, libnfc's CRC_A)
 * on many inputs, and the refusals: bad CRC, bad padding, wrong length,
 * wrong status, wrong MAC, wrong key.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nfc/nfc.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "desfire_crypto.h"
#include "testhelp.h"

/* Parse hex (spaces allowed) into out; returns the byte count. */
static size_t
hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (*s != '\0' && n < max) {
		unsigned v;

		if (*s == ' ') {
			s++;
			continue;
		}
		if (sscanf(s, "%2x", &v) != 1)
			break;
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

static int
same(const uint8_t *a, const char *want)
{
	uint8_t b[128];
	size_t n = hex(want, b, sizeof(b));

	if (memcmp(a, b, n) == 0)
		return 1;
	printf("#   got ");
	for (size_t i = 0; i < n; i++)
		printf("%02X", a[i]);
	printf("\n#  want %s\n", want);
	return 0;
}

/* Deterministic filler for the comparison tests. */
static void
fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

static const char nist_key[] = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char nist_msg[] =
    "6BC1BEE22E409F96E93D7E117393172A AE2D8A571E03AC9C9EB76FAC45AF8E51"
    "30C81C46A35CE411E5FBC1191A0A52EF F69F2445DF4F9B17AD2B417BE66C3710";

static void
test_cmac_nist(void)
{
	static const struct { size_t len; const char *mac; } v[] = {
		{ 0, "BB1D6929E95937287FA37D129B756746" },
		{ 16, "070A16B46B4D4144F79BDD9DD04A287C" },
		{ 40, "DFA66747DE9AE63030CA32611497C827" },
		{ 64, "51F0BEBF7E3B9D92FC49741779363CFE" },
	};
	uint8_t key[16], msg[64], iv[16];

	hex(nist_key, key, sizeof(key));
	hex(nist_msg, msg, sizeof(msg));
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		memset(iv, 0, sizeof(iv));
		desfire_cmac(key, iv, msg, v[i].len);
		EXPECT(same(iv, v[i].mac));
	}
}

/* OpenSSL's own CMAC (EVP_MAC), an implementation independent of ours. */
static void
evp_cmac(const uint8_t key[16], const uint8_t *msg, size_t n, uint8_t out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0),
		OSSL_PARAM_construct_end(),
	};
	size_t outl = 0;

	memset(out, 0, 16);
	EXPECT(ctx != NULL);
	if (ctx != NULL) {
		EXPECT(EVP_MAC_init(ctx, key, 16, params) == 1);
		EXPECT(EVP_MAC_update(ctx, msg, n) == 1);
		EXPECT(EVP_MAC_final(ctx, out, &outl, 16) == 1);
		EXPECT_INT(outl, 16);
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/*
 * Every length from 0 to 100 against EVP's CMAC; and the IV chaining that
 * DESFire adds: from IV c, CMAC(M) is the standard CMAC of M with c XORed
 * into its first block, as long as that block is whole (16 bytes or more).
 */
static void
test_cmac_against_evp(void)
{
	uint8_t key[16], msg[100], iv[16], want[16], chained[16], m2[100];

	for (size_t n = 0; n <= sizeof(msg); n++) {
		fill(key, sizeof(key), (uint32_t)n);
		fill(msg, n, (uint32_t)n + 1000);
		memset(iv, 0, sizeof(iv));
		desfire_cmac(key, iv, msg, n);
		evp_cmac(key, msg, n, want);
		EXPECT(memcmp(iv, want, 16) == 0);
		if (n < 16)
			continue;
		fill(chained, sizeof(chained), (uint32_t)n + 7);
		memcpy(iv, chained, 16);
		desfire_cmac(key, iv, msg, n);
		memcpy(m2, msg, n);
		for (int i = 0; i < 16; i++)
			m2[i] ^= chained[i];
		evp_cmac(key, m2, n, want);
		EXPECT(memcmp(iv, want, 16) == 0);
	}
}

static void
test_aes_cbc_nist(void)
{
	uint8_t key[16], iv[16], buf[64], plain[64];

	hex(nist_key, key, sizeof(key));
	hex("000102030405060708090A0B0C0D0E0F", iv, sizeof(iv));
	hex(nist_msg, plain, sizeof(plain));
	memcpy(buf, plain, sizeof(buf));
	EXPECT_INT(desfire_aes_cbc_encrypt(key, iv, buf, sizeof(buf)), 0);
	EXPECT(same(buf, "7649ABAC8119B246CEE98E9B12E9197D 5086CB9B507219EE95DB113A917678B2"
	    "73BED6B8E3C1743B7116E69E22229516 3FF1CAA1681FAC09120ECA307586E1A7"));
	EXPECT(same(iv, "3FF1CAA1681FAC09120ECA307586E1A7"));
	hex("000102030405060708090A0B0C0D0E0F", iv, sizeof(iv));
	EXPECT_INT(desfire_aes_cbc_decrypt(key, iv, buf, sizeof(buf)), 0);
	EXPECT(memcmp(buf, plain, sizeof(buf)) == 0);
	EXPECT(same(iv, "3FF1CAA1681FAC09120ECA307586E1A7"));
	/* not a whole number of blocks: refused, untouched */
	EXPECT_INT(desfire_aes_cbc_encrypt(key, iv, buf, 15), -1);
	EXPECT(memcmp(buf, plain, sizeof(buf)) == 0);
}

static void
test_des(void)
{
	uint8_t key[8], in[8], out[8], back[8];

	hex("133457799BBCDFF1", key, sizeof(key));
	hex("0123456789ABCDEF", in, sizeof(in));
	desfire_des_encrypt(key, in, out);
	EXPECT(same(out, "85E813540F0AB405"));
	desfire_des_decrypt(key, out, back);
	EXPECT(memcmp(back, in, 8) == 0);
	memset(key, 0, sizeof(key));
	memset(in, 0, sizeof(in));
	desfire_des_encrypt(key, in, out);
	EXPECT(same(out, "8CA64DE9C1B123A7"));
}

static void
test_crc32(void)
{
	uint8_t buf[32];
	size_t n;

	EXPECT_INT(desfire_crc32_update(DESFIRE_CRC32_INIT, (const uint8_t *)"123456789", 9), 0x340BC6D9);
	/* DESFire.pdf's example */
	n = hex("00102030405060708090A0B0B0A09080", buf, sizeof(buf));
	EXPECT_INT(desfire_crc32_update(DESFIRE_CRC32_INIT, buf, n), 0x1979E3BF);
	/* its ChangeKey to an AES zero key, version 1: "1D D9 EA C2" */
	memset(buf, 0, sizeof(buf));
	buf[0] = 0xC4;
	buf[1] = 0x80;
	buf[18] = 0x01;
	desfire_put_le32(buf + 19, desfire_crc32_update(DESFIRE_CRC32_INIT, buf, 19));
	EXPECT(same(buf + 19, "1DD9EAC2"));
	EXPECT_INT(desfire_get_le32(buf + 19), 0xC2EAD91D);
	/* chaining is the same as one run */
	EXPECT_INT(desfire_crc32_update(desfire_crc32_update(DESFIRE_CRC32_INIT, buf, 7), buf + 7, 12),
	    desfire_crc32_update(DESFIRE_CRC32_INIT, buf, 19));
}

static void
test_crc16(void)
{
	uint8_t buf[64], crc[2];

	EXPECT_INT(desfire_crc16((const uint8_t *)"\x00\x00", 2), 0x1EA0);
	EXPECT_INT(desfire_crc16((const uint8_t *)"\x12\x34", 2), 0xCF26);
	for (size_t n = 1; n < sizeof(buf); n++) {
		fill(buf, n, (uint32_t)n);
		iso14443a_crc(buf, n, crc);
		EXPECT_INT(desfire_crc16(buf, n), crc[0] | crc[1] << 8);
	}
}

static void
test_an10922(void)
{
	uint8_t key[16], m[32], out[16], d[33], iv[16];
	size_t n;

	/* AN10922 2.2.1: UID 04782E21801D80, AID 3042F5, "NXP Abu" */
	hex("00112233445566778899AABBCCDDEEFF", key, sizeof(key));
	n = hex("04782E21801D80 3042F5 4E585020416275", m, sizeof(m));
	EXPECT_INT(desfire_an10922(key, m, n, out), 0);
	EXPECT(same(out, "A8DD63A3B89D54B37CA802473FDA9175"));

	/* AN10957: an 8-byte D, padded to two blocks */
	hex("F3F9377698707B688EAF84ABE39E3791", key, sizeof(key));
	n = hex("04DEADBEEFFEED", m, sizeof(m));
	EXPECT_INT(desfire_an10922(key, m, n, out), 0);
	EXPECT(same(out, "0BB408BAFF98B6EE9F2E1585777F6A51"));
	/* ... which a plain CMAC of D gets wrong (as libfreefare once did) */
	d[0] = 0x01;
	memcpy(d + 1, m, n);
	memset(iv, 0, sizeof(iv));
	desfire_cmac(key, iv, d, n + 1);
	EXPECT(same(iv, "721E2C01E81AF85D815633969CEA2607"));

	/* 17 to 31 bytes of D: the same as the CMAC of D; 32: K1, no padding */
	for (n = 16; n <= 31; n++) {
		fill(key, sizeof(key), (uint32_t)n);
		fill(m, n, (uint32_t)n + 99);
		EXPECT_INT(desfire_an10922(key, m, n, out), 0);
		d[0] = 0x01;
		memcpy(d + 1, m, n);
		memset(iv, 0, sizeof(iv));
		desfire_cmac(key, iv, d, n + 1);
		EXPECT(memcmp(out, iv, 16) == 0);
	}
	/* lengths it refuses */
	memset(out, 0xAA, sizeof(out));
	EXPECT_INT(desfire_an10922(key, m, 0, out), -1);
	EXPECT_INT(desfire_an10922(key, m, 32, out), -1);
	EXPECT(out[0] == 0xAA && out[15] == 0xAA);
}

/* seuil's input: UID, then the AID low byte first, then the system id. */
static void
test_diversify_layout(void)
{
	uint8_t key[16], uid[7], sysid[16], m[26], a[16], b[16];

	fill(key, sizeof(key), 1);
	fill(uid, sizeof(uid), 2);
	fill(sysid, sizeof(sysid), 3);
	memcpy(m, uid, 7);
	m[7] = 0x11;
	m[8] = 0xEE;
	m[9] = 0xF5;
	memcpy(m + 10, sysid, 16);
	desfire_diversify(key, uid, 0xF5EE11, sysid, a);
	EXPECT_INT(desfire_an10922(key, m, sizeof(m), b), 0);
	EXPECT(memcmp(a, b, 16) == 0);
	/* a different UID, AID or system id: a different key */
	uid[6] ^= 1;
	desfire_diversify(key, uid, 0xF5EE11, sysid, b);
	EXPECT(memcmp(a, b, 16) != 0);
	uid[6] ^= 1;
	desfire_diversify(key, uid, 0xF5EE12, sysid, b);
	EXPECT(memcmp(a, b, 16) != 0);
	sysid[0] ^= 1;
	desfire_diversify(key, uid, 0xF5EE11, sysid, b);
	EXPECT(memcmp(a, b, 16) != 0);
}

/* DESFire.pdf's AES authentication, key zero, every block of it. */
static void
test_auth_aes_vector(void)
{
	struct desfire_auth a;
	struct desfire_session s;
	uint8_t key[16] = { 0 }, rnda[16], ekb[16], token[32], eka[16];

	hex("F44B26F5686F3A391CD38EBD10772281", rnda, sizeof(rnda));
	hex("B969FDFE56FD91FC9DE6F6F213B8FD1E", ekb, sizeof(ekb));
	hex("800DB680BC146BD121D6578F2D2E2059", eka, sizeof(eka));
	desfire_auth_aes_token(&a, key, rnda, ekb, token);
	EXPECT(same(a.rndb, "C05DDD714FD788A6B7B754F3C4D066E8"));
	EXPECT(same(token, "36AAD7DF6E436BA08D18613830A70D5A D43E3D3F4A8D47541EEE623A934E4774"));
	EXPECT_INT(desfire_auth_aes_finish(&a, eka, &s), 0);
	EXPECT_INT(s.kind, DESFIRE_SESSION_AES);
	EXPECT(same(s.key, "F44B26F5C05DDD7110772281C4D066E8"));
	EXPECT(same(s.iv, "00000000000000000000000000000000"));
	/* finish wiped the authentication */
	EXPECT_INT(a.kind, DESFIRE_SESSION_NONE);

	/* a card without the key: its last block does not decrypt to RndA' */
	desfire_auth_aes_token(&a, key, rnda, ekb, token);
	eka[15] ^= 0x01;
	EXPECT_INT(desfire_auth_aes_finish(&a, eka, &s), -1);
	EXPECT_INT(s.kind, DESFIRE_SESSION_NONE);
	/* nor does it with another key */
	eka[15] ^= 0x01;
	key[0] = 1;
	desfire_auth_aes_token(&a, key, rnda, ekb, token);
	EXPECT_INT(desfire_auth_aes_finish(&a, eka, &s), -1);
	/* finish without a token: refused */
	EXPECT_INT(desfire_auth_aes_finish(&a, eka, &s), -1);
}

/*
 * Legacy DES, from its definition: the card sends E(RndB), reads the token
 * back by enciphering (P1 = E(C1), P2 = E(C2) ^ C1) and answers E(RndA').
 */
static void
test_auth_des(void)
{
	struct desfire_auth a;
	struct desfire_session s;
	uint8_t key[8] = { 0 }, rnda[8], rndb[8], ekb[8], token[16], p1[8], p2[8], rot[8], eka[8];

	fill(rnda, 8, 5);
	fill(rndb, 8, 6);
	desfire_des_encrypt(key, rndb, ekb);
	desfire_auth_des_token(&a, key, rnda, ekb, token);
	desfire_des_encrypt(key, token, p1);
	desfire_des_encrypt(key, token + 8, p2);
	for (int i = 0; i < 8; i++)
		p2[i] ^= token[i];
	EXPECT(memcmp(p1, rnda, 8) == 0);
	desfire_rotl(rot, rndb, 8);
	EXPECT(memcmp(p2, rot, 8) == 0);
	desfire_rotl(rot, rnda, 8);
	desfire_des_encrypt(key, rot, eka);
	EXPECT_INT(desfire_auth_des_finish(&a, eka, &s), 0);
	EXPECT_INT(s.kind, DESFIRE_SESSION_DES);
	EXPECT(memcmp(s.key, rnda, 4) == 0 && memcmp(s.key + 4, rndb, 4) == 0);

	desfire_auth_des_token(&a, key, rnda, ekb, token);
	eka[0] ^= 0x80;
	EXPECT_INT(desfire_auth_des_finish(&a, eka, &s), -1);
	EXPECT_INT(s.kind, DESFIRE_SESSION_NONE);
}

/* Two ends of one session: the host's and the card's copy. */
static void
pair(struct desfire_session *h, struct desfire_session *c)
{
	uint8_t rnda[16], rndb[16];

	fill(rnda, 16, 11);
	fill(rndb, 16, 12);
	desfire_session_begin(h, DESFIRE_SESSION_AES, rnda, rndb);
	*c = *h;
}

static void
test_answer_mac(void)
{
	struct desfire_session h, c;
	uint8_t cmd[8] = { 0x6F }, data[20], mac[8];

	pair(&h, &c);
	/* a command: both ends CMAC it, nothing is sent */
	desfire_session_cmac(&h, cmd, 1, NULL);
	desfire_session_cmac(&c, cmd, 1, NULL);
	EXPECT(memcmp(h.iv, c.iv, 16) == 0);
	fill(data, sizeof(data), 3);
	desfire_session_answer_mac(&c, data, sizeof(data), 0x00, mac);
	EXPECT_INT(desfire_session_check_answer(&h, data, sizeof(data), 0x00, mac), 0);
	EXPECT(memcmp(h.iv, c.iv, 16) == 0);
	/* the MAC of data || status is the CMAC of the two together */
	{
		struct desfire_session x = c;
		uint8_t both[21], m2[8];

		memcpy(both, data, 20);
		both[20] = 0x00;
		desfire_session_cmac(&x, both, 21, m2);
		desfire_session_answer_mac(&c, data, 20, 0x00, mac);
		EXPECT(memcmp(mac, m2, 8) == 0);
		h = c;
	}

	/* a wrong MAC, a wrong status, a changed byte: refused */
	{
		struct desfire_session x = c, y = h;

		desfire_session_answer_mac(&x, data, 20, 0x00, mac);
		mac[7] ^= 0x01;
		EXPECT_INT(desfire_session_check_answer(&y, data, 20, 0x00, mac), -1);
		x = c;
		y = h;
		desfire_session_answer_mac(&x, data, 20, 0x00, mac);
		EXPECT_INT(desfire_session_check_answer(&y, data, 20, 0xAF, mac), -1);
		x = c;
		y = h;
		desfire_session_answer_mac(&x, data, 20, 0x00, mac);
		data[0] ^= 0x01;
		EXPECT_INT(desfire_session_check_answer(&y, data, 20, 0x00, mac), -1);
		/* a MAC from an earlier point of the session (a replay) */
		data[0] ^= 0x01;
		x = c;
		desfire_session_answer_mac(&x, data, 20, 0x00, mac);
		desfire_session_answer_mac(&x, data, 20, 0x00, NULL);
		y = x;
		EXPECT_INT(desfire_session_check_answer(&y, data, 20, 0x00, mac), -1);
	}
}

static void
test_encipher_answer(void)
{
	struct desfire_session h, c;
	uint8_t buf[64], plain[16];

	fill(plain, sizeof(plain), 9);
	for (size_t len = 0; len <= 40; len++) {
		size_t n;

		pair(&h, &c);
		fill(buf, len, (uint32_t)len);
		memcpy(plain, buf, len < 16 ? len : 16);
		n = desfire_session_encipher_answer(&c, buf, len, 0x00, sizeof(buf));
		EXPECT_INT(n, (len + 4 + 15) / 16 * 16);
		EXPECT_INT(desfire_session_decipher_answer(&h, buf, n, 0x00, len), 0);
		EXPECT(memcmp(buf, plain, len < 16 ? len : 16) == 0);
		EXPECT(memcmp(h.iv, c.iv, 16) == 0);
	}
}

/* Encipher a hand-made plaintext (data || crc || pad) and decipher it. */
static int
decipher_made(const uint8_t *plain, size_t n, uint8_t status, size_t len)
{
	struct desfire_session h, c;
	uint8_t buf[64];

	pair(&h, &c);
	memcpy(buf, plain, n);
	EXPECT_INT(desfire_session_encrypt(&c, buf, n, sizeof(buf)), n);
	return desfire_session_decipher_answer(&h, buf, n, status, len);
}

static void
test_decipher_refusals(void)
{
	uint8_t p[48];
	uint32_t crc;

	/* a good one, made by hand: 16 data, CRC over data || 00, 12 zeros */
	fill(p, 16, 4);
	crc = desfire_crc32_update(desfire_crc32_update(DESFIRE_CRC32_INIT, p, 16), (const uint8_t *)"", 1);
	desfire_put_le32(p + 16, crc);
	memset(p + 20, 0, 28);
	EXPECT_INT(decipher_made(p, 32, 0x00, 16), 0);
	/* the status is part of the CRC */
	EXPECT_INT(decipher_made(p, 32, 0xAF, 16), -1);
	/* a bad CRC */
	p[17] ^= 0x04;
	EXPECT_INT(decipher_made(p, 32, 0x00, 16), -1);
	p[17] ^= 0x04;
	/* bad padding: a nonzero byte, or ISO 9797 method 2 (80 00..) */
	p[31] = 0x01;
	EXPECT_INT(decipher_made(p, 32, 0x00, 16), -1);
	p[31] = 0x00;
	p[20] = 0x80;
	EXPECT_INT(decipher_made(p, 32, 0x00, 16), -1);
	p[20] = 0x00;
	/* wrong lengths: one block, three blocks, a length the card did not
	 * promise (the CRC found at another place) */
	EXPECT_INT(decipher_made(p, 16, 0x00, 16), -1);
	EXPECT_INT(decipher_made(p, 48, 0x00, 16), -1);
	EXPECT_INT(decipher_made(p, 32, 0x00, 15), -1);
	EXPECT_INT(decipher_made(p, 32, 0x00, 12), -1);
	/* still good after all that */
	EXPECT_INT(decipher_made(p, 32, 0x00, 16), 0);
	/* a session with another key */
	{
		struct desfire_session h, c;
		uint8_t buf[32];

		pair(&h, &c);
		h.key[0] ^= 1;
		memcpy(buf, p, 32);
		desfire_session_encrypt(&c, buf, 32, sizeof(buf));
		EXPECT_INT(desfire_session_decipher_answer(&h, buf, 32, 0x00, 16), -1);
	}
}

static void
test_encipher_command(void)
{
	struct desfire_session h, c;
	uint8_t buf[64], cmd[24];
	size_t n;

	pair(&h, &c);
	/* WriteData file 1, offset 0, 16 bytes: 8 bytes in clear */
	memcpy(cmd, "\x3D\x01\x00\x00\x00\x10\x00\x00", 8);
	fill(cmd + 8, 16, 77);
	memcpy(buf, cmd, 24);
	n = desfire_session_encipher_command(&h, buf, 24, 8, sizeof(buf));
	EXPECT_INT(n, 8 + 32);
	EXPECT(memcmp(buf, cmd, 8) == 0);
	EXPECT(memcmp(buf + 8, cmd + 8, 16) != 0);
	EXPECT_INT(desfire_session_decrypt(&c, buf + 8, 32), 0);
	EXPECT(memcmp(buf + 8, cmd + 8, 16) == 0);
	EXPECT_INT(desfire_get_le32(buf + 24), desfire_crc32_update(DESFIRE_CRC32_INIT, cmd, 24));
	for (int i = 28; i < 40; i++)
		EXPECT_INT(buf[i], 0);
	EXPECT(memcmp(h.iv, c.iv, 16) == 0);
	/* too small a buffer: nothing */
	memcpy(buf, cmd, 24);
	EXPECT_INT(desfire_session_encipher_command(&h, buf, 24, 8, 39), 0);
	EXPECT_INT(desfire_session_encipher_command(&h, buf, 4, 8, sizeof(buf)), 0);
}

static void
test_change_key(void)
{
	struct desfire_session h, c;
	uint8_t out[34], newkey[16], oldkey[16], x[16], want[34];

	/* DESFire.pdf's PICC key change: C4 80, zero key, version 1 */
	pair(&h, &c);
	memset(newkey, 0, 16);
	EXPECT_INT(desfire_change_key_command(&h, 0x80, 1, newkey, NULL, 0x01, out), 34);
	EXPECT(out[0] == 0xC4 && out[1] == 0x80);
	EXPECT_INT(desfire_session_decrypt(&c, out + 2, 32), 0);
	memset(want, 0, sizeof(want));
	want[0] = 0xC4;
	want[1] = 0x80;
	want[18] = 0x01;
	hex("1DD9EAC2", want + 19, 4);
	EXPECT(memcmp(out, want, 34) == 0);

	/* another key: (new ^ old) || version || CRC32(all) || CRC32(new) */
	pair(&h, &c);
	fill(newkey, 16, 21);
	fill(oldkey, 16, 22);
	EXPECT_INT(desfire_change_key_command(&h, 0x01, 0, newkey, oldkey, 0x00, out), 34);
	EXPECT_INT(desfire_session_decrypt(&c, out + 2, 32), 0);
	for (int i = 0; i < 16; i++)
		x[i] = newkey[i] ^ oldkey[i];
	EXPECT(memcmp(out + 2, x, 16) == 0);
	EXPECT_INT(out[18], 0x00);
	EXPECT_INT(desfire_get_le32(out + 19), desfire_crc32_update(DESFIRE_CRC32_INIT, out, 19));
	EXPECT_INT(desfire_get_le32(out + 23), desfire_crc32_update(DESFIRE_CRC32_INIT, newkey, 16));
	for (int i = 27; i < 34; i++)
		EXPECT_INT(out[i], 0);
}

int
main(void)
{
	RUN(test_cmac_nist);
	RUN(test_cmac_against_evp);
	RUN(test_aes_cbc_nist);
	RUN(test_des);
	RUN(test_crc32);
	RUN(test_crc16);
	RUN(test_an10922);
	RUN(test_diversify_layout);
	RUN(test_auth_aes_vector);
	RUN(test_auth_des);
	RUN(test_answer_mac);
	RUN(test_encipher_answer);
	RUN(test_decipher_refusals);
	RUN(test_encipher_command);
	RUN(test_change_key);
	return TEST_REPORT();
}

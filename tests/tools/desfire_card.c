/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The DESFire EV1 card model: see desfire_card.h.  Where the datasheets
 * leave room, it does what libfreefare, proxmark3 and revk/DESFireAES,
 * which run against real cards, expect; the choices that matter are
 * commented where they are made.  Checked by hand once with Debian's
 * libfreefare 0.4.0 through libnfc and the emulator: it provisions, reads,
 * changes keys (the PICC's to AES too), formats and wipes the model as it
 * does a real card.
 */
#include "desfire_card.h"

#include <stdlib.h>
#include <string.h>

#define APPS		8
#define FILES		8
#define KEYS		14
#define BUF		(DESFIRE_CARD_FILE_MAX + 64)

/* Status codes (the second byte of 91 SS). */
enum {
	ST_OK = 0x00,
	ST_NO_CHANGES = 0x0C,
	ST_OUT_OF_EEPROM = 0x0E,
	ST_ILLEGAL_COMMAND = 0x1C,
	ST_INTEGRITY = 0x1E,
	ST_NO_SUCH_KEY = 0x40,
	ST_LENGTH = 0x7E,
	ST_PERMISSION = 0x9D,
	ST_PARAMETER = 0x9E,
	ST_APP_NOT_FOUND = 0xA0,
	ST_AUTH = 0xAE,
	ST_MORE = 0xAF,
	ST_BOUNDARY = 0xBE,
	ST_COUNT = 0xCE,
	ST_DUPLICATE = 0xDE,
	ST_FILE_NOT_FOUND = 0xF0,
};

struct key {
	uint8_t	key[DESFIRE_AES_KEY_LEN];
	uint8_t	version;
};

struct file {
	bool	used;
	uint8_t	no;
	uint8_t	comm;
	uint16_t access;
	uint32_t size;
	uint8_t	data[DESFIRE_CARD_FILE_MAX];
};

struct app {
	bool	used;
	uint32_t aid;
	uint8_t	settings;
	uint8_t	nkeys;
	struct key keys[KEYS];
	struct file files[FILES];
};

enum pending { IDLE, AUTH_AES, AUTH_DES, OUT_MORE, IN_MORE };

struct desfire_card {
	uint8_t	uid[10];
	size_t	uidlen;
	bool	picc_aes;
	struct key picc;
	uint8_t	picc_settings;
	struct app apps[APPS];

	/* What the card forgets when it leaves the field. */
	struct app *app;		/* selected; NULL: the PICC level */
	int	authkey;		/* -1: not authenticated */
	struct desfire_session s;
	enum pending pending;
	int	auth_keyno;
	uint8_t	auth_key[DESFIRE_AES_KEY_LEN];
	uint8_t	rndb[DESFIRE_AES_BLOCK];
	uint8_t	auth_iv[DESFIRE_AES_BLOCK];
	uint8_t	out[BUF];		/* an answer sent frame by frame */
	size_t	outlen, outpos;
	size_t	first;			/* the size of its first frames, */
	int	nfirst;			/* for so many; then frame_max */
	uint8_t	in[BUF];		/* a write arriving frame by frame */
	size_t	inlen, inneed;

	size_t	frame_max;
	bool	forced;
	uint8_t	forced_rndb[DESFIRE_AES_BLOCK];
	uint64_t rng;
};

static uint32_t
get24(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}

static void
random_bytes(struct desfire_card *c, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* xorshift64*: a test card needs unpredictable-looking
		 * numbers, not secret ones */
		c->rng ^= c->rng >> 12;
		c->rng ^= c->rng << 25;
		c->rng ^= c->rng >> 27;
		p[i] = (uint8_t)((c->rng * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

struct desfire_card *
desfire_card_new(const uint8_t *uid, size_t uidlen, uint64_t seed)
{
	struct desfire_card *c;

	if (uidlen > sizeof(c->uid) || (c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	memcpy(c->uid, uid, uidlen);
	c->uidlen = uidlen;
	c->picc_settings = 0x0F;
	c->frame_max = DESFIRE_CARD_FRAME_MAX;
	c->rng = seed ^ 0x9E3779B97F4A7C15ULL;
	if (c->rng == 0)
		c->rng = 1;
	desfire_card_reset(c);
	return c;
}

void
desfire_card_free(struct desfire_card *c)
{
	free(c);
}

static void
end_session(struct desfire_card *c)
{
	c->authkey = -1;
	desfire_session_end(&c->s);
}

void
desfire_card_reset(struct desfire_card *c)
{
	end_session(c);
	c->app = NULL;
	c->pending = IDLE;
	c->outlen = c->outpos = 0;
	c->inlen = c->inneed = 0;
}

static int
app_index(const struct desfire_card *c, uint32_t aid)
{
	for (int i = 0; i < APPS; i++)
		if (c->apps[i].used && c->apps[i].aid == aid)
			return i;
	return -1;
}

static struct app *
find_app(struct desfire_card *c, uint32_t aid)
{
	int i = app_index(c, aid);

	return i < 0 ? NULL : &c->apps[i];
}

static const struct file *
find_file_const(const struct app *a, uint8_t no)
{
	for (int i = 0; i < FILES; i++)
		if (a->files[i].used && a->files[i].no == no)
			return &a->files[i];
	return NULL;
}

static struct file *
find_file(struct app *a, uint8_t no)
{
	for (int i = 0; i < FILES; i++)
		if (a->files[i].used && a->files[i].no == no)
			return &a->files[i];
	return NULL;
}

void
desfire_card_set_picc_key(struct desfire_card *c, bool aes, const uint8_t *key, uint8_t settings)
{
	memset(&c->picc, 0, sizeof(c->picc));
	memcpy(c->picc.key, key, aes ? DESFIRE_AES_KEY_LEN : DESFIRE_DES_KEY_LEN);
	c->picc_aes = aes;
	c->picc_settings = settings;
}

int
desfire_card_add_app(struct desfire_card *c, uint32_t aid, uint8_t settings, uint8_t nkeys)
{
	if (aid == 0 || aid > 0xFFFFFF || nkeys < 1 || nkeys > KEYS || find_app(c, aid) != NULL)
		return -1;
	for (int i = 0; i < APPS; i++) {
		if (!c->apps[i].used) {
			memset(&c->apps[i], 0, sizeof(c->apps[i]));
			c->apps[i].used = true;
			c->apps[i].aid = aid;
			c->apps[i].settings = settings;
			c->apps[i].nkeys = nkeys;
			return 0;
		}
	}
	return -1;
}

int
desfire_card_set_key(struct desfire_card *c, uint32_t aid, uint8_t keyno,
    const uint8_t key[DESFIRE_AES_KEY_LEN], uint8_t version)
{
	struct app *a = find_app(c, aid);

	if (a == NULL || keyno >= a->nkeys)
		return -1;
	memcpy(a->keys[keyno].key, key, DESFIRE_AES_KEY_LEN);
	a->keys[keyno].version = version;
	return 0;
}

int
desfire_card_add_file(struct desfire_card *c, uint32_t aid, uint8_t fileno, uint8_t comm,
    uint16_t access, const uint8_t *data, size_t size)
{
	struct app *a = find_app(c, aid);

	if (a == NULL || fileno > 31 || size == 0 || size > DESFIRE_CARD_FILE_MAX ||
	    find_file(a, fileno) != NULL)
		return -1;
	for (int i = 0; i < FILES; i++) {
		struct file *f = &a->files[i];

		if (f->used)
			continue;
		memset(f, 0, sizeof(*f));
		f->used = true;
		f->no = fileno;
		f->comm = comm;
		f->access = access;
		f->size = (uint32_t)size;
		if (data != NULL)
			memcpy(f->data, data, size);
		return 0;
	}
	return -1;
}

bool
desfire_card_has_app(const struct desfire_card *c, uint32_t aid)
{
	return app_index(c, aid) >= 0;
}

int
desfire_card_get_key(const struct desfire_card *c, uint32_t aid, uint8_t keyno,
    uint8_t key[DESFIRE_AES_KEY_LEN])
{
	int i;

	if (aid == 0) {
		if (keyno != 0)
			return -1;
		memcpy(key, c->picc.key, DESFIRE_AES_KEY_LEN);
		return c->picc_aes ? DESFIRE_SESSION_AES : DESFIRE_SESSION_DES;
	}
	if ((i = app_index(c, aid)) < 0 || keyno >= c->apps[i].nkeys)
		return -1;
	memcpy(key, c->apps[i].keys[keyno].key, DESFIRE_AES_KEY_LEN);
	return DESFIRE_SESSION_AES;
}

int
desfire_card_read_file(const struct desfire_card *c, uint32_t aid, uint8_t fileno, uint8_t *buf,
    size_t size)
{
	const struct file *f;
	int i;

	if ((i = app_index(c, aid)) < 0 || (f = find_file_const(&c->apps[i], fileno)) == NULL)
		return -1;
	memcpy(buf, f->data, size < f->size ? size : f->size);
	return (int)f->size;
}

const uint8_t *
desfire_card_uid(const struct desfire_card *c, size_t *len)
{
	*len = c->uidlen;
	return c->uid;
}

void
desfire_card_force_rndb(struct desfire_card *c, const uint8_t rndb[DESFIRE_AES_BLOCK])
{
	memcpy(c->forced_rndb, rndb, DESFIRE_AES_BLOCK);
	c->forced = true;
}

void
desfire_card_session(const struct desfire_card *c, struct desfire_session *s)
{
	*s = c->s;
}

void
desfire_card_set_frame_max(struct desfire_card *c, size_t n)
{
	if (n >= 1 && n <= DESFIRE_CARD_FRAME_MAX)
		c->frame_max = n;
}

/* --- answers --- */

static size_t
iso(uint8_t *out, uint8_t sw1, uint8_t sw2)
{
	out[0] = sw1;
	out[1] = sw2;
	return 2;
}

/* An error: the card forgets its authentication and anything pending. */
static size_t
fail(struct desfire_card *c, uint8_t status, uint8_t *out)
{
	end_session(c);
	c->pending = IDLE;
	return iso(out, 0x91, status);
}

/* Send the next frame of the answer in c->out. */
static size_t
next_frame(struct desfire_card *c, uint8_t *out)
{
	size_t take = c->nfirst > 0 ? c->first : c->frame_max, n;

	if (c->nfirst > 0)
		c->nfirst--;
	n = c->outlen - c->outpos < take ? c->outlen - c->outpos : take;
	memcpy(out, c->out + c->outpos, n);
	c->outpos += n;
	if (c->outpos < c->outlen) {
		c->pending = OUT_MORE;
		return n + iso(out + n, 0x91, ST_MORE);
	}
	c->pending = IDLE;
	return n + iso(out + n, 0x91, ST_OK);
}

/*
 * A successful answer: its data (already in c->out, c->outlen bytes), the
 * CMAC of data || 00 when an AES session is on and mac is set, then cut
 * into frames of frame_max bytes, the first two of first bytes when that
 * is nonzero (GetVersion's 7 + 7 + the rest).
 */
static size_t
answer(struct desfire_card *c, bool mac, size_t first, uint8_t *out)
{
	if (mac && c->s.kind == DESFIRE_SESSION_AES) {
		desfire_session_answer_mac(&c->s, c->out, c->outlen, ST_OK, c->out + c->outlen);
		c->outlen += DESFIRE_MAC_LEN;
	}
	c->outpos = 0;
	c->first = first;
	c->nfirst = first != 0 ? 2 : 0;
	return next_frame(c, out);
}

static size_t
ok(struct desfire_card *c, uint8_t *out)
{
	c->outlen = 0;
	return answer(c, true, 0, out);
}

/* In an AES session the card CMACs each plain command it takes, so that
 * its answer's CMAC also covers the command. */
static void
mac_command(struct desfire_card *c, uint8_t ins, const uint8_t *d, size_t n)
{
	uint8_t cmd[1 + 255];

	if (c->s.kind != DESFIRE_SESSION_AES)
		return;
	cmd[0] = ins;
	memcpy(cmd + 1, d, n);
	desfire_session_cmac(&c->s, cmd, 1 + n, NULL);
}

/* --- commands --- */

static size_t
cmd_select(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	uint32_t aid;

	if (n != 3)
		return fail(c, ST_LENGTH, out);
	end_session(c);
	aid = get24(d);
	if (aid == 0) {
		c->app = NULL;
	} else if ((c->app = find_app(c, aid)) == NULL) {
		return fail(c, ST_APP_NOT_FOUND, out);
	}
	return iso(out, 0x91, ST_OK);
}

static size_t
cmd_auth(struct desfire_card *c, bool aes, const uint8_t *d, size_t n, uint8_t *out)
{
	size_t len = aes ? DESFIRE_AES_BLOCK : DESFIRE_DES_BLOCK;
	uint8_t keyno;

	if (n != 1)
		return fail(c, ST_LENGTH, out);
	end_session(c);
	keyno = d[0];
	if (c->app == NULL) {
		if (keyno != 0)
			return fail(c, ST_NO_SUCH_KEY, out);
		/* The method must fit the key: AES on a DES key is 0xAE. */
		if (aes != c->picc_aes)
			return fail(c, ST_AUTH, out);
		memcpy(c->auth_key, c->picc.key, DESFIRE_AES_KEY_LEN);
	} else {
		if (keyno >= c->app->nkeys)
			return fail(c, ST_NO_SUCH_KEY, out);
		if (!aes)
			return fail(c, ST_AUTH, out);
		memcpy(c->auth_key, c->app->keys[keyno].key, DESFIRE_AES_KEY_LEN);
	}
	if (c->forced) {
		memcpy(c->rndb, c->forced_rndb, sizeof(c->rndb));
		c->forced = false;
	} else {
		random_bytes(c, c->rndb, sizeof(c->rndb));
	}
	c->auth_keyno = keyno;
	memcpy(out, c->rndb, len);
	if (aes) {
		memset(c->auth_iv, 0, sizeof(c->auth_iv));
		desfire_aes_cbc_encrypt(c->auth_key, c->auth_iv, out, len);
		c->pending = AUTH_AES;
	} else {
		desfire_des_encrypt(c->auth_key, c->rndb, out);
		c->pending = AUTH_DES;
	}
	return len + iso(out + len, 0x91, ST_MORE);
}

/* The host's token: RndA || RndB<<<8, enciphered; answer E(RndA<<<8). */
static size_t
cmd_auth_token(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	uint8_t tok[2 * DESFIRE_AES_BLOCK], rot[DESFIRE_AES_BLOCK];
	bool aes = c->pending == AUTH_AES;
	size_t len = aes ? DESFIRE_AES_BLOCK : DESFIRE_DES_BLOCK;

	c->pending = IDLE;
	if (n != 2 * len)
		return fail(c, ST_LENGTH, out);
	memcpy(tok, d, n);
	if (aes) {
		desfire_aes_cbc_decrypt(c->auth_key, c->auth_iv, tok, n);
	} else {
		/* the inverse of the host's "send mode": P = E(C) ^ C-1 */
		uint8_t p[DESFIRE_DES_BLOCK];

		desfire_des_encrypt(c->auth_key, d, tok);
		desfire_des_encrypt(c->auth_key, d + len, p);
		for (size_t i = 0; i < len; i++)
			tok[len + i] = p[i] ^ d[i];
	}
	desfire_rotl(rot, c->rndb, len);
	if (memcmp(tok + len, rot, len) != 0)
		return fail(c, ST_AUTH, out);
	desfire_rotl(out, tok, len);
	if (aes) {
		desfire_aes_cbc_encrypt(c->auth_key, c->auth_iv, out, len);
		desfire_session_begin(&c->s, DESFIRE_SESSION_AES, tok, c->rndb);
	} else {
		memcpy(rot, out, len);
		desfire_des_encrypt(c->auth_key, rot, out);
		desfire_session_begin(&c->s, DESFIRE_SESSION_DES, tok, c->rndb);
	}
	c->authkey = c->auth_keyno;
	return len + iso(out + len, 0x91, ST_OK);
}

static size_t
cmd_get_version(struct desfire_card *c, size_t n, uint8_t *out)
{
	static const uint8_t hw[7] = { 0x04, 0x01, 0x01, 0x01, 0x00, 0x18, 0x05 };
	static const uint8_t sw[7] = { 0x04, 0x01, 0x01, 0x01, 0x04, 0x18, 0x05 };
	static const uint8_t batch[7] = { 0xBA, 0x7C, 0x4F, 0x3E, 0x80, 0x12, 0x19 };

	if (n != 0)
		return fail(c, ST_LENGTH, out);
	memcpy(c->out, hw, 7);
	memcpy(c->out + 7, sw, 7);
	memset(c->out + 14, 0, 7);
	memcpy(c->out + 14, c->uid, c->uidlen < 7 ? c->uidlen : 7);
	memcpy(c->out + 21, batch, 7);
	c->outlen = 28;
	return answer(c, true, 7, out);
}

static size_t
cmd_get_card_uid(struct desfire_card *c, size_t n, uint8_t *out)
{
	if (n != 0)
		return fail(c, ST_LENGTH, out);
	if (c->s.kind != DESFIRE_SESSION_AES)
		return fail(c, ST_AUTH, out);
	memset(c->out, 0, 7);
	memcpy(c->out, c->uid, c->uidlen < 7 ? c->uidlen : 7);
	c->outlen = desfire_session_encipher_answer(&c->s, c->out, 7, ST_OK, sizeof(c->out));
	return answer(c, false, 0, out);
}

static bool
picc_master(const struct desfire_card *c)
{
	return c->app == NULL && c->authkey == 0;
}

static size_t
cmd_get_app_ids(struct desfire_card *c, size_t n, uint8_t *out)
{
	if (n != 0)
		return fail(c, ST_LENGTH, out);
	if (c->app != NULL)
		return fail(c, ST_ILLEGAL_COMMAND, out);
	if (!(c->picc_settings & 0x02) && !picc_master(c))
		return fail(c, ST_AUTH, out);
	c->outlen = 0;
	for (int i = 0; i < APPS; i++) {
		if (!c->apps[i].used)
			continue;
		c->out[c->outlen++] = (uint8_t)c->apps[i].aid;
		c->out[c->outlen++] = (uint8_t)(c->apps[i].aid >> 8);
		c->out[c->outlen++] = (uint8_t)(c->apps[i].aid >> 16);
	}
	return answer(c, true, 0, out);
}

static size_t
cmd_get_key_settings(struct desfire_card *c, size_t n, uint8_t *out)
{
	if (n != 0)
		return fail(c, ST_LENGTH, out);
	if (c->app == NULL) {
		c->out[0] = c->picc_settings;
		c->out[1] = c->picc_aes ? 0x81 : 0x01;
	} else {
		c->out[0] = c->app->settings;
		c->out[1] = (uint8_t)(0x80 | c->app->nkeys);
	}
	c->outlen = 2;
	return answer(c, true, 0, out);
}

static size_t
cmd_create_app(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	uint32_t aid;

	if (n != 5)
		return fail(c, ST_LENGTH, out);
	if (c->app != NULL)
		return fail(c, ST_PERMISSION, out);
	if (!(c->picc_settings & 0x04) && !picc_master(c))
		return fail(c, ST_AUTH, out);
	aid = get24(d);
	/* AES applications only (key settings byte 2, bits 7-6 = 10) */
	if (aid == 0 || (d[4] & 0xC0) != 0x80 || (d[4] & 0x0F) < 1 || (d[4] & 0x0F) > KEYS)
		return fail(c, ST_PARAMETER, out);
	if (find_app(c, aid) != NULL)
		return fail(c, ST_DUPLICATE, out);
	if (desfire_card_add_app(c, aid, d[3], d[4] & 0x0F) == -1)
		return fail(c, ST_COUNT, out);
	return ok(c, out);
}

/*
 * Deleting an application: the PICC master key may always; the
 * application's own master key, with that application selected, only
 * where the PICC's key settings let anyone create and delete (bit 2).
 * The datasheets read both ways on that last point; a card that refuses
 * here is the stricter reading, and the host must then fall back on the
 * PICC master key.
 */
static size_t
cmd_delete_app(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	struct app *a;
	size_t len;

	if (n != 3)
		return fail(c, ST_LENGTH, out);
	if ((a = find_app(c, get24(d))) == NULL)
		return fail(c, ST_APP_NOT_FOUND, out);
	if (!picc_master(c) &&
	    !(c->app == a && c->authkey == 0 && (c->picc_settings & 0x04)))
		return fail(c, ST_AUTH, out);
	len = ok(c, out);
	memset(a, 0, sizeof(*a));
	if (c->app == a) {
		end_session(c);
		c->app = NULL;
	}
	return len;
}

static size_t
cmd_format(struct desfire_card *c, size_t n, uint8_t *out)
{
	size_t len;

	if (n != 0)
		return fail(c, ST_LENGTH, out);
	if (!picc_master(c))
		return fail(c, ST_AUTH, out);
	len = ok(c, out);
	memset(c->apps, 0, sizeof(c->apps));
	end_session(c);
	return len;
}

static bool
zeros(const uint8_t *p, size_t n)
{
	uint8_t x = 0;

	for (size_t i = 0; i < n; i++)
		x |= p[i];
	return x == 0;
}

/*
 * ChangeKey of the PICC master key in a legacy DES session (the one change
 * a factory card needs: to AES, key number 0x80): the host "sends" with
 * DES decipher, so the card reads each block as E(C) ^ previous C; the
 * plaintext is key (16) [version] CRC16 and zeros.
 */
static size_t
change_picc_key_des(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	uint8_t p[24], prev[DESFIRE_DES_BLOCK] = { 0 };
	bool aes = d[0] & 0x80;
	size_t klen = aes ? 17 : 16;

	if (n != 1 + sizeof(p))
		return fail(c, ST_LENGTH, out);
	/* enciphered with the session key, not the PICC key */
	for (size_t off = 0; off < sizeof(p); off += DESFIRE_DES_BLOCK) {
		desfire_des_encrypt(c->s.key, d + 1 + off, p + off);
		for (size_t i = 0; i < DESFIRE_DES_BLOCK; i++)
			p[off + i] ^= prev[i];
		memcpy(prev, d + 1 + off, DESFIRE_DES_BLOCK);
	}
	if (desfire_crc16(p, klen) != (p[klen] | p[klen + 1] << 8) ||
	    !zeros(p + klen + 2, sizeof(p) - klen - 2))
		return fail(c, ST_INTEGRITY, out);
	desfire_card_set_picc_key(c, aes, p, c->picc_settings);
	c->picc.version = aes ? p[16] : 0;
	end_session(c);
	return iso(out, 0x91, ST_OK);
}

static size_t
cmd_change_key(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	uint8_t p[2 * DESFIRE_AES_BLOCK], hdr[2] = { 0xC4, d[0] }, newkey[DESFIRE_AES_KEY_LEN];
	uint8_t keyno, rights;
	uint32_t crc;
	bool same, allowed;

	if (n < 1)
		return fail(c, ST_LENGTH, out);
	if (c->authkey < 0)
		return fail(c, ST_AUTH, out);
	if (c->app == NULL) {
		if ((d[0] & 0x3F) != 0)
			return fail(c, ST_NO_SUCH_KEY, out);
		if (!(c->picc_settings & 0x01))
			return fail(c, ST_PERMISSION, out);
		if ((d[0] & 0x40) != 0)
			return fail(c, ST_PARAMETER, out);	/* 3K3DES */
		if (c->s.kind == DESFIRE_SESSION_DES)
			return change_picc_key_des(c, d, n, out);
		if ((d[0] & 0x80) == 0)
			return fail(c, ST_PARAMETER, out);	/* AES to DES */
		keyno = 0;
	} else {
		keyno = d[0];
		if (keyno >= c->app->nkeys)
			return fail(c, ST_NO_SUCH_KEY, out);
		/* Who may change which key: key settings bits 7-4 (0: the
		 * master key, E: the key itself, F: none, else that key);
		 * the master key itself only if bit 0 allows. */
		rights = c->app->settings >> 4;
		if (keyno == 0)
			allowed = c->authkey == 0 && (c->app->settings & 0x01);
		else if (rights == 0xF)
			allowed = false;
		else if (rights == 0xE)
			allowed = c->authkey == keyno;
		else
			allowed = c->authkey == rights;
		if (!allowed)
			return fail(c, ST_AUTH, out);
	}
	if (n != 1 + sizeof(p))
		return fail(c, ST_LENGTH, out);
	memcpy(p, d + 1, sizeof(p));
	desfire_session_decrypt(&c->s, p, sizeof(p));
	same = keyno == c->authkey;
	crc = desfire_crc32_update(desfire_crc32_update(DESFIRE_CRC32_INIT, hdr, 2), p, 17);
	if (desfire_get_le32(p + 17) != crc)
		return fail(c, ST_INTEGRITY, out);
	memcpy(newkey, p, sizeof(newkey));
	if (!same) {
		const uint8_t *old = c->app != NULL ? c->app->keys[keyno].key : c->picc.key;

		for (size_t i = 0; i < sizeof(newkey); i++)
			newkey[i] ^= old[i];
		if (desfire_get_le32(p + 21) != desfire_crc32_update(DESFIRE_CRC32_INIT, newkey,
		    sizeof(newkey)) || !zeros(p + 25, sizeof(p) - 25))
			return fail(c, ST_INTEGRITY, out);
	} else if (!zeros(p + 21, sizeof(p) - 21)) {
		return fail(c, ST_INTEGRITY, out);
	}
	if (c->app == NULL) {
		desfire_card_set_picc_key(c, true, newkey, c->picc_settings);
		c->picc.version = p[16];
	} else {
		desfire_card_set_key(c, c->app->aid, keyno, newkey, p[16]);
	}
	/* Changing the key the session stands on ends the session: the
	 * answer comes without a MAC (which is why the master key goes
	 * last). */
	if (same) {
		end_session(c);
		return iso(out, 0x91, ST_OK);
	}
	return ok(c, out);
}

/* May the session list and describe the application's files? */
static bool
may_list(const struct desfire_card *c)
{
	return (c->app->settings & 0x02) || c->authkey == 0;
}

static size_t
cmd_create_file(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	uint32_t size;

	if (c->app == NULL)
		return fail(c, ST_PERMISSION, out);
	if (n != 7)
		return fail(c, ST_LENGTH, out);
	if (!(c->app->settings & 0x04) && c->authkey != 0)
		return fail(c, ST_AUTH, out);
	size = get24(d + 4);
	if (d[0] > 31 || (d[1] & 0x03) == 0x02 || size == 0)
		return fail(c, ST_PARAMETER, out);
	if (size > DESFIRE_CARD_FILE_MAX)
		return fail(c, ST_OUT_OF_EEPROM, out);
	if (find_file(c->app, d[0]) != NULL)
		return fail(c, ST_DUPLICATE, out);
	if (desfire_card_add_file(c, c->app->aid, d[0], d[1] & 0x03,
	    (uint16_t)(d[2] | d[3] << 8), NULL, size) == -1)
		return fail(c, ST_COUNT, out);
	return ok(c, out);
}

static size_t
cmd_get_file_ids(struct desfire_card *c, size_t n, uint8_t *out)
{
	if (c->app == NULL)
		return fail(c, ST_PERMISSION, out);
	if (n != 0)
		return fail(c, ST_LENGTH, out);
	if (!may_list(c))
		return fail(c, ST_AUTH, out);
	c->outlen = 0;
	for (int i = 0; i < FILES; i++)
		if (c->app->files[i].used)
			c->out[c->outlen++] = c->app->files[i].no;
	return answer(c, true, 0, out);
}

static size_t
cmd_get_file_settings(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	struct file *f;

	if (c->app == NULL)
		return fail(c, ST_PERMISSION, out);
	if (n != 1)
		return fail(c, ST_LENGTH, out);
	if (!may_list(c))
		return fail(c, ST_AUTH, out);
	if ((f = find_file(c->app, d[0])) == NULL)
		return fail(c, ST_FILE_NOT_FOUND, out);
	c->out[0] = 0x00;		/* standard data file */
	c->out[1] = f->comm;
	c->out[2] = (uint8_t)f->access;
	c->out[3] = (uint8_t)(f->access >> 8);
	c->out[4] = (uint8_t)f->size;
	c->out[5] = (uint8_t)(f->size >> 8);
	c->out[6] = (uint8_t)(f->size >> 16);
	c->outlen = 7;
	return answer(c, true, 0, out);
}

/*
 * Access to a file for reading or writing.  Rights are nibbles: read
 * (15-12), write (11-8), read&write (7-4), change (3-0); E is free, F
 * never.  As the status codes say: a file no key may read is the card's
 * configuration (9D, permission denied), a session without the key its
 * authentication status (AE).  Returns 0 when the session may, 1 when
 * access is free (data then travels plain), else the status to fail with.
 */
static int
file_access(const struct desfire_card *c, const struct file *f, bool write)
{
	int mine = write ? (f->access >> 8) & 0xF : f->access >> 12;
	int rw = (f->access >> 4) & 0xF;

	if (mine == 0xE || rw == 0xE)
		return 1;
	if (mine == 0xF && rw == 0xF)
		return ST_PERMISSION;
	if (c->authkey < 0 || (c->authkey != mine && c->authkey != rw))
		return ST_AUTH;
	return 0;
}

static size_t
cmd_read(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	struct file *f;
	uint32_t off, len;
	int acc;

	if (c->app == NULL)
		return fail(c, ST_PERMISSION, out);
	if (n != 7)
		return fail(c, ST_LENGTH, out);
	if ((f = find_file(c->app, d[0])) == NULL)
		return fail(c, ST_FILE_NOT_FOUND, out);
	if ((acc = file_access(c, f, false)) > 1)
		return fail(c, (uint8_t)acc, out);
	off = get24(d + 1);
	len = get24(d + 4);
	if (off >= f->size || len > f->size - off)
		return fail(c, ST_BOUNDARY, out);
	if (len == 0)
		len = f->size - off;
	memcpy(c->out, f->data + off, len);
	c->outlen = len;
	/* An AES session MACs plain and MACed data alike (the 4-byte MAC of
	 * MACed files belongs to DES sessions, not modelled). */
	if (acc == 0 && f->comm == DESFIRE_COMM_ENC) {
		c->outlen = desfire_session_encipher_answer(&c->s, c->out, len, ST_OK,
		    sizeof(c->out));
		return answer(c, false, 0, out);
	}
	return answer(c, true, 0, out);
}

/* The whole length a write of len bytes takes, its 7 header bytes on. */
static size_t
write_length(const struct desfire_card *c, const struct file *f, int acc, size_t len)
{
	if (acc == 1 || c->s.kind != DESFIRE_SESSION_AES || f->comm == DESFIRE_COMM_PLAIN)
		return 7 + len;
	if (f->comm == DESFIRE_COMM_MAC)
		return 7 + len + DESFIRE_MAC_LEN;
	return 7 + (len + DESFIRE_CRC32_LEN + 15) / 16 * 16;
}

static size_t
cmd_write_whole(struct desfire_card *c, const uint8_t *d, size_t n, struct file *f, int acc,
    uint8_t *out)
{
	uint8_t cmd[BUF];
	uint32_t off = get24(d + 1), len = get24(d + 4);
	uint8_t *data = cmd + 8;

	cmd[0] = 0x3D;
	memcpy(cmd + 1, d, n);
	if (acc == 0 && c->s.kind == DESFIRE_SESSION_AES && f->comm == DESFIRE_COMM_ENC) {
		if (desfire_session_decrypt(&c->s, data, n - 7) == -1 ||
		    desfire_get_le32(data + len) != desfire_crc32_update(DESFIRE_CRC32_INIT, cmd, 8 + len) ||
		    !zeros(data + len + DESFIRE_CRC32_LEN, n - 7 - len - DESFIRE_CRC32_LEN))
			return fail(c, ST_INTEGRITY, out);
	} else if (acc == 0 && c->s.kind == DESFIRE_SESSION_AES && f->comm == DESFIRE_COMM_MAC) {
		uint8_t mac[DESFIRE_MAC_LEN];

		desfire_session_cmac(&c->s, cmd, 8 + len, mac);
		if (memcmp(mac, data + len, DESFIRE_MAC_LEN) != 0)
			return fail(c, ST_INTEGRITY, out);
	} else {
		mac_command(c, 0x3D, d, n);
	}
	memcpy(f->data + off, data, len);
	return ok(c, out);
}

static size_t
cmd_write(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	struct file *f;
	uint32_t off, len;
	size_t need;
	int acc;

	if (c->app == NULL)
		return fail(c, ST_PERMISSION, out);
	if (n < 7)
		return fail(c, ST_LENGTH, out);
	if ((f = find_file(c->app, d[0])) == NULL)
		return fail(c, ST_FILE_NOT_FOUND, out);
	if ((acc = file_access(c, f, true)) > 1)
		return fail(c, (uint8_t)acc, out);
	off = get24(d + 1);
	len = get24(d + 4);
	if (len == 0 || off >= f->size || len > f->size - off)
		return fail(c, ST_BOUNDARY, out);
	need = write_length(c, f, acc, len);
	if (n > need)
		return fail(c, ST_LENGTH, out);
	if (n < need) {
		/* the rest comes in 90 AF frames */
		memcpy(c->in, d, n);
		c->inlen = n;
		c->inneed = need;
		c->pending = IN_MORE;
		return iso(out, 0x91, ST_MORE);
	}
	return cmd_write_whole(c, d, n, f, acc, out);
}

/* The next part of a write. */
static size_t
cmd_write_more(struct desfire_card *c, const uint8_t *d, size_t n, uint8_t *out)
{
	struct file *f;

	if (c->inlen + n > c->inneed)
		return fail(c, ST_LENGTH, out);
	memcpy(c->in + c->inlen, d, n);
	c->inlen += n;
	if (c->inlen < c->inneed)
		return iso(out, 0x91, ST_MORE);
	c->pending = IDLE;
	/* file and rights were checked on the first frame */
	if (c->app == NULL || (f = find_file(c->app, c->in[0])) == NULL)
		return fail(c, ST_FILE_NOT_FOUND, out);
	return cmd_write_whole(c, c->in, c->inlen, f, file_access(c, f, true), out);
}

static size_t
native(struct desfire_card *c, uint8_t ins, const uint8_t *d, size_t n, uint8_t *out)
{
	enum pending was = c->pending;

	if (ins == 0xAF) {
		switch (was) {
		case AUTH_AES:
		case AUTH_DES:
			return cmd_auth_token(c, d, n, out);
		case OUT_MORE:
			if (n != 0)
				return fail(c, ST_LENGTH, out);
			return next_frame(c, out);
		case IN_MORE:
			return cmd_write_more(c, d, n, out);
		case IDLE:
			break;
		}
		return fail(c, ST_ILLEGAL_COMMAND, out);
	}
	/* Any other command abandons what was half done. */
	c->pending = IDLE;
	if (was == AUTH_AES || was == AUTH_DES)
		end_session(c);
	switch (ins) {
	case 0x5A:
		return cmd_select(c, d, n, out);
	case 0x0A:
		return cmd_auth(c, false, d, n, out);
	case 0xAA:
		return cmd_auth(c, true, d, n, out);
	case 0xC4:
		return cmd_change_key(c, d, n, out);
	case 0x3D:
		return cmd_write(c, d, n, out);
	}
	mac_command(c, ins, d, n);
	switch (ins) {
	case 0x60:
		return cmd_get_version(c, n, out);
	case 0x51:
		return cmd_get_card_uid(c, n, out);
	case 0x6A:
		return cmd_get_app_ids(c, n, out);
	case 0x45:
		return cmd_get_key_settings(c, n, out);
	case 0xCA:
		return cmd_create_app(c, d, n, out);
	case 0xDA:
		return cmd_delete_app(c, d, n, out);
	case 0xFC:
		return cmd_format(c, n, out);
	case 0xCD:
		return cmd_create_file(c, d, n, out);
	case 0x6F:
		return cmd_get_file_ids(c, n, out);
	case 0xF5:
		return cmd_get_file_settings(c, d, n, out);
	case 0xBD:
		return cmd_read(c, d, n, out);
	}
	return fail(c, ST_ILLEGAL_COMMAND, out);
}

size_t
desfire_card_apdu(struct desfire_card *c, const uint8_t *apdu, size_t n, uint8_t *out, size_t size)
{
	size_t lc;

	if (size < DESFIRE_CARD_ANSWER_MAX)
		return 0;
	if (n < 5)
		return iso(out, 0x67, 0x00);
	if (apdu[0] != 0x90)
		return iso(out, 0x6E, 0x00);
	if (apdu[2] != 0x00 || apdu[3] != 0x00)
		return iso(out, 0x6A, 0x86);
	/* 90 INS 00 00 Le, or 90 INS 00 00 Lc data Le */
	lc = n == 5 ? 0 : apdu[4];
	if (n != 5 && n != 6 + lc)
		return iso(out, 0x67, 0x00);
	return native(c, apdu[1], apdu + 5, lc, out);
}

/* The export: a tag with the struct sizes (another build reads nothing),
 * then the kept fields as they lie in memory: plain data, no pointers. */
struct kept {
	char	tag[8];
	uint32_t size_app, size_key;
	uint8_t	uid[10];
	size_t	uidlen;
	bool	picc_aes;
	struct key picc;
	uint8_t	picc_settings;
	struct app apps[APPS];
};
_Static_assert(sizeof(struct kept) <= DESFIRE_CARD_EXPORT_MAX, "an export fits");

size_t
desfire_card_export(const struct desfire_card *c, uint8_t *buf, size_t size)
{
	struct kept k;

	if (size < sizeof(k))
		return 0;
	memset(&k, 0, sizeof(k));
	memcpy(k.tag, "dfcard1", 8);
	k.size_app = sizeof(struct app);
	k.size_key = sizeof(struct key);
	memcpy(k.uid, c->uid, sizeof(k.uid));
	k.uidlen = c->uidlen;
	k.picc_aes = c->picc_aes;
	k.picc = c->picc;
	k.picc_settings = c->picc_settings;
	memcpy(k.apps, c->apps, sizeof(k.apps));
	memcpy(buf, &k, sizeof(k));
	return sizeof(k);
}

struct desfire_card *
desfire_card_import(const uint8_t *buf, size_t n, uint64_t seed)
{
	struct desfire_card *c;
	struct kept k;

	if (n != sizeof(k))
		return NULL;
	memcpy(&k, buf, sizeof(k));
	if (memcmp(k.tag, "dfcard1", 8) != 0 || k.size_app != sizeof(struct app) ||
	    k.size_key != sizeof(struct key) || k.uidlen > sizeof(k.uid) ||
	    (c = desfire_card_new(k.uid, k.uidlen, seed)) == NULL)
		return NULL;
	c->picc_aes = k.picc_aes;
	c->picc = k.picc;
	c->picc_settings = k.picc_settings;
	memcpy(c->apps, k.apps, sizeof(c->apps));
	return c;
}

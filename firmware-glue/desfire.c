/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "desfire.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* The card's status codes this file acts on. */
#define ST_OK		0x00
#define ST_INTEGRITY	0x1E
#define ST_NO_SUCH_KEY	0x40
#define ST_PERMISSION	0x9D
#define ST_APP_NOT_FOUND 0xA0
#define ST_AUTH		0xAE
#define ST_MORE		0xAF
#define ST_DUPLICATE	0xDE

/* What each exchange may send, chained frames included. */
#define FRAMES_READ	12
#define FRAMES_PROVISION 48
#define FRAMES_WIPE	16
/* Chained answers: no answer we take is longer than 40 bytes. */
#define ANSWER_MAX	128
#define TX_MAX		64

#define APP_SETTINGS	0x0B
#define APP_KEYS	0x82		/* AES, 2 keys */
#define FILE_NO		0x01
#define FILE_COMM_ENC	0x03
/* read key 1, write key 0, read&write never, change key 0; sent low
 * byte first: F0 10 */
#define FILE_ACCESS	0x10F0
#define KEY_VERSION	0x00

/* A step's outcome: one of enum desfire_result, or REFUSED, a well-formed
 * error status from the card (in x->status). */
#define REFUSED		(-1)

struct xchg {
	const struct desfire_io *io;
	struct desfire_report *rep;
	int	left;			/* APDUs it may still send */
	struct desfire_session s;
	bool	iso;			/* the last answer ended with SW1 != 91 */
	uint8_t	status;			/* its 91 SS */
	uint8_t	ans[ANSWER_MAX];	/* its data, every frame's */
	size_t	anslen;
};

static const uint8_t zero_key[DESFIRE_AES_KEY_LEN];

const char *
desfire_result_str(enum desfire_result r)
{
	switch (r) {
	case DESFIRE_OK:		return "ok";
	case DESFIRE_NO_APP:		return "no application";
	case DESFIRE_AUTH_FAILED:	return "authentication failed";
	case DESFIRE_GONE:		return "card gone";
	case DESFIRE_PROTOCOL:		return "protocol error";
	}
	return "unknown result";
}

const char *
desfire_step_str(enum desfire_step s)
{
	switch (s) {
	case DESFIRE_STEP_NONE:		return "start";
	case DESFIRE_STEP_SELECT_PICC:	return "select card level";
	case DESFIRE_STEP_AUTH_PICC:	return "authenticate card master key";
	case DESFIRE_STEP_CREATE_APP:	return "create application";
	case DESFIRE_STEP_SELECT_APP:	return "select application";
	case DESFIRE_STEP_AUTH_KEY0:	return "authenticate key 0";
	case DESFIRE_STEP_CHANGE_KEY1:	return "change key 1";
	case DESFIRE_STEP_CHANGE_KEY0:	return "change key 0";
	case DESFIRE_STEP_FILE:		return "create file";
	case DESFIRE_STEP_WRITE:	return "write credential";
	case DESFIRE_STEP_AUTH_KEY1:	return "authenticate key 1";
	case DESFIRE_STEP_READ:		return "read credential";
	case DESFIRE_STEP_VERIFY:	return "verify credential";
	case DESFIRE_STEP_DELETE_APP:	return "delete application";
	}
	return "unknown step";
}

static void
xchg_begin(struct xchg *x, const struct desfire_io *io, struct desfire_report *rep,
    struct desfire_report *spare, int frames)
{
	memset(x, 0, sizeof(*x));
	x->io = io;
	x->rep = rep != NULL ? rep : spare;
	x->left = frames;
	x->rep->step = DESFIRE_STEP_NONE;
	x->rep->status = -1;
	x->rep->exchanges = 0;
}

static void
xchg_end(struct xchg *x)
{
	desfire_session_end(&x->s);
	explicit_bzero(x->ans, sizeof(x->ans));
	x->anslen = 0;
}

static void
step(struct xchg *x, enum desfire_step st)
{
	x->rep->step = st;
}

static int
random_bytes(const struct desfire_io *io, uint8_t *p, size_t n)
{
	if (io->random != NULL)
		return io->random(io->arg, p, n);
	while (n > 0) {
		ssize_t r = getrandom(p, n, 0);

		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/*
 * Send INS and its data as 90 INS 00 00 [Lc data] 00 and take the answer
 * (data 91 SS); when chain is set, fetch the frames of a 91 AF answer with
 * 90 AF 00 00 00 and gather their data.  Returns DESFIRE_OK when a
 * well-formed answer came, whatever its status (x->status; x->iso when the
 * card answered with another ISO status word), DESFIRE_GONE when none
 * came, DESFIRE_PROTOCOL for a malformed one, too long a chain or too many
 * APDUs.
 */
static int
xfer(struct xchg *x, uint8_t ins, const uint8_t *data, size_t n, bool chain)
{
	uint8_t tx[TX_MAX], rx[DESFIRE_RX_MAX];
	size_t txlen = 0;
	int r, rc = DESFIRE_PROTOCOL;

	x->anslen = 0;
	x->iso = false;
	x->rep->status = -1;
	if (n > TX_MAX - 6)
		return DESFIRE_PROTOCOL;
	tx[txlen++] = 0x90;
	tx[txlen++] = ins;
	tx[txlen++] = 0x00;
	tx[txlen++] = 0x00;
	if (n > 0) {
		tx[txlen++] = (uint8_t)n;
		memcpy(tx + txlen, data, n);
		txlen += n;
	}
	tx[txlen++] = 0x00;
	for (;;) {
		size_t len;

		if (x->left <= 0)
			goto out;
		x->left--;
		x->rep->exchanges++;
		r = x->io->transceive(x->io->arg, tx, txlen, rx, sizeof(rx));
		if (r < 0) {
			rc = DESFIRE_GONE;
			goto out;
		}
		if (r < 2 || (size_t)r > sizeof(rx))
			goto out;
		len = (size_t)r - 2;
		if (rx[len] != 0x91) {
			x->iso = true;
			rc = len == 0 ? DESFIRE_OK : DESFIRE_PROTOCOL;
			goto out;
		}
		x->status = rx[len + 1];
		x->rep->status = x->status;
		if (len > sizeof(x->ans) - x->anslen)
			goto out;
		memcpy(x->ans + x->anslen, rx, len);
		x->anslen += len;
		if (!chain || x->status != ST_MORE)
			break;
		txlen = 0;
		tx[txlen++] = 0x90;
		tx[txlen++] = ST_MORE;
		tx[txlen++] = 0x00;
		tx[txlen++] = 0x00;
		tx[txlen++] = 0x00;
	}
	/* An error is a bare status: data with it is not a DESFire answer. */
	if (x->status != ST_OK && x->status != ST_MORE && x->anslen != 0)
		goto out;
	rc = DESFIRE_OK;
out:
	explicit_bzero(rx, sizeof(rx));
	explicit_bzero(tx, sizeof(tx));
	return rc;
}

/* Select an application (0: the card level), which ends any session. */
static int
select_app(struct xchg *x, uint32_t aid)
{
	uint8_t d[3] = { (uint8_t)aid, (uint8_t)(aid >> 8), (uint8_t)(aid >> 16) };
	int r;

	desfire_session_end(&x->s);
	if ((r = xfer(x, 0x5A, d, sizeof(d), false)) != DESFIRE_OK)
		return r;
	/* A card that answers the wrapped command with another ISO status
	 * (6E 00: class not supported) is an ISO 14443-4 card but no
	 * DESFire: as much not ours as one without the application. */
	if (x->iso || x->status == ST_APP_NOT_FOUND)
		return DESFIRE_NO_APP;
	if (x->status != ST_OK || x->anslen != 0)
		return DESFIRE_PROTOCOL;
	return DESFIRE_OK;
}

/*
 * Authenticate with key keyno: AES, or legacy DES with the first 8 bytes
 * of key.  Returns DESFIRE_OK with x->s begun; REFUSED (the card's status
 * in x->status); DESFIRE_AUTH_FAILED when the card claimed success without
 * proving the key; DESFIRE_GONE, DESFIRE_PROTOCOL.
 */
static int
authenticate(struct xchg *x, bool aes, uint8_t keyno, const uint8_t *key)
{
	struct desfire_auth a;
	uint8_t rnda[DESFIRE_AES_BLOCK], token[2 * DESFIRE_AES_BLOCK];
	size_t blk = aes ? DESFIRE_AES_BLOCK : DESFIRE_DES_BLOCK;
	int r;

	desfire_session_end(&x->s);
	if ((r = xfer(x, aes ? 0xAA : 0x0A, &keyno, 1, false)) != DESFIRE_OK)
		return r;
	if (x->iso)
		return DESFIRE_PROTOCOL;
	if (x->status != ST_MORE)
		return REFUSED;
	if (x->anslen != blk)
		return DESFIRE_PROTOCOL;
	if (random_bytes(x->io, rnda, blk) == -1)
		return DESFIRE_GONE;
	if (aes)
		desfire_auth_aes_token(&a, key, rnda, x->ans, token);
	else
		desfire_auth_des_token(&a, key, rnda, x->ans, token);
	explicit_bzero(rnda, sizeof(rnda));
	r = xfer(x, 0xAF, token, 2 * blk, false);
	explicit_bzero(token, sizeof(token));
	if (r != DESFIRE_OK)
		goto out;
	r = DESFIRE_PROTOCOL;
	if (x->iso)
		goto out;
	if (x->status != ST_OK) {
		r = REFUSED;
		goto out;
	}
	if (x->anslen != blk)
		goto out;
	if ((aes ? desfire_auth_aes_finish(&a, x->ans, &x->s) :
	    desfire_auth_des_finish(&a, x->ans, &x->s)) == -1) {
		r = DESFIRE_AUTH_FAILED;
		goto out;
	}
	r = DESFIRE_OK;
out:
	desfire_auth_wipe(&a);
	return r;
}

/* What a refused or failed authentication means. */
static enum desfire_result
auth_result(const struct xchg *x, int r)
{
	if (r == REFUSED)
		return x->status == ST_AUTH || x->status == ST_NO_SUCH_KEY ||
		    x->status == ST_PERMISSION ? DESFIRE_AUTH_FAILED : DESFIRE_PROTOCOL;
	return (enum desfire_result)r;
}

/* A refusal anywhere else is the card not doing what it should. */
static enum desfire_result
result(int r)
{
	return r == REFUSED ? DESFIRE_PROTOCOL : (enum desfire_result)r;
}

#define ANY_LENGTH	((size_t)-1)
#define MAC_OPTIONAL	0x01

/*
 * A command sent plain: in an AES session CMACed on both sides (nothing
 * sent), and its answer's MAC checked and taken off.  The answer's data
 * must be want bytes (or ANY_LENGTH).  MAC_OPTIONAL takes a bare 91 00
 * too (an answer that ends the session).  Returns DESFIRE_OK with the data
 * in x->ans, REFUSED, DESFIRE_GONE or DESFIRE_PROTOCOL.
 */
static int
plain(struct xchg *x, uint8_t ins, const uint8_t *data, size_t n, size_t want, int flags)
{
	uint8_t cmd[TX_MAX];
	size_t len;
	int r;

	if (n > sizeof(cmd) - 1)
		return DESFIRE_PROTOCOL;
	if (x->s.kind == DESFIRE_SESSION_AES) {
		cmd[0] = ins;
		if (n > 0)
			memcpy(cmd + 1, data, n);
		desfire_session_cmac(&x->s, cmd, 1 + n, NULL);
	}
	if ((r = xfer(x, ins, data, n, true)) != DESFIRE_OK)
		return r;
	if (x->iso)
		return DESFIRE_PROTOCOL;
	if (x->status != ST_OK) {
		desfire_session_end(&x->s);
		return REFUSED;
	}
	len = x->anslen;
	if (x->s.kind == DESFIRE_SESSION_AES && !(len == 0 && (flags & MAC_OPTIONAL))) {
		if (len < DESFIRE_MAC_LEN)
			return DESFIRE_PROTOCOL;
		len -= DESFIRE_MAC_LEN;
		if (desfire_session_check_answer(&x->s, x->ans, len, ST_OK, x->ans + len) == -1)
			return DESFIRE_PROTOCOL;
	}
	if (want != ANY_LENGTH && len != want)
		return DESFIRE_PROTOCOL;
	x->anslen = len;
	return DESFIRE_OK;
}

/* An answer to an enciphered command: 91 00 and the MAC of the status. */
static int
mac_only(struct xchg *x)
{
	if (x->iso)
		return DESFIRE_PROTOCOL;
	if (x->status != ST_OK) {
		desfire_session_end(&x->s);
		return x->anslen == 0 ? REFUSED : DESFIRE_PROTOCOL;
	}
	if (x->anslen != DESFIRE_MAC_LEN ||
	    desfire_session_check_answer(&x->s, NULL, 0, ST_OK, x->ans) == -1)
		return DESFIRE_PROTOCOL;
	return DESFIRE_OK;
}

/*
 * ChangeKey to newkey.  oldkey NULL: the key the session stands on, which
 * the change ends (no MAC comes back on EV1; one that comes is checked
 * against the old session all the same).
 */
static int
change_key(struct xchg *x, uint8_t keyno, const uint8_t *newkey, const uint8_t *oldkey)
{
	uint8_t cmd[2 + 2 * DESFIRE_AES_BLOCK];
	size_t n;
	int r;

	n = desfire_change_key_command(&x->s, keyno, oldkey == NULL, newkey, oldkey, KEY_VERSION, cmd);
	r = xfer(x, cmd[0], cmd + 1, n - 1, true);
	explicit_bzero(cmd, sizeof(cmd));
	if (r != DESFIRE_OK)
		return r;
	if (oldkey != NULL)
		return mac_only(x);
	if (x->iso)
		r = DESFIRE_PROTOCOL;
	else if (x->status != ST_OK)
		r = x->anslen == 0 ? REFUSED : DESFIRE_PROTOCOL;
	else if (x->anslen != 0 && mac_only(x) != DESFIRE_OK)
		r = DESFIRE_PROTOCOL;
	desfire_session_end(&x->s);
	return r;
}

/* Read file 1 enciphered: 32 bytes that decipher to the credential, its
 * CRC32 over credential || 00, and zeros. */
static int
read_file(struct xchg *x, uint8_t credential[DESFIRE_CREDENTIAL_LEN])
{
	static const uint8_t cmd[8] = { 0xBD, FILE_NO, 0, 0, 0, DESFIRE_CREDENTIAL_LEN, 0, 0 };
	int r;

	desfire_session_cmac(&x->s, cmd, sizeof(cmd), NULL);
	if ((r = xfer(x, cmd[0], cmd + 1, sizeof(cmd) - 1, true)) != DESFIRE_OK)
		return r;
	if (x->iso)
		return DESFIRE_PROTOCOL;
	if (x->status != ST_OK)
		return REFUSED;
	if (desfire_session_decipher_answer(&x->s, x->ans, x->anslen, ST_OK,
	    DESFIRE_CREDENTIAL_LEN) == -1)
		return DESFIRE_PROTOCOL;
	memcpy(credential, x->ans, DESFIRE_CREDENTIAL_LEN);
	return DESFIRE_OK;
}

/* Select, authenticate key 1, read: the door's exchange. */
static enum desfire_result
read_credential(struct xchg *x, const struct desfire_keys *keys,
    const uint8_t uid[DESFIRE_UID_LEN], uint8_t credential[DESFIRE_CREDENTIAL_LEN])
{
	uint8_t k1[DESFIRE_AES_KEY_LEN];
	int r;

	step(x, DESFIRE_STEP_SELECT_APP);
	if ((r = select_app(x, keys->aid)) != DESFIRE_OK)
		return (enum desfire_result)r;
	step(x, DESFIRE_STEP_AUTH_KEY1);
	desfire_diversify(keys->master1, uid, keys->aid, keys->sysid, k1);
	r = authenticate(x, true, 1, k1);
	explicit_bzero(k1, sizeof(k1));
	if (r != DESFIRE_OK)
		return auth_result(x, r);
	step(x, DESFIRE_STEP_READ);
	if ((r = read_file(x, credential)) == REFUSED) {
		/* The application is ours in name, but key 1 may not read
		 * file 1 as we make it (no such file, other rights). */
		return DESFIRE_AUTH_FAILED;
	}
	return (enum desfire_result)r;
}

enum desfire_result
desfire_read_credential(const struct desfire_io *io, const struct desfire_keys *keys,
    const uint8_t uid[DESFIRE_UID_LEN], uint8_t credential[DESFIRE_CREDENTIAL_LEN],
    struct desfire_report *rep)
{
	struct desfire_report spare;
	struct xchg x;
	enum desfire_result r;

	xchg_begin(&x, io, rep, &spare, FRAMES_READ);
	r = read_credential(&x, keys, uid, credential);
	if (r != DESFIRE_OK)
		explicit_bzero(credential, DESFIRE_CREDENTIAL_LEN);
	xchg_end(&x);
	return r;
}

enum desfire_result
desfire_probe(const struct desfire_io *io, uint32_t aid, struct desfire_report *rep)
{
	struct desfire_report spare;
	struct xchg x;
	enum desfire_result r;

	xchg_begin(&x, io, rep, &spare, 1);
	step(&x, DESFIRE_STEP_SELECT_APP);
	r = (enum desfire_result)select_app(&x, aid);
	xchg_end(&x);
	return r;
}

/* The PICC level, authenticated with its master key. */
static enum desfire_result
picc_session(struct xchg *x, const struct desfire_keys *keys)
{
	int r;

	step(x, DESFIRE_STEP_SELECT_PICC);
	if ((r = select_app(x, 0)) != DESFIRE_OK)
		return (enum desfire_result)r;
	step(x, DESFIRE_STEP_AUTH_PICC);
	return auth_result(x, authenticate(x, keys->picc_aes, 0,
	    keys->picc_aes ? keys->picc_key : zero_key));
}

/*
 * Key 0 of a selected application: the zero key of a fresh application
 * (*fresh set), else our diversified key (its keys were changed by an
 * earlier attempt, perhaps torn after key 0).
 */
static enum desfire_result
auth_key0(struct xchg *x, const uint8_t k0[DESFIRE_AES_KEY_LEN], bool *fresh)
{
	int r;

	step(x, DESFIRE_STEP_AUTH_KEY0);
	r = authenticate(x, true, 0, zero_key);
	*fresh = r == DESFIRE_OK;
	if (r == REFUSED && x->status == ST_AUTH)
		r = authenticate(x, true, 0, k0);
	return auth_result(x, r);
}

/* Both keys to their diversified values, key 0 last; then authenticated
 * again with key 0. */
static enum desfire_result
change_keys(struct xchg *x, const uint8_t k0[DESFIRE_AES_KEY_LEN],
    const uint8_t k1[DESFIRE_AES_KEY_LEN])
{
	bool fresh;
	int r;

	step(x, DESFIRE_STEP_CHANGE_KEY1);
	r = change_key(x, 1, k1, zero_key);
	if (r == REFUSED && x->status == ST_INTEGRITY) {
		/* The card found key 1 not zero: a torn attempt changed it
		 * already (to k1, or the retry fails the same way). */
		if ((r = auth_key0(x, k0, &fresh)) != DESFIRE_OK)
			return (enum desfire_result)r;
		step(x, DESFIRE_STEP_CHANGE_KEY1);
		r = change_key(x, 1, k1, k1);
	}
	if (r != DESFIRE_OK)
		return result(r);
	step(x, DESFIRE_STEP_CHANGE_KEY0);
	if ((r = change_key(x, 0, k0, NULL)) != DESFIRE_OK)
		return result(r);
	step(x, DESFIRE_STEP_AUTH_KEY0);
	return auth_result(x, authenticate(x, true, 0, k0));
}

/* File 1 as we make it, created if absent. */
static enum desfire_result
make_file(struct xchg *x)
{
	static const uint8_t spec[7] = {
		FILE_NO, FILE_COMM_ENC, FILE_ACCESS & 0xFF, FILE_ACCESS >> 8,
		DESFIRE_CREDENTIAL_LEN, 0, 0,
	};
	static const uint8_t settings[7] = {
		0x00, FILE_COMM_ENC, FILE_ACCESS & 0xFF, FILE_ACCESS >> 8,
		DESFIRE_CREDENTIAL_LEN, 0, 0,
	};
	uint8_t no = FILE_NO;
	int r;

	step(x, DESFIRE_STEP_FILE);
	if ((r = plain(x, 0x6F, NULL, 0, ANY_LENGTH, 0)) != DESFIRE_OK)
		return result(r);
	if (memchr(x->ans, FILE_NO, x->anslen) == NULL)
		return result(plain(x, 0xCD, spec, sizeof(spec), 0, 0));
	/* A file 1 is there (a torn attempt made it): ours only if made as
	 * ours, else the credential would not be what the door reads. */
	if ((r = plain(x, 0xF5, &no, 1, sizeof(settings), 0)) != DESFIRE_OK)
		return result(r);
	return memcmp(x->ans, settings, sizeof(settings)) == 0 ? DESFIRE_OK : DESFIRE_PROTOCOL;
}

static enum desfire_result
write_credential(struct xchg *x, const uint8_t credential[DESFIRE_CREDENTIAL_LEN])
{
	uint8_t cmd[8 + 2 * DESFIRE_AES_BLOCK] = { 0x3D, FILE_NO, 0, 0, 0, DESFIRE_CREDENTIAL_LEN, 0, 0 };
	size_t n;
	int r;

	step(x, DESFIRE_STEP_WRITE);
	memcpy(cmd + 8, credential, DESFIRE_CREDENTIAL_LEN);
	n = desfire_session_encipher_command(&x->s, cmd, 8 + DESFIRE_CREDENTIAL_LEN, 8, sizeof(cmd));
	r = n == 0 ? DESFIRE_PROTOCOL : xfer(x, cmd[0], cmd + 1, n - 1, true);
	explicit_bzero(cmd, sizeof(cmd));
	if (r != DESFIRE_OK)
		return (enum desfire_result)r;
	return result(mac_only(x));
}

static enum desfire_result
provision(struct xchg *x, const struct desfire_keys *keys, const uint8_t uid[DESFIRE_UID_LEN],
    uint8_t credential[DESFIRE_CREDENTIAL_LEN], uint8_t k0[DESFIRE_AES_KEY_LEN],
    uint8_t k1[DESFIRE_AES_KEY_LEN])
{
	const uint8_t app[5] = {
		(uint8_t)keys->aid, (uint8_t)(keys->aid >> 8), (uint8_t)(keys->aid >> 16),
		APP_SETTINGS, APP_KEYS,
	};
	uint8_t back[DESFIRE_CREDENTIAL_LEN];
	enum desfire_result rc;
	bool fresh;
	int r;

	desfire_diversify(keys->master0, uid, keys->aid, keys->sysid, k0);
	desfire_diversify(keys->master1, uid, keys->aid, keys->sysid, k1);
	if ((rc = picc_session(x, keys)) != DESFIRE_OK)
		return rc;
	step(x, DESFIRE_STEP_CREATE_APP);
	r = plain(x, 0xCA, app, sizeof(app), 0, 0);
	if (r == REFUSED && x->status == ST_AUTH)
		return DESFIRE_AUTH_FAILED;
	/* already there: a torn attempt, or a card provisioned before */
	if (r != DESFIRE_OK && !(r == REFUSED && x->status == ST_DUPLICATE))
		return result(r);
	step(x, DESFIRE_STEP_SELECT_APP);
	if ((r = select_app(x, keys->aid)) != DESFIRE_OK)
		return r == DESFIRE_NO_APP ? DESFIRE_PROTOCOL : (enum desfire_result)r;
	if ((rc = auth_key0(x, k0, &fresh)) != DESFIRE_OK)
		return rc;
	if (fresh && (rc = change_keys(x, k0, k1)) != DESFIRE_OK)
		return rc;
	if ((rc = make_file(x)) != DESFIRE_OK)
		return rc;
	if (random_bytes(x->io, credential, DESFIRE_CREDENTIAL_LEN) == -1)
		return DESFIRE_GONE;
	if ((rc = write_credential(x, credential)) != DESFIRE_OK)
		return rc;
	/* Read back as a door would: proves key 1, the file and what it
	 * holds before the caller commits the badge. */
	if ((rc = read_credential(x, keys, uid, back)) != DESFIRE_OK)
		return rc == DESFIRE_NO_APP || rc == DESFIRE_AUTH_FAILED ? DESFIRE_PROTOCOL : rc;
	step(x, DESFIRE_STEP_VERIFY);
	rc = memcmp(back, credential, DESFIRE_CREDENTIAL_LEN) == 0 ? DESFIRE_OK : DESFIRE_PROTOCOL;
	explicit_bzero(back, sizeof(back));
	return rc;
}

enum desfire_result
desfire_provision(const struct desfire_io *io, const struct desfire_keys *keys,
    const uint8_t uid[DESFIRE_UID_LEN], uint8_t credential[DESFIRE_CREDENTIAL_LEN],
    struct desfire_report *rep)
{
	struct desfire_report spare;
	struct xchg x;
	uint8_t k0[DESFIRE_AES_KEY_LEN], k1[DESFIRE_AES_KEY_LEN];
	enum desfire_result r;

	xchg_begin(&x, io, rep, &spare, FRAMES_PROVISION);
	r = provision(&x, keys, uid, credential, k0, k1);
	if (r != DESFIRE_OK)
		explicit_bzero(credential, DESFIRE_CREDENTIAL_LEN);
	explicit_bzero(k0, sizeof(k0));
	explicit_bzero(k1, sizeof(k1));
	xchg_end(&x);
	return r;
}

/* Delete our application in the current session. */
static int
delete_app(struct xchg *x, uint32_t aid)
{
	const uint8_t d[3] = { (uint8_t)aid, (uint8_t)(aid >> 8), (uint8_t)(aid >> 16) };

	step(x, DESFIRE_STEP_DELETE_APP);
	/* Deleting the selected application ends its session: a card may
	 * answer without a MAC. */
	return plain(x, 0xDA, d, sizeof(d), 0, MAC_OPTIONAL);
}

static enum desfire_result
wipe(struct xchg *x, const struct desfire_keys *keys, const uint8_t uid[DESFIRE_UID_LEN],
    unsigned flags)
{
	uint8_t k0[DESFIRE_AES_KEY_LEN];
	enum desfire_result rc;
	int r;

	step(x, DESFIRE_STEP_SELECT_APP);
	if ((r = select_app(x, keys->aid)) != DESFIRE_OK)
		return (enum desfire_result)r;
	step(x, DESFIRE_STEP_AUTH_KEY0);
	desfire_diversify(keys->master0, uid, keys->aid, keys->sysid, k0);
	r = authenticate(x, true, 0, k0);
	explicit_bzero(k0, sizeof(k0));
	if (r == DESFIRE_OK) {
		r = delete_app(x, keys->aid);
		if (!(r == REFUSED && (x->status == ST_AUTH || x->status == ST_PERMISSION)))
			return result(r);
	} else if (!(flags & DESFIRE_WIPE_FORCE) || r == DESFIRE_GONE || r == DESFIRE_PROTOCOL) {
		return auth_result(x, r);
	}
	/* The card keeps deletion to its PICC master key, or the keys are
	 * not ours and the caller forces it. */
	if ((rc = picc_session(x, keys)) != DESFIRE_OK)
		return rc == DESFIRE_NO_APP ? DESFIRE_PROTOCOL : rc;
	r = delete_app(x, keys->aid);
	if (r == REFUSED && x->status == ST_APP_NOT_FOUND)
		return DESFIRE_NO_APP;
	if (r == REFUSED && (x->status == ST_AUTH || x->status == ST_PERMISSION))
		return DESFIRE_AUTH_FAILED;
	return result(r);
}

enum desfire_result
desfire_wipe(const struct desfire_io *io, const struct desfire_keys *keys,
    const uint8_t uid[DESFIRE_UID_LEN], unsigned flags, struct desfire_report *rep)
{
	struct desfire_report spare;
	struct xchg x;
	enum desfire_result r;

	xchg_begin(&x, io, rep, &spare, FRAMES_WIPE);
	r = wipe(&x, keys, uid, flags);
	xchg_end(&x);
	return r;
}

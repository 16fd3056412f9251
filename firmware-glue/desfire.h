/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuil's credential on MIFARE DESFire EV1, EV2 and EV3 cards, and the
 * exchanges that read it at a door, provision it at the desk and wipe it.
 *
 * The card holds one application (AID default F5EE11) with two AES keys,
 * each diversified per card with AN10922 from its own master key (input:
 * UID, AID low byte first, the 16-byte system identifier):
 *	key 0	changes the keys, writes the file, deletes the application
 *	key 1	reads the credential (the only key a door uses)
 * and one standard data file, number 1, 16 bytes, enciphered, read with key
 * 1, written with key 0, read&write never, its settings changed with key 0,
 * holding a random 16-byte credential.  Application key settings 0x0B:
 * key 0 changes keys and may itself change, files listed freely, created
 * and deleted only with key 0.
 *
 * The exchanges run in the main process over a transceive callback: the
 * reader child only forwards bytes, and never holds a key or sees a
 * credential in clear.  The callback is the boundary with the card, which
 * may be hostile: every answer is checked for length, status and (once
 * authenticated) MAC or CRC before any byte of it is used, chained answers
 * (91 AF) are gathered up to a bound, and each exchange sends a bounded
 * number of APDUs, so that its time is bounded by that number times the
 * callback's own timeout.  Nothing here logs, exits or allocates; keys,
 * session and credential are wiped from the stack before returning.
 *
 * What the results mean for a door: DESFIRE_OK is a credential proven by
 * the card's key 1; DESFIRE_NO_APP (the card has no application with our
 * AID, or does not speak DESFire) is the only result after which the
 * caller may decide by the card's UID; every other result is a denial.  A
 * hostile card can always claim DESFIRE_NO_APP, which is why a UID never
 * matches a badge enrolled as a DESFire credential.
 */
#ifndef SEUIL_DESFIRE_H
#define SEUIL_DESFIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "desfire_crypto.h"

#define DESFIRE_CREDENTIAL_LEN	16
#define DESFIRE_AID_DEFAULT	0xF5EE11
#define DESFIRE_RX_MAX		256	/* rxsize given to the callback */

/*
 * Send tx (one ISO 7816-wrapped APDU: 90 INS 00 00 [Lc data] 00) to the
 * card and put its answer in rx.  Returns the answer's length (0 to
 * rxsize), or -1 when there is none: the card left, the reader failed or
 * timed out, or the answer did not fit.  It bounds its own time.
 */
typedef int (*desfire_transceive_fn)(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx,
    size_t rxsize);

struct desfire_io {
	desfire_transceive_fn transceive;
	void	*arg;
	/* Fill buf with n random bytes and return 0, or -1.  NULL: the
	 * kernel's (getrandom).  For tests and fuzzing. */
	int	(*random)(void *arg, uint8_t *buf, size_t n);
};

/* The site's keys ([credentials] key_file) and the PICC master key to
 * provision with: the factory DES zero key, or an AES key
 * ([credentials] picc_key_file). */
struct desfire_keys {
	uint32_t aid;
	uint8_t	master0[DESFIRE_AES_KEY_LEN];	/* diversifies key 0 */
	uint8_t	master1[DESFIRE_AES_KEY_LEN];	/* diversifies key 1 */
	uint8_t	sysid[DESFIRE_SYSID_LEN];
	bool	picc_aes;
	uint8_t	picc_key[DESFIRE_AES_KEY_LEN];
};

enum desfire_result {
	DESFIRE_OK = 0,
	DESFIRE_NO_APP,		/* not our card: no application with our AID,
				 * or no DESFire at all */
	DESFIRE_AUTH_FAILED,	/* the card refused our key, or did not prove
				 * it, or does not let it at the file:
				 * credential_invalid */
	DESFIRE_GONE,		/* no answer: the card left, the reader or the
				 * random source failed */
	DESFIRE_PROTOCOL,	/* an answer of the wrong length, status, MAC,
				 * CRC or padding, too many frames, or a card
				 * that does not hold what it should */
};

/* The step an exchange was at when it ended. */
enum desfire_step {
	DESFIRE_STEP_NONE = 0,
	DESFIRE_STEP_SELECT_PICC,
	DESFIRE_STEP_AUTH_PICC,
	DESFIRE_STEP_CREATE_APP,
	DESFIRE_STEP_SELECT_APP,
	DESFIRE_STEP_AUTH_KEY0,
	DESFIRE_STEP_CHANGE_KEY1,
	DESFIRE_STEP_CHANGE_KEY0,
	DESFIRE_STEP_FILE,
	DESFIRE_STEP_WRITE,
	DESFIRE_STEP_AUTH_KEY1,
	DESFIRE_STEP_READ,
	DESFIRE_STEP_VERIFY,
	DESFIRE_STEP_DELETE_APP,
};

/* Where an exchange ended, for the caller's words: its step, the card's
 * last status byte (91 SS; -1 when none came), the APDUs sent.  Never any
 * byte of the card's data. */
struct desfire_report {
	enum desfire_step step;
	int	status;
	int	exchanges;
};

/* "ok", "no application", ...: a constant string. */
const char *desfire_result_str(enum desfire_result r);
/* "select application", ...: a constant string. */
const char *desfire_step_str(enum desfire_step s);

/*
 * At a door: select our application, authenticate with key 1 diversified
 * for uid (the card's 7-byte anticollision UID; other lengths are the
 * caller's to refuse), read file 1 enciphered and check its CRC and
 * padding.  At most 12 APDUs.  On DESFIRE_OK, credential holds the 16
 * bytes; otherwise it is zeroed.  rep may be NULL.
 */
enum desfire_result desfire_read_credential(const struct desfire_io *io,
    const struct desfire_keys *keys, const uint8_t uid[DESFIRE_UID_LEN],
    uint8_t credential[DESFIRE_CREDENTIAL_LEN], struct desfire_report *rep);

/*
 * Whether the card carries an application aid: DESFIRE_OK if it does,
 * DESFIRE_NO_APP, DESFIRE_GONE or DESFIRE_PROTOCOL.  One APDU, no key: for
 * a site without its keys, which cannot read a credential but must still
 * never decide a card that carries one by its UID.
 */
enum desfire_result desfire_probe(const struct desfire_io *io, uint32_t aid,
    struct desfire_report *rep);

/*
 * At the desk: make a blank card ours, or finish a card a previous attempt
 * left half done.  Authenticates to the PICC (keys->picc_*), creates the
 * application (already there: goes on), selects it, authenticates key 0
 * with the zero key (fresh) or with its diversified key (keys already
 * changed), changes key 1 then key 0 to their diversified keys (key 0
 * last, since changing it ends the session; a key 1 change refused for an
 * integrity error, because a torn attempt had changed it already, is
 * retried with the new key as the old one), authenticates again, creates
 * file 1 (or checks the one there is ours), writes a fresh random
 * credential enciphered, and reads it back with key 1.  At most 48 APDUs.
 * On DESFIRE_OK, credential holds what the card now holds; otherwise it is
 * zeroed and the card may be presented again to finish.
 * DESFIRE_AUTH_FAILED at DESFIRE_STEP_AUTH_PICC: the PICC key is not the
 * one given; at DESFIRE_STEP_AUTH_KEY0: the application exists with keys
 * that are not ours (desfire_wipe with DESFIRE_WIPE_FORCE removes it).
 */
enum desfire_result desfire_provision(const struct desfire_io *io,
    const struct desfire_keys *keys, const uint8_t uid[DESFIRE_UID_LEN],
    uint8_t credential[DESFIRE_CREDENTIAL_LEN], struct desfire_report *rep);

/*
 * Remove our application.  The card proves it is ours first, by
 * authenticating with its diversified key 0, and the application is deleted
 * in that session; a card whose PICC settings keep deletion to the PICC
 * master key refuses that (0xAE), and then the PICC key (keys->picc_*) is
 * used.  With DESFIRE_WIPE_FORCE, an application with our AID but other
 * keys (a card provisioned with keys since lost) is deleted with the PICC
 * key too.  DESFIRE_NO_APP: there was nothing to remove.  To find the
 * badge row to revoke, read the credential first.  At most 16 APDUs.
 */
#define DESFIRE_WIPE_FORCE	0x01
enum desfire_result desfire_wipe(const struct desfire_io *io, const struct desfire_keys *keys,
    const uint8_t uid[DESFIRE_UID_LEN], unsigned flags, struct desfire_report *rep);

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Badge UIDs.  A raw UID identifies a person's card for years and can be
 * cloned onto a blank; it is never stored, logged or published.  What is kept
 * is HMAC-SHA256(site key, UID bytes), which matches a tap without revealing
 * the card, plus a 2-byte hint (last two bytes, hex) so humans can tell
 * badges apart.
 */
#ifndef SEUIL_UID_H
#define SEUIL_UID_H

#include <stddef.h>
#include <stdint.h>

#define UID_MAX_LEN	10	/* ISO14443A: 4, 7 or 10 bytes */
#define UID_MAC_LEN	32
#define UID_KEY_LEN	32
#define UID_HINT_LEN	5	/* "A1B2" and a NUL */
#define UID_CREDENTIAL_LEN 16	/* a DESFire credential (firmware-glue/desfire.h) */

struct uid {
	uint8_t	len;
	uint8_t	bytes[UID_MAX_LEN];
};

/* Parse hex, any case, with optional ':' '-' or ' ' between bytes, into a
 * 4, 7 or 10 byte UID.  Returns 0, or -1 with a reason in err (which never
 * repeats the input). */
int uid_parse(const char *text, struct uid *out, char *err, size_t errlen);

/* Read the 32-byte key.  Refuses a file of the wrong size, or readable by
 * group or others.  Returns 0 or -1 with a message in err. */
int uid_key_load(const char *path, uint8_t key[UID_KEY_LEN], char *err, size_t errlen);

/* Create the key file with 32 random bytes, mode 0600, if it does not exist.
 * Returns 1 if created, 0 if it already existed, -1 with err on failure. */
int uid_key_create(const char *path, char *err, size_t errlen);

void uid_mac(const uint8_t key[UID_KEY_LEN], const struct uid *uid, uint8_t mac[UID_MAC_LEN]);
/*
 * The MAC of a DESFire credential, stored as a badge's (kind desfire) in
 * place of its UID's: HMAC-SHA256 under the same key.  A credential is 16
 * bytes and a UID at most 10, so the two MACs never have the same input.
 */
void uid_credential_mac(const uint8_t key[UID_KEY_LEN],
    const uint8_t cred[UID_CREDENTIAL_LEN], uint8_t mac[UID_MAC_LEN]);
void uid_hint(const struct uid *uid, char hint[UID_HINT_LEN]);

/* Erase a UID from memory once it has been turned into a MAC. */
void uid_wipe(struct uid *uid);

#endif

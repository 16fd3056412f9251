/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The site's DESFire keys ([credentials] key_file): two AES-128 master
 * keys, from which every card's application keys 0 and 1 are diversified
 * (AN10922, core/desfire_crypto.h), and the 16-byte system identifier that
 * goes into the diversification.  All three are random, made together by
 * `seuilctl init`, and kept together: a card provisioned under one file
 * opens nothing under another.
 *
 * The file is 64 bytes, mode 0600:
 *	0	8	"seuilck" and the format's version, 0x01
 *	8	16	master key 0 (changes keys, writes the credential)
 *	24	16	master key 1 (reads the credential: the door's)
 *	40	16	the system identifier
 *	56	8	the first 8 bytes of SHA-256 over bytes 0 to 55
 * so that a truncated, damaged or foreign file is refused by name at
 * start, rather than every card failing its authentication at the door.
 *
 * The optional [credentials] picc_key_file holds the cards' own master key
 * when it is not the factory DES key: an AES-128 key as 32 hex digits on
 * one line (how card vendors hand it over), mode 0600.
 *
 * Nothing here logs; messages name the file, never a key byte.
 */
#ifndef SEUIL_CREDKEY_H
#define SEUIL_CREDKEY_H

#include <stddef.h>
#include <stdint.h>

#define CREDKEY_LEN		16
#define CREDKEY_SYSID_LEN	16
#define CREDKEY_FILE_LEN	64
#define CREDKEY_VERSION		0x01

struct credkey {
	uint8_t	master0[CREDKEY_LEN];
	uint8_t	master1[CREDKEY_LEN];
	uint8_t	sysid[CREDKEY_SYSID_LEN];
};

/*
 * Read the key file at path into *k.  Refuses a link, a file that is not
 * regular, readable by group or others, of another size, another format
 * or version, or whose check does not match.  1 loaded, 0 when the file
 * does not exist (err says so), -1 with err.  *k is wiped unless 1.
 */
int credkey_load(const char *path, struct credkey *k, char *err, size_t errlen);

/* Create the file with fresh random keys, mode 0600, if it does not
 * exist (O_EXCL: never replaced).  1 created, 0 existed, -1 with err. */
int credkey_create(const char *path, char *err, size_t errlen);

/* Copy the key file src to dst (a backup): read and checked as
 * credkey_load does, written O_EXCL, O_NOFOLLOW, 0600 and synced.  1
 * copied, 0 when src does not exist (nothing written), -1 with err. */
int credkey_copy(const char *src, const char *dst, char *err, size_t errlen);

/* The PICC key file: 0, or -1 with err (the same care as the key file). */
int credkey_picc_load(const char *path, uint8_t key[CREDKEY_LEN], char *err, size_t errlen);

void credkey_wipe(struct credkey *k);

#endif

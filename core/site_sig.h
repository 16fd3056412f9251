/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The site's signatures (docs/site.md, docs/security.md): the primary signs
 * every message a replica applies with the site's Ed25519 key (OpenSSL's
 * libcrypto), and a replica applies only what verifies under the public
 * key it pinned at installation.
 *
 * The envelope is text, so that it survives any broker and bridge:
 *
 *	SEUIL-SIG/1 ed25519 <key id> <base64 signature>\n<body>
 *
 * The signature covers "seuil/1\0" TOPIC "\0" BODY: the exact bytes sent,
 * never a re-serialised JSON, and the topic, so that a message replayed on
 * another topic (a delta as a snapshot, one site's on another's) fails.
 * The key id is the first 8 bytes of the SHA-256 of the public key, in hex.
 *
 * Keys are files of their 32 raw bytes: the private seed 0600, the public
 * key 0640 (or more open: it is no secret).  Files are created with
 * O_EXCL and O_NOFOLLOW, never replaced.
 */
#ifndef SEUIL_SITE_SIG_H
#define SEUIL_SITE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SITE_KEY_LEN	32
#define SITE_SIG_LEN	64
#define SITE_KEY_ID_LEN	16	/* hex digits */
#define SITE_MSG_MAX	(4 * 1024 * 1024)	/* a message larger is refused unread */

/* A public key a replica trusts, with its id. */
struct site_pub {
	uint8_t	key[SITE_KEY_LEN];
	char	id[SITE_KEY_ID_LEN + 1];
};

/* A new private key (32 random bytes) into seed.  0, or -1 with err. */
int site_key_generate(uint8_t seed[SITE_KEY_LEN], char *err, size_t errlen);
/* The public key of seed, and its id.  0, or -1 with err. */
int site_key_public(const uint8_t seed[SITE_KEY_LEN], struct site_pub *pub, char *err,
    size_t errlen);
/* pub->id from pub->key. */
void site_key_id(struct site_pub *pub);

/* Write the 32 bytes of key to a new file path, mode (0600 for a private
 * key): never over an existing file, never through a link.  0, or -1 with
 * err (EEXIST: "exists"). */
int site_key_write(const char *path, const uint8_t key[SITE_KEY_LEN], mode_t mode,
    char *err, size_t errlen);
/* Read a key file of exactly 32 bytes; secret: it must not be readable by
 * group or others.  0, or -1 with err. */
int site_key_read(const char *path, uint8_t key[SITE_KEY_LEN], bool secret, char *err,
    size_t errlen);

/* The envelope of body on topic, signed with seed (malloc'd, its length in
 * *outlen; not NUL-terminated), or NULL when memory or OpenSSL failed. */
char *site_sign(const uint8_t seed[SITE_KEY_LEN], const char *topic, const void *body,
    size_t len, size_t *outlen);

/*
 * Check an envelope received on topic against the trusted keys: its form,
 * its size (at most SITE_MSG_MAX), a key id among keys, the signature over
 * topic and body.  0 with *body and *bodylen pointing into payload, or -1
 * with why (a few words: "unsigned", "unknown key", "bad signature"...).
 */
int site_open(const struct site_pub *keys, int nkeys, const char *topic, const void *payload,
    size_t len, const char **body, size_t *bodylen, char *why, size_t whylen);

/* Base64 (RFC 4648, with padding).  encode writes 4 * ceil(len / 3)
 * characters and a NUL into out; decode takes exactly that form and
 * returns the number of bytes written (at most max), or -1. */
void site_b64_encode(const uint8_t *in, size_t len, char *out);
int site_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t max);

#endif

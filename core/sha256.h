/*
 * SHA-256 (FIPS 180-4), for the badge path's HMAC (uid_mac).  Small and
 * allocation-free on purpose: OpenSSL 3's EVP digests bring up its
 * provider machinery at the first call, about 1.9 MiB of libcrypto in
 * seuild's RSS for one tap (bench: rss_peak_kib).  test_uid checks it
 * against FIPS and RFC 4231 answers and against OpenSSL's HMAC.
 */
#ifndef SEUIL_SHA256_H
#define SEUIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN	32
#define SHA256_BLOCK	64

struct sha256 {
	uint32_t	h[8];
	uint64_t	bytes;		/* hashed so far */
	uint8_t		buf[SHA256_BLOCK];
	size_t		fill;		/* bytes of buf in use */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest and wipes c. */
void sha256_final(struct sha256 *c, uint8_t out[SHA256_LEN]);

#endif

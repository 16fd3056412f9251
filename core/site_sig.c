/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The site's signatures and key files (site_sig.h). */
#include "site_sig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA256() for the key id: see core/uid.c for why not EVP's digests. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#define MAGIC		"SEUIL-SIG/1 ed25519 "
#define MAGIC_LEN	(sizeof(MAGIC) - 1)
#define SIG_B64_LEN	88	/* 64 bytes */
#define HEADER_LEN	(MAGIC_LEN + SITE_KEY_ID_LEN + 1 + SIG_B64_LEN + 1)
#define DOMAIN		"seuil/1"

int
site_key_generate(uint8_t seed[SITE_KEY_LEN], char *err, size_t errlen)
{
	if (RAND_bytes(seed, SITE_KEY_LEN) != 1) {
		snprintf(err, errlen, "no random bytes from OpenSSL");
		return -1;
	}
	return 0;
}

void
site_key_id(struct site_pub *pub)
{
	uint8_t h[SHA256_DIGEST_LENGTH];
	int i;

	SHA256(pub->key, SITE_KEY_LEN, h);
	for (i = 0; i < SITE_KEY_ID_LEN / 2; i++)
		snprintf(pub->id + 2 * i, 3, "%02x", h[i]);
}

int
site_key_public(const uint8_t seed[SITE_KEY_LEN], struct site_pub *pub, char *err,
    size_t errlen)
{
	EVP_PKEY *k;
	size_t n = SITE_KEY_LEN;
	int rc = -1;

	if ((k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    SITE_KEY_LEN)) == NULL) {
		snprintf(err, errlen, "OpenSSL refuses the Ed25519 key");
		return -1;
	}
	if (EVP_PKEY_get_raw_public_key(k, pub->key, &n) == 1 && n == SITE_KEY_LEN) {
		site_key_id(pub);
		rc = 0;
	} else {
		snprintf(err, errlen, "OpenSSL gives no Ed25519 public key");
	}
	EVP_PKEY_free(k);
	return rc;
}

int
site_key_write(const char *path, const uint8_t key[SITE_KEY_LEN], mode_t mode, char *err,
    size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", path, errno == EEXIST ? "exists" : strerror(errno));
		return -1;
	}
	/* The umask can only take bits away: say the mode meant. */
	if (fchmod(fd, mode) == -1)
		goto fail;
	while (off < SITE_KEY_LEN) {
		if ((n = write(fd, key + off, SITE_KEY_LEN - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(path);
	return -1;
}

int
site_key_read(const char *path, uint8_t key[SITE_KEY_LEN], bool secret, char *err,
    size_t errlen)
{
	uint8_t buf[SITE_KEY_LEN + 1];
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (secret && (sb.st_mode & (S_IRWXG | S_IRWXO))) {
		snprintf(err, errlen, "%s: key file is accessible by group or others (mode "
		    "%04o); chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	if (sb.st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s: key file is writable by others", path);
		goto out;
	}
	while (got < sizeof(buf)) {
		if ((n = read(fd, buf + got, sizeof(buf) - got)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != SITE_KEY_LEN) {
		snprintf(err, errlen, "%s: a key file holds exactly %d bytes", path, SITE_KEY_LEN);
		goto out;
	}
	memcpy(key, buf, SITE_KEY_LEN);
	rc = 0;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return rc;
}

/* "seuil/1\0" TOPIC "\0" BODY, malloc'd; its length in *n. */
static uint8_t *
signed_bytes(const char *topic, const void *body, size_t len, size_t *n)
{
	size_t tl = strlen(topic), dl = sizeof(DOMAIN);
	uint8_t *m;

	*n = dl + tl + 1 + len;
	if ((m = malloc(*n ? *n : 1)) == NULL)
		return NULL;
	memcpy(m, DOMAIN, dl);
	memcpy(m + dl, topic, tl + 1);
	memcpy(m + dl + tl + 1, body, len);
	return m;
}

char *
site_sign(const uint8_t seed[SITE_KEY_LEN], const char *topic, const void *body, size_t len,
    size_t *outlen)
{
	EVP_PKEY *k = NULL;
	EVP_MD_CTX *ctx = NULL;
	struct site_pub pub;
	uint8_t sig[SITE_SIG_LEN], *m = NULL;
	size_t siglen = sizeof(sig), mlen;
	char err[64], *out = NULL, *p;

	if (site_key_public(seed, &pub, err, sizeof(err)) == -1 ||
	    (m = signed_bytes(topic, body, len, &mlen)) == NULL ||
	    (k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    SITE_KEY_LEN)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &siglen, m, mlen) != 1 || siglen != SITE_SIG_LEN)
		goto out;
	if ((out = malloc(HEADER_LEN + len + 1)) == NULL)
		goto out;
	p = out;
	memcpy(p, MAGIC, MAGIC_LEN);
	p += MAGIC_LEN;
	memcpy(p, pub.id, SITE_KEY_ID_LEN);
	p += SITE_KEY_ID_LEN;
	*p++ = ' ';
	site_b64_encode(sig, sizeof(sig), p);
	p += SIG_B64_LEN;
	*p++ = '\n';
	memcpy(p, body, len);
	*outlen = HEADER_LEN + len;
	out[*outlen] = '\0';
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	free(m);
	return out;
}

static int
verify(const uint8_t key[SITE_KEY_LEN], const uint8_t sig[SITE_SIG_LEN], const uint8_t *m,
    size_t mlen)
{
	EVP_PKEY *k;
	EVP_MD_CTX *ctx = NULL;
	int ok = 0;

	if ((k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, key,
	    SITE_KEY_LEN)) == NULL)
		return 0;
	if ((ctx = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k) == 1)
		ok = EVP_DigestVerify(ctx, sig, SITE_SIG_LEN, m, mlen) == 1;
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return ok;
}

int
site_open(const struct site_pub *keys, int nkeys, const char *topic, const void *payload,
    size_t len, const char **body, size_t *bodylen, char *why, size_t whylen)
{
	const char *p = payload;
	uint8_t sig[SITE_SIG_LEN + 2], *m;
	size_t mlen;
	int i, ok;

	if (len > SITE_MSG_MAX) {
		snprintf(why, whylen, "oversized (%zu bytes)", len);
		return -1;
	}
	if (len < HEADER_LEN || memcmp(p, MAGIC, MAGIC_LEN) != 0) {
		snprintf(why, whylen, "unsigned or truncated");
		return -1;
	}
	if (p[MAGIC_LEN + SITE_KEY_ID_LEN] != ' ' || p[HEADER_LEN - 1] != '\n' ||
	    site_b64_decode(p + MAGIC_LEN + SITE_KEY_ID_LEN + 1, SIG_B64_LEN, sig,
	    sizeof(sig)) != SITE_SIG_LEN) {
		snprintf(why, whylen, "malformed signature");
		return -1;
	}
	for (i = 0; i < nkeys; i++)
		if (memcmp(keys[i].id, p + MAGIC_LEN, SITE_KEY_ID_LEN) == 0)
			break;
	if (i == nkeys) {
		snprintf(why, whylen, "unknown key");
		return -1;
	}
	if ((m = signed_bytes(topic, p + HEADER_LEN, len - HEADER_LEN, &mlen)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	ok = verify(keys[i].key, sig, m, mlen);
	free(m);
	if (!ok) {
		snprintf(why, whylen, "bad signature");
		return -1;
	}
	*body = p + HEADER_LEN;
	*bodylen = len - HEADER_LEN;
	return 0;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void
site_b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = b64[(v >> 6) & 63];
		*out++ = b64[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0);
		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
	*out = '\0';
}

static int
b64_val(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

int
site_b64_decode(const char *in, size_t inlen, uint8_t *out, size_t max)
{
	size_t i, n = 0;
	int a, b, c, d;

	if (inlen % 4 != 0)
		return -1;
	for (i = 0; i < inlen; i += 4) {
		bool last = i + 4 == inlen;

		a = b64_val((unsigned char)in[i]);
		b = b64_val((unsigned char)in[i + 1]);
		c = last && in[i + 2] == '=' && in[i + 3] == '=' ? -2 :
		    b64_val((unsigned char)in[i + 2]);
		d = last && in[i + 3] == '=' ? -2 : b64_val((unsigned char)in[i + 3]);
		if (a < 0 || b < 0 || c == -1 || d == -1)
			return -1;
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)(a << 2 | b >> 4);
		if (c == -2) {
			if (b & 15)
				return -1;	/* not the canonical form */
			break;
		}
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)((b & 15) << 4 | c >> 2);
		if (d == -2) {
			if (c & 3)
				return -1;
			break;
		}
		if (n >= max)
			return -1;
		out[n++] = (uint8_t)((c & 3) << 6 | d);
	}
	return (int)n;
}

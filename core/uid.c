/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "uid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * uid_mac uses OpenSSL's SHA256_Init/Update/Final, which OpenSSL 3 marks
 * deprecated in favour of EVP: the EVP digests bring up the provider
 * machinery at the first call, 1.9 MiB of libcrypto in seuild's RSS for
 * one tap (bench: rss_peak_kib, against 0.2 MiB for these functions).
 * They are the same implementation and remain supported in OpenSSL 3.x.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
is_sep(int c)
{
	return c == ':' || c == '-' || c == ' ';
}

/*
 * Separators are allowed only between whole bytes, so "04:A1B2C3" parses
 * but "0:4A1B2C3" does not: a misplaced separator usually means a typo, and
 * a typo in a UID enrols the wrong card.  The input is never copied into
 * err, so a UID cannot leak into a log through an error message.
 */
int
uid_parse(const char *text, struct uid *out, char *err, size_t errlen)
{
	const char *p = text;
	struct uid u;
	int hi, lo;

	memset(&u, 0, sizeof(u));
	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty UID");
		return -1;
	}
	while (*p != '\0') {
		if (u.len > 0 && is_sep((unsigned char)*p)) {
			p++;
			if (*p == '\0' || is_sep((unsigned char)*p)) {
				snprintf(err, errlen, "misplaced separator in UID");
				goto fail;
			}
		}
		if ((hi = hexval((unsigned char)p[0])) < 0 ||
		    (lo = hexval((unsigned char)p[1])) < 0) {
			if (p[0] != '\0' && hexval((unsigned char)p[0]) >= 0 &&
			    (p[1] == '\0' || is_sep((unsigned char)p[1])))
				snprintf(err, errlen, "odd number of hex digits in UID");
			else
				snprintf(err, errlen, "UID must be hexadecimal");
			goto fail;
		}
		if (u.len == UID_MAX_LEN) {
			snprintf(err, errlen, "UID longer than %d bytes", UID_MAX_LEN);
			goto fail;
		}
		u.bytes[u.len++] = (uint8_t)(hi << 4 | lo);
		p += 2;
	}
	if (u.len != 4 && u.len != 7 && u.len != 10) {
		snprintf(err, errlen, "UID of %d bytes (must be 4, 7 or 10)", u.len);
		goto fail;
	}
	*out = u;
	uid_wipe(&u);
	return 0;
fail:
	uid_wipe(&u);
	return -1;
}

int
uid_key_load(const char *path, uint8_t key[UID_KEY_LEN], char *err, size_t errlen)
{
	struct stat sb;
	uint8_t buf[UID_KEY_LEN + 1];
	ssize_t n;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto fail;
	}
	if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "%s: key file is accessible by group or "
		    "others (mode %04o); chmod 600 it", path,
		    (unsigned)(sb.st_mode & 07777));
		goto fail;
	}
	/* Read one byte more than needed to detect a file that is too long. */
	while (got < sizeof(buf)) {
		n = read(fd, buf + got, sizeof(buf) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (got != UID_KEY_LEN) {
		snprintf(err, errlen, "%s: key file must be exactly %d bytes",
		    path, UID_KEY_LEN);
		goto fail;
	}
	memcpy(key, buf, UID_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return 0;
fail:
	OPENSSL_cleanse(buf, sizeof(buf));
	close(fd);
	return -1;
}

int
uid_key_create(const char *path, char *err, size_t errlen)
{
	uint8_t key[UID_KEY_LEN];
	size_t off = 0;
	ssize_t n;
	int fd;

	/* O_EXCL: an existing key is never overwritten, since every enrolled
	 * badge's MAC depends on it. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		snprintf(err, errlen, "%s: no random bytes from OpenSSL", path);
		goto fail;
	}
	/* fchmod in case the umask was looser than 0600 allows for: it can
	 * only remove bits, but be explicit. */
	if (fchmod(fd, 0600) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	while (off < sizeof(key)) {
		n = write(fd, key + off, sizeof(key) - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	OPENSSL_cleanse(key, sizeof(key));
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 1;
fail:
	OPENSSL_cleanse(key, sizeof(key));
	close(fd);
	unlink(path);
	return -1;
}

/*
 * HMAC-SHA256 (RFC 2104) over OpenSSL's SHA-256 (see the include above for
 * why not EVP_MAC or HMAC(), which also fetches the digest by name at every
 * call).  The key (32 bytes) is shorter than the block, so it is only
 * padded.  No allocation, and nothing that can fail.  test_uid checks
 * a known answer and OpenSSL's HMAC() on random keys and UIDs.
 */
static void
hmac(const uint8_t key[UID_KEY_LEN], const uint8_t *p, size_t n, uint8_t mac[UID_MAC_LEN])
{
	uint8_t pad[SHA256_CBLOCK], inner[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;
	int i;

	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < UID_KEY_LEN; i++)
		pad[i] ^= key[i];
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	SHA256_Update(&c, p, n);
	SHA256_Final(inner, &c);
	memset(pad, 0x5c, sizeof(pad));
	for (i = 0; i < UID_KEY_LEN; i++)
		pad[i] ^= key[i];
	SHA256_Init(&c);
	SHA256_Update(&c, pad, sizeof(pad));
	SHA256_Update(&c, inner, sizeof(inner));
	SHA256_Final(mac, &c);
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
}

void
uid_mac(const uint8_t key[UID_KEY_LEN], const struct uid *uid, uint8_t mac[UID_MAC_LEN])
{
	hmac(key, uid->bytes, uid->len, mac);
}

void
uid_credential_mac(const uint8_t key[UID_KEY_LEN], const uint8_t cred[UID_CREDENTIAL_LEN],
    uint8_t mac[UID_MAC_LEN])
{
	hmac(key, cred, UID_CREDENTIAL_LEN, mac);
}

void
uid_hint(const struct uid *uid, char hint[UID_HINT_LEN])
{
	if (uid->len < 2) {
		strcpy(hint, "????");
		return;
	}
	snprintf(hint, UID_HINT_LEN, "%02X%02X", uid->bytes[uid->len - 2],
	    uid->bytes[uid->len - 1]);
}

void
uid_wipe(struct uid *uid)
{
	OPENSSL_cleanse(uid, sizeof(*uid));
}

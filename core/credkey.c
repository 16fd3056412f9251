/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "credkey.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* SHA-256 through OpenSSL's plain functions, not EVP: seuild reads this
 * file at start, and EVP's first call maps 1.9 MiB of libcrypto into it
 * (core/uid.c says more). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static const uint8_t magic[7] = { 's', 'e', 'u', 'i', 'l', 'c', 'k' };

#define OFF_MASTER0	8
#define OFF_MASTER1	24
#define OFF_SYSID	40
#define OFF_CHECK	56
#define CHECK_LEN	8

/*
 * Read a secret file of at most max bytes into buf: no link followed, a
 * regular file, no access for group or others (as core/uid.c reads its
 * key).  The byte count, or -1 with err; errno ENOENT when it is missing.
 * Reads one byte more than max, so a longer file shows as max + 1.
 */
static ssize_t
read_secret(const char *path, uint8_t *buf, size_t max, char *err, size_t errlen)
{
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		errno = saved;
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
		snprintf(err, errlen, "%s: key file is accessible by group or others (mode "
		    "%04o); chmod 600 it", path, (unsigned)(sb.st_mode & 07777));
		goto fail;
	}
	while (got < max + 1) {
		n = read(fd, buf + got, max + 1 - got);
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
	close(fd);
	return (ssize_t)got;
fail:
	close(fd);
	errno = EINVAL;
	return -1;
}

/* Write len bytes to a new file at path: O_EXCL (never over a file),
 * O_NOFOLLOW, 0600, synced; removed again on failure.  1, 0 when path
 * exists and exists_ok, or -1 with err. */
static int
write_secret(const char *path, const uint8_t *p, size_t len, int exists_ok, char *err,
    size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		if (errno == EEXIST && exists_ok)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	/* The umask can only take bits away; say 0600 all the same. */
	if (fchmod(fd, 0600) == -1)
		goto fail;
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto fail;
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 1;
fail:
	snprintf(err, errlen, "%s: %s", path, strerror(errno));
	close(fd);
	unlink(path);
	return -1;
}

static int
check_of(const uint8_t file[CREDKEY_FILE_LEN], uint8_t check[CHECK_LEN])
{
	uint8_t md[SHA256_DIGEST_LENGTH];
	SHA256_CTX c;

	if (SHA256_Init(&c) != 1 || SHA256_Update(&c, file, OFF_CHECK) != 1 ||
	    SHA256_Final(md, &c) != 1)
		return -1;
	memcpy(check, md, CHECK_LEN);
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(md, sizeof(md));
	return 0;
}

/* The whole file as read, checked.  1, 0 missing, -1; buf wiped unless 1. */
static int
read_file(const char *path, uint8_t buf[CREDKEY_FILE_LEN + 1], char *err, size_t errlen)
{
	uint8_t check[CHECK_LEN];
	ssize_t n;

	if ((n = read_secret(path, buf, CREDKEY_FILE_LEN, err, errlen)) == -1)
		return errno == ENOENT ? 0 : -1;
	if (n != CREDKEY_FILE_LEN || memcmp(buf, magic, sizeof(magic)) != 0) {
		snprintf(err, errlen, "%s: not a seuil credentials key file (%d bytes "
		    "starting \"seuilck\" expected)", path, CREDKEY_FILE_LEN);
		goto fail;
	}
	if (buf[sizeof(magic)] != CREDKEY_VERSION) {
		snprintf(err, errlen, "%s: credentials key file of version %u, this seuil "
		    "reads version %u", path, buf[sizeof(magic)], CREDKEY_VERSION);
		goto fail;
	}
	if (check_of(buf, check) == -1) {
		snprintf(err, errlen, "%s: no SHA-256 from OpenSSL", path);
		goto fail;
	}
	if (CRYPTO_memcmp(check, buf + OFF_CHECK, CHECK_LEN) != 0) {
		snprintf(err, errlen, "%s: credentials key file damaged (its check does "
		    "not match): restore it from a backup", path);
		goto fail;
	}
	return 1;
fail:
	OPENSSL_cleanse(buf, CREDKEY_FILE_LEN + 1);
	return -1;
}

int
credkey_load(const char *path, struct credkey *k, char *err, size_t errlen)
{
	uint8_t buf[CREDKEY_FILE_LEN + 1];
	int rc;

	memset(k, 0, sizeof(*k));
	if ((rc = read_file(path, buf, err, errlen)) != 1)
		return rc;
	memcpy(k->master0, buf + OFF_MASTER0, CREDKEY_LEN);
	memcpy(k->master1, buf + OFF_MASTER1, CREDKEY_LEN);
	memcpy(k->sysid, buf + OFF_SYSID, CREDKEY_SYSID_LEN);
	OPENSSL_cleanse(buf, sizeof(buf));
	return 1;
}

int
credkey_create(const char *path, char *err, size_t errlen)
{
	uint8_t buf[CREDKEY_FILE_LEN];
	int rc;

	memcpy(buf, magic, sizeof(magic));
	buf[sizeof(magic)] = CREDKEY_VERSION;
	if (RAND_bytes(buf + OFF_MASTER0, OFF_CHECK - OFF_MASTER0) != 1 ||
	    check_of(buf, buf + OFF_CHECK) == -1) {
		snprintf(err, errlen, "%s: no random bytes or SHA-256 from OpenSSL", path);
		OPENSSL_cleanse(buf, sizeof(buf));
		return -1;
	}
	rc = write_secret(path, buf, sizeof(buf), 1, err, errlen);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

int
credkey_copy(const char *src, const char *dst, char *err, size_t errlen)
{
	uint8_t buf[CREDKEY_FILE_LEN + 1];
	int rc;

	if ((rc = read_file(src, buf, err, errlen)) != 1)
		return rc;
	rc = write_secret(dst, buf, CREDKEY_FILE_LEN, 0, err, errlen);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
credkey_picc_load(const char *path, uint8_t key[CREDKEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[2 * CREDKEY_LEN + 2];
	ssize_t n;
	int i, hi, lo;

	memset(key, 0, CREDKEY_LEN);
	if ((n = read_secret(path, buf, 2 * CREDKEY_LEN + 1, err, errlen)) == -1)
		return -1;
	/* 32 hex digits, and one newline if any. */
	if (n == 2 * CREDKEY_LEN + 1 && buf[2 * CREDKEY_LEN] == '\n')
		n--;
	if (n != 2 * CREDKEY_LEN)
		goto bad;
	for (i = 0; i < CREDKEY_LEN; i++) {
		if ((hi = hexval(buf[2 * i])) < 0 || (lo = hexval(buf[2 * i + 1])) < 0)
			goto bad;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	return 0;
bad:
	snprintf(err, errlen, "%s: want an AES-128 key as 32 hex digits on one line", path);
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(key, CREDKEY_LEN);
	return -1;
}

void
credkey_wipe(struct credkey *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

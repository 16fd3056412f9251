/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <fcntl.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "credkey.h"
#include "testhelp.h"
#include "uid.h"

static char dir[] = "/tmp/seuil-test-uid.XXXXXX";

static int
parses(const char *text, int len)
{
	struct uid u;
	char err[128];

	if (uid_parse(text, &u, err, sizeof(err)) == -1)
		return 0;
	return u.len == len;
}

static void
test_parse_variants(void)
{
	struct uid u;
	char err[128];

	EXPECT(uid_parse("04A1B2C3", &u, err, sizeof(err)) == 0);
	EXPECT_INT(u.len, 4);
	EXPECT_INT(u.bytes[0], 0x04);
	EXPECT_INT(u.bytes[3], 0xC3);
	EXPECT(parses("04a1b2c3", 4));
	EXPECT(parses("04:a1:B2:c3", 4));
	EXPECT(parses("04-A1-B2-C3", 4));
	EXPECT(parses("04 A1 B2 C3", 4));
	EXPECT(parses("04A1:B2C3", 4));
	EXPECT(parses("0411223344556A", 7));
	EXPECT(parses("04:11:22:33:44:55:6a", 7));
	EXPECT(parses("0102030405060708090A", 10));
	EXPECT(uid_parse("04:11:22:33:44:55:6a", &u, err, sizeof(err)) == 0);
	EXPECT_INT(u.bytes[6], 0x6a);
}

static void
test_parse_rejections(void)
{
	static const char *bad[] = {
		"", "04A1B2", "04A1B2C3D4", "04A1B2C3D", "04A1B2CG",
		"0102030405060708090A0B", "04A1B2C3:", ":04A1B2C3",
		"04::A1B2C3", "0:4A1B2C3", "04A1B2C3\n", "04_A1_B2_C3",
		"0x04A1B2C3", "04A1B2C3 ", "0102030405",
	};
	struct uid u;
	char err[128];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (uid_parse(bad[i], &u, err, sizeof(err)) != -1) {
			printf("#   accepted bad UID #%zu\n", i);
			th_current_failed = 1;
		}
		EXPECT(err[0] != '\0');
		/* The message never repeats what was typed. */
		if (strlen(bad[i]) >= 4 && strstr(err, bad[i]) != NULL)
			th_current_failed = 1;
	}
	EXPECT(uid_parse("DEADBEEFZZ", &u, err, sizeof(err)) == -1);
	EXPECT(strstr(err, "DEADBEEF") == NULL);
	EXPECT(strstr(err, "deadbeef") == NULL);
}

static void
test_mac(void)
{
	uint8_t k1[UID_KEY_LEN], k2[UID_KEY_LEN];
	uint8_t m1[UID_MAC_LEN], m2[UID_MAC_LEN], m3[UID_MAC_LEN], m4[UID_MAC_LEN];
	struct uid a, b;
	char err[128];

	memset(k1, 0x11, sizeof(k1));
	memset(k2, 0x22, sizeof(k2));
	EXPECT(uid_parse("04A1B2C3", &a, err, sizeof(err)) == 0);
	EXPECT(uid_parse("04:a1:b2:c3", &b, err, sizeof(err)) == 0);
	uid_mac(k1, &a, m1);
	uid_mac(k1, &b, m2);
	EXPECT(memcmp(m1, m2, UID_MAC_LEN) == 0);	/* deterministic */
	uid_mac(k2, &a, m3);
	EXPECT(memcmp(m1, m3, UID_MAC_LEN) != 0);	/* key-dependent */
	EXPECT(uid_parse("04A1B2C4", &b, err, sizeof(err)) == 0);
	uid_mac(k1, &b, m4);
	EXPECT(memcmp(m1, m4, UID_MAC_LEN) != 0);	/* UID-dependent */
	/* Not the identity or a plain hash of the UID: no UID bytes inside. */
	EXPECT(memmem(m1, UID_MAC_LEN, a.bytes, a.len) == NULL);
}

static void
test_mac_known_answer(void)
{
	/* HMAC-SHA256 with 32 bytes of 0x11 over 04 A1 B2 C3, computed
	 * independently with Python's hmac module. */
	static const char want[] =
	    "dcd6aa0f8fb296bebd8d73131e2fdda45b9e142c7ff92af4f3651b46671410d2";
	uint8_t key[UID_KEY_LEN], mac[UID_MAC_LEN];
	char hex[2 * UID_MAC_LEN + 1], err[128];
	struct uid u;
	int i;

	memset(key, 0x11, sizeof(key));
	EXPECT(uid_parse("04A1B2C3", &u, err, sizeof(err)) == 0);
	uid_mac(key, &u, mac);
	for (i = 0; i < UID_MAC_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", mac[i]);
	EXPECT_STR(hex, want);
}

/* uid_mac is OpenSSL's HMAC-SHA256, bit for bit: every enrolled badge's
 * MAC was made by it.  Random keys and UIDs of each length. */
static void
test_mac_matches_openssl(void)
{
	uint8_t key[UID_KEY_LEN], mine[UID_MAC_LEN], theirs[EVP_MAX_MD_SIZE];
	static const int lens[] = { 4, 7, 10 };
	unsigned int n;
	struct uid u;
	int i, bad = 0;

	for (i = 0; i < 3000; i++) {
		memset(&u, 0, sizeof(u));
		u.len = lens[i % 3];
		EXPECT(RAND_bytes(key, sizeof(key)) == 1 && RAND_bytes(u.bytes, u.len) == 1);
		uid_mac(key, &u, mine);
		n = 0;
		EXPECT(HMAC(EVP_sha256(), key, sizeof(key), u.bytes, (size_t)u.len, theirs, &n) != NULL);
		EXPECT_INT(n, UID_MAC_LEN);
		bad += memcmp(mine, theirs, UID_MAC_LEN) != 0;
	}
	EXPECT_INT(bad, 0);
}

/* A credential's MAC is the same HMAC-SHA256 over its 16 bytes, never
 * that of a UID with the same first bytes. */
static void
test_credential_mac(void)
{
	uint8_t key[UID_KEY_LEN], cred[UID_CREDENTIAL_LEN], mine[UID_MAC_LEN];
	uint8_t theirs[EVP_MAX_MD_SIZE], umac[UID_MAC_LEN];
	unsigned int n = 0;
	struct uid u;

	EXPECT(RAND_bytes(key, sizeof(key)) == 1 && RAND_bytes(cred, sizeof(cred)) == 1);
	uid_credential_mac(key, cred, mine);
	EXPECT(HMAC(EVP_sha256(), key, sizeof(key), cred, sizeof(cred), theirs, &n) != NULL);
	EXPECT_INT(n, UID_MAC_LEN);
	EXPECT(memcmp(mine, theirs, UID_MAC_LEN) == 0);
	memset(&u, 0, sizeof(u));
	u.len = 10;
	memcpy(u.bytes, cred, 10);
	uid_mac(key, &u, umac);
	EXPECT(memcmp(mine, umac, UID_MAC_LEN) != 0);
}

/* The credentials key file: made once, 0600, 64 bytes; refused when
 * readable by others, cut, lengthened, of another version or damaged;
 * copied for a backup, never over a file; the PICC key as hex. */
static void
test_credkey_file(void)
{
	struct credkey k, k2;
	uint8_t buf[CREDKEY_FILE_LEN], picc[CREDKEY_LEN];
	char path[256], copy[256], err[512];
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/credentials.key", dir);
	snprintf(copy, sizeof(copy), "%s/credentials.copy", dir);
	EXPECT_INT(credkey_load(path, &k, err, sizeof(err)), 0);
	EXPECT(strstr(err, path) != NULL);
	EXPECT_INT(credkey_create(path, err, sizeof(err)), 1);
	EXPECT(stat(path, &sb) == 0);
	EXPECT_INT(sb.st_mode & 07777, 0600);
	EXPECT_INT(sb.st_size, CREDKEY_FILE_LEN);
	EXPECT_INT(credkey_load(path, &k, err, sizeof(err)), 1);
	EXPECT(memcmp(k.master0, k.master1, CREDKEY_LEN) != 0);
	EXPECT(memcmp(k.master1, k.sysid, CREDKEY_LEN) != 0);
	EXPECT_INT(credkey_create(path, err, sizeof(err)), 0);
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), 1);
	EXPECT(memcmp(&k, &k2, sizeof(k)) == 0);

	/* A backup copy loads the same keys; never written over a file. */
	EXPECT_INT(credkey_copy(path, copy, err, sizeof(err)), 1);
	EXPECT(stat(copy, &sb) == 0 && (sb.st_mode & 07777) == 0600);
	EXPECT_INT(credkey_load(copy, &k2, err, sizeof(err)), 1);
	EXPECT(memcmp(&k, &k2, sizeof(k)) == 0);
	EXPECT_INT(credkey_copy(path, copy, err, sizeof(err)), -1);
	unlink(copy);
	snprintf(copy, sizeof(copy), "%s/none.key", dir);
	EXPECT_INT(credkey_copy(copy, path, err, sizeof(err)), 0);

	EXPECT(chmod(path, 0640) == 0);
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), -1);
	EXPECT(strstr(err, "chmod 600") != NULL);
	EXPECT(chmod(path, 0600) == 0);

	/* One bit flipped anywhere: refused as damaged (or not ours). */
	fd = open(path, O_RDWR);
	EXPECT(fd >= 0 && pread(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	for (int i = 0; i < CREDKEY_FILE_LEN; i += 9) {
		buf[i] ^= 0x04;
		EXPECT(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
		EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), -1);
		buf[i] ^= 0x04;
	}
	EXPECT(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), 1);
	buf[7] = 2;	/* a later format */
	EXPECT(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), -1);
	EXPECT(strstr(err, "version 2") != NULL);
	buf[7] = 1;
	EXPECT(pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf));
	EXPECT(pwrite(fd, "x", 1, CREDKEY_FILE_LEN) == 1);
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), -1);
	EXPECT(ftruncate(fd, CREDKEY_FILE_LEN - 1) == 0);
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), -1);
	close(fd);
	unlink(path);
	EXPECT(symlink(copy, path) == 0);
	EXPECT_INT(credkey_load(path, &k2, err, sizeof(err)), -1);
	unlink(path);

	/* The PICC key: 32 hex digits, one newline at most. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	EXPECT(fd >= 0 && write(fd, "00112233445566778899aabbccddEEFF\n", 33) == 33);
	close(fd);
	EXPECT_INT(credkey_picc_load(path, picc, err, sizeof(err)), 0);
	EXPECT_INT(picc[0], 0x00);
	EXPECT_INT(picc[15], 0xFF);
	EXPECT(truncate(path, 31) == 0);
	EXPECT_INT(credkey_picc_load(path, picc, err, sizeof(err)), -1);
	EXPECT_INT(picc[0], 0);
	unlink(path);
	credkey_wipe(&k);
	credkey_wipe(&k2);
}

static void
test_hint(void)
{
	struct uid u;
	char err[128], hint[UID_HINT_LEN];

	EXPECT(uid_parse("04a1b2c3", &u, err, sizeof(err)) == 0);
	uid_hint(&u, hint);
	EXPECT_STR(hint, "B2C3");
	EXPECT(uid_parse("0102030405060708090a", &u, err, sizeof(err)) == 0);
	uid_hint(&u, hint);
	EXPECT_STR(hint, "090A");
	uid_wipe(&u);
	EXPECT_INT(u.len, 0);
	EXPECT_INT(u.bytes[9], 0);
}

static void
test_key_file(void)
{
	uint8_t key[UID_KEY_LEN], key2[UID_KEY_LEN];
	char path[256], err[256];
	struct stat sb;
	int fd;

	snprintf(path, sizeof(path), "%s/uid.key", dir);
	EXPECT_INT(uid_key_create(path, err, sizeof(err)), 1);
	EXPECT(stat(path, &sb) == 0);
	EXPECT_INT(sb.st_mode & 07777, 0600);
	EXPECT_INT(sb.st_size, UID_KEY_LEN);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), 0);
	/* Idempotent: a second create keeps the key. */
	EXPECT_INT(uid_key_create(path, err, sizeof(err)), 0);
	EXPECT_INT(uid_key_load(path, key2, err, sizeof(err)), 0);
	EXPECT(memcmp(key, key2, UID_KEY_LEN) == 0);

	/* Group- or other-readable: refused, with the path in the message. */
	EXPECT(chmod(path, 0640) == 0);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), -1);
	EXPECT(strstr(err, path) != NULL);
	EXPECT(chmod(path, 0604) == 0);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), -1);
	EXPECT(chmod(path, 0600) == 0);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), 0);

	/* Wrong size: too long, then too short. */
	fd = open(path, O_WRONLY | O_APPEND);
	EXPECT(fd >= 0 && write(fd, "x", 1) == 1);
	close(fd);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), -1);
	EXPECT(strstr(err, path) != NULL);
	EXPECT(truncate(path, 16) == 0);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), -1);
	EXPECT(truncate(path, 0) == 0);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), -1);

	/* Missing file. */
	unlink(path);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), -1);
	EXPECT(strstr(err, path) != NULL);

	/* Two keys made independently differ. */
	EXPECT_INT(uid_key_create(path, err, sizeof(err)), 1);
	EXPECT_INT(uid_key_load(path, key, err, sizeof(err)), 0);
	unlink(path);
	EXPECT_INT(uid_key_create(path, err, sizeof(err)), 1);
	EXPECT_INT(uid_key_load(path, key2, err, sizeof(err)), 0);
	EXPECT(memcmp(key, key2, UID_KEY_LEN) != 0);
	unlink(path);

	/* An unwritable place is an error, not a crash. */
	snprintf(path, sizeof(path), "%s/missing/uid.key", dir);
	EXPECT_INT(uid_key_create(path, err, sizeof(err)), -1);
	EXPECT(strstr(err, path) != NULL);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_parse_variants);
	RUN(test_mac_matches_openssl);
	RUN(test_parse_rejections);
	RUN(test_mac);
	RUN(test_mac_known_answer);
	RUN(test_hint);
	RUN(test_credential_mac);
	RUN(test_credkey_file);
	RUN(test_key_file);
	rmdir(dir);
	return TEST_REPORT();
}

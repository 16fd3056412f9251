/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * An LD_PRELOAD shim for fault tests (tests/integration/fault_disk.sh):
 * makes a running program's disk slow or read-only on demand, the way a
 * dying SD card or a kernel remount-ro after errors does, without touching
 * its open files.
 *
 *   SEUIL_FAULT_DIR=<dir>	required; the knobs are files in it, checked
 *				at every call, so a test turns them on and off
 *				while the program runs:
 *     <dir>/slow_fsync		fsync and fdatasync sleep for the number of
 *				milliseconds it holds (2000 if empty), then
 *				do their work
 *     <dir>/erofs		pwrite, pwrite64, write, ftruncate, fsync and
 *				fdatasync fail with EROFS
 *     <dir>/slow_dns		getaddrinfo sleeps for the number of
 *				milliseconds it holds (2000 if empty), as with
 *				a DNS server that does not answer
 *				(tests/integration/fault_dns.sh)
 *     <dir>/clock_synced	adjtimex reports the clock NTP-synced
 *     <dir>/clock_unsynced	adjtimex reports it unsynced (the machine's
 *				own state otherwise): how a test makes
 *				seuild see its clock lose or gain NTP
 *   SEUIL_FAULT_PATH=<prefix>	only files whose path starts with it are
 *				affected (default: every regular file); an
 *				eventfd, socket or pipe never is.
 *
 * Under ASan the program must run with ASAN_OPTIONS=verify_asan_link_order=0
 * (this library comes first in the link order).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

/* The file knob in SEUIL_FAULT_DIR, or NULL when absent.  *ms gets the
 * number it holds (dflt when empty). */
static int
knob(const char *name, long dflt, long *ms)
{
	const char *dir = getenv("SEUIL_FAULT_DIR");
	char path[PATH_MAX], buf[32];
	FILE *f;
	int saved = errno;

	if (dir == NULL || snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return 0;
	if ((f = fopen(path, "re")) == NULL) {
		errno = saved;
		return 0;
	}
	*ms = dflt;
	if (fgets(buf, sizeof(buf), f) != NULL && buf[0] >= '0' && buf[0] <= '9')
		*ms = strtol(buf, NULL, 10);
	fclose(f);
	errno = saved;
	return 1;
}

/* Is fd a regular file under SEUIL_FAULT_PATH? */
static int
targeted(int fd)
{
	const char *prefix = getenv("SEUIL_FAULT_PATH");
	char link[64], path[PATH_MAX];
	struct stat sb;
	ssize_t n;
	int saved = errno, rc;

	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		errno = saved;
		return 0;
	}
	if (prefix == NULL || *prefix == '\0')
		return 1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, path, sizeof(path) - 1)) == -1) {
		errno = saved;
		return 0;
	}
	path[n] = '\0';
	rc = strncmp(path, prefix, strlen(prefix)) == 0;
	errno = saved;
	return rc;
}

static int
erofs(int fd)
{
	long unused;

	if (knob("erofs", 0, &unused) && targeted(fd)) {
		errno = EROFS;
		return 1;
	}
	return 0;
}

static void
slow(int fd)
{
	struct timespec ts;
	long ms;

	if (!knob("slow_fsync", 2000, &ms) || !targeted(fd))
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

#define REAL(name) \
	static __typeof__(&name) real; \
	if (real == NULL) \
		real = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

int
fsync(int fd)
{
	REAL(fsync);
	if (erofs(fd))
		return -1;
	slow(fd);
	return real(fd);
}

int
fdatasync(int fd)
{
	REAL(fdatasync);
	if (erofs(fd))
		return -1;
	slow(fd);
	return real(fd);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(pwrite);
	if (erofs(fd))
		return -1;
	return real(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off64_t off)
{
	REAL(pwrite64);
	if (erofs(fd))
		return -1;
	return real(fd, buf, n, off);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(write);
	if (erofs(fd))
		return -1;
	return real(fd, buf, n);
}

int
ftruncate(int fd, off_t len)
{
	REAL(ftruncate);
	if (erofs(fd))
		return -1;
	return real(fd, len);
}

int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	struct timespec ts;
	long ms;

	REAL(getaddrinfo);
	if (knob("slow_dns", 2000, &ms)) {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000L;
		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
	}
	return real(node, service, hints, res);
}

int
adjtimex(struct timex *tx)
{
	long unused;
	int rc;

	REAL(adjtimex);
	if ((rc = real(tx)) == -1 || tx->modes != 0)
		return rc;
	if (knob("clock_synced", 0, &unused)) {
		tx->status &= ~STA_UNSYNC;
		rc = TIME_OK;
	} else if (knob("clock_unsynced", 0, &unused)) {
		tx->status |= STA_UNSYNC;
		rc = TIME_ERROR;
	}
	return rc;
}

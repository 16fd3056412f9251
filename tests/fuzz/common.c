/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shared by every fuzz target: the helpers of fuzz.h, and a silent log.c.
 * The log functions still format their message (a bad format argument is
 * still caught by the sanitizers) but write nothing, so a target's output
 * is libFuzzer's own.  Defining them here keeps core's log.o out of the
 * link.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "log.h"

static void
discard(const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
}

void log_init(const char *ident, int to_stderr, int verbose)
{ (void)ident; (void)to_stderr; (void)verbose; }
void log_warn(const char *fmt, ...) { va_list ap; va_start(ap, fmt); discard(fmt, ap); va_end(ap); }
void log_warnx(const char *fmt, ...) { va_list ap; va_start(ap, fmt); discard(fmt, ap); va_end(ap); }
void log_info(const char *fmt, ...) { va_list ap; va_start(ap, fmt); discard(fmt, ap); va_end(ap); }
void log_debug(const char *fmt, ...) { va_list ap; va_start(ap, fmt); discard(fmt, ap); va_end(ap); }

_Noreturn void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(": fatal() reached from fuzzed input\n", stderr);
	abort();
}

_Noreturn void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(": fatalx() reached from fuzzed input\n", stderr);
	abort();
}

char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char tmpdir[256];

static void
tmpdir_remove(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

const char *
fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0] != '\0')
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/seuil-fuzz.XXXXXX",
	    base != NULL && base[0] != '\0' ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		abort();
	atexit(tmpdir_remove);
	return tmpdir;
}

int
fuzz_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp, min;

		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xE0) == 0xC0) {
			n = 1; cp = c & 0x1F; min = 0x80;
		} else if ((c & 0xF0) == 0xE0) {
			n = 2; cp = c & 0x0F; min = 0x800;
		} else if ((c & 0xF8) == 0xF0) {
			n = 3; cp = c & 0x07; min = 0x10000;
		} else {
			return 0;
		}
		if (i + n >= len)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

void
fuzz_fds_open(unsigned char set[FUZZ_FD_SETS])
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(set, 0, FUZZ_FD_SETS);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		int fd = atoi(e->d_name);

		if (e->d_name[0] != '.' && fd >= 0 && fd < FUZZ_FD_SETS && fd != dirfd(d))
			set[fd] = 1;
	}
	closedir(d);
}

/*
 * libnfc 1.8 loses the write end of its abort pipe when the watchdog
 * aborts a command it is not waiting in (pn532_uart_abort_command closes
 * one end only); the reader child exits soon after, so it costs nothing
 * there, but here it would pile up until libnfc's select() met a
 * descriptor over FD_SETSIZE.  So what one run left open is closed.
 */
void
fuzz_fds_close_new(const unsigned char before[FUZZ_FD_SETS])
{
	unsigned char after[FUZZ_FD_SETS];

	fuzz_fds_open(after);
	for (int fd = 0; fd < FUZZ_FD_SETS; fd++)
		if (after[fd] && !before[fd])
			close(fd);
}

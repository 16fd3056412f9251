/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Tests that drive the PN532 emulator (tests/tools/pn532emu.c): start it
 * on a private pty and control FIFO, send it control lines, stop it.  The
 * emulator is the build's tests/pn532emu, beside the test binary
 * (find_emulator() finds it or fails the test).
 */
#ifndef SEUIL_EMUHELP_H
#define SEUIL_EMUHELP_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* a failure limit only: the emulator starts in milliseconds */
#define EMU_START_LIMIT_MS	5000

struct emu {
	pid_t	pid;
	char	dir[64];
	char	link[96];
	char	ctl[96];
};

static char emu_path[PATH_MAX];	/* set by find_emulator() */

static inline int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void
find_emulator(void)
{
	char self[PATH_MAX - 16];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		perror("readlink /proc/self/exe");
		exit(1);
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) != NULL)
		*slash = '\0';
	snprintf(emu_path, sizeof(emu_path), "%s/pn532emu", self);
	if (access(emu_path, X_OK) != 0) {
		printf("# %s: %s (make it first)\n", emu_path, strerror(errno));
		printf("not ok find_emulator\n");
		exit(1);
	}
}

/* Start the emulator and wait until it prints its pty: then it is ready. */
static inline int
emu_start(struct emu *e)
{
	int out[2];
	char line[256];
	size_t len = 0;
	int64_t limit = now_ms() + EMU_START_LIMIT_MS;

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/seuil-pn532.XXXXXX");
	if (mkdtemp(e->dir) == NULL)
		return -1;
	snprintf(e->link, sizeof(e->link), "%s/pn532", e->dir);
	snprintf(e->ctl, sizeof(e->ctl), "%s/ctl", e->dir);
	if (mkfifo(e->ctl, 0600) == -1 || pipe(out) == -1)
		return -1;
	if ((e->pid = fork()) == -1)
		return -1;
	if (e->pid == 0) {
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		/* Under make check-cross this test runs in qemu-user, which
		 * cannot exec an arm64 program by itself: RUN_WRAPPER can. */
		char *w = getenv("RUN_WRAPPER");
		char *args[9], **a = args;

		if (w != NULL && *w != '\0')
			*a++ = w;
		*a++ = emu_path;
		if (getenv("PN532EMU_VERBOSE") != NULL)
			*a++ = "-v";
		*a++ = "--link";
		*a++ = e->link;
		*a++ = "--control";
		*a++ = e->ctl;
		*a = NULL;
		execvp(args[0], args);
		_exit(127);
	}
	close(out[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	while (len < sizeof(line) - 1 && now_ms() < limit) {
		ssize_t r = read(out[0], line + len, sizeof(line) - 1 - len);

		if (r > 0) {
			len += (size_t)r;
			if (memchr(line, '\n', len) != NULL)
				break;
		} else if (r == 0) {
			break;
		} else {
			usleep(10000);
		}
	}
	close(out[0]);
	line[len] = '\0';
	if (strncmp(line, "/dev/pts/", 9) != 0) {
		printf("# emulator did not start: \"%s\"\n", line);
		return -1;
	}
	return 0;
}

static inline void
emu_send(const struct emu *e, const char *cmd)
{
	int fd = open(e->ctl, O_WRONLY | O_NONBLOCK);

	if (fd == -1) {
		printf("# %s: %s\n", e->ctl, strerror(errno));
		return;
	}
	if (write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd) || write(fd, "\n", 1) != 1)
		printf("# control write: %s\n", strerror(errno));
	close(fd);
}

static inline void
emu_stop(struct emu *e)
{
	if (e->pid > 0) {
		kill(e->pid, SIGTERM);
		waitpid(e->pid, NULL, 0);
		e->pid = 0;
	}
	unlink(e->link);
	unlink(e->ctl);
	rmdir(e->dir);
}

#endif

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The reader child and its sandbox (firmware-glue/reader_child.h,
 * reader_sandbox.h).
 *
 * A forked child enters the sandbox and then tries what a hostile card
 * exploiting libnfc would try: open the key file, create a file, connect
 * to the control socket and to a TCP port on 127.0.0.1, change its uid and
 * gid, run a program.  It reports each result over a pipe; every attempt
 * must fail.  The same child without the sandbox must succeed at each, so
 * the test fails if the sandbox does nothing.
 *
 * qemu-user (which emulates no seccomp) is stood in for by this file's
 * prctl(), which makes PR_SET_SECCOMP fail with EINVAL when asked: the
 * real reader child, running the sim reader, must then refuse to run under
 * reader_sandbox = required and run with a warning under best_effort.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "reader_child.h"
#include "reader_sandbox.h"
#include "testhelp.h"

#define MSG_LIMIT_MS	5000	/* failure limit only */

static int fail_seccomp;	/* our prctl() refuses PR_SET_SECCOMP */

/* Interposes glibc's prctl for the whole test binary, reader_sandbox.c
 * included. */
int
prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;

	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (fail_seccomp && option == PR_SET_SECCOMP) {
		errno = EINVAL;		/* what qemu-user answers */
		return -1;
	}
	return (int)syscall(SYS_prctl, option, a[0], a[1], a[2], a[3]);
}

static char dir[64];
static char secret[100], newfile[100], sockpath[100], fifo[100];
static int unix_lfd = -1, inet_lfd = -1;
static uint16_t inet_port;

static void
setup(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int fd;

	snprintf(dir, sizeof(dir), "/tmp/seuil-sandbox.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(secret, sizeof(secret), "%s/uid.key", dir);
	snprintf(newfile, sizeof(newfile), "%s/dropped", dir);
	snprintf(sockpath, sizeof(sockpath), "%s/control.sock", dir);
	snprintf(fifo, sizeof(fifo), "%s/reader.fifo", dir);
	if ((fd = open(secret, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, "key", 3) != 3) {
		perror(secret);
		exit(1);
	}
	close(fd);

	/* the control socket, and a TCP port on loopback */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
	unix_lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (unix_lfd == -1 || bind(unix_lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(unix_lfd, 8) == -1) {
		perror("unix listener");
		exit(1);
	}
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	inet_lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (inet_lfd == -1 || bind(inet_lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(inet_lfd, 8) == -1 ||
	    getsockname(inet_lfd, (struct sockaddr *)&sin, &len) == -1) {
		perror("inet listener");
		exit(1);
	}
	inet_port = ntohs(sin.sin_port);
}

static void
teardown(void)
{
	close(unix_lfd);
	close(inet_lfd);
	unlink(secret);
	unlink(newfile);
	unlink(sockpath);
	unlink(fifo);
	rmdir(dir);
}

/* ---- what a compromised child would try ---- */

enum attempt { A_OPEN, A_CREATE, A_UNIX, A_INET, A_SETUID, A_SETGID, A_EXEC, A_WORKS,
	NATTEMPTS };
static const char *const attempt_name[NATTEMPTS] = {
	"open the key file", "create a file", "connect to the control socket",
	"connect to 127.0.0.1", "setuid", "setgid", "execve", "ordinary work",
};

struct result {
	int	attempt;
	int	err;		/* 0: it worked */
};

static void
report(int fd, int attempt, int ok)
{
	struct result r = { attempt, ok ? 0 : (errno != 0 ? errno : -1) };

	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(EX_IOERR);
}

static int
try_connect(int family)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd, rc;

	if ((fd = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (family == AF_UNIX) {
		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", sockpath);
		rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	} else {
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons(inet_port);
		rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	}
	close(fd);
	return rc;
}

/* What the child must still be able to do: sleep, allocate, send on the
 * socket it holds, write to the pipe. */
static int
try_work(int sock)
{
	struct timespec ts = { 0, 1000000 };
	char *big;

	if (nanosleep(&ts, NULL) == -1 || (big = malloc(1 << 20)) == NULL)
		return -1;
	memset(big, 1, 1 << 20);
	free(big);
	return send(sock, "x", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static _Noreturn void
attacker(int out, bool sandboxed)
{
	char err[256];
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	int fd, sv[2];

	/* Made before the sandbox, as the real child's socketpair is. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		_exit(EX_OSERR);
	if (sandboxed && reader_sandbox_enter(err, sizeof(err)) == -1) {
		fprintf(stderr, "# sandbox: %s\n", err);
		_exit(EX_UNAVAILABLE);
	}

	errno = 0;
	fd = open(secret, O_RDONLY);
	report(out, A_OPEN, fd != -1);
	if (fd != -1)
		close(fd);
	errno = 0;
	fd = open(newfile, O_WRONLY | O_CREAT | O_EXCL, 0600);
	report(out, A_CREATE, fd != -1);
	if (fd != -1)
		close(fd);
	errno = 0;
	report(out, A_UNIX, try_connect(AF_UNIX) == 0);
	errno = 0;
	report(out, A_INET, try_connect(AF_INET) == 0);
	errno = 0;
	report(out, A_WORKS, try_work(sv[0]) == 0);
	errno = 0;
	report(out, A_SETGID, setgid(getgid()) == 0);
	errno = 0;
	report(out, A_SETUID, setuid(getuid()) == 0);
	errno = 0;
	execve("/bin/true", argv, envp);
	report(out, A_EXEC, 0);
	_exit(0);
}

/* Run the attacker; results[a] = its errno (0 worked), or -2 if unreported
 * (execve replaced the process: it worked). */
static int
run_attacker(bool sandboxed, int results[NATTEMPTS])
{
	struct result r;
	int p[2], status;
	pid_t pid;

	for (int i = 0; i < NATTEMPTS; i++)
		results[i] = -2;
	if (pipe(p) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		close(p[0]);
		attacker(p[1], sandboxed);
	}
	close(p[1]);
	while (read(p[0], &r, sizeof(r)) == sizeof(r))
		if (r.attempt >= 0 && r.attempt < NATTEMPTS)
			results[r.attempt] = r.err;
	close(p[0]);
	waitpid(pid, &status, 0);
	unlink(newfile);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
test_sandbox_blocks_escape(void)
{
	int res[NATTEMPTS];

	EXPECT_INT(run_attacker(true, res), 0);
	for (int i = 0; i < NATTEMPTS; i++) {
		if (i == A_WORKS) {
			if (res[i] != 0)
				printf("#   sandboxed: %s failed: %s\n", attempt_name[i],
				    strerror(res[i]));
			EXPECT_INT(res[i], 0);
			continue;
		}
		if (res[i] == 0 || res[i] == -2)
			printf("#   sandboxed child could %s\n", attempt_name[i]);
		EXPECT(res[i] > 0);
	}
	EXPECT_INT(res[A_OPEN], EPERM);
	EXPECT_INT(res[A_UNIX], EPERM);
	EXPECT_INT(res[A_INET], EPERM);
	EXPECT_INT(res[A_EXEC], EPERM);
	EXPECT(access(newfile, F_OK) == -1);
}

/* The control: without the sandbox every attempt works, so the test above
 * would fail if reader_sandbox_enter() did nothing. */
static void
test_unsandboxed_child_can(void)
{
	int res[NATTEMPTS];

	EXPECT_INT(run_attacker(false, res), 0);
	for (int i = 0; i < NATTEMPTS; i++) {
		if (i == A_EXEC) {
			EXPECT_INT(res[i], -2);		/* replaced by /bin/true */
			continue;
		}
		if (res[i] != 0)
			printf("#   unsandboxed: %s failed: %s\n", attempt_name[i],
			    res[i] > 0 ? strerror(res[i]) : "?");
		EXPECT_INT(res[i], 0);
	}
}

static void
test_enter_fails_like_qemu(void)
{
	char err[256] = "";
	int status, p[2];
	pid_t pid;

	EXPECT(pipe(p) == 0);
	if ((pid = fork()) == 0) {
		int rc, e;

		fail_seccomp = 1;
		rc = reader_sandbox_enter(err, sizeof(err));
		e = errno;
		if (write(p[1], err, sizeof(err)) != sizeof(err))
			_exit(EX_IOERR);
		_exit(rc == -1 && e == EINVAL ? 0 : 1);
	}
	close(p[1]);
	EXPECT(read(p[0], err, sizeof(err)) == sizeof(err));
	close(p[0]);
	waitpid(pid, &status, 0);
	EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT(strstr(err, "seccomp") != NULL);
}

/* ---- the reader child itself, with the sim reader ---- */

static struct reader_conf sim_conf(void)
{
	struct reader_conf rc;

	memset(&rc, 0, sizeof(rc));
	snprintf(rc.name, sizeof(rc.name), "front-in");
	rc.driver = READER_SIM;
	snprintf(rc.sim_fifo, sizeof(rc.sim_fifo), "%s", fifo);
	return rc;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The next message other than a heartbeat; 1, or -1 (with why) or 0 on
 * timeout. */
static int
next_msg(int sock, struct reader_msg *m, const char **why)
{
	int64_t end = now_ms() + MSG_LIMIT_MS;
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int n;

	*why = "timeout";
	while (now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - now_ms())) <= 0)
			continue;
		n = reader_child_recv(sock, m, why);
		if (n == -1)
			return -1;
		if (n == 1 && m->type != READER_MSG_HEARTBEAT)
			return 1;
	}
	return 0;
}

static void
tap(const char *line)
{
	int fd = open(fifo, O_WRONLY | O_NONBLOCK);

	if (fd == -1 || write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		printf("#   writing %s: %s\n", fifo, strerror(errno));
	if (fd != -1)
		close(fd);
}

static int
status_field(pid_t pid, const char *field)
{
	char path[64], line[256];
	FILE *f;
	int v = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0 && line[strlen(field)] == ':')
			v = atoi(line + strlen(field) + 1);
	fclose(f);
	return v;
}

/* How many descriptors the child holds, and whether one is the file we
 * left open (without close-on-exec) in the parent. */
static int
child_fds(pid_t pid, const char *leaked, bool *saw_leak)
{
	char path[64], link[PATH_MAX], target[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int n = 0;
	ssize_t len;

	*saw_leak = false;
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		n++;
		snprintf(link, sizeof(link), "%s/%s", path, de->d_name);
		if ((len = readlink(link, target, sizeof(target) - 1)) > 0) {
			target[len] = '\0';
			if (strcmp(target, leaked) == 0)
				*saw_leak = true;
		}
	}
	closedir(d);
	return n;
}

/* Its exit status, or 128 + signal; a child still running after the
 * limit is killed, so that a broken sandbox fails the test, not hangs it. */
static int
reap(pid_t pid)
{
	int64_t end = now_ms() + MSG_LIMIT_MS;
	int status;

	while (waitpid(pid, &status, WNOHANG) == 0) {
		if (now_ms() > end) {
			printf("#   child %d still running: killed\n", (int)pid);
			kill(pid, SIGKILL);
		}
		usleep(10000);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int
stop_child(pid_t pid)
{
	kill(pid, SIGTERM);
	return reap(pid);
}

static void
test_child_sandboxed_sim_reader(void)
{
	struct reader_conf rc = sim_conf();
	struct reader_child_opts o = { .heartbeat_ms = 100, .sandbox = READER_SANDBOX_REQUIRED };
	struct reader_msg m;
	const char *why;
	bool leak;
	int sock, held;
	pid_t pid;

	/* a descriptor the parent holds without close-on-exec: the database */
	held = open(secret, O_RDONLY);
	EXPECT(held != -1);
	pid = reader_child_start(&rc, &o, &sock, NULL);
	EXPECT(pid > 0);
	if (pid <= 0)
		return;
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_UP);
	EXPECT_INT(status_field(pid, "Seccomp"), 2);
	EXPECT_INT(status_field(pid, "NoNewPrivs"), 1);
	/* 0, 1, 2, the socket and the FIFO; not the parent's file */
	EXPECT_INT(child_fds(pid, secret, &leak), 5);
	EXPECT(!leak);

	tap("04A1B2C3\n");
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_TAP);
	EXPECT_INT(m.uid_len, 4);
	EXPECT(memcmp(m.uid, "\x04\xA1\xB2\xC3", 4) == 0);
	tap("-\n");
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_GONE);
	/* a heartbeat while nothing happens */
	EXPECT_INT(reader_child_recv(sock, &m, &why) >= 0, 1);

	EXPECT_INT(stop_child(pid), 0);		/* closed the reader cleanly */
	close(sock);
	close(held);
}

static void
test_required_refuses_uncontained(void)
{
	struct reader_conf rc = sim_conf();
	struct reader_child_opts o = { .heartbeat_ms = 100, .sandbox = READER_SANDBOX_REQUIRED };
	struct reader_msg m;
	const char *why;
	int sock;
	pid_t pid;

	fail_seccomp = 1;
	pid = reader_child_start(&rc, &o, &sock, NULL);
	fail_seccomp = 0;
	EXPECT(pid > 0);
	if (pid <= 0)
		return;
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_DOWN);
	EXPECT(strstr(m.detail, "sandbox") != NULL);
	EXPECT(strstr(m.detail, "required") != NULL);
	EXPECT_INT(next_msg(sock, &m, &why), -1);	/* and nothing else */
	EXPECT_INT(reap(pid), EX_UNAVAILABLE);
	close(sock);
}

static void
test_best_effort_runs_with_warning(void)
{
	struct reader_conf rc = sim_conf();
	struct reader_child_opts o = { .heartbeat_ms = 100,
	    .sandbox = READER_SANDBOX_BEST_EFFORT };
	struct reader_msg m;
	const char *why;
	int sock;
	pid_t pid;

	fail_seccomp = 1;
	pid = reader_child_start(&rc, &o, &sock, NULL);
	fail_seccomp = 0;
	EXPECT(pid > 0);
	if (pid <= 0)
		return;
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_UNCONTAINED);
	EXPECT(strstr(m.detail, "seccomp") != NULL);
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_UP);
	EXPECT_INT(status_field(pid, "Seccomp"), 0);
	tap("04112233445566\n");
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_TAP);
	EXPECT_INT(m.uid_len, 7);
	EXPECT_INT(stop_child(pid), 0);
	close(sock);
}

/* ---- the parent's checks of what a child sends ---- */

static int
feed(const void *buf, size_t len, struct reader_msg *m, const char **why)
{
	int sv[2], n;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		return -9;
	if (len > 0 && send(sv[1], buf, len, 0) != (ssize_t)len)
		n = -9;
	else {
		if (len == 0)
			close(sv[1]);
		n = reader_child_recv(sv[0], m, why);
	}
	close(sv[0]);
	if (len > 0)
		close(sv[1]);
	return n;
}

static void
test_recv_validates(void)
{
	struct reader_msg good, m;
	char big[sizeof(good) + 8];
	const char *why = NULL;
	int sv[2];

	memset(&good, 0, sizeof(good));
	good.type = READER_MSG_TAP;
	good.uid_len = 7;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), 1);
	good.uid_len = 5;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	EXPECT_STR(why, "bad message from reader child");
	good.uid_len = 11;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	good.type = 0;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	good.type = 99;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	good.type = READER_MSG_DOWN;
	memset(good.detail, 'x', sizeof(good.detail));	/* no NUL */
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), 1);
	EXPECT_INT(strlen(m.detail), sizeof(m.detail) - 1);
	EXPECT_INT(feed(&good, sizeof(good) - 1, &m, &why), -1);	/* short */
	memset(big, 0, sizeof(big));
	big[0] = READER_MSG_HEARTBEAT;
	EXPECT_INT(feed(big, sizeof(big), &m, &why), -1);		/* long */
	EXPECT_INT(feed(NULL, 0, &m, &why), -1);			/* hung up */
	EXPECT_STR(why, "reader process exited");

	/* A tap's card and flags: a held card is an ISO 14443-4 one with a
	 * number; nothing else is. */
	memset(&good, 0, sizeof(good));
	good.type = READER_MSG_TAP;
	good.uid_len = 7;
	good.card = READER_CARD_ISO14443_4;
	good.flags = READER_TAP_HELD;
	good.tap = 5;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), 1);
	EXPECT_INT(m.tap, 5);
	good.tap = 0;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	good.tap = 5;
	good.card = READER_CARD_OTHER;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	good.flags = 0;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), 1);
	good.card = 2;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	good.card = READER_CARD_ISO14443_4;
	good.flags = 0x02;
	EXPECT_INT(feed(&good, sizeof(good), &m, &why), -1);
	/* nothing waiting */
	EXPECT(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	EXPECT_INT(reader_child_recv(sv[0], &m, &why), 0);
	close(sv[0]);
	close(sv[1]);
}

/* An answer as a child would send it. */
static void
answer(int sock, uint8_t type, uint8_t status, uint32_t tap, uint32_t seq, size_t len,
    uint8_t fill)
{
	struct reader_xmsg x;

	memset(&x, 0, sizeof(x));
	x.type = type;
	x.status = status;
	x.tap = tap;
	x.seq = seq;
	x.len = (uint16_t)len;
	memset(x.data, fill, sizeof(x.data));
	EXPECT(send(sock, &x, sizeof(x), 0) == (ssize_t)sizeof(x));
}

/*
 * The parent's side of an exchange: the APDU goes out as one record naming
 * its tap and number; late answers (another APDU, another tap) are
 * dropped; a card's silence, a missing answer and a hang-up are no answer;
 * an answer longer than the caller takes is none either; and a record of
 * the wrong size, type or length is a broken child, said in why.
 */
static void
test_transceive_validates(void)
{
	static const uint8_t apdu[] = { 0x90, 0x5A, 0x00, 0x00, 0x03, 0x11, 0xEE, 0xF5, 0x00 };
	struct reader_xmsg x;
	uint8_t rx[64];
	const char *why;
	char odd[sizeof(x) - 1];
	int sv[2], n;

	EXPECT(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	answer(sv[1], READER_X_ANSWER, READER_X_OK, 7, 1, 9, 0xAA);	/* an earlier APDU */
	answer(sv[1], READER_X_ANSWER, READER_X_OK, 6, 2, 9, 0xBB);	/* an earlier tap */
	answer(sv[1], READER_X_ANSWER, READER_X_OK, 7, 2, 2, 0x91);
	why = NULL;
	n = reader_child_transceive(sv[0], 7, 2, apdu, sizeof(apdu), rx, sizeof(rx), 1000, &why);
	EXPECT_INT(n, 2);
	EXPECT_INT(rx[0], 0x91);
	EXPECT(why == NULL);
	EXPECT(recv(sv[1], &x, sizeof(x), 0) == (ssize_t)sizeof(x));
	EXPECT_INT(x.type, READER_X_APDU);
	EXPECT_INT(x.tap, 7);
	EXPECT_INT(x.seq, 2);
	EXPECT_INT(x.len, sizeof(apdu));
	EXPECT(memcmp(x.data, apdu, sizeof(apdu)) == 0);

	answer(sv[1], READER_X_ANSWER, READER_X_NONE, 7, 3, 0, 0);	/* the card was gone */
	EXPECT_INT(reader_child_transceive(sv[0], 7, 3, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why == NULL);
	answer(sv[1], READER_X_ANSWER, READER_X_OK, 7, 4, 65, 0);	/* more than rx takes */
	EXPECT_INT(reader_child_transceive(sv[0], 7, 4, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why == NULL);
	/* no answer at all: the time runs out */
	EXPECT_INT(reader_child_transceive(sv[0], 7, 5, apdu, sizeof(apdu), rx, sizeof(rx), 100,
	    &why), -1);
	EXPECT(why == NULL);

	/* broken records */
	answer(sv[1], READER_X_APDU, READER_X_OK, 7, 6, 2, 0);
	EXPECT_INT(reader_child_transceive(sv[0], 7, 6, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why != NULL);
	why = NULL;
	answer(sv[1], READER_X_ANSWER, READER_X_OK, 7, 7, READER_X_DATA + 1, 0);
	EXPECT_INT(reader_child_transceive(sv[0], 7, 7, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why != NULL);
	why = NULL;
	answer(sv[1], READER_X_ANSWER, 2, 7, 8, 0, 0);
	EXPECT_INT(reader_child_transceive(sv[0], 7, 8, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why != NULL);
	why = NULL;
	memset(odd, 0, sizeof(odd));
	odd[0] = READER_X_ANSWER;
	EXPECT(send(sv[1], odd, sizeof(odd), 0) == (ssize_t)sizeof(odd));
	EXPECT_INT(reader_child_transceive(sv[0], 7, 9, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why != NULL);

	/* the release, then a hang-up */
	EXPECT_INT(reader_child_release(sv[0], 7), 0);
	while (recv(sv[1], &x, sizeof(x), MSG_DONTWAIT) == (ssize_t)sizeof(x) &&
	    x.type != READER_X_RELEASE)
		;
	EXPECT_INT(x.type, READER_X_RELEASE);
	EXPECT_INT(x.tap, 7);
	close(sv[1]);
	why = NULL;
	EXPECT_INT(reader_child_transceive(sv[0], 7, 10, apdu, sizeof(apdu), rx, sizeof(rx), 1000,
	    &why), -1);
	EXPECT(why == NULL);
	close(sv[0]);
}

/* A child that makes exchanges keeps its exchange socket as fd 4 and
 * nothing more; a sim reader's cards are never held. */
static void
test_child_exchange_socket(void)
{
	struct reader_conf rc = sim_conf();
	struct reader_child_opts o = { .heartbeat_ms = 100, .sandbox = READER_SANDBOX_REQUIRED,
	    .exchange = true };
	struct reader_msg m;
	const char *why;
	bool leak;
	int sock, xsock = -1;
	pid_t pid;

	pid = reader_child_start(&rc, &o, &sock, &xsock);
	EXPECT(pid > 0 && xsock != -1);
	if (pid <= 0)
		return;
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_UP);
	/* 0, 1, 2, the two sockets and the FIFO */
	EXPECT_INT(child_fds(pid, secret, &leak), 6);
	EXPECT(!leak);
	tap("04112233445566\n");
	EXPECT_INT(next_msg(sock, &m, &why), 1);
	EXPECT_INT(m.type, READER_MSG_TAP);
	EXPECT_INT(m.card, READER_CARD_OTHER);
	EXPECT_INT(m.flags, 0);
	EXPECT_INT(stop_child(pid), 0);
	close(sock);
	close(xsock);
}

/* A compromised child chooses its detail text: what reaches the log and
 * the event log is printable ASCII, cut to the field, nothing after it. */
static void
test_recv_filters_detail(void)
{
	static const char evil[] = "reader up\x1b[2J\nMar  1 seuild: event 9 "
	    "access_granted\r\t\x7f\xc3\xa9\xe2\x80\xae";
	struct reader_msg msg, m;
	const char *why = NULL;
	size_t i;

	memset(&msg, 0, sizeof(msg));
	msg.type = READER_MSG_DOWN;
	memcpy(msg.detail, evil, sizeof(evil));
	memset(msg.detail + sizeof(evil), 'Z', sizeof(msg.detail) - sizeof(evil));
	EXPECT_INT(feed(&msg, sizeof(msg), &m, &why), 1);
	EXPECT_STR(m.detail, "reader up?[2J?Mar  1 seuild: event 9 access_granted????????");
	for (i = strlen(m.detail); i < sizeof(m.detail); i++)
		EXPECT_INT(m.detail[i], 0);
	msg.type = READER_MSG_UNCONTAINED;
	EXPECT_INT(feed(&msg, sizeof(msg), &m, &why), 1);
	EXPECT_INT(strcspn(m.detail, "\x1b\n\r\t\x7f"), strlen(m.detail));
	/* a message that carries no text keeps none */
	msg.type = READER_MSG_HEARTBEAT;
	EXPECT_INT(feed(&msg, sizeof(msg), &m, &why), 1);
	EXPECT_STR(m.detail, "");
	msg.type = READER_MSG_TAP;
	msg.uid_len = 4;
	EXPECT_INT(feed(&msg, sizeof(msg), &m, &why), 1);
	EXPECT_STR(m.detail, "");
}

/*
 * Whether this machine can install the sandbox at all: qemu-user emulates
 * neither seccomp nor Landlock, so under `make check-cross` the tests that
 * need a real sandbox are skipped (and reader_sandbox = best_effort is what
 * such a machine runs).  Probed in a child, which the sandbox then holds.
 */
static bool
sandbox_available(void)
{
	char err[256];
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		return false;
	if (pid == 0)
		_exit(reader_sandbox_enter(err, sizeof(err)) == 0 ? 0 : 1);
	if (waitpid(pid, &status, 0) == -1)
		return false;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
main(void)
{
	bool can = sandbox_available();

	signal(SIGPIPE, SIG_IGN);
	setup();
	RUN(test_unsandboxed_child_can);
	if (can) {
		RUN(test_sandbox_blocks_escape);
	} else {
		printf("skip test_sandbox_blocks_escape: no seccomp here (qemu-user?)\n");
	}
	RUN(test_enter_fails_like_qemu);
	if (can) {
		RUN(test_child_sandboxed_sim_reader);
	} else {
		printf("skip test_child_sandboxed_sim_reader: no seccomp here (qemu-user?)\n");
	}
	RUN(test_required_refuses_uncontained);
	RUN(test_best_effort_runs_with_warning);
	RUN(test_recv_validates);
	RUN(test_recv_filters_detail);
	RUN(test_transceive_validates);
	if (can) {
		RUN(test_child_exchange_socket);
	} else {
		printf("skip test_child_exchange_socket: no seccomp here (qemu-user?)\n");
	}
	teardown();
	return TEST_REPORT();
}

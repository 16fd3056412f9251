/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <syslog.h>
#include <unistd.h>

#include "clock.h"
#include "reader.h"
#include "reader_child.h"
#include "reader_sandbox.h"

/* The socket's number in the child. */
#define CHILD_SOCK_FD	3

static volatile sig_atomic_t child_stop;

static void
child_on_stop(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* One record to the parent.  0, or -1 when the parent is gone. */
static int
child_send(int sock, int type, const struct uid *uid, const char *detail)
{
	struct reader_msg m;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	if (uid != NULL) {
		m.uid_len = uid->len;
		memcpy(m.uid, uid->bytes, uid->len);
	}
	if (detail != NULL)
		snprintf(m.detail, sizeof(m.detail), "%s", detail);
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		rc = -1;
	explicit_bzero(&m, sizeof(m));
	return rc;
}

/* The parent gone means our work is pointless: leave at once. */
static void
child_tell(int sock, int type, const char *detail)
{
	if (child_send(sock, type, NULL, detail) == -1)
		_exit(EX_IOERR);
}

int
reader_child_serve(struct reader *r, int sock, int heartbeat_ms, int max_waits)
{
	struct reader_event ev;
	char err[256];
	int64_t last_beat = clock_mono_ms();
	int n, waits = 0;

	while (!child_stop && (max_waits <= 0 || waits++ < max_waits)) {
		memset(&ev, 0, sizeof(ev));
		n = reader_wait(r, &ev, heartbeat_ms, err, sizeof(err));
		if (n == -1)
			return child_send(sock, READER_MSG_DOWN, NULL, err) == -1 ?
			    EX_IOERR : EX_UNAVAILABLE;
		if (n == 1) {
			n = child_send(sock, ev.type == READER_TAP ? READER_MSG_TAP :
			    READER_MSG_GONE, ev.type == READER_TAP ? &ev.uid : NULL, NULL);
			uid_wipe(&ev.uid);
			if (n == -1)
				return EX_IOERR;
			last_beat = clock_mono_ms();
		} else if (clock_mono_ms() - last_beat >= heartbeat_ms) {
			if (child_send(sock, READER_MSG_HEARTBEAT, NULL, NULL) == -1)
				return EX_IOERR;
			last_beat = clock_mono_ms();
		}
	}
	return 0;
}

/*
 * Keep the socket (as fd 3) and stderr, and nothing else of the parent's:
 * not the database, the control socket, MQTT, the other children's
 * sockets.  stdin and stdout become /dev/null, so that a descriptor the
 * parent left at 0 or 1 does not survive under that number either.
 */
static int
child_fds(int sock)
{
	int s, null;

	closelog();	/* its socket goes below; never let syslog reopen one */
	if ((s = fcntl(sock, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    (fcntl(2, F_GETFD) == -1 && dup2(null, 2) == -1) ||
	    dup2(s, CHILD_SOCK_FD) == -1)
		return -1;
	close_range(CHILD_SOCK_FD + 1, ~0U, 0);
	return CHILD_SOCK_FD;
}

static _Noreturn void
reader_child_main(const struct reader_conf *rc, const struct reader_child_opts *o, int sock,
    pid_t parent)
{
	struct sigaction sa;
	struct reader *r;
	sigset_t none;
	char err[256], why[300];
	int code;

	if (o->setup != NULL)
		o->setup(o->arg);

	/* The parent blocks its signals (signalfd, ppoll); a child starts
	 * clean.  No SA_RESTART: a stop ends a wait early. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = child_on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	if ((sock = child_fds(sock)) == -1)
		_exit(EX_OSERR);

	if ((r = reader_open(rc, err, sizeof(err))) == NULL) {
		child_tell(sock, READER_MSG_DOWN, err);
		_exit(EX_UNAVAILABLE);
	}
	/* The device is open: from here on, nothing new. */
	if (reader_sandbox_enter(err, sizeof(err)) == -1) {
		if (o->sandbox == READER_SANDBOX_REQUIRED) {
			snprintf(why, sizeof(why), "reader sandbox: %s (reader_sandbox = "
			    "required)", err);
			child_tell(sock, READER_MSG_DOWN, why);
			reader_close(r);
			_exit(EX_UNAVAILABLE);
		}
		child_tell(sock, READER_MSG_UNCONTAINED, err);
	}
	child_tell(sock, READER_MSG_UP, rc->driver == READER_SIM ? "sim" : rc->connstring);
	code = reader_child_serve(r, sock, o->heartbeat_ms, 0);
	if (code != EX_IOERR)		/* the parent gone: leave at once */
		reader_close(r);
	_exit(code);
}

pid_t
reader_child_start(const struct reader_conf *rc, const struct reader_child_opts *opts,
    int *sock)
{
	pid_t parent = getpid(), pid;
	int sv[2], saved;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	fflush(NULL);
	if ((pid = fork()) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		reader_child_main(rc, opts, sv[1], parent);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*sock = sv[0];
	return pid;
}

/*
 * A detail is text the child chose, and a compromised child chooses
 * anything: terminal escapes for whoever reads the log, a newline that
 * forges a log line, bytes that are not UTF-8 in the event log and the
 * JSON that shows it.  So it arrives as at most READER_MSG_DETAIL - 1
 * bytes of printable ASCII: anything else becomes '?', and nothing is
 * left after its NUL.
 */
static void
detail_printable(char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size - 1 && s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			s[i] = '?';
	memset(s + i, 0, size - i);
}

int
reader_child_recv(int sock, struct reader_msg *m, const char **why)
{
	ssize_t got;

	got = recv(sock, m, sizeof(*m), MSG_DONTWAIT | MSG_TRUNC);
	if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (got <= 0) {
		*why = "reader process exited";
		return -1;
	}
	if (got != (ssize_t)sizeof(*m)) {
		explicit_bzero(m, sizeof(*m));
		*why = "bad message from reader child";
		return -1;
	}
	switch (m->type) {
	case READER_MSG_TAP:
		if (m->uid_len == 4 || m->uid_len == 7 || m->uid_len == 10) {
			memset(m->detail, 0, sizeof(m->detail));
			return 1;
		}
		break;
	case READER_MSG_GONE:
	case READER_MSG_HEARTBEAT:
		memset(m->detail, 0, sizeof(m->detail));
		return 1;
	case READER_MSG_UP:
	case READER_MSG_DOWN:
	case READER_MSG_UNCONTAINED:
		detail_printable(m->detail, sizeof(m->detail));
		return 1;
	}
	explicit_bzero(m, sizeof(*m));
	*why = "bad message from reader child";
	return -1;
}

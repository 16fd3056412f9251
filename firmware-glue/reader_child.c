/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* The sockets' numbers in the child. */
#define CHILD_SOCK_FD	3
#define CHILD_XSOCK_FD	4

_Static_assert(sizeof(struct reader_msg) == 128, "the records keep their size");

static volatile sig_atomic_t child_stop;

static void
child_on_stop(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* One record to the parent (a tap's card, flags and number with it).
 * 0, or -1 when the parent is gone. */
static int
child_send(int sock, int type, const struct reader_event *ev, uint8_t flags, uint32_t tap,
    const char *detail)
{
	struct reader_msg m;
	int rc = 0;

	memset(&m, 0, sizeof(m));
	m.type = (uint8_t)type;
	if (ev != NULL) {
		m.uid_len = ev->uid.len;
		memcpy(m.uid, ev->uid.bytes, ev->uid.len);
		m.card = (uint8_t)ev->card;
		m.flags = flags;
		m.tap = tap;
	}
	if (detail != NULL)	/* cut to the field, on purpose */
		snprintf(m.detail, sizeof(m.detail), "%.*s", (int)sizeof(m.detail) - 1, detail);
	if (send(sock, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m))
		rc = -1;
	explicit_bzero(&m, sizeof(m));
	return rc;
}

/* The parent gone means our work is pointless: leave at once. */
static void
child_tell(int sock, int type, const char *detail)
{
	if (child_send(sock, type, NULL, 0, 0, detail) == -1)
		_exit(EX_IOERR);
}

/* One exchange record in: its size exactly, or -1.  read(), not recv():
 * the sandbox allows no recvfrom, and a record longer than ours shows as
 * one byte too many. */
static ssize_t
child_xread(int xsock, struct reader_xmsg *x)
{
	uint8_t buf[sizeof(*x) + 1];
	ssize_t n = read(xsock, buf, sizeof(buf));

	if (n == (ssize_t)sizeof(*x))
		memcpy(x, buf, sizeof(*x));
	explicit_bzero(buf, sizeof(buf));
	return n == (ssize_t)sizeof(*x) ? n : -1;
}

/*
 * A card held for the parent's exchange: forward each APDU of this tap to
 * it and send back its answer, until the parent releases it, goes quiet
 * for READER_HOLD_IDLE_MS, or READER_HOLD_MAX_MS pass.  Records of other
 * taps are late ones: dropped.  Nothing here looks at what the bytes say.
 * 0, or -1 when the parent is gone.
 */
static int
child_hold(struct reader *r, int sock, int xsock, uint32_t tap, int heartbeat_ms,
    int64_t *last_beat)
{
	int64_t start = clock_mono_ms(), last_cmd = start, now, until;
	struct reader_xmsg x, a;
	struct pollfd p;
	int n, rc = 0;

	for (;;) {
		now = clock_mono_ms();
		if (child_stop || now - last_cmd >= READER_HOLD_IDLE_MS ||
		    now - start >= READER_HOLD_MAX_MS)
			break;
		if (now - *last_beat >= heartbeat_ms) {
			if (child_send(sock, READER_MSG_HEARTBEAT, NULL, 0, 0, NULL) == -1)
				return -1;
			*last_beat = now;
		}
		until = last_cmd + READER_HOLD_IDLE_MS;
		if (until > *last_beat + heartbeat_ms)
			until = *last_beat + heartbeat_ms;
		p = (struct pollfd){ .fd = xsock, .events = POLLIN };
		if (poll(&p, 1, (int)(until > now ? until - now : 0)) <= 0)
			continue;
		if ((p.revents & (POLLHUP | POLLERR)) && !(p.revents & POLLIN))
			return -1;
		if (child_xread(xsock, &x) == -1)
			continue;
		if (x.tap != tap || (x.type != READER_X_APDU && x.type != READER_X_RELEASE))
			continue;
		if (x.type == READER_X_RELEASE)
			break;
		last_cmd = clock_mono_ms();
		memset(&a, 0, sizeof(a));
		a.type = READER_X_ANSWER;
		a.tap = tap;
		a.seq = x.seq;
		n = x.len <= sizeof(x.data) ? reader_transceive(r, x.data, x.len, a.data,
		    sizeof(a.data), READER_X_CARD_MS) : -1;
		if (n < 0 || (size_t)n > sizeof(a.data))
			a.status = READER_X_NONE;
		else
			a.len = (uint16_t)n;
		if (send(xsock, &a, sizeof(a), MSG_NOSIGNAL) != sizeof(a))
			rc = -1;
		explicit_bzero(&x, sizeof(x));
		explicit_bzero(&a, sizeof(a));
		if (rc == -1)
			return -1;
	}
	explicit_bzero(&x, sizeof(x));
	return 0;
}

int
reader_child_serve(struct reader *r, int sock, int xsock, int heartbeat_ms, int max_waits)
{
	struct reader_event ev;
	char err[256];
	int64_t last_beat = clock_mono_ms();
	uint32_t taps = 0;
	bool held;
	int n, waits = 0;

	while (!child_stop && (max_waits <= 0 || waits++ < max_waits)) {
		memset(&ev, 0, sizeof(ev));
		n = reader_wait(r, &ev, heartbeat_ms, err, sizeof(err));
		if (n == -1)
			return child_send(sock, READER_MSG_DOWN, NULL, 0, 0, err) == -1 ?
			    EX_IOERR : EX_UNAVAILABLE;
		if (n == 1 && ev.type == READER_TAP) {
			held = xsock != -1 && ev.card == READER_CARD_ISO14443_4;
			if (++taps == 0)
				taps = 1;
			n = child_send(sock, READER_MSG_TAP, &ev, held ? READER_TAP_HELD : 0, taps,
			    NULL);
			uid_wipe(&ev.uid);
			if (n == -1)
				return EX_IOERR;
			last_beat = clock_mono_ms();
			if (held && child_hold(r, sock, xsock, taps, heartbeat_ms, &last_beat) == -1)
				return EX_IOERR;
		} else if (n == 1) {
			if (child_send(sock, READER_MSG_GONE, NULL, 0, 0, NULL) == -1)
				return EX_IOERR;
			last_beat = clock_mono_ms();
		} else if (clock_mono_ms() - last_beat >= heartbeat_ms) {
			if (child_send(sock, READER_MSG_HEARTBEAT, NULL, 0, 0, NULL) == -1)
				return EX_IOERR;
			last_beat = clock_mono_ms();
		}
	}
	return 0;
}

/*
 * Keep the socket (as fd 3), the exchange socket (as fd 4, if any) and
 * stderr, and nothing else of the parent's: not the database, the control
 * socket, MQTT, the other children's sockets.  stdin and stdout become
 * /dev/null, so that a descriptor the parent left at 0 or 1 does not
 * survive under that number either.
 */
static int
child_fds(int sock, int xsock)
{
	int s, x = -1, null;

	closelog();	/* its socket goes below; never let syslog reopen one */
	if ((s = fcntl(sock, F_DUPFD_CLOEXEC, 10)) == -1 ||
	    (xsock != -1 && (x = fcntl(xsock, F_DUPFD_CLOEXEC, 10)) == -1) ||
	    (null = open("/dev/null", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	if (dup2(null, 0) == -1 || dup2(null, 1) == -1 ||
	    (fcntl(2, F_GETFD) == -1 && dup2(null, 2) == -1) ||
	    dup2(s, CHILD_SOCK_FD) == -1 || (x != -1 && dup2(x, CHILD_XSOCK_FD) == -1))
		return -1;
	close_range(x != -1 ? CHILD_XSOCK_FD + 1 : CHILD_SOCK_FD + 1, ~0U, 0);
	return CHILD_SOCK_FD;
}

static _Noreturn void
reader_child_main(const struct reader_conf *rc, const struct reader_child_opts *o, int sock,
    int xsock, pid_t parent)
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
	if ((sock = child_fds(sock, xsock)) == -1)
		_exit(EX_OSERR);
	xsock = xsock != -1 && o->exchange ? CHILD_XSOCK_FD : -1;

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
	code = reader_child_serve(r, sock, xsock, o->heartbeat_ms, 0);
	if (code != EX_IOERR)		/* the parent gone: leave at once */
		reader_close(r);
	_exit(code);
}

pid_t
reader_child_start(const struct reader_conf *rc, const struct reader_child_opts *opts,
    int *sock, int *xsock)
{
	pid_t parent = getpid(), pid;
	int sv[2], xv[2] = { -1, -1 }, saved;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1)
		return -1;
	if (xsock != NULL && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, xv) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		errno = saved;
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		saved = errno;
		close(sv[0]);
		close(sv[1]);
		if (xv[0] != -1) {
			close(xv[0]);
			close(xv[1]);
		}
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		if (xv[0] != -1)
			close(xv[0]);
		reader_child_main(rc, opts, sv[1], xv[1], parent);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	*sock = sv[0];
	if (xsock != NULL) {
		close(xv[1]);
		*xsock = xv[0];
	}
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
		/* A held card is one that may speak DESFire, and a held tap
		 * has a number the exchange names. */
		if ((m->uid_len == 4 || m->uid_len == 7 || m->uid_len == 10) &&
		    m->card <= READER_CARD_ISO14443_4 && (m->flags & ~READER_TAP_HELD) == 0 &&
		    (!(m->flags & READER_TAP_HELD) ||
		    (m->card == READER_CARD_ISO14443_4 && m->tap != 0))) {
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

int
reader_child_transceive(int xsock, uint32_t tap, uint32_t seq, const uint8_t *tx,
    size_t txlen, uint8_t *rx, size_t rxsize, int timeout_ms, const char **why)
{
	struct reader_xmsg x;
	struct pollfd p = { .fd = xsock, .events = POLLIN };
	int64_t deadline = clock_mono_ms() + timeout_ms, now;
	ssize_t got;
	int rc = -1;

	if (txlen == 0 || txlen > sizeof(x.data) || timeout_ms <= 0)
		return -1;
	memset(&x, 0, sizeof(x));
	x.type = READER_X_APDU;
	x.len = (uint16_t)txlen;
	x.tap = tap;
	x.seq = seq;
	memcpy(x.data, tx, txlen);
	got = send(xsock, &x, sizeof(x), MSG_NOSIGNAL | MSG_DONTWAIT);
	explicit_bzero(&x, sizeof(x));
	if (got != (ssize_t)sizeof(x))
		return -1;
	while ((now = clock_mono_ms()) < deadline) {
		if (poll(&p, 1, (int)(deadline - now)) <= 0)
			continue;
		got = recv(xsock, &x, sizeof(x), MSG_DONTWAIT | MSG_TRUNC);
		if (got == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			continue;
		if (got <= 0)
			break;		/* the child hung up */
		/* A record of the wrong size or type, or an answer longer
		 * than its frame, is no child of ours. */
		if (got != (ssize_t)sizeof(x) || x.type != READER_X_ANSWER ||
		    x.status > READER_X_NONE || x.len > sizeof(x.data) ||
		    (x.status == READER_X_NONE && x.len != 0)) {
			if (why != NULL)
				*why = "bad exchange record from reader child";
			break;
		}
		if (x.tap != tap || x.seq != seq)
			continue;	/* late: an APDU given up on */
		if (x.status == READER_X_OK && x.len <= rxsize) {
			memcpy(rx, x.data, x.len);
			rc = x.len;
		}
		break;
	}
	explicit_bzero(&x, sizeof(x));
	return rc;
}

int
reader_child_release(int xsock, uint32_t tap)
{
	struct reader_xmsg x;

	memset(&x, 0, sizeof(x));
	x.type = READER_X_RELEASE;
	x.tap = tap;
	return send(xsock, &x, sizeof(x), MSG_NOSIGNAL | MSG_DONTWAIT) == sizeof(x) ? 0 : -1;
}

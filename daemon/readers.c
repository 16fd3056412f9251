/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "reader_child.h"
#include "readers.h"

#define READERS_BURST	8	/* messages taken from one child per loop turn */

enum reported { REPORTED_NONE, REPORTED_ONLINE, REPORTED_OFFLINE };

struct reader_child {
	const struct reader_conf *conf;
	pid_t		pid;		/* 0: not running */
	int		sock;		/* -1: none */
	int		xsock;		/* the exchange socket; -1: none */
	bool		killed;		/* SIGKILL sent, waiting for the reap */
	enum reported	reported;
	int64_t		last_msg;
	int64_t		up_since;	/* 0: not up */
	int64_t		next_start;
	int64_t		backoff;
	int64_t		last_heartbeat;
	int		restarts;
};

struct readers {
	const struct config *conf;
	struct readers_hooks hooks;
	struct reader_child child[CONFIG_MAX_READERS];
	int		n;
};

/* ---- the daemon side ---- */

struct readers *
readers_new(const struct config *conf, const struct readers_hooks *hooks)
{
	struct readers *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->conf = conf;
	rs->hooks = *hooks;
	rs->n = conf->nreaders;
	for (int i = 0; i < rs->n; i++) {
		struct reader_child *c = &rs->child[i];

		c->conf = &conf->readers[i];
		c->sock = -1;
		c->xsock = -1;
		c->backoff = READER_BACKOFF_MIN_MS;
		if (c->conf->driver == READER_SIM && mkfifo(c->conf->sim_fifo, 0660) == -1 &&
		    errno != EEXIST)
			log_warn("reader %s: mkfifo %s", c->conf->name, c->conf->sim_fifo);
	}
	return rs;
}

static void
readers_report(struct readers *rs, int i, bool online, const char *detail)
{
	struct reader_child *c = &rs->child[i];
	enum reported want = online ? REPORTED_ONLINE : REPORTED_OFFLINE;

	if (c->reported == want)
		return;
	c->reported = want;
	rs->hooks.status(rs->hooks.arg, i, online, detail);
}

static void
readers_start(struct readers *rs, int i, int64_t now)
{
	struct reader_child *c = &rs->child[i];
	/* Only a real reader meets cards that speak ISO 14443-4. */
	bool exchange = c->conf->driver == READER_LIBNFC &&
	    (c->conf->credential != CREDENTIAL_UID || c->conf->enrol);
	struct reader_child_opts o = {
		.heartbeat_ms = READER_HEARTBEAT_MS,
		.sandbox = rs->conf->reader_sandbox,
		.exchange = exchange,
		.setup = rs->hooks.child_setup,
		.arg = rs->hooks.arg,
	};
	pid_t pid;
	int sock, xsock = -1;

	if ((pid = reader_child_start(c->conf, &o, &sock, exchange ? &xsock : NULL)) == -1) {
		log_warn("reader %s: starting its process", c->conf->name);
		c->next_start = now + c->backoff;
		return;
	}
	c->pid = pid;
	c->sock = sock;
	c->xsock = xsock;
	c->killed = false;
	c->last_msg = now;
	c->up_since = 0;
	log_debug("reader %s: started child %d", c->conf->name, (int)pid);
}

static void
readers_kill(struct readers *rs, int i, const char *why)
{
	struct reader_child *c = &rs->child[i];

	if (c->pid > 0 && !c->killed) {
		kill(c->pid, SIGKILL);
		c->killed = true;
	}
	if (c->sock != -1) {
		close(c->sock);
		c->sock = -1;
	}
	/* A thread in an exchange has its own duplicate: it sees the child
	 * hang up, never a number reused. */
	if (c->xsock != -1) {
		close(c->xsock);
		c->xsock = -1;
	}
	c->up_since = 0;
	readers_report(rs, i, false, why);
}

static void
readers_message(struct readers *rs, int i, const struct reader_msg *m, int64_t now)
{
	struct reader_child *c = &rs->child[i];
	struct reader_tap t;

	c->last_msg = now;
	switch (m->type) {
	case READER_MSG_UP:
		c->up_since = now;
		readers_report(rs, i, true, m->detail);
		break;
	case READER_MSG_DOWN:
		c->up_since = 0;
		readers_report(rs, i, false, m->detail);
		break;
	case READER_MSG_UNCONTAINED:
		log_warnx("reader %s: running without its sandbox (reader_sandbox = "
		    "best_effort): %s", c->conf->name, m->detail);
		break;
	case READER_MSG_HEARTBEAT:
		c->last_heartbeat = now;
		break;
	case READER_MSG_TAP:
		c->last_heartbeat = now;
		memset(&t, 0, sizeof(t));
		t.uid.len = m->uid_len;
		memcpy(t.uid.bytes, m->uid, m->uid_len);
		t.iso14443_4 = m->card == READER_CARD_ISO14443_4;
		t.held = (m->flags & READER_TAP_HELD) != 0 && c->xsock != -1;
		t.id = m->tap;
		rs->hooks.tap(rs->hooks.arg, i, &t);
		explicit_bzero(&t, sizeof(t));
		break;
	case READER_MSG_GONE:
		c->last_heartbeat = now;
		break;
	}
}

int
readers_pollfds(struct readers *rs, struct pollfd *pfds, int max)
{
	int n = 0;

	for (int i = 0; i < rs->n && n < max; i++) {
		if (rs->child[i].sock == -1)
			continue;
		pfds[n].fd = rs->child[i].sock;
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		n++;
	}
	return n;
}

void
readers_handle(struct readers *rs, const struct pollfd *pfds, int n, int64_t now)
{
	for (int k = 0; k < n; k++) {
		struct reader_msg m;
		const char *why;
		int got, i;

		if (pfds[k].revents == 0)
			continue;
		for (i = 0; i < rs->n && rs->child[i].sock != pfds[k].fd; i++)
			;
		if (i == rs->n)
			continue;	/* closed while handling an earlier fd */
		/* A few messages a turn, not "until EAGAIN": a child that sends
		 * faster than taps are decided (a flooded FIFO) would otherwise
		 * keep the loop here and the strike past its time.  The rest
		 * waits in the socket for the next poll. */
		for (int burst = 0; burst < READERS_BURST; burst++) {
			got = reader_child_recv(rs->child[i].sock, &m, &why);
			if (got == 0)
				break;
			if (got == -1) {	/* gone, or broken: either way, killed */
				readers_kill(rs, i, why);
				break;
			}
			readers_message(rs, i, &m, now);
			explicit_bzero(&m, sizeof(m));
			if (rs->child[i].sock == -1)
				break;
		}
	}
}

static void
readers_reap(struct readers *rs, int64_t now)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < rs->n; i++) {
			struct reader_child *c = &rs->child[i];
			char why[64];

			if (c->pid != pid)
				continue;
			if (WIFSIGNALED(status))
				snprintf(why, sizeof(why), "reader process killed by signal %d",
				    WTERMSIG(status));
			else
				snprintf(why, sizeof(why), "reader process exited with status %d",
				    WEXITSTATUS(status));
			/* A reader that stayed up a while earns a quick restart;
			 * one that keeps failing waits longer each time. */
			if (c->up_since != 0 && now - c->up_since >= READER_BACKOFF_MAX_MS)
				c->backoff = READER_BACKOFF_MIN_MS;
			readers_kill(rs, i, why);
			c->pid = 0;
			c->killed = false;
			c->restarts++;
			c->next_start = now + c->backoff;
			c->backoff = c->backoff * 2 > READER_BACKOFF_MAX_MS ?
			    READER_BACKOFF_MAX_MS : c->backoff * 2;
			log_debug("reader %s: %s, restart in %lld ms", c->conf->name, why,
			    (long long)(c->next_start - now));
		}
	}
}

void
readers_tick(struct readers *rs, int64_t now)
{
	readers_reap(rs, now);
	for (int i = 0; i < rs->n; i++) {
		struct reader_child *c = &rs->child[i];

		if (c->pid > 0 && !c->killed && now - c->last_msg > READER_DEADLINE_MS)
			readers_kill(rs, i, "reader not responding");
		if (c->pid == 0 && now >= c->next_start)
			readers_start(rs, i, now);
	}
}

int64_t
readers_deadline(const struct readers *rs)
{
	int64_t next = INT64_MAX;

	for (int i = 0; i < rs->n; i++) {
		const struct reader_child *c = &rs->child[i];
		int64_t t = c->pid == 0 ? c->next_start :
		    c->killed ? INT64_MAX : c->last_msg + READER_DEADLINE_MS + 1;

		if (t < next)
			next = t;
	}
	return next;
}

void
readers_free(struct readers *rs)
{
	int64_t until;
	bool left;

	if (rs == NULL)
		return;
	for (int i = 0; i < rs->n; i++) {
		if (rs->child[i].sock != -1)
			close(rs->child[i].sock);
		if (rs->child[i].xsock != -1)
			close(rs->child[i].xsock);
		if (rs->child[i].pid > 0)
			kill(rs->child[i].pid, SIGTERM);
	}
	/* Give libnfc a moment to close the device cleanly, then insist. */
	until = clock_mono_ms() + 1000;
	do {
		left = false;
		for (int i = 0; i < rs->n; i++) {
			struct reader_child *c = &rs->child[i];

			if (c->pid > 0 && waitpid(c->pid, NULL, WNOHANG) == c->pid)
				c->pid = 0;
			left |= c->pid > 0;
		}
		if (left)
			usleep(10000);
	} while (left && clock_mono_ms() < until);
	for (int i = 0; i < rs->n; i++) {
		if (rs->child[i].pid > 0) {
			kill(rs->child[i].pid, SIGKILL);
			waitpid(rs->child[i].pid, NULL, 0);
		}
	}
	free(rs);
}

int
readers_exchange_fd(const struct readers *rs, int i, pid_t *pid)
{
	if (i < 0 || i >= rs->n || rs->child[i].xsock == -1 || rs->child[i].killed)
		return -1;
	*pid = rs->child[i].pid;
	return fcntl(rs->child[i].xsock, F_DUPFD_CLOEXEC, 3);
}

void
readers_release(const struct readers *rs, int i, uint32_t tap)
{
	if (i >= 0 && i < rs->n && rs->child[i].xsock != -1)
		(void)reader_child_release(rs->child[i].xsock, tap);
}

void
readers_fail(struct readers *rs, int i, pid_t pid, const char *why)
{
	if (i >= 0 && i < rs->n && pid > 0 && rs->child[i].pid == pid)
		readers_kill(rs, i, why);
}

bool
readers_online(const struct readers *rs, int i)
{
	return rs->child[i].reported == REPORTED_ONLINE && rs->child[i].sock != -1;
}

int64_t
readers_last_heartbeat(const struct readers *rs, int i)
{
	return rs->child[i].last_msg;
}

int
readers_restarts(const struct readers *rs, int i)
{
	return rs->child[i].restarts;
}

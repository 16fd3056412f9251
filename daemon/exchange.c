/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Card exchanges on a thread per reader: see exchange.h. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "exchange.h"
#include "reader_child.h"

enum state { IDLE, QUEUED, RUNNING, DONE };

struct worker {
	struct exchanges *x;
	pthread_t	thread;
	bool		started;
	enum state	state;		/* under x->lock */
	struct exchange_job job;	/* the thread's while QUEUED or RUNNING */
	int		xsock;
	uint32_t	seq;		/* APDUs sent to this child */
};

struct exchanges {
	const struct desfire_keys *keys;
	uint32_t	aid;
	exchange_done_fn done;
	void		*arg;
	int		efd;
	pthread_mutex_t	lock;
	pthread_cond_t	wake;
	bool		stop;
	struct worker	w[CONFIG_MAX_READERS];
};

/* desfire.c's transceive: one APDU through the child, bounded by the
 * job's deadline as well as by EXCHANGE_APDU_MS. */
static int
worker_transceive(void *arg, const uint8_t *tx, size_t txlen, uint8_t *rx, size_t rxsize)
{
	struct worker *w = arg;
	int64_t left = w->job.deadline - clock_mono_ms();

	if (w->job.broken != NULL || left <= 0)
		return -1;
	if (left > EXCHANGE_APDU_MS)
		left = EXCHANGE_APDU_MS;
	return reader_child_transceive(w->xsock, w->job.tap, ++w->seq, tx, txlen, rx, rxsize,
	    (int)left, &w->job.broken);
}

/* Without the site's keys a card cannot be read, but one that carries our
 * application must still never be decided by its UID: such a card is
 * probed, and found is DESFIRE_AUTH_FAILED. */
static void
worker_run(struct worker *w)
{
	const struct desfire_keys *keys = w->x->keys;
	struct desfire_io io = { .transceive = worker_transceive, .arg = w };
	struct exchange_job *j = &w->job;
	int64_t t0 = clock_mono_ms();

	switch (keys == NULL ? EXCHANGE_PROBE : j->op) {
	case EXCHANGE_READ:
		j->result = desfire_read_credential(&io, keys, j->uid, j->credential, &j->rep);
		break;
	case EXCHANGE_PROVISION:
		j->result = desfire_provision(&io, keys, j->uid, j->credential, &j->rep);
		break;
	case EXCHANGE_WIPE:
		/* The credential first, to find the badge to revoke; then the
		 * wipe, whatever the read found: a card torn mid-provisioning
		 * after its keys were changed holds no credential yet, and its
		 * key 0 still proves it ours. */
		j->read = desfire_read_credential(&io, keys, j->uid, j->credential, &j->rep);
		if (j->read == DESFIRE_GONE || j->read == DESFIRE_NO_APP)
			j->result = j->read;
		else
			j->result = desfire_wipe(&io, keys, j->uid, 0, &j->rep);
		break;
	case EXCHANGE_PROBE:
		j->result = desfire_probe(&io, w->x->aid, &j->rep);
		if (j->result == DESFIRE_OK)
			j->result = DESFIRE_AUTH_FAILED;
		break;
	}
	explicit_bzero(j->uid, sizeof(j->uid));
	if (j->release)
		(void)reader_child_release(w->xsock, j->tap);
	j->ms = clock_mono_ms() - t0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct exchanges *x = w->x;
	uint64_t one = 1;

	pthread_mutex_lock(&x->lock);
	for (;;) {
		while (!x->stop && w->state != QUEUED)
			pthread_cond_wait(&x->wake, &x->lock);
		if (w->state != QUEUED)
			break;
		w->state = RUNNING;
		pthread_mutex_unlock(&x->lock);
		worker_run(w);
		close(w->xsock);
		w->xsock = -1;
		pthread_mutex_lock(&x->lock);
		w->state = DONE;
		/* A counter that is full has a reader due anyway. */
		(void)!write(x->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

struct exchanges *
exchanges_new(const struct desfire_keys *keys, uint32_t aid, exchange_done_fn done, void *arg,
    char *err, size_t errlen)
{
	struct exchanges *x = calloc(1, sizeof(*x));

	if (x == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	x->keys = keys;
	x->aid = aid;
	x->done = done;
	x->arg = arg;
	if ((x->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(x);
		return NULL;
	}
	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->wake, NULL);
	for (int i = 0; i < CONFIG_MAX_READERS; i++) {
		x->w[i].x = x;
		x->w[i].xsock = -1;
	}
	return x;
}

void
exchanges_free(struct exchanges *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->lock);
	x->stop = true;
	pthread_cond_broadcast(&x->wake);
	pthread_mutex_unlock(&x->lock);
	for (int i = 0; i < CONFIG_MAX_READERS; i++) {
		struct worker *w = &x->w[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		if (w->xsock != -1)
			close(w->xsock);	/* queued, never run */
		explicit_bzero(&w->job, sizeof(w->job));
	}
	pthread_cond_destroy(&x->wake);
	pthread_mutex_destroy(&x->lock);
	close(x->efd);
	free(x);
}

int
exchanges_submit(struct exchanges *x, const struct exchange_job *j, int xsock, pid_t pid)
{
	struct worker *w;

	if (j->reader < 0 || j->reader >= CONFIG_MAX_READERS || xsock == -1) {
		if (xsock != -1)
			close(xsock);
		return -1;
	}
	w = &x->w[j->reader];
	/* A result the loop has not taken yet is taken now, so that the
	 * next tap at this reader finds its thread free. */
	pthread_mutex_lock(&x->lock);
	if (w->state == DONE) {
		pthread_mutex_unlock(&x->lock);
		exchanges_dispatch(x);
		pthread_mutex_lock(&x->lock);
	}
	if (w->state != IDLE) {
		pthread_mutex_unlock(&x->lock);
		close(xsock);
		return -1;
	}
	w->job = *j;
	w->job.broken = NULL;
	w->job.pid = pid;
	w->xsock = xsock;
	w->seq = 0;
	w->state = QUEUED;
	if (!w->started) {
		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			w->state = IDLE;
			w->xsock = -1;
			explicit_bzero(&w->job, sizeof(w->job));
			pthread_mutex_unlock(&x->lock);
			close(xsock);
			return -1;
		}
		w->started = true;
	}
	pthread_cond_broadcast(&x->wake);
	pthread_mutex_unlock(&x->lock);
	return 0;
}

int
exchanges_fd(const struct exchanges *x)
{
	return x->efd;
}

void
exchanges_dispatch(struct exchanges *x)
{
	struct exchange_job j;
	uint64_t n;

	if (read(x->efd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		return;
	for (int i = 0; i < CONFIG_MAX_READERS; i++) {
		struct worker *w = &x->w[i];

		pthread_mutex_lock(&x->lock);
		if (w->state != DONE) {
			pthread_mutex_unlock(&x->lock);
			continue;
		}
		j = w->job;
		explicit_bzero(&w->job, sizeof(w->job));
		w->state = IDLE;
		pthread_mutex_unlock(&x->lock);
		/* The thread is free before the callback: it may submit the
		 * next step at once. */
		x->done(x->arg, &j);
		explicit_bzero(&j, sizeof(j));
	}
}

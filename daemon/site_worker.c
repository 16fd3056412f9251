/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A site primary's builder (daemon.h, site_worker.c): the snapshot and the
 * delta of the member data, built and signed on a thread of its own with
 * a read-only connection to the store, so that neither a large site's
 * snapshot nor its signature ever waits in the loop (which times the
 * doors) or on the writer (which records the taps).  One build at a time:
 * the loop asks (site_worker_build), polls the fd, and takes the result.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "daemon.h"
#include "site_acl.h"
#include "site_sig.h"

struct site_worker {
	pthread_t	 thread;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 efd;
	struct store	*st;		/* the thread's: read-only */
	uint8_t		 seed[SITE_KEY_LEN];
	char		 topic_delta[400], topic_snapshot[400];
	bool		 stop, busy, ready;
	struct site_build in;		/* under mu */
	struct site_built out;		/* under mu once ready */
};

/* Build and sign what in asks for, into out.  The thread's own work. */
static void
build(struct site_worker *w, const struct site_build *in, struct site_built *out)
{
	struct site_head h = in->head;
	bool empty = false;
	char *body;

	memset(out, 0, sizeof(*out));
	out->rev = -1;
	if (in->delta) {
		h.base = in->base;
		if ((body = site_acl_delta(w->st, &h, &empty)) == NULL && !empty) {
			/* No delta (the log was pruned past it): the snapshot
			 * carries the changes. */
			if (!in->snapshot) {
				struct site_build again = *in;

				again.delta = false;
				again.snapshot = true;
				build(w, &again, out);
				return;
			}
		}
		if (body != NULL) {
			out->delta = site_sign(w->seed, w->topic_delta, body, strlen(body),
			    &out->delta_len);
			free(body);
			if (out->delta == NULL) {
				snprintf(out->err, sizeof(out->err), "delta: cannot sign");
				return;
			}
			out->delta_base = in->base;
		}
		out->rev = h.rev;
	}
	if (in->snapshot) {
		h = in->head;
		if ((out->body = site_acl_snapshot(w->st, &h)) == NULL) {
			snprintf(out->err, sizeof(out->err), "snapshot: %s", store_errmsg(w->st));
			return;
		}
		out->body_len = strlen(out->body);
		out->snapshot = site_sign(w->seed, w->topic_snapshot, out->body, out->body_len,
		    &out->snapshot_len);
		if (out->snapshot == NULL) {
			snprintf(out->err, sizeof(out->err), "snapshot: cannot sign");
			return;
		}
		out->snapshot_rev = h.rev;
		if (h.rev > out->rev)
			out->rev = h.rev;
	}
}

static void *
worker_run(void *arg)
{
	struct site_worker *w = arg;
	struct site_build in;
	struct site_built out;
	uint64_t one = 1;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->stop && !(w->busy && !w->ready))
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		in = w->in;
		pthread_mutex_unlock(&w->mu);
		build(w, &in, &out);
		pthread_mutex_lock(&w->mu);
		w->out = out;
		w->ready = true;
		(void)!write(w->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

struct site_worker *
site_worker_new(const struct config *conf, const uint8_t seed[SITE_KEY_LEN], char *err,
    size_t errlen)
{
	struct site_worker *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		snprintf(err, errlen, "site: %s", strerror(errno));
		return NULL;
	}
	w->efd = -1;
	if ((w->st = store_open(conf->database, STORE_READONLY, err, errlen)) == NULL)
		goto fail;
	if ((w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		snprintf(err, errlen, "site: eventfd: %s", strerror(errno));
		goto fail;
	}
	memcpy(w->seed, seed, SITE_KEY_LEN);
	snprintf(w->topic_delta, sizeof(w->topic_delta), "%s/acl/delta", conf->mqtt_base_topic);
	snprintf(w->topic_snapshot, sizeof(w->topic_snapshot), "%s/acl/snapshot",
	    conf->mqtt_base_topic);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (pthread_create(&w->thread, NULL, worker_run, w) != 0) {
		snprintf(err, errlen, "site: no thread for the builder");
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		goto fail;
	}
	return w;
fail:
	if (w->efd != -1)
		close(w->efd);
	store_close(w->st);
	explicit_bzero(w->seed, sizeof(w->seed));
	free(w);
	return NULL;
}

void
site_built_free(struct site_built *b)
{
	free(b->delta);
	free(b->snapshot);
	free(b->body);
	memset(b, 0, sizeof(*b));
}

void
site_worker_free(struct site_worker *w)
{
	if (w == NULL)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	if (w->ready)
		site_built_free(&w->out);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	close(w->efd);
	store_close(w->st);
	explicit_bzero(w->seed, sizeof(w->seed));
	free(w);
}

int
site_worker_fd(const struct site_worker *w)
{
	return w->efd;
}

int
site_worker_build(struct site_worker *w, const struct site_build *in)
{
	int rc = -1;

	pthread_mutex_lock(&w->mu);
	if (!w->busy) {
		w->in = *in;
		w->busy = true;
		w->ready = false;
		pthread_cond_signal(&w->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}

bool
site_worker_take(struct site_worker *w, struct site_built *out)
{
	uint64_t n;
	bool ready;

	(void)!read(w->efd, &n, sizeof(n));
	pthread_mutex_lock(&w->mu);
	if ((ready = w->busy && w->ready)) {
		*out = w->out;
		memset(&w->out, 0, sizeof(w->out));
		w->busy = w->ready = false;
	}
	pthread_mutex_unlock(&w->mu);
	return ready;
}

bool
site_worker_busy(struct site_worker *w)
{
	bool busy;

	pthread_mutex_lock(&w->mu);
	busy = w->busy;
	pthread_mutex_unlock(&w->mu);
	return busy;
}

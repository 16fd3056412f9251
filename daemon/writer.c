/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "writer.h"

#define WRITER_RETRY_MS		1000	/* a pending store_error is retried this often */
#define WRITER_REPORT_WAIT_MS	200	/* and waits this long for the lock */
#define WRITER_CACHE_KIB	128	/* its page cache (store_cache_kib) */
/*
 * The checkpoint (copying the WAL into the database file) is the writer's
 * own work, never a commit's: SQLite's automatic one ran inside whichever
 * commit crossed 1000 frames, a tap every hundred grants or so, for
 * milliseconds (a write and an fsync of the database file).  The writer
 * checkpoints once it has been idle WRITER_CKPT_IDLE_MS (a grant's arrival
 * follows it closely: let it in first) with at least WRITER_CKPT_MIN
 * frames to copy (a few taps' worth at once: fewer writes to an SD card),
 * and between jobs only when a backlog has kept it busy for
 * WRITER_CKPT_MAX frames (SQLite's own mark: the WAL stays bounded).
 */
#define WRITER_CKPT_IDLE_MS	2
#define WRITER_CKPT_MIN		64
#define WRITER_CKPT_MAX		1000

/*
 * The ring of positions: [reaped, finished) are done and wait for the
 * loop, [finished, submitted) wait for the thread; order[] names the job
 * at each position.  The thread touches only the job it runs and the loop
 * only the jobs it fills or reaps (and the free list), so the counters are
 * all the mutex guards.
 */
struct writer {
	struct store	*st;
	bool		 inline_;	/* unit tests: run at submission */
	pthread_t	 thread;
	bool		 started;
	pthread_mutex_t	 mu;
	pthread_cond_t	 work;		/* thread: a job or stop */
	pthread_cond_t	 idle;		/* drain: a job finished */
	pthread_mutex_t	 settings;	/* writer_lock */
	int		 efd;
	struct writer_job *jobs;	/* WRITER_QUEUE of them */
	int		 order[WRITER_QUEUE];	/* ring position -> job */
	int		 free[WRITER_QUEUE];	/* loop only: jobs not in the ring */
	int		 nfree;
	uint64_t	 submitted, finished, reaped;
	bool		 stopping;
	int64_t		 stop_at;
	/* Taps denied since the store last worked, and why (under mu). */
	long		 denied;
	char		 why[256];
	bool		 unavailable;
	bool		 failing;	/* the last job failed (any job) */
	long		 checkpoints;	/* done (writer_checkpoints) */
	/* Thread only: how long the current job may wait for the lock. */
	int64_t		 limit;
	/* Thread only: WAL frames the last checkpoint could not copy (a
	 * reader still needed them): no new one until commits add more. */
	int		 ckpt_left;
};

int64_t
writer_append_event(struct store *st, const struct event *ev)
{
	int64_t seq;

	if ((seq = store_append_event(st, ev)) == -1) {
		log_warnx("event %s: cannot store: %s", ev->type, store_errmsg(st));
		return -1;
	}
	log_info("event %lld %s%s%s%s%s%s%s", (long long)seq, ev->type,
	    ev->door ? " door=" : "", ev->door ? ev->door : "",
	    ev->reader ? " reader=" : "", ev->reader ? ev->reader : "",
	    ev->reason ? " reason=" : "", ev->reason ? ev->reason : "");
	return seq;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")
#define OR_NULL(s) ((s)[0] ? (s) : NULL)

void
writer_event_set(struct writer_event *e, const struct event *ev)
{
	memset(e, 0, sizeof(*e));
	COPY(e->type, ev->type);
	COPY(e->door, ev->door);
	COPY(e->reader, ev->reader);
	COPY(e->reason, ev->reason);
	COPY(e->detail, ev->detail);
	COPY(e->actor, ev->actor);
	if ((e->has_mac = ev->uid_mac != NULL))
		memcpy(e->uid_mac, ev->uid_mac, UID_MAC_LEN);
	e->member_id = ev->member_id;
	e->badge_id = ev->badge_id;
	e->guest_id = ev->guest_id;
	e->via = ev->via;
	e->ts_ms = ev->ts_ms;
	e->mono_ms = ev->mono_ms;
	e->clock_synced = ev->clock_synced;
}

void
writer_event_get(const struct writer_event *e, struct event *out)
{
	*out = (struct event){
		.type = e->type, .door = OR_NULL(e->door), .reader = OR_NULL(e->reader),
		.reason = OR_NULL(e->reason), .detail = OR_NULL(e->detail),
		.actor = OR_NULL(e->actor), .uid_mac = e->has_mac ? e->uid_mac : NULL,
		.member_id = e->member_id, .badge_id = e->badge_id, .guest_id = e->guest_id,
		.via = e->via, .ts_ms = e->ts_ms,
		.mono_ms = e->mono_ms, .clock_synced = e->clock_synced,
	};
}

/*
 * Instead of a fixed busy timeout: a tap waits for the lock only until its
 * deadline, so a store locked by another program (seuilctl, a backup)
 * turns into a prompt denial, never into a queue of taps minutes long.
 */
static int
writer_busy(void *arg, int count)
{
	struct writer *w = arg;
	int64_t left = w->limit - clock_mono_ms();
	int64_t nap = count < 4 ? 1 : count < 20 ? 2 : 10;

	if (left <= 0)
		return 0;
	usleep((useconds_t)((nap < left ? nap : left) * 1000));
	return 1;
}

/* Count a denial the store caused; the first one since the store last
 * worked is logged. */
static void
writer_count(struct writer *w, const char *why)
{
	bool first;

	pthread_mutex_lock(&w->mu);
	w->denied++;
	if (why != NULL && why[0] != '\0')
		snprintf(w->why, sizeof(w->why), "%s", why);
	first = !w->unavailable;
	w->unavailable = true;
	pthread_mutex_unlock(&w->mu);
	if (first)
		log_warnx("store unavailable (%s): taps are denied (store_unavailable) until "
		    "it is back", why && why[0] ? why : "unknown error");
}

struct meta_job {
	char	key[64];
	char	value[256];
};

static int
writer_meta_run(struct writer_job *j, struct store *st)
{
	struct meta_job *m = writer_job_data(j);

	return store_meta_set(st, m->key, m->value);
}

static void
writer_meta_done(struct writer_job *j)
{
	struct meta_job *m = writer_job_data(j);

	if (j->rc != 0)
		log_warnx("meta %s: cannot store: %s", m->key, j->err);
}

int
writer_meta_set(struct writer *w, const char *key, const char *value)
{
	struct meta_job m;

	snprintf(m.key, sizeof(m.key), "%s", key);
	snprintf(m.value, sizeof(m.value), "%s", value);
	return writer_submit(w, writer_meta_run, writer_meta_done, NULL, 0, 0, &m, sizeof(m));
}

void
writer_note_denial(struct writer *w, const char *why)
{
	writer_count(w, why);
}

/* The store works again: say how many taps it cost, in one event. */
static void
writer_report(struct writer *w)
{
	char detail[400], why[256];
	struct event ev = { .type = "store_error", .reason = "store_unavailable",
	    .detail = detail };
	long n;

	pthread_mutex_lock(&w->mu);
	n = w->denied;
	snprintf(why, sizeof(why), "%s", w->why);
	pthread_mutex_unlock(&w->mu);
	if (n == 0)
		return;
	snprintf(detail, sizeof(detail), "%ld tap%s denied while the store was unavailable; "
	    "last error: %s", n, n == 1 ? "" : "s", why[0] ? why : "unknown");
	store_event_stamp(&ev);
	if (writer_append_event(w->st, &ev) == -1)
		return;
	pthread_mutex_lock(&w->mu);
	w->denied -= n;
	w->unavailable = w->denied > 0;
	w->failing = false;
	pthread_mutex_unlock(&w->mu);
	log_info("store available again: %ld tap%s denied meanwhile", n, n == 1 ? " was" : "s were");
}

static void
writer_run(struct writer *w, struct writer_job *j, bool stopping, int64_t stop_at)
{
	int64_t now = clock_mono_ms();

	j->err[0] = '\0';
	if (j->deadline != 0 && now >= j->deadline) {
		j->rc = WRITER_EXPIRED;
		snprintf(j->err, sizeof(j->err), "queued past its deadline");
	} else {
		w->limit = j->deadline != 0 ? j->deadline : now + WRITER_BUSY_MS;
		if (stopping && w->limit > stop_at + WRITER_BUSY_MS)
			w->limit = stop_at + WRITER_BUSY_MS;
		if ((j->rc = j->run(j, w->st)) != 0) {
			j->rc = -1;
			snprintf(j->err, sizeof(j->err), "%s", store_errmsg(w->st));
		}
	}
	pthread_mutex_lock(&w->mu);
	w->failing = j->rc == -1;
	if (j->rc == -1)
		snprintf(w->why, sizeof(w->why), "%s", j->err);
	pthread_mutex_unlock(&w->mu);
	if (j->rc != 0 && (j->flags & WRITER_DENIAL))
		writer_count(w, j->err);	/* the store's error, or its deadline */
	else if (j->rc == 0)
		writer_report(w);	/* if taps were denied meanwhile */
}

bool
writer_health(struct writer *w, long *denied, char *why, size_t len)
{
	bool ok;

	pthread_mutex_lock(&w->mu);
	ok = !w->unavailable && !w->failing;
	*denied = w->denied;
	snprintf(why, len, "%s", ok ? "" : w->why);
	pthread_mutex_unlock(&w->mu);
	return ok;
}

/* Thread: frames worth a checkpoint now?  (min: WRITER_CKPT_MIN when idle,
 * WRITER_CKPT_MAX when busy.) */
static bool
writer_ckpt_due(const struct writer *w, int min)
{
	int n = store_wal_pending(w->st);

	return n >= min && n > w->ckpt_left;
}

/* Thread, outside any job: a PASSIVE checkpoint, which waits for no lock
 * and no reader (what a reader still needs stays in the WAL).  When idle
 * and complete, the WAL is started again at once (store_wal_restart), a
 * commit that takes the lock only if it is free: a tap may be coming. */
static void
writer_checkpoint(struct writer *w, bool idle)
{
	int64_t t0 = clock_mono_ns();
	int n = store_wal_pending(w->st);
	bool restarted = false;
	int left;

	if (store_checkpoint_passive(w->st) == -1)
		log_info("store: checkpoint: %s", store_errmsg(w->st));
	w->ckpt_left = left = store_wal_pending(w->st);
	if (idle && left == 0) {
		w->limit = clock_mono_ms();
		if (store_wal_restart(w->st) == -1)
			log_debug("store: WAL restart: %s", store_errmsg(w->st));
		else
			restarted = store_wal_pending(w->st) == 1;
		/* What the restart could not reuse (a reader held the
		 * old WAL) is no reason for another checkpoint. */
		w->ckpt_left = store_wal_pending(w->st);
	}
	log_debug("store: checkpoint: %d of %d WAL frames left%s, %lld us", left, n,
	    restarted ? ", WAL restarted" : "", (long long)(clock_mono_ns() - t0) / 1000);
	pthread_mutex_lock(&w->mu);
	w->checkpoints++;
	pthread_mutex_unlock(&w->mu);
}

/* Thread, with mu: wait for work at most ms.  ETIMEDOUT or 0.  On the
 * monotonic clock (writer_alloc): a wall clock set back an hour must not
 * hold the checkpoint or the store_error retry for an hour. */
static int
writer_wait(struct writer *w, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(&w->work, &w->mu, &ts);
}

static void *
writer_thread(void *arg)
{
	struct writer *w = arg;
	struct writer_job *j;
	uint64_t one = 1;
	bool stopping;
	int64_t stop_at;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->finished == w->submitted && !w->stopping) {
			if (writer_ckpt_due(w, WRITER_CKPT_MIN)) {
				if (writer_wait(w, WRITER_CKPT_IDLE_MS) == ETIMEDOUT)
					break;
			} else if (w->denied > 0) {
				if (writer_wait(w, WRITER_RETRY_MS) == ETIMEDOUT)
					break;
			} else {
				pthread_cond_wait(&w->work, &w->mu);
			}
		}
		if (w->finished == w->submitted) {
			if (w->stopping)
				break;
			pthread_mutex_unlock(&w->mu);
			if (writer_ckpt_due(w, WRITER_CKPT_MIN)) {
				writer_checkpoint(w, true);
			} else {
				/* Idle with denials untold: try to tell them. */
				w->limit = clock_mono_ms() + WRITER_REPORT_WAIT_MS;
				writer_report(w);
			}
			pthread_mutex_lock(&w->mu);
			continue;
		}
		j = &w->jobs[w->order[w->finished % WRITER_QUEUE]];
		stopping = w->stopping;
		stop_at = w->stop_at;
		pthread_mutex_unlock(&w->mu);

		/* Busy for long: bound the WAL, between two jobs. */
		if (writer_ckpt_due(w, WRITER_CKPT_MAX))
			writer_checkpoint(w, false);
		writer_run(w, j, stopping, stop_at);

		pthread_mutex_lock(&w->mu);
		w->finished++;
		pthread_cond_broadcast(&w->idle);
		pthread_mutex_unlock(&w->mu);
		/* Cannot fail but for an overflow of 2^64 - 1 wake-ups. */
		(void)!write(w->efd, &one, sizeof(one));
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static struct writer *
writer_alloc(void)
{
	struct writer *w = calloc(1, sizeof(*w));
	pthread_condattr_t mono;

	if (w == NULL)
		return NULL;
	w->efd = -1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->settings, NULL);
	pthread_condattr_init(&mono);
	pthread_condattr_setclock(&mono, CLOCK_MONOTONIC);
	pthread_cond_init(&w->work, &mono);
	pthread_condattr_destroy(&mono);
	pthread_cond_init(&w->idle, NULL);
	return w;
}

struct writer *
writer_new(const char *path, char *err, size_t errlen)
{
	struct writer *w;
	sigset_t all, old;
	int rc;

	if ((w = writer_alloc()) == NULL ||
	    (w->jobs = calloc(WRITER_QUEUE, sizeof(*w->jobs))) == NULL) {
		snprintf(err, errlen, "writer: out of memory");
		goto fail;
	}
	for (w->nfree = 0; w->nfree < WRITER_QUEUE; w->nfree++)
		w->free[w->nfree] = WRITER_QUEUE - 1 - w->nfree;
	if ((w->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "writer: eventfd: %s", strerror(errno));
		goto fail;
	}
	if ((w->st = store_open(path, 0, err, errlen)) == NULL)
		goto fail;
	store_busy_handler(w->st, writer_busy, w);
	store_checkpoint_manual(w->st);	/* writer_checkpoint, when idle */
	/* Half the others' page cache: 128 KiB less at the burst's peak, the
	 * burst as fast, the badge path unchanged (bench, 2026-12-01).  The
	 * loop's own cache starts again at each of the writer's commits
	 * anyway (WAL), and seuilctl's reports keep theirs. */
	if (store_cache_kib(w->st, WRITER_CACHE_KIB) == -1) {
		snprintf(err, errlen, "%s", store_errmsg(w->st));
		goto fail;
	}
	/* One malloc arena for both threads: a second one (glibc's default
	 * for a new thread) keeps what a burst of taps touched, megabytes
	 * that never return (bench: rss_peak_kib). */
	mallopt(M_ARENA_MAX, 1);
	/* Signals are the loop's (signalfd): the thread starts with all of
	 * them blocked, whatever the caller has blocked so far. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&w->thread, NULL, writer_thread, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "writer: thread: %s", strerror(rc));
		goto fail;
	}
	w->started = true;
	return w;
fail:
	writer_free(w);
	return NULL;
}

struct writer *
writer_new_inline(struct store *st)
{
	struct writer *w = writer_alloc();

	if (w == NULL)
		return NULL;
	w->st = st;
	w->inline_ = true;
	return w;
}

void
writer_free(struct writer *w)
{
	if (w == NULL)
		return;
	if (w->started) {
		pthread_mutex_lock(&w->mu);
		w->stopping = true;
		w->stop_at = clock_mono_ms();
		pthread_cond_signal(&w->work);
		pthread_mutex_unlock(&w->mu);
		pthread_join(w->thread, NULL);
	}
	if (!w->inline_)
		store_close(w->st);
	if (w->efd != -1)
		close(w->efd);
	free(w->jobs);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->settings);
	pthread_cond_destroy(&w->work);
	pthread_cond_destroy(&w->idle);
	free(w);
}

int
writer_submit(struct writer *w, writer_run_fn run, writer_done_fn done, void *arg,
    int64_t deadline, unsigned flags, const void *data, size_t size)
{
	struct writer_job *j, local;
	int slot;

	if (size > WRITER_DATA_MAX)
		abort();	/* a caller's bug, caught by its first test */
	if (w->inline_) {
		j = &local;
	} else {
		pthread_mutex_lock(&w->mu);
		if (w->submitted - w->reaped >= WRITER_QUEUE) {
			pthread_mutex_unlock(&w->mu);
			return -1;
		}
		pthread_mutex_unlock(&w->mu);
		/* The job last freed: a backlog of n jobs touches n jobs'
		 * memory, not the whole ring's (340 KiB, bench: rss_peak_kib). */
		slot = w->free[--w->nfree];
		w->order[w->submitted % WRITER_QUEUE] = slot;
		j = &w->jobs[slot];
	}
	j->run = run;
	j->done = done;
	j->arg = arg;
	j->deadline = deadline;
	j->flags = flags;
	j->rc = 0;
	if (size > 0)
		memcpy(j->data, data, size);
	if (w->inline_) {
		writer_run(w, j, false, 0);
		if (j->done)
			j->done(j);
		return 0;
	}
	pthread_mutex_lock(&w->mu);
	w->submitted++;
	pthread_mutex_unlock(&w->mu);
	/* After the unlock: woken under it, the thread would first wait for
	 * the mutex still held here (a second wake-up on the badge path). */
	pthread_cond_signal(&w->work);
	return 0;
}

long
writer_checkpoints(struct writer *w)
{
	long n;

	pthread_mutex_lock(&w->mu);
	n = w->checkpoints;
	pthread_mutex_unlock(&w->mu);
	return n;
}

int
writer_backlog(struct writer *w)
{
	int n;

	if (w->inline_)
		return 0;
	pthread_mutex_lock(&w->mu);
	n = (int)(w->submitted - w->reaped);
	pthread_mutex_unlock(&w->mu);
	return n;
}

int
writer_fd(const struct writer *w)
{
	return w->inline_ ? -1 : w->efd;
}

int
writer_dispatch(struct writer *w)
{
	uint64_t v, fin;
	int n = 0;

	if (w->inline_)
		return 0;
	(void)!read(w->efd, &v, sizeof(v));
	pthread_mutex_lock(&w->mu);
	fin = w->finished;
	pthread_mutex_unlock(&w->mu);
	while (w->reaped < fin) {
		int slot = w->order[w->reaped % WRITER_QUEUE];
		struct writer_job *j = &w->jobs[slot];

		if (!(j->flags & WRITER_NO_EVENT))
			n++;
		if (j->done)
			j->done(j);
		w->free[w->nfree++] = slot;
		pthread_mutex_lock(&w->mu);
		w->reaped++;
		pthread_mutex_unlock(&w->mu);
	}
	return n;
}

void
writer_drain(struct writer *w)
{
	if (w->inline_)
		return;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (w->finished < w->submitted)
			pthread_cond_wait(&w->idle, &w->mu);
		if (w->reaped == w->submitted) {
			pthread_mutex_unlock(&w->mu);
			return;
		}
		pthread_mutex_unlock(&w->mu);
		writer_dispatch(w);	/* done callbacks may submit more */
	}
}

void
writer_lock(struct writer *w)
{
	pthread_mutex_lock(&w->settings);
}

void
writer_unlock(struct writer *w)
{
	pthread_mutex_unlock(&w->settings);
}

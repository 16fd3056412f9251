/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The writer: seuild's disk off the loop (docs/architecture.md, Runtime).
 * One thread owns its own connection to the store and runs the daemon's
 * writes one after the other, in the order they were submitted: taps
 * (lookup, decision, event and commit in one transaction), events, visits,
 * enrolments, the MQTT published mark, retention.  The loop submits jobs
 * and learns that they are done through an eventfd it polls; each job's
 * done callback then runs on the loop thread, so doors, presence and MQTT
 * stay single-threaded and the loop keeps timing the doors however long the
 * store makes a job wait.
 *
 * Reads may stay on the loop's own connection (WAL readers never wait for
 * a writer), but the loop's connection never writes.
 *
 * A job with a deadline (a tap, a remote unlock) is not started past it,
 * and waits for the database lock no longer than it: it ends with
 * WRITER_EXPIRED or -1 and the caller denies.  Such denials cannot be
 * logged; the writer counts them and, once a write succeeds again,
 * appends one `store_error` event saying how many there were and why.
 *
 * The writer also copies the WAL into the database file (a checkpoint)
 * itself, when it is idle: never inside a job, so never inside a tap.
 */
#ifndef SEUIL_WRITER_H
#define SEUIL_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define WRITER_QUEUE		256	/* jobs queued or done but not yet reaped */
#define WRITER_DATA_MAX		1024	/* bytes of a job's own data */
#define WRITER_BUSY_MS		5000	/* lock wait of a job without a deadline */
#define WRITER_EXPIRED		(-2)	/* j->rc: deadline passed before the store was had */

/* Job flags. */
#define WRITER_DENIAL	0x1	/* failing means a tap was denied: count it */
#define WRITER_NO_EVENT	0x2	/* appends no event: not counted by writer_dispatch */

struct writer;
struct writer_job;

/* On the writer thread, with the writer's store: do the job's writes.
 * 0, or -1 with the store's message (copied to j->err). */
typedef int (*writer_run_fn)(struct writer_job *j, struct store *st);
/* On the loop thread, once the job ran (j->rc 0 or -1) or expired
 * (WRITER_EXPIRED).  May submit other jobs. */
typedef void (*writer_done_fn)(struct writer_job *j);

struct writer_job {
	writer_run_fn	run;
	writer_done_fn	done;		/* NULL: nothing to tell */
	void		*arg;
	int64_t		deadline;	/* CLOCK_MONOTONIC ms, 0: none */
	unsigned	flags;
	int		rc;
	char		err[256];
	/* The job's own data, copied in at submission (writer_job_data). */
	_Alignas(max_align_t) unsigned char data[WRITER_DATA_MAX];
};

static inline void *
writer_job_data(struct writer_job *j)
{
	return j->data;
}

/*
 * Open a second connection to the database at path and start the thread.
 * NULL with err on failure.  Close with writer_free.
 */
struct writer *writer_new(const char *path, char *err, size_t errlen);
/*
 * For unit tests: no thread; every job runs on st at submission and its
 * done callback runs before writer_submit returns.  st is borrowed.
 */
struct writer *writer_new_inline(struct store *st);
/* Run what is queued (a job without a deadline waits for the lock at most
 * WRITER_BUSY_MS from now), reap it, stop the thread, close.  NULL is fine. */
void writer_free(struct writer *w);

/*
 * Queue a job: run(j, st) on the writer thread, then done(j) on the loop.
 * size bytes of data are copied into the job.  0, or -1 when the queue is
 * full (the caller treats it as the store being unavailable).
 */
int writer_submit(struct writer *w, writer_run_fn run, writer_done_fn done, void *arg,
    int64_t deadline, unsigned flags, const void *data, size_t size);

/* The fd for the loop's poll (POLLIN), or -1 for an inline writer. */
int writer_fd(const struct writer *w);
/* Call when writer_fd is readable: run the done callbacks of the finished
 * jobs, in order.  Returns how many jobs finished since the last call,
 * those flagged WRITER_NO_EVENT left out: the loop takes the count as news
 * of events to publish, and a job that reads new events and is submitted
 * again on such news would otherwise feed itself for ever. */
int writer_dispatch(struct writer *w);
/* Wait until every job submitted so far has finished, and reap it. */
void writer_drain(struct writer *w);

/* Set a meta key (the MQTT published mark), in order with the rest; a
 * failure is logged.  0, or -1 when the queue is full. */
int writer_meta_set(struct writer *w, const char *key, const char *value);

/*
 * The store as the writer last found it, for status: false when the last
 * job failed or taps are denied and not yet told in a store_error event;
 * *denied is how many, why the last error ("" when true).
 */
bool writer_health(struct writer *w, long *denied, char *why, size_t len);

/* Checkpoints the thread has run (when idle, or to bound the WAL during
 * a long backlog; never inside a job). */
long writer_checkpoints(struct writer *w);

/* Jobs submitted and not yet reaped by writer_dispatch. */
int writer_backlog(struct writer *w);

/* A denial that never reached the writer (queue full): count it too. */
void writer_note_denial(struct writer *w, const char *why);

/*
 * What jobs read besides their data (the timezone, a copy of the decision's
 * configuration) changes only under this lock, held briefly by both sides.
 */
void writer_lock(struct writer *w);
void writer_unlock(struct writer *w);

/*
 * The one path of every event row (writer thread, inside a job's run):
 * append ev to st, log it.  The caller stamps ts_ms, mono_ms and
 * clock_synced when the thing happened.  Returns the seq or -1.
 */
int64_t writer_append_event(struct store *st, const struct event *ev);

/*
 * An event as data for a job: strings copied into the job.  writer_event_set
 * copies ev's strings into e (cut to fit); writer_event_get points out at
 * them.
 */
struct writer_event {
	char		type[32];
	char		door[CONFIG_NAME_MAX + 1];
	char		reader[CONFIG_NAME_MAX + 1];
	char		reason[32];
	char		detail[256];
	char		actor[160];
	uint8_t		uid_mac[UID_MAC_LEN];
	bool		has_mac;
	int64_t		member_id, badge_id, guest_id, via, ts_ms, mono_ms;
	bool		clock_synced;
};
void writer_event_set(struct writer_event *e, const struct event *ev);
void writer_event_get(const struct writer_event *e, struct event *out);

#endif

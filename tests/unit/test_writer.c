/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The writer thread (daemon/writer.c): order, a full queue, checkpoints. */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "store.h"
#include "testhelp.h"
#include "writer.h"

static char dir[] = "/tmp/seuil-test-writer.XXXXXX";
static char dbpath[256];

static struct writer *
writer_fresh(const char *name)
{
	char err[512];
	struct store *st;
	struct writer *w;

	snprintf(dbpath, sizeof(dbpath), "%s/%s", dir, name);
	if ((st = store_open(dbpath, STORE_CREATE, err, sizeof(err))) == NULL) {
		printf("# store_open: %s\n", err);
		return NULL;
	}
	store_close(st);
	if ((w = writer_new(dbpath, err, sizeof(err))) == NULL)
		printf("# writer_new: %s\n", err);
	return w;
}

/* Jobs that write one meta row each and record the order they ran and
 * were reaped in; the first can be held until the test lets it go. */
static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static bool gate_closed;
static int ran[2 * WRITER_QUEUE + 8], nran;
static int reaped[2 * WRITER_QUEUE + 8], nreaped;

static int
job_run(struct writer_job *j, struct store *st)
{
	int n = *(int *)writer_job_data(j);
	char v[16];

	pthread_mutex_lock(&gate_mu);
	while (gate_closed)
		pthread_cond_wait(&gate_cv, &gate_mu);
	ran[nran++] = n;
	pthread_mutex_unlock(&gate_mu);
	snprintf(v, sizeof(v), "%d", n);
	return store_meta_set(st, "n", v);
}

static void
job_done(struct writer_job *j)
{
	reaped[nreaped++] = j->rc == 0 ? *(int *)writer_job_data(j) : -1;
}

static void
gate(bool closed)
{
	pthread_mutex_lock(&gate_mu);
	gate_closed = closed;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
}

/* WRITER_QUEUE jobs fit, one more does not; every job runs and is reaped
 * once, in order, also once the jobs' memory is used again. */
static void
test_order_and_full_queue(void)
{
	struct writer *w = writer_fresh("order.db");
	int i, n = 0, bad = 0;

	EXPECT(w != NULL);
	if (w == NULL)
		return;
	nran = nreaped = 0;
	gate(true);
	for (i = 0; i < WRITER_QUEUE; i++, n++)
		EXPECT_INT(writer_submit(w, job_run, job_done, NULL, 0, 0, &n, sizeof(n)), 0);
	EXPECT_INT(writer_submit(w, job_run, job_done, NULL, 0, 0, &n, sizeof(n)), -1);
	EXPECT_INT(writer_backlog(w), WRITER_QUEUE);
	gate(false);
	writer_drain(w);
	EXPECT_INT(writer_backlog(w), 0);
	/* Again, a few at a time, reaping in between. */
	for (i = 0; i < WRITER_QUEUE + 5; i++, n++) {
		EXPECT_INT(writer_submit(w, job_run, job_done, NULL, 0, 0, &n, sizeof(n)), 0);
		if (i % 7 == 0)
			writer_drain(w);
	}
	writer_drain(w);
	EXPECT_INT(nran, n);
	EXPECT_INT(nreaped, n);
	for (i = 0; i < n; i++)
		bad += ran[i] != i || reaped[i] != i;
	EXPECT_INT(bad, 0);
	writer_free(w);
}

/* Commits never checkpoint; the idle writer does, by itself, and starts
 * the WAL again then, so that the next commit (a tap) does not. */
static void
test_checkpoint_when_idle(void)
{
	struct writer *w = writer_fresh("idle.db");
	char before[24], after[24];
	int64_t end;
	int i, n;

	EXPECT(w != NULL);
	if (w == NULL)
		return;
	nran = nreaped = 0;
	gate(true);
	/* Held back, then all at once: no idle moment between them. */
	for (n = 0; n < 100; n++)
		EXPECT_INT(writer_submit(w, job_run, job_done, NULL, 0, 0, &n, sizeof(n)), 0);
	EXPECT_INT(writer_checkpoints(w), 0);
	gate(false);
	writer_drain(w);
	/* 100 commits, a frame each: more than WRITER_CKPT_MIN. */
	end = clock_mono_ms() + 3000;
	while (writer_checkpoints(w) == 0 && clock_mono_ms() < end)
		poll(NULL, 0, 5);
	EXPECT_INT(writer_checkpoints(w), 1);
	/* Idle, nothing new: no checkpoint again. */
	poll(NULL, 0, 50);
	EXPECT_INT(writer_checkpoints(w), 1);
	/* One commit is too few for another, and it finds the WAL started
	 * again already: it appends, its header stays. */
	th_wal_header(dbpath, before);
	EXPECT_INT(writer_submit(w, job_run, job_done, NULL, 0, 0, &n, sizeof(n)), 0);
	writer_drain(w);
	th_wal_header(dbpath, after);
	EXPECT(memcmp(before, after, 24) == 0);
	poll(NULL, 0, 50);
	EXPECT_INT(writer_checkpoints(w), 1);
	for (i = 0; i < nreaped; i++)
		EXPECT(reaped[i] != -1);
	writer_free(w);
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_order_and_full_queue);
	RUN(test_checkpoint_when_idle);
	if (getenv("KEEP") == NULL) {
		char cmd[300];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", dir);
	}
	return TEST_REPORT();
}

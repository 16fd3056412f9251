/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * seuild as a node of a site of several Pis (docs/site.md).
 *
 * The primary owns the member data.  Whatever writes it (seuild's writer,
 * or any program: core/schema.c's triggers fill the change log), the loop
 * sees the change log's revision move, and the builder (site_worker.c)
 * makes a signed delta of what changed and, a moment later, a signed
 * snapshot of everything: the delta reaches the replicas at once, the
 * snapshot (retained) is what a replica that missed deltas, or joins,
 * starts from.  A signed head, every [site] heartbeat, says which
 * revision is the latest, and that the primary lives.
 *
 * A replica applies only what verifies under the site's key, for its
 * site, on the topic it was signed for, newer than its copy (core/site_sig.h,
 * core/site_acl.h): on the writer, in one transaction with its acl_applied
 * event.  Anything else is counted and recorded (acl_rejected), never
 * applied.  Its doors decide from its copy whatever the network does; how
 * old the copy may be is [replica] stale_after and max_age.
 *
 * The loop verifies (a signature, a JSON parse: about a millisecond for a
 * large snapshot) and the writer applies; nothing here waits for the
 * broker.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "render_json.h"

#define SNAPSHOT_AFTER_MS	1000	/* a snapshot follows its deltas by this */
#define REV_CHECK_MS		250	/* the change log's revision is read this often */
#define RESEND_EVERY_MS		5000	/* a replica behind asks at most this often */
#define RESEND_ANSWER_MS	100	/* the primary answers at most this often */
#define REJECT_EVENT_MS		10000	/* one acl_rejected event at most this often */
#define VERIFIED_SAVE_MS	60000	/* a head's verification is saved this often */
#define TOPIC_MAX		400

enum copy_state { COPY_CURRENT, COPY_STALE, COPY_EXPIRED };

static const char *const copy_state_names[] = { "current", "stale", "expired" };

struct site {
	struct daemon	*d;
	bool		 primary;
	char		 t_snapshot[TOPIC_MAX], t_delta[TOPIC_MAX], t_head[TOPIC_MAX];
	char		 t_to_me[TOPIC_MAX], t_state[TOPIC_MAX], t_resend[TOPIC_MAX];

	struct site_journal *journal;
	struct site_enrol *enrol;	/* a replica's desk, through the primary */

	/* The primary. */
	uint8_t		 seed[SITE_KEY_LEN];
	struct site_worker *worker;
	int64_t		 epoch;
	int64_t		 built_rev;	/* what was last published; -1: nothing yet */
	char		*snapshot;	/* signed, retained: sent at each connection */
	size_t		 snapshot_len;
	char		*body;		/* its body, to sign again for one node */
	size_t		 body_len;
	int64_t		 snapshot_rev;
	int64_t		 snapshot_at;	/* 0: none due */
	int64_t		 next_head, next_rev_check, next_answer;

	/* A replica. */
	struct site_pub	 trusted;
	struct site_local local;	/* the copy, as last applied */
	int64_t		 want_epoch, want_rev;	/* applied or on the writer */
	int		 applying;	/* jobs on the writer */
	int64_t		 verified_boot;	/* CLOCK_BOOTTIME ms; 0: never */
	int64_t		 last_issued;	/* the newest verified head's */
	int64_t		 head_epoch, head_rev;
	int64_t		 saved_boot;	/* verified_boot as last saved */
	enum copy_state	 state;
	long		 rejected, rejected_told;
	char		 last_why[96];
	int64_t		 next_reject_event, next_resend;
};

/* ---- publishing ---- */

static void
publish(struct site *s, const char *topic, const char *payload, size_t len, bool retain)
{
	if (s->d->mqtt != NULL && mqtt_publish(s->d->mqtt, topic, payload, len, retain) == -1 &&
	    mqtt_connected(s->d->mqtt))
		log_warnx("site: cannot publish on %s", topic);
}

static void
head_of(const struct site *s, struct site_head *h)
{
	const struct config *c = s->d->conf;

	memset(h, 0, sizeof(*h));
	snprintf(h->site, sizeof(h->site), "%s", c->site_name);
	snprintf(h->node, sizeof(h->node), "%s", c->site_node);
	h->epoch = s->epoch;
	h->issued_ms = clock_wall_ms();
	h->interval_ms = c->site_heartbeat_ms;
}

/* The primary's signed head: the latest revision, and a sign of life. */
static void
publish_head(struct site *s, int64_t now)
{
	struct site_head h;
	char *body, *env;
	size_t len;

	s->next_head = now + s->d->conf->site_heartbeat_ms;
	if (s->built_rev < 0)
		return;
	head_of(s, &h);
	h.rev = s->built_rev;
	if ((body = site_acl_head(&h)) == NULL)
		return;
	if ((env = site_sign(s->seed, s->t_head, body, strlen(body), &len)) != NULL)
		publish(s, s->t_head, env, len, true);
	free(env);
	free(body);
}

/* What the builder made: the delta at once, the snapshot retained (and
 * kept for the next connection), then a head with the new revision. */
static void
primary_built(struct site *s, int64_t now)
{
	struct site_built b;

	if (!site_worker_take(s->worker, &b))
		return;
	if (b.err[0] != '\0') {
		log_warnx("site: %s", b.err);
		site_built_free(&b);
		return;
	}
	if (b.delta != NULL) {
		log_debug("site: delta %lld -> %lld", (long long)b.delta_base, (long long)b.rev);
		publish(s, s->t_delta, b.delta, b.delta_len, false);
	}
	if (b.snapshot != NULL) {
		free(s->snapshot);
		free(s->body);
		s->snapshot = b.snapshot;
		s->snapshot_len = b.snapshot_len;
		s->body = b.body;
		s->body_len = b.body_len;
		s->snapshot_rev = b.snapshot_rev;
		b.snapshot = b.body = NULL;
		log_debug("site: snapshot at %lld", (long long)s->snapshot_rev);
		publish(s, s->t_snapshot, s->snapshot, s->snapshot_len, true);
	}
	if (b.rev > s->built_rev)
		s->built_rev = b.rev;
	site_built_free(&b);
	publish_head(s, now);
}

/* Ask the builder for what is due: a delta when the change log moved
 * past what was published, a snapshot SNAPSHOT_AFTER_MS after. */
static void
primary_build(struct site *s, int64_t now, bool changed)
{
	struct site_build in = { .delta = false };
	int64_t rev;

	if (site_worker_busy(s->worker))
		return;
	if (changed || now >= s->next_rev_check) {
		s->next_rev_check = now + REV_CHECK_MS;
		if ((rev = store_acl_rev(s->d->st)) == -1) {
			log_warnx("site: reading the change log: %s", store_errmsg(s->d->st));
			return;
		}
		if (s->built_rev >= 0 && rev > s->built_rev) {
			in.delta = true;
			in.base = s->built_rev;
			if (s->snapshot_at == 0)
				s->snapshot_at = now + SNAPSHOT_AFTER_MS;
		}
	}
	if (s->built_rev < 0 || (s->snapshot_at != 0 && now >= s->snapshot_at)) {
		in.snapshot = true;
		s->snapshot_at = 0;
	}
	if (!in.delta && !in.snapshot)
		return;
	head_of(s, &in.head);
	site_worker_build(s->worker, &in);
}

/* A replica asks for the copy again (it missed a delta and the retained
 * snapshot is not newer): this node's snapshot, signed for its topic. */
static void
primary_resend(struct site *s, const char *topic, int64_t now)
{
	const char *node = topic + strlen(s->d->conf->mqtt_base_topic) + strlen("/node/");
	char name[CONFIG_NAME_MAX + 1], to[TOPIC_MAX], *env;
	size_t n = strcspn(node, "/"), len;

	if (s->body == NULL || n == 0 || n > CONFIG_NAME_MAX || now < s->next_answer)
		return;
	s->next_answer = now + RESEND_ANSWER_MS;
	memcpy(name, node, n);
	name[n] = '\0';
	snprintf(to, sizeof(to), "%s/to/%s/acl", s->d->conf->mqtt_base_topic, name);
	if ((env = site_sign(s->seed, to, s->body, s->body_len, &len)) != NULL)
		publish(s, to, env, len, false);
	free(env);
}

/* ---- a replica ---- */

static void
publish_state(struct site *s)
{
	char ts[21], *text;
	cJSON *o;

	if (s->d->mqtt == NULL)
		return;
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "epoch", (double)s->local.epoch);
	cJSON_AddNumberToObject(o, "rev", (double)s->local.rev);
	if (s->local.verified_ms > 0) {
		clock_format_utc(s->local.verified_ms, ts);
		cJSON_AddStringToObject(o, "verified", ts);
	} else {
		cJSON_AddNullToObject(o, "verified");
	}
	cJSON_AddStringToObject(o, "state", copy_state_names[s->state]);
	cJSON_AddNumberToObject(o, "rejected", (double)s->rejected);
	/* The journal's lag, as the primary's console shows it. */
	cJSON_AddNumberToObject(o, "seq", (double)store_last_seq(s->d->st));
	if ((text = render_json_print(o)) != NULL)
		publish(s, s->t_state, text, strlen(text), true);
	free(text);
}

/* The state of the copy, and what the doors decide from it. */
static void
set_state(struct site *s, enum copy_state st)
{
	s->state = st;
	writer_lock(s->d->writer);
	s->d->copy_expired = st == COPY_EXPIRED;
	writer_unlock(s->d->writer);
}

/* A message not applied: counted, logged, and recorded as an acl_rejected
 * event, at most one every REJECT_EVENT_MS (a flood of forgeries must not
 * fill the store), naming how many and why the last. */
static void
reject(struct site *s, const char *topic, const char *why, int64_t now)
{
	char detail[160];

	s->rejected++;
	snprintf(s->last_why, sizeof(s->last_why), "%s", why);
	if (now < s->next_reject_event)
		return;
	s->next_reject_event = now + REJECT_EVENT_MS;
	log_warnx("site: message on %.200s not applied: %s (%ld refused in all)", topic, why,
	    s->rejected);
	snprintf(detail, sizeof(detail), "%ld refused: %s", s->rejected - s->rejected_told, why);
	s->rejected_told = s->rejected;
	daemon_simple_event(s->d, "acl_rejected", NULL, NULL, NULL, detail);
	publish_state(s);
}

/* The last refusals not yet told in an event, once the interval passed. */
static void
reject_flush(struct site *s, int64_t now)
{
	char detail[160];

	if (s->rejected == s->rejected_told || now < s->next_reject_event)
		return;
	s->next_reject_event = now + REJECT_EVENT_MS;
	snprintf(detail, sizeof(detail), "%ld refused: %s", s->rejected - s->rejected_told,
	    s->last_why);
	s->rejected_told = s->rejected;
	daemon_simple_event(s->d, "acl_rejected", NULL, NULL, NULL, detail);
	publish_state(s);
}

/* A verified sign that the copy is the primary's latest. */
static void
verified(struct site *s, int64_t now)
{
	char v[32];

	s->verified_boot = clock_boot_ms();
	s->local.verified_ms = clock_wall_ms();
	/* Saved now and then, so that a restart knows how old the copy is
	 * (max_age); an apply saves it with the copy. */
	if (s->verified_boot - s->saved_boot >= VERIFIED_SAVE_MS) {
		snprintf(v, sizeof(v), "%lld", (long long)s->local.verified_ms);
		if (writer_meta_set(s->d->writer, "acl_verified", v) == 0)
			s->saved_boot = s->verified_boot;
	}
	(void)now;
}

static void
ask_resend(struct site *s, int64_t now)
{
	char body[64];

	if (now < s->next_resend)
		return;
	s->next_resend = now + RESEND_EVERY_MS;
	snprintf(body, sizeof(body), "{\"from\":%lld}", (long long)s->want_rev);
	publish(s, s->t_resend, body, strlen(body), false);
}

struct apply_job {
	struct site	*s;
	struct site_msg	*m;
	int		 rc;
	char		 why[160];
};

/* Writer thread: the copy and its acl_applied event, in one transaction. */
static int
apply_run(struct writer_job *j, struct store *st)
{
	struct apply_job *a = writer_job_data(j);
	struct site_msg *m = a->m;
	char detail[96];
	struct event ev = { .type = "acl_applied", .detail = detail };

	if (store_begin(st) == -1)
		return -1;
	a->rc = site_acl_apply(st, m, clock_wall_ms(), a->why, sizeof(a->why));
	if (a->rc != 1) {
		store_rollback(st);
		return a->rc == -1 && store_errcode(st) == STORE_EDB && a->why[0] == '\0' ? -1 : 0;
	}
	snprintf(detail, sizeof(detail), "%s %lld.%lld", site_msg_type_name(m->h.type),
	    (long long)m->h.epoch, (long long)m->h.rev);
	store_event_stamp(&ev);
	if (writer_append_event(st, &ev) == -1 || store_commit(st) == -1) {
		store_rollback(st);
		a->rc = -1;
		return -1;
	}
	return 0;
}

static void
apply_done(struct writer_job *j)
{
	struct apply_job *a = writer_job_data(j);
	struct site *s = a->s;
	int64_t now = clock_mono_ms();

	s->applying--;
	if (a->rc == 1) {
		s->local.epoch = a->m->h.epoch;
		s->local.rev = a->m->h.rev;
		snprintf(s->local.primary, sizeof(s->local.primary), "%s", a->m->h.node);
		log_info("site: applied %s %lld.%lld from %s", site_msg_type_name(a->m->h.type),
		    (long long)s->local.epoch, (long long)s->local.rev, s->local.primary);
		s->saved_boot = clock_boot_ms();
		verified(s, now);
		if (s->state != COPY_CURRENT)
			set_state(s, COPY_CURRENT);
		s->d->events_pending = true;
		s->d->guests_recheck = true;	/* a pass may have ended: its guest leaves */
		publish_state(s);
	} else {
		/* Not applied: the loop's wish goes back to the copy. */
		s->want_epoch = s->local.epoch;
		s->want_rev = s->local.rev;
		if (a->rc == -1 || j->rc != 0)
			reject(s, "the writer", a->why[0] ? a->why : j->err, now);
		else
			log_info("site: %s not applied: %s", site_msg_type_name(a->m->h.type),
			    a->why);
	}
	site_msg_free(a->m);
	free(a->m);
}

static void
submit_apply(struct site *s, struct site_msg *m)
{
	struct apply_job a = { .s = s };

	if ((a.m = malloc(sizeof(*a.m))) == NULL) {
		site_msg_free(m);
		return;
	}
	*a.m = *m;
	m->json = NULL;
	if (writer_submit(s->d->writer, apply_run, apply_done, s->d, 0, 0, &a, sizeof(a)) == -1) {
		log_warnx("site: the writer's queue is full: revision %lld waits",
		    (long long)a.m->h.rev);
		site_msg_free(a.m);
		free(a.m);
		return;
	}
	s->applying++;
	s->want_epoch = a.m->h.epoch;
	s->want_rev = a.m->h.rev;
}

/* Compare (e1, r1) with (e2, r2). */
static int
cmp_rev(int64_t e1, int64_t r1, int64_t e2, int64_t r2)
{
	if (e1 != e2)
		return e1 < e2 ? -1 : 1;
	return r1 < r2 ? -1 : r1 > r2;
}

static void
replica_head(struct site *s, const struct site_msg *m, int64_t now)
{
	/* Heads of an epoch come in the order they were issued: an older
	 * one is a replay (which would make a withheld change look fresh). */
	if (m->h.epoch < s->head_epoch || (m->h.epoch == s->head_epoch &&
	    m->h.issued_ms < s->last_issued)) {
		reject(s, s->t_head, "an older head (a replay)", now);
		return;
	}
	if (m->h.epoch == s->head_epoch && m->h.issued_ms == s->last_issued)
		return;		/* the retained one again */
	s->last_issued = m->h.issued_ms;
	s->head_epoch = m->h.epoch;
	s->head_rev = m->h.rev;
	if (cmp_rev(m->h.epoch, m->h.rev, s->local.epoch, s->local.rev) == 0) {
		verified(s, now);
		if (s->state != COPY_CURRENT) {
			set_state(s, COPY_CURRENT);
			log_info("site: copy %lld.%lld current again", (long long)s->local.epoch,
			    (long long)s->local.rev);
		}
		publish_state(s);
	} else if (cmp_rev(m->h.epoch, m->h.rev, s->want_epoch, s->want_rev) > 0) {
		/* Behind, and nothing on its way: ask.  A head does not make
		 * a copy that misses revisions fresh. */
		ask_resend(s, now);
	}
}

static void
replica_copy(struct site *s, const char *topic, struct site_msg *m, int64_t now)
{
	int c = cmp_rev(m->h.epoch, m->h.rev, s->want_epoch, s->want_rev);

	if (m->h.type == SITE_MSG_SNAPSHOT) {
		if (c < 0 && cmp_rev(m->h.epoch, m->h.rev, s->local.epoch, s->local.rev) < 0)
			reject(s, topic, "an older revision (a replay)", now);
		if (c <= 0)
			return;
		submit_apply(s, m);
		return;
	}
	/* A delta: on the revision the copy will have, in its epoch. */
	if (c <= 0) {
		if (cmp_rev(m->h.epoch, m->h.rev, s->local.epoch, s->local.rev) < 0)
			reject(s, topic, "an older revision (a replay)", now);
		return;
	}
	if (m->h.epoch != s->want_epoch || m->h.base != s->want_rev) {
		ask_resend(s, now);
		return;
	}
	submit_apply(s, m);
}

/* A message on one of the site's topics; false if it is none of them. */
static bool
site_message(void *arg, const char *topic, const void *payload, size_t len, bool retained)
{
	struct daemon *d = arg;
	struct site *s = d->site;
	struct site_msg m;
	const char *body;
	size_t blen;
	char why[96];
	int64_t now = clock_mono_ms();
	enum site_msg_type want;

	(void)retained;
	if (s == NULL)
		return false;
	if (s->journal != NULL && site_journal_message(s->journal, topic, payload, len))
		return true;
	if (s->enrol != NULL && site_enrol_message(s->enrol, topic, payload, len))
		return true;
	if (s->primary) {
		if (strncmp(topic, d->conf->mqtt_base_topic, strlen(d->conf->mqtt_base_topic)) == 0 &&
		    strncmp(topic + strlen(d->conf->mqtt_base_topic), "/node/", 6) == 0 &&
		    strlen(topic) > strlen("/acl/resend") && strcmp(topic + strlen(topic) -
		    strlen("/acl/resend"), "/acl/resend") == 0) {
			primary_resend(s, topic, now);
			return true;
		}
		return false;
	}
	if (strcmp(topic, s->t_snapshot) == 0)
		want = SITE_MSG_SNAPSHOT;
	else if (strcmp(topic, s->t_delta) == 0 || strcmp(topic, s->t_to_me) == 0)
		want = SITE_MSG_DELTA;
	else if (strcmp(topic, s->t_head) == 0)
		want = SITE_MSG_HEAD;
	else
		return false;
	if (site_open(&s->trusted, 1, topic, payload, len, &body, &blen, why,
	    sizeof(why)) == -1) {
		reject(s, topic, why, now);
		return true;
	}
	if (site_msg_parse(body, blen, &m, why, sizeof(why)) == -1) {
		reject(s, topic, why, now);
		return true;
	}
	if (strcmp(m.h.site, d->conf->site_name) != 0) {
		reject(s, topic, "another site's", now);
	} else if (m.h.type != want && !(strcmp(topic, s->t_to_me) == 0 &&
	    m.h.type == SITE_MSG_SNAPSHOT)) {
		reject(s, topic, "a message of another type for its topic", now);
	} else if (m.h.type == SITE_MSG_HEAD) {
		replica_head(s, &m, now);
	} else {
		replica_copy(s, topic, &m, now);
	}
	site_msg_free(&m);
	return true;
}

/* How old the copy is decides its state; each change is an event. */
static void
replica_age(struct site *s, int64_t now)
{
	const struct config *c = s->d->conf;
	int64_t age = s->verified_boot > 0 ? clock_boot_ms() - s->verified_boot : INT64_MAX;
	enum copy_state st = age >= c->replica_max_age_ms ? COPY_EXPIRED :
	    age >= c->replica_stale_after_ms ? COPY_STALE : COPY_CURRENT;
	char detail[96];

	(void)now;
	if (st <= s->state)
		return;		/* only a verified message makes it current again */
	set_state(s, st);
	snprintf(detail, sizeof(detail), "copy %lld.%lld%s%s", (long long)s->local.epoch,
	    (long long)s->local.rev, st == COPY_EXPIRED ? ", when_expired = " : "",
	    st == COPY_EXPIRED ? (c->replica_when_expired == EXPIRED_KEEP ? "keep" :
	    c->replica_when_expired == EXPIRED_DENY ? "deny" : "offline_groups") : "");
	log_warnx("site: copy of the members %s (%s)", copy_state_names[st], detail);
	daemon_simple_event(s->d, st == COPY_EXPIRED ? "acl_expired" : "acl_stale", NULL, NULL,
	    NULL, detail);
	publish_state(s);
}

/* ---- the connection ---- */

static void
site_connected(void *arg)
{
	struct daemon *d = arg;
	struct site *s = d->site;
	char topic[TOPIC_MAX];

	if (s == NULL)
		return;
	site_journal_connected(s->journal);
	site_enrol_connected(s->enrol);
	if (s->primary) {
		snprintf(topic, sizeof(topic), "%s/node/+/acl/resend", d->conf->mqtt_base_topic);
		mqtt_subscribe(d->mqtt, topic);
		if (s->snapshot != NULL)
			publish(s, s->t_snapshot, s->snapshot, s->snapshot_len, true);
		publish_head(s, clock_mono_ms());
		return;
	}
	snprintf(topic, sizeof(topic), "%s/acl/#", d->conf->mqtt_base_topic);
	mqtt_subscribe(d->mqtt, topic);
	mqtt_subscribe(d->mqtt, s->t_to_me);
	publish_state(s);
}

void
site_attach(struct daemon *d)
{
	struct mqtt_hooks h = { site_connected, site_message, d };

	if (d->site != NULL && d->mqtt != NULL)
		mqtt_set_hooks(d->mqtt, &h);
}

/* ---- start, stop, the loop ---- */

static void
topics(struct site *s, const struct config *c)
{
	const char *b = c->mqtt_base_topic;

	snprintf(s->t_snapshot, sizeof(s->t_snapshot), "%s/acl/snapshot", b);
	snprintf(s->t_delta, sizeof(s->t_delta), "%s/acl/delta", b);
	snprintf(s->t_head, sizeof(s->t_head), "%s/acl/head", b);
	snprintf(s->t_to_me, sizeof(s->t_to_me), "%s/to/%s/acl", b, c->site_node);
	snprintf(s->t_state, sizeof(s->t_state), "%s/node/%s/acl/state", b, c->site_node);
	snprintf(s->t_resend, sizeof(s->t_resend), "%s/node/%s/acl/resend", b, c->site_node);
}

static int
primary_start(struct site *s, char *err, size_t errlen)
{
	const struct config *c = s->d->conf;
	struct site_pub pub;
	char v[32];

	if (site_key_read(c->site_key_file, s->seed, true, err, errlen) == -1 ||
	    site_key_public(s->seed, &pub, err, errlen) == -1)
		return -1;
	if (site_acl_local(s->d->st, &s->local) == -1) {
		snprintf(err, errlen, "site: %s", store_errmsg(s->d->st));
		return -1;
	}
	/* The first epoch is 1 (seuilctl site init sets it); a promotion
	 * raises it. */
	if ((s->epoch = s->local.epoch) == 0) {
		s->epoch = 1;
		snprintf(v, sizeof(v), "%lld", (long long)s->epoch);
		writer_meta_set(s->d->writer, "acl_epoch", v);
	}
	if ((s->worker = site_worker_new(c, s->seed, err, errlen)) == NULL ||
	    (s->journal = site_journal_new(s->d, true, s->seed, NULL, err, errlen)) == NULL)
		return -1;
	if ((s->enrol = site_enrol_new(s->d, true, s->seed, NULL, c->site_node)) == NULL) {
		snprintf(err, errlen, "site: out of memory");
		return -1;
	}
	s->built_rev = -1;
	log_info("site: node %s, the primary of %s (key %s, epoch %lld)", c->site_node,
	    c->site_name, pub.id, (long long)s->epoch);
	return 0;
}

static int
replica_start(struct site *s, char *err, size_t errlen)
{
	const struct config *c = s->d->conf;
	int64_t age;

	if (site_key_read(c->replica_site_key_file, s->trusted.key, false, err, errlen) == -1)
		return -1;
	site_key_id(&s->trusted);
	if (site_acl_local(s->d->st, &s->local) == -1) {
		snprintf(err, errlen, "site: %s", store_errmsg(s->d->st));
		return -1;
	}
	if ((s->journal = site_journal_new(s->d, false, NULL, &s->trusted, err, errlen)) == NULL)
		return -1;
	if ((s->enrol = site_enrol_new(s->d, false, NULL, &s->trusted,
	    s->local.primary)) == NULL) {
		snprintf(err, errlen, "site: out of memory");
		return -1;
	}
	s->want_epoch = s->local.epoch;
	s->want_rev = s->local.rev;
	/* How old the copy was when this node stopped, by the wall clock
	 * (CLOCK_BOOTTIME starts again at a reboot); from now on by
	 * CLOCK_BOOTTIME, which no clock step moves. */
	if (s->local.verified_ms > 0) {
		age = clock_wall_ms() - s->local.verified_ms;
		s->verified_boot = clock_boot_ms() - (age > 0 ? age : 0);
		if (s->verified_boot <= 0)
			s->verified_boot = 1;
		s->saved_boot = s->verified_boot;
	} else {
		/* No copy yet: its age counts from now. */
		s->verified_boot = clock_boot_ms();
	}
	s->state = COPY_CURRENT;
	log_info("site: node %s, a replica of %s (trusting key %s), copy %lld.%lld",
	    c->site_node, c->site_name, s->trusted.id, (long long)s->local.epoch,
	    (long long)s->local.rev);
	return 0;
}

int
site_start(struct daemon *d, char *err, size_t errlen)
{
	struct site *s;

	if (!config_site(d->conf))
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "site: out of memory");
		return -1;
	}
	s->d = d;
	s->primary = !config_replica(d->conf);
	topics(s, d->conf);
	if ((s->primary ? primary_start(s, err, errlen) : replica_start(s, err, errlen)) == -1) {
		site_worker_free(s->worker);
		site_journal_free(s->journal);
		site_enrol_free(s->enrol);
		explicit_bzero(s->seed, sizeof(s->seed));
		free(s);
		return -1;
	}
	d->site = s;
	site_attach(d);
	return 0;
}

void
site_stop(struct daemon *d)
{
	struct site *s = d->site;

	if (s == NULL)
		return;
	if (d->mqtt != NULL)
		mqtt_set_hooks(d->mqtt, NULL);
	site_worker_free(s->worker);
	site_journal_free(s->journal);
	site_enrol_free(s->enrol);
	free(s->snapshot);
	free(s->body);
	explicit_bzero(s->seed, sizeof(s->seed));
	free(s);
	d->site = NULL;
}

void
site_pollfd(struct daemon *d, struct pollfd *pfd)
{
	*pfd = (struct pollfd){ .fd = -1 };
	if (d->site != NULL && d->site->worker != NULL) {
		pfd->fd = site_worker_fd(d->site->worker);
		pfd->events = POLLIN;
	}
}

void
site_service(struct daemon *d, const struct pollfd *pfd, int64_t now)
{
	struct site *s = d->site;

	if (s == NULL)
		return;
	site_journal_service(s->journal, now, d->events_pending);
	site_enrol_service(s->enrol, now);
	if (s->primary) {
		if (pfd != NULL && pfd->revents != 0)
			primary_built(s, now);
		primary_build(s, now, d->events_pending);
		if (now >= s->next_head)
			publish_head(s, now);
		return;
	}
	replica_age(s, now);
	reject_flush(s, now);
}

int64_t
site_deadline(const struct daemon *d)
{
	const struct site *s = d->site;
	int64_t next = INT64_MAX;

	if (s == NULL)
		return next;
	next = site_journal_deadline(s->journal);
	if (site_enrol_deadline(s->enrol) < next)
		next = site_enrol_deadline(s->enrol);
	if (s->primary) {
		if (s->next_head < next)
			next = s->next_head;
		if (s->snapshot_at != 0 && s->snapshot_at < next)
			next = s->snapshot_at;
		if (s->next_rev_check < next)
			next = s->next_rev_check;
		return next;
	}
	/* Staleness is checked at the loop's housekeeping, at least each
	 * second: precise enough for minutes. */
	if (s->rejected != s->rejected_told && s->next_reject_event < next)
		next = s->next_reject_event;
	return next;
}

void
site_status(struct daemon *d, cJSON *r)
{
	struct site *s = d->site;
	cJSON *o;
	char ts[21];

	if (s == NULL)
		return;
	o = cJSON_AddObjectToObject(r, "site");
	cJSON_AddStringToObject(o, "node", d->conf->site_node);
	cJSON_AddStringToObject(o, "role", s->primary ? "primary" : "replica");
	if (s->primary) {
		cJSON_AddNumberToObject(o, "epoch", (double)s->epoch);
		cJSON_AddNumberToObject(o, "rev", (double)(s->built_rev < 0 ? 0 : s->built_rev));
		cJSON_AddStringToObject(o, "state", "current");
		clock_format_utc(clock_wall_ms(), ts);
		cJSON_AddStringToObject(o, "verified", ts);
		site_journal_status(s->journal, o);
		return;
	}
	cJSON_AddStringToObject(o, "primary", s->local.primary);
	cJSON_AddNumberToObject(o, "epoch", (double)s->local.epoch);
	cJSON_AddNumberToObject(o, "rev", (double)s->local.rev);
	cJSON_AddStringToObject(o, "state", copy_state_names[s->state]);
	if (s->local.verified_ms > 0) {
		clock_format_utc(s->local.verified_ms, ts);
		cJSON_AddStringToObject(o, "verified", ts);
	} else {
		cJSON_AddNullToObject(o, "verified");
	}
	cJSON_AddNumberToObject(o, "rejected", (double)s->rejected);
	site_journal_status(s->journal, o);
}

struct site_enrol *
site_enrolment(struct daemon *d)
{
	return d->site != NULL ? d->site->enrol : NULL;
}

bool
site_primary(const struct daemon *d)
{
	return d->site != NULL && d->site->primary;
}

void
site_presence_publish(struct daemon *d)
{
	if (site_primary(d) && d->mqtt != NULL)
		site_journal_presence(d->site->journal);
}

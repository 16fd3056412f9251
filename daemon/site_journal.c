/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A site's journal, seuild's side (core/site_journal.h says the protocol).
 *
 * A replica sends its events from the primary's acknowledgement, not from
 * the broker's: MQTT's PUBACK only says a broker holds a message, and a
 * broker that crashes (or a building's bridge that is killed) before it
 * forwards it loses it.  So the node keeps at most JOURNAL_WINDOW rows
 * unacknowledged, and sends them again from the acknowledgement at each
 * connection and whenever it has not moved for JOURNAL_RESEND_MS.  The
 * acknowledgement is signed by the primary: a forged one could make a node
 * drop what it should send.
 *
 * The primary takes a node's row only when it follows what it holds of
 * that node (prev), stores what it took in batches on the writer, one
 * transaction each, and then publishes the new acknowledgement (retained,
 * so a node that reconnects reads it at once).  Its own events join the
 * site's the same way, copied from its event log on the writer.  The
 * site's events are then what it publishes on B/events, and who is on
 * site what it publishes on B/presence.
 *
 * Who is on site follows a single Pi's rules (daemon/presence.c): the
 * store keeps the site's visits from the events it stores (core/store.h,
 * store_site_visits_apply), and the primary ends them by its own [presence]
 * timeout and day_end (store_site_visits_expire), so that a node cut off or
 * gone does not keep anyone on site forever; the office-hours flag is on
 * while any door of the site holds them, as the nodes' schedule_unlock and
 * schedule_relock say.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "render_json.h"
#include "site_journal.h"

#define JOURNAL_WINDOW		64	/* rows sent and not yet acknowledged */
#define JOURNAL_RESEND_MS	3000	/* no progress for this long: send again */
#define JOURNAL_NUDGE_MS	200	/* the primary says it lacks rows: at most this often */
#define JOURNAL_BATCH		256	/* rows a writer job stores at most */
#define JOURNAL_MAX_NODES	64
#define ACKED_KEY		"journal_acked_seq"
/* Office hours held by a node's door, read at start from its events of
 * this long ago at most: a hold lasts a window, a day at most. */
#define OFFICE_LOOKBACK_MS	(2 * 86400 * 1000LL)
#define TOPIC_MAX		400

struct node_view {
	char	 name[CONFIG_NAME_MAX + 1];
	int64_t	 expected;	/* the last seq taken (stored, or on its way) */
	int64_t	 stored;	/* what the store holds */
	int64_t	 last_ms;	/* wall: its last row */
	int64_t	 last_seq;	/* its own last seq, as its state says */
	int64_t	 rev, epoch;
	char	 state[12];	/* current, stale, expired, or "" */
	bool	 online, ack_due;
	/* Its doors held for office hours, as its events say. */
	char	 office[CONFIG_MAX_DOORS][CONFIG_NAME_MAX + 1];
	int	 noffice;
};

struct site_journal {
	struct daemon	*d;
	bool		 primary;
	const uint8_t	*seed;			/* the primary's signing key */
	const struct site_pub *trusted;		/* a replica's */
	char		 t_journal[TOPIC_MAX], t_ack[TOPIC_MAX];

	/* A replica: what it sends. */
	int64_t		 acked, sent, progress_at;
	bool		 connected;

	/* The primary: what it takes. */
	struct node_view nodes[JOURNAL_MAX_NODES];
	int		 nnodes;
	struct journal_row *pending;		/* taken, not yet on the writer */
	int		 npending, cap;
	bool		 storing, copying, own_more;
	long		 refused;
	/* The site's visits: when the next one ends (wall ms), and whether
	 * an expiry is on the writer. */
	int64_t		 visits_due;
	bool		 expiring;
};

/* ---- a replica: sending ---- */

static void
publish(struct site_journal *j, const char *topic, const char *payload, size_t len,
    bool retain)
{
	if (j->d->mqtt != NULL)
		mqtt_publish(j->d->mqtt, topic, payload, len, retain);
}

struct send_ctx {
	struct site_journal	*j;
	int64_t			 prev;
	bool			 failed;
};

static int
send_row(const struct event_row *ev, void *arg)
{
	struct send_ctx *c = arg;
	char *body;

	if ((body = site_journal_encode(c->j->d->conf->site_node, c->prev, ev)) == NULL) {
		c->failed = true;
		return 1;
	}
	if (mqtt_publish(c->j->d->mqtt, c->j->t_journal, body, strlen(body), false) == -1) {
		free(body);
		c->failed = true;
		return 1;
	}
	free(body);
	c->prev = ev->seq;
	c->j->sent = ev->seq;
	return 0;
}

static void
node_send(struct site_journal *j, int64_t now)
{
	struct send_ctx c = { .j = j };
	int room;

	if (!j->connected || j->d->mqtt == NULL || !mqtt_connected(j->d->mqtt))
		return;
	/* No progress for a while: what was sent may be lost (a broker or a
	 * bridge that died with it); from the acknowledgement again. */
	if (j->sent > j->acked && now - j->progress_at >= JOURNAL_RESEND_MS) {
		log_info("site: journal: resending from %lld", (long long)j->acked);
		j->sent = j->acked;
		j->progress_at = now;
	}
	if ((room = JOURNAL_WINDOW - (int)(j->sent - j->acked)) <= 0)
		return;
	c.prev = j->sent;
	if (store_events_after(j->d->st, j->sent, room, send_row, &c) == -1)
		log_warnx("site: journal: reading events: %s", store_errmsg(j->d->st));
}

static void
node_ack(struct site_journal *j, const void *payload, size_t len, int64_t now)
{
	const char *body;
	size_t blen;
	char why[96], v[32];
	int64_t seq;

	if (site_open(j->trusted, 1, j->t_ack, payload, len, &body, &blen, why,
	    sizeof(why)) == -1 || site_journal_ack_parse(body, blen, j->d->conf->site_node,
	    &seq) == -1) {
		log_warnx("site: journal: an acknowledgement refused: %s", why);
		return;
	}
	if (seq == j->acked) {
		/* The same again while rows past it are out: the primary
		 * answers a row that does not follow what it holds (those
		 * before it were lost, say sent before it subscribed): send
		 * again from there now, not a resend period later.  At most
		 * once each JOURNAL_NUDGE_MS, as several such answers come. */
		if (j->sent > seq && now - j->progress_at >= JOURNAL_NUDGE_MS) {
			j->sent = seq;
			j->progress_at = now;
			node_send(j, now);
		}
		return;
	}
	/* Lower than before: the primary lost what it had (a restore), and
	 * gets it again. */
	if (seq < j->acked || seq > j->sent)
		j->sent = seq;
	j->acked = seq;
	j->progress_at = now;
	snprintf(v, sizeof(v), "%lld", (long long)seq);
	writer_meta_set(j->d->writer, ACKED_KEY, v);
	node_send(j, now);
}

/* ---- the primary: taking ---- */

static struct node_view *
node_find(struct site_journal *j, const char *name, bool add)
{
	struct node_view *n;
	int i;

	for (i = 0; i < j->nnodes; i++)
		if (strcmp(j->nodes[i].name, name) == 0)
			return &j->nodes[i];
	if (!add || j->nnodes == JOURNAL_MAX_NODES)
		return NULL;
	n = &j->nodes[j->nnodes++];
	memset(n, 0, sizeof(*n));
	snprintf(n->name, sizeof(n->name), "%s", name);
	return n;
}

static void
publish_ack(struct site_journal *j, struct node_view *n)
{
	char topic[TOPIC_MAX], *body, *env;
	size_t len;

	n->ack_due = false;
	snprintf(topic, sizeof(topic), "%s/to/%s/journal/ack", j->d->conf->mqtt_base_topic,
	    n->name);
	if ((body = site_journal_ack(n->name, n->stored)) == NULL)
		return;
	if ((env = site_sign(j->seed, topic, body, strlen(body), &len)) != NULL)
		publish(j, topic, env, len, true);
	free(env);
	free(body);
}

/* The primary's presence rules, copied for the writer thread (a reload
 * may replace the config meanwhile), and what an expiry found. */
struct visit_rules {
	int64_t	 expire_after_ms;
	int	 day_end_min;
	int64_t	 next_ms;	/* out: the next visit's end */
	int	 closed;	/* out: visits ended */
};

static void
rules_of(const struct daemon *d, struct visit_rules *r)
{
	*r = (struct visit_rules){ .expire_after_ms = d->conf->expire_after_ms,
	    .day_end_min = d->conf->day_ends_at_min, .next_ms = INT64_MAX };
}

/* Writer thread: end the site's visits that are due. */
static int
rules_apply(struct store *st, struct visit_rules *r)
{
	return (r->closed = store_site_visits_expire(st, clock_wall_ms(), r->expire_after_ms,
	    r->day_end_min, &r->next_ms)) == -1 ? -1 : 0;
}

/* Loop thread: an expiry's answer. */
static void
rules_done(struct site_journal *j, const struct visit_rules *r, int rc)
{
	/* A failure: tried again a little later, not at every turn. */
	j->visits_due = rc == 0 ? r->next_ms : clock_wall_ms() + JOURNAL_RESEND_MS;
	if (rc == 0 && r->closed > 0)
		j->d->presence_pending = true;
}

struct ingest_job {
	struct site_journal	*j;
	struct journal_row	*rows;
	int			 n;
	struct visit_rules	 rules;
};

static int
ingest_run(struct writer_job *wj, struct store *st)
{
	struct ingest_job *g = writer_job_data(wj);

	if (store_site_ingest(st, g->rows, g->n, clock_wall_ms()) == -1)
		return -1;
	/* A visit that came in ended already (from a node that was cut off)
	 * ends now, and the next end is known; a failure is tried again at
	 * once by the next expiry. */
	if (rules_apply(st, &g->rules) == -1)
		g->rules.next_ms = 0;
	return 0;
}

/* A node's doors held for office hours, as the row just stored says. */
static void
office_follow(struct node_view *n, const struct event_row *ev)
{
	int i;

	if (strcmp(ev->type, "daemon_start") == 0 || strcmp(ev->type, "daemon_stop") == 0) {
		n->noffice = 0;
		return;
	}
	if (strcmp(ev->type, "schedule_unlock") != 0 && strcmp(ev->type, "schedule_relock") != 0)
		return;
	for (i = 0; i < n->noffice; i++)
		if (strcmp(n->office[i], ev->door) == 0)
			break;
	if (strcmp(ev->type, "schedule_unlock") == 0) {
		if (i == n->noffice && n->noffice < CONFIG_MAX_DOORS)
			snprintf(n->office[n->noffice++], sizeof(n->office[0]), "%s", ev->door);
	} else if (i < n->noffice) {
		memmove(n->office[i], n->office[i + 1], (size_t)(n->noffice - i - 1) *
		    sizeof(n->office[0]));
		n->noffice--;
	}
}

static void
ingest_done(struct writer_job *wj)
{
	struct ingest_job *g = writer_job_data(wj);
	struct site_journal *j = g->j;
	struct node_view *n;
	int64_t acked;
	int i;

	j->storing = false;
	for (i = 0; i < g->n; i++) {
		if ((n = node_find(j, g->rows[i].node, false)) == NULL)
			continue;
		if (wj->rc == 0) {
			if (g->rows[i].ev.seq > n->stored)
				n->stored = g->rows[i].ev.seq;
			n->ack_due = true;
			office_follow(n, &g->rows[i].ev);
		} else if (store_site_acked(j->d->st, n->name, &acked) == 0) {
			/* Not stored: take again from what the store holds;
			 * the node sends it again. */
			n->expected = n->stored = acked;
		}
	}
	if (wj->rc != 0)
		log_warnx("site: journal: %d rows not stored: %s", g->n, wj->err);
	for (i = 0; i < j->nnodes; i++)
		if (j->nodes[i].ack_due)
			publish_ack(j, &j->nodes[i]);
	if (wj->rc == 0) {
		j->d->events_pending = true;
		/* Its visits, or a node's office hours, may have changed. */
		j->d->presence_pending = true;
		rules_done(j, &g->rules, 0);
	}
	free(g->rows);
}

static void
ingest_submit(struct site_journal *j)
{
	struct ingest_job g = { .j = j };

	if (j->storing || j->npending == 0)
		return;
	g.n = j->npending < JOURNAL_BATCH ? j->npending : JOURNAL_BATCH;
	if ((g.rows = malloc((size_t)g.n * sizeof(*g.rows))) == NULL)
		return;
	memcpy(g.rows, j->pending, (size_t)g.n * sizeof(*g.rows));
	rules_of(j->d, &g.rules);
	if (writer_submit(j->d->writer, ingest_run, ingest_done, j->d, 0, 0, &g,
	    sizeof(g)) == -1) {
		free(g.rows);
		return;
	}
	j->storing = true;
	memmove(j->pending, j->pending + g.n, (size_t)(j->npending - g.n) *
	    sizeof(*j->pending));
	j->npending -= g.n;
}

static void
primary_row(struct site_journal *j, const char *node, const void *payload, size_t len)
{
	struct journal_row r, *p;
	struct node_view *n;
	char why[96] = "another node's";

	if (site_journal_parse(payload, len, &r, why, sizeof(why)) == -1 ||
	    strcmp(r.node, node) != 0) {
		if (j->refused++ % 100 == 0)
			log_warnx("site: journal of %s: a row refused: %s", node, why);
		return;
	}
	if ((n = node_find(j, node, true)) == NULL)
		return;
	if (r.ev.seq <= n->expected) {
		n->ack_due = true;	/* sent again: say again what is held */
		return;
	}
	/* A gap: say what is held, so that the node sends again from there.
	 * Without that word a node whose acknowledgement is ahead of this
	 * store (a primary promoted from an older backup) would wait for an
	 * acknowledgement that never comes, sending the same rows forever. */
	if (r.prev != n->expected) {
		n->ack_due = true;
		return;
	}
	if (j->npending == j->cap) {
		int cap = j->cap ? j->cap * 2 : 64;

		if (cap > 16 * JOURNAL_BATCH ||
		    (p = realloc(j->pending, (size_t)cap * sizeof(*p))) == NULL)
			return;		/* the writer is behind: taken later */
		j->pending = p;
		j->cap = cap;
	}
	j->pending[j->npending++] = r;
	n->expected = r.ev.seq;
	n->last_ms = clock_wall_ms();
}

/* A node's acl/state: its copy, its last seq (for the journal's lag). */
static void
primary_state(struct site_journal *j, const char *node, const void *payload, size_t len,
    bool status)
{
	struct node_view *n = node_find(j, node, true);
	cJSON *o;
	const char *s;
	int64_t v;

	if (n == NULL)
		return;
	if (status) {
		n->online = len == 6 && memcmp(payload, "online", 6) == 0;
		return;
	}
	if (len > 1024 || (o = cJSON_ParseWithLength(payload, len)) == NULL)
		return;
	if ((s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "state"))) != NULL &&
	    strlen(s) < sizeof(n->state) && strspn(s, "abcdefghijklmnopqrstuvwxyz") == strlen(s))
		snprintf(n->state, sizeof(n->state), "%s", s);
	if (render_json_int(cJSON_GetObjectItemCaseSensitive(o, "rev"), 0, INT64_MAX / 2,
	    &v) == 0)
		n->rev = v;
	if (render_json_int(cJSON_GetObjectItemCaseSensitive(o, "epoch"), 0, INT64_MAX / 2,
	    &v) == 0)
		n->epoch = v;
	if (render_json_int(cJSON_GetObjectItemCaseSensitive(o, "seq"), 0, INT64_MAX / 2,
	    &v) == 0)
		n->last_seq = v;
	cJSON_Delete(o);
}

struct copy_job {
	struct site_journal	*j;
	int			 n;
	struct visit_rules	 rules;
};

static int
copy_run(struct writer_job *wj, struct store *st)
{
	struct copy_job *c = writer_job_data(wj);

	if ((c->n = store_site_copy_own(st, c->j->d->conf->site_node, JOURNAL_BATCH,
	    clock_wall_ms())) == -1)
		return -1;
	if (c->n > 0 && rules_apply(st, &c->rules) == -1)
		c->rules.next_ms = 0;
	return 0;
}

static void
copy_done(struct writer_job *wj)
{
	struct copy_job *c = writer_job_data(wj);

	c->j->copying = false;
	if (wj->rc != 0) {
		log_warnx("site: journal: the primary's own events not copied: %s", wj->err);
		return;
	}
	if (c->n > 0) {
		c->j->d->events_pending = true;
		c->j->d->presence_pending = true;
		c->j->own_more = c->n == JOURNAL_BATCH;
		rules_done(c->j, &c->rules, 0);
	}
}

static void
copy_submit(struct site_journal *j)
{
	struct copy_job c = { .j = j };

	if (j->copying || !j->own_more)
		return;
	rules_of(j->d, &c.rules);
	/* A copy adds no event (copy_done says when it copied rows): were its
	 * end news of events, every copy would start the next one. */
	if (writer_submit(j->d->writer, copy_run, copy_done, j->d, 0, WRITER_NO_EVENT, &c,
	    sizeof(c)) == 0) {
		j->copying = true;
		j->own_more = false;
	}
}

/* The site's visits that are due end; the events stored before this
 * version kept visits (or by a copy that failed) are applied first. */
struct expire_job {
	struct site_journal	*j;
	struct visit_rules	 rules;
};

static int
expire_run(struct writer_job *wj, struct store *st)
{
	struct expire_job *x = writer_job_data(wj);

	if (store_begin(st) == -1)
		return -1;
	if (store_site_visits_apply(st) == -1) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st) == -1)
		return -1;
	return rules_apply(st, &x->rules);
}

static void
expire_done(struct writer_job *wj)
{
	struct expire_job *x = writer_job_data(wj);

	x->j->expiring = false;
	if (wj->rc != 0)
		log_warnx("site: visits: %s", wj->err);
	rules_done(x->j, &x->rules, wj->rc);
}

static void
expire_submit(struct site_journal *j)
{
	struct expire_job x = { .j = j };

	if (j->expiring || j->visits_due > clock_wall_ms())
		return;
	rules_of(j->d, &x.rules);
	if (writer_submit(j->d->writer, expire_run, expire_done, j->d, 0, 0, &x,
	    sizeof(x)) == 0)
		j->expiring = true;
}

static int
load_office(const char *node, const char *door, void *arg)
{
	struct site_journal *j = arg;
	struct node_view *n;
	struct event_row ev = { .type = "schedule_unlock" };

	if (strcmp(node, j->d->conf->site_node) == 0 || (n = node_find(j, node, true)) == NULL)
		return 0;
	snprintf(ev.door, sizeof(ev.door), "%s", door);
	office_follow(n, &ev);
	return 0;
}

/* Whether a door of the site holds office hours: the primary's own (it
 * knows them live), or another node's, as its events say. */
static bool
office_any(const struct site_journal *j)
{
	int i;

	if (daemon_office_any(j->d))
		return true;
	for (i = 0; i < j->nnodes; i++)
		if (j->nodes[i].noffice > 0 && strcmp(j->nodes[i].name, j->d->conf->site_node) != 0)
			return true;
	return false;
}

static int
load_node(const char *node, int64_t acked, int64_t last_ms, void *arg)
{
	struct node_view *n = node_find(arg, node, true);

	if (n != NULL) {
		n->expected = n->stored = acked;
		n->last_ms = last_ms;
	}
	return 0;
}

/* Who is on site, for B/presence: every node's, named as the primary
 * names them (its own store holds every member). */
struct present_ctx {
	struct daemon		*d;
	struct presence_person	*people;
	char			**names;
	int			 n, cap;
	bool			 failed;
};

static int
present_cb(int64_t member_id, int64_t since_ms, void *arg)
{
	struct present_ctx *c = arg;
	struct member_row m;
	void *p, *q;

	if (c->n == c->cap) {
		int cap = c->cap ? c->cap * 2 : 32;

		if ((p = realloc(c->people, (size_t)cap * sizeof(*c->people))) == NULL)
			goto fail;
		c->people = p;
		if ((q = realloc(c->names, (size_t)cap * sizeof(*c->names))) == NULL)
			goto fail;
		c->names = q;
		c->cap = cap;
	}
	c->people[c->n].since_ms = since_ms;
	c->people[c->n].name = c->names[c->n] = NULL;
	if (store_member_get(c->d->st, member_id, &m) == 1 && m.public && !m.erased &&
	    (c->names[c->n] = strdup(m.display_name[0] ? m.display_name : m.name)) == NULL)
		goto fail;
	c->people[c->n].name = c->names[c->n];
	c->n++;
	return 0;
fail:
	c->failed = true;
	return 1;
}

void
site_journal_presence(struct site_journal *j)
{
	struct present_ctx c = { .d = j->d };
	int i;

	if (store_site_present(j->d->st, present_cb, &c) == -1)
		log_warnx("site: presence: %s", store_errmsg(j->d->st));
	else if (c.failed)
		log_warnx("site: presence: out of memory");
	else		mqtt_presence_changed(j->d->mqtt, c.people, c.n, office_any(j));
	for (i = 0; i < c.n; i++)
		free(c.names[i]);
	free(c.names);
	free(c.people);
}

/* ---- both ---- */

struct site_journal *
site_journal_new(struct daemon *d, bool primary, const uint8_t *seed,
    const struct site_pub *trusted, char *err, size_t errlen)
{
	struct site_journal *j = calloc(1, sizeof(*j));
	char v[32];

	if (j == NULL) {
		snprintf(err, errlen, "site: out of memory");
		return NULL;
	}
	j->d = d;
	j->primary = primary;
	j->seed = seed;
	j->trusted = trusted;
	snprintf(j->t_journal, sizeof(j->t_journal), "%s/node/%s/journal",
	    d->conf->mqtt_base_topic, d->conf->site_node);
	snprintf(j->t_ack, sizeof(j->t_ack), "%s/to/%s/journal/ack", d->conf->mqtt_base_topic,
	    d->conf->site_node);
	if (primary) {
		if (store_site_nodes(d->st, load_node, j) == -1 ||
		    store_site_office(d->st, clock_wall_ms() - OFFICE_LOOKBACK_MS, load_office,
		    j) == -1) {
			snprintf(err, errlen, "site: %s", store_errmsg(d->st));
			free(j);
			return NULL;
		}
		j->own_more = true;
		return j;
	}
	if (store_meta_get(d->st, ACKED_KEY, v, sizeof(v)) == -1) {
		snprintf(err, errlen, "site: %s", store_errmsg(d->st));
		free(j);
		return NULL;
	}
	j->acked = j->sent = strtoll(v, NULL, 10);
	if (j->acked < 0)
		j->acked = j->sent = 0;
	return j;
}

void
site_journal_free(struct site_journal *j)
{
	if (j == NULL)
		return;
	free(j->pending);
	free(j);
}

void
site_journal_connected(struct site_journal *j)
{
	char topic[TOPIC_MAX];

	if (j->primary) {
		snprintf(topic, sizeof(topic), "%s/node/+/journal", j->d->conf->mqtt_base_topic);
		mqtt_subscribe(j->d->mqtt, topic);
		snprintf(topic, sizeof(topic), "%s/node/+/acl/state", j->d->conf->mqtt_base_topic);
		mqtt_subscribe(j->d->mqtt, topic);
		snprintf(topic, sizeof(topic), "%s/node/+/status", j->d->conf->mqtt_base_topic);
		mqtt_subscribe(j->d->mqtt, topic);
		return;
	}
	mqtt_subscribe(j->d->mqtt, j->t_ack);
	/* From the acknowledgement: what was in flight may be gone. */
	j->connected = true;
	j->sent = j->acked;
	j->progress_at = clock_mono_ms();
	node_send(j, j->progress_at);
}

/* The node named by a topic B/node/<node>/SUFFIX, into name; false if the
 * topic is not of that shape. */
static bool
topic_node(const struct site_journal *j, const char *topic, const char *suffix, char *name)
{
	const char *b = j->d->conf->mqtt_base_topic, *p;
	size_t bl = strlen(b), n, sl = strlen(suffix);

	if (strncmp(topic, b, bl) != 0 || strncmp(topic + bl, "/node/", 6) != 0)
		return false;
	p = topic + bl + 6;
	n = strcspn(p, "/");
	if (n == 0 || n > CONFIG_NAME_MAX || strcmp(p + n, suffix) != 0 || sl == 0)
		return false;
	memcpy(name, p, n);
	name[n] = '\0';
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

bool
site_journal_message(struct site_journal *j, const char *topic, const void *payload,
    size_t len)
{
	char node[CONFIG_NAME_MAX + 1];

	if (!j->primary) {
		if (strcmp(topic, j->t_ack) != 0)
			return false;
		node_ack(j, payload, len, clock_mono_ms());
		return true;
	}
	if (topic_node(j, topic, "/journal", node)) {
		primary_row(j, node, payload, len);
		return true;
	}
	if (topic_node(j, topic, "/acl/state", node)) {
		primary_state(j, node, payload, len, false);
		return true;
	}
	if (topic_node(j, topic, "/status", node)) {
		primary_state(j, node, payload, len, true);
		return true;
	}
	return false;
}

void
site_journal_service(struct site_journal *j, int64_t now, bool new_events)
{
	int i;

	if (!j->primary) {
		if (j->connected && (j->d->mqtt == NULL || !mqtt_connected(j->d->mqtt)))
			j->connected = false;
		if (new_events || (j->sent > j->acked && now - j->progress_at >= JOURNAL_RESEND_MS))
			node_send(j, now);
		return;
	}
	if (new_events)
		j->own_more = true;
	copy_submit(j);
	ingest_submit(j);
	expire_submit(j);
	for (i = 0; i < j->nnodes; i++)
		if (j->nodes[i].ack_due && !j->storing)
			publish_ack(j, &j->nodes[i]);
}

int64_t
site_journal_deadline(const struct site_journal *j)
{
	int i;

	if (!j->primary)
		return j->sent > j->acked ? j->progress_at + JOURNAL_RESEND_MS : INT64_MAX;
	/* Rows came in with the broker's messages, after this turn's
	 * service: the next turn stores them at once, rather than when the
	 * loop next wakes for something else (up to a heartbeat later). */
	if (j->storing)
		return INT64_MAX;	/* the writer's answer wakes the loop */
	if (j->npending > 0)
		return 0;
	for (i = 0; i < j->nnodes; i++)
		if (j->nodes[i].ack_due)
			return 0;
	/* The next visit to end, on the loop's clock. */
	if (!j->expiring && j->visits_due != INT64_MAX) {
		int64_t wait = j->visits_due - clock_wall_ms(), now = clock_mono_ms();

		return wait <= 0 ? now : wait > INT64_MAX - now ? INT64_MAX : now + wait;
	}
	return INT64_MAX;
}

int64_t
site_journal_last_acked(const struct site_journal *j)
{
	return j->acked;
}

void
site_journal_status(struct site_journal *j, cJSON *site)
{
	struct node_view *n;
	cJSON *a, *o;
	char ts[21];
	int i;

	if (!j->primary) {
		cJSON_AddNumberToObject(site, "journal_acked", (double)j->acked);
		return;
	}
	a = cJSON_AddArrayToObject(site, "nodes");
	for (i = 0; i < j->nnodes; i++) {
		n = &j->nodes[i];
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "node", n->name);
		cJSON_AddBoolToObject(o, "online", n->online);
		if (n->state[0] != '\0')
			cJSON_AddStringToObject(o, "state", n->state);
		else
			cJSON_AddNullToObject(o, "state");
		cJSON_AddNumberToObject(o, "epoch", (double)n->epoch);
		cJSON_AddNumberToObject(o, "rev", (double)n->rev);
		cJSON_AddNumberToObject(o, "journal_acked", (double)n->stored);
		cJSON_AddNumberToObject(o, "journal_lag", (double)(n->last_seq > n->stored ?
		    n->last_seq - n->stored : 0));
		if (n->last_ms > 0) {
			clock_format_utc(n->last_ms, ts);
			cJSON_AddStringToObject(o, "last_event", ts);
		} else {
			cJSON_AddNullToObject(o, "last_event");
		}
		cJSON_AddItemToArray(a, o);
	}
}

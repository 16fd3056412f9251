/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Enrolment at a replica's desk, seuild's side (core/site_enrol.h says the
 * protocol).
 *
 * A replica waits for the tap at its desk as a single Pi does (enrol.c);
 * then, its store refusing the badge, it sends the request to the primary
 * and answers the waiting seuilctl (or console) with the primary's answer.
 * It sends the request again every ENROL_RESEND_MS while no answer comes
 * (the primary answers a request it carried out with the same badge, never
 * a second one), and gives up after ENROL_WAIT_MS: nothing enrolled, and the
 * request expires then, so that a primary that gets it later refuses it.
 *
 * The primary creates the badge on its writer, in one transaction with its
 * badge_enrolled event, whose actor names the node and who asked there
 * ("node:hall uid:1000(alice)") and whose detail names the request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "daemon.h"
#include "decision.h"
#include "manage.h"
#include "site_enrol.h"

#define ENROL_WAIT_MS		10000	/* the primary's answer, from the tap */
#define ENROL_RESEND_MS		2000	/* no answer yet: the request again */
/* The primary takes no request that expires further ahead than this: a
 * node makes its requests expire ENROL_WAIT_MS after the tap, so a later
 * expiry is a clock that is off, or a request made to outlive its tap. */
#define ENROL_AHEAD_MS		60000
#define TOPIC_MAX		400
/* A DESFire card this desk wrote, then not enrolled: what it holds, and
 * how it is finished (a torn card, daemon/enrol.c) or undone. */
#define CARD_LEFT	"; the card now holds this site's application and a credential no " \
	"badge has: a door that reads it answers credential_invalid until it is " \
	"enrolled; the same enrolment again at this desk finishes it (with a fresh " \
	"credential), or `seuilctl badge wipe` at the primary's desk removes the " \
	"application"

struct site_enrol {
	struct daemon		*d;
	bool			 primary;
	const uint8_t		*seed;		/* the primary's signing key */
	const struct site_pub	*trusted;	/* a replica's */
	char			 t_request[TOPIC_MAX], t_answer[TOPIC_MAX];
	long			 refused;
	char			 primary_name[CONFIG_NAME_MAX + 1];

	/* A replica: the request waiting for its answer (one at a time, as
	 * the desk takes one enrolment at a time). */
	bool			 waiting;
	int			 client, ri;
	struct site_enrol_req	 q;
	bool			 written;	/* a DESFire card this desk wrote */
	char			*body;
	int64_t			 deadline, next_send;
};

/* ---- a replica: asking ---- */

static void
send_request(struct site_enrol *e, int64_t now)
{
	e->next_send = now + ENROL_RESEND_MS;
	if (e->d->mqtt == NULL || !mqtt_connected(e->d->mqtt))
		return;		/* sent at the next turn that finds it connected */
	if (mqtt_publish(e->d->mqtt, e->t_request, e->body, strlen(e->body), false) == -1)
		log_warnx("site: enrolment request %s not sent, again in %d s", e->q.id,
		    ENROL_RESEND_MS / 1000);
}

static void
wait_end(struct site_enrol *e)
{
	e->waiting = false;
	if (e->body != NULL)
		explicit_bzero(e->body, strlen(e->body));
	free(e->body);
	e->body = NULL;
	explicit_bzero(&e->q, sizeof(e->q));
}

bool
site_enrol_busy(const struct site_enrol *e)
{
	return e != NULL && e->waiting && control_client_alive(e->d->control, e->client);
}

/* q (its member, MACs, hint, actor and role filled in) sent for the
 * client, as request of a fresh id; written: a DESFire card this desk wrote. */
static int
ask(struct site_enrol *e, int ri, int client, struct site_enrol_req *q, bool written,
    char *err, size_t errlen)
{
	struct daemon *d = e->d;
	uint8_t rnd[SITE_ENROL_ID_LEN / 2];
	int64_t now = clock_mono_ms();
	int i;

	if (e->primary || e->waiting) {
		snprintf(err, errlen, "another enrolment is waiting for the primary's answer");
		return -1;
	}
	if (ri < 0 || ri >= d->conf->nreaders) {	/* a reload during the card's exchange */
		snprintf(err, errlen, "the desk reader was removed");
		return -1;
	}
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		snprintf(err, errlen, "no random bytes for the request's id");
		return -1;
	}
	snprintf(q->site, sizeof(q->site), "%s", d->conf->site_name);
	snprintf(q->node, sizeof(q->node), "%s", d->conf->site_node);
	for (i = 0; i < (int)sizeof(rnd); i++)
		snprintf(q->id + 2 * i, 3, "%02x", rnd[i]);
	snprintf(q->reader, sizeof(q->reader), "%s", d->conf->readers[ri].name);
	q->expires_ms = clock_wall_ms() + ENROL_WAIT_MS;
	if ((e->body = site_enrol_req_encode(q)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	e->q = *q;
	e->written = written;
	e->waiting = true;
	e->client = client;
	e->ri = ri;
	e->deadline = now + ENROL_WAIT_MS;
	log_info("enrolment: %s (hint %s) at reader %s sent to the primary %s as request "
	    "%s (%s)", q->desfire ? "DESFire card" : "badge", q->hint, q->reader,
	    e->primary_name, q->id, q->actor);
	send_request(e, now);
	return 0;
}

int
site_enrol_tap(struct site_enrol *e, int ri, const uint8_t mac[UID_MAC_LEN], const char *hint,
    char *err, size_t errlen)
{
	struct daemon *d = e->d;
	struct site_enrol_req q = { .admin = d->enrol.role >= ROLE_ADMIN };
	int rc;

	snprintf(q.member, sizeof(q.member), "%s", d->enrol.member_ref);
	memcpy(q.mac, mac, UID_MAC_LEN);
	snprintf(q.hint, sizeof(q.hint), "%s", hint);
	snprintf(q.actor, sizeof(q.actor), "%s", d->enrol.actor);
	rc = ask(e, ri, d->enrol.client, &q, false, err, errlen);
	explicit_bzero(&q, sizeof(q));
	return rc;
}

int
site_enrol_card(struct site_enrol *e, int ri, int client, const char *member,
    const char *actor, bool admin, const uint8_t uid_mac[UID_MAC_LEN],
    const uint8_t cred_mac[UID_MAC_LEN], const char *hint, bool written, char *err,
    size_t errlen)
{
	struct site_enrol_req q = { .desfire = true, .admin = admin };
	int rc;

	snprintf(q.member, sizeof(q.member), "%s", member);
	memcpy(q.mac, uid_mac, UID_MAC_LEN);
	memcpy(q.cred, cred_mac, UID_MAC_LEN);
	snprintf(q.hint, sizeof(q.hint), "%s", hint);
	snprintf(q.actor, sizeof(q.actor), "%s", actor);
	rc = ask(e, ri, client, &q, written, err, errlen);
	explicit_bzero(&q, sizeof(q));
	return rc;
}

static enum control_code
code_of(enum site_enrol_result r)
{
	switch (r) {
	case SITE_ENROL_CREATED:
		return CONTROL_OK;
	case SITE_ENROL_EXISTS:
		return CONTROL_EXISTS;
	case SITE_ENROL_NOT_FOUND:
		return CONTROL_NOT_FOUND;
	case SITE_ENROL_PERMISSION:
		return CONTROL_PERMISSION;
	case SITE_ENROL_DATABASE:
		return CONTROL_DATABASE;
	case SITE_ENROL_INVALID:
	default:
		return CONTROL_INVALID;
	}
}

static void
replica_answer(struct site_enrol *e, const void *payload, size_t len)
{
	struct daemon *d = e->d;
	struct site_enrol_res r;
	const char *body;
	size_t blen;
	char why[96] = "another site's or node's";
	cJSON *rep;

	if (site_open(e->trusted, 1, e->t_answer, payload, len, &body, &blen, why,
	    sizeof(why)) == -1 || site_enrol_res_parse(body, blen, &r, why, sizeof(why)) == -1 ||
	    strcmp(r.site, d->conf->site_name) != 0 || strcmp(r.node, d->conf->site_node) != 0) {
		if (e->refused++ % 100 == 0)
			log_warnx("site: an enrolment answer refused: %s", why);
		return;
	}
	if (!e->waiting || strcmp(r.id, e->q.id) != 0)
		return;		/* an answer to a request sent again, answered already */
	log_info("enrolment: request %s: the primary answers %s%s%s", r.id,
	    site_enrol_result_name(r.result), r.message[0] ? ": " : "", r.message);
	if (r.result == SITE_ENROL_CREATED) {
		feedback_enrol_done(&d->feedback[e->ri], clock_mono_ms(), true);
		daemon_feedback_drive(d, clock_mono_ms());
		rep = control_ok();
		cJSON_AddNumberToObject(rep, "badge_id", (double)r.badge_id);
		cJSON_AddNumberToObject(rep, "member", (double)r.member_id);
		cJSON_AddStringToObject(rep, "hint", e->q.hint);
		cJSON_AddStringToObject(rep, "reader", e->q.reader);
		cJSON_AddStringToObject(rep, "primary", e->primary_name);
		if (e->q.desfire)
			cJSON_AddStringToObject(rep, "kind", "desfire");
	} else {
		daemon_feedback_tap(d, e->ri, false, 0);
		rep = control_fail(code_of(r.result), "the primary %s: %s%s", e->primary_name,
		    r.message[0] ? r.message : site_enrol_result_name(r.result),
		    e->written ? CARD_LEFT : e->q.desfire ? " (the card is unchanged)" : "");
		if (r.badge_id > 0)
			cJSON_AddNumberToObject(rep, "badge_id", (double)r.badge_id);
		if (r.member_id > 0)
			cJSON_AddNumberToObject(rep, "member", (double)r.member_id);
	}
	control_reply(d->control, e->client, rep);
	wait_end(e);
}

static void
replica_service(struct site_enrol *e, int64_t now)
{
	struct daemon *d = e->d;

	if (!e->waiting)
		return;
	if (!control_client_alive(d->control, e->client)) {
		log_info("enrolment: request %s: its seuilctl is gone; the primary may still "
		    "carry it out until it expires", e->q.id);
		wait_end(e);
		return;
	}
	if (now >= e->deadline) {
		log_warnx("enrolment: request %s: no answer from the primary %s within %d s: "
		    "nothing enrolled", e->q.id, e->primary_name, ENROL_WAIT_MS / 1000);
		daemon_feedback_tap(d, e->ri, false, 0);
		control_reply(d->control, e->client, control_fail(CONTROL_TIMEOUT, "the primary "
		    "%s did not answer within %d s: the badge was not enrolled and the member "
		    "data is unchanged (the request has expired: the primary refuses it from "
		    "now on); try again once %s is reachable%s", e->primary_name,
		    ENROL_WAIT_MS / 1000, e->primary_name, e->written ? CARD_LEFT : ""));
		wait_end(e);
		return;
	}
	if (now >= e->next_send)
		send_request(e, now);
}

/* ---- the primary: creating ---- */

struct primary_job {
	struct site_enrol	*e;
	struct site_enrol_req	 q;
	struct site_enrol_res	 r;
};

static void
result(struct site_enrol_res *r, enum site_enrol_result res, const char *msg)
{
	r->result = res;
	snprintf(r->message, sizeof(r->message), "%.190s", msg);
}

static int
count_active(const struct badge_row *b, void *arg)
{
	*(int *)arg += b->active;
	return 0;
}

/*
 * Writer thread, in primary_run's transaction: a DESFire card made at the
 * node's desk, checked as a single Pi's desk checks it (daemon/enrol.c,
 * secure_check) against this store, the authority: the card of the member
 * it is for upgrades the member's own UID badge; another member's card
 * (its UID badge) is the admin role's only, and audited; the operate role
 * gives a first badge only.  A card whose credential is a badge already is
 * this request's (sent again), the member's (exists), or another's: the
 * node wrote nothing on it, and it is given to no one here (wipe it first).
 * 1: the badge made (r says so), 0: refused (r says why), -1: the store.
 */
static int
card_run(struct store *st, const struct site_enrol_req *q, struct site_enrol_res *r,
    const struct member_row *m, const char *actor, const char *detail)
{
	struct badge_row ub, kb;
	struct member_row um, km;
	struct event ev = { .type = "badge_enrolled", .reader = q->reader, .actor = actor,
	    .member_id = m->id };
	char evdetail[160];
	int u, k, done, active = 0;
	int64_t revoke_uid = 0, taken_from = 0;

	if ((k = store_find_badge(st, BADGE_DESFIRE, q->cred, &kb, &km)) == -1 ||
	    (u = store_find_badge(st, BADGE_UID, q->mac, &ub, &um)) == -1)
		return -1;
	if (k == 1) {
		if ((done = store_site_enrolled_by(st, kb.id, detail)) == -1)
			return -1;
		r->badge_id = kb.id;
		r->member_id = kb.member_id;
		if (done) {
			r->result = SITE_ENROL_CREATED;
			return 0;
		}
		if (!kb.active) {
			snprintf(r->message, sizeof(r->message), "the credential on this card is "
			    "revoked badge %lld's: enrol it again (once this node has the "
			    "revocation) to write a fresh one", (long long)kb.id);
			r->result = SITE_ENROL_INVALID;
			return 0;
		}
		if (kb.member_id == m->id)
			snprintf(r->message, sizeof(r->message), "this card is already DESFire "
			    "badge %lld of member %lld", (long long)kb.id, (long long)kb.member_id);
		else
			snprintf(r->message, sizeof(r->message), "this card is badge %lld of member "
			    "%lld: %s", (long long)kb.id, (long long)kb.member_id, q->admin ?
			    "wipe it first (`seuilctl badge wipe` at the primary's desk) to give "
			    "it to another member" : "giving it to another member needs the "
			    "admin role");
		r->result = kb.member_id == m->id ? SITE_ENROL_EXISTS : q->admin ?
		    SITE_ENROL_INVALID : SITE_ENROL_PERMISSION;
		return 0;
	}
	r->member_id = m->id;
	if (u == 1 && ub.active) {
		if (ub.member_id != m->id && !q->admin) {
			snprintf(r->message, sizeof(r->message), "this card is badge %lld of member "
			    "%lld: giving it to another member needs the admin role",
			    (long long)ub.id, (long long)ub.member_id);
			r->result = SITE_ENROL_PERMISSION;
			return 0;
		}
		if (ub.member_id != m->id)
			taken_from = ub.member_id;
		revoke_uid = ub.id;
	}
	if (!q->admin && !(revoke_uid != 0 && taken_from == 0)) {
		if (store_badges_list(st, m->id, count_active, &active) == -1)
			return -1;
		if (active > 0) {
			snprintf(r->message, sizeof(r->message), "member %lld has an active badge "
			    "already: another one needs the admin role (the member's own UID "
			    "badge may be upgraded)", (long long)m->id);
			r->result = SITE_ENROL_PERMISSION;
			return 0;
		}
	}
	if (revoke_uid != 0 && store_badge_revoke(st, revoke_uid) == -1)
		return -1;
	if ((r->badge_id = store_badge_add(st, m->id, BADGE_DESFIRE, q->cred, q->hint,
	    "DESFire, enrolled at the desk", clock_wall_ms())) < 0)
		return -1;
	if (revoke_uid != 0 && taken_from == 0)
		snprintf(evdetail, sizeof(evdetail), "%s, desfire, upgrades badge %lld", detail,
		    (long long)revoke_uid);
	else
		snprintf(evdetail, sizeof(evdetail), "%s, desfire", detail);
	store_event_stamp(&ev);
	ev.detail = evdetail;
	ev.badge_id = r->badge_id;
	if (writer_append_event(st, &ev) == -1)
		return -1;
	if (taken_from != 0 && manage_audit(st, actor, taken_from, revoke_uid, "badge revoke "
	    "%lld: its card enrolled as DESFire badge %lld of member %lld at node %s",
	    (long long)revoke_uid, (long long)r->badge_id, (long long)m->id, q->node) == -1)
		return -1;
	r->result = SITE_ENROL_CREATED;
	return 1;
}

/* Writer thread: the member, the badge and its event, in one transaction;
 * r says what became of the request.  -1 only for the store's failure. */
static int
primary_run(struct writer_job *wj, struct store *st)
{
	struct primary_job *p = writer_job_data(wj);
	struct site_enrol_req *q = &p->q;
	struct site_enrol_res *r = &p->r;
	struct member_row m;
	struct manage_err err;
	struct decision_rows rows;
	struct event ev = { .type = "badge_enrolled" };
	char detail[96], actor[SITE_ENROL_ACTOR_MAX + 48];
	int known, done, active = 0;

	snprintf(detail, sizeof(detail), "node %s request %s", q->node, q->id);
	snprintf(actor, sizeof(actor), "node:%s %s", q->node, q->actor);
	if (store_begin(st) == -1)
		return -1;
	if (manage_member_find(st, q->member, &m, &err) == -1) {
		if (err.status == MANAGE_EDB)
			goto fail;
		result(r, SITE_ENROL_NOT_FOUND, err.msg);
		goto none;
	}
	r->member_id = m.id;
	if (m.erased) {
		result(r, SITE_ENROL_INVALID, "that member was erased");
		goto none;
	}
	if (q->desfire) {
		switch (card_run(st, q, r, &m, actor, detail)) {
		case -1:
			goto fail;
		case 0:
			goto none;
		default:
			return store_commit(st);
		}
	}
	if ((known = decision_rows_load(st, BADGE_UID, q->mac, &rows)) == -1)
		goto fail;
	if (known == 1) {
		/* This request's own badge (it was sent again): the same
		 * answer; anyone else's: the badge is taken. */
		if (rows.loaner) {
			result(r, SITE_ENROL_EXISTS, "this badge is a loaner of the pool");
			goto none;
		}
		if ((done = store_site_enrolled_by(st, rows.badge.id, detail)) == -1)
			goto fail;
		r->badge_id = rows.badge.id;
		r->member_id = rows.member.id;
		result(r, done ? SITE_ENROL_CREATED : SITE_ENROL_EXISTS, done ? "" :
		    "this badge is already enrolled");
		goto none;
	}
	if (!q->admin) {
		if (store_badges_list(st, m.id, count_active, &active) == -1)
			goto fail;
		if (active > 0) {
			snprintf(r->message, sizeof(r->message), "member %lld has an active badge "
			    "already: another one needs the admin role", (long long)m.id);
			r->result = SITE_ENROL_PERMISSION;
			goto none;
		}
	}
	if ((r->badge_id = store_badge_add(st, m.id, BADGE_UID, q->mac, q->hint,
	    "enrolled by tap", clock_wall_ms())) < 0)
		goto fail;
	store_event_stamp(&ev);
	ev.reader = q->reader;
	ev.actor = actor;
	ev.detail = detail;
	ev.member_id = m.id;
	ev.badge_id = r->badge_id;
	if (writer_append_event(st, &ev) == -1)
		goto fail;
	r->result = SITE_ENROL_CREATED;
	return store_commit(st);
none:
	store_rollback(st);
	return 0;
fail:
	store_rollback(st);
	return -1;
}

static void
publish_answer(struct site_enrol *e, struct site_enrol_res *r)
{
	struct daemon *d = e->d;
	char topic[TOPIC_MAX], *body, *env;
	size_t len;

	snprintf(topic, sizeof(topic), "%s/to/%s/enrol", d->conf->mqtt_base_topic, r->node);
	if ((body = site_enrol_res_encode(r)) == NULL)
		return;
	if ((env = site_sign(e->seed, topic, body, strlen(body), &len)) != NULL &&
	    d->mqtt != NULL)
		mqtt_publish(d->mqtt, topic, env, len, false);
	free(env);
	free(body);
}

static void
primary_done(struct writer_job *wj)
{
	struct primary_job *p = writer_job_data(wj);

	if (wj->rc != 0) {
		p->r.result = SITE_ENROL_DATABASE;
		p->r.badge_id = 0;
		snprintf(p->r.message, sizeof(p->r.message), "%.190s", wj->err);
	}
	log_info("site: enrolment request %s (%s) from %s (%s): %s%s%s", p->q.id,
	    p->q.desfire ? "desfire" : "uid", p->q.node, p->q.actor,
	    site_enrol_result_name(p->r.result), p->r.message[0] ? ": " : "", p->r.message);
	publish_answer(p->e, &p->r);
	explicit_bzero(&p->q, sizeof(p->q));
}

static void
primary_request(struct site_enrol *e, const char *node, const void *payload, size_t len)
{
	struct daemon *d = e->d;
	struct primary_job p = { .e = e };
	char why[96] = "";

	if (site_enrol_req_parse(payload, len, &p.q, why, sizeof(why)) == -1 ||
	    strcmp(p.q.node, node) != 0 || strcmp(p.q.site, d->conf->site_name) != 0) {
		/* Unanswered: a request that is not the node's own (its
		 * login may write only its topic) tells it nothing. */
		if (e->refused++ % 100 == 0)
			log_warnx("site: an enrolment request on %s's topic refused: %s", node,
			    why[0] ? why : "another node's or site's");
		explicit_bzero(&p.q, sizeof(p.q));
		return;
	}
	snprintf(p.r.site, sizeof(p.r.site), "%s", p.q.site);
	snprintf(p.r.node, sizeof(p.r.node), "%s", p.q.node);
	snprintf(p.r.id, sizeof(p.r.id), "%s", p.q.id);
	if (clock_wall_ms() > p.q.expires_ms) {
		/* The node gave up and said nothing was enrolled: keep it so. */
		result(&p.r, SITE_ENROL_INVALID, "the request expired before it reached "
		    "the primary: nothing enrolled");
		log_info("site: enrolment request %s from %s refused: expired", p.q.id, node);
		publish_answer(e, &p.r);
	} else if (p.q.expires_ms > clock_wall_ms() + ENROL_AHEAD_MS) {
		result(&p.r, SITE_ENROL_INVALID, "the request expires more than a minute ahead "
		    "of the primary's clock: nothing enrolled (the nodes' clocks must agree)");
		log_warnx("site: enrolment request %s from %s refused: it expires more than "
		    "%d s ahead", p.q.id, node, ENROL_AHEAD_MS / 1000);
		publish_answer(e, &p.r);
	} else if (writer_submit(d->writer, primary_run, primary_done, d, 0, 0, &p,
	    sizeof(p)) == -1) {
		log_warnx("site: enrolment request %s from %s not taken: the store is busy "
		    "(the node sends it again)", p.q.id, node);
	}
	explicit_bzero(&p.q, sizeof(p.q));
}

/* ---- both ---- */

struct site_enrol *
site_enrol_new(struct daemon *d, bool primary, const uint8_t *seed,
    const struct site_pub *trusted, const char *primary_name)
{
	struct site_enrol *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->d = d;
	e->primary = primary;
	e->seed = seed;
	e->trusted = trusted;
	snprintf(e->primary_name, sizeof(e->primary_name), "%s", primary_name);
	snprintf(e->t_request, sizeof(e->t_request), "%s/node/%s/enrol",
	    d->conf->mqtt_base_topic, d->conf->site_node);
	snprintf(e->t_answer, sizeof(e->t_answer), "%s/to/%s/enrol", d->conf->mqtt_base_topic,
	    d->conf->site_node);
	return e;
}

void
site_enrol_free(struct site_enrol *e)
{
	if (e == NULL)
		return;
	wait_end(e);	/* its client's connection closed with the control socket */
	free(e);
}

void
site_enrol_connected(struct site_enrol *e)
{
	char topic[TOPIC_MAX];

	if (e->primary) {
		snprintf(topic, sizeof(topic), "%s/node/+/enrol", e->d->conf->mqtt_base_topic);
		mqtt_subscribe(e->d->mqtt, topic);
		return;
	}
	mqtt_subscribe(e->d->mqtt, e->t_answer);
	if (e->waiting)
		send_request(e, clock_mono_ms());
}

bool
site_enrol_message(struct site_enrol *e, const char *topic, const void *payload, size_t len)
{
	const char *b = e->d->conf->mqtt_base_topic, *p;
	char node[CONFIG_NAME_MAX + 1];
	size_t bl = strlen(b), n;

	if (!e->primary) {
		if (strcmp(topic, e->t_answer) != 0)
			return false;
		replica_answer(e, payload, len);
		return true;
	}
	if (strncmp(topic, b, bl) != 0 || strncmp(topic + bl, "/node/", 6) != 0)
		return false;
	p = topic + bl + 6;
	n = strcspn(p, "/");
	if (n == 0 || n > CONFIG_NAME_MAX || strcmp(p + n, "/enrol") != 0)
		return false;
	memcpy(node, p, n);
	node[n] = '\0';
	if (strspn(node, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n)
		primary_request(e, node, payload, len);
	return true;
}

void
site_enrol_service(struct site_enrol *e, int64_t now)
{
	if (!e->primary)
		replica_service(e, now);
}

int64_t
site_enrol_deadline(const struct site_enrol *e)
{
	if (e->primary || !e->waiting)
		return INT64_MAX;
	return e->next_send < e->deadline ? e->next_send : e->deadline;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The desk: enrolment by tap (`badge enrol`, the console's enrolment),
 * secure enrolment of a DESFire card (`badge enrol --secure`) and the wipe
 * of one (`badge wipe`).  A command waits (d->enrol, control_requests.c)
 * and the next card at the right reader is taken; that card is then the
 * request's, and the reply follows what becomes of it.
 *
 * Secure enrolment runs in two exchanges with one held card (exchange.h):
 * first the credential is read as a door would, to know whose the card is
 * (the loop looks its UID and credential up: an upgrade of the member's own
 * UID badge, another member's card, a card enrolled already); then, if the
 * request may have it, the card is provisioned (desfire_provision, which
 * reads the credential back with key 1) and only then is the badge
 * committed, with any revoked row, in one transaction with its events.  A
 * card taken away at any point keeps what was done and is finished the
 * next time it is presented.
 */
#include <string.h>

#include "daemon.h"
#include "guest.h"
#include "manage.h"
#include "member_web.h"

/* ---- enrolment of a UID ---- */

struct enrol_job {
	int		client;
	bool		loaner;		/* into the pool, as label */
	char		label[64];
	enum control_code code;		/* a refusal that is not the store's */
	char		why[200];
	int64_t		member_id;
	int64_t		badge_id;	/* the writer's answer */
	uint8_t		mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	char		reader[CONFIG_NAME_MAX + 1];
	char		door[CONFIG_NAME_MAX + 1];
	char		actor[160];	/* who asked for the enrolment */
	int64_t		ts_ms, mono_ms;
	bool		synced;
};

/* Writer thread: the badge and its event in one transaction. */
static int
enrol_run(struct writer_job *j, struct store *st)
{
	struct enrol_job *e = writer_job_data(j);
	struct event ev = { .type = "badge_enrolled", .door = e->door[0] ? e->door : NULL,
	    .reader = e->reader, .actor = e->actor,
	    .member_id = e->member_id, .ts_ms = e->ts_ms, .mono_ms = e->mono_ms,
	    .clock_synced = e->synced };
	struct manage_err err;

	if (e->loaner) {
		/* Its admin_change, in the same transaction. */
		e->badge_id = guest_loaner_add(st, e->mac, e->hint, e->label, e->ts_ms, e->actor,
		    &err);
		explicit_bzero(e->mac, sizeof(e->mac));
		if (e->badge_id == -1) {
			if (err.status == MANAGE_EDB)
				return -1;
			e->code = control_code_of(err.status);
			snprintf(e->why, sizeof(e->why), "%.190s", err.msg);
		}
		return 0;
	}
	if (store_begin(st) == -1)
		return -1;
	if ((e->badge_id = store_badge_add(st, e->member_id, BADGE_UID, e->mac, e->hint,
	    "enrolled by tap", e->ts_ms)) < 0)
		goto fail;
	ev.badge_id = e->badge_id;
	if (writer_append_event(st, &ev) == -1)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

static void
enrol_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct enrol_job *e = writer_job_data(j);
	int ri = config_reader_index(d->conf, e->reader);
	cJSON *r;

	if (j->rc != 0 || e->code != CONTROL_OK) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, e->client, j->rc != 0 ?
		    control_fail(CONTROL_DATABASE, "%s", j->err) :
		    control_fail(e->code, "%s", e->why));
		return;
	}
	if (ri != -1) {		/* linked: two beeps where the badge is */
		feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
		daemon_feedback_drive(d, clock_mono_ms());
	}
	r = control_ok();
	cJSON_AddNumberToObject(r, e->loaner ? "id" : "badge_id", (double)e->badge_id);
	cJSON_AddStringToObject(r, "hint", e->hint);
	cJSON_AddStringToObject(r, "reader", e->reader);
	control_reply(d->control, e->client, r);
}

/* A replica's store refuses the badge, so the tap goes to the primary,
 * which creates it (site_enrol.c); its answer ends the request. */
static void
enrol_at_primary(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN], const char *hint)
{
	struct site_enrol *se = site_enrolment(d);
	char err[128];

	if (se == NULL || site_enrol_tap(se, ri, mac, hint, err, sizeof(err)) == -1) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, d->enrol.client, control_fail(CONTROL_BUSY, "%s: "
		    "nothing enrolled", se == NULL ? "this node is no site's replica" : err));
	}
}

void
daemon_enrol_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN], const char *hint)
{
	const struct reader_conf *rc = &d->conf->readers[ri];
	struct enrol_job e = { .client = d->enrol.client, .member_id = d->enrol.member_id,
	    .ts_ms = clock_wall_ms(), .mono_ms = clock_mono_ms(), .synced = clock_synced() };

	/* Only where the manager is: a reader outside never enrols, so a
	 * stranger tapping during the window gains nothing. */
	if (!d->enrol.active || (d->enrol.op != ENROL_UID && d->enrol.op != ENROL_LOANER) ||
	    !rc->enrol ||
	    (d->enrol.reader_index != -1 && d->enrol.reader_index != ri))
		return;
	d->enrol.active = false;
	daemon_feedback_enrol_end(d);
	if (config_replica(d->conf) && d->enrol.op == ENROL_UID) {
		enrol_at_primary(d, ri, mac, hint);
		return;
	}
	e.loaner = d->enrol.op == ENROL_LOANER;
	snprintf(e.label, sizeof(e.label), "%s", d->enrol.label);
	memcpy(e.mac, mac, UID_MAC_LEN);
	snprintf(e.hint, sizeof(e.hint), "%s", hint);
	snprintf(e.reader, sizeof(e.reader), "%s", rc->name);
	snprintf(e.actor, sizeof(e.actor), "%s", d->enrol.actor);
	snprintf(e.door, sizeof(e.door), "%s", config_reader_door(rc) ? config_reader_door(rc) : "");
	if (writer_submit(d->writer, enrol_run, enrol_done, d, 0, 0, &e, sizeof(e)) == -1) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, e.client, control_fail(CONTROL_BUSY,
		    "the store is busy, try again"));
	}
	explicit_bzero(&e, sizeof(e));
}

static void daemon_invite_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN]);

/* A UID enrolment's tap at the desk (a member's badge, a loaner, or an
 * invite's): a known badge is only reported. */
static void
desk_uid(struct daemon *d, int ri, const struct reader_tap *rt)
{
	struct decision_rows rows;
	uint8_t mac[UID_MAC_LEN];
	char hint[UID_HINT_LEN];
	cJSON *r;
	int known;

	uid_mac(d->key, &rt->uid, mac);
	if (d->enrol.op == ENROL_INVITE) {
		daemon_invite_tap(d, ri, mac);
		explicit_bzero(mac, sizeof(mac));
		return;
	}
	/* A read: on the loop's connection, which never waits for a writer. */
	if ((known = decision_rows_load(d->st, BADGE_UID, mac, &rows)) != 0) {
		d->enrol.active = false;
		daemon_feedback_enrol_end(d);
		daemon_feedback_tap(d, ri, false, 0);
		if (known == -1) {
			r = control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st));
		} else {
			r = control_fail(CONTROL_EXISTS, "this badge is already enrolled");
			cJSON_AddNumberToObject(r, "badge_id", (double)rows.badge.id);
			cJSON_AddNumberToObject(r, "member", (double)rows.member.id);
		}
		control_reply(d->control, d->enrol.client, r);
		explicit_bzero(mac, sizeof(mac));
		return;
	}
	uid_hint(&rt->uid, hint);
	daemon_enrol_tap(d, ri, mac, hint);
	explicit_bzero(mac, sizeof(mac));
}

/* ---- secure enrolment and wipe ---- */

/* What a desk exchange carries from the tap to its end. */
struct desk_ctx {
	enum exchange_for what;		/* FOR_DESK */
	enum enrol_op	op;		/* ENROL_SECURE or ENROL_WIPE */
	int		phase;		/* ENROL_SECURE: 1 reading, 2 provisioning */
	enum control_role role;
	int		client;
	int64_t		member_id;
	char		actor[160];
	char		member_ref[136];	/* a replica's: the member as asked */
	char		reader[CONFIG_NAME_MAX + 1];
	uint32_t	tap;
	uint8_t		uid[DESFIRE_UID_LEN];	/* for the second exchange */
	uint8_t		uid_mac[UID_MAC_LEN];
	char		hint[UID_HINT_LEN];
	/* Found in phase 1: rows to revoke with the new badge. */
	int64_t		revoke_uid;	/* the member's UID badge, or another's */
	int64_t		revoke_cred;	/* another member's DESFire badge */
	int64_t		taken_from;	/* that other member (admin only) */
};
_Static_assert(sizeof(struct desk_ctx) <= EXCHANGE_CTX_MAX, "a desk job fits");

/* The request ends, and the desk says so. */
static void
desk_fail(struct daemon *d, int ri, int client, cJSON *r)
{
	if (ri != -1)
		daemon_feedback_tap(d, ri, false, 0);
	control_reply(d->control, client, r);
}

static int
desk_submit(struct daemon *d, int ri, enum exchange_op op, bool release,
    const struct desk_ctx *c)
{
	struct exchange_job j = { .op = op, .reader = ri, .tap = c->tap, .release = release,
	    .deadline = clock_mono_ms() + EXCHANGE_DESK_MS };
	pid_t pid = 0;
	int xsock, rc;

	snprintf(j.reader_name, sizeof(j.reader_name), "%s", c->reader);
	memcpy(j.uid, c->uid, sizeof(j.uid));
	memcpy(exchange_ctx(&j), c, sizeof(*c));
	xsock = readers_exchange_fd(d->readers, ri, &pid);
	rc = xsock == -1 ? -1 : exchanges_submit(d->exchanges, &j, xsock, pid);
	explicit_bzero(&j, sizeof(j));
	return rc;
}

/* A secure enrolment's or a wipe's tap at the desk: a DESFire-capable card,
 * held by the child, asked on the reader's thread. */
static void
desk_card(struct daemon *d, int ri, const struct reader_tap *rt)
{
	const struct reader_conf *rc = &d->conf->readers[ri];
	struct desk_ctx c = { .what = FOR_DESK, .op = d->enrol.op, .phase = 1,
	    .role = d->enrol.role, .client = d->enrol.client, .member_id = d->enrol.member_id,
	    .tap = rt->id };

	d->enrol.active = false;
	daemon_feedback_enrol_end(d);
	if (!rt->held || !rt->iso14443_4 || rt->uid.len != DESFIRE_UID_LEN) {
		if (rt->held)
			readers_release(d->readers, ri, rt->id);
		desk_fail(d, ri, c.client, control_fail(CONTROL_INVALID, "this card cannot hold "
		    "a credential: it needs a MIFARE DESFire EV1, EV2 or EV3 card with a "
		    "7-byte UID (this one %s); nothing %s", !rt->iso14443_4 ?
		    "does not speak ISO 14443-4: a MIFARE Classic, an Ultralight or a UID "
		    "copy" : "has a UID of another length", c.op == ENROL_WIPE ? "wiped" :
		    "enrolled"));
		return;
	}
	snprintf(c.actor, sizeof(c.actor), "%s", d->enrol.actor);
	snprintf(c.member_ref, sizeof(c.member_ref), "%s", d->enrol.member_ref);
	snprintf(c.reader, sizeof(c.reader), "%s", rc->name);
	memcpy(c.uid, rt->uid.bytes, DESFIRE_UID_LEN);
	uid_mac(d->key, &rt->uid, c.uid_mac);
	uid_hint(&rt->uid, c.hint);
	if (desk_submit(d, ri, c.op == ENROL_WIPE ? EXCHANGE_WIPE : EXCHANGE_READ,
	    c.op == ENROL_WIPE, &c) == -1) {
		readers_release(d->readers, ri, rt->id);
		desk_fail(d, ri, c.client, control_fail(CONTROL_BUSY, "the reader is busy with "
		    "another card: try again"));
	} else {
		log_info("%s: card at reader %s (hint %s), asked by %s", c.op == ENROL_WIPE ?
		    "badge wipe" : "secure enrolment", rc->name, c.hint, c.actor);
	}
	explicit_bzero(&c, sizeof(c));
}

void
daemon_desk_tap(struct daemon *d, int ri, const struct reader_tap *rt)
{
	const struct reader_conf *rc = &d->conf->readers[ri];

	if (!d->enrol.active || (d->enrol.reader_index != -1 && d->enrol.reader_index != ri)) {
		if (rt->held)
			readers_release(d->readers, ri, rt->id);
		log_info("reader %s: badge tapped at the desk, no enrolment waiting", rc->name);
		daemon_feedback_tap(d, ri, false, 0);
		return;
	}
	if (d->enrol.op == ENROL_SECURE || d->enrol.op == ENROL_WIPE) {
		desk_card(d, ri, rt);
		return;
	}
	if (rt->held)
		readers_release(d->readers, ri, rt->id);
	desk_uid(d, ri, rt);
}

/* Why an exchange at the desk failed, for the manager. */
static cJSON *
desk_refusal(const struct exchange_job *j, const char *doing, uint32_t aid)
{
	const char *step = desfire_step_str(j->rep.step);

	switch (j->result) {
	case DESFIRE_GONE:
		return control_fail(CONTROL_BUSY, "the card left (or did not answer) at \"%s\": "
		    "nothing %s; present it again and hold it still (it keeps what was done)",
		    step, doing);
	case DESFIRE_NO_APP:
		return control_fail(CONTROL_INVALID, "this card does not speak DESFire: "
		    "nothing %s", doing);
	case DESFIRE_AUTH_FAILED:
		if (j->rep.step == DESFIRE_STEP_AUTH_PICC)
			return control_fail(CONTROL_INVALID, "the card's master key is neither the "
			    "factory key nor that of [credentials] picc_key_file: nothing %s",
			    doing);
		return control_fail(CONTROL_INVALID, "the card holds application %06X with keys "
		    "that are not this site's (another site's, or from a key file since lost): "
		    "nothing %s; wipe it where it was made, or use another [credentials] aid",
		    (unsigned)aid, doing);
	default:
		return control_fail(CONTROL_INVALID, "the card answered wrongly at \"%s\" "
		    "(status %02X): nothing %s", step, j->rep.status >= 0 ?
		    (unsigned)j->rep.status : 0u, doing);
	}
}

/* ---- the commit of a secure enrolment, and of a wipe ---- */

struct desk_commit {
	struct desk_ctx	c;
	uint8_t		mac[UID_MAC_LEN];	/* the credential's */
	bool		have_mac;
	int64_t		ts_ms, mono_ms;
	bool		synced;
	/* The writer's answer. */
	int64_t		badge_id;	/* the new badge; a wipe's revoked one (0: none) */
	int64_t		badge_member;
	char		err[256];
	enum control_code code;
};

static int
revoke(struct store *st, int64_t id)
{
	return id == 0 || store_badge_revoke(st, id) != -1 ? 0 : -1;
}

/* Writer thread: the DESFire badge, the rows it replaces, its events. */
static int
secure_run(struct writer_job *j, struct store *st)
{
	struct desk_commit *e = writer_job_data(j);
	struct desk_ctx *c = &e->c;
	struct event ev = { .type = "badge_enrolled", .reader = c->reader, .actor = c->actor,
	    .member_id = c->member_id, .ts_ms = e->ts_ms, .mono_ms = e->mono_ms,
	    .clock_synced = e->synced, .detail = "desfire" };
	char detail[96];

	if (store_begin(st) == -1)
		return -1;
	if (revoke(st, c->revoke_uid) == -1 || revoke(st, c->revoke_cred) == -1)
		goto fail;
	if ((e->badge_id = store_badge_add(st, c->member_id, BADGE_DESFIRE, e->mac, c->hint,
	    "DESFire, enrolled at the desk", e->ts_ms)) < 0)
		goto fail;
	ev.badge_id = e->badge_id;
	if (c->revoke_uid != 0 && c->taken_from == 0) {
		snprintf(detail, sizeof(detail), "desfire, upgrades badge %lld",
		    (long long)c->revoke_uid);
		ev.detail = detail;
	}
	if (writer_append_event(st, &ev) == -1)
		goto fail;
	/* Another member's card, given to this one by the admin role. */
	if (c->taken_from != 0 && manage_audit(st, c->actor, c->taken_from,
	    c->revoke_cred != 0 ? c->revoke_cred : c->revoke_uid,
	    "badge revoke %lld: its card enrolled as DESFire badge %lld of member %lld",
	    (long long)(c->revoke_cred != 0 ? c->revoke_cred : c->revoke_uid),
	    (long long)e->badge_id, (long long)c->member_id) == -1)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

static void
secure_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct desk_commit *e = writer_job_data(j);
	int ri = config_reader_index(d->conf, e->c.reader);
	cJSON *r, *a;

	if (j->rc != 0) {
		/* The card holds a credential no badge has: enrolled again,
		 * it gets a fresh one. */
		desk_fail(d, ri, e->c.client, control_fail(CONTROL_DATABASE, "the card is made "
		    "but the badge could not be recorded (%s): present it again", j->err));
		return;
	}
	if (ri != -1) {
		feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
		daemon_feedback_drive(d, clock_mono_ms());
	}
	log_info("secure enrolment: badge %lld of member %lld at reader %s", (long long)e->badge_id,
	    (long long)e->c.member_id, e->c.reader);
	r = control_ok();
	cJSON_AddNumberToObject(r, "badge_id", (double)e->badge_id);
	cJSON_AddStringToObject(r, "hint", e->c.hint);
	cJSON_AddStringToObject(r, "reader", e->c.reader);
	cJSON_AddStringToObject(r, "kind", "desfire");
	a = cJSON_AddArrayToObject(r, "revoked");
	if (e->c.revoke_uid != 0)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)e->c.revoke_uid));
	if (e->c.revoke_cred != 0)
		cJSON_AddItemToArray(a, cJSON_CreateNumber((double)e->c.revoke_cred));
	control_reply(d->control, e->c.client, r);
}

/* Writer thread: the wipe's badge revoked, and the wipe audited. */
static int
wipe_run(struct writer_job *j, struct store *st)
{
	struct desk_commit *e = writer_job_data(j);
	struct badge_row b;
	struct member_row m;
	int rc = 0;

	if (store_begin(st) == -1)
		return -1;
	if (e->have_mac && (rc = store_find_badge(st, BADGE_DESFIRE, e->mac, &b, &m)) == -1)
		goto fail;
	if (rc == 1) {
		e->badge_id = b.id;
		e->badge_member = b.member_id;
		if (b.active && store_badge_revoke(st, b.id) == -1)
			goto fail;
	}
	if ((e->badge_id != 0 ? manage_audit(st, e->c.actor, e->badge_member, e->badge_id,
	    "badge wipe at reader %s: application removed, badge %lld revoked", e->c.reader,
	    (long long)e->badge_id) : manage_audit(st, e->c.actor, 0, 0, "badge wipe at reader "
	    "%s: application removed, no badge held its credential", e->c.reader)) == -1)
		goto fail;
	return store_commit(st);
fail:
	store_rollback(st);
	return -1;
}

static void
wipe_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct desk_commit *e = writer_job_data(j);
	int ri = config_reader_index(d->conf, e->c.reader);
	cJSON *r;

	if (j->rc != 0) {
		desk_fail(d, ri, e->c.client, control_fail(CONTROL_DATABASE, "the card is wiped "
		    "but its badge could not be revoked (%s): revoke it with `seuilctl badge "
		    "revoke`", j->err));
		return;
	}
	if (ri != -1) {
		feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
		daemon_feedback_drive(d, clock_mono_ms());
	}
	r = control_ok();
	cJSON_AddStringToObject(r, "reader", e->c.reader);
	cJSON_AddStringToObject(r, "hint", e->c.hint);
	if (e->badge_id != 0) {
		cJSON_AddNumberToObject(r, "badge_id", (double)e->badge_id);
		cJSON_AddNumberToObject(r, "member", (double)e->badge_member);
	}
	control_reply(d->control, e->c.client, r);
}

static void
desk_commit(struct daemon *d, int ri, const struct desk_ctx *c, const uint8_t *cred)
{
	struct desk_commit e = { .c = *c, .ts_ms = clock_wall_ms(), .mono_ms = clock_mono_ms(),
	    .synced = clock_synced() };

	explicit_bzero(e.c.uid, sizeof(e.c.uid));
	if (cred != NULL) {
		uid_credential_mac(d->key, cred, e.mac);
		e.have_mac = true;
	}
	if (writer_submit(d->writer, c->op == ENROL_WIPE ? wipe_run : secure_run,
	    c->op == ENROL_WIPE ? wipe_done : secure_done, d, 0, 0, &e, sizeof(e)) == -1)
		desk_fail(d, ri, c->client, control_fail(CONTROL_BUSY, "the store is busy: "
		    "present the card again"));
	explicit_bzero(&e, sizeof(e));
}

static int
count_active(const struct badge_row *b, void *arg)
{
	*(int *)arg += b->active;
	return 0;
}

/*
 * Phase 1 done: whose is the card?  Its UID and (if it gave one) its
 * credential are looked up on the loop's connection.  The card of the
 * member it is for: its UID badge is upgraded, a DESFire badge refused as
 * enrolled already.  Another member's card: only for the admin role, and
 * audited.  The operate role gives a first badge only, unless it upgrades
 * the member's own.  Then phase 2, with the card still held.
 */
static cJSON *
secure_check(struct daemon *d, struct desk_ctx *c, const struct exchange_job *j)
{
	struct badge_row ub, kb;
	struct member_row um, km;
	uint8_t cmac[UID_MAC_LEN];
	int u, k = 0, active = 0;
	cJSON *r;

	u = store_find_badge(d->st, BADGE_UID, c->uid_mac, &ub, &um);
	if (j->result == DESFIRE_OK) {
		uid_credential_mac(d->key, j->credential, cmac);
		k = store_find_badge(d->st, BADGE_DESFIRE, cmac, &kb, &km);
		explicit_bzero(cmac, sizeof(cmac));
	}
	if (u == -1 || k == -1)
		return control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st));
	if (k == 1 && kb.active) {
		if (kb.member_id == c->member_id) {
			r = control_fail(CONTROL_EXISTS, "this card is already DESFire badge %lld of "
			    "member %lld", (long long)kb.id, (long long)kb.member_id);
			cJSON_AddNumberToObject(r, "badge_id", (double)kb.id);
			return r;
		}
		if (c->role < ROLE_ADMIN)
			return control_fail(CONTROL_PERMISSION, "this card is badge %lld of member "
			    "%lld: giving it to another member needs admin_group '%s'",
			    (long long)kb.id, (long long)kb.member_id,
			    d->conf->control_admin_group);
		c->revoke_cred = kb.id;
		c->taken_from = kb.member_id;
	}
	if (u == 1 && ub.active) {
		if (ub.member_id != c->member_id && c->role < ROLE_ADMIN)
			return control_fail(CONTROL_PERMISSION, "this card is badge %lld of member "
			    "%lld: giving it to another member needs admin_group '%s'",
			    (long long)ub.id, (long long)ub.member_id,
			    d->conf->control_admin_group);
		if (ub.member_id != c->member_id)
			c->taken_from = ub.member_id;
		c->revoke_uid = ub.id;
	}
	if (c->role < ROLE_ADMIN && !(c->revoke_uid != 0 && c->taken_from == 0)) {
		if (store_badges_list(d->st, c->member_id, count_active, &active) == -1)
			return control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st));
		if (active > 0)
			return control_fail(CONTROL_PERMISSION, "member %lld has an active badge "
			    "already: another one needs admin_group '%s' (the member's own UID "
			    "badge may be upgraded)", (long long)c->member_id,
			    d->conf->control_admin_group);
	}
	return NULL;
}

/* A replica's card, written here with the site's keys (or, written false,
 * a badge already, which a replica never overwrites): the primary checks
 * and records it (site_enrol.c), and its answer ends the request. */
static void
desk_at_primary(struct daemon *d, int ri, const struct desk_ctx *c, const uint8_t *cred,
    bool written)
{
	struct site_enrol *se = site_enrolment(d);
	uint8_t cmac[UID_MAC_LEN];
	char err[128];

	uid_credential_mac(d->key, cred, cmac);
	if (se == NULL || site_enrol_card(se, ri, c->client, c->member_ref, c->actor,
	    c->role >= ROLE_ADMIN, c->uid_mac, cmac, c->hint, written, err, sizeof(err)) == -1)
		desk_fail(d, ri, c->client, control_fail(CONTROL_BUSY, "%s: nothing enrolled%s",
		    se == NULL ? "this node is no site's replica" : err, written ? " (the card "
		    "holds a credential no badge has: enrol it again to finish it)" : ""));
	explicit_bzero(cmac, sizeof(cmac));
}

/* On a replica: 1 if the credential is an active badge of the copy (which
 * has no names: the primary checks the rest). */
static int
held_badge(struct daemon *d, const uint8_t *cred)
{
	struct badge_row b;
	struct member_row m;
	uint8_t cmac[UID_MAC_LEN];
	int k;

	uid_credential_mac(d->key, cred, cmac);
	k = store_find_badge(d->st, BADGE_DESFIRE, cmac, &b, &m);
	explicit_bzero(cmac, sizeof(cmac));
	return k == 1 ? b.active : k;
}

void
daemon_desk_exchange_done(struct daemon *d, struct exchange_job *j)
{
	struct desk_ctx c;
	int ri, k;
	cJSON *r;

	memcpy(&c, exchange_ctx(j), sizeof(c));
	ri = config_reader_index(d->conf, c.reader);
	if (j->broken != NULL)
		readers_fail(d->readers, j->reader, j->pid, j->broken);
	log_debug("reader %s: card exchange at the desk: %s at \"%s\" in %lld ms, %d APDUs",
	    c.reader, desfire_result_str(j->result), desfire_step_str(j->rep.step),
	    (long long)j->ms, j->rep.exchanges);
	if (c.op == ENROL_WIPE) {
		if (j->result != DESFIRE_OK)
			desk_fail(d, ri, c.client, j->result == DESFIRE_NO_APP ?
			    control_fail(CONTROL_NOT_FOUND, "this card holds no application "
			    "%06X: nothing wiped", (unsigned)d->dkeys.aid) :
			    desk_refusal(j, "wiped", d->dkeys.aid));
		else
			desk_commit(d, ri, &c, j->read == DESFIRE_OK ? j->credential : NULL);
	} else if (c.phase == 1 && config_replica(d->conf) && j->result == DESFIRE_OK &&
	    (k = held_badge(d, j->credential)) != 0) {
		readers_release(d->readers, j->reader, c.tap);
		if (k == -1)
			desk_fail(d, ri, c.client, control_fail(CONTROL_DATABASE, "%s",
			    store_errmsg(d->st)));
		else
			desk_at_primary(d, ri, &c, j->credential, false);
	} else if (c.phase == 1) {
		r = j->result == DESFIRE_GONE ? desk_refusal(j, "enrolled", d->dkeys.aid) :
		    !control_client_alive(d->control, c.client) ? NULL :
		    ri == -1 ? control_fail(CONTROL_NOT_FOUND, "the reader was removed") :
		    config_replica(d->conf) ? NULL : secure_check(d, &c, j);
		if (r == NULL && control_client_alive(d->control, c.client)) {
			c.phase = 2;
			if (desk_submit(d, j->reader, EXCHANGE_PROVISION, true, &c) == 0) {
				explicit_bzero(&c, sizeof(c));
				return;
			}
			r = control_fail(CONTROL_BUSY, "the reader is busy: present the card again");
		}
		readers_release(d->readers, j->reader, c.tap);
		if (r != NULL)
			desk_fail(d, ri, c.client, r);
	} else if (j->result != DESFIRE_OK) {
		desk_fail(d, ri, c.client, desk_refusal(j, "enrolled", d->dkeys.aid));
	} else if (config_replica(d->conf)) {
		desk_at_primary(d, ri, &c, j->credential, true);
	} else {
		desk_commit(d, ri, &c, j->credential);
	}
	explicit_bzero(&c, sizeof(c));
}

/* ---- waiting ---- */

void
daemon_enrol_tick(struct daemon *d, int64_t now)
{
	if (!d->enrol.active)
		return;
	if (!control_client_alive(d->control, d->enrol.client)) {
		d->enrol.active = false;	/* seuilctl was interrupted */
		daemon_feedback_enrol_end(d);
		return;
	}
	if (now >= d->enrol.deadline) {
		d->enrol.active = false;
		daemon_feedback_enrol_end(d);
		control_reply(d->control, d->enrol.client, control_fail(CONTROL_TIMEOUT,
		    d->enrol.op == ENROL_WIPE ? "no card was tapped before the timeout: nothing "
		    "wiped" : d->enrol.op == ENROL_SECURE ? "no card was tapped before the "
		    "timeout: nothing enrolled" : "no unknown badge was tapped before the "
		    "timeout: nothing enrolled"));
	}
}

int
daemon_desk_reader(struct daemon *d, const char *reader, cJSON **reply)
{
	const struct config *conf = d->conf;
	int i;

	if (!d->have_dkeys) {
		*reply = control_fail(CONTROL_INVALID, "no credentials key file (%s): create it "
		    "with `seuilctl init`, then restart seuild", conf->credentials_key_file);
		return -1;
	}
	if (reader != NULL) {
		if ((i = config_reader_index(conf, reader)) == -1) {
			*reply = control_fail(CONTROL_NOT_FOUND, "unknown reader '%.40s'", reader);
			return -1;
		}
		if (!conf->readers[i].enrol || conf->readers[i].door_index >= 0 ||
		    conf->readers[i].driver != READER_LIBNFC) {
			*reply = control_fail(CONTROL_INVALID, "reader '%.40s' %s: a DESFire card "
			    "is made or wiped only at a desk reader (enrol = true, no door, "
			    "driver = libnfc)", reader, !conf->readers[i].enrol ?
			    "does not allow enrolment" : conf->readers[i].door_index >= 0 ?
			    "opens a door" : "is simulated");
			return -1;
		}
		return i;
	}
	for (i = 0; i < conf->nreaders; i++)
		if (conf->readers[i].enrol && conf->readers[i].door_index < 0 &&
		    conf->readers[i].driver == READER_LIBNFC)
			return i;
	*reply = control_fail(CONTROL_INVALID, "no desk reader: a DESFire card is made or wiped "
	    "only at a reader with enrol = true, no door and driver = libnfc");
	return -1;
}

/* ---- a loaner for the pool, an invite code: a tap at the desk ---- */

/*
 * A loaner for the pool by a tap (loaner_add without a uid), at a reader
 * with enrol = true, like a member's badge (cmd_enrol): the reply follows
 * the tap or the timeout.
 */
cJSON *
daemon_loaner_enrol(struct call *c)
{
	struct daemon *d = c->d;
	int64_t timeout = c->req->timeout ? c->req->timeout : 60;
	int reader_index = -1, i;

	if (c->req->reader != NULL) {
		if ((reader_index = config_reader_index(d->conf, c->req->reader)) == -1)
			return control_fail(CONTROL_NOT_FOUND, "unknown reader '%.40s'",
			    c->req->reader);
		if (!d->conf->readers[reader_index].enrol)
			return control_fail(CONTROL_INVALID, "that reader does not allow "
			    "enrolment (enrol = false)");
	} else {
		for (i = 0; i < d->conf->nreaders && !d->conf->readers[i].enrol; i++)
			;
		if (i == d->conf->nreaders)
			return control_fail(CONTROL_INVALID, "no reader allows enrolment: set "
			    "enrol = true on a desk reader");
	}
	if (timeout < 1 || timeout > 3600)
		return control_fail(CONTROL_INVALID, "timeout must be between 1 and 3600 seconds");
	if (d->enrol.active && control_client_alive(d->control, d->enrol.client))
		return control_fail(CONTROL_BUSY, "another enrolment is waiting for a tap");
	if (d->enrol.active)
		daemon_feedback_enrol_end(d);
	d->enrol = (struct enrolment){ .active = true, .op = ENROL_LOANER, .client = c->client,
	    .reader_index = reader_index, .deadline = clock_mono_ms() + timeout * 1000 };
	snprintf(d->enrol.label, sizeof(d->enrol.label), "%s", c->req->label);
	snprintf(d->enrol.actor, sizeof(d->enrol.actor), "%s", c->actor);
	daemon_feedback_enrol_wait(d, clock_mono_ms());
	log_info("pool: waiting %lld s for a loaner badge (%s)", (long long)timeout, c->actor);
	return NULL;
}

/* ---- an invite code from a tap of the member's own badge ---- */

struct invite_job {
	int		client;
	int64_t		member_id;
	char		actor[160];
	char		code[MEMBER_CODE_LEN + 1];	/* the writer's answer */
	char		name[128];
	enum control_code failed;
	char		why[200];
};

static int
invite_run(struct writer_job *j, struct store *st)
{
	struct invite_job *v = writer_job_data(j);
	struct manage_err err;
	struct member_row m;

	if (member_invite(st, v->member_id, clock_wall_ms(), v->actor, v->code, &err) == -1) {
		if (err.status == MANAGE_EDB)
			return -1;
		v->failed = control_code_of(err.status);
		snprintf(v->why, sizeof(v->why), "%.190s", err.msg);
		return 0;
	}
	if (store_member_get(st, v->member_id, &m) == 1)
		snprintf(v->name, sizeof(v->name), "%s", m.name);
	return 0;
}

static void
invite_done(struct writer_job *j)
{
	struct daemon *d = j->arg;
	struct invite_job *v = writer_job_data(j);
	char ts[24];
	cJSON *r;

	if (j->rc != 0 || v->failed != CONTROL_OK) {
		control_reply(d->control, v->client, j->rc != 0 ?
		    control_fail(CONTROL_DATABASE, "%s", j->err) :
		    control_fail(v->failed, "%s", v->why));
		explicit_bzero(v->code, sizeof(v->code));
		return;
	}
	r = control_ok();
	cJSON_AddNumberToObject(r, "id", (double)v->member_id);
	cJSON_AddStringToObject(r, "member", v->name);
	cJSON_AddStringToObject(r, "code", v->code);
	clock_format_utc(clock_wall_ms() + MEMBER_CODE_TTL_MS, ts);
	cJSON_AddStringToObject(r, "expires", ts);
	control_reply(d->control, v->client, r);
	explicit_bzero(v->code, sizeof(v->code));
}

/* A badge tapped at the desk while an invite waits: a member's own active
 * badge gets the member a code; anything else ends the wait, refused. */
static void
daemon_invite_tap(struct daemon *d, int ri, const uint8_t mac[UID_MAC_LEN])
{
	struct invite_job v = { .client = d->enrol.client };
	struct decision_rows rows;
	int known;

	d->enrol.active = false;
	daemon_feedback_enrol_end(d);
	known = decision_rows_load(d->st, BADGE_UID, mac, &rows);
	if (known != 1 || rows.loaner || !rows.badge.active || !rows.member.active ||
	    rows.member.erased) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, v.client, known == -1 ?
		    control_fail(CONTROL_DATABASE, "%s", store_errmsg(d->st)) :
		    control_fail(CONTROL_NOT_FOUND, "that is not an active member's badge: no "
		    "code"));
		return;
	}
	v.member_id = rows.member.id;
	snprintf(v.actor, sizeof(v.actor), "%s", d->enrol.actor);
	if (writer_submit(d->writer, invite_run, invite_done, d, 0, 0, &v, sizeof(v)) == -1) {
		daemon_feedback_tap(d, ri, false, 0);
		control_reply(d->control, v.client, control_fail(CONTROL_BUSY,
		    "the store is busy, try again"));
		return;
	}
	feedback_enrol_done(&d->feedback[ri], clock_mono_ms(), true);
	daemon_feedback_drive(d, clock_mono_ms());
}

cJSON *
daemon_invite_enrol(struct call *c)
{
	struct daemon *d = c->d;
	int64_t timeout = c->req->timeout ? c->req->timeout : 60;
	int reader_index = -1, i;

	if (c->req->reader != NULL) {
		if ((reader_index = config_reader_index(d->conf, c->req->reader)) == -1)
			return control_fail(CONTROL_NOT_FOUND, "unknown reader '%.40s'",
			    c->req->reader);
		if (!d->conf->readers[reader_index].enrol ||
		    d->conf->readers[reader_index].door_index >= 0)
			return control_fail(CONTROL_INVALID, "an invite is tapped at a desk reader "
			    "(enrol = true, no door)");
	} else {
		for (i = 0; i < d->conf->nreaders && !(d->conf->readers[i].enrol &&
		    d->conf->readers[i].door_index < 0); i++)
			;
		if (i == d->conf->nreaders)
			return control_fail(CONTROL_INVALID, "no desk reader (enrol = true, no "
			    "door) to tap a badge at");
	}
	if (timeout < 1 || timeout > 3600)
		return control_fail(CONTROL_INVALID, "timeout must be between 1 and 3600 seconds");
	if (d->enrol.active && control_client_alive(d->control, d->enrol.client))
		return control_fail(CONTROL_BUSY, "another enrolment is waiting for a tap");
	if (d->enrol.active)
		daemon_feedback_enrol_end(d);
	d->enrol = (struct enrolment){ .active = true, .op = ENROL_INVITE, .client = c->client,
	    .reader_index = reader_index, .deadline = clock_mono_ms() + timeout * 1000 };
	snprintf(d->enrol.actor, sizeof(d->enrol.actor), "%s", c->actor);
	daemon_feedback_enrol_wait(d, clock_mono_ms());
	log_info("invite: waiting %lld s for a member's badge (%s)", (long long)timeout,
	    c->actor);
	return NULL;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The control requests that change the store (members, badges, groups,
 * schedules, imports, erasure, purge, console accounts, console events).
 * Each runs on the writer thread like a tap, in one transaction with its
 * admin_change event naming the peer and the console user (core/manage.c
 * and core/webuser.c do both): if the event cannot be written, nothing is
 * changed and the caller gets the error.  The loop only checks and queues;
 * the reply follows the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "guest.h"
#include "import.h"
#include "member_web.h"
#include "webuser.h"

/* Console events a minute, whatever the console sends: the LAN cannot make
 * seuild write without bound even through a compromised seuil-web (which
 * throttles logins first). */
#define CONSOLE_EVENTS_PER_MIN	120

/*
 * A request on its way through the writer.  It owns the decoded request
 * (taken from the control server), so its strings live until the reply.
 * run fills reply on the writer thread; done sends it on the loop.
 */
struct admin_job {
	struct daemon		*d;
	int			 client;
	struct control_req	 req;
	char			 actor[160];
	char			 member[136];	/* the member asked for, for manage_* */
	int64_t			 member_id;	/* erasure: as the loop found it */
	bool			 was_present;	/* erasure: checked out first */
	char			*payload;	/* import: the CSV */
	size_t			 len;
	uint8_t			 mac[UID_MAC_LEN];	/* badge_add */
	char			 hint[UID_HINT_LEN];
	int64_t			 retention[3];	/* purge: events, visits, guests */
	int64_t			 until_ms;	/* guest_add */
	struct config		*conf;		/* guest_add: a copy, for its [guests] */
	cJSON			*reply;
};

static cJSON *
fail_manage(const struct manage_err *err)
{
	return control_fail(control_code_of(err->status), "%s", err->msg);
}

static cJSON *
ok_id(int64_t id)
{
	cJSON *r = control_ok();

	cJSON_AddNumberToObject(r, "id", (double)id);
	return r;
}

static cJSON *
run_web_user(struct store *st, struct admin_job *a)
{
	const struct control_req *q = &a->req;
	struct manage_err err;
	enum webuser_role role = WEBUSER_DESK;
	int rc;

	if (q->role != NULL && webuser_role_parse(q->role, &role) == -1)
		return control_fail(CONTROL_INVALID, "role is admin or desk");
	switch (q->cmd) {
	case CONTROL_WEB_USER_ADD:
		rc = webuser_add(st, q->user, role, q->hash, clock_wall_ms(), a->actor, &err);
		break;
	case CONTROL_WEB_USER_PASSWD:
		rc = webuser_passwd(st, q->user, q->hash, a->actor, &err);
		break;
	case CONTROL_WEB_USER_ROLE:
		rc = webuser_set_role(st, q->user, role, a->actor, &err);
		break;
	default:
		rc = webuser_del(st, q->user, a->actor, &err);
		break;
	}
	return rc == -1 ? fail_manage(&err) : control_ok();
}

static cJSON *
run_import(struct store *st, struct admin_job *a)
{
	struct import_opts o = { .prune = a->req.prune, .reenable = a->req.reenable,
	    .create_groups = a->req.create_groups, .actor = a->actor };
	struct import_errors errs;
	struct import_counts n;
	cJSON *r;

	if (import_apply(st, a->payload, a->len, &o, &n, &errs) == -1) {
		r = control_fail(errs.n > 0 && errs.e[0].line > 0 ? CONTROL_INVALID :
		    CONTROL_DATABASE, "%s", errs.n > 0 ? errs.e[0].message : "import failed");
		cJSON_AddItemToObject(r, "errors", import_errors_json(&errs));
		cJSON_AddItemToObject(r, "missing_groups", import_missing_json(&errs));
		return r;
	}
	r = control_ok();
	cJSON_AddNumberToObject(r, "added", n.added);
	cJSON_AddNumberToObject(r, "changed", n.changed);
	cJSON_AddNumberToObject(r, "disabled", n.disabled);
	cJSON_AddNumberToObject(r, "enabled", n.enabled);
	cJSON_AddNumberToObject(r, "unchanged", n.unchanged);
	cJSON_AddNumberToObject(r, "groups_added", n.groups_added);
	return r;
}

/* Guests and the pool (core/guest.c), on the writer thread. */
static cJSON *
run_guest(struct store *st, struct admin_job *a)
{
	const struct control_req *q = &a->req;
	struct guest_new n = { .name = q->change.name, .sponsor = a->member,
	    .until_ms = a->until_ms, .loaner = q->label };
	struct manage_err err;
	struct guest_row g;
	char ends[24];
	bool was = false;
	int64_t id;
	cJSON *r;

	switch (q->cmd) {
	case CONTROL_GUEST_ADD:
		if ((id = guest_add(st, a->conf, &n, clock_wall_ms(), a->actor, &g, &err)) == -1)
			return fail_manage(&err);
		r = ok_id(id);
		clock_format_utc(g.ends_ms, ends);
		cJSON_AddStringToObject(r, "ends", ends);
		return r;
	case CONTROL_GUEST_LEND:
		return guest_lend(st, q->guest, q->label, a->actor, &err) == -1 ?
		    fail_manage(&err) : ok_id(q->guest);
	case CONTROL_GUEST_END:
		if (guest_end(st, q->guest, clock_wall_ms(), a->actor, &was, &err) == -1)
			return fail_manage(&err);
		r = ok_id(q->guest);
		cJSON_AddBoolToObject(r, "was_open", was);
		return r;
	case CONTROL_GUEST_ERASE:
		if (guest_erase(st, q->guest, a->actor, &err) == -1)
			return fail_manage(&err);
		(void)store_checkpoint(st);
		return ok_id(q->guest);
	case CONTROL_LOANER_ADD:
		id = guest_loaner_add(st, a->mac, a->hint, q->label, clock_wall_ms(), a->actor, &err);
		explicit_bzero(a->mac, sizeof(a->mac));
		if (id == -1)
			return fail_manage(&err);
		r = ok_id(id);
		cJSON_AddStringToObject(r, "hint", a->hint);
		return r;
	default:
		return guest_loaner_remove(st, q->label, a->actor, &err) == -1 ?
		    fail_manage(&err) : control_ok();
	}
}

/* A member's own console account and lobby choice (core/member_web.c), on
 * the writer thread. */
static cJSON *
run_member_web(struct store *st, struct admin_job *a)
{
	const struct control_req *q = &a->req;
	char code[MEMBER_CODE_LEN + 1], ts[24];
	struct manage_err err;
	struct member_row m;
	int64_t now = clock_wall_ms();
	int rc;
	cJSON *r;

	if (manage_member_find(st, a->member, &m, &err) == -1)
		return fail_manage(&err);
	switch (q->cmd) {
	case CONTROL_MEMBER_INVITE:
		if (member_invite(st, m.id, now, a->actor, code, &err) == -1)
			return fail_manage(&err);
		r = ok_id(m.id);
		cJSON_AddStringToObject(r, "code", code);
		cJSON_AddStringToObject(r, "member", m.name);
		clock_format_utc(now + MEMBER_CODE_TTL_MS, ts);
		cJSON_AddStringToObject(r, "expires", ts);
		explicit_bzero(code, sizeof(code));
		return r;
	case CONTROL_MEMBER_CODE:
		rc = member_code_use(st, m.id, q->code, now, a->actor, &err);
		break;
	case CONTROL_MEMBER_PASSWORD:
		rc = member_password(st, m.id, q->hash, now, a->actor, &err);
		break;
	default:
		rc = member_lobby_choose(st, m.id, q->change.public == 1, q->change.display, now,
		    a->actor, &err);
		break;
	}
	return rc == -1 ? fail_manage(&err) : ok_id(m.id);
}

/* On the writer thread. */
static int
admin_run(struct writer_job *j, struct store *st)
{
	struct admin_job *a = *(struct admin_job **)writer_job_data(j);
	const struct control_req *q = &a->req;
	struct member_row m;
	struct badge_row b;
	struct access_group g;
	struct manage_err err;
	int64_t id, n1, n2;
	cJSON *r;

	switch (q->cmd) {
	case CONTROL_MEMBER_ADD:
		id = manage_member_add(st, &q->change, a->actor, &err);
		r = id == -1 ? fail_manage(&err) : ok_id(id);
		break;
	case CONTROL_MEMBER_EDIT:
		r = manage_member_edit(st, a->member, &q->change, a->actor, &m, &err) == -1 ?
		    fail_manage(&err) : ok_id(m.id);
		break;
	case CONTROL_MEMBER_DISABLE:
	case CONTROL_MEMBER_ENABLE:
		r = manage_member_set_active(st, a->member, q->cmd == CONTROL_MEMBER_ENABLE,
		    a->actor, &m, &err) == -1 ? fail_manage(&err) : ok_id(m.id);
		break;
	case CONTROL_MEMBER_ERASE:
		/* The departure was queued before (presence is the loop's),
		 * so it is committed; the erased data leaves the WAL too. */
		if (manage_member_erase(st, a->member_id, a->actor, &err) == -1)
			r = fail_manage(&err);
		else {
			(void)store_checkpoint(st);
			r = ok_id(a->member_id);
			cJSON_AddBoolToObject(r, "was_present", a->was_present);
		}
		break;
	case CONTROL_BADGE_ADD:
		id = manage_badge_add(st, a->member, a->mac, a->hint, q->label, a->actor, &b,
		    &m, &err);
		explicit_bzero(a->mac, sizeof(a->mac));
		if (id == -1)
			r = fail_manage(&err);
		else {
			r = control_ok();
			cJSON_AddNumberToObject(r, "badge_id", (double)id);
			cJSON_AddStringToObject(r, "hint", a->hint);
		}
		break;
	case CONTROL_BADGE_REVOKE:
		if (manage_badge_revoke(st, q->badge, a->actor, &b, &m, &err) == -1)
			r = fail_manage(&err);
		else {
			r = ok_id(q->badge);
			cJSON_AddNumberToObject(r, "member", (double)b.member_id);
		}
		break;
	case CONTROL_GROUP_ADD:
		id = manage_group_add(st, q->group, a->actor, &err);
		r = id == -1 ? fail_manage(&err) : ok_id(id);
		break;
	case CONTROL_SCHEDULE_SET:
		r = manage_schedule_set(st, q->group, q->schedule, a->actor, &g, &err) == -1 ?
		    fail_manage(&err) : ok_id(g.id);
		break;
	case CONTROL_GROUP_EDIT:
		r = manage_group_edit(st, q->group, q->offline_ok, a->actor, &g, &err) == -1 ?
		    fail_manage(&err) : ok_id(g.id);
		break;
	case CONTROL_IMPORT:
		r = run_import(st, a);
		break;
	case CONTROL_PURGE:
		if (manage_purge(st, a->retention[0], a->retention[1], clock_wall_ms(), a->actor,
		    &n1, &n2, &err) == -1)
			r = fail_manage(&err);
		else if ((id = store_guests_purge(st, clock_wall_ms() - a->retention[2])) == -1)
			r = control_fail(CONTROL_DATABASE, "%s", store_errmsg(st));
		else {
			r = control_ok();
			cJSON_AddNumberToObject(r, "events", (double)n1);
			cJSON_AddNumberToObject(r, "visits", (double)n2);
			cJSON_AddNumberToObject(r, "guests", (double)id);
		}
		break;
	case CONTROL_GUEST_ADD:
	case CONTROL_GUEST_LEND:
	case CONTROL_GUEST_END:
	case CONTROL_GUEST_ERASE:
	case CONTROL_LOANER_ADD:
	case CONTROL_LOANER_REMOVE:
		r = run_guest(st, a);
		break;
	case CONTROL_MEMBER_INVITE:
	case CONTROL_MEMBER_CODE:
	case CONTROL_MEMBER_PASSWORD:
	case CONTROL_MEMBER_LOBBY:
		r = run_member_web(st, a);
		break;
	case CONTROL_CONSOLE_EVENT: {
		struct event ev = { .type = q->type, .actor = a->actor, .detail = q->detail };

		/* A member's login is theirs: listed on their own page. */
		if ((q->member != 0 || q->member_name != NULL) &&
		    manage_member_find(st, a->member, &m, &err) == 0)
			ev.member_id = m.id;
		store_event_stamp(&ev);
		r = writer_append_event(st, &ev) == -1 ?
		    control_fail(CONTROL_DATABASE, "%s", store_errmsg(st)) : control_ok();
		break;
	}
	default:
		r = run_web_user(st, a);
		break;
	}
	a->reply = r;
	/* The reply says how it went; the writer's health is the store's. */
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) ||
	    control_code_lookup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r,
	    "code"))) != CONTROL_DATABASE ? 0 : -1;
}

static void
admin_free(struct admin_job *a)
{
	free(a->conf);
	control_req_clear(&a->req);
	free(a->payload);
	cJSON_Delete(a->reply);
	explicit_bzero(a, sizeof(*a));
	free(a);
}

/* On the loop, once committed (or not). */
static void
admin_done(struct writer_job *j)
{
	struct admin_job *a = *(struct admin_job **)writer_job_data(j);
	cJSON *r = a->reply;

	a->reply = NULL;
	if (r == NULL)
		r = control_fail(CONTROL_BUSY, "the store is busy, try again");
	/* A pass made, lent or ended: when the next one ends is read again. */
	if (a->req.cmd >= CONTROL_GUEST_ADD && a->req.cmd <= CONTROL_GUEST_ERASE)
		a->d->guests_refresh = true;
	if (a->client != -1)
		control_reply(a->d->control, a->client, r);
	else
		cJSON_Delete(r);
	admin_free(a);
}

/* A job for c's request, which it takes.  NULL with *reply when it cannot. */
static struct admin_job *
admin_new(struct call *c, cJSON **reply)
{
	struct admin_job *a = calloc(1, sizeof(*a));

	if (a == NULL) {
		*reply = control_fail(CONTROL_BUSY, "out of memory");
		return NULL;
	}
	a->d = c->d;
	a->client = c->client;
	a->req = *c->req;
	control_req_init(c->req, c->req->cmd);	/* taken */
	snprintf(a->actor, sizeof(a->actor), "%s", c->actor);
	snprintf(a->member, sizeof(a->member), "%s", c->member);
	return a;
}

/* Queue a; the reply follows (NULL), or the refusal now. */
static cJSON *
admin_submit(struct admin_job *a)
{
	cJSON *r;

	if (writer_submit(a->d->writer, admin_run, admin_done, a->d, 0, 0, &a, sizeof(a)) == 0)
		return NULL;
	admin_free(a);
	r = control_fail(CONTROL_BUSY, "the store is busy, try again");
	return r;
}

cJSON *
daemon_cmd_admin(struct call *c)
{
	struct admin_job *a;
	cJSON *r = NULL;

	if ((a = admin_new(c, &r)) == NULL)
		return r;
	if (a->req.cmd == CONTROL_PURGE) {
		a->retention[0] = c->d->conf->event_retention_ms;
		a->retention[1] = c->d->conf->visit_retention_ms;
		a->retention[2] = c->d->conf->guest_retention_ms;
	}
	return admin_submit(a);
}

/*
 * Guests: checked here what needs no store (the end's text, a label's
 * length), then on the writer with their audit event.  A pass that ends
 * or is erased ends the guest's visit first (presence is the loop's; the
 * departure is queued before, so it is written first).
 */
cJSON *
daemon_cmd_guest(struct call *c)
{
	struct admin_job *a;
	struct manage_err err;
	struct uid uid;
	int64_t until = 0;
	char why[128];
	cJSON *r = NULL;

	if (c->req->until != NULL && guest_parse_until(c->req->until, &until, &err) == -1)
		return fail_manage(&err);
	if (c->req->label != NULL && strlen(c->req->label) >= 64)
		return control_fail(CONTROL_INVALID, "\"label\" must be text under 64 bytes");
	if (c->req->cmd == CONTROL_LOANER_ADD && c->req->uid == NULL)
		return daemon_loaner_enrol(c);
	if (c->req->cmd == CONTROL_GUEST_END || c->req->cmd == CONTROL_GUEST_ERASE)
		if (presence_end(c->d->presence, -c->req->guest, PRESENCE_PASS_END, clock_wall_ms(),
		    -1, c->actor) == -1)
			return control_fail(CONTROL_BUSY, "cannot record the departure now, try "
			    "again");
	if ((a = admin_new(c, &r)) == NULL)
		return r;
	a->until_ms = until;
	if (c->req->cmd == CONTROL_GUEST_ADD) {
		if ((a->conf = malloc(sizeof(*a->conf))) == NULL) {
			admin_free(a);
			return control_fail(CONTROL_BUSY, "out of memory");
		}
		memcpy(a->conf, c->d->conf, sizeof(*a->conf));
	}
	if (c->req->cmd == CONTROL_LOANER_ADD) {
		if (uid_parse(a->req.uid, &uid, why, sizeof(why)) == -1) {
			admin_free(a);
			return control_fail(CONTROL_INVALID, "%s", why);
		}
		uid_mac(c->d->key, &uid, a->mac);
		uid_hint(&uid, a->hint);
		uid_wipe(&uid);
	}
	return admin_submit(a);
}

/*
 * A badge by its typed UID, for a program that does not hold the UID key
 * (seuil-web): the loop turns it into the MAC and the hint and wipes it;
 * the writer stores the badge with its audit event.  The reply never
 * repeats the UID.
 */
cJSON *
daemon_cmd_badge_add(struct call *c)
{
	struct admin_job *a;
	struct uid uid;
	char why[128];
	cJSON *r = NULL;

	if (c->req->label != NULL && strlen(c->req->label) >= 128)
		return control_fail(CONTROL_INVALID, "\"label\" must be text under 128 bytes");
	if (uid_parse(c->req->uid, &uid, why, sizeof(why)) == -1)
		return control_fail(CONTROL_INVALID, "%s", why);
	if ((a = admin_new(c, &r)) == NULL) {
		uid_wipe(&uid);
		return r;
	}
	uid_mac(c->d->key, &uid, a->mac);
	uid_hint(&uid, a->hint);
	uid_wipe(&uid);
	return admin_submit(a);
}

/*
 * Erasure: the member's visit ends first (live presence is the loop's;
 * the departure is queued before the erasure, so it is written first),
 * then the erasure and its event in one transaction.
 */
cJSON *
daemon_cmd_member_erase(struct call *c)
{
	struct admin_job *a;
	struct member_row m;
	cJSON *r = NULL;

	int was;

	if (daemon_call_member(c, &m, &r) == -1)
		return r;
	if ((was = presence_checkout(c->d->presence, m.id, clock_wall_ms(), -1, c->actor)) == -1)
		return control_fail(CONTROL_BUSY, "cannot record the departure now, try again");
	if ((a = admin_new(c, &r)) == NULL)
		return r;
	a->member_id = m.id;
	a->was_present = was == 1;
	return admin_submit(a);
}

/* The CSV is read from its sealed descriptor here, within the cap; the
 * writer parses it again under the write lock and applies it whole. */
cJSON *
daemon_cmd_import(struct call *c)
{
	struct admin_job *a;
	char err[256];
	cJSON *r = NULL;

	if ((a = admin_new(c, &r)) == NULL)
		return r;
	if (control_payload_read(a->req.fd, CONTROL_PAYLOAD_MAX, &a->payload, &a->len, err,
	    sizeof(err)) == -1) {
		admin_free(a);
		return control_fail(CONTROL_INVALID, "import: %s", err);
	}
	return admin_submit(a);
}

cJSON *
daemon_cmd_console_event(struct call *c)
{
	struct daemon *d = c->d;
	const char *t = c->req->type;
	struct admin_job *a;
	int64_t now = clock_mono_ms();
	cJSON *r = NULL;

	if (strcmp(t, "console_login") != 0 && strcmp(t, "console_login_failed") != 0)
		return control_fail(CONTROL_INVALID, "type is console_login or "
		    "console_login_failed");
	if (c->req->detail != NULL && !manage_valid_text(c->req->detail, 128))
		return control_fail(CONTROL_INVALID, "\"detail\" must be printable text under "
		    "128 bytes");
	if (now - d->console_events_minute >= 60000) {
		d->console_events_minute = now;
		d->console_events = 0;
	}
	if (++d->console_events > CONSOLE_EVENTS_PER_MIN) {
		if (d->console_events == CONSOLE_EVENTS_PER_MIN + 1)
			log_warnx("control: more than %d console events this minute; the rest "
			    "are not recorded", CONSOLE_EVENTS_PER_MIN);
		return control_fail(CONTROL_BUSY, "too many console events this minute");
	}
	if ((a = admin_new(c, &r)) == NULL)
		return r;
	return admin_submit(a);
}

cJSON *
daemon_cmd_backup(struct call *c)
{
	if (c->d->conf->backup_dir[0] == '\0')
		return control_fail(CONTROL_INVALID, "seuild runs with no [backup] dir: no snapshot "
		    "to take (after setting one, reload seuild: systemctl reload seuild)");
	if (snapshot_start(c->d, c->client, c->actor) == -1)
		return control_fail(CONTROL_BUSY, "a backup is under way already");
	return NULL;
}

/*
 * An invite code for a member: named, by an admin; or from a tap of the
 * member's own badge at a desk reader (badge_path.c), which the operate
 * role may ask for: the badge in hand is the proof.
 */
cJSON *
daemon_cmd_member_invite(struct call *c)
{
	struct admin_job *a;
	cJSON *r = NULL;

	if (c->req->member == 0 && c->req->member_name == NULL)
		return daemon_invite_enrol(c);
	if (c->role < ROLE_ADMIN)
		return control_fail(CONTROL_PERMISSION, "an invite for a named member needs "
		    "admin_group '%s' (without a member: a tap of their own badge)",
		    c->d->conf->control_admin_group);
	if ((a = admin_new(c, &r)) == NULL)
		return r;
	return admin_submit(a);
}

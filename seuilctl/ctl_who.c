/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl who, checkout: presence */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"
#include "tz.h"

static int
who_cb(const struct visit_row *v, const struct member_row *m, void *arg)
{
	char t[32], name[160];

	(void)arg;
	if (m->id != 0)
		snprintf(name, sizeof(name), "%s", m->name);
	else
		snprintf(name, sizeof(name), "(member %lld)", (long long)v->member_id);
	ctl_format_time(v->arrived_ms, t, sizeof(t));
	printf("%-20s %-19s  %s\n", name, t, v->door[0] ? v->door : "-");
	return 0;
}

int
ctl_who(struct ctl *c, int argc, char **argv)
{
	int rc, n;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK || (rc = ctl_store(c)) != EX_OK)
		return rc;
	if (c->json)
		return ctl_json_print(c, render_who(c->st));
	printf("%-20s %-19s  %s\n", "NAME", "ARRIVED", "DOOR");
	if ((n = store_who(c->st, who_cb, NULL)) == -1)
		return ctl_store_error(c, "who");
	printf("%d present\n", n);
	return EX_OK;
}

#define CHECKOUT_MAX	16

struct open_visits {
	int64_t			 member_id;
	int			 n;
	struct visit_row	 v[CHECKOUT_MAX];
};

static int
collect_cb(const struct visit_row *v, void *arg)
{
	struct open_visits *o = arg;

	if (v->member_id == o->member_id && o->n < CHECKOUT_MAX)
		o->v[o->n++] = *v;
	return 0;
}

/*
 * Without a daemon, seuilctl ends the visit itself, as the daemon would:
 * the visit closed with reason manual and a departure event, in one
 * transaction.  The daemon rebuilds presence from the visits at start and
 * publishes the event then.
 */
static int
checkout_offline(struct ctl *c, const struct member_row *m, bool *was_present)
{
	struct open_visits o;
	struct event ev;
	int64_t now = clock_wall_ms();
	int i, rc;

	memset(&o, 0, sizeof(o));
	o.member_id = m->id;
	if (store_begin(c->st) == -1)
		return ctl_store_error(c, "checkout");
	if (store_visits_open(c->st, collect_cb, &o) == -1)
		goto fail;
	for (i = 0; i < o.n; i++) {
		if (store_visit_close(c->st, o.v[i].id, now, "manual") == -1)
			goto fail;
		memset(&ev, 0, sizeof(ev));
		ev.type = "departure";
		ev.door = o.v[i].door;
		ev.member_id = m->id;
		ev.reason = "manual";
		ev.detail = "seuilctl checkout";
		store_event_stamp(&ev);
		ev.ts_ms = now;
		if (store_append_event(c->st, &ev) == -1)
			goto fail;
	}
	if (store_commit(c->st) == -1)
		goto fail;
	*was_present = o.n > 0;
	return EX_OK;
fail:
	rc = ctl_store_error(c, "checkout");
	store_rollback(c->st);
	return rc;
}

int
ctl_checkout_member(struct ctl *c, const struct member_row *m, bool *was_present,
    bool *daemon)
{
	struct control_req req;
	struct control_reply rep;
	int rc;

	*was_present = false;
	*daemon = false;
	control_req_init(&req, CONTROL_CHECKOUT);
	req.member = m->id;
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		*daemon = true;
		*was_present = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rep.json,
		    "was_present"));
		control_reply_free(&rep);
		return EX_OK;
	}
	if (rc == CTL_DIRECT)
		return checkout_offline(c, m, was_present);
	return rc;
}

int
ctl_checkout(struct ctl *c, int argc, char **argv)
{
	struct member_row m;
	bool daemon, was_present;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 1, 1)) != EX_OK)
		return rc;
	if ((rc = ctl_store(c)) != EX_OK || (rc = ctl_member(c, argv[optind], &m)) != EX_OK)
		return rc;
	if ((rc = ctl_checkout_member(c, &m, &was_present, &daemon)) != EX_OK)
		return rc;
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		cJSON_AddNumberToObject(j, "member_id", (double)m.id);
		cJSON_AddStringToObject(j, "name", m.name);
		cJSON_AddBoolToObject(j, "was_present", was_present);
		cJSON_AddBoolToObject(j, "daemon", daemon);
		return ctl_json_print(c, j);
	}
	if (was_present)
		printf("%s checked out%s\n", m.name, !daemon ? " (seuild not running: "
		    "recorded in the database)" : "");
	else
		printf("%s was not present\n", m.name);
	return EX_OK;
}


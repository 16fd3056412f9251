/* SPDX-License-Identifier: GPL-3.0-or-later */
/* seuilctl purge: the retention, now */
#include <stdio.h>
#include <sysexits.h>

#include "clock.h"
#include "ctl.h"

int
ctl_purge(struct ctl *c, int argc, char **argv)
{
	char er[32], vr[32], ecut[32], vcut[32];
	struct control_req req;
	struct control_reply rep;
	struct manage_err err;
	int64_t now, ne, nv;
	int rc;

	if ((rc = ctl_args(c, argc, argv, 0, 0)) != EX_OK)
		return rc;
	now = clock_wall_ms();
	/* With seuild: by its retention (its configuration), on its writer. */
	control_req_init(&req, CONTROL_PURGE);
	if ((rc = ctl_change(c, &req, &rep)) == EX_OK) {
		ne = control_reply_int(&rep, "events");
		nv = control_reply_int(&rep, "visits");
		control_reply_free(&rep);
	} else if (rc != CTL_DIRECT) {
		return rc;
	} else if ((rc = ctl_store(c)) != EX_OK) {
		return rc;
	} else if (manage_purge(c->st, c->conf.event_retention_ms, c->conf.visit_retention_ms,
	    now, c->actor, &ne, &nv, &err) == -1) {
		return ctl_manage_error(&err);
	} else if (store_checkpoint(c->st) == -1) {
		/* Deleted rows are zeroed (secure_delete); copy the WAL back
		 * so no old page holds them either.  A busy database only
		 * delays that. */
		return ctl_store_error(c, "purge: checkpoint");
	}
	config_format_duration(c->conf.event_retention_ms, er, sizeof(er));
	config_format_duration(c->conf.visit_retention_ms, vr, sizeof(vr));
	if (c->json) {
		cJSON *j = cJSON_CreateObject();

		render_json_time(j, "purged_at", now);
		cJSON_AddNumberToObject(j, "events_deleted", (double)ne);
		cJSON_AddNumberToObject(j, "visits_deleted", (double)nv);
		cJSON_AddStringToObject(j, "event_retention", er);
		cJSON_AddStringToObject(j, "visit_retention", vr);
		return ctl_json_print(c, j);
	}
	ctl_format_time(now - c->conf.event_retention_ms, ecut, sizeof(ecut));
	ctl_format_time(now - c->conf.visit_retention_ms, vcut, sizeof(vcut));
	printf("purged %lld event%s older than %s (before %s)\n", (long long)ne,
	    ne == 1 ? "" : "s", er, ecut);
	printf("purged %lld visit%s ended more than %s ago (before %s)\n", (long long)nv,
	    nv == 1 ? "" : "s", vr, vcut);
	return EX_OK;
}

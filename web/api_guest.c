/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Guests on the console (docs/design.md, Guests): the desk makes a pass
 * for a sponsor, lends a loaner when the guest arrives and ends a pass; an
 * admin exports and erases.  Reads on seuil-web's read-only connection
 * (core/guest.c's JSON, as seuilctl --json prints it), changes through
 * seuild.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "control.h"
#include "guest.h"
#include "web_api.h"

#define LOCK(q)		pthread_mutex_lock(&(q)->w->lock)
#define UNLOCK(q)	pthread_mutex_unlock(&(q)->w->lock)

void
api_guest_reply(struct req *q, struct reply *r, int64_t id, unsigned status)
{
	struct guest_row g;
	int rc;

	LOCK(q);
	if ((rc = store_guest_get(q->w->st, id, &g)) == 1)
		reply_json(r, status, guest_json(q->w->st, &g));
	else
		reply_error_code(r, rc == 0 ? 404 : 500, rc == 0 ? "not_found" : "database", NULL,
		    "%s", rc == 0 ? "no such guest" : store_errmsg(q->w->st));
	UNLOCK(q);
}

void
api_guests(struct req *q, struct reply *r, char **p)
{
	const char *all = req_arg(q, "all");
	cJSON *j;

	(void)p;
	LOCK(q);
	j = guest_list_json(q->w->st, 0, all == NULL || strcmp(all, "0") == 0);
	if (j == NULL)
		reply_error(r, 500, "database: %s", store_errmsg(q->w->st));
	else
		reply_json(r, 200, j);
	UNLOCK(q);
}

/* {"name","sponsor","until","badge"}: sponsor may be an id or a name. */
void
api_guest_add(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in = api_body(q, r), *j;
	const cJSON *n, *sp, *u, *b;
	char idbuf[32];
	int64_t id;

	(void)p;
	if (in == NULL)
		return;
	n = cJSON_GetObjectItemCaseSensitive(in, "name");
	sp = cJSON_GetObjectItemCaseSensitive(in, "sponsor");
	u = cJSON_GetObjectItemCaseSensitive(in, "until");
	b = cJSON_GetObjectItemCaseSensitive(in, "badge");
	if (!cJSON_IsString(n) || !(cJSON_IsString(sp) || cJSON_IsNumber(sp)) ||
	    (u != NULL && !cJSON_IsString(u)) || (b != NULL && !cJSON_IsString(b))) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"name\":\"…\",\"sponsor\":…} and maybe \"until\" "
		    "(YYYY-MM-DDTHH:MM) and \"badge\" (a loaner's label)");
		return;
	}
	control_req_init(&req, CONTROL_GUEST_ADD);
	req.change.name = n->valuestring;
	if (cJSON_IsNumber(sp)) {
		snprintf(idbuf, sizeof(idbuf), "%.0f", sp->valuedouble);
		req.member_name = idbuf;
	} else
		req.member_name = sp->valuestring;
	req.until = cJSON_IsString(u) ? u->valuestring : NULL;
	req.label = cJSON_IsString(b) ? b->valuestring : NULL;
	j = api_call(q, r, &req, 0);
	cJSON_Delete(in);
	if (j == NULL)
		return;
	id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(j, "id"));
	cJSON_Delete(j);
	api_guest_reply(q, r, id, 201);
}

void
api_guest_lend(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	cJSON *in, *j;
	const cJSON *b;
	int64_t id;

	if ((id = api_path_id(p[0], "guest", r)) == 0 || (in = api_body(q, r)) == NULL)
		return;
	b = cJSON_GetObjectItemCaseSensitive(in, "badge");
	if (!cJSON_IsString(b)) {
		cJSON_Delete(in);
		reply_error(r, 400, "want {\"badge\":\"<a loaner's label>\"}");
		return;
	}
	control_req_init(&req, CONTROL_GUEST_LEND);
	req.guest = id;
	req.label = b->valuestring;
	j = api_call(q, r, &req, 0);
	cJSON_Delete(in);
	if (j == NULL)
		return;
	cJSON_Delete(j);
	api_guest_reply(q, r, id, 200);
}

void
api_guest_end(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	int64_t id;
	cJSON *j;

	if ((id = api_path_id(p[0], "guest", r)) == 0)
		return;
	control_req_init(&req, CONTROL_GUEST_END);
	req.guest = id;
	if ((j = api_call(q, r, &req, 0)) == NULL)
		return;
	cJSON_Delete(j);
	api_guest_reply(q, r, id, 200);
}

void
api_guest_export(struct req *q, struct reply *r, char **p)
{
	struct guest_row g;
	int64_t id;
	int rc;

	if ((id = api_path_id(p[0], "guest", r)) == 0)
		return;
	LOCK(q);
	if ((rc = store_guest_get(q->w->st, id, &g)) != 1)
		reply_error_code(r, rc == 0 ? 404 : 500, rc == 0 ? "not_found" : "database", NULL,
		    "%s", rc == 0 ? "no such guest" : store_errmsg(q->w->st));
	else
		reply_json(r, 200, guest_export_json(q->w->st, &g, clock_wall_ms()));
	UNLOCK(q);
}

/* Final, so the body repeats the guest's name: {"confirm":"Ada"}. */
void
api_guest_erase(struct req *q, struct reply *r, char **p)
{
	struct control_req req;
	struct guest_row g;
	cJSON *in, *j;
	const cJSON *c;
	int64_t id;
	int rc;

	if ((id = api_path_id(p[0], "guest", r)) == 0 || (in = api_body(q, r)) == NULL)
		return;
	c = cJSON_GetObjectItemCaseSensitive(in, "confirm");
	LOCK(q);
	rc = store_guest_get(q->w->st, id, &g);
	UNLOCK(q);
	if (rc != 1 || !cJSON_IsString(c) || strcmp(c->valuestring, g.name) != 0) {
		cJSON_Delete(in);
		if (rc != 1)
			reply_error_code(r, 404, "not_found", NULL, "no such guest");
		else
			reply_error(r, 400, "to erase, send {\"confirm\":\"<the guest's name>\"}");
		return;
	}
	cJSON_Delete(in);
	control_req_init(&req, CONTROL_GUEST_ERASE);
	req.guest = id;
	if ((j = api_call(q, r, &req, 0)) == NULL)
		return;
	cJSON_Delete(j);
	j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", (double)id);
	cJSON_AddBoolToObject(j, "erased", 1);
	reply_json(r, 200, j);
}

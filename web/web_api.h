/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The API calls, one function each, grouped by file.  params holds the
 * '*' segments of the route (web/api.c's table says which).
 */
#ifndef SEUIL_WEB_API_H
#define SEUIL_WEB_API_H

#include "web.h"

#define API_FN(name)	void name(struct req *, struct reply *, char **)

/* api_live.c: every change and the daemon's live state, through seuild */
API_FN(api_status);
API_FN(api_readers);
API_FN(api_checkout);
API_FN(api_door_unlock);
API_FN(api_door_lock);
API_FN(api_enrol);
API_FN(api_badge_add);

/* api_manage.c: members, badges, groups, explain, log, report, import */
API_FN(api_who);
API_FN(api_members);
API_FN(api_member_add);
API_FN(api_member_show);
API_FN(api_member_edit);
API_FN(api_member_disable);
API_FN(api_member_enable);
API_FN(api_member_export);
API_FN(api_member_erase);
API_FN(api_badges);
API_FN(api_badge_revoke);
API_FN(api_groups);
API_FN(api_group_add);
API_FN(api_schedule_set);
API_FN(api_explain);
API_FN(api_log);
API_FN(api_report);
API_FN(api_insight);
API_FN(api_import);

/* api_guest.c: guests, for the desk and the admin */
API_FN(api_guests);
API_FN(api_guest_add);
API_FN(api_guest_lend);
API_FN(api_guest_end);
API_FN(api_guest_export);
API_FN(api_guest_erase);
/* Reply guest id as it is now, with status. */
void	 api_guest_reply(struct req *q, struct reply *r, int64_t id, unsigned status);

/* api_me.c: a member's own page */
API_FN(api_me_profile);
API_FN(api_me_lobby);
API_FN(api_me_password);
API_FN(api_me_visits);
API_FN(api_me_badges);
API_FN(api_me_badge_lost);
API_FN(api_me_export);
API_FN(api_me_guests);
API_FN(api_me_guest_add);
API_FN(api_me_guest_end);
API_FN(api_me_logins);

/* api_problems.c: what is wrong now */
API_FN(api_problems);

/* api_backup.c: backups in [backup] dir */
API_FN(api_backups);
API_FN(api_backup_make);
API_FN(api_backup_get);

/* The request body as a JSON object, or NULL with a 400 in r. */
cJSON	*api_body(struct req *q, struct reply *r);
/* The id of a path segment (a positive decimal), or 0 with a 400 in r
 * asking for "a WHAT id". */
int64_t	 api_path_id(const char *segment, const char *what, struct reply *r);
/* Ask seuild for req on behalf of q's console user: its reply without
 * "ok" (the caller deletes it), or NULL with r filled from the reply's
 * code (503 seuild_down when it does not run). */
struct control_req;
cJSON	*api_call(struct req *q, struct reply *r, struct control_req *req, int timeout_ms);

#endif

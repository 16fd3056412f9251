/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * JSON of the store's rows, as `seuilctl --json` prints them and seuil-web
 * serves them (one payload for both: docs/design.md, Console API).  Times
 * are UTC ISO 8601 ("2026-11-26T08:14:03Z"); what is not set is null, never
 * "" or 0.  Every function returns a new cJSON the caller deletes, or NULL
 * when memory or the store failed (the store's message is then in
 * store_errmsg).
 */
#ifndef SEUIL_RENDER_JSON_H
#define SEUIL_RENDER_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config.h"
#include "store.h"

/* Add key: v, or null for NULL or "". */
void render_json_text(cJSON *j, const char *key, const char *v);
/* Add key: the UTC time of ms, or null for 0. */
void render_json_time(cJSON *j, const char *key, int64_t ms);
/* Add key: the text of fmt, cut at 511 bytes. */
void render_json_vaddf(cJSON *j, const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The unformatted text of j (the caller frees it), or NULL when j is NULL
 * or memory ran out.  j is deleted in both cases. */
char *render_json_print(cJSON *j);
/* A JSON number read as a whole number: v's value into *out, 0; or -1
 * when v is not a number, not whole (1.5), or outside min..max (1e300,
 * -1e300, an overflow to infinity).  The range is checked before any
 * conversion: a double outside int64_t does not convert (undefined).
 * Whatever min and max say, a number of more than 15 digits is refused:
 * cJSON prints a number with 15 significant digits when that reads back
 * within its tolerance, so a larger one would not come back the same
 * from a message seuil writes (a journal row, a site message). */
#define RENDER_JSON_INT_MAX	INT64_C(999999999999999)
int render_json_int(const cJSON *v, int64_t min, int64_t max, int64_t *out);

/* A member with the names of its groups. */
cJSON *render_member(struct store *st, const struct member_row *m);
/* A badge; m is its member (its name is shown), or NULL. */
cJSON *render_badge(const struct badge_row *b, const struct member_row *m);
/* A group with its schedule text (null: always). */
cJSON *render_group(const struct access_group *g);
/* An event; member is its member's name or NULL.  The actor is shown:
 * this is the manager's view, never the published one. */
cJSON *render_event(const struct event_row *e, const char *member);
/*
 * An event as the manager reads it: render_event with its member's name,
 * looked up on st (the last one cached in *names), "#ID" for a member no
 * longer there, and "member_erased" (an erased member keeps only
 * "erased-ID", so an erasure never brings a name back).  seuilctl log and
 * the console's log give the same names this way.  NULL when the store
 * fails.
 */
struct event_names {
	struct store		*st;
	struct member_row	 m;
};
cJSON *render_event_named(struct event_names *names, const struct event_row *e);

/* Lists: every member; the badges of a member (0: all); every group. */
cJSON *render_members(struct store *st);
/* The members whose name or display name holds q, folded (fold.h; NULL
 * or "": all), at most limit of them (0: no limit); brief: each with id,
 * name and display_name only (the desk role's pickers). */
cJSON *render_members_find(struct store *st, const char *q, bool brief, int limit);
cJSON *render_badges(struct store *st, int64_t member_id);
cJSON *render_groups(struct store *st);
/* `member show`: render_member with "badges", "present" ({since, door}
 * or null), and "last_entry" and "last_refusal" ({ts, door, reader,
 * reason} of the member's newest access_granted and access_denied, or
 * null: within the event retention). */
cJSON *render_member_show(struct store *st, const struct member_row *m);
/* Who is here: {"count":N,"people":[{member_id,name,display_name,public,
 * since,last_seen,door}]}. */
cJSON *render_who(struct store *st);
/* Everything held about a member (the right of access), now_ms the time
 * of the export. */
cJSON *render_member_export(struct store *st, const struct config *conf,
    const struct member_row *m, int64_t now_ms);

/* The last backup as the store's meta keys have it: {"ts","ok","result",
 * "file"}, a null JSON value when none was taken, NULL when the store
 * fails. */
cJSON *render_backup_last(struct store *st);

#endif

/*
 * JSON of the store's rows, as `seuilctl --json` prints them and seuil-web
 * serves them (DESIGN §10: one payload for both).  Times are UTC ISO 8601
 * ("2026-11-26T08:14:03Z"); what is not set is null, never "" or 0.  Every
 * function returns a new cJSON the caller deletes, or NULL when memory or
 * the store failed (the store's message is then in store_errmsg).
 */
#ifndef SEUIL_RENDER_JSON_H
#define SEUIL_RENDER_JSON_H

#include <stdarg.h>
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
/*
 * The other way: the integer of a JSON number someone sent (a request, a
 * command), if it is a whole number in [lo, hi].  A cast of its double
 * would be undefined behaviour out of the integer's range (1e300, -1e19),
 * so every such number is read through this.  0 with *out set, or -1
 * (*out unchanged); v may be NULL.
 */
int render_json_int(const cJSON *v, int64_t lo, int64_t hi, int64_t *out);

/* A member with the names of its groups. */
cJSON *render_member(struct store *st, const struct member_row *m);
/* A badge; m is its member (its name is shown), or NULL. */
cJSON *render_badge(const struct badge_row *b, const struct member_row *m);
/* A group with its schedule text (null: always). */
cJSON *render_group(const struct access_group *g);
/* An event; member is its member's name or NULL.  The actor is shown:
 * this is the manager's view, never the published one. */
cJSON *render_event(const struct event_row *e, const char *member);

/* Lists: every member; the badges of a member (0: all); every group. */
cJSON *render_members(struct store *st);
cJSON *render_badges(struct store *st, int64_t member_id);
cJSON *render_groups(struct store *st);
/* `member show`: render_member with "badges" and "present". */
cJSON *render_member_show(struct store *st, const struct member_row *m);
/* Who is here: {"count":N,"people":[{member_id,name,display_name,public,
 * since,last_seen,door}]}. */
cJSON *render_who(struct store *st);
/* Everything held about a member (the right of access), now_ms the time
 * of the export. */
cJSON *render_member_export(struct store *st, const struct config *conf,
    const struct member_row *m, int64_t now_ms);

#endif

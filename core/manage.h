/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The manager's operations, shared by seuilctl and seuil-web (docs/architecture.md):
 * members, badges, groups and schedules, retention, and the audit trail
 * that every change leaves.  Arguments in, rows or an error out: nothing
 * here prints, and nothing knows about exit codes or HTTP statuses (each
 * program maps enum manage_status to its own).
 *
 * Every change is one transaction that also appends an `admin_change`
 * event: actor says who (manage_actor_os for a shell user; seuil-web
 * passes its console user), detail says what ("member add 12").  Details
 * name members and badges by id, never by name or UID: the event outlives
 * an erasure, the name must not.
 *
 * Errors: functions return 0 (or an id) on success and -1 on failure with
 * *err filled: a status and a one-line message for the manager.
 */
#ifndef SEUIL_MANAGE_H
#define SEUIL_MANAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "access.h"
#include "config.h"
#include "store.h"
#include "uid.h"

enum manage_status {
	MANAGE_OK = 0,
	MANAGE_EINVAL,		/* a bad value: name, date, schedule, erased member */
	MANAGE_ENOENT,		/* no such member, badge or group */
	MANAGE_EEXIST,		/* the name, group or badge exists already */
	MANAGE_EDB,		/* the database failed */
	MANAGE_EREPLICA,	/* a site's replica: changed on the primary only */
};

struct manage_err {
	enum manage_status	status;
	char			msg[320];
};

/* Fill *err and return -1; manage_store_fail takes the kind and message of
 * the store's last error, prefixed with what was tried. */
int manage_fail(struct manage_err *err, enum manage_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int manage_store_fail(struct store *st, struct manage_err *err, const char *what);

/* The actor of the OS user running this process: "uid:<n>(<name>)", or
 * "uid:<n>" without a passwd entry.  By the real uid: SUDO_USER and the
 * like are set by the caller and prove nothing. */
#define MANAGE_ACTOR_MAX	96
void manage_actor_os(char actor[MANAGE_ACTOR_MAX]);

/* Append an admin_change event (actor, detail, member_id 0 for none) in
 * the caller's transaction.  0 or -1 (a store error). */
int manage_audit(struct store *st, const char *actor, int64_t member_id,
    int64_t badge_id, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Text checks.  valid_text: printable UTF-8 shorter than max (it reaches
 * JSON, MQTT and terminals), with no character that hides text (the
 * bidirectional controls U+202A-202E and U+2066-2069, the zero-width space
 * U+200B and U+FEFF anywhere; the zero-width joiner and non-joiner at the
 * start or the end).  valid_name: also no leading '-' or blank, no
 * trailing blank, not all digits (an id).  valid_group_name: also only
 * [A-Za-z0-9_.-].  looks_like_uid: 8+ hex digits and separators, an
 * argument never echoed. */
bool manage_valid_text(const char *s, size_t max);
/* Whether a JSON text holds a NUL, raw or escaped (\u0000), which would cut
 * a decoded string short: such a text is refused whole. */
bool manage_json_has_nul(const char *text, size_t len);
bool manage_valid_name(const char *s, size_t max);
bool manage_valid_group_name(const char *s);
bool manage_all_digits(const char *s);
bool manage_looks_like_uid(const char *s);

/* A member by id or exact name.  0, or -1 (MANAGE_ENOENT, MANAGE_EDB). */
int manage_member_find(struct store *st, const char *id_or_name, struct member_row *m,
    struct manage_err *err);

/*
 * What `member add` and `member edit` set; NULL (or public -1) means "not
 * given".  "" or "none" clears display, email, from and until.  groups
 * replace the member's groups when set_groups (edit) and are added to a
 * new member (add).
 */
struct member_change {
	const char	*name;
	const char	*display;
	const char	*email;
	const char	*from;		/* YYYY-MM-DD */
	const char	*until;
	const char	*groups[ACCESS_MAX_GROUPS];
	int		 ngroups;
	bool		 set_groups;
	int		 public;	/* -1 unchanged, 0 anonymous, 1 public */
};

/* Check every value ch sets and set it on *m (nothing is written): what
 * an add or an edit would refuse, it refuses with the same message. */
int manage_member_apply(const struct member_change *ch, struct member_row *m,
    struct manage_err *err);
/* Add a member (ch->name required).  The new id, or -1. */
int64_t manage_member_add(struct store *st, const struct member_change *ch,
    const char *actor, struct manage_err *err);
/* Change member M; *out is the row as written.  0 or -1. */
int manage_member_edit(struct store *st, const char *m, const struct member_change *ch,
    const char *actor, struct member_row *out, struct manage_err *err);
/* Enable or disable member M (an erased member cannot be enabled). */
int manage_member_set_active(struct store *st, const char *m, bool active,
    const char *actor, struct member_row *out, struct manage_err *err);
/* The right to erasure for member id (store_member_erase, then the audit
 * event); the caller checks the member out first (live presence is the
 * daemon's) and checkpoints after.  0 or -1. */
int manage_member_erase(struct store *st, int64_t member_id, const char *actor,
    struct manage_err *err);

/* Enrol a badge for member M by its MAC (the caller turned the UID into it
 * and wiped it).  The new badge in *b, its member in *m.  Badge id or -1. */
int64_t manage_badge_add(struct store *st, const char *m, const uint8_t mac[UID_MAC_LEN],
    const char *hint, const char *label, const char *actor, struct badge_row *b,
    struct member_row *mout, struct manage_err *err);
/* Revoke badge id.  *b and *m (may be zeroed if gone) as after.  0 or -1. */
int manage_badge_revoke(struct store *st, int64_t badge_id, const char *actor,
    struct badge_row *b, struct member_row *m, struct manage_err *err);

/* Add group G.  Its id, or -1. */
int64_t manage_group_add(struct store *st, const char *name, const char *actor,
    struct manage_err *err);
/* Replace group G's schedule with text ("always" removes it).  *g as after. */
int manage_schedule_set(struct store *st, const char *group, const char *text,
    const char *actor, struct access_group *g, struct manage_err *err);

/* Change group G: offline_ok 1 or 0 (-1: unchanged), whether its members
 * may still enter through a site's replica whose copy expired
 * (docs/site.md).  *g as after.  0 or -1. */
int manage_group_edit(struct store *st, const char *group, int offline_ok, const char *actor,
    struct access_group *g, struct manage_err *err);

/* Apply the retention now (events and visits older than these go); counts
 * in *events and *visits. */
int manage_purge(struct store *st, int64_t event_retention_ms, int64_t visit_retention_ms,
    int64_t now_ms, const char *actor, int64_t *events, int64_t *visits,
    struct manage_err *err);

#endif

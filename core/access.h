/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Access policy: pure functions, no I/O, no clock of their own.  Everything
 * a decision depends on is in struct access_input, so the whole policy is
 * tested with tables of cases and an injected time.
 *
 * The rule that matters most: anything unknown, malformed or in doubt is a
 * denial.  A decision is a grant only when every check below passes.
 */
#ifndef SEUIL_ACCESS_H
#define SEUIL_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "tz.h"

/* Denial reasons, in the order they are checked.  Their names are a
 * contract (docs/design.md, Events): auditors query them. */
enum access_reason {
	ACCESS_GRANTED = 0,
	ACCESS_LOCKED_OUT,		/* "locked_out" */
	ACCESS_CREDENTIAL_INVALID,	/* "credential_invalid" */
	ACCESS_CREDENTIAL_REQUIRED,	/* "credential_required" */
	ACCESS_UNKNOWN_BADGE,		/* "unknown_badge" */
	ACCESS_BADGE_REVOKED,		/* "badge_revoked" */
	ACCESS_NOT_LENT,		/* "not_lent": a loaner in the pool */
	ACCESS_MEMBER_DISABLED,		/* "member_disabled" (a guest's sponsor) */
	ACCESS_NOT_YET_VALID,		/* "not_yet_valid" */
	ACCESS_EXPIRED,			/* "expired" */
	ACCESS_CLOCK_UNSYNCED,		/* "clock_unsynced" */
	ACCESS_ACL_EXPIRED,		/* "acl_expired" */
	ACCESS_OUTSIDE_SCHEDULE,	/* "outside_schedule" */
	/* Not a check: the daemon's, when the store could not be had in
	 * time to decide and log (access_decide never returns it). */
	ACCESS_STORE_UNAVAILABLE,	/* "store_unavailable" */
};

/* "granted" for ACCESS_GRANTED, else the contract name above. */
const char *access_reason_name(enum access_reason r);

#define ACCESS_MAX_WINDOWS	16
#define ACCESS_MAX_GROUPS	16

/* One line of a schedule: on the days in days_mask (bit 0 = Monday), from
 * start (inclusive) to end (exclusive), minutes since local midnight.
 * end <= start means the window runs past midnight into the next day. */
struct schedule_window {
	uint8_t		days_mask;
	uint16_t	start_min;
	uint16_t	end_min;
};

struct access_group {
	int64_t		id;
	char		name[64];
	int		nwindows;	/* 0: no schedule, always allowed */
	struct schedule_window windows[ACCESS_MAX_WINDOWS];
	bool		offline_ok;	/* admits when a replica's copy expired */
};

/* A member with no group at all is not restricted by schedules; nor is a
 * member with at least one schedule-free group (groups add up). */
struct access_groups {
	int		ngroups;
	struct access_group groups[ACCESS_MAX_GROUPS];
};

/*
 * What the card showed the reader (firmware-glue/desfire.h has how it is
 * read): its UID alone (it carries no application of ours, or speaks no
 * DESFire, or the reader reads no credentials), a credential that our
 * application proved with the card's own key, or our application failing
 * to prove one.
 */
enum access_card {
	ACCESS_CARD_UID = 0,
	ACCESS_CARD_CREDENTIAL,
	ACCESS_CARD_INVALID,
};

struct access_input {
	bool		reader_locked_out;
	enum reader_credential reader_credential;	/* what the reader takes */
	enum access_card card;
	bool		badge_found;
	bool		badge_active;
	bool		member_active;
	char		valid_from[11];		/* "" = no lower bound */
	char		valid_until[11];	/* "" = no upper bound; inclusive */
	/* A guest's tap: a loaner badge, lent (to an open pass) or not, and
	 * the pass's end to the millisecond; member_active, the dates and the
	 * groups are then the sponsor's (a guest has what the sponsor has). */
	bool		loaner;
	bool		lent;
	int64_t		until_ms;		/* 0: no end to the millisecond */
	int64_t		now_ms;			/* wall, UTC; for until_ms */
	const struct access_groups *groups;	/* NULL: no groups */
	struct local_time now;
	bool		clock_synced;
	enum unsynced_policy unsynced;
	/* A site's replica whose copy of the members is older than
	 * [replica] max_age (docs/site.md), and what it then admits. */
	bool		copy_expired;
	enum when_expired when_expired;
};

/*
 * The decision for one tap: ACCESS_GRANTED or the first failing check, in
 * enum order (a credential that matches no badge is
 * ACCESS_CREDENTIAL_INVALID rather than ACCESS_UNKNOWN_BADGE).  Validity
 * dates are whole local days, inclusive at both ends; a guest's pass ends
 * at until_ms exactly (expired from then on).
 * When !clock_synced (see the comment in access.c):
 *   UNSYNCED_IGNORE       dates and schedules as if the clock were right;
 *   UNSYNCED_MEMBERS_ONLY grant only a member with no validity dates and no
 *                         groups or a schedule-free group, else
 *                         ACCESS_CLOCK_UNSYNCED;
 *   UNSYNCED_DENY         ACCESS_CLOCK_UNSYNCED for every badge that passed
 *                         the lockout, badge, member and date checks.
 * When copy_expired (a replica that has verified nothing from its primary
 * for max_age):
 *   EXPIRED_KEEP          as if the copy were current;
 *   EXPIRED_OFFLINE_GROUPS only the member's groups with offline_ok count
 *                         (their schedules apply); none: ACCESS_ACL_EXPIRED;
 *   EXPIRED_DENY          ACCESS_ACL_EXPIRED for every badge that passed the
 *                         checks before.
 */
enum access_reason access_decide(const struct access_input *in);

/* Whether a window or a group's schedule includes the local time.  The part
 * of a window after midnight belongs to the day it started on (Fri 22:00-
 * 02:00 includes Sat 01:00).  The wall clock decides, except in the second
 * pass of an hour repeated when clocks go back (t->repeat_end_min), where a
 * window that ended in the first pass stays ended.  Out-of-range fields
 * include nothing. */
bool access_window_contains(const struct schedule_window *w, const struct local_time *t);
bool access_group_allows(const struct access_group *g, const struct local_time *t);

/*
 * Schedules as people write them: "Mon-Fri 08:00-19:00, Sat 10:00-14:00".
 * Days: Mon Tue Wed Thu Fri Sat Sun, ranges (Mon-Fri, Fri-Mon wraps) and
 * lists (Mon,Wed); "daily" for every day; times as tz_parse_hhmm reads them,
 * "24:00" allowed as an end.  A window that starts and ends at the same
 * time is refused (empty, or 24 hours? say "00:00-24:00" for a whole day).
 * An item may have several ranges: "Mon-Fri 08:00-12:00 14:00-18:00".
 * Returns the number of windows (>= 1) written to out, or -1 with a message
 * naming the bad part in err ("bad time '25:00'", "unknown day 'Mo'").
 */
int access_schedule_parse(const char *text, struct schedule_window *out, int max,
    char *err, size_t errlen);
/* The canonical text of windows as parse makes them, as `group list` prints
 * it; parses back to the same windows.  "" for n == 0.  Fits in
 * ACCESS_SCHEDULE_TEXT_MAX for up to ACCESS_MAX_WINDOWS windows. */
#define ACCESS_SCHEDULE_TEXT_MAX	512
void access_schedule_format(const struct schedule_window *w, int n, char *buf, size_t len);

/*
 * Per-reader lockout after repeated failures ([security]): lockout_failures
 * denials within lockout_window lock the reader for lockout_time, doubling
 * each time it locks again (up to 15 minutes) and back to the base time once
 * a lockout has passed with no new failure for a whole lockout_window.
 * Failures while locked are ignored (they neither extend the lock nor count
 * towards the next one).  A threshold above LOCKOUT_MAX_FAILURES counts as
 * LOCKOUT_MAX_FAILURES; a lockout_time above LOCKOUT_MAX_MS as LOCKOUT_MAX_MS.  Times are monotonic milliseconds; the struct is
 * plain data owned by the caller (one per reader).
 */
#define LOCKOUT_MAX_FAILURES	32
#define LOCKOUT_MAX_MS		(15 * 60 * 1000)

struct lockout {
	int64_t		failures[LOCKOUT_MAX_FAILURES];	/* ring of failure times */
	int		nfailures;
	int		head;
	int64_t		locked_until;	/* 0: not locked */
	int64_t		current_ms;	/* length of the next lockout */
	int64_t		last_lock_end;
};

void lockout_init(struct lockout *l);
bool lockout_active(const struct lockout *l, int64_t now_mono_ms);
/* Record a failed tap; returns true when this failure starts a lockout
 * (the caller logs a `lockout` event). */
bool lockout_record_failure(struct lockout *l, const struct config *conf, int64_t now_mono_ms);

#endif

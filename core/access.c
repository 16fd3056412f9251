/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The access policy, schedule text and per-reader lockout.  Pure: no I/O, no
 * clock, no allocation.  Read access_decide first.
 */
#include "access.h"
#include "tz.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define DAY_ALL		0x7f
#define MIN_PER_DAY	1440

static const char *const day_names[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

const char *
access_reason_name(enum access_reason r)
{
	switch (r) {
	case ACCESS_GRANTED:		return "granted";
	case ACCESS_LOCKED_OUT:		return "locked_out";
	case ACCESS_CREDENTIAL_INVALID:	return "credential_invalid";
	case ACCESS_CREDENTIAL_REQUIRED: return "credential_required";
	case ACCESS_UNKNOWN_BADGE:	return "unknown_badge";
	case ACCESS_BADGE_REVOKED:	return "badge_revoked";
	case ACCESS_NOT_LENT:		return "not_lent";
	case ACCESS_MEMBER_DISABLED:	return "member_disabled";
	case ACCESS_NOT_YET_VALID:	return "not_yet_valid";
	case ACCESS_EXPIRED:		return "expired";
	case ACCESS_CLOCK_UNSYNCED:	return "clock_unsynced";
	case ACCESS_ACL_EXPIRED:	return "acl_expired";
	case ACCESS_OUTSIDE_SCHEDULE:	return "outside_schedule";
	case ACCESS_STORE_UNAVAILABLE:	return "store_unavailable";
	}
	return "unknown";
}

/* "YYYY-MM-DD" in shape only: enough for the string comparison below to be
 * a date comparison.  tz_parse_date checks the calendar. */
static bool
date_wellformed(const char *s)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	return s[10] == '\0';
}

/* In the second pass of a repeated hour, whether the window's end (today's
 * wall minute) already came in the first pass. */
static bool
ended_earlier(const struct schedule_window *w, const struct local_time *t)
{
	return t->repeat_end_min > 0 && w->end_min < t->repeat_end_min;
}

bool
access_window_contains(const struct schedule_window *w, const struct local_time *t)
{
	int yesterday;

	if (t->weekday < 0 || t->weekday > 6 || t->minute < 0 ||
	    t->minute >= MIN_PER_DAY || w->start_min >= MIN_PER_DAY ||
	    w->end_min > MIN_PER_DAY)
		return false;
	/* A window that starts when it ends is empty here, as the parser
	 * says: read as past midnight it would be 24 hours, and the store's
	 * rows may come from a file the parser never saw (a restore). */
	if (w->start_min == w->end_min)
		return false;
	/* Clocks gone back (docs/seuilctl.1.scd, schedule set): an end
	 * before the wall time where the repetition ends was already reached
	 * in the first pass; the repeated hour must not open the window
	 * again.  (An end in the evening part of a window past midnight is
	 * tomorrow's, and not concerned.) */
	if (w->start_min < w->end_min)
		return (w->days_mask & (1 << t->weekday)) &&
		    t->minute >= w->start_min && t->minute < w->end_min &&
		    !ended_earlier(w, t);

	/* Past midnight: the early hours belong to the day the window began. */
	yesterday = (t->weekday + 6) % 7;
	if ((w->days_mask & (1 << t->weekday)) && t->minute >= w->start_min)
		return true;
	return (w->days_mask & (1 << yesterday)) && t->minute < w->end_min &&
	    !ended_earlier(w, t);
}

bool
access_group_allows(const struct access_group *g, const struct local_time *t)
{
	int i;

	if (g->nwindows == 0)
		return true;
	if (g->nwindows < 0 || g->nwindows > ACCESS_MAX_WINDOWS)
		return false;
	for (i = 0; i < g->nwindows; i++)
		if (access_window_contains(&g->windows[i], t))
			return true;
	return false;
}

/* Whether the member's access never depends on the time of day. */
static bool
schedule_free(const struct access_groups *gs)
{
	int i;

	if (gs == NULL || gs->ngroups == 0)
		return true;
	if (gs->ngroups < 0 || gs->ngroups > ACCESS_MAX_GROUPS)
		return false;
	for (i = 0; i < gs->ngroups; i++)
		if (gs->groups[i].nwindows == 0)
			return true;
	return false;
}

static bool
schedule_allows(const struct access_groups *gs, const struct local_time *t)
{
	int i;

	if (schedule_free(gs))
		return true;
	if (gs->ngroups < 0 || gs->ngroups > ACCESS_MAX_GROUPS)
		return false;
	for (i = 0; i < gs->ngroups; i++)
		if (access_group_allows(&gs->groups[i], t))
			return true;
	return false;
}

/*
 * Why this order (that of enum access_reason, which the event log shows):
 * the checks go from facts about the tap itself to those that need a
 * trusted clock, so that the reason logged is the most fundamental one.  A locked-out reader says nothing about the badge (an
 * attacker must not learn which UIDs exist).  Then what the card is: a card
 * that carries our application and does not prove its credential is
 * refused whatever its UID (its UID may be a clone's, and a hostile card
 * can always pretend to have no application, which is why a UID never
 * matches a DESFire badge); a reader that takes credentials only refuses a
 * bare UID; a proven credential that no badge holds is refused the same
 * way as one that failed (the card is ours in form, not in fact).  A
 * revoked badge is reported as
 * revoked even if its member is also disabled, because the badge is what
 * was presented; dates come before schedules because an expired member is
 * expired at any hour.
 *
 * A guest comes through the same checks: a loaner badge that is lent, the
 * sponsor's status, dates and schedules (a guest never has more than the
 * member who vouched), then the pass's end, which is dated: with an
 * unsynced clock, members_only refuses every guest.
 *
 * Fail closed: every path that is not a full pass returns a denial.  Bad
 * input denies too: a malformed validity date, a weekday or minute out of
 * range, a group count out of range.  When the clock is not NTP-synced the
 * wall time may be years off (an RTC-less Pi boots with an old date), so
 * neither the date nor the time of day can be trusted:
 *   ignore        evaluate dates and schedules as if the clock were right;
 *   members_only  grant only members whose access depends on neither: no
 *                 validity dates, and no groups or a schedule-free group;
 *                 every other badge is denied with clock_unsynced;
 *   deny          deny every badge that passed the badge and member checks
 *                 with clock_unsynced, schedule or not.
 * The date checks still run first when unsynced, so a badge the wrong clock
 * already calls expired is logged as expired.
 *
 * A replica's copy of the members may be too old to trust (docs/site.md):
 * a revocation made since cannot have reached it.  It then admits, by
 * when_expired, only the members of groups someone marked offline_ok
 * (keyholders), whose schedules still apply, or everyone, or no one.  The
 * check comes last but the schedule's: what the copy says of the badge and
 * the member is the best there is, and a denial for it says so.
 */
enum access_reason
access_decide(const struct access_input *in)
{
	const struct local_time *now = &in->now;
	bool dated = in->valid_from[0] != '\0' || in->valid_until[0] != '\0' ||
	    in->until_ms != 0;

	if (in->reader_locked_out)
		return ACCESS_LOCKED_OUT;
	if (in->card != ACCESS_CARD_UID && in->card != ACCESS_CARD_CREDENTIAL)
		return ACCESS_CREDENTIAL_INVALID;	/* or out of range */
	if (in->card == ACCESS_CARD_UID && in->reader_credential != CREDENTIAL_UID &&
	    in->reader_credential != CREDENTIAL_BOTH)
		return ACCESS_CREDENTIAL_REQUIRED;	/* or out of range */
	if (!in->badge_found)
		return in->card == ACCESS_CARD_CREDENTIAL ? ACCESS_CREDENTIAL_INVALID :
		    ACCESS_UNKNOWN_BADGE;
	if (!in->badge_active)
		return ACCESS_BADGE_REVOKED;
	if (in->loaner && !in->lent)
		return ACCESS_NOT_LENT;
	if (!in->member_active)
		return ACCESS_MEMBER_DISABLED;

	/* Whole local days: "YYYY-MM-DD" strings compare like the dates. */
	if (in->valid_from[0] != '\0' && (!date_wellformed(in->valid_from) ||
	    !date_wellformed(now->date) || strcmp(now->date, in->valid_from) < 0))
		return ACCESS_NOT_YET_VALID;
	if (in->valid_until[0] != '\0' && (!date_wellformed(in->valid_until) ||
	    !date_wellformed(now->date) || strcmp(now->date, in->valid_until) > 0))
		return ACCESS_EXPIRED;
	/* A guest's pass: not a second after its end. */
	if (in->until_ms != 0 && in->now_ms >= in->until_ms)
		return ACCESS_EXPIRED;

	if (!in->clock_synced) {
		switch (in->unsynced) {
		case UNSYNCED_IGNORE:
			break;
		case UNSYNCED_MEMBERS_ONLY:
			if (!dated && schedule_free(in->groups))
				return ACCESS_GRANTED;
			return ACCESS_CLOCK_UNSYNCED;
		case UNSYNCED_DENY:
		default:
			return ACCESS_CLOCK_UNSYNCED;
		}
	}

	if (in->copy_expired && in->when_expired != EXPIRED_KEEP) {
		struct access_groups offline;
		int i;

		if (in->when_expired != EXPIRED_OFFLINE_GROUPS || in->groups == NULL ||
		    in->groups->ngroups < 0 || in->groups->ngroups > ACCESS_MAX_GROUPS)
			return ACCESS_ACL_EXPIRED;
		offline.ngroups = 0;
		for (i = 0; i < in->groups->ngroups; i++)
			if (in->groups->groups[i].offline_ok)
				offline.groups[offline.ngroups++] = in->groups->groups[i];
		if (offline.ngroups == 0)
			return ACCESS_ACL_EXPIRED;
		return schedule_allows(&offline, now) ? ACCESS_GRANTED : ACCESS_OUTSIDE_SCHEDULE;
	}
	if (!schedule_allows(in->groups, now))
		return ACCESS_OUTSIDE_SCHEDULE;
	return ACCESS_GRANTED;
}

/*
 * Schedule text.  Items are separated by commas; an item is a day spec and
 * one or more time ranges separated by blanks.  A comma inside the day spec
 * ("Mon,Wed 08:00-10:00") leaves an item with days and no range: its days
 * carry over to the next item.
 */

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Copy the blank-delimited token at *p into tok and advance *p past it. */
static void
next_token(const char **p, const char *end, char *tok, size_t toklen)
{
	const char *s = *p;
	size_t n = 0;

	while (s < end && !isblank((unsigned char)*s)) {
		if (n + 1 < toklen)
			tok[n++] = *s;
		s++;
	}
	tok[n] = '\0';
	while (s < end && isblank((unsigned char)*s))
		s++;
	*p = s;
}

static int
parse_day(const char *s, size_t len)
{
	int i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, day_names[i], 3) == 0)
			return i;
	return -1;
}

/* "Mon", "Fri-Mon" (wraps) or "daily" into a mask; 0 on error. */
static int
parse_days(const char *tok, char *err, size_t errlen)
{
	const char *dash = strchr(tok, '-');
	size_t alen = dash != NULL ? (size_t)(dash - tok) : strlen(tok);
	int a, b, mask = 0;

	if (strcasecmp(tok, "daily") == 0)
		return DAY_ALL;
	if (isdigit((unsigned char)tok[0])) {
		seterr(err, errlen, "missing days before '%s'", tok);
		return 0;
	}
	if ((a = parse_day(tok, alen)) == -1) {
		seterr(err, errlen, "unknown day '%.*s'", (int)alen, tok);
		return 0;
	}
	if (dash == NULL)
		return 1 << a;
	if ((b = parse_day(dash + 1, strlen(dash + 1))) == -1) {
		seterr(err, errlen, "unknown day '%s'", dash + 1);
		return 0;
	}
	for (;;) {
		mask |= 1 << a;
		if (a == b)
			return mask;
		a = (a + 1) % 7;
	}
}

static int
parse_hhmm(const char *s, size_t len, bool allow_24, char *err, size_t errlen)
{
	int v = tz_parse_hhmm(s, len, allow_24);

	if (v == -1)
		seterr(err, errlen, "bad time '%.*s'", (int)len, s);
	return v;
}

static int
parse_range(const char *tok, struct schedule_window *w, char *err, size_t errlen)
{
	const char *dash = strchr(tok, '-');
	int start, end;

	if (dash == NULL) {
		seterr(err, errlen, "bad time range '%s' (expected HH:MM-HH:MM)", tok);
		return -1;
	}
	if ((start = parse_hhmm(tok, (size_t)(dash - tok), false, err, errlen)) == -1 ||
	    (end = parse_hhmm(dash + 1, strlen(dash + 1), true, err, errlen)) == -1)
		return -1;
	/* An end before the start runs past midnight, so start == end would
	 * read as 24 hours where the writer most likely meant nothing. */
	if (start == end) {
		seterr(err, errlen, "empty time range '%s' (it starts when it ends; "
		    "a whole day is 00:00-24:00)", tok);
		return -1;
	}
	w->start_min = start;
	w->end_min = end;
	return 0;
}

int
access_schedule_parse(const char *text, struct schedule_window *out, int max,
    char *err, size_t errlen)
{
	const char *p = text, *end;
	char tok[32], days[32];
	int n = 0, mask, carried = 0;

	for (;;) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		while (p < end && isblank((unsigned char)*p))
			p++;
		if (p == end) {
			if (text[strspn(text, " \t")] == '\0')
				seterr(err, errlen, "empty schedule");
			else
				seterr(err, errlen, "empty item in '%s'", text);
			return -1;
		}
		next_token(&p, end, days, sizeof(days));
		if ((mask = parse_days(days, err, errlen)) == 0)
			return -1;
		carried |= mask;
		if (p < end) {
			while (p < end) {
				if (n == max) {
					seterr(err, errlen, "too many windows (max %d)", max);
					return -1;
				}
				next_token(&p, end, tok, sizeof(tok));
				if (parse_range(tok, &out[n], err, errlen) == -1)
					return -1;
				out[n++].days_mask = carried;
			}
			carried = 0;
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (carried != 0) {
		seterr(err, errlen, "missing time range after '%s'", days);
		return -1;
	}
	return n;
}

/* Append to buf, keeping it NUL-terminated when it is too short. */
static void
append(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (r > 0)
		*off += (size_t)r;
}

/* Days as runs: "Mon", "Mon,Tue", "Mon-Fri", "Fri-Mon", "daily".  A run may
 * wrap past Sunday, so start at a day whose previous day is not in it. */
static void
format_days(int mask, char *buf, size_t len, size_t *off)
{
	int first, i, d, run;
	const char *sep = "";

	mask &= DAY_ALL;
	if (mask == DAY_ALL) {
		append(buf, len, off, "daily");
		return;
	}
	for (first = 0; first < 7; first++)
		if ((mask & (1 << first)) && !(mask & (1 << (first + 6) % 7)))
			break;
	for (i = 0; i < 7; i += run) {
		d = (first + i) % 7;
		for (run = 0; run < 7 - i && (mask & (1 << (d + run) % 7)); run++)
			;
		if (run == 0) {
			run = 1;
			continue;
		}
		if (run == 1)
			append(buf, len, off, "%s%s", sep, day_names[d]);
		else
			append(buf, len, off, "%s%s%s%s", sep, day_names[d],
			    run == 2 ? "," : "-", day_names[(d + run - 1) % 7]);
		sep = ",";
	}
}

void
access_schedule_format(const struct schedule_window *w, int n, char *buf, size_t len)
{
	size_t off = 0;
	int i;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		append(buf, len, &off, "%s", i > 0 ? ", " : "");
		format_days(w[i].days_mask, buf, len, &off);
		append(buf, len, &off, " %02d:%02d-%02d:%02d",
		    w[i].start_min / 60, w[i].start_min % 60,
		    w[i].end_min / 60, w[i].end_min % 60);
	}
}

/*
 * Lockout.  The ring holds the failures since the last lockout; a lockout
 * clears it, so locking again needs a fresh run of failures.  Failures
 * while locked are not recorded: they would let an attacker keep a reader
 * locked (a denial of service on the members) at no cost.
 */

void
lockout_init(struct lockout *l)
{
	memset(l, 0, sizeof(*l));
}

bool
lockout_active(const struct lockout *l, int64_t now_mono_ms)
{
	return l->locked_until != 0 && now_mono_ms < l->locked_until;
}

bool
lockout_record_failure(struct lockout *l, const struct config *conf, int64_t now_mono_ms)
{
	int64_t base, quiet_since, len;
	int threshold = conf->lockout_failures, i, recent = 0;

	if (threshold <= 0 || lockout_active(l, now_mono_ms))
		return false;
	if (threshold > LOCKOUT_MAX_FAILURES)
		threshold = LOCKOUT_MAX_FAILURES;
	base = conf->lockout_time_ms < LOCKOUT_MAX_MS ? conf->lockout_time_ms :
	    LOCKOUT_MAX_MS;

	/* A whole quiet window after a lockout forgives the escalation. */
	if (l->last_lock_end != 0) {
		quiet_since = l->last_lock_end;
		if (l->nfailures > 0)
			quiet_since = l->failures[(l->head + LOCKOUT_MAX_FAILURES - 1) %
			    LOCKOUT_MAX_FAILURES];
		if (now_mono_ms - quiet_since >= conf->lockout_window_ms) {
			l->current_ms = 0;
			l->last_lock_end = 0;
		}
	}

	l->failures[l->head] = now_mono_ms;
	l->head = (l->head + 1) % LOCKOUT_MAX_FAILURES;
	if (l->nfailures < LOCKOUT_MAX_FAILURES)
		l->nfailures++;
	for (i = 0; i < l->nfailures; i++)
		if (now_mono_ms - l->failures[i] < conf->lockout_window_ms)
			recent++;
	if (recent < threshold)
		return false;

	len = l->current_ms != 0 ? l->current_ms : base;
	l->locked_until = now_mono_ms + len;
	l->last_lock_end = l->locked_until;
	l->current_ms = len * 2 < LOCKOUT_MAX_MS ? len * 2 : LOCKOUT_MAX_MS;
	l->nfailures = 0;
	l->head = 0;
	return true;
}

/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <string.h>

#include "decision.h"
#include "tz.h"

int
decision_rows_load(struct store *st, enum badge_kind kind, const uint8_t mac[UID_MAC_LEN],
    struct decision_rows *rows)
{
	int rc;

	memset(rows, 0, sizeof(*rows));
	rc = store_find_badge(st, kind, mac, &rows->badge, &rows->member);
	/* The pool's loaners are cards known by their UID. */
	if (rc == 0 && kind == BADGE_UID) {
		if ((rc = store_find_loaner(st, mac, &rows->l, &rows->guest)) != 1)
			return rc;
		rows->loaner = true;
		/* A pass whose sponsor was erased, or is gone: no member, and
		 * the policy denies (member_disabled). */
		if (rows->guest.id == 0 || rows->guest.sponsor_id == 0)
			return 1;
		if ((rc = store_member_get(st, rows->guest.sponsor_id, &rows->member)) != 1)
			return rc == 0 ? 1 : -1;
	}
	if (rc == 1 && rows->member.id != 0 &&
	    store_member_groups(st, rows->member.id, &rows->groups) == -1)
		return -1;
	return rc;
}

void
decision_input_rows(struct access_input *in, const struct config *conf,
    const struct decision_rows *rows, int64_t now_ms, bool clock_synced, struct decision_tap tap)
{
	struct badge_row loaner = { .active = true, .kind = BADGE_UID };

	if (rows == NULL || !rows->loaner) {
		decision_input(in, conf, rows != NULL ? &rows->badge : NULL,
		    rows != NULL ? &rows->member : NULL, rows != NULL ? &rows->groups : NULL,
		    now_ms, clock_synced, tap);
		return;
	}
	decision_input(in, conf, &loaner, &rows->member, &rows->groups, now_ms, clock_synced,
	    tap);
	in->loaner = true;
	in->lent = rows->guest.id != 0;
	in->member_active = rows->member.id != 0 && rows->member.active && !rows->member.erased;
	in->until_ms = rows->guest.ends_ms;
}

void
decision_input(struct access_input *in, const struct config *conf, const struct badge_row *b,
    const struct member_row *m, const struct access_groups *groups, int64_t now_ms,
    bool clock_synced, struct decision_tap tap)
{
	memset(in, 0, sizeof(*in));
	in->reader_locked_out = tap.locked_out;
	in->reader_credential = tap.reader;
	in->card = tap.card;
	in->badge_found = b != NULL;
	if (b != NULL) {
		in->badge_active = b->active;
		in->member_active = m->active;
		memcpy(in->valid_from, m->valid_from, sizeof(in->valid_from));
		memcpy(in->valid_until, m->valid_until, sizeof(in->valid_until));
		in->groups = groups;
	}
	in->now_ms = now_ms;
	tz_local(now_ms, &in->now);
	/* A time the C library cannot convert (past 2038 where time_t is
	 * 32-bit) is a clock that cannot be trusted: unsynced_clock decides,
	 * as for an RTC-less Pi that booted with a stale date. */
	in->clock_synced = clock_synced && in->now.date[0] != '\0';
	in->unsynced = conf->unsynced_clock;
	in->when_expired = conf->replica_when_expired;
}

bool
decision_clock_refuses(const struct config *conf, const struct badge_row *b,
    const struct member_row *m, const struct access_groups *groups, int64_t now_ms)
{
	struct access_input in;
	bool found;
	/* At a reader that takes both, so that only the clock's rule can
	 * be the one that refuses. */
	struct decision_tap tap = { .reader = CREDENTIAL_BOTH,
	    .card = decision_card_of(b->kind, CREDENTIAL_BOTH, &found) };

	decision_input(&in, conf, b, m, groups, now_ms, false, tap);
	return access_decide(&in) == ACCESS_CLOCK_UNSYNCED;
}

enum access_card
decision_card_of(enum badge_kind kind, enum reader_credential reader, bool *found)
{
	if (kind == BADGE_DESFIRE && reader != CREDENTIAL_UID) {
		*found = true;
		return ACCESS_CARD_CREDENTIAL;
	}
	*found = kind == BADGE_UID;
	return ACCESS_CARD_UID;
}
